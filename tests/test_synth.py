"""The synthetic plan generator (issue #7): deterministic, scalable, of the contract's shape."""

from __future__ import annotations

from collections import Counter

import pytest
from rdflib import Graph

from drugpolicy_kg import synth
from drugpolicy_kg.vocab import DCTERMS, DECISION, DPO, RDF, STATUSES, XSD


@pytest.fixture(scope="module")
def two_cycles() -> list[synth.Plan]:
    return synth.generate(synth.SynthConfig(cycles=2))


def test_same_seed_gives_identical_bytes() -> None:
    a = synth.generate(synth.SynthConfig(seed=11, cycles=2, error_rate=0.05))
    b = synth.generate(synth.SynthConfig(seed=11, cycles=2, error_rate=0.05))
    assert synth.corpus_ntriples(a) == synth.corpus_ntriples(b)
    assert [p.turtle() for p in a] == [p.turtle() for p in b]


def test_other_seed_gives_other_plans() -> None:
    a = synth.corpus_ntriples(synth.generate(synth.SynthConfig(seed=1)))
    b = synth.corpus_ntriples(synth.generate(synth.SynthConfig(seed=2)))
    assert a != b


def test_more_cycles_only_append_plans() -> None:
    short = synth.generate(synth.SynthConfig(cycles=2))
    long = synth.generate(synth.SynthConfig(cycles=3))
    assert [p.ntriples() for p in long[: len(short)]] == [p.ntriples() for p in short]


def test_written_files_are_identical(tmp_path) -> None:  # type: ignore[no-untyped-def]
    plans = synth.generate(synth.SynthConfig(states=("NLD", "BEL")))
    first = synth.write_corpus(plans, tmp_path / "a")
    second = synth.write_corpus(plans, tmp_path / "b")
    assert [f.name for f in first] == ["NLD-001.ttl", "BEL-001.ttl"]
    assert [f.read_bytes() for f in first] == [f.read_bytes() for f in second]


def test_triples_grow_linearly_with_cycles() -> None:
    counts = [
        synth.corpus_ntriples(synth.generate(synth.SynthConfig(cycles=c))).count("\n")
        for c in (1, 2, 4)
    ]
    assert 7_000 < counts[0] < 9_000  # about 10k triples for the smallest corpus with the KG
    assert counts[0] < counts[1] < counts[2]
    assert counts[2] / counts[0] == pytest.approx(4, rel=0.05)


def test_turtle_and_ntriples_say_the_same(two_cycles: list[synth.Plan]) -> None:
    plan = two_cycles[5]
    g = Graph()
    g.parse(data=plan.turtle(), format="turtle")
    assert g.isomorphic(plan.graph())


def test_one_plan_per_state_and_cycle_with_contract_iris(two_cycles: list[synth.Plan]) -> None:
    assert len(two_cycles) == 54
    keys = Counter((p.state, p.cycle) for p in two_cycles)
    assert set(keys.values()) == {1}
    assert {p.state for p in two_cycles} == set(synth.ADDRESSEES)
    assert two_cycles[0].iri == "https://example.org/plan/BEL/1"
    assert two_cycles[27].iri == "https://example.org/plan/BEL/2"


def test_addressees_are_the_decisions(kg_graph: Graph) -> None:
    from drugpolicy_kg.vocab import country_iri

    assert {country_iri(c) for c in synth.ADDRESSEES} == set(
        kg_graph.objects(DECISION, DPO.addressedTo)
    )


def test_plans_follow_the_contract_shape(two_cycles: list[synth.Plan], kg_graph: Graph) -> None:
    practices = {
        p: kg_graph.value(p, DPO.buildingBlock)
        for p in kg_graph.subjects(RDF.type, DPO.BestPractice)
    }
    assert len(practices) == 44
    for plan in two_cycles:
        g = plan.graph()
        (iri,) = list(g.subjects(RDF.type, DPO.ActionPlan))
        assert str(iri) == plan.iri
        assert len(set(g.objects(iri, DPO.submittedBy))) == 1
        assert g.value(iri, DPO.respondsTo) == DECISION
        assert g.value(iri, DCTERMS.issued).datatype == XSD.date
        sections = list(g.objects(iri, DPO.hasSection))
        assert len(sections) == 4
        assert len({g.value(s, DPO.buildingBlock) for s in sections}) == 4
        seen = []
        for s in sections:
            assert (s, RDF.type, DPO.ActionPlanSection) in g
            for e in g.objects(s, DPO.hasEntry):
                practice = g.value(e, DPO.practice)
                assert practices[practice] == g.value(s, DPO.buildingBlock)
                statuses = list(g.objects(e, DPO.status))
                assert len(statuses) == 1 and statuses[0] in STATUSES
                if statuses[0] in (DPO.Adopted, DPO.Planned):
                    assert str(g.value(e, DPO.implementationMeasures)).strip()
                target = g.value(e, DPO.targetDate)
                if target is not None:
                    assert target.datatype == XSD.date
                    assert target.toPython() >= g.value(iri, DCTERMS.issued).toPython()
                seen.append(practice)
        assert len(seen) == 44 and set(seen) == set(practices)


def test_statuses_are_mixed_and_move_forward() -> None:
    plans = synth.generate(synth.SynthConfig(cycles=4))
    first = Counter(e.statuses[0] for p in plans if p.cycle == 1 for e in p.entries)
    last = Counter(e.statuses[0] for p in plans if p.cycle == 4 for e in p.entries)
    assert set(first) == set(STATUSES)  # a realistic mix, every status present
    assert last[DPO.Adopted] > first[DPO.Adopted]
    assert (
        last[DPO.Planned] + last[DPO.UnderAssessment]
        < first[DPO.Planned] + first[DPO.UnderAssessment]
    )
    # An adopted practice stays adopted: progress, not noise.
    by_state = {}
    for p in plans:
        for e in p.entries:
            prev = by_state.get((p.state, e.practice))
            if prev == DPO.Adopted:
                assert e.statuses[0] == DPO.Adopted
            by_state[(p.state, e.practice)] = e.statuses[0]


def test_error_rate_injects_recorded_errors() -> None:
    clean = synth.generate(synth.SynthConfig(cycles=2))
    assert all(not p.errors for p in clean)
    dirty = synth.generate(synth.SynthConfig(cycles=2, error_rate=0.1))
    kinds = Counter(kind for p in dirty for _, kind in p.errors)
    assert set(kinds) == set(synth.ERROR_KINDS)
    total = sum(kinds.values())
    assert 0.05 * 54 * 44 < total < 0.15 * 54 * 44


def test_extra_practices_extend_blocks() -> None:
    plans = synth.generate(synth.SynthConfig(extra_practices=5, states=("NLD",)))
    notations = [e.practice for e in plans[0].entries]
    assert len(notations) == 49
    assert {"I.9", "II.6", "III.11", "IV.22", "I.10"} <= set(notations)
    extension = synth.extra_practices_graph(5)
    assert len(set(extension.subjects(RDF.type, DPO.BestPractice))) == 5


def test_config_for_plans() -> None:
    assert len(synth.generate(synth.config_for_plans(1))) == 1
    assert len(synth.generate(synth.config_for_plans(270))) == 270
    with pytest.raises(ValueError):
        synth.SynthConfig(cycles=0)


validation = pytest.importorskip("drugpolicy_kg.validation.engine")


def _counts(report) -> Counter[str]:  # type: ignore[no-untyped-def]
    counts = report.counts() if callable(report.counts) else report.counts
    return Counter(counts)


def test_error_rate_zero_validates_without_violation(two_cycles: list[synth.Plan]) -> None:
    for plan in two_cycles[:27] + two_cycles[27:31]:
        report = validation.validate_graph(plan.graph(), plan.iri)
        assert _counts(report)["Violation"] == 0, [r.message for r in report.results]


def test_every_injected_error_is_a_violation() -> None:
    plans = synth.generate(synth.SynthConfig(states=("NLD", "FRA", "ITA"), error_rate=0.15))
    for plan in plans:
        assert plan.errors
        report = validation.validate_graph(plan.graph(), plan.iri)
        assert _counts(report)["Violation"] >= len({p for p, _ in plan.errors}) // 2
        assert not report.conforms if not callable(report.conforms) else not report.conforms()


def test_cycles_form_one_revision_chain_per_state() -> None:
    """Issue #17: cycle k > 1 revises the same state's plan of cycle k - 1, a year later."""
    from drugpolicy_kg.monitoring.revisions import plans_from_graph
    from drugpolicy_kg.validation.chain import chain_results

    plans = synth.generate(synth.SynthConfig(cycles=3, states=("NLD", "FRA", "ITA")))
    records = [r for p in plans for r in plans_from_graph(p.graph(), f"{p.state}-{p.cycle}")]
    by_iri = {r.iri: r for r in records}
    for r in records:
        assert r.cycle == str(r.issued.year)  # type: ignore[union-attr]
        if r.iri.endswith("/1"):
            assert r.revises == ()
        else:
            (old,) = r.revises
            assert by_iri[old].state == r.state and by_iri[old].issued < r.issued  # type: ignore[operator]
    found = [res for results in chain_results(records).values() for res in results]
    assert {res.severity for res in found} <= {"Warning"}
    assert all(res.shape.endswith("RevisionBackwardStatus") for res in found)
