"""The validation service under load (issue 14): 20 clients on loopback, bounded count and time.

What it measures, in one run on the same machine:

* **the service** (``drugpolicy_kg.web.validator`` under uvicorn, its worker pool as shipped):
  20 concurrent keep-alive clients post a mix of valid plans (the three ~300-triple examples),
  plans with violations (the test fixtures) and a few hostile uploads (a billion-laughs RDF/XML,
  a 50 MB body, a deep JSON-LD). A client that gets 503 waits ``Retry-After`` and goes on, as a
  well-behaved client does. Reported: throughput of validated plans, p50/p95/p99 latency of the
  reports (200) and of everything, the answers by status, and the server's memory (RSS and PSS
  of uvicorn + fork server + workers) sampled as the requests go;
* **the naive service**: the same load on an endpoint that calls ``pyshacl.validate()`` per
  request (shapes parsed every time, no KG context, threads), as one would write it first;
* **the CLI per plan**: ``drugpolicy-kg validate PLAN --format json`` started once per plan.

Usage::

    python -m benchmarks.bench_service                     # ~1 minute
    python -m benchmarks.bench_service --requests 5000 --seconds 300 --json out.json

No figure here is asserted by a test: the machine is shared. Targets are judged and reported.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drugpolicy_kg.server import stop_process

from .harness import Section, progress

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "plans"
FIXTURES = ROOT / "tests" / "fixtures"

TARGET_THROUGHPUT = 40.0  # plans per second, ~300-triple plans
TARGET_P95_S = 0.250
CLIENTS = 20


# ------------------------------------------------------------------ the workload


@dataclass(frozen=True)
class Item:
    kind: str  # valid, violating, hostile-laughs, hostile-50mb, hostile-deep
    body: bytes
    content_type: str


def workload(seed: int = 7) -> Iterator[Item]:
    """An endless, reproducible mix: ~60% valid, ~38% violating, ~2% hostile."""
    valid = [Item("valid", p.read_bytes(), "text/turtle") for p in sorted(EXAMPLES.glob("*.ttl"))]
    violating = [
        Item("violating", p.read_bytes(), "text/turtle")
        for p in sorted((FIXTURES / "plans").glob("*.ttl"))
        if p.name != "valid-minimal.ttl"
    ]
    depth = 5000
    hostile = [
        Item(
            "hostile-laughs",
            (FIXTURES / "hostile" / "billion-laughs.rdf").read_bytes(),
            "application/rdf+xml",
        ),
        Item(
            "hostile-deep",
            b'{"@id": "https://example.org/x", "https://example.org/p": '
            + b'{"https://example.org/p": ' * depth
            + b"1"
            + b"}" * (depth + 1),
            "application/ld+json",
        ),
    ]
    big = Item("hostile-50mb", b"#" * (50 * 1024 * 1024), "text/turtle")
    rng = random.Random(seed)
    for n in itertools.count():
        if n % 500 == 250:
            yield big  # a few only: each is 50 MB on the wire
        elif n % 50 == 25:
            yield hostile[(n // 50) % len(hostile)]
        elif rng.random() < 0.6:
            yield rng.choice(valid)
        else:
            yield rng.choice(violating)


# ------------------------------------------------------------------ servers


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server(app: str, env: dict[str, str] | None = None) -> Iterator[tuple[str, int]]:
    """``uvicorn APP --factory`` on 127.0.0.1 (a free port); yields (base URL, pid)."""
    port = _free_port()
    environ = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        **(env or {}),
    }
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                app,
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=environ,
            cwd=ROOT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                if process.poll() is not None:
                    log.seek(0)
                    raise RuntimeError(f"{app} exited: {log.read()[-2000:]!r}")
                try:
                    urllib.request.urlopen(url + "/api/openapi.json", timeout=2).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            yield url, process.pid
        finally:
            stop_process(process, 15)


def naive_app() -> Any:
    """The naive service: ``pyshacl.validate()`` per request, shapes parsed every time."""
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse

    from drugpolicy_kg.resources import iter_assets

    shapes = "\n".join(a.read_text(encoding="utf-8") for a in iter_assets("shapes", ".ttl"))
    app = FastAPI(openapi_url="/api/openapi.json")

    async def validate_raw(request: Request) -> JSONResponse:
        from starlette.concurrency import run_in_threadpool

        body = await request.body()
        return await run_in_threadpool(_naive_validate, body, request.headers, shapes)

    app.add_route("/api/validate", validate_raw, methods=["POST"])  # Starlette: raw request
    return app


def _naive_validate(body: bytes, headers: Any, shapes: str) -> Any:
    from fastapi.responses import JSONResponse
    from pyshacl import validate
    from rdflib import Graph

    fmt = {"application/rdf+xml": "xml", "application/ld+json": "json-ld"}.get(
        headers.get("content-type", ""), "turtle"
    )
    if len(body) > 20 * 1024 * 1024:
        return JSONResponse({"error": "too large"}, 413)
    try:
        data = Graph().parse(data=body, format=fmt)
    except Exception as exc:
        return JSONResponse({"error": type(exc).__name__}, 400)
    conforms, _g, _t = validate(data, shacl_graph=shapes, shacl_graph_format="turtle")
    return JSONResponse({"conforms": bool(conforms)})


def tree_memory(pid: int) -> tuple[int, int]:
    """(RSS, PSS) in bytes of a process and all its descendants (PSS: shared pages split)."""
    import psutil

    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0, 0
    rss = pss = 0
    for proc in procs:
        try:
            info = proc.memory_full_info()
            rss += info.rss
            pss += getattr(info, "pss", info.rss)
        except psutil.Error:
            continue
    return rss, pss


def tree_cpu(pid: int) -> dict[int, float]:
    """CPU seconds (user + system) of a process and each descendant, by pid."""
    import psutil

    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return {}
    out = {}
    for proc in procs:
        try:
            times = proc.cpu_times()
            out[proc.pid] = times.user + times.system
        except psutil.Error:
            continue
    return out


# ------------------------------------------------------------------ the load


@dataclass
class Load:
    records: list[tuple[str, int, float]] = field(default_factory=list)  # kind, status, seconds
    memory: list[dict[str, float]] = field(default_factory=list)
    seconds: float = 0.0
    retried_after: float = 0.0
    server_cpu_s: float = 0.0


def drive(url: str, pid: int, *, requests: int, seconds: float, clients: int = CLIENTS) -> Load:
    """``clients`` threads post the workload until ``requests`` answers or ``seconds`` pass."""
    items = workload()
    lock = threading.Lock()
    load = Load()
    host, port = url.removeprefix("http://").split(":")
    stop_at = time.monotonic() + seconds
    issued = itertools.count()
    next_sample = [0]

    def sample(done: int) -> None:
        rss, pss = tree_memory(pid)
        load.memory.append({"requests": done, "rss_mb": rss / 2**20, "pss_mb": pss / 2**20})

    def client() -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=120)
        while time.monotonic() < stop_at:
            with lock:
                if next(issued) >= requests:
                    break
                item = next(items)
            started = time.perf_counter()
            try:
                conn.request(
                    "POST",
                    "/api/validate",
                    body=item.body,
                    headers={"Content-Type": item.content_type, "Accept": "application/json"},
                )
                reply = conn.getresponse()
                reply.read()
                status = reply.status
                retry = reply.getheader("Retry-After")
                if reply.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException):
                status, retry = 0, None  # a broken connection: counted, then reconnect
                conn.close()
            elapsed = time.perf_counter() - started
            with lock:
                load.records.append((item.kind, status, elapsed))
                done = len(load.records)
                if done >= next_sample[0]:
                    next_sample[0] += 500
                    sample(done)
            if status == 503 and retry:
                time.sleep(float(retry))
                with lock:
                    load.retried_after += float(retry)
        conn.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    cpu_before = tree_cpu(pid)
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    load.seconds = time.perf_counter() - started
    cpu_after = tree_cpu(pid)
    load.server_cpu_s = sum(v - cpu_before.get(k, 0.0) for k, v in cpu_after.items())
    sample(len(load.records))
    return load


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def summarise(load: Load) -> dict[str, Any]:
    ok = [s for kind, status, s in load.records if status == 200]
    plans = sum(
        1 for kind, status, _ in load.records if status == 200 and not kind.startswith("hostile")
    )
    by_status = Counter(str(status) for _k, status, _s in load.records)
    by_kind: dict[str, Counter[str]] = {}
    for kind, status, _s in load.records:
        by_kind.setdefault(kind, Counter())[str(status)] += 1
    return {
        "server_cpu_ms_per_plan": round(1000 * load.server_cpu_s / plans, 1) if plans else None,
        "requests": len(load.records),
        "seconds": round(load.seconds, 3),
        "plans_per_s": round(plans / load.seconds, 2) if load.seconds else 0.0,
        "p50_s": _pct(ok, 50),
        "p95_s": _pct(ok, 95),
        "p99_s": _pct(ok, 99),
        "p95_all_s": _pct([s for _k, _st, s in load.records], 95),
        "by_status": dict(sorted(by_status.items())),
        "by_kind": {k: dict(sorted(v.items())) for k, v in sorted(by_kind.items())},
        "memory": [{k: round(v, 1) for k, v in m.items()} for m in load.memory],
        "client_wait_s": round(load.retried_after, 1),
    }


def cli_per_plan(runs: int) -> dict[str, Any]:
    """``drugpolicy-kg validate PLAN --format json``, a fresh process per plan."""
    plans = sorted(EXAMPLES.glob("*.ttl"))
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    times = []
    for n in range(runs):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "drugpolicy_kg", "validate", str(plans[n % len(plans)])],
            capture_output=True,
            env=env,
            check=False,
            timeout=120,
        )
        times.append(time.perf_counter() - started)
    median = statistics.median(times)
    return {"runs": [round(t, 3) for t in times], "median_s": round(median, 3)}


# ------------------------------------------------------------------ the report


def engine_in_process(runs: int) -> dict[str, Any]:
    """The ceiling of one core: the library validating the examples in this process."""
    from drugpolicy_kg.validation.engine import validate_file

    plans = [str(p) for p in sorted(EXAMPLES.glob("*.ttl"))]
    validate_file(plans[0])  # warm: KG context, shapes
    times = []
    for n in range(runs):
        started = time.perf_counter()
        validate_file(plans[n % len(plans)])
        times.append(time.perf_counter() - started)
    return {"median_s": round(statistics.median(times), 4), "runs": len(times)}


def measure(requests: int, seconds: float, naive_seconds: float, cli_runs: int) -> dict[str, Any]:
    out: dict[str, Any] = {
        "clients": CLIENTS,
        "cores": os.cpu_count(),
        "load_average_before": list(os.getloadavg()),
    }
    with progress("service: engine in-process (one core)"):
        out["engine"] = engine_in_process(30)
    with (
        progress("service: load"),
        server("drugpolicy_kg.web.validator:standalone_app") as (
            url,
            pid,
        ),
    ):
        # Warm-up: the fork server and workers start on first use.
        for p in sorted(EXAMPLES.glob("*.ttl")):
            urllib.request.urlopen(
                urllib.request.Request(
                    url + "/api/validate",
                    data=p.read_bytes(),
                    headers={"Content-Type": "text/turtle"},
                ),
                timeout=120,
            ).read()
        out["service"] = summarise(drive(url, pid, requests=requests, seconds=seconds))
    with (
        progress("service: naive pySHACL per request"),
        server("benchmarks.bench_service:naive_app") as (url, pid),
    ):
        out["naive"] = summarise(drive(url, pid, requests=requests, seconds=naive_seconds))
    with progress("service: CLI per plan"):
        out["cli"] = cli_per_plan(cli_runs)
    out["load_average_after"] = list(os.getloadavg())
    return out


def section(data: dict[str, Any]) -> dict[str, Any]:
    s = Section(title="Validation service under load (20 clients, loopback)")
    svc, naive, cli = data["service"], data["naive"], data["cli"]
    for name, d in (("service (worker pool)", svc), ("naive pySHACL per request", naive)):
        s.rows.append(
            {
                "group": "service",
                "name": name,
                "median_s": d["p50_s"],
                "runs": [],
                "n": d["requests"],
                "note": (
                    f"{d['plans_per_s']} plans/s; server CPU {d['server_cpu_ms_per_plan']} ms "
                    f"per plan; p95 {d['p95_s']} s, p99 {d['p99_s']} s; "
                    f"status {d['by_status']}"
                ),
            }
        )
    s.rows.append(
        {
            "group": "service",
            "name": "engine in-process, one plan after another (one core's ceiling)",
            "median_s": data["engine"]["median_s"],
            "runs": [],
            "n": data["engine"]["runs"],
            "note": f"{round(1 / data['engine']['median_s'], 1)} plans/s per core",
        }
    )
    s.rows.append(
        {
            "group": "service",
            "name": "CLI started per plan",
            "median_s": cli["median_s"],
            "runs": cli["runs"],
            "n": len(cli["runs"]),
            "note": f"{round(1 / cli['median_s'], 2)} plans/s one at a time",
        }
    )
    five = {k: v for k, v in svc["by_status"].items() if k.startswith("5") and k != "503"}
    hostile = {k: v for k, v in svc["by_kind"].items() if k.startswith("hostile")}
    hostile_ok = all(all(st.startswith("4") or st == "503" for st in v) for v in hostile.values())
    mem = svc["memory"]
    growth = (mem[-1]["pss_mb"] - mem[1]["pss_mb"]) / mem[1]["pss_mb"] if len(mem) > 2 else None
    s.target(
        "throughput",
        f">= {TARGET_THROUGHPUT:g} plans/s",
        svc["plans_per_s"],
        svc["plans_per_s"] >= TARGET_THROUGHPUT,
    )
    s.target(
        "p95 latency", f"<= {TARGET_P95_S * 1000:g} ms", svc["p95_s"], (svc["p95_s"] or 9) <= 0.25
    )
    s.target("5xx other than 503", "0", sum(five.values()), not five, json.dumps(five))
    s.target("hostile uploads", "all 4xx (or 503)", None, hostile_ok, json.dumps(hostile))
    s.target(
        "memory",
        "flat (PSS growth < 10% after warm-up)",
        growth,
        None if growth is None else growth < 0.10,
        f"{len(mem)} samples over {svc['requests']} requests",
    )
    cpu_ms = svc["server_cpu_ms_per_plan"]
    if cpu_ms:
        s.notes.append(
            f"Server CPU per validated plan (HTTP, pool, parsing, validation; independent of the "
            f"machine's other load): service {cpu_ms} ms, naive {naive['server_cpu_ms_per_plan']} "
            f"ms. On {data['cores']} idle cores the service would reach about "
            f"{round(1000 * (data['cores'] or 1) / cpu_ms)} plans/s."
        )
    s.notes.append(
        f"Load average before/after (other work on the machine): "
        f"{data['load_average_before']} / {data['load_average_after']}."
    )
    s.notes.append(
        "Latency percentiles are of the reports (status 200); 503 answers are immediate and "
        "their clients wait Retry-After before the next request."
    )
    return s.as_dict()


def run(quick: bool = False) -> dict[str, Any]:
    if quick:
        data = measure(requests=200, seconds=10, naive_seconds=5, cli_runs=1)
    else:
        data = measure(requests=2000, seconds=30, naive_seconds=10, cli_runs=3)
    result = section(data)
    result["raw"] = data
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--naive-seconds", type=float, default=10.0)
    parser.add_argument("--cli-runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", type=Path, help="Write the section (harness schema) here.")
    args = parser.parse_args(argv)
    if args.quick:
        result = run(quick=True)
    else:
        data = measure(args.requests, args.seconds, args.naive_seconds, args.cli_runs)
        result = section(data)
        result["raw"] = data
    text = json.dumps(result, indent=2)
    if args.json:
        from .harness import write_json

        write_json(args.json, result)
    print(text)


if __name__ == "__main__":
    main()
