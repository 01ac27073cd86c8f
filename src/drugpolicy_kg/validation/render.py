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

from rdflib import BNode, Graph, Literal
from rdflib.term import Node

from ..vocab import DCTERMS, RDF, SH
from .report import SEVERITIES, PlanReport, Result, where_words

Style = Callable[[str, str], str]
_COLOURS = {"Violation": "red", "Warning": "yellow", "Info": "cyan"}


def _plain(text: str, _severity: str) -> str:
    return text


def _group(result: Result) -> str:
    if result.block is None:
        return "Plan"
    return f"Block {result.block}"


def _titles() -> dict[str, str]:
    from .context import cached_context

    return {p.notation: p.title for p in cached_context().practices.values()}


def where_text(result: Result, titles: dict[str, str] | None = None) -> str:
    """Where a result is, in words: ``block III, practice III.9 'title' (row 23 (Plan!C23))``."""
    if result.practice:
        title = (titles or {}).get(result.practice)
        subject = f"block {result.block}, practice {result.practice}" + (
            f" '{title}'" if title else ""
        )
    elif result.block:
        subject = f"block {result.block}"
    elif result.location and result.location.get("sheet") is not None and not result.focus_node:
        subject = "the spreadsheet"
    else:
        subject = "the plan"
    place = where_words(result.location)
    return f"{subject} ({place})" if place else subject


def sentence(result: Result) -> str:
    """The rule's sentence for people (no IRIs): the detail, else the full message."""
    return result.detail or result.message


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
        titles = _titles() if groups else {}
        for name in sorted(groups, key=_group_key):
            out.append(f"  {name}")
            for r in groups[name]:
                label = style(f"{r.severity.upper():9}", r.severity)
                out.append(f"    {label} {where_text(r, titles)}: {sentence(r)}")
                if r.fix:
                    out.append(f"              how to fix: {r.fix}")
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


def render_json(reports: Sequence[PlanReport], several: bool = False) -> str:
    """The contract's JSON: one object for one file, a list (with ``file``) for several
    (``several``: a list even when only one of several files could be read)."""
    if len(reports) == 1 and not several:
        data: object = reports[0].as_json()
    else:
        data = [r.as_json(with_file=True) for r in reports]
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def render_turtle(reports: Sequence[PlanReport]) -> str:
    """The standard ``sh:ValidationReport`` of each file (``dcterms:source`` names the file)."""
    from ..serialize import PREFIXES, sort_key
    from .engine import _stable_blank_nodes

    triples: set[tuple[Node, Node, Node]] = set()
    for index, report in enumerate(reports):
        part = report.report_graph()
        for node in set(part.subjects(RDF.type, SH.ValidationReport)):
            # the specification: sh:conforms is false when there is any result, whatever its
            # severity (the CLI's exit code, by contrast, fails on Violations only)
            has_result = any(True for _ in part.objects(node, SH.result))
            part.set((node, SH.conforms, Literal(not has_result)))
            part.add((node, DCTERMS.source, Literal(report.file)))
        # Blank-node labels from each file's own report (its content, rdflib's canonical
        # labels only on a tie), prefixed with the file's place: the same reports give the
        # same bytes, in time linear in the number of files (canonicalising the combined
        # graph took minutes for some forty files: their results look alike).
        stable = _stable_blank_nodes(part)

        def named(term: Node, index: int = index) -> Node:
            return BNode(f"f{index}{term}") if isinstance(term, BNode) else term

        triples.update((named(s), p, named(o)) for s, p, o in stable)
    out = Graph(bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        out.bind(prefix, namespace)
    out.bind("sh", SH)
    out.bind("dcterms", DCTERMS)
    for triple in sorted(triples, key=lambda t: tuple(sort_key(x) for x in t)):
        out.add(triple)
    return out.serialize(format="turtle")


_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:78em}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}h3{font-size:1em;margin:1.2em 0 .3em}
table{border-collapse:collapse;margin:.5em 0;width:100%}td,th{border:1px solid #ccc;padding:.35em .6em;text-align:left;vertical-align:top}
th{background:#f0f3f7}.Violation{color:#a40000;font-weight:bold}.Warning{color:#8a5a00;font-weight:bold}.Info{color:#005a8a}
.ok{color:#1a6b1a;font-weight:bold}.fail{color:#a40000;font-weight:bold}.small{font-size:.85em;color:#555}
.fix{font-size:.9em;color:#234}.where{white-space:nowrap}details p{margin:.3em 0;max-width:40em;color:#333}
summary{cursor:pointer}
"""


def render_html(reports: Sequence[PlanReport]) -> str:
    """A standalone page: a summary table, then each file's results grouped by block.

    Each row says where (practice, row and cell, or line), what is wrong and how to fix it; the
    practice's text, as the Decision words it, opens on demand. No IRI or ontology term appears
    in the sentences (they are in the JSON and Turtle reports).
    """
    return (
        "\n".join(
            [
                "<!DOCTYPE html>",
                '<html lang="en"><head><meta charset="utf-8">',
                "<title>Action plan validation (Decision 7301/24, Recital 12)</title>",
                f"<style>{_CSS}</style></head><body>",
                "<h1>Action plan validation: Council Implementing Decision 7301/24, Recital 12</h1>",
                render_html_fragment(reports).rstrip("\n"),
                "</body></html>",
            ]
        )
        + "\n"
    )


#: The style sheet the fragment's classes expect (for a page that embeds the fragment).
HTML_CSS = _CSS


def render_html_fragment(reports: Sequence[PlanReport]) -> str:
    """The report's body (summary table, results by block) without ``<html>``, ``<head>`` or
    style, for a page that has its own (the web upload page); every value is escaped."""
    e = html.escape
    titles = _titles()
    texts = _practice_texts()
    parts: list[str] = []
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
            f"<tr><td>{e(r.file)}</td><td>{c['Violation']}</td><td>{c['Warning']}</td>"
            f"<td>{c['Info']}</td><td>{verdict}</td></tr>"
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
            heading = name
            if name.startswith("Block "):
                numeral = name.split(" ", 1)[1]
                block_title = _block_heading(numeral)
                heading = f"{name}: {block_title}" if block_title else name
            parts.append(
                f"<h3>{e(heading)}</h3><table><tr><th>severity</th><th>where</th>"
                "<th>what is wrong</th><th>how to fix</th></tr>"
            )
            for res in groups[name]:
                where = e(where_words(res.location) or "")
                if res.practice:
                    label = f"{res.practice} {titles.get(res.practice, '')}".strip()
                    text = texts.get(res.practice, "")
                    subject = (
                        f"<details><summary>{e(label)}</summary><p>{e(text)}</p></details>"
                        if text
                        else e(label)
                    )
                else:
                    subject = e("the plan" if not res.block else f"block {res.block}")
                parts.append(
                    f'<tr><td class="{res.severity}">{res.severity}</td>'
                    f'<td>{subject}<div class="small where">{where}</div></td>'
                    f"<td>{e(sentence(res))}</td>"
                    f'<td class="fix">{e(res.fix or "")}</td></tr>'
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
    return "\n".join(parts) + "\n"


def _practice_texts() -> dict[str, str]:
    from ..plans.template_xlsx import practice_texts

    return practice_texts()


def _block_heading(numeral: str) -> str:
    from .context import cached_context

    for block in cached_context().blocks.values():
        if block.numeral == numeral:
            return block.heading
    return ""


def render_csv(reports: Sequence[PlanReport], *, neutralise: bool = True) -> str:
    """One row per result: file, severity, block, practice, where, message, how to fix, and
    the location's fields; cells starting with = + - @ TAB CR are neutralised (a leading ')
    so that a spreadsheet never runs them as formulas, unless ``neutralise`` is False."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        [
            "file",
            "severity",
            "block",
            "practice",
            "where",
            "message",
            "how_to_fix",
            "line",
            "sheet",
            "cell",
            "row",
            "focus_node",
            "path",
            "value",
            "shape",
        ]
    )
    for report in reports:
        for r in report.results:
            loc = r.location or {}
            row = [
                report.file,
                r.severity,
                r.block or "",
                r.practice or "",
                where_words(r.location) or "",
                sentence(r),
                r.fix or "",
                loc.get("line") or "",
                loc.get("sheet") or "",
                loc.get("cell") or "",
                loc.get("row") or "",
                r.focus_node,
                r.path or "",
                r.value or "",
                r.shape,
            ]
            writer.writerow([neutralise_cell(str(v)) if neutralise else str(v) for v in row])
    return buffer.getvalue()


def neutralise_cell(text: str) -> str:
    """OWASP's CSV-injection defence: prefix ``'`` to a cell starting with = + - @ TAB CR."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") and text else text


RENDERERS: dict[str, Callable[[Sequence[PlanReport]], str]] = {
    "json": render_json,
    "turtle": render_turtle,
    "html": render_html,
    "csv": render_csv,
}

__all__ = [
    "RENDERERS",
    "SEVERITIES",
    "neutralise_cell",
    "render_csv",
    "render_html",
    "render_json",
    "render_text",
    "render_turtle",
    "sentence",
    "summary_table",
    "where_text",
]
