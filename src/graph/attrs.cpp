#include <algorithm>
#include <cstring>
#include <functional>
#include <sstream>

#include "hypatia/error.hpp"
#include "hypatia/graph.hpp"
#include "hypatia/node.hpp"

namespace hypatia {
namespace {

std::size_t hash_value(const AttrValue& value) {
  return std::visit(
      [](const auto& v) -> std::size_t {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, Tensor>) {
          return v.hash();
        } else if constexpr (std::is_same_v<T, std::vector<std::int64_t>>) {
          std::size_t h = 17;
          for (std::int64_t x : v) h = h * 31 + std::hash<std::int64_t>()(x);
          return h;
        } else if constexpr (std::is_same_v<T, SubgraphPtr>) {
          std::size_t h = 29;
          for (const NodePtr& n : v->inputs) h = h * 31 + n->hash();
          for (const NodePtr& n : v->outputs) h = h * 31 + n->hash();
          return h;
        } else if constexpr (std::is_same_v<T, DType>) {
          return std::hash<int>()(static_cast<int>(v));
        } else if constexpr (std::is_same_v<T, double>) {
          // Hash the bits so that NaN attributes intern consistently.
          std::uint64_t bits;
          std::memcpy(&bits, &v, sizeof bits);
          return std::hash<std::uint64_t>()(bits);
        } else {
          return std::hash<T>()(v);
        }
      },
      value);
}

bool equal_values(const AttrValue& a, const AttrValue& b) {
  if (a.index() != b.index()) return false;
  return std::visit(
      [&b](const auto& va) -> bool {
        using T = std::decay_t<decltype(va)>;
        const T& vb = std::get<T>(b);
        if constexpr (std::is_same_v<T, Tensor>) {
          return va.identical(vb);
        } else if constexpr (std::is_same_v<T, SubgraphPtr>) {
          return va->inputs == vb->inputs && va->outputs == vb->outputs;
        } else if constexpr (std::is_same_v<T, double>) {
          return std::memcmp(&va, &vb, sizeof va) == 0;
        } else {
          return va == vb;
        }
      },
      a);
}

std::string value_to_string(const AttrValue& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        std::ostringstream out;
        if constexpr (std::is_same_v<T, Tensor>) {
          out << v.to_string(6);
        } else if constexpr (std::is_same_v<T, std::vector<std::int64_t>>) {
          out << "[";
          for (std::size_t i = 0; i < v.size(); ++i) out << (i ? ", " : "") << v[i];
          out << "]";
        } else if constexpr (std::is_same_v<T, SubgraphPtr>) {
          out << "<graph " << v->inputs.size() << " in, " << v->outputs.size() << " out>";
        } else if constexpr (std::is_same_v<T, DType>) {
          out << dtype_name(v);
        } else if constexpr (std::is_same_v<T, std::string>) {
          out << '"' << v << '"';
        } else {
          out << v;
        }
        return out.str();
      },
      value);
}

}  // namespace

Attrs::Attrs(std::initializer_list<std::pair<std::string, AttrValue>> entries) {
  for (const auto& [key, value] : entries) set(key, value);
}

Attrs& Attrs::set(const std::string& key, AttrValue value) {
  auto it =
      std::lower_bound(entries_.begin(), entries_.end(), key,
                       [](const auto& entry, const std::string& k) { return entry.first < k; });
  if (it != entries_.end() && it->first == key) {
    it->second = std::move(value);
  } else {
    entries_.insert(it, {key, std::move(value)});
  }
  return *this;
}

bool Attrs::has(const std::string& key) const {
  return std::any_of(entries_.begin(), entries_.end(),
                     [&key](const auto& entry) { return entry.first == key; });
}

const AttrValue& Attrs::get(const std::string& key) const {
  for (const auto& [k, v] : entries_) {
    if (k == key) return v;
  }
  throw Error("attribute '" + key + "' is missing (have: " + to_string() + ")");
}

namespace {
template <typename T>
const T& get_as(const Attrs& attrs, const std::string& key) {
  const AttrValue& value = attrs.get(key);
  if (const T* p = std::get_if<T>(&value)) return *p;
  throw Error("attribute '" + key + "' has another type than requested");
}
}  // namespace

std::int64_t Attrs::get_int(const std::string& key) const {
  return get_as<std::int64_t>(*this, key);
}
double Attrs::get_double(const std::string& key) const {
  return get_as<double>(*this, key);
}
const std::string& Attrs::get_string(const std::string& key) const {
  return get_as<std::string>(*this, key);
}
const std::vector<std::int64_t>& Attrs::get_ints(const std::string& key) const {
  return get_as<std::vector<std::int64_t>>(*this, key);
}
DType Attrs::get_dtype(const std::string& key) const {
  return get_as<DType>(*this, key);
}
const Tensor& Attrs::get_tensor(const std::string& key) const {
  return get_as<Tensor>(*this, key);
}
const SubgraphPtr& Attrs::get_subgraph(const std::string& key) const {
  return get_as<SubgraphPtr>(*this, key);
}

bool Attrs::operator==(const Attrs& other) const {
  if (entries_.size() != other.entries_.size()) return false;
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].first != other.entries_[i].first) return false;
    if (!equal_values(entries_[i].second, other.entries_[i].second)) return false;
  }
  return true;
}

std::size_t Attrs::hash() const {
  std::size_t h = 7;
  for (const auto& [key, value] : entries_) {
    h = h * 1000003u ^ std::hash<std::string>()(key);
    h = h * 1000003u ^ hash_value(value);
  }
  return h;
}

std::string Attrs::to_string() const {
  std::string text;
  for (const auto& [key, value] : entries_) {
    if (!text.empty()) text += ", ";
    text += key + "=" + value_to_string(value);
  }
  return text;
}

}  // namespace hypatia
