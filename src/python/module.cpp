// The extension module hypatia._core: the C++ engine for the pure-Python package python/hypatia.

#include "hypatia/error.hpp"
#include "python/bindings.hpp"

PYBIND11_MODULE(_core, module) {
  using namespace hypatia::python;
  module.doc() = "Hypatia's C++ engine (graphs, distributions, models, samplers)";
  // Every Hypatia error is a ValueError in Python (a bad value, shape or name in the user's model);
  // the Python layer raises TypeError and KeyError itself where those fit better.
  static py::exception<hypatia::Error> error(module, "HypatiaError", PyExc_ValueError);
  static py::exception<hypatia::ShapeError> shape_error(module, "ShapeError", error.ptr());
  py::register_exception_translator([](std::exception_ptr pointer) {
    try {
      if (pointer) std::rethrow_exception(pointer);
    } catch (const hypatia::ShapeError& e) {
      shape_error(e.what());
    } catch (const hypatia::Error& e) {
      error(e.what());
    }
  });
  bind_tensors(module);
  bind_ops(module);
  bind_distributions(module);
  bind_model(module);
  bind_inference(module);
  bind_laplace(module);
  bind_advi(module);
  bind_pathfinder(module);
  bind_gp(module);
  bind_user_ops(module);
}
