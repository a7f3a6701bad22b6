#include "hypatia/infer/target.hpp"

#include <cmath>

namespace hypatia {

std::vector<std::string> Target::coordinate_names() const {
  std::vector<std::string> names;
  for (std::int64_t i = 0; i < dim(); ++i) names.push_back("x[" + std::to_string(i) + "]");
  return names;
}

std::vector<std::string> Target::nonfinite_variables(const double* x) {
  std::vector<double> grad(static_cast<std::size_t>(dim()));
  const double logp = logp_grad(x, grad.data());
  std::vector<std::string> names = coordinate_names();
  names.resize(grad.size());  // a subclass may name fewer coordinates than it has
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i].empty()) names[i] = "x[" + std::to_string(i) + "]";
  }
  // A non-finite log density is not attributable to one coordinate without the model's terms.
  if (!std::isfinite(logp)) return names;
  std::vector<std::string> nonfinite;
  for (std::size_t i = 0; i < grad.size(); ++i) {
    if (!std::isfinite(grad[i])) nonfinite.push_back(names[i]);
  }
  return nonfinite;
}

double Target::logp(const double* x) {
  std::vector<double> grad(static_cast<std::size_t>(dim()));
  return logp_grad(x, grad.data());
}

bool Target::local_logp(std::int64_t, std::int64_t, const double*, double*) {
  return false;
}

bool Target::log_prior_likelihood(const double*, double*, double*) {
  return false;
}

bool Target::sample_prior(std::uint64_t, std::uint64_t, std::uint64_t, double*) {
  return false;
}

}  // namespace hypatia
