#include "infer/hamiltonian.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "infer/mcmc_checks.hpp"
#include "support/errors.hpp"

namespace hypatia::infer {
namespace {

using hypatia::testing::GaussianTarget;

GaussianTarget correlated_gaussian() {
  // Precision of a 3-d Gaussian with correlations; symmetric positive definite.
  return GaussianTarget({1.0, -2.0, 0.5}, {2.0, 0.6, 0.2, 0.6, 1.5, -0.4, 0.2, -0.4, 1.0});
}

std::unique_ptr<Metric> dense_metric() {
  auto metric = Metric::create(MetricKind::dense, 3);
  const double points[][3] = {{0, 1, 2}, {1, 0, 1}, {2, 2, 0}, {0.5, -1, 1}, {1, 1, 1.5}};
  for (const auto& q : points) metric->add_sample(q, nullptr);
  metric->update_from_samples();
  return metric;
}

PhasePoint start(Hamiltonian& hamiltonian) {
  PhasePoint z(3);
  z.q = {0.3, -1.0, 1.2};
  z.p = {0.7, 0.2, -1.1};
  hamiltonian.evaluate(z);
  return z;
}

TEST(Hamiltonian, LeapfrogIsReversible) {
  GaussianTarget target = correlated_gaussian();
  auto metric = dense_metric();
  Hamiltonian hamiltonian(target, *metric);
  const PhasePoint initial = start(hamiltonian);
  PhasePoint z = initial;
  for (int i = 0; i < 10; ++i) hamiltonian.leapfrog(z, 0.1);
  EXPECT_GT(std::abs(z.q[0] - initial.q[0]), 0.01);
  for (int i = 0; i < 10; ++i) hamiltonian.leapfrog(z, -0.1);
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(z.q[i], initial.q[i], 1e-12);
    EXPECT_NEAR(z.p[i], initial.p[i], 1e-12);
  }
}

// Leapfrog is second order: over a fixed time, halving the step quarters the energy error.
TEST(Hamiltonian, EnergyErrorShrinksWithTheSquareOfTheStep) {
  GaussianTarget target = correlated_gaussian();
  auto metric = dense_metric();
  Hamiltonian hamiltonian(target, *metric);
  auto energy_error = [&](int steps) {
    PhasePoint z = start(hamiltonian);
    const double initial = hamiltonian.energy(z);
    for (int i = 0; i < steps; ++i) hamiltonian.leapfrog(z, 1.0 / steps);
    return std::abs(hamiltonian.energy(z) - initial);
  };
  const double ratio = energy_error(20) / energy_error(40);
  EXPECT_NEAR(ratio, 4.0, 0.5);
}

TEST(Hamiltonian, NonfiniteEnergyIsInfinite) {
  GaussianTarget target = correlated_gaussian();
  auto metric = Metric::create(MetricKind::diagonal, 3);
  Hamiltonian hamiltonian(target, *metric);
  PhasePoint z = start(hamiltonian);
  z.logp = std::nan("");
  EXPECT_EQ(hamiltonian.energy(z), INFINITY);
  z.logp = INFINITY;  // would make H = -inf and swamp the trajectory's weights
  EXPECT_EQ(hamiltonian.energy(z), INFINITY);
}

class FlatTarget : public Target {
 public:
  std::int64_t dim() const override { return 2; }
  double logp_grad(const double*, double* grad) override {
    grad[0] = grad[1] = 0;
    return 0;
  }
  std::unique_ptr<Target> clone() const override { return std::make_unique<FlatTarget>(); }
};

TEST(Hamiltonian, StepSizeSearchReportsImproperPosterior) {
  FlatTarget target;
  auto metric = Metric::create(MetricKind::diagonal, 2);
  Hamiltonian hamiltonian(target, *metric);
  PhasePoint z(2);
  hamiltonian.evaluate(z);
  CounterRng rng(0, 0);
  hypatia::testing::expect_mentions(
      hypatia::testing::error_message([&] { find_reasonable_step_size(hamiltonian, z, 1.0, rng); }),
      {"step-size", "1e7", "improper"});
}

}  // namespace
}  // namespace hypatia::infer
