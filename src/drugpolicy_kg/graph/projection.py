"""Project the RDF knowledge graph (and optional action plans) into a typed networkx graph.

Everything comes from the graph itself: nodes are the instances of the ontology's classes
(found through ``rdfs:subClassOf``, which the compiled KG contains), and edges are the
triples of a fixed set of properties between those nodes. The only hand-written table here
is :data:`RELATIONS`, the mapping from RDF properties to edge types and their wording; no
practice, tool or actor is named in the code, so the projection follows the data when it
changes.

Node ids are IRIs (strings), which keeps exports faithful and lets a user pass a full IRI.
Edges carry the ``dpo:evidence`` (and ``dpo:justification``) of the ``owl:Axiom`` that
annotates the link where the KG has one (docs/ARCHITECTURE.md, "Grounded links").

The Decision itself (``dpk:decision/7301-24``) is a legal instrument in the ontology but is
left out of the projection: it recommends all 44 practices and is addressed to all 27
states, so as a node it would join everything in two steps and drown every centrality and
path in one hub that says nothing about how practices depend on each other.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from ..errors import InputError
from ..vocab import (
    DCTERMS,
    DECISION,
    DPO,
    ELI,
    OWL,
    RDF,
    RDFS,
    SKOS,
    STATUSES,
)
from .resolve import entity_key

if TYPE_CHECKING:
    import networkx as nx

log = logging.getLogger(__name__)

#: Node kinds, in display order.
KINDS: tuple[str, ...] = ("practice", "block", "theme", "actor", "tool", "legal", "state", "plan")

#: Human names of the kinds (legends, tables).
KIND_NAMES: dict[str, str] = {
    "practice": "best practice",
    "block": "building block",
    "theme": "theme",
    "actor": "actor",
    "tool": "tool",
    "legal": "legal instrument",
    "state": "state",
    "plan": "action plan",
}

#: The class whose instances (through rdfs:subClassOf*) make up each KG-derived kind.
KIND_CLASSES: dict[str, URIRef] = {
    "practice": DPO.BestPractice,
    "block": DPO.BuildingBlock,
    "theme": DPO.Theme,
    "state": DPO.State,
    "legal": DPO.LegalInstrument,
    "tool": DPO.Tool,
    "actor": DPO.Actor,
}


@dataclass(frozen=True)
class Relation:
    """One edge type: the RDF property it comes from and how to say it in words.

    ``depends`` marks the edges along which the source relies on the target (a practice on
    its tools, a tool on its legal basis and operator, ...): the dependency view used by
    ``deps``, ``impact`` and ``rank``.
    """

    name: str
    prop: URIRef | None
    phrase: str
    inverse: str
    depends: bool
    #: Only between nodes of this kind (skos:broader links actors, but also themes to blocks).
    kind: str | None = None


RELATIONS: dict[str, Relation] = {
    r.name: r
    for r in (
        Relation("in_block", DPO.buildingBlock, "belongs to building block", "contains", False),
        Relation("has_theme", DPO.theme, "falls under theme", "groups", False),
        Relation("uses_tool", DPO.usesTool, "uses", "is used by", True),
        Relation("involves_actor", DPO.involvesActor, "involves", "is involved in", True),
        Relation(
            "legal_basis", DPO.hasLegalBasis, "has the legal basis", "is the legal basis of", True
        ),
        Relation("operated_by", DPO.operatedBy, "is operated by", "operates", True),
        Relation("established_by", DPO.establishedBy, "was established by", "established", True),
        Relation("governed_by", DPO.governedBy, "is governed by", "governs", True),
        # The actor hierarchy: impact on law enforcement reaches the practices naming police.
        Relation("kind_of", SKOS.broader, "is a kind of", "includes", True, kind="actor"),
        Relation(
            "theme_actor", DPO.themeInvolvesActor, "names for the whole theme", "is named in", False
        ),
        Relation(
            "related_theme", DPO.relatedTheme, "also addresses theme", "is also addressed by", False
        ),
        Relation("based_on", ELI.based_on, "is based on", "is the basis of", True),
        Relation("amends", ELI.amends, "amends", "is amended by", False),
        Relation("repeals", ELI.repeals, "repeals", "is repealed by", False),
        Relation("submitted_by", DPO.submittedBy, "was submitted by", "submitted", False),
        Relation("adopted", None, "has adopted", "is adopted by", False),
        Relation("planned", None, "plans to adopt", "is planned by", False),
    )
}

#: Plan statuses that give a state -> practice edge (the issue: "adopted or planned").
STATUS_EDGES: dict[str, str] = {"Adopted": "adopted", "Planned": "planned"}
STATUS_NAMES: tuple[str, ...] = tuple(str(s).rsplit("#", 1)[-1] for s in STATUSES)


@dataclass(frozen=True)
class Plan:
    """One action plan, reduced to what the network needs.

    ``statuses`` maps practice IRIs to a status name of :data:`STATUS_NAMES`; ``measures``
    holds the ``dpo:implementationMeasures`` text where the plan gives one.
    """

    id: str
    source: str
    state: str
    issued: str | None
    statuses: Mapping[str, str]
    measures: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Projection:
    """The typed network plus what resolving names and drawing pictures need.

    ``aliases`` maps each node to every name a user may call it by (key, notation, labels).
    ``plans`` are the plans in force, one per state (see :func:`latest_per_state`).
    """

    graph: nx.MultiDiGraph
    aliases: dict[str, list[str]]
    plans: list[Plan]

    def kind(self, node: str) -> str:
        return str(self.graph.nodes[node]["kind"])

    def label(self, node: str) -> str:
        return str(self.graph.nodes[node]["label"])

    def nodes_of(self, *kinds: str) -> list[str]:
        """Nodes of the given kinds, in the projection's deterministic order."""
        return [n for n, k in self.graph.nodes(data="kind") if k in kinds]

    def describe(self, node: str) -> str:
        """``label (kind)``, with the full name when the label is a short code."""
        data = self.graph.nodes[node]
        name = data.get("name")
        label = data["label"]
        if name and name != label:
            return f"{label} ({KIND_NAMES[data['kind']]}: {name})"
        return f"{label} ({KIND_NAMES[data['kind']]})"


def _local(iri: Node) -> str:
    text = str(iri)
    return re.split(r"[#/]", text)[-1]


def _subclasses(kg: Graph, cls: URIRef) -> set[Node]:
    return {c for c in kg.transitive_subjects(RDFS.subClassOf, cls) if c is not None}


def _instances(kg: Graph, cls: URIRef) -> dict[Node, set[Node]]:
    """Instances of ``cls`` (through rdfs:subClassOf*) and the classes they were found by."""
    out: dict[Node, set[Node]] = {}
    for c in _subclasses(kg, cls):
        for s in kg.subjects(RDF.type, c):
            out.setdefault(s, set()).add(c)
    return out


def _specific(kg: Graph, classes: set[Node]) -> str:
    """The most specific of ``classes`` (one that no other of them is a superclass of)."""
    best = sorted(
        str(c)
        for c in classes
        if not any(o != c and c in set(kg.transitive_objects(o, RDFS.subClassOf)) for o in classes)
    )
    return _local(URIRef(best[0])) if best else ""


def _text(kg: Graph, node: Node, *props: URIRef) -> str | None:
    """The first English (or untagged) literal of the first property that has one."""
    for prop in props:
        values = sorted(
            (o for o in kg.objects(node, prop) if isinstance(o, Literal)),
            key=lambda lit: (lit.language not in (None, "en"), str(lit)),
        )
        if values:
            return str(values[0])
    return None


def _acronym(labels: Iterable[str]) -> str | None:
    found = sorted(x for x in labels if re.fullmatch(r"[A-Z][A-Z0-9-]{1,9}", x))
    return found[0] if found else None


def _axioms(
    kg: Graph,
) -> dict[tuple[Node, Node, Node], tuple[str | None, str | None, str | None]]:
    """Evidence, justification and statement kind (stated, implied, curated) per statement."""
    out: dict[tuple[Node, Node, Node], tuple[str | None, str | None, str | None]] = {}
    for ax in kg.subjects(RDF.type, OWL.Axiom):
        s = kg.value(ax, OWL.annotatedSource)
        p = kg.value(ax, OWL.annotatedProperty)
        o = kg.value(ax, OWL.annotatedTarget)
        if s is None or p is None or o is None:
            continue
        kind = kg.value(ax, DPO.statementKind)
        out[(s, p, o)] = (
            _text(kg, ax, DPO.evidence),
            _text(kg, ax, DPO.justification),
            _text(kg, kind, SKOS.notation) if kind is not None else None,
        )
    return out


def _natural(text: str) -> tuple[Any, ...]:
    return tuple(int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", text))


def _collect_nodes(kg: Graph) -> dict[str, dict[str, Any]]:
    """Every KG node of the projection with its attributes (kind, label, name, key, ...)."""
    found: dict[Node, tuple[str, set[Node]]] = {}
    for kind, cls in KIND_CLASSES.items():  # first kind wins (the dict's order)
        for inst, classes in _instances(kg, cls).items():
            if not isinstance(inst, URIRef) or inst == DECISION or inst in found:
                continue
            found[inst] = (kind, classes)

    block_no: dict[Node, int] = {}
    for b, (kind, _) in found.items():
        if kind == "block":
            num = kg.value(b, DPO.blockNumber)
            block_no[b] = int(num) if isinstance(num, Literal) else 0

    nodes: dict[str, dict[str, Any]] = {}
    for inst, (kind, classes) in found.items():
        iri = str(inst)
        key = entity_key(iri)
        notation = _text(kg, inst, SKOS.notation)
        name = _text(kg, inst, SKOS.prefLabel, RDFS.label) or key
        alts = sorted({str(o) for o in kg.objects(inst, SKOS.altLabel) if isinstance(o, Literal)})
        attrs: dict[str, Any] = {"kind": kind, "name": name, "code": key}
        if kind in ("practice", "block", "theme") and notation:
            attrs["label"] = notation
            attrs["code"] = notation
        elif kind == "tool":
            attrs["label"] = _acronym(alts) or name
        elif kind == "state":
            attrs["label"] = name
        else:
            attrs["label"] = name
        if kind in ("tool", "actor", "legal"):
            attrs["category"] = _specific(kg, classes)
        if kind == "block":
            short = _text(kg, inst, SKOS.altLabel)
            if short:
                attrs["short"] = short
            sort: tuple[Any, ...] = (block_no.get(inst, 0),)
        elif kind == "practice":
            block = kg.value(inst, DPO.buildingBlock)
            number = kg.value(inst, DPO.practiceNumber)
            attrs["block"] = entity_key(str(block)) if block is not None else ""
            text = _text(kg, inst, DCTERMS.description)
            if text:
                attrs["text"] = text
            pnum = int(number) if isinstance(number, Literal) else 0
            sort = (block_no.get(block, 0) if block is not None else 0, pnum)
        elif kind == "theme":
            short = _text(kg, inst, SKOS.altLabel)
            if short:
                attrs["short"] = short
            sort = _natural(attrs["code"])
        else:
            sort = _natural(attrs["label"]) + _natural(key)
        attrs["_sort"] = (KINDS.index(kind), sort)
        attrs["_aliases"] = sorted({iri, key, name, *alts, *([notation] if notation else [])})
        nodes[iri] = attrs
    return nodes


def _add_plan_parts(
    nodes: dict[str, dict[str, Any]],
    edges: list[tuple[str, str, dict[str, Any]]],
    plans: Sequence[Plan],
) -> None:
    for plan in plans:
        if plan.state not in nodes:
            key = entity_key(plan.state)
            nodes[plan.state] = {
                "kind": "state",
                "name": key,
                "code": key,
                "label": key,
                "_sort": (KINDS.index("state"), _natural(key)),
                "_aliases": sorted({plan.state, key}),
            }
        state = nodes[plan.state]
        label = f"Action plan of {state['label']}" + (f" ({plan.issued})" if plan.issued else "")
        nodes[plan.id] = {
            "kind": "plan",
            "name": label,
            "code": plan.id,
            "label": label,
            "source": plan.source,
            "_sort": (KINDS.index("plan"), _natural(str(state["label"])), plan.issued or ""),
            "_aliases": sorted({plan.id, label}),
        }
        if plan.issued:
            nodes[plan.id]["issued"] = plan.issued
        rel = RELATIONS["submitted_by"]
        edges.append((plan.id, plan.state, {"relation": rel.name, "label": rel.phrase}))
        for practice, status in sorted(plan.statuses.items()):
            if status not in STATUS_EDGES:
                continue
            if practice not in nodes or nodes[practice]["kind"] != "practice":
                log.warning("%s: %s is not a practice of the KG; ignored", plan.source, practice)
                continue
            rel = RELATIONS[STATUS_EDGES[status]]
            attrs: dict[str, Any] = {"relation": rel.name, "label": rel.phrase, "plan": plan.id}
            if plan.measures.get(practice):
                attrs["evidence"] = plan.measures[practice]
            edges.append((plan.state, practice, attrs))


def project(kg: Graph, plans: Sequence[Plan] = ()) -> Projection:
    """The typed :class:`networkx.MultiDiGraph` of the KG, with plans if given.

    Nodes and edges are inserted in a fixed order (by kind, then notation or label), so
    every export and picture made from the projection is byte-for-byte reproducible.
    Parallel edges are keyed by their relation name.
    """
    import networkx as nx

    nodes = _collect_nodes(kg)
    axioms = _axioms(kg)
    edges: list[tuple[str, str, dict[str, Any]]] = []
    for rel in RELATIONS.values():
        if rel.prop is None:
            continue
        for s, o in kg.subject_objects(rel.prop):
            ss, oo = str(s), str(o)
            if ss not in nodes or oo not in nodes or isinstance(s, BNode):
                continue
            if rel.kind and not nodes[ss]["kind"] == nodes[oo]["kind"] == rel.kind:
                continue
            attrs: dict[str, Any] = {"relation": rel.name, "label": rel.phrase}
            evidence, justification, statement = axioms.get((s, rel.prop, o), (None, None, None))
            if evidence:
                attrs["evidence"] = evidence
            if justification:
                attrs["justification"] = justification
            if statement:
                attrs["statement"] = statement
            edges.append((ss, oo, attrs))
    in_force = latest_per_state(plans)
    _add_plan_parts(nodes, edges, in_force)

    g = nx.MultiDiGraph()
    order = sorted(nodes, key=lambda n: nodes[n]["_sort"])
    aliases: dict[str, list[str]] = {}
    for n in order:
        attrs = {k: v for k, v in nodes[n].items() if not k.startswith("_")}
        aliases[n] = nodes[n]["_aliases"]
        g.add_node(n, **attrs)
    rank = {n: i for i, n in enumerate(order)}
    for src, dst, data in sorted(edges, key=lambda e: (rank[e[0]], e[2]["relation"], rank[e[1]])):
        g.add_edge(src, dst, key=data["relation"], **data)
    return Projection(graph=g, aliases=aliases, plans=list(in_force))


def latest_per_state(plans: Sequence[Plan]) -> list[Plan]:
    """One plan per state: the latest ``dcterms:issued`` (then the last source name) wins.

    A state may resubmit its plan (Recital 12 asks for updates); the network shows the plan
    in force (revisions are normal since issue 17: logged at info level, -v shows them).
    """
    best: dict[str, Plan] = {}
    for plan in plans:
        cur = best.get(plan.state)
        if cur is None or (plan.issued or "", plan.source, plan.id) > (
            cur.issued or "",
            cur.source,
            cur.id,
        ):
            if cur is not None:
                log.info("%s: %s supersedes %s", plan.state, plan.id, cur.id)
            best[plan.state] = plan
        else:
            log.info("%s: %s supersedes %s", plan.state, cur.id, plan.id)
    return [best[s] for s in sorted(best, key=entity_key)]


# --- reading action plans -----------------------------------------------------------------


def plans_from_graph(g: Graph, source: str) -> list[Plan]:
    """The ``dpo:ActionPlan`` resources of one parsed document (contract shape)."""
    plans: list[Plan] = []
    found = sorted(g.subjects(RDF.type, DPO.ActionPlan), key=str)
    for i, plan in enumerate(found, start=1):
        pid = str(plan) if isinstance(plan, URIRef) else f"{source}#plan-{i}"
        states = sorted(str(o) for o in g.objects(plan, DPO.submittedBy) if isinstance(o, URIRef))
        if len(states) != 1:
            raise InputError(
                f"action plan {pid} must name exactly one state with dpo:submittedBy "
                f"(found {len(states)})",
                source=source,
            )
        issued = g.value(plan, DCTERMS.issued)
        statuses: dict[str, str] = {}
        measures: dict[str, str] = {}
        for section in g.objects(plan, DPO.hasSection):
            for entry in g.objects(section, DPO.hasEntry):
                practice = g.value(entry, DPO.practice)
                status = g.value(entry, DPO.status)
                if practice is None or status is None:
                    continue
                name = _local(status)
                if status not in STATUSES:
                    log.warning("%s: unknown status %s for %s; ignored", source, status, practice)
                    continue
                statuses[str(practice)] = name
                text = _text(g, entry, DPO.implementationMeasures)
                if text:
                    measures[str(practice)] = " ".join(text.split())
        plans.append(
            Plan(
                id=pid,
                source=source,
                state=states[0],
                issued=str(issued) if issued is not None else None,
                statuses=statuses,
                measures=measures,
            )
        )
    return plans


def read_plans(paths: Sequence[str | Path]) -> list[Plan]:
    """Read action plans from files and folders through the safe loader (:mod:`..rdfio`).

    Raises :class:`~drugpolicy_kg.errors.InputError` naming the file for unreadable input
    and for a file that holds no ``dpo:ActionPlan``.
    """
    from ..rdfio import load_many, union_graph

    plans: list[Plan] = []
    for name, dataset in load_many(paths):
        found = plans_from_graph(union_graph(dataset), name)
        if not found:
            raise InputError("no dpo:ActionPlan in this file", source=name)
        plans.extend(found)
    return plans


def status_matrix(proj: Projection) -> tuple[list[str], list[str], list[list[str | None]]]:
    """States x practices: the status each plan in force gives each practice (or None)."""
    practices = proj.nodes_of("practice")
    states = [p.state for p in proj.plans]
    rows = [[plan.statuses.get(pr) for pr in practices] for plan in proj.plans]
    return states, practices, rows
