"""The KG context a plan is validated against, and the per-plan data graph.

Why not the whole KG, nor pySHACL's ``ont_graph``: ``ont_graph`` only mixes in ontology axioms,
not instance data, so ``sh:class dpo:BestPractice`` failed for every real practice (hundreds of
false violations); copying the whole KG (~2.6k triples) into each plan cost ~180 ms per plan. The
data graph of a plan is instead the plan, plus the KG triples about the resources the shapes rely
on (the 44 practices and their blocks, the four blocks, the addressed states and the
``dpo:addressedTo`` links of Decision 7301/24), plus the ``rdfs:subClassOf`` axioms: a few hundred
triples. No inference is run (it cost 6-15x for no gain here).

The KG is the authority on the Decision: statements a plan makes about the KG's own resources
(a plan that declares its own "practice" or adds an addressee) are left out of the data graph,
so that a plan cannot make itself valid.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from ..indexed_store import IndexedMemory, graph_of
from ..vocab import BLOCK_NUMERALS, DECISION, DPO, RDF, RDFS, SKOS, block_iri

Triple = tuple[Node, Node, Node]

#: Classes whose membership only the KG may assert (Recital 12 plans answer the Decision).
_KG_CLASSES = frozenset((DPO.BestPractice, DPO.BuildingBlock, DPO.State))
_ADDRESSED_TO, _TYPE = (
    DPO.addressedTo,
    RDF.type,
)  # looked up once (a Namespace attribute is not free)


@dataclass(frozen=True)
class Practice:
    """A best practice as messages name it: notation, short title and block."""

    iri: URIRef
    notation: str
    title: str
    block: URIRef

    def sort_key(self) -> tuple[int, int]:
        numeral, _, number = self.notation.partition(".")
        return (BLOCK_NUMERALS.index(numeral), int(number))


@dataclass(frozen=True)
class Block:
    """A building block: numeral (``III``) and heading."""

    iri: URIRef
    numeral: str
    heading: str


@dataclass
class KGContext:
    """What validation needs from the KG, indexed once per process."""

    practices: dict[URIRef, Practice]
    blocks: dict[URIRef, Block]
    states: dict[URIRef, str]
    addressees: frozenset[URIRef]
    #: practices, blocks and class axioms: added to the data graph of every plan
    base_triples: list[Triple]
    #: per state: its type and, for an addressee, the Decision's ``dpo:addressedTo`` link
    state_triples: dict[URIRef, list[Triple]]
    #: subjects described by the KG; a plan may refer to them but not describe them
    kg_subjects: frozenset[Node] = field(repr=False)
    #: :attr:`base_triples` as a store, shared (never changed) by every plan's data graph
    _base_store: IndexedMemory | None = field(default=None, init=False, repr=False, compare=False)

    def practices_of(self, block: URIRef) -> list[Practice]:
        return sorted(
            (p for p in self.practices.values() if p.block == block), key=Practice.sort_key
        )

    def is_kg_statement(self, triple: Triple) -> bool:
        """Whether a plan's triple restates or alters the KG (such triples are left out)."""
        s, p, o = triple
        if s in self.kg_subjects or p == _ADDRESSED_TO:
            return True
        return p == _TYPE and o in _KG_CLASSES

    def data_graph(
        self, plan: Iterable[Triple], *, with_practices: bool = True, store: str = "default"
    ) -> Graph:
        """The graph SHACL validates: the plan's triples plus the KG triples they rely on.

        ``with_practices`` adds the 44 practices (needed for the coverage infos); it is off when
        the document holds no plan, so that "no action plan found" is not buried under 44 infos.
        ``store="indexed"`` (:class:`~drugpolicy_kg.indexed_store.IndexedMemory`: filled in one
        loop, its indexes read directly; ~20x cheaper than adding triple by triple) serves the
        fast engine; pySHACL needs a context-aware store (the default).
        """
        source = getattr(plan, "store", None)
        if store == "indexed" and isinstance(plan, Graph) and isinstance(source, IndexedMemory):
            layered = self._layered(source, with_practices)
            if layered is not None:
                return Graph(store=layered)
        # a plan that restates or alters the KG (rare): its own triples, the KG's left out
        kept: list[Triple] = []
        states: set[URIRef] = set()
        state_triples = self.state_triples
        for triple in plan:
            if self.is_kg_statement(triple):
                continue
            kept.append(triple)
            obj = triple[2]
            if isinstance(obj, URIRef) and obj in state_triples:
                states.add(obj)
        if with_practices:
            kept += self.base_triples
        for state in sorted(states):
            kept += state_triples[state]
        if store == "indexed":
            return graph_of(kept)
        graph = Graph(store=store)
        for triple in kept:
            graph.add(triple)
        return graph

    def _layered(self, plan: IndexedMemory, with_practices: bool) -> IndexedMemory | None:
        """The data graph's store as a union of the plan's own store, the KG's practices and
        the states it names (:meth:`IndexedMemory.union`: nothing copied triple by triple), or
        ``None`` when the plan restates or alters the KG (those triples must be left out)."""
        if not self.kg_subjects.isdisjoint(plan.spo) or _ADDRESSED_TO in plan.pos:
            return None
        typed = plan.pos.get(_TYPE)
        if typed is not None and not _KG_CLASSES.isdisjoint(typed):
            return None
        state_triples = self.state_triples
        states = sorted(
            {
                o
                for by_object in plan.pos.values()
                for o in by_object
                if isinstance(o, URIRef) and o in state_triples
            }
        )
        layers = [plan]
        if with_practices:
            if self._base_store is None:
                self._base_store = IndexedMemory.of(self.base_triples)
            layers.append(self._base_store)
        if states:
            layers.append(IndexedMemory.of(t for state in states for t in state_triples[state]))
        return IndexedMemory.union(layers)


def _text(graph: Graph, subject: URIRef, predicate: URIRef) -> str:
    value = graph.value(subject, predicate)
    return str(value) if isinstance(value, Literal) else ""


def build_context(kg: Graph) -> KGContext:
    """Index the KG for validation (a few milliseconds, once per process)."""
    blocks: dict[URIRef, Block] = {}
    for numeral in BLOCK_NUMERALS:
        iri = block_iri(numeral)
        blocks[iri] = Block(iri, numeral, _text(kg, iri, SKOS.prefLabel))
    practices: dict[URIRef, Practice] = {}
    base: list[Triple] = []
    for subject in kg.subjects(RDF.type, DPO.BestPractice):
        if not isinstance(subject, URIRef):
            continue
        block = kg.value(subject, DPO.buildingBlock)
        if not isinstance(block, URIRef):
            continue
        notation = _text(kg, subject, SKOS.notation)
        practices[subject] = Practice(subject, notation, _text(kg, subject, SKOS.prefLabel), block)
        base += [(subject, RDF.type, DPO.BestPractice), (subject, DPO.buildingBlock, block)]
    base += [(iri, RDF.type, DPO.BuildingBlock) for iri in blocks]
    base += list(kg.triples((None, RDFS.subClassOf, None)))
    addressees = frozenset(
        o for o in kg.objects(DECISION, DPO.addressedTo) if isinstance(o, URIRef)
    )
    states: dict[URIRef, str] = {}
    state_triples: dict[URIRef, list[Triple]] = {}
    for state in kg.subjects(RDF.type, DPO.State):
        if not isinstance(state, URIRef):
            continue
        states[state] = _text(kg, state, RDFS.label) or str(state)
        triples: list[Triple] = [(state, RDF.type, DPO.State)]
        if state in addressees:
            triples.append((DECISION, DPO.addressedTo, state))
        state_triples[state] = triples
    return KGContext(
        practices=practices,
        blocks=blocks,
        states=states,
        addressees=addressees,
        base_triples=base,
        state_triples=state_triples,
        kg_subjects=frozenset(kg.subjects()),
    )


@lru_cache(maxsize=1)
def cached_context() -> KGContext:
    """The context of the package's KG, once per process (from the disk cache: :mod:`.compiled`)."""
    from .compiled import cached

    return cached().context


def plans_in(graph: Graph) -> list[URIRef | Node]:
    """The action plans of a document, in a stable order."""
    return sorted(set(graph.subjects(RDF.type, DPO.ActionPlan)), key=str)


def closure(graph: Graph, root: Node, stop: set[Node]) -> Iterator[Triple]:
    """The triples reachable from ``root`` by following objects (a plan's own statements).

    Used only when a document holds several plans, to validate each on its own; ``stop`` holds
    the other plans, so that one plan's ``dpo:hasSection`` does not pull in another plan.
    """
    seen = {root}
    todo = [root]
    while todo:
        node = todo.pop()
        for triple in graph.triples((node, None, None)):
            yield triple
            obj = triple[2]
            if obj not in seen and obj not in stop and not isinstance(obj, Literal):
                seen.add(obj)
                todo.append(obj)
