"""The data of the Cytoscape.js graph view: nodes, compound blocks and edges.

The overview shows the 44 practices inside their building blocks (compound nodes) with the
EU information systems, the legal acts practices rest on directly, and the tools and actors
that at least :data:`SHARED` practices rely on; the filters of the page add or hide kinds. Practices carry their notation as label
(``III.2``) and tools their abbreviation, so labels stay short enough to read at the default
zoom; node boxes are sized to their label, so a layout that keeps boxes apart keeps labels
apart. Everything comes from the projection (:mod:`drugpolicy_kg.graph.projection`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..graph.projection import KIND_NAMES
from . import iris

if TYPE_CHECKING:
    from .pages import WebKG

#: A tool, actor or act joins the overview when this many practices rely on it directly.
SHARED = 3
#: Relations drawn as edges.
EDGE_RELATIONS = (
    "uses_tool",
    "involves_actor",
    "legal_basis",
    "operated_by",
    "established_by",
    "based_on",
    "amends",
    "repeals",
    "has_theme",
)
#: Approximate width of one character of the 12 px label font, for box sizes.
CHAR_PX = 7.2


def _box(label: str) -> dict[str, float]:
    return {"w": round(max(34.0, CHAR_PX * len(label) + 18.0), 1), "h": 26.0}


def overview_nodes(web: WebKG) -> list[str]:
    """The nodes of the default view (see module doc)."""
    g = web.proj.graph
    users: dict[str, int] = {}
    for p in web.proj.nodes_of("practice"):
        for _, t, d in g.out_edges(p, data=True):
            if d["relation"] in ("uses_tool", "involves_actor", "legal_basis"):
                users[t] = users.get(t, 0) + 1
    out = web.proj.nodes_of("practice")
    for n in web.proj.nodes_of("tool", "actor", "legal"):
        data = g.nodes[n]
        direct_act = data["kind"] == "legal" and users.get(n, 0) > 0
        if users.get(n, 0) >= SHARED or data.get("category") == "EUInformationSystem" or direct_act:
            out.append(n)
    return out


def elements(
    web: WebKG, nodes: Iterable[str] | None = None, focus: str | None = None
) -> dict[str, Any]:
    """``{"nodes": [...], "edges": [...], "blocks": [...], "themes": [...], "focus": id}``.

    ``href`` of each node is its site path; the page turns it into a relative link.
    """
    g = web.proj.graph
    keep = list(nodes) if nodes is not None else overview_nodes(web)
    wanted = set(keep)
    order = {n: i for i, n in enumerate(g.nodes)}
    out_nodes: list[dict[str, Any]] = []
    blocks_used: set[str] = set()
    for n in sorted(wanted, key=lambda x: order[x]):
        data = g.nodes[n]
        kind = data["kind"]
        label = str(data["label"])
        node: dict[str, Any] = {
            "id": n,
            "label": label,
            "name": str(data.get("name", label)),
            "kind": kind,
            "kindName": KIND_NAMES[kind],
            "href": iris.path_of(n) or "",
            **_box(label),
        }
        if kind == "practice":
            block = web.proj.graph.nodes[n].get("block", "")
            node["block"] = block
            theme = next(
                (v for _, v, d in g.out_edges(n, data=True) if d["relation"] == "has_theme"), None
            )
            node["theme"] = theme or ""
            if nodes is None:
                node["parent"] = f"block:{block}"
                blocks_used.add(block)
        else:
            node["category"] = str(data.get("category", ""))
        out_nodes.append(node)
    edges = []
    for u, v, d in g.edges(data=True):
        if u in wanted and v in wanted and d["relation"] in EDGE_RELATIONS:
            edges.append(
                {"id": f"{u}|{d['relation']}|{v}", "source": u, "target": v, "relation": d["label"]}
            )
    blocks = []
    for b in web.proj.nodes_of("block"):
        data = g.nodes[b]
        if data["code"] in blocks_used:
            label = f"{data['code']} · {data.get('short') or data['name']}"
            blocks.append(
                {
                    "id": f"block:{data['code']}",
                    "label": label,
                    "href": iris.path_of(b) or "",
                    "code": data["code"],
                }
            )
    themes = [
        {"id": t, "label": f"{g.nodes[t]['code']} {g.nodes[t].get('short') or g.nodes[t]['name']}"}
        for t in web.proj.nodes_of("theme")
    ]
    return {"nodes": out_nodes, "edges": edges, "blocks": blocks, "themes": themes, "focus": focus}
