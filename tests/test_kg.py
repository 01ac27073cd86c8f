"""Facts of Decision 7301/24, asserted on the compiled KG from its text."""

from __future__ import annotations

import re

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
    assert actors("IV.14") == set()  # the text names no actor


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
