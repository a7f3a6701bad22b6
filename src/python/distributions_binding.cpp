// The distribution families as hypatia._core functions taking nodes, under the C++ names (which are
// PyMC's). Parameter spelling (sigma or tau, mu or alpha and beta, ...) is resolved in Python
// (python/hypatia/distributions), which then calls one of these.

#include <pybind11/stl.h>

#include "hypatia/error.hpp"
#include "hypatia/interpreter.hpp"
#include "hypatia/ops/random.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "python/bindings.hpp"

namespace hypatia::python {
namespace {

py::array draw(const Distribution& distribution, const Shape& shape, std::uint64_t seed,
               std::uint64_t stream) {
  RandomStream rng(constant(random_state(seed, stream)));
  Expr value = distribution.random(rng, shape);
  Tensor result;
  {
    py::gil_scoped_release release;
    result = evaluate(value.node());
  }
  return to_numpy(result);
}

void bind_distribution_class(py::module_& m) {
  py::class_<Distribution>(m, "Distribution")
      .def_property_readonly("name", &Distribution::name)
      .def_property_readonly("event_rank", &Distribution::event_rank)
      .def_property_readonly("default_shape", &Distribution::default_shape)
      .def_property_readonly("is_discrete", &Distribution::is_discrete)
      .def_property_readonly("support",
                             [](const Distribution& d) { return d.support().describe(); })
      .def("logp", [](const Distribution& d, const Expr& value) { return d.logp(value); })
      .def("logcdf", &Distribution::logcdf)
      .def("logccdf", &Distribution::logccdf)
      .def("quantile", &Distribution::quantile)
      .def("random",
           [](const Distribution& d, const Expr& state, const Shape& shape) {
             RandomStream rng(state);
             Expr value = d.random(rng, shape);
             return std::make_pair(value, rng.state());
           })
      .def("draw", &draw, py::arg("shape"), py::arg("seed"), py::arg("stream") = 0);
}

void bind_continuous(py::module_& m) {
  m.def("Normal", &Normal);
  m.def("HalfNormal", &HalfNormal);
  m.def("TruncatedNormal", &TruncatedNormal);
  m.def("StudentT", &StudentT);
  m.def("HalfStudentT", &HalfStudentT);
  m.def("Cauchy", &Cauchy);
  m.def("HalfCauchy", &HalfCauchy);
  m.def("Exponential", &Exponential);
  m.def("Gamma", &Gamma);
  m.def("InverseGamma", &InverseGamma);
  m.def("Beta", &Beta);
  m.def("Uniform", &Uniform);
  m.def("LogNormal", &LogNormal);
  m.def("Laplace", &Laplace);
  m.def("Logistic", &Logistic);
  m.def("Weibull", &Weibull);
  m.def("ChiSquared", &ChiSquared);
  m.def("Pareto", &Pareto);
  m.def("VonMises", &VonMises);
  m.def("SkewNormal", &SkewNormal);
  m.def("Gumbel", &Gumbel);
  m.def("Wald", &Wald);
  m.def("ExGaussian", &ExGaussian);
  m.def("Kumaraswamy", &Kumaraswamy);
  m.def("AsymmetricLaplace", &AsymmetricLaplace);
  m.def("Triangular", &Triangular);
  m.def("Rice", &Rice);
  m.def("Moyal", &Moyal);
  m.def("PolyaGamma", &PolyaGamma);
  m.def("Interpolated", &Interpolated);
  m.def("LogitNormal", &LogitNormal);
  m.def("SkewStudentT", &SkewStudentT);
  m.def("HurdleGamma", &HurdleGamma);
  m.def("HurdleLogNormal", &HurdleLogNormal);
  m.def("Flat", &Flat);
  m.def("HalfFlat", &HalfFlat);
}

void bind_discrete(py::module_& m) {
  m.def("Bernoulli", &Bernoulli);
  m.def("BernoulliLogit", &BernoulliLogit);
  m.def("Binomial", &Binomial);
  m.def("BinomialLogit", &BinomialLogit);
  m.def("BetaBinomial", &BetaBinomial);
  m.def("Poisson", &Poisson);
  m.def("NegativeBinomial", &NegativeBinomial);
  m.def("NegativeBinomialNP", &NegativeBinomialNP);
  m.def("Geometric", &Geometric);
  m.def("Categorical", &Categorical);
  m.def("CategoricalLogit", &CategoricalLogit);
  m.def("DiscreteUniform", &DiscreteUniform);
  m.def("ZeroInflatedPoisson", &ZeroInflatedPoisson);
  m.def("ZeroInflatedBinomial", &ZeroInflatedBinomial);
  m.def("ZeroInflatedNegativeBinomial", &ZeroInflatedNegativeBinomial);
  m.def("OrderedLogistic", &OrderedLogistic);
  m.def("OrderedProbit", &OrderedProbit);
  m.def("HyperGeometric", &HyperGeometric);
  m.def("OrderedMultinomial", &OrderedMultinomial);
  m.def("DiscreteWeibull", &DiscreteWeibull);
  m.def("HurdlePoisson", &HurdlePoisson);
  m.def("HurdleNegativeBinomial", &HurdleNegativeBinomial);
  m.def("DiracDelta", &DiracDelta);
}

void bind_multivariate_and_combinators(py::module_& m) {
  m.def("MvNormal", &MvNormal);
  m.def("MvNormalCholesky", &MvNormalCholesky);
  m.def("MvNormalPrecision", &MvNormalPrecision);
  m.def("MvStudentT", &MvStudentT);
  m.def("Dirichlet", &Dirichlet);
  m.def("Multinomial", &Multinomial);
  m.def(
      "LKJCorr",
      [](std::int64_t dim, const Expr& eta, bool packed) {
        return LKJCorr(dim, eta, packed ? CorrValue::packed : CorrValue::matrix);
      },
      py::arg("dim"), py::arg("eta"), py::arg("packed") = false);
  m.def("LKJCorrCholesky", &LKJCorrCholesky);
  m.def("LKJCholeskyCov", &LKJCholeskyCov);
  m.def("ZeroSumNormal", &ZeroSumNormal);
  m.def("DirichletMultinomial", &DirichletMultinomial);
  m.def("StickBreakingWeights", &StickBreakingWeights);
  m.def("CAR", &CAR);
  m.def("ICAR", &ICAR);
  m.def("MvGaussianRandomWalk", &MvGaussianRandomWalk);
  m.def("MvGaussianRandomWalkCholesky", &MvGaussianRandomWalkCholesky);
  m.def("MvGaussianRandomWalkPrecision", &MvGaussianRandomWalkPrecision);
  m.def("MvStudentTRandomWalk", &MvStudentTRandomWalk);
  m.def("MvStudentTRandomWalkCholesky", &MvStudentTRandomWalkCholesky);
  m.def("MvStudentTRandomWalkPrecision", &MvStudentTRandomWalkPrecision);
  m.def("MatrixNormal", &MatrixNormal);
  m.def("MatrixNormalCholesky", &MatrixNormalCholesky);
  m.def("KroneckerNormal", &KroneckerNormal);
  m.def("KroneckerNormalCholesky", &KroneckerNormalCholesky);
  m.def("Mixture", &Mixture);
  m.def("Truncated", &Truncated);
  m.def("Censored", &Censored);
  m.def("GaussianRandomWalk", &GaussianRandomWalk);
  m.def("AR", &AR);
  m.def("GARCH11", &GARCH11);
}

SupportKind support_from_name(const std::string& name) {
  static const std::pair<const char*, SupportKind> kinds[] = {
      {"real", SupportKind::real},
      {"positive", SupportKind::positive},
      {"nonnegative", SupportKind::nonnegative},
      {"unit_interval", SupportKind::unit_interval},
      {"integers", SupportKind::integers},
      {"nonnegative_integers", SupportKind::nonnegative_integers},
      {"binary", SupportKind::binary},
      {"simplex", SupportKind::simplex},
      {"ordered", SupportKind::ordered},
  };
  for (const auto& [kind_name, kind] : kinds) {
    if (name == kind_name) return kind;
  }
  throw Error("unknown support '" + name + "'");
}

void bind_custom(py::module_& m) {
  m.def(
      "CustomDist",
      [](const std::string& name, const Expr& value, const Expr& logp, int event_rank,
         const std::string& support, const std::optional<Expr>& random_state,
         const std::optional<Expr>& draw, const std::optional<Expr>& next_state) {
        return CustomDist({.name = name,
                           .value = value,
                           .logp = logp,
                           .event_rank = event_rank,
                           .support = support_from_name(support),
                           .random_state = random_state.value_or(Expr()),
                           .draw = draw.value_or(Expr()),
                           .next_state = next_state.value_or(Expr())});
      },
      py::arg("name"), py::arg("value"), py::arg("logp"), py::arg("event_rank"), py::arg("support"),
      py::arg("random_state") = py::none(), py::arg("draw") = py::none(),
      py::arg("next_state") = py::none());
}

}  // namespace

void bind_distributions(py::module_& m) {
  bind_custom(m);
  bind_distribution_class(m);
  bind_continuous(m);
  bind_discrete(m);
  bind_multivariate_and_combinators(m);
}

}  // namespace hypatia::python
