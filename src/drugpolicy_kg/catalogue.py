"""The SPARQL catalogue of competency questions (``assets/queries/catalogue/*.rq``).

Each query is data in the wheel with a comment header (STYLE.md: intent, parameters, columns)::

    # title: Practices that use a tool
    # description: The practices that use a tool, with the words of the Decision's text
    #    that ground each link (dpo:evidence on the owl:Axiom).
    # param: tool (tool) = SIS: the tool, by key, abbreviation, label or IRI
    # columns: practice, notation, title, evidence
    # requires: plans

Parameters are SPARQL variables of the same name. A user's value is never pasted into the
query text: :func:`resolve_params` turns a friendly value (``tool=SIS``, ``state=NLD``,
``practice=III.2``) into one RDF term, which the engine binds (rdflib ``initBindings``,
pyoxigraph ``substitutions``). Entity types are resolved against the data the engine holds,
so a value that names nothing in the KG is an :class:`~drugpolicy_kg.errors.InputError`
with suggestions, not a silent empty answer.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from . import netguard
from .errors import InputError
from .resources import iter_assets
from .sparql_safety import check_local

if TYPE_CHECKING:
    from collections.abc import Sequence

    from rdflib.term import Identifier

    from .engines.base import QueryEngine, QueryResult

CATALOGUE_FOLDER = "queries/catalogue"
SUFFIX = ".rq"

_PARAM_RE = re.compile(
    r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*\((?P<type>[a-z]+)\)\s*"
    r"(?:=\s*(?P<default>[^:]*?)\s*)?:\s*(?P<doc>.*)$"
)

#: Entity parameter types: the class (local name in dpo:) whose instances name the values,
#: and the IRI path segment of their keys (``tool/SIS``) or None for country IRIs.
ENTITY_TYPES: dict[str, str] = {
    "practice": "BestPractice",
    "block": "BuildingBlock",
    "theme": "Theme",
    "tool": "Tool",
    "actor": "Actor",
    "legal": "LegalInstrument",
    "state": "State",
    "status": "ImplementationStatus",
}
LITERAL_TYPES = ("string", "integer", "date")
PARAM_TYPES = (*ENTITY_TYPES, *LITERAL_TYPES, "iri")


@dataclass(frozen=True)
class Param:
    """One declared parameter: its SPARQL variable, type, default and help."""

    name: str
    type: str
    default: str | None
    doc: str


@dataclass(frozen=True)
class PivotSpec:
    """How a long result becomes a matrix (header ``# pivot: rows=… columns=… values=…``):
    one row per ``rows`` IRI, one column per ``columns`` IRI, the ``values`` column's label in
    the cell, and the columns grouped by the object of the ``group`` property (a CURIE)."""

    rows: str
    columns: str
    values: str
    group: str | None = None


@dataclass(frozen=True)
class CatalogueQuery:
    """One competency question: its SPARQL text and header."""

    name: str
    title: str
    description: str
    text: str
    params: tuple[Param, ...] = ()
    columns: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    source: str = ""
    #: IRI column -> the columns that label it (header ``# label: practice = notation title``):
    #: readable output shows the IRI's label in its column and leaves these out.
    labels: tuple[tuple[str, tuple[str, ...]], ...] = ()
    pivot: PivotSpec | None = None
    #: The name under which the same query answers in long form (header ``# long: NAME``).
    long_name: str | None = None

    @property
    def label_columns(self) -> dict[str, tuple[str, ...]]:
        """``labels`` as a dict."""
        return dict(self.labels)

    @property
    def needs_plans(self) -> bool:
        return "plans" in self.requires


@dataclass
class _Header:
    fields: dict[str, str] = field(default_factory=dict)
    params: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)


def parse_header(text: str) -> _Header:
    """The ``# key: value`` header; ``param`` may repeat; indented lines continue a value."""
    head = _Header()
    last: tuple[str, int] | None = None
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        body = line[1:]
        if body.startswith("   ") and last is not None:
            key, idx = last
            if key in ("param", "label"):
                getattr(head, key + "s")[idx] += " " + body.strip()
            else:
                head.fields[key] += " " + body.strip()
            continue
        name, sep, value = body.strip().partition(":")
        name = name.strip().lower()
        if not sep or not name or " " in name:
            last = None
            continue
        if name in ("param", "label"):
            items = getattr(head, name + "s")
            items.append(value.strip())
            last = (name, len(items) - 1)
        else:
            head.fields[name] = value.strip()
            last = (name, 0)
    return head


def parse_query_file(text: str, name: str, source: str = "") -> CatalogueQuery:
    """A :class:`CatalogueQuery` from a file's text; a malformed header is an InputError."""
    head = parse_header(text)
    params = []
    for raw in head.params:
        m = _PARAM_RE.match(raw)
        if not m:
            raise InputError(
                f"malformed parameter header {raw!r}: expected 'NAME (TYPE) = DEFAULT: help'",
                source or name,
            )
        ptype = m["type"]
        if ptype not in PARAM_TYPES:
            raise InputError(
                f"parameter {m['name']} has unknown type {ptype!r}; known: {', '.join(PARAM_TYPES)}",
                source or name,
            )
        default = m["default"]
        params.append(Param(m["name"], ptype, default if default else None, m["doc"].strip()))
    split = re.compile(r"[,\s]+")
    columns = tuple(c for c in split.split(head.fields.get("columns", "")) if c)
    requires = tuple(c for c in split.split(head.fields.get("requires", "")) if c)
    labels = []
    for raw in head.labels:
        column, sep, rest = raw.partition("=")
        parts = tuple(c for c in split.split(rest) if c)
        if not sep or not re.fullmatch(r"[A-Za-z_]\w*", column.strip()) or not parts:
            raise InputError(
                f"malformed label header {raw!r}: expected 'COLUMN = LABEL_COLUMN ...'",
                source or name,
            )
        labels.append((column.strip(), parts))
    return CatalogueQuery(
        name=name,
        title=head.fields.get("title", name),
        description=head.fields.get("description", ""),
        text=text,
        params=tuple(params),
        columns=columns,
        requires=requires,
        source=source,
        labels=tuple(labels),
        pivot=_pivot(head.fields.get("pivot"), source or name),
        long_name=head.fields.get("long") or None,
    )


def _pivot(raw: str | None, where: str) -> PivotSpec | None:
    """``rows=state columns=practice values=status group=dpo:buildingBlock``."""
    if not raw:
        return None
    parts = dict(p.partition("=")[::2] for p in raw.replace(",", " ").split())
    unknown = set(parts) - {"rows", "columns", "values", "group"}
    if unknown or not all(parts.get(k) for k in ("rows", "columns", "values")):
        raise InputError(
            f"malformed pivot header {raw!r}: expected 'rows=COL columns=COL values=COL "
            "[group=PROPERTY]'",
            where,
        )
    return PivotSpec(parts["rows"], parts["columns"], parts["values"], parts.get("group"))


_CACHE: dict[str, dict[str, CatalogueQuery]] = {}


def catalogue() -> dict[str, CatalogueQuery]:
    """All catalogue queries shipped in the wheel, by name (file name without ``.rq``)."""
    if "all" not in _CACHE:
        out = {}
        for res in iter_assets(CATALOGUE_FOLDER, SUFFIX):
            name = res.name[: -len(SUFFIX)]
            q = parse_query_file(
                res.read_text(encoding="utf-8"), name, f"queries/catalogue/{res.name}"
            )
            out[name] = q
            if q.long_name:  # the same question in long form, for scripts and spreadsheets
                out[q.long_name] = replace(
                    q, name=q.long_name, pivot=None, long_name=None, title=q.title + " (long form)"
                )
        _CACHE["all"] = out
    return _CACHE["all"]


#: The largest query file read (a SPARQL query, not a data dump).
_MAX_QUERY_BYTES = 10 * 1024 * 1024


def get(name_or_file: str) -> CatalogueQuery:
    """A catalogue query by name, or any ``.rq`` file (``-`` is not accepted here)."""
    queries = catalogue()
    if name_or_file in queries:
        return queries[name_or_file]
    path = Path(name_or_file)
    if path.exists() and not path.is_dir():
        from .rdfio import read_bounded

        try:  # bounded, and never a FIFO or device (issue #11, items 3 and 7)
            text = read_bounded(path, max_bytes=_MAX_QUERY_BYTES).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"cannot read the query: {exc}", str(path)) from None
        return parse_query_file(text, path.stem, str(path))
    close = difflib.get_close_matches(name_or_file, list(queries), n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else "; see `drugpolicy-kg queries`"
    raise InputError(f"no catalogue query or file named {name_or_file!r}{hint}")


# --- parameter resolution ------------------------------------------------------------------

_IRI_OK = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*$")


def check_iri(value: str, param: str = "value") -> str:
    """``value`` if it is an absolute IRI with no character that could end an IRI token."""
    if not _IRI_OK.match(value):
        raise InputError(f"{param}: {value!r} is not an absolute IRI")
    return value


class Resolver:
    """Maps friendly values to RDF terms: entity values through the one name resolver
    (:class:`drugpolicy_kg.graph.resolve.NameIndex`, over the names the engine holds),
    literals by their type.

    The lookup query is constant text: the class is bound as a parameter, and the user's
    value is only compared in Python, so it never reaches any query.
    """

    def __init__(self, engine: QueryEngine) -> None:
        from .graph.resolve import engine_index

        self.engine = engine
        self.index = engine_index(engine)

    def resolve(self, param: Param, value: str) -> Identifier:
        """The term ``value`` stands for as a value of ``param``; InputError if none."""
        from rdflib import Literal, URIRef
        from rdflib.namespace import XSD

        if param.type == "string":
            return Literal(value)
        if param.type == "integer":
            try:
                return Literal(int(value.strip()), datatype=XSD.integer)
            except ValueError as exc:
                raise InputError(f"{param.name}: {value!r} is not an integer") from exc
        if param.type == "date":
            try:
                day = _dt.date.fromisoformat(value.strip())
            except ValueError as exc:
                raise InputError(f"{param.name}: {value!r} is not a date (YYYY-MM-DD)") from exc
            return Literal(day.isoformat(), datatype=XSD.date)
        if param.type == "iri":
            return URIRef(check_iri(value.strip(), param.name))
        return URIRef(self.index.resolve(value, (param.type,), what=param.name).iri)


def resolve_params(
    query: CatalogueQuery, given: Mapping[str, str], engine: QueryEngine
) -> dict[str, Identifier]:
    """The bindings for ``query``: declared parameters (given or default) resolved to terms.

    For a query file without a header, every ``NAME=VALUE`` binds ``?NAME``: an absolute IRI
    in angle brackets (``<https://...>``) becomes an IRI, ``"text"@en`` a language-tagged
    string, anything else a plain string.
    """
    key = (query.name, query.text, tuple(sorted(given.items())))
    cache = engine.bindings_cache
    cached = cache.get(key)
    if cached is not None:
        return dict(cached)
    out = _resolve_params(query, given, engine)
    if len(cache) >= 1024:
        cache.clear()
    cache[key] = out
    return dict(out)


def _resolve_params(
    query: CatalogueQuery, given: Mapping[str, str], engine: QueryEngine
) -> dict[str, Identifier]:
    declared = {p.name: p for p in query.params}
    unknown = sorted(set(given) - set(declared))
    if unknown and declared:
        raise InputError(
            f"{query.name} has no parameter {', '.join(unknown)}; "
            f"its parameters: {', '.join(declared) or 'none'}"
        )
    resolver = Resolver(engine)
    out: dict[str, Identifier] = {}
    for p in query.params:
        value = given.get(p.name, p.default)
        if value is None or value == "":
            continue
        out[p.name] = resolver.resolve(p, value)
    if not declared:
        from rdflib import Literal, URIRef

        for name, value in given.items():
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                raise InputError(f"--param {name!r}: not a SPARQL variable name")
            tagged = re.fullmatch(r'"(.*)"@([A-Za-z]+(?:-[A-Za-z0-9]+)*)', value, re.DOTALL)
            if value.startswith("<") and value.endswith(">"):
                out[name] = URIRef(check_iri(value[1:-1], name))
            elif tagged:
                out[name] = Literal(tagged[1], lang=tagged[2])
            else:
                out[name] = Literal(value)
    return out


def parse_param_options(pairs: tuple[str, ...] | list[str]) -> dict[str, str]:
    """``["tool=SIS", "state=NLD"]`` -> dict; a pair without ``=`` is an InputError."""
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise InputError(f"--param {pair!r}: expected NAME=VALUE")
        out[name.strip()] = value
    return out


# --- running ---------------------------------------------------------------------------------

_LOCAL_PREFIX: list[str] = []


def _local_prefix() -> str:
    """The project's namespace (FROM of these IRIs is local); vocab imports rdflib, so late."""
    if not _LOCAL_PREFIX:
        from .vocab import DPK

        _LOCAL_PREFIX.append(str(DPK))
    return _LOCAL_PREFIX[0]


def run_query(
    name_or_file: str | CatalogueQuery,
    params: Mapping[str, str] | None = None,
    *,
    plans: Sequence[str] = (),
    engine: str | QueryEngine = "oxigraph",
    endpoint: str | None = None,
    timeout: float | None = 30.0,
    allow_remote: bool = False,
    use_cache: bool = False,
) -> QueryResult:
    """Run a catalogue query (by name) or a SPARQL file, the library call behind ``query``.

    ``engine`` is a name (``oxigraph``, ``rdflib``) or an engine already holding the data, so
    callers that run many queries load the dataset once. A local query is checked by
    :func:`~drugpolicy_kg.sparql_safety.check_local` and runs with the network switched off
    (:mod:`drugpolicy_kg.netguard`, when present); ``allow_remote`` lifts both.
    """
    if endpoint and plans:
        raise InputError(
            "--plans cannot be sent to a remote endpoint; load them into the store first "
            "(drugpolicy-kg publish --plans ...)"
        )
    q = name_or_file if isinstance(name_or_file, CatalogueQuery) else get(name_or_file)
    where = q.source or q.name
    local = endpoint is None
    if local and not allow_remote:
        check_local(q.text, source=where, local_prefix=_local_prefix())
    if q.needs_plans and not plans and local and isinstance(engine, str):
        import logging

        logging.getLogger(__name__).warning(
            "%s reads action plans; none were given (--plans PATH)", q.name
        )
    guard: contextlib.AbstractContextManager[object] = contextlib.nullcontext()
    if local and not allow_remote:
        guard = netguard.no_network()
    elif local:  # --allow-remote: a sandboxed engine may then open sockets (SERVICE)
        guard = netguard.allow_network()
    with guard:
        if isinstance(engine, str):
            from .engines import open_engine

            eng = open_engine(engine, plans=plans, endpoint=endpoint, use_cache=use_cache)
        else:
            eng = engine
        bindings = resolve_params(q, params or {}, eng)
        return eng.query(q.text, bindings=bindings, timeout=timeout, source=where)
