#include <gtest/gtest.h>

#include <filesystem>

#include "hypatia/function.hpp"
#include "hypatia/hypatia.hpp"
#include "support/fresh_cache_directory.hpp"

namespace hypatia {
namespace {

CompileOptions native_options() {
  CompileOptions options;
  options.backend = Backend::native;
  options.compiler_flags = {"-O1", "-std=c++20", "-fPIC", "-shared"};
  options.cache_dir = testing::fresh_cache_directory().string();
  return options;
}

TEST(NativeFunction, ElementwiseWithBroadcastingMatchesInterpreter) {
  Expr a = input("a", {DType::float64, {2, 1}});
  Expr b = input("b", {DType::float64, {3}});
  Expr y = exp(a * b - 1.0) / (b + 2.0);
  Function native({a.node(), b.node()}, {y.node()}, native_options());
  Function interp({a.node(), b.node()}, {y.node()}, {.backend = Backend::interp});
  std::vector<Tensor> values = {Tensor::from_doubles({0.5, -1.0}, {2, 1}),
                                Tensor::from_doubles({1.0, 2.0, 3.0}, {3})};
  Tensor expected = interp(values).front();
  Tensor got = native(values).front();
  ASSERT_EQ(got.shape(), Shape({2, 3}));
  for (std::int64_t i = 0; i < got.size(); ++i) EXPECT_DOUBLE_EQ(got.at(i), expected.at(i));
  EXPECT_NE(native.info().source.find("std::exp"), std::string::npos);
}

// One fused loop whose values are each read three times by the next: rendered as a tree, the
// innermost value would be computed 3^8 times (and 3^k for depth k). Each value is computed once,
// into a local, so the source grows with the depth, and the values are the interpreter's bit for
// bit.
TEST(NativeFunction, ValuesReadSeveralTimesInAFusedLoopAreComputedOnce) {
  Expr x = input("x", {DType::float64, {5}});
  Expr y = x;
  for (int k = 0; k < 8; ++k) y = sin(y) * y + exp(-square(y));
  Function native({x.node()}, {y.node()}, native_options());
  Function interp({x.node()}, {y.node()}, {.backend = Backend::interp});
  const std::vector<Tensor> values = {Tensor::from_doubles({-2.0, -0.3, 0.0, 0.7, 3.0}, {5})};
  EXPECT_TRUE(native(values).front().identical(interp(values).front()));
  EXPECT_LT(native.info().source.size(), 10000u);
}

TEST(NativeFunction, SecondCompileComesFromTheCache) {
  Expr a = input("cached", {DType::float64, {4}});
  Expr y = a * a + 1.0;
  Function first({a.node()}, {y.node()}, native_options());
  Function second({a.node()}, {y.node()}, native_options());
  EXPECT_TRUE(second.info().cache_hit);
}

// An op made here with a type rule and a kernel but no native emitter.
const OpDef& op_without_emitter() {
  static const OpDef op{
      .name = "test_identity_without_emitter",
      .infer = [](const std::vector<NodePtr>& inputs, const Attrs&) -> std::vector<TensorType> {
        return {inputs[0]->type()};
      },
      .kernel = [](const Node&, const std::vector<Tensor>& inputs) { return inputs; },
  };
  return op;
}

TEST(NativeFunction, MissingEmitterNamesTheOp) {
  Expr a = input("a", {DType::float64, {3}});
  Expr y = make_node(op_without_emitter(), {a.node()});
  EXPECT_EQ(Function({a.node()}, {y.node()},
                     {.backend = Backend::interp})({Tensor::from_doubles({1, 2, 3}, {3})})
                .front()
                .at(2),
            3.0);
  try {
    Function f({a.node()}, {(y * 2.0).node()}, native_options());
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("test_identity_without_emitter"), std::string::npos)
        << e.what();
  }
}

TEST(NativeFunction, RejectsValuesOfOtherShapes) {
  Expr a = input("a", {DType::float64, {3}});
  Function f({a.node()}, {(a + a).node()}, native_options());
  EXPECT_THROW(f({Tensor::from_doubles({1, 2}, {2})}), RuntimeError);
}

}  // namespace
}  // namespace hypatia

namespace hypatia {
namespace {

// Fused regions (elementwise chains with broadcasting and a trailing reduction) compile to one
// loop nest and compute what the unfused graph computes on the interpreter.
TEST(NativeFunction, FusedRegionsMatchTheUnfusedInterpreter) {
  for (DType dtype : {DType::float64, DType::float32}) {
    Expr a = input("a", {dtype, {3, 1}});
    Expr b = input("b", {dtype, {4}});
    Expr y = sum(exp(a * b) - a / (b * b + 1.0), {1}, true);
    Expr z = max(log1p(a * a) * b, {0});
    CompileOptions options = native_options();
    options.optimize = true;
    Function native({a.node(), b.node()}, {y.node(), z.node()}, options);
    EXPECT_NE(native.info().source.find("+="), std::string::npos) << native.info().source;
    Function interp({a.node(), b.node()}, {y.node(), z.node()},
                    {.backend = Backend::interp, .optimize = false});
    std::vector<Tensor> values = {Tensor::from_doubles({0.5, -1.0, 0.25}, {3, 1}, dtype),
                                  Tensor::from_doubles({1.0, 2.0, -3.0, 0.5}, {4}, dtype)};
    std::vector<Tensor> expected = interp(values), got = native(values);
    for (std::size_t k = 0; k < 2; ++k) {
      ASSERT_EQ(got[k].type(), expected[k].type());
      for (std::int64_t i = 0; i < got[k].size(); ++i) {
        EXPECT_NEAR(got[k].at(i), expected[k].at(i),
                    (dtype == DType::float32 ? 1e-6 : 1e-13) * std::abs(expected[k].at(i)));
      }
    }
  }
}

}  // namespace
}  // namespace hypatia
