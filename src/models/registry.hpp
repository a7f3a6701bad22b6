#pragma once

// The bundled models, one builder per file; the catalog in registry.cpp lists them all.

#include "hypatia/models.hpp"

namespace hypatia::models {

BundledModel eight_schools();
BundledModel logreg();
BundledModel radon();

}  // namespace hypatia::models
