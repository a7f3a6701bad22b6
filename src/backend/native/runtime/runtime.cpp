// The precompiled runtime library that generated code links against: functions too large to
// inline into generated loops. Each has the signature
//   extern "C" int name(void* const* buffers, const std::int64_t* ints, const double* reals)
// and returns 0 or a run-time error code.

#include "hypatia_runtime.h"

extern "C" int hypatia_rt_version(void* const*, const std::int64_t*, const double*) {
  return 0;
}
