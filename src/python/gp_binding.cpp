// The covariance builders of include/hypatia/gp as hypatia._core.gp_* functions. The Python
// classes of hypatia.gp.cov hold the hyperparameters and active dimensions and call these with
// nodes; Xs is None for K(X, X).

#include <optional>

#include "hypatia/gp/covariance.hpp"
#include "python/bindings.hpp"

namespace hypatia::python {

void bind_gp(py::module_& m) {
  using Stationary = Expr (*)(const Expr&, const std::optional<Expr>&, const Expr&);
  const std::pair<const char*, Stationary> stationary[] = {
      {"gp_exp_quad", &gp::exp_quad},       {"gp_matern52", &gp::matern52},
      {"gp_matern32", &gp::matern32},       {"gp_matern12", &gp::matern12},
      {"gp_exponential", &gp::exponential}, {"gp_cosine", &gp::cosine},
      {"gp_linear", &gp::linear},           {"gp_white_noise", &gp::white_noise},
      {"gp_constant", &gp::constant},
  };
  for (const auto& [name, function] : stationary) {
    m.def(name, function, py::arg("x"), py::arg("xs"), py::arg("param"));
  }
  m.def("gp_rat_quad", &gp::rat_quad, py::arg("x"), py::arg("xs"), py::arg("ls"), py::arg("alpha"));
  m.def("gp_periodic", &gp::periodic, py::arg("x"), py::arg("xs"), py::arg("ls"),
        py::arg("period"));
  m.def("gp_polynomial", &gp::polynomial, py::arg("x"), py::arg("xs"), py::arg("c"), py::arg("d"),
        py::arg("offset"));
  m.def("gp_scaled_square_distance", &gp::scaled_square_distance);
  m.def("gp_stationary_diag", &gp::stationary_diag);
  m.def("gp_linear_diag", &gp::linear_diag);
  m.def("gp_polynomial_diag", &gp::polynomial_diag);
  m.def("gp_white_noise_diag", &gp::white_noise_diag);
  m.def("gp_constant_diag", &gp::constant_diag);
  m.def("gp_exp_quad_psd", &gp::exp_quad_psd);
  m.def("gp_matern52_psd", &gp::matern52_psd);
  m.def("gp_matern32_psd", &gp::matern32_psd);
}

}  // namespace hypatia::python
