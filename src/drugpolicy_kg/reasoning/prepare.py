"""Prepare the project's graph for a reasoner: sanitise it, and tell TBox from ABox.

Safety (issue #6, item 4): owlready2 follows ``owl:imports`` over the network, and it imports
the Python module that an ontology names with owlready's ``python_module`` annotation. Only
the project's own, rdflib-parsed graph reaches a reasoner, and :func:`sanitise` first drops
every ``owl:imports`` triple and every triple in owlready's namespace. The engines then load
the N-Triples bytes of that graph from memory; no file name or URL is ever handed to them.
"""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import BNode, Graph, URIRef
from rdflib.term import Node

from ..vocab import DPO, OWL, OWLREADY, RDF, RDFS

Triple = tuple[Node, Node, Node]

#: rdf:type objects that declare vocabulary or structure, not a class an individual belongs to.
META_TYPES = frozenset(
    {
        OWL.Class,
        OWL.Restriction,
        OWL.ObjectProperty,
        OWL.DatatypeProperty,
        OWL.AnnotationProperty,
        OWL.FunctionalProperty,
        OWL.InverseFunctionalProperty,
        OWL.TransitiveProperty,
        OWL.SymmetricProperty,
        OWL.AsymmetricProperty,
        OWL.ReflexiveProperty,
        OWL.IrreflexiveProperty,
        OWL.Ontology,
        OWL.NamedIndividual,
        OWL.AllDisjointClasses,
        OWL.AllDisjointProperties,
        OWL.AllDifferent,
        OWL.Axiom,
        OWL.NegativePropertyAssertion,
        OWL.DeprecatedClass,
        OWL.DeprecatedProperty,
        RDFS.Class,
        RDFS.Datatype,
        RDF.Property,
        RDF.List,
    }
)

#: Predicates that only annotate: they have no logical effect in OWL 2 DL.
ANNOTATION_PREDICATES = frozenset(
    {
        RDFS.label,
        RDFS.comment,
        RDFS.seeAlso,
        RDFS.isDefinedBy,
        OWL.versionInfo,
        OWL.versionIRI,
        OWL.priorVersion,
        OWL.annotatedSource,
        OWL.annotatedProperty,
        OWL.annotatedTarget,
    }
)


def sanitise(graph: Graph) -> Graph:
    """A copy of ``graph`` without ``owl:imports`` and without owlready2's own annotations."""
    out = Graph(bind_namespaces="none")
    for prefix, ns in graph.namespace_manager.namespaces():
        out.bind(prefix, ns)
    owlready = str(OWLREADY)
    for s, p, o in graph:
        if p == OWL.imports or str(p).startswith(owlready):
            continue
        out.add((s, p, o))
    return out


def to_ntriples(graph: Graph) -> bytes:
    """Sorted N-Triples bytes: what an engine loads, the same for the same graph."""
    text = graph.serialize(format="nt")
    lines = sorted(line for line in text.splitlines() if line.strip())
    return ("\n".join(lines) + "\n").encode("utf-8")


def declared(graph: Graph, kind: URIRef) -> set[URIRef]:
    """IRIs declared with ``rdf:type kind`` (e.g. owl:Class)."""
    return {s for s in graph.subjects(RDF.type, kind) if isinstance(s, URIRef)}


def named_classes(graph: Graph) -> set[URIRef]:
    """The named classes an inferred type may be reported as (owl:Thing excluded)."""
    return declared(graph, OWL.Class) - {OWL.Thing, OWL.Nothing}


def individuals(graph: Graph) -> set[URIRef]:
    """Named individuals: IRIs typed with some class that is not a vocabulary meta-type."""
    out: set[URIRef] = set()
    vocabulary = _vocabulary_terms(graph)
    for s, o in graph.subject_objects(RDF.type):
        if isinstance(s, URIRef) and o not in META_TYPES and s not in vocabulary:
            out.add(s)
    return out


def _vocabulary_terms(graph: Graph) -> set[Node]:
    terms: set[Node] = set()
    for kind in META_TYPES - {OWL.NamedIndividual}:
        terms.update(graph.subjects(RDF.type, kind))
    return terms


def defined_classes(graph: Graph) -> list[URIRef]:
    """The project's defined classes: dpo: classes equivalent to a class expression.

    Found in the ontology rather than listed in code, so that a new defined class in
    ``defined-classes.ttl`` shows up in the report without a code change.
    """
    ns = str(DPO)
    found = {
        s
        for s, o in graph.subject_objects(OWL.equivalentClass)
        if isinstance(s, URIRef) and str(s).startswith(ns) and isinstance(o, BNode)
    }
    return sorted(found)


def is_annotation(graph: Graph, triple: Triple, annotation_properties: set[URIRef]) -> bool:
    """Whether a triple only annotates (safe to drop when searching for a clash)."""
    s, p, _ = triple
    if p in ANNOTATION_PREDICATES or p in annotation_properties:
        return True
    return (s, RDF.type, OWL.Axiom) in graph


def split_assertions(graph: Graph) -> tuple[Graph, list[Triple]]:
    """Split into the logical base (TBox and structure) and the ABox assertions.

    An assertion is a type assertion of an individual to a class, or an object or datatype
    property assertion (also owl:sameAs and owl:differentFrom). Annotations are dropped from
    both parts: they cannot cause an inconsistency, and a smaller input makes each reasoner
    call of the explanation search faster. The assertions come back sorted (deterministic).
    """
    object_props = declared(graph, OWL.ObjectProperty) | declared(graph, OWL.DatatypeProperty)
    annotation_props = declared(graph, OWL.AnnotationProperty)
    vocabulary = _vocabulary_terms(graph)
    base = Graph(bind_namespaces="none")
    for prefix, ns in graph.namespace_manager.namespaces():
        base.bind(prefix, ns)
    assertions: list[Triple] = []
    for triple in graph:
        s, p, o = triple
        if is_annotation(graph, triple, annotation_props):
            continue
        is_type_assertion = p == RDF.type and o not in META_TYPES and s not in vocabulary
        is_property_assertion = (
            p in object_props or p in (OWL.sameAs, OWL.differentFrom)
        ) and s not in vocabulary
        if is_type_assertion or is_property_assertion:
            assertions.append(triple)
        else:
            base.add(triple)
    assertions.sort(key=lambda t: tuple(x.n3() for x in t))
    return base, assertions


def with_triples(base: Graph, triples: Iterable[Triple]) -> Graph:
    """A copy of ``base`` plus ``triples``."""
    out = Graph(bind_namespaces="none")
    for t in base:
        out.add(t)
    for t in triples:
        out.add(t)
    return out
