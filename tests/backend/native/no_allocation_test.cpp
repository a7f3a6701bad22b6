// A native call with fixed shapes performs no heap allocation: all scratch memory is the arena
// planned at compile time. Counted by replacing the global allocation functions of this test
// binary (they forward to malloc and count while a scope below is active).

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "hypatia/hypatia.hpp"

namespace {
std::atomic<bool> counting{false};
std::atomic<long> allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  if (counting) ++allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
// The replaced operator new above allocates with malloc, so free is the matching release; GCC
// cannot see that the two replacements belong together.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
#pragma GCC diagnostic pop

namespace hypatia {
namespace {

TEST(NativeAllocation, LogDensityWithGatherReductionsAndScanAllocatesNothingPerCall) {
  Expr x = input("theta", {DType::float64, {6}});
  Expr groups = constant(Tensor::from_ints({0, 1, 2, 1, 0, 2, 2}, {7}));
  Expr y = constant(Tensor::from_doubles({0.1, 0.4, -0.3, 0.2, 0.0, 1.1, -0.7}, {7}));
  Expr effects = slice(x, 0, Slice{0, 3, std::nullopt});
  Expr log_sigma = slice(x, 0, Index{3});
  Expr z = (y - gather(effects, groups)) / exp(log_sigma);
  ScanResult recursion = scan(
      [&](const Exprs& step, const Exprs& carries) {
        Expr next = 0.5 * carries[0] + step[0];
        return ScanStep{{next}, {square(next)}};
      },
      {slice(x, 0, Slice{3, 6, std::nullopt})}, {constant(0.0)});
  Expr logp = sum(-0.5 * z * z - log_sigma) + logsumexp(effects) - sum(recursion.outputs[0]);
  LogpGrad f(x, logp, {.backend = Backend::native});
  const double theta[] = {0.1, -0.2, 0.3, 0.05, 0.4, -0.1};
  double gradient[6];
  f(theta, gradient);  // first call outside the count (lazy initialisation in libraries)
  allocations = 0;
  counting = true;
  for (int i = 0; i < 10; ++i) f(theta, gradient);
  counting = false;
  EXPECT_EQ(allocations.load(), 0);

  // The counter does see allocations: the interpreter allocates its values on every call.
  LogpGrad reference(x, logp, {.backend = Backend::interp});
  allocations = 0;
  counting = true;
  reference(theta, gradient);
  counting = false;
  EXPECT_GT(allocations.load(), 0);
}

}  // namespace
}  // namespace hypatia
