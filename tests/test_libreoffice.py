"""The template and exported workbooks open in LibreOffice Calc (headless), as Excel users' files.

LibreOffice converts each sheet to CSV (the cells as a person sees them) and re-saves the
workbook as .xlsx (what a coordinator's office suite writes back); the importer must read the
re-saved file to the same plan, with the same problems at the same cells. Skipped, with the
reason, where ``soffice`` is not installed (Debian: ``apt-get install libreoffice-calc-nogui``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook
from rdflib.compare import isomorphic

from drugpolicy_kg.plans.importer import import_spreadsheet
from drugpolicy_kg.plans.template_xlsx import template_workbook
from drugpolicy_kg.validation import validate_upload

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(
    SOFFICE is None,
    reason="LibreOffice is not installed (Debian: apt-get install libreoffice-calc-nogui)",
)
ROOT = Path(__file__).resolve().parents[1]
#: CSV filter: comma, double quotes, UTF-8, from line 1, cells as shown, every sheet (-1).
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1"


def soffice(tmp_path: Path, source: Path, target: str) -> Path:
    """Convert ``source`` with LibreOffice into ``tmp_path/out``; a private profile per test."""
    out = tmp_path / "out"
    done = subprocess.run(
        [
            str(SOFFICE),
            f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            target,
            "--outdir",
            str(out),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return out


def sheet_csv(out: Path, stem: str, sheet: str) -> list[list[str]]:
    path = out / f"{stem}-{sheet}.csv"
    assert path.exists(), sorted(p.name for p in out.iterdir())
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_template_opens_in_libreoffice_as_written(tmp_path: Path) -> None:
    data = template_workbook("NLD", issued=dt.date(2024, 5, 30))
    source = tmp_path / "nl.xlsx"
    source.write_bytes(data)
    out = soffice(tmp_path, source, CSV_FILTER)
    book = load_workbook(io.BytesIO(data))
    plan = sheet_csv(out, "nl", "Plan")
    expected = [
        ["" if c.value is None else str(c.value) for c in row]
        for row in book["Plan"].iter_rows(max_row=45)
    ]
    assert [row[: len(expected[0])] for row in plan[:45]] == expected
    submission = sheet_csv(out, "nl", "Submission")
    assert submission[2][:2] == ["Submission date (DD.MM.YYYY)", "30.05.2024"]  # a date cell
    assert submission[1][1] == "NLD"
    instructions = "\n".join(",".join(r) for r in sheet_csv(out, "nl", "Instructions"))
    assert "Member States are then invited to submit their action plans" in instructions


def _filled(tmp_path: Path, mistakes: bool) -> Path:
    book = load_workbook(io.BytesIO(template_workbook("NLD", issued=dt.date(2024, 5, 30))))
    sheet = book["Plan"]
    for row in range(2, 46):
        sheet[f"C{row}"] = "Adopted"
        sheet[f"D{row}"] = "In place since 2023."
    sheet["G6"] = dt.date(2025, 5, 30)  # a real date
    sheet["G6"].number_format = "DD.MM.YYYY"
    sheet["G7"] = "30/05/2025"  # typed as text
    if mistakes:
        sheet["A10"] = "IV.22"
        sheet["C5"] = None
        sheet["J23"] = "IV"
        sheet["G8"] = "05/06/2025"
    path = tmp_path / ("bad.xlsx" if mistakes else "good.xlsx")
    book.save(path)
    return path


@pytest.mark.parametrize("mistakes", [False, True])
def test_workbook_resaved_by_libreoffice_imports_the_same(tmp_path: Path, mistakes: bool) -> None:
    path = _filled(tmp_path, mistakes)
    out = soffice(tmp_path, path, "xlsx")
    resaved = out / path.name
    original = import_spreadsheet(path.read_bytes(), path.name)
    again = import_spreadsheet(resaved.read_bytes(), path.name)
    assert isomorphic(original.graph, again.graph)
    assert [(p.where.text(), p.message) for p in again.problems] == [
        (p.where.text(), p.message) for p in original.problems
    ]
    report = validate_upload(resaved.read_bytes(), path.name)
    cells = sorted(
        r.location["cell"] for r in report.results if r.severity != "Info" and r.location
    )
    assert cells == (["A10", "C5", "G8", "J23"] if mistakes else []), [
        r.message for r in report.results
    ]


def test_exported_workbook_opens_in_libreoffice(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from drugpolicy_kg.cli import cli

    xlsx = tmp_path / "fra.xlsx"
    example = ROOT / "examples" / "plans" / "fra-2024.ttl"
    assert CliRunner().invoke(cli, ["plan", "export", str(example), "-o", str(xlsx)]).exit_code == 0
    out = soffice(tmp_path, xlsx, "xlsx")
    back = import_spreadsheet((out / "fra.xlsx").read_bytes(), "fra.xlsx")
    assert not back.problems
    assert isomorphic(back.graph, import_spreadsheet(xlsx.read_bytes(), "fra.xlsx").graph)
