// A model compiled for one backend, seen by samplers as a Target.

#include <cmath>
#include <future>
#include <map>
#include <optional>
#include <tuple>

#include "hypatia/error.hpp"
#include "hypatia/grad.hpp"
#include "hypatia/graph.hpp"
#include "hypatia/logp_grad.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ops/user_op.hpp"
#include "hypatia/ppl/predictive.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/local_log_density.hpp"
#include "ppl/model_graph.hpp"
#include "ppl/model_state.hpp"
#include "ppl/startup_diagnosis.hpp"

namespace hypatia {

struct CompiledModel::Shared {
  LogDensityGraph graph;
  PointLayout layout;
  std::vector<ModelVariable> stored;        // free variables and deterministics
  std::vector<Expr> stored_values;          // their values as graphs of x and the data
  std::vector<ModelVariable> observations;  // observed variables, shaped as their log likelihood
  CompileOptions options;
  LogpGrad prototype;
  Function constrain;  // stored values from x; each instance takes a copy when it first needs one
  // Forward sampling of the free variables, unconstrained and flattened; empty when a prior has
  // no draws (an improper Flat prior), as only SMC needs them.
  Expr prior_state;
  Expr prior_flat;
  Model model;  // for diagnosing a failed initialization
  // With discrete free variables: the log density alone, and each conditionally independent
  // discrete block's local terms (by block offset).
  std::optional<Function> logp_only;
  std::map<std::int64_t, Function> local;
};

struct CompiledModel::Instance {
  LogpGrad logp_grad;
  std::optional<Function> split;           // log prior, log likelihood
  std::optional<Function> constrain;       // stored values
  std::optional<Function> log_likelihood;  // pointwise, per observed variable
  std::optional<Function> prior;           // a prior draw on the unconstrained scale
  std::optional<Function> logp_only;
  std::map<std::int64_t, Function> local;
  std::vector<const void*> inputs;  // x, then the data
};

namespace {

std::vector<Expr> stored_value_graphs(const Model& model, const LogDensityGraph& graph,
                                      const PointLayout& layout) {
  // Rebuild the free variables' constrained values from x, then every deterministic from them.
  const Replacements replacements = free_variable_replacements(model.variables(), layout, graph.x);
  std::vector<Expr> values;
  for (const ModelVariable& variable : model.variables()) {
    if (variable.role == VariableRole::free || variable.role == VariableRole::deterministic) {
      values.push_back(substitute(variable.value.node(), replacements));
    }
  }
  return values;
}

std::vector<NodePtr> function_inputs(const LogDensityGraph& graph) {
  std::vector<NodePtr> inputs = {graph.x.node()};
  for (const Expr& placeholder : graph.data_inputs) inputs.push_back(placeholder.node());
  return inputs;
}

// Runs `function` (inputs: x and the data) at `count` points x (count x dim, row-major), writing
// output k of point i as doubles at outputs[k] + i * (its size). Float64 outputs are written in
// place; others go through one scratch buffer each, so nothing is allocated per point.
void call_at_points(Function& function, const LogDensityGraph& graph, const double* x,
                    std::int64_t dim, std::int64_t count, double* const* outputs) {
  const std::vector<NodePtr>& nodes = function.outputs();
  std::vector<const void*> inputs = {nullptr};
  for (const Tensor& value : graph.data_values) inputs.push_back(value.bytes());
  std::vector<std::int64_t> sizes;
  std::vector<Tensor> scratch;  // empty for float64 outputs
  for (const NodePtr& node : nodes) {
    sizes.push_back(num_elements(node->shape()));
    scratch.push_back(node->dtype() == DType::float64 ? Tensor()
                                                      : Tensor(node->dtype(), node->shape()));
  }
  std::vector<void*> destinations(nodes.size());
  for (std::int64_t i = 0; i < count; ++i) {
    inputs[0] = x + i * dim;
    for (std::size_t k = 0; k < nodes.size(); ++k) {
      destinations[k] = nodes[k]->dtype() == DType::float64
                            ? static_cast<void*>(outputs[k] + i * sizes[k])
                            : const_cast<std::byte*>(scratch[k].bytes());
    }
    function.call(inputs.data(), destinations.data());
    for (std::size_t k = 0; k < nodes.size(); ++k) {
      if (nodes[k]->dtype() == DType::float64) continue;
      double* out = outputs[k] + i * sizes[k];
      for (std::int64_t j = 0; j < sizes[k]; ++j) out[j] = scratch[k].at(j);
    }
  }
}

// One vector per output of a single point.
std::vector<std::vector<double>> call_at_point(Function& function, const LogDensityGraph& graph,
                                               const double* x, std::int64_t dim) {
  std::vector<std::vector<double>> values;
  std::vector<double*> outputs;
  for (const NodePtr& node : function.outputs()) {
    values.emplace_back(static_cast<std::size_t>(num_elements(node->shape())));
  }
  for (std::vector<double>& value : values) outputs.push_back(value.data());
  call_at_points(function, graph, x, dim, 1, outputs.data());
  return values;
}

std::vector<NodePtr> nodes_of(const std::vector<Expr>& exprs) {
  std::vector<NodePtr> nodes;
  for (const Expr& expr : exprs) nodes.push_back(expr.node());
  return nodes;
}

// The observed variables as their pointwise log likelihood is laid out: the observed shape and
// dims without the event axes (the graphs already have that shape).
std::vector<ModelVariable> observation_variables(const Model& model, const LogDensityGraph& graph) {
  std::vector<ModelVariable> observations;
  for (const auto& [name, pointwise] : graph.pointwise_log_likelihood) {
    ModelVariable variable = model.variable(name);
    variable.shape = pointwise.shape();
    if (!variable.dims.empty()) variable.dims.resize(variable.shape.size());
    observations.push_back(std::move(variable));
  }
  return observations;
}

// A prior draw of every free variable, mapped to the flat unconstrained vector.
// Draws of the free variables alone, for models whose observed variables cannot be drawn (a
// Simulator or a CustomDist with only a logp): SMC needs prior draws of the free variables only.
ForwardGraph free_variable_draws(const Model& model) {
  ForwardGraph graph{.state = input("model:rng_state", random_state_type())};
  RandomStream rng(graph.state);
  Replacements drawn;
  for (const ModelVariable& variable : model.variables()) {
    if (variable.role != VariableRole::free) continue;
    ProvenanceScope scope(variable.name);
    Expr draw = variable.distribution->random(rng, variable.shape);
    const Expr value = cast(Expr(substitute(draw.node(), drawn)), variable.value.dtype());
    rng = RandomStream(Expr(substitute(rng.state().node(), drawn)));
    drawn[variable.value.node().get()] = value.node();
    graph.values.emplace_back(variable.name, value);
  }
  return graph;
}

std::pair<Expr, Expr> prior_draw_graph(const Model& model, const PointLayout& layout) {
  ForwardGraph forward;
  try {
    forward = forward_graph(model);
  } catch (const Error&) {
    forward = free_variable_draws(model);
  }
  Exprs pieces;
  std::size_t block_index = 0;
  for (const auto& [name, value] : forward.values) {
    if (model.variable(name).role != VariableRole::free) continue;
    const FlatBlock& block = layout.blocks[block_index++];
    Expr real = cast(value, DType::float64);
    Expr unconstrained = block.transform ? block.transform->unconstrain(real) : real;
    pieces.push_back(reshape(unconstrained, {block.size}));
  }
  return {forward.state, concatenate(pieces, 0)};
}

bool has_discrete_block(const PointLayout& layout) {
  for (const FlatBlock& block : layout.blocks) {
    if (block.discrete) return true;
  }
  return false;
}

std::shared_ptr<const CompiledModel::Shared> compile_shared(const Model& model,
                                                            const CompileOptions& options) {
  LogDensityGraph graph = model.log_density();
  PointLayout layout = model.layout();
  if (layout.dim == 0) {
    throw Error("the model has no free random variables to sample");
  }
  std::vector<ModelVariable> stored;
  for (const ModelVariable& variable : model.variables()) {
    if (variable.role == VariableRole::free || variable.role == VariableRole::deterministic) {
      stored.push_back(variable);
    }
  }
  std::vector<Expr> stored_values = stored_value_graphs(model, graph, layout);
  // Every run needs both functions (the draws are constrained at the end), and each native
  // compile is one single-threaded compiler process: building them side by side halves the wait
  // for a cold cache on a machine with two cores or more.
  std::future<Function> constrain = std::async(std::launch::async, [&] {
    return Function(function_inputs(graph), nodes_of(stored_values), options);
  });
  // Black-box functions without a gradient: the variables they depend on get NaN gradients
  // (gradient-free steps move them) while the others keep exact ones for NUTS.
  const bool differentiable = non_differentiable_user_ops({graph.logp}, {graph.x}).empty();
  std::optional<NanGradientsThroughUserOps> nan_gradients;
  if (!differentiable) nan_gradients.emplace();
  LogpGrad prototype(graph.x, graph.logp, graph.data_inputs, graph.data_values, options);
  nan_gradients.reset();
  std::vector<ModelVariable> observations = observation_variables(model, graph);
  Expr prior_state, prior_flat;
  try {
    std::tie(prior_state, prior_flat) = prior_draw_graph(model, layout);
  } catch (const Error&) {
    // Left empty: sample_prior reports that the target cannot draw.
  }
  std::optional<Function> logp_only;
  std::map<std::int64_t, Function> local;
  if (has_discrete_block(layout) || !differentiable) {
    logp_only.emplace(function_inputs(graph), std::vector<NodePtr>{graph.logp.node()}, options);
    for (const FlatBlock& block : layout.blocks) {
      if (!block.discrete) continue;
      if (std::optional<Expr> terms = local_log_density(model, graph.x, block)) {
        local.emplace(block.offset, Function(function_inputs(graph), {terms->node()}, options));
      }
    }
  }
  // Joined before the graphs it reads are moved into the result.
  Function constrain_function = constrain.get();
  return std::make_shared<const CompiledModel::Shared>(CompiledModel::Shared{
      std::move(graph), std::move(layout), std::move(stored), std::move(stored_values),
      std::move(observations), options, std::move(prototype), std::move(constrain_function),
      std::move(prior_state), std::move(prior_flat), model, std::move(logp_only),
      std::move(local)});
}

}  // namespace

CompiledModel::CompiledModel(const Model& model, const CompileOptions& options)
    : CompiledModel(compile_shared(model, options)) {}

CompiledModel::CompiledModel(std::shared_ptr<const Shared> shared)
    : shared_(std::move(shared)),
      instance_(std::make_unique<Instance>(
          Instance{shared_->prototype.copy(), {}, {}, {}, {}, {}, {}, {}})) {
  instance_->inputs.push_back(nullptr);
  for (const Tensor& value : shared_->graph.data_values) instance_->inputs.push_back(value.bytes());
}

CompiledModel::~CompiledModel() = default;

std::int64_t CompiledModel::dim() const {
  return shared_->layout.dim;
}

double CompiledModel::logp_grad(const double* x, double* grad) {
  return instance_->logp_grad(x, grad);
}

double CompiledModel::logp(const double* x) {
  if (!shared_->logp_only) return Target::logp(x);
  if (!instance_->logp_only) instance_->logp_only.emplace(shared_->logp_only->copy());
  double logp = 0;
  instance_->inputs[0] = x;
  void* outputs[] = {&logp};
  instance_->logp_only->call(instance_->inputs.data(), outputs);
  return logp;
}

bool CompiledModel::has_local_logp(std::int64_t offset) const {
  return shared_->local.contains(offset);
}

bool CompiledModel::local_logp(std::int64_t offset, std::int64_t size, const double* x,
                               double* out) {
  auto found = shared_->local.find(offset);
  if (found == shared_->local.end() ||
      num_elements(found->second.outputs().front()->shape()) != size) {
    return false;
  }
  auto local = instance_->local.find(offset);
  if (local == instance_->local.end()) {
    local = instance_->local.emplace(offset, found->second.copy()).first;
  }
  instance_->inputs[0] = x;
  void* outputs[] = {out};
  local->second.call(instance_->inputs.data(), outputs);
  return true;
}

bool CompiledModel::has_discrete_coordinates() const {
  return has_discrete_block(shared_->layout);
}

std::unique_ptr<Target> CompiledModel::clone() const {
  return std::unique_ptr<Target>(new CompiledModel(shared_));
}

std::vector<std::string> CompiledModel::coordinate_names() const {
  return shared_->layout.coordinate_names();
}

std::vector<std::string> CompiledModel::nonfinite_variables(const double* x) {
  // Rare (a failed initialization): each term evaluated alone, with the value that makes it fail.
  return diagnose_nonfinite_terms(shared_->model, std::vector<double>(x, x + dim()),
                                  shared_->options);
}

void CompiledModel::ensure_split_function() {
  if (instance_->split) return;
  const LogDensityGraph& graph = shared_->graph;
  instance_->split.emplace(
      function_inputs(graph),
      std::vector<NodePtr>{graph.log_prior.node(), graph.log_likelihood.node()}, shared_->options);
}

bool CompiledModel::log_prior_likelihood(const double* x, double* log_prior,
                                         double* log_likelihood) {
  ensure_split_function();
  std::vector<const void*> inputs = {x};
  for (const Tensor& value : shared_->graph.data_values) inputs.push_back(value.bytes());
  void* outputs[] = {log_prior, log_likelihood};
  instance_->split->call(inputs.data(), outputs);
  return true;
}

bool CompiledModel::sample_prior(std::uint64_t seed, std::uint64_t stream, std::uint64_t counter,
                                 double* x) {
  const LogDensityGraph& graph = shared_->graph;
  if (!shared_->prior_flat) return false;
  if (!instance_->prior) {
    std::vector<NodePtr> inputs = {shared_->prior_state.node()};
    for (const Expr& placeholder : graph.data_inputs) inputs.push_back(placeholder.node());
    instance_->prior.emplace(inputs, std::vector<NodePtr>{shared_->prior_flat.node()},
                             shared_->options);
  }
  const Tensor state = random_state(seed, stream, counter);
  std::vector<const void*> inputs = {state.bytes()};
  for (const Tensor& value : graph.data_values) inputs.push_back(value.bytes());
  void* outputs[] = {x};
  instance_->prior->call(inputs.data(), outputs);
  return true;
}

const std::vector<ModelVariable>& CompiledModel::stored_variables() const {
  return shared_->stored;
}

Function& CompiledModel::constrain_function() {
  if (!instance_->constrain) {
    instance_->constrain.emplace(shared_->constrain.copy());
  }
  return *instance_->constrain;
}

std::vector<std::vector<double>> CompiledModel::constrain(const double* x) {
  return call_at_point(constrain_function(), shared_->graph, x, dim());
}

void CompiledModel::constrain(const double* x, std::int64_t count, double* const* outputs) {
  call_at_points(constrain_function(), shared_->graph, x, dim(), count, outputs);
}

const std::vector<ModelVariable>& CompiledModel::pointwise_log_likelihood_variables() const {
  return shared_->observations;
}

Function& CompiledModel::log_likelihood_function() {
  const LogDensityGraph& graph = shared_->graph;
  if (!instance_->log_likelihood) {
    std::vector<NodePtr> outputs;
    for (const auto& [name, pointwise] : graph.pointwise_log_likelihood) {
      outputs.push_back(pointwise.node());
    }
    instance_->log_likelihood.emplace(function_inputs(graph), outputs, shared_->options);
  }
  return *instance_->log_likelihood;
}

std::vector<std::vector<double>> CompiledModel::log_likelihood(const double* x) {
  if (shared_->graph.pointwise_log_likelihood.empty()) return {};
  return call_at_point(log_likelihood_function(), shared_->graph, x, dim());
}

void CompiledModel::log_likelihood(const double* x, std::int64_t count, double* const* outputs) {
  if (shared_->graph.pointwise_log_likelihood.empty()) return;
  call_at_points(log_likelihood_function(), shared_->graph, x, dim(), count, outputs);
}

std::unique_ptr<CompiledModel> Model::compile(const CompileOptions& options) const {
  return std::make_unique<CompiledModel>(*this, options);
}

}  // namespace hypatia
