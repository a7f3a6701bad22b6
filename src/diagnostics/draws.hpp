#pragma once

// The draws of one scalar quantity as equal-length chains, and the transformations the
// rank-normalized diagnostics apply to them before estimating anything.

#include <cstdint>
#include <span>
#include <vector>

namespace hypatia::diagnostics::detail {

struct Chains {
  std::vector<double> values;  // chain-major: draw d of chain c at c * draws + d
  std::int64_t chains = 0;
  std::int64_t draws = 0;  // per chain

  std::span<const double> chain(std::int64_t index) const {
    return std::span<const double>(values).subspan(index * draws, draws);
  }
};

// Checks that `draws` splits into `chains` non-empty chains; errors name `function`.
Chains as_chains(std::span<const double> draws, std::int64_t chains, const char* function);

// The same chains with every value replaced (`values` keeps the layout).
Chains with_values(const Chains& chains, std::vector<double> values);

// Each chain cut into its first and second half (an odd middle draw is dropped), so a chain that
// drifts looks like two disagreeing chains. Chains of one draw stay as they are.
Chains split(const Chains& chains);

// Normal scores of the pooled ranks (ties share their average rank), Blom's offset 3/8. Any NaN
// makes every score NaN: no estimate built on them is meaningful.
std::vector<double> rank_normalize(std::span<const double> values);

// Split, then rank-normalized over all halves together: the input of the bulk diagnostics.
Chains split_rank_normalized(const Chains& chains);

// |x - median|: turns spread in the tails into location, for the tail R-hat.
std::vector<double> fold(std::span<const double> values);

// True where posterior answers NA: a NaN or infinite value, or (numerically) constant values.
bool lacks_variation(std::span<const double> values);

std::vector<double> sorted(std::span<const double> values);
// R's type 7 quantile of already sorted values.
double sorted_quantile(std::span<const double> sorted_values, double probability);
double median(std::span<const double> values);
// Sample variance with denominator n - 1 (NaN for fewer than two values).
double variance(std::span<const double> values);

// R's max(): NaN when either is NaN.
double max_or_nan(double a, double b);
double min_or_nan(double a, double b);

// Throws hypatia::Error unless 0 <= probability <= 1.
void check_probability(double probability, const char* function);

}  // namespace hypatia::diagnostics::detail
