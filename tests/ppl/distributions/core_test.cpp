// Normal, HalfNormal, HalfCauchy and Exponential against scipy.stats
// (scripts/fixtures/distributions_core.py).

#include <gtest/gtest.h>

#include "hypatia/ppl/distributions.hpp"
#include "ppl/distributions/univariate_cases.hpp"

namespace hypatia {
namespace {

TEST(Distributions, CoreFamiliesMatchScipy) {
  using P = const std::vector<Expr>&;
  testing::expect_univariate_cases_match(
      {.fixture_file = "distributions_core.csv",
       .factories = {{"Normal", [](P p) { return Normal(p[0], p[1]); }},
                     {"HalfNormal", [](P p) { return HalfNormal(p[0]); }},
                     {"HalfCauchy", [](P p) { return HalfCauchy(p[0]); }},
                     {"Exponential", [](P p) { return Exponential(p[0]); }}}});
}

}  // namespace
}  // namespace hypatia
