// The samplers' dot product (infer/fixed_order_dot.hpp): close to a long-double sum, the
// documented order of additions, and the same bits wherever the data sits in memory.

#include "infer/fixed_order_dot.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

namespace hypatia::infer {
namespace {

std::vector<double> random_values(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 3.0);
  std::vector<double> values(n);
  for (double& value : values) value = normal(rng);
  return values;
}

TEST(FixedOrderDot, AgreesWithALongDoubleSumToRounding) {
  for (std::size_t n : {0, 1, 5, 7, 8, 9, 16, 23, 88, 1001}) {
    const std::vector<double> a = random_values(n, 10 + n), b = random_values(n, 20 + n);
    long double exact = 0.0L, magnitude = 0.0L;
    for (std::size_t i = 0; i < n; ++i) {
      exact += static_cast<long double>(a[i]) * b[i];
      magnitude += std::abs(static_cast<long double>(a[i]) * b[i]);
    }
    EXPECT_NEAR(fixed_order_dot(a, b), static_cast<double>(exact),
                4 * static_cast<double>(n + 1) * 1.2e-16 * static_cast<double>(magnitude))
        << n;
  }
}

TEST(FixedOrderDot, AddsLaneSumsInTheDocumentedTree) {
  // Element i goes to lane i mod 8, and the lanes meet in hr_sum_lanes's tree, neighbours first.
  // Within lane 0, 1e16 + 1 rounds back to 1e16, so the 1 at element 8 is lost; a running sum has
  // cancelled 1e16 by then (element 4) and keeps it.
  std::vector<double> a(11, 0.0), b(11, 1.0);
  a[0] = 1e16;   // lane 0
  a[4] = -1e16;  // lane 4
  a[8] = 1.0;    // lane 0
  a[9] = 2.0;    // lane 1
  a[10] = 0.5;   // lane 2
  // ((1e16 + 2) + (0.5 + 0)) + ((-1e16 + 0) + (0 + 0)): 1e16 + 2.5 rounds to 1e16 + 2
  EXPECT_EQ(fixed_order_dot(a, b), 2.0);
  double sequential = 0;
  for (std::size_t i = 0; i < a.size(); ++i) sequential += a[i] * b[i];
  EXPECT_EQ(sequential, 3.5) << "the example must tell the orders apart";
}

TEST(FixedOrderDot, GivesTheSameBitsAtAnyAlignment) {
  const std::vector<double> a = random_values(91, 3), b = random_values(91, 4);
  const double reference = fixed_order_dot(a, b);
  for (std::size_t offset = 1; offset < 8; ++offset) {
    std::vector<double> shifted_a(offset + a.size()), shifted_b(offset + 2 * offset + b.size());
    std::copy(a.begin(), a.end(), shifted_a.begin() + static_cast<std::ptrdiff_t>(offset));
    std::copy(b.begin(), b.end(), shifted_b.begin() + static_cast<std::ptrdiff_t>(3 * offset));
    const double moved =
        fixed_order_dot(std::span<const double>(shifted_a).subspan(offset),
                        std::span<const double>(shifted_b).subspan(3 * offset, 91));
    EXPECT_EQ(std::memcmp(&moved, &reference, sizeof(double)), 0) << offset;
  }
}

}  // namespace
}  // namespace hypatia::infer
