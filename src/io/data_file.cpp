// Data in: a JSON object of named numbers and rectangular arrays, as Stan and posteriordb write
// data.json. Nested arrays become shapes; values are kept as int64 when all were integers.

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
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

// Follows the parse event by event (nlohmann's parser callback) to give what the DOM cannot:
// where in the file a parse error happened ("key 'y', element y[2][0]"), a duplicate key (the DOM
// silently keeps the last value) and a nesting limit (a value nested 200,000 deep would overflow
// the stack of everything that walks the tree recursively afterwards).
class ParseTracker {
 public:
  // Data values are numbers or rectangular arrays; 32 axes is numpy's own limit.
  static constexpr int kMaxArrayDimensions = 32;

  explicit ParseTracker(const std::string& source) : source_(source) {}

  Json::parser_callback_t callback() {
    return [this](int depth, nlohmann::json::parse_event_t event, Json& parsed) {
      on_event(depth, event, parsed);
      return true;
    };
  }

  // "key 'y', element y[2][0]: " for the value being read, "after key 'y': " between values,
  // "" before the first key.
  std::string location() const {
    if (frames_.empty() || frames_.front().key.empty()) return "";
    const Frame& outer = frames_.front();
    if (!outer.in_value) return "after key '" + outer.key + "': ";
    const std::string element = path();
    return "key '" + outer.key + "'" + (element == outer.key ? "" : ", element " + element) + ": ";
  }

 private:
  struct Frame {
    bool is_array = false;
    std::int64_t index = 0;                // arrays: the element being read
    std::string key = {};                  // objects: the last member named
    bool in_value = false;                 // objects: between the member's key and its value's end
    std::set<std::string> keys_seen = {};  // objects
  };

  void on_event(int depth, nlohmann::json::parse_event_t event, Json& parsed) {
    using Event = nlohmann::json::parse_event_t;
    switch (event) {
      case Event::object_start:
      case Event::array_start:
        // depth counts the containers around this one; the outer object is depth 0.
        if (depth > kMaxArrayDimensions) {
          throw Error("data file '" + source_ + "': " + location() + "nested deeper than " +
                      std::to_string(kMaxArrayDimensions) +
                      " levels; a data value is a number or a rectangular array of at most " +
                      std::to_string(kMaxArrayDimensions) + " dimensions");
        }
        frames_.push_back(Frame{.is_array = event == Event::array_start});
        break;
      case Event::key: {
        Frame& object = frames_.back();
        object.key = parsed.get<std::string>();
        object.in_value = true;
        if (!object.keys_seen.insert(object.key).second) {
          const std::string where = frames_.size() == 1 ? "" : " in " + path_of_parent();
          throw Error("data file '" + source_ + "': duplicate key '" + object.key + "'" + where +
                      "; each name may appear once (JSON parsers disagree on which value wins)");
        }
        break;
      }
      case Event::object_end:
      case Event::array_end:
        frames_.pop_back();
        next_element();
        break;
      case Event::value:
        next_element();
        break;
    }
  }

  void next_element() {
    if (frames_.empty()) return;
    Frame& parent = frames_.back();
    if (parent.is_array) {
      ++parent.index;
    } else {
      parent.in_value = false;
    }
  }

  // "y[2][0]" or "t.a": the path from the outer object to the value being read.
  std::string path() const {
    std::string text;
    for (const Frame& frame : frames_) {
      if (frame.is_array) {
        text += "[" + std::to_string(frame.index) + "]";
      } else {
        text += (text.empty() ? "" : ".") + frame.key;
      }
    }
    return text;
  }

  std::string path_of_parent() const {
    ParseTracker parent(source_);
    parent.frames_.assign(frames_.begin(), frames_.end() - 1);
    return "'" + parent.path() + "'";
  }

  const std::string& source_;
  std::vector<Frame> frames_;
};

// nlohmann's messages start with "[json.exception.parse_error.101] ": the part for people follows.
std::string without_nlohmann_prefix(const std::string& message) {
  if (message.rfind("[json.exception.", 0) == 0) {
    const std::size_t end = message.find("] ");
    if (end != std::string::npos) return message.substr(end + 2);
  }
  return message;
}

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
  ParseTracker tracker(source);
  Json document;
  try {
    document = Json::parse(text, tracker.callback());
  } catch (const Error&) {
    throw;  // the tracker's own errors (nesting, duplicate keys) already say everything
  } catch (const Json::out_of_range& error) {
    // nlohmann reads 1e400 as infinity and refuses it.
    throw Error("data file '" + source + "': " + tracker.location() +
                without_nlohmann_prefix(error.what()) +
                ": beyond the range of a double (about 1.8e308); write \"Inf\" or \"-Inf\" for an "
                "infinite value");
  } catch (const Json::exception& error) {
    throw Error("data file '" + source + "': " + tracker.location() +
                "not valid JSON: " + without_nlohmann_prefix(error.what()));
  }
  if (!document.is_object()) {
    throw Error("data file '" + source + "': expected a JSON object of named values, got " +
                std::string(document.type_name()));
  }
  DataFile file;
  file.source_ = source;
  for (const auto& [key, value] : document.items()) {
    try {
      file.values_[key] = ValueReader(source, key).read(value);
    } catch (const Json::exception& error) {
      // ValueReader checks each type before reading it; this only guards against a path missed.
      throw Error("data file '" + source + "': key '" + key +
                  "': " + without_nlohmann_prefix(error.what()));
    }
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
