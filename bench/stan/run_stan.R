# Stan side of the speed comparison (see bench/compare-stan.sh).
#
# Usage: Rscript bench/stan/run_stan.R OUT.json [MODEL ...]
# Runs the named models (default: all) and merges one entry per model into OUT.json, keeping the
# entries of models not run this time, so a long suite can be run a few models at a time.
#
# Per model it measures:
# - compile: stanc (Stan -> C++) plus the C++ build of rstan's module, with -O3 and without
#   -march=native (Debian's rstan links prebuilt baseline x86-64 code; mixing the two crashes).
#   Elapsed and CPU seconds (this process and its children: the compiler).
# - gradient: one log density + gradient on the unconstrained scale at the posterior mean, as NUTS
#   calls it. Measured twice: through rstan's grad_log_prob from R (each call crosses R and an Rcpp
#   module, an overhead of microseconds) and in a tight C++ loop (grad_loop.cpp, built from the
#   same stanc output with the same flags). grad_us is the C++ loop's median thread CPU time.
# - NUTS: 4 chains x 1000 warm-up x 1000 draws, one chain at a time, Stan's default adaptation
#   (adapt_delta 0.8, max tree depth 10) unless STAN_ADAPT_DELTA / STAN_MAX_TREEDEPTH say otherwise.
#   The machine is shared, so besides the wall time we record the sampler's own per-chain times
#   (Stan 2.21 measures them with std::clock, i.e. CPU time); ESS per second uses those.
# - bulk ESS (posterior::ess_bulk) of every stored quantity except lp__ (parameters and
#   transformed parameters), its minimum, and for posteriordb models a check of the posterior
#   means against reference.json.

suppressPackageStartupMessages({
  library(rstan)
  library(posterior)
  library(jsonlite)
})

script_path <- normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
stan_dir <- dirname(script_path)
repo_dir <- normalizePath(file.path(stan_dir, "..", ".."))
shared_dir <- normalizePath(Sys.getenv("HYPATIA_SHARED_DIR", file.path(repo_dir, "..", "shared")))

settings <- list(
  chains = 4L,
  warmup = 1000L,
  draws = 1000L,
  adapt_delta = as.numeric(Sys.getenv("STAN_ADAPT_DELTA", "0.8")),
  max_treedepth = as.integer(Sys.getenv("STAN_MAX_TREEDEPTH", "10")),
  seed = as.integer(Sys.getenv("STAN_SEED", "20240611")),
  cxxflags = "-O3"
)

# Suite name -> data and, for posteriordb posteriors, the reference to check the means against.
posteriordb_model <- function(name, posterior) {
  list(name = name, posterior = posterior,
       data = file.path(shared_dir, "posteriordb", posterior, "data.json"),
       reference = file.path(shared_dir, "posteriordb", posterior, "reference.json"))
}
bench_data_model <- function(name, file) {
  list(name = name, posterior = NULL, data = file.path(shared_dir, "bench-data", file),
       reference = NULL)
}
models <- list(
  posteriordb_model("eight_schools", "eight_schools-eight_schools_noncentered"),
  posteriordb_model("diamonds", "diamonds-diamonds"),
  posteriordb_model("gp_pois_regr", "gp_pois_regr-gp_pois_regr"),
  posteriordb_model("garch11", "garch-garch11"),
  posteriordb_model("hmm_example", "hmm_example-hmm_example"),
  posteriordb_model("low_dim_gauss_mix", "low_dim_gauss_mix-low_dim_gauss_mix"),
  posteriordb_model("arK", "arK-arK"),
  posteriordb_model("blr", "sblrc-blr"),
  bench_data_model("radon", "radon_mn.json"),
  bench_data_model("logreg", "logreg_synth.json")
)
names(models) <- vapply(models, `[[`, "", "name")

cpu_seconds <- function(times) sum(times[c("user.self", "sys.self", "user.child", "sys.child")],
                                   na.rm = TRUE)
load_average <- function() as.numeric(strsplit(readLines("/proc/loadavg"), " ")[[1]][1])
log_line <- function(...) message(format(Sys.time(), "%H:%M:%S "), ...)

# A private Makevars replaces R's CXX*FLAGS (Debian's are -g -O2), so the build uses exactly -O3.
build_dir <- tempfile("stan-bench-")
dir.create(build_dir)
makevars <- file.path(build_dir, "Makevars")
writeLines(sprintf("%s = %s", c("CXXFLAGS", "CXX11FLAGS", "CXX14FLAGS", "CXX17FLAGS"),
                   settings$cxxflags), makevars)
Sys.setenv(R_MAKEVARS_USER = makevars)
# Debian's r-cran-bh is an empty shell (Boost comes from libboost-dev); tell rstan where it is.
rstan_options(boost_lib = "/usr/include")

# The compiler command R CMD SHLIB will run for rstan's module, as make expands it with our
# Makevars; stop if it is not -O3 or if anything adds -march=native.
module_compile_flags <- function() {
  expansion <- "print-flags: ; @echo $(CXX14) $(CXX14STD) $(CPPFLAGS) $(CXX14FLAGS) $(CXXPICFLAGS)"
  flags <- system2("make", c("-s", "-f", file.path(R.home("etc"), "Makeconf"), "-f", makevars,
                             "--eval", shQuote(expansion), "print-flags"), stdout = TRUE)
  flags <- paste(c(flags, rstan:::rstanplugin()$env$PKG_CPPFLAGS), collapse = " ")
  if (!grepl("-O3", flags, fixed = TRUE) || grepl("-march=native", flags, fixed = TRUE))
    stop("unexpected compiler flags for rstan's module: ", flags)
  gsub("[[:space:]]+", " ", flags)
}
settings$compile_flags <- module_compile_flags()

compile_model <- function(model) {
  stan_file <- file.path(stan_dir, "models", paste0(model$name, ".stan"))
  stanc_times <- system.time(translated <- stanc(stan_file, model_name = model$name))
  cxx_times <- system.time(compiled <- stan_model(stanc_ret = translated))
  list(compiled = compiled, translated = translated,
       compile_s = unname(stanc_times["elapsed"] + cxx_times["elapsed"]),
       compile_cpu_s = cpu_seconds(stanc_times) + cpu_seconds(cxx_times),
       stanc_s = unname(stanc_times["elapsed"]))
}

sample_model <- function(compiled, data) {
  times <- system.time(fit <- sampling(
    compiled, data = data, chains = settings$chains, iter = settings$warmup + settings$draws,
    warmup = settings$warmup, cores = 1, seed = settings$seed, refresh = 0,
    open_progress = FALSE,
    control = list(adapt_delta = settings$adapt_delta, max_treedepth = settings$max_treedepth)))
  list(fit = fit, wall_s = unname(times["elapsed"]), cpu_s = cpu_seconds(times))
}

sampler_statistics <- function(fit) {
  per_chain <- get_sampler_params(fit, inc_warmup = TRUE)
  warmup <- seq_len(settings$warmup)
  sum_over_chains <- function(column, rows) sum(vapply(per_chain, function(chain)
    sum(chain[rows, column]), 0))
  kept <- settings$warmup + seq_len(settings$draws)
  elapsed <- get_elapsed_time(fit)
  list(leapfrog = sum_over_chains("n_leapfrog__", c(warmup, kept)),
       leapfrog_warmup = sum_over_chains("n_leapfrog__", warmup),
       leapfrog_sampling = sum_over_chains("n_leapfrog__", kept),
       divergent = sum_over_chains("divergent__", kept),
       max_treedepth_hits = sum(vapply(per_chain, function(chain)
         sum(chain[kept, "treedepth__"] >= settings$max_treedepth), 0)),
       sampler_s = sum(elapsed),
       sampler_warmup_s = sum(elapsed[, "warmup"]),
       step_size = vapply(per_chain, function(chain) chain[settings$warmup + 1, "stepsize__"], 0))
}

# Posterior summary of every stored quantity but lp__.
summarise_fit <- function(fit) {
  draws <- as_draws_array(as.array(fit))
  draws <- subset_draws(draws, variable = setdiff(variables(draws), "lp__"))
  summary <- summarise_draws(draws, mean = mean, sd = sd, ess_bulk = ess_bulk, rhat = rhat)
  data.frame(variable = summary$variable, mean = as.numeric(summary$mean),
             sd = as.numeric(summary$sd), ess_bulk = as.numeric(summary$ess_bulk),
             rhat = as.numeric(summary$rhat))
}

# Largest |z| of (Stan mean - reference mean) over the reference parameters, each difference
# scaled by the Monte Carlo standard error of both means.
check_reference <- function(summary, reference_file) {
  reference <- fromJSON(reference_file, simplifyVector = FALSE)$parameters
  rows <- match(names(reference), summary$variable)
  if (anyNA(rows)) stop("parameters missing from the Stan fit: ",
                        paste(names(reference)[is.na(rows)], collapse = ", "))
  reference_mean <- vapply(reference, `[[`, 0, "mean")
  reference_sd <- vapply(reference, `[[`, 0, "sd")
  reference_ess <- vapply(reference, `[[`, 0, "ess_bulk")
  stan <- summary[rows, ]
  z <- (stan$mean - reference_mean) /
    sqrt(stan$sd^2 / stan$ess_bulk + reference_sd^2 / reference_ess)
  worst <- which.max(abs(z))
  list(max_abs_z = max(abs(z)), worst_parameter = names(reference)[worst],
       max_sd_ratio_deviation = max(abs(stan$sd / reference_sd - 1)),
       min_ess_bulk_reference_parameters = min(stan$ess_bulk),
       passed = max(abs(z)) < 5)
}

# Posterior mean of the `parameters` block, as the list unconstrain_pars expects.
posterior_mean_point <- function(fit) {
  draws <- extract(fit, permuted = TRUE)
  means <- lapply(draws, function(x) if (is.null(dim(x)) || length(dim(x)) == 1) mean(x) else
    apply(x, seq_along(dim(x))[-1], mean))
  means[setdiff(names(means), "lp__")]
}

# Median per-call times of `call` over batches long enough for the clock's resolution.
time_calls <- function(call, min_batch_s = 0.05, batches = 21) {
  calls <- 1
  while (cpu_seconds(system.time(for (i in seq_len(calls)) call())) < min_batch_s)
    calls <- calls * 2
  per_batch <- replicate(batches, {
    times <- system.time(for (i in seq_len(calls)) call())
    c(cpu = cpu_seconds(times), wall = unname(times["elapsed"])) / calls * 1e6
  })
  list(cpu_us = median(per_batch["cpu", ]), wall_us = median(per_batch["wall", ]))
}

build_grad_loop <- function(model, translated) {
  directory <- file.path(build_dir, model$name)
  dir.create(directory)
  writeLines(translated$cppcode, file.path(directory, "model.cpp"))
  writeLines(c('#include "model.cpp"', sprintf('#include "%s"', file.path(stan_dir, "grad_loop.cpp"))),
             file.path(directory, "grad_loop_main.cpp"))
  plugin <- rstan:::rstanplugin()$env
  executable <- file.path(directory, "grad_loop")
  build_log <- file.path(directory, "build.log")
  # -w: Eigen 3.3 under GCC 12 prints thousands of -Wignored-attributes warnings.
  command <- paste(system2("R", c("CMD", "config", "CXX14"), stdout = TRUE), "-std=gnu++14",
                   plugin$PKG_CPPFLAGS, "-I/usr/include -DNDEBUG -w", settings$cxxflags,
                   shQuote(file.path(directory, "grad_loop_main.cpp")), "-o", shQuote(executable),
                   "-L/usr/lib/R/site-library/StanHeaders/lib -lStanHeaders -ltbb -pthread",
                   ">", shQuote(build_log), "2>&1")
  times <- system.time(status <- system(command))
  if (status != 0) stop("building grad_loop for ", model$name, " failed (", command, "): ",
                        paste(tail(readLines(build_log), 20), collapse = "\n"))
  list(executable = executable, directory = directory, build_cpu_s = cpu_seconds(times))
}

measure_gradient <- function(model, fit, translated, data) {
  point <- unconstrain_pars(fit, posterior_mean_point(fit))
  r_gradient <- grad_log_prob(fit, point, adjust_transform = TRUE)
  r_call <- time_calls(function() grad_log_prob(fit, point, adjust_transform = TRUE))

  loop <- build_grad_loop(model, translated)
  data_file <- file.path(loop$directory, "data.R")
  stan_rdump(names(data), data_file, envir = list2env(data))
  point_file <- file.path(loop$directory, "point.txt")
  writeLines(format(point, digits = 17), point_file)
  output <- system2(loop$executable, c(data_file, point_file, "0.05", "21"), stdout = TRUE)
  measured <- fromJSON(paste(output, collapse = "\n"))
  gradient_difference <- max(abs(measured$grad - as.numeric(r_gradient)) /
                               pmax(1, abs(as.numeric(r_gradient))))
  if (gradient_difference > 1e-8)
    stop("grad_loop's gradient differs from rstan's for ", model$name, ": ", gradient_difference)
  list(grad_us = measured$cpu_us_median, grad_wall_us = measured$wall_us_median,
       grad_min_us = measured$cpu_us_min, grad_r_call_us = r_call$cpu_us,
       grad_r_call_wall_us = r_call$wall_us, grad_loop_build_cpu_s = loop$build_cpu_s,
       dimension = length(point))
}

run_model <- function(model) {
  log_line(model$name, ": compiling")
  load_before <- load_average()
  data <- fromJSON(model$data, simplifyVector = TRUE)
  compiled <- compile_model(model)
  log_line(model$name, ": compiled in ", round(compiled$compile_s, 1), " s (CPU ",
           round(compiled$compile_cpu_s, 1), " s); sampling")
  sampled <- sample_model(compiled$compiled, data)
  statistics <- sampler_statistics(sampled$fit)
  summary <- summarise_fit(sampled$fit)
  log_line(model$name, ": sampled in ", round(sampled$wall_s, 1), " s (sampler CPU ",
           round(statistics$sampler_s, 1), " s); timing the gradient")
  gradient <- measure_gradient(model, sampled$fit, compiled$translated, data)
  min_ess <- min(summary$ess_bulk)
  entry <- c(
    list(model = model$name, posterior = model$posterior,
         compile_s = compiled$compile_s, compile_cpu_s = compiled$compile_cpu_s,
         stanc_s = compiled$stanc_s),
    gradient,
    list(wall_s = sampled$wall_s, wall_cpu_s = sampled$cpu_s),
    statistics,
    list(min_ess_bulk = min_ess,
         min_ess_bulk_per_s = min_ess / statistics$sampler_s,
         min_ess_bulk_per_wall_s = min_ess / sampled$wall_s,
         leapfrog_per_ess = statistics$leapfrog / min_ess,
         max_rhat = max(summary$rhat),
         reference_check = if (is.null(model$reference)) NULL else
           check_reference(summary, model$reference),
         load_average_before = load_before, load_average_after = load_average(),
         parameters = lapply(split(summary[, -1], summary$variable), as.list)))
  log_line(model$name, ": grad ", signif(gradient$grad_us, 3), " us, min ESS ",
           round(min_ess), ", ", signif(entry$min_ess_bulk_per_s, 3), " ESS/s (sampler CPU)")
  entry
}

merge_into <- function(out_file, entries) {
  previous <- if (file.exists(out_file)) fromJSON(out_file, simplifyVector = FALSE)$models else list()
  kept <- Filter(function(entry) !(entry$model %in% names(entries)), previous)
  all_entries <- c(kept, unname(entries))
  order_in_suite <- order(match(vapply(all_entries, `[[`, "", "model"), names(models)))
  result <- list(
    generator = "bench/stan/run_stan.R",
    rstan_version = as.character(packageVersion("rstan")),
    stan_version = stan_version(),
    compiler = system2("g++", "--version", stdout = TRUE)[1],
    settings = settings,
    definitions = list(
      compile_s = "elapsed seconds of stanc plus the C++ build of the rstan module (cold)",
      grad_us = "median thread CPU microseconds of one stan::model::gradient call (what NUTS calls per leapfrog step) in a C++ loop",
      grad_wall_us = "the same in elapsed time (inflated when the machine is loaded)",
      grad_r_call_us = "median CPU microseconds of one rstan::grad_log_prob call from R",
      wall_s = "elapsed seconds of all chains, run one after another",
      sampler_s = "sum over chains of Stan's own warm-up + sampling times (std::clock: CPU time)",
      leapfrog = "leapfrog steps of warm-up and sampling, all chains",
      min_ess_bulk = "min over parameters and transformed parameters of posterior::ess_bulk",
      min_ess_bulk_per_s = "min_ess_bulk / sampler_s",
      min_ess_bulk_per_wall_s = "min_ess_bulk / wall_s",
      leapfrog_per_ess = "leapfrog / min_ess_bulk"),
    models = all_entries[order_in_suite])
  write_json(result, out_file, auto_unbox = TRUE, digits = NA, pretty = TRUE, null = "null")
}

main <- function(args) {
  if (length(args) < 1) stop("usage: Rscript run_stan.R OUT.json [MODEL ...]")
  out_file <- args[1]
  requested <- if (length(args) > 1) args[-1] else names(models)
  unknown <- setdiff(requested, names(models))
  if (length(unknown) > 0) stop("unknown models: ", paste(unknown, collapse = ", "),
                                "; known: ", paste(names(models), collapse = ", "))
  for (name in requested) {
    entry <- tryCatch(run_model(models[[name]]), error = function(error) {
      log_line(name, ": FAILED: ", conditionMessage(error))
      list(model = name, error = conditionMessage(error))
    })
    merge_into(out_file, setNames(list(entry), name))
  }
}

main(commandArgs(trailingOnly = TRUE))
