"""Revision chains across the plans given to ``validate`` (issue #17, Recital 13).

Each case writes unseen revisions of the minimal valid fixture into a temporary folder and
validates the folder: backwards status without a reason (Warning), a cycle, a chain across
two states and an earlier date (Violations), a revised plan not given (Info).
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from drugpolicy_kg.cli import cli

ROOT = Path(__file__).parent.parent
BASE = (ROOT / "tests" / "fixtures" / "plans" / "valid-minimal.ttl").read_text(encoding="utf-8")
DPS = "https://w3id.org/drugpolicy-kg/shapes#"
PRACTICE = "https://w3id.org/drugpolicy-kg/id/practice/"


def plan(
    name: str,
    *,
    state: str = "NLD",
    issued: str = "2024-05-30",
    revises: tuple[str, ...] = (),
    status_e1: str = "Adopted",
    reason_e1: str | None = None,
) -> str:
    """The minimal valid plan as ``<https://example.org/fixture/NAME>``, changed as asked."""
    text = BASE.replace(
        ":plan a dpo:ActionPlan", f"<https://example.org/fixture/{name}> a dpo:ActionPlan"
    )
    text = text.replace("country:NLD", f"country:{state}")
    text = text.replace('"2024-05-30"^^xsd:date', f'"{issued}"^^xsd:date')
    text = text.replace(
        "@prefix : <https://example.org/fixture/> .",
        f"@prefix : <https://example.org/fixture/{name}/> .",
    )
    if revises:
        links = " , ".join(f"<https://example.org/fixture/{r}>" for r in revises)
        text = text.replace(
            "    dpo:hasSection",
            f"    <http://www.w3.org/ns/prov#wasRevisionOf> {links} ;\n    dpo:hasSection",
            1,
        )
    if status_e1 != "Adopted":
        text = text.replace(
            'dpo:practice practice:I.1 ; dpo:status dpo:Adopted ;\n    dpo:implementationMeasures "A national drug strategy with offensive and defensive pillars since 2022."@en .',
            f"dpo:practice practice:I.1 ; dpo:status dpo:{status_e1}"
            + (f' ;\n    dpo:reason "{reason_e1}"@en .' if reason_e1 else " ."),
        )
    return text


def validate(
    tmp_path: Path, plans: dict[str, str], *extra: str
) -> tuple[int, dict[str, list[dict]]]:  # type: ignore[type-arg]
    for name, text in plans.items():
        (tmp_path / f"{name}.ttl").write_text(text, encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["validate", "-f", "json", *extra, str(tmp_path)], catch_exceptions=False
    )
    data = json.loads(result.output)
    if isinstance(data, dict):  # one file: the contract's single object, without "file"
        (only,) = plans
        data = [{**data, "file": f"{only}.ttl"}]
    by_file = {
        Path(d["file"]).stem: [
            r for r in d["results"] if r["severity"] != "Info" or "Revision" in r["shape"]
        ]
        for d in data
    }
    return result.exit_code, by_file


def shapes(results: list[dict]) -> set[tuple[str, str]]:  # type: ignore[type-arg]
    return {(r["severity"], r["shape"].removeprefix(DPS)) for r in results}


def test_a_clean_chain_has_no_result(tmp_path: Path) -> None:
    code, found = validate(
        tmp_path, {"p1": plan("p1"), "p2": plan("p2", issued="2024-12-01", revises=("p1",))}
    )
    assert found == {"p1": [], "p2": []} and code == 0


def test_backward_status_without_reason_is_a_warning(tmp_path: Path) -> None:
    code, found = validate(
        tmp_path,
        {
            "p1": plan("p1"),
            "p2": plan("p2", issued="2024-12-01", revises=("p1",), status_e1="UnderAssessment"),
        },
    )
    assert shapes(found["p2"]) == {("Warning", "RevisionBackwardStatus")}
    (warning,) = found["p2"]
    assert warning["practice"] == "I.1" and "moves backwards from adopted" in warning["message"]
    assert "Recital 12" in warning["message"] and found["p1"] == []
    assert code == 0
    strict = CliRunner().invoke(cli, ["validate", "--strict", str(tmp_path)])
    assert strict.exit_code == 1


def test_backward_status_with_a_reason_is_clean(tmp_path: Path) -> None:
    code, found = validate(
        tmp_path,
        {
            "p1": plan("p1"),
            "p2": plan(
                "p2",
                issued="2024-12-01",
                revises=("p1",),
                status_e1="NotPlanned",
                reason_e1="The law was struck down.",
            ),
        },
    )
    assert found == {"p1": [], "p2": []} and code == 0


def test_revision_deadline_is_exempt_but_a_late_first_plan_is_not(tmp_path: Path) -> None:
    code, found = validate(
        tmp_path,
        {
            "p1": plan("p1", issued="2024-08-01"),
            "p2": plan("p2", issued="2024-12-01", revises=("p1",)),
        },
    )
    assert shapes(found["p1"]) == {("Warning", "DeadlineShape")}
    assert found["p2"] == [] and code == 0


def test_cycle_is_a_violation_on_each_plan(tmp_path: Path) -> None:
    code, found = validate(
        tmp_path,
        {
            "p1": plan("p1", revises=("p3",)),
            "p2": plan("p2", issued="2024-12-01", revises=("p1",)),
            "p3": plan("p3", issued="2024-12-15", revises=("p2",)),
        },
    )
    assert code == 1
    for name in ("p1", "p2", "p3"):
        assert ("Violation", "RevisionNoCycle") in shapes(found[name]), name
    (cycle,) = [r for r in found["p1"] if r["shape"].endswith("RevisionNoCycle")]
    assert "form a cycle" in cycle["message"] and cycle["message"].count("fixture/p") >= 4


def test_self_revision_is_a_cycle(tmp_path: Path) -> None:
    code, found = validate(tmp_path, {"p1": plan("p1", revises=("p1",))})
    assert code == 1 and shapes(found["p1"]) == {("Violation", "RevisionNoCycle")}


def test_chain_across_two_states_is_a_violation(tmp_path: Path) -> None:
    code, found = validate(
        tmp_path,
        {"p1": plan("p1"), "p2": plan("p2", state="BEL", issued="2024-12-01", revises=("p1",))},
    )
    assert code == 1
    assert shapes(found["p2"]) == {("Violation", "RevisionSameState")}
    assert "BEL" in found["p2"][0]["message"] and "NLD" in found["p2"][0]["message"]


def test_earlier_date_is_a_violation(tmp_path: Path) -> None:
    code, found = validate(
        tmp_path,
        {
            "p1": plan("p1", issued="2024-05-30"),
            "p2": plan("p2", issued="2024-05-01", revises=("p1",)),
        },
    )
    assert code == 1 and shapes(found["p2"]) == {("Violation", "RevisionLaterDate")}
    assert "2024-05-01" in found["p2"][0]["message"] and "2024-05-30" in found["p2"][0]["message"]


def test_revised_plan_not_given_is_an_info(tmp_path: Path) -> None:
    code, found = validate(tmp_path, {"p2": plan("p2", issued="2024-12-01", revises=("p1",))})
    assert code == 0 and shapes(found["p2"]) == {("Info", "RevisionNotLoaded")}


def test_chain_results_reach_turtle_and_text(tmp_path: Path) -> None:
    from rdflib import SH, Graph

    for name, text in {
        "p1": plan("p1"),
        "p2": plan("p2", issued="2024-05-01", revises=("p1",)),
    }.items():
        (tmp_path / f"{name}.ttl").write_text(text, encoding="utf-8")
    turtle = CliRunner().invoke(
        cli, ["validate", "-f", "turtle", str(tmp_path / "p2.ttl"), str(tmp_path / "p1.ttl")]
    )
    graph = Graph().parse(data=turtle.output, format="turtle")
    shapes_found = {str(o) for o in graph.objects(None, SH.sourceShape)}
    assert DPS + "RevisionLaterDate" in shapes_found
    text = CliRunner().invoke(cli, ["validate", str(tmp_path)])
    assert text.exit_code == 1 and "not after the plan it revises" in text.output


@settings(deadline=None)  # the first call imports networkx
@given(
    st.dictionaries(
        st.sampled_from("abcdef"), st.sets(st.sampled_from("abcdefg"), max_size=2), max_size=6
    )
)
def test_cycle_members_are_exactly_the_nodes_that_reach_themselves(
    edges: dict[str, set[str]],
) -> None:
    from drugpolicy_kg.validation.chain import _cycles

    graph = {k: tuple(sorted(v)) for k, v in edges.items()}

    def reaches_itself(start: str) -> bool:
        seen, todo = set(), list(graph.get(start, ()))
        while todo:
            node = todo.pop()
            if node == start:
                return True
            if node not in seen:
                seen.add(node)
                todo.extend(graph.get(node, ()))
        return False

    found = _cycles(graph)
    assert set(found) == {n for n in graph if reaches_itself(n)}
    for member, circle in found.items():
        assert member in circle and circle[0] == circle[-1]
        assert all(b in graph[a] for a, b in itertools.pairwise(circle))


def test_a_practice_the_decision_does_not_have_moving_backwards_is_reported(
    tmp_path: Path,
) -> None:
    """Found at 2,700 synthetic plans: a wrong practice number ("V.1", "I.x") in a revision
    chain crashed the sorting of results (an internal error); it is reported like any other."""
    for wrong in ("V.1", "I.x"):
        folder = tmp_path / wrong
        folder.mkdir()
        old = plan("p1").replace("practice:I.1 ;", f"<{PRACTICE}{wrong}> ;")
        new = plan("p2", issued="2024-12-01", revises=("p1",), status_e1="UnderAssessment")
        new = new.replace("practice:I.1 ;", f"<{PRACTICE}{wrong}> ;")
        code, found = validate(folder, {"p1": old, "p2": new})
        assert code == 1, wrong  # the wrong number is a Violation of the plan shapes
        backward = [r for r in found["p2"] if r["shape"].endswith("RevisionBackwardStatus")]
        assert [r["practice"] for r in backward] == [wrong]


def test_chains_from_records_and_from_files_read_again_agree(tmp_path: Path) -> None:
    """The CLI validates with records (no second read); a library caller without them gets
    the same chain results, its files read again."""
    from drugpolicy_kg.validation.chain import check_chains
    from drugpolicy_kg.validation.engine import validate_files

    (tmp_path / "p1.ttl").write_text(plan("p1"), encoding="utf-8")
    (tmp_path / "p2.ttl").write_text(
        plan("p2", issued="2024-01-01", revises=("p1",), status_e1="UnderAssessment"),
        encoding="utf-8",
    )
    files = sorted(str(p) for p in tmp_path.glob("*.ttl"))
    found = []
    for records in (True, False):
        reports = validate_files(files, records=records)
        assert all(bool(r.records) == records for r in reports)
        check_chains(reports, files)
        found.append([sorted(shapes([r.as_json() for r in rep.results])) for rep in reports])
    assert found[0] == found[1]
    assert ("Warning", "RevisionBackwardStatus") in found[0][1]
    assert ("Violation", "RevisionLaterDate") in found[0][1]


def test_a_revision_dated_as_plain_text_is_still_checked_for_its_date(tmp_path: Path) -> None:
    """The date typed as text is reported as ill-typed *and* still read for the chain (the
    records come from the plan as written, as the web service reads them)."""
    newer = plan("p2", issued="2024-01-01", revises=("p1",)).replace(
        '"2024-01-01"^^xsd:date', '"2024-01-01"'
    )
    assert '"2024-01-01"^^' not in newer
    code, found = validate(tmp_path, {"p1": plan("p1"), "p2": newer})
    assert ("Violation", "RevisionLaterDate") in shapes(found["p2"]), found["p2"]
    assert code == 1


def test_records_read_from_the_store_index_equal_those_read_through_rdflib() -> None:
    """``plans_from_graph`` reads a bulk-filled store's predicate index directly; the records
    are those it reads through rdflib's triple patterns from another store."""
    from rdflib import Graph

    from drugpolicy_kg.monitoring.revisions import CHAIN_PREDICATES, plans_from_graph
    from drugpolicy_kg.rdfio import load_graph

    files = sorted((ROOT / "examples" / "plans").glob("*.ttl"))
    files += sorted((ROOT / "tests" / "fixtures" / "plans").glob("*.ttl"))
    for file in files:
        fast = load_graph(file)
        slow = Graph()
        for triple in fast:
            slow.add(triple)
        for predicates in (None, CHAIN_PREDICATES):
            assert plans_from_graph(fast, file.name, predicates) == plans_from_graph(
                slow, file.name, predicates
            ), file.name


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from("abcdef"),
        st.lists(st.sampled_from("abcdefg"), max_size=3).map(tuple),
        max_size=6,
    )
)
def test_the_cycle_check_agrees_with_networkx(edges: dict[str, tuple[str, ...]]) -> None:
    """``_has_cycle`` decides whether networkx is needed at all; it must see every cycle
    networkx sees (self-revisions included) and no other."""
    import networkx as nx

    from drugpolicy_kg.validation.chain import _has_cycle

    graph = nx.DiGraph()
    graph.add_nodes_from(edges)
    graph.add_edges_from((a, b) for a, targets in edges.items() for b in targets)
    assert _has_cycle(edges) == (not nx.is_directed_acyclic_graph(graph))
