"""``drugpolicy-kg query`` and ``drugpolicy-kg queries``.

Thin: parse options, call :mod:`drugpolicy_kg.catalogue` and an engine, pick a writer.
Only click is imported at module level, so ``--help`` stays fast (issue #4: eager imports
cost ~0.55 s of start-up).
"""

from __future__ import annotations

import click

FORMATS = ("table", "csv", "tsv", "json", "markdown", "xlsx")


def _complete_name(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[click.shell_completion.CompletionItem]:
    """Shell completion of catalogue query names (files complete as files)."""
    from click.shell_completion import CompletionItem

    from ..catalogue import catalogue

    items = [
        CompletionItem(name, help=q.title)
        for name, q in sorted(catalogue().items())
        if name.startswith(incomplete)
    ]
    return items or [CompletionItem(incomplete, type="file")]


def _complete_param(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[click.shell_completion.CompletionItem]:
    """Shell completion of ``-p NAME=VALUE``: the query's parameter names, then the keys of
    entities of the parameter's type (``tool=S`` -> ``tool=SIS``, ``tool=SIENA``, ...)."""
    from click.shell_completion import CompletionItem

    from ..catalogue import catalogue

    # While "-p" awaits its value, click leaves the query's name among the unparsed args.
    given = ctx.params.get("name_or_file") or next(iter(ctx.args), "")
    q = catalogue().get(str(given))
    if q is None:
        return []
    name, sep, value = incomplete.partition("=")
    if not sep:
        return [
            CompletionItem(f"{p.name}=", help=p.doc) for p in q.params if p.name.startswith(name)
        ]
    found = {p.name: p for p in q.params}.get(name)
    from ..graph.resolve import KIND_CLASSES

    if found is None or found.type not in KIND_CLASSES:
        return []
    from ..graph.resolve import kg_index

    try:
        keys = kg_index().complete(value, (found.type,))
    except Exception:  # completion must never print a traceback in a shell
        return []
    return [CompletionItem(f"{name}={k}") for k in keys]


@click.command(
    epilog="""\b
Examples:
  drugpolicy-kg query practices-using-tool --param tool=SIS
  drugpolicy-kg query practices-involving-actor -p actor=europol --format csv
  drugpolicy-kg query legal-bases-of-practice -p practice=III.2 --format json
  drugpolicy-kg query peers-adopted-practice -p practice=III.2 --plans examples/plans/
  drugpolicy-kg query adoption-matrix --plans examples/plans/ --transpose
  drugpolicy-kg query adoption-matrix --plans examples/plans/ -f xlsx -o adoption.xlsx
  drugpolicy-kg query adoption-long --plans examples/plans/ -f csv
  drugpolicy-kg query coverage-by-block --plans examples/plans/ -f markdown -o coverage.md
  drugpolicy-kg query my-question.rq --engine rdflib --timeout 10 -p state=NL
  drugpolicy-kg query eu-systems-ranked --endpoint http://localhost:7878/query

\b
Output: table, markdown, csv and xlsx show labels ("III.2 ANPR query checks...",
"Netherlands", "adopted"); --iris shows every column as the query returns it, IRIs
included. json and tsv are the SPARQL 1.1 results formats, with IRIs. A query whose
header declares a pivot (adoption-matrix) comes as a matrix with counts per row and column.
Parameter values: a key, label, alternative label, notation, ISO or EU country code
(NL, EL), or the start of one; an ambiguous value lists the candidates.

\b
Exit codes: 0 ok; 2 the query could not run (unknown name, bad parameter, bad SPARQL with
line and column, SERVICE/LOAD/FROM of an outside IRI without --allow-remote, time limit).
"""
)
@click.argument("name_or_file", shell_complete=_complete_name)
@click.option(
    "-p",
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    shell_complete=_complete_param,
    help="Bind a parameter (repeatable). Friendly values work: tool=SIS, state=NL, "
    "practice=III.2, actor=port-auth. Values are bound as RDF terms, never pasted into the "
    "query, in any query file on every engine.",
)
@click.option(
    "-f", "--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True
)
@click.option("--iris", is_flag=True, help="Keep IRIs and every column (no labels, no pivot).")
@click.option(
    "--transpose", is_flag=True, help="For a pivot query: practices x states, not the reverse."
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
    help="Write to FILE atomically (default: stdout; xlsx needs a file).",
)
def query(
    name_or_file: str,
    params: tuple[str, ...],
    fmt: str,
    iris: bool,
    transpose: bool,
    plans: tuple[str, ...],
    engine: str,
    endpoint: str | None,
    timeout: float,
    allow_remote: bool,
    no_cache: bool,
    output: str,
) -> None:
    """Run a catalogue query by NAME, or any SPARQL FILE, over the KG (and plans).

    Local queries never touch the network. See `drugpolicy-kg queries` for the catalogue
    and `drugpolicy-kg list` for the names parameters take.
    """
    from ..api import KG
    from ..catalogue import parse_param_options
    from ..errors import InputError

    if fmt == "xlsx" and output == "-":
        raise InputError("--format xlsx writes a workbook: give the file with -o FILE.xlsx")
    kg = KG.load(plans, engine=engine, endpoint=endpoint, use_cache=not no_cache)
    answer = kg.query(
        name_or_file,
        parse_param_options(params),
        timeout=timeout or None,
        allow_remote=allow_remote,
    )
    if fmt == "xlsx":
        answer.to_xlsx(output, transpose=transpose, iris=iris)
        click.echo(f"wrote {output}", err=True)
        return
    _emit(answer.render(fmt, iris=iris, transpose=transpose), output)


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
            for column, labels in q.labels:
                click.echo(" " * (width + 4) + f"{column} is labelled by: {', '.join(labels)}")
            if q.pivot is not None:
                spec = q.pivot
                group = f", grouped by {spec.group}" if spec.group else ""
                click.echo(
                    " " * (width + 4)
                    + f"pivot: {spec.rows} x {spec.columns}, cells {spec.values}{group}"
                    + (f" (long form: {q.long_name})" if q.long_name else "")
                )
