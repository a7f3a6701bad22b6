#pragma once

// A target over some coordinates of another target's flat vector, the others held at the chain's
// current values: what a gradient-based step sees of its block in a compound sampler.

#include <cstdint>
#include <vector>

#include "hypatia/infer/target.hpp"

namespace hypatia::infer {

class ConditionalTarget : public Target {
 public:
  ConditionalTarget(Target& full, std::vector<std::int64_t> coordinates);

  // The values of the coordinates this target does not move (a full flat vector).
  void hold(const std::vector<double>& full_x) { full_x_ = full_x; }
  // The block's values in `full_x` into `block`, and back.
  void gather(const std::vector<double>& full_x, double* block) const;
  void scatter(const double* block, std::vector<double>& full_x) const;
  bool covers_all() const { return covers_all_; }

  std::int64_t dim() const override { return static_cast<std::int64_t>(coordinates_.size()); }
  double logp_grad(const double* x, double* grad) override;
  double logp(const double* x) override;
  std::unique_ptr<Target> clone() const override;
  std::vector<std::string> coordinate_names() const override;

 private:
  Target& full_;
  std::vector<std::int64_t> coordinates_;
  bool covers_all_;
  std::vector<double> full_x_;
  std::vector<double> full_grad_;
};

}  // namespace hypatia::infer
