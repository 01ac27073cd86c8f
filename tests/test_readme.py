"""The README's examples work: its SPARQL runs on the KG and answers as it says."""

from __future__ import annotations

import re
from pathlib import Path

from rdflib import Graph

README = Path(__file__).parent.parent / "README.md"


def sparql_blocks() -> list[str]:
    return re.findall(r"```sparql\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_readme_queries_run_and_answer(kg_graph: Graph) -> None:
    blocks = sparql_blocks()
    assert len(blocks) >= 2
    sis = [str(r[0]) for r in kg_graph.query(blocks[0])]  # type: ignore[index]
    assert sis == ["II.5", "III.1", "III.2", "IV.1"]
    ranked = [(str(r[0]), int(r[1])) for r in kg_graph.query(blocks[1])]  # type: ignore[index, arg-type]
    assert ranked[0] == ("Schengen Information System", 4)


def test_readme_quick_start_has_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    quick = text.split("## Quick start", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in quick.strip().splitlines()]
    assert commands == ["make run", "make test"]
