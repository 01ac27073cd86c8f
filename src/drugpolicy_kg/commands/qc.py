"""``drugpolicy-kg qc``."""

from __future__ import annotations

from pathlib import Path

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

    if kg_file:
        graph = kg.new_graph()
        kg.parse_turtle(Path(kg_file).read_text(encoding="utf-8"), kg_file, graph)
    else:
        graph = kg.cached_kg()
    failed = 0
    for result in qc_mod.run_all(graph):
        mark = "ok  " if result.passed else "FAIL"
        click.echo(f"{mark} {result.rule.name}: {result.rule.title} ({len(result.rows)} rows)")
        for row in result.rows[:20]:
            click.echo("       " + "  ".join(f"{k}={v}" for k, v in row.items()))
        failed += not result.passed
    if failed:
        raise SystemExit(EXIT_PROBLEMS)
