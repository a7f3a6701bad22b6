// The kernel form's two rules against vectorizer miscompiles (see native::apply): operands are
// evaluated unconditionally, and loop index arithmetic stays integer. `apply` refuses what breaks
// them, and the ops that once broke them (tril/triu, argmax, logsumexp, logical and/or) now render
// code free of both patterns.

#include <gtest/gtest.h>

#include <string>

#include "backend/native/kernel_ir.hpp"
#include "backend/native/lowering.hpp"
#include "backend/native/render_cpp.hpp"
#include "hypatia/hypatia.hpp"
#include "ops/elementwise.hpp"
#include "support/errors.hpp"

namespace hypatia::native {
namespace {

using testing::error_message;
using testing::expect_mentions;

TEST(KernelRules, ConditionalTemplatesAreRefused) {
  const Scalar x = load(0, {}, DType::float64);
  for (const std::string pattern : {"{0} > 0 ? {1} : 0", "{0} != 0 && {1} != 0", "{0} || {1}"}) {
    expect_mentions(error_message([&] {
                      apply("choose", pattern, {x, x}, DType::float64);
                    }),
                    {"'choose'", "conditionally"});
    expect_mentions(error_message([&] {
                      apply("choose", "", {x, x}, DType::int64, pattern);
                    }),
                    {"'choose'", "conditionally"});
  }
}

TEST(KernelRules, LoopIndicesAreNeverComputedInFloatingPoint) {
  const Scalar row = loop_variable(0), column = loop_variable(1);
  const Scalar element = load(0, {}, DType::float64);
  // Indices mixed with a double operand, or a floating result.
  expect_mentions(error_message([&] {
                    apply("band", "{1} - {0} <= {2}", {row, column, element}, DType::float64,
                          "{1} - {0} <= {2}");
                  }),
                  {"'band'", "floating point"});
  expect_mentions(error_message([&] { apply("offset", "{0} * 0.5", {row}, DType::float64); }),
                  {"'offset'", "floating point"});
  // Through an integer function of the indices too.
  const Scalar difference = apply("sub", "{0} - {1}", {column, row}, DType::int64, "{0} - {1}");
  expect_mentions(error_message([&] { apply("half", "{0} / 2.0", {difference}, DType::float64); }),
                  {"'half'", "floating point"});
  // Integer arithmetic on indices, and a select of data by an integer test, are fine.
  const Scalar in_band = apply("in_band", "", {row, column}, DType::boolean, "{1} - {0} <= 0");
  EXPECT_NO_THROW(select(in_band, element, literal(0.0), DType::float64));
}

TEST(KernelRules, EveryElementwiseTemplateEvaluatesItsOperandsUnconditionally) {
  for (const ops::ScalarFunction& row : ops::scalar_function_table()) {
    SCOPED_TRACE(row.name);
    for (const std::string& pattern : {row.cpp, row.cpp_int}) {
      EXPECT_EQ(pattern.find('?'), std::string::npos) << pattern;
      EXPECT_EQ(pattern.find("&&"), std::string::npos) << pattern;
      EXPECT_EQ(pattern.find("||"), std::string::npos) << pattern;
    }
  }
}

// The rendered source of `outputs` over `x`.
std::string source_of(const Expr& x, const Exprs& outputs) {
  std::vector<NodePtr> nodes;
  for (const Expr& output : outputs) nodes.push_back(output.node());
  return render_cpp(Lowering::lower({x.node()}, nodes)).source;
}

TEST(KernelRules, OpsThatUsedToBranchRenderStraightLineSelects) {
  const Expr x = input("x", {DType::float64, {5, 7}});
  const std::string source = source_of(
      x, {tril(x, 1), triu(x, -2), argmax(x, {1}), logsumexp(x, {0}),
          logical_and(greater(x, 0.0), less(x, 0.5)), logical_or(greater(x, 0.0), less(x, -0.5))});
  EXPECT_EQ(source.find('?'), std::string::npos) << source;
  EXPECT_EQ(source.find("&&"), std::string::npos) << source;
  EXPECT_EQ(source.find("||"), std::string::npos) << source;
  EXPECT_EQ(source.find("static_cast<double>(i"), std::string::npos) << source;
  EXPECT_EQ(source.find("static_cast<double>((i"), std::string::npos) << source;
}

}  // namespace
}  // namespace hypatia::native
