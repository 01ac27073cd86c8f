"""IRIs that dereference: every resource kind in every RDF format, by Accept and by extension.

The RDF returned must parse and be isomorphic to the resource's description in the KG,
computed here independently of the app: rdflib's own ``Graph.cbd`` plus the ``owl:Axiom``
annotations whose ``owl:annotatedSource`` is the resource (docs/web.md).
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from rdflib import BNode, Graph, URIRef
from rdflib.compare import isomorphic

from drugpolicy_kg.kg import cached_kg, load_ontology
from drugpolicy_kg.vocab import OWL, RDF
from drugpolicy_kg.web import iris

FORMATS = {
    "ttl": ("text/turtle", "turtle"),
    "nt": ("application/n-triples", "nt"),
    "jsonld": ("application/ld+json", "json-ld"),
    "rdf": ("application/rdf+xml", "xml"),
}


def expected_description(iri: URIRef) -> Graph:
    if iris.path_of(str(iri)) != "ontology" and str(iri).startswith(iris.BASE + "ontology"):
        return load_ontology()  # the version IRI names this release of the ontology
    kg = cached_kg()
    out = kg.cbd(iri)
    for ax in kg.subjects(OWL.annotatedSource, iri):
        if isinstance(ax, BNode) and (ax, RDF.type, OWL.Axiom) in kg:
            out += kg.cbd(ax)
    return out


def kind_of(path: str) -> str:
    """A resource kind by its path shape: ``id/practice``, ``id/decision/*/recital``, ``eli/reg``.

    Below ``id/KIND/KEY``, every other segment names a kind of sub-resource
    (``.../recital/12``, ``.../visit/rotterdam``, ``.../team``, ``.../action-plans``).
    """
    parts = path.split("/")
    if parts[0] in ("country", "ontology"):
        return parts[0]
    if parts[0] == "eli":  # eli/TYPE/YEAR/NUMBER/oj
        return "eli/" + parts[1]
    return "/".join(parts[:2] + parts[3::2])


def representatives() -> list[str]:
    from drugpolicy_kg.web.pages import WebKG

    web = WebKG()
    seen: dict[str, str] = {}
    for u in web.resources:
        path = iris.path_of(str(u)) or ""
        seen.setdefault(kind_of(path), path)
    return sorted(seen.values())


KINDS = representatives()


def test_every_kind_is_covered() -> None:
    kinds = {kind_of(p) for p in KINDS}
    for expected in (
        "id/practice",
        "id/block",
        "id/theme",
        "id/tool",
        "id/actor",
        "id/legal",
        "id/decision",
        "id/decision/recital",
        "id/decision/action-plans",
        "id/evaluation",
        "id/evaluation/team",
        "id/evaluation/visit",
        "id/site",
        "id/scheme",
        "eli/reg",
        "country",
        "ontology",
    ):
        assert expected in kinds, (expected, sorted(kinds))
    assert len(KINDS) >= 17


def parse(body: bytes, fmt: str) -> Graph:
    g = Graph()
    g.parse(data=body, format=fmt)
    return g


@pytest.mark.parametrize("path", KINDS)
@pytest.mark.parametrize("ext", sorted(FORMATS))
def test_rdf_by_accept_and_by_extension(client: Any, path: str, ext: str) -> None:
    media, fmt = FORMATS[ext]
    iri = iris.iri_of(path)
    assert iri is not None
    want = expected_description(iri)
    assert len(want) > 0, path
    by_accept = client.get("/" + path, headers={"Accept": media})
    assert by_accept.status_code == 200
    assert by_accept.headers["content-type"].startswith(media)
    assert "accept" in by_accept.headers["vary"].lower()
    by_ext = client.get(f"/{path}.{ext}")
    assert by_ext.status_code == 200
    assert by_ext.content == by_accept.content
    got = parse(by_accept.content, fmt)
    assert isomorphic(got, want), f"{path} as {ext} differs from its description in the KG"


@pytest.mark.parametrize("ext", sorted(FORMATS))
def test_the_ontology_dereferences_to_the_whole_ontology(client: Any, ext: str) -> None:
    media, fmt = FORMATS[ext]
    res = client.get("/ontology", headers={"Accept": media})
    assert res.status_code == 200
    assert isomorphic(parse(res.content, fmt), load_ontology())


class _Head(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.alternates: dict[str, str] = {}
        self.jsonld: list[str] = []
        self._in_ld = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "link" and a.get("rel") == "alternate":
            self.alternates[a.get("type") or ""] = a.get("href") or ""
        self._in_ld = tag == "script" and a.get("type") == "application/ld+json"

    def handle_data(self, data: str) -> None:
        if self._in_ld:
            self.jsonld.append(data)

    def handle_endtag(self, tag: str) -> None:
        self._in_ld = False


@pytest.mark.parametrize("path", KINDS)
def test_html_for_browsers_carries_the_rdf(client: Any, path: str) -> None:
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    res = client.get("/" + path, headers={"Accept": browser})
    assert res.status_code == 200
    assert res.headers["content-type"].startswith("text/html")
    head = _Head()
    head.feed(res.text)
    stem = path.rsplit("/", 1)[-1]
    for ext, (media, _) in FORMATS.items():
        assert head.alternates[media] == f"{stem}.{ext}"  # relative, beside the page
    assert len(head.jsonld) == 1
    iri = iris.iri_of(path)
    assert iri is not None
    embedded = Graph().parse(data=head.jsonld[0], format="json-ld")
    if iris.path_of(str(iri)) == "ontology" or str(iri).startswith(iris.BASE + "ontology/"):
        want = load_ontology().cbd(URIRef(iris.BASE + "ontology"))  # the header only
    else:
        want = expected_description(iri)
    assert isomorphic(embedded, want)
    json.loads(head.jsonld[0])


@pytest.mark.parametrize(
    ("accept", "ext"),
    [
        (None, "html"),
        ("*/*", "html"),
        ("text/turtle;q=0.5, application/ld+json", "jsonld"),
        ("application/rdf+xml;q=0.9, text/turtle;q=0.8", "rdf"),
        ("text/*;q=0.9, text/html;q=0.1", "ttl"),
        ("application/n-triples, text/html;q=0.5", "nt"),
        ("application/json", "jsonld"),
    ],
)
def test_negotiation_honours_q_values(client: Any, accept: str | None, ext: str) -> None:
    headers = {"Accept": accept} if accept is not None else {"Accept": ""}
    res = client.get("/id/tool/SIENA", headers=headers)
    assert res.status_code == 200
    media = "text/html" if ext == "html" else FORMATS[ext][0]
    assert res.headers["content-type"].startswith(media)


@pytest.mark.parametrize("accept", ["image/png", "application/pdf, video/*", "text/html;q=0"])
def test_unknown_accept_is_406(client: Any, accept: str) -> None:
    res = client.get("/id/tool/SIENA", headers={"Accept": accept})
    assert res.status_code == 406
    assert "text/turtle" in res.text


@pytest.mark.parametrize(
    "path",
    ["/id/practice/IX.99", "/id/tool/nope", "/id/practice/III.2/extra", "/ontology/nope", "/eli/x"],
)
def test_unknown_iris_get_a_real_404_page(client: Any, path: str) -> None:
    res = client.get(path, headers={"Accept": "text/html"})
    assert res.status_code == 404
    assert "Nothing lives at this address" in res.text
    assert "<html" in res.text and "Traceback" not in res.text
    rdf = client.get(path, headers={"Accept": "text/turtle"})
    assert rdf.status_code == 404 and "<html" not in rdf.text


def test_hash_terms_of_the_ontology_have_anchors(client: Any) -> None:
    kg = cached_kg()
    page = client.get("/ontology").text
    anchors = set(re.findall(r'id="([^"]+)"', page))
    terms = {
        str(t).split("#", 1)[1]
        for triple in kg
        for t in triple
        if isinstance(t, URIRef) and iris.path_of(str(t)) == "ontology" and "#" in str(t)
    }
    assert terms and not terms - anchors, sorted(terms - anchors)
