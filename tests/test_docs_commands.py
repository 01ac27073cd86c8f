"""Every ``drugpolicy-kg`` command that the README and docs/ show parses: its verb exists, its
options exist and take the values shown. A renamed option or verb fails here before a reader
meets it. (What the commands do is tested by each feature's own tests.)"""

from __future__ import annotations

import re
import shlex
import warnings
from pathlib import Path

import click
import pytest

from drugpolicy_kg.cli import cli

ROOT = Path(__file__).parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELL_BLOCKS = {"", "sh", "shell", "bash", "console", "text"}


def shown_commands() -> list[tuple[str, str]]:
    """(where, command line) for each line in a shell code block that runs drugpolicy-kg.

    Fences are paired line by line (a ```turtle block's closing fence never opens one)."""
    found: list[tuple[str, str]] = []
    for doc in DOCS:
        lang: str | None = None  # the open block's language, None outside a block
        for number, raw in enumerate(doc.read_text(encoding="utf-8").splitlines(), start=1):
            stripped = raw.strip()
            if stripped.startswith("```"):
                lang = stripped[3:].strip().lower() if lang is None else None
                continue
            if lang not in SHELL_BLOCKS:
                continue
            line = stripped.removeprefix("$ ").strip()
            if "_COMPLETE=" in line:
                continue  # shell completion's set-up, not a command
            # Drop leading environment assignments (DRUGPOLICY_KG_JAVA= drugpolicy-kg ...).
            line = re.sub(r"^(?:[A-Z_][A-Z0-9_]*=\S*\s+)+", "", line)
            if line.startswith("drugpolicy-kg "):
                found.append((f"{doc.name}:{number}", line))
    return found


def command_args(line: str) -> list[str]:
    """The arguments of one shown command, without its comment, pipe or redirection."""
    tokens = shlex.split(line, comments=True)
    args: list[str] = []
    for token in tokens[1:]:
        if token in {"|", "&&", ";", ">", ">>", "<", "2>&1"} or token.startswith(">"):
            break
        args.append(token)
    return args


def remaining(ctx: click.Context) -> list[str]:
    """The tokens a group left for its subcommand (click 8.1 and 8.2+)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return [*ctx.protected_args, *ctx.args]


def parse(args: list[str]) -> None:
    """Resolve the command path and parse its options as click would, without running it.

    A path that does not exist here (``plan.ttl``) is the reader's own file, so that one error
    is accepted; any other (an unknown verb or option, a bad choice) is raised.
    """
    ctx = cli.make_context("drugpolicy-kg", list(args))
    command: click.Command = cli
    rest = remaining(ctx)
    while isinstance(command, click.Group) and rest:
        name, sub, rest = command.resolve_command(ctx, rest)
        assert sub is not None and name is not None
        try:
            ctx = sub.make_context(name, list(rest), parent=ctx)
        except click.BadParameter as exc:
            if isinstance(getattr(exc.param, "type", None), click.Path):
                return
            raise
        command = sub
        rest = remaining(ctx) if isinstance(sub, click.Group) else []


COMMANDS = shown_commands()


def test_the_docs_show_commands() -> None:
    assert len(COMMANDS) >= 30, COMMANDS


@pytest.mark.parametrize(("where", "line"), COMMANDS, ids=[w for w, _ in COMMANDS])
def test_shown_command_parses(where: str, line: str) -> None:
    args = command_args(line)
    try:
        parse(args)
    except click.ClickException as exc:  # an unknown verb or option, a bad choice
        pytest.fail(f"{where}: `{line}` does not parse: {exc.format_message()}")
    except click.exceptions.Exit:
        pass  # --help


def test_an_unknown_option_is_caught() -> None:
    with pytest.raises(click.ClickException):
        parse(["query", "practices-using-tool", "--no-such-option"])
    with pytest.raises(click.ClickException):
        parse(["no-such-verb"])
