#pragma once

// Reader for fixture files whose lines are `case field values...`, written by the scripts in
// scripts/fixtures/ with numpy and scipy.

#include <map>
#include <string>
#include <vector>

namespace hypatia::testing {

// The fields of case `name` in tests/fixtures/`file`; adds a test failure when the case is missing.
std::map<std::string, std::vector<double>> load_fixture_case(const std::string& file,
                                                             const std::string& name);

}  // namespace hypatia::testing
