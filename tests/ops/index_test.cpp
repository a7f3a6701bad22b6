// Indexing ops: values against numpy (tests/fixtures/index.txt from scripts/fixtures/index.py),
// static shapes, gradients against finite differences, and error messages.

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <sstream>

#include "hypatia/hypatia.hpp"
#include "support/backends.hpp"
#include "support/errors.hpp"
#include "support/gradient_check.hpp"

namespace hypatia {
namespace {

constexpr std::nullopt_t none = std::nullopt;

// ---- Fixtures: operands are ramps (first, first + 1, ...), rebuilt here from their shapes.

Tensor ramp(const Shape& shape, double first = 0.0) {
  Tensor t(DType::float64, shape);
  for (std::int64_t i = 0; i < t.size(); ++i) t.set(i, first + static_cast<double>(i));
  return t;
}

Expr ints(const std::vector<std::int64_t>& values, const Shape& shape) {
  return constant(Tensor::from_ints(values, shape));
}

struct Expected {
  Shape shape;
  std::vector<double> values;
};

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::stringstream stream(text);
  for (std::string part; std::getline(stream, part, separator);) parts.push_back(part);
  return parts;
}

std::map<std::string, Expected> load_fixtures() {
  std::ifstream file(std::string(HYPATIA_FIXTURE_DIR) + "/index.txt");
  EXPECT_TRUE(file.good()) << "missing fixture file index.txt";
  std::map<std::string, Expected> fixtures;
  for (std::string line; std::getline(file, line);) {
    if (line.empty() || line[0] == '#') continue;
    const std::vector<std::string> fields = split(line, ';');
    Expected expected;
    std::istringstream dims(fields.at(1));
    for (std::int64_t d; dims >> d;) expected.shape.push_back(d);
    std::istringstream values(fields.size() > 2 ? fields[2] : "");
    for (double v; values >> v;) expected.values.push_back(v);
    fixtures[fields[0]] = expected;
  }
  return fixtures;
}

void expect_matches_fixture(const std::string& name, const Tensor& actual) {
  static const std::map<std::string, Expected> fixtures = load_fixtures();
  auto found = fixtures.find(name);
  ASSERT_NE(found, fixtures.end()) << "no fixture " << name;
  EXPECT_EQ(actual.shape(), found->second.shape) << name;
  EXPECT_EQ(actual.to_doubles(), found->second.values) << name;
}

struct Case {
  std::string name;
  std::vector<Shape> operand_shapes;  // operand k is ramp(shape, 100 * k)
  testing::GraphBuilder build;
};

std::vector<Tensor> operands(const Case& c) {
  std::vector<Tensor> values;
  for (std::size_t k = 0; k < c.operand_shapes.size(); ++k) {
    values.push_back(ramp(c.operand_shapes[k], 100.0 * static_cast<double>(k)));
  }
  return values;
}

// The same graph built on placeholders whose every dimension is unknown, so nothing is resolved
// at build time.
Tensor evaluate_with_unknown_dims(const Case& c) {
  std::vector<NodePtr> placeholders;
  Exprs inputs;
  for (std::size_t k = 0; k < c.operand_shapes.size(); ++k) {
    const Shape unknown(c.operand_shapes[k].size(), kUnknownDim);
    placeholders.push_back(input("x" + std::to_string(k), {DType::float64, unknown}));
    inputs.push_back(placeholders.back());
  }
  return Interpreter(placeholders, {c.build(inputs).node()}).run(operands(c)).front();
}

// The cases' graphs as the outputs of one graph (one native compile), each case with placeholders
// of its own, evaluated on every backend.
std::vector<Tensor> evaluate_cases_on_backends(const std::vector<Case>& cases) {
  std::vector<NodePtr> placeholders;
  std::vector<Tensor> values;
  std::vector<NodePtr> outputs;
  for (const Case& c : cases) {
    Exprs inputs;
    for (const Tensor& value : operands(c)) {
      placeholders.push_back(input("x" + std::to_string(placeholders.size()), value.type()));
      inputs.push_back(placeholders.back());
      values.push_back(value);
    }
    outputs.push_back(c.build(inputs).node());
  }
  return testing::evaluate_on_backends(placeholders, outputs, values);
}

void expect_cases_match_fixtures(const std::vector<Case>& cases) {
  const std::vector<Tensor> results = evaluate_cases_on_backends(cases);
  for (std::size_t k = 0; k < cases.size(); ++k) {
    expect_matches_fixture(cases[k].name, results[k]);
    expect_matches_fixture(cases[k].name, evaluate_with_unknown_dims(cases[k]));
  }
}

// ---- Values

TEST(Slice, MatchesNumpy) {
  auto sliced = [](SliceSpecs specs) {
    return [specs](const Exprs& x) { return slice(x[0], specs); };
  };
  expect_cases_match_fixtures({
      {"slice/step", {{7}}, sliced({Slice{1, none, 2}})},
      {"slice/big_step", {{7}}, sliced({Slice{.step = 10}})},
      {"slice/negative_step", {{7}}, sliced({Slice{.step = -1}})},
      {"slice/negative_step_bounds", {{7}}, sliced({Slice{5, 1, -2}})},
      {"slice/negative_step_to_front", {{7}}, sliced({Slice{2, none, -1}})},
      {"slice/negative_bounds", {{7}}, sliced({Slice{-5, -1}})},
      {"slice/clamped_stop", {{7}}, sliced({Slice{3, 100}})},
      {"slice/clamped_start", {{7}}, sliced({Slice{-100, 2}})},
      {"slice/clamped_negative_step", {{7}}, sliced({Slice{100, -100, -3}})},
      {"slice/empty_forward", {{7}}, sliced({Slice{5, 2}})},
      {"slice/empty_backward", {{7}}, sliced({Slice{2, 5, -1}})},
      {"slice/empty_past_end", {{7}}, sliced({Slice{10, none}})},
      {"slice/negative_index", {{4, 5}}, sliced({Index{-1}})},
      {"slice/range_then_index", {{4, 5}}, sliced({Slice{1, none}, Index{-2}})},
      {"slice/two_steps", {{4, 5}}, sliced({Slice{.step = -2}, Slice{1, none, 3}})},
      {"slice/index_reverse_range",
       {{3, 4, 5}},
       sliced({Index{-1}, Slice{.step = -1}, Slice{2, none}})},
      {"slice/middle_axis_index",
       {{3, 4, 5}},
       [](const Exprs& x) { return slice(x[0], 1, Index{2}); }},
      {"slice/empty_middle_axis", {{3, 4, 5}}, sliced({Slice{}, Slice{3, 3}, Slice{.step = 2}})},
  });
}

TEST(Gather, MatchesNumpy) {
  auto gathered = [](std::vector<std::int64_t> indices, Shape shape, std::int64_t axis) {
    return [=](const Exprs& x) { return gather(x[0], ints(indices, shape), axis); };
  };
  expect_cases_match_fixtures({
      {"gather/repeated", {{5}}, gathered({3, 0, 3, 3, -1}, {5}, 0)},
      {"gather/index_matrix", {{5}}, gathered({0, 4, 2, 2, -2, 1}, {3, 2}, 0)},
      {"gather/rows", {{4, 3}}, gathered({3, 1, 3}, {3}, 0)},
      {"gather/axis1", {{3, 4}}, gathered({3, -4, 1, 1}, {4}, 1)},
      {"gather/axis1_index_matrix", {{2, 4, 3}}, gathered({1, 0, 3, 3}, {2, 2}, 1)},
      {"gather/last_axis", {{2, 3}}, gathered({2, 2, 0}, {3}, -1)},
  });
}

TEST(ScatterAdd, MatchesNumpyAddAt) {
  auto scattered = [](std::vector<std::int64_t> indices, Shape shape, std::int64_t axis) {
    return [=](const Exprs& x) { return scatter_add(x[0], ints(indices, shape), x[1], axis); };
  };
  expect_cases_match_fixtures({
      {"scatter_add/repeated", {{5}, {5}}, scattered({1, 3, 1, 1, -1}, {5}, 0)},
      {"scatter_add/axis1", {{3, 4}, {3, 3}}, scattered({0, 2, 0}, {3}, 1)},
      {"scatter_add/axis1_index_matrix",
       {{2, 4, 3}, {2, 2, 2, 3}},
       scattered({1, 0, 1, 3}, {2, 2}, 1)},
      {"scatter_add/broadcast_updates", {{3, 4}, {4}}, scattered({2, 2}, {2}, 0)},
  });
}

TEST(SetIncSubtensor, MatchNumpy) {
  auto set = [](SliceSpecs specs) {
    return [specs](const Exprs& x) { return set_subtensor(x[0], specs, x[1]); };
  };
  auto inc = [](SliceSpecs specs) {
    return [specs](const Exprs& x) { return inc_subtensor(x[0], specs, x[1]); };
  };
  expect_cases_match_fixtures({
      {"set_subtensor/step", {{8}, {3}}, set({Slice{1, none, 3}})},
      {"set_subtensor/scalar", {{4, 5}, {}}, set({Slice{1, 3}, Slice{.step = -2}})},
      {"set_subtensor/column", {{4, 5}, {4}}, set({Slice{}, Index{-1}})},
      {"inc_subtensor/row_broadcast", {{4, 5}, {3}}, inc({Slice{.step = -1}, Slice{1, 4}})},
      {"inc_subtensor/index", {{3, 4, 5}, {5}}, inc({Index{1}, Index{-1}})},
      {"inc_subtensor/empty", {{5}, {}}, inc({Slice{3, 1}})},
  });
}

TEST(Slice, HandCheckedValues) {
  // x = [[0, 1, 2], [3, 4, 5]]; x[::-1, -1] = [5, 2]; x[1, ::-2] = [5, 3].
  Expr x = constant(ramp({2, 3}));
  const std::vector<Tensor> values = testing::evaluate_on_backends(
      {slice(x, {Slice{.step = -1}, Index{-1}}).node(),
       slice(x, {Index{1}, Slice{.step = -2}}).node(), slice(x, {Index{1}, Index{0}}).node()});
  EXPECT_EQ(values[0].to_doubles(), std::vector<double>({5, 2}));
  EXPECT_EQ(values[1].to_doubles(), std::vector<double>({5, 3}));
  EXPECT_EQ(values[2].shape(), Shape{});
  EXPECT_EQ(values[2].at(0), 3.0);
}

TEST(Slice, ExtremeBoundsAndSteps) {
  // numpy: x[big::-big] == [x[-1]] and x[-big:big:big] == [x[0]] for any big >= len(x).
  constexpr std::int64_t lowest = std::numeric_limits<std::int64_t>::min();
  constexpr std::int64_t highest = std::numeric_limits<std::int64_t>::max();
  Expr x = input("x", {DType::float64, {kUnknownDim}});
  const std::vector<Tensor> values =
      testing::evaluate_on_backends({x.node()},
                                    {slice(x, {Slice{highest, none, lowest}}).node(),
                                     slice(x, {Slice{lowest, highest, highest}}).node(),
                                     slice(x, {Slice{lowest, lowest}}).node()},
                                    {ramp({7})});
  EXPECT_EQ(values[0].to_doubles(), std::vector<double>({6}));
  EXPECT_EQ(values[1].to_doubles(), std::vector<double>({0}));
  EXPECT_EQ(values[2].size(), 0);
}

TEST(Slice, KeepsIntegerAndBooleanDtypes) {
  Expr n = constant(Tensor::from_ints({10, 20, 30}, {3}));
  Expr flags = constant(Tensor::from_bools({true, false, true}, {3}));
  Expr indices = ints({1, 0, 1}, {3});
  const std::vector<Tensor> values = testing::evaluate_on_backends({
      slice(n, {Slice{.step = -2}}).node(),
      gather(flags, ints({1, 0}, {2})).node(),
      scatter_add(n, indices, constant(Tensor::from_ints({5, 6, 7}, {3}))).node(),
      // Boolean sums stay true: numpy's np.add.at on bools is a logical or.
      scatter_add(flags, indices, constant(Tensor::from_bools({true, true, false}, {3}))).node(),
      inc_subtensor(flags, {Slice{.step = 2}}, constant(Tensor::from_bools({true}, {1}))).node(),
  });
  EXPECT_EQ(values[0].dtype(), DType::int64);
  EXPECT_EQ(values[0].to_doubles(), std::vector<double>({30, 10}));
  EXPECT_EQ(values[1].dtype(), DType::boolean);
  EXPECT_EQ(values[1].to_doubles(), std::vector<double>({0, 1}));
  EXPECT_EQ(values[2].dtype(), DType::int64);
  EXPECT_EQ(values[2].to_doubles(), std::vector<double>({16, 32, 30}));
  EXPECT_EQ(values[3].dtype(), DType::boolean);
  EXPECT_EQ(values[3].to_doubles(), std::vector<double>({1, 1, 1}));
  EXPECT_EQ(values[4].to_doubles(), std::vector<double>({1, 0, 1}));
}

TEST(Slice, StaticShapes) {
  Expr x = input("x", {DType::float64, {kUnknownDim, 4}});
  EXPECT_EQ(slice(x, {Slice{1, none, 2}, Index{-1}}).shape(), Shape({kUnknownDim}));
  EXPECT_EQ(slice(x, {Index{0}, Slice{.step = -3}}).shape(), Shape({2}));
  EXPECT_EQ(slice(x, {Slice{}, Slice{7, none}}).shape(), Shape({kUnknownDim, 0}));
  Expr idx = input("i", {DType::int64, {kUnknownDim, 2}});
  EXPECT_EQ(gather(x, idx, 1).shape(), Shape({kUnknownDim, kUnknownDim, 2}));
}

TEST(Slice, EquivalentSpecsGiveOneNode) {
  Expr x = input("x", {DType::float64, {5, 3}});
  EXPECT_EQ(slice(x, {Slice{0, 5}}), x);
  EXPECT_EQ(slice(x, {Slice{-100, 100, 1}, Slice{}}), x);
  EXPECT_EQ(slice(x, {Index{-1}}), slice(x, {Index{4}}));
  EXPECT_EQ(slice(x, {Slice{9, 0, -1}}), slice(x, {Slice{4, 0, -1}}));
  EXPECT_EQ(slice(x, {Slice{0, 5, 2}}), slice(x, {Slice{.step = 2}}));
  EXPECT_EQ(slice(x, {Slice{3, 1}}), slice(x, {Slice{4, 4}}));
  EXPECT_EQ(slice(x, -1, Index{1}), slice(x, {Slice{}, Index{1}}));
}

// ---- Gradients

std::vector<Tensor> random_points(const std::vector<Shape>& shapes, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Tensor> points;
  for (const Shape& shape : shapes) points.push_back(testing::random_tensor(shape, rng));
  return points;
}

TEST(Slice, GradientMatchesFiniteDifferences) {
  testing::expect_gradient_matches(
      [](const Exprs& x) {
        return slice(x[0], {Slice{5, 1, -2}});
      },
      random_points({{7}}, 1));
  testing::expect_gradient_matches(
      [](const Exprs& x) {
        return slice(x[0], {Index{-1}, Slice{.step = -1}, Slice{2, none}});
      },
      random_points({{3, 4, 5}}, 2));
  // Overlapping slices of one input add up.
  testing::expect_gradient_matches(
      [](const Exprs& x) {
        return slice(x[0], {Slice{1, none}}) * slice(x[0], {Slice{none, -1}});
      },
      random_points({{6}}, 3));
}

TEST(Gather, GradientMatchesFiniteDifferences) {
  testing::expect_gradient_matches(
      [](const Exprs& x) {
        return gather(x[0], ints({3, 0, 3, 3, -1}, {5}));
      },
      random_points({{5}}, 4));
  testing::expect_gradient_matches(
      [](const Exprs& x) {
        return gather(x[0], ints({1, 0, 3, 3}, {2, 2}), 1);
      },
      random_points({{2, 4, 3}}, 5));
}

TEST(Gather, IndicesMayBeAnInput) {
  std::mt19937_64 rng(6);
  testing::expect_gradient_matches(
      [](const Exprs& x) { return exp(gather(x[0], x[1])); },
      {testing::random_tensor({4}, rng), Tensor::from_ints({2, 2, -1, 0, 2}, {5})});
}

TEST(ScatterAdd, GradientMatchesFiniteDifferences) {
  testing::expect_gradient_matches(
      [](const Exprs& x) {
        return scatter_add(x[0], ints({1, 3, 1, 1, -1}, {5}), x[1]);
      },
      random_points({{5}, {5}}, 7));
  testing::expect_gradient_matches(
      [](const Exprs& x) {
        return scatter_add(x[0], ints({2, 2}, {2}), x[1] * x[1]);
      },
      random_points({{3, 4}, {4}}, 8));
}

TEST(SetIncSubtensor, GradientsMatchFiniteDifferences) {
  testing::expect_gradient_matches(
      [](const Exprs& x) {
        return set_subtensor(x[0], {Slice{1, 3}, Slice{.step = -2}}, x[1]);
      },
      random_points({{4, 5}, {3}}, 9));
  testing::expect_gradient_matches(
      [](const Exprs& x) {
        return set_subtensor(x[0], {Slice{}, Index{-1}}, exp(x[1]));
      },
      random_points({{4, 5}, {4}}, 10));
  testing::expect_gradient_matches(
      [](const Exprs& x) {
        return inc_subtensor(x[0], {Index{1}, Index{-1}}, x[1]);
      },
      random_points({{3, 4, 5}, {5}}, 11));
  testing::expect_gradient_matches(
      [](const Exprs& x) {
        return inc_subtensor(x[0] * x[0], {Slice{.step = -1}, Slice{1, 4}}, x[1]);
      },
      random_points({{4, 5}, {1}}, 12));
}

TEST(Index, SecondDerivativesMatchFiniteDifferences) {
  testing::expect_second_derivative_matches(
      [](const Exprs& x) {
        Expr picked = gather(x[0], ints({2, 0, 2}, {3}));
        return exp(slice(picked, {Slice{.step = -1}})) * picked;
      },
      random_points({{4}}, 13));
  testing::expect_second_derivative_matches(
      [](const Exprs& x) {
        return set_subtensor(x[0] * x[0], {Slice{1, none, 2}}, exp(x[1]));
      },
      random_points({{5}, {2}}, 14));
}

// ---- Errors

std::string message_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an error";
  return "";
}

using testing::expect_mentions;

TEST(IndexErrors, GatherIndexOutOfRangeAtRunTime) {
  Expr x = input("x", {DType::float64, {5, 2}});
  Expr idx = input("i", {DType::int64, {3}});
  Interpreter run({x.node(), idx.node()}, {gather(x, idx).node()});
  const Tensor values = ramp({5, 2});
  EXPECT_THROW(run.run({values, Tensor::from_ints({0, 7, 1}, {3})}), RuntimeError);
  expect_mentions(message_of([&] {
                    run.run({values, Tensor::from_ints({0, 7, 1}, {3})});
                  }),
                  {"gather", "index 7", "axis 0", "size 5", "(5, 2)", "(3,)"});
  expect_mentions(message_of([&] {
                    run.run({values, Tensor::from_ints({-6, 0, 1}, {3})});
                  }),
                  {"gather", "index -6", "size 5"});
  Interpreter on_axis1({x.node(), idx.node()}, {gather(x, idx, 1).node()});
  expect_mentions(message_of([&] {
                    on_axis1.run({values, Tensor::from_ints({0, 1, 2}, {3})});
                  }),
                  {"gather", "index 2", "axis 1", "size 2"});
}

TEST(IndexErrors, ScatterAddIndexOutOfRangeAtRunTime) {
  Expr base = input("b", {DType::float64, {3}});
  Expr idx = input("i", {DType::int64, {2}});
  Interpreter run({base.node(), idx.node()}, {scatter_add(base, idx, 1.0).node()});
  expect_mentions(message_of([&] {
                    run.run({ramp({3}), Tensor::from_ints({3, 0}, {2})});
                  }),
                  {"scatter_add", "index 3", "axis 0", "size 3"});
}

TEST(IndexErrors, NonIntegerIndicesAreRejected) {
  Expr x = input("x", {DType::float64, {5}});
  Expr float_indices = constant(Tensor::from_doubles({0, 1}, {2}));
  EXPECT_THROW(gather(x, float_indices), ShapeError);
  expect_mentions(message_of([&] { gather(x, float_indices); }),
                  {"gather", "int64", "float64(5,)", "float64(2,)"});
  Expr bool_indices = constant(Tensor::from_bools({true, false}, {2}));
  expect_mentions(message_of([&] { scatter_add(x, bool_indices, x); }),
                  {"scatter_add", "int64", "bool(2,)"});
}

TEST(IndexErrors, BadSliceSpecs) {
  Expr x = input("x", {DType::float64, {5, 3}});
  EXPECT_THROW(slice(x, {Slice{none, none, 0}}), ShapeError);
  expect_mentions(message_of([&] {
                    slice(x, {Slice{}, Slice{1, 2, 0}});
                  }),
                  {"slice", "step is 0", "axis 1", "(5, 3)"});
  expect_mentions(message_of([&] {
                    slice(x, {Index{0}, Slice{}, Index{0}});
                  }),
                  {"slice", "3 slice specs", "rank 2", "(5, 3)"});
  expect_mentions(message_of([&] {
                    slice(x, {Slice{}, Index{-4}});
                  }),
                  {"slice", "index -4", "axis 1", "size 3", "(5, 3)"});
  expect_mentions(message_of([&] { slice(x, 2, Index{0}); }), {"slice", "axis 2", "(5, 3)"});
  expect_mentions(message_of([&] { set_subtensor(x, {Slice{.step = 0}}, 1.0); }),
                  {"set_subtensor", "step is 0", "(5, 3)"});
}

TEST(IndexErrors, SliceIndexOutOfRangeAtRunTime) {
  Expr x = input("x", {DType::float64, {kUnknownDim}});
  Interpreter run({x.node()}, {slice(x, {Index{-4}}).node()});
  EXPECT_EQ(run.run({ramp({4})}).front().at(0), 0.0);
  EXPECT_THROW(run.run({ramp({3})}), RuntimeError);
  expect_mentions(message_of([&] { run.run({ramp({3})}); }),
                  {"slice", "index -4", "axis 0", "size 3", "(3,)"});
}

TEST(IndexErrors, ValuesThatDoNotFit) {
  Expr x = input("x", {DType::float64, {4, 5}});
  expect_mentions(message_of([&] { set_subtensor(x, {Index{0}}, constant(ramp({3}))); }),
                  {"set_subtensor", "region", "(5,)", "(4, 5)", "(3,)"});
  expect_mentions(message_of([&] {
                    inc_subtensor(x, {Slice{1, 3}}, constant(ramp({4, 5})));
                  }),
                  {"inc_subtensor", "(2, 5)", "(4, 5)"});
  Expr n = input("n", {DType::int64, {3}});
  expect_mentions(message_of([&] { set_subtensor(n, {Index{0}}, x); }),
                  {"set_subtensor", "float64", "int64(3,)"});
  expect_mentions(message_of([&] {
                    scatter_add(x, ints({0, 1}, {2}), constant(ramp({3})));
                  }),
                  {"scatter_add", "(2, 5)", "(3,)"});
  expect_mentions(message_of([&] { gather(x, ints({0}, {1}), -3); }),
                  {"gather", "axis -3", "(4, 5)"});
  // A region whose size is known only at run time is checked there.
  Expr v = input("v", {DType::float64, {kUnknownDim}});
  Interpreter run({v.node()}, {set_subtensor(v, {Slice{.step = 2}}, constant(ramp({3}))).node()});
  EXPECT_EQ(run.run({ramp({6})}).front().to_doubles(), std::vector<double>({0, 1, 1, 3, 2, 5}));
  expect_mentions(message_of([&] { run.run({ramp({4})}); }), {"set_subtensor", "(2,)", "(3,)"});
}

TEST(SetIncSubtensor, ValueDtypeFollowsTarget) {
  Expr n = constant(Tensor::from_ints({1, 2, 3}, {3}));
  Tensor set = testing::evaluate_on_backends(
      set_subtensor(n, {Index{1}}, constant(Tensor::from_bools({true}, {}))).node());
  EXPECT_EQ(set.dtype(), DType::int64);
  EXPECT_EQ(set.to_doubles(), std::vector<double>({1, 1, 3}));
  Expr f = constant(Tensor::from_doubles({1, 2}, {2}, DType::float32));
  EXPECT_EQ(inc_subtensor(f, {Index{0}}, 0.5).dtype(), DType::float32);
}

// ---- Run-time errors of compiled code: an out-of-range index raises, it does not crash.

Function compile_native(const std::vector<NodePtr>& inputs, const std::vector<NodePtr>& outputs) {
  CompileOptions options;
  options.backend = Backend::native;
  options.optimize = false;
  return Function(inputs, outputs, options);
}

TEST(IndexErrors, NativeGatherIndexOutOfRange) {
  Expr x = input("x", {DType::float64, {5, 2}});
  Expr idx = input("i", {DType::int64, {3}});
  Function run = compile_native({x.node(), idx.node()}, {gather(x, idx).node()});
  const Tensor values = ramp({5, 2});
  EXPECT_THROW(run({values, Tensor::from_ints({0, 5, 1}, {3})}), RuntimeError);
  expect_mentions(message_of([&] {
                    run({values, Tensor::from_ints({0, 7, 1}, {3})});
                  }),
                  {"gather", "out of range", "axis 0", "size 5", "(5, 2)", "(3,)"});
  expect_mentions(message_of([&] {
                    run({values, Tensor::from_ints({-6, 0, 1}, {3})});
                  }),
                  {"gather", "size 5"});
  // The function still works after a failed call; -5 is the first row.
  EXPECT_EQ(run({values, Tensor::from_ints({-5, 4, -1}, {3})}).front().to_doubles(),
            std::vector<double>({0, 1, 8, 9, 8, 9}));
}

TEST(IndexErrors, NativeScatterAddIndexOutOfRange) {
  Expr base = input("b", {DType::float64, {3, 2}});
  Expr idx = input("i", {DType::int64, {2}});
  Function run = compile_native({base.node(), idx.node()}, {scatter_add(base, idx, 1.0, 1).node()});
  expect_mentions(message_of([&] {
                    run({ramp({3, 2}), Tensor::from_ints({2, 0}, {2})});
                  }),
                  {"scatter_add", "out of range", "axis 1", "size 2"});
  EXPECT_EQ(run({ramp({3, 2}), Tensor::from_ints({-1, 1}, {2})}).front().to_doubles(),
            std::vector<double>({0, 3, 2, 5, 4, 7}));
}

}  // namespace
}  // namespace hypatia
