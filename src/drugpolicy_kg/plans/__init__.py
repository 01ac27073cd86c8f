"""Authoring action plans (Recital 12 of Decision 7301/24): templates and spreadsheets.

Most ministries write plans in a word processor or a spreadsheet, not in RDF. This package
gives them a skeleton with the four building-block sections and the 44 practices to fill in
(:mod:`.template`), and a lossless spreadsheet form of a plan (:mod:`.spreadsheet`), so that
a plan can be edited in Excel and still be validated with ``drugpolicy-kg validate``.
"""

from __future__ import annotations

from .spreadsheet import COLUMNS, graph_to_rows, read_rows, rows_to_graph, write_rows
from .template import plan_template

__all__ = ["COLUMNS", "graph_to_rows", "plan_template", "read_rows", "rows_to_graph", "write_rows"]
