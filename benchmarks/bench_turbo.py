"""pySHACL against pyshacl-turbo, on identical inputs, each in its own interpreter.

Why a throwaway venv: pyshacl-turbo (a Rust SHACL engine with a pySHACL-compatible API) is not
a dependency of the project, and issue #7 forbids installing it into the project's venv (its
package metadata declares no licence). So it is installed with pip into
``benchmarks/results/.turbo-venv`` (gitignored, reused between runs), and the same small worker
script runs once under the project's interpreter (pySHACL) and once under the throwaway one
(pyshacl-turbo), on the same files: the package's shapes (deadline filled in) and, per plan, the
data graph the project's engine validates (plan + KG context), as N-Triples.

The figure compares the SHACL engines alone, called the plain way (``validate(data,
shacl_graph=shapes)``); the project's engine additionally reuses pySHACL's harvested shapes
between plans and explains results, and is timed beside on the same plans. The violation counts
of both engines are compared, so a fast but wrong engine cannot win silently.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from .harness import Section, measure, progress, ratio, unavailable

VENV = Path(__file__).resolve().parent / "results" / ".turbo-venv"
PLANS_FULL = 27
PLANS_QUICK = 3

#: The worker: stdlib, rdflib and the engine under test only (it runs in both venvs).
WORKER = r"""
import json, sys, time
from pathlib import Path
from rdflib import Graph, URIRef
impl, shapes_file, data_dir, repeats = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
if impl == "turbo":
    from pyshacl_turbo import validate
else:
    from pyshacl import validate
SH = "http://www.w3.org/ns/shacl#"
shapes = Graph().parse(shapes_file, format="turtle")
files = sorted(Path(data_dir).glob("*.nt"))
def once():
    violations = 0
    for f in files:
        data = Graph().parse(f, format="nt")
        _conforms, report, _text = validate(data, shacl_graph=shapes, inference="none",
            advanced=False, allow_warnings=True, allow_infos=True)
        violations += sum(1 for _ in report.subjects(URIRef(SH + "resultSeverity"), URIRef(SH + "Violation")))
    return violations
violations = once()  # warm-up: imports, native initialisation
runs = []
for _ in range(repeats):
    t = time.perf_counter(); once(); runs.append(time.perf_counter() - t)
print(json.dumps({"runs": runs, "violations": violations, "plans": len(files)}))
"""


def _ensure_venv(quick: bool) -> tuple[Path | None, str]:
    """The throwaway venv's python, creating it on first use; (None, why) if that fails."""
    python = VENV / "bin" / "python"
    if not (VENV / ".complete").is_file():
        if quick:
            return None, "quick run: the throwaway venv is not created (needs the network)"
        with progress("turbo: create throwaway venv and pip install pyshacl-turbo"):
            try:
                subprocess.run(
                    [sys.executable, "-m", "venv", "--clear", str(VENV)],
                    check=True,
                    capture_output=True,
                )
                done = subprocess.run(
                    [
                        str(python),
                        "-m",
                        "pip",
                        "install",
                        "--quiet",
                        "--disable-pip-version-check",
                        "pyshacl-turbo",
                    ],
                    capture_output=True,
                    text=True,
                    timeout=600,
                    check=False,
                )
            except (OSError, subprocess.SubprocessError) as exc:
                return None, f"could not create {VENV}: {exc}"
            if done.returncode != 0:
                tail = " | ".join(done.stderr.strip().splitlines()[-2:])
                return None, f"pip install pyshacl-turbo failed: {tail}"
            (VENV / ".complete").write_text("ok\n", encoding="utf-8")
    return python, ""


def _turbo_version(python: Path) -> str:
    done = subprocess.run(
        [
            str(python),
            "-c",
            "from importlib.metadata import version; print(version('pyshacl-turbo'))",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or "?"


def _worker(
    python: Path, impl: str, shapes: Path, data: Path, repeats: int, script: Path
) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [str(python), str(script), impl, str(shapes), str(data), str(repeats)],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"{impl} worker failed: {' | '.join(done.stderr.strip().splitlines()[-3:])}"
        )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run(quick: bool = False) -> dict[str, Any]:
    """Time pySHACL and pyshacl-turbo on the same plans; return a report section."""
    title = "pyshacl-turbo against pySHACL (throwaway venv, not a dependency)"
    python, why = _ensure_venv(quick)
    if python is None:
        return unavailable(title, why).as_dict()
    from drugpolicy_kg import synth
    from drugpolicy_kg.validation import engine as venv_engine
    from drugpolicy_kg.validation.context import cached_context

    n = PLANS_QUICK if quick else PLANS_FULL
    repeats = 1 if quick else 3
    # Errors injected on purpose, so that both engines have Violations to agree on.
    plans = synth.generate(synth.SynthConfig(error_rate=0.02))[:n]
    section = Section(title=title)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        eng = venv_engine.Engine()
        shapes = root / "shapes.ttl"
        eng.shapes.serialize(shapes, format="turtle")
        data = root / "data"
        data.mkdir()
        context = cached_context()
        for i, plan in enumerate(plans):
            graph = context.data_graph(plan.graph())
            graph.serialize(data / f"{i:04d}.nt", format="nt", encoding="utf-8")
        script = root / "worker.py"
        script.write_text(WORKER, encoding="utf-8")
        with progress(f"turbo: pySHACL, {n} plans"):
            plain = _worker(Path(sys.executable), "pyshacl", shapes, data, repeats, script)
        with progress(f"turbo: pyshacl-turbo, {n} plans"):
            turbo = _worker(python, "turbo", shapes, data, repeats, script)
        with progress(f"turbo: project engine, {n} plans"):
            graphs = [p.graph() for p in plans]
            project = measure(lambda: [eng.validate(g) for g in graphs], repeats=repeats, warmup=1)
    from .harness import Timing

    t_plain, t_turbo = Timing(plain["runs"]), Timing(turbo["runs"])
    section.rows += [
        t_plain.row("turbo", f"pySHACL validate(), {n} plans", plans=n),
        t_turbo.row(
            "turbo",
            f"pyshacl-turbo {_turbo_version(python)} validate(), {n} plans",
            plans=n,
            ratio=round(ratio(t_plain.median, t_turbo.median), 1),
            ratio_to="speed-up over pySHACL validate()",
        ),
        project.row(
            "turbo",
            f"project engine (shapes reused, results explained), {n} plans",
            plans=n,
            ratio=round(ratio(project.median, t_turbo.median), 1),
            ratio_to="× pyshacl-turbo's time",
        ),
    ]
    agree = plain["violations"] == turbo["violations"]
    section.notes.append(
        f"Violations found on the same {n} plans (2% of entries with an injected error): "
        f"pySHACL {plain['violations']}, pyshacl-turbo {turbo['violations']} — "
        + (
            "the engines agree."
            if agree
            else "the engines DISAGREE; the speed-up is not like for like."
        )
    )
    section.notes.append(
        "Each worker time includes parsing the N-Triples data graph of every plan (the same "
        "work for both engines). pyshacl-turbo is installed only in the throwaway venv; "
        "its package metadata declares no licence, so it is not a dependency."
    )
    return section.as_dict()
