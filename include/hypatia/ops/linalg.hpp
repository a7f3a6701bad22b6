#pragma once

#include "hypatia/expr.hpp"

namespace hypatia {}  // namespace hypatia
