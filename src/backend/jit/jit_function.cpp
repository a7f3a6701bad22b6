#include "backend/jit/jit_function.hpp"

#include <chrono>

#include "backend/native/lowering.hpp"
#include "backend/native/render_cpp.hpp"
#include "backend/native/row_chunks.hpp"
#include "hypatia/error.hpp"

#ifdef HYPATIA_HAVE_LLVM
#include <llvm-c/Core.h>
#include <llvm/Bitcode/BitcodeReader.h>
#include <llvm/Bitcode/BitcodeWriter.h>
#include <llvm/Config/llvm-config.h>
#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/ExecutionEngine/Orc/ThreadSafeModule.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Linker/Linker.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>

#include <filesystem>
#include <map>
#include <mutex>

#include "backend/jit/render_llvm.hpp"
#include "backend/native/cache_directory.hpp"
#include "backend/native/runtime_location.hpp"
#endif

namespace hypatia::jit {
namespace {

thread_local CompileTimes times;

double seconds_since(std::chrono::steady_clock::time_point& start) {
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - start).count();
  start = now;
  return elapsed;
}

}  // namespace

const CompileTimes& last_compile_times() {
  return times;
}

#ifndef HYPATIA_HAVE_LLVM

bool available() {
  return false;
}

namespace {

[[noreturn]] void not_in_this_build() {
  throw Error(
      "the jit backend is not in this build of Hypatia: it needs LLVM 19 when building (Debian "
      "llvm-19-dev and clang-19; CMake option HYPATIA_WITH_LLVM); use the native or interp "
      "backend");
}

}  // namespace

std::shared_ptr<const native::CompiledProgram> compile_program(const std::vector<NodePtr>&,
                                                               const std::vector<NodePtr>&,
                                                               const CompileOptions&) {
  not_in_this_build();
}

TargetIdentity target_identity() {
  not_in_this_build();
}

void key_as_if_for_testing(std::optional<TargetIdentity>) {}

#else

namespace {

std::string message(llvm::Error error) {
  return llvm::toString(std::move(error));
}

template <typename T>
T checked(llvm::Expected<T> value, const std::string& doing) {
  if (!value) throw Error("jit backend: " + doing + ": " + message(value.takeError()));
  return std::move(*value);
}

void checked(llvm::Error error, const std::string& doing) {
  if (error) throw Error("jit backend: " + doing + ": " + message(std::move(error)));
}

// The process's JIT: one LLJIT for the host CPU, the scalar library's bitcode, and the compiled
// programs by content. Each program gets a JITDylib of its own, removed when no function uses it.
struct Jit {
  std::unique_ptr<llvm::orc::LLJIT> lljit;
  std::unique_ptr<llvm::TargetMachine> target;  // for the optimizer's cost model
  std::string cpu, features;
  std::unique_ptr<llvm::MemoryBuffer> scalars;
  std::unique_ptr<llvm::TargetMachine> emitter;  // object files, created on first use
  std::optional<TargetIdentity> key_identity;    // key_as_if_for_testing
  std::mutex mutex;  // compiles one program at a time; guards `programs` and `next_library`
  std::map<std::string, std::weak_ptr<const struct Code> > programs;
  int next_library = 0;
};

struct Code {
  Jit* jit = nullptr;
  llvm::orc::JITDylib* library = nullptr;
  native::EntryPoint entry = nullptr;
  ~Code() {
    std::lock_guard<std::mutex> lock(jit->mutex);
    llvm::consumeError(jit->lljit->getExecutionSession().removeJITDylib(*library));
  }
};

llvm::orc::JITTargetMachineBuilder host_machine() {
  llvm::orc::JITTargetMachineBuilder machine =
      checked(llvm::orc::JITTargetMachineBuilder::detectHost(), "detecting the host CPU");
  machine.setCodeGenOptLevel(llvm::CodeGenOptLevel::Aggressive);
  // No contraction of a * b + c into an FMA: the same numerics as the other backends.
  machine.getOptions().AllowFPOpFusion = llvm::FPOpFusion::Strict;
  return machine;
}

Jit& the_jit() {
  static Jit* jit = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    auto state = new Jit;
    llvm::orc::JITTargetMachineBuilder machine = host_machine();
    state->cpu = machine.getCPU();
    state->features = machine.getFeatures().getString();
    state->target = checked(machine.createTargetMachine(), "creating the target machine");
    state->lljit = checked(llvm::orc::LLJITBuilder().setJITTargetMachineBuilder(machine).create(),
                           "creating the JIT");
    const std::filesystem::path bitcode =
        native::runtime_location().library.parent_path() / "hypatia_jit_scalars.bc";
    auto buffer = llvm::MemoryBuffer::getFile(bitcode.string());
    if (!buffer) {
      throw Error("jit backend: cannot read its scalar library " + bitcode.string() + " (" +
                  buffer.getError().message() +
                  "); it is built and installed next to the runtime library");
    }
    state->scalars = std::move(*buffer);
    return state;
  }();
  return *jit;
}

// The scalar library's functions become the module's own: internal (dropped once inlined) and
// compiled for the host CPU like the rest.
void adopt_scalar_library(llvm::Module& module, const Jit& jit) {
  for (llvm::Function& function : module) {
    function.removeFnAttr("target-cpu");
    function.removeFnAttr("target-features");
    function.removeFnAttr("tune-cpu");
    if (function.isDeclaration()) continue;
    function.addFnAttr("target-cpu", jit.cpu);
    if (!jit.features.empty()) function.addFnAttr("target-features", jit.features);
    if (function.getName() != "hypatia_entry")
      function.setLinkage(llvm::GlobalValue::InternalLinkage);
  }
}

llvm::PipelineTuningOptions pipeline_tuning() {
  llvm::PipelineTuningOptions tuning;
  tuning.LoopVectorization = true;
  tuning.SLPVectorization = true;
  // No unrolling beyond the vectorizer's interleaving (nor does g++ -O3 unroll): measured on the
  // speed suite it halves optimize + codegen time for models with many loops (radon) and leaves
  // the gradient time within noise (bench/results/jit_compile.txt).
  tuning.LoopUnrolling = false;
  return tuning;
}

void optimize(llvm::Module& module, llvm::TargetMachine& target) {
  llvm::LoopAnalysisManager loops;
  llvm::FunctionAnalysisManager functions;
  llvm::CGSCCAnalysisManager cgscc;
  llvm::ModuleAnalysisManager modules;
  llvm::PassBuilder builder(&target, pipeline_tuning());
  builder.registerModuleAnalyses(modules);
  builder.registerCGSCCAnalyses(cgscc);
  builder.registerFunctionAnalyses(functions);
  builder.registerLoopAnalyses(loops);
  builder.crossRegisterProxies(loops, functions, cgscc, modules);
  builder.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O3).run(module, modules);
}

// What optimize() does, for the disk cache's key, read from the same tuning options. (Without
// fast-math flags a pipeline changes speed, never values; a stale entry would be slow, not wrong.)
std::string pipeline_description() {
  const llvm::PipelineTuningOptions tuning = pipeline_tuning();
  return std::string("new pass manager O3") + ", loop vectorization " +
         std::to_string(tuning.LoopVectorization) + ", SLP vectorization " +
         std::to_string(tuning.SLPVectorization) + ", loop unrolling " +
         std::to_string(tuning.LoopUnrolling) + ", loop interleaving " +
         std::to_string(tuning.LoopInterleaving);
}

// Object files for the JIT to link, made by the host target machine with the settings LLJIT gives
// its own compiler when it links with JITLink (x86-64 and AArch64 ELF): position-independent code,
// small code model. Compiling to an object ourselves, rather than handing LLJIT the IR, gives the
// bytes to store on disk, and a disk hit links exactly what a cold compile would have linked.
llvm::TargetMachine& object_emitter(Jit& jit) {
  if (jit.emitter == nullptr) {
    llvm::orc::JITTargetMachineBuilder machine = host_machine();
    machine.setRelocationModel(llvm::Reloc::PIC_);
    machine.setCodeModel(llvm::CodeModel::Small);
    jit.emitter = checked(machine.createTargetMachine(), "creating the code generator");
  }
  return *jit.emitter;
}

TargetIdentity identity_of(Jit& jit) {
  llvm::TargetMachine& emitter = object_emitter(jit);
  unsigned major = 0, minor = 0, patch = 0;
  LLVMGetVersion(&major, &minor, &patch);  // the shared libLLVM loaded, which may be newer
  TargetIdentity identity;
  identity.llvm_version = std::to_string(major) + "." + std::to_string(minor) + "." +
                          std::to_string(patch) + " (headers " LLVM_VERSION_STRING ")";
  identity.triple = emitter.getTargetTriple().str();
  identity.cpu = emitter.getTargetCPU().str();
  identity.features = emitter.getTargetFeatureString().str();
  identity.codegen = pipeline_description() + "; codegen opt level " +
                     std::to_string(static_cast<int>(emitter.getOptLevel())) + ", fp fusion " +
                     std::to_string(static_cast<int>(emitter.Options.AllowFPOpFusion)) +
                     ", relocation model " +
                     std::to_string(static_cast<int>(emitter.getRelocationModel())) +
                     ", code model " + std::to_string(static_cast<int>(emitter.getCodeModel())) +
                     "; optimizer cpu " + jit.cpu + " features " + jit.features;
  return identity;
}

std::string bitcode_of(const llvm::Module& module) {
  std::string bytes;
  llvm::raw_string_ostream stream(bytes);
  llvm::WriteBitcodeToFile(module, stream);
  stream.flush();
  return bytes;
}

std::string emit_object(llvm::Module& module, llvm::TargetMachine& emitter) {
  llvm::SmallVector<char, 0> bytes;
  llvm::raw_svector_ostream stream(bytes);
  llvm::legacy::PassManager passes;
  if (emitter.addPassesToEmitFile(passes, stream, nullptr, llvm::CodeGenFileType::ObjectFile)) {
    throw Error("jit backend: the host's target machine cannot write object files");
  }
  passes.run(module);
  return std::string(bytes.data(), bytes.size());
}

// The directory named by the options (else the default one), when it is private to this user; a
// cache the JIT cannot use is noted in `times` and compiling goes on without it.
std::optional<std::filesystem::path> usable_cache_dir(const CompileOptions& options) {
  const std::filesystem::path dir = options.cache_dir.empty()
                                        ? native::default_cache_dir()
                                        : std::filesystem::path(options.cache_dir);
  try {
    native::prepare_cache_dir(dir);
    return dir;
  } catch (const Error& error) {
    times.disk_problem = error.what();
    return std::nullopt;
  }
}

// The object for `module` from the disk cache, or compiled (optimized, then code generated) and
// stored there; `module` is optimized only when it is compiled.
std::string cached_or_compiled(Jit& jit, llvm::Module& module,
                               const std::optional<std::filesystem::path>& cache_dir,
                               std::chrono::steady_clock::time_point& clock) {
  bool damaged = false;
  if (cache_dir) {
    // The IR before optimization: everything the renderer and the scalar library put in.
    times.disk_key =
        object_key(jit.key_identity ? *jit.key_identity : identity_of(jit), bitcode_of(module));
    CachedObject cached = read_entry(*cache_dir, times.disk_key);
    if (cached.state == EntryState::sound) {
      times.disk_cache = DiskCache::hit;
      times.disk += seconds_since(clock);
      return std::move(cached.object);
    }
    if (cached.state == EntryState::damaged) {
      damaged = true;
      times.disk_problem = cached.problem;
      std::error_code ignored;  // rewritten below; removed now in case writing fails
      std::filesystem::remove(entry_path(*cache_dir, times.disk_key), ignored);
    }
    times.disk += seconds_since(clock);
  }

  optimize(module, *jit.target);
  times.optimize = seconds_since(clock);
  std::string object = emit_object(module, object_emitter(jit));
  times.codegen = seconds_since(clock);

  if (cache_dir) {
    try {
      write_entry(*cache_dir, times.disk_key, object);
      times.disk_cache = damaged ? DiskCache::rebuilt : DiskCache::stored;
    } catch (const Error& error) {
      times.disk_cache = DiskCache::not_stored;
      times.disk_problem += (times.disk_problem.empty() ? "" : "; ") + std::string(error.what());
    }
    times.disk += seconds_since(clock);
  }
  return object;
}

std::shared_ptr<const Code> build(Jit& jit, const native::Program& program,
                                  const native::RenderedProgram& reference,
                                  const std::optional<std::filesystem::path>& cache_dir,
                                  std::chrono::steady_clock::time_point& clock) {
  auto context = std::make_unique<llvm::LLVMContext>();
  auto module = std::make_unique<llvm::Module>("hypatia", *context);
  module->setDataLayout(jit.target->createDataLayout());
  module->setTargetTriple(jit.target->getTargetTriple().str());
  std::unique_ptr<llvm::Module> scalars =
      checked(llvm::parseBitcodeFile(jit.scalars->getMemBufferRef(), *context),
              "reading the scalar library");
  scalars->setDataLayout(module->getDataLayout());
  scalars->setTargetTriple(module->getTargetTriple());

  RenderedModule rendered = render_llvm(program, *module, *scalars);
  // The C++ form numbers constants and errors and plans the arena the same way; a difference is
  // a renderer bug, and the cache (keyed by the C++ form) relies on there being none.
  if (rendered.arena_bytes != reference.arena_bytes ||
      rendered.large_constants.size() != reference.large_constants.size() ||
      rendered.error_messages != reference.error_messages) {
    throw Error(
        "jit backend: the LLVM renderer's arena plan, constants or error messages differ "
        "from the C++ renderer's (a renderer bug)");
  }
  if (llvm::Linker::linkModules(*module, std::move(scalars), llvm::Linker::LinkOnlyNeeded)) {
    throw Error("jit backend: linking the scalar library failed");
  }
  adopt_scalar_library(*module, jit);
  std::string problems;
  llvm::raw_string_ostream stream(problems);
  if (llvm::verifyModule(*module, &stream)) {
    throw Error("jit backend: the generated IR is invalid (a renderer bug): " + stream.str());
  }
  times.ir_build = seconds_since(clock);

  const std::string object = cached_or_compiled(jit, *module, cache_dir, clock);

  auto code = std::make_shared<Code>();
  code->jit = &jit;
  code->library = &jit.lljit->getExecutionSession().createBareJITDylib(
      "hypatia_" + std::to_string(jit.next_library++));
  const char prefix = module->getDataLayout().getGlobalPrefix();
  // Library calls and libm resolve to what the process has loaded; the runtime library by its
  // path too, since a process may have loaded it privately (a Python extension module).
  code->library->addGenerator(
      checked(llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(prefix),
              "finding the process's symbols"));
  code->library->addGenerator(checked(llvm::orc::DynamicLibrarySearchGenerator::Load(
                                          native::runtime_location().library.c_str(), prefix),
                                      "loading the runtime library"));
  checked(jit.lljit->addObjectFile(*code->library, llvm::MemoryBuffer::getMemBufferCopy(
                                                       object, "hypatia-" + times.disk_key + ".o")),
          "adding the object file");
  code->entry = checked(jit.lljit->lookup(*code->library, "hypatia_entry"), "linking the object")
                    .toPtr<native::EntryPoint>();
  times.link = seconds_since(clock);
  return code;
}

}  // namespace

bool available() {
  return true;
}

std::shared_ptr<const native::CompiledProgram> compile_program(const std::vector<NodePtr>& inputs,
                                                               const std::vector<NodePtr>& outputs,
                                                               const CompileOptions& options) {
  times = {};
  auto clock = std::chrono::steady_clock::now();
  const native::Program program =
      native::group_row_chunks(native::Lowering::lower(inputs, outputs));
  times.lowering = seconds_since(clock);
  Jit& jit = the_jit();
  times.setup = seconds_since(clock);
  native::RenderedProgram reference = native::render_cpp(program);

  std::shared_ptr<const Code> code;
  {
    std::lock_guard<std::mutex> lock(jit.mutex);
    auto found = jit.programs.find(reference.source);
    if (found != jit.programs.end()) code = found->second.lock();
    times.key = seconds_since(clock);
    if (code == nullptr) {
      const std::optional<std::filesystem::path> cache_dir = usable_cache_dir(options);
      times.disk = seconds_since(clock);
      code = build(jit, program, reference, cache_dir, clock);
      jit.programs[reference.source] = code;
    } else {
      times.cache_hit = true;
    }
  }

  auto result = std::make_shared<native::CompiledProgram>();
  result->jit_code = code;
  result->entry = code->entry;
  result->arena_bytes = reference.arena_bytes;
  result->large_constants = std::move(reference.large_constants);
  result->error_messages = std::move(reference.error_messages);
  for (const NodePtr& in : inputs) {
    result->input_types.push_back(in->type());
    result->input_names.push_back(in->attrs().get_string("name"));
  }
  for (const NodePtr& out : outputs) result->output_types.push_back(out->type());
  result->cache_hit = times.cache_hit || times.disk_cache == DiskCache::hit;
  return result;
}

TargetIdentity target_identity() {
  Jit& jit = the_jit();
  std::lock_guard<std::mutex> lock(jit.mutex);
  return identity_of(jit);
}

void key_as_if_for_testing(std::optional<TargetIdentity> identity) {
  Jit& jit = the_jit();
  std::lock_guard<std::mutex> lock(jit.mutex);
  jit.key_identity = std::move(identity);
}

#endif

}  // namespace hypatia::jit
