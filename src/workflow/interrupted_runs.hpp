#pragma once

// What sample() keeps of a run stopped by an interrupt (Ctrl-C): chains stop at their next
// iteration with different numbers of draws, and chains that never started hold none.

#include <cstdint>
#include <vector>

#include "hypatia/error.hpp"
#include "hypatia/infer/nuts.hpp"
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

// A sampler's interrupted result cut to the block chains_to_keep chooses (`kept` receives the
// chain numbers): `draws(chain)` counts a chain's kept draws; each kept chain loses its draws,
// statistics (`truncate(chain, count)`) and divergences beyond the block's count. Throws when no
// chain finished its warm-up.
template <typename Result, typename Draws, typename Truncate>
Result keep_complete_block(Result result, std::vector<std::int64_t>& kept, Draws draws,
                           Truncate truncate) {
  std::vector<std::int64_t> counts;
  for (const auto& chain : result.chains) counts.push_back(draws(chain));
  std::int64_t count = 0;
  kept = chains_to_keep(counts, count);
  if (count == 0) {
    throw Error("sample: interrupted before any chain finished its warm-up; no draws to keep");
  }
  Result block;
  block.dim = result.dim;
  block.seconds = result.seconds;
  for (std::int64_t chain : kept) {
    auto& run = block.chains.emplace_back(std::move(result.chains[chain]));
    run.draws.resize(static_cast<std::size_t>(count * result.dim));
    truncate(run, static_cast<std::size_t>(count));
    std::erase_if(run.divergences, [&](const Divergence& divergence) {
      return !divergence.warmup && divergence.iteration >= count;
    });
  }
  return block;
}

}  // namespace hypatia
