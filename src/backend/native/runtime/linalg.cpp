// Batched dense linear algebra for both backends (see hypatia_linalg.h for the calling
// convention). Each function walks the broadcast batch and solves one problem per core block
// with Eigen on row-major maps of the blocks.

#include "hypatia_linalg.h"

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <Eigen/LU>
#include <cmath>
#include <limits>
#include <vector>

namespace {

using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstMatrixView = Eigen::Map<const RowMatrix>;
using MatrixView = Eigen::Map<RowMatrix>;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int kMaxInputs = 2;

// The layout `ints` describes, for a function of `inputs` operands.
struct Layout {
  std::int64_t batch_rank = 0;
  const std::int64_t* batch_dims = nullptr;
  std::int64_t rows[kMaxInputs] = {};
  std::int64_t cols[kMaxInputs] = {};
  const std::int64_t* strides[kMaxInputs] = {};
  const std::int64_t* flags = nullptr;
};

Layout parse_layout(const std::int64_t* ints, int inputs) {
  Layout layout;
  layout.batch_rank = ints[0];
  layout.batch_dims = ints + 1;
  const std::int64_t* next = ints + 1 + layout.batch_rank;
  for (int i = 0; i < inputs; ++i) {
    layout.rows[i] = next[0];
    layout.cols[i] = next[1];
    layout.strides[i] = next + 2;
    next += 2 + layout.batch_rank;
  }
  layout.flags = next;
  return layout;
}

const double* input(void* const* buffers, int i) {
  return static_cast<const double*>(buffers[i]);
}

ConstMatrixView input_view(const Layout& layout, const double* data, int i) {
  return ConstMatrixView(data, layout.rows[i], layout.cols[i]);
}

// Calls solve_one(input block pointers, output block pointer) for every problem of the batch,
// in row-major batch order; the output blocks are `out_block` elements apart.
template <typename SolveOne>
int for_each_problem(void* const* buffers, const std::int64_t* ints, int inputs,
                     std::int64_t (*out_block)(const Layout&), SolveOne solve_one) {
  const Layout layout = parse_layout(ints, inputs);
  std::int64_t problems = 1;
  for (std::int64_t d = 0; d < layout.batch_rank; ++d) problems *= layout.batch_dims[d];
  const std::int64_t block = out_block(layout);
  double* out = static_cast<double*>(buffers[inputs]);
  std::vector<std::int64_t> counter(static_cast<std::size_t>(layout.batch_rank), 0);
  const double* blocks[kMaxInputs] = {};
  for (int i = 0; i < inputs; ++i) blocks[i] = input(buffers, i);
  for (std::int64_t p = 0; p < problems; ++p) {
    solve_one(layout, blocks, out + p * block);
    // Advance the batch counter (last axis fastest) and every input's block pointer with it.
    for (std::int64_t d = layout.batch_rank - 1; d >= 0; --d) {
      const std::int64_t extent = layout.batch_dims[d];
      for (int i = 0; i < inputs; ++i) blocks[i] += layout.strides[i][d];
      if (++counter[d] < extent) break;
      for (int i = 0; i < inputs; ++i) blocks[i] -= layout.strides[i][d] * extent;
      counter[d] = 0;
    }
  }
  return 0;
}

std::int64_t product_block(const Layout& layout) {
  return layout.rows[0] * layout.cols[1];
}
std::int64_t square_block(const Layout& layout) {
  return layout.rows[0] * layout.rows[0];
}
std::int64_t scalar_block(const Layout&) {
  return 1;
}

// log |det a| and the sign of det a from an LU factorization with partial pivoting: the product of
// U's diagonal, times the permutation's sign. A zero pivot gives (-inf, 0).
std::pair<double, double> log_abs_det_and_sign(const ConstMatrixView& a) {
  const Eigen::PartialPivLU<RowMatrix> lu(a);
  double log_abs = 0.0;
  double sign = lu.permutationP().determinant();
  for (Eigen::Index i = 0; i < a.rows(); ++i) {
    const double pivot = lu.matrixLU()(i, i);
    log_abs += std::log(std::abs(pivot));
    sign *= pivot > 0 ? 1.0 : (pivot < 0 ? -1.0 : (pivot == 0 ? 0.0 : kNaN));
  }
  return {log_abs, sign};
}

}  // namespace

extern "C" int hr_linalg_matmul(void* const* buffers, const std::int64_t* ints, const double*) {
  return for_each_problem(buffers, ints, 2, product_block,
                          [](const Layout& layout, const double** in, double* out) {
                            MatrixView(out, layout.rows[0], layout.cols[1]).noalias() =
                                input_view(layout, in[0], 0) * input_view(layout, in[1], 1);
                          });
}

extern "C" int hr_linalg_cholesky(void* const* buffers, const std::int64_t* ints, const double*) {
  return for_each_problem(
      buffers, ints, 1, square_block, [](const Layout& layout, const double** in, double* out) {
        MatrixView factor(out, layout.rows[0], layout.rows[0]);
        const Eigen::LLT<RowMatrix> llt(input_view(layout, in[0], 0));  // reads the lower triangle
        if (llt.info() == Eigen::Success) {
          factor = llt.matrixL();
        } else {
          factor.setConstant(kNaN);  // not positive definite: a value a sampler rejects
        }
      });
}

extern "C" int hr_linalg_solve_triangular(void* const* buffers, const std::int64_t* ints,
                                          const double*) {
  return for_each_problem(
      buffers, ints, 2, product_block, [](const Layout& layout, const double** in, double* out) {
        MatrixView x(out, layout.rows[0], layout.cols[1]);
        const ConstMatrixView a = input_view(layout, in[0], 0), b = input_view(layout, in[1], 1);
        if (layout.flags[0] != 0) {
          x = a.triangularView<Eigen::Lower>().solve(b);
        } else {
          x = a.triangularView<Eigen::Upper>().solve(b);
        }
      });
}

extern "C" int hr_linalg_solve(void* const* buffers, const std::int64_t* ints, const double*) {
  return for_each_problem(buffers, ints, 2, product_block,
                          [](const Layout& layout, const double** in, double* out) {
                            // A zero pivot is not an error for Eigen: the substitution divides by
                            // it (inf/NaN).
                            MatrixView(out, layout.rows[0], layout.cols[1]) =
                                Eigen::PartialPivLU<RowMatrix>(input_view(layout, in[0], 0))
                                    .solve(input_view(layout, in[1], 1));
                          });
}

extern "C" int hr_linalg_inverse(void* const* buffers, const std::int64_t* ints, const double*) {
  return for_each_problem(
      buffers, ints, 1, square_block, [](const Layout& layout, const double** in, double* out) {
        MatrixView(out, layout.rows[0], layout.rows[0]) =
            Eigen::PartialPivLU<RowMatrix>(input_view(layout, in[0], 0)).inverse();
      });
}

extern "C" int hr_linalg_logdet(void* const* buffers, const std::int64_t* ints, const double*) {
  return for_each_problem(buffers, ints, 1, scalar_block,
                          [](const Layout& layout, const double** in, double* out) {
                            *out = log_abs_det_and_sign(input_view(layout, in[0], 0)).first;
                          });
}

extern "C" int hr_linalg_det_sign(void* const* buffers, const std::int64_t* ints, const double*) {
  return for_each_problem(buffers, ints, 1, scalar_block,
                          [](const Layout& layout, const double** in, double* out) {
                            *out = log_abs_det_and_sign(input_view(layout, in[0], 0)).second;
                          });
}
