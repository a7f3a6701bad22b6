// The JIT's tiered compile (backend/jit/jit_function.hpp): a program not on disk first runs as
// unoptimized code, then as optimized code compiled on a background thread; both give the
// interpreter's bits and values close to a long-double loop, the optimized object reaches the
// disk cache, code dropped before its optimized compile runs is safe, a child made by fork()
// compiles with a background thread of its own, a process may exit while the background compile
// runs, and a program compiled off the main thread goes straight to optimized code.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "backend/jit/jit_function.hpp"
#include "hypatia/hypatia.hpp"
#include "support/scratch_directory.hpp"

namespace hypatia {
namespace {
namespace fs = std::filesystem;
using testing::ScratchDirectory;

constexpr std::int64_t kRows = 517;  // not a multiple of the lane count: lane blocks and a tail

struct Regression {
  std::int64_t predictors;
  std::vector<double> design, counts, point;
};

// A Poisson regression with a log link; equal predictor counts are equal programs.
Regression regression(std::int64_t predictors) {
  Regression model{predictors, {}, {}, {}};
  std::mt19937_64 rng(static_cast<std::uint64_t>(40 + predictors));
  std::normal_distribution<double> normal(0.0, 0.5);
  for (std::int64_t n = 0; n < kRows; ++n) {
    double eta = 0.3;
    for (std::int64_t k = 0; k < predictors; ++k) {
      model.design.push_back(normal(rng));
      eta += 0.4 * model.design.back();
    }
    model.counts.push_back(std::poisson_distribution<int>(std::exp(eta))(rng));
  }
  for (std::int64_t k = 0; k <= predictors; ++k) model.point.push_back(0.2 - 0.07 * k);
  return model;
}

LogpGrad compile(const Regression& model, Backend backend, const fs::path& cache_dir) {
  const Expr theta = input("theta", {DType::float64, {model.predictors + 1}});
  const Expr x = constant(Tensor::from_doubles(model.design, {kRows, model.predictors}));
  const Expr y = constant(Tensor::from_doubles(model.counts, {kRows}));
  const Expr eta = slice(theta, 0, Index{0}) +
                   matmul(x, slice(theta, 0, Slice{1, model.predictors + 1, std::nullopt}));
  CompileOptions options;
  options.backend = backend;
  options.cache_dir = cache_dir.string();
  return LogpGrad(theta, sum(y * eta - exp(eta)), options);
}

// logp, then the gradient.
std::vector<double> evaluate(LogpGrad& logp_grad, const Regression& model) {
  std::vector<double> values(model.point.size() + 1);
  values[0] = logp_grad(model.point.data(), values.data() + 1);
  return values;
}

// By hand in long double: sum y eta - e^eta (up to the constant -log y!), d/dtheta = sum
// (y - e^eta) row.
std::vector<double> by_hand(const Regression& model) {
  std::vector<long double> values(model.point.size() + 1, 0.0L);
  for (std::int64_t n = 0; n < kRows; ++n) {
    long double eta = model.point[0];
    for (std::int64_t k = 0; k < model.predictors; ++k) {
      eta += static_cast<long double>(model.design[n * model.predictors + k]) * model.point[k + 1];
    }
    values[0] += model.counts[n] * eta - std::exp(eta);
    const long double residual = model.counts[n] - std::exp(eta);
    values[1] += residual;
    for (std::int64_t k = 0; k < model.predictors; ++k)
      values[k + 2] += residual * model.design[n * model.predictors + k];
  }
  return {values.begin(), values.end()};
}

std::vector<std::uint64_t> bits(const std::vector<double>& values) {
  std::vector<std::uint64_t> result(values.size());
  std::memcpy(result.data(), values.data(), values.size() * sizeof(double));
  return result;
}

// The interpreter's bits, and values within 1e-11 of the long-double loop.
void expect_correct(const std::vector<double>& values, const Regression& model,
                    const std::string& which) {
  LogpGrad interpreter = compile(model, Backend::interp, {});
  EXPECT_EQ(bits(values), bits(evaluate(interpreter, model))) << which << " vs the interpreter";
  const std::vector<double> exact = by_hand(model);
  for (std::size_t k = 0; k < values.size(); ++k) {
    EXPECT_NEAR(values[k], exact[k], 1e-11 * (1.0 + std::abs(exact[k])))
        << which << ", value " << k;
  }
}

// Tiers on for each test (the default; a test may turn them off), as they were afterwards.
class JitTiers : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!backend_available(Backend::jit)) GTEST_SKIP() << "this build has no LLVM (no jit backend)";
    tiers_before_ = jit::tiered();
    jit::set_tiered(true);
  }
  void TearDown() override {
    if (!backend_available(Backend::jit)) return;
    jit::wait_for_optimized_code();
    jit::set_tiered(tiers_before_);
  }
  bool tiers_before_ = false;
};

TEST_F(JitTiers, TheQuickTierAndTheOptimizedCodeGiveTheInterpretersBits) {
  const ScratchDirectory cache;
  const Regression model = regression(6);
  LogpGrad jit = compile(model, Backend::jit, cache.path());
  const jit::CompileTimes quick = jit::last_compile_times();
  ASSERT_TRUE(quick.optimized_later);
  EXPECT_EQ(quick.disk_cache, jit::DiskCache::unused) << "the quick tier is never stored";
  expect_correct(evaluate(jit, model), model, "the quick tier");

  jit::wait_for_optimized_code();
  const jit::CompileTimes optimized = jit::last_optimized_times();
  EXPECT_EQ(optimized.disk_problem, "");
  EXPECT_EQ(optimized.disk_cache, jit::DiskCache::stored);
  EXPECT_EQ(optimized.disk_key, quick.disk_key);
  EXPECT_GT(optimized.link, 0.0) << "the optimized code was never linked and swapped in";
  expect_correct(evaluate(jit, model), model, "the optimized code");

  // Compiled again while the first is alive: the same code, from memory.
  LogpGrad again = compile(model, Backend::jit, cache.path());
  EXPECT_TRUE(jit::last_compile_times().cache_hit);
  expect_correct(evaluate(again, model), model, "the in-memory hit");
}

TEST_F(JitTiers, TheOptimizedCodeReplacesTheQuickTierInTheProgram) {
  const ScratchDirectory cache;
  const Regression model = regression(8);
  const Expr theta = input("theta", {DType::float64, {model.predictors + 1}});
  const Expr x = constant(Tensor::from_doubles(model.design, {kRows, model.predictors}));
  const Expr eta = slice(theta, 0, Index{0}) +
                   matmul(x, slice(theta, 0, Slice{1, model.predictors + 1, std::nullopt}));
  CompileOptions options;
  options.cache_dir = cache.path().string();
  const auto program = jit::compile_program({theta.node()}, {sum(exp(eta)).node()}, options);
  ASSERT_TRUE(jit::last_compile_times().optimized_later);
  ASSERT_NE(program->live_entry, nullptr);
  jit::wait_for_optimized_code();
  EXPECT_NE(program->live_entry->load(), program->entry) << "still the quick tier's entry";
  native::NativeFunction function(program);
  const Tensor value = function.run({Tensor::from_doubles(model.point, {model.predictors + 1})})[0];
  long double exact = 0.0L;
  for (std::int64_t n = 0; n < kRows; ++n) {
    long double row = model.point[0];
    for (std::int64_t k = 0; k < model.predictors; ++k)
      row += static_cast<long double>(model.design[n * model.predictors + k]) * model.point[k + 1];
    exact += std::exp(row);
  }
  EXPECT_NEAR(value.at(0), static_cast<double>(exact), 1e-12 * static_cast<double>(exact));
}

TEST_F(JitTiers, ADiskHitLinksTheOptimizedObjectWithNoQuickTier) {
  const ScratchDirectory cache;
  const Regression model = regression(3);
  {
    LogpGrad first = compile(model, Backend::jit, cache.path());
    ASSERT_TRUE(jit::last_compile_times().optimized_later);
    jit::wait_for_optimized_code();
  }
  LogpGrad from_disk = compile(model, Backend::jit, cache.path());
  const jit::CompileTimes times = jit::last_compile_times();
  EXPECT_EQ(times.disk_cache, jit::DiskCache::hit) << times.disk_problem;
  EXPECT_FALSE(times.optimized_later);
  expect_correct(evaluate(from_disk, model), model, "the disk hit");
}

TEST_F(JitTiers, CodeDroppedBeforeItsOptimizedCompileIsSafe) {
  const ScratchDirectory cache;
  // Each dropped at once: its optimized compile is cancelled while queued, or waited for while
  // it runs (the later ones queue behind the first).
  for (std::int64_t predictors = 1; predictors <= 10; ++predictors) {
    const Regression model = regression(predictors);
    LogpGrad jit = compile(model, Backend::jit, cache.path());
    EXPECT_TRUE(jit::last_compile_times().optimized_later) << predictors;
    std::vector<double> gradient(model.point.size());
    EXPECT_TRUE(std::isfinite(jit(model.point.data(), gradient.data())));
  }
  jit::wait_for_optimized_code();
  const Regression model = regression(4);
  LogpGrad jit = compile(model, Backend::jit, cache.path());
  expect_correct(evaluate(jit, model), model, "a compile after the dropped ones");
}

TEST_F(JitTiers, AForkedChildCompilesWithABackgroundThreadOfItsOwn) {
  const ScratchDirectory cache;
  const Regression parent_model = regression(5);
  LogpGrad parent = compile(parent_model, Backend::jit, cache.path());
  ASSERT_TRUE(jit::last_compile_times().optimized_later);
  // Forking waits for the parent's optimized compile, so the child inherits no half-made state.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const Regression model = regression(7);
    LogpGrad jit = compile(model, Backend::jit, cache.path());
    const bool quick = jit::last_compile_times().optimized_later;
    const std::vector<double> first = evaluate(jit, model);
    jit::wait_for_optimized_code();
    const jit::CompileTimes optimized = jit::last_optimized_times();
    const std::vector<double> second = evaluate(jit, model);
    LogpGrad interpreter = compile(model, Backend::interp, {});
    const bool same =
        bits(first) == bits(evaluate(interpreter, model)) && bits(first) == bits(second);
    ::_exit(quick && same && optimized.link > 0.0 && optimized.disk_problem.empty() ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << "the child did not exit normally (status " << status << ")";
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the child's tiers were wrong or its compile failed";
  expect_correct(evaluate(parent, parent_model), parent_model, "the parent after fork");
}

TEST_F(JitTiers, WithTiersOffAProgramCompilesStraightToOptimizedCode) {
  jit::set_tiered(false);
  const ScratchDirectory cache;
  const Regression model = regression(2);
  LogpGrad jit = compile(model, Backend::jit, cache.path());
  const jit::CompileTimes times = jit::last_compile_times();
  EXPECT_FALSE(times.optimized_later);
  EXPECT_EQ(times.disk_cache, jit::DiskCache::stored) << times.disk_problem;
  expect_correct(evaluate(jit, model), model, "the optimized code");
}

TEST_F(JitTiers, AProgramCompiledOffTheMainThreadGoesStraightToOptimizedCode) {
  const ScratchDirectory cache;
  const Regression model = regression(3);
  jit::CompileTimes times;
  std::vector<double> values;
  std::thread other([&] {
    LogpGrad jit = compile(model, Backend::jit, cache.path());
    times = jit::last_compile_times();  // this thread's
    values = evaluate(jit, model);
  });
  other.join();
  EXPECT_FALSE(times.optimized_later) << "exit() from the main thread would not wait for it";
  EXPECT_EQ(times.disk_cache, jit::DiskCache::stored) << times.disk_problem;
  expect_correct(values, model, "the optimized code compiled off the main thread");
}

// The child of the next test, in a fresh process (so that no optimized compile has yet made
// LLVM's function-local statics): compiles several programs in tiers (special functions of six
// values and their gradients, whose optimized code needs value types beyond LLVM's simple ones:
// a table that is one such static), calls each, and exits at once, saying on stdout whether the
// last one's optimized compile was still to come.
TEST(JitTiersExitChild, DISABLED_ExitsWhileTheOptimizedCompilesRun) {
  const char* cache = std::getenv("HYPATIA_TIERS_EXIT_CACHE");
  ASSERT_NE(cache, nullptr) << "run only by JitTiers.AProcessMayExitWhileItsOptimizedCompilesRun";
  jit::set_tiered(true);
  const Expr x = input("x", {DType::float64, {6}});
  const Tensor point = Tensor::from_doubles({-0.9, -0.5, -0.1, 0.2, 0.6, 0.8}, {6});
  CompileOptions options;
  options.cache_dir = cache;
  std::vector<std::shared_ptr<const native::CompiledProgram>> programs;
  for (const double scale : {1.0, 2.0}) {
    const Expr weights =
        constant(Tensor::from_doubles({0.7 * scale, 1.3, 0.9, 1.1, 0.6, 1.4}, {6}));
    for (Expr (*f)(const Expr&) : {erf, erfc, erfcx, erfinv}) {
      const Expr gradient = grad(sum(f(x) * weights), x);
      programs.push_back(jit::compile_program({x.node()}, {gradient.node()}, options));
      ASSERT_TRUE(jit::last_compile_times().optimized_later);
      native::NativeFunction function(programs.back());
      ASSERT_TRUE(std::isfinite(function.run({point})[0].at(0)));
    }
  }
  const bool running = programs.back()->live_entry->load() == programs.back()->entry;
  std::printf("\noptimized compile running at exit: %s\n", running ? "yes" : "no");
  std::fflush(stdout);
  std::exit(0);
}

// Before the exit guard (jit_function.cpp: ExitGuard), most such processes crashed in the
// background compiles, after LLVM statics they had made were destroyed.
TEST_F(JitTiers, AProcessMayExitWhileItsOptimizedCompilesRun) {
  int running_at_exit = 0;
  for (int round = 0; round < 4; ++round) {
    const ScratchDirectory cache;
    const std::filesystem::path output = cache.path() / "child.out";
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::setenv("HYPATIA_TIERS_EXIT_CACHE", cache.path().c_str(), 1);
      if (std::freopen(output.c_str(), "w", stdout) == nullptr) ::_exit(126);
      ::execl("/proc/self/exe", "hypatia_tests",
              "--gtest_filter=JitTiersExitChild.DISABLED_ExitsWhileTheOptimizedCompilesRun",
              "--gtest_also_run_disabled_tests", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    std::ifstream file(output);
    std::stringstream text;
    text << file.rdbuf();
    ASSERT_TRUE(WIFEXITED(status))
        << "round " << round << ": the child died (status " << status << ", signal "
        << (WIFSIGNALED(status) ? WTERMSIG(status) : 0) << "):\n"
        << text.str();
    EXPECT_EQ(WEXITSTATUS(status), 0) << "round " << round << ":\n" << text.str();
    if (text.str().find("optimized compile running at exit: yes") != std::string::npos)
      ++running_at_exit;
  }
  // The exit must have raced the compile for the test to mean anything (O3 takes several times
  // the quick tier's time).
  EXPECT_GT(running_at_exit, 0);
}

}  // namespace
}  // namespace hypatia
