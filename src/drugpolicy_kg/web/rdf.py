"""A resource's RDF description, in every format, and the content negotiation that picks one.

The description of a resource is its concise bounded description (CBD, W3C Member Submission
2005): every triple whose subject is the resource, followed through blank-node objects. The
practice links of this KG are annotated by ``owl:Axiom`` blank nodes that point *at* the
practice (``owl:annotatedSource``), which a plain CBD leaves out, so the description also
holds each such axiom with its own CBD: the evidence words travel with the resource.

The ontology (``/ontology``) and the shapes (``/shapes``) are documents, so their description
is the whole ontology or shapes graph, as a vocabulary server returns it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rdflib import BNode, Graph, URIRef
from rdflib.term import Node

from ..serialize import canonical, to_bytes
from ..vocab import OWL, PREFIXES, RDF
from .iris import RDF_FORMATS


def new_graph() -> Graph:
    g = Graph(bind_namespaces="none")
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    return g


def cbd(kg: Graph, node: Node, into: Graph) -> Graph:
    """Add the concise bounded description of ``node`` in ``kg`` to ``into``."""
    todo: list[Node] = [node]
    seen: set[Node] = set()
    while todo:
        n = todo.pop()
        if n in seen:
            continue
        seen.add(n)
        for s, p, o in kg.triples((n, None, None)):
            into.add((s, p, o))
            if isinstance(o, BNode):
                todo.append(o)
    return into


def description(kg: Graph, iri: URIRef) -> Graph:
    """The CBD of ``iri`` plus the ``owl:Axiom`` annotations of its triples (see module doc)."""
    out = cbd(kg, iri, new_graph())
    for ax in kg.subjects(OWL.annotatedSource, iri):
        if isinstance(ax, BNode) and (ax, RDF.type, OWL.Axiom) in kg:
            cbd(kg, ax, out)
    return out


def serialise(graph: Graph, ext: str) -> bytes:
    """``graph`` in the format of extension ``ext`` (ttl, nt, jsonld, rdf), deterministic bytes.

    rdflib's RDF/XML writer follows its store's hash order, so RDF/XML is written by
    pyoxigraph from the canonical, sorted N-Triples instead (the same triples, stable bytes).
    """
    if ext == "rdf":
        import pyoxigraph as ox

        nt = to_bytes(canonical(graph), "nt")
        triples = list(ox.parse(nt, format=ox.RdfFormat.N_TRIPLES))
        prefixes = {p: str(ns) for p, ns in PREFIXES.items()}
        return bytes(ox.serialize(triples, format=ox.RdfFormat.RDF_XML, prefixes=prefixes) or b"")
    return to_bytes(canonical(graph), RDF_FORMATS[ext][0])


# --- content negotiation ---------------------------------------------------------------------

#: Media types this app answers for a resource, in order of preference on a tie.
MEDIA_TYPES: dict[str, str] = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/turtle": "ttl",
    "application/x-turtle": "ttl",
    "application/n-triples": "nt",
    "text/plain": "nt",
    "application/ld+json": "jsonld",
    "application/json": "jsonld",
    "application/rdf+xml": "rdf",
    "application/xml": "rdf",
    "text/xml": "rdf",
}
_ORDER = ("html", "ttl", "jsonld", "nt", "rdf")
_MAX_ACCEPT = 2048
_MEDIA_RE = re.compile(r"^[A-Za-z0-9!#$&^_.+*-]+/[A-Za-z0-9!#$&^_.+*-]+$")


class NotAcceptable(ValueError):
    """The Accept header names nothing this resource can be served as (406)."""


@dataclass(frozen=True)
class _Range:
    media: str
    q: float
    order: int


def _ranges(accept: str) -> list[_Range]:
    out = []
    for i, part in enumerate(accept.split(",")):
        bits = [b.strip() for b in part.split(";")]
        media = bits[0].lower()
        if not media:
            continue
        if not _MEDIA_RE.match(media):
            raise NotAcceptable(f"malformed media range {media[:60]!r} in Accept")
        q = 1.0
        for b in bits[1:]:
            k, _, v = b.partition("=")
            if k.strip().lower() == "q":
                try:
                    q = float(v)
                except ValueError as exc:
                    raise NotAcceptable(f"malformed q value {v[:20]!r} in Accept") from exc
                if not 0.0 <= q <= 1.0:
                    raise NotAcceptable(f"q value {v[:20]!r} out of range in Accept")
        out.append(_Range(media, q, i))
    return out


def negotiate(accept: str | None, offered: tuple[str, ...] = _ORDER) -> str:
    """The extension (html, ttl, nt, jsonld, rdf) to answer ``accept`` with.

    No Accept header, or ``*/*``, gives HTML. An Accept that names only media types this app
    does not serve raises :class:`NotAcceptable` (the app answers 406, listing the formats).
    """
    if not accept or not accept.strip():
        return offered[0]
    if len(accept) > _MAX_ACCEPT:
        raise NotAcceptable("the Accept header is too long")
    ranges = _ranges(accept)

    def quality(media: str) -> float | None:
        """q of ``media``: from the most specific range that matches it (RFC 9110, 12.5.1)."""
        # application/* means data: it reaches HTML only through text/html, not XHTML.
        major = media.split("/")[0] + "/*" if media != "application/xhtml+xml" else ""
        found: tuple[int, float] | None = None
        for r in ranges:
            spec = (
                2 if r.media == media else 1 if r.media == major else 0 if r.media == "*/*" else -1
            )
            if spec >= 0 and (found is None or spec > found[0]):
                found = (spec, r.q)
        return None if found is None else found[1]

    best: tuple[float, int] | None = None
    choice: str | None = None
    for ext in offered:
        qs = [q for m, e in MEDIA_TYPES.items() if e == ext and (q := quality(m)) is not None]
        if not qs or max(qs) <= 0:
            continue
        key = (max(qs), -offered.index(ext))
        if best is None or key > best:
            best, choice = key, ext
    if choice is None:
        raise NotAcceptable("none of the media types in Accept is served here")
    return choice


def media_type(ext: str) -> str:
    """The media type of a response in format ``ext``."""
    if ext == "html":
        return "text/html; charset=utf-8"
    media = RDF_FORMATS[ext][1]
    return f"{media}; charset=utf-8" if ext in ("ttl", "nt") else media
