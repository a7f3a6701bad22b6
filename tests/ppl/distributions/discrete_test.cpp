// The discrete families against scipy.stats and mpmath
// (scripts/fixtures/distributions_discrete.py), their gradients against finite differences, and
// their build-time errors.

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "hypatia/function.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "ppl/distributions/univariate_cases.hpp"
#include "support/backends.hpp"
#include "support/errors.hpp"
#include "support/gradient_check.hpp"

namespace hypatia {
namespace {

using Parameters = const std::vector<Expr>&;

std::map<std::string, testing::UnivariateFactory> univariate_factories() {
  return {
      {"Bernoulli", [](Parameters p) { return Bernoulli(p[0]); }},
      {"BernoulliLogit", [](Parameters p) { return BernoulliLogit(p[0]); }},
      {"Binomial", [](Parameters p) { return Binomial(p[0], p[1]); }},
      {"BinomialLogit", [](Parameters p) { return BinomialLogit(p[0], p[1]); }},
      {"BetaBinomial", [](Parameters p) { return BetaBinomial(p[0], p[1], p[2]); }},
      {"Poisson", [](Parameters p) { return Poisson(p[0]); }},
      {"NegativeBinomial", [](Parameters p) { return NegativeBinomial(p[0], p[1]); }},
      {"NegativeBinomialNP", [](Parameters p) { return NegativeBinomialNP(p[0], p[1]); }},
      {"Geometric", [](Parameters p) { return Geometric(p[0]); }},
      {"DiscreteUniform", [](Parameters p) { return DiscreteUniform(p[0], p[1]); }},
      {"ZeroInflatedPoisson", [](Parameters p) { return ZeroInflatedPoisson(p[0], p[1]); }},
      {"ZeroInflatedBinomial", [](Parameters p) { return ZeroInflatedBinomial(p[0], p[1], p[2]); }},
      {"ZeroInflatedNegativeBinomial",
       [](Parameters p) { return ZeroInflatedNegativeBinomial(p[0], p[1], p[2]); }},
  };
}

std::map<std::string, testing::UnivariateFactory> factories_for(
    const std::set<std::string>& names) {
  std::map<std::string, testing::UnivariateFactory> chosen;
  for (const auto& [name, factory] : univariate_factories()) {
    if (names.contains(name)) chosen.emplace(name, factory);
  }
  return chosen;
}

TEST(DiscreteDistributions, MatchReferencesWithIntegerValues) {
  testing::expect_univariate_cases_match({.fixture_file = "distributions_discrete.csv",
                                          .factories = univariate_factories(),
                                          .value_dtype = DType::int64});
}

// Non-integers and infinities: no mass; the CDF steps at the integers.
TEST(DiscreteDistributions, MatchReferencesWithFloatValues) {
  testing::expect_univariate_cases_match(
      {.fixture_file = "distributions_discrete_float.csv",
       .factories = factories_for({"Bernoulli", "Binomial", "Poisson", "NegativeBinomial",
                                   "Geometric", "DiscreteUniform", "ZeroInflatedPoisson"}),
       .value_dtype = DType::float64});
}

// ---- families with a vector parameter (p, logits, cutpoints along the last axis) ----

struct VectorCase {
  double eta = 0.0;
  double sigma = 1.0;
  std::vector<double> vector;
  double value = 0.0;
  double logp = 0.0;
};

double parse_number(const std::string& text) {
  if (text == "inf") return std::numeric_limits<double>::infinity();
  if (text == "-inf") return -std::numeric_limits<double>::infinity();
  if (text == "nan") return std::numeric_limits<double>::quiet_NaN();
  return std::stod(text);
}

// family -> rows of distributions_discrete_vector.csv (family,eta,sigma,vector,value,logp).
std::map<std::string, std::vector<VectorCase>> read_vector_cases() {
  std::ifstream file(std::string(HYPATIA_FIXTURE_DIR) + "/distributions_discrete_vector.csv");
  EXPECT_TRUE(file.good()) << "cannot open distributions_discrete_vector.csv";
  std::map<std::string, std::vector<VectorCase>> cases;
  std::string line;
  std::getline(file, line);  // header
  while (std::getline(file, line)) {
    std::vector<std::string> cells;
    std::stringstream stream(line);
    for (std::string cell; std::getline(stream, cell, ',');) cells.push_back(cell);
    if (cells.size() != 6u) {
      ADD_FAILURE() << "bad fixture line: " << line;
      continue;
    }
    VectorCase row;
    if (!cells[1].empty()) row.eta = parse_number(cells[1]);
    if (!cells[2].empty()) row.sigma = parse_number(cells[2]);
    std::stringstream entries(cells[3]);
    for (std::string entry; entries >> entry;) row.vector.push_back(parse_number(entry));
    row.value = parse_number(cells[4]);
    row.logp = parse_number(cells[5]);
    cases[cells[0]].push_back(row);
  }
  return cases;
}

using VectorFactory =
    std::function<Distribution(const Expr& eta, const Expr& sigma, const Expr& vector)>;

// All rows of a family in one graph (eta, sigma, value of shape (n,), the vector (n, K)), compiled
// like a model's log density (rewrites on) for the interpreter and the native backend.
void expect_vector_family_matches(const std::string& family, const std::vector<VectorCase>& rows,
                                  const VectorFactory& factory) {
  const std::int64_t n = static_cast<std::int64_t>(rows.size());
  const std::int64_t size = static_cast<std::int64_t>(rows.front().vector.size());
  std::vector<double> etas, sigmas, vectors, values;
  for (const VectorCase& row : rows) {
    ASSERT_EQ(static_cast<std::int64_t>(row.vector.size()), size) << family;
    etas.push_back(row.eta);
    sigmas.push_back(row.sigma);
    vectors.insert(vectors.end(), row.vector.begin(), row.vector.end());
    values.push_back(row.value);
  }
  Expr eta = input("eta", TensorType{DType::float64, {n}});
  Expr sigma = input("sigma", TensorType{DType::float64, {n}});
  Expr vector = input("vector", TensorType{DType::float64, {n, size}});
  Expr value = input("value", TensorType{DType::int64, {n}});
  const Expr logp = factory(eta, sigma, vector).logp(value);
  for (Backend backend : {Backend::interp, Backend::native}) {
    Function function({eta.node(), sigma.node(), vector.node(), value.node()}, {logp.node()},
                      {.backend = backend});
    const Tensor result =
        function({Tensor::from_doubles(etas, {n}), Tensor::from_doubles(sigmas, {n}),
                  Tensor::from_doubles(vectors, {n, size}),
                  Tensor::from_doubles(values, {n}, DType::int64)})[0];
    for (std::int64_t i = 0; i < n; ++i) {
      const double expected = rows[i].logp;
      const double actual = result.at(i);
      const std::string where =
          family + " on " + std::string(backend_name(backend)) + ", row " + std::to_string(i);
      if (std::isinf(expected)) {
        EXPECT_EQ(actual, expected) << where;
      } else {
        EXPECT_NEAR(actual, expected, 1e-12 + 1e-10 * std::abs(expected)) << where;
      }
    }
  }
}

TEST(DiscreteDistributions, VectorParameterFamiliesMatchReferences) {
  const std::map<std::string, VectorFactory> factories = {
      {"Categorical", [](const Expr&, const Expr&, const Expr& p) { return Categorical(p); }},
      {"CategoricalLogit",
       [](const Expr&, const Expr&, const Expr& logits) { return CategoricalLogit(logits); }},
      {"OrderedLogistic",
       [](const Expr& eta, const Expr&, const Expr& c) { return OrderedLogistic(eta, c); }},
      {"OrderedProbit", [](const Expr& eta, const Expr& sigma, const Expr& c) {
         return OrderedProbit(eta, c, sigma);
       }}};
  const auto cases = read_vector_cases();
  for (const auto& [family, factory] : factories) {
    ASSERT_TRUE(cases.contains(family)) << "no fixture rows for " << family;
    expect_vector_family_matches(family, cases.at(family), factory);
  }
}

TEST(DiscreteDistributions, VectorParameterShapes) {
  Expr p = input("p", TensorType{DType::float64, {2, 5, 3}});
  EXPECT_EQ(Categorical(p).default_shape(), (Shape{2, 5}));
  EXPECT_EQ(CategoricalLogit(p).default_shape(), (Shape{2, 5}));
  Expr eta = input("eta", TensorType{DType::float64, {2, 1}});
  Expr cutpoints = input("cutpoints", TensorType{DType::float64, {5, 3}});
  EXPECT_EQ(OrderedLogistic(eta, cutpoints).default_shape(), (Shape{2, 5}));
  EXPECT_EQ(OrderedProbit(1.0, cutpoints, 2.0).default_shape(), (Shape{5}));
  // Outcomes 0..K for K cutpoints.
  const Tensor upper =
      testing::evaluate_on_backends(OrderedLogistic(eta, cutpoints).support().upper->node());
  EXPECT_EQ(upper.at(0), 3.0);
}

// C++ integers as parameters and values (int64 constants) give the same masses as float64 ones.
TEST(DiscreteDistributions, IntegerParametersAndValues) {
  const auto logp_at = [](const Distribution& distribution, const Expr& value) {
    return evaluate(distribution.logp(value).node()).at(0);
  };
  EXPECT_DOUBLE_EQ(logp_at(DiscreteUniform(0, 9), 3), -std::log(10.0));
  EXPECT_EQ(logp_at(DiscreteUniform(0, 9), 10), -std::numeric_limits<double>::infinity());
  EXPECT_DOUBLE_EQ(logp_at(Binomial(4, 0.5), 2), std::log(6.0 / 16.0));
  EXPECT_DOUBLE_EQ(logp_at(Binomial(4, 0.5), Expr(2.0)), std::log(6.0 / 16.0));
  EXPECT_DOUBLE_EQ(logp_at(BetaBinomial(1, 1.0, 1.0), 1), std::log(0.5));
}

// ---- gradients ----

Tensor int_tensor(const std::vector<std::int64_t>& values) {
  return Tensor::from_ints(values, {static_cast<std::int64_t>(values.size())});
}

Tensor float_tensor(const std::vector<double>& values, Shape shape) {
  return Tensor::from_doubles(values, std::move(shape));
}

TEST(DiscreteDistributions, BinomialLogitGradientInLogOdds) {
  // n stays a constant: the log mass is -inf at the non-integer n of a finite difference.
  const Expr n = constant(float_tensor({10, 10, 25, 3}, {4}));
  testing::expect_gradient_matches(
      [n](const Exprs& x) { return BinomialLogit(n, x[0]).logp(x[1]); },
      {float_tensor({-30.0, -1.0, 0.5, 12.0}, {4}), int_tensor({0, 3, 25, 2})});
}

TEST(DiscreteDistributions, NegativeBinomialGradientInMeanAndDispersion) {
  testing::expect_gradient_matches(
      [](const Exprs& x) { return NegativeBinomial(x[0], x[1]).logp(x[2]); },
      {float_tensor({0.5, 3.0, 40.0, 1e3}, {4}), float_tensor({0.2, 2.0, 50.0, 1e4}, {4}),
       int_tensor({0, 2, 37, 1200})});
}

TEST(DiscreteDistributions, OrderedLogisticGradientInEtaAndCutpoints) {
  // Every outcome 0..3, tails included.
  testing::expect_gradient_matches(
      [](const Exprs& x) { return OrderedLogistic(x[0], x[1]).logp(x[2]); },
      {float_tensor({0.3, -2.0, 1.0, 6.0, -8.0}, {5}),
       float_tensor(
           {-1.0, 0.0, 1.5, -3.0, -2.9, 4.0, -1.0, 0.5, 2.0, -2.0, 0.0, 1.0, -1.0, 0.0, 1.0},
           {5, 3}),
       int_tensor({0, 1, 2, 3, 3})});
}

TEST(DiscreteDistributions, OrderedProbitGradientInEtaCutpointsAndSigma) {
  testing::expect_gradient_matches(
      [](const Exprs& x) { return OrderedProbit(x[0], x[1], x[2]).logp(x[3]); },
      {float_tensor({0.3, -2.0, 1.0, 6.0}, {4}),
       float_tensor({-1.0, 0.0, 1.5, -3.0, -2.9, 4.0, -1.0, 0.5, 2.0, -2.0, 0.0, 1.0}, {4, 3}),
       float_tensor({1.0, 0.7, 2.0, 1.5}, {4}), int_tensor({0, 1, 2, 3})});
}

// ---- build-time errors ----

TEST(DiscreteDistributions, InvalidConstantParametersAreBuildErrors) {
  testing::expect_mentions(testing::error_message([] { Binomial(10.0, 1.5); }),
                           {"Binomial", "parameter p", "in [0, 1]", "1.5"});
  // The base family's parameter, checked under the zero-inflated family's name.
  testing::expect_mentions(testing::error_message([] { ZeroInflatedPoisson(0.5, -1.0); }),
                           {"ZeroInflatedPoisson", "parameter mu", ">= 0"});
  testing::expect_mentions(testing::error_message([] { DiscreteUniform(3.0, 1.0); }),
                           {"DiscreteUniform", "lower <= upper"});
  testing::expect_mentions(testing::error_message([] { Categorical(0.5); }),
                           {"Categorical", "parameter p", "last axis"});
}

}  // namespace
}  // namespace hypatia
