"""Static pictures: the practice–tool–legal network and the adoption heatmap (PNG or SVG).

Drawn with matplotlib's object API on the Agg canvas (no pyplot, no display, no global
state), so pictures can be made on a server or in tests. Output is reproducible: layouts are
computed, not random; SVG ids use a fixed hash salt and carry no date.

The network uses a layered layout (practices | tools | legal instruments) rather than a
force layout: with some ninety labelled nodes a force layout piles labels on top of each
other, while columns keep every label readable. Tools and acts are ordered by the mean
position of what links to them (the barycentre heuristic), which removes most crossings.
"""

from __future__ import annotations

import io
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..atomic import write_bytes
from ..errors import InputError
from .export import KIND_COLOURS
from .projection import KIND_NAMES, STATUS_NAMES, Projection, status_matrix

if TYPE_CHECKING:
    from matplotlib.figure import Figure

IMAGE_FORMATS = ("png", "svg")
NETWORK_RELATIONS = ("uses_tool", "legal_basis", "based_on")
STATUS_COLOURS: dict[str, str] = {
    "Adopted": "#0072B2",
    "Planned": "#56B4E9",
    "UnderAssessment": "#F0E442",
    "NotPlanned": "#D55E00",
    "missing": "#F2F2F2",
}
STATUS_LABELS: dict[str, str] = {
    "Adopted": "adopted",
    "Planned": "planned",
    "UnderAssessment": "under assessment",
    "NotPlanned": "not planned",
    "missing": "not in the plan",
}


def image_format(path: str | Path, fmt: str | None = None) -> str:
    """``png`` or ``svg``, from ``fmt`` or else the file's suffix."""
    chosen = (fmt or Path(path).suffix.lstrip(".")).lower()
    if chosen not in IMAGE_FORMATS:
        raise InputError(
            f"pictures are PNG or SVG, not {chosen or 'a file without suffix'!r}", source=str(path)
        )
    return chosen


def _render(fig: Figure, fmt: str) -> bytes:
    import matplotlib

    buf = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "drugpolicy-kg", "svg.fonttype": "path"}):
        metadata: dict[str, Any] = {"Date": None} if fmt == "svg" else {"Software": None}
        fig.savefig(buf, format=fmt, dpi=150, metadata=metadata, bbox_inches="tight")
    return buf.getvalue()


def _barycentre(items: list[str], links: dict[str, list[str]], pos: dict[str, float]) -> list[str]:
    def key(n: str) -> tuple[float, int]:
        ys = [pos[m] for m in links.get(n, []) if m in pos]
        return (sum(ys) / len(ys) if ys else float("inf"), items.index(n))

    return sorted(items, key=key)


def network_layout(
    proj: Projection,
) -> tuple[dict[str, tuple[float, float]], list[tuple[str, str]]]:
    """Positions (column, row) of the practice–tool–legal network and its edges."""
    g = proj.graph
    direct = [
        (u, v)
        for u, v, rel in g.edges(data="relation")
        if rel in ("uses_tool", "legal_basis") and g.nodes[u]["kind"] in ("practice", "tool")
    ]
    touched = {n for e in direct for n in e}
    # Acts the drawn acts are based on (TFEU under a Recommendation), not unrelated acts.
    edges = direct + [
        (u, v) for u, v, rel in g.edges(data="relation") if rel == "based_on" and u in touched
    ]
    touched |= {v for _, v in edges}
    practices = [n for n in proj.nodes_of("practice") if n in touched]
    tools = [n for n in proj.nodes_of("tool") if n in touched]
    legal = [n for n in proj.nodes_of("legal") if n in touched]
    into: dict[str, list[str]] = {}
    for u, v in edges:
        into.setdefault(v, []).append(u)
    row: dict[str, float] = {n: float(i) for i, n in enumerate(practices)}
    tools = _barycentre(tools, into, row)
    scale = (len(practices) - 1) / max(len(tools) - 1, 1)
    row.update({n: i * scale for i, n in enumerate(tools)})
    legal = _barycentre(legal, into, row)
    lscale = (len(practices) - 1) / max(len(legal) - 1, 1)
    row.update({n: i * lscale for i, n in enumerate(legal)})
    pos: dict[str, tuple[float, float]] = {}
    for col, items in enumerate((practices, tools, legal)):
        for n in items:
            pos[n] = (float(col), -row[n])
    return pos, edges


def _legend_handles(kinds: list[str]) -> list[Any]:
    from matplotlib.lines import Line2D

    return [
        Line2D(
            [0],
            [0],
            marker="o",
            linestyle="",
            markersize=9,
            markerfacecolor=KIND_COLOURS[k],
            markeredgecolor="#333333",
            label=KIND_NAMES[k],
        )
        for k in kinds
    ]


def draw_network(proj: Projection, fmt: str = "png") -> bytes:
    """The practice–tool–legal network: practices use tools, tools and practices rest on acts."""
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyArrowPatch

    pos, edges = network_layout(proj)
    if not pos:
        raise InputError("the KG has no practice–tool–legal links to draw")
    rows = max(1, sum(1 for n in pos if pos[n][0] == 0.0))
    fig = Figure(figsize=(15, max(6.0, rows * 0.3)))
    ax = fig.add_subplot()
    ax.set_axis_off()
    g = proj.graph
    for u, v in edges:
        (x0, y0), (x1, y1) = pos[u], pos[v]
        colour = KIND_COLOURS[g.nodes[v]["kind"]]
        if x0 == x1:  # act -> act in one column: an arc to the right, clear of the nodes
            arc = FancyArrowPatch(
                (x0, y0),
                (x1, y1),
                connectionstyle="arc3,rad=-0.35",
                arrowstyle="-|>",
                mutation_scale=10,
                color=colour,
                linewidth=1.2,
                zorder=1,
            )
            ax.add_patch(arc)
            continue
        ax.plot([x0, x1], [y0, y1], color=colour, alpha=0.55, linewidth=1.0, zorder=1)
    for n, (x, y) in pos.items():
        data = g.nodes[n]
        kind = data["kind"]
        ax.scatter(
            [x], [y], s=90, color=KIND_COLOURS[kind], edgecolors="#333333", linewidths=0.6, zorder=3
        )
        if kind == "practice":
            text = f"{data['label']}  {textwrap.shorten(str(data.get('name', '')), 48, placeholder='…')}"
            ax.text(x - 0.04, y, text, ha="right", va="center", fontsize=8, zorder=4)
        elif kind == "tool":
            ax.text(
                x + 0.03,
                y,
                textwrap.shorten(str(data["label"]), 34, placeholder="…"),
                ha="left",
                va="center",
                fontsize=8,
                zorder=4,
                bbox={"boxstyle": "round,pad=0.12", "fc": "white", "ec": "none", "alpha": 0.85},
            )
        else:
            text = textwrap.shorten(str(data["label"]), 60, placeholder="…")
            ax.text(x + 0.04, y, text, ha="left", va="center", fontsize=8, zorder=4)
    for col, title in enumerate(("best practices", "tools", "legal instruments")):
        ax.text(col, 0.8, title, ha="center", va="bottom", fontsize=11, fontweight="bold")
    ax.set_xlim(-1.15, 3.1)
    ax.set_ylim(min(y for _, y in pos.values()) - 1.0, 1.8)
    ax.legend(
        handles=_legend_handles(["practice", "tool", "legal"]),
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
        ncol=3,
        frameon=True,
        fontsize=10,
        title="node type",
    )
    fig.suptitle(
        "Decision 7301/24: which tools and legal instruments the best practices rely on",
        fontsize=13,
    )
    return _render(fig, fmt)


def draw_heatmap(proj: Projection, fmt: str = "png") -> bytes:
    """States x practices, one colour per plan status (needs plans)."""
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    states, practices, rows = status_matrix(proj)
    if not states:
        raise InputError("the adoption heatmap needs action plans: pass --plans FILE_OR_FOLDER")
    order = [*STATUS_NAMES, "missing"]
    values = [[order.index(s if s is not None else "missing") for s in row] for row in rows]
    cmap = ListedColormap([STATUS_COLOURS[s] for s in order])
    fig = Figure(figsize=(max(8.0, 0.26 * len(practices) + 3), max(3.0, 0.38 * len(states) + 2.2)))
    ax = fig.add_subplot()
    ax.imshow(
        values, cmap=cmap, vmin=0, vmax=len(order) - 1, aspect="auto", interpolation="nearest"
    )
    ax.set_xticks(range(len(practices)))
    ax.set_xticklabels([proj.label(p) for p in practices], rotation=90, fontsize=8)
    ax.set_yticks(range(len(states)))
    ax.set_yticklabels([proj.label(s) for s in states], fontsize=9)
    ax.set_xticks([i - 0.5 for i in range(1, len(practices))], minor=True)
    ax.set_yticks([i - 0.5 for i in range(1, len(states))], minor=True)
    ax.grid(which="minor", color="white", linewidth=1.0)
    ax.tick_params(which="minor", length=0)
    blocks = [proj.graph.nodes[p].get("block") for p in practices]
    for i in range(1, len(blocks)):
        if blocks[i] != blocks[i - 1]:
            ax.axvline(i - 0.5, color="#222222", linewidth=1.6)
    ax.set_xlabel("best practice (building blocks I to IV, separated by lines)")
    ax.legend(
        handles=[
            Patch(facecolor=STATUS_COLOURS[s], edgecolor="#888888", label=STATUS_LABELS[s])
            for s in order
        ],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.28),
        ncol=len(order),
        fontsize=9,
        frameon=False,
    )
    ax.set_title("Action plans under Recital 12: status of each practice, by state", fontsize=12)
    return _render(fig, fmt)


def draw(proj: Projection, what: str, out: str | Path, fmt: str | None = None) -> Path:
    """Write picture ``what`` (``network`` or ``heatmap``) to ``out`` atomically."""
    chosen = image_format(out, fmt)
    if what == "network":
        data = draw_network(proj, chosen)
    elif what == "heatmap":
        data = draw_heatmap(proj, chosen)
    else:
        raise InputError(f"unknown picture {what!r}; choose network or heatmap")
    path = Path(out)
    write_bytes(path, data)
    return path
