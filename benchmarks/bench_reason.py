"""Benchmark: OWL reasoning over the core KG (issue #6).

What a ``drugpolicy-kg reason`` costs, and where the time goes. HermiT runs in a fresh JVM on
every call (owlready2 starts ``java`` each time), so the JVM start and a toy ontology are
timed beside the real KG: the difference is the reasoning proper. The OWL 2 RL fallback
(owlrl, pure Python) and the explanation search on an inconsistent fixture are timed too.
The KG build itself (``cached_kg``, once per process) is not counted. The issue sets no
target; the figures are reported as they are (the machine is shared, see the load average).

    .venv/bin/python -m benchmarks.bench_reason            # 5 repeats each
    .venv/bin/python -m benchmarks.bench_reason --quick    # 1 repeat
    .venv/bin/python -m benchmarks --only reason           # through the orchestrator

:func:`run` returns a section in the schema of :mod:`benchmarks.harness` (medians of repeats).
"""

from __future__ import annotations

import argparse
import subprocess
import time
from pathlib import Path
from typing import Any

FIXTURE = (
    Path(__file__).resolve().parent.parent
    / "tests"
    / "fixtures"
    / "reason"
    / "tool-typed-as-actor.ttl"
)


def _toy() -> Any:
    """Three classes and one individual: HermiT's fixed cost (JVM, OWL API, owlready2)."""
    from rdflib import Graph

    from drugpolicy_kg.vocab import DPK, DPO, ONTOLOGY_IRI, OWL, RDF, RDFS

    g = Graph()
    g.add((ONTOLOGY_IRI, RDF.type, OWL.Ontology))
    for cls in (DPO.Tool, DPO.Technology):
        g.add((cls, RDF.type, OWL.Class))
    g.add((DPO.Technology, RDFS.subClassOf, DPO.Tool))
    g.add((DPK["tool/drones"], RDF.type, DPO.Technology))
    return g


def run(quick: bool = False) -> dict[str, Any]:
    """Median timings of each engine on the core KG, and of the pieces (harness schema)."""
    from drugpolicy_kg import kg
    from drugpolicy_kg.reasoning import find_java, materialise, reason
    from drugpolicy_kg.reasoning.hermit import HermitEngine

    from .harness import Section, measure

    t0 = time.perf_counter()
    graph = kg.cached_kg()
    build_s = time.perf_counter() - t0
    repeats = 1 if quick else 5
    section = Section("Reasoning")
    extra = {"n": len(graph), "unit": "triples"}
    java = find_java()
    if java is None:
        section.notes.append(
            "Java not found: HermiT rows skipped, only the OWL 2 RL fallback runs."
        )
    else:
        jvm = measure(
            lambda: subprocess.run([java, "-version"], capture_output=True, check=True),
            repeats=repeats,
        )
        section.rows.append(jvm.row("HermiT", "JVM start (java -version)"))
        toy = _toy()
        engine = HermitEngine(java)
        t = measure(lambda: engine.run(toy), repeats=repeats)
        section.rows.append(t.row("HermiT", "toy ontology (5 triples)", n=len(toy), unit="triples"))
        full = measure(lambda: reason(graph, engine="hermit"), repeats=repeats)
        section.rows.append(
            full.row("HermiT", "reason: core KG (consistency + realisation)", **extra)
        )
        bad = kg.new_graph()
        for triple in graph:
            bad.add(triple)
        kg.parse_turtle(FIXTURE.read_text(encoding="utf-8"), str(FIXTURE), bad)
        ex = measure(lambda: reason(bad, engine="hermit"), repeats=1, warmup=0)
        calls = reason(bad, engine="hermit").explanation
        section.rows.append(
            ex.row(
                "HermiT",
                "inconsistent fixture: verdict + minimal cause",
                note=f"{calls.calls if calls else '?'} reasoner calls",
                **extra,
            )
        )
    rl = measure(lambda: reason(graph, engine="owlrl"), repeats=repeats)
    section.rows.append(rl.row("owlrl", "reason: core KG (OWL 2 RL closure)", **extra))
    mat = measure(lambda: materialise(graph), repeats=repeats)
    section.rows.append(mat.row("auto", "materialise (build --reason overhead)", **extra))
    section.notes.append(
        f"KG built once per process by cached_kg() in {build_s:.2f} s (not counted). "
        "HermiT runs in a new JVM per call (owlready2), so its fixed cost is the toy row."
    )
    return section.as_dict()


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark of drugpolicy-kg reasoning.")
    parser.add_argument("--quick", action="store_true", help="one repeat of each")
    args = parser.parse_args()
    result = run(quick=args.quick)
    for row in result["rows"]:
        note = f"  [{row['note']}]" if row.get("note") else ""
        print(
            f"{row['group']:>7} | {row['name']:<46} median {row['median_s']:6.2f} s"
            f"  (min {row['min_s']:5.2f}, {row['repeats']} runs){note}"
        )
    for note in result["notes"]:
        print(note)


if __name__ == "__main__":
    main()
