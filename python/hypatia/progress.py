"""One progress bar per chain, as PyMC shows them, fed by the engine's progress callback.

``_core.sample(..., progress_callback=bars)`` calls ``bars(report)`` from the sampler's progress
thread at most ten times a second (and once more when sampling ends) with
``{"label", "seconds", "finished", "chains": [{"done", "total", "tune", "divergences"}, ...]}``.
Where the bars go: an HTML table updated in place in a Jupyter kernel (when IPython is
installed), lines redrawn with ANSI escapes on a terminal, and plain lines (every
``plain_interval`` seconds and at the end) when stderr is a file or a pipe.
"""

from __future__ import annotations

import html
import sys
from typing import Any, Callable, Mapping, Optional, TextIO

Report = Mapping[str, Any]


def _duration(seconds: float) -> str:
    whole = int(round(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


def _fraction(chain: Mapping[str, int]) -> float:
    return chain["done"] / chain["total"] if chain["total"] > 0 else 1.0


def _phase(chain: Mapping[str, int]) -> str:
    if chain["done"] >= chain["total"]:
        return "done"
    return "tuning" if chain["done"] < chain["tune"] else "sampling"


def _speed_and_eta(chain: Mapping[str, int], seconds: float) -> str:
    if seconds <= 0 or chain["done"] == 0:
        return ""
    rate = chain["done"] / seconds
    text = f"{rate:,.0f} it/s"
    if chain["done"] < chain["total"]:
        text += f"  {_duration((chain['total'] - chain['done']) / rate)} left"
    return text


def format_chain(index: int, chain: Mapping[str, int], seconds: float, width: int = 24,
                 label: str = "NUTS") -> str:
    """One chain's line, e.g. "Chain 0  [############------------]  50%  1000/2000  sampling
    3 divergences  1,200 it/s  0:01 left". SMC (label "SMC") counts beta in thousandths: its line
    shows beta and the elapsed time (beta does not grow at a steady pace, so no time left)."""
    fraction = _fraction(chain)
    filled = int(fraction * width)
    head = [f"Chain {index}", f"[{'#' * filled}{'-' * (width - filled)}]",
            f"{int(fraction * 100):3d}%"]
    if label == "SMC":
        phase = "done" if chain["done"] >= chain["total"] else "tempering"
        return "  ".join(head + [f"beta {fraction:.3f}", phase, _duration(seconds)])
    noun = "divergence" if chain["divergences"] == 1 else "divergences"
    tail = [f"{chain['done']}/{chain['total']}", _phase(chain), f"{chain['divergences']} {noun}",
            _speed_and_eta(chain, seconds) if chain["done"] < chain["total"]
            else _duration(seconds)]
    return "  ".join(p for p in head + tail if p)


def _html_cells(chain: Mapping[str, int], seconds: float, label: str) -> list[str]:
    """The text cells after a chain's bar: the same facts as its terminal line."""
    if label == "SMC":
        done = chain["done"] >= chain["total"]
        return [f"beta {_fraction(chain):.3f}", "done" if done else "tempering"]
    return [f"{chain['done']}/{chain['total']}", _phase(chain),
            f"{chain['divergences']} divergent", _speed_and_eta(chain, seconds)]


def format_html(report: Report) -> str:
    """The notebook view: a table with an HTML <progress> per chain."""
    label = report.get("label", "NUTS")
    rows = []
    for index, chain in enumerate(report["chains"]):
        cells = [f"{int(_fraction(chain) * 100)}%",
                 *_html_cells(chain, report["seconds"], label)]
        rows.append(
            f"<tr><td>Chain {index}</td>"
            f"<td><progress value='{chain['done']}' max='{max(chain['total'], 1)}' "
            f"style='width:16em'></progress></td>"
            + "".join(f"<td>{html.escape(cell)}</td>" for cell in cells) + "</tr>")
    title = html.escape(f"{label}  {_duration(report['seconds'])}")
    return f"<div><b>{title}</b><table>{''.join(rows)}</table></div>"


def in_notebook() -> bool:
    """True inside a Jupyter kernel (IPython may not be installed at all)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


class ProgressBars:
    """The progress callback: draws a bar per chain where the user is looking.

    mode: "auto" (notebook, else terminal when the stream is a tty, else plain), "notebook",
    "terminal" or "plain".
    """

    def __init__(self, stream: Optional[TextIO] = None, mode: str = "auto",
                 plain_interval: float = 10.0) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.mode = self._choose(mode)
        self.plain_interval = plain_interval
        self.reports = 0  # how many reports arrived (tests and debugging)
        self._lines_drawn = 0
        self._last_plain: Optional[float] = None
        self._handle: Any = None

    def _choose(self, mode: str) -> str:
        if mode not in ("auto", "notebook", "terminal", "plain"):
            raise ValueError(f"ProgressBars(mode={mode!r}): expected auto, notebook, terminal or "
                             "plain")
        if mode != "auto":
            return mode
        if in_notebook():
            return "notebook"
        isatty = getattr(self.stream, "isatty", None)
        return "terminal" if isatty is not None and isatty() else "plain"

    def __call__(self, report: Report) -> None:
        self.reports += 1
        if self.mode == "notebook":
            self._notebook(report)
        elif self.mode == "terminal":
            self._terminal(report)
        else:
            self._plain(report)

    def lines(self, report: Report) -> list[str]:
        label = report.get("label", "NUTS")
        return [format_chain(i, chain, report["seconds"], label=label) for i, chain in
                enumerate(report["chains"])]

    def _terminal(self, report: Report) -> None:
        lines = self.lines(report)
        # Cursor up over the previous bars ("\x1b[nF"), then rewrite each line ("\x1b[2K" clears).
        text = f"\x1b[{self._lines_drawn}F" if self._lines_drawn else ""
        text += "".join(f"\x1b[2K{line}\n" for line in lines)
        self.stream.write(text)
        self.stream.flush()
        self._lines_drawn = len(lines)

    def _plain(self, report: Report) -> None:
        # A log file wants a few complete snapshots, not ten lines a second.
        now = report["seconds"]
        due = self._last_plain is None or now - self._last_plain >= self.plain_interval
        if not (report["finished"] or due):
            return
        if self._last_plain is None and not report["finished"]:
            self._last_plain = now  # the first snapshot (all zeros) says nothing; wait for one
            return
        self._last_plain = now
        self.stream.write("".join(line + "\n" for line in self.lines(report)))
        self.stream.flush()

    def _notebook(self, report: Report) -> None:
        from IPython.display import HTML, display

        view = HTML(format_html(report))
        if self._handle is None:
            self._handle = display(view, display_id=True)
        else:
            self._handle.update(view)


def progress_callback(progressbar: bool = True,
                      **options: Any) -> Optional[Callable[[Report], None]]:
    """What pm.sample(progressbar=...) hands to ``_core.sample``: bars, or None for none."""
    return ProgressBars(**options) if progressbar else None
