// TEMPORARY until the SMC branch lands.
#include "hypatia/error.hpp"
#include "workflow/model_groups.hpp"

namespace hypatia {
InferenceData sample_with_smc(CompiledModel&, const SampleOptions&) {
  throw Error("SMC is not available yet");
}
}  // namespace hypatia
