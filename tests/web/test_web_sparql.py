"""The SPARQL 1.1 Protocol endpoint of ``serve``: forms, formats, read-only, SERVICE, limits."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from rdflib import Graph

from drugpolicy_kg.engines import open_engine

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def n_of(res: Any) -> int:
    return int(res.json()["results"]["bindings"][0]["n"]["value"])


def test_get_post_form_and_post_body_agree_with_the_embedded_engine(client: Any) -> None:
    from pathlib import Path

    plans = str(Path(__file__).resolve().parents[2] / "examples" / "plans")  # as conftest
    local = len(open_engine("oxigraph", plans=[plans]))
    a = client.get("/query", params={"query": COUNT})
    b = client.post("/query", data={"query": COUNT})
    c = client.post(
        "/query", content=COUNT.encode(), headers={"Content-Type": "application/sparql-query"}
    )
    for res in (a, b, c):
        assert res.status_code == 200
        assert res.headers["content-type"].startswith("application/sparql-results+json")
        assert n_of(res) == local


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("*/*", "application/sparql-results+json"),
    ],
)
def test_select_result_formats(client: Any, accept: str, media: str) -> None:
    q = "SELECT ?t WHERE { ?t a <https://w3id.org/drugpolicy-kg/ontology#EUInformationSystem> }"
    res = client.get("/query", params={"query": q}, headers={"Accept": accept})
    assert res.status_code == 200 and res.headers["content-type"].startswith(media)
    if media.endswith("xml"):
        assert len(ET.fromstring(res.content).findall(".//{*}result")) == 4
    elif media == "text/csv":
        assert len(list(csv.reader(io.StringIO(res.text)))) == 5
    elif "tab" in media:
        assert len(res.text.strip().splitlines()) == 5
    else:
        assert len(json.loads(res.content)["results"]["bindings"]) == 4


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [("text/turtle", "turtle"), ("application/n-triples", "nt"), ("application/rdf+xml", "xml")],
)
def test_construct_returns_rdf(client: Any, accept: str, fmt: str) -> None:
    q = (
        "CONSTRUCT { ?p <http://www.w3.org/2000/01/rdf-schema#label> ?l } WHERE { "
        "?p a <https://w3id.org/drugpolicy-kg/ontology#BestPractice> ; "
        "<http://www.w3.org/2000/01/rdf-schema#label> ?l }"
    )
    res = client.get("/query", params={"query": q}, headers={"Accept": accept})
    assert res.status_code == 200 and res.headers["content-type"].startswith(accept)
    assert len(Graph().parse(data=res.content, format=fmt)) == 44


def test_ask(client: Any) -> None:
    res = client.get("/query", params={"query": "ASK { ?s ?p ?o }"})
    assert res.json()["boolean"] is True


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
        "LOAD <http://example.org/x.ttl>",
        "INSERT DATA { <a:b> <a:c> <a:d> }",
        "DROP ALL",
        "SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }",
        "SELECT * WHERE { ?s ?p }",
        "",
    ],
)
def test_unsafe_or_broken_queries_are_400(client: Any, query: str) -> None:
    res = client.get("/query", params={"query": query})
    assert res.status_code == 400
    assert "Traceback" not in res.text


def test_updates_are_refused_in_every_form(client: Any) -> None:
    before = n_of(client.get("/query", params={"query": COUNT}))
    upd = "INSERT DATA { <urn:a> <urn:b> <urn:c> }"
    assert client.post("/query", data={"update": upd}).status_code == 400
    assert client.get("/query", params={"update": upd}).status_code == 400
    res = client.post(
        "/query", content=upd.encode(), headers={"Content-Type": "application/sparql-update"}
    )
    assert res.status_code == 415
    assert client.post("/update", data={"update": upd}).status_code in (404, 405)
    assert n_of(client.get("/query", params={"query": COUNT})) == before


def test_unacceptable_result_format_is_406(client: Any) -> None:
    res = client.get("/query", params={"query": "ASK {}"}, headers={"Accept": "image/png"})
    assert res.status_code == 406


def test_oversized_body_is_413(client: Any) -> None:
    body = b"SELECT * WHERE { ?s ?p ?o } #" + b"x" * 1_100_000
    res = client.post("/query", content=body, headers={"Content-Type": "application/sparql-query"})
    assert res.status_code == 413


def test_a_query_over_the_time_limit_is_stopped() -> None:
    from starlette.testclient import TestClient

    from drugpolicy_kg.web.app import create_app

    slow = TestClient(create_app(timeout=0.2))
    # About 2.5 s of work (8 million pairs): over the 0.2 s limit. A query from outside runs in
    # the sandbox child, which is killed at the limit: nothing keeps burning CPU, nothing is
    # abandoned, and the next query gets a fresh child.
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"
    res = slow.get("/query", params={"query": q})
    assert res.status_code == 503
    assert "did not finish within" in res.text
    assert slow.app.state.endpoint.abandoned == 0
    assert slow.get("/query", params={"query": "ASK {}"}).status_code == 200


def test_query_page_has_prefixes_and_the_whole_catalogue(client: Any) -> None:
    import re

    from drugpolicy_kg.catalogue import catalogue

    res = client.get("/sparql")
    assert res.status_code == 200
    m = re.search(
        r'<script type="application/json" id="sparql-config">(.*?)</script>', res.text, re.S
    )
    assert m
    cfg = json.loads(m.group(1))
    assert cfg["endpoint"] == "query"
    assert cfg["prefixes"]["dpo"] == "https://w3id.org/drugpolicy-kg/ontology#"
    assert {e["name"] for e in cfg["examples"]} == set(catalogue())
    tool = next(e for e in cfg["examples"] if e["name"] == "practices-using-tool")
    assert tool["params"][0]["name"] == "tool" and "VALUES" in tool["query"]
    # Every example runs as it is on the endpoint.
    for e in cfg["examples"]:
        r = client.post("/query", data={"query": e["query"]})
        assert r.status_code == 200, (e["name"], r.text)


def test_oversized_results_and_runaway_queries_are_refused(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from drugpolicy_kg.web import sparql

    monkeypatch.setattr(sparql, "MAX_RESULT", 1000)
    res = client.get("/query", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert res.status_code == 400 and "add a LIMIT" in res.text
    monkeypatch.setattr(sparql, "MAX_RESULT", 50_000_000)
    assert client.get("/query", params={"query": "ASK {}"}).status_code == 200
    # A runaway query from outside is killed with its sandbox child at the time limit
    # (test_a_query_over_the_time_limit_is_stopped): none is left running to count.


def test_cors_only_when_asked(client: Any) -> None:
    from starlette.testclient import TestClient

    from drugpolicy_kg.web.app import create_app

    assert "access-control-allow-origin" not in client.get("/query?query=ASK{}").headers
    assert client.options("/query").status_code == 405
    open_app = TestClient(create_app(cors=True))
    res = open_app.get("/query?query=ASK{}", headers={"Origin": "http://localhost:3000"})
    assert res.headers["access-control-allow-origin"] == "*"
    assert open_app.options("/query").status_code == 204
