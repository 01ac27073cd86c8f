"""Checks of revision chains across the plans validated together (Recital 13; issue #17).

A revision (``prov:wasRevisionOf``) is a later plan of the same state, and the chain of
revisions has no cycle. These rules span several documents, so per-plan SHACL cannot see them:
pySHACL validates each plan on its own data graph (:mod:`.context`). They run here, in Python,
over the plans given to ``drugpolicy-kg validate`` and are reported on the offending plan with
the usual severities (so the usual exit codes follow):

- ``dps:RevisionSameState`` (Violation): a plan revises a plan of another state;
- ``dps:RevisionLaterDate`` (Violation): a revision is not issued after the plan it revises;
- ``dps:RevisionNoCycle`` (Violation): plans revise one another in a circle (or one itself);
- ``dps:RevisionBackwardStatus`` (Warning): a practice's status moves backwards (e.g. Adopted
  to Not planned) and the revision gives no ``dpo:reason``; Recital 12 lets states outline the
  reasons which do not allow them to implement a practice, and an evaluator will ask;
- ``dps:RevisionNotLoaded`` (Info): the revised plan is not among the files validated, so the
  chain could not be checked.

The per-plan rules (one revised plan at most, an IRI; one ``dpo:evaluationCycle``, an
``xsd:gYear``) are SHACL, in ``assets/shapes/revisions.shapes.ttl``. A revision is exempt from
the Recital 12 deadline (:func:`exempt_revisions`): that deadline concerns the first plan, and
later revisions follow the evaluation cycles of Recital 13.
"""

from __future__ import annotations

from collections.abc import Sequence

from rdflib import Graph, Literal, URIRef

from ..vocab import DPS, PROV, RDF, SH
from .report import PlanReport, Result

__all__ = ["CHAIN_RULES", "add_chain_results", "chain_results", "exempt_revisions"]

SAME_STATE = DPS.RevisionSameState
LATER_DATE = DPS.RevisionLaterDate
NO_CYCLE = DPS.RevisionNoCycle
BACKWARD = DPS.RevisionBackwardStatus
NOT_LOADED = DPS.RevisionNotLoaded
#: rule -> severity
CHAIN_RULES = {
    SAME_STATE: "Violation",
    LATER_DATE: "Violation",
    NO_CYCLE: "Violation",
    BACKWARD: "Warning",
    NOT_LOADED: "Info",
}


def exempt_revisions(report: Graph, data: Graph) -> None:
    """Drop the Recital 12 deadline result of a plan that declares itself a revision.

    Called on pySHACL's report before it is explained, so the text, JSON and Turtle outputs
    agree. Only ``dps:DeadlineShape`` results whose focus node has ``prov:wasRevisionOf`` go.
    """
    for result in list(report.subjects(SH.sourceShape, DPS.DeadlineShape)):
        focus = report.value(result, SH.focusNode)
        if focus is None or data.value(focus, PROV.wasRevisionOf) is None:
            continue
        for triple in list(report.triples((None, SH.result, result))):
            report.remove(triple)
        for triple in list(report.triples((result, None, None))):
            report.remove(triple)


def _result(rule: URIRef, focus: str, message: str, practice: str | None = None) -> Result:
    return Result(
        severity=CHAIN_RULES[rule],
        focus_node=focus,
        path=f"<{PROV.wasRevisionOf}>",
        message=message,
        shape=str(rule),
        practice=practice,
        block=practice.split(".", 1)[0] if practice else None,
    )


def chain_results(plans: Sequence[object]) -> dict[str, list[Result]]:
    """File -> the chain results of its plans (``plans`` are :class:`PlanRecord` objects)."""
    from ..monitoring.revisions import STATUS_LABELS, STATUS_RANK, PlanRecord, practices

    records = [p for p in plans if isinstance(p, PlanRecord)]
    by_iri: dict[str, PlanRecord] = {}
    for p in records:
        by_iri.setdefault(p.iri, p)
    titles = {n: t for n, _b, t in practices()}
    out: dict[str, list[Result]] = {}

    def add(plan: PlanRecord, result: Result) -> None:
        out.setdefault(plan.file, []).append(result)

    in_cycle = _cycles({p.iri: p.revises for p in records})
    for plan in records:
        who = f"Revision <{plan.iri}>"
        if plan.iri in in_cycle:
            circle = " -> ".join(f"<{i}>" for i in in_cycle[plan.iri])
            add(
                plan,
                _result(
                    NO_CYCLE,
                    plan.iri,
                    f"{who}: the revisions form a cycle ({circle}); a revision revises an earlier "
                    "plan, so the chain of revisions followed in the periodic evaluations "
                    "(Recital 13) must have a first plan.",
                ),
            )
        for revised in plan.revises:
            if revised == plan.iri:
                continue  # reported as a cycle
            old = by_iri.get(revised)
            if old is None:
                add(
                    plan,
                    _result(
                        NOT_LOADED,
                        plan.iri,
                        f"{who}: the plan it revises (<{revised}>) is not among the files "
                        "validated, so the chain was not checked; validate both together.",
                    ),
                )
                continue
            if old.state != plan.state:
                add(
                    plan,
                    _result(
                        SAME_STATE,
                        plan.iri,
                        f"{who} ({plan.file}) is submitted by {plan.state or 'no state'} but revises "
                        f"<{old.iri}> ({old.file}) of {old.state or 'no state'}: a revision "
                        "revises the same state's plan (Recital 12 asks each Member State for its "
                        "own action plan).",
                    ),
                )
                continue
            if plan.issued and old.issued and plan.issued <= old.issued:
                add(
                    plan,
                    _result(
                        LATER_DATE,
                        plan.iri,
                        f"{who} is issued on {plan.issued}, not after the plan it revises "
                        f"(<{old.iri}>, issued {old.issued}); a revision reports later progress "
                        "for the periodic evaluations (Recital 13): check dcterms:issued.",
                    ),
                )
            for notation, entry in plan.entries.items():
                before = old.entries.get(notation)
                if before is None or before.status is None or entry.status is None:
                    continue
                if STATUS_RANK.get(entry.status, 9) >= STATUS_RANK.get(before.status, -1):
                    continue
                if entry.reason and entry.reason.strip():
                    continue
                title = titles.get(notation, "")
                add(
                    plan,
                    _result(
                        BACKWARD,
                        plan.iri,
                        f"Practice {notation} '{title}' moves backwards from "
                        f"{STATUS_LABELS[before.status]} (<{old.iri}>) to "
                        f"{STATUS_LABELS[entry.status]} without a reason: give dpo:reason "
                        "(Recital 12: states may outline the reasons which do not allow them to "
                        "implement a practice).",
                        practice=notation,
                    ),
                )
    return out


def _cycles(edges: dict[str, tuple[str, ...]]) -> dict[str, list[str]]:
    """Plan IRI -> a cycle through it (``a -> b -> ... -> a``), for every plan on a cycle."""
    if not any(edges.values()) or not _has_cycle(edges):
        return {}
    import networkx as nx  # only for a corpus that has a cycle (its import costs ~0.15 s)

    graph = nx.DiGraph()
    graph.add_edges_from((a, b) for a, targets in edges.items() for b in targets)
    found: dict[str, list[str]] = {}
    for component in sorted(nx.strongly_connected_components(graph), key=min):
        first = min(component)
        if len(component) == 1 and not graph.has_edge(first, first):
            continue
        sub = graph.subgraph(component)
        for member in sorted(component):  # the shortest cycle through each member
            if sub.has_edge(member, member):
                found[member] = [member, member]
                continue
            paths = [nx.shortest_path(sub, nxt, member) for nxt in sorted(sub.successors(member))]
            found[member] = [member, *min(paths, key=lambda path: (len(path), path))]
    return found


def _has_cycle(edges: dict[str, tuple[str, ...]]) -> bool:
    """Whether following revisions from some plan comes back to it (iterative depth-first
    search: a chain of thousands of revisions is not a recursion)."""
    done: set[str] = set()
    for root in edges:
        if root in done:
            continue
        on_path = {root}
        stack = [(root, iter(edges.get(root, ())))]
        while stack:
            node, targets = stack[-1]
            following = next(targets, None)
            if following is None:
                stack.pop()
                on_path.discard(node)
                done.add(node)
            elif following in on_path:
                return True
            elif following not in done:
                on_path.add(following)
                stack.append((following, iter(edges.get(following, ()))))
    return False


def add_chain_results(reports: Sequence[PlanReport], plans: Sequence[object]) -> None:
    """Append the chain results to the reports of the files they concern (in place)."""
    found = chain_results(plans)
    for report in reports:
        extra = found.get(report.file)
        if not extra:
            continue
        report.results = sorted([*report.results, *extra], key=Result.sort_key)
        if report.report_ntriples:  # validated with its standard report
            report.report_ntriples += _report_nt(extra, report.report_ntriples)


_SEVERITY = {"Violation": SH.Violation, "Warning": SH.Warning, "Info": SH.Info}


def _report_nt(results: list[Result], report_nt: str) -> str:
    """The results as ``sh:ValidationResult`` nodes of the file's first report."""
    import re

    found = re.search(
        rf"^(_:\S+) <{re.escape(str(RDF.type))}> <{re.escape(str(SH.ValidationReport))}> \.$",
        report_nt,
        re.MULTILINE,
    )
    lines = []
    if found:
        node = found.group(1)
    else:
        node = "_:chainReport"
        lines += [f"{node} <{RDF.type}> <{SH.ValidationReport}> ."]
    for i, r in enumerate(results):
        item = f"_:chainResult{i}"
        lines += [
            f"{node} <{SH.result}> {item} .",
            f"{item} <{RDF.type}> <{SH.ValidationResult}> .",
            f"{item} <{SH.resultSeverity}> <{_SEVERITY[r.severity]}> .",
            f"{item} <{SH.focusNode}> <{r.focus_node}> .",
            f"{item} <{SH.resultPath}> <{PROV.wasRevisionOf}> .",
            f"{item} <{SH.sourceShape}> <{r.shape}> .",
            f"{item} <{SH.resultMessage}> {Literal(r.message, lang='en').n3()} .",
        ]
    return "\n".join(lines) + "\n"


def check_chains(reports: Sequence[PlanReport], files: Sequence[str]) -> None:
    """Add the chain results to ``reports`` (the plans of ``files``, validated together).

    The plans come from the reports (:attr:`PlanReport.records`, read while validating with
    ``validate_files(records=True)``), so no file is read twice and a plan on standard input
    takes part like any other; reports without records have their files read again. Nothing
    is done unless some plan revises another.
    """
    if not any(report.revises for report in reports):
        return  # no plan revises another: no chain to check
    if all(report.records or not report.plans for report in reports):
        plans: list[object] = [record for report in reports for record in report.records]
    else:  # validated without records (validate_files(records=False)): read the files again
        from ..monitoring.revisions import plans_of_validated_files

        plans = list(plans_of_validated_files(files))
    if plans:
        add_chain_results(reports, plans)
