#include "backend/native/native_function.hpp"

#include <algorithm>
#include <cstdint>

#include "backend/native/lowering.hpp"
#include "backend/native/render_cpp.hpp"
#include "backend/native/row_chunks.hpp"
#include "backend/native/runtime_location.hpp"
#include "hypatia/error.hpp"
#include "hypatia/ops/user_op.hpp"

namespace hypatia::native {
namespace {

constexpr std::size_t kArenaAlignment = 64;

CompilerOptions compiler_options(const CompileOptions& options) {
  CompilerOptions compiler;
  compiler.flags = options.compiler_flags;
  compiler.cache_dir = options.cache_dir;
  const RuntimeLocation& runtime = runtime_location();
  // The runtime library is always recorded as needed: a process that loaded it privately (a
  // Python extension module, dlopen'ed without RTLD_GLOBAL) does not lend its symbols to the
  // generated code, which must then load it itself.
  compiler.extra = {"-I" + runtime.include_dir.string(), "-Wl,--no-as-needed",
                    runtime.library.string(),
                    "-Wl,-rpath," + runtime.library.parent_path().string()};
#ifdef HYPATIA_SANITIZE
  // A sanitized build checks the generated code too; the flags are part of the cache key, so
  // instrumented and plain objects never mix.
  compiler.extra.insert(compiler.extra.end(),
                        {"-fsanitize=address,undefined", "-fno-sanitize-recover=undefined",
                         "-fno-omit-frame-pointer"});
#endif
  return compiler;
}

}  // namespace

std::shared_ptr<const CompiledProgram> compile_program(const std::vector<NodePtr>& inputs,
                                                       const std::vector<NodePtr>& outputs,
                                                       const CompileOptions& options) {
  const Program program = group_row_chunks(Lowering::lower(inputs, outputs));
  RenderedProgram rendered = render_cpp(program);
  CompileResult compiled = compile_and_load(rendered.source, compiler_options(options));

  auto result = std::make_shared<CompiledProgram>();
  result->library = compiled.library;
  result->entry = reinterpret_cast<EntryPoint>(compiled.library->symbol("hypatia_entry"));
  result->arena_bytes = rendered.arena_bytes;
  result->large_constants = std::move(rendered.large_constants);
  result->error_messages = std::move(rendered.error_messages);
  for (const NodePtr& in : inputs) {
    result->input_types.push_back(in->type());
    result->input_names.push_back(in->attrs().get_string("name"));
  }
  for (const NodePtr& out : outputs) result->output_types.push_back(out->type());
  result->source = std::move(rendered.source);
  result->cache_hit = compiled.cache_hit;
  return result;
}

NativeFunction::NativeFunction(std::shared_ptr<const CompiledProgram> program)
    : program_(std::move(program)) {
  for (const Tensor& constant : program_->large_constants) constants_.push_back(constant.bytes());
  const std::size_t bytes = static_cast<std::size_t>(program_->arena_bytes) + kArenaAlignment;
  // Temporaries share arena storage by lifetime, so none may rely on starting at zero; filling
  // it with NaN bytes (all bits set) makes any read before a write fail the first call loudly
  // instead of the next one quietly.
  arena_storage_ = std::make_unique_for_overwrite<unsigned char[]>(bytes);
  std::fill_n(arena_storage_.get(), bytes, static_cast<unsigned char>(0xff));
  auto address = reinterpret_cast<std::uintptr_t>(arena_storage_.get());
  arena_ = arena_storage_.get() + (kArenaAlignment - address % kArenaAlignment) % kArenaAlignment;
}

void NativeFunction::call(const void* const* inputs, void* const* outputs) {
  const EntryPoint entry = program_->live_entry != nullptr
                               ? program_->live_entry->load(std::memory_order_acquire)
                               : program_->entry;
  const int status = entry(const_cast<void* const*>(inputs), outputs,
                           const_cast<void* const*>(constants_.data()), arena_);
  if (status != 0) {
    // A user function's own exception (a Python error with its traceback, say) is what the
    // caller should see, not the generated code's status.
    if (std::exception_ptr failure = take_user_op_failure()) std::rethrow_exception(failure);
    throw RuntimeError(program_->error_messages.at(static_cast<std::size_t>(status - 1)));
  }
}

std::vector<Tensor> NativeFunction::run(const std::vector<Tensor>& values) {
  if (values.size() != program_->input_types.size()) {
    throw RuntimeError("native function: expected " + std::to_string(program_->input_types.size()) +
                       " input values, got " + std::to_string(values.size()));
  }
  std::vector<const void*> inputs;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const TensorType& expected = program_->input_types[i];
    if (values[i].dtype() != expected.dtype || values[i].shape() != expected.shape) {
      throw RuntimeError("input '" + program_->input_names[i] + "': expected " +
                         type_to_string(expected) + ", got " + type_to_string(values[i].type()) +
                         " (a native function is compiled for fixed shapes)");
    }
    inputs.push_back(values[i].bytes());
  }
  std::vector<Tensor> results;
  std::vector<void*> outputs;
  for (const TensorType& type : program_->output_types) {
    results.emplace_back(type.dtype, type.shape);
    outputs.push_back(const_cast<std::byte*>(results.back().bytes()));
  }
  call(reinterpret_cast<const void* const*>(inputs.data()), outputs.data());
  return results;
}

}  // namespace hypatia::native
