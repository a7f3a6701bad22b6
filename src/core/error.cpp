#include "hypatia/error.hpp"

namespace hypatia {
namespace {
thread_local std::string provenance;
}

Error::Error(const std::string& message) : std::runtime_error(message) {}

ProvenanceScope::ProvenanceScope(std::string label) : previous_(provenance) {
  provenance = previous_.empty() ? std::move(label) : previous_ + ": " + label;
}

ProvenanceScope::~ProvenanceScope() {
  provenance = std::move(previous_);
}

std::string ProvenanceScope::current() {
  return provenance;
}

void throw_shape_error(const std::string& message) {
  const std::string prefix = ProvenanceScope::current();
  throw ShapeError(prefix.empty() ? message : prefix + ": " + message);
}

}  // namespace hypatia
