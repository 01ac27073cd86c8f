"""Labels for the IRIs of a result, looked up in the data the engine holds.

Readable output (``query`` as table, markdown, CSV or xlsx; the Python API's ``.rows`` and
``.to_pandas()``) shows, instead of an IRI, its label: ``III.2 ANPR query checks…`` for a
practice (notation first), ``Netherlands`` for a state, ``adopted`` for a status. The lookup
is one constant-shape query per result whose ``VALUES`` lists the result's own IRIs,
serialised by :func:`~drugpolicy_kg.sparql_safety.term_to_sparql`; it runs the same on every
engine, remote endpoints included. Labels found are kept on the engine until its data change.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .engines.base import QueryEngine

#: Classes whose members are shown notation first ("III.2 ANPR…", "IV Strengthening…").
_NOTATION_FIRST = ("BestPractice", "BuildingBlock", "Theme")
_CHUNK = 400
#: Most distinct IRIs whose labels one answer looks up.
MAX_IRIS = 20_000
_UNWRITABLE = re.compile(r"[\s<>\"{}|\\^`]")


@dataclass(frozen=True)
class Label:
    """What the data say about an IRI: its display label, notation and short label."""

    display: str
    notation: str | None = None
    short: str | None = None


def _query(iris: list[str]) -> str:
    from rdflib import URIRef

    from .sparql_safety import term_to_sparql

    values = " ".join(term_to_sparql(URIRef(i)) for i in iris)
    return f"""\
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?x ?p ?v WHERE {{
  VALUES ?x {{ {values} }}
  VALUES ?p {{ rdfs:label skos:prefLabel skos:altLabel skos:notation rdf:type }}
  ?x ?p ?v .
}}
"""


def _pick(values: list[tuple[str, str | None]]) -> str | None:
    """The English (or untagged) value, the first in sorted order for determinism."""
    if not values:
        return None
    ranked = sorted(values, key=lambda v: (v[1] not in ("en", None), v[1] is not None, v[0]))
    return ranked[0][0]


def lookup(engine: QueryEngine, iris: Iterable[str]) -> dict[str, Label]:
    """Labels of ``iris`` (those the data label); cached on the engine. Beyond
    :data:`MAX_IRIS` distinct IRIs an answer is shown with CURIEs: looking up a huge remote
    answer's labels would cost more than the answer."""
    from rdflib import Literal

    from .vocab import DPO, RDF, RDFS, SKOS

    cache: dict[str, Label | None] = engine.name_cache.setdefault("__labels__", {})  # type: ignore[assignment]
    # An IRI that cannot be written in SPARQL (a remote store may hold one) has no label.
    wanted = sorted({i for i in iris if i not in cache and not _UNWRITABLE.search(i)})
    if len(wanted) > MAX_IRIS:
        return {i: lab for i in iris if (lab := cache.get(i)) is not None}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        found: dict[str, dict[str, list[tuple[str, str | None]]]] = {}
        for x, p, v in engine.query(_query(chunk)).rows:
            lang = v.language if isinstance(v, Literal) else None
            found.setdefault(str(x), {}).setdefault(str(p), []).append((str(v), lang))
        notation_first = {str(DPO[c]) for c in _NOTATION_FIRST}
        for iri in chunk:
            props = found.get(iri)
            if not props:
                cache[iri] = None
                continue
            label = _pick(props.get(str(RDFS.label), [])) or _pick(
                props.get(str(SKOS.prefLabel), [])
            )
            notation = _pick(props.get(str(SKOS.notation), []))
            short = _pick(props.get(str(SKOS.altLabel), []))
            types = {t for t, _ in props.get(str(RDF.type), [])}
            display = label or notation
            if display is None:
                cache[iri] = None
                continue
            if label and notation and types & notation_first and notation != label:
                display = f"{notation} {label}"
            cache[iri] = Label(display, notation, short)
    return {i: lab for i in iris if (lab := cache.get(i)) is not None}
