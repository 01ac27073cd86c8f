"""``drugpolicy-kg plan``: write, import and export action plans (Recital 12)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

RDF_FORMATS = {"turtle": "turtle", "json-ld": "json-ld"}


@click.group(
    epilog="""\b
Examples:
  drugpolicy-kg plan template --state NLD -o nld-plan.ttl
  drugpolicy-kg plan template --state BEL --format json-ld -o bel-plan.jsonld
  drugpolicy-kg plan export examples/plans/fra-2024.ttl -o fra-2024.xlsx
  drugpolicy-kg plan import fra-2024.xlsx -o fra-2024.ttl
  drugpolicy-kg validate fra-2024.ttl
"""
)
def plan() -> None:
    """Author action plans: a template to fill in, and spreadsheets (xlsx, CSV) to and from RDF."""


def _write(text: str, output: str | None) -> None:
    from ..atomic import write_text

    if output and output != "-":
        write_text(output, text)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)


def _serialize(graph: object, fmt: str) -> str:
    from rdflib import Graph

    assert isinstance(graph, Graph)
    return graph.serialize(format=RDF_FORMATS[fmt])


@plan.command(
    epilog="""\b
Examples:
  drugpolicy-kg plan template --state NLD
  drugpolicy-kg plan template --state FRA --issued 2024-05-28 --iri https://example.gouv.fr/plan -o fra.ttl
"""
)
@click.option(
    "--state",
    required=True,
    metavar="ISO3",
    help="The submitting state (one of the 27 addressees), e.g. NLD.",
)
@click.option(
    "--format", "fmt", type=click.Choice(sorted(RDF_FORMATS)), default="turtle", show_default=True
)
@click.option("--issued", metavar="YYYY-MM-DD", help="Submission date (default: today).")
@click.option("--iri", help="The plan's IRI (default: an example.org IRI to replace).")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="Write to FILE (atomically); default stdout.",
)
def template(state: str, fmt: str, issued: str | None, iri: str | None, output: str | None) -> None:
    """Write a skeleton plan: four block sections, an entry for each of the 44 practices."""
    from ..errors import InputError
    from ..plans.template import HEADER, plan_template

    try:
        day = dt.date.fromisoformat(issued) if issued else None
    except ValueError:
        raise InputError(f"--issued: {issued!r} is not a date (YYYY-MM-DD)") from None
    graph = plan_template(state, issued=day, iri=iri)
    text = _serialize(graph, fmt)
    _write(HEADER + text if fmt == "turtle" else text, output)


@plan.command(
    "import",
    epilog="""\b
Examples:
  drugpolicy-kg plan import plan.xlsx -o plan.ttl
  drugpolicy-kg plan import plan.csv --format json-ld -o plan.jsonld
""",
)
@click.argument("spreadsheet", type=click.Path(dir_okay=False))
@click.option(
    "--format", "fmt", type=click.Choice(sorted(RDF_FORMATS)), default="turtle", show_default=True
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="Write to FILE (atomically); default stdout.",
)
def import_(spreadsheet: str, fmt: str, output: str | None) -> None:
    """Convert a spreadsheet (.xlsx or .csv, one row per entry) to an RDF plan."""
    from ..plans.spreadsheet import read_rows, rows_to_graph

    graph = rows_to_graph(read_rows(spreadsheet), source=spreadsheet)
    _write(_serialize(graph, fmt), output)


@plan.command(
    epilog="""\b
Examples:
  drugpolicy-kg plan export examples/plans/nld-2024.ttl -o nld-2024.xlsx
  drugpolicy-kg plan export plan.jsonld -o plan.csv
"""
)
@click.argument("plan_file", type=click.Path(dir_okay=False))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    help="The .xlsx or .csv file to write.",
)
def export(plan_file: str, output: str) -> None:
    """Convert an RDF plan to a spreadsheet (.xlsx or .csv) that `plan import` reads back."""
    from ..errors import InputError
    from ..netguard import no_network
    from ..plans.spreadsheet import graph_to_rows, unmapped_triples, write_rows
    from ..rdfio import load_untrusted, union_graph

    if Path(output).suffix.lower() not in (".xlsx", ".csv"):
        raise InputError("expected a .xlsx or .csv output file", output)
    with no_network():
        graph = union_graph(load_untrusted(plan_file))
    rows = graph_to_rows(graph)
    if not rows:
        raise InputError("no dpo:ActionPlan found", plan_file)
    lost = unmapped_triples(graph)
    for s, p, o in lost[:10]:
        click.echo(f"warning: not carried by the spreadsheet: {s.n3()} {p.n3()} {o.n3()}", err=True)
    write_rows(rows, output)
    click.echo(f"wrote {output} ({len(rows)} entries)", err=True)


from .plan_diff import diff  # noqa: E402  (issue #17: plan diff lives in its own module)

plan.add_command(diff)
