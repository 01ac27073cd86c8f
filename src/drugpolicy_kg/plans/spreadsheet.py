"""Action plans as spreadsheets (xlsx or CSV) and back, without loss.

After SHACL Play's xls2rdf: one row per entry, one column per property, so that a plan can be
written and reviewed in Excel. Plan-level columns (``plan``, ``state``, ``issued``...) repeat on
every row of the plan; several plans may share a sheet. Multi-valued cells (consulted states,
indicators) hold one value per line. ``rows_to_graph(graph_to_rows(g))`` is isomorphic to ``g``
for every plan written in the action-plan vocabulary (the round trip is tested on the examples);
triples outside the columns below are reported by :func:`unmapped_triples`, not silently lost.

A spreadsheet is untrusted input like any plan: its size is limited, every IRI is checked, and
errors name the file and the row.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from ..atomic import write_bytes
from ..errors import InputError
from ..validation.context import KGContext, cached_context
from ..vocab import (
    COUNTRY,
    DCTERMS,
    DPK,
    DPO,
    RDF,
    RDFS,
    STATUSES,
    country_iri,
)

#: The columns, in order. ``title`` is for readers only (the KG knows each practice's title).
COLUMNS = (
    "plan",
    "state",
    "issued",
    "responds_to",
    "plan_label",
    "plan_description",
    "language",
    "section",
    "section_label",
    "block",
    "entry",
    "entry_label",
    "practice",
    "title",
    "status",
    "implementation_measures",
    "reason",
    "responsible_authority",
    "target_date",
    "consulted_states",
    "indicators",
    "funds_amount",
    "funds_currency",
    "funds_description",
)

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 10_000

_STATUS_NAMES = {
    "Adopted": DPO.Adopted,
    "Planned": DPO.Planned,
    "Under assessment": DPO.UnderAssessment,
    "Not planned": DPO.NotPlanned,
}


def _status_from(text: str, where: str) -> URIRef:
    key = text.strip().lower().replace("-", " ").replace("_", " ")
    for status in STATUSES:
        local = str(status).rsplit("#", 1)[-1]
        names = {local.lower(), " ".join(_split_camel(local)).lower()}
        if key in names:
            return status
    raise InputError(
        f"unknown status {text!r} (expected Adopted, Planned, Under assessment or Not planned)",
        where,
    )


def _split_camel(word: str) -> list[str]:
    parts, current = [], ""
    for char in word:
        if char.isupper() and current:
            parts.append(current)
            current = char
        else:
            current += char
    return [*parts, current]


def _status_name(status: Node) -> str:
    for name, iri in _STATUS_NAMES.items():
        if iri == status:
            return name
    return str(status)


def _iri(text: str, where: str) -> URIRef:
    value = text.strip()
    if not value.startswith(("http://", "https://", "urn:")) or any(
        c in value for c in ' <>"{}|\\^`'
    ):
        raise InputError(f"not an absolute IRI: {value!r}", where)
    return URIRef(value)


def _state(text: str, where: str) -> URIRef:
    value = text.strip()
    if len(value) == 3 and value.isalpha():
        return country_iri(value)
    return _iri(value, where)


def _state_text(node: Node) -> str:
    text = str(node)
    return (
        text[len(str(COUNTRY)) :]
        if text.startswith(str(COUNTRY)) and isinstance(node, URIRef)
        else text
    )


def _lines(cell: str) -> list[str]:
    return [line.strip() for line in cell.splitlines() if line.strip()]


# --------------------------------------------------------------------------- graph -> rows


def graph_to_rows(graph: Graph, context: KGContext | None = None) -> list[dict[str, str]]:
    """One row per entry of every plan in ``graph``, in plan, block and practice order."""
    ctx = context or cached_context()
    rows: list[dict[str, str]] = []
    for plan in sorted(graph.subjects(RDF.type, DPO.ActionPlan), key=str):
        base = _plan_columns(graph, plan)
        sections = sorted(graph.objects(plan, DPO.hasSection), key=lambda s: _block_rank(graph, s))
        for section in sections:
            block = graph.value(section, DPO.buildingBlock)
            section_cols = {
                "section": _node_text(section),
                "section_label": _text(graph, section, RDFS.label),
                "block": str(block).rsplit("/", 1)[-1]
                if isinstance(block, URIRef) and str(block).startswith(str(DPK))
                else _node_text(block),
            }
            entries = sorted(
                graph.objects(section, DPO.hasEntry), key=lambda e: _entry_rank(graph, e, ctx)
            )
            if not entries:
                rows.append({**base, **section_cols})
            for entry in entries:
                rows.append({**base, **section_cols, **_entry_columns(graph, entry, ctx)})
    return [{column: row.get(column, "") for column in COLUMNS} for row in rows]


def _plan_columns(graph: Graph, plan: Node) -> dict[str, str]:
    language = next(
        (
            lit.language
            for lit in graph.objects(plan, RDFS.label)
            if isinstance(lit, Literal) and lit.language
        ),
        "",
    )
    issued = graph.value(plan, DCTERMS.issued)
    return {
        "plan": _node_text(plan),
        "state": " ".join(sorted(_state_text(s) for s in graph.objects(plan, DPO.submittedBy))),
        "issued": str(issued) if issued is not None else "",
        "responds_to": _node_text(graph.value(plan, DPO.respondsTo)),
        "plan_label": _text(graph, plan, RDFS.label),
        "plan_description": _text(graph, plan, DCTERMS.description),
        "language": language or "en",
    }


def _entry_columns(graph: Graph, entry: Node, ctx: KGContext) -> dict[str, str]:
    practice = graph.value(entry, DPO.practice)
    known = ctx.practices.get(practice) if isinstance(practice, URIRef) else None
    funds = graph.value(entry, DPO.earmarkedFunds)
    cols = {
        "entry": _node_text(entry),
        "entry_label": _text(graph, entry, RDFS.label),
        "practice": known.notation if known else _node_text(practice),
        "title": known.title if known else "",
        "status": "\n".join(sorted(_status_name(s) for s in graph.objects(entry, DPO.status))),
        "implementation_measures": _text(graph, entry, DPO.implementationMeasures),
        "reason": _text(graph, entry, DPO.reason),
        "responsible_authority": _text(graph, entry, DPO.responsibleAuthority),
        "target_date": str(graph.value(entry, DPO.targetDate) or ""),
        "consulted_states": "\n".join(
            sorted(_state_text(s) for s in graph.objects(entry, DPO.consultedState))
        ),
        "indicators": "\n".join(sorted(str(i) for i in graph.objects(entry, DPO.indicator))),
    }
    if funds is not None:
        cols["funds_amount"] = str(graph.value(funds, DPO.amount) or "")
        cols["funds_currency"] = str(graph.value(funds, DPO.currency) or "")
        cols["funds_description"] = _text(graph, funds, DCTERMS.description)
    return cols


def _text(graph: Graph, subject: Node, predicate: URIRef) -> str:
    return "\n".join(sorted(str(v) for v in graph.objects(subject, predicate)))


def _node_text(node: Node | None) -> str:
    if node is None or isinstance(node, BNode):
        return ""
    return str(node)


def _block_rank(graph: Graph, section: Node) -> tuple[int, str]:
    block = graph.value(section, DPO.buildingBlock)
    numeral = str(block).rsplit("/", 1)[-1] if block is not None else ""
    order = ("I", "II", "III", "IV")
    return (order.index(numeral) if numeral in order else 9, str(section))


def _entry_rank(graph: Graph, entry: Node, ctx: KGContext) -> tuple[tuple[int, int], str]:
    practice = graph.value(entry, DPO.practice)
    known = ctx.practices.get(practice) if isinstance(practice, URIRef) else None
    return (known.sort_key() if known else (9, 999), str(entry))


def unmapped_triples(graph: Graph) -> list[tuple[Node, Node, Node]]:
    """Triples of ``graph`` that the spreadsheet form cannot carry (so export can warn)."""
    if not _no_bnodes(graph):
        return []
    from .importer import import_tables, table_from_rows

    back = import_tables({"": table_from_rows(graph_to_rows(graph), list(COLUMNS))}, "<export>")
    return sorted(set(graph) - set(back.graph), key=str)


def _no_bnodes(graph: Graph) -> bool:
    return not any(isinstance(t, BNode) for triple in graph for t in triple)


# --------------------------------------------------------------------------- rows -> graph


def rows_to_graph(rows: Iterable[dict[str, str]], source: str = "<rows>") -> Graph:
    """The RDF plan(s) of spreadsheet rows (dictionaries keyed by :data:`COLUMNS`).

    Raises :class:`InputError` listing every problem (each with its row and cell); use
    :func:`drugpolicy_kg.plans.importer.import_tables` to get the problems as data.
    """
    from .importer import import_tables, table_from_rows

    imported = import_tables({"": table_from_rows(list(rows), list(COLUMNS))}, source)
    problems = [p for p in imported.problems if p.severity == "Violation"]
    if problems:
        first = problems[0].where
        raise InputError(
            "; ".join(f"{p.where.text()}: {p.message}" for p in problems[:20])
            + (f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""),
            source,
            line=first.row,
        )
    return imported.graph


# --------------------------------------------------------------------------- files


def read_rows(path: str | os.PathLike[str]) -> list[dict[str, str]]:
    """The rows of a ``.xlsx`` (the ``Plan`` sheet, else the first) or ``.csv`` file, keyed by
    the header row (checked and bounded by :mod:`.workbook`)."""
    from .importer import _pick, read_file
    from .workbook import read_spreadsheet

    name = os.fspath(path)
    if Path(name).suffix.lower() not in (".csv", ".xlsx", ".xlsm"):
        raise InputError("expected a .xlsx or .csv file", name)
    tables = read_spreadsheet(read_file(name), name)
    table, _submission = _pick(tables, name)
    if not table.rows:
        raise InputError("the spreadsheet is empty", name)
    header = [_cell_text(c.value).strip() for c in table.rows[0]]
    missing = [c for c in ("plan", "practice", "status") if c not in header]
    if missing:
        raise InputError(
            f"missing column(s): {', '.join(missing)} (see docs/validation.md)", name, line=1
        )
    return [
        dict(zip(header, (_cell_text(c.value) for c in row), strict=False))
        for row in table.rows[1:]
    ]


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]  # a date typed into Excel
    return str(value)


def write_rows(
    rows: Sequence[dict[str, str]], path: str | os.PathLike[str], *, neutralise: bool = True
) -> None:
    """Write rows to ``.xlsx`` or ``.csv`` atomically (the header row first).

    Text is never written as a formula: in a workbook every cell is a string cell; in CSV a
    cell starting with ``= + - @ TAB CR`` gets a leading ``'`` (OWASP), which the importer
    removes again, unless ``neutralise`` is False (for machine use).
    """
    name = os.fspath(path)
    suffix = Path(name).suffix.lower()
    if suffix == ".csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(COLUMNS)
        for row in rows:
            cells = [row.get(c, "") for c in COLUMNS]
            writer.writerow([_neutralise(c) for c in cells] if neutralise else cells)
        write_bytes(name, buffer.getvalue().encode("utf-8"))
    elif suffix == ".xlsx":
        write_bytes(name, _xlsx_bytes(rows))
    else:
        raise InputError("expected a .xlsx or .csv file name", name)


def _xlsx_bytes(rows: Sequence[dict[str, str]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Plan"  # as in the template: messages name cells Plan!O7
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    for row in rows:
        # control characters cannot be stored in a workbook: written visibly (\x1b), not lost
        sheet.append(
            [
                ILLEGAL_CHARACTERS_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", row.get(c, ""))
                for c in COLUMNS
            ]
        )
    for line in sheet.iter_rows():
        for cell in line:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, never a formula (=HYPERLINK(...) stays text)
    wrap = Alignment(wrap_text=True, vertical="top")
    for column in ("P", "Q"):
        sheet.column_dimensions[column].width = 60
        for cell in sheet[column][1:]:
            cell.alignment = wrap
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    from .template_xlsx import deterministic_zip

    return deterministic_zip(buffer.getvalue())


def _neutralise(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") and text else text
