"""Keeping local SPARQL local, and user values out of query text.

Issue #4, point 5: a local query never fetches. ``SERVICE``, ``LOAD`` (and every other update)
and ``FROM`` / ``FROM NAMED`` of an IRI outside the project's namespace are refused before any
engine sees the query, unless the user passes ``--allow-remote``. rdflib's automatic loading
of graphs named in ``FROM`` is switched off as a second line of defence
(:func:`disable_rdflib_loading`).

The check is lexical: comments, strings and IRIs are blanked out first, so a keyword inside a
literal (``"SERVICE"``) or a variable (``?service``) does not trip it. It costs microseconds
and is the same for every engine, which a parse with one engine's grammar would not be.

For remote endpoints, where no binding API exists, :func:`inline_values` binds parameters
with a ``VALUES`` block of RDF terms serialised by :func:`term_to_sparql`, never with the
user's raw text. Backslashes are refused there: SPARQL lets servers expand ``\\u0022``
escapes before parsing (SPARQL 1.1 §19.2) and servers differ in how they do it, so no
escaping of a backslash is safe on every server.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from .errors import InputError

if TYPE_CHECKING:
    from rdflib.term import Identifier

# Strings (long forms first), comments and IRI references, in SPARQL's lexical grammar.
_MASK_RE = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r"|#[^\n]*"
    r"|<[^<>\"{}|^`\\\s]*>",
    re.DOTALL,
)
_KEYWORD_RE = re.compile(r"(?<![\w?$:@])([A-Za-z]+)(?![\w:])")
_UPDATE_KEYWORDS = {
    "LOAD",
    "INSERT",
    "DELETE",
    "CLEAR",
    "DROP",
    "CREATE",
    "ADD",
    "MOVE",
    "COPY",
    "WITH",
}
_FROM_RE = re.compile(r"(?<![\w?$:@])FROM(?![\w:])\s+(NAMED\s+)?(<[^>]*>|\S+)", re.IGNORECASE)


def mask(text: str) -> str:
    """``text`` with strings, comments and IRIs replaced by spaces of the same length.

    Line and column numbers stay valid; an IRI keeps its angle brackets so FROM can be read.
    """

    def blank(m: re.Match[str]) -> str:
        s = m.group(0)
        if s.startswith("<"):
            return "<" + "_" * (len(s) - 2) + ">"
        return re.sub(r"[^\n]", " ", s)

    return _MASK_RE.sub(blank, text)


def strip_comments(text: str) -> str:
    """``text`` without ``#`` comments (strings and IRIs untouched).

    SPARQLWrapper guesses a query's form by searching keywords in the whole text, comments
    included, so a header that says "addressee" or "loaded" makes it send an ADD or LOAD
    update; remote queries are sent without comments.
    """
    return _MASK_RE.sub(lambda m: "" if m.group(0).startswith("#") else m.group(0), text)


def _line_col(text: str, pos: int) -> tuple[int, int]:
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return line, col


def check_local(text: str, *, source: str = "<query>", local_prefix: str | None = None) -> None:
    """Refuse a query that would fetch or change anything (exit 2 through InputError).

    ``local_prefix`` is the namespace whose IRIs may appear in FROM (the project's own graph
    names); every other FROM IRI is an outside document a local engine could try to load.
    A text that passed once is remembered, so repeated catalogue queries skip the scan.
    """
    if (text, local_prefix) in _PASSED:
        return
    _check_local(text, source, local_prefix)
    if len(_PASSED) > 1024:
        _PASSED.clear()
    _PASSED.add((text, local_prefix))


_PASSED: set[tuple[str, str | None]] = set()


def _check_local(text: str, source: str, local_prefix: str | None) -> None:
    masked = mask(text)
    for m in _KEYWORD_RE.finditer(masked):
        word = m.group(1).upper()
        line, col = _line_col(text, m.start(1))
        if word == "SERVICE":
            raise InputError(
                "SERVICE calls a remote endpoint; local queries never fetch. "
                "Pass --allow-remote to permit it",
                source,
                line,
                col,
            )
        if word in _UPDATE_KEYWORDS and _starts_statement(masked, m.start(1)):
            raise InputError(
                f"{word} is a SPARQL update; `query` is read-only and never loads or changes "
                "data (LOAD would fetch a document)",
                source,
                line,
                col,
            )
    for m in _FROM_RE.finditer(masked):
        if not _starts_statement(masked, m.start()):
            continue  # a dataset clause sits outside every group
        start = m.start(2)
        raw_iri = text[start : start + len(m.group(2))]
        iri = raw_iri[1:-1] if raw_iri.startswith("<") else raw_iri
        if local_prefix and raw_iri.startswith("<") and iri.startswith(local_prefix):
            continue
        line, col = _line_col(text, m.start())
        raise InputError(
            f"FROM {'NAMED ' if m.group(1) else ''}{raw_iri} names an outside graph, which a "
            "local engine would have to fetch. Pass --allow-remote to permit it",
            source,
            line,
            col,
        )


def _starts_statement(masked: str, pos: int) -> bool:
    """Whether the keyword at ``pos`` starts an update operation, not a query.

    An update keyword is at the top level (brace depth 0), which no keyword of a query form
    ever is apart from the prologue and the query form itself.
    """
    before = masked[:pos]
    return before.count("{") == before.count("}")


def disable_rdflib_loading() -> None:
    """Stop rdflib from dereferencing graph IRIs named in FROM / FROM NAMED."""
    import rdflib.plugins.sparql as rdflib_sparql

    rdflib_sparql.SPARQL_LOAD_GRAPHS = False


def term_to_sparql(term: Identifier, *, param: str = "value") -> str:
    """One RDF term in SPARQL syntax, safe to embed in a query for any server.

    IRIs are re-checked for characters that could end the IRI token; literals are escaped
    with ECHAR escapes only (no ``\\u``), and values holding a backslash are refused.
    """
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, URIRef):
        s = str(term)
        if re.search(r"[\s<>\"{}|\\^`]", s):
            raise InputError(f"{param}: {s!r} cannot be written as a SPARQL IRI")
        return f"<{s}>"
    if isinstance(term, Literal):
        lexical = str(term)
        if "\\" in lexical:
            raise InputError(
                f"{param}: backslashes in parameter values cannot be sent safely to a remote "
                "endpoint (servers expand \\u escapes differently); run the query locally"
            )
        escaped = (
            lexical.replace('"', '\\"')
            .replace("\n", "\\n")
            .replace("\r", "\\r")
            .replace("\t", "\\t")
            .replace("\b", "\\b")
            .replace("\f", "\\f")
        )
        out = f'"{escaped}"'
        if term.language:
            if not re.fullmatch(r"[A-Za-z]+(-[A-Za-z0-9]+)*", term.language):
                raise InputError(f"{param}: bad language tag {term.language!r}")
            return f"{out}@{term.language}"
        if term.datatype is not None:
            return f"{out}^^{term_to_sparql(URIRef(term.datatype), param=param)}"
        return out
    if isinstance(term, BNode):
        raise InputError(f"{param}: a blank node cannot be bound on a remote endpoint")
    raise InputError(f"{param}: cannot bind {term!r}")


def inline_values(text: str, bindings: Mapping[str, Identifier]) -> str:
    """``text`` with a ``VALUES`` block that binds ``bindings``, first in the top WHERE group.

    Placed first in the outermost group, the block binds the variables before any other
    pattern, as rdflib's ``initBindings`` and pyoxigraph's ``substitutions`` do for the
    catalogue's queries (they use parameters only in the top-level group).
    """
    if not bindings:
        return text
    for name in bindings:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise InputError(f"{name!r} is not a SPARQL variable name")
    names = sorted(bindings)
    row = " ".join(term_to_sparql(bindings[n], param=n) for n in names)
    block = f" VALUES ({' '.join('?' + n for n in names)}) {{ ({row}) }} "
    masked = mask(text)
    m = re.search(r"\bWHERE\s*\{", masked, re.IGNORECASE)
    if m is None:
        # SELECT/ASK without the optional WHERE keyword: the first brace opens the group.
        brace = masked.find("{")
        if brace < 0 or re.match(r"\s*(PREFIX|BASE|\s)*CONSTRUCT", masked, re.IGNORECASE):
            raise InputError("cannot find the WHERE clause to bind parameters on a remote endpoint")
        pos = brace + 1
    else:
        pos = m.end()
    return text[:pos] + block + text[pos:]
