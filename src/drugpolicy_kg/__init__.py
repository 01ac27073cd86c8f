"""drugpolicy-kg: a knowledge graph of Council Implementing Decision 7301/24.

The package is a library first; the ``drugpolicy-kg`` command line is a thin layer over it.
Heavy libraries (rdflib, pyshacl, networkx, owlready2) are imported lazily by the modules
that need them, so ``import drugpolicy_kg`` stays cheap. The Python API,
``from drugpolicy_kg import KG`` (:mod:`drugpolicy_kg.api`), is loaded on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["KG", "Answer", "Validation", "__version__"]

if TYPE_CHECKING:
    from .api import KG, Answer, Validation

_LAZY = {"KG": "api", "Answer": "api", "Validation": "api"}


def __getattr__(name: str) -> Any:
    """Import the API's names on first use (module ``__getattr__``, PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'drugpolicy_kg' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
