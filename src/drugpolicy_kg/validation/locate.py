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
#: The first term of a line: an IRI in angle brackets or a prefixed name up to a delimiter.
_LINE_START = re.compile(r"(?m)^[ \t]*(<[^>\n]*>|[^\s;,\[\]()<\"'{}]+)")


#: Characters that the expressions' case-insensitive matching takes for ASCII letters of the
#: keywords (``ſ`` for s, ``ı`` and ``İ`` for i) while ``str.lower`` does not.
_FOLDS_TO_ASCII = ("\u017f", "\u0131", "\u0130")


def _directives(pattern: re.Pattern[str], text: str, keyword: str) -> list[re.Match[str]]:
    """``pattern.finditer(text)`` for a directive pattern anchored at a line start (``^\\s*``
    then the keyword): tried only at the lines where the keyword occurs, found by ``str.find``
    (a regular expression trying every line start cost more than the rest of locating)."""
    lowered = text.lower()
    if len(lowered) != len(text) or any(c in text for c in _FOLDS_TO_ASCII):
        # offsets would not match, or the expression's case folding sees a keyword lower()
        # does not ("prefıx" with a dotless i): the full scan, as before
        return list(pattern.finditer(text))
    found: dict[int, re.Match[str]] = {}
    at = lowered.find(keyword)
    while at >= 0:
        match = pattern.match(text, text.rfind("\n", 0, at) + 1)
        if match is not None and match.end() > at:
            found.setdefault(match.end(), match)
        at = lowered.find(keyword, at + 1)
    return [found[end] for end in sorted(found)]


class Locator:
    """Finds the line of a resource's subject in one document's text."""

    def __init__(self, text: str, syntax: str) -> None:
        self.text = text
        self.syntax = syntax
        self._starts: list[int] | None = None
        self._prefixes: list[tuple[str, str]] | None = None
        self._bases: list[str] = []
        self._first_at_start: dict[str, int] | None = None

    def _line(self, offset: int) -> int:
        if self._starts is None:  # made on the first line asked for (many files need none)
            self._starts = [0, *(m.end() for m in re.finditer("\n", self.text))]
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

    def _spellings(self, iri: str) -> list[tuple[str, str]]:
        """How ``iri`` may be written: (the text, a regular expression that finds it)."""
        forms = [(f"<{iri}>", f"<{re.escape(iri)}>")]
        if self._prefixes is None:
            self._prefixes = [(m[1] or "", m[2]) for m in _directives(_PREFIX, self.text, "prefix")]
            self._bases = [m[1] for m in _directives(_BASE, self.text, "base")]
        for prefix, namespace in self._prefixes:
            if namespace and iri.startswith(namespace):
                local = iri[len(namespace) :]
                if local == "" or _LOCAL.match(local.replace("\\", "")):
                    name = f"{prefix}:{local}"
                    forms.append((name, re.escape(name) + _END))
        for base in self._bases:
            if base and iri.startswith(base) and len(iri) > len(base):
                relative = iri[len(base) :]
                forms.append((f"<{relative}>", f"<{re.escape(relative)}>"))
        tail = iri.rsplit("/", 1)[-1]
        if iri.startswith("file:") and tail:
            forms.append((f"<{tail}>", f"<{re.escape(tail)}>"))
        return forms

    def _turtle(self, iri: str) -> int | None:
        forms = self._spellings(iri)
        if self._first_at_start is None:  # one pass: the first term of every line
            first: dict[str, int] = {}
            for match in _LINE_START.finditer(self.text):
                token = match[1] if match[1].startswith("<") else match[1].rstrip(".")
                first.setdefault(token, match.start(1))
            self._first_at_start = first
        starts = [self._first_at_start[text] for text, _ in forms if text in self._first_at_start]
        if starts:
            return self._line(min(starts))
        if not any(text in self.text for text, _ in forms):
            return None  # written nowhere (a practice the plan does not name): no scan needed
        pattern = "|".join(regex for _, regex in forms)
        anywhere = re.search(rf"(?<![\w:<-])(?:{pattern})", self.text)
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
