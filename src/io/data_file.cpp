// Data in: a JSON object of named numbers and rectangular arrays, as Stan and posteriordb write
// data.json. Nested arrays become shapes; values are kept as int64 when all were integers.

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "hypatia/error.hpp"
#include "hypatia/io.hpp"
#include "hypatia/shape.hpp"

namespace hypatia {
namespace {

using Json = nlohmann::json;

// Reads one key's value; every error names the file, the key and the element ("y[2][0]").
class ValueReader {
 public:
  ValueReader(const std::string& source, const std::string& key) : source_(source), key_(key) {}

  DataValue read(const Json& value) {
    DataValue result;
    shape_ = shape_of(value);
    result.shape = shape_;
    collect(value, 0, key_);
    if (all_integer_) {
      std::vector<std::int64_t> integers;
      for (const Json* leaf : leaves_) integers.push_back(integer_of(*leaf));
      result.values = std::move(integers);
    } else {
      std::vector<double> reals;
      for (const Json* leaf : leaves_) reals.push_back(real_of(*leaf));
      result.values = std::move(reals);
    }
    return result;
  }

 private:
  // The shape as the first element along each axis tells it; collect() checks the rest agree.
  static std::vector<std::int64_t> shape_of(const Json& value) {
    std::vector<std::int64_t> shape;
    const Json* node = &value;
    while (node->is_array()) {
      shape.push_back(static_cast<std::int64_t>(node->size()));
      if (node->empty()) break;
      node = &node->front();
    }
    return shape;
  }

  void collect(const Json& node, std::size_t depth, const std::string& where) {
    const std::vector<std::int64_t>& expected = shape_;
    if (depth < expected.size()) {
      if (!node.is_array()) {
        fail("ragged array: " + where + " is " + describe(node) + ", expected an array of " +
             std::to_string(expected[depth]) + " like " + first_element(depth));
      }
      if (static_cast<std::int64_t>(node.size()) != expected[depth]) {
        fail("ragged array: " + where + " has " + std::to_string(node.size()) +
             " elements, expected " + std::to_string(expected[depth]) + " like " +
             first_element(depth));
      }
      for (std::size_t i = 0; i < node.size(); ++i) {
        collect(node[i], depth + 1, where + "[" + std::to_string(i) + "]");
      }
      return;
    }
    if (node.is_array()) {
      fail("ragged array: " + where + " is an array, expected a number like " +
           first_element(depth));
    }
    check_number(node, where);
    leaves_.push_back(&node);
  }

  void check_number(const Json& node, const std::string& where) {
    if (node.is_number_integer()) {
      if (node.is_number_unsigned() &&
          node.get<std::uint64_t>() >
              static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        fail(where + " is " + node.dump() + ", larger than the largest int64");
      }
      return;
    }
    all_integer_ = false;
    if (node.is_number_float()) return;
    if (node.is_string() && special_real(node.get<std::string>())) return;
    fail(where + " is " + describe(node) +
         ", expected a number (or \"NaN\", \"Inf\", \"-Inf\" for a real)");
  }

  static std::optional<double> special_real(const std::string& text) {
    constexpr double infinity = std::numeric_limits<double>::infinity();
    if (text == "NaN" || text == "nan") return std::numeric_limits<double>::quiet_NaN();
    if (text == "Inf" || text == "inf" || text == "Infinity" || text == "+Inf") return infinity;
    if (text == "-Inf" || text == "-inf" || text == "-Infinity") return -infinity;
    return std::nullopt;
  }

  static std::int64_t integer_of(const Json& leaf) { return leaf.get<std::int64_t>(); }
  static double real_of(const Json& leaf) {
    return leaf.is_string() ? *special_real(leaf.get<std::string>()) : leaf.get<double>();
  }

  static std::string describe(const Json& node) {
    std::string text = node.dump();
    if (text.size() > 40) text = text.substr(0, 37) + "...";
    return std::string(node.type_name()) + " " + text;
  }

  // "y[0][0]" for depth 2: the element whose shape the others must match.
  std::string first_element(std::size_t depth) const {
    std::string name = key_;
    for (std::size_t i = 0; i < depth; ++i) name += "[0]";
    return name;
  }

  [[noreturn]] void fail(const std::string& problem) const {
    throw Error("data file '" + source_ + "': key '" + key_ + "': " + problem);
  }

  const std::string& source_;
  const std::string& key_;
  std::vector<std::int64_t> shape_;
  std::vector<const Json*> leaves_;
  bool all_integer_ = true;
};

}  // namespace

bool DataValue::is_integer() const {
  return std::holds_alternative<std::vector<std::int64_t>>(values);
}

std::vector<double> DataValue::as_doubles() const {
  if (const auto* reals = std::get_if<std::vector<double>>(&values)) return *reals;
  const auto& integers = std::get<std::vector<std::int64_t>>(values);
  return std::vector<double>(integers.begin(), integers.end());
}

const std::vector<std::int64_t>& DataValue::as_integers(const std::string& context) const {
  if (const auto* integers = std::get_if<std::vector<std::int64_t>>(&values)) return *integers;
  throw Error(context + ": expected integers, got reals");
}

DataFile DataFile::load(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) {
    throw Error("cannot read data file '" + path.string() + "': " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str(), path.string());
}

DataFile DataFile::parse(const std::string& text, const std::string& source) {
  Json document;
  try {
    document = Json::parse(text);
  } catch (const Json::parse_error& error) {
    throw Error("data file '" + source + "': not valid JSON: " + error.what());
  }
  if (!document.is_object()) {
    throw Error("data file '" + source + "': expected a JSON object of named values, got " +
                std::string(document.type_name()));
  }
  DataFile file;
  file.source_ = source;
  for (const auto& [key, value] : document.items()) {
    file.values_[key] = ValueReader(source, key).read(value);
  }
  return file;
}

std::vector<std::string> DataFile::keys() const {
  std::vector<std::string> names;
  for (const auto& [key, value] : values_) names.push_back(key);
  return names;
}

const DataValue& DataFile::at(const std::string& key) const {
  auto found = values_.find(key);
  if (found == values_.end()) {
    std::string available;
    for (const auto& [name, value] : values_) available += (available.empty() ? "" : ", ") + name;
    throw Error("data file '" + source_ + "': no key '" + key +
                "' (keys: " + (available.empty() ? "none" : available) + ")");
  }
  return found->second;
}

namespace {

const DataValue& scalar(const DataFile& file, const std::string& key) {
  const DataValue& value = file.at(key);
  if (!value.shape.empty()) {
    throw Error("data file '" + file.source() + "': key '" + key + "': expected a scalar, got " +
                "an array of shape " + shape_to_string(value.shape));
  }
  return value;
}

}  // namespace

double DataFile::real(const std::string& key) const {
  return scalar(*this, key).as_doubles().front();
}

std::int64_t DataFile::integer(const std::string& key) const {
  const DataValue& value = scalar(*this, key);
  if (!value.is_integer()) {
    std::ostringstream real;
    real << value.as_doubles().front();
    throw Error("data file '" + source_ + "': key '" + key +
                "': expected an integer, got the real " + real.str());
  }
  return std::get<std::vector<std::int64_t>>(value.values).front();
}

}  // namespace hypatia
