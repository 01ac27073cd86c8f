"""What moved between two revisions of one state's action plan (``drugpolicy-kg plan diff``).

In the manner of ROBOT's ``diff`` and the OHCHR recommendation trackers: entries added and
removed, status changes (forward towards adoption or backwards), measures, reasons, responsible
authorities and target dates changed (texts as a word diff), practices newly adopted, and target
dates that passed without adoption. Two plans of different states are not revisions of one
another, so such a diff is refused (:class:`~drugpolicy_kg.errors.InputError`, exit 2).
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass
from dataclasses import field as _field

from ..errors import InputError
from .revisions import STATUS_LABELS, STATUS_RANK, EntryRecord, PlanRecord, practices

__all__ = ["EntryChange", "FieldChange", "Overdue", "PlanDiff", "diff_plans", "word_diff"]

#: Texts compared per entry: attribute of :class:`EntryRecord` -> label.
TEXT_FIELDS = (("measures", "measures"), ("reason", "reason"), ("authority", "authority"))

_WORDS = re.compile(r"\S+")


def word_diff(old: str | None, new: str | None) -> list[tuple[str, str]]:
    """``[(op, words)]`` with op ``=``, ``-`` or ``+``: the word-level edit from old to new."""
    a = _WORDS.findall(old or "")
    b = _WORDS.findall(new or "")
    out: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out.append(("=", " ".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(("-", " ".join(a[i1:i2])))
        if j2 > j1:
            out.append(("+", " ".join(b[j1:j2])))
    return out


@dataclass
class FieldChange:
    """A changed text or date of an entry present in both plans."""

    field: str
    old: str | None
    new: str | None
    words: list[tuple[str, str]] = _field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {
            "field": self.field,
            "old": self.old,
            "new": self.new,
            "words": [{"op": op, "text": text} for op, text in self.words],
        }


@dataclass
class EntryChange:
    """An entry present in both plans whose status or texts changed."""

    practice: str
    old: EntryRecord
    new: EntryRecord
    fields: list[FieldChange]

    @property
    def status_changed(self) -> bool:
        return self.old.statuses != self.new.statuses

    @property
    def direction(self) -> str:
        """``forward`` (closer to adoption), ``backward``, ``same`` or ``unknown``."""
        if not self.status_changed:
            return "same"
        old, new = self.old.status, self.new.status
        if old is None or new is None or old not in STATUS_RANK or new not in STATUS_RANK:
            return "unknown"
        return "forward" if STATUS_RANK[new] > STATUS_RANK[old] else "backward"


@dataclass
class Overdue:
    """A target date on or before the new plan's date, for a practice still not adopted."""

    practice: str
    target: dt.date
    set_in: str  # "old", "new" or "both"
    status: str


@dataclass
class PlanDiff:
    """The difference between two revisions of one state's plan."""

    old: PlanRecord
    new: PlanRecord
    added: list[EntryRecord]
    removed: list[EntryRecord]
    changed: list[EntryChange]
    newly_adopted: list[str]
    overdue: list[Overdue]
    notes: list[str]

    @property
    def status_changes(self) -> list[EntryChange]:
        return [c for c in self.changed if c.status_changed]

    def counts(self) -> dict[str, int]:
        return {
            "added": len(self.added),
            "removed": len(self.removed),
            "statusChanges": len(self.status_changes),
            "forward": sum(c.direction == "forward" for c in self.changed),
            "backward": sum(c.direction == "backward" for c in self.changed),
            "textChanges": sum(bool(c.fields) for c in self.changed),
            "newlyAdopted": len(self.newly_adopted),
            "overdue": len(self.overdue),
        }

    def as_json(self) -> dict[str, object]:
        def plan(p: PlanRecord) -> dict[str, object]:
            return {
                "iri": p.iri,
                "file": p.file,
                "state": p.state,
                "issued": p.issued.isoformat() if p.issued else None,
                "evaluationCycle": p.period,
                "wasRevisionOf": list(p.revises),
            }

        def entry(e: EntryRecord) -> dict[str, object]:
            return {
                "practice": e.practice,
                "status": list(e.statuses),
                "measures": e.measures,
                "reason": e.reason,
                "authority": e.authority,
                "targetDate": e.target.isoformat() if e.target else None,
            }

        return {
            "old": plan(self.old),
            "new": plan(self.new),
            "summary": self.counts(),
            "notes": self.notes,
            "added": [entry(e) for e in self.added],
            "removed": [entry(e) for e in self.removed],
            "changed": [
                {
                    "practice": c.practice,
                    "oldStatus": list(c.old.statuses),
                    "newStatus": list(c.new.statuses),
                    "direction": c.direction,
                    "fields": [f.as_json() for f in c.fields],
                }
                for c in self.changed
            ],
            "newlyAdopted": self.newly_adopted,
            "targetDatesPassed": [
                {
                    "practice": o.practice,
                    "targetDate": o.target.isoformat(),
                    "setIn": o.set_in,
                    "status": o.status,
                }
                for o in self.overdue
            ],
        }


def _order() -> dict[str, int]:
    return {n: i for i, (n, _b, _t) in enumerate(practices())}


def _sorted(notations: set[str] | list[str]) -> list[str]:
    order = _order()
    return sorted(notations, key=lambda n: (order.get(n, len(order)), n))


def diff_plans(old: PlanRecord, new: PlanRecord) -> PlanDiff:
    """Compare two revisions of one state's plan; refuse plans of two different states."""
    if old.state != new.state:
        raise InputError(
            f"plan diff compares two revisions of one state's plan, but OLD ({old.file}) is "
            f"submitted by {old.state or 'no state'} and NEW ({new.file}) by "
            f"{new.state or 'no state'}; to compare states use 'drugpolicy-kg progress' "
            "or 'drugpolicy-kg peers'"
        )
    notes = []
    if old.issued and new.issued and new.issued < old.issued:
        notes.append(
            f"NEW is dated {new.issued} before OLD ({old.issued}): the diff reads from OLD to NEW "
            "as given; swap the files to read it forwards in time"
        )
    if new.revises and old.iri not in new.revises:
        notes.append(f"NEW says it revises {', '.join(new.revises)}, not <{old.iri}>")
    added = [new.entries[n] for n in _sorted(set(new.entries) - set(old.entries))]
    removed = [old.entries[n] for n in _sorted(set(old.entries) - set(new.entries))]
    changed: list[EntryChange] = []
    for notation in _sorted(set(old.entries) & set(new.entries)):
        a, b = old.entries[notation], new.entries[notation]
        fields = [
            FieldChange(
                label,
                getattr(a, attr),
                getattr(b, attr),
                word_diff(getattr(a, attr), getattr(b, attr)),
            )
            for attr, label in TEXT_FIELDS
            if (getattr(a, attr) or "").split() != (getattr(b, attr) or "").split()
        ]
        if a.target != b.target:
            fields.append(
                FieldChange(
                    "target date",
                    a.target.isoformat() if a.target else None,
                    b.target.isoformat() if b.target else None,
                )
            )
        if fields or a.statuses != b.statuses:
            changed.append(EntryChange(notation, a, b, fields))
    newly = _sorted(
        [
            n
            for n, e in new.entries.items()
            if "Adopted" in e.statuses
            and "Adopted" not in old.entries.get(n, EntryRecord(n)).statuses
        ]
    )
    overdue: list[Overdue] = []
    if new.issued:
        for notation in _sorted(list(new.entries)):
            e = new.entries[notation]
            if "Adopted" in e.statuses:
                continue
            before = old.entries.get(notation)
            dates = {}
            if before is not None and before.target and before.target <= new.issued:
                dates["old"] = before.target
            if e.target and e.target <= new.issued:
                dates["new"] = e.target
            if not dates:
                continue
            if len(dates) == 2:  # the old promise is the one that passed
                set_in = "both" if dates["old"] == dates["new"] else "old"
            else:
                set_in = next(iter(dates))
            target = dates.get("old") or dates["new"]
            overdue.append(Overdue(notation, target, set_in, e.status_text))
    return PlanDiff(old, new, added, removed, changed, newly, overdue, notes)


def status_label(statuses: tuple[str, ...]) -> str:
    if not statuses:
        return "no status"
    return " + ".join(STATUS_LABELS.get(s, s) for s in statuses)
