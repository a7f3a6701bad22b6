#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <random>
#include <sstream>

#include "hypatia/function.hpp"
#include "hypatia/hypatia.hpp"
#include "hypatia_runtime.h"
#include "support/backends.hpp"
#include "support/errors.hpp"
#include "support/gradient_check.hpp"

namespace hypatia {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// ---- Values against numpy / scipy (scripts/fixtures/reduce.py) --------------------------------

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, separator)) parts.push_back(part);
  if (!text.empty() && text.back() == separator) parts.emplace_back();
  return parts;
}

std::vector<std::string> words(const std::string& text) {
  std::vector<std::string> result;
  std::istringstream in(text);
  for (std::string word; in >> word;) result.push_back(word);
  return result;
}

DType parse_dtype(const std::string& name) {
  if (name == "float64") return DType::float64;
  if (name == "float32") return DType::float32;
  if (name == "int64") return DType::int64;
  if (name == "bool") return DType::boolean;
  throw std::runtime_error("unknown dtype " + name);
}

Tensor parse_tensor(const std::string& dtype_name, const std::string& shape_text,
                    const std::string& values_text) {
  Shape shape;
  for (const std::string& d : words(shape_text)) shape.push_back(std::stoll(d));
  const DType dtype = parse_dtype(dtype_name);
  Tensor t(dtype, shape);
  const std::vector<std::string> values = words(values_text);
  if (static_cast<std::int64_t>(values.size()) != t.size()) {
    throw std::runtime_error("fixture values do not fill shape " + shape_to_string(shape));
  }
  for (std::int64_t i = 0; i < t.size(); ++i) {
    if (dtype == DType::int64) {
      t.mutable_data<std::int64_t>()[i] = std::stoll(values[i]);
    } else {
      t.set(i, std::strtod(values[i].c_str(), nullptr));
    }
  }
  return t;
}

struct FixtureCase {
  std::string description;
  std::string op;
  Tensor input;
  std::string input_text;  // dtype, shape and values as written: equal texts, equal inputs
  std::string axes;        // "all", or space-separated axes
  bool flag;               // keepdims, or reverse for the cumulative ops
  Tensor expected;
};

std::vector<FixtureCase> load_fixture() {
  std::ifstream file(std::string(HYPATIA_FIXTURE_DIR) + "/reduce.csv");
  EXPECT_TRUE(file.good()) << "missing fixture reduce.csv";
  std::vector<FixtureCase> cases;
  std::string line;
  std::getline(file, line);  // header
  for (int number = 2; std::getline(file, line); ++number) {
    const std::vector<std::string> f = split(line, ',');
    if (f.size() != 10) throw std::runtime_error("bad fixture line " + std::to_string(number));
    cases.push_back({"line " + std::to_string(number) + ": " + f[0] + " " + f[1] + " axes=" + f[5] +
                         " flag=" + f[6],
                     f[1], parse_tensor(f[2], f[3], f[4]), f[2] + "|" + f[3] + "|" + f[4], f[5],
                     f[6] == "1", parse_tensor(f[7], f[8], f[9])});
  }
  return cases;
}

Expr apply_op(const FixtureCase& c, const Expr& x) {
  Axes axes;
  if (c.axes != "all") {
    for (const std::string& a : words(c.axes)) axes.push_back(std::stoll(a));
  }
  if (c.op == "cumsum") return cumsum(x, axes.at(0), c.flag);
  if (c.op == "cumprod") return cumprod(x, axes.at(0), c.flag);
  using Builder = Expr (*)(const Expr&, const Axes&, bool);
  const std::map<std::string, Builder> reductions = {
      {"sum", sum}, {"prod", prod},     {"mean", mean},
      {"max", max}, {"min", min},       {"all", all},
      {"any", any}, {"argmax", argmax}, {"logsumexp", logsumexp}};
  return reductions.at(c.op)(x, axes, c.flag);
}

void expect_values_match(const Tensor& actual, const Tensor& expected, const std::string& where) {
  ASSERT_EQ(actual.dtype(), expected.dtype()) << where;
  ASSERT_EQ(actual.shape(), expected.shape()) << where;
  for (std::int64_t i = 0; i < expected.size(); ++i) {
    if (expected.dtype() == DType::int64) {
      EXPECT_EQ(actual.data<std::int64_t>()[i], expected.data<std::int64_t>()[i])
          << where << " element " << i;
      continue;
    }
    const double a = actual.at(i), e = expected.at(i);
    if (std::isnan(e) || std::isinf(e)) {
      EXPECT_TRUE(std::isnan(e) ? std::isnan(a) : a == e) << where << " element " << i << ": " << a;
      continue;
    }
    const bool single = expected.dtype() == DType::float32;
    const double tolerance = single ? 2e-6 * std::abs(e) + 1e-6 : 1e-12 * std::abs(e) + 1e-13;
    EXPECT_NEAR(a, e, tolerance) << where << " element " << i;
  }
}

// All cases of one op form one graph (one native compile): an input per distinct fixture tensor,
// an output per case, evaluated on both backends.
TEST(ReduceValues, MatchNumpyFixtures) {
  const std::vector<FixtureCase> cases = load_fixture();
  ASSERT_GT(cases.size(), 200u);
  std::map<std::string, std::vector<const FixtureCase*>> by_op;
  for (const FixtureCase& c : cases) by_op[c.op].push_back(&c);
  for (const auto& [op, op_cases] : by_op) {
    SCOPED_TRACE(op);
    std::map<std::string, NodePtr> placeholders;  // by the input's text
    std::vector<NodePtr> inputs, outputs;
    std::vector<Tensor> values;
    for (const FixtureCase* c : op_cases) {
      const std::string& key = c->input_text;
      if (!placeholders.count(key)) {
        placeholders[key] = input("x" + std::to_string(inputs.size()), c->input.type());
        inputs.push_back(placeholders[key]);
        values.push_back(c->input);
      }
      const Expr out = apply_op(*c, placeholders[key]);
      EXPECT_EQ(out.type(), c->expected.type()) << c->description;  // the static type rule
      outputs.push_back(out.node());
    }
    const std::vector<Tensor> results = testing::evaluate_on_backends(inputs, outputs, values);
    for (std::size_t k = 0; k < op_cases.size(); ++k) {
      expect_values_match(results[k], op_cases[k]->expected, op_cases[k]->description);
    }
  }
}

// ---- Hand-checked values ---------------------------------------------------------------------

Tensor eval(const Expr& out, const Tensor& x) {
  return testing::evaluate_on_backends(out.node(), {{"x", x}});
}

// The native backend's values alone, over one input "x" (the agreement check compares through
// doubles, which would not see int64 differences beyond 2^53).
std::vector<Tensor> eval_native(const std::vector<Expr>& outs, const Tensor& x) {
  const Expr placeholder = input("x", x.type());
  std::vector<NodePtr> nodes;
  for (const Expr& out : outs) nodes.push_back(out.node());
  Replacements replacements;
  for (const NodePtr& in : free_inputs(nodes)) replacements[in.get()] = placeholder.node();
  CompileOptions options;
  options.backend = Backend::native;
  options.optimize = false;
  Function f({placeholder.node()}, substitute(nodes, replacements), options);
  return f({x});
}

TEST(ReduceValues, LogsumexpOfEmptySliceIsMinusInfinity) {
  const Expr x = input("x", {DType::float64, {2, 0}});
  const Tensor out = eval(logsumexp(x, {1}), Tensor(DType::float64, {2, 0}));
  EXPECT_EQ(out.to_doubles(), std::vector<double>({-kInf, -kInf}));
  // Its gradient is an empty tensor, not an error.
  const Tensor g = eval(grad(sum(logsumexp(x, {1})), x), Tensor(DType::float64, {2, 0}));
  EXPECT_EQ(g.shape(), Shape({2, 0}));
}

// A logsumexp of an input with at least HR_SIMD_MIN_ELEMENTS elements takes its exp and log from
// hypatia_exp_log.h (as the elementwise rows do) on every backend; a mixture's 1000 x 2
// log-weights: each row is m + log(sum exp(x - m)) in those forms, and libm's value to rounding.
TEST(ReduceValues, LogsumexpOfLargeInputsUsesTheSimdFormsOnEveryBackend) {
  std::vector<double> values;
  std::mt19937_64 rng(5);
  std::normal_distribution<double> normal(0.0, 30.0);
  for (int i = 0; i < 2000; ++i) values.push_back(normal(rng));
  values[6] = -std::numeric_limits<double>::infinity();
  values[8] = values[9] = -std::numeric_limits<double>::infinity();
  const Tensor x = Tensor::from_doubles(values, {1000, 2});
  Expr input_x = input("x", x.type());
  const Tensor out = testing::evaluate_on_backends(
                         {input_x.node()}, {logsumexp(input_x, {1}).node()}, {x}, {.rtol = 0.0})
                         .front();
  for (std::int64_t row = 0; row < 1000; ++row) {
    const double a = values[static_cast<std::size_t>(2 * row)];
    const double b = values[static_cast<std::size_t>(2 * row + 1)];
    const double m = std::max(a, b);
    if (!std::isfinite(m)) {
      EXPECT_EQ(out.at(row), m) << "row " << row;
      continue;
    }
    const double simd = m + hr_simd_log(hr_simd_exp(a - m) + hr_simd_exp(b - m));
    EXPECT_EQ(out.at(row), simd) << "row " << row;
    const long double libm = m + std::log(std::exp(static_cast<long double>(a) - m) +
                                          std::exp(static_cast<long double>(b) - m));
    // m + log(total) cancels where the result is near 0: the error is relative to m and log total.
    EXPECT_NEAR(out.at(row), static_cast<double>(libm), 4.5e-16 * (std::abs(m) + 1.0))
        << "row " << row;
  }
}

TEST(ReduceValues, IntegerSumIsExactBeyondDoublePrecision) {
  // 2^62 + 1 + 1 would round to 2^62 through double.
  const std::int64_t big = std::int64_t{1} << 62;
  const Expr x = input("x", {DType::int64, {3}});
  const Tensor value = Tensor::from_ints({big, 1, 1}, {3});
  EXPECT_EQ(eval(sum(x), value).data<std::int64_t>()[0], big + 2);
  EXPECT_EQ(eval_native({sum(x)}, value)[0].data<std::int64_t>()[0], big + 2);
}

TEST(ReduceValues, NativeIntegerResultsAreExact) {
  // Values that double precision cannot tell apart, and products that wrap around like numpy.
  const std::int64_t big = std::int64_t{1} << 62;
  const std::int64_t top = std::numeric_limits<std::int64_t>::max();
  const Expr x = input("x", {DType::int64, {2, 3}});
  const Tensor value = Tensor::from_ints({big, big + 1, 3, top - 1, top, -top}, {2, 3});
  const std::vector<Tensor> out = eval_native({sum(x, {1}), prod(x, {0}), max(x, {1}), min(x, {0}),
                                               argmax(x, {1}), cumsum(x, 1), cumprod(x, 0, true)},
                                              value);
  const auto ints = [](const Tensor& t) {
    return std::vector<std::int64_t>(t.data<std::int64_t>(), t.data<std::int64_t>() + t.size());
  };
  const auto wrap = [](std::uint64_t v) { return static_cast<std::int64_t>(v); };
  const std::uint64_t ubig = static_cast<std::uint64_t>(big);
  const std::uint64_t utop = static_cast<std::uint64_t>(top);
  EXPECT_EQ(ints(out[0]), std::vector<std::int64_t>({wrap(2 * ubig + 4), top - 1}));
  EXPECT_EQ(ints(out[1]), std::vector<std::int64_t>(
                              {wrap(ubig * (utop - 1)), wrap((ubig + 1) * utop), wrap(3 * -utop)}));
  EXPECT_EQ(ints(out[2]), std::vector<std::int64_t>({big + 1, top}));
  EXPECT_EQ(ints(out[3]), std::vector<std::int64_t>({big, big + 1, -top}));
  EXPECT_EQ(ints(out[4]), std::vector<std::int64_t>({1, 1}));
  EXPECT_EQ(ints(out[5]), std::vector<std::int64_t>({big, wrap(2 * ubig + 1), wrap(2 * ubig + 4),
                                                     top - 1, wrap(2 * utop - 1), top - 1}));
  EXPECT_EQ(ints(out[6]),
            std::vector<std::int64_t>({wrap(ubig * (utop - 1)), wrap((ubig + 1) * utop),
                                       wrap(3 * -utop), top - 1, top, -top}));
}

TEST(ReduceValues, Float32AccumulatesInDoubleAndRoundsOnce) {
  // 1 + 2^-24 rounds back to 1 in float32: summed in float32 the small terms would vanish.
  const double tiny = std::ldexp(1.0, -24);
  const Expr x = input("x", {DType::float32, {5}});
  Tensor value(DType::float32, {5});
  for (std::int64_t i = 0; i < 5; ++i) value.set(i, i == 0 ? 1.0 : tiny);
  const std::vector<Expr> outs = {sum(x), mean(x), cumsum(x, 0), logsumexp(x), prod(x + 1.0)};
  std::vector<NodePtr> nodes;
  for (const Expr& out : outs) nodes.push_back(out.node());
  testing::evaluate_on_backends(nodes, {{"x", value}});
  const std::vector<Tensor> native = eval_native(outs, value);
  EXPECT_EQ(native[0].at(0), 1.0 + 4 * tiny);
  EXPECT_EQ(native[1].at(0), static_cast<double>(static_cast<float>((1.0 + 4 * tiny) / 5)));
  EXPECT_EQ(native[2].at(4), 1.0 + 4 * tiny);
}

TEST(ReduceValues, SumToKeepsIntegersExact) {
  const std::int64_t big = std::int64_t{1} << 62;
  const Expr x = input("x", {DType::int64, {2, 2}});
  const Expr like = constant(Tensor::from_ints({0, 0}, {2}));
  const Tensor out = eval(sum_to_like(x, like), Tensor::from_ints({big, 3, 1, 4}, {2, 2}));
  EXPECT_EQ(out.data<std::int64_t>()[0], big + 1);
  EXPECT_EQ(out.data<std::int64_t>()[1], 7);
}

TEST(ReduceValues, NegativeAxesBuildTheSameNode) {
  const Expr x = input("x", {DType::float64, {2, 3, 4}});
  EXPECT_EQ(sum(x, {-1, 0}), sum(x, {0, 2}));
  EXPECT_EQ(max(x, {}, true), max(x, {0, 1, 2}, true));
  EXPECT_EQ(cumsum(x, -2), cumsum(x, 1));
}

TEST(ReduceValues, UnknownDimensionsPropagate) {
  const Expr x = input("x", {DType::float64, {kUnknownDim, 3}});
  EXPECT_EQ(mean(x, {1}).shape(), Shape({kUnknownDim}));
  EXPECT_EQ(mean(x, {0}, true).shape(), Shape({1, 3}));
  const Tensor value = Tensor::from_doubles({1, 2, 3, 5, 6, 7}, {2, 3});
  EXPECT_EQ(eval(mean(x, {0}), value).to_doubles(), std::vector<double>({3, 4, 5}));
  // The gradient of a mean over an unknown dimension divides by the run-time count.
  const Tensor g = eval(grad(sum(mean(x, {0})), x), value);
  for (double v : g.to_doubles()) EXPECT_DOUBLE_EQ(v, 0.5);
}

TEST(ReduceValues, NativeOrderMatchesReferenceOverMixedAxes) {
  // A larger tensor, reduced over axes interleaved with kept ones: both backends combine each
  // slice in the same order, so they agree to the last bit.
  std::mt19937_64 rng(21);
  const Tensor value = testing::random_tensor({5, 7, 6, 3}, rng, -3.0, 3.0);
  Tensor flags(DType::boolean, value.shape());
  for (std::int64_t i = 0; i < flags.size(); ++i) flags.set(i, value.at(i) > -2.5 ? 1.0 : 0.0);
  const Expr x = input("x", value.type());
  const Expr b = input("b", flags.type());
  const std::vector<NodePtr> outs = {sum(x, {0, 2}).node(),
                                     prod(x, {1, 3}, true).node(),
                                     mean(x, {1}).node(),
                                     max(x, {0, 3}).node(),
                                     min(x, {2}).node(),
                                     logsumexp(x, {1, 2}).node(),
                                     argmax(x, {0, 2}).node(),
                                     any(x, {1}).node(),
                                     all(b, {0, 3}).node(),
                                     all(b, {1}, true).node(),
                                     cumsum(x, 2).node(),
                                     cumprod(x, 1, true).node(),
                                     sum_to_like(x, sum(x, {0, 2}, true)).node()};
  testing::evaluate_on_backends({x.node(), b.node()}, outs, {value, flags}, {.rtol = 0.0});
}

// ---- Gradients -------------------------------------------------------------------------------

using testing::expect_gradient_matches;
using testing::expect_second_derivative_matches;
using testing::random_tensor;

struct AxesCase {
  Axes axes;
  bool keepdims;
};
const std::vector<AxesCase> kAxesCases = {{{}, false},  {{}, true},      {{1}, false},
                                          {{-1}, true}, {{0, 2}, false}, {{-3, -2}, true}};

// All axes cases in one graph (one native compile): case k reduces its own input k, so each
// input's gradient checks one case; the last input is rank 0 (the reduction over no axes).
void expect_reduction_gradients(Expr (*reduce)(const Expr&, const Axes&, bool), double low,
                                double high) {
  std::mt19937_64 rng(7);
  std::vector<Tensor> points;
  for (std::size_t k = 0; k < kAxesCases.size(); ++k) {
    points.push_back(random_tensor({2, 3, 4}, rng, low, high));
  }
  points.push_back(random_tensor({}, rng, low, high));
  expect_gradient_matches(
      [&](const Exprs& x) {
        std::mt19937_64 weights_rng(17);
        Expr total = reduce(x.back(), {}, false);
        for (std::size_t k = 0; k < kAxesCases.size(); ++k) {
          const Expr out = reduce(x[k], kAxesCases[k].axes, kAxesCases[k].keepdims);
          total = total + sum(out * constant(random_tensor(out.shape(), weights_rng, 0.5, 1.5)));
        }
        return total;
      },
      points);
}

TEST(ReduceGradients, Sum) {
  expect_reduction_gradients(sum, -1.0, 1.0);
}
TEST(ReduceGradients, Prod) {
  expect_reduction_gradients(prod, 0.5, 1.5);
}
TEST(ReduceGradients, ProdOfNegativeValues) {
  expect_reduction_gradients(prod, -1.5, -0.5);
}
TEST(ReduceGradients, Mean) {
  expect_reduction_gradients(mean, -1.0, 1.0);
}
TEST(ReduceGradients, Max) {
  expect_reduction_gradients(max, -1.0, 1.0);
}
TEST(ReduceGradients, Min) {
  expect_reduction_gradients(min, -1.0, 1.0);
}
TEST(ReduceGradients, Logsumexp) {
  expect_reduction_gradients(logsumexp, -3.0, 3.0);
}

TEST(ReduceGradients, Float32Input) {
  std::mt19937_64 rng(8);
  const testing::GradCheckOptions loose{.step = 1e-3, .rtol = 1e-2, .atol = 1e-3};
  expect_gradient_matches(
      [](const Exprs& x) { return sum(logsumexp(x[0], {0})) + sum(prod(x[1], {1})); },
      {random_tensor({3, 2}, rng, -1, 1, DType::float32),
       random_tensor({3, 2}, rng, 0.5, 1.5, DType::float32)},
      loose);
}

Tensor with_zeros(Tensor t, const std::vector<std::int64_t>& positions) {
  for (std::int64_t p : positions) t.set(p, 0.0);
  return t;
}

TEST(ReduceGradients, ProdWithOneZeroInASlice) {
  std::mt19937_64 rng(9);
  // Slices along axis 1 of a (3, 4): row 0 has one zero, row 1 two, row 2 none.
  const Tensor point = with_zeros(random_tensor({3, 4}, rng, 0.5, 1.5), {1, 4, 6});
  expect_gradient_matches(
      [](const Exprs& x) {
        return sum(prod(x[0], {-1}) * constant(Tensor::from_doubles({0.7, 1.3, 0.9}, {3}))) +
               sum(prod(x[1], {0}, true) *
                   constant(Tensor::from_doubles({1.1, 0.6, 1.4, 0.8}, {1, 4}))) +
               prod(x[2]);
      },
      {point, point, with_zeros(random_tensor({3, 4}, rng, 0.5, 1.5), {5})});
}

TEST(ReduceGradients, ProdWithZerosIsExact) {
  const Expr x = input("x", {DType::float64, {3, 3}});
  const Tensor point = Tensor::from_doubles({2, 0, 3, 0, 0, 5, 2, 4, 0.5}, {3, 3});
  // One zero: only it gets the product of the others; two zeros: nothing; none: prod / x.
  EXPECT_EQ(eval(grad(sum(prod(x, {1})), x), point).to_doubles(),
            std::vector<double>({0, 6, 0, 0, 0, 0, 2, 1, 8}));
}

TEST(ReduceGradients, MaxAndMinSplitTiesEvenly) {
  const Expr x = input("x", {DType::float64, {2, 3}});
  const Tensor point = Tensor::from_doubles({1, 3, 3, 2, 2, 2}, {2, 3});
  const double third = 1.0 / 3.0;
  EXPECT_EQ(eval(grad(sum(max(x, {1})), x), point).to_doubles(),
            std::vector<double>({0, 0.5, 0.5, third, third, third}));
  EXPECT_EQ(eval(grad(sum(min(x, {1})), x), point).to_doubles(),
            std::vector<double>({1, 0, 0, third, third, third}));
  // Over both axes the three 2s of the second row are not the maximum.
  EXPECT_EQ(eval(grad(max(x), x), point).to_doubles(), std::vector<double>({0, .5, .5, 0, 0, 0}));
}

TEST(ReduceGradients, LogsumexpIsFiniteWithInfiniteEntries) {
  const Expr x = input("x", {DType::float64, {4, 3}});
  const Tensor point = Tensor::from_doubles(
      {-kInf, 0, std::log(3.0), -kInf, -kInf, -kInf, kInf, 1, kInf, -kInf, 2, -kInf}, {4, 3});
  const std::vector<double> g = eval(grad(sum(logsumexp(x, {1})), x), point).to_doubles();
  const std::vector<double> expected = {0,   0.25, 0.75, 1. / 3, 1. / 3, 1. / 3,
                                        0.5, 0,    0.5,  0,      1,      0};
  ASSERT_EQ(g.size(), expected.size());
  for (std::size_t i = 0; i < g.size(); ++i) EXPECT_NEAR(g[i], expected[i], 1e-15) << i;
}

TEST(ReduceGradients, LogsumexpSecondDerivative) {
  std::mt19937_64 rng(10);
  expect_second_derivative_matches([](const Exprs& x) { return logsumexp(x[0], {-1}, true); },
                                   {random_tensor({3, 4}, rng, -2, 2)});
  expect_second_derivative_matches(
      [](const Exprs& x) {
        return logsumexp(x[0], {0, 1});
      },
      {random_tensor({2, 3}, rng, -2, 2)});
}

TEST(ReduceGradients, ProdSecondDerivative) {
  std::mt19937_64 rng(11);
  expect_second_derivative_matches([](const Exprs& x) { return prod(x[0], {1}); },
                                   {random_tensor({2, 3}, rng, 0.5, 1.5)});
}

// The cumulative ops with every (axis, reverse) in one graph per op, case k on its own input k.
void expect_cumulative_gradients(Expr (*cumulative)(const Expr&, std::int64_t, bool),
                                 const std::vector<Tensor>& points,
                                 const std::vector<std::pair<std::int64_t, bool>>& cases) {
  expect_gradient_matches(
      [&](const Exprs& x) {
        std::mt19937_64 weights_rng(18);
        Expr total = constant(0.0);
        for (std::size_t k = 0; k < cases.size(); ++k) {
          const Expr out = cumulative(x[k], cases[k].first, cases[k].second);
          total = total + sum(out * constant(random_tensor(out.shape(), weights_rng, 0.5, 1.5)));
        }
        return total;
      },
      points);
}

TEST(ReduceGradients, CumsumAndCumprod) {
  std::mt19937_64 rng(12);
  std::vector<std::pair<std::int64_t, bool>> cases;
  std::vector<Tensor> sum_points, prod_points;
  for (std::int64_t axis : {0, 1, -1}) {
    for (bool reverse : {false, true}) {
      cases.emplace_back(axis, reverse);
      sum_points.push_back(random_tensor({3, 4, 2}, rng));
      prod_points.push_back(random_tensor({3, 4, 2}, rng, 0.5, 1.5));
    }
  }
  expect_cumulative_gradients(cumsum, sum_points, cases);
  expect_cumulative_gradients(cumprod, prod_points, cases);
}

TEST(ReduceGradients, CumprodWithZeros) {
  std::mt19937_64 rng(13);
  // Rows of a (4, 5): one zero in the middle, two zeros, a zero at each end, none.
  const Tensor point = with_zeros(random_tensor({4, 5}, rng, 0.5, 1.5), {2, 6, 8, 10, 14});
  expect_cumulative_gradients(cumprod, {point, point, point, point},
                              {{1, false}, {1, true}, {0, false}, {0, true}});
}

TEST(ReduceGradients, CumprodWithZerosIsExact) {
  const Expr x = input("x", {DType::float64, {4}});
  // y = (2, 0, 0, 0); d sum(y) / dx = (1 + 0, 2 + 2*5 + 2*5*7, 0, 0).
  EXPECT_EQ(eval(grad(sum(cumprod(x, 0)), x), Tensor::from_doubles({2, 0, 5, 7}, {4})).to_doubles(),
            std::vector<double>({1, 82, 0, 0}));
}

TEST(ReduceGradients, CumprodSecondDerivative) {
  std::mt19937_64 rng(14);
  expect_second_derivative_matches([](const Exprs& x) { return cumprod(x[0], 0); },
                                   {random_tensor({4}, rng, 0.5, 1.5)});
}

// With a static input shape the gradients of sum and mean broadcast to that shape as an
// attribute: the gradient graph holds no reference to the forward input. An unknown dim still
// needs the input's run-time shape.
TEST(ReduceGradients, StaticShapesKeepTheForwardInputOutOfTheGradient) {
  const Expr x = input("x", {DType::float64, {2, 3}});
  const auto mentions = [](const Expr& graph, const Expr& node) {
    for (const NodePtr& n : topological_order({graph.node()})) {
      if (n == node.node()) return true;
    }
    return false;
  };
  for (const Expr& cost : {sum(sum(x, {1})), sum(mean(x, {0}, true)), sum(x)}) {
    const Expr g = grad(cost, x);
    EXPECT_FALSE(mentions(g, x)) << cost->op_name();
    EXPECT_EQ(g.shape(), Shape({2, 3}));
  }
  EXPECT_EQ(eval(grad(sum(mean(x, {0})), x), Tensor::from_doubles({1, 2, 3, 4, 5, 6}, {2, 3}))
                .to_doubles(),
            std::vector<double>(6, 0.5));
  const Expr unknown = input("x_unknown", {DType::float64, {kUnknownDim, 3}});
  EXPECT_TRUE(mentions(grad(sum(unknown), unknown), unknown));
}

TEST(ReduceGradients, ArgmaxAllAnyPassNoGradient) {
  const Expr x = input("x", {DType::float64, {3}});
  const Expr cost = sum(x * cast(argmax(x), DType::float64)) + sum(cast(any(x), DType::float64));
  const Tensor g = eval(grad(cost, x), Tensor::from_doubles({1, 5, 2}, {3}));
  EXPECT_EQ(g.to_doubles(), std::vector<double>({1, 1, 1}));
}

// ---- Bad input -------------------------------------------------------------------------------

template <typename Build>
std::string shape_error_of(Build build) {
  try {
    build();
  } catch (const ShapeError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no ShapeError thrown";
  return "";
}

using testing::expect_mentions;

TEST(ReduceErrors, AxisOutOfRangeNamesOpAxisRankAndShape) {
  const Expr x = input("x", {DType::float64, {2, 3}});
  using Builder = Expr (*)(const Expr&, const Axes&, bool);
  const std::vector<std::pair<std::string, Builder>> builders = {
      {"sum", sum}, {"prod", prod},     {"mean", mean},
      {"max", max}, {"min", min},       {"all", all},
      {"any", any}, {"argmax", argmax}, {"logsumexp", logsumexp}};
  for (const auto& [name, build] : builders) {
    expect_mentions(shape_error_of([&] { build(x, {2}, false); }),
                    {name + ": ", "axis 2", "rank 2", "(2, 3)"});
    expect_mentions(shape_error_of([&] { build(x, {0, -3}, false); }), {name + ": ", "axis -3"});
  }
  expect_mentions(shape_error_of([&] { cumsum(x, 5); }),
                  {"cumsum: ", "axis 5", "rank 2", "(2, 3)"});
  expect_mentions(shape_error_of([&] {
                    cumprod(input("s", {DType::float64, {}}), 0);
                  }),
                  {"cumprod: ", "axis 0", "rank 0"});
}

TEST(ReduceErrors, RepeatedAxis) {
  const Expr x = input("x", {DType::float64, {2, 3}});
  expect_mentions(shape_error_of([&] { sum(x, {1, -1}); }), {"sum: ", "axis -1", "repeated"});
  expect_mentions(shape_error_of([&] { max(x, {0, 0}, true); }), {"max: ", "repeated", "(2, 3)"});
}

TEST(ReduceErrors, EmptySliceWithoutIdentity) {
  const Expr known = input("x", {DType::float64, {2, 0}});
  expect_mentions(shape_error_of([&] { max(known, {1}); }), {"max: ", "axis 1", "(2, 0)"});
  expect_mentions(shape_error_of([&] { argmax(known); }), {"argmax: ", "(2, 0)"});
  const Expr unknown = input("u", {DType::float64, {2, kUnknownDim}});
  try {
    evaluate(min(unknown, {1}).node(), {{"u", Tensor(DType::float64, {2, 0})}});
    ADD_FAILURE() << "no RuntimeError thrown";
  } catch (const RuntimeError& e) {
    expect_mentions(e.what(), {"min: ", "empty", "(2, 0)"});
  }
  // Compiled natively the shapes are known, so the empty slice is caught before any code runs.
  try {
    eval_native({min(unknown, {1})}, Tensor(DType::float64, {2, 0}));
    ADD_FAILURE() << "no ShapeError thrown";
  } catch (const ShapeError& e) {
    expect_mentions(e.what(), {"min: ", "axis 1", "(2, 0)"});
  }
}

}  // namespace
}  // namespace hypatia
