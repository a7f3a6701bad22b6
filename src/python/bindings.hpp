#pragma once

// Shared pieces of the pybind11 bindings (the extension module hypatia._core): conversions between
// numpy arrays and Tensors, and one registration function per binding file.

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>

#include "hypatia/function.hpp"
#include "hypatia/inference_data.hpp"
#include "hypatia/tensor.hpp"

namespace hypatia::python {

namespace py = pybind11;

// A numpy array (or anything np.asarray accepts) as a Tensor: float64, float32, int64 and bool keep
// their dtype, other integer types become int64, other floating types float64.
Tensor to_tensor(const py::handle& value);
py::array to_numpy(const Tensor& tensor);
// InferenceData as plain Python objects: {"chains", "draws", "coords", "attributes",
// "groups": {group: {"attributes": {...}, "variables": [{"name", "values", "dims"}]}}}.
// Consumes `data`: float64 values move into their numpy arrays without a copy.
py::dict to_python(InferenceData&& data);
InferenceData from_python(const py::dict& data);
// "default" (the JIT in builds with LLVM, else native), "jit", "native" or "interp" (also
// "interpreter"), as the Python layer spells backends.
Backend backend_from_name(const std::string& name);

void bind_tensors(py::module_& module);
void bind_ops(py::module_& module);
void bind_distributions(py::module_& module);
void bind_model(py::module_& module);
void bind_inference(py::module_& module);
void bind_laplace(py::module_& module);
void bind_advi(py::module_& module);
void bind_pathfinder(py::module_& module);
void bind_gp(py::module_& module);
void bind_user_ops(py::module_& module);

}  // namespace hypatia::python
