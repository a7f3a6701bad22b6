// validate_posterior's verdict and its confirmation runs, on the fastest bundled posterior with
// limits set so the outcome is known: a limit nothing can meet fails every run, a loose one
// passes the first.

#include <gtest/gtest.h>

#include "hypatia/models.hpp"
#include "hypatia/validation.hpp"

namespace hypatia {
namespace {

const BundledModel& fast_posterior() {
  return find_bundled_model("eight_schools-eight_schools_noncentered");
}

ValidationOptions short_run() {
  return {.tune = 300, .draws = 300, .seed = 40, .cores = 1};
}

TEST(ValidatePosterior, AFailureIsConfirmedWithTheNextSeedAndEveryRunKept) {
  ValidationOptions options = short_run();
  options.z_limit = 0;  // no |z| is below 0
  const PosteriorValidation result = validate_posterior(fast_posterior(), options);
  EXPECT_FALSE(result.passed);
  EXPECT_EQ(result.seed, options.seed + 1);
  ASSERT_EQ(result.earlier_failures.size(), 1u);
  EXPECT_FALSE(result.earlier_failures[0].empty());
  EXPECT_NE(result.failures[0].find("|z|"), std::string::npos) << result.failures[0];
  // Both runs judge every reference parameter's mean and sd.
  EXPECT_EQ(result.failures.size(), 2 * result.parameters.size());
}

TEST(ValidatePosterior, WithoutConfirmationRunsTheFirstVerdictStands) {
  ValidationOptions options = short_run();
  options.z_limit = 0;
  options.confirmation_runs = 0;
  const PosteriorValidation result = validate_posterior(fast_posterior(), options);
  EXPECT_FALSE(result.passed);
  EXPECT_EQ(result.seed, options.seed);
  EXPECT_TRUE(result.earlier_failures.empty());
}

TEST(ValidatePosterior, APassingRunIsNotRepeated) {
  ValidationOptions options = short_run();
  options.z_limit = 1e9;
  options.rhat_limit = 1e9;
  const PosteriorValidation result = validate_posterior(fast_posterior(), options);
  EXPECT_TRUE(result.passed) << (result.failures.empty() ? "" : result.failures[0]);
  EXPECT_EQ(result.seed, options.seed);
  EXPECT_TRUE(result.earlier_failures.empty());
  EXPECT_EQ(result.parameters.size(), 10u);  // mu, tau, theta[1..8]
}

}  // namespace
}  // namespace hypatia
