"""The Python API (issue 16, point 6): ``from drugpolicy_kg import KG``."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import drugpolicy_kg
from drugpolicy_kg import KG
from drugpolicy_kg.api import Answer, Practice, Validation
from drugpolicy_kg.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
PLANS = str(ROOT / "tests" / "fixtures" / "query" / "plans")
BAD_PLAN = str(ROOT / "tests" / "fixtures" / "plans" / "adopted-without-measures.ttl")


@pytest.fixture(scope="module")
def kg() -> KG:
    return KG.load(plans=PLANS)


def _fresh(code: str) -> str:
    env = {"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    return out.stdout.strip()


def test_import_stays_cheap() -> None:
    # Neither the package nor the CLI's --help pays for rdflib, pandas or the API.
    got = _fresh(
        "import sys, drugpolicy_kg\n"
        "from drugpolicy_kg.cli import cli\n"
        "try:\n    cli.main(['--help'], standalone_mode=False)\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('rdflib', 'pandas', 'drugpolicy_kg.api') if m in sys.modules))"
    )
    assert got.splitlines()[-1] == "[]"


def test_pandas_is_imported_only_when_asked() -> None:
    got = _fresh(
        "import sys\n"
        "from drugpolicy_kg import KG\n"
        "a = KG.load().query('practices-using-tool', tool='SIS')\n"
        "print('pandas' in sys.modules, len(a.rows))\n"
        "a.to_pandas()\n"
        "print('pandas' in sys.modules)"
    )
    assert got.splitlines() == ["False 4", "True"]


def test_lazy_names() -> None:
    assert drugpolicy_kg.KG is KG
    assert "KG" in dir(drugpolicy_kg)
    with pytest.raises(AttributeError):
        _ = drugpolicy_kg.NoSuchThing  # type: ignore[attr-defined]


def test_query_rows_pandas_json(kg: KG) -> None:
    a = kg.query("practices-using-tool", tool="SIS")
    assert isinstance(a, Answer) and len(a) == 4
    assert {r["practice"].split()[0] for r in a.rows} == {"II.5", "III.1", "III.2", "IV.1"}
    assert a.rows[0]["tool"] == "Schengen Information System"
    df = a.to_pandas()
    assert list(df.columns) == ["practice", "tool", "evidence", "justification"]
    assert len(df) == 4
    raw = a.to_pandas(iris=True)
    assert raw["practice"].str.startswith("https://w3id.org/drugpolicy-kg/id/practice/").all()
    doc = json.loads(a.to_json())
    assert doc["head"]["vars"][:2] == ["notation", "practice"]


def test_numbers_are_numbers(kg: KG) -> None:
    rows = kg.query("eu-systems-ranked").rows
    assert all(isinstance(r["practices"], int) for r in rows)
    assert rows[0]["system"] == "Schengen Information System" and rows[0]["practices"] == 4


def test_parameters_as_mapping_and_bad_values(kg: KG) -> None:
    a = kg.query("coverage-by-block", {"state": "NL"})
    assert {r["state"] for r in a.rows} == {"Netherlands"}
    with pytest.raises(InputError, match="ambiguous"):
        kg.query("practices-involving-actor", actor="port")
    with pytest.raises(InputError, match="no catalogue query"):
        kg.query("no-such-question")


def test_sparql_text_with_parameters(kg: KG) -> None:
    a = kg.sparql(
        "PREFIX dpo: <https://w3id.org/drugpolicy-kg/ontology#>\n"
        "SELECT ?p WHERE { ?p dpo:usesTool ?tool }",
        tool="<https://w3id.org/drugpolicy-kg/id/tool/SIENA>",
    )
    assert {r["p"].split()[0] for r in a.rows} == {"III.3", "III.4"} or len(a) >= 1
    with pytest.raises(InputError, match="SERVICE"):
        kg.sparql("SELECT * WHERE { SERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }")


def test_validate_reports_as_a_table(kg: KG) -> None:
    good = kg.validate(PLANS)
    assert isinstance(good, Validation) and len(good.reports) == 3
    bad = kg.validate(BAD_PLAN)
    assert not bad.conforms
    df = bad.to_pandas()
    assert (df["severity"] == "Violation").any()
    assert set(df.columns) >= {"file", "severity", "practice", "message"}


def test_graph_and_impact(kg: KG) -> None:
    g = kg.graph()
    import networkx as nx

    assert isinstance(g, nx.MultiDiGraph)
    sis = "https://w3id.org/drugpolicy-kg/id/tool/SIS"
    assert g.nodes[sis]["kind"] == "tool"
    result = kg.impact("SIENA")
    assert "III" in result.by_block
    assert result.states is not None  # plans were loaded: each state's hit practices


def test_practice_with_text_links_and_evidence(kg: KG) -> None:
    p = kg.practice("III.2")
    assert isinstance(p, Practice)
    assert p.notation == "III.2" and p.block == "III"
    assert p.title.startswith("ANPR query checks")
    assert "Schengen Information System" in p.text
    targets = {lk.target.rsplit("/", 1)[-1] for lk in p.links}
    assert {"SIS", "ANPR", "national-databases"} <= targets
    assert "Schengen Information System" in p.evidence
    # every evidence quote is words of the practice's own text (grounded links)
    assert all(e.casefold() in p.text.casefold() for e in p.evidence)
    assert len(p.to_pandas()) == len(p.links)


def test_list_and_resolve(kg: KG) -> None:
    assert kg.resolve("EL", "states").key == "GRC"
    tools = {t.key: t for t in kg.list("tools")}
    assert tools["SIS"].count == 4
    with pytest.raises(InputError, match="cannot list"):
        kg.list("colours")


# --- the reference page ---------------------------------------------------------------------------


def test_documented_names_exist() -> None:
    import drugpolicy_kg.api as api

    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    names = re.findall(r"^#+ `([A-Za-z_][\w.]*)", text, re.MULTILINE)
    assert len(names) >= 20
    for dotted in names:
        obj: object = api
        for part in dotted.split("."):
            assert hasattr(obj, part), f"docs/api.md documents {dotted}, which does not exist"
            obj = getattr(obj, part)


def test_reference_is_generated_from_the_docstrings() -> None:
    sys.path.insert(0, str(ROOT / "docs"))
    try:
        import gen_api  # type: ignore[import-not-found]
    finally:
        sys.path.pop(0)
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    assert gen_api.reference() in text, "docs/api.md is stale: run python docs/gen_api.py"
