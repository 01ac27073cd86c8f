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
from typing import TYPE_CHECKING

from .vocab import PREFIXES, XSD

if TYPE_CHECKING:
    from rdflib.term import Identifier

    from .engines.base import QueryResult

FORMATS = ("table", "csv", "tsv", "json", "markdown")


def _shorten(iri: str) -> str:
    for prefix, ns in PREFIXES.items():
        base = str(ns)
        if iri.startswith(base) and len(iri) > len(base):
            return f"{prefix}:{iri[len(base) :]}"
    return f"<{iri}>"


def human(term: Identifier | None) -> str:
    """A cell for people: prefixed IRIs, bare literal values, empty for unbound."""
    from rdflib import BNode, URIRef

    if term is None:
        return ""
    if isinstance(term, URIRef):
        return _shorten(str(term))
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def _json_term(term: Identifier) -> dict[str, str]:
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    assert isinstance(term, Literal)
    out = {"type": "literal", "value": str(term)}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype is not None and term.datatype != XSD.string:
        out["datatype"] = str(term.datatype)
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
                    for row in result.rows
                ]
            },
        }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def to_csv(result: QueryResult) -> str:
    """SPARQL 1.1 CSV: IRIs and literal values as plain strings, CRLF line ends."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    if result.kind == "ASK":
        w.writerow(["boolean"])
        w.writerow(["true" if result.boolean else "false"])
        return buf.getvalue()
    w.writerow(result.vars)
    for row in result.rows:
        w.writerow(["" if t is None else (f"_:{t}" if _is_bnode(t) else str(t)) for t in row])
    return buf.getvalue()


def _is_bnode(term: Identifier) -> bool:
    from rdflib import BNode

    return isinstance(term, BNode)


def _tsv_term(term: Identifier | None) -> str:
    from rdflib import Literal

    if term is None:
        return ""
    if (
        isinstance(term, Literal)
        and (term.datatype is None or term.datatype == XSD.string)
        and not term.language
    ):
        return _quote(str(term))
    return term.n3()


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
    lines += ["\t".join(_tsv_term(t) for t in row) for row in result.rows]
    return "\n".join(lines) + "\n"


def _cells(result: QueryResult) -> tuple[list[str], list[list[str]]]:
    if result.kind == "ASK":
        return ["boolean"], [["true" if result.boolean else "false"]]
    return list(result.vars), [[human(t) for t in row] for row in result.rows]


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
