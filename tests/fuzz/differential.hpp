#pragma once

// Evaluates fuzz cases on the interpreter and on a compiling backend (native or jit) and compares
// the results and the gradients, element by element.

#include <string>
#include <vector>

#include "fuzz/random_graph.hpp"
#include "hypatia/function.hpp"

namespace hypatia::fuzz {

struct CheckOptions {
  Backend backend = Backend::native;        // the side compared with the interpreter
  bool optimize = false;                    // that side compiled after the rewrite phases
  std::vector<std::string> compiler_flags;  // empty: the backend's default flags (native only)
  std::string cache_dir;                    // a fresh directory, so no stale code is loaded
  bool run_native = true;                   // false: compile only (a CPU without the target ISA)
  double rtol = 1e-9;
  double atol = 1e-11;
};

// What is compared for a case: its results, and the gradient of a weighted sum of its floating
// results with respect to each of its floating inputs.
struct ComparedOutputs {
  std::vector<NodePtr> outputs;
  std::vector<std::string> labels;
};
ComparedOutputs compared_outputs(const FuzzCase& fuzz_case);

struct Mismatch {
  std::string label;   // which result or gradient
  std::string detail;  // the first element that differs
  Tensor expected;     // interpreter
  Tensor actual;       // the compiling backend
};

struct CaseResult {
  enum class Kind { agree, mismatch, native_error, reference_error };
  Kind kind = Kind::agree;
  std::string message;  // the error, for native_error and reference_error
  std::vector<Mismatch> mismatches;
  bool failed() const { return kind == Kind::mismatch || kind == Kind::native_error; }
};

// Compiles all cases into one function on the compiling backend (one compile instead of one per
// case), compares each case with the interpreter and returns one result per case. When the batch
// does not compile or run, the cases are checked one by one, so each error is attributed to its
// case.
std::vector<CaseResult> check_cases(const std::vector<const FuzzCase*>& cases,
                                    const CheckOptions& options);
CaseResult check_case(const FuzzCase& fuzz_case, const CheckOptions& options);

// Whether two values agree: NaN with NaN, an infinity with the same infinity, otherwise within
// atol + rtol * max(|expected|, |actual|).
bool values_agree(double expected, double actual, double rtol, double atol);

}  // namespace hypatia::fuzz
