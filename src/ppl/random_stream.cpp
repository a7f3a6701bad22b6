// Threads the Philox state through a forward-sampling graph: each primitive draw consumes the
// current state and leaves the advanced one for the next.

#include "hypatia/ppl/random_stream.hpp"

#include "hypatia/ops.hpp"

namespace hypatia {

RandomStream::RandomStream(Expr state) : state_(std::move(state)) {}

namespace {

Expr take(Expr& state, const RandomDraw& draw) {
  state = draw.next_state;
  return draw.draws;
}

}  // namespace

Expr RandomStream::uniform(const Shape& shape) {
  return take(state_, random_uniform(state_, shape));
}

Expr RandomStream::normal(const Shape& shape) {
  return take(state_, random_normal(state_, shape));
}

Expr RandomStream::exponential(const Shape& shape) {
  return take(state_, random_exponential(state_, shape));
}

Expr RandomStream::gamma(const Expr& alpha, const Shape& shape) {
  return take(state_, random_gamma(state_, alpha, shape));
}

Expr RandomStream::poisson(const Expr& rate, const Shape& shape) {
  return take(state_, random_poisson(state_, rate, shape));
}

Expr RandomStream::binomial(const Expr& n, const Expr& p, const Shape& shape) {
  return take(state_, random_binomial(state_, n, p, shape));
}

Expr RandomStream::categorical(const Expr& p, const Shape& shape) {
  return take(state_, random_categorical(state_, p, shape));
}

}  // namespace hypatia
