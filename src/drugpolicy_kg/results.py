"""Writers for query results: table, csv, tsv, json, markdown (and RDF for CONSTRUCT).

``json`` is the SPARQL 1.1 Query Results JSON format and ``csv``/``tsv`` follow the SPARQL 1.1
Query Results CSV and TSV formats, so other SPARQL tools read the output unchanged. ``table``
and ``markdown`` are for people: IRIs are shortened with the project's prefixes.
Every writer is deterministic: the same result gives the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING

from .engines.base import Term, term_of
from .vocab import PREFIXES

if TYPE_CHECKING:
    from rdflib.term import Identifier

    from .engines.base import QueryResult

FORMATS = ("table", "csv", "tsv", "json", "markdown")

_PREFIX_BASES = [(prefix, str(ns)) for prefix, ns in PREFIXES.items()]


@lru_cache(maxsize=65536)
def _shorten(iri: str) -> str:
    for prefix, base in _PREFIX_BASES:
        if iri.startswith(base) and len(iri) > len(base):
            return f"{prefix}:{iri[len(base) :]}"
    return f"<{iri}>"


def human(term: Term | Identifier | None) -> str:
    """A cell for people: prefixed IRIs, bare literal values, empty for unbound.

    Takes a result :class:`~drugpolicy_kg.engines.base.Term` or an rdflib term.
    """
    if term is None:
        return ""
    if not isinstance(term, Term):
        term = term_of(term)
        assert term is not None
    kind = term[0]
    if kind == "iri":
        return _shorten(term[1])
    if kind == "bnode":
        return "_:" + term[1]
    return term[1]


def _json_term(term: Term) -> dict[str, str]:
    kind, value, datatype, language = term
    if kind == "iri":
        return {"type": "uri", "value": value}
    if kind == "bnode":
        return {"type": "bnode", "value": value}
    out = {"type": "literal", "value": value}
    if language:
        out["xml:lang"] = language
    elif datatype is not None:
        out["datatype"] = datatype
    return out


def to_json(result: QueryResult) -> str:
    """SPARQL 1.1 Query Results JSON (https://www.w3.org/TR/sparql11-results-json/)."""
    if result.kind == "ASK":
        doc: dict[str, object] = {"head": {}, "boolean": bool(result.boolean)}
    else:
        doc = {
            "head": {"vars": result.vars},
            "results": {
                "bindings": [
                    {
                        v: _json_term(t)
                        for v, t in zip(result.vars, row, strict=True)
                        if t is not None
                    }
                    for row in result.terms
                ]
            },
        }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def _csv_cell(term: Term | None) -> str:
    if term is None:
        return ""
    return "_:" + term[1] if term[0] == "bnode" else term[1]


def to_csv(result: QueryResult) -> str:
    """SPARQL 1.1 CSV: IRIs and literal values as plain strings, CRLF line ends."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    if result.kind == "ASK":
        w.writerow(["boolean"])
        w.writerow(["true" if result.boolean else "false"])
        return buf.getvalue()
    w.writerow(result.vars)
    w.writerows([list(map(_csv_cell, row)) for row in result.terms])
    return buf.getvalue()


def _tsv_term(term: Term | None) -> str:
    if term is None:
        return ""
    kind, value, datatype, language = term
    if kind == "literal" and datatype is None and not language:
        return _quote(value)
    return _n3(term)


@lru_cache(maxsize=65536)
def _n3(term: Term) -> str:
    """The term in N-Triples/Turtle syntax, exactly as rdflib's ``n3()`` writes it."""
    from rdflib import BNode, Literal, URIRef
    from rdflib.term import _is_valid_uri

    kind, value, datatype, language = term
    if kind == "iri":
        return f"<{value}>" if _is_valid_uri(value) else URIRef(value).n3()  # n3() raises
    if kind == "bnode":
        return BNode(value).n3()
    if language:
        return Literal(value, lang=language).n3()
    return Literal(value, datatype=None if datatype is None else URIRef(datatype)).n3()


def _quote(s: str) -> str:
    return (
        '"'
        + s.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
        + '"'
    )


def to_tsv(result: QueryResult) -> str:
    """SPARQL 1.1 TSV: a header of ``?vars``, then terms in SPARQL/Turtle syntax."""
    if result.kind == "ASK":
        return "?boolean\n" + ("true" if result.boolean else "false") + "\n"
    lines = ["\t".join(f"?{v}" for v in result.vars)]
    lines += ["\t".join(map(_tsv_term, row)) for row in result.terms]
    return "\n".join(lines) + "\n"


def _cells(result: QueryResult) -> tuple[list[str], list[list[str]]]:
    """Header and cells for the human-facing writers: whitespace runs collapsed (as both
    writers show them), then control characters shown as escapes (issue #11, item 9)."""
    if result.kind == "ASK":
        return ["boolean"], [["true" if result.boolean else "false"]]
    from .textsafe import for_terminal

    def safe(s: str) -> str:
        return for_terminal(" ".join(s.split()))

    return [safe(v) for v in result.vars], [[safe(human(t)) for t in row] for row in result.terms]


def to_table(result: QueryResult, *, max_width: int = 60) -> str:
    """A plain-text table for a terminal; long cells are cut with an ellipsis."""
    head, body = _cells(result)

    def cut(s: str) -> str:
        s = " ".join(s.split())
        return s if len(s) <= max_width else s[: max_width - 1] + "…"

    body = [[cut(c) for c in row] for row in body]
    widths = [max([len(h)] + [len(r[i]) for r in body]) for i, h in enumerate(head)]
    line = "  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)).rstrip()
    rule = "  ".join("-" * w for w in widths)
    rows = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in body]
    footer = f"({len(body)} row{'s' if len(body) != 1 else ''})"
    return "\n".join([line, rule, *rows, footer]) + "\n"


def to_markdown(result: QueryResult) -> str:
    """A GitHub-flavoured Markdown table (pipes in cells escaped)."""
    head, body = _cells(result)

    def esc(s: str) -> str:
        return " ".join(s.split()).replace("|", "\\|")

    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(esc(c) for c in row) + " |" for row in body]
    return "\n".join(lines) + "\n"


WRITERS: dict[str, Callable[[QueryResult], str]] = {
    "table": to_table,
    "csv": to_csv,
    "tsv": to_tsv,
    "json": to_json,
    "markdown": to_markdown,
}


def render(result: QueryResult, fmt: str) -> str:
    """The result in ``fmt``; a CONSTRUCT result is written as Turtle (or N-Triples for csv/tsv)."""
    if result.kind in ("CONSTRUCT", "DESCRIBE"):
        from .serialize import canonical

        assert result.graph is not None
        g = canonical(result.graph)
        for prefix, ns in PREFIXES.items():
            g.bind(prefix, ns)
        out = g.serialize(format="nt" if fmt in ("csv", "tsv") else "turtle")
        return out if isinstance(out, str) else out.decode("utf-8")
    return WRITERS[fmt](result)
