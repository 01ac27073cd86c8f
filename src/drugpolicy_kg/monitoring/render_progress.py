"""Writers for :class:`~.progress.Progress`: text, JSON, markdown and CSV tables."""

from __future__ import annotations

import csv
import io
import json

from .progress import BLOCKS, BlockProgress, Progress

TABLES = ("both", "blocks", "practices")


def _cell(b: BlockProgress) -> str:
    return f"{b.adopted}+{b.planned}/{b.practices} {b.share:.0%}"


def _revisions(result: Progress) -> list[tuple[str, str, str, str, dict[str, BlockProgress]]]:
    """(state, issued, cycle, plan, block -> row), one per revision, in order."""
    rows: dict[tuple[str, str, str, str], dict[str, BlockProgress]] = {}
    for b in result.blocks:
        rows.setdefault((b.state, b.issued.isoformat(), b.cycle, b.plan), {})[b.block] = b
    return [(*key, blocks) for key, blocks in rows.items()]


def _practice_rows(result: Progress) -> list[tuple[str, str, dict[str, int]]]:
    rows: dict[tuple[str, str], dict[str, int]] = {}
    for p in result.practices:
        rows.setdefault((p.practice, p.title), {})[p.cycle] = p.adopted
    return [(n, t, counts) for (n, t), counts in rows.items()]


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)
    ]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()  # noqa: E731
    return [line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)]


def render_text(result: Progress, table: str = "both") -> str:
    out: list[str] = []
    if table in ("both", "blocks"):
        out += [
            "Per state and block, at each revision: adopted+planned/practices and the share",
            "adopted or planned",
            "",
        ]
        header = ["state", "issued", "cycle", *(f"block {b}" for b in BLOCKS)]
        rows = [
            [s, issued, cycle, *(_cell(blocks[b]) if b in blocks else "" for b in BLOCKS)]
            for s, issued, cycle, _plan, blocks in _revisions(result)
        ]
        out += _table(header, rows)
    if table in ("both", "practices"):
        if out:
            out.append("")
        out += ["Per practice: states that had adopted it, by evaluation cycle", ""]
        header = ["practice", "title", *result.cycles]
        rows = [
            [n, t[:48], *(str(c.get(cy, 0)) for cy in result.cycles)]
            for n, t, c in _practice_rows(result)
        ]
        out += _table(header, rows)
    return "\n".join(out) + "\n"


def render_markdown(result: Progress, table: str = "both") -> str:
    out: list[str] = ["# Progress of the action plans", ""]
    if table in ("both", "blocks"):
        out += [
            "## Per state and block, at each revision",
            "",
            "Each cell: adopted + planned / practices of the block, and the share adopted or planned.",
            "",
            "| state | issued | cycle | " + " | ".join(f"block {b}" for b in BLOCKS) + " |",
            "|---|---|---|" + "---|" * len(BLOCKS),
        ]
        out += [
            f"| {s} | {issued} | {cycle} | "
            + " | ".join(_cell(blocks[b]) if b in blocks else "" for b in BLOCKS)
            + " |"
            for s, issued, cycle, _plan, blocks in _revisions(result)
        ]
        out.append("")
    if table in ("both", "practices"):
        out += [
            "## Per practice: states that had adopted it, by evaluation cycle",
            "",
            "| practice | title | " + " | ".join(result.cycles) + " |",
            "|---|---|" + "---|" * len(result.cycles),
        ]
        out += [
            f"| {n} | {t.replace('|', '/')} | "
            + " | ".join(str(c.get(cy, 0)) for cy in result.cycles)
            + " |"
            for n, t, c in _practice_rows(result)
        ]
    return "\n".join(out) + "\n"


def as_json(result: Progress) -> dict[str, object]:
    return {
        "cycles": result.cycles,
        "blocks": [
            {
                "state": b.state,
                "plan": b.plan,
                "issued": b.issued.isoformat(),
                "cycle": b.cycle,
                "block": b.block,
                "practices": b.practices,
                "adopted": b.adopted,
                "planned": b.planned,
                "share": round(b.share, 4),
                "adoptedShare": round(b.adopted_share, 4),
            }
            for b in result.blocks
        ],
        "practices": [
            {
                "practice": p.practice,
                "block": p.block,
                "title": p.title,
                "cycle": p.cycle,
                "adopted": p.adopted,
                "states": list(p.states),
            }
            for p in result.practices
        ],
    }


def render_json(result: Progress, table: str = "both") -> str:
    data = as_json(result)
    if table == "blocks":
        data.pop("practices")
    elif table == "practices":
        data.pop("blocks")
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


def render_csv(result: Progress, table: str = "both") -> str:
    """One table per CSV file: the blocks table, or the practices one with ``--table practices``."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    if table == "practices":
        writer.writerow(["practice", "block", "title", "cycle", "adopted", "states"])
        for p in result.practices:
            writer.writerow([p.practice, p.block, p.title, p.cycle, p.adopted, " ".join(p.states)])
    else:
        writer.writerow(
            [
                "state",
                "plan",
                "issued",
                "cycle",
                "block",
                "practices",
                "adopted",
                "planned",
                "share",
            ]
        )
        for b in result.blocks:
            writer.writerow(
                [
                    b.state,
                    b.plan,
                    b.issued.isoformat(),
                    b.cycle,
                    b.block,
                    b.practices,
                    b.adopted,
                    b.planned,
                    f"{b.share:.4f}",
                ]
            )
    return buf.getvalue()


RENDERERS = {
    "text": render_text,
    "json": render_json,
    "markdown": render_markdown,
    "csv": render_csv,
}
