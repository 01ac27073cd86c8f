"""The QueryEngine interface: every engine behaves alike, and says so when it cannot."""

from __future__ import annotations

import time

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD

from drugpolicy_kg.engines import open_engine
from drugpolicy_kg.engines.base import QueryEngine, run_with_timeout
from drugpolicy_kg.engines.oxigraph_engine import OxigraphEngine, from_ox, to_ox
from drugpolicy_kg.engines.rdflib_engine import RdflibEngine
from drugpolicy_kg.engines.remote import RemoteEngine, parse_results_json
from drugpolicy_kg.errors import EngineError, InputError
from drugpolicy_kg.results import to_json
from drugpolicy_kg.vocab import DPK, RDFS


def small_graph() -> Graph:
    g = Graph()
    g.add((DPK["a"], RDFS.label, Literal("a", lang="en")))
    g.add((DPK["a"], DPK["n"], Literal(3)))
    g.add((DPK["b"], DPK["n"], Literal("x")))
    g.add((DPK["b"], DPK["link"], BNode("b1")))
    return g


def engines() -> list[QueryEngine]:
    ox = OxigraphEngine()
    ox.add_graph(small_graph())
    return [RdflibEngine(small_graph()), ox]


@pytest.mark.parametrize("engine", engines(), ids=lambda e: e.name)
def test_select_ask_construct(engine: QueryEngine) -> None:
    sel = engine.query(
        f"SELECT ?s ?n WHERE {{ ?s <{DPK['n']}> ?n }} ORDER BY ?s", bindings={"s": DPK["a"]}
    )
    assert sel.kind == "SELECT" and sel.vars == ["s", "n"]
    assert sel.rows == [(DPK["a"], Literal(3))]
    ask = engine.query(f"ASK {{ <{DPK['b']}> ?p ?o }}")
    assert ask.kind == "ASK" and ask.boolean is True
    con = engine.query(f"CONSTRUCT {{ ?s <{DPK['m']}> ?n }} WHERE {{ ?s <{DPK['n']}> ?n }}")
    assert con.kind == "CONSTRUCT" and con.graph is not None and len(con.graph) == 2
    assert len(engine) == 4


@pytest.mark.parametrize("engine", engines(), ids=lambda e: e.name)
def test_syntax_errors_are_input_errors_with_position(engine: QueryEngine) -> None:
    with pytest.raises(InputError) as err:
        engine.query("SELECT * WHERE {\n ?s ?p }", source="x.rq")
    assert err.value.source == "x.rq" and err.value.line is not None


def test_remote_engine_names_itself_for_missing_methods() -> None:
    remote = RemoteEngine("http://127.0.0.1:9/query")
    with pytest.raises(NotImplementedError, match="remote"):
        remote.add_graph(small_graph())
    with pytest.raises(NotImplementedError, match="remote"):
        len(remote)
    with pytest.raises(NotImplementedError, match="remote"):
        RemoteEngine(store_url="http://127.0.0.1:9/store").query("ASK {}")


@pytest.mark.parametrize(
    "term",
    [
        URIRef("http://x/a"),
        Literal("plain"),
        Literal("tagged", lang="fr"),
        Literal("3", datatype=XSD.integer),
        Literal("2024-06-04", datatype=XSD.date),
        BNode("b0"),
    ],
)
def test_terms_round_trip(term: object) -> None:
    assert from_ox(to_ox(term)) == term  # type: ignore[arg-type]


def test_results_json_round_trip() -> None:
    import json

    res = engines()[1].query(
        f"SELECT ?s ?l ?n WHERE {{ ?s <{DPK['n']}> ?n OPTIONAL {{ ?s <{RDFS.label}> ?l }} }}"
    )
    back = parse_results_json(json.loads(to_json(res)))
    assert back.vars == res.vars and set(back.rows) == set(res.rows)


def test_timeout_returns_control() -> None:
    start = time.monotonic()
    with pytest.raises(EngineError, match=r"0\.2 s"):
        run_with_timeout(lambda: time.sleep(3), 0.2, what="slow")
    assert time.monotonic() - start < 2
    assert run_with_timeout(lambda: 42, 1, what="fast") == 42
    with pytest.raises(ZeroDivisionError):
        run_with_timeout(lambda: 1 / 0, 1, what="error")


def test_unknown_engine_is_refused() -> None:
    with pytest.raises(InputError, match="unknown engine"):
        open_engine("blazegraph")


def test_cached_store_is_reused(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DRUGPOLICY_KG_CACHE", str(tmp_path))
    a = open_engine("oxigraph", use_cache=True)
    n = len(a)
    a.close()
    stores = list(tmp_path.glob("store-*"))
    assert len(stores) == 1 and (stores[0] / ".complete").is_file()
    b = open_engine("oxigraph", use_cache=True)
    assert len(b) == n
    assert list(tmp_path.glob("store-*")) == stores


def test_known_fast_query_runs_inline_and_data_change_forgets_it() -> None:
    import threading

    engine = OxigraphEngine()
    engine.add_graph(small_graph())
    seen: list[str] = []
    run = lambda: seen.append(threading.current_thread().name) or 1  # noqa: E731
    engine.run_limited("k", run, 30, what="q")  # first run: the worker thread
    engine.run_limited("k", run, 30, what="q")  # known fast: the calling thread
    assert seen == ["dpkg-query", threading.current_thread().name]
    engine.add_graph(small_graph())  # new data: measured again on the worker
    engine.run_limited("k", run, 30, what="q")
    assert seen[-1] == "dpkg-query"


def test_slow_query_keeps_the_enforced_limit() -> None:
    engine = OxigraphEngine()
    engine.run_limited("slow", lambda: time.sleep(0.05), 1.0, what="q")  # > 1/100 of the limit
    assert "slow" not in engine.__dict__["_known_fast"]
    with pytest.raises(EngineError, match="did not finish"):
        engine.run_limited("slow", lambda: time.sleep(0.5), 0.1, what="q")


def test_rows_are_converted_on_first_read() -> None:
    engine = OxigraphEngine()
    engine.add_graph(small_graph())
    res = engine.query(f"SELECT ?s ?n WHERE {{ ?s <{DPK['n']}> ?n }} ORDER BY ?s")
    assert "rows" not in res.__dict__  # not converted yet
    assert res.rows == [(DPK["a"], Literal(3)), (DPK["b"], Literal("x"))]
    assert res == RdflibEngine(small_graph()).query(
        f"SELECT ?s ?n WHERE {{ ?s <{DPK['n']}> ?n }} ORDER BY ?s"
    )
