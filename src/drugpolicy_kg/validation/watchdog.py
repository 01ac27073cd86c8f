"""Validate a batch of files in long-lived child processes, each file under its own time limit.

``validate --timeout`` used to fork one child per file (:class:`drugpolicy_kg.limits.TimeLimit`):
~20 ms per file, ~0.5 s over 27 plans. Here each worker is ONE forked child that validates files
one at a time; the parent hands it the next file, waits for the answer with a deadline and, when
a file takes longer than the limit, kills that child (the only way to stop a regular expression
or a join running in C code) and starts a fresh one for the remaining files. The error names the
file, exactly as the per-file fork did.

Errors are reported as a sequential run would: the error of the first failing file in the order
given (files after it are no longer handed out; files before it are finished first).

Each worker holds up to :data:`DEPTH` files at a time (the one it validates and the next), so it
never waits for the parent between two files: the parent's answer to one file and the worker's
start on the next overlap (about 0.3 ms a file, a sixth of a small plan's time, was spent waiting
on the round trip). A file's time limit starts when the worker begins it: when it is handed to
an idle worker, or when the file before it is answered. A worker stopped for a runaway file
gives the file queued behind it back; a fresh worker takes it.
"""

from __future__ import annotations

import contextlib
import io
import multiprocessing
import os
import sys
import time
from collections import deque
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection, wait
from typing import Any

from ..errors import EngineError, InputError, TimeLimitExceeded
from ..limits import default_start_method, pack_exception, rebuild_exception
from .deadline import Deadline
from .report import PlanReport

__all__ = ["timed_out", "validate_batch"]

#: Files a worker holds at once: the one it validates and the next.
DEPTH = 2


def timed_out(path: str, seconds: float) -> TimeLimitExceeded:
    """The error of a file whose validation ran out of time (as :class:`TimeLimit` words it)."""
    return TimeLimitExceeded(
        f"{_what(path)} timed out after {seconds:g} s and was stopped; "
        "raise the limit with --timeout if the input is legitimate"
    )


def _what(path: str) -> str:
    return "validation of " + ("<stdin>" if path == "-" else path)


def _serve(
    conn: Connection,
    deadline: Deadline | None,
    stdin: bytes | None,
    method: str = "fast",
    records: bool = False,
    standard: bool = True,
) -> None:
    """The child: validate ``(index, path)`` tasks until the pipe closes, answering each."""
    from .. import confine
    from ..limits import mark_limited
    from . import engine  # looked up per call: the parent's (test) patches are inherited
    from .methods import use_method

    use_method(method)  # the parent's engine, also under the spawn start method
    engine.WITH_RECORDS.set(records)
    engine.WITH_STANDARD_REPORT.set(standard)

    confine.die_with_parent()  # a parent stopped by SIGTERM or SIGKILL takes its workers along
    mark_limited()  # each file is already under this worker's deadline
    try:
        while True:
            try:
                task = conn.recv()
            except (EOFError, OSError):
                break
            if task is None:
                break
            index, path = task
            if path == "-":
                sys.stdin = io.TextIOWrapper(io.BytesIO(stdin or b""), encoding="utf-8")
            try:
                message: tuple[Any, ...] = (index, "ok", engine.validate_file(path, deadline))
            except BaseException as exc:
                message = (index, "error", pack_exception(exc))
            try:
                conn.send(message)
            except Exception as exc:  # the result (or exception) could not be pickled
                error = EngineError(f"the worker's result could not be sent back: {exc}")
                conn.send((index, "error", pack_exception(error)))
    finally:
        conn.close()
        os._exit(0)  # skip the parent's atexit handlers and buffers inherited by fork


class _Child:
    """One worker process and the parent's end of its pipe."""

    def __init__(
        self,
        ctx: Any,
        deadline: Deadline | None,
        stdin: bytes | None,
        records: bool = False,
        standard: bool = True,
    ) -> None:
        self.conn, child_conn = ctx.Pipe(duplex=True)
        from .methods import current_method

        self.process = ctx.Process(
            target=_serve,
            args=(child_conn, deadline, stdin, current_method(), records, standard),
            daemon=True,
        )
        self.process.start()
        child_conn.close()  # so that recv() sees EOF if the child dies
        self.tasks: deque[int] = deque()  # file indexes handed out, the first one in work
        self.started = 0.0  # when the first of them was begun

    def give(self, index: int, path: str) -> None:
        self.conn.send((index, path))
        if not self.tasks:
            self.started = time.monotonic()
        self.tasks.append(index)

    def answered(self) -> int:
        """The file just answered (the first held); the next one is begun now."""
        index = self.tasks.popleft()
        self.started = time.monotonic()
        return index

    def stop(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.conn.send(None)
        self.conn.close()
        self.process.join(0.5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.process.close()

    def kill(self) -> int | None:
        """Stop the worker now; its exit code (negative: the signal that ended it)."""
        self.conn.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        code = self.process.exitcode
        self.process.close()
        return code


def validate_batch(
    paths: Sequence[str],
    deadline: Deadline | None,
    workers: int,
    timeout: float | None,
    callback: Callable[[PlanReport], object] | None = None,
    records: bool = False,
    on_error: Callable[[str, InputError], object] | None = None,
    standard: bool = True,
) -> list[PlanReport]:
    """Validate ``paths`` in ``workers`` child processes, each file within ``timeout`` seconds.

    ``timeout`` None or <= 0: no limit (the children only give parallelism). Standard input
    (``-``) is read here, in the parent, and handed to the children. With ``on_error``, a file
    that cannot be read (an :class:`InputError`, a time limit included) goes to it with its
    path, in the
    order given, and the others are still validated; without it the first one is raised.
    """
    from ..rdfio import Limits

    limit = timeout if timeout is not None and timeout > 0 else None
    stdin = sys.stdin.buffer.read(Limits().max_bytes + 1) if "-" in paths else None
    ctx: Any = multiprocessing.get_context(default_start_method())
    reports: list[PlanReport | None] = [None] * len(paths)
    errors: dict[int, BaseException] = {}
    slots: list[_Child | None] = [None] * max(1, min(workers, len(paths)))
    pending = deque(range(len(paths)))  # files not handed out (or given back), in order
    not_read: dict[int, InputError] = {}  # file index -> its error, for on_error

    def give_back(indexes: Sequence[int]) -> None:
        """Files a stopped worker held but had not begun go back in line, in order."""
        merged = sorted([*pending, *indexes])
        pending.clear()
        pending.extend(merged)

    def stopped(child: _Child, error: Callable[[int, int | None], BaseException]) -> None:
        """Stop ``child``: the file it was working on gets ``error(index, exit code)``, the
        files queued behind it go back in line, and its slot gets a fresh worker later."""
        code = child.kill()
        index = child.tasks.popleft()
        give_back(child.tasks)
        child.tasks.clear()
        slots[slots.index(child)] = None
        errors[index] = error(index, code)

    def crashed(index: int, code: int | None) -> BaseException:
        return EngineError(f"{_what(paths[index])} stopped unexpectedly (worker exit code {code})")

    try:
        while True:
            if on_error is not None:  # a file that cannot be read is that file's error
                for index in [i for i, e in errors.items() if isinstance(e, InputError)]:
                    not_read[index] = errors.pop(index)  # type: ignore[assignment]
            stop_at = min(errors, default=len(paths))
            for level in range(1, DEPTH + 1):  # one file to every worker, then a second
                for slot, child in enumerate(slots):
                    if not pending or pending[0] >= stop_at:
                        break
                    if child is not None and len(child.tasks) >= level:
                        continue
                    if child is None:
                        child = slots[slot] = _Child(ctx, deadline, stdin, records, standard)
                    index = pending.popleft()
                    try:
                        child.give(index, paths[index])
                    except OSError:  # the worker died on the file it holds
                        if child.tasks:
                            give_back([index])
                        else:  # it held none: the file it was given is the one to name
                            child.tasks.append(index)
                        stopped(child, crashed)
            busy = {c.conn: c for c in slots if c is not None and c.tasks}
            if not busy:
                break
            wait_for = None
            if limit is not None:
                first_end = min(c.started for c in busy.values()) + limit
                wait_for = max(0.0, first_end - time.monotonic())
            ready = wait(list(busy), timeout=wait_for)
            for conn in ready:
                assert isinstance(conn, Connection)
                child = busy.pop(conn)
                try:
                    answered, status, payload = conn.recv()
                except (EOFError, OSError):
                    stopped(child, crashed)
                    continue
                child.answered()
                if status == "ok":
                    reports[answered] = payload
                    if callback:
                        callback(payload)
                else:
                    errors[answered] = rebuild_exception(payload, _what(paths[answered]))
            if limit is not None:
                now = time.monotonic()
                for child in list(busy.values()):
                    if child.tasks and now - child.started >= limit:
                        stopped(child, lambda index, _code: timed_out(paths[index], limit))
        if errors:
            raise errors[min(errors)]
        if on_error is not None:
            for index in [i for i, e in errors.items() if isinstance(e, InputError)]:
                not_read[index] = errors.pop(index)  # type: ignore[assignment]
            for index in sorted(not_read):  # in the order given, however the workers finished
                on_error(paths[index], not_read[index])
        done = [r for r in reports if r is not None]
        assert len(done) == len(paths) - len(not_read)
        return done
    finally:
        for child in slots:
            if child is not None:
                if child.tasks:
                    child.kill()
                else:
                    child.stop()
