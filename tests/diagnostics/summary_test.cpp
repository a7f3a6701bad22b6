// summarize() over an InferenceData and the az.summary-like printout with its warnings.

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "diagnostics/fixtures.hpp"
#include "hypatia/diagnostics.hpp"
#include "support/errors.hpp"

namespace hypatia {
namespace {

namespace diag = hypatia::diagnostics;

const std::vector<double>& fixture_draws(const std::string& set) {
  return testing::diagnostic_draw_sets().at(set).values;
}

// 4 chains x 500 draws: mu well mixed (normal_iid), theta[Choate] from chains with shifted means,
// theta[Deerfield] from a slowly mixing AR(1), `fixed` constant; 3 divergent transitions.
InferenceData example_data() {
  InferenceData data;
  data.chains = 4;
  data.draws = 500;
  data.coords["school"] = std::vector<std::string>{"Choate", "Deerfield"};
  Group posterior;
  posterior.variables.push_back({"mu", {}, {}, false, fixture_draws("normal_iid")});
  Variable theta{"theta", {2}, {"school"}, false, {}};
  for (std::size_t i = 0; i < 2000; ++i) {  // (chain, draw, school) interleaves the schools
    theta.values.push_back(fixture_draws("shifted_means")[i]);
    theta.values.push_back(fixture_draws("ar1_rho_0.9")[i]);
  }
  posterior.variables.push_back(theta);
  posterior.variables.push_back({"fixed", {}, {}, false, std::vector<double>(2000, 2.0)});
  data.groups["posterior"] = posterior;
  Variable diverging{"diverging", {}, {}, true, std::vector<double>(2000, 0.0)};
  diverging.values[10] = diverging.values[700] = diverging.values[1999] = 1;
  data.groups["sample_stats"].variables.push_back(diverging);
  return data;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  return lines;
}

std::vector<std::string> words_of(const std::string& line) {
  std::vector<std::string> words;
  std::istringstream stream(line);
  for (std::string word; stream >> word;) words.push_back(word);
  return words;
}

TEST(DiagnosticsSummary, RowsAgreeWithPosteriorPackage) {
  const diag::SummaryTable table = diag::summarize(example_data());
  ASSERT_EQ(table.rows.size(), 4u);
  const std::pair<std::string, std::string> rows_and_sets[] = {{"mu", "normal_iid"},
                                                               {"theta[Choate]", "shifted_means"},
                                                               {"theta[Deerfield]", "ar1_rho_0.9"}};
  for (std::size_t r = 0; r < 3; ++r) {
    const auto& [name, set] = rows_and_sets[r];
    SCOPED_TRACE(name);
    const diag::SummaryRow& row = table.rows[r];
    const auto& expected = testing::diagnostic_references().at(set);
    EXPECT_EQ(row.name, name);
    testing::expect_matches_r(row.mean, expected.at("mean"));
    testing::expect_matches_r(row.sd, expected.at("sd"));
    testing::expect_matches_r(row.mcse_mean, expected.at("mcse_mean"));
    testing::expect_matches_r(row.mcse_sd, expected.at("mcse_sd"));
    testing::expect_matches_r(row.ess_bulk, expected.at("ess_bulk"));
    testing::expect_matches_r(row.ess_tail, expected.at("ess_tail"));
    testing::expect_matches_r(row.r_hat, expected.at("rhat"));
    const diag::Interval interval = diag::hdi(fixture_draws(set), 0.94);
    EXPECT_EQ(row.hdi.lower, interval.lower);
    EXPECT_EQ(row.hdi.upper, interval.upper);
  }
  EXPECT_EQ(table.rows[3].name, "fixed");
  EXPECT_EQ(table.rows[3].mean, 2.0);
  EXPECT_TRUE(std::isnan(table.rows[3].r_hat));
  EXPECT_EQ(table.divergences, 3);
}

TEST(DiagnosticsSummary, PrintsArvizColumnsAndRoundedRows) {
  const std::string text = diag::format_summary(diag::summarize(example_data()));
  const std::vector<std::string> lines = lines_of(text);
  SCOPED_TRACE(text);
  ASSERT_GE(lines.size(), 5u);
  EXPECT_EQ(words_of(lines[0]),
            (std::vector<std::string>{"mean", "sd", "hdi_3%", "hdi_97%", "mcse_mean", "mcse_sd",
                                      "ess_bulk", "ess_tail", "r_hat"}));
  // mu: mean, sd to two decimals, ESS whole, r_hat 1.00 (posterior: 0.99974).
  const auto& mu = testing::diagnostic_references().at("normal_iid");
  const std::vector<std::string> mu_row = words_of(lines[1]);
  ASSERT_EQ(mu_row.size(), 10u);
  EXPECT_EQ(mu_row[0], "mu");
  char expected[32];
  std::snprintf(expected, sizeof expected, "%.2f", mu.at("sd"));
  EXPECT_EQ(mu_row[2], expected);
  std::snprintf(expected, sizeof expected, "%.0f", mu.at("ess_bulk"));
  EXPECT_EQ(mu_row[7], expected);
  EXPECT_EQ(mu_row[9], "1.00");
  EXPECT_EQ(words_of(lines[2])[0], "theta[Choate]");
  EXPECT_EQ(words_of(lines[2])[9], "1.15");
  EXPECT_EQ(words_of(lines[4])[0], "fixed");
  EXPECT_EQ(words_of(lines[4])[9], "nan");
  // Right-aligned: every row as long as the header.
  for (std::size_t i = 1; i < 5; ++i) EXPECT_EQ(lines[i].size(), lines[0].size()) << lines[i];
}

TEST(DiagnosticsSummary, WarnsAboutDivergencesRhatAndEss) {
  const std::string text = diag::format_summary(diag::summarize(example_data()));
  testing::expect_mentions(
      text, {"warning: 3 of 2000 transitions ended with a divergence (0.15%)",
             "warning: r_hat > 1.01 (chains disagree) for theta[Choate], theta[Deerfield]\n",
             "warning: r_hat is nan (draws constant or not finite) for fixed\n",
             "warning: ess_bulk < 400 (100 per chain) for theta[Choate], theta[Deerfield]\n",
             "warning: ess_tail < 400 (100 per chain) for theta[Choate], theta[Deerfield]\n"});
  EXPECT_EQ(text.find("for mu"), std::string::npos);
}

TEST(DiagnosticsSummary, QuietWhenAllIsWell) {
  InferenceData data = example_data();
  data.groups["posterior"].variables.resize(1);  // mu only
  data.groups["sample_stats"].variables[0].values.assign(2000, 0.0);
  const diag::SummaryTable table = diag::summarize(data);
  EXPECT_TRUE(table.warnings.empty());
  EXPECT_EQ(diag::format_summary(table).find("warning"), std::string::npos);
}

TEST(DiagnosticsSummary, LabelsOtherProbabilitiesAndUnnamedDims) {
  InferenceData data;
  data.chains = 1;
  data.draws = 6;
  Variable beta{"beta", {2, 3}, {}, false, {}};
  for (int i = 0; i < 36; ++i) beta.values.push_back(std::sin(i * 1.7) + (i % 6));
  data.groups["prior"].variables.push_back(beta);
  diag::SummaryOptions options;
  options.hdi_probability = 0.95;
  const diag::SummaryTable table = diag::summarize(data, "prior", options);
  ASSERT_EQ(table.rows.size(), 6u);
  EXPECT_EQ(table.rows[0].name, "beta[0, 0]");
  EXPECT_EQ(table.rows[5].name, "beta[1, 2]");
  EXPECT_FALSE(table.divergences.has_value());
  const std::vector<std::string> header = words_of(lines_of(diag::format_summary(table))[0]);
  EXPECT_EQ(header[2], "hdi_2.5%");
  EXPECT_EQ(header[3], "hdi_97.5%");
  // Element (1, 2) is every 6th value from offset 5: chain 0's draws of it.
  std::vector<double> element;
  for (int d = 0; d < 6; ++d) element.push_back(beta.values[d * 6 + 5]);
  EXPECT_EQ(table.rows[5].mean, diag::mean(element));
}

TEST(DiagnosticsSummary, BadInputIsReported) {
  InferenceData data = example_data();
  testing::expect_mentions(testing::error_message([&] { diag::summarize(data, "prior"); }),
                           {"summarize", "no group 'prior'", "posterior, sample_stats"});
  data.groups["posterior"].variables[1].values.pop_back();
  testing::expect_mentions(testing::error_message([&] { diag::summarize(data); }),
                           {"summarize", "posterior.theta", "3999 values", "expected 4000"});
}

}  // namespace
}  // namespace hypatia
