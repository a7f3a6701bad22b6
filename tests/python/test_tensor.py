"""hypatia.tensor, pm.math and hypatia.pytensor against numpy/scipy references.

Run with the package on the path: PYTHONPATH=build/python /usr/bin/python3 -m pytest tests/python
"""

import numpy as np
import pytest
import scipy.linalg
import scipy.special

import hypatia.math as pmmath
import hypatia.tensor as pt
from hypatia import _core, pytensor

rng = np.random.default_rng(20261205)


def ev(x, values=None):
    return pt.as_tensor(x).eval(values)


def close(actual, expected, rtol=1e-10, atol=1e-12):
    np.testing.assert_allclose(np.asarray(actual), np.asarray(expected), rtol=rtol, atol=atol)


# ---------------------------------------------------------------- elementwise functions
X = rng.normal(size=(3, 4))
POS = rng.uniform(0.1, 3.0, size=(3, 4))
UNIT = rng.uniform(0.05, 0.95, size=(3, 4))
NEG = -POS

UNARY = [
    (pt.exp, np.exp, X), (pt.log, np.log, POS), (pt.log1p, np.log1p, POS), (pt.expm1, np.expm1, X),
    (pt.sqrt, np.sqrt, POS), (pt.square, np.square, X), (pt.sqr, np.square, X), (pt.abs, np.abs, X),
    (pt.sign, np.sign, X), (pt.sgn, np.sign, X), (pt.neg, np.negative, X),
    (pt.reciprocal, np.reciprocal, POS), (pt.sin, np.sin, X), (pt.cos, np.cos, X), (pt.tan, np.tan, X),
    (pt.tanh, np.tanh, X), (pt.sinh, np.sinh, X), (pt.cosh, np.cosh, X), (pt.arcsin, np.arcsin, UNIT),
    (pt.arccos, np.arccos, UNIT), (pt.arctan, np.arctan, X),
    (pt.sigmoid, scipy.special.expit, X), (pt.expit, scipy.special.expit, X),
    (pt.invlogit, scipy.special.expit, X), (pt.logit, scipy.special.logit, UNIT),
    (pt.softplus, lambda v: np.log1p(np.exp(v)), X), (pt.log1pexp, lambda v: np.log1p(np.exp(v)), X),
    (pt.log1mexp, lambda v: np.log(-np.expm1(v)), NEG), (pt.erf, scipy.special.erf, X),
    (pt.erfc, scipy.special.erfc, X), (pt.erfcx, scipy.special.erfcx, X),
    (pt.erfinv, scipy.special.erfinv, UNIT * 2 - 1), (pt.erfcinv, scipy.special.erfcinv, UNIT * 2),
    (pt.gammaln, scipy.special.gammaln, POS), (pt.lgamma, scipy.special.gammaln, POS),
    (pt.digamma, scipy.special.digamma, POS), (pt.psi, scipy.special.digamma, POS),
    (pt.gamma, scipy.special.gamma, X * 3), (pt.floor, np.floor, X * 3), (pt.ceil, np.ceil, X * 3),
    (pt.round, np.round, np.array([0.5, 1.5, 2.5, -0.5, -1.7, 2.2])), (pt.trunc, np.trunc, X * 3),
    (pt.exp2, np.exp2, X), (pt.log2, np.log2, POS), (pt.log10, np.log10, POS),
    (pt.i0e, scipy.special.i0e, X), (pt.i1e, scipy.special.i1e, X), (pt.i0, scipy.special.i0, X),
    (pt.i1, scipy.special.i1, X), (pt.arcsinh, np.arcsinh, X * 100), (pt.arccosh, np.arccosh, POS + 1),
    (pt.arctanh, np.arctanh, UNIT * 2 - 1),
    (pmmath.probit, scipy.special.ndtri, UNIT), (pmmath.invprobit, scipy.special.ndtr, X),
    (pt.isfinite, np.isfinite, np.array([1.0, np.inf, -np.inf, np.nan])),
    (pt.isnan, np.isnan, np.array([1.0, np.inf, np.nan])), (pt.isinf, np.isinf, np.array([1.0, -np.inf, np.nan])),
]


@pytest.mark.parametrize("function, reference, values", UNARY, ids=[u[0].__name__ + str(i) for i, u in enumerate(UNARY)])
def test_unary_matches_reference(function, reference, values):
    close(ev(function(values)), reference(values), rtol=1e-9, atol=1e-12)


def test_round_half_away_from_zero():
    values = np.array([0.5, 1.5, -0.5, -2.5, 0.2])
    close(ev(pt.round(values, "half_away_from_zero")), [1.0, 2.0, -1.0, -3.0, 0.0])


A = rng.normal(size=(3, 4))
B = rng.normal(size=(4,))
BPOS = rng.uniform(0.5, 2.0, size=(4,))

BINARY = [
    (lambda a, b: a + b, A, B), (lambda a, b: a - b, A, B), (lambda a, b: a * b, A, B),
    (lambda a, b: a / b, A, BPOS), (lambda a, b: a ** b, np.abs(A) + 0.1, B),
    (lambda a, b: a // b, A * 5, BPOS), (lambda a, b: a % b, A * 5, BPOS), (lambda a, b: a % b, A * 5, -BPOS),
    (lambda a, b: a < b, A, B), (lambda a, b: a <= b, A, B), (lambda a, b: a > b, A, B),
    (lambda a, b: a >= b, A, B), (lambda a, b: a @ b, A, B),
]


@pytest.mark.parametrize("op, a, b", BINARY)
@pytest.mark.parametrize("left_symbolic", [True, False])
def test_operators_match_numpy_with_broadcasting(op, a, b, left_symbolic):
    # Either operand may be the tensor: the reflected operators (__radd__, ...) and numpy's
    # deference (__array_priority__) must give the same values.
    lhs, rhs = (pt.as_tensor(a), b) if left_symbolic else (a, pt.as_tensor(b))
    close(ev(op(lhs, rhs)), op(a, b), rtol=1e-12)


@pytest.mark.parametrize("op", [lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b,
                                lambda a, b: a / b, lambda a, b: a ** b, lambda a, b: a // b,
                                lambda a, b: a % b])
def test_python_scalar_operands(op):
    close(ev(op(pt.as_tensor(POS), 2.5)), op(POS, 2.5))
    close(ev(op(3.0, pt.as_tensor(POS))), op(3.0, POS))


NAMED_BINARY = [
    (pt.add, np.add), (pt.sub, np.subtract), (pt.mul, np.multiply), (pt.true_div, np.true_divide),
    (pt.maximum, np.maximum), (pt.minimum, np.minimum), (pt.eq, np.equal), (pt.neq, np.not_equal),
    (pt.lt, np.less), (pt.le, np.less_equal), (pt.gt, np.greater), (pt.ge, np.greater_equal),
    (pt.arctan2, np.arctan2), (pt.logaddexp, np.logaddexp), (pmmath.logaddexp, np.logaddexp),
]


@pytest.mark.parametrize("function, reference", NAMED_BINARY)
def test_named_binary(function, reference):
    a = rng.integers(-3, 3, size=(2, 3)).astype(float)
    b = np.array([-2.0, 1.0, 0.5])  # nonzero, and ties with a
    close(ev(function(a, b)), reference(a, b))


def test_variadic_add_mul_and_logaddexp():
    a, b, c = rng.normal(size=(3, 5))
    close(ev(pt.add(a, b, c)), a + b + c)
    close(ev(pt.mul(a, b, c)), a * b * c)
    close(ev(pt.logaddexp(a, b, c)), np.log(np.exp(a) + np.exp(b) + np.exp(c)))
    close(ev(pt.logaddexp(-np.inf, -np.inf)), -np.inf)
    close(ev(pmmath.logdiffexp(np.log(5.0), np.log(2.0))), np.log(3.0))


def test_clip_switch_where_and_logic():
    a = rng.normal(size=(4, 3))
    close(ev(pt.clip(a, -0.5, 0.5)), np.clip(a, -0.5, 0.5))
    close(ev(pt.switch(a > 0, a, -a)), np.abs(a))
    close(ev(pt.where(a > 0, 1.0, 0.0)), np.where(a > 0, 1.0, 0.0))
    close(ev(pt.switch(np.array([1, 0, 2]), 1.0, -1.0)), [1.0, -1.0, 1.0])  # nonzero is true
    p, q = a > 0, a < 0.5
    np.testing.assert_array_equal(ev(p & q), (a > 0) & (a < 0.5))
    np.testing.assert_array_equal(ev(p | q), (a > 0) | (a < 0.5))
    np.testing.assert_array_equal(ev(~pt.as_tensor(p)), ~(a > 0))
    np.testing.assert_array_equal(ev(pt.and_(p, q)), p & q)
    np.testing.assert_array_equal(ev(pt.or_(p, q)), p | q)
    np.testing.assert_array_equal(ev(pt.xor(p, q)), p ^ q)
    np.testing.assert_array_equal(ev(~pt.as_tensor(np.array([0, 5, -3]))), ~np.array([0, 5, -3]))


# ---------------------------------------------------------------- dtypes
def test_float32_stays_float32_with_python_scalars():
    x = pt.as_tensor(np.ones(3, np.float32))
    for result in (x * 2.5, 2.5 * x, x + 1, x / 3, x ** 2, x - 0.5, pt.exp(x), x // 2.0):
        assert result.dtype == "float32", result
        assert ev(result).dtype == np.float32


def test_integer_dtypes_follow_numpy():
    i = pt.as_tensor(np.array([7, -7, 3], dtype=np.int32))
    assert i.dtype == "int64"  # every integer width is int64
    assert (i + 1).dtype == "int64" and (i * 2).dtype == "int64"
    assert (i / 2).dtype == "float64"
    assert (i // 2).dtype == "int64" and (i % 3).dtype == "int64"
    assert (i ** 2).dtype == "int64"
    assert (i * 2.5).dtype == "float64"
    assert (i < 2).dtype == "bool"
    assert pt.sum(i).dtype == "int64" and pt.mean(i).dtype == "float64"
    assert (pt.as_tensor(np.ones(2, np.float32)) + np.ones(2)).dtype == "float64"
    assert (i + pt.as_tensor(np.ones(3, np.float32))).dtype == "float64"
    np.testing.assert_array_equal(ev(i ** 2), np.array([49, 49, 9]))


@pytest.mark.parametrize("divisor", [3, -3, 2, 1])
def test_integer_floor_div_and_mod_match_numpy(divisor):
    a = np.arange(-10, 11)
    np.testing.assert_array_equal(ev(pt.as_tensor(a) // divisor), a // divisor)
    np.testing.assert_array_equal(ev(pt.as_tensor(a) % divisor), a % divisor)
    np.testing.assert_array_equal(ev(divisor // pt.as_tensor(a[a != 0])), divisor // a[a != 0])


def test_integer_division_by_zero_gives_zero_like_numpy():
    a = pt.as_tensor(np.array([5, -5, 0]))
    np.testing.assert_array_equal(ev(a // 0), [0, 0, 0])
    np.testing.assert_array_equal(ev(a % 0), [0, 0, 0])


def test_float_floor_div_and_mod_signs():
    a = np.array([5.5, -5.5, 7.0, -7.0])
    for b in (2.0, -2.0, 0.75):
        close(ev(pt.as_tensor(a) // b), a // b)
        close(ev(pt.as_tensor(a) % b), a % b, atol=1e-12)


def test_cast():
    x = pt.as_tensor(np.array([1.7, -2.2]))
    assert pt.cast(x, "int32").dtype == "int64"
    np.testing.assert_array_equal(ev(pt.cast(x, "int64")), np.array([1.7, -2.2]).astype(np.int64))
    assert pt.cast(x, "float32").dtype == "float32"
    assert pt.cast(x, np.float32).dtype == "float32"
    assert pt.cast(x, "floatX").dtype == "float64"
    assert x.astype("bool").dtype == "bool"


@pytest.mark.parametrize("bad", ["complex128", "U3", object, "datetime64[s]"])
def test_bad_dtypes_are_type_errors(bad):
    with pytest.raises(TypeError):
        pt.cast(pt.as_tensor(np.ones(2)), bad)


def test_bad_values_are_type_errors():
    with pytest.raises(TypeError):
        pt.exp(np.array(["a", "b"]))
    with pytest.raises(TypeError):
        pt.add(np.ones(2), np.array([1j, 2j]))
    with pytest.raises(TypeError):
        pt.as_tensor(np.ones(2)) & pt.as_tensor(np.ones(2))  # bitwise and of floats
    with pytest.raises(TypeError):
        pt.as_tensor(np.ones(3))[1.5]
    with pytest.raises(TypeError):
        pt.as_tensor(np.ones(3))[np.array([0.0, 1.0])]
    with pytest.raises(TypeError):
        pt.zeros(3, dtype="complex64")


def test_shape_mismatch_is_value_error_naming_shapes():
    with pytest.raises(ValueError, match=r"\(3,\).*\(4,\)"):
        pt.as_tensor(np.ones(3)) + np.ones(4)
    with pytest.raises(_core.HypatiaError, match=r"\(2, 3\)|\(3, 2\)|3"):
        pt.dot(np.ones((2, 3)), np.ones((2, 3)))
    with pytest.raises(ValueError):
        pt.concatenate([np.ones((2, 3)), np.ones((2, 4))], axis=0)
    with pytest.raises(ValueError):
        pt.reshape(np.ones(6), (4, 2))
    with pytest.raises(ValueError):
        pt.sum(np.ones((2, 3)), axis=2)
    assert issubclass(_core.HypatiaError, ValueError)


# ---------------------------------------------------------------- reductions
M = rng.normal(size=(3, 4, 5))


@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 2), [1, 2]])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions_match_numpy(axis, keepdims):
    np_axis = tuple(axis) if isinstance(axis, list) else axis
    x = pt.as_tensor(M)
    for name in ("sum", "mean", "prod", "max", "min"):
        close(ev(getattr(x, name)(axis=axis, keepdims=keepdims)), getattr(M, name)(axis=np_axis, keepdims=keepdims))
        close(ev(getattr(pt, name)(x, axis=axis, keepdims=keepdims)), getattr(M, name)(axis=np_axis, keepdims=keepdims))
    for ddof in (0, 1):
        close(ev(x.var(axis=axis, keepdims=keepdims, ddof=ddof)), M.var(axis=np_axis, keepdims=keepdims, ddof=ddof))
        close(ev(x.std(axis=axis, keepdims=keepdims, ddof=ddof)), M.std(axis=np_axis, keepdims=keepdims, ddof=ddof))
    close(ev(pt.logsumexp(x, axis=axis, keepdims=keepdims)),
          scipy.special.logsumexp(M, axis=np_axis, keepdims=keepdims))


def test_var_of_unknown_shape_input_and_corrected():
    v = pt.dmatrix("v")
    close(ev(pt.var(v, axis=1, corrected=True), {v: M[0]}), M[0].var(axis=1, ddof=1))
    close(ev(pt.std(v), {v: M[0]}), M[0].std())


@pytest.mark.parametrize("axis", [None, 0, 1, 2])
def test_arg_reductions_and_logic_reductions(axis):
    x = pt.as_tensor(M)
    np.testing.assert_array_equal(ev(x.argmax(axis=axis)), M.argmax(axis=axis))
    np.testing.assert_array_equal(ev(pt.argmin(x, axis=axis)), M.argmin(axis=axis))
    np.testing.assert_array_equal(ev((x > 1).any(axis=axis)), (M > 1).any(axis=axis))
    np.testing.assert_array_equal(ev((x > -2).all(axis=axis)), (M > -2).all(axis=axis))


def test_sum_dtype_argument_and_ptp_median():
    i = np.arange(6).reshape(2, 3)
    assert pt.sum(i, dtype="float64").dtype == "float64"
    close(ev(pt.ptp(M, axis=1)), np.ptp(M, axis=1))
    close(ev(pt.median(M[0, 0])), np.median(M[0, 0]))
    close(ev(pt.median(M[0, :, :4], axis=1)), np.median(M[0, :, :4], axis=1))


@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_cumulative(axis):
    x = rng.uniform(0.5, 1.5, size=(3, 4))
    close(ev(pt.cumsum(x, axis)), np.cumsum(x, axis))
    close(ev(pt.cumprod(x, axis)), np.cumprod(x, axis))
    close(ev(pt.extra_ops.cumsum(x, axis)), np.cumsum(x, axis))
    close(ev(pt.as_tensor(x).cumsum(axis)), np.cumsum(x, axis))
    close(ev(pt.diff(x, axis=-1 if axis is None else axis)), np.diff(x, axis=-1 if axis is None else axis))
    close(ev(pt.diff(x, n=2, axis=1)), np.diff(x, n=2, axis=1))


@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 1)])
def test_softmax_and_log_softmax(axis):
    x = rng.normal(size=(3, 4)) * 10
    close(ev(pt.special.softmax(x, axis=axis)), scipy.special.softmax(x, axis=axis))
    close(ev(pt.special.log_softmax(x, axis=axis)), scipy.special.log_softmax(x, axis=axis))
    close(ev(pmmath.softmax(x, axis=axis)), scipy.special.softmax(x, axis=axis))


# ---------------------------------------------------------------- shapes and constructors
def test_shape_ops():
    x = pt.as_tensor(M)
    close(ev(x.reshape((4, 15))), M.reshape(4, 15))
    close(ev(x.reshape(5, -1)), M.reshape(5, -1))
    close(ev(pt.reshape(x, (x.shape[0], -1))), M.reshape(3, -1))
    close(ev(pt.flatten(x)), M.ravel())
    close(ev(x.flatten(2)), M.reshape(3, -1))
    close(ev(x.transpose()), M.T)
    close(ev(x.transpose(1, 0, 2)), M.transpose(1, 0, 2))
    close(ev(pt.transpose(x, (2, 0, 1))), M.transpose(2, 0, 1))
    close(ev(x.T), M.T)
    close(ev(x.dimshuffle(2, "x", 0, 1)), M.transpose(2, 0, 1)[:, None])
    close(ev(pt.as_tensor(M[:, :1]).dimshuffle(0, 2)), M[:, 0])
    close(ev(pt.squeeze(M[:, :1])), M[:, 0])
    close(ev(pt.as_tensor(M[:1, :, :1]).squeeze(axis=0)), M[0, :, :1])
    close(ev(pt.expand_dims(x, (0, 3))), np.expand_dims(M, (0, 3)))
    close(ev(pt.shape_padleft(x)), M[None])
    close(ev(pt.shape_padright(x, 2)), M[..., None, None])
    close(ev(pt.swapaxes(x, 0, 2)), np.swapaxes(M, 0, 2))
    close(ev(pt.moveaxis(x, 0, -1)), np.moveaxis(M, 0, -1))
    close(ev(pt.broadcast_to(B, (3, 4))), np.broadcast_to(B, (3, 4)))
    np.testing.assert_array_equal(ev(x.shape), [3, 4, 5])
    np.testing.assert_array_equal(ev(pt.shape(x)[1]), 4)
    assert x.ndim == 3 and x.type.shape == (3, 4, 5)


def test_joins_tiles_and_repeats():
    a, b = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    close(ev(pt.concatenate([a, b], axis=1)), np.concatenate([a, b], axis=1))
    close(ev(pt.join(0, a, b)), np.concatenate([a, b]))
    close(ev(pt.stack([a, b])), np.stack([a, b]))
    close(ev(pt.stack([a, b], axis=2)), np.stack([a, b], axis=2))
    close(ev(pt.horizontal_stack(a, b)), np.hstack([a, b]))
    close(ev(pt.vertical_stack(a, b)), np.vstack([a, b]))
    close(ev(pt.tile(a, (2, 3))), np.tile(a, (2, 3)))
    close(ev(pt.tile(B, 2)), np.tile(B, 2))
    close(ev(pt.repeat(a, 2, axis=1)), np.repeat(a, 2, axis=1))
    close(ev(pt.repeat(a, [1, 3], axis=0)), np.repeat(a, [1, 3], axis=0))
    close(ev(pt.repeat(a, 2)), np.repeat(a, 2))
    close(ev(pt.roll(a, 1, axis=1)), np.roll(a, 1, axis=1))
    close(ev(pt.roll(a, -2)), np.roll(a, -2))
    x, y = pt.broadcast_arrays(np.ones((3, 1)), np.arange(4.0))
    close(ev(x), np.ones((3, 4)))
    close(ev(y), np.broadcast_to(np.arange(4.0), (3, 4)))


def test_stack_of_symbolic_list_via_as_tensor():
    v = pt.dscalar("v")
    close(ev(pt.as_tensor([v, 2.0 * v, 3.0]), {v: 1.5}), [1.5, 3.0, 3.0])


def test_constructors():
    for result, expected in [
        (pt.zeros((2, 3)), np.zeros((2, 3))), (pt.ones(4), np.ones(4)),
        (pt.full((2, 2), 7.0), np.full((2, 2), 7.0)), (pt.arange(5), np.arange(5)),
        (pt.arange(1, 2, 0.25), np.arange(1, 2, 0.25)), (pt.eye(3), np.eye(3)),
        (pt.linspace(0, 1, 5), np.linspace(0, 1, 5)), (pt.linspace(2, 3, 4, endpoint=False), np.linspace(2, 3, 4, endpoint=False)),
        (pt.unique(np.array([3, 1, 3, 2])), [1, 2, 3]),
        (pt.eye(3, 4, k=1), np.eye(3, 4, k=1)), (pt.zeros_like(M), np.zeros_like(M)),
        (pt.ones_like(M), np.ones_like(M)), (pt.full_like(M, 2.5), np.full_like(M, 2.5)),
        (pt.diag(B), np.diag(B)), (pt.diag(B, 1), np.diag(B, 1)), (pt.diag(B, -2), np.diag(B, -2)),
        (pt.diag(A), np.diag(A)), (pt.diag(A, 1), np.diag(A, 1)), (pt.diag(A, -1), np.diag(A, -1)),
        (pt.tril(A), np.tril(A)), (pt.triu(A, 1), np.triu(A, 1)), (pt.tri(3, 4, 1), np.tri(3, 4, 1)),
        (pt.trace(np.arange(9.0).reshape(3, 3)), 12.0), (pmmath.zeros((2,)), np.zeros(2)),
    ]:
        close(ev(result), expected)
    assert pt.zeros(3).dtype == "float64" and pt.zeros(3, dtype="int32").dtype == "int64"
    assert pt.arange(5).dtype == "int64" and pt.full((2,), 3).dtype == "int64"
    assert pt.ones_like(np.arange(3), dtype="float32").dtype == "float32"
    n = pt.as_tensor(M).shape[0]
    close(ev(pt.zeros((n, 2))), np.zeros((3, 2)))
    v = pt.dscalar("v")
    close(ev(pt.full((2, 2), v), {v: 4.0}), np.full((2, 2), 4.0))
    close(ev(pt.full_like(np.ones(3), v), {v: 4.0}), np.full(3, 4.0))
    close(ev(pt.linspace(v, 2 * v, 5), {v: 1.5}), np.linspace(1.5, 3.0, 5))


def test_constant_and_as_tensor():
    c = pt.constant(np.arange(3), name="c")
    assert isinstance(c, pt.TensorConstant) and c.name == "c"
    np.testing.assert_array_equal(c.data, np.arange(3))
    assert pt.constant([1, 2], dtype="float32").dtype == "float32"
    assert pt.as_tensor_variable(2.0).dtype == "float64"
    assert pt.as_tensor(np.arange(3, dtype=np.int32)).dtype == "int64"
    with pytest.raises(ValueError):
        pt.constant(np.ones(3), ndim=2)
    with pytest.raises(TypeError):
        pt.as_tensor_variable("abc")
    with pytest.raises(TypeError):
        pt.as_tensor([1j])
    assert pt.as_tensor_variable([1, 2], dtype="float32").dtype == "float32"


def test_placeholders():
    x = pt.vector("x")
    assert x.name == "x" and x.dtype == "float64" and x.type.shape == (None,)
    assert pt.fmatrix("m").dtype == "float32" and pt.fmatrix().ndim == 2
    assert pt.iscalar().dtype == "int64" and pt.lvector().dtype == "int64"
    assert pt.row().type.shape == (1, None) and pt.dcol().type.shape == (None, 1)
    assert pt.tensor3().ndim == 3 and pt.tensor("float32", shape=(2, None)).type.shape == (2, None)
    assert pt.tensor(dtype="int64", shape=(3,), name="t").name == "t"
    assert pt.vector(shape=(4,)).type.shape == (4,)
    a, b = pt.vector(), pt.vector()
    close(ev(a - b, {a: np.ones(2), b: np.full(2, 3.0)}), [-2.0, -2.0])  # two unnamed inputs
    with pytest.raises(ValueError):
        pt.matrix(shape=(3,))


# ---------------------------------------------------------------- linear algebra
def _spd(n):
    q = rng.normal(size=(n, n))
    return q @ q.T + n * np.eye(n)


def test_products():
    a, b = rng.normal(size=(3, 4)), rng.normal(size=(4, 2))
    close(ev(pt.dot(a, b)), a @ b)
    close(ev(pt.as_tensor(a).dot(b)), a @ b)
    close(ev(pt.dot(B, B)), B @ B)
    close(ev(pt.matmul(a, b)), a @ b)
    close(ev(pt.outer(B, BPOS)), np.outer(B, BPOS))
    batch = rng.normal(size=(2, 3, 4))
    close(ev(pt.matmul(batch, b)), batch @ b)
    close(ev(pt.tensordot(batch, b, axes=1)), np.tensordot(batch, b, axes=1))
    close(ev(pt.dot(batch, b)), np.dot(batch, b))
    close(ev(pt.dot(batch, rng.normal(size=(5, 4, 2)) * 0 + 1.0)), np.dot(batch, np.ones((5, 4, 2))))
    close(ev(pt.sum(batch, axis=())), batch)
    close(ev(pt.tensordot(batch, rng.normal(size=(3, 4)) * 0 + a, axes=[[1, 2], [0, 1]])),
          np.tensordot(batch, a, axes=[[1, 2], [0, 1]]))


def test_linalg_functions():
    s = _spd(4)
    lower = np.linalg.cholesky(s)
    rhs = rng.normal(size=(4, 2))
    close(ev(pt.linalg.cholesky(s)), lower)
    close(ev(pt.slinalg.cholesky(s, lower=False)), lower.T)
    close(ev(pt.linalg.solve(s, rhs)), np.linalg.solve(s, rhs))
    close(ev(pt.slinalg.solve_triangular(lower, rhs, lower=True)), scipy.linalg.solve_triangular(lower, rhs, lower=True))
    close(ev(pt.slinalg.solve_triangular(lower.T, rhs)), scipy.linalg.solve_triangular(lower.T, rhs))
    close(ev(pt.slinalg.solve_triangular(lower, rhs, trans=1, lower=True)),
          scipy.linalg.solve_triangular(lower, rhs, trans=1, lower=True))
    close(ev(pt.slinalg.solve_triangular(lower, rhs, lower=True, unit_diagonal=True)),
          scipy.linalg.solve_triangular(lower, rhs, lower=True, unit_diagonal=True))
    close(ev(pt.slinalg.cho_solve((lower, True), rhs)), scipy.linalg.cho_solve((lower, True), rhs))
    close(ev(pt.nlinalg.matrix_inverse(s)), np.linalg.inv(s))
    close(ev(pt.linalg.inv(s)), np.linalg.inv(s))
    g = rng.normal(size=(3, 3))
    close(ev(pt.nlinalg.det(g)), np.linalg.det(g))
    sign, logabs = pt.nlinalg.slogdet(g)
    close(ev(sign), np.linalg.slogdet(g)[0])
    close(ev(logabs), np.linalg.slogdet(g)[1])
    close(ev(pmmath.logdet(s)), np.linalg.slogdet(s)[1])
    close(ev(pt.nlinalg.trace(s)), np.trace(s))
    close(ev(pt.nlinalg.kron(g, lower)), np.kron(g, lower))
    close(ev(pt.slinalg.block_diag(g, lower)), scipy.linalg.block_diag(g, lower))
    close(ev(pt.linalg.norm(B)), np.linalg.norm(B))
    close(ev(pmmath.matrix_inverse(s)), np.linalg.inv(s))


# ---------------------------------------------------------------- sort
def test_sort_constant_and_symbolic():
    values = rng.normal(size=(3, 6))
    close(ev(pt.sort(values)), np.sort(values))
    close(ev(pt.sort(values, axis=0)), np.sort(values, axis=0))
    np.testing.assert_array_equal(ev(pt.argsort(values)), np.argsort(values))
    m = pt.dmatrix("m", shape=(3, 6))
    close(ev(pt.sort(m), {m: values}), np.sort(values))
    close(ev(pt.sort(m, axis=0), {m: values}), np.sort(values, axis=0))
    close(ev(pt.sort(m, axis=None), {m: values}), np.sort(values, axis=None))
    ties = np.array([[2.0, -1.0, 2.0, np.inf, -np.inf, -1.0]] * 3)
    close(ev(pt.sort(m), {m: ties}), np.sort(ties))
    np.testing.assert_array_equal(ev(pt.argsort(m), {m: ties}), np.argsort(ties, kind="stable"))
    np.testing.assert_array_equal(ev(pt.argsort(m, axis=0), {m: values}), np.argsort(values, axis=0))
    unknown = pt.dvector("u")
    close(ev(pt.sort(unknown), {unknown: values[0]}), np.sort(values[0]))
    close(ev(pt.median(m, axis=1), {m: values}), np.median(values, axis=1))


def test_sort_gradient_permutes_upstream():
    v = pt.dvector("v", shape=(5,))
    weights = np.arange(1.0, 6.0)
    values = np.array([0.3, -1.0, 2.0, 0.1, 0.7])
    g = pytensor.grad(pt.sum(pt.sort(v) * weights), v)
    expected = np.empty(5)
    expected[np.argsort(values)] = weights
    close(ev(g, {v: values}), expected)


# ---------------------------------------------------------------- indexing
T = np.arange(60.0).reshape(3, 4, 5)
I = np.array([[0, 2], [1, 0]])

KEYS = [
    1, -1, (1, 2), (1, 2, 3), (-1, -2, -3), slice(None), slice(1, None), slice(None, None, -1),
    (slice(None), 1), (Ellipsis, 0), (Ellipsis, slice(1, 3)), (0, Ellipsis, slice(None, None, 2)),
    (None,), (slice(None), None, 2), (None, Ellipsis, None), (1, None, slice(1, 3)),
    (slice(-100, 100, 2), slice(3, 0, -1)), (slice(5, 1),),
    [0, 2], ([2, 0, 2],), np.array([-1, 0]), (slice(None), [3, 1]), (Ellipsis, [4, 0, 0]), (I,),
    (slice(None), I), ([0, 2], [1, 3]), ([0, 2], 1), (1, slice(None), [0, 4]), ([0, 2], slice(None), [1, 3]),
    (0, slice(None), [1, 2]), ([[0], [2]], [1, 3]), (slice(1, 3), [0, 3], [2, 4]), ([0, 1], [1, 2], [2, 3]),
    (np.array([True, False, True]),), (slice(None), np.array([True, False, True, True])),
    (np.array([[True, False, True, False], [False] * 4, [True] * 4]),), (Ellipsis, [1, 0], None),
]


@pytest.mark.parametrize("key", KEYS, ids=[repr(k)[:40] for k in KEYS])
def test_getitem_matches_numpy(key):
    result = pt.as_tensor(T)[key]
    expected = T[key]
    assert result.ndim == expected.ndim
    close(ev(result), expected)


def test_getitem_with_symbolic_indices():
    x = pt.as_tensor(T)
    i = pt.lscalar("i")
    idx = pt.lvector("idx")
    close(ev(x[i], {i: 2}), T[2])
    close(ev(x[:, i], {i: -1}), T[:, -1])
    close(ev(x[idx], {idx: np.array([2, 0, 2])}), T[[2, 0, 2]])
    close(ev(x[idx, 1], {idx: np.array([2, 0])}), T[[2, 0], 1])
    close(ev(x[1, :, idx], {idx: np.array([4, 0])}), T[1, :, [4, 0]])
    close(ev(x[i, i, i], {i: 1}), T[1, 1, 1])
    close(ev(x[pt.as_tensor(np.array([1, 0]))]), T[[1, 0]])
    close(ev(x[pt.as_tensor(np.array([True, False, True]))]), T[[True, False, True]])
    with pytest.raises(NotImplementedError):
        x[pt.vector("mask", dtype="bool")]


def test_getitem_errors():
    x = pt.as_tensor(T)
    with pytest.raises(IndexError):
        x[0, 0, 0, 0]
    with pytest.raises(IndexError):
        x[5]
    with pytest.raises(IndexError):
        x[:, -5]
    with pytest.raises(IndexError):
        x[[0, 3], [1, 1]]
    with pytest.raises(IndexError):
        x[..., 0, ...]
    first, second, third = x  # iteration stops at the first out-of-range index, as numpy's
    close(ev(third), T[2])
    with pytest.raises(TypeError):
        pt.as_tensor(np.ones(3)) + ["a", "b", "c"]


WRITE_KEYS = [
    1, (1, 2), (slice(None), 1), (slice(1, None), slice(None, None, 2)), (Ellipsis, -1),
    [0, 2], ([2, 0],), (slice(None), [3, 1]), (Ellipsis, [4, 0]), ([0, 2], [1, 3]), ([0, 2], 1),
    (1, slice(None), [0, 4]), (slice(1, 3), [0, 3], [2, 4]), (slice(None), np.array([[0, 2], [1, 3]])),
    (np.array([[0], [2]]), slice(None), [1, 3]),
    (np.array([True, False, True]),), (0, slice(1, 3), [1, 2]),
]


@pytest.mark.parametrize("key", WRITE_KEYS, ids=[repr(k)[:40] for k in WRITE_KEYS])
def test_set_and_inc_subtensor_match_numpy(key):
    x = pt.as_tensor(T)
    region_shape = T[key].shape
    value = rng.normal(size=region_shape)
    expected_set, expected_inc = T.copy(), T.copy()
    expected_set[key] = value
    expected_inc[key] += value
    close(ev(pt.set_subtensor(x[key], value)), expected_set)
    close(ev(pt.inc_subtensor(x[key], value)), expected_inc)
    # A broadcast scalar value.
    expected_set[key] = -3.0
    close(ev(pt.set_subtensor(x[key], -3.0)), expected_set)


def test_inc_subtensor_accumulates_repeated_indices_like_add_at():
    base = np.zeros(5)
    idx = np.array([0, 2, 2, 4, 2])
    values = np.arange(1.0, 6.0)
    expected = base.copy()
    np.add.at(expected, idx, values)
    close(ev(pt.inc_subtensor(pt.as_tensor(base)[idx], values)), expected)
    assert pt.inc_subtensor(pt.as_tensor(base)[idx], values, set_instead_of_inc=True).ndim == 1


def test_set_subtensor_symbolic_base_and_index():
    x = pt.dvector("x", shape=(5,))
    i = pt.lscalar("i")
    out = pt.set_subtensor(x[i], 10.0)
    close(ev(out, {x: np.zeros(5), i: 3}), [0, 0, 0, 10.0, 0])
    assert ev(pt.set_subtensor(pt.as_tensor(np.arange(4))[1:3], 9)).dtype == np.int64


def test_set_subtensor_needs_indexed_expression():
    with pytest.raises(TypeError, match="indexed"):
        pt.set_subtensor(pt.as_tensor(np.ones(3)), 1.0)


def test_take_and_take_along_axis():
    close(ev(pt.take(T, [2, 0], axis=1)), np.take(T, [2, 0], axis=1))
    close(ev(pt.take(T, 7)), np.take(T, 7))
    ind = np.argsort(T[0], axis=1)
    close(ev(pt.take_along_axis(T[0], ind, axis=1)), np.take_along_axis(T[0], ind, axis=1))


# ---------------------------------------------------------------- gradients vs finite differences
def _finite_difference(function, x0, eps=1e-6):
    grad = np.zeros_like(x0)
    for i in np.ndindex(x0.shape):
        up, down = x0.copy(), x0.copy()
        up[i] += eps
        down[i] -= eps
        grad[i] = (function(up) - function(down)) / (2 * eps)
    return grad


COMPOSITIONS = [
    lambda v: pt.sum(pt.exp(v) * pt.sin(v) / (1.0 + v ** 2)),
    lambda v: pt.logsumexp(v[:, None] * v[None, :]),
    lambda v: pt.sum(pt.sigmoid(v) * pt.softplus(-v)) + pt.sum(pt.log1p(v ** 2)),
    lambda v: pt.sum(pt.special.softmax(v) * pt.arange(v.type.shape[0])),
    lambda v: pt.sum(pt.set_subtensor(v[[1, 3]], v[0] * v[2]) ** 2),
    lambda v: pt.sum(pt.inc_subtensor(v[1:], v[:-1] ** 2) * pt.cumsum(v)),
    lambda v: pt.var(v) + pt.std(v.reshape((2, 3)), axis=1).sum(),
    lambda v: pt.linalg.det(pt.outer(v[:3], v[3:]) + 3.0 * pt.eye(3)),
    lambda v: pt.sum(pt.dot(pt.diag(v), pt.tile(v, (6, 1)))) + pt.max(v),
    lambda v: pt.sum(pt.where(v > 0, v ** 3, -v)) + pt.sum(pt.clip(v, -0.5, 0.5)),
]


@pytest.mark.parametrize("index", range(len(COMPOSITIONS)))
def test_gradients_match_finite_differences(index):
    build = COMPOSITIONS[index]
    v = pt.dvector("v", shape=(6,))
    cost = build(v)
    (g,) = pytensor.grad(cost, [v])
    x0 = rng.normal(size=6) * 0.8 + 0.1
    f = pytensor.function([v], cost)
    close(ev(g, {v: x0}), _finite_difference(lambda x: float(f(x)), x0), rtol=1e-5, atol=1e-6)


def test_grad_of_several_inputs_via_core():
    a, b = pt.dscalar("a"), pt.dvector("b", shape=(3,))
    cost = pt.sum(a * b ** 2) + pt.exp(a)
    ga, gb = pytensor.grad(cost, [a, b])
    bv = np.array([1.0, -2.0, 0.5])
    close(ev(ga, {a: 0.3, b: bv}), np.sum(bv ** 2) + np.exp(0.3))
    close(ev(gb, {a: 0.3, b: bv}), 2 * 0.3 * bv)
    raw = _core.grad(cost.node, [a.node])
    close(_core.evaluate(raw, [a.node, b.node], [np.array(0.3), bv])[0], np.sum(bv ** 2) + np.exp(0.3))


# ---------------------------------------------------------------- scan
def test_scan_cumulative_sum():
    x = pt.dvector("x", shape=(6,))
    outputs, updates = pytensor.scan(lambda s, total: total + s, sequences=[x], outputs_info=[pt.as_tensor(0.0)])
    assert updates == {}
    values = rng.normal(size=6)
    close(ev(outputs, {x: values}), np.cumsum(values))


def test_scan_ar1_with_non_sequences():
    eps = pt.dvector("eps", shape=(8,))
    rho, mu = pt.dscalar("rho"), pt.dscalar("mu")
    ys, _ = pytensor.scan(lambda e, prev, r, m: m + r * (prev - m) + e, sequences=eps,
                          outputs_info=pt.as_tensor(1.0), non_sequences=[rho, mu])
    noise = rng.normal(size=8)
    expected, prev = [], 1.0
    for e in noise:
        prev = 0.5 + 0.8 * (prev - 0.5) + e
        expected.append(prev)
    close(ev(ys, {eps: noise, rho: 0.8, mu: 0.5}), expected)
    g = pytensor.grad(pt.sum(ys), rho)
    f = pytensor.function([eps, rho, mu], pt.sum(ys))
    numeric = (f(noise, 0.8 + 1e-6, 0.5) - f(noise, 0.8 - 1e-6, 0.5)) / 2e-6
    close(ev(g, {eps: noise, rho: 0.8, mu: 0.5}), numeric, rtol=1e-5)


def test_scan_two_taps_map_outputs_and_n_steps():
    def step(prev2, prev1):
        return prev1 + prev2, prev1 * 2.0

    (fib, doubled), _ = pytensor.scan(step, outputs_info=[dict(initial=pt.as_tensor(np.array([0.0, 1.0])), taps=[-2, -1]), None],
                                      n_steps=7)
    close(ev(fib), [1, 2, 3, 5, 8, 13, 21])
    close(ev(doubled), [2, 2, 4, 6, 10, 16, 26])


def test_scan_go_backwards_sequence_taps_and_map():
    values = np.arange(1.0, 6.0)
    out, _ = pytensor.scan(lambda s, acc: acc * 10 + s, sequences=pt.as_tensor(values),
                           outputs_info=pt.as_tensor(0.0), go_backwards=True)
    expected, acc = [], 0.0
    for s in values[::-1]:
        acc = acc * 10 + s
        expected.append(acc)
    close(ev(out), expected)
    diffs, _ = pytensor.scan(lambda prev, cur: cur - prev, sequences=dict(input=pt.as_tensor(values ** 2), taps=[-1, 0]))
    close(ev(diffs), np.diff(values ** 2))
    partial, _ = pytensor.scan(lambda s, acc: acc + s, sequences=pt.as_tensor(values), outputs_info=pt.as_tensor(0.0),
                               n_steps=3, go_backwards=True)
    close(ev(partial), np.cumsum(values[::-1])[:3])
    squares, _ = pytensor.map(lambda v, k: v ** 2 + k, sequences=[pt.as_tensor(values)], non_sequences=[1.0])
    close(ev(squares), values ** 2 + 1.0)
    vec_carry, _ = pytensor.scan(lambda row, c: c + row, sequences=pt.as_tensor(T[0]), outputs_info=pt.zeros(5))
    close(ev(vec_carry), np.cumsum(T[0], axis=0))


def test_scan_dtype_mismatch_is_type_error():
    with pytest.raises(TypeError, match="outputs_info"):
        pytensor.scan(lambda s, c: c + s, sequences=pt.as_tensor(np.ones(3)), outputs_info=pt.as_tensor(np.int64(0)))


# ---------------------------------------------------------------- pytensor top level
def test_function_shared_and_updates():
    x = pt.dvector("x")
    counter = pytensor.shared(np.array(0.0), "counter")
    f = pytensor.function([x], [x.sum() + counter, x * 2], updates={counter: counter + 1.0})
    total, doubled = f(np.array([1.0, 2.0]))
    close(total, 3.0)
    close(doubled, [2.0, 4.0])
    close(f(np.array([1.0, 2.0]))[0], 4.0)  # the update was applied
    assert counter.get_value() == 2.0
    counter.set_value(10.0)
    close(f(np.array([0.0]))[0], 10.0)
    g = pytensor.function([x], x ** 2)
    close(g([3.0]), [9.0])
    h = pytensor.function([pt.fvector("h")], pt.fvector("h") * 2)
    assert h([1.5]).dtype == np.float32
    s = pytensor.shared(np.arange(3.0))
    close(ev(s * 2), [0, 2, 4])
    s.set_value(np.ones(3))
    close(ev(s * 2), [2, 2, 2])
    with pytest.raises(TypeError):
        s.set_value(np.array([1.5j]))
    with pytest.raises(TypeError):
        f(np.ones(2), np.ones(2))


def test_function_givens_and_clone_replace():
    x, y = pt.dscalar("x"), pt.dscalar("y")
    out = x ** 2 + 1
    f = pytensor.function([y], out, givens={x: y * 3})
    close(f(2.0), 37.0)
    close(ev(pytensor.clone_replace(out, {x: pt.as_tensor(2.0)})), 5.0)


def test_config_and_namespaces():
    assert pytensor.config.floatX == "float64"
    with pytensor.config.change_flags(floatX="float32"):
        assert pt.zeros(2).dtype == "float32" and pt.vector().dtype == "float32"
    assert pt.zeros(2).dtype == "float64"
    assert pytensor.tensor is pt
    assert pt.math.exp is pt.exp and pt.extra_ops.cumsum is pt.cumsum
    with pytest.raises(ValueError):
        pytensor.config.floatX = "float16"


def test_graph_op_without_make_node_or_types_is_a_clear_not_implemented():
    from hypatia.pytensor.graph import Apply, Op

    class MyOp(Op):
        def perform(self, node, inputs, outputs):
            pass

    with pytest.raises(NotImplementedError, match="MyOp: define make_node, or itypes and otypes"):
        MyOp()(pt.as_tensor(1.0))
    with pytest.raises(TypeError, match="output 0"):
        Apply(MyOp(), [], [1.0])


def test_jacobian_and_hessian():
    v = pt.dvector("v", shape=(3,))
    x0 = np.array([0.5, -1.0, 2.0])
    close(ev(pytensor.jacobian(v ** 2, v), {v: x0}), np.diag(2 * x0))
    close(ev(pytensor.hessian(pt.sum(v ** 3), v), {v: x0}), np.diag(6 * x0))


def test_pm_math_extras():
    close(ev(pmmath.expand_packed_triangular(3, np.arange(1.0, 7.0))),
          [[1, 0, 0], [2, 3, 0], [4, 5, 6]])
    close(ev(pmmath.expand_packed_triangular(3, np.arange(1.0, 7.0), diagonal_only=True)), [1, 3, 6])
    close(pmmath.cartesian([1, 2], [3, 4, 5]), [[1, 3], [1, 4], [1, 5], [2, 3], [2, 4], [2, 5]])
    close(ev(pmmath.kronecker(np.eye(2), A[:2, :2], B[:2, None])), np.kron(np.kron(np.eye(2), A[:2, :2]), B[:2, None]))
    lower = np.tril(A[:2, :2]) + 3 * np.eye(2)
    close(ev(pmmath.kron_solve_lower([lower, lower], np.ones(4))),
          scipy.linalg.solve_triangular(np.kron(lower, lower), np.ones(4), lower=True))
    close(ev(pmmath.kron_diag(B[:2], BPOS)), np.outer(B[:2], BPOS).ravel())
    close(ev(pmmath.flatten_list([A, B])), np.concatenate([A.ravel(), B]))
    close(ev(pmmath.logdet(-np.eye(3))), 0.0)  # log |det|
    close(ev(pmmath.logdiffexp(0.0, -np.inf)), 0.0)
    close(ev(pmmath.log1mexp(-0.5)), np.log(-np.expm1(-0.5)))
    close(ev(pmmath.batched_diag(np.ones((2, 3)))), np.stack([np.eye(3)] * 2))
    close(ev(pmmath.switch(pmmath.gt(B, 0), 1.0, 0.0)), (B > 0).astype(float))
    close(ev(pmmath.sum(pmmath.sqr(B))), np.sum(B ** 2))
    close(ev(pmmath.flat_outer(B[:3], BPOS)), np.outer(B[:3], BPOS).ravel())
    close(ev(pmmath.kron_dot([np.eye(2), A[:2, :2]], np.ones(4))), np.kron(np.eye(2), A[:2, :2]) @ np.ones(4))


def test_ifelse_gradient_and_as_op_namespaces():
    x = pt.dscalar("x")
    close(ev(pytensor.ifelse.ifelse(x > 0, x * 2, -x), {x: 3.0}), 6.0)
    close(ev(pytensor.ifelse.ifelse(x > 0, x * 2, -x), {x: -3.0}), 3.0)
    close(ev(pytensor.gradient.grad(x ** 3, x), {x: 2.0}), 12.0)
    cube = pytensor.compile.ops.as_op(itypes=[pt.dscalar], otypes=[pt.dscalar])(lambda v: v ** 3)
    close(ev(cube(x) + 1.0, {x: 2.0}), 9.0)
    with pytest.raises(TypeError, match="tensor type"):
        pytensor.compile.ops.as_op(itypes=["dscalar"], otypes=[pt.dscalar])


def test_static_helpers_and_specify_shape():
    assert pt.get_vector_length(pt.as_tensor(np.ones(4))) == 4
    assert pt.get_scalar_constant_value(pt.as_tensor(np.ones((2, 3))).shape[1]) == 3
    with pytest.raises(pt.NotScalarConstantError):
        pt.get_scalar_constant_value(pt.dscalar("s"))
    v = pt.dvector("v")
    fixed = pt.specify_shape(v, (3,))
    assert fixed.type.shape == (3,)
    close(ev(fixed, {v: np.arange(3.0)}), np.arange(3.0))
    with pytest.raises(ValueError):
        pt.specify_shape(pt.as_tensor(np.ones(3)), (4,))
    x = pt.dscalar("x")
    close(ev(pt.grad(x ** 2, x), {x: 3.0}), 6.0)


def test_native_backend_agrees_with_interpreter(tmp_path, monkeypatch):
    # The compositions this module builds (sort by rank, flat multi-index gathers and scatters,
    # floor division) must have native emitters, not only reference kernels.
    monkeypatch.setenv("HYPATIA_CACHE_DIR", str(tmp_path))
    m = pt.dtensor3("m", shape=(3, 4, 5))
    v = pt.dvector("v", shape=(6,))
    outs = [pt.sort(v), pt.argsort(v), m[[0, 2], [1, 3]], m[1, :, [0, 4]], pt.set_subtensor(m[[0, 2], 1], 7.0),
            pt.inc_subtensor(m[:, [1, 1]], 1.0), pt.tile(v, (2, 1)), pt.repeat(v, 2), pt.roll(v, 2),
            pt.var(m, axis=1), pt.special.softmax(m, axis=-1), pt.diag(v, 1), v // 2, v % 2]
    native = pytensor.function([v, m], outs, mode="native")
    reference = pytensor.function([v, m], outs)
    values = rng.normal(size=6)
    for a, b in zip(native(values, T), reference(values, T)):
        close(a, b, rtol=1e-12)
