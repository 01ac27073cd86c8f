"""Validate what a person hands in: RDF in any syntax, or a filled-in spreadsheet, in memory.

One entry point for the CLI (``validate FILE``) and the web upload page:

- :func:`validate_upload` takes the bytes and a file name (or a syntax name such as ``turtle``,
  ``json-ld``, ``xlsx``, ``csv``), and returns a :class:`~.report.PlanReport` whose results
  carry a ``location``: the line of the offending entry's subject in RDF, the sheet, cell and
  row in a spreadsheet;
- :func:`validate_path` does the same for a file on disk (regular files only, size checked
  before reading).

Unreadable input raises :class:`~drugpolicy_kg.errors.InputError` naming the file and, where
known, the line or cell; nothing is fetched from the network; nothing else is read.
"""

from __future__ import annotations

import logging
import os
import stat

from ..errors import InputError
from ..plans.importer import Imported, import_spreadsheet, read_file
from ..plans.workbook import is_spreadsheet
from .deadline import Deadline
from .locate import Locator
from .report import PlanReport

#: Syntax names accepted instead of a file name.
SPREADSHEET_SYNTAXES = {"xlsx": "upload.xlsx", "csv": "upload.csv"}


def _quiet_rdflib() -> None:
    # rdflib logs a traceback for every ill-typed literal ("30.05.2024"^^xsd:date); the
    # validator reports such values itself, so the traceback is noise that looks like a crash.
    logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)


def validate_imported(imported: Imported, deadline: Deadline | None = None) -> PlanReport:
    """Validate a spreadsheet's plan; its problems become results located at their cells."""
    from ..netguard import no_network
    from .engine import _engine

    def locate(node: str | None, path: str | None) -> dict[str, object] | None:
        where = imported.locate(node, path)
        return {**where.as_json(), "node": node} if where is not None else None

    with no_network():
        return _engine(deadline).validate(
            imported.graph, imported.source, locate=locate, problems=imported.problems
        )


def validate_upload(
    data: bytes,
    filename_or_syntax: str,
    *,
    deadline: Deadline | None = None,
    name: str | None = None,
) -> PlanReport:
    """Validate an uploaded plan held in memory.

    ``filename_or_syntax``: the uploaded file's name (its extension chooses the reader, checked
    against the content), or a syntax: ``turtle``, ``json-ld``, ``xml``, ``nt``, ``trig``,
    ``xlsx``, ``csv`` (or a media type). ``name`` labels the file in messages and locations
    (default: the file name). Raises :class:`InputError` for unreadable input.
    """
    _quiet_rdflib()
    given = filename_or_syntax.strip()
    syntax = given.lower()
    label = name or given
    if syntax in SPREADSHEET_SYNTAXES:
        label = name or SPREADSHEET_SYNTAXES[syntax]
        return validate_imported(import_spreadsheet(data, label), deadline)
    if is_spreadsheet(given) or data.startswith(b"PK\x03\x04"):
        return validate_imported(import_spreadsheet(data, label), deadline)
    return _validate_rdf(data, label, None if "." in given or "/" in given else given, deadline)


def _validate_rdf(
    data: bytes, label: str, syntax: str | None, deadline: Deadline | None
) -> PlanReport:
    from ..netguard import no_network
    from ..rdfio import detect_format, load_untrusted, normalise_format, union_graph
    from .engine import _engine

    fmt = normalise_format(syntax) if syntax else None
    document = union_graph(load_untrusted(data, name=label, format=fmt))
    try:
        fmt = fmt or detect_format(label, data)
    except InputError:
        fmt = "turtle"
    locator = Locator(data.decode("utf-8", errors="replace").lstrip("\ufeff"), fmt)

    def locate(node: str | None, _path: str | None) -> dict[str, object] | None:
        return {"file": label, "line": locator.line_of(node), "node": node}

    with no_network():
        return _engine(deadline).validate(document, label, locate=locate)


def validate_path(path: str, deadline: Deadline | None = None) -> PlanReport:
    """Validate a plan file (RDF or spreadsheet) from disk, with locations."""
    _quiet_rdflib()
    if is_spreadsheet(path):
        return validate_imported(import_spreadsheet(read_file(path), path), deadline)
    if path == "-":
        from ..netguard import no_network
        from ..rdfio import load_untrusted, union_graph
        from .engine import validate_graph

        document = union_graph(load_untrusted(path))
        with no_network():
            return validate_graph(document, path, deadline)
    from ..rdfio import Limits, load_untrusted, union_graph

    document = union_graph(load_untrusted(path))  # the loader's checks and messages
    text = _text_for_lines(path, Limits().max_bytes)
    return _validate_loaded(document, path, text, deadline)


def _text_for_lines(path: str, limit: int) -> str:
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return ""
        with open(path, "rb") as fh:
            return fh.read(limit).decode("utf-8", errors="replace").lstrip("\ufeff")
    except OSError:
        return ""


def _validate_loaded(
    document: object, label: str, text: str, deadline: Deadline | None
) -> PlanReport:
    from rdflib import Graph

    from ..netguard import no_network
    from ..rdfio import detect_format

    assert isinstance(document, Graph)
    try:
        fmt = detect_format(label, text.encode("utf-8")[:65536])
    except InputError:
        fmt = "turtle"
    locator = Locator(text, fmt)

    def locate(node: str | None, _path: str | None) -> dict[str, object] | None:
        return {"file": label, "line": locator.line_of(node) if text else None, "node": node}

    from . import engine

    token = engine.CURRENT_LOCATE.set(locate)
    try:
        with no_network():
            return engine.validate_graph(document, label, deadline)
    finally:
        engine.CURRENT_LOCATE.reset(token)


__all__ = ["validate_imported", "validate_path", "validate_upload"]
