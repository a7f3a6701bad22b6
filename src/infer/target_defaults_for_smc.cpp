// TEMPORARY: stand-ins for Target's default virtuals so the smc branch links on its own. The real
// ones live in src/infer/target.cpp on the nuts branch; drop this file when merging with it.

#include <cmath>
#include <string>
#include <vector>

#include "hypatia/infer/target.hpp"

namespace hypatia {

std::vector<std::string> Target::coordinate_names() const {
  std::vector<std::string> names;
  for (std::int64_t j = 0; j < dim(); ++j) names.push_back("x[" + std::to_string(j) + "]");
  return names;
}

std::vector<std::string> Target::nonfinite_variables(const double* x) {
  std::vector<double> grad(static_cast<std::size_t>(dim()));
  logp_grad(x, grad.data());
  const std::vector<std::string> names = coordinate_names();
  std::vector<std::string> nonfinite;
  for (std::size_t j = 0; j < grad.size(); ++j) {
    if (!std::isfinite(grad[j])) nonfinite.push_back(names[j]);
  }
  return nonfinite;
}

bool Target::log_prior_likelihood(const double*, double*, double*) {
  return false;
}

bool Target::sample_prior(std::uint64_t, std::uint64_t, std::uint64_t, double*) {
  return false;
}

}  // namespace hypatia
