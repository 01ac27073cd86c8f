"""The OWL 2 RL fallback: owlrl forward chaining, pure Python, no Java.

OWL 2 RL covers what this ontology's defined classes need on the subclass side
(intersection, someValuesFrom, hasValue, union, property chains), so the fallback derives the
same practice classes as HermiT on the KG (tests/test_reason_engines.py checks that). It also
detects the clashes that RL rules see: disjoint classes sharing an individual (cax-dw,
cax-adc, reached through subclass, domain and range rules), functional properties against
owl:AllDifferent, and the like. It cannot reason by cases (an individual typed with a union
of classes, say), so "no clash found" under OWL 2 RL is not a proof of OWL 2 DL consistency;
the report says so.
"""

from __future__ import annotations

from rdflib import Graph, URIRef

from ..vocab import OWL, RDF
from .base import EngineResult
from .prepare import individuals, named_classes, sanitise


class OwlrlEngine:
    """owlrl's OWL 2 RL closure (incomplete for OWL 2 DL)."""

    name = "owlrl"
    label = "owlrl (OWL 2 RL fallback)"
    complete = False

    def run(self, graph: Graph) -> EngineResult:
        closure, messages = _closure(graph)
        nothing = sorted(
            s for s in closure.subjects(RDF.type, OWL.Nothing) if isinstance(s, URIRef)
        )
        messages += [f"{s} is of type owl:Nothing" for s in nothing]
        if messages:
            return EngineResult(consistent=False, messages=tuple(messages))
        classes = named_classes(closure)
        types: dict[URIRef, frozenset[URIRef]] = {}
        for ind in sorted(individuals(graph)):
            found = {o for o in closure.objects(ind, RDF.type) if isinstance(o, URIRef)}
            types[ind] = frozenset(found & classes)
        return EngineResult(consistent=True, types=types)

    def is_consistent(self, graph: Graph) -> bool:
        return self.run(graph).consistent


def _closure(graph: Graph) -> tuple[Graph, list[str]]:
    """The OWL 2 RL closure of a sanitised copy of ``graph``, and owlrl's clash messages.

    Runs the closure class directly (not ``DeductiveClosure.expand``) so that the clash
    messages come back as strings instead of as ``err:ErrorMessage`` triples in the graph.
    Axiomatic and datatype triples are off: they add thousands of triples and no practice class.
    """
    import owlrl

    work = sanitise(graph)
    closure = owlrl.OWLRL_Semantics(work, False, False, rdfs=False)
    closure.closure()
    return work, sorted(str(m) for m in closure.error_messages)
