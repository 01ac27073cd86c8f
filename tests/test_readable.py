"""Readable answers (issue 16, points 1, 2 and 4): labels, the adoption matrix, parameters in
any query file on every embedded engine (the remote one: tests/test_publish.py)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from drugpolicy_kg.api import KG
from drugpolicy_kg.catalogue import catalogue, parse_query_file
from drugpolicy_kg.cli import cli
from drugpolicy_kg.errors import InputError
from unseen_queries import UNSEEN

PLANS = str(Path(__file__).parent / "fixtures" / "query" / "plans")


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRUGPOLICY_KG_CACHE", str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def kg() -> KG:
    return KG.load(PLANS)


def run(runner: CliRunner, *args: str) -> tuple[int, str]:
    res = runner.invoke(cli, list(args))
    return res.exit_code, res.stdout if res.exit_code == 0 else res.output


# --- labels -------------------------------------------------------------------------------------


def test_every_catalogue_header_declares_real_columns() -> None:
    for q in catalogue().values():
        for column, labels in q.labels:
            assert column in q.columns, (q.name, column)
            assert set(labels) <= set(q.columns), (q.name, labels)
        if q.pivot is not None:
            assert {q.pivot.rows, q.pivot.columns, q.pivot.values} <= set(q.columns)


def test_no_iri_in_readable_output_of_the_catalogue(kg: KG) -> None:
    for name in sorted(catalogue()):
        answer = kg.query(name)
        for fmt in ("table", "markdown", "csv"):
            text = answer.render(fmt)
            assert "https://w3id.org" not in text and "dpk:" not in text, (name, fmt)
            assert "country:" not in text and "dpo:" not in text, (name, fmt)


def test_practice_shows_notation_and_title_and_states_their_names(runner: CliRunner) -> None:
    code, out = run(runner, "query", "coverage-by-block", "--plans", PLANS, "-f", "markdown")
    assert code == 0
    assert out.splitlines()[2].startswith("| Belgium | I Providing strategic means")
    code, out = run(runner, "query", "legal-bases-of-practice", "-p", "practice=III.2", "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows and all(
        r["practice"].startswith("III.2 ANPR query checks against SIS") for r in rows
    )
    assert "notation" not in rows[0] and "legalLabel" not in rows[0]  # labels, not repeated


def test_iris_keeps_every_column_and_json_keeps_iris(runner: CliRunner) -> None:
    code, out = run(
        runner, "query", "practices-using-tool", "-p", "tool=SIS", "-f", "csv", "--iris"
    )
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[0]["practice"].startswith("https://w3id.org/drugpolicy-kg/id/practice/")
    assert set(rows[0]) == {"notation", "practice", "title", "tool", "evidence", "justification"}
    _, out = run(runner, "query", "practices-using-tool", "-p", "tool=SIS", "-f", "json")
    doc = json.loads(out)
    assert doc["results"]["bindings"][0]["practice"]["type"] == "uri"


def test_an_iri_without_label_falls_back_to_a_curie(kg: KG) -> None:
    a = kg.sparql(
        "SELECT ?x WHERE { VALUES ?x { <https://w3id.org/drugpolicy-kg/id/nothing/here> } }"
    )
    assert a.rows == [{"x": "dpk:nothing/here"}]


def test_readable_csv_neutralises_formulas(kg: KG) -> None:
    a = kg.sparql('SELECT ?x ?n WHERE { VALUES (?x ?n) { ("=HYPERLINK(1)" -3) ("@x" 2) } }')
    rows = list(csv.reader(io.StringIO(a.render("csv"))))
    assert rows[1:] == [["'=HYPERLINK(1)", "-3"], ["'@x", "2"]]


def test_terminal_output_shows_control_characters(kg: KG) -> None:
    a = kg.sparql('SELECT ?x WHERE { BIND("a\\u001b]0;pwned\\u0007b" AS ?x) }')
    text = a.render("table")
    assert "\x1b" not in text and "\\x1b" in text


# --- the adoption matrix -----------------------------------------------------------------------


def test_adoption_matrix_is_states_by_practices(kg: KG) -> None:
    m = kg.query("adoption-matrix").matrix()
    assert m is not None
    assert m.row_names == ["Belgium", "France", "Netherlands"]
    assert m.column_names[:2] == ["I.1", "I.4"] and "III.2" in m.column_names
    assert m.groups[0] == "I Strategic means" and m.groups[-1].startswith("IV ")
    nl, iii2 = m.row_names.index("Netherlands"), m.column_names.index("III.2")
    assert m.cells[nl][iii2] == "adopted"
    assert set(m.values) == {"adopted", "planned", "under assessment", "not planned"}


def test_matrix_as_a_dataframe(kg: KG) -> None:
    m = kg.query("adoption-matrix").matrix()
    assert m is not None
    df = m.to_pandas()
    assert df.loc["Netherlands", ("III Disrupting criminal networks", "III.2")] == "adopted"
    t = kg.query("adoption-matrix").matrix(transpose=True)
    assert t is not None
    assert t.to_pandas().loc[("I Strategic means", "I.1"), "Belgium"] == "planned"


def test_matrix_counts_agree_with_the_long_form(kg: KG) -> None:
    long = kg.query("adoption-long").rows
    m = kg.query("adoption-matrix").matrix()
    assert m is not None
    per_state = {
        (s, v): sum(1 for r in long if r["state"] == s and r["status"] == v)
        for s in m.row_names
        for v in m.values
    }
    for name, counts in zip(m.row_names, m.row_counts(), strict=True):
        assert counts == [per_state[(name, v)] for v in m.values]
    assert sum(map(sum, m.row_counts())) == len(long) == sum(map(sum, m.column_counts()))


def test_transpose_and_formats(runner: CliRunner, tmp_path: Path) -> None:
    code, out = run(runner, "query", "adoption-matrix", "--plans", PLANS, "--transpose")
    assert code == 0
    head = out.splitlines()[0].split()
    assert head[:2] == ["block", "practice"] and head[2:5] == ["Belgium", "France", "Netherlands"]
    code, out = run(runner, "query", "adoption-matrix", "--plans", PLANS, "-f", "csv")
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0][0] == "state" and rows[0][-1] == "total" and rows[1][0] == "Belgium"
    code, out = run(runner, "query", "adoption-matrix", "--plans", PLANS, "-f", "markdown")
    assert out.startswith("| state | I Strategic means<br>I.1 |")
    target = tmp_path / "adoption.xlsx"
    code, out = run(
        runner, "query", "adoption-matrix", "--plans", PLANS, "-f", "xlsx", "-o", str(target)
    )
    assert code == 0
    from openpyxl import load_workbook

    ws = load_workbook(target).active
    assert ws is not None
    assert ws["B1"].value == "I Strategic means" and ws["A2"].value == "state"
    assert ws["A3"].value == "Belgium" and ws["B2"].value == "I.1"
    assert any(str(r) == "B1:C1" for r in ws.merged_cells.ranges)  # I.1 and I.4 under block I
    code, out = run(runner, "query", "adoption-matrix", "--plans", PLANS, "-f", "xlsx")
    assert code == 2 and "-o FILE.xlsx" in out


def test_xlsx_cells_are_strings_never_formulas(kg: KG, tmp_path: Path) -> None:
    a = kg.sparql('SELECT ?x ?y WHERE { BIND("=1+1" AS ?x) BIND("a\\u001bb" AS ?y) }')
    a.to_xlsx(tmp_path / "x.xlsx")
    from openpyxl import load_workbook

    ws = load_workbook(tmp_path / "x.xlsx").active
    assert ws is not None and ws["A2"].value == "=1+1" and ws["A2"].data_type == "s"
    assert ws["B2"].value == "a\\x1bb"  # xlsx cannot hold ESC: shown, not dropped


def test_any_query_declaring_a_pivot_gets_one(kg: KG) -> None:
    text = (
        "# title: Tools of the practices of block III\n"
        "# pivot: rows=tool columns=practice values=mark\n"
        "PREFIX dpo: <https://w3id.org/drugpolicy-kg/ontology#>\n"
        "SELECT ?tool ?practice ?mark WHERE { ?practice dpo:usesTool ?tool ; "
        "dpo:buildingBlock <https://w3id.org/drugpolicy-kg/id/block/III> . BIND('x' AS ?mark) }\n"
    )
    m = kg.sparql(text).matrix()
    assert m is not None and "Schengen Information System" in m.row_names
    assert m.values == ["x"] and "III.2" in m.column_names
    with pytest.raises(InputError, match="declares no pivot"):
        kg.query("practices").render("table", transpose=True)


def test_malformed_pivot_and_label_headers_are_refused() -> None:
    with pytest.raises(InputError, match="pivot"):
        parse_query_file("# pivot: rows=a\nSELECT * {}", "t")
    with pytest.raises(InputError, match="label"):
        parse_query_file("# label: practice\nSELECT * {}", "t")


# --- parameters in any query file, on every embedded engine -----------------------------------


@pytest.mark.parametrize(("text", "params", "want"), UNSEEN)
def test_unseen_query_files_on_both_embedded_engines(
    tmp_path: Path, text: str, params: dict[str, str], want: set[str] | None
) -> None:
    f = tmp_path / "mine.rq"
    f.write_text(text, encoding="utf-8")
    answers = []
    for engine in ("oxigraph", "rdflib"):
        a = KG.load(PLANS, engine=engine).query(str(f), **params)
        answers.append(sorted(map(str, a.result.rows)))
        if want is not None:
            assert {r[a.vars[0]] for r in a.rows} == want
    assert answers[0] == answers[1] and answers[0]
