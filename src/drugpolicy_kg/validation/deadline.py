"""The submission deadline of Recital 12, and the assumption it rests on.

Recital 12 invites plans "within three months after this Decision enters into force", but the
Decision's text does not state when it enters into force. The default deadline is therefore
derived from the KG: the adoption date (``dpo:adoptedOn``, 4 March 2024) plus the reporting
period of the action-plan requirement (``dpo:reportingPeriod`` "P3M"), i.e. 4 June 2024. The
assumption (entry into force on adoption) is stated in every report; ``--deadline`` overrides it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef

from ..errors import InputError, ModelError
from ..vocab import ACTION_PLAN_REQUIREMENT, DECISION, DPO

_PERIOD = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?$")


@dataclass(frozen=True)
class Deadline:
    """A deadline and the sentence that says where it comes from."""

    date: dt.date
    assumption: str

    def describe(self) -> str:
        return f"{format_date(self.date)} ({self.assumption})"


def format_date(day: dt.date) -> str:
    """``4 June 2024``: the way the Decision writes dates."""
    return f"{day.day} {calendar.month_name[day.month]} {day.year}"


def add_period(start: dt.date, period: str) -> dt.date:
    """Add an ISO 8601 period of years, months and days (``P3M``) to a date.

    Months are calendar months; a day that does not exist in the target month is clamped to the
    month's last day (31 May + P1M = 30 June).
    """
    match = _PERIOD.match(period)
    if match is None or not any(match.groups()):
        raise ModelError(f"unsupported reporting period {period!r} (expected e.g. P3M)")
    years, months, days = (int(g) if g else 0 for g in match.groups())
    month_index = start.month - 1 + months + 12 * years
    year, month = start.year + month_index // 12, month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return dt.date(year, month, day) + dt.timedelta(days=days)


def _date_of(kg: Graph, subject: URIRef, predicate: URIRef) -> dt.date:
    value = kg.value(subject, predicate)
    if not isinstance(value, Literal) or not isinstance(value.toPython(), dt.date):
        raise ModelError(f"the KG lacks a date for {predicate} of {subject}")
    result = value.toPython()
    assert isinstance(result, dt.date)
    return result


def default_deadline(kg: Graph) -> Deadline:
    """The deadline derived from the KG: adoption date + reporting period (Recital 12)."""
    adopted = _date_of(kg, DECISION, DPO.adoptedOn)
    period = kg.value(ACTION_PLAN_REQUIREMENT, DPO.reportingPeriod)
    if period is None:
        raise ModelError(f"the KG lacks dpo:reportingPeriod of {ACTION_PLAN_REQUIREMENT}")
    due = add_period(adopted, str(period))
    assumption = (
        "assumed: Decision 7301/24 does not state its entry into force, so it is taken to be "
        f"its adoption on {format_date(adopted)}; Recital 12 gives three months ({period}); "
        "override with --deadline"
    )
    return Deadline(due, assumption)


def parse_deadline(text: str) -> Deadline:
    """A deadline given by the user (``--deadline 2024-06-30``)."""
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"--deadline: {text!r} is not a date (expected YYYY-MM-DD)") from None
    return Deadline(day, "given with --deadline")
