#include "fuzz/differential.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>

#include "backend/jit/jit_function.hpp"

namespace hypatia::fuzz {
namespace {

// Fixed, unequal weights so that a gradient that mixes up elements shows.
Tensor weights_for(const Shape& shape) {
  Tensor w(DType::float64, shape);
  for (std::int64_t i = 0; i < w.size(); ++i)
    w.set(i, 0.5 + static_cast<double>((i * 7) % 11) / 10);
  return w;
}

std::string first_difference(const Tensor& expected, const Tensor& actual,
                             const CheckOptions& options) {
  if (!(expected.type() == actual.type())) {
    return "type " + type_to_string(expected.type()) + " vs " + type_to_string(actual.type());
  }
  for (std::int64_t i = 0; i < expected.size(); ++i) {
    if (!values_agree(expected.at(i), actual.at(i), options.rtol, options.atol)) {
      std::ostringstream out;
      out.precision(17);
      out << "element " << i << ": interpreter " << expected.at(i) << ", "
          << backend_name(options.backend) << " " << actual.at(i);
      return out.str();
    }
  }
  return {};
}

// Bit for bit, except that any NaN equals any NaN: a NaN's sign and payload are not specified
// by IEEE arithmetic, and optimizers may change them.
bool same_bits(const Tensor& a, const Tensor& b) {
  if (!(a.type() == b.type())) return false;
  if (a.dtype() != DType::float64 && a.dtype() != DType::float32) {
    return std::memcmp(a.bytes(), b.bytes(), a.byte_size()) == 0;
  }
  for (std::int64_t i = 0; i < a.size(); ++i) {
    const double x = a.at(i), y = b.at(i);
    if (std::isnan(x) && std::isnan(y)) continue;
    if (std::memcmp(&x, &y, sizeof x) != 0) return false;
  }
  return true;
}

// Fills the stack below the caller with a pattern, so that generated code reading stack memory
// it never wrote (an uninitialized local) sees other bytes on its next call than on the first.
[[gnu::noinline]] void scribble_on_stack() {
  volatile unsigned char bytes[1 << 16];
  for (std::size_t i = 0; i < sizeof bytes; ++i) bytes[i] = static_cast<unsigned char>(0xA5 ^ i);
}

struct Reference {
  std::vector<Tensor> values;
  std::string error;
};

Reference run_reference(const FuzzCase& fuzz_case, const ComparedOutputs& compared) {
  try {
    return {Interpreter(fuzz_case.inputs, compared.outputs).run(fuzz_case.values), {}};
  } catch (const std::exception& e) {
    return {{}, e.what()};
  }
}

Function compile_compared(const std::vector<NodePtr>& inputs, const std::vector<NodePtr>& outputs,
                          const CheckOptions& options) {
  CompileOptions compile;
  compile.backend = options.backend;
  compile.optimize = options.optimize;
  compile.compiler_flags = options.compiler_flags;
  compile.cache_dir = options.cache_dir;
  return Function(inputs, outputs, compile);
}

}  // namespace

bool values_agree(double expected, double actual, double rtol, double atol) {
  if (std::isnan(expected) || std::isnan(actual)) return std::isnan(expected) && std::isnan(actual);
  if (std::isinf(expected) || std::isinf(actual)) return expected == actual;
  return std::abs(expected - actual) <=
         atol + rtol * std::max(std::abs(expected), std::abs(actual));
}

ComparedOutputs compared_outputs(const FuzzCase& fuzz_case) {
  ComparedOutputs compared;
  Expr cost;
  for (std::size_t k = 0; k < fuzz_case.outputs.size(); ++k) {
    const NodePtr& out = fuzz_case.outputs[k];
    compared.outputs.push_back(out);
    compared.labels.push_back("result " + std::to_string(k) + " ('" + out->op_name() + "')");
    if (!is_floating(out->dtype())) continue;
    Expr term = sum(Expr(out) * constant(weights_for(out->shape())));
    cost = cost ? cost + term : term;
  }
  std::vector<NodePtr> wrt;
  for (const NodePtr& in : fuzz_case.inputs)
    if (is_floating(in->dtype())) wrt.push_back(in);
  if (!cost || wrt.empty()) return compared;
  Exprs gradients;
  try {
    gradients = grad(cost, Exprs(wrt.begin(), wrt.end()));
  } catch (const Error&) {
    return compared;  // an op without a gradient: compare the values only
  }
  for (std::size_t i = 0; i < wrt.size(); ++i) {
    compared.outputs.push_back(gradients[i].node());
    compared.labels.push_back("gradient wrt " + wrt[i]->attrs().get_string("name"));
  }
  return compared;
}

std::vector<CaseResult> check_cases(const std::vector<const FuzzCase*>& cases,
                                    const CheckOptions& options) {
  std::vector<CaseResult> results(cases.size());
  std::vector<ComparedOutputs> compared;
  std::vector<Reference> references;
  std::vector<NodePtr> inputs, outputs;
  std::vector<Tensor> values;
  std::vector<std::size_t> offsets;
  std::vector<std::size_t> runnable;  // cases whose reference evaluation succeeded
  for (std::size_t c = 0; c < cases.size(); ++c) {
    compared.push_back(compared_outputs(*cases[c]));
    references.push_back(run_reference(*cases[c], compared.back()));
    offsets.push_back(outputs.size());
    if (!references.back().error.empty()) {
      results[c].kind = CaseResult::Kind::reference_error;
      results[c].message = references.back().error;
      continue;
    }
    runnable.push_back(c);
    // Cases may share inputs (the shrinker's candidates do): each placeholder is passed once.
    for (std::size_t i = 0; i < cases[c]->inputs.size(); ++i) {
      if (std::find(inputs.begin(), inputs.end(), cases[c]->inputs[i]) != inputs.end()) continue;
      inputs.push_back(cases[c]->inputs[i]);
      values.push_back(cases[c]->values[i]);
    }
    outputs.insert(outputs.end(), compared.back().outputs.begin(), compared.back().outputs.end());
    offsets.back() = outputs.size() - compared.back().outputs.size();
  }
  if (runnable.empty()) return results;

  // Called twice: the second call must give the first's bits (nothing carried over in the arena,
  // nothing read from a stack the first call left otherwise); with the jit's tiers, the first runs
  // the quick tier and the second, after waiting for it, the optimized code.
  std::vector<Tensor> native, second_call;
  try {
    Function function = compile_compared(inputs, outputs, options);
    if (!options.run_native) return results;
    native = function(values);
    if (options.backend == Backend::jit && jit::tiered()) jit::wait_for_optimized_code();
    scribble_on_stack();
    second_call = function(values);
  } catch (const std::exception& e) {
    if (cases.size() == 1) {
      results[0].kind = CaseResult::Kind::native_error;
      results[0].message = e.what();
      return results;
    }
    for (std::size_t c : runnable) results[c] = check_case(*cases[c], options);
    return results;
  }

  for (std::size_t c : runnable) {
    for (std::size_t k = 0; k < compared[c].outputs.size(); ++k) {
      const Tensor& expected = references[c].values[k];
      const Tensor& actual = native[offsets[c] + k];
      const Tensor& again = second_call[offsets[c] + k];
      if (std::string difference = first_difference(expected, actual, options);
          !difference.empty()) {
        results[c].kind = CaseResult::Kind::mismatch;
        results[c].mismatches.push_back({compared[c].labels[k], difference, expected, actual});
      } else if (!same_bits(actual, again)) {
        results[c].kind = CaseResult::Kind::mismatch;
        results[c].mismatches.push_back(
            {compared[c].labels[k],
             options.backend == Backend::jit && jit::tiered()
                 ? "the jit's optimized code differs from its quick tier in some bit (rows: quick, "
                   "optimized)"
                 : "a second call differs from the first in some bit (rows: first call, second)",
             actual, again});
      }
    }
  }
  return results;
}

CaseResult check_case(const FuzzCase& fuzz_case, const CheckOptions& options) {
  return check_cases({&fuzz_case}, options).front();
}

}  // namespace hypatia::fuzz
