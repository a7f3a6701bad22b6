#include "infer/chains.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <sstream>
#include <thread>

#include "hypatia/error.hpp"

namespace hypatia::infer {
namespace {

bool finite_at(Target& target, const std::vector<double>& x, std::vector<double>& grad) {
  if (!std::isfinite(target.logp_grad(x.data(), grad.data()))) return false;
  for (double g : grad) {
    if (!std::isfinite(g)) return false;
  }
  return true;
}

std::string join(const std::vector<std::string>& names) {
  if (names.empty()) return "(the target named none)";
  std::string joined;
  for (const std::string& name : names) joined += (joined.empty() ? "" : ", ") + name;
  return joined;
}

}  // namespace

std::vector<double> find_initial_point(Target& target, const std::vector<double>& given,
                                       double radius, CounterRng& rng,
                                       const std::string& chain_label, int max_tries) {
  const std::size_t dim = static_cast<std::size_t>(target.dim());
  std::vector<double> grad(dim);
  std::ostringstream message;
  message << chain_label << ": ";
  if (!given.empty()) {
    if (given.size() != dim) {
      message << "the initial point has " << given.size() << " values, expected " << dim
              << " (the target's dimension)";
      throw Error(message.str());
    }
    if (finite_at(target, given, grad)) return given;
    std::vector<double> point = given;
    message << "the log density or its gradient is not finite at the given initial point; not "
               "finite there: "
            << join(target.nonfinite_variables(point.data()));
    throw Error(message.str());
  }
  std::vector<double> point(dim);
  for (int attempt = 0; attempt < max_tries; ++attempt) {
    for (double& x : point) x = rng.uniform(-radius, radius);
    if (finite_at(target, point, grad)) return point;
  }
  message << "no initial point with finite log density and gradient in " << max_tries
          << " uniform draws on (-" << radius << ", " << radius
          << ") of the unconstrained space; not finite at the last one: "
          << join(target.nonfinite_variables(point.data()));
  throw Error(message.str());
}

void OptionCheck::chain_options(const Target& target, std::int64_t chains,
                                std::int64_t cores) const {
  if (target.dim() < 1) {
    throw Error(sampler_ + ": the target must have at least one coordinate, got dim() = " +
                std::to_string(target.dim()));
  }
  (*this)(chains >= 1, "chains", "at least 1", chains);
  (*this)(cores >= 0, "cores", "at least 0 (0: one per hardware thread)", cores);
}

std::vector<std::unique_ptr<Target>> clone_per_chain(const std::string& sampler,
                                                     const Target& target, std::int64_t chains) {
  std::vector<std::unique_ptr<Target>> targets;
  for (std::int64_t chain = 0; chain < chains; ++chain) {
    targets.push_back(target.clone());
    if (!targets.back()) throw Error(sampler + ": target.clone() returned no target");
  }
  return targets;
}

void run_chains(
    std::int64_t chains, std::int64_t cores,
    const std::function<void(std::int64_t chain, const std::atomic<bool>& stop)>& work) {
  const std::int64_t threads =
      cores > 0 ? cores : std::max<std::int64_t>(1, std::thread::hardware_concurrency());
  std::vector<std::exception_ptr> failures(static_cast<std::size_t>(chains));
  std::atomic<std::int64_t> next_chain{0};
  std::atomic<bool> stop{false};
  auto worker = [&] {
    for (std::int64_t chain = next_chain++; chain < chains; chain = next_chain++) {
      if (stop) return;
      try {
        work(chain, stop);
      } catch (...) {
        failures[static_cast<std::size_t>(chain)] = std::current_exception();
        stop = true;
      }
    }
  };
  std::vector<std::thread> pool;
  for (std::int64_t i = 1; i < std::min(threads, chains); ++i) pool.emplace_back(worker);
  worker();  // the calling thread is one of the workers
  for (std::thread& thread : pool) thread.join();
  for (const std::exception_ptr& failure : failures) {
    if (failure) std::rethrow_exception(failure);
  }
}

}  // namespace hypatia::infer
