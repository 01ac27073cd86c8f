"""Deterministic serialisation: the same graph always gives the same bytes.

Blank nodes are relabelled canonically (RDFC-style hashing from :mod:`rdflib.compare`) and
triples are inserted in sorted order, so the output does not depend on parse order,
``PYTHONHASHSEED`` or rdflib's random blank-node ids.
"""

from __future__ import annotations

import json
from typing import Any

from rdflib import BNode, Graph
from rdflib.compare import to_canonical_graph

from .vocab import PREFIXES

FORMATS = {
    "turtle": ".ttl",
    "nt": ".nt",
    "json-ld": ".jsonld",
    "xml": ".rdf",
}


def canonical(graph: Graph) -> Graph:
    """A copy of ``graph`` with canonical blank-node labels and sorted insertion order."""
    has_bnodes = any(isinstance(t, BNode) for triple in graph for t in triple)
    source = to_canonical_graph(graph) if has_bnodes else graph
    out = Graph(bind_namespaces="none")
    for prefix, ns in PREFIXES.items():
        out.bind(prefix, ns)
    for triple in sorted(source, key=lambda t: tuple(sort_key(x) for x in t)):
        out.add(triple)
    return out


def _sorted_jsonld(text: str) -> bytes:
    """rdflib's JSON-LD follows set order; sort nodes and value arrays for stable bytes."""
    doc = json.loads(text)

    def norm(value: Any, ordered: bool = False) -> Any:
        if isinstance(value, dict):
            return {k: norm(v, ordered=k == "@list") for k, v in value.items()}
        if isinstance(value, list) and ordered:
            return [norm(v) for v in value]  # an RDF list: its order is meaning
        if isinstance(value, list):
            items = [norm(v) for v in value]
            return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
        return value

    doc = norm(doc)
    return (json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def sort_key(term: object) -> tuple[str, str]:
    """A total order of RDF terms (kind, then N-Triples form): sorted output is stable."""
    return (type(term).__name__, term.n3() if hasattr(term, "n3") else str(term))


def to_bytes(graph: Graph, fmt: str) -> bytes:
    """Serialise a canonical graph to ``fmt`` (turtle, nt, json-ld, xml) as UTF-8 bytes."""
    if fmt == "nt":
        text = graph.serialize(format="nt")
        lines = sorted(line for line in text.splitlines() if line.strip())
        return ("\n".join(lines) + "\n").encode("utf-8")
    if fmt == "json-ld":
        return _sorted_jsonld(graph.serialize(format="json-ld", auto_compact=True))
    text = graph.serialize(format=fmt)
    return text.encode("utf-8")
