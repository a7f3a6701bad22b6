#include "workflow/interrupted_runs.hpp"

#include <algorithm>
#include <string>

namespace hypatia {

std::vector<std::int64_t> chains_to_keep(const std::vector<std::int64_t>& draws_per_chain,
                                         std::int64_t& kept_draws) {
  std::vector<std::int64_t> by_count(draws_per_chain.size());
  for (std::size_t chain = 0; chain < by_count.size(); ++chain) {
    by_count[chain] = static_cast<std::int64_t>(chain);
  }
  std::stable_sort(by_count.begin(), by_count.end(), [&](std::int64_t a, std::int64_t b) {
    return draws_per_chain[a] > draws_per_chain[b];
  });
  std::int64_t best_chains = 0;
  kept_draws = 0;
  for (std::int64_t k = 1; k <= static_cast<std::int64_t>(by_count.size()); ++k) {
    const std::int64_t draws = draws_per_chain[by_count[k - 1]];
    if (k * draws > best_chains * kept_draws) {
      best_chains = k;
      kept_draws = draws;
    }
  }
  std::vector<std::int64_t> kept(by_count.begin(), by_count.begin() + best_chains);
  std::sort(kept.begin(), kept.end());
  return kept;
}

void mark_interrupted(InferenceData& data, std::int64_t draws_requested,
                      const std::vector<std::int64_t>& kept_chains, std::int64_t chains_requested) {
  data.attributes["sampling_interrupted"] = "1";
  data.attributes["draws_requested"] = std::to_string(draws_requested);
  data.attributes["draws_completed"] = std::to_string(data.draws);
  data.attributes["chains_requested"] = std::to_string(chains_requested);
  if (static_cast<std::int64_t>(kept_chains.size()) != chains_requested) {
    data.coords["chain"] = kept_chains;
  }
}

}  // namespace hypatia
