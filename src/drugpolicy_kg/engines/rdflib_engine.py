"""The reference engine: rdflib's SPARQL 1.1 implementation, in pure Python.

Slow on joins (it orders triple patterns without regard to selectivity) but the most
widely reviewed implementation, so the catalogue's golden answers are checked against it and
the fast engine must agree with it (tests/test_engines_equal.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from .base import QueryEngine, QueryResult, run_with_timeout

if TYPE_CHECKING:
    from rdflib import Graph
    from rdflib.term import Identifier


class RdflibEngine(QueryEngine):
    """SPARQL over one in-memory rdflib Graph (the KG merged with the plans)."""

    name = "rdflib"

    def __init__(self, graph: Graph | None = None) -> None:
        from rdflib import Graph

        from ..sparql_safety import disable_rdflib_loading

        disable_rdflib_loading()
        self.graph = Graph()
        if graph is not None:
            self.add_graph(graph)
            self.untrusted_data = False  # the graph it was built on, e.g. the KG

    def add_graph(self, graph: Graph) -> None:
        self.graph += graph
        self.untrusted_data = True
        self.data_changed()

    def sandbox_handler(self) -> Callable[[Any], Any]:
        from .isolated import rdflib_handler

        return rdflib_handler(self)

    def __len__(self) -> int:
        return len(self.graph)

    def query(
        self,
        text: str,
        *,
        bindings: Mapping[str, Identifier] | None = None,
        timeout: float | None = None,
        source: str = "<query>",
    ) -> QueryResult:
        from rdflib.plugins.sparql.processor import prepareQuery
        from rdflib.term import Variable

        try:
            prepared = prepareQuery(text)
        except Exception as exc:  # pyparsing.ParseException and rdflib's own errors
            raise _syntax_error(exc, source) from exc
        init = {Variable(k): v for k, v in (bindings or {}).items()}
        if self.isolated(text):
            from .isolated import rdflib_query

            return rdflib_query(self, text, init, timeout, source)

        def run() -> QueryResult:
            res = self.graph.query(prepared, initBindings=init)  # type: ignore[arg-type]
            if res.type == "ASK":
                return QueryResult("ASK", boolean=bool(res.askAnswer))
            if res.type in ("CONSTRUCT", "DESCRIBE"):
                return QueryResult(res.type, graph=res.graph)
            names = [str(v) for v in (res.vars or [])]
            rows = [tuple(row) for row in res]  # type: ignore[arg-type]
            return QueryResult("SELECT", vars=names, rows=rows)  # type: ignore[arg-type]

        return run_with_timeout(run, timeout, what=source)


def _syntax_error(exc: Exception, source: str) -> InputError:
    line = getattr(exc, "lineno", None)
    col = getattr(exc, "col", None)
    msg = getattr(exc, "msg", None) or str(exc).strip().splitlines()[0]
    return InputError(f"SPARQL syntax error: {msg}", source, line, col)
