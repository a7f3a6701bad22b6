// Shape ops: broadcasting, expand_dims, filled tensors (more to come: reshape, transpose, squeeze,
// concatenate, stack, flatten, shape-of).

#include "hypatia/ops/shape.hpp"

#include <algorithm>

#include "hypatia/ops.hpp"
#include "ops/op_util.hpp"
#include "ops/reduce_util.hpp"

namespace hypatia::ops {
namespace {

// `shape` with size-1 dimensions at the sorted result positions `axes`.
Shape insert_unit_dims(const Shape& shape, const std::vector<std::int64_t>& axes) {
  Shape out;
  std::size_t next = 0;
  for (std::size_t i = 0; i < shape.size() + axes.size(); ++i) {
    const bool inserted =
        std::find(axes.begin(), axes.end(), static_cast<std::int64_t>(i)) != axes.end();
    out.push_back(inserted ? 1 : shape[next++]);
  }
  return out;
}

const OpDef& broadcast_like_op() {
  static const OpDef op{
      .name = "broadcast_like",
      .infer = [](const std::vector<NodePtr>& inputs, const Attrs&) -> std::vector<TensorType> {
        expect_arity("broadcast_like", inputs, 2);
        const Shape& from = inputs[0]->shape();
        const Shape& to = inputs[1]->shape();
        std::optional<Shape> joined = broadcast_static(from, to);
        if (from.size() > to.size() || !joined) {
          fail("broadcast_like",
               "shape " + shape_to_string(from) + " does not broadcast to " + shape_to_string(to),
               inputs);
        }
        return {{inputs[0]->dtype(), *joined}};
      },
      .kernel = [](const Node& node, const std::vector<Tensor>& inputs) -> std::vector<Tensor> {
        const Tensor& x = inputs[0];
        const Shape& target = inputs[1].shape();
        std::optional<Shape> joined = broadcast_concrete(x.shape(), target);
        if (!joined || *joined != target) {
          fail_runtime("broadcast_like", "source shape does not broadcast to the target", inputs);
        }
        Tensor out(x.dtype(), target);
        BroadcastWalker walker(target, {x.shape()});
        for (std::int64_t i = 0; i < walker.size(); ++i) out.set(i, x.at(walker.offsets(i)[0]));
        return {out};
      },
      .grad = [](const NodePtr& node, const std::vector<NodePtr>& grads) -> std::vector<NodePtr> {
        return {sum_to_like(grads[0], node->input(0)), nullptr};
      },
  };
  return op;
}

const OpDef& expand_dims_op() {
  static const OpDef op{
      .name = "expand_dims",
      .infer = [](const std::vector<NodePtr>& inputs,
                  const Attrs& attrs) -> std::vector<TensorType> {
        expect_arity("expand_dims", inputs, 1);
        return {{inputs[0]->dtype(), insert_unit_dims(inputs[0]->shape(), attrs.get_ints("axes"))}};
      },
      .kernel = [](const Node& node, const std::vector<Tensor>& inputs) -> std::vector<Tensor> {
        return {
            inputs[0].reshaped(insert_unit_dims(inputs[0].shape(), node.attrs().get_ints("axes")))};
      },
      .grad = [](const NodePtr& node, const std::vector<NodePtr>& grads) -> std::vector<NodePtr> {
        std::vector<std::int64_t> axes = node->attrs().get_ints("axes");
        return {sum(grads[0], axes, false)};
      },
  };
  return op;
}

const OpDef& fill_like_op() {
  static const OpDef op{
      .name = "fill_like",
      .infer = [](const std::vector<NodePtr>& inputs, const Attrs&) -> std::vector<TensorType> {
        expect_arity("fill_like", inputs, 1);
        return {inputs[0]->type()};
      },
      .kernel = [](const Node& node, const std::vector<Tensor>& inputs) -> std::vector<Tensor> {
        return {Tensor::full(node.dtype(), inputs[0].shape(), node.attrs().get_double("value"))};
      },
      .zero_grad = true,
  };
  return op;
}

}  // namespace
}  // namespace hypatia::ops

namespace hypatia {

Expr broadcast_like(const Expr& x, const Expr& like) {
  if (x.shape() == like.shape() && is_fully_known(x.shape())) return x;
  return make_node(ops::broadcast_like_op(), {x.node(), like.node()});
}

Expr expand_dims(const Expr& x, const std::vector<std::int64_t>& axes) {
  const int out_rank = x.rank() + static_cast<int>(axes.size());
  std::vector<int> normalized = ops::normalize_axes(axes, out_rank, "expand_dims");
  if (axes.empty()) return x;
  return make_node(
      ops::expand_dims_op(), {x.node()},
      Attrs{{"axes", std::vector<std::int64_t>(normalized.begin(), normalized.end())}});
}

Expr full_like(const Expr& like, double value) {
  return make_node(ops::fill_like_op(), {like.node()}, Attrs{{"value", value}});
}
Expr zeros_like(const Expr& like) {
  return full_like(like, 0.0);
}
Expr ones_like(const Expr& like) {
  return full_like(like, 1.0);
}

}  // namespace hypatia
