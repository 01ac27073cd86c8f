"""Explain an inconsistency: which assertions, individuals and axioms cause it.

A reasoner only says "inconsistent" (owlready2 raises ``OwlReadyInconsistentOntologyError``
and HermiT prints nothing more). Two complementary steps turn that into a cause:

1. :func:`told_clashes`, a cheap structural check in Python: for each individual, the classes
   it belongs to by its asserted types, the domains and ranges of its properties and the
   told subclass hierarchy, checked against every disjointness axiom. It names the axioms
   (subclass steps, domain or range, the disjointness) but is not a reasoner.
2. :func:`explain`, the engine-verified search: with the engine as an oracle, it finds a
   minimal set of ABox assertions that, with the ontology's axioms, is inconsistent. It first
   tries the told clash's own assertions, then the assertions around the individuals the
   engine or the told check named, then the whole ABox; and it shrinks the first inconsistent
   candidate with QuickXplain (Junker 2004), which needs O(k log(n/k)) oracle calls for a
   k-assertion cause among n. Each HermiT call costs about a second of Java start-up, so the
   search is bounded by a call budget and says when it stopped early.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from rdflib import BNode, Graph, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from ..vocab import OWL, PREFIXES, RDF, RDFS
from .base import Engine
from .prepare import Triple, sanitise, split_assertions, with_triples
from .prepare import individuals as individuals_of

#: At most this many reasoner calls per explanation (HermiT: about one second each).
DEFAULT_BUDGET = 48


def curie(term: Node) -> str:
    """A short, readable name for a term: ``dpk:tool/SIS``, ``dpo:Tool``, else ``<iri>``."""
    if isinstance(term, URIRef):
        iri = str(term)
        for prefix, ns in sorted(PREFIXES.items(), key=lambda kv: -len(str(kv[1]))):
            if iri.startswith(str(ns)) and len(iri) > len(str(ns)):
                return f"{prefix}:{iri[len(str(ns)) :]}"
        return f"<{iri}>"
    if isinstance(term, BNode):
        return "[]"
    return term.n3()


_RESTRICTIONS = (
    (OWL.someValuesFrom, "some"),
    (OWL.allValuesFrom, "only"),
    (OWL.hasValue, "value"),
)


def render_term(graph: Graph | None, term: Node, depth: int = 0) -> str:
    """Like :func:`curie`, but spells out an anonymous class expression (Manchester style)."""
    if graph is None or not isinstance(term, BNode) or depth > 4:
        return curie(term)
    for prop, word in ((OWL.unionOf, " or "), (OWL.intersectionOf, " and ")):
        head = graph.value(term, prop)
        if head is not None:
            parts = [render_term(graph, m, depth + 1) for m in Collection(graph, head)]
            return "(" + word.join(parts) + ")"
    complement = graph.value(term, OWL.complementOf)
    if complement is not None:
        return f"not {render_term(graph, complement, depth + 1)}"
    on = graph.value(term, OWL.onProperty)
    for prop, word in _RESTRICTIONS:
        filler = graph.value(term, prop)
        if on is not None and filler is not None:
            return f"({curie(on)} {word} {render_term(graph, filler, depth + 1)})"
    return "[]"


def render_triple(triple: Triple, graph: Graph | None = None) -> str:
    """One assertion in Turtle-like text, with class expressions spelled out."""
    s, p, o = triple
    pred = "a" if p == RDF.type else curie(p)
    return f"{curie(s)} {pred} {render_term(graph, o)} ."


@dataclass(frozen=True)
class Derivation:
    """Why an individual belongs to a class: an ABox assertion, then told TBox steps."""

    cls: URIRef
    assertion: Triple
    steps: tuple[str, ...]


@dataclass(frozen=True)
class Clash:
    """An individual that belongs to two classes a disjointness axiom keeps apart."""

    individual: URIRef
    first: Derivation
    second: Derivation
    axiom: str

    @property
    def assertions(self) -> tuple[Triple, ...]:
        return tuple(dict.fromkeys((self.first.assertion, self.second.assertion)))

    def lines(self) -> list[str]:
        out = []
        for d in (self.first, self.second):
            via = "; ".join(d.steps) if d.steps else "asserted"
            out.append(f"{curie(self.individual)} is a {curie(d.cls)}: {via}")
        out.append(self.axiom)
        return out


@dataclass(frozen=True)
class Explanation:
    """The cause of an inconsistency, as found by :func:`explain`."""

    #: a set of ABox assertions that, with the ontology's axioms, is inconsistent
    assertions: tuple[Triple, ...] = ()
    #: the same assertions as text, class expressions spelled out
    rendered: tuple[str, ...] = ()
    #: the individuals those assertions are about
    individuals: tuple[URIRef, ...] = ()
    #: told clashes among them, naming the TBox axioms involved
    clashes: tuple[Clash, ...] = ()
    #: the engine's own diagnostics (owlrl's messages)
    messages: tuple[str, ...] = ()
    #: True when the set is minimal (no assertion can be dropped); False when the call
    #: budget ran out first
    minimal: bool = True
    #: True when the ontology's axioms are inconsistent without any assertion
    tbox_only: bool = False
    #: reasoner calls the search made
    calls: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)

    def lines(self) -> list[str]:
        """The explanation as text lines, for the table report and error messages."""
        out: list[str] = []
        if self.tbox_only:
            out.append("The ontology's axioms are inconsistent on their own (no assertion needed).")
        if self.assertions:
            kind = "a minimal set of" if self.minimal else "a (not minimised) set of"
            out.append(
                f"Cause: {kind} {len(self.assertions)} assertion(s) that clash "
                f"(checked with {self.calls} reasoner calls):"
            )
            out += [f"  {line}" for line in self.rendered]
        if self.individuals:
            out.append("Individuals: " + ", ".join(curie(i) for i in self.individuals))
        if self.clashes:
            out.append("Axioms involved:")
            for clash in self.clashes:
                out += [f"  {line}" for line in clash.lines()]
        if self.messages:
            out.append("Engine messages:")
            out += [f"  {m}" for m in self.messages]
        out += list(self.notes)
        return out


# ---------------------------------------------------------------------------
# Told clashes (structural, no reasoner)
# ---------------------------------------------------------------------------


def disjointness_axioms(graph: Graph) -> list[tuple[tuple[URIRef, ...], str]]:
    """Every disjointness axiom as (named members, rendering), in a stable order."""
    found: list[tuple[tuple[URIRef, ...], str]] = []
    for node in graph.subjects(RDF.type, OWL.AllDisjointClasses):
        head = graph.value(node, OWL.members)
        if head is None:
            continue
        members = tuple(m for m in Collection(graph, head) if isinstance(m, URIRef))
        found.append((members, "DisjointClasses(" + " ".join(curie(m) for m in members) + ")"))
    for a, b in graph.subject_objects(OWL.disjointWith):
        if isinstance(a, URIRef) and isinstance(b, URIRef):
            found.append(((a, b), f"DisjointClasses({curie(a)} {curie(b)})"))
    return sorted(set(found), key=lambda item: item[1])


def _super_properties(graph: Graph, prop: Node) -> list[tuple[Node, tuple[str, ...]]]:
    out: list[tuple[Node, tuple[str, ...]]] = [(prop, ())]
    seen = {prop}
    queue = deque(out)
    while queue:
        p, steps = queue.popleft()
        for q in graph.objects(p, RDFS.subPropertyOf):
            if q not in seen:
                seen.add(q)
                item = (q, (*steps, f"{curie(p)} ⊑ {curie(q)}"))
                out.append(item)
                queue.append(item)
    return out


def _inverses(graph: Graph, prop: Node) -> list[Node]:
    return [*graph.objects(prop, OWL.inverseOf), *graph.subjects(OWL.inverseOf, prop)]


def told_types(graph: Graph, individual: URIRef) -> dict[URIRef, Derivation]:
    """The named classes ``individual`` belongs to by told axioms, each with one derivation.

    Starts from its type assertions and the domains and ranges of the properties it is used
    with (through sub-properties and inverses), then climbs rdfs:subClassOf and named
    owl:equivalentClass.
    """
    starts: list[Derivation] = []
    for o in graph.objects(individual, RDF.type):
        if isinstance(o, URIRef):
            starts.append(Derivation(o, (individual, RDF.type, o), ()))

    def by_position(prop: Node, triple: Triple, as_subject: bool) -> None:
        for q, steps in _super_properties(graph, prop):
            axiom = RDFS.domain if as_subject else RDFS.range
            for cls in graph.objects(q, axiom):
                if isinstance(cls, URIRef):
                    label = "domain" if as_subject else "range"
                    starts.append(
                        Derivation(cls, triple, (*steps, f"{label}({curie(q)}) = {curie(cls)}"))
                    )
        for inv in _inverses(graph, prop):
            for q, steps in _super_properties(graph, inv):
                axiom = RDFS.range if as_subject else RDFS.domain
                for cls in graph.objects(q, axiom):
                    if isinstance(cls, URIRef):
                        label = "range" if as_subject else "domain"
                        starts.append(
                            Derivation(
                                cls,
                                triple,
                                (
                                    f"{curie(prop)} inverse of {curie(inv)}",
                                    *steps,
                                    f"{label}({curie(q)}) = {curie(cls)}",
                                ),
                            )
                        )

    for p, o in graph.predicate_objects(individual):
        if p != RDF.type:
            by_position(p, (individual, p, o), as_subject=True)
    for s, p in graph.subject_predicates(individual):
        by_position(p, (s, p, individual), as_subject=False)

    # Best-first: derivations from a type assertion before those through a domain or range
    # (they read more naturally), then the fewest steps; each class keeps its first.
    found: dict[URIRef, Derivation] = {}
    heap: list[tuple[int, int, str, int, Derivation]] = []
    counter = 0

    def push(d: Derivation) -> None:
        nonlocal counter
        counter += 1
        kind = 0 if d.assertion[1] == RDF.type else 1
        heapq.heappush(heap, (kind, len(d.steps), str(d.cls), counter, d))

    for d in starts:
        push(d)
    while heap:
        d = heapq.heappop(heap)[-1]
        if d.cls in found:
            continue
        found[d.cls] = d
        supers = [
            *graph.objects(d.cls, RDFS.subClassOf),
            *graph.objects(d.cls, OWL.equivalentClass),
        ]
        supers += list(graph.subjects(OWL.equivalentClass, d.cls))
        for sup in sorted(s for s in supers if isinstance(s, URIRef)):
            if sup not in found:
                push(Derivation(sup, d.assertion, (*d.steps, f"{curie(d.cls)} ⊑ {curie(sup)}")))
    return found


def told_clashes(graph: Graph, only: Sequence[URIRef] | None = None) -> list[Clash]:
    """Individuals whose told classes meet in a disjointness axiom (sorted, deterministic)."""
    axioms = disjointness_axioms(graph)
    if not axioms:
        return []
    candidates = sorted(individuals_of(graph)) if only is None else sorted(set(only))
    clashes: list[Clash] = []
    for ind in candidates:
        types = told_types(graph, ind)
        for members, rendering in axioms:
            present = [m for m in members if m in types]
            if len(present) >= 2:
                a, b = present[0], present[1]
                axiom = f"{curie(a)} and {curie(b)} are disjoint: {rendering}"
                clashes.append(Clash(ind, types[a], types[b], axiom))
                break
    return clashes


# ---------------------------------------------------------------------------
# Engine-verified minimal cause
# ---------------------------------------------------------------------------


class _BudgetExceeded(Exception):
    pass


def quickxplain(
    inconsistent: Callable[[Sequence[Triple]], bool],
    items: Sequence[Sequence[Triple]],
) -> list[Sequence[Triple]]:
    """A minimal sub-list of ``items`` whose union is inconsistent (QuickXplain).

    ``items`` must be inconsistent together, and the empty set consistent. Each item is a
    group of triples (one assertion, or all assertions about one individual).
    """

    def flat(groups: Sequence[Sequence[Triple]]) -> list[Triple]:
        return [t for g in groups for t in g]

    def qx(
        background: list[Sequence[Triple]], has_delta: bool, candidates: list[Sequence[Triple]]
    ) -> list[Sequence[Triple]]:
        if has_delta and inconsistent(flat(background)):
            return []
        if len(candidates) == 1:
            return candidates
        half = len(candidates) // 2
        first, second = candidates[:half], candidates[half:]
        d2 = qx(background + first, bool(first), second)
        d1 = qx(background + d2, bool(d2), first)
        return d1 + d2

    return qx([], False, list(items))


def explain(
    engine: Engine,
    graph: Graph,
    messages: Sequence[str] = (),
    budget: int = DEFAULT_BUDGET,
) -> Explanation:
    """Find, with ``engine`` as the oracle, a minimal set of assertions that is inconsistent."""
    clean = sanitise(graph)
    base, assertions = split_assertions(clean)
    calls = 0

    def inconsistent(triples: Sequence[Triple]) -> bool:
        nonlocal calls
        if calls >= budget:
            raise _BudgetExceeded
        calls += 1
        return not engine.is_consistent(with_triples(base, triples))

    if inconsistent([]):
        return Explanation(tbox_only=True, messages=tuple(messages), calls=calls)

    clashes = told_clashes(clean)
    known = individuals_of(clean)
    named = [URIRef(w) for m in messages for w in m.split() if URIRef(w) in known]
    focus = list(dict.fromkeys([*(c.individual for c in clashes), *named]))
    tries: list[list[Triple]] = []
    if clashes:
        tries.append(list(clashes[0].assertions))
    if focus:
        around = set(focus)
        tries.append([t for t in assertions if t[0] in around or t[2] in around])
    # Individuals typed with a class expression: the usual suspects when no told clash shows.
    complex_typed = {t[0] for t in assertions if t[1] == RDF.type and isinstance(t[2], BNode)}
    if complex_typed:
        tries.append([t for t in assertions if t[0] in complex_typed])
    tries.append(assertions)

    found: list[Triple] | None = None
    minimal = True
    try:
        for candidate in tries:
            if candidate and inconsistent(candidate):
                found = candidate
                break
        if found is None:
            return Explanation(
                messages=tuple(messages),
                calls=calls,
                minimal=False,
                notes=(
                    "No set of assertions is inconsistent on its own; the clash needs "
                    "annotations or structure outside the ABox.",
                ),
            )
        if len(found) > 64:  # shrink by individual first, then by assertion
            groups: dict[Node, list[Triple]] = {}
            for t in found:
                groups.setdefault(t[0], []).append(t)
            kept = quickxplain(inconsistent, [groups[k] for k in sorted(groups, key=str)])
            found = [t for g in kept for t in g]
        if len(found) > 1:
            found = [t for g in quickxplain(inconsistent, [[t] for t in found]) for t in g]
    except _BudgetExceeded:
        minimal = False
        found = found if found is not None else assertions

    found_set = set(found)
    individuals = sorted(
        {x for t in found for x in (t[0], t[2]) if isinstance(x, URIRef) and t[1] != RDF.type}
        | {t[0] for t in found if isinstance(t[0], URIRef)}
    )
    # Told clashes over the cause alone, so that every derivation uses its assertions only.
    relevant = [
        c
        for c in told_clashes(with_triples(base, found), individuals)
        if set(c.assertions) <= found_set
    ]
    notes: list[str] = []
    if not minimal:
        notes.append(f"The search stopped after {calls} reasoner calls (budget {budget}).")
    if not relevant:
        notes.append(
            "The told check (subclass, domain, range, disjointness) cannot name the axioms: "
            "this clash needs reasoning by cases. The assertions above are engine-verified."
        )
    ordered = tuple(sorted(found, key=lambda t: tuple(x.n3() for x in t)))
    return Explanation(
        assertions=ordered,
        rendered=tuple(render_triple(t, clean) for t in ordered),
        individuals=tuple(individuals),
        clashes=tuple(relevant),
        messages=tuple(messages),
        minimal=minimal,
        calls=calls,
        notes=tuple(notes),
    )
