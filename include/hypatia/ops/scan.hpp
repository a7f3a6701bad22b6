#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "hypatia/expr.hpp"

namespace hypatia {

// What the body of a scan returns for one step: the next value of each carry (same dtype and shape
// as the carry) and the per-step outputs, which scan stacks along a new leading axis.
struct ScanStep {
  Exprs carries;
  Exprs outputs;
};

// The body of a scan, called once (with placeholder nodes) to build the body graph: the slices of
// the sequences at the current step, and the current carries.
using ScanBody = std::function<ScanStep(const Exprs& step_slices, const Exprs& carries)>;

struct ScanOptions {
  std::optional<std::int64_t> n_steps;  // required when there are no sequences
  bool reverse = false;                 // visit positions T-1, ..., 0 (outputs keep positions)
};

struct ScanResult {
  Exprs carries;        // the carries after the last step
  Exprs outputs;        // per-step outputs stacked: (T, ...output shape)
  Exprs carry_history;  // the carries entering each step, stacked: (T, ...carry shape)
};

// A loop over the leading axis of `sequences` with carried state:
//   for t in 0..T-1:  (carries, outputs[t]) = body(sequences[t], carries)
// The body may use any outer node (a closure): the parts of the body that do not depend on the
// step's slices or carries are evaluated once, outside the loop, and passed in. Differentiable
// with respect to the sequences, the initial carries and every outer node the body uses.
ScanResult scan(const ScanBody& body, const Exprs& sequences, const Exprs& initial_carries,
                const ScanOptions& options = {});

}  // namespace hypatia
