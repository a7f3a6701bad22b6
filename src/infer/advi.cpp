// ADVI: stochastic gradient descent on the negative ELBO of a Gaussian over the unconstrained
// vector, with reparameterized gradients from the compiled log density gradient.

#include "hypatia/infer/advi.hpp"

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <sstream>

#include "hypatia/error.hpp"
#include "hypatia/infer/rng.hpp"
#include "hypatia/interrupt.hpp"
#include "hypatia/logp_grad.hpp"

namespace hypatia {
namespace {

// Random streams of one seed, by purpose (the stream is the iteration or the caller's).
constexpr std::uint64_t gradient_draws = 0;
constexpr std::uint64_t minibatch_draws = 1;
constexpr std::uint64_t approximation_draws = 2;

double softplus(double r) {
  return r > 0 ? r + std::log1p(std::exp(-r)) : std::log1p(std::exp(r));
}
double sigmoid(double r) {
  return r >= 0 ? 1 / (1 + std::exp(-r)) : std::exp(r) / (1 + std::exp(r));
}
// rho with softplus(rho) = sigma > 0.
double inverse_softplus(double sigma) {
  return sigma > 30 ? sigma + std::log(-std::expm1(-sigma)) : std::log(std::expm1(sigma));
}

std::size_t tril_index(std::int64_t row, std::int64_t column) {
  return static_cast<std::size_t>(row * (row + 1) / 2 + column);
}

[[noreturn]] void fail(const std::string& message) {
  throw Error("ADVI: " + message);
}

}  // namespace

AdviOptimizerKind advi_optimizer_kind(const std::string& name) {
  static const std::pair<const char*, AdviOptimizerKind> kinds[] = {
      {"sgd", AdviOptimizerKind::sgd},
      {"momentum", AdviOptimizerKind::momentum},
      {"nesterov_momentum", AdviOptimizerKind::nesterov_momentum},
      {"adagrad", AdviOptimizerKind::adagrad},
      {"adagrad_window", AdviOptimizerKind::adagrad_window},
      {"rmsprop", AdviOptimizerKind::rmsprop},
      {"adadelta", AdviOptimizerKind::adadelta},
      {"adam", AdviOptimizerKind::adam},
      {"adamax", AdviOptimizerKind::adamax},
  };
  std::string known;
  for (const auto& [spelling, kind] : kinds) {
    if (name == spelling) return kind;
    known += (known.empty() ? "" : ", ") + std::string(spelling);
  }
  fail("unknown optimizer '" + name + "' (known: " + known + ")");
}

// The optimizer's state and update rule, one element of the parameter vector at a time.
struct Advi::Optimizer {
  AdviOptimizer settings;
  std::vector<double> first;   // momentum velocity, adam's m, adadelta's accumulated gradients
  std::vector<double> second;  // squared-gradient accumulators, adadelta's accumulated updates
  std::vector<double> window;  // adagrad_window: n_win squared gradients per parameter
  int window_position = 0;
  std::int64_t steps = 0;

  Optimizer(AdviOptimizer given, std::size_t size) : settings(given) {
    using K = AdviOptimizerKind;
    auto fill_default = [](double& value, double fallback) {
      if (std::isnan(value)) value = fallback;
    };
    switch (settings.kind) {
      case K::sgd:
      case K::momentum:
      case K::nesterov_momentum:
      case K::adagrad_window:
      case K::adam:
        fill_default(settings.learning_rate, 1e-3);
        break;
      case K::adamax:
        fill_default(settings.learning_rate, 2e-3);
        break;
      default:
        fill_default(settings.learning_rate, 1.0);
    }
    fill_default(settings.epsilon, settings.kind == K::adagrad_window ? 0.1
                                   : (settings.kind == K::adam || settings.kind == K::adamax)
                                       ? 1e-8
                                       : 1e-6);
    fill_default(settings.rho, settings.kind == K::adadelta ? 0.95 : 0.9);
    if (!(settings.learning_rate > 0) || !std::isfinite(settings.learning_rate)) {
      fail("learning_rate must be positive and finite, got " +
           std::to_string(settings.learning_rate));
    }
    if (!(settings.epsilon >= 0)) fail("epsilon must be at least 0");
    if (settings.n_win < 1) fail("n_win must be at least 1, got " + std::to_string(settings.n_win));
    first.assign(size, 0.0);
    second.assign(size, 0.0);
    if (settings.kind == K::adagrad_window) {
      window.assign(size * static_cast<std::size_t>(settings.n_win), 0.0);
    }
  }

  void step(std::vector<double>& params, const std::vector<double>& gradient) {
    using K = AdviOptimizerKind;
    const AdviOptimizer& s = settings;
    const double lr = s.learning_rate;
    ++steps;
    const double t = static_cast<double>(steps);
    const double adam_rate = lr * std::sqrt(1 - std::pow(s.beta2, t)) / (1 - std::pow(s.beta1, t));
    const std::size_t n_win = static_cast<std::size_t>(s.n_win);
    for (std::size_t i = 0; i < params.size(); ++i) {
      const double g = gradient[i];
      switch (s.kind) {
        case K::sgd:
          params[i] -= lr * g;
          break;
        case K::momentum:
          first[i] = s.momentum * first[i] - lr * g;
          params[i] += first[i];
          break;
        case K::nesterov_momentum:
          first[i] = s.momentum * first[i] - lr * g;
          params[i] += s.momentum * first[i] - lr * g;
          break;
        case K::adagrad:
          second[i] += g * g;
          params[i] -= lr * g / std::sqrt(second[i] + s.epsilon);
          break;
        case K::adagrad_window: {
          double* squares = window.data() + i * n_win;
          squares[window_position] = g * g;
          double sum = 0;
          for (std::size_t k = 0; k < n_win; ++k) sum += squares[k];
          params[i] -= lr * g / std::sqrt(sum + s.epsilon);
          break;
        }
        case K::rmsprop:
          second[i] = s.rho * second[i] + (1 - s.rho) * g * g;
          params[i] -= lr * g / std::sqrt(second[i] + s.epsilon);
          break;
        case K::adadelta: {
          first[i] = s.rho * first[i] + (1 - s.rho) * g * g;
          const double update =
              g * std::sqrt(second[i] + s.epsilon) / std::sqrt(first[i] + s.epsilon);
          params[i] -= lr * update;
          second[i] = s.rho * second[i] + (1 - s.rho) * update * update;
          break;
        }
        case K::adam:
          first[i] = s.beta1 * first[i] + (1 - s.beta1) * g;
          second[i] = s.beta2 * second[i] + (1 - s.beta2) * g * g;
          params[i] -= adam_rate * first[i] / (std::sqrt(second[i]) + s.epsilon);
          break;
        case K::adamax:
          first[i] = s.beta1 * first[i] + (1 - s.beta1) * g;
          second[i] = std::max(s.beta2 * second[i], std::abs(g));
          params[i] -= lr / (1 - std::pow(s.beta1, t)) * first[i] / (second[i] + s.epsilon);
          break;
      }
    }
    if (s.kind == K::adagrad_window) window_position = (window_position + 1) % s.n_win;
  }
};

Advi::Advi(Target& target, const AdviOptions& options,
           std::function<void(std::int64_t)> before_iteration)
    : target_(target),
      options_(options),
      before_iteration_(std::move(before_iteration)),
      dim_(target.dim()) {
  if (dim_ < 1) fail("the model has no free random variables");
  if (options.obj_n_mc < 1)
    fail("obj_n_mc must be at least 1, got " + std::to_string(options.obj_n_mc));
  if (!(options.total_grad_norm_constraint >= 0)) {
    fail("total_grad_norm_constraint must be at least 0 (0: none)");
  }
  const auto size = static_cast<std::size_t>(dim_);
  if (!options.start.empty() && options.start.size() != size) {
    fail("start has " + std::to_string(options.start.size()) + " values; the model has " +
         std::to_string(dim_) + " unconstrained coordinates");
  }
  if (!options.start_sigma.empty() && options.start_sigma.size() != size) {
    fail("start_sigma has " + std::to_string(options.start_sigma.size()) +
         " values; the model has " + std::to_string(dim_) + " unconstrained coordinates");
  }
  for (double sigma : options.start_sigma) {
    if (!(sigma > 0) || !std::isfinite(sigma)) {
      fail("start_sigma values must be positive and finite, got " + std::to_string(sigma));
    }
  }
  for (double value : options.start) {
    if (!std::isfinite(value)) fail("start values must be finite");
  }
  params_.assign(size, 0.0);
  if (!options.start.empty())
    std::copy(options.start.begin(), options.start.end(), params_.begin());
  if (options.family == AdviFamily::mean_field) {
    for (std::size_t i = 0; i < size; ++i) {
      params_.push_back(options.start_sigma.empty() ? 0.0
                                                    : inverse_softplus(options.start_sigma[i]));
    }
  } else {
    for (std::int64_t row = 0; row < dim_; ++row) {
      for (std::int64_t column = 0; column <= row; ++column) {
        const bool diagonal = row == column;
        params_.push_back(
            !diagonal ? 0.0
            : options.start_sigma.empty()
                ? 1.0
                : inverse_softplus(options.start_sigma[static_cast<std::size_t>(row)]));
      }
    }
  }
  optimizer_ = std::make_shared<Optimizer>(options.optimizer, params_.size());
  z_.resize(size);
  x_.resize(size);
  logp_gradient_.resize(size);
}

void Advi::set_parameters(const std::vector<double>& parameters) {
  if (parameters.size() != params_.size()) {
    fail("set_parameters: expected " + std::to_string(params_.size()) + " values, got " +
         std::to_string(parameters.size()));
  }
  params_ = parameters;
}

double Advi::loss_and_gradient(std::int64_t iteration, std::vector<double>& gradient) {
  const std::int64_t d = dim_;
  const auto n = static_cast<std::size_t>(d);
  const double* mu = params_.data();
  const double* scale = params_.data() + n;  // rho or L_tril
  std::fill(gradient.begin(), gradient.end(), 0.0);
  CounterRng rng(options_.seed, static_cast<std::uint64_t>(iteration), gradient_draws);
  const double weight = 1.0 / options_.obj_n_mc;
  double mean_logp = 0;
  double mean_half_square = 0;  // of z, for log q(x)
  for (int draw = 0; draw < options_.obj_n_mc; ++draw) {
    for (std::size_t i = 0; i < n; ++i) {
      z_[i] = rng.normal();
      mean_half_square += weight * 0.5 * z_[i] * z_[i];
    }
    if (options_.family == AdviFamily::mean_field) {
      for (std::size_t i = 0; i < n; ++i) x_[i] = mu[i] + softplus(scale[i]) * z_[i];
    } else {
      for (std::int64_t row = 0; row < d; ++row) {
        double value = mu[row];
        for (std::int64_t column = 0; column < row; ++column) {
          value += scale[tril_index(row, column)] * z_[column];
        }
        value += softplus(scale[tril_index(row, row)]) * z_[row];
        x_[row] = value;
      }
    }
    const double logp = target_.logp_grad(x_.data(), logp_gradient_.data());
    mean_logp += weight * logp;
    // d(-logp)/d params through x = mu + S z.
    for (std::size_t i = 0; i < n; ++i) gradient[i] -= weight * logp_gradient_[i];
    if (options_.family == AdviFamily::mean_field) {
      for (std::size_t i = 0; i < n; ++i) {
        gradient[n + i] -= weight * logp_gradient_[i] * z_[i] * sigmoid(scale[i]);
      }
    } else {
      for (std::int64_t row = 0; row < d; ++row) {
        for (std::int64_t column = 0; column < row; ++column) {
          gradient[n + tril_index(row, column)] -= weight * logp_gradient_[row] * z_[column];
        }
        const std::size_t k = tril_index(row, row);
        gradient[n + k] -= weight * logp_gradient_[row] * z_[row] * sigmoid(scale[k]);
      }
    }
  }
  // log q(x) = -|z|^2 / 2 - d log(2 pi) / 2 - sum(log diag(S)); only the last term depends on the
  // parameters (for fixed z).
  double log_determinant = 0;
  for (std::int64_t i = 0; i < d; ++i) {
    const std::size_t k =
        options_.family == AdviFamily::mean_field ? static_cast<std::size_t>(i) : tril_index(i, i);
    const double sigma = softplus(scale[k]);
    log_determinant += std::log(sigma);
    gradient[n + k] -= sigmoid(scale[k]) / sigma;
  }
  const double log_two_pi = std::log(2 * std::numbers::pi);
  return -mean_half_square - 0.5 * static_cast<double>(d) * log_two_pi - log_determinant -
         mean_logp;
}

std::int64_t Advi::run(std::int64_t iterations) {
  if (iterations < 0)
    fail("the number of iterations must be at least 0, got " + std::to_string(iterations));
  std::vector<double> gradient(params_.size());
  for (std::int64_t done = 0; done < iterations; ++done) {
    if (interrupt_requested()) return done;
    const std::int64_t iteration = iteration_;
    if (before_iteration_) before_iteration_(iteration);
    const double loss = loss_and_gradient(iteration, gradient);
    double norm_squared = 0;
    for (double g : gradient) norm_squared += g * g;
    if (!std::isfinite(loss) || !std::isfinite(norm_squared)) {
      std::ostringstream message;
      message << "the loss (-ELBO) " << (std::isfinite(loss) ? "gradient " : "")
              << "is not finite ("
              << "loss = " << loss << ") at iteration " << iteration
              << "; the optimization diverged. Try a smaller learning rate, a better start, or "
                 "check that the model's log density is finite around the start";
      fail(message.str());
    }
    const double limit = options_.total_grad_norm_constraint;
    if (limit > 0 && norm_squared > limit * limit) {
      const double shrink = limit / std::sqrt(norm_squared);
      for (double& g : gradient) g *= shrink;
    }
    optimizer_->step(params_, gradient);
    losses_.push_back(loss);
    ++iteration_;
  }
  return iterations;
}

std::vector<double> Advi::mean() const {
  return std::vector<double>(params_.begin(), params_.begin() + dim_);
}

std::vector<double> Advi::cholesky_factor() const {
  const auto n = static_cast<std::size_t>(dim_);
  std::vector<double> factor(n * n, 0.0);
  const double* scale = params_.data() + n;
  for (std::int64_t row = 0; row < dim_; ++row) {
    if (options_.family == AdviFamily::mean_field) {
      factor[row * n + row] = softplus(scale[row]);
      continue;
    }
    for (std::int64_t column = 0; column < row; ++column) {
      factor[row * n + column] = scale[tril_index(row, column)];
    }
    factor[row * n + row] = softplus(scale[tril_index(row, row)]);
  }
  return factor;
}

std::vector<double> Advi::covariance() const {
  const auto n = static_cast<Eigen::Index>(dim_);
  const std::vector<double> factor = cholesky_factor();
  using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const Eigen::Map<const RowMatrix> l(factor.data(), n, n);
  std::vector<double> cov(factor.size());
  Eigen::Map<RowMatrix>(cov.data(), n, n) = l * l.transpose();
  return cov;
}

std::vector<double> Advi::std() const {
  const std::vector<double> cov = covariance();
  std::vector<double> sd(static_cast<std::size_t>(dim_));
  for (std::int64_t i = 0; i < dim_; ++i) sd[i] = std::sqrt(cov[i * dim_ + i]);
  return sd;
}

std::vector<double> Advi::sample(std::int64_t draws, std::uint64_t seed,
                                 std::uint64_t stream) const {
  if (draws < 0) fail("the number of draws must be at least 0, got " + std::to_string(draws));
  const auto n = static_cast<std::size_t>(dim_);
  const std::vector<double> factor = cholesky_factor();
  std::vector<double> out(static_cast<std::size_t>(draws) * n);
  CounterRng rng(seed, stream, approximation_draws);
  std::vector<double> z(n);
  for (std::int64_t draw = 0; draw < draws; ++draw) {
    for (double& value : z) value = rng.normal();
    double* x = out.data() + static_cast<std::size_t>(draw) * n;
    for (std::size_t row = 0; row < n; ++row) {
      double value = params_[row];
      for (std::size_t column = 0; column <= row; ++column)
        value += factor[row * n + column] * z[column];
      x[row] = value;
    }
  }
  return out;
}

// ---- a model as the target ----

struct AdviModelTarget::State {
  struct Batch {
    std::size_t data_index;  // among the compiled function's data inputs
    std::string name;
    std::int64_t population;
    std::int64_t batch_size;
  };
  std::shared_ptr<LogpGrad> logp_grad;
  std::vector<Batch> batches;
  std::vector<std::string> coordinate_names;
};

AdviModelTarget::AdviModelTarget(const Model& model,
                                 const std::vector<MinibatchIndices>& minibatches,
                                 const CompileOptions& compile)
    : state_(std::make_unique<State>()) {
  for (const ModelVariable& variable : model.variables()) {
    if (variable.role == VariableRole::free && variable.distribution->is_discrete()) {
      fail(variable.name + ": " + variable.distribution->name() +
           " is discrete; ADVI needs continuous free variables");
    }
  }
  const LogDensityGraph graph = model.log_density();
  // log_density() lists the data inputs in the order of the model's data containers.
  std::vector<std::string> data_names;
  for (const ModelVariable& variable : model.variables()) {
    if (variable.role == VariableRole::data) data_names.push_back(variable.name);
  }
  for (const MinibatchIndices& minibatch : minibatches) {
    auto found = std::find(data_names.begin(), data_names.end(), minibatch.data_name);
    if (found == data_names.end()) {
      fail("minibatch index container '" + minibatch.data_name + "' is not data of the model");
    }
    const Tensor& indices = model.data_value(minibatch.data_name);
    if (indices.dtype() != DType::int64 || indices.shape().size() != 1) {
      fail("minibatch index container '" + minibatch.data_name + "' must be an int64 vector");
    }
    if (minibatch.population < 1) {
      fail("minibatch '" + minibatch.data_name + "' draws from an empty data set");
    }
    state_->batches.push_back({static_cast<std::size_t>(found - data_names.begin()),
                               minibatch.data_name, minibatch.population, indices.shape()[0]});
  }
  state_->logp_grad = std::make_shared<LogpGrad>(graph.x, graph.logp, graph.data_inputs,
                                                 graph.data_values, compile);
  state_->coordinate_names = model.layout().coordinate_names();
}

AdviModelTarget::~AdviModelTarget() = default;

std::int64_t AdviModelTarget::dim() const {
  return state_->logp_grad->dim();
}

double AdviModelTarget::logp_grad(const double* x, double* grad) {
  return (*state_->logp_grad)(x, grad);
}

AdviModelTarget::AdviModelTarget(std::unique_ptr<State> state) : state_(std::move(state)) {}

std::unique_ptr<Target> AdviModelTarget::clone() const {
  auto state = std::make_unique<State>(*state_);
  state->logp_grad = std::make_shared<LogpGrad>(state_->logp_grad->copy());
  return std::unique_ptr<Target>(new AdviModelTarget(std::move(state)));
}

std::vector<std::string> AdviModelTarget::coordinate_names() const {
  return state_->coordinate_names;
}

bool AdviModelTarget::has_minibatches() const {
  return !state_->batches.empty();
}

void AdviModelTarget::draw_minibatches(std::uint64_t seed, std::int64_t iteration) {
  CounterRng rng(seed, static_cast<std::uint64_t>(iteration), minibatch_draws);
  for (const State::Batch& batch : state_->batches) {
    std::vector<std::int64_t> rows(static_cast<std::size_t>(batch.batch_size));
    for (std::int64_t& row : rows) {
      row = std::min(
          batch.population - 1,
          static_cast<std::int64_t>(rng.uniform() * static_cast<double>(batch.population)));
    }
    state_->logp_grad->set_data(batch.data_index, Tensor::from_ints(rows, {batch.batch_size}));
  }
}

}  // namespace hypatia
