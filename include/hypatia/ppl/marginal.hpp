#pragma once

// Automatic marginalization of finite discrete free variables: their values are summed out of the
// log density with log-sum-exp, so NUTS samples the other variables on a smaller flat vector;
// afterwards each draw's conditional probabilities of their values give their posterior.
//
// Variables are eliminated one after the other, each from the density the previous ones left
// (variable elimination), so two variables that share a term are enumerated jointly. A variable
// of one element is summed over its support whatever reads it (the terms that read it appear
// once per value; the rest is shared). A vector is summed element by element when its elements
// are conditionally independent given the rest (ppl/local_log_density.hpp), as per-observation
// memberships or outlier indicators are: sum_j logsumexp_k terms_j(k). Vectors go first: they
// leave per-element terms that a scalar can still be enumerated over.
//
// Enumeration is kept cheap in two ways. Elementwise work on a selection `where(c, a, b)` whose
// condition alone reads the variable moves inside it (f(where(c, a, b)) -> where(c, f(a), f(b))),
// so the likelihood is computed for a and b once, not once per value. And when such a
// selection's masks over the values are nested (a switch point `s >= years` against constant
// years), its sums for all K values come from prefix and suffix sums: O(n + K), not O(n K).

#include <cstdint>
#include <string>
#include <vector>

#include "hypatia/function.hpp"
#include "hypatia/ppl/model.hpp"

namespace hypatia {

// One summed-out variable, as its elimination step saw it.
struct MarginalizedVariable {
  // The variable in the flat vector it was summed out of: the model's, without the blocks of the
  // variables eliminated before it.
  FlatBlock block;
  double lower = 0;  // its support is lower, ..., lower + categories - 1
  std::int64_t categories = 0;
  Expr rest;  // that flat vector without the block
  // log p(value_j = lower + k | rest, data), shape {block.size, categories}: the variables
  // eliminated before it summed out, those after it given (they are in `rest`).
  Expr log_probabilities;
};

struct MarginalizedLogDensity {
  std::vector<MarginalizedVariable> variables;  // in elimination order
  Expr x;     // the model's flat vector without any marginalized block
  Expr logp;  // the marginal log density, a graph of x and the data
  std::vector<Expr> data_inputs;
  std::vector<Tensor> data_values;
};

// Sums `names` out, variables with more elements first (then in the given order). Throws
// hypatia::Error naming the variable when it is not a discrete free variable, its support is not
// finite with constant bounds (at most 10000 values), it has several elements that are not
// conditionally independent given the rest (which includes reading a term another vector was
// summed out of), or it is listed twice.
MarginalizedLogDensity marginalize(const Model& model, const std::vector<std::string>& names);

// Draws the marginalized variables for one point x of the smaller flat vector, last eliminated
// first (each given those drawn after it), and returns the model's full flat vector.
// `log_probabilities[i]` receives variables[i]'s log probabilities at that point
// (block.size * categories values). `uniform` gives numbers in [0, 1).
class MarginalRecovery {
 public:
  MarginalRecovery(const MarginalizedLogDensity& marginal, const CompileOptions& options);
  template <class Uniform>
  std::vector<double> draw(const double* x, std::vector<std::vector<double>>& log_probabilities,
                           Uniform&& uniform);

 private:
  std::vector<double> evaluate(std::size_t variable, const std::vector<double>& rest);
  static std::int64_t category(const double* log_probabilities, std::int64_t count, double u);

  const MarginalizedLogDensity& marginal_;
  std::vector<Function> functions_;  // variables[i].log_probabilities of (rest, data)
  std::vector<const void*> data_;
};

template <class Uniform>
std::vector<double> MarginalRecovery::draw(const double* x,
                                           std::vector<std::vector<double>>& log_probabilities,
                                           Uniform&& uniform) {
  std::vector<double> point(x, x + marginal_.x.shape()[0]);
  log_probabilities.resize(marginal_.variables.size());
  for (std::size_t i = marginal_.variables.size(); i-- > 0;) {
    const MarginalizedVariable& variable = marginal_.variables[i];
    log_probabilities[i] = evaluate(i, point);
    std::vector<double> values(static_cast<std::size_t>(variable.block.size));
    for (std::int64_t j = 0; j < variable.block.size; ++j) {
      values[static_cast<std::size_t>(j)] =
          variable.lower +
          static_cast<double>(category(log_probabilities[i].data() + j * variable.categories,
                                       variable.categories, uniform()));
    }
    point.insert(point.begin() + variable.block.offset, values.begin(), values.end());
  }
  return point;
}

}  // namespace hypatia
