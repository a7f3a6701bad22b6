// The differential fuzzer: random graphs evaluated by the interpreter and by a compiling backend
// (native, or jit with --backend jit),
// values and gradients compared. Bounded by a number of graphs and a number of seconds (whichever
// comes first); fixed seeds, so a run is reproducible. A failure is shrunk and printed with the
// command that re-runs just that case. See README.md ("Differential fuzzer") for the options.

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>

#include "backend/jit/jit_function.hpp"
#include "backend/native/compiler.hpp"
#include "fuzz/shrink.hpp"

namespace hypatia::fuzz {
namespace {

using Clock = std::chrono::steady_clock;

struct Settings {
  std::int64_t graphs = 200;
  double seconds = 50.0;
  double shrink_seconds = 25.0;        // shared by the failures shrunk in one run
  std::uint64_t seed = 12;             // the base seed; case k has seed case_seed(seed, k)
  std::int64_t batch = 10;             // cases compiled as one function (at most)
  std::string optimize = "alternate";  // "0", "1" or "alternate" (batch by batch)
  std::string backend = "native";      // compared with the interpreter: native or jit
  std::string march;                   // e.g. x86-64-v4: replaces -march=native (native only)
  bool compile_only = false;           // as on a CPU that cannot run the -march code
  bool tiers = false;  // jit: compile in two tiers, check both (backend/jit/jit_function.hpp)
  std::optional<std::uint64_t> single_case;
  std::int64_t max_dim = 17;
  std::size_t max_reported = 3;  // failures shrunk and printed in full
};

std::uint64_t case_seed(std::uint64_t base, std::uint64_t k) {
  // splitmix64: neighbouring k give unrelated seeds.
  std::uint64_t z = base * 0x9E3779B97F4A7C15ULL + k + 1;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return (z ^ (z >> 31)) >> 1;  // positive as int64 too, so it reads back from any shell
}

[[noreturn]] void usage(const std::string& problem) {
  std::cerr << "hypatia_fuzz: " << problem << "\n"
            << "options: --graphs N --seconds S --shrink-seconds S --seed N --batch N\n"
            << "         --optimize 0|1|alternate --backend native|jit --tiers --march ARCH "
               "--compile-only\n"
            << "         --case SEED --max-dim N\n"
            << "env: HYPATIA_FUZZ_GRAPHS, HYPATIA_FUZZ_SECONDS, HYPATIA_FUZZ_SEED override the\n"
            << "     defaults (the command line overrides them)\n";
  std::exit(2);
}

Settings parse(int argc, char** argv) {
  Settings s;
  if (const char* v = std::getenv("HYPATIA_FUZZ_GRAPHS")) s.graphs = std::stoll(v);
  if (const char* v = std::getenv("HYPATIA_FUZZ_SECONDS")) s.seconds = std::stod(v);
  if (const char* v = std::getenv("HYPATIA_FUZZ_SEED")) s.seed = std::stoull(v);
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--compile-only") {
      s.compile_only = true;
      continue;
    }
    if (arg == "--tiers") {
      s.tiers = true;
      continue;
    }
    std::string value;
    if (auto eq = arg.find('='); eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      usage("missing value for " + arg);
    }
    try {
      if (arg == "--graphs")
        s.graphs = std::stoll(value);
      else if (arg == "--seconds")
        s.seconds = std::stod(value);
      else if (arg == "--shrink-seconds")
        s.shrink_seconds = std::stod(value);
      else if (arg == "--seed")
        s.seed = std::stoull(value);
      else if (arg == "--batch")
        s.batch = std::max<std::int64_t>(1, std::stoll(value));
      else if (arg == "--optimize")
        s.optimize = value;
      else if (arg == "--backend")
        s.backend = value;
      else if (arg == "--march")
        s.march = value;
      else if (arg == "--case")
        s.single_case = std::stoull(value);
      else if (arg == "--max-dim")
        s.max_dim = std::stoll(value);
      else
        usage("unknown option " + arg);
    } catch (const std::logic_error&) {
      usage("bad value '" + value + "' for " + arg);
    }
  }
  if (s.optimize != "0" && s.optimize != "1" && s.optimize != "alternate")
    usage("--optimize takes 0, 1 or alternate");
  if (s.backend != "native" && s.backend != "jit") usage("--backend takes native or jit");
  if (s.backend == "jit" && (!s.march.empty() || s.compile_only))
    usage("--march and --compile-only are the native backend's (the jit compiles for this CPU)");
  if (s.tiers && s.backend != "jit") usage("--tiers is the jit backend's");
  return s;
}

std::vector<std::string> compiler_flags(const Settings& s) {
  if (s.march.empty()) return {};
  std::vector<std::string> flags = native::default_flags();
  bool replaced = false;
  for (std::string& flag : flags) {
    if (flag.rfind("-march=", 0) == 0) {
      flag = "-march=" + s.march;
      replaced = true;
    }
  }
  if (!replaced) flags.push_back("-march=" + s.march);
  return flags;
}

// Whether this CPU runs code built for the target: x86-64-v4 needs AVX-512 (F, BW, CD, DQ, VL).
bool cpu_runs(const std::string& march) {
  if (march != "x86-64-v4") return true;
#if defined(__x86_64__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512dq") &&
         __builtin_cpu_supports("avx512vl");
#else
  return false;
#endif
}

std::string full_precision(const Tensor& t, std::int64_t max_elements = 64) {
  std::ostringstream out;
  out.precision(17);
  out << type_to_string(t.type()) << " [";
  for (std::int64_t i = 0; i < t.size() && i < max_elements; ++i) out << (i ? ", " : "") << t.at(i);
  if (t.size() > max_elements) out << ", ...";
  out << "]";
  return out.str();
}

std::string rerun_command(const Settings& s, std::uint64_t seed, bool optimize) {
  std::ostringstream cmd;
  cmd << "build/tests/hypatia_fuzz --case " << seed << " --optimize " << (optimize ? 1 : 0);
  if (s.backend != "native") cmd << " --backend " << s.backend;
  if (!s.march.empty()) cmd << " --march " << s.march;
  if (s.tiers) cmd << " --tiers";
  return cmd.str();
}

void print_failure(const Settings& s, const FuzzCase& original, const ShrinkResult& shrunk,
                   bool optimize) {
  const CaseResult& r = shrunk.result;
  std::cout << "\n==== FUZZ FAILURE: case seed " << original.seed << " (max_dim "
            << original.max_dim << ", " << s.backend << " compiled "
            << (optimize ? "after" : "without") << " the rewrite phases"
            << (s.march.empty() ? "" : ", -march=" + s.march) << ")\n"
            << "re-run just this case: " << rerun_command(s, original.seed, optimize) << "\n"
            << "shrunk from " << shrunk.original_nodes << " to " << shrunk.shrunk_nodes << " nodes"
            << (shrunk.shrunk.max_dim < original.max_dim
                    ? " (regenerated at max_dim " + std::to_string(shrunk.shrunk.max_dim) + ")"
                    : "")
            << (shrunk.out_of_time ? ", shrinking stopped by its time budget" : "") << "\n"
            << "graph:\n"
            << print_graph(shrunk.shrunk.outputs) << "inputs:\n";
  for (std::size_t i = 0; i < shrunk.shrunk.inputs.size(); ++i) {
    std::cout << "  " << shrunk.shrunk.inputs[i]->attrs().get_string("name") << " = "
              << full_precision(shrunk.shrunk.values[i]) << "\n";
  }
  if (r.kind == CaseResult::Kind::native_error) {
    std::cout << "the " << s.backend << " backend failed; the interpreter did not:\n  " << r.message
              << "\n";
  }
  for (const Mismatch& m : r.mismatches) {
    std::cout << m.label << " differs, " << m.detail << "\n"
              << "  interpreter: " << full_precision(m.expected) << "\n"
              << "  " << s.backend << (s.backend == "jit" ? ":         " : ":      ")
              << full_precision(m.actual) << "\n";
  }
  std::cout << std::flush;
}

struct Failure {
  std::uint64_t seed;
  bool optimize;
};

// What a crash in generated code prints before the process dies: the cases then being checked.
// Formatted ahead of time, because a signal handler may only write(2) what already exists.
std::string crash_note;

extern "C" void report_crash(int signal_number) {
  if (::write(STDOUT_FILENO, crash_note.data(), crash_note.size()) < 0) {
    // Nothing more can be done from a signal handler.
  }
  std::signal(signal_number, SIG_DFL);
  std::raise(signal_number);
}

void set_crash_note(const Settings& s, const std::vector<FuzzCase>& cases, bool optimize) {
  std::ostringstream note;
  note << "\n==== FUZZ CRASH while checking these cases; re-run each alone:\n";
  for (const FuzzCase& c : cases) note << "  " << rerun_command(s, c.seed, optimize) << "\n";
  crash_note = note.str();
}

int run(const Settings& s) {
  for (int signal_number : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT})
    std::signal(signal_number, report_crash);
  char pattern[] = "/tmp/hypatia-fuzz-cache.XXXXXX";
  if (mkdtemp(pattern) == nullptr) {
    std::cerr << "hypatia_fuzz: cannot create a cache directory under /tmp\n";
    return 2;
  }
  const std::filesystem::path cache_dir = pattern;
  CheckOptions options;
  options.backend = s.backend == "jit" ? Backend::jit : Backend::native;
  if (!backend_available(options.backend)) {
    std::cerr << "hypatia_fuzz: the " << s.backend << " backend is not in this build\n";
    return 2;
  }
  options.compiler_flags = compiler_flags(s);
  options.cache_dir = cache_dir.string();
  jit::set_tiered(s.tiers);
  options.run_native = !s.compile_only && cpu_runs(s.march);
  if (!options.run_native) {
    std::cout << (s.compile_only ? "--compile-only"
                                 : "this CPU cannot run -march=" + s.march + " code")
              << ": checking only that the generated code compiles\n";
  }

  std::vector<Failure> failures;
  std::int64_t tested = 0, skipped = 0;
  const auto start = Clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };

  if (s.single_case) {
    const bool optimize = s.optimize == "1";
    options.optimize = optimize;
    FuzzCase c = generate_case(*s.single_case, s.max_dim);
    set_crash_note(s, {c}, optimize);
    std::cout << "case " << c.seed << " (max_dim " << c.max_dim << "):\n" << print_graph(c.outputs);
    CaseResult r = check_case(c, options);
    tested = 1;
    if (r.kind == CaseResult::Kind::reference_error) {
      std::cout << "the interpreter rejects this case: " << r.message << "\n";
    } else if (r.failed()) {
      ShrinkResult shrunk = shrink(c, r, options, {.seconds = s.shrink_seconds});
      print_failure(s, c, shrunk, optimize);
      failures.push_back({c.seed, optimize});
    }
  } else {
    // Compile time grows with the number of graphs in a function: a batch is cut to what the
    // seconds left should allow at the speed seen so far, so the budget holds on a busy machine.
    double seconds_per_graph = 0.0;
    for (std::int64_t b = 0; tested < s.graphs && elapsed() < s.seconds; ++b) {
      options.optimize = s.optimize == "1" || (s.optimize == "alternate" && b % 2 == 1);
      std::int64_t size = s.batch;
      if (seconds_per_graph > 0.0) {
        size = std::clamp<std::int64_t>(
            static_cast<std::int64_t>((s.seconds - elapsed()) / seconds_per_graph), 1, s.batch);
      }
      std::vector<FuzzCase> cases;
      for (std::int64_t i = 0; i < size && tested + i < s.graphs; ++i) {
        cases.push_back(
            generate_case(case_seed(s.seed, tested + i), s.max_dim, "g" + std::to_string(i) + "_"));
      }
      std::vector<const FuzzCase*> batch;
      for (const FuzzCase& c : cases) batch.push_back(&c);
      set_crash_note(s, cases, options.optimize);
      const double before = elapsed();
      std::vector<CaseResult> results = check_cases(batch, options);
      std::int64_t failed = 0;
      for (std::size_t i = 0; i < cases.size(); ++i) {
        if (results[i].kind == CaseResult::Kind::reference_error) ++skipped;
        if (!results[i].failed()) continue;
        ++failed;
        failures.push_back({cases[i].seed, options.optimize});
        std::cout << "  case seed " << cases[i].seed << " fails: "
                  << (results[i].mismatches.empty() ? results[i].message.substr(0, 200)
                                                    : results[i].mismatches.front().label + ", " +
                                                          results[i].mismatches.front().detail)
                  << "\n";
      }
      tested += static_cast<std::int64_t>(cases.size());
      seconds_per_graph = std::max(seconds_per_graph, (elapsed() - before) / cases.size());
      std::cout << "batch " << b << ": " << cases.size() << " graphs, optimize "
                << (options.optimize ? 1 : 0) << ", " << elapsed() - before << " s, " << failed
                << " failing" << std::endl;
    }
    // Each failure again on its own (names without the batch prefix), then shrunk and printed.
    const auto shrink_start = Clock::now();
    std::size_t reported = 0;
    for (const Failure& f : failures) {
      if (reported == s.max_reported) break;
      const double left =
          s.shrink_seconds - std::chrono::duration<double>(Clock::now() - shrink_start).count();
      options.optimize = f.optimize;
      FuzzCase c = generate_case(f.seed, s.max_dim);
      set_crash_note(s, {c}, f.optimize);
      CaseResult r = check_case(c, options);
      ++reported;
      if (!r.failed()) {
        std::cout << "\n==== FUZZ FAILURE: case seed " << f.seed
                  << " failed in its batch but passes alone; re-run: "
                  << rerun_command(s, f.seed, f.optimize) << "\n";
        continue;
      }
      ShrinkResult shrunk = shrink(c, r, options, {.seconds = std::max(0.0, left)});
      print_failure(s, c, shrunk, f.optimize);
    }
  }

  // Kept after a failure: a compiler error names the source it kept there.
  if (failures.empty()) std::filesystem::remove_all(cache_dir);
  std::cout << "\n"
            << tested << " graphs in " << elapsed() << " s ("
            << (options.run_native ? "compiled and compared" : "compiled only") << ", " << skipped
            << " rejected by the interpreter), " << failures.size() << " failing";
  if (!failures.empty()) {
    std::cout << ":";
    for (const Failure& f : failures) std::cout << " " << f.seed << (f.optimize ? "(opt)" : "");
    std::cout << "\ngenerated sources kept in " << cache_dir.string();
  }
  std::cout << std::endl;
  return failures.empty() ? 0 : 1;
}

}  // namespace
}  // namespace hypatia::fuzz

int main(int argc, char** argv) {
  try {
    return hypatia::fuzz::run(hypatia::fuzz::parse(argc, argv));
  } catch (const std::exception& e) {
    std::cerr << "hypatia_fuzz: " << e.what() << "\n";
    return 2;
  }
}
