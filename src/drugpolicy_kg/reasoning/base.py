"""The interface every reasoning engine implements, and what it returns.

Two engines sit behind it (oaklib-style backends): HermiT through owlready2 (complete for
OWL 2 DL, needs Java) and owlrl (OWL 2 RL forward chaining, pure Python). The code that uses
an engine never asks which one it has; it reads :attr:`Engine.complete` to word its verdict,
because "no clash found" is a proof only for a complete engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from rdflib import Graph, URIRef


@dataclass(frozen=True)
class EngineResult:
    """What one engine run found.

    ``types`` maps each named individual to every named class it belongs to (asserted or
    inferred, owl:Thing left out); it is empty when the graph is inconsistent, since then
    everything follows. ``messages`` holds the engine's own diagnostics (owlrl's clash
    messages; HermiT gives none).
    """

    consistent: bool
    types: Mapping[URIRef, frozenset[URIRef]] = field(default_factory=dict)
    unsatisfiable: tuple[URIRef, ...] = ()
    messages: tuple[str, ...] = ()


class Engine(Protocol):
    """A reasoner that checks consistency and realises the individuals of an RDF graph."""

    #: short name used on the command line: ``hermit`` or ``owlrl``
    name: str
    #: human description, e.g. "HermiT (OWL 2 DL) via owlready2"
    label: str
    #: True when the engine decides OWL 2 DL consistency; False for the OWL 2 RL fallback
    complete: bool

    def run(self, graph: Graph) -> EngineResult:
        """Check consistency and infer the named types of every named individual."""
        ...

    def is_consistent(self, graph: Graph) -> bool:
        """Only the consistency verdict (the oracle of the explanation search)."""
        ...
