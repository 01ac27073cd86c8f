"""The SPARQL 1.1 Protocol endpoint of ``serve`` (``/query``): pyoxigraph in-process, read-only.

The KG and any action plans are loaded into an in-memory pyoxigraph store at start-up
(:func:`~drugpolicy_kg.engines.open_engine`, the same loading and checks as ``query``).
Requests are GET ``?query=``, POST ``application/x-www-form-urlencoded`` (``query=``) or POST
``application/sparql-query``. Every query first passes
:func:`~drugpolicy_kg.sparql_safety.check_local` (no SERVICE, no update, no outside FROM),
then runs under a time limit on the engine's worker thread; its results are serialised there
too, inside the limit (pyoxigraph evaluates lazily). Updates are refused: the store is never
written after loading, and ``update=`` or ``application/sparql-update`` get 400/415.

Result formats by Accept: SPARQL JSON (default), XML, CSV and TSV for SELECT and ASK;
Turtle (default), N-Triples, RDF/XML and JSON-LD for CONSTRUCT and DESCRIBE.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import EngineError, InputError
from ..limits import CappedWriter
from ..sparql_safety import check_local
from ..vocab import DPK

if TYPE_CHECKING:
    from ..engines.base import QueryEngine

#: Longest query text accepted (characters).
MAX_QUERY = 100_000
#: Largest serialised result (bytes); a bigger one is refused with advice to add a LIMIT.
MAX_RESULT = 50_000_000
#: Queries abandoned at their time limit that are still running (pyoxigraph cannot interrupt
#: a query, so it runs on to its end in the background): while this many are, new requests get
#: 503, so that runaway queries cannot pile up and starve the machine.
MAX_ABANDONED = 2

_RESULTS = {
    "application/sparql-results+json": "JSON",
    "application/json": "JSON",
    "application/sparql-results+xml": "XML",
    "application/xml": "XML",
    "text/csv": "CSV",
    "text/tab-separated-values": "TSV",
}
_GRAPHS = {
    "text/turtle": "TURTLE",
    "application/n-triples": "N_TRIPLES",
    "application/rdf+xml": "RDF_XML",
    "application/ld+json": "JSON_LD",
}
_MEDIA_OF_RESULTS = {
    "JSON": "application/sparql-results+json",
    "XML": "application/sparql-results+xml",
    "CSV": "text/csv; charset=utf-8",
    "TSV": "text/tab-separated-values; charset=utf-8",
}
_MEDIA_OF_GRAPHS = {
    "TURTLE": "text/turtle; charset=utf-8",
    "N_TRIPLES": "application/n-triples",
    "RDF_XML": "application/rdf+xml",
    "JSON_LD": "application/ld+json",
}


class NotAcceptableResults(InputError):
    """The Accept header names no format the query's results can be written in (406)."""


@dataclass
class Answer:
    body: bytes
    media_type: str


def _pick(accept: str | None, table: Mapping[str, str], default: str) -> str:
    """The format the client prefers among ``table`` (q values honoured; */* gives default)."""
    if not accept or not accept.strip():
        return default
    best: tuple[float, int] | None = None
    choice: str | None = None
    for i, part in enumerate(accept.split(",")[:64]):
        bits = [b.strip() for b in part.split(";")]
        media = bits[0].lower()
        q = 1.0
        for b in bits[1:]:
            k, _, v = b.partition("=")
            if k.strip() == "q":
                try:
                    q = float(v)
                except ValueError:
                    q = 0.0
        if q <= 0:
            continue
        fmt = table.get(media)
        if fmt is None and media in ("*/*", "application/*", "text/*"):
            fmt = default
        if fmt is not None and (best is None or (q, -i) > best):
            best, choice = (q, -i), fmt
    if choice is None:
        raise NotAcceptableResults(
            "none of the media types in Accept can carry these results; use one of "
            + ", ".join(table)
        )
    return choice


def _pick_or_none(accept: str | None, table: Mapping[str, str], default: str) -> str | None:
    try:
        return _pick(accept, table, default)
    except NotAcceptableResults:
        return None


class Endpoint:
    """Answers SPARQL Protocol requests over an engine's pyoxigraph store."""

    def __init__(self, engine: QueryEngine, timeout: float) -> None:
        store = getattr(engine, "store", None)
        if store is None:
            raise EngineError(f"the {engine.name} engine has no pyoxigraph store to serve")
        import threading

        self.engine = engine
        self.store = store
        self.timeout = timeout
        self._lock = threading.Lock()
        self.abandoned = 0

    def _answer_sandboxed(self, text: str, accept: str | None) -> Answer:
        """A query from outside, evaluated and written in the engine's sandbox child: an
        engine crash, a memory bomb or a runaway costs that child, never the server
        (issue 11); the time limit kills the child instead of abandoning a thread."""
        from ..engines.isolated import oxigraph_serialised

        answer = oxigraph_serialised(
            self.engine,  # type: ignore[arg-type]
            text,
            results_format=_pick_or_none(accept, _RESULTS, "JSON"),
            graph_format=_pick_or_none(accept, _GRAPHS, "TURTLE"),
            cap=MAX_RESULT,
            timeout=self.timeout,
            source="query",
        )
        if answer[0] == "UNACCEPTABLE":
            _pick(accept, _RESULTS if answer[1] == "results" else _GRAPHS, "")  # raises 406
        _, kind, fmt, body = answer
        media = (_MEDIA_OF_RESULTS if kind == "results" else _MEDIA_OF_GRAPHS)[fmt]
        return Answer(body, media)

    def answer(self, text: str, accept: str | None) -> Answer:
        import pyoxigraph as ox

        if len(text) > MAX_QUERY:
            raise InputError(f"the query is longer than {MAX_QUERY} characters")
        if not text.strip():
            raise InputError("no query: send ?query=... or a POST body")
        check_local(text, source="query", local_prefix=str(DPK))
        if self.engine.isolated(text):
            return self._answer_sandboxed(text, accept)
        store = self.store

        def run() -> Answer:
            # pyoxigraph results must be dropped on the thread that made them: ``res`` is
            # cleared here even when an error (kept with its traceback) goes to the caller.
            res: Any = None
            try:
                res = store.query(text)
                if isinstance(res, (ox.QuerySolutions, ox.QueryBoolean)):
                    fmt = _pick(accept, _RESULTS, "JSON")
                    out: Any = CappedWriter(MAX_RESULT)  # pyoxigraph writes to any .write()
                    res.serialize(out, format=getattr(ox.QueryResultsFormat, fmt))
                    return Answer(out.getvalue(), _MEDIA_OF_RESULTS[fmt])
                fmt = _pick(accept, _GRAPHS, "TURTLE")
                out = CappedWriter(MAX_RESULT)
                res.serialize(out, format=getattr(ox.RdfFormat, fmt))
                return Answer(out.getvalue(), _MEDIA_OF_GRAPHS[fmt])
            except SyntaxError as exc:
                raise InputError(f"SPARQL syntax error: {exc}", "query") from None
            except (RuntimeError, ValueError, OSError) as exc:
                raise InputError(f"the query failed: {exc}", "query") from None
            finally:
                res = None

        state = {"done": False, "abandoned": False}

        def counted() -> Answer:
            try:
                return run()
            finally:
                with self._lock:
                    state["done"] = True
                    if state["abandoned"]:
                        self.abandoned -= 1

        with self._lock:
            if self.abandoned >= MAX_ABANDONED:
                raise EngineError(
                    f"{self.abandoned} earlier queries ran past the time limit and are still "
                    "running; try again in a moment"
                )
        try:
            # The engine's own policy: a query text it has seen finish well within the limit
            # runs in this thread; a new or slow one on the worker, under the time limit.
            return self.engine.run_limited((text, accept), counted, self.timeout, what="query")
        except EngineError:
            with self._lock:
                if not state["done"]:
                    state["abandoned"] = True
                    self.abandoned += 1
            raise
