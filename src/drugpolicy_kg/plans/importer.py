"""From a filled-in spreadsheet to an RDF plan, reporting every problem at its cell.

The importer reads the template workbook (``plan template -o x.xlsx``: a *Submission* sheet with
the plan's details and a *Plan* sheet with one row per practice), the workbook and CSV files of
``plan export`` (one row per entry, machine column names), and hand-made sheets whose headers use
either form. It never stops at the first problem and never guesses: each problem becomes a
:class:`Problem` naming the sheet and cell (``Plan!D23``) in words a coordinator understands, and
the value is left out of the plan, so that validation does not report the same mistake again.

Dates: real date cells are read as they are. Dates typed as text are read only in forms that
cannot be misread: ``2024-05-30`` (ISO), ``30.05.2024`` (day.month.year), and ``30/05/2024`` or
``30-05-2024`` when the day is above 12 (or equals the month). ``05/06/2024`` could be 5 June or
May 6: it is refused with the cell and the forms to use, never guessed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from ..errors import InputError
from ..validation.context import KGContext, Practice, cached_context
from ..vocab import (
    BLOCK_NUMERALS,
    COUNTRY,
    DCTERMS,
    DPO,
    EXAMPLE_PLANS,
    PREFIXES,
    PROV,
    RDF,
    RDFS,
    STATUSES,
    XSD,
    block_iri,
)
from .spreadsheet import COLUMNS
from .workbook import RawCell, Table, column_letter

#: Sheet names of the template workbook.
PLAN_SHEET = "Plan"
SUBMISSION_SHEET = "Submission"
INSTRUCTIONS_SHEET = "Instructions"

#: Status names as people write them, and as the drop-down offers them.
STATUS_NAMES = {
    "Adopted": DPO.Adopted,
    "Planned": DPO.Planned,
    "Under assessment": DPO.UnderAssessment,
    "Not planned": DPO.NotPlanned,
}
_STATUS_KEYS = {
    **{re.sub(r"[^a-z]", "", name.lower()): iri for name, iri in STATUS_NAMES.items()},
    **{re.sub(r"[^a-z]", "", str(iri).rsplit("#", 1)[-1].lower()): iri for iri in STATUSES},
}

#: Header aliases (normalised: lower case, text before any '(' and punctuation as '_').
_ALIASES = {
    "building_block": "block",
    "practice_number": "practice",
    "best_practice": "practice",
    "number": "practice",
    "short_title": "title",
    "measures": "implementation_measures",
    "how": "implementation_measures",
    "reason_if_not_planned": "reason",
    "reasons": "reason",
    "authority": "responsible_authority",
    "states_consulted": "consulted_states",
    "consulted_state": "consulted_states",
    "text_of_the_practice": "practice_text",
    "practice_text": "practice_text",
    "submitting_state": "state",
    "submission_date": "issued",
    "date_of_submission": "issued",
    "plan_title": "plan_label",
    "title_of_the_plan": "plan_label",
    "description": "plan_description",
    "language_of_the_text": "language",
    "plan_identifier": "plan",
    "decision": "responds_to",
}
#: The columns an entry row may have: those ``plan export`` writes (one list for both).
ENTRY_KEYS = COLUMNS
PLAN_KEYS = (
    "plan",
    "state",
    "issued",
    "responds_to",
    "plan_label",
    "plan_description",
    "language",
    "revises",
    "evaluation_cycle",
)
_IGNORED = ("title", "practice_text")
#: What each column is called in messages.
COLUMN_NAMES = {
    "plan": "plan identifier",
    "state": "submitting state",
    "issued": "submission date",
    "responds_to": "decision answered",
    "plan_label": "plan title",
    "plan_description": "plan description",
    "language": "language",
    "section": "section identifier",
    "section_label": "section title",
    "block": "block",
    "entry": "entry identifier",
    "entry_label": "entry title",
    "practice": "practice",
    "title": "short title",
    "status": "status",
    "implementation_measures": "implementation measures",
    "reason": "reason",
    "responsible_authority": "responsible authority",
    "target_date": "target date",
    "consulted_states": "states consulted",
    "indicators": "indicators",
    "funds_amount": "amount of earmarked funds",
    "funds_currency": "currency of earmarked funds",
    "funds_description": "description of earmarked funds",
    "practice_text": "text of the practice",
    "revises": "plan revised",
    "evaluation_cycle": "evaluation cycle",
}
#: The property each column fills (for locating validation results at cells).
COLUMN_PROPERTY = {
    "state": DPO.submittedBy,
    "issued": DCTERMS.issued,
    "responds_to": DPO.respondsTo,
    "plan_label": RDFS.label,
    "plan_description": DCTERMS.description,
    "revises": PROV.wasRevisionOf,
    "evaluation_cycle": DPO.evaluationCycle,
    "block": DPO.buildingBlock,
    "practice": DPO.practice,
    "status": DPO.status,
    "implementation_measures": DPO.implementationMeasures,
    "reason": DPO.reason,
    "responsible_authority": DPO.responsibleAuthority,
    "target_date": DPO.targetDate,
    "consulted_states": DPO.consultedState,
    "indicators": DPO.indicator,
    "funds_amount": DPO.earmarkedFunds,
    "funds_currency": DPO.earmarkedFunds,
    "funds_description": DPO.earmarkedFunds,
}

_NOTATION = re.compile(r"^(I|II|III|IV)\s*\.\s*(\d{1,3})$")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_SLASHED = re.compile(r"^(\d{1,2})([/-])(\d{1,2})\2(\d{4})$")
_DECIMAL = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")
_IRI_BAD = set(' <>"{}|\\^`')


def normalise_header(text: str) -> str:
    """``'Target date (DD.MM.YYYY)'`` -> ``'target_date'``; aliases resolved."""
    base = text.split("(", 1)[0].strip().lower()
    key = re.sub(r"[^a-z0-9]+", "_", base).strip("_")
    return _ALIASES.get(key, key)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class CellRef:
    """Where a value sits: file, sheet (``None`` for CSV), cell (``D23``) and row."""

    file: str
    sheet: str | None
    cell: str | None
    row: int | None

    def text(self) -> str:
        """``Plan!D23``, or ``row 23 (cell D23)`` for CSV."""
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        if self.cell and self.row:
            return f"row {self.row}, cell {self.cell}"
        if self.row:
            return f"row {self.row}"
        return self.sheet or ""

    def as_json(self) -> dict[str, object]:
        return {"file": self.file, "sheet": self.sheet, "cell": self.cell, "row": self.row}


@dataclass(frozen=True)
class Problem:
    """A problem found while reading a spreadsheet, at its cell."""

    where: CellRef
    message: str
    severity: str = "Violation"
    #: the entry (or plan) the cell belongs to, and the property it fills (IRIs), when known
    node: str | None = None
    path: str | None = None
    value: str | None = None
    practice: str | None = None
    block: str | None = None
    #: how to fix it, in a sentence
    fix: str | None = None

    def __str__(self) -> str:
        return f"{self.where.file}: {self.where.text()}: {self.message}"


@dataclass
class Imported:
    """The plan(s) read from a spreadsheet, its problems, and where each value came from."""

    source: str
    graph: Graph
    problems: list[Problem] = field(default_factory=list)
    #: (node IRI, property IRI or None for the whole row) -> cell
    cells: dict[tuple[str, str | None], CellRef] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(p.severity == "Violation" for p in self.problems)

    def locate(self, node: str | None, path: str | None = None) -> CellRef | None:
        """The cell of ``node``'s value for ``path`` (an IRI, bare or in SHACL's ``<...>``
        form), else the cell of its row."""
        if node is None:
            return None
        if path and path.startswith("<") and path.endswith(">"):
            path = path[1:-1]
        return self.cells.get((node, path)) or self.cells.get((node, None))


# --------------------------------------------------------------------------- values


def parse_date(value: object) -> tuple[dt.date | None, str | None]:
    """A date from a cell, or the reason it is not one (never guessed)."""
    if isinstance(value, dt.datetime):
        return value.date(), None
    if isinstance(value, dt.date):
        return value, None
    if isinstance(value, bool | int | float | Decimal):
        return None, (
            f"{value!r} is a number, not a date: type the date as 30.05.2024 or 2024-05-30, "
            "or format the cell as a date"
        )
    text = str(value).strip()
    forms = "write it as 30.05.2024 (day.month.year) or 2024-05-30 (year-month-day)"
    day = month = year = 0
    if match := _ISO_DATE.match(text):
        year, month, day = (int(g) for g in match.groups())
    elif match := _DOTTED.match(text):
        day, month, year = (int(g) for g in match.groups())
    elif match := _SLASHED.match(text):
        day, sep, month, year = int(match[1]), match[2], int(match[3]), int(match[4])
        if day <= 12 and month <= 12 and day != month:
            return None, (
                f"'{text}' is ambiguous (day {day} of month {month}, or month {day} day "
                f"{month}?): {forms}"
            )
        if month > 12 >= day:
            return (
                None,
                f"'{text}' reads as month{sep}day{sep}year, not day{sep}month{sep}year: {forms}",
            )
    else:
        return None, f"'{text}' is not a date: {forms}"
    try:
        return dt.date(year, month, day), None
    except ValueError:
        return None, f"'{text}' is not a date of the calendar: {forms}"


def parse_status(text: str) -> URIRef | None:
    return _STATUS_KEYS.get(re.sub(r"[^a-z]", "", text.strip().lower().rsplit("#", 1)[-1]))


def status_name(status: Node) -> str:
    for name, iri in STATUS_NAMES.items():
        if iri == status:
            return name
    return str(status)


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def visible(text: str) -> str:
    """Control characters written visibly (``\\x1b``), for messages people read."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _valid_iri(text: str) -> bool:
    return text.startswith(("http://", "https://", "urn:")) and not any(
        c in _IRI_BAD or ord(c) < 32 for c in text
    )


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()[:10]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --------------------------------------------------------------------------- the importer


class _Reader:
    def __init__(self, source: str, ctx: KGContext) -> None:
        self.source = source
        self.ctx = ctx
        self.graph = Graph()
        for prefix, namespace in PREFIXES.items():
            self.graph.bind(prefix, namespace)
        self.imported = Imported(source, self.graph)
        self.by_notation = {p.notation: p for p in ctx.practices.values()}
        self.state_codes = {
            str(s)[len(str(COUNTRY)) :]: s for s in ctx.states if str(s).startswith(str(COUNTRY))
        }

    # -- helpers
    def ref(self, table: Table, cell: RawCell | None, row: int) -> CellRef:
        return CellRef(self.source, table.sheet, cell.ref if cell else None, row)

    def problem(self, where: CellRef, message: str, **kw: str | None) -> None:
        if "fix" not in kw:
            kw["fix"] = _fix_for(message)
        message = visible(message)  # a cell's ESC or CR must not drive the terminal
        self.imported.problems.append(Problem(where, message, **kw))  # type: ignore[arg-type]

    def state(self, text: str, where: CellRef, what: str, node: str, path: URIRef) -> URIRef | None:
        code = text.strip()
        if len(code) == 3 and code.isalpha():
            iri = self.state_codes.get(code.upper())
            if iri is not None:
                return iri
            self.problem(
                where,
                f"{what}: '{code}' is not a state code known to the knowledge graph; use the "
                "three-letter ISO code of an EU Member State, e.g. NLD, BEL, FRA",
                node=node,
                path=str(path),
                value=code,
            )
            return None
        if _valid_iri(code):
            return URIRef(code)
        self.problem(
            where,
            f"{what}: '{code}' is not a state; use three-letter ISO codes such as NLD, BEL, FRA",
            node=node,
            path=str(path),
            value=code,
        )
        return None

    # -- plan details
    def plan_details(
        self, table: Table | None, rows: list[tuple[dict[str, RawCell], int]]
    ) -> dict[str, tuple[RawCell, CellRef]]:
        """The plan's details: the Submission sheet, else the columns of the first row."""
        found: dict[str, tuple[RawCell, CellRef]] = {}
        if table is not None:
            for index, row in enumerate(table.rows, start=1):
                if len(row) < 2:
                    continue
                key = ""
                if len(row) >= 3 and row[2].text.strip() in PLAN_KEYS:
                    key = row[2].text.strip()
                elif row[0].text.strip():
                    key = normalise_header(row[0].text)
                if key in PLAN_KEYS and key not in found:
                    found[key] = (row[1], self.ref(table, row[1], index))
        return found

    def read(self, tables: dict[str, Table]) -> Imported:
        entries, submission = _pick(tables, self.source)
        header_index, keys = _header(entries, self.source)
        columns = {key: pos for pos, key in enumerate(keys) if key}
        for pos, key in enumerate(keys):
            if key is None and pos < len(entries.rows[header_index]):
                raw = entries.rows[header_index][pos]
                if raw.text.strip():
                    self.problem(
                        self.ref(entries, raw, header_index + 1),
                        f"the column '{raw.text.strip()}' is not part of the plan and was ignored",
                        severity="Warning",
                    )
        rows: list[tuple[dict[str, RawCell], int]] = []
        for index in range(header_index + 1, len(entries.rows)):
            raw_row = entries.rows[index]
            cells = {key: raw_row[pos] for key, pos in columns.items() if pos < len(raw_row)}
            rows.append((cells, index + 1))
        details = self.plan_details(submission, rows)
        self.seen: dict[tuple[URIRef, str], int] = {}
        self.sections: dict[tuple[URIRef, str], URIRef] = {}
        self.plans: dict[URIRef, dict[str, str]] = {}
        for cells, number in rows:
            self.row(entries, cells, number, details)
        if not self.plans and not self.imported.problems:
            self.problem(
                CellRef(self.source, entries.sheet, None, None),
                "the sheet lists no practice: fill in one row per practice (column 'Practice')",
            )
        return self.imported

    def formulas(self, cells: dict[str, RawCell]) -> set[str]:
        """The columns of the row whose cell holds a formula (reported by :meth:`formula`)."""
        return {key for key, cell in cells.items() if cell.formula}

    def formula(self, where: CellRef, cell: RawCell, key: str, **tags: str | None) -> None:
        prop = COLUMN_PROPERTY.get(key)
        self.problem(
            where,
            f"{COLUMN_NAMES.get(key, key)}: the cell holds a formula ({cell.text[:60]}); "
            "formulas are not read from plans, type the value itself",
            value=cell.text[:200],
            path=str(prop) if prop is not None and tags.get("node") else None,
            **tags,
        )

    def plan_of(
        self,
        table: Table,
        cells: dict[str, RawCell],
        number: int,
        details: dict[str, tuple[RawCell, CellRef]],
    ) -> URIRef | None:
        def get(key: str) -> tuple[RawCell | None, CellRef]:
            if key in details:
                return details[key]
            cell = cells.get(key)
            return cell, self.ref(table, cell, number)

        plan_cell, plan_where = get("plan")
        state_cell, state_where = get("state")
        plan_text = plan_cell.text.strip() if plan_cell and not plan_cell.formula else ""
        state_text = state_cell.text.strip() if state_cell and not state_cell.formula else ""
        if plan_text:
            if not _valid_iri(plan_text):
                self.problem(
                    plan_where,
                    f"plan identifier: '{plan_text[:80]}' is not a web address (IRI) such as "
                    "https://example.gov/plan-2024; restore the one the template gave",
                    value=plan_text[:200],
                )
                return None
            plan = URIRef(plan_text)
        elif state_text and len(state_text) == 3 and state_text.isalpha():
            plan = EXAMPLE_PLANS[f"{state_text.lower()}-plan"]
        else:
            if not state_text and not getattr(self, "_no_plan", False):
                self._no_plan = True
                self.problem(
                    state_where,
                    "submitting state: empty; give the three-letter ISO code of your state "
                    "(e.g. NLD)",
                    path=str(DPO.submittedBy),
                )
            return None
        if plan in self.plans:
            return plan
        values: dict[str, str] = {}
        self.plans[plan] = values
        node = str(plan)
        self.imported.cells[(node, None)] = plan_where
        self.graph.add((plan, RDF.type, DPO.ActionPlan))
        language = "en"
        lang_cell, lang_where = get("language")
        if lang_cell is not None and lang_cell.text.strip() and not lang_cell.formula:
            if _LANGUAGE.match(lang_cell.text.strip()):
                language = lang_cell.text.strip().lower()
            else:
                self.problem(
                    lang_where,
                    f"language: '{lang_cell.text.strip()[:40]}' is not a language code; write "
                    "a code such as en, nl, fr or de",
                    value=lang_cell.text.strip()[:80],
                )
        values["language"] = language
        for key in PLAN_KEYS:
            cell, where = get(key)
            if key in COLUMN_PROPERTY:
                self.imported.cells[(node, str(COLUMN_PROPERTY[key]))] = where
            if cell is None or cell.formula or key in ("plan", "language"):
                if cell is not None and cell.formula and key in details:
                    self.formula_detail(cell, where, key)
                continue
            text = _cell_text(cell.value).strip()
            if key == "state":  # an empty state is the validation's "exactly one state"
                for code in re.split(r"[\s,;]+", text):
                    if code and (
                        state := self.state(code, where, "submitting state", node, DPO.submittedBy)
                    ):
                        self.graph.add((plan, DPO.submittedBy, state))
            elif key == "issued" and text:
                day, error = parse_date(cell.value)
                if error:
                    self.problem(
                        where,
                        f"submission date: {error}",
                        node=node,
                        path=str(DCTERMS.issued),
                        value=text,
                    )
                elif day is not None:
                    self.graph.add(
                        (plan, DCTERMS.issued, Literal(day.isoformat(), datatype=XSD.date))
                    )
            elif key == "responds_to" and text:
                if _valid_iri(text):
                    self.graph.add((plan, DPO.respondsTo, URIRef(text)))
                else:
                    self.problem(
                        where,
                        f"decision answered: '{text[:80]}' is not a web address (IRI)",
                        node=node,
                    )
            elif key == "plan_label":
                for label in _lines(text):
                    self.graph.add((plan, RDFS.label, Literal(label, lang=language)))
            elif key == "plan_description" and text:
                self.graph.add((plan, DCTERMS.description, Literal(text, lang=language)))
            elif key == "revises" and text:  # revisions over time (Recital 13)
                for revised in text.split():
                    if _valid_iri(revised):
                        self.graph.add((plan, PROV.wasRevisionOf, URIRef(revised)))
                    else:
                        self.problem(
                            where,
                            f"plan revised: '{revised[:80]}' is not a web address (IRI) of "
                            "the earlier plan",
                            node=node,
                        )
            elif key == "evaluation_cycle" and text:
                year = text.removesuffix(".0")
                if re.fullmatch(r"[12][0-9]{3}", year):
                    self.graph.add((plan, DPO.evaluationCycle, Literal(year, datatype=XSD.gYear)))
                else:
                    self.problem(
                        where,
                        f"evaluation cycle: '{text[:40]}' is not a year; write it as 2025",
                        node=node,
                    )
        return plan

    def formula_detail(self, cell: RawCell, where: CellRef, key: str) -> None:
        self.problem(
            where,
            f"{COLUMN_NAMES.get(key, key)}: the cell holds a formula ({cell.text[:60]}); formulas "
            "are not read from plans, type the value itself",
            value=cell.text[:200],
        )

    def row(
        self,
        table: Table,
        cells: dict[str, RawCell],
        number: int,
        details: dict[str, tuple[RawCell, CellRef]],
    ) -> None:
        editable = [k for k in cells if k not in _IGNORED and k not in PLAN_KEYS]
        if not any(cells[k].text.strip() for k in editable) and not any(
            cells[k].text.strip() for k in PLAN_KEYS if k in cells
        ):
            return  # an empty row
        bad = self.formulas(cells)

        def text(key: str) -> str:
            cell = cells.get(key)
            return "" if cell is None or key in bad else _cell_text(cell.value).strip()

        def where(key: str) -> CellRef:
            return self.ref(table, cells.get(key), number)

        plan = self.plan_of(table, cells, number, details)
        notation_text = text("practice")
        practice: Practice | None = None
        if "practice" in bad:
            pass
        elif not notation_text:
            if any(text(k) for k in ("status", "implementation_measures", "reason")):
                self.problem(
                    where("practice"),
                    "practice: empty; give the practice's number as the Decision writes it, "
                    "e.g. III.9",
                )
        else:
            practice = self.practice(notation_text, where("practice"))
        block_text = text("block").upper()
        if not notation_text and plan is not None and block_text in BLOCK_NUMERALS:
            self.section(plan, block_text, text("section"), text("section_label"))
        node = None
        if practice is not None and plan is not None:
            seen_key = (plan, practice.notation)
            if seen_key in self.seen:
                self.problem(
                    where("practice"),
                    f"practice {practice.notation} is already answered in row "
                    f"{self.seen[seen_key]}; "
                    "give each practice one row (merge the two rows)",
                    practice=practice.notation,
                    block=_numeral(practice.block),
                    value=practice.notation,
                )
                practice = None
            else:
                self.seen[seen_key] = number
        numeral = _numeral(practice.block) if practice is not None else None
        entry: URIRef | None = None
        if practice is not None and plan is not None and numeral is not None:
            entry_text = text("entry")
            entry = (
                URIRef(entry_text)
                if entry_text and _valid_iri(entry_text)
                else URIRef(f"{plan}/entry-{practice.notation}")
            )
            node = str(entry)
            section = self.section(plan, numeral, text("section"), text("section_label"))
            self.graph.add((section, DPO.hasEntry, entry))
            self.graph.add((entry, RDF.type, DPO.ActionPlanEntry))
            self.graph.add((entry, DPO.practice, practice.iri))
            self.imported.cells[(node, None)] = where("practice")
            for key, prop in COLUMN_PROPERTY.items():
                if key in cells and key not in PLAN_KEYS:
                    self.imported.cells[(node, str(prop))] = where(key)
        if block_text and "block" not in bad:
            if block_text not in BLOCK_NUMERALS and not _valid_iri(text("block")):
                self.problem(
                    where("block"),
                    f"block: '{text('block')[:40]}' is not a building block; write I, II, III or IV",
                    value=text("block")[:80],
                )
            elif practice is not None and block_text != numeral and block_text in BLOCK_NUMERALS:
                self.problem(
                    where("block"),
                    f"block: practice {practice.notation} belongs to block {numeral}, not "
                    f"{block_text}; set the block to {numeral} (or correct the practice number)",
                    practice=practice.notation,
                    block=numeral,
                    value=block_text,
                    node=node,
                )
        lang = self.plans.get(plan, {}).get("language", "en") if plan is not None else "en"
        tags = {
            "practice": practice.notation if practice else None,
            "block": numeral,
            "node": node,
        }
        for key in sorted(bad, key=lambda k: cells[k].ref):
            if key not in PLAN_KEYS or key not in details:
                self.formula(where(key), cells[key], key, **tags)
        self.status(entry, text("status"), where("status"), "status" in bad, tags)
        for key, prop in (
            ("implementation_measures", DPO.implementationMeasures),
            ("reason", DPO.reason),
            ("responsible_authority", DPO.responsibleAuthority),
        ):
            if entry is not None and text(key):
                self.graph.add((entry, prop, Literal(text(key), lang=lang)))
        for label in _lines(text("entry_label")):
            if entry is not None:
                self.graph.add((entry, RDFS.label, Literal(label, lang=lang)))
        cell = cells.get("target_date")
        if cell is not None and "target_date" not in bad and text("target_date"):
            day, error = parse_date(cell.value)
            if error:
                self.problem(
                    where("target_date"),
                    f"target date: {error}",
                    path=str(DPO.targetDate),
                    value=text("target_date")[:80],
                    **tags,
                )
            elif entry is not None and day is not None:
                self.graph.add((entry, DPO.targetDate, Literal(day.isoformat(), datatype=XSD.date)))
        for code in re.split(r"[\s,;]+", text("consulted_states")):
            if code:
                state = self.state(
                    code,
                    where("consulted_states"),
                    "states consulted",
                    node or "",
                    DPO.consultedState,
                )
                if state is not None and entry is not None:
                    self.graph.add((entry, DPO.consultedState, state))
        for indicator in _lines(text("indicators")):
            if entry is not None:
                self.graph.add((entry, DPO.indicator, Literal(indicator, lang=lang)))
        self.funds(entry, cells, text, where, lang, tags)

    def practice(self, text: str, where: CellRef) -> Practice | None:
        match = _NOTATION.match(text.strip().upper())
        if match:
            notation = f"{match[1]}.{int(match[2])}"
            found = self.by_notation.get(notation)
            if found is not None:
                return found
            count = sum(1 for p in self.by_notation if p.startswith(match[1] + "."))
            self.problem(
                where,
                f"practice: '{text}' is not a practice of Decision 7301/24; block {match[1]} has "
                f"practices {match[1]}.1 to {match[1]}.{count}",
                value=text[:80],
            )
            return None
        if _valid_iri(text):
            iri = URIRef(text)
            if iri in self.ctx.practices:
                return self.ctx.practices[iri]
        self.problem(
            where,
            f"practice: '{text[:60]}' is not a practice number; write it as the Decision does, "
            "e.g. I.1, II.4, III.9 or IV.21",
            value=text[:80],
        )
        return None

    def section(self, plan: URIRef, numeral: str, given: str, label: str) -> URIRef:
        key = (plan, numeral)
        if key not in self.sections:
            section = (
                URIRef(given)
                if given and _valid_iri(given)
                else URIRef(f"{plan}/section-{numeral}")
            )
            self.sections[key] = section
            self.graph.add((plan, DPO.hasSection, section))
            self.graph.add((section, RDF.type, DPO.ActionPlanSection))
            self.graph.add((section, DPO.buildingBlock, block_iri(numeral)))
            lang = self.plans.get(plan, {}).get("language", "en")
            for line in _lines(label):
                self.graph.add((section, RDFS.label, Literal(line, lang=lang)))
        return self.sections[key]

    def status(
        self,
        entry: URIRef | None,
        text: str,
        where: CellRef,
        formula: bool,
        tags: dict[str, str | None],
    ) -> None:
        if formula:
            return
        names = "Adopted, Planned, Under assessment or Not planned"
        if not text:
            if entry is not None:
                self.problem(
                    where,
                    f"status: empty; choose {names} from the list",
                    path=str(DPO.status),
                    **tags,
                )
            return
        for line in _lines(text):
            status = parse_status(line)
            if status is None:
                self.problem(
                    where,
                    f"status: '{line[:60]}' is not a status; choose {names} from the list",
                    path=str(DPO.status),
                    value=line[:80],
                    **tags,
                )
            elif entry is not None:
                self.graph.add((entry, DPO.status, status))

    def funds(
        self,
        entry: URIRef | None,
        cells: dict[str, RawCell],
        text: Callable[[str], str],
        where: Callable[[str], CellRef],
        lang: str,
        tags: dict[str, str | None],
    ) -> None:
        amount, currency, description = (
            text("funds_amount"),
            text("funds_currency"),
            text("funds_description"),
        )
        if not (amount or currency or description):
            return
        decimal = None
        if amount:
            cleaned = amount.replace("\u00a0", "").strip()
            if _DECIMAL.match(cleaned):
                try:
                    decimal = Decimal(cleaned)
                except InvalidOperation:
                    decimal = None
            if decimal is None:
                self.problem(
                    where("funds_amount"),
                    f"amount of earmarked funds: '{amount[:40]}' is not a number; write it "
                    "with digits and a decimal point only, e.g. 250000 or 250000.50",
                    value=amount[:80],
                    path=str(DPO.amount),
                    **tags,
                )
        if entry is None:
            return
        funds = BNode()
        self.graph.add((entry, DPO.earmarkedFunds, funds))
        self.graph.add((funds, RDF.type, DPO.FundAllocation))
        if decimal is not None:
            self.graph.add((funds, DPO.amount, Literal(amount.strip(), datatype=XSD.decimal)))
        if currency:
            self.graph.add((funds, DPO.currency, Literal(currency)))
        if description:
            self.graph.add((funds, DCTERMS.description, Literal(description, lang=lang)))


#: How to fix a problem, by the column its message starts with.
_FIXES = {
    "practice": "Use the practice's number as the Decision writes it (I.1 to IV.21), one row "
    "per practice.",
    "status": "Pick the status from the drop-down list.",
    "block": "Set the block to the numeral the practice number starts with (III for III.9).",
    "target date": "Type the date as 30.05.2025 (day.month.year) or 2025-05-30, or pick it in "
    "the date cell.",
    "submission date": "Type the date as 30.05.2024 (day.month.year) or 2024-05-30.",
    "states consulted": "Use three-letter ISO codes of Member States, e.g. NLD, BEL, FRA.",
    "submitting state": "Use the three-letter ISO code of your state, e.g. NLD.",
    "amount of earmarked funds": "Write the amount with digits and a decimal point only.",
    "language": "Use a language code such as en, nl, fr or de.",
    "plan identifier": "Restore the plan identifier the template gave (the hidden row 8 of the "
    "Submission sheet).",
}


def _fix_for(message: str) -> str | None:
    if "holds a formula" in message:
        return "Replace the formula by the value itself."
    if "is already answered in row" in message:
        return "Merge the two rows into one and delete the other."
    return _FIXES.get(message.split(":", 1)[0].strip())


def _numeral(block: URIRef) -> str:
    return str(block).rsplit("/", 1)[-1]


def _pick(tables: dict[str, Table], source: str) -> tuple[Table, Table | None]:
    """The sheet of entries (``Plan``, else the first that is not the instructions)."""
    if not tables:
        raise InputError("the spreadsheet has no sheet", source)
    submission = tables.get(SUBMISSION_SHEET)
    if PLAN_SHEET in tables:
        return tables[PLAN_SHEET], submission
    for name, table in tables.items():
        if name not in (INSTRUCTIONS_SHEET, SUBMISSION_SHEET, "Lists"):
            return table, submission
    raise InputError(f"no sheet named '{PLAN_SHEET}' with the practices", source)


def _header(table: Table, source: str) -> tuple[int, list[str | None]]:
    """The header row (within the first five rows) and the key of each column."""
    for index, row in enumerate(table.rows[:5]):
        keys: list[str | None] = []
        for cell in row:
            name = normalise_header(cell.text) if isinstance(cell.value, str) else ""
            keys.append(name if name in ENTRY_KEYS or name == "practice_text" else None)
        if "practice" in keys:
            seen: set[str] = set()
            unique: list[str | None] = []
            for found in keys:
                unique.append(found if found and found not in seen else None)
                if found:
                    seen.add(found)
            return index, unique
    where = f"sheet '{table.sheet}'" if table.sheet else "the file"
    raise InputError(
        f"not a plan spreadsheet: no 'Practice' column in the first rows of {where} (start "
        "from `drugpolicy-kg plan template -o plan.xlsx`)",
        source,
        line=1,
    )


def import_tables(
    tables: dict[str, Table], source: str, context: KGContext | None = None
) -> Imported:
    """Read spreadsheet tables into a plan graph, collecting every problem with its cell."""
    return _Reader(source, context or cached_context()).read(tables)


def import_spreadsheet(
    data: bytes, name: str, context: KGContext | None = None, *, kind: str | None = None
) -> Imported:
    """Read a ``.xlsx`` or ``.csv`` spreadsheet (its bytes) into a plan; see :class:`Imported`.

    Raises :class:`InputError` (exit 2) only when the file cannot be read as a plan spreadsheet
    at all; every problem in its cells is a :class:`Problem` instead.
    """
    from .workbook import read_spreadsheet

    return import_tables(read_spreadsheet(data, name, kind), name, context)


def read_file(path: str, limit: int | None = None) -> bytes:
    """A spreadsheet's bytes: a regular file, checked in size before it is read."""
    import os
    import stat

    from .workbook import MAX_BYTES

    limit = limit or MAX_BYTES
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise InputError("is a directory, not a spreadsheet", path)
        if not stat.S_ISREG(info.st_mode):
            raise InputError("not a regular file (a device, pipe or socket)", path)
        if info.st_size > limit:
            raise InputError(f"file too large ({info.st_size:,} bytes; limit {limit:,})", path)
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path) from None
    if len(data) > limit:
        raise InputError(f"file too large (limit {limit:,} bytes)", path)
    return data


def entry_keys_of(table: Table) -> list[str | None]:
    """The column keys of a table's header (for tests and tools)."""
    return _header(table, "<table>")[1]


def table_from_rows(rows: list[dict[str, str]], header: list[str] | None = None) -> Table:
    """A table (CSV-like, no sheet) from dictionaries, the header first."""
    keys = header or list(ENTRY_KEYS)
    table = Table(None)
    table.rows.append([RawCell(k, f"{column_letter(i)}1") for i, k in enumerate(keys, start=1)])
    for number, row in enumerate(rows, start=2):
        table.rows.append(
            [
                RawCell(row.get(k, "") or "", f"{column_letter(i)}{number}")
                for i, k in enumerate(keys, start=1)
            ]
        )
    return table


__all__ = [
    "COLUMN_NAMES",
    "ENTRY_KEYS",
    "PLAN_SHEET",
    "STATUS_NAMES",
    "SUBMISSION_SHEET",
    "CellRef",
    "Imported",
    "Problem",
    "import_spreadsheet",
    "import_tables",
    "normalise_header",
    "parse_date",
    "parse_status",
    "read_file",
    "table_from_rows",
]
