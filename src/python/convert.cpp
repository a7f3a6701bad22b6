#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "hypatia/error.hpp"
#include "python/bindings.hpp"

namespace hypatia::python {
namespace {

Shape shape_of(const py::array& array) {
  return Shape(array.shape(), array.shape() + array.ndim());
}

template <typename T>
Tensor copy_from(const py::array& array, DType dtype) {
  auto contiguous = py::array_t<T, py::array::c_style | py::array::forcecast>::ensure(array);
  if (!contiguous) throw Error("cannot convert the array to " + std::string(dtype_name(dtype)));
  Tensor tensor(dtype, shape_of(contiguous));
  if (tensor.size() > 0) {
    std::memcpy(tensor.mutable_data<T>(), contiguous.data(), tensor.byte_size());
  }
  return tensor;
}

template <typename T>
py::array copy_to(const Tensor& tensor) {
  py::array_t<T> array(std::vector<py::ssize_t>(tensor.shape().begin(), tensor.shape().end()));
  if (tensor.size() > 0) std::memcpy(array.mutable_data(), tensor.data<T>(), tensor.byte_size());
  return array;
}

py::object coord_values(const CoordValues& values) {
  return std::visit([](const auto& list) -> py::object { return py::cast(list); }, values);
}

// The values as a numpy array of the variable's dtype. Float64 values are moved into the array,
// which then owns them, rather than copied (for a large posterior the copy costs more than the
// gather that made it, mostly in first touches of fresh memory).
py::array variable_values(Variable& variable, const std::vector<std::int64_t>& leading) {
  std::vector<py::ssize_t> shape(leading.begin(), leading.end());
  shape.insert(shape.end(), variable.shape.begin(), variable.shape.end());
  const auto& values = variable.values;
  auto fill = [&](auto array) {
    auto* out = array.mutable_data();
    for (std::size_t i = 0; i < values.size(); ++i) {
      out[i] = static_cast<std::remove_pointer_t<decltype(out)>>(values[i]);
    }
    return py::array(array);
  };
  std::size_t expected = 1;
  for (auto extent : shape) expected *= static_cast<std::size_t>(extent);
  if (expected != values.size()) {
    throw Error("internal: variable " + variable.name + " holds " + std::to_string(values.size()) +
                " values for " + std::to_string(expected) + " elements");
  }
  if (variable.is_boolean) return fill(py::array_t<bool>(shape));
  if (variable.is_integer) return fill(py::array_t<std::int64_t>(shape));
  auto* owned = new std::vector<double>(std::move(variable.values));
  const py::capsule owner(owned,
                          [](void* vector) { delete static_cast<std::vector<double>*>(vector); });
  return py::array_t<double>(shape, owned->data(), owner);
}

}  // namespace

Tensor to_tensor(const py::handle& value) {
  py::array array = py::array::ensure(value);
  if (!array)
    throw Error("cannot convert a value of type " +
                py::str(py::type::of(value)).cast<std::string>() + " to a tensor");
  const char kind = array.dtype().kind();
  const auto itemsize = array.dtype().itemsize();
  if (kind == 'b') return copy_from<std::uint8_t>(array.attr("astype")("uint8"), DType::boolean);
  if (kind == 'i' || kind == 'u') return copy_from<std::int64_t>(array, DType::int64);
  if (kind == 'f' && itemsize == 4) return copy_from<float>(array, DType::float32);
  if (kind == 'f') return copy_from<double>(array, DType::float64);
  throw Error("cannot convert a numpy array of dtype " +
              py::str(array.dtype()).cast<std::string>() +
              " to a tensor (expected a bool, integer or floating dtype)");
}

py::array to_numpy(const Tensor& tensor) {
  switch (tensor.dtype()) {
    case DType::float64:
      return copy_to<double>(tensor);
    case DType::float32:
      return copy_to<float>(tensor);
    case DType::int64:
      return copy_to<std::int64_t>(tensor);
    case DType::boolean:
      return copy_to<std::uint8_t>(tensor).attr("astype")("bool");
  }
  throw Error("internal: unknown dtype");
}

py::dict to_python(InferenceData&& data) {
  py::dict coords;
  for (const auto& [dim, values] : data.coords) coords[py::str(dim)] = coord_values(values);
  py::dict groups;
  for (auto& [group_name, group] : data.groups) {
    const bool sampled = group_name != "observed_data" && group_name != "constant_data";
    std::vector<std::int64_t> leading;
    if (sampled) leading = {data.chains, data.draws_in(group_name)};
    py::list variables;
    for (auto& variable : group.variables) {
      // A group's own chain/draw count can differ from the posterior's (prior: one chain).
      std::vector<std::int64_t> group_leading = leading;
      if (sampled) {
        std::size_t per_draw = 1;
        for (auto extent : variable.shape) per_draw *= static_cast<std::size_t>(extent);
        const std::size_t total = variable.values.size() / std::max<std::size_t>(per_draw, 1);
        if (total != static_cast<std::size_t>(leading[0] * leading[1])) {
          const auto chains = group.attributes.count("chains")
                                  ? std::stoll(group.attributes.at("chains"))
                                  : std::int64_t{1};
          group_leading = {chains, static_cast<std::int64_t>(total) / chains};
        }
      }
      py::dict entry;
      entry["name"] = variable.name;
      entry["values"] = variable_values(variable, group_leading);
      entry["dims"] = variable.dims;
      variables.append(entry);
    }
    py::dict group_entry;
    group_entry["attributes"] = group.attributes;
    group_entry["variables"] = variables;
    groups[py::str(group_name)] = group_entry;
  }
  py::dict result;
  result["chains"] = data.chains;
  result["draws"] = data.draws;
  result["warmup_draws"] = data.warmup_draws;
  result["coords"] = coords;
  result["attributes"] = data.attributes;
  result["groups"] = groups;
  return result;
}

Backend backend_from_name(const std::string& name) {
  if (name == "default") return default_backend();
  if (name == "native") return Backend::native;
  if (name == "interp" || name == "interpreter") return Backend::interp;
  if (name == "jit") return Backend::jit;
  throw Error("unknown backend '" + name + "' (expected 'default', 'jit', 'native' or 'interp')");
}

InferenceData from_python(const py::dict& data) {
  InferenceData result;
  result.chains = data["chains"].cast<std::int64_t>();
  result.draws = data["draws"].cast<std::int64_t>();
  if (data.contains("warmup_draws"))
    result.warmup_draws = data["warmup_draws"].cast<std::int64_t>();
  for (const auto& [dim, values] : data["coords"].cast<py::dict>()) {
    auto labels = py::list(py::iter(values));
    bool all_strings = !labels.empty();
    for (const auto& label : labels) all_strings &= py::isinstance<py::str>(label);
    if (all_strings) {
      result.coords[dim.cast<std::string>()] = labels.cast<std::vector<std::string>>();
    } else {
      result.coords[dim.cast<std::string>()] = labels.cast<std::vector<double>>();
    }
  }
  for (const auto& [group_name, group_entry] : data["groups"].cast<py::dict>()) {
    const auto name = group_name.cast<std::string>();
    const int leading_axes = name == "observed_data" || name == "constant_data" ? 0 : 2;
    Group group;
    for (const auto& entry : group_entry.cast<py::dict>()["variables"].cast<py::list>()) {
      const auto variable_entry = entry.cast<py::dict>();
      Variable variable;
      variable.name = variable_entry["name"].cast<std::string>();
      auto values = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(
          variable_entry["values"]);
      if (!values || values.ndim() < leading_axes) {
        throw Error("variable " + variable.name + ": expected (chain, draw, ...) draws");
      }
      variable.shape.assign(values.shape() + leading_axes, values.shape() + values.ndim());
      if (variable_entry.contains("dims")) {
        variable.dims = variable_entry["dims"].cast<std::vector<std::string>>();
      }
      variable.values.assign(values.data(), values.data() + values.size());
      group.variables.push_back(std::move(variable));
    }
    result.groups[name] = std::move(group);
  }
  return result;
}

}  // namespace hypatia::python
