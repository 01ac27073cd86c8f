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

import os
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache

from pyshacl import Validator
from pyshacl.graph_abstraction import DataGraph
from pyshacl.shapes_graph import ShapesGraph
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.term import Node

from ..resources import iter_assets
from ..vocab import DPO, DPS, SH, XSD
from . import _speed
from .context import KGContext, cached_context, closure, plans_in
from .deadline import Deadline, default_deadline
from .report import PlanReport, Result, explain

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
    """The package's shapes, parsed once (Turtle files in ``assets/shapes``)."""
    graph = Graph()
    for asset in iter_assets("shapes", ".ttl"):
        graph.parse(data=asset.read_text(encoding="utf-8"), format="turtle")
    return graph


def shapes_for(deadline: Deadline) -> Graph:
    """The shapes with the deadline set on ``dps:DeadlineShape`` (``sh:maxInclusive``).

    Kept in rdflib's ``SimpleMemory`` store: pySHACL reads the shapes graph on every evaluation,
    and a store without named-graph bookkeeping made validation ~35% faster.
    """
    graph = Graph(store="SimpleMemory")
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

    def __init__(self, deadline: Deadline | None = None, context: KGContext | None = None) -> None:
        self.context = context or cached_context()
        if deadline is None:
            from ..kg import cached_kg

            deadline = default_deadline(cached_kg())
        self.deadline = deadline
        self.shapes = shapes_for(deadline)
        _speed.install()
        self._shapes_graph = ShapesGraph(self.shapes)

    def _run(self, data: Graph) -> Graph:
        validator = Validator(
            DataGraph.from_rdflib(data), shacl_graph=Graph(), options=dict(_OPTIONS)
        )
        validator.shacl_graph = self._shapes_graph  # reuse the harvested shapes
        _conforms, report, _text = validator.run()
        assert isinstance(report, Graph)
        return report

    def validate(self, document: Graph, name: str = "<graph>") -> PlanReport:
        """Validate every action plan of ``document`` (a parsed, untrusted plan)."""
        document = _flatten(document)
        plans = plans_in(document)
        if len(plans) <= 1:
            parts: list[Iterable[tuple[Node, Node, Node]]] = [document]
        else:  # several plans in one file: each on its own, so their entries do not mix
            stop = set(plans)
            parts = [list(closure(document, plan, stop - {plan})) for plan in plans]
        results: list[Result] = []
        report_nt: list[str] = []
        for part in parts:
            data = self.context.data_graph(part, with_practices=bool(plans))
            report = self._run(data)
            results += explain(report, self.shapes, data, self.context, self.deadline)
            report_nt.append(report.serialize(format="nt"))
        named = []
        for plan in plans:
            state = document.value(plan, DPO.submittedBy)
            named.append(
                (str(plan), self.context.states.get(state, "") if isinstance(state, URIRef) else "")
            )
        return PlanReport(
            file=name,
            results=sorted(results, key=Result.sort_key),
            deadline=self.deadline,
            plans=named,
            report_ntriples="".join(report_nt),
        )


def _flatten(document: Graph) -> Graph:
    """A TriG or N-Quads document as one graph (a plan may come in named graphs)."""
    if isinstance(document, Dataset):
        graph = Graph()
        for s, p, o, _g in document.quads((None, None, None, None)):
            graph.add((s, p, o))
        return graph
    return document


@lru_cache(maxsize=4)
def _engine(deadline: Deadline | None) -> Engine:
    return Engine(deadline)


def validate_graph(
    document: Graph, name: str = "<graph>", deadline: Deadline | None = None
) -> PlanReport:
    """Validate a parsed document with the package's shapes (engine cached per deadline)."""
    return _engine(deadline).validate(document, name)


def validate_file(path: str, deadline: Deadline | None = None) -> PlanReport:
    """Read an untrusted plan safely (no network, no files, limits) and validate it."""
    from ..netguard import no_network
    from ..rdfio import load_untrusted, union_graph

    document = union_graph(load_untrusted(path))
    with no_network():
        return validate_graph(document, path, deadline)


def validate_files(
    paths: Sequence[str],
    deadline: Deadline | None = None,
    workers: int | None = None,
    on_done: object = None,
) -> list[PlanReport]:
    """Validate many files, in worker processes above :data:`PARALLEL_THRESHOLD` files.

    Raises :class:`~drugpolicy_kg.errors.InputError` for the first file that cannot be read.
    ``on_done`` (a callable taking the finished report) drives a progress bar.
    """
    callback = on_done if callable(on_done) else None
    if workers is None:
        workers = WORKERS if len(paths) > PARALLEL_THRESHOLD else 1
    if workers <= 1:
        reports = []
        for path in paths:
            report = validate_file(path, deadline)
            if callback:
                callback(report)
            reports.append(report)
        return reports
    # Build the KG context and the shapes here, before the pool: forked workers inherit them
    # instead of compiling the KG again (~2 s each).
    _engine(deadline)
    with ProcessPoolExecutor(max_workers=min(workers, os.cpu_count() or 1, len(paths))) as pool:
        futures = [pool.submit(validate_file, path, deadline) for path in paths]
        reports = []
        for future in futures:
            report = future.result()
            if callback:
                callback(report)
            reports.append(report)
        return reports
