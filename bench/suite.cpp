// The speed suite (issue 6): per model, the native compile time with a cold and a warm cache, the
// median time of one log density + gradient evaluation, and NUTS with 4 chains x 1000 warm-up x
// 1000 draws run one chain at a time on one core: wall and CPU time, leapfrog steps, the smallest
// bulk ESS, bulk ESS per second and leapfrog steps per effective sample. Every figure is measured
// the way bench/stan/run_stan.R measures Stan's, so that bench/compare-stan.sh can set them side by
// side (bench/stan/README.md).
//
// Usage: hypatia-suite [--seed N] [--out PATH] [--default-nuts] [--best-settings] [--gradient-only]
//                      [--backend native|jit] [--tiers|--no-tiers]
//                      [--diagonal-metric NAME] [--warmup stan|nutpie] [MODEL ...]
//   MODEL ...       suite names (as in bench/results/stan.json) or bundled names; default: all. The
//                   entries of the models run replace theirs in PATH; the others are kept.
//   --out           default bench/results/suite.json.
//   --gradient-only only the cold compile and the gradient time, at one short chain's posterior
//                   mean (writes nothing); for comparing two builds or two backends.
//   --backend       the backend compiling every model: native (g++) or jit (LLVM); default: the
//                   library's default (jit in builds with LLVM), what a user gets.
//   --tiers, --no-tiers  the jit compiles in two tiers (the default; backend/jit/jit_function.hpp)
//                   or straight to optimized code; with tiers, --gradient-only prints the quick
//                   tier's compile and when the optimized code was in use.
//   --default-nuts  every model with NUTS's defaults (target acceptance 0.8, diagonal metric), as
//                   Stan's side runs them, instead of the model's own (BundledModel, as `hypatia
//                   validate` uses): shows what those settings cost.
//   --best-settings the model's own settings, but the Fisher low-rank metric with nutpie's warm-up
//                   for the models where that measured faster (SuiteModel::low_rank_pays): each
//                   side's best settings, for compare-stan.json.
//   --diagonal-metric  the metric of the models whose own is diagonal: diagonal (the default),
//                   fisher_diagonal or fisher_low_rank (as `hypatia validate --diagonal-metric`);
//                   --warmup the schedule of the models whose metric is not dense (default stan).
// A suite model that is not bundled (yet) is recorded as skipped, not as a failure.

#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hypatia/diagnostics.hpp"
#include "hypatia/error.hpp"
#include "hypatia/infer/nuts.hpp"
#include "hypatia/logp_grad.hpp"
#include "hypatia/models.hpp"
#include "hypatia/ppl/model.hpp"
#include "hypatia/sample.hpp"
#include "hypatia/validation.hpp"

#include "backend/jit/jit_function.hpp"  // the JIT's compile split (internal)

namespace {

using namespace hypatia;
namespace fs = std::filesystem;
// Keys in the order written: the JSON reads like the table.
using json = nlohmann::ordered_json;

// The suite: Stan's name for each model (bench/stan/models/<name>.stan) and Hypatia's.
struct SuiteModel {
  std::string name;
  std::string bundled_name;
  // Under --best-settings: the Fisher low-rank metric with nutpie's schedule instead of the
  // model's diagonal one. Chosen where it gave more ESS per CPU second than the own settings with
  // the suite's seed and with seed 1 (bench/results/metric_adaptation.txt), and the posterior
  // passed `hypatia validate --diagonal-metric fisher-low-rank --warmup nutpie` with seeds 0 and 1.
  bool low_rank_pays = false;
};

const std::vector<SuiteModel> kSuite = {
    {"eight_schools", "eight_schools-eight_schools_noncentered"},
    {"diamonds", "diamonds-diamonds"},
    {"gp_pois_regr", "gp_pois_regr-gp_pois_regr", true},
    {"garch11", "garch-garch11", true},
    {"hmm_example", "hmm_example-hmm_example", true},
    {"low_dim_gauss_mix", "low_dim_gauss_mix-low_dim_gauss_mix"},
    {"arK", "arK-arK", true},
    {"blr", "sblrc-blr", true},
    {"radon", "radon"},
    {"logreg", "logreg", true},
};

struct Settings {
  int chains = 4;
  std::int64_t tune = 1000;
  std::int64_t draws = 1000;
  int max_tree_depth = 10;
  std::uint64_t seed = 20240611;  // Stan's default seed in run_stan.R
  bool default_nuts = false;
  bool best_settings = false;  // the own settings, low rank where SuiteModel::low_rank_pays
  MetricKind diagonal_metric = MetricKind::diagonal;  // for models whose own metric is diagonal
  WarmupSchedule warmup = WarmupSchedule::stan;       // for models whose metric is not dense
  bool gradient_only = false;  // the gradient time alone, at a short run's posterior mean
  Backend backend = default_backend();
  fs::path out = "bench/results/suite.json";
  fs::path cache_root = fs::temp_directory_path() / "hypatia-suite-cache";
};

// ---- clocks ----

double clock_seconds(clockid_t clock) {
  timespec now{};
  clock_gettime(clock, &now);
  return static_cast<double>(now.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec);
}

// CPU time of the compiler processes the native backend has run and waited for.
double children_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_CHILDREN, &usage);
  auto seconds = [](const timeval& t) { return t.tv_sec + 1e-6 * t.tv_usec; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

struct Elapsed {
  double wall_s = 0;
  double cpu_s = 0;  // this process, plus its waited-for children
};

class Stopwatch {
 public:
  Stopwatch() : wall_(now_wall()), cpu_(now_cpu()) {}
  Elapsed elapsed() const { return {now_wall() - wall_, now_cpu() - cpu_}; }

 private:
  static double now_wall() { return clock_seconds(CLOCK_MONOTONIC); }
  static double now_cpu() {
    return clock_seconds(CLOCK_PROCESS_CPUTIME_ID) + children_cpu_seconds();
  }
  double wall_, cpu_;
};

Elapsed timed(const std::function<void()>& work) {
  Stopwatch stopwatch;
  work();
  return stopwatch.elapsed();
}

double load_average() {
  std::ifstream file("/proc/loadavg");
  double one_minute = std::numeric_limits<double>::quiet_NaN();
  file >> one_minute;
  return one_minute;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t middle = values.size() / 2;
  return values.size() % 2 == 1 ? values[middle] : 0.5 * (values[middle - 1] + values[middle]);
}

// ---- compile ----

struct CompileTimes {
  double build_s = 0;  // the model's graph from its data files (not compilation)
  Elapsed cold_logp_grad, cold_constrain, warm_logp_grad, warm_constrain;
};

// What a sampling run compiles: the log density + gradient (Model::compile) and, on the first
// draw stored, the map from unconstrained draws to stored values (CompiledModel::constrain).
// Stan's compile time covers both (log_prob and write_array are one C++ class).
std::pair<Elapsed, Elapsed> compile_model(const Model& model, const CompileOptions& options,
                                          std::unique_ptr<CompiledModel>& compiled) {
  const Elapsed logp_grad = timed([&] { compiled = model.compile(options); });
  const std::vector<double> origin(static_cast<std::size_t>(compiled->dim()), 0.0);
  const Elapsed constrain = timed([&] { compiled->constrain(origin.data()); });
  return {logp_grad, constrain};
}

// Compiles twice: into an emptied cache directory (cold), then again from that cache (warm).
// Returns the warm-compiled model for the rest of the measurements.
std::unique_ptr<CompiledModel> compile_cold_and_warm(const BundledModel& bundled,
                                                     const fs::path& cache_dir, Backend backend,
                                                     CompileTimes& times) {
  std::optional<Model> model;
  times.build_s = timed([&] { model.emplace(bundled.build()); }).wall_s;
  fs::remove_all(cache_dir);
  const CompileOptions options{.backend = backend, .cache_dir = cache_dir.string()};
  std::unique_ptr<CompiledModel> compiled;
  std::tie(times.cold_logp_grad, times.cold_constrain) = compile_model(*model, options, compiled);
  std::tie(times.warm_logp_grad, times.warm_constrain) = compile_model(*model, options, compiled);
  return compiled;
}

// ---- gradient ----

struct GradientTimes {
  double cpu_us_median = 0, wall_us_median = 0, cpu_us_min = 0;
};

// As bench/stan/grad_loop.cpp: calls in batches long enough for the clock (min_batch_s of thread
// CPU time), the median and minimum per-call time over `batches` batches.
GradientTimes time_gradient(Target& target, const std::vector<double>& point,
                            double min_batch_s = 0.05, int batches = 21) {
  jit::wait_for_optimized_code();  // the JIT's optimized tier, not its quick first one
  std::vector<double> gradient(point.size());
  auto run_batch = [&](long calls) {
    const double cpu_start = clock_seconds(CLOCK_THREAD_CPUTIME_ID);
    const double wall_start = clock_seconds(CLOCK_MONOTONIC);
    for (long call = 0; call < calls; ++call) target.logp_grad(point.data(), gradient.data());
    return Elapsed{clock_seconds(CLOCK_MONOTONIC) - wall_start,
                   clock_seconds(CLOCK_THREAD_CPUTIME_ID) - cpu_start};
  };
  long calls = 1;
  while (run_batch(calls).cpu_s < min_batch_s) calls *= 2;
  std::vector<double> cpu_us, wall_us;
  for (int batch = 0; batch < batches; ++batch) {
    const Elapsed elapsed = run_batch(calls);
    cpu_us.push_back(elapsed.cpu_s / static_cast<double>(calls) * 1e6);
    wall_us.push_back(elapsed.wall_s / static_cast<double>(calls) * 1e6);
  }
  return {median(cpu_us), median(wall_us), *std::min_element(cpu_us.begin(), cpu_us.end())};
}

// The posterior mean on the unconstrained scale (where Stan's gradient is timed too).
std::vector<double> unconstrained_mean(const NutsResult& result) {
  std::vector<double> mean(static_cast<std::size_t>(result.dim), 0.0);
  std::int64_t rows = 0;
  for (const NutsChain& chain : result.chains) {
    for (std::size_t i = 0; i < chain.draws.size(); ++i) mean[i % mean.size()] += chain.draws[i];
    rows += static_cast<std::int64_t>(chain.draws.size()) / result.dim;
  }
  for (double& value : mean) value /= static_cast<double>(rows);
  return mean;
}

// ---- sampling ----

struct SamplingRun {
  NutsResult result;
  InferenceData data;  // the posterior group: stored (constrained) values
  Elapsed nuts, constrain;
};

struct NutsTuning {
  double target_accept = 0.8;
  MetricKind metric = MetricKind::diagonal;
  WarmupSchedule warmup = WarmupSchedule::stan;
};

NutsTuning tuning_for(const SuiteModel& suite_model, const BundledModel& bundled,
                      const Settings& settings) {
  NutsTuning tuning;
  if (!settings.default_nuts) tuning = {bundled.target_accept, bundled.metric};
  if (settings.best_settings && suite_model.low_rank_pays) {
    return {tuning.target_accept, MetricKind::fisher_low_rank, WarmupSchedule::nutpie};
  }
  if (tuning.metric == MetricKind::diagonal) tuning.metric = settings.diagonal_metric;
  if (tuning.metric != MetricKind::dense) tuning.warmup = settings.warmup;
  return tuning;
}

SamplingRun run_nuts(CompiledModel& compiled, const NutsTuning& tuning, const Settings& settings) {
  NutsOptions options;
  options.chains = settings.chains;
  options.cores = 1;  // one chain at a time, as Stan's side runs them
  options.tune = settings.tune;
  options.draws = settings.draws;
  options.seed = settings.seed;
  options.target_accept = tuning.target_accept;
  options.metric = tuning.metric;
  options.warmup_schedule = tuning.warmup;
  options.max_tree_depth = settings.max_tree_depth;
  options.progress = false;
  options.save_warmup = true;  // for the warm-up's leapfrog steps
  SamplingRun run;
  run.nuts = timed([&] { run.result = sample_nuts(compiled, options); });
  run.constrain = timed([&] {
    std::vector<double> flat;
    for (const NutsChain& chain : run.result.chains) {
      flat.insert(flat.end(), chain.draws.begin(), chain.draws.end());
    }
    run.data.chains = settings.chains;
    run.data.draws = settings.draws;
    run.data.groups["posterior"] =
        constrained_draws(compiled, flat, settings.chains, settings.draws);
  });
  return run;
}

struct SamplerStatistics {
  std::int64_t leapfrog_warmup = 0, leapfrog_sampling = 0, divergent = 0, max_treedepth_hits = 0;
  std::vector<double> step_sizes;
};

SamplerStatistics sampler_statistics(const NutsResult& result, int max_tree_depth) {
  SamplerStatistics statistics;
  auto sum = [](const std::vector<std::int64_t>& values) {
    std::int64_t total = 0;
    for (std::int64_t value : values) total += value;
    return total;
  };
  for (const NutsChain& chain : result.chains) {
    statistics.leapfrog_warmup += sum(chain.warmup_stats.n_steps);
    statistics.leapfrog_sampling += sum(chain.stats.n_steps);
    statistics.divergent +=
        std::count(chain.stats.diverging.begin(), chain.stats.diverging.end(), true);
    statistics.max_treedepth_hits +=
        std::count_if(chain.stats.tree_depth.begin(), chain.stats.tree_depth.end(),
                      [&](std::int64_t depth) { return depth >= max_tree_depth; });
    statistics.step_sizes.push_back(chain.step_size);
  }
  return statistics;
}

struct EssSummary {
  double min_ess_bulk = std::numeric_limits<double>::infinity();
  std::string min_ess_bulk_element;
  double max_rhat = 0;
  std::int64_t elements = 0;
};

// Over every scalar element of every stored quantity (free variables and deterministics, as
// Stan's side takes parameters and transformed parameters). Constant elements (ESS undefined,
// e.g. a fixed entry of a Cholesky factor) are left out.
EssSummary ess_summary(const InferenceData& data) {
  EssSummary summary;
  const std::int64_t rows = data.chains * data.draws;
  for (const Variable& variable : data.groups.at("posterior").variables) {
    const std::int64_t size = static_cast<std::int64_t>(variable.values.size()) / rows;
    for (std::int64_t element = 0; element < size; ++element) {
      std::vector<double> draws(static_cast<std::size_t>(rows));
      for (std::int64_t row = 0; row < rows; ++row)
        draws[row] = variable.values[row * size + element];
      const double ess = diagnostics::ess_bulk(draws, data.chains);
      if (std::isnan(ess)) continue;
      ++summary.elements;
      summary.max_rhat = std::max(summary.max_rhat, diagnostics::rhat(draws, data.chains));
      if (ess < summary.min_ess_bulk) {
        summary.min_ess_bulk = ess;
        summary.min_ess_bulk_element =
            size == 1 ? variable.name : variable.name + "[" + std::to_string(element + 1) + "]";
      }
    }
  }
  return summary;
}

// For posteriordb posteriors: are these draws the reference posterior? (A fast but wrong sampler
// would not be a result.) Same criterion as `hypatia validate`, |z| < 4 for means and sds.
std::optional<json> reference_check(const std::string& bundled_name, const InferenceData& data) {
  if (bundled_name.find('-') == std::string::npos) return std::nullopt;
  double max_z_mean = 0, max_z_sd = 0;
  for (const ParameterComparison& row :
       compare_with_reference(data, load_reference_posterior(bundled_name))) {
    max_z_mean = std::max(max_z_mean, row.z_mean);
    max_z_sd = std::max(max_z_sd, row.z_sd);
  }
  return json{{"max_abs_z_mean", max_z_mean},
              {"max_abs_z_sd", max_z_sd},
              {"passed", max_z_mean < 4 && max_z_sd < 4}};
}

// ---- one model ----

json measure_model(const SuiteModel& suite_model, const BundledModel& bundled,
                   const Settings& settings) {
  const double load_before = load_average();
  CompileTimes compile;
  const fs::path cache_dir = settings.cache_root / suite_model.name;
  std::unique_ptr<CompiledModel> compiled =
      compile_cold_and_warm(bundled, cache_dir, settings.backend, compile);
  fs::remove_all(cache_dir);  // what is loaded stays loaded
  // Sampling is timed on the optimized code, without the JIT's background compile running beside
  // it (its CPU time would count as the sampler's), as Stan's side excludes its compile.
  const double optimized_wait_s = timed([] { jit::wait_for_optimized_code(); }).wall_s;
  std::cerr << suite_model.name << ": compiled cold in "
            << compile.cold_logp_grad.wall_s + compile.cold_constrain.wall_s << " s; sampling\n";
  const NutsTuning tuning = tuning_for(suite_model, bundled, settings);
  const SamplingRun run = run_nuts(*compiled, tuning, settings);
  const GradientTimes gradient = time_gradient(*compiled, unconstrained_mean(run.result));
  const SamplerStatistics statistics = sampler_statistics(run.result, settings.max_tree_depth);
  const EssSummary ess = ess_summary(run.data);

  const double wall_s = run.nuts.wall_s + run.constrain.wall_s;
  const double sampler_s = run.nuts.cpu_s + run.constrain.cpu_s;
  const std::int64_t leapfrog = statistics.leapfrog_warmup + statistics.leapfrog_sampling;
  json entry = {
      {"model", suite_model.name},
      {"bundled_model", bundled.name},
      {"dimension", compiled->dim()},
      {"target_accept", tuning.target_accept},
      {"metric", metric_name(tuning.metric)},
      {"warmup", warmup_schedule_name(tuning.warmup)},
      {"build_s", compile.build_s},
      {"compile_cold_s", compile.cold_logp_grad.wall_s + compile.cold_constrain.wall_s},
      {"compile_cold_cpu_s", compile.cold_logp_grad.cpu_s + compile.cold_constrain.cpu_s},
      {"compile_cold_logp_grad_s", compile.cold_logp_grad.wall_s},
      {"compile_cold_constrain_s", compile.cold_constrain.wall_s},
      {"compile_warm_s", compile.warm_logp_grad.wall_s + compile.warm_constrain.wall_s},
      {"optimized_wait_s", optimized_wait_s},
      {"grad_us", gradient.cpu_us_median},
      {"grad_wall_us", gradient.wall_us_median},
      {"grad_min_us", gradient.cpu_us_min},
      {"wall_s", wall_s},
      {"sampler_s", sampler_s},
      {"nuts_cpu_s", run.nuts.cpu_s},
      {"constrain_cpu_s", run.constrain.cpu_s},
      {"leapfrog", leapfrog},
      {"leapfrog_warmup", statistics.leapfrog_warmup},
      {"leapfrog_sampling", statistics.leapfrog_sampling},
      {"us_per_leapfrog", run.nuts.cpu_s / static_cast<double>(leapfrog) * 1e6},
      {"divergent", statistics.divergent},
      {"max_treedepth_hits", statistics.max_treedepth_hits},
      {"step_size", statistics.step_sizes},
      {"min_ess_bulk", ess.min_ess_bulk},
      {"min_ess_bulk_element", ess.min_ess_bulk_element},
      {"ess_elements", ess.elements},
      {"min_ess_bulk_per_s", ess.min_ess_bulk / sampler_s},
      {"min_ess_bulk_per_wall_s", ess.min_ess_bulk / wall_s},
      {"leapfrog_per_ess", static_cast<double>(leapfrog) / ess.min_ess_bulk},
      {"max_rhat", ess.max_rhat},
      {"load_average_before", load_before},
      {"load_average_after", load_average()},
  };
  try {
    if (auto check = reference_check(bundled.name, run.data)) entry["reference_check"] = *check;
  } catch (const std::exception& error) {
    entry["reference_check"] = {{"error", error.what()}};
  }
  return entry;
}

// One line per model: the cold compile of the log density + gradient (graph rewrites and lowering
// included; by phase for the JIT), then the gradient's median CPU time at the posterior mean of one
// short chain (200 + 200 iterations), for comparing two builds or backends without the full
// suite's sampling. The model's other functions (constrain) are compiled after the timed compile.
void print_gradient_time(const SuiteModel& suite_model, const Settings& settings) {
  const BundledModel& bundled = find_bundled_model(suite_model.bundled_name);
  const fs::path cache_dir = settings.cache_root / suite_model.name;
  fs::remove_all(cache_dir);
  const CompileOptions options{.backend = settings.backend, .cache_dir = cache_dir.string()};
  const Model model = bundled.build();
  const LogDensityGraph graph = model.log_density();
  double cold_s = 0, optimized_s = 0;
  jit::CompileTimes split, optimized;
  {
    const double start = clock_seconds(CLOCK_MONOTONIC);
    const LogpGrad cold(graph.x, graph.logp, graph.data_inputs, graph.data_values, options);
    cold_s = cold.function().info().seconds;
    if (settings.backend == Backend::jit) split = jit::last_compile_times();
    jit::wait_for_optimized_code();
    optimized_s = clock_seconds(CLOCK_MONOTONIC) - start;
    if (split.optimized_later) optimized = jit::last_optimized_times();
  }
  std::unique_ptr<CompiledModel> compiled = model.compile(options);
  fs::remove_all(cache_dir);
  Settings short_run = settings;
  short_run.chains = 1;
  short_run.tune = short_run.draws = 200;
  const SamplingRun run =
      run_nuts(*compiled, tuning_for(suite_model, bundled, settings), short_run);
  const GradientTimes gradient = time_gradient(*compiled, unconstrained_mean(run.result));
  std::cout << std::fixed << std::setprecision(2) << std::left << std::setw(18) << suite_model.name
            << std::right << " compile_cold_ms " << std::setw(8) << 1e3 * cold_s;
  if (settings.backend == Backend::jit) {
    const double rewrites = cold_s - split.setup - split.lowering - split.key - split.ir_build -
                            split.optimize - split.codegen;
    std::cout << " [rewrites " << 1e3 * rewrites << " setup " << 1e3 * split.setup << " lowering "
              << 1e3 * split.lowering << " key " << 1e3 * split.key << " ir "
              << 1e3 * split.ir_build << " opt " << 1e3 * split.optimize << " codegen "
              << 1e3 * split.codegen << "]";
    if (split.optimized_later) {
      std::cout << " optimized_ms " << 1e3 * optimized_s << " [opt " << 1e3 * optimized.optimize
                << " codegen " << 1e3 * optimized.codegen << "]";
    }
  }
  std::cout << std::setprecision(4) << " grad_us " << gradient.cpu_us_median << " min "
            << gradient.cpu_us_min << std::endl;
}

json run_suite_model(const SuiteModel& suite_model, const Settings& settings) {
  const BundledModel* bundled = nullptr;
  try {
    bundled = &find_bundled_model(suite_model.bundled_name);
  } catch (const Error&) {
    std::cerr << suite_model.name << ": skipped, " << suite_model.bundled_name
              << " is not bundled\n";
    return {{"model", suite_model.name},
            {"bundled_model", suite_model.bundled_name},
            {"skipped", "not bundled in this build"}};
  }
  try {
    return measure_model(suite_model, *bundled, settings);
  } catch (const std::exception& error) {
    std::cerr << suite_model.name << ": FAILED: " << error.what() << "\n";
    return {{"model", suite_model.name}, {"bundled_model", bundled->name}, {"error", error.what()}};
  }
}

// ---- results ----

json definitions() {
  return {
      {"compile_cold_s",
       "elapsed s of Model::compile (log density + gradient) plus the first constrain call (map "
       "to stored values), settings.backend (native: g++ -O3 -march=native; jit: until the "
       "first tier runs), empty cache"},
      {"compile_cold_cpu_s", "the same in CPU s (this process and the compiler it runs)"},
      {"compile_warm_s", "the same with the shared objects in the on-disk cache"},
      {"optimized_wait_s",
       "elapsed s waiting, after the warm compile, for the JIT's background (O3) compiles to be "
       "in use, before sampling starts; 0 for the native backend"},
      {"build_s", "elapsed s of building the model graph from its data files (not in compile)"},
      {"grad_us",
       "median thread CPU microseconds of one logp_grad call at the unconstrained posterior mean"},
      {"wall_s",
       "elapsed s of NUTS, all chains one after another on one core, plus constraining "
       "the draws"},
      {"sampler_s", "CPU s of the same (as Stan's std::clock per-chain times)"},
      {"leapfrog", "leapfrog steps of warm-up and sampling, all chains"},
      {"min_ess_bulk",
       "min over every element of the free variables and deterministics of the bulk ESS"},
      {"min_ess_bulk_per_s", "min_ess_bulk / sampler_s"},
      {"min_ess_bulk_per_wall_s", "min_ess_bulk / wall_s"},
      {"leapfrog_per_ess", "leapfrog / min_ess_bulk"},
      {"target_accept", "the bundled model's own (as hypatia validate uses); Stan's side runs 0.8"},
  };
}

std::size_t suite_position(const json& entry) {
  for (std::size_t i = 0; i < kSuite.size(); ++i) {
    if (kSuite[i].name == entry.value("model", "")) return i;
  }
  return kSuite.size();
}

// The earlier entries of models not run this time, then the new ones, in suite order.
json merged_entries(const fs::path& path, const std::vector<json>& fresh) {
  json entries = json::array();
  if (fs::exists(path)) {
    std::ifstream file(path);
    const json previous = json::parse(file);
    for (const json& old : previous.value("models", json::array())) {
      const bool replaced = std::any_of(fresh.begin(), fresh.end(), [&](const json& entry) {
        return entry["model"] == old.value("model", "");
      });
      if (!replaced) entries.push_back(old);
    }
  }
  for (const json& entry : fresh) entries.push_back(entry);
  std::stable_sort(entries.begin(), entries.end(), [](const json& a, const json& b) {
    return suite_position(a) < suite_position(b);
  });
  return entries;
}

// Writes the merged results through a temporary file; returns the merged entries.
json write_results(const Settings& settings, const std::vector<json>& fresh) {
  json document = {
      {"generator", "bench/suite.cpp (hypatia-suite, run by bench/suite.sh)"},
      {"settings",
       {{"chains", settings.chains},
        {"warmup", settings.tune},
        {"draws", settings.draws},
        {"max_treedepth", settings.max_tree_depth},
        {"seed", settings.seed},
        {"cores", 1},
        {"backend", std::string(backend_name(settings.backend))},
        {"nuts_tuning", settings.default_nuts    ? "defaults (target_accept 0.8, diagonal metric)"
                        : settings.best_settings ? "best: each model's own, fisher_low_rank with "
                                                   "nutpie's warm-up where it pays (suite.cpp)"
                                                 : "each model's own (BundledModel)"},
        {"diagonal_metric", metric_name(settings.diagonal_metric)},
        {"warmup", warmup_schedule_name(settings.warmup)}}},
      {"definitions", definitions()},
      {"models", merged_entries(settings.out, fresh)},
  };
  if (settings.out.has_parent_path()) fs::create_directories(settings.out.parent_path());
  fs::path temporary = settings.out;
  temporary += ".partial";
  std::ofstream(temporary) << document.dump(2) << "\n";
  fs::rename(temporary, settings.out);
  return document["models"];
}

// Four significant digits, but whole numbers from 1000 up (leapfrog counts, ESS).
std::string cell(const json& entry, const std::string& key, int width) {
  std::ostringstream out;
  if (!entry.contains(key) || !entry[key].is_number()) {
    out << std::setw(width) << "-";
    return out.str();
  }
  const double value = entry[key].get<double>();
  if (std::abs(value) >= 1000) {
    out << std::fixed << std::setprecision(0);
  } else {
    out << std::setprecision(4);
  }
  out << std::setw(width) << value;
  return out.str();
}

void print_table(const json& entries) {
  const std::vector<std::pair<std::string, std::string>> columns = {
      {"compile_cold_s", "cold s"},  {"compile_warm_s", "warm s"},
      {"grad_us", "grad us"},        {"wall_s", "wall s"},
      {"sampler_s", "cpu s"},        {"leapfrog", "leapfrog"},
      {"min_ess_bulk", "min ESS"},   {"min_ess_bulk_per_s", "ESS/s"},
      {"leapfrog_per_ess", "lf/ESS"}};
  std::cout << std::left << std::setw(18) << "model" << std::right;
  for (const auto& [key, label] : columns) std::cout << std::setw(11) << label;
  std::cout << "   settings\n";
  for (const json& entry : entries) {
    std::cout << std::left << std::setw(18) << entry["model"].get<std::string>() << std::right;
    if (entry.contains("skipped") || entry.contains("error")) {
      std::cout << "  "
                << (entry.contains("skipped") ? "skipped: " + entry["skipped"].get<std::string>()
                                              : "FAILED: " + entry["error"].get<std::string>())
                << "\n";
      continue;
    }
    for (const auto& [key, label] : columns) std::cout << cell(entry, key, 11);
    std::cout << "   " << entry["metric"].get<std::string>() << ", target "
              << entry["target_accept"].get<double>() << "\n";
  }
}

// ---- command line ----

std::vector<SuiteModel> select_models(const std::vector<std::string>& requested) {
  if (requested.empty()) return kSuite;
  std::vector<SuiteModel> selected;
  for (const std::string& name : requested) {
    auto found = std::find_if(kSuite.begin(), kSuite.end(), [&](const SuiteModel& model) {
      return model.name == name || model.bundled_name == name;
    });
    if (found == kSuite.end()) {
      std::string known;
      for (const SuiteModel& model : kSuite) known += " " + model.name;
      throw Error("unknown suite model '" + name + "'; the suite's models are:" + known);
    }
    selected.push_back(*found);
  }
  return selected;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    Settings settings;
    std::vector<std::string> requested;
    for (int i = 1; i < argc; ++i) {
      const std::string argument = argv[i];
      if ((argument == "--seed" || argument == "--out") && i + 1 < argc) {
        const std::string value = argv[++i];
        if (argument == "--seed") settings.seed = std::stoull(value);
        if (argument == "--out") settings.out = value;
      } else if (argument == "--diagonal-metric" && i + 1 < argc) {
        settings.diagonal_metric = metric_from_name(argv[++i]);
        if (settings.diagonal_metric == MetricKind::dense) {
          throw Error("--diagonal-metric: expected diagonal, fisher_diagonal or fisher_low_rank");
        }
      } else if (argument == "--warmup" && i + 1 < argc) {
        settings.warmup = warmup_schedule_from_name(argv[++i]);
      } else if (argument == "--default-nuts") {
        settings.default_nuts = true;
      } else if (argument == "--best-settings") {
        settings.best_settings = true;
      } else if (argument == "--gradient-only") {
        settings.gradient_only = true;
      } else if (argument == "--tiers" || argument == "--no-tiers") {
        jit::set_tiered(argument == "--tiers");
      } else if (argument == "--backend" && i + 1 < argc) {
        const std::string value = argv[++i];
        if (value != "native" && value != "jit") {
          throw Error("--backend: expected native or jit; got '" + value + "'");
        }
        settings.backend = value == "jit" ? Backend::jit : Backend::native;
      } else if (argument.starts_with("-")) {
        std::cerr
            << "usage: hypatia-suite [--seed N] [--out PATH] [--default-nuts] "
               "[--best-settings] [--gradient-only] [--backend native|jit] [--tiers|--no-tiers] "
               "[--diagonal-metric NAME] [--warmup stan|nutpie] [MODEL ...]\n";
        return 2;
      } else {
        requested.push_back(argument);
      }
    }
    if (settings.gradient_only) {
      for (const SuiteModel& model : select_models(requested)) print_gradient_time(model, settings);
      return 0;
    }
    std::vector<json> fresh;
    json all_entries;
    for (const SuiteModel& model : select_models(requested)) {
      fresh.push_back(run_suite_model(model, settings));
      // After each model, so that a long run keeps what it has measured.
      all_entries = write_results(settings, fresh);
    }
    print_table(all_entries);
    std::cout << "wrote " << settings.out.string() << "\n";
    return 0;
  } catch (const std::exception& error) {
    std::cerr << "hypatia-suite: " << error.what() << "\n";
    return 1;
  }
}
