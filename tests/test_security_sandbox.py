"""Issue #11, items 1, 2 and 6: untrusted queries cannot crash, hang or reach the network.

The hostile inputs are generated here: a seeded mix of xsd:dateTime values with and without a
timezone, durations and NaN makes pyoxigraph's ORDER BY panic (a Rust abort of the whole
process in pyoxigraph 0.5.13, the newest release when this was written); a loopback listener
counts the HTTP requests a SERVICE clause sends.
"""

from __future__ import annotations

import random
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from drugpolicy_kg.cli import cli as main
from drugpolicy_kg.engines.oxigraph_engine import OxigraphEngine
from drugpolicy_kg.engines.rdflib_engine import RdflibEngine
from drugpolicy_kg.errors import EngineError, InputError
from drugpolicy_kg.sparql_safety import check_local

XSD = "http://www.w3.org/2001/XMLSchema#"


def mixed_literals(n: int = 400, seed: int = 1) -> list[str]:
    """dateTimes with and without timezone, durations and NaN: no total order exists."""
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        r, d, h = rnd.random(), rnd.randint(1, 3), rnd.randint(0, 23)
        if r < 0.3:
            out.append(f'"2024-01-{d:02d}T{h:02d}:00:00"^^<{XSD}dateTime>')
        elif r < 0.6:
            out.append(f'"2024-01-{d:02d}T{h:02d}:00:00Z"^^<{XSD}dateTime>')
        elif r < 0.7:
            out.append(
                f'"2024-01-{d:02d}T{h:02d}:00:00+{rnd.randint(0, 14):02d}:00"^^<{XSD}dateTime>'
            )
        elif r < 0.8:
            out.append(f'"P{rnd.randint(28, 31)}D"^^<{XSD}duration>')
        elif r < 0.9:
            out.append(f'"P1M"^^<{XSD}duration>')
        else:
            out.append(f'"NaN"^^<{XSD}double>')
    return out


PANIC_QUERY = "SELECT ?x WHERE { VALUES ?x { " + " ".join(mixed_literals()) + " } } ORDER BY ?x"


def test_the_order_by_panic_still_aborts_a_process_running_pyoxigraph_directly(
    tmp_path: Path,
) -> None:
    """The engine bug is real (so the tests below can fail): raw pyoxigraph aborts."""
    import subprocess
    import sys

    script = tmp_path / "panic.py"
    script.write_text(
        "import pyoxigraph, sys\nlist(pyoxigraph.Store().query(sys.stdin.read()))\n",
        encoding="utf-8",
    )
    proc = subprocess.run(
        [sys.executable, str(script)], input=PANIC_QUERY.encode(), capture_output=True, timeout=60
    )
    assert proc.returncode < 0 or proc.returncode == 134
    assert b"total order" in proc.stderr


def test_engine_crash_on_a_query_file_is_exit_2_and_the_process_survives(
    runner, tmp_path: Path
) -> None:
    rq = tmp_path / "crash.rq"
    rq.write_text(PANIC_QUERY, encoding="utf-8")
    result = runner.invoke(main, ["query", str(rq), "--no-cache"])
    assert result.exit_code == 2, result.output
    assert "the query engine failed on this query" in result.output
    assert "Traceback" not in result.output and "stack backtrace" not in result.output
    # the same process goes on answering
    ok = runner.invoke(main, ["query", "practices-using-tool", "-p", "tool=SIS", "--no-cache"])
    assert ok.exit_code == 0, ok.output


def test_engine_crash_from_plan_data_with_a_catalogue_query(runner, tmp_path: Path) -> None:
    plan = tmp_path / "plan.ttl"
    plan.write_text(
        "@prefix dpo: <https://w3id.org/drugpolicy-kg/ontology#> .\n"
        "<urn:x:plan> a dpo:ActionPlan ; dpo:submittedBy "
        + " , ".join(mixed_literals())
        + " ;\n  dpo:hasSection [ dpo:hasEntry [ dpo:practice "
        "<https://w3id.org/drugpolicy-kg/id/practice/III.1> ; dpo:status dpo:Adopted ] ] .\n",
        encoding="utf-8",
    )
    for cache in (["--no-cache"], []):  # in memory, and the on-disk store reopened
        result = runner.invoke(
            main,
            ["query", "adoption-matrix", "--plans", str(plan), *cache],
            env={"DRUGPOLICY_KG_CACHE": str(tmp_path / "cache")},
        )
        assert result.exit_code == 2, result.output
        assert "the query engine failed on this query" in result.output
        assert "total order" in result.output


def test_engine_survives_and_the_next_query_gets_a_fresh_child() -> None:
    engine = OxigraphEngine()
    with pytest.raises(EngineError, match="failed on this query"):
        engine.query(PANIC_QUERY, timeout=30)
    assert engine.query("SELECT (1 AS ?one) WHERE {}").rows[0][0] == Literal(1)
    engine.close()


def test_sandboxed_results_equal_in_process_results(kg_graph) -> None:
    from drugpolicy_kg.catalogue import catalogue
    from drugpolicy_kg.engines import open_engine

    inproc = open_engine("oxigraph")
    boxed = open_engine("oxigraph")
    boxed.isolate = True
    for name in ("practices-using-tool", "eu-systems-ranked"):
        q = catalogue()[name]
        bindings = {"tool": URIRef("https://w3id.org/drugpolicy-kg/id/tool/SIS")}
        bindings = {k: v for k, v in bindings.items() if any(p.name == k for p in q.params)}
        a = inproc.query(q.text, bindings=bindings)
        b = boxed.query(q.text, bindings=bindings)
        assert a.vars == b.vars and a.rows == b.rows and a.terms == b.terms
    construct = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 5"
    assert len(boxed.query(construct).graph or ()) == 5
    boxed.close()


def test_memory_bomb_is_stopped_by_the_memory_cap(monkeypatch) -> None:
    monkeypatch.setenv("DRUGPOLICY_KG_QUERY_MEMORY", "64")
    values = " ".join(str(i) for i in range(300))
    bomb = (
        f"SELECT * WHERE {{ VALUES ?a {{ {values} }} VALUES ?b {{ {values} }} "
        f"VALUES ?c {{ {values} }} }} ORDER BY ?c ?b ?a"
    )
    engine = OxigraphEngine()
    with pytest.raises(EngineError, match=r"failed on this query.*memory"):
        engine.query(bomb, timeout=120)
    engine.close()


# --- item 6: rdflib's regex runaway ----------------------------------------------------------


def test_rdflib_regex_runaway_is_stopped_by_the_timeout(runner, tmp_path: Path) -> None:
    plan = tmp_path / "plan.ttl"
    plan.write_text(f'<urn:x:s> <urn:x:p> "{"a" * 40}b" .\n', encoding="utf-8")
    rq = tmp_path / "redos.rq"
    rq.write_text('SELECT ?o WHERE { ?s ?p ?o FILTER REGEX(?o, "^(a+)+$") }', encoding="utf-8")
    result = runner.invoke(
        main,
        ["query", str(rq), "--plans", str(plan), "--engine", "rdflib", "--timeout", "2"],
    )
    assert result.exit_code == 2, result.output
    assert "did not finish within 2 s" in result.output


def test_rdflib_engine_sandbox_answers_like_in_process() -> None:
    g = Graph()
    g.add((URIRef("urn:x:a"), URIRef("urn:x:p"), Literal("v")))
    engine = RdflibEngine()
    engine.add_graph(g)
    assert engine.isolated("SELECT * WHERE { ?s ?p ?o }")
    res = engine.query("SELECT ?o WHERE { ?s ?p ?o }")
    assert res.rows == [(Literal("v"),)]
    assert engine.query("ASK { ?s ?p ?o }").boolean is True
    engine.close()


# --- item 2: SERVICE, whatever its spelling, never reaches the network ----------------------


@pytest.fixture
def listener() -> Iterator[tuple[int, list[bytes]]]:
    """A loopback TCP server that records the first bytes of every connection."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    hits: list[bytes] = []
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(2)
                try:
                    hits.append(conn.recv(1024))
                except OSError:
                    hits.append(b"")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], hits
    stop.set()
    thread.join(2)
    server.close()


def spellings(port: int) -> list[str]:
    url = f"http://127.0.0.1:{port}/x"
    return [
        f"SELECT * WHERE {{ ?a ?b 1SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ ?a ?b -1.5e3SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ # SERVICE in a comment\n SeRvIcE <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ ?s ?p ?o }} #\nSELECT * WHERE {{ SERVICE <{url}> {{}} }}",
        f"PREFIX r: <http://127.0.0.1:{port}/>\nSELECT * WHERE {{ SERVICE r:x {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ \\u0053ERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ \\U00000053ERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ {{ {{ OPTIONAL {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }} }} }} }}",
        f"SELECT * WHERE {{ FILTER EXISTS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
        f"SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
        f"SELECT * WHERE {{ VALUES ?u {{ <{url}> }} SERVICE ?u {{ ?s ?p ?o }} }}",
        f"ASK {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    ]


@pytest.mark.allow_loopback
def test_every_spelling_of_service_is_refused_by_the_check(listener) -> None:
    port, hits = listener
    for text in spellings(port):
        with pytest.raises(InputError, match="SERVICE"):
            check_local(text, source="q.rq")
    assert hits == []


@pytest.mark.allow_loopback
def test_the_engine_itself_cannot_reach_the_network(
    listener, runner, tmp_path: Path, monkeypatch
) -> None:
    """With the SPARQL check switched off, the sandboxed engine still sends nothing."""
    from drugpolicy_kg import catalogue

    port, hits = listener
    monkeypatch.setattr(catalogue, "check_local", lambda *a, **k: None)
    for i, text in enumerate(spellings(port)):
        rq = tmp_path / f"q{i}.rq"
        rq.write_text(text, encoding="utf-8")
        result = runner.invoke(main, ["query", str(rq), "--no-cache", "--timeout", "20"])
        # SILENT gives no rows; oxigraph may skip a SERVICE joined with nothing; otherwise
        # the refused socket is reported as such. Never a traceback, never a request.
        assert result.exit_code in (0, 2), (text, result.output)
        if result.exit_code == 2:
            assert result.output.startswith("drugpolicy-kg: error:"), result.output
            assert "Traceback" not in result.output
    assert hits == []


@pytest.mark.allow_loopback
def test_allow_remote_does_reach_the_listener(listener, runner, tmp_path: Path) -> None:
    """The control: the listener counts requests, and --allow-remote lets one through."""
    port, hits = listener
    rq = tmp_path / "remote.rq"
    rq.write_text(spellings(port)[0], encoding="utf-8")
    runner.invoke(main, ["query", str(rq), "--no-cache", "--allow-remote", "--timeout", "20"])
    assert len(hits) == 1 and hits[0].startswith((b"POST", b"GET"))


def test_harmless_text_is_not_refused() -> None:
    for text in (
        "SELECT ?service WHERE { ?service <urn:x:p> 1 }",
        'SELECT * WHERE { ?s ?p "x"@en-service }',
        "PREFIX service: <urn:x:>\nSELECT * WHERE { ?s service:p 1.5 }",
        "SELECT * WHERE { ?s <urn:x:p> ?o FILTER(?o < 10) }",
    ):
        check_local(text)


def test_from_and_updates_are_decided_on_the_parsed_query() -> None:
    from drugpolicy_kg.sparql_safety import _check_parsed

    with pytest.raises(InputError, match="FROM"):
        _check_parsed("PREFIX : <http://evil/>\nSELECT * FROM :g WHERE { ?s ?p ?o }", "q", None)
    with pytest.raises(InputError, match="FROM NAMED"):
        _check_parsed("SELECT * FROM NAMED <http://evil/> WHERE { ?s ?p ?o }", "q", "urn:ok:")
    _check_parsed("SELECT * FROM <urn:ok:g> WHERE { ?s ?p ?o }", "q", "urn:ok:")
    with pytest.raises(InputError, match="LOAD"):
        _check_parsed("LOAD <http://evil/x>", "q", None)
    with pytest.raises(InputError, match="SERVICE"):
        _check_parsed("SELECT * WHERE { { OPTIONAL { SERVICE <http://e/> {} } } }", "q", None)


def test_concurrent_callers_share_the_sandbox_safely() -> None:
    """A web server calls from many threads: each call gets a whole answer, a crash in one
    call is that call's error only."""
    from concurrent.futures import ThreadPoolExecutor

    engine = OxigraphEngine()
    engine.isolate = True

    def one(i: int) -> object:
        if i % 5 == 4:
            try:
                engine.query(PANIC_QUERY, timeout=60)
            except EngineError as exc:
                return "crash" if "failed on this query" in str(exc) else exc
            return "no crash"
        res = engine.query(f"SELECT ?x WHERE {{ VALUES ?x {{ {i} }} }}", timeout=60)
        return int(res.rows[0][0])

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(one, range(20)))
    assert answers == ["crash" if i % 5 == 4 else i for i in range(20)]
    engine.close()


def test_a_child_started_from_a_short_lived_thread_outlives_that_thread() -> None:
    """PR_SET_PDEATHSIG follows the forking thread, so children are forked from a thread
    that lives as long as the process."""
    import os
    import time

    engine = OxigraphEngine()
    engine.isolate = True
    t = threading.Thread(target=lambda: engine.query("ASK {}", timeout=30))
    t.start()
    t.join()
    box = engine.__dict__["_sandbox"]
    [pid] = box.pids
    time.sleep(0.5)
    os.kill(pid, 0)  # still alive
    assert engine.query("ASK {}", timeout=30).boolean is True
    assert box.pids == [pid]  # the same child answered
    engine.close()


@pytest.mark.allow_loopback
def test_serve_survives_a_query_that_crashes_the_engine(tmp_path: Path) -> None:
    """The web app's SPARQL endpoint evaluates a query from outside in the sandbox child: the
    ORDER BY panic costs that child, the request gets a 400 naming the failure, and the same
    server answers the next query (issue 11, item 1)."""
    import os
    import subprocess
    import sys
    import time
    import urllib.error
    import urllib.parse
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    src = str(Path(__file__).resolve().parents[1] / "src")
    proc = subprocess.Popen(
        [sys.executable, "-m", "drugpolicy_kg", "serve", "--port", str(port)],
        env={**os.environ, "PYTHONPATH": src},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}/query"

    def ask() -> bool:
        try:
            with urllib.request.urlopen(url + "?query=ASK%7B%7D", timeout=5) as resp:
                return resp.status == 200
        except OSError:
            return False

    def wait_ready() -> bool:
        end = time.monotonic() + 120
        while time.monotonic() < end:
            if ask():
                return True
            assert proc.poll() is None, "serve exited"
            time.sleep(0.2)
        return False

    try:
        assert wait_ready()
        for _ in range(2):  # twice: the second query gets a fresh child
            data = urllib.parse.urlencode({"query": PANIC_QUERY}).encode()
            req = urllib.request.Request(url, data=data, method="POST")
            with pytest.raises(urllib.error.HTTPError) as failed:
                urllib.request.urlopen(req, timeout=60).read()
            assert failed.value.code == 400
            assert b"the query engine failed on this query" in failed.value.read()
            assert proc.poll() is None
            assert ask(), "the server stopped answering after the crash"
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert b"Traceback" not in err and b"panicked" not in err


def test_catalogue_queries_over_the_kg_alone_stay_in_process() -> None:
    """The fast path: the project's own queries (parameter look-ups included) over the
    project's own data start no child; a user's text does."""
    from drugpolicy_kg import catalogue
    from drugpolicy_kg.engines import open_engine

    engine = open_engine("oxigraph")
    catalogue.run_query("practices-using-tool", {"tool": "SIS"}, engine=engine)
    catalogue.run_query("eu-systems-ranked", engine=engine)
    assert "_sandbox" not in engine.__dict__
    engine.query("SELECT (1 AS ?one) WHERE {}")
    assert "_sandbox" in engine.__dict__
    engine.close()
