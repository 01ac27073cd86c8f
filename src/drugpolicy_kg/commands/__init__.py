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
    """Print an error message on stderr, in the project's one format.

    File names and values quoted in a message come from the input, so control characters
    are shown as escapes (issue #11, item 9): an ESC in a plan's name cannot drive the
    terminal.
    """
    from ..textsafe import for_terminal

    click.echo(f"drugpolicy-kg: error: {for_terminal(message)}", err=True)


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
    except OSError as exc:
        # A file the command had to read or write: a read-only file system for -o, a folder
        # that vanished, a full disk. The writers raise their own message; this is the net.
        where = f"{exc.filename}: " if exc.filename else ""
        error(f"{where}{exc.strerror or exc}")
        ctx.exit(EXIT_CANNOT_RUN)
    except (click.exceptions.Exit, click.ClickException, click.Abort):
        raise  # click's own control flow (ctx.exit is an exception too)
    except Exception as exc:
        # The last net: a bug of ours must still end in a sentence and exit 2, not a traceback
        # (-vv logs it for a bug report).
        import logging

        logging.getLogger("drugpolicy_kg").debug("internal error", exc_info=True)
        error(
            f"internal error ({type(exc).__name__}: {exc}); this is a bug in drugpolicy-kg: "
            "please report it with the command you ran (-vv shows the traceback)"
        )
        ctx.exit(EXIT_CANNOT_RUN)
