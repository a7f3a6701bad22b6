// Stabilize on whole models: a hidden-Markov forward pass written naively inside a scan body, and
// composite graphs from every op family, whose values and gradients optimize must keep.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "hypatia/hypatia.hpp"
#include "hypatia/rewrite.hpp"
#include "rewrite/rewrite_check.hpp"
#include "support/gradient_check.hpp"

namespace hypatia {
namespace {

using testing::GraphBuilder;
using testing::random_tensor;

constexpr std::int64_t kSteps = 5;
constexpr std::int64_t kStates = 3;

bool all_finite(const Tensor& t) {
  for (std::int64_t i = 0; i < t.size(); ++i) {
    if (!std::isfinite(t.at(i))) return false;
  }
  return true;
}

// ---- A hidden-Markov forward pass ---------------------------------------------------------------

const std::vector<double> kInitial{0.5, 0.3, 0.2};
const std::vector<double> kTransition{0.8, 0.1, 0.1, 0.2, 0.7, 0.1, 0.25, 0.25, 0.5};

std::vector<double> logs(const std::vector<double>& values) {
  std::vector<double> out;
  for (double v : values) out.push_back(std::log(v));
  return out;
}

// log p(observations) with alpha_t(j) = log sum_i exp(alpha_{t-1}(i) + log A(i, j)) + b_t(j),
// written the naive way: log(sum(exp(...))) in the scan body and at the end.
Expr naive_hmm_log_likelihood(const Expr& emission_loglik) {
  const Expr log_transition = constant(Tensor::from_doubles(logs(kTransition), {3, 3}));
  const Expr log_initial = constant(Tensor::from_doubles(logs(kInitial), {3}));
  ScanResult forward = scan(
      [&](const Exprs& emission, const Exprs& alpha) {
        Expr next = log(sum(exp(expand_dims(alpha[0], {1}) + log_transition), {0})) + emission[0];
        return ScanStep{{next}, {}};
      },
      {emission_loglik}, {log_initial});
  return log(sum(exp(forward.carries[0])));
}

// The same forward pass in plain C++, shifted by the maximum at each step.
double log_sum_exp(const std::vector<double>& v) {
  const double m = *std::max_element(v.begin(), v.end());
  double total = 0;
  for (double x : v) total += std::exp(x - m);
  return m + std::log(total);
}

double reference_hmm_log_likelihood(const Tensor& emission_loglik) {
  std::vector<double> alpha = logs(kInitial);
  for (std::int64_t t = 0; t < kSteps; ++t) {
    std::vector<double> next(kStates);
    for (std::int64_t j = 0; j < kStates; ++j) {
      std::vector<double> terms;
      for (std::int64_t i = 0; i < kStates; ++i)
        terms.push_back(alpha[i] + std::log(kTransition[i * kStates + j]));
      next[j] = log_sum_exp(terms) + emission_loglik.at(t * kStates + j);
    }
    alpha = next;
  }
  return log_sum_exp(alpha);
}

// Emission log-likelihoods around -1000 per step: every forward variable is far below -745, where
// exp underflows to 0.
Tensor far_tail_emissions() {
  std::mt19937_64 rng(42);
  Tensor emissions = random_tensor({kSteps, kStates}, rng, -1005, -995);
  return emissions;
}

TEST(StabilizeScan, HiddenMarkovForwardPassInTheFarTail) {
  const Expr emissions = input("emissions", {DType::float64, {kSteps, kStates}});
  const Expr naive = naive_hmm_log_likelihood(emissions);
  const Tensor point = far_tail_emissions();
  const std::vector<NodePtr> inputs{emissions.node()};

  // Naively the value is log(0) = -inf and the gradient NaN.
  const Tensor naive_value = Interpreter(inputs, {naive.node()}).run({point}).front();
  EXPECT_EQ(naive_value.at(0), -std::numeric_limits<double>::infinity());
  const Tensor naive_gradient =
      Interpreter(inputs, {grad(naive, emissions).node()}).run({point}).front();
  EXPECT_FALSE(all_finite(naive_gradient));

  // Stabilized (inside the scan body too), then differentiated, then optimized again.
  RewriteReport report;
  const Expr stable =
      optimize({naive.node()}, testing::through_phase("stabilize"), &report).front();
  EXPECT_GE(report.hits["stabilize"]["log(sum(exp(x))) -> logsumexp(x)"], 2)
      << "the scan body was not rewritten";
  const Expr gradient = optimize({grad(stable, emissions).node()}).front();
  const std::vector<Tensor> results =
      Interpreter(inputs, {stable.node(), gradient.node()}).run({point});

  const double expected = reference_hmm_log_likelihood(point);
  EXPECT_NEAR(results[0].at(0), expected, 1e-12 * std::abs(expected));
  ASSERT_TRUE(all_finite(results[1]));
  // d log p / d b_t(j) is the posterior probability of state j at step t: each row sums to 1.
  for (std::int64_t t = 0; t < kSteps; ++t) {
    double row = 0;
    for (std::int64_t j = 0; j < kStates; ++j) row += results[1].at(t * kStates + j);
    EXPECT_NEAR(row, 1.0, 1e-12) << "step " << t;
  }
  // Against central differences of the stabilized value.
  const Interpreter value(inputs, {stable.node()});
  const double h = 1e-4;
  for (std::int64_t k = 0; k < point.size(); ++k) {
    Tensor plus = point.copy(), minus = point.copy();
    plus.set(k, point.at(k) + h);
    minus.set(k, point.at(k) - h);
    const double numeric =
        (value.run({plus}).front().at(0) - value.run({minus}).front().at(0)) / (2 * h);
    EXPECT_NEAR(results[1].at(k), numeric, 1e-6) << "element " << k;
  }
}

TEST(StabilizeScan, GradientOfTheNaiveForwardPassOptimizedAfterwards) {
  // Differentiating first puts the naive forward body, and the gradient of its log(sum(exp)),
  // into the reverse scan's body; optimize stabilizes both.
  const Expr emissions = input("emissions", {DType::float64, {kSteps, kStates}});
  const Expr naive = naive_hmm_log_likelihood(emissions);
  const std::vector<NodePtr> outputs = optimize({naive.node(), grad(naive, emissions).node()});
  const std::vector<Tensor> results =
      Interpreter({emissions.node()}, outputs).run({far_tail_emissions()});
  const double expected = reference_hmm_log_likelihood(far_tail_emissions());
  EXPECT_NEAR(results[0].at(0), expected, 1e-12 * std::abs(expected));
  ASSERT_TRUE(all_finite(results[1])) << print_graph(outputs[1]);
  for (std::int64_t t = 0; t < kSteps; ++t) {
    double row = 0;
    for (std::int64_t j = 0; j < kStates; ++j) row += results[1].at(t * kStates + j);
    EXPECT_NEAR(row, 1.0, 1e-12) << "step " << t;
  }
}

// ---- Composite graphs from every family ---------------------------------------------------------

// optimize keeps f's values at `points`, and the optimized graph's gradient is right.
void expect_optimize_keeps(const GraphBuilder& f, const std::vector<Tensor>& points) {
  RewriteReport report;
  const GraphBuilder optimized = [&](const Exprs& x) {
    return Expr(optimize({f(x).node()}, testing::through_phase("stabilize"), &report).front());
  };
  const Tensor before = testing::evaluate_builder(f, points);
  const Tensor after = testing::evaluate_builder(optimized, points);
  ASSERT_EQ(before.type(), after.type());
  for (std::int64_t i = 0; i < before.size(); ++i)
    EXPECT_NEAR(after.at(i), before.at(i), 1e-12 * std::max(1.0, std::abs(before.at(i))));
  EXPECT_GT(report.hits["stabilize"].size(), 0u) << "nothing to stabilize: a weak test";
  testing::expect_gradient_matches(optimized, points);
}

TEST(StabilizeGraphs, MultivariateNormalWithSoftplusScales) {
  // Linear algebra: a Cholesky-based normal log density with scales log(1 + exp(raw)).
  std::mt19937_64 rng(1);
  expect_optimize_keeps(
      [](const Exprs& x) {
        Expr scales = log(1.0 + exp(x[1]));
        Expr covariance = matmul(x[0], matrix_transpose(x[0])) + diag(square(scales));
        Expr l = cholesky(covariance);
        Expr z = solve_triangular(l, x[2]);
        return -0.5 * sum(square(z)) - 0.5 * cholesky_logdet(l);
      },
      {random_tensor({3, 3}, rng), random_tensor({3}, rng), random_tensor({3}, rng)});
}

TEST(StabilizeGraphs, CategoricalLogLikelihoodByGather) {
  // Indexing: log-softmax rows picked by integer labels, plus a sliced log(sigmoid).
  std::mt19937_64 rng(2);
  expect_optimize_keeps(
      [](const Exprs& x) {
        Expr log_probabilities = log(exp(x[0]) / sum(exp(x[0]), {1}, true));
        // Labels 2, 0, 1, 2 of the four rows, as flat positions.
        Expr picked = gather(reshape(log_probabilities, {12}),
                             constant(Tensor::from_ints({2, 3, 7, 11}, {4})));
        Expr sliced = slice(x[0], 1, Slice{0, 2});
        return sum(picked) + sum(log(sigmoid(sliced)));
      },
      {random_tensor({4, 3}, rng, -3, 3)});
}

TEST(StabilizeGraphs, LogisticRegressionInAScan) {
  // Scan: a per-step Bernoulli log-likelihood, log(sigmoid) and log(1 - sigmoid), summed in the
  // carry, with a closure over the coefficients.
  std::mt19937_64 rng(3);
  expect_optimize_keeps(
      [](const Exprs& x) {
        const Expr& features = x[0];
        const Expr& coefficients = x[1];
        const Expr outcomes = constant(Tensor::from_doubles({1, 0, 1, 1, 0}, {5}));
        ScanResult r = scan(
            [&](const Exprs& s, const Exprs& total) {
              Expr eta = sum(s[0] * coefficients);
              Expr term = s[1] * log(sigmoid(eta)) + (1.0 - s[1]) * log(1.0 - sigmoid(eta));
              return ScanStep{{total[0] + term}, {term}};
            },
            {features, outcomes}, {constant(0.0)});
        return r.carries[0] + sum(r.outputs[0]);
      },
      {random_tensor({5, 2}, rng, -2, 2), random_tensor({2}, rng, -2, 2)});
}

TEST(StabilizeGraphs, SpecialFunctionsAndShapes) {
  // Special functions and shape ops: a normal tail through erfc, lgamma, a transposed log-mean-exp.
  std::mt19937_64 rng(4);
  expect_optimize_keeps(
      [](const Exprs& x) {
        Expr tail = log(1.0 - erf(x[0]));
        Expr mixture = log(mean(exp(transpose(reshape(x[1], {2, 3}))), {1}));
        return sum(tail) + sum(lgamma(exp(x[0]))) + sum(mixture) + sum(sqrt(x[1] * x[1] + 0.0));
      },
      {random_tensor({4}, rng, -2, 2), random_tensor({6}, rng, 0.5, 2)});
}

}  // namespace
}  // namespace hypatia
