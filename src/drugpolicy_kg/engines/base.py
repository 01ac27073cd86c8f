"""The one interface every SPARQL engine implements (oaklib-style backends).

Code that runs queries holds a :class:`QueryEngine` and never asks which engine it has:
rdflib (the reference), pyoxigraph (the fast embedded default) or a remote endpoint. A
method an engine lacks raises ``NotImplementedError`` naming the engine.

Results come back as one engine-neutral :class:`QueryResult` of rdflib terms, so formatters,
golden-file tests and the cross-engine equality test compare like with like.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from ..errors import EngineError

if TYPE_CHECKING:
    from rdflib import Graph
    from rdflib.term import Identifier

#: Default time limit of one query, in seconds (``--timeout``).
DEFAULT_TIMEOUT = 30.0

T = TypeVar("T")


@dataclass
class QueryResult:
    """The answer of one query: rows for SELECT, a boolean for ASK, a graph for CONSTRUCT."""

    kind: str  # "SELECT", "ASK", "CONSTRUCT" or "DESCRIBE"
    vars: list[str] = field(default_factory=list)
    rows: list[tuple[Identifier | None, ...]] = field(default_factory=list)
    boolean: bool | None = None
    graph: Graph | None = None

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

    def data_changed(self) -> None:
        """Forget everything derived from the data (call after adding triples)."""
        self.__dict__.pop("_name_cache", None)

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

    def close(self) -> None:  # noqa: B027 - optional hook, most engines hold nothing
        """Release resources; engines without any keep this no-op."""

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
