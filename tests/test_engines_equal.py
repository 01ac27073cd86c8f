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
NAMES = sorted(catalogue.catalogue())


@pytest.fixture(scope="module")
def pairs() -> dict[bool, tuple[QueryEngine, QueryEngine]]:
    out = {}
    for with_plans in (False, True):
        plans = [str(PLANS)] if with_plans else []
        out[with_plans] = (open_engine("rdflib", plans=plans), open_engine("oxigraph", plans=plans))
    return out


def test_default_engine_is_oxigraph() -> None:
    assert DEFAULT_ENGINE == "oxigraph"


@pytest.mark.parametrize("with_plans", [False, True], ids=["kg", "kg+plans"])
@pytest.mark.parametrize("name", NAMES)
def test_same_answers(
    name: str, with_plans: bool, pairs: dict[bool, tuple[QueryEngine, QueryEngine]]
) -> None:
    reference, fast = pairs[with_plans]
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
