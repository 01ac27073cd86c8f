"""Validation against its peers, side by side in one run, interleaved (issue 18).

Engines, on the same synthetic plans (``drugpolicy_kg.synth``, 5% of entries with an injected
error), each timed once per round, rounds interleaved, medians reported:

- ``fast``: the project's default engine (``Engine(method="fast")``: shapes compiled into Python
  checks, explained results), plans already parsed by the project's reader
  (:func:`drugpolicy_kg.rdfio.load_graph`, as the CLI, the library and the service read them),
  as each peer gets its data parsed into its own structures before timing; also timed on
  plans parsed by rdflib into its default store (flattening and copying them included);
- ``pyshacl-path``: the project's engine on pySHACL (``--engine pyshacl``, the reference);
- ``pySHACL validate()``: plain pySHACL per plan, on the data graph the project validates;
- ``shacl-engine`` and ``rdf-validate-shacl`` (npm), validator built once, from the vendored
  harness ``benchmarks/node/peers.mjs``; the npm packages go to a throwaway folder
  (``benchmarks/results/.node-peers``, gitignored), skipped with a message without node/npm or
  network;
- ``pyshacl-turbo`` (a Rust engine; no licence, so a yardstick only) in the throwaway venv of
  ``benchmarks/bench_turbo.py``, data graphs parsed before timing;
- ``floor``: pyoxigraph parses all plans into one store and answers 4 SPARQL queries for the main
  rules over the batch.

Plus the CLI end to end on 27 plan files (``validate DIR``, both engines) against the CLI floor
(a Python process importing rdflib and pyoxigraph, parsing the plans and running the queries).
``--check`` also compares every result of ``fast`` and ``pyshacl-path`` on all plans measured.
This is a benchmark, not a test: nothing here asserts a time.

    PYTHONPATH=src python -m benchmarks.bench_peers --plans 27 270 --repeat 3 --cli 3 \
        --out benchmarks/results/peers.json
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
NODE_DIR = ROOT / "benchmarks" / "results" / ".node-peers"
HARNESS = ROOT / "benchmarks" / "node" / "peers.mjs"
NPM_PACKAGES = ("shacl-engine", "rdf-validate-shacl", "rdf-ext", "@zazuko/env", "n3")

#: The main rules as SPARQL over the whole batch (the floor: parse + a few queries).
FLOOR_QUERIES = (
    # an entry without exactly one of the four statuses
    """PREFIX dpo: <https://w3id.org/drugpolicy-kg/ontology#>
    SELECT ?e WHERE { ?s dpo:hasEntry ?e
      OPTIONAL { ?e dpo:status ?st FILTER(?st IN (dpo:Adopted, dpo:Planned,
                 dpo:UnderAssessment, dpo:NotPlanned)) } }
    GROUP BY ?e HAVING (COUNT(?st) != 1)""",
    # an Adopted or Planned entry without measures
    """PREFIX dpo: <https://w3id.org/drugpolicy-kg/ontology#>
    SELECT ?e WHERE { ?e dpo:status ?st FILTER(?st IN (dpo:Adopted, dpo:Planned))
      FILTER NOT EXISTS { ?e dpo:implementationMeasures ?m FILTER(REGEX(STR(?m), "\\\\S")) } }""",
    # a practice that is not one of the 44, or listed under another block
    """PREFIX dpo: <https://w3id.org/drugpolicy-kg/ontology#>
    SELECT ?e WHERE { ?s dpo:buildingBlock ?b ; dpo:hasEntry ?e . ?e dpo:practice ?p
      FILTER(!STRSTARTS(STR(?p), "https://w3id.org/drugpolicy-kg/id/practice/")
             || !STRSTARTS(STRAFTER(STR(?p), "/practice/"),
                           CONCAT(STRAFTER(STR(?b), "/block/"), "."))) }""",
    # a practice listed twice in one plan
    """PREFIX dpo: <https://w3id.org/drugpolicy-kg/ontology#>
    SELECT ?plan ?p WHERE { ?plan dpo:hasSection/dpo:hasEntry ?e . ?e dpo:practice ?p }
    GROUP BY ?plan ?p HAVING (COUNT(?e) > 1)""",
)

FLOOR_CLI = r"""
import sys, pathlib
import rdflib, pyoxigraph as ox
queries = __QUERIES__
store = ox.Store()
for f in sorted(pathlib.Path(sys.argv[1]).glob("*.ttl")):
    store.bulk_load(f.read_bytes(), ox.RdfFormat.TURTLE)
found = sum(len(list(store.query(q))) for q in queries)
print(found)
"""


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


# --- peers in other processes ----------------------------------------------------------------


def ensure_node(log: Callable[[str], None]) -> tuple[str | None, str]:
    """(node executable, "") or (None, why not)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        return None, "node or npm not found"
    if not (NODE_DIR / ".complete").is_file():
        log(f"installing {', '.join(NPM_PACKAGES)} into {NODE_DIR} (throwaway)")
        NODE_DIR.mkdir(parents=True, exist_ok=True)
        (NODE_DIR / "package.json").write_text(
            '{"name": "peers", "private": true, "type": "module"}\n', encoding="utf-8"
        )
        try:
            done = subprocess.run(
                [npm, "install", "--no-audit", "--no-fund", *NPM_PACKAGES],
                cwd=NODE_DIR,
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            return None, f"npm install failed: {exc}"
        if done.returncode != 0:
            return None, "npm install failed (no network?): " + " | ".join(
                done.stderr.strip().splitlines()[-2:]
            )
        (NODE_DIR / ".complete").write_text("ok\n", encoding="utf-8")
    return node, ""


def run_node(node: str, engine: str, shapes: Path, data: Path) -> dict[str, Any]:
    env = {**os.environ, "PEERS_DIR": str(NODE_DIR)}
    done = subprocess.run(
        [node, str(HARNESS), engine, str(shapes), str(data), "1"],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{engine}: " + " | ".join(done.stderr.strip().splitlines()[-3:]))
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


TURBO_WORKER = r"""
import json, sys, time
from pathlib import Path
from rdflib import Graph, URIRef
from pyshacl_turbo import validate
shapes = Graph().parse(sys.argv[1], format="nt")
graphs = [Graph().parse(f, format="nt") for f in sorted(Path(sys.argv[2]).glob("*.nt"))]
V = (URIRef("http://www.w3.org/ns/shacl#resultSeverity"), URIRef("http://www.w3.org/ns/shacl#Violation"))
def once():
    n = 0
    for g in graphs:
        _c, report, _t = validate(g, shacl_graph=shapes, inference="none", advanced=False,
                                  allow_warnings=True, allow_infos=True)
        n += sum(1 for _ in report.subjects(*V))
    return n
violations = once()
t = time.perf_counter(); once(); run = time.perf_counter() - t
print(json.dumps({"runs": [run], "violations": violations}))
"""


def run_turbo(python: Path, script: Path, shapes: Path, data: Path) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [str(python), str(script), str(shapes), str(data)],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError("turbo: " + " | ".join(done.stderr.strip().splitlines()[-3:]))
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# --- one batch size --------------------------------------------------------------------------


def in_process(
    n: int, repeat: int, args: argparse.Namespace, log: Callable[[str], None]
) -> dict[str, Any]:
    import pyoxigraph as ox
    from pyshacl import validate as pyshacl_validate
    from rdflib import Graph

    from drugpolicy_kg import synth
    from drugpolicy_kg.validation.engine import Engine
    from drugpolicy_kg.vocab import SH

    plans = synth.generate(synth.config_for_plans(n, error_rate=0.05))[:n]
    texts = [p.turtle() for p in plans]
    graphs = [Graph().parse(data=t, format="turtle") for t in texts]
    from drugpolicy_kg.rdfio import load_graph

    read = [load_graph(t.encode("utf-8"), name=f"{i:05d}.ttl") for i, t in enumerate(texts)]
    fast, ref = Engine(method="fast"), Engine(method="pyshacl")
    fast.warm()
    ref.warm()
    context = fast.context
    tmp = Path(tempfile.mkdtemp(prefix="bench-peers-"))
    data_dir = tmp / "data"
    data_dir.mkdir()
    data_graphs = []
    for i, g in enumerate(graphs):
        dg = context.data_graph(g)
        data_graphs.append(dg)
        dg.serialize(data_dir / f"{i:05d}.nt", format="nt", encoding="utf-8")
    shapes_file = tmp / "shapes.nt"
    fast.shapes.serialize(shapes_file, format="nt", encoding="utf-8")
    shapes_plain = Graph().parse(shapes_file, format="nt")
    ntriples = "".join(p.ntriples() for p in plans).encode("utf-8")

    counts: dict[str, int] = {}

    def project(engine: Engine, name: str, inputs: list[Graph]) -> Callable[[], float]:
        def once() -> float:
            t = time.perf_counter()
            reports = [engine.validate(g) for g in inputs]
            took = time.perf_counter() - t
            counts[name] = sum(r.counts()["Violation"] for r in reports)
            return took

        return once

    def plain() -> float:
        t = time.perf_counter()
        v = 0
        for dg in data_graphs:
            _c, report, _t = pyshacl_validate(
                dg,
                shacl_graph=shapes_plain,
                inference="none",
                advanced=False,
                allow_warnings=True,
                allow_infos=True,
            )
            v += sum(1 for _ in report.subjects(SH.resultSeverity, SH.Violation))
        took = time.perf_counter() - t
        counts["pySHACL validate() per plan"] = v
        return took

    def floor() -> float:
        t = time.perf_counter()
        store = ox.Store()
        store.bulk_load(ntriples, ox.RdfFormat.N_TRIPLES)
        found = 0
        for q in FLOOR_QUERIES:
            answer: Any = store.query(q)
            found += len(list(answer))
        took = time.perf_counter() - t
        counts["floor: pyoxigraph parse + 4 SPARQL queries"] = found
        return took

    engines: dict[str, Callable[[], float]] = {
        "fast (project default)": project(fast, "fast (project default)", read),
        "fast, plans parsed by rdflib (default store)": project(
            fast, "fast, plans parsed by rdflib (default store)", graphs
        ),
        "pyshacl path (--engine pyshacl)": project(ref, "pyshacl path (--engine pyshacl)", read),
        "pySHACL validate() per plan": plain,
        "floor: pyoxigraph parse + 4 SPARQL queries": floor,
    }
    notes: list[str] = []
    if not args.no_node:
        node, why = ensure_node(log)
        if node is None:
            notes.append(f"shacl-engine, rdf-validate-shacl skipped: {why}")
        else:
            for peer in ("shacl-engine", "rdf-validate-shacl"):

                def js(peer: str = peer) -> float:
                    result = run_node(node, peer, shapes_file, data_dir)
                    counts[f"{peer} (npm), validator built once"] = result["violations"]
                    return float(result["runs"][0])

                engines[f"{peer} (npm), validator built once"] = js
    if not args.no_turbo:
        from .bench_turbo import _ensure_venv

        python, why = _ensure_venv(False)
        if python is None:
            notes.append(f"pyshacl-turbo skipped: {why}")
        else:
            script = tmp / "turbo_worker.py"
            script.write_text(TURBO_WORKER, encoding="utf-8")

            def turbo() -> float:
                result = run_turbo(python, script, shapes_file, data_dir)
                counts["pyshacl-turbo (yardstick; no licence)"] = result["violations"]
                return float(result["runs"][0])

            engines["pyshacl-turbo (yardstick; no licence)"] = turbo
    times: dict[str, list[float]] = {name: [] for name in engines}
    for round_ in range(repeat):
        for name, once in engines.items():
            log(f"{n} plans, round {round_ + 1}/{repeat}: {name}")
            try:
                times[name].append(once())
            except (RuntimeError, subprocess.SubprocessError, OSError) as exc:
                notes.append(f"{name} failed: {exc}")
                times[name] = []
    if args.check:
        mismatches = sum(
            fast.validate(g).results != ref.validate(g).results
            or fast.validate(r).results != fast.validate(g).results
            for g, r in zip(graphs, read, strict=True)
        )
        notes.append(
            f"--check: fast and pyshacl path gave identical results on {n - mismatches} of {n} plans"
        )
    shutil.rmtree(tmp, ignore_errors=True)
    base = median(times["fast (project default)"])
    rows = [
        {
            "engine": name,
            "median_s": round(median(ts), 3),
            "runs": [round(t, 3) for t in ts],
            "vs_fast": round(median(ts) / base, 2) if ts else None,
            "violations": counts.get(name),
        }
        for name, ts in times.items()
    ]
    return {"plans": n, "rows": rows, "notes": notes}


def cli(n: int, repeat: int, log: Callable[[str], None]) -> dict[str, Any]:
    from drugpolicy_kg import synth

    tmp = Path(tempfile.mkdtemp(prefix="bench-peers-cli-"))
    plans = synth.generate(synth.config_for_plans(n, error_rate=0.05))[:n]
    synth.write_corpus(plans, tmp)
    floor_script = tmp / "floor.py"
    floor_script.write_text(FLOOR_CLI.replace("__QUERIES__", repr(FLOOR_QUERIES)), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    commands = {
        "CLI validate (fast)": [sys.executable, "-m", "drugpolicy_kg", "validate", str(tmp)],
        "CLI validate --engine pyshacl": [
            sys.executable, "-m", "drugpolicy_kg", "validate", str(tmp), "--engine", "pyshacl",
        ],
        "CLI floor: python + rdflib + pyoxigraph parse + 4 queries": [
            sys.executable, str(floor_script), str(tmp),
        ],
    }  # fmt: skip
    # one untimed run fills the compiled-context cache, as any earlier validate would
    subprocess.run(commands["CLI validate (fast)"], env=env, capture_output=True, check=False)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for round_ in range(repeat):
        for name, command in commands.items():
            log(f"CLI {n} plans, round {round_ + 1}/{repeat}: {name}")
            t = time.perf_counter()
            subprocess.run(command, env=env, capture_output=True, check=False)
            times[name].append(time.perf_counter() - t)
    shutil.rmtree(tmp, ignore_errors=True)
    floor = median(times["CLI floor: python + rdflib + pyoxigraph parse + 4 queries"])
    return {
        "plans": n,
        "rows": [
            {
                "engine": name,
                "median_s": round(median(ts), 3),
                "runs": [round(t, 3) for t in ts],
                "vs_floor": round(median(ts) / floor, 2),
            }
            for name, ts in times.items()
        ],
    }


def markdown(result: dict[str, Any]) -> str:
    lines = []
    for batch in result["in_process"]:
        lines += [
            f"\n**{batch['plans']} plans, in-process** (medians of {result['repeat']}, interleaved)\n",
            "| engine | median (s) | time vs fast | Violations |",
            "|---|---|---|---|",
        ]
        for row in batch["rows"]:
            lines.append(
                f"| {row['engine']} | {row['median_s']} | {row['vs_fast']} | "
                f"{row['violations'] if row['violations'] is not None else ''} |"
            )
        lines += [f"\n{note}" for note in batch["notes"]]
    if result.get("cli"):
        c = result["cli"]
        lines += [
            f"\n**{c['plans']} plans, CLI end to end** (medians of {result['cli_repeat']})\n",
            "| command | median (s) | time vs the CLI floor |",
            "|---|---|---|",
        ]
        lines += [f"| {r['engine']} | {r['median_s']} | {r['vs_floor']} |" for r in c["rows"]]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--plans", type=int, nargs="+", default=[27, 270])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cli", type=int, default=3, help="CLI rounds (0: skip)")
    parser.add_argument("--no-node", action="store_true")
    parser.add_argument("--no-turbo", action="store_true")
    parser.add_argument("--check", action="store_true", help="compare fast and pyshacl results")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)

    def log(text: str) -> None:
        print(f"[peers] {text}", file=sys.stderr, flush=True)

    result: dict[str, Any] = {
        "repeat": args.repeat,
        "cli_repeat": args.cli,
        "in_process": [in_process(n, args.repeat, args, log) for n in args.plans],
        "cli": cli(27, args.cli, log) if args.cli else None,
        "cpus": os.cpu_count(),
        "load": os.getloadavg()[0],
    }
    text = markdown(result)
    print(text)
    if args.out:
        from drugpolicy_kg.atomic import write_text

        write_text(args.out, json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
