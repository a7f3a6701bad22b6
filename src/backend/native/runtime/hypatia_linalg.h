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

// The chunked form of a matmul over many rows, for running it chunk by chunk beside other steps
// over the same rows (the native backend's RowChunks). hr_linalg_matmul_chunking says how a
// layout is chunked and over how many rows: HR_CHUNKS_OUTPUT_ROWS, the output's rows (a matrix
// times a vector: chunk c reads rows c of A and writes rows c of C); HR_CHUNKS_INNER_AXIS, the
// inner axis (a row vector times a matrix, X^T r: chunk c reads entries c of A and rows c of B and
// writes its partial into the float64 scratch); or HR_NOT_CHUNKED. hr_linalg_matmul_chunk
// computes one chunk, hr_linalg_matmul_finish completes C after every chunk ran (adds the partials
// in chunk order). hr_linalg_matmul of a chunked layout is exactly every chunk, then finish.
#define HR_NOT_CHUNKED 0
#define HR_CHUNKS_OUTPUT_ROWS 1
#define HR_CHUNKS_INNER_AXIS 2
extern "C" int hr_linalg_matmul_chunking(const std::int64_t* ints, std::int64_t* rows);
extern "C" void hr_linalg_matmul_chunk(void* const* buffers, const std::int64_t* ints,
                                       std::int64_t chunk);
extern "C" void hr_linalg_matmul_finish(void* const* buffers, const std::int64_t* ints);
