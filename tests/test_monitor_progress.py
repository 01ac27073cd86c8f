"""``progress`` equals the catalogue queries' answers, on both embedded engines (issue #17).

The same plans go to :func:`drugpolicy_kg.monitoring.progress.progress` (plain Python over the
parsed quads) and to ``progress-by-block`` / ``practice-adoption-over-time`` (SPARQL): the
example plans with their 2025 revisions, and an unseen synthetic corpus of four states over
three cycles in which one state skips a cycle and one plan names no evaluation cycle.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from drugpolicy_kg import catalogue, synth
from drugpolicy_kg.cli import cli
from drugpolicy_kg.engines import open_engine
from drugpolicy_kg.monitoring.progress import progress
from drugpolicy_kg.monitoring.revisions import load_plans

ROOT = Path(__file__).parent.parent
EXAMPLES = ROOT / "examples" / "plans"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("corpus")
    plans = synth.generate(
        synth.SynthConfig(seed=17, cycles=3, states=("NLD", "BEL", "FRA", "MLT"))
    )
    kept = [p for p in plans if not (p.state == "MLT" and p.cycle == 2)]  # MLT skips a cycle
    synth.write_corpus(kept, out)
    # One plan without dpo:evaluationCycle: its year of issue stands for the cycle.
    fra3 = out / "FRA-003.ttl"
    fra3.write_text(
        "\n".join(
            line
            for line in fra3.read_text(encoding="utf-8").splitlines()
            if "evaluationCycle" not in line
        )
        + "\n",
        encoding="utf-8",
    )
    return out


def _short(iri: object) -> str:
    return str(iri).rstrip("/").rsplit("/", 1)[-1]


@pytest.mark.parametrize("engine_name", ["oxigraph", "rdflib"])
@pytest.mark.parametrize("which", ["examples", "synthetic"])
def test_progress_equals_the_catalogue_queries(which: str, engine_name: str, corpus: Path) -> None:
    folder = EXAMPLES if which == "examples" else corpus
    result = progress(load_plans([str(folder)]))
    engine = open_engine(engine_name, plans=[str(folder)])

    by_block = catalogue.run_query("progress-by-block", engine=engine)
    got = {
        (b.state, b.plan, b.issued.isoformat(), b.cycle, b.block, b.practices, b.adopted, b.planned)
        for b in result.blocks
    }
    want = {
        (
            _short(r[0]),
            str(r[1]),
            str(r[2]),
            str(r[3]),
            _short(r[4]),
            int(r[5]),
            int(r[6]),
            int(r[7]),
        )  # type: ignore[arg-type]
        for r in by_block.rows
    }
    assert got == want and len(by_block.rows) == len(result.blocks)

    over_time = catalogue.run_query("practice-adoption-over-time", engine=engine)
    got_p = {(p.practice, p.cycle, p.adopted) for p in result.practices}
    want_p = {(str(r[0]), str(r[2]), int(r[3])) for r in over_time.rows}  # type: ignore[arg-type]
    assert got_p == want_p and len(over_time.rows) == len(result.practices)


def test_examples_show_progress_between_cycles() -> None:
    result = progress(load_plans([str(EXAMPLES)]))
    assert result.cycles == ["2024", "2025"]
    counts = {(p.practice, p.cycle): p.adopted for p in result.practices}
    assert counts[("IV.20", "2025")] == counts[("IV.20", "2024")] + 1  # NLD adopted it
    assert counts[("I.3", "2025")] == counts[("I.3", "2024")] + 1  # BEL adopted it
    # FRA did not revise: it keeps counting with its 2024 plan in 2025.
    fra = [p for p in result.practices if "FRA" in p.states]
    assert {p.cycle for p in fra} == {"2024", "2025"}


def test_synthetic_skipped_cycle_carries_forward(corpus: Path) -> None:
    result = progress(load_plans([str(corpus)]))
    assert result.cycles == ["2024", "2025", "2026"]
    mlt_2024 = {p.practice for p in result.practices if p.cycle == "2024" and "MLT" in p.states}
    mlt_2025 = {p.practice for p in result.practices if p.cycle == "2025" and "MLT" in p.states}
    assert mlt_2024 and mlt_2024 == mlt_2025  # no MLT plan in 2025: its 2024 answer stands


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "csv"])
def test_progress_command_tables(fmt: str) -> None:
    result = CliRunner().invoke(cli, ["progress", str(EXAMPLES), "-f", fmt], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    if fmt == "json":
        data = json.loads(result.output)
        nld = [b for b in data["blocks"] if b["state"] == "NLD" and b["block"] == "IV"]
        assert [(b["cycle"], b["adopted"], b["planned"]) for b in nld] == [
            ("2024", 17, 4),
            ("2025", 20, 1),
        ]
        iv20 = next(
            p for p in data["practices"] if p["practice"] == "IV.20" and p["cycle"] == "2025"
        )
        assert iv20["adopted"] == 2 and iv20["states"] == ["BEL", "NLD"]
    elif fmt == "csv":
        assert result.output.splitlines()[0].startswith("state,plan,issued,cycle,block,")
    else:
        assert "NLD" in result.output and "IV.20" in result.output


def test_progress_picture_as_svg(tmp_path: Path) -> None:
    out = tmp_path / "heatmap.svg"
    result = CliRunner().invoke(
        cli,
        ["progress", str(EXAMPLES), "--picture", "heatmap", "-o", str(out)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0 and out.read_text(encoding="utf-8").lstrip().startswith("<?xml")
    bad = CliRunner().invoke(
        cli, ["progress", str(EXAMPLES), "--picture", "heatmap", "-o", str(tmp_path / "x.gif")]
    )
    assert bad.exit_code == 2 and ".png or .svg" in bad.output


@pytest.mark.parametrize("picture", ["timeline", "heatmap"])
def test_progress_pictures_are_pngs(picture: str, tmp_path: Path, corpus: Path) -> None:
    out = tmp_path / f"{picture}.png"
    result = CliRunner().invoke(
        cli, ["progress", str(corpus), "--picture", picture, "-o", str(out)], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    again = tmp_path / f"{picture}-again.png"
    CliRunner().invoke(cli, ["progress", str(corpus), "--picture", picture, "-o", str(again)])
    assert again.read_bytes() == out.read_bytes()  # deterministic


def test_picture_needs_an_output_file() -> None:
    result = CliRunner().invoke(cli, ["progress", str(EXAMPLES), "--picture", "heatmap"])
    assert result.exit_code == 2 and "-o" in result.output


def test_no_plan_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "x.ttl").write_text("<urn:a> <urn:b> <urn:c> .\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["progress", str(tmp_path)])
    assert result.exit_code == 2 and "no action plan" in result.output


def test_undated_plan_is_left_out_with_a_note(tmp_path: Path) -> None:
    text = (EXAMPLES / "fra-2024.ttl").read_text(encoding="utf-8")
    (tmp_path / "fra.ttl").write_text(
        text.replace('dcterms:issued "2024-05-28"^^xsd:date ;', ""), encoding="utf-8"
    )
    (tmp_path / "nld.ttl").write_text(
        (EXAMPLES / "nld-2024.ttl").read_text(encoding="utf-8"), encoding="utf-8"
    )
    result = CliRunner().invoke(cli, ["progress", str(tmp_path), "-f", "json"])
    assert result.exit_code == 0
    assert "fra.ttl" in result.stderr and "left out" in result.stderr
    assert {b["state"] for b in json.loads(result.stdout)["blocks"]} == {"NLD"}
