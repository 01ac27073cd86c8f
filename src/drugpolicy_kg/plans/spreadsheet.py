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
    PREFIXES,
    PROV,
    RDF,
    RDFS,
    STATUSES,
    XSD,
    block_iri,
    country_iri,
    practice_iri,
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
    "revises",
    "evaluation_cycle",
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
        "revises": " ".join(sorted(_node_text(r) for r in graph.objects(plan, PROV.wasRevisionOf))),
        "evaluation_cycle": _text(graph, plan, DPO.evaluationCycle),
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
    return (
        sorted(set(graph) - set(rows_to_graph(graph_to_rows(graph))), key=str)
        if _no_bnodes(graph)
        else []
    )


def _no_bnodes(graph: Graph) -> bool:
    return not any(isinstance(t, BNode) for triple in graph for t in triple)


# --------------------------------------------------------------------------- rows -> graph


def rows_to_graph(rows: Iterable[dict[str, str]], source: str = "<rows>") -> Graph:
    """The RDF plan(s) of spreadsheet rows; :class:`InputError` names the row of any problem."""
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    seen_plans: dict[URIRef, dict[str, str]] = {}
    for number, raw in enumerate(rows, start=2):  # row 1 is the header
        row = {k: (raw.get(k) or "").strip() for k in COLUMNS}
        where = f"{source}:{number}"
        if not any(row.values()):
            continue
        if not row["plan"]:
            raise InputError(
                "the 'plan' column is empty (give the plan's IRI)", source, line=number
            )
        plan = _iri(row["plan"], where)
        lang = row["language"] or "en"
        plan_cols = {
            k: row[k]
            for k in (
                "state",
                "issued",
                "responds_to",
                "plan_label",
                "plan_description",
                "language",
                "revises",
                "evaluation_cycle",
            )
        }
        if plan not in seen_plans:
            seen_plans[plan] = plan_cols
            _add_plan(graph, plan, plan_cols, lang, where)
        elif any(v and v != seen_plans[plan][k] for k, v in plan_cols.items()):
            raise InputError(
                f"plan columns differ from the first row of plan {plan}", source, line=number
            )
        if not row["block"] and not row["section"]:
            numeral = row["practice"].partition(".")[0]
            if not row["practice"]:
                continue  # a plan-only row
            if numeral not in ("I", "II", "III", "IV"):
                raise InputError(
                    f"no block for practice {row['practice']!r}: fill in the 'block' column",
                    source,
                    line=number,
                )
            row["block"] = numeral
        section = (
            _iri(row["section"], where)
            if row["section"]
            else URIRef(f"{plan}/section-{row['block']}")
        )
        graph.add((plan, DPO.hasSection, section))
        graph.add((section, RDF.type, DPO.ActionPlanSection))
        if row["block"]:
            block = (
                block_iri(row["block"])
                if row["block"] in ("I", "II", "III", "IV")
                else _iri(row["block"], where)
            )
            graph.add((section, DPO.buildingBlock, block))
        for label in _lines(row["section_label"]):
            graph.add((section, RDFS.label, Literal(label, lang=lang)))
        if row["practice"] or row["entry"]:
            _add_entry(graph, plan, section, row, lang, where)
    return graph


def _add_plan(graph: Graph, plan: URIRef, cols: dict[str, str], lang: str, where: str) -> None:
    graph.add((plan, RDF.type, DPO.ActionPlan))
    for state in cols["state"].split():
        graph.add((plan, DPO.submittedBy, _state(state, where)))
    if cols["issued"]:
        graph.add((plan, DCTERMS.issued, Literal(cols["issued"], datatype=XSD.date)))
    if cols["responds_to"]:
        graph.add((plan, DPO.respondsTo, _iri(cols["responds_to"], where)))
    for label in _lines(cols["plan_label"]):
        graph.add((plan, RDFS.label, Literal(label, lang=lang)))
    if cols["plan_description"]:
        graph.add((plan, DCTERMS.description, Literal(cols["plan_description"], lang=lang)))
    for revised in cols["revises"].split():  # issue #17: revisions over time (Recital 13)
        graph.add((plan, PROV.wasRevisionOf, _iri(revised, where)))
    if cols["evaluation_cycle"]:
        graph.add(
            (plan, DPO.evaluationCycle, Literal(cols["evaluation_cycle"], datatype=XSD.gYear))
        )


def _add_entry(
    graph: Graph, plan: URIRef, section: URIRef, row: dict[str, str], lang: str, where: str
) -> None:
    notation = row["practice"]
    entry = _iri(row["entry"], where) if row["entry"] else URIRef(f"{plan}/entry-{notation}")
    graph.add((section, DPO.hasEntry, entry))
    graph.add((entry, RDF.type, DPO.ActionPlanEntry))
    if notation:
        practice = _iri(notation, where) if "://" in notation else practice_iri(notation)
        graph.add((entry, DPO.practice, practice))
    for label in _lines(row["entry_label"]):
        graph.add((entry, RDFS.label, Literal(label, lang=lang)))
    for status in _lines(row["status"]):
        graph.add((entry, DPO.status, _status_from(status, where)))
    for column, prop in (
        ("implementation_measures", DPO.implementationMeasures),
        ("reason", DPO.reason),
        ("responsible_authority", DPO.responsibleAuthority),
    ):
        if row[column]:
            graph.add((entry, prop, Literal(row[column], lang=lang)))
    if row["target_date"]:
        graph.add((entry, DPO.targetDate, Literal(row["target_date"], datatype=XSD.date)))
    for state in row["consulted_states"].replace(",", " ").split():
        graph.add((entry, DPO.consultedState, _state(state, where)))
    for indicator in _lines(row["indicators"]):
        graph.add((entry, DPO.indicator, Literal(indicator, lang=lang)))
    if row["funds_amount"] or row["funds_currency"] or row["funds_description"]:
        funds = BNode()
        graph.add((entry, DPO.earmarkedFunds, funds))
        graph.add((funds, RDF.type, DPO.FundAllocation))
        if row["funds_amount"]:
            graph.add((funds, DPO.amount, Literal(row["funds_amount"], datatype=XSD.decimal)))
        if row["funds_currency"]:
            graph.add((funds, DPO.currency, Literal(row["funds_currency"])))
        if row["funds_description"]:
            graph.add((funds, DCTERMS.description, Literal(row["funds_description"], lang=lang)))


# --------------------------------------------------------------------------- files


def read_rows(path: str | os.PathLike[str]) -> list[dict[str, str]]:
    """The rows of a ``.xlsx`` (first sheet) or ``.csv`` file, keyed by the header row."""
    name = os.fspath(path)
    try:
        size = os.path.getsize(name)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", name) from None
    if size > MAX_BYTES:
        raise InputError(f"file too large ({size} bytes; limit {MAX_BYTES})", name)
    suffix = Path(name).suffix.lower()
    if suffix == ".csv":
        table = _csv_table(name)
    elif suffix in (".xlsx", ".xlsm"):
        table = _xlsx_table(name)
    else:
        raise InputError("expected a .xlsx or .csv file", name)
    if not table:
        raise InputError("the spreadsheet is empty", name)
    header = [h.strip() for h in table[0]]
    missing = [c for c in ("plan", "practice", "status") if c not in header]
    if missing:
        raise InputError(
            f"missing column(s): {', '.join(missing)} (see docs/validation.md)", name, line=1
        )
    if len(table) > MAX_ROWS:
        raise InputError(f"too many rows ({len(table)}; limit {MAX_ROWS})", name)
    return [dict(zip(header, (cell or "" for cell in row), strict=False)) for row in table[1:]]


def _csv_table(name: str) -> list[list[str]]:
    try:
        with open(name, encoding="utf-8-sig", newline="") as fh:
            return [row for row in csv.reader(fh)]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"not a UTF-8 CSV file ({exc})", name) from None


def _xlsx_table(name: str) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(name, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise InputError(f"not a readable .xlsx file ({type(exc).__name__})", name) from None
    try:
        sheet = book.worksheets[0]
        table = []
        for row in sheet.iter_rows(values_only=True):
            table.append([_cell_text(v) for v in row])
            if len(table) > MAX_ROWS + 1:
                break
        return table
    finally:
        book.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]  # a date typed into Excel
    return str(value)


def write_rows(rows: Sequence[dict[str, str]], path: str | os.PathLike[str]) -> None:
    """Write rows to ``.xlsx`` or ``.csv`` atomically (the header row first)."""
    name = os.fspath(path)
    suffix = Path(name).suffix.lower()
    if suffix == ".csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows([[row.get(c, "") for c in COLUMNS] for row in rows])
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
    sheet.title = "action plan"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([row.get(c, "") for c in COLUMNS])
    wrap = Alignment(wrap_text=True, vertical="top")
    for column in ("P", "Q"):
        sheet.column_dimensions[column].width = 60
        for cell in sheet[column][1:]:
            cell.alignment = wrap
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
