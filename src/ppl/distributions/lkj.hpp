#pragma once

// The LKJ density pieces shared by LKJCorr, LKJCorrCholesky and LKJCholeskyCov.

#include <cstdint>

#include "hypatia/expr.hpp"
#include "hypatia/ppl/random_stream.hpp"

namespace hypatia::lkj {

// log c_d(eta), where det(C)^(eta-1) / c_d(eta) is the LKJ density of d x d correlation matrices
// C with respect to their d(d-1)/2 off-diagonal entries (Lewandowski, Kurowicka and Joe 2009):
//   log c_d = sum_{k=1}^{d-1} [ (k/2) log pi + lgamma(eta + (d-1-k)/2) ] - (d-1) lgamma(eta +
//   (d-1)/2).
Expr log_normalizer(const Expr& eta, std::int64_t dim);

// Stan's lkj_corr_cholesky: the density of L = cholesky(C) with respect to L's strictly lower
// entries, the LKJ density of C times |dC/dL| = prod_{i>0} L_ii^(d-1-i) (0-based rows):
//   -log c_d(eta) + sum_{i=1}^{d-1} (d - 1 - i + 2 (eta - 1)) log L_ii.
Expr corr_cholesky_logp(const Expr& l, const Expr& eta, std::int64_t dim);

// A draw of Cholesky factors of LKJ(eta) correlation matrices of `shape` (batch + (dim, dim)).
Expr random_corr_cholesky(RandomStream& rng, const Expr& eta, std::int64_t dim, const Shape& shape);

}  // namespace hypatia::lkj
