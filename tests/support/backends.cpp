#include "support/backends.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <map>
#include <memory>
#include <tuple>

namespace hypatia::testing {
namespace {

// Placeholders with the values' concrete shapes, so the graph can be compiled natively.
std::vector<NodePtr> concrete_inputs(const std::vector<NodePtr>& inputs,
                                     const std::vector<Tensor>& values) {
  std::vector<NodePtr> concrete;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    concrete.push_back(input(inputs[i]->attrs().get_string("name"), values.at(i).type()));
  }
  return concrete;
}

// Native functions compiled in this process, by graph (nodes are hash-consed, so equal graphs
// share pointers and compile once).
Function& compiled_function(const std::vector<NodePtr>& inputs, const std::vector<NodePtr>& outputs,
                            Backend backend) {
  static std::map<std::tuple<std::vector<NodePtr>, std::vector<NodePtr>, Backend>,
                  std::unique_ptr<Function>>
      cache;
  auto key = std::make_tuple(inputs, outputs, backend);
  auto it = cache.find(key);
  if (it == cache.end()) {
    CompileOptions options;
    options.backend = backend;
    // By default op tests compare op by op. With HYPATIA_TEST_OPTIMIZE=1 (a CTest entry of its
    // own) the native side compiles the graph after all rewrite phases, which checks that the op
    // suite still passes on optimized graphs.
    const char* optimized = std::getenv("HYPATIA_TEST_OPTIMIZE");
    options.optimize = optimized != nullptr && std::string(optimized) == "1";
    it = cache.emplace(key, std::make_unique<Function>(inputs, outputs, options)).first;
  }
  return *it->second;
}

// Tests whose graphs the JIT backend cannot compile yet, each with the reason; evaluate_on_backends
// skips the JIT for them only (every other test runs it whenever the build has it). Empty: the
// JIT supports every step of the kernel form.
const std::map<std::string, std::string>& jit_exceptions() {
  static const std::map<std::string, std::string> exceptions = {};
  return exceptions;
}

bool runs_on_jit() {
  if (!backend_available(Backend::jit)) return false;
  const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
  if (test == nullptr) return true;
  const std::string name = std::string(test->test_suite_name()) + "." + test->name();
  return !jit_exceptions().contains(name);
}

}  // namespace

void expect_tensors_agree(const Tensor& expected, const Tensor& actual,
                          const AgreementOptions& options, const std::string& what) {
  ASSERT_EQ(type_to_string(expected.type()), type_to_string(actual.type())) << what;
  for (std::int64_t i = 0; i < expected.size(); ++i) {
    const double e = expected.at(i), a = actual.at(i);
    if (std::isnan(e)) {
      EXPECT_TRUE(std::isnan(a)) << what << ", element " << i << ": expected NaN, got " << a;
    } else if (std::isinf(e)) {
      EXPECT_EQ(a, e) << what << ", element " << i;
    } else {
      const double tolerance = options.atol + options.rtol * std::abs(e);
      EXPECT_NEAR(a, e, tolerance) << what << ", element " << i;
    }
  }
}

std::vector<Tensor> evaluate_on_backends(const std::vector<NodePtr>& inputs,
                                         const std::vector<NodePtr>& outputs,
                                         const std::vector<Tensor>& values,
                                         const AgreementOptions& options) {
  std::vector<Tensor> reference = Interpreter(inputs, outputs).run(values);
  const std::vector<NodePtr> concrete = concrete_inputs(inputs, values);
  Replacements replacements;
  for (std::size_t i = 0; i < inputs.size(); ++i) replacements[inputs[i].get()] = concrete[i];
  const std::vector<NodePtr> specialized = substitute(outputs, replacements);
  std::vector<Backend> backends = {Backend::native};
  if (runs_on_jit()) backends.push_back(Backend::jit);
  for (Backend backend : backends) {
    std::vector<Tensor> compiled = compiled_function(concrete, specialized, backend)(values);
    for (std::size_t k = 0; k < outputs.size(); ++k) {
      expect_tensors_agree(reference[k], compiled[k], options,
                           std::string(backend_name(backend)) + " backend vs interpreter, output " +
                               std::to_string(k) + " ('" + outputs[k]->op_name() + "')");
    }
  }
  return reference;
}

std::vector<Tensor> evaluate_on_backends(const std::vector<NodePtr>& outputs,
                                         const std::unordered_map<std::string, Tensor>& values,
                                         const AgreementOptions& options) {
  std::vector<NodePtr> inputs = free_inputs(outputs);
  std::vector<Tensor> bound;
  for (const NodePtr& in : inputs) bound.push_back(values.at(in->attrs().get_string("name")));
  return evaluate_on_backends(inputs, outputs, bound, options);
}

Tensor evaluate_on_backends(const NodePtr& output,
                            const std::unordered_map<std::string, Tensor>& values,
                            const AgreementOptions& options) {
  return evaluate_on_backends(std::vector<NodePtr>{output}, values, options).front();
}

}  // namespace hypatia::testing
