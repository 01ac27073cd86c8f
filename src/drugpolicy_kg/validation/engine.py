"""The validation engine: the package's shapes, a per-plan data graph, pySHACL in core mode.

Design, after measuring (27 plans x 44 entries; see ``benchmarks/bench_validate.py``):

- Shapes come only from the package (``assets/shapes/``). They are parsed once per process, and
  pySHACL's ``ShapesGraph`` is built once per deadline and reused; a plan's own triples are never
  read as shapes and ``owl:imports`` are never followed.
- Core SHACL only: a SHACL-SPARQL constraint per entry was ~30x slower, and SHACL-AF SPARQL
  targets are re-parsed by pySHACL for every plan. No inference (6-15x slower, nothing gained);
  no ``advanced`` mode, no ``owl:imports``.
- The data graph of a plan is the plan + the KG triples it relies on (:mod:`.context`).
- pySHACL is not thread-safe, so large batches use processes (:func:`validate_files`).
"""

from __future__ import annotations

import gc
import hashlib
import os
import re
from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from dataclasses import replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.paths import Path
from rdflib.term import Node

from ..errors import InputError
from ..indexed_store import IndexedMemory, graph_of, triples_of
from ..monitoring.revisions import CHAIN_PREDICATES, plans_from_graph
from ..vocab import DPO, DPS, PROV, RDF, SH, XSD, practice_iri
from .chain import exempt_revisions
from .context import KGContext, cached_context, closure, plans_in
from .deadline import Deadline
from .fast import NotComparable
from .literals import describe as describe_literal
from .literals import ill_typed
from .methods import DEFAULT_METHOD, METHODS, current_method, fast_method
from .report import Explainer, PlanReport, Result, explain_report, where_words

if TYPE_CHECKING:
    from ..plans.importer import Problem

#: Above this many files the CLI validates in worker processes.
PARALLEL_THRESHOLD = 8
#: Worker processes for large batches (pySHACL is not thread-safe).
WORKERS = 2

_OPTIONS = {
    "inference": "none",
    "advanced": False,
    "allow_warnings": True,
    "allow_infos": True,
    "inplace": True,
    "abort_on_first": False,
}


@lru_cache(maxsize=1)
def shapes_source() -> Graph:
    """The package's shapes (Turtle files in ``assets/shapes``), parsed once per installed
    version (:mod:`.compiled`)."""
    from .compiled import cached

    return cached().shapes_graph()


class _ReadMostlyGraph(Graph):
    """A graph that remembers the answer to each triple pattern until it is changed.

    pySHACL re-reads the shapes graph for every shape on every focus node (parameters, paths,
    ``sh:in`` lists): ~150k lookups for 27 plans, each re-walking the indexes and comparing terms
    with ``None``. The shapes graph does not change once built, so each pattern is answered once.
    Any ``add``/``remove`` clears the memory, so the graph stays correct if it is changed.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._answers: dict[tuple[object, object, object], tuple[tuple[Node, Node, Node], ...]] = {}

    def add(self, triple):
        self._answers.clear()
        return super().add(triple)

    def addN(self, quads):
        self._answers.clear()
        return super().addN(quads)

    def remove(self, triple):
        self._answers.clear()
        return super().remove(triple)

    def triples(self, triple):
        if isinstance(triple[1], Path):
            return super().triples(triple)
        answer = self._answers.get(triple)
        if answer is None:
            answer = self._answers[triple] = tuple(super().triples(triple))
        return iter(answer)


def shapes_for(deadline: Deadline) -> Graph:
    """The shapes with the deadline set on ``dps:DeadlineShape`` (``sh:maxInclusive``).

    Kept in rdflib's ``SimpleMemory`` store (no named-graph bookkeeping: ~35% faster), in a graph
    that answers each triple pattern once (:class:`_ReadMostlyGraph`: ~15% less CPU), because
    pySHACL reads the shapes graph on every evaluation.
    """
    graph = _ReadMostlyGraph(store="SimpleMemory")
    for prefix, namespace in shapes_source().namespaces():
        graph.bind(prefix, namespace)
    for triple in shapes_source():
        graph.add(triple)
    graph.remove((DPS.DeadlineShape, SH.maxInclusive, None))
    graph.add(
        (DPS.DeadlineShape, SH.maxInclusive, Literal(deadline.date.isoformat(), datatype=XSD.date))
    )
    return graph


class Engine:
    """Validates action plans; build one per deadline and reuse it for many plans."""

    def __init__(
        self,
        deadline: Deadline | None = None,
        context: KGContext | None = None,
        *,
        fast: bool = True,
        method: str | None = None,
    ) -> None:
        """``method``: ``"fast"`` (the default, :data:`DEFAULT_METHOD`) runs the shapes compiled
        by :mod:`.fast`, proven equal to pySHACL by ``tests/test_validation_fast.py``;
        ``"pyshacl"`` runs pySHACL, the reference. ``fast=False`` (without ``method``) runs
        pySHACL on a plain shapes graph (no :class:`_ReadMostlyGraph`); the tests use it to check
        that the speed-ups change no result."""
        method = method or (DEFAULT_METHOD if fast else "pyshacl")
        if method not in METHODS:
            raise InputError(
                f"unknown validation engine {method!r}; choose one of {', '.join(METHODS)}"
            )
        self.context = context or cached_context()
        if deadline is None:
            from .compiled import cached

            deadline = cached().deadline
        self.deadline = deadline
        self.fast = fast
        self.shapes = shapes_for(deadline)
        if not fast:
            plain = Graph(store="SimpleMemory")
            for prefix, namespace in self.shapes.namespaces():
                plain.bind(prefix, namespace)
            for triple in self.shapes:
                plain.add(triple)
            self.shapes = plain
        self._shapes_graph: Any = None  # pySHACL's ShapesGraph, made once if pySHACL runs
        #: a comparison's result is located at the value compared with (sh:lessThanOrEquals)
        self._fix_paths = {
            str(shape): str(other)
            for shape, other in self.shapes.subject_objects(SH.lessThanOrEquals)
            if isinstance(shape, URIRef) and isinstance(other, URIRef)
        }
        self._warm = False
        self.method, self._compiled = fast_method(method, self.shapes)
        self._store = "indexed" if self._compiled is not None else "default"

    def warm(self) -> None:
        """Validate one built-in plan, so that pySHACL has harvested the shapes and the shapes
        graph has answered its lookups; forked workers then inherit all of it (~25 ms once,
        instead of in every worker or in every per-file child of ``--timeout``)."""
        if self._warm:
            return
        self._warm = True
        from ..plans import plan_template

        self.validate(plan_template("NLD"), "<warm-up>")

    def _run(self, data: Graph) -> Graph:
        if self._compiled is not None:
            return self._compiled.report(data)
        from pyshacl import Validator
        from pyshacl.errors import ReportableRuntimeError
        from pyshacl.graph_abstraction import DataGraph
        from pyshacl.shapes_graph import ShapesGraph

        if self._shapes_graph is None:
            self._shapes_graph = ShapesGraph(self.shapes)
        validator = Validator(
            DataGraph.from_rdflib(data), shacl_graph=Graph(), options=dict(_OPTIONS)
        )
        validator.shacl_graph = self._shapes_graph  # reuse the harvested shapes
        try:
            _conforms, report, _text = validator.run()
        except ReportableRuntimeError as exc:
            raise NotComparable(exc.message) from None
        assert isinstance(report, Graph)
        return report

    def validate(
        self,
        document: Graph,
        name: str = "<graph>",
        *,
        locate: Locate | None = None,
        problems: Sequence[Problem] = (),
    ) -> PlanReport:
        """Validate every action plan of ``document`` (a parsed, untrusted plan).

        ``locate(node, path)`` gives a result's location (``{"file", "line"}`` or a cell);
        ``problems`` are the spreadsheet importer's, reported as results of
        ``dps:SpreadsheetCellShape`` (the validation results they explain are dropped).
        """
        document = _stable_blank_nodes(_flatten(document))
        as_written = document  # before ill-typed values are taken out (the chain records)
        bad = ill_typed(triples_of(document))
        if bad:  # taken out, so that comparisons see only valid values (reported below)
            dropped = {triple for triple, _form in bad}
            document = graph_of((triple for triple in document if triple not in dropped), document)
        plans = plans_in(document)
        if len(plans) <= 1:
            parts: list[Iterable[tuple[Node, Node, Node]]] = [document]
        else:  # several plans in one file: each on its own, so their entries do not mix
            stop = set(plans)
            parts = [list(closure(document, plan, stop - {plan})) for plan in plans]
        results: list[Result] = []
        spec_reports: list[Graph] = []
        standard = WITH_STANDARD_REPORT.get()
        for part in parts:
            data = self.context.data_graph(part, with_practices=bool(plans), store=self._store)
            try:
                report = self._run(data)
            except NotComparable as exc:  # e.g. a blank node where a date belongs
                raise InputError(
                    f"the plan cannot be validated: {exc.message} (check the values' types)",
                    name,
                ) from None
            exempt_revisions(report, data)  # the Recital 12 deadline is the first plan's
            found, spec = explain_report(
                report, self.shapes, data, self.context, self.deadline, standard=standard
            )
            results += found
            if spec is not None:
                spec_reports.append(spec)
        extras = self._extra_results(document, bad, problems)
        if extras:
            covered: set[tuple[str, str | None]] = {
                (r.focus_node, r.path) for r in extras if r.path
            }
            results = [r for r in results if (r.focus_node, r.path) not in covered]
            for spec in spec_reports:
                _drop_spec_results(spec, covered, self.shapes)
            results += extras
            if spec_reports:
                _add_spec_results(spec_reports[0], extras, self.shapes)
        results = _one_result_per_duplicate(results, locate)
        results = self._one_result_per_wrong_section(results, document)
        if locate is not None:
            results = [_located(r, locate, self._fix_paths) for r in results]
        report_nt = [spec.serialize(format="nt") for spec in spec_reports]
        embedded = _embedded_warning(document)
        if embedded is not None:
            results.append(embedded)
            if report_nt:
                report_nt.append(_embedded_report_nt(embedded, report_nt[0]))
        named = []
        for plan in plans:
            state = min(document.objects(plan, DPO.submittedBy), key=str, default=None)
            named.append(
                (str(plan), self.context.states.get(state, "") if isinstance(state, URIRef) else "")
            )
        return PlanReport(
            file=name,
            results=sorted(results, key=_total_order),
            deadline=self.deadline,
            plans=named,
            report_ntriples="".join(report_nt),
            revises=any(True for _ in document.triples((None, PROV.wasRevisionOf, None))),
            records=(
                plans_from_graph(as_written, name, CHAIN_PREDICATES) if WITH_RECORDS.get() else []
            ),
        )

    def _extra_results(
        self,
        document: Graph,
        bad: list[tuple[tuple[Node, Node, Node], str]],
        problems: Sequence[Problem],
    ) -> list[Result]:
        """Results of the checks made before SHACL: ill-typed literals, spreadsheet cells."""
        if not bad and not problems:
            return []
        data = self.context.data_graph(document, with_practices=False)
        for triple, _form in bad:
            data.add(triple)  # so that the explainer finds the entry of a fund allocation
        explainer = Explainer(self.context, data, self.deadline)
        out: list[Result] = []
        literal_fix = self.shapes.value(DPS.WellFormedLiteralShape, DPS.howToFix)
        for (s, p, o), form in bad:
            detail = describe_literal((s, p, o), form)
            opening, practice, block = explainer.subject(s, None)
            out.append(
                Result(
                    severity="Violation",
                    focus_node=str(s) if not isinstance(s, BNode) else f"_:{s}",
                    path=f"<{p}>",
                    message=f"{opening}: {detail}",
                    shape=str(DPS.WellFormedLiteralShape),
                    value=str(o),
                    component=str(SH.DatatypeConstraintComponent),
                    practice=practice.notation if practice else None,
                    block=block.numeral if block else None,
                    detail=detail,
                    fix=str(literal_fix) if literal_fix else None,
                )
            )
        cell_fix = self.shapes.value(DPS.SpreadsheetCellShape, DPS.howToFix)
        plans = plans_in(document)
        fallback = str(plans[0]) if plans else ""
        for problem in problems:
            detail = problem.message[:1].upper() + problem.message[1:]
            if not detail.endswith("."):
                detail += "."
            if problem.node:
                opening, practice, block = explainer.subject(URIRef(problem.node), None)
            else:
                opening, practice, block = f"Cell {problem.where.text()}", None, None
            notation = problem.practice or (practice.notation if practice else None)
            numeral = problem.block or (block.numeral if block else None)
            out.append(
                Result(
                    severity=problem.severity,
                    focus_node=problem.node or fallback,
                    path=f"<{problem.path}>" if problem.path else None,
                    message=f"{opening}: {detail}",
                    shape=str(DPS.SpreadsheetCellShape),
                    value=problem.value,
                    practice=notation,
                    block=numeral,
                    detail=detail,
                    location={**problem.where.as_json(), "node": problem.node or fallback or None},
                    fix=problem.fix or (str(cell_fix) if cell_fix else None),
                )
            )
        return out

    def _one_result_per_wrong_section(self, results: list[Result], document: Graph) -> list[Result]:
        """A section whose block is wrong is one mistake, not one per entry it lists.

        When every entry of a section names a practice of one other block Y, and the plan
        has no section for Y, the section's block is what is wrong: its misplaced-entry
        results and the "block X / Y needs exactly one section" results become one result on
        the section, naming the block it should have.
        """
        ctx = self.context
        listing = {str(DPS[f"BlockListing{n}PropertyShape"]) for n in ("I", "II", "III", "IV")}
        if not any(r.shape in listing for r in results):
            return results
        for plan in plans_in(document):
            sections = list(document.objects(plan, DPO.hasSection))
            blocks: dict[Node, list[URIRef]] = {
                s: [
                    b
                    for b in document.objects(s, DPO.buildingBlock)
                    if isinstance(b, URIRef) and b in ctx.blocks
                ]
                for s in sections
            }
            for section in sections:
                if len(blocks[section]) != 1:
                    continue
                given = blocks[section][0]
                practices = [
                    ctx.practices[p]
                    for e in document.objects(section, DPO.hasEntry)
                    for p in document.objects(e, DPO.practice)
                    if isinstance(p, URIRef) and p in ctx.practices
                ]
                owners = {p.block for p in practices}
                if len(owners) != 1 or given in owners:
                    continue
                (right,) = owners
                if any(right in blocks[other] for other in sections if other != section):
                    continue
                entries = {str(e) for e in document.objects(section, DPO.hasEntry)}
                given_n, right_n = ctx.blocks[given].numeral, ctx.blocks[right].numeral
                counts = {str(DPS[f"SectionBlock{right_n}Shape"])}
                if sum(given in blocks[o] for o in sections) > 1:
                    counts.add(str(DPS[f"SectionBlock{given_n}Shape"]))
                kept = [
                    r
                    for r in results
                    if not (r.shape in listing and r.focus_node in entries)
                    and not (r.shape in counts and r.focus_node == str(plan))
                ]
                if len(kept) == len(results):
                    continue
                notations = sorted(practices, key=lambda p: p.sort_key())
                listed = (
                    f"{notations[0].notation} to {notations[-1].notation}"
                    if len(notations) > 1
                    else notations[0].notation
                )
                detail = (
                    f"This section is marked as block {given_n} but lists the practices of block "
                    f"{right_n} ({listed}), and the plan has no other section for block "
                    f"{right_n}: set the section's block to {right_n}. Recital 12 asks plans to "
                    "follow the structure of the four building blocks."
                )
                fix = self.shapes.value(DPS.SectionBlockShape, DPS.howToFix)
                kept.append(
                    Result(
                        severity="Violation",
                        focus_node=str(section) if isinstance(section, URIRef) else f"_:{section}",
                        path=f"<{DPO.buildingBlock}>",
                        message=f"Section for block {right_n} '{ctx.blocks[right].heading}': {detail}",
                        shape=str(DPS.SectionBlockShape),
                        value=str(given),
                        block=right_n,
                        detail=detail,
                        fix=str(fix) if fix is not None else None,
                    )
                )
                results = kept
        return results


def _total_order(r: Result) -> tuple[object, ...]:
    """:meth:`Result.sort_key`, with ties broken by the rest of the result, so that the order
    never depends on the order the report graph yields its results in (it differs between
    engines, and between blank-node labellings)."""
    return (r.sort_key(), r.value is not None, r.component or "", r.path or "", r.message)


#: ``locate(node IRI or None, path IRI or None)`` -> a location dictionary or None.
Locate = Callable[[str | None, str | None], "dict[str, object] | None"]


def _located(result: Result, locate: Locate, fix_paths: dict[str, str] | None = None) -> Result:
    """``result`` with its location; ``fix_paths`` (shape -> property) names the value a
    person changes when it is not the result's path (a target date compared with the
    submission date is fixed in the target-date cell, not in the submission date's)."""
    if result.location is not None:
        return result
    path = (fix_paths or {}).get(result.shape) or (
        result.path[1:-1] if result.path and result.path.startswith("<") else None
    )
    found = locate(result.focus_node or None, path)
    if (
        found is not None
        and "line" in found
        and found["line"] is None
        and result.focus_node.startswith("_:")
        and result.practice
    ):  # an entry written [ ... ]: the line where it names its practice
        by_practice = locate(str(practice_iri(result.practice)), None)
        if by_practice is not None and by_practice.get("line") is not None:
            found = {**by_practice, "node": result.focus_node}
    return replace(result, location=found) if found else result


def _one_result_per_duplicate(results: list[Result], locate: Locate | None) -> list[Result]:
    """A practice listed twice is one mistake: one result, on the entry written last."""
    shape = str(DPS.EntryPracticeOnceShape)
    groups: dict[str | None, list[Result]] = {}
    for r in results:
        if r.shape == shape:
            groups.setdefault(r.practice, []).append(r)
    if not groups:
        return results

    def place(r: Result) -> dict[str, object] | None:
        return locate(r.focus_node, None) if locate else None

    def order(r: Result) -> tuple[int, str]:
        where = place(r) or {}
        line = where.get("line") or where.get("row")
        return (line if isinstance(line, int) else 0, r.focus_node)

    chosen: dict[int, Result] = {}
    for group in groups.values():
        ordered = sorted(group, key=order)
        last = ordered[-1]
        seen = [where_words(place(r)) or r.focus_node for r in ordered[:-1]]
        if seen:
            note = f" It is also listed at {', '.join(seen)}."
            chosen[id(last)] = replace(
                last,
                message=last.message + note,
                detail=(last.detail or "") + note,
            )
        else:
            chosen[id(last)] = last
    return [
        r if r.shape != shape else chosen[id(r)]
        for r in results
        if r.shape != shape or id(r) in chosen
    ]


def _drop_spec_results(spec: Graph, covered: set[tuple[str, str | None]], shapes: Graph) -> None:
    """Drop the standard report's results that the engine's own results explain."""
    for node in list(spec.objects(None, SH.result)):
        focus = spec.value(node, SH.focusNode)
        path = spec.value(node, SH.resultPath)
        shape = spec.value(node, SH.sourceShape)
        value = spec.value(node, SH.value)
        if shape is not None and value is not None and shapes.value(shape, DPS.reportOnValueNode):
            nested = shapes.value(shape, SH.node)  # "the entry needs X", checked from the status
            inner = shapes.value(nested, SH.property) if nested is not None else None
            focus, path = value, shapes.value(inner, SH.path) if inner is not None else None
        if (str(focus), f"<{path}>" if isinstance(path, URIRef) else None) in covered:
            spec.remove((None, SH.result, node))
            _remove_tree(spec, node)


def _remove_tree(graph: Graph, root: Node) -> None:
    """Remove ``root``'s triples and those of the blank nodes only it reaches (details, paths)."""
    todo = [root]
    seen: set[Node] = set()
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for _s, _p, obj in list(graph.triples((node, None, None))):
            if isinstance(obj, BNode):
                todo.append(obj)
        graph.remove((node, None, None))


def _add_spec_results(spec: Graph, extras: list[Result], shapes: Graph) -> None:
    """The engine's own results as ``sh:ValidationResult`` of the standard report."""
    report = spec.value(None, RDF.type, SH.ValidationReport, any=True)
    if report is None:
        report = BNode()
        spec.add((report, RDF.type, SH.ValidationReport))
    spec.set((report, SH.conforms, Literal(False)))
    for index, r in enumerate(extras):
        node = BNode(f"engine{index}")
        spec.add((report, SH.result, node))
        spec.add((node, RDF.type, SH.ValidationResult))
        spec.add((node, SH.resultSeverity, SH[r.severity]))
        if r.focus_node.startswith("_:"):
            spec.add((node, SH.focusNode, BNode(r.focus_node[2:])))
        else:
            spec.add((node, SH.focusNode, URIRef(r.focus_node or str(DPO.ActionPlan))))
        if r.path:
            spec.add((node, SH.resultPath, URIRef(r.path[1:-1])))
        if r.value is not None:
            spec.add((node, SH.value, Literal(r.value)))
        spec.add((node, SH.sourceShape, URIRef(r.shape)))
        if r.component:
            spec.add((node, SH.sourceConstraintComponent, URIRef(r.component)))
        spec.add((node, SH.resultMessage, Literal(r.message, lang="en")))


def _flatten(document: Graph) -> Graph:
    """The document as one graph in an :class:`~drugpolicy_kg.indexed_store.IndexedMemory`
    store (a TriG or N-Quads plan may come in named graphs): read three times below, which
    costs a tenth of reading rdflib's default store. The caller's graph is not changed."""
    if isinstance(document.store, IndexedMemory) and not isinstance(document, Dataset):
        return document
    if isinstance(document, Dataset):
        triples: Iterable[tuple[Node, Node, Node]] = (
            (s, p, o) for s, p, o, _g in document.quads((None, None, None, None))
        )
    else:
        triples = document
    return graph_of(triples, document)


def _stable_blank_nodes(document: Graph) -> Graph:
    """``document`` with canonical blank-node labels, so reports are byte-identical run to run.

    The loader gives blank nodes fresh random labels, and results whose focus node is a blank
    node (an entry written ``[ ... ]``) would name it differently on every run. Each blank node
    is labelled from its own content (:func:`_content_labels`: a few ms); only when two blank
    nodes cannot be told apart that way does this fall back to
    :func:`rdflib.compare.to_canonical_graph` (tens of ms for real plans; a crafted, highly
    symmetric graph is bounded by the validation time limit, ``--timeout``). Either way the
    labels depend only on the triples.
    """
    labels = _content_labels(document)
    if labels is None:
        return document  # no blank node
    if labels:
        get = labels.get
        triples: Iterable[tuple[Node, Node, Node]] = (
            (get(s, s), p, get(o, o)) for s, p, o in triples_of(document)
        )
    else:
        triples = to_canonical_graph(document)
    return graph_of(triples, document)


def _digest(parts: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(sorted(parts)).encode("utf-8", "surrogatepass")).hexdigest()


#: Refinement rounds before falling back to rdflib (real plans need at most two or three).
_MAX_ROUNDS = 6


def _content_labels(document: Graph) -> dict[Node, BNode] | None:
    """A label per blank node from its content, Weisfeiler-Lehman style; ``{}`` on a tie.

    A blank node's first colour hashes its outgoing (predicate, non-blank object) and incoming
    (non-blank subject, predicate) pairs; each round then hashes a node's colour with its blank
    neighbours' colours (by predicate and direction), until the number of colours stops
    growing (at most :data:`_MAX_ROUNDS` rounds). Colours depend only on the triples (IRIs and
    literals in N-Triples form), never on the parser's random labels. If two blank nodes end with the same colour (symmetric or
    look-alike nodes), ``{}`` is returned and the caller uses rdflib's canonicalisation.
    ``None``: the document has no blank node.
    """
    own: dict[Node, list[str]] = {}
    out_blank: dict[Node, list[tuple[str, Node]]] = {}
    in_blank: dict[Node, list[tuple[str, Node]]] = {}
    for s, p, o in triples_of(document):
        s_blank = isinstance(s, BNode)
        o_blank = isinstance(o, BNode)
        if not (s_blank or o_blank):
            continue
        pred = p.n3()
        if s_blank:
            own.setdefault(s, [])
            if o_blank:
                out_blank.setdefault(s, []).append((pred, o))
            else:
                own[s].append(f">{pred} {o.n3()}")
        if o_blank:
            own.setdefault(o, [])
            if s_blank:
                in_blank.setdefault(o, []).append((pred, s))
            else:
                own[o].append(f"<{s.n3()} {pred}")
    if not own:
        return None
    colour = {node: _digest(parts) for node, parts in own.items()}
    distinct = len(set(colour.values()))
    for _round in range(_MAX_ROUNDS):  # bounded: a long chain of look-alikes goes to rdflib
        if distinct == len(own) or not (out_blank or in_blank):
            break
        colour = {
            node: _digest(
                [
                    "=" + colour[node],
                    *(f">{pred} {colour[o]}" for pred, o in out_blank.get(node, ())),
                    *(f"<{colour[s]} {pred}" for pred, s in in_blank.get(node, ())),
                ]
            )
            for node in own
        }
        refined = len(set(colour.values()))
        if refined == distinct:
            break
        distinct = refined
    labels = {node: BNode("b" + value[:24]) for node, value in colour.items()}
    if len(set(labels.values())) != len(labels):
        return {}
    return labels


#: The pseudo-shape that names the "embedded rules were ignored" warning.
EMBEDDED_SHAPE = DPS.EmbeddedRulesIgnored


def _embedded_warning(document: Graph) -> Result | None:
    """A Warning when the plan carries shapes, rules or imports (never run, never fetched).

    A Warning, not an Info: the submitter evidently expected these triples to do something,
    and they do nothing; ``--strict`` gates (portals that accept only clean plans) should
    stop on it. It never changes the default verdict: it is not a Violation.
    """
    from ..rdfio import strip_or_flag_embedded

    flagged = [
        m.removeprefix("ignored ").split(": a plan is data", 1)[0]
        for m in strip_or_flag_embedded(document)
    ]
    for kind in (SH.NodeShape, SH.PropertyShape):
        for shape in sorted(document.subjects(RDF.type, kind), key=str):
            flagged.append(f"{shape.n3()} a {kind.n3()}")
    if not flagged:
        return None
    shown = ", ".join(flagged[:5]) + (f" and {len(flagged) - 5} more" if len(flagged) > 5 else "")
    return Result(
        severity="Warning",
        focus_node=str(DPO.ActionPlan),
        path=None,
        message=(
            "Document: the plan carries SHACL shapes/rules or owl:imports; they were ignored "
            f"(a plan is data: validation uses only the project's shapes and fetches nothing): "
            f"{shown}"
        ),
        shape=str(EMBEDDED_SHAPE),
    )


def _embedded_report_nt(result: Result, first_report_nt: str) -> str:
    """The warning as an ``sh:ValidationResult`` of the first report (for ``--format turtle``)."""
    found = _REPORT_NODE.search(first_report_nt)
    lines = []
    if found:
        node = found.group(1)
    else:
        node = "_:embeddedReport"
        lines += [
            f"{node} <{RDF.type}> <{SH.ValidationReport}> .",
            f"{node} <{SH.conforms}> {Literal(True).n3()} .",
        ]
    item = "_:embeddedRulesIgnored"
    lines += [
        f"{node} <{SH.result}> {item} .",
        f"{item} <{RDF.type}> <{SH.ValidationResult}> .",
        f"{item} <{SH.resultSeverity}> <{SH.Warning}> .",
        f"{item} <{SH.focusNode}> <{DPO.ActionPlan}> .",
        f"{item} <{SH.sourceShape}> <{EMBEDDED_SHAPE}> .",
        f"{item} <{SH.resultMessage}> {Literal(result.message, lang='en').n3()} .",
    ]
    return "\n".join(lines) + "\n"


_REPORT_NODE = re.compile(
    rf"^(_:\S+) <{re.escape(str(RDF.type))}> <{re.escape(str(SH.ValidationReport))}> \.$",
    re.MULTILINE,
)


def _engine(deadline: Deadline | None) -> Engine:
    """The process's engine for ``deadline`` and the chosen method (:func:`.methods.use_method`):
    one object serves the CLI, the library functions and the web service."""
    return _engine_for(deadline, current_method())


@lru_cache(maxsize=8)
def _engine_for(deadline: Deadline | None, method: str) -> Engine:
    return Engine(deadline, method=method)


#: Whether reports carry :attr:`PlanReport.records` (``validate_files(records=True)``: the
#: CLI's revision-chain checks read them instead of the files; ~1 ms a plan otherwise spared).
WITH_RECORDS: ContextVar[bool] = ContextVar("WITH_RECORDS", default=False)

#: Whether reports carry the standard ``sh:ValidationReport`` (:attr:`PlanReport.report_ntriples`,
#: the default); ``validate_files(standard=False)`` spares building and writing it (~0.25 ms a
#: plan) where no output shows it: every format but Turtle.
WITH_STANDARD_REPORT: ContextVar[bool] = ContextVar("WITH_STANDARD_REPORT", default=True)

#: The locator of the file being validated (set by :mod:`.upload` around :func:`validate_graph`).
CURRENT_LOCATE: ContextVar[Locate | None] = ContextVar("CURRENT_LOCATE", default=None)


def validate_graph(
    document: Graph, name: str = "<graph>", deadline: Deadline | None = None
) -> PlanReport:
    """Validate a parsed document with the package's shapes (engine cached per deadline).

    Results are located with :data:`CURRENT_LOCATE` when the caller has set it."""
    return _engine(deadline).validate(document, name, locate=CURRENT_LOCATE.get())


def validate_file(path: str, deadline: Deadline | None = None) -> PlanReport:
    """Read an untrusted plan safely (no network, no files, limits) and validate it.

    A ``.xlsx`` or ``.csv`` spreadsheet is imported in memory first (:mod:`.upload`); every
    result carries its location (the line of the entry in RDF files, the cell in spreadsheets).
    """
    from . import upload

    return upload.validate_path(path, deadline)


def validate_files(
    paths: Sequence[str],
    deadline: Deadline | None = None,
    workers: int | None = None,
    on_done: object = None,
    timeout: float | None = None,
    records: bool = False,
    on_error: Callable[[str, InputError], object] | None = None,
    standard: bool = True,
) -> list[PlanReport]:
    """Validate many files, in worker processes above :data:`PARALLEL_THRESHOLD` files.

    Raises :class:`~drugpolicy_kg.errors.InputError` for the first file that cannot be read,
    and :class:`~drugpolicy_kg.errors.TimeLimitExceeded` (an InputError) for the first whose
    validation takes more than ``timeout`` seconds (``None`` or 0: no limit).
    ``on_done`` (a callable taking the finished report) drives a progress bar. ``records``:
    each report also carries its plans as the monitoring features read them
    (:attr:`PlanReport.records`, for :func:`.chain.check_chains`). ``on_error``: a file that
    cannot be read is handed to it with its path (in the order given) instead of being raised, and the other
    files are still validated (their reports are returned). ``standard=False``: the reports
    carry no standard ``sh:ValidationReport`` (``report_ntriples`` empty; for outputs that do
    not show it).

    With a limit, or with several workers, the files go to long-lived forked children, one file
    at a time, each under its own deadline (:mod:`.watchdog`): one fork per worker, not per
    file. With one worker and no limit, everything runs in this process.
    """
    callback = on_done if callable(on_done) else None
    if workers is None:
        workers = WORKERS if len(paths) > PARALLEL_THRESHOLD else 1
    limited = timeout is not None and timeout > 0
    if workers <= 1 and not limited:
        reports = []
        token = WITH_RECORDS.set(records)
        standard_token = WITH_STANDARD_REPORT.set(standard)
        try:
            for path in paths:
                try:
                    report = validate_file(path, deadline)
                except InputError as exc:
                    if on_error is None:
                        raise
                    on_error(path, exc)
                    continue
                if callback:
                    callback(report)
                reports.append(report)
        finally:
            WITH_RECORDS.reset(token)
            WITH_STANDARD_REPORT.reset(standard_token)
        return reports
    from .watchdog import validate_batch

    # Build the KG context and the shapes and warm pySHACL here, before forking: the children
    # inherit them instead of compiling the KG again (~2 s each). gc.freeze() keeps the
    # inherited objects out of the children's collections (fewer copied pages).
    _engine(deadline).warm()
    gc.collect()
    gc.freeze()
    n_workers = max(1, min(workers, os.cpu_count() or 1, len(paths)))
    try:
        return validate_batch(
            paths, deadline, n_workers, timeout, callback, records, on_error, standard
        )
    finally:
        gc.unfreeze()
