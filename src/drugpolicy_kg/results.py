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
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .engines.base import Term, term_of
from .vocab import PREFIXES

if TYPE_CHECKING:
    from rdflib.term import Identifier

    from .engines.base import QueryResult
    from .labels import Label

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


#: A table for people: a header and rows of strings.
Cells = tuple[list[str], list[list[str]]]


def readable(
    result: QueryResult,
    labels: Mapping[str, Label],
    label_columns: Mapping[str, Sequence[str]] | None = None,
) -> Cells:
    """The result with every IRI shown by its label (``labels``, from
    :func:`drugpolicy_kg.labels.lookup`), the columns that only label another column
    (``label_columns``: IRI column -> label columns, from the query's header) left out.

    An IRI the data do not label shows as a CURIE; a declared label column fills in for an
    IRI the data do not label (a remote store that lacks the KG's labels).
    """
    if result.kind == "ASK":
        return _cells(result)
    declared = {k: tuple(v) for k, v in (label_columns or {}).items() if k in result.vars}
    hidden = {c for cols in declared.values() for c in cols if c in result.vars}
    index = {v: i for i, v in enumerate(result.vars)}
    keep = [i for i, v in enumerate(result.vars) if v not in hidden]
    head = [result.vars[i] for i in keep]
    body = []
    for row in result.terms:
        out = []
        for i in keep:
            term = row[i]
            if term is None:
                out.append("")
            elif term[0] == "iri":
                lab = labels.get(term[1])
                if lab is not None:
                    out.append(lab.display)
                else:
                    own = [
                        human(row[index[c]])
                        for c in declared.get(result.vars[i], ())
                        if c in index and row[index[c]] is not None
                    ]
                    out.append(" ".join(own) if own else _shorten(term[1]))
            else:
                out.append(human(term))
        body.append(out)
    return head, body


def table_text(cells: Cells, *, max_width: int = 60, groups: Sequence[str] | None = None) -> str:
    """A plain-text table; ``groups`` (one name per column, "" for none) adds a row above."""
    head, body = cells

    def cut(s: str) -> str:
        s = escape_controls(" ".join(s.split()))
        return s if len(s) <= max_width else s[: max_width - 1] + "…"

    head = [cut(h) for h in head]
    body = [[cut(c) for c in row] for row in body]
    widths = [max([len(h)] + [len(r[i]) for r in body]) for i, h in enumerate(head)]
    lines = []
    if groups:
        shown = [g if i == 0 or groups[i - 1] != g else "" for i, g in enumerate(groups)]
        lines.append(
            "  ".join(cut(g)[:w].ljust(w) for g, w in zip(shown, widths, strict=True)).rstrip()
        )
    lines.append("  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)).rstrip())
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in body]
    lines.append(f"({len(body)} row{'s' if len(body) != 1 else ''})")
    return "\n".join(lines) + "\n"


def markdown_text(cells: Cells) -> str:
    """A GitHub-flavoured Markdown table (pipes in cells escaped)."""
    head, body = cells

    def esc(s: str) -> str:
        return escape_controls(" ".join(s.split())).replace("|", "\\|")

    lines = [
        "| " + " | ".join(esc(h) for h in head) + " |",
        "|" + "|".join("---" for _ in head) + "|",
    ]
    lines += ["| " + " | ".join(esc(c) for c in row) + " |" for row in body]
    return "\n".join(lines) + "\n"


#: Leading characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_text(cells: Cells, *, neutralise: bool = True) -> str:
    """CSV (CRLF line ends) of readable cells. A cell that a spreadsheet would run as a
    formula (leading ``= + - @`` tab or CR) gets a leading ``'``, as OWASP recommends, unless
    the cell is a number."""
    head, body = cells
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(head)
    for row in body:
        w.writerow([_safe_cell(c) if neutralise else c for c in row])
    return buf.getvalue()


def _safe_cell(value: str) -> str:
    if value.startswith(_FORMULA_START):
        try:
            float(value)
        except ValueError:
            return "'" + value
    return value


def escape_controls(text: str) -> str:
    """Control characters (ESC, CR, ...) shown visibly as ``\\x1b``, for terminals."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m[0]):02x}", text)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


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


# --- pivoted results (a header's ``# pivot:``) ------------------------------------------------


@dataclass
class Matrix:
    """A long result pivoted: ``row_names`` x ``column_names`` with a label in each cell.

    ``groups`` names each column's group ("" for none); ``row_groups`` each row's (after
    :meth:`transposed`). ``values`` lists the distinct cell values, for the counts:
    :meth:`row_counts` (per row, per value) and :meth:`column_counts` (per column, per value).
    """

    corner: str
    row_names: list[str]
    column_names: list[str]
    cells: list[list[str]]
    groups: list[str] = field(default_factory=list)
    group_title: str = ""
    values: list[str] = field(default_factory=list)
    row_groups: list[str] = field(default_factory=list)
    column_corner: str = ""

    def row_counts(self) -> list[list[int]]:
        """For each row, how many cells hold each value (in the order of :attr:`values`)."""
        return [
            [sum(1 for c in row if v in c.split("; ")) for v in self.values] for row in self.cells
        ]

    def column_counts(self) -> list[list[int]]:
        """For each value, how many cells of each column hold it."""
        return [
            [
                sum(1 for row in self.cells if v in row[j].split("; "))
                for j in range(len(self.column_names))
            ]
            for v in self.values
        ]

    def transposed(self) -> Matrix:
        """Columns as rows (``--transpose``); column groups become a first column."""
        return Matrix(
            corner=self.column_corner or "column",
            row_names=list(self.column_names),
            column_names=list(self.row_names),
            cells=[[row[j] for row in self.cells] for j in range(len(self.column_names))],
            group_title=self.group_title,
            values=list(self.values),
            row_groups=list(self.groups),
            column_corner=self.corner,
        )

    def cells_with_counts(self) -> Cells:
        """Header and rows, with a count column per value and a total, then a count row per
        value; a row group (after :meth:`transposed`) comes as a first column."""
        lead = [self.group_title or "group"] if self.row_groups else []
        head = [*lead, self.corner, *self.column_names, *self.values, "total"]
        body = []
        for i, (name, row, counts) in enumerate(
            zip(self.row_names, self.cells, self.row_counts(), strict=True)
        ):
            group = [self.row_groups[i]] if self.row_groups else []
            body.append([*group, name, *row, *map(str, counts), str(sum(counts))])
        for value, counts in zip(self.values, self.column_counts(), strict=True):
            body.append(
                [
                    *([""] if lead else []),
                    value,
                    *map(str, counts),
                    *([""] * (len(self.values) + 1)),
                ]
            )
        return head, body

    def to_pandas(self) -> Any:
        """The matrix as a pandas DataFrame (cells only, no counts): rows and columns indexed
        by their names, with the groups as the outer level of a MultiIndex."""
        import pandas as pd

        def index(names: list[str], groups: list[str], title: str, name: str) -> Any:
            if groups:
                return pd.MultiIndex.from_arrays([groups, names], names=[title or "group", name])
            return pd.Index(names, name=name)

        return pd.DataFrame(
            self.cells,
            index=index(self.row_names, self.row_groups, self.group_title, self.corner),
            columns=index(self.column_names, self.groups, self.group_title, self.column_corner),
        )

    def head_groups(self) -> list[str]:
        """The group above each header cell ("" for none), when the columns are grouped."""
        if not self.groups:
            return []
        return ["", *self.groups, *(["counts"] * (len(self.values) + 1))]


def pivot(
    result: QueryResult,
    spec_rows: str,
    spec_columns: str,
    spec_values: str,
    labels: Mapping[str, Label],
    groups: Mapping[str, str] | None = None,
    *,
    group_title: str = "",
) -> Matrix:
    """Pivot a long SELECT result: rows by ``spec_rows``, columns by ``spec_columns``.

    Row and column heads are labels (a column head is the notation when there is one:
    ``III.2``); a cell holds the label of ``spec_values`` (``adopted``), several joined by
    ``; ``. Rows sort by label, columns by their group and then naturally by head
    (``III.2`` before ``III.10``). ``groups`` maps a column IRI to its group's name.
    """
    from .errors import InputError

    for col in (spec_rows, spec_columns, spec_values):
        if col not in result.vars:
            raise InputError(f"the pivot needs column {col!r}, which the query does not return")
    ri, ci, vi = (result.vars.index(c) for c in (spec_rows, spec_columns, spec_values))

    def name(term: Term | None, *, short: bool) -> str:
        if term is None:
            return ""
        if term[0] == "iri":
            lab = labels.get(term[1])
            if lab is not None:
                return (lab.notation or lab.display) if short else lab.display
            return _shorten(term[1])
        return human(term)

    table: dict[tuple[str, str], list[str]] = {}
    rows: dict[str, str] = {}
    cols: dict[str, str] = {}
    values: set[str] = set()
    for row in result.terms:
        r, c = row[ri], row[ci]
        if r is None or c is None:
            continue
        rows[r[1]] = name(r, short=False)
        cols[c[1]] = name(c, short=True)
        v = name(row[vi], short=False)
        if v:
            values.add(v)
            cell = table.setdefault((r[1], c[1]), [])
            if v not in cell:
                cell.append(v)
    group_of = groups or {}
    row_keys = sorted(rows, key=lambda k: (rows[k].casefold(), k))
    col_keys = sorted(cols, key=lambda k: (_natural(group_of.get(k, "")), _natural(cols[k]), k))
    return Matrix(
        corner=spec_rows,
        column_corner=spec_columns,
        row_names=[rows[k] for k in row_keys],
        column_names=[cols[k] for k in col_keys],
        cells=[["; ".join(sorted(table.get((r, c), []))) for c in col_keys] for r in row_keys],
        groups=[group_of.get(k, "") for k in col_keys] if groups else [],
        group_title=group_title,
        values=sorted(values, key=str.casefold),
    )


def _natural(text: str) -> tuple[tuple[int, int, str], ...]:
    return tuple(
        (0, int(t), "") if t.isdigit() else (1, 0, t.casefold()) for t in re.split(r"(\d+)", text)
    )


def matrix_text(m: Matrix, fmt: str) -> str:
    """The matrix as ``table``, ``markdown`` or ``csv`` text, with counts."""
    cells = m.cells_with_counts()
    if fmt == "table":
        return table_text(cells, max_width=40, groups=m.head_groups() or None)
    if fmt == "markdown":
        head, body = cells
        if m.groups:  # Markdown has one header row: the group goes above each column's head
            head = [
                f"{g}<br>{h}" if g and g != "counts" else h
                for g, h in zip(m.head_groups(), head, strict=True)
            ]
        return markdown_text((head, body))
    if fmt == "csv":
        return csv_text(cells)
    raise ValueError(f"a matrix has no {fmt!r} format")


def matrix_xlsx(m: Matrix, path: str) -> None:
    """The matrix as an xlsx workbook: group heads merged over their columns, heads frozen,
    every text cell written as a string (never a formula)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from .atomic import write_bytes

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "matrix"
    head, body = m.cells_with_counts()
    top = 1
    if m.groups:
        hg = m.head_groups()
        j = 0
        while j < len(hg):
            k = j
            while k + 1 < len(hg) and hg[k + 1] == hg[j]:
                k += 1
            if hg[j]:
                _put(ws, 1, j + 1, hg[j]).font = Font(bold=True)
                if k > j:
                    ws.merge_cells(start_row=1, start_column=j + 1, end_row=1, end_column=k + 1)
                ws.cell(1, j + 1).alignment = Alignment(horizontal="center")
            j = k + 1
        top = 2
    for j, h in enumerate(head):
        _put(ws, top, j + 1, h).font = Font(bold=True)
    for i, row in enumerate(body):
        for j, value in enumerate(row):
            _put(ws, top + 1 + i, j + 1, value)
    ws.freeze_panes = ws.cell(top + 1, 2)
    buf = io.BytesIO()
    wb.save(buf)
    write_bytes(path, buf.getvalue())


def _put(ws: Any, row: int, col: int, value: str) -> Any:
    """Write ``value`` as a string cell (a number if it is all digits); control characters,
    which xlsx cannot hold, are written visibly (``\\x1b``)."""
    cell = ws.cell(row, col)
    cell.value = escape_controls(value.replace("\t", " ").replace("\n", " "))
    if isinstance(value, str) and value.isdigit():
        cell.value = int(value)
    else:
        cell.data_type = "s"  # a string, even one that starts with "="
    return cell
