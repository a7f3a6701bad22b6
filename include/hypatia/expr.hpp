#pragma once

#include <cstdint>
#include <vector>

#include "hypatia/node.hpp"

namespace hypatia {

// The handle users (and gradient rules) build graphs with: a shared reference to an immutable node,
// with arithmetic operators. A C++ number becomes a scalar constant (a double float64, an int
// int64) that is "weak" like numpy 2's Python scalars: it takes the other operands' dtype unless
// its kind is higher (float32 * 2.5 is float32, int64 + 1 int64, int64 * 2.5 float64).
class Expr {
 public:
  Expr() = default;
  Expr(NodePtr node) : node_(std::move(node)) {}  // NOLINT(google-explicit-constructor)
  Expr(double value);                             // NOLINT(google-explicit-constructor)
  Expr(int value);                                // NOLINT(google-explicit-constructor)

  const NodePtr& node() const { return node_; }
  operator const NodePtr&() const { return node_; }  // NOLINT(google-explicit-constructor)
  const Node* operator->() const { return node_.get(); }
  explicit operator bool() const { return node_ != nullptr; }

  const TensorType& type() const { return node_->type(); }
  DType dtype() const { return node_->dtype(); }
  const Shape& shape() const { return node_->shape(); }
  int rank() const { return node_->rank(); }

  bool operator==(const Expr& other) const { return node_ == other.node_; }

 private:
  NodePtr node_;
};

using Exprs = std::vector<Expr>;

Expr operator+(const Expr& a, const Expr& b);
Expr operator-(const Expr& a, const Expr& b);
Expr operator*(const Expr& a, const Expr& b);
Expr operator/(const Expr& a, const Expr& b);
Expr operator-(const Expr& a);

}  // namespace hypatia
