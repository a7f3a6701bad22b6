#pragma once

// User functions (black-box ops, src/ops/user_op.cpp) called from generated code. The host
// library installs one dispatcher that finds the function by its id and calls it; the dispatcher
// catches every exception (none may unwind through generated code) and reports it as a nonzero
// status, keeping the exception for the caller that ran the generated code.

#include <cstdint>

// buffers: the function's inputs, then its outputs; ints: as hr_user_op_call's.
typedef int (*hr_user_op_dispatcher)(void* const* buffers, const std::int64_t* ints);

extern "C" void hr_set_user_op_dispatcher(hr_user_op_dispatcher dispatcher);

// The entry generated code calls: buffers = inputs..., outputs...; ints = function id, number of
// inputs, then each input's dtype code, rank and extents. Returns 1 when no dispatcher is
// installed.
extern "C" int hr_user_op_call(void* const* buffers, const std::int64_t* ints, const double* reals);
