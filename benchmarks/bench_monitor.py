"""Benchmark: ``progress`` over 27 states x 10 revisions, and ``plan diff`` of two 44-entry plans.

Targets (issue #17): ``progress`` over the synthetic corpus of 27 states x 10 revisions (about
300k triples with the KG) in <= 2 s on this machine, and ``plan diff`` of two 44-entry plans in
<= 100 ms in-process. Side by side: the same answers computed by the catalogue queries
(``progress-by-block`` and ``practice-adoption-over-time``; ``plan-status-for-state`` on each
plan for the diff) on rdflib, and on pyoxigraph for reference. Not a timed test.

    /work/venv/bin/python -m benchmarks.bench_monitor            # full (about a minute)
    /work/venv/bin/python -m benchmarks.bench_monitor --quick    # 27 x 2, seconds

:func:`run` returns a section in the schema of :mod:`benchmarks.harness` (medians of repeats).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

PROGRESS_TARGET_S = 2.0
DIFF_TARGET_S = 0.1


def _diff_by_queries(old: str, new: str) -> dict[str, tuple[object, object]]:
    """Status changes between two plans from ``plan-status-for-state`` on rdflib, one plan each."""
    from drugpolicy_kg import catalogue
    from drugpolicy_kg.engines import open_engine

    statuses = []
    for path in (old, new):
        engine = open_engine("rdflib", plans=[path])
        result = catalogue.run_query("plan-status-for-state", {"state": "NLD"}, engine=engine)
        statuses.append({str(r[1]): r[3] for r in result.rows})
    a, b = statuses
    return {n: (a.get(n), b.get(n)) for n in a.keys() | b.keys() if a.get(n) != b.get(n)}


def _progress_rows(
    section: Any, corpus: Path, label: str, triples: int, repeats: int, engines: tuple[str, ...]
) -> float:
    """Rows for progress in-process and by the catalogue queries; returns the in-process median."""
    from drugpolicy_kg import catalogue
    from drugpolicy_kg.engines import open_engine
    from drugpolicy_kg.monitoring.progress import progress
    from drugpolicy_kg.monitoring.revisions import load_plans

    from .harness import measure, ratio

    n = len(list(corpus.glob("*.ttl")))
    extra = {"n": n, "triples": triples}
    t_all = measure(lambda: progress(load_plans([str(corpus)])), repeats=repeats)
    plans = load_plans([str(corpus)])
    t_load = measure(lambda: load_plans([str(corpus)]), repeats=repeats)
    t_compute = measure(lambda: progress(plans), repeats=repeats)
    cpu = time.process_time()
    progress(load_plans([str(corpus)]))
    cpu_s = time.process_time() - cpu  # beside the wall time: the machine is shared
    section.rows.append(
        t_all.row(
            label,
            "progress in-process (read + compute)",
            **extra,
            cpu_s=round(cpu_s, 4),
            note=f"CPU time of one run: {cpu_s:.2f} s",
        )
    )
    section.rows.append(t_load.row(label, "  read plans (pyoxigraph parser)", **extra))
    section.rows.append(t_compute.row(label, "  compute both tables", **extra))
    for engine_name in engines:
        t0 = time.perf_counter()
        engine = open_engine(engine_name, plans=[str(corpus)])
        load_s = time.perf_counter() - t0
        slow = engine_name == "rdflib"
        q = measure(
            lambda engine=engine: [
                catalogue.run_query(name, engine=engine)
                for name in ("progress-by-block", "practice-adoption-over-time")
            ],
            repeats=1 if slow else repeats,
            warmup=0 if slow else 1,
        )
        section.rows.append(
            {
                **q.row(
                    label,
                    f"catalogue queries on {engine_name}, plus {load_s:.2f} s to load",
                    **extra,
                ),
                "ratio": round(ratio(q.median + load_s, t_all.median), 2),
                "ratio_to": "progress in-process (read + compute)",
            }
        )
    return t_all.median


def run(quick: bool = False) -> dict[str, Any]:
    from drugpolicy_kg import synth
    from drugpolicy_kg.kg import cached_kg
    from drugpolicy_kg.monitoring.diff import diff_plans
    from drugpolicy_kg.monitoring.revisions import single_plan

    from .harness import Section, measure, ratio

    cached_kg()
    cycles = 2 if quick else 10
    repeats = 1 if quick else 3
    section = Section("Monitoring: progress and plan diff")
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        full = synth.generate(synth.SynthConfig(cycles=cycles))
        files = synth.write_corpus(full, corpus)
        triples = synth.corpus_ntriples(full).count("\n") + len(cached_kg())
        t_all = _progress_rows(
            section, corpus, f"27 states x {cycles} revisions", triples, repeats, ("oxigraph",)
        )
        section.target(
            f"progress, 27 states x {cycles} revisions",
            f"<= {PROGRESS_TARGET_S:.0f} s",
            t_all,
            t_all <= PROGRESS_TARGET_S,
            f"{len(files)} plans, {triples:,} triples with the KG",
        )
        if not quick:  # the "about 300k triples": 37 revisions of the 27 states
            big_dir = Path(tmp) / "big"
            big = synth.generate(synth.SynthConfig(cycles=37))
            synth.write_corpus(big, big_dir)
            big_triples = synth.corpus_ntriples(big).count("\n") + len(cached_kg())
            t_big = _progress_rows(section, big_dir, "27 states x 37 revisions", big_triples, 1, ())
            section.target(
                "progress, about 300k triples",
                f"<= {PROGRESS_TARGET_S:.0f} s",
                t_big,
                t_big <= PROGRESS_TARGET_S,
                f"{len(big)} plans, {big_triples:,} triples with the KG",
            )
        # rdflib's query time grows faster than the corpus (about 20 s for 54 plans), so it is
        # compared on a slice: three states over four revisions (keeps the run under a minute).
        small_dir = Path(tmp) / "slice"
        slice_cycles = 2 if quick else 4
        small = synth.generate(synth.SynthConfig(cycles=slice_cycles, states=synth.ADDRESSEES[:3]))
        synth.write_corpus(small, small_dir)
        small_triples = synth.corpus_ntriples(small).count("\n") + len(cached_kg())
        _progress_rows(
            section,
            small_dir,
            f"3 states x {slice_cycles} revisions",
            small_triples,
            repeats,
            ("oxigraph", "rdflib"),
        )

        old, new = (str(corpus / f"NLD-{c:03d}.ttl") for c in (1, 2))
        d_all = measure(lambda: diff_plans(single_plan(old), single_plan(new)), repeats=repeats * 5)
        a, b = single_plan(old), single_plan(new)
        d_compute = measure(lambda: diff_plans(a, b), repeats=repeats * 5)
        d_sparql = measure(lambda: _diff_by_queries(old, new), repeats=repeats)
        section.rows.append(
            d_all.row("two 44-entry plans", "plan diff in-process (read + compute)", n=2)
        )
        section.rows.append(d_compute.row("two 44-entry plans", "  compute only", n=2))
        section.rows.append(
            {
                **d_sparql.row(
                    "two 44-entry plans", "status changes by plan-status-for-state on rdflib", n=2
                ),
                "ratio": round(ratio(d_sparql.median, d_all.median), 2),
                "ratio_to": "plan diff in-process (read + compute)",
            }
        )
        want = {c.practice for c in diff_plans(a, b).status_changes}
        assert set(_diff_by_queries(old, new)) == want, "the two ways disagree"
        section.target(
            "plan diff of two 44-entry plans, in-process",
            f"<= {DIFF_TARGET_S * 1000:.0f} ms",
            d_all.median,
            d_all.median <= DIFF_TARGET_S,
            "reading both files included",
        )
    section.notes.append(
        "progress reads the plans with the pyoxigraph parser under the project's input limits "
        "and computes in Python; the catalogue rows are the same numbers (tests/test_monitor_"
        "progress.py). The KG is built once per process (not counted)."
    )
    return section.as_dict()


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark of progress and plan diff.")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    result = run(quick=args.quick)
    for row in result["rows"]:
        ratio_text = f"  {row['ratio']}x ({row['ratio_to']})" if row.get("ratio") else ""
        note = f"  [{row['note']}]" if row.get("note") else ""
        print(
            f"{row['group']:>26} | {row['name']:<58} median {row['median_s'] * 1000:9.1f} ms"
            f" ({row['repeats']} runs){ratio_text}{note}"
        )
    for t in result["targets"]:
        print(
            f"target {t['name']} {t['target']}: {t['value']:.3f} s -> {'met' if t['met'] else 'NOT met'}"
            f" ({t['detail']})"
        )
    for note in result["notes"]:
        print(note)


if __name__ == "__main__":
    main()
