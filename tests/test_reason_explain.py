"""Issue #6: deliberately inconsistent fixtures are caught, and their cause is named.

Fixtures live in tests/fixtures/reason/; each adds a few triples to the real KG. The cause
must be the engine-verified minimal set of assertions, with the individuals and axioms.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from drugpolicy_kg import kg
from drugpolicy_kg.cli import cli
from drugpolicy_kg.reasoning import EngineResult, explain, find_java, reason, told_clashes
from drugpolicy_kg.reasoning.explain import quickxplain
from drugpolicy_kg.reasoning.prepare import Triple
from drugpolicy_kg.vocab import DPK, DPO, RDF

FIXTURES = Path(__file__).parent / "fixtures" / "reason"

ENGINES = [
    pytest.param(
        "hermit",
        marks=pytest.mark.skipif(
            find_java() is None,
            reason="HermiT needs Java (none on PATH, $JAVA_HOME or $DRUGPOLICY_KG_JAVA)",
        ),
    ),
    "owlrl",
]


def kg_with(kg_graph: Graph, fixture: str) -> Graph:
    path = FIXTURES / fixture
    extra = kg.parse_turtle(path.read_text(encoding="utf-8"), str(path))
    assert len(extra) > 0
    out = Graph()
    for t in kg_graph:
        out.add(t)
    for t in extra:
        out.add(t)
    return out


@pytest.mark.parametrize("engine", ENGINES)
def test_tool_typed_as_actor_is_caught_with_its_cause(kg_graph: Graph, engine: str) -> None:
    report = reason(kg_with(kg_graph, "tool-typed-as-actor.ttl"), engine=engine)
    assert not report.consistent and not report.ok
    e = report.explanation
    assert e is not None and e.minimal and not e.tbox_only
    drones = DPK["tool/drones"]
    assert (drones, RDF.type, DPO.PrivateSectorActor) in e.assertions
    assert len(e.assertions) == 2  # the fixture's triple plus one thing that makes drones a Tool
    assert drones in e.individuals
    axioms = [line for c in e.clashes for line in c.lines()]
    assert any("dpo:PrivateSectorActor ⊑ dpo:Actor" in line for line in axioms)
    assert any(line.startswith("dpo:Actor and dpo:Tool are disjoint") for line in axioms)


@pytest.mark.parametrize("engine", ENGINES)
def test_actor_used_as_tool_is_caught_through_the_range(kg_graph: Graph, engine: str) -> None:
    report = reason(kg_with(kg_graph, "actor-used-as-tool.ttl"), engine=engine)
    assert not report.consistent
    e = report.explanation
    assert e is not None and e.minimal
    culprit = (DPK["practice/IV.5"], DPO.usesTool, DPK["actor/customs"])
    assert culprit in e.assertions and len(e.assertions) == 2
    axioms = [line for c in e.clashes for line in c.lines()]
    assert any("range(dpo:usesTool) = dpo:Tool" in line for line in axioms)


def test_owlrl_reports_its_clash_message(kg_graph: Graph) -> None:
    report = reason(kg_with(kg_graph, "tool-typed-as-actor.ttl"), engine="owlrl")
    assert report.result.messages == (
        f"Disjoint classes {DPO.Actor} and {DPO.Tool} have a common individual "
        f"{DPK['tool/drones']}",
    )


def test_union_clash_is_beyond_owl_rl(kg_graph: Graph) -> None:
    """OWL 2 RL misses a clash that needs reasoning by cases; the report must not claim more."""
    report = reason(kg_with(kg_graph, "union-type-dl-only.ttl"), engine="owlrl")
    assert report.consistent and not report.complete  # "no clash found", not "consistent"


@pytest.mark.skipif(find_java() is None, reason="HermiT needs Java")
def test_union_clash_is_caught_by_hermit(kg_graph: Graph) -> None:
    report = reason(kg_with(kg_graph, "union-type-dl-only.ttl"), engine="hermit")
    assert not report.consistent
    e = report.explanation
    assert e is not None and e.minimal
    assert "dpk:actor/customs a (dpo:Tool or dpo:LegalInstrument) ." in e.rendered
    assert len(e.assertions) == 2
    assert any("reasoning by cases" in note for note in e.notes)


@pytest.mark.parametrize("engine", ENGINES)
def test_cli_reports_the_inconsistency_with_exit_1(  # type: ignore[no-untyped-def]
    runner, monkeypatch, kg_graph: Graph, engine: str
) -> None:
    bad = kg_with(kg_graph, "tool-typed-as-actor.ttl")
    monkeypatch.setattr(kg, "cached_kg", lambda: bad)
    result = runner.invoke(cli, ["reason", "--engine", engine])
    assert result.exit_code == 1, result.output
    out = result.stdout
    assert "Consistency: INCONSISTENT" in out
    assert "dpk:tool/drones a dpo:PrivateSectorActor ." in out
    assert "Individuals: " in out and "dpk:tool/drones" in out
    assert "dpo:Actor and dpo:Tool are disjoint" in out


def test_cli_json_carries_the_explanation(runner, monkeypatch, kg_graph: Graph) -> None:  # type: ignore[no-untyped-def]
    import json

    bad = kg_with(kg_graph, "actor-used-as-tool.ttl")
    monkeypatch.setattr(kg, "cached_kg", lambda: bad)
    result = runner.invoke(cli, ["reason", "--engine", "owlrl", "--format", "json"])
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["consistent"] is False
    assert "dpk:practice/IV.5 dpo:usesTool dpk:actor/customs ." in doc["explanation"]["assertions"]
    assert doc["explanation"]["minimal"] is True


def test_no_explain_skips_the_search(runner, monkeypatch, kg_graph: Graph) -> None:  # type: ignore[no-untyped-def]
    bad = kg_with(kg_graph, "tool-typed-as-actor.ttl")
    monkeypatch.setattr(kg, "cached_kg", lambda: bad)
    result = runner.invoke(cli, ["reason", "--engine", "owlrl", "--no-explain"])
    assert result.exit_code == 1
    assert "Cause:" not in result.stdout


@pytest.mark.skipif(find_java() is None, reason="HermiT needs Java")
def test_unsatisfiable_class_is_reported_with_exit_1(runner, monkeypatch, kg_graph: Graph) -> None:  # type: ignore[no-untyped-def]
    incoherent = kg_with(kg_graph, "unsatisfiable-class.ttl")
    monkeypatch.setattr(kg, "cached_kg", lambda: incoherent)
    result = runner.invoke(cli, ["reason", "--engine", "hermit"])
    assert result.exit_code == 1, result.output
    assert "Consistency: consistent, but 1 unsatisfiable class(es)" in result.stdout
    assert "Unsatisfiable classes (no individual can belong to them): dpo:FixtureToolActor" in (
        result.stdout
    )


def test_told_clashes_finds_nothing_in_the_real_kg(kg_graph: Graph) -> None:
    assert told_clashes(kg_graph) == []


def test_told_clashes_finds_the_fixture(kg_graph: Graph) -> None:
    clashes = told_clashes(kg_with(kg_graph, "tool-typed-as-actor.ttl"))
    assert [c.individual for c in clashes] == [DPK["tool/drones"]]


# --- the search itself, with a pure-Python oracle (fast, no reasoner) ---------------------

A, B, C, D = (URIRef(f"https://example.org/{x}") for x in "abcd")


def _t(x: URIRef) -> Triple:
    return (x, RDF.type, DPO.Tool)


def test_quickxplain_finds_a_minimal_conflict() -> None:
    calls: list[int] = []

    def inconsistent(triples: Sequence[Triple]) -> bool:
        calls.append(1)
        subjects = {t[0] for t in triples}
        return {B, D} <= subjects  # the conflict is {b, d}

    items = [[_t(x)] for x in (A, B, C, D)]
    found = quickxplain(inconsistent, items)
    assert sorted(t[0] for g in found for t in g) == sorted([B, D])
    assert len(calls) <= 8


class _FakeEngine:
    """An engine whose only clash is two given triples together (no TBox needed)."""

    name = "fake"
    label = "fake"
    complete = True

    def __init__(self, conflict: set[Triple]) -> None:
        self.conflict = conflict
        self.calls = 0

    def run(self, graph: Graph) -> EngineResult:
        return EngineResult(consistent=self.is_consistent(graph))

    def is_consistent(self, graph: Graph) -> bool:
        self.calls += 1
        return not all(t in graph for t in self.conflict)


def test_explain_searches_the_whole_abox_when_nothing_hints(kg_graph: Graph) -> None:
    conflict = {
        (DPK["practice/I.1"], RDF.type, DPO.BestPractice),
        (DPK["practice/IV.21"], RDF.type, DPO.BestPractice),
    }
    engine = _FakeEngine(conflict)
    e = explain(engine, kg_graph)
    assert set(e.assertions) == conflict and e.minimal
    assert e.calls == engine.calls < 48


def test_explain_stops_at_the_budget_and_says_so(kg_graph: Graph) -> None:
    conflict = {
        (DPK["practice/I.1"], RDF.type, DPO.BestPractice),
        (DPK["practice/IV.21"], RDF.type, DPO.BestPractice),
    }
    e = explain(_FakeEngine(conflict), kg_graph, budget=4)
    assert not e.minimal
    assert any("budget 4" in note for note in e.notes)
    assert conflict <= set(e.assertions)
