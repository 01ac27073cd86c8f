"""The bulk-filled rdflib store (:mod:`drugpolicy_kg.indexed_store`) answers as rdflib's own."""

from __future__ import annotations

import itertools

import pytest
import rdflib
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from drugpolicy_kg.indexed_store import IndexedMemory, graph_of
from drugpolicy_kg.validation.fast import Index

EX = rdflib.Namespace("https://example.org/")
TERMS = [EX.a, EX.b, EX.c, BNode("x"), Literal("a"), Literal(1), Literal("a", lang="en")]
NODES = [t for t in TERMS if not isinstance(t, Literal)]
PREDICATES = [EX.p, EX.q, rdflib.RDF.type]

triples = st.lists(
    st.tuples(st.sampled_from(NODES), st.sampled_from(PREDICATES), st.sampled_from(TERMS)),
    max_size=30,
)


def _reference(data: list[tuple]) -> Graph:
    graph = Graph(store="SimpleMemory")
    for triple in data:
        graph.add(triple)
    return graph


def _patterns() -> list[tuple]:
    return list(itertools.product([None, *NODES, EX.nothing], [None, *PREDICATES], [None, *TERMS]))


@settings(max_examples=60, deadline=None)
@given(triples)
def test_every_pattern_matches_rdflib(data: list[tuple]) -> None:
    ours, ref = graph_of(data), _reference(data)
    assert len(ours) == len(ref)
    for pattern in _patterns():
        assert set(ours.triples(pattern)) == set(ref.triples(pattern)), pattern


@settings(max_examples=40, deadline=None)
@given(triples, triples)
def test_adds_and_removes_as_rdflib(first: list[tuple], second: list[tuple]) -> None:
    ours, ref = graph_of(first), _reference(first)
    for triple in second:
        ours.add(triple)
        ref.add(triple)
    for triple in second[::2]:
        ours.remove(triple)
        ref.remove(triple)
    ours.remove((None, EX.q, None))
    ref.remove((None, EX.q, None))
    assert set(ours) == set(ref)
    assert len(ours) == len(ref)
    # emptied index entries are dropped: the indexes hold exactly the triples
    store = ours.store
    assert isinstance(store, IndexedMemory)
    assert sum(len(o) for po in store.spo.values() for o in po.values()) == len(ref)
    assert all(po and all(po.values()) for po in store.spo.values())


@settings(max_examples=60, deadline=None)
@given(st.lists(triples, min_size=1, max_size=4), triples)
def test_a_union_answers_as_one_store_and_changes_reach_no_part(
    parts: list[list[tuple]], later: list[tuple]
) -> None:
    stores = [IndexedMemory.of(part) for part in parts]
    before = [set(graph_of(part)) for part in parts]
    union = Graph(store=IndexedMemory.union(stores))
    ref = _reference([t for part in parts for t in part])
    assert len(union) == len(ref)
    for pattern in _patterns():
        assert set(union.triples(pattern)) == set(ref.triples(pattern)), pattern
    # the fast engine's index reads the union's dictionaries directly
    index = Index(union)
    for s, p, o in ref:
        assert o in index.objects(s, p) and s in index.subjects(p, o)
    for triple in later:  # copy on write: the parts never see the union's changes
        union.add(triple)
        ref.add(triple)
    for triple in [*later[::2], *list(ref)[::3]]:
        union.remove(triple)
        ref.remove(triple)
    assert set(union) == set(ref) and len(union) == len(ref)
    assert [set(Graph(store=store)) for store in stores] == before


def test_duplicates_are_kept_once_and_order_is_insertion_order() -> None:
    data = [(EX.a, EX.p, EX.c), (EX.a, EX.p, EX.b), (EX.a, EX.p, EX.c)]
    graph = graph_of(data)
    assert len(graph) == 2
    assert list(graph.objects(EX.a, EX.p)) == [EX.c, EX.b]


def test_prefixes_come_from_pairs_or_a_graph_and_sparql_works() -> None:
    source = Graph()
    source.bind("ex", EX)
    graph = graph_of([(EX.a, EX.p, Literal("x"))], source)
    assert ("ex", URIRef(str(EX))) in set(graph.namespaces())
    assert "ex:a" in graph.serialize(format="turtle")
    pairs = graph_of([(EX.a, EX.p, Literal("x"))], [("e", str(EX))])
    assert pairs.store.namespace("e") == URIRef(str(EX))
    rows = list(graph.query("SELECT ?o WHERE { ?s <https://example.org/p> ?o }"))
    assert [str(r[0]) for r in rows] == ["x"]


def test_the_fast_index_reads_the_store_and_answers_as_a_built_index() -> None:
    data = [(EX.a, EX.p, EX.b), (EX.c, EX.p, EX.b), (EX.b, rdflib.RDFS.subClassOf, EX.c)]
    graph = graph_of(data)
    shared, built = Index(graph), Index(_reference(data))
    assert isinstance(graph.store, IndexedMemory)
    assert shared.out is graph.store.spo and shared.back is graph.store.pos  # nothing copied
    for s, p, o in itertools.product(NODES, [*PREDICATES, rdflib.RDFS.subClassOf], NODES):
        assert set(shared.objects(s, p)) == set(built.objects(s, p))
        assert set(shared.subjects(p, o)) == set(built.subjects(p, o))
    assert shared.subclasses(EX.c) == built.subclasses(EX.c) == {EX.c, EX.b}


def test_isomorphic_round_trip_through_turtle() -> None:
    data = [
        (EX.a, EX.p, BNode("n")),
        (BNode("n"), EX.q, Literal("2024-05-30", datatype=rdflib.XSD.date)),
    ]
    graph = graph_of(data)
    again = Graph().parse(data=graph.serialize(format="turtle"), format="turtle")
    assert isomorphic(graph, again)


@pytest.mark.parametrize("bad", [(EX.a, EX.p)])
def test_a_malformed_triple_fails_loudly(bad: tuple) -> None:
    with pytest.raises(ValueError):
        IndexedMemory.of([bad])  # type: ignore[list-item]
