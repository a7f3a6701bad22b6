// TEMPORARY until the Philox random ops land (branch rng): draws are not yet available.
#include "hypatia/ppl/random_stream.hpp"

#include "hypatia/error.hpp"

namespace hypatia {
namespace {
[[noreturn]] void unavailable() {
  throw Error("random draws are not available yet");
}
}  // namespace

RandomStream::RandomStream(Expr state) : state_(std::move(state)) {}
Expr RandomStream::uniform(const Shape&) {
  unavailable();
}
Expr RandomStream::normal(const Shape&) {
  unavailable();
}
Expr RandomStream::exponential(const Shape&) {
  unavailable();
}
Expr RandomStream::gamma(const Expr&, const Shape&) {
  unavailable();
}
Expr RandomStream::poisson(const Expr&, const Shape&) {
  unavailable();
}
Expr RandomStream::binomial(const Expr&, const Expr&, const Shape&) {
  unavailable();
}
Expr RandomStream::categorical(const Expr&, const Shape&) {
  unavailable();
}

}  // namespace hypatia
