"""Issue #6: the reasoner classifies the 44 practices into the defined classes.

The expected memberships are derived independently of any reasoner, by SPARQL over the
compiled KG (following subclass paths by hand), and spot-checked against the Decision's text.
Both engines must give exactly those sets: HermiT (needs Java) and the OWL 2 RL fallback.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from rdflib import Graph, URIRef

from drugpolicy_kg.cli import cli
from drugpolicy_kg.reasoning import ReasoningReport, find_java, notation_key, reason
from drugpolicy_kg.reasoning.prepare import sanitise
from drugpolicy_kg.vocab import DEFINED_PRACTICE_CLASSES, DPO, OWL, OWLREADY, RDF, THEME_CORRUPTION

requires_java = pytest.mark.skipif(
    find_java() is None,
    reason="HermiT needs Java (none on PATH, $JAVA_HOME or $DRUGPOLICY_KG_JAVA)",
)

PREFIXES = """
PREFIX dpo: <https://w3id.org/drugpolicy-kg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""

#: For each defined class, a SPARQL pattern over ?p that states its definition without OWL.
EXPECTED_BY_SPARQL = {
    DPO.EUSystemPractice: "?p dpo:usesTool/a/rdfs:subClassOf* dpo:EUInformationSystem .",
    DPO.PublicPrivatePractice: "?p dpo:involvesActor/a/rdfs:subClassOf* dpo:PrivateSectorActor .",
    DPO.AntiCorruptionPractice: f"?p dpo:theme <{THEME_CORRUPTION}> .",
    DPO.InternationalCooperationPractice: """
        ?p dpo:involvesActor/a/rdfs:subClassOf* ?c .
        VALUES ?c { dpo:EUAgency dpo:PartnerThirdCountry }""",
    DPO.TechnologyPractice: "?p dpo:usesTool/a/rdfs:subClassOf* dpo:Technology .",
    DPO.LegallyAnchoredPractice: """
        { ?p dpo:hasLegalBasis ?l } UNION { ?p dpo:usesTool/dpo:hasLegalBasis ?l }
        ?l a/rdfs:subClassOf* dpo:LegalInstrument .""",
}


def expected_members(kg_graph: Graph, cls: URIRef) -> list[str]:
    query = f"""{PREFIXES}
    SELECT DISTINCT ?n WHERE {{ ?p a dpo:BestPractice ; skos:notation ?n . {EXPECTED_BY_SPARQL[cls]} }}"""
    return sorted((str(row[0]) for row in kg_graph.query(query)), key=notation_key)  # type: ignore[index]


@pytest.fixture(scope="module")
def hermit_report(kg_graph: Graph) -> ReasoningReport:
    if find_java() is None:
        pytest.skip("HermiT needs Java (none on PATH, $JAVA_HOME or $DRUGPOLICY_KG_JAVA)")
    return reason(kg_graph, engine="hermit")


@pytest.fixture(scope="module")
def owlrl_report(kg_graph: Graph) -> ReasoningReport:
    return reason(kg_graph, engine="owlrl")


@pytest.fixture(params=["hermit", "owlrl"])
def report(request: pytest.FixtureRequest) -> ReasoningReport:
    return request.getfixturevalue(f"{request.param}_report")  # type: ignore[no-any-return]


def test_every_documented_defined_class_is_in_the_ontology(kg_graph: Graph) -> None:
    assert len(DEFINED_PRACTICE_CLASSES) == 6 == len(EXPECTED_BY_SPARQL)
    for cls in DEFINED_PRACTICE_CLASSES:
        assert (cls, RDF.type, OWL.Class) in kg_graph
        assert (cls, OWL.equivalentClass, None) in kg_graph, f"{cls} is not a defined class"


def test_the_real_kg_is_consistent_and_coherent(report: ReasoningReport) -> None:
    assert report.consistent
    assert report.unsatisfiable == ()
    assert report.ok
    assert report.explanation is None


def test_all_44_practices_are_reported_in_the_decisions_order(report: ReasoningReport) -> None:
    notations = [row.notation for row in report.practices]
    assert len(notations) == 44
    assert notations[:2] == ["I.1", "I.2"]
    assert notations.index("III.9") < notations.index("III.10") < notations.index("IV.1")
    assert notations[-1] == "IV.21"
    assert report.defined_classes == DEFINED_PRACTICE_CLASSES


@pytest.mark.parametrize("cls", DEFINED_PRACTICE_CLASSES, ids=lambda c: c.rsplit("#", 1)[-1])
def test_memberships_equal_the_sparql_derivation(
    report: ReasoningReport, kg_graph: Graph, cls: URIRef
) -> None:
    expected = expected_members(kg_graph, cls)
    assert expected, f"the SPARQL derivation of {cls} found nothing: the test would be vacuous"
    assert report.members(cls) == expected


def test_spot_checks_from_the_decisions_text(report: ReasoningReport) -> None:
    # II.5 integrates SIS, EIS and EUROSUR; III.1 consults SIS in customs procedures.
    assert {"II.5", "III.1"} <= set(report.members(DPO.EUSystemPractice))
    # IV.8 makes the private sector a key partner.
    assert "IV.8" in report.members(DPO.PublicPrivatePractice)
    # IV.13 to IV.21 stand under "Preventing and combating corruption", and nothing else does.
    assert report.members(DPO.AntiCorruptionPractice) == [f"IV.{n}" for n in range(13, 22)]
    # III.9: operational cooperation with key partners outside the European Union.
    assert "III.9" in report.members(DPO.InternationalCooperationPractice)
    # III.2: ANPR cameras; III.6: enforce Council Recommendation (EU) 2022/915.
    assert "III.2" in report.members(DPO.TechnologyPractice)
    assert "III.6" in report.members(DPO.LegallyAnchoredPractice)
    # III.1 has no legal link of its own: it is anchored through SIS's regulations (the chain).
    assert "III.1" in report.members(DPO.LegallyAnchoredPractice)
    # I.1 (a national drug strategy) falls in none of the six.
    row = next(r for r in report.practices if r.notation == "I.1")
    assert row.classes == ()


def test_reason_table(runner, kg_graph: Graph) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(cli, ["reason", "--engine", "owlrl"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Consistency: no clash found (OWL 2 RL; not a proof)" in out
    rows = [line.split()[0] for line in out.splitlines() if line[:1] in "IV" and "." in line[:5]]
    assert rows == sorted(rows, key=notation_key) and len(rows) == 44
    assert any(
        line.startswith("IV.12 ") and "TechnologyPractice" in line for line in out.splitlines()
    )
    assert "dpo:AntiCorruptionPractice (anti-corruption practice): 9" in out


@requires_java
def test_reason_json_with_hermit(runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(cli, ["reason", "--engine", "hermit", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["consistent"] is True and doc["complete"] is True and doc["fallback"] is False
    assert doc["engine"] == "hermit"
    assert [p["notation"] for p in doc["practices"]][:3] == ["I.1", "I.2", "I.3"]
    by_class = {c["curie"]: c["members"] for c in doc["definedClasses"]}
    assert by_class["dpo:PublicPrivatePractice"] == [
        "IV.8",
        "IV.9",
        "IV.11",
        "IV.12",
        "IV.16",
        "IV.20",
    ]
    assert "reasoned with HermiT" in result.stderr


def test_fallback_without_java_says_so(runner, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DRUGPOLICY_KG_JAVA", "")
    result = runner.invoke(cli, ["reason", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["engine"] == "owlrl" and doc["fallback"] is True and doc["complete"] is False
    assert "Java was not found" in doc["note"]
    table = runner.invoke(cli, ["reason"])
    assert "fallback: Java not found" in table.stdout
    assert "does not prove OWL 2 DL consistency" in table.stdout


def test_hermit_without_java_is_an_error_not_a_silent_fallback(runner, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DRUGPOLICY_KG_JAVA", "none")
    result = runner.invoke(cli, ["reason", "--engine", "hermit"])
    assert result.exit_code == 2
    assert "HermiT needs Java" in result.stderr and "--engine owlrl" in result.stderr
    assert "Traceback" not in result.output


def test_reason_help_has_examples(runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(cli, ["reason", "--help"])
    assert result.exit_code == 0
    assert "drugpolicy-kg reason --engine owlrl" in result.output
    assert "Exit codes" in result.output


def test_sanitise_strips_imports_and_owlready_annotations() -> None:
    g = Graph()
    onto = URIRef("https://example.org/o")
    g.add((onto, RDF.type, OWL.Ontology))
    g.add((onto, OWL.imports, URIRef("https://example.org/remote")))
    g.add((onto, OWLREADY.python_module, URIRef("https://example.org/os")))
    clean = sanitise(g)
    assert set(clean) == {(onto, RDF.type, OWL.Ontology)}


@requires_java
def test_owlready2_never_imports_a_module_named_in_the_graph(kg_graph: Graph, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """owlready2 imports the module an ontology names in ``python_module``; sanitise stops it."""
    from rdflib import Literal

    from drugpolicy_kg.reasoning.hermit import HermitEngine
    from drugpolicy_kg.vocab import ONTOLOGY_IRI

    marker = tmp_path / "imported"
    module = tmp_path / "dpk_reason_trap.py"
    module.write_text(f"open({str(marker)!r}, 'w').write('imported')\n")
    sys.path.insert(0, str(tmp_path))
    try:
        g = Graph()
        g.add((ONTOLOGY_IRI, RDF.type, OWL.Ontology))
        g.add((ONTOLOGY_IRI, OWLREADY.python_module, Literal("dpk_reason_trap")))
        assert HermitEngine(find_java() or "java").is_consistent(g)
    finally:
        sys.path.remove(str(tmp_path))
    assert not marker.exists()
    assert "dpk_reason_trap" not in sys.modules


def test_commands_that_do_not_reason_do_not_import_owlready2() -> None:
    code = (
        "import sys\n"
        "from drugpolicy_kg.cli import main\n"
        "import drugpolicy_kg.reasoning, drugpolicy_kg.commands.reason, drugpolicy_kg.build\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print('owlready2' in sys.modules, 'owlrl' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "False False"
