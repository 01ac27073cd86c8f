"""Writers for validation reports: text (grouped by block and practice), JSON, Turtle, HTML.

JSON follows the public contract: ``{"conforms", "results": [{"severity", "focusNode", "path",
"message", "shape"}]}`` for one file, a list of such objects each with ``"file"`` for several.
Turtle is the standard ``sh:ValidationReport``. HTML is one standalone page (inline CSS, no
external resource) that can be e-mailed to the people who wrote the plan.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Sequence

from rdflib import Graph, Literal

from ..vocab import DCTERMS, SH
from .report import SEVERITIES, PlanReport, Result

Style = Callable[[str, str], str]
_COLOURS = {"Violation": "red", "Warning": "yellow", "Info": "cyan"}


def _plain(text: str, _severity: str) -> str:
    return text


def _group(result: Result) -> str:
    if result.block is None:
        return "Plan"
    return f"Block {result.block}"


def render_text(reports: Sequence[PlanReport], style: Style = _plain) -> str:
    """Human-readable reports, grouped by block then practice; a summary table for several."""
    out: list[str] = []
    for report in reports:
        counts = report.counts()
        verdict = "conforms" if report.conforms else "does NOT conform"
        out.append(
            f"{report.file}: {verdict} "
            f"({counts['Violation']} violations, {counts['Warning']} warnings, {counts['Info']} infos)"
        )
        out.append(f"  deadline: {report.deadline.describe()}")
        groups: dict[str, list[Result]] = {}
        for r in report.results:
            if r.severity != "Info":
                groups.setdefault(_group(r), []).append(r)
        for name in sorted(groups, key=_group_key):
            out.append(f"  {name}")
            for r in groups[name]:
                label = style(f"{r.severity.upper():9}", r.severity)
                out.append(f"    {label} {r.message}")
                out.append(f"              at {r.focus_node}" + (f" ({r.path})" if r.path else ""))
        missing = report.unaddressed()
        if missing:
            parts = [
                f"{block}: {len(notations)} ({', '.join(notations)})"
                for block, notations in sorted(
                    missing.items(), key=lambda kv: _group_key(f"Block {kv[0]}")
                )
            ]
            out.append(
                "  "
                + style("INFO", "Info")
                + " practices not addressed, per block: "
                + "; ".join(parts)
            )
        out.append("")
    if len(reports) > 1:
        out.append(summary_table(reports))
    return "\n".join(out).rstrip() + "\n"


def _group_key(name: str) -> tuple[int, str]:
    order = {"Plan": 0, "Block I": 1, "Block II": 2, "Block III": 3, "Block IV": 4}
    return (order.get(name, 9), name)


def summary_table(reports: Sequence[PlanReport]) -> str:
    """One line per file: violations, warnings, infos, verdict."""
    width = max(len("file"), *(len(r.file) for r in reports))
    lines = [f"{'file':<{width}}  violations  warnings  infos  result", "-" * (width + 36)]
    for r in reports:
        c = r.counts()
        verdict = "ok" if r.conforms else "FAIL"
        lines.append(
            f"{r.file:<{width}}  {c['Violation']:>10}  {c['Warning']:>8}  {c['Info']:>5}  {verdict}"
        )
    failed = sum(1 for r in reports if not r.conforms)
    lines.append(f"{len(reports)} files, {failed} with violations")
    return "\n".join(lines)


def render_json(reports: Sequence[PlanReport]) -> str:
    """The contract's JSON: one object for one file, a list (with ``file``) for several."""
    if len(reports) == 1:
        data: object = reports[0].as_json()
    else:
        data = [r.as_json(with_file=True) for r in reports]
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def render_turtle(reports: Sequence[PlanReport]) -> str:
    """The standard ``sh:ValidationReport`` of each file (``dcterms:source`` names the file)."""
    graph = Graph()
    graph.bind("sh", SH)
    graph.bind("dcterms", DCTERMS)
    for report in reports:
        part = report.report_graph()
        for node in set(part.subjects(SH.conforms, None)):
            part.set((node, SH.conforms, Literal(report.conforms)))
            part.add((node, DCTERMS.source, Literal(report.file)))
        for triple in part:
            graph.add(triple)
    # Canonical blank-node labels and sorted input: the same reports give the same bytes.
    from ..serialize import canonical

    out = canonical(graph)
    out.bind("sh", SH)
    out.bind("dcterms", DCTERMS)
    return out.serialize(format="turtle")


_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:70em}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}h3{font-size:1em;margin:1em 0 .3em}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}
.Violation{color:#a40000;font-weight:bold}.Warning{color:#8a5a00;font-weight:bold}.Info{color:#005a8a}
.ok{color:#1a6b1a;font-weight:bold}.fail{color:#a40000;font-weight:bold}.small{font-size:.85em;color:#555}
"""


def render_html(reports: Sequence[PlanReport]) -> str:
    """A standalone page: summary table, then each file's results by block and practice."""
    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>Action plan validation (Decision 7301/24, Recital 12)</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>Action plan validation: Council Implementing Decision 7301/24, Recital 12</h1>",
    ]
    if reports:
        parts.append(f'<p class="small">Deadline: {e(reports[0].deadline.describe())}</p>')
    parts.append(
        "<table><tr><th>file</th><th>violations</th><th>warnings</th><th>infos</th><th>result</th></tr>"
    )
    for r in reports:
        c = r.counts()
        verdict = (
            '<span class="ok">conforms</span>'
            if r.conforms
            else '<span class="fail">does not conform</span>'
        )
        parts.append(
            f"<tr><td>{e(r.file)}</td><td>{c['Violation']}</td><td>{c['Warning']}</td><td>{c['Info']}</td><td>{verdict}</td></tr>"
        )
    parts.append("</table>")
    for r in reports:
        parts.append(f"<h2>{e(r.file)}</h2>")
        if not r.results:
            parts.append('<p class="ok">No problems found.</p>')
        groups: dict[str, list[Result]] = {}
        for res in r.results:
            if res.severity != "Info":
                groups.setdefault(_group(res), []).append(res)
        for name in sorted(groups, key=_group_key):
            parts.append(
                f"<h3>{e(name)}</h3><table><tr><th>severity</th><th>message</th><th>where</th></tr>"
            )
            for res in groups[name]:
                parts.append(
                    f'<tr><td class="{res.severity}">{res.severity}</td><td>{e(res.message)}</td>'
                    f'<td class="small">{e(res.focus_node)}{"<br>" + e(res.path) if res.path else ""}</td></tr>'
                )
            parts.append("</table>")
        missing = r.unaddressed()
        if missing:
            parts.append("<h3>Practices not addressed (information)</h3><ul>")
            for block, notations in sorted(
                missing.items(), key=lambda kv: _group_key(f"Block {kv[0]}")
            ):
                parts.append(
                    f"<li>Block {e(block)}: {len(notations)} ({e(', '.join(notations))})</li>"
                )
            parts.append("</ul>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


RENDERERS: dict[str, Callable[[Sequence[PlanReport]], str]] = {
    "json": render_json,
    "turtle": render_turtle,
    "html": render_html,
}

__all__ = [
    "RENDERERS",
    "SEVERITIES",
    "render_html",
    "render_json",
    "render_text",
    "render_turtle",
    "summary_table",
]
