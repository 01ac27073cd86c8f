"""``drugpolicy-kg validate``: check action plans against the shapes of Recital 12."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from ..validation.report import PlanReport

from . import EXIT_CANNOT_RUN, EXIT_OK, EXIT_PROBLEMS, error

FORMATS = ("text", "json", "turtle", "html", "csv")
#: Spreadsheets picked up in a folder (a .csv may be anything: it is read only when named).
FOLDER_SPREADSHEETS = frozenset({".xlsx"})


@click.command(
    epilog="""\b
Examples:
  drugpolicy-kg validate examples/plans/nld-2024.ttl
  drugpolicy-kg validate nld-plan.xlsx                   # a filled-in template (or .csv)
  drugpolicy-kg validate examples/plans/                 # every plan in a folder
  drugpolicy-kg validate plan.jsonld --format json
  drugpolicy-kg validate plans/ --format html -o report.html
  drugpolicy-kg validate plan.ttl --deadline 2024-06-30 --strict
  drugpolicy-kg validate nld-plan.xlsx --plans examples/plans/   # + peers to consult

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
    "--plans",
    "peer_plans",
    multiple=True,
    type=click.Path(exists=True),
    help="Other states' plans (files or folders): the text and html reports then list, for "
    "each practice a validated plan has not adopted, the states that did and how (Recital 12).",
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
    peer_plans: tuple[str, ...],
    engine: str,
) -> None:
    """Validate action plans (Turtle, JSON-LD, RDF/XML, N-Triples, TriG, or a .xlsx/.csv
    spreadsheet) against Recital 12.

    PATHS are files or folders (searched for RDF files and .xlsx workbooks; name .csv files
    explicitly). Each
    result says where: the line of the entry in RDF files, the sheet and cell in spreadsheets. Each plan is checked with the
    package's SHACL shapes, with the knowledge graph as context: one addressee state, one
    section per building block, real practices under their own block, no duplicates, one
    status, and measures for Adopted and Planned practices.
    """
    import logging

    from ..atomic import write_text
    from ..errors import InputError
    from ..limits import input_limit
    from ..rdfio import RDF_EXTENSIONS, check_readable, expand_paths
    from ..validation import parse_deadline
    from ..validation.chain import check_chains
    from ..validation.engine import PARALLEL_THRESHOLD, validate_files
    from ..validation.methods import use_method
    from ..validation.render import RENDERERS, render_json, render_text

    # rdflib logs a traceback for every ill-typed literal ("2024-0-5"^^xsd:date); the shapes
    # report such values, so the traceback is noise that looks like a crash.
    logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)
    files = expand_paths(paths, FOLDER_SPREADSHEETS)
    if not files:
        raise InputError(
            "no RDF files or workbooks found (looked for "
            + ", ".join(sorted(set(RDF_EXTENSIONS) | FOLDER_SPREADSHEETS))
            + ")",
            ", ".join(paths),
        )
    # One unreadable file (permissions, a FIFO, a link out of the folder, too large) is that
    # file's error: the others are still validated and reported, then the exit code is 2.
    unreadable: list[InputError] = []
    position = {path: i for i, path in reversed(list(enumerate(files)))}
    where: dict[int, int] = {}  # id(error) -> the file's place in the order given

    def not_read(path: str, problem: InputError) -> None:
        """A file that cannot be read is that file's error: the others are still reported."""
        unreadable.append(problem)
        where[id(problem)] = position.get(path, len(position))
        not_validated.add(path)

    def give_up() -> None:
        """Nothing could be read: every file's error, the last one as the command's."""
        unreadable.sort(key=lambda e: where.get(id(e), 0))
        for problem in unreadable[:-1]:
            error(str(problem))
        raise unreadable[-1]

    not_validated: set[str] = set()
    for path in list(files):
        if path != "-":
            try:
                check_readable(path)
            except InputError as exc:
                not_read(path, exc)
                files.remove(path)
    if not files:
        give_up()
    chosen = parse_deadline(deadline) if deadline else None
    use_method(engine)
    show_progress = len(files) > PARALLEL_THRESHOLD and sys.stderr.isatty()

    with input_limit(timeout or None):  # --timeout 0: no limit, nothing forked
        if show_progress:
            with click.progressbar(length=len(files), label="validating", file=sys.stderr) as bar:
                reports = validate_files(
                    files,
                    chosen,
                    workers,
                    on_done=lambda _r: bar.update(1),
                    timeout=timeout,
                    records=True,
                    on_error=not_read,
                    standard=fmt == "turtle",
                )
        else:
            reports = validate_files(
                files,
                chosen,
                workers,
                timeout=timeout,
                records=True,
                on_error=not_read,
                standard=fmt == "turtle",  # the only output that shows the standard report
            )
    if not reports:
        give_up()
    unreadable.sort(key=lambda e: where.get(id(e), 0))  # in the order the files were given
    files = [f for f in files if f not in not_validated]
    check_chains(reports, files)  # revision chains span files (docs/monitoring.md)

    if fmt == "text":
        coloured = output is None and sys.stdout.isatty()

        def style(text: str, severity: str) -> str:
            colours = {"Violation": "red", "Warning": "yellow", "Info": "cyan"}
            return (
                click.style(text, fg=colours[severity], bold=severity == "Violation")
                if coloured
                else text
            )

        rendered = render_text(_terminal_safe(reports), style)
    elif fmt == "json":  # several files asked for: a list, even if one could be read
        rendered = render_json(reports, several=len(files) + len(unreadable) > 1)
    else:
        rendered = RENDERERS[fmt](reports)
    if peer_plans:
        rendered = _with_peers(rendered, fmt, files, peer_plans)
    if output:
        write_text(output, rendered)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(rendered, nl=False)
    for problem in unreadable:
        error(str(problem))
    if unreadable:
        sys.exit(EXIT_CANNOT_RUN)
    failed = any(r.fails(strict) for r in reports)
    sys.exit(EXIT_PROBLEMS if failed else EXIT_OK)


def _with_peers(rendered: str, fmt: str, files: list[str], plans: tuple[str, ...]) -> str:
    """The report followed by the peers to consult of each validated plan's state."""
    from ..monitoring import render_peers
    from ..monitoring.peers import peers_for_files
    from ..textsafe import for_terminal

    reports = peers_for_files(files, plans)
    if fmt == "text":
        parts = [for_terminal(render_peers.render_text(r)) for r in reports]
        return rendered + "".join(f"\n{p.rstrip()}\n" for p in parts)
    if fmt == "html":
        body = "\n".join(render_peers.render_html_body(r, heading="h2") for r in reports)
        return rendered.replace("</body></html>", f"<section>{body}</section>\n</body></html>", 1)
    error(f"--plans: peers are shown in the text and html reports, not in {fmt}")
    return rendered


def _terminal_safe(reports: list[PlanReport]) -> list[PlanReport]:
    """The reports with every text taken from the input shown with visible escapes.

    A plan's values and file names may carry ESC, OSC or CR sequences (issue #11, item 9);
    the text report is read on a terminal, where they would act. The colours added by the
    renderer come after this, so they still work.
    """
    from dataclasses import replace

    from ..textsafe import for_terminal

    def one(text: str) -> str:
        return for_terminal(text, keep_newlines=False)

    return [
        replace(
            report,
            file=one(report.file),
            results=[
                replace(
                    r,
                    message=for_terminal(r.message),
                    focus_node=one(r.focus_node),
                    path=one(r.path) if r.path else r.path,
                )
                for r in report.results
            ],
        )
        for report in reports
    ]
