"""The one interface every SPARQL engine implements (oaklib-style backends).

Code that runs queries holds a :class:`QueryEngine` and never asks which engine it has:
rdflib (the reference), pyoxigraph (the fast embedded default) or a remote endpoint. A
method an engine lacks raises ``NotImplementedError`` naming the engine.

Results come back as one engine-neutral :class:`QueryResult`: ``rows`` of rdflib terms, so
golden-file tests and the cross-engine equality test compare like with like, and ``terms``,
the same rows as lightweight :class:`Term` tuples that the output writers use (cheap to build
from pyoxigraph terms, with no rdflib term in between).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, TypeVar

from ..errors import EngineError

if TYPE_CHECKING:
    from rdflib import Graph
    from rdflib.term import Identifier

#: Default time limit of one query, in seconds (``--timeout``).
DEFAULT_TIMEOUT = 30.0

T = TypeVar("T")

#: A query runs in the calling thread, without the worker hand-off, only once a run over the
#: same data took at most 1/INLINE_MARGIN of its time limit (0.3 s of the default 30 s).
INLINE_MARGIN = 100.0


#: The datatype IRI of plain literals, left out of :attr:`Term.datatype`.
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


class Term(NamedTuple):
    """One RDF term of a result row, engine-neutral and cheap to build.

    ``kind`` is ``"iri"``, ``"bnode"`` or ``"literal"``; ``value`` is the IRI, the blank node
    label or the literal's lexical form exactly as rdflib writes it (``str()`` of the rdflib
    term, so output is the same whichever engine ran the query); ``datatype`` is ``None`` for
    plain (``xsd:string``) and language-tagged literals; ``language`` is the language tag.
    """

    kind: str
    value: str
    datatype: str | None = None
    language: str | None = None


#: A row of terms; ``None`` for an unbound variable.
TermRow = tuple[Term | None, ...]

_new_term = tuple.__new__


def term_of(term: Identifier | None) -> Term | None:
    """An rdflib term as a :class:`Term` (``None`` stays ``None``)."""
    from rdflib import BNode, Literal, URIRef

    if term is None:
        return None
    if isinstance(term, URIRef):
        return _new_term(Term, ("iri", str(term), None, None))
    if isinstance(term, BNode):
        return _new_term(Term, ("bnode", str(term), None, None))
    if isinstance(term, Literal):
        if term.language:
            return _new_term(Term, ("literal", str(term), None, term.language))
        dt = term.datatype
        datatype = None if dt is None or str(dt) == XSD_STRING else str(dt)
        return _new_term(Term, ("literal", str(term), datatype, None))
    raise TypeError(f"cannot convert {term!r} to a result term")


def terms_of_rows(rows: Sequence[tuple[Identifier | None, ...]]) -> list[TermRow]:
    """Rows of rdflib terms as rows of :class:`Term` (each distinct term converted once)."""
    memo: dict[Identifier | None, Term | None] = {None: None}

    def conv(t: Identifier | None) -> Term | None:
        try:
            return memo[t]
        except KeyError:
            out = memo[t] = term_of(t)
            return out

    return [tuple(map(conv, row)) for row in rows]


@dataclass(eq=False)
class QueryResult:
    """The answer of one query: rows for SELECT, a boolean for ASK, a graph for CONSTRUCT.

    An engine may hand its rows over unconverted (``pending`` plus converters): they become
    rdflib terms the first time :attr:`rows` is read, and :class:`Term` rows the first time
    :attr:`terms` is read, each straight from the engine's own terms. The writers read only
    :attr:`terms`, so printing a result never builds rdflib terms, and a caller that only
    counts rows, or never looks at them, pays for neither. The query itself has already run
    to completion (within its time limit) when the result is returned.
    """

    kind: str  # "SELECT", "ASK", "CONSTRUCT" or "DESCRIBE"
    vars: list[str] = field(default_factory=list)
    rows: list[tuple[Identifier | None, ...]] = field(default_factory=list)
    boolean: bool | None = None
    graph: Graph | None = None

    @classmethod
    def pending(
        cls,
        names: list[str],
        raw_rows: list[tuple[Any, ...]],
        convert: Callable[[list[tuple[Any, ...]]], list[tuple[Identifier | None, ...]]],
        convert_terms: Callable[[list[tuple[Any, ...]]], list[TermRow]] | None = None,
    ) -> QueryResult:
        """A SELECT result whose ``raw_rows`` are converted on first use: by ``convert`` to
        rdflib terms (:attr:`rows`), by ``convert_terms`` to :class:`Term` rows
        (:attr:`terms`; without it, from :attr:`rows`)."""
        result = cls("SELECT", vars=names)
        del result.__dict__["rows"]  # read through __getattr__ until converted
        result.__dict__["_pending"] = (raw_rows, convert, convert_terms)
        return result

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails: ``rows`` of a pending result.
        d = self.__dict__
        pending = d.get("_pending") if name == "rows" else None
        if pending is None:
            raise AttributeError(name)
        raw_rows, convert, convert_terms = pending
        rows = d["rows"] = convert(raw_rows)
        if convert_terms is None or "_terms" in d:
            del d["_pending"]  # the raw rows are no longer needed
        return rows

    @property
    def terms(self) -> list[TermRow]:
        """The rows as :class:`Term` tuples (what the writers read); built once."""
        d = self.__dict__
        terms: list[TermRow] | None = d.get("_terms")
        if terms is None:
            pending = d.get("_pending")
            if pending is not None and pending[2] is not None:
                terms = pending[2](pending[0])
                if "rows" in d:
                    del d["_pending"]
            else:
                terms = terms_of_rows(self.rows)
            d["_terms"] = terms
        return terms

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, QueryResult):
            return NotImplemented
        return (self.kind, self.vars, self.rows, self.boolean, self.graph) == (
            other.kind,
            other.vars,
            other.rows,
            other.boolean,
            other.graph,
        )

    __hash__ = None  # type: ignore[assignment]

    def row_set(self) -> set[tuple[Identifier | None, ...]]:
        """The rows as a set, for order-free comparison (golden files, engine equality)."""
        return set(self.rows)

    def dicts(self) -> list[dict[str, Identifier]]:
        """The rows as ``{var: term}`` with unbound variables left out."""
        return [
            {v: t for v, t in zip(self.vars, row, strict=True) if t is not None}
            for row in self.rows
        ]


class QueryEngine(ABC):
    """A SPARQL 1.1 engine over the KG and any loaded action plans."""

    #: Short name used on the command line (``--engine``) and in messages.
    name: ClassVar[str] = "engine"

    #: Where queries run (issue #11, item 1). ``None`` (the default) runs a query in a
    #: sandboxed child process (:mod:`.sandbox`) when its text is not one of the project's
    #: own query files, or once untrusted data (action plans) was added; the project's
    #: queries over the KG alone run in this process. ``True`` or ``False`` forces either.
    isolate: bool | None = None
    #: Set by the engines when data from outside (action plans) is added.
    untrusted_data: bool = False

    def isolated(self, text: str) -> bool:
        """Whether ``text`` runs in the sandbox (see :attr:`isolate`)."""
        if self.isolate is not None:
            return self.isolate
        if self.untrusted_data:
            return True
        from ..sparql_safety import is_shipped

        return not is_shipped(text)

    def sandboxed(self, request: Any, *, timeout: float | None, what: str) -> Any:
        """``request`` answered by :meth:`sandbox_handler` in the engine's sandbox child.

        The child may open sockets only inside :func:`~drugpolicy_kg.netguard.allow_network`
        (``--allow-remote``).
        """
        from .. import netguard
        from .sandbox import Sandbox

        box: Sandbox | None = self.__dict__.get("_sandbox")
        if box is None:
            box = self.__dict__["_sandbox"] = Sandbox(self.sandbox_handler)
        return box.call(request, timeout=timeout, what=what, network=netguard.explicitly_allowed())

    def sandbox_handler(self) -> Callable[[Any], Any]:
        """Runs in the sandbox child once; returns the function that answers each request."""
        raise NotImplementedError(f"the {self.name} engine cannot run queries in a sandbox")

    def close_sandbox(self) -> None:
        """Stop the sandbox child (it holds a copy of the data as it was when it started)."""
        box = self.__dict__.pop("_sandbox", None)
        if box is not None:
            box.close()

    @property
    def name_cache(self) -> dict[str, dict[str, set[str]]]:
        """Entity names per parameter type, filled by :class:`~drugpolicy_kg.catalogue.Resolver`.

        Kept on the engine so that repeated queries do not look names up again; adding data
        clears it (:meth:`data_changed`).
        """
        cache: dict[str, dict[str, set[str]]] | None = self.__dict__.get("_name_cache")
        if cache is None:
            cache = self.__dict__["_name_cache"] = {}
        return cache

    @property
    def bindings_cache(self) -> dict[Hashable, dict[str, Identifier]]:
        """Resolved parameter bindings per (query, given values), filled by
        :func:`~drugpolicy_kg.catalogue.resolve_params`; cleared by :meth:`data_changed`."""
        cache: dict[Hashable, dict[str, Identifier]] | None = self.__dict__.get("_bindings_cache")
        if cache is None:
            cache = self.__dict__["_bindings_cache"] = {}
        return cache

    def data_changed(self) -> None:
        """Forget everything derived from the data (call after adding triples)."""
        for derived in ("_name_cache", "_bindings_cache", "_known_fast"):
            self.__dict__.pop(derived, None)
        self.close_sandbox()

    def run_limited(
        self, key: Hashable, fn: Callable[[], T], seconds: float | None, *, what: str
    ) -> T:
        """:func:`run_with_timeout`, run in the calling thread when ``key`` is known to be fast.

        Handing a query to the worker thread and waiting for it costs two thread wake-ups;
        on a loaded machine that is more than a small query itself. An engine's evaluation
        of the same query text with the same bindings over the same data does the same work,
        so once a run of ``key`` has finished in at most 1/:data:`INLINE_MARGIN` of the time
        limit, later runs happen in the calling thread. Any run that comes close to that
        bound sends the key back to the worker. Adding data (:meth:`data_changed`) forgets
        every measurement. A first run, or a slow query, always has the enforced limit.
        """
        import time

        if not seconds or seconds <= 0:
            return fn()
        known: dict[Hashable, float] | None = self.__dict__.get("_known_fast")
        if known is None:
            known = self.__dict__["_known_fast"] = {}
        t0 = time.perf_counter()
        if known.get(key, seconds) * INLINE_MARGIN <= seconds:
            value = fn()
        else:
            value = run_with_timeout(fn, seconds, what=what)
        elapsed = time.perf_counter() - t0
        if elapsed * INLINE_MARGIN <= seconds:
            if len(known) >= 4096:
                known.clear()
            known[key] = elapsed
        else:
            known.pop(key, None)
        return value

    @abstractmethod
    def add_graph(self, graph: Graph) -> None:
        """Add every triple of ``graph`` to the engine's default graph."""

    def add_ntriples(self, data: bytes) -> None:
        """Add N-Triples; engines with a native parser override this to skip rdflib."""
        from rdflib import Graph

        g = Graph()
        g.parse(data=data, format="nt")
        self.add_graph(g)

    @abstractmethod
    def query(
        self,
        text: str,
        *,
        bindings: Mapping[str, Identifier] | None = None,
        timeout: float | None = None,
        source: str = "<query>",
    ) -> QueryResult:
        """Run ``text`` with ``bindings`` bound as terms (never pasted into the text)."""

    def __len__(self) -> int:
        raise NotImplementedError(f"the {self.name} engine cannot count its triples")

    def close(self) -> None:
        """Release resources: the sandbox child, if one was started."""
        self.close_sandbox()

    def __enter__(self) -> QueryEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Worker:
    """One reusable daemon thread that runs queries handed to it.

    Starting a thread per query cost more than the small queries themselves. The thread is a
    daemon so that a runaway query abandoned after a timeout never keeps the process alive.
    """

    def __init__(self) -> None:
        import queue
        import threading

        self.jobs: queue.SimpleQueue[tuple[Callable[[], Any], Any]] = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._loop, name="dpkg-query", daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while True:
            fn, box = self.jobs.get()
            try:
                box.append(("ok", fn()))
            except BaseException as exc:  # handed over to the calling thread
                box.append(("error", exc))
            finally:
                box.done.set()


class _Box(list[tuple[str, Any]]):
    def __init__(self) -> None:
        import threading

        super().__init__()
        self.done = threading.Event()


_WORKER: dict[str, _Worker] = {}


def run_with_timeout(fn: Callable[[], T], seconds: float | None, *, what: str) -> T:
    """Run ``fn`` and give up after ``seconds`` with an EngineError.

    Embedded engines cannot be interrupted from Python (pyoxigraph releases the GIL while it
    evaluates, so the caller regains control on time), so ``fn`` runs on a worker thread.
    After a timeout that worker is abandoned to finish or die with the process, and the next
    query gets a fresh one. The worker runs in a copy of the caller's context, so
    context-local guards such as ``netguard.no_network()`` still apply inside it.
    (:func:`drugpolicy_kg.limits.run_with_timeout` kills a forked child instead; a fork per
    query costs more than the catalogue's queries themselves.)
    """
    import contextvars

    if not seconds or seconds <= 0:
        return fn()
    worker = _WORKER.get("w")
    if worker is None:
        worker = _WORKER["w"] = _Worker()
    box = _Box()
    context = contextvars.copy_context()  # taken here, in the caller's thread
    worker.jobs.put((lambda: context.run(fn), box))
    if not box.done.wait(seconds):
        _WORKER.pop("w", None)  # busy with the runaway query: the next call starts a new one
        raise EngineError(f"{what}: the query did not finish within {seconds:g} s (--timeout)")
    status, value = box[0]
    if status == "error":
        raise value
    return value


def load_plan_graphs(paths: Sequence[str]) -> list[Graph]:
    """Action plans from files or folders, each as one rdflib graph (untrusted input).

    Read through :mod:`drugpolicy_kg.rdfio` (no network, no file access, size limits, errors
    with file, line and column). Quads of a TriG or JSON-LD dataset are flattened into one
    graph: the catalogue reads plans from the default graph, where they join the KG.
    """
    if not paths:
        return []
    from .. import rdfio

    return [rdfio.union_graph(dataset) for _, dataset in rdfio.load_many(list(paths))]


def bind_values(text: str, bindings: Mapping[str, Identifier]) -> str:
    """``text`` with the parameters bound by ``VALUES`` blocks of serialised RDF terms, the
    way every engine can run: one first in the WHERE group of the query and of each
    sub-SELECT, so that a parameter reaches a variable that a sub-SELECT uses without
    projecting it (as rdflib's ``initBindings`` do). The user's raw text never enters the
    query: each value is written by :func:`~drugpolicy_kg.sparql_safety.term_to_sparql`,
    which refuses anything that could end its token. Used by the remote engine, and by
    oxigraph when a parameter is not projected (its ``substitutions`` refuse that).
    """
    import re

    from ..sparql_safety import inline_values, mask

    if not bindings:
        return text
    first = inline_values(text, bindings)  # validates names and values; binds the top group
    masked = mask(text)
    starts = [m.end() for m in re.finditer(r"\bWHERE\s*\{", masked, re.IGNORECASE)]
    if len(starts) <= 1:
        return first
    from ..sparql_safety import term_to_sparql

    names = sorted(bindings)
    row = " ".join(term_to_sparql(bindings[n], param=n) for n in names)
    values = f" VALUES ({' '.join('?' + n for n in names)}) {{ ({row}) }} "
    out = text
    for pos in reversed(starts):
        out = out[:pos] + values + out[pos:]
    return out
