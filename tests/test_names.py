"""The one resolver (graph/resolve.py), ``list``, and shell completion (issue 16, point 3)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from drugpolicy_kg.cli import cli
from drugpolicy_kg.engines import open_engine
from drugpolicy_kg.errors import InputError
from drugpolicy_kg.graph.resolve import ALPHA2, NameIndex, engine_index, resolve_state
from drugpolicy_kg.vocab import COUNTRY, DPK, DPO

PLANS = str(Path(__file__).parent / "fixtures" / "query" / "plans")


@pytest.fixture(scope="module")
def index() -> NameIndex:
    return engine_index(open_engine("oxigraph"))


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("state", "NL", COUNTRY["NLD"]),
        ("state", "nl", COUNTRY["NLD"]),
        ("state", "EL", COUNTRY["GRC"]),  # the EU's code for Greece
        ("state", "GR", COUNTRY["GRC"]),  # ISO alpha-2
        ("state", "Greece", COUNTRY["GRC"]),
        ("state", "Hellenic Republic", COUNTRY["GRC"]),
        ("state", "nether", COUNTRY["NLD"]),  # case-insensitive prefix
        ("state", "Netherlands", COUNTRY["NLD"]),
        ("state", "NLD", COUNTRY["NLD"]),
        ("state", "<http://publications.europa.eu/resource/authority/country/NLD>", COUNTRY["NLD"]),
        ("state", "country:NLD", COUNTRY["NLD"]),
        ("actor", "port authorities", DPK["actor/port-authorities"]),
        ("actor", "port-auth", DPK["actor/port-authorities"]),
        ("actor", "EMCDDA", DPK["actor/euda"]),
        ("tool", "SIENA", DPK["tool/SIENA"]),
        ("tool", "schengen info", DPK["tool/SIS"]),
        ("practice", "III.2", DPK["practice/III.2"]),
        ("practice", "iii.2", DPK["practice/III.2"]),
        ("practice", "3.2", DPK["practice/III.2"]),  # the block's number in arabic numerals
        ("practice", "III 2", DPK["practice/III.2"]),
        ("block", "IV", DPK["block/IV"]),
        ("block", "4", DPK["block/IV"]),
        ("theme", "IV.a", DPK["theme/inter-service-cooperation"]),
        ("status", "under-assessment", DPO.UnderAssessment),
        ("status", "not planned", DPO.NotPlanned),
        ("status", "NotPlanned", DPO.NotPlanned),
        ("legal", "2018/1862", "http://data.europa.eu/eli/reg/2018/1862/oj"),
    ],
)
def test_values_people_type(index: NameIndex, kind: str, value: str, expected: str) -> None:
    assert index.resolve(value, (kind,)).iri == str(expected)


def test_every_state_has_its_alpha2_code(index: NameIndex) -> None:
    states = index.entities("state")
    assert {e.key for e in states} == set(ALPHA2)  # the table covers exactly the KG's states
    for e in states:
        assert index.resolve(ALPHA2[e.key], ("state",)).key == e.key


def test_ambiguous_value_lists_the_candidates(index: NameIndex) -> None:
    with pytest.raises(InputError) as err:
        index.resolve("port", ("actor",), what="actor")
    msg = str(err.value)
    assert "ambiguous" in msg
    for key in ("port-authorities", "port-industry", "port-workers", "port-security-officer"):
        assert key in msg


@pytest.mark.parametrize(
    ("value", "needle"),
    [
        ("europl", "europol"),  # nearest by key
        ("Schengen Informaton System", "SIS"),  # nearest by label
        ("authorities", "port-authorities"),  # a word of the label
        ("ports", "port-workers"),  # a plural of the start of a word
    ],
)
def test_unknown_value_suggests(index: NameIndex, value: str, needle: str) -> None:
    kind = "tool" if "Schengen" in value else "actor"
    with pytest.raises(InputError, match="did you mean") as err:
        index.resolve(value, (kind,))
    assert needle in str(err.value)


def test_nothing_near_still_says_where_to_look(index: NameIndex) -> None:
    with pytest.raises(InputError, match="list actors"):
        index.resolve("xyzzy", ("actor",))


def test_wrong_kind_says_what_it_is(index: NameIndex) -> None:
    with pytest.raises(InputError, match="is a best practice"):
        index.resolve("III.2", ("tool",))


def test_resolve_state_for_plan_template() -> None:
    assert resolve_state("NL") == "NLD"
    assert resolve_state("EL") == "GRC"
    assert resolve_state("Netherlands") == "NLD"
    with pytest.raises(InputError, match="--state"):
        resolve_state("Atlantis")


def test_query_parameters_use_the_resolver(runner: CliRunner) -> None:
    res = runner.invoke(cli, ["query", "practices-involving-actor", "-p", "actor=port"])
    assert res.exit_code == 2 and "port-workers" in res.output and "Traceback" not in res.output
    res = runner.invoke(
        cli, ["query", "coverage-by-block", "--plans", PLANS, "-p", "state=NL", "-f", "csv"]
    )
    assert res.exit_code == 0 and {line.split(",")[0] for line in res.stdout.splitlines()[1:]} == {
        "Netherlands"
    }


def test_graph_verbs_use_the_resolver(runner: CliRunner) -> None:
    res = runner.invoke(cli, ["graph", "impact", "siena"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(cli, ["graph", "similar", "NL", "--plans", PLANS])
    assert res.exit_code == 0, res.output


# --- list ---------------------------------------------------------------------------------------


def test_list_json_for_scripts(runner: CliRunner) -> None:
    res = runner.invoke(cli, ["list", "tools", "--format", "json"])
    assert res.exit_code == 0, res.output
    tools = {t["key"]: t for t in json.loads(res.stdout)}
    assert tools["SIS"]["label"] == "Schengen Information System"
    assert "SIS" in tools["SIS"]["altLabels"] or tools["SIS"]["altLabels"] == []
    assert tools["SIS"]["practices"] == 4  # II.5, III.1, III.2, IV.1 name it (golden files)
    assert tools["SIS"]["iri"] == str(DPK["tool/SIS"])


def test_list_states_with_codes_and_plan_counts(runner: CliRunner) -> None:
    res = runner.invoke(cli, ["list", "states", "-f", "json", "--plans", PLANS])
    states = {s["key"]: s for s in json.loads(res.stdout)}
    assert len(states) == 28
    assert states["GRC"]["codes"] == ["GR", "EL"]
    assert states["NLD"]["plans"] == 1 and states["DEU"]["plans"] == 0


def test_list_actors_table_leaves_states_to_list_states(runner: CliRunner) -> None:
    res = runner.invoke(cli, ["list", "actors"])
    assert res.exit_code == 0
    keys = [line.split()[0] for line in res.stdout.splitlines()[2:-1]]
    assert "port-workers" in keys and "europol" in keys and "NLD" not in keys


@pytest.mark.parametrize("kind", ["practices", "actors", "tools", "acts", "states", "themes"])
def test_list_every_kind(runner: CliRunner, kind: str) -> None:
    res = runner.invoke(cli, ["list", kind, "-f", "json"])
    assert res.exit_code == 0, res.output
    items = json.loads(res.stdout)
    assert items and all(i["key"] and i["label"] and i["iri"] for i in items)
    assert len({i["key"] for i in items}) == len(items)  # keys are unique names


# --- shell completion ---------------------------------------------------------------------------


def _complete(runner: CliRunner, words: str) -> list[str]:
    parts = words.split(" ")
    env = {
        "_DRUGPOLICY_KG_COMPLETE": "bash_complete",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(parts) - 1),
    }
    res = runner.invoke(cli, [], env=env, prog_name="drugpolicy-kg")
    assert res.exit_code == 0, res.output
    return [line.split(",", 1)[1] for line in res.stdout.splitlines() if "," in line]


def test_completion_of_query_names(runner: CliRunner) -> None:
    got = _complete(runner, "drugpolicy-kg query practices-u")
    assert got == ["practices-using-tool", "practices-using-tools-under-act"]
    assert "adoption-long" in _complete(runner, "drugpolicy-kg query adoption")


def test_completion_of_parameter_values(runner: CliRunner) -> None:
    assert _complete(runner, "drugpolicy-kg query practices-using-tool -p to") == ["tool="]
    got = _complete(runner, "drugpolicy-kg query practices-using-tool -p tool=SI")
    assert "tool=SIS" in got and "tool=SIENA" in got
