#include "hypatia/ppl/model.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "hypatia/error.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "support/errors.hpp"

namespace hypatia {
namespace {

const std::vector<double> kY = {28., 8., -3., 7., -1., 1., 18., 12.};
const std::vector<double> kSigma = {15., 10., 16., 11., 9., 11., 10., 18.};

Model eight_schools() {
  Model m;
  m.add_coord("school",
              std::vector<std::string>{"Choate", "Deerfield", "Phillips Andover", "Phillips Exeter",
                                       "Hotchkiss", "Lawrenceville", "St. Paul's", "Mt. Hermon"});
  auto y = m.data("y", kY, {.dims = {"school"}});
  auto sigma = m.data("sigma", kSigma, {.dims = {"school"}});
  auto mu = m.normal("mu", 0, 5);
  auto tau = m.half_cauchy("tau", 5);
  auto theta_raw = m.normal("theta_raw", 0, 1, {.dims = {"school"}});
  auto theta = m.deterministic("theta", mu + tau * theta_raw, {"school"});
  m.observe("y_obs", Normal(theta, sigma), y, {.dims = {"school"}});
  return m;
}

double normal_logpdf(double x, double mu, double sigma) {
  const double z = (x - mu) / sigma;
  return -0.5 * z * z - std::log(sigma) - 0.5 * std::log(2 * std::numbers::pi);
}

// The non-centered eight-schools log density on the unconstrained scale, by hand.
double eight_schools_logp(const std::vector<double>& x) {
  const double mu = x[0];
  const double log_tau = x[1];
  const double tau = std::exp(log_tau);
  double logp = normal_logpdf(mu, 0, 5);
  logp += std::log(2 / (std::numbers::pi * 5)) - std::log1p((tau / 5) * (tau / 5)) + log_tau;
  for (int j = 0; j < 8; ++j) {
    const double raw = x[2 + j];
    logp += normal_logpdf(raw, 0, 1) + normal_logpdf(kY[j], mu + tau * raw, kSigma[j]);
  }
  return logp;
}

std::vector<double> test_point(double offset) {
  std::vector<double> x(10);
  for (int i = 0; i < 10; ++i) x[i] = offset + 0.3 * std::sin(1.7 * i + offset);
  return x;
}

class EightSchools : public ::testing::TestWithParam<Backend> {};

TEST_P(EightSchools, LogDensityAndGradientMatchHandComputedValues) {
  const Model model = eight_schools();
  auto compiled = model.compile({.backend = GetParam()});
  ASSERT_EQ(compiled->dim(), 10);
  for (double offset : {-1.0, 0.0, 0.7}) {
    std::vector<double> x = test_point(offset);
    std::vector<double> gradient(10);
    const double logp = compiled->logp_grad(x.data(), gradient.data());
    EXPECT_NEAR(logp, eight_schools_logp(x), 1e-11 * std::abs(logp));
    for (int i = 0; i < 10; ++i) {
      const double h = 1e-6;
      std::vector<double> up = x, down = x;
      up[i] += h;
      down[i] -= h;
      const double numeric = (eight_schools_logp(up) - eight_schools_logp(down)) / (2 * h);
      EXPECT_NEAR(gradient[i], numeric, 1e-6 * (1 + std::abs(numeric))) << "coordinate " << i;
    }
  }
}

TEST_P(EightSchools, PriorAndLikelihoodSplitAddUp) {
  const Model model = eight_schools();
  auto compiled = model.compile({.backend = GetParam()});
  std::vector<double> x = test_point(0.4);
  std::vector<double> gradient(10);
  double log_prior = 0, log_likelihood = 0;
  ASSERT_TRUE(compiled->log_prior_likelihood(x.data(), &log_prior, &log_likelihood));
  double expected_likelihood = 0;
  for (int j = 0; j < 8; ++j) {
    expected_likelihood += normal_logpdf(kY[j], x[0] + std::exp(x[1]) * x[2 + j], kSigma[j]);
  }
  EXPECT_NEAR(log_likelihood, expected_likelihood, 1e-11 * std::abs(expected_likelihood));
  EXPECT_NEAR(log_prior + log_likelihood, compiled->logp_grad(x.data(), gradient.data()), 1e-10);
}

TEST_P(EightSchools, ConstrainMapsDrawsToNamedValuesWithDeterministics) {
  const Model model = eight_schools();
  auto compiled = model.compile({.backend = GetParam()});
  std::vector<double> x = test_point(0.2);
  const auto stored = compiled->constrain(x.data());
  const auto& variables = compiled->stored_variables();
  ASSERT_EQ(variables.size(), 4u);
  EXPECT_EQ(variables[0].name, "mu");
  EXPECT_EQ(variables[1].name, "tau");
  EXPECT_EQ(variables[3].name, "theta");
  EXPECT_DOUBLE_EQ(stored[1][0], std::exp(x[1]));
  for (int j = 0; j < 8; ++j) {
    EXPECT_NEAR(stored[3][j], x[0] + std::exp(x[1]) * x[2 + j], 1e-14);
  }
}

// The batched constrain writes point i of each stored variable at its offset i * size, also for
// a deterministic of another dtype (int64, converted to double).
TEST_P(EightSchools, ConstrainAtManyPointsWritesEveryPointInPlace) {
  Model model = eight_schools();
  model.deterministic("tau_floor", cast(floor(model.variable("tau").value), DType::int64));
  auto compiled = model.compile({.backend = GetParam()});
  constexpr int points = 3;
  std::vector<double> x;
  for (int i = 0; i < points; ++i) {
    const std::vector<double> point = test_point(0.2 + 0.9 * i);
    x.insert(x.end(), point.begin(), point.end());
  }
  x[1] = std::log(2.5), x[11] = std::log(0.7), x[21] = std::log(7.2);  // tau: 2.5, 0.7, 7.2
  std::vector<std::vector<double>> values;
  std::vector<double*> outputs;
  for (const ModelVariable& variable : compiled->stored_variables()) {
    std::int64_t size = 1;
    for (std::int64_t extent : variable.shape) size *= extent;
    values.emplace_back(static_cast<std::size_t>(points * size), -1.0);
  }
  for (std::vector<double>& value : values) outputs.push_back(value.data());
  compiled->constrain(x.data(), points, outputs.data());
  ASSERT_EQ(values.size(), 5u);
  const double floors[] = {2, 0, 7};
  for (int i = 0; i < points; ++i) {
    const double* point = x.data() + 10 * i;
    EXPECT_EQ(values[0][i], point[0]);
    EXPECT_NEAR(values[1][i], std::exp(point[1]), 1e-14);
    for (int j = 0; j < 8; ++j) {
      EXPECT_EQ(values[2][8 * i + j], point[2 + j]);
      EXPECT_NEAR(values[3][8 * i + j], point[0] + std::exp(point[1]) * point[2 + j], 1e-13);
    }
    EXPECT_EQ(values[4][i], floors[i]) << i;
    // The same values as the single-point constrain, bit for bit.
    const auto single = compiled->constrain(point);
    for (std::size_t k = 0; k < single.size(); ++k) {
      const std::size_t size = single[k].size();
      EXPECT_TRUE(std::equal(single[k].begin(), single[k].end(), values[k].begin() + i * size))
          << k;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, EightSchools,
                         ::testing::Values(Backend::interp, Backend::native),
                         [](const auto& info) { return std::string(backend_name(info.param)); });

TEST(Model, FlatVectorAndNamedPointRoundTrip) {
  const Model model = eight_schools();
  std::vector<double> x = test_point(-0.3);
  const Point point = model.constrain(x);
  EXPECT_DOUBLE_EQ(point.at("tau").at(0), std::exp(x[1]));
  EXPECT_EQ(point.at("theta").shape(), (Shape{8}));
  const std::vector<double> back = model.unconstrain(point);
  ASSERT_EQ(back.size(), x.size());
  for (std::size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(back[i], x[i], 1e-14);
  EXPECT_EQ(model.layout().coordinate_names()[1], "tau (log)");
  EXPECT_EQ(model.layout().coordinate_names()[5], "theta_raw[3]");
}

TEST(Model, DataCanBeReplacedWithoutRebuilding) {
  Model model = eight_schools();
  std::vector<double> shifted = kY;
  for (double& value : shifted) value += 1;
  model.set_data("y", Tensor::from_doubles(shifted, {8}));
  auto compiled = model.compile({.backend = Backend::interp});
  std::vector<double> x = test_point(0.0);
  std::vector<double> gradient(10);
  double expected = normal_logpdf(x[0], 0, 5) + std::log(2 / (std::numbers::pi * 5)) -
                    std::log1p(std::exp(2 * x[1]) / 25) + x[1];
  for (int j = 0; j < 8; ++j) {
    expected += normal_logpdf(x[2 + j], 0, 1) +
                normal_logpdf(shifted[j], x[0] + std::exp(x[1]) * x[2 + j], kSigma[j]);
  }
  EXPECT_NEAR(compiled->logp_grad(x.data(), gradient.data()), expected, 1e-10);
  EXPECT_THROW(model.set_data("y", Tensor::from_doubles({1, 2}, {2})), Error);
}

TEST(ModelErrors, DataOfTheWrongLengthForItsDims) {
  Model m;
  m.add_coord("school", std::vector<std::string>{"a", "b", "c"});
  const std::string message = testing::error_message([&] {
    m.data("y", std::vector<double>{1, 2, 3, 4}, {.dims = {"school"}});
  });
  testing::expect_mentions(message, {"y", "length 4", "school", "3 coordinates"});
}

TEST(ModelErrors, NaNInObservedData) {
  Model m;
  auto mu = m.normal("mu", 0, 1);
  const std::string message = testing::error_message([&] {
    m.observe("y_obs", Normal(mu, 1.0), Tensor::from_doubles({1.0, std::nan(""), 2.0}, {3}));
  });
  testing::expect_mentions(message, {"y_obs", "NaN", "index 1"});
}

TEST(ModelErrors, ObservedValuesOutsideTheSupport) {
  Model m;
  auto sigma = m.half_normal("sigma", 1);
  const std::string message = testing::error_message([&] {
    m.observe("waits", Exponential(sigma), Tensor::from_doubles({1.0, -2.0}, {2}));
  });
  testing::expect_mentions(message, {"waits", "index 1", "Exponential", "-2"});
}

TEST(ModelErrors, ANameUsedTwice) {
  Model m;
  m.normal("mu", 0, 1);
  const std::string message = testing::error_message([&] { m.half_normal("mu", 1); });
  testing::expect_mentions(message, {"mu", "already used", "free random variable"});
}

TEST(ModelErrors, InvalidConstantParameter) {
  Model m;
  const std::string message = testing::error_message([&] { m.normal("mu", 0, -1); });
  testing::expect_mentions(message, {"mu", "Normal", "sigma", "> 0", "-1"});
}

TEST(ModelErrors, ShapesThatDoNotFitNameTheVariable) {
  Model m;
  auto mu = m.normal("mu", 0, 1, {.shape = {3}});
  const std::string message = testing::error_message([&] {
    m.observe("y_obs", Normal(mu, 1.0), Tensor::from_doubles({1, 2, 3, 4}, {4}));
  });
  testing::expect_mentions(message, {"y_obs", "(3,)", "(4,)"});
}

TEST(ModelErrors, ObservedMustNotDependOnRandomVariables) {
  Model m;
  auto mu = m.normal("mu", 0, 1);
  const std::string message =
      testing::error_message([&] { m.observe("y_obs", Normal(0.0, 1.0), mu * 2.0); });
  testing::expect_mentions(message, {"y_obs", "mu", "free random variable"});
}

}  // namespace
}  // namespace hypatia
