"""Untrusted queries run in a killable child process: crashes, runaways and memory bombs stay there.

Issue #11, items 1, 2 and 6. pyoxigraph aborts the whole process on some inputs (its
ORDER BY panics on ``xsd:dateTime`` values with and without a timezone mixed with durations
or NaN, and a Rust panic in it is an abort), rdflib's regular expressions backtrack in C
code holding the GIL so no thread can stop them, and a query can ask for any amount of
memory. None of this can be contained in a thread. So a query whose text or data comes
from outside is evaluated in a :class:`Sandbox`: a child process forked from the engine's
process, which

* holds a copy-on-write view of the engine's data (forked after it was loaded; an on-disk
  store is reopened read-only in the child);
* cannot open an IPv4 or IPv6 socket (:func:`drugpolicy_kg.confine.block_network`), so even
  a ``SERVICE`` the SPARQL check missed cannot reach the network;
* has its address space capped (``RLIMIT_AS``, :data:`DEFAULT_MEMORY` above the engine's
  own size, ``$DRUGPOLICY_KG_QUERY_MEMORY`` in MB to change it);
* dies with its parent (``PR_SET_PDEATHSIG``);
* stays alive between queries, so that repeated queries pay a pipe round trip, not a fork.

A query that crashes the child, runs out of memory or out of time gets an
:class:`~drugpolicy_kg.errors.EngineError` (exit 2): "the query engine failed on this query",
with the engine's own reason when it printed one. The child is killed and the next query
forks a fresh one; the calling process is untouched.
"""

from __future__ import annotations

import contextlib
import faulthandler
import multiprocessing
import os
import queue
import re
import signal
import tempfile
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import IO, Any, NoReturn

from ..errors import EngineCrash, EngineError

__all__ = ["DEFAULT_CHILDREN", "DEFAULT_MEMORY", "Sandbox", "memory_budget"]

#: Memory a sandboxed query may allocate beyond the engine's own size, in bytes.
DEFAULT_MEMORY = 2 * 1024**3


def memory_budget() -> int:
    """``$DRUGPOLICY_KG_QUERY_MEMORY`` (MB) or :data:`DEFAULT_MEMORY`; 0 means no cap."""
    raw = os.environ.get("DRUGPOLICY_KG_QUERY_MEMORY", "").strip()
    if raw:
        with contextlib.suppress(ValueError):
            return max(0, int(float(raw) * 1024 * 1024))
    return DEFAULT_MEMORY


_PANIC = re.compile(r"panicked at [^\n]*\n([^\n]+)")
_ALLOC = re.compile(r"memory allocation of (\d+) bytes failed")


#: Children per sandbox: concurrent callers (a web server's threads) each get one, up to
#: this many; others wait for a free one.
DEFAULT_CHILDREN = 2


class Sandbox:
    """Long-lived child processes that answer requests with ``handler(request)``.

    Thread-safe: each call borrows one child (:class:`_Child`), started on first need, at
    most ``size`` of them. :meth:`close` stops them all (after a data change).
    """

    def __init__(
        self,
        make_handler: Callable[[], Callable[[Any], Any]],
        *,
        memory: int | None = None,
        size: int = DEFAULT_CHILDREN,
    ) -> None:
        self.make_handler = make_handler
        self.memory = memory_budget() if memory is None else memory
        self.size = max(1, size)
        self._cond = threading.Condition()
        self._idle: list[_Child] = []
        self._count = 0
        self._generation = 0

    def call(self, request: Any, *, timeout: float | None, what: str, network: bool = False) -> Any:
        """``handler(request)`` in a child, within ``timeout`` seconds (see :meth:`_Child.call`)."""
        with self._cond:
            while not self._idle and self._count >= self.size:
                self._cond.wait()
            if self._idle:
                child = self._idle.pop()
            else:
                child = _Child(self.make_handler, memory=self.memory)
                self._count += 1
            generation = self._generation
        try:
            return child.call(request, timeout=timeout, what=what, network=network)
        finally:
            with self._cond:
                if generation == self._generation:
                    self._idle.append(child)
                else:  # closed meanwhile: this child holds old data
                    child.close()
                    self._count -= 1
                self._cond.notify()

    def close(self) -> None:
        """Stop every idle child now, and every busy one when its call returns."""
        with self._cond:
            self._generation += 1
            idle, self._idle = self._idle, []
            self._count -= len(idle)
            self._cond.notify_all()
        for child in idle:
            child.close()

    @property
    def pids(self) -> list[int]:
        """Process ids of the idle children (for tests)."""
        with self._cond:
            return [c.pid for c in self._idle if c.pid is not None and c.process is not None]


class _Child:
    """One long-lived child process that answers requests with ``handler(request)``.

    ``make_handler`` runs in the child, once, right after the fork and confinement; it
    returns the function that answers each request (a query, for an engine). Requests and
    answers travel pickled through a pipe. Exceptions raised by the handler come back with
    their type and attributes (:func:`drugpolicy_kg.limits.pack_exception`).
    """

    def __init__(
        self, make_handler: Callable[[], Callable[[Any], Any]], *, memory: int | None = None
    ) -> None:
        self.make_handler = make_handler
        self.memory = memory_budget() if memory is None else memory
        self.process: Any = None
        self.conn: Connection | None = None
        self.stderr: IO[bytes] | None = None
        self.pid: int | None = None
        self.network = False

    # --- lifecycle ------------------------------------------------------------------------

    def _start(self, network: bool) -> None:
        # PR_SET_PDEATHSIG fires when the *thread* that forked the child ends, so a child is
        # forked from the main thread or from one spawner thread that lives as long as the
        # process, never from a short-lived worker thread (a web server's thread pool).
        _in_long_lived_thread(lambda: self._fork(network))

    def _fork(self, network: bool) -> None:
        from ..limits import default_start_method

        if default_start_method() != "fork":
            raise EngineError("isolated query evaluation needs the fork start method (POSIX)")
        ctx: Any = multiprocessing.get_context("fork")
        parent_conn, child_conn = ctx.Pipe(duplex=True)
        # The child's stderr goes to a file the parent reads when the child dies: an engine's
        # panic message says why (and its backtrace never reaches the user's terminal).
        stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        process = ctx.Process(
            target=_serve,
            args=(child_conn, self.make_handler, self.memory, stderr.fileno(), network),
            daemon=True,
            name="dpkg-query-sandbox",
        )
        process.start()
        child_conn.close()
        self.process, self.conn, self.stderr, self.pid = process, parent_conn, stderr, process.pid
        self.network = network

    def close(self) -> None:
        """Stop the child (if any); the next request starts a new one."""
        process, conn, stderr = self.process, self.conn, self.stderr
        self.process = self.conn = self.stderr = None
        if conn is not None:
            with contextlib.suppress(OSError, ValueError):
                conn.send(None)
            conn.close()
        if process is not None:
            process.join(0.5)
            if process.is_alive():
                process.kill()
                process.join()
            process.close()
        if stderr is not None:
            stderr.close()

    def _kill(self) -> int | None:
        """Kill the child now; its exit code (negative: the signal that ended it)."""
        process = self.process
        code = None
        if process is not None:
            if process.is_alive():
                process.kill()
            process.join()
            code = process.exitcode
        return code

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()

    # --- requests -------------------------------------------------------------------------

    def call(self, request: Any, *, timeout: float | None, what: str, network: bool = False) -> Any:
        """``handler(request)`` in the child, within ``timeout`` seconds (None: no limit).

        ``network`` lets the child open sockets (``--allow-remote``); a child started with
        the other setting is replaced first.
        """
        from ..limits import rebuild_exception

        if self.process is None or not self.process.is_alive() or self.network != network:
            self.close()
            self._start(network)
        conn = self.conn
        assert conn is not None
        try:
            conn.send(request)
        except (OSError, ValueError):  # the child died since the last query
            self._failed(what, None)
        if not conn.poll(timeout if timeout and timeout > 0 else None):
            self._kill()
            self.close()
            raise EngineError(f"{what}: the query did not finish within {timeout:g} s (--timeout)")
        try:
            status, payload = conn.recv()
        except (EOFError, OSError):
            self._failed(what, self._kill())
        if status == "ok":
            return payload
        exc = rebuild_exception(payload, what)
        if isinstance(exc, MemoryError):
            self.close()
            raise EngineCrash(
                f"{what}: the query engine failed on this query: it needed more than "
                f"{self.memory / 1024**2:,.0f} MB of memory (DRUGPOLICY_KG_QUERY_MEMORY)"
            )
        raise exc

    def _failed(self, what: str, code: int | None) -> NoReturn:
        """Report the death of the child (after a crash) and forget it."""
        reason = self._reason(code)
        self.close()
        raise EngineCrash(f"{what}: the query engine failed on this query ({reason})")

    def _reason(self, code: int | None) -> str:
        text = ""
        if self.stderr is not None:
            with contextlib.suppress(OSError):
                size = os.fstat(self.stderr.fileno()).st_size
                text = os.pread(self.stderr.fileno(), 8192, max(0, size - 8192)).decode(
                    "utf-8", "replace"
                )
        alloc = _ALLOC.search(text)
        if alloc:
            return (
                f"it needed more than the {self.memory / 1024**2:,.0f} MB of memory allowed "
                "(DRUGPOLICY_KG_QUERY_MEMORY)"
            )
        panic = _PANIC.search(text)
        if panic:
            return f"the engine crashed: {panic.group(1).strip()[:300]}"
        if code is not None and code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            return f"the engine process was stopped by {name}"
        return f"the engine process exited with code {code}"


_SPAWNER: list[queue.SimpleQueue[Any]] = []
_SPAWNER_LOCK = threading.Lock()


def _in_long_lived_thread(fn: Callable[[], None]) -> None:
    """Run ``fn`` in the main thread (if called there) or in the spawner thread."""
    if threading.current_thread() is threading.main_thread():
        fn()
        return
    with _SPAWNER_LOCK:
        if not _SPAWNER:
            jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()

            def loop() -> None:
                while True:
                    job, box, done = jobs.get()
                    try:
                        job()
                    except BaseException as exc:
                        box.append(exc)
                    done.set()

            threading.Thread(target=loop, name="dpkg-sandbox-spawner", daemon=True).start()
            _SPAWNER.append(jobs)
    box: list[BaseException] = []
    done = threading.Event()
    _SPAWNER[0].put((fn, box, done))
    done.wait()
    if box:
        raise box[0]


def _serve(
    conn: Connection,
    make_handler: Callable[[], Callable[[Any], Any]],
    memory: int,
    stderr_fd: int,
    network: bool,
) -> None:
    """The child: confine itself, then answer requests until the pipe closes."""
    from .. import confine
    from ..limits import pack_exception

    try:
        # The parent's handlers (a server's graceful SIGTERM, a CLI's sys.exit) are not the
        # child's: terminate() at the parent's exit must end it at once.
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
        confine.die_with_parent()
        os.dup2(stderr_fd, 2)
        faulthandler.disable()  # an abort is reported by the parent, once, in words
        os.environ["RUST_BACKTRACE"] = "0"
        if not network:
            confine.block_network()
        if memory > 0:
            confine.limit_memory(memory)
        handler = make_handler()
        while True:
            try:
                request = conn.recv()
            except (EOFError, OSError):
                break
            if request is None:
                break
            try:
                message: tuple[str, Any] = ("ok", handler(request))
            except BaseException as exc:
                message = ("error", pack_exception(exc))
            try:
                conn.send(message)
            except Exception as exc:  # the answer could not be pickled
                error = EngineError(f"the query's result could not be sent back: {exc}")
                conn.send(("error", pack_exception(error)))
    finally:
        with contextlib.suppress(OSError):
            conn.close()
        os._exit(0)  # skip the parent's atexit handlers and buffers inherited by fork
