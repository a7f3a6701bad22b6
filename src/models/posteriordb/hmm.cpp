// Two-state hidden Markov models whose hidden states are summed out by the forward algorithm
// (posteriordb hmm_example-hmm_example and bball_drive_event_0-hmm_drive_0).

#include "hypatia/node.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ops/scan.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/transform.hpp"
#include "models/posteriordb/posteriordb.hpp"

namespace hypatia::models::posteriordb {
namespace {

constexpr const char* kExample = "hmm_example-hmm_example";
constexpr const char* kDrive = "bball_drive_event_0-hmm_drive_0";

// log p(observations) of an HMM, by the forward recursion in log space:
//   gamma[0] = log_emissions[0],
//   gamma[t, k] = logsumexp_j(gamma[t-1, j] + log_transition[j, k]) + log_emissions[t, k].
// log_emissions is (T, K), the log density of observation t in state k; row j of log_transition
// is the log distribution of the next state given state j. The initial-state weights are all 1,
// as in the posteriordb programs (a uniform start up to the constant log K).
Expr hmm_log_marginal(const Expr& log_emissions, const Expr& log_transition) {
  auto first = slice(log_emissions, 0, Index{0});
  auto later = slice(log_emissions, 0, Slice{1, std::nullopt, std::nullopt});
  auto forward = scan(
      [&](const Exprs& emission, const Exprs& gamma) {
        // Column k of (gamma as a column + log_transition) holds the paths into state k.
        auto next = logsumexp(expand_dims(gamma[0], {1}) + log_transition, {0}) + emission[0];
        return ScanStep{.carries = {next}, .outputs = {}};
      },
      {later}, {first});
  return logsumexp(forward.carries[0]);
}

// The transition matrix's rows are two simplex parameters, theta1 and theta2, with Dirichlet
// priors whose concentrations are the rows of `concentrations` (2 x 2, row-major).
Expr log_transition_matrix(Model& m, const std::vector<double>& concentrations) {
  auto row = [&](const std::string& name, std::size_t j) {
    const std::vector<double> alpha(concentrations.begin() + 2 * j,
                                    concentrations.begin() + 2 * j + 2);
    return m.rv(name, Dirichlet(constant(vector_tensor(alpha))));
  };
  auto theta1 = row("theta1", 0);
  auto theta2 = row("theta2", 1);
  return log(stack({theta1, theta2}));
}

// A positive_ordered pair whose elements have normal priors with their own means (restricted to
// the ordered set, without renormalisation).
Expr ordered_pair(Model& m, const std::string& name, const std::vector<double>& means) {
  return m.rv(name, Normal(constant(vector_tensor(means)), 1.0),
              {.transform = positive_ordered_transform()});
}

// Unit-sd normal emissions around the ordered state means mu; uniform transition rows.
Model build_example() {
  const DataFile data = load_posterior_data(kExample);
  require_shapes(data, {{"y", {"N"}}});
  require_size(data, "K", 2, "the model has two hidden states");
  Model m;
  auto y = m.data("y", vector_tensor(real_values(data, "y")));
  auto log_transition = log_transition_matrix(m, {1, 1, 1, 1});
  auto mu = ordered_pair(m, "mu", {3, 10});
  auto log_emissions = Normal(mu, 1.0).logp(expand_dims(y, {1}));
  m.potential("hmm_likelihood", hmm_log_marginal(log_emissions, log_transition));
  return m;
}

// Each state emits two independent exponential durations, u at rate phi[k] and v at rate
// lambda[k].
Model build_drive() {
  const DataFile data = load_posterior_data(kDrive);
  require_shapes(data, {{"u", {"N"}}, {"v", {"N"}}, {"alpha", {"K", "K"}}});
  require_size(data, "K", 2, "the model has two hidden states");
  Model m;
  auto u = m.data("u", vector_tensor(real_values(data, "u")));
  auto v = m.data("v", vector_tensor(real_values(data, "v")));
  auto log_transition = log_transition_matrix(m, real_values(data, "alpha"));
  auto phi = ordered_pair(m, "phi", {0, 3});
  auto lambda = ordered_pair(m, "lambda", {0, 3});
  auto log_emissions =
      Exponential(phi).logp(expand_dims(u, {1})) + Exponential(lambda).logp(expand_dims(v, {1}));
  m.potential("hmm_likelihood", hmm_log_marginal(log_emissions, log_transition));
  return m;
}

}  // namespace

std::vector<BundledModel> hmm() {
  return {{.name = kExample,
           .description = "Two-state Gaussian hidden Markov model, 100 points (4 params)",
           .build = build_example},
          {.name = kDrive,
           .description = "Two-state HMM with exponential emissions, 416 points (6 params)",
           .build = build_drive,
           // The reference run used adapt_delta = 0.9.
           .target_accept = 0.9}};
}

}  // namespace hypatia::models::posteriordb
