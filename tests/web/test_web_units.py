"""Small pure pieces of the web layer: IRI <-> path, extensions, relative links, negotiation."""

from __future__ import annotations

import pytest
from fastapi import Request
from rdflib import URIRef

from drugpolicy_kg.vocab import DPK, DPO, ONTOLOGY_IRI
from drugpolicy_kg.web import iris
from drugpolicy_kg.web.rdf import NotAcceptable, negotiate
from drugpolicy_kg.web.templating import Linker, json_island


@pytest.mark.parametrize(
    ("iri", "path"),
    [
        (str(DPK["practice/III.2"]), "id/practice/III.2"),
        (str(DPK["decision/7301-24/recital/12"]), "id/decision/7301-24/recital/12"),
        (str(ONTOLOGY_IRI), "ontology"),
        (str(DPO.usesTool), "ontology"),
        ("http://data.europa.eu/eli/reg/2016/794/oj", "eli/reg/2016/794/oj"),
        ("http://publications.europa.eu/resource/authority/country/NLD", "country/NLD"),
        ("https://example.org/x", None),
        (str(DPK["a/../b"]), None),
        (str(DPK["a b"]), None),
    ],
)
def test_path_of(iri: str, path: str | None) -> None:
    assert iris.path_of(iri) == path
    if path and path != "ontology":
        assert iris.iri_of(path) == URIRef(iri)


@pytest.mark.parametrize(
    "path",
    ["", "..", "id/..", "id/../etc", "/etc/passwd", "id//x", "id/.hidden", "x\x00y", "nope/x"],
)
def test_iri_of_refuses_what_is_not_a_resource_path(path: str) -> None:
    assert iris.iri_of(path) is None


def test_split_extension_keeps_dotted_notations() -> None:
    assert iris.split_extension("id/practice/III.2") == ("id/practice/III.2", None)
    assert iris.split_extension("id/practice/III.2.ttl") == ("id/practice/III.2", "ttl")
    assert iris.split_extension("ontology.jsonld") == ("ontology", "jsonld")
    assert iris.split_extension(".ttl") == (".ttl", None)


def test_relative_links_in_the_app_and_in_the_site() -> None:
    app = Linker("id/practice/III.2")
    assert app.path("id/tool/SIS") == "../tool/SIS"
    assert app.path("") == "../../"
    assert app.path("ontology", "usesTool") == "../../ontology#usesTool"
    assert app.static("css/site.css") == "../../static/css/site.css"
    assert app.rdf("ttl") == "III.2.ttl"
    assert Linker("").path("") == "./"
    site = Linker("id/practice/III.2", ext=".html", app=False)
    assert site.path("id/tool/SIS") == "../tool/SIS.html"
    assert site.path("") == "../../index.html"
    assert Linker("ontology", ext=".html").path("ontology", "X") == "#X"
    assert Linker("eli/reg/2016/794/oj").root == "../../../../"


def test_json_island_cannot_close_its_script() -> None:
    text = json_island({"a": "</script><!-- & >"})
    assert "<" not in text and ">" not in text and "&" not in text


@pytest.mark.parametrize(
    ("accept", "ext"),
    [
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "html"),
        ("text/turtle", "ttl"),
        ("text/turtle;q=0.2, application/rdf+xml;q=0.3", "rdf"),
        ("*/*;q=0.1, application/n-triples", "nt"),
        ("application/*", "ttl"),  # data, never XHTML; Turtle first on a tie
    ],
)
def test_negotiate(accept: str, ext: str) -> None:
    assert negotiate(accept) == ext


@pytest.mark.parametrize("accept", ["image/png", "text/html;q=0", "x", "text/html;q=2"])
def test_negotiate_refuses(accept: str) -> None:
    with pytest.raises(NotAcceptable):
        negotiate(accept)


def test_other_routers_can_render_the_shared_layout() -> None:
    # The validator's router (issue 14) renders its pages with ``templates`` and base.html,
    # without building a Linker: the context processor gives ``link`` for the request path.
    from fastapi import FastAPI
    from starlette.testclient import TestClient

    from drugpolicy_kg.web.templating import templates

    app = FastAPI()

    @app.get("/validate/deep")
    def page(request: Request) -> object:
        ctx = {"status": 200, "reason": "OK", "message": "<b>not bold</b>"}
        return templates.TemplateResponse(request, "error.html", ctx)

    html = TestClient(app).get("/validate/deep").text
    assert 'href="../static/css/site.css"' in html
    assert "&lt;b&gt;not bold&lt;/b&gt;" in html
