// The post-sampling gather: unconstrained draws to the posterior group of constrained values and
// deterministics (constrained_draws), timed alone on a bundled model with random draws.
//
//     build/hypatia-bench-gather [model=radon] [chains=4] [draws=1000] [repeats=7]
//
// Prints the median time, the time per draw and a hash of the values' bytes (equal hashes:
// bit-identical results).

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "hypatia/infer/rng.hpp"
#include "hypatia/models.hpp"
#include "hypatia/sample.hpp"

int main(int argc, char** argv) {
  using namespace hypatia;
  const std::string name = argc > 1 ? argv[1] : "radon";
  const std::int64_t chains = argc > 2 ? std::atoll(argv[2]) : 4;
  const std::int64_t draws = argc > 3 ? std::atoll(argv[3]) : 1000;
  const int repeats = argc > 4 ? std::atoi(argv[4]) : 7;
  const auto compiled = find_bundled_model(name).build().compile({});
  const std::int64_t dim = compiled->dim();
  CounterRng rng(1, 0);
  std::vector<double> flat(static_cast<std::size_t>(chains * draws * dim));
  for (double& value : flat) value = rng.normal();
  constrained_draws(*compiled, flat, chains, draws);  // compiles the constrain function
  std::vector<double> seconds;
  std::uint64_t checksum = 0;
  for (int run = 0; run < repeats; ++run) {
    const auto start = std::chrono::steady_clock::now();
    const Group group = constrained_draws(*compiled, flat, chains, draws);
    seconds.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    checksum = 1469598103934665603ull;  // FNV-1a over every value's bytes
    for (const Variable& variable : group.variables) {
      const auto* bytes = reinterpret_cast<const unsigned char*>(variable.values.data());
      for (std::size_t i = 0; i < variable.values.size() * sizeof(double); ++i) {
        checksum = (checksum ^ bytes[i]) * 1099511628211ull;
      }
    }
  }
  // The floor: only allocating and first touching memory of the same sizes.
  std::vector<double> touch_seconds;
  for (int run = 0; run < repeats; ++run) {
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::vector<double>> buffers;
    for (const ModelVariable& stored : compiled->stored_variables()) {
      buffers.emplace_back(static_cast<std::size_t>(chains * draws * num_elements(stored.shape)));
    }
    touch_seconds.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(touch_seconds.begin(), touch_seconds.end());
  std::printf("allocating and zeroing the same memory alone: median %.2f ms\n",
              touch_seconds[touch_seconds.size() / 2] * 1e3);
  std::sort(seconds.begin(), seconds.end());
  const double median = seconds[seconds.size() / 2];
  std::printf(
      "%s: %lld x %lld draws of %lld parameters: gather median %.2f ms (%.2f us/draw), "
      "hash %016llx\n",
      name.c_str(), static_cast<long long>(chains), static_cast<long long>(draws),
      static_cast<long long>(dim), median * 1e3, median * 1e6 / (chains * draws),
      static_cast<unsigned long long>(checksum));
}
