"""Per-chain progress: the engine's callback during NUTS, and the bars drawn from its reports."""

from __future__ import annotations

import io
import sys
import threading

import numpy as np
import pytest

from hypatia import _core
from hypatia.progress import ProgressBars, format_chain, format_html, progress_callback


def normal_model():
    model = _core.Model()
    mu = model.rv("mu", _core.Normal(_core.float_scalar(0), _core.float_scalar(1)), None, [],
                  None, False)
    model.observe("y", _core.Normal(mu, _core.float_scalar(1)), np.array([0.3, -0.1, 0.8]), [])
    return model


def sample(callback, chains=3, draws=300, tune=200):
    return _core.sample(normal_model(), "nuts", draws, tune, chains, 2, 5, 0.8, 10, "diagonal", 0,
                        True, False, [], 2.0, "native", False, callback)


def report(done, total=200, tune=100, divergences=0, seconds=1.0, finished=False, chains=2):
    return {"label": "NUTS", "seconds": seconds, "finished": finished,
            "chains": [{"done": done, "total": total, "tune": tune, "divergences": divergences}
                       for _ in range(chains)]}


def test_callback_reports_every_chain_to_its_last_iteration():
    reports, threads = [], set()

    def record(r):
        reports.append(r)
        threads.add(threading.get_ident())

    raw = sample(record)
    assert raw["groups"]["posterior"]["variables"][0]["values"].shape == (3, 300)
    assert reports and reports[-1]["finished"]
    assert not any(r["finished"] for r in reports[:-1])
    previous = [0, 0, 0]
    for r in reports:
        assert [c["total"] for c in r["chains"]] == [500] * 3
        assert [c["tune"] for c in r["chains"]] == [200] * 3
        done = [c["done"] for c in r["chains"]]
        assert all(0 <= d <= 500 for d in done)
        assert all(d >= p for d, p in zip(done, previous))  # counts never go back
        previous = done
    assert [c["done"] for c in reports[-1]["chains"]] == [500] * 3
    stats = {v["name"]: v["values"] for v in raw["groups"]["sample_stats"]["variables"]}
    assert [c["divergences"] for c in reports[-1]["chains"]] == list(
        stats["diverging"].sum(axis=1))
    assert reports[0]["seconds"] <= reports[-1]["seconds"]


def test_a_failing_callback_does_not_stop_sampling(monkeypatch):
    seen = []
    monkeypatch.setattr(sys, "unraisablehook", lambda info: seen.append(info.exc_value))
    calls = []

    def broken(r):
        calls.append(r)
        raise RuntimeError("display broke")

    raw = sample(broken)
    assert raw["groups"]["posterior"]["variables"][0]["values"].shape == (3, 300)
    assert len(calls) == 1  # not called again after it failed
    assert any(isinstance(e, RuntimeError) for e in seen)


def test_no_callback_is_the_old_call():
    raw = _core.sample(normal_model(), "nuts", 50, 50, 1, 1, 5, 0.8, 10, "diagonal", 0, False,
                       False, [], 2.0, "native", False)
    assert raw["draws"] == 50


def test_chain_line_shows_phase_counts_divergences_and_time_left():
    line = format_chain(1, {"done": 50, "total": 200, "tune": 100, "divergences": 0}, 2.0,
                        width=10)
    assert line.startswith("Chain 1  [##--------]   25%  50/200  tuning  0 divergences")
    assert "25 it/s" in line and "0:06 left" in line
    done = format_chain(0, {"done": 200, "total": 200, "tune": 100, "divergences": 1}, 75.0)
    assert "100%" in done and "done" in done and "  1 divergence  " in done and "1:15" in done


def test_smc_lines_show_beta():
    line = format_chain(2, {"done": 412, "total": 1000, "tune": 0, "divergences": 0}, 3.0,
                        label="SMC")
    assert "beta 0.412" in line and "tempering" in line and "divergence" not in line


def test_smc_callback_reports_beta_reaching_one():
    reports = []
    _core.sample(normal_model(), "smc", 200, 0, 2, 2, 5, 0.8, 10, "diagonal", 200, True, False,
                 [], 2.0, "native", False, reports.append)
    assert reports[-1]["finished"] and reports[-1]["label"] == "SMC"
    assert [c["done"] for c in reports[-1]["chains"]] == [1000, 1000]  # beta = 1


def test_terminal_bars_redraw_in_place():
    stream = io.StringIO()
    bars = ProgressBars(stream=stream, mode="terminal")
    bars(report(10))
    first = stream.getvalue()
    assert first.count("\n") == 2 and "\x1b[" in first and "Chain 0" in first
    bars(report(150, finished=True))
    second = stream.getvalue()[len(first):]
    assert second.startswith("\x1b[2F")  # back up over the two bars drawn before
    assert "sampling" in second and "Chain 1" in second


def test_plain_output_prints_snapshots_not_every_report():
    stream = io.StringIO()
    bars = ProgressBars(stream=stream, mode="plain", plain_interval=10.0)
    for seconds in (0.1, 0.2, 5.0):
        bars(report(20, seconds=seconds))
    assert stream.getvalue() == ""
    bars(report(100, seconds=12.0))
    assert stream.getvalue().count("\n") == 2
    bars(report(200, seconds=12.5, finished=True))
    assert stream.getvalue().count("\n") == 4 and "\x1b" not in stream.getvalue()


def test_auto_mode_without_a_terminal_is_plain():
    assert ProgressBars(stream=io.StringIO()).mode == "plain"
    assert progress_callback(False) is None
    assert isinstance(progress_callback(True, stream=io.StringIO()), ProgressBars)


def test_html_has_a_progress_element_per_chain():
    view = format_html(report(50, chains=4))
    assert view.count("<progress value='50' max='200'") == 4


def test_notebook_bars_update_one_display(monkeypatch):
    display = pytest.importorskip("IPython.display")
    shown, updates = [], []

    class Handle:
        def update(self, obj):
            updates.append(obj)

    def fake_display(obj, display_id=False):
        shown.append(obj)
        return Handle()

    monkeypatch.setattr(display, "display", fake_display)
    bars = ProgressBars(mode="notebook")
    bars(report(10))
    bars(report(20, finished=True))
    assert len(shown) == 1 and len(updates) == 1


def test_a_failed_run_still_sends_its_final_report():
    reports = []
    with pytest.raises(_core.HypatiaError, match="initial point"):
        _core.sample(normal_model(), "nuts", 100, 100, 2, 2, 5, 0.8, 10, "diagonal", 0, True,
                     False, [[float("nan")]], 2.0, "native", False, reports.append)
    assert reports and reports[-1]["finished"]  # the bars can close
