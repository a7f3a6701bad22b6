#pragma once

// The C++ forms of scalar functions (ScalarNode::cpp_template, cpp_int_template) parsed into
// expression trees, so that renderers other than the C++ one read the same single source: the
// LLVM renderer builds each operator as the C++ rules say and calls every named function through
// a wrapper compiled from the C++ helpers themselves (tools/jit_scalar_wrappers.cpp).
//
// The grammar is the small subset of C++ the templates use: operands {k}, number literals,
// calls f(a, b, ...) (names may contain ::), unary - and !, and binary * /, + -, < <= > >=,
// == !=, &, |, with C++'s precedence and left associativity, and parentheses.

#include <memory>
#include <string>
#include <vector>

namespace hypatia::jit {

struct TemplateExpr {
  enum class Kind { operand, number, call, unary, binary };
  Kind kind = Kind::number;
  int operand = -1;              // operand: {k}
  std::string text;              // number: its spelling; call: the function; unary/binary: operator
  bool integer_literal = false;  // number: no '.', 'e' or 'E' (an int in C++)
  std::vector<std::shared_ptr<const TemplateExpr>> args;  // call arguments, or operator operands
};
using TemplateTree = std::shared_ptr<const TemplateExpr>;

// Throws an Error naming the template and the position when it is outside the grammar.
TemplateTree parse_template(const std::string& text);

// Every function a tree calls, with the number of arguments of each call.
void collect_calls(const TemplateTree& tree, std::vector<std::pair<std::string, int>>& calls);

// The wrapper of `function` for arguments of one kind ('d': double, 'i': int64), as the scalar
// library names it: hr_jit_d_std_exp for std::exp on doubles.
std::string wrapper_name(const std::string& function, char kind);

// The lane form of a double wrapper, when the scalar library has one (functions with an overload
// on HR_SUM_LANES-lane vectors, hypatia_exp_log.h): it takes a pointer to the result's lanes,
// then one to each argument's, so its signature does not depend on the vector ABI.
std::string lanes_wrapper_name(const std::string& wrapper);
// Whether the scalar library gives `function` a lane form.
bool has_lanes_form(const std::string& function);

}  // namespace hypatia::jit
