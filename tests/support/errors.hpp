#pragma once

// Small helpers for tests of error messages.

#include <functional>
#include <string>

#include "hypatia/error.hpp"

namespace hypatia::testing {

// The message of the hypatia::Error that `build` throws, or "(no error)".
inline std::string error_message(const std::function<void()>& build) {
  try {
    build();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace hypatia::testing
