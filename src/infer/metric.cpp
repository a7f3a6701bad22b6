#include "infer/metric.hpp"

#include <Eigen/Cholesky>
#include <Eigen/Core>

#include <algorithm>
#include <cmath>

#include "hypatia/error.hpp"

namespace hypatia::infer {
namespace {

using Vector = Eigen::Map<Eigen::VectorXd>;
using ConstVector = Eigen::Map<const Eigen::VectorXd>;
using Matrix = Eigen::Map<Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;
using ConstMatrix =
    Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;

// Shrinks an estimate from n positions towards a small multiple of the identity so that short
// windows cannot produce a degenerate metric.
double estimate_weight(double n) {
  return n / (n + 5.0);
}
double identity_weight(double n) {
  return 1e-3 * (5.0 / (n + 5.0));
}

}  // namespace

[[noreturn]] void throw_overflow() {
  throw Error(
      "NUTS warm-up: the estimated posterior covariance is not finite; the sampler reached extreme "
      "values on the unconstrained scale (is the posterior improper or extremely wide?)");
}

double fisher_diagonal_variance(double position_variance, double gradient_variance) {
  // A coordinate whose gradient did not vary (or barely moved) says nothing about its scale:
  // keep the positions' variance then, as Stan would.
  const double value =
      gradient_variance > 0 ? std::sqrt(position_variance / gradient_variance) : position_variance;
  if (!std::isfinite(value)) throw_overflow();
  return std::clamp(value, 1e-10, 1e10);
}

namespace {

// Welford's running mean and sum of squared deviations, per coordinate.
class RunningVariance {
 public:
  explicit RunningVariance(std::size_t dim) : mean_(dim), m2_(dim) {}

  void add(const double* values) {
    ++count_;
    for (std::size_t i = 0; i < mean_.size(); ++i) {
      const double delta = values[i] - mean_[i];
      mean_[i] += delta / static_cast<double>(count_);
      m2_[i] += delta * (values[i] - mean_[i]);
    }
  }
  std::int64_t count() const { return count_; }
  double variance(std::size_t i) const { return m2_[i] / static_cast<double>(count_ - 1); }
  void clear() {
    count_ = 0;
    std::fill(mean_.begin(), mean_.end(), 0.0);
    std::fill(m2_.begin(), m2_.end(), 0.0);
  }

 private:
  std::vector<double> mean_;
  std::vector<double> m2_;
  std::int64_t count_ = 0;
};

// Running variances over two overlapping windows for nutpie's schedule: `current` holds every
// sample since the switch before last, `recent` those since the last switch.
class WindowedVariance {
 public:
  explicit WindowedVariance(std::size_t dim) : current_(dim), recent_(dim) {}

  void add(const double* values) {
    current_.add(values);
    recent_.add(values);
  }
  void switch_window() {
    std::swap(current_, recent_);
    recent_.clear();
  }
  void clear() {
    current_.clear();
    recent_.clear();
  }
  const RunningVariance& current() const { return current_; }
  std::int64_t recent_count() const { return recent_.count(); }

 private:
  RunningVariance current_;
  RunningVariance recent_;
};

class DiagonalMetricBase : public Metric {
 public:
  explicit DiagonalMetricBase(std::int64_t dim) : inverse_(static_cast<std::size_t>(dim), 1.0) {}

  void sample_momentum(CounterRng& rng, double* p) const override {
    for (std::size_t i = 0; i < inverse_.size(); ++i) p[i] = rng.normal() / std::sqrt(inverse_[i]);
  }

  void velocity(const double* p, double* velocity) const override {
    for (std::size_t i = 0; i < inverse_.size(); ++i) velocity[i] = inverse_[i] * p[i];
  }

  const std::vector<double>& inverse() const override { return inverse_; }

  void set_inverse_diagonal(const std::vector<double>& values) override { inverse_ = values; }

 protected:
  std::vector<double> inverse_;
};

// Stan's: M^{-1} from the positions' variances.
class DiagonalMetric final : public DiagonalMetricBase {
 public:
  explicit DiagonalMetric(std::int64_t dim)
      : DiagonalMetricBase(dim), positions_(static_cast<std::size_t>(dim)) {}

  MetricKind kind() const override { return MetricKind::diagonal; }

  void add_sample(const double* q, const double*) override { positions_.add(q); }

  bool update_from_window() override {
    const RunningVariance& positions = positions_.current();
    if (positions.count() < 2) return false;
    const double n = static_cast<double>(positions.count());
    for (std::size_t i = 0; i < inverse_.size(); ++i) {
      inverse_[i] = estimate_weight(n) * positions.variance(i) + identity_weight(n);
      if (!std::isfinite(inverse_[i])) throw_overflow();
    }
    return true;
  }
  void switch_window() override { positions_.switch_window(); }
  std::int64_t background_count() const override { return positions_.recent_count(); }
  void forget_samples() override { positions_.clear(); }

 private:
  WindowedVariance positions_;
};

// The diagonal M^{-1} that minimizes the Fisher divergence between the posterior and the
// Gaussian the metric implies, from positions and gradients alike (Seyboldt, Carlson &
// Carpenter; nutpie): M^{-1}_ii = sqrt(Var[q_i] / Var[d logp / d q_i]). For a Gaussian it is the
// variance, as Stan's is; for other shapes the gradients carry information the positions lack
// (curvature in the tails), and a short window estimates it with less noise.
class FisherDiagonalMetric final : public DiagonalMetricBase {
 public:
  explicit FisherDiagonalMetric(std::int64_t dim)
      : DiagonalMetricBase(dim),
        positions_(static_cast<std::size_t>(dim)),
        gradients_(static_cast<std::size_t>(dim)) {}

  MetricKind kind() const override { return MetricKind::fisher_diagonal; }

  void add_sample(const double* q, const double* grad) override {
    positions_.add(q);
    gradients_.add(grad);
  }

  bool update_from_window() override {
    const RunningVariance& positions = positions_.current();
    const RunningVariance& gradients = gradients_.current();
    if (positions.count() < 2) return false;
    for (std::size_t i = 0; i < inverse_.size(); ++i) {
      inverse_[i] = fisher_diagonal_variance(positions.variance(i), gradients.variance(i));
    }
    return true;
  }
  void switch_window() override {
    positions_.switch_window();
    gradients_.switch_window();
  }
  std::int64_t background_count() const override { return positions_.recent_count(); }
  void forget_samples() override {
    positions_.clear();
    gradients_.clear();
  }

 private:
  WindowedVariance positions_;
  WindowedVariance gradients_;
};

class DenseMetric final : public Metric {
 public:
  explicit DenseMetric(std::int64_t dim)
      : dim_(dim),
        inverse_(static_cast<std::size_t>(dim * dim)),
        cholesky_(inverse_.size()),
        mean_(static_cast<std::size_t>(dim)),
        m2_(inverse_.size()),
        scratch_(mean_.size()) {
    Matrix(inverse_.data(), dim_, dim_).setIdentity();
    Matrix(cholesky_.data(), dim_, dim_).setIdentity();
  }

  MetricKind kind() const override { return MetricKind::dense; }

  void sample_momentum(CounterRng& rng, double* p) const override {
    // With M^{-1} = L L', p = L'^{-1} z has covariance (L L')^{-1} = M.
    Vector momentum(p, dim_);
    for (std::int64_t i = 0; i < dim_; ++i) momentum[i] = rng.normal();
    ConstMatrix(cholesky_.data(), dim_, dim_)
        .transpose()
        .triangularView<Eigen::Upper>()
        .solveInPlace(momentum);
  }

  void velocity(const double* p, double* velocity) const override {
    Vector(velocity, dim_).noalias() =
        ConstMatrix(inverse_.data(), dim_, dim_) * ConstVector(p, dim_);
  }

  void add_sample(const double* q, const double*) override {
    ++count_;
    Vector mean(mean_.data(), dim_);
    Vector delta(scratch_.data(), dim_);
    delta = ConstVector(q, dim_) - mean;
    mean += delta / static_cast<double>(count_);
    Matrix(m2_.data(), dim_, dim_).noalias() += delta * (ConstVector(q, dim_) - mean).transpose();
  }

  bool update_from_window() override {
    if (count_ < 2) return false;
    const double n = static_cast<double>(count_);
    Matrix inverse(inverse_.data(), dim_, dim_);
    inverse = (estimate_weight(n) / (n - 1)) * Matrix(m2_.data(), dim_, dim_);
    // Fewer positions than dimensions span only a subspace: the regularized estimate would
    // then be nearly singular and force tiny steps until the next window. Keep its diagonal.
    if (count_ <= dim_) inverse = Eigen::MatrixXd(inverse.diagonal().asDiagonal());
    inverse.diagonal().array() += identity_weight(n);
    if (!inverse.allFinite()) throw_overflow();
    Eigen::LLT<Eigen::MatrixXd> llt(inverse);
    if (llt.info() != Eigen::Success) throw_overflow();
    Matrix(cholesky_.data(), dim_, dim_) = llt.matrixL();
    return true;
  }
  // Two dim x dim accumulators would double the memory of the largest metric; nutpie's schedule
  // is for the diagonal and low-rank kinds (sample_nuts rejects the combination first).
  void switch_window() override {
    throw Error("NUTS: the dense metric supports Stan's warm-up schedule only");
  }
  std::int64_t background_count() const override { return count_; }
  void forget_samples() override {
    count_ = 0;
    std::fill(mean_.begin(), mean_.end(), 0.0);
    std::fill(m2_.begin(), m2_.end(), 0.0);
  }

  const std::vector<double>& inverse() const override { return inverse_; }

  void set_inverse_diagonal(const std::vector<double>& values) override {
    Matrix inverse(inverse_.data(), dim_, dim_);
    Matrix cholesky(cholesky_.data(), dim_, dim_);
    inverse.setZero();
    cholesky.setZero();
    for (std::int64_t i = 0; i < dim_; ++i) {
      inverse(i, i) = values[static_cast<std::size_t>(i)];
      cholesky(i, i) = std::sqrt(values[static_cast<std::size_t>(i)]);
    }
  }

 private:
  std::int64_t dim_;
  std::vector<double> inverse_;   // M^{-1}, row-major
  std::vector<double> cholesky_;  // lower L with L L' = M^{-1}, row-major
  std::vector<double> mean_;
  std::vector<double> m2_;  // sum of outer products of deviations (Welford)
  std::vector<double> scratch_;
  std::int64_t count_ = 0;
};

}  // namespace

std::unique_ptr<Metric> Metric::create(MetricKind kind, std::int64_t dim,
                                       const std::vector<double>& initial_inverse_diagonal) {
  std::unique_ptr<Metric> metric;
  if (kind == MetricKind::dense) {
    metric = std::make_unique<DenseMetric>(dim);
  } else if (kind == MetricKind::fisher_diagonal) {
    metric = std::make_unique<FisherDiagonalMetric>(dim);
  } else if (kind == MetricKind::fisher_low_rank) {
    metric = make_fisher_low_rank_metric(dim);
  } else {
    metric = std::make_unique<DiagonalMetric>(dim);
  }
  if (initial_inverse_diagonal.empty()) return metric;
  if (static_cast<std::int64_t>(initial_inverse_diagonal.size()) != dim) {
    throw Error("NUTS: initial_inverse_metric has " +
                std::to_string(initial_inverse_diagonal.size()) + " values; the target has " +
                std::to_string(dim) + " coordinates");
  }
  for (double value : initial_inverse_diagonal) {
    if (!(value > 0) || !std::isfinite(value)) {
      throw Error("NUTS: initial_inverse_metric values must be positive and finite, got " +
                  std::to_string(value));
    }
  }
  metric->set_inverse_diagonal(initial_inverse_diagonal);
  return metric;
}

}  // namespace hypatia::infer

namespace hypatia {

const char* metric_name(MetricKind kind) {
  switch (kind) {
    case MetricKind::dense:
      return "dense";
    case MetricKind::fisher_diagonal:
      return "fisher_diagonal";
    case MetricKind::fisher_low_rank:
      return "fisher_low_rank";
    case MetricKind::diagonal:
      break;
  }
  return "diagonal";
}

MetricKind metric_from_name(const std::string& name) {
  if (name == "diagonal" || name == "diag") return MetricKind::diagonal;
  if (name == "dense") return MetricKind::dense;
  if (name == "fisher_diagonal" || name == "fisher_diag") return MetricKind::fisher_diagonal;
  if (name == "fisher_low_rank") return MetricKind::fisher_low_rank;
  throw Error("unknown metric '" + name +
              "' (expected 'diagonal', 'dense', 'fisher_diagonal' or 'fisher_low_rank')");
}

const char* warmup_schedule_name(WarmupSchedule schedule) {
  return schedule == WarmupSchedule::nutpie ? "nutpie" : "stan";
}

WarmupSchedule warmup_schedule_from_name(const std::string& name) {
  if (name == "stan") return WarmupSchedule::stan;
  if (name == "nutpie") return WarmupSchedule::nutpie;
  throw Error("unknown warm-up schedule '" + name + "' (expected 'stan' or 'nutpie')");
}

}  // namespace hypatia
