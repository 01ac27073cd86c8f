"""A real SPARQL server over the KG: the Oxigraph server, read-only, on loopback by default.

The ``oxigraph`` PyPI package ships the Rust server binary (``oxigraph serve-read-only``),
which answers SPARQL 1.1 Protocol requests at ``/query`` and shows YASGUI at ``/``. This
module loads the KG and any action plans into an on-disk store with the same binary
(``oxigraph load``, so the store format always matches the server) and starts, waits for and
stops the server process. The integration test uses it exactly as ``drugpolicy-kg serve`` does.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from .errors import EngineError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7878


def oxigraph_binary() -> str:
    """The path of the ``oxigraph`` server executable (from the ``oxigraph`` package)."""
    beside = Path(sys.executable).parent / "oxigraph"
    found = shutil.which("oxigraph") or (str(beside) if beside.is_file() else None)
    if not found:
        raise EngineError(
            "the Oxigraph server is not installed: pip install 'drugpolicy-kg[server]' "
            "(the oxigraph package ships it)"
        )
    return found


def load_store(location: str | Path, plans: Sequence[str] = (), *, use_cache: bool = True) -> int:
    """Write the KG and ``plans`` into an Oxigraph store at ``location``; returns the files loaded."""
    from .engines import kg_ntriples
    from .engines.base import load_plan_graphs

    graphs = load_plan_graphs(plans)  # reject bad plans before starting anything
    binary = oxigraph_binary()
    with tempfile.TemporaryDirectory(prefix="drugpolicy-kg-load-") as tmp:
        files = [Path(tmp) / "kg.nt"]
        files[0].write_bytes(kg_ntriples(use_cache=use_cache))
        for i, g in enumerate(graphs):
            f = Path(tmp) / f"plan-{i}.nt"
            g.serialize(f, format="nt", encoding="utf-8")
            files.append(f)
        for f in files:
            proc = subprocess.run(
                [binary, "load", "--location", str(location), "--file", str(f)],
                capture_output=True,
                text=True,
                check=False,
            )
            if proc.returncode != 0:
                raise EngineError(f"oxigraph load failed: {proc.stderr.strip()[-500:]}")
    return len(files)


class OxigraphServer:
    """A read-only Oxigraph server process over a loaded store (a context manager)."""

    def __init__(
        self,
        location: str | Path,
        *,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        timeout_s: float = 30.0,
        cors: bool = False,
    ) -> None:
        self.location = Path(location)
        self.host = host
        self.port = port
        self.timeout_s = timeout_s
        self.cors = cors
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def query_url(self) -> str:
        return f"{self.url}/query"

    def command(self) -> list[str]:
        cmd = [
            oxigraph_binary(),
            "serve-read-only",
            "--location",
            str(self.location),
            "--bind",
            f"{self.host}:{self.port}",
            "--timeout-s",
            str(max(1, round(self.timeout_s))),
        ]
        if self.cors:
            cmd.append("--cors")
        return cmd

    def start(self, *, wait: float = 20.0) -> OxigraphServer:
        """Start the server and wait until it answers a query."""
        from .confine import die_with_parent

        self.process = subprocess.Popen(  # dies with us, even after a SIGKILL (PDEATHSIG)
            self.command(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            preexec_fn=die_with_parent,  # two syscalls: safe even with threads
        )
        try:
            return self._wait_ready(wait)
        except BaseException:  # a signal or timeout while starting must not orphan the server
            self.stop()
            raise

    def _wait_ready(self, wait: float) -> OxigraphServer:
        assert self.process is not None
        deadline = time.monotonic() + wait
        probe = self.query_url + "?query=ASK%7B%7D"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = (
                    self.process.stderr.read().decode("utf-8", "replace")
                    if self.process.stderr
                    else ""
                )
                raise EngineError(f"the Oxigraph server exited: {err.strip()[-500:]}")
            try:
                with urllib.request.urlopen(probe, timeout=1) as resp:
                    if resp.status == 200:
                        return self
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        raise EngineError(f"the Oxigraph server did not answer at {self.url} within {wait:g} s")

    def wait(self) -> int:
        """Block until the server exits (``serve`` in the foreground)."""
        assert self.process is not None
        return self.process.wait()

    def supervise(self, *, max_crashes: int = 5, window: float = 60.0) -> int:
        """Block like :meth:`wait`, restarting the server each time a query crashes it.

        Issue #11, item 1: one query (an ORDER BY over mixed dateTimes) aborts the Oxigraph
        server; ``serve`` exited 0 without a word. A server ended by a signal is restarted
        over the same read-only store, with a warning; more than ``max_crashes`` crashes
        within ``window`` seconds is an EngineError. A normal exit is returned.
        """
        import logging

        crashes: list[float] = []
        while True:
            code = self.wait()
            if code >= 0 and code != 134:  # 134: an abort reported by a shell wrapper
                return code
            now = time.monotonic()
            crashes = [t for t in crashes if now - t < window] + [now]
            if len(crashes) > max_crashes:
                raise EngineError(
                    f"the Oxigraph server crashed {len(crashes)} times within {window:g} s; stopped"
                )
            detail = ""
            if self.process is not None and self.process.stderr:
                tail = self.process.stderr.read().decode("utf-8", "replace").strip()
                lines = [ln for ln in tail.splitlines() if "panicked" in ln or "order" in ln]
                detail = f": {' '.join(lines)[:300]}" if lines else ""
                self.process.stderr.close()
            logging.getLogger(__name__).warning(
                "the Oxigraph server crashed on a query (exit %s%s); restarting", code, detail
            )
            self.start()

    def stop(self) -> None:
        """Stop the server process this object started."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process is not None and self.process.stderr:
            self.process.stderr.close()

    def __enter__(self) -> OxigraphServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def publish(store_url: str, plans: Sequence[str] = (), *, graph: str | None = None) -> int:
    """POST the KG and ``plans`` to a SPARQL 1.1 Graph Store; returns the triples sent."""
    from .engines.base import load_plan_graphs
    from .engines.remote import RemoteEngine
    from .kg import cached_kg

    remote = RemoteEngine(store_url=store_url)
    graphs = [cached_kg(), *load_plan_graphs(plans)]
    for g in graphs:
        remote.add_graph(g, named_graph=graph)
    return sum(len(g) for g in graphs)
