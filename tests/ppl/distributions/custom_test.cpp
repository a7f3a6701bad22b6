// CustomDist: the log density graph over a value placeholder, and draws from a generative graph of
// a random-state placeholder (what the Python front end derives from PyMC's CustomDist(dist=...)).

#include <gtest/gtest.h>

#include <cmath>

#include "hypatia/error.hpp"
#include "hypatia/interpreter.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ops/random.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"

namespace hypatia {
namespace {

// A log-normal written as exp(normal): logp by hand, draws as exp of standard normal draws.
Distribution exp_of_normal(bool with_draws) {
  Expr value(input("value", {DType::float64, {3}}));
  Expr logp = -log(value) - 0.5 * square(log(value)) - 0.5 * std::log(2 * M_PI);
  CustomDistributionSpec spec{.name = "lognormal", .value = value, .logp = logp};
  if (with_draws) {
    Expr state(input("state", random_state_type()));
    RandomDraw normal = random_normal(state, {3});
    spec.random_state = state;
    spec.draw = exp(normal.draws);
    spec.next_state = normal.next_state;
  }
  return CustomDist(spec);
}

TEST(CustomDist, LogDensityIsTheGraphAtTheValue) {
  const Distribution d = exp_of_normal(false);
  const std::vector<double> values{0.5, 1.0, 3.0};
  const std::vector<double> got =
      evaluate(d.logp(Expr(constant(Tensor::from_doubles(values, {3})))).node()).to_doubles();
  for (std::size_t i = 0; i < values.size(); ++i) {
    const double log_x = std::log(values[i]);
    EXPECT_NEAR(got[i], -log_x - 0.5 * log_x * log_x - 0.5 * std::log(2 * M_PI), 1e-12);
  }
  RandomStream rng(constant(random_state(1)));
  EXPECT_THROW(d.random(rng, {3}), Error);
}

TEST(CustomDist, DrawsComeFromTheGenerativeGraphAndAdvanceTheStream) {
  const Distribution d = exp_of_normal(true);
  const Expr start(constant(random_state(7)));
  RandomStream rng(start);
  const Expr first = d.random(rng, {3});
  const Expr second = d.random(rng, {3});
  // The same draws as the graph's own normal draws from that state, exponentiated.
  const std::vector<double> reference =
      evaluate(random_normal(start, {3}).draws.node()).to_doubles();
  const std::vector<double> got = evaluate(first.node()).to_doubles();
  const std::vector<double> next = evaluate(second.node()).to_doubles();
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_NEAR(got[i], std::exp(reference[i]), 1e-12);
    EXPECT_NE(got[i], next[i]);  // the stream moved on
  }
  EXPECT_THROW(d.random(rng, {4}), Error);
}

TEST(CustomDist, DrawGraphMustMatchTheValue) {
  Expr value(input("value", {DType::float64, {3}}));
  Expr state(input("state", random_state_type()));
  RandomDraw normal = random_normal(state, {2});
  EXPECT_THROW(CustomDist({.name = "bad",
                           .value = value,
                           .logp = -square(value),
                           .random_state = state,
                           .draw = normal.draws,
                           .next_state = normal.next_state}),
               Error);
}

}  // namespace
}  // namespace hypatia
