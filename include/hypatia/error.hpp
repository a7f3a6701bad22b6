#pragma once

#include <stdexcept>
#include <string>

namespace hypatia {

// Every error Hypatia raises for a user's mistake. The message says what went wrong, where, and
// what was expected versus what was found.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message);
};

// A graph that cannot be built: shapes that do not broadcast, wrong dtypes, bad axes.
class ShapeError : public Error {
 public:
  using Error::Error;
};

// A problem found while evaluating a graph on concrete values.
class RuntimeError : public Error {
 public:
  using Error::Error;
};

// Names the user-level thing (a model variable, a distribution) being built while it is alive on
// this thread, so construction errors say `theta_raw: normal: ...` rather than an internal id.
class ProvenanceScope {
 public:
  explicit ProvenanceScope(std::string label);
  ~ProvenanceScope();
  ProvenanceScope(const ProvenanceScope&) = delete;
  ProvenanceScope& operator=(const ProvenanceScope&) = delete;

  // The labels of all live scopes joined by ": ", empty when there are none.
  static std::string current();

 private:
  std::string previous_;
};

// Throws ShapeError with the current provenance prefixed to `message`.
[[noreturn]] void throw_shape_error(const std::string& message);

}  // namespace hypatia
