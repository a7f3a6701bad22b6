// Builds a small graph, differentiates it symbolically, prints both graphs and evaluates them on
// the reference interpreter and on the native backend (generated C++, compiled and cached).

#include <iostream>

#include "hypatia/hypatia.hpp"

int main() {
  using namespace hypatia;
  // log density of y ~ Normal(mu, sigma) for eight observations, up to a constant.
  Expr y = constant(Tensor::from_doubles({28, 8, -3, 7, -1, 1, 18, 12}, {8}));
  Expr mu = input("mu", {DType::float64, {}});
  Expr log_sigma = input("log_sigma", {DType::float64, {}});
  Expr z = (y - mu) / exp(log_sigma);
  Expr logp = sum(-0.5 * z * z - log_sigma);
  Exprs gradient = grad(logp, {mu, log_sigma});

  std::cout << "log density graph:\n" << print_graph(logp) << "\n";
  std::cout << "gradient graph:\n" << print_graph({gradient[0].node(), gradient[1].node()}) << "\n";

  Interpreter interpreter({mu.node(), log_sigma.node()},
                          {logp.node(), gradient[0].node(), gradient[1].node()});
  std::vector<Tensor> values = interpreter.run({Tensor::scalar(8.0), Tensor::scalar(2.0)});
  std::cout << "at mu = 8, log_sigma = 2:\n"
            << "  logp              = " << values[0].at(0) << "\n"
            << "  d logp/d mu        = " << values[1].at(0) << "\n"
            << "  d logp/d log_sigma = " << values[2].at(0) << "\n";

  // The same log density as the flat-vector entry samplers use, compiled natively.
  Expr theta = input("theta", {DType::float64, {2}});
  Expr logp_flat =
      substitute(logp.node(), {{mu.node().get(), slice(theta, 0, Index{0}).node()},
                               {log_sigma.node().get(), slice(theta, 0, Index{1}).node()}});
  LogpGrad native(theta, logp_flat, {.backend = Backend::native});
  const double point[] = {8.0, 2.0};
  double native_gradient[2];
  const double value = native(point, native_gradient);
  std::cout << "native backend (compiled in " << native.function().info().seconds << " s"
            << (native.function().info().cache_hit ? ", from the cache" : "") << "):\n"
            << "  logp = " << value << ", gradient = (" << native_gradient[0] << ", "
            << native_gradient[1] << ")\n";
  return 0;
}
