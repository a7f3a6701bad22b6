// GaussianRandomWalk, AR and GARCH11: log densities against explicit Python loops over the steps
// (scripts/fixtures/distributions_combinators.py), gradients against finite differences, draws
// against analytic moments, and the conventions' shapes and errors.

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <numbers>
#include <sstream>
#include <utility>

#include "hypatia/hypatia.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/model.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "support/backends.hpp"
#include "support/errors.hpp"
#include "support/gradient_check.hpp"

namespace hypatia {
namespace {

using testing::contains;
using testing::error_message;

// ---- Fixture ------------------------------------------------------------------------------------

struct SeriesCase {
  std::string family;
  std::vector<double> parameters;
  std::vector<double> series;
  double logp = 0.0;
};

double parse_number(const std::string& text) {
  if (text == "inf") return std::numeric_limits<double>::infinity();
  if (text == "-inf") return -std::numeric_limits<double>::infinity();
  return std::stod(text);
}

std::vector<double> parse_numbers(const std::string& text) {
  std::istringstream stream(text);
  std::vector<double> numbers;
  std::string word;
  while (stream >> word) numbers.push_back(parse_number(word));
  return numbers;
}

std::string trimmed(const std::string& text) {
  const auto first = text.find_first_not_of(' ');
  const auto last = text.find_last_not_of(' ');
  return first == std::string::npos ? "" : text.substr(first, last - first + 1);
}

// Lines "family | parameters | series | logp".
std::vector<SeriesCase> read_series_cases(const std::string& fixture_file) {
  std::ifstream file(std::string(HYPATIA_FIXTURE_DIR) + "/" + fixture_file);
  EXPECT_TRUE(file.good()) << "cannot open fixture " << fixture_file;
  std::vector<SeriesCase> cases;
  std::string line;
  while (std::getline(file, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> fields;
    std::istringstream stream(line);
    std::string field;
    while (std::getline(stream, field, '|')) fields.push_back(trimmed(field));
    EXPECT_EQ(fields.size(), 4u) << "bad fixture line: " << line;
    if (fields.size() != 4u) continue;
    cases.push_back(
        {fields[0], parse_numbers(fields[1]), parse_numbers(fields[2]), parse_number(fields[3])});
  }
  return cases;
}

// Builds a family from its parameters as an (n, k) matrix (one row per series) and the length
// of the series.
using SeriesFactory = std::function<Distribution(const Expr& parameters, std::int64_t length)>;

Expr column(const Expr& parameters, std::int64_t j) {
  return slice(parameters, -1, Index{j});
}

// init_dist over the initial values along the last axis: a trailing axis on its parameters.
Distribution normal_init(const Expr& parameters, std::int64_t mu_column) {
  return Normal(expand_dims(column(parameters, mu_column), {-1}),
                expand_dims(column(parameters, mu_column + 1), {-1}));
}

const std::map<std::string, SeriesFactory>& series_factories() {
  static const std::map<std::string, SeriesFactory> factories = {
      {"GaussianRandomWalk",
       [](const Expr& p, std::int64_t length) {
         return GaussianRandomWalk(column(p, 0), column(p, 1), Normal(column(p, 2), column(p, 3)),
                                   length - 1);
       }},
      {"AR",
       [](const Expr& p, std::int64_t length) {
         const Expr rho = slice(p, -1, Slice{3, std::nullopt});
         return AR(rho, column(p, 0), normal_init(p, 1), length - rho.shape().back(), false);
       }},
      {"ARConstant",
       [](const Expr& p, std::int64_t length) {
         const Expr rho = slice(p, -1, Slice{3, std::nullopt});
         return AR(rho, column(p, 0), normal_init(p, 1), length - (rho.shape().back() - 1), true);
       }},
      {"GARCH11", [](const Expr& p, std::int64_t length) {
         return GARCH11(column(p, 0), column(p, 1), column(p, 2), column(p, 3), length - 1);
       }}};
  return factories;
}

Tensor matrix_of(const std::vector<std::vector<double>>& rows) {
  const auto n = static_cast<std::int64_t>(rows.size());
  const auto k = static_cast<std::int64_t>(rows.front().size());
  Tensor values(DType::float64, {n, k});
  for (std::int64_t i = 0; i < n; ++i) {
    for (std::int64_t j = 0; j < k; ++j) values.set(i * k + j, rows[i][j]);
  }
  return values;
}

bool logp_matches(double actual, double expected) {
  if (std::isinf(expected)) return actual == expected;
  return std::abs(actual - expected) <= 1e-11 + 1e-10 * std::abs(expected);
}

// All series of one family with the same number of parameters and values are one batch: one
// graph, parameters (n, k) and series (n, T), on the interpreter and the native backend.
class TimeSeriesFixture : public ::testing::TestWithParam<std::string> {};

TEST_P(TimeSeriesFixture, MatchesPythonLoops) {
  const std::string& family = GetParam();
  std::map<std::pair<std::size_t, std::size_t>, std::vector<SeriesCase>> batches;
  for (const SeriesCase& row : read_series_cases("distributions_timeseries.txt")) {
    ASSERT_TRUE(series_factories().contains(row.family)) << "no factory for " << row.family;
    if (row.family == family) batches[{row.parameters.size(), row.series.size()}].push_back(row);
  }
  EXPECT_FALSE(batches.empty()) << "no fixture rows for " << family;
  for (const auto& [key, rows] : batches) {
    const std::size_t length = key.second;
    std::vector<std::vector<double>> parameters, series;
    for (const SeriesCase& row : rows) {
      parameters.push_back(row.parameters);
      series.push_back(row.series);
    }
    const Tensor parameter_values = matrix_of(parameters);
    const Tensor series_values = matrix_of(series);
    const Expr parameter_input = input("parameters", {DType::float64, parameter_values.shape()});
    const Expr series_input = input("series", {DType::float64, series_values.shape()});
    const Distribution distribution =
        series_factories().at(family)(parameter_input, static_cast<std::int64_t>(length));
    const Expr logp = distribution.logp(series_input);
    ASSERT_EQ(logp.shape(), Shape({static_cast<std::int64_t>(rows.size())})) << family;
    for (Backend backend : {Backend::interp, Backend::native}) {
      Function function({parameter_input.node(), series_input.node()}, {logp.node()},
                        {.backend = backend});
      const Tensor result = function({parameter_values, series_values})[0];
      for (std::size_t i = 0; i < rows.size(); ++i) {
        EXPECT_PRED2(logp_matches, result.at(static_cast<std::int64_t>(i)), rows[i].logp)
            << family << " on " << backend_name(backend) << ", series " << i << " of length "
            << length;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(TimeSeriesDistributions, TimeSeriesFixture,
                         ::testing::Values("GaussianRandomWalk", "AR", "ARConstant", "GARCH11"));

// ---- Gradients ----------------------------------------------------------------------------------

Tensor tensor_of(const std::vector<double>& values) {
  return Tensor::from_doubles(values, {static_cast<std::int64_t>(values.size())});
}

TEST(TimeSeriesDistributions, ArGradientInRhoSigmaAndValue) {
  testing::expect_gradient_matches(
      [](const Exprs& in) { return AR(in[0], in[1], Normal(0.0, 2.0), 5, true).logp(in[2]); },
      {tensor_of({0.4, 0.6, -0.25}), Tensor::scalar(0.8),
       tensor_of({0.3, -1.2, 0.5, 1.7, 0.9, -0.4, 0.2})});
}

TEST(TimeSeriesDistributions, Garch11GradientInEveryParameterAndValue) {
  testing::expect_gradient_matches(
      [](const Exprs& in) { return GARCH11(in[0], in[1], in[2], in[3], 5).logp(in[4]); },
      {Tensor::scalar(0.2), Tensor::scalar(0.3), Tensor::scalar(0.45), Tensor::scalar(0.8),
       tensor_of({0.5, -1.1, 0.3, 1.6, -0.7, 0.1})});
}

TEST(TimeSeriesDistributions, GaussianRandomWalkGradientInParametersAndValue) {
  testing::expect_gradient_matches(
      [](const Exprs& in) {
        return GaussianRandomWalk(in[0], in[1], Normal(in[2], 3.0), 4).logp(in[3]);
      },
      {Tensor::scalar(0.3), Tensor::scalar(0.9), Tensor::scalar(-0.5),
       tensor_of({0.1, 0.6, 0.4, 1.8, 2.0})});
}

// ---- Draws --------------------------------------------------------------------------------------

Tensor draw(const std::function<Expr(RandomStream&)>& make, std::uint64_t seed) {
  const Expr state = input("rng_state", random_state_type());
  RandomStream rng(state);
  const Expr draws = make(rng);
  return testing::evaluate_on_backends({state.node()}, {draws.node()}, {random_state(seed)})[0];
}

// Column `t` of an (n, T) matrix.
std::vector<double> column_of(const Tensor& draws, std::int64_t t) {
  const std::int64_t n = draws.shape()[0], length = draws.shape()[1];
  std::vector<double> values;
  for (std::int64_t i = 0; i < n; ++i) values.push_back(draws.at(i * length + t));
  return values;
}

double mean_of(const std::vector<double>& xs) {
  double total = 0.0;
  for (double x : xs) total += x;
  return total / static_cast<double>(xs.size());
}

double variance_of(const std::vector<double>& xs) {
  const double m = mean_of(xs);
  double total = 0.0;
  for (double x : xs) total += (x - m) * (x - m);
  return total / static_cast<double>(xs.size() - 1);
}

// Normal values: the sample variance has standard error variance * sqrt(2 / (n - 1)).
void expect_normal_moments(const std::vector<double>& xs, double mean, double variance,
                           const std::string& what) {
  const auto n = static_cast<double>(xs.size());
  EXPECT_NEAR(mean_of(xs), mean, 5.0 * std::sqrt(variance / n)) << what;
  EXPECT_NEAR(variance_of(xs), variance, 5.0 * variance * std::sqrt(2.0 / (n - 1.0))) << what;
}

// x_T = x_0 + T mu + sqrt(T) sigma z: mean 1 + 10 * 0.3, variance 2^2 + 10 * 0.7^2.
TEST(TimeSeriesDistributions, GaussianRandomWalkDrawsSpreadLinearlyInTime) {
  const std::int64_t n = 4000, steps = 10;
  const Tensor draws = draw(
      [&](RandomStream& rng) {
        return GaussianRandomWalk(0.3, 0.7, Normal(1.0, 2.0), steps).random(rng, {n, steps + 1});
      },
      11);
  ASSERT_EQ(draws.shape(), Shape({n, steps + 1}));
  expect_normal_moments(column_of(draws, 0), 1.0, 4.0, "start");
  expect_normal_moments(column_of(draws, steps), 1.0 + 0.3 * steps, 4.0 + steps * 0.49, "end");
}

// A stationary AR(1) with a constant, started from its stationary law: every step has mean
// c / (1 - rho) and variance sigma^2 / (1 - rho^2), neighbours correlation rho.
TEST(TimeSeriesDistributions, ArDrawsStayStationary) {
  const std::int64_t n = 4000, steps = 20;
  const double c = 1.0, rho = 0.6, sigma = 0.8;
  const double mean = c / (1.0 - rho), variance = sigma * sigma / (1.0 - rho * rho);
  const Tensor draws = draw(
      [&](RandomStream& rng) {
        return AR(constant(Tensor::from_doubles({c, rho}, {2})), sigma,
                  Normal(mean, std::sqrt(variance)), steps, true)
            .random(rng, {n, steps + 1});
      },
      23);
  const std::vector<double> before = column_of(draws, steps - 1), last = column_of(draws, steps);
  expect_normal_moments(last, mean, variance, "last step");
  double covariance = 0.0;
  for (std::int64_t i = 0; i < n; ++i) covariance += (before[i] - mean) * (last[i] - mean);
  const double correlation = covariance / static_cast<double>(n) / variance;
  EXPECT_NEAR(correlation, rho, 5.0 * (1.0 - rho * rho) / std::sqrt(static_cast<double>(n)));
}

// E[x_t^2] follows v_t = omega + (alpha_1 + beta_1) v_{t-1} from v_0 = initial_vol^2; the standard
// error comes from the sample variance of x_t^2 (finite fourth moments for these parameters).
TEST(TimeSeriesDistributions, Garch11DrawsFollowTheVarianceRecursion) {
  const std::int64_t n = 20000, steps = 4;
  const double omega = 0.2, alpha = 0.3, beta = 0.4, initial_vol = 1.0;
  const Tensor draws = draw(
      [&](RandomStream& rng) {
        return GARCH11(omega, alpha, beta, initial_vol, steps).random(rng, {n, steps + 1});
      },
      29);
  double expected = initial_vol * initial_vol;
  for (std::int64_t t = 0; t <= steps; ++t) {
    if (t > 0) expected = omega + (alpha + beta) * expected;
    std::vector<double> squares;
    for (double x : column_of(draws, t)) squares.push_back(x * x);
    EXPECT_NEAR(mean_of(squares), expected, 5.0 * std::sqrt(variance_of(squares) / n))
        << "step " << t;
  }
}

// ---- Shapes, models and errors ------------------------------------------------------------------

TEST(TimeSeriesDistributions, ShapesFollowPymcConventions) {
  const Expr three = constant(Tensor::from_doubles({0.1, 0.2, 0.3}, {3}));
  EXPECT_EQ(GaussianRandomWalk(three, 1.0, Normal(0.0, 1.0), 5).default_shape(), Shape({3, 6}));
  // rho's last axis is the lags: order 2 plus 7 steps; with a constant, order 1 plus 7 steps.
  EXPECT_EQ(
      AR(constant(Tensor::from_doubles({0.5, 0.1}, {2})), 1.0, Normal(0.0, 1.0), 7).default_shape(),
      Shape({9}));
  EXPECT_EQ(AR(constant(Tensor::from_doubles({0.5, 0.1}, {2})), 1.0, Normal(0.0, 1.0), 7, true)
                .default_shape(),
            Shape({8}));
  EXPECT_EQ(GARCH11(0.1, 0.2, three, 1.0, 4).default_shape(), Shape({3, 5}));
  EXPECT_EQ(GARCH11(0.1, 0.2, 0.3, 1.0, 4).event_rank(), 1);
}

// A walk as a free variable: its log density in a model is the hand-computed one.
TEST(TimeSeriesDistributions, RandomWalkInAModel) {
  Model m;
  m.rv("walk", GaussianRandomWalk(0.5, 2.0, Normal(0.0, 3.0), 3));
  ASSERT_EQ(m.layout().dim, 4);
  const std::vector<double> x{0.4, -1.0, 2.5, 3.0};
  auto normal_logpdf = [](double v, double mu, double sigma) {
    return -0.5 * std::pow((v - mu) / sigma, 2) - std::log(sigma) -
           0.5 * std::log(2.0 * std::numbers::pi);
  };
  double expected = normal_logpdf(x[0], 0.0, 3.0);
  for (int t = 1; t < 4; ++t) expected += normal_logpdf(x[t] - x[t - 1], 0.5, 2.0);
  std::vector<double> grad(4);
  EXPECT_NEAR(m.compile({.backend = Backend::interp})->logp_grad(x.data(), grad.data()), expected,
              1e-12);
}

TEST(TimeSeriesDistributions, ErrorsNameTheFamilyAndTheProblem) {
  const std::string length = error_message([] {
    GaussianRandomWalk(0.0, 1.0, Normal(0.0, 1.0), 5).logp(input("x", {DType::float64, {5}}));
  });
  EXPECT_TRUE(contains(length, "GaussianRandomWalk") && contains(length, "6 values")) << length;
  const std::string order = error_message(
      [] { AR(constant(Tensor::from_doubles({0.5}, {1})), 1.0, Normal(0.0, 1.0), 4, true); });
  EXPECT_TRUE(contains(order, "AR") && contains(order, "order")) << order;
  const std::string omega = error_message([] { GARCH11(-0.1, 0.2, 0.3, 1.0, 4); });
  EXPECT_TRUE(contains(omega, "GARCH11") && contains(omega, "omega")) << omega;
  const std::string steps = error_message([] { GARCH11(0.1, 0.2, 0.3, 1.0, 0); });
  EXPECT_TRUE(contains(steps, "steps")) << steps;
}

}  // namespace
}  // namespace hypatia
