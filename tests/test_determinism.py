"""Byte-identical output across ``PYTHONHASHSEED`` values (issue #8: nothing random leaks).

Each command runs in two fresh processes with different hash seeds. The plan has blank-node
entries and violations: blank-node labels are random per parse, so before the fix the
focus nodes in json/text/html and the report nodes in turtle differed from run to run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BNODES = ROOT / "tests" / "fixtures" / "hostile" / "e2e" / "bnode-entries.ttl"
EXAMPLES = ROOT / "examples" / "plans"


def run(seed: str, *args: str) -> bytes:
    env = dict(os.environ, PYTHONHASHSEED=seed)
    done = subprocess.run(
        [sys.executable, "-m", "drugpolicy_kg", *args],
        capture_output=True,
        env=env,
        cwd=ROOT,
        timeout=300,
    )
    assert done.returncode in (0, 1), done.stderr.decode(errors="replace")
    assert done.stdout
    return done.stdout


@pytest.mark.parametrize("fmt", ["json", "turtle", "html", "text"])
def test_validate_report_is_byte_identical(fmt: str) -> None:
    args = ("validate", "--format", fmt, str(BNODES), str(EXAMPLES / "bel-2024.ttl"))
    assert run("0", *args) == run("12345", *args)


def test_query_csv_is_byte_identical() -> None:
    args = ("query", "coverage-by-block", "--plans", str(EXAMPLES), "--format", "csv", "--no-cache")
    assert run("0", *args) == run("12345", *args)
    args = ("query", "practices-using-tool", "--param", "tool=SIS", "--format", "csv", "--no-cache")
    assert run("1", *args) == run("999", *args)


def test_graph_export_graphml_is_byte_identical() -> None:
    args = ("graph", "export", "--format", "graphml", "--plans", str(EXAMPLES))
    assert run("0", *args) == run("12345", *args)
