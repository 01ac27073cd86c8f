"""``drugpolicy-kg query`` and ``drugpolicy-kg queries``.

Thin: parse options, call :mod:`drugpolicy_kg.catalogue` and an engine, pick a writer.
Only click is imported at module level, so ``--help`` stays fast (issue #4: eager imports
cost ~0.55 s of start-up).
"""

from __future__ import annotations

import click

FORMATS = ("table", "csv", "tsv", "json", "markdown")


@click.command(
    epilog="""\b
Examples:
  drugpolicy-kg query practices-using-tool --param tool=SIS
  drugpolicy-kg query practices-involving-actor -p actor=europol --format csv
  drugpolicy-kg query legal-bases-of-practice -p practice=III.2 --format json
  drugpolicy-kg query peers-adopted-practice -p practice=III.2 --plans examples/plans/
  drugpolicy-kg query coverage-by-block --plans examples/plans/ -f markdown -o coverage.md
  drugpolicy-kg query my-question.rq --engine rdflib --timeout 10
  drugpolicy-kg query eu-systems-ranked --endpoint http://localhost:7878/query

\b
Exit codes: 0 ok; 2 the query could not run (unknown name, bad parameter, bad SPARQL with
line and column, SERVICE/LOAD/FROM of an outside IRI without --allow-remote, time limit).
"""
)
@click.argument("name_or_file")
@click.option(
    "-p",
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="Bind a parameter (repeatable). Friendly values work: tool=SIS, state=NLD, "
    "practice=III.2. Values are bound as RDF terms, never pasted into the query.",
)
@click.option(
    "-f", "--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True
)
@click.option(
    "--plans",
    multiple=True,
    type=click.Path(exists=True),
    help="Action plan file or folder to add to the dataset (repeatable).",
)
@click.option(
    "--engine",
    type=click.Choice(["oxigraph", "rdflib"]),
    default="oxigraph",
    show_default=True,
    help="Embedded engine: oxigraph (fast) or rdflib (the reference).",
)
@click.option("--endpoint", metavar="URL", help="Run the query on a remote SPARQL endpoint.")
@click.option(
    "--timeout",
    type=float,
    default=30.0,
    show_default=True,
    help="Give up after this many seconds (0: no limit).",
)
@click.option(
    "--allow-remote",
    is_flag=True,
    help="Permit SERVICE and FROM/FROM NAMED of outside IRIs (local queries never fetch otherwise).",
)
@click.option("--no-cache", is_flag=True, help="Do not use or write the parsed-dataset cache.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    default="-",
    help="Write to FILE atomically (default: stdout).",
)
def query(
    name_or_file: str,
    params: tuple[str, ...],
    fmt: str,
    plans: tuple[str, ...],
    engine: str,
    endpoint: str | None,
    timeout: float,
    allow_remote: bool,
    no_cache: bool,
    output: str,
) -> None:
    """Run a catalogue query by NAME, or any SPARQL FILE, over the KG (and plans).

    Local queries never touch the network. See `drugpolicy-kg queries` for the catalogue.
    """
    from ..catalogue import parse_param_options, run_query

    result = run_query(
        name_or_file,
        parse_param_options(params),
        plans=plans,
        engine=engine,
        endpoint=endpoint,
        timeout=timeout or None,
        allow_remote=allow_remote,
        use_cache=not no_cache,
    )
    from ..results import render

    _emit(render(result, fmt), output)


def _emit(text: str, output: str) -> None:
    if output == "-":
        click.echo(text, nl=False)
    else:
        from ..atomic import write_text

        write_text(output, text)


@click.command(
    epilog="""\b
Examples:
  drugpolicy-kg queries
  drugpolicy-kg queries --format markdown
  drugpolicy-kg queries --verbose
"""
)
@click.option("-f", "--format", "fmt", type=click.Choice(["table", "markdown"]), default="table")
@click.option("--verbose", "-v", "verbose", is_flag=True, help="Also show parameters and columns.")
def queries(fmt: str, verbose: bool) -> None:
    """List the SPARQL catalogue: names, titles, parameters and columns."""
    from ..catalogue import catalogue

    items = sorted(catalogue().values(), key=lambda q: q.name)
    if fmt == "markdown":
        lines = ["| query | question | parameters | needs plans |", "|---|---|---|---|"]
        for q in items:
            ps = ", ".join(
                f"`{p.name}` ({p.type}{', default ' + p.default if p.default else ''})"
                for p in q.params
            )
            lines.append(f"| `{q.name}` | {q.title} | {ps} | {'yes' if q.needs_plans else ''} |")
        click.echo("\n".join(lines))
        return
    width = max(len(q.name) for q in items)
    for q in items:
        plans = "  [needs --plans]" if q.needs_plans else ""
        click.echo(f"{q.name.ljust(width)}  {q.title}{plans}")
        if verbose:
            if q.description:
                click.echo(" " * (width + 2) + q.description)
            for p in q.params:
                default = f" = {p.default}" if p.default else " (optional)"
                click.echo(" " * (width + 4) + f"--param {p.name}=<{p.type}>{default}: {p.doc}")
            if q.columns:
                click.echo(" " * (width + 4) + "columns: " + ", ".join(q.columns))
