// The backend-independent Function: checks values and dispatches to the interpreter or to
// compiled native code.

#include "hypatia/function.hpp"

#include <chrono>
#include <cstring>

#include "backend/jit/jit_function.hpp"
#include "backend/native/native_function.hpp"
#include "hypatia/error.hpp"
#include "hypatia/interpreter.hpp"
#include "hypatia_parallel.h"

namespace hypatia {

std::string_view backend_name(Backend backend) {
  switch (backend) {
    case Backend::interp:
      return "interp";
    case Backend::native:
      return "native";
    case Backend::jit:
      return "jit";
  }
  return "native";
}

bool backend_available(Backend backend) {
  return backend != Backend::jit || jit::available();
}

Backend default_backend() {
  return jit::available() ? Backend::jit : Backend::native;
}

struct ThreadPoolDeleter {
  void operator()(hr_thread_pool* pool) const { hr_thread_pool_destroy(pool); }
};

class Function::Impl {
 public:
  virtual ~Impl() = default;
  virtual void call(const void* const* inputs, void* const* outputs) = 0;
  virtual std::vector<Tensor> run(const std::vector<Tensor>& inputs) = 0;
  virtual std::unique_ptr<Impl> copy() const = 0;

  // The pool large loops of a call run on (none for one thread); each copy has its own, so
  // copies called from different threads (a sampler's chains) do not queue behind each other.
  void use_threads(int count) {
    threads = count;
    pool.reset(hr_thread_pool_create(threads));
  }

  // A copy's signature, backend, compile report and thread count are this one's (its pool is
  // its own).
  void copy_settings_to(Impl& other) const {
    other.inputs = inputs;
    other.outputs = outputs;
    other.backend = backend;
    other.info = info;
    other.use_threads(threads);
  }

  std::vector<NodePtr> inputs;
  std::vector<NodePtr> outputs;
  Backend backend = Backend::interp;
  CompileInfo info;
  int threads = 1;
  std::unique_ptr<hr_thread_pool, ThreadPoolDeleter> pool;
};

namespace {

class InterpreterImpl : public Function::Impl {
 public:
  explicit InterpreterImpl(const std::vector<NodePtr>& in, const std::vector<NodePtr>& out)
      : interpreter_(in, out) {}
  explicit InterpreterImpl(const Interpreter& interpreter) : interpreter_(interpreter) {}

  std::vector<Tensor> run(const std::vector<Tensor>& values) override {
    return interpreter_.run(values);
  }

  void call(const void* const* raw_inputs, void* const* raw_outputs) override {
    std::vector<Tensor> values;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      Tensor t(inputs[i]->dtype(), inputs[i]->shape());
      std::memcpy(const_cast<std::byte*>(t.bytes()), raw_inputs[i], t.byte_size());
      values.push_back(t);
    }
    std::vector<Tensor> results = interpreter_.run(values);
    for (std::size_t i = 0; i < results.size(); ++i) {
      std::memcpy(raw_outputs[i], results[i].bytes(), results[i].byte_size());
    }
  }

  std::unique_ptr<Impl> copy() const override {
    auto other = std::make_unique<InterpreterImpl>(interpreter_);
    copy_settings_to(*other);
    return other;
  }

 private:
  Interpreter interpreter_;
};

class NativeImpl : public Function::Impl {
 public:
  explicit NativeImpl(std::shared_ptr<const native::CompiledProgram> program)
      : function_(std::move(program)) {}

  std::vector<Tensor> run(const std::vector<Tensor>& values) override {
    return function_.run(values);
  }
  void call(const void* const* raw_inputs, void* const* raw_outputs) override {
    function_.call(raw_inputs, raw_outputs);
  }
  std::unique_ptr<Impl> copy() const override {
    auto other = std::make_unique<NativeImpl>(function_.program());
    copy_settings_to(*other);
    return other;
  }

 private:
  native::NativeFunction function_;
};

}  // namespace

Function::Function(std::vector<NodePtr> inputs, std::vector<NodePtr> outputs,
                   const CompileOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  for (const NodePtr& in : inputs) {
    if (!is_input(*in))
      throw Error("Function: '" + in->op_name() + "' given as an input is not an input node");
  }
  if (options.threads < 1) {
    throw Error("Function: CompileOptions::threads must be at least 1; got " +
                std::to_string(options.threads));
  }
  std::vector<NodePtr> graph = options.optimize ? optimize(outputs, options.rewrite) : outputs;
  if (options.backend == Backend::interp) {
    impl_ = std::make_unique<InterpreterImpl>(inputs, graph);
  } else {
    auto program = options.backend == Backend::jit
                       ? jit::compile_program(inputs, graph, options)
                       : native::compile_program(inputs, graph, options);
    auto impl = std::make_unique<NativeImpl>(program);
    impl->info.cache_hit = program->cache_hit;
    impl->info.source = program->source;
    impl_ = std::move(impl);
  }
  impl_->inputs = std::move(inputs);
  impl_->outputs = std::move(outputs);
  impl_->backend = options.backend;
  impl_->use_threads(options.threads);
  impl_->info.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

Function::Function(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Function::~Function() = default;
Function::Function(Function&&) noexcept = default;
Function& Function::operator=(Function&&) noexcept = default;

std::vector<Tensor> Function::operator()(const std::vector<Tensor>& values) {
  const ThreadPoolScope scope(impl_->pool.get());
  return impl_->run(values);
}
void Function::call(const void* const* inputs, void* const* outputs) {
  const ThreadPoolScope scope(impl_->pool.get());
  impl_->call(inputs, outputs);
}
Function Function::copy() const {
  return Function(impl_->copy());
}
const std::vector<NodePtr>& Function::inputs() const {
  return impl_->inputs;
}
const std::vector<NodePtr>& Function::outputs() const {
  return impl_->outputs;
}
Backend Function::backend() const {
  return impl_->backend;
}
const CompileInfo& Function::info() const {
  return impl_->info;
}

}  // namespace hypatia
