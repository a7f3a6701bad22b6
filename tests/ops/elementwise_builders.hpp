#pragma once

// The public elementwise builders by table-row name, so tests can walk the scalar function table
// and reach each row through its builder (not through the table), checking both.

#include <map>
#include <string>

#include "hypatia/hypatia.hpp"
#include "support/gradient_check.hpp"

namespace hypatia::testing {

inline GraphBuilder from_unary(Expr (*f)(const Expr&)) {
  return [f](const Exprs& x) { return f(x[0]); };
}
inline GraphBuilder from_binary(Expr (*f)(const Expr&, const Expr&)) {
  return [f](const Exprs& x) { return f(x[0], x[1]); };
}
inline GraphBuilder from_ternary(Expr (*f)(const Expr&, const Expr&, const Expr&)) {
  return [f](const Exprs& x) { return f(x[0], x[1], x[2]); };
}

// Every elementwise builder except the special functions, by the name of its table row.
inline const std::map<std::string, GraphBuilder>& elementwise_builders() {
  static const std::map<std::string, GraphBuilder> builders = {
      {"add", from_binary(&hypatia::add)},
      {"sub", from_binary(&hypatia::sub)},
      {"mul", from_binary(&hypatia::mul)},
      {"div", from_binary(&hypatia::div)},
      {"pow", from_binary(&hypatia::pow)},
      {"neg", from_unary(&hypatia::neg)},
      {"abs", from_unary(&hypatia::abs)},
      {"sign", from_unary(&hypatia::sign)},
      {"minimum", from_binary(&hypatia::minimum)},
      {"maximum", from_binary(&hypatia::maximum)},
      {"clip", from_ternary(&hypatia::clip)},
      {"equal", from_binary(&hypatia::equal)},
      {"not_equal", from_binary(&hypatia::not_equal)},
      {"less", from_binary(&hypatia::less)},
      {"less_equal", from_binary(&hypatia::less_equal)},
      {"greater", from_binary(&hypatia::greater)},
      {"greater_equal", from_binary(&hypatia::greater_equal)},
      {"logical_and", from_binary(&hypatia::logical_and)},
      {"logical_or", from_binary(&hypatia::logical_or)},
      {"logical_not", from_unary(&hypatia::logical_not)},
      {"isnan", from_unary(&hypatia::isnan)},
      {"isinf", from_unary(&hypatia::isinf)},
      {"where", from_ternary(&hypatia::where)},
      {"exp", from_unary(&hypatia::exp)},
      {"expm1", from_unary(&hypatia::expm1)},
      {"log", from_unary(&hypatia::log)},
      {"log1p", from_unary(&hypatia::log1p)},
      {"sqrt", from_unary(&hypatia::sqrt)},
      {"square", from_unary(&hypatia::square)},
      {"reciprocal", from_unary(&hypatia::reciprocal)},
      {"sin", from_unary(&hypatia::sin)},
      {"cos", from_unary(&hypatia::cos)},
      {"tan", from_unary(&hypatia::tan)},
      {"tanh", from_unary(&hypatia::tanh)},
      {"sinh", from_unary(&hypatia::sinh)},
      {"cosh", from_unary(&hypatia::cosh)},
      {"arcsin", from_unary(&hypatia::arcsin)},
      {"arccos", from_unary(&hypatia::arccos)},
      {"arctan", from_unary(&hypatia::arctan)},
      {"arctan2", from_binary(&hypatia::arctan2)},
      {"sigmoid", from_unary(&hypatia::sigmoid)},
      {"softplus", from_unary(&hypatia::softplus)},
      {"log1mexp", from_unary(&hypatia::log1mexp)},
      {"logit", from_unary(&hypatia::logit)},
      {"floor", from_unary(&hypatia::floor)},
      {"ceil", from_unary(&hypatia::ceil)},
      {"round", from_unary(&hypatia::round)},
  };
  return builders;
}

inline const GraphBuilder& elementwise_builder(const std::string& name) {
  return elementwise_builders().at(name);
}

}  // namespace hypatia::testing
