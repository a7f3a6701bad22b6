#pragma once

// Automatic differentiation variational inference (Kucukelbir et al. 2017) as PyMC runs it: a
// Gaussian on the flat unconstrained vector, fitted by stochastic gradient descent on the negative
// evidence lower bound (ELBO). Each iteration draws obj_n_mc standard normals z, sets
// x = mu + S z (reparameterization), calls the compiled log density gradient at x, and adds the
// Gaussian's entropy gradient; nothing else is evaluated per iteration.
//
// Families, parameterized as PyMC's MeanField and FullRank groups:
//   mean-field: params (mu, rho), sigma = softplus(rho), S = diag(sigma);
//   full-rank:  params (mu, L_tril), S = L lower triangular with L_tril below the diagonal and
//               softplus(L_tril) on it.
// The loss recorded per iteration is PyMC's estimate of -ELBO = E_q[log q(x) - logp(x)]: the mean
// over the draws of log q(x) - logp(x), with log q(x) = sum(-z^2 / 2 - log(2 pi) / 2) -
// sum(log diag(S)). Its gradient uses the entropy's exact gradient (the draws' z do not depend on
// the parameters).

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "hypatia/function.hpp"
#include "hypatia/infer/target.hpp"
#include "hypatia/ppl/model.hpp"

namespace hypatia {

enum class AdviFamily { mean_field, full_rank };

// PyMC's optimizer factories (pymc.variational.updates, after Lasagne), with their defaults.
enum class AdviOptimizerKind {
  sgd,                // lr 1e-3
  momentum,           // lr 1e-3, momentum 0.9
  nesterov_momentum,  // lr 1e-3, momentum 0.9
  adagrad,            // lr 1, epsilon 1e-6
  adagrad_window,     // lr 1e-3, epsilon 0.1, n_win 10 (PyMC's default for pm.fit)
  rmsprop,            // lr 1, rho 0.9, epsilon 1e-6
  adadelta,           // lr 1, rho 0.95, epsilon 1e-6
  adam,               // lr 1e-3, beta1 0.9, beta2 0.999, epsilon 1e-8
  adamax,             // lr 2e-3, beta1 0.9, beta2 0.999, epsilon 1e-8
};

struct AdviOptimizer {
  AdviOptimizerKind kind = AdviOptimizerKind::adagrad_window;
  // NaN: the kind's default above.
  double learning_rate = std::numeric_limits<double>::quiet_NaN();
  double epsilon = std::numeric_limits<double>::quiet_NaN();
  double momentum = 0.9;                                  // momentum, nesterov_momentum
  double rho = std::numeric_limits<double>::quiet_NaN();  // rmsprop 0.9, adadelta 0.95
  double beta1 = 0.9;                                     // adam, adamax
  double beta2 = 0.999;
  int n_win = 10;  // adagrad_window: squared gradients kept
};

struct AdviOptions {
  AdviFamily family = AdviFamily::mean_field;
  AdviOptimizer optimizer = {};
  int obj_n_mc = 1;  // Monte Carlo draws per gradient estimate
  std::uint64_t seed = 0;
  // The starting mean on the unconstrained scale (dim values); empty: zeros.
  std::vector<double> start = {};
  // Starting standard deviations per coordinate (dim values, > 0); empty: softplus(0) = log 2 for
  // mean-field, softplus(1) on L's diagonal for full-rank (PyMC's rho = 0 and L_tril = I).
  std::vector<double> start_sigma = {};
  // When > 0, gradients whose Euclidean norm (over all parameters) exceeds it are scaled down to
  // it (PyMC's total_grad_norm_constraint).
  double total_grad_norm_constraint = 0;
};

// One fit, run in pieces: run(n) continues where the last call stopped, so a caller can check
// convergence between pieces. The same seed and the same pieces give the same result, whatever
// the piece boundaries.
class Advi {
 public:
  // `before_iteration(i)` runs before iteration i (counted from 0 over the whole fit), e.g. to
  // draw a new minibatch. The target must outlive the Advi.
  Advi(Target& target, const AdviOptions& options,
       std::function<void(std::int64_t)> before_iteration = {});

  // Runs `iterations` more iterations. Throws hypatia::Error naming the iteration when the loss
  // or its gradient turns NaN or infinite; the parameters are then those before that iteration.
  // Stops early (returning the number run) when interrupt_requested() turns true.
  std::int64_t run(std::int64_t iterations);

  // Numbers the next iteration `iteration`: a fit continuing another (with new optimizer
  // settings, as a new pm.fit call) draws on from where that one stopped.
  void continue_from(std::int64_t iteration) { iteration_ = iteration; }

  std::int64_t dim() const { return dim_; }
  std::int64_t iterations() const { return iteration_; }  // the next iteration's number
  AdviFamily family() const { return options_.family; }
  // The loss (-ELBO estimate) of every iteration run so far.
  const std::vector<double>& loss_history() const { return losses_; }

  // mu, then rho (mean-field, dim values) or L_tril (full-rank, row-major lower triangle,
  // dim (dim + 1) / 2 values).
  const std::vector<double>& parameters() const { return params_; }
  void set_parameters(const std::vector<double>& parameters);
  std::vector<double> mean() const;
  std::vector<double> std() const;              // sqrt(diag(cov))
  std::vector<double> covariance() const;       // dim x dim, row-major
  std::vector<double> cholesky_factor() const;  // S: dim x dim, row-major, lower triangular

  // `draws` x dim draws of the approximation on the unconstrained scale (row-major), from the
  // stream (seed, stream).
  std::vector<double> sample(std::int64_t draws, std::uint64_t seed,
                             std::uint64_t stream = 0) const;

 private:
  double loss_and_gradient(std::int64_t iteration, std::vector<double>& gradient);

  Target& target_;
  AdviOptions options_;
  std::function<void(std::int64_t)> before_iteration_;
  std::int64_t dim_;
  std::vector<double> params_;
  std::vector<double> losses_;
  std::int64_t iteration_ = 0;
  struct Optimizer;
  std::shared_ptr<Optimizer> optimizer_;
  // Scratch reused by every iteration.
  std::vector<double> z_, x_, logp_gradient_;
};

// A minibatch: a data container holding `batch_size` row indices into a data set of
// `population` rows (pm.Minibatch), redrawn uniformly with replacement before every iteration.
struct MinibatchIndices {
  std::string data_name;
  std::int64_t population = 0;
};

// A model's log density (with the Jacobians) compiled as a Target whose minibatch index
// containers can be redrawn without recompiling.
class AdviModelTarget final : public Target {
 public:
  AdviModelTarget(const Model& model, const std::vector<MinibatchIndices>& minibatches,
                  const CompileOptions& compile = {});
  ~AdviModelTarget() override;

  std::int64_t dim() const override;
  double logp_grad(const double* x, double* grad) override;
  std::unique_ptr<Target> clone() const override;
  std::vector<std::string> coordinate_names() const override;

  bool has_minibatches() const;
  // New rows for every minibatch, from the stream (seed, iteration).
  void draw_minibatches(std::uint64_t seed, std::int64_t iteration);

 private:
  struct State;
  explicit AdviModelTarget(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// Maps an optimizer name ("adam", "adagrad_window", ...) to its kind; throws hypatia::Error
// naming the known ones.
AdviOptimizerKind advi_optimizer_kind(const std::string& name);

}  // namespace hypatia
