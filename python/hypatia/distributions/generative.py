"""Log densities derived from generative graphs: what ``pm.CustomDist(dist=...)`` is built from.

The user's ``dist(*params, size)`` is called once inside a trace. There, every ``pm.X.dist(...)``
used as a tensor becomes a placeholder node standing for one draw of X (a traced random
variable), and ``pytensor.scan`` over steps that draw such variables becomes one placeholder for
the stacked draws, remembering its step graph. From the graph ``dist`` returns this module builds

* the log density of a value: the graph is inverted from its output down to the one random
  variable it transforms (shape ops; invertible elementwise maps with their log-Jacobian; clip as
  censoring; concatenation of pieces, each valued by its slice; cumsum; a discrete random index
  into a stack, or a switch on one, as a mixture with that index summed out), and a scan's
  density is the sum of each step's conditional density given the previous values, computed by
  a scan over the value; and
* a draw: every traced variable replaced by a draw from its distribution, the random state
  threaded through them (and through the scan's steps as a carry).

A graph the derivation cannot invert is a NotImplementedError naming the CustomDist and the op,
never a wrong density. The engine receives both as plain graphs (the C++ CustomDist).
"""

from __future__ import annotations

import itertools
from typing import Callable, Optional

import numpy as np

from hypatia import _core

_ids = itertools.count()
_TRACES: list["Trace"] = []


class TracedVariable:
    """A random variable inside a generative graph, standing as the placeholder `node`."""

    def __init__(self, node, family: str, distribution=None, scan: Optional["ScanRecord"] = None):
        self.node = node
        self.family = family
        self.distribution = distribution  # a C++ Distribution (base variables)
        self.scan = scan

    @property
    def event_rank(self) -> int:
        return self.node.ndim if self.scan is not None else self.distribution.event_rank

    @property
    def is_discrete(self) -> bool:
        return self.node.dtype.startswith("int")


class Trace:
    """The random variables created while a dist function (or one scan step) runs."""

    def __init__(self, name: str):
        self.name = name
        self.variables: list[TracedVariable] = []
        self.by_id: dict[int, TracedVariable] = {}

    def __enter__(self):
        _TRACES.append(self)
        return self

    def __exit__(self, *exc):
        _TRACES.pop()

    def add(self, variable: TracedVariable) -> TracedVariable:
        self.variables.append(variable)
        self.by_id[variable.node.id] = variable
        return variable


def active() -> Optional[Trace]:
    return _TRACES[-1] if _TRACES else None


def _all_traced() -> dict:
    found = {}
    for trace in _TRACES:
        found.update(trace.by_id)
    return found


def traced_node(dist_var):
    """The placeholder of an unregistered distribution used as a tensor inside a trace (the same
    node each time the same object is used), or None outside a trace."""
    trace = active()
    if trace is None:
        return None
    cached = getattr(dist_var, "_traced", None)
    if cached is not None and cached[0] is trace:
        return cached[1].node
    distribution = dist_var.distribution
    dtype = "int64" if distribution.is_discrete else "float64"
    node = _core.placeholder(f"{trace.name}:{dist_var.family}:{next(_ids)}", dtype,
                             [int(d) for d in dist_var.draw_shape()])
    variable = trace.add(TracedVariable(node, dist_var.family, distribution=distribution))
    dist_var._traced = (trace, variable)
    return node


# ---------------------------------------------------------------- scan over random steps
class ScanRecord:
    """A pytensor.scan whose step draws random variables: the step graph over placeholders for
    the sequence slices and the previous outputs (taps), and what feeds them."""

    def __init__(self, slices, aligned, slot, tap_nodes, output, step_trace, steps):
        self.slice_nodes = slices        # placeholders for each aligned sequence's slice
        self.aligned = aligned           # the aligned sequences (outer nodes)
        self.slot = slot                 # pytensor._Taps of the output, or None (no recurrence)
        self.tap_nodes = tap_nodes       # placeholders for each tap of the previous outputs
        self.output = output             # the step's output node
        self.step_trace = step_trace
        self.steps = steps


def traced_scan(fn, aligned, slots, non_seqs, steps, name: str):
    """pytensor.scan inside a trace: a traced variable for the stacked output when the step
    draws random variables, None when it does not (an ordinary scan then runs)."""
    from hypatia.tensor import basic

    recurrent = [slot for slot in slots if slot is not None and slot.taps]
    slice_nodes = [_core.placeholder(f"{name}:slice:{next(_ids)}", s.node.dtype,
                                     [_known(d, name) for d in s.node.shape[1:]]) for s in aligned]
    tap_nodes = []
    for slot in recurrent:
        element = slot.initial.node.shape if slot.taps == [-1] else slot.initial.node.shape[1:]
        tap_nodes.append([_core.placeholder(f"{name}:tap{t}:{next(_ids)}", slot.initial.node.dtype,
                                            [_known(d, name) for d in element]) for t in slot.taps])
    step_trace = Trace(name)
    from hypatia.pytensor import _fn_outputs

    with step_trace:
        past = [basic.wrap(n) for taps in tap_nodes for n in taps]
        returned = fn(*[basic.wrap(n) for n in slice_nodes], *past, *non_seqs)
        outputs = [basic.as_tensor(o) for o in _fn_outputs(returned)]
    if not step_trace.variables:
        return None
    if len(outputs) != 1 or len(slots) > 1:
        raise NotImplementedError(
            f"CustomDist {name}: a scan whose steps draw random variables must have one output "
            f"(the drawn value); this one has {len(outputs)}")
    length = steps if steps is not None else (aligned[0].node.shape[0] if aligned else None)
    if length is None or length < 0:
        raise NotImplementedError(f"CustomDist {name}: a scan over random steps needs its number "
                                  "of steps known when the graph is built")
    output = outputs[0].node
    slot = recurrent[0] if recurrent else None
    record = ScanRecord(slice_nodes, [s.node for s in aligned], slot, tap_nodes[0] if slot else [],
                        output, step_trace, int(length))
    node = _core.placeholder(f"{name}:scan:{next(_ids)}", output.dtype,
                             [int(length)] + list(output.shape))
    active().add(TracedVariable(node, "scan", scan=record))
    return basic.wrap(node)


def _known(dim, name: str):
    if dim is None or dim < 0:
        raise NotImplementedError(f"CustomDist {name}: a scan over random steps needs the shapes "
                                  "of its sequences and initial values known when the graph is built")
    return int(dim)


# ---------------------------------------------------------------- derivation of the log density
class Unsupported(NotImplementedError):
    pass


def _float(value: float):
    return _core.float_scalar(value)


def _slice(node, axis: int, start=None, stop=None):
    """node[..., start:stop] along `axis` (the (start, stop, step) triples _core.slice takes)."""
    return _core.slice(node, [(None, None, None)] * axis + [(start, stop, None)])


def _sum_last(node, k: int):
    if k == 0:
        return node
    return _core.sum(node, list(range(node.ndim - k, node.ndim)), False)


def _sum_all(node):
    return _core.sum(node, list(range(node.ndim)), False) if node.ndim else node


def _log_abs(node):
    return _core.log(_core.abs(node))


# For an elementwise op y = f(x, constants) in _INVERTIBLE: (inverse x(v), log|dx/dv| or None,
# the condition for v to be in the image or None).
def _invert_elementwise(op: str, position: int, v, others: list):
    c = others[0] if others else None
    if op == "add":
        return _core.sub(v, c), None, None
    if op == "sub":
        return (_core.add(v, c), None, None) if position == 0 else (_core.sub(c, v), None, None)
    if op == "neg":
        return _core.neg(v), None, None
    if op == "mul":
        return _core.div(v, c), _core.neg(_log_abs(c)), _core.not_equal(c, _float(0.0))
    if op == "div":
        if position == 0:
            return _core.mul(v, c), _log_abs(c), _core.not_equal(c, _float(0.0))
        return (_core.div(c, v), _core.sub(_log_abs(c), _core.mul(_float(2.0), _log_abs(v))),
                _core.not_equal(v, _float(0.0)))
    if op == "reciprocal":
        return _core.reciprocal(v), _core.mul(_float(-2.0), _log_abs(v)), _core.not_equal(v, _float(0.0))
    if op == "exp":
        return _core.log(v), _core.neg(_core.log(v)), _core.greater(v, _float(0.0))
    if op == "log":
        return _core.exp(v), v, None
    if op == "expm1":
        return _core.log1p(v), _core.neg(_core.log1p(v)), _core.greater(v, _float(-1.0))
    if op == "log1p":
        return _core.expm1(v), v, None
    if op == "sigmoid":
        inside = _core.logical_and(_core.greater(v, _float(0.0)), _core.less(v, _float(1.0)))
        return _core.logit(v), _core.neg(_core.add(_core.log(v), _core.log1p(_core.neg(v)))), inside
    if op == "logit":
        return (_core.sigmoid(v), _core.neg(_core.add(_core.softplus(v), _core.softplus(_core.neg(v)))),
                None)
    if op == "sqrt":
        return _core.square(v), _core.log(_core.mul(_float(2.0), v)), _core.greater_equal(v, _float(0.0))
    raise AssertionError(op)


_INVERTIBLE = ("add", "sub", "neg", "mul", "div", "reciprocal", "exp", "log", "expm1", "log1p",
               "sigmoid", "logit", "sqrt")
_SHIFTS = ("add", "sub", "neg")  # the maps a discrete variable may go through (no Jacobian)


class Derivation:
    """Inverts one generative graph: logp(node, value) -> (log density, event rank)."""

    def __init__(self, name: str, traced: dict, foreign: frozenset = frozenset()):
        self.name = name
        self.traced = traced          # placeholder id -> TracedVariable
        self.foreign = foreign        # ids of random variables from outside (a scan step's view)
        self.valued: list = []        # (traced placeholder, the value it takes) pairs
        self._depends: dict = {}

    def depends(self, node) -> bool:
        key = node.id
        if key not in self._depends:
            self._depends[key] = (key in self.traced or key in self.foreign
                                  or any(self.depends(i) for i in node.inputs()))
        return self._depends[key]

    def fail(self, message: str):
        raise Unsupported(f"CustomDist {self.name}: cannot derive the log density: {message}")

    def logp(self, node, value):
        traced = self.traced.get(node.id)
        if traced is not None:
            return self._variable_logp(traced, value)
        if node.id in self.foreign:
            self.fail("a scan step returns a random variable drawn outside the scan")
        if not self.depends(node):
            self.fail(f"the returned graph ({node.op}) does not depend on any random variable "
                      "created with .dist() in the dist function")
        op = node.op
        inputs = node.inputs()
        if op in ("reshape", "expand_dims", "squeeze", "flatten"):
            return self._reshaped(node, inputs[0], value)
        if op == "transpose":
            return self._transposed(node, inputs[0], value)
        if op == "clip":
            return self._clipped(node, inputs, value)
        if op == "concatenate":
            return self._concatenated(node, inputs, value)
        if op == "cumsum":
            return self._cumsum(node, inputs[0], value)
        if op == "gather":
            return self._indexed(node, inputs, value)
        if op == "where":
            return self._switched(node, inputs, value)
        if op in _INVERTIBLE:
            return self._elementwise(node, op, inputs, value)
        self.fail(f"the op {op} applied to a random variable has no inverse Hypatia knows "
                  "(supported: shape ops, invertible elementwise maps, clip, concatenate, cumsum, "
                  "mixtures by indexing or switch, and scan)")

    def _marginalized(self, node, value):
        """The log density of `node` at `value` as one branch of a mixture: its variables take
        the value only within the branch, so they are not valued for the rest of the graph."""
        mark = len(self.valued)
        if not self.depends(node):
            if not value.dtype.startswith("int"):
                self.fail("a mixture with a constant branch of a continuous value (a point mass "
                          "beside a density)")
            constant = _core.broadcast_to(_core.cast(node, value.dtype), list(value.shape))
            return _core.where(_core.equal(value, constant), _float(0.0), _float(-np.inf)), 0
        logp, k = self.logp(node, value)
        del self.valued[mark:]
        return logp, k

    def _index_variable(self, index, what: str) -> TracedVariable:
        traced = self.traced.get(index.id)
        if traced is None or traced.scan is not None or not traced.is_discrete or traced.event_rank:
            self.fail(f"{what} is derived as a mixture only when the index is itself a discrete "
                      "univariate random variable (pm.Categorical.dist, pm.Bernoulli.dist, ...)")
        return traced

    def _indexed(self, node, inputs, value):
        """components[index] with a random scalar index: a mixture over the first axis,
        log sum_k P(index = k) p_k(value)."""
        x, index = inputs
        if int(node.attrs.get("axis", 0)) != 0 or index.ndim != 0:
            self.fail("indexing a random variable by a random index is derived only for one "
                      "scalar index along the first axis")
        traced_index = self._index_variable(index, "indexing by a random value")
        n = int(x.shape[0])
        log_weights = traced_index.distribution.logp(_core.constant(np.arange(n, dtype=np.int64)))
        components = self._component_logps(x, value, n)
        return _core.logsumexp(_core.add(log_weights, components), [0], False), node.ndim

    def _component_logps(self, x, value, n: int):
        """Each component's log density at `value`, summed over the value's axes: shape (n,)."""
        if x.op == "concatenate" and int(x.attrs.get("axis", 0)) == 0 and all(
                piece.op == "expand_dims" and list(piece.attrs.get("axes", [])) == [0]
                for piece in x.inputs()):
            terms = [_sum_all(self._marginalized(piece.inputs()[0], value)[0]) for piece in x.inputs()]
            return _core.stack(terms, 0)
        traced = self.traced.get(x.id)
        if traced is not None and traced.scan is None and traced.event_rank == 0:
            stacked = _core.broadcast_to(_core.expand_dims(value, [0]), list(x.shape))
            logp = traced.distribution.logp(stacked)
            return _core.sum(logp, list(range(1, logp.ndim)), False) if logp.ndim > 1 else logp
        self.fail("the components of an indexed mixture must be pt.stack([...]) of random "
                  "variables or one univariate random variable with the components on the first axis")

    def _switched(self, node, inputs, value):
        """switch(index, a, b) with a discrete random index: elementwise a mixture of a (where
        the index is nonzero) and b."""
        condition, when_true, when_false = inputs
        index = condition.inputs()[0] if condition.op == "not_equal" else None
        zero = condition.inputs()[1] if condition.op == "not_equal" else None
        if index is None or not (zero.is_constant and np.all(zero.constant_value() == 0)):
            self.fail("switch is derived as a mixture only when its condition is a discrete "
                      "random variable (nonzero selects the first branch)")
        traced_index = self._index_variable(index, "switch")
        if tuple(index.shape) != tuple(node.shape):
            self.fail(f"switch's random condition has shape {tuple(index.shape)}, the result "
                      f"{tuple(node.shape)}: one draw of the condition would choose several values")
        for branch in (when_true, when_false):
            if self.depends(branch) and tuple(branch.shape) != tuple(node.shape):
                self.fail(f"switch broadcasts a random branch of shape {tuple(branch.shape)} to "
                          f"{tuple(node.shape)}")
        log_false = traced_index.distribution.logp(
            _core.constant(np.zeros([int(d) for d in index.shape], dtype=np.int64)))
        log_true = _core.log1mexp(log_false)
        true_logp, k_true = self._marginalized(when_true, value)
        false_logp, k_false = self._marginalized(when_false, value)
        if k_true or k_false:
            self.fail("switch between multivariate branches")
        both = _core.stack([_core.add(log_true, true_logp), _core.add(log_false, false_logp)], 0)
        return _core.logsumexp(both, [0], False), 0

    def _variable_logp(self, traced: TracedVariable, value):
        if any(node.id == traced.node.id for node, _ in self.valued):
            self.fail(f"the random variable {traced.family} appears more than once in the returned graph")
        self.valued.append((traced.node, value))
        if traced.scan is not None:
            return scan_logp(self, traced, value), traced.event_rank
        return traced.distribution.logp(value), traced.event_rank

    def _elementwise(self, node, op, inputs, value):
        random_inputs = [i for i, x in enumerate(inputs) if self.depends(x)]
        if len(random_inputs) != 1:
            self.fail(f"{op} combines {len(random_inputs)} random variables; only invertible maps "
                      "of one random variable are supported")
        position = random_inputs[0]
        x = inputs[position]
        others = [y for i, y in enumerate(inputs) if i != position]
        if tuple(x.shape) != tuple(node.shape):
            self.fail(f"{op} broadcasts a random variable of shape {tuple(x.shape)} to "
                      f"{tuple(node.shape)} (one draw would give several values)")
        if x.dtype.startswith("int") and op not in _SHIFTS:
            self.fail(f"{op} of the discrete variable is not supported (only shifts and negation)")
        x_value, log_jacobian, guard = _invert_elementwise(op, position, value, others)
        if x_value.dtype != x.dtype:
            x_value = _core.cast(x_value, x.dtype)
        logp, k = self.logp(x, x_value)
        if log_jacobian is not None:
            jacobian = _core.broadcast_to(log_jacobian, list(value.shape))
            logp = _core.add(logp, _sum_last(jacobian, k))
        if guard is not None:
            inside = _core.broadcast_to(guard, list(value.shape))
            if k:
                inside = _core.cast(_core.sum(_core.cast(_core.logical_not(inside), "float64"),
                                              list(range(value.ndim - k, value.ndim)), False), "int64")
                inside = _core.equal(inside, _core.int_scalar(0))
            logp = _core.where(inside, logp, _float(-np.inf))
        return logp, k

    def _reshaped(self, node, x, value):
        logp, k = self.logp(x, _core.reshape(value, list(x.shape)))
        if k == 0:
            return _core.reshape(logp, list(node.shape)), 0
        return _sum_all(logp), node.ndim

    def _transposed(self, node, x, value):
        axes = list(node.attrs.get("permutation", []))
        if len(axes) != node.ndim:
            self.fail("a transpose whose axes Hypatia cannot read")
        inverse = list(np.argsort(axes))
        logp, k = self.logp(x, _core.transpose(value, [int(a) for a in inverse]))
        if k == 0:
            return _core.transpose(logp, [int(a) for a in axes]), 0
        return _sum_all(logp), node.ndim

    def _clipped(self, node, inputs, value):
        x, lower, upper = inputs
        traced = self.traced.get(x.id)
        if traced is None or traced.scan is not None or traced.event_rank != 0 or traced.is_discrete:
            self.fail("clip is derived as censoring only when applied directly to a continuous "
                      "univariate distribution")
        if self.depends(lower) or self.depends(upper):
            self.fail("clip bounds that are random")
        if tuple(x.shape) != tuple(node.shape):
            self.fail(f"clip broadcasts a random variable of shape {tuple(x.shape)} to {tuple(node.shape)}")
        censored = _core.Censored(traced.distribution, lower, upper)
        self.valued.append((x, value))
        return censored.logp(value), 0

    def _concatenated(self, node, inputs, value):
        axis = int(node.attrs.get("axis", 0))
        start, terms = 0, []
        for piece in inputs:
            length = piece.shape[axis]
            piece_value = _slice(value, axis, start, start + length)
            start += length
            if not self.depends(piece):
                self.fail("a concatenation with a piece that is not random")
            logp, k = self.logp(piece, piece_value)
            terms.append(_sum_all(logp))
        total = terms[0]
        for term in terms[1:]:
            total = _core.add(total, term)
        return total, node.ndim

    def _cumsum(self, node, x, value):
        axis = int(node.attrs.get("axis", 0))
        if node.attrs.get("reverse", 0):
            self.fail("a reverse cumsum")
        axis = axis % node.ndim
        first = _slice(value, axis, 0, 1)
        rest = _core.sub(_slice(value, axis, 1, None), _slice(value, axis, 0, -1))
        increments = _core.concatenate([first, rest], axis)
        logp, k = self.logp(x, increments)
        if k == 0 and axis == node.ndim - 1:
            return _sum_last(logp, 1), 1
        return _sum_all(logp), node.ndim


def scan_logp(derivation: Derivation, traced: TracedVariable, value):
    """The sum over steps of each step's log density given the previous values, as a scan over
    the value (the previous values are sequences, so nothing is carried)."""
    record = traced.scan
    step_value = _core.placeholder(f"{derivation.name}:step_value:{next(_ids)}", record.output.dtype,
                                   list(record.output.shape))
    inner = Derivation(derivation.name, dict(record.step_trace.by_id),
                       frozenset(derivation.traced) | derivation.foreign)
    step_logp, _ = inner.logp(record.output, step_value)
    step_logp = _sum_all(_core.cast(step_logp, "float64"))
    step_logp = _substituted(step_logp, inner.valued)
    sequences = list(record.aligned) + _tap_sequences(record, value) + [value]
    placeholders = list(record.slice_nodes) + list(record.tap_nodes) + [step_value]

    def body(slices, carries):
        return [], [_core.substitute([step_logp], list(zip(placeholders, slices)))[0]]

    _, stacked, _ = _core.scan(body, sequences, [], record.steps, False)
    return _sum_all(stacked[0])


def _tap_sequences(record: ScanRecord, value) -> list:
    """For each tap -d of the output, the values it sees at steps 0..T-1: the initial values
    followed by the value itself."""
    slot = record.slot
    if slot is None:
        return []
    initial = slot.initial.node
    window = _core.expand_dims(initial, [0]) if slot.taps == [-1] else \
        _slice(initial, 0, initial.shape[0] - slot.depth, None)
    if window.dtype != value.dtype:
        window = _core.cast(window, value.dtype)
    full = _core.concatenate([window, value], 0)
    steps = record.steps
    return [_slice(full, 0, slot.depth + tap, slot.depth + tap + steps) for tap in slot.taps]


def _substituted(node, pairs):
    return _core.substitute([node], pairs)[0] if pairs else node


# ---------------------------------------------------------------- forward sampling
def draw_graph(output, variables: list, state, outer_pairs=()):
    """`output` with each traced variable replaced by a draw, the state threaded through them in
    creation order: (draw, next state)."""
    pairs = list(outer_pairs)
    for variable in variables:
        if variable.scan is not None:
            value, state = _scan_draw(variable.scan, state, pairs)
        else:
            value, state = variable.distribution.random(state, list(variable.node.shape))
            value, state = _core.substitute([value, state], pairs) if pairs else (value, state)
            if value.dtype != variable.node.dtype:
                value = _core.cast(value, variable.node.dtype)
        pairs.append((variable.node, value))
    return _core.substitute([output], pairs)[0], state


def _scan_draw(record: ScanRecord, state, outer_pairs):
    from hypatia.pytensor import _advance, _initial_window, _window_tap
    from hypatia.tensor import basic

    slot = record.slot
    aligned = _core.substitute(list(record.aligned), outer_pairs) if record.aligned and outer_pairs \
        else list(record.aligned)
    carries = [state]
    if slot is not None:
        window = _initial_window(slot).node
        carries.append(_core.substitute([window], outer_pairs)[0] if outer_pairs else window)

    def body(slices, carry_nodes):
        pairs = list(outer_pairs) + list(zip(record.slice_nodes, slices))
        if slot is not None:
            window = basic.wrap(carry_nodes[1])
            pairs += [(node, _window_tap(window, slot, tap).node)
                      for node, tap in zip(record.tap_nodes, slot.taps)]
        value, next_state = draw_graph(record.output, record.step_trace.variables, carry_nodes[0], pairs)
        new_carries = [next_state]
        if slot is not None:
            new_carries.append(_advance(basic.wrap(carry_nodes[1]), basic.wrap(value), slot).node)
        return new_carries, [value]

    final, stacked, _ = _core.scan(body, aligned, carries, record.steps, False)
    return stacked[0], final[0]


def derive(name: str, dist: Callable, params: list, size, ndim_supp: int, derive_logp: bool = True):
    """Calls `dist` in a trace and derives (value placeholder, logp, event rank, support name or
    '', random-state placeholder, draw, next state)."""
    from hypatia.tensor.variable import as_tensor_variable

    with Trace(name) as trace:
        returned = dist(*params, size)
        output = as_tensor_variable(returned).node
    if not trace.variables:
        raise ValueError(f"CustomDist {name}: the dist function's graph has no random variable "
                         "(build it from pm.<Distribution>.dist(...) variables)")
    derivation = Derivation(name, dict(trace.by_id))
    value = _core.placeholder(f"CustomDist:{name}:value:{next(_ids)}", output.dtype,
                              [int(d) for d in output.shape])
    logp, k = None, ndim_supp
    if derive_logp:
        logp, k = derivation.logp(output, value)
        logp = _core.cast(logp, "float64")
        logp = _substituted(logp, derivation.valued)
        if ndim_supp > k:
            logp, k = _sum_last(logp, ndim_supp - k), ndim_supp
        _check_no_random_left(name, logp, derivation)
    state = _core.placeholder(f"CustomDist:{name}:rng:{next(_ids)}", "int64", [3])
    draw, next_state = draw_graph(output, trace.variables, state)
    return value, logp, k, _support(output, trace), state, draw, next_state


_SUPPORT_NAMES = {"positive reals": "positive", "nonnegative reals": "nonnegative",
                  "reals in [0, 1]": "unit_interval", "nonnegative integers": "nonnegative_integers",
                  "0 or 1": "binary"}


def _support(output, trace: Trace) -> str:
    """The support a free variable is sampled on (its default transform), where the graph's last
    op or its base distribution decides it; '' for all reals (or all integers)."""
    node = output
    while node.op in ("reshape", "expand_dims", "squeeze", "flatten", "transpose"):
        node = node.inputs()[0]
    if node.op == "exp":
        return "positive"
    if node.op == "sigmoid":
        return "unit_interval"
    traced = trace.by_id.get(node.id)
    if traced is not None and traced.scan is None:
        return _SUPPORT_NAMES.get(traced.distribution.support, "")
    return ""


def _check_no_random_left(name: str, logp, derivation: Derivation) -> None:
    """A log density that still reads a traced variable needs a value the graph never returns
    (a parameter drawn inside dist, say): refuse it rather than give a wrong density."""
    traced = {**derivation.traced}
    for variable in derivation.traced.values():
        if variable.scan is not None:
            traced.update(variable.scan.step_trace.by_id)
    left = [traced[n.id] for n in _core.free_inputs([logp]) if n.id in traced]
    if left:
        families = ", ".join(sorted({v.family for v in left}))
        raise Unsupported(f"CustomDist {name}: cannot derive the log density: it depends on random "
                          f"variables ({families}) whose values the returned graph does not give "
                          "(a parameter drawn inside dist has no value)")
