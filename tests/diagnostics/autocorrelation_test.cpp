// The FFT autocovariance against the defining sum, and Geyer's ESS on a case with a known answer.

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "diagnostics/autocorrelation.hpp"

namespace hypatia {
namespace {

using diagnostics::detail::autocovariance;

TEST(DiagnosticsAutocovariance, MatchesTheDirectSumAtEveryLag) {
  std::mt19937_64 rng(3);
  std::normal_distribution<double> normal(0.0, 1.0);
  for (const std::size_t n : {2u, 7u, 97u, 250u}) {  // padded lengths of several factorings
    std::vector<double> chain(n);
    double value = 0;
    for (double& x : chain) x = value = 0.7 * value + normal(rng);
    double center = 0;
    for (double x : chain) center += x;
    center /= static_cast<double>(n);
    const std::vector<double> acov = autocovariance(chain);
    ASSERT_EQ(acov.size(), n);
    for (std::size_t lag = 0; lag < n; ++lag) {
      double direct = 0;
      for (std::size_t t = 0; t + lag < n; ++t) {
        direct += (chain[t] - center) * (chain[t + lag] - center);
      }
      direct /= static_cast<double>(n);
      EXPECT_NEAR(acov[lag], direct, 1e-12 * acov[0]) << "n " << n << " lag " << lag;
    }
  }
}

TEST(DiagnosticsAutocovariance, OfAConstantChainIsZero) {
  for (double value : autocovariance(std::vector<double>(9, 2.5))) EXPECT_EQ(value, 0.0);
}

TEST(DiagnosticsEss, OfAr1ChainsIsNearTheTheoreticalValue) {
  // For AR(1) with coefficient rho the ESS of the mean is S (1 - rho) / (1 + rho).
  const double rho = 0.5;
  const std::int64_t chains = 4;
  const std::int64_t draws = 5000;
  std::mt19937_64 rng(11);
  std::normal_distribution<double> normal(0.0, 1.0);
  diagnostics::detail::Chains ar1{{}, chains, draws};
  for (std::int64_t c = 0; c < chains; ++c) {
    double value = normal(rng) / std::sqrt(1 - rho * rho);
    for (std::int64_t d = 0; d < draws; ++d)
      ar1.values.push_back(value = rho * value + normal(rng));
  }
  const double expected = static_cast<double>(chains * draws) * (1 - rho) / (1 + rho);
  // The estimate's relative sd is about sqrt(2 tau / S) ~ 2%; allow 5 of them.
  EXPECT_NEAR(diagnostics::detail::effective_sample_size(ar1), expected, 0.1 * expected);
}

}  // namespace
}  // namespace hypatia
