#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "hypatia/hypatia.hpp"
#include "support/backends.hpp"
#include "support/errors.hpp"
#include "support/gradient_check.hpp"

namespace hypatia {
namespace {

using testing::evaluate_on_backends;
using testing::random_tensor;

Tensor vector_of(const std::vector<double>& values) {
  return Tensor::from_doubles(values, {static_cast<std::int64_t>(values.size())});
}

using testing::contains;
using testing::error_message;

// ---- Values -------------------------------------------------------------------------------------

TEST(Scan, CumulativeSumAgainstLoop) {
  const std::vector<double> xs{0.5, -1.25, 2.0, 3.5, -0.75};
  Expr x = input("x", {DType::float64, {5}});
  ScanResult r = scan(
      [](const Exprs& slices, const Exprs& carries) {
        Expr next = carries[0] + slices[0];
        return ScanStep{{next}, {next}};
      },
      {x}, {constant(0.0)});
  std::vector<Tensor> values =
      evaluate_on_backends({r.carries[0].node(), r.outputs[0].node(), r.carry_history[0].node()},
                           {{"x", vector_of(xs)}});

  double total = 0.0;
  for (std::size_t t = 0; t < xs.size(); ++t) {
    EXPECT_DOUBLE_EQ(values[2].at(static_cast<std::int64_t>(t)), total) << "history at " << t;
    total += xs[t];
    EXPECT_DOUBLE_EQ(values[1].at(static_cast<std::int64_t>(t)), total) << "output at " << t;
  }
  EXPECT_DOUBLE_EQ(values[0].at(0), total);
  EXPECT_EQ(values[1].shape(), Shape({5}));
}

TEST(Scan, Ar1RecursionWithClosureOverOuterInput) {
  const std::vector<double> shocks{0.3, -0.2, 0.9, 0.1, -0.4, 0.6};
  const double phi = 0.7, x0 = 1.5;
  Expr e = input("e", {DType::float64, {6}});
  Expr phi_in = input("phi", {DType::float64, {}});
  ScanResult r = scan(
      [&](const Exprs& slices, const Exprs& carries) {
        Expr x = phi_in * carries[0] + slices[0];
        return ScanStep{{x}, {x}};
      },
      {e}, {input("x0", {DType::float64, {}})});
  Tensor path = evaluate_on_backends(
      r.outputs[0].node(),
      {{"e", vector_of(shocks)}, {"phi", Tensor::scalar(phi)}, {"x0", Tensor::scalar(x0)}});
  double x = x0;
  for (std::size_t t = 0; t < shocks.size(); ++t) {
    x = phi * x + shocks[t];
    EXPECT_NEAR(path.at(static_cast<std::int64_t>(t)), x, 1e-14) << "step " << t;
  }
}

// sigma2_t = omega + alpha r_{t-1}^2 + beta sigma2_{t-1}, carrying (sigma2, previous return).
ScanResult garch_variances(const Expr& returns, const Expr& omega, const Expr& alpha,
                           const Expr& beta, const Expr& sigma2_0) {
  return scan(
      [&](const Exprs& r, const Exprs& carries) {
        const Expr& sigma2_prev = carries[0];
        const Expr& r_prev = carries[1];
        Expr sigma2 = omega + alpha * r_prev * r_prev + beta * sigma2_prev;
        Expr log_density = -0.5 * (log(sigma2) + r[0] * r[0] / sigma2);
        // Carries: (sigma2, r); outputs: (sigma2, log density, an unused value).
        return ScanStep{{sigma2, r[0]}, {sigma2, log_density, exp(r[0])}};
      },
      {returns}, {sigma2_0, constant(0.0)});
}

TEST(Scan, Garch11VarianceRecursionAgainstLoop) {
  const std::vector<double> returns{0.4, -1.1, 0.25, 2.0, -0.3, 0.05, -0.9};
  const double omega = 0.1, alpha = 0.12, beta = 0.8, sigma2_0 = 0.5;
  ScanResult r = garch_variances(constant(vector_of(returns)), constant(omega), constant(alpha),
                                 constant(beta), constant(sigma2_0));
  std::vector<Tensor> values = evaluate_on_backends({r.outputs[0].node(), r.outputs[1].node()});

  double sigma2 = sigma2_0, r_prev = 0.0;
  for (std::size_t t = 0; t < returns.size(); ++t) {
    sigma2 = omega + alpha * r_prev * r_prev + beta * sigma2;
    const double log_density = -0.5 * (std::log(sigma2) + returns[t] * returns[t] / sigma2);
    r_prev = returns[t];
    EXPECT_NEAR(values[0].at(static_cast<std::int64_t>(t)), sigma2, 1e-14) << "step " << t;
    EXPECT_NEAR(values[1].at(static_cast<std::int64_t>(t)), log_density, 1e-14) << "step " << t;
  }
}

// Needs the reduce family's emitter (sum) on the native backend.
TEST(Scan, LoopInvariantsAreComputedOnceOutsideTheLoop) {
  Expr theta = input("theta", {DType::float64, {}});
  Expr rate = exp(theta);                                  // an outer non-constant subgraph
  Expr offset = sum(log(constant(vector_of({1, 2, 4}))));  // work on constant data
  ScanResult r = scan(
      [&](const Exprs&, const Exprs& carries) {
        return ScanStep{{carries[0] * rate + offset}, {}};
      },
      {}, {constant(1.0)}, {.n_steps = 4});
  // Both are passed in as inputs of the scan node rather than recomputed at every step.
  const NodePtr& node = r.carries[0]->input(0);
  ASSERT_EQ(node->op_name(), "scan");
  const std::vector<NodePtr>& inputs = node->inputs();
  ASSERT_EQ(inputs.size(), 3u);
  EXPECT_NE(std::find(inputs.begin(), inputs.end(), rate.node()), inputs.end());
  EXPECT_NE(std::find(inputs.begin(), inputs.end(), offset.node()), inputs.end());

  double c = 1.0;
  for (int t = 0; t < 4; ++t) c = c * std::exp(0.3) + std::log(8.0);
  EXPECT_NEAR(evaluate_on_backends(r.carries[0].node(), {{"theta", Tensor::scalar(0.3)}}).at(0), c,
              1e-13);
}

TEST(Scan, ReverseVisitsPositionsBackwardAndKeepsThem) {
  const std::vector<double> xs{1.0, 2.0, 4.0, 8.0};
  ScanResult r = scan(
      [](const Exprs& slices, const Exprs& carries) {
        Expr next = carries[0] + slices[0];
        return ScanStep{{next}, {next}};
      },
      {constant(vector_of(xs))}, {constant(0.0)}, {.n_steps = std::nullopt, .reverse = true});
  Tensor suffix_sums = evaluate_on_backends(r.outputs[0].node());
  EXPECT_EQ(suffix_sums.to_doubles(), std::vector<double>({15.0, 14.0, 12.0, 8.0}));
}

// Needs the reduce (sum) and shape (expand_dims) families' emitters on the native backend.
// An HMM forward pass on vector state: alpha_t(j) = sum_i alpha_{t-1}(i) A(i, j) * b_t(j).
TEST(Scan, HiddenMarkovForwardPassAgainstLoop) {
  const std::vector<double> transition{0.9, 0.1, 0.3, 0.7};
  const std::vector<double> emission{0.5, 0.2, 0.1, 0.6, 0.4, 0.4};  // (3 steps, 2 states)
  Expr a = constant(Tensor::from_doubles(transition, {2, 2}));
  ScanResult r = scan(
      [&](const Exprs& b, const Exprs& alpha) {
        Expr next = sum(expand_dims(alpha[0], {1}) * a, {0}) * b[0];
        return ScanStep{{next}, {next}};
      },
      {constant(Tensor::from_doubles(emission, {3, 2}))}, {constant(vector_of({0.6, 0.4}))});
  Tensor path = evaluate_on_backends(r.outputs[0].node());
  ASSERT_EQ(path.shape(), Shape({3, 2}));

  std::vector<double> alpha{0.6, 0.4};
  for (int t = 0; t < 3; ++t) {
    std::vector<double> next(2);
    for (int j = 0; j < 2; ++j) {
      next[j] = (alpha[0] * transition[j] + alpha[1] * transition[2 + j]) * emission[2 * t + j];
      EXPECT_NEAR(path.at(2 * t + j), next[j], 1e-15) << "t " << t << " state " << j;
    }
    alpha = next;
  }
}

TEST(Scan, EqualScansAreOneNode) {
  Expr x = input("x", {DType::float64, {5}});
  auto build = [&] {
    return scan(
        [](const Exprs& s, const Exprs& c) {
          return ScanStep{{c[0] + s[0]}, {c[0] * s[0]}};
        },
        {x}, {constant(0.0)});
  };
  EXPECT_EQ(build().carries[0].node(), build().carries[0].node());
  // Giving n_steps equal to the sequences' static length builds the same node.
  ScanResult with_steps = scan(
      [](const Exprs& s, const Exprs& c) {
        return ScanStep{{c[0] + s[0]}, {c[0] * s[0]}};
      },
      {x}, {constant(0.0)}, {.n_steps = 5});
  EXPECT_EQ(with_steps.carries[0].node(), build().carries[0].node());
}

TEST(Scan, ZeroStepsGiveEmptyOutputsAndInitialCarries) {
  ScanResult r = scan(
      [](const Exprs& s, const Exprs& c) {
        return ScanStep{{c[0] + s[0]}, {s[0]}};
      },
      {input("x", {DType::float64, {kUnknownDim, 3}})}, {constant(vector_of({1, 2, 3}))});
  std::vector<Tensor> values = evaluate_on_backends({r.carries[0].node(), r.outputs[0].node()},
                                                    {{"x", Tensor(DType::float64, {0, 3})}});
  EXPECT_EQ(values[0].to_doubles(), std::vector<double>({1, 2, 3}));
  EXPECT_EQ(values[1].shape(), Shape({0, 3}));
}

// An inner scan in the body closes over the outer carry and an outer input.
ScanResult nested_scan(const Expr& rows, const Expr& phi, const Expr& c0) {
  return scan(
      [&](const Exprs& row, const Exprs& outer) {
        ScanResult inner = scan(
            [&](const Exprs& x, const Exprs& c) {
              return ScanStep{{c[0] * phi + x[0] * outer[0]}, {}};
            },
            {row[0]}, {outer[0]});
        return ScanStep{{inner.carries[0]}, {inner.carries[0] * outer[0]}};
      },
      {rows}, {c0});
}

TEST(Scan, NestedScanWithClosuresAgainstLoop) {
  const std::vector<double> rows{0.5, -0.25, 1.0, 0.75, 0.1, -0.6};  // (3, 2)
  const double phi = 0.8;
  Expr phi_in = input("phi", {DType::float64, {}});
  ScanResult r = nested_scan(constant(Tensor::from_doubles(rows, {3, 2})), phi_in, constant(1.5));
  EXPECT_NE(print_graph(r.outputs[0].node()).find("scan"), std::string::npos);
  Tensor path = evaluate_on_backends(r.outputs[0].node(), {{"phi", Tensor::scalar(phi)}});

  double outer = 1.5;
  for (int t = 0; t < 3; ++t) {
    double c = outer;
    for (int k = 0; k < 2; ++k) c = c * phi + rows[2 * t + k] * outer;
    EXPECT_NEAR(path.at(t), c * outer, 1e-14) << "row " << t;
    outer = c;
  }
}

// ---- Gradients ----------------------------------------------------------------------------------
// The gradients are reverse scans whose bodies hold sums and broadcasts: on the native backend
// they need the reduce and shape families' emitters.

TEST(ScanGrad, Ar1WithRespectToInitialCarryShocksAndCoefficient) {
  std::mt19937_64 rng(3);
  testing::expect_gradient_matches(
      [](const Exprs& x) {
        ScanResult r = scan(
            [&](const Exprs& e, const Exprs& c) {
              Expr next = x[1] * c[0] + e[0];
              return ScanStep{{next}, {next}};
            },
            {x[0]}, {x[2]});
        return r.outputs[0];
      },
      {random_tensor({50}, rng), random_tensor({}, rng, 0.5, 0.9), random_tensor({}, rng)});
}

TEST(ScanGrad, GarchParametersSequenceAndInitialVariance) {
  std::mt19937_64 rng(4);
  // Only the log densities are used: the variance output and exp(r) get no gradient.
  testing::expect_gradient_matches(
      [](const Exprs& x) { return garch_variances(x[0], x[1], x[2], x[3], x[4]).outputs[1]; },
      {random_tensor({50}, rng), random_tensor({}, rng, 0.1, 0.2),
       random_tensor({}, rng, 0.05, 0.15), random_tensor({}, rng, 0.6, 0.8),
       random_tensor({}, rng, 0.3, 0.6)});
}

TEST(ScanGrad, FinalCarriesAndHistory) {
  std::mt19937_64 rng(5);
  testing::expect_gradient_matches(
      [](const Exprs& x) {
        ScanResult r = garch_variances(x[0], x[1], x[2], x[3], x[4]);
        return r.carries[0] * sum(r.carry_history[0]) + r.carries[1];
      },
      {random_tensor({50}, rng), random_tensor({}, rng, 0.1, 0.2),
       random_tensor({}, rng, 0.05, 0.15), random_tensor({}, rng, 0.6, 0.8),
       random_tensor({}, rng, 0.3, 0.6)});
}

TEST(ScanGrad, VectorStateReverseScanAndIntegerCarry) {
  std::mt19937_64 rng(6);
  testing::expect_gradient_matches(
      [](const Exprs& x) {
        ScanResult r = scan(
            [&](const Exprs& s, const Exprs& c) {
              Expr state = sum(expand_dims(c[0], {1}) * x[1], {0}) * s[0];
              Expr step = c[1] + constant(1.0, DType::int64);
              return ScanStep{{state, step}, {state * cast(step, DType::float64)}};
            },
            {x[0]}, {x[2], constant(0.0, DType::int64)},
            {.n_steps = std::nullopt, .reverse = true});
        return r.outputs[0];
      },
      {random_tensor({20, 3}, rng, 0.5, 1.5), random_tensor({3, 3}, rng, 0.1, 0.6),
       random_tensor({3}, rng)});
}

TEST(ScanGrad, NoSequencesAndFloat32Carry) {
  std::mt19937_64 rng(7);
  testing::expect_gradient_matches(
      [](const Exprs& x) {
        ScanResult r = scan(
            [&](const Exprs&, const Exprs& c) {
              Expr next = c[0] * cast(x[1], DType::float32) + 0.25;
              return ScanStep{{next}, {}};
            },
            {}, {cast(x[0], DType::float32)}, {.n_steps = 5});
        return cast(r.carries[0], DType::float64);
      },
      {random_tensor({2}, rng), random_tensor({}, rng, 0.5, 0.9)},
      {.step = 1e-3, .rtol = 2e-3, .atol = 1e-4});
}

TEST(ScanGrad, SecondDerivative) {
  std::mt19937_64 rng(8);
  testing::expect_second_derivative_matches(
      [](const Exprs& x) {
        ScanResult r = scan(
            [&](const Exprs& e, const Exprs& c) {
              Expr next = x[1] * c[0] + e[0] * e[0];
              return ScanStep{{next}, {exp(0.5 * next)}};
            },
            {x[0]}, {x[2]});
        return r.outputs[0];
      },
      {random_tensor({6}, rng), random_tensor({}, rng, 0.5, 0.9), random_tensor({}, rng)});
}

TEST(ScanGrad, NestedScan) {
  std::mt19937_64 rng(9);
  testing::expect_gradient_matches(
      [](const Exprs& x) { return nested_scan(x[0], x[1], x[2]).outputs[0]; },
      {random_tensor({4, 3}, rng), random_tensor({}, rng, 0.3, 0.6), random_tensor({}, rng)});
}

// ---- Native backend -----------------------------------------------------------------------------

// Evaluation on both backends of a scan over `x` (n, 2) with carries that trade places each step
// (so a carry's next value is another carry's state), an int64 counter, a float32 carry, a carry
// returned unchanged, and a per-step output that is a body constant.
std::vector<Tensor> trading_carries(std::int64_t steps, bool reverse) {
  Expr x = input("x", {DType::float64, {kUnknownDim, 2}});
  ScanResult r = scan(
      [](const Exprs& s, const Exprs& c) {
        Expr count = c[2] + constant(1.0, DType::int64);
        Expr scaled = c[3] * cast(s[0], DType::float32);
        return ScanStep{{c[1], c[0] + s[0] * cast(count, DType::float64), count, scaled, c[4]},
                        {c[0] - c[1], constant(7.0)}};
      },
      {x},
      {constant(vector_of({1, 2})), constant(vector_of({-1, 0.5})), constant(0.0, DType::int64),
       cast(constant(vector_of({0.5, 2})), DType::float32), constant(3.0)},
      {.n_steps = std::nullopt, .reverse = reverse});
  std::vector<NodePtr> outputs;
  for (const Exprs* group : {&r.carries, &r.outputs, &r.carry_history})
    for (const Expr& e : *group) outputs.push_back(e.node());
  std::vector<double> xs;
  for (std::int64_t i = 0; i < 2 * steps; ++i) xs.push_back(0.25 * static_cast<double>(i) - 1.0);
  return evaluate_on_backends(outputs, {{"x", Tensor::from_doubles(xs, {steps, 2})}});
}

TEST(ScanNative, CarriesTradingPlacesOverOddAndEvenStepCounts) {
  for (bool reverse : {false, true}) {
    for (std::int64_t steps : {0, 1, 4, 7}) {
      SCOPED_TRACE("steps " + std::to_string(steps) + (reverse ? ", reversed" : ""));
      std::vector<Tensor> values = trading_carries(steps, reverse);
      EXPECT_EQ(values[2].at(0), static_cast<double>(steps));  // the counter
      EXPECT_EQ(values[5].shape(), Shape({steps, 2}));         // c0 - c1, stacked
      EXPECT_EQ(values.back().shape(), Shape({steps}));        // the unchanged carry's history
    }
  }
}

TEST(ScanNative, ReverseNestedScanAndCarryHistory) {
  const std::vector<double> rows{0.5, -0.25, 1.0, 0.75, 0.1, -0.6, 0.3, 0.2};  // (4, 2)
  ScanResult r = scan(
      [](const Exprs& row, const Exprs& outer) {
        ScanResult inner = scan(
            [&](const Exprs& x, const Exprs& c) {
              return ScanStep{{c[0] * 0.5 + x[0] * outer[0]}, {c[0]}};
            },
            {row[0]}, {outer[0]}, {.n_steps = std::nullopt, .reverse = true});
        return ScanStep{{inner.carries[0]}, {inner.outputs[0], inner.carry_history[0]}};
      },
      {constant(Tensor::from_doubles(rows, {4, 2}))}, {input("c0", {DType::float64, {}})},
      {.n_steps = std::nullopt, .reverse = true});
  std::vector<Tensor> values = evaluate_on_backends(
      {r.carries[0].node(), r.outputs[0].node(), r.outputs[1].node(), r.carry_history[0].node()},
      {{"c0", Tensor::scalar(1.25)}});

  double outer = 1.25;
  for (int t = 3; t >= 0; --t) {
    EXPECT_DOUBLE_EQ(values[3].at(t), outer) << "history at " << t;
    double c = outer;
    for (int k = 1; k >= 0; --k) {
      EXPECT_DOUBLE_EQ(values[1].at(2 * t + k), c) << "inner output at " << t << ", " << k;
      c = c * 0.5 + rows[2 * t + k] * outer;
    }
    outer = c;
  }
  EXPECT_DOUBLE_EQ(values[0].at(0), outer);
}

TEST(ScanNative, LargeConstantsInTheBody) {
  std::vector<double> weights;
  for (int i = 0; i < 40; ++i) weights.push_back(1.0 + 0.01 * i);
  Expr w = constant(vector_of(weights));
  ScanResult r = scan(
      [&](const Exprs& s, const Exprs& c) {
        Expr next = c[0] * w + s[0];
        return ScanStep{{next}, {next * w}};
      },
      {input("s", {DType::float64, {3, 40}})}, {constant(Tensor(DType::float64, {40}))});
  std::vector<double> s(120);
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = std::sin(static_cast<double>(i));
  Tensor out = evaluate_on_backends(r.outputs[0].node(), {{"s", Tensor::from_doubles(s, {3, 40})}});
  double c = 0.0;
  for (int t = 0; t < 3; ++t) c = c * weights[7] + s[40 * t + 7];
  EXPECT_NEAR(out.at(2 * 40 + 7), c * weights[7], 1e-14);
}

// The compiled loop keeps no state between calls: carries restart from their initial values.
TEST(ScanNative, RepeatedCallsStartAfresh) {
  Expr x = input("x", {DType::float64, {5}});
  ScanResult r = scan(
      [](const Exprs& s, const Exprs& c) {
        return ScanStep{{c[0] * 0.5 + s[0]}, {}};
      },
      {x}, {constant(3.0)});
  Function f({x.node()}, {r.carries[0].node()}, {.backend = Backend::native, .optimize = false});
  EXPECT_NE(f.info().source.find("hypatia_body_0"), std::string::npos);
  const Tensor ones = Tensor::from_doubles({1, 1, 1, 1, 1}, {5});
  const double first = f({ones}).front().at(0);
  EXPECT_EQ(f({ones}).front().at(0), first);
  EXPECT_DOUBLE_EQ(first, 2.0 + 1.0 / 32);  // c -> c / 2 + 1 from 3
}

// Compiled for concrete shapes, a carry whose type the body changes is found at compile time.
TEST(ScanNative, BodyChangingCarryShapeFailsToCompile) {
  Expr v = input("v", {DType::float64, {kUnknownDim}});
  Expr c = input("c", {DType::float64, {kUnknownDim}});
  ScanResult r = scan(
      [&](const Exprs&, const Exprs& carries) {
        return ScanStep{{carries[0] * v}, {}};
      },
      {}, {c}, {.n_steps = 2});
  NodePtr v3 = input("v", {DType::float64, {3}});
  NodePtr c1 = input("c", {DType::float64, {1}});
  NodePtr carry = substitute(r.carries[0].node(), {{v.node().get(), v3}, {c.node().get(), c1}});
  std::string msg = error_message([&] {
    Function({v3, c1}, {carry}, {.backend = Backend::native, .optimize = false});
  });
  EXPECT_TRUE(contains(msg, "scan")) << msg;
  EXPECT_TRUE(contains(msg, "carry 0")) << msg;
  EXPECT_TRUE(contains(msg, "float64(3,)")) << msg;
  EXPECT_TRUE(contains(msg, "float64(1,)")) << msg;
}

// Needs the index family's emitter (gather) on the native backend.
TEST(ScanNative, RunTimeErrorInTheBodyPropagates) {
  Expr table = constant(vector_of({10, 20, 30}));
  ScanResult r = scan(
      [&](const Exprs& i, const Exprs& c) {
        return ScanStep{{c[0] + gather(table, i[0])}, {}};
      },
      {input("i", {DType::int64, {3}})}, {constant(0.0)});
  Function f({input("i", {DType::int64, {3}})}, {r.carries[0].node()},
             {.backend = Backend::native, .optimize = false});
  auto indices = [](std::vector<double> values) {
    return Tensor::from_doubles(values, {3}).cast(DType::int64);
  };
  EXPECT_EQ(f({indices({0, 2, -1})}).front().at(0), 70.0);
  std::string msg = error_message([&] { f({indices({0, 3, 1})}); });
  EXPECT_TRUE(contains(msg, "scan")) << msg;
  EXPECT_TRUE(contains(msg, "gather")) << msg;
  EXPECT_THROW(f({indices({0, 1, 5})}), RuntimeError);
}

// ---- Errors -------------------------------------------------------------------------------------

TEST(ScanErrors, BodyChangesCarryShape) {
  Expr v = input("v", {DType::float64, {2, 3}});
  std::string msg = error_message([&] {
    scan(
        [&](const Exprs&, const Exprs& c) {
          return ScanStep{{c[0] * v}, {}};
        },
        {}, {input("c", {DType::float64, {3}})}, {.n_steps = 2});
  });
  EXPECT_TRUE(contains(msg, "scan")) << msg;
  EXPECT_TRUE(contains(msg, "carry 0")) << msg;
  EXPECT_TRUE(contains(msg, "float64(2, 3)")) << msg;
  EXPECT_TRUE(contains(msg, "float64(3,)")) << msg;
}

TEST(ScanErrors, BodyChangesCarryDtype) {
  std::string msg = error_message([&] {
    scan(
        [&](const Exprs&, const Exprs& c) {
          return ScanStep{{c[0], cast(c[1], DType::float32)}, {}};
        },
        {}, {constant(0.0), constant(0.0)}, {.n_steps = 2});
  });
  EXPECT_TRUE(contains(msg, "scan")) << msg;
  EXPECT_TRUE(contains(msg, "carry 1")) << msg;
  EXPECT_TRUE(contains(msg, "float32()")) << msg;
  EXPECT_TRUE(contains(msg, "float64()")) << msg;
}

TEST(ScanErrors, BodyChangesCarryShapeAtRunTime) {
  Expr v = input("v", {DType::float64, {kUnknownDim}});
  ScanResult r = scan(
      [&](const Exprs&, const Exprs& c) {
        return ScanStep{{c[0] * v}, {}};
      },
      {}, {input("c", {DType::float64, {kUnknownDim}})}, {.n_steps = 2});
  std::string msg = error_message([&] {
    evaluate(r.carries[0].node(), {{"v", vector_of({1, 2, 3})}, {"c", vector_of({1})}});
  });
  EXPECT_TRUE(contains(msg, "scan")) << msg;
  EXPECT_TRUE(contains(msg, "carry 0")) << msg;
  EXPECT_TRUE(contains(msg, "float64(3,)")) << msg;
  EXPECT_TRUE(contains(msg, "float64(1,)")) << msg;
  EXPECT_THROW(evaluate(r.carries[0].node(), {{"v", vector_of({1, 2, 3})}, {"c", vector_of({1})}}),
               RuntimeError);
}

TEST(ScanErrors, SequencesOfDifferentLengths) {
  auto body = [](const Exprs& s, const Exprs& c) { return ScanStep{{c[0] + s[0] * s[1]}, {}}; };
  std::string msg = error_message([&] {
    scan(body, {input("a", {DType::float64, {5}}), input("b", {DType::float64, {4}})},
         {constant(0.0)});
  });
  EXPECT_TRUE(contains(msg, "scan")) << msg;
  EXPECT_TRUE(contains(msg, "float64(5,)")) << msg;
  EXPECT_TRUE(contains(msg, "float64(4,)")) << msg;
  EXPECT_THROW(scan(body, {input("a", {DType::float64, {5}}), input("b", {DType::float64, {4}})},
                    {constant(0.0)}),
               ShapeError);

  // Known only at run time.
  ScanResult r = scan(
      body,
      {input("a", {DType::float64, {kUnknownDim}}), input("b", {DType::float64, {kUnknownDim}})},
      {constant(0.0)});
  msg = error_message([&] {
    evaluate(r.carries[0].node(), {{"a", vector_of({1, 2, 3})}, {"b", vector_of({1, 2})}});
  });
  EXPECT_TRUE(contains(msg, "scan")) << msg;
  EXPECT_TRUE(contains(msg, "float64(3,)")) << msg;
  EXPECT_TRUE(contains(msg, "float64(2,)")) << msg;
}

TEST(ScanErrors, NStepsMissingWithoutSequences) {
  std::string msg = error_message([&] {
    scan([](const Exprs&, const Exprs& c) { return ScanStep{{c[0]}, {}}; }, {}, {constant(0.0)});
  });
  EXPECT_TRUE(contains(msg, "scan")) << msg;
  EXPECT_TRUE(contains(msg, "n_steps")) << msg;
  EXPECT_THROW(scan(
                   [](const Exprs&, const Exprs& c) {
                     return ScanStep{{c[0]}, {}};
                   },
                   {}, {constant(0.0)}),
               ShapeError);
}

TEST(ScanErrors, NStepsDisagreesWithSequence) {
  std::string msg = error_message([&] {
    scan(
        [](const Exprs& s, const Exprs& c) {
          return ScanStep{{c[0] + s[0]}, {}};
        },
        {input("a", {DType::float64, {5}})}, {constant(0.0)}, {.n_steps = 3});
  });
  EXPECT_TRUE(contains(msg, "scan")) << msg;
  EXPECT_TRUE(contains(msg, "n_steps is 3")) << msg;
}

TEST(ScanErrors, WrongNumberOfCarriesAndScalarSequence) {
  std::string msg = error_message([&] {
    scan(
        [](const Exprs&, const Exprs& c) {
          return ScanStep{{c[0], c[0]}, {}};
        },
        {}, {constant(0.0)}, {.n_steps = 1});
  });
  EXPECT_TRUE(contains(msg, "scan: the body returns 2 carries for 1 initial carries")) << msg;
  msg = error_message([&] {
    scan(
        [](const Exprs& s, const Exprs& c) {
          return ScanStep{{c[0]}, {}};
        },
        {constant(1.0)}, {constant(0.0)});
  });
  EXPECT_TRUE(contains(msg, "scan: sequence 0 is a scalar float64()")) << msg;
}

}  // namespace
}  // namespace hypatia
