"""``drugpolicy-kg serve`` as a user runs it: one process serving pages, RDF and SPARQL.

Started with ``python -m drugpolicy_kg`` on a free loopback port, stopped with SIGTERM (as a
service manager would), which must end it cleanly with exit 0.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from drugpolicy_kg.cli import cli


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


ROOT = Path(__file__).resolve().parents[2]
PLANS = str(ROOT / "examples" / "plans")


def get(url: str, accept: str = "text/html") -> tuple[int, str, bytes]:
    req = urllib.request.Request(url, headers={"Accept": accept})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.status, resp.headers["Content-Type"], resp.read()


@pytest.mark.integration
@pytest.mark.allow_loopback
def test_serve_answers_pages_rdf_and_sparql_then_stops(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "DRUGPOLICY_KG_CACHE": str(tmp_path / "cache"),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "drugpolicy_kg", "serve", "--port", str(port), "--plans", PLANS],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                status, ctype, body = get(base + "/")
                break
            except OSError:
                if proc.poll() is not None:
                    raise AssertionError("serve exited early") from None
                time.sleep(0.1)
        else:
            raise AssertionError("serve did not answer")
        assert status == 200 and ctype.startswith("text/html") and b"SIENA" in body
        status, ctype, body = get(base + "/id/practice/III.2", "text/turtle")
        assert ctype.startswith("text/turtle") and b"III.2" in body
        status, ctype, body = get(base + "/country/NLD")
        assert b"Plan in force" in body  # --plans reached the pages
        q = "ASK%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D"
        status, ctype, body = get(f"{base}/query?query={q}", "application/sparql-results+json")
        assert b"true" in body
        time.sleep(0.5)
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=20)
        assert proc.stderr is not None
        err = proc.stderr.read().decode()
        proc.stderr.close()
    assert code == 0, err
    assert f"SPARQL endpoint: http://127.0.0.1:{port}/query" in err
    assert "Traceback" not in err


def test_serve_and_site_help() -> None:
    for verb in ("serve", "site"):
        res = CliRunner().invoke(cli, [verb, "--help"])
        assert res.exit_code == 0 and "Examples:" in res.output
        assert f"drugpolicy-kg {verb}" in res.output
    res = CliRunner().invoke(cli, ["serve", "--help"])
    assert "127.0.0.1" in res.output


def test_serve_refuses_bad_plans_before_starting(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("this is not turtle", encoding="utf-8")
    res = CliRunner().invoke(cli, ["serve", "--port", str(free_port()), "--plans", str(bad)])
    assert res.exit_code == 2
    assert "bad.ttl" in res.output and "Traceback" not in res.output
