"""Shared helpers for the Python package's tests: reference posteriors and z-scores."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

# HYPATIA_TEST_WITHOUT_ARVIZ=1 runs the suite as on a machine without ArviZ (Debian packages none),
# where results are Hypatia's own InferenceData.
if os.environ.get("HYPATIA_TEST_WITHOUT_ARVIZ") == "1":
    import sys

    sys.modules["arviz"] = None  # `import arviz` now raises ImportError

SHARED = Path(os.environ.get("HYPATIA_SHARED_DIR", Path(__file__).resolve().parents[3] / "shared"))


def posteriordb(name: str) -> tuple[dict, dict]:
    """(data, reference) of a bundled posteriordb posterior."""
    folder = SHARED / "posteriordb" / name
    return (json.loads((folder / "data.json").read_text()),
            json.loads((folder / "reference.json").read_text()))


def bench_data(name: str) -> dict:
    return json.loads((SHARED / "bench-data" / f"{name}.json").read_text())


def assert_matches_reference(idata, reference: dict, names: dict, max_z: float = 4.5) -> None:
    """Posterior means and sds against the reference's, in units of their Monte Carlo errors.

    `names` maps reference parameter names ("theta[1]") to (variable, index) in the posterior.
    """
    import hypatia

    table = hypatia.summary(idata, kind="all", round_to="none")
    for ref_name, (variable, index) in names.items():
        ref = reference["parameters"][ref_name]
        draws = idata.posterior[variable].values
        draws = draws[(slice(None), slice(None), *index)] if index else draws
        row = table.loc[_label(variable, index, idata)]
        ours_mean, ours_sd = float(draws.mean()), float(draws.std(ddof=1))
        mcse = float(row["mcse_mean"])
        z_mean = (ours_mean - ref["mean"]) / np.hypot(mcse, ref["mcse_mean"])
        # Our sd's Monte Carlo error from the draws (it grows with the tails' weight, as
        # `hypatia validate` computes it); the reference's, which only summary statistics give,
        # as sd / sqrt(2 ess).
        mcse_sd = float(row["mcse_sd"])
        # Some references give their ESS only under posteriordb's own name.
        ref_ess = ref["ess_bulk"] if ref.get("ess_bulk") is not None else ref["pdb_ess_bulk"]
        z_sd = (ours_sd - ref["sd"]) / np.hypot(mcse_sd, ref["sd"] / np.sqrt(2 * ref_ess))
        assert abs(z_mean) < max_z, f"{ref_name}: mean {ours_mean:.4g} vs reference {ref['mean']:.4g} (z {z_mean:.2f})"
        assert abs(z_sd) < max_z, f"{ref_name}: sd {ours_sd:.4g} vs reference {ref['sd']:.4g} (z {z_sd:.2f})"


def _label(variable: str, index: tuple, idata) -> str:
    if not index:
        return variable
    dims = idata.posterior[variable].dims[2:]
    labels = [str(idata.posterior[d].values[i]) for d, i in zip(dims, index)]
    return f"{variable}[{', '.join(labels)}]"


@pytest.fixture
def rng():
    return np.random.default_rng(20261205)
