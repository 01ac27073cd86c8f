"""One small error hierarchy (after pySHACL's ``errors.py``).

Every error carries enough context to name the file, line, practice or shape involved.
The CLI maps :class:`InputError` to exit code 2 and never shows a traceback for it.
"""

from __future__ import annotations


class DrugPolicyKGError(Exception):
    """Base class of every error the project raises on purpose."""


class InputError(DrugPolicyKGError):
    """Input that cannot be read, parsed or accepted (exit code 2).

    ``source`` names the file (or ``<stdin>``); ``line`` and ``column`` are 1-based when known.
    """

    def __init__(
        self,
        message: str,
        source: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.message = message
        self.source = source
        self.line = line
        self.column = column
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.source or ""
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}" if where else self.message


class ModelError(DrugPolicyKGError):
    """The project's own curated data or ontology is wrong (a bug in the KG sources)."""


class EngineError(DrugPolicyKGError):
    """A query engine, reasoner or server failed or is unavailable."""


class EngineCrash(EngineError):
    """The query engine crashed, ran out of memory or aborted on one query (in its sandbox
    child, so the calling process carries on). The query is at fault, not the service."""


class NetworkBlockedError(InputError):
    """Code tried to reach the network inside :func:`drugpolicy_kg.netguard.no_network`.

    An input error because, while reading untrusted input, only the input can cause it
    (a remote JSON-LD context, an external XML entity, an ``owl:imports``).
    """


class TimeLimitExceeded(InputError):
    """Work run by :func:`drugpolicy_kg.limits.run_with_timeout` ran out of time (exit code 2).

    An input error because what hangs is the user's input: a plan whose values make a
    pattern backtrack, or a heavy query. The user can raise the limit with ``--timeout``.
    """
