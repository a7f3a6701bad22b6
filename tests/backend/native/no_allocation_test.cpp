// A native call with fixed shapes performs no heap allocation: all scratch memory is the arena
// planned at compile time. Counted by interposing the C allocation functions in this test binary:
// every heap allocation of the process goes through them (operator new calls malloc, Eigen's
// aligned_malloc calls malloc, C code calls them directly). They count while a scope below is
// active and forward to glibc's own implementations.
//
// AddressSanitizer owns malloc itself: with these replacements linked in, an ASan binary aborts
// before main ("AddressSanitizer: CHECK failed: asan_posix.cpp ... tsd_key_inited"), and the
// memory they return would bypass its checks anyway. So under ASan (scripts/sanitize.sh) this
// file compiles to one skipped test instead.

#include <gtest/gtest.h>

#if defined(__SANITIZE_ADDRESS__)
#define HYPATIA_TEST_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HYPATIA_TEST_UNDER_ASAN 1
#endif
#endif

#ifdef HYPATIA_TEST_UNDER_ASAN
TEST(NativeAllocation, SkippedUnderAddressSanitizer) {
  GTEST_SKIP() << "counting allocations replaces malloc, which AddressSanitizer owns";
}
#else

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <vector>

#include "hypatia/hypatia.hpp"
#include "hypatia_linalg.h"

namespace {
std::atomic<bool> counting{false};
std::atomic<long> allocations{0};

void count_allocation() {
  if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1);
}
}  // namespace

extern "C" {
void* __libc_malloc(std::size_t size);
void* __libc_calloc(std::size_t count, std::size_t size);
void* __libc_realloc(void* pointer, std::size_t size);
void* __libc_memalign(std::size_t alignment, std::size_t size);

void* malloc(std::size_t size) noexcept {
  count_allocation();
  return __libc_malloc(size);
}
void* calloc(std::size_t count, std::size_t size) noexcept {
  count_allocation();
  return __libc_calloc(count, size);
}
void* realloc(void* pointer, std::size_t size) noexcept {
  count_allocation();
  return __libc_realloc(pointer, size);
}
void* memalign(std::size_t alignment, std::size_t size) noexcept {
  count_allocation();
  return __libc_memalign(alignment, size);
}
void* aligned_alloc(std::size_t alignment, std::size_t size) noexcept {
  return memalign(alignment, size);
}
int posix_memalign(void** result, std::size_t alignment, std::size_t size) noexcept {
  *result = memalign(alignment, size);
  return *result != nullptr ? 0 : ENOMEM;
}
}

namespace hypatia {
namespace {

// Allocations during 10 calls of `f`, after a first call outside the count (lazy initialisation
// in libraries).
long allocations_per_ten_calls(LogpGrad& f, const std::vector<double>& theta) {
  std::vector<double> gradient(theta.size());
  f(theta.data(), gradient.data());
  allocations = 0;
  counting = true;
  for (int i = 0; i < 10; ++i) f(theta.data(), gradient.data());
  counting = false;
  return allocations.load();
}

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
  const std::vector<double> theta = {0.1, -0.2, 0.3, 0.05, 0.4, -0.1};
  EXPECT_EQ(allocations_per_ten_calls(f, theta), 0);

  // The counter does see allocations: the interpreter allocates its values on every call.
  LogpGrad reference(x, logp, {.backend = Backend::interp});
  EXPECT_GT(allocations_per_ten_calls(reference, theta), 0);
}

// The linear-algebra runtime functions called directly, at a size where Eigen's level-3 kernels
// would put their packed panels on the heap (beyond its 128 KB stack limit): with the scratch
// their planning functions ask for, they allocate nothing either.
TEST(NativeAllocation, LinearAlgebraRuntimeAllocatesNothingAtLargeSizes) {
  const std::int64_t n = 400;
  std::vector<double> positive_definite(static_cast<std::size_t>(n * n));
  for (std::int64_t i = 0; i < n; ++i) {
    for (std::int64_t j = 0; j < n; ++j) {
      positive_definite[i * n + j] = i == j ? n : 1.0 / static_cast<double>(1 + std::abs(i - j));
    }
  }
  std::vector<double> out(static_cast<std::size_t>(n * n));
  using Run = int (*)(void* const*, const std::int64_t*, const double*);
  using Plan = void (*)(const std::int64_t*, std::int64_t*);
  struct Call {
    const char* name;
    Run run;
    Plan plan;
    std::vector<std::int64_t> ints;  // no batch; one or two n x n operands; flags
  };
  const std::vector<std::int64_t> one = {0, n, n}, two = {0, n, n, n, n};
  const std::vector<Call> calls = {
      {"matmul", hr_linalg_matmul, hr_linalg_matmul_workspace, two},
      {"cholesky", hr_linalg_cholesky, hr_linalg_cholesky_workspace, one},
      {"cholesky_grad", hr_linalg_cholesky_grad, hr_linalg_cholesky_grad_workspace, two},
      {"solve_triangular",
       hr_linalg_solve_triangular,
       hr_linalg_solve_triangular_workspace,
       {0, n, n, n, n, 1}},
      {"solve", hr_linalg_solve, hr_linalg_solve_workspace, two},
      {"inverse", hr_linalg_inverse, hr_linalg_inverse_workspace, one},
      {"logdet", hr_linalg_logdet, hr_linalg_logdet_workspace, one},
      {"det_sign", hr_linalg_det_sign, hr_linalg_det_sign_workspace, one},
  };
  for (const Call& call : calls) {
    std::int64_t sizes[2] = {-1, -1};
    call.plan(call.ints.data(), sizes);
    if (call.run == hr_linalg_matmul) {
      EXPECT_GT(sizes[0] * sizeof(double), 131072u);
    }
    std::vector<double> reals(static_cast<std::size_t>(sizes[0]));
    std::vector<std::int64_t> indices(static_cast<std::size_t>(sizes[1]));
    const bool binary = call.ints.size() > one.size();
    std::vector<void*> buffers = {positive_definite.data()};
    if (binary) buffers.push_back(positive_definite.data());
    buffers.insert(buffers.end(), {out.data(), reals.data(), indices.data()});
    allocations = 0;
    counting = true;
    call.run(buffers.data(), call.ints.data(), nullptr);
    counting = false;
    EXPECT_EQ(allocations.load(), 0) << call.name;
    EXPECT_TRUE(std::isfinite(out[0])) << call.name;
  }
}

// An MvNormal-like log density of dimension n over theta = (A, x), A an n x n matrix (row-major)
// and x an n-vector: Sigma = A A^T + n I, L = chol(Sigma),
//   -0.5 x' Sigma^-1 x - sum(log(diag(L))),
// plus small terms taking the same quantities through every other linear-algebra op (solve,
// logdet, inverse, a batch of Cholesky factors), so that the gradient uses them all too.
Expr mvnormal_like_logp(const Expr& theta, std::int64_t n) {
  Expr a = reshape(slice(theta, 0, Slice{0, n * n, std::nullopt}), {n, n});
  Expr x = slice(theta, 0, Slice{n * n, n * n + n, std::nullopt});
  Expr sigma = matmul(a, matrix_transpose(a)) + static_cast<double>(n) * eye(n);
  Expr l = cholesky(sigma);
  Expr z = solve_triangular(l, x, true);
  Expr mvnormal = -0.5 * sum(square(z)) - sum(log(diagonal(l)));
  Expr through_lu = -0.5 * dot(x, solve(sigma, x)) - 0.5 * logdet(sigma);
  Expr batch = stack({sigma, 2.0 * sigma});
  Expr batch_logdet = sum(cholesky_logdet(cholesky(batch)));
  return mvnormal + 0.1 * through_lu + 0.01 * trace(inverse(sigma)) + 0.001 * batch_logdet;
}

std::vector<double> mvnormal_like_point(std::int64_t n) {
  std::vector<double> theta(static_cast<std::size_t>(n * n + n));
  for (std::size_t i = 0; i < theta.size(); ++i) theta[i] = std::sin(0.7 * static_cast<double>(i));
  return theta;
}

class NativeAllocationLinalg : public ::testing::TestWithParam<std::int64_t> {};

TEST_P(NativeAllocationLinalg, MvNormalLikeLogpGradAllocatesNothingPerCall) {
  const std::int64_t n = GetParam();
  Expr theta = input("theta", {DType::float64, {n * n + n}});
  Expr logp = mvnormal_like_logp(theta, n);
  LogpGrad f(theta, logp, {.backend = Backend::native});
  const std::vector<double> point = mvnormal_like_point(n);
  EXPECT_EQ(allocations_per_ten_calls(f, point), 0);

  // And the scratch works: the same values as the interpreter (which computes its linear
  // algebra with the same runtime functions, its elementwise ops without FMA contraction).
  LogpGrad reference(theta, logp, {.backend = Backend::interp});
  std::vector<double> gradient(point.size()), expected_gradient(point.size());
  const double value = f(point.data(), gradient.data());
  const double expected = reference(point.data(), expected_gradient.data());
  ASSERT_TRUE(std::isfinite(expected));
  EXPECT_NEAR(value, expected, 1e-9 * std::abs(expected));
  double largest_difference = 0.0;  // relative to 1 + |expected|, over the whole gradient
  for (std::size_t i = 0; i < point.size(); ++i) {
    const double difference = std::abs(gradient[i] - expected_gradient[i]);
    largest_difference =
        std::max(largest_difference, difference / (1.0 + std::abs(expected_gradient[i])));
  }
  EXPECT_LT(largest_difference, 1e-9);
}

INSTANTIATE_TEST_SUITE_P(Sizes, NativeAllocationLinalg, ::testing::Values(3, 8, 20, 50, 200));

}  // namespace
}  // namespace hypatia
#endif  // HYPATIA_TEST_UNDER_ASAN
