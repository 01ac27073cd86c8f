"""Shared by the validation-service tests: plans in every syntax, hostile bodies, a live server."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from drugpolicy_kg.server import stop_process

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "plans"
FIXTURES = ROOT / "tests" / "fixtures"

#: rdflib serialisation name -> (service syntax key, Content-Type, file suffix)
RDF_SYNTAXES = {
    "turtle": ("turtle", "text/turtle", ".ttl"),
    "json-ld": ("json-ld", "application/ld+json", ".jsonld"),
    "xml": ("xml", "application/rdf+xml", ".rdf"),
    "nt": ("nt", "application/n-triples", ".nt"),
    "nquads": ("nquads", "application/n-quads", ".nq"),
    "trig": ("trig", "application/trig", ".trig"),
    "trix": ("trix", "application/trix", ".trix"),
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ACCEPTS = ("application/json", "text/turtle", "text/csv", "text/html")


def plan_in(path: Path, fmt: str) -> bytes:
    """The plan at ``path`` serialised in an RDF syntax (rdflib) or as a workbook."""
    from rdflib import Dataset, Graph

    from drugpolicy_kg.rdfio import load_untrusted, union_graph

    graph = union_graph(load_untrusted(path))
    if fmt in ("xlsx", "csv"):
        import csv
        import io

        from drugpolicy_kg.plans.spreadsheet import COLUMNS, _xlsx_bytes, graph_to_rows

        rows = graph_to_rows(graph)
        if fmt == "xlsx":
            return _xlsx_bytes(rows)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows([[row.get(c, "") for c in COLUMNS] for row in rows])
        return out.getvalue().encode()
    if fmt in ("nquads", "trig", "trix"):
        ds = Dataset()
        named = ds.graph("https://example.org/graph/plan")
        for triple in graph:
            named.add(triple)
        return ds.serialize(format=fmt).encode()
    copy = Graph()
    for prefix, ns in graph.namespaces():
        copy.bind(prefix, ns)
    for triple in graph:
        copy.add(triple)
    return copy.serialize(format=fmt).encode()


def billion_laughs() -> bytes:
    return (FIXTURES / "hostile" / "billion-laughs.rdf").read_bytes()


def deep_jsonld(depth: int = 5000) -> bytes:
    """JSON-LD nested far deeper than the loader's depth limit."""
    return (
        b'{"@context": {"@vocab": "https://example.org/"}, "@id": "https://example.org/x", "p": '
        + b'{"p": ' * depth
        + b"1"
        + b"}" * depth
        + b"}"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path


@contextmanager
def live_server(tmp: Path, **env: str) -> Iterator[Server]:
    """The service under uvicorn on 127.0.0.1 (a random free port), stopped afterwards."""
    port = free_port()
    log = tmp / f"uvicorn-{port}.log"
    environ = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
        **env,
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "drugpolicy_kg.web.validator:standalone_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-access-log",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=environ,
            cwd=tmp,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"uvicorn exited: {log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(url + "/api/openapi.json", timeout=2) as reply:
                    json.load(reply)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield Server(url, process, log)
    finally:
        stop_process(process, 15)
