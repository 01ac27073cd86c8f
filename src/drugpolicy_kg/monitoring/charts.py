"""Pictures of progress (issue #17): a timeline per state and a heatmap per evaluation cycle.

Drawn with matplotlib's object API on the Agg canvas (no pyplot, no display), as
:mod:`drugpolicy_kg.graph.draw` does, so the same input gives the same bytes.

- **timeline**: small multiples, one panel per state; x is the date of each revision, y the
  share of the block's practices adopted or planned (solid) and adopted (dashed), one colour
  per building block.
- **heatmap**: small multiples, one panel per evaluation cycle; rows are states, columns the
  four blocks, the colour the share adopted, each state with its latest plan by that cycle
  (grey: no plan yet).
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any

from ..errors import InputError
from .progress import BLOCKS, BlockProgress, Progress

PICTURES = ("timeline", "heatmap")
IMAGE_FORMATS = ("png", "svg")
#: One colour per block (Okabe-Ito, readable by colour-blind readers).
BLOCK_COLOURS = {"I": "#0072B2", "II": "#E69F00", "III": "#009E73", "IV": "#CC79A7"}


def image_format(path: str) -> str:
    chosen = Path(path).suffix.lstrip(".").lower()
    if chosen not in IMAGE_FORMATS:
        raise InputError(
            f"pictures are PNG or SVG: name the file .png or .svg, not {chosen or 'without suffix'!r}",
            source=path,
        )
    return chosen


def _render(fig: Any, fmt: str) -> bytes:
    import matplotlib

    buf = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "drugpolicy-kg", "svg.fonttype": "path"}):
        metadata: dict[str, Any] = {"Date": None} if fmt == "svg" else {"Software": None}
        fig.savefig(buf, format=fmt, dpi=110, metadata=metadata, bbox_inches="tight")
    return buf.getvalue()


def _grid(n: int, max_cols: int) -> tuple[int, int]:
    cols = max(1, min(max_cols, n))
    return math.ceil(n / cols), cols


def timeline(result: Progress, fmt: str = "png") -> bytes:
    """One panel per state: block shares at each revision."""
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    states = result.states
    if not states:
        raise InputError("no dated plan with a submitting state: nothing to draw")
    rows, cols = _grid(len(states), 5)
    fig = Figure(figsize=(3.2 * cols, 2.4 * rows + 0.9), layout="constrained")
    fig.suptitle(
        "Share of each block's practices adopted or planned (solid) and adopted (dashed), "
        "at each revision",
        fontsize=11,
    )
    by_state: dict[str, dict[str, list[BlockProgress]]] = {}
    for b in result.blocks:
        by_state.setdefault(b.state, {}).setdefault(b.block, []).append(b)
    import datetime as dt

    from matplotlib.dates import DateFormatter

    first = min(b.issued for b in result.blocks) - dt.timedelta(days=45)
    last = max(b.issued for b in result.blocks) + dt.timedelta(days=45)
    for i, state in enumerate(states):
        ax = fig.add_subplot(rows, cols, i + 1)
        ax.set_xlim(first, last)  # type: ignore[arg-type]
        ax.xaxis.set_major_formatter(DateFormatter("%Y-%m"))
        for block in BLOCKS:
            points = by_state[state].get(block, [])
            xs: list[Any] = [p.issued for p in points]
            colour = BLOCK_COLOURS[block]
            ax.plot(xs, [p.share for p in points], "-o", color=colour, markersize=3, linewidth=1.4)
            ax.plot(xs, [p.adopted_share for p in points], "--", color=colour, linewidth=0.9)
        ax.set_title(state, fontsize=9)
        ax.set_ylim(-0.03, 1.03)
        ax.set_yticks([0, 0.5, 1])
        ax.set_yticklabels(["0%", "50%", "100%"], fontsize=7)
        ax.tick_params(axis="x", labelsize=6, rotation=30)
        ax.grid(alpha=0.3)
    handles = [Line2D([], [], color=BLOCK_COLOURS[b], label=f"block {b}") for b in BLOCKS]
    fig.legend(handles=handles, loc="outside lower center", ncol=4, fontsize=8, frameon=False)
    return _render(fig, fmt)


def _latest_by_cycle(result: Progress) -> dict[str, dict[str, dict[str, BlockProgress]]]:
    """cycle -> state -> block -> the state's latest plan row by that cycle."""
    out: dict[str, dict[str, dict[str, BlockProgress]]] = {}
    for cycle in result.cycles:
        per_state: dict[str, dict[str, BlockProgress]] = {}
        for b in result.blocks:
            if b.cycle > cycle:
                continue
            current = per_state.setdefault(b.state, {}).get(b.block)
            if current is None or (b.cycle, b.issued) >= (current.cycle, current.issued):
                per_state[b.state][b.block] = b
        out[cycle] = per_state
    return out


def heatmap(result: Progress, fmt: str = "png") -> bytes:
    """One panel per evaluation cycle: states x blocks, coloured by the share adopted."""
    import numpy as np
    from matplotlib.figure import Figure

    states = result.states
    cycles = result.cycles
    if not states or not cycles:
        raise InputError("no dated plan with a submitting state: nothing to draw")
    latest = _latest_by_cycle(result)
    rows, cols = _grid(len(cycles), 5)
    height = max(2.5, 0.22 * len(states) + 1.2)
    fig = Figure(figsize=(2.3 * cols + 1.2, height * rows + 0.6), layout="constrained")
    fig.suptitle("Share of each block's practices adopted, per evaluation cycle", fontsize=11)
    image = None
    for i, cycle in enumerate(cycles):
        ax = fig.add_subplot(rows, cols, i + 1)
        grid = np.full((len(states), len(BLOCKS)), np.nan)
        for r, state in enumerate(states):
            for c, block in enumerate(BLOCKS):
                row = latest[cycle].get(state, {}).get(block)
                if row is not None:
                    grid[r, c] = row.adopted_share
        masked = np.ma.masked_invalid(grid)
        ax.set_facecolor("#e6e6e6")
        image = ax.imshow(masked, vmin=0, vmax=1, cmap="viridis", aspect="auto")
        if len(states) <= 12:
            for r in range(len(states)):
                for c in range(len(BLOCKS)):
                    if not np.isnan(grid[r, c]):
                        value = grid[r, c]
                        ax.text(
                            c,
                            r,
                            f"{value:.0%}",
                            ha="center",
                            va="center",
                            fontsize=7,
                            color="black" if value > 0.6 else "white",
                        )
        ax.set_title(cycle, fontsize=9)
        ax.set_xticks(range(len(BLOCKS)))
        ax.set_xticklabels(BLOCKS, fontsize=7)
        ax.set_yticks(range(len(states)))
        ax.set_yticklabels(states if i % cols == 0 else [""] * len(states), fontsize=6)
    if image is not None:
        bar = fig.colorbar(image, ax=fig.axes, shrink=0.6)
        bar.set_ticks([0, 0.5, 1])
        bar.set_ticklabels(["0%", "50%", "100%"])
        bar.ax.tick_params(labelsize=7)
    return _render(fig, fmt)


DRAWERS = {"timeline": timeline, "heatmap": heatmap}
