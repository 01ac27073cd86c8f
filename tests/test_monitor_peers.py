"""``peers``: the states to consult (Recital 12), against a plain reading of the examples."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph

from drugpolicy_kg import source
from drugpolicy_kg.cli import cli
from drugpolicy_kg.errors import InputError
from drugpolicy_kg.monitoring.peers import peers_report, recital_12_quote
from drugpolicy_kg.monitoring.revisions import load_plans, resolve_state
from drugpolicy_kg.vocab import DPO, PROV, RDF

ROOT = Path(__file__).parent.parent
EXAMPLES = ROOT / "examples" / "plans"


def current_statuses() -> dict[str, dict[str, tuple[str, str | None]]]:
    """state -> practice -> (status, measures) of its current example plan, by rdflib."""
    graphs = [Graph().parse(f) for f in sorted(EXAMPLES.glob("*.ttl"))]
    revised = {o for g in graphs for o in g.objects(None, PROV.wasRevisionOf)}
    out: dict[str, dict[str, tuple[str, str | None]]] = {}
    for g in graphs:
        for plan in g.subjects(RDF.type, DPO.ActionPlan):
            if plan in revised:
                continue
            state = str(g.value(plan, DPO.submittedBy)).rsplit("/", 1)[-1]
            for section in g.objects(plan, DPO.hasSection):
                for entry in g.objects(section, DPO.hasEntry):
                    notation = str(g.value(entry, DPO.practice)).rsplit("/", 1)[-1]
                    measures = g.value(entry, DPO.implementationMeasures)
                    out.setdefault(state, {})[notation] = (
                        str(g.value(entry, DPO.status)).rsplit("#", 1)[-1],
                        None if measures is None else str(measures),
                    )
    return out


@pytest.mark.parametrize("state", ["NLD", "BEL", "FRA"])
def test_peers_match_a_plain_reading(state: str) -> None:
    want_all = current_statuses()
    report = peers_report(load_plans([str(EXAMPLES)]), state)
    mine = want_all[state]
    assert {n.practice for n in report.needs} == {
        p for p, (s, _m) in mine.items() if s != "Adopted"
    }
    for need in report.needs:
        assert need.status == mine[need.practice][0]
        want = {
            other: m[need.practice][1]
            for other, m in want_all.items()
            if other != state and m.get(need.practice, ("", None))[0] == "Adopted"
        }
        assert {p.state: p.measures for p in need.peers} == want, need.practice
    assert report.plan.iri.endswith(("nld-2025", "bel-2025", "fra-2024"))


def test_consulted_state_is_marked() -> None:
    report = peers_report(load_plans([str(EXAMPLES)]), "BEL")
    i8 = next(n for n in report.needs if n.practice == "I.8")
    assert i8.status == "Planned" and [p.state for p in i8.peers if p.consulted] == ["FRA"]


def test_recital_12_is_quoted_verbatim() -> None:
    quote = recital_12_quote()
    recital = next(r for r in source.load().recitals if r.number == 12)
    assert quote in recital.text
    assert (
        "in consultation, where relevant, with Member States, that have already implemented them."
        in quote
    )


@pytest.mark.parametrize("typed", ["NLD", "nld", "NL", "Netherlands", " netherlands "])
def test_state_is_resolved_leniently(typed: str) -> None:
    assert resolve_state(typed) == "NLD"


def test_greece_by_its_eu_code_and_unknown_state() -> None:
    assert resolve_state("EL") == resolve_state("GR") == resolve_state("Greece") == "GRC"
    with pytest.raises(InputError, match=r"alpha-3 code.*alpha-2.*name"):
        resolve_state("Narnia")


def test_unknown_state_and_state_without_plan_exit_2() -> None:
    runner = CliRunner()
    unknown = runner.invoke(cli, ["peers", "--state", "Nederland", "--plans", str(EXAMPLES)])
    assert unknown.exit_code == 2 and "unknown state 'Nederland'" in unknown.output
    assert "Netherlands" in unknown.output  # the close match is suggested
    none = runner.invoke(cli, ["peers", "--state", "AT", "--plans", str(EXAMPLES)])
    assert none.exit_code == 2 and "no action plan of Austria (AUT)" in none.output
    assert "BEL, FRA, NLD" in none.output


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "xlsx"])
def test_formats(fmt: str, tmp_path: Path) -> None:
    out = tmp_path / f"peers.{fmt}"
    args = ["peers", "--state", "be", "--plans", str(EXAMPLES), "-f", fmt, "-o", str(out)]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    if fmt == "xlsx":
        from openpyxl import load_workbook

        book = load_workbook(out)
        rows = list(book["peers"].iter_rows(values_only=True))
        assert rows[0][:6] == ("practice", "title", "block", "status", "target date", "peer")
        assert ("I.8", "yes") in {(r[0], r[7]) for r in rows[1:]}
        assert "in consultation, where relevant" in str(book["about"]["A6"].value)
        again = tmp_path / "again.xlsx"
        CliRunner().invoke(cli, [*args[:-2], "-o", str(again)])
        assert again.read_bytes() == out.read_bytes()
        return
    text = out.read_text(encoding="utf-8")
    assert (
        "in consultation, where relevant, with Member States, that have already implemented them"
        in text
    )
    assert "I.8" in text and "France" in text
    if fmt == "html":
        assert text.startswith("<!DOCTYPE html>") and "<script" not in text and "<link" not in text


def test_xlsx_needs_an_output_file() -> None:
    result = CliRunner().invoke(
        cli, ["peers", "--state", "NLD", "--plans", str(EXAMPLES), "-f", "xlsx"]
    )
    assert result.exit_code == 2 and "-o FILE.xlsx" in result.output


def test_validate_with_plans_lists_the_peers_of_the_validated_plan(tmp_path: Path) -> None:
    """``validate FILE --plans DIR`` adds the peers report of FILE's state (issue 17: "in the
    validator report when plans are loaded"), in text and HTML; other formats stay as the
    contract says and a note says where the peers are."""
    examples = Path(__file__).parent.parent / "examples" / "plans"
    own = examples / "nld-2024.ttl"
    others = [str(examples / "bel-2024.ttl"), str(examples / "fra-2024.ttl")]
    want = peers_report(load_plans([str(own), *others]), "NLD")
    runner = CliRunner()
    args = ["validate", str(own), "--plans", others[0], "--plans", others[1]]
    text = runner.invoke(cli, args)
    assert text.exit_code == 0, text.output
    assert "Peers to consult for Netherlands" in text.stdout
    for need in want.needs:
        assert f"{need.practice} '{need.title}'" in text.stdout
        for peer in need.peers:
            assert f"{peer.state} {peer.name}" in text.stdout
    page = tmp_path / "r.html"
    html = runner.invoke(cli, [*args, "-f", "html", "-o", str(page)])
    assert html.exit_code == 0, html.output
    body = page.read_text(encoding="utf-8")
    assert body.count("<html") == 1 and "Peers to consult for Netherlands" in body
    json_run = runner.invoke(cli, [*args, "-f", "json"])
    assert json_run.exit_code == 0 and "Peers" not in json_run.stdout
    assert "peers are shown in the text and html reports" in json_run.stderr
