"""``drugpolicy-kg plan``: templates, spreadsheets, and the lossless round trip."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

from drugpolicy_kg.cli import cli
from drugpolicy_kg.errors import InputError
from drugpolicy_kg.plans import graph_to_rows, plan_template, read_rows, rows_to_graph, write_rows
from drugpolicy_kg.validation import validate_graph
from drugpolicy_kg.vocab import DPO, RDF

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples" / "plans").glob("*.ttl"))


def fill(graph: Graph) -> Graph:
    """Answer every entry of a template: Adopted, with measures."""
    for entry in list(graph.subjects(RDF.type, DPO.ActionPlanEntry)):
        graph.add((entry, DPO.status, DPO.Adopted))
        graph.add((entry, DPO.implementationMeasures, Literal("In force since 2023.", lang="en")))
    return graph


def test_template_has_four_sections_and_44_entries() -> None:
    graph = plan_template("NLD")
    assert len(set(graph.objects(None, DPO.hasSection))) == 4
    assert len(set(graph.objects(None, DPO.practice))) == 44


def test_unfilled_template_fails_and_filled_template_is_clean() -> None:
    import datetime as dt

    graph = plan_template("NLD", issued=dt.date(2024, 5, 1))
    unfilled = validate_graph(graph, "template")
    assert {r.shape.rsplit("#")[-1] for r in unfilled.results if r.severity == "Violation"} == {
        "EntryStatusShape"
    }
    assert validate_graph(fill(graph), "filled").results == []


def test_template_refuses_a_state_that_is_not_an_addressee() -> None:
    with pytest.raises(InputError, match="BGR"):
        plan_template("BGR")


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_round_trip_loses_nothing(path: Path, suffix: str, tmp_path: Path) -> None:
    graph = Graph().parse(path, format="turtle")
    sheet = tmp_path / f"plan{suffix}"
    write_rows(graph_to_rows(graph), sheet)
    back = rows_to_graph(read_rows(sheet), source=str(sheet))
    assert isomorphic(graph, back)
    assert validate_graph(back, sheet.name).results == []


def test_handwritten_csv_with_friendly_values_validates(tmp_path: Path) -> None:
    """A spreadsheet typed by hand: labels for statuses, codes for states, minimal columns."""
    sheet = tmp_path / "plan.csv"
    rows = []
    for row in graph_to_rows(fill(plan_template("BEL"))):
        rows.append(
            {
                "plan": row["plan"],
                "state": "bel",
                "issued": "2024-05-02",
                "block": row["block"],
                "practice": row["practice"],
                "status": "adopted",
                "implementation_measures": "Done.",
                "responds_to": row["responds_to"],
            }
        )
    rows[0]["status"] = "Not planned"
    rows[0]["implementation_measures"] = ""
    rows[0]["reason"] = "Not compatible with the constitution."
    with sheet.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    graph = rows_to_graph(read_rows(sheet), source=str(sheet))
    assert validate_graph(graph, "hand").results == []


def test_bad_spreadsheet_errors_name_file_and_row(tmp_path: Path) -> None:
    sheet = tmp_path / "plan.csv"
    sheet.write_text(
        "plan,practice,status\nhttps://example.org/p,I.1,Adopted\nhttps://example.org/p,I.2,Perhaps\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        rows_to_graph(read_rows(sheet), source=str(sheet))
    assert "plan.csv:3" in str(info.value) and "Perhaps" in str(info.value)
    sheet.write_text("plan,practice,status\njavascript:alert(1),I.1,Adopted\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"not a web address \(IRI\)"):
        rows_to_graph(read_rows(sheet), source=str(sheet))
    sheet.write_text("practice\nI.1\n", encoding="utf-8")
    with pytest.raises(InputError, match="missing column"):
        read_rows(sheet)


def test_cli_template_import_export_validate(runner: CliRunner, tmp_path: Path) -> None:
    ttl, jsonld = tmp_path / "nld.ttl", tmp_path / "nld.jsonld"
    assert runner.invoke(cli, ["plan", "template", "--state", "NLD", "-o", str(ttl)]).exit_code == 0
    assert "Recital 12" in ttl.read_text(encoding="utf-8")
    result = runner.invoke(
        cli, ["plan", "template", "--state", "NLD", "--format", "json-ld", "-o", str(jsonld)]
    )
    assert result.exit_code == 0
    assert isomorphic(Graph().parse(ttl, format="turtle"), Graph().parse(jsonld, format="json-ld"))
    assert len(set(Graph().parse(jsonld, format="json-ld").objects(None, DPO.practice))) == 44

    xlsx, back = tmp_path / "fra.xlsx", tmp_path / "fra.ttl"
    example = str(ROOT / "examples" / "plans" / "fra-2024.ttl")
    assert runner.invoke(cli, ["plan", "export", example, "-o", str(xlsx)]).exit_code == 0
    assert runner.invoke(cli, ["plan", "import", str(xlsx), "-o", str(back)]).exit_code == 0
    assert isomorphic(Graph().parse(example), Graph().parse(back))
    assert runner.invoke(cli, ["validate", str(back)]).exit_code == 0


def test_cli_template_bad_state_exits_2(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["plan", "template", "--state", "BGR"])
    assert result.exit_code == 2 and "BGR" in result.output


def test_cli_export_of_a_file_without_plan_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    empty = tmp_path / "x.ttl"
    empty.write_text(
        "<https://example.org/a> <https://example.org/b> <https://example.org/c> .\n",
        encoding="utf-8",
    )
    result = runner.invoke(cli, ["plan", "export", str(empty), "-o", str(tmp_path / "x.csv")])
    assert result.exit_code == 2 and "no dpo:ActionPlan" in result.output


def test_plan_help_has_examples(runner: CliRunner) -> None:
    for args in (
        ["plan", "--help"],
        ["plan", "template", "--help"],
        ["plan", "import", "--help"],
        ["plan", "export", "--help"],
    ):
        assert "Examples:" in runner.invoke(cli, args).output


def test_template_iri_option(runner: CliRunner) -> None:
    graph = plan_template("FRA", iri="https://example.gouv.fr/plan")
    assert (URIRef("https://example.gouv.fr/plan"), RDF.type, DPO.ActionPlan) in graph
