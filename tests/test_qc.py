"""Quality checks: all pass on the KG, and each one fires on its fixture.

Each ``fixtures/qc/<rule>.ttl`` holds triples that, added to the KG, break exactly the rule of
its name; an ``# expect: IRI`` line names a resource that must appear in the offending rows.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Graph

from drugpolicy_kg import qc
from drugpolicy_kg.kg import new_graph

FIXTURES = Path(__file__).parent / "fixtures" / "qc"
EXPECTED_RULES = {
    "country-iri",
    "dangling-reference",
    "eli-iri",
    "instance-label",
    "practice-block",
    "practice-text",
    "term-label",
    "ungrounded-link",
    "unsourced-statement",
}


def test_rules_are_found() -> None:
    """A broken glob must not pass silently: the number and names of rules are pinned."""
    names = {r.name for r in qc.rules()}
    assert names == EXPECTED_RULES
    for rule in qc.rules():
        assert rule.title and rule.description, rule.name


def test_every_rule_has_a_fixture() -> None:
    assert {p.stem for p in FIXTURES.glob("*.ttl")} == EXPECTED_RULES


@pytest.mark.parametrize("result_name", sorted(EXPECTED_RULES))
def test_rule_passes_on_the_kg(kg_graph: Graph, result_name: str) -> None:
    rule = next(r for r in qc.rules() if r.name == result_name)
    assert qc.run_rule(kg_graph, rule).rows == []


@pytest.mark.parametrize("fixture", sorted(FIXTURES.glob("*.ttl")), ids=lambda p: p.stem)
def test_rule_fires_on_its_fixture(kg_graph: Graph, fixture: Path) -> None:
    text = fixture.read_text(encoding="utf-8")
    expected = re.findall(r"^# expect: (\S+)$", text, flags=re.M)
    assert expected, f"{fixture.name} has no '# expect:' line"
    g = new_graph()
    for triple in kg_graph:
        g.add(triple)
    g.parse(data=text, format="turtle")
    rule = next(r for r in qc.rules() if r.name == fixture.stem)
    rows = qc.run_rule(g, rule).rows
    found = {v for row in rows for v in row.values()}
    for iri in expected:
        assert iri in found, f"{rule.name} did not fire on {iri}: {rows}"


def test_qc_cli_fails_on_a_broken_kg(runner, tmp_path: Path, built_kg: Path) -> None:  # type: ignore[no-untyped-def]
    from drugpolicy_kg.cli import cli

    ok = runner.invoke(cli, ["qc", "--kg", str(built_kg / "drugpolicy-kg.ttl")])
    assert ok.exit_code == 0, ok.output
    broken = tmp_path / "broken.ttl"
    broken.write_text(
        (built_kg / "drugpolicy-kg.ttl").read_text(encoding="utf-8")
        + (FIXTURES / "ungrounded-link.ttl").read_text(encoding="utf-8").split("\n", 3)[3],
        encoding="utf-8",
    )
    bad = runner.invoke(cli, ["qc", "--kg", str(broken)])
    assert bad.exit_code == 1
    assert "FAIL ungrounded-link" in bad.output


@pytest.mark.parametrize("fixture", sorted(FIXTURES.glob("*.ttl")), ids=lambda p: p.stem)
def test_pyoxigraph_and_rdflib_agree(kg_graph: Graph, fixture: Path) -> None:
    """QC runs on pyoxigraph for speed; rdflib (the reference) must give the same rows."""
    g = new_graph()
    for triple in kg_graph:
        g.add(triple)
    g.parse(fixture, format="turtle")
    rule = next(r for r in qc.rules() if r.name == fixture.stem)
    fast = {tuple(sorted(row.items())) for row in qc.run_rule(g, rule).rows}
    result = g.query(rule.text)
    names = [str(v) for v in result.vars or []]
    reference = {
        tuple(sorted((n, "" if v is None else str(v)) for n, v in zip(names, row, strict=True)))
        for row in result  # type: ignore[union-attr]
    }
    assert fast == reference and fast
