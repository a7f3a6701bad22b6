// Every diagnostic against the R package posterior 1.4.0 on the draw sets of
// scripts/fixtures/diagnostics.R: normal, AR(1), t(2), shifted chains, exponential, short, tiny,
// single-chain, tied, antithetic, constant, NaN and Inf draws.

#include <gtest/gtest.h>

#include <functional>
#include <span>
#include <string>

#include "diagnostics/fixtures.hpp"
#include "hypatia/diagnostics.hpp"
#include "support/errors.hpp"

namespace hypatia {
namespace {

namespace diag = hypatia::diagnostics;
using Draws = std::span<const double>;
using Quantity = std::function<double(Draws, std::int64_t)>;

// posterior's name for each quantity, and how Hypatia computes it.
const std::map<std::string, Quantity>& quantities() {
  static const std::map<std::string, Quantity> table = {
      {"mean", [](Draws x, std::int64_t) { return diag::mean(x); }},
      {"sd", [](Draws x, std::int64_t) { return diag::sd(x); }},
      {"rhat", diag::rhat},
      {"rhat_basic", diag::rhat_basic},
      {"ess_bulk", diag::ess_bulk},
      {"ess_tail", diag::ess_tail},
      {"ess_basic", diag::ess_basic},
      {"ess_mean", diag::ess_mean},
      {"ess_q5", [](Draws x, std::int64_t m) { return diag::ess_quantile(x, m, 0.05); }},
      {"ess_q95", [](Draws x, std::int64_t m) { return diag::ess_quantile(x, m, 0.95); }},
      {"mcse_mean", diag::mcse_mean},
      {"mcse_sd", diag::mcse_sd},
      {"q5", [](Draws x, std::int64_t) { return diag::quantile(x, 0.05); }},
      {"q50", [](Draws x, std::int64_t) { return diag::quantile(x, 0.5); }},
      {"q95", [](Draws x, std::int64_t) { return diag::quantile(x, 0.95); }},
      {"mcse_q5", [](Draws x, std::int64_t m) { return diag::mcse_quantile(x, m, 0.05); }},
      {"mcse_q95", [](Draws x, std::int64_t m) { return diag::mcse_quantile(x, m, 0.95); }},
  };
  return table;
}

class DiagnosticsReference : public ::testing::TestWithParam<std::string> {};

TEST_P(DiagnosticsReference, AgreesWithPosteriorPackage) {
  const std::string& set_name = GetParam();
  const auto& sets = testing::diagnostic_draw_sets();
  const auto& references = testing::diagnostic_references();
  ASSERT_TRUE(sets.contains(set_name));
  ASSERT_TRUE(references.contains(set_name));
  const testing::DrawSet& set = sets.at(set_name);
  const auto& expected = references.at(set_name);
  EXPECT_EQ(expected.size(), quantities().size()) << "the fixture and the table list different "
                                                     "quantities";
  for (const auto& [name, compute] : quantities()) {
    SCOPED_TRACE(set_name + " " + name);
    ASSERT_TRUE(expected.contains(name));
    testing::expect_matches_r(compute(set.values, set.chains), expected.at(name));
  }
}

INSTANTIATE_TEST_SUITE_P(DrawSets, DiagnosticsReference,
                         ::testing::Values("normal_iid", "ar1_rho_0.9", "student_t2",
                                           "shifted_means", "exponential", "short_2x50", "tiny_3x9",
                                           "single_chain", "poisson_ties", "antithetic", "constant",
                                           "with_nan", "with_inf"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

TEST(DiagnosticsFixtures, EveryDrawSetIsTested) {
  EXPECT_EQ(testing::diagnostic_draw_sets().size(), 13u);
  EXPECT_EQ(testing::diagnostic_references().size(), 13u);
}

TEST(DiagnosticsErrors, ShapesAndProbabilitiesAreChecked) {
  const std::vector<double> ten(10, 1.0);
  testing::expect_mentions(testing::error_message([&] { diag::rhat(ten, 3); }),
                           {"rhat", "10 draws", "3 chains"});
  testing::expect_mentions(testing::error_message([&] { diag::ess_bulk(ten, 0); }),
                           {"ess_bulk", "chains must be at least 1", "got 0"});
  testing::expect_mentions(testing::error_message([&] { diag::mcse_mean({}, 1); }),
                           {"mcse_mean", "no draws"});
  testing::expect_mentions(testing::error_message([&] { diag::ess_quantile(ten, 2, 1.5); }),
                           {"ess_quantile", "probability must be in [0, 1]", "1.5"});
  testing::expect_mentions(testing::error_message([&] { diag::quantile(ten, -0.1); }),
                           {"quantile", "-0.1"});
}

}  // namespace
}  // namespace hypatia
