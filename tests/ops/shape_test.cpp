// Shape ops: values against numpy fixtures and hand-checked values, dtypes, unknown dimensions,
// gradients against finite differences, and error messages.

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "hypatia/hypatia.hpp"
#include "support/backends.hpp"
#include "support/gradient_check.hpp"

namespace hypatia {
namespace {

using testing::expect_gradient_matches;
using testing::random_tensor;

// ---- Helpers --------------------------------------------------------------------------------

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream stream(text);
  while (std::getline(stream, part, separator)) parts.push_back(part);
  if (text.empty() || text.back() == separator) parts.push_back("");
  return parts;
}

std::vector<std::int64_t> parse_ints(const std::string& text) {
  std::vector<std::int64_t> values;
  if (text.empty()) return values;
  for (const std::string& part : split(text, ',')) values.push_back(std::stoll(part));
  return values;
}

// The message of the ShapeError that `build` throws ("" when it throws none).
template <typename Fn>
std::string shape_error_message(Fn build) {
  try {
    build();
  } catch (const ShapeError& e) {
    return e.what();
  }
  return "";
}

template <typename Fn>
std::string runtime_error_message(Fn run) {
  try {
    run();
  } catch (const RuntimeError& e) {
    return e.what();
  }
  return "";
}

void expect_mentions(const std::string& message, const std::vector<std::string>& parts) {
  EXPECT_FALSE(message.empty()) << "no error was raised";
  for (const std::string& part : parts) {
    EXPECT_NE(message.find(part), std::string::npos) << "'" << part << "' not in: " << message;
  }
}

Tensor arange(const Shape& shape, double start = 0.0, DType dtype = DType::float64) {
  Tensor t(dtype, shape);
  for (std::int64_t i = 0; i < t.size(); ++i) t.set(i, start + static_cast<double>(i));
  return t;
}

void expect_values(const Tensor& actual, const Shape& shape, const std::vector<double>& values) {
  EXPECT_EQ(actual.shape(), shape);
  EXPECT_EQ(actual.to_doubles(), values);
}

// Central differences for graphs whose inputs are declared with unknown dimensions (the shared
// helper declares its placeholders with the points' concrete shapes). The cost is sum(f(x)^2).
void expect_gradient_matches_declared(const std::function<Expr(const Exprs&)>& f,
                                      const std::vector<TensorType>& declared,
                                      const std::vector<Tensor>& points) {
  std::vector<NodePtr> placeholders;
  Exprs xs;
  for (std::size_t i = 0; i < declared.size(); ++i) {
    placeholders.push_back(input("u" + std::to_string(i), declared[i]));
    xs.push_back(placeholders.back());
  }
  Expr y = f(xs);
  Expr cost = sum(y * y);
  Exprs gradients = grad(cost, xs);
  std::vector<NodePtr> gradient_nodes;
  for (const Expr& g : gradients) gradient_nodes.push_back(g.node());
  const std::vector<Tensor> symbolic =
      testing::evaluate_on_backends(placeholders, gradient_nodes, points);
  Interpreter cost_fn(placeholders, {cost.node()});
  for (std::size_t i = 0; i < points.size(); ++i) {
    ASSERT_EQ(symbolic[i].shape(), points[i].shape());
    for (std::int64_t j = 0; j < points[i].size(); ++j) {
      std::vector<Tensor> plus = points, minus = points;
      plus[i] = points[i].copy();
      minus[i] = points[i].copy();
      const double h = 1e-6;
      plus[i].set(j, points[i].at(j) + h);
      minus[i].set(j, points[i].at(j) - h);
      const double numeric =
          (cost_fn.run(plus).front().at(0) - cost_fn.run(minus).front().at(0)) / (2 * h);
      EXPECT_NEAR(symbolic[i].at(j), numeric, 1e-6 * (1 + std::abs(numeric)))
          << "input " << i << " element " << j;
    }
  }
}

// ---- Values against numpy -------------------------------------------------------------------

Expr apply_fixture_op(const std::string& op, const Exprs& xs,
                      const std::vector<std::int64_t>& params) {
  if (op == "reshape") return reshape(xs[0], params);
  if (op == "transpose") return transpose(xs[0], params);
  if (op == "squeeze") return squeeze(xs[0], params);
  if (op == "expand_dims") return expand_dims(xs[0], params);
  if (op == "broadcast_to") return broadcast_to(xs[0], params);
  if (op == "concatenate") return concatenate(xs, params.at(0));
  if (op == "stack") return stack(xs, params.at(0));
  if (op == "flatten") return flatten(xs[0]);
  throw std::runtime_error("unknown fixture op " + op);
}

// All fixture rows are outputs of one graph (one native compile); each row's operands are
// placeholders of their own.
TEST(ShapeOps, MatchNumpyFixtures) {
  std::ifstream file(std::string(HYPATIA_FIXTURE_DIR) + "/shape.txt");
  ASSERT_TRUE(file.good()) << "missing fixture; run scripts/fixtures/shape.py";
  std::vector<NodePtr> placeholders;
  std::vector<Tensor> points;
  std::vector<NodePtr> outputs;
  std::vector<std::vector<std::string>> rows;
  for (std::string line; std::getline(file, line);) {
    const std::vector<std::string> fields = split(line, '|');
    ASSERT_EQ(fields.size(), 5u) << line;
    Exprs operands;
    for (const std::string& shape : split(fields[1], '/')) {
      points.push_back(arange(parse_ints(shape), 100.0 * static_cast<double>(operands.size())));
      placeholders.push_back(
          input("x" + std::to_string(placeholders.size()), points.back().type()));
      operands.push_back(placeholders.back());
    }
    outputs.push_back(apply_fixture_op(fields[0], operands, parse_ints(fields[2])).node());
    rows.push_back(fields);
  }
  EXPECT_GT(rows.size(), 30u);
  const std::vector<Tensor> results = testing::evaluate_on_backends(placeholders, outputs, points);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    SCOPED_TRACE(rows[r][0] + "|" + rows[r][1] + "|" + rows[r][2]);
    std::vector<double> expected;
    std::istringstream values(rows[r][4]);
    for (double v; values >> v;) expected.push_back(v);
    EXPECT_EQ(results[r].dtype(), DType::float64);
    expect_values(results[r], parse_ints(rows[r][3]), expected);
  }
}

// ---- Dtypes and exact data movement ---------------------------------------------------------

TEST(ShapeOps, LargeIntegersMoveExactly) {
  // Values above 2^53 would be rounded by a trip through double.
  const std::int64_t big = (std::int64_t{1} << 60) + 1;
  Expr x = constant(Tensor::from_ints({big, big + 1, big + 2, big + 3, big + 4, big + 5}, {2, 3}));
  const std::vector<std::pair<Expr, std::vector<std::int64_t>>> cases = {
      {transpose(x), {big, big + 3, big + 1, big + 4, big + 2, big + 5}},
      {concatenate({x, x}, 1),
       {big, big + 1, big + 2, big, big + 1, big + 2, big + 3, big + 4, big + 5, big + 3, big + 4,
        big + 5}},
      {broadcast_to(reshape(x, {2, 1, 3}), {2, 2, 3}),
       {big, big + 1, big + 2, big, big + 1, big + 2, big + 3, big + 4, big + 5, big + 3, big + 4,
        big + 5}},
  };
  std::vector<NodePtr> outputs;
  for (const auto& [expr, expected] : cases) outputs.push_back(expr.node());
  // Compared exactly (the backends' agreement check goes through doubles).
  for (Backend backend : {Backend::interp, Backend::native}) {
    CompileOptions options;
    options.backend = backend;
    options.optimize = false;
    const std::vector<Tensor> values = Function({}, outputs, options)({});
    for (std::size_t k = 0; k < cases.size(); ++k) {
      const Tensor& value = values[k];
      ASSERT_EQ(value.dtype(), DType::int64);
      EXPECT_EQ(std::vector<std::int64_t>(value.data<std::int64_t>(),
                                          value.data<std::int64_t>() + value.size()),
                cases[k].second)
          << backend_name(backend) << ", case " << k;
    }
  }
}

TEST(ShapeOps, BooleanTranspose) {
  Expr x = constant(Tensor::from_bools({true, false, false, true, true, false}, {3, 2}));
  Tensor value = testing::evaluate_on_backends(transpose(x).node());
  EXPECT_EQ(value.dtype(), DType::boolean);
  expect_values(value, {2, 3}, {1, 0, 1, 0, 1, 0});
}

TEST(ShapeOps, ConcatenatePromotesDtypes) {
  Expr f32 = constant(Tensor::from_doubles({0.5, 1.5}, {2}, DType::float32));
  Expr i64 = constant(Tensor::from_ints({3, 4}, {2}));
  Expr b = constant(Tensor::from_bools({true}, {1}));
  Expr mixed = concatenate({f32, i64, b});
  EXPECT_EQ(mixed.dtype(), DType::float64);  // numpy: float32 with int64 gives float64
  Tensor value = testing::evaluate_on_backends(mixed.node());
  EXPECT_EQ(value.dtype(), DType::float64);
  expect_values(value, {5}, {0.5, 1.5, 3, 4, 1});

  Expr ints = concatenate({i64, b});
  EXPECT_EQ(ints.dtype(), DType::int64);
  expect_values(testing::evaluate_on_backends(ints.node()), {3}, {3, 4, 1});
  Expr singles = stack({f32, f32});
  EXPECT_EQ(testing::evaluate_on_backends(singles.node()).dtype(), DType::float32);
}

TEST(ShapeOps, ShapeOf) {
  Expr known = input("k", {DType::float64, {2, 3}});
  Expr folded = shape_of(known);
  EXPECT_TRUE(is_constant(*folded.node()));
  expect_values(testing::evaluate_on_backends(folded.node()), {2}, {2, 3});

  Expr partly = input("p", {DType::float32, {kUnknownDim, 3, kUnknownDim}});
  Expr s = shape_of(partly);
  EXPECT_EQ(s.type(), (TensorType{DType::int64, {3}}));
  Tensor value =
      testing::evaluate_on_backends(s.node(), {{"p", Tensor(DType::float32, {4, 3, 0})}});
  EXPECT_EQ(value.dtype(), DType::int64);
  expect_values(value, {3}, {4, 3, 0});

  Expr scalar = shape_of(input("s", {DType::float64, {}}));
  expect_values(testing::evaluate_on_backends(scalar.node()), {0}, {});
}

TEST(ShapeOps, ShapeOfCarriesNoGradient) {
  Expr x = input("x", {DType::float64, {kUnknownDim}});
  Expr cost = sum(x * x) + sum(cast(shape_of(x), DType::float64));
  Tensor g = testing::evaluate_on_backends(grad(cost, x).node(),
                                           {{"x", Tensor::from_doubles({1, -2}, {2})}});
  expect_values(g, {2}, {2, -4});
}

// ---- Builders normalize, so equal ops share one node ----------------------------------------

TEST(ShapeOps, EquivalentCallsShareNodes) {
  Expr x = input("x", {DType::float64, {2, 3, 4}});
  EXPECT_EQ(reshape(x, {-1, 4}), reshape(x, {6, 4}));
  EXPECT_EQ(transpose(x, {-1, 0, 1}), transpose(x, {2, 0, 1}));
  EXPECT_EQ(transpose(x), transpose(x, {2, 1, 0}));
  EXPECT_EQ(expand_dims(x, {-1, 0}), expand_dims(x, {0, 4}));
  EXPECT_EQ(concatenate({x, x}, -1), concatenate({x, x}, 2));
  EXPECT_EQ(squeeze(expand_dims(x, {1}), {-3}), squeeze(expand_dims(x, {1})));
  // Identities return their input.
  EXPECT_EQ(reshape(x, {2, -1, 4}), x);
  EXPECT_EQ(transpose(x, {0, 1, 2}), x);
  EXPECT_EQ(broadcast_to(x, {2, 3, 4}), x);
  EXPECT_EQ(squeeze(x), x);
  EXPECT_EQ(concatenate({x}), x);
}

// ---- Unknown dimensions ---------------------------------------------------------------------

TEST(ShapeOps, ReshapeWithUnknownDims) {
  Expr x = input("x", {DType::float64, {kUnknownDim, 4}});
  EXPECT_EQ(reshape(x, {2, -1}).shape(), Shape({2, kUnknownDim}));
  EXPECT_EQ(flatten(x).shape(), Shape({kUnknownDim}));
  EXPECT_EQ(reshape(x, {8}).shape(), Shape({8}));
  Tensor value = testing::evaluate_on_backends(reshape(x, {2, -1}).node(), {{"x", arange({3, 4})}});
  expect_values(value, {2, 6}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  // (?, 4) holds a multiple of 4 elements, so (6,) never fits.
  expect_mentions(shape_error_message([&] { reshape(x, {6}); }), {"reshape", "(?, 4)", "(6,)"});
  // (8,) fits only when the unknown dimension is 2.
  expect_mentions(runtime_error_message([&] {
                    evaluate(reshape(x, {8}).node(), {{"x", arange({3, 4})}});
                  }),
                  {"reshape", "(3, 4)", "(8,)"});
  expect_mentions(runtime_error_message([&] {
                    evaluate(reshape(x, {5, -1}).node(), {{"x", arange({3, 4})}});
                  }),
                  {"reshape", "(3, 4)", "(5, -1)"});
}

TEST(ShapeOps, ConcatenateWithUnknownDims) {
  Expr a = input("a", {DType::float64, {kUnknownDim, 2}});
  Expr b = input("b", {DType::float64, {3, kUnknownDim}});
  Expr rows = concatenate({a, b}, 0);
  EXPECT_EQ(rows.shape(), Shape({kUnknownDim, 2}));
  Expr columns = concatenate({b, b}, 1);
  EXPECT_EQ(columns.shape(), Shape({3, kUnknownDim}));
  Tensor value = testing::evaluate_on_backends(rows.node(),
                                               {{"a", arange({1, 2})}, {"b", arange({3, 2}, 10)}});
  expect_values(value, {4, 2}, {0, 1, 10, 11, 12, 13, 14, 15});
  expect_mentions(runtime_error_message([&] {
                    evaluate(rows.node(), {{"a", arange({1, 2})}, {"b", arange({3, 3})}});
                  }),
                  {"concatenate", "(1, 2)", "(3, 3)"});
}

TEST(ShapeOps, SqueezeAndBroadcastCheckUnknownDimsWhenRun) {
  Expr x = input("x", {DType::float64, {kUnknownDim, 3}});
  EXPECT_EQ(squeeze(x).shape(), Shape({kUnknownDim, 3}));  // only static size-1 axes by default
  Expr squeezed = squeeze(x, {0});
  EXPECT_EQ(squeezed.shape(), Shape({3}));
  expect_values(testing::evaluate_on_backends(squeezed.node(), {{"x", arange({1, 3})}}), {3},
                {0, 1, 2});
  expect_mentions(runtime_error_message([&] {
                    evaluate(squeezed.node(), {{"x", arange({2, 3})}});
                  }),
                  {"squeeze", "(2, 3)"});

  Expr wide = broadcast_to(x, {2, 4, 3});
  expect_values(testing::evaluate_on_backends(wide.node(), {{"x", arange({1, 3})}}), {2, 4, 3},
                {0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2});
  expect_mentions(runtime_error_message([&] {
                    evaluate(wide.node(), {{"x", arange({2, 3})}});
                  }),
                  {"broadcast_to", "(2, 3)", "(2, 4, 3)"});
}

// ---- Gradients ------------------------------------------------------------------------------

TEST(ShapeGrad, Reshape) {
  std::mt19937_64 rng(1);
  expect_gradient_matches(
      [](const Exprs& x) {
        return reshape(x[0], {3, -1});
      },
      {random_tensor({2, 3, 2}, rng)});
  expect_gradient_matches([](const Exprs& x) { return exp(reshape(x[0], {})); },
                          {random_tensor({1, 1}, rng)});
  expect_gradient_matches([](const Exprs& x) { return flatten(x[0] * x[0]); },
                          {random_tensor({3, 2}, rng)});
}

TEST(ShapeGrad, ReshapeRestoresUnknownInputShape) {
  Expr weights = constant(arange({6}, 1.0));
  expect_gradient_matches_declared([&](const Exprs& x) { return reshape(x[0], {-1}) * weights; },
                                   {{DType::float64, {kUnknownDim, 3}}}, {arange({2, 3}, -2.5)});
  expect_gradient_matches_declared(
      [&](const Exprs& x) {
        return flatten(reshape(x[0], {3, -1})) * weights;
      },
      {{DType::float64, {kUnknownDim}}}, {arange({6}, -2.5)});
}

TEST(ShapeGrad, Transpose) {
  std::mt19937_64 rng(2);
  expect_gradient_matches([](const Exprs& x) { return transpose(x[0]); },
                          {random_tensor({2, 3, 4}, rng)});
  expect_gradient_matches(
      [](const Exprs& x) {
        return transpose(x[0], {-1, 0, -2}) * x[1];
      },
      {random_tensor({2, 3, 4}, rng), random_tensor({4, 2, 3}, rng)});
  Expr weights = constant(arange({3, 2}, 1.0));
  expect_gradient_matches_declared(
      [&](const Exprs& x) {
        return transpose(x[0], {1, 0}) * weights;
      },
      {{DType::float64, {kUnknownDim, 3}}}, {arange({2, 3}, -2.5)});
}

TEST(ShapeGrad, SqueezeAndExpandDims) {
  std::mt19937_64 rng(3);
  expect_gradient_matches([](const Exprs& x) { return squeeze(x[0]) * x[1]; },
                          {random_tensor({1, 3, 1}, rng), random_tensor({3}, rng)});
  expect_gradient_matches([](const Exprs& x) { return squeeze(x[0], {-1}); },
                          {random_tensor({2, 1}, rng)});
  expect_gradient_matches(
      [](const Exprs& x) {
        return expand_dims(x[0], {-1, 0}) * x[1];
      },
      {random_tensor({2, 3}, rng), random_tensor({1, 2, 3, 1}, rng)});
  Expr weights = constant(arange({4}, 1.0));
  expect_gradient_matches_declared(
      [&](const Exprs& x) { return squeeze(expand_dims(x[0], {-2}), {-2}) * weights; },
      {{DType::float64, {kUnknownDim}}}, {arange({4}, -1.5)});
}

TEST(ShapeGrad, BroadcastTo) {
  std::mt19937_64 rng(4);
  expect_gradient_matches(
      [](const Exprs& x) {
        return broadcast_to(x[0], {2, 3, 4}) * x[1];
      },
      {random_tensor({3, 1}, rng), random_tensor({2, 3, 4}, rng)});
  expect_gradient_matches([](const Exprs& x) { return broadcast_to(x[0], {3}); },
                          {random_tensor({}, rng)});
  Expr weights = constant(arange({2, 3}, 1.0));
  expect_gradient_matches_declared(
      [&](const Exprs& x) {
        return broadcast_to(x[0], {2, 3}) * weights;
      },
      {{DType::float64, {kUnknownDim}}}, {arange({3}, -1.5)});
}

TEST(ShapeGrad, ConcatenateAndStack) {
  std::mt19937_64 rng(5);
  expect_gradient_matches(
      [](const Exprs& x) {
        return concatenate({x[0], x[1], x[0] * x[0]}, -1);
      },
      {random_tensor({2, 3}, rng), random_tensor({2, 1}, rng)});
  // A float32 piece gets a float32 gradient of the float64 concatenation.
  expect_gradient_matches(
      [](const Exprs& x) {
        return concatenate({x[0], x[1]}, 0);
      },
      {random_tensor({2}, rng), random_tensor({3}, rng, -1, 1, DType::float32)},
      {.step = 1e-3, .rtol = 1e-3, .atol = 1e-4});
  expect_gradient_matches(
      [](const Exprs& x) {
        return stack({x[0], x[1], x[0]}, -1);
      },
      {random_tensor({2, 3}, rng), random_tensor({2, 3}, rng)});
  expect_gradient_matches(
      [](const Exprs& x) {
        return stack({x[0], x[1]});
      },
      {random_tensor({}, rng), random_tensor({}, rng)});
  Expr weights = constant(arange({5, 2}, 1.0));
  expect_gradient_matches_declared(
      [&](const Exprs& x) {
        return concatenate({x[0], x[1], x[0]}, 0) * weights;
      },
      {{DType::float64, {kUnknownDim, 2}}, {DType::float64, {kUnknownDim, kUnknownDim}}},
      {arange({2, 2}, -1.5), arange({1, 2}, 0.5)});
}

TEST(ShapeGrad, SecondDerivatives) {
  std::mt19937_64 rng(6);
  testing::expect_second_derivative_matches(
      [](const Exprs& x) {
        Expr joined = concatenate({x[0] * x[0], x[1]}, 0);
        return exp(reshape(transpose(joined), {-1})) * flatten(broadcast_to(x[1], {3, 2}));
      },
      {random_tensor({2, 2}, rng), random_tensor({1, 2}, rng)});
}

// ---- Error messages -------------------------------------------------------------------------

TEST(ShapeErrors, Reshape) {
  Expr x = input("x", {DType::float64, {2, 3}});
  expect_mentions(shape_error_message([&] { reshape(x, {4}); }), {"reshape", "(2, 3)", "(4,)"});
  expect_mentions(shape_error_message([&] {
                    reshape(x, {4, -1});
                  }),
                  {"reshape", "(2, 3)", "(4, -1)"});
  expect_mentions(shape_error_message([&] {
                    reshape(x, {-1, -1});
                  }),
                  {"reshape", "(-1, -1)", "one -1"});
  expect_mentions(shape_error_message([&] { reshape(x, {-2, -3}); }), {"reshape", "(-2, -3)"});
  Expr empty = input("e", {DType::float64, {0, 3}});
  expect_mentions(shape_error_message([&] {
                    reshape(empty, {0, -1});
                  }),
                  {"reshape", "(0, 3)", "(0, -1)"});
}

TEST(ShapeErrors, Transpose) {
  Expr x = input("x", {DType::float64, {2, 3, 4}});
  expect_mentions(shape_error_message([&] {
                    transpose(x, {0, 0, 1});
                  }),
                  {"transpose", "[0, 0, 1]", "not a permutation", "(2, 3, 4)"});
  expect_mentions(shape_error_message([&] {
                    transpose(x, {1, 0});
                  }),
                  {"transpose", "not a permutation", "(2, 3, 4)"});
  expect_mentions(shape_error_message([&] {
                    transpose(x, {0, 1, 3});
                  }),
                  {"transpose", "axis 3", "out of range", "(2, 3, 4)"});
  expect_mentions(shape_error_message([&] {
                    transpose(x, {0, 1, -4});
                  }),
                  {"transpose", "axis -4", "(2, 3, 4)"});
}

TEST(ShapeErrors, AxesOutOfRange) {
  Expr x = input("x", {DType::float64, {2, 1}});
  expect_mentions(shape_error_message([&] { squeeze(x, {2}); }),
                  {"squeeze", "axis 2", "out of range", "(2, 1)"});
  expect_mentions(shape_error_message([&] { squeeze(x, {0}); }),
                  {"squeeze", "axis 0 of size 2", "(2, 1)"});
  expect_mentions(shape_error_message([&] { expand_dims(x, {3}); }),
                  {"expand_dims", "axis 3", "(2, 1)"});
  expect_mentions(shape_error_message([&] { expand_dims(x, {-4}); }),
                  {"expand_dims", "axis -4", "(2, 1)"});
  expect_mentions(shape_error_message([&] {
                    expand_dims(x, {0, -4});
                  }),
                  {"expand_dims", "repeat", "(2, 1)"});
  expect_mentions(shape_error_message([&] {
                    concatenate({x, x}, 2);
                  }),
                  {"concatenate", "axis 2", "(2, 1)"});
  expect_mentions(shape_error_message([&] { stack({x, x}, -4); }), {"stack", "axis -4", "(2, 1)"});
}

TEST(ShapeErrors, ConcatenateAndStackShapes) {
  Expr a = input("a", {DType::float64, {2, 3}});
  Expr b = input("b", {DType::float64, {2, 4}});
  expect_mentions(shape_error_message([&] {
                    concatenate({a, b}, 0);
                  }),
                  {"concatenate", "(2, 3)", "(2, 4)", "dimension 1"});
  expect_mentions(shape_error_message([&] {
                    concatenate({a, input("v", {DType::float64, {3}})});
                  }),
                  {"concatenate", "rank", "(2, 3)", "(3,)"});
  expect_mentions(shape_error_message([&] {
                    concatenate({constant(1.0), constant(2.0)});
                  }),
                  {"concatenate", "zero-dimensional"});
  expect_mentions(shape_error_message([&] { concatenate({}); }), {"concatenate", "at least one"});
  expect_mentions(shape_error_message([&] { stack({a, b}); }), {"stack", "(2, 3)", "(2, 4)"});
}

TEST(ShapeErrors, BroadcastTo) {
  Expr x = input("x", {DType::float64, {2, 3}});
  expect_mentions(shape_error_message([&] {
                    broadcast_to(x, {4, 3});
                  }),
                  {"broadcast_to", "(2, 3)", "(4, 3)"});
  expect_mentions(shape_error_message([&] { broadcast_to(x, {3}); }),
                  {"broadcast_to", "(2, 3)", "(3,)"});
  expect_mentions(shape_error_message([&] {
                    broadcast_to(x, {-1, 3});
                  }),
                  {"broadcast_to", "(-1, 3)"});
  // Broadcasting never shrinks a dimension: (3,) does not broadcast to (1,).
  expect_mentions(shape_error_message([&] {
                    broadcast_to(input("v", {DType::float64, {3}}), {1});
                  }),
                  {"broadcast_to", "(3,)", "(1,)"});
}

}  // namespace
}  // namespace hypatia
