"""Benchmark: 27 action plans x 44 entries, the engine against a naive SHACL-SPARQL design.

Workload: one plan per addressee of Decision 7301/24, every practice answered, statuses mixed.

- engine: ``drugpolicy_kg.validation`` (core SHACL, per-plan data graph = plan + the KG triples it
  relies on, shapes harvested once, no inference), in this process;
- naive: the same rules written as one SHACL-SPARQL constraint per entry (the design issue #3
  measured at ~12 s), run on plan + the whole KG;
- cli (``--cli``): ``drugpolicy-kg validate DIR --format json`` end to end, in a subprocess.

Prints medians and the ratio, and writes them as JSON to the path given as argument. This is a
benchmark, not a test: nothing here asserts a time.

    .venv/bin/python benchmarks/bench_validate.py bench.json --repeat 5 --cli
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pyshacl import validate
from rdflib import Graph, Literal

from drugpolicy_kg.kg import cached_kg
from drugpolicy_kg.plans import plan_template
from drugpolicy_kg.validation import validate_graph
from drugpolicy_kg.validation.context import cached_context
from drugpolicy_kg.vocab import DPO, RDF

STATUSES = (DPO.Adopted, DPO.Adopted, DPO.Planned, DPO.UnderAssessment, DPO.NotPlanned)

NAIVE_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix dpo: <https://w3id.org/drugpolicy-kg/ontology#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <https://example.org/naive#> .
ex:prefixes sh:declare [ sh:prefix "dpo" ; sh:namespace "https://w3id.org/drugpolicy-kg/ontology#"^^xsd:anyURI ] .
ex:Entry a sh:NodeShape ; sh:targetClass dpo:ActionPlanEntry ;
  sh:sparql [ sh:prefixes ex:prefixes ; sh:message "status" ; sh:select '''
    SELECT $this WHERE { FILTER NOT EXISTS { $this dpo:status ?s FILTER (?s IN (dpo:Adopted, dpo:Planned, dpo:UnderAssessment, dpo:NotPlanned)) } }''' ] ,
  [ sh:prefixes ex:prefixes ; sh:message "measures" ; sh:select '''
    SELECT $this WHERE { $this dpo:status ?s FILTER (?s IN (dpo:Adopted, dpo:Planned))
      FILTER NOT EXISTS { $this dpo:implementationMeasures ?m } }''' ] ,
  [ sh:prefixes ex:prefixes ; sh:message "practice in block" ; sh:select '''
    SELECT $this WHERE { ?section dpo:hasEntry $this ; dpo:buildingBlock ?b .
      $this dpo:practice ?p . FILTER NOT EXISTS { ?p a dpo:BestPractice ; dpo:buildingBlock ?b } }''' ] ,
  [ sh:prefixes ex:prefixes ; sh:message "duplicate" ; sh:select '''
    SELECT $this WHERE { $this dpo:practice ?p . ?other dpo:practice ?p . FILTER (?other != $this) }''' ] ,
  [ sh:prefixes ex:prefixes ; sh:message "reason" ; sh:select '''
    SELECT $this WHERE { $this dpo:status dpo:NotPlanned FILTER NOT EXISTS { $this dpo:reason ?r } }''' ] .
ex:Plan a sh:NodeShape ; sh:targetClass dpo:ActionPlan ;
  sh:sparql [ sh:prefixes ex:prefixes ; sh:message "addressee" ; sh:select '''
    SELECT $this WHERE { $this dpo:submittedBy ?s .
      FILTER NOT EXISTS { <https://w3id.org/drugpolicy-kg/id/decision/7301-24> dpo:addressedTo ?s } }''' ] .
"""


def workload() -> list[Graph]:
    """27 complete plans, one per addressee, with mixed statuses."""
    import datetime as dt

    plans = []
    for index, state in enumerate(sorted(cached_context().addressees, key=str)):
        code = str(state).rsplit("/", 1)[-1]
        graph = plan_template(code, issued=dt.date(2024, 5, 30))
        for n, entry in enumerate(sorted(graph.subjects(RDF.type, DPO.ActionPlanEntry), key=str)):
            status = STATUSES[(n + index) % len(STATUSES)]
            graph.add((entry, DPO.status, status))
            if status in (DPO.Adopted, DPO.Planned):
                graph.add(
                    (entry, DPO.implementationMeasures, Literal("Measures in force.", lang="en"))
                )
            else:
                graph.add((entry, DPO.reason, Literal("Under national review.", lang="en")))
        plans.append(graph)
    return plans


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run_engine(plans: list[Graph]) -> None:
    for plan in plans:
        report = validate_graph(plan, "bench")
        assert report.conforms, report.results[:1]


def run_naive(plans: list[Graph], shapes: Graph, kg: Graph) -> None:
    for plan in plans:
        conforms, _g, text = validate(
            plan + kg, shacl_graph=shapes, inference="none", allow_warnings=True
        )
        assert conforms, text[:500]


def run_cli(plans: list[Graph]) -> float:
    with tempfile.TemporaryDirectory() as folder:
        for i, plan in enumerate(plans):
            Path(folder, f"plan-{i:02d}.ttl").write_text(
                plan.serialize(format="turtle"), encoding="utf-8"
            )
        exe = Path(sys.executable).with_name("drugpolicy-kg")
        start = time.perf_counter()
        done = subprocess.run(
            [str(exe), "validate", folder, "--format", "json"], capture_output=True, check=False
        )
        elapsed = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(f"CLI failed ({done.returncode}): {done.stderr.decode()[:500]}")
        return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("output", help="JSON file to write the figures to")
    parser.add_argument("--repeat", type=int, default=5, help="runs of the engine (median)")
    parser.add_argument(
        "--naive-repeat", type=int, default=1, help="runs of the naive design (slow)"
    )
    parser.add_argument("--cli", action="store_true", help="also time the CLI end to end")
    args = parser.parse_args()

    plans = workload()
    kg = cached_kg()
    shapes = Graph().parse(data=NAIVE_SHAPES, format="turtle")
    setup = timed(lambda: validate_graph(plans[0], "warm-up"))  # KG, context and shapes, once
    engine = [timed(lambda: run_engine(plans)) for _ in range(args.repeat)]
    naive = [timed(lambda: run_naive(plans, shapes, kg)) for _ in range(args.naive_repeat)]
    figures: dict[str, object] = {
        "plans": len(plans),
        "entries_per_plan": 44,
        "cpus": os.cpu_count(),
        "engine_setup_s": round(setup, 3),
        "engine_median_s": round(statistics.median(engine), 3),
        "engine_runs_s": [round(t, 3) for t in engine],
        "naive_median_s": round(statistics.median(naive), 3),
        "naive_runs_s": [round(t, 3) for t in naive],
        "ratio_naive_over_engine": round(statistics.median(naive) / statistics.median(engine), 1),
    }
    if args.cli:
        figures["cli_end_to_end_s"] = round(run_cli(plans), 3)
    for key, value in figures.items():
        print(f"{key:26} {value}")
    Path(args.output).write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
