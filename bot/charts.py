"""PNG charts for messages and the demo: an hour-by-weekday heatmap and a weekly trend.

Figures are built on `matplotlib.figure.Figure` with the Agg canvas, never through pyplot, so no
global figure registry fills up, nothing needs a display, and concurrent jobs cannot share state.
Colours are colour-blind friendly: the cividis colormap, and the Okabe-Ito blue and orange.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

DPI = 100
HEATMAP_INCHES = (10.0, 4.0)  # 1000 x 400 pixels at DPI
TREND_INCHES = (9.0, 4.5)  # 900 x 450 pixels at DPI
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
BAR_COLOUR = "#0072B2"
LINE_COLOUR = "#E69F00"


def _figure(inches: tuple[float, float], margins: dict[str, float]) -> Figure:
    """A figure on its own Agg canvas with fixed margins (fractions of the figure) that fit the labels.

    Fixed, not `layout="constrained"`: the layout engine doubled the time of each chart (0.2 s instead
    of 0.1 s), and a weekly run draws two for each of hundreds of workspaces."""
    figure = Figure(figsize=inches, dpi=DPI)
    figure.subplots_adjust(**margins)
    FigureCanvasAgg(figure)
    return figure


def _save(figure: Figure, path: Path) -> Path:
    """Write `figure` as a PNG at DPI (creating the folder), then release its artists."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        figure.savefig(path, format="png", dpi=DPI)
    finally:
        figure.clear()
    return path


def heatmap_png(matrix: Sequence[Sequence[int]], path: Path, title: str) -> Path:
    """Posts per local weekday (rows Monday..Sunday) and hour (columns 0..23) as a heatmap PNG."""
    values = np.asarray(matrix, dtype="float64")
    if values.shape != (7, 24):
        raise ValueError(f"The heatmap needs 7 rows (Monday..Sunday) of 24 hours, not {values.shape}.")
    figure = _figure(HEATMAP_INCHES, {"left": 0.07, "right": 0.99, "top": 0.9, "bottom": 0.14})
    axes = figure.add_subplot()
    # A top of at least 1 keeps an all-zero week drawable: a zero-width colour range is undefined.
    top = max(1.0, float(np.nanmax(values)))
    image = axes.imshow(values, cmap="cividis", vmin=0.0, vmax=top, aspect="auto", interpolation="nearest")
    axes.set_xticks(range(24), labels=[f"{hour:02d}" for hour in range(24)])
    axes.set_yticks(range(7), labels=WEEKDAYS)
    axes.set_xlabel("Hour of day (local time)")
    axes.set_ylabel("Day of week")
    axes.set_title(title)
    colorbar = figure.colorbar(image, ax=axes, ticks=MaxNLocator(integer=True))
    colorbar.set_label("Posts")
    return _save(figure, path)


def _gapped(values: Sequence[float | None]) -> np.ndarray:
    """Floats with None as NaN, which matplotlib leaves as a gap in a line."""
    return np.array([np.nan if value is None else float(value) for value in values], dtype="float64")


def _top(values: np.ndarray) -> float:
    """An axis top with headroom over the largest finite value (at least 1, so the range is never empty)."""
    finite = values[np.isfinite(values)]
    return max(1.0, float(finite.max()) if finite.size else 0.0) * 1.15


def weekly_trend_png(
    weeks: Sequence[str],
    posts: Sequence[int],
    engagement_per_post: Sequence[float | None],
    path: Path,
    title: str,
) -> Path:
    """Bars of posts per week and, on a second axis, the median engagement per post (None as a gap)."""
    if not len(weeks) == len(posts) == len(engagement_per_post):
        raise ValueError("weeks, posts and engagement_per_post must have the same length.")
    counts, medians = np.asarray(posts, dtype="float64"), _gapped(engagement_per_post)
    x = np.arange(len(weeks))
    figure = _figure(TREND_INCHES, {"left": 0.09, "right": 0.9, "top": 0.91, "bottom": 0.3})
    bars_axes = figure.add_subplot()
    bars_axes.bar(x, counts, color=BAR_COLOUR, label="Posts")
    # Many week labels only fit slanted; anchored at their right end they stay under their bar.
    slant = {"rotation": 45, "ha": "right", "rotation_mode": "anchor"} if len(weeks) > 6 else {}
    bars_axes.set_xticks(x, labels=list(weeks), **slant)
    bars_axes.set_ylim(0.0, _top(counts))
    bars_axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    bars_axes.set_xlabel("Week (local)")
    bars_axes.set_ylabel("Posts per week")
    bars_axes.set_title(title)
    line_axes = bars_axes.twinx()
    # Markers keep a week between two gaps visible: a line needs two neighbours to draw anything.
    line_axes.plot(x, medians, color=LINE_COLOUR, marker="o", linewidth=2, label="Median engagement per post")
    line_axes.set_ylim(0.0, _top(medians))
    line_axes.set_ylabel("Median engagement per post")
    handles = [*bars_axes.get_legend_handles_labels()[0], *line_axes.get_legend_handles_labels()[0]]
    # Below the axes, the legend can never hide a bar or a point.
    figure.legend(handles=handles, loc="lower center", ncols=2, frameon=False)
    return _save(figure, path)
