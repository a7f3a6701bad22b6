"""numpy indexing of TensorVariables, and PyTensor's set_subtensor / inc_subtensor.

A key is planned once (``_plan``): boolean masks become integer arrays, ``...`` is expanded,
``None`` becomes a size-1 axis of the base, basic items (ints, slices) become one C++ ``slice`` and
integer arrays ("advanced" indices) become a ``gather``. Several advanced indices are combined into
one flat index over their (transposed, reshaped) axes, with numpy's placement of the result axes.
The result of ``x[key]`` remembers ``(x, key)`` so that ``set_subtensor(x[key], v)`` can rebuild the
region and write into it.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from hypatia import _core
from hypatia.tensor import basic
from hypatia.tensor.variable import TensorVariable


@dataclass
class _Plan:
    base: TensorVariable  # the indexed tensor, with the key's None axes inserted
    specs: list  # one per axis of base: an int (removes the axis) or a (start, stop, step) triple
    advanced: list = field(default_factory=list)  # (axis of the sliced region, int64 index tensor)
    had_none: bool = False

    def region(self) -> TensorVariable:
        if all(spec == (None, None, None) for spec in self.specs):
            return self.base
        return basic.wrap(_core.slice(self.base.node, self.specs))

    def adjacent(self) -> bool:
        axes = [axis for axis, _ in self.advanced]
        return axes == list(range(axes[0], axes[0] + len(axes)))


def _integer_index(item: Any) -> Optional[int]:
    if isinstance(item, (bool, np.bool_)):
        return None
    if isinstance(item, (numbers.Integral, np.integer)):
        return int(item)
    if isinstance(item, TensorVariable) and item.ndim == 0 and item.dtype == "int64":
        value = basic.static_value(item)
        return None if value is None else int(value)
    return None


def _bound(value: Any, what: str) -> Optional[int]:
    if value is None:
        return None
    found = _integer_index(value)
    if found is None:
        raise (TypeError if not isinstance(value, TensorVariable) else NotImplementedError)(
            f"slice {what} must be an integer known when the graph is built, got {value!r}")
    return found


def _expand_masks(key: tuple) -> list:
    """Boolean masks (constant) become one integer array per mask dimension, as numpy's nonzero."""
    items = []
    for item in key:
        if isinstance(item, TensorVariable) and item.dtype == "bool":
            value = basic.static_value(item)
            if value is None:
                raise NotImplementedError(
                    "indexing with a symbolic boolean mask gives a data-dependent shape; "
                    "use pt.switch/where, or a mask known when the model is built")
            item = value
        if isinstance(item, (list, np.ndarray)) and np.asarray(item).dtype == bool and np.ndim(item) > 0:
            items.extend(np.nonzero(np.asarray(item)))
        else:
            items.append(item)
    return items


def _as_index_array(item: Any) -> TensorVariable:
    if isinstance(item, TensorVariable):
        if item.dtype != "int64":
            raise TypeError(f"index arrays must be integers, got {item.dtype} ({item})")
        return item
    array = np.asarray(item)
    if array.size == 0:
        array = array.astype(np.int64)
    if array.dtype.kind not in "iu":
        raise TypeError(f"index arrays must be integers, got {array.dtype} ({item!r:.60})")
    return basic.as_tensor_variable(array.astype(np.int64))


def _plan(x: TensorVariable, key: Any) -> _Plan:
    key = key if isinstance(key, tuple) else (key,)
    items = _expand_masks(key)
    n_ellipsis = sum(item is Ellipsis for item in items)
    if n_ellipsis > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    consumed = sum(item is not None and item is not Ellipsis for item in items)
    if consumed > x.ndim:
        raise IndexError(f"too many indices: {consumed} for a tensor with {x.ndim} dimensions")
    fill = [slice(None)] * (x.ndim - consumed)
    if n_ellipsis:
        at = next(i for i, item in enumerate(items) if item is Ellipsis)
        items = items[:at] + fill + items[at + 1:]
    else:
        items = items + fill
    # numpy's x[..., None, ...] equals inserting the axis first and taking it whole.
    new_axes = [i for i, item in enumerate(items) if item is None]
    if new_axes:
        x = basic.expand_dims(x, new_axes)
        items = [slice(None) if item is None else item for item in items]
    return _classify(x, items, bool(new_axes))


def _classify(x: TensorVariable, items: list, had_none: bool) -> _Plan:
    ints = [_integer_index(item) for item in items]
    arrays = [i for i, item in enumerate(items) if not isinstance(item, slice) and ints[i] is None]
    array_shapes = [np.shape(item) if not isinstance(item, TensorVariable) else item.node.shape
                    for item in (items[i] for i in arrays)]
    # With a non-scalar index array, numpy treats the plain ints as advanced indices too (they
    # take part in placing the result axes); otherwise they simply remove their axes.
    ints_are_advanced = any(len(s) > 0 for s in array_shapes)
    specs, advanced = [], []
    for i, item in enumerate(items):
        _check_bounds(item if ints[i] is None else ints[i], x.node.shape[i], i)
        if isinstance(item, slice):
            specs.append((_bound(item.start, "start"), _bound(item.stop, "stop"), _bound(item.step, "step")))
        elif ints[i] is not None and not ints_are_advanced:
            specs.append(ints[i])
        else:
            if isinstance(item, float) or (isinstance(item, TensorVariable) and item.dtype != "int64"):
                raise TypeError(f"indices must be integers, slices, None, ... or integer arrays, got {item!r}")
            region_axis = sum(1 for s in specs if not isinstance(s, int))
            advanced.append((region_axis, _as_index_array(item)))
            specs.append((None, None, None))
    return _Plan(x, specs, advanced, had_none)


def _check_bounds(item: Any, extent: Optional[int], axis: int) -> None:
    """Positions known when the graph is built are checked then, as numpy does (IndexError, which
    also ends Python's iteration over a tensor)."""
    if extent is None or isinstance(item, slice):
        return
    if isinstance(item, TensorVariable):
        if not item.node.is_constant:
            return
        item = item.node.constant_value()
    positions = np.asarray(item)
    if positions.size and positions.dtype.kind in "iu" and (
            positions.max() >= extent or positions.min() < -extent):
        raise IndexError(f"index {positions.max() if positions.max() >= extent else positions.min()} "
                         f"is out of bounds for axis {axis} with size {extent}")


def _normalized(index: TensorVariable, extent: int) -> TensorVariable:
    """Negative positions count from the end (gather does this itself for a single index)."""
    return basic.switch(basic.lt(index, 0), basic.add(index, extent), index)


def _flat_layout(plan: _Plan, region: TensorVariable):
    """For several advanced indices: the region with its advanced axes first and merged into one,
    the flat int64 index into that axis, and the shape of the broadcast indices."""
    axes = [axis for axis, _ in plan.advanced]
    rest = [a for a in range(region.ndim) if a not in axes]
    dims = [region.node.shape[a] for a in axes]
    if None in dims:
        raise ValueError(f"several index arrays need the indexed dimensions known, got {region.node.shape}")
    rest_dims = [region.node.shape[a] for a in rest]
    if None in rest_dims:
        raise ValueError(f"several index arrays need every dimension known, got {region.node.shape}")
    merged = basic.reshape(basic.transpose(region, axes + rest), [int(np.prod(dims))] + rest_dims)
    flat = None
    for (axis, index), extent, stride in zip(plan.advanced, dims, _strides(dims)):
        term = basic.mul(_normalized(index, extent), stride)
        flat = term if flat is None else basic.add(flat, term)
    # The sum of the terms already has the indices' broadcast shape (a ShapeError otherwise).
    return merged, flat, flat.ndim, axes, rest, dims, rest_dims


def _strides(dims: list[int]) -> list[int]:
    strides = [1] * len(dims)
    for i in range(len(dims) - 2, -1, -1):
        strides[i] = strides[i + 1] * dims[i + 1]
    return strides


def _move(x: TensorVariable, count: int, source: int, destination: int) -> TensorVariable:
    """x with its `count` axes starting at `source` moved to start at `destination`."""
    if count == 0 or source == destination:
        return x
    block = list(range(source, source + count))
    others = [a for a in range(x.ndim) if a not in block]
    return basic.transpose(x, others[:destination] + block + others[destination:])


def getitem(x: TensorVariable, key: Any) -> TensorVariable:
    key = _traced_indices(key)
    plan = _plan(x, key)
    region = plan.region()
    if not plan.advanced:
        result = region
    elif len(plan.advanced) == 1:
        axis, index = plan.advanced[0]
        result = basic.wrap(_core.gather(region.node, index.node, axis))
    else:
        merged, flat, n_index_dims, *_ = _flat_layout(plan, region)
        result = basic.wrap(_core.gather(merged.node, flat.node, 0))
        if plan.adjacent():
            result = _move(result, n_index_dims, 0, plan.advanced[0][0])
    if result is x:  # x[...] or x[:]: a new handle, so the record below does not land on x
        result = basic.wrap(x.node)
    result._subtensor_source = (x, key)
    return result


def _traced_indices(key: Any) -> Any:
    """Unregistered distributions used as indices inside a CustomDist's dist function (a mixture
    by indexing) become their traced tensors."""
    def convert(item):
        if hasattr(item, "__hypatia_tensor__") and not isinstance(item, TensorVariable):
            return basic.as_tensor(item)
        return item

    return tuple(convert(k) for k in key) if isinstance(key, tuple) else convert(key)


def take(a, indices, axis: Optional[int] = None) -> TensorVariable:
    """numpy's take: `indices` (an int, an int array or an int tensor) along `axis`."""
    a = basic.as_tensor(a)
    if axis is None:
        a, axis = basic.flatten(a), 0
    axis = basic._axes(axis, a.ndim)[0]
    return getitem(a, (slice(None),) * axis + (indices,))


def slice_axis(x, axis: int, item: slice) -> TensorVariable:
    x = basic.as_tensor(x)
    axis = basic._axes(axis, x.ndim)[0]
    return getitem(x, (slice(None),) * axis + (item,))


def take_along_axis(arr, indices, axis: int = 0) -> TensorVariable:
    """numpy's take_along_axis: index arrays for the other axes are aranges, broadcast."""
    arr, indices = basic.as_tensor(arr), basic.as_tensor(indices)
    axis = basic._axes(axis, arr.ndim)[0]
    key = []
    for a in range(arr.ndim):
        if a == axis:
            key.append(indices)
            continue
        shape = [1] * arr.ndim
        shape[a] = arr.node.shape[a]
        key.append(np.arange(arr.node.shape[a]).reshape(shape))
    return getitem(arr, tuple(key))


# ---------------------------------------------------------------- writes
def _source(x_sub: TensorVariable, function: str):
    source = getattr(x_sub, "_subtensor_source", None)
    if source is None:
        raise TypeError(f"{function}: the first argument must be an indexed tensor such as x[idx], "
                        f"got {x_sub!r}")
    return source


def _write(x_sub: TensorVariable, y: Any, increment: bool, function: str) -> TensorVariable:
    base, key = _source(x_sub, function)
    plan = _plan(base, key)
    if plan.had_none:
        raise NotImplementedError(f"{function} of a region indexed with None (newaxis) is not supported")
    y = basic.as_tensor(y)
    if not plan.advanced:
        write = _core.inc_subtensor if increment else _core.set_subtensor
        return basic.wrap(write(base.node, plan.specs, y.node))
    region = plan.region()
    if len(plan.advanced) == 1:
        axis, index = plan.advanced[0]
        new_region = _scatter(region, index, y, axis, increment)
    else:
        new_region = _write_flat(plan, region, y, x_sub.ndim, increment)
    if region is base:
        return new_region
    return basic.wrap(_core.set_subtensor(base.node, plan.specs, new_region.node))


def _scatter(region: TensorVariable, index: TensorVariable, y: TensorVariable, axis: int,
             increment: bool) -> TensorVariable:
    zeros = basic.zeros_like(region)
    added = basic.wrap(_core.scatter_add(zeros.node, index.node, y.node, axis))
    if increment:
        return basic.add(region, added)
    # Setting: where an index repeats, numpy keeps the last value; this keeps their mean (equal
    # when the values are), which needs no ordered scatter op.
    count = basic.wrap(_core.scatter_add(zeros.node, index.node, _core.int_scalar(1), axis))
    chosen = basic.true_div(added, basic.maximum(count, 1))
    return basic.switch(basic.gt(count, 0), basic.cast(chosen, region.dtype), region)


def _write_flat(plan: _Plan, region: TensorVariable, y: TensorVariable, result_ndim: int,
                increment: bool) -> TensorVariable:
    merged, flat, n_index_dims, axes, rest, dims, rest_dims = _flat_layout(plan, region)
    if y.ndim < result_ndim:
        y = basic.expand_dims(y, list(range(result_ndim - y.ndim)))
    if plan.adjacent():  # y is laid out as x[key]: the index axes sit where the first index was
        y = _move(y, n_index_dims, plan.advanced[0][0], 0)
    new_merged = _scatter(merged, flat, y, 0, increment)
    unmerged = basic.reshape(new_merged, dims + rest_dims)
    order = axes + rest
    return basic.transpose(unmerged, [order.index(a) for a in range(region.ndim)])


def set_subtensor(x, y, inplace: bool = False, tolerate_inplace_aliasing: bool = False) -> TensorVariable:
    """The tensor indexed by `x` (an ``a[key]`` expression) with that region replaced by `y`."""
    return _write(x, y, increment=False, function="set_subtensor")


def inc_subtensor(x, y, inplace: bool = False, set_instead_of_inc: bool = False,
                  tolerate_inplace_aliasing: bool = False, ignore_duplicates: bool = False) -> TensorVariable:
    """The tensor indexed by `x` (an ``a[key]`` expression) with `y` added to that region;
    repeated indices accumulate (numpy's np.add.at)."""
    return _write(x, y, increment=not set_instead_of_inc,
                  function="set_subtensor" if set_instead_of_inc else "inc_subtensor")
