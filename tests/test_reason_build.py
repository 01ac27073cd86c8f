"""Issue #6: ``build --reason`` materialises the inferred types for plain SPARQL engines."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import Graph

from drugpolicy_kg.build import build
from drugpolicy_kg.cli import cli
from drugpolicy_kg.reasoning import find_java, inferred_types, reason
from drugpolicy_kg.resources import asset
from drugpolicy_kg.vocab import DPK, DPO, RDF

FIXTURES = Path(__file__).parent / "fixtures" / "reason"

QUERY = """
PREFIX dpo: <https://w3id.org/drugpolicy-kg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?n WHERE { ?p a dpo:EUSystemPractice ; skos:notation ?n } ORDER BY ?n
"""


@pytest.fixture(scope="module")
def reasoned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("reasoned")
    build(out, reason=True)
    return out


def test_materialised_types_answer_a_plain_sparql_query(reasoned: Path) -> None:
    g = Graph()
    g.parse(reasoned / "drugpolicy-kg.ttl", format="turtle")
    assert [str(r[0]) for r in g.query(QUERY)] == ["II.5", "III.1", "III.2", "III.3", "IV.1"]  # type: ignore[index]
    # Superclasses are materialised too: SIS is a dpo:Tool without rdfs:subClassOf* paths.
    assert (DPK["tool/SIS"], RDF.type, DPO.Tool) in g


def test_plain_build_has_no_inferred_types(built_kg: Path) -> None:
    g = Graph()
    g.parse(built_kg / "drugpolicy-kg.ttl", format="turtle")
    assert list(g.query(QUERY)) == []


def test_reasoned_build_is_deterministic(reasoned: Path, tmp_path: Path) -> None:
    build(tmp_path, reason=True)
    for name in ("drugpolicy-kg.ttl", "drugpolicy-kg.nt", "drugpolicy-kg.jsonld"):
        assert (tmp_path / name).read_bytes() == (reasoned / name).read_bytes(), name


def test_both_engines_materialise_the_same_bytes(
    reasoned: Path, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Same input, same bytes, whether or not the machine has Java."""
    monkeypatch.setenv("DRUGPOLICY_KG_JAVA", "")
    build(tmp_path, reason=True)
    assert (tmp_path / "drugpolicy-kg.nt").read_bytes() == (
        reasoned / "drugpolicy-kg.nt"
    ).read_bytes()


@pytest.mark.skipif(find_java() is None, reason="HermiT needs Java")
def test_engines_agree_on_every_individuals_types(kg_graph: Graph) -> None:
    hermit = reason(kg_graph, engine="hermit").result
    owlrl = reason(kg_graph, engine="owlrl").result
    assert len(hermit.types) > 100
    assert dict(hermit.types) == dict(owlrl.types)
    assert set(inferred_types(kg_graph, hermit)) == set(inferred_types(kg_graph, owlrl))


def test_cli_build_reason(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(cli, ["build", "--out", str(tmp_path), "--reason", "--quiet"])
    assert result.exit_code == 0, result.output
    g = Graph()
    g.parse(tmp_path / "drugpolicy-kg.nt", format="nt")
    assert (DPK["practice/IV.8"], RDF.type, DPO.PublicPrivatePractice) in g


def test_cli_build_reason_refuses_an_inconsistent_kg(runner, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DRUGPOLICY_KG_JAVA", "")  # the OWL 2 RL engine is enough here, and fast
    sources = tmp_path / "sources"
    shutil.copytree(str(asset()), sources)
    shutil.copy(FIXTURES / "tool-typed-as-actor.ttl", sources / "data" / "zz-bad.ttl")
    out = tmp_path / "out"
    result = runner.invoke(
        cli, ["build", "--out", str(out), "--sources", str(sources), "--reason", "--quiet"]
    )
    assert result.exit_code == 2, result.output
    assert "not consistent" in result.stderr
    assert "dpk:tool/drones a dpo:PrivateSectorActor ." in result.stderr
    assert not (out / "drugpolicy-kg.ttl").exists()
