// The hypatia command-line tool: list the bundled models, sample one and print its summary, find
// its mode, or validate the posteriordb posteriors against their references.

#include <CLI/CLI.hpp>

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <limits>
#include <map>

#include "hypatia/diagnostics.hpp"
#include "hypatia/error.hpp"
#include "hypatia/infer/find_map.hpp"
#include "hypatia/infer/pathfinder.hpp"
#include "hypatia/interrupt.hpp"
#include "hypatia/io.hpp"
#include "hypatia/models.hpp"
#include "hypatia/sample.hpp"
#include "hypatia/sharded.hpp"
#include "hypatia/validation.hpp"

namespace {

struct SampleCommand {
  std::string model;
  hypatia::SampleOptions options;
  std::string output;
  std::string csv;
  bool quiet = false;
  bool metric_given = false;  // else the model's own metric
  int data_shards = 0;        // > 0: the observed rows split over the MPI ranks
};

// --backend for a command: interp, native or jit; the default is the build's (the JIT with LLVM).
void add_backend_option(CLI::App& command, hypatia::Backend& backend) {
  const std::map<std::string, hypatia::Backend> backends = {{"interp", hypatia::Backend::interp},
                                                            {"native", hypatia::Backend::native},
                                                            {"jit", hypatia::Backend::jit}};
  command.add_option("--backend", backend, "Execution backend: interp, native or jit")
      ->transform(CLI::CheckedTransformer(backends, CLI::ignore_case))
      ->default_str(std::string(hypatia::backend_name(hypatia::default_backend())));
}

// CLI11 2.1 saturates an integer out of its type's range (99999999999999999999 becomes 2^63 - 1)
// and wraps a negative one into an unsigned type (-1 becomes 2^64 - 1), so integer options are
// checked as text, before CLI11 converts them.
CLI::Validator integer_in(std::int64_t low, std::uint64_t high) {
  const std::string range = "[" + std::to_string(low) + ", " + std::to_string(high) + "]";
  return CLI::Validator(
      [low, high, range](std::string& text) -> std::string {
        const char* begin = text.data();
        const char* end = begin + text.size();
        bool fits = false;
        if (!text.empty() && text[0] == '-') {
          std::int64_t value = 0;
          const auto result = std::from_chars(begin, end, value);
          fits = result.ec == std::errc() && result.ptr == end && value >= low;
        } else {
          std::uint64_t value = 0;
          const auto result = std::from_chars(begin, end, value);
          fits = result.ec == std::errc() && result.ptr == end && value <= high &&
                 (low <= 0 || value >= static_cast<std::uint64_t>(low));
        }
        return fits ? std::string() : "expected an integer in " + range + ", got '" + text + "'";
      },
      "INT in " + range);
}

// Maxima: a thousand chains, 10^8 draws or warm-up iterations per chain (far beyond any real
// run; the memory estimate refuses what does not fit long before), any 64-bit seed.
constexpr std::int64_t max_chains = 1024;
constexpr std::int64_t max_iterations = 100000000;
constexpr std::uint64_t max_seed = std::numeric_limits<std::uint64_t>::max();

// An option given with an empty value (-o '') would silently write nothing.
void require_path(const CLI::Option* option, const std::string& path) {
  if (option->count() > 0 && path.empty()) {
    throw hypatia::Error(option->get_name() + ": the path is empty; name a file to write");
  }
}

// Checked before the model is built and sampled, so a typo in a directory costs nothing.
void check_output(const std::string& option, const std::string& path,
                  hypatia::StreamTargets streams, bool creates_directories = false) {
  try {
    hypatia::check_output_path(path, streams, creates_directories);
  } catch (const hypatia::Error& error) {
    throw hypatia::Error(option + ": " + error.what());
  }
}

void list_models() {
  for (const hypatia::BundledModel& model : hypatia::bundled_models()) {
    std::cout << model.name << "\n    " << model.description << "\n";
  }
}

void print_interruption(const hypatia::InferenceData& data) {
  std::cerr << "sampling was interrupted: kept " << data.attributes.at("draws_completed") << " of "
            << data.attributes.at("draws_requested") << " draws in " << data.chains << " of "
            << data.attributes.at("chains_requested")
            << " chains (the output is flagged sampling_interrupted = 1)\n";
}

void run_sample(SampleCommand& command) {
  const hypatia::BundledModel& bundled = hypatia::find_bundled_model(command.model);
  // NetCDF-4 needs a seekable file (see hypatia::StreamTargets); CSV streams to a device or pipe.
  if (!command.output.empty()) {
    check_output("--output", command.output, hypatia::StreamTargets::refuse);
  }
  if (!command.csv.empty()) {
    check_output("--csv", command.csv, hypatia::StreamTargets::write_through);
  }
  if (command.options.target_accept <= 0) command.options.target_accept = bundled.target_accept;
  if (!command.metric_given) command.options.metric = bundled.metric;
  command.options.max_tree_depth = bundled.max_tree_depth;
  command.options.progress = !command.quiet;
  hypatia::InferenceData data;
  if (command.data_shards > 0) {
    if (!bundled.build_shard) {
      throw hypatia::Error("--data-shards: model '" + bundled.name +
                           "' cannot be split into data shards (logreg and radon can)");
    }
    data = hypatia::sample_sharded(bundled.build_shard, command.data_shards, command.options,
                                   hypatia::ShardPlacement::mpi);
    if (hypatia::mpi_rank() != 0) return;  // rank 0 reports and writes
  } else {
    const hypatia::Model model = bundled.build();
    // Ctrl-C stops the chains and keeps their draws; a second Ctrl-C exits at once.
    hypatia::install_interrupt_handler();
    data = hypatia::sample(model, command.options);
  }
  data.attributes["model_name"] = bundled.name;
  const bool interrupted = data.attributes.count("sampling_interrupted") > 0;
  try {
    hypatia::diagnostics::print_summary(std::cout, hypatia::diagnostics::summarize(data));
  } catch (const hypatia::Error& error) {
    if (!interrupted) throw;
    std::cerr << "no summary of the partial draws: " << error.what() << "\n";
  }
  if (!command.output.empty()) {
    hypatia::write_netcdf(data, command.output);
    std::cout << "wrote " << command.output << "\n";
  }
  if (!command.csv.empty()) {
    for (const auto& path : hypatia::write_cmdstan_csv(data, command.csv)) {
      std::cout << "wrote " << path.string() << "\n";
    }
  }
  if (interrupted) print_interruption(data);
}

void add_sample_command(CLI::App& app, SampleCommand& command) {
  CLI::App* sample = app.add_subcommand("sample", "Sample a bundled model and print its summary");
  auto& options = command.options;
  options.target_accept = 0;  // 0: the model's own default
  sample->add_option("model", command.model, "Name of a bundled model (see `hypatia list`)")
      ->required();
  sample->add_option("--chains", options.chains, "Number of chains")
      ->capture_default_str()
      ->check(integer_in(1, max_chains));
  sample->add_option("--draws", options.draws, "Draws kept per chain (SMC: particles)")
      ->capture_default_str()
      ->check(integer_in(1, max_iterations));
  sample->add_option("--tune", options.tune, "Warm-up iterations per chain (NUTS)")
      ->capture_default_str()
      ->check(integer_in(0, max_iterations));
  sample->add_option("--seed", options.seed, "Random seed")
      ->capture_default_str()
      ->check(integer_in(0, max_seed));
  sample->add_option("--cores", options.cores, "Threads running chains (0: one per core)")
      ->capture_default_str()
      ->check(integer_in(0, max_chains));
  sample
      ->add_option("--threads-per-chain", options.threads_per_chain,
                   "Threads each chain's log density uses on large data; the draws do not depend "
                   "on it (0: the cores divided among the chains)")
      ->capture_default_str()
      ->check(integer_in(0, 1024));
  sample
      ->add_option("--target-accept", options.target_accept,
                   "NUTS target acceptance (default: the model's, usually 0.8)")
      ->check(CLI::Range(0.05, 0.999));
  add_backend_option(*sample, options.backend);
  const std::map<std::string, hypatia::SamplerKind> samplers = {
      {"nuts", hypatia::SamplerKind::nuts}, {"smc", hypatia::SamplerKind::smc}};
  sample->add_option("--sampler", options.sampler, "Sampler: nuts or smc")
      ->transform(CLI::CheckedTransformer(samplers, CLI::ignore_case))
      ->default_str("nuts");
  const std::map<std::string, hypatia::MetricKind> metrics = {
      {"diag", hypatia::MetricKind::diagonal},
      {"dense", hypatia::MetricKind::dense},
      {"fisher", hypatia::MetricKind::fisher_diagonal},
      {"fisher-low-rank", hypatia::MetricKind::fisher_low_rank}};
  CLI::Option* metric =
      sample
          ->add_option("--metric", options.metric,
                       "NUTS mass matrix: diag, dense, fisher (a diagonal from positions "
                       "and gradients) or fisher-low-rank (that diagonal with a low-rank "
                       "correction)")
          ->transform(CLI::CheckedTransformer(metrics, CLI::ignore_case))
          ->default_str("the model's, usually diag");
  const std::map<std::string, hypatia::WarmupSchedule> schedules = {
      {"stan", hypatia::WarmupSchedule::stan}, {"nutpie", hypatia::WarmupSchedule::nutpie}};
  sample
      ->add_option("--warmup", options.warmup_schedule,
                   "NUTS warm-up schedule: stan (windows doubling) or nutpie (metric updated "
                   "every draw, every 20th for fisher-low-rank, from overlapping windows; not "
                   "with dense)")
      ->transform(CLI::CheckedTransformer(schedules, CLI::ignore_case))
      ->default_str("stan");
  CLI::Option* output = sample->add_option(
      "--output,-o", command.output,
      "Write an InferenceData NetCDF-4 file (a regular file: NetCDF cannot stream)");
  CLI::Option* csv = sample->add_option(
      "--csv", command.csv,
      "Write CmdStan-style CSV (one file per chain; to a device or pipe such as /dev/stdout, "
      "all chains in one stream)");
  sample->add_flag("--log-likelihood", options.log_likelihood,
                   "Store the pointwise log likelihood (ArviZ's log_likelihood group, for az.loo)");
  sample->add_flag("--save-warmup", options.save_warmup,
                   "Keep the warm-up iterations (NUTS) as the NetCDF groups warmup_posterior and "
                   "warmup_sample_stats (the CSV holds the kept draws only)");
  sample->add_flag("--quiet,-q", command.quiet, "No progress bar");
  sample
      ->add_option("--data-shards", command.data_shards,
                   "Split the observed rows into this many shards over the ranks of an MPI job "
                   "(mpirun -n R): a multiple of R, or a divisor of R (then groups of this many "
                   "ranks share out the chains); draws do not depend on R")
      ->check(integer_in(1, 1 << 20));
  sample->callback([&command, metric, output, csv] {
    require_path(output, command.output);
    require_path(csv, command.csv);
    command.metric_given = metric->count() > 0;
    if (command.options.sampler == hypatia::SamplerKind::smc) {
      command.options.particles = command.options.draws;
    }
    run_sample(command);
  });
}

struct OptimizeCommand {
  std::string model;
  hypatia::MapOptions options;
};

// One line per scalar: "theta[3]  1.234".
void print_point(const hypatia::Point& values, const std::vector<hypatia::ModelVariable>& order) {
  std::cout << std::setprecision(6);
  for (const hypatia::ModelVariable& variable : order) {
    auto found = values.find(variable.name);
    if (found == values.end()) continue;
    const hypatia::Tensor& value = found->second;
    const std::int64_t count = hypatia::num_elements(value.shape());
    for (std::int64_t i = 0; i < count; ++i) {
      std::string label = variable.name;
      if (!value.shape().empty()) {
        std::string index;
        std::int64_t rest = i;
        for (std::size_t axis = value.shape().size(); axis-- > 0;) {
          const std::int64_t dim = value.shape()[axis];
          index = std::to_string(rest % dim) + (index.empty() ? "" : ", ") + index;
          rest /= dim;
        }
        label += "[" + index + "]";
      }
      std::cout << std::left << std::setw(24) << label << " " << value.at(i) << "\n";
    }
  }
}

void run_optimize(OptimizeCommand& command) {
  const hypatia::BundledModel& bundled = hypatia::find_bundled_model(command.model);
  const hypatia::Model model = bundled.build();
  const hypatia::MapResult result = hypatia::find_map(model, command.options);
  std::cout << "mode of " << bundled.name
            << (command.options.jacobian ? " (with the Jacobian, unconstrained space)"
                                         : " (without the Jacobian)")
            << "\n"
            << result.message << "\n"
            << "logp " << std::setprecision(10) << result.logp << " after " << result.iterations
            << " iterations, " << result.evaluations << " evaluations\n";
  print_point(result.values, model.variables());
  if (!result.converged) throw hypatia::Error("find_map " + result.message);
}

void add_optimize_command(CLI::App& app, OptimizeCommand& command) {
  CLI::App* optimize =
      app.add_subcommand("optimize", "Find a bundled model's posterior mode (L-BFGS) and print it");
  optimize->add_option("model", command.model, "Name of a bundled model (see `hypatia list`)")
      ->required();
  optimize->add_flag("--jacobian", command.options.jacobian,
                     "Keep the transforms' log-Jacobians: the mode on the unconstrained space "
                     "(default: the constrained mode, as PyMC's find_MAP)");
  optimize
      ->add_option("--max-evaluations", command.options.max_evaluations,
                   "Most log density evaluations")
      ->capture_default_str()
      ->check(integer_in(1, max_iterations));
  add_backend_option(*optimize, command.options.backend);
  optimize->callback([&command] { run_optimize(command); });
}

struct PathfinderCommand {
  std::string model;
  hypatia::PathfinderOptions options;
  hypatia::Backend backend = hypatia::default_backend();
  std::string output;
};

void run_pathfinder(PathfinderCommand& command) {
  const hypatia::BundledModel& bundled = hypatia::find_bundled_model(command.model);
  if (!command.output.empty()) {
    check_output("--output", command.output, hypatia::StreamTargets::refuse);
  }
  hypatia::ModelPathfinder fit =
      hypatia::pathfinder(bundled.build(), command.options, command.backend);
  fit.data.attributes["model_name"] = bundled.name;
  for (std::size_t i = 0; i < fit.result.paths.size(); ++i) {
    std::cout << "path " << i << ": " << fit.result.paths[i].message << "\n";
  }
  std::cout << "Pareto k " << std::setprecision(3) << fit.result.pareto_k << " over "
            << fit.result.evaluations << " log density evaluations\n";
  hypatia::diagnostics::print_summary(std::cout, hypatia::diagnostics::summarize(fit.data));
  if (!command.output.empty()) {
    hypatia::write_netcdf(fit.data, command.output);
    std::cout << "wrote " << command.output << "\n";
  }
}

void add_pathfinder_command(CLI::App& app, PathfinderCommand& command) {
  CLI::App* pathfinder = app.add_subcommand(
      "pathfinder", "Approximate a bundled model's posterior with Pathfinder and print a summary");
  auto& options = command.options;
  pathfinder->add_option("model", command.model, "Name of a bundled model (see `hypatia list`)")
      ->required();
  pathfinder->add_option("--num-paths", options.num_paths, "Paths from different starts")
      ->capture_default_str()
      ->check(integer_in(1, max_chains));
  pathfinder->add_option("--num-draws", options.num_draws, "Draws from each path's approximation")
      ->capture_default_str()
      ->check(integer_in(1, max_iterations));
  pathfinder
      ->add_option("--num-psis-draws", options.num_psis_draws,
                   "Draws resampled from the pooled paths by PSIS weights")
      ->capture_default_str()
      ->check(integer_in(1, max_iterations));
  pathfinder->add_option("--history-size", options.history_size, "L-BFGS correction pairs")
      ->capture_default_str()
      ->check(integer_in(1, 1000));
  pathfinder->add_option("--seed", options.seed, "Random seed")
      ->capture_default_str()
      ->check(integer_in(0, max_seed));
  pathfinder->add_option("--cores", options.cores, "Threads running paths (0: one per core)")
      ->capture_default_str()
      ->check(integer_in(0, max_chains));
  add_backend_option(*pathfinder, command.backend);
  pathfinder->add_option("--output,-o", command.output,
                         "Write the draws as NetCDF (InferenceData)");
  pathfinder->callback([&command] { run_pathfinder(command); });
}

struct ValidateCommand {
  std::vector<std::string> names;
  std::string output = "results/posteriordb.json";
  hypatia::ValidationOptions options;
  bool all_passed = true;
};

void print_validation(const hypatia::PosteriorValidation& result) {
  std::printf("%-45s %s  max|z| %5.2f  max R-hat %.4f  divergences %4lld  %7.1f s\n",
              result.name.c_str(), result.passed ? "pass" : "FAIL", result.max_abs_z,
              result.max_rhat, static_cast<long long>(result.divergences), result.seconds);
  for (const std::string& failure : result.failures) std::printf("    %s\n", failure.c_str());
  for (std::size_t run = 0; run < result.earlier_failures.size(); ++run) {
    std::printf(
        "    run %zu (seed %llu) had failed:\n", run + 1,
        static_cast<unsigned long long>(result.seed - result.earlier_failures.size() + run));
    for (const std::string& failure : result.earlier_failures[run]) {
      std::printf("      %s\n", failure.c_str());
    }
  }
  std::fflush(stdout);
}

void run_validate(ValidateCommand& command) {
  if (command.names.empty()) command.names = hypatia::posteriordb_model_names();
  std::vector<const hypatia::BundledModel*> models;
  for (const std::string& name : command.names) {
    models.push_back(&hypatia::find_bundled_model(name));
  }
  check_output("--output", command.output, hypatia::StreamTargets::write_through,
               /*creates_directories=*/true);
  for (const std::string& name : command.names) {
    hypatia::load_reference_posterior(name);  // a broken reference fails now, not after a run
  }
  std::vector<hypatia::PosteriorValidation> results;
  for (const hypatia::BundledModel* model : models) {
    results.push_back(hypatia::validate_posterior(*model, command.options));
    print_validation(results.back());
    // Rewritten after each posterior, so a long run leaves its results so far.
    hypatia::write_validation_json(results, command.options, command.output);
    command.all_passed = command.all_passed && results.back().passed;
  }
  std::size_t passed = 0;
  for (const auto& result : results) passed += result.passed;
  std::cout << passed << " of " << results.size() << " posteriors passed; wrote " << command.output
            << "\n";
}

void add_validate_command(CLI::App& app, ValidateCommand& command) {
  CLI::App* validate = app.add_subcommand(
      "validate",
      "Sample posteriordb posteriors (NUTS, 4 x 1000 warm-up x 1000 draws) and compare with the "
      "reference draws; exit status 2 when one fails");
  validate->add_option("names", command.names,
                       "Posteriors to validate (default: every bundled posteriordb posterior)");
  CLI::Option* output =
      validate->add_option("--output,-o", command.output, "Where to write the JSON results")
          ->capture_default_str();
  validate->add_option("--seed", command.options.seed, "Random seed")
      ->capture_default_str()
      ->check(integer_in(0, max_seed));
  validate
      ->add_option("--confirmation-runs", command.options.confirmation_runs,
                   "Runs with the next seeds when a posterior fails; it is judged on the last")
      ->capture_default_str()
      ->check(integer_in(0, 100));
  validate
      ->add_option("--diagonal-metric", command.options.diagonal_metric,
                   "Metric for the models whose own is diagonal: diag, fisher or "
                   "fisher-low-rank")
      ->transform(CLI::CheckedTransformer(
          std::map<std::string, hypatia::MetricKind>{
              {"diag", hypatia::MetricKind::diagonal},
              {"fisher", hypatia::MetricKind::fisher_diagonal},
              {"fisher-low-rank", hypatia::MetricKind::fisher_low_rank}},
          CLI::ignore_case));
  validate
      ->add_option("--warmup", command.options.warmup_schedule,
                   "Warm-up schedule for the models whose metric is not dense: stan or nutpie")
      ->transform(CLI::CheckedTransformer(
          std::map<std::string, hypatia::WarmupSchedule>{
              {"stan", hypatia::WarmupSchedule::stan}, {"nutpie", hypatia::WarmupSchedule::nutpie}},
          CLI::ignore_case));
  add_backend_option(*validate, command.options.backend);
  validate->add_option("--cores", command.options.cores, "Threads running chains (0: one per core)")
      ->capture_default_str()
      ->check(integer_in(0, max_chains));
  validate->callback([&command, output] {
    require_path(output, command.output);
    run_validate(command);
  });
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Hypatia: Bayesian inference on compiled tensor graphs"};
  app.require_subcommand(0, 1);
  // A first word that names no command lands here (CLI11 would only say "A subcommand is
  // required"); hidden from --help.
  std::string unknown_command;
  app.add_option("command", unknown_command)->group("");
  app.add_subcommand("list", "List the bundled models")->callback(list_models);
  SampleCommand sample_command;
  add_sample_command(app, sample_command);
  OptimizeCommand optimize_command;
  add_optimize_command(app, optimize_command);
  PathfinderCommand pathfinder_command;
  add_pathfinder_command(app, pathfinder_command);
  ValidateCommand validate_command;
  add_validate_command(app, validate_command);
  try {
    app.parse(argc, argv);
    if (!unknown_command.empty()) {
      throw CLI::ValidationError(
          "unknown command '" + unknown_command +
          "'; the commands are list, sample, optimize and validate (see --help)");
    }
    if (app.get_subcommands().empty()) {
      throw CLI::RequiredError(
          "a command is required: list, sample, optimize or validate (see --help)");
    }
  } catch (const CLI::ParseError& error) {
    return app.exit(error);
  } catch (const hypatia::Error& error) {
    // One write, so ranks' messages do not interleave.
    const std::string rank =
        hypatia::mpi_ranks() > 1 ? "rank " + std::to_string(hypatia::mpi_rank()) + ": " : "";
    std::cerr << rank + "error: " + error.what() + "\n" << std::flush;
    // Raised on this rank alone, it would leave the others waiting for it.
    if (!dynamic_cast<const hypatia::CollectiveError*>(&error)) hypatia::mpi_abort(error.what());
    return hypatia::interrupt_requested() ? 130 : 1;
  } catch (const std::exception& error) {
    std::cerr << "internal error: " << error.what() << "\n";
    hypatia::mpi_abort(error.what());
    return 1;
  }
  if (hypatia::interrupt_requested()) return 130;  // after writing what was sampled
  return validate_command.all_passed ? 0 : 2;
}
