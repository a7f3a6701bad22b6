"""``pm.model_to_graphviz``: the model's named variables as a graph of which depends on which.

Edges come from the graphs themselves: a variable's parents are the named variables its
distribution parameters (or its expression, for deterministics and potentials) reach without
passing through another named variable. Variables sharing dims are drawn in one plate.
"""

from __future__ import annotations

from typing import Iterable, Optional

from hypatia import _core
from hypatia.model import Model, modelcontext


def _named_nodes(model: Model) -> dict:
    """Node id -> variable name for every named variable."""
    return {variable.node.id: name for name, variable in model.named_vars.items()
            if isinstance(getattr(variable, "node", None), _core.Node)}


def _roots_of(model: Model, name: str) -> list:
    """The graphs a variable is computed from: parameters for random variables, the expression
    itself for deterministics and potentials, nothing for data."""
    distribution = model._distributions.get(name)
    if distribution is not None:
        return [p for p in distribution.params if isinstance(p, _core.Node)]
    variable = model.named_vars[name]
    if variable in model.deterministics or variable in model.potentials:
        return list(variable.node.inputs())
    return []


def _parents(roots: Iterable, named: dict) -> set:
    parents, seen, stack = set(), set(), list(roots)
    while stack:
        node = stack.pop()
        if node.id in seen:
            continue
        seen.add(node.id)
        if node.id in named:
            parents.add(named[node.id])
        else:
            stack.extend(node.inputs())
    return parents


def model_edges(model: Optional[Model] = None, var_names: Optional[Iterable[str]] = None) -> dict:
    """Each variable's parents (named variables it depends on directly), by name. With
    `var_names`, only those variables and their ancestors."""
    model = modelcontext(model)
    model.sync_data()
    named = _named_nodes(model)
    edges = {name: _parents(_roots_of(model, name), named) for name in model.named_vars}
    if var_names is None:
        return edges
    unknown = [n for n in var_names if n not in edges]
    if unknown:
        raise KeyError(f"model_to_graphviz: the model has no variable(s) {unknown} "
                       f"(variables: {', '.join(edges)})")
    keep, stack = set(), list(var_names)
    while stack:
        name = stack.pop()
        if name not in keep:
            keep.add(name)
            stack.extend(edges[name])
    return {name: parents & keep for name, parents in edges.items() if name in keep}


def _kind(model: Model, name: str) -> str:
    variable = model.named_vars[name]
    for kind, members in (("free", model.free_RVs), ("observed", model.observed_RVs),
                          ("deterministic", model.deterministics),
                          ("potential", model.potentials), ("data", model.data_vars)):
        if any(variable is m for m in members):
            return kind
    return "deterministic"


# PyMC's node-type names, as `node_formatters` keys them.
_PYMC_KIND_NAMES = {
    "Free Random Variable": "free",
    "Observed Random Variable": "observed",
    "Deterministic": "deterministic",
    "Potential": "potential",
    "Data": "data",
}

_NODE_STYLE = {
    "free": {"shape": "ellipse"},
    "observed": {"shape": "ellipse", "style": "filled", "fillcolor": "lightgrey"},
    "deterministic": {"shape": "box"},
    "potential": {"shape": "octagon"},
    "data": {"shape": "box", "style": "rounded, filled", "fillcolor": "lightgrey"},
}


def _label(model: Model, name: str, kind: str, formatting: str) -> str:
    if kind in ("free", "observed"):
        family = model._distributions[name].family if name in model._distributions else "?"
    else:
        family = {"deterministic": "Deterministic", "potential": "Potential", "data": "Data"}[kind]
    return f"{name}\n~\n{family}" if formatting == "plain" else f"{name} ~ {family}"


def _plate_label(model: Model, name: str, include_dim_lengths: bool) -> str:
    """The plate a variable is drawn in: its dims (with lengths), else its shape; "" for scalars."""
    dims = model.named_vars_to_dims.get(name, ())
    shape = tuple(model.named_vars[name].node.shape)
    if dims and len(dims) == len(shape):
        parts = [f"{d} ({n})" if include_dim_lengths and d else (d or str(n))
                 for d, n in zip(dims, shape)]
        return " x ".join(parts)
    return " x ".join(str(n) for n in shape)


def model_to_graphviz(model: Optional[Model] = None, *, var_names: Optional[Iterable[str]] = None,
                      formatting: str = "plain", save: Optional[str] = None, figsize=None,
                      dpi: int = 300, node_formatters: Optional[dict] = None,
                      include_dim_lengths: bool = True):
    """The model as a ``graphviz.Digraph`` (PyMC's ``pm.model_to_graphviz``): one node per named
    variable, an edge from each parent, plates for shared dims. ``save`` renders to that file
    (the format from its extension)."""
    if formatting not in ("plain", "plain_with_params"):
        raise ValueError(f"model_to_graphviz: formatting must be 'plain', got {formatting!r}")
    try:
        import graphviz
    except ImportError:
        raise ImportError("model_to_graphviz needs the Python package graphviz "
                          "(Debian: apt-get install python3-graphviz)") from None
    model = modelcontext(model)
    edges = model_edges(model, var_names)
    formatters = {_PYMC_KIND_NAMES.get(kind, kind): f for kind, f in (node_formatters or {}).items()}
    graph = graphviz.Digraph(getattr(model, "name", "") or "")
    if figsize is not None:
        graph.attr(size=f"{figsize[0]},{figsize[1]}!")
    graph.attr(dpi=str(dpi))
    plates: dict = {}
    for name in edges:
        plates.setdefault(_plate_label(model, name, include_dim_lengths), []).append(name)
    for plate, names in plates.items():
        target = graph.subgraph(name=f"cluster{plate}") if plate else _NoPlate(graph)
        with target as subgraph:
            if plate:
                subgraph.attr(label=plate, labeljust="r", labelloc="b", style="rounded")
            for name in names:
                kind = _kind(model, name)
                style = dict(_NODE_STYLE[kind])
                formatter = formatters.get(kind)
                if formatter is not None:
                    style.update(formatter(model.named_vars[name]))
                subgraph.node(name.replace(":", "&"), _label(model, name, kind, formatting), **style)
    for child, parents in edges.items():
        for parent in sorted(parents):
            graph.edge(parent.replace(":", "&"), child.replace(":", "&"))
    if save is not None:
        stem, _, extension = save.rpartition(".")
        graph.render(filename=stem or save, format=extension or "png", cleanup=True)
    return graph


class _NoPlate:
    """A context manager giving the top-level graph, so scalars and plates share one code path."""

    def __init__(self, graph):
        self.graph = graph

    def __enter__(self):
        return self.graph

    def __exit__(self, *exc):
        return False
