"""Ill-typed literals: found before SHACL runs, reported once, in words.

``"30.05.2024"^^xsd:date`` is not a date. rdflib keeps it as an ill-typed literal, and pySHACL
then fails on comparisons (``sh:lessThanOrEquals``: ``TypeError: '<=' not supported between
instances of 'Literal' and 'Literal'``) or compares it as text (``"2024/05/30"`` sorts after
``"2024-06-04"``: a wrong "submitted after the deadline" warning). So the engine checks every
typed literal's lexical form first (:func:`ill_typed`), reports each bad one as a Violation that
names the value and the form expected, and takes the triple out of the data graph, so that the
rules that compare dates or amounts only ever see valid values, and the same mistake is not
reported again as "missing date".

The lexical forms are those of XML Schema 1.1 Part 2 for the datatypes plans use; for other
``xsd:`` datatypes rdflib's own well-formedness check (``Literal.ill_typed``) is used.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable

from rdflib import Literal
from rdflib.term import Node

from ..vocab import DCTERMS, DPO, XSD

Triple = tuple[Node, Node, Node]

_DATE = re.compile(r"^(-?\d{4,})-(\d{2})-(\d{2})(Z|[+-]\d{2}:\d{2})?$")
_DATETIME = re.compile(
    r"^(-?\d{4,})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$"
)
_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_INTEGER = re.compile(r"^[+-]?\d+$")
_DOUBLE = re.compile(r"^([+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|[+-]?INF|NaN)$")
_GYEAR = re.compile(r"^-?\d{4,}(Z|[+-]\d{2}:\d{2})?$")
_EUROPEAN = re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$")


def _valid_date(text: str) -> bool:
    match = _DATE.match(text)
    if not match:
        return False
    try:
        dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return False
    return True


def _valid_datetime(text: str) -> bool:
    match = _DATETIME.match(text)
    if not match:
        return False
    try:
        dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return False
    return int(match[4]) <= 24 and int(match[5]) < 60 and int(match[6]) < 61


_CHECKS: dict[str, tuple[Callable[[str], bool], str]] = {
    str(XSD.date): (_valid_date, "a date written year-month-day, e.g. 2024-05-30"),
    str(XSD.dateTime): (_valid_datetime, "a date and time, e.g. 2024-05-30T12:00:00"),
    str(XSD.decimal): (
        lambda t: bool(_DECIMAL.match(t)),
        "a number with digits and a decimal point only, e.g. 250000.50",
    ),
    str(XSD.integer): (lambda t: bool(_INTEGER.match(t)), "a whole number, e.g. 3"),
    str(XSD.nonNegativeInteger): (
        lambda t: bool(_INTEGER.match(t)) and not t.startswith("-"),
        "a whole number of 0 or more",
    ),
    str(XSD.double): (lambda t: bool(_DOUBLE.match(t)), "a number, e.g. 2.5 or 1E3"),
    str(XSD.float): (lambda t: bool(_DOUBLE.match(t)), "a number, e.g. 2.5 or 1E3"),
    str(XSD.boolean): (lambda t: t in ("true", "false", "1", "0"), "true or false"),
    str(XSD.gYear): (lambda t: bool(_GYEAR.match(t)), "a year, e.g. 2025"),
}

#: What a property's value is called in messages.
PROPERTY_NAMES = {
    str(DCTERMS.issued): "the submission date",
    str(DPO.targetDate): "the target date",
    str(DPO.amount): "the amount of earmarked funds",
}


def ill_typed(triples: Iterable[Triple]) -> list[tuple[Triple, str]]:
    """The triples whose object is a typed literal with an invalid lexical form, and the form
    expected; in a stable order."""
    found: list[tuple[Triple, str]] = []
    for triple in triples:
        obj = triple[2]
        if not isinstance(obj, Literal) or obj.datatype is None:
            continue
        datatype = str(obj.datatype)
        check = _CHECKS.get(datatype)
        text = str(obj)
        if check is not None:
            if not check[0](text.strip()) or getattr(obj, "ill_typed", False):
                found.append((triple, check[1]))
        elif datatype.startswith(str(XSD)) and getattr(obj, "ill_typed", False):
            found.append((triple, f"a valid {datatype.rsplit('#', 1)[-1]}"))
    return sorted(found, key=lambda item: tuple(t.n3() for t in item[0]))


def describe(triple: Triple, expected: str) -> str:
    """The sentence of an ill-typed value: which value, what it should be, and a suggestion."""
    _s, p, o = triple
    what = (
        PROPERTY_NAMES.get(str(p)) or f"the value of {str(p).rsplit('#', 1)[-1].rsplit('/', 1)[-1]}"
    )
    text = str(o)
    shown = text if len(text) <= 60 else text[:57] + "..."
    suggestion = ""
    if isinstance(o, Literal) and o.datatype == XSD.date:
        match = _EUROPEAN.match(text.strip())
        if match:
            day, month, year = int(match[1]), int(match[2]), int(match[3])
            try:
                dt.date(year, month, day)
                if day > 12 or day == month or "." in text:
                    suggestion = f" (if you mean day {day} of month {month}: {year:04d}-{month:02d}-{day:02d})"
            except ValueError:
                pass
    sentence = (
        f"{what[0].upper()}{what[1:]} '{shown}' is not valid: it must be {expected}{suggestion}."
    )
    return sentence


__all__ = ["PROPERTY_NAMES", "describe", "ill_typed"]
