#pragma once

// MCMC convergence diagnostics after Vehtari, Gelman, Simpson, Carpenter and Bürkner (2021),
// "Rank-normalization, folding, and localization: an improved R-hat", computed the way the R
// package posterior (1.4.0) computes them, plus ArviZ's highest density interval and an
// az.summary-like table.
//
// Every function takes the draws of one scalar quantity as a (chains x draws) row-major block:
// draw d of chain c is draws[c * draws_per_chain + d]. Where posterior answers NA (constant draws,
// NaN, infinities where they break the estimate, too few draws) these return NaN; bad shapes throw
// hypatia::Error. They live in their own namespace as `mean`, `sd` and `quantile` would read as
// the graph ops of the same names.

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "hypatia/inference_data.hpp"

namespace hypatia::diagnostics {

// Summary statistics over all draws pooled.
double mean(std::span<const double> draws);
double sd(std::span<const double> draws);  // denominator n - 1
// R's default (type 7) quantile: linear interpolation between order statistics.
double quantile(std::span<const double> draws, double probability);

// Rank-normalized split R-hat: the larger of the bulk (rank-normalized) and tail (folded, then
// rank-normalized) split R-hats.
double rhat(std::span<const double> draws, std::int64_t chains);
// Classic split R-hat on the raw draws.
double rhat_basic(std::span<const double> draws, std::int64_t chains);

// Effective sample sizes, all on split chains with Geyer's initial monotone sequence.
double ess_bulk(std::span<const double> draws, std::int64_t chains);   // rank-normalized draws
double ess_tail(std::span<const double> draws, std::int64_t chains);   // min over 5% and 95%
double ess_basic(std::span<const double> draws, std::int64_t chains);  // raw draws (ess of mean)
double ess_mean(std::span<const double> draws, std::int64_t chains);   // same as ess_basic
double ess_quantile(std::span<const double> draws, std::int64_t chains, double probability);

// Monte Carlo standard errors.
double mcse_mean(std::span<const double> draws, std::int64_t chains);
double mcse_sd(std::span<const double> draws, std::int64_t chains);
double mcse_quantile(std::span<const double> draws, std::int64_t chains, double probability);

// ArviZ's highest density interval: among the intervals [sorted[i], sorted[i + k]] with
// k = floor(probability * n), the narrowest (the first of equal widths).
struct Interval {
  double lower = 0;
  double upper = 0;
};
Interval hdi(std::span<const double> draws, double probability = 0.94);

// One row of the summary: one scalar element of a variable, e.g. "theta[3]".
struct SummaryRow {
  std::string name;
  double mean = 0;
  double sd = 0;
  Interval hdi;
  double mcse_mean = 0;
  double mcse_sd = 0;
  double ess_bulk = 0;
  double ess_tail = 0;
  double r_hat = 0;
};

struct SummaryOptions {
  double hdi_probability = 0.94;
  int decimals = 2;                // for every column but ess (printed as whole numbers)
  double rhat_threshold = 1.01;    // warn above
  double min_ess_per_chain = 100;  // warn below, for ess_bulk and ess_tail
};

struct SummaryTable {
  std::vector<SummaryRow> rows;
  SummaryOptions options;
  std::int64_t chains = 0;
  std::int64_t draws = 0;
  std::optional<std::int64_t> divergences;  // from sample_stats "diverging", when present
  std::vector<std::string> warnings;        // one sentence each, naming the variables concerned
};

// One row per scalar element of every variable of `group`, in the group's order; element labels
// come from the coordinates of the variable's dims where InferenceData has them.
SummaryTable summarize(const InferenceData& data, const std::string& group = "posterior",
                       const SummaryOptions& options = {});

// The table as ArviZ's az.summary prints it (columns mean sd hdi_3% hdi_97% mcse_mean mcse_sd
// ess_bulk ess_tail r_hat), then the warnings.
void print_summary(std::ostream& out, const SummaryTable& table);
std::string format_summary(const SummaryTable& table);

}  // namespace hypatia::diagnostics
