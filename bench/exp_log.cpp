// hr_simd_exp / hr_simd_log / hr_simd_log1p (hypatia_exp_log.h) against libm, compiled like
// generated code (-O3 -march=native, no contraction): throughput over a loop of 10000 independent
// elements (the form generated elementwise loops take, which vectorizes), and latency in a
// dependent chain (each result the next argument, as in a scalar recursion). Usage:
// hypatia-bench-exp-log

#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "hypatia_exp_log.h"
#include "timing.hpp"

namespace {

constexpr int kElements = 10000;
constexpr int kChain = 100000;

template <typename F>
double loop_ns_per_element(F f, const std::vector<double>& x) {
  std::vector<double> y(x.size());
  const double seconds = hypatia::bench::median_seconds(
      [&] {
        for (std::size_t i = 0; i < x.size(); ++i) y[i] = f(x[i]);
        asm volatile("" : : "r"(y.data()) : "memory");
      },
      20, 0.5);
  return seconds * 1e9 / static_cast<double>(x.size());
}

// x -> log(exp(x) / 2 + 1) - 0.2 stays in a small range; the time is one exp and one log.
template <typename Exp, typename Log>
double chain_ns_per_step(Exp exp_function, Log log_function) {
  double x = 0.3;
  const double seconds = hypatia::bench::median_seconds(
      [&] {
        for (int i = 0; i < kChain; ++i) x = log_function(exp_function(x) * 0.5 + 1.0) - 0.2;
        asm volatile("" : "+x"(x));
      },
      5, 0.5);
  return seconds * 1e9 / kChain;
}

}  // namespace

int main() {
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> uniform(-20.0, 20.0);
  std::vector<double> arguments(kElements), positive(kElements);
  for (int i = 0; i < kElements; ++i) {
    arguments[i] = uniform(rng);
    positive[i] = std::exp(arguments[i]);
  }
  std::printf("loop of %d elements, ns per element (hypatia / libm)\n", kElements);
  std::printf("  exp      %6.2f / %6.2f\n",
              loop_ns_per_element([](double x) { return hr_simd_exp(x); }, arguments),
              loop_ns_per_element([](double x) { return std::exp(x); }, arguments));
  std::printf("  log      %6.2f / %6.2f\n",
              loop_ns_per_element([](double x) { return hr_simd_log(x); }, positive),
              loop_ns_per_element([](double x) { return std::log(x); }, positive));
  std::printf("  log1p    %6.2f / %6.2f\n",
              loop_ns_per_element([](double x) { return hr_simd_log1p(x); }, positive),
              loop_ns_per_element([](double x) { return std::log1p(x); }, positive));
  std::printf(
      "  softplus %6.2f / %6.2f\n",
      loop_ns_per_element(
          [](double x) { return (x > 0.0 ? x : 0.0) + hr_simd_log1p(hr_simd_exp(-std::fabs(x))); },
          arguments),
      loop_ns_per_element(
          [](double x) { return x > 0.0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); },
          arguments));
  std::printf("dependent chain, ns per exp + log (hypatia / libm)\n");
  std::printf("  exp, log   %6.2f / %6.2f\n",
              chain_ns_per_step([](double x) { return hr_simd_exp(x); },
                                [](double x) { return hr_simd_log(x); }),
              chain_ns_per_step([](double x) { return std::exp(x); },
                                [](double x) { return std::log(x); }));
  std::printf("  exp, log1p %6.2f / %6.2f\n",
              chain_ns_per_step([](double x) { return hr_simd_exp(x); },
                                [](double x) { return hr_simd_log1p(x); }),
              chain_ns_per_step([](double x) { return std::exp(x); },
                                [](double x) { return std::log1p(x); }));
}
