#include "diagnostics/autocorrelation.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdint>
#include <limits>

#include <unsupported/Eigen/FFT>

namespace hypatia::diagnostics::detail {
namespace {

// The smallest length >= n whose only prime factors are 2, 3 and 5: fast for the FFT, and the
// length R's nextn() picks, so rounding follows posterior's as closely as it can.
std::size_t fast_fft_length(std::size_t n) {
  for (std::size_t candidate = std::max<std::size_t>(n, 1);; ++candidate) {
    std::size_t rest = candidate;
    for (std::size_t factor : {2, 3, 5}) {
      while (rest % factor == 0) rest /= factor;
    }
    if (rest == 1) return candidate;
  }
}

// Autocovariances at each lag averaged over chains.
std::vector<double> mean_autocovariance(const Chains& chains) {
  std::vector<double> sum(static_cast<std::size_t>(chains.draws), 0.0);
  for (std::int64_t c = 0; c < chains.chains; ++c) {
    const std::vector<double> chain_acov = autocovariance(chains.chain(c));
    for (std::size_t lag = 0; lag < sum.size(); ++lag) sum[lag] += chain_acov[lag];
  }
  for (double& value : sum) value /= static_cast<double>(chains.chains);
  return sum;
}

std::vector<double> chain_means(const Chains& chains) {
  std::vector<double> means;
  for (std::int64_t c = 0; c < chains.chains; ++c) {
    const auto chain = chains.chain(c);
    double total = 0;
    for (double x : chain) total += x;
    means.push_back(total / static_cast<double>(chains.draws));
  }
  return means;
}

// Geyer's initial positive sequence, made monotone: autocorrelations (from the combined
// within- and between-chain variance) summed in pairs while the pair sums stay positive, each
// pair sum capped by the one before. Returns the integrated autocorrelation time.
double integrated_autocorrelation_time(const std::vector<double>& acov, double within,
                                       double total_variance) {
  const auto n = static_cast<std::int64_t>(acov.size());
  const auto correlation = [&](std::int64_t lag) {
    return 1 - (within - acov[static_cast<std::size_t>(lag)]) / total_variance;
  };
  std::vector<double> rho(static_cast<std::size_t>(n), 0.0);
  rho[0] = 1;
  double even = 1;
  double odd = correlation(1);
  rho[1] = odd;
  std::int64_t t = 0;
  while (t < n - 5 && !std::isnan(even + odd) && even + odd > 0) {
    t += 2;
    even = correlation(t);
    odd = correlation(t + 1);
    if (even + odd >= 0) {
      rho[t] = even;
      rho[t + 1] = odd;
    }
  }
  const std::int64_t max_t = t;
  if (even > 0) rho[max_t] = even;
  for (t = 2; t <= max_t - 2; t += 2) {
    if (rho[t] + rho[t + 1] > rho[t - 2] + rho[t - 1]) {
      rho[t] = (rho[t - 2] + rho[t - 1]) / 2;
      rho[t + 1] = rho[t];
    }
  }
  // posterior sums rho over R's 1:max_t, which for max_t = 0 is the lag-0 term alone.
  double pair_sum = rho[0];
  for (std::int64_t lag = 1; lag < max_t; ++lag) pair_sum += rho[lag];
  return -1 + 2 * pair_sum + rho[max_t];
}

}  // namespace

std::vector<double> autocovariance(std::span<const double> chain) {
  const std::size_t n = chain.size();
  const double chain_variance = variance(chain);
  if (!(chain_variance > 0)) return std::vector<double>(n, 0.0);
  double total = 0;
  for (double x : chain) total += x;
  const double center = total / static_cast<double>(n);

  // Zero padding to at least 2n makes the FFT's circular correlation the linear one.
  std::vector<double> padded(2 * fast_fft_length(n), 0.0);
  for (std::size_t i = 0; i < n; ++i) padded[i] = chain[i] - center;
  Eigen::FFT<double> fft;
  std::vector<std::complex<double>> spectrum;
  fft.fwd(spectrum, padded);
  for (auto& value : spectrum) value = std::norm(value);
  std::vector<double> correlation;
  fft.inv(correlation, spectrum);

  // Scale so lag 0 is the biased variance; the FFT's own scaling drops out.
  const double scale =
      chain_variance * static_cast<double>(n - 1) / static_cast<double>(n) / correlation[0];
  std::vector<double> acov(n);
  for (std::size_t lag = 0; lag < n; ++lag) acov[lag] = correlation[lag] * scale;
  return acov;
}

double effective_sample_size(const Chains& chains) {
  const double n = static_cast<double>(chains.draws);
  if (chains.draws < 3 || lacks_variation(chains.values)) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  const std::vector<double> acov = mean_autocovariance(chains);
  const double within = acov[0] * n / (n - 1);
  double total_variance = within * (n - 1) / n;
  if (chains.chains > 1) total_variance += variance(chain_means(chains));

  const double draws = static_cast<double>(chains.chains) * n;
  const double tau = integrated_autocorrelation_time(acov, within, total_variance);
  // Strongly antithetic chains would claim an ESS far beyond the draws; cap it at S log10 S.
  const double min_tau = 1 / std::log10(draws);
  return draws / std::max(tau, min_tau);
}

}  // namespace hypatia::diagnostics::detail
