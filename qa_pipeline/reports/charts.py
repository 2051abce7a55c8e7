"""Charts as inline SVG with text kept as text, so Chinese labels render anywhere.

Text stays text (``svg.fonttype: none``): any browser with a CJK font shows the labels.

The charts do not depend on the machine's fonts: the SVG names a font list and the
browser (or Chromium printing a PDF) picks the glyphs, so matplotlib's "Glyph … missing
from font" warnings while it measures the text are silenced (they only say its layout
estimate uses a fallback width), as is its font-lookup log. Labels are data (agent ids,
team names): math text is off, so ``$…$`` in a team name is drawn as written.
"""

from __future__ import annotations

import io
import logging
import re
import warnings
from collections.abc import Sequence
from typing import Any

_FONTS = ["Noto Sans CJK SC", "Noto Sans CJK JP", "DejaVu Sans", "sans-serif"]


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "svg.fonttype": "none",
            "font.family": "sans-serif",
            "font.sans-serif": _FONTS,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "font.size": 9,
            "svg.hashsalt": "qa-pipeline",
            "text.parse_math": False,
        }
    )
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    return plt


def _svg(fig: Any) -> str:
    plt = _plt()
    buf = io.StringIO()
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from")
            warnings.filterwarnings("ignore", message=r"Matplotlib currently does not support")
            fig.savefig(buf, format="svg", bbox_inches="tight")
    finally:
        plt.close(fig)
    text = buf.getvalue()
    text = text[text.index("<svg") :]
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S)
    # responsive: drop fixed size so CSS max-width applies
    return re.sub(r'(<svg[^>]*?) width="[^"]*" height="[^"]*"', r"\1", text, count=1)


def line_chart(
    labels: Sequence[str],
    series: dict[str, Sequence[float]],
    *,
    ylabel: str = "",
    ylim: tuple[float, float] | None = None,
) -> str:
    """A line chart over ``labels`` with one line per series.

    Args:
        labels: The x-axis labels (periods), in order.
        series: Line name → one value per label.
        ylabel: The y-axis label.
        ylim: Fixed y-axis limits; automatic when ``None``.

    Returns:
        SVG text.
    """
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7.5, 2.6))
    x = list(range(len(labels)))
    for name, ys in series.items():
        ax.plot(x, list(ys), marker="o", linewidth=1.6, markersize=3.5, label=name)
    step = max(1, len(labels) // 12)
    ax.set_xticks(x[::step], [labels[i] for i in x[::step]], rotation=0)
    if ylim:
        ax.set_ylim(*ylim)
    ax.set_ylabel(ylabel)
    ax.grid(axis="y", alpha=0.3)
    if len(series) > 1:
        ax.legend(frameon=False, fontsize=8)
    return _svg(fig)


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    xlabel: str = "",
    compare: Sequence[float] | None = None,
    compare_label: str = "",
    value_label: str = "",
) -> str:
    """Horizontal bars of rates, top to bottom, with optional comparison marks.

    Args:
        labels: One label per bar.
        values: Rates 0..1, shown as percentages.
        xlabel: The x-axis label.
        compare: A rate per bar to mark on it (the team's, say); optional.
        compare_label: Legend text of the marks.
        value_label: Legend text of the bars.

    Returns:
        SVG text.
    """
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7.5, 0.35 * len(labels) + 0.8))
    y = list(range(len(labels)))[::-1]
    ax.barh(y, [100 * v for v in values], color="#d9534f", label=value_label or None)
    if compare is not None:
        ax.scatter(
            [100 * v for v in compare],
            y,
            marker="|",
            s=200,
            color="#333",
            label=compare_label or None,
            zorder=3,
        )
        ax.legend(frameon=False, fontsize=8, loc="lower right")
    ax.set_yticks(y, list(labels))
    ax.set_xlim(0, 100)
    ax.set_xlabel(xlabel)
    ax.grid(axis="x", alpha=0.3)
    return _svg(fig)


def heatmap(rows: Sequence[str], cols: Sequence[str], values: Any, *, label: str = "") -> str:
    """A rows × cols heatmap of rates with the percentage in each cell.

    Args:
        rows: Row labels (agents).
        cols: Column labels (items).
        values: A rows × cols array of rates 0..1; NaN cells stay blank.
        label: The colour bar's label.

    Returns:
        SVG text.
    """
    import numpy as np

    plt = _plt()
    data = np.asarray(values, dtype=float)
    fig, ax = plt.subplots(figsize=(1.0 + 0.75 * len(cols), 0.8 + 0.32 * len(rows)))
    im = ax.imshow(np.ma.masked_invalid(data), cmap="Reds", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(cols)), list(cols), rotation=40, ha="right")
    ax.set_yticks(range(len(rows)), list(rows))
    for i in range(data.shape[0]):
        for j in range(data.shape[1]):
            v = data[i, j]
            if v == v:
                ax.text(
                    j,
                    i,
                    f"{100 * v:.0f}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if v > 0.5 else "black",
                )
    fig.colorbar(im, ax=ax, fraction=0.03, pad=0.02, label=label)
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)
    return _svg(fig)
