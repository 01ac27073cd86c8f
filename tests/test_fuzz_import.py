"""Hypothesis fuzzing of ``plan import`` on mutated workbooks (issue 12).

Two properties:

- a clean filled-in template with one or more planted errors (cell mutations a person makes)
  never imports with exit 0, never shows a traceback, and every planted cell is named;
- a workbook whose bytes are damaged (flipped, cut, or zip members replaced by junk) exits
  0, 1 or 2 with a message, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from drugpolicy_kg.cli import cli
from drugpolicy_kg.plans.template_xlsx import template_workbook

TEMPLATE = template_workbook("NLD", issued=dt.date(2024, 5, 30))
FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
ROWS = range(2, 46)
# columns of the Plan sheet (see plans/template_xlsx.PLAN_COLUMNS)
PRACTICE, STATUS, MEASURES, REASON, DATE, STATES, BLOCK = "A", "C", "D", "E", "G", "H", "J"

texts = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")),
    max_size=40,
)


def _filled() -> object:
    book = load_workbook(io.BytesIO(TEMPLATE))
    sheet = book["Plan"]
    for row in ROWS:
        sheet[f"{STATUS}{row}"] = "Adopted"
        sheet[f"{MEASURES}{row}"] = "In place."
    return book


def _block_of(row: int) -> str:
    """The block of the practice the template puts on ``row`` (8, 5, 10 and 21 practices)."""
    return "I" if row <= 9 else "II" if row <= 14 else "III" if row <= 24 else "IV"


@st.composite
def planted(draw: st.DrawFn) -> tuple[str, int, object]:
    """One mistake: (kind, row, value); each kind is an error whatever the rest holds."""
    kind = draw(
        st.sampled_from(
            ["status", "blank-status", "practice", "block", "date", "formula", "state", "duplicate"]
        )
    )
    row = draw(st.sampled_from(list(ROWS)))
    if kind == "status":
        value: object = draw(
            texts.filter(
                lambda t: (
                    t.strip()
                    and t.strip().lower().replace(" ", "")
                    not in ("adopted", "planned", "underassessment", "notplanned")
                    and not t.strip().startswith("=")
                    and "\n" not in t
                    and "\r" not in t
                )
            )
        )
    elif kind == "practice":
        value = draw(
            st.one_of(
                st.sampled_from(["IV.22", "III.11", "II.6", "I.9", "V.1", "I.0", "1.1", "I,1"]),
                st.from_regex(r"(I|II|III|IV)\.(2[2-9]|[3-9][0-9])", fullmatch=True),
            )
        )
    elif kind == "block":
        value = draw(
            st.sampled_from(["I", "II", "III", "IV", "V", "B", "1"]).filter(
                lambda b: b != _block_of(row)
            )
        )
    elif kind == "date":
        value = draw(
            st.sampled_from(["05/06/2025", "2025/05/30", "31.02.2025", "next year", "30.05.25"])
        )
    elif kind == "formula":
        value = draw(st.sampled_from(["=1+1", '=HYPERLINK("http://x.example","x")', "=A2"]))
    elif kind == "state":
        value = draw(st.sampled_from(["XYZ", "NLX", "12", "Netherlands"]))
    else:
        value = None
    return kind, row, value


def _apply(book: object, mistakes: list[tuple[str, int, object]]) -> set[str]:
    """Plant the mistakes; the cells each should be reported at."""
    sheet = book["Plan"]  # type: ignore[index]
    cells: set[str] = set()
    used: set[int] = set()
    for kind, row, value in mistakes:
        if row in used:
            continue  # one mistake per row, so that each has one expected cell
        used.add(row)
        if kind == "status":
            sheet[f"{STATUS}{row}"] = value
            cells.add(f"{STATUS}{row}")
        elif kind == "blank-status":
            sheet[f"{STATUS}{row}"] = None
            cells.add(f"{STATUS}{row}")
        elif kind == "practice":
            sheet[f"{PRACTICE}{row}"] = value
            cells.add(f"{PRACTICE}{row}")
        elif kind == "block":
            sheet[f"{BLOCK}{row}"] = value
            cells.add(f"{BLOCK}{row}")
        elif kind == "date":
            sheet[f"{DATE}{row}"] = value
            cells.add(f"{DATE}{row}")
        elif kind == "formula":
            sheet[f"{REASON}{row}"] = value
            cells.add(f"{REASON}{row}")
        elif kind == "state":
            sheet[f"{STATES}{row}"] = value
            cells.add(f"{STATES}{row}")
        elif kind == "duplicate":
            other = 2 if row != 2 else 3
            if other in used:
                continue
            sheet[f"{PRACTICE}{row}"] = sheet[f"{PRACTICE}{other}"].value
            cells.add(f"{PRACTICE}{max(row, other)}")
            used.add(other)
    return cells


@FUZZ
@given(mistakes=st.lists(planted(), min_size=1, max_size=4), noise=st.lists(texts, max_size=3))
def test_planted_errors_never_import_clean(
    mistakes: list[tuple[str, int, object]], noise: list[str], tmp_path: Path
) -> None:
    book = _filled()
    cells = _apply(book, mistakes)
    sheet = book["Plan"]  # type: ignore[index]
    for i, text in enumerate(noise):  # harmless free text in the responsible-authority column
        sheet[f"F{2 + i}"] = text.lstrip("=") or None
    path = tmp_path / "plan.xlsx"
    book.save(path)  # type: ignore[attr-defined]
    result = CliRunner().invoke(cli, ["plan", "import", str(path), "-o", str(tmp_path / "p.ttl")])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    assert result.exit_code == 1, (mistakes, result.output)
    for cell in cells:
        assert f"Plan!{cell}" in result.output, (cell, mistakes, result.output)


def _damage(data: bytes, how: str, where: float, junk: bytes) -> bytes:
    cut = int(len(data) * where)
    if how == "flip":
        return data[:cut] + bytes([data[cut] ^ 0xFF]) + data[cut + 1 :]
    if how == "cut":
        return data[:cut]
    members = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        for name in names:
            members[name] = archive.read(name)
    victim = names[int(where * (len(names) - 1))]
    members[victim] = junk if how == "junk" else members[victim][: max(1, cut % 200)]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


@FUZZ
@given(
    how=st.sampled_from(["flip", "cut", "junk", "truncate-member"]),
    where=st.floats(min_value=0.0, max_value=0.999),
    junk=st.binary(max_size=300),
)
def test_damaged_workbooks_never_crash(how: str, where: float, junk: bytes, tmp_path: Path) -> None:
    book = _filled()
    buffer = io.BytesIO()
    book.save(buffer)  # type: ignore[attr-defined]
    path = tmp_path / "plan.xlsx"
    path.write_bytes(_damage(buffer.getvalue(), how, where, junk))
    for args in (["plan", "import", str(path)], ["validate", str(path)]):
        result = CliRunner().invoke(cli, args)
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            how,
            result.output,
        )
        assert "Traceback" not in result.output
        assert result.exit_code in (0, 1, 2)


def test_the_unmutated_workbook_imports_clean(tmp_path: Path) -> None:
    """The base of the fuzzing is clean, so exit 1 above comes from the planted errors."""
    book = _filled()
    path = tmp_path / "plan.xlsx"
    book.save(path)  # type: ignore[attr-defined]
    result = CliRunner().invoke(cli, ["plan", "import", str(path), "-o", str(tmp_path / "p.ttl")])
    assert result.exit_code == 0, result.output


pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")
