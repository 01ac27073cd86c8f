"""One standalone HTML page shell for the monitoring reports: inline CSS, no script, no link."""

from __future__ import annotations

from html import escape

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:70rem;
 padding:0 1rem;color:#1b1b1b;line-height:1.45}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f2f2f2}
del{background:#fde2e2;color:#8a1f1f}ins{background:#dcf5dc;color:#175c17;text-decoration:none}
tr.backward td{background:#fff4e5}tr.forward td:last-child,li.forward{color:#175c17}
.summary{font-weight:600}.note{color:#8a5a00}
blockquote{border-left:4px solid #9bb;margin:1rem 0;padding:.3rem 1rem;background:#f5fafa}
.muted{color:#666}
"""


def page(title: str, body: str) -> str:
    """A complete page; ``body`` is already escaped HTML."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>\n<body>\n{body}\n"
        "<p class='muted'>drugpolicy-kg, Council Implementing Decision 7301/24.</p>\n"
        "</body></html>\n"
    )
