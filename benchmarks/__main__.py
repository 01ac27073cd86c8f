"""``python -m benchmarks``: every speed figure of the project, side by side, in one run.

Usage::

    python -m benchmarks                 # full run (about 10 minutes on 2 cores); publishes
                                         # docs/benchmarks.md, docs/benchmarks.json, docs/img/scaling.png
    python -m benchmarks --quick         # tiny smoke run (seconds), results only under --out
    python -m benchmarks --only build,cli --out /tmp/bench

Each section is one module with ``run(quick: bool) -> dict`` (schema in
:mod:`benchmarks.harness`). The orchestrator owns ``bench_build``, ``bench_scale``, ``bench_cli``
and ``bench_turbo``; ``bench_validate``, ``bench_query``, ``bench_graph`` and ``bench_reason``
belong to the engineers of those modules and are called through the same interface when they
offer it. A module that is missing, or fails, becomes a "not available" / "failed" line: one
broken section never loses the others' figures.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from . import harness

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
DOCS = ROOT / "docs"

#: (key, module, title), in run order. Cheap sections first, so a slow one cannot starve them.
SECTIONS: tuple[tuple[str, str, str], ...] = (
    ("cli", "bench_cli", "CLI cold start"),
    ("build", "bench_build", "KG build and synthetic corpus"),
    ("query", "bench_query", "Query catalogue per engine"),
    ("graph", "bench_graph", "Graph analyses"),
    ("reason", "bench_reason", "Reasoning"),
    ("validate", "bench_validate", "Validation engine designs"),
    ("scale", "bench_scale", "Validation at scale"),
    ("turbo", "bench_turbo", "pyshacl-turbo (throwaway venv)"),
    ("monitor", "bench_monitor", "Monitoring: progress and plan diff"),
    ("web", "bench_web", "Web application: pages and RDF under load"),
    ("service", "bench_service", "Validation service under load"),
)
#: Sections owned by other engineers: their absence is expected while they land.
FOREIGN = {"bench_query", "bench_graph", "bench_reason", "bench_validate"}
#: While a foreign module is missing, a fallback of ours times the same public API.
FALLBACKS = {"bench_query": "catalogue_engines"}


def _call(module_name: str, title: str, quick: bool, workdir: Path) -> dict[str, Any]:
    """Run one section; never raise: a failure becomes a section that says so."""
    try:
        module = importlib.import_module(f"benchmarks.{module_name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"benchmarks.{module_name}":
            if module_name in FALLBACKS:
                return _call(FALLBACKS[module_name], title, quick, workdir)
            return harness.unavailable(
                title, f"benchmarks/{module_name}.py does not exist yet"
            ).as_dict()
        return _failed(title, exc)
    except Exception as exc:
        return _failed(title, exc)
    if module_name in ADAPTERS and not callable(getattr(module, "run", None)):
        try:
            return ADAPTERS[module_name](title, quick, workdir)
        except Exception as exc:
            return _failed(title, exc)
    run = getattr(module, "run", None)
    if callable(run):
        try:
            kwargs: dict[str, Any] = {}
            params = inspect.signature(run).parameters
            if "quick" in params:
                kwargs["quick"] = quick
            result = run(**kwargs)
        except Exception as exc:
            return _failed(title, exc)
        return _normalise(result, title)
    if hasattr(module, "main"):
        return _subprocess_section(module_name, title, quick, workdir)
    return harness.unavailable(
        title, f"benchmarks/{module_name}.py has no run(quick) -> dict nor main()"
    ).as_dict()


def _subprocess_section(module_name: str, title: str, quick: bool, workdir: Path) -> dict[str, Any]:
    """Fallback for a module with only a CLI: ``python -m benchmarks.X [--quick] --json FILE``."""
    out = workdir / f"{module_name}.json"
    argv = [sys.executable, "-m", f"benchmarks.{module_name}", "--json", str(out)]
    if quick:
        argv.append("--quick")
    done = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, check=False)
    if done.returncode != 0 or not out.is_file():
        tail = " | ".join(done.stderr.strip().splitlines()[-3:])
        return harness.Section(
            title, status="failed", reason=f"{' '.join(argv[1:])}: {tail}"
        ).as_dict()
    return _normalise(json.loads(out.read_text(encoding="utf-8")), title)


def _validate_adapter(title: str, quick: bool, workdir: Path) -> dict[str, Any]:
    """``bench_validate.py`` has its own CLI (``OUTPUT.json --repeat N --cli``) and flat JSON."""
    out = workdir / "bench_validate.json"
    argv = [sys.executable, "-m", "benchmarks.bench_validate", str(out)]
    argv += ["--repeat", "1"] if quick else ["--repeat", "5", "--cli"]
    done = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, check=False)
    if done.returncode != 0 or not out.is_file():
        tail = " | ".join(done.stderr.strip().splitlines()[-3:])
        return harness.Section(title, status="failed", reason=f"bench_validate: {tail}").as_dict()
    f = json.loads(out.read_text(encoding="utf-8"))
    n = f.get("plans", 27)
    section = harness.Section(title="Validation engine designs (bench_validate.py, 27 plans)")
    engine = harness.Timing(f["engine_runs_s"])
    naive = harness.Timing(f["naive_runs_s"])
    section.rows.append(engine.row("validate", f"project engine, {n} plans, in-process", plans=n))
    section.rows.append(
        naive.row(
            "validate",
            f"naive SHACL-SPARQL design, {n} plans",
            plans=n,
            ratio=f.get("ratio_naive_over_engine"),
            ratio_to="× project engine",
        )
    )
    section.rows.append(
        harness.Timing([f["engine_setup_s"]]).row("validate", "engine setup (KG, context, shapes)")
    )
    section.target(
        "validate 27 plans in-process (validation issue)",
        "≤ 0.5 s",
        engine.median,
        engine.median <= 0.5,
        f"{engine.median:.2f} s, median of {len(engine.runs)} (bench_validate.py)",
    )
    if "cli_end_to_end_s" in f:
        cli = harness.Timing([f["cli_end_to_end_s"]])
        section.rows.append(
            cli.row("validate", f"`drugpolicy-kg validate DIR` {n} plans, end to end")
        )
        section.target(
            "`drugpolicy-kg validate` 27 plans, end to end (bench_validate.py, one run)",
            "≤ 2 s",
            cli.median,
            cli.median <= 2.0,
            f"{cli.median:.2f} s, one run",
        )
    section.notes.append(
        "Run as `python -m benchmarks.bench_validate OUT.json --repeat 5 --cli` (its own "
        "workload: 27 plans from the plan template); figures converted from its JSON."
    )
    return section.as_dict()


#: Modules with their own interface: called through an adapter until they offer run(quick).
ADAPTERS = {"bench_validate": _validate_adapter}


def _normalise(result: Any, title: str) -> dict[str, Any]:
    """Accept a harness Section, or a dict in (or close to) the harness schema."""
    if isinstance(result, harness.Section):
        return result.as_dict()
    if not isinstance(result, dict):
        return harness.Section(
            title, status="failed", reason=f"run() returned {type(result).__name__}"
        ).as_dict()
    base = harness.Section(title).as_dict()
    base.update(result)
    return base


def _failed(title: str, exc: BaseException) -> dict[str, Any]:
    detail = traceback.format_exception_only(type(exc), exc)[-1].strip()
    print(traceback.format_exc(), file=sys.stderr)
    return harness.Section(title, status="failed", reason=detail).as_dict()


def run_all(
    quick: bool = False,
    only: set[str] | None = None,
    out: Path | None = None,
    publish: bool = False,
) -> dict[str, Any]:
    """Run the sections, write ``out/latest.json`` and ``out/benchmarks.md`` (and the figure).

    ``publish`` also copies the run to ``docs/benchmarks.json``, ``docs/benchmarks.md`` and
    ``docs/img/scaling.png``; only a full run of every section publishes by default.
    """
    from . import plot, report

    out = out or RESULTS
    started = time.perf_counter()
    data: dict[str, Any] = {
        "command": "python -m benchmarks" + (" --quick" if quick else ""),
        "quick": quick,
        "started_utc": harness.now_iso(),
        "machine": harness.machine_info(),
        "sections": {},
    }
    with tempfile.TemporaryDirectory() as tmp:
        for key, module_name, title in SECTIONS:
            if only and key not in only:
                continue
            with harness.progress(f"section {key}"):
                t0 = time.perf_counter()
                section = _call(module_name, title, quick, Path(tmp))
                section["elapsed_s"] = round(time.perf_counter() - t0, 1)
                if section["status"] != "ok":
                    print(
                        f"[bench] {key}: {section['status']}: {section['reason']}", file=sys.stderr
                    )
            data["sections"][key] = section
    data["machine"]["load_average_end"] = harness.load_average()
    data["elapsed_s"] = round(time.perf_counter() - started, 1)
    data["targets"] = [
        {**t, "section": key} for key, s in data["sections"].items() for t in s.get("targets", [])
    ]
    harness.write_json(out / "latest.json", data)
    figure = out / "scaling.png"
    plot.write(data, figure)
    markdown = report.markdown(data, figure_path="img/scaling.png")
    from drugpolicy_kg.atomic import write_bytes, write_text

    write_text(out / "benchmarks.md", markdown)
    if publish:
        harness.write_json(DOCS / "benchmarks.json", data)
        write_text(DOCS / "benchmarks.md", markdown)
        write_bytes(DOCS / "img" / "scaling.png", figure.read_bytes())
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="tiny smoke run (seconds)")
    parser.add_argument(
        "--out", type=Path, default=None, help=f"results folder (default {RESULTS})"
    )
    parser.add_argument(
        "--only",
        default="",
        help=f"comma-separated sections: {','.join(k for k, _, _ in SECTIONS)}",
    )
    parser.add_argument(
        "--publish",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="copy the run to docs/ (default: only for a full run of all sections)",
    )
    args = parser.parse_args(argv)
    only = {s.strip() for s in args.only.split(",") if s.strip()} or None
    unknown = (only or set()) - {k for k, _, _ in SECTIONS}
    if unknown:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}")
    publish = args.publish if args.publish is not None else (not args.quick and only is None)
    data = run_all(quick=args.quick, only=only, out=args.out, publish=publish)
    for t in data["targets"]:
        verdict = {True: "met", False: "NOT met", None: "n/a"}[t["met"]]
        print(f"{verdict:8} {t['name']}: {t['detail'] or t['value']} (target {t['target']})")
    where = args.out or RESULTS
    print(
        f"results: {where / 'latest.json'}, {where / 'benchmarks.md'}"
        + (" (published to docs/)" if publish else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
