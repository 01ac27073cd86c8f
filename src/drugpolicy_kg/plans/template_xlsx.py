"""The Excel template a national coordinator fills in (``plan template -o plan.xlsx``).

Three sheets:

- **Instructions**: Recital 12 quoted verbatim from the Decision's text, then what to write in
  each column, the four statuses and the date forms;
- **Submission**: the plan's details (state, submission date, title, language), one per row;
  the plan's identifier and the decision it answers sit in hidden rows, filled in already;
- **Plan**: one row per practice in the Decision's order (practice number and short title
  first, then the columns to fill in: status, measures, reason, responsible authority, target
  date, states consulted, indicators; then the block and the practice's text). The status is a
  drop-down over the four statuses, target dates are date cells with a date check, states
  consulted offer the 27 addressees. The entry identifiers the import may use are in a hidden
  column; the import never needs them (it derives them from the plan and the practice number).

Every text cell is written as a string, never as a formula. The file is deterministic: fixed
document dates and zip timestamps, so the same arguments give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from functools import lru_cache
from typing import Any

from rdflib import URIRef

from ..errors import InputError
from ..resources import read_text
from ..validation.context import KGContext, cached_context
from ..vocab import COUNTRY, DCTERMS, DECISION, country_iri
from .importer import INSTRUCTIONS_SHEET, PLAN_SHEET, STATUS_NAMES, SUBMISSION_SHEET
from .template import plan_iri

DATE_FORMAT = "DD.MM.YYYY"
#: (key, header, width, hidden) of the Plan sheet, left to right.
PLAN_COLUMNS: tuple[tuple[str, str, int, bool], ...] = (
    ("practice", "Practice", 9, False),
    ("title", "Short title", 40, False),
    ("status", "Status", 18, False),
    ("implementation_measures", "Implementation measures (how)", 60, False),
    ("reason", "Reason (if Not planned)", 40, False),
    ("responsible_authority", "Responsible authority", 28, False),
    ("target_date", "Target date (DD.MM.YYYY)", 14, False),
    ("consulted_states", "States consulted (ISO codes)", 20, False),
    ("indicators", "Indicators (one per line)", 30, False),
    ("block", "Block", 7, False),
    ("practice_text", "Text of the practice (Decision 7301/24)", 90, False),
    ("entry", "entry", 20, True),
)
#: (key, label) of the Submission sheet, from row 2; the last two rows are hidden.
SUBMISSION_ROWS = (
    ("state", "Submitting state (ISO code, e.g. NLD)"),
    ("issued", "Submission date (DD.MM.YYYY)"),
    ("plan_label", "Plan title"),
    ("plan_description", "Description (optional)"),
    ("language", "Language of the text (e.g. en, nl, fr)"),
    ("responds_to", "Decision answered (filled in; leave as is)"),
    ("plan", "Plan identifier (filled in; leave as is)"),
)
#: Extra empty rows with drop-downs below the 44 practices (e.g. to split an answer).
SPARE_ROWS = 20


@lru_cache(maxsize=1)
def recital_12() -> str:
    """Recital 12, verbatim from the Decision's text (assets/sources/council-7301-24.txt)."""
    text = read_text("sources", "council-7301-24.txt")
    for line in text.splitlines():
        if line.startswith("- (12) "):
            return line[len("- (12) ") :].strip()
    raise InputError("the Decision's text lacks Recital 12 (package data damaged)")


@lru_cache(maxsize=1)
def practice_texts() -> dict[str, str]:
    """Notation -> the practice's text as the Decision words it (from the KG)."""
    from rdflib import Literal

    from ..kg import cached_kg

    kg = cached_kg()
    out: dict[str, str] = {}
    for practice in cached_context().practices.values():
        value = kg.value(practice.iri, DCTERMS.description)
        if isinstance(value, Literal):
            out[practice.notation] = str(value)
    return out


def _put(sheet: Any, ref: str, value: object) -> Any:
    """Set a cell; a string stays a string even if it starts with '=' (never a formula)."""
    cell = sheet[ref]
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def template_workbook(
    state: str,
    *,
    issued: dt.date | None = None,
    iri: str | None = None,
    context: KGContext | None = None,
) -> bytes:
    """The template workbook of ``state`` (ISO 3166 alpha-3, one of the 27 addressees)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    ctx = context or cached_context()
    country = country_iri(state)
    if country not in ctx.addressees:
        raise InputError(
            f"{state!r} is not one of the 27 addressees of Decision 7301/24 (e.g. NLD, BEL, FRA)"
        )
    issued = issued or dt.date.today()
    plan = URIRef(iri) if iri else plan_iri(state, issued.year)
    name = ctx.states.get(country, state.upper())
    codes = sorted(str(s)[len(str(COUNTRY)) :] for s in ctx.addressees)
    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDE6F0")
    given_fill = PatternFill("solid", fgColor="F2F2F2")
    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")

    book = Workbook()
    fixed = dt.datetime(issued.year, issued.month, issued.day)
    book.properties.created = fixed
    book.properties.modified = fixed
    book.properties.creator = "drugpolicy-kg"
    book.properties.title = f"Action plan of {name} on Decision 7301/24"

    # ---- Instructions
    info = book.active
    assert info is not None
    info.title = INSTRUCTIONS_SHEET
    info.column_dimensions["A"].width = 32
    info.column_dimensions["B"].width = 100
    lines: list[tuple[str, str]] = [
        ("Action plan on Council Implementing Decision 7301/24", ""),
        (f"State: {name} ({state.upper()})", ""),
        ("", ""),
        ("Recital 12 of the Decision", recital_12()),
        ("", ""),
        (
            "How to fill in",
            "1. On the sheet 'Submission', check the state, the submission date "
            "and the title.\n2. On the sheet 'Plan', give every practice a status (drop-down) and, "
            "for Adopted and Planned, explain how it is or will be implemented.\n3. Check the file: "
            "drugpolicy-kg validate this-file.xlsx (every problem is reported with its cell).",
        ),
        ("", ""),
        ("Column", "What to write"),
    ]
    explanations = {
        "practice": "The practice's number as the Decision writes it (I.1 ... IV.21). Given; "
        "keep one row per practice.",
        "title": "A short title of the practice. Given, for reading only.",
        "status": "Required. One of: Adopted (already in place), Planned (you intend to adopt "
        "it), Under assessment (you are considering it), Not planned (you do not intend to "
        "implement it).",
        "implementation_measures": "Required for Adopted and Planned: how you implemented or "
        "intend to implement the practice in your national legal and operational frameworks "
        "(Recital 12).",
        "reason": "For Not planned: the reasons which do not allow you to implement the "
        "practice (Recital 12 invites you to outline them).",
        "responsible_authority": "Optional: the authority in charge.",
        "target_date": "Optional: when the practice should be in place. A date: 30.05.2025 "
        "(day.month.year) or 2025-05-30. Dates such as 05/06/2025, which could be read two "
        "ways, are refused, never guessed.",
        "consulted_states": "Optional: Member States consulted that already implemented the "
        "practice (Recital 12), as ISO codes (NLD, BEL, ...), separated by commas.",
        "indicators": "Optional: how progress will be measured, one indicator per line.",
        "block": "The building block of the practice (I to IV). Given; it must match the "
        "practice number.",
        "practice_text": "The practice as the Decision words it. Given, for reading only.",
    }
    for key, header, _width, hidden in PLAN_COLUMNS:
        if not hidden:
            lines.append((header, explanations[key]))
    lines += [
        ("", ""),
        ("Statuses", "Adopted, Planned, Under assessment, Not planned."),
        ("Dates", "Type dates as 30.05.2024 or 2024-05-30, or pick them in a date cell."),
        ("Formulas", "Formulas are not read: type values, not formulas."),
    ]
    for row, (label, text) in enumerate(lines, start=1):
        a = _put(info, f"A{row}", label) if label else info[f"A{row}"]
        a.alignment = top
        if text:
            b = _put(info, f"B{row}", text)
            b.alignment = wrap
        if row in (1, 4, 6, 8) or label in ("Statuses", "Dates", "Formulas"):
            a.font = bold
    info["A1"].font = Font(bold=True, size=14)
    info.row_dimensions[4].height = 150
    info.row_dimensions[6].height = 60

    # ---- Submission
    sub = book.create_sheet(SUBMISSION_SHEET)
    sub.column_dimensions["A"].width = 44
    sub.column_dimensions["B"].width = 70
    sub.column_dimensions["C"].hidden = True
    for ref, text in (("A1", "Field"), ("B1", "Value"), ("C1", "key")):
        cell = _put(sub, ref, text)
        cell.font = bold
        cell.fill = header_fill
    values: dict[str, object] = {
        "state": state.upper(),
        "issued": issued,
        "plan_label": f"Action plan of {name} on Decision 7301/24",
        "plan_description": "",
        "language": "en",
        "responds_to": str(DECISION),
        "plan": str(plan),
    }
    for row, (key, label) in enumerate(SUBMISSION_ROWS, start=2):
        _put(sub, f"A{row}", label).font = bold
        value = values[key]
        cell = _put(sub, f"B{row}", value) if value != "" else sub[f"B{row}"]
        if key == "issued":
            cell.number_format = DATE_FORMAT
            cell.alignment = Alignment(horizontal="left")
        _put(sub, f"C{row}", key)
        if key in ("responds_to", "plan"):
            sub.row_dimensions[row].hidden = True
            cell.fill = given_fill
    state_check = DataValidation(
        type="list",
        formula1='"' + ",".join(codes) + '"',
        allow_blank=False,
        showErrorMessage=True,
        errorTitle="Submitting state",
        error="Choose the ISO code of one of the 27 addressees of Decision 7301/24.",
    )
    sub.add_data_validation(state_check)
    state_check.add("B2")
    issued_check = _date_check()
    sub.add_data_validation(issued_check)
    issued_check.add("B3")
    sub.freeze_panes = "A2"

    # ---- Plan
    sheet = book.create_sheet(PLAN_SHEET)
    letters = {key: get_column_letter(i) for i, (key, *_rest) in enumerate(PLAN_COLUMNS, start=1)}
    for i, (_key, header, width, hidden) in enumerate(PLAN_COLUMNS, start=1):
        letter = get_column_letter(i)
        cell = _put(sheet, f"{letter}1", header)
        cell.font = bold
        cell.fill = header_fill
        cell.alignment = wrap
        sheet.column_dimensions[letter].width = width
        if hidden:
            sheet.column_dimensions[letter].hidden = True
    texts = practice_texts()
    row = 1
    for numeral in ("I", "II", "III", "IV"):
        block = next(b for b in ctx.blocks.values() if b.numeral == numeral)
        for practice in ctx.practices_of(block.iri):
            row += 1
            given = {
                "practice": practice.notation,
                "title": practice.title,
                "block": numeral,
                "practice_text": texts.get(practice.notation, ""),
                "entry": f"{plan}/entry-{practice.notation}",
            }
            for key, value in given.items():
                cell = _put(sheet, f"{letters[key]}{row}", value)
                cell.fill = given_fill
                cell.alignment = top
            for key in ("implementation_measures", "reason", "indicators"):
                sheet[f"{letters[key]}{row}"].alignment = wrap
            sheet[f"{letters['target_date']}{row}"].number_format = DATE_FORMAT
    last = row + SPARE_ROWS
    for spare in range(row + 1, last + 1):
        sheet[f"{letters['target_date']}{spare}"].number_format = DATE_FORMAT
    status_check = DataValidation(
        type="list",
        formula1='"' + ",".join(STATUS_NAMES) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Status",
        error="Choose Adopted, Planned, Under assessment or Not planned.",
        showInputMessage=True,
        promptTitle="Status",
        prompt="Adopted, Planned, Under assessment or Not planned",
    )
    sheet.add_data_validation(status_check)
    status_check.add(f"{letters['status']}2:{letters['status']}{last}")
    date_check = _date_check()
    sheet.add_data_validation(date_check)
    date_check.add(f"{letters['target_date']}2:{letters['target_date']}{last}")
    states_check = DataValidation(
        type="list",
        formula1='"' + ",".join(codes) + '"',
        allow_blank=True,
        showErrorMessage=False,  # several codes may be typed, separated by commas
        showInputMessage=True,
        promptTitle="States consulted",
        prompt="Pick a state, or type several ISO codes separated by commas (NLD, BEL).",
    )
    sheet.add_data_validation(states_check)
    states_check.add(f"{letters['consulted_states']}2:{letters['consulted_states']}{last}")
    sheet.freeze_panes = "C2"
    sheet.auto_filter.ref = f"A1:{letters['practice_text']}{row}"
    book.active = book.worksheets.index(sheet)

    buffer = io.BytesIO()
    book.save(buffer)
    return deterministic_zip(buffer.getvalue())


def _date_check() -> Any:
    from openpyxl.worksheet.datavalidation import DataValidation

    return DataValidation(
        type="date",
        operator="greaterThan",
        formula1="36526",  # 1 January 2000 as a spreadsheet date number
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Date",
        error="Enter a date, e.g. 30.05.2025 (day.month.year) or 2025-05-30.",
    )


_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def deterministic_zip(data: bytes) -> bytes:
    """The same archive with fixed member timestamps (openpyxl stamps the current time)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"<dcterms:modified[^>]*>[^<]*</dcterms:modified>", b"", content)
            fixed = zipfile.ZipInfo(info.filename, _ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            target.writestr(fixed, content)
    return out.getvalue()


__all__ = ["PLAN_COLUMNS", "SUBMISSION_ROWS", "practice_texts", "recital_12", "template_workbook"]
