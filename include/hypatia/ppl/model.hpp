#pragma once

// How a user writes a model. Each call adds one named variable; the returned Expr is that
// variable's value in later parameter expressions. The model then yields the joint log density
// over a flat unconstrained vector (with every transform's log-Jacobian), compiled for any
// backend; model code is the same for every backend.
//
//   hypatia::Model m;
//   auto y = m.data("y", {28., 8., -3., 7., -1., 1., 18., 12.});
//   auto mu = m.normal("mu", 0, 5);
//   auto tau = m.half_cauchy("tau", 5);
//   auto theta = m.normal("theta", mu, tau, {.shape = {8}});
//   m.observe("y_obs", hypatia::Normal(theta, 15.0), y);

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hypatia/function.hpp"
#include "hypatia/infer/target.hpp"
#include "hypatia/inference_data.hpp"
#include "hypatia/ppl/distribution.hpp"
#include "hypatia/tensor.hpp"

namespace hypatia {

struct VariableOptions {
  Shape shape = {};                    // empty: from `dims`, else the distribution's own shape
  std::vector<std::string> dims = {};  // one coordinate name per axis
  TransformPtr transform = nullptr;    // nullptr: the support's default transform
  bool untransformed = false;          // sample on the constrained scale
};

struct DataOptions {
  std::vector<std::string> dims = {};
};

enum class VariableRole { free, observed, deterministic, data, potential };

struct ModelVariable {
  std::string name = {};
  VariableRole role = VariableRole::free;
  std::optional<Distribution> distribution = {};  // free and observed variables
  TransformPtr transform = nullptr;               // free variables
  Shape shape = {};
  std::vector<std::string> dims = {};
  // What model code sees: the value placeholder (free), the observed values (observed), the
  // expression (deterministic, potential) or the data placeholder (data).
  Expr value = {};
};

// Where each free variable sits in the flat unconstrained vector.
struct FlatBlock {
  std::string name = {};
  std::int64_t offset = 0;
  std::int64_t size = 0;
  Shape unconstrained_shape = {};
  Shape shape = {};  // constrained
  TransformPtr transform = nullptr;
  // Integer values (a discrete distribution), held as doubles; gradient-based samplers must not
  // move these coordinates (they have zero gradient).
  bool discrete = false;
};

struct PointLayout {
  std::vector<FlatBlock> blocks = {};
  std::int64_t dim = 0;

  // "mu", "theta[3]", "tau (log)": one per flat coordinate.
  std::vector<std::string> coordinate_names() const;
};

// Named constrained values, e.g. {"mu": scalar, "theta": (8,)}.
using Point = std::map<std::string, Tensor>;

// One variable's log density before summing (PyMC's model.logp(sum=False)): a free variable's per
// independent value (its shape less the event axes, and less the axes its transform couples, as
// PyMC reduces them), an observed variable's per observation, a potential as it was given.
struct ElementwiseLogDensity {
  std::string name = {};
  VariableRole role = VariableRole::free;
  Expr logp = {};  // without a Jacobian
  // Free variables with a transform: the transform's log-Jacobian, of logp's shape.
  std::optional<Expr> log_jacobian = {};
};

// The model's log density as graphs of one flat unconstrained vector `x` and the data
// placeholders (whose current values the model holds).
struct LogDensityGraph {
  Expr x = {};
  Expr logp = {};            // log_prior + log_likelihood
  Expr log_prior = {};       // free variables, with the transforms' log-Jacobians
  Expr log_likelihood = {};  // observed variables and potentials
  std::vector<std::pair<std::string, Expr>> terms = {};  // each variable's scalar contribution
  // Each observed variable's log density per observation (event axes reduced, so the observed
  // shape without its last event_rank axes), in model order: ArviZ's log_likelihood group.
  // Potentials are not observations and have none.
  std::vector<std::pair<std::string, Expr>> pointwise_log_likelihood = {};
  std::vector<Expr> data_inputs = {};
  std::vector<Tensor> data_values = {};  // in the order of data_inputs
};

class CompiledModel;

class Model {
 public:
  Model();
  ~Model();
  Model(const Model&);
  Model& operator=(const Model&);

  void add_coord(const std::string& dim, std::vector<std::string> labels);
  void add_coord(const std::string& dim, std::vector<double> values);

  // Data containers: placeholders in the graph whose values can be replaced (same shape) without
  // rebuilding the model.
  Expr data(const std::string& name, const Tensor& value, const DataOptions& options = {});
  Expr data(const std::string& name, const std::vector<double>& values,
            const DataOptions& options = {});
  void set_data(const std::string& name, const Tensor& value);

  // A free random variable.
  Expr rv(const std::string& name, const Distribution& distribution,
          const VariableOptions& options = {});
  // An observed variable: its log density at the observed values joins the likelihood. The values
  // are checked now: NaN, values outside the support and shapes that do not fit are errors.
  Expr observe(const std::string& name, const Distribution& distribution, const Expr& observed,
               const DataOptions& options = {});
  Expr observe(const std::string& name, const Distribution& distribution, const Tensor& observed,
               const DataOptions& options = {});
  // A derived quantity stored with each draw.
  Expr deterministic(const std::string& name, const Expr& value,
                     const std::vector<std::string>& dims = {});
  // An arbitrary term added to the log density (float64; summed if not a scalar).
  void potential(const std::string& name, const Expr& logp_term);

  // Shorthands for common families.
  Expr normal(const std::string& name, const Expr& mu, const Expr& sigma,
              const VariableOptions& options = {});
  Expr half_normal(const std::string& name, const Expr& sigma, const VariableOptions& options = {});
  Expr half_cauchy(const std::string& name, const Expr& beta, const VariableOptions& options = {});
  Expr exponential(const std::string& name, const Expr& lam, const VariableOptions& options = {});

  const std::vector<ModelVariable>& variables() const;
  const ModelVariable& variable(const std::string& name) const;  // throws for unknown names
  const std::map<std::string, CoordValues>& coords() const;
  const Tensor& data_value(const std::string& name) const;

  PointLayout layout() const;
  LogDensityGraph log_density() const;
  // Each free and observed variable's and potential's log density before summing, in model
  // order, as graphs of log_density()'s flat vector `x` (and the data).
  std::vector<ElementwiseLogDensity> elementwise_log_density(const Expr& x) const;
  // The same as graphs of the variables themselves (the values model code sees): a free
  // variable's log-Jacobian is taken at its transform's unconstrain of its value.
  std::vector<ElementwiseLogDensity> elementwise_log_density() const;
  // log_density()'s x as a graph of the free variables (each through its transform's
  // unconstrain): substituted for x, it turns graphs of x, such as gradients over the value
  // variables, into graphs of the variables.
  Expr unconstrained_vector() const;
  // The log density and gradient compiled for a backend, as a sampler Target.
  std::unique_ptr<CompiledModel> compile(const CompileOptions& options = {}) const;

  // Flat unconstrained vector <-> named constrained point (free variables; `constrain` adds the
  // deterministics). Evaluated by the interpreter: for bulk use, CompiledModel::constrain.
  Point constrain(const std::vector<double>& x) const;
  std::vector<double> unconstrain(const Point& point) const;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

// A model's log density compiled for one backend: a sampler Target plus the map from draws to
// stored values.
class CompiledModel : public Target {
 public:
  CompiledModel(const Model& model, const CompileOptions& options);
  ~CompiledModel() override;

  std::int64_t dim() const override;
  double logp_grad(const double* x, double* grad) override;
  // Without the gradient when the model has discrete variables (compiled for their steps).
  double logp(const double* x) override;
  // For a discrete variable's block whose elements are conditionally independent (see
  // ppl/local_log_density.hpp).
  bool local_logp(std::int64_t offset, std::int64_t size, const double* x, double* out) override;
  bool has_discrete_coordinates() const override;
  // Whether local_logp serves this block.
  bool has_local_logp(std::int64_t offset) const;
  std::unique_ptr<Target> clone() const override;
  std::vector<std::string> coordinate_names() const override;
  std::vector<std::string> nonfinite_variables(const double* x) override;
  bool log_prior_likelihood(const double* x, double* log_prior, double* log_likelihood) override;
  bool sample_prior(std::uint64_t seed, std::uint64_t stream, std::uint64_t counter,
                    double* x) override;

  // Names, shapes and dims of what constrain() returns: free variables, then deterministics.
  const std::vector<ModelVariable>& stored_variables() const;
  // The stored values at x, flattened row-major, in stored_variables() order.
  std::vector<std::vector<double>> constrain(const double* x);
  // The same at `count` points x (count x dim(), row-major): stored variable k of point i is
  // written at outputs[k] + i * (its size). Allocates nothing per point (native backend).
  void constrain(const double* x, std::int64_t count, double* const* outputs);

  // Names, shapes and dims of what log_likelihood() returns: one per observed variable, with the
  // observed values' shape and dims less the distribution's event axes.
  const std::vector<ModelVariable>& pointwise_log_likelihood_variables() const;
  // Each observed variable's pointwise log likelihood at x, flattened row-major, by a function
  // compiled for the model's backend (on first use).
  std::vector<std::vector<double>> log_likelihood(const double* x);
  // The same at `count` points, written as constrain(x, count, outputs) writes.
  void log_likelihood(const double* x, std::int64_t count, double* const* outputs);

  struct Shared;

 private:
  explicit CompiledModel(std::shared_ptr<const Shared> shared);
  void ensure_split_function();
  Function& constrain_function();
  Function& log_likelihood_function();

  std::shared_ptr<const Shared> shared_;
  struct Instance;
  std::unique_ptr<Instance> instance_;
};

}  // namespace hypatia
