#include "support/gradient_check.hpp"

#include "support/backends.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace hypatia::testing {

Tensor random_tensor(const Shape& shape, std::mt19937_64& rng, double low, double high,
                     DType dtype) {
  std::uniform_real_distribution<double> uniform(low, high);
  Tensor t(dtype, shape);
  for (std::int64_t i = 0; i < t.size(); ++i) t.set(i, uniform(rng));
  return t;
}

namespace {

struct Problem {
  std::vector<NodePtr> placeholders;
  Expr cost;
};

// Placeholders like `points`, and the scalar cost sum(f(x) * w) with fixed random weights w.
Problem build_problem(const GraphBuilder& f, const std::vector<Tensor>& points) {
  Problem problem;
  Exprs inputs;
  for (std::size_t i = 0; i < points.size(); ++i) {
    problem.placeholders.push_back(input("x" + std::to_string(i), points[i].type()));
    inputs.push_back(problem.placeholders.back());
  }
  Expr out = f(inputs);
  std::mt19937_64 rng(12345);
  Expr weights = constant(random_tensor(out.shape(), rng, 0.5, 1.5, DType::float64));
  problem.cost = sum(cast(out, DType::float64) * weights);
  return problem;
}

double evaluate_scalar(const Interpreter& interpreter, const std::vector<Tensor>& values) {
  return interpreter.run(values).front().at(0);
}

// Compares `symbolic` (one tensor per floating input) with central differences of `scalar_fn`.
void compare_with_differences(const std::function<double(const std::vector<Tensor>&)>& scalar_fn,
                              const std::vector<Tensor>& points,
                              const std::vector<Tensor>& symbolic,
                              const std::vector<std::size_t>& floating,
                              const GradCheckOptions& options) {
  for (std::size_t k = 0; k < floating.size(); ++k) {
    const std::size_t i = floating[k];
    for (std::int64_t j = 0; j < points[i].size(); ++j) {
      std::vector<Tensor> plus = points, minus = points;
      plus[i] = points[i].copy();
      minus[i] = points[i].copy();
      const double x = points[i].at(j);
      const double h = options.step * std::max(1.0, std::abs(x));
      plus[i].set(j, x + h);
      minus[i].set(j, x - h);
      const double numeric =
          (scalar_fn(plus) - scalar_fn(minus)) / (plus[i].at(j) - minus[i].at(j));
      const double analytic = symbolic[k].at(j);
      EXPECT_NEAR(analytic, numeric, options.atol + options.rtol * std::abs(numeric))
          << "input " << i << " element " << j << " at x = " << x;
    }
  }
}

std::vector<std::size_t> floating_inputs(const std::vector<Tensor>& points) {
  std::vector<std::size_t> floating;
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (is_floating(points[i].dtype())) floating.push_back(i);
  }
  return floating;
}

Exprs select(const std::vector<NodePtr>& nodes, const std::vector<std::size_t>& which) {
  Exprs selected;
  for (std::size_t i : which) selected.push_back(nodes[i]);
  return selected;
}

std::vector<NodePtr> to_nodes(const Exprs& exprs) {
  std::vector<NodePtr> nodes;
  for (const Expr& e : exprs) nodes.push_back(e.node());
  return nodes;
}

}  // namespace

Tensor evaluate_builder(const GraphBuilder& f, const std::vector<Tensor>& points) {
  std::vector<NodePtr> placeholders;
  Exprs inputs;
  for (std::size_t i = 0; i < points.size(); ++i) {
    placeholders.push_back(input("x" + std::to_string(i), points[i].type()));
    inputs.push_back(placeholders.back());
  }
  return evaluate_on_backends(placeholders, {f(inputs).node()}, points).front();
}

void expect_gradient_matches(const GraphBuilder& f, const std::vector<Tensor>& points,
                             const GradCheckOptions& options) {
  Problem problem = build_problem(f, points);
  const std::vector<std::size_t> floating = floating_inputs(points);
  Exprs gradients = grad(problem.cost, select(problem.placeholders, floating));
  const std::vector<Tensor> symbolic = evaluate_on_backends(
      problem.placeholders, to_nodes(gradients), points, {.rtol = options.backend_rtol});
  Interpreter cost_fn(problem.placeholders, {problem.cost.node()});
  compare_with_differences(
      [&](const std::vector<Tensor>& v) { return evaluate_scalar(cost_fn, v); }, points, symbolic,
      floating, options);
}

void expect_second_derivative_matches(const GraphBuilder& f, const std::vector<Tensor>& points,
                                      const GradCheckOptions& options) {
  Problem problem = build_problem(f, points);
  const std::vector<std::size_t> floating = floating_inputs(points);
  Exprs first = grad(problem.cost, select(problem.placeholders, floating));
  // A scalar from the first gradient, with fixed weights, differentiated once more.
  std::mt19937_64 rng(777);
  Expr inner = constant(0.0);
  for (const Expr& g : first) {
    inner = inner + sum(g * constant(random_tensor(g.shape(), rng, 0.5, 1.5)));
  }
  Exprs second = grad(inner, select(problem.placeholders, floating));
  const std::vector<Tensor> symbolic =
      Interpreter(problem.placeholders, to_nodes(second)).run(points);
  Interpreter inner_fn(problem.placeholders, {inner.node()});
  compare_with_differences(
      [&](const std::vector<Tensor>& v) { return evaluate_scalar(inner_fn, v); }, points, symbolic,
      floating, options);
}

}  // namespace hypatia::testing
