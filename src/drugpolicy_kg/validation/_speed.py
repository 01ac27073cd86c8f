"""Measured speed-ups of pySHACL's inner loop, applied only if pySHACL looks as expected.

1. For every shape it evaluates on every focus node, pySHACL tests each predicate of the shape for
   membership in a *list* of ~40 constraint parameters (``pyshacl.shape``, attribute
   ``CONSTRAINT_PARAMS``). On a 44-entry plan that is ~280k ``URIRef.__eq__`` calls, about a
   quarter of the run. :func:`install` swaps the list for a list subclass whose ``in`` is a set
   lookup. Semantics do not change: it is still a list (``.copy()`` and ``.append`` behave as
   before), with the same members in the same order.
2. Every result pySHACL makes, including the ~2 per entry that ``sh:not`` evaluates and then
   discards, gets a text description (``make_v_result_description``: ~14 ``stringify_node``
   calls). The engine never reads pySHACL's text report (it explains the report *graph*), so
   inside :func:`quiet` the description is the empty string. The report graph is unchanged.
3. pySHACL builds a new ``sh:in`` constraint for every evaluation, re-reading its RDF list from
   the shapes graph (~3.7k times for 27 plans). Inside :func:`quiet` the list's members are read
   once per shape and kept on the shape object (the engine's shapes graph never changes).

Outside :func:`quiet` (other users of pySHACL in the same process, SHACL-SHACL meta-validation)
pySHACL behaves exactly as shipped. If pySHACL's internals differ from what this expects, nothing
is changed. Measured on 27 plans x 44 entries: ~35% less CPU (``benchmarks/bench_validate.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

#: Depth of :func:`quiet` blocks currently active (pySHACL is not thread-safe anyway).
_QUIET = 0
_PATCHED = False
#: ``id(shape)`` -> (shape, sh:in list node, its members); the shape is held so the id stays its.
_IN_LISTS: dict[int, tuple[Any, Any, frozenset[Any]]] = {}
_IN_LISTS_MAX = 2048


class _SetBackedList(list[Any]):
    """A list whose membership test is a set lookup."""

    def __init__(self, items: list[Any]) -> None:
        super().__init__(items)
        self._members = frozenset(items)

    def __contains__(self, item: object) -> bool:
        return item in self._members


def _install_parameters() -> bool:
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


def _install_quiet() -> bool:
    global _PATCHED
    if _PATCHED:
        return True
    try:
        from pyshacl.constraints.constraint_component import ConstraintComponent
        from pyshacl.constraints.core.other_constraints import InConstraintComponent
    except ImportError:  # pragma: no cover - pySHACL reorganised
        return False
    describe = ConstraintComponent.__dict__.get("make_v_result_description")
    in_init = InConstraintComponent.__dict__.get("__init__")
    if not callable(describe) or not callable(in_init):
        return False  # pragma: no cover

    def make_v_result_description(self: Any, *args: Any, **kwargs: Any) -> str:
        if _QUIET:
            return ""
        return describe(self, *args, **kwargs)

    def in_constraint_init(self: Any, shape: Any) -> None:
        cached = _IN_LISTS.get(id(shape)) if _QUIET else None
        if cached is None or cached[0] is not shape:
            in_init(self, shape)
            if _QUIET:
                if len(_IN_LISTS) >= _IN_LISTS_MAX:
                    _IN_LISTS.clear()
                _IN_LISTS[id(shape)] = (shape, self.in_list, frozenset(self.in_vals))
            return
        ConstraintComponent.__init__(self, shape)
        _shape, self.in_list, members = cached
        self.in_vals = set(members)

    ConstraintComponent.make_v_result_description = (  # type: ignore[method-assign]
        make_v_result_description
    )
    InConstraintComponent.__init__ = in_constraint_init  # type: ignore[method-assign]
    _PATCHED = True
    return True


def install() -> bool:
    """Install the speed-ups; return whether they are active."""
    return _install_parameters() and _install_quiet()


@contextmanager
def quiet() -> Iterator[None]:
    """Within this block pySHACL skips the text descriptions and re-reading ``sh:in`` lists."""
    global _QUIET
    _QUIET += 1
    try:
        yield
    finally:
        _QUIET -= 1
