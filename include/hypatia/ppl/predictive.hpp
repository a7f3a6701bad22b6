#pragma once

// Forward sampling of a model: prior predictive draws, and posterior predictive draws given
// parameter draws. Draw i uses the Philox stream (seed, i), so results do not depend on the
// backend or on how work is split over threads.

#include <cstdint>

#include "hypatia/function.hpp"
#include "hypatia/inference_data.hpp"
#include "hypatia/ppl/model.hpp"

namespace hypatia {

struct PredictiveOptions {
  std::uint64_t seed = 0;
  Backend backend = default_backend();
};

// Adds the groups "prior" (free variables and deterministics) and "prior_predictive" (observed
// variables) with one chain of `draws` draws to `data` (its chains/draws must be unset or 1 x
// draws).
void sample_prior_predictive(const Model& model, std::int64_t draws, InferenceData& data,
                             const PredictiveOptions& options = {});

// Adds the group "posterior_predictive": for every (chain, draw) of data's posterior group, the
// observed variables drawn given that draw's free variables.
void sample_posterior_predictive(const Model& model, InferenceData& data,
                                 const PredictiveOptions& options = {});

// The forward-sampling graph: every variable's value as a draw from an explicit state input.
struct ForwardGraph {
  Expr state = {};  // int64 (3,): seed, stream, counter
  std::vector<std::pair<std::string, Expr>> values =
      {};  // free, deterministic and observed, in order
};
ForwardGraph forward_graph(const Model& model);

}  // namespace hypatia
