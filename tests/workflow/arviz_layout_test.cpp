// What sample() stores for ArviZ beyond the posterior: sampler flags as booleans and divergence
// locations inside sample_stats (nutpie's layout).

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "hypatia/error.hpp"
#include "hypatia/io.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/sample.hpp"

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

}  // namespace
}  // namespace hypatia
