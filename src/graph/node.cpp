#include "hypatia/node.hpp"

#include <atomic>
#include <mutex>
#include <unordered_map>

#include "hypatia/error.hpp"

namespace hypatia {
namespace {

// The hash-consing table. Entries are weak: a node lives while the graphs using it do, and its
// deleter removes it from the table.
struct InternTable {
  std::mutex mutex;
  std::unordered_multimap<std::size_t, const Node*> by_hash;
  std::unordered_map<const Node*, std::weak_ptr<const Node>> owners;
  std::atomic<std::uint64_t> next_id{0};
};

InternTable& table() {
  static auto* instance = new InternTable();  // never destroyed: nodes may outlive statics
  return *instance;
}

std::size_t structural_hash(const OpDef& op, const std::vector<NodePtr>& inputs,
                            const Attrs& attrs) {
  std::size_t h = std::hash<const void*>()(&op);
  for (const NodePtr& input : inputs) h = h * 1000003u ^ std::hash<const void*>()(input.get());
  return h * 1000003u ^ attrs.hash();
}

// A live node equal to (op, inputs, attrs); the caller holds the table's lock.
NodePtr find_interned(InternTable& t, std::size_t hash, const OpDef& op,
                      const std::vector<NodePtr>& inputs, const Attrs& attrs) {
  auto [begin, end] = t.by_hash.equal_range(hash);
  for (auto it = begin; it != end; ++it) {
    const Node* candidate = it->second;
    if (&candidate->op() == &op && candidate->inputs() == inputs && candidate->attrs() == attrs) {
      auto owner = t.owners.find(candidate);
      if (owner == t.owners.end()) continue;
      if (NodePtr alive = owner->second.lock()) return alive;
    }
  }
  return nullptr;
}

}  // namespace

const TensorType& Node::type() const {
  if (op_->tuple_output) {
    throw Error("node '" + op_->name + "' has " + std::to_string(types_.size()) +
                " outputs; read one with tuple_get");
  }
  return types_.front();
}

NodePtr make_node(const OpDef& op, std::vector<NodePtr> inputs, Attrs attrs) {
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i]) throw_shape_error(op.name + ": input " + std::to_string(i) + " is empty");
    if (inputs[i]->is_tuple() && !op.reads_tuple) {
      throw_shape_error(op.name + ": input " + std::to_string(i) + " is a tuple of " +
                        std::to_string(inputs[i]->output_types().size()) + " values (from '" +
                        inputs[i]->op_name() + "'); read one with tuple_get");
    }
  }
  const std::size_t hash = structural_hash(op, inputs, attrs);
  InternTable& t = table();
  {
    std::lock_guard lock(t.mutex);
    if (NodePtr alive = find_interned(t, hash, op, inputs, attrs)) return alive;
  }
  // Type inference runs outside the lock: it may build nodes itself.
  std::vector<TensorType> types = op.infer(inputs, attrs);
  if (!op.tuple_output && types.size() != 1) {
    throw Error(op.name + ": type rule returned " + std::to_string(types.size()) +
                " types for a single-output op");
  }
  auto* node = new Node();
  node->op_ = &op;
  node->inputs_ = std::move(inputs);
  node->attrs_ = std::move(attrs);
  node->types_ = std::move(types);
  node->hash_ = hash;
  node->id_ = t.next_id++;
  NodePtr owned(node, [](const Node* dying) {
    {
      InternTable& tab = table();
      std::lock_guard lock(tab.mutex);
      auto [begin, end] = tab.by_hash.equal_range(dying->hash());
      for (auto it = begin; it != end; ++it) {
        if (it->second == dying) {
          tab.by_hash.erase(it);
          break;
        }
      }
      tab.owners.erase(dying);
    }
    delete dying;  // releases inputs, which may run this deleter again: the lock is released
  });
  NodePtr existing;
  {
    std::lock_guard lock(t.mutex);
    // Another thread may have built the same node meanwhile; keep the one already interned.
    existing = find_interned(t, hash, op, owned->inputs(), owned->attrs());
    if (!existing) {
      t.by_hash.emplace(hash, node);
      t.owners.emplace(node, owned);
    }
  }
  // A duplicate `owned` is released here, outside the lock, since its deleter takes the lock.
  return existing ? existing : owned;
}

std::size_t live_node_count() {
  InternTable& t = table();
  std::lock_guard lock(t.mutex);
  return t.owners.size();
}

}  // namespace hypatia
