#include <gtest/gtest.h>

#include "hypatia/error.hpp"
#include "hypatia/shape.hpp"

namespace hypatia {
namespace {

constexpr std::int64_t U = kUnknownDim;

TEST(Broadcast, FollowsNumpyRules) {
  // Expected results as numpy.broadcast_shapes gives them.
  EXPECT_EQ(broadcast_static({3, 1}, {4}), Shape({3, 4}));
  EXPECT_EQ(broadcast_static({}, {2, 3}), Shape({2, 3}));
  EXPECT_EQ(broadcast_static({5, 1, 3}, {4, 1}), Shape({5, 4, 3}));
  EXPECT_EQ(broadcast_static({1}, {1}), Shape({1}));
  EXPECT_FALSE(broadcast_static({3}, {4}).has_value());
  EXPECT_FALSE(broadcast_static({2, 3}, {3, 3}).has_value());
}

TEST(Broadcast, UnknownDimensions) {
  EXPECT_EQ(broadcast_static({U}, {3}), Shape({3}));
  EXPECT_EQ(broadcast_static({U}, {1}), Shape({U}));
  EXPECT_EQ(broadcast_static({U, 2}, {U, 1}), Shape({U, 2}));
  EXPECT_EQ(broadcast_concrete({1, 3}, {2, 1}), Shape({2, 3}));
  EXPECT_FALSE(broadcast_concrete({2}, {3}).has_value());
}

TEST(Shape, PrintsUnknownsAndOneTuples) {
  EXPECT_EQ(shape_to_string({8}), "(8,)");
  EXPECT_EQ(shape_to_string({}), "()");
  EXPECT_EQ(shape_to_string({U, 3}), "(?, 3)");
  EXPECT_EQ(type_to_string({DType::float32, {2, U}}), "float32(2, ?)");
}

TEST(Shape, NormalizeAxis) {
  EXPECT_EQ(normalize_axis(-1, 3, "sum"), 2);
  EXPECT_EQ(normalize_axis(0, 3, "sum"), 0);
  try {
    normalize_axis(3, 3, "sum");
    FAIL() << "expected ShapeError";
  } catch (const ShapeError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("sum"), std::string::npos);
    EXPECT_NE(message.find("axis 3"), std::string::npos);
    EXPECT_NE(message.find("rank 3"), std::string::npos);
  }
}

TEST(DTypes, PromoteLikeNumpy) {
  EXPECT_EQ(promote_types(DType::int64, DType::float32), DType::float64);
  EXPECT_EQ(promote_types(DType::boolean, DType::float32), DType::float32);
  EXPECT_EQ(promote_types(DType::boolean, DType::int64), DType::int64);
  EXPECT_EQ(promote_types(DType::float32, DType::float64), DType::float64);
}

}  // namespace
}  // namespace hypatia
