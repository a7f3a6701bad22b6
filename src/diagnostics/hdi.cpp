// Highest density interval as ArviZ computes it from draws: the narrowest window of sorted draws
// that spans floor(probability * n) steps.

#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>

#include "diagnostics/draws.hpp"
#include "hypatia/diagnostics.hpp"
#include "hypatia/error.hpp"

namespace hypatia::diagnostics {

Interval hdi(std::span<const double> draws, double probability) {
  if (!(probability > 0 && probability < 1)) {
    std::ostringstream message;
    message << "hdi: probability must be in (0, 1), got " << probability;
    throw Error(message.str());
  }
  if (draws.empty()) throw Error("hdi: no draws (expected at least one)");
  for (double x : draws) {
    if (std::isnan(x)) {
      constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
      return Interval{kNaN, kNaN};
    }
  }
  const std::vector<double> ordered = detail::sorted(draws);
  const auto count = static_cast<std::int64_t>(ordered.size());
  // The same double product ArviZ floors, so the window length agrees to the draw.
  const auto span = static_cast<std::int64_t>(std::floor(probability * static_cast<double>(count)));
  std::int64_t best = 0;
  for (std::int64_t start = 1; start + span < count; ++start) {
    if (ordered[start + span] - ordered[start] < ordered[best + span] - ordered[best]) {
      best = start;
    }
  }
  return Interval{ordered[best], ordered[best + span]};
}

}  // namespace hypatia::diagnostics
