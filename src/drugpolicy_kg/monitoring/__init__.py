"""Following implementation over time (Recitals 12 and 13; issue #17).

- :mod:`.revisions` reads plans as revisions: state, dates, evaluation cycle, the plan each
  revises (``prov:wasRevisionOf``) and, per practice, status and texts;
- :mod:`.diff` compares two revisions of one state's plan (``drugpolicy-kg plan diff``);
- :mod:`.progress` counts, per state and block at each revision, and per practice over the
  evaluation cycles (``drugpolicy-kg progress``), matching the catalogue queries;
- :mod:`.peers` lists, for what a state has not adopted, the states that did and how
  (``drugpolicy-kg peers``; Recital 12);
- :mod:`drugpolicy_kg.validation.chain` checks revision chains across the plans validated.
"""

from __future__ import annotations

from .diff import PlanDiff, diff_plans
from .revisions import PlanRecord, current_plans, history, load_plans, resolve_state

__all__ = [
    "PlanDiff",
    "PlanRecord",
    "current_plans",
    "diff_plans",
    "history",
    "load_plans",
    "resolve_state",
]
