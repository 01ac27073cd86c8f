"""``drugpolicy-kg qc``."""

from __future__ import annotations

import click


@click.command(
    epilog="""\b
Examples:
  drugpolicy-kg qc
  drugpolicy-kg qc --kg dist/drugpolicy-kg.ttl
"""
)
@click.option(
    "--kg",
    "kg_file",
    type=click.Path(exists=True, dir_okay=False),
    help="Check this built KG file instead of compiling the shipped sources.",
)
def qc(kg_file: str | None) -> None:
    """Run every quality check (queries/qc/*-violation.rq) on the KG.

    Exit 0 when every rule returns zero rows, 1 when any rule finds a problem.
    """
    from .. import kg
    from .. import qc as qc_mod
    from ..commands import EXIT_PROBLEMS
    from ..textsafe import for_terminal

    if kg_file:
        # A KG file given here is untrusted input: the safe loader reads it (size, UTF-8,
        # no network, a time limit), and the rules run in a time-limited child process,
        # where an engine crash on hostile values cannot take this process down.
        from ..limits import INPUT_TIMEOUT_HINT, TimeLimit, input_timeout
        from ..rdfio import load_untrusted, union_graph

        graph = union_graph(load_untrusted(kg_file))
        limit = TimeLimit(input_timeout(), what=f"the checks of {kg_file}", hint=INPUT_TIMEOUT_HINT)
        results = limit.run(qc_mod.run_all, graph)
    else:
        results = qc_mod.run_all(kg.cached_kg())
    failed = 0
    for result in results:
        mark = "ok  " if result.passed else "FAIL"
        click.echo(f"{mark} {result.rule.name}: {result.rule.title} ({len(result.rows)} rows)")
        for row in result.rows[:20]:
            cells = "  ".join(f"{k}={v}" for k, v in row.items())
            click.echo("       " + for_terminal(cells, keep_newlines=False))
        failed += not result.passed
    if failed:
        raise SystemExit(EXIT_PROBLEMS)
