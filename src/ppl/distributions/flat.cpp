// The improper uniform densities over the reals and the nonnegative reals: log density 0, no
// CDF and no draws.

#include "hypatia/error.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"

namespace hypatia {
namespace {

class ImproperUniformDistribution final : public DistributionImpl {
 public:
  ImproperUniformDistribution(std::string name, SupportKind support)
      : name_(std::move(name)), support_(support) {}

  std::string name() const override { return name_; }
  Shape default_shape() const override { return {}; }
  Support support() const override { return {support_}; }
  Expr unchecked_logp(const Expr& value) const override {
    return zeros_like(cast(value, DType::float64));
  }
  Expr random(RandomStream&, const Shape&) const override {
    throw Error(name_ + " is improper (its density does not integrate to 1), so it has no draws");
  }

 private:
  std::string name_;
  SupportKind support_;
};

}  // namespace

Distribution Flat() {
  return make_distribution<ImproperUniformDistribution>("Flat", SupportKind::real);
}

// PyMC's HalfFlat includes 0.
Distribution HalfFlat() {
  return make_distribution<ImproperUniformDistribution>("HalfFlat", SupportKind::nonnegative);
}

}  // namespace hypatia
