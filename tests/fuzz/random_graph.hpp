#pragma once

// Random well-typed graphs for the differential fuzzer: elementwise chains over the elementwise
// table, broadcasting, reductions, shape and index ops, linear algebra and scans, at random shapes
// (size-1 and odd dimensions up to 17), built through the public graph API.

#include <cstdint>
#include <string>
#include <vector>

#include "hypatia/hypatia.hpp"

namespace hypatia::fuzz {

// One generated graph: its placeholders with concrete shapes, their values, and its results.
struct FuzzCase {
  std::uint64_t seed = 0;
  std::int64_t max_dim = 17;  // the largest dimension the generator may draw
  std::vector<NodePtr> inputs;
  std::vector<Tensor> values;
  std::vector<NodePtr> outputs;
};

// The graph of `seed`: the same seed and max_dim always give the same graph and values. Input
// names start with `prefix`, so several cases can be compiled together as one function.
FuzzCase generate_case(std::uint64_t seed, std::int64_t max_dim, const std::string& prefix = "");

// Drops the inputs (and their values) the outputs no longer reach.
void prune_inputs(FuzzCase& fuzz_case);

}  // namespace hypatia::fuzz
