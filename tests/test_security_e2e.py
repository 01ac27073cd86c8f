"""Issue #8 end to end, through the CLI: embedded rules stay inert, time limits, the network
backstop in ``validate`` and ``query``, and clear errors for odd inputs.

Each test also shows, where it can, that the naive code path (plain pySHACL, plain rdflib)
does the harmful thing, so that the test would fail if the project took that path.
"""

from __future__ import annotations

import contextlib
import json
import socket
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from rdflib import Graph, URIRef

from drugpolicy_kg.cli import cli

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "plans"
E2E = ROOT / "tests" / "fixtures" / "hostile" / "e2e"
CLEAN = EXAMPLES / "nld-2024.ttl"
EMBEDDED_SHAPE = "https://w3id.org/drugpolicy-kg/shapes#EmbeddedRulesIgnored"


# --------------------------------------------------------------------------- helpers


class NetworkSpy:
    """Records every attempt to resolve or connect, and refuses it."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def install(self, monkeypatch: pytest.MonkeyPatch) -> NetworkSpy:
        def connect(sock: socket.socket, address: object) -> None:
            self.calls.append(f"connect {address!r}")
            raise OSError("spy: connect refused")

        def getaddrinfo(host: object, *args: Any, **kwargs: Any) -> Any:
            self.calls.append(f"getaddrinfo {host!r}")
            raise OSError("spy: getaddrinfo refused")

        monkeypatch.setattr(socket.socket, "connect", connect)
        monkeypatch.setattr(socket.socket, "connect_ex", connect)
        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
        monkeypatch.setattr(
            socket, "create_connection", lambda address, *a, **k: connect(None, address)
        )  # type: ignore[arg-type]
        return self


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> NetworkSpy:
    return NetworkSpy().install(monkeypatch)


def invoke(*args: str, input: str | bytes | None = None) -> Result:
    result = CliRunner().invoke(cli, list(args), input=input)
    # never a traceback, never an unexpected exception
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    return result


def hostile_plan(tmp_path: Path) -> Path:
    """The clean example plan plus embedded shapes, rules, imports and shapesGraph."""
    path = tmp_path / "nld-with-rules.ttl"
    path.write_text(
        CLEAN.read_text(encoding="utf-8")
        + "\n"
        + (E2E / "embedded-extra.ttl").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    return path


def without_embedded(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in results if r["shape"] != EMBEDDED_SHAPE]


# --------------------------------------------------------------------------- 1. embedded rules


def test_embedded_rules_are_never_run_or_followed(tmp_path: Path, spy: NetworkSpy) -> None:
    hostile = hostile_plan(tmp_path)
    clean = invoke("validate", "--format", "json", str(CLEAN))
    dirty = invoke("validate", "--format", "json", str(hostile))
    assert clean.exit_code == dirty.exit_code == 0, dirty.output
    clean_report, dirty_report = json.loads(clean.output), json.loads(dirty.output)
    assert dirty_report["conforms"] is clean_report["conforms"] is True
    # the verdict and every result are those of the plan without the embedded triples
    assert without_embedded(dirty_report["results"]) == clean_report["results"]
    assert "EMBEDDED SPARQL CONSTRAINT RAN" not in dirty.output
    assert spy.calls == []
    # ... and the submitter is told they were ignored: one Warning naming each of them
    [warning] = [r for r in dirty_report["results"] if r["shape"] == EMBEDDED_SHAPE]
    assert warning["severity"] == "Warning"
    for what in ("sh:sparql", "sh:rule", "owl:imports", "sh:shapesGraph", "ignored"):
        assert what in warning["message"]


def test_embedded_warning_in_every_format_and_strict(tmp_path: Path) -> None:
    hostile = str(hostile_plan(tmp_path))
    text = invoke("validate", hostile)
    assert text.exit_code == 0 and "they were ignored" in text.output
    turtle = invoke("validate", "-f", "turtle", hostile)
    graph = Graph().parse(data=turtle.output, format="turtle")
    assert (None, None, URIRef(EMBEDDED_SHAPE)) in graph
    assert "they were ignored" in invoke("validate", "-f", "html", hostile).output
    # a Warning: --strict gates stop on it, the default verdict does not change
    assert invoke("validate", "--strict", hostile).exit_code == 1
    assert invoke("validate", "--strict", str(CLEAN)).exit_code == 0


def test_naive_pyshacl_runs_the_embedded_shape_and_rules(tmp_path: Path) -> None:
    """The naive path: pySHACL with the plan as its own shapes graph obeys the plan."""
    import pyshacl

    from drugpolicy_kg.rdfio import load_untrusted, union_graph
    from drugpolicy_kg.validation import validate_graph

    plan = union_graph(load_untrusted(hostile_plan(tmp_path)))
    conforms, _report, text = pyshacl.validate(plan)  # (a): no shapes graph given
    assert conforms is False and "EMBEDDED SPARQL CONSTRAINT RAN" in text
    mutated = union_graph(load_untrusted(hostile_plan(tmp_path)))
    pyshacl.validate(mutated, advanced=True, inplace=True)  # (b): SHACL-AF rules run
    assert validate_graph(mutated, "mutated").conforms is False  # now two addressees
    assert validate_graph(plan, "plan").conforms is True  # the project's path


def test_naive_owl_imports_would_fetch(tmp_path: Path, spy: NetworkSpy) -> None:
    """(c) pySHACL's ``do_owl_imports`` follows ``owl:imports``: the spy sees it try."""
    import pyshacl

    from drugpolicy_kg.rdfio import load_untrusted, union_graph

    plan = union_graph(load_untrusted(hostile_plan(tmp_path)))
    with contextlib.suppress(Exception):
        pyshacl.validate(plan, shacl_graph=plan, ont_graph=plan, do_owl_imports=True)
    assert spy.calls, "the naive path should have tried the network"


# --------------------------------------------------------------------------- 2. time limits


def _hang(*_args: object, **_kwargs: object) -> None:
    time.sleep(60)


def test_validation_that_hangs_is_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the limit this test would hang for a minute and fail; with it, exit 2."""
    from drugpolicy_kg.validation import engine

    monkeypatch.setattr(engine, "validate_graph", _hang)
    result = invoke("validate", "--timeout", "0.5", str(CLEAN))
    assert result.exit_code == 2
    assert f"validation of {CLEAN} timed out after 0.5 s" in result.output
    assert "--timeout" in result.output


def test_tiny_timeout_on_a_real_plan() -> None:
    result = invoke("validate", "--timeout", "0.001", str(EXAMPLES / "bel-2024.ttl"))
    assert result.exit_code == 2
    assert "bel-2024.ttl timed out" in result.output


def test_timeout_in_worker_processes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from drugpolicy_kg.validation import engine

    monkeypatch.setattr(engine, "validate_graph", _hang)
    files = [str(EXAMPLES / "fra-2024.ttl")] * 2
    result = invoke("validate", "--workers", "2", "--timeout", "0.5", *files)
    assert result.exit_code == 2 and "fra-2024.ttl timed out" in result.output


def test_timeout_zero_runs_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    from drugpolicy_kg.limits import TimeLimit

    def forbidden(*_a: object, **_k: object) -> None:
        raise AssertionError("--timeout 0 must not fork")

    monkeypatch.setattr(TimeLimit, "run", forbidden)
    assert invoke("validate", "--timeout", "0", str(CLEAN)).exit_code == 0


def test_default_timeout_keeps_results_and_stdin() -> None:
    """The forked child gets the plan read from stdin, and its report comes back whole."""
    text = CLEAN.read_text(encoding="utf-8")
    forked = invoke("validate", "-f", "json", "-", input=text)
    inline = invoke("validate", "-f", "json", "--timeout", "0", "-", input=text)
    assert forked.exit_code == inline.exit_code == 0
    assert forked.output == inline.output


# --------------------------------------------------------------------------- 5. network backstop


def test_validate_refuses_a_remote_context_without_touching_the_network(
    spy: NetworkSpy,
) -> None:
    path = E2E / "remote-context.jsonld"
    result = invoke("validate", str(path))
    assert result.exit_code == 2
    assert str(path) in result.output and "http://unknown.example/context.jsonld" in result.output
    assert spy.calls == []


def test_validate_backstop_blocks_when_the_loader_check_is_bypassed(
    monkeypatch: pytest.MonkeyPatch, spy: NetworkSpy
) -> None:
    """Defence in depth: with the context check disabled, rdflib does try to fetch the
    context, and the audit-hook guard stops it before any socket is used."""
    from drugpolicy_kg import rdfio

    monkeypatch.setattr(rdfio, "_inline_contexts", lambda document, label: None)
    path = E2E / "remote-context.jsonld"
    result = invoke("validate", str(path))
    assert result.exit_code == 2
    assert "NETWORK BLOCKED" in result.output and str(path) in result.output
    assert spy.calls == []


def test_naive_jsonld_parse_fetches_the_context(spy: NetworkSpy) -> None:
    """The naive path: rdflib alone goes to the network for the context."""
    with contextlib.suppress(Exception):
        Graph().parse(E2E / "remote-context.jsonld", format="json-ld")
    assert spy.calls


def test_query_refuses_service_without_touching_the_network(spy: NetworkSpy) -> None:
    query = E2E / "service.rq"
    for engine in ("oxigraph", "rdflib"):
        result = invoke("query", str(query), "--engine", engine, "--no-cache")
        assert result.exit_code == 2, result.output
        assert "SERVICE" in result.output and f"{query}:2:" in result.output
    assert spy.calls == []


def test_query_backstop_blocks_when_the_safety_check_is_bypassed(
    monkeypatch: pytest.MonkeyPatch, spy: NetworkSpy
) -> None:
    from drugpolicy_kg import catalogue, sparql_safety

    monkeypatch.setattr(sparql_safety, "check_local", lambda *a, **k: None)
    monkeypatch.setattr(catalogue, "check_local", lambda *a, **k: None, raising=False)
    result = invoke("query", str(E2E / "service.rq"), "--engine", "rdflib", "--no-cache")
    assert result.exit_code == 2, result.output
    assert "NETWORK BLOCKED" in result.output
    assert spy.calls == []


# --------------------------------------------------------------------------- 6. odd inputs


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("bom.ttl", b"\xef\xbb\xbf" + CLEAN.read_bytes(), 0),  # accepted, BOM stripped
        ("nul.ttl", b"@prefix : <urn:x#> .\n:a :b \x00 .\n", 2),
        ("latin1.ttl", '<urn:a> <urn:b> "caf\u00e9" .\n'.encode("latin-1"), 2),
        ("empty.ttl", b"", 2),
        ("blank.ttl", b" \n\t\n", 2),
        ("empty.jsonld", b"", 2),
        ("plan.txt", CLEAN.read_bytes(), 0),  # wrong extension, Turtle content: read
        ("notes.txt", b"Dear colleagues, please find our plan attached.\n", 2),
        ("plan.pdf", b"%PDF-1.7\n...", 2),
        ("utf16.ttl", "<urn:a> <urn:b> <urn:c> .".encode("utf-16"), 2),
    ],
)
def test_odd_files_through_the_cli(
    tmp_path: Path, name: str, content: bytes, expected: int
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = invoke("validate", str(path))
    assert result.exit_code == expected, result.output
    assert str(path) in result.output


def test_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.ttl"
    result = invoke("validate", str(missing))
    assert result.exit_code == 2 and str(missing) in result.output


def test_folder_without_rdf_files_is_named(tmp_path: Path) -> None:
    (tmp_path / "readme.md").write_text("no plans here\n")
    result = invoke("validate", str(tmp_path))
    assert result.exit_code == 2
    assert str(tmp_path) in result.output and "no RDF files" in result.output


def test_directory_given_as_a_file_path_inside(tmp_path: Path) -> None:
    folder = tmp_path / "plans.ttl"  # a folder that looks like a file
    folder.mkdir()
    (folder / "nld.ttl").write_bytes(CLEAN.read_bytes())
    assert invoke("validate", str(folder)).exit_code == 0


@pytest.mark.parametrize(
    ("content", "expected", "named"),
    [
        (CLEAN.read_bytes(), 0, "-"),
        (b"@prefix : <urn:x#> .\n:a :b", 2, "<stdin>"),
        (b"", 2, "<stdin>"),
        (b"\xff\xfe<\x00", 2, "<stdin>"),
    ],
)
def test_stdin(content: bytes, expected: int, named: str) -> None:
    result = invoke("validate", "-", input=content)
    assert result.exit_code == expected, result.output
    assert named in result.output


def test_ill_typed_literal_prints_no_traceback(tmp_path: Path) -> None:
    """rdflib logs a traceback for "2024-0-528"^^xsd:date; the CLI must not show it (found
    by fuzzing). A subprocess, because logging's handler outlives CliRunner's streams."""
    import subprocess
    import sys

    plan = tmp_path / "bad-date.ttl"
    plan.write_text(
        CLEAN.read_text(encoding="utf-8").replace('"2024-05-30"', '"2024-0-528"'), encoding="utf-8"
    )
    done = subprocess.run(
        [sys.executable, "-m", "drugpolicy_kg", "validate", str(plan)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    # issue 12: an ill-typed date is one Violation naming the value (exit 1), not a warning
    assert done.returncode == 1, done.stderr
    assert "'2024-0-528' is not valid" in done.stdout
    assert "Traceback" not in done.stderr + done.stdout


def test_blank_node_where_a_date_belongs_is_an_input_error(tmp_path: Path) -> None:
    """pySHACL raises on ``sh:lessThanOrEquals`` with a blank node (found by fuzzing)."""
    plan = tmp_path / "bnode-date.ttl"
    text = (EXAMPLES / "bel-2024.ttl").read_text(encoding="utf-8")
    plan.write_text(text.replace('dcterms:issued "', 'dcterms:issued [] ; dcterms:issued "'))
    result = invoke("validate", str(plan))
    assert result.exit_code == 2, result.output
    assert str(plan) in result.output and "cannot be validated" in result.output
