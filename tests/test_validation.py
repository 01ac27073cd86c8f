"""Shapes of Recital 12: every rule fires on its fixture, valid plans are clean in every format.

The fixtures are data-driven (pySHACL's W3C-suite style): one small plan per rule in
``tests/fixtures/plans/``, with its expected results in ``# expect:`` comment lines.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from pyshacl.entrypoints import meta_validate
from rdflib import Graph, URIRef

from drugpolicy_kg.validation import Engine, default_deadline, parse_deadline, validate_graph
from drugpolicy_kg.validation.context import cached_context
from drugpolicy_kg.validation.deadline import add_period
from drugpolicy_kg.validation.engine import shapes_source
from drugpolicy_kg.vocab import DPS, RDF, SH

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "plans"
EXAMPLES = sorted((ROOT / "examples" / "plans").glob("*.ttl"))
CASES = sorted(FIXTURES.glob("*.ttl"))
EXPECT = re.compile(r"^# expect: (Violation|Warning|Info) <([^>]+)> dps:(\w+)$")

#: the number of fixture files; a broken glob must not pass silently
N_FIXTURES = 38


def expected(path: Path) -> set[tuple[str, str, str]]:
    found = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        match = EXPECT.match(line)
        if match:
            severity, focus, shape = match.groups()
            found.add((severity, focus, str(DPS[shape])))
    return found


def test_fixture_glob_finds_every_case() -> None:
    assert len(CASES) == N_FIXTURES
    assert all(expected(case) for case in CASES), "every fixture states what it expects"


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_rule_fires_with_expected_severity_focus_and_shape(case: Path) -> None:
    graph = Graph().parse(case, format="turtle")
    report = validate_graph(graph, case.name)
    actual = {(r.severity, r.focus_node, r.shape) for r in report.results}
    want = expected(case)
    assert {a for a in actual if a[0] != "Info"} == {w for w in want if w[0] != "Info"}
    assert {w for w in want if w[0] == "Info"} <= actual
    assert report.conforms == (not any(w[0] == "Violation" for w in want))


def test_every_constraint_shape_has_a_fixture_and_a_message() -> None:
    """Each shape with a severity (a user-facing rule) is exercised by some fixture."""
    shapes = shapes_source()
    rules = {str(s) for s in shapes.subjects(SH.severity, None)}
    covered = {shape for case in CASES for (_s, _f, shape) in expected(case)}
    assert rules - covered == set()
    for rule in rules:
        message = shapes.value(URIRef(rule), SH.message)
        assert message is not None, rule
        assert "Recital" in str(message) or "I.7" in str(message), rule


def test_shapes_pass_shacl_shacl() -> None:
    conforms, _graph, text = meta_validate(shapes_source())
    assert conforms, text


def test_shapes_declare_no_sparql_and_no_imports() -> None:
    shapes = shapes_source()
    assert not list(shapes.triples((None, SH.sparql, None)))
    assert not list(shapes.triples((None, URIRef("http://www.w3.org/2002/07/owl#imports"), None)))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
@pytest.mark.parametrize("fmt", ["turtle", "json-ld", "xml", "nt", "trig"])
def test_examples_are_clean_in_every_rdf_format(path: Path, fmt: str, tmp_path: Path) -> None:
    from drugpolicy_kg.rdfio import load_untrusted, union_graph

    suffix = {"turtle": "ttl", "json-ld": "jsonld", "xml": "rdf", "nt": "nt", "trig": "trig"}[fmt]
    graph = Graph().parse(path, format="turtle")
    if fmt == "trig":
        from rdflib import Dataset

        ds = Dataset()
        named = ds.graph(URIRef("https://example.org/graph/plan"))
        for triple in graph:
            named.add(triple)
        data = ds.serialize(format="trig")
    else:
        data = graph.serialize(format=fmt)
    target = tmp_path / f"plan.{suffix}"
    target.write_text(data, encoding="utf-8")
    report = validate_graph(union_graph(load_untrusted(str(target))), target.name)
    assert report.results == [], [r.message for r in report.results][:3]


def test_examples_are_complete_and_illustrative() -> None:
    assert len(EXAMPLES) >= 3
    for path in EXAMPLES:
        text = path.read_text(encoding="utf-8")
        assert "ILLUSTRATIVE" in text and "dcterms:description" in text
        graph = Graph().parse(path, format="turtle")
        practices = set(
            graph.objects(None, URIRef("https://w3id.org/drugpolicy-kg/ontology#practice"))
        )
        assert len(practices) == 44
        statuses = set(
            graph.objects(None, URIRef("https://w3id.org/drugpolicy-kg/ontology#status"))
        )
        assert len(statuses) >= 2, "a realistic mix of statuses"


def test_messages_name_practice_title_block_and_recital() -> None:
    report = validate_graph(Graph().parse(FIXTURES / "adopted-without-measures.ttl"), "x")
    (result,) = [r for r in report.results if r.severity == "Violation"]
    assert "I.1 'Offensive and defensive national drug strategy'" in result.message
    assert "block I 'Providing strategic means" in result.message
    assert "Recital 12" in result.message
    assert (result.practice, result.block) == ("I.1", "I")


def test_misplaced_practice_message_names_the_practice() -> None:
    report = validate_graph(Graph().parse(FIXTURES / "practice-in-wrong-block.ttl"), "x")
    (result,) = [r for r in report.results if r.severity == "Violation"]
    assert "IV.2 'Common case management system" in result.message
    # Reported on the entry that a coordinator must fix, not on the KG's block.
    assert result.focus_node == "https://example.org/fixture/e3x"
    assert result.value == "https://w3id.org/drugpolicy-kg/id/practice/IV.2"
    assert result.path == "<https://w3id.org/drugpolicy-kg/ontology#practice>"


def test_infos_count_unaddressed_practices_per_block() -> None:
    report = validate_graph(Graph().parse(FIXTURES / "valid-minimal.ttl"), "x")
    missing = report.unaddressed()
    assert {block: len(n) for block, n in missing.items()} == {"I": 7, "II": 4, "III": 9, "IV": 20}
    assert report.conforms and not report.fails(strict=True)


def test_no_plan_gives_no_coverage_noise() -> None:
    report = validate_graph(Graph().parse(FIXTURES / "no-action-plan.ttl"), "x")
    assert [r.severity for r in report.results] == ["Violation"]
    assert "No action plan found" in report.results[0].message


def test_default_deadline_is_derived_from_the_kg_and_states_the_assumption(kg_graph: Graph) -> None:
    deadline = default_deadline(kg_graph)
    assert deadline.date == dt.date(2024, 6, 4)
    assert "assumed" in deadline.assumption and "4 March 2024" in deadline.assumption
    shapes = shapes_source()
    assert str(shapes.value(DPS.DeadlineShape, SH.maxInclusive)) == "2024-06-04"


def test_add_period_clamps_to_month_end() -> None:
    assert add_period(dt.date(2024, 11, 30), "P3M") == dt.date(2025, 2, 28)
    assert add_period(dt.date(2024, 3, 4), "P1Y2M3D") == dt.date(2025, 5, 7)


def test_deadline_option_moves_the_warning() -> None:
    late = Graph().parse(FIXTURES / "late-submission.ttl")
    relaxed = Engine(parse_deadline("2024-08-01")).validate(late, "x")
    assert not [r for r in relaxed.results if r.severity == "Warning"]
    strict = Engine(parse_deadline("2024-07-14")).validate(late, "x")
    (warning,) = [r for r in strict.results if r.severity == "Warning"]
    assert "14 July 2024 (given with --deadline)" in warning.message


def test_several_plans_in_one_document_are_validated_apart() -> None:
    nld = Graph().parse(ROOT / "examples/plans/nld-2024.ttl")
    bel = Graph().parse(ROOT / "examples/plans/bel-2024.ttl")
    both = nld + bel
    report = validate_graph(both, "both")
    assert report.results == []  # each plan lists each practice once; no false duplicates
    assert len(report.plans) == 2


def test_context_data_graph_is_small_and_ignores_kg_statements() -> None:
    ctx = cached_context()
    plan = Graph().parse(FIXTURES / "plan-declares-practice.ttl")
    data = ctx.data_graph(plan)
    assert len(data) < 400
    assert (
        URIRef("https://example.org/fixture/my-practice"),
        RDF.type,
        URIRef("https://w3id.org/drugpolicy-kg/ontology#BestPractice"),
    ) not in data


@pytest.mark.parametrize("with_practices", [True, False])
def test_the_layered_data_graph_holds_what_the_copied_one_holds(with_practices: bool) -> None:
    """The fast engine's data graph shares the plan's and the KG's indexes
    (``IndexedMemory.union``) when the plan leaves the KG alone, and copies triple by triple
    when it restates it: both give the triples of the rdflib-store path, and the plan is not
    changed by changes to its data graph."""
    from drugpolicy_kg.rdfio import load_graph

    ctx = cached_context()
    files = sorted(FIXTURES.glob("*.ttl")) + sorted((ROOT / "examples" / "plans").glob("*.ttl"))
    assert len(files) > 20
    for file in files:
        plan = load_graph(file)
        before = set(plan)
        fast = ctx.data_graph(plan, with_practices=with_practices, store="indexed")
        slow = ctx.data_graph(set(plan), with_practices=with_practices)
        assert set(fast) == set(slow) and len(fast) == len(slow), file.name
        fast.add((URIRef("https://example.org/new"), RDF.type, URIRef("https://example.org/C")))
        fast.remove((None, RDF.type, None))
        assert set(plan) == before, file.name
    layered = ctx.data_graph(load_graph(FIXTURES / "valid-minimal.ttl"), store="indexed")
    assert layered.store._shared  # the common case shares, it does not copy


def test_conditional_rule_is_reported_once_on_the_entry() -> None:
    """Regression: the measures rule is checked from each status node; an entry with two
    statuses is reached twice but reported once, on the entry, with the missing property."""
    from drugpolicy_kg.vocab import DPO

    graph = Graph().parse(FIXTURES / "adopted-without-measures.ttl")
    entry = URIRef("https://example.org/fixture/e1")
    graph.add((entry, DPO.status, DPO.Planned))
    report = validate_graph(graph, "x")
    measures = [r for r in report.results if r.shape.endswith("#EntryMeasuresShape")]
    assert len(measures) == 1
    assert measures[0].focus_node == str(entry)
    assert measures[0].path == f"<{DPO.implementationMeasures}>"
    assert measures[0].value is None
    # The two statuses are still a Violation of their own.
    assert any(r.shape.endswith("#EntryStatusShape") for r in report.results)


ORDER_SENSITIVE = """
@prefix dpo: <https://w3id.org/drugpolicy-kg/ontology#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix country: <http://publications.europa.eu/resource/authority/country/> .
@prefix block: <https://w3id.org/drugpolicy-kg/id/block/> .
@prefix practice: <https://w3id.org/drugpolicy-kg/id/practice/> .
@prefix : <https://example.org/fixture/> .
:plan a dpo:ActionPlan ; dpo:submittedBy country:NLD ; dcterms:issued "2024-05-30"^^xsd:date ;
    dpo:respondsTo <https://w3id.org/drugpolicy-kg/id/decision/7301-24> ;
    dpo:hasSection :s1 , :s2 , :s3 , :s4 .
:s1 a dpo:ActionPlanSection ; dpo:buildingBlock block:I .
:s2 a dpo:ActionPlanSection ; dpo:buildingBlock block:II ; dpo:hasEntry :e2 , :e1 .
:s1 dpo:hasEntry :e1 .
:e1 a dpo:ActionPlanEntry ; dpo:practice practice:I.1 ; dpo:status dpo:Adopted ;
    dpo:earmarkedFunds :funds .
:e2 a dpo:ActionPlanEntry ; dpo:practice practice:II.1 ; dpo:status dpo:Planned ;
    dpo:implementationMeasures "An agreement between police and customs."@en ;
    dpo:earmarkedFunds :funds .
:funds a dpo:FundAllocation ; dpo:amount "-5"^^xsd:decimal ; dpo:currency "euro" .
:s3 a dpo:ActionPlanSection ; dpo:buildingBlock block:III ; dpo:hasEntry :e3 .
:e3 a dpo:ActionPlanEntry ; dpo:practice practice:III.2 , practice:III.1 ;
    dpo:status dpo:NotPlanned .
:s4 a dpo:ActionPlanSection ; dpo:buildingBlock block:IV , block:I ; dpo:hasEntry :e4 .
:e4 a dpo:ActionPlanEntry ; dpo:practice practice:IV.6 ; dpo:status dpo:UnderAssessment .
"""


def test_messages_depend_on_the_triples_not_on_their_order() -> None:
    """An entry listed in two sections, a fund earmarked by two entries, an entry naming two
    practices, a section of two blocks: the practice, block and words a message names are
    chosen from the triples alone, so every order of the same triples, both engines, and
    plans read by rdflib or by the project's reader give the same results (the data graph is
    shared with the parsed plan, whose index keeps the file's order)."""
    import random

    from drugpolicy_kg.rdfio import load_graph

    parsed = Graph().parse(data=ORDER_SENSITIVE, format="turtle")
    lines = sorted(parsed.serialize(format="nt").splitlines())
    fast, reference = Engine(method="fast"), Engine(method="pyshacl")

    def results(graph: Graph, engine: Engine) -> list[tuple[object, ...]]:
        found = engine.validate(graph).results
        return [(r.severity, r.focus_node, r.shape, r.message, r.practice, r.block) for r in found]

    expected = results(parsed, reference)
    assert any("listed in the section" not in m for _s, _f, _sh, m, _p, _b in expected)
    shuffle = random.Random(7)
    for _ in range(6):
        shuffle.shuffle(lines)
        text = ("\n".join(lines) + "\n").encode("utf-8")
        for engine in (fast, reference):
            assert results(load_graph(text, name="plan.nt"), engine) == expected
            assert results(Graph().parse(data=text, format="nt"), engine) == expected
