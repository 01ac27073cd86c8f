"""Authoring action plans (Recital 12 of Decision 7301/24): templates and spreadsheets.

Most ministries write plans in a word processor or a spreadsheet, not in RDF. This package
gives them a skeleton with the four building-block sections and the 44 practices to fill in
(:mod:`.template`; as an Excel workbook with drop-downs: :mod:`.template_xlsx`), a lossless
spreadsheet form of a plan (:mod:`.spreadsheet`), and an importer that reads filled-in
spreadsheets and reports every problem at its cell (:mod:`.importer`, on the bounded reader of
:mod:`.workbook`), so that a plan can be written in Excel and validated with
``drugpolicy-kg validate plan.xlsx``.
"""

from __future__ import annotations

from .importer import Imported, Problem, import_spreadsheet
from .spreadsheet import COLUMNS, graph_to_rows, read_rows, rows_to_graph, write_rows
from .template import plan_template

__all__ = [
    "COLUMNS",
    "Imported",
    "Problem",
    "graph_to_rows",
    "import_spreadsheet",
    "plan_template",
    "read_rows",
    "rows_to_graph",
    "write_rows",
]
