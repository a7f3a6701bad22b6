// A model's log density term by term before summing (PyMC's model.logp(sum=False)): free
// variables with their transforms' log-Jacobians apart, observed variables per observation,
// potentials as given; as graphs of the flat vector and of the variables, against closed forms.

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "hypatia/interpreter.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/model.hpp"

namespace hypatia {
namespace {

const std::vector<double> kY = {0.5, -1.0, 2.0, 0.3, -0.2, 1.4};  // 3 rows of 2

struct SmallModel {
  Model model;
  Expr mu, sigma;
};

// mu ~ Normal(0, 5), sigma ~ HalfNormal(2) of shape (2,) (log transform), y (3 x 2) ~
// Normal(mu, sigma) observed, and a potential of shape (2,).
SmallModel small_model() {
  SmallModel m;
  m.mu = m.model.normal("mu", 0, 5);
  m.sigma = m.model.half_normal("sigma", 2, {.shape = {2}});
  m.model.observe("y", Normal(m.mu, m.sigma), Tensor::from_doubles(kY, {3, 2}));
  m.model.potential("shrink", -0.5 * m.mu * m.mu * m.sigma);
  return m;
}

double normal_logpdf(double x, double mean, double sd) {
  const double z = (x - mean) / sd;
  return -0.5 * z * z - std::log(sd) - 0.5 * std::log(2 * std::numbers::pi);
}

// Expected elementwise values at (mu, sigma): logp and log-Jacobian per variable, flattened.
struct Expected {
  std::vector<std::vector<double>> logp;
  std::vector<double> sigma_log_jacobian;
};

Expected expected_at(double mu, const std::vector<double>& sigma) {
  Expected e;
  e.logp.push_back({normal_logpdf(mu, 0, 5)});
  e.logp.emplace_back();
  e.logp.emplace_back();
  e.logp.emplace_back();
  for (double s : sigma) {
    e.logp[1].push_back(std::log(2.0) + normal_logpdf(s, 0, 2));
    e.sigma_log_jacobian.push_back(std::log(s));
    e.logp[3].push_back(-0.5 * mu * mu * s);
  }
  for (std::size_t i = 0; i < kY.size(); ++i) {
    e.logp[2].push_back(normal_logpdf(kY[i], mu, sigma[i % 2]));
  }
  return e;
}

void expect_close(const Tensor& actual, const std::vector<double>& expected,
                  const std::string& what) {
  ASSERT_EQ(actual.size(), static_cast<std::int64_t>(expected.size())) << what;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NEAR(actual.at(static_cast<std::int64_t>(i)), expected[i],
                1e-12 * std::max(1.0, std::abs(expected[i])))
        << what << "[" << i << "]";
  }
}

// Outputs: each term's logp, then sigma's log-Jacobian.
std::vector<NodePtr> term_outputs(const std::vector<ElementwiseLogDensity>& terms) {
  std::vector<NodePtr> outputs;
  for (const auto& term : terms) outputs.push_back(term.logp.node());
  outputs.push_back(terms.at(1).log_jacobian.value().node());
  return outputs;
}

void check_terms(const std::vector<ElementwiseLogDensity>& terms) {
  ASSERT_EQ(terms.size(), 4u);
  const std::vector<std::string> names = {"mu", "sigma", "y", "shrink"};
  const std::vector<VariableRole> roles = {VariableRole::free, VariableRole::free,
                                           VariableRole::observed, VariableRole::potential};
  const std::vector<Shape> shapes = {{}, {2}, {3, 2}, {2}};
  for (std::size_t i = 0; i < terms.size(); ++i) {
    EXPECT_EQ(terms[i].name, names[i]);
    EXPECT_EQ(terms[i].role, roles[i]) << names[i];
    EXPECT_EQ(terms[i].logp.shape(), shapes[i]) << names[i];
    EXPECT_EQ(terms[i].log_jacobian.has_value(), i == 1) << names[i] << ": only sigma has one";
  }
  EXPECT_EQ(terms[1].log_jacobian->shape(), (Shape{2}));
}

TEST(ElementwiseLogDensity, FlatVectorTermsMatchClosedFormsAndSumToTheTerms) {
  const SmallModel m = small_model();
  const LogDensityGraph graph = m.model.log_density();
  const std::vector<ElementwiseLogDensity> terms = m.model.elementwise_log_density(graph.x);
  check_terms(terms);
  std::vector<NodePtr> outputs = term_outputs(terms);
  for (const auto& [name, term] : graph.terms) outputs.push_back(term.node());
  const Interpreter run({graph.x.node()}, outputs);
  for (const std::vector<double> x : {std::vector<double>{0.7, -0.3, 0.4}, {-1.5, 1.1, -0.9}}) {
    const std::vector<Tensor> values = run.run({Tensor::from_doubles(x, {3})});
    const Expected expected = expected_at(x[0], {std::exp(x[1]), std::exp(x[2])});
    for (std::size_t i = 0; i < 4; ++i)
      expect_close(values[i], expected.logp[i], graph.terms[i].first);
    expect_close(values[4], expected.sigma_log_jacobian, "sigma log-Jacobian");
    // Summed (sigma's with its Jacobian), each is the variable's term of the joint density.
    for (std::size_t i = 0; i < 4; ++i) {
      double total = 0.0;
      for (std::int64_t k = 0; k < values[i].size(); ++k) total += values[i].at(k);
      if (i == 1) total += values[4].at(0) + values[4].at(1);
      EXPECT_NEAR(total, values[5 + i].at(0), 1e-12 * std::max(1.0, std::abs(total)))
          << graph.terms[i].first;
    }
  }
}

TEST(ElementwiseLogDensity, VariableGraphsAgreeWithTheFlatVectorsAndUnconstrainedVector) {
  const SmallModel m = small_model();
  const std::vector<ElementwiseLogDensity> terms = m.model.elementwise_log_density();
  check_terms(terms);
  std::vector<NodePtr> outputs = term_outputs(terms);
  outputs.push_back(m.model.unconstrained_vector().node());
  const Interpreter run({m.mu.node(), m.sigma.node()}, outputs);
  const double mu = 0.4;
  const std::vector<double> sigma = {0.6, 2.3};
  const std::vector<Tensor> values =
      run.run({Tensor::from_doubles({mu}, {}), Tensor::from_doubles(sigma, {2})});
  const Expected expected = expected_at(mu, sigma);
  for (std::size_t i = 0; i < 4; ++i) expect_close(values[i], expected.logp[i], terms[i].name);
  expect_close(values[4], expected.sigma_log_jacobian, "sigma log-Jacobian");
  expect_close(values[5], {mu, std::log(sigma[0]), std::log(sigma[1])}, "unconstrained vector");
}

TEST(ElementwiseLogDensity, ModelWithoutFreeVariablesHasAnEmptyUnconstrainedVector) {
  Model m;
  m.observe("y", Normal(0.0, 1.0), Tensor::from_doubles({0.1, 0.2}, {2}));
  EXPECT_EQ(m.unconstrained_vector().shape(), (Shape{0}));
  EXPECT_EQ(m.elementwise_log_density().size(), 1u);
}

}  // namespace
}  // namespace hypatia
