#include "hypatia/infer/target.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>

namespace hypatia {
namespace {

// logp = -x0^2 / 2 - log(x1) (log undefined for x1 <= 0), gradient NaN in x2 when x2 < 0.
class PartlyBrokenTarget : public Target {
 public:
  std::int64_t dim() const override { return 3; }
  double logp_grad(const double* x, double* grad) override {
    grad[0] = -x[0];
    grad[1] = -1 / x[1];
    grad[2] = x[2] < 0 ? std::numeric_limits<double>::quiet_NaN() : 0.0;
    return -0.5 * x[0] * x[0] - std::log(x[1]);
  }
  std::unique_ptr<Target> clone() const override { return std::make_unique<PartlyBrokenTarget>(); }
};

TEST(Target, DefaultCoordinateNamesAreIndexed) {
  const PartlyBrokenTarget target;
  EXPECT_EQ(target.coordinate_names(), (std::vector<std::string>{"x[0]", "x[1]", "x[2]"}));
}

TEST(Target, NonfiniteVariablesNamesCoordinatesWithNonfiniteGradient) {
  PartlyBrokenTarget target;
  const double fine[] = {0.5, 1.0, 1.0};
  EXPECT_TRUE(target.nonfinite_variables(fine).empty());
  const double bad_gradient[] = {0.5, 1.0, -1.0};
  EXPECT_EQ(target.nonfinite_variables(bad_gradient), (std::vector<std::string>{"x[2]"}));
}

TEST(Target, NonfiniteVariablesNamesEverythingWhenLogpIsNotFinite) {
  PartlyBrokenTarget target;
  const double bad_logp[] = {0.5, -1.0, 1.0};  // log of a negative number
  EXPECT_EQ(target.nonfinite_variables(bad_logp),
            (std::vector<std::string>{"x[0]", "x[1]", "x[2]"}));
}

TEST(Target, CannotSplitOrSamplePriorByDefault) {
  PartlyBrokenTarget target;
  const double x[] = {0, 1, 1};
  double prior = 0, likelihood = 0, draw[3];
  EXPECT_FALSE(target.log_prior_likelihood(x, &prior, &likelihood));
  EXPECT_FALSE(target.sample_prior(1, 2, 3, draw));
}

}  // namespace
}  // namespace hypatia
