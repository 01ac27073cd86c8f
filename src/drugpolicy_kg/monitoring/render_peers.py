"""Writers for a :class:`~.peers.PeersReport`: text, markdown, HTML and xlsx."""

from __future__ import annotations

import datetime as dt
import io
from html import escape

from .html import page
from .peers import PeerNeed, PeersReport

FORMATS = ("text", "markdown", "html", "xlsx")

_HEADINGS = {
    "Planned": "Practices it plans",
    "UnderAssessment": "Practices it is assessing",
    "NotPlanned": "Practices it does not plan",
    None: "Practices its plan does not address",
}


def _intro(r: PeersReport) -> list[str]:
    when = r.plan.issued.isoformat() if r.plan.issued else "undated"
    return [
        f"Peers to consult for {r.name} ({r.state})",
        f"Plan: <{r.plan.iri}> ({r.plan.file}), issued {when}, cycle {r.plan.period or '?'}",
        f"States with a plan loaded: {', '.join(r.states_loaded)}",
    ]


def _groups(r: PeersReport) -> list[tuple[str, list[PeerNeed]]]:
    out = []
    for status, heading in _HEADINGS.items():
        items = [n for n in r.needs if n.status == status]
        if items:
            out.append((heading, items))
    return out


def render_text(r: PeersReport) -> str:
    out = _intro(r)
    out += ["", f'Recital 12: "{r.quote}"']
    for group, items in _groups(r):
        out += ["", group]
        for n in items:
            target = f", target {n.target}" if n.target else ""
            out.append(f"  {n.practice} '{n.title}' (block {n.block}): {n.status_text}{target}")
            if not n.peers:
                out.append("    no state with a plan loaded has adopted it yet")
            for p in n.peers:
                mark = " [consulted]" if p.consulted else ""
                out.append(f"    {p.state} {p.name}{mark}: {p.measures or '(no measures given)'}")
                if p.authority:
                    out.append(f"      responsible: {p.authority}")
    return "\n".join(out) + "\n"


def _md(text: str | None) -> str:
    return (text or "").replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def render_markdown(r: PeersReport) -> str:
    intro = _intro(r)
    out = [
        f"# {intro[0]}",
        "",
        *(f"- {_md(x)}" for x in intro[1:]),
        "",
        f"> Recital 12: “{r.quote}”",
    ]
    for group, items in _groups(r):
        out += [
            "",
            f"## {group}",
            "",
            "| practice | status | peer | measures | authority |",
            "|---|---|---|---|---|",
        ]
        for n in items:
            label = f"{n.practice} {_md(n.title)} (block {n.block})"
            status = n.status_text + (f", target {n.target}" if n.target else "")
            if not n.peers:
                out.append(f"| {label} | {status} | none yet | | |")
            for p in n.peers:
                peer = f"{p.state} {_md(p.name)}" + (" (consulted)" if p.consulted else "")
                out.append(
                    f"| {label} | {status} | {peer} | {_md(p.measures)} | {_md(p.authority)} |"
                )
    return "\n".join(out) + "\n"


def render_html(r: PeersReport) -> str:
    return page(_intro(r)[0], render_html_body(r))


def render_html_body(r: PeersReport, heading: str = "h1") -> str:
    """The peers report as HTML for a page that has its own ``<html>`` (every value escaped);
    ``heading`` is the tag of its title (``h2`` inside another report)."""
    e = escape
    sub = f"h{int(heading[1]) + 1}"  # its groups one level below its title
    intro = _intro(r)
    body = [
        f"<{heading}>{e(intro[0])}</{heading}>",
        "<ul>",
        *(f"<li>{e(x)}</li>" for x in intro[1:]),
        "</ul>",
    ]
    body.append(f"<blockquote>Recital 12: “{e(r.quote)}”</blockquote>")
    for group, items in _groups(r):
        body += [
            f"<{sub}>{e(group)}</{sub}>",
            "<table><tr><th>practice</th><th>status</th><th>peer</th><th>measures</th>"
            "<th>authority</th></tr>",
        ]
        for n in items:
            label = f"<b>{e(n.practice)}</b> {e(n.title)} (block {e(n.block)})"
            status = e(n.status_text + (f", target {n.target}" if n.target else ""))
            span = max(1, len(n.peers))
            first = f"<td rowspan='{span}'>{label}</td><td rowspan='{span}'>{status}</td>"
            if not n.peers:
                body.append(
                    f"<tr>{first}<td class='muted' colspan='3'>no peer has adopted it yet</td></tr>"
                )
            for i, p in enumerate(n.peers):
                peer = e(f"{p.state} {p.name}") + (" <em>(consulted)</em>" if p.consulted else "")
                body.append(
                    f"<tr>{first if i == 0 else ''}<td>{peer}</td><td>{e(p.measures or '')}</td>"
                    f"<td>{e(p.authority or '')}</td></tr>"
                )
        body.append("</table>")
    return "\n".join(body)


def render_xlsx(r: PeersReport) -> bytes:
    """A workbook: one row per practice and peer, and a sheet citing Recital 12."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "peers"
    header = [
        "practice",
        "title",
        "block",
        "status",
        "target date",
        "peer",
        "peer name",
        "consulted",
        "measures",
        "authority",
    ]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for n in r.needs:
        base = [
            n.practice,
            n.title,
            n.block,
            n.status_text,
            n.target.isoformat() if n.target else "",
        ]
        if not n.peers:
            sheet.append([*base, "", "", "", "", ""])
        for p in n.peers:
            sheet.append(
                [
                    *base,
                    p.state,
                    p.name,
                    "yes" if p.consulted else "",
                    p.measures or "",
                    p.authority or "",
                ]
            )
    wrap = Alignment(wrap_text=True, vertical="top")
    for column, width in (("B", 40), ("I", 70), ("J", 30)):
        sheet.column_dimensions[column].width = width
        for cell in sheet[column][1:]:
            cell.alignment = wrap
    sheet.freeze_panes = "A2"
    about = book.create_sheet("about")
    for line in [*_intro(r), "", "Recital 12 of Council Implementing Decision 7301/24:", r.quote]:
        about.append([line])
    about.column_dimensions["A"].width = 120
    book.properties.created = dt.datetime(2024, 3, 4)
    buffer = io.BytesIO()
    book.save(buffer)
    return _fixed_times(buffer.getvalue())


def _fixed_times(data: bytes) -> bytes:
    """Same input, same bytes: openpyxl stamps the save time in docProps/core.xml and in every
    zip entry; both are set to the Decision's adoption date (4 March 2024)."""
    import re
    import zipfile

    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for item in src.infolist():
            content = src.read(item.filename)
            if item.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>2024-03-04T00:00:00Z\g<2>",
                    content,
                )
            info = zipfile.ZipInfo(item.filename, date_time=(2024, 3, 4, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = item.external_attr
            dst.writestr(info, content)
    return out.getvalue()


RENDERERS = {"text": render_text, "markdown": render_markdown, "html": render_html}
