"""``drugpolicy-kg query`` and ``queries``, in-process with click's CliRunner."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from drugpolicy_kg.catalogue import catalogue
from drugpolicy_kg.cli import cli

PLANS = str(Path(__file__).parent / "fixtures" / "query" / "plans")


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRUGPOLICY_KG_CACHE", str(tmp_path / "cache"))


def run(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    res = runner.invoke(cli, list(args))
    return res.exit_code, res.stdout, res.stderr


def test_table_is_the_default(runner: CliRunner) -> None:
    code, out, _ = run(runner, "query", "practices-using-tool", "--param", "tool=SIS")
    assert code == 0
    # Labels, not IRIs: the practice shows notation and title, the tool its name; the
    # columns that only labelled the practice (# label: in the header) are not repeated.
    assert out.splitlines()[0].split()[:3] == ["practice", "tool", "evidence"]
    assert "(4 rows)" in out and "III.1 Systematic SIS consultation" in out
    assert "Schengen Information System" in out and "dpk:" not in out
    code, out, _ = run(runner, "query", "practices-using-tool", "--param", "tool=SIS", "--iris")
    assert out.splitlines()[0].split()[:3] == ["notation", "practice", "title"]
    assert "dpk:practice/III.1" in out


def test_json_is_sparql_results_json(runner: CliRunner) -> None:
    code, out, _ = run(runner, "query", "eu-systems-ranked", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["head"]["vars"] == ["system", "abbreviation", "label", "practices"]
    first = doc["results"]["bindings"][0]
    assert first["abbreviation"] == {"type": "literal", "value": "SIS", "xml:lang": "en"}
    assert (
        first["practices"]["datatype"].endswith("#integer") and first["practices"]["value"] == "4"
    )
    assert first["system"]["type"] == "uri"


def test_csv_tsv_markdown(runner: CliRunner) -> None:
    code, out, _ = run(runner, "query", "site-visits", "-f", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["port"] for r in rows} == {
        "Port of Rotterdam",
        "Port of Antwerp",
        "Port of Hamburg",
        "Port of Marseille",
    }
    code, out, _ = run(runner, "query", "site-visits", "-f", "tsv")
    assert out.splitlines()[0].startswith("?visit\t?port")
    assert '"Port of Antwerp"@en' in out
    code, out, _ = run(runner, "query", "site-visits", "-f", "markdown")
    assert out.startswith("| visit | port |") and out.count("\n") == 6


def test_plans_and_friendly_values(runner: CliRunner) -> None:
    code, out, _ = run(
        runner,
        "query",
        "peers-adopted-practice",
        "-p",
        "practice=III.2",
        "--plans",
        PLANS,
        "-f",
        "csv",
    )
    assert code == 0
    states = {r["state"] for r in csv.DictReader(io.StringIO(out))}
    assert states == {"Belgium", "Netherlands"}
    code, out, _ = run(
        runner,
        "query",
        "plan-status-for-state",
        "-p",
        "state=Netherlands",
        "--plans",
        PLANS,
    )
    assert code == 0 and "not planned" in out and "dpo:" not in out


def test_second_run_uses_the_cached_store(runner: CliRunner, tmp_path: Path) -> None:
    for _ in range(2):
        code, out, _ = run(runner, "query", "adoption-long", "--plans", PLANS, "-f", "csv")
        assert code == 0 and out.count("\n") == 1 + 19
    stores = list((tmp_path / "cache").glob("store-*/.complete"))
    assert len(stores) == 1


def test_rdflib_engine_gives_the_same_csv(runner: CliRunner) -> None:
    a = run(runner, "query", "practices", "-f", "csv")[1]
    b = run(runner, "query", "practices", "-f", "csv", "--engine", "rdflib")[1]
    assert a == b and len(a.splitlines()) == 45


def test_output_file_is_written_atomically(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "out" / "addressees.json"
    code, out, _ = run(runner, "query", "addressees", "-f", "json", "-o", str(target))
    assert code == 0 and out == ""
    assert len(json.loads(target.read_text())["results"]["bindings"]) == 27
    assert [p.name for p in target.parent.iterdir()] == ["addressees.json"]


def test_query_file_with_params(runner: CliRunner, tmp_path: Path) -> None:
    f = tmp_path / "mine.rq"
    f.write_text(
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        "SELECT ?x ?label WHERE { ?x rdfs:label ?label }\n",
        encoding="utf-8",
    )
    code, out, _ = run(runner, "query", str(f), "-p", 'label="Port of Hamburg"@en', "-f", "csv")
    assert code == 0
    assert out.splitlines()[1].endswith("Port of Hamburg") and len(out.splitlines()) == 2


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["no-such-query"], "no catalogue query"),
        (["practices-using-tol"], "did you mean practices-using-tool"),
        (["practices-using-tool", "-p", "tool=NoSuchTool"], "no tool is called"),
        (["practices-using-tool", "-p", "colour=red"], "has no parameter colour"),
        (["practices-using-tool", "-p", "toolSIS"], "expected NAME=VALUE"),
        (["missing-and-late-plans", "-p", "deadline=June"], "is not a date"),
        (["addressees", "--endpoint", "http://127.0.0.1:9/q", "--plans", PLANS], "publish"),
    ],
)
def test_bad_input_exits_2_without_traceback(
    runner: CliRunner, args: list[str], needle: str
) -> None:
    code, out, err = run(runner, "query", *args)
    assert code == 2 and needle in err
    assert "Traceback" not in err + out


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_bad_sparql_names_line_and_column(runner: CliRunner, tmp_path: Path, engine: str) -> None:
    f = tmp_path / "bad.rq"
    f.write_text("SELECT * WHERE {\n  ?s ?p ?o .\n  FILTER(?s = ) }\n", encoding="utf-8")
    code, _, err = run(runner, "query", str(f), "--engine", engine)
    assert code == 2 and "SPARQL syntax error" in err and "Traceback" not in err
    assert re.search(rf"{re.escape(str(f))}:[34]:\d+: ", err)


def test_service_is_refused_unless_allowed(runner: CliRunner, tmp_path: Path) -> None:
    f = tmp_path / "svc.rq"
    f.write_text("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }\n")
    code, _, err = run(runner, "query", str(f))
    assert code == 2 and "SERVICE" in err and "--allow-remote" in err


def test_from_outside_iri_is_refused_unless_allowed(runner: CliRunner, tmp_path: Path) -> None:
    f = tmp_path / "from.rq"
    f.write_text("SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }\n")
    code, _, err = run(runner, "query", str(f))
    assert code == 2 and "outside graph" in err
    # With --allow-remote the query runs; oxigraph does not fetch FROM graphs: empty answer.
    code, out, err = run(runner, "query", str(f), "--allow-remote", "-f", "csv")
    assert code == 0 and sorted(out.strip().split(",")) == ["o", "p", "s"]


def test_timeout_stops_a_runaway_query(runner: CliRunner, tmp_path: Path) -> None:
    f = tmp_path / "slow.rq"
    # Bounded (a few seconds) so the abandoned worker does not slow the rest of the session.
    f.write_text("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }\n")
    code, _, err = run(runner, "query", str(f), "--timeout", "0.05")
    assert code == 2 and "--timeout" in err


def test_queries_lists_the_whole_catalogue(runner: CliRunner) -> None:
    code, out, _ = run(runner, "queries")
    assert code == 0
    names = {line.split()[0] for line in out.splitlines() if line and not line.startswith(" ")}
    assert names == set(catalogue())
    code, out, _ = run(runner, "queries", "--verbose")
    assert "--param tool=<tool> = SIS" in out
    code, out, _ = run(runner, "queries", "-f", "markdown")
    assert out.startswith("| query | question |")


@pytest.mark.parametrize("command", ["query", "queries", "serve", "publish"])
def test_help_has_examples(runner: CliRunner, command: str) -> None:
    code, out, _ = run(runner, command, "--help")
    assert code == 0 and "Examples:" in out and f"drugpolicy-kg {command}" in out
