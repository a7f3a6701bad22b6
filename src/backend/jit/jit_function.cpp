#include "backend/jit/jit_function.hpp"

#include <chrono>

#include "backend/native/lowering.hpp"
#include "backend/native/render_cpp.hpp"
#include "backend/native/row_chunks.hpp"
#include "hypatia/error.hpp"

#ifdef HYPATIA_HAVE_LLVM
#include <llvm-c/Core.h>
#include <llvm/AsmParser/Parser.h>
#include <llvm/Bitcode/BitcodeReader.h>
#include <llvm/Bitcode/BitcodeWriter.h>
#include <llvm/Config/llvm-config.h>
#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/ExecutionEngine/Orc/ThreadSafeModule.h>
#include <llvm/IR/DiagnosticInfo.h>
#include <llvm/IR/DiagnosticPrinter.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Linker/Linker.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/SourceMgr.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/Transforms/Scalar/LoopUnrollPass.h>

#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

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

std::size_t object_size_for_testing(const std::string&, bool) {
  not_in_this_build();
}

void set_tiered(bool) {}

bool tiered() {
  return false;
}

void wait_for_optimized_code() {}

CompileTimes last_optimized_times() {
  return {};
}

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
  std::unique_ptr<llvm::TargetMachine> emitter;        // object files, created on first use
  std::unique_ptr<llvm::TargetMachine> quick_emitter;  // the first tier's, unoptimized
  std::optional<TargetIdentity> key_identity;          // key_as_if_for_testing
  std::mutex mutex;  // compiles one program at a time; guards `programs` and `next_library`
  std::map<std::string, std::weak_ptr<const struct Code> > programs;
  int next_library = 0;
};

// A program's optimized tier, shared by its Code and the background compile making it.
struct Upgrade {
  enum class State { queued, running, done, cancelled };
  State state = State::queued;             // guarded by the worker's mutex
  llvm::orc::JITDylib* library = nullptr;  // the optimized code's, once linked
};

void forget_upgrade(Upgrade& upgrade);

struct Code {
  Jit* jit = nullptr;
  llvm::orc::JITDylib* library = nullptr;
  std::atomic<native::EntryPoint> entry{nullptr};  // the code in use (CompiledProgram::live_entry)
  std::shared_ptr<Upgrade> upgrade;                // null unless compiled in tiers
  ~Code() {
    if (upgrade) forget_upgrade(*upgrade);  // before the lock: the background compile may need it
    std::lock_guard<std::mutex> lock(jit->mutex);
    llvm::orc::ExecutionSession& session = jit->lljit->getExecutionSession();
    llvm::consumeError(session.removeJITDylib(*library));
    if (upgrade && upgrade->library) llvm::consumeError(session.removeJITDylib(*upgrade->library));
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
  // No partial or run-time unrolling beyond the vectorizer's interleaving (nor does g++ -O3
  // unroll): measured on the speed suite it halves optimize + codegen time for models with many
  // loops (radon) and leaves the gradient time within noise (bench/results/jit_compile.txt).
  // Loops of a few iterations are still unrolled whole (run_pipeline).
  tuning.LoopUnrolling = false;
  return tuning;
}

// LLVM answers an error diagnostic by default with exit(1), which would end the user's process
// (from the background thread too). While a pass manager runs, errors are collected instead and
// thrown afterwards as an Error.
class LlvmErrors {
 public:
  LlvmErrors(llvm::LLVMContext& context, std::string doing)
      : context_(context), doing_(std::move(doing)) {
    context_.setDiagnosticHandlerCallBack(&LlvmErrors::collect, this);
  }
  ~LlvmErrors() { context_.setDiagnosticHandlerCallBack(nullptr, nullptr); }
  LlvmErrors(const LlvmErrors&) = delete;
  LlvmErrors& operator=(const LlvmErrors&) = delete;

  void throw_if_any() const {
    if (!messages_.empty())
      throw Error("jit backend: LLVM reported an error " + doing_ + ": " + messages_);
  }

 private:
  static void collect(const llvm::DiagnosticInfo* info, void* self) {
    if (info->getSeverity() != llvm::DS_Error) return;
    std::string& messages = static_cast<LlvmErrors*>(self)->messages_;
    llvm::raw_string_ostream stream(messages);
    if (!messages.empty()) stream << "; ";
    llvm::DiagnosticPrinterRawOStream printer(stream);
    info->print(printer);
  }

  llvm::LLVMContext& context_;
  std::string doing_;
  std::string messages_;
};

void run_pipeline(llvm::Module& module, llvm::TargetMachine& target, bool optimized) {
  const LlvmErrors errors(module.getContext(), "optimizing the program");
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
  if (optimized && !pipeline_tuning().LoopUnrolling) {
    // Without LoopUnrolling, O3 drops full unrolling too; loops of a few iterations (a 2-state
    // HMM's steps, eight schools' 8 rows) are worth unrolling whole, as g++ -O2 does.
    builder.registerLoopOptimizerEndEPCallback(
        [](llvm::LoopPassManager& passes, llvm::OptimizationLevel level) {
          passes.addPass(llvm::LoopFullUnrollPass(static_cast<int>(level.getSpeedupLevel()),
                                                  /*OnlyWhenForced=*/false));
        });
  }
  if (optimized) {
    builder.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O3).run(module, modules);
  } else {
    builder.buildO0DefaultPipeline(llvm::OptimizationLevel::O0).run(module, modules);
  }
  errors.throw_if_any();
}

void optimize(llvm::Module& module, llvm::TargetMachine& target) {
  run_pipeline(module, target, true);
}

// What optimize() does, for the disk cache's key, read from the same tuning options. (Without
// fast-math flags a pipeline changes speed, never values; a stale entry would be slow, not wrong.)
std::string pipeline_description() {
  const llvm::PipelineTuningOptions tuning = pipeline_tuning();
  return std::string("new pass manager O3") + ", loop vectorization " +
         std::to_string(tuning.LoopVectorization) + ", SLP vectorization " +
         std::to_string(tuning.SLPVectorization) + ", loop unrolling " +
         (tuning.LoopUnrolling ? "partial and full" : "full only") + ", loop interleaving " +
         std::to_string(tuning.LoopInterleaving);
}

// Object files for the JIT to link, made by the host target machine with the settings LLJIT gives
// its own compiler when it links with JITLink (x86-64 and AArch64 ELF): position-independent code,
// small code model. Compiling to an object ourselves, rather than handing LLJIT the IR, gives the
// bytes to store on disk, and a disk hit links exactly what a cold compile would have linked.
std::unique_ptr<llvm::TargetMachine> make_emitter(llvm::CodeGenOptLevel level) {
  llvm::orc::JITTargetMachineBuilder machine = host_machine();
  machine.setRelocationModel(llvm::Reloc::PIC_);
  machine.setCodeModel(llvm::CodeModel::Small);
  machine.setCodeGenOptLevel(level);
  return checked(machine.createTargetMachine(), "creating the code generator");
}

llvm::TargetMachine& object_emitter(Jit& jit) {
  if (jit.emitter == nullptr) jit.emitter = make_emitter(llvm::CodeGenOptLevel::Aggressive);
  return *jit.emitter;
}

// The first tier's: fast instruction selection and register allocation, no optimization.
llvm::TargetMachine& quick_emitter(Jit& jit) {
  if (jit.quick_emitter == nullptr) jit.quick_emitter = make_emitter(llvm::CodeGenOptLevel::None);
  return *jit.quick_emitter;
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
  const LlvmErrors errors(module.getContext(), "generating machine code");
  passes.run(module);
  errors.throw_if_any();
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

// The object for `bitcode` from the disk cache, if there is a sound one; a damaged entry is
// removed (and `damaged` set) so that compiling rewrites it.
std::optional<std::string> from_disk(Jit& jit, const std::string& bitcode,
                                     const std::optional<std::filesystem::path>& cache_dir,
                                     bool& damaged) {
  damaged = false;
  if (!cache_dir) return std::nullopt;
  times.disk_key = object_key(jit.key_identity ? *jit.key_identity : identity_of(jit), bitcode);
  CachedObject cached = read_entry(*cache_dir, times.disk_key);
  if (cached.state == EntryState::sound) {
    times.disk_cache = DiskCache::hit;
    return std::move(cached.object);
  }
  if (cached.state == EntryState::damaged) {
    damaged = true;
    times.disk_problem = cached.problem;
    std::error_code ignored;  // rewritten later; removed now in case writing fails
    std::filesystem::remove(entry_path(*cache_dir, times.disk_key), ignored);
  }
  return std::nullopt;
}

// Stores an optimized object on disk, noting in `into` what happened.
void store_on_disk(const std::optional<std::filesystem::path>& cache_dir, const std::string& key,
                   const std::string& object, bool damaged, CompileTimes& into) {
  if (!cache_dir) return;
  try {
    write_entry(*cache_dir, key, object);
    into.disk_cache = damaged ? DiskCache::rebuilt : DiskCache::stored;
  } catch (const Error& error) {
    into.disk_cache = DiskCache::not_stored;
    into.disk_problem += (into.disk_problem.empty() ? "" : "; ") + std::string(error.what());
  }
}

// A JITDylib holding `object`, its library calls resolved in the process and the runtime
// library; returns the library and the object's entry point. The caller holds jit.mutex.
std::pair<llvm::orc::JITDylib*, native::EntryPoint> link_object(Jit& jit, const std::string& object,
                                                                const std::string& name) {
  llvm::orc::JITDylib& library = jit.lljit->getExecutionSession().createBareJITDylib(
      "hypatia_" + std::to_string(jit.next_library++));
  const char prefix = jit.target->createDataLayout().getGlobalPrefix();
  // Library calls and libm resolve to what the process has loaded; the runtime library by its
  // path too, since a process may have loaded it privately (a Python extension module).
  library.addGenerator(
      checked(llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(prefix),
              "finding the process's symbols"));
  library.addGenerator(checked(llvm::orc::DynamicLibrarySearchGenerator::Load(
                                   native::runtime_location().library.c_str(), prefix),
                               "loading the runtime library"));
  checked(jit.lljit->addObjectFile(library, llvm::MemoryBuffer::getMemBufferCopy(object, name)),
          "adding the object file");
  const auto entry = checked(jit.lljit->lookup(library, "hypatia_entry"), "linking the object")
                         .toPtr<native::EntryPoint>();
  return {&library, entry};
}

// ---- The background compile of optimized code ---------------------------------------------

struct UpgradeJob {
  std::shared_ptr<Upgrade> upgrade;
  std::atomic<native::EntryPoint>* entry;  // the Code's; it outlives a running job (~Code waits)
  std::string bitcode;                     // the program's IR, unoptimized
  std::optional<std::filesystem::path> cache_dir;
  std::string disk_key;
  bool damaged = false;
};

// The process's one background compiler thread and its queue. Its own target machines, since
// a TargetMachine is not safe to use from two threads at once.
struct Worker {
  std::mutex mutex;
  std::condition_variable changed;
  std::deque<UpgradeJob> jobs;
  bool busy = false;
  bool started = false;
  CompileTimes last;
  std::unique_ptr<llvm::TargetMachine> target, emitter;  // the worker thread's only
};

// Replaced (the old one abandoned) in a child after fork(), which has no worker thread.
Worker* the_worker_instance = new Worker;
std::atomic<bool> tiered_compiles{true};

Worker& the_worker() {
  return *the_worker_instance;
}

CompileTimes optimize_in_background(Jit& jit, Worker& worker, UpgradeJob& job) {
  CompileTimes done;
  auto clock = std::chrono::steady_clock::now();
  try {
    if (worker.target == nullptr) {
      worker.target = checked(host_machine().createTargetMachine(), "creating the target machine");
      worker.emitter = make_emitter(llvm::CodeGenOptLevel::Aggressive);
    }
    llvm::LLVMContext context;
    std::unique_ptr<llvm::Module> module =
        checked(llvm::parseBitcodeFile(llvm::MemoryBufferRef(job.bitcode, "hypatia"), context),
                "reading the program's IR");
    optimize(*module, *worker.target);
    done.optimize = seconds_since(clock);
    const std::string object = emit_object(*module, *worker.emitter);
    done.codegen = seconds_since(clock);
    done.disk_key = job.disk_key;
    store_on_disk(job.cache_dir, job.disk_key, object, job.damaged, done);
    done.disk = seconds_since(clock);
    std::lock_guard<std::mutex> lock(jit.mutex);
    const auto [library, entry] = link_object(jit, object, "hypatia-" + job.disk_key + "-O3.o");
    job.upgrade->library = library;
    job.entry->store(entry, std::memory_order_release);
    done.link = seconds_since(clock);
  } catch (const std::exception& error) {
    // The first tier stays in use: the same results, only slower.
    done.disk_problem += std::string("optimized compile failed: ") + error.what();
  }
  return done;
}

void run_worker(Jit* jit, Worker* worker) {
  std::unique_lock<std::mutex> lock(worker->mutex);
  for (;;) {
    worker->changed.wait(lock, [&] { return !worker->jobs.empty(); });
    UpgradeJob job = std::move(worker->jobs.front());
    worker->jobs.pop_front();
    if (job.upgrade->state == Upgrade::State::cancelled) {
      worker->changed.notify_all();
      continue;
    }
    job.upgrade->state = Upgrade::State::running;
    worker->busy = true;
    lock.unlock();
    CompileTimes done = optimize_in_background(*jit, *worker, job);
    lock.lock();
    job.upgrade->state = Upgrade::State::done;
    worker->busy = false;
    worker->last = std::move(done);
    worker->changed.notify_all();
  }
}

// fork(): the child gets no worker thread, so it starts its own when it needs one; the parent
// finishes its compiles first and holds the worker's lock across fork(), so that the child
// inherits no half-made state.
void before_fork() {
  Worker& worker = the_worker();
  std::unique_lock<std::mutex> lock(worker.mutex);
  worker.changed.wait(lock, [&] { return worker.jobs.empty() && !worker.busy; });
  lock.release();
}

void after_fork_in_parent() {
  the_worker().mutex.unlock();
}

void after_fork_in_child() {
  the_worker_instance = new Worker;  // the old one's lock is held by a thread gone in the child
}

// exit() runs the exiting thread's thread_local destructors before any atexit hook or static
// destructor (glibc's __run_exit_handlers), so this guard waits for the background compile while
// LLVM's statics are all still alive, including those the compile itself creates after the
// atexit hook below was registered. It is made in the main thread (only the main thread compiles
// in tiers, build()), the one that exits a process when main returns or Python shuts down.
struct ExitGuard {
  ~ExitGuard() { wait_for_optimized_code(); }
};

void schedule_upgrade(Jit& jit, UpgradeJob job) {
  thread_local ExitGuard exit_guard;
  static_cast<void>(exit_guard);
  Worker& worker = the_worker();
  std::lock_guard<std::mutex> lock(worker.mutex);
  if (!worker.started) {
    static std::once_flag hooks;
    std::call_once(hooks, [] {
      std::atexit([] { wait_for_optimized_code(); });
      pthread_atfork(before_fork, after_fork_in_parent, after_fork_in_child);
    });
    std::thread(run_worker, &jit, &worker).detach();
    worker.started = true;
  }
  worker.jobs.push_back(std::move(job));
  worker.changed.notify_all();
}

// A program's code is going away: its optimized compile is dropped if it has not started, and
// waited for if it has (it writes into the Code).
void forget_upgrade(Upgrade& upgrade) {
  Worker& worker = the_worker();
  std::unique_lock<std::mutex> lock(worker.mutex);
  if (upgrade.state == Upgrade::State::queued) {
    upgrade.state = Upgrade::State::cancelled;
    return;
  }
  worker.changed.wait(lock, [&] {
    return upgrade.state == Upgrade::State::done || upgrade.state == Upgrade::State::cancelled;
  });
}

// ---- Compiling a program --------------------------------------------------------------------

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

  // Other threads compile straight to optimized code: exit() from the main thread would not
  // wait for a background compile they started (ExitGuard).
  const bool tiers = tiered_compiles.load() && gettid() == getpid();
  // The IR before optimization: everything the renderer and the scalar library put in (the disk
  // cache's key, and what the background compile starts from).
  std::string bitcode = cache_dir || tiers ? bitcode_of(*module) : std::string();
  bool damaged = false;
  std::optional<std::string> object = from_disk(jit, bitcode, cache_dir, damaged);
  times.disk += seconds_since(clock);
  const bool quick = !object && tiers;
  if (!object) {
    if (quick) {
      run_pipeline(*module, *jit.target, false);
      times.optimize = seconds_since(clock);
      object = emit_object(*module, quick_emitter(jit));
      times.codegen = seconds_since(clock);
      times.optimized_later = true;
    } else {
      optimize(*module, *jit.target);
      times.optimize = seconds_since(clock);
      object = emit_object(*module, object_emitter(jit));
      times.codegen = seconds_since(clock);
      store_on_disk(cache_dir, times.disk_key, *object, damaged, times);
      times.disk += seconds_since(clock);
    }
  }

  auto code = std::make_shared<Code>();
  code->jit = &jit;
  const auto [library, entry] =
      link_object(jit, *object, "hypatia-" + times.disk_key + (quick ? "-O0.o" : ".o"));
  code->library = library;
  code->entry.store(entry);
  times.link = seconds_since(clock);
  if (quick) {
    code->upgrade = std::make_shared<Upgrade>();
    schedule_upgrade(jit, UpgradeJob{code->upgrade, &code->entry, std::move(bitcode), cache_dir,
                                     times.disk_key, damaged});
  }
  return code;
}

}  // namespace

void set_tiered(bool tiered) {
  tiered_compiles.store(tiered);
}

bool tiered() {
  return tiered_compiles.load();
}

void wait_for_optimized_code() {
  Worker& worker = the_worker();
  std::unique_lock<std::mutex> lock(worker.mutex);
  worker.changed.wait(lock, [&] { return worker.jobs.empty() && !worker.busy; });
}

CompileTimes last_optimized_times() {
  Worker& worker = the_worker();
  std::lock_guard<std::mutex> lock(worker.mutex);
  return worker.last;
}

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
  result->entry = code->entry.load();
  result->live_entry = &code->entry;
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

std::size_t object_size_for_testing(const std::string& ir, bool optimized) {
  Jit& jit = the_jit();
  std::lock_guard<std::mutex> lock(jit.mutex);
  llvm::LLVMContext context;
  llvm::SMDiagnostic problem;
  std::unique_ptr<llvm::Module> module = llvm::parseAssemblyString(ir, problem, context);
  if (module == nullptr)
    throw Error("jit backend: the test's IR does not parse: " + problem.getMessage().str());
  module->setDataLayout(jit.target->createDataLayout());
  module->setTargetTriple(jit.target->getTargetTriple().str());
  run_pipeline(*module, *jit.target, optimized);
  return emit_object(*module, optimized ? object_emitter(jit) : quick_emitter(jit)).size();
}

#endif

}  // namespace hypatia::jit
