// One log density + gradient of a Gaussian-process marginal likelihood (Matern52 kernel, 200
// points, parameters log ell, log eta, log sigma): the graph built with the gp:: covariance
// builders and compiled natively, against a hand-written Eigen implementation of the same
// function and its analytic gradient (0.5 tr((a a^T - K^-1) dK/dtheta)). Prints both median
// times and their ratio. Usage: hypatia-bench-gp-marginal [n] (default 200).

#include <Eigen/Dense>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "hypatia/gp/covariance.hpp"
#include "hypatia/hypatia.hpp"
#include "timing.hpp"

namespace {

using namespace hypatia;

template <typename F>
double median_seconds(F&& call) {
  return bench::median_seconds(call, 7, 1.0);
}

constexpr double kJitter = 1e-6;

// The hand-written reference: K = eta^2 M52(r / ell) + (sigma^2 + jitter) I, log N(y | 0, K)
// and its gradient in (log ell, log eta, log sigma) from W = a a^T - K^-1 (a = K^-1 y):
// d logp / d theta = tr(W dK/dtheta) / 2. Buffers are allocated once, as in a tuned model.
struct EigenMarginal {
  Eigen::VectorXd x, y, a;
  Eigen::MatrixXd distance, kernel, dk_dlog_ell, k, w;
  Eigen::LLT<Eigen::MatrixXd> llt;

  void resize(Eigen::Index n) {
    a.resize(n);
    kernel.resize(n, n);
    dk_dlog_ell.resize(n, n);
    k.resize(n, n);
    w.resize(n, n);
    llt = Eigen::LLT<Eigen::MatrixXd>(n);
  }

  double operator()(const double* theta, double* grad) {
    const double ell = std::exp(theta[0]), eta = std::exp(theta[1]), sigma = std::exp(theta[2]);
    const auto n = x.size();
    const double sqrt5 = std::sqrt(5.0);
    for (Eigen::Index j = 0; j < n; ++j) {
      for (Eigen::Index i = j; i < n; ++i) {
        const double r = distance(i, j) / ell;
        const double e = std::exp(-sqrt5 * r);
        // d m52 / d log ell = (5/3) r^2 (1 + sqrt5 r) e.
        kernel(i, j) = eta * eta * (1 + sqrt5 * r + 5.0 / 3.0 * r * r) * e;
        dk_dlog_ell(i, j) = eta * eta * (5.0 / 3.0) * r * r * (1 + sqrt5 * r) * e;
        k(i, j) = kernel(i, j);
      }
      k(j, j) += sigma * sigma + kJitter;
    }
    llt.compute(k);  // reads the lower triangle
    a = llt.solve(y);
    const double logdet = 2 * llt.matrixL().nestedExpression().diagonal().array().log().sum();
    const double logp = -0.5 * y.dot(a) - 0.5 * logdet - 0.5 * n * std::log(2 * std::numbers::pi);
    w.setIdentity();
    llt.solveInPlace(w);  // K^-1
    // Sums over the symmetric matrices from their lower triangles.
    double ell_sum = 0.0, eta_sum = 0.0, trace = 0.0;
    for (Eigen::Index j = 0; j < n; ++j) {
      const double wjj = a(j) * a(j) - w(j, j);
      ell_sum += 0.5 * wjj * dk_dlog_ell(j, j);
      eta_sum += 0.5 * wjj * kernel(j, j);
      trace += wjj;
      for (Eigen::Index i = j + 1; i < n; ++i) {
        const double wij = a(i) * a(j) - w(i, j);
        ell_sum += wij * dk_dlog_ell(i, j);
        eta_sum += wij * kernel(i, j);
      }
    }
    grad[0] = ell_sum;
    grad[1] = 2.0 * eta_sum;          // d K / d log eta = 2 K_f
    grad[2] = trace * sigma * sigma;  // d K / d log sigma = 2 sigma^2 I
    return logp;
  }
};

}  // namespace

int main(int argc, char** argv) {
  const std::int64_t n = argc > 1 ? std::stoll(argv[1]) : 200;
  std::mt19937_64 generator(3);
  std::uniform_real_distribution<double> uniform(0.0, 10.0);
  std::normal_distribution<double> noise(0.0, 0.3);
  std::vector<double> inputs(n), outputs(n);
  for (auto& v : inputs) v = uniform(generator);
  std::sort(inputs.begin(), inputs.end());
  for (std::int64_t i = 0; i < n; ++i) outputs[i] = std::sin(inputs[i]) + noise(generator);

  // The graph: parameters in one flat vector, data as constants.
  const Expr theta = input("theta", {DType::float64, {3}});
  const Expr ell = exp(slice(theta, 0, Index{0}));
  const Expr eta = exp(slice(theta, 0, Index{1}));
  const Expr sigma = exp(slice(theta, 0, Index{2}));
  const Expr x_data = constant(Tensor::from_doubles(inputs, {n, 1}));
  const Expr y_data = constant(Tensor::from_doubles(outputs, {n}));
  const Expr k = square(eta) * gp::matern52(x_data, std::nullopt, ell) +
                 diag(full_like(y_data, 0.0) + (square(sigma) + kJitter));
  const Expr l = cholesky(k);
  const Expr whitened = solve_triangular(l, y_data, true);
  const Expr logp = -0.5 * sum(square(whitened)) - 0.5 * cholesky_logdet(l) -
                    0.5 * static_cast<double>(n) * std::log(2 * std::numbers::pi);
  LogpGrad compiled(theta, logp);

  EigenMarginal reference;
  reference.x = Eigen::Map<Eigen::VectorXd>(inputs.data(), n);
  reference.y = Eigen::Map<Eigen::VectorXd>(outputs.data(), n);
  reference.distance =
      (reference.x.replicate(1, n) - reference.x.transpose().replicate(n, 1)).cwiseAbs();
  reference.resize(n);

  const double point[3] = {std::log(1.2), std::log(0.8), std::log(0.3)};
  double grad_graph[3], grad_eigen[3];
  const double logp_graph = compiled(point, grad_graph);
  const double logp_eigen = reference(point, grad_eigen);
  std::printf("logp   graph %.10g  eigen %.10g\n", logp_graph, logp_eigen);
  std::printf("grad   graph %.8g %.8g %.8g\n       eigen %.8g %.8g %.8g\n", grad_graph[0],
              grad_graph[1], grad_graph[2], grad_eigen[0], grad_eigen[1], grad_eigen[2]);
  const double graph_time = median_seconds([&] { compiled(point, grad_graph); });
  const double eigen_time = median_seconds([&] { reference(point, grad_eigen); });
  std::printf("n=%lld  hypatia %.1f us  eigen %.1f us  ratio %.2f\n", static_cast<long long>(n),
              graph_time * 1e6, eigen_time * 1e6, graph_time / eigen_time);
  return 0;
}
