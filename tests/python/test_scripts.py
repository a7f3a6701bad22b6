"""The PyMC-compatibility promise, end to end: each script under scripts/ is a PyMC 5 program with
only its imports changed by the mechanical rule (pymc -> hypatia, pytensor.tensor -> hypatia.tensor,
other pytensor -> hypatia.pytensor). Each runs in its own interpreter and must exit 0; the scripts
assert their own results (posterior means against closed forms or least-squares / maximum
likelihood fits, log densities against scipy, shapes and labels of predictions).

Scripts under scripts/unsupported/ use PyMC features Hypatia lacks; they are not run here."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parent / "scripts"
PYTHON = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable
TIMEOUT = 240  # seconds per script; most take 5-15 s, the first native compilations the longest


ARVIZ_FALLBACK = Path(__file__).resolve().parent / "arviz_fallback"


def _arviz_installed() -> bool:
    try:
        import arviz  # noqa: F401
    except ImportError:  # also when HYPATIA_TEST_WITHOUT_ARVIZ=1 hides it
        return False
    return True


def _pythonpath() -> str:
    """PYTHONPATH for the child: the directory this process imports hypatia from, then the
    environment's entries made absolute (the scripts run from their own directory). Without
    ArviZ, the scripts' `import arviz` gets the fallback module (Hypatia's own summary, loo,
    compare and extract)."""
    entries = [] if _arviz_installed() else [str(ARVIZ_FALLBACK)]
    spec = importlib.util.find_spec("hypatia")
    if spec is not None and spec.origin:
        entries.append(str(Path(spec.origin).absolute().parents[1]))
    for entry in os.environ.get("PYTHONPATH", "").split(os.pathsep):
        if entry and str(Path(entry).absolute()) not in entries:
            entries.append(str(Path(entry).absolute()))
    return os.pathsep.join(entries)


def _scripts() -> list[Path]:
    return sorted(SCRIPTS.glob("*.py"))


def test_corpus_is_present():
    assert len(_scripts()) >= 12, [p.name for p in _scripts()]


@pytest.mark.parametrize("script", _scripts(), ids=lambda p: p.stem)
def test_script_runs(script: Path):
    env = dict(os.environ)
    env["PYTHONPATH"] = _pythonpath()
    env["MPLBACKEND"] = "Agg"
    try:
        result = subprocess.run([PYTHON, str(script)], cwd=script.parent, env=env,
                                capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired as error:
        pytest.fail(f"{script.name} did not finish in {TIMEOUT} s\n{error.stderr or ''}")
    if result.returncode != 0:
        pytest.fail(f"{script.name} exited with {result.returncode}\n--- stdout ---\n"
                    f"{result.stdout[-4000:]}\n--- stderr ---\n{result.stderr[-6000:]}")


def test_unsupported_scripts_say_what_is_missing():
    for script in sorted((SCRIPTS / "unsupported").glob("*.py")):
        head = script.read_text().split('"""')[1] if '"""' in script.read_text() else ""
        assert "Missing in Hypatia" in head, f"{script.name}: the docstring must say what is missing"
