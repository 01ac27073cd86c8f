"""A bounded pool of validation processes for the web service (issue 14).

Why processes, not threads: pySHACL is not thread-safe and validation is CPU-bound Python, so
threads sharing one engine would run one plan at a time under the GIL, and a thread cannot be
stopped when a hostile plan runs past the time limit. A process can be killed. Each worker is a
long-lived child that holds a warmed :class:`~drugpolicy_kg.validation.Engine` (shapes harvested,
KG context built), so a request costs one validation, not a start-up.

Workers are started by the ``forkserver`` method: the fork server is a fresh, single-threaded
interpreter that imports the modules named in ``preload`` once (building the engine there), and
every worker is forked from it, inheriting the warm engine. Forking the web server itself would
copy whatever threads and locks it holds at that moment.

Back-pressure: at most ``workers + queue`` requests are admitted (running or waiting); the next
one gets :class:`Saturated` at once (the service answers 503 with ``Retry-After``) instead of
joining an unbounded queue. A task that runs longer than ``timeout`` seconds has its worker
killed and replaced (:class:`TaskTimeout`). Each worker is replaced after ``max_tasks`` tasks,
so a slow leak in a library cannot grow the service without bound.

The pool talks to its workers through pipes watched by the event loop (``add_reader``): no
thread is needed in the web server. It binds to no event loop, so one pool serves every loop
that calls it (tests open several).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

__all__ = ["PoolStats", "Saturated", "TaskTimeout", "ValidationPool", "WorkerFailed"]

log = logging.getLogger(__name__)


class Saturated(Exception):
    """Every worker is busy and the waiting line is full: try again after ``retry_after`` s."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"the validation service is busy; retry after {retry_after} s")
        self.retry_after = retry_after


class TaskTimeout(Exception):
    """The task ran longer than the pool's time limit; its worker was killed."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"validation timed out after {seconds:g} s and was stopped")
        self.seconds = seconds


class WorkerFailed(Exception):
    """The worker died or answered with an unexpected error (never the input's fault)."""


@dataclass
class PoolStats:
    """Counts only: the service logs and exposes nothing about what was uploaded."""

    done: int = 0
    rejected: int = 0
    timeouts: int = 0
    failures: int = 0
    restarts: int = 0
    seconds: list[float] = field(default_factory=list)


def _serve(conn: Connection, target: Callable[..., Any], memory_limit: int | None) -> None:
    """The worker: call ``target(*args)`` for each task until the pipe closes."""
    if memory_limit:
        import resource

        # A hostile input that makes a parser allocate without bound meets MemoryError here
        # (which the loaders report as an input error), not the machine's OOM killer.
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = memory_limit if hard == resource.RLIM_INFINITY else min(memory_limit, hard)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        while True:
            try:
                args = conn.recv()
            except (EOFError, OSError):
                break
            if args is None:
                break
            try:
                answer: tuple[str, Any] = ("ok", target(*args))
            except MemoryError:
                answer = ("error", "MemoryError")
            except BaseException as exc:  # reported by type only: no traceback, no input
                answer = ("error", type(exc).__name__)
            try:
                conn.send(answer)
            except Exception as exc:
                conn.send(("error", f"unpicklable answer ({type(exc).__name__})"))
    finally:
        conn.close()
        os._exit(0)


class _Worker:
    def __init__(self, ctx: Any, target: Callable[..., Any], memory_limit: int | None) -> None:
        self.conn, child_conn = ctx.Pipe(duplex=True)
        self.process = ctx.Process(
            target=_serve, args=(child_conn, target, memory_limit), daemon=True
        )
        self.process.start()
        child_conn.close()
        self.tasks = 0

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.close()
        with contextlib.suppress(Exception):
            if self.process.is_alive():
                self.process.kill()
            self.process.join(5)
            self.process.close()

    def stop(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.conn.send(None)
        with contextlib.suppress(OSError):
            self.conn.close()
        with contextlib.suppress(Exception):
            self.process.join(1)
            if self.process.is_alive():
                self.process.kill()
                self.process.join(5)
            self.process.close()

    def rss(self) -> int:
        """Resident memory in bytes (Linux ``/proc``; 0 elsewhere)."""
        try:
            with open(f"/proc/{self.process.pid}/statm") as fh:
                return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            return 0


class ValidationPool:
    """``workers`` processes running ``target``; see the module's docstring."""

    def __init__(
        self,
        target: Callable[..., Any],
        *,
        workers: int = 2,
        queue: int = 8,
        timeout: float = 15.0,
        max_tasks: int = 1000,
        retry_after: int = 1,
        preload: Sequence[str] = (),
        memory_limit: int | None = 2 * 1024**3,
    ) -> None:
        if workers < 1 or queue < 0:
            raise ValueError("workers must be >= 1 and queue >= 0")
        self.target = target
        self.workers = workers
        self.capacity = workers + queue
        self.timeout = timeout
        self.max_tasks = max_tasks
        self.retry_after = retry_after
        self.memory_limit = memory_limit
        method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else None
        self._ctx: Any = multiprocessing.get_context(method or "spawn")
        if method == "forkserver" and preload:
            self._ctx.set_forkserver_preload(list(preload))
        self._idle: list[_Worker] = []
        self._all: set[_Worker] = set()
        self._waiters: list[asyncio.Future[_Worker]] = []
        self._admitted = 0
        self._starting = 0  # workers being started (in a thread): count them against the cap
        self._closed = False
        self.stats = PoolStats()

    # ------------------------------------------------------------------ workers

    def _spawn(self) -> _Worker:
        """A new worker process (callable from a thread: no bookkeeping here)."""
        return _Worker(self._ctx, self.target, self.memory_limit)

    async def _start_one(self) -> _Worker:
        """Start a worker in a thread (the first start boots the fork server: seconds).

        ``_starting`` and ``_all`` change together, on the event loop, so a concurrent caller
        never sees the new worker counted twice or not at all. A caller cancelled meanwhile
        does not leak the worker: it joins the pool when it is ready.
        """
        self._starting += 1
        spawn = asyncio.ensure_future(asyncio.to_thread(self._spawn))

        def counted(future: asyncio.Future[_Worker]) -> None:
            self._starting -= 1
            if not future.cancelled() and future.exception() is None:
                self._all.add(future.result())

        spawn.add_done_callback(counted)
        try:
            return await asyncio.shield(spawn)
        except asyncio.CancelledError:
            spawn.add_done_callback(self._adopt)
            raise

    def _adopt(self, future: asyncio.Future[_Worker]) -> None:
        if not future.cancelled() and future.exception() is None:
            self._release(future.result())

    def _retire(self, worker: _Worker, *, kill: bool) -> None:
        self._all.discard(worker)
        if kill:
            worker.kill()
        else:
            worker.stop()

    async def _acquire(self) -> _Worker:
        if self._idle:
            return self._idle.pop()
        if len(self._all) + self._starting < self.workers:
            return await self._start_one()
        future: asyncio.Future[_Worker] = asyncio.get_running_loop().create_future()
        self._waiters.append(future)
        try:
            return await future
        except BaseException:
            if future.done() and not future.cancelled():
                self._release(future.result())  # handed over as we were cancelled
            else:
                with contextlib.suppress(ValueError):
                    self._waiters.remove(future)
            raise

    def _release(self, worker: _Worker | None) -> None:
        """Give a worker (or a fresh one replacing a killed worker) to the next waiter."""
        if worker is not None and worker.tasks >= self.max_tasks:
            self._retire(worker, kill=False)
            self.stats.restarts += 1
            worker = None
        if self._closed:
            if worker is not None:
                self._retire(worker, kill=False)
            return
        while self._waiters:
            waiter = self._waiters.pop(0)
            if waiter.done():
                continue
            if worker is None:
                try:
                    worker = self._spawn()
                    self._all.add(worker)
                except Exception as exc:  # pragma: no cover - fork failure
                    waiter.set_exception(WorkerFailed(f"cannot start a worker: {exc}"))
                    return
            loop = waiter.get_loop()
            if loop is asyncio.get_running_loop():
                waiter.set_result(worker)
            else:  # pragma: no cover - a waiter from another loop
                loop.call_soon_threadsafe(waiter.set_result, worker)
            return
        if worker is not None:
            self._idle.append(worker)

    # ------------------------------------------------------------------ tasks

    async def run(self, *args: Any) -> Any:
        """``target(*args)`` in a worker; raises Saturated, TaskTimeout or WorkerFailed."""
        if self._closed:
            raise WorkerFailed("the validation pool is shut down")
        if self._admitted >= self.capacity:
            self.stats.rejected += 1
            raise Saturated(self.retry_after)
        self._admitted += 1
        try:
            worker = await self._acquire()
            started = time.monotonic()
            replacement: _Worker | None = worker
            try:
                answer = await self._call(worker, args)
            except BaseException:
                self._retire(worker, kill=True)
                replacement = None  # _release starts a fresh worker if someone waits
                raise
            finally:
                self._release(replacement)
            self.stats.seconds.append(time.monotonic() - started)
            del self.stats.seconds[:-1000]
            status, value = answer
            if status != "ok":
                self.stats.failures += 1
                raise WorkerFailed(f"validation failed unexpectedly ({value})")
            self.stats.done += 1
            return value
        finally:
            self._admitted -= 1

    async def _call(self, worker: _Worker, args: tuple[Any, ...]) -> tuple[str, Any]:
        loop = asyncio.get_running_loop()
        try:
            worker.conn.send(args)
        except (OSError, ValueError) as exc:
            self.stats.failures += 1
            raise WorkerFailed(f"the worker is gone ({type(exc).__name__})") from None
        worker.tasks += 1
        ready: asyncio.Future[None] = loop.create_future()
        fd = worker.conn.fileno()

        def readable() -> None:
            if not ready.done():
                ready.set_result(None)

        loop.add_reader(fd, readable)
        try:
            await asyncio.wait_for(ready, self.timeout)
        except TimeoutError:
            self.stats.timeouts += 1
            raise TaskTimeout(self.timeout) from None
        finally:
            loop.remove_reader(fd)
        try:
            answer = worker.conn.recv()
        except (EOFError, OSError):
            self.stats.failures += 1
            code = worker.process.exitcode
            raise WorkerFailed(f"the worker stopped (exit code {code})") from None
        assert isinstance(answer, tuple)
        return answer

    # ------------------------------------------------------------------ life cycle

    async def start(self) -> None:
        """Start every worker now (else they start on first use)."""
        while not self._closed and len(self._all) + self._starting < self.workers:
            self._release(await self._start_one())

    def close(self) -> None:
        self._closed = True
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_exception(WorkerFailed("the validation pool is shut down"))
        self._waiters.clear()
        for worker in list(self._all):
            self._retire(worker, kill=worker not in self._idle)
        self._idle.clear()

    def rss(self) -> int:
        """Resident memory of the workers, in bytes."""
        return sum(w.rss() for w in list(self._all))

    @property
    def size(self) -> int:
        """Worker processes alive now (never more than ``workers``)."""
        return len(self._all)

    @property
    def busy(self) -> int:
        return self._admitted
