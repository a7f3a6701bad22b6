// NUTS on a model with a discrete variable summed out, then that variable recovered per draw:
// its values drawn from their conditional probabilities, which are stored too.

#include <algorithm>
#include <cmath>

#include "hypatia/error.hpp"
#include "hypatia/infer/rng.hpp"
#include "hypatia/logp_grad.hpp"
#include "hypatia/ppl/marginal.hpp"
#include "workflow/model_groups.hpp"

namespace hypatia {
namespace {

// The marginal log density as a sampler target.
class MarginalTarget : public Target {
 public:
  MarginalTarget(LogpGrad logp_grad, std::vector<std::string> names)
      : logp_grad_(std::move(logp_grad)), names_(std::move(names)) {}

  std::int64_t dim() const override { return static_cast<std::int64_t>(names_.size()); }
  double logp_grad(const double* x, double* grad) override { return logp_grad_(x, grad); }
  std::unique_ptr<Target> clone() const override {
    return std::make_unique<MarginalTarget>(logp_grad_.copy(), names_);
  }
  std::vector<std::string> coordinate_names() const override { return names_; }

 private:
  LogpGrad logp_grad_;
  std::vector<std::string> names_;
};

std::vector<std::string> names_without_blocks(const std::vector<std::string>& all,
                                              const PointLayout& layout,
                                              const std::vector<std::string>& marginalized) {
  std::vector<bool> keep(all.size(), true);
  for (const FlatBlock& block : layout.blocks) {
    if (std::find(marginalized.begin(), marginalized.end(), block.name) == marginalized.end()) {
      continue;
    }
    for (std::int64_t i = block.offset; i < block.offset + block.size; ++i) {
      keep[static_cast<std::size_t>(i)] = false;
    }
  }
  std::vector<std::string> names;
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (keep[i]) names.push_back(all[i]);
  }
  return names;
}

// NUTS cannot move what is left discrete.
void require_continuous_rest(const PointLayout& layout,
                             const std::vector<std::string>& marginalized) {
  for (const FlatBlock& block : layout.blocks) {
    if (block.discrete &&
        std::find(marginalized.begin(), marginalized.end(), block.name) == marginalized.end()) {
      throw Error("sample: '" + block.name +
                  "' is discrete and not marginalized, so NUTS cannot sample the rest; "
                  "marginalize it too, or sample without marginalize (compound steps)");
    }
  }
}

Variable log_probability_variable(const Model& model, const MarginalizedVariable& marginalized,
                                  std::vector<double> values) {
  const ModelVariable& variable = model.variable(marginalized.block.name);
  Variable recovered{
      .name = "lp_" + marginalized.block.name, .shape = variable.shape, .dims = variable.dims};
  recovered.shape.push_back(marginalized.categories);
  if (!recovered.dims.empty() || variable.shape.empty()) {
    recovered.dims.push_back(marginalized.block.name + "_value");
  }
  recovered.values = std::move(values);
  return recovered;
}

}  // namespace

InferenceData sample_marginalized(const Model& model, CompiledModel& compiled,
                                  const SampleOptions& options) {
  if (options.sampler != SamplerKind::nuts || !options.steps.empty()) {
    throw Error("sample: marginalize works with NUTS on the remaining variables, without steps");
  }
  const std::vector<std::string>& names = options.marginalize;
  const MarginalizedLogDensity marginal = marginalize(model, names);
  require_continuous_rest(model.layout(), names);
  const CompileOptions compile{.backend = options.backend};
  MarginalTarget target(
      LogpGrad(marginal.x, marginal.logp, marginal.data_inputs, marginal.data_values, compile),
      names_without_blocks(compiled.coordinate_names(), model.layout(), names));
  if (target.dim() == 0) {
    throw Error("sample: nothing is left for NUTS once the discrete variables are marginalized");
  }
  NutsOptions nuts = nuts_options(options);
  nuts.save_warmup = false;
  const NutsResult result = sample_nuts(target, nuts);
  for (const NutsChain& chain : result.chains) {
    if (chain.stats.size() < options.draws) {
      throw Error("sample: interrupted; a marginalized run keeps no partial result");
    }
  }

  MarginalRecovery recovery(marginal, compile);
  const std::int64_t chains = options.chains, draws = options.draws;
  std::vector<double> full_draws;
  full_draws.reserve(static_cast<std::size_t>(chains * draws * compiled.dim()));
  std::vector<std::vector<double>> log_probabilities(marginal.variables.size());
  std::vector<std::vector<double>> draw_log_probabilities;
  for (std::int64_t chain = 0; chain < chains; ++chain) {
    // A stream of its own per chain, apart from NUTS's.
    CounterRng rng(options.seed, static_cast<std::uint64_t>(chain), 0x4d41524749ULL);
    const std::vector<double>& chain_draws = result.chains[static_cast<std::size_t>(chain)].draws;
    for (std::int64_t draw = 0; draw < draws; ++draw) {
      const std::vector<double> full =
          recovery.draw(chain_draws.data() + draw * target.dim(), draw_log_probabilities,
                        [&] { return rng.uniform(); });
      full_draws.insert(full_draws.end(), full.begin(), full.end());
      for (std::size_t i = 0; i < log_probabilities.size(); ++i) {
        log_probabilities[i].insert(log_probabilities[i].end(), draw_log_probabilities[i].begin(),
                                    draw_log_probabilities[i].end());
      }
    }
  }

  InferenceData data;
  data.chains = chains;
  data.draws = draws;
  data.groups["posterior"] = constrained_draws(compiled, full_draws, chains, draws);
  std::string joined;
  for (std::size_t i = 0; i < marginal.variables.size(); ++i) {
    const MarginalizedVariable& variable = marginal.variables[i];
    data.groups["posterior"].variables.push_back(
        log_probability_variable(model, variable, std::move(log_probabilities[i])));
    std::vector<double> support;
    for (std::int64_t k = 0; k < variable.categories; ++k) {
      support.push_back(variable.lower + static_cast<double>(k));
    }
    data.coords[variable.block.name + "_value"] = support;
    joined += (joined.empty() ? "" : ",") + variable.block.name;
  }
  data.groups["sample_stats"] = nuts_sample_stats(result);
  data.coords[unconstrained_parameter_dim] = target.coordinate_names();
  if (options.log_likelihood) {
    data.groups["log_likelihood"] = log_likelihood_group(compiled, full_draws, chains, draws);
  }
  data.attributes["sampling_time_seconds"] = std::to_string(result.seconds);
  data.attributes["marginalized"] = joined;
  return data;
}

}  // namespace hypatia
