"""pm.model_to_graphviz: the edges and plates of models whose structure is known by construction."""

import re

import numpy as np
import pytest

import hypatia as pm


def _hierarchical():
    coords = {"school": [f"s{i}" for i in range(8)]}
    y = np.array([28.0, 8, -3, 7, -1, 1, 18, 12])
    with pm.Model(coords=coords) as model:
        sigma = pm.Data("sigma", np.array([15.0, 10, 16, 11, 9, 11, 10, 18]), dims="school")
        mu = pm.Normal("mu", 0, 5)
        tau = pm.HalfCauchy("tau", 5)
        z = pm.Normal("z", 0, 1, dims="school")
        theta = pm.Deterministic("theta", mu + tau * z, dims="school")
        pm.Normal("obs", theta, sigma, observed=y, dims="school")
        pm.Potential("tau_penalty", -tau)
    return model


def test_edges_follow_the_graphs_through_unnamed_nodes():
    edges = pm.model_graph.model_edges(_hierarchical())
    assert edges == {
        "sigma": set(), "mu": set(), "tau": set(), "z": set(),
        "theta": {"mu", "tau", "z"},
        "obs": {"theta", "sigma"},
        "tau_penalty": {"tau"},
    }


def test_var_names_keeps_the_ancestors_only():
    edges = pm.model_graph.model_edges(_hierarchical(), var_names=["theta"])
    assert edges == {"theta": {"mu", "tau", "z"}, "mu": set(), "tau": set(), "z": set()}
    with pytest.raises(KeyError, match="nope"):
        pm.model_graph.model_edges(_hierarchical(), var_names=["nope"])


def test_graphviz_nodes_plates_and_styles():
    pytest.importorskip("graphviz")
    graph = pm.model_to_graphviz(_hierarchical())
    source = graph.source
    assert "clusterschool (8)" in source
    assert 'label="school (8)"' in source
    assert "mu -> theta" in source and "sigma -> obs" in source and "tau -> tau_penalty" in source
    assert "theta -> mu" not in source
    # Observed variables are filled, potentials octagons, deterministics boxes.
    assert "style=filled" in _attributes(source, "obs")
    assert "shape=octagon" in _attributes(source, "tau_penalty")
    assert "shape=box" in _attributes(source, "theta")
    assert "Deterministic" in _attributes(source, "theta")
    # The same graph from the model's method, with a PyMC-named node formatter.
    styled = _hierarchical().to_graphviz(
        node_formatters={"Deterministic": lambda var: {"shape": "diamond"}})
    assert "shape=diamond" in _attributes(styled.source, "theta")


def _attributes(source: str, node: str) -> str:
    """The bracketed attribute list of `node` in DOT source (labels span lines)."""
    match = re.search(rf"^\s*{node} \[(.*?)\]$", source, re.MULTILINE | re.DOTALL)
    assert match, f"no node {node} in {source}"
    return match.group(1)


def test_plain_shapes_without_dims_become_plates():
    pytest.importorskip("graphviz")
    with pm.Model() as model:
        beta = pm.Normal("beta", 0, 1, shape=3)
        pm.Normal("y", beta.sum(), 1, observed=np.zeros(5))
    source = pm.model_to_graphviz(model).source
    assert 'label=3' in source or 'label="3"' in source
    assert 'label=5' in source or 'label="5"' in source
    assert "beta -> y" in source


def test_unknown_formatting_is_an_error():
    pytest.importorskip("graphviz")
    with pytest.raises(ValueError, match="formatting"):
        pm.model_to_graphviz(_hierarchical(), formatting="latex")
