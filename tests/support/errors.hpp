#pragma once

// Small helpers for tests of error messages.

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

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

// Expects every one of `parts` to appear in `message` (an error should name the op and shapes).
inline void expect_mentions(const std::string& message, const std::vector<std::string>& parts) {
  for (const std::string& part : parts) {
    EXPECT_NE(message.find(part), std::string::npos) << "'" << part << "' not in: " << message;
  }
}

}  // namespace hypatia::testing
