"""The ``drugpolicy-kg`` command line: a thin layer over the library.

Each verb lives in its own module under :mod:`drugpolicy_kg.commands` and is imported only
when it runs, so ``drugpolicy-kg --help`` does not pay for rdflib, pyshacl or owlready2.
Exit codes are a contract: 0 ok, 1 problems found, 2 could not run (bad input).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from typing import Any

import click

from . import __version__

#: verb -> (module under drugpolicy_kg.commands, attribute, one-line help)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "build": ("build", "build", "Build the knowledge graph (ontology + data) into a folder."),
    "validate": ("validate", "validate", "Validate action plans against the Recital 12 shapes."),
    "plan": ("plan", "plan", "Author action plans: templates and spreadsheets."),
    "query": ("query", "query", "Run a catalogue query or a SPARQL file over the KG."),
    "queries": ("query", "queries", "List the SPARQL catalogue with descriptions."),
    "serve": (
        "serve",
        "serve",
        "Serve the KG's pages, SPARQL endpoint and validator (local web app).",
    ),
    "publish": ("serve", "publish", "Load the KG into a SPARQL Graph Store."),
    "graph": ("graph", "graph", "Dependencies, impact, rankings, exports and pictures."),
    "reason": ("reason", "reason", "Check consistency and classify practices with OWL."),
    "qc": ("qc", "qc", "Run the quality checks on the KG."),
    "list": ("listing", "list_", "List practices, actors, tools, acts, states or themes."),
    "site": ("site", "site", "Write the KG's web pages as a static site."),
    "progress": (
        "monitor",
        "progress",
        "Progress of action plans over time, per state and practice.",
    ),
    "peers": ("monitor", "peers", "Peers to consult: states that adopted what a state plans."),
}


class LazyGroup(click.Group):
    """A click group that imports a subcommand's module only when that command runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attr, _ = COMMANDS[cmd_name]
        try:
            mod = importlib.import_module(f"drugpolicy_kg.commands.{module}")
        except ModuleNotFoundError as exc:
            if exc.name == f"drugpolicy_kg.commands.{module}":
                return None
            raise
        cmd: click.Command = getattr(mod, attr)
        return cmd

    def invoke(self, ctx: click.Context) -> Any:
        from .commands import guarded

        with guarded(ctx):
            return super().invoke(ctx)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Help text comes from COMMANDS, so --help imports nothing heavy.
        rows = []
        for name in self.list_commands(ctx):
            module = COMMANDS[name][0]
            try:
                found = importlib.util.find_spec(f"drugpolicy_kg.commands.{module}")
            except ModuleNotFoundError:  # pragma: no cover
                found = None
            if found is not None:
                rows.append((name, COMMANDS[name][2]))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="""\b
Examples:
  drugpolicy-kg build --out dist
  drugpolicy-kg validate examples/plans/
  drugpolicy-kg query practices-using-tool --param tool=SIS
  drugpolicy-kg graph impact SIENA

Exit codes: 0 ok, 1 problems found, 2 could not run (bad input).""",
)
@click.version_option(__version__, prog_name="drugpolicy-kg")
@click.option("-v", "--verbose", count=True, help="More log output on stderr (-vv for debug).")
@click.pass_context
def cli(ctx: click.Context, verbose: int) -> None:
    """drugpolicy-kg: the EU's 44 best practices against drug trafficking
    (Council Implementing Decision 7301/24) as a queryable, checkable graph."""
    import logging

    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s: %(message)s", stream=sys.stderr)
    from .textsafe import use_for_logging

    use_for_logging()  # control characters quoted in warnings are shown, not run
    ctx.ensure_object(dict)


def main(argv: list[str] | None = None) -> Any:
    """Entry point of the console script."""
    return cli.main(args=argv, prog_name="drugpolicy-kg")


if __name__ == "__main__":  # pragma: no cover
    main()
