// NUTS on a model with a discrete variable summed out, then that variable recovered per draw:
// its values drawn from their conditional probabilities, which are stored too.

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

std::vector<std::string> names_without_block(const std::vector<std::string>& all,
                                             const FlatBlock& block) {
  std::vector<std::string> names;
  for (std::size_t i = 0; i < all.size(); ++i) {
    const auto index = static_cast<std::int64_t>(i);
    if (index < block.offset || index >= block.offset + block.size) names.push_back(all[i]);
  }
  return names;
}

// A category drawn from log probabilities by inversion.
std::int64_t draw_category(const double* log_probabilities, std::int64_t count, CounterRng& rng) {
  double u = rng.uniform();
  for (std::int64_t k = 0; k < count; ++k) {
    if ((u -= std::exp(log_probabilities[k])) <= 0) return k;
  }
  return count - 1;  // rounding left a sliver of mass past the last category
}

}  // namespace

InferenceData sample_marginalized(const Model& model, CompiledModel& compiled,
                                  const SampleOptions& options) {
  if (options.sampler != SamplerKind::nuts || !options.steps.empty()) {
    throw Error("sample: marginalize works with NUTS on the remaining variables, without steps");
  }
  if (options.marginalize.size() != 1) {
    throw Error("sample: marginalize one variable at a time for now (got " +
                std::to_string(options.marginalize.size()) + ")");
  }
  const MarginalizedLogDensity marginal = marginalize(model, options.marginalize.front());
  const FlatBlock& block = marginal.block;
  const CompileOptions compile{.backend = options.backend};
  MarginalTarget target(
      LogpGrad(marginal.x, marginal.logp, marginal.data_inputs, marginal.data_values, compile),
      names_without_block(compiled.coordinate_names(), block));
  if (target.dim() == 0) {
    throw Error("sample: nothing is left for NUTS once '" + block.name + "' is marginalized");
  }
  NutsOptions nuts = nuts_options(options);
  nuts.save_warmup = false;
  const NutsResult result = sample_nuts(target, nuts);
  for (const NutsChain& chain : result.chains) {
    if (chain.stats.size() < options.draws) {
      throw Error("sample: interrupted; a marginalized run keeps no partial result");
    }
  }

  std::vector<NodePtr> inputs = {marginal.x.node()};
  for (const Expr& placeholder : marginal.data_inputs) inputs.push_back(placeholder.node());
  Function probabilities(inputs, {marginal.log_probabilities.node()}, compile);
  std::vector<const void*> input_values = {nullptr};
  for (const Tensor& value : marginal.data_values) input_values.push_back(value.bytes());

  const std::int64_t chains = options.chains, draws = options.draws,
                     categories = marginal.categories;
  std::vector<double> full_draws, log_probabilities;
  full_draws.reserve(static_cast<std::size_t>(chains * draws * compiled.dim()));
  log_probabilities.reserve(static_cast<std::size_t>(chains * draws * block.size * categories));
  std::vector<double> lp(static_cast<std::size_t>(block.size * categories));
  std::vector<double> values(static_cast<std::size_t>(block.size));
  for (std::int64_t chain = 0; chain < chains; ++chain) {
    // A stream of its own per chain, apart from NUTS's.
    CounterRng rng(options.seed, static_cast<std::uint64_t>(chain), 0x4d41524749ULL);
    const std::vector<double>& chain_draws = result.chains[static_cast<std::size_t>(chain)].draws;
    for (std::int64_t draw = 0; draw < draws; ++draw) {
      input_values[0] = chain_draws.data() + draw * target.dim();
      void* outputs[] = {lp.data()};
      probabilities.call(input_values.data(), outputs);
      for (std::int64_t j = 0; j < block.size; ++j) {
        values[static_cast<std::size_t>(j)] =
            marginal.lower +
            static_cast<double>(draw_category(lp.data() + j * categories, categories, rng));
      }
      const std::vector<double> full =
          insert_block(marginal, chain_draws.data() + draw * target.dim(), values.data());
      full_draws.insert(full_draws.end(), full.begin(), full.end());
      log_probabilities.insert(log_probabilities.end(), lp.begin(), lp.end());
    }
  }

  InferenceData data;
  data.chains = chains;
  data.draws = draws;
  data.groups["posterior"] = constrained_draws(compiled, full_draws, chains, draws);
  const ModelVariable& variable = model.variable(block.name);
  Variable recovered{.name = "lp_" + block.name, .shape = variable.shape, .dims = variable.dims};
  recovered.shape.push_back(categories);
  const std::string value_dim = block.name + "_value";
  if (!recovered.dims.empty() || variable.shape.empty()) recovered.dims.push_back(value_dim);
  recovered.values = std::move(log_probabilities);
  data.groups["posterior"].variables.push_back(std::move(recovered));
  std::vector<double> support;
  for (std::int64_t k = 0; k < categories; ++k)
    support.push_back(marginal.lower + static_cast<double>(k));
  data.coords[value_dim] = support;
  data.groups["sample_stats"] = nuts_sample_stats(result);
  data.coords[unconstrained_parameter_dim] = target.coordinate_names();
  if (options.log_likelihood) {
    data.groups["log_likelihood"] = log_likelihood_group(compiled, full_draws, chains, draws);
  }
  data.attributes["sampling_time_seconds"] = std::to_string(result.seconds);
  data.attributes["marginalized"] = block.name;
  return data;
}

}  // namespace hypatia
