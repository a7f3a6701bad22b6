#include "rewrite/pattern.hpp"

#include <algorithm>

namespace hypatia::rewrite {

Pattern any(Expr& capture) {
  return Pattern([&capture](const NodePtr& node) {
    capture = Expr(node);
    return true;
  });
}

Pattern same_as(const Expr& earlier) {
  return Pattern([&earlier](const NodePtr& node) { return earlier.node() == node; });
}

Pattern constant_equal(double value) {
  return Pattern([value](const NodePtr& node) { return is_constant_equal_to(*node, value); });
}

Pattern any_constant(Expr& capture) {
  return Pattern([&capture](const NodePtr& node) {
    if (!is_constant(*node)) return false;
    capture = Expr(node);
    return true;
  });
}

Pattern op(const std::string& name, std::vector<Pattern> inputs) {
  return Pattern([name, inputs = std::move(inputs)](const NodePtr& node) {
    if (node->op_name() != name || node->inputs().size() != inputs.size()) return false;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      if (!inputs[i](node->input(i))) return false;
    }
    return true;
  });
}

Pattern commutative(const std::string& name, Pattern a, Pattern b) {
  return Pattern([name, a = std::move(a), b = std::move(b)](const NodePtr& node) {
    if (node->op_name() != name || node->inputs().size() != 2) return false;
    return (a(node->input(0)) && b(node->input(1))) || (a(node->input(1)) && b(node->input(0)));
  });
}

bool known_nonnegative(const Expr& x) {
  static const char* const kNonnegativeOps[] = {"exp", "sqrt",     "square",
                                                "abs", "softplus", "sigmoid"};
  const std::string& name = x->op_name();
  if (std::any_of(std::begin(kNonnegativeOps), std::end(kNonnegativeOps),
                  [&name](const char* op) { return name == op; })) {
    return true;
  }
  if (name == "mul" || name == "add" || name == "div") {
    return known_nonnegative(x->input(0)) && known_nonnegative(x->input(1));
  }
  if (is_constant(*x.node())) {
    const Tensor& value = constant_value(*x.node());
    for (std::int64_t i = 0; i < value.size(); ++i) {
      if (!(value.at(i) >= 0.0)) return false;
    }
    return true;
  }
  return false;
}

}  // namespace hypatia::rewrite
