"""``plan diff``: checked against a plain-Python reading of the two plans (issue #17).

The expectations walk each plan's triples with rdflib (plan -> section -> entry -> practice,
status, texts), independently of :mod:`drugpolicy_kg.monitoring.revisions`, which reads plans
through pyoxigraph.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from rdflib import Graph, URIRef

from drugpolicy_kg.cli import cli
from drugpolicy_kg.monitoring.diff import diff_plans, word_diff
from drugpolicy_kg.monitoring.revisions import single_plan
from drugpolicy_kg.vocab import DPO, RDF

ROOT = Path(__file__).parent.parent
EXAMPLES = ROOT / "examples" / "plans"
PAIRS = [("nld-2024.ttl", "nld-2025.ttl"), ("bel-2024.ttl", "bel-2025.ttl")]


def read(path: Path) -> tuple[dt.date, dict[str, dict[str, object]]]:
    """(issued, practice notation -> {status, measures, reason, authority, target}) by rdflib."""
    g = Graph().parse(path)
    (plan,) = list(g.subjects(RDF.type, DPO.ActionPlan))
    issued = dt.date.fromisoformat(str(g.value(plan, URIRef("http://purl.org/dc/terms/issued"))))
    out: dict[str, dict[str, object]] = {}
    for section in g.objects(plan, DPO.hasSection):
        for entry in g.objects(section, DPO.hasEntry):
            notation = str(g.value(entry, DPO.practice)).rsplit("/", 1)[-1]

            def text(p: URIRef) -> str | None:
                v = g.value(entry, p)  # noqa: B023
                return None if v is None else " ".join(str(v).split())

            target = g.value(entry, DPO.targetDate)
            out[notation] = {
                "status": str(g.value(entry, DPO.status)).rsplit("#", 1)[-1],
                "measures": text(DPO.implementationMeasures),
                "reason": text(DPO.reason),
                "authority": text(DPO.responsibleAuthority),
                "target": dt.date.fromisoformat(str(target)) if target is not None else None,
            }
    return issued, out


@pytest.mark.parametrize("pair", PAIRS, ids=[p[1] for p in PAIRS])
def test_diff_matches_a_plain_reading(pair: tuple[str, str]) -> None:
    old_path, new_path = (EXAMPLES / p for p in pair)
    _, old = read(old_path)
    new_issued, new = read(new_path)
    d = diff_plans(single_plan(str(old_path)), single_plan(str(new_path)))

    assert {e.practice for e in d.added} == set(new) - set(old)
    assert {e.practice for e in d.removed} == set(old) - set(new)
    both = set(old) & set(new)
    want_status = {
        n: (old[n]["status"], new[n]["status"])
        for n in both
        if old[n]["status"] != new[n]["status"]
    }
    got_status = {c.practice: (c.old.status, c.new.status) for c in d.status_changes}
    assert got_status == want_status and want_status, "the examples move statuses"
    fields = {
        "measures": "measures",
        "reason": "reason",
        "authority": "authority",
        "target": "target date",
    }
    want_fields = {
        (n, label) for n in both for key, label in fields.items() if old[n][key] != new[n][key]
    }
    got_fields = {(c.practice, f.field) for c in d.changed for f in c.fields}
    assert got_fields == want_fields
    assert set(d.newly_adopted) == {
        n
        for n in new
        if new[n]["status"] == "Adopted" and old.get(n, {}).get("status") != "Adopted"
    }
    overdue = {
        n
        for n in new
        if new[n]["status"] != "Adopted"
        and any(
            t is not None and t <= new_issued  # type: ignore[operator]
            for t in (old.get(n, {}).get("target"), new[n]["target"])
        )
    }
    assert {o.practice for o in d.overdue} == overdue
    backward = {c.practice for c in d.changed if c.direction == "backward"}
    rank = {"NotPlanned": 0, "UnderAssessment": 1, "Planned": 2, "Adopted": 3}
    assert backward == {n for n, (a, b) in want_status.items() if rank[b] < rank[a]}


def test_bel_revision_shows_each_kind_of_movement() -> None:
    d = diff_plans(
        single_plan(str(EXAMPLES / "bel-2024.ttl")), single_plan(str(EXAMPLES / "bel-2025.ttl"))
    )
    c = d.counts()
    assert c["forward"] and c["backward"] and c["newlyAdopted"] and c["overdue"]
    assert {o.practice for o in d.overdue} >= {"I.5"}  # target 2025-05-01, still planned


@given(
    st.lists(st.sampled_from(["a", "b", "c", "dd"]), max_size=12),
    st.lists(st.sampled_from(["a", "b", "c", "e"]), max_size=12),
)
def test_word_diff_rebuilds_both_texts(old: list[str], new: list[str]) -> None:
    ops = word_diff(" ".join(old), " ".join(new))
    assert " ".join(t for op, t in ops if op != "+").split() == old
    assert " ".join(t for op, t in ops if op != "-").split() == new


def run(*args: str) -> object:
    return CliRunner().invoke(cli, ["plan", "diff", *args], catch_exceptions=False)


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "html"])
def test_every_format_exits_0(fmt: str, tmp_path: Path) -> None:
    out = tmp_path / f"diff.{fmt}"
    result = run(
        str(EXAMPLES / "bel-2024.ttl"), str(EXAMPLES / "bel-2025.ttl"), "-f", fmt, "-o", str(out)
    )
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    text = out.read_text(encoding="utf-8")
    if fmt == "json":
        data = json.loads(text)
        assert data["summary"]["backward"] == 2 and data["new"]["wasRevisionOf"]
        added = [
            w["text"]
            for c in data["changed"]
            for f in c["fields"]
            for w in f["words"]
            if w["op"] == "+"
        ]
        assert any("port of Ghent" in t for t in added)
    elif fmt == "html":
        assert text.startswith("<!DOCTYPE html>") and "<ins>" in text and "<del>" in text
        assert "<script" not in text and "<link" not in text and " src=" not in text
    elif fmt == "markdown":
        assert "| practice | old | new | direction |" in text and "~~" in text
    else:
        assert "[-" in text and "{+" in text and "backward" in text
    assert not list(tmp_path.glob(".*.tmp"))


def test_identical_plans_exit_0_with_no_change() -> None:
    path = str(EXAMPLES / "fra-2024.ttl")
    result = run(path, path)
    assert result.exit_code == 0 and "No change in the entries." in result.output  # type: ignore[attr-defined]


def test_diff_across_states_is_refused_with_exit_2() -> None:
    result = CliRunner().invoke(
        cli, ["plan", "diff", str(EXAMPLES / "bel-2024.ttl"), str(EXAMPLES / "nld-2025.ttl")]
    )
    assert result.exit_code == 2
    assert "one state's plan" in result.output and "BEL" in result.output and "NLD" in result.output
    assert "Traceback" not in result.output


def test_reversed_order_is_noted(tmp_path: Path) -> None:
    d = diff_plans(
        single_plan(str(EXAMPLES / "nld-2025.ttl")), single_plan(str(EXAMPLES / "nld-2024.ttl"))
    )
    assert d.notes and "before OLD" in d.notes[0]
    assert all(c.direction == "backward" for c in d.status_changes)


def test_file_without_a_plan_or_unreadable_exits_2(tmp_path: Path) -> None:
    empty = tmp_path / "empty.ttl"
    empty.write_text("<urn:a> <urn:b> <urn:c> .\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["plan", "diff", str(empty), str(EXAMPLES / "nld-2024.ttl")])
    assert result.exit_code == 2 and "exactly one action plan" in result.output
    bad = tmp_path / "bad.ttl"
    bad.write_text("<urn:a> <urn:b> .\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["plan", "diff", str(EXAMPLES / "nld-2024.ttl"), str(bad)])
    assert result.exit_code == 2 and "bad.ttl:1" in result.output


def test_json_ld_old_plan_reads_the_same(tmp_path: Path) -> None:
    """JSON-LD takes the rdflib path of the reader; the diff must not change."""
    old = tmp_path / "nld-2024.jsonld"
    old.write_text(
        Graph().parse(EXAMPLES / "nld-2024.ttl").serialize(format="json-ld"), encoding="utf-8"
    )
    new = str(EXAMPLES / "nld-2025.ttl")
    a = diff_plans(single_plan(str(old)), single_plan(new)).as_json()
    b = diff_plans(single_plan(str(EXAMPLES / "nld-2024.ttl")), single_plan(new)).as_json()
    a.pop("old"), b.pop("old")  # type: ignore[func-returns-value]
    assert a == b


def test_hostile_xml_is_refused(tmp_path: Path) -> None:
    evil = tmp_path / "evil.rdf"
    evil.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
        'rdf:about="urn:x"><rdf:value>&e;</rdf:value></rdf:Description></rdf:RDF>\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["plan", "diff", str(evil), str(EXAMPLES / "nld-2024.ttl")])
    assert result.exit_code == 2 and "evil.rdf" in result.output and "root:" not in result.output
