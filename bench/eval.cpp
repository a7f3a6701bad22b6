// Evaluation benchmark: per graph, compile time (cold and warm cache) and the median time of one
// log density + gradient evaluation on the interpreter, the native backend and (in builds with
// LLVM) the JIT backend, whose cold compile is also split into its phases (plus a hand-written C++
// floor for logistic regression). Writes a table to stdout and JSON to the given path.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>
#include <numbers>
#include <optional>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "backend/jit/jit_function.hpp"
#include "hypatia/hypatia.hpp"

namespace {

using namespace hypatia;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr double kHalfLog2Pi = 0.91893853320467274178;

// A log density over one flat parameter vector, with its gradient.
struct Problem {
  std::string name;
  Expr x;
  Expr logp;
  std::vector<double> point;  // where to evaluate
};

Expr normal_logpdf(const Expr& value, const Expr& mean, const Expr& scale) {
  Expr z = (value - mean) / scale;
  return -0.5 * z * z - log(scale) - kHalfLog2Pi;
}

Expr element(const Expr& x, std::int64_t i) {
  return slice(x, 0, Index{i});
}
Expr segment(const Expr& x, std::int64_t start, std::int64_t stop) {
  return slice(x, 0, Slice{start, stop, std::nullopt});
}

Expr doubles(const std::vector<double>& values) {
  return constant(Tensor::from_doubles(values, {static_cast<std::int64_t>(values.size())}));
}

nlohmann::json read_json(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  return nlohmann::json::parse(in);
}

Problem eight_schools() {
  Expr x = input("x", {DType::float64, {10}});
  Expr y = doubles({28, 8, -3, 7, -1, 1, 18, 12});
  Expr sigma = doubles({15, 10, 16, 11, 9, 11, 10, 18});
  Expr mu = element(x, 0), log_tau = element(x, 1), theta_raw = segment(x, 2, 10);
  Expr tau = exp(log_tau);
  Expr half_cauchy = std::log(2.0 / (std::numbers::pi * 5.0)) - log1p(square(tau / 5.0));
  Expr logp = normal_logpdf(mu, 0.0, 5.0) + half_cauchy + log_tau +
              sum(normal_logpdf(theta_raw, 0.0, 1.0)) +
              sum(normal_logpdf(y, mu + tau * theta_raw, sigma));
  std::vector<double> point(10, 0.1);
  return {"eight_schools", x, logp, point};
}

struct LogregData {
  std::int64_t n = 0, d = 0;
  std::vector<double> X, y;
};

LogregData load_logreg(const fs::path& data_dir) {
  nlohmann::json json = read_json(data_dir / "logreg_synth.json");
  LogregData data;
  data.n = json["N"];
  data.d = json["D"];
  for (const auto& row : json["X"]) {
    for (const auto& v : row) data.X.push_back(v.get<double>());
  }
  for (const auto& v : json["y"]) data.y.push_back(v.get<double>());
  return data;
}

Problem logreg(const LogregData& data) {
  Expr x = input("x", {DType::float64, {data.d + 1}});
  Expr X = constant(Tensor::from_doubles(data.X, {data.n, data.d}));
  Expr y = doubles(data.y);
  Expr alpha = element(x, 0), beta = segment(x, 1, data.d + 1);
  Expr eta = alpha + matmul(X, beta);
  Expr logp = normal_logpdf(alpha, 0.0, 2.0) + sum(normal_logpdf(beta, 0.0, 1.0)) +
              sum(y * eta - softplus(eta));
  std::vector<double> point(static_cast<std::size_t>(data.d + 1), 0.05);
  return {"logreg", x, logp, point};
}

Problem radon(const fs::path& data_dir) {
  nlohmann::json json = read_json(data_dir / "radon_mn.json");
  const std::int64_t n = json["N"], groups = json["J"];
  std::vector<std::int64_t> county;
  for (const auto& v : json["county_idx"]) county.push_back(v.get<std::int64_t>() - 1);
  std::vector<double> floor_measure = json["floor_measure"], log_radon = json["log_radon"];
  Expr x = input("x", {DType::float64, {5 + 2 * groups}});
  Expr idx = constant(Tensor::from_ints(county, {n}));
  Expr log_sigma = segment(x, 0, 3);
  Expr sigma = exp(log_sigma);
  Expr mu_alpha = element(x, 3), mu_beta = element(x, 4);
  Expr alpha_raw = segment(x, 5, 5 + groups), beta_raw = segment(x, 5 + groups, 5 + 2 * groups);
  Expr alpha = mu_alpha + element(sigma, 1) * alpha_raw;
  Expr beta = mu_beta + element(sigma, 2) * beta_raw;
  Expr mean = gather(alpha, idx) + doubles(floor_measure) * gather(beta, idx);
  Expr half_normal = std::log(2.0) + normal_logpdf(sigma, 0.0, 1.0);
  Expr logp = sum(half_normal + log_sigma) + normal_logpdf(mu_alpha, 0.0, 10.0) +
              normal_logpdf(mu_beta, 0.0, 10.0) + sum(normal_logpdf(alpha_raw, 0.0, 1.0)) +
              sum(normal_logpdf(beta_raw, 0.0, 1.0)) +
              sum(normal_logpdf(doubles(log_radon), mean, element(sigma, 0)));
  std::vector<double> point(static_cast<std::size_t>(5 + 2 * groups), 0.1);
  return {"radon", x, logp, point};
}

// GARCH(1,1): sigma2[t] = alpha0 + alpha1 (y[t-1] - mu)^2 + beta1 sigma2[t-1], 100 steps.
Problem garch(const fs::path& posterior_dir) {
  nlohmann::json json = read_json(posterior_dir / "garch-garch11" / "data.json");
  std::vector<double> y = json["y"];
  y.resize(101);
  const double sigma1 = json["sigma1"];
  Expr x = input("x", {DType::float64, {4}});
  Expr mu = element(x, 0);
  Expr alpha0 = exp(element(x, 1));
  Expr alpha1 = sigmoid(element(x, 2));
  Expr w = sigmoid(element(x, 3));
  Expr beta1 = (1.0 - alpha1) * w;
  Expr log_jacobian =
      element(x, 1) + log(alpha1) + log1p(-alpha1) + log(1.0 - alpha1) + log(w) + log1p(-w);
  std::vector<double> previous(y.begin(), y.end() - 1), current(y.begin() + 1, y.end());
  ScanResult result = scan(
      [&](const Exprs& slices, const Exprs& carries) {
        Expr sigma2 = alpha0 + alpha1 * square(slices[0] - mu) + beta1 * carries[0];
        return ScanStep{{sigma2}, {normal_logpdf(slices[1], mu, sqrt(sigma2))}};
      },
      {doubles(previous), doubles(current)}, {constant(sigma1 * sigma1)});
  Expr logp = normal_logpdf(constant(y[0]), mu, sigma1) + sum(result.outputs[0]) + log_jacobian;
  return {"garch", x, logp, {5.0, 0.0, -1.0, 0.5}};
}

// The fastest logistic-regression log density + gradient we can write by hand: one fused pass
// over X computes eta, the likelihood and both gradient contributions. Strict IEEE semantics (no
// -ffast-math) forbid the compiler to reorder the dot product's sum, so it is written with four
// independent accumulators that the compiler can keep in vector registers.
double dot4(const double* a, const double* b, std::int64_t n) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  std::int64_t j = 0;
  for (; j + 4 <= n; j += 4) {
    s0 += a[j] * b[j];
    s1 += a[j + 1] * b[j + 1];
    s2 += a[j + 2] * b[j + 2];
    s3 += a[j + 3] * b[j + 3];
  }
  for (; j < n; ++j) s0 += a[j] * b[j];
  return (s0 + s1) + (s2 + s3);
}

double logreg_handwritten(const LogregData& data, const double* theta, double* gradient) {
  const std::int64_t d = data.d;
  const double alpha = theta[0];
  const double* beta = theta + 1;
  double logp = -0.5 * alpha * alpha / 4.0 - std::log(2.0) - kHalfLog2Pi;
  gradient[0] = -alpha / 4.0;
  for (std::int64_t j = 0; j < d; ++j) {
    logp += -0.5 * beta[j] * beta[j] - kHalfLog2Pi;
    gradient[1 + j] = -beta[j];
  }
  double* beta_gradient = gradient + 1;
  const double* row = data.X.data();
  for (std::int64_t i = 0; i < data.n; ++i, row += d) {
    const double eta = alpha + dot4(row, beta, d);
    const double e = std::exp(-std::abs(eta));  // one exp serves softplus and the sigmoid
    const double softplus = std::max(eta, 0.0) + std::log1p(e);
    const double sigmoid = eta >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
    logp += data.y[i] * eta - softplus;
    const double residual = data.y[i] - sigmoid;
    gradient[0] += residual;
    for (std::int64_t j = 0; j < d; ++j) beta_gradient[j] += residual * row[j];
  }
  return logp;
}

// Median wall time of `run` in microseconds, over enough repetitions to take ~0.3 s (3 to 1000).
double median_microseconds(const std::function<void()>& run) {
  run();  // warm caches
  std::vector<double> times;
  const auto budget_start = Clock::now();
  while (times.size() < 3 ||
         (times.size() < 1000 && Clock::now() - budget_start < std::chrono::milliseconds(300))) {
    const auto start = Clock::now();
    run();
    times.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
  }
  std::nth_element(times.begin(), times.begin() + times.size() / 2, times.end());
  return times[times.size() / 2];
}

struct Record {
  std::string graph, backend;
  std::optional<double> compile_cold_s, compile_warm_s, eval_median_us;
  std::string error;
  std::optional<hypatia::jit::CompileTimes> jit_split;  // the JIT's cold compile by phase
  // The JIT with nothing in memory and the object on disk (another process, the same cache).
  std::optional<double> compile_disk_s;
  std::optional<hypatia::jit::CompileTimes> jit_disk_split;
  // The JIT's optimized tier: from the start of the cold compile until its code is in use; the
  // split is the background compile's.
  std::optional<double> compile_optimized_s;
  std::optional<hypatia::jit::CompileTimes> jit_optimized_split;
};

std::vector<Record> measure(const Problem& problem, const fs::path& cache_root) {
  std::vector<Record> records;
  for (Backend backend : {Backend::interp, Backend::native, Backend::jit}) {
    if (!backend_available(backend)) continue;
    Record record{
        problem.name, std::string(backend_name(backend)), {}, {}, {}, {}, {}, {}, {}, {}, {}};
    try {
      CompileOptions options;
      options.backend = backend;
      options.cache_dir = (cache_root / problem.name).string();
      fs::remove_all(options.cache_dir);
      {
        const auto start = Clock::now();
        LogpGrad cold(problem.x, problem.logp, options);
        if (backend == Backend::jit) {
          record.jit_split = jit::last_compile_times();
          jit::wait_for_optimized_code();  // then timed below, and on disk for the last row
          if (record.jit_split->optimized_later) {
            record.compile_optimized_s =
                std::chrono::duration<double>(Clock::now() - start).count();
            record.jit_optimized_split = jit::last_optimized_times();
          }
        }
        LogpGrad warm(problem.x, problem.logp, options);
        if (backend != Backend::interp) {
          record.compile_cold_s = cold.function().info().seconds;
          record.compile_warm_s = warm.function().info().seconds;
        }
        std::vector<double> gradient(problem.point.size());
        record.eval_median_us =
            median_microseconds([&] { warm(problem.point.data(), gradient.data()); });
      }
      if (backend == Backend::jit) {  // both gone: the JIT's memory holds nothing of this model
        LogpGrad from_disk(problem.x, problem.logp, options);
        record.compile_disk_s = from_disk.function().info().seconds;
        record.jit_disk_split = jit::last_compile_times();
        if (record.jit_disk_split->disk_cache != jit::DiskCache::hit) {
          record.error = "no disk hit: " + record.jit_disk_split->disk_problem;
        }
      }
    } catch (const std::exception& e) {
      record.error = e.what();
    }
    records.push_back(record);
  }
  return records;
}

std::string cell(const std::optional<double>& value, int precision) {
  if (!value) return "-";
  std::ostringstream out;
  out << std::fixed << std::setprecision(precision) << *value;
  return out.str();
}

nlohmann::json to_json(const std::vector<Record>& records) {
  nlohmann::json list = nlohmann::json::array();
  for (const Record& r : records) {
    nlohmann::json item = {{"graph", r.graph}, {"backend", r.backend}};
    item["compile_cold_s"] =
        r.compile_cold_s ? nlohmann::json(*r.compile_cold_s) : nlohmann::json(nullptr);
    item["compile_warm_s"] =
        r.compile_warm_s ? nlohmann::json(*r.compile_warm_s) : nlohmann::json(nullptr);
    if (r.compile_disk_s) item["compile_disk_s"] = *r.compile_disk_s;
    if (r.compile_optimized_s) item["compile_optimized_s"] = *r.compile_optimized_s;
    item["eval_median_us"] =
        r.eval_median_us ? nlohmann::json(*r.eval_median_us) : nlohmann::json(nullptr);
    if (!r.error.empty()) item["error"] = r.error;
    list.push_back(item);
  }
  return list;
}

}  // namespace

int main(int argc, char** argv) {
  const fs::path shared = argc > 1 ? fs::path(argv[1]) : fs::path("../shared");
  const fs::path json_path = argc > 2 ? fs::path(argv[2]) : fs::path("bench/results/eval.json");
  const fs::path cache_root = fs::temp_directory_path() / "hypatia-bench-eval-cache";

  const LogregData logreg_data = load_logreg(shared / "bench-data");
  std::vector<Problem> problems = {eight_schools(), logreg(logreg_data),
                                   radon(shared / "bench-data"), garch(shared / "posteriordb")};
  std::vector<Record> records;
  for (const Problem& problem : problems) {
    for (Record& r : measure(problem, cache_root)) records.push_back(std::move(r));
  }
  {
    std::vector<double> theta(static_cast<std::size_t>(logreg_data.d + 1), 0.05),
        gradient(theta.size());
    Record record{"logreg", "handwritten", {}, {}, {}, {}, {}, {}, {}, {}, {}};
    record.eval_median_us = median_microseconds(
        [&] { logreg_handwritten(logreg_data, theta.data(), gradient.data()); });
    records.push_back(record);
  }

  std::cout << std::left << std::setw(15) << "graph" << std::setw(13) << "backend" << std::right
            << std::setw(16) << "compile cold s" << std::setw(16) << "compile warm s"
            << std::setw(16) << "compile disk s" << std::setw(16) << "eval median us"
            << "\n";
  for (const Record& r : records) {
    std::cout << std::left << std::setw(15) << r.graph << std::setw(13) << r.backend << std::right
              << std::setw(16) << cell(r.compile_cold_s, 3) << std::setw(16)
              << cell(r.compile_warm_s, 4) << std::setw(16) << cell(r.compile_disk_s, 4)
              << std::setw(16) << cell(r.eval_median_us, 2);
    if (!r.error.empty()) std::cout << "   error: " << r.error.substr(0, 120);
    std::cout << "\n";
  }
  std::cout << "\njit compile by phase, ms (rewrites = the rest); cold: empty caches (the quick "
               "first tier when optimized follows), optimized: until the optimized code is in use "
               "(its phases the background compile's, the rest the quick tier before it), disk: "
               "the object from the disk cache\n"
            << std::left << std::setw(21) << "graph" << std::right;
  for (const char* phase : {"total", "rewrites", "setup", "lowering", "key", "IR build", "disk",
                            "optimize", "codegen", "link"}) {
    std::cout << std::setw(9) << phase;
  }
  std::cout << "\n";
  for (const Record& r : records) {
    for (const auto& [label, split, seconds] :
         {std::tuple{" cold", &r.jit_split, &r.compile_cold_s},
          std::tuple{" optimized", &r.jit_optimized_split, &r.compile_optimized_s},
          std::tuple{" disk", &r.jit_disk_split, &r.compile_disk_s}}) {
      if (!*split || !*seconds) continue;
      const jit::CompileTimes& t = **split;
      const double total = **seconds;
      const double rewrites = total - t.setup - t.lowering - t.key - t.ir_build - t.disk -
                              t.optimize - t.codegen - t.link;
      std::cout << std::left << std::setw(21) << r.graph + label << std::right << std::fixed
                << std::setprecision(1);
      for (double part : {total, rewrites, t.setup, t.lowering, t.key, t.ir_build, t.disk,
                          t.optimize, t.codegen, t.link}) {
        std::cout << std::setw(9) << part * 1e3;
      }
      std::cout << "\n";
    }
  }
  fs::create_directories(json_path.parent_path());
  std::ofstream(json_path) << to_json(records).dump(2) << "\n";
  std::cout << "wrote " << json_path << "\n";
  return 0;
}
