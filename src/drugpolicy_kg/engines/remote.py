"""A remote SPARQL 1.1 endpoint (Oxigraph, Fuseki, GraphDB, Virtuoso, QLever, ...).

Queries go through SPARQLWrapper; data goes through the SPARQL 1.1 Graph Store Protocol
(``drugpolicy-kg publish``). SPARQL has no binding protocol, so parameters travel as a
``VALUES`` blocks of serialised RDF terms (:func:`~drugpolicy_kg.engines.base.bind_values`):
the user's raw text never enters the query.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import EngineError, InputError
from ..sparql_safety import strip_comments
from .base import QueryEngine, QueryResult, bind_values

if TYPE_CHECKING:
    from rdflib import Graph
    from rdflib.term import Identifier

USER_AGENT = "drugpolicy-kg (https://w3id.org/drugpolicy-kg)"


class RemoteEngine(QueryEngine):
    """Queries a SPARQL endpoint; ``store_url`` is its Graph Store Protocol address."""

    name = "remote"

    def __init__(self, endpoint: str | None = None, *, store_url: str | None = None) -> None:
        self.endpoint = endpoint
        self.store_url = store_url

    def add_graph(self, graph: Graph, *, named_graph: str | None = None) -> None:
        """POST ``graph`` as N-Triples to the Graph Store (the default graph unless named),
        following no redirect (:func:`drugpolicy_kg.server.graph_store_write`)."""
        if not self.store_url:
            raise NotImplementedError(
                "the remote engine adds data only through a Graph Store Protocol URL "
                "(drugpolicy-kg publish --endpoint URL)"
            )
        from ..server import graph_store_write

        data = graph.serialize(format="nt", encoding="utf-8")
        graph_store_write(self.store_url, data, graph=named_graph, method="POST")

    def query(
        self,
        text: str,
        *,
        bindings: Mapping[str, Identifier] | None = None,
        timeout: float | None = None,
        source: str = "<query>",
    ) -> QueryResult:
        from SPARQLWrapper import JSON, POST, SPARQLWrapper
        from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, SPARQLWrapperException

        if not self.endpoint:
            raise NotImplementedError("the remote engine needs a query endpoint URL")
        sparql = SPARQLWrapper(self.endpoint, agent=USER_AGENT)
        sparql.setQuery(strip_comments(bind_values(text, bindings or {})))
        sparql.setMethod(POST)
        if timeout:
            sparql.setTimeout(int(max(1, timeout)))
        kind = sparql.queryType
        try:
            if kind in ("CONSTRUCT", "DESCRIBE"):
                sparql.setReturnFormat("nt")
                from rdflib import Graph

                raw = sparql.query().response.read()
                g = Graph()
                g.parse(data=raw, format="nt")
                return QueryResult(kind, graph=g)
            sparql.setReturnFormat(JSON)
            raw = sparql.query().response.read()
        except QueryBadFormed as exc:
            raise InputError(f"the endpoint refused the query: {exc}", source) from exc
        except SPARQLWrapperException as exc:
            raise EngineError(f"{self.endpoint}: {exc}") from exc
        except OSError as exc:  # URLError, timeouts, refused connections
            raise EngineError(f"{self.endpoint}: {exc}") from exc
        try:
            return parse_results_json(json.loads(raw))
        except (ValueError, KeyError, TypeError) as exc:
            raise EngineError(f"{self.endpoint}: not SPARQL JSON results: {exc}") from exc


def parse_results_json(doc: Mapping[str, Any]) -> QueryResult:
    """A :class:`QueryResult` from SPARQL 1.1 Query Results JSON."""
    from rdflib import BNode, Literal, URIRef
    from rdflib.namespace import XSD

    if "boolean" in doc:
        return QueryResult("ASK", boolean=bool(doc["boolean"]))
    names = list(doc["head"].get("vars", []))
    rows = []
    for b in doc["results"]["bindings"]:
        row: list[Any] = []
        for v in names:
            cell = b.get(v)
            if cell is None:
                row.append(None)
            elif cell["type"] == "uri":
                row.append(URIRef(cell["value"]))
            elif cell["type"] == "bnode":
                row.append(BNode(cell["value"]))
            else:
                lang = cell.get("xml:lang")
                dt = cell.get("datatype")
                if dt == str(XSD.string):
                    dt = None
                row.append(
                    Literal(
                        cell["value"], lang=lang, datatype=None if lang or not dt else URIRef(dt)
                    )
                )
        rows.append(tuple(row))
    return QueryResult("SELECT", vars=names, rows=rows)
