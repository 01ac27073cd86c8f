"""Fuzzing parse -> validate (issue #8): mutated example plans, in Turtle, JSON-LD and RDF/XML.

The only allowed outcomes are a report or an :class:`InputError` naming the file (exit 0/1
or 2 through the CLI), never another exception, never a traceback. Bounded: a few hundred
examples, well under 30 s. A coverage-guided harness for atheris is in ``tests/fuzz/``.
"""

from __future__ import annotations

import re
import tempfile
from functools import lru_cache
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Graph

from drugpolicy_kg.cli import cli
from drugpolicy_kg.errors import InputError
from drugpolicy_kg.validation.engine import validate_file
from drugpolicy_kg.validation.report import PlanReport

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples" / "plans").glob("*.ttl"))
IRI = re.compile(rb"<[^<>\s]*>")


@lru_cache(maxsize=1)
def seeds() -> list[tuple[str, bytes]]:
    """(extension, bytes): each example plan as Turtle, JSON-LD and RDF/XML."""
    out = []
    for path in EXAMPLES:
        data = path.read_bytes()
        out.append((".ttl", data))
        graph = Graph().parse(data=data.decode("utf-8"), format="turtle")
        out.append((".jsonld", graph.serialize(format="json-ld").encode("utf-8")))
        out.append((".rdf", graph.serialize(format="xml").encode("utf-8")))
    return out


def _flip(data: bytes, at: int, value: int) -> bytes:
    at %= max(len(data), 1)
    return data[:at] + bytes([value]) + data[at + 1 :]


def _lines(data: bytes, at: int, duplicate: bool) -> bytes:
    lines = data.splitlines(keepends=True)
    if not lines:
        return data
    at %= len(lines)
    lines[at : at + 1] = [lines[at], lines[at]] if duplicate else []
    return b"".join(lines)


def _swap_iris(data: bytes, a: int, b: int) -> bytes:
    iris = IRI.findall(data)
    if len(iris) < 2:
        return data
    first, second = iris[a % len(iris)], iris[b % len(iris)]
    return (
        data.replace(first, b"\x00TMP\x00").replace(second, first).replace(b"\x00TMP\x00", second)
    )


def _literal(data: bytes, at: int, text: str) -> bytes:
    quotes = [m.start() for m in re.finditer(rb'"', data)]
    if not quotes:
        return data
    i = quotes[at % len(quotes)] + 1
    return data[:i] + text.encode("utf-8", "surrogatepass") + data[i:]


def _nest(ext: str, data: bytes, at: int, depth: int) -> bytes:
    at %= max(len(data), 1)
    if ext == ".jsonld":
        piece = b'{"@id": "_:n", "urn:p": ' * depth + b"1" + b"}" * depth
    elif ext == ".rdf":
        piece = b'<rdf:Description><p xmlns="urn:x#">' * depth + b"</p></rdf:Description>" * depth
    else:
        piece = b"<urn:s> <urn:p> " + b"[ <urn:p> " * depth + b"1" + b" ]" * depth + b" .\n"
    return data[:at] + piece + data[at:]


MUTATIONS = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 1 << 20), st.integers(0, 255)),
    st.tuples(st.just("truncate"), st.integers(0, 1 << 20)),
    st.tuples(st.just("dup"), st.integers(0, 1 << 12)),
    st.tuples(st.just("del"), st.integers(0, 1 << 12)),
    st.tuples(st.just("swap"), st.integers(0, 999), st.integers(0, 999)),
    st.tuples(st.just("literal"), st.integers(0, 999), st.text(max_size=40)),
    st.tuples(st.just("nest"), st.integers(0, 1 << 20), st.sampled_from([3, 50, 99, 101, 5000])),
)


def mutate(ext: str, data: bytes, steps: list[tuple[object, ...]]) -> bytes:
    for step in steps:
        kind, *args = step
        if kind == "flip":
            data = _flip(data, int(args[0]), int(args[1]))  # type: ignore[call-overload]
        elif kind == "truncate":
            data = data[: int(args[0]) % (len(data) + 1)]  # type: ignore[call-overload]
        elif kind in ("dup", "del"):
            data = _lines(data, int(args[0]), kind == "dup")  # type: ignore[call-overload]
        elif kind == "swap":
            data = _swap_iris(data, int(args[0]), int(args[1]))  # type: ignore[call-overload]
        elif kind == "literal":
            data = _literal(data, int(args[0]), str(args[1]))  # type: ignore[call-overload]
        else:
            data = _nest(ext, data, int(args[0]), int(args[1]))  # type: ignore[call-overload]
    return data


PLANS = st.tuples(
    st.integers(0, 8), st.lists(MUTATIONS, min_size=1, max_size=3), st.sampled_from(["", ".ttl"])
)
FUZZ = settings(
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def write(workdir: str, plan: tuple[int, list[tuple[object, ...]], str]) -> Path:
    index, steps, wrong = plan
    ext, data = seeds()[index]
    path = Path(workdir) / f"plan{ext}{wrong}"  # sometimes a misleading extension
    path.write_bytes(mutate(ext, data, steps))
    return path


@settings(FUZZ, max_examples=150)
@given(PLANS)
def test_library_gives_a_report_or_an_input_error(
    plan: tuple[int, list[tuple[object, ...]], str],
) -> None:
    with tempfile.TemporaryDirectory() as workdir:
        path = write(workdir, plan)
        try:
            report = validate_file(str(path))
        except InputError as exc:
            assert str(path) in str(exc), str(exc)
        else:
            assert isinstance(report, PlanReport) and report.file == str(path)


@settings(FUZZ, max_examples=40)
@given(PLANS, st.sampled_from(["text", "json", "turtle", "html"]))
def test_cli_exits_0_1_or_2_without_traceback(
    plan: tuple[int, list[tuple[object, ...]], str], fmt: str
) -> None:
    with tempfile.TemporaryDirectory() as workdir:
        path = write(workdir, plan)
        result = CliRunner().invoke(cli, ["validate", "--timeout", "0", "-f", fmt, str(path)])
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(
            result.exception
        )
        assert result.exit_code in (0, 1, 2), result.output
        assert "Traceback" not in result.output
        if result.exit_code == 2:
            assert str(path) in result.output, result.output


def test_mutations_reach_both_outcomes() -> None:
    """The fuzzer is not vacuous: some mutants still validate, some are refused."""
    with tempfile.TemporaryDirectory() as workdir:
        kept = write(workdir, (0, [("dup", 30)], ""))
        assert isinstance(validate_file(str(kept)), PlanReport)
        broken = write(workdir, (1, [("truncate", 100)], ""))
        try:
            validate_file(str(broken))
        except InputError:
            pass
        else:  # pragma: no cover
            raise AssertionError("a truncated JSON-LD plan should be refused")
