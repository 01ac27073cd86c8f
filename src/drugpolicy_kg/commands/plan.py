"""``drugpolicy-kg plan``: write, import and export action plans (Recital 12)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

RDF_FORMATS = {"turtle": "turtle", "json-ld": "json-ld"}


@click.group(
    epilog="""\b
Examples:
  drugpolicy-kg plan template --state NLD -o nld-plan.xlsx
  drugpolicy-kg plan template --state NLD -o nld-plan.ttl
  drugpolicy-kg plan template --state BEL --format json-ld -o bel-plan.jsonld
  drugpolicy-kg validate nld-plan.xlsx
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


TEMPLATE_FORMATS = ("xlsx", "turtle", "json-ld")
_BY_EXTENSION = {".xlsx": "xlsx", ".ttl": "turtle", ".jsonld": "json-ld", ".json": "json-ld"}


@plan.command(
    epilog="""\b
Examples:
  drugpolicy-kg plan template --state NLD -o nld-plan.xlsx      # the Excel workbook
  drugpolicy-kg plan template --state NLD -o nld-plan.ttl       # Turtle
  drugpolicy-kg plan template --state FRA --issued 2024-05-28 --iri https://example.gouv.fr/plan -o fra.xlsx

\b
The format follows the output's extension (.xlsx, .ttl, .jsonld), or --format.
Without -o the template is printed as Turtle (a workbook needs -o).
"""
)
@click.option(
    "--state",
    required=True,
    metavar="ISO3",
    help="The submitting state (one of the 27 addressees), e.g. NLD.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(TEMPLATE_FORMATS),
    help="xlsx (an Excel workbook with drop-downs), turtle or json-ld. Default: from the "
    "output's extension, else turtle.",
)
@click.option("--issued", metavar="YYYY-MM-DD", help="Submission date (default: today).")
@click.option("--iri", help="The plan's IRI (default: an example.org IRI to replace).")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="Write to FILE (atomically); default stdout.",
)
def template(
    state: str, fmt: str | None, issued: str | None, iri: str | None, output: str | None
) -> None:
    """Write a skeleton plan: four block sections, an entry for each of the 44 practices."""
    from ..errors import InputError
    from ..plans.template import HEADER, plan_template

    try:
        day = dt.date.fromisoformat(issued) if issued else None
    except ValueError:
        raise InputError(f"--issued: {issued!r} is not a date (YYYY-MM-DD)") from None
    if iri is not None and not iri.startswith(("http://", "https://", "urn:")):
        raise InputError(f"--iri: {iri!r} is not an absolute IRI (https://...)")
    suffix = Path(output).suffix.lower() if output and output != "-" else ""
    if fmt is None:
        if suffix and suffix not in _BY_EXTENSION:
            raise InputError(
                f"cannot tell the format from the extension {suffix!r}: use .xlsx, .ttl or "
                ".jsonld, or give --format",
                output,
            )
        fmt = _BY_EXTENSION.get(suffix, "turtle")
    if fmt == "xlsx":
        from ..atomic import write_bytes
        from ..plans.template_xlsx import template_workbook

        if not output or output == "-":
            raise InputError("a workbook is binary: give the file to write with -o plan.xlsx")
        if suffix != ".xlsx":
            raise InputError("an Excel workbook must be named .xlsx (Excel checks it)", output)
        write_bytes(output, template_workbook(state, issued=day, iri=iri))
        click.echo(f"wrote {output}", err=True)
        return
    if suffix == ".xlsx":
        raise InputError(f"--format {fmt} writes text: name the file .ttl or .jsonld", output)
    graph = plan_template(state, issued=day, iri=iri)
    text = _serialize(graph, fmt)
    _write(HEADER + text if fmt == "turtle" else text, output)


@plan.command(
    "import",
    epilog="""\b
Examples:
  drugpolicy-kg plan import plan.xlsx -o plan.ttl
  drugpolicy-kg plan import plan.csv --format json-ld -o plan.jsonld

\b
Every problem is reported at once, with its sheet and cell (Plan!C23), then the plan is
validated. Exit codes: 0 the plan was written (warnings are printed), 1 problems found
(nothing written unless --force), 2 the file cannot be read as a spreadsheet.
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
@click.option(
    "--force",
    is_flag=True,
    help="Write the plan even when problems were found (the exit code is still 1).",
)
@click.option(
    "--deadline",
    metavar="YYYY-MM-DD",
    help="Submission deadline used by the validation (see `validate --help`).",
)
def import_(
    spreadsheet: str, fmt: str, output: str | None, force: bool, deadline: str | None
) -> None:
    """Convert a spreadsheet (.xlsx or .csv, one row per practice) to an RDF plan."""
    import sys

    from ..plans.importer import import_spreadsheet, read_file
    from ..validation import parse_deadline
    from ..validation.render import sentence, where_text
    from ..validation.upload import validate_imported
    from . import EXIT_OK, EXIT_PROBLEMS

    chosen = parse_deadline(deadline) if deadline else None
    imported = import_spreadsheet(read_file(spreadsheet), spreadsheet)
    report = validate_imported(imported, chosen)
    shown = [r for r in report.results if r.severity != "Info"]
    for r in shown:
        click.echo(f"{spreadsheet}: {r.severity.lower()}: {where_text(r)}: {sentence(r)}", err=True)
    failed = report.fails()
    if failed:
        count = sum(1 for r in shown if r.severity == "Violation")
        click.echo(
            f"{spreadsheet}: {count} problem(s) to fix"
            + ("" if force else "; nothing written (fix them, or use --force)"),
            err=True,
        )
    if not failed or force:
        _write(_serialize(imported.graph, fmt), output)
    sys.exit(EXIT_PROBLEMS if failed else EXIT_OK)


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
@click.option(
    "--no-neutralise",
    "raw",
    is_flag=True,
    help="CSV only: write cells starting with = + - @ TAB CR as they are (for machine use). "
    "By default they get a leading ' so that a spreadsheet never runs them as formulas.",
)
def export(plan_file: str, output: str, raw: bool) -> None:
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
    write_rows(rows, output, neutralise=not raw)
    click.echo(f"wrote {output} ({len(rows)} entries)", err=True)
