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
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..plans.workbook import is_spreadsheet
from .deadline import Deadline
from .locate import Locator
from .report import PlanReport

if TYPE_CHECKING:
    from ..plans.importer import Imported

#: Syntax names accepted instead of a file name.
SPREADSHEET_SYNTAXES = {"xlsx": "upload.xlsx", "csv": "upload.csv"}


def _quiet_rdflib() -> None:
    # rdflib logs a traceback for every ill-typed literal ("30.05.2024"^^xsd:date); the
    # validator reports such values itself, so the traceback is noise that looks like a crash.
    logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)


def _with_chain(report: PlanReport, graph: Any, chains: bool) -> PlanReport:
    """``report`` with the revision-chain results of its own plan(s) (docs/monitoring.md), as
    ``validate FILE`` gives them for one file."""
    if chains:
        from ..monitoring.revisions import plans_from_graph
        from .chain import add_chain_results

        plans = plans_from_graph(graph, report.file)
        add_chain_results([report], plans)
        report.records = report.records or plans  # the service shows the plan's peers from them
    return report


def validate_imported(
    imported: Imported, deadline: Deadline | None = None, *, chains: bool = False
) -> PlanReport:
    """Validate a spreadsheet's plan; its problems become results located at their cells.
    ``chains``: add the revision-chain checks of this one file, as ``validate FILE`` does."""
    from ..netguard import no_network
    from .engine import _engine

    def locate(node: str | None, path: str | None) -> dict[str, object] | None:
        where = imported.locate(node, path)
        return {**where.as_json(), "node": node} if where is not None else None

    with no_network():
        report = _engine(deadline).validate(
            imported.graph, imported.source, locate=locate, problems=imported.problems
        )
    return _with_chain(report, imported.graph, chains)


def validate_upload(
    data: bytes,
    filename_or_syntax: str,
    *,
    deadline: Deadline | None = None,
    name: str | None = None,
    chains: bool = False,
) -> PlanReport:
    """Validate an uploaded plan held in memory (``chains``: with the revision-chain checks
    of this one document, as ``validate FILE`` gives them).

    ``filename_or_syntax``: the uploaded file's name (its extension chooses the reader, checked
    against the content), or a syntax: ``turtle``, ``json-ld``, ``xml``, ``nt``, ``trig``,
    ``xlsx``, ``csv`` (or a media type). ``name`` labels the file in messages and locations
    (default: the file name). Raises :class:`InputError` for unreadable input.
    """
    from ..plans.importer import import_spreadsheet

    _quiet_rdflib()
    given = filename_or_syntax.strip()
    syntax = given.lower()
    label = name or given
    if syntax in SPREADSHEET_SYNTAXES:
        label = name or SPREADSHEET_SYNTAXES[syntax]
        imported = import_spreadsheet(data, label, kind=syntax)
        return validate_imported(imported, deadline, chains=chains)
    if is_spreadsheet(given) or data.startswith(b"PK\x03\x04"):
        return validate_imported(import_spreadsheet(data, label), deadline, chains=chains)
    # A file name (or nothing) lets the content and extension decide, as for a file.
    named = not given or "." in given or "/" in given or given.startswith("<")
    syntax_given = None if named else given
    return _validate_rdf(data, label or "<upload>", syntax_given, deadline, chains)


def _validate_rdf(
    data: bytes, label: str, syntax: str | None, deadline: Deadline | None, chains: bool = False
) -> PlanReport:
    from ..netguard import no_network
    from ..rdfio import detect_format, load_graph, normalise_format
    from .engine import _engine

    fmt = normalise_format(syntax) if syntax else None
    document = load_graph(data, name=label, format=fmt)
    try:
        fmt = fmt or detect_format(label, data)
    except InputError:
        fmt = "turtle"
    locator = Locator(data.decode("utf-8", errors="replace").lstrip("\ufeff"), fmt)

    def locate(node: str | None, _path: str | None) -> dict[str, object] | None:
        return {"file": label, "line": locator.line_of(node), "node": node}

    with no_network():
        report = _engine(deadline).validate(document, label, locate=locate)
    return _with_chain(report, document, chains)


def validate_path(path: str, deadline: Deadline | None = None) -> PlanReport:
    """Validate a plan file (RDF or spreadsheet) from disk, with locations."""
    from ..plans.importer import import_spreadsheet, read_file

    _quiet_rdflib()
    if is_spreadsheet(path):
        return validate_imported(import_spreadsheet(read_file(path), path), deadline)
    if path == "-":
        from ..netguard import no_network
        from ..rdfio import load_graph
        from .engine import validate_graph

        document = load_graph(path)
        with no_network():
            return validate_graph(document, path, deadline)
    from ..rdfio import Limits, load_graph

    document = load_graph(path)  # the loader's checks and messages
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
