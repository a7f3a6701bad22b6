"""Data containers: ``pm.Data``, ``pm.MutableData``, ``pm.ConstantData`` and ``pm.set_data``."""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from hypatia import _core

from hypatia.model import Model, _coord_labels, _dims_list, modelcontext
from hypatia.tensor.variable import TensorVariable


def _as_array(value: Any, name: str) -> np.ndarray:
    if hasattr(value, "to_numpy"):  # pandas
        value = value.to_numpy()
    array = np.asarray(value)
    if array.dtype == object:
        raise TypeError(f"pm.Data {name!r}: cannot store values of type {type(value).__name__}")
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        bad = int(np.size(array) - np.isfinite(array).sum())
        raise ValueError(f"pm.Data {name!r}: {bad} of {array.size} values are NaN or infinite")
    return array


def Data(name: str, value: Any, *, dims=None, coords: Optional[dict] = None,
         mutable: Optional[bool] = None, model: Optional[Model] = None,
         infer_dims_and_coords: bool = False, **kwargs) -> TensorVariable:
    """Named data whose values ``pm.set_data`` can replace without rebuilding the model."""
    if kwargs:
        raise TypeError(f"pm.Data got unexpected keyword arguments: {', '.join(kwargs)}")
    model = modelcontext(model)
    name = model._check_new_name(name)  # with the model's prefix, "child::x"
    array = _as_array(value, name)
    dims = _dims_list(dims)
    if coords:
        model.add_coords(coords)
    if hasattr(value, "index") and hasattr(value, "to_numpy") and dims and dims[0] not in model.coords:
        model.add_coord(dims[0], list(value.index))
    for axis, dim in enumerate(dims):
        if dim and dim not in model.coords and axis < array.ndim:
            model.add_coord(dim, length=array.shape[axis])
            model._length_only_dims.add(dim)  # resized by set_data, as in PyMC
    node = model._cpp_data(name, array, dims)
    return model._add(name, TensorVariable(node), model.data_vars)


def MutableData(name: str, value: Any, **kwargs) -> TensorVariable:
    return Data(name, value, mutable=True, **kwargs)


def ConstantData(name: str, value: Any, **kwargs) -> TensorVariable:
    return Data(name, value, mutable=False, **kwargs)


def _resize_dims(model: Model, values: dict, coords: dict) -> bool:
    """Dims of changed data: those made from a length follow the new length; those with
    coordinate values need new ones (PyMC's rule)."""
    resized = False
    for name, array in values.items():
        dims = model.named_vars_to_dims.get(name, ())
        for axis, dim in enumerate(dims):
            if not dim or dim in coords or axis >= array.ndim:
                continue
            length = array.shape[axis]
            if len(model.coords.get(dim, ())) == length:
                continue
            if dim not in model._length_only_dims:
                raise ValueError(
                    f"pm.set_data: {name!r} now has {length} entries along dim {dim!r}, which has "
                    f"{len(model.coords[dim])} coordinate values; pass coords={{{dim!r}: ...}} too")
            model.coords[dim] = tuple(range(length))
            resized = True
    return resized


def set_data(new_data: dict, model: Optional[Model] = None, *, coords: Optional[dict] = None) -> None:
    """Replaces the values of data containers (same shape: nothing is recompiled)."""
    model = modelcontext(model)
    values = {}
    for given_name, value in new_data.items():
        # In a named model, "x" and "child::x" both name the child's container (model[name]).
        name = model._full_name(given_name)
        if name not in model.named_vars or not any(model.named_vars[name] is d for d in model.data_vars):
            known = ", ".join(d.name for d in model.data_vars) or "none"
            raise KeyError(f"pm.set_data: {given_name!r} is not a data container of the model (data: {known})")
        old = model._cpp.data_value(name)
        array = _as_array(value, name)
        if np.can_cast(array.dtype, old.dtype, casting="same_kind"):
            array = array.astype(old.dtype)
        if array.ndim != old.ndim:
            raise ValueError(f"pm.set_data: {name!r} has {old.ndim} dimensions {old.shape}; "
                             f"the new value has {array.ndim} {array.shape}")
        values[name] = array
    for dim, labels in (coords or {}).items():
        model.coords[dim] = tuple(_coord_labels(labels))
    resized = _resize_dims(model, values, coords or {})
    same_shapes = all(v.shape == model._cpp.data_value(n).shape for n, v in values.items())
    if same_shapes and not coords and not resized and not model._pending_data:
        for name, array in values.items():
            model._cpp.set_data(name, array)  # the compiled model stays valid
    else:
        # New shapes: the graphs are rebuilt over the new data. Containers may be set one call
        # at a time (model.set_data), so data that do not fit together yet wait, as with PyMC's
        # shared data, until the model is next used; the error surfaces then if they still
        # disagree.
        values = {**model._pending_data, **values}
        try:
            model._rebuild(values)
            model._pending_data = {}
        except (ValueError, _core.HypatiaError):
            model._pending_data = values
    model._compiled = None
