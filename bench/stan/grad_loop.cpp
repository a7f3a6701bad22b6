// Times one Stan log density + gradient evaluation in a tight C++ loop. rstan's grad_log_prob goes
// through R and an Rcpp module on every call, which for small models costs more than the gradient
// itself; here we call what Stan's NUTS calls per leapfrog step (stan::model::gradient: log_prob
// with propto and the Jacobian, on the unconstrained scale, in a nested autodiff scope that is
// recovered after each call), with the same headers and flags rstan compiles with.
//
// run_stan.R builds this file after the stanc-generated model code, which defines `stan_model`.
// Usage: grad_loop DATA.R POINT.txt MIN_BATCH_SECONDS BATCHES
// Prints one JSON object: log density, gradient, and per-call times (thread CPU and wall clock).
#include <stan/io/dump.hpp>
#include <stan/model/gradient.hpp>

#include <time.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

namespace {

double thread_cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec);
}

double wall_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

Eigen::VectorXd read_point(const std::string& path, size_t dimension) {
  std::ifstream in(path);
  std::vector<double> values;
  for (double value; in >> value;) values.push_back(value);
  if (values.size() != dimension) {
    std::cerr << "grad_loop: " << path << " holds " << values.size() << " numbers, the model has "
              << dimension << " unconstrained parameters\n";
    std::exit(2);
  }
  return Eigen::Map<Eigen::VectorXd>(values.data(), values.size());
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  size_t middle = values.size() / 2;
  return values.size() % 2 == 1 ? values[middle] : 0.5 * (values[middle - 1] + values[middle]);
}

struct BatchTimes {
  double cpu_seconds;
  double wall_seconds;
};

BatchTimes run_batch(const stan_model& model, const Eigen::VectorXd& point,
                     Eigen::VectorXd& gradient, long calls) {
  double cpu_start = thread_cpu_seconds();
  double wall_start = wall_seconds();
  double logp = 0;
  for (long call = 0; call < calls; ++call) stan::model::gradient(model, point, logp, gradient);
  return {thread_cpu_seconds() - cpu_start, wall_seconds() - wall_start};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: grad_loop DATA.R POINT.txt MIN_BATCH_SECONDS BATCHES\n";
    return 2;
  }
  std::ifstream data_stream(argv[1]);
  stan::io::dump data(data_stream);
  stan_model model(data, 0, &std::cerr);
  Eigen::VectorXd point = read_point(argv[2], model.num_params_r());
  double min_batch_seconds = std::stod(argv[3]);
  int batches = std::stoi(argv[4]);

  Eigen::VectorXd gradient(point.size());
  double logp = 0;
  stan::model::gradient(model, point, logp, gradient);

  // Grow the batch until it lasts long enough for the clocks' resolution not to matter.
  long calls = 1;
  while (run_batch(model, point, gradient, calls).cpu_seconds < min_batch_seconds) calls *= 2;

  std::vector<double> cpu_us, wall_us;
  for (int batch = 0; batch < batches; ++batch) {
    BatchTimes times = run_batch(model, point, gradient, calls);
    cpu_us.push_back(1e6 * times.cpu_seconds / static_cast<double>(calls));
    wall_us.push_back(1e6 * times.wall_seconds / static_cast<double>(calls));
  }

  std::cout << std::setprecision(17) << "{\"logp\": " << logp << ", \"grad\": [";
  for (Eigen::Index i = 0; i < gradient.size(); ++i) std::cout << (i ? ", " : "") << gradient[i];
  std::cout << std::setprecision(6) << "], \"calls_per_batch\": " << calls
            << ", \"batches\": " << batches << ", \"cpu_us_median\": " << median(cpu_us)
            << ", \"cpu_us_min\": " << *std::min_element(cpu_us.begin(), cpu_us.end())
            << ", \"wall_us_median\": " << median(wall_us) << "}\n";
  return 0;
}
