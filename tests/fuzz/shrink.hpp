#pragma once

// Delta debugging for fuzz failures: smaller graphs that still fail the same way.

#include <cstddef>

#include "fuzz/differential.hpp"

namespace hypatia::fuzz {

struct ShrinkBudget {
  double seconds = 30.0;  // stop (keeping the smallest failure so far) after this long
};

struct ShrinkResult {
  FuzzCase shrunk;
  CaseResult result;  // the shrunk case's failure
  std::size_t original_nodes = 0;
  std::size_t shrunk_nodes = 0;
  bool out_of_time = false;
};

// Shrinks a failing case while it keeps failing the same way (a value mismatch stays a value
// mismatch, a native error a native error): first regenerating its seed with smaller dimensions,
// then, round by round, taking a single result, a subexpression as the result, or replacing a node
// by one of its operands of the same type or by a new input holding the node's value (which cuts
// away everything that computed it). The candidates of a round are compiled together as one
// function; the smallest failing one is confirmed alone before it is kept.
ShrinkResult shrink(const FuzzCase& failing, const CaseResult& failure, const CheckOptions& options,
                    const ShrinkBudget& budget = {});

// Nodes of the case's graph (inputs and constants included).
std::size_t graph_size(const FuzzCase& fuzz_case);

}  // namespace hypatia::fuzz
