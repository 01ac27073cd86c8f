"""``drugpolicy-kg reason``."""

from __future__ import annotations

import click


@click.command(
    epilog="""\b
Examples:
  drugpolicy-kg reason
  drugpolicy-kg reason --format json > classification.json
  drugpolicy-kg reason --engine owlrl          # OWL 2 RL, no Java needed
  DRUGPOLICY_KG_JAVA=/opt/jdk-17/bin/java drugpolicy-kg reason --engine hermit
  drugpolicy-kg build --out dist --reason      # write the inferred types into the KG

\b
Exit codes: 0 consistent, 1 inconsistent or an unsatisfiable class, 2 could not run
(e.g. --engine hermit without Java).
"""
)
@click.option(
    "--engine",
    type=click.Choice(["auto", "hermit", "owlrl"]),
    default="auto",
    show_default=True,
    help="hermit: HermiT via owlready2 (OWL 2 DL, complete, needs Java). owlrl: OWL 2 RL "
    "forward chaining (pure Python, incomplete). auto: HermiT when Java is found, else owlrl.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="table for people; json for programs.",
)
@click.option(
    "--explain/--no-explain",
    default=True,
    show_default=True,
    help="On an inconsistency, search for a minimal cause (several reasoner calls).",
)
def reason(engine: str, fmt: str, explain: bool) -> None:
    """Check that the ontology and the KG are consistent, and classify every practice.

    Runs an OWL reasoner over the shipped ontology and KG only (never a user file), reports
    whether they are consistent, and lists each of the 44 practices with the defined classes
    it is inferred to belong to (EU-system, public-private, anti-corruption, international
    cooperation, technology, legally anchored), in the Decision's order. On an inconsistency
    it names a minimal set of assertions that clash, the individuals and the axioms involved.
    """
    from ..reasoning import reason as run_reason
    from ..reasoning.render import WRITERS
    from . import EXIT_PROBLEMS

    report = run_reason(engine=engine, with_explanation=explain)
    click.echo(f"reasoned with {report.engine_label} in {report.seconds:.2f} s", err=True)
    click.echo(WRITERS[fmt](report), nl=False)
    if not report.ok:
        raise SystemExit(EXIT_PROBLEMS)
