"""Progress of the action plans over time (Recital 13): per state and block, per practice.

Two tables, each equal to a catalogue query's answer (tests hold them to it), so that any
SPARQL endpoint holding the same plans gives the same numbers:

- :func:`block_progress` = ``progress-by-block``: for every dated plan (each revision), per
  building block, the block's practices and how many the plan reports adopted and planned;
- :func:`practice_progress` = ``practice-adoption-over-time``: for every practice and every
  evaluation cycle, how many states had adopted it, each state counting with its latest plan
  of that cycle or before (a state that did not revise keeps its earlier answer).

The cycle of a plan is its ``dpo:evaluationCycle``, else the year of its ``dcterms:issued``.
Plans without a submitting state or a date are left out (validation reports them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from .revisions import PlanRecord, practices

__all__ = [
    "BlockProgress",
    "PracticeProgress",
    "Progress",
    "block_progress",
    "practice_progress",
    "progress",
]

BLOCKS = ("I", "II", "III", "IV")


@dataclass(frozen=True)
class BlockProgress:
    """One plan (revision), one block: the counts behind the shares."""

    state: str
    plan: str
    issued: dt.date
    cycle: str
    block: str
    practices: int
    adopted: int
    planned: int

    @property
    def adopted_share(self) -> float:
        return self.adopted / self.practices if self.practices else 0.0

    @property
    def share(self) -> float:
        """Share of the block's practices adopted or planned."""
        return (self.adopted + self.planned) / self.practices if self.practices else 0.0


@dataclass(frozen=True)
class PracticeProgress:
    """One practice, one evaluation cycle: the states that had adopted it by then."""

    practice: str
    block: str
    title: str
    cycle: str
    states: tuple[str, ...]

    @property
    def adopted(self) -> int:
        return len(self.states)


@dataclass
class Progress:
    blocks: list[BlockProgress]
    practices: list[PracticeProgress]

    @property
    def cycles(self) -> list[str]:
        return sorted({p.cycle for p in self.practices})

    @property
    def states(self) -> list[str]:
        return sorted({b.state for b in self.blocks})


def _dated(plans: Sequence[PlanRecord]) -> list[PlanRecord]:
    return [p for p in plans if p.state and p.issued]


def block_progress(plans: Sequence[PlanRecord]) -> list[BlockProgress]:
    """Per dated plan and block: practices, adopted, planned (``progress-by-block``)."""
    in_block: dict[str, list[str]] = {b: [] for b in BLOCKS}
    for notation, block, _title in practices():
        in_block[block].append(notation)
    out = []
    for plan in _dated(plans):
        assert plan.state and plan.issued
        for block in BLOCKS:
            statuses = [plan.entries[n].statuses for n in in_block[block] if n in plan.entries]
            out.append(
                BlockProgress(
                    state=plan.state,
                    plan=plan.iri,
                    issued=plan.issued,
                    cycle=plan.period or "",
                    block=block,
                    practices=len(in_block[block]),
                    adopted=sum("Adopted" in s for s in statuses),
                    planned=sum("Planned" in s for s in statuses),
                )
            )
    return sorted(out, key=lambda b: (b.state, b.issued, b.plan, BLOCKS.index(b.block)))


def _key(plan: PlanRecord) -> str:
    return f"{plan.period or ''}|{plan.issued_text or ''}"


def practice_progress(plans: Sequence[PlanRecord]) -> list[PracticeProgress]:
    """Per practice and cycle: the states whose latest plan by then reports it adopted.

    Latest: the greatest ``"cycle|issued"`` text among the state's plans of that cycle or
    before (greatest cycle, then latest ``dcterms:issued``; plans tied on both all count).
    Equals ``practice-adoption-over-time``.
    """
    dated = _dated(plans)
    cycles = sorted({p.period for p in dated if p.period})
    by_state: dict[str, list[PlanRecord]] = {}
    for p in dated:
        assert p.state
        by_state.setdefault(p.state, []).append(p)
    # cycle -> practice -> states
    adopted: dict[str, dict[str, set[str]]] = {c: {} for c in cycles}
    for cycle in cycles:
        for state, own in by_state.items():
            candidates = [p for p in own if (p.period or "") <= cycle]
            if not candidates:
                continue
            # the greatest "cycle|issued" text, as the catalogue query compares them
            best = max(_key(p) for p in candidates)
            for p in candidates:
                if _key(p) != best:
                    continue
                for notation, entry in p.entries.items():
                    if "Adopted" in entry.statuses:
                        adopted[cycle].setdefault(notation, set()).add(state)
    out = []
    for notation, block, title in practices():
        for cycle in cycles:
            out.append(
                PracticeProgress(
                    notation, block, title, cycle, tuple(sorted(adopted[cycle].get(notation, ())))
                )
            )
    return out


def progress(plans: Sequence[PlanRecord]) -> Progress:
    """Both tables of ``drugpolicy-kg progress``."""
    return Progress(block_progress(plans), practice_progress(plans))
