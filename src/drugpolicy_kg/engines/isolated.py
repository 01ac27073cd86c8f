"""Each embedded engine's query, evaluated in its sandbox child (:mod:`.sandbox`).

The child answers with plain tuples: the distinct RDF terms of the answer once each, as
``(kind, value, datatype, language)``, and rows of indexes into them. That keeps the pipe
short (result rows repeat the same terms) and the parent rebuilds the engine's own term
objects, so a sandboxed answer converts and prints exactly as an in-process one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from .base import QueryResult

if TYPE_CHECKING:
    from rdflib.term import Identifier

    from .oxigraph_engine import OxigraphEngine
    from .rdflib_engine import RdflibEngine

_NETWORK_REFUSED = (
    "the query tried to open a network connection (SERVICE); local queries never fetch. "
    "Pass --allow-remote to permit it"
)

# --- oxigraph -----------------------------------------------------------------------------


def oxigraph_query(
    engine: OxigraphEngine,
    text: str,
    bindings: Mapping[str, Identifier] | None,
    timeout: float | None,
    source: str,
) -> QueryResult:
    """``engine.query`` evaluated in the engine's sandbox."""
    from .oxigraph_engine import _convert_rows, _convert_terms, _Converter

    answer = engine.sandboxed((text, dict(bindings or {}), source), timeout=timeout, what=source)
    kind = answer[0]
    if kind == "ASK":
        return QueryResult("ASK", boolean=answer[1])
    table = _ox_terms(answer[2])
    if kind == "SELECT":
        names, rows = answer[1], answer[3]
        raw = [tuple(table[i] if i >= 0 else None for i in row) for row in rows]
        return QueryResult.pending(names, raw, _convert_rows, _convert_terms)
    from rdflib import Graph

    g = Graph()
    conv = _Converter().convert
    for s, p, o in answer[3]:
        g.add((conv(table[s]), conv(table[p]), conv(table[o])))  # type: ignore[arg-type]
    return QueryResult(kind, graph=g)


def _ox_terms(raw: list[tuple[int, str, str | None, str | None]]) -> list[Any]:
    import pyoxigraph as ox

    out: list[Any] = []
    for kind, value, datatype, language in raw:
        if kind == 0:
            out.append(ox.NamedNode(value))
        elif kind == 1:
            out.append(ox.BlankNode(value))
        elif language:
            out.append(ox.Literal(value, language=language))
        else:
            out.append(ox.Literal(value, datatype=ox.NamedNode(datatype or "")))
    return out


def oxigraph_handler(engine: OxigraphEngine) -> Callable[[Any], Any]:
    """In the child: the engine's store (an on-disk one reopened read-only) and the
    function that answers ``(text, bindings, source)``."""
    import pyoxigraph as ox

    from .oxigraph_engine import _query_bound, _syntax_error, to_ox

    path = getattr(engine, "path", None)
    store = ox.Store.read_only(str(path)) if path is not None else engine.store

    def serialise(
        text: str,
        bindings: dict[str, Identifier],
        source: str,
        results_format: str | None,
        graph_format: str | None,
        cap: int,
    ) -> tuple[Any, ...]:
        """The answer written by pyoxigraph's own serialisers, in the child: a crash while
        evaluating (which pyoxigraph does lazily, while writing) stays in the child too."""
        subs = {ox.Variable(k): to_ox(v) for k, v in bindings.items()} or None
        from ..limits import CappedWriter

        out: Any = CappedWriter(cap, source)  # pyoxigraph writes to any object with .write()
        res: Any = None
        try:
            res = _query_bound(store, text, subs, bindings)
            if isinstance(res, (ox.QuerySolutions, ox.QueryBoolean)):
                if results_format is None:
                    return ("UNACCEPTABLE", "results")
                res.serialize(out, format=getattr(ox.QueryResultsFormat, results_format))
                return ("BYTES", "results", results_format, out.getvalue())
            if graph_format is None:
                return ("UNACCEPTABLE", "graph")
            res.serialize(out, format=getattr(ox.RdfFormat, graph_format))
            return ("BYTES", "graph", graph_format, out.getvalue())
        except SyntaxError as exc:
            raise _syntax_error(exc, source) from None
        except PermissionError:
            raise InputError(_NETWORK_REFUSED, source) from None
        except (RuntimeError, ValueError, OSError) as exc:
            if out.over:
                raise out.too_large() from None
            raise InputError(f"the query failed: {exc}", source) from None
        finally:
            res = None

    def handle(request: tuple[Any, ...]) -> tuple[Any, ...]:
        text, bindings, source = request[:3]
        if len(request) > 3:  # (results format, graph format, byte cap): serialise here
            return serialise(text, bindings, source, *request[3])
        subs = {ox.Variable(k): to_ox(v) for k, v in bindings.items()} or None
        table: dict[Any, int] = {}
        raw: list[tuple[int, str, str | None, str | None]] = []

        def index(term: Any) -> int:
            if term is None:
                return -1
            i = table.get(term)
            if i is None:
                i = table[term] = len(raw)
                if isinstance(term, ox.NamedNode):
                    raw.append((0, term.value, None, None))
                elif isinstance(term, ox.BlankNode):
                    raw.append((1, term.value, None, None))
                elif isinstance(term, ox.Literal):
                    raw.append((2, term.value, term.datatype.value, term.language))
                else:
                    raise InputError("RDF-star quoted triples cannot be returned", source)
            return i

        try:
            res: Any = _query_bound(store, text, subs, bindings)
            if isinstance(res, ox.QuerySolutions):
                names = [v.value for v in res.variables]
                rows = [tuple(map(index, sol)) for sol in res]
                return ("SELECT", names, raw, rows)
            if isinstance(res, ox.QueryBoolean):
                return ("ASK", bool(res))
            triples = [(index(t.subject), index(t.predicate), index(t.object)) for t in res]
            return ("CONSTRUCT", None, raw, triples)
        except SyntaxError as exc:
            raise _syntax_error(exc, source) from None
        except PermissionError:
            raise InputError(_NETWORK_REFUSED, source) from None
        except (RuntimeError, OSError) as exc:
            raise InputError(f"the oxigraph engine refused the query: {exc}", source) from None

    return handle


def oxigraph_serialised(
    engine: OxigraphEngine,
    text: str,
    *,
    results_format: str | None,
    graph_format: str | None,
    cap: int,
    timeout: float | None,
    source: str,
) -> tuple[Any, ...]:
    """The answer to ``text`` as bytes in one of pyoxigraph's formats (names of
    ``QueryResultsFormat`` / ``RdfFormat`` members), evaluated and written in the sandbox.

    Returns ``("BYTES", "results"|"graph", format, data)``, or ``("UNACCEPTABLE", kind)``
    when the answer is of a kind for which no format was given.
    """
    request: tuple[Any, ...] = (text, {}, source, (results_format, graph_format, cap))
    answer: tuple[Any, ...] = engine.sandboxed(request, timeout=timeout, what=source)
    return answer


# --- rdflib -------------------------------------------------------------------------------


def rdflib_query(
    engine: RdflibEngine,
    text: str,
    init: Mapping[Any, Identifier],
    timeout: float | None,
    source: str,
) -> QueryResult:
    """``engine.query`` evaluated in the engine's sandbox (rdflib terms pickle as they are;
    the query is prepared again in the child, since a prepared query does not pickle)."""
    answer = engine.sandboxed((text, dict(init)), timeout=timeout, what=source)
    kind = answer[0]
    if kind == "ASK":
        return QueryResult("ASK", boolean=answer[1])
    if kind == "SELECT":
        return QueryResult("SELECT", vars=answer[1], rows=answer[2])
    from rdflib import Graph

    g = Graph()
    for triple in answer[1]:
        g.add(triple)
    return QueryResult(kind, graph=g)


def rdflib_handler(engine: RdflibEngine) -> Callable[[Any], Any]:
    """In the child: the function that answers ``(query text, initial bindings)``."""
    from rdflib.plugins.sparql.processor import prepareQuery

    def handle(request: tuple[str, dict[Any, Identifier]]) -> tuple[Any, ...]:
        text, init = request
        res: Any = engine.graph.query(prepareQuery(text), initBindings=init)
        if res.type == "ASK":
            return ("ASK", bool(res.askAnswer))
        if res.type in ("CONSTRUCT", "DESCRIBE"):
            return (res.type, list(res.graph or ()))
        return ("SELECT", [str(v) for v in (res.vars or [])], [tuple(row) for row in res])

    return handle
