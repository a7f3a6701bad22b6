#include "ppl/distributions/numeric_quantile.hpp"

#include <functional>
#include <limits>

#include "hypatia/ops.hpp"
#include "ppl/distributions/composite.hpp"

namespace hypatia {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();
constexpr double kLargest = std::numeric_limits<double>::max();
constexpr double kSmallestNormal = std::numeric_limits<double>::min();
constexpr double kHalfEpsilon = 0.5 * std::numeric_limits<double>::epsilon();

// Halvings enough to bring any bracket of doubles within a factor 2 of the root's distance to the
// nearest of 0 and the support's finite ends: one split at 0, 11 geometric ones for
// [kSmallestNormal, kLargest] (a factor e^1418), and 6 for the distance to a finite end, which
// ranges over a factor 2^53 (an end's spacing of doubles to the bracket's width); 2 to spare.
constexpr int kBracketingSteps = 20;
// Safeguarded Newton steps from there: quadratic convergence takes a relative error of 1/3 below
// 1e-16 in about five (a Pareto-like tail, log S = -alpha log x, is among the slowest).
constexpr int kNewtonSteps = 8;

// The geometric mean of distances near <= far, each clamped to at least `smallest` (a distance of
// 0 has no logarithm), and whether they differ by more than a factor 2.
struct GeometricSplit {
  Expr wide;
  Expr mean;
};

GeometricSplit geometric_split(const Expr& near, const Expr& far, const Expr& smallest) {
  const Expr clamped = maximum(near, smallest);
  return {greater(far, 2.0 * clamped), exp(0.5 * (log(clamped) + log(far)))};
}

// Where a bracket [lo, hi] is split, so that it shrinks by a factor 2 in the quantity that matters
// near the root: at 0 while it straddles 0; geometrically in magnitude while one end is more than
// twice the other (a bracket spanning hundreds of orders of magnitude, as an unbounded support
// gives, shrinks to a factor 2 in a few steps); geometrically in the distance to a finite end of
// the support (lowest, highest) while the bracket's ends are at distances more than a factor 2
// apart (a CDF with a power law at the end, F ~ (x - lowest)^a, puts roots down to the spacing of
// doubles there); else at its midpoint. Magnitudes are clamped to the finite normal doubles,
// distances to an end to that end's spacing of doubles.
Expr split_point(const Expr& lo, const Expr& hi, const Expr& lowest, const Expr& highest) {
  const Expr negative = less_equal(hi, 0.0);
  const GeometricSplit magnitude = geometric_split(
      where(negative, -hi, lo), minimum(where(negative, -lo, hi), kLargest), Expr(kSmallestNormal));
  const GeometricSplit above_lowest = geometric_split(
      lo - lowest, hi - lowest, maximum(abs(lowest) * kHalfEpsilon, kSmallestNormal));
  const GeometricSplit below_highest = geometric_split(
      highest - hi, highest - lo, maximum(abs(highest) * kHalfEpsilon, kSmallestNormal));
  Expr split = lo + 0.5 * (hi - lo);
  split = where(below_highest.wide, highest - below_highest.mean, split);
  split = where(above_lowest.wide, lowest + above_lowest.mean, split);
  split = where(magnitude.wide, where(negative, -magnitude.mean, magnitude.mean), split);
  return where(less(lo, 0.0) & greater(hi, 0.0), 0.0, split);
}

// The state of the search: the root lies in [lo, hi] (the CDF is below the target at lo, or lo is
// the support's lower end; it reaches the target at hi), and x is the current estimate.
struct Search {
  Expr lo;
  Expr hi;
  Expr x;
};

// The comparisons and Newton steps are taken on log F against log p where p is the smaller
// probability, on log S against log q elsewhere, so each is accurate in its own tail.
class QuantileSearch {
 public:
  QuantileSearch(const DistributionImpl& family, Expr log_p, Expr log_q, Expr lowest, Expr highest)
      : family_(family),
        log_p_(std::move(log_p)),
        log_q_(std::move(log_q)),
        lower_tail_(less(log_p_, log_q_)),
        lowest_(std::move(lowest)),
        highest_(std::move(highest)) {}

  Expr split(const Search& search) const {
    return split_point(search.lo, search.hi, lowest_, highest_);
  }

  // Bisection: the bracket halved at its split point; the estimate is its new upper end.
  Search halve(const Search& search) const {
    const Expr split = this->split(search);
    const Expr below = where(lower_tail_, less(family_.logcdf(split), log_p_),
                             greater(family_.logccdf(split), log_q_));
    const Expr hi = where(below, search.hi, split);
    return {where(below, split, search.lo), hi, hi};
  }

  // A Newton step on the log CDF (log S in the upper tail) from x, after x has narrowed the
  // bracket; a step that would leave the bracket (or is NaN, where the density vanishes) is
  // replaced by a halving.
  Search newton(const Search& search) const {
    const Expr& x = search.x;
    const Expr log_cdf = family_.logcdf(x);
    const Expr log_ccdf = family_.logccdf(x);
    const Expr log_density = family_.unchecked_logp(x);
    const Expr below = where(lower_tail_, less(log_cdf, log_p_), greater(log_ccdf, log_q_));
    const Expr lo = where(below, x, search.lo);
    const Expr hi = where(below, search.hi, x);
    // x - g / g' for g = log F - log p (g' = f / F), and for g = log S - log q (g' = -f / S).
    const Expr step = where(lower_tail_, (log_p_ - log_cdf) * exp(log_cdf - log_density),
                            (log_ccdf - log_q_) * exp(log_ccdf - log_density));
    const Expr candidate = x + step;
    const Expr inside = greater_equal(candidate, lo) & less_equal(candidate, hi);
    return {lo, hi, where(inside, candidate, split({lo, hi, x}))};
  }

 private:
  const DistributionImpl& family_;
  Expr log_p_;
  Expr log_q_;
  Expr lower_tail_;
  Expr lowest_;  // the support's ends (+-inf where unbounded)
  Expr highest_;
};

// `steps` applications of `step` to `start` in a scan (one body graph, however many steps).
Search iterate(const std::function<Search(const Search&)>& step, const Search& start, int steps) {
  const ScanResult loop = scan(
      [&](const Exprs&, const Exprs& carries) {
        const Search next = step({carries[0], carries[1], carries[2]});
        return ScanStep{{next.lo, next.hi, next.x}, {}};
      },
      {}, {start.lo, start.hi, start.x}, {.n_steps = steps});
  return {loop.carries[0], loop.carries[1], loop.carries[2]};
}

}  // namespace

Expr numeric_quantile(const DistributionImpl& family, const Expr& log_p, const Expr& log_q) {
  const Support support = family.support();
  const Expr lowest = composite::support_lower(support).value_or(Expr(-kInfinity));
  const Expr highest = composite::support_upper(support).value_or(Expr(kInfinity));
  const QuantileSearch search(family, cast(log_p, DType::float64), cast(log_q, DType::float64),
                              lowest, highest);
  // The first halving outside the loops gives the state its full shape: the probabilities'
  // broadcast with the family's parameters (and its support's bounds).
  const Expr start = zeros_like(log_p + log_q);
  const Search first = search.halve({lowest + start, highest + start, start});
  const Search bracketed =
      iterate([&](const Search& s) { return search.halve(s); }, first, kBracketingSteps - 1);
  const Search narrowed = {bracketed.lo, bracketed.hi, search.split(bracketed)};
  const Expr quantile =
      iterate([&](const Search& s) { return search.newton(s); }, narrowed, kNewtonSteps).x;
  return quantile;
}

}  // namespace hypatia
