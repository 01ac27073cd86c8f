"""OWL reasoning over the KG (issue #6): consistency, classification, materialisation.

- :func:`reason` checks that the ontology plus the KG is consistent and classifies every
  practice into the defined classes of ``ontology/defined-classes.ttl``; on a clash it
  names a minimal cause (:mod:`.explain`).
- :func:`materialise` adds the inferred types to a graph, for ``build --reason``.
- Engines (:mod:`.base`): HermiT through owlready2 (:mod:`.hermit`, needs Java) and the
  OWL 2 RL fallback (:mod:`.owlrl_fallback`).

owlready2 and owlrl are imported lazily inside the engines, so importing this package is cheap.
"""

from __future__ import annotations

from .api import (
    ENGINE_CHOICES,
    PracticeRow,
    ReasoningReport,
    describe_problem,
    inferred_types,
    materialise,
    notation_key,
    reason,
    select_engine,
)
from .base import Engine, EngineResult
from .explain import Clash, Explanation, explain, told_clashes
from .hermit import JAVA_ENV, find_java

__all__ = [
    "ENGINE_CHOICES",
    "JAVA_ENV",
    "Clash",
    "Engine",
    "EngineResult",
    "Explanation",
    "PracticeRow",
    "ReasoningReport",
    "describe_problem",
    "explain",
    "find_java",
    "inferred_types",
    "materialise",
    "notation_key",
    "reason",
    "select_engine",
    "told_clashes",
]
