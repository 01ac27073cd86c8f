"""Validation at scale: 1, 27, 270 and 2,700 synthetic plans, one process against two workers.

Why here and not only in ``bench_validate.py``: issue #7's target is about the corpus (2,700
plans, 100 cycles of 27 states, in 60 s using both cores, cost linear in size), and the corpus
comes from :mod:`drugpolicy_kg.synth`. The design comparisons of the validation engine itself
(naive SHACL-SPARQL against the project's engine) stay in the validation engineer's module.

What is timed is the library call the CLI makes, ``validation.engine.validate_files`` on Turtle
files: reading each untrusted file, building its data graph, running pySHACL, explaining the
results. The engine (shapes, KG context) is warmed first, as in a long-running process; the
cold CLI is timed separately in :mod:`benchmarks.bench_cli`.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from .harness import Section, measure, progress, ratio

FULL_SIZES = (1, 27, 270, 2700)
QUICK_SIZES = (1, 9)  # 9 > the engine's PARALLEL_THRESHOLD, so workers start
#: Above this many plans one process is not timed in a full run (it would take ~6 minutes);
#: its cost is extrapolated linearly from the largest size measured, and the report says so.
SINGLE_MAX = 270
TARGET_2700_S = 60.0
TARGET_27_S = 0.5


def run(quick: bool = False, sizes: tuple[int, ...] | None = None) -> dict[str, Any]:
    """Time the validation of growing synthetic corpora; return a report section."""
    try:
        from drugpolicy_kg.validation import engine
    except ImportError as exc:  # the validation module is not there yet
        from .harness import unavailable

        return unavailable("Validation at scale", f"drugpolicy_kg.validation: {exc}").as_dict()
    from drugpolicy_kg import synth

    sizes = sizes or (QUICK_SIZES if quick else FULL_SIZES)
    section = Section(title="Validation at scale (synthetic plans, project engine)")
    single: list[dict[str, Any]] = []
    parallel: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        largest = max(sizes)
        plans = synth.generate(synth.config_for_plans(largest))[:largest]
        files = [str(p) for p in synth.write_corpus(plans, Path(tmp))]
        triples = [0]
        for plan in plans:
            triples.append(triples[-1] + sum(1 for _ in plan.triples()))
        with progress("validate: warm the engine"):
            engine.validate_files(files[:1], workers=1)
        violations: Counter[str] = Counter()
        for n in sizes:
            batch = files[:n]
            reps = 1 if quick else (5 if n <= 27 else 1)
            point = {"plans": n, "triples": triples[n]}
            one = None
            if n <= SINGLE_MAX or quick:
                with progress(f"validate: {n} plan{_s(n)}, one process"):
                    one = measure(
                        lambda b=batch: engine.validate_files(b, workers=1), repeats=reps, warmup=0
                    )
                section.rows.append(
                    one.row(
                        "validate", f"{n} plan{_s(n)}, one process", plans=n, triples=triples[n]
                    )
                )
                single.append({**point, "median_s": round(one.median, 6), "runs": one.runs})
            if n > 1:
                with progress(f"validate: {n} plans, 2 workers"):
                    two = measure(
                        lambda b=batch: engine.validate_files(b, workers=2),
                        repeats=1 if n > SINGLE_MAX else reps,
                        warmup=0,
                    )
                extra: dict[str, Any] = {"plans": n, "triples": triples[n]}
                if one is not None:
                    extra.update(
                        ratio=round(ratio(one.median, two.median), 2),
                        ratio_to="speed-up: one process / 2 workers",
                    )
                section.rows.append(two.row("validate", f"{n} plans, 2 workers", **extra))
                parallel.append({**point, "median_s": round(two.median, 6), "runs": two.runs})
        for report in engine.validate_files(
            files[: min(largest, 270)], workers=2 if largest > 1 else 1
        ):
            counts = report.counts() if callable(report.counts) else report.counts
            violations.update(counts)
    section.scaling = {
        "validate: one process": single,
        "validate: 2 workers": parallel,
    }
    section.notes.append(
        f"Error rate 0: validating the first {min(largest, 270)} plans gave "
        f"{violations.get('Violation', 0)} Violations, {violations.get('Warning', 0)} Warnings "
        f"(deadline of later cycles, an occasional Not planned entry without reason) and "
        f"{violations.get('Info', 0)} Infos."
    )
    _targets(section, single, parallel)
    return section.as_dict()


def _s(n: int) -> str:
    return "" if n == 1 else "s"


def _per_plan(series: list[dict[str, Any]], n: int) -> float | None:
    for p in series:
        if p["plans"] == n:
            return float(p["median_s"]) / n
    return None


def _targets(
    section: Section, single: list[dict[str, Any]], parallel: list[dict[str, Any]]
) -> None:
    big = max((p["plans"] for p in parallel), default=0)
    if big >= 2700:
        t = next(p["median_s"] for p in parallel if p["plans"] == big)
        section.target(
            "validate 2,700 plans, both cores",
            f"≤ {TARGET_2700_S:.0f} s",
            t,
            t <= TARGET_2700_S,
            f"{t:.1f} s with 2 workers ({t / big * 1000:.0f} ms per plan)",
        )
        mid = _per_plan(parallel, 270)
        if mid:
            growth = (t / big) / mid
            section.target(
                "validation cost grows linearly (270 → 2,700 plans)",
                "per-plan cost at 2,700 ≤ 1.2 × per-plan cost at 270",
                growth,
                growth <= 1.2,
                f"per plan: {mid * 1000:.0f} ms at 270, {t / big * 1000:.0f} ms at 2,700 "
                f"(× {growth:.2f})",
            )
        last_single = max((p["plans"] for p in single), default=0)
        per = _per_plan(single, last_single)
        if per:
            section.notes.append(
                f"One process was not timed at {big} plans; at the measured "
                f"{per * 1000:.0f} ms per plan ({last_single} plans) it would take about "
                f"{per * big:.0f} s (linear extrapolation)."
            )
    t27 = _per_plan(single, 27)
    if t27 is not None:
        t = t27 * 27
        section.target(
            "validate 27 plans in-process (validation issue)",
            f"≤ {TARGET_27_S} s",
            t,
            t <= TARGET_27_S,
            f"{t:.2f} s, one process, engine warm",
        )
