// PyMC's univariate slice sampler (Neal 2003): each coordinate of the step's blocks in turn, a
// level drawn under the log density, an interval of width w placed at random around the current
// value and stepped out until both ends are below the level, then shrunk towards the current
// value until a uniform draw from it lands on the slice. During warm-up each coordinate's w
// becomes the running mean of its final interval widths. Needs only the log density.

#include <cmath>
#include <limits>
#include <sstream>

#include "hypatia/error.hpp"
#include "hypatia/interrupt.hpp"
#include "infer/step.hpp"

namespace hypatia::infer {
namespace {

class SliceStep : public Step {
 public:
  explicit SliceStep(const StepContext& context)
      : target_(context.target),
        coordinates_(step_coordinates(context.spec)),
        adapt_(context.spec.tune) {
    const StepSettings settings(context.spec, {"w", "iter_limit"});
    const double w = settings.get("w", 1.0);
    iter_limit_ = settings.get("iter_limit", std::numeric_limits<double>::infinity());
    if (!(w > 0) || !std::isfinite(w)) {
      std::ostringstream message;
      message << "Slice: w (the initial slice width) must be positive and finite, got " << w;
      throw Error(message.str());
    }
    if (!(iter_limit_ >= 1)) {
      std::ostringstream message;
      message << "Slice: iter_limit must be at least 1 (or infinite), got " << iter_limit_;
      throw Error(message.str());
    }
    if (!context.spec.proposal.empty() || !context.spec.proposal_scale.empty()) {
      throw Error("Slice: takes no proposal or proposal scale (S); its width is the setting w");
    }
    width_.assign(coordinates_.size(), w);
  }

  void step(ChainState& state, CounterRng& rng, std::int64_t, bool tuning) override {
    tuning_ = tuning;
    const bool adapting = tuning && adapt_;
    nstep_out_ = 0;
    nstep_in_ = 0;
    x_ = state.x;
    double logp = state.logp;
    for (std::size_t k = 0; k < coordinates_.size(); ++k) {
      const auto i = static_cast<std::size_t>(coordinates_[k]);
      const double start = x_[i];
      const double width = width_[k];
      // The slice {v : logp(v) >= level}; NaN counts as outside.
      const double level = logp - rng.exponential();
      auto on_slice = [&](double value) {
        x_[i] = value;
        last_logp_ = target_.logp(x_.data());
        return last_logp_ >= level;
      };
      double left = start - rng.uniform() * width;
      double right = left + width;
      try {
        nstep_out_ += step_out(on_slice, left, -width, k);
        nstep_out_ += step_out(on_slice, right, width, k);
        double count = 0;
        double value = rng.uniform(left, right);
        while (!on_slice(value)) {
          // Shrink towards the current value, which is on the slice, so this ends.
          if (value > start) {
            right = value;
          } else if (value < start) {
            left = value;
          }
          value = rng.uniform(left, right);
          check_limit(++count, k, "shrinking");
        }
        nstep_in_ += static_cast<std::int64_t>(count);
      } catch (const Interrupted&) {
        // A long search (a flat log density, no iter_limit) stopped by the user: this
        // coordinate stays put and the sampler ends the run after this iteration.
        x_[i] = start;
        break;
      }
      logp = last_logp_;
      if (adapting) {
        width_[k] = width * (tunes_ / (tunes_ + 1)) + (right - left) / (tunes_ + 1);
      }
    }
    if (adapting) ++tunes_;
    state.x.swap(x_);
    state.logp = logp;
  }

  std::vector<StepStat> stat_names() const override {
    using Type = StepStatColumn::Type;
    return {{"tune", Type::boolean}, {"nstep_out", Type::integer}, {"nstep_in", Type::integer}};
  }

  void stats(double* values) const override {
    values[0] = tuning_ ? 1 : 0;
    values[1] = static_cast<double>(nstep_out_);
    values[2] = static_cast<double>(nstep_in_);
  }

 private:
  // Moves `end` by `move` until it leaves the slice; the number of moves.
  template <typename OnSlice>
  std::int64_t step_out(OnSlice& on_slice, double& end, double move, std::size_t k) {
    double count = 0;
    while (on_slice(end)) {
      end += move;
      check_limit(++count, k, "stepping out");
    }
    return static_cast<std::int64_t>(count);
  }

  struct Interrupted {};

  void check_limit(double count, std::size_t k, const char* phase) const {
    if (interrupt_requested()) throw Interrupted();
    if (count <= iter_limit_) return;
    const std::vector<std::string> names = target_.coordinate_names();
    const auto i = static_cast<std::size_t>(coordinates_[k]);
    std::ostringstream message;
    message << "Slice: more than iter_limit = " << iter_limit_ << " iterations " << phase << " on "
            << (i < names.size() ? names[i] : "coordinate " + std::to_string(i)) << " (slice width "
            << width_[k] << "); is the log density flat there, or w far too small?";
    throw Error(message.str());
  }

  Target& target_;
  std::vector<std::int64_t> coordinates_;
  bool adapt_;
  double iter_limit_;
  std::vector<double> width_;  // PyMC's w, per coordinate
  double tunes_ = 0;           // warm-up iterations that tuned w so far
  std::vector<double> x_;
  double last_logp_ = 0;
  bool tuning_ = false;
  std::int64_t nstep_out_ = 0;
  std::int64_t nstep_in_ = 0;
};

}  // namespace

std::unique_ptr<Step> make_slice_step(const StepContext& context) {
  return std::make_unique<SliceStep>(context);
}

}  // namespace hypatia::infer
