"""Fallback for the query section while ``bench_query.py`` is not there: the catalogue per engine.

Why a fallback: issue #7 wants the query targets of the query issue reported in the same run as
everything else. When the query engineer's ``benchmarks/bench_query.py`` exists the orchestrator
uses it instead; this module only times the project's public engine API, side by side:

- ``rdflib``: ``open_engine("rdflib")``, the reference engine;
- ``oxigraph`` (the default): ``open_engine()``, embedded pyoxigraph with results as rdflib terms;
- raw pyoxigraph: ``Store.query`` on the same N-Triples, solutions consumed but not converted:
  the floor the default engine is compared to (target: within 1.25×);
- the Oxigraph server over HTTP through the project's ``RemoteEngine`` (loopback).

Every catalogue query runs with its default parameters, over the KG plus the three example
plans (so plan queries have rows). Per-engine figures are geometric means of per-query medians.
"""

from __future__ import annotations

import socket
import statistics
import tempfile
from pathlib import Path
from typing import Any

from .harness import Section, Timing, geomean, measure, progress

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_PLANS = ROOT / "examples" / "plans"
TARGET_RAW = 1.25
TARGET_RDFLIB = 15.0
TARGET_MEDIAN_S = 0.020


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def run(quick: bool = False) -> dict[str, Any]:
    """Time every catalogue query on every engine; return a report section."""
    import pyoxigraph as ox

    from drugpolicy_kg import catalogue
    from drugpolicy_kg.engines import kg_ntriples, open_engine
    from drugpolicy_kg.engines.base import load_plan_graphs
    from drugpolicy_kg.engines.oxigraph_engine import to_ox

    section = Section(title="Query catalogue per engine (fallback: bench_query.py not found)")
    repeats = 1 if quick else 7
    plans = sorted(str(p) for p in EXAMPLE_PLANS.glob("*.ttl"))
    queries = catalogue.catalogue()
    if quick:
        queries = dict(list(queries.items())[:3])
    with progress("query: load engines"):
        default = open_engine(plans=plans)
        reference = open_engine("rdflib", plans=plans)
        data = kg_ntriples() + b"".join(
            g.serialize(format="nt", encoding="utf-8") for g in load_plan_graphs(plans)
        )
        raw = ox.Store()
        raw.bulk_load(data, ox.RdfFormat.N_TRIPLES)
    bindings = {name: catalogue.resolve_params(q, {}, default) for name, q in queries.items()}
    timings: dict[str, Timing] = {}
    times: dict[str, dict[str, float]] = {
        "raw pyoxigraph": {},
        "oxigraph (default)": {},
        "rdflib": {},
    }
    for name, q in queries.items():
        b = bindings[name]
        subs = {ox.Variable(k): to_ox(v) for k, v in b.items()} or None
        with progress(f"query: {name}"):
            timings[name] = measure(
                lambda q=q, b=b: default.query(q.text, bindings=b), repeats=repeats
            )
            times["oxigraph (default)"][name] = timings[name].median
            times["raw pyoxigraph"][name] = measure(
                lambda q=q, subs=subs: list(raw.query(q.text, substitutions=subs)), repeats=repeats
            ).median
            times["rdflib"][name] = measure(
                lambda q=q, b=b: reference.query(q.text, bindings=b), repeats=max(1, repeats // 2)
            ).median
    if not quick:
        _server(times, queries, bindings, data, repeats)
    base = times["oxigraph (default)"]
    for name in queries:
        section.rows.append(
            timings[name].row(
                "query",
                f"{name}: default engine",
                ratio=round(times["rdflib"][name] / base[name], 1),
                ratio_to="rdflib median / default engine median",
            )
        )
    for engine, per_query in times.items():
        g = geomean(list(per_query.values()))
        section.rows.append(
            {
                "group": "query",
                "name": f"{engine}: geometric mean of {len(per_query)} queries",
                "median_s": round(g, 6),
                "repeats": repeats,
                "ratio": round(g / geomean(list(base.values())), 2),
                "ratio_to": "× default engine",
            }
        )
    over_raw = geomean([base[n] / times["raw pyoxigraph"][n] for n in queries])
    over_rdflib = geomean([times["rdflib"][n] / base[n] for n in queries])
    median_q = statistics.median(base.values())
    section.target(
        "default engine against raw pyoxigraph (query issue)",
        f"≤ {TARGET_RAW}× (geometric mean)",
        over_raw,
        over_raw <= TARGET_RAW,
        f"{over_raw:.2f}× over {len(queries)} catalogue queries",
    )
    section.target(
        "default engine faster than rdflib (query issue)",
        f"≥ {TARGET_RDFLIB:.0f}× (geometric mean)",
        over_rdflib,
        over_rdflib >= TARGET_RDFLIB,
        f"{over_rdflib:.1f}× faster",
    )
    section.target(
        "median catalogue query, default engine (query issue)",
        f"< {TARGET_MEDIAN_S * 1000:.0f} ms",
        median_q,
        median_q < TARGET_MEDIAN_S,
        f"{median_q * 1000:.1f} ms",
    )
    section.notes.append(
        f"Dataset: the KG plus the {len(plans)} example plans; default parameters; engines loaded "
        "once (load time not counted). rdflib runs half as many repeats."
    )
    return section.as_dict()


def _server(
    times: dict[str, dict[str, float]],
    queries: dict[str, Any],
    bindings: dict[str, Any],
    data: bytes,
    repeats: int,
) -> None:
    """The same queries over HTTP to a loopback Oxigraph server; skipped if it cannot start."""
    try:
        from drugpolicy_kg.engines.remote import RemoteEngine
        from drugpolicy_kg.server import OxigraphServer, oxigraph_binary
    except ImportError:
        return
    import subprocess

    with tempfile.TemporaryDirectory() as tmp:
        nt = Path(tmp) / "all.nt"
        nt.write_bytes(data)
        store = Path(tmp) / "store"
        try:
            subprocess.run(
                [oxigraph_binary(), "load", "--location", str(store), "--file", str(nt)],
                check=True,
                capture_output=True,
            )
        except (OSError, subprocess.CalledProcessError, Exception):
            return
        with (
            progress("query: Oxigraph server over HTTP"),
            OxigraphServer(store, port=_free_port()) as server,
        ):
            remote = RemoteEngine(server.query_url)
            times["Oxigraph server (HTTP)"] = {
                name: measure(
                    lambda q=q, b=bindings[name]: remote.query(q.text, bindings=b), repeats=repeats
                ).median
                for name, q in queries.items()
            }
