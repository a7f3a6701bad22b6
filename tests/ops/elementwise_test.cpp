// Values of the elementwise ops against numpy/decimal fixtures (scripts/fixtures/elementwise.py),
// dtype rules, and errors on bad input.

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <random>
#include <set>
#include <sstream>

#include "hypatia/hypatia.hpp"
#include "hypatia_runtime.h"
#include "ops/elementwise.hpp"
#include "ops/elementwise_builders.hpp"
#include "support/backends.hpp"
#include "support/errors.hpp"

namespace hypatia {
namespace {

using testing::elementwise_builder;
using testing::evaluate_builder;
using testing::evaluate_on_backends;

// One fixture line: the inputs of one call and the expected result, as text.
struct FixtureRow {
  std::vector<std::string> args;
  std::string expected;
};
using Fixture = std::map<std::string, std::vector<FixtureRow>>;

Fixture read_fixture(const std::string& file) {
  std::ifstream in(std::string(HYPATIA_FIXTURE_DIR) + "/" + file);
  EXPECT_TRUE(in) << "missing fixture " << file;
  Fixture fixture;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> fields;
    std::stringstream stream(line);
    for (std::string field; std::getline(stream, field, ',');) fields.push_back(field);
    FixtureRow row{{fields.begin() + 1, fields.end() - 1}, fields.back()};
    fixture[fields.front()].push_back(std::move(row));
  }
  return fixture;
}

const Fixture& float_fixture() {
  static const Fixture fixture = read_fixture("elementwise_float.csv");
  return fixture;
}
const Fixture& int_fixture() {
  static const Fixture fixture = read_fixture("elementwise_int.csv");
  return fixture;
}

const std::set<std::string> kBooleanResults = {
    "equal", "not_equal", "less",        "less_equal", "greater",    "greater_equal",
    "isnan", "isinf",     "logical_and", "logical_or", "logical_not"};

// Functions whose double result is exact (IEEE correctly rounded, or a selection or comparison):
// these must match bit for bit, sign of zero included.
const std::set<std::string> kExact = {
    "add",     "sub",           "mul",   "div",   "neg",         "abs",        "sign",
    "minimum", "maximum",       "clip",  "where", "square",      "reciprocal", "sqrt",
    "floor",   "ceil",          "round", "equal", "not_equal",   "less",       "less_equal",
    "greater", "greater_equal", "isnan", "isinf", "logical_and", "logical_or", "logical_not"};

// The rows of the table this family owns (the special functions are tested elsewhere).
std::vector<std::string> own_function_names() {
  std::vector<std::string> names;
  for (auto family : {ops::arithmetic_functions, ops::math_functions}) {
    for (const ops::ScalarFunction& fn : family()) names.push_back(fn.name);
  }
  return names;
}

// Column `k` of the rows as a 1-d tensor; the condition of `where` is a bool tensor.
Tensor column(const std::vector<FixtureRow>& rows, std::size_t k, DType dtype) {
  const Shape shape{static_cast<std::int64_t>(rows.size())};
  if (dtype == DType::int64) {
    std::vector<std::int64_t> values;
    for (const FixtureRow& row : rows) values.push_back(std::stoll(row.args[k]));
    return Tensor::from_ints(values, shape);
  }
  std::vector<double> values;
  for (const FixtureRow& row : rows) values.push_back(std::strtod(row.args[k].c_str(), nullptr));
  return Tensor::from_doubles(values, shape, dtype);
}

std::vector<Tensor> fixture_inputs(const std::string& name, const std::vector<FixtureRow>& rows,
                                   DType dtype) {
  std::vector<Tensor> inputs;
  for (std::size_t k = 0; k < rows.front().args.size(); ++k) {
    const bool condition = name == "where" && k == 0;
    inputs.push_back(condition ? column(rows, k, DType::float64).cast(DType::boolean)
                               : column(rows, k, dtype));
  }
  return inputs;
}

std::string describe(const FixtureRow& row) {
  std::string text = "(";
  for (std::size_t k = 0; k < row.args.size(); ++k) text += (k ? ", " : "") + row.args[k];
  return text + ")";
}

void expect_close(const std::string& name, const FixtureRow& row, double actual) {
  const double expected = std::strtod(row.expected.c_str(), nullptr);
  const std::string where = name + describe(row) + " = " + row.expected;
  if (std::isnan(expected)) {
    EXPECT_TRUE(std::isnan(actual)) << where << ", got " << actual;
  } else if (kExact.count(name)) {
    EXPECT_EQ(actual, expected) << where;
    EXPECT_EQ(std::signbit(actual), std::signbit(expected)) << where << " (sign of zero)";
  } else if (std::isinf(expected) || expected == 0.0) {
    EXPECT_EQ(actual, expected) << where;
  } else {
    EXPECT_NEAR(actual, expected, 1e-14 * std::abs(expected)) << where;
  }
}

// Both backends call the same scalar code (the runtime's helpers and libm), so they agree to the
// last bit.
const testing::AgreementOptions kBitForBit{.rtol = 0.0};

// One graph for a whole fixture (so the native backend compiles it once): per function, its
// fixture columns as inputs and its builder's result as one output.
struct FixtureResults {
  std::vector<std::string> names;  // the function of each output
  std::vector<Tensor> values;
};

FixtureResults evaluate_fixture(const Fixture& fixture, DType dtype) {
  std::vector<NodePtr> placeholders;
  std::vector<Tensor> values;
  std::vector<NodePtr> outputs;
  FixtureResults results;
  for (const auto& [name, rows] : fixture) {
    Exprs args;
    for (Tensor& column : fixture_inputs(name, rows, dtype)) {
      placeholders.push_back(
          input("fixture_" + name + "_" + std::to_string(args.size()), column.type()));
      args.push_back(placeholders.back());
      values.push_back(std::move(column));
    }
    outputs.push_back(elementwise_builder(name)(args).node());
    results.names.push_back(name);
  }
  results.values = evaluate_on_backends(placeholders, outputs, values, kBitForBit);
  return results;
}

// The native backend renders each row's C++ form: every row has one over doubles, and rows that
// compute on integers have one over int64 too.
TEST(ElementwiseValues, EveryRowHasCppForms) {
  for (const ops::ScalarFunction& fn : ops::scalar_function_table()) {
    EXPECT_FALSE(fn.cpp.empty()) << fn.name << " has no C++ form";
    if (fn.eval_int) {
      EXPECT_FALSE(fn.cpp_int.empty()) << fn.name << " has no int64 C++ form";
    }
    for (int i = 0; i < fn.arity; ++i) {
      const std::string placeholder = "{" + std::to_string(i) + "}";
      EXPECT_NE(fn.cpp.find(placeholder), std::string::npos)
          << fn.name << " ignores " << placeholder;
    }
  }
}

TEST(ElementwiseValues, EveryOwnFunctionHasFixtureValues) {
  for (const std::string& name : own_function_names()) {
    EXPECT_TRUE(float_fixture().count(name)) << name << " has no float fixture";
    EXPECT_TRUE(testing::elementwise_builders().count(name)) << name << " has no builder";
  }
}

TEST(ElementwiseValues, MatchFloatFixtures) {
  const FixtureResults results = evaluate_fixture(float_fixture(), DType::float64);
  for (std::size_t f = 0; f < results.names.size(); ++f) {
    const std::string& name = results.names[f];
    const std::vector<FixtureRow>& rows = float_fixture().at(name);
    const Tensor& result = results.values[f];
    SCOPED_TRACE(name);
    EXPECT_EQ(result.dtype(), kBooleanResults.count(name) ? DType::boolean : DType::float64);
    ASSERT_EQ(result.size(), static_cast<std::int64_t>(rows.size()));
    for (std::size_t i = 0; i < rows.size(); ++i) expect_close(name, rows[i], result.at(i));
  }
}

// Integer arithmetic is exact int64 (values beyond 2^53 included, overflow wraps like numpy);
// comparisons of integers are exact too.
TEST(ElementwiseValues, MatchIntegerFixturesExactly) {
  const FixtureResults results = evaluate_fixture(int_fixture(), DType::int64);
  for (std::size_t f = 0; f < results.names.size(); ++f) {
    const std::string& name = results.names[f];
    const std::vector<FixtureRow>& rows = int_fixture().at(name);
    const Tensor& result = results.values[f];
    SCOPED_TRACE(name);
    const bool boolean = kBooleanResults.count(name) > 0;
    ASSERT_EQ(result.dtype(), boolean ? DType::boolean : DType::int64);
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const std::int64_t actual =
          boolean ? static_cast<std::int64_t>(result.at(i)) : result.data<std::int64_t>()[i];
      EXPECT_EQ(actual, std::stoll(rows[i].expected)) << name << describe(rows[i]);
    }
  }
}

// float32 inputs are computed in double and rounded once to float32.
TEST(ElementwiseValues, Float32ResultsAreRoundedDoubleResults) {
  Tensor x = Tensor::from_doubles({-3.5, 0.1, 2.0, 100.0}, {4}, DType::float32);
  const std::vector<std::string> names = {"exp", "log1p", "sigmoid", "softplus", "tanh", "sqrt"};
  Expr x32 = input("x_float32", x.type());
  Expr x64 = input("x_float64", x.cast(DType::float64).type());
  std::vector<NodePtr> outputs;
  for (const std::string& name : names) {
    outputs.push_back(elementwise_builder(name)({x32}).node());
    outputs.push_back(elementwise_builder(name)({x64}).node());
  }
  const std::vector<Tensor> results =
      evaluate_on_backends({x32.node(), x64.node()}, outputs, {x, x.cast(DType::float64)});
  for (std::size_t f = 0; f < names.size(); ++f) {
    const std::string& name = names[f];
    const Tensor& out = results[2 * f];
    const Tensor& reference = results[2 * f + 1];
    ASSERT_EQ(out.dtype(), DType::float32) << name;
    for (std::int64_t i = 0; i < x.size(); ++i) {
      if (std::isnan(reference.at(i))) continue;
      EXPECT_EQ(out.at(i), static_cast<double>(static_cast<float>(reference.at(i)))) << name;
    }
  }
}

// exp, log, log1p, sigmoid and softplus of nodes with at least HR_SIMD_MIN_ELEMENTS elements
// compute with hypatia_exp_log.h's arithmetic, which the compilers vectorize (the native backend's
// loops for this machine's widest vectors, the JIT's loops and its lane blocks on 8 lanes): every
// backend must give the scalar form's bits, in vector lanes and remainders alike, and those must
// be libm's to within 2 ulp. 1003 elements: whole vectors of any width and a remainder.
TEST(ElementwiseValues, LargeNodesUseTheSimdFormsWithTheSameBitsOnEveryBackend) {
  const std::vector<std::pair<std::string, double (*)(double)>> functions = {
      {"exp", hr_simd_exp},
      {"log", hr_simd_log},
      {"log1p", hr_simd_log1p},
      {"sigmoid", hr_simd_sigmoid},
      {"softplus", hr_simd_softplus}};
  const std::vector<double (*)(double)> libm = {
      [](double x) { return std::exp(x); }, [](double x) { return std::log(x); },
      [](double x) { return std::log1p(x); }, hr_sigmoid, hr_softplus};
  std::vector<double> values;
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> uniform(-750.0, 750.0);
  for (int i = 0; i < 1003; ++i) values.push_back(i % 3 == 0 ? uniform(rng) : uniform(rng) / 100.0);
  const double special[] = {0.0,
                            -0.0,
                            -1.0,
                            1e-300,
                            5e-324,
                            std::numeric_limits<double>::infinity(),
                            -std::numeric_limits<double>::infinity(),
                            std::numeric_limits<double>::quiet_NaN()};
  for (std::size_t k = 0; k < std::size(special); ++k) values[10 + k] = special[k];
  const Tensor x = Tensor::from_doubles(values, {static_cast<std::int64_t>(values.size())});
  Expr input_x = input("x", x.type());
  std::vector<NodePtr> outputs;
  for (const auto& [name, simd] : functions) {
    outputs.push_back(elementwise_builder(name)({input_x}).node());
  }
  const std::vector<Tensor> results =
      evaluate_on_backends({input_x.node()}, outputs, {x}, {.rtol = 0.0});
  for (std::size_t f = 0; f < functions.size(); ++f) {
    const auto& [name, simd] = functions[f];
    for (std::size_t i = 0; i < values.size(); ++i) {
      const double expected = simd(values[i]);
      const double actual = results[f].at(static_cast<std::int64_t>(i));
      const double from_libm = libm[f](values[i]);
      if (std::isnan(from_libm)) {
        EXPECT_TRUE(std::isnan(actual)) << name << "(" << values[i] << ")";
        continue;
      }
      EXPECT_EQ(actual, expected) << name << "(" << values[i] << ") at " << i;
      // Within 2 ulp of libm (sigmoid and softplus round twice more than exp or log1p).
      if (actual != from_libm) {
        EXPECT_LE(std::abs(actual - from_libm), std::abs(from_libm) * 4.5e-16)
            << name << "(" << values[i] << ")";
      }
    }
  }
}

// Summed, the functions run inside the compiled backends' loops that sum in lanes (once the graph
// is optimized and they are fused into the sum): the JIT computes 8 lanes at once with their lane
// forms. The sums must be the interpreter's bits, and libm's sums to rounding.
TEST(ElementwiseValues, SumsOfSimdFormsAreTheInterpretersBitsOnEveryBackend) {
  std::vector<double> values;
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> uniform(0.0, 3.0);
  for (int i = 0; i < 1003; ++i) values.push_back(uniform(rng));
  const Tensor x = Tensor::from_doubles(values, {static_cast<std::int64_t>(values.size())});
  Expr input_x = input("x", x.type());
  const std::vector<NodePtr> outputs = {sum(exp(input_x)).node(), sum(log(input_x)).node(),
                                        sum(log1p(input_x)).node(), sum(sigmoid(input_x)).node()};
  const std::vector<double (*)(double)> libm = {[](double v) { return std::exp(v); },
                                                [](double v) { return std::log(v); },
                                                [](double v) { return std::log1p(v); }, hr_sigmoid};
  const std::vector<Tensor> expected = Interpreter({input_x.node()}, outputs).run({x});
  std::vector<Backend> backends = {Backend::native};
  if (backend_available(Backend::jit)) backends.push_back(Backend::jit);
  for (Backend backend : backends) {
    Function function({input_x.node()}, outputs, {.backend = backend, .optimize = true});
    const std::vector<Tensor> sums = function({x});
    for (std::size_t f = 0; f < outputs.size(); ++f) {
      EXPECT_EQ(sums[f].at(0), expected[f].at(0)) << backend_name(backend) << ", output " << f;
    }
  }
  for (std::size_t f = 0; f < outputs.size(); ++f) {
    long double reference = 0;
    for (double v : values) reference += libm[f](v);
    EXPECT_NEAR(expected[f].at(0), static_cast<double>(reference),
                1e-13 * std::abs(static_cast<double>(reference)))
        << "output " << f;
  }
}

// Below HR_SIMD_MIN_ELEMENTS elements, generated code calls libm, as the interpreter does.
TEST(ElementwiseValues, SmallNodesKeepLibm) {
  std::vector<double> values;
  for (int i = 0; i < 10; ++i) values.push_back(0.37 * i - 1.3);
  const Tensor x = Tensor::from_doubles(values, {10});
  Expr input_x = input("x", x.type());
  const std::vector<Tensor> results = evaluate_on_backends(
      {input_x.node()}, {exp(input_x).node(), log1p(input_x + 2.0).node()}, {x}, {.rtol = 0.0});
  for (std::size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(results[0].at(static_cast<std::int64_t>(i)), std::exp(values[i]));
    EXPECT_EQ(results[1].at(static_cast<std::int64_t>(i)), std::log1p(values[i] + 2.0));
  }
}

TEST(ElementwiseValues, BroadcastingPairsEveryRowWithEveryColumn) {
  Tensor a = Tensor::from_doubles({1, 2, 3}, {3, 1});
  Tensor b = Tensor::from_doubles({10, 20, 30, 40}, {4});
  Tensor out = evaluate_builder(elementwise_builder("sub"), {a, b});
  ASSERT_EQ(out.shape(), Shape({3, 4}));
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 4; ++j) EXPECT_EQ(out.at(i * 4 + j), (i + 1) - 10.0 * (j + 1));
  }
}

// cast follows numpy's astype: floats truncate toward zero, nonzero (NaN included) is true.
TEST(ElementwiseValues, CastTruncatesTowardZeroAndMapsNonzeroToTrue) {
  Tensor x = Tensor::from_doubles({2.7, -2.7, 0.0, 0.5, NAN}, {5});
  Expr in = input("x_cast_values", x.type());
  const std::vector<Tensor> casts =
      evaluate_on_backends({in.node()},
                           {cast(in, DType::int64).node(), cast(in, DType::boolean).node(),
                            cast(in, DType::float32).node()},
                           {x});
  const Tensor& head = casts[0];
  EXPECT_EQ(head.dtype(), DType::int64);
  EXPECT_EQ(head.data<std::int64_t>()[0], 2);
  EXPECT_EQ(head.data<std::int64_t>()[1], -2);
  EXPECT_EQ(head.data<std::int64_t>()[3], 0);
  EXPECT_EQ(casts[1].to_doubles(), std::vector<double>({1, 1, 0, 1, 1}));
  const Tensor& narrow = casts[2];
  EXPECT_EQ(narrow.dtype(), DType::float32);
  EXPECT_EQ(narrow.at(0), static_cast<double>(2.7f));
  Expr same = input("cast_same", {DType::float64, {5}});
  EXPECT_EQ(cast(same, DType::float64), same);  // a no-op cast adds no node
}

// ---- dtype rules -------------------------------------------------------------------------------

Expr placeholder(DType dtype, Shape shape = {2}) {
  static int counter = 0;
  return input("p" + std::to_string(counter++), {dtype, std::move(shape)});
}

TEST(ElementwiseDTypes, IntegerArithmeticStaysInt64) {
  Expr a = placeholder(DType::int64), b = placeholder(DType::int64);
  for (const Expr& e : {a + b, a - b, a * b, -a, abs(a), sign(a), minimum(a, b), maximum(a, b),
                        clip(a, b, b), square(a), floor(a), ceil(a), round(a)}) {
    EXPECT_EQ(e.dtype(), DType::int64) << e->op_name();
  }
}

TEST(ElementwiseDTypes, TrueDivisionAndFloatingFunctionsOfIntegersGiveFloat64) {
  Expr a = placeholder(DType::int64), b = placeholder(DType::int64);
  Expr q = a / b;
  EXPECT_EQ(q.dtype(), DType::float64);
  EXPECT_EQ(exp(a).dtype(), DType::float64);
  EXPECT_EQ(sqrt(a).dtype(), DType::float64);
  EXPECT_EQ(arctan2(a, b).dtype(), DType::float64);
  Tensor value = evaluate_on_backends(
      q.node(), {{a->attrs().get_string("name"), Tensor::from_ints({7, -7}, {2})},
                 {b->attrs().get_string("name"), Tensor::from_ints({2, 2}, {2})}});
  EXPECT_EQ(value.to_doubles(), std::vector<double>({3.5, -3.5}));
}

TEST(ElementwiseDTypes, WeakScalarsKeepFloat32) {
  Expr x = placeholder(DType::float32);
  EXPECT_EQ((x * 2.0).dtype(), DType::float32);
  EXPECT_EQ((2.0 - x).dtype(), DType::float32);
  EXPECT_EQ(clip(x, 0.0, 1.0).dtype(), DType::float32);
  EXPECT_EQ(pow(x, 2.0).dtype(), DType::float32);
  EXPECT_EQ(sigmoid(x).dtype(), DType::float32);
  // A strong float64 tensor promotes; int64 with float32 gives float64 as in numpy.
  EXPECT_EQ((x * placeholder(DType::float64)).dtype(), DType::float64);
  EXPECT_EQ((x * placeholder(DType::int64)).dtype(), DType::float64);
  // A weak float with integers gives float64.
  EXPECT_EQ((placeholder(DType::int64) * 2.0).dtype(), DType::float64);
}

// C++ numbers are weak like numpy 2's Python scalars (NEP 50): a tensor keeps its dtype unless the
// number's kind (integer < floating) is higher.
TEST(ElementwiseDTypes, WeakScalarTable) {
  Expr b = placeholder(DType::boolean), n = placeholder(DType::int64);
  Expr f32 = placeholder(DType::float32), f64 = placeholder(DType::float64);
  struct Row {
    Expr result;
    DType expected;
    const char* what;
  };
  const std::vector<Row> table = {
      {n + 1, DType::int64, "int64 + 1"},
      {1 - n, DType::int64, "1 - int64"},
      {n * 2.5, DType::float64, "int64 * 2.5"},
      {b + 1, DType::int64, "bool + 1"},
      {b * 2.5, DType::float64, "bool * 2.5"},
      {f32 * 2, DType::float32, "float32 * 2"},
      {f32 * 2.5, DType::float32, "float32 * 2.5"},
      {f64 + 1, DType::float64, "float64 + 1"},
      {clip(n, 0, 10), DType::int64, "clip(int64, 0, 10)"},
      {clip(f32, 0, 10), DType::float32, "clip(float32, 0, 10)"},
      {maximum(n, 0), DType::int64, "maximum(int64, 0)"},
      {where(b, n, 0), DType::int64, "where(c, int64, 0)"},
      {where(b, f32, 0), DType::float32, "where(c, float32, 0)"},
      {where(b, 1, 0), DType::int64, "where(c, 1, 0)"},
      {where(b, 1, 0.5), DType::float64, "where(c, 1, 0.5)"},
      {n / 2, DType::float64, "int64 / 2 (true division)"},
      {pow(f32, 2), DType::float32, "pow(float32, 2)"},
      {pow(n, 2), DType::float64, "pow(int64, 2) (pow is floating)"},
      {exp(f32 * 2), DType::float32, "exp(float32 * 2)"},
      {Expr(1) + 2, DType::int64, "1 + 2"},
      {Expr(1) + 2.5, DType::float64, "1 + 2.5"},
  };
  for (const Row& row : table) EXPECT_EQ(row.result.dtype(), row.expected) << row.what;
  EXPECT_EQ(Expr(3).dtype(), DType::int64);
  EXPECT_EQ(Expr(3).rank(), 0);
}

// A weak int keeps int64 arithmetic exact beyond 2^53, where a float64 constant would round.
TEST(ElementwiseDTypes, WeakIntArithmeticIsExact) {
  Expr n = placeholder(DType::int64, {1});
  const std::int64_t big = (std::int64_t{1} << 60) + 1;
  Tensor value =
      evaluate((n + 2).node(), {{n->attrs().get_string("name"), Tensor::from_ints({big}, {1})}});
  ASSERT_EQ(value.dtype(), DType::int64);
  EXPECT_EQ(value.data<std::int64_t>()[0], big + 2);
}

TEST(ElementwiseDTypes, ComparisonsAndLogicGiveBool) {
  Expr x = placeholder(DType::float32), n = placeholder(DType::int64);
  for (const Expr& e : {equal(x, n), not_equal(x, 1.0), less(n, n), less_equal(x, x),
                        greater(x, 0.0), greater_equal(n, 2.0), logical_and(x, n), logical_or(n, n),
                        logical_not(x), isnan(x), isinf(n)}) {
    EXPECT_EQ(e.dtype(), DType::boolean) << e->op_name();
  }
}

TEST(ElementwiseDTypes, WherePromotesItsBranches) {
  Expr c = placeholder(DType::boolean);
  Expr f32 = placeholder(DType::float32), f64 = placeholder(DType::float64);
  Expr i64 = placeholder(DType::int64);
  EXPECT_EQ(where(c, f32, f64).dtype(), DType::float64);
  EXPECT_EQ(where(c, i64, f32).dtype(), DType::float64);
  EXPECT_EQ(where(c, i64, i64).dtype(), DType::int64);
  EXPECT_EQ(where(c, f32, 0.0).dtype(), DType::float32);
  EXPECT_EQ(where(c, i64, 0.5).dtype(), DType::float64);
  Tensor value =
      evaluate_on_backends(where(c, i64, 0.5).node(),
                           {{c->attrs().get_string("name"), Tensor::from_bools({true, false}, {2})},
                            {i64->attrs().get_string("name"), Tensor::from_ints({4, 5}, {2})}});
  EXPECT_EQ(value.to_doubles(), std::vector<double>({4.0, 0.5}));
}

// Ops that select one of their operands keep bool operands bool, as numpy does; arithmetic on
// bools gives int64.
TEST(ElementwiseDTypes, SelectionsOfBoolsStayBool) {
  Expr c = placeholder(DType::boolean), p = placeholder(DType::boolean);
  Expr q = placeholder(DType::boolean);
  const std::vector<std::pair<Expr, DType>> table = {
      {where(c, p, q), DType::boolean},
      {minimum(p, q), DType::boolean},
      {maximum(p, q), DType::boolean},
      {clip(c, p, q), DType::boolean},
      {where(c, p, 0), DType::int64},
      {where(c, p, placeholder(DType::int64)), DType::int64},
      {where(c, p, 0.5), DType::float64},
      {p + q, DType::int64},
      {abs(p), DType::int64},
  };
  for (const auto& [result, expected] : table)
    EXPECT_EQ(result.dtype(), expected) << result->op_name();
  const std::unordered_map<std::string, Tensor> values = {
      {c->attrs().get_string("name"), Tensor::from_bools({true, false}, {2})},
      {p->attrs().get_string("name"), Tensor::from_bools({true, true}, {2})},
      {q->attrs().get_string("name"), Tensor::from_bools({false, false}, {2})}};
  Tensor chosen = evaluate(where(c, p, q).node(), values);
  ASSERT_EQ(chosen.dtype(), DType::boolean);
  EXPECT_EQ(chosen.to_doubles(), std::vector<double>({1, 0}));
  EXPECT_EQ(evaluate(minimum(p, q).node(), values).to_doubles(), std::vector<double>({0, 0}));
  EXPECT_EQ(evaluate(maximum(c, q).node(), values).to_doubles(), std::vector<double>({1, 0}));
}

TEST(ElementwiseDTypes, LogicalOpsTreatNonzeroAsTrue) {
  Tensor x = Tensor::from_doubles({0.0, -0.0, 2.5, NAN}, {4});
  Tensor n = Tensor::from_ints({0, 3, 0, -1}, {4});
  Expr xs = input("x_logical", x.type()), ns = input("n_logical", n.type());
  const std::vector<Tensor> results =
      evaluate_on_backends({xs.node(), ns.node()},
                           {logical_and(xs, ns).node(), logical_or(xs, ns).node(),
                            logical_not(xs).node(), logical_not(ns).node()},
                           {x, n});
  EXPECT_EQ(results[0].to_doubles(), std::vector<double>({0, 0, 0, 1}));
  EXPECT_EQ(results[1].to_doubles(), std::vector<double>({0, 1, 1, 1}));
  EXPECT_EQ(results[2].to_doubles(), std::vector<double>({1, 1, 0, 0}));
  EXPECT_EQ(results[3].to_doubles(), std::vector<double>({1, 0, 1, 0}));
}

// ---- bad input ---------------------------------------------------------------------------------

std::string shape_error_message(const std::function<void()>& build) {
  try {
    build();
  } catch (const ShapeError& error) {
    return error.what();
  }
  ADD_FAILURE() << "expected a ShapeError";
  return "";
}

using testing::expect_mentions;

TEST(ElementwiseErrors, ShapeMismatchNamesTheOpAndBothShapes) {
  Expr a = placeholder(DType::float64, {3}), b = placeholder(DType::float64, {4});
  EXPECT_THROW(add(a, b), ShapeError);
  expect_mentions(shape_error_message([&] { add(a, b); }), {"add", "(3,)", "(4,)"});
  expect_mentions(shape_error_message([&] { arctan2(a, b); }), {"arctan2", "(3,)", "(4,)"});
  expect_mentions(shape_error_message([&] { less(a, b); }), {"less", "(3,)", "(4,)"});
  Expr m = placeholder(DType::float64, {2, 3});
  expect_mentions(shape_error_message([&] { clip(m, 0.0, b); }), {"clip", "(2, 3)", "(4,)"});
}

TEST(ElementwiseErrors, WhereNeedsABooleanCondition) {
  Expr c = placeholder(DType::float64), x = placeholder(DType::float64);
  EXPECT_THROW(where(c, x, x), ShapeError);
  expect_mentions(shape_error_message([&] { where(c, x, x); }), {"where", "bool", "float64(2,)"});
  Expr n = placeholder(DType::int64);
  expect_mentions(shape_error_message([&] { where(n, x, x); }), {"where", "bool", "int64(2,)"});
}

TEST(ElementwiseErrors, WrongArityNamesTheOp) {
  Expr x = placeholder(DType::float64);
  expect_mentions(shape_error_message([&] { ops::apply_elementwise("maximum", {x}); }),
                  {"maximum", "expected 2 inputs"});
}

TEST(ElementwiseErrors, UnknownDimensionsAreCheckedAtRunTime) {
  Expr a = input("a_unknown", {DType::float64, {kUnknownDim}});
  Expr b = input("b_three", {DType::float64, {3}});
  Expr sum_ab = a + b;
  EXPECT_EQ(sum_ab.shape(), Shape({3}));
  Tensor ok =
      evaluate_on_backends(sum_ab.node(), {{"a_unknown", Tensor::from_doubles({1, 2, 3}, {3})},
                                           {"b_three", Tensor::from_doubles({1, 1, 1}, {3})}});
  EXPECT_EQ(ok.to_doubles(), std::vector<double>({2, 3, 4}));
  try {
    evaluate(sum_ab.node(), {{"a_unknown", Tensor::from_doubles({1, 2, 3, 4}, {4})},
                             {"b_three", Tensor::from_doubles({1, 1, 1}, {3})}});
    ADD_FAILURE() << "expected a RuntimeError";
  } catch (const RuntimeError& error) {
    expect_mentions(error.what(), {"add", "(4,)", "(3,)"});
  }
}

}  // namespace
}  // namespace hypatia
