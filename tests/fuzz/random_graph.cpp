#include "fuzz/random_graph.hpp"

#include <algorithm>
#include <functional>
#include <numeric>
#include <random>
#include <unordered_set>

#include "ops/elementwise.hpp"

namespace hypatia::fuzz {
namespace {

// Above this many elements a generated tensor is dropped: big tensors add compile and run time
// without exercising anything new.
constexpr std::int64_t kMaxElements = 1500;

// Where a function argument must lie for the value to be meaningful. Inputs are mapped there by
// a guard built from graph ops, so the guard is part of the tested graph too.
enum class Domain { any, positive, open_unit, symmetric_unit, above_minus_one, negative };

Domain domain_of(const std::string& fn, int arg) {
  static const std::unordered_set<std::string> positive{
      "log",      "sqrt",      "lgamma", "digamma",           "reciprocal",
      "gammainc", "gammaincc", "lbeta",  "polya_gamma_logpdf"};
  if (positive.count(fn)) return Domain::positive;
  if (fn == "log1p") return Domain::above_minus_one;
  if (fn == "arcsin" || fn == "arccos" || fn == "erfinv") return Domain::symmetric_unit;
  if (fn == "logit") return Domain::open_unit;
  if (fn == "log1mexp") return Domain::negative;
  if (fn == "pow") return arg == 0 ? Domain::positive : Domain::symmetric_unit;
  if (fn == "div") return arg == 1 ? Domain::positive : Domain::any;
  if (fn == "betainc") return arg == 2 ? Domain::open_unit : Domain::positive;
  if (fn == "polygamma") return Domain::positive;
  return Domain::any;
}

class Generator {
 public:
  Generator(std::uint64_t seed, std::int64_t max_dim, std::string prefix, FuzzCase& out)
      : rng_(seed), max_dim_(max_dim), prefix_(std::move(prefix)), case_(out) {}

  void run() {
    const int n_inputs = uniform(1, 3);
    for (int i = 0; i < n_inputs; ++i) pool_.push_back(new_input(random_shape(uniform(0, 3))));
    const int n_steps = uniform(2, 7);
    for (int step = 0; step < n_steps; ++step) {
      // A family whose shapes do not fit (or whose result would be too big) adds nothing; the next
      // draw tries again, so every case still has several ops.
      for (int attempt = 0; attempt < 8; ++attempt) {
        if (try_family(uniform(0, 99))) break;
      }
    }
    // Every value nothing else used is a result, so no generated op goes untested.
    std::unordered_set<const Node*> used;
    for (const Expr& e : pool_) {
      for (const NodePtr& n : topological_order({e.node()}))
        if (n != e.node()) used.insert(n.get());
    }
    for (auto it = pool_.rbegin(); it != pool_.rend() && case_.outputs.size() < 4; ++it) {
      if (used.count(it->node().get()) || is_input(*it->node())) continue;
      if (std::find(case_.outputs.begin(), case_.outputs.end(), it->node()) != case_.outputs.end())
        continue;
      case_.outputs.push_back(it->node());
    }
    if (case_.outputs.empty()) case_.outputs.push_back(exp(pool_.back()).node());
  }

 private:
  // ---- randomness ---------------------------------------------------------------------------
  int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  double uniform_real(double lo, double hi) {
    return std::uniform_real_distribution<double>(lo, hi)(rng_);
  }
  bool chance(double p) { return uniform_real(0.0, 1.0) < p; }

  // Sizes 1 and odd sizes are where loop bounds, remainders and vector tails go wrong.
  std::int64_t dim() {
    static const std::vector<std::int64_t> sizes{1, 1, 2, 3, 3, 4, 5, 5, 7, 8, 9, 13, 16, 17};
    std::int64_t d = sizes[uniform(0, static_cast<int>(sizes.size()) - 1)];
    return std::min(d, max_dim_);
  }
  Shape random_shape(int rank) {
    Shape shape;
    for (int i = 0; i < rank; ++i) shape.push_back(dim());
    while (num_elements(shape) > kMaxElements / 4) shape.back() = 1;
    return shape;
  }

  // ---- leaves -------------------------------------------------------------------------------
  Expr new_input(const Shape& shape, DType dtype = DType::float64) {
    Tensor value(dtype, shape);
    const int style = uniform(0, 9);
    for (std::int64_t i = 0; i < value.size(); ++i) {
      double v = uniform_real(-2.0, 2.0);
      if (style == 0) v = uniform(-2, 2);  // ties, zeros and integers: edge cases of max, abs...
      if (style == 1) v *= 4.0;
      value.set(i, v);
    }
    return add_input(value);
  }
  Expr add_input(const Tensor& value) {
    const std::string name = prefix_ + "x" + std::to_string(case_.inputs.size());
    NodePtr node = input(name, value.type());
    case_.inputs.push_back(node);
    case_.values.push_back(value);
    return node;
  }
  // int64 indices in [-extent, extent) of the given shape (numpy's negative indices included).
  Tensor random_indices(const Shape& shape, std::int64_t extent) {
    Tensor idx(DType::int64, shape);
    for (std::int64_t i = 0; i < idx.size(); ++i)
      idx.set(i, uniform(-static_cast<int>(extent), static_cast<int>(extent) - 1));
    return idx;
  }

  Expr pick() {
    // Recent values more often, so graphs grow deep rather than wide.
    const int n = static_cast<int>(pool_.size());
    return chance(0.6) ? pool_[n - 1] : pool_[uniform(0, n - 1)];
  }
  Expr pick_rank_at_least(int rank) {
    std::vector<Expr> fits;
    for (const Expr& e : pool_)
      if (e.rank() >= rank) fits.push_back(e);
    if (fits.empty()) return {};
    if (chance(0.5) && fits.back() == pool_.back()) return fits.back();
    return fits[uniform(0, static_cast<int>(fits.size()) - 1)];
  }

  // A shape that broadcasts against `shape`: itself, a suffix, or with some dimensions set to 1.
  Shape broadcastable_to(const Shape& shape) {
    Shape out = shape;
    const int mode = uniform(0, 3);
    if (mode == 1 && !out.empty()) out.erase(out.begin(), out.begin() + uniform(1, out.size()));
    if (mode == 2)
      for (auto& d : out)
        if (chance(0.5)) d = 1;
    if (mode == 3 && out.size() < 3 && chance(0.5)) out.insert(out.begin(), dim());
    return out;
  }
  // Another operand for a binary op with x: a pool value that broadcasts with it, or a new input.
  Expr partner(const Expr& x) {
    if (chance(0.5)) {
      std::vector<Expr> fits;
      for (const Expr& e : pool_)
        if (broadcast_static(e.shape(), x.shape())) fits.push_back(e);
      if (!fits.empty()) return fits[uniform(0, static_cast<int>(fits.size()) - 1)];
    }
    if (chance(0.15)) return Expr(uniform_real(-2.0, 2.0));
    return new_input(broadcastable_to(x.shape()));
  }

  Expr guard(const Expr& x, Domain domain) {
    if (domain == Domain::any || chance(0.06)) return x;  // NaN positions are compared too
    switch (domain) {
      case Domain::positive:
        return abs(x) + 0.5;
      case Domain::open_unit:
        return sigmoid(x);
      case Domain::symmetric_unit:
        return tanh(x) * 0.9;
      case Domain::above_minus_one:
        return abs(x) - 0.5;
      case Domain::negative:
        return neg(abs(x)) - 0.1;
      case Domain::any:
        break;
    }
    return x;
  }

  bool push(const Expr& e) {
    if (!e || !is_fully_known(e.shape()) || num_elements(e.shape()) > kMaxElements) return false;
    if (num_elements(e.shape()) == 0) return false;
    Expr value = e;
    if (e.dtype() != DType::float64) value = cast(e, DType::float64);
    pool_.push_back(value);
    return true;
  }

  // ---- families -----------------------------------------------------------------------------
  bool try_family(int roll) {
    try {
      if (roll < 22) return push(elementwise());
      if (roll < 30) return push(comparison_where());
      if (roll < 42) return push(reduction());
      if (roll < 46) return push(cumulative());
      if (roll < 56) return push(shape_op());
      if (roll < 68) return push(index_op());
      if (roll < 74) return push(gather_scatter());
      if (roll < 90) return push(linalg());
      if (roll < 95) return push(scan_op());
      return push(integer_chain());
    } catch (const Error&) {
      // Shapes that do not fit: the graph API said so at build time, which is what it should do.
      return false;
    }
  }

  // One row of the elementwise table, applied to pool values with its domain guarded.
  Expr apply_row(const ops::ScalarFunction& fn, const Expr& first) {
    Exprs args;
    for (int a = 0; a < fn.arity; ++a) {
      if (std::find(fn.integer_inputs.begin(), fn.integer_inputs.end(), a) !=
          fn.integer_inputs.end()) {
        args.push_back(constant(static_cast<double>(uniform(0, 2)), DType::int64));
        continue;
      }
      Expr arg = a == 0 ? first : partner(first);
      args.push_back(guard(arg, domain_of(fn.name, a)));
    }
    return ops::apply_elementwise(fn.name, args);
  }
  static const std::vector<const ops::ScalarFunction*>& numeric_rows() {
    static const std::vector<const ops::ScalarFunction*> rows = [] {
      std::vector<const ops::ScalarFunction*> out;
      for (const ops::ScalarFunction& fn : ops::scalar_function_table()) {
        if (fn.result == ops::ResultDType::boolean || fn.condition_first) continue;
        if (fn.name.find("_grad") != std::string::npos) continue;  // gradient helpers
        out.push_back(&fn);
      }
      return out;
    }();
    return rows;
  }
  Expr elementwise() {
    const auto& rows = numeric_rows();
    Expr x = pick();
    const int chain = uniform(1, 3);
    for (int i = 0; i < chain; ++i)
      x = apply_row(*rows[uniform(0, static_cast<int>(rows.size()) - 1)], x);
    return x;
  }

  Expr comparison_where() {
    static const char* const comparisons[] = {"less",          "less_equal", "greater",
                                              "greater_equal", "equal",      "not_equal"};
    Expr a = pick();
    Expr b = partner(a);
    Expr condition = ops::apply_elementwise(comparisons[uniform(0, 5)], {a, b});
    if (chance(0.3)) condition = logical_or(condition, isnan(a));
    if (chance(0.2)) return cast(condition, DType::float64);
    return where(condition, a, chance(0.5) ? b : partner(a));
  }

  Axes random_axes(int rank) {
    Axes axes;
    if (rank == 0 || chance(0.25)) return axes;  // every axis
    for (int a = 0; a < rank; ++a)
      if (chance(0.5)) axes.push_back(chance(0.3) ? a - rank : a);
    if (axes.empty()) axes.push_back(uniform(0, rank - 1));
    return axes;
  }
  Expr reduction() {
    Expr x = pick();
    const Axes axes = random_axes(x.rank());
    const bool keepdims = chance(0.3);
    switch (uniform(0, 8)) {
      case 0:
        return sum(x, axes, keepdims);
      case 1:
        return prod(tanh(x) + 1.0, axes, keepdims);
      case 2:
        return mean(x, axes, keepdims);
      case 3:
        return max(x, axes, keepdims);
      case 4:
        return min(x, axes, keepdims);
      case 5:
        return logsumexp(x, axes, keepdims);
      case 6:
        return argmax(x, axes, keepdims);
      case 7:
        return where(any(greater(x, 0.5), axes, keepdims), sum(x, axes, keepdims), -1.0);
      default:
        return cast(all(less(x, 1.0), axes, keepdims), DType::float64);
    }
  }
  Expr cumulative() {
    Expr x = pick_rank_at_least(1);
    if (!x) return {};
    const std::int64_t axis = uniform(0, x.rank() - 1);
    return chance(0.6) ? cumsum(x, axis, chance(0.5)) : cumprod(tanh(x) + 1.0, axis, chance(0.5));
  }

  Expr shape_op() {
    Expr x = pick();
    const int rank = x.rank();
    switch (uniform(0, 6)) {
      case 0: {
        std::vector<std::int64_t> perm(rank);
        std::iota(perm.begin(), perm.end(), 0);
        std::shuffle(perm.begin(), perm.end(), rng_);
        return transpose(x, perm);
      }
      case 1: {
        const std::int64_t n = num_elements(x.shape());
        std::vector<std::int64_t> divisors;
        for (std::int64_t d = 1; d <= n; ++d)
          if (n % d == 0) divisors.push_back(d);
        const std::int64_t d = divisors[uniform(0, static_cast<int>(divisors.size()) - 1)];
        return chance(0.5) ? reshape(x, {d, -1}) : reshape(x, {n / d, 1, d});
      }
      case 2:
        return expand_dims(x, {uniform(0, rank)});
      case 3: {
        Shape target = x.shape();
        if (target.size() < 3) target.insert(target.begin(), dim());
        return broadcast_to(x, target) * partner(x);
      }
      case 4: {
        if (rank == 0) return stack({x, exp(x)}, 0);
        const std::int64_t axis = uniform(0, rank - 1);
        Shape other = x.shape();
        other[axis] = dim();
        return concatenate({x, new_input(other), chance(0.5) ? x : sin(x)}, axis);
      }
      case 5:
        return stack({x, cos(x)}, uniform(0, rank));
      default:
        return squeeze(expand_dims(x, {0}) * 2.0, {0});
    }
  }

  SliceSpecs random_specs(const Shape& shape) {
    SliceSpecs specs;
    const int n = uniform(1, static_cast<int>(shape.size()));
    for (int a = 0; a < n; ++a) {
      const int d = static_cast<int>(shape[a]);
      if (chance(0.25)) {
        specs.push_back(Index{uniform(-d, d - 1)});
        continue;
      }
      Slice s;
      if (chance(0.7)) s.start = uniform(-d - 1, d + 1);
      if (chance(0.7)) s.stop = uniform(-d - 1, d + 1);
      static const int steps[] = {1, 1, 2, 3, -1, -2};
      if (chance(0.6)) s.step = steps[uniform(0, 5)];
      specs.push_back(s);
    }
    return specs;
  }
  Expr index_op() {
    Expr x = pick_rank_at_least(1);
    if (!x) return {};
    const SliceSpecs specs = random_specs(x.shape());
    Expr region = slice(x, specs);
    if (num_elements(region.shape()) == 0) return {};
    switch (uniform(0, 3)) {
      case 0:
        return region;
      case 1:
        return set_subtensor(x, specs, chance(0.5) ? new_input(region.shape()) : exp(region));
      case 2:
        return inc_subtensor(x, specs, partner(region));
      default:
        return slice(x * 3.0, specs) + region;
    }
  }

  Expr gather_scatter() {
    Expr x = pick_rank_at_least(1);
    if (!x) return {};
    const std::int64_t axis = uniform(0, x.rank() - 1);
    Tensor idx = random_indices(random_shape(uniform(0, 2)), x.shape()[axis]);
    Expr indices = chance(0.5) ? Expr(constant(idx)) : add_input(idx);
    Expr gathered = gather(x, indices, axis);
    if (chance(0.5)) return gathered;
    return scatter_add(chance(0.5) ? x : zeros_like(x), indices,
                       chance(0.5) ? gathered * 0.5 : new_input(gathered.shape()), axis);
  }

  // A symmetric positive definite (batch of) matrix from x: x x^T + n I is well conditioned.
  Expr spd_from(const Expr& x) {
    Expr m = x;
    if (m.rank() < 2) m = reshape(m, {1, -1});
    const std::int64_t n = m.shape()[m.rank() - 2];
    return matmul(m, matrix_transpose(m)) + eye(n) * static_cast<double>(n);
  }
  Expr linalg() {
    Expr x = pick();
    const std::int64_t last = x.rank() > 0 ? x.shape().back() : 1;
    switch (uniform(0, 13)) {
      case 0:
        if (x.rank() == 0) return {};
        return matmul(x, new_input({last, dim()}));
      case 1: {
        if (x.rank() < 2) return {};
        return chance(0.5) ? tril(x, uniform(-3, 3)) : triu(x, uniform(-3, 3));
      }
      case 2:
        return cholesky(spd_from(x));
      case 3: {
        Expr s = spd_from(x);
        const std::int64_t n = s.shape().back();
        Expr l = chance(0.5) ? cholesky(s) : tril(s);
        const bool lower = chance(0.6);
        if (!lower) l = matrix_transpose(l);
        Expr b = chance(0.5) ? new_input({n}) : new_input({n, dim()});
        if (s.rank() > 2) b = new_input(Shape(s.shape().begin(), s.shape().end() - 1));
        return solve_triangular(l, b, lower);
      }
      case 4:
        return inverse(spd_from(x));
      case 5:
        return logdet(spd_from(x)) + det_sign(spd_from(x));
      case 6:
        return cholesky_logdet(cholesky(spd_from(x)));
      case 7: {
        Expr s = spd_from(x);
        return solve(s, new_input({s.shape().back()}));
      }
      case 8: {
        if (x.rank() == 0 || last > 9) return {};
        return diag(x);
      }
      case 9:
        return diagonal(spd_from(x)) + trace(spd_from(x));
      case 10: {
        if (x.rank() != 1) return {};
        return chance(0.5) ? outer(x, new_input({dim()})) : dot(x, sin(x));
      }
      case 11: {
        // Only the lower triangle of cholesky's operand is read: an arbitrary upper triangle.
        Expr s = spd_from(x);
        return cholesky(s + triu(new_input(s.shape()), 1));
      }
      case 12: {
        if (x.rank() < 2) return {};
        const std::int64_t k = uniform(-2, 2);
        return tril(x, k) * 2.0 + triu(x, k + 1);
      }
      default:
        return matmul(spd_from(x), spd_from(x));
    }
  }

  Expr scan_op() {
    Expr x = pick_rank_at_least(1);
    if (!x) return {};
    Expr init =
        chance(0.5) ? mean(x, {0}) : new_input(Shape(x.shape().begin() + 1, x.shape().end()));
    Expr outer_value = chance(0.5) ? Expr(new_input({})) : Expr(0.5);
    const int body_ops = uniform(1, 3);
    std::vector<int> choices;
    for (int i = 0; i < body_ops; ++i) choices.push_back(uniform(0, 5));
    ScanResult r = scan(
        [&](const Exprs& slices, const Exprs& carries) {
          Expr c = carries[0];
          for (int choice : choices) {
            switch (choice) {
              case 0:
                c = c * outer_value + slices[0];
                break;
              case 1:
                c = tanh(c) + slices[0] * slices[0];
                break;
              case 2:
                c = maximum(c, slices[0]) - 0.25;
                break;
              case 3:
                c = where(greater(slices[0], c), c, sin(slices[0]));
                break;
              case 4:
                c = c + sum(slices[0]) * 0.1;
                break;
              default:
                c = sqrt(abs(c) + 1.0) * slices[0];
                break;
            }
          }
          return ScanStep{{c}, {c * 2.0}};
        },
        {x}, {init}, {.n_steps = std::nullopt, .reverse = chance(0.3)});
    if (chance(0.4)) return r.carries[0];
    return chance(0.5) ? r.outputs[0] : r.carry_history[0] + r.outputs[0];
  }

  // Integer arithmetic (exact, wrapping) between casts, and back to float64.
  Expr integer_chain() {
    Expr x = pick();
    Expr i = cast(x * 3.0, DType::int64);
    static const char* const int_ops[] = {"add", "sub", "mul", "maximum", "minimum"};
    Expr j = ops::apply_elementwise(int_ops[uniform(0, 4)], {i, cast(partner(x), DType::int64)});
    if (chance(0.5)) j = abs(j) + sign(j);
    return cast(j, DType::float64) + x;
  }

  std::mt19937_64 rng_;
  std::int64_t max_dim_;
  std::string prefix_;
  FuzzCase& case_;
  std::vector<Expr> pool_;
};

}  // namespace

FuzzCase generate_case(std::uint64_t seed, std::int64_t max_dim, const std::string& prefix) {
  FuzzCase result;
  result.seed = seed;
  result.max_dim = max_dim;
  Generator(seed, max_dim, prefix, result).run();
  prune_inputs(result);
  return result;
}

void prune_inputs(FuzzCase& fuzz_case) {
  const std::vector<NodePtr> reached = free_inputs(fuzz_case.outputs);
  std::vector<NodePtr> inputs;
  std::vector<Tensor> values;
  for (std::size_t i = 0; i < fuzz_case.inputs.size(); ++i) {
    if (std::find(reached.begin(), reached.end(), fuzz_case.inputs[i]) == reached.end()) continue;
    inputs.push_back(fuzz_case.inputs[i]);
    values.push_back(fuzz_case.values[i]);
  }
  fuzz_case.inputs = std::move(inputs);
  fuzz_case.values = std::move(values);
}

}  // namespace hypatia::fuzz
