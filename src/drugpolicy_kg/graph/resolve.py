"""The one resolver of friendly names: ``III.2``, ``SIS``, ``europol``, ``NL``, ``Greece``, an IRI.

People think in notations, acronyms, country codes and labels, not IRIs. Every place that
takes a name uses :class:`NameIndex`: ``query -p NAME=VALUE``, ``graph impact NODE`` and the
other graph verbs, ``plan template --state`` (:func:`resolve_state`), ``list`` and the Python
API (:class:`drugpolicy_kg.api.KG`). A value is matched, in order of precision, against:

1. the IRI (``<…>`` or bare) or a CURIE (``dpk:tool/SIS``);
2. a key, notation or code exactly as written (``IV`` is a block, ``IV.a`` a theme);
3. a key, notation, code, label or alternative label, ignoring case (``netherlands``,
   ``nl``, ``el`` for Greece);
4. the same, ignoring case and punctuation (``under-assessment`` = ``Under assessment``);
5. the beginning of a key, label or alternative label, ignoring case (``nether``).

A value that matches several entities at the first level that matches lists them all; an
unknown value suggests the nearest names by label as well as by key (``actor=port`` lists
the port actors, ``SEINA`` suggests SIENA). Both raise
:class:`~drugpolicy_kg.errors.InputError` (exit 2).

Country codes: states are keyed by ISO 3166-1 alpha-3 (their EU authority IRIs). People also
type ISO 3166-1 alpha-2 codes (``NL``) and the EU's own two-letter codes, which differ from
alpha-2 only for Greece (``EL``, ISO ``GR``); the Interinstitutional Style Guide's other
exception, ``UK``, names no addressee of the Decision and is left out. :data:`ALPHA2` is that
table for the 28 states the KG holds.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..catalogue import ENTITY_TYPES
from ..errors import InputError
from ..sparql_safety import trust

if TYPE_CHECKING:
    from ..engines.base import QueryEngine
    from .projection import Projection

#: ISO 3166-1 alpha-3 -> alpha-2 for the states in the KG (ISO 3166-1; the EU's country
#: authority table publishes the same pairs).
ALPHA2: dict[str, str] = {
    "AUT": "AT", "BEL": "BE", "BGR": "BG", "CHE": "CH", "CZE": "CZ", "DEU": "DE",
    "DNK": "DK", "ESP": "ES", "EST": "EE", "FIN": "FI", "FRA": "FR", "GRC": "GR",
    "HRV": "HR", "HUN": "HU", "ISL": "IS", "ITA": "IT", "LIE": "LI", "LTU": "LT",
    "LUX": "LU", "LVA": "LV", "MLT": "MT", "NLD": "NL", "NOR": "NO", "POL": "PL",
    "PRT": "PT", "SVK": "SK", "SVN": "SI", "SWE": "SE",
}  # fmt: skip

#: EU country codes (Interinstitutional Style Guide, 7.1) that differ from ISO alpha-2.
EU_CODES: dict[str, str] = {"GRC": "EL"}

#: The kinds of named entity, their class in the ontology (local name in ``dpo:``) and how
#: people call them in messages.
KIND_CLASSES: dict[str, str] = ENTITY_TYPES  # one table: the catalogue's parameter types
KIND_NAMES: dict[str, str] = {
    "practice": "best practice",
    "block": "building block",
    "theme": "theme",
    "tool": "tool",
    "actor": "actor",
    "legal": "legal instrument",
    "state": "state",
    "status": "status",
    "plan": "action plan",
}
#: Kinds whose display name starts with their notation ("III.2 ANPR query checks…").
NOTATION_FIRST = ("practice", "block", "theme")


@dataclass(frozen=True)
class Entity:
    """A named thing of the KG: its IRI, kind, short key and every name people use for it."""

    iri: str
    kind: str
    key: str
    label: str
    alt_labels: tuple[str, ...] = ()
    notation: str | None = None
    codes: tuple[str, ...] = ()

    @property
    def display(self) -> str:
        """The name to show people: ``III.2 ANPR query checks…`` for a practice, else the label."""
        if self.kind in NOTATION_FIRST and self.notation and self.notation != self.label:
            return f"{self.notation} {self.label}"
        return self.label

    def names(self) -> list[str]:
        """Every name of the entity: key, notation, codes, label, alternative labels."""
        out = [self.key, *([self.notation] if self.notation else []), *self.codes, self.label]
        return [n for n in dict.fromkeys([*out, *self.alt_labels]) if n]

    def short(self) -> str:
        """``key (label)`` for messages."""
        return self.key if self.label in ("", self.key) else f"{self.key} ({self.label})"


def _fold(text: str) -> str:
    return text.casefold().strip()


def _squash(text: str) -> str:
    return re.sub(r"[\s_.-]+", "", text.casefold())


def entity_key(iri: str) -> str:
    """The short key of an IRI: ``SIS`` for ``dpk:tool/SIS``, ``NLD`` for a country,
    ``reg/2018/1862`` for an ELI act, the local name otherwise."""
    from ..vocab import COUNTRY, DPK, ELI_BASE

    if iri.startswith(str(COUNTRY)):
        return iri[len(str(COUNTRY)) :]
    if iri.startswith(ELI_BASE):
        return iri[len(ELI_BASE) :].removesuffix("/oj")
    if iri.startswith(str(DPK)):
        rest = iri[len(str(DPK)) :]
        return rest.split("/", 1)[1] if "/" in rest else rest
    return re.split(r"[/#]", iri.rstrip("/#"))[-1]


def _expand(text: str) -> str | None:
    """An IRI from ``<IRI>``, a CURIE with a project prefix, or an absolute IRI."""
    from ..vocab import PREFIXES

    if text.startswith("<") and text.endswith(">"):
        return text[1:-1]
    prefix, sep, rest = text.partition(":")
    if sep and prefix in PREFIXES and not rest.startswith("//"):
        return str(PREFIXES[prefix]) + rest
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", text):
        return text
    return None


@dataclass
class NameIndex:
    """Entities by kind, and the matching rules of the module docstring.

    ``loader`` gives the entities of one kind on first use, so that a lookup of a tool never
    pays for listing the actors.
    """

    loader: Callable[[str], Sequence[Entity]]
    kinds: tuple[str, ...] = tuple(KIND_CLASSES)
    _by_kind: dict[str, list[Entity]] = field(default_factory=dict)

    def entities(self, kind: str) -> list[Entity]:
        """Every entity of ``kind``, sorted by key (naturally: ``III.2`` before ``III.10``)."""
        if kind not in self._by_kind:
            found = {e.iri: e for e in self.loader(kind)}
            self._by_kind[kind] = sorted(found.values(), key=lambda e: _natural(e.key))
        return self._by_kind[kind]

    def pool(self, kinds: Iterable[str] | None = None) -> list[Entity]:
        return [e for k in (kinds or self.kinds) for e in self.entities(k)]

    def by_iri(self, iri: str, kinds: Iterable[str] | None = None) -> Entity | None:
        for e in self.pool(kinds):
            if e.iri == iri:
                return e
        return None

    def matches(self, value: str, kinds: Iterable[str] | None = None) -> list[Entity]:
        """The entities ``value`` designates at the most precise level that finds any."""
        text = value.strip()
        if not text:
            return []
        pool = self.pool(kinds)
        iri = _expand(text)
        if iri is not None:
            hit = [e for e in pool if e.iri == iri]
            if hit or text.startswith("<") or "://" in text:
                return hit
        levels: list[Callable[[Entity], bool]] = [
            lambda e: text in (e.key, e.notation, *e.codes),
            lambda e: any(_fold(n) == _fold(text) for n in e.names()),
            lambda e: bool(_squash(text)) and any(_squash(n) == _squash(text) for n in e.names()),
            lambda e: any(
                _fold(n).startswith(_fold(text)) for n in (e.key, e.label, *e.alt_labels)
            ),
        ]
        for test in levels:
            hit = [e for e in pool if test(e)]
            if hit:
                return list({e.iri: e for e in hit}.values())
        return []

    def resolve(self, value: str, kinds: Iterable[str] | None = None, *, what: str = "") -> Entity:
        """The one entity ``value`` names (within ``kinds``), or an InputError that lists the
        candidates (ambiguous) or the nearest names (unknown). ``what`` prefixes the message
        (a parameter's name)."""
        wanted = tuple(kinds) if kinds is not None else None
        lead = f"{what}: " if what else ""
        kind_word = "/".join(KIND_NAMES.get(k, k) for k in wanted) if wanted else "entity"
        if not value.strip():
            raise InputError(f"{lead}an empty name designates no {kind_word}")
        hit = self.matches(value, wanted)
        if len(hit) == 1:
            return hit[0]
        if len(hit) > 1:
            shown = ", ".join(e.short() for e in hit[:12])
            more = f" and {len(hit) - 12} more" if len(hit) > 12 else ""
            raise InputError(
                f"{lead}{value!r} is ambiguous: it matches {len(hit)} {kind_word}s: "
                f"{shown}{more}; give one of these keys"
            )
        if wanted is not None:
            other = self.matches(value)
            if len(other) == 1:
                raise InputError(
                    f"{lead}{value!r} is a {KIND_NAMES.get(other[0].kind, other[0].kind)} "
                    f"({other[0].display}); this takes a {kind_word}"
                )
        raise InputError(f"{lead}no {kind_word} is called {value!r}{self._suggest(value, wanted)}")

    def suggestions(self, value: str, kinds: Iterable[str] | None = None) -> list[Entity]:
        """The entities whose key, label or alternative label is nearest to ``value``."""
        pool = self.pool(kinds)
        names: dict[str, list[Entity]] = {}
        for e in pool:
            for n in e.names():
                names.setdefault(_fold(n), []).append(e)
        text = _fold(value)
        close = difflib.get_close_matches(text, list(names), n=12, cutoff=0.6)
        words = [n for n in names if len(text) >= 3 and text in n]
        stems = {text, text[:-1] if len(text) > 3 and text.endswith("s") else text}
        word_starts = [
            n
            for n in names
            if len(text) >= 2 and any(w.startswith(t) for w in n.split() for t in stems)
        ]
        picks: dict[str, Entity] = {}
        for n in [*close, *word_starts, *words]:
            for e in names[n]:
                picks.setdefault(e.iri, e)
        return list(picks.values())

    def _suggest(self, value: str, kinds: tuple[str, ...] | None) -> str:
        picks = self.suggestions(value, kinds)
        if picks:
            return f"; did you mean: {', '.join(e.short() for e in picks[:8])}?"
        sample = [e.key for e in self.pool(kinds)][:6]
        listing = f" (drugpolicy-kg list {kinds[0]}s)" if kinds and len(kinds) == 1 else ""
        return f"; names look like: {', '.join(sample)}{listing}" if sample else ""

    def complete(self, prefix: str, kinds: Iterable[str] | None = None) -> list[str]:
        """Keys that start with ``prefix`` (ignoring case), for shell completion."""
        folded = _fold(prefix)
        return [e.key for e in self.pool(kinds) if _fold(e.key).startswith(folded)]


def _natural(text: str) -> tuple[object, ...]:
    return tuple(
        (0, int(t), "") if t.isdigit() else (1, 0, t.lower()) for t in re.split(r"(\d+)", text)
    )


_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8, "IX": 9}


def _codes(kind: str, key: str, iri: str = "", notation: str | None = None) -> tuple[str, ...]:
    """Other codes of an entity: ISO alpha-2 and EU codes of a state, ``2018/1862`` for an
    ELI act keyed ``reg/2018/1862``, ``3.2`` for the notation ``III.2`` (the block's number
    in arabic numerals)."""
    from ..vocab import ELI_BASE

    if kind in NOTATION_FIRST and notation:
        head, dot, rest = notation.partition(".")
        if head in _ROMAN:
            return (f"{_ROMAN[head]}{dot}{rest}",)
    if kind == "state":
        return tuple(c for c in (ALPHA2.get(key), EU_CODES.get(key)) if c)
    if iri.startswith(ELI_BASE) and key.count("/") >= 2:
        return (key.split("/", 1)[1],)
    return ()


# --- building an index -----------------------------------------------------------------------

_NAMES_QUERY = trust(
    """\
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?x ?p ?name WHERE {
  ?x rdf:type/rdfs:subClassOf* ?cls .
  FILTER(isIRI(?x))
  OPTIONAL {
    ?x ?p ?name .
    VALUES ?p { rdfs:label skos:prefLabel skos:altLabel skos:notation }
  }
}
"""
)  # the package's own text: runs in-process, not in the query sandbox


def entities_from_rows(kind: str, rows: Iterable[tuple[object, object, object]]) -> list[Entity]:
    """Entities of ``kind`` from ``(iri, property, name)`` rows of :data:`_NAMES_QUERY`."""
    from ..vocab import RDFS, SKOS

    names: dict[str, dict[str, list[str]]] = {}
    for x, p, name in rows:
        slot = names.setdefault(str(x), {})
        if p is not None and name is not None:
            slot.setdefault(str(p), []).append(str(name))
    out = []
    for iri, props in names.items():
        key = entity_key(iri)
        pref = sorted(props.get(str(SKOS.prefLabel), []))
        label_ = sorted(props.get(str(RDFS.label), []))
        notation = sorted(props.get(str(SKOS.notation), []))
        label = (pref or label_ or [key])[0]
        alts = sorted({*pref, *label_, *props.get(str(SKOS.altLabel), [])} - {label})
        out.append(
            Entity(
                iri=iri,
                kind=kind,
                key=key,
                label=label,
                alt_labels=tuple(alts),
                notation=notation[0] if notation else None,
                codes=_codes(kind, key, iri, notation[0] if notation else None),
            )
        )
    return out


def engine_index(engine: QueryEngine) -> NameIndex:
    """The index of the entities ``engine`` holds (the KG and any plans), kept on the engine
    until its data change. The lookup query is constant text with the class bound as a term:
    a user's value is compared in Python and never reaches a query."""
    cache = engine.name_cache
    found = cache.get("__index__")
    if isinstance(found, NameIndex):
        return found

    def load(kind: str) -> list[Entity]:
        from rdflib import URIRef

        from ..vocab import DPO

        cls = URIRef(DPO[KIND_CLASSES[kind]])
        result = engine.query(_NAMES_QUERY, bindings={"cls": cls})
        return entities_from_rows(kind, result.rows)  # type: ignore[arg-type]

    index = NameIndex(load)
    cache["__index__"] = index  # type: ignore[assignment]
    return index


_KG_INDEX: list[NameIndex] = []


def kg_index() -> NameIndex:
    """The index of the KG alone (no plans), built once per process."""
    if not _KG_INDEX:
        from ..engines import open_engine

        _KG_INDEX.append(engine_index(open_engine("oxigraph", use_cache=True)))
    return _KG_INDEX[0]


def projection_index(proj: Projection) -> NameIndex:
    """The index of a graph projection's nodes (the ``graph`` verbs), same rules."""
    cached = proj.__dict__.get("_name_index")
    if isinstance(cached, NameIndex):
        return cached
    from .projection import KINDS

    by_kind: dict[str, list[Entity]] = {}
    g = proj.graph
    for n, data in g.nodes(data=True):
        kind = str(data["kind"])
        key = str(data.get("code") or entity_key(str(n)))
        label = str(data.get("name") or data["label"])
        notation = str(data["code"]) if kind in NOTATION_FIRST and data.get("code") else None
        alts = sorted({str(a) for a in proj.aliases.get(n, [])} - {label, key, str(n)})
        if kind == "state":
            key = entity_key(str(n)) if str(n).startswith("http") else key
        by_kind.setdefault(kind, []).append(
            Entity(
                str(n), kind, key, label, tuple(alts), notation, _codes(kind, key, str(n), notation)
            )
        )
    index = NameIndex(lambda kind: by_kind.get(kind, []), kinds=KINDS)
    proj.__dict__["_name_index"] = index
    return index


def resolve(proj: Projection, name: str, kinds: Iterable[str] | None = None) -> str:
    """The node of ``proj`` that ``name`` designates, optionally within some ``kinds``.

    Raises :class:`InputError` listing candidates (ambiguous) or suggestions (unknown).
    """
    return projection_index(proj).resolve(name, kinds).iri


def resolve_state(value: str) -> str:
    """The ISO 3166-1 alpha-3 code of the state ``value`` names (``NL``, ``EL``,
    ``Netherlands``, ``nether``, ``NLD``), for ``plan template --state``."""
    return kg_index().resolve(value, ("state",), what="--state").key


def resolve_values(
    index: NameIndex, values: Mapping[str, str], kinds: Mapping[str, str]
) -> dict[str, Entity]:
    """Each ``name -> value`` resolved within the kind ``kinds[name]``."""
    return {n: index.resolve(v, (kinds[n],), what=n) for n, v in values.items()}
