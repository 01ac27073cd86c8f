"""The catalogue's files: headers, parameters, columns and friendly values."""

from __future__ import annotations

import itertools
import re
import tomllib
from collections import Counter

import pytest
from rdflib import Literal, URIRef

from drugpolicy_kg import catalogue
from drugpolicy_kg.engines import open_engine
from drugpolicy_kg.engines.base import QueryEngine
from drugpolicy_kg.errors import InputError
from drugpolicy_kg.resources import read_text
from drugpolicy_kg.sparql_safety import check_local, mask
from drugpolicy_kg.vocab import COUNTRY, DPK, DPO, practice_iri

EXPECTED_QUERIES = 34  # 33 files, and adoption-long (the long form of adoption-matrix)
QUERIES = sorted(catalogue.catalogue().values(), key=lambda q: q.name)


@pytest.fixture(scope="module")
def engine() -> QueryEngine:
    return open_engine("oxigraph")


def test_the_glob_found_every_query() -> None:
    # A broken glob must not pass silently: the count is asserted (STYLE.md).
    assert len(QUERIES) == EXPECTED_QUERIES >= 20


@pytest.mark.parametrize("q", QUERIES, ids=lambda q: q.name)
def test_header_and_columns(q: catalogue.CatalogueQuery, engine: QueryEngine) -> None:
    assert q.title and q.title != q.name
    assert len(q.description) > 40
    check_local(q.text, source=q.name, local_prefix=str(DPK))
    result = catalogue.run_query(q.name, engine=engine)
    # The header documents the columns, in order.
    assert list(q.columns) == result.vars
    # pyoxigraph substitutions need every parameter projected; it also shows what was bound.
    assert {p.name for p in q.params} <= set(result.vars)


def top_group(text: str) -> str:
    """The text of the outermost WHERE group with every nested group cut out."""
    masked = mask(text)
    start = masked.upper().index("WHERE")
    start = masked.index("{", start)
    depth, out = 0, []
    for ch in masked[start:]:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                break
        elif depth == 1:
            out.append(ch)
    return "".join(out)


@pytest.mark.parametrize("q", [q for q in QUERIES if q.params], ids=lambda q: q.name)
def test_parameters_are_used_in_the_top_level_group(q: catalogue.CatalogueQuery) -> None:
    # rdflib binds parameters first, pyoxigraph substitutes them, a remote endpoint gets a
    # VALUES block at the top of the WHERE group. The three agree when each parameter is
    # used in the top-level group; inside OPTIONAL or a UNION branch's FILTER they would
    # not (the lesson of the QC queries).
    top = top_group(q.text)
    for p in q.params:
        assert re.search(rf"\?{p.name}\b", top), f"?{p.name} is not used at the top level"


def test_top_group_cuts_nested_groups() -> None:
    assert "?b" not in top_group("SELECT * WHERE { ?a ?p ?o OPTIONAL { ?a ?q ?b } }")


def test_header_parser() -> None:
    text = (
        "# title: T\n# description: first\n#    second\n"
        "# param: a (tool) = SIS: the tool\n# param: b (date): a date\n"
        "# columns: x, y\n# requires: plans\nSELECT ?x ?y ?a ?b WHERE {}\n"
    )
    q = catalogue.parse_query_file(text, "t")
    assert q.description == "first second"
    assert q.params == (
        catalogue.Param("a", "tool", "SIS", "the tool"),
        catalogue.Param("b", "date", None, "a date"),
    )
    assert q.columns == ("x", "y") and q.needs_plans


@pytest.mark.parametrize("line", ["# param: a tool = SIS: x", "# param: a (colour) = red: x"])
def test_malformed_parameters_are_refused(line: str) -> None:
    with pytest.raises(InputError):
        catalogue.parse_query_file(line + "\nSELECT * {}", "t")


@pytest.mark.parametrize(
    ("ptype", "value", "expected"),
    [
        ("tool", "SIS", DPK["tool/SIS"]),
        ("tool", "sis", DPK["tool/SIS"]),
        ("tool", "Schengen Information System", DPK["tool/SIS"]),
        ("tool", "https://w3id.org/drugpolicy-kg/id/tool/SIENA", DPK["tool/SIENA"]),
        ("actor", "customs", DPK["actor/customs"]),
        ("actor", "EMCDDA", DPK["actor/euda"]),
        ("practice", "III.2", practice_iri("III.2")),
        ("practice", "iii.2", practice_iri("III.2")),
        ("block", "IV", DPK["block/IV"]),
        ("theme", "IV.c", DPK["theme/corruption"]),
        ("state", "NLD", COUNTRY["NLD"]),
        ("state", "nld", COUNTRY["NLD"]),
        ("state", "Kingdom of the Netherlands", COUNTRY["NLD"]),
        ("legal", "reg/2018/1862", URIRef("http://data.europa.eu/eli/reg/2018/1862/oj")),
        ("legal", "2016/794", URIRef("http://data.europa.eu/eli/reg/2016/794/oj")),
        ("legal", "TFEU", DPK["legal/TFEU"]),
        ("status", "adopted", DPO.Adopted),
        ("status", "not-planned", DPO.NotPlanned),
        ("status", "Under assessment", DPO.UnderAssessment),
        ("integer", " 7", Literal(7)),
    ],
)
def test_friendly_values(ptype: str, value: str, expected: object, engine: QueryEngine) -> None:
    param = catalogue.Param("p", ptype, None, "")
    assert catalogue.Resolver(engine).resolve(param, value) == expected


@pytest.mark.parametrize(
    ("ptype", "value"),
    [
        ("tool", "SIS>"),
        ("state", "Atlantis"),
        ("practice", "V.1"),
        ("iri", "not an iri"),
        ("iri", "http://x/a>b"),
        ("date", "2024-13-01"),
        ("integer", "1.5"),
    ],
)
def test_unfriendly_values(ptype: str, value: str, engine: QueryEngine) -> None:
    with pytest.raises(InputError):
        catalogue.Resolver(engine).resolve(catalogue.Param("p", ptype, None, ""), value)


def test_co_occurrence_matches_the_curated_links(engine: QueryEngine) -> None:
    # Independent derivation from practices.toml (the reviewed source), not from the KG.
    data = tomllib.loads(read_text("data", "practices.toml"))
    pairs: Counter[tuple[str, str]] = Counter()
    for entry in data.values():
        actors = sorted(str(DPK[f"actor/{k}"]) for k in entry.get("actors", {}))
        pairs.update(itertools.combinations(actors, 2))
    result = catalogue.run_query("actor-co-occurrence", engine=engine)
    got = {(str(a), str(b)): int(n) for a, b, n in result.rows}  # type: ignore[arg-type]
    assert got == dict(pairs)


def test_get_reads_files_and_suggests_names(tmp_path) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "x.rq"
    f.write_text("# title: X\nASK {}\n", encoding="utf-8")
    assert catalogue.get(str(f)).title == "X"
    with pytest.raises(InputError, match="did you mean"):
        catalogue.get("adressees")
