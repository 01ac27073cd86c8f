"""The fast paths of the validation engine give exactly the results of pySHACL as shipped.

The engine runs the shapes compiled by ``validation.fast`` (``Engine()``), or pySHACL on a shapes
graph that answers each lookup once, and validates batches in forked workers
(warmed first, files in chunks). None of it may change a result: same severity, focus node,
shape, path, value and message, and the same ``sh:ValidationReport`` graph.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from drugpolicy_kg import synth
from drugpolicy_kg.rdfio import load_untrusted, union_graph
from drugpolicy_kg.validation.engine import Engine, validate_files
from drugpolicy_kg.validation.engine import validate_graph as _real_validate_graph

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


def test_pyshacl_is_not_patched() -> None:
    """Building engines changes nothing in pySHACL: it writes its usual text report."""
    from pyshacl import validate

    Engine()
    Engine(method="pyshacl")
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


# --------------------------------------------------------------------------- blank-node labels

BNODES = ROOT / "tests" / "fixtures" / "hostile" / "e2e" / "bnode-entries.ttl"


def test_blank_node_labels_come_from_content_not_from_the_parser() -> None:
    from drugpolicy_kg.validation.engine import _content_labels, _stable_blank_nodes

    first = union_graph(load_untrusted(str(BNODES)))
    second = union_graph(load_untrusted(str(BNODES)))  # fresh random blank-node labels
    labels = _content_labels(first)
    assert labels  # every blank node told apart by its content: no fallback
    a, b = _stable_blank_nodes(first), _stable_blank_nodes(second)
    assert sorted(a) == sorted(b)  # the same labels, triple for triple
    assert isomorphic(a, first)
    engine = Engine()
    assert engine.validate(first, "x").results == engine.validate(second, "x").results


def test_look_alike_blank_nodes_fall_back_to_canonical_labels() -> None:
    from drugpolicy_kg.validation.engine import _content_labels, _stable_blank_nodes

    text = """@prefix ex: <https://example.org/> .
    ex:a ex:p [ ex:q "x" ], [ ex:q "x" ] ; ex:r [ ex:s [ ex:q "x" ] ] ."""
    one = Graph().parse(data=text, format="turtle")
    two = Graph().parse(data=text, format="turtle")
    assert _content_labels(one) == {}
    assert sorted(_stable_blank_nodes(one)) == sorted(_stable_blank_nodes(two))
    assert isomorphic(_stable_blank_nodes(one), one)
    assert _content_labels(Graph().parse(data="<urn:a> <urn:b> <urn:c> .", format="nt")) is None


# --------------------------------------------------------------------------- one watchdog per worker


def _hang_on_fra(document, name="<graph>", deadline=None):
    if "fra-2024" in name:
        time.sleep(60)
    return _real_validate_graph(document, name, deadline)


def test_a_runaway_file_is_stopped_by_name_and_the_batch_needs_one_child_per_worker(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from drugpolicy_kg.errors import TimeLimitExceeded
    from drugpolicy_kg.validation import engine, watchdog

    started: list[int] = []
    real_init = watchdog._Child.__init__

    def counting_init(self, *args, **kwargs):
        started.append(1)
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(watchdog._Child, "__init__", counting_init)
    examples = sorted(str(p) for p in (ROOT / "examples" / "plans").glob("*.ttl"))
    reports = validate_files(examples * 3, workers=1, timeout=60)
    assert [r.file for r in reports] == examples * 3
    assert len(started) == 1  # one forked child for nine files, not one per file

    monkeypatch.setattr(engine, "validate_graph", _hang_on_fra)
    fra = str(ROOT / "examples" / "plans" / "fra-2024.ttl")
    bel = str(ROOT / "examples" / "plans" / "bel-2024.ttl")
    missing = str(ROOT / "no-such-plan.ttl")
    for workers in (1, 2):
        with pytest.raises(TimeLimitExceeded) as caught:
            validate_files([bel, fra, missing, bel], workers=workers, timeout=0.5)
        # the first failing file in the given order, named, with the usual advice
        assert str(caught.value).startswith(f"validation of {fra} timed out after 0.5 s")
        assert "--timeout" in str(caught.value)


def test_the_file_queued_behind_a_runaway_is_given_back_and_validated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each worker holds two files (the one in work and the next, so it never waits for the
    parent); when the first runs out of time the worker is stopped, and the file queued behind
    it goes to a fresh worker: every other file is still validated, in the order given."""
    from drugpolicy_kg.validation import engine, watchdog

    assert watchdog.DEPTH == 2
    monkeypatch.setattr(engine, "validate_graph", _hang_on_fra)
    plans = ROOT / "examples" / "plans"
    fra, bel, nld = (str(plans / f"{s}-2024.ttl") for s in ("fra", "bel", "nld"))
    for workers in (1, 2):
        failed: list[tuple[str, str]] = []
        reports = validate_files(
            [bel, fra, nld, bel, nld],
            workers=workers,
            timeout=0.5,
            on_error=lambda path, exc, failed=failed: failed.append((path, str(exc))),
        )
        assert [r.file for r in reports] == [bel, nld, bel, nld]
        assert [path for path, _ in failed] == [fra]
        assert "timed out after 0.5 s" in failed[0][1]


def test_without_the_standard_report_the_results_are_the_same(synthetic: list[str]) -> None:
    """``standard=False`` (every CLI format but Turtle) spares the standard report only: the
    results, in one process and in workers, are those of a run that makes it."""
    files = synthetic[:12] + sorted(str(p) for p in (ROOT / "examples" / "plans").glob("*.ttl"))
    full = validate_files(files, workers=1, records=True)
    for workers in (1, 2):
        lean = validate_files(files, workers=workers, records=True, standard=False)
        assert [r.results for r in lean] == [r.results for r in full]
        assert [r.records for r in lean] == [r.records for r in full]
        assert all(r.report_ntriples == "" for r in lean)
    assert all("ValidationReport" in r.report_ntriples for r in full)


def _scripted(path: str, deadline: object = None) -> object:
    """A stand-in for ``validate_file`` whose behaviour is named by the file: ``slow`` never
    ends, ``crash`` kills its worker, ``mid-S`` takes S seconds, anything else is a report."""
    import os as _os

    from drugpolicy_kg.validation.report import PlanReport

    name = _os.path.basename(path)
    if name.startswith("slow"):
        time.sleep(100)
    if name.startswith("crash"):
        _os._exit(3)
    if name.startswith("mid"):
        time.sleep(float(name.split("-")[1]))
    return PlanReport(file=path, results=[], deadline=None)  # type: ignore[arg-type]


def _slow_callback(report: object) -> None:
    if "sleepcb" in report.file:  # type: ignore[attr-defined]
        time.sleep(1.5)


def test_a_worker_that_dies_holding_two_files_names_the_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """While the parent is busy with one answer, the worker dies on the next file; the file
    handed to it meanwhile (its pipe broken) goes back in line: the error names the file the
    worker died on, as when files went one at a time, never a broken pipe."""
    from drugpolicy_kg.errors import EngineError
    from drugpolicy_kg.validation import engine, watchdog

    monkeypatch.setattr(engine, "validate_file", _scripted)
    paths = ["fast-sleepcb0", "crash1", "fast2", "fast3"]
    with pytest.raises(EngineError, match="validation of crash1 stopped unexpectedly"):
        watchdog.validate_batch(paths, None, 1, 30, _slow_callback, False, lambda p, e: None)


def test_files_given_back_by_stopped_workers_keep_their_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two workers stopped in the same check give their queued files back in file order, so
    the first file that crashes a worker is run and named (not a later one)."""
    from drugpolicy_kg.errors import EngineError
    from drugpolicy_kg.validation import engine, watchdog

    monkeypatch.setattr(engine, "validate_file", _scripted)
    paths = ["slow0", "fast1", "mid-0.2-c2", "mid-0.4-sleepcb3", "crash4", "slow5", "crash6"]
    paths += ["fast7", "fast8", "fast9"]
    timed_out: list[str] = []
    with pytest.raises(EngineError, match="validation of crash4 stopped unexpectedly"):
        watchdog.validate_batch(
            paths, None, 4, 2, _slow_callback, False, lambda p, e: timed_out.append(p)
        )
