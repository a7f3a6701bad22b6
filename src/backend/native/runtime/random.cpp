// The random draws of both backends (see hypatia_random.h for the calling convention and the
// stream layout). Each element owns a Philox stream, so the samplers are plain sequential code:
// rejection loops just read on.
//
// Methods: Box-Muller (normal); Marsaglia & Tsang 2000, with the u^(1/alpha) boost below 1
// (gamma); inversion by chop-down search below mean 10 and Hoermann's transformed rejection with
// squeeze above (1993: PTRS for Poisson, BTRS for binomial); inversion of the cumulative weights
// (categorical). The rejection steps compare against log probabilities from Boost.Math, which stay
// accurate for huge means where differences of lgamma terms would cancel.

#include "hypatia_random.h"

#include <Random123/philox.h>

#include <array>
#include <boost/math/special_functions/beta.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

namespace {

namespace bm = boost::math;
namespace policies = boost::math::policies;

using NeverThrow = policies::policy<policies::domain_error<policies::errno_on_error>,
                                    policies::pole_error<policies::errno_on_error>,
                                    policies::overflow_error<policies::errno_on_error>,
                                    policies::evaluation_error<policies::errno_on_error>,
                                    policies::rounding_error<policies::errno_on_error>>;
constexpr NeverThrow kPolicy;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Counts are computed in doubles, which hold every integer up to 2^53; the parameter limits keep
// draws below that.
constexpr double kMaxPoissonRate = 1e15;
constexpr double kMaxBinomialTrials = 9007199254740992.0;  // 2^53
// Below this mean, inversion needs few steps; at and above it, the transformed rejection methods
// are valid (Hoermann's papers state this bound).
constexpr double kInversionMeanLimit = 10.0;

// Third word of the Philox counter: which distribution drew, so that one state misused for two
// different distributions still gives unrelated values.
enum class Distribution : std::uint64_t {
  uniform = 1,
  normal,
  exponential,
  gamma,
  poisson,
  binomial,
  categorical
};

// The random numbers of one element of one draw, 64 bits at a time.
class ElementStream {
 public:
  ElementStream(const std::uint64_t state[3], Distribution distribution, std::uint64_t element)
      : key_{{state[0], state[1]}},
        counter_{{state[2], element, 0, static_cast<std::uint64_t>(distribution)}} {}

  std::uint64_t bits() {
    if (used_ == kWordsPerBlock) {
      block_ = philox_(counter_, key_);
      ++counter_.v[2];
      used_ = 0;
    }
    return block_.v[used_++];
  }

  // Uniform on the open interval (0, 1): 52 random bits centred in their cell, (j + 1/2) / 2^52,
  // so that log(u) and log(1 - u) are always finite.
  double uniform() { return (static_cast<double>(bits() >> 12) + 0.5) * 0x1p-52; }

  // Box-Muller; the second normal of the pair is not kept, so each value uses fresh words.
  double normal() {
    const double radius = std::sqrt(-2.0 * std::log(uniform()));
    return radius * std::cos(2.0 * std::numbers::pi * uniform());
  }

 private:
  static constexpr int kWordsPerBlock = 4;
  r123::Philox4x64 philox_;
  r123::Philox4x64::key_type key_;
  r123::Philox4x64::ctr_type counter_;
  r123::Philox4x64::ctr_type block_ = {};
  int used_ = kWordsPerBlock;
};

// ---- Samplers: one value for one element; NaN when a parameter is outside the domain. --------

// Marsaglia & Tsang: d (1 + c x)^3 for a normal x, accepted with a squeeze and then the exact
// test. Below shape 1, gamma(alpha) = gamma(alpha + 1) u^(1/alpha).
double sample_gamma(ElementStream& stream, double alpha) {
  if (!(alpha > 0.0) || std::isinf(alpha)) return kNaN;
  if (alpha < 1.0) {
    const double boosted = sample_gamma(stream, alpha + 1.0);
    return boosted * std::pow(stream.uniform(), 1.0 / alpha);
  }
  const double d = alpha - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    const double x = stream.normal();
    double v = 1.0 + c * x;
    if (v <= 0.0) continue;
    v = v * v * v;
    const double u = stream.uniform();
    const double x2 = x * x;
    if (u < 1.0 - 0.0331 * x2 * x2) return d * v;
    if (std::log(u) < 0.5 * x2 + d * (1.0 - v + std::log(v))) return d * v;
  }
}

double log_poisson_probability(double k, double rate) {
  return std::log(bm::gamma_p_derivative(k + 1.0, rate, kPolicy));
}

// Inversion by chop-down search: subtract P(0), P(1), ... from u until it is used up. When
// rounding leaves u positive after the probabilities underflow, the search starts over, which
// keeps the result exact to double precision.
double poisson_by_inversion(ElementStream& stream, double rate) {
  for (;;) {
    double u = stream.uniform();
    double probability = std::exp(-rate);
    double k = 0.0;
    while (u > probability && probability > 0.0) {
      u -= probability;
      k += 1.0;
      probability *= rate / k;
    }
    if (u <= probability) return k;
  }
}

// Hoermann's PTRS: a transformed-rejection hat around the mode, a squeeze that accepts most
// candidates without evaluating the probability, and the exact test for the rest.
double poisson_by_rejection(ElementStream& stream, double rate) {
  const double b = 0.931 + 2.53 * std::sqrt(rate);
  const double a = -0.059 + 0.02483 * b;
  const double log_inverse_alpha = std::log(1.1239 + 1.1328 / (b - 3.4));
  const double squeeze = 0.9277 - 3.6224 / (b - 2.0);
  for (;;) {
    const double u = stream.uniform() - 0.5;
    const double v = stream.uniform();
    const double distance = 0.5 - std::fabs(u);
    const double k = std::floor((2.0 * a / distance + b) * u + rate + 0.43);
    if (distance >= 0.07 && v <= squeeze) return k;
    if (k < 0.0 || (distance < 0.013 && v > distance)) continue;
    const double log_hat =
        std::log(v) + log_inverse_alpha - std::log(a / (distance * distance) + b);
    if (log_hat <= log_poisson_probability(k, rate)) return k;
  }
}

double sample_poisson(ElementStream& stream, double rate) {
  if (!(rate >= 0.0 && rate <= kMaxPoissonRate)) return kNaN;
  if (rate == 0.0) return 0.0;
  return rate < kInversionMeanLimit ? poisson_by_inversion(stream, rate)
                                    : poisson_by_rejection(stream, rate);
}

double log_binomial_probability(double k, double n, double p) {
  return std::log(bm::ibeta_derivative(k + 1.0, n - k + 1.0, p, kPolicy) / (n + 1.0));
}

// Chop-down inversion with the recurrence P(k) = P(k - 1) ((n + 1) s / k - s), s = p / q. When
// rounding leaves u positive past k = n (or past an underflow), the search starts over as for
// Poisson.
double binomial_by_inversion(ElementStream& stream, double n, double p) {
  const double q = 1.0 - p;
  const double s = p / q;
  const double a = (n + 1.0) * s;
  for (;;) {
    double u = stream.uniform();
    double probability = std::pow(q, n);
    double k = 0.0;
    while (u > probability && probability > 0.0 && k < n) {
      u -= probability;
      k += 1.0;
      probability *= a / k - s;
    }
    if (u <= probability) return k;
  }
}

// Hoermann's BTRS (p <= 1/2, n p >= 10), accepting against the probability relative to the mode.
double binomial_by_rejection(ElementStream& stream, double n, double p) {
  const double q = 1.0 - p;
  const double spread = std::sqrt(n * p * q);
  const double b = 1.15 + 2.53 * spread;
  const double a = -0.0873 + 0.0248 * b + 0.01 * p;
  const double c = n * p + 0.5;
  const double squeeze = 0.92 - 4.2 / b;
  const double alpha = (2.83 + 5.1 / b) * spread;
  const double mode = std::floor((n + 1.0) * p);
  const double log_mode_probability = log_binomial_probability(mode, n, p);
  for (;;) {
    const double u = stream.uniform() - 0.5;
    const double v = stream.uniform();
    const double distance = 0.5 - std::fabs(u);
    const double k = std::floor((2.0 * a / distance + b) * u + c);
    if (k < 0.0 || k > n) continue;
    if (distance >= 0.07 && v <= squeeze) return k;
    const double log_hat = std::log(v * alpha / (a / (distance * distance) + b));
    if (log_hat <= log_binomial_probability(k, n, p) - log_mode_probability) return k;
  }
}

double sample_binomial(ElementStream& stream, double n, double p) {
  if (!(n >= 0.0 && n <= kMaxBinomialTrials && n == std::floor(n)) || !(p >= 0.0 && p <= 1.0)) {
    return kNaN;
  }
  if (n == 0.0 || p == 0.0) return 0.0;
  if (p > 0.5) return n - sample_binomial(stream, n, 1.0 - p);  // 1 - p is exact here
  return n * p < kInversionMeanLimit ? binomial_by_inversion(stream, n, p)
                                     : binomial_by_rejection(stream, n, p);
}

// The first index whose cumulative weight exceeds u times the total; the last positive weight
// when rounding leaves none.
double sample_categorical(ElementStream& stream, const double* weights, std::int64_t categories) {
  double total = 0.0;
  std::int64_t last_positive = -1;
  for (std::int64_t j = 0; j < categories; ++j) {
    if (!(weights[j] >= 0.0) || std::isinf(weights[j])) return kNaN;
    total += weights[j];
    if (weights[j] > 0.0) last_positive = j;
  }
  if (!(total > 0.0) || std::isinf(total)) return kNaN;
  const double target = stream.uniform() * total;
  double cumulative = 0.0;
  for (std::int64_t j = 0; j < last_positive; ++j) {
    cumulative += weights[j];
    if (target < cumulative) return static_cast<double>(j);
  }
  return static_cast<double>(last_positive);
}

// ---- The draw loop shared by every distribution ----------------------------------------------

// Calls sample(stream, parameter pointers) for each element of the draws, in row-major order,
// stores the values as `Out`, and writes the next state. `Parameters` inputs follow the state.
template <typename Out, std::size_t Parameters, typename Sample>
int draw_each(void* const* buffers, const std::int64_t* ints, Distribution distribution,
              Sample sample) {
  const auto* state_words = static_cast<const std::int64_t*>(buffers[0]);
  const std::uint64_t state[3] = {static_cast<std::uint64_t>(state_words[0]),
                                  static_cast<std::uint64_t>(state_words[1]),
                                  static_cast<std::uint64_t>(state_words[2])};
  std::array<const double*, Parameters> at = {};
  for (std::size_t i = 0; i < Parameters; ++i) at[i] = static_cast<const double*>(buffers[1 + i]);
  Out* draws = static_cast<Out*>(buffers[1 + Parameters]);
  auto* next_state = static_cast<std::int64_t*>(buffers[2 + Parameters]);

  const std::int64_t rank = ints[0];
  const std::int64_t* dims = ints + 1;
  const std::int64_t* strides = ints + 1 + rank;  // parameter i's stride along dim d: [i*rank+d]
  std::int64_t size = 1;
  for (std::int64_t d = 0; d < rank; ++d) size *= dims[d];
  std::vector<std::int64_t> index(static_cast<std::size_t>(rank), 0);  // last axis fastest

  for (std::int64_t element = 0; element < size; ++element) {
    ElementStream stream(state, distribution, static_cast<std::uint64_t>(element));
    const double value = sample(stream, at);
    if (std::isnan(value)) return 1;
    draws[element] = static_cast<Out>(value);
    for (std::int64_t d = rank - 1; d >= 0; --d) {
      for (std::size_t i = 0; i < Parameters; ++i) at[i] += strides[i * rank + d];
      if (++index[d] < dims[d]) break;
      for (std::size_t i = 0; i < Parameters; ++i) at[i] -= strides[i * rank + d] * dims[d];
      index[d] = 0;
    }
  }
  next_state[0] = state_words[0];
  next_state[1] = state_words[1];
  next_state[2] = static_cast<std::int64_t>(state[2] + 1);  // wraps around, as unsigned
  return 0;
}

}  // namespace

extern "C" int hr_random_uniform(void* const* buffers, const std::int64_t* ints, const double*) {
  return draw_each<double, 0>(buffers, ints, Distribution::uniform,
                              [](ElementStream& stream, const auto&) { return stream.uniform(); });
}

extern "C" int hr_random_normal(void* const* buffers, const std::int64_t* ints, const double*) {
  return draw_each<double, 0>(buffers, ints, Distribution::normal,
                              [](ElementStream& stream, const auto&) { return stream.normal(); });
}

extern "C" int hr_random_exponential(void* const* buffers, const std::int64_t* ints,
                                     const double*) {
  return draw_each<double, 0>(
      buffers, ints, Distribution::exponential,
      [](ElementStream& stream, const auto&) { return -std::log(stream.uniform()); });
}

extern "C" int hr_random_gamma(void* const* buffers, const std::int64_t* ints, const double*) {
  return draw_each<double, 1>(
      buffers, ints, Distribution::gamma,
      [](ElementStream& stream, const auto& at) { return sample_gamma(stream, *at[0]); });
}

extern "C" int hr_random_poisson(void* const* buffers, const std::int64_t* ints, const double*) {
  return draw_each<std::int64_t, 1>(
      buffers, ints, Distribution::poisson,
      [](ElementStream& stream, const auto& at) { return sample_poisson(stream, *at[0]); });
}

extern "C" int hr_random_binomial(void* const* buffers, const std::int64_t* ints, const double*) {
  return draw_each<std::int64_t, 2>(buffers, ints, Distribution::binomial,
                                    [](ElementStream& stream, const auto& at) {
                                      return sample_binomial(stream, *at[0], *at[1]);
                                    });
}

extern "C" int hr_random_categorical(void* const* buffers, const std::int64_t* ints,
                                     const double*) {
  const std::int64_t rank = ints[0];
  const std::int64_t categories = ints[1 + 2 * rank];  // after the dims and the one stride list
  return draw_each<std::int64_t, 1>(buffers, ints, Distribution::categorical,
                                    [categories](ElementStream& stream, const auto& at) {
                                      return sample_categorical(stream, at[0], categories);
                                    });
}
