// Gradients of the elementwise ops: finite differences at random points inside each function's
// domain (with broadcasting), second derivatives, and hand-checked values at the edges (ties,
// kinks, extreme arguments).

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "hypatia/hypatia.hpp"
#include "ops/elementwise.hpp"
#include "ops/elementwise_builders.hpp"
#include "support/backends.hpp"

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

// Checks the cases [begin, end) in one graph (one native compile): the sum of each case's function
// of its own inputs, so the gradient in each input is its own function's.
void expect_gradients_match(std::vector<GradientCase>::const_iterator begin,
                            std::vector<GradientCase>::const_iterator end, std::mt19937_64& rng) {
  std::vector<Tensor> points;
  std::string trace = "inputs in order:";
  for (auto c = begin; c != end; ++c) {
    for (Tensor& point : random_points(*c, rng)) points.push_back(std::move(point));
    trace += " " + c->name + "(" + std::to_string(c->domain.size()) + ")";
  }
  SCOPED_TRACE(trace);
  testing::expect_gradient_matches(
      [begin, end](const Exprs& x) {
        Expr total;
        std::size_t next = 0;
        for (auto c = begin; c != end; ++c) {
          const Exprs args(x.begin() + next, x.begin() + next + c->domain.size());
          next += c->domain.size();
          Expr value = elementwise_builder(c->name)(args);
          total = total ? total + value : value;
        }
        return total;
      },
      points);
}

TEST(ElementwiseGrad, MatchesFiniteDifferences) {
  std::mt19937_64 rng(20261124);
  constexpr std::size_t kCasesPerGraph = 8;
  const std::vector<GradientCase>& cases = gradient_cases();
  for (std::size_t first = 0; first < cases.size(); first += kCasesPerGraph) {
    const std::size_t last = std::min(cases.size(), first + kCasesPerGraph);
    expect_gradients_match(cases.begin() + first, cases.begin() + last, rng);
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

using UnaryGraph = std::function<Expr(const Expr&)>;

// d sum(f(x)) / dx at the given points, for several (f, points) at once in one graph.
std::vector<std::vector<double>> gradients_at(
    const std::vector<std::pair<UnaryGraph, std::vector<double>>>& cases) {
  std::vector<NodePtr> inputs, outputs;
  std::vector<Tensor> values;
  for (const auto& [f, points] : cases) {
    const Shape shape{static_cast<std::int64_t>(points.size())};
    Expr x = input("x_edge" + std::to_string(inputs.size()), {DType::float64, shape});
    inputs.push_back(x.node());
    outputs.push_back(grad(sum(f(x)), x).node());
    values.push_back(Tensor::from_doubles(points, shape));
  }
  std::vector<std::vector<double>> gradients;
  for (const Tensor& g : testing::evaluate_on_backends(inputs, outputs, values)) {
    gradients.push_back(g.to_doubles());
  }
  return gradients;
}

std::vector<double> gradient_at(const UnaryGraph& f, const std::vector<double>& points) {
  return gradients_at({{f, points}}).front();
}

// abs'(0) = 0; sqrt'(0) = inf.
TEST(ElementwiseGrad, AbsAtZeroIsZeroAndSqrtAtZeroIsInfinite) {
  const std::vector<std::vector<double>> g =
      gradients_at({{[](const Expr& x) { return abs(x); }, {-2.0, 0.0, -0.0, 3.0}},
                    {[](const Expr& x) { return sqrt(x); }, {0.0, 4.0}}});
  EXPECT_EQ(g[0], std::vector<double>({-1.0, 0.0, 0.0, 1.0}));
  EXPECT_EQ(g[1], std::vector<double>({std::numeric_limits<double>::infinity(), 0.25}));
}

// At a tie minimum and maximum split the gradient evenly between the operands.
TEST(ElementwiseGrad, MinimumAndMaximumSplitTiesEvenly) {
  Expr a = input("a_tie", {DType::float64, {3}});
  Expr b = input("b_tie", {DType::float64, {3}});
  const std::unordered_map<std::string, Tensor> values = {
      {"a_tie", Tensor::from_doubles({1.0, 2.0, 3.0}, {3})},
      {"b_tie", Tensor::from_doubles({2.0, 2.0, 1.0}, {3})}};
  Exprs min_grads = grad(sum(minimum(a, b)), {a, b});
  Exprs max_grads = grad(sum(maximum(a, b)), {a, b});
  const std::vector<Tensor> grads = testing::evaluate_on_backends(
      {min_grads[0].node(), min_grads[1].node(), max_grads[0].node(), max_grads[1].node()}, values);
  for (bool is_min : {true, false}) {
    std::vector<double> da = grads[is_min ? 0 : 2].to_doubles();
    std::vector<double> db = grads[is_min ? 1 : 3].to_doubles();
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
  const std::vector<Tensor> grads =
      testing::evaluate_on_backends({g[0].node(), g[1].node(), g[2].node()}, values);
  EXPECT_EQ(grads[0].to_doubles(), std::vector<double>({0, 1, 1, 1, 0}));
  EXPECT_EQ(grads[1].at(0), 1.0);
  EXPECT_EQ(grads[2].at(0), 1.0);
}

TEST(ElementwiseGrad, LogisticFamilyIsFiniteAndAccurateInTheTails) {
  // sigmoid'(x) = e^-|x| / (1 + e^-|x|)^2; at +-40 that is e^-40 to double precision.
  const std::vector<std::vector<double>> g = gradients_at({
      {[](const Expr& x) { return sigmoid(x); }, {-800.0, -40.0, 0.0, 40.0, 800.0}},
      {[](const Expr& x) { return softplus(x); }, {-800.0, 0.0, 800.0}},
      {[](const Expr& x) { return tanh(x); }, {20.0}},
      {[](const Expr& x) { return log1mexp(x); }, {-1e-10, -50.0}},
  });
  const std::vector<double>& sig = g[0];
  EXPECT_EQ(sig[0], 0.0);
  EXPECT_NEAR(sig[1], std::exp(-40.0), 1e-15 * std::exp(-40.0));
  EXPECT_EQ(sig[2], 0.25);
  EXPECT_NEAR(sig[3], std::exp(-40.0), 1e-15 * std::exp(-40.0));
  EXPECT_EQ(sig[4], 0.0);
  // softplus' = sigmoid.
  EXPECT_EQ(g[1], std::vector<double>({0.0, 0.5, 1.0}));
  // tanh'(x) = 1 / cosh(x)^2 ~ 4 e^-2|x|, not 0, at |x| = 20.
  const double tanh_slope = g[2][0];
  EXPECT_NEAR(tanh_slope, 4.0 * std::exp(-40.0), 1e-14 * 4.0 * std::exp(-40.0));
  // log1mexp'(x) = -1 / expm1(-x): about -1/1e-10 just below 0, -exp(x) far below.
  const std::vector<double>& l1m = g[3];
  EXPECT_NEAR(l1m[0], -1e10, 1e-5 * 1e10);
  EXPECT_NEAR(l1m[1], -std::exp(-50.0), 1e-14 * std::exp(-50.0));
}

TEST(ElementwiseGrad, PowOfZero) {
  // d/dx x^0 = 0 even at x = 0; d/dy 0^y = 0 for y > 0.
  const std::vector<std::vector<double>> g =
      gradients_at({{[](const Expr& x) { return pow(x, 0.0); }, {0.0, 2.0}},
                    {[](const Expr& y) { return pow(0.0, y); }, {2.0}},
                    {[](const Expr& x) { return pow(x, 3.0); }, {0.0, 2.0}}});
  EXPECT_EQ(g[0], std::vector<double>({0.0, 0.0}));
  EXPECT_EQ(g[1][0], 0.0);
  EXPECT_EQ(g[2], std::vector<double>({0.0, 12.0}));
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
  EXPECT_EQ(
      testing::evaluate_on_backends(g.node(), {{"x_cast", Tensor::from_doubles({1.5, -2.0}, {2})}})
          .to_doubles(),
      std::vector<double>({3.0, 3.0}));
}

// d/dx f(x) * x = f(x) when f' = 0.
TEST(ElementwiseGrad, PiecewiseConstantFunctionsHaveZeroGradient) {
  const std::vector<double> points = {-1.5, 0.3, 2.5};
  const std::vector<std::string> names = {"sign", "floor", "ceil", "round"};
  const std::map<std::string, std::vector<double>> values = {{"sign", {-1.0, 1.0, 1.0}},
                                                             {"floor", {-2.0, 0.0, 2.0}},
                                                             {"ceil", {-1.0, 1.0, 3.0}},
                                                             {"round", {-2.0, 0.0, 2.0}}};
  std::vector<std::pair<UnaryGraph, std::vector<double>>> cases;
  for (const std::string& name : names) {
    cases.push_back({[name](const Expr& x) { return elementwise_builder(name)({x}) * x; }, points});
  }
  const std::vector<std::vector<double>> g = gradients_at(cases);
  for (std::size_t f = 0; f < names.size(); ++f) EXPECT_EQ(g[f], values.at(names[f])) << names[f];
}

}  // namespace
}  // namespace hypatia
