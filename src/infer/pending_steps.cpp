// Step methods not written yet: asking for one is a clear error (replaced method by method).

#include "hypatia/error.hpp"
#include "infer/step.hpp"

namespace hypatia::infer {
namespace {

[[noreturn]] void not_available(const StepContext& context) {
  throw Error(std::string(step_method_name(context.spec.method)) +
              ": this step method is not available in Hypatia yet");
}

}  // namespace

std::unique_ptr<Step> make_hamiltonian_mc_step(const StepContext& context) {
  not_available(context);
}
std::unique_ptr<Step> make_slice_step(const StepContext& context) {
  not_available(context);
}
std::unique_ptr<Step> make_de_metropolis_step(const StepContext& context) {
  not_available(context);
}
std::unique_ptr<Step> make_de_metropolis_z_step(const StepContext& context) {
  not_available(context);
}

}  // namespace hypatia::infer
