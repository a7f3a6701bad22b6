// The JIT backend (LLVM, in process) against the interpreter, bit for bit, on graphs that take
// each kind of step through it: an elementwise chain, lane sums, a chunked parallel sum, a scan (a
// Loop step) and a matrix product (a LibraryCall); plus an independent reference where one is
// simple to write (the documented lane order, the product by hand) and run-time errors; and what
// LLVM itself reports as an error becomes an Error, not the end of the process.

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "backend/jit/jit_function.hpp"
#include "hypatia/hypatia.hpp"
#include "hypatia_runtime.h"

namespace hypatia {
namespace {

bool same_bits(double a, double b) {
  return std::memcmp(&a, &b, sizeof(double)) == 0;
}

std::vector<double> spread_values(std::int64_t count, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> mantissa(-1.0, 1.0);
  std::uniform_int_distribution<int> exponent(-20, 20);
  std::vector<double> values(static_cast<std::size_t>(count));
  for (double& value : values) value = std::ldexp(mantissa(rng), exponent(rng));
  return values;
}

// Runs the graph on the interpreter and the JIT (with `threads` threads) and expects every output
// element to have the same bits; returns the JIT's outputs.
std::vector<Tensor> expect_jit_bits(const std::vector<NodePtr>& inputs,
                                    const std::vector<NodePtr>& outputs,
                                    const std::vector<Tensor>& values, int threads = 1) {
  CompileOptions interp_options;
  interp_options.backend = Backend::interp;
  Function reference(inputs, outputs, interp_options);
  CompileOptions jit_options;
  jit_options.backend = Backend::jit;
  jit_options.threads = threads;
  Function jit(inputs, outputs, jit_options);
  const std::vector<Tensor> expected = reference(values);
  const std::vector<Tensor> actual = jit(values);
  EXPECT_EQ(expected.size(), actual.size());
  for (std::size_t k = 0; k < expected.size() && k < actual.size(); ++k) {
    EXPECT_EQ(type_to_string(expected[k].type()), type_to_string(actual[k].type()));
    for (std::int64_t i = 0; i < expected[k].size(); ++i) {
      EXPECT_TRUE(same_bits(expected[k].at(i), actual[k].at(i)))
          << "output " << k << ", element " << i << ": interpreter " << expected[k].at(i)
          << ", jit " << actual[k].at(i);
    }
  }
  return actual;
}

class Jit : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!backend_available(Backend::jit)) GTEST_SKIP() << "this build has no LLVM (no jit backend)";
  }
};

TEST_F(Jit, ElementwiseChainMatchesTheInterpreterBitForBit) {
  const Expr x = input("x", {DType::float64, {257}});
  const Expr y = input("y", {DType::float64, {257}});
  const Expr chain =
      where(greater(x, 0.0), log1p(exp(-abs(x))) * sigmoid(y), tanh(x) - square(y) / 3.0) +
      erf(y) * lgamma(abs(x) + 0.5) + clip(x, -0.5, 0.25) + cast(greater(x, y), DType::float64);
  std::vector<double> xs = spread_values(257, 1), ys = spread_values(257, 2);
  for (double& value : xs) value = std::tanh(value) * 7.0;
  xs[3] = std::nan("");
  xs[4] = HR_INF;
  ys[5] = -HR_INF;
  const Tensor result =
      expect_jit_bits({x.node(), y.node()}, {chain.node()},
                      {Tensor::from_doubles(xs, {257}), Tensor::from_doubles(ys, {257})})[0];
  // Element 0 by hand (the same operations in the same order as the graph).
  const double a = xs[0], b = ys[0];
  const double by_hand = (a > 0.0 ? std::log1p(std::exp(-std::fabs(a))) * hr_sigmoid(b)
                                  : std::tanh(a) - hr_square(b) / 3.0) +
                         hr_erf(b) * hr_lgamma(std::fabs(a) + 0.5) + hr_clip(a, -0.5, 0.25) +
                         (a > b ? 1.0 : 0.0);
  EXPECT_TRUE(same_bits(result.at(0), by_hand)) << result.at(0) << " vs " << by_hand;
  EXPECT_TRUE(std::isnan(result.at(3)));
}

TEST_F(Jit, IntegerAndBooleanArithmeticWrapsLikeNumpy) {
  const Expr i = input("i", {DType::int64, {4}});
  const Expr wrapped = i * i + i - (-i);
  const Expr flags = logical_and(greater(i, 0), logical_not(greater(i, 5)));
  const Tensor tensor = Tensor::from_ints({3, -7, 4611686018427387904LL, 6}, {4});
  const std::vector<Tensor> out =
      expect_jit_bits({i.node()}, {wrapped.node(), flags.node()}, {tensor});
  // 2^62 squared wraps to 0; 0 + 2^62 + 2^62 wraps to -2^63.
  EXPECT_EQ(out[0].data<std::int64_t>()[2], std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(out[0].data<std::int64_t>()[0], 3 * 3 + 3 + 3);
  EXPECT_EQ(out[1].at(0), 1.0);
  EXPECT_EQ(out[1].at(3), 0.0);
}

// The documented lane order of one run (hr_sum_lanes), written out independently.
double lane_sum(const std::vector<double>& values, std::size_t begin, std::size_t end) {
  double lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (std::size_t j = begin; j < end; ++j) lanes[(j - begin) % 8] += values[j];
  return ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) +
         ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
}

TEST_F(Jit, LaneSumOfAThousandElementsAddsInTheDocumentedOrder) {
  const std::vector<double> values = spread_values(1000, 3);
  const Expr x = input("x", {DType::float64, {1000}});
  const Tensor total =
      expect_jit_bits({x.node()}, {sum(x).node()}, {Tensor::from_doubles(values, {1000})})[0];
  const double documented = lane_sum(values, 0, values.size());
  EXPECT_TRUE(same_bits(total.at(0), documented)) << total.at(0) << " vs " << documented;
  double plain = 0.0;
  for (double value : values) plain += value;
  EXPECT_NEAR(total.at(0), plain, 1e-12 * std::abs(plain) + 1e-300);
}

// A lane block computes its lanes as vectors: consecutive reads (float64 and int64), values the
// same in every lane (computed once, as scalars), conversions and scalar library calls lane by
// lane, and a scalar tail (1003 rows: 125 blocks and 3 left). Each lane must keep the scalar code's
// bits. (The gathered and transposed operands are materialized before the lane loops by the
// lowering today, so the lanes' gather path is not reached here.)
TEST_F(Jit, LaneSumsWithConversionsCallsAndInvariantValuesMatchTheInterpreterBitForBit) {
  const std::int64_t rows = 1003, groups = 17;
  const Expr effects = input("effects", {DType::float64, {groups}});
  const Expr group = input("group", {DType::int64, {rows}});
  const Expr x = input("x", {DType::float64, {rows}});
  const Expr scale = input("scale", {DType::float64, {}});
  const Expr m = input("m", {DType::float64, {rows, 3}});
  const Expr centred = sum(square(x - gather(effects, group)) * exp(scale));
  const Expr mixed = sum(cast(greater(x, 0.0), DType::float64) * lgamma(abs(x) + 1.0) +
                         cast(group, DType::float64) / (scale + 2.0));
  const Expr columns = sum(transpose(m) * 0.5, {1});
  std::vector<double> effect_values = spread_values(groups, 5), xs = spread_values(rows, 6);
  std::vector<std::int64_t> group_values(static_cast<std::size_t>(rows));
  for (std::size_t i = 0; i < group_values.size(); ++i) {
    group_values[i] = static_cast<std::int64_t>((i * 7 + i / 5) % groups);
  }
  const std::vector<double> m_values = spread_values(rows * 3, 7);
  expect_jit_bits({effects.node(), group.node(), x.node(), scale.node(), m.node()},
                  {centred.node(), mixed.node(), columns.node()},
                  {Tensor::from_doubles(effect_values, {groups}),
                   Tensor::from_ints(group_values, {rows}), Tensor::from_doubles(xs, {rows}),
                   Tensor::from_doubles({0.3}, {}), Tensor::from_doubles(m_values, {rows, 3})});
}

TEST_F(Jit, ChunkedParallelSumAddsChunksInOrderOnAnyThreadCount) {
  const std::int64_t rows = 2 * HR_CHUNK_ROWS + 37;
  const std::vector<double> values = spread_values(rows, 4);
  const Expr x = input("x", {DType::float64, {rows}});
  const Expr total = sum(exp(x * 1e-6) * x);
  for (int threads : {1, 2}) {
    expect_jit_bits({x.node()}, {total.node(), (x * 2.0).node()},
                    {Tensor::from_doubles(values, {rows})}, threads);
  }
  const Tensor plain_sum =
      expect_jit_bits({x.node()}, {sum(x).node()}, {Tensor::from_doubles(values, {rows})}, 2)[0];
  // Chunks of HR_CHUNK_ROWS, each in lanes, added in chunk order.
  double documented = 0.0;
  for (std::size_t begin = 0; begin < values.size(); begin += HR_CHUNK_ROWS) {
    documented += lane_sum(values, begin, std::min(values.size(), begin + HR_CHUNK_ROWS));
  }
  EXPECT_TRUE(same_bits(plain_sum.at(0), documented)) << plain_sum.at(0) << " vs " << documented;
}

TEST_F(Jit, ScanRunsItsBodyPerStepWithCarriesAndHistory) {
  const std::vector<double> shocks = {0.3, -0.2, 0.9, 0.1, -0.4, 0.6, 0.25};
  const Expr e = input("e", {DType::float64, {7}});
  const Expr phi = input("phi", {DType::float64, {}});
  ScanResult r = scan(
      [&](const Exprs& slices, const Exprs& carries) {
        Expr next = phi * carries[0] + exp(slices[0]);
        return ScanStep{{next}, {next * 2.0}};
      },
      {e}, {constant(1.5)});
  const std::vector<Tensor> out = expect_jit_bits(
      {e.node(), phi.node()}, {r.carries[0].node(), r.outputs[0].node(), r.carry_history[0].node()},
      {Tensor::from_doubles(shocks, {7}), Tensor::from_doubles({0.7}, {})});
  double state = 1.5;
  for (std::size_t t = 0; t < shocks.size(); ++t) {
    EXPECT_TRUE(same_bits(out[2].at(static_cast<std::int64_t>(t)), state)) << "history " << t;
    state = 0.7 * state + std::exp(shocks[t]);
    EXPECT_TRUE(same_bits(out[1].at(static_cast<std::int64_t>(t)), state * 2.0)) << "output " << t;
  }
  EXPECT_TRUE(same_bits(out[0].at(0), state));
}

TEST_F(Jit, MatrixProductCallsTheRuntimeLibrary) {
  const Expr a = input("a", {DType::float64, {3, 4}});
  const Expr b = input("b", {DType::float64, {4, 2}});
  const std::vector<double> as = spread_values(12, 5), bs = spread_values(8, 6);
  const Tensor product =
      expect_jit_bits({a.node(), b.node()}, {(matmul(a, b) + 1.0).node()},
                      {Tensor::from_doubles(as, {3, 4}), Tensor::from_doubles(bs, {4, 2})})[0];
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 2; ++j) {
      long double by_hand = 0;
      for (int k = 0; k < 4; ++k)
        by_hand += static_cast<long double>(as[i * 4 + k]) * bs[k * 2 + j];
      EXPECT_NEAR(product.at(i * 2 + j), static_cast<double>(by_hand) + 1.0,
                  1e-14 * (std::abs(static_cast<double>(by_hand)) + 1.0));
    }
  }
}

TEST_F(Jit, IndexOutOfRangeRaisesTheCheckMessage) {
  const Expr x = input("x", {DType::float64, {5}});
  const Expr i = input("i", {DType::int64, {2}});
  CompileOptions options;
  options.backend = Backend::jit;
  Function f({x.node(), i.node()}, {gather(x, i).node()}, options);
  const std::vector<double> xs = {1, 2, 3, 4, 5};
  const std::vector<Tensor> out =
      f({Tensor::from_doubles(xs, {5}), Tensor::from_ints({4, -5}, {2})});
  EXPECT_EQ(out[0].at(0), 5.0);
  EXPECT_EQ(out[0].at(1), 1.0);
  try {
    f({Tensor::from_doubles(xs, {5}), Tensor::from_ints({1, 5}, {2})});
    ADD_FAILURE() << "expected an index error";
  } catch (const RuntimeError& error) {
    EXPECT_NE(std::string(error.what()).find("5"), std::string::npos) << error.what();
  }
}

TEST_F(Jit, EqualProgramsShareCompiledCodeWithinAProcess) {
  const Expr x = input("x", {DType::float64, {8}});
  CompileOptions options;
  options.backend = Backend::jit;
  Function first({x.node()}, {(exp(x) * 3.0).node()}, options);
  Function second({x.node()}, {(exp(x) * 3.0).node()}, options);
  EXPECT_TRUE(jit::last_compile_times().cache_hit);
  const std::vector<double> xs = spread_values(8, 7);
  const Tensor a = first({Tensor::from_doubles(xs, {8})})[0];
  const Tensor b = second({Tensor::from_doubles(xs, {8})})[0];
  for (std::int64_t k = 0; k < 8; ++k) EXPECT_TRUE(same_bits(a.at(k), std::exp(xs[k]) * 3.0));
  for (std::int64_t k = 0; k < 8; ++k) EXPECT_TRUE(same_bits(b.at(k), a.at(k)));
}

// A double returned in an SSE register by a function compiled without SSE: an error diagnostic
// in code generation ("SSE register return with SSE disabled"), which LLVM answers by default
// with exit(1).
const char* const kUnsupportedReturn = R"(
define double @hypatia_entry(double %x) #0 {
  ret double %x
}
attributes #0 = { "target-features"="-sse,-sse2,-avx,-avx2,-avx512f" }
)";

TEST_F(Jit, AnErrorLlvmReportsBecomesAnErrorNotAnExit) {
  for (const bool optimized : {true, false}) {
    try {
      jit::object_size_for_testing(kUnsupportedReturn, optimized);
      ADD_FAILURE() << "expected an Error (optimized " << optimized << ")";
    } catch (const Error& error) {
      const std::string message = error.what();
      EXPECT_NE(message.find("LLVM reported an error generating machine code"), std::string::npos)
          << message;
      EXPECT_NE(message.find("SSE"), std::string::npos) << message;
    }
  }
  // The JIT works on afterwards.
  EXPECT_GT(jit::object_size_for_testing("define i32 @hypatia_entry() {\n  ret i32 7\n}\n", true),
            0u);
  const Expr x = input("x", {DType::float64, {3}});
  const std::vector<Tensor> out =
      expect_jit_bits({x.node()}, {(x * 2.0).node()}, {Tensor::from_doubles({1, 2, 3}, {3})});
  EXPECT_EQ(out[0].at(2), 6.0);
}

}  // namespace
}  // namespace hypatia
