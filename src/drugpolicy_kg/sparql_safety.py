"""Keeping local SPARQL local, and user values out of query text.

Issue #4, point 5, and issue #11, item 2: a local query never fetches. ``SERVICE``, ``LOAD``
(and every other update) and ``FROM`` / ``FROM NAMED`` of an IRI outside the project's
namespace are refused before any engine sees the query, unless the user passes
``--allow-remote``. :func:`check_local` is the one entry point (the CLI's ``query`` and any
web layer call it with the query text and get an :class:`~drugpolicy_kg.errors.InputError`).

Three layers, because no single parser is the one that runs the query:

1. ``\\uXXXX`` escapes are expanded first, as SPARQL 1.1 §19.2 and both engines do before
   parsing (``\\u0053ERVICE`` is ``SERVICE``).
2. A token scan: comments, strings and IRIs are blanked out, then every keyword is looked at,
   including one glued to a number (``1SERVICE``, which oxigraph reads as ``1 SERVICE`` and
   rdflib refuses to parse, so a parser-only check would miss it).
3. The parsed query: rdflib's SPARQL parser builds the syntax tree and every node is walked
   for ``ServiceGraphPattern``, dataset clauses (FROM, with prefixed names resolved) and
   update operations, whatever the nesting (sub-selects, ``EXISTS``, ``OPTIONAL``, ``UNION``).
   The project's shipped queries skip this step (they are reviewed code, and parsing them
   would add rdflib's parser to every catalogue query's start-up).

Behind these, the engines themselves cannot reach the network for an untrusted query: it
runs in a child process whose sockets are switched off (:mod:`drugpolicy_kg.engines.sandbox`),
and rdflib's automatic loading of graphs named in ``FROM`` is switched off
(:func:`disable_rdflib_loading`).

For remote endpoints, where no binding API exists, :func:`inline_values` binds parameters
with a ``VALUES`` block of RDF terms serialised by :func:`term_to_sparql`, never with the
user's raw text. Backslashes are refused there: SPARQL lets servers expand ``\\u0022``
escapes before parsing (SPARQL 1.1 §19.2) and servers differ in how they do it, so no
escaping of a backslash is safe on every server.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

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
#: A keyword token. A number may be glued in front of it (``1SERVICE``, ``-1.5e3SERVICE``):
#: SPARQL's tokeniser ends the number where the letters begin. A keyword right after ``?``,
#: ``$``, ``:``, ``@`` or ``-`` is part of a variable, prefixed name or language tag.
_KEYWORD_RE = re.compile(
    r"(?<![\w?$:@\-])(?:[+-]?[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)?([A-Za-z]+)(?![\w:])"
)
_UNICODE_ESCAPE_RE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
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


def expand_unicode_escapes(text: str) -> str:
    """``text`` with ``\\uXXXX`` and ``\\UXXXXXXXX`` escapes replaced by their characters.

    SPARQL 1.1 §19.2 applies these escapes to the whole query before parsing, and oxigraph
    and rdflib both do, so a keyword can be spelled ``\\u0053ERVICE``. An escape of a code
    point that is not a character (a surrogate, or above U+10FFFF) is left as it is; both
    engines refuse such a query.
    """

    def expand(m: re.Match[str]) -> str:
        code = int(m.group(1) or m.group(2), 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return m.group(0)
        return chr(code)

    return _UNICODE_ESCAPE_RE.sub(expand, text) if "\\" in text else text


def check_local(text: str, *, source: str = "<query>", local_prefix: str | None = None) -> None:
    """Refuse a query that would fetch or change anything (exit 2 through InputError).

    ``local_prefix`` is the namespace whose IRIs may appear in FROM (the project's own graph
    names); every other FROM IRI is an outside document a local engine could try to load.
    The error names ``source`` and, where the token scan found it, the line and column.
    A text that passed once is remembered, so repeated catalogue queries skip the checks.
    """
    if (text, local_prefix) in _PASSED:
        return
    expanded = expand_unicode_escapes(text)
    _check_local(expanded, source, local_prefix)
    if not is_shipped(text):
        _check_parsed(expanded, source, local_prefix)
    if len(_PASSED) > 1024:
        _PASSED.clear()
    _PASSED.add((text, local_prefix))


_PASSED: set[tuple[str, str | None]] = set()
_SHIPPED: list[frozenset[str]] = []


_TRUSTED: set[str] = set()


def trust(text: str) -> str:
    """Register ``text``, a query the package itself builds (no user text in it), as one of
    its own (:func:`is_shipped`); returns it."""
    _TRUSTED.add(text)
    return text


def is_shipped(text: str) -> bool:
    """Whether ``text`` is one of the project's own queries (catalogue or QC files, or a
    text registered with :func:`trust`).

    Those are reviewed code; any other text (a user's ``.rq`` file, a web form) is not.
    """
    if text in _TRUSTED:
        return True
    if not _SHIPPED:
        from .resources import asset

        texts: set[str] = set()
        for folder in ("catalogue", "qc"):
            node = asset("queries", folder)
            if node.is_dir():
                texts.update(
                    c.read_text(encoding="utf-8") for c in node.iterdir() if c.name.endswith(".rq")
                )
        _SHIPPED.append(frozenset(texts))
    return text in _SHIPPED[0]


def _refuse_service(source: str, line: int | None = None, col: int | None = None) -> InputError:
    return InputError(
        "SERVICE calls a remote endpoint; local queries never fetch. "
        "Pass --allow-remote to permit it",
        source,
        line,
        col,
    )


def _refuse_update(word: str, source: str, line: int | None, col: int | None) -> InputError:
    return InputError(
        f"{word} is a SPARQL update; `query` is read-only and never loads or changes "
        "data (LOAD would fetch a document)",
        source,
        line,
        col,
    )


def _refuse_from(
    named: bool, iri: str, source: str, line: int | None, col: int | None
) -> InputError:
    return InputError(
        f"FROM {'NAMED ' if named else ''}{iri} names an outside graph, which a "
        "local engine would have to fetch. Pass --allow-remote to permit it",
        source,
        line,
        col,
    )


def _check_local(text: str, source: str, local_prefix: str | None) -> None:
    """The token scan (layer 2 of the module docstring)."""
    masked = mask(text)
    for m in _KEYWORD_RE.finditer(masked):
        word = m.group(1).upper()
        if word == "SERVICE":
            raise _refuse_service(source, *_line_col(text, m.start(1)))
        if word in _UPDATE_KEYWORDS and _starts_statement(masked, m.start(1)):
            raise _refuse_update(word, source, *_line_col(text, m.start(1)))
    for m in _FROM_RE.finditer(masked):
        if not _starts_statement(masked, m.start()):
            continue  # a dataset clause sits outside every group
        start = m.start(2)
        raw_iri = text[start : start + len(m.group(2))]
        iri = raw_iri[1:-1] if raw_iri.startswith("<") else raw_iri
        if local_prefix and raw_iri.startswith("<") and iri.startswith(local_prefix):
            continue
        raise _refuse_from(bool(m.group(1)), raw_iri, source, *_line_col(text, m.start()))


def _check_parsed(text: str, source: str, local_prefix: str | None) -> None:
    """The syntax-tree walk (layer 3 of the module docstring).

    A text rdflib's parser cannot read is left to the engine, which reports the syntax
    error with its position; if the engine's grammar accepts what rdflib's refuses, the
    token scan has already looked at it and the engine runs it without network.
    """
    from rdflib.plugins.sparql import parser

    try:
        tree: object = parser.Query.parse_string(text, parse_all=True)
    except Exception:
        try:
            update = parser.UpdateUnit.parse_string(text, parse_all=True)
        except Exception:
            return
        first = _first_update(update)
        raise _refuse_update(first, source, None, None) from None
    prefixes: dict[str, str] = {}
    stack: list[object] = [tree]
    while stack:
        node = stack.pop()
        name = getattr(node, "name", None)
        if name == "PrefixDecl":
            prefixes[str(_get(node, "prefix") or "")] = str(_get(node, "iri"))
        elif name == "ServiceGraphPattern":
            raise _refuse_service(source)
        elif name == "DatasetClause":
            for key in ("default", "named"):
                value = _get(node, key)
                if value is None:
                    continue
                iri = _resolve(value, prefixes)
                if local_prefix and iri is not None and iri.startswith(local_prefix):
                    continue
                raise _refuse_from(
                    key == "named", f"<{iri}>" if iri else str(value), source, None, None
                )
        stack.extend(reversed(_children(node)))


def _resolve(value: object, prefixes: Mapping[str, str]) -> str | None:
    """The IRI of a FROM clause's term: an IRI, or a prefixed name with a declared prefix."""
    if getattr(value, "name", None) == "pname":
        prefix = str(_get(value, "prefix") or "")
        if prefix not in prefixes:
            return None
        return prefixes[prefix] + str(_get(value, "localname") or "")
    return str(value)


def _first_update(update: object) -> str:
    """The keyword of the first operation of a parsed update (``LOAD``, ``INSERT``...)."""
    names = {
        "Load": "LOAD",
        "Clear": "CLEAR",
        "Drop": "DROP",
        "Create": "CREATE",
        "Add": "ADD",
        "Move": "MOVE",
        "Copy": "COPY",
        "InsertData": "INSERT",
        "DeleteData": "DELETE",
        "DeleteWhere": "DELETE",
        "Modify": "DELETE/INSERT",
    }
    stack: list[object] = [update]
    while stack:
        node = stack.pop()
        name = getattr(node, "name", None)
        if name in names:
            return names[str(name)]
        stack.extend(_children(node))
    return "the text"


def _get(node: Any, key: str) -> Any:
    """A field of a syntax-tree node, or None (``CompValue.get`` answers a missing key with
    the key's own name)."""
    return dict.get(node, key) if isinstance(node, dict) else None


def _children(node: Any) -> list[Any]:
    """The child nodes of a node of rdflib's SPARQL syntax tree."""
    if isinstance(node, dict):  # CompValue
        return list(node.values())
    if isinstance(node, list | tuple) or type(node).__name__ == "ParseResults":
        return list(node)
    return []


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
