"""Reason over the KG: pick an engine, classify the practices, explain a clash, materialise.

The same calls serve the CLI (``drugpolicy-kg reason``, ``build --reason``) and Python users::

    from drugpolicy_kg.reasoning import reason
    report = reason()                     # HermiT when Java is there, else OWL 2 RL
    report.consistent, report.members(DPO.EUSystemPractice)

Only the project's own graph is reasoned over: :func:`reason` takes an rdflib graph the
caller compiled (by default the shipped KG), never a file name or URL (see ``prepare.py``).
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass

from rdflib import Graph, URIRef

from ..errors import EngineError, ModelError
from ..vocab import DEFINED_PRACTICE_CLASSES, DPO, RDF, RDFS, SKOS
from .base import Engine, EngineResult
from .explain import Explanation, curie, explain
from .hermit import JAVA_ENV, HermitEngine, find_java
from .owlrl_fallback import OwlrlEngine
from .prepare import defined_classes, individuals, named_classes

log = logging.getLogger(__name__)

ENGINE_CHOICES = ("auto", "hermit", "owlrl")

NO_JAVA = (
    "Java was not found (install Java 11 or later, or set {env}=/path/to/java), so HermiT "
    "cannot run. Using the OWL 2 RL fallback (owlrl): it derives the defined practice classes "
    "and catches disjointness, domain/range and functional-property clashes, but finding no "
    "clash under OWL 2 RL does not prove OWL 2 DL consistency."
)


@dataclass(frozen=True)
class EngineChoice:
    engine: Engine
    fallback: bool
    note: str | None


def select_engine(name: str = "auto") -> EngineChoice:
    """The engine for ``name``: ``hermit``, ``owlrl`` or ``auto`` (HermiT if Java is found).

    ``hermit`` without Java is an :class:`EngineError` (exit 2), so a user who asked for a
    complete check never silently gets an incomplete one.
    """
    if name not in ENGINE_CHOICES:
        raise EngineError(f"unknown reasoning engine {name!r}; choose one of {ENGINE_CHOICES}")
    if name == "owlrl":
        return EngineChoice(OwlrlEngine(), fallback=False, note=None)
    java = find_java()
    if java is None:
        if name == "hermit":
            raise EngineError(
                f"HermiT needs Java, and none was found (PATH, $JAVA_HOME, ${JAVA_ENV}). "
                "Install Java 11 or later, or run with --engine owlrl (OWL 2 RL, incomplete)."
            )
        return EngineChoice(OwlrlEngine(), fallback=True, note=NO_JAVA.format(env=JAVA_ENV))
    return EngineChoice(HermitEngine(java), fallback=False, note=None)


@dataclass(frozen=True)
class PracticeRow:
    """One practice and the defined classes the reasoner put it in."""

    notation: str
    iri: URIRef
    title: str
    classes: tuple[URIRef, ...]


@dataclass(frozen=True)
class ReasoningReport:
    """What ``reason`` found: the verdict, the classification and, if need be, the cause."""

    engine: str
    engine_label: str
    complete: bool
    fallback: bool
    note: str | None
    consistent: bool
    unsatisfiable: tuple[URIRef, ...]
    defined_classes: tuple[URIRef, ...]
    class_labels: dict[URIRef, str]
    practices: tuple[PracticeRow, ...]
    explanation: Explanation | None
    seconds: float
    result: EngineResult

    @property
    def ok(self) -> bool:
        """Consistent, and no named class is unsatisfiable."""
        return self.consistent and not self.unsatisfiable

    def members(self, cls: URIRef) -> list[str]:
        """Notations of the practices in ``cls``, in the Decision's order."""
        return [row.notation for row in self.practices if cls in row.classes]

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready view (stable keys, no timings, so the same KG gives the same JSON)."""
        return {
            "consistent": self.consistent,
            "coherent": not self.unsatisfiable,
            "engine": self.engine,
            "engineLabel": self.engine_label,
            "complete": self.complete,
            "fallback": self.fallback,
            "note": self.note,
            "unsatisfiableClasses": [str(c) for c in self.unsatisfiable],
            "definedClasses": [
                {
                    "iri": str(c),
                    "curie": curie(c),
                    "label": self.class_labels.get(c, ""),
                    "members": self.members(c),
                }
                for c in self.defined_classes
            ],
            "practices": [
                {
                    "notation": row.notation,
                    "iri": str(row.iri),
                    "title": row.title,
                    "classes": [curie(c) for c in row.classes],
                }
                for row in self.practices
            ],
            "explanation": None
            if self.explanation is None
            else _explanation_dict(self.explanation),
        }


def _explanation_dict(e: Explanation) -> dict[str, object]:
    return {
        "assertions": list(e.rendered),
        "individuals": [str(i) for i in e.individuals],
        "axioms": [line for c in e.clashes for line in c.lines()],
        "engineMessages": list(e.messages),
        "minimal": e.minimal,
        "tboxOnly": e.tbox_only,
        "reasonerCalls": e.calls,
        "notes": list(e.notes),
    }


_ROMAN = {"I": 1, "V": 5, "X": 10}


def _roman(numeral: str) -> int:
    values = [_ROMAN[c] for c in numeral]
    return sum(-v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values))


def notation_key(notation: str) -> tuple[int, int, str]:
    """Sort key in the Decision's order: I.1 < I.8 < II.1 < III.10 < IV.1."""
    m = re.fullmatch(r"([IVX]+)\.(\d+)", notation)
    if not m:
        return (99, 0, notation)
    return (_roman(m.group(1)), int(m.group(2)), notation)


def _label(graph: Graph, term: URIRef) -> str:
    for prop in (SKOS.prefLabel, RDFS.label):
        value = graph.value(term, prop)
        if value is not None:
            return str(value)
    return curie(term)


def ordered_defined_classes(graph: Graph) -> tuple[URIRef, ...]:
    """The defined classes in the report's order: the documented six first, then any other."""
    found = defined_classes(graph)
    known = [c for c in DEFINED_PRACTICE_CLASSES if c in found]
    return tuple(known + [c for c in found if c not in known])


def reason(
    graph: Graph | None = None,
    engine: str = "auto",
    with_explanation: bool = True,
) -> ReasoningReport:
    """Check consistency and classify every practice into the defined classes.

    ``graph`` defaults to the shipped KG (:func:`drugpolicy_kg.kg.cached_kg`). When the graph
    is inconsistent and ``with_explanation`` is set, the report carries a minimal cause.
    """
    if graph is None:
        from .. import kg

        graph = kg.cached_kg()
    choice = select_engine(engine)
    if choice.note:
        log.warning("%s", choice.note)
    started = time.perf_counter()
    result = choice.engine.run(graph)
    seconds = time.perf_counter() - started
    log.info("%s: %.2f s", choice.engine.label, seconds)

    classes = ordered_defined_classes(graph)
    rows: list[PracticeRow] = []
    for practice in graph.subjects(RDF.type, DPO.BestPractice):
        if not isinstance(practice, URIRef):
            continue
        notation = str(graph.value(practice, SKOS.notation) or curie(practice))
        types = result.types.get(practice, frozenset())
        rows.append(
            PracticeRow(
                notation=notation,
                iri=practice,
                title=_label(graph, practice),
                classes=tuple(c for c in classes if c in types),
            )
        )
    rows.sort(key=lambda r: notation_key(r.notation))

    explanation = None
    if not result.consistent and with_explanation:
        explanation = explain(choice.engine, graph, result.messages)
    return ReasoningReport(
        engine=choice.engine.name,
        engine_label=choice.engine.label,
        complete=choice.engine.complete,
        fallback=choice.fallback,
        note=choice.note,
        consistent=result.consistent,
        unsatisfiable=result.unsatisfiable,
        defined_classes=classes,
        class_labels={c: _label(graph, c) for c in classes},
        practices=tuple(rows),
        explanation=explanation,
        seconds=seconds,
        result=result,
    )


def inferred_types(graph: Graph, result: EngineResult) -> Graph:
    """The entailed ``rdf:type`` triples of named individuals that ``graph`` does not assert.

    Only classes declared in the ontology count (owl:Thing does not), so the output is the
    same for HermiT and for owlrl on this KG (tests/test_reason_engines.py).
    """
    out = Graph(bind_namespaces="none")
    declared = named_classes(graph)
    for ind in sorted(individuals(graph)):
        for cls in sorted(result.types.get(ind, frozenset()) & declared):
            if (ind, RDF.type, cls) not in graph:
                out.add((ind, RDF.type, cls))
    return out


def materialise(graph: Graph, engine: str = "auto") -> Graph:
    """``graph`` plus its inferred types, so plain SPARQL engines see them (``build --reason``).

    An inconsistent graph is a broken project source: :class:`ModelError` with the cause.
    """
    report = reason(graph, engine=engine)
    if not report.ok:
        lines = describe_problem(report)
        raise ModelError(
            "the KG is not consistent, so no types were materialised:\n" + "\n".join(lines)
        )
    extra = inferred_types(graph, report.result)
    log.info("%s: %d inferred types materialised", report.engine_label, len(extra))
    out = Graph(bind_namespaces="none")
    for prefix, ns in graph.namespace_manager.namespaces():
        out.bind(prefix, ns)
    for t in graph:
        out.add(t)
    for t in extra:
        out.add(t)
    return out


def describe_problem(report: ReasoningReport) -> list[str]:
    """Text lines that name what is wrong: the clash's cause, or the unsatisfiable classes."""
    lines: list[str] = []
    if not report.consistent:
        lines.append(f"Inconsistent ({report.engine_label}).")
        if report.explanation is not None:
            lines += report.explanation.lines()
    if report.unsatisfiable:
        lines.append(
            "Unsatisfiable classes (no individual can belong to them): "
            + ", ".join(curie(c) for c in report.unsatisfiable)
        )
    return lines
