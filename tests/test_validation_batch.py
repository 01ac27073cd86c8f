"""The fast paths of the validation engine give exactly the results of pySHACL as shipped.

The engine speeds pySHACL up (``validation._speed``: no text descriptions, ``sh:in`` lists read
once; a shapes graph that answers each lookup once) and validates batches in forked workers
(warmed first, files in chunks). None of it may change a result: same severity, focus node,
shape, path, value and message, and the same ``sh:ValidationReport`` graph.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from drugpolicy_kg import synth
from drugpolicy_kg.rdfio import load_untrusted, union_graph
from drugpolicy_kg.validation.engine import Engine, validate_files

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted(
    str(p)
    for folder in (ROOT / "examples" / "plans", ROOT / "tests" / "fixtures" / "plans")
    for p in folder.glob("*.ttl")
)


@pytest.fixture(scope="module")
def engines() -> tuple[Engine, Engine]:
    return Engine(), Engine(fast=False)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """30 synthetic plans with ~8% of entries carrying an injected error."""
    plans = synth.generate(synth.config_for_plans(30, error_rate=0.08, seed=11))[:30]
    assert any(plan.errors for plan in plans)
    folder = tmp_path_factory.mktemp("synth")
    return [str(p) for p in synth.write_corpus(plans, folder)]


def _same(fast_report, plain_report) -> None:  # type: ignore[no-untyped-def]
    assert fast_report.results == plain_report.results
    assert fast_report.plans == plain_report.plans
    fast_graph = Graph().parse(data=fast_report.report_ntriples, format="nt")
    plain_graph = Graph().parse(data=plain_report.report_ntriples, format="nt")
    assert isomorphic(fast_graph, plain_graph)


@pytest.mark.parametrize("path", FILES, ids=lambda p: Path(p).name)
def test_fast_engine_equals_pyshacl_as_shipped_on_fixtures(
    engines: tuple[Engine, Engine], path: str
) -> None:
    fast, plain = engines
    document = union_graph(load_untrusted(path))
    _same(fast.validate(document, path), plain.validate(document, path))


def test_fast_engine_equals_pyshacl_as_shipped_on_synthetic_errors(
    engines: tuple[Engine, Engine], synthetic: list[str]
) -> None:
    fast, plain = engines
    violations = 0
    for path in synthetic:
        document = union_graph(load_untrusted(path))
        fast_report = fast.validate(document, path)
        _same(fast_report, plain.validate(document, path))
        violations += fast_report.counts()["Violation"]
    assert violations > 0  # the injected errors were found


def test_workers_and_one_process_agree(synthetic: list[str]) -> None:
    files = FILES + synthetic
    one = validate_files(files, workers=1, timeout=0)
    two = validate_files(files, workers=2, timeout=0)
    limited = validate_files(files[:10], workers=2, timeout=60)
    assert [r.file for r in two] == files
    for a, b in zip(one, two, strict=True):
        _same(a, b)
    for a, b in zip(one[:10], limited, strict=True):
        assert a.results == b.results


def test_speed_ups_are_scoped() -> None:
    """Outside the engine's runs pySHACL writes its usual text report."""
    from pyshacl import validate

    Engine()  # installs the speed-ups
    shapes = Graph().parse(
        data="""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <https://example.org/> .
        ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:property [ sh:path ex:p ; sh:in (ex:b) ] .""",
        format="turtle",
    )
    data = Graph().parse(
        data="<https://example.org/a> <https://example.org/p> <https://example.org/c> .",
        format="turtle",
    )
    conforms, _graph, text = validate(data, shacl_graph=shapes)
    assert not conforms
    assert "InConstraintComponent" in text and "Focus Node" in text
