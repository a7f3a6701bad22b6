#include "support/fixture_cases.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace hypatia::testing {

std::map<std::string, std::vector<double>> load_fixture_case(const std::string& file,
                                                             const std::string& name) {
  std::ifstream in(std::string(HYPATIA_FIXTURE_DIR) + "/" + file);
  EXPECT_TRUE(in.good()) << "cannot open fixture " << file;
  std::map<std::string, std::vector<double>> fields;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string case_name, field;
    words >> case_name >> field;
    if (case_name != name) continue;
    double value;
    while (words >> value) fields[field].push_back(value);
  }
  EXPECT_FALSE(fields.empty()) << "no case '" << name << "' in " << file;
  return fields;
}

}  // namespace hypatia::testing
