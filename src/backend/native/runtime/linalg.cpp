// Batched dense linear algebra for both backends (see hypatia_linalg.h for the calling
// convention). Each function walks the broadcast batch and solves one problem per core block, in
// place on Eigen maps of the caller's memory.
//
// Why not Eigen's LLT and PartialPivLU: those classes own storage they allocate, and Eigen's
// level-3 kernels (matrix products, triangular solves with many right-hand sides, rank updates)
// pack their operands into cache-sized panels that go on the stack up to 128 KB and on the heap
// beyond. So the factorizations here are blocked algorithms built from Eigen's unblocked in-place
// steps and its level-3 kernels, and every kernel gets its panels from the caller's workspace. The
// planning functions size that workspace with the blocking rule Eigen itself uses
// (computeProductBlockingSizes), so the kernels run exactly as Eigen would run them, whatever the
// matrix size.

#include "hypatia_linalg.h"
#include "hypatia_runtime.h"

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <Eigen/LU>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>

namespace {

using Eigen::Index;
using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
// A row-major matrix, or a block of one, whose rows are outerStride() elements apart.
using MatrixView = Eigen::Map<RowMatrix, 0, Eigen::OuterStride<>>;
using ConstMatrixView = Eigen::Map<const RowMatrix, 0, Eigen::OuterStride<>>;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int kMaxInputs = 2;

MatrixView matrix(double* data, Index rows, Index cols) {
  return MatrixView(data, rows, cols, Eigen::OuterStride<>(cols));
}
ConstMatrixView matrix(const double* data, Index rows, Index cols) {
  return ConstMatrixView(data, rows, cols, Eigen::OuterStride<>(cols));
}
MatrixView block(MatrixView m, Index row, Index col, Index rows, Index cols) {
  return MatrixView(m.data() + row * m.outerStride() + col, rows, cols,
                    Eigen::OuterStride<>(m.outerStride()));
}
ConstMatrixView read_only(const MatrixView& m) {
  return ConstMatrixView(m.data(), m.rows(), m.cols(), Eigen::OuterStride<>(m.outerStride()));
}

// ---------------------------------------------------------------------------------------------
// Workspace.

// Pieces of the float64 workspace start on 64-byte boundaries: Eigen's kernels read packed panels
// with aligned vector loads.
constexpr std::int64_t kAlignmentDoubles = 8;

std::int64_t aligned_size(std::int64_t doubles) {
  return (doubles + kAlignmentDoubles - 1) / kAlignmentDoubles * kAlignmentDoubles;
}

// The caller's scratch buffers; `reals` already aligned.
struct Scratch {
  double* reals;
  std::int64_t* indices;
};

Scratch scratch_of(void* const* buffers, int first) {
  const auto address = reinterpret_cast<std::uintptr_t>(buffers[first]);
  constexpr std::uintptr_t bytes = kAlignmentDoubles * sizeof(double);
  return {reinterpret_cast<double*>((address + bytes - 1) / bytes * bytes),
          static_cast<std::int64_t*>(buffers[first + 1])};
}

// Records a plan: `reals` float64 elements after alignment (plus the slack aligning needs) and
// `indices` int64 elements.
void plan(std::int64_t* sizes, std::int64_t reals, std::int64_t indices = 0) {
  sizes[0] = reals == 0 ? 0 : reals + kAlignmentDoubles;
  sizes[1] = indices;
}

// ---------------------------------------------------------------------------------------------
// Eigen's level-3 kernels with their packed panels in the workspace.

// A kernel's cache blocking: it packs kc x mc blocks of one operand and kc x nc of the other.
struct PanelSizes {
  Index kc = 0, mc = 0, nc = 0;
  std::int64_t doubles() const { return aligned_size(kc * mc) + kc * nc; }
};

// Eigen's blocking for a kernel with (at most) mc x kc and kc x nc blocks. The triangular kernels
// block only mc and kc and pack all nc columns at once (`blocks_nc` false).
template <int KcFactor>
PanelSizes eigen_panel_sizes(Index mc, Index nc, Index kc, bool blocks_nc) {
  Index blocked_nc = nc;
  Eigen::internal::computeProductBlockingSizes<double, double, KcFactor>(kc, mc, blocked_nc,
                                                                         Index{1});
  return {kc, mc, blocks_nc ? blocked_nc : nc};
}

// Eigen's blocking object, pointing at panels in the workspace (so the kernels allocate none).
class WorkspacePanels : public Eigen::internal::level3_blocking<double, double> {
 public:
  WorkspacePanels(const PanelSizes& sizes, double* space) {
    m_kc = sizes.kc;
    m_mc = sizes.mc;
    m_nc = sizes.nc;
    m_blockA = space;
    m_blockB = space + aligned_size(sizes.kc * sizes.mc);
  }
};

// The blockings below are those Eigen's own expressions pass for the same operations (it treats a
// row-major problem as the column-major transposed one, hence the swapped roles).

// C += alpha A B, for row-major C (m x n), A (m x k), B (k x n).
PanelSizes product_panels(Index m, Index n, Index k) {
  return eigen_panel_sizes<1>(n, m, k, true);
}
void add_product(const ConstMatrixView& a, const ConstMatrixView& b, MatrixView c, double alpha,
                 double* space) {
  using Kernel =
      Eigen::internal::general_matrix_matrix_product<Index, double, Eigen::RowMajor, false, double,
                                                     Eigen::RowMajor, false, Eigen::RowMajor, 1>;
  WorkspacePanels panels(product_panels(c.rows(), c.cols(), a.cols()), space);
  Kernel::run(c.rows(), c.cols(), a.cols(), a.data(), a.outerStride(), b.data(), b.outerStride(),
              c.data(), 1, c.outerStride(), alpha, panels);
}

// C += alpha A^T B, for row-major C (m x n), A (k x m), B (k x n): A's row-major storage is
// A^T's column-major storage, so no transposed copy is made.
void add_transposed_product(const ConstMatrixView& a, const ConstMatrixView& b, MatrixView c,
                            double alpha, double* space) {
  using Kernel =
      Eigen::internal::general_matrix_matrix_product<Index, double, Eigen::ColMajor, false, double,
                                                     Eigen::RowMajor, false, Eigen::RowMajor, 1>;
  WorkspacePanels panels(product_panels(c.rows(), c.cols(), a.rows()), space);
  Kernel::run(c.rows(), c.cols(), a.rows(), a.data(), a.outerStride(), b.data(), b.outerStride(),
              c.data(), 1, c.outerStride(), alpha, panels);
}

// X <- T^-1 X for T (n x n) triangular as `Mode` says (Eigen::Lower, Upper, UnitLower), X (n x k).
PanelSizes left_solve_panels(Index n, Index k) {
  return eigen_panel_sizes<4>(k, n, n, false);
}
template <int Mode>
void left_solve(const ConstMatrixView& t, MatrixView x, double* space) {
  using Kernel =
      Eigen::internal::triangular_solve_matrix<double, Index, Eigen::OnTheLeft, Mode, false,
                                               Eigen::RowMajor, Eigen::RowMajor, 1>;
  WorkspacePanels panels(left_solve_panels(t.rows(), x.cols()), space);
  Kernel::run(t.rows(), x.cols(), t.data(), t.outerStride(), x.data(), 1, x.outerStride(), panels);
}

// X <- X L^-T for L (n x n) lower triangular, X (m x n).
PanelSizes right_solve_panels(Index n, Index m) {
  return eigen_panel_sizes<4>(n, m, n, false);
}
void right_solve_transposed_lower(const ConstMatrixView& l, MatrixView x, double* space) {
  // L^T is upper triangular, and L's row-major storage is L^T's column-major storage.
  using Kernel =
      Eigen::internal::triangular_solve_matrix<double, Index, Eigen::OnTheRight, Eigen::Upper,
                                               false, Eigen::ColMajor, Eigen::RowMajor, 1>;
  WorkspacePanels panels(right_solve_panels(l.rows(), x.rows()), space);
  Kernel::run(l.rows(), x.rows(), l.data(), l.outerStride(), x.data(), 1, x.outerStride(), panels);
}

// X <- X L^-1 for L (n x n) lower triangular, X (m x n).
void right_solve_lower(const ConstMatrixView& l, MatrixView x, double* space) {
  using Kernel =
      Eigen::internal::triangular_solve_matrix<double, Index, Eigen::OnTheRight, Eigen::Lower,
                                               false, Eigen::RowMajor, Eigen::RowMajor, 1>;
  WorkspacePanels panels(right_solve_panels(l.rows(), x.rows()), space);
  Kernel::run(l.rows(), x.rows(), l.data(), l.outerStride(), x.data(), 1, x.outerStride(), panels);
}

// The lower triangle of C (n x n) <- that of C - A A^T, for A (n x k).
PanelSizes rank_update_panels(Index n, Index k) {
  return eigen_panel_sizes<1>(n, n, k, false);
}
void subtract_rank_update(const ConstMatrixView& a, MatrixView c, double* space) {
  // A^T's column-major storage is A's row-major storage.
  using Kernel = Eigen::internal::general_matrix_matrix_triangular_product<
      Index, double, Eigen::RowMajor, false, double, Eigen::ColMajor, false, Eigen::RowMajor, 1,
      Eigen::Lower>;
  WorkspacePanels panels(rank_update_panels(a.rows(), a.cols()), space);
  Kernel::run(a.rows(), a.cols(), a.data(), a.outerStride(), a.data(), a.outerStride(), c.data(), 1,
              c.outerStride(), -1.0, panels);
}

// ---------------------------------------------------------------------------------------------
// Blocked factorizations (right-looking: factor a panel of columns, then update what is right of
// and below it with level-3 kernels). Block sizes follow Eigen's own heuristics.

// Calls step(k, width) for the column panels [k, k + width) of an n-column matrix.
template <typename Step>
void for_each_panel(Index n, Index block_size, Step step) {
  for (Index k = 0; k < n; k += block_size) step(k, std::min(block_size, n - k));
}

// The largest workspace any step of a blocked factorization needs: panel_doubles(width, rest)
// for the panel steps that leave `rest` columns to update.
template <typename PanelDoubles>
std::int64_t largest_panel_space(Index n, Index block_size, PanelDoubles panel_doubles) {
  std::int64_t doubles = 0;
  for_each_panel(n, block_size, [&](Index k, Index width) {
    const Index rest = n - k - width;
    if (rest > 0) doubles = std::max(doubles, panel_doubles(width, rest));
  });
  return doubles;
}

constexpr Index kUnblockedCholeskyBelow = 32;

Index cholesky_block_size(Index n) {
  return std::clamp<Index>(n / 8 / 16 * 16, 8, 128);
}

std::int64_t cholesky_panel_space(Index n) {
  if (n < kUnblockedCholeskyBelow) return 0;
  return largest_panel_space(n, cholesky_block_size(n), [](Index width, Index rest) {
    return std::max(right_solve_panels(width, rest).doubles(),
                    rank_update_panels(rest, width).doubles());
  });
}

// Overwrites the lower triangle of `a` with L, L L^T = A (reading only that triangle); false when
// A is not positive definite.
bool cholesky_in_place(MatrixView a, double* space) {
  using Unblocked = Eigen::internal::llt_inplace<double, Eigen::Lower>;
  const Index n = a.rows();
  if (n < kUnblockedCholeskyBelow) return Unblocked::unblocked(a) < 0;
  bool positive_definite = true;
  for_each_panel(n, cholesky_block_size(n), [&](Index k, Index width) {
    if (!positive_definite) return;
    MatrixView diagonal = block(a, k, k, width, width);
    positive_definite = Unblocked::unblocked(diagonal) < 0;
    const Index rest = n - k - width;
    if (!positive_definite || rest == 0) return;
    MatrixView below = block(a, k + width, k, rest, width);
    right_solve_transposed_lower(read_only(diagonal), below, space);
    subtract_rank_update(read_only(below), block(a, k + width, k + width, rest, rest), space);
  });
  return positive_definite;
}

// Reverse mode of the Cholesky factorization (Murray 2016, "Differentiation of the Cholesky
// decomposition", blocked algorithm). It runs the left-looking factorization backwards, block
// column by block column from the last, turning the factor's cotangent into the cotangent of A's
// lower triangle in place. Each block costs two matrix products against the columns left of it, so
// the whole pass is about twice the factorization's flops (2n^3/3), mostly in level-3 kernels;
// the symmetric formula L^-T Phi(L^T Lbar) L^-1 as dense products and solves costs about 4n^3.
//
// The left-looking step for the block columns J = [k, k + w) with K = [k + w, n) below is
//   D = chol(A_JJ - R R^T),  C = (A_KJ - B R^T) D^-T,  R = L_J,[0,k), B = L_K,[0,k),
// and each of its reverse steps below undoes one of those assignments.

Index cholesky_grad_block_size(Index n) {
  return std::clamp<Index>(n / 6 / 16 * 16, 16, 128);
}

// The unblocked reverse of D = chol(X) for one w x w diagonal block, in place: `bar` holds D's
// cotangent (lower triangle) and becomes X's.
void cholesky_grad_unblocked(const ConstMatrixView& d, MatrixView bar) {
  const Index w = d.rows();
  for (Index j = w - 1; j >= 0; --j) {
    const double pivot = d(j, j);
    // Row j of D is (R_j, pivot) with pivot = sqrt(X_jj - R_j R_j^T); the column below is
    // C = (X_below,j - B R_j^T) / pivot.
    double pivot_bar = bar(j, j);
    for (Index i = j + 1; i < w; ++i) pivot_bar -= bar(i, j) * d(i, j) / pivot;
    pivot_bar /= pivot;  // twice the cotangent of X_jj
    for (Index i = j + 1; i < w; ++i) bar(i, j) /= pivot;
    for (Index c = 0; c < j; ++c) {
      double row_bar = pivot_bar * d(j, c);
      for (Index i = j + 1; i < w; ++i) row_bar += bar(i, j) * d(i, c);
      bar(j, c) -= row_bar;
    }
    for (Index i = j + 1; i < w; ++i) {
      for (Index c = 0; c < j; ++c) bar(i, c) -= bar(i, j) * d(j, c);
    }
    bar(j, j) = 0.5 * pivot_bar;
  }
}

// Scratch: a w x w matrix, then panels for the largest level-3 step.
std::int64_t cholesky_grad_space(Index n) {
  const Index w = std::min(cholesky_grad_block_size(n), n);
  std::int64_t panels = 0;
  // Steps with an empty operand are skipped (and Eigen's blocking rule divides by the sizes).
  const auto product = [](Index m, Index n, Index k) {
    return m > 0 && n > 0 && k > 0 ? product_panels(m, n, k).doubles() : 0;
  };
  for_each_panel(n, w, [&](Index k, Index width) {
    const Index rest = n - k - width;
    if (rest > 0) panels = std::max(panels, right_solve_panels(width, rest).doubles());
    panels = std::max({panels, product(rest, k, width), product(width, width, rest),
                       product(width, k, rest), product(width, k, width)});
  });
  return aligned_size(w * w) + panels;
}

// `bar` holds L's cotangent (lower triangle; the upper is ignored) and becomes the cotangent of
// the lower triangle of A, the part the factorization reads; its upper triangle is zeroed.
void cholesky_grad_in_place(const ConstMatrixView& l, MatrixView bar, double* space) {
  const Index n = l.rows();
  const Index w_max = std::min(cholesky_grad_block_size(n), n);
  bar.triangularView<Eigen::StrictlyUpper>().setZero();
  double* panel_space = space + aligned_size(w_max * w_max);
  const Index blocks = (n + w_max - 1) / w_max;
  for (Index b = blocks - 1; b >= 0; --b) {
    const Index k = b * w_max, w = std::min(w_max, n - k), rest = n - k - w;
    const ConstMatrixView d(l.data() + k * l.outerStride() + k, w, w,
                            Eigen::OuterStride<>(l.outerStride()));
    const ConstMatrixView r(l.data() + k * l.outerStride(), w, k,
                            Eigen::OuterStride<>(l.outerStride()));
    MatrixView d_bar = block(bar, k, k, w, w), r_bar = block(bar, k, 0, w, k);
    if (rest > 0) {
      const ConstMatrixView c(l.data() + (k + w) * l.outerStride() + k, rest, w,
                              Eigen::OuterStride<>(l.outerStride()));
      MatrixView c_bar = block(bar, k + w, k, rest, w);
      // C = M D^-T with M = A_KJ - B R^T: M's cotangent is C_bar D^-1, and D's gains -M_bar^T C.
      right_solve_lower(d, c_bar, panel_space);
      MatrixView product = matrix(space, w, w);
      product.setZero();
      add_transposed_product(read_only(c_bar), c, product, 1.0, panel_space);
      d_bar.triangularView<Eigen::Lower>() -= product;
      if (k > 0) {
        const ConstMatrixView below(l.data() + (k + w) * l.outerStride(), rest, k,
                                    Eigen::OuterStride<>(l.outerStride()));
        add_product(read_only(c_bar), r, block(bar, k + w, 0, rest, k), -1.0, panel_space);
        add_transposed_product(read_only(c_bar), below, r_bar, -1.0, panel_space);
      }
    }
    cholesky_grad_unblocked(d, d_bar);
    if (k > 0) {
      // X = A_JJ - R R^T read by its lower triangle: R's cotangent gains -(X_bar + X_bar^T) R.
      MatrixView symmetric = matrix(space, w, w);
      symmetric = d_bar.triangularView<Eigen::Lower>();
      symmetric.triangularView<Eigen::Upper>() = d_bar.transpose().triangularView<Eigen::Upper>();
      symmetric.diagonal() *= 2.0;
      add_product(read_only(symmetric), r, r_bar, -1.0, panel_space);
    }
  }
}

constexpr Index kUnblockedLuUpTo = 16;

Index lu_block_size(Index n) {
  return std::clamp<Index>(n / 8 / 16 * 16, 8, 256);
}

std::int64_t lu_panel_space(Index n) {
  if (n <= kUnblockedLuUpTo) return 0;
  return largest_panel_space(n, lu_block_size(n), [](Index width, Index rest) {
    return std::max(left_solve_panels(width, rest).doubles(),
                    product_panels(rest, rest, width).doubles());
  });
}

// Eigen's unblocked LU with partial pivoting of a (tall) panel, in place; pivots[i] is the panel
// row swapped with row i (relative to the panel).
void factor_panel(MatrixView panel, std::int64_t* pivots) {
  using Unblocked = Eigen::internal::partial_lu_impl<double, Eigen::RowMajor, std::int64_t>;
  Unblocked::BlockType lu(panel);
  std::int64_t swaps = 0;
  Unblocked::unblocked_lu(lu, pivots, swaps);
}

// P A = L U in place (L unit lower below the diagonal, U upper), where P swaps rows i and
// pivots[i] for i = 0, 1, ... in turn. A zero pivot is left in U (solves then give inf/NaN).
void lu_in_place(MatrixView a, std::int64_t* pivots, double* space) {
  const Index n = a.rows();
  if (n <= kUnblockedLuUpTo) {
    factor_panel(a, pivots);
    return;
  }
  for_each_panel(n, lu_block_size(n), [&](Index k, Index width) {
    const Index rest = n - k - width;
    factor_panel(block(a, k, k, n - k, width), pivots + k);
    // The panel swapped its part of the rows; swap the parts left and right of it likewise.
    for (Index i = k; i < k + width; ++i) {
      pivots[i] += k;
      if (pivots[i] == i) continue;
      a.row(i).head(k).swap(a.row(pivots[i]).head(k));
      a.row(i).tail(rest).swap(a.row(pivots[i]).tail(rest));
    }
    if (rest == 0) return;
    MatrixView right = block(a, k, k + width, width, rest);
    left_solve<Eigen::UnitLower>(read_only(block(a, k, k, width, width)), right, space);
    add_product(read_only(block(a, k + width, k, rest, width)), read_only(right),
                block(a, k + width, k + width, rest, rest), -1.0, space);
  });
}

// An LU factorization of a copy of an n x n matrix in the scratch: the copy, the pivots (n
// indices), then panel space for the factorization and for `solve_space` doubles of later solves.
struct Factorization {
  MatrixView lu;
  const std::int64_t* pivots;
  double* space;
};

void plan_factorization(std::int64_t n, std::int64_t solve_space, std::int64_t* sizes) {
  plan(sizes, aligned_size(n * n) + std::max(lu_panel_space(n), solve_space), n);
}

Factorization factor_copy(const ConstMatrixView& a, const Scratch& scratch) {
  const Index n = a.rows();
  Factorization result{matrix(scratch.reals, n, n), scratch.indices,
                       scratch.reals + aligned_size(n * n)};
  result.lu = a;
  lu_in_place(result.lu, scratch.indices, result.space);
  return result;
}

// X <- A^-1 X from the factorization of A.
void solve_in_place(const Factorization& factorization, MatrixView x) {
  for (Index i = 0; i < x.rows(); ++i) {
    if (factorization.pivots[i] != i) x.row(i).swap(x.row(factorization.pivots[i]));
  }
  left_solve<Eigen::UnitLower>(read_only(factorization.lu), x, factorization.space);
  left_solve<Eigen::Upper>(read_only(factorization.lu), x, factorization.space);
}

// log |det a| and the sign of det a: the product of U's diagonal, times the permutation's sign. A
// zero pivot gives (-inf, 0).
std::pair<double, double> log_abs_det_and_sign(const ConstMatrixView& a, const Scratch& scratch) {
  const Factorization factorization = factor_copy(a, scratch);
  double log_abs = 0.0, sign = 1.0;
  for (Index i = 0; i < a.rows(); ++i) {
    const double pivot = factorization.lu(i, i);
    if (factorization.pivots[i] != i) sign = -sign;
    log_abs += std::log(std::abs(pivot));
    sign *= pivot > 0 ? 1.0 : (pivot < 0 ? -1.0 : (pivot == 0 ? 0.0 : kNaN));
  }
  return {log_abs, sign};
}

// C = A B: a coefficient loop for tiny products, a matrix-vector product for a single row or
// column, else the blocked product; the same choices Eigen's `noalias() = A * B` makes.
constexpr Index kCoefficientProductBelow = 20;

// The tiny products' loop, each element summed over k in order with one rounding per step. Not
// Eigen's lazyProduct: it computes the elements before the output's first aligned address with
// scalar multiply-adds and the rest with packet FMAs, so one product gave different last bits
// from call to call as buffers moved (a GP kernel's distances, amplified by sqrt near zero).
void multiply_in_order(const ConstMatrixView& a, const ConstMatrixView& b, MatrixView c) {
  for (Index i = 0; i < c.rows(); ++i) {
    for (Index j = 0; j < c.cols(); ++j) {
      double total = a(i, 0) * b(0, j);
      for (Index p = 1; p < a.cols(); ++p) total += a(i, p) * b(p, j);
      c(i, j) = total;
    }
  }
}

bool uses_blocked_product(Index m, Index n, Index k) {
  return k > 1 && m + n + k >= kCoefficientProductBelow && m > 1 && n > 1;
}

// Rows [begin, begin + count) of a row-major view.
ConstMatrixView rows_of(const ConstMatrixView& m, Index begin, Index count) {
  return ConstMatrixView(m.data() + begin * m.outerStride(), count, m.cols(),
                         Eigen::OuterStride<>(m.outerStride()));
}

Index chunk_length(Index rows, std::int64_t chunk) {
  return std::min<Index>(HR_CHUNK_ROWS, rows - chunk * HR_CHUNK_ROWS);
}

// Calls body(chunk) for every chunk of `rows` rows through hr_parallel_for_chunks.
template <typename Body>
void for_each_chunk(Index rows, Body body) {
  hr_parallel_for_chunks(
      hr_chunk_count(rows),
      [](std::int64_t chunk, void* context) { (*static_cast<Body*>(context))(chunk); }, &body);
}

// Products over many rows run in chunks of HR_CHUNK_ROWS rows (see hr_parallel_for_chunks): a
// matrix times a vector, row chunks of the result; a row vector times a matrix (a regression's
// gradient, X^T r), one partial row per chunk of the long axis in the workspace, added in chunk
// order. Neither depends on the thread count.
bool chunks_rows(Index m, Index n, Index k) {
  return n == 1 && m >= HR_PARALLEL_MIN_ROWS && k > 1;
}
bool chunks_inner(Index m, Index n, Index k) {
  return m == 1 && k >= HR_PARALLEL_MIN_ROWS;
}
std::int64_t inner_partials_space(Index n, Index k) {
  return hr_chunk_count(k) * n;
}

// Chunk `chunk` of a product chunked over its output's rows: those rows of C.
void multiply_row_chunk(const ConstMatrixView& a, const ConstMatrixView& b, MatrixView c,
                        std::int64_t chunk) {
  const Index begin = chunk * HR_CHUNK_ROWS, count = chunk_length(a.rows(), chunk);
  Eigen::Map<Eigen::VectorXd>(c.data() + begin, count).noalias() =
      rows_of(a, begin, count) * Eigen::Map<const Eigen::VectorXd>(b.data(), b.rows());
}

// Chunk `chunk` of a product chunked over its inner axis: that chunk's partial row of C.
void multiply_inner_chunk(const ConstMatrixView& a, const ConstMatrixView& b, double* partials,
                          std::int64_t chunk) {
  const Index n = b.cols(), k = a.cols();
  const Index begin = chunk * HR_CHUNK_ROWS, count = chunk_length(k, chunk);
  Eigen::Map<Eigen::RowVectorXd>(partials + chunk * n, n).noalias() =
      Eigen::Map<const Eigen::RowVectorXd>(a.data() + begin, count) * rows_of(b, begin, count);
}

// C = the partial rows added in chunk order.
void add_inner_partials(MatrixView c, const double* partials, Index k) {
  const Index n = c.cols();
  Eigen::Map<Eigen::RowVectorXd> total(c.data(), n);
  total.setZero();
  for (std::int64_t chunk = 0; chunk < hr_chunk_count(k); ++chunk) {
    total += Eigen::Map<const Eigen::RowVectorXd>(partials + chunk * n, n);
  }
}

void multiply_row_chunks(const ConstMatrixView& a, const ConstMatrixView& b, MatrixView c) {
  for_each_chunk(a.rows(), [&](std::int64_t chunk) { multiply_row_chunk(a, b, c, chunk); });
}

void multiply_inner_chunks(const ConstMatrixView& a, const ConstMatrixView& b, MatrixView c,
                           double* partials) {
  for_each_chunk(a.cols(),
                 [&](std::int64_t chunk) { multiply_inner_chunk(a, b, partials, chunk); });
  add_inner_partials(c, partials, a.cols());
}

void multiply(const ConstMatrixView& a, const ConstMatrixView& b, MatrixView c, double* space) {
  const Index m = c.rows(), n = c.cols(), k = a.cols();
  if (chunks_rows(m, n, k)) {
    multiply_row_chunks(a, b, c);
  } else if (chunks_inner(m, n, k)) {
    multiply_inner_chunks(a, b, c, space);
  } else if (k == 0) {
    c.setZero();
  } else if (m + n + k < kCoefficientProductBelow) {
    multiply_in_order(a, b, c);
  } else if (k == 1) {
    // An outer product (a gradient's a x^T, say): one multiplication per element, exactly what
    // the blocked product would compute, without zeroing C and packing panels first.
    for (Index i = 0; i < m; ++i) c.row(i) = a(i, 0) * b.row(0);
  } else if (n == 1) {
    Eigen::Map<Eigen::VectorXd>(c.data(), m).noalias() =
        a * Eigen::Map<const Eigen::VectorXd>(b.data(), k);
  } else if (m == 1) {
    Eigen::Map<Eigen::RowVectorXd>(c.data(), n).noalias() =
        Eigen::Map<const Eigen::RowVectorXd>(a.data(), k) * b;
  } else {
    c.setZero();
    add_product(a, b, c, 1.0, space);
  }
}

// ---------------------------------------------------------------------------------------------
// The batch.

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

ConstMatrixView input_view(const Layout& layout, const double* data, int i) {
  return matrix(data, layout.rows[i], layout.cols[i]);
}

// The element offset of input i's block in problem `problem` (row-major batch order).
std::int64_t block_offset(const Layout& layout, int i, std::int64_t problem) {
  std::int64_t offset = 0;
  for (std::int64_t d = layout.batch_rank - 1; d >= 0; --d) {
    offset += problem % layout.batch_dims[d] * layout.strides[i][d];
    problem /= layout.batch_dims[d];
  }
  return offset;
}

// Calls solve_one(layout, input block pointers, output block pointer, scratch) for every problem
// of the batch in row-major batch order; the output blocks are `out_block` elements apart. The
// problems run one after another, so they share the scratch.
template <typename SolveOne>
int for_each_problem(void* const* buffers, const std::int64_t* ints, int inputs,
                     std::int64_t (*out_block)(const Layout&), SolveOne solve_one) {
  const Layout layout = parse_layout(ints, inputs);
  std::int64_t problems = 1;
  for (std::int64_t d = 0; d < layout.batch_rank; ++d) problems *= layout.batch_dims[d];
  const std::int64_t block = out_block(layout);
  double* out = static_cast<double*>(buffers[inputs]);
  const Scratch scratch = scratch_of(buffers, inputs + 1);
  for (std::int64_t p = 0; p < problems; ++p) {
    const double* blocks[kMaxInputs] = {};
    for (int i = 0; i < inputs; ++i) {
      blocks[i] = static_cast<const double*>(buffers[i]) + block_offset(layout, i, p);
    }
    solve_one(layout, blocks, out + p * block, scratch);
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

}  // namespace

extern "C" void hr_linalg_matmul_workspace(const std::int64_t* ints, std::int64_t* sizes) {
  const Layout layout = parse_layout(ints, 2);
  const Index m = layout.rows[0], k = layout.cols[0], n = layout.cols[1];
  if (chunks_inner(m, n, k)) {
    plan(sizes, inner_partials_space(n, k));
  } else {
    plan(sizes, uses_blocked_product(m, n, k) ? product_panels(m, n, k).doubles() : 0);
  }
}

extern "C" int hr_linalg_matmul(void* const* buffers, const std::int64_t* ints, const double*) {
  return for_each_problem(
      buffers, ints, 2, product_block,
      [](const Layout& layout, const double** in, double* out, const Scratch& scratch) {
        multiply(input_view(layout, in[0], 0), input_view(layout, in[1], 1),
                 matrix(out, layout.rows[0], layout.cols[1]), scratch.reals);
      });
}

extern "C" int hr_linalg_matmul_chunking(const std::int64_t* ints, std::int64_t* rows) {
  const Layout layout = parse_layout(ints, 2);
  const Index m = layout.rows[0], k = layout.cols[0], n = layout.cols[1];
  if (layout.batch_rank != 0) return HR_NOT_CHUNKED;
  if (chunks_rows(m, n, k)) {
    *rows = m;
    return HR_CHUNKS_OUTPUT_ROWS;
  }
  if (chunks_inner(m, n, k)) {
    *rows = k;
    return HR_CHUNKS_INNER_AXIS;
  }
  return HR_NOT_CHUNKED;
}

extern "C" void hr_linalg_matmul_chunk(void* const* buffers, const std::int64_t* ints,
                                       std::int64_t chunk) {
  const Layout layout = parse_layout(ints, 2);
  const double* in[] = {static_cast<const double*>(buffers[0]),
                        static_cast<const double*>(buffers[1])};
  const ConstMatrixView a = input_view(layout, in[0], 0), b = input_view(layout, in[1], 1);
  if (chunks_rows(a.rows(), b.cols(), a.cols())) {
    multiply_row_chunk(a, b, matrix(static_cast<double*>(buffers[2]), a.rows(), b.cols()), chunk);
  } else {
    multiply_inner_chunk(a, b, scratch_of(buffers, 3).reals, chunk);
  }
}

extern "C" void hr_linalg_matmul_finish(void* const* buffers, const std::int64_t* ints) {
  const Layout layout = parse_layout(ints, 2);
  const Index m = layout.rows[0], k = layout.cols[0], n = layout.cols[1];
  if (chunks_inner(m, n, k)) {
    add_inner_partials(matrix(static_cast<double*>(buffers[2]), m, n), scratch_of(buffers, 3).reals,
                       k);
  }
}

extern "C" void hr_linalg_cholesky_workspace(const std::int64_t* ints, std::int64_t* sizes) {
  plan(sizes, cholesky_panel_space(parse_layout(ints, 1).rows[0]));
}

extern "C" int hr_linalg_cholesky(void* const* buffers, const std::int64_t* ints, const double*) {
  return for_each_problem(
      buffers, ints, 1, square_block,
      [](const Layout& layout, const double** in, double* out, const Scratch& scratch) {
        MatrixView factor = matrix(out, layout.rows[0], layout.rows[0]);
        factor.triangularView<Eigen::Lower>() = input_view(layout, in[0], 0);
        factor.triangularView<Eigen::StrictlyUpper>().setZero();
        if (!cholesky_in_place(factor, scratch.reals)) {
          factor.setConstant(kNaN);  // not positive definite: a value a sampler rejects
        }
      });
}

extern "C" void hr_linalg_cholesky_grad_workspace(const std::int64_t* ints, std::int64_t* sizes) {
  plan(sizes, cholesky_grad_space(parse_layout(ints, 2).rows[0]));
}

extern "C" int hr_linalg_cholesky_grad(void* const* buffers, const std::int64_t* ints,
                                       const double*) {
  return for_each_problem(
      buffers, ints, 2, square_block,
      [](const Layout& layout, const double** in, double* out, const Scratch& scratch) {
        const Index n = layout.rows[0];
        MatrixView bar = matrix(out, n, n);
        bar = input_view(layout, in[1], 1);
        cholesky_grad_in_place(input_view(layout, in[0], 0), bar, scratch.reals);
      });
}

extern "C" void hr_linalg_solve_triangular_workspace(const std::int64_t* ints,
                                                     std::int64_t* sizes) {
  const Layout layout = parse_layout(ints, 2);
  plan(sizes, left_solve_panels(layout.rows[0], layout.cols[1]).doubles());
}

extern "C" int hr_linalg_solve_triangular(void* const* buffers, const std::int64_t* ints,
                                          const double*) {
  return for_each_problem(
      buffers, ints, 2, product_block,
      [](const Layout& layout, const double** in, double* out, const Scratch& scratch) {
        MatrixView x = matrix(out, layout.rows[1], layout.cols[1]);
        x = input_view(layout, in[1], 1);
        const ConstMatrixView a = input_view(layout, in[0], 0);
        if (layout.flags[0] != 0) {
          left_solve<Eigen::Lower>(a, x, scratch.reals);
        } else {
          left_solve<Eigen::Upper>(a, x, scratch.reals);
        }
      });
}

extern "C" void hr_linalg_solve_workspace(const std::int64_t* ints, std::int64_t* sizes) {
  const Layout layout = parse_layout(ints, 2);
  const Index n = layout.rows[0];
  plan_factorization(n, left_solve_panels(n, layout.cols[1]).doubles(), sizes);
}

extern "C" int hr_linalg_solve(void* const* buffers, const std::int64_t* ints, const double*) {
  return for_each_problem(
      buffers, ints, 2, product_block,
      [](const Layout& layout, const double** in, double* out, const Scratch& scratch) {
        MatrixView x = matrix(out, layout.rows[1], layout.cols[1]);
        x = input_view(layout, in[1], 1);
        solve_in_place(factor_copy(input_view(layout, in[0], 0), scratch), x);
      });
}

extern "C" void hr_linalg_inverse_workspace(const std::int64_t* ints, std::int64_t* sizes) {
  const Index n = parse_layout(ints, 1).rows[0];
  plan_factorization(n, left_solve_panels(n, n).doubles(), sizes);
}

extern "C" int hr_linalg_inverse(void* const* buffers, const std::int64_t* ints, const double*) {
  return for_each_problem(
      buffers, ints, 1, square_block,
      [](const Layout& layout, const double** in, double* out, const Scratch& scratch) {
        MatrixView x = matrix(out, layout.rows[0], layout.rows[0]);
        x.setIdentity();
        solve_in_place(factor_copy(input_view(layout, in[0], 0), scratch), x);
      });
}

extern "C" void hr_linalg_logdet_workspace(const std::int64_t* ints, std::int64_t* sizes) {
  plan_factorization(parse_layout(ints, 1).rows[0], 0, sizes);
}

extern "C" int hr_linalg_logdet(void* const* buffers, const std::int64_t* ints, const double*) {
  return for_each_problem(
      buffers, ints, 1, scalar_block,
      [](const Layout& layout, const double** in, double* out, const Scratch& scratch) {
        *out = log_abs_det_and_sign(input_view(layout, in[0], 0), scratch).first;
      });
}

extern "C" void hr_linalg_det_sign_workspace(const std::int64_t* ints, std::int64_t* sizes) {
  hr_linalg_logdet_workspace(ints, sizes);
}

extern "C" int hr_linalg_det_sign(void* const* buffers, const std::int64_t* ints, const double*) {
  return for_each_problem(
      buffers, ints, 1, scalar_block,
      [](const Layout& layout, const double** in, double* out, const Scratch& scratch) {
        *out = log_abs_det_and_sign(input_view(layout, in[0], 0), scratch).second;
      });
}
