#pragma once

// The fused op: one node standing for a region of elementwise ops (and at most one trailing
// reduction), so that a backend can compute the region in one loop nest without materializing the
// intermediate tensors. The fuse rewrite phase builds these nodes; backends read the body.
//
// A fused node's layout (every fused node satisfies it; the type rule checks it):
//   node inputs   the region's leaf tensors, in the order a depth-first walk from the root
//                 (inputs left to right) first reaches them
//   "body"        a Subgraph: inputs are placeholders "fused.in<i>" typed like node input i;
//                 its single output is the region's root
//   body nodes    placeholders, constants of at most kMaxInlineConstant elements, elementwise
//                 table ops and casts; the root alone may instead be a reduction (sum, prod, max,
//                 min) whose input is an elementwise op. Broadcasting inside the body is allowed.
//
// Fusion runs after differentiation, so `fused` has no gradient rule: differentiating through a
// fused node fails with the engine's "has no gradient rule" error.

#include <cstdint>
#include <vector>

#include "hypatia/node.hpp"

namespace hypatia::ops {

// Constants up to this many elements stay inside a body; larger ones become inputs.
constexpr std::int64_t kMaxInlineConstant = 64;

// Whether a body may contain `node` as an elementwise step: a row of the scalar function table or
// a cast.
bool is_fusible_elementwise(const Node& node);
// Whether a body may end with `node`: a sum, prod, max or min reduction.
bool is_fusible_reduction(const Node& node);

// The fused node computing `root` from `leaves`. Walking from the root towards the inputs, every
// node until a leaf must be fusible (a small constant stays in the body, a larger one becomes an
// input); throws an Error naming the first node that is not. Equal regions give the same node.
NodePtr make_fused(const NodePtr& root, const std::vector<NodePtr>& leaves);

const OpDef& fused_op();
// The native emitter (fused_lower.cpp): one loop nest for the whole region.
void lower_fused(const NodePtr& node, native::Lowering& lowering);
bool is_fused(const Node& node);
// The body of a fused node (its "body" attribute), for lowering.
const Subgraph& fused_body(const Node& node);

}  // namespace hypatia::ops
