"""A real SPARQL server over the KG: the Oxigraph server, read-only, on loopback by default.

The ``oxigraph`` PyPI package ships the Rust server binary (``oxigraph serve-read-only``),
which answers SPARQL 1.1 Protocol requests at ``/query`` and shows YASGUI at ``/``. This
module loads the KG and any action plans into an on-disk store with the same binary
(``oxigraph load``, so the store format always matches the server) and starts, waits for and
stops the server process. The integration test uses it exactly as ``drugpolicy-kg serve`` does.
"""

from __future__ import annotations

import re
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
from typing import Any

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


def stop_process(process: subprocess.Popen[Any], timeout: float) -> None:
    """Stop a child process: SIGTERM, up to ``timeout`` seconds to exit, then SIGKILL."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


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
            stop_process(self.process, 10)
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


def publish(
    store_url: str,
    plans: Sequence[str] = (),
    *,
    graph: str | None = None,
    append: bool = False,
    verify: bool = True,
    timeout: float = 120.0,
) -> int:
    """Load the KG and ``plans`` into a SPARQL 1.1 Graph Store; returns the triples stored.

    By default the graph (``graph``, else the store's default graph) is *replaced* with one
    HTTP ``PUT`` of everything, so that publishing twice leaves the same store (blank nodes
    included). ``append`` sends a ``POST`` instead, which adds to what is there. No redirect
    is followed: a write that meets one fails with the address to use, instead of being
    re-sent as a ``GET`` that stores nothing. With ``verify`` (the default), the graph is read
    back (``GET``, N-Triples) and its triples counted: after a replace it must hold exactly
    the triples sent, after an append at least as many; anything else is an
    :class:`~drugpolicy_kg.errors.EngineError`, never a success.
    """
    from .engines import kg_ntriples
    from .engines.base import load_plan_graphs

    parts = [kg_ntriples()]
    for g in load_plan_graphs(plans):
        parts.append(g.serialize(format="nt", encoding="utf-8"))
    data = b"\n".join(p.rstrip(b"\n") for p in parts) + b"\n"
    expected = len(
        {line for line in data.splitlines() if line.strip() and not line.startswith(b"#")}
    )
    graph_store_write(
        store_url, data, graph=graph, method="POST" if append else "PUT", timeout=timeout
    )
    if not verify:
        return expected
    # Enough to tell "exactly the triples sent" (a replace) or "at least" (an append).
    limit = expected if append else expected + 1
    stored = graph_store_count(store_url, graph=graph, timeout=timeout, limit=limit)
    if stored > expected and not append:
        raise EngineError(
            f"{store_url}: after the PUT of {expected} triples the "
            f"{'graph ' + graph if graph else 'default graph'} holds more: "
            + (
                "its default graph may be the union of all its graphs; publish to a named "
                "graph (--graph IRI), or skip the check (--no-verify)"
                if not graph
                else "the store did not replace the graph"
            )
        )
    if stored < expected:
        raise EngineError(
            f"{store_url}: the store holds {stored} triples in the "
            f"{'graph ' + graph if graph else 'default graph'} after the "
            f"{'POST' if append else 'PUT'} of {expected}; the publication did not take "
            "(is this the Graph Store Protocol URL, and may this client write to it?)"
        )
    return stored


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Refuse every redirect: urllib would re-send a PUT or POST as a GET (data dropped)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _store_url(store_url: str, graph: str | None) -> str:
    import urllib.parse

    if not re.match(r"^https?://[^\s/?#]+", store_url):
        raise EngineError(f"{store_url!r} is not an http(s) Graph Store URL")
    query = urllib.parse.urlencode({"graph": graph}) if graph else "default"
    return store_url + ("&" if "?" in store_url else "?") + query


def _open(req: urllib.request.Request, timeout: float) -> Any:
    from .engines.remote import USER_AGENT

    req.add_header("User-Agent", USER_AGENT)
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        return opener.open(req, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if 300 <= exc.code < 400:
            target = exc.headers.get("Location", "?")
            raise EngineError(
                f"{req.full_url}: the Graph Store answered HTTP {exc.code}, a redirect to "
                f"{target}; writes follow no redirect: publish to the final address"
            ) from exc
        body = exc.read(300).decode("utf-8", "replace")
        raise EngineError(f"{req.full_url}: HTTP {exc.code}: {_visible(body)}") from exc
    except (OSError, ValueError) as exc:  # URLError, timeouts, refused, malformed URLs
        raise EngineError(f"{req.full_url}: cannot reach the Graph Store: {exc}") from exc


def _visible(text: str) -> str:
    """A server's text with control characters shown, never interpreted by the terminal."""
    return re.sub(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", lambda m: f"\\x{ord(m[0]):02x}", text)


def graph_store_write(
    store_url: str,
    data: bytes,
    *,
    graph: str | None = None,
    method: str = "PUT",
    timeout: float = 120.0,
) -> None:
    """``PUT`` (replace) or ``POST`` (add) N-Triples ``data`` to a Graph Store graph."""
    if method not in ("PUT", "POST"):
        raise ValueError(method)
    req = urllib.request.Request(
        _store_url(store_url, graph),
        data=data,
        method=method,
        headers={"Content-Type": "application/n-triples"},
    )
    with _open(req, timeout) as resp:
        if not 200 <= resp.status < 300:
            raise EngineError(f"{store_url}: the Graph Store answered HTTP {resp.status}")


def graph_store_count(
    store_url: str, *, graph: str | None = None, timeout: float = 120.0, limit: int | None = None
) -> int:
    """The number of triples in a Graph Store graph, read back as N-Triples (streamed, and
    read no further than ``limit`` triples when given: a server cannot make it read forever)."""
    req = urllib.request.Request(
        _store_url(store_url, graph), method="GET", headers={"Accept": "application/n-triples"}
    )
    n = 0
    with _open(req, timeout) as resp:
        kind = resp.headers.get("Content-Type", "")
        if "n-triples" not in kind and "text/plain" not in kind:
            raise EngineError(
                f"{store_url}: cannot verify the publication: the Graph Store sent {kind!r}, "
                "not N-Triples (use --no-verify to skip the check)"
            )
        for line in resp:
            stripped = line.strip()
            if stripped and not stripped.startswith(b"#"):
                n += 1
                if limit is not None and n >= limit:
                    break
    return n
