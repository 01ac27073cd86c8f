"""Issue #11, items 3, 5, 7 and 10: hostile files in a plan folder.

Every hostile file is made here: a FIFO, symbolic links out of the folder (to /etc/passwd,
to /dev/zero), a sparse file far above the size limit, 25,000 prefixes, 200,000 XML
attributes. Commands that could hang run in a subprocess with a timeout, so a regression
fails the test instead of hanging the suite.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from drugpolicy_kg import rdfio
from drugpolicy_kg.cli import cli
from drugpolicy_kg.errors import InputError, TimeLimitExceeded

SRC = str(Path(__file__).resolve().parents[1] / "src")
GOOD = (Path(__file__).resolve().parents[1] / "examples" / "plans" / "nld-2024.ttl").read_bytes()


def run_cli(*args: str, timeout: float = 120, env: dict[str, str] | None = None):
    """The CLI in a child process (a hang fails the test after ``timeout`` seconds)."""
    full_env = {**os.environ, "PYTHONPATH": SRC, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "drugpolicy_kg", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
    )


@pytest.fixture
def folder_with_fifo(tmp_path: Path) -> Path:
    plans = tmp_path / "plans"
    plans.mkdir()
    (plans / "nld.ttl").write_bytes(GOOD)
    os.mkfifo(plans / "x.ttl")
    return plans


@pytest.mark.parametrize(
    "args",
    [
        ["query", "adoption-matrix", "--plans", "{dir}"],
        ["query", "adoption-matrix", "--plans", "{dir}", "--no-cache"],
        ["query", "adoption-matrix", "--plans", "{dir}", "--engine", "rdflib"],
        ["graph", "rank", "--plans", "{dir}"],
    ],
)
def test_a_fifo_in_a_plan_folder_is_refused_not_waited_on(
    folder_with_fifo: Path, tmp_path: Path, args: list[str]
) -> None:
    argv = [a.replace("{dir}", str(folder_with_fifo)) for a in args]
    proc = run_cli(*argv, env={"DRUGPOLICY_KG_CACHE": str(tmp_path / "cache")})
    assert proc.returncode == 2, proc.stderr
    assert "named pipe (FIFO)" in proc.stderr and "x.ttl" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_fifo_named_directly_is_refused(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "plan.ttl")
    with pytest.raises(InputError, match="FIFO"):
        rdfio.load_untrusted(tmp_path / "plan.ttl")
    os.mkfifo(tmp_path / "q.rq")
    proc = run_cli("query", str(tmp_path / "q.rq"))
    assert proc.returncode == 2 and "FIFO" in proc.stderr
    for argv in (
        ["plan", "export", str(tmp_path / "plan.ttl"), "-o", str(tmp_path / "out.csv")],
        ["qc", "--kg", str(tmp_path / "plan.ttl")],
        ["validate", str(tmp_path / "plan.ttl")],
    ):
        proc = run_cli(*argv)
        assert proc.returncode == 2 and "FIFO" in proc.stderr, (argv, proc.stderr)


def test_devices_are_refused_before_reading() -> None:
    for device in ("/dev/zero", "/dev/null"):
        with pytest.raises(InputError, match="character device"):
            rdfio.read_bounded(device)


def test_symlink_out_of_the_folder_is_not_followed_and_nothing_leaks(tmp_path: Path) -> None:
    plans = tmp_path / "plans"
    plans.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRETTOKEN is here\n", encoding="utf-8")
    (plans / "x.ttl").symlink_to(secret)
    with pytest.raises(InputError, match="leads out of the folder") as err:
        rdfio.load_many([plans])
    assert "TOPSECRET" not in str(err.value)
    proc = run_cli("query", "adoption-matrix", "--plans", str(plans), "--no-cache")
    assert proc.returncode == 2 and "leads out of the folder" in proc.stderr
    assert "TOPSECRET" not in proc.stderr + proc.stdout


def test_symlink_to_dev_zero_does_not_grow_memory(tmp_path: Path) -> None:
    plans = tmp_path / "plans"
    plans.mkdir()
    (plans / "x.ttl").symlink_to("/dev/zero")
    proc = run_cli(
        "query",
        "adoption-matrix",
        "--plans",
        str(plans),
        env={"DRUGPOLICY_KG_CACHE": str(tmp_path / "cache")},
        timeout=60,
    )
    assert proc.returncode == 2, proc.stderr
    assert "leads out of the folder" in proc.stderr


def test_symlink_inside_the_folder_is_read(tmp_path: Path) -> None:
    plans = tmp_path / "plans"
    (plans / "real").mkdir(parents=True)
    (plans / "real" / "nld.ttl").write_bytes(GOOD)
    (plans / "link.ttl").symlink_to(plans / "real" / "nld.ttl")
    assert len(rdfio.load_many([plans])) == 2


def test_a_sparse_file_above_the_limit_is_refused_by_its_size(tmp_path: Path) -> None:
    plans = tmp_path / "plans"
    plans.mkdir()
    big = plans / "big.ttl"
    with big.open("wb") as fh:
        fh.truncate(2 * 1024**3)  # 2 GB, no disk used
    with pytest.raises(InputError, match="larger than the limit"):
        rdfio.read_bounded(big)
    proc = run_cli(
        "query",
        "adoption-matrix",
        "--plans",
        str(plans),
        env={"DRUGPOLICY_KG_CACHE": str(tmp_path / "cache")},
    )
    assert proc.returncode == 2 and "larger than the limit" in proc.stderr


def test_read_bounded_reads_at_most_the_limit(tmp_path: Path) -> None:
    f = tmp_path / "x.ttl"
    f.write_bytes(b"a" * 1000)
    assert rdfio.read_bounded(f, max_bytes=1000) == b"a" * 1000
    with pytest.raises(InputError, match="larger than the limit of 999"):
        rdfio.read_bounded(f, max_bytes=999)


def test_validate_dir_reports_the_good_files_and_the_bad_files_error(tmp_path: Path) -> None:
    plans = tmp_path / "plans"
    plans.mkdir()
    (plans / "a-good.ttl").write_bytes(GOOD)
    os.mkfifo(plans / "b-fifo.ttl")
    (plans / "c-link.ttl").symlink_to("/etc/passwd")
    (plans / "d-good.ttl").write_bytes(GOOD)
    proc = run_cli("validate", str(plans))
    assert proc.returncode == 2, proc.stderr
    assert "a-good.ttl" in proc.stdout and "d-good.ttl" in proc.stdout
    assert "b-fifo.ttl" in proc.stderr and "FIFO" in proc.stderr
    assert "c-link.ttl" in proc.stderr and "leads out of the folder" in proc.stderr
    assert "root:" not in proc.stderr + proc.stdout


# --- item 5: quadratic parsing, and one time limit for reading --------------------------------


def test_many_prefixes_are_refused_fast() -> None:
    n = 25_000
    data = "".join(f"@prefix p{i}: <http://example.org/ns{i}#> .\n" for i in range(n))
    data += "<urn:a> <urn:b> <urn:c> .\n"
    with pytest.raises(InputError, match="prefix declarations exceed the limit"):
        rdfio.load_untrusted(data.encode(), name="p.ttl")
    store_file_error = None
    import pyoxigraph as ox

    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"dpkg-prefixes-{os.getpid()}.ttl"
    path.write_text(data, encoding="utf-8")
    try:
        rdfio.load_untrusted_into_store([path], ox.Store())
    except InputError as exc:
        store_file_error = str(exc)
    finally:
        path.unlink()
    assert store_file_error and "prefix declarations" in store_file_error


def test_many_xml_attributes_are_refused_before_pyoxigraph() -> None:
    attrs = " ".join(f'a:p{i}="v"' for i in range(200_000))
    doc = (
        '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        f' xmlns:a="urn:x#"><rdf:Description rdf:about="urn:a" {attrs}/></rdf:RDF>'
    )
    with pytest.raises(InputError, match="more than 1,000 attributes") as err:
        rdfio.load_untrusted(doc.encode(), name="a.rdf")
    assert err.value.line == 2


def test_many_namespace_declarations_are_refused() -> None:
    decls = "".join(f'<x:e{i} xmlns:n{i}="urn:n{i}#"/>' for i in range(1500))
    doc = (
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:x="urn:x#">'
        f"{decls}</rdf:RDF>"
    )
    with pytest.raises(InputError, match="namespace declarations"):
        rdfio.load_untrusted(doc.encode(), name="a.rdf")


def test_reading_untrusted_input_has_one_shared_time_limit(monkeypatch, tmp_path: Path) -> None:
    """A parser that never returns is stopped by the input time limit."""
    monkeypatch.setenv("DRUGPOLICY_KG_INPUT_TIMEOUT", "1")
    import time

    def stuck(*_a, **_k):
        time.sleep(60)

    monkeypatch.setattr(rdfio, "_parse", stuck)
    f = tmp_path / "p.ttl"
    f.write_bytes(GOOD)
    with pytest.raises(TimeLimitExceeded, match="DRUGPOLICY_KG_INPUT_TIMEOUT"):
        rdfio.load_untrusted(f)
    with pytest.raises(TimeLimitExceeded):
        rdfio.load_many([f])
    monkeypatch.setattr(rdfio, "_store_quads", stuck)
    import pyoxigraph as ox

    with pytest.raises(TimeLimitExceeded):
        rdfio.load_untrusted_into_store([f], ox.Store())


def test_loading_through_the_child_keeps_every_quad_and_prefix(tmp_path: Path) -> None:
    trig = (
        b"@prefix ex: <http://example.org/> .\n"
        b"ex:a ex:p [ ex:q 1 ] .\n"
        b'ex:g { ex:b ex:p "x"@en , "2024-01-01"^^<http://www.w3.org/2001/XMLSchema#date> }\n'
    )
    f = tmp_path / "p.trig"
    f.write_bytes(trig)
    ds = rdfio.load_untrusted(f)
    assert len(list(ds.quads((None, None, None, None)))) == 4
    assert ("ex", "http://example.org/") in {(p, str(n)) for p, n in ds.namespaces()}
    import pyoxigraph as ox

    store = ox.Store()
    [(_name, graph, count)] = rdfio.load_untrusted_into_store([f], store)
    assert count == 4 and len(store) == 4 and isinstance(graph, ox.NamedNode)


def test_qc_kg_with_bad_utf8_is_exit_2(runner, tmp_path: Path) -> None:
    bad = tmp_path / "kg.ttl"
    bad.write_bytes(b'<urn:a> <urn:b> "caf\xe9" .\n')
    result = runner.invoke(cli, ["qc", "--kg", str(bad)])
    assert result.exit_code == 2, result.output
    assert "not valid UTF-8" in result.output and "kg.ttl:1" in result.output


def test_stdin_reaches_the_time_limited_reader(monkeypatch) -> None:
    """The child that reads under the input time limit has /dev/null as stdin: the parent
    reads standard input first and the child uses those bytes."""
    import io

    import pyoxigraph as ox

    for load in (
        lambda: len(rdfio.load_untrusted("-")),
        lambda: len(rdfio.load_many(["-"])[0][1]),
        lambda: rdfio.load_untrusted_into_store(["-"], ox.Store())[0][2],
    ):
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(GOOD)))
        assert load() > 10


def test_terms_pyoxigraph_refuses_still_cross_from_the_reader_child() -> None:
    """rdflib's JSON-LD parser accepts an IRI such as ``a[b``; the child hands such a
    dataset back as rdflib quads instead of N-Quads."""
    doc = b'{"@id": "http://example.org/a[b", "http://example.org/p": "v"}'
    ds = rdfio.load_untrusted(doc, name="odd.jsonld")
    assert {str(s) for s, _, _, _ in ds.quads((None, None, None, None))} == {
        "http://example.org/a[b"
    }
