"""Validation of action plans against the shapes of Recital 12 of Decision 7301/24.

Recital 12 invites the addressed states to submit, within three months after the Decision
enters into force, action plans that follow the four building blocks and say, per block, which
best practices they adopted or intend to adopt and how. This package checks such plans:

- :mod:`.context` builds, per plan, the small data graph SHACL sees: the plan plus the KG triples
  it relies on (practices, blocks, addressees), never the whole KG;
- :mod:`.deadline` derives the submission deadline and states the assumption behind it;
- :mod:`.engine` validates with the package's shapes (never shapes from the plan): compiled into
  Python checks by :mod:`.fast` (the default), or run by pySHACL, the reference (:mod:`.methods`,
  ``validate --engine``); :mod:`.compiled` caches what it needs from the KG on disk;
- :mod:`.report` turns SHACL results into messages a policy officer can act on;
- :mod:`.literals` finds ill-typed values before SHACL runs; :mod:`.locate` finds their lines;
- :mod:`.upload` validates bytes (RDF in any syntax, or a .xlsx/.csv workbook) with locations;
- :mod:`.render` writes text, JSON, Turtle (the standard report), CSV and HTML.
"""

from __future__ import annotations

from .deadline import Deadline, default_deadline, parse_deadline
from .engine import Engine, validate_files, validate_graph
from .render import (
    render_csv,
    render_html,
    render_html_fragment,
    render_json,
    render_text,
    render_turtle,
)
from .report import PlanReport, Result
from .upload import validate_path, validate_upload

__all__ = [
    "Deadline",
    "Engine",
    "PlanReport",
    "Result",
    "default_deadline",
    "parse_deadline",
    "render_csv",
    "render_html",
    "render_html_fragment",
    "render_json",
    "render_text",
    "render_turtle",
    "validate_files",
    "validate_graph",
    "validate_path",
    "validate_upload",
]
