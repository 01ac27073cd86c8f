"""The compiled validation context is cached on disk, safely (issue 18, item 2)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from rdflib.compare import isomorphic

from drugpolicy_kg.validation import compiled


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DRUGPOLICY_KG_CACHE", str(tmp_path))
    monkeypatch.delenv("DRUGPOLICY_KG_NO_CACHE", raising=False)
    return tmp_path


def _same(a: compiled.Compiled, b: compiled.Compiled) -> None:
    assert a.deadline == b.deadline
    assert a.context.practices == b.context.practices
    assert a.context.blocks == b.context.blocks
    assert a.context.states == b.context.states
    assert a.context.addressees == b.context.addressees
    assert sorted(a.context.base_triples) == sorted(b.context.base_triples)
    assert a.context.state_triples == b.context.state_triples
    assert a.context.kg_subjects == b.context.kg_subjects
    assert isomorphic(a.shapes_graph(), b.shapes_graph())  # blank-node labels differ per parse
    assert a.prefixes == b.prefixes


def test_round_trip_equals_compiling(cache: Path) -> None:
    fresh = compiled.compile_now()
    key = compiled.cache_key()
    _same(compiled.from_json(compiled.to_json(fresh, key), key), fresh)


def test_first_load_writes_then_reads(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = compiled.load()
    path = compiled.cache_path()
    assert path.is_file() and path.parent == cache
    calls: list[int] = []
    real = compiled.compile_now
    monkeypatch.setattr(compiled, "compile_now", lambda: calls.append(1) or real())
    second = compiled.load()
    assert calls == []  # read, not compiled
    _same(first, second)


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"{",
        b"\xff\xfe not utf-8",
        b"[]",
        b'{"format": 1}',
        b'{"format": 999, "key": "x"}',
    ],
)
def test_corrupt_cache_falls_back_and_is_repaired(cache: Path, content: bytes) -> None:
    path = compiled.cache_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    _same(compiled.load(), compiled.compile_now())
    # the bad file was replaced by a good one
    compiled.from_json(path.read_bytes(), compiled.cache_key())


def test_truncated_or_tampered_cache_is_ignored(cache: Path) -> None:
    compiled.load()
    path = compiled.cache_path()
    good = path.read_bytes()
    path.write_bytes(good[: len(good) // 2])
    _same(compiled.load(), compiled.compile_now())
    doc = json.loads(path.read_bytes())
    doc["base_triples"][0] = ["x", "not a term"]
    path.write_bytes(json.dumps(doc).encode())
    _same(compiled.load(), compiled.compile_now())
    doc = json.loads(path.read_bytes())
    doc["key"] = "someone-else"
    path.write_bytes(json.dumps(doc).encode())
    _same(compiled.load(), compiled.compile_now())


def test_unwritable_cache_folder_is_no_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("DRUGPOLICY_KG_CACHE", str(blocker / "sub"))
    _same(compiled.load(), compiled.compile_now())


def test_concurrent_writers_leave_a_whole_file(cache: Path) -> None:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            compiled.load()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    compiled.from_json(compiled.cache_path().read_bytes(), compiled.cache_key())
    assert [p.name for p in cache.iterdir()] == [compiled.cache_path().name]  # no temp files


def test_cli_validate_uses_the_cache_not_the_kg(cache: Path, tmp_path: Path) -> None:
    """A second ``validate`` process reads the cache and never compiles the KG."""
    src = Path(compiled.__file__).parents[2]
    probe = (
        "import sys, drugpolicy_kg.kg as k\n"
        "def boom(*a, **kw): raise SystemExit('compiled the KG')\n"
        "k.compile_kg = boom\n"
        "from drugpolicy_kg.cli import main\n"
        "sys.argv = ['drugpolicy-kg', 'validate', sys.argv[1]]\n"
        "main()\n"
    )
    env = {"PYTHONPATH": str(src), "DRUGPOLICY_KG_CACHE": str(cache), "PATH": "/usr/bin:/bin"}
    plan = Path(__file__).resolve().parents[1] / "examples" / "plans" / "nld-2024.ttl"
    compiled.load()  # fills the cache
    done = subprocess.run(
        [sys.executable, "-c", probe, str(plan)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert "compiled the KG" not in done.stderr
    assert done.returncode in (0, 1), done.stderr
    assert "nld-2024.ttl" in done.stdout


def test_vocabulary_iris_are_one_object_and_input_never_adds_to_them() -> None:
    """The compiled shapes and context hold one object per vocabulary IRI, the reader hands
    the same objects to plans (look-ups then match by identity), and reading a plan never
    adds its own IRIs to that set."""
    from drugpolicy_kg import vocab
    from drugpolicy_kg.rdfio import load_graph
    from drugpolicy_kg.validation.compiled import cached
    from drugpolicy_kg.vocab import DPO, known_iri

    compiled = cached()
    status = known_iri(str(DPO.status))
    assert status is not None
    assert any(o is status for _s, _p, o in compiled.shapes)
    practice = next(iter(compiled.context.practices))
    assert known_iri(str(practice)) is practice
    before = dict(vocab._CANONICAL)
    plan = load_graph(
        b"@prefix dpo: <https://w3id.org/drugpolicy-kg/ontology#> .\n"
        b"<https://example.org/unheard-of> dpo:status dpo:Adopted .\n",
        name="plan.ttl",
    )
    ((s, p, o),) = list(plan)
    assert p is status and o is known_iri(str(DPO.Adopted))
    assert known_iri(str(s)) is None and before == vocab._CANONICAL
