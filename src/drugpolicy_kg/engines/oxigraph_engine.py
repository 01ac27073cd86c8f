"""The fast embedded engine: pyoxigraph (Oxigraph's Rust SPARQL engine).

Measured on 60k triples it loads ~11x and answers a GROUP BY ~28x faster than rdflib, and it
plans joins. It is the default once tests/test_engines_equal.py shows that the whole catalogue
answers identically on both engines. Parameters are bound with ``substitutions=`` (SPARQL
dev SEP-0007), so a user's value never becomes query text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from .base import XSD_STRING, QueryEngine, QueryResult, Term, TermRow

if TYPE_CHECKING:
    import pyoxigraph as ox
    from rdflib import Graph
    from rdflib.term import Identifier

_ERR_AT = re.compile(r"error at (\d+):(\d+):\s*(.*)", re.DOTALL)

_XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
#: The canonical lexical form of an xsd:integer, which rdflib leaves as it is.
_CANONICAL_INTEGER = re.compile(r"0|-?[1-9][0-9]*")


class OxigraphEngine(QueryEngine):
    """SPARQL over a pyoxigraph Store: in memory, or an on-disk store opened read-only."""

    name = "oxigraph"

    def __init__(self, store: ox.Store | None = None) -> None:
        import pyoxigraph as ox

        self.store = store if store is not None else ox.Store()
        self.path: Path | None = None

    @classmethod
    def open_read_only(cls, path: str | Path) -> OxigraphEngine:
        """An engine over a store built earlier (the CLI's parsed-input cache)."""
        import pyoxigraph as ox

        engine = cls(ox.Store.read_only(str(path)))
        engine.path = Path(path)  # a sandbox child reopens it (a store handle is not fork-safe)
        return engine

    def add_graph(self, graph: Graph) -> None:
        import pyoxigraph as ox

        self.store.extend(
            ox.Quad(to_ox(s), to_ox(p), to_ox(o), ox.DefaultGraph())  # type: ignore[arg-type]
            for s, p, o in graph
        )
        self.untrusted_data = True
        self.data_changed()

    def add_ntriples(self, data: bytes) -> None:
        import pyoxigraph as ox

        self.store.load(data, format=ox.RdfFormat.N_TRIPLES)
        self.data_changed()

    def add_plans(self, paths: Sequence[str]) -> None:
        """Action plans (untrusted files or folders) into the default graph, where they join
        the KG: parsed by pyoxigraph straight into the store, with every check of
        :mod:`drugpolicy_kg.rdfio` (:func:`~drugpolicy_kg.rdfio.load_untrusted_into_store`)."""
        if not paths:
            return
        from .. import rdfio

        rdfio.load_untrusted_into_store(list(paths), self.store, default_graph=True)
        self.untrusted_data = True
        self.data_changed()

    def __len__(self) -> int:
        return len(self.store)

    def sandbox_handler(self) -> Callable[[Any], Any]:
        from .isolated import oxigraph_handler

        return oxigraph_handler(self)

    def query(
        self,
        text: str,
        *,
        bindings: Mapping[str, Identifier] | None = None,
        timeout: float | None = None,
        source: str = "<query>",
    ) -> QueryResult:
        if self.isolated(text):  # untrusted text or data: in the sandbox child
            from .isolated import oxigraph_query

            return oxigraph_query(self, text, bindings, timeout, source)
        import pyoxigraph as ox

        subs = {ox.Variable(k): to_ox(v) for k, v in (bindings or {}).items()} or None
        store = self.store

        def run() -> QueryResult:
            # Everything that evaluates the query happens here, inside the time limit:
            # pyoxigraph evaluates lazily, so the solutions are drained as pyoxigraph terms.
            # Building rdflib terms is left to the first reader of ``rows``.
            try:
                res: Any = _query_bound(store, text, subs, bindings)
                if isinstance(res, ox.QuerySolutions):
                    names = [v.value for v in res.variables]
                    return QueryResult.pending(
                        names, [tuple(sol) for sol in res], _convert_rows, _convert_terms
                    )
            except SyntaxError as exc:
                raise _syntax_error(exc, source) from exc
            except RuntimeError as exc:  # e.g. a bound variable the query does not project
                raise InputError(f"the oxigraph engine refused the query: {exc}", source) from exc
            if isinstance(res, ox.QueryBoolean):
                return QueryResult("ASK", boolean=bool(res))
            from rdflib import Graph

            g = Graph()
            conv = _Converter().convert
            for t in res:
                g.add((conv(t.subject), conv(t.predicate), conv(t.object)))  # type: ignore[arg-type]
            return QueryResult("CONSTRUCT", graph=g)

        key = (text, tuple(sorted((bindings or {}).items())))
        return self.run_limited(key, run, timeout, what=source)


def _query_bound(
    store: ox.Store,
    text: str,
    subs: dict[Any, Any] | None,
    bindings: Mapping[str, Identifier] | None,
) -> Any:
    """``store.query`` with the parameters bound: by ``substitutions`` (SEP-0007) when the
    query projects every bound variable, else by a ``VALUES`` block of serialised terms
    placed first in the WHERE group, as the remote engine binds them (pyoxigraph refuses a
    substitution of a variable that is not projected; :func:`~.base.bind_values`)."""
    try:
        return store.query(text, substitutions=subs)
    except RuntimeError as exc:
        if not subs or "projection" not in str(exc):
            raise
    from .base import bind_values

    return store.query(bind_values(text, bindings or {}))


def _convert_rows(raw_rows: list[tuple[Any, ...]]) -> list[tuple[Identifier | None, ...]]:
    """pyoxigraph solution rows as rows of rdflib terms."""
    conv = _Converter().convert
    return [tuple(map(conv, row)) for row in raw_rows]


#: pyoxigraph term -> Term, shared by every result: the mapping depends on the term alone, so
#: repeated queries (a server, a library loop) find their terms already converted. Bounded by
#: clearing; a Term is a few short strings.
_TERM_CACHE: dict[Any, Term | None] = {None: None}
_TERM_CACHE_MAX = 200_000


def _convert_terms(raw_rows: list[tuple[Any, ...]]) -> list[TermRow]:
    """pyoxigraph solution rows as rows of :class:`~.base.Term` (no rdflib terms built)."""
    cache = _TERM_CACHE
    try:  # every term seen before: one C-level dict lookup per cell
        return [tuple(map(cache.__getitem__, row)) for row in raw_rows]
    except KeyError:
        pass
    local: dict[Any, Term | None] = {None: None}
    convert = _term
    for row in raw_rows:
        for t in row:
            if t not in local:
                hit = cache.get(t)
                local[t] = convert(t) if hit is None else hit
    if len(cache) + len(local) > _TERM_CACHE_MAX:
        cache.clear()
        cache[None] = None
    cache.update(local)
    return [tuple(map(local.__getitem__, row)) for row in raw_rows]


def _syntax_error(exc: SyntaxError, source: str) -> InputError:
    msg = str(exc)
    m = _ERR_AT.match(msg)
    if m:
        return InputError(f"SPARQL syntax error: {m[3]}", source, int(m[1]), int(m[2]))
    return InputError(f"SPARQL syntax error: {msg}", source)


def to_ox(term: Identifier) -> Any:
    """An rdflib term as a pyoxigraph term (the same conversion as the safe plan loader)."""
    from ..rdfio import to_ox_term

    return to_ox_term(term)


def from_ox(term: Any) -> Identifier | None:
    """A pyoxigraph term as an rdflib term (``None`` for an unbound variable)."""
    return _Converter().convert(term)


class _Converter:
    """Converts pyoxigraph terms to rdflib terms, each distinct term once.

    Building rdflib terms (a Literal parses its value) dominates the cost of a small query,
    and result rows repeat the same IRIs and literals, so a per-result memo keeps the
    default engine close to raw pyoxigraph (benchmarks/bench_query.py).
    """

    def __init__(self) -> None:
        import pyoxigraph as ox
        from rdflib import BNode, Literal, URIRef
        from rdflib.namespace import XSD

        self.memo: dict[Any, Identifier | None] = {None: None}
        self.ox = ox
        self.URIRef, self.BNode, self.Literal = URIRef, BNode, Literal
        self.xsd_string = str(XSD.string)

    def convert(self, term: Any) -> Identifier | None:
        try:
            return self.memo[term]
        except KeyError:
            pass
        ox = self.ox
        out: Identifier
        if isinstance(term, ox.NamedNode):
            out = self.URIRef(term.value)
        elif isinstance(term, ox.BlankNode):
            out = self.BNode(term.value)
        elif isinstance(term, ox.Literal):
            if term.language:
                out = self.Literal(term.value, lang=term.language)
            elif term.datatype.value == self.xsd_string:
                out = self.Literal(term.value)
            else:
                out = self.Literal(term.value, datatype=self.URIRef(term.datatype.value))
        else:
            raise TypeError(f"cannot convert {term!r} to an rdflib term")
        self.memo[term] = out
        return out


_new_term = tuple.__new__


def _term(term: Any) -> Term:
    """One pyoxigraph term as a :class:`~.base.Term`.

    A Term is a plain tuple of strings, so this costs a fraction of building rdflib terms.
    The one place rdflib still decides is the lexical form of a typed literal other than a
    canonical xsd:integer: rdflib normalises it (``"01"^^xsd:integer`` prints as ``1``), and
    the writers must print what they printed from rdflib terms, so such a literal's value is
    taken from an rdflib Literal (once per distinct literal).
    """
    import pyoxigraph as ox

    cls = type(term)
    if cls is ox.NamedNode:
        return _new_term(Term, ("iri", term.value, None, None))
    if cls is ox.BlankNode:
        return _new_term(Term, ("bnode", term.value, None, None))
    if cls is not ox.Literal:
        raise TypeError(f"cannot convert {term!r} to a result term")
    value, language = term.value, term.language
    if language:
        return _new_term(Term, ("literal", value, None, language))
    dt = term.datatype.value
    if dt == XSD_STRING:
        return _new_term(Term, ("literal", value, None, None))
    if dt == _XSD_INTEGER and _CANONICAL_INTEGER.fullmatch(value):
        return _new_term(Term, ("literal", value, dt, None))
    from rdflib import Literal, URIRef

    return _new_term(Term, ("literal", str(Literal(value, datatype=URIRef(dt))), dt, None))
