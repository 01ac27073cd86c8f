"""Facts of Decision 7301/24, asserted on the compiled KG from its text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from drugpolicy_kg import source
from drugpolicy_kg.vocab import (
    COUNTRY,
    DCTERMS,
    DECISION,
    DPK,
    DPO,
    ELI,
    ONTOLOGY_IRI,
    OWL,
    RDF,
    RDFS,
    SKOS,
    XSD,
    block_iri,
    practice_iri,
)

ADDRESSEES = set(
    [
        "BEL",
        "HRV",
        "CZE",
        "DNK",
        "DEU",
        "EST",
        "GRC",
        "ISL",
        "ESP",
        "FRA",
        "ITA",
        "LVA",
        "LTU",
        "LUX",
        "HUN",
        "LIE",
        "MLT",
        "NLD",
        "NOR",
        "AUT",
        "POL",
        "PRT",
        "SVN",
        "SVK",
        "FIN",
        "SWE",
        "CHE",
    ]
)
EXPERTS = set(
    [
        "BEL",
        "BGR",
        "HRV",
        "EST",
        "FIN",
        "FRA",
        "DEU",
        "GRC",
        "ITA",
        "MLT",
        "NLD",
        "POL",
        "SVK",
        "ESP",
    ]
)
ELI_915 = URIRef("http://data.europa.eu/eli/reco/2022/915/oj")
ELI_922 = URIRef("http://data.europa.eu/eli/reg/2022/922/oj")


def codes(iris: object) -> set[str]:
    return {str(i).rsplit("/", 1)[-1] for i in iris}  # type: ignore[attr-defined]


def users_of(g: Graph, tool: str) -> set[str]:
    return {str(g.value(p, SKOS.notation)) for p in g.subjects(DPO.usesTool, DPK[f"tool/{tool}"])}


def test_44_practices_recommended(kg_graph: Graph) -> None:
    practices = set(kg_graph.subjects(RDF.type, DPO.BestPractice))
    assert len(practices) == 44
    assert set(kg_graph.objects(DECISION, DPO.recommends)) == practices


@pytest.mark.parametrize(("block", "count"), [("I", 8), ("II", 5), ("III", 10), ("IV", 21)])
def test_practices_per_block(kg_graph: Graph, block: str, count: int) -> None:
    members = set(kg_graph.subjects(DPO.buildingBlock, block_iri(block))) & set(
        kg_graph.subjects(RDF.type, DPO.BestPractice)
    )
    assert len(members) == count
    assert {str(kg_graph.value(p, SKOS.notation)) for p in members} == {
        f"{block}.{n}" for n in range(1, count + 1)
    }


@pytest.mark.parametrize(
    ("theme", "count", "first"),
    [
        ("inter-service-cooperation", 7, 1),
        ("public-private-partnership", 5, 8),
        ("corruption", 9, 13),
    ],
)
def test_themes_of_block_iv(kg_graph: Graph, theme: str, count: int, first: int) -> None:
    members = {
        str(kg_graph.value(p, SKOS.notation))
        for p in kg_graph.subjects(DPO.theme, DPK[f"theme/{theme}"])
    }
    assert members == {f"IV.{n}" for n in range(first, first + count)}


def test_practice_iris_notations_and_contract_terms(kg_graph: Graph) -> None:
    p = practice_iri("III.2")
    assert str(p) == "https://w3id.org/drugpolicy-kg/id/practice/III.2"
    assert kg_graph.value(p, SKOS.notation) == Literal("III.2")  # plain literal (contract)
    assert kg_graph.value(p, DPO.buildingBlock) == block_iri("III")
    assert kg_graph.value(block_iri("IV"), SKOS.notation) == Literal("IV")
    assert str(kg_graph.value(block_iri("II"), SKOS.prefLabel)) == "Mapping illicit drug flows"
    assert kg_graph.value(p, DCTERMS.source) == DECISION


def test_every_practice_text_is_verbatim_in_the_source(kg_graph: Graph) -> None:
    raw = source.read_text("sources", source.SOURCE_FILE)
    # Remove page furniture lines, italic markers and normalise whitespace, independently of source.py.
    lines = [
        ln for ln in raw.splitlines() if not re.match(r"^\s*(7301/24 EN/II \d+.*|JAI\.B.*)$", ln)
    ]
    flat = re.sub(r"\s+", " ", " ".join(lines).replace("*", ""))
    for p in kg_graph.subjects(RDF.type, DPO.BestPractice):
        text = str(kg_graph.value(p, DCTERMS.description))
        assert len(text) > 50
        assert text in flat, p


def test_iii_3_text_and_note(kg_graph: Graph) -> None:
    p = practice_iri("III.3")
    assert str(kg_graph.value(p, DCTERMS.description)).startswith(
        "Providing direct and decentralised access to Europol's Secured Information Exchange Network Application"
    )
    assert kg_graph.value(p, SKOS.editorialNote) is not None


def test_27_addressees_and_bulgaria_is_not_one(kg_graph: Graph) -> None:
    addressees = set(kg_graph.objects(DECISION, DPO.addressedTo))
    assert codes(addressees) == ADDRESSEES
    assert all(str(a).startswith(str(COUNTRY)) for a in addressees)
    assert COUNTRY.BGR not in addressees
    assert (COUNTRY.BGR, RDF.type, DPO.State) in kg_graph


def test_evaluation_team(kg_graph: Graph) -> None:
    ev = DPK["evaluation/2023-drug-trafficking"]
    team = kg_graph.value(ev, DPO.evaluationTeam)
    assert kg_graph.value(team, DPO.memberCount).toPython() == 17
    assert set(kg_graph.objects(team, DPO.leadExpertFrom)) == {DPK["actor/commission"], COUNTRY.FRA}
    assert codes(kg_graph.objects(team, DPO.nationalExpertFrom)) == EXPERTS
    assert len(EXPERTS) == 14
    assert set(kg_graph.objects(ev, DPO.observer)) == {
        DPK["actor/frontex"],
        DPK["actor/europol"],
        DPK["actor/euda"],
    }
    assert set(kg_graph.objects(ev, DPO.contributor)) == {DPK["actor/eu-lisa"]}
    assert kg_graph.value(ev, DPO.evaluationGuide) == DPK["legal/C-2023-6790"]


def test_site_visits_october_2023(kg_graph: Graph) -> None:
    ev = DPK["evaluation/2023-drug-trafficking"]
    visits = {}
    for v in kg_graph.objects(ev, DPO.siteVisit):
        port = kg_graph.value(v, DPO.visitedSite)
        visits[str(kg_graph.value(port, __import__("rdflib").RDFS.label))] = codes(
            [kg_graph.value(v, DPO.invitedBy)]
        )
        assert kg_graph.value(v, DCTERMS.date) == Literal("2023-10", datatype=XSD.gYearMonth)
    assert visits == {
        "Port of Rotterdam": {"NLD"},
        "Port of Antwerp": {"BEL"},
        "Port of Hamburg": {"DEU"},
        "Port of Marseille": {"FRA"},
    }


def test_decision_metadata(kg_graph: Graph) -> None:
    d = DECISION
    assert str(d) == "https://w3id.org/drugpolicy-kg/id/decision/7301-24"
    # eli:date_document is the date of adoption (4 March 2024, "adopted by the Council at its
    # meeting held on 4 March 2024"); the Council document itself is dated 5 March 2024.
    assert kg_graph.value(d, ELI.date_document) == Literal("2024-03-04", datatype=XSD.date)
    assert kg_graph.value(d, DPO.adoptedOn) == Literal("2024-03-04", datatype=XSD.date)
    assert kg_graph.value(d, DPO.councilDocumentDate) == Literal("2024-03-05", datatype=XSD.date)
    assert str(kg_graph.value(d, DPO.interinstitutionalFile)) == "2024/0007(NLE)"
    assert str(kg_graph.value(d, DPO.councilDocumentNumber)) == "7301/24"
    assert "6901/24" in str(kg_graph.value(d, DPO.previousDocument))
    assert set(kg_graph.objects(d, DPO.hasLegalBasis)) == {ELI_922, DPK["legal/TFEU"]}
    assert kg_graph.value(d, DPO.evaluationReport) == DPK["legal/C-2024-257"]
    req = kg_graph.value(d, DPO.actionPlanRequirement)
    assert str(kg_graph.value(req, DPO.reportingPeriod)) == "P3M"
    assert len(set(kg_graph.objects(req, DPO.structuredBy))) == 4
    # Article 24 is recorded on the legal-basis axiom.
    provisions = {
        str(kg_graph.value(ax, DPO.legalBasisProvision))
        for ax in kg_graph.subjects(OWL.annotatedTarget, ELI_922)
        if kg_graph.value(ax, OWL.annotatedSource) == d
        and kg_graph.value(ax, OWL.annotatedProperty) == DPO.hasLegalBasis
    }
    assert provisions == {"Article 24"}


def test_recital_12_verbatim(kg_graph: Graph) -> None:
    r12 = DPK["decision/7301-24/recital/12"]
    text = str(kg_graph.value(r12, DCTERMS.description))
    assert (
        "submit their action plans within three months after this Decision enters into force"
        in text
    )
    assert "may outline via the action plan the reasons" in text


def test_sis_supports_exactly_four_practices(kg_graph: Graph) -> None:
    assert users_of(kg_graph, "SIS") == {"II.5", "III.1", "III.2", "IV.1"}


@pytest.mark.parametrize(
    ("tool", "practices"),
    [
        ("SIENA", {"III.3"}),
        ("EIS", {"II.5", "III.3"}),
        ("EUROSUR", {"II.5"}),
        ("EMPACT", {"III.8"}),
        ("ANPR", {"III.2"}),
        ("maritime-surveillance-system", {"IV.7"}),
        ("port-information-system", {"IV.12"}),
    ],
)
def test_tool_users_follow_the_text(kg_graph: Graph, tool: str, practices: set[str]) -> None:
    assert users_of(kg_graph, tool) == practices


def test_tools_legal_bases_and_operators(kg_graph: Graph) -> None:
    sis = DPK["tool/SIS"]
    assert {str(x) for x in kg_graph.objects(sis, DPO.hasLegalBasis)} == {
        f"http://data.europa.eu/eli/reg/2018/{n}/oj" for n in (1860, 1861, 1862)
    }
    assert kg_graph.value(sis, DPO.operatedBy) == DPK["actor/eu-lisa"]
    for t in ("EIS", "SIENA"):
        assert URIRef("http://data.europa.eu/eli/reg/2016/794/oj") in set(
            kg_graph.objects(DPK[f"tool/{t}"], DPO.hasLegalBasis)
        )
    assert set(kg_graph.objects(DPK["tool/EUROSUR"], DPO.hasLegalBasis)) == {
        URIRef("http://data.europa.eu/eli/reg/2019/1896/oj")
    }
    for sys_ in ("SIS", "EIS", "SIENA", "EUROSUR"):
        assert (DPK[f"tool/{sys_}"], RDF.type, DPO.EUInformationSystem) in kg_graph


def test_practice_legal_bases(kg_graph: Graph) -> None:
    assert set(kg_graph.objects(practice_iri("III.6"), DPO.hasLegalBasis)) == {ELI_915}
    whistle = URIRef("http://data.europa.eu/eli/dir/2019/1937/oj")
    assert set(kg_graph.objects(practice_iri("IV.16"), DPO.hasLegalBasis)) == {whistle}
    # The Decision does not cite the directive: the link must carry a justification.
    axioms = [
        ax
        for ax in kg_graph.subjects(OWL.annotatedTarget, whistle)
        if kg_graph.value(ax, OWL.annotatedSource) == practice_iri("IV.16")
    ]
    assert len(axioms) == 1 and kg_graph.value(axioms[0], DPO.justification) is not None


def test_actor_links_follow_the_text(kg_graph: Graph) -> None:
    def actors(n: str) -> set[str]:
        return {
            str(a).rsplit("/", 1)[-1] for a in kg_graph.objects(practice_iri(n), DPO.involvesActor)
        }

    assert {
        "police",
        "customs",
        "judicial-authorities",
        "coast-guard",
        "financial-intelligence-unit",
        "criminal-intelligence-unit",
    } <= actors("I.4")
    assert "universities" in actors("IV.11")
    assert "partner-third-countries" in actors("III.9")
    assert {"shipping-companies", "postal-services", "private-security-companies"} <= actors("IV.8")
    assert "europol" in actors("III.8")
    # IV.14 names no specific actor: only the implied national authorities ("various agencies").
    assert actors("IV.14") == {"national-authorities"}
    assert "national-authorities" in actors("IV.8")  # "between national authorities and entities"


def test_every_link_has_evidence_in_its_text(kg_graph: Graph) -> None:
    n = 0
    for ax in kg_graph.subjects(RDF.type, OWL.Axiom):
        p = kg_graph.value(ax, OWL.annotatedSource)
        if (p, RDF.type, DPO.BestPractice) not in kg_graph:
            continue
        evidence = str(kg_graph.value(ax, DPO.evidence))
        assert evidence in str(kg_graph.value(p, DCTERMS.description))
        prop, target = (
            kg_graph.value(ax, OWL.annotatedProperty),
            kg_graph.value(ax, OWL.annotatedTarget),
        )
        assert (p, prop, target) in kg_graph
        n += 1
    links = sum(
        1
        for prop in (DPO.involvesActor, DPO.usesTool, DPO.hasLegalBasis, DPO.relatedTheme)
        for s, _, _ in kg_graph.triples((None, prop, None))
        if (s, RDF.type, DPO.BestPractice) in kg_graph
    )
    assert n == links > 80


def test_ontology_header(kg_graph: Graph) -> None:
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in kg_graph
    assert kg_graph.value(ONTOLOGY_IRI, OWL.versionIRI) is not None
    assert kg_graph.value(ONTOLOGY_IRI, OWL.versionInfo) is not None
    assert kg_graph.value(ONTOLOGY_IRI, DCTERMS.license) is not None
    assert not list(kg_graph.triples((None, OWL.imports, None)))


def test_eu_acts_are_eli_legal_resources(kg_graph: Graph) -> None:
    for iri in (ELI_915, ELI_922):
        assert str(iri).startswith("http://data.europa.eu/eli/")
    assert (DPO.EUAct, __import__("rdflib").RDFS.subClassOf, ELI.LegalResource) in kg_graph


def test_external_identifiers_only_where_verified(kg_graph: Graph) -> None:
    # FACTS.md lists no Wikidata QID for Bulgaria, and no corporate-body code for Europol.
    assert not list(kg_graph.objects(COUNTRY.BGR, SKOS.exactMatch))
    europol = {str(x) for x in kg_graph.objects(DPK["actor/europol"], SKOS.exactMatch)}
    assert europol == {"http://www.wikidata.org/entity/Q207203"}


def test_practices_were_identified_in_the_2023_evaluation(kg_graph: Graph) -> None:
    from drugpolicy_kg.vocab import EVALUATION, PROV

    for p in kg_graph.subjects(RDF.type, DPO.BestPractice):
        assert kg_graph.value(p, PROV.wasGeneratedBy) == EVALUATION
    assert (EVALUATION, RDF.type, DPO.ThematicEvaluation) in kg_graph


def test_other_member_states_is_a_category_not_a_state(kg_graph: Graph) -> None:
    """Regression: 'other Member States' (III.4, III.7) was typed dpo:State like a country."""
    ms = DPK["actor/member-states"]
    assert (ms, RDF.type, DPO.State) not in kg_graph
    assert (ms, RDF.type, DPO.StateCategory) in kg_graph
    states = set(kg_graph.subjects(RDF.type, DPO.State))
    assert all(str(s).startswith(str(COUNTRY)) for s in states) and len(states) == 28


# ---------------------------------------------------------------------------
# Issue #15: what the Decision says, what it implies and what curation adds, kept apart
# ---------------------------------------------------------------------------

RETURN_REG = URIRef("http://data.europa.eu/eli/reg/2018/1860/oj")
TEXT_PATH = Path(__file__).parent.parent / "src/drugpolicy_kg/assets/sources/council-7301-24.txt"


def _kind(g: Graph, s: object, p: object, o: object) -> set[str]:
    """The statement kinds (stated, implied, curated) annotated on one triple."""
    return {
        str(g.value(k, SKOS.notation))
        for ax in g.subjects(OWL.annotatedSource, s)
        if g.value(ax, OWL.annotatedProperty) == p and g.value(ax, OWL.annotatedTarget) == o
        for k in g.objects(ax, DPO.statementKind)
    }


def _flat_text() -> str:
    return source.load().full


@pytest.fixture(scope="module")
def engine():  # type: ignore[no-untyped-def]
    from drugpolicy_kg.engines import open_engine

    return open_engine("oxigraph", plans=[])


def _rows(engine, name: str, **params: str) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    from drugpolicy_kg import catalogue
    from drugpolicy_kg.results import human

    result = catalogue.run_query(name, params, engine=engine)
    return [{v: human(row[i]) for i, v in enumerate(result.vars)} for row in result.rows]


def test_tool_legal_bases_are_not_pushed_onto_practices(kg_graph: Graph, engine) -> None:  # type: ignore[no-untyped-def]
    """Regulation (EU) 2018/1860 (SIS in return) is a basis of SIS, not of II.5, III.1, ..."""
    for n in ("II.5", "III.1", "III.2", "IV.1"):
        assert (practice_iri(n), DPO.hasLegalBasis, RETURN_REG) not in kg_graph
        rows = _rows(engine, "legal-bases-of-practice", practice=n)
        assert rows and all(r["route"] == "through tool" and r["legal"] == "" for r in rows)
        assert "<http://data.europa.eu/eli/reg/2018/1860/oj>" in {r["toolBasis"] for r in rows}
        assert any(
            r["note"].startswith("through the tool SIS, whose legal bases include") for r in rows
        )
    # The general rule: a practice's legal column holds only its own legal bases.
    for p in kg_graph.subjects(RDF.type, DPO.BestPractice):
        n = str(kg_graph.value(p, SKOS.notation))
        for r in _rows(engine, "legal-bases-of-practice", practice=n):
            if r["legal"]:
                assert r["route"] == "direct" and r["tool"] == ""
    assert _rows(engine, "practices-resting-on-act", legal="reg/2018/1860") == []
    through = _rows(engine, "practices-using-tools-under-act", legal="reg/2018/1860")
    assert {r["notation"] for r in through} == {"II.5", "III.1", "III.2", "IV.1"}
    assert all(r["note"].endswith("not a legal basis of the practice itself") for r in through)


def test_direct_legal_bases_are_stated_or_implied(kg_graph: Graph) -> None:
    whistle = URIRef("http://data.europa.eu/eli/dir/2019/1937/oj")
    assert _kind(kg_graph, practice_iri("III.6"), DPO.hasLegalBasis, ELI_915) == {"stated"}
    assert _kind(kg_graph, practice_iri("IV.16"), DPO.hasLegalBasis, whistle) == {"implied"}
    for s, o in kg_graph.subject_objects(DPO.hasLegalBasis):
        if (s, RDF.type, DPO.BestPractice) in kg_graph:
            assert _kind(kg_graph, s, DPO.hasLegalBasis, o) <= {"stated", "implied"}


def test_tool_legal_bases_and_operators_are_curated_from_facts(kg_graph: Graph) -> None:
    facts = DPK["source/facts"]
    sis = DPK["tool/SIS"]
    for basis in kg_graph.objects(sis, DPO.hasLegalBasis):
        assert _kind(kg_graph, sis, DPO.hasLegalBasis, basis) == {"curated"}
        ax = next(
            a
            for a in kg_graph.subjects(OWL.annotatedSource, sis)
            if kg_graph.value(a, OWL.annotatedTarget) == basis
        )
        assert kg_graph.value(ax, DCTERMS.source) == facts
        assert str(kg_graph.value(ax, DPO.confidence)) == "V2"
    assert _kind(kg_graph, sis, DPO.operatedBy, DPK["actor/eu-lisa"]) == {"curated"}
    # Europol maintains the task force concept: the Decision says so (III.5).
    otf = DPK["tool/operational-task-force"]
    assert _kind(kg_graph, otf, DPO.operatedBy, DPK["actor/europol"]) == {"stated"}


def test_empact_has_no_legal_basis(kg_graph: Graph) -> None:
    """FACTS.md: Council conclusions set EMPACT's 2022-2025 priorities; not a legal act."""
    empact = DPK["tool/EMPACT"]
    conclusions = DPK["legal/council-conclusions-2021-05-26-empact"]
    assert not list(kg_graph.objects(empact, DPO.hasLegalBasis))
    assert kg_graph.value(empact, DPO.prioritiesSetBy) == conclusions
    assert _kind(kg_graph, empact, DPO.prioritiesSetBy, conclusions) == {"curated"}
    assert (DPO.CouncilConclusions, RDFS.subClassOf, DPO.EUAct) not in kg_graph


def test_port_and_airport_authorities_and_postal_services_are_neither_public_nor_private(
    kg_graph: Graph, engine
) -> None:  # type: ignore[no-untyped-def]
    """IV.8 lists them among the 'entities' national authorities partner with, no more."""
    private = set(kg_graph.transitive_subjects(RDFS.subClassOf, DPO.PrivateSectorActor))
    public = set(kg_graph.transitive_subjects(RDFS.subClassOf, DPO.NationalAuthority))
    for key in ("port-authorities", "airport-authorities", "postal-services", "port-industry"):
        types = set(kg_graph.objects(DPK[f"actor/{key}"], RDF.type))
        assert not types & (private | public), key
        assert any(
            DPO.LogisticsChainActor in set(kg_graph.transitive_objects(t, RDFS.subClassOf))
            for t in types
        )
    actors = {r["actor"] for r in _rows(engine, "practices-involving-private-sector")}
    assert {"dpk:actor/port-authorities", "dpk:actor/postal-services"} & actors == set()
    assert "dpk:actor/shipping-companies" in actors  # "private shipping companies"


def test_actor_queries_follow_the_hierarchy(kg_graph: Graph, engine) -> None:  # type: ignore[no-untyped-def]
    """Asking for law enforcement finds the practices that name police or customs."""
    le = DPK["actor/law-enforcement"]
    narrower = set(kg_graph.transitive_subjects(SKOS.broader, le))
    assert {DPK["actor/police"], DPK["actor/customs"]} <= narrower
    expected = {
        str(kg_graph.value(p, SKOS.notation))
        for a in narrower
        for p in kg_graph.subjects(DPO.involvesActor, a)
    }
    got = {
        r["notation"] for r in _rows(engine, "practices-involving-actor", actor="law-enforcement")
    }
    assert expected <= got
    assert {"I.4", "III.1", "IV.3", "IV.12"} <= got  # police or customs only
    # The class hierarchy agrees with skos:broader.
    for a in narrower - {le}:
        for t in kg_graph.objects(a, RDF.type):
            assert DPO.LawEnforcementAuthority in set(
                kg_graph.transitive_objects(t, RDFS.subClassOf)
            )


def test_theme_headings_name_actors(kg_graph: Graph, engine) -> None:  # type: ignore[no-untyped-def]
    isc = DPK["theme/inter-service-cooperation"]
    heading = str(kg_graph.value(isc, SKOS.prefLabel))
    assert set(kg_graph.objects(isc, DPO.themeInvolvesActor)) == {
        DPK["actor/law-enforcement"],
        DPK["actor/customs"],
    }
    for ax in kg_graph.subjects(OWL.annotatedSource, isc):
        assert str(kg_graph.value(ax, DPO.evidence)) in heading
    assert set(kg_graph.objects(DPK["theme/corruption"], DPO.themeInvolvesActor)) == set()
    customs = _rows(engine, "practices-involving-actor", actor="customs")
    assert {r["notation"] for r in customs if r["route"] == "theme heading"} == {
        f"IV.{i}" for i in range(1, 8)
    }


def test_iv_8_anti_corruption_is_a_cross_theme_fact(kg_graph: Graph, engine) -> None:  # type: ignore[no-untyped-def]
    iv8 = practice_iri("IV.8")
    assert kg_graph.value(iv8, DPO.theme) == DPK["theme/public-private-partnership"]
    assert kg_graph.value(iv8, DPO.relatedTheme) == DPK["theme/corruption"]
    assert _kind(kg_graph, iv8, DPO.relatedTheme, DPK["theme/corruption"]) == {"stated"}
    rows = _rows(engine, "practices-addressing-theme", theme="corruption")
    assert ("IV.8", "cross-theme") in {(r["notation"], r["route"]) for r in rows}


def test_second_pass_links(kg_graph: Graph) -> None:
    def targets(n: str, prop: URIRef) -> set[str]:
        return {str(t).rsplit("/", 1)[-1] for t in kg_graph.objects(practice_iri(n), prop)}

    assert "ministries" in targets("I.3", DPO.involvesActor)  # "inter-ministerial agreements"
    assert "earmarked-funds" in targets("I.7", DPO.usesTool)
    assert "evaluation-mechanism" in targets("I.8", DPO.usesTool)
    assert "access-control" in targets("IV.5", DPO.usesTool)
    assert "training-programmes" in targets("IV.15", DPO.usesTool)
    assert {"staff-screening", "staff-rotation"} <= targets("IV.17", DPO.usesTool)
    assert "corruption-risk-analysis" in targets("IV.18", DPO.usesTool)
    assert "awareness-programmes" in targets("IV.20", DPO.usesTool)
    assert "inter-agency-task-force" in targets("IV.21", DPO.involvesActor)
    assert "inter-agency-task-force" in targets("IV.1", DPO.involvesActor)
    # IV.14 names no specific actor or tool ("officials", "various agencies"): the link to
    # national authorities in general is implied.
    assert targets("IV.14", DPO.involvesActor) | targets("IV.14", DPO.usesTool) == {
        "national-authorities"
    }
    iv14 = practice_iri("IV.14")
    assert _kind(kg_graph, iv14, DPO.involvesActor, DPK["actor/national-authorities"]) == {
        "implied"
    }


def test_agencies_acts_are_sourced_and_frontex_has_none(kg_graph: Graph) -> None:
    assert not list(kg_graph.subject_objects(DPO.establishedBy))
    frontex = DPK["actor/frontex"]
    assert not list(kg_graph.objects(frontex, DPO.governedBy))
    assert "2019/1896" in str(kg_graph.value(frontex, SKOS.editorialNote))
    europol_reg = URIRef("http://data.europa.eu/eli/reg/2016/794/oj")
    assert _kind(kg_graph, DPK["actor/europol"], DPO.governedBy, europol_reg) == {"curated"}


def test_unsourced_definitions_and_typings_are_gone(kg_graph: Graph) -> None:
    sis = str(kg_graph.value(DPK["tool/SIS"], SKOS.definition))
    assert "shared database" not in sis and "eu-LISA" in sis
    assert "central criminal" not in str(kg_graph.value(DPK["tool/EIS"], SKOS.definition))
    for key in (
        "maritime-surveillance-system",
        "border-management-systems",
        "anonymous-reporting-system",
    ):
        types = set(kg_graph.objects(DPK[f"tool/{key}"], RDF.type))
        assert DPO.NationalSystem not in types and DPO.InformationSystem in types
    # Every definition of an instance has a kind and its grounds.
    for s, o in kg_graph.subject_objects(SKOS.definition):
        if str(s).startswith(str(DPK)):
            assert len(_kind(kg_graph, s, SKOS.definition, o)) == 1, s


def test_stated_evidence_is_the_decisions_words(kg_graph: Graph) -> None:
    """Every stated statement quotes the Decision; curated ones name a source, never it."""
    flat = _flat_text()
    stated = curated = 0
    for ax in kg_graph.subjects(DPO.statementKind, DPO.Stated):
        assert str(kg_graph.value(ax, DPO.evidence)) in flat
        assert kg_graph.value(ax, DCTERMS.source) == DECISION
        stated += 1
    for ax in kg_graph.subjects(DPO.statementKind, DPO.Curated):
        src = kg_graph.value(ax, DCTERMS.source)
        assert src != DECISION and (src, RDF.type, DPO.ReferenceSource) in kg_graph
        assert kg_graph.value(ax, DPO.confidence) is not None
        curated += 1
    assert stated > 100 and curated > 10


def test_acts_the_decision_cites(kg_graph: Graph, engine) -> None:  # type: ignore[no-untyped-def]
    cited = {r["legal"] for r in _rows(engine, "acts-cited-by-decision")}
    assert cited == {
        "dpk:legal/TFEU",
        "<http://data.europa.eu/eli/reg/2022/922/oj>",
        "dpk:legal/reg-1053-2013",
        "dpk:legal/C-2024-257",
        "dpk:legal/C-2023-6790",
        "<http://data.europa.eu/eli/reco/2022/915/oj>",
    }
    # Acts the text does not name are not cited (the SIS regulations, the whistle-blower directive).
    raw = TEXT_PATH.read_text(encoding="utf-8")
    assert "2018/1862" not in raw and "2019/1937" not in raw
    for act in kg_graph.objects(DECISION, ELI.cites):
        assert _kind(kg_graph, DECISION, ELI.cites, act) == {"stated"}


def test_stated_only_is_one_pattern(engine) -> None:  # type: ignore[no-untyped-def]
    stated = _rows(engine, "statements-of-kind", kind="stated")
    assert stated and {r["kind"] for r in stated} == {"stated"}
    assert not any(r["source"] == "dpk:source/facts" for r in stated)
    assert not any(r["object"] == "<http://data.europa.eu/eli/reg/2018/1860/oj>" for r in stated)
    curated = _rows(engine, "statements-of-kind", kind="curated")
    assert {r["source"] for r in curated} == {"dpk:source/facts"}


def test_ontology_description_dates_the_adoption(kg_graph: Graph) -> None:
    text = str(kg_graph.value(ONTOLOGY_IRI, DCTERMS.description))
    assert "4 March 2024" in text and "(5 March 2024)" not in text


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    import importlib.resources
    import shutil

    from drugpolicy_kg.resources import asset

    root = tmp_path / "sources"
    with importlib.resources.as_file(asset()) as src:
        shutil.copytree(src, root)
    return root


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'evidence = "national databases"',
            'evidence = "national data lakes"',
            "does not occur in the Decision",
        ),
        (
            'confidence = "V2"\njustification = "FACTS.md: Regulation (EU) 2018/1726',
            'justification = "FACTS.md: Regulation (EU) 2018/1726',
            "needs a source",
        ),
        ('subject = "actor/europol"', 'subject = "actor/frontex"', "no curated statement"),
        (
            'kind = "implied"\nevidence = "Europol',
            'kind = "guessed"\nevidence = "Europol',
            "kind must be one of",
        ),
    ],
)
def test_provenance_errors_name_the_file_and_line(
    sources: Path, old: str, new: str, message: str
) -> None:
    from drugpolicy_kg import kg
    from drugpolicy_kg.errors import ModelError

    path = sources / "data" / "provenance.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ModelError, match=rf"data/provenance\.toml:\d+: .*{message}"):
        kg.compile_kg(sources)


def test_an_implied_practice_link_needs_a_justification(sources: Path) -> None:
    from drugpolicy_kg import kg
    from drugpolicy_kg.errors import ModelError

    path = sources / "data" / "practices.toml"
    text = path.read_text(encoding="utf-8").replace(
        'ministries = { evidence = "inter-ministerial agreements", justification = "Inter-ministerial agreements are concluded between ministries." }',
        'ministries = { evidence = "inter-ministerial agreements", kind = "implied" }',
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(
        ModelError, match=r"data/practices\.toml:\d+: I\.3 → ministries: an implied"
    ):
        kg.compile_kg(sources)


def test_a_theme_link_must_quote_its_heading(sources: Path) -> None:
    from drugpolicy_kg import kg
    from drugpolicy_kg.errors import ModelError

    path = sources / "data" / "structure.toml"
    text = path.read_text(encoding="utf-8").replace('customs = "customs"', 'customs = "douane"')
    path.write_text(text, encoding="utf-8")
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if ln == 'customs = "douane"')
    with pytest.raises(
        ModelError, match=rf"data/structure\.toml:{line}: .*does not occur in the heading"
    ):
        kg.compile_kg(sources)
