// Builds a small graph, differentiates it symbolically, prints both graphs and evaluates them.

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
  return 0;
}
