// Reductions: sum (more to come: prod, max, min, mean, logsumexp, argmax, all, any, cumulative),
// and sum_to_like, the op that undoes broadcasting in gradients.

#include "hypatia/ops/reduce.hpp"

#include <algorithm>

#include "hypatia/ops.hpp"
#include "ops/op_util.hpp"
#include "ops/reduce_util.hpp"

namespace hypatia::ops {

std::vector<int> normalize_axes(const Axes& axes, int rank, const std::string& op) {
  std::vector<int> result;
  if (axes.empty()) {
    for (int i = 0; i < rank; ++i) result.push_back(i);
    return result;
  }
  for (std::int64_t axis : axes) {
    int a = normalize_axis(axis, rank, op);
    if (std::find(result.begin(), result.end(), a) != result.end()) {
      throw_shape_error(op + ": axis " + std::to_string(axis) + " is repeated");
    }
    result.push_back(a);
  }
  std::sort(result.begin(), result.end());
  return result;
}

Shape reduced_shape(const Shape& shape, const std::vector<int>& axes, bool keepdims) {
  Shape out;
  for (int i = 0; i < static_cast<int>(shape.size()); ++i) {
    const bool reduced = std::find(axes.begin(), axes.end(), i) != axes.end();
    if (!reduced) {
      out.push_back(shape[i]);
    } else if (keepdims) {
      out.push_back(1);
    }
  }
  return out;
}

std::vector<int> attr_axes(const Node& node) {
  std::vector<int> axes;
  for (std::int64_t a : node.attrs().get_ints("axes")) axes.push_back(static_cast<int>(a));
  return axes;
}

ReductionLayout::ReductionLayout(const Shape& shape, const std::vector<int>& axes) {
  const std::vector<std::int64_t> strides = row_major_strides(shape);
  for (int i = 0; i < static_cast<int>(shape.size()); ++i) {
    const bool reduced = std::find(axes.begin(), axes.end(), i) != axes.end();
    (reduced ? reduced_dims : kept_dims).push_back({shape[i], strides[i]});
  }
  outer_size = 1;
  for (const auto& d : kept_dims) outer_size *= d.size;
  inner_size = 1;
  for (const auto& d : reduced_dims) inner_size *= d.size;
}

std::int64_t ReductionLayout::offset(const std::vector<Dim>& dims, std::int64_t flat) {
  std::int64_t off = 0;
  for (std::size_t d = dims.size(); d-- > 0;) {
    off += (flat % dims[d].size) * dims[d].stride;
    flat /= dims[d].size;
  }
  return off;
}

namespace {

Tensor sum_over(const Tensor& x, const std::vector<int>& axes, const Shape& out_shape,
                DType dtype) {
  ReductionLayout layout(x.shape(), axes);
  Tensor out(dtype, out_shape);
  for (std::int64_t o = 0; o < layout.outer_size; ++o) {
    const std::int64_t base = ReductionLayout::offset(layout.kept_dims, o);
    double total = 0.0;
    for (std::int64_t r = 0; r < layout.inner_size; ++r) {
      total += x.at(base + ReductionLayout::offset(layout.reduced_dims, r));
    }
    out.set(o, total);
  }
  return out;
}

const OpDef& sum_op() {
  static const OpDef op{
      .name = "sum",
      .infer = [](const std::vector<NodePtr>& inputs,
                  const Attrs& attrs) -> std::vector<TensorType> {
        expect_arity("sum", inputs, 1);
        const TensorType& x = inputs[0]->type();
        std::vector<int> axes;
        for (std::int64_t a : attrs.get_ints("axes")) axes.push_back(static_cast<int>(a));
        DType dtype = is_integral(x.dtype) ? DType::int64 : x.dtype;
        return {{dtype, reduced_shape(x.shape, axes, attrs.get_int("keepdims") != 0)}};
      },
      .kernel = [](const Node& node, const std::vector<Tensor>& inputs) -> std::vector<Tensor> {
        const Tensor& x = inputs[0];
        const std::vector<int> axes = attr_axes(node);
        const Shape shape = reduced_shape(x.shape(), axes, node.attrs().get_int("keepdims") != 0);
        return {sum_over(x, axes, shape, node.dtype())};
      },
      .grad = [](const NodePtr& node, const std::vector<NodePtr>& grads) -> std::vector<NodePtr> {
        Expr g = grads[0];
        if (node->attrs().get_int("keepdims") == 0) {
          g = expand_dims(g, node->attrs().get_ints("axes"));
        }
        return {broadcast_like(g, node->input(0))};
      },
  };
  return op;
}

const OpDef& sum_to_op() {
  static const OpDef op{
      .name = "sum_to",
      .infer = [](const std::vector<NodePtr>& inputs, const Attrs&) -> std::vector<TensorType> {
        expect_arity("sum_to", inputs, 2);
        const Shape& from = inputs[0]->shape();
        const Shape& to = inputs[1]->shape();
        std::optional<Shape> joined = broadcast_static(from, to);
        if (to.size() > from.size() || !joined || joined->size() != from.size()) {
          fail("sum_to",
               "shape " + shape_to_string(to) + " does not broadcast to " + shape_to_string(from),
               inputs);
        }
        return {{inputs[0]->dtype(), to}};
      },
      .kernel = [](const Node& node, const std::vector<Tensor>& inputs) -> std::vector<Tensor> {
        const Tensor& x = inputs[0];
        const Shape& target = inputs[1].shape();
        std::optional<Shape> joined = broadcast_concrete(x.shape(), target);
        if (!joined || *joined != x.shape()) {
          fail_runtime("sum_to", "target shape does not broadcast to the source", inputs);
        }
        const std::size_t lead = x.shape().size() - target.size();
        std::vector<int> axes;
        for (std::size_t i = 0; i < x.shape().size(); ++i) {
          if (i < lead || (target[i - lead] == 1 && x.shape()[i] != 1))
            axes.push_back(static_cast<int>(i));
        }
        return {sum_over(x, axes, target, node.dtype())};
      },
      .grad = [](const NodePtr& node, const std::vector<NodePtr>& grads) -> std::vector<NodePtr> {
        return {broadcast_like(grads[0], node->input(0)), nullptr};
      },
  };
  return op;
}

}  // namespace
}  // namespace hypatia::ops

namespace hypatia {

Expr sum(const Expr& x, const Axes& axes, bool keepdims) {
  std::vector<int> normalized = ops::normalize_axes(axes, x.rank(), "sum");
  return make_node(ops::sum_op(), {x.node()},
                   Attrs{{"axes", std::vector<std::int64_t>(normalized.begin(), normalized.end())},
                         {"keepdims", std::int64_t{keepdims}}});
}

Expr sum_to_like(const Expr& x, const Expr& like) {
  if (x.shape() == like.shape() && is_fully_known(x.shape())) return x;
  return make_node(ops::sum_to_op(), {x.node(), like.node()});
}

}  // namespace hypatia
