// Gradients of the elementwise ops: finite differences at random points inside each function's
// domain (with broadcasting), second derivatives, and hand-checked values at the edges (ties,
// kinks, extreme arguments).

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "hypatia/hypatia.hpp"
#include "ops/elementwise.hpp"
#include "ops/elementwise_builders.hpp"

namespace hypatia {
namespace {

using testing::elementwise_builder;
using testing::random_tensor;

// Where to draw each argument of a differentiable function: away from poles, branch cuts and
// the edges of its domain, so central differences are accurate.
struct Interval {
  double low;
  double high;
};
struct GradientCase {
  std::string name;
  std::vector<Interval> domain;  // one per input
};

const std::vector<GradientCase>& gradient_cases() {
  static const std::vector<GradientCase> cases = {
      {"add", {{-2, 2}, {-2, 2}}},
      {"sub", {{-2, 2}, {-2, 2}}},
      {"mul", {{-2, 2}, {-2, 2}}},
      {"div", {{-2, 2}, {0.5, 2}}},
      {"pow", {{0.5, 2}, {-2, 2}}},
      {"neg", {{-2, 2}}},
      {"abs", {{-2, 2}}},
      {"minimum", {{-2, 2}, {-2, 2}}},
      {"maximum", {{-2, 2}, {-2, 2}}},
      {"clip", {{-2, 2}, {-1.5, -0.2}, {0.2, 1.5}}},
      {"exp", {{-2, 2}}},
      {"expm1", {{-2, 2}}},
      {"log", {{0.1, 3}}},
      {"log1p", {{-0.9, 3}}},
      {"sqrt", {{0.1, 3}}},
      {"square", {{-2, 2}}},
      {"reciprocal", {{0.3, 2}}},
      {"sin", {{-3, 3}}},
      {"cos", {{-3, 3}}},
      {"tan", {{-1.2, 1.2}}},
      {"tanh", {{-3, 3}}},
      {"sinh", {{-2, 2}}},
      {"cosh", {{-2, 2}}},
      {"arcsin", {{-0.9, 0.9}}},
      {"arccos", {{-0.9, 0.9}}},
      {"arctan", {{-3, 3}}},
      {"arctan2", {{-2, 2}, {0.2, 2}}},
      {"sigmoid", {{-6, 6}}},
      {"softplus", {{-6, 6}}},
      {"log1mexp", {{-3, -0.05}}},
      {"logit", {{0.05, 0.95}}},
  };
  return cases;
}

// Random points for a case: the first input shaped (3, 1), the others (4,), so every binary and
// ternary case also checks that broadcast gradients are summed back.
std::vector<Tensor> random_points(const GradientCase& c, std::mt19937_64& rng) {
  std::vector<Tensor> points;
  for (std::size_t i = 0; i < c.domain.size(); ++i) {
    const Shape shape = c.domain.size() == 1 ? Shape{3, 4} : (i == 0 ? Shape{3, 1} : Shape{4});
    points.push_back(random_tensor(shape, rng, c.domain[i].low, c.domain[i].high));
  }
  return points;
}

// Every row of this family's table either has a gradient case or is piecewise constant (or
// produces no floating output); a new row without a gradient test fails here.
TEST(ElementwiseGrad, EveryDifferentiableRowHasACase) {
  for (auto family : {ops::arithmetic_functions, ops::math_functions}) {
    for (const ops::ScalarFunction& fn : family()) {
      if (fn.zero_grad || fn.name == "where") continue;
      EXPECT_TRUE(fn.grad) << fn.name << " has neither a gradient nor zero_grad";
      bool found = false;
      for (const GradientCase& c : gradient_cases()) found = found || c.name == fn.name;
      EXPECT_TRUE(found) << fn.name << " has no gradient case";
    }
  }
}

TEST(ElementwiseGrad, MatchesFiniteDifferences) {
  std::mt19937_64 rng(20261124);
  for (const GradientCase& c : gradient_cases()) {
    SCOPED_TRACE(c.name);
    testing::expect_gradient_matches(elementwise_builder(c.name), random_points(c, rng));
  }
}

TEST(ElementwiseGrad, WhereRoutesTheGradientByTheCondition) {
  std::mt19937_64 rng(5);
  Tensor condition = Tensor::from_bools({true, false, false, true}, {4});
  testing::expect_gradient_matches(
      [](const Exprs& x) { return where(x[0], x[1] * x[1], exp(x[2])); },
      {condition, random_tensor({3, 1}, rng), random_tensor({4}, rng)});
}

TEST(ElementwiseGrad, SecondDerivativesMatchFiniteDifferences) {
  std::mt19937_64 rng(99);
  for (const char* name : {"div", "pow", "arctan2", "tanh", "arcsin", "sigmoid", "softplus",
                           "log1mexp", "logit", "clip", "minimum"}) {
    SCOPED_TRACE(name);
    for (const GradientCase& c : gradient_cases()) {
      if (c.name != name) continue;
      testing::expect_second_derivative_matches(elementwise_builder(name), random_points(c, rng),
                                                {.step = 1e-5, .rtol = 1e-4, .atol = 1e-6});
    }
  }
}

// ---- hand-checked gradients at edges -----------------------------------------------------------

// d sum(f(x)) / dx at the given points.
std::vector<double> gradient_at(const std::function<Expr(const Expr&)>& f,
                                const std::vector<double>& points) {
  const Shape shape{static_cast<std::int64_t>(points.size())};
  Expr x = input("x_edge", {DType::float64, shape});
  Expr g = grad(sum(f(x)), x);
  return evaluate(g.node(), {{"x_edge", Tensor::from_doubles(points, shape)}}).to_doubles();
}

TEST(ElementwiseGrad, AbsAtZeroIsZero) {
  EXPECT_EQ(gradient_at([](const Expr& x) { return abs(x); }, {-2.0, 0.0, -0.0, 3.0}),
            std::vector<double>({-1.0, 0.0, 0.0, 1.0}));
}

TEST(ElementwiseGrad, SqrtAtZeroIsInfinite) {
  EXPECT_EQ(gradient_at([](const Expr& x) { return sqrt(x); }, {0.0, 4.0}),
            std::vector<double>({std::numeric_limits<double>::infinity(), 0.25}));
}

// At a tie minimum and maximum split the gradient evenly between the operands.
TEST(ElementwiseGrad, MinimumAndMaximumSplitTiesEvenly) {
  Expr a = input("a_tie", {DType::float64, {3}});
  Expr b = input("b_tie", {DType::float64, {3}});
  const std::unordered_map<std::string, Tensor> values = {
      {"a_tie", Tensor::from_doubles({1.0, 2.0, 3.0}, {3})},
      {"b_tie", Tensor::from_doubles({2.0, 2.0, 1.0}, {3})}};
  for (bool is_min : {true, false}) {
    Expr out = is_min ? minimum(a, b) : maximum(a, b);
    Exprs g = grad(sum(out), {a, b});
    std::vector<double> da = evaluate(g[0].node(), values).to_doubles();
    std::vector<double> db = evaluate(g[1].node(), values).to_doubles();
    EXPECT_EQ(da, is_min ? std::vector<double>({1, 0.5, 0}) : std::vector<double>({0, 0.5, 1}));
    EXPECT_EQ(db, is_min ? std::vector<double>({0, 0.5, 1}) : std::vector<double>({1, 0.5, 0}));
  }
}

// clip passes the gradient to x on the closed interval [low, high], to a bound where x is
// beyond it.
TEST(ElementwiseGrad, ClipGivesBoundariesToX) {
  Expr x = input("x_clip", {DType::float64, {5}});
  Expr low = input("low_clip", {DType::float64, {}});
  Expr high = input("high_clip", {DType::float64, {}});
  Exprs g = grad(sum(clip(x, low, high)), {x, low, high});
  const std::unordered_map<std::string, Tensor> values = {
      {"x_clip", Tensor::from_doubles({-2.0, -1.0, 0.0, 1.0, 2.0}, {5})},
      {"low_clip", Tensor::scalar(-1.0)},
      {"high_clip", Tensor::scalar(1.0)}};
  EXPECT_EQ(evaluate(g[0].node(), values).to_doubles(), std::vector<double>({0, 1, 1, 1, 0}));
  EXPECT_EQ(evaluate(g[1].node(), values).at(0), 1.0);
  EXPECT_EQ(evaluate(g[2].node(), values).at(0), 1.0);
}

TEST(ElementwiseGrad, LogisticFamilyIsFiniteAndAccurateInTheTails) {
  // sigmoid'(x) = e^-|x| / (1 + e^-|x|)^2; at +-40 that is e^-40 to double precision.
  const std::vector<double> sig =
      gradient_at([](const Expr& x) { return sigmoid(x); }, {-800.0, -40.0, 0.0, 40.0, 800.0});
  EXPECT_EQ(sig[0], 0.0);
  EXPECT_NEAR(sig[1], std::exp(-40.0), 1e-15 * std::exp(-40.0));
  EXPECT_EQ(sig[2], 0.25);
  EXPECT_NEAR(sig[3], std::exp(-40.0), 1e-15 * std::exp(-40.0));
  EXPECT_EQ(sig[4], 0.0);
  // softplus' = sigmoid.
  EXPECT_EQ(gradient_at([](const Expr& x) { return softplus(x); }, {-800.0, 0.0, 800.0}),
            std::vector<double>({0.0, 0.5, 1.0}));
  // tanh'(x) = 1 / cosh(x)^2 ~ 4 e^-2|x|, not 0, at |x| = 20.
  const double tanh_slope = gradient_at([](const Expr& x) { return tanh(x); }, {20.0})[0];
  EXPECT_NEAR(tanh_slope, 4.0 * std::exp(-40.0), 1e-14 * 4.0 * std::exp(-40.0));
  // log1mexp'(x) = -1 / expm1(-x): about -1/1e-10 just below 0, -exp(x) far below.
  const std::vector<double> l1m =
      gradient_at([](const Expr& x) { return log1mexp(x); }, {-1e-10, -50.0});
  EXPECT_NEAR(l1m[0], -1e10, 1e-5 * 1e10);
  EXPECT_NEAR(l1m[1], -std::exp(-50.0), 1e-14 * std::exp(-50.0));
}

TEST(ElementwiseGrad, PowOfZero) {
  // d/dx x^0 = 0 even at x = 0; d/dy 0^y = 0 for y > 0.
  EXPECT_EQ(gradient_at([](const Expr& x) { return pow(x, 0.0); }, {0.0, 2.0}),
            std::vector<double>({0.0, 0.0}));
  EXPECT_EQ(gradient_at([](const Expr& y) { return pow(0.0, y); }, {2.0})[0], 0.0);
  EXPECT_EQ(gradient_at([](const Expr& x) { return pow(x, 3.0); }, {0.0, 2.0}),
            std::vector<double>({0.0, 12.0}));
}

// An int exponent (a weak int64 scalar) gets no gradient, the base does, in the base's dtype.
TEST(ElementwiseGrad, PowWithIntegerExponent) {
  EXPECT_EQ(gradient_at([](const Expr& x) { return pow(x, 2); }, {-1.5, 3.0}),
            std::vector<double>({-3.0, 6.0}));
  EXPECT_EQ(gradient_at([](const Expr& x) { return pow(x, 0); }, {0.0, 2.0}),
            std::vector<double>({0.0, 0.0}));
  Expr x = input("x_pow_f32", {DType::float32, {2}});
  Expr slope = grad(sum(cast(pow(x, 3), DType::float64)), x);
  EXPECT_EQ(slope.dtype(), DType::float32);
  // The gradient graph computes in float32 all along: no cast back from float64.
  EXPECT_NE(slope->op_name(), "cast");
  EXPECT_EQ(evaluate(slope.node(),
                     {{"x_pow_f32", Tensor::from_doubles({2.0, -1.0}, {2}, DType::float32)}})
                .to_doubles(),
            std::vector<double>({12.0, 3.0}));
  testing::expect_second_derivative_matches([](const Exprs& in) { return pow(in[0], 3); },
                                            {Tensor::from_doubles({0.7, -1.3, 2.0}, {3})});
}

// A floating cast passes the gradient (back in the input's dtype); a cast to int64 passes none.
TEST(ElementwiseGrad, CastPassesGradientBetweenFloatingTypesOnly) {
  Expr x = input("x_cast", {DType::float64, {2}});
  Expr through_float32 = cast(cast(x, DType::float32) * 3.0, DType::float64);
  Expr through_int = cast(cast(x, DType::int64), DType::float64);
  Expr g = grad(sum(through_float32 + through_int), x);
  EXPECT_EQ(g.dtype(), DType::float64);
  EXPECT_EQ(evaluate(g.node(), {{"x_cast", Tensor::from_doubles({1.5, -2.0}, {2})}}).to_doubles(),
            std::vector<double>({3.0, 3.0}));
}

TEST(ElementwiseGrad, PiecewiseConstantFunctionsHaveZeroGradient) {
  for (const char* name : {"sign", "floor", "ceil", "round"}) {
    const auto f = [name](const Expr& x) { return elementwise_builder(name)({x}) * x; };
    // d/dx f(x) * x = f(x) when f' = 0.
    EXPECT_EQ(gradient_at(f, {-1.5, 0.3, 2.5}),
              testing::evaluate_builder(elementwise_builder(name),
                                        {Tensor::from_doubles({-1.5, 0.3, 2.5}, {3})})
                  .to_doubles())
        << name;
  }
}

}  // namespace
}  // namespace hypatia
