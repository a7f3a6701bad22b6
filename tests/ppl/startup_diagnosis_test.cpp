// The start-up error when no initial point has a finite log density names the value that makes
// it so, not only the term: "y_obs (log density -inf: Normal: parameter sigma must be > 0, but
// sigma[3] = -1, from data 'sigma')". Before, it said "not finite at the last one: y_obs".

#include "ppl/startup_diagnosis.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "hypatia/error.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/sample.hpp"
#include "support/errors.hpp"

namespace hypatia {
namespace {

using testing::error_message;
using testing::expect_mentions;

constexpr double kInfinity = std::numeric_limits<double>::infinity();

// Eight schools with the standard errors as a data container, so a bad one is not caught when
// the model is built (only constant parameters are) but by every log density evaluation.
Model eight_schools(const std::vector<double>& sigma) {
  Model m;
  auto y = m.data("y", {28., 8., -3., 7., -1., 1., 18., 12.});
  auto sigma_data = m.data("sigma", sigma);
  auto mu = m.normal("mu", 0, 5);
  auto tau = m.half_cauchy("tau", 5);
  auto theta_raw = m.normal("theta_raw", 0, 1, {.shape = {8}});
  m.observe("y_obs", Normal(mu + tau * theta_raw, sigma_data), y);
  return m;
}

std::string startup_error(const Model& model) {
  return error_message([&] {
    sample(model, {.backend = Backend::interp,
                   .chains = 1,
                   .cores = 1,
                   .draws = 5,
                   .tune = 5,
                   .progress = false});
  });
}

TEST(StartupDiagnosis, NamesANegativeScaleInTheData) {
  const std::string message = startup_error(eight_schools({15, 10, 16, -1, 9, 11, 10, 18}));
  expect_mentions(message,
                  {"not finite at the last one", "y_obs (log density -inf",
                   "Normal: parameter sigma must be > 0, but sigma[3] = -1", "from data 'sigma'"});
}

TEST(StartupDiagnosis, NamesAnInfiniteScaleInTheData) {
  const std::string message = startup_error(eight_schools({15, 10, kInfinity, 11, 9, 11, 10, 18}));
  expect_mentions(message, {"y_obs (log density -inf",
                            "parameter sigma[2] = inf is not finite, from data 'sigma'"});
}

TEST(StartupDiagnosis, NamesAPriorParameterComputedFromData) {
  Model m;
  auto scale = m.data("scale", {2.0});
  auto tau = m.half_normal("tau", slice(scale, 0, Index{0}) - 3.0);
  m.normal("x", 0, tau);
  const std::string message = startup_error(m);
  expect_mentions(message, {"tau (log density -inf", "HalfNormal: parameter sigma must be > 0",
                            "sigma = -1", "computed from data 'scale'"});
}

TEST(StartupDiagnosis, NamesAPotentialAndWhatItDependsOn) {
  Model m;
  auto mu = m.normal("mu", 0, 1);
  auto limit = m.data("limit", {-kInfinity});
  // A hard constraint written as a factor: -inf wherever mu is above the limit.
  m.potential("below_limit", where(less_equal(mu, limit), Expr(0.0), Expr(-kInfinity)));
  const std::string message = startup_error(m);
  expect_mentions(message,
                  {"below_limit (log density -inf: the potential is -inf",
                   "it depends on mu = ", "data 'limit'", "data 'limit'[0] = -inf is not finite"});
}

TEST(StartupDiagnosis, AnObservedValueOutsideTheSupport) {
  // set_data replaces observed data after the build-time support check.
  Model m;
  auto counts = m.data("counts", {1.0, 2.0, 3.0});
  auto rate = m.exponential("rate", 1);
  m.observe("counts_obs", Exponential(rate), counts);
  m.set_data("counts", Tensor::from_doubles({1.0, -2.0, 3.0}, {3}));
  const std::string message = startup_error(m);
  expect_mentions(message,
                  {"counts_obs (log density -inf",
                   "observed value counts_obs[1] = -2 outside the support", "from data 'counts'"});
}

// A compiled log density that is not finite where every term is finite in the reference
// interpreter means the compiled code is wrong (as GCC's AVX-512 miscompile of tril made MvNormal
// -inf everywhere): the terms are then evaluated on the compiled backend to name the one whose
// code disagrees, and when none does alone, the message still says what was found instead of
// naming nothing (it used to say "(the target named none)").
TEST(StartupDiagnosis, WhenEveryTermIsFiniteItSaysWhereItLooked) {
  const Model model = eight_schools({15, 10, 16, 11, 9, 11, 10, 18});
  const std::vector<std::string> entries =
      diagnose_nonfinite_terms(model, std::vector<double>(10, 0.1), {.backend = Backend::native});
  ASSERT_EQ(entries.size(), 1u);
  expect_mentions(entries[0], {"no single term", "reference interpreter", "native backend's code",
                               "please report it"});
}

TEST(StartupDiagnosis, FiniteTermsGiveNoEntries) {
  const Model model = eight_schools({15, 10, 16, 11, 9, 11, 10, 18});
  EXPECT_TRUE(
      diagnose_nonfinite_terms(model, std::vector<double>(10, 0.1), {.backend = Backend::interp})
          .empty());
}

}  // namespace
}  // namespace hypatia
