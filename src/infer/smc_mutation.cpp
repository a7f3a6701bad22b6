#include "infer/smc_mutation.hpp"

#include <boost/math/distributions/normal.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

namespace hypatia::smc {
namespace {

constexpr double kTargetAcceptance = 0.234;
constexpr double kMaxScaleChange = 4.0;
// Acceptance rates are clamped into this range before inverting the Gaussian-limit formula,
// whose quantiles diverge at 0 and 1.
constexpr double kSmallestAcceptance = 0.01;
constexpr double kLargestAcceptance = 0.99;

// Proposals from the fitted Gaussian itself; the Hastings correction is q(x) - q(x').
class IndependentProposal {
 public:
  IndependentProposal(const ParticleGaussian& gaussian, const Particles& particles,
                      double correlation_threshold)
      : gaussian_(gaussian),
        correlation_threshold_(correlation_threshold),
        current_log_density_(particles.count) {
    for (std::int64_t i = 0; i < particles.count; ++i) {
      current_log_density_[i] = gaussian.log_density(particles.position(i));
    }
  }

  double propose(PhiloxStream& stream, std::int64_t i, const double* /*current*/,
                 double* proposed) {
    gaussian_.draw(stream, proposed);
    proposed_log_density_ = gaussian_.log_density(proposed);
    return current_log_density_[i] - proposed_log_density_;
  }
  void accept(std::int64_t i) { current_log_density_[i] = proposed_log_density_; }

  // (1 - a)^n, the expected fraction of particles never refreshed, is the expected correlation.
  bool decorrelated(const Particles& /*particles*/, std::int64_t steps, double acceptance_rate) {
    return static_cast<double>(steps) * std::log1p(-acceptance_rate) <=
           std::log(correlation_threshold_);
  }

 private:
  const ParticleGaussian& gaussian_;
  double correlation_threshold_;
  std::vector<double> current_log_density_;
  double proposed_log_density_ = 0.0;
};

// Symmetric steps shaped by the fitted covariance; no Hastings correction.
class RandomWalkProposal {
 public:
  RandomWalkProposal(const ParticleGaussian& gaussian, const Particles& particles, double scale,
                     double correlation_threshold)
      : gaussian_(gaussian),
        scale_(scale),
        correlation_threshold_(correlation_threshold),
        start_(particles) {}

  double propose(PhiloxStream& stream, std::int64_t /*i*/, const double* current,
                 double* proposed) {
    gaussian_.draw_step(stream, scale_, current, proposed);
    return 0.0;
  }
  void accept(std::int64_t /*i*/) {}

  bool decorrelated(const Particles& particles, std::int64_t /*steps*/,
                    double /*acceptance_rate*/) {
    const double correlation = mean_correlation(start_, particles);
    const bool done = correlation <= correlation_threshold_ ||
                      previous_correlation_ - correlation < correlation_threshold_;
    previous_correlation_ = correlation;
    return done;
  }

 private:
  const ParticleGaussian& gaussian_;
  double scale_;
  double correlation_threshold_;
  Particles start_;
  double previous_correlation_ = 1.0;
};

// One Metropolis-Hastings step for every particle; returns how many moved.
template <class Proposal>
std::int64_t sweep(Target& target, Particles& particles, Proposal& proposal, double beta,
                   const MutationAddress& address, std::int64_t step) {
  std::vector<double> proposed(static_cast<std::size_t>(particles.dim));
  std::int64_t accepted = 0;
  for (std::int64_t i = 0; i < particles.count; ++i) {
    PhiloxStream stream(address.seed, address.run, RandomPurpose::mutation, address.stage,
                        static_cast<std::uint64_t>(step * particles.count + i));
    double* current = particles.position(i);
    const double log_correction = proposal.propose(stream, i, current, proposed.data());
    double log_prior = 0.0;
    double log_likelihood = 0.0;
    evaluate_split(target, proposed.data(), log_prior, log_likelihood);
    const double log_ratio =
        tempered_log_density(log_prior, log_likelihood, beta) -
        tempered_log_density(particles.log_prior[i], particles.log_likelihood[i], beta) +
        log_correction;
    // A NaN ratio (a -inf proposal against a -inf current point) compares false: rejected.
    if (std::log(stream.uniform()) < log_ratio) {
      std::copy(proposed.begin(), proposed.end(), current);
      particles.log_prior[i] = log_prior;
      particles.log_likelihood[i] = log_likelihood;
      proposal.accept(i);
      ++accepted;
    }
  }
  return accepted;
}

template <class Proposal>
MutationStats run_steps(Target& target, Particles& particles, Proposal& proposal, double beta,
                        const MutationSettings& settings, const MutationAddress& address) {
  std::int64_t accepted = 0;
  MutationStats stats;
  while (stats.steps < settings.max_steps) {
    accepted += sweep(target, particles, proposal, beta, address, stats.steps);
    ++stats.steps;
    stats.acceptance_rate =
        static_cast<double>(accepted) / static_cast<double>(stats.steps * particles.count);
    if (proposal.decorrelated(particles, stats.steps, stats.acceptance_rate)) break;
  }
  return stats;
}

}  // namespace

MutationStats mutate(Target& target, Particles& particles, const ParticleGaussian& gaussian,
                     double beta, const MutationSettings& settings,
                     const MutationAddress& address) {
  if (settings.kernel == SmcKernel::independent_metropolis) {
    IndependentProposal proposal(gaussian, particles, settings.correlation_threshold);
    return run_steps(target, particles, proposal, beta, settings, address);
  }
  RandomWalkProposal proposal(gaussian, particles, settings.random_walk_scale,
                              settings.correlation_threshold);
  return run_steps(target, particles, proposal, beta, settings, address);
}

double adapt_random_walk_scale(double scale, double acceptance_rate) {
  const boost::math::normal standard_normal;
  const double acceptance = std::clamp(acceptance_rate, kSmallestAcceptance, kLargestAcceptance);
  const double factor = boost::math::quantile(standard_normal, kTargetAcceptance / 2) /
                        boost::math::quantile(standard_normal, acceptance / 2);
  return scale * std::clamp(factor, 1.0 / kMaxScaleChange, kMaxScaleChange);
}

double initial_random_walk_scale(std::int64_t dim) {
  return 2.38 / std::sqrt(static_cast<double>(dim));
}

}  // namespace hypatia::smc
