// Bounds on one or both sides. With both, the log-odds map keeps the whole real line in use; with
// one, an exponential offset from the bound.

#include "hypatia/ops.hpp"
#include "hypatia/ppl/transform.hpp"

namespace hypatia {
namespace {

class LowerBoundTransform final : public Transform {
 public:
  explicit LowerBoundTransform(Expr lower) : lower_(std::move(lower)) {}
  std::string name() const override { return "lower_bound"; }
  Expr constrain(const Expr& u) const override { return lower_ + exp(u); }
  Expr unconstrain(const Expr& x) const override { return log(x - lower_); }
  Expr log_jacobian(const Expr& u) const override { return sum(u); }

 private:
  Expr lower_;
};

class UpperBoundTransform final : public Transform {
 public:
  explicit UpperBoundTransform(Expr upper) : upper_(std::move(upper)) {}
  std::string name() const override { return "upper_bound"; }
  Expr constrain(const Expr& u) const override { return upper_ - exp(u); }
  Expr unconstrain(const Expr& x) const override { return log(upper_ - x); }
  Expr log_jacobian(const Expr& u) const override { return sum(u); }

 private:
  Expr upper_;
};

class LogOddsTransform final : public Transform {
 public:
  LogOddsTransform(Expr lower, Expr upper) : lower_(std::move(lower)), upper_(std::move(upper)) {}
  std::string name() const override { return "logodds"; }
  Expr constrain(const Expr& u) const override { return lower_ + (upper_ - lower_) * sigmoid(u); }
  Expr unconstrain(const Expr& x) const override { return logit((x - lower_) / (upper_ - lower_)); }
  // d/du [l + (h - l) sigmoid(u)] = (h - l) sigmoid(u) sigmoid(-u).
  Expr log_jacobian(const Expr& u) const override {
    return sum(log(upper_ - lower_) - softplus(-u) - softplus(u));
  }

 private:
  Expr lower_;
  Expr upper_;
};

}  // namespace

TransformPtr interval_transform(std::optional<Expr> lower, std::optional<Expr> upper) {
  if (lower && upper) return std::make_shared<const LogOddsTransform>(*lower, *upper);
  if (lower) return std::make_shared<const LowerBoundTransform>(*lower);
  if (upper) return std::make_shared<const UpperBoundTransform>(*upper);
  return nullptr;
}

}  // namespace hypatia
