"""``drugpolicy-kg progress`` and ``drugpolicy-kg peers``: following plans over time (issue #17)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from ..monitoring.revisions import PlanRecord

PROGRESS_FORMATS = ("text", "json", "markdown", "csv")
PEERS_FORMATS = ("text", "markdown", "html", "xlsx")


def _emit(text: str, output: str | None) -> None:
    from ..atomic import write_text

    if output and output != "-":
        write_text(output, text)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)


def _plans(paths: tuple[str, ...]) -> list[PlanRecord]:
    from ..errors import InputError
    from ..monitoring.revisions import load_plans

    found = load_plans(list(paths))
    undated = [p for p in found if not (p.state and p.issued)]
    for plan in undated:  # validation reports them; say why they are not counted
        click.echo(
            f"note: {plan.file}: <{plan.iri}> has no submitting state or no dcterms:issued "
            "date; it is left out",
            err=True,
        )
    if not found:
        raise InputError(
            "no action plan (no resource of type dpo:ActionPlan) in the files given",
            ", ".join(paths),
        )
    return found


@click.command(
    epilog="""\b
Examples:
  drugpolicy-kg progress examples/plans/
  drugpolicy-kg progress plans/ --format csv -o progress.csv
  drugpolicy-kg progress plans/ --table practices --format markdown
  drugpolicy-kg progress plans/ --picture timeline -o timeline.png
  drugpolicy-kg progress plans/ --picture heatmap -o heatmap.svg

\b
The numbers equal the catalogue queries progress-by-block and
practice-adoption-over-time on any SPARQL endpoint holding the same plans.
Exit codes: 0 ok; 2 a file could not be read, or no plan was found.
"""
)
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option(
    "--format", "-f", "fmt", type=click.Choice(PROGRESS_FORMATS), default="text", show_default=True
)
@click.option(
    "--table",
    type=click.Choice(("both", "blocks", "practices")),
    default="both",
    show_default=True,
    help="Which table: per state and block at each revision, per practice over the cycles, or both "
    "(CSV holds one table: blocks unless 'practices').",
)
@click.option(
    "--picture",
    type=click.Choice(("timeline", "heatmap")),
    help="Draw instead of a table: a timeline per state, or a heatmap per evaluation cycle "
    "(small multiples); -o FILE.png or FILE.svg.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE (atomically).")
def progress(
    paths: tuple[str, ...], fmt: str, table: str, picture: str | None, output: str | None
) -> None:
    """Progress of action plans over time (Recital 13: periodic evaluations).

    PATHS are plan files or folders, revisions included. Per state: the share of each
    block's practices adopted or planned, at each revision. Per practice: how many states
    had adopted it, cycle after cycle (a state counts with its latest plan by then).
    """
    from ..atomic import write_bytes
    from ..errors import InputError
    from ..monitoring.progress import progress as compute

    if picture:
        from ..monitoring.charts import DRAWERS, image_format

        if not output or output == "-":
            raise InputError(
                f"--picture {picture} writes an image: give -o FILE.png or -o FILE.svg"
            )
        image_fmt = image_format(output)
        write_bytes(output, DRAWERS[picture](compute(_plans(paths)), image_fmt))
        click.echo(f"wrote {output}", err=True)
        return
    from ..monitoring.render_progress import RENDERERS

    _emit(RENDERERS[fmt](compute(_plans(paths)), table), output)


@click.command(
    epilog="""\b
Examples:
  drugpolicy-kg peers --state NLD --plans examples/plans/
  drugpolicy-kg peers --state Belgium --plans plans/ --format html -o peers-bel.html
  drugpolicy-kg peers --state FR --plans plans/ --format xlsx -o peers-fra.xlsx

\b
--state takes an ISO 3166 alpha-3 code (NLD), an alpha-2 code (NL; EL or GR for
Greece) or an English name (Netherlands).
Exit codes: 0 ok; 2 a file could not be read, the state is unknown or has no plan.
"""
)
@click.option("--state", required=True, help="The state whose peers to list.")
@click.option(
    "--plans",
    "plan_paths",
    required=True,
    multiple=True,
    type=click.Path(),
    help="Plan files or folders (repeatable); each state counts with its current plan.",
)
@click.option(
    "--format", "-f", "fmt", type=click.Choice(PEERS_FORMATS), default="text", show_default=True
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE (atomically).")
def peers(state: str, plan_paths: tuple[str, ...], fmt: str, output: str | None) -> None:
    """Peers to consult (Recital 12): who adopted what a state plans, assesses or does not plan.

    For each practice the state has not adopted, the states whose current plan reports it
    adopted, with the measures and authority they give.
    """
    from ..atomic import write_bytes
    from ..errors import InputError
    from ..monitoring.peers import peers_report
    from ..monitoring.revisions import resolve_state

    code = resolve_state(state)
    report = peers_report(_plans(plan_paths), code)
    if fmt == "xlsx":
        from ..monitoring.render_peers import render_xlsx

        if not output or output == "-":
            raise InputError("--format xlsx writes a workbook: give -o FILE.xlsx")
        write_bytes(output, render_xlsx(report))
        click.echo(f"wrote {output}", err=True)
        return
    from ..monitoring.render_peers import RENDERERS

    _emit(RENDERERS[fmt](report), output)
