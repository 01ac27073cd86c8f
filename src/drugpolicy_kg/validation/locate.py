"""Where a resource is described in an RDF file: the line of its subject (best effort).

Parsers do not report positions, so the line is found in the text itself:

- Turtle, TriG, N3, N-Triples, N-Quads: the first line where the resource starts a statement
  (written ``<full-iri>``, ``prefix:local`` for a declared prefix, or relative to the base); if
  it never starts a line, the first line where it appears as a whole term;
- JSON-LD: the line of ``"@id": "..."`` naming it (full, compact or relative);
- RDF/XML and TriX: the line of ``rdf:about="..."`` (or ``<uri>``) naming it.

A resource that is a blank node, or that cannot be found, has no line: the report then gives
only the file. The search is linear in the size of the file, per resource looked up.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache

_PREFIX = re.compile(r"(?im)^\s*(?:@prefix|prefix)\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>")
_BASE = re.compile(r"(?im)^\s*(?:@base|base)\s+<([^>]*)>")
_JSON_ID = re.compile(r'"@id"\s*:\s*"([^"]*)"')
_XML_ABOUT = re.compile(r"""(?:rdf:)?(?:about|resource)\s*=\s*["']([^"']*)["']""")
_XML_URI = re.compile(r"<(?:\w+:)?uri>\s*([^<]*?)\s*</(?:\w+:)?uri>")
_LOCAL = re.compile(r"^[\w][\w.-]*$")
_END = r"(?=[\s;,.\[\]()<\"'{}]|$)"


class Locator:
    """Finds the line of a resource's subject in one document's text."""

    def __init__(self, text: str, syntax: str) -> None:
        self.text = text
        self.syntax = syntax
        self._starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def _line(self, offset: int) -> int:
        return bisect_right(self._starts, offset)

    def line_of(self, iri: str | None) -> int | None:
        if not iri or iri.startswith("_:"):
            return None
        return self._cached(iri)

    @lru_cache(maxsize=4096)  # noqa: B019 - one locator per report, freed with it
    def _cached(self, iri: str) -> int | None:
        if self.syntax in ("json-ld", "jsonld"):
            return self._by_attribute(_JSON_ID, iri)
        if self.syntax in ("xml", "trix"):
            return self._by_attribute(_XML_ABOUT, iri) or self._by_attribute(_XML_URI, iri)
        return self._turtle(iri)

    def _spellings(self, iri: str) -> list[str]:
        forms = [f"<{re.escape(iri)}>"]
        for match in _PREFIX.finditer(self.text):
            prefix, namespace = match[1] or "", match[2]
            if namespace and iri.startswith(namespace):
                local = iri[len(namespace) :]
                if local == "" or _LOCAL.match(local.replace("\\", "")):
                    forms.append(re.escape(f"{prefix}:{local}") + _END)
        for base in [m[1] for m in _BASE.finditer(self.text)]:
            if base and iri.startswith(base) and len(iri) > len(base):
                forms.append(f"<{re.escape(iri[len(base) :])}>")
        tail = iri.rsplit("/", 1)[-1]
        if iri.startswith("file:") and tail:
            forms.append(f"<{re.escape(tail)}>")
        return forms

    def _turtle(self, iri: str) -> int | None:
        forms = "|".join(self._spellings(iri))
        at_start = re.search(rf"(?m)^[ \t]*(?:{forms})", self.text)
        if at_start:
            return self._line(at_start.start())
        anywhere = re.search(rf"(?<![\w:<-])(?:{forms})", self.text)
        return self._line(anywhere.start()) if anywhere else None

    def _by_attribute(self, pattern: re.Pattern[str], iri: str) -> int | None:
        best: int | None = None
        for match in pattern.finditer(self.text):
            value = match[1]
            if value == iri:
                return self._line(match.start())
            local = value.split(":", 1)[-1] if ":" in value and "//" not in value else value
            if best is None and len(local) > 1 and iri.endswith(local):
                before = iri[: len(iri) - len(local)]
                if before.endswith(("/", "#", ":")):
                    best = self._line(match.start())
        return best


__all__ = ["Locator"]
