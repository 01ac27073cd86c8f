"""The validation engines (``validate --engine``): the compiled shapes, or pySHACL.

``fast`` (the default) runs the package's shapes compiled into Python checks (:mod:`.fast`);
``tests/test_validation_fast.py`` shows it gives the same results as pySHACL on every fixture,
the example plans, the synthetic corpus with injected errors and hypothesis-generated plans.
``pyshacl`` runs pySHACL itself: the reference. If the shapes ever use SHACL the compiler does not
cover, ``fast`` falls back to pySHACL (``Engine.method`` then says ``pyshacl``).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from rdflib import Graph

from .fast import CompiledShapes, Unsupported, compile_shapes

#: The engines ``validate --engine`` accepts.
METHODS = ("fast", "pyshacl")
DEFAULT_METHOD = "fast"


def fast_method(method: str, shapes: Graph) -> tuple[str, CompiledShapes | None]:
    """(the engine that will run, the compiled shapes when it is ``fast``)."""
    if method != "fast":
        return method, None
    try:
        return "fast", compile_shapes(shapes)
    except Unsupported as exc:
        warnings.warn(
            f"the shapes use SHACL the fast engine does not cover ({exc}); using pySHACL",
            RuntimeWarning,
            stacklevel=3,
        )
        return "pyshacl", None


_current: list[str] = [DEFAULT_METHOD]


def current_method() -> str:
    """The engine that :func:`~drugpolicy_kg.validation.validate_graph`, ``validate_path``,
    ``validate_upload`` and ``validate_files`` use in this process (default ``fast``)."""
    return _current[0]


def use_method(method: str) -> None:
    """Choose the engine for this process (``validate --engine``); forked workers inherit it."""
    if method not in METHODS:
        from ..errors import InputError

        raise InputError(
            f"unknown validation engine {method!r}; choose one of {', '.join(METHODS)}"
        )
    _current[0] = method


@contextmanager
def using(method: str) -> Iterator[None]:
    """Within this block, validate with ``method`` (tests and benchmarks compare engines)."""
    before = current_method()
    use_method(method)
    try:
        yield
    finally:
        _current[0] = before
