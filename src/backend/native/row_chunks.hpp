#pragma once

// Groups a program's steps over the same many rows into RowChunks (see kernel_ir.hpp), so that a
// regression's X beta, likelihood, gradient and X^T r run chunk by chunk in one parallel pass.
//
// The steps that can run in a group are the ones that already run in chunks of HR_CHUNK_ROWS
// rows alone: loop nests marked parallel_rows over at least HR_PARALLEL_MIN_ROWS rows, and
// library calls with a chunked form (a matmul over many rows). Walking the steps in order, a step
// joins the open group when everything it reads from the group's steps it reads row by row, and
// it does not touch what the group adds into or reads whole. Steps in between that cannot join
// move before the group when they share no buffer with it (a sum's zeroing) or after it otherwise
// (what combines the group's sums), as long as the moves keep the order of every two steps that
// share a buffer one writes. Values do not change: each step computes what it did, in the same
// chunks, adding partials in the same order.

#include "backend/native/kernel_ir.hpp"

namespace hypatia::native {

// `program` with its top-level steps grouped (loop bodies and callbacks are left as they are).
Program group_row_chunks(Program program);

}  // namespace hypatia::native
