"""The KG build, and the synthetic corpus: generate, parse with rdflib, load into pyoxigraph.

Why these: the build is what every command pays once per process (``kg.cached_kg``), so it
bounds cold runs; the corpus load is what any whole-corpus analysis pays, and comparing rdflib
with pyoxigraph on the same N-Triples shows where a native store earns its keep. Sizes follow
:mod:`drugpolicy_kg.synth` (27 states × cycles × 44 entries, about 7.3k triples per cycle).
"""

from __future__ import annotations

import tempfile
from typing import Any

from .harness import Section, Timing, measure, progress, ratio

#: Cycles of the synthetic corpus per size step; rdflib stops earlier (it parses N-Triples
#: roughly ten times slower than pyoxigraph on this machine, and a full run must stay short).
FULL_CYCLES = (2, 5, 15, 40, 140)
RDFLIB_MAX_CYCLES = 15
QUICK_CYCLES = (1, 2)


def run(quick: bool = False) -> dict[str, Any]:
    """Measure the build and the corpus scaling; return a report section (harness schema)."""
    section = Section(title="KG build and synthetic corpus")
    repeats = 1 if quick else 3
    _build(section, repeats)
    _corpus(section, QUICK_CYCLES if quick else FULL_CYCLES, quick)
    return section.as_dict()


def _build(section: Section, repeats: int) -> None:
    from drugpolicy_kg import build, kg, serialize

    with progress("build: compile the KG"):
        compiled = measure(kg.compile_kg, repeats=repeats, warmup=1)
        graph = serialize.canonical(kg.compile_kg())
        canon = measure(lambda: serialize.canonical(kg.compile_kg()), repeats=repeats, warmup=0)
    n = len(graph)
    section.rows.append(compiled.row("build", "compile_kg (in memory)", triples=n))
    section.rows.append(canon.row("build", "compile + canonicalise", triples=n))
    with progress("build: serialise formats"):
        formats: dict[str, Timing] = {}
        for fmt in ("nt", "turtle", "json-ld"):
            formats[fmt] = measure(
                lambda fmt=fmt: serialize.to_bytes(graph, fmt), repeats=repeats, warmup=0
            )
    base = formats["nt"].median
    for fmt, timing in formats.items():
        section.rows.append(
            timing.row(
                "build",
                f"serialise {fmt}",
                triples=n,
                ratio=round(ratio(timing.median, base), 2),
                ratio_to="serialise nt",
            )
        )
    with progress("build: drugpolicy-kg build (all files)"), tempfile.TemporaryDirectory() as tmp:
        full = measure(lambda: build.build(tmp), repeats=max(1, repeats - 2), warmup=0)
    section.rows.append(full.row("build", "build(): ttl + nt + jsonld + ontology", triples=n))
    section.notes.append(
        f"The KG has {n} triples. `build()` = compile + canonicalise + write 4 files atomically."
    )


def _corpus(section: Section, cycles: tuple[int, ...], quick: bool) -> None:
    import pyoxigraph as ox
    from rdflib import Graph

    from drugpolicy_kg import synth

    gen_series: list[dict[str, Any]] = []
    ox_series: list[dict[str, Any]] = []
    rdf_series: list[dict[str, Any]] = []
    for c in cycles:
        config = synth.SynthConfig(cycles=c)
        plans_n = c * len(config.states)
        with progress(f"corpus: {c} cycles ({plans_n} plans)"):
            big = c >= 40
            reps = 1 if (quick or big) else 3
            gen = measure(
                lambda config=config: synth.corpus_ntriples(synth.generate(config)),
                repeats=reps,
                warmup=0,
            )
            data = synth.corpus_ntriples(synth.generate(config)).encode("utf-8")
            triples = data.count(b"\n")

            def load_ox(data: bytes = data) -> None:
                store = ox.Store()
                store.bulk_load(data, ox.RdfFormat.N_TRIPLES)

            oxt = measure(load_ox, repeats=reps, warmup=0 if big else 1)
            rows = [
                gen.row("corpus", f"generate + serialise N-Triples, {plans_n} plans"),
                oxt.row("corpus", f"pyoxigraph bulk_load, {plans_n} plans"),
            ]
            gen_series.append(_point(plans_n, triples, gen))
            ox_series.append(_point(plans_n, triples, oxt))
            if c <= RDFLIB_MAX_CYCLES:

                def load_rdflib(data: bytes = data) -> None:
                    Graph().parse(data=data, format="nt")

                rdt = measure(load_rdflib, repeats=1 if quick else 2, warmup=0)
                rows.append(
                    rdt.row(
                        "corpus",
                        f"rdflib parse, {plans_n} plans",
                        ratio=round(ratio(rdt.median, oxt.median), 1),
                        ratio_to="pyoxigraph bulk_load",
                    )
                )
                rdf_series.append(_point(plans_n, triples, rdt))
            for row in rows:
                row.update(plans=plans_n, triples=triples)
            section.rows.extend(rows)
    section.scaling = {
        "generate synthetic corpus": gen_series,
        "load corpus: pyoxigraph": ox_series,
        "load corpus: rdflib": rdf_series,
    }
    section.notes.append(
        f"rdflib parses only up to {RDFLIB_MAX_CYCLES} cycles in a full run, to keep the run "
        "short; pyoxigraph loads up to the largest size."
    )


def _point(plans: int, triples: int, timing: Timing) -> dict[str, Any]:
    return {
        "plans": plans,
        "triples": triples,
        "median_s": round(timing.median, 6),
        "runs": [round(r, 6) for r in timing.runs],
    }
