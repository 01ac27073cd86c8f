"""What each page shows, assembled from the KG and the graph analyses (no logic in templates).

:class:`WebKG` holds the compiled KG, the networkx projection (with action plans when given)
and the indexes the pages need. :meth:`WebKG.page` turns a site path into a :class:`Page`:
a template name and a context of plain values (:class:`Ref` for every link). Every page is
generic over its kind: the same code renders all 44 practices, all tools, all acts. What a
kind adds comes from library calls: :func:`~drugpolicy_kg.graph.analysis.impact` and
:func:`~drugpolicy_kg.graph.analysis.deps` for what relies on what,
:func:`~drugpolicy_kg.graph.analysis.practice_network` for similar practices,
:func:`~drugpolicy_kg.graph.analysis.rank` for the EU systems ranked, the plans for statuses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from ..graph import analysis
from ..graph.projection import KIND_NAMES, Plan, Projection, project
from ..vocab import (
    CELEX,
    DCTERMS,
    DECISION,
    DPO,
    ELI,
    ELI_BASE,
    EVALUATION,
    ONTOLOGY_IRI,
    OWL,
    PREFIXES,
    RDF,
    RDFS,
    SKOS,
    STATUSES,
)
from . import iris

#: Labels of kinds on pages (the projection's names, plus the kinds it leaves out).
KIND_TITLES: dict[str, str] = {**KIND_NAMES, "resource": "resource", "ontology": "ontology"}
STATUS_NAMES = tuple(str(s).rsplit("#", 1)[-1] for s in STATUSES)
#: Properties shown in the page header or text block rather than in the facts table.
_HEADER_PROPS = {RDF.type, SKOS.prefLabel, RDFS.label, DCTERMS.description}
_TEXT_PROPS = (SKOS.definition, RDFS.comment, DCTERMS.description)
_MAX_SEARCH_TEXT = 600


@dataclass(frozen=True)
class Ref:
    """A link to a resource: its IRI, its site path (None: an outside IRI) and a label."""

    iri: str
    label: str
    path: str | None = None
    fragment: str | None = None
    kind: str = ""
    note: str = ""


@dataclass
class Value:
    """One value in a facts table: a link or a literal (with its language or datatype)."""

    ref: Ref | None = None
    text: str = ""
    lang: str | None = None
    datatype: str | None = None


@dataclass
class Fact:
    prop: Ref
    values: list[Value]


@dataclass
class Segment:
    """A piece of a verbatim text; ``link`` is set where the piece is a link's evidence."""

    text: str
    link: Ref | None = None
    relation: str = ""
    justification: str | None = None


@dataclass
class Page:
    """A rendered page's template and context; ``path`` is its site path (no extension)."""

    template: str
    path: str
    title: str
    iri: str | None
    kind: str
    context: dict[str, Any] = field(default_factory=dict)
    rdf: bool = True


#: Kinds whose pages share another kind's template: a theme is a group of practices, as a block.
_TEMPLATES = {"theme": "block.html"}


def _natural(text: str) -> tuple[Any, ...]:
    return tuple(
        (0, int(t), "") if t.isdigit() else (1, 0, t.lower()) for t in re.split(r"(\d+)", text)
    )


def english(values: Iterable[Node]) -> list[Literal]:
    """The literals among ``values``, English and untagged first, then by text."""
    lits = [v for v in values if isinstance(v, Literal)]
    return sorted(lits, key=lambda lit: (lit.language not in (None, "en"), str(lit)))


class WebKG:
    """The KG as the web layer sees it: labels, kinds, descriptions and page contexts.

    Built once per process (``serve``) or per run (``site``); read-only afterwards, so every
    page can be cached by its path.
    """

    def __init__(self, kg: Graph | None = None, plans: Sequence[Plan] = ()) -> None:
        from ..kg import cached_kg

        self.kg = kg if kg is not None else cached_kg()
        self.proj: Projection = project(self.kg, plans)
        self.plans = self.proj.plans

    # --- names --------------------------------------------------------------------------

    @cached_property
    def _labels(self) -> dict[Node, str]:
        out: dict[Node, str] = {}
        for prop in (SKOS.notation, RDFS.label, SKOS.prefLabel):  # later wins
            for s, o in self.kg.subject_objects(prop):
                if isinstance(o, Literal) and (o.language in (None, "en")):
                    out[s] = str(o)
        return out

    def has_label(self, node: Node) -> bool:
        """Whether the KG gives ``node`` a label or notation of its own."""
        return node in self._labels

    def label(self, node: Node) -> str:
        """A person's name for ``node``: its English label, else its notation, else its key."""
        found = self._labels.get(node)
        if found:
            return found
        text = str(node)
        if not isinstance(node, URIRef):
            return text
        for prefix, ns in PREFIXES.items():  # a compact name: dpo:usesTool, celex:32016R0794
            local = text[len(str(ns)) :]
            if text.startswith(str(ns)) and local and re.fullmatch(r"[\w.-]+", local):
                return f"{prefix}:{local}"
        return text

    def kind(self, node: Node) -> str:
        s = str(node)
        if s in self.proj.graph:
            return self.proj.kind(s)
        if iris.path_of(s) in ("ontology", "shapes") or s.startswith(str(ONTOLOGY_IRI)):
            return "ontology"
        return "resource"

    def display(self, node: Node) -> str:
        """``III.2 Title`` for practices (notation first), the label otherwise."""
        s = str(node)
        if s in self.proj.graph and self.proj.kind(s) in ("practice", "block", "theme"):
            data = self.proj.graph.nodes[s]
            return f"{data['code']} {data['name']}"
        return self.label(node)

    def ref(self, node: Node, note: str = "") -> Ref:
        s = str(node)
        return Ref(
            iri=s,
            label=self.display(node),
            path=iris.path_of(s),
            fragment=iris.fragment_of(s),
            kind=self.kind(node),
            note=note,
        )

    def value(self, node: Node) -> Value:
        if isinstance(node, Literal):
            dt = str(node.datatype) if node.datatype is not None else None
            return Value(text=str(node), lang=node.language, datatype=dt and self.label(URIRef(dt)))
        if isinstance(node, BNode):
            return Value(text="(an anonymous node)")
        return Value(ref=self.ref(node))

    # --- which resources have pages -----------------------------------------------------

    @cached_property
    def resources(self) -> list[URIRef]:
        """Every IRI with its own page: each KG IRI that has a site path (dpo: terms share
        the ontology page and are left out), sorted."""
        found: set[URIRef] = set()
        for triple in self.kg:
            for t in triple:
                if isinstance(t, URIRef) and iris.path_of(str(t)) not in (None, "ontology"):
                    if iris.path_of(str(t)) == "shapes":
                        continue
                    found.add(t)
        return sorted(found, key=lambda u: _natural(str(u)))

    @cached_property
    def _by_path(self) -> dict[str, URIRef]:
        out = {iris.path_of(str(u)) or "": u for u in self.resources}
        out["ontology"] = ONTOLOGY_IRI
        out["shapes"] = URIRef(iris.SHAPES_IRI)
        return out

    def known(self, path: str) -> URIRef | None:
        """The IRI a site path names when the KG has it, else None (then: 404)."""
        return self._by_path.get(path)

    def paths(self) -> list[str]:
        """Every resource path, in a stable order (the static site writes one page each)."""
        return sorted(self._by_path, key=_natural)

    # --- descriptions -------------------------------------------------------------------

    @cached_property
    def ontology_graph(self) -> Graph:
        from ..kg import load_ontology

        return load_ontology()

    @cached_property
    def shapes_graph(self) -> Graph:
        from ..resources import iter_assets
        from .rdf import new_graph

        g = new_graph()
        for res in iter_assets("shapes", ".ttl"):
            g.parse(data=res.read_text(encoding="utf-8"), format="turtle")
        g.bind("dps", iris.SHAPES_IRI + "#")
        return g

    def description(self, iri: URIRef) -> Graph:
        """The RDF a resource's IRI returns (see :mod:`.rdf`)."""
        from .rdf import description

        if iri == ONTOLOGY_IRI or iri == self.version_iri:
            return self.ontology_graph
        if str(iri) == iris.SHAPES_IRI:
            return self.shapes_graph
        return description(self.kg, iri)

    # --- the page of a path -------------------------------------------------------------

    def page(self, path: str) -> Page | None:
        """The page of a site path (no extension), or None when nothing lives there."""
        iri = self.known(path)
        if iri is None:
            return None
        if iri == ONTOLOGY_IRI or iri == self.version_iri:
            return self.ontology_page(iris.path_of(str(iri)) or "ontology")
        if str(iri) == iris.SHAPES_IRI:
            return self.shapes_page()
        return self.resource_page(iri)

    def facts(self, iri: Node, skip: set[URIRef] = _HEADER_PROPS) -> list[Fact]:
        """Every outgoing property of ``iri`` and its values (the generic table)."""
        by_prop: dict[URIRef, list[Node]] = {}
        for p, o in self.kg.predicate_objects(iri):
            if isinstance(p, URIRef) and p not in skip:
                by_prop.setdefault(p, []).append(o)
        out = []
        for p in sorted(by_prop, key=lambda u: (self.label(u).lower(), str(u))):
            values = sorted(
                by_prop[p],
                key=lambda o: _natural(self.display(o) if not isinstance(o, Literal) else str(o)),
            )
            out.append(Fact(self.ref(p), [self.value(o) for o in values]))
        return out

    def inbound(self, iri: Node, skip: Iterable[URIRef] = ()) -> list[Fact]:
        """Resources that point at ``iri``, by property ("referenced by")."""
        skipped = set(skip)
        by_prop: dict[URIRef, set[Node]] = {}
        for s, p in self.kg.subject_predicates(iri):
            if isinstance(s, URIRef) and isinstance(p, URIRef) and p not in skipped:
                by_prop.setdefault(p, set()).add(s)
        return [
            Fact(
                self.ref(p),
                [
                    self.value(s)
                    for s in sorted(by_prop[p], key=lambda n: _natural(self.display(n)))
                ],
            )
            for p in sorted(by_prop, key=lambda u: (self.label(u).lower(), str(u)))
        ]

    def texts(self, iri: Node) -> list[tuple[str, str]]:
        """Definitions, comments and descriptions: (property label, text)."""
        out = []
        for prop in _TEXT_PROPS:
            for lit in english(self.kg.objects(iri, prop)):
                out.append((self.label(prop), str(lit)))
        return out

    def resource_page(self, iri: URIRef) -> Page:
        s = str(iri)
        kind = self.kind(iri)
        types = sorted(
            (self.ref(t) for t in self.kg.objects(iri, RDF.type) if isinstance(t, URIRef)),
            key=lambda r: r.label.lower(),
        )
        alt = sorted(
            {str(o) for o in self.kg.objects(iri, SKOS.altLabel) if isinstance(o, Literal)}
        )
        ctx: dict[str, Any] = {
            "types": types,
            "alt_labels": alt,
            "texts": [
                t
                for t in self.texts(iri)
                if t[0] != self.label(DCTERMS.description) or kind != "practice"
            ],
            "facts": self.facts(iri),
            "inbound": self.inbound(iri, skip=(OWL.annotatedTarget, OWL.annotatedSource)),
            "graph": None,
        }
        extra = getattr(self, f"_{kind}_context", None)
        if extra is not None:
            ctx.update(extra(s))
        if iri == DECISION:
            ctx.update(self._decision_context())
        template = (
            _TEMPLATES.get(kind, f"{kind}.html")
            if extra is not None or iri == DECISION
            else "resource.html"
        )
        if iri == DECISION:
            template = "decision.html"
        return Page(template, iris.path_of(s) or "", self.display(iri), s, kind, ctx)

    # --- per kind -----------------------------------------------------------------------

    def _edges_out(self, node: str, *relations: str) -> list[tuple[str, dict[str, Any]]]:
        g = self.proj.graph
        return [(v, d) for _, v, d in g.out_edges(node, data=True) if d["relation"] in relations]

    def _edges_in(self, node: str, *relations: str) -> list[tuple[str, dict[str, Any]]]:
        g = self.proj.graph
        return [(u, d) for u, _, d in g.in_edges(node, data=True) if d["relation"] in relations]

    def segments(self, text: str, links: Sequence[tuple[str, dict[str, Any]]]) -> list[Segment]:
        """``text`` cut into pieces, each link's evidence words marked where they first occur.

        Where evidences overlap, the earlier (then the longer) one is marked and the other
        is still listed beside the text.
        """
        spans: list[tuple[int, int, str, dict[str, Any]]] = []
        for target, data in links:
            ev = data.get("evidence")
            if not ev:
                continue
            at = text.find(ev)
            if at >= 0:
                spans.append((at, at + len(ev), target, data))
        spans.sort(key=lambda sp: (sp[0], -(sp[1] - sp[0]), sp[2]))
        out: list[Segment] = []
        pos = 0
        for start, end, target, data in spans:
            if start < pos:
                continue
            if start > pos:
                out.append(Segment(text[pos:start]))
            out.append(
                Segment(
                    text[start:end],
                    link=self.ref(URIRef(target)),
                    relation=str(data.get("label", "")),
                    justification=data.get("justification"),
                )
            )
            pos = end
        if pos < len(text):
            out.append(Segment(text[pos:]))
        return out

    def _link_rows(self, node: str, relation: str) -> list[dict[str, Any]]:
        return [
            {
                "ref": self.ref(URIRef(t)),
                "evidence": d.get("evidence"),
                "justification": d.get("justification"),
            }
            for t, d in self._edges_out(node, relation)
        ]

    def _practice_context(self, node: str) -> dict[str, Any]:
        g = self.proj.graph
        data = g.nodes[node]
        links = self._edges_out(node, "uses_tool", "involves_actor", "legal_basis")
        block = next((self.ref(URIRef(b)) for b, _ in self._edges_out(node, "in_block")), None)
        theme = next((self.ref(URIRef(t)) for t, _ in self._edges_out(node, "has_theme")), None)
        dep = analysis.deps(self.proj, node)
        indirect = [
            {"ref": self.ref(URIRef(r.node["id"])), "explanations": r.explanations}
            for r in dep.depends_on
            if r.distance > 1
        ]
        pn = self._practice_network
        similar = sorted(
            ((v, d) for v, d in pn[node].items()),
            key=lambda vd: (-vd[1]["weight"], self._order[vd[0]]),
        )[:6]
        similar_rows = [
            {
                "ref": self.ref(URIRef(v)),
                "weight": round(d["weight"], 2),
                "shared": [self.ref(URIRef(t)) for t in d["shared"]],
            }
            for v, d in similar
        ]
        states = []
        for plan in self.plans:
            status = plan.statuses.get(node)
            states.append(
                {
                    "state": self.ref(URIRef(plan.state)),
                    "status": status or "not listed",
                    "measures": plan.measures.get(node),
                    "plan": plan.id,
                }
            )
        return {
            "segments": self.segments(data.get("text", ""), links),
            "notation": data["code"],
            "block": block,
            "theme": theme,
            "tools": self._link_rows(node, "uses_tool"),
            "actors": self._link_rows(node, "involves_actor"),
            "legal": self._link_rows(node, "legal_basis"),
            "indirect": indirect,
            "similar": similar_rows,
            "states": states,
            "adopted_by": [s["state"] for s in states if s["status"] == "Adopted"],
            "graph": self.neighbourhood(node),
        }

    @cached_property
    def _practice_network(self) -> Any:
        return analysis.practice_network(self.proj)

    @cached_property
    def _order(self) -> dict[str, int]:
        return {n: i for i, n in enumerate(self.proj.graph.nodes)}

    def _relied_on(self, practices: Sequence[str]) -> list[dict[str, Any]]:
        """What a group of practices relies on directly, most used first."""
        count: dict[str, list[str]] = {}
        for p in practices:
            for t, _ in self._edges_out(p, "uses_tool", "involves_actor", "legal_basis"):
                count.setdefault(t, []).append(p)
        rows = sorted(count.items(), key=lambda kv: (-len(kv[1]), self._order[kv[0]]))
        return [
            {"ref": self.ref(URIRef(t)), "count": len(ps), "kind": KIND_TITLES[self.proj.kind(t)]}
            for t, ps in rows
        ]

    def _practice_rows(self, practices: Sequence[str]) -> list[Ref]:
        return [self.ref(URIRef(p)) for p in sorted(practices, key=lambda p: self._order[p])]

    def _block_context(self, node: str) -> dict[str, Any]:
        practices = [
            u for u, _ in self._edges_in(node, "in_block") if self.proj.kind(u) == "practice"
        ]
        themes = [u for u, _ in self._edges_in(node, "in_block") if self.proj.kind(u) == "theme"]
        return {
            "practices": self._practice_rows(practices),
            "themes": [self.ref(URIRef(t)) for t in sorted(themes, key=lambda t: self._order[t])],
            "relied_on": self._relied_on(practices),
        }

    def _theme_context(self, node: str) -> dict[str, Any]:
        practices = [u for u, _ in self._edges_in(node, "has_theme")]
        return {
            "practices": self._practice_rows(practices),
            "relied_on": self._relied_on(practices),
        }

    def _impact_rows(self, node: str) -> dict[str, Any]:
        res = analysis.impact(self.proj, node)
        rows = [
            {
                "ref": self.ref(URIRef(r.node["id"])),
                "direct": r.distance == 1,
                "explanations": r.explanations,
                "evidence": r.evidence,
            }
            for r in res.practices
        ]
        by_block = [
            {
                "block": self.ref(URIRef(b)),
                "practices": res.by_block.get(self.proj.graph.nodes[b]["code"], []),
            }
            for b in self.proj.nodes_of("block")
        ]
        states = (
            [
                {
                    "state": self.ref(URIRef(s.state["id"])),
                    "adopted": s.adopted,
                    "planned": s.planned,
                }
                for s in res.states
            ]
            if res.states is not None
            else []
        )
        ranked = self._ranks.get(node)
        return {"impact": rows, "by_block": by_block, "impact_states": states, "rank": ranked}

    @cached_property
    def _ranks(self) -> dict[str, analysis.Ranked]:
        return {r.node["id"]: r for r in analysis.rank(self.proj).rows}

    def _identifiers(self, node: str) -> dict[str, Any]:
        iri = URIRef(node)
        return {
            "matches": [
                self.ref(o) for o in sorted(self.kg.objects(iri, SKOS.exactMatch), key=str)
            ],
            "confidence": [str(o) for o in english(self.kg.objects(iri, DPO.identifierConfidence))],
            "category": self.ref(DPO[self.proj.graph.nodes[node].get("category", "Tool")])
            if self.proj.graph.nodes[node].get("category")
            else None,
        }

    def _tool_context(self, node: str) -> dict[str, Any]:
        return {
            **self._impact_rows(node),
            **self._identifiers(node),
            "legal_bases": [self.ref(URIRef(t)) for t, _ in self._edges_out(node, "legal_basis")],
            "operators": [self.ref(URIRef(t)) for t, _ in self._edges_out(node, "operated_by")],
            "graph": self.neighbourhood(node),
        }

    def _actor_context(self, node: str) -> dict[str, Any]:
        return {
            **self._impact_rows(node),
            "operates": [self.ref(URIRef(u)) for u, _ in self._edges_in(node, "operated_by")],
            "graph": self.neighbourhood(node),
        }

    @cached_property
    def _decision_text(self) -> str:
        from ..resources import read_text
        from ..source import SOURCE_FILE, normalise

        return normalise(read_text("sources", SOURCE_FILE))

    def citation(self, node: str) -> dict[str, Any]:
        """Whether the Decision cites an act: the words that ground a link to it, or one of
        its names found in the Decision's text; else the act is curated background."""
        iri = URIRef(node)
        words = []
        for ax in self.kg.subjects(OWL.annotatedTarget, iri):
            for ev in self.kg.objects(ax, DPO.evidence):
                src = self.kg.value(ax, OWL.annotatedSource)
                words.append(
                    {"text": str(ev), "source": self.ref(src) if src is not None else None}
                )
        names = [str(o) for p in (RDFS.label, SKOS.altLabel) for o in self.kg.objects(iri, p)]
        found = sorted({n for n in names if len(n) > 3 and n in self._decision_text})
        # Deterministic order (the graph's order of axioms depends on hashing): by words, then
        # by the citing resource's label.
        words.sort(key=lambda w: (str(w["text"]), str(getattr(w["source"], "iri", ""))))
        return {"cited": bool(words or found), "cited_words": words, "cited_names": found}

    def _legal_context(self, node: str) -> dict[str, Any]:
        iri = URIRef(node)
        celex = sorted(
            (o for o in self.kg.objects(iri, SKOS.exactMatch) if str(o).startswith(str(CELEX))),
            key=str,
        )
        return {
            **self._impact_rows(node),
            **self._identifiers(node),
            **self.citation(node),
            "eli": node if node.startswith(ELI_BASE) else None,
            "celex": [
                {"iri": str(c), "number": str(c)[len(str(CELEX)) :]} for c in sorted(celex, key=str)
            ],
            "tools": [
                self.ref(URIRef(u))
                for u, _ in self._edges_in(node, "legal_basis")
                if self.proj.kind(u) == "tool"
            ],
            "eli_title": next((str(o) for o in english(self.kg.objects(iri, ELI.title))), None),
            "graph": self.neighbourhood(node),
        }

    def _state_context(self, node: str) -> dict[str, Any]:
        plan = next((p for p in self.plans if p.state == node), None)
        blocks = []
        if plan is not None:
            for b in self.proj.nodes_of("block"):
                code = self.proj.graph.nodes[b]["code"]
                rows = [
                    {
                        "practice": self.ref(URIRef(p)),
                        "status": plan.statuses.get(p, "not listed"),
                        "measures": plan.measures.get(p),
                    }
                    for p in self.proj.nodes_of("practice")
                    if self.proj.graph.nodes[p].get("block") == code
                ]
                counts = {
                    s: sum(1 for r in rows if r["status"] == s)
                    for s in (*STATUS_NAMES, "not listed")
                }
                blocks.append({"block": self.ref(URIRef(b)), "rows": rows, "counts": counts})
        return {
            "plan": {"id": plan.id, "issued": plan.issued, "source": plan.source} if plan else None,
            "plan_blocks": blocks,
            "peers": self._peers(plan) if plan is not None else [],
            "recital_12": _recital_12_quote() if plan is not None else "",
            "plans_loaded": bool(self.plans),
            "addressee": (DECISION, DPO.addressedTo, URIRef(node)) in self.kg,
        }

    def _peers(self, plan: Plan) -> list[dict[str, Any]]:
        """For each practice the state has not adopted, the states whose plan in force adopted
        it, with their measures: whom to consult (Recital 12; ``drugpolicy-kg peers``)."""
        out = []
        for p in self.proj.nodes_of("practice"):
            status = plan.statuses.get(p, "not listed")
            if status == "Adopted":
                continue
            peers = [
                {"state": self.ref(URIRef(other.state)), "measures": other.measures.get(p)}
                for other in self.plans
                if other.state != plan.state and other.statuses.get(p) == "Adopted"
            ]
            if peers:
                out.append({"practice": self.ref(URIRef(p)), "status": status, "peers": peers})
        return out

    def _decision_context(self) -> dict[str, Any]:
        recitals = sorted(
            self.kg.objects(DECISION, DPO.hasRecital),
            key=lambda r: int(str(self.kg.value(r, DPO.recitalNumber) or 0)),
        )
        return {
            "recitals": [
                {
                    "ref": self.ref(r),
                    "number": int(str(self.kg.value(r, DPO.recitalNumber) or 0)),
                    "text": str(self.kg.value(r, DCTERMS.description) or ""),
                }
                for r in recitals
            ],
            "blocks": self.blocks_at_a_glance(),
            "full_title": str(self.kg.value(DECISION, DCTERMS.title) or ""),
        }

    # --- home, search, ontology ---------------------------------------------------------

    def blocks_at_a_glance(self) -> list[dict[str, Any]]:
        out = []
        for b in self.proj.nodes_of("block"):
            data = self.proj.graph.nodes[b]
            practices = [
                u for u, _ in self._edges_in(b, "in_block") if self.proj.kind(u) == "practice"
            ]
            themes = [u for u, _ in self._edges_in(b, "in_block") if self.proj.kind(u) == "theme"]
            out.append(
                {
                    "ref": self.ref(URIRef(b)),
                    "code": data["code"],
                    "name": data["name"],
                    "short": data.get("short", ""),
                    "practices": self._practice_rows(practices),
                    "themes": [self.ref(URIRef(t)) for t in themes],
                    "top": self._relied_on(practices)[:5],
                }
            )
        return out

    def search_index(self) -> list[dict[str, str]]:
        """What the search box searches: labels, alternative labels, notations and texts."""
        out = []
        for iri in self.resources:
            names = {self.label(iri)}
            names.update(
                str(o) for o in self.kg.objects(iri, SKOS.altLabel) if isinstance(o, Literal)
            )
            names.update(
                str(o) for o in self.kg.objects(iri, SKOS.notation) if isinstance(o, Literal)
            )
            text = " ".join(str(t) for _, t in self.texts(iri))[:_MAX_SEARCH_TEXT]
            out.append(
                {
                    "path": iris.path_of(str(iri)) or "",
                    "label": self.display(iri),
                    "kind": KIND_TITLES.get(self.kind(iri), "resource"),
                    "names": " | ".join(sorted(names)),
                    "text": text,
                }
            )
        return out

    def home_page(self) -> Page:
        systems = analysis.rank(self.proj, kinds=("tool",), category="EUInformationSystem").rows
        counts = {
            KIND_TITLES[k]: len(self.proj.nodes_of(k))
            for k in ("practice", "actor", "tool", "legal", "state")
        }
        return Page(
            "home.html",
            "",
            "drugpolicy-kg",
            None,
            "home",
            {
                "blocks": self.blocks_at_a_glance(),
                "systems": [
                    {
                        "ref": self.ref(URIRef(r.node["id"])),
                        "short": r.node["label"],
                        "practices": r.practices,
                        "pagerank": r.pagerank,
                        "name": r.node["name"],
                    }
                    for r in systems
                ],
                "counts": counts,
                "decision": self.ref(DECISION),
                "evaluation": self.ref(EVALUATION),
                "search_index": self.search_index(),
            },
            rdf=False,
        )

    def shape_rows(self) -> list[dict[str, Any]]:
        from .ontology_doc import shape_rows

        return shape_rows(self)

    @cached_property
    def version_iri(self) -> Node | None:
        """The ontology's ``owl:versionIRI``: it dereferences to the ontology of this release."""
        return self.ontology_graph.value(ONTOLOGY_IRI, OWL.versionIRI)

    def ontology_page(self, path: str = "ontology") -> Page:
        from .ontology_doc import ontology_page

        return ontology_page(self, path)

    def shapes_page(self) -> Page:
        from .ontology_doc import shapes_page

        return shapes_page(self)

    # --- graph view ---------------------------------------------------------------------

    def graph_elements(
        self, nodes: Iterable[str] | None = None, focus: str | None = None
    ) -> dict[str, Any]:
        """Cytoscape.js elements: the default overview (practices in their blocks, with the
        tools, actors and acts they use), or the given ``nodes`` only."""
        from .graphview import elements

        return elements(self, nodes, focus)

    def neighbourhood(self, node: str) -> dict[str, Any]:
        """The node, what it links to and what links to it (practices, tools, actors, acts)."""
        g = self.proj.graph
        keep = {"practice", "tool", "actor", "legal"}
        around = {node}
        around.update(v for _, v in g.out_edges(node) if g.nodes[v]["kind"] in keep)
        around.update(u for u, _ in g.in_edges(node) if g.nodes[u]["kind"] in keep)
        return self.graph_elements(around, focus=node)


def _recital_12_quote() -> str:
    from ..monitoring.peers import recital_12_quote

    return recital_12_quote()
