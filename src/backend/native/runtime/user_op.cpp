// The runtime side of user functions: generated code calls hr_user_op_call, which hands the
// buffers to the dispatcher the host library installed (see hypatia_user_op.h).

#include "hypatia_user_op.h"

#include <atomic>

namespace {
std::atomic<hr_user_op_dispatcher> installed_dispatcher{nullptr};
}  // namespace

extern "C" void hr_set_user_op_dispatcher(hr_user_op_dispatcher dispatcher) {
  installed_dispatcher.store(dispatcher);
}

extern "C" int hr_user_op_call(void* const* buffers, const std::int64_t* ints, const double*) {
  const hr_user_op_dispatcher dispatcher = installed_dispatcher.load();
  if (dispatcher == nullptr) return 1;
  return dispatcher(buffers, ints);
}
