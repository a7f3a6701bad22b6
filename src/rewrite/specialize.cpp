// Specialize: general ops replaced by cheaper special cases. Powers with a constant exponent become
// square, sqrt and reciprocal; division by a constant becomes a multiplication; sums of products
// become dot and matmul (one library call instead of a broadcast product and a reduction). Results
// may round differently from the originals by an ulp or so (more only near the subnormal range);
// dtype, shape, NaNs and where a result overflows stay the same.

#include <cmath>
#include <optional>

#include "hypatia/ops.hpp"
#include "rewrite/engine.hpp"
#include "rewrite/pattern.hpp"

namespace hypatia::rewrite {
namespace {

// `replacement` standing in for `e` only when it has exactly e's type.
Expr if_same_type(const Expr& e, const Expr& replacement) {
  return replacement && replacement.type() == e.type() ? replacement : Expr();
}

// `x`, computed from the non-constant operand of `e`, brought to e's shape where e's other operand
// (a constant) broadcast it further. The constant's dimensions are all known, so equal static
// shapes are equal at run time too; a shape change needs e's shape to be static.
Expr with_shape_of(const Expr& e, const Expr& x) {
  if (x.shape() == e.shape()) return x;
  if (!is_fully_known(e.shape())) return {};
  return broadcast_to(x, e.shape());
}

// The value every element of the non-empty constant `c` equals; nullopt for anything else.
std::optional<double> uniform_value(const Expr& c) {
  if (!is_constant(*c.node())) return std::nullopt;
  const Tensor& value = constant_value(*c.node());
  if (value.size() == 0 || !is_constant_equal_to(*c.node(), value.at(0))) return std::nullopt;
  return value.at(0);
}

// ---- Powers with a constant exponent ------------------------------------------------------------

// A tensor of ones of e's type: a broadcast scalar when the shape is static (so nothing of the base
// is computed), else shaped at run time like `base`.
Expr ones_of_type(const Expr& e, const Expr& base) {
  if (is_fully_known(e.shape())) {
    return broadcast_to(constant(Tensor::scalar(1.0, e.dtype())), e.shape());
  }
  return with_shape_of(e, ones_like(base));
}

struct PowerForm {
  double exponent;
  const char* name;
  Expr (*build)(const Expr& base);  // base already cast to the power's dtype
};

// Only integer and half-integer exponents whose special form rounds at most twice; other exponents
// (2.5, 7, ...) stay with pow, which rounds once. The half powers differ from pow at -inf only
// (pow(-inf, 0.5) is inf, sqrt(-inf) NaN), as in every system that makes this rewrite.
const PowerForm kPowerForms[] = {
    {1.0, "x**1 -> x, cast and broadcast like the power", [](const Expr& x) { return x; }},
    {2.0, "x**2 -> square(x)", [](const Expr& x) { return square(x); }},
    {3.0, "x**3 -> x*square(x)", [](const Expr& x) { return x * square(x); }},
    {4.0, "x**4 -> square(square(x))", [](const Expr& x) { return square(square(x)); }},
    {0.5, "x**0.5 -> sqrt(x)", [](const Expr& x) { return sqrt(x); }},
    {-1.0, "x**-1 -> reciprocal(x)", [](const Expr& x) { return reciprocal(x); }},
    {-2.0, "x**-2 -> reciprocal(square(x))", [](const Expr& x) { return reciprocal(square(x)); }},
    {-0.5, "x**-0.5 -> reciprocal(sqrt(x))", [](const Expr& x) { return reciprocal(sqrt(x)); }},
};

Rule power_rule(const PowerForm& form) {
  return {form.name, [form](const Expr& e) -> Expr {
            Expr base, exponent;
            if (!match(e, op("pow", {any(base), any_constant(exponent)}))) return {};
            if (uniform_value(exponent) != form.exponent) return {};
            return if_same_type(e, with_shape_of(e, form.build(cast(base, e.dtype()))));
          }};
}

// pow(x, 0) is 1 for every x, NaN included (C and numpy agree).
Expr power_zero(const Expr& e) {
  Expr base;
  if (!match(e, op("pow", {any(base), constant_equal(0.0)}))) return {};
  return if_same_type(e, ones_of_type(e, base));
}

// ---- Division and multiplication ----------------------------------------------------------------

bool is_normal_in(double value, DType dtype) {
  return dtype == DType::float32 ? std::isnormal(static_cast<float>(value)) : std::isnormal(value);
}

// 1/c elementwise in `dtype`, when both c and 1/c are normal numbers there: then x * (1/c) is x / c
// up to rounding, also where it overflows. Zero, subnormal, infinite or NaN divisors stay: their
// reciprocals are infinite or lose precision.
std::optional<Tensor> normal_reciprocal(const Tensor& c, DType dtype) {
  Tensor reciprocal_value(dtype, c.shape());
  for (std::int64_t i = 0; i < c.size(); ++i) {
    const double divisor = c.at(i);
    if (!is_normal_in(divisor, dtype) || !is_normal_in(1.0 / divisor, dtype)) return std::nullopt;
    reciprocal_value.set(i, 1.0 / divisor);
  }
  return reciprocal_value;
}

Expr divide_by_constant(const Expr& e) {
  Expr x, divisor;
  if (!match(e, op("div", {any(x), any_constant(divisor)})) || !is_floating(e.dtype())) return {};
  // A floating divisor keeps its dtype (and a C++ number stays a weak scalar); an integer one
  // becomes the quotient's dtype.
  const DType dtype = is_floating(divisor.dtype()) ? divisor.dtype() : e.dtype();
  const std::optional<Tensor> factor = normal_reciprocal(constant_value(*divisor.node()), dtype);
  if (!factor) return {};
  Expr product = x * constant(*factor);
  if (product.dtype() != e.dtype())
    product = cast(x, e.dtype()) * constant(factor->cast(e.dtype()));
  return if_same_type(e, product);
}

Expr one_over(const Expr& e) {
  Expr x;
  if (!match(e, op("div", {constant_equal(1.0), any(x)}))) return {};
  return if_same_type(e, with_shape_of(e, reciprocal(cast(x, e.dtype()))));
}

// One op instead of two reads of x, so fusion and code generation see a square.
Expr self_product(const Expr& e) {
  Expr x;
  if (!match(e, op("mul", {any(x), same_as(x)}))) return {};
  return if_same_type(e, square(x));
}

Expr multiply_by_minus_one(const Expr& e) {
  Expr x;
  if (!match(e, commutative("mul", any(x), constant_equal(-1.0)))) return {};
  return if_same_type(e, with_shape_of(e, neg(cast(x, e.dtype()))));
}

// ---- Sums of products ---------------------------------------------------------------------------
// Only for operands of fully known shape whose product has the shape of the larger one (no hidden
// broadcast), and only when the library call has the sum's type: integer sums stay exact int64
// reductions, whereas dot and matmul compute in floating point.

// The axes of a sum without keepdims whose operand is a product; nullopt for any other node.
std::optional<std::vector<std::int64_t>> summed_product_axes(const Expr& e) {
  if (e->op_name() != "sum" || e->attrs().get_int("keepdims") != 0) return std::nullopt;
  if (e->input(0)->op_name() != "mul") return std::nullopt;
  return e->attrs().get_ints("axes");
}

bool static_shapes(const Expr& a, const Expr& b) {
  return is_fully_known(a.shape()) && is_fully_known(b.shape());
}

// sum(a * b) of 1-d a and b of one length.
Expr sum_of_products_to_dot(const Expr& e) {
  if (!summed_product_axes(e) || e->input(0)->input(0)->rank() != 1) return {};
  const Expr a = e->input(0)->input(0), b = e->input(0)->input(1);
  if (!static_shapes(a, b) || a.shape() != b.shape()) return {};
  return if_same_type(e, dot(a, b));
}

// sum_to(a * b) down to a scalar, of 1-d a and b of one length: how reverse mode writes the
// gradient of a scalar coefficient times a vector (b * x_k in a regression). The fused reduction
// it would otherwise become adds in strict order, one dependent add per element; the library dot
// does not wait on each add. Short vectors stay: there the library call costs more than the loop.
constexpr std::int64_t kMinDotLength = 64;

Expr scalar_sum_to_of_products_to_dot(const Expr& e) {
  if (e->op_name() != "sum_to" || e.rank() != 0 || e->input(0)->op_name() != "mul") return {};
  const Expr product = e->input(0);
  const Expr a = product->input(0), b = product->input(1);
  if (a.rank() != 1 || !static_shapes(a, b) || a.shape() != b.shape()) return {};
  if (a.shape()[0] < kMinDotLength) return {};
  return if_same_type(e, dot(a, b));
}

// sum(m * v, axis=-1) of a (batch of) matrix m (..., r, n) and a vector v (n,), in either order.
Expr matrix_vector_sum_to_matmul(const Expr& e) {
  const auto axes = summed_product_axes(e);
  if (!axes) return {};
  const Expr product = e->input(0);
  if (product.rank() < 2 || *axes != std::vector<std::int64_t>{product.rank() - 1}) return {};
  for (int matrix_side : {0, 1}) {
    const Expr matrix = product->input(matrix_side), vector = product->input(1 - matrix_side);
    if (vector.rank() == 1 && static_shapes(matrix, vector) && matrix.shape() == product.shape() &&
        vector.shape()[0] == matrix.shape().back()) {
      return if_same_type(e, matmul(matrix, vector));
    }
  }
  return {};
}

// The 1-d `a` that `column` lays out as an (m, 1) column (a[:, None], by expand_dims or reshape).
Expr column_source(const Expr& column) {
  if (column->op_name() != "expand_dims" && column->op_name() != "reshape") return {};
  const Expr source = column->input(0);
  if (source.rank() != 1 || column.shape() != Shape{source.shape()[0], 1}) return {};
  return source;
}

// sum(a[:, None] * m, axis=0) of a vector a (r,) and a matrix m (r, n), in either order: a @ m.
Expr column_matrix_sum_to_matmul(const Expr& e) {
  const auto axes = summed_product_axes(e);
  if (!axes) return {};
  const Expr product = e->input(0);
  if (product.rank() != 2 || *axes != std::vector<std::int64_t>{0}) return {};
  for (int column_side : {0, 1}) {
    const Expr vector = column_source(product->input(column_side));
    const Expr matrix = product->input(1 - column_side);
    if (vector && static_shapes(matrix, vector) && matrix.shape() == product.shape()) {
      return if_same_type(e, matmul(vector, matrix));
    }
  }
  return {};
}

}  // namespace

std::vector<Rule> specialize_rules() {
  std::vector<Rule> rules = {{"x**0 -> 1 (also for NaN x)", power_zero}};
  for (const PowerForm& form : kPowerForms) rules.push_back(power_rule(form));
  const std::vector<Rule> others = {
      {"x/c -> x*(1/c) for a constant c", divide_by_constant},
      {"1/x -> reciprocal(x)", one_over},
      {"x*x -> square(x)", self_product},
      {"x*-1 -> -x", multiply_by_minus_one},
      {"sum(a*b) -> dot(a, b) for 1-d a, b", sum_of_products_to_dot},
      {"sum_to(a*b, scalar) -> dot(a, b) for 1-d a, b", scalar_sum_to_of_products_to_dot},
      {"sum(m*v, axis=-1) -> matmul(m, v)", matrix_vector_sum_to_matmul},
      {"sum(a[:, None]*m, axis=0) -> matmul(a, m)", column_matrix_sum_to_matmul},
  };
  rules.insert(rules.end(), others.begin(), others.end());
  return rules;
}

}  // namespace hypatia::rewrite
