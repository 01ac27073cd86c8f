"""Text renderings of analysis results, for ``drugpolicy-kg graph ... --format table``.

The JSON rendering is each result's ``to_dict()``; this module only lays results out for a
terminal: aligned columns, paths spelled out in words, and the evidence for each link.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from .analysis import (
    ClusterResult,
    DepsResult,
    ImpactResult,
    PathResult,
    RankResult,
    Reach,
    SimilarResult,
)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """An aligned plain-text table (no trailing spaces)."""
    cells = [[str(h) for h in headers], *[[_cell(c) for c in r] for r in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = []
    for i, r in enumerate(cells):
        lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "-"
    return str(value)


def to_json(result: Any) -> str:
    """Stable, indented JSON of a result's ``to_dict()``."""
    return json.dumps(result.to_dict(), indent=2, ensure_ascii=False)


def _reach_lines(items: list[Reach], title: str) -> list[str]:
    out = [f"{title} ({len(items)}):"]
    if not items:
        out.append("  (none)")
    for r in items:
        out.append(f"  {r.node['label']}  [{r.node['kind']}, {r.distance} step(s)]")
        for text in r.explanations:
            out.append(f"    - {text}")
        for ev in r.evidence:
            out.append(f'    evidence: "{ev}"')
    return out


def render_deps(res: DepsResult) -> str:
    s = res.subject
    lines = [f"{s['label']} ({s['kind']}): {s['name']}", ""]
    lines += _reach_lines(res.depends_on, "depends on")
    lines.append("")
    lines += _reach_lines(res.dependents, "depended on by")
    return "\n".join(lines)


def render_impact(res: ImpactResult) -> str:
    s = res.subject
    lines = [
        f"If {s['label']} ({s['kind']}) is unavailable, {len(res.practices)} practice(s) lose it:",
        "",
    ]
    rows = []
    for r in res.practices:
        rows.append([r.node["label"], r.node["name"], r.explanations[0] if r.explanations else ""])
    if rows:
        lines.append(table(["practice", "title", "why"], rows))
        lines.append("")
        lines.append(
            "by block: " + "; ".join(f"{b}: {', '.join(ps)}" for b, ps in res.by_block.items())
        )
    if res.states is not None:
        lines.append("")
        lines.append("action plans:")
        lines.append(
            table(
                ["state", "adopted practices hit", "planned practices hit"],
                [[st.state["label"], st.adopted, st.planned] for st in res.states],
            )
        )
    return "\n".join(lines)


def render_rank(res: RankResult) -> str:
    rows = [
        [
            i,
            r.node["label"],
            r.node["kind"],
            r.category,
            r.practices,
            r.degree,
            r.betweenness,
            r.pagerank,
        ]
        for i, r in enumerate(res.rows, start=1)
    ]
    head = ["#", "name", "kind", "category", "practices", "degree", "betweenness", "pagerank"]
    lines = [table(head, rows), "", f"ordered by {res.by}. What the measures mean here:"]
    lines += [f"  {k}: {v}" for k, v in res.measures.items()]
    return "\n".join(lines)


def render_path(res: PathResult) -> str:
    lines = [res.explanation, ""]
    rows = []
    for st in res.steps:
        ev = f'"{st.evidence}"' if st.evidence else ""
        rows.append([_label(res, st.source), st.phrase, _label(res, st.target), ev])
    lines.append(table(["from", "relation", "to", "evidence"], rows))
    lines.append("")
    lines.append(f"{len(res.steps)} step(s), {res.view} view")
    return "\n".join(lines)


def _label(res: PathResult, node: str) -> str:
    return next(str(n["label"]) for n in res.path if n["id"] == node)


def render_clusters(res: ClusterResult) -> str:
    rows = [[i, len(c.practices), c.label, c.practices] for i, c in enumerate(res.clusters, 1)]
    lines = [table(["#", "size", "shared dependencies", "practices"], rows), ""]
    lines.append(
        f"unclustered (share no tool, actor or act with another practice): {_cell(res.unclustered)}"
    )
    lines.append(f"{res.algorithm}; seed {res.seed}; modularity {res.modularity:.4f}")
    return "\n".join(lines)


def render_similar(res: SimilarResult) -> str:
    rows = [
        [
            r.state["label"],
            r.jaccard,
            r.adopted_jaccard,
            f"{r.same_status}/{r.compared}",
            len(r.shared),
            r.only_subject,
            r.only_other,
        ]
        for r in res.rows
    ]
    head = [
        "state",
        "jaccard",
        "adopted",
        "same status",
        "shared",
        f"only {res.subject['label']}",
        "only other",
    ]
    return "\n".join([table(head, rows), "", f"jaccard: {res.measure}"])
