"""Writers for a :class:`~drugpolicy_kg.reasoning.api.ReasoningReport`: table and JSON.

Both are deterministic for the same KG and engine (no timings; those go to stderr), so a
report can be diffed or kept as a golden file.
"""

from __future__ import annotations

import json

from .api import ReasoningReport, describe_problem
from .explain import curie


def _local(iri: str) -> str:
    return iri.rsplit("#", 1)[-1]


def render_table(report: ReasoningReport) -> str:
    """The human report: verdict, engine, one row per practice, member counts per class."""
    lines: list[str] = []
    if report.consistent:
        verdict = "consistent" if report.complete else "no clash found (OWL 2 RL; not a proof)"
    else:
        verdict = "INCONSISTENT"
    if report.consistent and report.unsatisfiable:
        verdict += f", but {len(report.unsatisfiable)} unsatisfiable class(es)"
    lines.append(f"Consistency: {verdict}")
    engine = report.engine_label
    if report.fallback:
        engine += " (fallback: Java not found)"
    lines.append(f"Engine: {engine}")
    if report.note:
        lines.append(f"Note: {report.note}")
    if not report.ok:
        lines.append("")
        lines += describe_problem(report)
        if not report.consistent:
            return "\n".join(lines) + "\n"
    lines.append("")
    width = max([len("practice"), *(len(r.notation) for r in report.practices)])
    lines.append(f"{'practice':<{width}}  defined classes (inferred)")
    lines.append(f"{'-' * width}  {'-' * 26}")
    for row in report.practices:
        names = ", ".join(_local(str(c)) for c in row.classes) or "-"
        lines.append(f"{row.notation:<{width}}  {names}")
    lines.append("")
    lines.append(f"{len(report.practices)} practices; members per defined class:")
    for cls in report.defined_classes:
        members = report.members(cls)
        label = report.class_labels.get(cls, "")
        lines.append(f"  {curie(cls)} ({label}): {len(members)}")
    return "\n".join(lines) + "\n"


def render_json(report: ReasoningReport) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"


WRITERS = {"table": render_table, "json": render_json}
