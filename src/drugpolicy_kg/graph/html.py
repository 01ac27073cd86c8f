"""A standalone, offline, interactive HTML view of the projection.

One file holds everything: the template, the CSS and the JavaScript from
``assets/graph/`` (written for this project, vanilla JS, no library) and the graph as a JSON
island. It fetches nothing when opened (a Content-Security-Policy of ``default-src 'none'``
enforces it), so it works from a USB stick or an air-gapped analyst's laptop.

Positions come from networkx's spring layout with a fixed seed, computed here rather than in
the browser, so the same KG gives the same file, byte for byte. Nodes without any link (for
instance the states, when no plans are given) are left out of the view.
"""

from __future__ import annotations

import html as html_mod
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..atomic import write_text
from ..resources import read_text
from .analysis import DEFAULT_SEED
from .export import KIND_COLOURS
from .projection import KIND_NAMES, KINDS, RELATIONS, Projection

if TYPE_CHECKING:
    import networkx as nx

WIDTH, HEIGHT = 1200.0, 800.0
RADIUS = {
    "practice": 6,
    "block": 11,
    "theme": 9,
    "actor": 6,
    "tool": 7,
    "legal": 7,
    "state": 8,
    "plan": 7,
}


def _json_island(data: Any) -> str:
    """JSON safe inside a ``<script>`` element: no ``</script>``, no HTML comment, no U+2028."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for raw, esc in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(raw, esc)
    return text


def layout(g: nx.Graph, seed: int) -> dict[str, tuple[float, float]]:
    """Positions in a WIDTH x HEIGHT box: the largest component fills the top, others a strip.

    Laid out together, a two-node component (say, an agency and its founding act, linked to
    no practice) is pushed far away and shrinks the main network to a dot; each component
    therefore gets its own spring layout (fixed seed) and its own cell.
    """
    import networkx as nx

    comps = sorted(
        (sorted(c, key=list(g.nodes).index) for c in nx.connected_components(g)),
        key=lambda c: (-len(c), list(g.nodes).index(c[0])),
    )
    pos: dict[str, tuple[float, float]] = {}
    if not comps:
        return pos
    strip = 0.14 * HEIGHT if len(comps) > 1 else 0.0
    boxes = [(0.0, 0.0, WIDTH, HEIGHT - strip)]
    rest = comps[1:]
    cell = min(WIDTH / max(len(rest), 1), 240.0)
    boxes += [
        (i * cell, HEIGHT - strip + 0.1 * strip, cell * 0.8, strip * 0.8) for i in range(len(rest))
    ]
    for comp, (x0, y0, w, h) in zip(comps, boxes, strict=True):
        if len(comp) == 1:
            pos[comp[0]] = (x0 + w / 2, y0 + h / 2)
            continue
        sub = nx.spring_layout(g.subgraph(comp), seed=seed, iterations=300)
        xs = [p[0] for p in sub.values()]
        ys = [p[1] for p in sub.values()]
        sx = (max(xs) - min(xs)) or 1.0
        sy = (max(ys) - min(ys)) or 1.0
        for n in comp:
            px, py = sub[n]
            pos[n] = (x0 + (float(px) - min(xs)) / sx * w, y0 + (float(py) - min(ys)) / sy * h)
    return pos


def view_data(proj: Projection, seed: int = DEFAULT_SEED) -> dict[str, Any]:
    """The JSON the page reads: kinds with colours, nodes with positions, edges with evidence."""
    import networkx as nx

    g = proj.graph
    shown = [n for n in g.nodes if g.degree(n) > 0]
    simple = nx.Graph()
    simple.add_nodes_from(shown)
    simple.add_edges_from((u, v) for u, v in g.edges() if u in simple and v in simple)
    pos = layout(simple, seed)
    index = {n: i for i, n in enumerate(shown)}
    nodes = []
    for n in shown:
        d = g.nodes[n]
        x, y = pos[n]
        kind = str(d["kind"])
        short = str(d["label"])
        if len(short) > 28:
            short = short[:27] + "…"
        item: dict[str, Any] = {
            "id": n,
            "kind": kind,
            "kindName": KIND_NAMES[kind],
            "label": str(d["label"]),
            "short": short,
            "name": str(d.get("name", "")),
            "code": str(d.get("code", "")),
            "aliases": [a for a in proj.aliases.get(n, []) if a != n],
            "x": round(x, 2),
            "y": round(y, 2),
            "r": RADIUS.get(kind, 6),
        }
        if d.get("text"):
            item["text"] = str(d["text"])
        nodes.append(item)
    edges = []
    for u, v, d in g.edges(data=True):
        rel = RELATIONS[d["relation"]]
        e: dict[str, Any] = {
            "s": index[u],
            "t": index[v],
            "rel": rel.name,
            "phrase": rel.phrase,
            "inverse": rel.inverse,
        }
        for k in ("evidence", "justification"):
            if d.get(k):
                e[k] = str(d[k])
        edges.append(e)
    counts = {k: sum(1 for n in nodes if n["kind"] == k) for k in KINDS}
    kinds = [
        {"kind": k, "name": KIND_NAMES[k], "colour": KIND_COLOURS[k], "count": counts[k]}
        for k in KINDS
        if counts[k]
    ]
    margin = 60.0
    return {
        "kinds": kinds,
        "nodes": nodes,
        "edges": edges,
        "bounds": [-margin, -margin, WIDTH + 2 * margin, HEIGHT + 2 * margin],
    }


def render(proj: Projection, seed: int = DEFAULT_SEED, title: str | None = None) -> str:
    """The complete HTML page as text."""
    page = read_text("graph", "view.html")
    heading = title or "Decision 7301/24: practices, tools, actors and legal instruments"
    data = view_data(proj, seed)
    plans = f", {len(proj.plans)} action plan(s)" if proj.plans else ""
    hidden = proj.graph.number_of_nodes() - len(data["nodes"])
    footer = (
        f"drugpolicy-kg {__version__}: {len(data['nodes'])} nodes, {len(data['edges'])} links"
        f"{plans}"
        + (f"; {hidden} unlinked node(s) not shown" if hidden else "")
        + ". Works offline; nothing is fetched."
    )
    parts = {
        "__CSS__": read_text("graph", "view.css"),
        "__JS__": read_text("graph", "view.js"),
        "__DATA__": _json_island(data),
        "__TITLE__": html_mod.escape(heading),
        "__FOOTER__": html_mod.escape(footer),
    }
    # One pass, so that placeholder-like text inside the data cannot be replaced again.
    return re.sub("|".join(parts), lambda m: parts[m.group(0)], page)


def write_html(proj: Projection, out: str | Path, seed: int = DEFAULT_SEED) -> Path:
    """Write the page to ``out`` atomically."""
    path = Path(out)
    write_text(path, render(proj, seed))
    return path
