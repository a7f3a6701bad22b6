// DEMetropolisZ (ter Braak & Vrugt 2008): differential evolution from the chain's own past. Each
// jump is along the difference of two distinct states drawn from this chain's history (every
// state it has been in, the first ones noise-only), so chains run independently. When warm-up
// ends the oldest tune_drop_fraction of the history is forgotten, so draws are not steered by
// the states the chain passed through before it converged.

#include <cmath>
#include <sstream>

#include "hypatia/error.hpp"
#include "infer/differential_evolution.hpp"

namespace hypatia::infer {
namespace {

class DeMetropolisZStep : public DifferentialEvolutionStep {
 public:
  explicit DeMetropolisZStep(const StepContext& context)
      : DifferentialEvolutionStep(context, {"tune_drop_fraction"}) {
    drop_fraction_ = settings().get("tune_drop_fraction", 0.9);
    if (!(drop_fraction_ >= 0 && drop_fraction_ <= 1)) {
      std::ostringstream message;
      message << "DEMetropolisZ: tune_drop_fraction must be in [0, 1], got " << drop_fraction_;
      throw Error(message.str());
    }
  }

  void end_warmup() override {
    const std::size_t size = entries();
    const auto dropped = static_cast<std::size_t>(drop_fraction_ * static_cast<double>(size));
    history_.erase(history_.begin(),
                   history_.begin() + static_cast<std::ptrdiff_t>(dropped * block_size()));
  }

 protected:
  bool pick_pair(CounterRng& rng, const double*& a, const double*& b) override {
    const std::size_t size = entries();
    if (size < 2) return false;
    const std::size_t first = draw_index(rng, size);
    std::size_t second = draw_index(rng, size - 1);
    if (second >= first) ++second;
    a = history_.data() + first * block_size();
    b = history_.data() + second * block_size();
    return true;
  }

  void moved_to(const std::vector<double>& block) override {
    history_.insert(history_.end(), block.begin(), block.end());
  }

 private:
  static std::size_t draw_index(CounterRng& rng, std::size_t count) {
    return std::min(count - 1,
                    static_cast<std::size_t>(rng.uniform() * static_cast<double>(count)));
  }
  std::size_t entries() const { return block_size() == 0 ? 0 : history_.size() / block_size(); }

  double drop_fraction_ = 0.9;
  std::vector<double> history_;  // entries x block_size, oldest first
};

}  // namespace

std::unique_ptr<Step> make_de_metropolis_z_step(const StepContext& context) {
  return std::make_unique<DeMetropolisZStep>(context);
}

}  // namespace hypatia::infer
