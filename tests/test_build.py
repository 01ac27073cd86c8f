"""``build``: outputs, determinism, atomicity, and clear errors for broken sources."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from drugpolicy_kg import kg
from drugpolicy_kg.build import build
from drugpolicy_kg.cli import cli
from drugpolicy_kg.errors import ModelError
from drugpolicy_kg.resources import asset

OUTPUTS = [
    "drugpolicy-kg.ttl",
    "drugpolicy-kg.nt",
    "drugpolicy-kg.jsonld",
    "drugpolicy-kg-ontology.ttl",
]


def digests(folder: Path) -> dict[str, str]:
    return {n: hashlib.sha256((folder / n).read_bytes()).hexdigest() for n in OUTPUTS}


def test_build_writes_all_formats_and_they_agree(built_kg: Path) -> None:
    for name in OUTPUTS:
        assert (built_kg / name).stat().st_size > 1000
    ttl = Graph().parse(built_kg / "drugpolicy-kg.ttl")
    nt = Graph().parse(built_kg / "drugpolicy-kg.nt")
    jsonld = Graph().parse(built_kg / "drugpolicy-kg.jsonld", format="json-ld")
    assert isomorphic(ttl, nt)
    assert isomorphic(ttl, jsonld)
    assert len(ttl) > 2000


def test_build_is_byte_identical_across_hash_seeds(tmp_path: Path) -> None:
    """Same input, same bytes: run in fresh interpreters with different PYTHONHASHSEED."""
    seen = []
    for seed in ("0", "1", "12345"):
        out = tmp_path / seed
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run(
            [sys.executable, "-m", "drugpolicy_kg", "build", "--out", str(out), "-q"],
            check=True,
            env=env,
            capture_output=True,
        )
        seen.append(digests(out))
    assert seen[0] == seen[1] == seen[2]


def test_cli_build_prints_a_summary(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(cli, ["build", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "44  in all" in result.output
    assert "Schengen Information System (SIS)" in result.output
    assert "II.5, III.1, III.2, IV.1" in result.output
    assert (tmp_path / "drugpolicy-kg.ttl").exists()


def test_a_killed_write_leaves_the_previous_file_intact(tmp_path: Path) -> None:
    """A real SIGKILL halfway through an atomic write: the old file survives, whole."""
    target = tmp_path / "drugpolicy-kg.ttl"
    target.write_text("previous complete build\n", encoding="utf-8")
    script = textwrap.dedent(
        f"""
        import sys, time
        from drugpolicy_kg.atomic import atomic_open
        with atomic_open({str(target)!r}, "wb") as fh:
            for i in range(1000):
                fh.write(b"x" * 10000)
                fh.flush()
                if i == 5:
                    print("halfway", flush=True)
                time.sleep(0.01)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == b"halfway"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert target.read_text(encoding="utf-8") == "previous complete build\n"


def test_a_killed_build_leaves_the_previous_output_intact(tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(out)
    before = digests(out)
    proc = subprocess.Popen(
        [sys.executable, "-m", "drugpolicy_kg", "build", "--out", str(out), "-q"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(0.4)  # somewhere inside compilation or writing; any moment must be safe
    proc.kill()
    proc.wait()
    for name in OUTPUTS:
        data = (out / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == before[name]


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    """A writable copy of the shipped sources, to break on purpose."""
    root = tmp_path / "sources"
    with __import__("importlib.resources").resources.as_file(asset()) as src:
        shutil.copytree(src, root)
    return root


def test_build_from_a_copy_of_the_sources(sources: Path, tmp_path: Path) -> None:
    assert isomorphic(kg.compile_kg(sources), kg.compile_kg())


def test_turtle_syntax_error_names_file_and_line(sources: Path) -> None:
    path = sources / "data" / "actors.ttl"
    lines = path.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line_ in enumerate(lines) if "dpk:actor\\/customs" in line_)
    lines[at] = lines[at].replace(" a dpo:CustomsAuthority ;", " a dpo:CustomsAuthority ;;; ,")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ModelError, match=rf"data/actors\.ttl:{at + 1}\b"):
        kg.compile_kg(sources)


def test_toml_syntax_error_names_file_and_line(sources: Path) -> None:
    path = sources / "data" / "practices.toml"
    text = path.read_text(encoding="utf-8").replace(
        'title = "Port ban as an ancillary penalty"', "title = Port ban"
    )
    path.write_text(text, encoding="utf-8")
    line = next(i for i, line_ in enumerate(text.splitlines(), 1) if line_ == "title = Port ban")
    with pytest.raises(ModelError, match=rf"data/practices\.toml:{line}\b"):
        kg.compile_kg(sources)


def test_evidence_not_in_the_text_is_rejected(sources: Path) -> None:
    path = sources / "data" / "practices.toml"
    text = path.read_text(encoding="utf-8").replace(
        'port-ban = "port ban"', 'port-ban = "port closure"'
    )
    path.write_text(text, encoding="utf-8")
    line = next(
        i for i, line_ in enumerate(text.splitlines(), 1) if line_ == 'port-ban = "port closure"'
    )
    with pytest.raises(
        ModelError,
        match=rf"practices\.toml:{line}: IV\.6 → port-ban: the evidence 'port closure' does not occur",
    ):
        kg.compile_kg(sources)


def test_unknown_link_target_is_rejected(sources: Path) -> None:
    path = sources / "data" / "practices.toml"
    text = path.read_text(encoding="utf-8").replace(
        'port-ban = "port ban"', 'port-banishment = "port ban"'
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ModelError, match=r"IV\.6 links to tools 'port-banishment'.*not defined"):
        kg.compile_kg(sources)


def test_unknown_practice_is_rejected(sources: Path) -> None:
    path = sources / "data" / "practices.toml"
    path.write_text(
        path.read_text(encoding="utf-8") + '\n["IV.22"]\ntitle = "Invented"\n', encoding="utf-8"
    )
    with pytest.raises(ModelError, match=r"practice IV\.22 is not in the Decision's annex"):
        kg.compile_kg(sources)


def test_cli_reports_a_broken_source_without_traceback(
    runner, sources: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    path = sources / "data" / "tools.ttl"
    path.write_text(path.read_text(encoding="utf-8") + "\nthis is not turtle\n", encoding="utf-8")
    result = runner.invoke(cli, ["build", "--out", str(tmp_path / "o"), "--sources", str(sources)])
    assert result.exit_code == 2
    assert "data/tools.ttl:" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "o" / "drugpolicy-kg.ttl").exists()
