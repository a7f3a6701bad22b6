#include <gtest/gtest.h>

#include <limits>

#include "hypatia/error.hpp"
#include "hypatia/tensor.hpp"

namespace hypatia {
namespace {

TEST(Tensor, CopiesShareTheBuffer) {
  Tensor a = Tensor::from_doubles({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor b = a;
  EXPECT_EQ(a.bytes(), b.bytes());
  Tensor reshaped = a.reshaped({3, 2});
  EXPECT_EQ(reshaped.bytes(), a.bytes());
  EXPECT_EQ(reshaped.shape(), Shape({3, 2}));
  Tensor deep = a.copy();
  EXPECT_NE(deep.bytes(), a.bytes());
  EXPECT_TRUE(deep.identical(a));
}

TEST(Tensor, DTypesAndCasts) {
  Tensor f = Tensor::from_doubles({1.5, -2.5}, {2}, DType::float32);
  EXPECT_EQ(f.dtype(), DType::float32);
  EXPECT_EQ(f.data<float>()[1], -2.5f);
  Tensor i = f.cast(DType::int64);
  EXPECT_EQ(i.data<std::int64_t>()[0], 1);  // truncation toward zero, like numpy's astype
  EXPECT_EQ(i.data<std::int64_t>()[1], -2);
  Tensor b = Tensor::from_doubles({0.0, 3.0}, {2}).cast(DType::boolean);
  EXPECT_EQ(b.data<std::uint8_t>()[0], 0);
  EXPECT_EQ(b.data<std::uint8_t>()[1], 1);
  EXPECT_THROW(f.data<double>(), Error);
}

// C++ leaves NaN and out-of-range double-to-int64 conversions undefined; Tensor defines them as
// numpy does on x86 (values from numpy 1.24: astype(np.int64)).
TEST(Tensor, NanAndOutOfRangeDoublesBecomeInt64Min) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const std::int64_t lowest = std::numeric_limits<std::int64_t>::min();
  const std::vector<double> values = {
      nan,    inf,  -inf, 1e19, -1e19, 9223372036854775808.0, -9223372036854775808.0,
      9.2e18, -2.7, 2.7};
  const std::vector<std::int64_t> expected = {
      lowest, lowest, lowest, lowest, lowest, lowest, lowest, 9200000000000000000, -2, 2};
  const Tensor cast = Tensor::from_doubles(values, {10}).cast(DType::int64);
  const Tensor stored = Tensor::from_doubles(values, {10}, DType::int64);
  for (std::size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(cast.data<std::int64_t>()[i], expected[i]) << values[i];
    EXPECT_EQ(stored.data<std::int64_t>()[i], expected[i]) << values[i];
  }
}

TEST(Tensor, RejectsBadShapes) {
  EXPECT_THROW(Tensor(DType::float64, {2, -1}), Error);
  EXPECT_THROW(Tensor::from_doubles({1, 2, 3}, {2, 2}), Error);
  EXPECT_THROW(Tensor::from_doubles({1, 2, 3, 4}, {4}).reshaped({3}), Error);
}

TEST(Tensor, StridesAreRowMajor) {
  EXPECT_EQ(row_major_strides({2, 3, 4}), std::vector<std::int64_t>({12, 4, 1}));
  EXPECT_TRUE(row_major_strides({}).empty());
}

}  // namespace
}  // namespace hypatia
