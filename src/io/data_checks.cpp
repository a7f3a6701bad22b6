// Data sizes checked against each other (hypatia/data.hpp): a size key that disagrees with the
// array it describes would otherwise broadcast silently.

#include <sstream>

#include "hypatia/data.hpp"
#include "hypatia/error.hpp"
#include "hypatia/shape.hpp"

namespace hypatia {
namespace {

std::string in_file(const DataFile& data) {
  return "data file '" + data.source() + "': ";
}

// "(J, 2)" and "(8, 2)": the shape as the model names it and as it evaluates.
std::string named_shape(const std::vector<std::string>& names) {
  std::string text = "(";
  for (std::size_t i = 0; i < names.size(); ++i) text += (i ? ", " : "") + names[i];
  return text + (names.size() == 1 ? ",)" : ")");
}

}  // namespace

std::int64_t size_value(const DataFile& data, const std::string& size_key) {
  const std::int64_t value = data.integer(size_key);
  if (value < 0) {
    throw Error(in_file(data) + "key '" + size_key + "' is " + std::to_string(value) +
                "; a size must be 0 or more");
  }
  return value;
}

std::int64_t Extent::length(const DataFile& data, std::string& description) const {
  if (const auto* fixed = std::get_if<std::int64_t>(&extent_)) {
    description = std::to_string(*fixed);
    return *fixed;
  }
  const std::string& size_key = std::get<std::string>(extent_);
  description = size_key;
  return size_value(data, size_key);
}

void require_shapes(const DataFile& data, const std::vector<ShapeRequirement>& requirements) {
  for (const ShapeRequirement& requirement : requirements) {
    const DataValue& value = data.at(requirement.key);
    std::vector<std::string> names, lengths;
    std::vector<std::int64_t> expected;
    for (const Extent& extent : requirement.shape) {
      std::string name;
      expected.push_back(extent.length(data, name));
      names.push_back(name);
      lengths.push_back(std::to_string(expected.back()));
    }
    const std::string should_be = "the shape of '" + requirement.key + "' should be " +
                                  named_shape(names) + " = " + shape_to_string(expected) +
                                  ", got " + shape_to_string(value.shape);
    if (value.shape.size() != expected.size()) {
      throw Error(in_file(data) + "'" + requirement.key + "' has " +
                  std::to_string(value.shape.size()) + " axes, expected " +
                  std::to_string(expected.size()) + " (" + should_be + ")");
    }
    for (std::size_t axis = 0; axis < expected.size(); ++axis) {
      if (value.shape[axis] == expected[axis]) continue;
      const std::string wanted =
          names[axis] == lengths[axis] ? lengths[axis] : names[axis] + " = " + lengths[axis];
      throw Error(in_file(data) + "'" + requirement.key + "' has " +
                  std::to_string(value.shape[axis]) + " elements along axis " +
                  std::to_string(axis) + ", but " +
                  (names[axis] == lengths[axis] ? "the model needs " : "") + wanted + " (" +
                  should_be + ")");
    }
  }
}

void require_size(const DataFile& data, const std::string& size_key, std::int64_t expected,
                  const std::string& why) {
  const std::int64_t value = size_value(data, size_key);
  if (value != expected) {
    throw Error(in_file(data) + size_key + " = " + std::to_string(value) + ", expected " +
                std::to_string(expected) + ": " + why);
  }
}

void require_indices(const DataFile& data, const std::string& key, std::int64_t first,
                     const Extent& last) {
  std::string last_name;
  const std::int64_t last_value = last.length(data, last_name);
  const std::vector<std::int64_t>& indices =
      data.at(key).as_integers(in_file(data) + "key '" + key + "' (indices)");
  for (std::size_t i = 0; i < indices.size(); ++i) {
    if (indices[i] < first || indices[i] > last_value) {
      std::ostringstream message;
      message << in_file(data) << key << "[" << i << "] = " << indices[i] << " is outside ["
              << first << ", " << last_name;
      if (last_name != std::to_string(last_value)) message << " = " << last_value;
      message << "]";
      throw Error(message.str());
    }
  }
}

}  // namespace hypatia
