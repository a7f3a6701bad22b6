// Float sums over a run of at least HR_SUM_LANES_MIN_RUN elements add in HR_SUM_LANES lanes
// (hr_sum_lanes, ops/reduce_util.hpp's slice_total) so the native loops can vectorize without
// their bits depending on the vector width. Both backends must give exactly the order written out
// independently below, and stay within rounding of a long-double sum.

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "hypatia/hypatia.hpp"
#include "hypatia_runtime.h"
#include "support/backends.hpp"

namespace hypatia {
namespace {

// The documented order for one slice of `values` (already in the slice's row-major order): cut
// into chunks of `chunk` elements (0: one chunk), each chunk into pieces at multiples of `run`;
// each piece adds element j into lane j % 8, the lanes add as ((0+1)+(2+3))+((4+5)+(6+7)); the
// pieces add into a running chunk sum starting at 0, the chunk sums into a running total.
double documented_sum(const std::vector<double>& values, std::int64_t run, std::int64_t chunk) {
  const std::int64_t size = static_cast<std::int64_t>(values.size());
  const std::int64_t step = chunk > 0 ? chunk : size;
  double total = 0;
  for (std::int64_t begin = 0; begin < size; begin += step) {
    const std::int64_t end = std::min(begin + step, size);
    double chunk_sum = 0;
    for (std::int64_t piece = begin; piece < end;) {
      const std::int64_t piece_end = std::min(end, (piece / run + 1) * run);
      double lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      for (std::int64_t j = piece; j < piece_end; ++j) lanes[(j - piece) % 8] += values[j];
      chunk_sum += ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) +
                   ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
      piece = piece_end;
    }
    total += chunk_sum;
  }
  return total;
}

// Values over many magnitudes and both signs, so that different summation orders round
// differently.
std::vector<double> spread_values(std::int64_t count, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> mantissa(-1.0, 1.0);
  std::uniform_int_distribution<int> exponent(-20, 20);
  std::vector<double> values(static_cast<std::size_t>(count));
  for (double& value : values) value = std::ldexp(mantissa(rng), exponent(rng));
  return values;
}

bool same_bits(double a, double b) {
  return std::memcmp(&a, &b, sizeof(double)) == 0;
}

struct LaneCase {
  Shape shape;
  Axes axes;
};

// The case's sum of `values` on both backends, which must agree exactly (both tolerances 0).
Tensor sum_on_backends(const LaneCase& c, const std::vector<double>& values) {
  const Expr x = input("x", {DType::float64, c.shape});
  return testing::evaluate_on_backends(
      sum(x, c.axes), {{"x", Tensor::from_doubles(values, c.shape)}}, {.rtol = 0.0});
}

TEST(SumLanes, BothBackendsAddInTheDocumentedOrder) {
  const std::vector<LaneCase> cases = {{{16}, {0}},
                                       {{17}, {0}},
                                       {{1000}, {0}},
                                       {{3, 40}, {1}},
                                       {{4, 6, 23}, {0, 2}},
                                       {{5, 33}, {0, 1}},
                                       {{2 * HR_CHUNK_ROWS + 37}, {0}},
                                       {{HR_PARALLEL_MIN_ROWS + 5, 17}, {0, 1}}};
  int orders_that_differ = 0;
  std::uint64_t seed = 3;
  for (const LaneCase& c : cases) {
    SCOPED_TRACE(::testing::Message() << "shape " << shape_to_string(c.shape));
    const std::vector<double> values = spread_values(num_elements(c.shape), ++seed);
    const Tensor total = sum_on_backends(c, values);
    // Each output element's slice, in row-major order of the reduced axes.
    const std::int64_t last = c.shape.back();
    std::vector<std::vector<double>> slices(static_cast<std::size_t>(num_elements(total.shape())));
    const bool full = c.axes.size() == c.shape.size();
    for (std::int64_t flat = 0; flat < num_elements(c.shape); ++flat) {
      // The kept axis of the two partial cases is the middle one ({0, 2} of rank 3) or the first.
      const std::int64_t output =
          full ? 0 : (c.shape.size() == 3 ? (flat / last) % c.shape[1] : flat / last);
      slices[static_cast<std::size_t>(output)].push_back(values[static_cast<std::size_t>(flat)]);
    }
    const bool chunked = c.shape[0] >= HR_PARALLEL_MIN_ROWS;
    const std::int64_t chunk_elements =
        chunked ? HR_CHUNK_ROWS * (num_elements(c.shape) / c.shape[0]) : 0;
    for (std::size_t o = 0; o < slices.size(); ++o) {
      const double expected = documented_sum(slices[o], last, chunk_elements);
      const double actual = total.at(static_cast<std::int64_t>(o));
      EXPECT_TRUE(same_bits(actual, expected))
          << "output " << o << ": " << actual << " vs " << expected;
      long double exact = 0, magnitude = 0;
      double sequential = 0;
      for (double value : slices[o]) {
        exact += value;
        magnitude += std::fabs(value);
        sequential += value;
      }
      EXPECT_NEAR(actual, static_cast<double>(exact),
                  2.2e-16 * static_cast<double>(slices[o].size() * magnitude));
      if (!same_bits(sequential, expected)) ++orders_that_differ;
    }
  }
  // The cases must tell the lane order from one running sum, or they would test nothing.
  EXPECT_GT(orders_that_differ, 5);
}

TEST(SumLanes, ShortRunsAndKeptLastAxesSumInOneRunningSum) {
  const std::vector<LaneCase> cases = {{{15}, {0}}, {{40, 3}, {0}}, {{1000, 2}, {0}}};
  std::uint64_t seed = 40;
  for (const LaneCase& c : cases) {
    SCOPED_TRACE(::testing::Message() << "shape " << shape_to_string(c.shape));
    const std::vector<double> values = spread_values(num_elements(c.shape), ++seed);
    const Tensor total = sum_on_backends(c, values);
    const std::int64_t columns = c.shape.size() == 2 ? c.shape[1] : 1;
    for (std::int64_t column = 0; column < columns; ++column) {
      double sequential = 0;
      for (std::int64_t row = 0; row < c.shape[0]; ++row) {
        sequential += values[static_cast<std::size_t>(row * columns + column)];
      }
      EXPECT_TRUE(same_bits(total.at(column), sequential)) << "column " << column;
    }
  }
}

TEST(SumLanes, FusedElementwiseSumsAgreeAcrossBackends) {
  const std::vector<double> values = spread_values(777, 9);
  std::vector<double> scaled(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) scaled[i] = values[i] * 1e-6;
  const Expr x = input("x", {DType::float64, {777}});
  const Tensor total = testing::evaluate_on_backends(
      sum(exp(x) * 0.5 + square(x)), {{"x", Tensor::from_doubles(scaled, {777})}}, {.rtol = 0.0});
  std::vector<double> terms(scaled.size());
  for (std::size_t i = 0; i < scaled.size(); ++i) {
    terms[i] = std::exp(scaled[i]) * 0.5 + scaled[i] * scaled[i];
  }
  long double exact = 0;
  for (double term : terms) exact += term;
  EXPECT_NEAR(total.at(0), static_cast<double>(exact), 1e-12 * static_cast<double>(exact));
}

}  // namespace
}  // namespace hypatia
