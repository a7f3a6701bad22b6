#pragma once

// The one helper every gradient test uses: symbolic gradients (evaluated by the interpreter)
// compared with central finite differences of the same graph's values.

#include <functional>
#include <random>
#include <vector>

#include "hypatia/hypatia.hpp"

namespace hypatia::testing {

// A tensor of uniform draws in [low, high).
Tensor random_tensor(const Shape& shape, std::mt19937_64& rng, double low = -1.0, double high = 1.0,
                     DType dtype = DType::float64);

struct GradCheckOptions {
  double step = 1e-6;  // relative finite-difference step
  double rtol = 1e-5;
  double atol = 1e-7;
  // How far the backends' symbolic gradients may differ (relative); see backends.hpp.
  double backend_rtol = 1e-12;
};

using GraphBuilder = std::function<Expr(const Exprs& inputs)>;

// Builds f on placeholders shaped like `points`, reduces its output to a scalar with random
// weights, and checks d cost / d input for every floating input against central differences.
// The symbolic gradient is evaluated on every backend, which must agree (see backends.hpp).
// Integer and boolean inputs are held fixed. Reports failures through GoogleTest.
void expect_gradient_matches(const GraphBuilder& f, const std::vector<Tensor>& points,
                             const GradCheckOptions& options = {});

// The same for the second derivative: the gradient of (weighted gradient) against finite
// differences of the symbolic gradient.
void expect_second_derivative_matches(const GraphBuilder& f, const std::vector<Tensor>& points,
                                      const GradCheckOptions& options = {});

// Evaluates f on `points` on every backend (see backends.hpp); returns the interpreter's value.
Tensor evaluate_builder(const GraphBuilder& f, const std::vector<Tensor>& points);

}  // namespace hypatia::testing
