"""The query page's ready examples: the whole SPARQL catalogue, with its parameters.

Each catalogue query becomes an example whose parameters are bound to their defaults by a
``VALUES`` block (:func:`~drugpolicy_kg.sparql_safety.inline_values`, the same binding the
``--endpoint`` mode of ``query`` sends), so it runs as it is on the endpoint; the page lists
each parameter with its type and help, for the user to edit the ``VALUES`` line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..catalogue import catalogue, resolve_params
from ..errors import InputError
from ..sparql_safety import inline_values
from ..vocab import PREFIXES

if TYPE_CHECKING:
    from ..engines.base import QueryEngine


def prefixes() -> dict[str, str]:
    """The project's prefixes, as YASQE's prefix autocompletion wants them."""
    return {p: str(ns) for p, ns in PREFIXES.items()}


def examples(engine: QueryEngine) -> list[dict[str, Any]]:
    """One entry per catalogue query: name, title, description, parameters and runnable text."""
    out = []
    for name, q in sorted(catalogue().items()):
        try:
            bindings = resolve_params(q, {}, engine)
            text = inline_values(q.text, bindings) if bindings else q.text
            note = ""
        except InputError as exc:  # a default that names nothing in the data loaded
            text, note = q.text, str(exc)
        out.append(
            {
                "name": name,
                "title": q.title,
                "description": q.description,
                "params": [
                    {"name": p.name, "type": p.type, "default": p.default or "", "doc": p.doc}
                    for p in q.params
                ],
                "needs_plans": q.needs_plans,
                "query": text,
                "note": note,
            }
        )
    return out
