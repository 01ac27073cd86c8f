"""One measured speed-up of pySHACL's inner loop, applied only if pySHACL looks as expected.

For every shape it evaluates on every focus node, pySHACL tests each predicate of the shape for
membership in a *list* of ~40 constraint parameters (``pyshacl.shape``, attribute
``CONSTRAINT_PARAMS``). On a 44-entry plan that is ~280k ``URIRef.__eq__`` calls, about a quarter
of the run. :func:`install` swaps the list for a list subclass whose ``in`` is a set lookup.
Semantics do not change: it is still a list (``.copy()`` and ``.append`` behave as before), with
the same members in the same order. If pySHACL's internals differ from what this expects, nothing
is changed.
"""

from __future__ import annotations

from typing import Any


class _SetBackedList(list[Any]):
    """A list whose membership test is a set lookup."""

    def __init__(self, items: list[Any]) -> None:
        super().__init__(items)
        self._members = frozenset(items)

    def __contains__(self, item: object) -> bool:
        return item in self._members


def install() -> bool:
    """Install the speed-up; return whether it is active."""
    try:
        import pyshacl.shape as shape_module
        from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP
    except ImportError:  # pragma: no cover - pySHACL reorganised
        return False
    current = getattr(shape_module, "CONSTRAINT_PARAMS", None)
    if isinstance(current, tuple) and isinstance(current[0], _SetBackedList):
        return True
    if current is not None and not (isinstance(current, tuple) and len(current) == 2):
        return False  # pragma: no cover - unexpected shape of the cache
    if not isinstance(ALL_CONSTRAINT_PARAMETERS, list):
        return False  # pragma: no cover
    shape_module.CONSTRAINT_PARAMS = (  # type: ignore[attr-defined]
        _SetBackedList(list(ALL_CONSTRAINT_PARAMETERS)),
        CONSTRAINT_PARAMETERS_MAP,
    )
    return True
