#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>

#include "hypatia/hypatia.hpp"
#include "hypatia/ops/user_op.hpp"
#include "hypatia/ppl/model.hpp"
#include "hypatia/sample.hpp"
#include "support/backends.hpp"
#include "support/errors.hpp"
#include "support/gradient_check.hpp"

namespace hypatia {
namespace {

using testing::error_message;
using testing::evaluate_on_backends;
using testing::expect_mentions;

Tensor vector_of(const std::vector<double>& values) {
  return Tensor::from_doubles(values, {static_cast<std::int64_t>(values.size())});
}

// f(x, w) = (sum_i w_i sin(x_i), x * x): a scalar and a vector, computed in plain C++.
void weighted_sines(const std::vector<Tensor>& in, std::vector<Tensor>& out) {
  const std::int64_t n = in[0].size();
  double total = 0.0;
  for (std::int64_t i = 0; i < n; ++i) {
    total += in[1].at(i) * std::sin(in[0].at(i));
    out[1].set(i, in[0].at(i) * in[0].at(i));
  }
  out[0].set(0, total);
}

// Its vector-Jacobian product: dL/dx_i = g0 w_i cos(x_i) + g1_i 2 x_i, dL/dw_i = g0 sin(x_i).
void weighted_sines_vjp(const std::vector<Tensor>& in, const std::vector<Tensor>& g,
                        std::vector<Tensor>& grads) {
  for (std::int64_t i = 0; i < in[0].size(); ++i) {
    const double x = in[0].at(i);
    grads[0].set(i, g[0].at(0) * in[1].at(i) * std::cos(x) + g[1].at(i) * 2.0 * x);
    grads[1].set(i, g[0].at(0) * std::sin(x));
  }
}

UserFunctionPtr weighted_sines_function(std::int64_t n, bool with_vjp) {
  auto function = std::make_shared<UserFunction>();
  function->name = with_vjp ? "weighted_sines" : "weighted_sines_no_grad";
  function->output_types = {{DType::float64, {}}, {DType::float64, {n}}};
  function->perform = weighted_sines;
  if (with_vjp) function->vjp = weighted_sines_vjp;
  return function;
}

TEST(UserOp, ValuesAgreeWithDirectComputationOnEveryBackend) {
  const UserFunctionPtr function = weighted_sines_function(3, true);
  const Expr x = input("x", {DType::float64, {3}}), w = input("w", {DType::float64, {3}});
  const Exprs outputs = user_op(function, {x * 2.0, w});
  // Graph ops on both sides of the call, so compiled code runs around it.
  const Expr result = outputs[0] + sum(exp(outputs[1]));
  const std::vector<double> xs{0.3, -1.2, 2.0}, ws{1.5, -0.5, 0.25};
  const Tensor value =
      evaluate_on_backends(result.node(), {{"x", vector_of(xs)}, {"w", vector_of(ws)}});
  double expected = 0.0;
  for (int i = 0; i < 3; ++i) expected += ws[i] * std::sin(2 * xs[i]) + std::exp(4 * xs[i] * xs[i]);
  EXPECT_NEAR(value.at(0), expected, 1e-12 * std::abs(expected));
}

TEST(UserOp, SameFunctionAndInputsAreOneNode) {
  const UserFunctionPtr function = weighted_sines_function(2, true);
  const Expr x = input("x", {DType::float64, {2}});
  EXPECT_EQ(user_op(function, {x, x})[0].node(), user_op(function, {x, x})[0].node());
}

TEST(UserOp, VjpGradientMatchesFiniteDifferences) {
  const UserFunctionPtr function = weighted_sines_function(4, true);
  std::mt19937_64 rng(5);
  testing::expect_gradient_matches(
      [&](const Exprs& in) {
        const Exprs out = user_op(function, {tanh(in[0]), in[1] * in[1]});
        return out[0] * 3.0 + log1p(out[1] * out[1]);
      },
      {testing::random_tensor({4}, rng), testing::random_tensor({4}, rng)});
}

TEST(UserOp, SymbolicGradientMatchesFiniteDifferences) {
  auto function = std::make_shared<UserFunction>();
  function->name = "cube";
  function->output_types = {{DType::float64, {3}}};
  function->perform = [](const std::vector<Tensor>& in, std::vector<Tensor>& out) {
    for (std::int64_t i = 0; i < 3; ++i) out[0].set(i, std::pow(in[0].at(i), 3));
  };
  function->grad = [](const Exprs& in, const Exprs&, const Exprs& g) {
    return Exprs{g[0] * 3.0 * in[0] * in[0]};
  };
  std::mt19937_64 rng(9);
  testing::expect_gradient_matches(
      [&](const Exprs& in) { return sin(user_op(function, {in[0]})[0]); },
      {testing::random_tensor({3}, rng)});
}

struct PerformFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

TEST(UserOp, ExceptionInPerformReachesTheCallerUnchangedOnEveryBackend) {
  auto function = std::make_shared<UserFunction>();
  function->name = "fails_on_negative";
  function->output_types = {{DType::float64, {}}};
  function->perform = [](const std::vector<Tensor>& in, std::vector<Tensor>& out) {
    if (in[0].at(0) < 0) throw PerformFailure("negative input " + std::to_string(in[0].at(0)));
    out[0].set(0, std::sqrt(in[0].at(0)));
  };
  const Expr x = input("x", {DType::float64, {}});
  const Expr y = exp(user_op(function, {x})[0]);
  for (Backend backend : {Backend::interp, Backend::native}) {
    Function compiled({x.node()}, {y.node()}, {.backend = backend});
    EXPECT_NEAR(compiled({Tensor::scalar(4.0)})[0].at(0), std::exp(2.0), 1e-12);
    try {
      compiled({Tensor::scalar(-1.0)});
      ADD_FAILURE() << "expected PerformFailure";
    } catch (const PerformFailure& failure) {
      EXPECT_NE(std::string(failure.what()).find("negative input -1"), std::string::npos);
    }
    // The failure was taken: the next call runs normally.
    EXPECT_NEAR(compiled({Tensor::scalar(9.0)})[0].at(0), std::exp(3.0), 1e-12);
  }
}

TEST(UserOp, WrongOutputShapeIsAnErrorNamingTheFunction) {
  auto function = std::make_shared<UserFunction>();
  function->name = "bad_shape";
  function->output_types = {{DType::float64, {2}}};
  function->perform = [](const std::vector<Tensor>&, std::vector<Tensor>& out) {
    out[0] = Tensor(DType::float64, {3});
  };
  const Expr x = input("x", {DType::float64, {}});
  const Expr y = user_op(function, {x})[0];
  for (Backend backend : {Backend::interp, Backend::native}) {
    Function compiled({x.node()}, {y.node()}, {.backend = backend});
    expect_mentions(error_message([&] { compiled({Tensor::scalar(1.0)}); }),
                    {"bad_shape", "output 0", "(3,)", "(2,)"});
  }
}

TEST(UserOp, WithoutGradientTheGradientIsAnErrorNamingTheFunction) {
  const UserFunctionPtr function = weighted_sines_function(2, false);
  const Expr x = input("x", {DType::float64, {2}}), w = input("w", {DType::float64, {2}});
  const Expr cost = user_op(function, {x, constant(vector_of({1.0, 2.0}))})[0] + sum(w * w);
  expect_mentions(error_message([&] {
                    grad(cost, Exprs{x, w});
                  }),
                  {"weighted_sines_no_grad", "no gradient"});
  EXPECT_EQ(non_differentiable_user_ops({cost}, {x}),
            std::vector<std::string>{"weighted_sines_no_grad"});
  EXPECT_TRUE(non_differentiable_user_ops({cost}, {w}).empty());

  // In the model's compiled gradient, only what reaches the op is NaN.
  Exprs grads;
  {
    NanGradientsThroughUserOps nan_gradients;
    grads = grad(cost, Exprs{x, w});
  }
  const std::vector<Tensor> values =
      evaluate_on_backends({x.node(), w.node()}, {grads[0].node(), grads[1].node()},
                           {vector_of({0.1, 0.2}), vector_of({0.5, -3.0})});
  EXPECT_TRUE(std::isnan(values[0].at(0)) && std::isnan(values[0].at(1)));
  EXPECT_DOUBLE_EQ(values[1].at(0), 1.0);
  EXPECT_DOUBLE_EQ(values[1].at(1), -6.0);
}

TEST(UserOp, SampleGivesSliceToVariablesBehindAGradientlessOpAndNutsToTheRest) {
  Model model;
  const Expr mu = model.normal("mu", constant(0.0), constant(10.0));
  const Expr tau = model.normal("tau", constant(0.0), constant(1.0));
  auto loglike = std::make_shared<UserFunction>();
  loglike->name = "gaussian_loglike";
  loglike->output_types = {{DType::float64, {}}};
  loglike->perform = [](const std::vector<Tensor>& in, std::vector<Tensor>& out) {
    out[0].set(0, -0.5 * (1.0 - in[0].at(0)) * (1.0 - in[0].at(0)));
  };
  model.potential("like", user_op(loglike, {mu})[0]);
  model.potential("tau_like", -0.5 * tau * tau);

  const std::vector<StepSpec> specs = assign_steps(model, {});
  ASSERT_EQ(specs.size(), 2u);
  EXPECT_EQ(specs[0].method, StepMethod::nuts);
  ASSERT_EQ(specs[0].blocks.size(), 1u);
  EXPECT_EQ(specs[0].blocks[0].name, "tau");
  EXPECT_EQ(specs[1].method, StepMethod::slice);
  ASSERT_EQ(specs[1].blocks.size(), 1u);
  EXPECT_EQ(specs[1].blocks[0].name, "mu");

  expect_mentions(error_message([&] {
                    assign_steps(model, {{.method = StepMethod::nuts, .variables = {"mu"}}});
                  }),
                  {"NUTS", "'mu'", "gaussian_loglike", "Slice"});

  // The compiled gradient is exact for tau and NaN for mu.
  auto compiled = model.compile({.backend = Backend::native});
  std::vector<double> x{0.3, 0.7}, gradient(2);
  compiled->logp_grad(x.data(), gradient.data());
  // tau's log density: its prior N(0, 1) and the potential -tau^2 / 2, so d/dtau = -2 tau.
  EXPECT_TRUE(std::isnan(gradient[0]));
  EXPECT_NEAR(gradient[1], -2.0 * 0.7, 1e-12);
}

}  // namespace
}  // namespace hypatia
