#pragma once

// Shape checks shared by the transforms over the last axes.

#include <cstdint>
#include <string>

#include "hypatia/error.hpp"
#include "hypatia/expr.hpp"

namespace hypatia::transforms {

// The last axis's length, which must be known when the graph is built.
inline std::int64_t known_last_dim(const Expr& x, const std::string& who) {
  if (x.rank() == 0 || x.shape().back() == kUnknownDim) {
    throw Error(who + ": the last axis of " + shape_to_string(x.shape()) +
                " must have a known length");
  }
  return x.shape().back();
}

}  // namespace hypatia::transforms
