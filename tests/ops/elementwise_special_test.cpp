// Special functions: values against scipy.special (fixtures written by
// scripts/fixtures/special.py), gradients against finite differences, and the error paths.

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "hypatia/hypatia.hpp"
#include "ops/elementwise.hpp"
#include "support/backends.hpp"
#include "support/gradient_check.hpp"

namespace hypatia {
namespace {

struct FixtureRow {
  std::string op;
  std::vector<double> numbers;  // arguments, then the expected value (and more columns)
  std::string line;
};

std::vector<FixtureRow> read_fixture(const std::string& file) {
  std::ifstream in(std::string(HYPATIA_FIXTURE_DIR) + "/" + file);
  EXPECT_TRUE(in.good()) << "missing fixture " << file;
  std::vector<FixtureRow> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::stringstream fields(line);
    FixtureRow row;
    row.line = line;
    std::getline(fields, row.op, ',');
    std::string field;
    while (std::getline(fields, field, ','))
      row.numbers.push_back(std::strtod(field.c_str(), nullptr));
    rows.push_back(row);
  }
  return rows;
}

// One call of a special function on scalar arguments.
struct Call {
  std::string op;
  std::vector<double> args;
};

// Evaluates the calls in one graph (one native compile, however many calls) on both backends,
// which must agree bit for bit (both call the runtime library's functions):
// per op, one output over 1-d inputs holding the arguments of all its calls (polygamma's order
// as int64). Returns the results in the order of `calls`.
std::vector<double> evaluate_calls(const std::vector<Call>& calls) {
  std::map<std::string, std::vector<std::size_t>> calls_of_op;
  for (std::size_t c = 0; c < calls.size(); ++c) calls_of_op[calls[c].op].push_back(c);
  std::vector<NodePtr> placeholders, outputs;
  std::vector<Tensor> values;
  for (const auto& [op, which] : calls_of_op) {
    Exprs args;
    const Shape shape{static_cast<std::int64_t>(which.size())};
    for (std::size_t i = 0; i < calls[which.front()].args.size(); ++i) {
      const bool order = (op == "polygamma" || op == "ive") && i == 0;
      Tensor column(order ? DType::int64 : DType::float64, shape);
      for (std::size_t k = 0; k < which.size(); ++k) {
        column.set(static_cast<std::int64_t>(k), calls[which[k]].args.at(i));
      }
      placeholders.push_back(input(op + "_arg" + std::to_string(i), column.type()));
      args.push_back(placeholders.back());
      values.push_back(std::move(column));
    }
    outputs.push_back(ops::apply_elementwise(op, args).node());
  }
  const std::vector<Tensor> results =
      testing::evaluate_on_backends(placeholders, outputs, values, {.rtol = 0.0});
  std::vector<double> ordered(calls.size());
  std::size_t output = 0;
  for (const auto& [op, which] : calls_of_op) {
    for (std::size_t k = 0; k < which.size(); ++k) {
      ordered[which[k]] = results[output].at(static_cast<std::int64_t>(k));
    }
    ++output;
  }
  return ordered;
}

// Relative tolerance of each op against scipy. 1e-12 where both libraries are accurate to a few
// ulps; wider ones are explained.
double value_tolerance(const std::string& op) {
  static const std::map<std::string, double> wider = {
      // scipy's betainc is off by up to ~6e-10 relative for parameters ~1e5 (it gives
      // I_0.5(1e5, 1e5) = 0.5000000003, which is exactly 1/2 by symmetry). HandCheckedValues
      // checks ours there against exact binomial sums at 1e-13.
      {"betainc", 1e-9},
      // scipy's betaln loses ~1e-11 relative when an argument is >= 1e5: betaln(1, 1e5) is off
      // -log(1e5) by 7e-12. HandCheckedValues checks ours there against exact values.
      {"lbeta", 1e-10},
  };
  auto it = wider.find(op);
  return it == wider.end() ? 1e-12 : it->second;
}

// NaN and infinities must agree exactly; finite values within `rtol` (absolute 1e-300 so that
// subnormal results compare sensibly).
void expect_matches(double actual, double expected, double rtol, const std::string& what) {
  if (std::isnan(expected)) {
    EXPECT_TRUE(std::isnan(actual)) << what << ": got " << actual;
  } else if (std::isinf(expected)) {
    EXPECT_EQ(actual, expected) << what;
  } else {
    EXPECT_NEAR(actual, expected, 1e-300 + rtol * std::abs(expected)) << what;
  }
}

// Fixture rows where scipy is wrong, with the right value.
const std::map<std::string, double>& scipy_errors() {
  static const std::map<std::string, double> errors = {
      // gammaln(5e-324) = inf in scipy (it overflows Gamma); lgamma(x) = -log(x) for tiny x.
      {"lgamma,4.9406564584124654e-324,inf", -std::log(4.9406564584124654e-324)},
  };
  return errors;
}

TEST(SpecialFunctions, MatchScipyFixture) {
  const std::vector<FixtureRow> rows = read_fixture("special_functions.csv");
  ASSERT_GT(rows.size(), 1000u);
  std::vector<Call> calls;
  for (const FixtureRow& row : rows) {
    calls.push_back({row.op, {row.numbers.begin(), row.numbers.end() - 1}});
  }
  const std::vector<double> results = evaluate_calls(calls);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const FixtureRow& row = rows[r];
    auto correction = scipy_errors().find(row.line);
    const double expected =
        correction == scipy_errors().end() ? row.numbers.back() : correction->second;
    expect_matches(results[r], expected, value_tolerance(row.op), row.line);
  }
}

// The derivatives in the parameters, through the gradient rules, against Richardson-extrapolated
// differences of scipy's values (accurate to ~1e-10 by their own error estimate). The target is
// 1e-8; the largest error seen is ~5e-11.
TEST(SpecialFunctions, ParameterGradientsMatchScipyDifferences) {
  const std::vector<FixtureRow> all_rows = read_fixture("special_parameter_gradients.csv");
  ASSERT_GT(all_rows.size(), 200u);
  // One graph: per derivative, the gradient of the sum of the function over vectors of all its
  // rows' arguments, which is the derivative at each row.
  const std::vector<std::string> ops = {"gammainc_grad_a", "betainc_grad_a", "betainc_grad_b"};
  std::vector<std::vector<const FixtureRow*>> rows(ops.size());
  std::vector<NodePtr> placeholders, derivatives;
  std::vector<Tensor> values;
  for (std::size_t d = 0; d < ops.size(); ++d) {
    for (const FixtureRow& row : all_rows) {
      if (row.op == ops[d]) rows[d].push_back(&row);
    }
    const std::size_t arity = ops[d] == "gammainc_grad_a" ? 2 : 3;
    Exprs args;
    for (std::size_t i = 0; i < arity; ++i) {
      Tensor column(DType::float64, {static_cast<std::int64_t>(rows[d].size())});
      for (std::size_t r = 0; r < rows[d].size(); ++r) {
        column.set(static_cast<std::int64_t>(r), rows[d][r]->numbers[i]);
      }
      placeholders.push_back(input(ops[d] + std::to_string(i), column.type()));
      args.push_back(placeholders.back());
      values.push_back(std::move(column));
    }
    Expr derivative = ops[d] == "gammainc_grad_a" ? grad(sum(gammainc(args[0], args[1])), args[0])
                      : ops[d] == "betainc_grad_a"
                          ? grad(sum(betainc(args[0], args[1], args[2])), args[0])
                          : grad(sum(betainc(args[0], args[1], args[2])), args[1]);
    derivatives.push_back(derivative.node());
  }
  // The gradient-only rows themselves, called directly, on both backends.
  std::vector<Call> direct_calls;
  for (const FixtureRow& row : all_rows) {
    direct_calls.push_back({row.op, {row.numbers.begin(), row.numbers.end() - 2}});
  }
  const std::vector<double> direct = evaluate_calls(direct_calls);
  for (std::size_t r = 0; r < all_rows.size(); ++r) {
    expect_matches(direct[r], all_rows[r].numbers[all_rows[r].numbers.size() - 2], 1e-9,
                   "direct " + all_rows[r].line);
  }
  const std::vector<Tensor> results =
      testing::evaluate_on_backends(placeholders, derivatives, values);
  for (std::size_t d = 0; d < ops.size(); ++d) {
    ASSERT_FALSE(rows[d].empty()) << ops[d];
    for (std::size_t r = 0; r < rows[d].size(); ++r) {
      const FixtureRow& row = *rows[d][r];
      const double expected = row.numbers[row.numbers.size() - 2];
      expect_matches(results[d].at(static_cast<std::int64_t>(r)), expected, 1e-9, row.line);
    }
  }
}

// gammaincc's parameter gradient is minus gammainc's.
TEST(SpecialFunctions, UpperIncompleteGammaGradientIsMinusLower) {
  Expr a = input("a", {DType::float64, {}});
  Expr x = constant(3.0);
  std::unordered_map<std::string, Tensor> values = {{"a", Tensor::scalar(2.5)}};
  const std::vector<Tensor> grads = testing::evaluate_on_backends(
      {grad(gammaincc(a, x), a).node(), grad(gammainc(a, x), a).node()}, values);
  EXPECT_DOUBLE_EQ(grads[0].at(0), -grads[1].at(0));
}

TEST(SpecialFunctions, HandCheckedValues) {
  const std::vector<double> v = evaluate_calls({
      {"lbeta", {-0.5, 1.0}},
      {"lbeta", {1.0, 1e300}},
      {"lbeta", {1e5, 1.0}},
      {"betainc", {1e5, 1e5, 0.5}},
      {"betainc", {1e5, 10.0, 0.999}},
      {"betainc", {20.0, 30.0, 0.4}},
      {"betainc", {1000.0, 5.0, 0.995}},
      {"betainc", {7.0, 3000.0, 0.001}},
      {"lbeta", {1e5, 1e10}},
      {"erfcx", {1e10}},
      {"normal_logcdf", {-1e10}},
  });
  // lbeta of negative arguments is NaN (scipy's betaln gives log|B| there).
  EXPECT_TRUE(std::isnan(v[0]));
  // B(1, b) = 1/b, even where lgamma(b) - lgamma(1 + b) would cancel.
  EXPECT_NEAR(v[1], -std::log(1e300), 1e-15 * std::log(1e300));
  EXPECT_NEAR(v[2], -std::log(1e5), 1e-15 * std::log(1e5));
  // I_x(a, b) for integer a, b is the binomial tail sum_{j=a}^{a+b-1} C(a+b-1, j) x^j
  // (1-x)^(a+b-1-j), evaluated in 40-digit decimal arithmetic.
  EXPECT_NEAR(v[3], 0.5, 1e-13 * 0.5);
  EXPECT_NEAR(v[4], 1.0708050725013266784e-31, 1e-44);
  EXPECT_NEAR(v[5], 0.50770019965764800544, 1e-14);
  EXPECT_NEAR(v[6], 0.43654411044811830221, 1e-14);
  EXPECT_NEAR(v[7], 0.033735968556299876700, 1e-15);
  // lbeta(1e5, 1e10) from the Stirling series in 50-digit decimal arithmetic.
  EXPECT_NEAR(v[8], -1251297.8840137221557835, 1e-15 * 1.3e6);
  // erfcx(x) ~ 1/(x sqrt(pi)) far right; normal_logcdf(x) ~ -x^2/2 - log(-x sqrt(2 pi)) far left.
  EXPECT_NEAR(v[9], 1.0 / (1e10 * std::sqrt(M_PI)), 1e-26);
  EXPECT_NEAR(v[10], -0.5e20 - std::log(1e10 * std::sqrt(2 * M_PI)), 1e-16 * 0.5e20);
}

// A float32 argument keeps float32, integers become float64.
TEST(SpecialFunctions, ResultDTypes) {
  Expr x32 = input("x", {DType::float32, {3}});
  EXPECT_EQ(erf(x32).dtype(), DType::float32);
  EXPECT_EQ(gammainc(x32, 2.0).dtype(), DType::float32);
  Expr n = input("n", {DType::int64, {}});
  EXPECT_EQ(lgamma(n).dtype(), DType::float64);
  EXPECT_EQ(polygamma(n, x32).dtype(), DType::float32);
}

// --- Gradients against central differences. --------------------------------------------------

using testing::expect_gradient_matches;
using testing::random_tensor;

void expect_unary_gradient(Expr (*f)(const Expr&), double low, double high) {
  std::mt19937_64 rng(11);
  expect_gradient_matches([f](const Exprs& x) { return f(x[0]); },
                          {random_tensor({6}, rng, low, high)});
}

TEST(SpecialGradients, ErrorFunctions) {
  expect_unary_gradient(erf, -3.0, 3.0);
  expect_unary_gradient(erfc, -3.0, 3.0);
  expect_unary_gradient(erfcx, -3.0, 20.0);
  expect_unary_gradient(erfinv, -0.99, 0.99);
}

TEST(SpecialGradients, NormalLogCdfInBothTails) {
  expect_unary_gradient(normal_logcdf, -40.0, 40.0);
  expect_unary_gradient(normal_logcdf, -1e4, -10.0);
  // phi/Phi -> -x far left; evaluated where logpdf - logcdf would lose digits.
  Expr x = input("x", {DType::float64, {2}});
  Expr slope = grad(sum(normal_logcdf(x)), x);
  const Tensor slopes =
      testing::evaluate_on_backends(slope.node(), {{"x", Tensor::from_doubles({-1e5, 50.0}, {2})}});
  EXPECT_NEAR(slopes.at(0), 1e5 * (1 + 1e-10 - 2e-20), 1e-9);  // -x - 1/x + 2/x^3
  EXPECT_EQ(slopes.at(1), 0.0);
}

TEST(SpecialGradients, GammaFamily) {
  expect_unary_gradient(lgamma, 0.1, 10.0);
  expect_unary_gradient(lgamma, -2.9, -2.1);
  expect_unary_gradient(digamma, 0.1, 10.0);
  std::mt19937_64 rng(12);
  for (int order : {1, 2, 3}) {
    expect_gradient_matches([](const Exprs& x) { return polygamma(x[0], x[1]); },
                            {Tensor::from_ints({order}, {}), random_tensor({5}, rng, 0.3, 8.0)});
  }
}

TEST(SpecialGradients, IncompleteGammaWithBroadcasting) {
  std::mt19937_64 rng(13);
  for (auto f : {gammainc, gammaincc}) {
    expect_gradient_matches(
        [f](const Exprs& x) { return f(x[0], x[1]); },
        {random_tensor({3, 1}, rng, 0.2, 6.0), random_tensor({4}, rng, 0.1, 9.0)},
        {.rtol = 1e-5, .atol = 1e-7});
    // Large a, x near a: the continued fraction and series regions meet here.
    expect_gradient_matches(
        [f](const Exprs& x) { return f(x[0], x[1]); },
        {random_tensor({4}, rng, 80.0, 120.0), random_tensor({4}, rng, 80.0, 120.0)});
  }
}

TEST(SpecialGradients, IncompleteBetaWithBroadcasting) {
  std::mt19937_64 rng(14);
  expect_gradient_matches(
      [](const Exprs& x) { return betainc(x[0], x[1], x[2]); },
      {random_tensor({2, 1, 1}, rng, 0.3, 5.0), random_tensor({3, 1}, rng, 0.3, 5.0),
       random_tensor({4}, rng, 0.05, 0.95)});
  expect_gradient_matches([](const Exprs& x) { return betainc(x[0], x[1], x[2]); },
                          {random_tensor({3}, rng, 20.0, 60.0), random_tensor({3}, rng, 20.0, 60.0),
                           random_tensor({3}, rng, 0.3, 0.7)});
}

TEST(SpecialGradients, LogBeta) {
  std::mt19937_64 rng(15);
  expect_gradient_matches(
      [](const Exprs& x) { return lbeta(x[0], x[1]); },
      {random_tensor({3, 1}, rng, 0.1, 20.0), random_tensor({2}, rng, 0.1, 20.0)});
}

TEST(SpecialGradients, ScaledBessel) {
  expect_unary_gradient(i0e, -10.0, 10.0);
  expect_unary_gradient(i1e, -10.0, 10.0);
  expect_unary_gradient(i0e, 400.0, 800.0);  // both sides of the asymptotic switch at 500
  expect_unary_gradient(i1e, -800.0, -400.0);
  // At 0: i0e has a kink (subgradient 0), i1e' = 1/2.
  Expr x = input("x", {DType::float64, {}});
  std::unordered_map<std::string, Tensor> zero = {{"x", Tensor::scalar(0.0)}};
  const std::vector<Tensor> slopes =
      testing::evaluate_on_backends({grad(i0e(x), x).node(), grad(i1e(x), x).node()}, zero);
  EXPECT_EQ(slopes[0].at(0), 0.0);
  EXPECT_EQ(slopes[1].at(0), 0.5);
}

// ive(n, x) against exp(-x) times Boost's I_n(x) where that product does not overflow (both sides
// of the switches at |x| = 500 and 4 n^2 = |x|), against the recurrence 2n/x I_n = I_{n-1} -
// I_{n+1} and I_0, I_1 (i0e, i1e) far beyond it, and its parity in x and n.
TEST(SpecialFunctions, ScaledBesselOfIntegerOrder) {
  std::vector<Call> calls;
  std::vector<double> expected;
  for (int order : {0, 1, 2, 5, 12, 30, 60}) {
    for (double x : {0.0, 0.3, 4.0, 90.0, 499.0, 501.0, 650.0}) {
      calls.push_back({"ive", {double(order), x}});
      expected.push_back(std::exp(-x) * std::cyl_bessel_i(double(order), x));
    }
  }
  std::vector<double> values = evaluate_calls(calls);
  for (std::size_t c = 0; c < calls.size(); ++c) {
    expect_matches(
        values[c], expected[c], 1e-12,
        "ive(" + std::to_string(calls[c].args[0]) + ", " + std::to_string(calls[c].args[1]) + ")");
  }
  for (double x : {2e3, 1e4, 1e6}) {
    std::vector<Call> orders;
    for (int n = 0; n <= 120; ++n) orders.push_back({"ive", {double(n), x}});
    orders.push_back({"i0e", {x}});
    orders.push_back({"i1e", {x}});
    orders.push_back({"ive", {-7.0, -x}});
    const std::vector<double> v = evaluate_calls(orders);
    EXPECT_NEAR(v[0], v[121], 1e-15 * v[121]);
    EXPECT_NEAR(v[1], v[122], 1e-15 * v[122]);
    for (int n = 1; n < 120; ++n) {
      EXPECT_NEAR(2.0 * n / x * v[n], v[n - 1] - v[n + 1], 1e-10 * v[n]) << "n=" << n << " x=" << x;
    }
    EXPECT_EQ(v[123], -v[7]);
  }
}

TEST(SpecialGradients, ScaledBesselOfIntegerOrder) {
  std::mt19937_64 rng(17);
  for (int order : {0, 1, 3, 20}) {
    expect_gradient_matches([](const Exprs& x) { return ive(x[0], x[1]); },
                            {Tensor::from_ints({order}, {}), random_tensor({5}, rng, -12.0, 12.0)});
    expect_gradient_matches(
        [](const Exprs& x) { return ive(x[0], x[1]); },
        {Tensor::from_ints({order}, {}), random_tensor({4}, rng, 400.0, 900.0)});
  }
  testing::expect_second_derivative_matches(
      [](const Exprs& x) {
        return ive(constant(Tensor::from_ints({2, 9}, {2})), x[0]);
      },
      {random_tensor({2}, rng, 0.5, 6.0)});
}

TEST(SpecialGradients, SecondDerivatives) {
  std::mt19937_64 rng(16);
  testing::expect_second_derivative_matches([](const Exprs& x) { return lgamma(x[0]); },
                                            {random_tensor({4}, rng, 0.3, 6.0)});
  testing::expect_second_derivative_matches([](const Exprs& x) { return erf(x[0]); },
                                            {random_tensor({4}, rng, -2.0, 2.0)});
  // normal_logcdf on both sides of its branch at 0 and far right, where erfcx(-x/sqrt2) = inf.
  testing::expect_second_derivative_matches([](const Exprs& x) { return normal_logcdf(x[0]); },
                                            {random_tensor({6}, rng, -30.0, 5.0)});
  testing::expect_second_derivative_matches(
      [](const Exprs& x) { return normal_logcdf(x[0]); },
      {Tensor::from_doubles({-1e3, -2.0, 0.0, 3.0, 40.0, 1e3}, {6})});
  testing::expect_second_derivative_matches([](const Exprs& x) { return i1e(x[0]); },
                                            {random_tensor({4}, rng, -5.0, 5.0)});
  // Second derivative in x of gammainc (first in a would need the parameter rows' gradients).
  testing::expect_second_derivative_matches(
      [](const Exprs& x) {
        return gammainc(constant(Tensor::from_doubles({1.5, 4.0}, {2})), x[0]);
      },
      {random_tensor({2}, rng, 0.5, 5.0)});
}

// --- Bad input. -----------------------------------------------------------------------------

std::string message_of(const std::function<void()>& build) {
  try {
    build();
  } catch (const ShapeError& error) {
    return error.what();
  }
  ADD_FAILURE() << "no ShapeError";
  return "";
}

TEST(SpecialErrors, PolygammaOrderMustBeInteger) {
  Expr order = input("n", {DType::float64, {3}});
  Expr x = input("x", {DType::float64, {3}});
  EXPECT_THROW(polygamma(order, x), ShapeError);
  const std::string message = message_of([&] { polygamma(order, x); });
  EXPECT_NE(message.find("polygamma"), std::string::npos) << message;
  EXPECT_NE(message.find("(3,)"), std::string::npos) << message;
}

TEST(SpecialErrors, ShapesMustBroadcast) {
  Expr a = input("a", {DType::float64, {3}});
  Expr b = input("b", {DType::float64, {2}});
  Expr x = input("x", {DType::float64, {3}});
  EXPECT_THROW(betainc(a, b, x), ShapeError);
  const std::string message = message_of([&] { betainc(a, b, x); });
  EXPECT_NE(message.find("betainc"), std::string::npos) << message;
  EXPECT_NE(message.find("(3,)"), std::string::npos) << message;
  EXPECT_NE(message.find("(2,)"), std::string::npos) << message;
  EXPECT_THROW(gammainc(a, b), ShapeError);
}

TEST(SpecialErrors, ParameterGradientRowsHaveNoGradient) {
  Expr a = input("a", {DType::float64, {}});
  Expr first = grad(gammainc(a, 2.0), a);
  EXPECT_THROW(grad(first, a), Error);
}

}  // namespace
}  // namespace hypatia
