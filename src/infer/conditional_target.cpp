#include "infer/conditional_target.hpp"

#include "hypatia/error.hpp"

namespace hypatia::infer {

ConditionalTarget::ConditionalTarget(Target& full, std::vector<std::int64_t> coordinates)
    : full_(full),
      coordinates_(std::move(coordinates)),
      full_x_(static_cast<std::size_t>(full.dim())),
      full_grad_(static_cast<std::size_t>(full.dim())) {
  covers_all_ = static_cast<std::int64_t>(coordinates_.size()) == full.dim();
  for (std::size_t i = 0; covers_all_ && i < coordinates_.size(); ++i) {
    covers_all_ = coordinates_[i] == static_cast<std::int64_t>(i);
  }
}

void ConditionalTarget::gather(const std::vector<double>& full_x, double* block) const {
  for (std::size_t i = 0; i < coordinates_.size(); ++i) {
    block[i] = full_x[static_cast<std::size_t>(coordinates_[i])];
  }
}

void ConditionalTarget::scatter(const double* block, std::vector<double>& full_x) const {
  for (std::size_t i = 0; i < coordinates_.size(); ++i) {
    full_x[static_cast<std::size_t>(coordinates_[i])] = block[i];
  }
}

bool ConditionalTarget::enter(const std::vector<double>& full_x, double* block) {
  if (left_ == full_x) return false;
  hold(full_x);
  gather(full_x, block);
  return true;
}

void ConditionalTarget::leave(const double* block, std::vector<double>& full_x) {
  scatter(block, full_x);
  left_ = full_x;
}

std::vector<double> ConditionalTarget::with_block(const double* block) const {
  std::vector<double> full_x = left_;
  scatter(block, full_x);
  return full_x;
}

double ConditionalTarget::logp_grad(const double* x, double* grad) {
  if (covers_all_) return full_.logp_grad(x, grad);
  scatter(x, full_x_);
  const double logp = full_.logp_grad(full_x_.data(), full_grad_.data());
  gather(full_grad_, grad);
  return logp;
}

double ConditionalTarget::logp(const double* x) {
  if (covers_all_) return full_.logp(x);
  scatter(x, full_x_);
  return full_.logp(full_x_.data());
}

std::unique_ptr<Target> ConditionalTarget::clone() const {
  // Each chain builds its own from its own clone of the full target.
  throw Error("ConditionalTarget: not cloneable; build one per chain");
}

std::vector<std::string> ConditionalTarget::coordinate_names() const {
  const std::vector<std::string> all = full_.coordinate_names();
  std::vector<std::string> names;
  for (std::int64_t coordinate : coordinates_) {
    names.push_back(coordinate < static_cast<std::int64_t>(all.size())
                        ? all[static_cast<std::size_t>(coordinate)]
                        : "x[" + std::to_string(coordinate) + "]");
  }
  return names;
}

}  // namespace hypatia::infer
