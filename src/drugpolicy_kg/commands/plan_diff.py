"""``drugpolicy-kg plan diff OLD NEW``: what moved between two revisions of a state's plan."""

from __future__ import annotations

import click

FORMATS = ("text", "json", "markdown", "html")


@click.command(
    epilog="""\b
Examples:
  drugpolicy-kg plan diff examples/plans/nld-2024.ttl examples/plans/nld-2025.ttl
  drugpolicy-kg plan diff bel-2024.ttl bel-2025.ttl --format html -o bel-diff.html
  drugpolicy-kg plan diff old.jsonld new.ttl --format json

\b
Exit codes: 0 the diff was computed (whatever it contains); 2 a file could not be
read, holds no plan or several, or the two plans are of different states.
"""
)
@click.argument("old", type=click.Path())
@click.argument("new", type=click.Path())
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="text (word diff as [-removed-] {+added+}), json, markdown or html (a standalone page).",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE (atomically).")
def diff(old: str, new: str, fmt: str, output: str | None) -> None:
    """Compare two revisions of one state's action plan (Recital 13: periodic evaluations).

    Lists status changes (forward or backward), practices newly adopted, target dates that
    passed without adoption, changed measures, reasons, authorities and target dates (a word
    diff), and entries added or removed. Plans of two different states are refused.
    """
    from ..atomic import write_text
    from ..monitoring.diff import diff_plans
    from ..monitoring.render_diff import RENDERERS
    from ..monitoring.revisions import single_plan

    result = diff_plans(single_plan(old, "OLD"), single_plan(new, "NEW"))
    rendered = RENDERERS[fmt](result)
    if output and output != "-":
        write_text(output, rendered)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(rendered, nl=False)
