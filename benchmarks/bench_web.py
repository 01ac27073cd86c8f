"""Benchmark: the web application of ``serve`` (issue #13): pages and content-negotiated RDF.

Targets (issue #13): a practice page in <= 20 ms median in-process, and <= 50 ms p95 under
20 parallel clients on loopback, on this 2-core machine. Not a timed test.

- *in-process*: a practice page rendered from the KG with an empty page cache (what the
  first request pays), and a request through the ASGI app in-process (what later ones pay);
- *under load*: ``drugpolicy-kg serve`` in its own process on a free loopback port, and
  :data:`CLIENTS` client threads with keep-alive connections, each sending a bounded number of
  requests (practice pages, Turtle and JSON-LD by Accept, a SPARQL query), stopping early at
  :data:`MAX_SECONDS`. Latency median and p95 per kind of request.

    .venv/bin/python -m benchmarks.bench_web            # about 30 s
    .venv/bin/python -m benchmarks.bench_web --quick
    .venv/bin/python -m benchmarks --only web
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from drugpolicy_kg.server import stop_process

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = 20
MAX_SECONDS = 40.0
TARGET_INPROCESS_S = 0.020
TARGET_P95_S = 0.050
QUERY = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?p a <https://w3id.org/drugpolicy-kg/ontology#BestPractice> }"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _requests(practices: list[str]) -> list[tuple[str, str, dict[str, str]]]:
    """(kind, path, headers) in a fixed rotation."""
    from urllib.parse import quote

    out = []
    for i, p in enumerate(practices):
        out.append(("practice page", f"/{p}", {"Accept": "text/html"}))
        fmt = ("text/turtle", "application/ld+json")[i % 2]
        out.append((f"RDF {fmt}", f"/{p}", {"Accept": fmt}))
        if i % 4 == 0:
            out.append(("SPARQL /query", f"/query?query={quote(QUERY)}", {}))
    return out


def _client(
    port: int, plan: list[tuple[str, str, dict[str, str]]], n: int, offset: int, deadline: float
) -> list[tuple[str, float, int]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    out = []
    for k in range(n):
        if time.monotonic() > deadline:
            break
        kind, path, headers = plan[(offset + k) % len(plan)]
        start = time.perf_counter()
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        resp.read()
        out.append((kind, time.perf_counter() - start, resp.status))
    conn.close()
    return out


def _wait(port: int, proc: subprocess.Popen[bytes], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"serve exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/id/practice/I.1")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("serve did not answer")


def run(quick: bool = False) -> dict[str, Any]:
    from starlette.testclient import TestClient

    from drugpolicy_kg.web.app import PageCache, create_app
    from drugpolicy_kg.web.pages import WebKG

    from .harness import Section, measure

    section = Section("Web application")
    repeats = 5 if quick else 15
    web = WebKG()
    practices = [p for p in web.paths() if p.startswith("id/practice/")]
    rotation = iter(practices * (repeats + 2))

    def cold_page() -> None:
        PageCache(web).html(next(rotation))

    cold = measure(cold_page, repeats=repeats)
    section.rows.append(cold.row("in-process", "practice page, rendered (empty cache)"))
    client = TestClient(create_app(web, sparql=False))
    served = measure(lambda: client.get("/id/practice/III.2"), repeats=repeats)
    section.rows.append(served.row("in-process", "practice page, through the ASGI app"))
    ttl = measure(
        lambda: client.get("/id/practice/III.2", headers={"Accept": "text/turtle"}),
        repeats=repeats,
    )
    section.rows.append(ttl.row("in-process", "practice Turtle, through the ASGI app"))
    section.target(
        "practice page in-process (rendered, empty cache)",
        f"<= {TARGET_INPROCESS_S * 1000:.0f} ms median",
        cold.median,
        cold.median <= TARGET_INPROCESS_S,
    )

    per_client = 5 if quick else 40
    port = _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "drugpolicy_kg", "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        _wait(port, proc)
        plan = _requests(practices)
        for _kind, path, headers in plan:  # warm: every page rendered once
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", path, headers=headers)
            conn.getresponse().read()
            conn.close()
        deadline = time.monotonic() + MAX_SECONDS
        results: list[list[tuple[str, float, int]]] = [[] for _ in range(CLIENTS)]

        def work(i: int) -> None:
            results[i] = _client(port, plan, per_client, i * 7, deadline)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(CLIENTS)]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - start
    finally:
        stop_process(proc, 20)
    flat = [r for rs in results for r in rs]
    bad = [r for r in flat if r[2] != 200]
    by_kind: dict[str, list[float]] = {}
    for kind, seconds, _ in flat:
        by_kind.setdefault(kind, []).append(seconds)
    for kind in sorted(by_kind):
        values = by_kind[kind]
        section.rows.append(
            {
                "group": f"{CLIENTS} clients, loopback",
                "name": kind,
                "median_s": round(statistics.median(values), 6),
                "p95_s": round(_p95(values), 6),
                "max_s": round(max(values), 6),
                "repeats": len(values),
            }
        )
    page = by_kind.get("practice page", [])
    if page:
        section.target(
            f"practice page p95 under {CLIENTS} clients",
            f"<= {TARGET_P95_S * 1000:.0f} ms",
            _p95(page),
            _p95(page) <= TARGET_P95_S,
            f"{len(flat)} requests in {wall:.1f} s ({len(flat) / wall:.0f} req/s), "
            f"{len(bad)} not 200",
        )
    section.notes.append(
        "serve runs in its own process (uvicorn, one worker); clients are threads with "
        "keep-alive connections; pages and RDF are rendered once per process and then cached."
    )
    _oxigraph_server(section, per_client, Path(tempfile.mkdtemp(prefix="bench-web-")))
    return section.as_dict()


def _load(port: int, plan: list[tuple[str, str, dict[str, str]]], per_client: int) -> list[float]:
    deadline = time.monotonic() + MAX_SECONDS
    results: list[list[tuple[str, float, int]]] = [[] for _ in range(CLIENTS)]

    def work(i: int) -> None:
        results[i] = _client(port, plan, per_client, i, deadline)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [seconds for rs in results for _, seconds, status in rs if status == 200]


def _oxigraph_server(section: Any, per_client: int, tmp: Path) -> None:
    """The same SPARQL load on the Oxigraph server binary (the ``server`` extra), for the
    choice between it and the in-process endpoint; skipped when the binary is absent."""
    import shutil
    from urllib.parse import quote

    try:
        from drugpolicy_kg.server import OxigraphServer, load_store

        load_store(tmp / "store")
        port = _free_port()
        server = OxigraphServer(tmp / "store", port=port, timeout_s=30)
        with server:
            plan = [("SPARQL", f"/query?query={quote(QUERY)}", {})]
            _load(port, plan, 2)  # warm
            values = _load(port, plan, per_client)
    except Exception as exc:  # the binary is an optional extra
        section.notes.append(f"Oxigraph server comparison not run: {exc}")
        return
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    section.rows.append(
        {
            "group": f"{CLIENTS} clients, loopback",
            "name": "SPARQL on the Oxigraph server binary (comparison)",
            "median_s": round(statistics.median(values), 6),
            "p95_s": round(_p95(values), 6),
            "max_s": round(max(values), 6),
            "repeats": len(values),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark of the drugpolicy-kg web app.")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    result = run(quick=args.quick)
    for row in result["rows"]:
        p95 = f"  p95 {row['p95_s'] * 1000:7.1f} ms" if "p95_s" in row else ""
        print(
            f"{row['group']:>22} | {row['name']:<40} median {row['median_s'] * 1000:7.2f} ms"
            f"{p95}  ({row['repeats']} requests)"
        )
    for t in result["targets"]:
        state = "met" if t["met"] else "NOT met"
        print(f"target {t['name']} {t['target']}: {t['value'] * 1000:.1f} ms -> {state}")
        if t["detail"]:
            print(f"  {t['detail']}")
    for note in result["notes"]:
        print(note)


if __name__ == "__main__":
    main()
