"""The graph package: projection, analyses and their ground truth from the Decision's text.

Expected answers are derived by hand from the Decision (cited per test), not copied from the
code's output, so that a wrong projection or analysis fails here.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph

from drugpolicy_kg.errors import InputError
from drugpolicy_kg.graph import analysis as A
from drugpolicy_kg.graph.projection import Plan, Projection, latest_per_state, project, read_plans
from drugpolicy_kg.graph.resolve import resolve
from drugpolicy_kg.vocab import DCTERMS, DPK, DPO, OWL, RDF, country_iri, practice_iri

PLANS = Path(__file__).parent / "fixtures" / "graph" / "plans"


@pytest.fixture(scope="module")
def proj(kg_graph: Graph) -> Projection:
    return project(kg_graph)


@pytest.fixture(scope="module")
def proj_plans(kg_graph: Graph) -> Projection:
    return project(kg_graph, read_plans([PLANS]))


def labels(items: list[Any]) -> list[str]:
    return [r.node["label"] for r in items]


# --- projection -------------------------------------------------------------------------------


def test_projection_has_every_typed_node_of_the_kg(proj: Projection, kg_graph: Graph) -> None:
    kinds = {k: len(proj.nodes_of(k)) for k in ("practice", "block", "theme", "state")}
    assert kinds == {"practice": 44, "block": 4, "theme": 3, "state": 28}
    tools = {str(s) for s in kg_graph.subjects(DPO.usesTool, None)}
    assert tools <= set(proj.nodes_of("practice"))
    for _s, o in kg_graph.subject_objects(DPO.usesTool):
        assert proj.kind(str(o)) == "tool"
    for _s, o in kg_graph.subject_objects(DPO.involvesActor):
        assert proj.kind(str(o)) == "actor"
    # The Decision is left out on purpose (it would join everything in two steps).
    assert str(DPK["decision/7301-24"]) not in proj.graph


def test_every_practice_link_is_an_edge_with_its_axiom_evidence(
    proj: Projection, kg_graph: Graph
) -> None:
    g = proj.graph
    axioms = list(kg_graph.subjects(RDF.type, OWL.Axiom))
    checked = 0
    for ax in axioms:
        s = kg_graph.value(ax, OWL.annotatedSource)
        p = kg_graph.value(ax, OWL.annotatedProperty)
        o = kg_graph.value(ax, OWL.annotatedTarget)
        if (
            p not in (DPO.usesTool, DPO.involvesActor)
            or (s, RDF.type, DPO.BestPractice) not in kg_graph
        ):
            continue
        rel = "uses_tool" if p == DPO.usesTool else "involves_actor"
        edge = g.get_edge_data(str(s), str(o), key=rel)
        assert edge is not None, (s, p, o)
        assert edge["evidence"] == str(kg_graph.value(ax, DPO.evidence))
        checked += 1
    assert checked == len(list(kg_graph.triples((None, DPO.usesTool, None)))) + len(
        list(kg_graph.triples((None, DPO.involvesActor, None)))
    )


def test_tool_legal_basis_and_operator_edges(proj: Projection) -> None:
    sis = str(DPK["tool/SIS"])
    out = {(proj.label(v), k) for _, v, k in proj.graph.out_edges(sis, keys=True)}
    assert out == {
        ("Regulation (EU) 2018/1860", "legal_basis"),
        ("Regulation (EU) 2018/1861", "legal_basis"),
        ("Regulation (EU) 2018/1862", "legal_basis"),
        ("eu-LISA", "operated_by"),
    }


def test_plans_add_state_edges_for_adopted_and_planned_only(proj_plans: Projection) -> None:
    g = proj_plans.graph
    nld = str(country_iri("NLD"))
    out = sorted((proj_plans.label(v), k) for _, v, k in g.out_edges(nld, keys=True))
    # nld.ttl: adopted II.5 III.1 III.2 III.3 IV.1 IV.4 IV.9; planned I.1 IV.12;
    # I.7 (under assessment) and IV.6 (not planned) give no edge.
    assert out == sorted(
        [(p, "adopted") for p in ("II.5", "III.1", "III.2", "III.3", "IV.1", "IV.4", "IV.9")]
        + [("I.1", "planned"), ("IV.12", "planned")]
    )
    assert len(proj_plans.nodes_of("plan")) == 4
    plan = "https://example.org/plan/nld-2024"
    assert list(g.successors(plan)) == [nld]
    assert g.get_edge_data(nld, str(practice_iri("III.3")), key="adopted")["evidence"] == (
        "Fixture measure of NLD for III.3."
    )


def test_projection_follows_the_data(kg_graph: Graph) -> None:
    """Nothing is hard-coded: a new link in the KG shows up in every analysis."""
    changed = Graph()
    for t in kg_graph:
        changed.add(t)
    changed.add((practice_iri("IV.7"), DPO.usesTool, DPK["tool/SIENA"]))
    proj = project(changed)
    assert labels(A.impact(proj, str(DPK["tool/SIENA"])).practices) == ["III.3", "IV.7"]


def test_projection_is_deterministic(kg_graph: Graph) -> None:
    a, b = project(kg_graph).graph, project(kg_graph).graph
    assert list(a.nodes(data=True)) == list(b.nodes(data=True))
    assert list(a.edges(keys=True, data=True)) == list(b.edges(keys=True, data=True))


def test_latest_plan_per_state_wins() -> None:
    old = Plan("p:old", "a.ttl", "s:X", "2024-01-01", {"p1": "Adopted"})
    new = Plan("p:new", "b.ttl", "s:X", "2024-06-01", {"p1": "NotPlanned"})
    assert latest_per_state([new, old]) == [new]
    assert latest_per_state([old, new]) == [new]


def test_unreadable_or_empty_plan_is_an_input_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("<a> <b> .\n")
    with pytest.raises(InputError) as err:
        read_plans([bad])
    assert "bad.ttl" in str(err.value)
    empty = tmp_path / "empty.ttl"
    empty.write_text("<urn:a> <urn:b> <urn:c> .\n")
    with pytest.raises(InputError, match="no dpo:ActionPlan"):
        read_plans([empty])


# --- names -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("III.3", str(practice_iri("III.3"))),
        ("SIS", str(DPK["tool/SIS"])),
        ("customs", str(DPK["actor/customs"])),
        ("europol", str(DPK["actor/europol"])),
        ("Europol Regulation", "http://data.europa.eu/eli/reg/2016/794/oj"),
        ("reg/2016/794", "http://data.europa.eu/eli/reg/2016/794/oj"),
        ("national databases", str(DPK["tool/national-databases"])),
        ("dpk:tool/SIENA", str(DPK["tool/SIENA"])),
        (str(DPK["tool/EIS"]), str(DPK["tool/EIS"])),
        ("IV", str(DPK["block/IV"])),
        ("IV.a", str(DPK["theme/inter-service-cooperation"])),
        ("NLD", str(country_iri("NLD"))),
        ("netherlands", str(country_iri("NLD"))),
    ],
)
def test_friendly_names(proj: Projection, name: str, expected: str) -> None:
    assert resolve(proj, name) == expected


def test_unknown_name_suggests(proj: Projection) -> None:
    with pytest.raises(InputError, match="did you mean: SIENA"):
        resolve(proj, "SEINA")
    with pytest.raises(InputError, match="is a building block"):
        resolve(proj, "IV", ("tool",))


# --- ground truth from the Decision ------------------------------------------------------------


def test_sis_supports_exactly_the_practices_that_name_it(proj: Projection, kg_graph: Graph) -> None:
    """II.5, III.1, III.2 and IV.1 name the 'Schengen Information System' (annex)."""
    naming = sorted(
        (str(kg_graph.value(p, DPO.practiceNumber)), str(p).rsplit("/", 1)[-1])
        for p, text in kg_graph.subject_objects(DCTERMS.description)
        if (p, RDF.type, DPO.BestPractice) in kg_graph
        and "Schengen Information System" in str(text)
    )
    assert {n for _, n in naming} == {"II.5", "III.1", "III.2", "IV.1"}
    result = A.deps(proj, str(DPK["tool/SIS"]))
    assert labels(result.dependents) == ["II.5", "III.1", "III.2", "IV.1"]
    assert {r.node["label"] for r in result.depends_on} == {
        "eu-LISA",
        "Regulation (EU) 2018/1860",
        "Regulation (EU) 2018/1861",
        "Regulation (EU) 2018/1862",
        "Regulation (EU) 2018/1726",  # eu-LISA's founding act, through the operator
    }


def test_losing_siena_hits_only_iii3(proj: Projection, kg_graph: Graph) -> None:
    """III.3 is the only practice whose text names SIENA (Secured Information Exchange ...)."""
    naming = {
        str(p).rsplit("/", 1)[-1]
        for p, text in kg_graph.subject_objects(DCTERMS.description)
        if (p, RDF.type, DPO.BestPractice) in kg_graph
        and re.search(r"SIENA|Secured? Information Exchange Network", str(text))
    }
    assert naming == {"III.3"}
    result = A.impact(proj, resolve(proj, "SIENA"))
    assert labels(result.practices) == ["III.3"]
    assert result.by_block == {"III": ["III.3"]}
    assert result.states is None


def test_losing_europol_regulation_hits_everything_built_on_europol(proj: Projection) -> None:
    """Reg. 2016/794 founds Europol and is the basis of EIS and SIENA: II.5 (EIS), III.3
    (SIENA, EIS, Europol), III.4, III.5, III.8 (Europol) all lose it, through named chains."""
    result = A.impact(proj, resolve(proj, "reg/2016/794"))
    assert result.by_block == {"II": ["II.5"], "III": ["III.3", "III.4", "III.5", "III.8"]}
    ii5 = result.practices[0]
    assert (
        "Regulation (EU) 2016/794 is the legal basis of EIS, which is used by II.5."
        in ii5.explanations
    )


def test_impact_with_plans_lists_states(proj_plans: Projection) -> None:
    result = A.impact(proj_plans, resolve(proj_plans, "SIENA"))
    assert result.states is not None
    hit = {s.state["label"]: (s.adopted, s.planned) for s in result.states}
    # nld/bel adopted III.3, fra planned it, deu does not plan it.
    assert hit == {
        "Belgium": (["III.3"], []),
        "Germany": ([], []),
        "France": ([], ["III.3"]),
        "Netherlands": (["III.3"], []),
    }


def test_deps_of_a_practice_with_paths(proj: Projection) -> None:
    result = A.deps(proj, str(practice_iri("III.3")))
    assert labels(result.depends_on) == [
        "Europol",
        "law enforcement authorities",
        "EIS",
        "SIENA",
        "national authorities",  # law enforcement is a kind of national authority
        "Directive (EU) 2023/977",
        "Regulation (EU) 2016/794",
    ]
    europol = result.depends_on[0]
    assert europol.distance == 1
    assert "III.3 uses SIENA, which is operated by Europol." in europol.explanations
    assert result.dependents == []


def test_deps_rejects_blocks(proj: Projection) -> None:
    with pytest.raises(InputError, match="deps works on"):
        A.deps(proj, str(DPK["block/I"]))


def test_rank_of_eu_information_systems(proj: Projection) -> None:
    """SIS serves 4 practices, EIS 2 (II.5, III.3), SIENA and EUROSUR 1 each.

    Degree adds each system's legal bases and operator: SIS 4+3+1 = 8, EIS 2+1+1 = 4,
    SIENA 1+2+1 = 4, EUROSUR 1+1 = 2.
    """
    by_practices = A.rank(proj, ["tool"], by="practices", category="EUInformationSystem").rows
    assert [(r.node["label"], r.practices) for r in by_practices] == [
        ("SIS", 4),
        ("EIS", 2),
        ("EUROSUR", 1),
        ("SIENA", 1),
    ]
    by_degree = A.rank(proj, ["tool"], by="degree", category="EUInformationSystem").rows
    assert [(r.node["label"], r.degree) for r in by_degree] == [
        ("SIS", 8),
        ("EIS", 4),
        ("SIENA", 4),
        ("EUROSUR", 2),
    ]


def test_rank_overall_top(proj: Projection) -> None:
    """National authorities reach the most practices (17), law enforcement next (14), by hand
    from practices.toml: law enforcement is named in II.4, III.3, III.6, IV.2, IV.4, IV.9,
    IV.10, IV.13, IV.15, IV.16 and reached through its narrower kinds police (I.4, IV.3) and
    customs (I.4, III.1, IV.12); national authorities add ministries (I.3), judicial
    authorities (IV.2; I.4), and their own links (IV.8, IV.14). PageRank: they and the private
    sector collect it from their narrower kinds (skos:broader), the Europol Regulation from
    Europol, EIS and SIENA."""
    by_practices = A.rank(proj, by="practices", top=2).rows
    assert [(r.node["label"], r.practices) for r in by_practices] == [
        ("national authorities", 17),
        ("law enforcement authorities", 14),
    ]
    by_pr = A.rank(proj, by="pagerank", top=5).rows
    assert [r.node["label"] for r in by_pr] == [
        "national authorities",
        "law enforcement authorities",
        "private sector",
        "Regulation (EU) 2016/794",
        "Europol",
    ]
    assert set(A.rank(proj).measures) == {"practices", "degree", "betweenness", "pagerank"}


def test_pagerank_matches_the_textbook_on_a_small_graph() -> None:
    import networkx as nx

    g = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "a"), ("d", "c")])
    pr = A.pagerank(g)
    assert abs(sum(pr.values()) - 1.0) < 1e-9
    # d has no in-links: only teleport mass, (1 - 0.85) / 4.
    assert abs(pr["d"] - 0.15 / 4) < 1e-9
    assert pr["c"] > pr["a"] > pr["b"] > pr["d"]


def test_path_in_words(proj: Projection) -> None:
    result = A.path(proj, resolve(proj, "III.3"), resolve(proj, "Europol Regulation"))
    assert (
        result.explanation
        == "III.3 involves Europol, which is governed by Regulation (EU) 2016/794."
    )
    assert result.steps[0].evidence == "Europol"
    dep = A.path(proj, resolve(proj, "III.3"), resolve(proj, "SIS"), dependencies_only=True)
    assert dep.explanation == "III.3 uses EIS, which is used by II.5, which uses SIS."


def test_path_without_connection(proj: Projection) -> None:
    with pytest.raises(InputError, match="no chain connects"):
        A.path(proj, resolve(proj, "III.3"), resolve(proj, "NLD"))


def test_clusters_are_deterministic_and_labelled(proj: Projection) -> None:
    first = A.clusters(proj)
    assert first.to_dict() == A.clusters(proj).to_dict()
    by_members = {tuple(c.practices): c.label for c in first.clusters}
    # The SIS practices of blocks III and IV belong together (II.5 goes with EIS and Europol).
    sis = next(c for c in first.clusters if "III.1" in c.practices)
    assert {"III.1", "III.2", "IV.1"} <= set(sis.practices)
    assert sis.label.startswith("SIS")
    # Practices that share nothing: IV.17 and IV.18 link only to measures no other practice
    # names (screenings, rotation, analysis of corruption risks).
    assert {"IV.17", "IV.18"} <= set(first.unclustered)
    every = [p for c in first.clusters for p in c.practices] + first.unclustered
    assert sorted(every) == sorted(proj.label(p) for p in proj.nodes_of("practice"))
    assert len(by_members) == len(first.clusters)
    assert 0.0 < first.modularity < 1.0


def test_similar_states(proj_plans: Projection) -> None:
    """Committed (adopted or planned) sets: NLD 9 practices; BEL shares 8 of 9 (J = 8/9),
    DEU 4 of 9 (4/9), FRA 2 of 11 (I.1, III.3; 2/11)."""
    result = A.similar(proj_plans, str(country_iri("NLD")))
    got = [(r.state["label"], r.jaccard) for r in result.rows]
    assert got == [
        ("Belgium", round(8 / 9, 6)),
        ("Germany", round(4 / 9, 6)),
        ("France", round(2 / 11, 6)),
    ]
    deu = result.rows[1]
    assert (deu.same_status, deu.compared) == (3, 5)
    assert deu.only_subject == ["I.1", "III.3", "IV.4", "IV.9", "IV.12"]


def test_similar_needs_plans(proj: Projection) -> None:
    with pytest.raises(InputError, match="needs action plans"):
        A.similar(proj, str(country_iri("NLD")))


def test_similar_state_without_plan(proj_plans: Projection) -> None:
    with pytest.raises(InputError, match="has no action plan"):
        A.similar(proj_plans, str(country_iri("AUT")))


def test_results_are_json_ready(proj_plans: Projection) -> None:
    import json

    for result in (
        A.deps(proj_plans, resolve(proj_plans, "SIS")),
        A.impact(proj_plans, resolve(proj_plans, "SIS")),
        A.rank(proj_plans),
        A.path(proj_plans, resolve(proj_plans, "I.1"), resolve(proj_plans, "SIS")),
        A.clusters(proj_plans),
        A.similar(proj_plans, resolve(proj_plans, "BEL")),
    ):
        assert json.loads(json.dumps(result.to_dict())) == result.to_dict()
