"""``drugpolicy-kg validate``: check action plans against the shapes of Recital 12."""

from __future__ import annotations

import sys

import click

from . import EXIT_OK, EXIT_PROBLEMS

FORMATS = ("text", "json", "turtle", "html", "csv")


@click.command(
    epilog="""\b
Examples:
  drugpolicy-kg validate examples/plans/nld-2024.ttl
  drugpolicy-kg validate nld-plan.xlsx                   # a filled-in template (or .csv)
  drugpolicy-kg validate examples/plans/                 # every plan in a folder
  drugpolicy-kg validate plan.jsonld --format json
  drugpolicy-kg validate plans/ --format html -o report.html
  drugpolicy-kg validate plan.ttl --deadline 2024-06-30 --strict

\b
Exit codes: 0 no violation (warnings and infos are printed), 1 at least one
violation (or, with --strict, a warning), 2 a file could not be read or parsed,
or its validation ran out of time (--timeout).
Rules, severities and the deadline assumption: docs/validation.md.
"""
)
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="Report format: text (by block and practice), json (the contract's, with "
    "locations), turtle (the standard sh:ValidationReport), html (a standalone page) or csv "
    "(one row per result).",
)
@click.option("--strict", is_flag=True, help="Also fail (exit 1) on warnings.")
@click.option(
    "--deadline",
    metavar="YYYY-MM-DD",
    help="Submission deadline. Default: adoption (4 March 2024) + 3 months, assuming entry "
    "into force on adoption (the Decision does not state it).",
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="Write the report to FILE (atomically)."
)
@click.option(
    "--workers",
    type=click.IntRange(1, 16),
    help="Worker processes (default: 2 when more than 8 files, else 1).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0),
    default=60.0,
    show_default=True,
    metavar="SECONDS",
    help="Stop a file whose validation takes longer (exit 2). 0: no limit.",
)
@click.option(
    "--engine",
    type=click.Choice(("fast", "pyshacl")),
    default="fast",
    show_default=True,
    help="fast: the package's shapes compiled into Python checks, proven to give pySHACL's "
    "results (tests/test_validation_fast.py); pyshacl: pySHACL itself, the reference.",
)
def validate(
    paths: tuple[str, ...],
    fmt: str,
    strict: bool,
    deadline: str | None,
    output: str | None,
    workers: int | None,
    timeout: float,
    engine: str,
) -> None:
    """Validate action plans (Turtle, JSON-LD, RDF/XML, N-Triples, TriG, or a .xlsx/.csv
    spreadsheet) against Recital 12.

    PATHS are files or folders (searched for RDF files; name spreadsheets explicitly). Each
    result says where: the line of the entry in RDF files, the sheet and cell in spreadsheets. Each plan is checked with the
    package's SHACL shapes, with the knowledge graph as context: one addressee state, one
    section per building block, real practices under their own block, no duplicates, one
    status, and measures for Adopted and Planned practices.
    """
    import logging

    from ..atomic import write_text
    from ..errors import InputError
    from ..rdfio import RDF_EXTENSIONS, expand_paths
    from ..validation import parse_deadline
    from ..validation.engine import PARALLEL_THRESHOLD, validate_files
    from ..validation.methods import use_method
    from ..validation.render import RENDERERS, render_text

    # rdflib logs a traceback for every ill-typed literal ("2024-0-5"^^xsd:date); the shapes
    # report such values, so the traceback is noise that looks like a crash.
    logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)
    files = expand_paths(paths)
    if not files:
        raise InputError(
            "no RDF files found (looked for " + ", ".join(sorted(RDF_EXTENSIONS)) + ")",
            ", ".join(paths),
        )
    chosen = parse_deadline(deadline) if deadline else None
    use_method(engine)
    show_progress = len(files) > PARALLEL_THRESHOLD and sys.stderr.isatty()
    if show_progress:
        with click.progressbar(length=len(files), label="validating", file=sys.stderr) as bar:
            reports = validate_files(
                files, chosen, workers, on_done=lambda _r: bar.update(1), timeout=timeout
            )
    else:
        reports = validate_files(files, chosen, workers, timeout=timeout)

    if fmt == "text":
        coloured = output is None and sys.stdout.isatty()

        def style(text: str, severity: str) -> str:
            colours = {"Violation": "red", "Warning": "yellow", "Info": "cyan"}
            return (
                click.style(text, fg=colours[severity], bold=severity == "Violation")
                if coloured
                else text
            )

        rendered = render_text(reports, style)
    else:
        rendered = RENDERERS[fmt](reports)
    if output:
        write_text(output, rendered)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(rendered, nl=False)
    failed = any(r.fails(strict) for r in reports)
    sys.exit(EXIT_PROBLEMS if failed else EXIT_OK)
