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

  // A step entering with the chain's state: unless it is the state the last leave() produced
  // (no other step moved anything since), holds it, gathers the block's values into `block` and
  // returns true, so the caller re-evaluates its phase point.
  bool enter(const std::vector<double>& full_x, double* block);
  // The step's move written into the chain's state, remembered for the next enter().
  void leave(const double* block, std::vector<double>& full_x);
  // The state the last leave() produced with the block replaced (where a trajectory diverged).
  std::vector<double> with_block(const double* block) const;

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
  std::vector<double> left_;  // the chain's state after the last leave()
};

}  // namespace hypatia::infer
