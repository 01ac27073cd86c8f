"""Peers to consult (Recital 12): for what a state has not adopted, the states that did.

Recital 12 invites Member States "to consider the added value and feasibility of implementing
the best practices in their national framework, in consultation, where relevant, with Member
States, that have already implemented them" (:func:`recital_12_quote` takes the words from the
Decision's text at run time). For each practice a state plans, is assessing, does not plan or
does not address, :func:`peers_report` lists the states whose current plan reports it adopted
and the measures they describe: whom a coordinator may call. Every state counts with its current
plan (one that no loaded plan revises), as the catalogue's ``peers-adopted-practice`` does.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from ..errors import InputError
from .revisions import STATUS_LABELS, PlanRecord, current_plans, practices, state_names

__all__ = [
    "Peer",
    "PeerNeed",
    "PeersReport",
    "peers_of_states",
    "peers_report",
    "recital_12_quote",
]

#: The statuses for which a state may look for peers, in the report's order.
NEEDS = ("Planned", "UnderAssessment", "NotPlanned", None)


@lru_cache(maxsize=1)
def recital_12_quote() -> str:
    """The sentence of Recital 12 on consulting peers, verbatim from the Decision's text."""
    from .. import source

    recital = next(r for r in source.load().recitals if r.number == 12)
    found = re.search(r"[^.]*in consultation, where relevant,[^.]*\.", recital.text)
    if found is None:  # pragma: no cover - the Decision's text is fixed and tested
        raise InputError("Recital 12's sentence on consultation was not found in the Decision")
    return found.group(0).strip()


@dataclass(frozen=True)
class Peer:
    """A state that adopted the practice, with what its plan says about it."""

    state: str
    name: str
    plan: str
    measures: str | None
    authority: str | None
    consulted: bool  # the state's own entry names this peer (dpo:consultedState)


@dataclass(frozen=True)
class PeerNeed:
    """A practice the state has not adopted, and the peers that did."""

    practice: str
    block: str
    title: str
    status: str | None  # None: the plan does not address the practice
    target: dt.date | None
    peers: tuple[Peer, ...]

    @property
    def status_text(self) -> str:
        return STATUS_LABELS.get(self.status, self.status) if self.status else "not addressed"


@dataclass
class PeersReport:
    state: str
    name: str
    plan: PlanRecord
    needs: list[PeerNeed]
    states_loaded: list[str]

    @property
    def quote(self) -> str:
        return recital_12_quote()


def peers_report(plans: Sequence[PlanRecord], state: str) -> PeersReport:
    """The peers of ``state`` (alpha-3) among ``plans``."""
    current = current_plans(plans)
    names = state_names()
    if state not in current:
        loaded = ", ".join(sorted(current)) or "none"
        raise InputError(
            f"no action plan of {names.get(state, state)} ({state}) among the plans given "
            f"(states with a plan: {loaded}); add its plan to --plans"
        )
    own = current[state]
    needs: list[PeerNeed] = []
    for notation, block, title in practices():
        entry = own.entries.get(notation)
        status = entry.status if entry else None
        if entry is not None and (status == "Adopted" or "Adopted" in entry.statuses):
            continue
        consulted = set(entry.consulted) if entry else set()
        peers = []
        for other, plan in sorted(current.items()):
            if other == state:
                continue
            theirs = plan.entries.get(notation)
            if theirs is None or "Adopted" not in theirs.statuses:
                continue
            peers.append(
                Peer(
                    other,
                    names.get(other, other),
                    plan.iri,
                    theirs.measures,
                    theirs.authority,
                    other in consulted,
                )
            )
        needs.append(
            PeerNeed(notation, block, title, status, entry.target if entry else None, tuple(peers))
        )
    order = {s: i for i, s in enumerate(NEEDS)}
    needs.sort(key=lambda n: order.get(n.status, len(NEEDS)))
    return PeersReport(state, names.get(state, state), own, needs, sorted(current))


def peers_for_files(files: Sequence[str], plans: Sequence[str]) -> list[PeersReport]:
    """The peers report of each state whose plan is in ``files`` (RDF files or workbooks, as
    ``validate`` reads them), among those plans and the plans of ``plans`` (files or folders):
    what ``validate FILE --plans DIR`` adds to its report (Recital 12)."""
    from .revisions import load_plans, plans_of_validated_files

    own = plans_of_validated_files(files)
    others = load_plans(list(plans)) if plans else []
    seen = {(p.iri, p.file) for p in own}
    return peers_of_states(own, own + [p for p in others if (p.iri, p.file) not in seen])


def peers_of_states(own: Sequence[PlanRecord], every: Sequence[PlanRecord]) -> list[PeersReport]:
    """The peers report of each state that has a plan in ``own``, among ``every`` plan; a
    state whose plan in ``own`` a later plan revises has none."""
    reports = []
    for state in sorted({p.state for p in own if p.state}):
        try:
            reports.append(peers_report(every, state))
        except InputError:
            continue  # a later plan of the state revises the one validated
    return reports
