"""Action plans as revisions over time (Recital 13): a light, plain-Python reading of plans.

Recital 13: "The implementation of the best practices will be monitored through periodic
evaluations in accordance with the multiannual evaluation programme." A state's plan is
therefore revised: a revision is a new ``dpo:ActionPlan`` that names the plan it revises with
``prov:wasRevisionOf`` and may say which evaluation cycle it reports for
(``dpo:evaluationCycle``, an ``xsd:gYear``; without it the year of ``dcterms:issued`` stands
for the cycle). See ``docs/monitoring.md``.

Why a plain reading and not SPARQL: diff, progress and peers need, per plan, only the state,
the dates and, per practice, the status and four texts. Reading those from the parsed quads
into dataclasses costs one pass over the triples; the catalogue queries
(``progress-by-block``, ``practice-adoption-over-time``) answer the same questions on any
endpoint, and the tests hold the two to the same numbers.

Untrusted input: files are read by :func:`drugpolicy_kg.rdfio.load_untrusted_into_store`
(size, syntax, depth and literal limits, no network), straight into a pyoxigraph store.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ..errors import InputError
from ..vocab import COUNTRY, DCTERMS, DPK, DPO, PROV, RDF, RDFS, STATUSES

__all__ = [
    "STATUS_LABELS",
    "STATUS_RANK",
    "EntryRecord",
    "PlanRecord",
    "current_plans",
    "history",
    "load_plans",
    "plans_from_triples",
    "practices",
    "resolve_state",
    "state_names",
]

#: Status local names, from the furthest to the least advanced (contract: four values).
STATUS_NAMES = tuple(str(s).rsplit("#", 1)[-1] for s in STATUSES)
#: How far a status is along the way to adoption; a revision that lowers it moves backwards.
STATUS_RANK = {"NotPlanned": 0, "UnderAssessment": 1, "Planned": 2, "Adopted": 3}
STATUS_LABELS = {
    "Adopted": "adopted",
    "Planned": "planned",
    "UnderAssessment": "under assessment",
    "NotPlanned": "not planned",
}

_PRACTICE_NS = str(DPK["practice/"])
_COUNTRY_NS = str(COUNTRY)
_DPO_NS = str(DPO)

_P = {
    "type": str(RDF.type),
    "label": str(RDFS.label),
    "submittedBy": str(DPO.submittedBy),
    "issued": str(DCTERMS.issued),
    "cycle": str(DPO.evaluationCycle),
    "revises": str(PROV.wasRevisionOf),
    "hasSection": str(DPO.hasSection),
    "hasEntry": str(DPO.hasEntry),
    "practice": str(DPO.practice),
    "status": str(DPO.status),
    "measures": str(DPO.implementationMeasures),
    "reason": str(DPO.reason),
    "authority": str(DPO.responsibleAuthority),
    "target": str(DPO.targetDate),
    "consulted": str(DPO.consultedState),
}
_WANTED = frozenset(_P.values())
_PLAN_CLASS = str(DPO.ActionPlan)


class Lit(str):
    """A literal's lexical form, with its language tag (texts are chosen by language)."""

    lang: str | None = None

    @classmethod
    def of(cls, value: str, lang: str | None) -> Lit:
        lit = cls(value)
        lit.lang = lang
        return lit


@dataclass(frozen=True)
class EntryRecord:
    """One entry of a plan: the practice (notation), its status(es) and the optional texts."""

    practice: str
    statuses: tuple[str, ...] = ()
    measures: str | None = None
    reason: str | None = None
    authority: str | None = None
    target: dt.date | None = None
    consulted: tuple[str, ...] = ()

    @property
    def status(self) -> str | None:
        """The status when there is exactly one (the contract), else ``None``."""
        return self.statuses[0] if len(self.statuses) == 1 else None

    @property
    def status_text(self) -> str:
        if not self.statuses:
            return "no status"
        return " + ".join(STATUS_LABELS.get(s, s) for s in self.statuses)


@dataclass
class PlanRecord:
    """One action plan (or revision) as the monitoring features read it."""

    iri: str
    file: str
    state: str | None
    issued: dt.date | None
    cycle: str | None = None
    #: the lexical form of ``dcterms:issued`` (SPARQL's ``STR(?issued)``)
    issued_text: str | None = None
    revises: tuple[str, ...] = ()
    label: str | None = None
    #: practice notation -> entry (the first entry by IRI order when a practice is repeated)
    entries: dict[str, EntryRecord] = field(default_factory=dict)

    @property
    def period(self) -> str | None:
        """The evaluation cycle: ``dpo:evaluationCycle``, else the year of ``dcterms:issued``."""
        if self.cycle:
            return self.cycle
        return str(self.issued.year) if self.issued else None

    @property
    def name(self) -> str:
        """A short name for messages: the file's name and the plan's IRI."""
        return f"<{self.iri}> ({self.file})"

    def sort_key(self) -> tuple[str, dt.date, str]:
        return (self.state or "", self.issued or dt.date.max, self.iri)


def _text(values: list[Any]) -> str | None:
    """One text of several: English first, then the smallest (deterministic)."""
    if not values:
        return None
    if len(values) == 1:
        return values[0] if isinstance(values[0], Lit) else None
    texts = [v for v in values if isinstance(v, Lit)]
    if not texts:
        return None
    return min(texts, key=lambda v: (v.lang not in ("en", None), v.lang or "", str(v)))


def _date_text(values: list[Any]) -> tuple[dt.date | None, str | None]:
    """The first valid date among literals (sorted), with its lexical form."""
    for value in sorted(str(v) for v in values if isinstance(v, Lit)):
        try:
            return dt.date.fromisoformat(value[:10]), value
        except ValueError:
            continue
    return None, None


def _date(values: list[Any], where: str) -> dt.date | None:
    return _date_text(values)[0]


def _iris(values: list[Any]) -> list[str]:
    if len(values) == 1:  # the usual case
        v = values[0]
        return [] if isinstance(v, Lit) or v.startswith("_:") else [v]
    return sorted(v for v in values if not isinstance(v, Lit) and not v.startswith("_:"))


def _state_code(iri: str) -> str:
    return iri[len(_COUNTRY_NS) :] if iri.startswith(_COUNTRY_NS) else iri


def plans_from_triples(triples: Iterable[tuple[str, str, Any]], file: str) -> list[PlanRecord]:
    """The plans among ``(subject, predicate, object)`` triples of one file.

    Subjects and IRIs are strings (blank nodes start with ``_:``), literals are :class:`Lit`.
    Only the predicates the monitoring features use are kept.
    """
    props: dict[str, dict[str, list[Any]]] = {}
    for s, p, o in triples:
        if p in _WANTED:
            props.setdefault(s, {}).setdefault(p, []).append(o)
    plans = []
    for subject, values in props.items():
        if _PLAN_CLASS not in values.get(_P["type"], ()):
            continue
        states = _iris(values.get(_P["submittedBy"], []))
        cycle = _text(values.get(_P["cycle"], []))
        issued, issued_text = _date_text(values.get(_P["issued"], []))
        record = PlanRecord(
            iri=subject,
            file=file,
            state=_state_code(states[0]) if states else None,
            issued=issued,
            issued_text=issued_text,
            cycle=str(cycle) if cycle else None,
            revises=tuple(_iris(values.get(_P["revises"], []))),
            label=_text(values.get(_P["label"], [])),
        )
        entries = sorted(
            {
                e
                for section in values.get(_P["hasSection"], [])
                for e in props.get(section, {}).get(_P["hasEntry"], [])
            }
        )
        for entry in entries:
            ev = props.get(entry, {})
            named = _iris(ev.get(_P["practice"], []))
            if not named or not named[0].startswith(_PRACTICE_NS):
                continue
            notation = named[0][len(_PRACTICE_NS) :]
            if notation in record.entries:
                continue
            statuses = tuple(
                sorted(
                    {
                        v[len(_DPO_NS) :] if v.startswith(_DPO_NS) else v
                        for v in _iris(ev.get(_P["status"], []))
                    },
                    key=lambda s: -STATUS_RANK.get(s, -1),
                )
            )
            record.entries[notation] = EntryRecord(
                practice=notation,
                statuses=statuses,
                measures=_text(ev.get(_P["measures"], [])),
                reason=_text(ev.get(_P["reason"], [])),
                authority=_text(ev.get(_P["authority"], [])),
                target=_date(ev.get(_P["target"], []), entry),
                consulted=tuple(_state_code(c) for c in _iris(ev.get(_P["consulted"], []))),
            )
        plans.append(record)
    return sorted(plans, key=lambda p: p.iri)


def _ox_converter() -> Any:
    """A converter of pyoxigraph terms, caching IRIs and blank nodes (they repeat a lot)."""
    import pyoxigraph as ox

    cache: dict[Any, str] = {}
    named, blank, literal = ox.NamedNode, ox.BlankNode, ox.Literal

    def value(term: Any) -> Any:
        found = cache.get(term)
        if found is not None:
            return found
        kind = type(term)
        if kind is literal:
            return Lit.of(term.value, term.language)
        text = term.value if kind is named else "_:" + term.value if kind is blank else str(term)
        cache[term] = text
        return text

    return value


def _file_triples(path: str, value: Any) -> list[tuple[str, str, Any]] | None:
    """The wanted triples of one untrusted file, streamed from pyoxigraph's parser through the
    same checks as :func:`drugpolicy_kg.rdfio.load_untrusted` (size, UTF-8, format, DTD and XML
    depth, triple/literal/blank-node limits, syntax errors with line, no network). ``None`` for
    formats pyoxigraph does not parse (JSON-LD, TriX): the caller takes the rdflib path."""
    from .. import rdfio

    limits = rdfio.Limits()
    wanted = _WANTED
    with rdfio.opened(path, None, None, limits) as (text, fmt, label, base):
        if fmt not in rdfio._OX_FORMATS:
            return None
        rdfio._check_before_parsing(text, fmt, label, limits)
        children: dict[Any, set[Any]] = {}
        quads = rdfio._checked_quads(
            rdfio._ox_parser(text, fmt, base),
            fmt,
            label,
            limits,
            children,
            rdfio._literal_bound(text, fmt),
        )
        triples = []
        for quad in quads:
            predicate = quad.predicate.value
            if predicate in wanted:
                triples.append((value(quad.subject), predicate, value(quad.object)))
        rdfio._check_depth(children, label, limits)
        return triples
    raise AssertionError("unreachable")  # pragma: no cover - the block returns or raises


def load_plans(paths: Sequence[str]) -> list[PlanRecord]:
    """Read the plans of files and folders (untrusted input; :class:`InputError` on failure).

    Each file is read on its own (its blank nodes are its own), streaming only the predicates
    the monitoring features use. Files holding no action plan are skipped.
    """
    from ..rdfio import expand_paths, load_untrusted, union_graph

    files = expand_paths(paths)
    if not files:
        raise InputError("no RDF files found", ", ".join(paths))
    plans: list[PlanRecord] = []
    value = _ox_converter()  # blank nodes are renamed per file by the parser: safe to share
    for path in files:
        triples = _file_triples(path, value)
        if triples is None:
            plans.extend(plans_from_graph(union_graph(load_untrusted(path)), path))
        else:
            plans.extend(plans_from_triples(triples, path))
    return plans


def plans_of_validated_files(files: Sequence[str]) -> list[PlanRecord]:
    """The plans of files ``validate`` has just read (RDF files or workbooks), read again
    lightly; standard input (``-``, not readable twice) and files validation already reported
    as unreadable are left out."""
    from ..plans.importer import import_spreadsheet, read_file
    from ..plans.workbook import is_spreadsheet

    plans: list[PlanRecord] = []
    for path in files:
        if path == "-":
            continue
        try:
            if is_spreadsheet(path):
                graph = import_spreadsheet(read_file(path), path).graph
                plans.extend(plans_from_graph(graph, path))
            else:
                plans.extend(load_plans([path]))
        except InputError:
            continue  # validation reported this file's problem
    return plans


#: What the revision-chain checks read of a plan (:mod:`drugpolicy_kg.validation.chain`):
#: no texts besides the reason, so that records kept for thousands of plans stay small.
CHAIN_PREDICATES = frozenset(
    _P[k]
    for k in (
        "type",
        "submittedBy",
        "issued",
        "revises",
        "hasSection",
        "hasEntry",
        "practice",
        "status",
        "reason",
    )
)


def plans_from_graph(
    graph: Any, file: str = "<graph>", predicates: frozenset[str] | None = None
) -> list[PlanRecord]:
    """The plans of an rdflib graph (for callers that already parsed one); ``predicates``
    (e.g. :data:`CHAIN_PREDICATES`) reads only those."""
    from rdflib import BNode, Literal

    def value(term: Any) -> Any:
        if isinstance(term, Literal):
            return Lit.of(str(term), term.language)
        if isinstance(term, BNode):
            return f"_:{term}"
        return str(term)

    from rdflib import URIRef

    from ..indexed_store import IndexedMemory

    chosen = sorted(_WANTED if predicates is None else predicates & _WANTED)
    store = getattr(graph, "store", None)
    if type(store) is IndexedMemory:  # its predicate index, each object converted once
        pos = store.pos
        triples: list[tuple[str, str, Any]] = []
        append = triples.append
        for p in chosen:
            for o, subjects in pos.get(URIRef(p), {}).items():
                converted = value(o)
                for s in subjects:
                    append((str(s) if type(s) is URIRef else value(s), p, converted))
        return plans_from_triples(triples, file)
    wanted = (  # only the predicates used: a store's index answers each at once
        (s, p, o) for p in chosen for s, _p, o in graph.triples((None, URIRef(p), None))
    )
    return plans_from_triples(((value(s), str(p), value(o)) for s, p, o in wanted), file)


def history(plans: Iterable[PlanRecord]) -> dict[str, list[PlanRecord]]:
    """State -> its plans from the earliest to the latest (dated plans only)."""
    out: dict[str, list[PlanRecord]] = {}
    for plan in sorted(plans, key=PlanRecord.sort_key):
        if plan.state and plan.issued:
            out.setdefault(plan.state, []).append(plan)
    return out


def current_plans(plans: Sequence[PlanRecord]) -> dict[str, PlanRecord]:
    """State -> its current plan: one no loaded plan revises (the latest if several).

    The catalogue's per-state queries use the same rule (``FILTER NOT EXISTS { ?newer
    prov:wasRevisionOf ?plan }``), so a corpus holding several revisions answers for the
    latest one.
    """
    revised = {iri for p in plans for iri in p.revises}
    out: dict[str, PlanRecord] = {}
    for plan in sorted(plans, key=PlanRecord.sort_key):
        if plan.state and plan.iri not in revised:
            out[plan.state] = plan
    return out


# --- the Decision's practices and states ------------------------------------------------------


@lru_cache(maxsize=1)
def practices() -> tuple[tuple[str, str, str], ...]:
    """(notation, block numeral, short title) of the 44 practices, in the Decision's order.

    Read from the validation's compiled context (cached on disk per installed version), so
    ``validate`` and the monitoring commands do not compile the KG for the titles.
    """
    from ..validation.context import cached_context

    ctx = cached_context()
    ordered = sorted(ctx.practices.values(), key=lambda p: p.sort_key())
    return tuple((p.notation, p.notation.partition(".")[0], p.title) for p in ordered)


#: ISO 3166-1 alpha-2 codes of the 27 addressees, in the order of FACTS.md (which lists them
#: with their Wikidata items) and of :data:`drugpolicy_kg.synth.ADDRESSEES`.
_ALPHA2 = (
    "BE", "HR", "CZ", "DK", "DE", "EE", "GR", "IS", "ES", "FR", "IT", "LV", "LT", "LU", "HU",
    "LI", "MT", "NL", "NO", "AT", "PL", "PT", "SI", "SK", "FI", "SE", "CH",
)  # fmt: skip


@lru_cache(maxsize=1)
def state_names() -> dict[str, str]:
    """Alpha-3 code -> English name, for every state the KG knows."""
    from ..kg import cached_kg
    from ..vocab import RDFS as _RDFS

    kg = cached_kg()
    out = {}
    for state in kg.subjects(RDF.type, DPO.State):
        code = _state_code(str(state))
        label = kg.value(state, _RDFS.label)
        out[code] = str(label) if label is not None else code
    return out


def resolve_state(value: str, option: str = "--state") -> str:
    """An alpha-3 code from what a user typed: alpha-3, alpha-2 (EL for Greece too) or name."""
    from ..synth import ADDRESSEES

    names = state_names()
    key = value.strip().lower()
    table: dict[str, str] = {}
    for code, name in names.items():
        table[code.lower()] = code
        table[name.lower()] = code
    for a2, a3 in zip(_ALPHA2, ADDRESSEES, strict=True):
        table[a2.lower()] = a3
    table["el"] = "GRC"  # the EU's own code for Greece (Interinstitutional Style Guide)
    if key in table:
        return table[key]
    close = difflib.get_close_matches(key, [k for k in table if len(k) > 3], n=3)
    hint = (
        f"; did you mean {', '.join(repr(names.get(table[c], c)) for c in close)}?" if close else ""
    )
    raise InputError(
        f"{option}: unknown state {value!r}: give an ISO 3166 alpha-3 code (NLD), an alpha-2 "
        f"code (NL) or an English name (Netherlands){hint}"
    )


def single_plan(path: str, role: str = "the file") -> PlanRecord:
    """The one plan of a file (``plan diff`` compares one plan with one plan)."""
    found = load_plans([path])
    if len(found) != 1:
        what = (
            "no action plan (no resource of type dpo:ActionPlan)"
            if not found
            else (f"{len(found)} action plans ({', '.join('<' + p.iri + '>' for p in found[:3])})")
        )
        raise InputError(f"{role} must hold exactly one action plan, but it holds {what}", path)
    return found[0]
