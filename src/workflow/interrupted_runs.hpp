#pragma once

// What sample() keeps of a run stopped by an interrupt (Ctrl-C): chains stop at their next
// iteration with different numbers of draws, and chains that never started hold none.

#include <cstdint>
#include <vector>

#include "hypatia/inference_data.hpp"

namespace hypatia {

// InferenceData is rectangular (chain x draw), so this keeps the largest block: the k chains with
// the most draws, each cut to the k-th largest count (`kept_draws`). Returns the chain numbers
// kept, in increasing order; none when no chain has a draw.
std::vector<std::int64_t> chains_to_keep(const std::vector<std::int64_t>& draws_per_chain,
                                         std::int64_t& kept_draws);

// Flags `data` (already holding the kept block's chains and draws) as partial: the global
// attributes sampling_interrupted = 1, draws_requested and draws_completed, and when chains were
// dropped a "chain" coordinate with the numbers of those kept.
void mark_interrupted(InferenceData& data, std::int64_t draws_requested,
                      const std::vector<std::int64_t>& kept_chains, std::int64_t chains_requested);

}  // namespace hypatia
