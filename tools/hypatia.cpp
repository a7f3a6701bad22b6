// The hypatia command-line tool: list the bundled models, sample one and print its summary.

#include <CLI/CLI.hpp>

#include <iostream>
#include <map>

#include "hypatia/diagnostics.hpp"
#include "hypatia/error.hpp"
#include "hypatia/io.hpp"
#include "hypatia/models.hpp"
#include "hypatia/sample.hpp"

namespace {

struct SampleCommand {
  std::string model;
  hypatia::SampleOptions options;
  std::string output;
  std::string csv;
  bool quiet = false;
};

void list_models() {
  for (const hypatia::BundledModel& model : hypatia::bundled_models()) {
    std::cout << model.name << "\n    " << model.description << "\n";
  }
}

void run_sample(SampleCommand& command) {
  const hypatia::BundledModel& bundled = hypatia::find_bundled_model(command.model);
  if (command.options.target_accept <= 0) command.options.target_accept = bundled.target_accept;
  command.options.progress = !command.quiet;
  const hypatia::Model model = bundled.build();
  hypatia::InferenceData data = hypatia::sample(model, command.options);
  data.attributes["model_name"] = bundled.name;
  hypatia::diagnostics::print_summary(std::cout, hypatia::diagnostics::summarize(data));
  if (!command.output.empty()) {
    hypatia::write_netcdf(data, command.output);
    std::cout << "wrote " << command.output << "\n";
  }
  if (!command.csv.empty()) {
    for (const auto& path : hypatia::write_cmdstan_csv(data, command.csv)) {
      std::cout << "wrote " << path.string() << "\n";
    }
  }
}

void add_sample_command(CLI::App& app, SampleCommand& command) {
  CLI::App* sample = app.add_subcommand("sample", "Sample a bundled model and print its summary");
  auto& options = command.options;
  options.target_accept = 0;  // 0: the model's own default
  sample->add_option("model", command.model, "Name of a bundled model (see `hypatia list`)")
      ->required();
  sample->add_option("--chains", options.chains, "Number of chains")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  sample->add_option("--draws", options.draws, "Draws kept per chain (SMC: particles)")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{100000000}));
  sample->add_option("--tune", options.tune, "Warm-up iterations per chain (NUTS)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  sample->add_option("--seed", options.seed, "Random seed")->capture_default_str();
  sample->add_option("--cores", options.cores, "Threads running chains (0: one per core)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  sample
      ->add_option("--target-accept", options.target_accept,
                   "NUTS target acceptance (default: the model's, usually 0.8)")
      ->check(CLI::Range(0.05, 0.999));
  const std::map<std::string, hypatia::Backend> backends = {{"interp", hypatia::Backend::interp},
                                                            {"native", hypatia::Backend::native}};
  sample->add_option("--backend", options.backend, "Execution backend: interp or native")
      ->transform(CLI::CheckedTransformer(backends, CLI::ignore_case))
      ->default_str("native");
  const std::map<std::string, hypatia::SamplerKind> samplers = {
      {"nuts", hypatia::SamplerKind::nuts}, {"smc", hypatia::SamplerKind::smc}};
  sample->add_option("--sampler", options.sampler, "Sampler: nuts or smc")
      ->transform(CLI::CheckedTransformer(samplers, CLI::ignore_case))
      ->default_str("nuts");
  const std::map<std::string, hypatia::MetricKind> metrics = {
      {"diag", hypatia::MetricKind::diagonal}, {"dense", hypatia::MetricKind::dense}};
  sample->add_option("--metric", options.metric, "NUTS mass matrix: diag or dense")
      ->transform(CLI::CheckedTransformer(metrics, CLI::ignore_case))
      ->default_str("diag");
  sample->add_option("--output,-o", command.output, "Write an InferenceData NetCDF-4 file");
  sample->add_option("--csv", command.csv, "Write CmdStan-style CSV (one file per chain)");
  sample->add_flag("--quiet,-q", command.quiet, "No progress bar");
  sample->callback([&command] {
    if (command.options.sampler == hypatia::SamplerKind::smc) {
      command.options.particles = command.options.draws;
    }
    run_sample(command);
  });
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Hypatia: Bayesian inference on compiled tensor graphs"};
  app.require_subcommand(1);
  app.add_subcommand("list", "List the bundled models")->callback(list_models);
  SampleCommand sample_command;
  add_sample_command(app, sample_command);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error);
  } catch (const hypatia::Error& error) {
    std::cerr << "error: " << error.what() << "\n";
    return 1;
  }
  return 0;
}
