"""Local queries never fetch, and user values never change a query's meaning (issue #4.5)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Literal, URIRef

from drugpolicy_kg.engines.oxigraph_engine import OxigraphEngine
from drugpolicy_kg.engines.rdflib_engine import RdflibEngine
from drugpolicy_kg.errors import InputError
from drugpolicy_kg.sparql_safety import check_local, inline_values, mask, term_to_sparql
from drugpolicy_kg.vocab import DPK, RDFS

LOCAL = str(DPK)


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { service SILENT <http://example.org/sparql> { ?s ?p ?o } }",
        "LOAD <http://example.org/data.ttl>",
        "PREFIX ex: <http://example.org/>\nINSERT DATA { ex:a ex:b ex:c }",
        "CLEAR ALL",
        "SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }",
        "SELECT * FROM NAMED <file:///etc/passwd> WHERE { GRAPH ?g { ?s ?p ?o } }",
        "PREFIX ex: <http://example.org/>\nSELECT * FROM ex:g WHERE { ?s ?p ?o }",
    ],
)
def test_fetching_queries_are_refused(text: str) -> None:
    with pytest.raises(InputError) as err:
        check_local(text, source="q.rq", local_prefix=LOCAL)
    assert err.value.source == "q.rq" and err.value.line is not None
    assert "--allow-remote" in str(err.value) or "read-only" in str(err.value)


@pytest.mark.parametrize(
    "text",
    [
        'SELECT ?service WHERE { ?service <http://x/p> "SERVICE <http://e/> LOAD" }',
        "PREFIX load: <http://x/>\nSELECT * WHERE { ?s load:from ?o } # SERVICE in a comment",
        'SELECT * WHERE { ?s ?p "from"@load }',
        f"SELECT * FROM <{LOCAL}graph/kg> WHERE {{ ?s ?p ?o }}",
        "SELECT (COUNT(*) AS ?n) WHERE { ?s <http://x/insert> ?o }",
    ],
)
def test_harmless_queries_pass(text: str) -> None:
    check_local(text, local_prefix=LOCAL)


def test_error_position_is_in_the_original_text() -> None:
    text = 'SELECT * WHERE {\n  ?s ?p "a\\"b" .\n  SERVICE <http://e/> { ?s ?p ?o }\n}'
    with pytest.raises(InputError) as err:
        check_local(text)
    assert (err.value.line, err.value.column) == (3, 3)


def test_mask_keeps_positions() -> None:
    text = '?a "x\ny" # c\n<http://a>'
    assert len(mask(text)) == len(text) and mask(text).count("\n") == text.count("\n")


def test_rdflib_never_loads_graphs() -> None:
    import rdflib.plugins.sparql as rs

    RdflibEngine()
    assert rs.SPARQL_LOAD_GRAPHS is False


# --- parameter values keep the query's meaning ---------------------------------------------

NASTY = st.text(
    alphabet=st.sampled_from(
        ['"', "'", "\\", "u", "0", "2", ">", "<", "\n", "}", "{", "#", " ", "a", "?", "."]
    ),
    max_size=24,
) | st.sampled_from(
    [
        "\\u0022 } ; ?s ?p ?o . FILTER(true) #",
        '" } UNION { ?s ?p ?o } #',
        "> } SERVICE <http://evil/> {",
        "\\\\u0022",
        'a"b\\c\nd',
    ]
)

# The probe: a label that matches only if ?v is taken literally, and the string length of
# ?v computed by the engine itself. An injected value would change one or the other.
PROBE = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?v ?len ?hit WHERE {
  BIND(STRLEN(?v) AS ?len)
  OPTIONAL { ?hit rdfs:label ?v }
}
"""


def _engines(value: str) -> list[object]:
    from rdflib import Graph

    g = Graph()
    g.add((DPK["thing"], RDFS.label, Literal(value)))
    g.add((DPK["other"], RDFS.label, Literal("other")))
    ox = OxigraphEngine()
    ox.add_graph(g)
    return [RdflibEngine(g), ox]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(NASTY)
def test_bound_values_keep_the_meaning(value: str) -> None:
    for engine in _engines(value):
        res = engine.query(PROBE, bindings={"v": Literal(value)})  # type: ignore[attr-defined]
        assert len(res.rows) == 1
        v, length, hit = res.rows[0]
        assert str(v) == value
        assert int(length) == len(value)
        assert hit == DPK["thing"]


@settings(max_examples=60, deadline=None)
@given(NASTY.filter(lambda s: "\\" not in s))
def test_inlined_values_keep_the_meaning(value: str) -> None:
    # The remote path: the value is written into a VALUES block; parsed back by two
    # independent SPARQL parsers it must be the same single value.
    text = inline_values(PROBE, {"v": Literal(value)})
    for engine in _engines(value):
        res = engine.query(text)  # type: ignore[attr-defined]
        assert len(res.rows) == 1
        v, length, hit = res.rows[0]
        assert str(v) == value and int(length) == len(value) and hit == DPK["thing"]


def test_backslashes_are_refused_for_remote_endpoints() -> None:
    with pytest.raises(InputError, match="backslash"):
        inline_values(PROBE, {"v": Literal("\\u0022")})


@pytest.mark.parametrize("iri", ["http://x/a>b", "http://x/a b", 'http://x/"', "http://x/{"])
def test_bad_iris_are_refused(iri: str) -> None:
    with pytest.raises(InputError):
        term_to_sparql(URIRef(iri))


def test_inline_values_goes_into_the_top_where_group() -> None:
    text = 'SELECT ?x WHERE { ?x ?p "WHERE {" }'
    out = inline_values(text, {"x": URIRef("http://x/a")})
    assert out.startswith("SELECT ?x WHERE { VALUES (?x) { (<http://x/a>) }")


def test_remote_query_form_is_not_guessed_from_comments() -> None:
    # Regression: SPARQLWrapper read "addressee" in a header comment as an ADD update.
    from SPARQLWrapper import SPARQLWrapper

    from drugpolicy_kg.catalogue import get
    from drugpolicy_kg.sparql_safety import strip_comments

    text = get("addressees-without-expert").text
    sparql = SPARQLWrapper("http://127.0.0.1:9/query")
    sparql.setQuery(strip_comments(text))
    assert sparql.queryType == "SELECT"
    assert strip_comments('SELECT ?x { ?x ?p "a # b" } # c') == 'SELECT ?x { ?x ?p "a # b" } '
