// Steps over the same many rows run chunk by chunk in one parallel pass (RowChunks,
// backend/native/row_chunks.hpp). Grouping only reorders work, so the native results must be the
// interpreter's bits exactly, on one thread and on two; the gradients are also checked against
// finite differences, and the generated source shows which steps were grouped.

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "hypatia/hypatia.hpp"
#include "hypatia_runtime.h"
#include "support/fresh_cache_directory.hpp"

namespace hypatia {
namespace {

constexpr std::int64_t kRows = 3 * HR_CHUNK_ROWS + 77;  // four chunks, the last one short

Tensor random_tensor(const Shape& shape, std::uint64_t seed, double scale = 1.0) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, scale);
  std::vector<double> values(static_cast<std::size_t>(num_elements(shape)));
  for (double& value : values) value = normal(rng);
  return Tensor::from_doubles(values, shape);
}

Tensor bernoulli_outcomes(std::int64_t rows, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::bernoulli_distribution coin(0.4);
  std::vector<double> values(static_cast<std::size_t>(rows));
  for (double& value : values) value = coin(rng) ? 1.0 : 0.0;
  return Tensor::from_doubles(values, {rows});
}

std::size_t occurrences(const std::string& text, const std::string& pattern) {
  std::size_t count = 0;
  for (std::size_t at = text.find(pattern); at != std::string::npos;
       at = text.find(pattern, at + 1)) {
    ++count;
  }
  return count;
}

void expect_same_bits(const Tensor& expected, const Tensor& actual, const std::string& what) {
  ASSERT_EQ(expected.shape(), actual.shape()) << what;
  for (std::int64_t i = 0; i < expected.size(); ++i) {
    const double a = expected.at(i), b = actual.at(i);
    ASSERT_EQ(std::memcmp(&a, &b, sizeof a), 0)
        << what << " element " << i << ": " << a << " vs " << b;
  }
}

CompileOptions native_options(int threads, Backend backend = Backend::native) {
  return {.backend = backend,
          .cache_dir = testing::fresh_cache_directory().string(),
          .threads = threads};
}

// Evaluates `outputs` on the interpreter and natively on 1 and 2 threads (and on the JIT, which
// compiles the steps ungrouped, where the build has it); every result must be the interpreter's
// bits. Returns the interpreter's results and the native source.
std::pair<std::vector<Tensor>, std::string> evaluate_everywhere(const std::vector<NodePtr>& inputs,
                                                                const std::vector<NodePtr>& outputs,
                                                                const std::vector<Tensor>& values) {
  Function reference(inputs, outputs, {.backend = Backend::interp});
  const std::vector<Tensor> expected = reference(values);
  std::string source;
  for (int threads : {1, 2}) {
    Function native(inputs, outputs, native_options(threads));
    const std::vector<Tensor> actual = native(values);
    for (std::size_t k = 0; k < expected.size(); ++k) {
      expect_same_bits(expected[k], actual[k],
                       "output " + std::to_string(k) + ", " + std::to_string(threads) + " threads");
    }
    source = native.info().source;
  }
  if (backend_available(Backend::jit)) {
    Function jit(inputs, outputs, native_options(2, Backend::jit));
    const std::vector<Tensor> actual = jit(values);
    for (std::size_t k = 0; k < expected.size(); ++k) {
      expect_same_bits(expected[k], actual[k], "output " + std::to_string(k) + ", JIT");
    }
  }
  return {expected, source};
}

struct LogisticGraph {
  Expr alpha, beta, logp;
  Exprs gradient;
};

// A logistic regression's log likelihood over kRows rows and its gradient in (alpha, beta).
LogisticGraph logistic_graph(std::int64_t predictors) {
  LogisticGraph g;
  g.alpha = input("alpha", {DType::float64, {}});
  g.beta = input("beta", {DType::float64, {predictors}});
  const Expr x = constant(random_tensor({kRows, predictors}, 11));
  const Expr y = constant(bernoulli_outcomes(kRows, 12));
  const Expr eta = g.alpha + matmul(x, g.beta);
  g.logp = sum(y * eta - softplus(eta));
  g.gradient = grad(g.logp, {g.alpha, g.beta});
  return g;
}

TEST(RowChunks, RegressionGradientRunsInOnePassWithTheInterpretersBits) {
  const std::int64_t predictors = 7;
  const LogisticGraph g = logistic_graph(predictors);
  const std::vector<Tensor> at = {Tensor::scalar(0.3), random_tensor({predictors}, 13, 0.2)};
  const auto [values, source] =
      evaluate_everywhere({g.alpha.node(), g.beta.node()},
                          {g.logp.node(), g.gradient[0].node(), g.gradient[1].node()}, at);

  // X beta, the likelihood, its derivative, X^T r and the sum for alpha: one parallel pass.
  EXPECT_EQ(occurrences(source, "hr_parallel_for_chunks("), 1u) << source;
  EXPECT_EQ(occurrences(source, "hr_linalg_matmul_chunk(buffers"), 2u) << source;
  EXPECT_EQ(occurrences(source, "hr_linalg_matmul_finish(buffers"), 2u) << source;

  // The gradient against central differences of the log likelihood.
  Function logp({g.alpha.node(), g.beta.node()}, {g.logp.node()}, native_options(1));
  const double step = 1e-6;
  auto logp_at = [&](std::int64_t coordinate, double shift) {
    Tensor alpha = at[0].copy(), beta = at[1].copy();
    if (coordinate == 0) {
      alpha.set(0, alpha.at(0) + shift);
    } else {
      beta.set(coordinate - 1, beta.at(coordinate - 1) + shift);
    }
    return logp({alpha, beta})[0].at(0);
  };
  for (std::int64_t coordinate = 0; coordinate <= predictors; ++coordinate) {
    const double finite = (logp_at(coordinate, step) - logp_at(coordinate, -step)) / (2 * step);
    const double exact = coordinate == 0 ? values[1].at(0) : values[2].at(coordinate - 1);
    EXPECT_NEAR(exact, finite, 1e-6 * std::max(1.0, std::abs(finite))) << coordinate;
  }
}

// A varying-intercept regression: the intercepts are gathered by group, so their gradient is a
// scatter_add over the rows, which adds each chunk into a partial of its own (both backends).
TEST(RowChunks, GroupInterceptGradientScattersInChunksWithTheInterpretersBits) {
  const std::int64_t groups = 37;
  std::mt19937_64 rng(41);
  std::uniform_int_distribution<std::int64_t> pick(0, groups - 1);
  std::vector<std::int64_t> group_of(static_cast<std::size_t>(kRows));
  for (std::int64_t& g : group_of) g = pick(rng);
  const Expr a = input("a", {DType::float64, {groups}});
  const Expr b = input("b", {DType::float64, {}});
  const Expr x = constant(random_tensor({kRows}, 42));
  const Expr y = constant(random_tensor({kRows}, 43, 2.0));
  const Expr residual = y - (gather(a, constant(Tensor::from_ints(group_of, {kRows}))) + b * x);
  const Expr logp = sum(-0.5 * residual * residual);
  const Exprs gradient = grad(logp, {a, b});
  const std::vector<Tensor> at = {random_tensor({groups}, 44), Tensor::scalar(0.7)};
  const auto [values, source] = evaluate_everywhere(
      {a.node(), b.node()}, {logp.node(), gradient[0].node(), gradient[1].node()}, at);
  // The gather, the likelihood, the scatter and the sum for b: one parallel pass.
  EXPECT_EQ(occurrences(source, "hr_parallel_for_chunks("), 1u) << source;

  // d logp / d a_g = sum of the residuals in group g; d logp / d b = sum of residual * x.
  std::vector<long double> expected(static_cast<std::size_t>(groups), 0.0L);
  long double expected_b = 0;
  const Tensor xs = random_tensor({kRows}, 42), ys = random_tensor({kRows}, 43, 2.0);
  for (std::int64_t i = 0; i < kRows; ++i) {
    const std::size_t g = static_cast<std::size_t>(group_of[static_cast<std::size_t>(i)]);
    const long double r = ys.at(i) - (at[0].at(static_cast<std::int64_t>(g)) + 0.7L * xs.at(i));
    expected[g] += r;
    expected_b += r * xs.at(i);
  }
  for (std::int64_t g = 0; g < groups; ++g) {
    EXPECT_NEAR(values[1].at(g), static_cast<double>(expected[static_cast<std::size_t>(g)]), 1e-9)
        << g;
  }
  EXPECT_NEAR(values[2].at(0), static_cast<double>(expected_b), 1e-9 * std::abs(expected_b));
}

// The centered sum of squares reads the mean, a sum over the rows the same pass would compute;
// the weighted sum reads a small tensor computed from two such sums by steps that run after the
// pass. Both nests must run after what they read is complete, in a pass of their own.
TEST(RowChunks, AStepReadingAGroupsSumRunsAfterIt) {
  const Expr x = input("x", {DType::float64, {kRows}});
  const Expr centered = x - sum(x) / static_cast<double>(kRows);
  const Expr moments = cumsum(stack({sum(x), sum(x * x)}), 0);  // (S1, S1 + S2)
  const Expr total = sum(centered * centered) + sum(x * slice(moments, 0, Index{1}));
  const Tensor values = random_tensor({kRows}, 21, 3.0);
  const auto [results, source] = evaluate_everywhere({x.node()}, {total.node()}, {values});
  EXPECT_GE(occurrences(source, "hr_parallel_for_chunks("), 2u) << source;

  long double s1 = 0, s2 = 0;
  for (std::int64_t i = 0; i < kRows; ++i) {
    s1 += values.at(i);
    s2 += static_cast<long double>(values.at(i)) * values.at(i);
  }
  const long double mean = s1 / kRows;
  long double expected = 0;
  for (std::int64_t i = 0; i < kRows; ++i) {
    expected += (values.at(i) - mean) * (values.at(i) - mean) + values.at(i) * (s1 + s2);
  }
  EXPECT_NEAR(results[0].at(0), static_cast<double>(expected), 1e-10 * std::abs(expected));
}

// Reading the rows of exp(x) in reverse is not row by row: the reversed product cannot run in
// the pass that writes exp(x).
TEST(RowChunks, AStepReadingOtherRowsRunsAfterTheirPass) {
  const Expr x = input("x", {DType::float64, {kRows}});
  const Expr e = exp(x);
  const Expr total = sum(e * slice(e, 0, Slice{.step = -1})) + sum(e * x);
  const Tensor values = random_tensor({kRows}, 31, 0.5);
  const auto [results, source] = evaluate_everywhere({x.node()}, {total.node()}, {values});
  EXPECT_GE(occurrences(source, "hr_parallel_for_chunks("), 2u) << source;

  long double expected = 0;
  for (std::int64_t i = 0; i < kRows; ++i) {
    expected += std::exp(static_cast<long double>(values.at(i))) *
                (std::exp(static_cast<long double>(values.at(kRows - 1 - i))) + values.at(i));
  }
  EXPECT_NEAR(results[0].at(0), static_cast<double>(expected), 1e-11 * std::abs(expected));
}

}  // namespace
}  // namespace hypatia
