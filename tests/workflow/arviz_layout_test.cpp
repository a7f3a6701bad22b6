// What sample() stores for ArviZ beyond the posterior: sampler flags as booleans, divergence
// locations inside sample_stats (nutpie's layout), and the log_likelihood group on request.

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <numeric>

#include "hypatia/error.hpp"
#include "hypatia/io.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/sample.hpp"
#include "support/errors.hpp"

namespace hypatia {
namespace {

const Variable& variable_of(const InferenceData& data, const std::string& group,
                            const std::string& name) {
  const Variable* variable = data.groups.at(group).find(name);
  if (variable == nullptr) throw Error("no variable '" + name + "' in group '" + group + "'");
  return *variable;
}

std::vector<std::string> group_names(const InferenceData& data) {
  std::vector<std::string> names;
  for (const auto& [name, group] : data.groups) names.push_back(name);
  return names;
}

TEST(ArvizLayout, DivergenceLocationsLieInSampleStatsWhereDivergingIsSet) {
  // beta ~ Normal(0, 1) in 3 dimensions (no coords), with a log density that is NaN beyond the
  // plane sum(beta) = 1: every divergent trajectory ends beyond it. Once with no divergence.
  for (const bool wall : {false, true}) {
    SCOPED_TRACE(wall ? "with the wall" : "without");
    Model m;
    auto beta = m.normal("beta", 0, 1, {.shape = {3}});
    if (wall) {
      m.potential("wall", where(greater(sum(beta), 1.0),
                                Expr(std::numeric_limits<double>::quiet_NaN()), Expr(0.0)));
    }
    const InferenceData data =
        sample(m, {.chains = 2, .draws = 200, .tune = 200, .seed = 3, .progress = false});
    EXPECT_NO_THROW(validate(data));
    EXPECT_EQ(group_names(data), (std::vector<std::string>{"constant_data", "observed_data",
                                                           "posterior", "sample_stats"}))
        << "no group outside ArviZ's schema";

    const Variable& diverging = variable_of(data, "sample_stats", "diverging");
    EXPECT_TRUE(diverging.is_boolean);
    const Variable& end = variable_of(data, "sample_stats", "divergence_end");
    EXPECT_EQ(end.shape, (std::vector<std::int64_t>{3}));
    EXPECT_EQ(end.dims, std::vector<std::string>{"unconstrained_parameter"});
    ASSERT_EQ(end.values.size(), diverging.values.size() * 3);
    EXPECT_EQ(std::get<std::vector<std::string>>(data.coords.at("unconstrained_parameter")),
              (std::vector<std::string>{"beta[0]", "beta[1]", "beta[2]"}));

    std::int64_t divergent = 0;
    for (std::size_t draw = 0; draw < diverging.values.size(); ++draw) {
      const double* point = end.values.data() + 3 * draw;
      if (diverging.values[draw] != 0) {
        ++divergent;
        EXPECT_GT(point[0] + point[1] + point[2], 1.0) << "draw " << draw;
      } else {
        for (int k = 0; k < 3; ++k) EXPECT_TRUE(std::isnan(point[k])) << "draw " << draw;
      }
    }
    EXPECT_EQ(divergent > 0, wall);
  }
}

const std::vector<double> kY = {1.3, -0.4, 2.2, 0.9, 0.1, 1.7};

// mu ~ Normal(0, 5), sigma ~ HalfNormal(2); y ~ Normal(mu, sigma) along dim "obs".
Model normal_model() {
  Model m;
  m.add_coord("obs", std::vector<std::string>{"a", "b", "c", "d", "e", "f"});
  auto mu = m.normal("mu", 0, 5);
  auto sigma = m.half_normal("sigma", 2);
  m.observe("y", Normal(mu, sigma), Tensor::from_doubles(kY, {6}), {.dims = {"obs"}});
  return m;
}

double normal_logpdf(double x, double mean, double sd) {
  const double z = (x - mean) / sd;
  return -0.5 * z * z - std::log(sd) - 0.5 * std::log(2 * std::numbers::pi);
}

TEST(ArvizLayout, LogLikelihoodGroupHoldsEachObservationAtEveryDraw) {
  const InferenceData data = sample(normal_model(), {.chains = 2,
                                                     .draws = 60,
                                                     .tune = 150,
                                                     .seed = 5,
                                                     .progress = false,
                                                     .log_likelihood = true});
  EXPECT_NO_THROW(validate(data));
  ASSERT_EQ(data.groups.count("log_likelihood"), 1u);
  const Group& group = data.groups.at("log_likelihood");
  ASSERT_EQ(group.variables.size(), 1u);
  const Variable& y = group.variables[0];
  EXPECT_EQ(y.name, "y") << "named like the observed variable";
  EXPECT_EQ(y.shape, (std::vector<std::int64_t>{6}));
  EXPECT_EQ(y.dims, std::vector<std::string>{"obs"});
  ASSERT_EQ(y.values.size(), 2u * 60u * 6u);

  const Variable& mu = variable_of(data, "posterior", "mu");
  const Variable& sigma = variable_of(data, "posterior", "sigma");
  const Variable& lp = variable_of(data, "sample_stats", "lp");
  for (const std::size_t draw : {std::size_t{0}, std::size_t{37}, std::size_t{60 + 11}}) {
    double sum = 0;
    for (std::size_t i = 0; i < kY.size(); ++i) {
      const double expected = normal_logpdf(kY[i], mu.values[draw], sigma.values[draw]);
      EXPECT_NEAR(y.values[6 * draw + i], expected, 1e-12 * std::max(1.0, std::abs(expected)))
          << "draw " << draw << " observation " << i;
      sum += y.values[6 * draw + i];
    }
    // The log density on the unconstrained scale: likelihood, priors and log sigma (Jacobian).
    const double log_prior = normal_logpdf(mu.values[draw], 0, 5) + std::log(2.0) +
                             normal_logpdf(sigma.values[draw], 0, 2) + std::log(sigma.values[draw]);
    EXPECT_NEAR(sum + log_prior, lp.values[draw], 1e-9 * std::abs(lp.values[draw]));
  }
}

TEST(ArvizLayout, LogLikelihoodOnlyOnRequestAndForSmcToo) {
  const InferenceData without =
      sample(normal_model(), {.chains = 1, .draws = 20, .tune = 50, .progress = false});
  EXPECT_EQ(without.groups.count("log_likelihood"), 0u);

  const InferenceData smc = sample(normal_model(), {.sampler = SamplerKind::smc,
                                                    .chains = 1,
                                                    .particles = 200,
                                                    .progress = false,
                                                    .log_likelihood = true});
  EXPECT_NO_THROW(validate(smc));
  const Variable& y = variable_of(smc, "log_likelihood", "y");
  const Variable& mu = variable_of(smc, "posterior", "mu");
  const Variable& sigma = variable_of(smc, "posterior", "sigma");
  ASSERT_EQ(y.values.size(), 200u * 6u);
  for (const std::size_t particle : {std::size_t{0}, std::size_t{199}}) {
    EXPECT_NEAR(y.values[6 * particle + 2],
                normal_logpdf(kY[2], mu.values[particle], sigma.values[particle]), 1e-12);
  }
}

TEST(ArvizLayout, LogLikelihoodOfAModelWithoutObservationsIsAnErrorBeforeSampling) {
  Model m;
  auto mu = m.normal("mu", 0, 1);
  m.potential("shrink", -0.5 * mu * mu);
  testing::expect_mentions(
      testing::error_message([&] {
        sample(m,
               {.chains = 1, .draws = 50, .tune = 50, .progress = false, .log_likelihood = true});
      }),
      {"log_likelihood", "no observed variable"});
}

}  // namespace
}  // namespace hypatia
