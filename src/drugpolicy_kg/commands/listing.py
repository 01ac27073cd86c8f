"""``drugpolicy-kg list``: the names that parameters and graph verbs take.

Thin: :meth:`drugpolicy_kg.api.KG.list` does the work; this module prints it.
"""

from __future__ import annotations

import click

KINDS = ("practices", "actors", "tools", "acts", "states", "themes", "blocks", "statuses")


@click.command(
    "list",
    epilog="""\b
Examples:
  drugpolicy-kg list actors
  drugpolicy-kg list tools --format json
  drugpolicy-kg list states --plans examples/plans/
  drugpolicy-kg list practices --format markdown

\b
Any key, label, alternative label or code shown here is a value that `query -p`,
`graph NODE` and `plan template --state` accept, as is the start of one (ignoring case).
Counts: for practices, their links (tools, actors, acts, themes); for actors, tools, acts,
themes and blocks, the practices linked to them; for states, the plans loaded (--plans).
""",
)
@click.argument("kind", type=click.Choice(KINDS))
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "markdown"]),
    default="table",
    show_default=True,
)
@click.option(
    "--plans",
    multiple=True,
    type=click.Path(exists=True),
    help="Action plan file or folder to load (counts plans per state).",
)
def list_(kind: str, fmt: str, plans: tuple[str, ...]) -> None:
    """List practices, actors, tools, acts, states or themes: key, label, other names, count."""
    import json

    from ..api import KG
    from ..results import markdown_text, table_text

    items = KG.load(plans).list(kind)
    if fmt == "json":
        click.echo(json.dumps([i.as_json() for i in items], ensure_ascii=False, indent=2))
        return
    counted = items[0].counts if items else "count"
    head = ["key", "label", "also", counted]
    body = [
        [
            i.key,
            i.label,
            "; ".join(
                n
                for n in dict.fromkeys([i.notation or "", *i.codes, *i.alt_labels])
                if n and n not in (i.key, i.label)
            ),
            str(i.count),
        ]
        for i in items
    ]
    if fmt == "markdown":
        click.echo(markdown_text((head, body)), nl=False)
    else:
        click.echo(table_text((head, body), max_width=70), nl=False)
