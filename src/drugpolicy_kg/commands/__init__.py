"""One module per CLI verb. Each only parses arguments, calls the library and picks a writer.

:func:`guarded` turns the project's errors into the documented exit codes, so that no
traceback reaches a user for bad input. It wraps every subcommand (see ``cli.LazyGroup``),
which also holds for in-process ``CliRunner`` tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click

from ..errors import DrugPolicyKGError, InputError

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_CANNOT_RUN = 2


def error(message: str) -> None:
    """Print an error message on stderr, in the project's one format."""
    click.echo(f"drugpolicy-kg: error: {message}", err=True)


@contextmanager
def guarded(ctx: click.Context) -> Iterator[None]:
    """Map project errors to messages and exit code 2."""
    try:
        yield
    except InputError as exc:
        error(str(exc))
        ctx.exit(EXIT_CANNOT_RUN)
    except DrugPolicyKGError as exc:
        error(str(exc))
        ctx.exit(EXIT_CANNOT_RUN)
    except RecursionError:
        error("the input is nested too deeply to process")
        ctx.exit(EXIT_CANNOT_RUN)
    except MemoryError:
        error("the input is too large to process in memory")
        ctx.exit(EXIT_CANNOT_RUN)
