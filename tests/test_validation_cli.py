"""``drugpolicy-kg validate`` in-process: exit codes, formats, -o, --strict, --deadline."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import SH

from drugpolicy_kg.cli import cli

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "plans"
FIXTURES = ROOT / "tests" / "fixtures" / "plans"


def run(runner: CliRunner, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(cli, ["validate", *args], catch_exceptions=False)


def test_examples_folder_exits_0_with_summary(runner: CliRunner) -> None:
    result = run(runner, str(EXAMPLES))
    assert result.exit_code == 0, result.output
    assert "5 files, 0 with violations" in result.output
    assert "assumed" in result.output  # the deadline assumption is stated


def test_violation_exits_1_and_text_is_grouped_by_block(runner: CliRunner) -> None:
    result = run(runner, str(FIXTURES / "adopted-without-measures.ttl"))
    assert result.exit_code == 1
    assert "Block I\n" in result.output
    assert "VIOLATION" in result.output and "I.1 'Offensive" in result.output
    assert "\x1b[" not in result.output  # no colours when not a terminal


def test_warning_exits_0_unless_strict(runner: CliRunner) -> None:
    late = str(FIXTURES / "late-submission.ttl")
    assert run(runner, late).exit_code == 0
    assert run(runner, "--strict", late).exit_code == 1
    assert run(runner, "--deadline", "2024-12-31", "--strict", late).exit_code == 0


def test_json_single_file_matches_contract(runner: CliRunner) -> None:
    result = run(runner, "--format", "json", str(FIXTURES / "not-addressee.ttl"))
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert set(data) == {"conforms", "results"} and data["conforms"] is False
    violation = next(r for r in data["results"] if r["severity"] == "Violation")
    assert {"severity", "focusNode", "path", "message", "shape"} <= set(violation)
    assert violation["focusNode"] == "https://example.org/fixture/plan"
    assert violation["shape"] == "https://w3id.org/drugpolicy-kg/shapes#AddresseeShape"
    assert violation["path"] == "<https://w3id.org/drugpolicy-kg/ontology#submittedBy>"


def test_json_several_files_is_a_list_with_file(runner: CliRunner) -> None:
    result = run(
        runner, "-f", "json", str(EXAMPLES / "nld-2024.ttl"), str(FIXTURES / "no-status.ttl")
    )
    data = json.loads(result.output)
    assert isinstance(data, list) and [d["conforms"] for d in data] == [True, False]
    assert data[1]["file"].endswith("no-status.ttl")
    assert result.exit_code == 1


def test_turtle_is_a_shacl_validation_report(runner: CliRunner) -> None:
    result = run(runner, "-f", "turtle", str(FIXTURES / "no-status.ttl"))
    graph = Graph().parse(data=result.output, format="turtle")
    reports = list(graph.subjects(None, SH.ValidationReport))
    assert len(reports) == 1
    assert any("IV.6 'Port ban" in str(m) for m in graph.objects(None, SH.resultMessage))


def test_html_is_standalone_and_written_atomically(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = run(
        runner,
        "-f",
        "html",
        "-o",
        str(out),
        str(EXAMPLES),
        str(FIXTURES / "duplicate-practice.ttl"),
    )
    assert result.exit_code == 1
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page
    assert (
        "http-equiv" not in page
        and "<link" not in page
        and "<script" not in page
        and " src=" not in page
    )
    assert "III.2" in page and not list(tmp_path.glob(".*.tmp"))


def test_syntax_error_exits_2_naming_file_and_line(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text(
        "@prefix dpo: <https://w3id.org/drugpolicy-kg/ontology#> .\n\n<a> dpo:x <b .\n",
        encoding="utf-8",
    )
    result = runner.invoke(cli, ["validate", str(bad)])
    assert result.exit_code == 2
    assert "bad.ttl:3" in result.output
    assert "Traceback" not in result.output


def test_missing_file_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["validate", str(tmp_path / "nope.ttl")])
    assert result.exit_code == 2 and "nope.ttl" in result.output


def test_bad_deadline_exits_2(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["validate", "--deadline", "soon", str(EXAMPLES / "nld-2024.ttl")])
    assert result.exit_code == 2 and "--deadline" in result.output


def test_remote_jsonld_context_is_never_fetched(runner: CliRunner, tmp_path: Path) -> None:
    plan = tmp_path / "plan.jsonld"
    plan.write_text(
        '{"@context": "https://example.org/remote-context.jsonld", "@id": "x"}', encoding="utf-8"
    )
    result = runner.invoke(cli, ["validate", str(plan)])
    assert result.exit_code == 2  # refused by the loader, before any network access


def test_large_batch_uses_worker_processes(runner: CliRunner, tmp_path: Path) -> None:
    source = (EXAMPLES / "fra-2024.ttl").read_text(encoding="utf-8")
    for i in range(10):
        (tmp_path / f"plan-{i:02d}.ttl").write_text(source, encoding="utf-8")
    result = run(runner, "-f", "json", str(tmp_path))
    data = json.loads(result.output)
    assert result.exit_code == 0 and len(data) == 10 and all(d["conforms"] for d in data)


def test_help_has_examples(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["validate", "--help"])
    assert (
        "Examples:" in result.output and "drugpolicy-kg validate examples/plans/" in result.output
    )


def test_a_file_that_cannot_be_read_does_not_hide_the_others(tmp_path: Path) -> None:
    """CONTRACT: in `validate DIR` a file that cannot be read is that file's error (stderr,
    with its name); the other files are still validated and printed; the exit code is 2. On
    the in-process path (few files) and the worker path (--workers 2) alike."""
    good = (FIXTURES / "valid-minimal.ttl").read_text(encoding="utf-8")
    for name in ("a.ttl", "c.ttl", "e.ttl"):
        (tmp_path / name).write_text(good, encoding="utf-8")
    (tmp_path / "b.ttl").write_bytes(b"\x89PNG\r\n\x1a\n0000")
    (tmp_path / "d.ttl").write_text("this is not { turtle", encoding="utf-8")
    for extra in ([], ["--workers", "2"], ["--timeout", "0"]):
        result = CliRunner().invoke(cli, ["validate", "-f", "json", *extra, str(tmp_path)])
        assert result.exit_code == 2, (extra, result.output)
        data = json.loads(result.stdout)
        assert [Path(d["file"]).name for d in data] == ["a.ttl", "c.ttl", "e.ttl"]
        assert all(d["conforms"] for d in data)
        assert "b.ttl: this is a PNG image" in result.stderr
        assert "d.ttl:1:" in result.stderr and "Traceback" not in result.output
    one_good = tmp_path / "one-good"
    one_good.mkdir()
    (one_good / "a.ttl").write_text(good, encoding="utf-8")
    (one_good / "b.ttl").write_text("nope {", encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", "-f", "json", str(one_good)])
    assert result.exit_code == 2
    (only,) = json.loads(result.stdout)  # several files asked for: still a list, with "file"
    assert Path(only["file"]).name == "a.ttl"
    only_bad = tmp_path / "bad"
    only_bad.mkdir()
    (only_bad / "x.ttl").write_text("nope {", encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(only_bad)])
    assert result.exit_code == 2 and "x.ttl:1:" in result.output


def test_turtle_report_of_many_files_is_stable_and_equal_to_the_canonical_one(
    tmp_path: Path,
) -> None:
    """Labels come from each file's report (content, then its place), not from canonicalising
    the combined graph (minutes for ~40 look-alike reports): the same bytes under any hash
    seed, and the same graph as the canonical combination."""
    import os
    import subprocess
    import sys

    from rdflib.compare import isomorphic

    from drugpolicy_kg.serialize import canonical
    from drugpolicy_kg.validation.engine import validate_files
    from drugpolicy_kg.validation.render import render_turtle

    outputs = []
    for seed in ("1", "2"):
        out = tmp_path / f"r{seed}.ttl"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "drugpolicy_kg",
                "validate",
                "-f",
                "turtle",
                "-o",
                str(out),
                str(EXAMPLES),
                str(FIXTURES),
            ],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            check=False,
        )
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] and outputs[0]
    graph = Graph().parse(data=outputs[0].decode("utf-8"), format="turtle")
    files = {str(o) for o in graph.objects(None, URIRef("http://purl.org/dc/terms/source"))}
    assert len(files) == len(list(FIXTURES.glob("*.ttl")) + list(EXAMPLES.glob("*.ttl")))
    some = sorted(str(p) for p in FIXTURES.glob("*.ttl"))[:4]
    reports = validate_files(some)
    ours = Graph().parse(data=render_turtle(reports), format="turtle")
    combined = Graph()
    for report in validate_files(some):
        part = report.report_graph()
        for node in set(part.subjects(RDF.type, SH.ValidationReport)):
            part.set(
                (node, SH.conforms, Literal(not any(True for _ in part.objects(node, SH.result))))
            )
            part.add((node, URIRef("http://purl.org/dc/terms/source"), Literal(report.file)))
        for triple in part:
            combined.add(triple)
    # both through rdflib's Turtle writer (which writes "-5"^^xsd:decimal as -5.0)
    reference = Graph().parse(data=canonical(combined).serialize(format="turtle"), format="turtle")
    assert isomorphic(ours, reference)


def test_unreadable_files_are_named_in_the_order_given_whatever_the_workers(
    tmp_path: Path,
) -> None:
    """Errors come in the order of the files (not the order workers finish), and when no file
    can be read, every file's error is printed, not only the first."""
    good = (FIXTURES / "valid-minimal.ttl").read_text(encoding="utf-8")
    big_bad = "@prefix : <https://example.org/> .\n" + ":a :b :c .\n" * 20000 + "oops {\n"
    for i in range(12):
        (tmp_path / f"p{i:02d}.ttl").write_text(good, encoding="utf-8")
    (tmp_path / "p00.ttl").write_text(big_bad, encoding="utf-8")  # slow to fail
    (tmp_path / "p01.ttl").write_text("quick {", encoding="utf-8")  # fast to fail
    (tmp_path / "p07.ttl").write_bytes(b"\x89PNG\r\n\x1a\n0000")
    for extra in (["--workers", "2"], ["--workers", "1"], ["--timeout", "0"]):
        result = CliRunner().invoke(cli, ["validate", "-f", "json", *extra, str(tmp_path)])
        assert result.exit_code == 2
        named = [line.split(": ", 2)[2] for line in result.stderr.splitlines() if "error" in line]
        assert [Path(n.split(":")[0]).name for n in named] == ["p00.ttl", "p01.ttl", "p07.ttl"]
        assert len(json.loads(result.stdout)) == 9
    all_bad = tmp_path / "all-bad"
    all_bad.mkdir()
    for name in ("a.ttl", "b.ttl", "c.ttl"):
        (all_bad / name).write_text("nope {", encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(all_bad)])
    assert result.exit_code == 2
    for name in ("a.ttl", "b.ttl", "c.ttl"):
        assert f"{name}:1:" in result.output, result.output
