"""Run a callable under a wall-clock time limit that actually stops it.

A hostile value against an ``sh:pattern`` with catastrophic backtracking, or a heavy SPARQL
query, can run for hours inside C code (the ``re`` engine, pyoxigraph). ``signal.alarm``
cannot interrupt such code (the handler only runs between bytecodes) and a thread cannot
be killed, so the work runs in a child process that is killed when time runs out.

With the ``fork`` start method (the default on POSIX) the callable may be a closure and
its arguments need not be picklable; only the *result* (or exception) travels back through
a pipe, pickled. With ``spawn`` (the only method on Windows and macOS' default) the
callable and its arguments must be picklable too.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, ParamSpec, TypeVar

from drugpolicy_kg.errors import DrugPolicyKGError, EngineError, InputError, TimeLimitExceeded

__all__ = [
    "DEFAULT_INPUT_TIMEOUT",
    "TimeLimit",
    "default_start_method",
    "input_limit",
    "input_timeout",
    "mark_limited",
    "pack_exception",
    "rebuild_exception",
    "run_with_timeout",
]

P = ParamSpec("P")
R = TypeVar("R")


def default_start_method() -> str:
    """``fork`` where the platform has it (closures work, start-up is fast), else ``spawn``."""
    methods = multiprocessing.get_all_start_methods()
    return "fork" if "fork" in methods else "spawn"


@dataclass(frozen=True)
class TimeLimit:
    """A time limit in seconds; ``None`` or ``<= 0`` means none (run in this process).

    ``what`` names the work in the error message, e.g. ``"validation of plan.ttl"``.
    """

    seconds: float | None
    what: str | None = None
    start_method: str | None = None
    #: What the user can do about a timeout, added to the message.
    hint: str = "raise the limit with --timeout if the input is legitimate"

    def run(self, fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
        """``fn(*args, **kwargs)`` in a child process, killed after ``seconds``.

        Returns its result, re-raises its exception (with its type and attributes), raises
        :class:`TimeLimitExceeded` on timeout and :class:`EngineError` if the child dies.
        """
        if self.seconds is None or self.seconds <= 0:
            return fn(*args, **kwargs)
        ctx: Any = multiprocessing.get_context(self.start_method or default_start_method())
        receiver, sender = ctx.Pipe(duplex=False)
        process = ctx.Process(target=_child, args=(sender, fn, args, kwargs), daemon=True)
        what = str(self.what or getattr(fn, "__name__", "work"))
        try:
            process.start()
            sender.close()  # so that recv() sees EOF if the child dies without answering
            if not receiver.poll(self.seconds):
                raise TimeLimitExceeded(
                    f"{what} timed out after {self.seconds:g} s and was stopped; {self.hint}"
                )
            try:
                status, payload = receiver.recv()
            except (EOFError, OSError):
                process.join(1)
                raise EngineError(
                    f"{what} stopped unexpectedly (worker exit code {process.exitcode})"
                ) from None
        finally:
            receiver.close()
            if process.is_alive():
                process.kill()
            process.join()
            process.close()
        if status == "ok":
            return payload
        raise rebuild_exception(payload, what)


#: Seconds that reading all the untrusted input of one command may take (issue #11, item 5):
#: the plans of ``query --plans``, ``graph --plans``, ``plan export`` and ``qc --kg``.
#: ``$DRUGPOLICY_KG_INPUT_TIMEOUT`` changes it; 0 turns it off.
DEFAULT_INPUT_TIMEOUT = 60.0
INPUT_TIMEOUT_HINT = "set DRUGPOLICY_KG_INPUT_TIMEOUT (seconds) higher if the input is legitimate"
_LIMITED: list[bool] = [False]


def input_timeout() -> float | None:
    """The time limit on reading untrusted input, or None inside a process already limited.

    A worker that already runs under a limit (a ``validate`` worker, a :class:`TimeLimit`
    child) reads in place: it is itself killed when time runs out.
    """
    if _LIMITED[0]:
        return None
    if _OVERRIDE:
        chosen = _OVERRIDE[-1]
        return chosen if chosen and chosen > 0 and default_start_method() == "fork" else None
    raw = os.environ.get("DRUGPOLICY_KG_INPUT_TIMEOUT", "").strip()
    seconds = DEFAULT_INPUT_TIMEOUT
    if raw:
        try:
            seconds = float(raw)
        except ValueError:
            seconds = DEFAULT_INPUT_TIMEOUT
    if seconds <= 0 or default_start_method() != "fork":
        return None  # with spawn, the closures the loaders hand over cannot travel
    return seconds


_OVERRIDE: list[float | None] = []


@contextmanager
def input_limit(seconds: float | None) -> Iterator[None]:
    """Use ``seconds`` (None or 0: no limit) as the input time limit inside the block.

    ``validate --timeout 0`` asks for no limit at all, so it reads in place too.
    """
    _OVERRIDE.append(seconds)
    try:
        yield
    finally:
        _OVERRIDE.pop()


def mark_limited() -> None:
    """Record that this process runs under a time limit (see :func:`input_timeout`)."""
    _LIMITED[0] = True


def run_with_timeout(
    fn: Callable[P, R], seconds: float | None, /, *args: P.args, **kwargs: P.kwargs
) -> R:
    """``fn(*args, **kwargs)``, stopped after ``seconds`` (see :class:`TimeLimit`)."""
    return TimeLimit(seconds).run(fn, *args, **kwargs)


def _child(
    conn: Connection,
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> None:
    from drugpolicy_kg import confine

    confine.die_with_parent()
    mark_limited()
    try:
        try:
            message: tuple[str, Any] = ("ok", fn(*args, **kwargs))
        except BaseException as exc:
            message = ("error", pack_exception(exc))
        try:
            conn.send(message)
        except Exception as exc:  # the result (or exception) could not be pickled
            error = EngineError(f"the worker's result could not be sent back: {exc}")
            conn.send(("error", pack_exception(error)))
    finally:
        conn.close()
        os._exit(0)  # skip the parent's atexit handlers and buffers inherited by fork


def pack_exception(exc: BaseException) -> tuple[Any, ...]:
    """Type, args and attributes: ``pickle`` alone loses attributes of InputError & co."""
    details = "".join(traceback.format_exception(exc))
    state = (type(exc), exc.args, dict(vars(exc)), details)
    try:
        pickle.dumps(state)
    except Exception:
        return (None, (repr(exc),), {}, details)
    return state


def rebuild_exception(payload: tuple[Any, ...], what: str) -> BaseException:
    cls, args, attributes, details = payload
    if cls is None:
        return EngineError(f"{what} failed: {args[0]}")
    exc: BaseException = cls.__new__(cls)
    exc.args = args
    vars(exc).update(attributes)
    if not isinstance(exc, DrugPolicyKGError):
        exc.add_note(f"raised in a time-limited worker process:\n{details}")
    return exc


class CappedWriter:
    """A write-only buffer for a serialiser (pyoxigraph writes to any ``.write()``) that
    refuses to grow past ``limit`` bytes: :class:`InputError` asking for a LIMIT, and
    :attr:`over` set for callers that see the serialiser's own wrapping of that error."""

    def __init__(self, limit: int, source: str = "query") -> None:
        self.limit = limit
        self.source = source
        self.size = 0
        self.over = False
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > self.limit:
            self.over = True
            raise self.too_large()
        self.parts.append(bytes(data))
        return len(data)

    def too_large(self) -> InputError:
        return InputError(
            f"the result is larger than {self.limit // 1_000_000} MB; add a LIMIT", self.source
        )

    def flush(self) -> None:
        pass

    def getvalue(self) -> bytes:
        return b"".join(self.parts)
