"""Read untrusted RDF (action plans) safely: the one entry point every command uses.

Action plans come from outside and must be treated as hostile (issue #8). A plain
``rdflib.Graph().parse(path)`` would fetch remote JSON-LD contexts and read ``file:`` URLs,
expand XML entities, recurse until ``RecursionError`` on ``[[[[...``, and hold any amount
of data in memory. :func:`load_untrusted` instead:

* reads at most :attr:`Limits.max_bytes`, requires UTF-8 (a BOM is stripped), and refuses
  NUL bytes and empty input;
* picks the format from the extension, checked against the content (see
  :func:`detect_format`);
* parses Turtle, N-Triples, N-Quads, TriG and RDF/XML with pyoxigraph (a streaming Rust
  parser: no network, no recursion, line and column in its errors), JSON-LD with rdflib
  after every ``@context``/``@import`` has been replaced by a vendored copy
  (:data:`VENDORED_CONTEXTS`), and TriX with rdflib;
* refuses ``<!DOCTYPE``/``<!ENTITY`` in XML before any XML parser sees the bytes;
* enforces :class:`Limits` on triples, literal length and nesting depth;
* runs inside :func:`drugpolicy_kg.netguard.no_network`, a backstop for anything missed.

Every failure is an :class:`~drugpolicy_kg.errors.InputError` naming the file and, when
known, the line and column; nothing else escapes. The loader executes nothing: SHACL
shapes, SPARQL rules and ``owl:imports`` found in a plan are plain triples, never used as
shapes or followed (see :func:`strip_or_flag_embedded` and ``docs/security.md``).
"""

from __future__ import annotations

import codecs
import copy
import json
import os
import re
import stat
import sys
import xml.parsers.expat
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from xml.sax import SAXParseException

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.term import Node

from drugpolicy_kg.errors import InputError
from drugpolicy_kg.indexed_store import graph_of
from drugpolicy_kg.netguard import no_network
from drugpolicy_kg.resources import read_text
from drugpolicy_kg.vocab import OWL, RDF, SH, XSD, known_iri

__all__ = [
    "FORMATS",
    "PROJECT_CONTEXT_URL",
    "RDF_EXTENSIONS",
    "VENDORED_CONTEXTS",
    "FoundPath",
    "Limits",
    "check_readable",
    "detect_format",
    "expand_paths",
    "load_graph",
    "load_many",
    "load_untrusted",
    "load_untrusted_into_store",
    "normalise_format",
    "opened",
    "read_bounded",
    "strip_or_flag_embedded",
    "union_graph",
]

#: File extensions the loader recognises, and the rdflib format name of each.
RDF_EXTENSIONS: Mapping[str, str] = {
    ".ttl": "turtle",
    ".turtle": "turtle",
    ".nt": "nt",
    ".ntriples": "nt",
    ".nq": "nquads",
    ".nquads": "nquads",
    ".trig": "trig",
    ".jsonld": "json-ld",
    ".json": "json-ld",
    ".rdf": "xml",
    ".owl": "xml",
    ".xml": "xml",
    ".trix": "trix",
}

#: The formats :func:`load_untrusted` parses (rdflib names).
FORMATS = frozenset(RDF_EXTENSIONS.values())

_FORMAT_ALIASES = {
    "ttl": "turtle",
    "n-triples": "nt",
    "ntriples": "nt",
    "n-quads": "nquads",
    "nq": "nquads",
    "jsonld": "json-ld",
    "json": "json-ld",
    "rdf/xml": "xml",
    "rdfxml": "xml",
    "application/rdf+xml": "xml",
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
    "application/n-quads": "nquads",
    "application/trig": "trig",
}

T = TypeVar("T")

_FAMILY = {
    "turtle": "text",
    "nt": "text",
    "nquads": "text",
    "trig": "text",
    "json-ld": "json",
    "xml": "xml",
    "trix": "xml",
}

_OX_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "xml": ox.RdfFormat.RDF_XML,
}


@dataclass(frozen=True)
class Limits:
    """Upper bounds on one input document; each exceeded bound is a clear InputError.

    The defaults are far above any real action plan (a few hundred triples) and low enough
    that a hostile file cannot exhaust memory or the Python stack.
    """

    max_bytes: int = 50 * 1024 * 1024
    max_triples: int = 1_000_000
    max_literal_chars: int = 1_000_000
    #: JSON nesting, XML element nesting and blank-node nesting (``[ :p [ :p ... ] ]``,
    #: nested collections). Long flat lists do not count: ``rdf:rest`` is not nesting.
    max_depth: int = 100
    #: Prefix declarations in one document (``@prefix``, ``PREFIX``, ``xmlns:``). A plan
    #: declares a dozen; binding each into rdflib's namespace manager costs time linear in
    #: those already bound, so 25,000 of them took 71 s (issue #11, item 5).
    max_prefixes: int = 1000
    #: Attributes (namespace declarations included) on one XML element. pyoxigraph's
    #: RDF/XML parser handles them in quadratic time: 200,000 took 70 s.
    max_attributes: int = 1000


# --------------------------------------------------------------------------- contexts


def _load_vendored() -> tuple[str, dict[str, Any]]:
    index = json.loads(read_text("contexts", "index.json"))
    contexts = {
        url: json.loads(read_text("contexts", filename))
        for url, filename in index["contexts"].items()
    }
    return index["project"], contexts


#: The project's own JSON-LD context, usable by plans as ``"@context": PROJECT_CONTEXT_URL``.
PROJECT_CONTEXT_URL: str
#: JSON-LD contexts the loader knows without fetching: URL -> JSON document. Data files in
#: ``assets/contexts``; add one there (with ``index.json``) to accept a new context.
VENDORED_CONTEXTS: Mapping[str, Any]
PROJECT_CONTEXT_URL, VENDORED_CONTEXTS = _load_vendored()


# --------------------------------------------------------------------------- public API


def normalise_format(format: str) -> str:
    """The rdflib name of ``format`` (accepts ``ttl``, ``jsonld``, media types...)."""
    name = format.strip().lower()
    name = _FORMAT_ALIASES.get(name, name)
    if name not in FORMATS:
        raise InputError(f"unknown RDF format {format!r}; use one of {', '.join(sorted(FORMATS))}")
    return name


def detect_format(name: str, data: bytes) -> str:
    """The rdflib format of ``data``: the extension first, checked against the content.

    Policy for a wrong extension: the content decides its *family* (JSON, XML or the
    Turtle family), because a misnamed file is common and the families cannot be confused;
    within the Turtle family the extension decides (N-Triples is Turtle, Turtle is TriG).
    So Turtle in ``plan.json`` is parsed as Turtle (sniffed as ``trig`` when it has
    ``{``-graphs), and JSON in ``plan.ttl`` as JSON-LD. Bytes that look like no RDF
    syntax at all (a PDF, a ZIP, binary) raise :class:`InputError`.
    """
    by_extension = RDF_EXTENSIONS.get(Path(name).suffix.lower()) if name else None
    head = _text_head(data)
    family = _sniff_family(head, data)
    if family is None:
        raise InputError(_binary_hint(data), name or None)
    if family == "xml":  # the root element tells TriX from RDF/XML, whatever the extension
        return "trix" if re.search(r"<(?:\w+:)?TriX\b", head) else "xml"
    if by_extension is not None and _FAMILY[by_extension] == family:
        return by_extension
    if family == "json":
        return "json-ld"
    return _sniff_text_format(head)


def load_untrusted(
    source: str | os.PathLike[str] | bytes,
    *,
    name: str | None = None,
    format: str | None = None,
    limits: Limits | None = None,
) -> Dataset:
    """Parse one untrusted RDF document into a new :class:`rdflib.Dataset`.

    ``source`` is a path (``str`` or ``Path``; ``"-"`` is stdin) or the document's bytes;
    a ``str`` is always a path, never content. ``name`` names bytes in messages and
    format detection. ``format`` (an rdflib name or alias) skips detection.

    A Dataset, not a Graph, because TriG, N-Quads, TriX and JSON-LD plans may put triples
    in named graphs and callers need all of them: the returned Dataset has
    ``default_union=True``, so ``ds.triples(...)`` sees every graph, and
    :func:`union_graph` flattens it for tools that want one Graph. Blank nodes get fresh
    identifiers, so plans loaded separately never share one. Relative IRIs resolve
    against the file's ``file:`` URI, as rdflib does.

    Reading runs in a child process under the shared input time limit
    (:func:`drugpolicy_kg.limits.input_timeout`), so a parser stuck on hostile input is
    stopped with :class:`~drugpolicy_kg.errors.TimeLimitExceeded`.

    Raises :class:`InputError` (file, line, column when known) and nothing else.
    """
    limits = limits or Limits()
    return _within_input_limit(
        lambda: _to_wire(_load_one(source, name, format, limits)),
        lambda wire: _from_wire(wire, limits),
        lambda: _load_one(source, name, format, limits),
        *_reading(source, name, limits),
    )


def load_graph(
    source: str | os.PathLike[str] | bytes,
    *,
    name: str | None = None,
    format: str | None = None,
    limits: Limits | None = None,
) -> Graph:
    """:func:`load_untrusted`, flattened: the triples of every graph of the document in one
    :class:`rdflib.Graph` (prefixes kept), as ``union_graph(load_untrusted(...))`` gives.

    The same checks, limits, time limit and messages; faster, because the triples go from
    pyoxigraph's parser straight into an :class:`~drugpolicy_kg.indexed_store.IndexedMemory`
    store in one loop instead of through an rdflib Dataset and a copy (measured in
    ``docs/benchmarks.md``). The graph may be changed like any other.
    """
    limits = limits or Limits()
    return _within_input_limit(
        lambda: _load_wire(source, name, format, limits),
        lambda wire: _graph_from_wire(wire, limits),
        lambda: _load_graph_here(source, name, format, limits),
        *_reading(source, name, limits),
    )


def _reading(
    source: str | os.PathLike[str] | bytes, name: str | None, limits: Limits
) -> tuple[str, Limits | None]:
    """What reading one source is called in a time-limit message, and the limits of standard
    input when the source is ``-`` (its bytes are read before the reader child starts)."""
    stdin = not isinstance(source, bytes | bytearray) and os.fspath(source) == "-"
    return f"reading {name or ('<stdin>' if stdin else _label_of(source))}", (
        limits if stdin else None
    )


def _load_wire(
    source: str | os.PathLike[str] | bytes,
    name: str | None,
    format: str | None,
    limits: Limits,
) -> tuple[Any, list[tuple[str, str]], str, str]:
    """Read and check one document; the wire form of :func:`_to_wire` (pyoxigraph's formats
    go from the parser to N-Quads bytes without an rdflib Dataset)."""
    with opened(source, name, format, limits) as (text, fmt, label, base):
        if fmt not in _OX_FORMATS:
            dataset = _parse(text, fmt, label, base, limits)
            dataset.__dict__["_dpkg_origin"] = (label, base)
            return _to_wire(dataset)
        _check_before_parsing(text, fmt, label, limits)
        parser = _ox_parser(text, fmt, base)
        children: dict[Any, set[Any]] = {}
        quads = list(_checked_quads(parser, fmt, label, limits, children))
        _check_prefixes(parser, label, limits)
        _check_depth(children, label, limits)
        prefixes = sorted((str(p), str(n)) for p, n in parser.prefixes.items() if p)
        wire = ox.serialize(quads, format=ox.RdfFormat.N_QUADS) if quads else b""
        return wire or b"", prefixes, label, base
    raise AssertionError("unreachable")  # pragma: no cover - the block returns or raises


def _load_graph_here(
    source: str | os.PathLike[str] | bytes,
    name: str | None,
    format: str | None,
    limits: Limits,
) -> Graph:
    """:func:`load_graph` in this process (already under a time limit, or none applies)."""
    with opened(source, name, format, limits) as (text, fmt, label, base):
        if fmt in _OX_FORMATS:
            _check_before_parsing(text, fmt, label, limits)
            quads, prefixes = _ox_rdflib_quads(text, fmt, label, base, limits)
            return graph_of(((s, p, o) for s, p, o, _g in quads), prefixes)
        dataset = _parse(text, fmt, label, base, limits)
        return graph_of(
            ((s, p, o) for s, p, o, _g in dataset.quads((None, None, None, None))),
            dataset.namespaces(),
        )
    raise AssertionError("unreachable")  # pragma: no cover - the block returns or raises


def _graph_from_wire(wire: tuple[Any, list[tuple[str, str]], str, str], limits: Limits) -> Graph:
    data, prefixes, label, base = wire
    if isinstance(data, list):  # rdflib quads (see _to_wire)
        return graph_of(((s, p, o) for s, p, o, _g in data), prefixes)
    if not data:
        return graph_of((), prefixes)
    quads, _ = _ox_rdflib_quads(data.decode("utf-8"), "nquads", label, base, limits)
    return graph_of(((s, p, o) for s, p, o, _g in quads), prefixes)


def _label_of(source: str | os.PathLike[str] | bytes) -> str:
    return "<bytes>" if isinstance(source, bytes | bytearray) else os.fspath(source)


def _within_input_limit(
    in_child: Callable[[], Any],
    in_parent: Callable[[Any], T],
    in_place: Callable[[], T],
    what: str,
    stdin: Limits | None = None,
) -> T:
    """``in_parent(in_child())`` with ``in_child`` in a child process under the input time
    limit, or ``in_place()`` where no limit applies (already inside a limited worker)."""
    from drugpolicy_kg.limits import INPUT_TIMEOUT_HINT, TimeLimit, input_timeout

    seconds = input_timeout()
    if seconds is None:
        return in_place()
    if stdin is not None:
        _stdin_bytes(stdin)
        _STDIN_PINNED[0] = True
    try:
        limit = TimeLimit(seconds, what=what, hint=INPUT_TIMEOUT_HINT)
        return in_parent(limit.run(_without_sockets, in_child))
    finally:
        _STDIN_PINNED[0] = False


def _without_sockets(fn: Callable[[], Any]) -> Any:
    """``fn()`` in a reader child whose IPv4/IPv6 sockets the kernel refuses: behind the
    audit hook of :func:`~drugpolicy_kg.netguard.no_network`, for code that opens sockets
    without Python (a parser written in Rust or C)."""
    from drugpolicy_kg.confine import block_network

    block_network()
    return fn()


def _to_wire(dataset: Dataset) -> tuple[Any, list[tuple[str, str]], str, str]:
    """A parsed dataset, its prefixes and origin, to cross a process boundary.

    As N-Quads bytes (pyoxigraph writes and reads them fast), or, for terms pyoxigraph
    refuses (rdflib's JSON-LD and TriX parsers accept IRIs such as ``a[b``), as a list of
    rdflib quads, which pickle as they are.
    """
    prefixes = [(str(p), str(n)) for p, n in dataset.namespaces()]
    label, base = dataset.__dict__.get("_dpkg_origin", ("<input>", "urn:x-input:"))
    try:
        quads = _dataset_quads_keep_graphs(dataset)
    except (ValueError, TypeError):
        terms = [
            (s, p, o, None if g is None else getattr(g, "identifier", g))
            for s, p, o, g in dataset.quads((None, None, None, None))
        ]
        return terms, prefixes, label, base
    data = ox.serialize(quads, format=ox.RdfFormat.N_QUADS) if quads else b""
    return data or b"", prefixes, label, base


def _from_wire(wire: tuple[Any, list[tuple[str, str]], str, str], limits: Limits) -> Dataset:
    data, prefixes, label, base = wire
    if isinstance(data, list):  # rdflib quads (see _to_wire)
        dataset = Dataset(default_union=True)
        graphs: dict[Any, Graph] = {}
        for s, p, o, g in data:
            if g is None or g == DATASET_DEFAULT_GRAPH_ID:
                target = dataset.default_graph
            else:
                target = graphs.get(g) or graphs.setdefault(g, dataset.graph(g))
            dataset.store.add((s, p, o), target)
    elif data:
        dataset = _parse_oxigraph(data.decode("utf-8"), "nquads", label, base, limits)
    else:
        dataset = Dataset(default_union=True)
    for prefix, namespace in prefixes:
        if prefix:
            dataset.bind(prefix, namespace, override=False)
    return dataset


def _dataset_quads_keep_graphs(dataset: Dataset) -> list[Any]:
    out = []
    for s, p, o, g in dataset.quads((None, None, None, None)):
        name = getattr(g, "identifier", g)
        graph: Any = (
            ox.DefaultGraph()
            if name is None or name == DATASET_DEFAULT_GRAPH_ID
            else to_ox_term(name)
        )
        out.append(ox.Quad(to_ox_term(s), to_ox_term(p), to_ox_term(o), graph))
    return out


def _load_one(
    source: str | os.PathLike[str] | bytes,
    name: str | None,
    format: str | None,
    limits: Limits,
) -> Dataset:
    with opened(source, name, format, limits) as (text, fmt, label, base):
        dataset = _parse(text, fmt, label, base, limits)
        dataset.__dict__["_dpkg_origin"] = (label, base)
        return dataset
    raise AssertionError("unreachable")  # pragma: no cover - the block returns or raises


@contextmanager
def opened(
    source: str | os.PathLike[str] | bytes,
    name: str | None,
    format: str | None,
    limits: Limits,
) -> Iterator[tuple[str, str, str, str]]:
    """Read one untrusted document and give ``(text, format, label, base)`` to the block that
    parses it: size bound, UTF-8 and format checked, no network, and whatever the block
    raises turned into an :class:`InputError` naming the file (every reader starts here)."""
    data, label, base = _read(source, name, limits)
    with _as_input_errors(label, limits):
        text = _check_text(data, label)
        fmt = normalise_format(format) if format else detect_format(label, data)
        with no_network():
            yield text, fmt, label, base


@contextmanager
def _as_input_errors(label: str, limits: Limits) -> Iterator[None]:
    """Whatever goes wrong while reading hostile input becomes an InputError naming the file.

    A parser bug must not show a traceback for hostile input either: unexpected exceptions are
    reported as such, with a request to report them.
    """
    try:
        yield
    except InputError as exc:
        if exc.source is None:
            exc.source = label
        raise
    except RecursionError:
        raise InputError(
            f"input nested too deeply to parse (limit {limits.max_depth} levels)", label
        ) from None
    except MemoryError as exc:
        if "maximal size" in str(exc):  # pyoxigraph's 16 MB token buffer, not the machine
            raise InputError(
                "a single literal or IRI is longer than the parser's buffer "
                f"({str(exc).rsplit(' ', 1)[-1]} bytes); literals may hold at most "
                f"{limits.max_literal_chars:,} characters",
                label,
            ) from None
        raise InputError("input too large to hold in memory", label) from None
    except Exception as exc:
        raise InputError(
            f"could not read the input ({type(exc).__name__}: {exc}); if the file is valid "
            "RDF, please report this",
            label,
        ) from exc


class FoundPath(str):
    """A file found inside a folder given by the user; ``root`` is that folder.

    A plain ``str`` everywhere else; :func:`read_bounded` uses ``root`` to refuse a symbolic
    link that leads out of the folder (issue #11, item 10).
    """

    root: str

    def __new__(cls, path: str, root: str) -> FoundPath:
        obj = super().__new__(cls, path)
        obj.root = root
        return obj

    def __reduce__(self) -> tuple[Any, ...]:
        return (FoundPath, (str(self), self.root))


def expand_paths(
    paths: Iterable[str | os.PathLike[str]], extensions: Iterable[str] = ()
) -> list[str]:
    """Files named by ``paths``: directories expand to their RDF files, recursively.

    Inside a directory only recognised extensions (:data:`RDF_EXTENSIONS`, plus
    ``extensions``, e.g. ``.xlsx``) count, hidden files and folders and the owner files Excel
    leaves beside an open workbook (``~$name.xlsx``) are skipped, symlinked folders are not
    followed, and the order is
    sorted so that results are deterministic. A file found in a folder is a
    :class:`FoundPath`, so that reading it refuses a symbolic link out of that folder. A
    file named explicitly is kept whatever its extension; ``-`` (stdin) is kept as is. A
    missing path raises :class:`InputError`.
    """
    wanted = set(RDF_EXTENSIONS) | {e.lower() for e in extensions}
    out: list[str] = []
    for item in paths:
        path = os.fspath(item)
        if path == "-":
            out.append(path)
        elif os.path.isdir(path):
            found: list[str] = []
            for root, dirs, files in os.walk(path):
                dirs[:] = [d for d in dirs if not d.startswith(".")]
                found.extend(
                    os.path.join(root, f)
                    for f in files
                    if not f.startswith((".", "~$")) and Path(f).suffix.lower() in wanted
                )
            out.extend(FoundPath(f, path) for f in sorted(found))
        elif os.path.lexists(path):
            out.append(path)
        else:
            raise InputError("no such file or directory", path)
    return out


_FILE_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _not_regular(mode: int) -> str | None:
    """What a non-regular file is, for the message; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a directory, not an RDF file"
    kind = next((what for test, what in _FILE_KINDS if test(mode)), "not a regular file")
    return f"is {kind}, not a regular file; only regular files are read"


def check_readable(path: str | os.PathLike[str], *, max_bytes: int | None = None) -> None:
    """Raise the :class:`InputError` that :func:`read_bounded` would, without reading.

    ``validate`` checks every file this way first, so that one unreadable file is that
    file's error and the other files are still validated and reported.
    """
    fd = _open_checked(
        path, os.fspath(path), Limits().max_bytes if max_bytes is None else max_bytes
    )
    os.close(fd)


def read_bounded(
    path: str | os.PathLike[str], *, label: str | None = None, max_bytes: int | None = None
) -> bytes:
    """The bytes of an untrusted file, refusing what could hang or exhaust memory.

    Issue #11, items 3, 7 and 10: the size is checked with ``stat`` before anything is
    read, and at most ``max_bytes + 1`` bytes are ever read (a file that grows, or lies
    about its size, still stops there); FIFOs, devices and sockets are refused before
    they are opened (a FIFO would block forever, ``/dev/zero`` never ends); a symbolic link
    found in a folder (:class:`FoundPath`) must stay inside that folder.
    """
    limit = Limits().max_bytes if max_bytes is None else max_bytes
    label = label or os.fspath(path)
    fd = _open_checked(path, label, limit)
    try:
        chunks: list[bytes] = []
        remaining = limit + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", label) from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:
        raise InputError(_too_big_bytes(len(data), limit), label)
    return data


def _open_checked(path: str | os.PathLike[str], label: str, limit: int) -> int:
    """A read-only descriptor of a regular file within ``limit`` bytes (see read_bounded)."""
    name = os.fspath(path)
    root = getattr(path, "root", None)
    try:
        if root is not None:
            real, real_root = os.path.realpath(name), os.path.realpath(root)
            if os.path.commonpath([real, real_root]) != real_root:
                raise InputError(
                    f"is a symbolic link that leads out of the folder {root}; links out of "
                    "a plan folder are not followed (name the file itself to read it)",
                    label,
                )
        before = os.stat(name)
        problem = _not_regular(before.st_mode)
        if problem:
            raise InputError(problem, label)
        if before.st_size > limit:
            raise InputError(_too_big_bytes(before.st_size, limit), label)
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
        fd = os.open(name, flags | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", label) from None
    try:
        after = os.fstat(fd)  # the file opened is the file checked (no swap in between)
        problem = _not_regular(after.st_mode)
        if problem:
            raise InputError(problem, label)
        if after.st_size > limit:
            raise InputError(_too_big_bytes(after.st_size, limit), label)
    except BaseException:
        os.close(fd)
        raise
    return fd


def load_many(
    paths: Iterable[str | os.PathLike[str]],
    *,
    format: str | None = None,
    limits: Limits | None = None,
) -> list[tuple[str, Dataset]]:
    """``(file name, dataset)`` for every file in :func:`expand_paths` order.

    Stops at the first unreadable file (its InputError). A command that reports on each
    file separately (``validate``) loops over :func:`expand_paths` itself instead.
    """
    files = expand_paths(paths)
    lim = limits or Limits()

    def in_place() -> list[tuple[str, Dataset]]:
        return [(str(path), _load_one(path, None, format, lim)) for path in files]

    def in_child() -> list[tuple[str, Any]]:
        return [(path, _to_wire(dataset)) for path, dataset in in_place()]

    def in_parent(wires: list[tuple[str, Any]]) -> list[tuple[str, Dataset]]:
        return [(path, _from_wire(wire, lim)) for path, wire in wires]

    stdin = lim if "-" in files else None
    return _within_input_limit(in_child, in_parent, in_place, f"reading {_many(files)}", stdin)


def _many(files: list[str]) -> str:
    return files[0] if len(files) == 1 else f"{len(files)} input files"


def load_untrusted_into_store(
    paths: Iterable[str | os.PathLike[str]],
    store: ox.Store,
    *,
    format: str | None = None,
    limits: Limits | None = None,
    default_graph: bool = False,
) -> list[tuple[str, Any, int]]:
    """Load untrusted RDF files straight into a pyoxigraph ``store``, without rdflib objects.

    The same input as :func:`load_many` (files and folders, :func:`expand_paths` order)
    passes the same checks, in the same code: size, UTF-8 and binary refusals
    (:func:`_read`, :func:`_check_text`), format detection, DTD refusal and XML depth,
    the triple, literal and blank-node-depth :class:`Limits`, file:line:col syntax errors,
    all inside :func:`~drugpolicy_kg.netguard.no_network`. Turtle, N-Triples, N-Quads, TriG
    and RDF/XML quads go from pyoxigraph's parser to the store as pyoxigraph terms (about
    ten times faster than building an rdflib Dataset first); JSON-LD and TriX take the
    rdflib path of :func:`load_untrusted` and are copied in.

    Every triple of a file, whatever graph the file puts it in, goes into one graph: the
    file's own named graph (its ``file:`` URI, the base IRI of its relative IRIs), or the
    default graph with ``default_graph=True`` (the catalogue's view, where plans join the
    KG, as :func:`union_graph` flattens a Dataset). A file is added only once it has been
    read to the end without error, so a refused file leaves nothing in the store; files
    before it stay loaded. Blank nodes get fresh identifiers per file.

    Returns ``(file, graph name, triples read)`` per file; raises :class:`InputError`.
    """
    lim = limits or Limits()
    files = expand_paths(paths)

    def in_place() -> list[tuple[str, Any, int]]:
        return _into_store(files, store, format, lim, default_graph)

    def in_child() -> tuple[list[tuple[str, bool, str, bytes, int]], Any]:
        """The checked quads of every file as N-Quads, and the error that stopped it."""
        from drugpolicy_kg.limits import pack_exception

        done: list[tuple[str, bool, str, bytes, int]] = []
        scratch = ox.Store()
        error = None
        for path in files:
            try:
                [(_, target, count)] = _into_store([path], scratch, format, lim, default_graph)
            except InputError as exc:
                error = pack_exception(exc)
                break
            named = not isinstance(target, ox.DefaultGraph)
            quads = list(scratch.quads_for_pattern(None, None, None, target))
            data = ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""
            scratch.clear()
            done.append((str(path), named, target.value if named else "", data, count))
        return done, error

    def in_parent(
        answer: tuple[list[tuple[str, bool, str, bytes, int]], Any],
    ) -> list[tuple[str, Any, int]]:
        from drugpolicy_kg.limits import rebuild_exception

        done, error = answer
        out: list[tuple[str, Any, int]] = []
        for path, named, graph, data, count in done:
            if data:
                store.load(data, format=ox.RdfFormat.N_QUADS)
            out.append((path, ox.NamedNode(graph) if named else ox.DefaultGraph(), count))
        if error is not None:
            raise rebuild_exception(error, "reading the input")
        return out

    stdin = lim if "-" in files else None
    return _within_input_limit(in_child, in_parent, in_place, f"reading {_many(files)}", stdin)


def _into_store(
    files: list[str], store: ox.Store, format: str | None, limits: Limits, default_graph: bool
) -> list[tuple[str, Any, int]]:
    out: list[tuple[str, Any, int]] = []
    for path in files:
        data, label, base = _read(path, None, limits)
        target: Any = ox.DefaultGraph() if default_graph else ox.NamedNode(base)
        with _as_input_errors(label, limits):
            text = _check_text(data, label)
            fmt = normalise_format(format) if format else detect_format(label, data)
            with no_network():
                if fmt in ("xml", "trix"):
                    _check_xml(text, label, limits)
                if fmt in _OX_FORMATS:
                    quads = _store_quads(text, fmt, label, base, limits, target)
                else:
                    quads = _dataset_quads(_parse(text, fmt, label, base, limits), target)
        store.extend(quads)
        out.append((str(path), target, len(quads)))
    return out


def _store_quads(
    text: str, fmt: str, label: str, base: str, limits: Limits, target: Any
) -> list[Any]:
    """The checked quads of one document, moved into graph ``target``."""
    children: dict[Any, set[Any]] = {}
    quad = ox.Quad
    parser = _ox_parser(text, fmt, base)
    quads = [
        quad(q.subject, q.predicate, q.object, target)
        for q in _checked_quads(parser, fmt, label, limits, children)
    ]
    _check_prefixes(parser, label, limits)
    _check_depth(children, label, limits)
    return quads


def to_ox_term(t: Node) -> Any:
    """An rdflib term as a pyoxigraph term (TypeError for anything that is not a term)."""
    if isinstance(t, URIRef):
        return ox.NamedNode(str(t))
    if isinstance(t, BNode):
        return ox.BlankNode(str(t))
    if isinstance(t, Literal):
        if t.language:
            return ox.Literal(str(t), language=t.language)
        if t.datatype is not None:
            return ox.Literal(str(t), datatype=ox.NamedNode(str(t.datatype)))
        return ox.Literal(str(t))
    raise TypeError(f"cannot convert {t!r} to a pyoxigraph term")


def _dataset_quads(dataset: Dataset, target: Any) -> list[Any]:
    """The triples of an rdflib Dataset as pyoxigraph quads in graph ``target``."""
    try:
        return [
            ox.Quad(to_ox_term(s), to_ox_term(p), to_ox_term(o), target)
            for s, p, o, _ in dataset.quads((None, None, None, None))
        ]
    except TypeError as exc:
        raise InputError(f"cannot store the term: {exc}") from None


def union_graph(dataset: Dataset) -> Graph:
    """All triples of every graph of ``dataset`` in one plain Graph (prefixes kept)."""
    graph = Graph()
    for prefix, namespace in dataset.namespaces():
        graph.bind(prefix, namespace, override=True, replace=True)
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        graph.add((s, p, o))
    return graph


#: Predicates that would make a SHACL engine or reasoner *do* something if a plan were
#: ever used as shapes or ontology. In a plan they are inert data; they are reported.
_EMBEDDED = (SH.sparql, SH.rule, SH.shapesGraph, SH.js, SH.jsLibrary, OWL.imports)


def strip_or_flag_embedded(graph: Graph, *, strip: bool = False) -> list[str]:
    """Warnings for embedded rules in a plan: ``sh:sparql``, ``sh:rule``, ``owl:imports``...

    The loader never executes them and validation only uses the project's own shapes, so
    they are harmless; a warning tells the submitter they were ignored. With
    ``strip=True`` the triples are also removed from ``graph`` (a Dataset included).
    """
    messages: list[str] = []
    found: list[Any] = []
    for predicate in _EMBEDDED:
        for s, p, o in graph.triples((None, predicate, None)):
            found.append((s, p, o))
            messages.append(
                f"ignored {_short(graph, p)} on {s.n3()}: "
                "a plan is data; its shapes, rules and imports are never run or fetched"
            )
    if strip:
        for triple in found:
            graph.remove(triple)
    return sorted(messages)


# --------------------------------------------------------------------------- reading


def _read(
    source: str | os.PathLike[str] | bytes, name: str | None, limits: Limits
) -> tuple[bytes, str, str]:
    """The raw bytes (at most ``max_bytes + 1``), a label for messages, and a base IRI."""
    if isinstance(source, bytes | bytearray):
        label = name or "<bytes>"
        data = bytes(source)
        base_path = Path.cwd() / (Path(name).name if name else "input")
    elif os.fspath(source) == "-":
        label = name or "<stdin>"
        data = _stdin_bytes(limits)
        base_path = Path.cwd() / "stdin"
    else:
        path = Path(os.fspath(source))
        label = name or str(os.fspath(source))  # a plain str, not a FoundPath
        base_path = path.absolute()
        data = read_bounded(source, label=label, max_bytes=limits.max_bytes)
    if len(data) > limits.max_bytes:
        raise InputError(_too_big(len(data), limits), label)
    return data, label, base_path.as_uri()


_STDIN: list[Any] = []  # [the sys.stdin object read, its bytes]
#: Set while a time-limited child reads: its sys.stdin is /dev/null, the bytes are cached.
_STDIN_PINNED = [False]


def _stdin_bytes(limits: Limits) -> bytes:
    """Standard input (at most ``max_bytes + 1`` bytes), read once per process.

    Read in the parent before a time-limited child is forked (a child's stdin is
    ``/dev/null``), and kept for the child to use.
    """
    if not _STDIN or (_STDIN[0] is not sys.stdin and not _STDIN_PINNED[0]):
        _STDIN[:] = [sys.stdin, sys.stdin.buffer.read(limits.max_bytes + 1)]
    data: bytes = _STDIN[1]
    return data


def _too_big(size: int, limits: Limits) -> str:
    return _too_big_bytes(size, limits.max_bytes)


def _too_big_bytes(size: int, limit: int) -> str:
    return f"input is larger than the limit of {limit:,} bytes (got {size:,}+)"


def _check_text(data: bytes, label: str) -> str:
    """Decode strict UTF-8 (BOM stripped), refusing NUL bytes and empty input."""
    if any(data.startswith(magic) for magic in _MAGIC):
        raise InputError(_binary_hint(data), label)
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise InputError("input is UTF-32; save it as UTF-8", label, 1, 1)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError("input is UTF-16; save it as UTF-8", label, 1, 1)
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    nul = data.find(b"\x00")
    if nul >= 0:
        line, column = _position(data, nul)
        raise InputError(
            f"NUL byte in input: {_binary_hint(data, default='not a text file')}",
            label,
            line,
            column,
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _position(data, exc.start)
        raise InputError(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); RDF files must be saved as UTF-8",
            label,
            line,
            column,
        ) from None
    if not text.strip():
        raise InputError("input is empty: no RDF to read", label)
    return text


def _position(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters) of a byte offset."""
    line = data.count(b"\n", 0, offset) + 1
    start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[start:offset].decode("utf-8", "replace")) + 1
    return line, column


_MAGIC = {
    b"%PDF": "a PDF document",
    b"PK\x03\x04": "a ZIP archive (e.g. .docx, .xlsx, .odt)",
    b"\xd0\xcf\x11\xe0": "an old Microsoft Office document",
    b"\x1f\x8b": "a gzip archive",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
}


def _binary_hint(data: bytes, default: str = "does not look like RDF") -> str:
    for magic, what in _MAGIC.items():
        if data.startswith(magic):
            return f"this is {what}, not RDF; export the action plan as Turtle, JSON-LD or RDF/XML"
    return (
        f"{default}: expected Turtle, N-Triples, N-Quads, TriG, JSON-LD, RDF/XML or TriX "
        "(UTF-8 text)"
    )


# --------------------------------------------------------------------------- sniffing

_XML_START = re.compile(r"<(?:\?xml|!|(?:[A-Za-z_][\w.-]*:)?(?:RDF|TriX)\b)")


def _text_head(data: bytes) -> str:
    head = data[:4096]
    if head.startswith(codecs.BOM_UTF8):
        head = head[len(codecs.BOM_UTF8) :]
    return head.decode("utf-8", "replace").lstrip()


def _sniff_family(head: str, data: bytes) -> str | None:
    if not head or "\x00" in head or any(data.startswith(m) for m in _MAGIC):
        return None
    if head[0] == "{":
        return "json"
    if head[0] == "[" and re.match(r"\[\s*(?:[\[{\"\d-]|true|false|null|\]\s*$|$)", head):
        return "json"  # inside a Turtle "[ ... ]" comes a predicate or "] more-turtle"
    if _XML_START.match(head):
        return "xml"
    # "<tag attr" is XML; an IRI like "<urn:x>" looks the same, so demand a namespace
    if re.match(r"<[A-Za-z_][\w.-]*(?::[\w.-]+)?[\s>/]", head) and re.search(
        r"\sxmlns(?::\w+)?\s*=", head
    ):
        return "xml"
    return "text"


_NQUADS_LINE = re.compile(r"^\s*(?:<[^>]*>|_:\S+)\s+<[^>]*>\s+.+\s+(?:<[^>]*>|_:\S+)\s*\.\s*$")
_NTRIPLES_LINE = re.compile(r"^\s*(?:<[^>]*>|_:\S+)\s+<[^>]*>\s+(?:<[^>]*>|_:\S+|\".*)\s*\.\s*$")


def _sniff_text_format(head: str) -> str:
    """Turtle, TriG or N-Quads: TriG if it has ``{`` graphs (TriG parses all Turtle)."""
    lines = [ln for ln in head.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    first = lines[0] if lines else ""
    if _NQUADS_LINE.match(first) and not _NTRIPLES_LINE.match(first):
        return "nquads"
    if re.search(r"(?:^|[\s>])(?:GRAPH\s+\S+\s*)?\{", head, re.IGNORECASE):
        return "trig"
    return "turtle"


# --------------------------------------------------------------------------- parsing


def _parse(text: str, fmt: str, label: str, base: str, limits: Limits) -> Dataset:
    _check_before_parsing(text, fmt, label, limits)
    if fmt in _OX_FORMATS:
        return _parse_oxigraph(text, fmt, label, base, limits)
    dataset = Dataset(default_union=True)
    if fmt == "json-ld":
        document = _prepare_jsonld(text, label, limits)
        _parse_rdflib(dataset, json.dumps(document), "json-ld", label, base)
    else:
        _parse_rdflib(dataset, text, "trix", label, base)
    _check_dataset(dataset, label, limits)
    return dataset


def _check_before_parsing(text: str, fmt: str, label: str, limits: Limits) -> None:
    """The checks every parse of ``fmt`` starts with (RDF/XML and TriX: no DTD, bounded)."""
    if fmt in ("xml", "trix"):
        _check_xml(text, label, limits)


def _parse_rdflib(dataset: Dataset, text: str, fmt: str, label: str, base: str) -> None:
    try:
        dataset.parse(data=text, format=fmt, publicID=base)
    except (InputError, RecursionError, MemoryError):
        raise
    except SAXParseException as exc:
        raise InputError(
            f"{fmt} syntax error: {exc.getMessage()}",
            label,
            exc.getLineNumber(),
            (exc.getColumnNumber() or 0) + 1,
        ) from None
    except Exception as exc:  # rdflib raises many types; for hostile input all are input errors
        raise InputError(f"cannot parse as {_FORMAT_LABEL[fmt]}: {exc}", label) from None


_FORMAT_LABEL = {
    "turtle": "Turtle",
    "nt": "N-Triples",
    "nquads": "N-Quads",
    "trig": "TriG",
    "json-ld": "JSON-LD",
    "xml": "RDF/XML",
    "trix": "TriX",
}
_OX_POSITION = re.compile(r"^Parser error (?:at|between) [^:]*: ")


def _ox_parser(text: str, fmt: str, base: str) -> Any:
    """A pyoxigraph quad parser of ``text`` (fresh blank-node ids: plans never share one)."""
    return ox.parse(
        text.encode("utf-8"), format=_OX_FORMATS[fmt], base_iri=base, rename_blank_nodes=True
    )


def _literal_bound(text: str, fmt: str) -> int | None:
    """The most characters a literal of ``text`` can have, if ``fmt`` bounds it by the text's
    length (for :func:`_checked_quads`): a Turtle-family literal is never longer than its text;
    an RDF/XML literal may be (an ``rdf:parseType="Literal"`` gets every namespace in scope
    copied into each element), so it is always measured."""
    return None if fmt in ("xml", "trix") else len(text)


def _checked_quads(
    parser: Any,
    fmt: str,
    label: str,
    limits: Limits,
    children: dict[Any, set[Any]],
    length: int | None = None,
) -> Iterator[Any]:
    """The parser's pyoxigraph quads, with the triple and literal limits enforced as they
    stream and the blank-node nesting recorded in ``children`` (check it with
    :func:`_check_depth` once the input is exhausted). Syntax errors become InputErrors with
    line and column. Shared by the rdflib path and the direct-to-store path. ``length``: the
    input's length in characters, for a syntax whose literals are never longer than their text
    (the Turtle family, not RDF/XML): literals of an input shorter than the literal limit are
    then not measured."""
    rest = _OX_RDF_REST
    literal, blank, quoted = ox.Literal, ox.BlankNode, ox.Triple
    max_triples = limits.max_triples
    max_chars = limits.max_literal_chars
    measure = length is None or length > max_chars
    count = 0
    try:
        for quad in parser:
            count += 1
            if count > max_triples:
                raise InputError(f"more than {max_triples:,} triples (the limit)", label)
            o = quad.object
            kind = type(o)
            if kind is literal:
                if measure and len(o.value) > max_chars:
                    raise InputError(
                        f"a literal of {len(o.value):,} characters exceeds the limit of "
                        f"{max_chars:,}",
                        label,
                    )
                s = quad.subject
            elif kind is blank:
                s = quad.subject
                if quad.predicate != rest:
                    if type(s) is blank:
                        children.setdefault(s, set()).add(o)
                    children.setdefault(o, set())
            elif kind is quoted:
                raise InputError("RDF-star quoted triples are not supported in action plans", label)
            else:
                s = quad.subject
            if type(s) is quoted:
                raise InputError("RDF-star quoted triples are not supported in action plans", label)
            yield quad
    except SyntaxError as exc:
        message = _OX_POSITION.sub("", exc.msg or str(exc))
        raise InputError(
            f"{_FORMAT_LABEL[fmt]} syntax error: {message}", label, exc.lineno, exc.offset
        ) from None
    except (InputError, RecursionError, MemoryError):
        raise
    except Exception as exc:
        raise InputError(f"cannot parse as {_FORMAT_LABEL[fmt]}: {exc}", label) from None


def _parse_oxigraph(text: str, fmt: str, label: str, base: str, limits: Limits) -> Dataset:
    """Stream pyoxigraph quads into an rdflib Dataset, enforcing the limits as it goes."""
    dataset = Dataset(default_union=True)
    store = dataset.store
    default = dataset.default_graph
    graphs: dict[Any, Graph] = {}
    quads, prefixes = _ox_rdflib_quads(text, fmt, label, base, limits)
    for s, p, o, name in quads:
        if name is None:
            graph = default
        else:
            graph = graphs.get(name) or graphs.setdefault(name, dataset.graph(name))
        store.add((s, p, o), graph)
    for prefix, namespace in prefixes:
        dataset.bind(prefix, namespace, override=False)
    return dataset


def _ox_rdflib_quads(
    text: str, fmt: str, label: str, base: str, limits: Limits
) -> tuple[list[tuple[Node, Node, Node, Any]], list[tuple[str, str]]]:
    """The document's quads as rdflib terms (graph name ``None`` for the default graph) and
    its prefixes, the limits enforced as the parser streams."""
    out: list[tuple[Node, Node, Node, Any]] = []
    iris: dict[str, URIRef] = {}
    children: dict[Any, set[Any]] = {}
    #: pyoxigraph term -> rdflib term: a term met again (IRIs, statuses, dates, the plan's own
    #: nodes) costs one look-up, not a new string and object
    seen: dict[Any, Node] = {}
    named, blank, literal = ox.NamedNode, ox.BlankNode, ox.Literal
    known = known_iri

    def term(t: Any) -> Node:
        found = seen.get(t)
        if found is not None:
            return found
        kind = type(t)
        made: Node
        if kind is named:
            value = t.value
            iri = iris.get(value)
            if iri is None:  # the package's own object for a vocabulary IRI (vocab.known_iri)
                iri = iris[value] = known(value) or URIRef(value)
            made = iri
        elif kind is blank:
            made = BNode(t.value)
        elif kind is literal:
            if t.language:
                made = Literal(t.value, lang=t.language)
            else:
                datatype = t.datatype.value
                if datatype == _XSD_STRING:
                    made = Literal(t.value)
                else:
                    iri = iris.get(datatype)
                    if iri is None:
                        iri = iris[datatype] = known(datatype) or URIRef(datatype)
                    made = Literal(t.value, datatype=iri)
        else:
            raise InputError("RDF-star quoted triples are not supported in action plans", label)
        seen[t] = made
        return made

    parser = _ox_parser(text, fmt, base)
    default = ox.DefaultGraph
    append = out.append
    for quad in _checked_quads(parser, fmt, label, limits, children, _literal_bound(text, fmt)):
        name = quad.graph_name
        append(
            (
                term(quad.subject),
                term(quad.predicate),
                term(quad.object),
                None if isinstance(name, default) else term(name),
            )
        )
    _check_prefixes(parser, label, limits)
    _check_depth(children, label, limits)
    prefixes = sorted((p, n) for p, n in parser.prefixes.items() if p)
    return out, prefixes


_XSD_STRING = str(XSD.string)
_OX_RDF_REST = ox.NamedNode(str(RDF.rest))


def _check_dataset(dataset: Dataset, label: str, limits: Limits) -> None:
    """Triples, literal size and blank-node depth of a dataset rdflib parsed."""
    children: dict[BNode, set[BNode]] = {}
    for count, (s, p, o, _) in enumerate(dataset.quads((None, None, None, None)), 1):
        if count > limits.max_triples:
            raise InputError(f"more than {limits.max_triples:,} triples (the limit)", label)
        if isinstance(o, Literal) and len(o) > limits.max_literal_chars:
            raise InputError(
                f"a literal of {len(o):,} characters exceeds the limit of "
                f"{limits.max_literal_chars:,}",
                label,
            )
        if isinstance(o, BNode) and p != RDF.rest:
            if isinstance(s, BNode):
                children.setdefault(s, set()).add(o)
            children.setdefault(o, set())
    _check_depth(children, label, limits)


def _check_prefixes(parser: Any, label: str, limits: Limits) -> None:
    """At most :attr:`Limits.max_prefixes` prefix declarations (counted once parsed)."""
    count = len(parser.prefixes)
    if count > limits.max_prefixes:
        raise InputError(
            f"{count:,} prefix declarations exceed the limit of {limits.max_prefixes:,}", label
        )


def _check_depth(children: Mapping[Any, set[Any]], label: str, limits: Limits) -> None:
    """Longest chain of blank nodes nested as objects, without recursion.

    Deep blank-node nesting is harmless to the streaming parser but makes recursive code
    downstream (rdflib's Turtle serializer, SHACL path evaluation) hit ``RecursionError``.
    ``rdf:rest`` links are skipped so that a long flat list is not "deep". Cycles, possible
    with ``_:b`` labels, are cut.
    """
    height: dict[Any, int] = {}
    on_stack: set[Any] = set()
    for root in children:
        if root in height:
            continue
        stack: list[tuple[Any, Iterator[Any]]] = [(root, iter(children[root]))]
        on_stack.add(root)
        while stack:
            node, pending = stack[-1]
            child = next(pending, None)
            if child is None:
                stack.pop()
                on_stack.discard(node)
                height[node] = 1 + max(
                    (height.get(c, 0) for c in children.get(node, ()) if c not in on_stack),
                    default=0,
                )
                if height[node] > limits.max_depth:
                    raise InputError(
                        f"blank nodes nested more than {limits.max_depth} levels deep (the limit)",
                        label,
                    )
            elif child not in height and child not in on_stack:
                on_stack.add(child)
                stack.append((child, iter(children.get(child, ()))))


# --------------------------------------------------------------------------- XML

_DTD = re.compile(r"<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST)", re.IGNORECASE)
_XML_DECL_ENCODING = re.compile(r"^<\?xml[^>]*\bencoding\s*=\s*[\"']([^\"']+)[\"']")


def _check_xml(text: str, label: str, limits: Limits) -> None:
    """Refuse DTDs before any XML parser runs, then check well-formedness and depth.

    A DTD is how XML attacks work: entity expansion ("billion laughs") and external
    entities (reading local files, fetching URLs). RDF/XML never needs one, so a
    ``<!DOCTYPE`` or ``<!ENTITY`` anywhere (even in a comment) is refused. The expat pass
    gives line and column for well-formedness errors (pyoxigraph's RDF/XML errors have
    none) and bounds element nesting, which pyoxigraph handles in quadratic time.
    """
    match = _DTD.search(text)
    if match:
        line = text.count("\n", 0, match.start()) + 1
        column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
        raise InputError(
            f"XML <!{match.group(1).upper()}> declarations are refused: DTDs enable entity "
            "expansion and external entity attacks, and RDF/XML does not need them",
            label,
            line,
            column,
        )
    declared = _XML_DECL_ENCODING.match(text)
    if declared and declared.group(1).lower().replace("_", "-") not in (
        "utf-8",
        "utf8",
        "us-ascii",
        "ascii",
    ):
        raise InputError(
            f"the XML declaration says encoding={declared.group(1)!r}; only UTF-8 is accepted",
            label,
            1,
        )
    parser = xml.parsers.expat.ParserCreate("utf-8")
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    depth = 0
    prefixes = 0

    def start(_name: str, attrs: dict[str, str]) -> None:
        nonlocal depth, prefixes
        depth += 1
        if len(attrs) > limits.max_attributes:
            raise InputError(
                f"an XML element with more than {limits.max_attributes:,} attributes (the limit)",
                label,
                parser.CurrentLineNumber,
                parser.CurrentColumnNumber + 1,
            )
        prefixes += sum(1 for a in attrs if a == "xmlns" or a.startswith("xmlns:"))
        if prefixes > limits.max_prefixes:
            raise InputError(
                f"more than {limits.max_prefixes:,} XML namespace declarations (the limit)",
                label,
                parser.CurrentLineNumber,
                parser.CurrentColumnNumber + 1,
            )
        if depth > limits.max_depth:
            raise InputError(
                f"XML elements nested more than {limits.max_depth} levels deep (the limit)",
                label,
                parser.CurrentLineNumber,
                parser.CurrentColumnNumber + 1,
            )

    def end(_name: str) -> None:
        nonlocal depth
        depth -= 1

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(text.encode("utf-8"), True)
    except xml.parsers.expat.ExpatError as exc:
        raise InputError(
            f"XML syntax error: {xml.parsers.expat.ErrorString(exc.code)}",
            label,
            exc.lineno,
            exc.offset + 1,
        ) from None


# --------------------------------------------------------------------------- JSON-LD


def _prepare_jsonld(text: str, label: str, limits: Limits) -> Any:
    """Parse JSON, bound its depth, and inline every context from the vendored registry.

    rdflib would fetch a string ``@context`` (``http:``, ``https:`` and ``file:`` alike,
    and relative ones resolved against the file's URL), including scoped contexts in term
    definitions and ``@import``. After this pass no such string is left: each is replaced
    by its vendored JSON or refused, so rdflib has nothing to fetch.
    """

    def refuse_constant(value: str) -> Any:
        raise InputError(f"{value} is not valid JSON", label)

    try:
        document = json.loads(text, parse_constant=refuse_constant)
    except json.JSONDecodeError as exc:
        raise InputError(f"JSON syntax error: {exc.msg}", label, exc.lineno, exc.colno) from None
    except RecursionError:
        raise InputError(
            f"JSON nested more than {limits.max_depth} levels deep (the limit)", label
        ) from None
    _check_json_depth(document, label, limits)
    _inline_contexts(document, label)
    return document


def _check_json_depth(document: Any, label: str, limits: Limits) -> None:
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limits.max_depth:
            raise InputError(
                f"JSON nested more than {limits.max_depth} levels deep (the limit)", label
            )
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values() if isinstance(v, dict | list))
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node if isinstance(v, dict | list))


def _vendored(url: Any, label: str, key: str) -> Any:
    if not isinstance(url, str):
        raise InputError(f"invalid JSON-LD {key}: {json.dumps(url)[:80]}", label)
    if url in VENDORED_CONTEXTS:
        return copy.deepcopy(VENDORED_CONTEXTS[url]["@context"])
    known = ", ".join(sorted(VENDORED_CONTEXTS))
    raise InputError(
        f"JSON-LD {key} {url!r} is not fetched: remote and local context references are "
        f"refused for security. Inline the context in the document, or use a known context "
        f"({known})",
        label,
    )


def _inline_contexts(document: Any, label: str) -> None:
    """Replace, in place and without recursion, every context reference by its JSON."""
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        if "@context" in node:
            node["@context"] = _inline_context_value(node["@context"], label)
        if "@import" in node:
            imported = _vendored(node.pop("@import"), label, "@import")
            if not isinstance(imported, dict):
                raise InputError("JSON-LD @import must name a context object", label)
            merged = {**imported, **node}
            node.clear()
            node.update(merged)
        stack.extend(node.values())


def _inline_context_value(value: Any, label: str) -> Any:
    if isinstance(value, str):
        return _vendored(value, label, "@context")
    if isinstance(value, list):
        return [_vendored(v, label, "@context") if isinstance(v, str) else v for v in value]
    if value is None or isinstance(value, dict):
        return value
    raise InputError(f"invalid JSON-LD @context: {json.dumps(value)[:80]}", label)


def _short(graph: Graph, iri: Node) -> str:
    """``sh:rule`` when a prefix is bound, else ``<...>``."""
    try:
        return graph.namespace_manager.normalizeUri(str(iri))
    except Exception:
        return iri.n3()
