"""Charts of the risk area, drawn by the server as SVG with matplotlib (Agg): nothing loaded at run time.

Pages and the PDF embed them as ``data:`` images (the content security policy allows ``img-src data:``), so
matplotlib's inline styles stay inside the image. Each page also shows the figures in a table.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

BLUE, ORANGE, GREY, GREEN = "#0b4f6c", "#b86e00", "#7b8794", "#2f7d32"
plt.rcParams.update({"svg.fonttype": "none", "font.size": 9, "svg.hashsalt": "cyber360"})


def _euros(value: float, _: object = None) -> str:
    if abs(value) >= 1e6:
        return f"{value / 1e6:.1f} M€".replace(".", ",")
    if abs(value) >= 1e3:
        return f"{value / 1e3:.0f} k€"
    return f"{value:.0f} €"


def _svg(figure: Figure) -> str:
    buffer = io.StringIO()
    figure.tight_layout()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    plt.close(figure)
    return buffer.getvalue()


def data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def exceedance(summary: dict[str, Any], labels: dict[str, str]) -> str:
    """Aggregate (AEP) and occurrence (OEP) exceedance: loss against return period, log scale."""
    figure, axis = plt.subplots(figsize=(6.4, 3.4))
    for key, colour in (("aep", BLUE), ("oep", ORANGE)):
        points = [(p["return_period"], p["loss"]) for p in summary.get(key, []) if p["loss"] is not None]
        if points:
            axis.plot(*zip(*points, strict=True), marker="o", color=colour, label=labels[key])
    axis.set_xscale("log")
    axis.set_xlabel(labels["x"])
    axis.yaxis.set_major_formatter(FuncFormatter(_euros))
    axis.grid(True, which="both", color="#e4e7eb")
    axis.legend()
    return _svg(figure)


def trajectory(
    dates: Sequence[datetime], aal: Sequence[float], maturity: Sequence[float], labels: dict[str, str]
) -> str:
    """Risk (AAL) and mean control maturity over time, one axis each."""
    figure, axis = plt.subplots(figsize=(6.4, 3.2))
    axis.plot(list(dates), list(aal), marker="o", color=BLUE, label=labels["aal"])
    axis.set_ylabel(labels["aal"])
    axis.yaxis.set_major_formatter(FuncFormatter(_euros))
    axis.set_ylim(bottom=0)
    other = axis.twinx()
    other.plot(list(dates), list(maturity), marker="s", linestyle="--", color=GREEN, label=labels["maturity"])
    other.set_ylim(0, 5)
    other.set_ylabel(labels["maturity"])
    figure.autofmt_xdate()
    axis.grid(True, color="#e4e7eb")
    return _svg(figure)


def cumulative(points: Sequence[tuple[float, float]], budget: float | None, labels: dict[str, str]) -> str:
    """Cumulative loss avoided (y) against cumulative annualised cost (x), actions in ranked order."""
    figure, axis = plt.subplots(figsize=(6.4, 3.2))
    xs = [0.0, *(x for x, _ in points)]
    ys = [0.0, *(y for _, y in points)]
    axis.step(xs, ys, where="post", color=BLUE, label=labels["curve"])
    axis.plot(xs, ys, "o", color=BLUE, markersize=3)
    if budget:
        axis.axvline(budget, color=ORANGE, linestyle="--", label=labels["budget"])
    axis.set_xlabel(labels["x"])
    axis.set_ylabel(labels["y"])
    axis.xaxis.set_major_formatter(FuncFormatter(_euros))
    axis.yaxis.set_major_formatter(FuncFormatter(_euros))
    axis.grid(True, color="#e4e7eb")
    axis.legend()
    return _svg(figure)


def tornado(bars: Sequence[tuple[str, float, float]], base: float, labels: dict[str, str]) -> str:
    """Each driver's AAL at its low and high value, around the base AAL, widest bar on top."""
    ordered = sorted(bars, key=lambda item: abs(item[2] - item[1]))
    figure, axis = plt.subplots(figsize=(6.4, 0.45 * max(len(ordered), 3) + 1.0))
    for index, (_, low, high) in enumerate(ordered):
        axis.barh(index, low - base, left=base, color=GREEN)
        axis.barh(index, high - base, left=base, color=ORANGE)
    axis.set_yticks(range(len(ordered)), [name for name, _, _ in ordered])
    axis.axvline(base, color=GREY)
    axis.set_xlabel(labels["x"])
    axis.xaxis.set_major_formatter(FuncFormatter(_euros))
    return _svg(figure)


def scenario_bars(values: dict[str, float], labels: dict[str, str]) -> str:
    """AAL per scenario, largest first."""
    items = sorted(values.items(), key=lambda item: item[1])
    figure, axis = plt.subplots(figsize=(6.4, 0.4 * max(len(items), 3) + 0.8))
    axis.barh([name for name, _ in items], [value for _, value in items], color=BLUE)
    axis.xaxis.set_major_formatter(FuncFormatter(_euros))
    axis.set_xlabel(labels["x"])
    return _svg(figure)
