"""Validation results people can act on.

pySHACL's results name shapes and nodes; a policy officer needs to read which practice, in which
block, breaks which rule of Recital 12. :func:`explain` completes every shape's ``sh:message``
with the practice's notation and short title and its building block, taken from the KG, and
fills in the deadline and its assumption. The completed message also replaces
``sh:resultMessage`` in the standard ``sh:ValidationReport``, so all output formats agree.
"""

from __future__ import annotations

import re
import weakref
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, TypeVar

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from ..indexed_store import graph_of
from ..vocab import DCTERMS, DPO, DPS, RDF, SH
from .context import Block, KGContext, Practice
from .deadline import Deadline

_T = TypeVar("_T")

#: Severities from the most to the least serious.
SEVERITIES = ("Violation", "Warning", "Info")


@dataclass(frozen=True)
class Result:
    """One validation result, with the practice and block it concerns (if any)."""

    severity: str
    focus_node: str
    path: str | None
    message: str
    shape: str
    value: str | None = None
    component: str | None = None
    practice: str | None = None
    block: str | None = None
    #: the rule's sentence without the opening that names the practice (for text and HTML)
    detail: str | None = None
    #: where the offending value is written: ``{"file", "line"}`` for RDF, ``{"file",
    #: "sheet", "cell", "row"}`` for spreadsheets; ``node`` is the resource it locates
    location: dict[str, object] | None = None
    #: a short "how to fix" for the rule (the shape's ``dps:howToFix``)
    fix: str | None = None

    def sort_key(self) -> tuple[int, int, tuple[int, ...], str, str, str]:
        # A plan's own words may name a block or practice the Decision does not have ("V.1",
        # "III.x"): those sort after the known ones instead of failing.
        blocks = ("I", "II", "III", "IV")
        block_rank = (blocks.index(self.block) if self.block in blocks else 4) if self.block else -1
        practice_rank = (
            tuple(int(x) if x.isdecimal() else 1 << 30 for x in self.practice.split(".")[1:])
            if self.practice
            else ()
        )
        return (
            SEVERITIES.index(self.severity),
            block_rank,
            practice_rank,
            self.shape,
            self.focus_node,
            self.value or "",
        )

    def as_json(self) -> dict[str, object]:
        """The contract's JSON object for a result (plus ``value``, ``practice``, ``block``)."""
        return {
            "severity": self.severity,
            "focusNode": self.focus_node,
            "path": self.path,
            "message": self.message,
            "shape": self.shape,
            "value": self.value,
            "practice": self.practice,
            "block": self.block,
            "location": self.location,
        }


@dataclass
class PlanReport:
    """The outcome of validating one file."""

    file: str
    results: list[Result]
    deadline: Deadline
    #: (plan IRI, submitting state's name) for each plan of the file
    plans: list[tuple[str, str]] = field(default_factory=list)
    #: the standard sh:ValidationReport, as N-Triples (cheap to pass between processes); empty
    #: when validated without it (``validate_files(standard=False)``)
    report_ntriples: str = ""
    #: whether a plan of the file says it revises another (``prov:wasRevisionOf``): only then
    #: can revision-chain checks (:mod:`.chain`) find anything, and the file is read again
    revises: bool = False
    #: the file's plans as the revision-chain checks read them
    #: (:class:`~drugpolicy_kg.monitoring.revisions.PlanRecord` with only
    #: :data:`~drugpolicy_kg.monitoring.revisions.CHAIN_PREDICATES` read), so that no file is
    #: read twice; empty unless asked for (``validate_files(records=True)``)
    records: list[Any] = field(default_factory=list, repr=False)

    @property
    def conforms(self) -> bool:
        """No Violation (warnings and infos do not stop a plan; the CLI's exit 0)."""
        return not any(r.severity == "Violation" for r in self.results)

    def counts(self) -> Counter[str]:
        return Counter(r.severity for r in self.results)

    def unaddressed(self) -> dict[str, list[str]]:
        """Practices the plan does not address, per block numeral (the Info results)."""
        out: dict[str, list[str]] = {}
        for r in self.results:
            if r.severity == "Info" and r.practice and r.block:
                out.setdefault(r.block, []).append(r.practice)
        return out

    def fails(self, strict: bool = False) -> bool:
        counts = self.counts()
        return bool(counts["Violation"] or (strict and counts["Warning"]))

    def as_json(self, with_file: bool = False) -> dict[str, object]:
        data: dict[str, object] = {}
        if with_file:
            data["file"] = self.file
        data["conforms"] = self.conforms
        data["results"] = [r.as_json() for r in self.results]
        return data

    def report_graph(self) -> Graph:
        graph = Graph()
        graph.parse(data=self.report_ntriples, format="nt")
        return graph


def path_text(graph: Graph, node: Node | None) -> str | None:
    """A SHACL property path as a SPARQL property path with full IRIs (for JSON and text)."""
    if node is None:
        return None
    if isinstance(node, URIRef):
        return f"<{node}>"
    inverse = graph.value(node, SH.inversePath)
    if inverse is not None:
        return f"^{path_text(graph, inverse)}"
    if graph.value(node, RDF.first) is not None:
        return "/".join(path_text(graph, item) or "" for item in Collection(graph, node))
    for key, suffix in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
        inner = graph.value(node, key)
        if inner is not None:
            return f"({path_text(graph, inner)}){suffix}"
    alternatives = graph.value(node, SH.alternativePath)
    if alternatives is not None:
        return (
            "(" + "|".join(path_text(graph, i) or "" for i in Collection(graph, alternatives)) + ")"
        )
    return str(node)


def _node_text(node: Node | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, BNode):
        return f"_:{node}"
    return str(node)


def _practice_label(practice: Practice, blocks: dict[URIRef, Block]) -> str:
    block = blocks[practice.block]
    return f"{practice.notation} '{practice.title}' (block {block.numeral} '{block.heading}')"


class Explainer:
    """Completes results with the practice and block they concern, from the data and the KG."""

    def __init__(self, context: KGContext, data: Graph, deadline: Deadline) -> None:
        self.context = context
        self.data = data
        self.deadline = deadline

    def _known(self, subject: Node, predicate: URIRef, known: dict[URIRef, _T]) -> _T | None:
        """The ``known`` entry of the smallest object of ``subject predicate`` that has one
        (the smallest: the same whatever the order of the file or the index)."""
        named = [
            v for v in self.data.objects(subject, predicate) if isinstance(v, URIRef) and v in known
        ]
        return known[min(named, key=str)] if named else None

    def _entry_practice(self, entry: Node) -> Practice | None:
        return self._known(entry, DPO.practice, self.context.practices)

    def _misplaced(self, block: Block, other: Node | None) -> list[Practice]:
        """Practices of block ``other`` listed in the section(s) of ``block``."""
        found = []
        for section in self.data.subjects(DPO.buildingBlock, block.iri):
            for entry in self.data.objects(section, DPO.hasEntry):
                practice = self._entry_practice(entry)
                if practice is not None and practice.block == other:
                    found.append(practice)
        return sorted(set(found), key=Practice.sort_key)

    def _section_block(self, section: Node) -> Block | None:
        return self._known(section, DPO.buildingBlock, self.context.blocks)

    def subject(self, focus: Node, value: Node | None) -> tuple[str, Practice | None, Block | None]:
        """The words that open the message, and the practice and block concerned."""
        ctx = self.context
        if (
            isinstance(value, URIRef)
            and value in ctx.practices
            and (focus, RDF.type, DPO.ActionPlan) in self.data
        ):
            practice = ctx.practices[
                value
            ]  # a duplicate: the plan is the focus, the practice the value
            return (
                f"Practice {_practice_label(practice, ctx.blocks)}",
                practice,
                ctx.blocks[practice.block],
            )
        if isinstance(focus, URIRef) and focus in ctx.blocks:
            block = ctx.blocks[focus]  # a block's section lists practices of another block
            misplaced = self._misplaced(block, value)
            listed = (
                f" ({', '.join(_practice_label(p, ctx.blocks) for p in misplaced)})"
                if misplaced
                else ""
            )
            return f"Section for block {block.numeral} '{block.heading}'{listed}", None, block
        if isinstance(focus, URIRef) and focus in ctx.practices:
            practice = ctx.practices[focus]
            return (
                f"Practice {_practice_label(practice, ctx.blocks)}",
                practice,
                ctx.blocks[practice.block],
            )
        # Where a node has several owners, the choice depends on the triples alone, never on
        # the order of a file or of an index (both engines and every reading path agree).
        entry = min(self.data.subjects(DPO.earmarkedFunds, focus), key=str, default=focus)
        named = self._entry_practice(entry)  # a fund allocation speaks for its entry
        sections = sorted(self.data.subjects(DPO.hasEntry, entry), key=str)
        blocks = [b for s in sections if (b := self._section_block(s))]
        # an entry listed in several sections is placed in its own block's, if one of them
        own = [b for b in blocks if named is not None and b.iri == named.block]
        section_block = (own or blocks)[0] if blocks else None
        if named is not None:
            where = ""
            if section_block is not None and section_block.iri != named.block:
                where = f", listed in the section of block {section_block.numeral}"
            text = f"Entry for practice {_practice_label(named, ctx.blocks)}{where}"
            return text, named, ctx.blocks[named.block]
        if sections or (entry, RDF.type, DPO.ActionPlanEntry) in self.data:
            values = [str(v) for v in self.data.objects(entry, DPO.practice)]
            what = f"naming {', '.join(values)}" if values else "naming no practice"
            where = (
                f" in the section of block {section_block.numeral} '{section_block.heading}'"
                if section_block
                else ""
            )
            return f"Entry <{entry}> {what}{where}", None, section_block
        own_block = self._section_block(focus)
        if own_block is not None:
            return f"Section for block {own_block.numeral} '{own_block.heading}'", None, own_block
        if (focus, RDF.type, DPO.ActionPlan) in self.data:
            # min(): with two submitting states, always name the same one (value() is random)
            state = min(self.data.objects(focus, DPO.submittedBy), key=str, default=None)
            name = ctx.states.get(state, "") if isinstance(state, URIRef) else ""
            return (f"Action plan of {name}" if name else f"Action plan <{focus}>"), None, None
        if focus == DPO.ActionPlan:
            return "Document", None, None
        return f"<{focus}>", None, None

    def message(
        self, shape_message: str, focus: Node, value: Node | None
    ) -> tuple[str, Practice | None, Block | None]:
        message, _detail, practice, block = self.explain(shape_message, focus, value)
        return message, practice, block

    def explain(
        self, shape_message: str, focus: Node, value: Node | None
    ) -> tuple[str, str, Practice | None, Block | None]:
        """The full message, the rule's sentence alone, and the practice and block concerned."""
        opening, practice, block = self.subject(focus, value)
        text = shape_message.replace("{deadline}", self.deadline.describe())
        if isinstance(value, Literal) and (focus, DCTERMS.issued, value) in self.data:
            text = f"{text} (submitted {value})"
        return f"{opening}: {text}", text, practice, block


def explain(
    report: Graph, shapes: Graph, data: Graph, context: KGContext, deadline: Deadline
) -> list[Result]:
    """Turn pySHACL's report graph into :class:`Result` objects (see :func:`explain_report`)."""
    return explain_report(report, shapes, data, context, deadline)[0]


def explain_report(
    report: Graph,
    shapes: Graph,
    data: Graph,
    context: KGContext,
    deadline: Deadline,
    *,
    standard: bool = True,
) -> tuple[list[Result], Graph | None]:
    """:class:`Result` objects for people, and the standard report with completed messages.

    The results are refocused where a coordinator fixes something (an entry, not the block or
    status node the shapes check from); the returned ``sh:ValidationReport`` keeps the focus
    nodes, paths and values pySHACL reported, as the SHACL specification defines them, and only
    gets the completed ``sh:resultMessage``. ``report`` itself is consumed (rewritten).
    ``standard=False``: no standard report is made (``None`` in its place).
    """
    explainer = Explainer(context, data, deadline)
    spec = graph_of(report) if standard else None
    if spec is not None:  # the standard report: pySHACL's results, messages completed
        _complete_messages(spec, shapes, explainer)
    results: list[Result] = []
    nodes = _focus_on_entries(report, explainer, list(report.objects(None, SH.result)))
    for node in _focus_on_value_nodes(report, shapes, nodes):
        focus = report.value(node, SH.focusNode)
        shape = report.value(node, SH.sourceShape)
        value = report.value(node, SH.value)
        severity = report.value(node, SH.resultSeverity)
        if focus is None or shape is None or severity is None:
            continue
        facts = _facts(shapes, shape)
        shape_message = facts.message or str(report.value(node, SH.resultMessage) or "")
        message, detail, practice, block = explainer.explain(shape_message, focus, value)
        if (
            isinstance(value, URIRef)
            and value not in context.practices
            and report.value(node, SH.resultPath) == DPO.practice
        ):
            named = str(value).rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
            detail = f"{detail} This entry names '{named}', which is not one of them."
            message = f"{message} This entry names '{named}', which is not one of them."
        listed_in = _LISTING.search(str(shape))
        if listed_in and isinstance(value, URIRef) and value in context.practices:
            wrong = next(b for b in context.blocks.values() if b.numeral == listed_in[1])
            own = context.blocks[context.practices[value].block]
            detail = (
                f"Practice {context.practices[value].notation} belongs to block {own.numeral}, "
                f"but it is listed in the section of block {wrong.numeral} '{wrong.heading}'. "
                "Recital 12 asks plans to list each practice under its own block."
            )
            message = f"{message.split(': ', 1)[0]}: {detail}"
        fix = facts.fix
        results.append(
            Result(
                severity=str(severity).rsplit("#", 1)[-1],
                focus_node=_node_text(focus) or "",
                path=path_text(report, report.value(node, SH.resultPath)),
                message=message,
                shape=facts.name,
                value=_node_text(value),
                component=_node_text(report.value(node, SH.sourceConstraintComponent)),
                practice=practice.notation if practice else None,
                block=block.numeral if block else None,
                detail=detail,
                fix=str(fix) if fix is not None else None,
            )
        )
    return sorted(results, key=Result.sort_key), spec


def _complete_messages(spec: Graph, shapes: Graph, explainer: Explainer) -> None:
    """Replace each result's ``sh:resultMessage`` in the standard report by the explained one
    (focus nodes, paths and values stay pySHACL's)."""
    for node in list(spec.objects(None, SH.result)):
        focus = spec.value(node, SH.focusNode)
        shape = spec.value(node, SH.sourceShape)
        if focus is None or shape is None:
            continue
        value = spec.value(node, SH.value)
        facts = _facts(shapes, shape)
        text = facts.message or str(spec.value(node, SH.resultMessage) or "")
        if facts.report_on_value and value is not None:
            focus, value = value, None
        spec.set(
            (node, SH.resultMessage, Literal(explainer.message(text, focus, value)[0], lang="en"))
        )


_LISTING = re.compile(r"BlockListing(I|II|III|IV)PropertyShape$")


def _focus_on_entries(report: Graph, explainer: Explainer, nodes: list[Node]) -> list[Node]:
    """Move "a section lists a practice of another block" results onto the offending entries.

    The shapes check this rule from each block (four paths per plan are much cheaper than a
    disjunction per entry), so pySHACL reports the block as the focus node. A coordinator
    fixes an entry, not a block: each such result becomes one result per misplaced entry,
    with the entry as focus node, ``dpo:practice`` as path and the practice as value. The
    report graph is rewritten too, so every output format agrees.
    """
    ctx = explainer.context
    out: list[Node] = []
    for node in nodes:
        focus = report.value(node, SH.focusNode)
        other = report.value(node, SH.value)
        if not (isinstance(focus, URIRef) and focus in ctx.blocks):
            out.append(node)
            continue
        entries = []
        for section in explainer.data.subjects(DPO.buildingBlock, focus):
            for entry in explainer.data.objects(section, DPO.hasEntry):
                practice = explainer._entry_practice(entry)
                if practice is not None and practice.block == other:
                    entries.append((entry, practice))
        if not entries:
            out.append(node)
            continue
        kept = [
            (p, o)
            for p, o in report.predicate_objects(node)
            if p not in (SH.focusNode, SH.resultPath, SH.value)
        ]
        for report_node in list(report.subjects(SH.result, node)):
            for entry, practice in sorted(set(entries), key=lambda e: (str(e[0]), e[1].notation)):
                result = BNode()
                report.add((report_node, SH.result, result))
                for p, o in kept:
                    report.add((result, p, o))
                report.add((result, SH.focusNode, entry))
                report.add((result, SH.resultPath, DPO.practice))
                report.add((result, SH.value, practice.iri))
                out.append(result)
            report.remove((report_node, SH.result, node))
        report.remove((node, None, None))
    return out


def _focus_on_value_nodes(report: Graph, shapes: Graph, nodes: list[Node]) -> list[Node]:
    """Report results of shapes marked ``dps:reportOnValueNode`` on their value node.

    Conditional rules ("an Adopted entry needs measures") are checked from the status node
    through ``^dpo:status`` (see the shapes file), so pySHACL's focus node is the status and the
    entry is the value. The entry is what a coordinator fixes: it becomes the focus node, and the
    path becomes the property the entry lacks (the nested shape's path).
    """
    kept: list[Node] = []
    seen: set[tuple[Node, Node]] = set()
    for node in nodes:
        shape = report.value(node, SH.sourceShape)
        value = report.value(node, SH.value)
        if shape is None or value is None or not _facts(shapes, shape).report_on_value:
            kept.append(node)
            continue
        if (shape, value) in seen:  # an entry with two statuses is reached from both
            report.remove((None, SH.result, node))
            report.remove((node, None, None))
            continue
        seen.add((shape, value))
        kept.append(node)
        report.set((node, SH.focusNode, value))
        report.remove((node, SH.value, None))
        report.remove((node, SH.resultPath, None))
        path = _facts(shapes, shape).nested_path
        if isinstance(path, URIRef):
            report.add((node, SH.resultPath, path))
    return kept


@dataclass(frozen=True)
class _ShapeFacts:
    """What explaining reads from one shape, read once per shapes graph (the shapes are fixed;
    looking them up per result cost more than the checks that found the result)."""

    message: str | None
    report_on_value: bool
    fix: Node | None
    name: str
    #: for ``dps:reportOnValueNode``: the path of the nested shape's property (the one the
    #: entry lacks)
    nested_path: Node | None


#: per shapes graph, by identity (rdflib graphs compare by their identifier, which two shapes
#: graphs may share): the graph, weakly, and its shapes' facts
_FACTS: dict[int, tuple[weakref.ref[Graph], dict[Node, _ShapeFacts]]] = {}


def _facts(shapes: Graph, shape: Node) -> _ShapeFacts:
    entry = _FACTS.get(id(shapes))
    if entry is None or entry[0]() is not shapes:
        key = id(shapes)
        entry = _FACTS[key] = (weakref.ref(shapes, lambda _ref: _FACTS.pop(key, None)), {})
    known = entry[1]
    found = known.get(shape)
    if found is None:
        fix = shapes.value(shape, DPS.howToFix)
        if fix is None:
            parent = shapes.value(None, SH.property, shape)
            fix = shapes.value(parent, DPS.howToFix) if parent is not None else None
        nested = shapes.value(shape, SH.node)
        inner = shapes.value(nested, SH.property) if nested is not None else None
        found = known[shape] = _ShapeFacts(
            message=_shape_message(shapes, shape),
            report_on_value=bool(shapes.value(shape, DPS.reportOnValueNode)),
            fix=fix,
            name=_shape_name(shapes, shape),
            nested_path=shapes.value(inner, SH.path) if inner is not None else None,
        )
    return found


def _shape_message(shapes: Graph, shape: Node) -> str | None:
    """The shape's own message; for a SPARQL constraint, the constraint's message."""
    message = shapes.value(shape, SH.message)
    if message is None:
        constraint = shapes.value(shape, SH.sparql)
        message = shapes.value(constraint, SH.message) if constraint is not None else None
    return str(message) if message is not None else None


def _shape_name(shapes: Graph, shape: Node) -> str:
    """A shape's IRI; an anonymous property shape is named after the node shape that holds it."""
    if isinstance(shape, URIRef):
        return str(shape)
    parent = shapes.value(None, SH.property, shape)
    prop = shapes.value(shape, SH.path)
    if isinstance(parent, URIRef):
        return f"{parent}/{_local(prop)}" if isinstance(prop, URIRef) else str(parent)
    return f"_:{shape}"


def _local(iri: URIRef) -> str:
    text = str(iri)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def where_words(location: dict[str, object] | None) -> str | None:
    """``line 40`` or ``row 23 (Plan!C23)``: a location in words."""
    if not location:
        return None
    if location.get("row"):
        cell = location.get("cell")
        sheet = location.get("sheet")
        ref = f"{sheet}!{cell}" if sheet and cell else (f"cell {cell}" if cell else "")
        return f"row {location['row']}" + (f" ({ref})" if ref else "")
    if location.get("line"):
        return f"line {location['line']}"
    return None


__all__ = [
    "SEVERITIES",
    "Explainer",
    "PlanReport",
    "Result",
    "explain",
    "explain_report",
    "path_text",
    "where_words",
]
