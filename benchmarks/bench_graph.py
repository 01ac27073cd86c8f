"""Benchmark: the networkx projection plus every analysis of ``drugpolicy-kg graph``.

Target (issue #5): projection + all analyses under 1 s on the core KG. The KG build itself
(``cached_kg``, once per process) and pictures are not counted. Not a timed test.

    .venv/bin/python -m benchmarks.bench_graph                  # core KG
    .venv/bin/python -m benchmarks.bench_graph --plans tests/fixtures/graph/plans
    .venv/bin/python -m benchmarks --only graph                 # through the orchestrator

:func:`run` returns a section in the schema of :mod:`benchmarks.harness` (medians of repeats).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

TARGET_S = 1.0
FIXTURE_PLANS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "graph" / "plans"


def _analyses(proj: Any) -> None:
    """Every analysis the CLI offers, on the names the documentation uses."""
    from drugpolicy_kg.graph import analysis as A
    from drugpolicy_kg.graph.resolve import resolve

    A.deps(proj, resolve(proj, "III.3"))
    A.deps(proj, resolve(proj, "SIS"))
    A.impact(proj, resolve(proj, "SIENA"))
    A.impact(proj, resolve(proj, "reg/2016/794"))
    for by in ("pagerank", "degree", "betweenness", "practices"):
        A.rank(proj, by=by)
    A.path(proj, resolve(proj, "I.1"), resolve(proj, "TFEU"))
    A.path(proj, resolve(proj, "III.3"), resolve(proj, "SIS"), dependencies_only=True)
    A.clusters(proj)
    if proj.plans:
        A.similar(proj, proj.plans[0].state)


def run(quick: bool = False, plans: Sequence[str] = ()) -> dict[str, Any]:
    """Median timings of projection, analyses and both together (harness schema)."""
    from drugpolicy_kg.graph.projection import project, read_plans
    from drugpolicy_kg.kg import cached_kg

    from .harness import Section, measure

    t0 = time.perf_counter()
    kg = cached_kg()
    build_s = time.perf_counter() - t0
    repeats = 3 if quick else 9
    section = Section("Graph analyses")
    for label, plan_paths in (
        ("core KG", ()),
        ("core KG + 4 fixture plans", (str(FIXTURE_PLANS),)),
    ):
        if plans and label == "core KG":
            plan_paths = tuple(plans)
            label = f"core KG + {len(plans)} plan path(s)"
        loaded = read_plans(plan_paths) if plan_paths else []
        proj = project(kg, loaded)
        g = proj.graph
        extra = {"n": g.number_of_nodes(), "edges": g.number_of_edges(), "plans": len(loaded)}
        p = measure(lambda loaded=loaded: project(kg, loaded), repeats=repeats)
        a = measure(lambda proj=proj: _analyses(proj), repeats=repeats)
        both = measure(lambda loaded=loaded: _analyses(project(kg, loaded)), repeats=repeats)
        section.rows.append(p.row(label, "projection", **extra))
        section.rows.append(a.row(label, "all analyses", **extra))
        section.rows.append(both.row(label, "projection + all analyses", **extra))
        if label == "core KG":
            section.target(
                "projection + all analyses, core KG",
                f"< {TARGET_S:.0f} s",
                both.median,
                both.median < TARGET_S,
                f"{g.number_of_nodes()} nodes, {g.number_of_edges()} edges",
            )
    section.notes.append(
        f"KG built once per process by cached_kg() in {build_s:.2f} s (not counted); "
        "analyses: deps x2, impact x2, rank x4, path x2, clusters, similar (with plans)."
    )
    return section.as_dict()


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark of drugpolicy-kg graph analyses.")
    parser.add_argument("--plans", nargs="*", default=[], help="action plan files or folders")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    result = run(quick=args.quick, plans=args.plans)
    for row in result["rows"]:
        print(
            f"{row['group']:>28} | {row['name']:<26} median {row['median_s'] * 1000:7.1f} ms"
            f"  (min {row['min_s'] * 1000:6.1f}, {row['repeats']} runs; {row['n']} nodes)"
        )
    for t in result["targets"]:
        print(
            f"target {t['name']} {t['target']}: {t['value']:.3f} s -> {'met' if t['met'] else 'NOT met'}"
        )
    for note in result["notes"]:
        print(note)


if __name__ == "__main__":
    main()
