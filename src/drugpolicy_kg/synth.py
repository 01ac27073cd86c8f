"""Synthetic action plans, deterministic by seed, for benchmarks and scale tests (issue #7).

Why a generator: only three illustrative plans exist (``examples/plans/``), yet the project
must answer for 27 addressees × several evaluation cycles. The generator writes plans of the
exact contract shape (``docs/CONTRACT.md``, "Action plans"): one ``dpo:ActionPlan`` per state
and cycle, submitted by one of the 27 addressees of Decision 7301/24, with four
``dpo:ActionPlanSection`` (one per building block) holding one ``dpo:ActionPlanEntry`` per
practice of that block (44 in all), each with exactly one ``dpo:status``, measures for Adopted
and Planned practices (Recital 12), usually a reason for Not planned ones, a responsible
authority and, for intentions, a target date after the submission date.

Determinism: every state draws from its own ``random.Random`` seeded by ``(seed, state)``, and
walks its cycles in order, so the same seed gives byte-identical output, and adding cycles only
appends plans (cycle *k* of a 3-cycle corpus equals cycle *k* of a 10-cycle one). A later cycle
moves statuses forward (Planned → Adopted, Under assessment → Planned, ...), as progress
reported in the periodic evaluations of Recital 13 would.

Revisions (issue #17, ``docs/monitoring.md``): every plan names its evaluation cycle
(``dpo:evaluationCycle``, the year it is issued), and the plan of cycle *k* > 1 is a revision of
the same state's plan of cycle *k* - 1 (``prov:wasRevisionOf``), issued a year later, so a
multi-cycle corpus is one revision chain per state, as ``drugpolicy-kg validate`` checks it.
The one backward move, Under assessment → Not planned, usually comes with a reason; about one in
ten does not, which the chain check reports as a Warning.

Errors: ``error_rate`` is the probability that an entry carries one deliberate contract
violation (see :data:`ERROR_KINDS`); every injected error is recorded on the plan, so tests can
check that validation finds it. With ``error_rate=0`` the plans have no Violation. Plans of a
cycle after the first are issued after the Recital 12 deadline, which does not apply to them:
they are revisions (the deadline concerns the first submission); about one Not planned entry in
ten omits its reason (a Warning), because real plans do.

Size: a plan is about 260 triples, so 27 states give about 7k triples per cycle: 2 cycles are
about 14k triples, 140 cycles more than 1M. Serialisation writes text directly (no rdflib graph),
so a million triples take seconds, not minutes.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from rdflib import Graph, Literal, URIRef

from .atomic import write_text
from .vocab import (
    DCTERMS,
    DECISION,
    DPO,
    PROV,
    RDF,
    RDFS,
    SYNTH_PLANS,
    XSD,
    block_iri,
    country_iri,
    practice_iri,
)

__all__ = [
    "ADDRESSEES",
    "ERROR_KINDS",
    "Entry",
    "Plan",
    "SynthConfig",
    "config_for_plans",
    "corpus_ntriples",
    "extra_practices_graph",
    "generate",
    "practice_list",
    "write_corpus",
]

#: The 27 addressees of Decision 7301/24 (ISO 3166 alpha-3), in the order of its enacting terms
#: (``assets/data/decision.ttl``, ``dpo:addressedTo``; tests/test_synth.py checks they agree).
ADDRESSEES: tuple[str, ...] = (
    "BEL", "HRV", "CZE", "DNK", "DEU", "EST", "GRC", "ISL", "ESP", "FRA", "ITA", "LVA", "LTU",
    "LUX", "HUN", "LIE", "MLT", "NLD", "NOR", "AUT", "POL", "PRT", "SVN", "SVK", "FIN", "SWE",
    "CHE",
)  # fmt: skip

#: The contract violations the generator can inject, one per affected entry.
ERROR_KINDS: tuple[str, ...] = (
    "no-status",  # the entry has no dpo:status
    "two-statuses",  # the entry has two statuses
    "no-measures",  # an Adopted or Planned entry without dpo:implementationMeasures
    "blank-measures",  # measures that are only whitespace
    "unknown-practice",  # dpo:practice names something that is not one of the 44
    "duplicate-practice",  # the practice of the previous entry of the section, again
)

ADOPTED, PLANNED, ASSESSING, NOT_PLANNED = (
    DPO.Adopted,
    DPO.Planned,
    DPO.UnderAssessment,
    DPO.NotPlanned,
)

#: Forward moves between cycles: status → [(next status, probability)]; the rest stays.
PROGRESSION: dict[URIRef, tuple[tuple[URIRef, float], ...]] = {
    PLANNED: ((ADOPTED, 0.55),),
    ASSESSING: ((PLANNED, 0.35), (ADOPTED, 0.05), (NOT_PLANNED, 0.10)),
    NOT_PLANNED: ((ASSESSING, 0.15), (PLANNED, 0.05)),
    ADOPTED: (),
}

# Text material: measures, reasons and authorities read like the illustrative plans.
_ACTIONS = (
    "A joint decree establishes",
    "The national strategy provides for",
    "A memorandum of understanding sets up",
    "Legislation adopted by parliament introduces",
    "An inter-agency agreement organises",
    "A ministerial circular extends",
    "A pilot project in the main seaport tests",
    "The annual action programme funds",
)
_OBJECTS = (
    "a multidisciplinary task force of police, customs and prosecutors",
    "systematic queries of the Schengen Information System at container terminals",
    "the exchange of operational data through SIENA with Europol",
    "risk analysis of maritime containers using shared targeting profiles",
    "vetting of port and airport staff with access to sensitive areas",
    "financial investigations that follow criminal proceeds in parallel",
    "training of front-line officers on concealment methods",
    "a public-private partnership with terminal operators and shipping lines",
    "access control with biometric badges in the logistical hubs",
    "a national contact point for the European Multidisciplinary Platform Against Criminal Threats",
    "cooperation with source and transit countries through liaison officers",
    "scanning equipment and container seals with tamper detection",
)
_SINCES = (
    "since {year}",
    "from {year}, with yearly reviews",
    "in force since {year}",
    "starting in {year} in the largest ports",
)
_REASONS = (
    "The national legal framework does not allow this measure; an amendment is not foreseen.",
    "No logistical hub of the size the practice assumes exists on the national territory.",
    "Budgetary constraints do not allow the investment before the next financial framework.",
    "The competence lies with regional authorities, which have not committed to it.",
    "An equivalent national measure already covers the objective of the practice.",
    "Data protection rules prevent the exchange of information in the form described.",
)
_ASSESSING = (
    "A feasibility study is under way; conclusions are expected within the year.",
    "The ministries concerned are assessing the legal and budgetary implications.",
    "Consultations with port operators will decide the scope of the measure.",
)
_AUTHORITIES = (
    "Ministry of the Interior",
    "Ministry of Justice",
    "Ministry of Finance",
    "National Police",
    "Customs Administration",
    "Public Prosecution Service",
    "Financial Intelligence Unit",
    "Port Authority",
    "Coast Guard",
    "National Drug Coordinator",
)


@dataclass(frozen=True)
class SynthConfig:
    """What to generate. Defaults: the 27 addressees, one cycle, no extra practice, no error."""

    seed: int = 7301
    cycles: int = 1
    states: tuple[str, ...] = ADDRESSEES
    #: Hypothetical practices a future recommendation would add, spread over the four blocks
    #: (notations after the last one of each block, e.g. ``IV.22``). Plans that use them
    #: validate only against a KG extended with :func:`extra_practices_graph`.
    extra_practices: int = 0
    #: Probability that an entry carries one deliberate violation (:data:`ERROR_KINDS`).
    error_rate: float = 0.0
    first_year: int = 2024

    def __post_init__(self) -> None:
        if self.cycles < 1:
            raise ValueError("cycles must be at least 1")
        if not 0.0 <= self.error_rate <= 1.0:
            raise ValueError("error_rate must be between 0 and 1")
        if self.extra_practices < 0:
            raise ValueError("extra_practices must not be negative")


@dataclass
class Entry:
    """One answer of a plan: a practice, its status(es) and the optional terms."""

    practice: str
    block: str
    statuses: list[URIRef]
    measures: str | None = None
    reason: str | None = None
    authority: str | None = None
    target: dt.date | None = None
    consulted: str | None = None
    error: str | None = None


@dataclass
class Plan:
    """One state's action plan of one cycle; ``errors`` lists (practice, kind) injected."""

    state: str
    cycle: int
    issued: dt.date
    sections: dict[str, list[Entry]]
    errors: list[tuple[str, str]] = field(default_factory=list)

    @property
    def iri(self) -> str:
        return str(SYNTH_PLANS[f"{self.state}/{self.cycle}"])

    @property
    def revises(self) -> str | None:
        """The IRI of the plan this one revises: the same state's plan of the cycle before."""
        return str(SYNTH_PLANS[f"{self.state}/{self.cycle - 1}"]) if self.cycle > 1 else None

    @property
    def entries(self) -> Iterator[Entry]:
        for block_entries in self.sections.values():
            yield from block_entries

    def triples(self) -> Iterator[tuple[str, str, str]]:
        """The plan's triples as N-Triples terms, in a fixed order."""
        plan = f"<{self.iri}>"
        yield plan, _A, _T_PLAN
        yield plan, _LABEL, _lit(f"Action plan of {self.state}, cycle {self.cycle} (synthetic)")
        yield plan, _SUBMITTED_BY, f"<{country_iri(self.state)}>"
        yield plan, _RESPONDS_TO, _DECISION
        yield plan, _ISSUED, _date(self.issued)
        yield plan, _EVALUATION_CYCLE, f'"{self.issued.year}"^^{_XSD_GYEAR}'
        if self.revises is not None:
            yield plan, _REVISION_OF, f"<{self.revises}>"
        sections = [f"<{self.iri}#section-{block}>" for block in self.sections]
        for section in sections:
            yield plan, _HAS_SECTION, section
        for section, (block, entries) in zip(sections, self.sections.items(), strict=True):
            # The index keeps entry IRIs unique when a duplicate-practice error is injected.
            names = [f"<{self.iri}#entry-{block}-{i}>" for i in range(1, len(entries) + 1)]
            yield section, _A, _T_SECTION
            yield section, _BUILDING_BLOCK, f"<{block_iri(block)}>"
            for entry in names:
                yield section, _HAS_ENTRY, entry
            for entry, e in zip(names, entries, strict=True):
                yield entry, _A, _T_ENTRY
                yield entry, _PRACTICE, _practice(e.practice)
                for status in e.statuses:
                    yield entry, _STATUS, f"<{status}>"
                if e.measures is not None:
                    yield entry, _MEASURES, _lit(e.measures)
                if e.reason is not None:
                    yield entry, _REASON, _lit(e.reason)
                if e.authority is not None:
                    yield entry, _AUTHORITY, _lit(e.authority)
                if e.target is not None:
                    yield entry, _TARGET, _date(e.target)
                if e.consulted is not None:
                    yield entry, _CONSULTED, f"<{country_iri(e.consulted)}>"

    def ntriples(self) -> str:
        """The plan as N-Triples (one line per triple, fixed order)."""
        return "".join(f"{s} {p} {o} .\n" for s, p, o in self.triples())

    def turtle(self) -> str:
        """The plan as Turtle: the N-Triples statements grouped by subject, with prefixes."""
        lines = [_TURTLE_HEADER]
        subject: str | None = None
        for s, p, o in self.triples():
            if s != subject:
                if subject is not None:
                    lines.append(" .\n")
                lines.append(f"\n{s} {_short(p)} {_short(o)}")
                subject = s
            else:
                lines.append(f" ;\n    {_short(p)} {_short(o)}")
        lines.append(" .\n")
        return "".join(lines)

    def graph(self) -> Graph:
        """The plan as an rdflib graph (parsed from its N-Triples, so exactly what is written)."""
        g = Graph()
        g.parse(data=self.ntriples(), format="nt")
        return g


# N-Triples terms used for every plan, computed once.
_A = f"<{RDF.type}>"
_T_PLAN, _T_SECTION, _T_ENTRY = (
    f"<{DPO.ActionPlan}>",
    f"<{DPO.ActionPlanSection}>",
    f"<{DPO.ActionPlanEntry}>",
)
_LABEL = f"<{RDFS.label}>"
_SUBMITTED_BY, _RESPONDS_TO, _ISSUED = (
    f"<{DPO.submittedBy}>",
    f"<{DPO.respondsTo}>",
    f"<{DCTERMS.issued}>",
)
_HAS_SECTION, _HAS_ENTRY = f"<{DPO.hasSection}>", f"<{DPO.hasEntry}>"
_BUILDING_BLOCK, _PRACTICE, _STATUS = (
    f"<{DPO.buildingBlock}>",
    f"<{DPO.practice}>",
    f"<{DPO.status}>",
)
_MEASURES, _REASON = f"<{DPO.implementationMeasures}>", f"<{DPO.reason}>"
_AUTHORITY, _TARGET = f"<{DPO.responsibleAuthority}>", f"<{DPO.targetDate}>"
_CONSULTED = f"<{DPO.consultedState}>"
_EVALUATION_CYCLE, _REVISION_OF = f"<{DPO.evaluationCycle}>", f"<{PROV.wasRevisionOf}>"
_XSD_GYEAR = f"<{XSD.gYear}>"
_DECISION = f"<{DECISION}>"
_XSD_DATE = f"<{XSD.date}>"
#: A practice IRI that is not one of the 44 (the unknown-practice error).
UNKNOWN_PRACTICE = "IX.99"

_PREFIXES = (
    ("dpo", str(DPO)),
    ("dcterms", str(DCTERMS)),
    ("rdfs", str(RDFS)),
    ("xsd", str(XSD)),
    ("prov", str(PROV)),
    ("country", str(country_iri(""))),
    ("practice", str(practice_iri(""))),
    ("block", str(block_iri(""))),
)
_TURTLE_HEADER = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in _PREFIXES)


#: Local names written with a prefix: letters, digits, ``_``, and inner dots (``practice:III.2``).
_LOCAL = re.compile(r"[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*")


def _short(term: str) -> str:
    """Compact a term for Turtle where a prefix fits and the local name is safe."""
    if term == _A:
        return "a"
    if term.startswith("<"):
        iri = term[1:-1]
        for prefix, ns in _PREFIXES:
            if iri.startswith(ns):
                local = iri[len(ns) :]
                if _LOCAL.fullmatch(local):
                    return f"{prefix}:{local}"
        return term
    if term.endswith(_XSD_DATE):
        return term[: -len(_XSD_DATE)] + "xsd:date"
    if term.endswith(_XSD_GYEAR):
        return term[: -len(_XSD_GYEAR)] + "xsd:gYear"
    return term


def _lit(text: str) -> str:
    """An English literal in N-Triples syntax."""
    escaped = (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    )
    return f'"{escaped}"@en'


def _date(day: dt.date) -> str:
    return f'"{day.isoformat()}"^^{_XSD_DATE}'


@lru_cache(maxsize=4096)
def _practice(notation: str) -> str:
    return f"<{practice_iri(notation)}>"


@lru_cache(maxsize=8)
def practice_list(extra: int = 0) -> tuple[tuple[str, str], ...]:
    """(notation, block) of the 44 practices from the Decision's text, then ``extra`` more.

    The extras go round-robin over the blocks I to IV, numbered after each block's last
    practice, as a future recommendation amending the annex would number them.
    """
    from . import source

    text = source.load()
    found = [(p.notation, p.block) for p in text.practices]
    last: dict[str, int] = {}
    for p in text.practices:
        last[p.block] = max(last.get(p.block, 0), p.number)
    blocks = [b.numeral for b in text.blocks]
    for i in range(extra):
        block = blocks[i % len(blocks)]
        last[block] += 1
        found.append((f"{block}.{last[block]}", block))
    return tuple(found)


def extra_practices_graph(extra: int) -> Graph:
    """KG triples declaring the hypothetical extra practices, so their plans can validate."""
    g = Graph()
    for notation, block in practice_list(extra)[len(practice_list(0)) :]:
        iri = practice_iri(notation)
        g.add((iri, RDF.type, DPO.BestPractice))
        g.add((iri, DPO.buildingBlock, block_iri(block)))
        g.add((DECISION, DPO.recommends, iri))
        g.add(
            (iri, RDFS.label, Literal(f"Hypothetical practice {notation} (synthetic)", lang="en"))
        )
    return g


def _choose(rng: random.Random, weighted: Iterable[tuple[URIRef, float]]) -> URIRef:
    items = list(weighted)
    return rng.choices([s for s, _ in items], weights=[w for _, w in items])[0]


def _measures(rng: random.Random, issued: dt.date, planned: bool) -> str:
    obj = rng.choice(_OBJECTS)
    if planned:
        return f"Planned: {rng.choice(_ACTIONS).lower()} {obj}."
    year = issued.year - rng.randint(0, 6)
    return f"{rng.choice(_ACTIONS)} {obj} {rng.choice(_SINCES).format(year=year)}."


def _issued(rng: random.Random, first_year: int, cycle: int) -> dt.date:
    """Cycle 1 before the Recital 12 deadline (April-May); later cycles one year apart."""
    start = dt.date(first_year + cycle - 1, 4, 1)
    return start + dt.timedelta(days=rng.randrange(60))


def _state_plans(config: SynthConfig, state: str) -> Iterator[Plan]:
    """The plans of one state, cycle after cycle, from the state's own random stream."""
    rng = random.Random(f"{config.seed}/{state}")
    practices = practice_list(config.extra_practices)
    others = [s for s in ADDRESSEES if s != state]
    authorities = rng.sample(_AUTHORITIES, 5)
    maturity = rng.random()  # some states start further ahead than others
    initial = (
        (ADOPTED, 0.25 + 0.45 * maturity),
        (PLANNED, 0.25),
        (ASSESSING, 0.25 - 0.15 * maturity),
        (NOT_PLANNED, 0.12),
    )
    status = {n: _choose(rng, initial) for n, _ in practices}
    for cycle in range(1, config.cycles + 1):
        if cycle > 1:
            for n, s in status.items():
                moves = PROGRESSION[s]
                if moves:
                    status[n] = _choose(rng, (*moves, (s, 1.0 - sum(p for _, p in moves))))
        issued = _issued(rng, config.first_year, cycle)
        sections: dict[str, list[Entry]] = {}
        for notation, block in practices:
            s = status[notation]
            e = Entry(notation, block, [s], authority=rng.choice(authorities))
            if s in (ADOPTED, PLANNED):
                e.measures = _measures(rng, issued, planned=s == PLANNED)
            if s == NOT_PLANNED and rng.random() < 0.9:
                e.reason = rng.choice(_REASONS)
            if s == ASSESSING:
                e.reason = rng.choice(_ASSESSING)
            if s in (PLANNED, ASSESSING) and rng.random() < 0.8:
                e.target = issued + dt.timedelta(days=rng.randint(90, 1095))
            if s == PLANNED and rng.random() < 0.1:
                e.consulted = rng.choice(others)
            sections.setdefault(block, []).append(e)
        plan = Plan(state, cycle, issued, sections)
        if config.error_rate > 0:
            _inject(rng, plan, config.error_rate)
        yield plan


def _inject(rng: random.Random, plan: Plan, rate: float) -> None:
    """Give each entry, with probability ``rate``, one violation of the contract."""
    for entries in plan.sections.values():
        for index, e in enumerate(entries):
            if rng.random() >= rate:
                continue
            kind = rng.choice(ERROR_KINDS)
            if kind == "duplicate-practice" and index == 0:
                kind = "no-status"
            if kind in ("no-measures", "blank-measures") and e.statuses[0] not in (
                ADOPTED,
                PLANNED,
            ):
                e.statuses = [ADOPTED]
            if kind == "no-status":
                e.statuses = []
            elif kind == "two-statuses":
                e.statuses = [*e.statuses, ASSESSING if e.statuses[0] != ASSESSING else NOT_PLANNED]
            elif kind == "no-measures":
                e.measures = None
            elif kind == "blank-measures":
                e.measures = "   "
            elif kind == "unknown-practice":
                e.practice = UNKNOWN_PRACTICE
            elif kind == "duplicate-practice":
                e.practice = entries[index - 1].practice
            e.error = kind
            plan.errors.append((e.practice, kind))


def generate(config: SynthConfig) -> list[Plan]:
    """All plans: for each cycle, one plan per state (states in the configured order)."""
    per_state = [list(_state_plans(config, state)) for state in config.states]
    return [plans[c] for c in range(config.cycles) for plans in per_state]


def config_for_plans(n_plans: int, **options: object) -> SynthConfig:
    """A configuration giving at least ``n_plans`` plans; take the first ``n_plans``.

    Below 27 plans it uses the first ``n_plans`` addressees and one cycle.
    """
    states = ADDRESSEES if n_plans >= len(ADDRESSEES) else ADDRESSEES[:n_plans]
    cycles = max(1, -(-n_plans // len(ADDRESSEES)))
    return SynthConfig(cycles=cycles, states=states, **options)  # type: ignore[arg-type]


def corpus_ntriples(plans: Iterable[Plan]) -> str:
    """The whole corpus as one N-Triples document (for bulk loads into a store)."""
    return "".join(plan.ntriples() for plan in plans)


def write_corpus(plans: Iterable[Plan], out_dir: str | Path, fmt: str = "ttl") -> list[Path]:
    """Write one file per plan, ``{STATE}-{cycle}.ttl`` (or ``.nt``), each atomically."""
    out = Path(out_dir)
    files: list[Path] = []
    for plan in plans:
        path = out / f"{plan.state}-{plan.cycle:03d}.{fmt}"
        write_text(path, plan.turtle() if fmt == "ttl" else plan.ntriples())
        files.append(path)
    return files
