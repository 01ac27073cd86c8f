"""``drugpolicy-kg build``."""

from __future__ import annotations

from pathlib import Path

import click


@click.command(
    epilog="""\b
Examples:
  drugpolicy-kg build --out dist
  drugpolicy-kg build --out dist --quiet
  drugpolicy-kg build --out dist --sources my-reviewed-copy/
  drugpolicy-kg build --out dist --reason
"""
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, writable=True),
    default="dist",
    show_default=True,
    help="Folder to write drugpolicy-kg.ttl (and .nt, .jsonld) into.",
)
@click.option(
    "--sources",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Build from an edited copy of the sources (a folder with ontology/, data/, sources/).",
)
@click.option(
    "--reason/--no-reason",
    default=False,
    show_default=True,
    help="Run the OWL reasoner (HermiT, or OWL 2 RL without Java) and write the inferred "
    "types, e.g. dpo:EUSystemPractice, into the KG. Fails if the KG is inconsistent.",
)
@click.option("--quiet", "-q", is_flag=True, help="Do not print the summary.")
def build(out_dir: str, sources: Path | None, reason: bool, quiet: bool) -> None:
    """Build the KG: the ontology plus all instance data of Decision 7301/24.

    Writes OUT/drugpolicy-kg.ttl, with N-Triples and JSON-LD beside it and the ontology alone
    as drugpolicy-kg-ontology.ttl. The same sources always give byte-identical files, and
    every file is written atomically.
    """
    from ..build import build as run_build
    from ..summary import summarise

    result = run_build(out_dir, sources=sources, reason=reason)
    for path in result.files:
        click.echo(f"wrote {path}", err=True)
    if not quiet:
        click.echo(summarise(result.graph).render())
