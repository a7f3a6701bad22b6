#pragma once

// Draw sets and posterior's reference values written by scripts/fixtures/diagnostics.R.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace hypatia::testing {

struct DrawSet {
  std::int64_t chains = 0;
  std::vector<double> values;  // (chains x draws) row-major
};

// R writes NA for "not available"; the diagnostics answer NaN there.
inline double parse_r_number(const std::string& text) {
  if (text == "NA" || text == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (text == "Inf") return std::numeric_limits<double>::infinity();
  if (text == "-Inf") return -std::numeric_limits<double>::infinity();
  return std::stod(text);
}

inline std::vector<std::string> split_fields(const std::string& line) {
  std::vector<std::string> fields;
  std::stringstream stream(line);
  for (std::string field; std::getline(stream, field, ',');) fields.push_back(field);
  return fields;
}

inline std::ifstream open_fixture(const std::string& name) {
  std::ifstream file(std::string(HYPATIA_FIXTURE_DIR) + "/" + name);
  EXPECT_TRUE(file.is_open()) << "missing fixture " << name;
  return file;
}

// Every draw set by name; a chain per line: set,chain,draw_1,...,draw_n.
inline const std::map<std::string, DrawSet>& diagnostic_draw_sets() {
  static const std::map<std::string, DrawSet> sets = [] {
    std::map<std::string, DrawSet> result;
    std::ifstream file = open_fixture("diagnostics_draws.csv");
    for (std::string line; std::getline(file, line);) {
      const std::vector<std::string> fields = split_fields(line);
      DrawSet& set = result[fields.at(0)];
      set.chains += 1;
      for (std::size_t i = 2; i < fields.size(); ++i) {
        set.values.push_back(parse_r_number(fields[i]));
      }
    }
    return result;
  }();
  return sets;
}

// posterior's value of each quantity for each set: reference[set][quantity].
inline const std::map<std::string, std::map<std::string, double>>& diagnostic_references() {
  static const std::map<std::string, std::map<std::string, double>> references = [] {
    std::map<std::string, std::map<std::string, double>> result;
    std::ifstream file = open_fixture("diagnostics_reference.csv");
    std::string line;
    std::getline(file, line);  // header
    while (std::getline(file, line)) {
      const std::vector<std::string> fields = split_fields(line);
      result[fields.at(0)][fields.at(1)] = parse_r_number(fields.at(2));
    }
    return result;
  }();
  return references;
}

// Agreement to `relative` of the reference; NaN only where R said NA.
inline void expect_matches_r(double got, double expected, double relative = 1e-6) {
  if (std::isnan(expected)) {
    EXPECT_TRUE(std::isnan(got)) << "expected NA (NaN), got " << got;
  } else if (std::isinf(expected)) {
    EXPECT_EQ(got, expected);
  } else {
    EXPECT_NEAR(got, expected, relative * std::abs(expected) + 1e-300)
        << "relative error " << std::abs(got - expected) / std::abs(expected);
  }
}

}  // namespace hypatia::testing
