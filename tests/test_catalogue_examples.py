"""The plan queries over the example plans (examples/plans/), against a plain-Python reading.

The expected answers are computed by walking the example plans' triples in Python (plan ->
section -> entry -> practice/status), not with SPARQL, so a wrong query cannot agree with
its own expectation. Skipped if the examples are not in the checkout.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from drugpolicy_kg import catalogue
from drugpolicy_kg.engines import open_engine
from drugpolicy_kg.engines.base import QueryEngine
from drugpolicy_kg.vocab import DCTERMS, DECISION, DPO, PROV, RDF, country_iri

EXAMPLES = Path(__file__).parent.parent / "examples" / "plans"
pytestmark = pytest.mark.skipif(not EXAMPLES.is_dir(), reason="examples/plans not present")


@pytest.fixture(scope="module")
def statuses() -> dict[URIRef, dict[URIRef, URIRef]]:
    """state -> practice -> status of its current plan (one no example revises), without SPARQL."""
    out: dict[URIRef, dict[URIRef, URIRef]] = defaultdict(dict)
    graphs = [Graph().parse(f, format="turtle") for f in sorted(EXAMPLES.glob("*.ttl"))]
    revised = {o for g in graphs for o in g.objects(None, PROV.wasRevisionOf)}
    assert len(revised) >= 2, "the examples hold revisions (issue #17)"
    for g in graphs:
        for plan in g.subjects(RDF.type, DPO.ActionPlan):
            if plan in revised:
                continue
            state = g.value(plan, DPO.submittedBy)
            for section in g.objects(plan, DPO.hasSection):
                for entry in g.objects(section, DPO.hasEntry):
                    out[state][g.value(entry, DPO.practice)] = g.value(entry, DPO.status)  # type: ignore[index]
    return out


@pytest.fixture(scope="module", params=["oxigraph", "rdflib"])
def engine(request: pytest.FixtureRequest) -> QueryEngine:
    return open_engine(request.param, plans=[str(EXAMPLES)])


def test_adoption_matrix(engine: QueryEngine, statuses: dict) -> None:  # type: ignore[type-arg]
    res = catalogue.run_query("adoption-matrix", engine=engine)
    got = {(r[0], r[2]): r[3] for r in res.rows}
    want = {(s, p): st for s, m in statuses.items() for p, st in m.items()}
    assert got == want and len(res.rows) == len(want) == 3 * 44


def test_peers_for_every_practice(engine: QueryEngine, statuses: dict) -> None:  # type: ignore[type-arg]
    practices = {p for m in statuses.values() for p in m}
    for practice in sorted(practices):
        notation = str(practice).rsplit("/", 1)[-1]
        res = catalogue.run_query("peers-adopted-practice", {"practice": notation}, engine=engine)
        want = {s for s, m in statuses.items() if m.get(practice) == DPO.Adopted}
        assert {r[1] for r in res.rows} == want, notation


def test_practices_nobody_adopted(engine: QueryEngine, statuses: dict) -> None:  # type: ignore[type-arg]
    res = catalogue.run_query("practices-nobody-adopted", engine=engine)
    adopted = {p for m in statuses.values() for p, st in m.items() if st == DPO.Adopted}
    all_practices = {p for m in statuses.values() for p in m}
    assert {r[1] for r in res.rows} == all_practices - adopted
    for row in res.rows:
        counts = Counter(m[row[1]] for m in statuses.values())
        assert (int(row[2]), int(row[3]), int(row[4])) == (  # type: ignore[arg-type]
            counts[DPO.Planned],
            counts[DPO.UnderAssessment],
            counts[DPO.NotPlanned],
        )


def test_coverage_by_block(engine: QueryEngine, statuses: dict) -> None:  # type: ignore[type-arg]
    from drugpolicy_kg.kg import cached_kg

    kg = cached_kg()
    block_of = {p: kg.value(p, DPO.buildingBlock) for m in statuses.values() for p in m}
    res = catalogue.run_query("coverage-by-block", engine=engine)
    assert len(res.rows) == 3 * 4
    for state, block, practices, reported, adopted, planned, ua, np_ in res.rows:
        mine = [st for p, st in statuses[state].items() if block_of[p] == block]  # type: ignore[index]
        c = Counter(mine)
        assert [int(x) for x in (practices, reported, adopted, planned, ua, np_)] == [  # type: ignore[arg-type]
            len(mine),
            len(mine),
            c[DPO.Adopted],
            c[DPO.Planned],
            c[DPO.UnderAssessment],
            c[DPO.NotPlanned],
        ]


def test_not_planned_reasons(engine: QueryEngine, statuses: dict) -> None:  # type: ignore[type-arg]
    res = catalogue.run_query("not-planned-reasons", engine=engine)
    want = {(p, s) for s, m in statuses.items() for p, st in m.items() if st == DPO.NotPlanned}
    assert {(r[1], r[3]) for r in res.rows} == want
    per_practice = Counter(p for p, _ in want)
    assert all(int(r[2]) == per_practice[r[1]] for r in res.rows)  # type: ignore[arg-type]


def test_plan_status_for_each_state(engine: QueryEngine, statuses: dict) -> None:  # type: ignore[type-arg]
    for state, m in statuses.items():
        code = str(state).rsplit("/", 1)[-1]
        res = catalogue.run_query("plan-status-for-state", {"state": code}, engine=engine)
        assert {r[2]: r[3] for r in res.rows} == m


def test_missing_and_late(engine: QueryEngine) -> None:
    from drugpolicy_kg.kg import cached_kg

    addressees = set(cached_kg().objects(DECISION, DPO.addressedTo))
    res = catalogue.run_query("missing-and-late-plans", engine=engine)
    # The three first plans are issued on 28 May, 30 May and 3 June 2024: on time; the
    # revisions of 2025 are not first submissions, so they are never late.
    assert {r[0]: str(r[2]) for r in res.rows} == {
        s: "missing" for s in addressees - {country_iri(c) for c in ("NLD", "BEL", "FRA")}
    }
    late = catalogue.run_query("missing-and-late-plans", {"deadline": "2024-05-29"}, engine=engine)
    assert {r[0] for r in late.rows if str(r[2]) == "late"} == {
        country_iri("NLD"),
        country_iri("BEL"),
    }
    assert DCTERMS.issued  # the examples carry dcterms:issued (contract)
