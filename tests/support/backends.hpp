#pragma once

// Runs a graph on every backend: the reference interpreter, the compiled native backend and (in
// builds with LLVM) the JIT backend, and expects them to agree. Op tests evaluate through this so
// that each test checks both backends.

#include <string>
#include <unordered_map>
#include <vector>

#include "hypatia/function.hpp"
#include "hypatia/hypatia.hpp"

namespace hypatia::testing {

struct AgreementOptions {
  double rtol = 1e-12;  // relative difference allowed between backends (float64)
  double atol = 0.0;
};

// Evaluates `outputs` over the placeholders `inputs` on the interpreter, on the native backend and
// on the JIT backend where the build has it (except the tests listed in backends.cpp) (compiled for
// the values' concrete shapes, cached per graph within the test process), expects agreement element
// by element (NaN with NaN, inf with the same inf), and returns the interpreter's values.
std::vector<Tensor> evaluate_on_backends(const std::vector<NodePtr>& inputs,
                                         const std::vector<NodePtr>& outputs,
                                         const std::vector<Tensor>& values,
                                         const AgreementOptions& options = {});

// The same with values given by input name (like hypatia::evaluate).
std::vector<Tensor> evaluate_on_backends(const std::vector<NodePtr>& outputs,
                                         const std::unordered_map<std::string, Tensor>& values = {},
                                         const AgreementOptions& options = {});
Tensor evaluate_on_backends(const NodePtr& output,
                            const std::unordered_map<std::string, Tensor>& values = {},
                            const AgreementOptions& options = {});

// Expects `actual` to equal `expected` within the tolerances (shapes and dtypes equal too).
void expect_tensors_agree(const Tensor& expected, const Tensor& actual,
                          const AgreementOptions& options, const std::string& what);

}  // namespace hypatia::testing
