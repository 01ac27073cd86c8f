"""Issue #11, the Low items: no orphans, a bounded cache, an honest message for a huge literal."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from drugpolicy_kg import rdfio
from drugpolicy_kg.errors import InputError

SRC = str(Path(__file__).resolve().parents[1] / "src")


def children(pid: int) -> set[int]:
    """The direct children of ``pid`` (Linux /proc)."""
    out: set[int] = set()
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as fh:
                out.update(int(c) for c in fh.read().split())
    except OSError:
        pass
    return out


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().split(") ", 1)[1][0] != "Z"  # a zombie is dead
    except OSError:
        return False


def wait_until(condition, seconds: float = 60.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.05)
    return False


needs_proc = pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")


@needs_proc
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_validate_workers_die_with_their_parent(tmp_path: Path, sig: int) -> None:
    from drugpolicy_kg.synth import config_for_plans, generate, write_corpus

    write_corpus(generate(config_for_plans(24)), tmp_path / "plans")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "drugpolicy_kg",
            "validate",
            "--workers",
            "2",
            str(tmp_path / "plans"),
        ],
        env={**os.environ, "PYTHONPATH": SRC},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    workers: set[int] = set()
    try:
        assert wait_until(lambda: len(children(proc.pid)) >= 2), "the workers never started"
        workers = children(proc.pid)
        proc.send_signal(sig)
        proc.wait(30)
        assert wait_until(lambda: not any(alive(w) for w in workers), 20), "orphaned workers"
    finally:
        if proc.poll() is None:
            proc.kill()
        for w in workers:  # a failed run must not leave its orphans behind
            if alive(w):
                os.kill(w, signal.SIGKILL)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@needs_proc
@pytest.mark.allow_loopback
def test_serve_killed_outright_takes_its_query_sandbox_along(tmp_path: Path) -> None:
    """``serve`` evaluates queries from outside in a sandbox child; SIGKILL of the server
    (no handler runs) must not leave that child behind (PR_SET_PDEATHSIG)."""
    import urllib.parse
    import urllib.request

    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "drugpolicy_kg", "serve", "--port", str(port)],
        env={**os.environ, "PYTHONPATH": SRC},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    sandboxes: set[int] = set()
    url = f"http://127.0.0.1:{port}/query?" + urllib.parse.urlencode(
        {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}
    )

    def answered() -> bool:
        try:
            with urllib.request.urlopen(url, timeout=10) as resp:
                return resp.status == 200
        except OSError:
            return False

    try:
        assert wait_until(answered, 120), "serve never answered a query"
        sandboxes = set(children(proc.pid))
        assert sandboxes, "the query did not run in a child process"
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        assert wait_until(lambda: not any(alive(s) for s in sandboxes), 20), "orphaned child"
    finally:
        if proc.poll() is None:
            proc.kill()
        for s in sandboxes:
            if alive(s):
                os.kill(s, signal.SIGKILL)


def test_query_cache_is_bounded_by_size_and_age(tmp_path: Path, monkeypatch) -> None:
    from drugpolicy_kg.engines import prune_cache

    monkeypatch.setenv("DRUGPOLICY_KG_CACHE", str(tmp_path))
    monkeypatch.setenv("DRUGPOLICY_KG_CACHE_MAX_MB", "1")
    monkeypatch.setenv("DRUGPOLICY_KG_CACHE_MAX_DAYS", "7")
    now = time.time()

    def store(name: str, size: int, used_days_ago: float) -> Path:
        d = tmp_path / name
        d.mkdir()
        (d / "data").write_bytes(b"x" * size)
        (d / ".complete").write_text("ok\n")
        t = now - used_days_ago * 86400
        os.utime(d / ".complete", (t, t))
        return d

    old = store("store-old", 10, 30)
    a = store("store-a", 400_000, 3)
    b = store("store-b", 400_000, 2)
    c = store("store-c", 400_000, 1)
    keep = store("store-new", 100_000, 0)
    removed = prune_cache(keep=keep)
    assert set(removed) == {old, a}
    assert keep.exists() and b.exists() and c.exists()


def test_open_engine_prunes_after_building_a_store(tmp_path: Path, monkeypatch) -> None:
    from drugpolicy_kg.engines import open_engine

    monkeypatch.setenv("DRUGPOLICY_KG_CACHE", str(tmp_path))
    stale = tmp_path / "store-stale"
    stale.mkdir()
    (stale / ".complete").write_text("ok\n")
    t = time.time() - 90 * 86400
    os.utime(stale / ".complete", (t, t))
    plan = Path(__file__).resolve().parents[1] / "examples" / "plans" / "nld-2024.ttl"
    engine = open_engine("oxigraph", plans=[str(plan)], use_cache=True)
    assert len(engine) > 0
    assert not stale.exists()
    assert len(list(tmp_path.glob("store-*"))) == 1


def test_a_45_mb_literal_is_not_called_out_of_memory(tmp_path: Path) -> None:
    data = b'<urn:a> <urn:b> "' + b"a" * 45_000_000 + b'" .\n'
    with pytest.raises(InputError) as err:
        rdfio.load_untrusted(data, name="big.ttl")
    assert "too large to hold in memory" not in str(err.value)
    assert "longer than the parser's buffer" in str(err.value)
    assert "1,000,000 characters" in str(err.value)
