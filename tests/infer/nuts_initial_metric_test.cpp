#include <gtest/gtest.h>

#include "hypatia/error.hpp"
#include "hypatia/infer/nuts.hpp"
#include "infer/mcmc_checks.hpp"
#include "infer/metric.hpp"

namespace hypatia {
namespace {

using testing::GaussianTarget;

// NutsOptions::initial_inverse_metric (ADVI's variances for init="advi+adapt_diag"): warm-up
// starts from it, and without warm-up the draws use it unchanged.
TEST(NutsInitialMetric, DrawsWithoutWarmUpUseTheGivenDiagonal) {
  GaussianTarget target({0.0, 0.0}, {1.0, 0.0, 0.0, 1.0 / 9.0});
  for (MetricKind kind : {MetricKind::diagonal, MetricKind::dense}) {
    NutsOptions options;
    options.chains = 1;
    options.tune = 0;
    options.draws = 5;
    options.progress = false;
    options.metric = kind;
    options.initial_inverse_metric = {0.5, 9.0};
    const NutsResult result = sample_nuts(target, options);
    const std::vector<double>& inverse = result.chains[0].inverse_metric;
    if (kind == MetricKind::diagonal) {
      EXPECT_EQ(inverse, (std::vector<double>{0.5, 9.0}));
    } else {
      EXPECT_EQ(inverse, (std::vector<double>{0.5, 0.0, 0.0, 9.0}));
    }
  }
}

TEST(NutsInitialMetric, DenseMomentaHaveTheGivenMassMatrix) {
  auto metric = infer::Metric::create(MetricKind::dense, 2, {4.0, 0.25});
  CounterRng rng(1, 0);
  double sum[2] = {0, 0};
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    double p[2];
    metric->sample_momentum(rng, p);
    for (int k = 0; k < 2; ++k) sum[k] += p[k] * p[k] / n;
  }
  EXPECT_NEAR(sum[0], 1 / 4.0, 0.02);  // p ~ N(0, M) with M = inverse^-1
  EXPECT_NEAR(sum[1], 4.0, 0.2);
}

TEST(NutsInitialMetric, BadValuesAreRefused) {
  GaussianTarget target = GaussianTarget::standard(2);
  NutsOptions options;
  options.chains = 1;
  options.progress = false;
  options.initial_inverse_metric = {1.0};
  EXPECT_THROW(sample_nuts(target, options), Error);
  options.initial_inverse_metric = {1.0, -2.0};
  EXPECT_THROW(sample_nuts(target, options), Error);
}

}  // namespace
}  // namespace hypatia
