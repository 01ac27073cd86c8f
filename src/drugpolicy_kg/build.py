"""``drugpolicy-kg build``: compile the KG and write it, deterministically and atomically."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph

from . import kg, serialize
from .atomic import write_bytes

log = logging.getLogger(__name__)

KG_NAME = "drugpolicy-kg"
ONTOLOGY_NAME = "drugpolicy-kg-ontology"


@dataclass
class BuildResult:
    graph: Graph
    files: list[Path]


def build(
    out_dir: str | Path,
    formats: tuple[str, ...] = ("turtle", "nt", "json-ld"),
    sources: Path | None = None,
    reason: bool = False,
) -> BuildResult:
    """Write ``out_dir/drugpolicy-kg.ttl`` (ontology and data) and the other formats beside it.

    Also writes the ontology alone as ``drugpolicy-kg-ontology.ttl``. Each file is written
    atomically, so an interrupted build leaves the previous files intact. ``sources`` is a
    folder laid out like the package's ``assets/`` (an edited copy under review); by default
    the sources shipped in the package. ``reason`` adds the types an OWL reasoner infers
    (:func:`drugpolicy_kg.reasoning.materialise`), so plain SPARQL engines see them.
    """
    out = Path(out_dir)
    graph = serialize.canonical(kg.compile_kg(sources))
    if reason:
        from .reasoning import materialise

        graph = serialize.canonical(materialise(graph))
    files: list[Path] = []
    for fmt in ("turtle", *[f for f in formats if f != "turtle"]):
        path = out / f"{KG_NAME}{serialize.FORMATS[fmt]}"
        log.info("writing %s", path)
        write_bytes(path, serialize.to_bytes(graph, fmt))
        files.append(path)
    ontology = serialize.canonical(kg.load_ontology(sources))
    path = out / f"{ONTOLOGY_NAME}.ttl"
    write_bytes(path, serialize.to_bytes(ontology, "turtle"))
    files.append(path)
    return BuildResult(graph, files)
