#pragma once

#include <cstdint>
#include <optional>

#include "hypatia/expr.hpp"
#include "hypatia/tensor.hpp"

namespace hypatia {

// Random draws with explicit, counter-based state (Philox4x64-10).
//
// A state is an int64 tensor of shape (3,): [seed, stream, counter]. A draw takes a state and the
// distribution's parameters and returns the draws and the next state (the counter advanced by
// one), which the next draw should take. Draws are a pure function of the state, each element's
// row-major position and its parameters: the same on every backend and thread count, and
// unchanged when more elements are drawn. Two draws from the same state are the same draws (equal
// graphs are one node), so a model threads the state from each draw to the next, and gives
// independent consumers (chains, say) different streams.
//
// Parameters broadcast against each other like numpy; `shape`, when given, is the draws' shape,
// to which every parameter must broadcast. Parameters may be float64, float32 or int64 (sampled in
// float64); values outside a distribution's domain are a run-time error. Continuous draws are
// float64; counts and categories int64. Draws are constants to differentiation (no gradient flows
// through them to the parameters).

struct RandomDraw {
  Expr draws;
  Expr next_state;
};

// The state [seed, stream, counter] (unsigned words stored as int64) and its type, for inputs.
Tensor random_state(std::uint64_t seed, std::uint64_t stream = 0, std::uint64_t counter = 0);
TensorType random_state_type();

// Uniform on the open interval (0, 1).
RandomDraw random_uniform(const Expr& state, const Shape& shape);
// Standard normal: mean 0, variance 1.
RandomDraw random_normal(const Expr& state, const Shape& shape);
// Standard exponential: rate 1.
RandomDraw random_exponential(const Expr& state, const Shape& shape);
// Standard gamma with shape parameter alpha > 0 (scale 1).
RandomDraw random_gamma(const Expr& state, const Expr& alpha,
                        const std::optional<Shape>& shape = std::nullopt);
// Poisson with 0 <= rate <= 1e15.
RandomDraw random_poisson(const Expr& state, const Expr& rate,
                          const std::optional<Shape>& shape = std::nullopt);
// Binomial with an integer number of trials 0 <= n <= 2^53 and success probability 0 <= p <= 1.
RandomDraw random_binomial(const Expr& state, const Expr& n, const Expr& p,
                           const std::optional<Shape>& shape = std::nullopt);
// An index into the last axis of `weights` (non-negative, finite, positive sum; normalized by
// their sum), drawn with probability proportional to its weight. The draws' shape is the
// weights' shape without the last axis (or `shape`, to which that must broadcast).
RandomDraw random_categorical(const Expr& state, const Expr& weights,
                              const std::optional<Shape>& shape = std::nullopt);

}  // namespace hypatia
