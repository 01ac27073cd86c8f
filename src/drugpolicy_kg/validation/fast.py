"""The fast validation engine: the package's core-SHACL shapes compiled once into Python checks.

The shapes are fixed (``assets/shapes``) and use a small part of SHACL Core: targets by node,
class, subjects-of and objects-of; predicate, inverse and sequence paths; and the components
``minCount``, ``maxCount``, ``class``, ``datatype``, ``nodeKind``, ``in``, ``hasValue``,
``pattern``, ``node``, ``qualifiedValueShape`` (min/max, not disjoint), ``lessThanOrEquals``,
``minInclusive`` and ``maxInclusive``. :func:`compile_shapes` turns each shape into a list of
closures over an index of the data graph (two dictionaries), built once per plan; validating a
plan is then a few thousand dictionary look-ups instead of pySHACL's re-reading of the shapes
graph for every shape on every focus node (measured: ``benchmarks/bench_peers.py``).

Equal to pySHACL, by construction and by test:

- every check follows the text of pySHACL's own component (same value-node sets, same
  comparisons: :func:`pyshacl.rdfutil.compare.compare_literal`, same regular-expression use,
  same datatype checks, same results for ``sh:node``'s nested results in ``sh:detail``);
- results are made in pySHACL's format and the report graph is built from them as pySHACL's
  ``Validator.create_validation_report`` builds it (:func:`build_report`), so it has the same
  triples; messages of shapes without ``sh:message`` are made by pySHACL's
  :func:`~pyshacl.rdfutil.stringify_node`, as pySHACL makes them (imported then: pySHACL is
  not loaded on the common path);
- ``tests/test_validation_fast.py`` runs both engines on every fixture, the example plans, the
  synthetic corpus with injected errors and hypothesis-generated plans, and compares the results.

Anything outside that subset (another component, ``sh:flags``, an alternative path, a
class-like shape...) raises :class:`Unsupported` at compile time, and the
engine then uses pySHACL for everything: shapes edited by a maintainer are never half-checked.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import NamespaceManager
from rdflib.term import Node

from ..indexed_store import IndexedMemory
from ..vocab import RDF, RDFS, SH, XSD

# Terms the per-plan code uses, made once: rdflib's ``Namespace`` makes a new URIRef at every
# attribute access, and one object compares by identity before Python's ``__eq__``.
_TYPE = RDF.type
_SUBCLASS_OF = RDFS.subClassOf
_VALIDATION_RESULT = SH.ValidationResult
_SOURCE_COMPONENT = SH.sourceConstraintComponent
_SOURCE_SHAPE = SH.sourceShape
_RESULT_SEVERITY = SH.resultSeverity
_FOCUS_NODE = SH.focusNode
_VALUE = SH.value
_RESULT_PATH = SH.resultPath
_RESULT_MESSAGE = SH.resultMessage
_DETAIL = SH.detail

#: A result in pySHACL's own form: (text description, result node, result triples).
PyshaclResult = tuple[str, BNode, list[tuple[Any, Any, Any]]]


class Unsupported(Exception):
    """The shapes use SHACL this compiler does not cover (pySHACL is used instead)."""


class NotComparable(Exception):
    """A value SHACL cannot compare (pySHACL's ``ReportableRuntimeError``, same message)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# pySHACL itself is imported only where a rare case needs it (a generated message naming a
# literal or a blank node): the CLI starts ~0.12 s faster without it.


#: the shared manager of :func:`_namespaces` and how many more times it may be handed out (it
#: remembers every namespace it has split an IRI into: renewed now and then in a long run)
_SHARED_NAMESPACES: list[Any] = [None, 0]


def _namespaces(graph: Graph) -> NamespaceManager:
    """``graph.namespace_manager``; for a data graph built here (its store binds no prefix), a
    shared manager with the same bindings, instead of a new one (some thirty prefixes bound)
    for every plan that gets a generated message."""
    store = graph.store
    if isinstance(store, IndexedMemory) and next(iter(store.namespaces()), None) is None:
        if _SHARED_NAMESPACES[1] <= 0:
            _SHARED_NAMESPACES[:] = [Graph(store=IndexedMemory()).namespace_manager, 1000]
        _SHARED_NAMESPACES[1] -= 1
        manager: NamespaceManager = _SHARED_NAMESPACES[0]
        return manager
    return graph.namespace_manager


def stringify_node(graph: Graph, node: Node) -> str:
    """pySHACL's :func:`pyshacl.rdfutil.stringify_node` (for generated messages): an IRI as
    pySHACL writes it (its prefixed name in ``graph``, ``sh:`` bound); literals and blank nodes
    by pySHACL's own function."""
    if isinstance(node, URIRef):
        manager = _namespaces(graph)
        manager.bind("sh", SH, override=False, replace=False)
        try:
            return node.n3(namespace_manager=manager)
        except Exception:
            return str(node)
    from pyshacl.rdfutil import stringify_node as pyshacl_stringify

    return str(pyshacl_stringify(graph, node))


def _clone_node(graph: Graph, node: Node, target: Graph, recursion: int = 0) -> Node:
    """pySHACL's ``clone_node`` (not deep): literals and IRIs as they are, blank nodes cloned."""
    if isinstance(node, Literal):
        return Literal(str(node), node.language, node.datatype)
    if isinstance(node, BNode):
        return _clone_blank_node(graph, node, target, recursion=recursion + 1)
    if isinstance(node, URIRef):
        return URIRef(str(node))
    raise ValueError(f"Cannot clone node of type {type(node)}")


def _clone_blank_node(
    graph: Graph, node: BNode, target: Graph, keepid: bool = False, recursion: int = 0
) -> BNode:
    """pySHACL's ``clone_blank_node``: the node's description copied into ``target`` (ten
    levels at most; an RDF list as a list)."""
    cloned = BNode(str(node)) if keepid else BNode()
    if recursion >= 10:
        return cloned
    predicates = set(graph.predicates(node))
    if not predicates:
        return cloned
    if RDF.first in predicates:
        items = Collection(target, cloned)
        for item in graph.items(node):
            items.append(_clone_node(graph, item, target, recursion=recursion + 1))
        return cloned
    for p in predicates:
        cloned_p = _clone_node(graph, p, target, recursion=recursion + 1)
        for o in list(graph.objects(node, p)):
            target.add((cloned, cloned_p, _clone_node(graph, o, target, recursion=recursion + 1)))
    return cloned


#: Values pySHACL compares by their Python value (``compare_literal``).
_FORCE_COMPARE_VALUE = (dt.datetime, dt.time)


def compare_literal(l1: Literal, l2: Literal) -> int:
    """pySHACL's :func:`pyshacl.rdfutil.compare.compare_literal`, line for line: 0 when equal,
    1 when ``l1`` is greater, -1 otherwise; ``TypeError`` when the two cannot be compared."""
    if l1.eq(l2):
        return 0
    if l1.value.__class__ in _FORCE_COMPARE_VALUE:
        if l1.value == l2.value:
            return 0
        if l1.value > l2.value:
            return 1
    elif l1 > l2:
        return 1
    return -1


def build_report(conforms: bool, results: list[PyshaclResult]) -> Graph:
    """The ``sh:ValidationReport`` graph, as pySHACL's
    ``Validator.create_validation_report`` builds it from the same results (the prefixes of
    the shapes graph, which it binds, are left out: the report leaves this package as
    N-Triples). A blank node named by a result is copied as pySHACL's ``clone_blank_node``
    copies it; ``tests/test_validation_fast.py`` checks the two reports isomorphic.
    """
    if not conforms and not results:
        raise RuntimeError("A Non-Conformant Validation Report must have at least one result.")
    report = Graph(store=IndexedMemory())
    node = BNode()
    triples: list[tuple[Node, Node, Node]] = [
        (node, RDF.type, SH.ValidationReport),
        (node, SH.conforms, Literal(conforms)),
    ]
    cloned: dict[tuple[Any, str], Node] = {}
    for _text, result, result_triples in results:
        triples.append((node, SH.result, result))
        for s, p, o in result_triples:
            if isinstance(o, tuple):
                source, value = o
                if isinstance(value, Literal):
                    o = value
                else:
                    key = (source, str(value))
                    if key in cloned:
                        o = cloned[key]
                    elif isinstance(value, BNode):
                        cloned[key] = o = _clone_blank_node(source, value, report, keepid=True)
                    else:
                        cloned[key] = o = URIRef(str(value))
            triples.append((s, p, o))
    store = report.store
    assert isinstance(store, IndexedMemory)
    store.add_all(triples)
    return report


# --- the data graph, indexed ------------------------------------------------------------------

_EMPTY: Mapping[Node, Any] = {}


class Index:
    """Forward and backward adjacency of a data graph: ``s -> p -> [o]`` and ``p -> o -> [s]``."""

    __slots__ = ("_sub_cache", "_super_cache", "back", "graph", "out")

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        store = graph.store
        if isinstance(store, IndexedMemory):  # the data graph's own indexes: nothing to build
            self.out: Mapping[Node, Mapping[Node, Iterable[Node]]] = store.spo
            self.back: Mapping[Node, Mapping[Node, Iterable[Node]]] = store.pos
        else:
            out: dict[Node, dict[Node, list[Node]]] = {}
            back: dict[Node, dict[Node, list[Node]]] = {}
            for s, p, o in graph:
                out.setdefault(s, {}).setdefault(p, []).append(o)
                back.setdefault(p, {}).setdefault(o, []).append(s)
            self.out = out
            self.back = back
        self._sub_cache: dict[Node, set[Node]] = {}
        self._super_cache: dict[Node, set[Node]] = {}

    def objects(self, s: Node, p: Node) -> Iterable[Node]:
        return self.out.get(s, _EMPTY).get(p, ())

    def subjects(self, p: Node, o: Node) -> Iterable[Node]:
        return self.back.get(p, _EMPTY).get(o, ())

    def _closure(self, start: Node, step: Callable[[Node], Iterable[Node]]) -> set[Node]:
        seen = {start}
        todo = [start]
        while todo:
            for nxt in step(todo.pop()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    def subclasses(self, cls: Node) -> set[Node]:
        """``cls`` and its transitive ``rdfs:subClassOf`` subjects (rdflib's transitive_subjects)."""
        found = self._sub_cache.get(cls)
        if found is None:
            found = self._sub_cache[cls] = self._closure(
                cls, lambda c: self.subjects(_SUBCLASS_OF, c)
            )
        return found

    def superclasses(self, cls: Node) -> set[Node]:
        found = self._super_cache.get(cls)
        if found is None:
            found = self._super_cache[cls] = self._closure(
                cls, lambda c: self.objects(c, _SUBCLASS_OF)
            )
        return found


# --- paths ------------------------------------------------------------------------------------

PathFn = Callable[[Index, Node], set[Node]]


def _compile_path(sg: Graph, node: Node) -> PathFn:
    if isinstance(node, URIRef):
        pred = node

        def forward(ix: Index, focus: Node) -> set[Node]:
            return set(ix.out.get(focus, _EMPTY).get(pred, ()))

        return forward
    if not isinstance(node, BNode):
        raise Unsupported(f"path {node!r}")
    preds = set(sg.predicates(node))
    if preds == {SH.inversePath}:
        inner = sg.value(node, SH.inversePath)
        if not isinstance(inner, URIRef):
            raise Unsupported("inverse of a complex path")
        ipred = inner

        def inverse(ix: Index, focus: Node) -> set[Node]:
            return set(ix.back.get(ipred, _EMPTY).get(focus, ()))

        return inverse
    if RDF.first in preds:
        steps = [_compile_path(sg, item) for item in Collection(sg, node)]
        if len(steps) < 2:
            raise Unsupported("sequence path of fewer than two steps")

        def sequence(ix: Index, focus: Node) -> set[Node]:
            current = {focus}
            for step in steps:
                nxt: set[Node] = set()
                for n in current:
                    nxt |= step(ix, n)
                current = nxt
            return current

        return sequence
    raise Unsupported(f"path with {sorted(map(str, preds))}")


# --- shapes -----------------------------------------------------------------------------------

#: SHACL predicates a shape may carry; anything else in the sh: namespace is Unsupported.
_STRUCTURE = {
    SH.path,
    SH.property,
    SH.targetNode,
    SH.targetClass,
    SH.targetObjectsOf,
    SH.targetSubjectsOf,
    SH.severity,
    SH.message,
    SH.name,
    SH.description,
    SH.order,
    SH.group,
}
_COMPONENTS = {
    SH.minCount,
    SH.maxCount,
    SH["class"],
    SH.datatype,
    SH.nodeKind,
    SH["in"],
    SH.hasValue,
    SH.pattern,
    SH.node,
    SH.qualifiedValueShape,
    SH.qualifiedMinCount,
    SH.qualifiedMaxCount,
    SH.lessThanOrEquals,
    SH.minInclusive,
    SH.maxInclusive,
}
_SHAPE_TYPES = {SH.NodeShape, SH.PropertyShape}

#: A check of one focus node and its value nodes: the results it finds.
FocusCheck = Callable[["_Run", Node, set[Node]], list[PyshaclResult]]
#: A component over all focus nodes of a shape: (conforms, results), as pySHACL's ``evaluate``.
Check = Callable[["_Run", dict[Node, set[Node]]], tuple[bool, list[PyshaclResult]]]
_ALLOWED = frozenset((SH.Warning, SH.Info))  # a set: hashed, not compared one by one


def _per_focus(check: FocusCheck) -> Check:
    """A component that conforms when it finds no result."""

    def evaluate(
        run: _Run, focus_values: dict[Node, set[Node]]
    ) -> tuple[bool, list[PyshaclResult]]:
        out: list[PyshaclResult] = []
        for focus, values in focus_values.items():
            found = check(run, focus, values)
            if found:
                out += found
        return not out, out

    return evaluate


def _severity(result: PyshaclResult) -> Node | None:
    node = result[1]
    for s, p, o in result[2]:
        if (s is node or s == node) and (p is _RESULT_SEVERITY or p == _RESULT_SEVERITY):
            return o
    return None


@dataclass(eq=False)
class Shape:
    """A compiled shape: its targets, its path (property shapes) and its checks."""

    node: Node
    severity: URIRef
    messages: list[Literal]
    path_node: Node | None = None
    path: PathFn | None = None
    target_nodes: list[Node] = field(default_factory=list)
    target_classes: list[Node] = field(default_factory=list)
    target_subjects_of: list[Node] = field(default_factory=list)
    target_objects_of: list[Node] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    #: a Warning or Info shape: it always conforms (warnings and infos allowed)
    allow: bool = False

    @property
    def targeted(self) -> bool:
        return bool(
            self.target_nodes
            or self.target_classes
            or self.target_subjects_of
            or self.target_objects_of
        )


class _Run:
    """One validation: the data graph, its index and the shapes graph (for pySHACL's triples)."""

    __slots__ = ("data", "ix", "quiet", "sg")

    def __init__(self, ix: Index, sg: Graph) -> None:
        self.ix = ix
        self.data = ix.graph
        self.sg = sg
        #: > 0 while only conformance matters (``sh:qualifiedValueShape``): results then carry
        #: their severity only (conformance reads nothing else) and no message is made.
        self.quiet = 0

    def validate(
        self, shape: Shape, focus_nodes: Iterable[Node]
    ) -> tuple[bool, list[PyshaclResult]]:
        """(conforms, results), as pySHACL's ``Shape.validate`` with warnings and infos allowed:
        a Warning or Info shape always conforms; another conforms unless a component fails with
        a result of another severity."""
        path = shape.path
        if path is None:
            focus_values = {f: {f} for f in focus_nodes}
        else:
            ix = self.ix
            focus_values = {f: path(ix, f) for f in focus_nodes}
        results: list[PyshaclResult] = []
        if not focus_values:
            return True, results
        allow = shape.allow
        non_conformant = False
        for check in shape.checks:
            ok, found = check(self, focus_values)
            if not (ok or allow):
                non_conformant = non_conformant or any(_severity(r) not in _ALLOWED for r in found)
            results += found
        return not non_conformant, results

    def focus_nodes(self, shape: Shape) -> set[Node]:
        ix = self.ix
        found: set[Node] = set(shape.target_nodes)
        for cls in shape.target_classes:
            for sub in ix.subclasses(cls):
                found.update(ix.subjects(_TYPE, sub))
        for pred in shape.target_subjects_of:
            for subjects in ix.back.get(pred, {}).values():
                found.update(subjects)
        for pred in shape.target_objects_of:
            found.update(ix.back.get(pred, {}).keys())
        return found

    def result(
        self,
        shape: Shape,
        component: URIRef,
        focus: Node,
        value: Node | None = None,
        generic: Callable[[], list[Literal]] | None = None,
    ) -> PyshaclResult:
        """A result in pySHACL's form (``ConstraintComponent.make_v_result``)."""
        if self.quiet:
            return ("", _QUIET_NODE, [(_QUIET_NODE, _RESULT_SEVERITY, shape.severity)])
        node = BNode()
        triples: list[tuple[Any, Any, Any]] = [
            (node, _TYPE, _VALIDATION_RESULT),
            (node, _SOURCE_COMPONENT, (self.sg, component)),
            (node, _SOURCE_SHAPE, (self.sg, shape.node)),
            (node, _RESULT_SEVERITY, shape.severity),
            (node, _FOCUS_NODE, (self.data, focus)),
        ]
        if value is not None:
            triples.append((node, _VALUE, (self.data, value)))
        if shape.path_node is not None:
            triples.append((node, _RESULT_PATH, (self.sg, shape.path_node)))
        messages: list[Literal] = list(shape.messages)
        if not messages and generic is not None:
            messages = generic()
        for m in messages:
            triples.append((node, _RESULT_MESSAGE, m))
        return ("", node, triples)


_QUIET_NODE = BNode("quiet")


def _one(values: list[Node], what: str) -> Node:
    if len(values) != 1:
        raise Unsupported(f"{what}: {len(values)} values")
    return values[0]


def _int(node: Node, what: str) -> int:
    if not isinstance(node, Literal) or not isinstance(node.value, int):
        raise Unsupported(f"{what} is not an integer")
    return int(node.value)


class Compiler:
    """Compiles the shapes of one shapes graph (each shape once, shared by reference)."""

    def __init__(self, sg: Graph) -> None:
        self.sg = sg
        self.shapes: dict[Node, Shape] = {}

    def shape(self, node: Node) -> Shape:
        found = self.shapes.get(node)
        if found is not None:
            return found
        sg = self.sg
        predicates = set(sg.predicates(node))
        for p in predicates:
            if str(p).startswith(str(SH)) and p not in _STRUCTURE and p not in _COMPONENTS:
                raise Unsupported(f"{p} on {node}")
        types = set(sg.objects(node, RDF.type))
        if types & {SH.SPARQLConstraint} or (RDFS.Class in types):
            raise Unsupported("implicit class target or SPARQL")
        severities = list(sg.objects(node, SH.severity))
        severity = severities[0] if severities else SH.Violation
        if not isinstance(severity, URIRef) or len(severities) > 1:
            raise Unsupported("severity")
        messages = [m for m in sg.objects(node, SH.message) if isinstance(m, Literal)]
        if len(messages) != len(list(sg.objects(node, SH.message))):
            raise Unsupported("a non-literal sh:message")
        shape = Shape(node=node, severity=severity, messages=messages, allow=severity in _ALLOWED)
        self.shapes[node] = shape  # before the checks: recursive references resolve
        paths = list(sg.objects(node, SH.path))
        if paths:
            shape.path_node = _one(paths, "sh:path")
            shape.path = _compile_path(sg, shape.path_node)
        shape.target_nodes = list(sg.objects(node, SH.targetNode))
        shape.target_classes = list(sg.objects(node, SH.targetClass))
        shape.target_subjects_of = list(sg.objects(node, SH.targetSubjectsOf))
        shape.target_objects_of = list(sg.objects(node, SH.targetObjectsOf))
        shape.checks = self._checks(shape, predicates)
        return shape

    # Each builder below follows the pySHACL component of the same name.

    def _checks(self, shape: Shape, predicates: set[Node]) -> list[Check]:
        sg, node = self.sg, shape.node
        checks: list[Check] = []
        is_property = shape.path is not None
        if SH.minCount in predicates:
            checks.append(
                self._min_count(
                    shape,
                    _int(_one(list(sg.objects(node, SH.minCount)), "sh:minCount"), "sh:minCount"),
                )
            )
        if SH.maxCount in predicates:
            checks.append(
                self._max_count(
                    shape,
                    _int(_one(list(sg.objects(node, SH.maxCount)), "sh:maxCount"), "sh:maxCount"),
                )
            )
        if not is_property and predicates & {
            SH.minCount,
            SH.maxCount,
            SH.qualifiedValueShape,
            SH.lessThanOrEquals,
        }:
            raise Unsupported("a property-shape component on a node shape")
        if SH["class"] in predicates:
            checks.append(self._class(shape, list(sg.objects(node, SH["class"]))))
        if SH.datatype in predicates:
            checks.append(
                self._datatype(shape, _one(list(sg.objects(node, SH.datatype)), "sh:datatype"))
            )
        if SH.nodeKind in predicates:
            checks.append(
                self._node_kind(shape, _one(list(sg.objects(node, SH.nodeKind)), "sh:nodeKind"))
            )
        if SH["in"] in predicates:
            members = set(Collection(sg, _one(list(sg.objects(node, SH["in"])), "sh:in")))
            checks.append(self._in(shape, members))
        if SH.hasValue in predicates:
            checks.append(self._has_value(shape, list(sg.objects(node, SH.hasValue))))
        if SH.pattern in predicates:
            checks.append(self._pattern(shape, list(sg.objects(node, SH.pattern))))
        if SH.property in predicates:
            inner = [self.shape(p) for p in sg.objects(node, SH.property)]
            if any(s.path is None for s in inner):
                raise Unsupported("sh:property to a node shape")
            checks.append(self._property(inner))
        if SH.node in predicates:
            inner = [self.shape(n) for n in sg.objects(node, SH.node)]
            if any(s.path is not None for s in inner):
                raise Unsupported("sh:node to a property shape")
            checks.append(self._node(shape, inner))
        if SH.qualifiedValueShape in predicates:
            qvs = self.shape(
                _one(list(sg.objects(node, SH.qualifiedValueShape)), "sh:qualifiedValueShape")
            )
            mins = list(sg.objects(node, SH.qualifiedMinCount))
            maxs = list(sg.objects(node, SH.qualifiedMaxCount))
            low = _int(_one(mins, "sh:qualifiedMinCount"), "min") if mins else None
            high = _int(_one(maxs, "sh:qualifiedMaxCount"), "max") if maxs else None
            if low is None and high is None:
                raise Unsupported("sh:qualifiedValueShape without counts")
            checks.append(self._qualified(shape, qvs, low, high))
        elif predicates & {SH.qualifiedMinCount, SH.qualifiedMaxCount}:
            raise Unsupported("qualified counts without a shape")
        if SH.lessThanOrEquals in predicates:
            for other in sg.objects(node, SH.lessThanOrEquals):
                if not isinstance(other, URIRef):
                    raise Unsupported("sh:lessThanOrEquals of a non-IRI")
                checks.append(self._less_than_or_equals(shape, other))
        for pred, sign in ((SH.minInclusive, 1), (SH.maxInclusive, -1)):
            for bound in sg.objects(node, pred):
                if not isinstance(bound, Literal):
                    raise Unsupported(f"{pred} of a non-literal")
                checks.append(self._inclusive(shape, bound, sign))
        return checks

    def _min_count(self, shape: Shape, n: int) -> Check:
        comp = SH.MinCountConstraintComponent

        def check(run: _Run, focus: Node, values: set[Node]) -> list[PyshaclResult]:
            if len(values) >= n:
                return []

            def generic() -> list[Literal]:
                p = stringify_node(run.sg, shape.path_node)  # type: ignore[arg-type]
                try:
                    focus_string = stringify_node(run.data, focus)
                except (LookupError, ValueError):
                    focus_string = str(focus)
                return [Literal(f"Less than {n} values on {focus_string}->{p}")]

            return [run.result(shape, comp, focus, generic=generic)]

        return _per_focus(check)

    def _max_count(self, shape: Shape, n: int) -> Check:
        comp = SH.MaxCountConstraintComponent

        def check(run: _Run, focus: Node, values: set[Node]) -> list[PyshaclResult]:
            if len(values) <= n:
                return []

            def generic() -> list[Literal]:
                p = stringify_node(run.sg, shape.path_node)  # type: ignore[arg-type]
                return [Literal(f"More than {n} values on {stringify_node(run.data, focus)}->{p}")]

            return [run.result(shape, comp, focus, generic=generic)]

        return _per_focus(check)

    def _no_generic(self, shape: Shape, what: str) -> None:
        if not shape.messages:
            raise Unsupported(f"{what} without sh:message")

    def _class(self, shape: Shape, classes: list[Node]) -> Check:
        self._no_generic(shape, "sh:class")
        comp = SH.ClassConstraintComponent

        def check(run: _Run, focus: Node, values: set[Node]) -> list[PyshaclResult]:
            out = []
            ix = run.ix
            for cls in classes:
                for v in values:
                    found = False
                    if not isinstance(v, Literal):
                        for ctype in ix.objects(v, _TYPE):
                            if ctype == cls or cls in ix.superclasses(ctype):
                                found = True
                                break
                    if not found:
                        out.append(run.result(shape, comp, focus, v))
            return out

        return _per_focus(check)

    def _datatype(self, shape: Shape, rule: Node) -> Check:
        self._no_generic(shape, "sh:datatype")
        comp = SH.DatatypeConstraintComponent

        # pySHACL's _assert_actual_datatype, its choice made once: the Python type the
        # literal's value must have (None: any)
        python_type: Any = None
        for name, kind in (
            (XSD.string, (str, bytes)),
            (RDF.langString, (str, bytes)),
            (XSD.integer, int),
            (XSD.float, float),
            (XSD.decimal, Decimal),
            (XSD.boolean, bool),
            (XSD.date, dt.date),
            (XSD.time, dt.time),
            (XSD.dateTime, dt.datetime),
        ):
            if rule == name:
                python_type = kind
                break
        any_literal = rule == RDFS.Literal
        any_typed = rule == RDFS.Datatype
        plain_string = rule == XSD.string
        lang_string = rule == RDF.langString

        def actual(value: Literal) -> bool:
            return python_type is None or isinstance(value.value, python_type)

        def check(run: _Run, focus: Node, values: set[Node]) -> list[PyshaclResult]:
            out = []
            for v in values:
                matches = False
                if isinstance(v, Literal):
                    if v.datatype == rule:
                        matches = False if getattr(v, "ill_typed", None) is True else actual(v)
                    elif any_literal or (any_typed and v.datatype):
                        matches = True
                    elif (v.datatype is None and v.language is None and plain_string) or (
                        lang_string and v.language
                    ):
                        matches = actual(v)
                if not matches:
                    out.append(run.result(shape, comp, focus, v))
            return out

        return _per_focus(check)

    def _node_kind(self, shape: Shape, rule: Node) -> Check:
        self._no_generic(shape, "sh:nodeKind")
        comp = SH.NodeKindConstraintComponent
        blank = rule in (SH.BlankNode, SH.BlankNodeOrLiteral, SH.BlankNodeOrIRI)
        literal = rule in (SH.Literal, SH.BlankNodeOrLiteral, SH.IRIOrLiteral)
        iri = rule in (SH.IRI, SH.IRIOrLiteral, SH.BlankNodeOrIRI)

        def check(run: _Run, focus: Node, values: set[Node]) -> list[PyshaclResult]:
            out = []
            for v in values:
                if isinstance(v, BNode):
                    ok = blank
                elif isinstance(v, Literal):
                    ok = literal
                else:
                    ok = iri
                if not ok:
                    out.append(run.result(shape, comp, focus, v))
            return out

        return _per_focus(check)

    def _in(self, shape: Shape, members: set[Node]) -> Check:
        self._no_generic(shape, "sh:in")
        comp = SH.InConstraintComponent

        def check(run: _Run, focus: Node, values: set[Node]) -> list[PyshaclResult]:
            return [run.result(shape, comp, focus, v) for v in values if v not in members]

        return _per_focus(check)

    def _has_value(self, shape: Shape, wanted: list[Node]) -> Check:
        comp = SH.HasValueConstraintComponent
        if len(wanted) != 1 and not shape.messages:
            raise Unsupported("several sh:hasValue without sh:message")  # set order in text

        def check(run: _Run, focus: Node, values: set[Node]) -> list[PyshaclResult]:
            out = []
            for hv in wanted:
                if hv in values:
                    continue

                def generic() -> list[Literal]:
                    the_set = [stringify_node(run.sg, s) for s in wanted]
                    if shape.path_node is not None:
                        p = stringify_node(run.sg, shape.path_node)
                        text = (
                            f"Node {stringify_node(run.data, focus)}->{p} does not contain a "
                            f"value in the set: {the_set}"
                        )
                    else:
                        text = (
                            f"Node {stringify_node(run.data, focus)} value is not a in the set "
                            f"of values: {the_set}"
                        )
                    return [Literal(text)]

                out.append(run.result(shape, comp, focus, generic=generic))
            return out

        return _per_focus(check)

    def _pattern(self, shape: Shape, patterns: list[Node]) -> Check:
        self._no_generic(shape, "sh:pattern")
        comp = SH.PatternConstraintComponent
        compiled = []
        for p in patterns:
            if not isinstance(p, Literal):
                raise Unsupported("a non-literal sh:pattern")
            text = str(p.value) if p.value is not None and len(p.value) > 1 else str(p)
            compiled.append(re.compile(text, 0))

        def as_string(v: Node) -> str:  # pySHACL's value_node_to_string
            if (
                isinstance(v, Literal)
                and v.value is not None
                and v.datatype in (None, RDF.langString, XSD.string)
            ):
                return str(v.value)
            return str(v)

        def check(run: _Run, focus: Node, values: set[Node]) -> list[PyshaclResult]:
            out = []
            for matcher in compiled:
                for v in values:
                    match = False
                    if not isinstance(v, BNode):
                        text = as_string(v)
                        match = bool(matcher.match(text) or matcher.search(text))
                    if not match:
                        out.append(run.result(shape, comp, focus, v))
            return out

        return _per_focus(check)

    def _property(self, inner: list[Shape]) -> Check:
        def check(
            run: _Run, focus_values: dict[Node, set[Node]]
        ) -> tuple[bool, list[PyshaclResult]]:
            out: list[PyshaclResult] = []
            ok = True
            if not any(focus_values.values()):
                return True, out
            values = [v for vs in focus_values.values() for v in vs]
            if len(set(values)) == len(values):
                # each value node once (the usual case): one validation of each property
                # shape over all of them gives the same results and conformance as one per
                # value node (pySHACL's loop), in another order, with a fraction of the calls
                for shape in inner:
                    conforms, found = run.validate(shape, values)
                    ok = ok and conforms
                    out += found
                return ok, out
            for shape in inner:  # a value node reached twice is validated twice, as pySHACL does
                for v in values:
                    conforms, found = run.validate(shape, (v,))
                    ok = ok and conforms
                    out += found
            return ok, out

        return check

    def _node(self, shape: Shape, inner: list[Shape]) -> Check:
        self._no_generic(shape, "sh:node")
        comp = SH.NodeConstraintComponent

        def check(run: _Run, focus: Node, values: set[Node]) -> list[PyshaclResult]:
            out = []
            for other in inner:
                if len(values) > 1:  # usually all conform: one validation shows it
                    conforms, nested = run.validate(other, values)
                    if conforms and not nested:
                        continue
                for v in values:
                    conforms, nested = run.validate(other, (v,))
                    if not conforms or nested:
                        text, node, triples = run.result(shape, comp, focus, v)
                        for _text, sub, sub_triples in nested:
                            triples.append((node, _DETAIL, sub))
                            triples.extend(sub_triples)
                        out.append((text, node, triples))
            return out

        return _per_focus(check)

    def _qualified(self, shape: Shape, qvs: Shape, low: int | None, high: int | None) -> Check:
        self._no_generic(shape, "sh:qualifiedValueShape")

        def check(run: _Run, focus: Node, values: set[Node]) -> list[PyshaclResult]:
            run.quiet += 1  # pySHACL discards these results: only conformance counts
            try:
                conforming = sum(1 for v in values if run.validate(qvs, (v,))[0])
            finally:
                run.quiet -= 1
            out = []
            if high is not None and conforming > high:
                out.append(run.result(shape, SH.QualifiedMaxCountConstraintComponent, focus))
            if low is not None and conforming < low:
                out.append(run.result(shape, SH.QualifiedMinCountConstraintComponent, focus))
            return out

        return _per_focus(check)

    def _less_than_or_equals(self, shape: Shape, other: URIRef) -> Check:
        self._no_generic(shape, "sh:lessThanOrEquals")
        comp = SH.LessThanOrEqualsConstraintComponent
        error = "Cannot use sh:lessThanOrEquals to compare a BlankNode."

        def check(run: _Run, focus: Node, values: set[Node]) -> list[PyshaclResult]:
            out = []
            compare_values = set(run.ix.objects(focus, other))
            for original in values:
                if isinstance(original, BNode):
                    raise NotComparable(error)
                value: Any = original
                value_is_string = False
                if isinstance(original, URIRef):
                    value, value_is_string = str(original), True
                elif isinstance(original, Literal) and isinstance(original.value, str):
                    value, value_is_string = original.value, True
                for compare in compare_values:
                    if isinstance(compare, BNode):
                        raise NotComparable(error)
                    against: Any = compare
                    compare_is_string = False
                    if isinstance(compare, URIRef):
                        against, compare_is_string = str(compare), True
                    elif isinstance(compare, Literal) and isinstance(compare.value, str):
                        against, compare_is_string = compare.value, True
                    if value_is_string != compare_is_string or not value <= against:
                        out.append(run.result(shape, comp, focus, original))
            return out

        return _per_focus(check)

    def _inclusive(self, shape: Shape, bound: Literal, sign: int) -> Check:
        self._no_generic(shape, "sh:minInclusive/sh:maxInclusive")
        comp = (
            SH.MinInclusiveConstraintComponent if sign > 0 else SH.MaxInclusiveConstraintComponent
        )
        bound_is_string = isinstance(bound.value, str)

        def check(run: _Run, focus: Node, values: set[Node]) -> list[PyshaclResult]:
            out = []
            for v in values:
                flag = False
                if isinstance(v, Literal):
                    v_is_string = isinstance(v.value, str)
                    if bound_is_string == v_is_string:
                        try:
                            cmp = compare_literal(v, bound)
                            flag = cmp >= 0 if sign > 0 else cmp <= 0
                        except (TypeError, NotImplementedError):
                            flag = False
                if not flag:
                    out.append(run.result(shape, comp, focus, v))
            return out

        return _per_focus(check)


@dataclass
class CompiledShapes:
    """The shapes graph and its top-level (targeted) shapes, compiled."""

    graph: Graph
    top: list[Shape]

    def run(self, data: Graph) -> tuple[bool, list[PyshaclResult]]:
        """Validate ``data``: (conforms, results in pySHACL's form).

        ``conforms`` as pySHACL computes it with warnings and infos allowed: no Violation from a
        top-level shape.
        """
        run = _Run(Index(data), self.graph)
        results: list[PyshaclResult] = []
        conforms = True
        for shape in self.top:
            ok, found = run.validate(shape, run.focus_nodes(shape))
            conforms = conforms and ok
            results += found
        return conforms, results

    def report(self, data: Graph) -> Graph:
        """The ``sh:ValidationReport`` graph (:func:`build_report`)."""
        conforms, results = self.run(data)
        return build_report(conforms, results)


def compile_shapes(sg: Graph) -> CompiledShapes:
    """Compile every shape of ``sg``; :class:`Unsupported` if any uses SHACL not covered here."""
    compiler = Compiler(sg)
    nodes: set[Node] = set()
    for kind in _SHAPE_TYPES:
        nodes.update(sg.subjects(RDF.type, kind))
    for pred in (SH.targetNode, SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.path):
        nodes.update(sg.subjects(pred, None))
    for pred in (SH.property, SH.node, SH.qualifiedValueShape):
        nodes.update(sg.objects(None, pred))
    for found_pred in set(sg.predicates()):
        if str(found_pred).startswith(str(SH)) and found_pred not in _STRUCTURE | _COMPONENTS | {
            SH.inversePath
        }:
            raise Unsupported(f"{found_pred} in the shapes")
    if any(True for _ in sg.subjects(RDF.type, RDFS.Class)):
        raise Unsupported("implicit class targets")
    shapes = [compiler.shape(n) for n in sorted(nodes, key=str)]
    return CompiledShapes(sg, [s for s in shapes if s.targeted])
