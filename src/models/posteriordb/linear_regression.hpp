#pragma once

// The ARM-book linear regressions of posteriordb (earnings, kidiq, mesquite, nes):
// response ~ Normal(beta[1] + sum_p beta[p+1] x_p, sigma) with a flat prior on beta, and predictors
// derived from data columns.

#include <functional>
#include <string>
#include <vector>

#include "hypatia/ppl/model.hpp"

namespace hypatia::models::posteriordb {

using Column = std::vector<double>;

enum class ScalePrior {
  flat,         // p(sigma) constant on (0, inf)
  half_cauchy,  // sigma ~ half-Cauchy(0, 2.5)
};

struct LinearRegression {
  Column response;
  std::vector<Column> predictors;  // the intercept column is added in front
  ScalePrior scale_prior = ScalePrior::flat;
};

// beta (1 + predictors entries, flat prior) and sigma; throws when a column's length differs
// from the response's.
Model flat_prior_regression(const LinearRegression& regression);

// Column arithmetic for derived predictors.
Column transformed(const Column& column, const std::function<double(double)>& function);
Column log_of(const Column& column);
Column product(const Column& a, const Column& b);
Column quotient(const Column& a, const Column& b);
Column indicator(const Column& column, double value);            // 1 where column == value, else 0
Column centered(const Column& column);                           // column - mean(column)
Column sample_sd_scaled(const Column& column, double multiple);  // column / (multiple * sd)

}  // namespace hypatia::models::posteriordb
