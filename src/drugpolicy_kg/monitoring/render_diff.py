"""Writers for a :class:`~.diff.PlanDiff`: text (git's word-diff style), JSON, markdown, HTML."""

from __future__ import annotations

import json
from html import escape

from .diff import EntryChange, FieldChange, PlanDiff, status_label
from .html import page
from .revisions import PlanRecord, practices


def _title(notation: str) -> str:
    for n, block, title in practices():
        if n == notation:
            return f"{n} '{title}' (block {block})"
    return notation


def _plan_line(p: PlanRecord) -> str:
    when = p.issued.isoformat() if p.issued else "undated"
    return f"<{p.iri}> ({p.file}), issued {when}, cycle {p.period or '?'}"


def _summary(d: PlanDiff) -> str:
    c = d.counts()
    return (
        f"{c['statusChanges']} status changes ({c['forward']} forward, {c['backward']} backward), "
        f"{c['newlyAdopted']} newly adopted, {c['textChanges']} entries with changed texts or "
        f"dates, {c['added']} added, {c['removed']} removed, {c['overdue']} target dates passed "
        "without adoption"
    )


def _words_text(f: FieldChange) -> str:
    if not f.words:
        return f"{f.old or '(none)'} -> {f.new or '(none)'}"
    parts = []
    for op, text in f.words:
        parts.append(text if op == "=" else f"[-{text}-]" if op == "-" else f"{{+{text}+}}")
    return " ".join(parts)


def _status_change(c: EntryChange) -> str:
    return f"{status_label(c.old.statuses)} -> {status_label(c.new.statuses)} ({c.direction})"


def render_text(d: PlanDiff) -> str:
    out = [
        f"Plan diff for {d.new.state}",
        f"  old: {_plan_line(d.old)}",
        f"  new: {_plan_line(d.new)}",
        f"  {_summary(d)}",
    ]
    out += [f"  note: {n}" for n in d.notes]
    if d.newly_adopted:
        out += ["", "Newly adopted"]
        out += [f"  {_title(n)}" for n in d.newly_adopted]
    if d.overdue:
        out += ["", "Target dates passed without adoption"]
        out += [
            f"  {_title(o.practice)}: target {o.target} ({o.set_in} plan), now {o.status}"
            for o in d.overdue
        ]
    statuses = d.status_changes
    if statuses:
        out += ["", "Status changes"]
        out += [f"  {_title(c.practice)}: {_status_change(c)}" for c in statuses]
    texts = [c for c in d.changed if c.fields]
    if texts:
        out += ["", "Changed texts and dates ([-removed-] {+added+})"]
        for c in texts:
            out.append(f"  {_title(c.practice)}")
            out += [f"    {f.field}: {_words_text(f)}" for f in c.fields]
    for heading, entries in (("Added entries", d.added), ("Removed entries", d.removed)):
        if entries:
            out += ["", heading]
            out += [f"  {_title(e.practice)}: {status_label(e.statuses)}" for e in entries]
    if not (d.changed or d.added or d.removed):
        out += ["", "No change in the entries."]
    return "\n".join(out) + "\n"


def render_json(d: PlanDiff) -> str:
    return json.dumps(d.as_json(), indent=1, ensure_ascii=False) + "\n"


def _md(text: str | None) -> str:
    """Escape text for a markdown table cell."""
    return (text or "").replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _words_md(f: FieldChange) -> str:
    if not f.words:
        return f"~~{_md(f.old) or '(none)'}~~ → **{_md(f.new) or '(none)'}**"
    parts = []
    for op, text in f.words:
        t = _md(text)
        parts.append(t if op == "=" else f"~~{t}~~" if op == "-" else f"**{t}**")
    return " ".join(parts)


def render_markdown(d: PlanDiff) -> str:
    out = [
        f"# Plan diff for {d.new.state}",
        "",
        f"- old: {_md(_plan_line(d.old))}",
        f"- new: {_md(_plan_line(d.new))}",
        f"- {_summary(d)}",
    ]
    out += [f"- note: {_md(n)}" for n in d.notes]
    if d.newly_adopted:
        out += ["", "## Newly adopted", ""] + [f"- {_md(_title(n))}" for n in d.newly_adopted]
    if d.overdue:
        out += ["", "## Target dates passed without adoption", ""]
        out += ["| practice | target date | set in | status now |", "|---|---|---|---|"]
        out += [
            f"| {_md(_title(o.practice))} | {o.target} | {o.set_in} | {o.status} |"
            for o in d.overdue
        ]
    if d.status_changes:
        out += [
            "",
            "## Status changes",
            "",
            "| practice | old | new | direction |",
            "|---|---|---|---|",
        ]
        out += [
            f"| {_md(_title(c.practice))} | {status_label(c.old.statuses)} | "
            f"{status_label(c.new.statuses)} | {c.direction} |"
            for c in d.status_changes
        ]
    texts = [c for c in d.changed if c.fields]
    if texts:
        out += [
            "",
            "## Changed texts and dates",
            "",
            "| practice | field | change |",
            "|---|---|---|",
        ]
        out += [
            f"| {_md(_title(c.practice))} | {f.field} | {_words_md(f)} |"
            for c in texts
            for f in c.fields
        ]
    for heading, entries in (("Added entries", d.added), ("Removed entries", d.removed)):
        if entries:
            out += ["", f"## {heading}", ""]
            out += [f"- {_md(_title(e.practice))}: {status_label(e.statuses)}" for e in entries]
    return "\n".join(out) + "\n"


def _words_html(f: FieldChange) -> str:
    if not f.words:
        return f"<del>{escape(f.old or '(none)')}</del> <ins>{escape(f.new or '(none)')}</ins>"
    parts = []
    for op, text in f.words:
        t = escape(text)
        parts.append(t if op == "=" else f"<del>{t}</del>" if op == "-" else f"<ins>{t}</ins>")
    return " ".join(parts)


def render_html(d: PlanDiff) -> str:
    e = escape
    body = [
        f"<h1>Plan diff for {e(d.new.state or '')}</h1>",
        "<dl>",
        f"<dt>old</dt><dd>{e(_plan_line(d.old))}</dd>",
        f"<dt>new</dt><dd>{e(_plan_line(d.new))}</dd>",
        "</dl>",
        f"<p class='summary'>{e(_summary(d))}</p>",
    ]
    body += [f"<p class='note'>{e(n)}</p>" for n in d.notes]
    if d.newly_adopted:
        body += ["<h2>Newly adopted</h2><ul>"]
        body += [f"<li class='forward'>{e(_title(n))}</li>" for n in d.newly_adopted]
        body += ["</ul>"]
    if d.overdue:
        body += [
            "<h2>Target dates passed without adoption</h2>",
            "<table><tr><th>practice</th><th>target date</th><th>set in</th><th>status now</th></tr>",
        ]
        body += [
            f"<tr><td>{e(_title(o.practice))}</td><td>{o.target}</td><td>{e(o.set_in)}</td>"
            f"<td>{e(o.status)}</td></tr>"
            for o in d.overdue
        ]
        body += ["</table>"]
    if d.status_changes:
        body += [
            "<h2>Status changes</h2>",
            "<table><tr><th>practice</th><th>old</th><th>new</th><th>direction</th></tr>",
        ]
        body += [
            f"<tr class='{e(c.direction)}'><td>{e(_title(c.practice))}</td>"
            f"<td>{e(status_label(c.old.statuses))}</td><td>{e(status_label(c.new.statuses))}</td>"
            f"<td>{e(c.direction)}</td></tr>"
            for c in d.status_changes
        ]
        body += ["</table>"]
    texts = [c for c in d.changed if c.fields]
    if texts:
        body += [
            "<h2>Changed texts and dates</h2>",
            "<table><tr><th>practice</th><th>field</th><th>change</th></tr>",
        ]
        body += [
            f"<tr><td>{e(_title(c.practice))}</td><td>{e(f.field)}</td><td>{_words_html(f)}</td></tr>"
            for c in texts
            for f in c.fields
        ]
        body += ["</table>"]
    for heading, entries in (("Added entries", d.added), ("Removed entries", d.removed)):
        if entries:
            body += [f"<h2>{heading}</h2><ul>"]
            body += [
                f"<li>{e(_title(x.practice))}: {e(status_label(x.statuses))}</li>" for x in entries
            ]
            body += ["</ul>"]
    return page(f"Plan diff for {d.new.state}", "\n".join(body))


RENDERERS = {
    "text": render_text,
    "json": render_json,
    "markdown": render_markdown,
    "html": render_html,
}
