#include "diagnostics/draws.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>
#include <numeric>
#include <sstream>
#include <string>

#include <boost/math/distributions/normal.hpp>

#include "hypatia/diagnostics.hpp"
#include "hypatia/error.hpp"

namespace hypatia::diagnostics {
namespace detail {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool has_nan(std::span<const double> values) {
  return std::any_of(values.begin(), values.end(), [](double x) { return std::isnan(x); });
}

void check_not_empty(std::span<const double> values, const char* function) {
  if (values.empty()) throw Error(std::string(function) + ": no draws (expected at least one)");
}

// Mean in two passes: the second adds back the rounding error of the first, as R's mean() does.
double accurate_mean(std::span<const double> values) {
  const double n = static_cast<double>(values.size());
  const double first = std::accumulate(values.begin(), values.end(), 0.0) / n;
  if (!std::isfinite(first)) return first;
  double residual = 0;
  for (double x : values) residual += x - first;
  return first + residual / n;
}

}  // namespace

Chains as_chains(std::span<const double> draws, std::int64_t chains, const char* function) {
  const auto total = static_cast<std::int64_t>(draws.size());
  if (chains < 1) {
    throw Error(std::string(function) + ": chains must be at least 1, got " +
                std::to_string(chains));
  }
  check_not_empty(draws, function);
  if (total % chains != 0) {
    throw Error(std::string(function) + ": " + std::to_string(total) +
                " draws do not divide into " + std::to_string(chains) +
                " chains of equal length (expected a (chains x draws) block)");
  }
  return Chains{std::vector<double>(draws.begin(), draws.end()), chains, total / chains};
}

Chains with_values(const Chains& chains, std::vector<double> values) {
  return Chains{std::move(values), chains.chains, chains.draws};
}

Chains split(const Chains& chains) {
  if (chains.draws == 1) return chains;
  const std::int64_t half = chains.draws / 2;
  const std::int64_t second_start = chains.draws - half;  // skips the middle draw when odd
  Chains halves{{}, chains.chains * 2, half};
  halves.values.reserve(static_cast<std::size_t>(halves.chains * half));
  for (std::int64_t c = 0; c < chains.chains; ++c) {
    const auto chain = chains.chain(c);
    halves.values.insert(halves.values.end(), chain.begin(), chain.begin() + half);
    halves.values.insert(halves.values.end(), chain.begin() + second_start, chain.end());
  }
  return halves;
}

std::vector<double> rank_normalize(std::span<const double> values) {
  const std::size_t n = values.size();
  if (has_nan(values)) return std::vector<double>(n, kNaN);
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
  const double offset = 3.0 / 8.0;
  const double denominator = static_cast<double>(n) - 2 * offset + 1;
  const boost::math::normal standard_normal;
  std::vector<double> scores(n);
  for (std::size_t first = 0; first < n;) {
    std::size_t last = first;
    while (last + 1 < n && values[order[last + 1]] == values[order[first]]) ++last;
    const double average_rank = (static_cast<double>(first + last) + 2) / 2;  // 1-based ranks
    const double score =
        boost::math::quantile(standard_normal, (average_rank - offset) / denominator);
    for (std::size_t i = first; i <= last; ++i) scores[order[i]] = score;
    first = last + 1;
  }
  return scores;
}

Chains split_rank_normalized(const Chains& chains) {
  const Chains halves = split(chains);
  return with_values(halves, rank_normalize(halves.values));
}

std::vector<double> fold(std::span<const double> values) {
  const double center = median(values);
  std::vector<double> folded(values.size());
  std::transform(values.begin(), values.end(), folded.begin(),
                 [center](double x) { return std::abs(x - center); });
  return folded;
}

bool lacks_variation(std::span<const double> values) {
  if (std::any_of(values.begin(), values.end(), [](double x) { return !std::isfinite(x); })) {
    return true;
  }
  const auto [low, high] = std::minmax_element(values.begin(), values.end());
  return std::abs(*high - *low) < DBL_EPSILON;
}

std::vector<double> sorted(std::span<const double> values) {
  std::vector<double> result(values.begin(), values.end());
  std::sort(result.begin(), result.end());
  return result;
}

double sorted_quantile(std::span<const double> sorted_values, double probability) {
  const double position = static_cast<double>(sorted_values.size() - 1) * probability;
  const auto low = static_cast<std::size_t>(std::floor(position));
  const auto high = static_cast<std::size_t>(std::ceil(position));
  const double below = sorted_values[low];
  const double above = sorted_values[high];
  if (position == static_cast<double>(low) || above == below) return below;
  const double weight = position - static_cast<double>(low);
  return (1 - weight) * below + weight * above;
}

double median(std::span<const double> values) {
  if (has_nan(values)) return kNaN;
  return sorted_quantile(sorted(values), 0.5);
}

double variance(std::span<const double> values) {
  if (values.size() < 2) return kNaN;
  const double center = accurate_mean(values);
  double squares = 0;
  for (double x : values) squares += (x - center) * (x - center);
  return squares / static_cast<double>(values.size() - 1);
}

double max_or_nan(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return kNaN;
  return std::max(a, b);
}

double min_or_nan(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return kNaN;
  return std::min(a, b);
}

void check_probability(double probability, const char* function) {
  if (!(probability >= 0 && probability <= 1)) {
    std::ostringstream message;
    message << function << ": probability must be in [0, 1], got " << probability;
    throw Error(message.str());
  }
}

}  // namespace detail

double mean(std::span<const double> draws) {
  detail::check_not_empty(draws, "mean");
  return detail::accurate_mean(draws);
}

double sd(std::span<const double> draws) {
  detail::check_not_empty(draws, "sd");
  return std::sqrt(detail::variance(draws));
}

double quantile(std::span<const double> draws, double probability) {
  detail::check_not_empty(draws, "quantile");
  detail::check_probability(probability, "quantile");
  if (detail::has_nan(draws)) return detail::kNaN;
  return detail::sorted_quantile(detail::sorted(draws), probability);
}

}  // namespace hypatia::diagnostics
