"""A real Oxigraph server on loopback answers the whole catalogue like the embedded engine.

Integration tests (issue #4, point 4): they start the server binary that the ``oxigraph``
package ships, talk to it over HTTP through SPARQLWrapper, and stop it afterwards.
"""

from __future__ import annotations

import socket
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from drugpolicy_kg import catalogue
from drugpolicy_kg.cli import cli
from drugpolicy_kg.engines import open_engine
from drugpolicy_kg.engines.remote import RemoteEngine
from drugpolicy_kg.errors import EngineError
from drugpolicy_kg.server import OxigraphServer, load_store, oxigraph_binary

PLANS = str(Path(__file__).parent / "fixtures" / "query" / "plans")

pytestmark = [pytest.mark.integration, pytest.mark.allow_loopback]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    store = tmp_path_factory.mktemp("store")
    load_store(store, [PLANS], use_cache=False)
    srv = OxigraphServer(store, port=free_port(), timeout_s=10)
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()
    assert srv.process is not None and srv.process.poll() is not None


@pytest.mark.parametrize("name", sorted(catalogue.catalogue()))
def test_catalogue_over_http_matches_embedded(server: OxigraphServer, name: str) -> None:
    # The allow_loopback marker lets the conftest guard pass loopback connections only.
    embedded = open_engine("oxigraph", plans=[PLANS])
    remote = RemoteEngine(server.query_url)
    a = catalogue.run_query(name, engine=embedded)
    b = catalogue.run_query(name, endpoint=server.query_url, engine=remote)
    assert a.vars == b.vars
    assert Counter(a.rows) == Counter(b.rows)


def test_friendly_params_over_http(server: OxigraphServer, runner: CliRunner) -> None:
    res = runner.invoke(
        cli,
        [
            "query",
            "peers-adopted-practice",
            "-p",
            "practice=III.2",
            "-f",
            "csv",
            "--endpoint",
            server.query_url,
        ],
    )
    assert res.exit_code == 0, res.stderr
    import csv
    import io

    # Readable CSV: the states' names, looked up in the remote store's own labels.
    assert {r["state"] for r in csv.DictReader(io.StringIO(res.stdout))} == {
        "Belgium",
        "Netherlands",
    }


def test_yasgui_page_and_read_only(server: OxigraphServer) -> None:
    import urllib.error
    import urllib.request

    with urllib.request.urlopen(server.url + "/", timeout=5) as resp:
        assert b"yasgui" in resp.read().lower()
    req = urllib.request.Request(
        server.url + "/update",
        data=b"CLEAR ALL",
        method="POST",
        headers={"Content-Type": "application/sparql-update"},
    )
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(req, timeout=5)


def test_unreachable_endpoint_is_an_engine_error() -> None:
    with pytest.raises(EngineError):
        RemoteEngine(f"http://127.0.0.1:{free_port()}/query").query("ASK {}")


def test_publish_through_the_graph_store_protocol(tmp_path: Path, runner: CliRunner) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [
            oxigraph_binary(),
            "serve",
            "--location",
            str(tmp_path / "rw"),
            "--bind",
            f"127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        srv = OxigraphServer(tmp_path / "unused", port=port)
        srv.process = proc  # reuse the readiness probe on the read-write server
        _wait_ready(srv)
        res = runner.invoke(
            cli, ["publish", "--endpoint", f"http://127.0.0.1:{port}/store", "--plans", PLANS]
        )
        assert res.exit_code == 0, res.stderr
        local = open_engine("oxigraph", plans=[PLANS])
        count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
        remote_n = RemoteEngine(f"http://127.0.0.1:{port}/query").query(count).rows[0][0]
        assert int(remote_n) == len(local)  # type: ignore[arg-type]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _wait_ready(srv: OxigraphServer) -> None:
    import time
    import urllib.request

    for _ in range(100):
        try:
            with urllib.request.urlopen(srv.query_url + "?query=ASK%7B%7D", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("server did not start")


def test_serve_command_starts_and_stops(tmp_path: Path) -> None:
    # The installed entry point, as a user runs it; stopped with SIGTERM like Ctrl-C would.
    import os
    import sys
    import time
    import urllib.request

    port = free_port()
    script = Path(sys.executable).parent / "drugpolicy-kg"
    env = {**os.environ, "DRUGPOLICY_KG_CACHE": str(tmp_path / "cache")}
    proc = subprocess.Popen(
        [str(script), "serve", "--port", str(port), "--plans", PLANS, "--timeout", "5"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        url = f"http://127.0.0.1:{port}/query?query=ASK%7B%3Fs%20a%20%3Fo%7D"
        for _ in range(200):
            try:
                with urllib.request.urlopen(url, timeout=1) as resp:
                    assert b"true" in resp.read()
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError("serve did not answer")
        time.sleep(1)  # the banner is printed just after the server first answers
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        assert proc.stderr is not None
        err = proc.stderr.read().decode()
        proc.stderr.close()
    assert "SPARQL endpoint: http://127.0.0.1:" in err
