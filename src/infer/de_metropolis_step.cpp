// DEMetropolis (ter Braak 2006): differential evolution Markov chain. Each chain jumps along the
// difference of two other chains' current states, so the population's spread scales and orients
// the jumps; the chains therefore run in lockstep (needs_population). As PyMC: at least 3 chains,
// and better more chains than the dimensions moved.

#include <string>

#include "hypatia/error.hpp"
#include "infer/differential_evolution.hpp"

namespace hypatia::infer {
namespace {

class DeMetropolisStep : public DifferentialEvolutionStep {
 public:
  explicit DeMetropolisStep(const StepContext& context)
      : DifferentialEvolutionStep(context, {}), chains_(context.options.chains) {
    if (chains_ < 3) {
      throw Error(
          "DEMetropolis: needs at least 3 chains (its jumps are differences of two other "
          "chains), got " +
          std::to_string(chains_) + "; for its " + std::to_string(block_size()) +
          " dimensions use at least " + std::to_string(block_size() + 1) + " chains");
    }
  }

  bool needs_population() const override { return true; }
  void set_population(Population population) override { population_ = population; }

 protected:
  bool pick_pair(CounterRng& rng, const double*& a, const double*& b) override {
    if (population_.states == nullptr) {
      throw Error(
          "DEMetropolis: the chains' population was not linked (the sampler must run "
          "the chains in lockstep)");
    }
    // Two distinct chains other than this one: indices among the chains - 1 others.
    const int others = chains_ - 1;
    const int first = draw_index(rng, others);
    int second = draw_index(rng, others - 1);
    if (second >= first) ++second;
    gather(skip_own(first), first_);
    gather(skip_own(second), second_);
    a = first_.data();
    b = second_.data();
    return true;
  }

 private:
  static int draw_index(CounterRng& rng, int count) {
    return std::min(count - 1, static_cast<int>(rng.uniform() * count));
  }
  int skip_own(int other) const { return other >= population_.chain ? other + 1 : other; }

  void gather(int chain, std::vector<double>& block) const {
    const std::vector<double>& x = (*population_.states)[static_cast<std::size_t>(chain)].x;
    block.resize(block_size());
    for (std::size_t k = 0; k < block_size(); ++k) {
      block[k] = x[static_cast<std::size_t>(coordinates()[k])];
    }
  }

  int chains_;
  Population population_;
  std::vector<double> first_, second_;
};

}  // namespace

std::unique_ptr<Step> make_de_metropolis_step(const StepContext& context) {
  return std::make_unique<DeMetropolisStep>(context);
}

}  // namespace hypatia::infer
