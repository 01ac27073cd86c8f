"""Friendly names for nodes: ``III.3``, ``SIS``, ``europol``, ``Europol Regulation``, an IRI.

Users think in notations and acronyms, not IRIs. A name is matched in order of precision:
the node id (a full IRI), a CURIE (``dpk:tool/SIS``), then keys and notations exactly, then
labels case-insensitively. An unknown or ambiguous name raises
:class:`~drugpolicy_kg.errors.InputError` (exit 2) with close suggestions, so a typo such as
``SEINA`` says "did you mean SIENA?" instead of failing silently.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from ..errors import InputError
from ..vocab import PREFIXES
from .projection import KIND_NAMES, KINDS, Projection


def _expand_curie(name: str) -> str | None:
    prefix, sep, rest = name.partition(":")
    if sep and prefix in PREFIXES and not rest.startswith("//"):
        return str(PREFIXES[prefix]) + rest
    return None


def resolve(proj: Projection, name: str, kinds: Iterable[str] | None = None) -> str:
    """The node ``name`` designates, optionally restricted to some ``kinds``.

    Raises :class:`InputError` with suggestions when nothing (or more than one node) matches.
    """
    wanted = set(kinds) if kinds is not None else None
    g = proj.graph
    candidates = [n for n in g.nodes if wanted is None or g.nodes[n]["kind"] in wanted]
    text = name.strip()
    if not text:
        raise InputError("an empty name designates nothing")
    iri = _expand_curie(text) or text
    if iri in candidates:
        return iri
    # Exact keys and notations first (case-sensitive: "IV" is a block, "iv" is not special).
    exact = [n for n in candidates if g.nodes[n].get("code") == text or g.nodes[n]["label"] == text]
    if len(exact) == 1:
        return exact[0]
    folded = text.casefold()
    if not exact:
        exact = [
            n for n in candidates if any(a.casefold() == folded for a in proj.aliases.get(n, []))
        ]
        if len(exact) == 1:
            return exact[0]
    if len(exact) > 1:
        listed = ", ".join(f"{g.nodes[n]['label']} <{n}>" for n in exact[:8])
        raise InputError(f"{name!r} is ambiguous: it names {listed}; pass the full IRI")
    what = "/".join(KIND_NAMES[k] for k in KINDS if k in wanted) if wanted else "node"
    if wanted is not None:
        try:
            other = resolve(proj, name)
        except InputError:
            other = None
        if other is not None:
            raise InputError(
                f"{name!r} is a {KIND_NAMES[g.nodes[other]['kind']]} ({proj.describe(other)}); "
                f"this command takes a {what}"
            )
    raise InputError(f"no {what} is called {name!r}{_suggest(proj, text, candidates)}")


def _suggest(proj: Projection, text: str, candidates: list[str]) -> str:
    """``; did you mean: ...?`` from close keys, labels and aliases (or the kinds' examples)."""
    names: dict[str, str] = {}
    for n in candidates:
        data = proj.graph.nodes[n]
        for alias in [str(data.get("code", "")), str(data["label"]), *proj.aliases.get(n, [])]:
            if alias and alias != n:
                names.setdefault(alias.casefold(), str(data.get("code") or data["label"]))
    close = difflib.get_close_matches(text.casefold(), list(names), n=12, cutoff=0.6)
    contains = sorted(a for a in names if len(text) >= 3 and text.casefold() in a)
    picks: list[str] = []
    for alias in [*close, *contains]:
        key = names[alias]
        if key not in picks:
            picks.append(key)
    if not picks:
        sample = sorted({str(proj.graph.nodes[n].get("code")) for n in candidates})[:6]
        return f"; names look like: {', '.join(sample)}"
    return f"; did you mean: {', '.join(picks[:6])}?"
