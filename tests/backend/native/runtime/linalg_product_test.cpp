// The runtime's matrix product gives the same bits wherever its buffers sit in memory: both
// backends call it, so a product that depended on the output's alignment made one graph's value
// differ between calls and between backends (GP kernels amplify that through sqrt near zero).

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "hypatia_linalg.h"

namespace {

struct ProductCase {
  std::int64_t m, k, n;
};

// C = A B at the given element offsets of A, B and C inside larger buffers.
std::vector<double> product_at(const std::vector<double>& a, const std::vector<double>& b,
                               const ProductCase& shape, int a_offset, int b_offset, int c_offset) {
  std::vector<double> a_buffer(a.size() + 8), b_buffer(b.size() + 8);
  std::vector<double> c_buffer(static_cast<std::size_t>(shape.m * shape.n) + 8);
  std::memcpy(a_buffer.data() + a_offset, a.data(), a.size() * sizeof(double));
  std::memcpy(b_buffer.data() + b_offset, b.data(), b.size() * sizeof(double));
  const std::int64_t ints[] = {0, shape.m, shape.k, shape.k, shape.n};
  std::int64_t sizes[2] = {0, 0};
  hr_linalg_matmul_workspace(ints, sizes);
  std::vector<double> reals(static_cast<std::size_t>(sizes[0]));
  std::vector<std::int64_t> indices(static_cast<std::size_t>(sizes[1]));
  void* buffers[] = {a_buffer.data() + a_offset, b_buffer.data() + b_offset,
                     c_buffer.data() + c_offset, reals.data(), indices.data()};
  EXPECT_EQ(hr_linalg_matmul(buffers, ints, nullptr), 0);
  return {c_buffer.begin() + c_offset, c_buffer.begin() + c_offset + shape.m * shape.n};
}

TEST(RuntimeMatmul, SameBitsAtEveryAlignment) {
  std::mt19937_64 rng(41);
  std::uniform_real_distribution<double> uniform(-2.0, 2.0);
  // Tiny products (Eigen's coefficient-based sizes), matrix-vector shapes and a blocked one.
  const std::vector<ProductCase> cases = {{5, 2, 5}, {3, 7, 4},  {6, 3, 1},   {1, 9, 6},
                                          {2, 1, 8}, {17, 5, 3}, {24, 24, 24}};
  for (const ProductCase& shape : cases) {
    SCOPED_TRACE(testing::Message()
                 << shape.m << "x" << shape.k << " times " << shape.k << "x" << shape.n);
    std::vector<double> a(static_cast<std::size_t>(shape.m * shape.k));
    std::vector<double> b(static_cast<std::size_t>(shape.k * shape.n));
    for (double& value : a) value = uniform(rng);
    for (double& value : b) value = uniform(rng);
    const std::vector<double> first = product_at(a, b, shape, 0, 0, 0);
    // Against the definition in long double: every product element within a few rounding errors.
    for (std::int64_t i = 0; i < shape.m; ++i) {
      for (std::int64_t j = 0; j < shape.n; ++j) {
        long double exact = 0, magnitude = 0;
        for (std::int64_t p = 0; p < shape.k; ++p) {
          const long double term =
              static_cast<long double>(a[i * shape.k + p]) * b[p * shape.n + j];
          exact += term;
          magnitude += std::fabs(term);
        }
        EXPECT_NEAR(first[i * shape.n + j], static_cast<double>(exact),
                    4.0 * shape.k * 1.2e-16 * static_cast<double>(magnitude));
      }
    }
    for (int offset = 1; offset < 8; ++offset) {
      SCOPED_TRACE(testing::Message() << "offset " << offset);
      const std::vector<double> moved_output = product_at(a, b, shape, 0, 0, offset);
      const std::vector<double> moved_all = product_at(a, b, shape, offset, 7 - offset, offset);
      for (std::size_t e = 0; e < first.size(); ++e) {
        EXPECT_EQ(std::memcmp(&first[e], &moved_output[e], sizeof(double)), 0)
            << "element " << e << ": " << first[e] << " vs " << moved_output[e];
        EXPECT_EQ(std::memcmp(&first[e], &moved_all[e], sizeof(double)), 0)
            << "element " << e << ": " << first[e] << " vs " << moved_all[e];
      }
    }
  }
}

}  // namespace
