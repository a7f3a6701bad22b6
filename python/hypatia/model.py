"""``pm.Model``: a context that collects named variables into a C++ ``hypatia::Model``."""

from __future__ import annotations

import threading
import weakref
from typing import Any, Callable, Optional, Sequence

import numpy as np

from hypatia import _core, logp_functions
from hypatia.tensor import variable as tensor_variable
from hypatia.tensor.variable import TensorVariable, as_tensor_variable

# PyMC names a free variable's unconstrained value "<name>_<transform>__".
TRANSFORM_SUFFIXES = {
    "log": "log",
    "lower_bound": "interval",
    "upper_bound": "interval",
    "logodds": "logodds",
    "interval": "interval",
    "simplex": "simplex",
    "ordered": "ordered",
    "positive_ordered": "ordered",
    "corr_cholesky": "cholesky-corr",
    "correlation": "corr",
    # PyMC's LKJCorr value variable is "<name>_interval__" (its own transform is an interval one;
    # Hypatia's coordinates are the correlation transform's).
    "packed_correlation": "interval",
    "cov_cholesky": "cholesky-cov-packed",
    "zero_sum": "zerosum",
}

_context = threading.local()
_live_models: "weakref.WeakSet" = weakref.WeakSet()


def replace_node_in_models(old: _core.Node, new: _core.Node) -> None:
    """Rebuilds every live model over `new` in place of `old` (a shared variable's set_value).
    Models that do not use `old` are rebuilt unchanged."""
    for model in list(_live_models):
        if model._registrations:
            model._rebuild({}, [(old, new)])


def _stack() -> list:
    if not hasattr(_context, "models"):
        _context.models = []
    return _context.models


class _TreeDict(dict):
    """PyMC's treedict: an entry added to a child model's dict is added to its parent's too, so
    the root sees every variable and a child only its own (and its children's)."""

    def __init__(self, parent: Optional[dict] = None):
        super().__init__()
        self.parent = parent

    def __setitem__(self, key, value) -> None:
        super().__setitem__(key, value)
        if self.parent is not None:
            self.parent[key] = value


class _TreeList(list):
    """PyMC's treelist: what is appended to a child model's list is appended to its parent's."""

    def __init__(self, parent: Optional[list] = None):
        super().__init__()
        self.parent = parent

    def append(self, value) -> None:
        super().append(value)
        if self.parent is not None:
            self.parent.append(value)

    def extend(self, values) -> None:
        for value in values:
            self.append(value)


class _RootState:
    """An attribute every model of a tree shares: a child model reads and writes its root's (one
    C++ model, one set of registrations and coordinates per tree)."""

    def __set_name__(self, owner, name: str) -> None:
        self.key = "_shared" + name

    def __get__(self, model, owner=None):
        if model is None:
            return self
        try:
            return model.root.__dict__[self.key]
        except KeyError:
            raise AttributeError(self.key[len("_shared"):]) from None

    def __set__(self, model, value) -> None:
        model.root.__dict__[self.key] = value


# Model(model=...) left out: the parent is the model of the enclosing `with` block, if any.
_UNSET = type("_Unset", (), {"__repr__": lambda self: "UNSET"})()


def _validate_model_name(name: str) -> str:
    if not isinstance(name, str):
        raise TypeError(f"a model's or variable's name must be a string, got {name!r}")
    if name.endswith(":"):
        # PyMC's rule (and its KeyError): "::" separates the prefixes of nested models.
        raise KeyError(f"name {name!r} should not end with ':'")
    return name


def value_var_name(name: str, transform: Optional[str], distribution=None) -> str:
    """PyMC's name for a free variable's unconstrained value, e.g. "tau_log__"."""
    if transform is None:
        return name
    suffix = TRANSFORM_SUFFIXES.get(transform, transform)
    if distribution is not None and transform == "logodds":
        # The engine has one log-odds transform for every two-bounded support; PyMC calls it
        # logodds on [0, 1] (Beta) and interval elsewhere (Uniform), circular for VonMises.
        if distribution.name == "VonMises":
            suffix = "circular"
        elif not distribution.support.startswith("reals in [0, 1]"):
            suffix = "interval"
    return f"{name}_{suffix}__"


def _coord_labels(values) -> list:
    """Coordinate labels as PyMC keeps them: strings, integers and floats as given (numpy and
    pandas scalars become Python's), anything else as its string."""
    if values is None:
        return []
    if hasattr(values, "tolist"):
        values = values.tolist()
    values = list(values)
    if all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in values):
        return values
    return _coord_values(values)


def _coord_values(values) -> list:
    """Labels as the C++ model stores them: all strings, else all floats."""
    if values is None:
        return []
    if hasattr(values, "tolist"):
        values = values.tolist()
    values = list(values)
    if all(isinstance(v, str) for v in values):
        return values
    try:
        return [float(v) for v in values]
    except (TypeError, ValueError):
        return [str(v) for v in values]


class _ContextMeta(type):
    """As PyMC's: a model is the context while its ``__init__`` runs, so a subclass's
    ``__init__`` (a class-based model) creates its variables in it."""

    def __call__(cls, *args, **kwargs):
        instance = cls.__new__(cls, *args, **kwargs)
        with instance:
            instance.__init__(*args, **kwargs)
        return instance


class Model(metaclass=_ContextMeta):
    """A probabilistic model; use it as a context manager, as in PyMC.

    ``with pm.Model(coords={"school": names}) as model:`` collects every variable created inside
    the block; ``with model:`` later adds more.

    Named and nested models follow PyMC: a Model created inside another model's ``with`` block
    (or with ``model=parent``) is a child of it; ``model=None`` makes a new root whatever the
    context. Variables created in a child belong to the root's model under the child's prefix
    ("child::x", nested "a::b::x"; a named root prefixes its own variables too). A child's
    ``named_vars``, ``free_RVs``, ``deterministics``... hold its own variables (and its
    children's), which also appear in every ancestor's; ``child["x"]`` finds "child::x".
    Coordinates are shared by the whole tree. Compiled functions, points and sampling of a child
    are those of its root, the joint model (``pm.sample()`` inside ``with child:`` samples the
    root; PyMC would sample the child's terms alone).

    check_bounds: PyMC's ``check_bounds=False`` removes the parameter checks from the log density
    for speed. Hypatia keeps them whatever the flag (they are compiled branches and cost little):
    with valid parameters the results are the same, and an invalid one still gives -inf, never a
    silent NaN. The flag is stored and reads back as given.
    """

    # One per tree of models, held by the root (see _RootState).
    _cpp = _RootState()
    coords = _RootState()
    _pending_data = _RootState()
    _registrations = _RootState()
    _stale_observed = _RootState()
    _length_only_dims = _RootState()
    _distributions = _RootState()
    _compiled = _RootState()

    def __init__(self, name: str = "", coords: Optional[dict] = None, check_bounds: bool = True,
                 *, coords_mutable: Optional[dict] = None, model: Any = _UNSET):
        if model is _UNSET:
            enclosing = [m for m in _stack() if m is not self]  # self is the context already
            parent = enclosing[-1] if enclosing else None
        elif model is None or isinstance(model, Model):
            parent = model
        else:
            raise TypeError(f"pm.Model(model=...): expected a Model or None, got {type(model).__name__}")
        self._init_empty({}, name=_validate_model_name(name), parent=parent)
        # PyMC's check_bounds=False drops the parameter checks from the log density to save their
        # cost. Hypatia keeps them either way: they are compiled branches costing next to nothing,
        # valid parameters give the same log density and draws, and an invalid one gives -inf
        # (PyMC without the checks may return NaN or a finite value there).
        self.check_bounds = bool(check_bounds)
        self.add_coords(coords or {})
        self.add_coords(coords_mutable or {})

    def _init_empty(self, coords: dict, name: str = "", parent: Optional["Model"] = None) -> None:
        self.name = name
        self._parent = parent
        self.check_bounds = True
        if parent is None:
            self._pending_data = {}  # set_data values not yet consistent with the rest
            self._cpp = _core.Model()
            self.coords = {}
            self._distributions = {}  # name -> DistributionVariable it was built from
            # Every registration, in order, so the C++ model can be rebuilt when data changes shape.
            self._registrations = []
            self._stale_observed = set()  # observed values that no longer fit changed data
            self._length_only_dims = set()  # dims made from a data length (set_data resizes them)
            self._compiled = None
            _live_models.add(self)
        tree = lambda kind, attribute: kind(getattr(parent, attribute) if parent is not None else None)
        self.named_vars = tree(_TreeDict, "named_vars")
        self.free_RVs = tree(_TreeList, "free_RVs")
        self.observed_RVs = tree(_TreeList, "observed_RVs")
        self.deterministics = tree(_TreeList, "deterministics")
        self.potentials = tree(_TreeList, "potentials")
        self.data_vars = tree(_TreeList, "data_vars")
        self.rvs_to_initial_values = tree(_TreeDict, "rvs_to_initial_values")
        self.rvs_to_total_sizes = tree(_TreeDict, "rvs_to_total_sizes")
        for coord, values in coords.items():
            self._cpp.add_coord(coord, _coord_values(values))
            self.coords[coord] = tuple(values)

    # ---- the tree of named models ----
    @property
    def parent(self) -> Optional["Model"]:
        return self._parent

    @property
    def isroot(self) -> bool:
        return self._parent is None

    @property
    def root(self) -> "Model":
        model = self
        while model._parent is not None:
            model = model._parent
        return model

    @property
    def prefix(self) -> str:
        """The prefix of this model's variables: the names from the root down, "::" between.
        (An unnamed child shares its parent's prefix; PyMC would give it a trailing "::".)"""
        if self.isroot or not self._parent.prefix:
            return self.name
        if not self.name:
            return self._parent.prefix
        return f"{self._parent.prefix}::{self.name}"

    def name_for(self, name: str) -> str:
        """`name` with this model's prefix (unchanged if it has it already)."""
        name = _validate_model_name(name)
        prefix = self.prefix
        if prefix and not name.startswith(prefix + "::"):
            return f"{prefix}::{name}"
        return name

    def name_of(self, name: str) -> str:
        """`name` without this model's prefix."""
        name = _validate_model_name(name)
        prefix = self.prefix
        if prefix and name.startswith(prefix + "::"):
            return name[len(prefix) + 2:]
        return name

    def _full_name(self, name: str) -> str:
        """The model variable `name` designates here, PyMC's ``model[name]`` rule: the name as
        given if it is one of this model's variables, else with this model's prefix (a name that
        is neither comes back unchanged, for the caller's error)."""
        if not isinstance(name, str) or name in self.named_vars:
            return name
        try:
            full = self.name_for(name)
        except KeyError:
            return name
        return full if full in self.named_vars else name

    # ---- context ----
    def __enter__(self) -> "Model":
        _stack().append(self)
        tensor_variable.model_evaluator = _evaluate_with_models
        return self

    def __exit__(self, *exc) -> None:
        _stack().pop()

    @classmethod
    def get_context(cls, error_if_none: bool = True, allow_block_model_access: bool = False):
        stack = _stack()
        if stack:
            return stack[-1]
        if error_if_none:
            raise TypeError("No model on context stack: create variables inside `with pm.Model():`")
        return None

    # ---- coordinates ----
    def add_coord(self, name: str, values: Any = None, mutable: Optional[bool] = None,
                  *, length: Optional[int] = None) -> None:
        if values is None and length is None:
            raise ValueError(f"coordinate {name!r}: give its values or its length")
        if values is None:
            values = range(int(length))
        values = _coord_labels(values)
        if name in self.coords:
            if list(self.coords[name]) != values:
                raise ValueError(
                    f"coordinate {name!r} already exists with {len(self.coords[name])} values; "
                    f"got {len(values)} different ones"
                )
            return
        self._cpp.add_coord(name, _coord_values(values))
        self.coords[name] = tuple(values)

    def add_coords(self, coords: dict, *, lengths: Optional[dict] = None) -> None:
        for name, values in (coords or {}).items():
            self.add_coord(name, values)
        for name, length in (lengths or {}).items():
            self.add_coord(name, length=length)

    @property
    def dim_lengths(self) -> dict:
        return {name: len(values) for name, values in self.coords.items()}

    @property
    def named_vars_to_dims(self) -> dict:
        return {v["name"]: tuple(v["dims"]) for v in self._cpp.variables()
                if v["dims"] and (self.isroot or v["name"] in self.named_vars)}

    # ---- variables ----
    def _check_new_name(self, name: str) -> str:
        """The full (prefixed) name of a new variable called `name` in this model; an error if
        the model, or any model of its tree, has one of that name already."""
        if not isinstance(name, str) or not name:
            raise TypeError(f"a model variable's name must be a non-empty string, got {name!r}")
        full = self.name_for(name)
        if full in self.root.named_vars:
            raise ValueError(f"Variable name {full!r} already exists in the model")
        return full

    def _add(self, name: str, value: TensorVariable, kind: list) -> TensorVariable:
        value.name = name
        value.model = self
        self.named_vars[name] = value
        kind.append(value)
        self._compiled = None
        # PyMC's attribute access: model.x, child.x for "child::x" (unless the name is taken).
        short = self.name_of(name)
        if not hasattr(self, short):
            setattr(self, short, value)
        return value

    # ---- the C++ model, through calls that are logged for _rebuild ----
    def _cpp_data(self, name: str, value: np.ndarray, dims: list):
        self._registrations.append(("data", name, dims))
        return self._cpp.data(name, value, dims)

    def _bind_minibatches(self, nodes) -> None:
        """Makes the pm.Minibatch index placeholders that `nodes` read data of the model (they
        are created outside any model, like PyMC's minibatches)."""
        from hypatia.minibatch import index_containers

        for name, initial in index_containers([n for n in nodes if isinstance(n, _core.Node)]):
            if not any(entry[0] == "data" and entry[1] == name for entry in self._registrations):
                self._cpp_data(name, initial, [])

    def _cpp_rv(self, name: str, dist, shape, dims: list, transform, untransformed: bool):
        self._bind_minibatches(list(getattr(dist, "params", None) or ()))
        self._registrations.append(("rv", name, dist, shape, dims, transform, untransformed))
        return self._cpp.rv(name, dist.distribution, shape, dims, transform, untransformed)

    def _cpp_observe(self, name: str, dist, observed, dims: list):
        self._bind_minibatches([observed, *(getattr(dist, "params", None) or ())])
        self._registrations.append(("observe", name, dist, observed, dims))
        return self._cpp.observe(name, dist.distribution, observed, dims)

    def _cpp_deterministic(self, name: str, node, dims: list):
        self._bind_minibatches([node])
        self._registrations.append(("deterministic", name, node, dims))
        return self._cpp.deterministic(name, node, dims)

    def _cpp_potential(self, name: str, node):
        self._bind_minibatches([node])
        self._registrations.append(("potential", name, node))
        self._cpp.potential(name, node)

    def _rebuild(self, data_values: dict, replacements: Sequence = ()) -> None:
        """A new C++ model from the registrations with new data values (of any shape): every
        graph is rebuilt over the new data, and the model's variables point to the new nodes.
        `replacements` ((old, new) node pairs) are substituted in every graph too."""
        if not self.isroot:
            return self.root._rebuild(data_values, replacements)
        shell = Model.__new__(Model)
        shell._init_empty(self.coords)
        shell._stale_observed = self._stale_observed
        shell._length_only_dims = self._length_only_dims
        nodes = self._replay_into(shell, data_values, {}, replacements)
        for name, node in nodes.items():
            self.named_vars[name].node = node
        self._cpp, self._registrations = shell._cpp, shell._registrations
        self._compiled = None

    def sync_data(self) -> None:
        """Brings the model's graphs up to date before they are used: pm.set_data values that
        were waiting for the containers that fit them are applied now (an error if they still
        do not fit)."""
        if self._pending_data:
            self._rebuild(self._pending_data)
            self._pending_data = {}

    def _replay_into(self, target: "Model", data_values: dict, observations: dict,
                     replacements: Sequence = ()) -> dict:
        """Replays every registration into `target`'s C++ model, with data replaced by
        `data_values` and the free variables named in `observations` observed; returns the new
        node of each named variable. `replacements` are (old node, new node) pairs applied to
        every graph (a shared variable's new value)."""
        pairs: list = list(replacements)
        substitute = lambda node: _core.substitute([node], pairs)[0] if pairs else node
        nodes = {}
        named_vars = self.root.named_vars
        for entry in self._registrations:
            kind, name = entry[0], entry[1]
            if kind == "data":
                value = data_values.get(name, self._cpp.data_value(name))
                new = target._cpp_data(name, value, entry[2])
            elif kind == "rv":
                _, _, dist, shape, dims, transform, untransformed = entry
                dist = dist.substituted(substitute)
                if name in observations:
                    new = target._cpp_observe(name, dist, observations[name], dims)
                else:
                    new = target._cpp_rv(name, dist, shape, dims, transform, untransformed)
            elif kind == "observe":
                _, _, dist, observed, dims = entry
                new = target._reobserve(name, dist.substituted(substitute), observed, dims, substitute)
            elif kind == "deterministic":
                new = target._cpp_deterministic(name, substitute(entry[2]), entry[3])
            else:
                target._cpp_potential(name, substitute(entry[2]))
                continue
            if name in named_vars:
                pairs.append((named_vars[name].node, new))
                nodes[name] = new
        return nodes

    def _reobserve(self, name: str, dist, observed, dims: list, substitute):
        """Observes `name` again in a rebuilt model. Observed values that no longer fit the new
        data's shape can only serve predictions: placeholders in the support stand in for them,
        and sampling the model refuses to run until they are set again."""
        if isinstance(observed, _core.Node):
            return self._cpp_observe(name, dist, substitute(observed), dims)
        shape = tuple(dist.distribution.default_shape)
        if shape in ((), tuple(np.shape(observed))):
            self._stale_observed.discard(name)  # the data fit the observed values again
            return self._cpp_observe(name, dist, observed, dims)
        self._stale_observed.add(name)
        # Keep the variable's dims when pm.set_data(..., coords=...) gave them the new lengths.
        fits = len(dims) == len(shape) and all(
            not d or (d in self.coords and len(self.coords[d]) == n) for d, n in zip(dims, shape))
        for filler in (0.0, 1.0, 0.5):
            try:
                values = np.full(shape, filler, dtype=np.asarray(observed).dtype)
                node = self._cpp_observe(name, dist, values, dims if fits else [])
            except ValueError:
                continue
            # The registration keeps the real observed values and dims, not the placeholders: a
            # later rebuild at the original shape observes the data again.
            self._registrations[-1] = ("observe", name, dist, observed, dims)
            return node
        raise ValueError(f"{name}: its observed values do not fit the new data's shape "
                         f"{tuple(distribution.default_shape)}")

    def set_data(self, name: str, values: Any, coords: Optional[dict] = None) -> None:
        """PyMC's ``model.set_data(name, values, coords=None)``: ``pm.set_data`` for one container."""
        from hypatia.data import set_data

        set_data({name: values}, model=self, coords=coords)

    def __getitem__(self, name: str) -> TensorVariable:
        try:
            return self.named_vars[self._full_name(name)]
        except KeyError:
            known = ", ".join(self.named_vars) or "none"
            raise KeyError(f"the model has no variable {name!r} (variables: {known})") from None

    def __contains__(self, name: str) -> bool:
        return self._full_name(name) in self.named_vars

    @property
    def value_vars(self) -> list:
        return [b["value_name"] for b in self._blocks() if self.isroot or b["name"] in self.named_vars]

    @property
    def unobserved_RVs(self) -> list:
        return self.free_RVs + self.deterministics

    @property
    def basic_RVs(self) -> list:
        return self.free_RVs + self.observed_RVs

    @property
    def unobserved_value_vars(self) -> list:
        return self.value_vars + [d.name for d in self.deterministics]

    def _blocks(self) -> list:
        blocks = self._cpp.layout()
        for block in blocks:
            dist = self._distributions.get(block["name"])
            block["value_name"] = value_var_name(block["name"], block["transform"],
                                                 dist.distribution if dist is not None else None)
        return blocks

    # ---- compiled functions ----
    def compiled(self, backend: str = "default"):
        self.sync_data()
        if self._compiled is None or self._compiled[0] != backend:
            self._compiled = (backend, self._cpp.compile(backend))
        return self._compiled[1]

    def _flat_point(self, point: dict) -> np.ndarray:
        blocks = self._blocks()
        dim = sum(b["size"] for b in blocks)
        x = np.empty(dim)
        for block in blocks:
            key = block["value_name"]
            if key not in point:
                known = ", ".join(b["value_name"] for b in blocks)
                raise KeyError(f"the point has no value for {key!r} (the model's value variables: {known})")
            value = np.asarray(point[key], dtype=float)
            if value.size != block["size"]:
                raise ValueError(
                    f"{key}: expected {block['size']} values (shape "
                    f"{tuple(block['unconstrained_shape'])}), got shape {value.shape}"
                )
            x[block["offset"]: block["offset"] + block["size"]] = value.ravel()
        return x

    def _named_point(self, x: np.ndarray) -> dict:
        return {
            b["value_name"]: np.asarray(x[b["offset"]: b["offset"] + b["size"]]).reshape(
                b["unconstrained_shape"])
            for b in self._blocks()
        }

    def initial_point(self, random_seed: Any = None) -> dict:
        """The starting point (unconstrained, by value-variable name) before jitter.

        Hypatia starts chains from the user's ``initval``s, else from zero on the unconstrained
        scale (the median of most priors) plus uniform jitter; this returns that point without
        the jitter.
        """
        return self._named_point(self._initial_flat())

    def _initial_flat(self) -> np.ndarray:
        x = np.zeros(sum(b["size"] for b in self._blocks()))
        if not self.rvs_to_initial_values:
            return x
        given = {name: np.asarray(v, dtype=float) for name, v in self.rvs_to_initial_values.items()}
        return self._unconstrain_given(x, given)

    def _unconstrain_given(self, x: np.ndarray, given: dict) -> np.ndarray:
        """x with the blocks of the variables in `given` (constrained values) replaced."""
        constrained = self.compiled().constrain(x)
        full = {name: constrained[name] for name in (b["name"] for b in self._blocks())}
        for name, value in given.items():
            if name not in full:
                raise KeyError(f"initial value for {name!r}, which is not a free variable of the model")
            full[name] = np.broadcast_to(value, np.shape(full[name])).astype(float)
        return np.asarray(self._cpp.unconstrain(full))

    def compile_logp(self, vars=None, jacobian: bool = True, sum: bool = True):
        """A function of a point (value-variable names) returning the joint log density (PyMC's
        arguments: ``vars`` picks random variables and potentials, ``jacobian=False`` leaves out
        the transforms' log-Jacobians, ``sum=False`` returns each variable's elementwise terms)."""
        if vars is None and jacobian and sum:
            compiled = self.compiled()
            return lambda point: float(compiled.logp_grad(self._flat_point(point))[0])
        return logp_functions.compile_logp(self, vars, jacobian, sum)

    def compile_dlogp(self, vars=None, jacobian: bool = True):
        """A function of a point returning the gradient of the joint log density over the value
        variables (of the free variables in ``vars``, in that order), concatenated."""
        if vars is None and jacobian:
            compiled = self.compiled()
            return lambda point: compiled.logp_grad(self._flat_point(point))[1]
        return logp_functions.compile_dlogp(self, vars, jacobian)

    def compile_fn(self, outs, inputs=None, point_fn: bool = True):
        _refuse(inputs is not None, "compile_fn(inputs=...)")
        outputs = outs if isinstance(outs, (list, tuple)) else [outs]

        def function(point):
            values = self._values_at(point, outputs)
            return values if isinstance(outs, (list, tuple)) else values[0]

        return function

    def _values_at(self, point: dict, outputs: list) -> list:
        """Outputs evaluated with the free variables at `point` (value-variable names)."""
        constrained = self.compiled().constrain(self._flat_point(point))
        free = {rv.name: rv for rv in self.free_RVs}
        pairs = [(free[n], constrained[n]) for n in free]
        return tensor_variable.evaluate(outputs, dict(pairs) | self._data_values())

    def _data_values(self) -> dict:
        return {d: self._cpp.data_value(d.name) for d in self.data_vars}

    def point_logps(self, point: Optional[dict] = None, round_vals: int = 2) -> dict:
        """Each variable's log density term at `point` (default: the initial point)."""
        self.sync_data()
        point = self.initial_point() if point is None else point
        x = self._flat_point(point)
        graph = self._cpp.log_density()
        names = [name for name, _ in graph["terms"]]
        function = _core.Function([graph["x"], *graph["data_inputs"]],
                                  [term for _, term in graph["terms"]], "interp")
        values = function([x, *graph["data_values"]])
        return {name: round(float(v), round_vals) for name, v in zip(names, values)}

    def logp(self, vars=None, jacobian: bool = True, sum: bool = True):
        """The log density of ``vars`` (default: every random variable and potential) as a graph
        of the model's variables, for ``model.compile_fn`` and other graphs; ``sum=False`` gives
        a list of each variable's elementwise log density."""
        return logp_functions.logp(self, vars, jacobian, sum)

    def dlogp(self, vars=None, jacobian: bool = True) -> TensorVariable:
        """The gradient of the joint log density over the value variables (of the free variables
        in ``vars``, in that order), concatenated, as a graph of the model's variables."""
        return logp_functions.dlogp(self, vars, jacobian)

    @property
    def varlogp(self) -> TensorVariable:
        """The free variables' log density, with the transforms' log-Jacobians."""
        return self.logp(vars=self.free_RVs)

    @property
    def varlogp_nojac(self) -> TensorVariable:
        return self.logp(vars=self.free_RVs, jacobian=False)

    @property
    def observedlogp(self) -> TensorVariable:
        return self.logp(vars=self.observed_RVs)

    @property
    def potentiallogp(self) -> TensorVariable:
        return self.logp(vars=self.potentials)

    @property
    def datalogp(self) -> TensorVariable:
        """The observed variables' and potentials' log density."""
        return self.observedlogp + self.potentiallogp

    def debug(self, point=None, fn="logp", verbose=False):
        x = self._flat_point(point or self.initial_point())
        bad = self.compiled().nonfinite_variables(x)
        print("The log density is finite at the point." if not bad else
              f"The log density or its gradient is not finite for: {', '.join(bad)}")

    def to_graphviz(self, **kwargs):
        """``pm.model_to_graphviz(self, ...)``."""
        from hypatia.model_graph import model_to_graphviz

        return model_to_graphviz(self, **kwargs)

    def __repr__(self) -> str:
        lines = []
        for rv in self.free_RVs + self.observed_RVs:
            dist = self._distributions.get(rv.name)
            family = dist.family if dist is not None else "?"
            lines.append(f"{rv.name} ~ {family}")
        for det in self.deterministics:
            lines.append(f"{det.name} ~ Deterministic")
        return "\n".join(lines) or "<empty Model>"

    def _repr_latex_(self) -> str:
        return "$$" + repr(self).replace("\n", r"\\") + "$$"


def modelcontext(model: Optional[Model]) -> Model:
    """`model` if given, else the innermost model of the current `with` block."""
    return model if model is not None else Model.get_context()


def _refuse(condition: bool, what: str) -> None:
    if condition:
        raise NotImplementedError(f"{what} is not supported by Hypatia yet")


def _evaluate_with_models(outputs: list, inputs: list, values: list) -> list:
    """Evaluates graphs that use model variables: data at its current values, random variables
    drawn from the prior (PyMC's ``var.eval()`` draws too)."""
    for model in reversed(_stack()):
        from hypatia.sampling import forward_values

        return forward_values(model, outputs, inputs, values)
    raise ValueError("cannot evaluate a graph of model variables outside its model's `with` block")


def observe(model: Model, vars_to_observations: dict) -> Model:
    """A copy of `model` in which the given free variables are observed at the given values
    (PyMC's ``pm.observe``). For a child model, the copy is of the whole tree (a new root; the
    variables keep their prefixed names), and names resolve as ``model[name]`` does."""
    context, model = model, model.root
    observations = {}
    for variable, value in vars_to_observations.items():
        name = context._full_name(variable if isinstance(variable, str) else variable.name)
        if name not in model.named_vars or not _contains(model.free_RVs, model.named_vars[name]):
            raise ValueError(f"pm.observe: {name!r} is not a free random variable of the model")
        observations[name] = np.asarray(value)
    new = Model.__new__(Model)
    new._init_empty(model.coords, name=model.name)
    new.check_bounds = model.check_bounds
    nodes = model._replay_into(new, {}, observations)
    for name, node in nodes.items():
        old = model.named_vars[name]
        role = ("observed_RVs" if name in observations else
                next(r for r in ("free_RVs", "observed_RVs", "deterministics", "data_vars")
                     if _contains(getattr(model, r), old)))
        new._add(name, TensorVariable(node), getattr(new, role))
    for potential in model.potentials:
        new.potentials.append(potential)
    new._distributions = dict(model._distributions)
    new.rvs_to_initial_values.update({k: v for k, v in model.rvs_to_initial_values.items()
                                      if k not in observations})
    return new


def _contains(variables: list, variable) -> bool:
    """`variable` is in `variables` (by identity: == on graph variables builds a graph)."""
    return any(v is variable for v in variables)


def Deterministic(name: str, var: Any, model: Optional[Model] = None, dims=None) -> TensorVariable:
    """A derived quantity stored with every draw."""
    model = modelcontext(model)
    name = model._check_new_name(name)
    node = model._cpp_deterministic(name, as_tensor_variable(var).node, _dims_list(dims))
    return model._add(name, TensorVariable(node), model.deterministics)


def Potential(name: str, var: Any, model: Optional[Model] = None, dims=None) -> TensorVariable:
    """A term added to the model's log density."""
    model = modelcontext(model)
    name = model._check_new_name(name)
    term = as_tensor_variable(var)
    model._cpp_potential(name, term.node)
    return model._add(name, term, model.potentials)


def _dims_list(dims) -> list:
    if dims is None:
        return []
    if isinstance(dims, str):
        return [dims]
    return [d if d is not None else "" for d in dims]
