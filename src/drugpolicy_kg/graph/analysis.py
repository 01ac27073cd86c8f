"""Network analyses of the projection: dependencies, impact, rankings, paths, clusters, similarity.

All of them work on views of :class:`~.projection.Projection`:

- the *dependency view* (:func:`dependency_graph`): practices, tools, actors and legal
  instruments, with an edge from each thing to what it relies on (practice -> tool, actor or
  legal basis; tool -> legal basis and operator; actor -> founding act; act -> act it is based
  on). The Decision's wording decides these edges; the view is a DAG on the current data;
- the *full view*: the whole projection without direction, for paths.

Every result is a plain dataclass with :meth:`to_dict` (JSON-ready, stable key order), so the
same call works from Python, the CLI (:mod:`..report`) and tests. Ties are always broken by the
projection's node order, and random algorithms take a fixed seed: same KG, same answer.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from .projection import KIND_NAMES, RELATIONS, Plan, Projection

if TYPE_CHECKING:
    import networkx as nx

DEPENDENCY_KINDS = ("practice", "tool", "actor", "legal")
TARGET_KINDS = ("tool", "actor", "legal")
DEFAULT_SEED = 7
MAX_PATHS = 12

#: One-line meanings of the centrality measures, as ``rank`` prints them.
MEASURES: dict[str, str] = {
    "practices": "practices that rely on it, directly or through a tool, operator or act",
    "degree": "direct links in the dependency view (users + its own legal bases and operator)",
    "betweenness": "share of shortest dependency chains between other nodes that pass through it "
    "(a broker: removing it disconnects practices from their legal bases)",
    "pagerank": "importance flowing from practices to what they rely on, then on to what that "
    "relies on (alpha 0.85): high when much-used things depend on it",
}


# --- views ----------------------------------------------------------------------------------


def dependency_graph(proj: Projection) -> nx.DiGraph:
    """The dependency view: an edge from each node to what it relies on (see module doc)."""
    import networkx as nx

    g = proj.graph
    dg = nx.DiGraph()
    for n, kind in g.nodes(data="kind"):
        if kind in DEPENDENCY_KINDS:
            dg.add_node(n)
    for u, v, data in g.edges(data=True):
        rel = RELATIONS[data["relation"]]
        if rel.depends and u in dg and v in dg and not dg.has_edge(u, v):
            dg.add_edge(u, v, relation=rel.name)
    return dg


def _rank(proj: Projection) -> dict[str, int]:
    return {n: i for i, n in enumerate(proj.graph.nodes)}


def _edge(proj: Projection, u: str, v: str) -> tuple[str, dict[str, Any], bool]:
    """The relation joining ``u`` and ``v`` (either direction): name, data, and forward?"""
    g = proj.graph
    for a, b, forward in ((u, v, True), (v, u, False)):
        if g.has_edge(a, b):
            key = sorted(g[a][b])[0]
            return key, g[a][b][key], forward
    raise KeyError((u, v))  # pragma: no cover - paths only follow existing edges


def explain(proj: Projection, path: Sequence[str]) -> str:
    """A path in words: ``III.3 uses SIENA, which is operated by Europol.``"""
    if len(path) == 1:
        return f"{proj.label(path[0])}."
    parts = [proj.label(path[0])]
    for i, (u, v) in enumerate(itertools.pairwise(path)):
        rel, _, forward = _edge(proj, u, v)
        phrase = RELATIONS[rel].phrase if forward else RELATIONS[rel].inverse
        lead = " " if i == 0 else ", which "
        parts.append(f"{lead}{phrase} {proj.label(v)}")
    return "".join(parts) + "."


@dataclass
class Step:
    """One hop of a path: the relation, its direction and the evidence for it."""

    source: str
    relation: str
    target: str
    phrase: str
    evidence: str | None = None
    justification: str | None = None


def steps(proj: Projection, path: Sequence[str]) -> list[Step]:
    out = []
    for u, v in itertools.pairwise(path):
        rel, data, forward = _edge(proj, u, v)
        phrase = RELATIONS[rel].phrase if forward else RELATIONS[rel].inverse
        out.append(Step(u, rel, v, phrase, data.get("evidence"), data.get("justification")))
    return out


def _all_paths(dg: nx.DiGraph, source: str, target: str, order: dict[str, int]) -> list[list[str]]:
    import networkx as nx

    paths = [list(p) for p in nx.all_simple_paths(dg, source, target)]
    paths.sort(key=lambda p: (len(p), [order[n] for n in p]))
    return paths[:MAX_PATHS]


def _node_info(proj: Projection, n: str) -> dict[str, Any]:
    data = proj.graph.nodes[n]
    return {"id": n, "kind": data["kind"], "label": data["label"], "name": data.get("name", "")}


# --- deps -------------------------------------------------------------------------------------


@dataclass
class Reach:
    """A node reached from the subject along dependency edges, with every chain that gets there."""

    node: dict[str, Any]
    distance: int
    paths: list[list[str]]
    explanations: list[str]
    evidence: list[str] = field(default_factory=list)


@dataclass
class DepsResult:
    """What ``subject`` relies on (``depends_on``) and what relies on it (``dependents``)."""

    subject: dict[str, Any]
    depends_on: list[Reach]
    dependents: list[Reach]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _reach(proj: Projection, dg: nx.DiGraph, node: str, reverse: bool) -> list[Reach]:
    import networkx as nx

    order = _rank(proj)
    found = nx.ancestors(dg, node) if reverse else nx.descendants(dg, node)
    out: list[Reach] = []
    for other in sorted(found, key=lambda n: order[n]):
        src, dst = (other, node) if reverse else (node, other)
        paths = _all_paths(dg, src, dst, order)
        if reverse:
            paths = [list(reversed(p)) for p in paths]
        evidence = []
        for p in paths:
            for st in steps(proj, p):
                if st.evidence and st.evidence not in evidence:
                    evidence.append(st.evidence)
        out.append(
            Reach(
                node=_node_info(proj, other),
                distance=len(paths[0]) - 1,
                paths=paths,
                explanations=[explain(proj, p) for p in paths],
                evidence=evidence,
            )
        )
    out.sort(key=lambda r: (r.distance, order[r.node["id"]]))
    return out


def deps(proj: Projection, node: str) -> DepsResult:
    """Dependencies of a practice, tool, actor or legal instrument, both ways, with paths."""
    kind = proj.kind(node)
    if kind not in DEPENDENCY_KINDS:
        raise InputError(
            f"{proj.label(node)} is a {KIND_NAMES[kind]}; deps works on practices, tools, "
            "actors and legal instruments"
        )
    dg = dependency_graph(proj)
    return DepsResult(
        subject=_node_info(proj, node),
        depends_on=_reach(proj, dg, node, reverse=False),
        dependents=_reach(proj, dg, node, reverse=True),
    )


# --- impact -----------------------------------------------------------------------------------


@dataclass
class StateImpact:
    """The practices of one state's plan that lose the unavailable node."""

    state: dict[str, Any]
    plan: str
    adopted: list[str]
    planned: list[str]


@dataclass
class ImpactResult:
    """Practices that lose ``subject`` if it is unavailable, grouped by building block."""

    subject: dict[str, Any]
    practices: list[Reach]
    by_block: dict[str, list[str]]
    states: list[StateImpact] | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def impact(proj: Projection, node: str) -> ImpactResult:
    """Every practice that relies on ``node``, directly or not, by block; and plans hit.

    A practice loses a tool it uses, a tool whose operator or legal basis it relies on, and
    so on up the dependency view; each practice comes with the chains that explain why.
    """
    kind = proj.kind(node)
    if kind not in TARGET_KINDS:
        raise InputError(
            f"{proj.label(node)} is a {KIND_NAMES[kind]}; impact works on tools, actors "
            "and legal instruments"
        )
    dg = dependency_graph(proj)
    reached = [r for r in _reach(proj, dg, node, reverse=True) if r.node["kind"] == "practice"]
    order = _rank(proj)
    reached.sort(key=lambda r: order[r.node["id"]])
    by_block: dict[str, list[str]] = {}
    for block in proj.nodes_of("block"):
        members = [
            r.node["label"]
            for r in reached
            if proj.graph.nodes[r.node["id"]].get("block") == proj.graph.nodes[block]["code"]
        ]
        if members:
            by_block[proj.graph.nodes[block]["code"]] = members
    states: list[StateImpact] | None = None
    if proj.plans:
        hit = {r.node["id"] for r in reached}
        states = []
        for plan in proj.plans:
            adopted = [proj.label(p) for p in _ordered(proj, plan, "Adopted") if p in hit]
            planned = [proj.label(p) for p in _ordered(proj, plan, "Planned") if p in hit]
            states.append(StateImpact(_node_info(proj, plan.state), plan.id, adopted, planned))
    return ImpactResult(_node_info(proj, node), reached, by_block, states)


def _ordered(proj: Projection, plan: Plan, status: str) -> list[str]:
    order = _rank(proj)
    return sorted(
        (p for p, s in plan.statuses.items() if s == status and p in order),
        key=lambda p: order[p],
    )


# --- rank -------------------------------------------------------------------------------------


@dataclass
class Ranked:
    node: dict[str, Any]
    category: str
    practices: int
    degree: int
    betweenness: float
    pagerank: float


@dataclass
class RankResult:
    """Centralities of tools, actors and legal instruments in the dependency view."""

    by: str
    measures: dict[str, str]
    rows: list[Ranked]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def pagerank(dg: nx.DiGraph, alpha: float = 0.85, tol: float = 1.0e-12) -> dict[str, float]:
    """PageRank by power iteration on networkx's Google matrix (numpy only).

    ``networkx.pagerank`` needs SciPy, which the project does not depend on; the Google
    matrix (with uniform teleport and dangling nodes spread uniformly) is the same model.
    """
    import networkx as nx
    import numpy as np

    nodes = list(dg.nodes)
    if not nodes:
        return {}
    m = nx.google_matrix(dg, alpha=alpha, nodelist=nodes)
    x = np.full(len(nodes), 1.0 / len(nodes))
    for _ in range(1000):
        nxt = x @ m
        nxt = nxt / nxt.sum()
        if float(np.abs(nxt - x).sum()) < tol:
            x = nxt
            break
        x = nxt
    return {n: float(v) for n, v in zip(nodes, x, strict=True)}


def rank(
    proj: Projection,
    kinds: Iterable[str] = TARGET_KINDS,
    by: str = "pagerank",
    category: str | None = None,
    top: int | None = None,
) -> RankResult:
    """Tools, actors and legal instruments by centrality (see :data:`MEASURES`).

    Degree and betweenness use the undirected dependency view (a link is a link, whichever
    way it points); PageRank uses the directed view, so rank flows from practices to what
    they rely on. Rows are ordered by ``by`` (descending), then by the projection's order.
    """
    import networkx as nx

    if by not in MEASURES:
        raise InputError(f"unknown measure {by!r}; choose one of {', '.join(MEASURES)}")
    wanted = set(kinds)
    unknown = wanted - set(TARGET_KINDS)
    if unknown:
        raise InputError(f"rank covers tools, actors and legal instruments, not {sorted(unknown)}")
    dg = dependency_graph(proj)
    ug = dg.to_undirected(as_view=False)
    between = nx.betweenness_centrality(ug, normalized=True)
    pr = pagerank(dg)
    order = _rank(proj)
    rows: list[Ranked] = []
    for n in dg.nodes:
        data = proj.graph.nodes[n]
        if data["kind"] not in wanted:
            continue
        if category and str(data.get("category", "")).casefold() != category.casefold():
            continue
        users = sum(1 for a in nx.ancestors(dg, n) if proj.graph.nodes[a]["kind"] == "practice")
        rows.append(
            Ranked(
                node=_node_info(proj, n),
                category=str(data.get("category", "")),
                practices=users,
                degree=int(ug.degree(n)),
                betweenness=round(between[n], 6),
                pagerank=round(pr[n], 6),
            )
        )
    rows.sort(key=lambda r: (-float(getattr(r, by)), order[r.node["id"]]))
    if top is not None:
        rows = rows[:top]
    return RankResult(by=by, measures=dict(MEASURES), rows=rows)


# --- path -------------------------------------------------------------------------------------


@dataclass
class PathResult:
    """The shortest chain between two entities, in ids and in words."""

    source: dict[str, Any]
    target: dict[str, Any]
    path: list[dict[str, Any]]
    steps: list[Step]
    explanation: str
    view: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def path(proj: Projection, a: str, b: str, dependencies_only: bool = False) -> PathResult:
    """Shortest chain between ``a`` and ``b``, ignoring edge direction.

    With ``dependencies_only`` the chain uses dependency edges only (no block, theme or plan
    shortcuts). Among equally short chains the first in the projection's order wins.
    """
    import networkx as nx

    if dependencies_only:
        base: nx.Graph = dependency_graph(proj).to_undirected(as_view=False)
        view = "dependencies"
    else:
        base = nx.Graph(proj.graph.to_undirected(as_view=True))
        view = "full"
    for n in (a, b):
        if n not in base:
            raise InputError(f"{proj.label(n)} is not part of the {view} view")
    try:
        nodes = nx.shortest_path(base, a, b)
    except nx.NetworkXNoPath:
        raise InputError(
            f"no chain connects {proj.label(a)} and {proj.label(b)} in the {view} view"
        ) from None
    return PathResult(
        source=_node_info(proj, a),
        target=_node_info(proj, b),
        path=[_node_info(proj, n) for n in nodes],
        steps=steps(proj, nodes),
        explanation=explain(proj, nodes),
        view=view,
    )


# --- clusters ---------------------------------------------------------------------------------


@dataclass
class Cluster:
    """Practices that share dependencies, labelled by what they share most."""

    label: str
    practices: list[str]
    shared: list[dict[str, Any]]


@dataclass
class ClusterResult:
    algorithm: str
    seed: int
    modularity: float
    clusters: list[Cluster]
    unclustered: list[str]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def practice_network(proj: Projection) -> nx.Graph:
    """Practices joined by the tools, actors and acts they use directly, Newman-weighted.

    Two practices sharing a dependency used by ``k`` practices gain ``1 / (k - 1)``
    (Newman 2001, collaboration weighting): sharing SIENA, used by few, counts for more than
    sharing "law enforcement", named by many.
    """
    import networkx as nx

    g = proj.graph
    pg = nx.Graph()
    practices = proj.nodes_of("practice")
    pg.add_nodes_from(practices)
    users: dict[str, list[str]] = {}
    for p in practices:
        for _, t, data in g.out_edges(p, data=True):
            if RELATIONS[data["relation"]].depends and g.nodes[t]["kind"] in TARGET_KINDS:
                users.setdefault(t, []).append(p)
    order = _rank(proj)
    for t in sorted(users, key=lambda n: order[n]):
        ps = users[t]
        if len(ps) < 2:
            continue
        w = 1.0 / (len(ps) - 1)
        for i, u in enumerate(ps):
            for v in ps[i + 1 :]:
                if pg.has_edge(u, v):
                    pg[u][v]["weight"] += w
                    pg[u][v]["shared"].append(t)
                else:
                    pg.add_edge(u, v, weight=w, shared=[t])
    return pg


def clusters(proj: Projection, seed: int = DEFAULT_SEED, resolution: float = 1.0) -> ClusterResult:
    """Louvain communities of the practice network (:func:`practice_network`), fixed seed.

    Each cluster is labelled by the dependencies most of its members share; practices that
    share nothing with any other practice are listed apart as ``unclustered``.
    """
    import networkx as nx

    pg = practice_network(proj)
    order = _rank(proj)
    linked = pg.subgraph([n for n in pg.nodes if pg.degree(n) > 0]).copy()
    comms = nx.community.louvain_communities(
        linked, weight="weight", resolution=resolution, seed=seed
    )
    modularity = (
        nx.community.modularity(linked, comms, weight="weight") if linked.number_of_edges() else 0.0
    )
    result: list[Cluster] = []
    for comm in comms:
        members = sorted(comm, key=lambda n: order[n])
        counts: dict[str, int] = {}
        for m in members:
            for _, t, data in proj.graph.out_edges(m, data=True):
                if RELATIONS[data["relation"]].depends and proj.kind(t) in TARGET_KINDS:
                    counts[t] = counts.get(t, 0) + 1
        shared = sorted(
            (t for t, c in counts.items() if c >= 2), key=lambda t: (-counts[t], order[t])
        )
        shared_info = [{**_node_info(proj, t), "members": counts[t]} for t in shared]
        label = " + ".join(proj.label(t) for t in shared[:3]) or "loosely linked"
        result.append(Cluster(label, [proj.label(m) for m in members], shared_info))
    result.sort(key=lambda c: (-len(c.practices), order[_first_id(proj, c.practices[0])]))
    unclustered = [proj.label(n) for n in proj.nodes_of("practice") if n not in linked]
    return ClusterResult(
        algorithm="louvain (networkx), Newman-weighted practice co-dependency network",
        seed=seed,
        modularity=round(modularity, 6),
        clusters=result,
        unclustered=unclustered,
    )


def _first_id(proj: Projection, label: str) -> str:
    return next(n for n in proj.nodes_of("practice") if proj.label(n) == label)


# --- similar ----------------------------------------------------------------------------------


@dataclass
class Similar:
    state: dict[str, Any]
    jaccard: float
    adopted_jaccard: float
    same_status: int
    compared: int
    shared: list[str]
    only_subject: list[str]
    only_other: list[str]


@dataclass
class SimilarResult:
    """States whose plans are most alike the subject's, most alike first."""

    subject: dict[str, Any]
    measure: str
    rows: list[Similar]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 1.0


def similar(proj: Projection, state: str, top: int | None = None) -> SimilarResult:
    """Plans compared by the practices each state has adopted or planned (Jaccard index).

    Also reported: the Jaccard index of adopted practices alone, and on how many of the
    practices both plans list they give the same status.
    """
    if not proj.plans:
        raise InputError("similar needs action plans: pass --plans FILE_OR_FOLDER")
    mine = next((p for p in proj.plans if p.state == state), None)
    if mine is None:
        with_plans = ", ".join(proj.label(p.state) for p in proj.plans)
        raise InputError(
            f"{proj.label(state)} has no action plan among the plans given ({with_plans})"
        )
    order = _rank(proj)

    def committed(plan: Plan, statuses: tuple[str, ...] = ("Adopted", "Planned")) -> set[str]:
        return {p for p, s in plan.statuses.items() if s in statuses}

    def labels(items: set[str]) -> list[str]:
        return [proj.label(p) for p in sorted(items, key=lambda p: order.get(p, math.inf))]

    rows: list[Similar] = []
    a = committed(mine)
    for other in proj.plans:
        if other is mine:
            continue
        b = committed(other)
        both = set(mine.statuses) & set(other.statuses)
        rows.append(
            Similar(
                state=_node_info(proj, other.state),
                jaccard=round(_jaccard(a, b), 6),
                adopted_jaccard=round(
                    _jaccard(committed(mine, ("Adopted",)), committed(other, ("Adopted",))), 6
                ),
                same_status=sum(1 for p in both if mine.statuses[p] == other.statuses[p]),
                compared=len(both),
                shared=labels(a & b),
                only_subject=labels(a - b),
                only_other=labels(b - a),
            )
        )
    rows.sort(key=lambda r: (-r.jaccard, -r.same_status, order[r.state["id"]]))
    if top is not None:
        rows = rows[:top]
    return SimilarResult(
        subject=_node_info(proj, state),
        measure="Jaccard index of the practices adopted or planned",
        rows=rows,
    )
