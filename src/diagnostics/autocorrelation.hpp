#pragma once

// Autocovariance by FFT and the effective sample size it gives through Geyer's initial monotone
// sequence, shared by every ESS, MCSE and R-hat-adjacent estimate.

#include <span>
#include <vector>

#include "diagnostics/draws.hpp"

namespace hypatia::diagnostics::detail {

// Biased (denominator n) autocovariance at lags 0 .. n-1; all zeros for a constant chain.
std::vector<double> autocovariance(std::span<const double> chain);

// Effective sample size of chains already split and transformed as the estimate needs; NaN with
// fewer than three draws per chain or values lacking variation.
double effective_sample_size(const Chains& chains);

}  // namespace hypatia::diagnostics::detail
