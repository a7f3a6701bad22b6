// The JIT's on-disk cache of object files (backend/jit/object_cache.hpp): a disk hit, in this
// process or a fresh one, computes the same bits as the cold compile and the interpreter, and
// values that agree with a long-double loop; damaged entries (a flipped byte, a truncated file, a
// header naming another key, garbage) are detected and rebuilt; an entry made for another CPU or
// LLVM never hits; eight processes compiling at once into one empty directory all get correct
// results and leave only sound entries, one per program (so the key is the same in every process).

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "backend/jit/jit_function.hpp"
#include "backend/jit/object_cache.hpp"
#include "hypatia/hypatia.hpp"
#include "support/scratch_directory.hpp"

extern char** environ;

namespace hypatia {
namespace {
namespace fs = std::filesystem;
using testing::ScratchDirectory;

constexpr std::int64_t kRows = 300;

// A logistic regression with `predictors` predictors; the data follow from the predictor count,
// so equal counts are equal programs and different counts different ones (other shapes).
struct Logistic {
  std::int64_t predictors;
  std::vector<double> design, outcome, point;
};

Logistic logistic(std::int64_t predictors) {
  Logistic model{predictors, {}, {}, {}};
  std::mt19937_64 rng(static_cast<std::uint64_t>(predictors));
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> uniform;
  for (std::int64_t n = 0; n < kRows; ++n) {
    double eta = 0.2;
    for (std::int64_t k = 0; k < predictors; ++k) {
      model.design.push_back(normal(rng));
      eta += 0.5 * static_cast<double>(k % 3 - 1) * model.design.back();
    }
    model.outcome.push_back(uniform(rng) < 1 / (1 + std::exp(-eta)) ? 1.0 : 0.0);
  }
  for (std::int64_t k = 0; k <= predictors; ++k) model.point.push_back(0.1 * (k % 4) - 0.15);
  return model;
}

LogpGrad compile(const Logistic& model, Backend backend, const fs::path& cache_dir) {
  const Expr theta = input("theta", {DType::float64, {model.predictors + 1}});
  const Expr x = constant(Tensor::from_doubles(model.design, {kRows, model.predictors}));
  const Expr y = constant(Tensor::from_doubles(model.outcome, {kRows}));
  const Expr eta = slice(theta, 0, Index{0}) +
                   matmul(x, slice(theta, 0, Slice{1, model.predictors + 1, std::nullopt}));
  CompileOptions options;
  options.backend = backend;
  options.cache_dir = cache_dir.string();
  return LogpGrad(theta, sum(y * eta - softplus(eta)), options);
}

// logp, then the gradient.
std::vector<double> evaluate(LogpGrad& logp_grad, const Logistic& model) {
  std::vector<double> values(model.point.size() + 1);
  values[0] = logp_grad(model.point.data(), values.data() + 1);
  return values;
}

// The same in long double by hand: sum y eta - log(1 + e^eta), d/dtheta = sum (y - sigmoid) row.
std::vector<double> by_hand(const Logistic& model) {
  std::vector<long double> values(model.point.size() + 1, 0.0L);
  for (std::int64_t n = 0; n < kRows; ++n) {
    long double eta = model.point[0];
    for (std::int64_t k = 0; k < model.predictors; ++k) {
      eta += static_cast<long double>(model.design[n * model.predictors + k]) * model.point[k + 1];
    }
    values[0] += model.outcome[n] * eta - std::log1p(std::exp(eta));
    const long double residual = model.outcome[n] - 1.0L / (1.0L + std::exp(-eta));
    values[1] += residual;
    for (std::int64_t k = 0; k < model.predictors; ++k)
      values[k + 2] += residual * model.design[n * model.predictors + k];
  }
  return {values.begin(), values.end()};
}

std::string bits_text(const std::vector<double>& values) {
  std::ostringstream text;
  for (double value : values) {
    std::uint64_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    text << std::hex << bits << " ";
  }
  return text.str();
}

// Same bits as the interpreter and close to the long-double loop; returns the bits.
std::string expect_correct(LogpGrad& jit, const Logistic& model) {
  const std::vector<double> values = evaluate(jit, model);
  LogpGrad interpreter = compile(model, Backend::interp, {});
  EXPECT_EQ(bits_text(values), bits_text(evaluate(interpreter, model)))
      << "jit and interpreter differ, " << model.predictors << " predictors";
  const std::vector<double> exact = by_hand(model);
  for (std::size_t k = 0; k < values.size(); ++k) {
    EXPECT_NEAR(values[k], exact[k], 1e-11 * (1.0 + std::abs(exact[k]))) << "value " << k;
  }
  return bits_text(values);
}

std::vector<std::string> entry_files(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& file : fs::directory_iterator(dir)) names.push_back(file.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

// Every file in `dir` is a sound entry named by its key; returns how many there are.
std::size_t expect_only_sound_entries(const fs::path& dir) {
  std::size_t entries = 0;
  for (const std::string& name : entry_files(dir)) {
    if (name.size() != 32 + 4 || name.substr(32) != ".jit") {
      ADD_FAILURE() << "a stray file in the cache: " << name;
      continue;
    }
    const jit::CachedObject entry = jit::read_entry(dir, name.substr(0, 32));
    EXPECT_EQ(entry.state, jit::EntryState::sound) << name << ": " << entry.problem;
    ++entries;
  }
  return entries;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_text(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
}

// This test program run again as a child process, running JitCacheChild with the given models
// (predictor counts) and cache directory; its output goes to `output`.
pid_t spawn_child(const std::vector<int>& models, const fs::path& cache_dir,
                  const fs::path& output) {
  std::string list;
  for (int predictors : models) list += std::to_string(predictors) + " ";
  std::vector<std::string> environment = {"HYPATIA_JIT_CACHE_CHILD=" + list,
                                          "HYPATIA_JIT_CACHE_CHILD_DIR=" + cache_dir.string()};
  for (char** variable = environ; *variable != nullptr; ++variable) {
    if (std::strncmp(*variable, "HYPATIA_JIT_CACHE_CHILD", 23) != 0 &&
        std::strncmp(*variable, "GTEST_", 6) != 0) {
      environment.emplace_back(*variable);
    }
  }
  std::vector<char*> envp;
  for (std::string& variable : environment) envp.push_back(variable.data());
  envp.push_back(nullptr);
  std::string program = fs::read_symlink("/proc/self/exe");
  std::string also_disabled = "--gtest_also_run_disabled_tests";
  std::string filter = "--gtest_filter=JitCacheChild.*";
  char* argv[] = {program.data(), also_disabled.data(), filter.data(), nullptr};

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = 0;
  const int status = ::posix_spawn(&pid, program.c_str(), &actions, nullptr, argv, envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (status != 0) ADD_FAILURE() << "cannot start " << program << ": " << std::strerror(status);
  return status == 0 ? pid : -1;
}

// Waits for the child and returns its output; a failure when it did not succeed.
std::string wait_for_child(pid_t pid, const fs::path& output) {
  int status = 0;
  if (pid <= 0 || ::waitpid(pid, &status, 0) != pid) return "";
  const std::string text = read_text(output);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the child failed:\n" << text;
  return text;
}

// The child's report for `predictors`: "<disk cache state> <bits...>", or "" with a failure.
std::string report_of(const std::string& text, int predictors) {
  const std::string marker = "jit-cache-child " + std::to_string(predictors) + " ";
  const std::size_t at = text.find(marker);
  if (at == std::string::npos) {
    ADD_FAILURE() << "the child did not report model " << predictors << ":\n" << text;
    return "";
  }
  return text.substr(at + marker.size(), text.find('\n', at) - at - marker.size());
}

const char* state_name(jit::DiskCache state) {
  switch (state) {
    case jit::DiskCache::unused:
      return "unused";
    case jit::DiskCache::hit:
      return "hit";
    case jit::DiskCache::stored:
      return "stored";
    case jit::DiskCache::rebuilt:
      return "rebuilt";
    case jit::DiskCache::not_stored:
      return "not_stored";
  }
  return "?";
}

// The disk cache as compiles straight to optimized code use it (with tiers, the background
// compile stores the entry; jit_tiers_test.cpp covers that).
class JitCache : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!backend_available(Backend::jit)) GTEST_SKIP() << "this build has no LLVM (no jit backend)";
    tiers_before_ = jit::tiered();
    jit::set_tiered(false);
  }
  void TearDown() override {
    if (!backend_available(Backend::jit)) return;
    jit::key_as_if_for_testing(std::nullopt);
    jit::set_tiered(tiers_before_);
  }
  bool tiers_before_ = false;
  ScratchDirectory scratch_;
  // Created private by the first compile, as the default cache directory would be.
  const fs::path cache_ = scratch_ / "cache";
};

// Run by the tests below as a child process (never on its own): compiles each model named in
// HYPATIA_JIT_CACHE_CHILD with the cache in HYPATIA_JIT_CACHE_CHILD_DIR, checks the results and
// prints what the disk cache did and the result bits.
TEST(JitCacheChild, DISABLED_CompilesTheModelsItIsGiven) {
  const char* models = std::getenv("HYPATIA_JIT_CACHE_CHILD");
  const char* dir = std::getenv("HYPATIA_JIT_CACHE_CHILD_DIR");
  if (models == nullptr || dir == nullptr) GTEST_SKIP() << "run by JitCache tests only";
  jit::set_tiered(false);
  std::istringstream list(models);
  for (int predictors; list >> predictors;) {
    const Logistic model = logistic(predictors);
    LogpGrad jit = compile(model, Backend::jit, dir);
    const jit::CompileTimes times = jit::last_compile_times();
    const std::string bits = expect_correct(jit, model);
    std::printf("jit-cache-child %d %s %s\n", predictors, state_name(times.disk_cache),
                bits.c_str());
    std::fflush(stdout);
  }
}

TEST_F(JitCache, ADiskHitGivesTheColdCompilesBitsWithoutOptimizingOrGenerating) {
  const Logistic model = logistic(3);
  std::string cold_bits;
  {
    LogpGrad cold = compile(model, Backend::jit, cache_);
    const jit::CompileTimes& times = jit::last_compile_times();
    EXPECT_EQ(state_name(times.disk_cache), std::string("stored")) << times.disk_problem;
    EXPECT_FALSE(cold.function().info().cache_hit);
    EXPECT_GT(times.optimize, 0.0);
    cold_bits = expect_correct(cold, model);
  }
  EXPECT_EQ(entry_files(cache_).size(), 1u);
  // The first function is gone, so is the code in memory: this compile reads the disk.
  LogpGrad warm = compile(model, Backend::jit, cache_);
  const jit::CompileTimes& times = jit::last_compile_times();
  EXPECT_EQ(state_name(times.disk_cache), std::string("hit")) << times.disk_problem;
  EXPECT_TRUE(warm.function().info().cache_hit);
  EXPECT_EQ(times.optimize, 0.0);
  EXPECT_EQ(times.codegen, 0.0);
  EXPECT_EQ(expect_correct(warm, model), cold_bits);
  // While it lives, an equal program comes from memory and leaves the disk alone.
  LogpGrad again = compile(model, Backend::jit, cache_);
  EXPECT_TRUE(jit::last_compile_times().cache_hit);
  EXPECT_EQ(state_name(jit::last_compile_times().disk_cache), std::string("unused"));
}

TEST_F(JitCache, AFreshProcessLoadsTheEntryAndComputesTheSameBits) {
  const Logistic model = logistic(4);
  LogpGrad cold = compile(model, Backend::jit, cache_);
  ASSERT_EQ(state_name(jit::last_compile_times().disk_cache), std::string("stored"));
  const std::string cold_bits = expect_correct(cold, model);
  const fs::path output = scratch_ / "child";
  const std::string report = report_of(wait_for_child(spawn_child({4}, cache_, output), output), 4);
  // The child computed the same key from its own IR, found the entry and linked it.
  EXPECT_EQ(report, "hit " + cold_bits);
  EXPECT_EQ(expect_only_sound_entries(cache_), 1u);
}

TEST_F(JitCache, DamagedEntriesAreDetectedAndRebuilt) {
  const Logistic model = logistic(2), other = logistic(5);
  std::string key, sound_entry, other_entry;
  std::string cold_bits;
  {
    LogpGrad cold = compile(model, Backend::jit, cache_);
    key = jit::last_compile_times().disk_key;
    cold_bits = expect_correct(cold, model);
    LogpGrad second = compile(other, Backend::jit, cache_);
    other_entry = read_text(jit::entry_path(cache_, jit::last_compile_times().disk_key));
  }
  const fs::path path = jit::entry_path(cache_, key);
  sound_entry = read_text(path);
  ASSERT_GT(sound_entry.size(), 1000u);
  const std::size_t header_end = sound_entry.find("\n\n") + 2;

  struct Damage {
    std::string name, bytes, problem;  // what the file holds, a word the report must contain
  };
  std::string flipped_code = sound_entry, flipped_hash = sound_entry;
  flipped_code[header_end + (sound_entry.size() - header_end) / 2] ^= 0x10;
  flipped_hash[sound_entry.find("hash ") + 7] ^= 0x01;
  const std::vector<Damage> damages = {
      {"a flipped byte in the code", flipped_code, "hash"},
      {"a flipped byte in the header's hash", flipped_hash, "hash"},
      {"truncated", sound_entry.substr(0, sound_entry.size() - 100), "bytes"},
      {"cut inside the header", sound_entry.substr(0, 30), "header"},
      {"empty", "", "does not start"},
      {"another program's entry under this key", other_entry, "key"},
      {"garbage", std::string(5000, '\x7f'), "does not start"},
  };
  for (const Damage& damage : damages) {
    SCOPED_TRACE(damage.name);
    write_text(path, damage.bytes);
    {
      LogpGrad rebuilt = compile(model, Backend::jit, cache_);
      const jit::CompileTimes& times = jit::last_compile_times();
      EXPECT_EQ(state_name(times.disk_cache), std::string("rebuilt"));
      EXPECT_NE(times.disk_problem.find(damage.problem), std::string::npos) << times.disk_problem;
      EXPECT_EQ(expect_correct(rebuilt, model), cold_bits);
    }
    // Rewritten whole: the same bytes as the first time, and found on the next compile.
    EXPECT_EQ(read_text(path), sound_entry);
    LogpGrad warm = compile(model, Backend::jit, cache_);
    EXPECT_EQ(state_name(jit::last_compile_times().disk_cache), std::string("hit"));
  }
  EXPECT_EQ(expect_only_sound_entries(cache_), 2u);
}

TEST_F(JitCache, AnEntryWritableByOthersIsNotLoaded) {
  const Logistic model = logistic(2);
  { LogpGrad cold = compile(model, Backend::jit, cache_); }
  const fs::path path = jit::entry_path(cache_, jit::last_compile_times().disk_key);
  ASSERT_EQ(::chmod(path.c_str(), 0666), 0);
  LogpGrad again = compile(model, Backend::jit, cache_);
  const jit::CompileTimes& times = jit::last_compile_times();
  EXPECT_EQ(state_name(times.disk_cache), std::string("rebuilt"));
  EXPECT_NE(times.disk_problem.find("others can write"), std::string::npos) << times.disk_problem;
  expect_correct(again, model);
  EXPECT_EQ(expect_only_sound_entries(cache_), 1u);
}

TEST_F(JitCache, EntriesForAnotherCpuOrLlvmNeverHit) {
  const Logistic model = logistic(3);
  const jit::TargetIdentity here = jit::target_identity();
  EXPECT_FALSE(here.cpu.empty());
  EXPECT_FALSE(here.features.empty());
  EXPECT_NE(here.llvm_version.find("19."), std::string::npos) << here.llvm_version;

  jit::TargetIdentity other_features = here, other_cpu = here, other_llvm = here;
  other_features.features += ",-avx2";
  other_cpu.cpu = "x86-64";
  other_llvm.llvm_version = "19.1.99 (headers 19.1.99)";
  std::vector<std::string> keys;
  const std::vector<const jit::TargetIdentity*> identities = {&here, &other_features, &other_cpu,
                                                              &other_llvm};
  for (const jit::TargetIdentity* identity : identities) {
    jit::key_as_if_for_testing(*identity);
    LogpGrad jit = compile(model, Backend::jit, cache_);
    const jit::CompileTimes& times = jit::last_compile_times();
    EXPECT_EQ(state_name(times.disk_cache), std::string("stored")) << identity->cpu;
    keys.push_back(times.disk_key);
    expect_correct(jit, model);
  }
  EXPECT_EQ(expect_only_sound_entries(cache_), 4u);
  jit::key_as_if_for_testing(std::nullopt);
  LogpGrad real = compile(model, Backend::jit, cache_);
  EXPECT_EQ(state_name(jit::last_compile_times().disk_cache), std::string("hit"));
  EXPECT_EQ(jit::last_compile_times().disk_key, keys[0]);

  // The key itself: each part of the identity and each byte of the IR changes it.
  const std::string ir = "some bitcode";
  const std::string key = jit::object_key(here, ir);
  EXPECT_EQ(key, jit::object_key(here, ir));
  EXPECT_NE(key, jit::object_key(here, "some bitcodf"));
  jit::TargetIdentity other_codegen = here, other_triple = here;
  other_codegen.codegen += " ";
  other_triple.triple = "aarch64-unknown-linux-gnu";
  for (const jit::TargetIdentity* identity : std::vector<const jit::TargetIdentity*>{
           &other_features, &other_cpu, &other_llvm, &other_codegen, &other_triple}) {
    EXPECT_NE(jit::object_key(*identity, ir), key);
  }
  // Fields do not run into each other.
  jit::TargetIdentity shifted = here;
  shifted.cpu = here.cpu + here.features.substr(0, 1);
  shifted.features = here.features.substr(1);
  EXPECT_NE(jit::object_key(shifted, ir), key);
}

TEST_F(JitCache, AnUnusableCacheDirectoryIsNotFatal) {
  const Logistic model = logistic(2);
  const fs::path shared = scratch_ / "open to all";
  fs::create_directory(shared);
  ASSERT_EQ(::chmod(shared.c_str(), 0777), 0);
  LogpGrad jit = compile(model, Backend::jit, shared);
  const jit::CompileTimes& times = jit::last_compile_times();
  EXPECT_EQ(state_name(times.disk_cache), std::string("unused"));
  EXPECT_NE(times.disk_problem.find("other users can write"), std::string::npos)
      << times.disk_problem;
  expect_correct(jit, model);
  EXPECT_TRUE(entry_files(shared).empty());
}

TEST_F(JitCache, EightProcessesAtOnceShareOneEmptyCache) {
  // Each compiles the shared model (6 predictors) and one of four others, two processes each.
  constexpr int kProcesses = 8;
  std::vector<pid_t> children;
  std::vector<fs::path> outputs;
  for (int k = 0; k < kProcesses; ++k) {
    outputs.push_back(scratch_ / ("child-" + std::to_string(k)));
    children.push_back(spawn_child({6, 2 + k % 4}, cache_, outputs.back()));
  }
  std::vector<std::string> shared_reports;
  for (int k = 0; k < kProcesses; ++k) {
    const std::string output = wait_for_child(children[k], outputs[k]);
    shared_reports.push_back(report_of(output, 6));
    EXPECT_FALSE(report_of(output, 2 + k % 4).empty());
  }
  // Every process computed the same bits for the shared model, whether it compiled or loaded it.
  const std::string bits = shared_reports[0].substr(shared_reports[0].find(' ') + 1);
  for (const std::string& report : shared_reports) {
    EXPECT_EQ(report.substr(report.find(' ') + 1), bits);
    EXPECT_TRUE(report.rfind("stored ", 0) == 0 || report.rfind("hit ", 0) == 0) << report;
  }
  // One entry per program: every process computed the same keys. Nothing else is left.
  EXPECT_EQ(expect_only_sound_entries(cache_), 5u);
}

}  // namespace
}  // namespace hypatia
