// Large reductions run in fixed chunks of rows on a thread pool (LoopNest::parallel_rows,
// hr_parallel_for_chunks): the log density and gradient of a logistic regression over enough rows
// to make several chunks are the same bits for 1, 2, 3 and 8 threads on both backends, agree with
// each other, and match an independent long-double loop and finite differences; NUTS draws do not
// depend on the thread count.

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "hypatia/hypatia.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/sample.hpp"
#include "hypatia_runtime.h"

namespace hypatia {
namespace {

// Five chunks, the last one partial, so the chunked order differs from one running sum.
constexpr std::int64_t kRows = 4 * HR_CHUNK_ROWS + 1234;
constexpr std::int64_t kPredictors = 5;

struct LogisticData {
  std::vector<double> design;  // row-major kRows x kPredictors
  std::vector<double> outcome;
};

LogisticData generate(std::uint64_t seed) {
  LogisticData data;
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> uniform;
  for (std::int64_t n = 0; n < kRows; ++n) {
    double eta = 0.3;
    for (std::int64_t k = 0; k < kPredictors; ++k) {
      data.design.push_back(normal(rng));
      eta += 0.4 * static_cast<double>(k % 3 - 1) * data.design.back();
    }
    data.outcome.push_back(uniform(rng) < 1 / (1 + std::exp(-eta)) ? 1.0 : 0.0);
  }
  return data;
}

// theta = (alpha, beta): sum_n y_n eta_n - log(1 + exp(eta_n)), eta = alpha + X beta.
Expr logistic_logp(const LogisticData& data, const Expr& theta) {
  const Expr x = constant(Tensor::from_doubles(data.design, {kRows, kPredictors}));
  const Expr y = constant(Tensor::from_doubles(data.outcome, {kRows}));
  const Expr eta = slice(theta, 0, Index{0}) +
                   matmul(x, slice(theta, 0, Slice{1, kPredictors + 1, std::nullopt}));
  return sum(y * eta - softplus(eta));
}

struct Evaluation {
  std::vector<double> values;  // logp, then the gradient
};

Evaluation evaluate_at(const LogisticData& data, const std::vector<double>& point, Backend backend,
                       int threads) {
  const Expr theta = input("theta", {DType::float64, {kPredictors + 1}});
  LogpGrad logp_grad(theta, logistic_logp(data, theta), {.backend = backend, .threads = threads});
  Evaluation result;
  result.values.resize(point.size() + 1);
  result.values[0] = logp_grad(point.data(), result.values.data() + 1);
  return result;
}

bool same_bits(const Evaluation& a, const Evaluation& b) {
  return a.values.size() == b.values.size() &&
         std::memcmp(a.values.data(), b.values.data(), a.values.size() * sizeof(double)) == 0;
}

const std::vector<double> kPoint = {0.2, -0.35, 0.05, 0.45, -0.4, 0.1};

TEST(ParallelChunks, LogisticValueAndGradientSameBitsForAnyThreadCount) {
  const LogisticData data = generate(17);
  const Evaluation native_one = evaluate_at(data, kPoint, Backend::native, 1);
  const Evaluation interp_one = evaluate_at(data, kPoint, Backend::interp, 1);
  EXPECT_TRUE(same_bits(native_one, interp_one)) << "native and interpreter differ";
  for (int threads : {2, 3, 8}) {
    for (Backend backend : {Backend::native, Backend::interp}) {
      const Evaluation many = evaluate_at(data, kPoint, backend, threads);
      ASSERT_EQ(many.values.size(), native_one.values.size());
      for (std::size_t i = 0; i < many.values.size(); ++i) {
        EXPECT_EQ(many.values[i], native_one.values[i])
            << backend_name(backend) << ", " << threads << " threads, output " << i;
      }
      EXPECT_TRUE(same_bits(many, native_one));
    }
  }
}

TEST(ParallelChunks, LogisticMatchesLongDoubleReferenceLoop) {
  const LogisticData data = generate(23);
  const Evaluation native = evaluate_at(data, kPoint, Backend::native, 2);
  // Independent of the graph: long double sums, and the scale of each sum's terms for the
  // tolerance (the gradient's terms cancel).
  long double logp = 0, logp_scale = 0;
  std::vector<long double> grad(kPredictors + 1, 0), grad_scale(kPredictors + 1, 0);
  for (std::int64_t n = 0; n < kRows; ++n) {
    long double eta = kPoint[0];
    for (std::int64_t k = 0; k < kPredictors; ++k) {
      eta += static_cast<long double>(data.design[n * kPredictors + k]) * kPoint[k + 1];
    }
    const long double softplus_eta = std::max(eta, 0.0L) + std::log1p(std::exp(-std::fabs(eta)));
    const long double term = data.outcome[n] * eta - softplus_eta;
    logp += term;
    logp_scale += std::fabs(term);
    const long double residual = data.outcome[n] - 1 / (1 + std::exp(-eta));
    grad[0] += residual;
    grad_scale[0] += std::fabs(residual);
    for (std::int64_t k = 0; k < kPredictors; ++k) {
      const long double contribution = data.design[n * kPredictors + k] * residual;
      grad[k + 1] += contribution;
      grad_scale[k + 1] += std::fabs(contribution);
    }
  }
  EXPECT_NEAR(native.values[0], static_cast<double>(logp), 1e-10 * static_cast<double>(logp_scale));
  for (std::int64_t i = 0; i <= kPredictors; ++i) {
    EXPECT_NEAR(native.values[i + 1], static_cast<double>(grad[i]),
                1e-10 * static_cast<double>(grad_scale[i]))
        << "gradient " << i;
  }
}

TEST(ParallelChunks, LogisticGradientMatchesFiniteDifferences) {
  const LogisticData data = generate(29);
  const Expr theta = input("theta", {DType::float64, {kPredictors + 1}});
  LogpGrad logp_grad(theta, logistic_logp(data, theta), {.threads = 2});
  std::vector<double> grad(kPoint.size()), ignored(kPoint.size());
  logp_grad(kPoint.data(), grad.data());
  for (std::size_t i = 0; i < kPoint.size(); ++i) {
    const double h = 1e-5;
    std::vector<double> up = kPoint, down = kPoint;
    up[i] += h;
    down[i] -= h;
    const double difference =
        (logp_grad(up.data(), ignored.data()) - logp_grad(down.data(), ignored.data())) / (2 * h);
    // Central differences of a sum of ~2e4 terms of size ~1: error ~ h^2 f''' + eps |f| / h.
    EXPECT_NEAR(grad[i], difference, 1e-5 * (1 + std::fabs(difference))) << "gradient " << i;
  }
}

TEST(ParallelChunks, LargeSumsAndProductsRunInChunks) {
  const LogisticData data = generate(31);
  const Expr theta = input("theta", {DType::float64, {kPredictors + 1}});
  // The generated C++ is the native backend's.
  const LogpGrad logp_grad(theta, logistic_logp(data, theta), {.backend = Backend::native});
  const std::string& source = logp_grad.function().info().source;
  EXPECT_NE(source.find("hr_parallel_for_chunks(" + std::to_string(hr_chunk_count(kRows))),
            std::string::npos);
}

TEST(ParallelChunks, ThreadCountBelowOneIsAnError) {
  const Expr theta = input("theta", {DType::float64, {2}});
  try {
    LogpGrad logp_grad(theta, sum(square(theta)), {.threads = 0});
    FAIL() << "threads = 0 was accepted";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("threads must be at least 1; got 0"),
              std::string::npos)
        << error.what();
  }
  SampleOptions options;
  options.threads_per_chain = -2;
  EXPECT_THROW(resolved_threads_per_chain(options), Error);
  options.threads_per_chain = 0;
  options.cores = 8;
  options.chains = 3;
  EXPECT_EQ(resolved_threads_per_chain(options), 2);  // 8 cores / 3 chains
  options.chains = 16;
  EXPECT_EQ(resolved_threads_per_chain(options), 1);
}

// A short NUTS run of the same regression: the draws are identical with 1 and 2 threads.
TEST(ParallelChunks, NutsDrawsIdenticalForOneAndTwoThreads) {
  const LogisticData data = generate(37);
  auto model = [&] {
    Model m;
    const Expr alpha = m.normal("alpha", 0.0, 2.0);
    const Expr beta = m.normal("beta", 0.0, 1.0, {.shape = {kPredictors}});
    const Expr x = constant(Tensor::from_doubles(data.design, {kRows, kPredictors}));
    m.observe("y", BernoulliLogit(alpha + matmul(x, beta)),
              Tensor::from_doubles(data.outcome, {kRows}));
    return m;
  }();
  auto run = [&](int threads) {
    return sample(model, {.chains = 1,
                          .draws = 15,
                          .tune = 15,
                          .seed = 5,
                          .max_tree_depth = 5,
                          .progress = false,
                          .threads_per_chain = threads});
  };
  const InferenceData one = run(1), two = run(2);
  for (const std::string name : {"alpha", "beta"}) {
    const std::vector<double>& a = one.groups.at("posterior").find(name)->values;
    const std::vector<double>& b = two.groups.at("posterior").find(name)->values;
    ASSERT_EQ(a.size(), b.size());
    ASSERT_FALSE(a.empty());
    EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(double)), 0) << name;
  }
}

}  // namespace
}  // namespace hypatia
