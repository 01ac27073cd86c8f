"""The fast engine gives the reference engine's answers for the whole catalogue.

This test is what makes oxigraph the default engine (issue #4, point 3). It runs every
catalogue query with its default parameters, on the KG alone and with the fixture plans,
and compares the variables, the rows as multisets, and the order where the query orders.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from drugpolicy_kg import catalogue
from drugpolicy_kg.engines import DEFAULT_ENGINE, open_engine
from drugpolicy_kg.engines.base import QueryEngine

PLANS = Path(__file__).parent / "fixtures" / "query" / "plans"
EXAMPLES = Path(__file__).parent.parent / "examples" / "plans"
DATASETS = {
    "kg": [],
    "kg+fixtures": [str(PLANS)],
    **({"kg+examples": [str(EXAMPLES)]} if EXAMPLES.is_dir() else {}),
}
NAMES = sorted(catalogue.catalogue())


@pytest.fixture(scope="module")
def pairs() -> dict[str, tuple[QueryEngine, QueryEngine]]:
    return {
        name: (open_engine("rdflib", plans=plans), open_engine("oxigraph", plans=plans))
        for name, plans in DATASETS.items()
    }


def test_default_engine_is_oxigraph() -> None:
    assert DEFAULT_ENGINE == "oxigraph"


@pytest.mark.parametrize("dataset", list(DATASETS))
@pytest.mark.parametrize("name", NAMES)
def test_same_answers(
    name: str, dataset: str, pairs: dict[str, tuple[QueryEngine, QueryEngine]]
) -> None:
    reference, fast = pairs[dataset]
    a = catalogue.run_query(name, engine=reference)
    b = catalogue.run_query(name, engine=fast)
    assert a.kind == b.kind
    assert a.vars == b.vars
    assert Counter(a.rows) == Counter(b.rows)
    q = catalogue.get(name)
    if "ORDER BY" in q.text:
        # Rows equal in every ORDER BY key may legitimately come in any order, so compare
        # the sequence of order keys: the projected columns the query sorts on.
        keys = [c for c in a.vars if f"?{c}" in q.text.split("ORDER BY", 1)[1]]
        if keys:
            ia = [a.vars.index(k) for k in keys]
            assert [tuple(r[i] for i in ia) for r in a.rows] == [
                tuple(r[i] for i in ia) for r in b.rows
            ]


def test_group_by_over_no_solutions_does_not_leak_a_row() -> None:
    # Regression: with every practice adopted somewhere, rdflib returned 44 unbound rows
    # for practices-nobody-adopted (GROUP BY over an empty subquery gave one unbound group).
    from rdflib import Graph

    from drugpolicy_kg.engines.rdflib_engine import RdflibEngine
    from drugpolicy_kg.kg import cached_kg
    from drugpolicy_kg.vocab import DPK, DPO, RDF

    plan = Graph()
    for i, practice in enumerate(cached_kg().subjects(RDF.type, DPO.BestPractice)):
        entry = DPK[f"test/entry/{i}"]
        plan.add((DPK["test/plan"], RDF.type, DPO.ActionPlan))
        plan.add((DPK["test/plan"], DPO.hasSection, DPK["test/section"]))
        plan.add((DPK["test/section"], DPO.hasEntry, entry))
        plan.add((entry, DPO.practice, practice))
        plan.add((entry, DPO.status, DPO.Adopted))
    engine = RdflibEngine(cached_kg())
    engine.add_graph(plan)
    assert catalogue.run_query("practices-nobody-adopted", engine=engine).rows == []
