#pragma once

// Table-driven checks of univariate log densities (and log CDFs) against fixtures computed with
// scipy.stats. A fixture file is CSV with the header
//   family,p1,p2,p3,value,logp,logcdf
// (unused parameter and logcdf cells empty; -inf/inf/nan spelled as Python prints them). All rows
// of one family are evaluated in one graph whose parameters and values are placeholders, so
// invalid parameters are exercised at run time (they must give -inf) without tripping the
// build-time check of constant parameters.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hypatia/function.hpp"
#include "hypatia/ppl/distribution.hpp"

namespace hypatia::testing {

struct UnivariateCase {
  std::string family = {};
  std::vector<double> parameters = {};
  double value = 0.0;
  double logp = 0.0;
  std::optional<double> logcdf = {};
};

std::vector<UnivariateCase> read_univariate_cases(const std::string& fixture_file);

// Builds the family's distribution from its parameters (graphs of shape (n,)).
using UnivariateFactory = std::function<Distribution(const std::vector<Expr>& parameters)>;

struct UnivariateCheck {
  std::string fixture_file;  // relative to HYPATIA_FIXTURE_DIR
  std::map<std::string, UnivariateFactory> factories;
  DType value_dtype = DType::float64;  // int64 for discrete families
  double relative_tolerance = 1e-9;
  double absolute_tolerance = 1e-12;
};

// For every family in the file: logp (and logcdf where given) on the interpreter and the native
// backend equal the fixture, including -inf outside the support and for invalid parameters.
// Fails the test for a family in the file without a factory, or a factory without rows.
void expect_univariate_cases_match(const UnivariateCheck& check);

}  // namespace hypatia::testing
