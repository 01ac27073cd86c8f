"""Write the projection as GraphML, GEXF, node-link JSON or Graphviz DOT.

GraphML and GEXF open in Gephi and Cytoscape; node-link JSON is networkx's own format (and
what D3-style tools read); DOT feeds Graphviz. Node ids are IRIs and every attribute is a
plain string, so a file read back by networkx gives the projection again.

Output is deterministic: the projection's order fixes node and edge order, and GEXF's
``lastmodifieddate`` (today's date, written by networkx) is removed so that the same KG always
gives the same bytes. DOT is written here rather than through pydot/pygraphviz, which the
project does not depend on.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..atomic import write_bytes
from ..errors import InputError

if TYPE_CHECKING:
    import networkx as nx

FORMATS: dict[str, str] = {"graphml": ".graphml", "gexf": ".gexf", "json": ".json", "dot": ".dot"}

#: Fill colours by node kind (shared with the pictures, colour-blind-safe Okabe-Ito palette).
KIND_COLOURS: dict[str, str] = {
    "practice": "#56B4E9",
    "block": "#999999",
    "theme": "#CCCCCC",
    "actor": "#E69F00",
    "tool": "#009E73",
    "legal": "#CC79A7",
    "state": "#F0E442",
    "plan": "#D55E00",
}
DOT_SHAPES: dict[str, str] = {
    "practice": "ellipse",
    "block": "folder",
    "theme": "tab",
    "actor": "box",
    "tool": "hexagon",
    "legal": "note",
    "state": "octagon",
    "plan": "component",
}


def to_graphml(g: nx.MultiDiGraph) -> bytes:
    import networkx as nx

    buf = io.BytesIO()
    nx.write_graphml(g, buf, encoding="utf-8", prettyprint=True)
    return buf.getvalue()


def to_gexf(g: nx.MultiDiGraph) -> bytes:
    import networkx as nx

    buf = io.BytesIO()
    nx.write_gexf(g, buf, encoding="utf-8", prettyprint=True)
    return re.sub(rb'\s+lastmodifieddate="[^"]*"', b"", buf.getvalue(), count=1)


def to_json(g: nx.MultiDiGraph) -> bytes:
    import networkx as nx

    data = nx.node_link_data(g, edges="edges")
    return (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def _dot_id(text: str) -> str:
    """A DOT double-quoted string: backslashes and quotes escaped, newlines as ``\\n``."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "").replace("\n", "\\n")
    return f'"{escaped}"'


def _dot_attrs(attrs: dict[str, Any]) -> str:
    return ", ".join(f"{k}={_dot_id(str(v))}" for k, v in attrs.items())


def to_dot(g: nx.MultiDiGraph) -> bytes:
    """Graphviz DOT: nodes coloured and shaped by kind, edges labelled by relation.

    All projection attributes are kept (Graphviz ignores unknown ones), so the file stays a
    complete record.
    """
    lines = [
        "digraph drugpolicy_kg {",
        "  graph [rankdir=LR, overlap=false, splines=true, fontname=Helvetica];",
        "  node [style=filled, fontname=Helvetica, fontsize=10];",
        '  edge [fontname=Helvetica, fontsize=8, color="#555555"];',
    ]
    for n, data in g.nodes(data=True):
        attrs = dict(data)
        kind = str(attrs.get("kind", ""))
        attrs.setdefault("fillcolor", KIND_COLOURS.get(kind, "#FFFFFF"))
        attrs.setdefault("shape", DOT_SHAPES.get(kind, "ellipse"))
        lines.append(f"  {_dot_id(n)} [{_dot_attrs(attrs)}];")
    for u, v, data in g.edges(data=True):
        lines.append(f"  {_dot_id(u)} -> {_dot_id(v)} [{_dot_attrs(dict(data))}];")
    lines.append("}")
    return ("\n".join(lines) + "\n").encode("utf-8")


WRITERS = {"graphml": to_graphml, "gexf": to_gexf, "json": to_json, "dot": to_dot}


def export_bytes(g: nx.MultiDiGraph, fmt: str) -> bytes:
    """The projection in ``fmt`` (one of :data:`FORMATS`)."""
    try:
        writer = WRITERS[fmt]
    except KeyError:
        raise InputError(
            f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}"
        ) from None
    return writer(g)


def export(g: nx.MultiDiGraph, fmt: str, out: str | Path) -> Path:
    """Write the projection to ``out`` atomically and return the path."""
    path = Path(out)
    write_bytes(path, export_bytes(g, fmt))
    return path
