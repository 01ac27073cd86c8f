"""Every catalogue query against answers derived from the Decision and the fixture plans.

The golden files (tests/golden/*.json) are hand-derived; see tests/golden/README.md. Each
case runs on both embedded engines, so the reference engine checks the answers too.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from drugpolicy_kg import catalogue
from drugpolicy_kg.engines.base import QueryEngine
from drugpolicy_kg.results import human

GOLDEN = Path(__file__).parent / "golden"
PLANS = Path(__file__).parent / "fixtures" / "query" / "plans"
CASES = sorted(GOLDEN.glob("*.json"))
EXPECTED_CASES = 53


def test_golden_glob_found_every_case() -> None:
    # A broken glob must not pass silently (STYLE.md).
    assert len(CASES) == EXPECTED_CASES


def test_every_catalogue_query_has_a_golden_case() -> None:
    covered = {json.loads(p.read_text(encoding="utf-8"))["query"] for p in CASES}
    assert set(catalogue.catalogue()) - covered == set()


@pytest.fixture(scope="module")
def engines() -> dict[tuple[str, bool], QueryEngine]:
    from drugpolicy_kg.engines import open_engine

    return {
        (name, plans): open_engine(name, plans=[str(PLANS)] if plans else [])
        for name in ("oxigraph", "rdflib")
        for plans in (False, True)
    }


@pytest.mark.parametrize("engine_name", ["oxigraph", "rdflib"])
@pytest.mark.parametrize("case", CASES, ids=[p.stem for p in CASES])
def test_golden(case: Path, engine_name: str, engines: dict[tuple[str, bool], QueryEngine]) -> None:
    spec = json.loads(case.read_text(encoding="utf-8"))
    engine = engines[(engine_name, bool(spec["plans"]))]
    result = catalogue.run_query(spec["query"], spec["params"], engine=engine)
    missing_cols = set(spec["columns"]) - set(result.vars)
    assert not missing_cols, f"query does not return {missing_cols}"
    idx = [result.vars.index(c) for c in spec["columns"]]
    got = {tuple(human(row[i]) for i in idx) for row in result.rows}
    want = {tuple(r) for r in spec["rows"]}
    if spec.get("match", "exact") == "contains":
        assert want - got == set(), spec["source"]
    else:
        assert got == want, (
            f"{spec['source']}\nunexpected: {sorted(got - want)}\nmissing: {sorted(want - got)}"
        )
        # Duplicated rows would hide behind the set comparison.
        assert len(result.rows) == len({tuple(r) for r in result.rows})
