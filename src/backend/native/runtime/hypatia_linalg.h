#pragma once

// Batched dense linear algebra in the precompiled runtime library (Eigen inside). The reference
// kernels (src/ops/linalg.cpp) and generated code call these same functions, so both backends
// compute every matrix identically, to the last bit.
//
// Each function has the runtime signature and reads its operands' layout from `ints`:
//   batch_rank, batch dims (the output's broadcast batch shape),
//   then per input: core rows, core cols, one element stride per batch dim (0 = broadcast),
//   then the op's flags (solve_triangular: 1 for lower).
// buffers = inputs (float64, row-major cores), then the output (float64, contiguous: the batch
// in row-major order, one core block per problem), then two scratch buffers: float64 and int64.
//
// The functions allocate nothing: all their scratch memory (factorizations' copies, pivots,
// Eigen's packed GEMM panels) is in those two buffers. `<name>_workspace(ints, sizes)` plans them
// for a layout: sizes[0] float64 and sizes[1] int64 elements (either may be 0). Callers plan once
// per layout (the native backend puts the scratch in the compiled function's arena).

#include <cstdint>

#define HR_LINALG_FUNCTION(name)                                                            \
  extern "C" int name(void* const* buffers, const std::int64_t* ints, const double* reals); \
  extern "C" void name##_workspace(const std::int64_t* ints, std::int64_t* sizes)

HR_LINALG_FUNCTION(hr_linalg_matmul);            // (m, k), (k, n) -> (m, n)
HR_LINALG_FUNCTION(hr_linalg_cholesky);          // (n, n) -> (n, n); NaN when not positive definite
HR_LINALG_FUNCTION(hr_linalg_cholesky_grad);     // L (n, n), L's cotangent (n, n) -> A's (lower)
HR_LINALG_FUNCTION(hr_linalg_solve_triangular);  // (n, n), (n, k) -> (n, k)
HR_LINALG_FUNCTION(hr_linalg_solve);     // (n, n), (n, k) -> (n, k), LU with partial pivoting
HR_LINALG_FUNCTION(hr_linalg_inverse);   // (n, n) -> (n, n)
HR_LINALG_FUNCTION(hr_linalg_logdet);    // (n, n) -> (): log |det|
HR_LINALG_FUNCTION(hr_linalg_det_sign);  // (n, n) -> (): sign of det (0 when singular)

#undef HR_LINALG_FUNCTION
