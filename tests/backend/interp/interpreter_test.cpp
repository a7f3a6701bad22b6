#include <gtest/gtest.h>

#include "hypatia/hypatia.hpp"

namespace hypatia {
namespace {

TEST(Interpreter, EvaluatesWithBroadcasting) {
  Expr a = input("a", {DType::float64, {2, 1}});
  Expr b = input("b", {DType::float64, {3}});
  Tensor out = evaluate((a * b).node(), {{"a", Tensor::from_doubles({1, 2}, {2, 1})},
                                         {"b", Tensor::from_doubles({10, 20, 30}, {3})}});
  EXPECT_EQ(out.shape(), Shape({2, 3}));
  EXPECT_EQ(out.to_doubles(), std::vector<double>({10, 20, 30, 20, 40, 60}));
}

TEST(Interpreter, RejectsValuesThatDoNotFitTheirInput) {
  Expr a = input("a", {DType::float64, {3}});
  Interpreter interpreter({a.node()}, {exp(a).node()});
  try {
    interpreter.run({Tensor::from_doubles({1, 2}, {2})});
    FAIL() << "expected RuntimeError";
  } catch (const RuntimeError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("'a'"), std::string::npos) << message;
    EXPECT_NE(message.find("float64(3,)"), std::string::npos) << message;
    EXPECT_NE(message.find("float64(2,)"), std::string::npos) << message;
  }
  EXPECT_THROW(interpreter.run({Tensor::from_ints({1, 2, 3}, {3})}), RuntimeError);
  EXPECT_THROW(interpreter.run({}), RuntimeError);
}

TEST(Interpreter, RunTimeShapeMismatchNamesOpAndShapes) {
  Expr a = input("a", {DType::float64, {kUnknownDim}});
  Expr b = input("b", {DType::float64, {kUnknownDim}});
  try {
    evaluate((a + b).node(), {{"a", Tensor::from_doubles({1, 2}, {2})},
                              {"b", Tensor::from_doubles({1, 2, 3}, {3})}});
    FAIL() << "expected RuntimeError";
  } catch (const RuntimeError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("add"), std::string::npos) << message;
    EXPECT_NE(message.find("float64(2,)"), std::string::npos) << message;
    EXPECT_NE(message.find("float64(3,)"), std::string::npos) << message;
  }
}

TEST(Interpreter, MissingInputIsNamed) {
  Expr a = input("alpha", {DType::float64, {}});
  try {
    evaluate(exp(a).node(), {});
    FAIL() << "expected RuntimeError";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("'alpha'"), std::string::npos);
  }
  EXPECT_THROW(Interpreter({}, {exp(a).node()}), Error);
}

TEST(Interpreter, UnknownDimensionsResolveAtRunTime) {
  Expr a = input("a", {DType::float64, {kUnknownDim}});
  Expr total = sum(a * 2.0);
  EXPECT_DOUBLE_EQ(evaluate(total.node(), {{"a", Tensor::from_doubles({1, 2, 3}, {3})}}).at(0),
                   12.0);
  EXPECT_DOUBLE_EQ(evaluate(total.node(), {{"a", Tensor::from_doubles({1, 2}, {2})}}).at(0), 6.0);
}

}  // namespace
}  // namespace hypatia
