"""An in-memory rdflib Store built in bulk, whose two indexes readers may use directly.

rdflib's stores add one triple at a time through :meth:`rdflib.Graph.add` (type checks, three
nested index updates, and for the default ``Memory`` store the named-graph bookkeeping): about
10 µs a triple, which made reading and copying a 300-triple plan cost more than validating it.
:class:`IndexedMemory` is rdflib's ``SimpleMemory`` (the same public Store API, prefixes
included) with two differences:

- it is filled from an iterable of triples in one loop (:meth:`IndexedMemory.of`), about 0.4 µs a
  triple, and :func:`graph_of` wraps it in an ordinary :class:`rdflib.Graph`;
- its indexes ``spo`` (subject -> predicate -> objects) and ``pos`` (predicate -> object ->
  subjects) are public and read-only for others: the fast validation engine
  (:mod:`drugpolicy_kg.validation.fast`) looks triples up in them instead of building its own.

Objects and subjects are kept as dictionary keys (insertion-ordered sets), so iteration order is
the order triples were added: deterministic for a given input. Triples may still be added and
removed one at a time through the Graph as usual.

:meth:`IndexedMemory.union` makes the store of several stores' triples without copying them: it
shares their index dictionaries and merges only where two stores index the same subject or the
same (predicate, object); the validation engine adds the KG's triples to each plan this way. Such
a store copies its indexes before its first change (copy on write), so a change never reaches the
stores it was made of.

Measured with ``benchmarks/bench_peers.py`` (see ``docs/benchmarks.md``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from rdflib import Graph, URIRef
from rdflib.plugins.stores.memory import SimpleMemory
from rdflib.term import Node

Triple = tuple[Node, Node, Node]
#: subject -> predicate -> {object: None}
SPO = dict[Node, dict[Node, dict[Node, None]]]
#: predicate -> object -> {subject: None}
POS = dict[Node, dict[Node, dict[Node, None]]]


def _merge(
    index: dict[Node, dict[Node, dict[Node, None]]],
    own: set[Node],
    other: dict[Node, dict[Node, dict[Node, None]]],
) -> int:
    """Add the two-level index ``other`` to ``index``, sharing ``other``'s dictionaries where
    ``index`` has no entry and copying where both have one (the keys of copies go to ``own``);
    returns how many items both held (kept once)."""
    both = 0
    for key, inner in other.items():
        held = index.get(key)
        if held is None:
            index[key] = inner
            continue
        if key not in own:
            held = index[key] = dict(held)
            own.add(key)
        for second, items in inner.items():
            before = held.get(second)
            if before is None:
                held[second] = items
            else:
                merged = held[second] = {**before, **items}
                both += len(before) + len(items) - len(merged)
    return both


def _no_contexts() -> Iterator[Any]:
    return iter(())


class IndexedMemory(SimpleMemory):
    """``SimpleMemory`` with bulk loading and public ``spo`` / ``pos`` indexes (no ``osp``)."""

    def __init__(self, configuration: str | None = None, identifier: Any = None) -> None:
        super().__init__(configuration, identifier)
        self.spo: SPO = {}
        self.pos: POS = {}
        self._count = 0
        #: the indexes share dictionaries with other stores (:meth:`union`): copied before
        #: the first change
        self._shared = False

    @classmethod
    def union(cls, stores: Iterable[IndexedMemory]) -> IndexedMemory:
        """A store holding the triples of all ``stores``, sharing their index dictionaries
        where they do not overlap (a few dictionary copies instead of a copy of every triple).
        Neither this store nor the others may then be changed in place: this one copies its
        indexes before its first change; the others must not be changed while it is in use."""
        out = cls()
        own_spo: set[Node] = set()  # keys whose dictionary is out's own (merged), not shared
        own_pos: set[Node] = set()
        count = 0
        for store in stores:
            count += store._count - _merge(out.spo, own_spo, store.spo)
            _merge(out.pos, own_pos, store.pos)
        out._count = count
        out._shared = True
        return out

    def _own(self) -> None:
        """Copy the indexes (two levels deep) before the first change of a :meth:`union`."""
        self.spo = {s: {p: dict(o) for p, o in po.items()} for s, po in self.spo.items()}
        self.pos = {p: {o: dict(s) for o, s in os_.items()} for p, os_ in self.pos.items()}
        self._shared = False

    @classmethod
    def of(cls, triples: Iterable[Triple]) -> IndexedMemory:
        """A store holding ``triples`` (duplicates kept once), filled in one loop."""
        store = cls()
        store.add_all(triples)
        return store

    def add_all(self, triples: Iterable[Triple]) -> None:
        """Add many triples without rdflib's per-triple ``Graph.add`` (no type checks: the
        caller hands over rdflib terms, as a parser does)."""
        if self._shared:
            self._own()
        spo, pos = self.spo, self.pos
        count = self._count
        for s, p, o in triples:
            po = spo.get(s)
            if po is None:
                po = spo[s] = {}
            objects = po.get(p)
            if objects is None:
                objects = po[p] = {o: None}
            else:  # one hash of the object (a literal's hash is Python code), not two
                before = len(objects)
                objects[o] = None
                if len(objects) == before:
                    continue  # already held
            by_object = pos.get(p)
            if by_object is None:
                pos[p] = {o: {s: None}}
            else:
                subjects = by_object.get(o)
                if subjects is None:
                    by_object[o] = {s: None}
                else:
                    subjects[s] = None
            count += 1
        self._count = count

    def add(self, triple: Any, context: Any = None, quoted: bool = False) -> None:
        self.add_all((triple,))

    def remove(self, triple_pattern: Any, context: Any = None) -> None:
        if self._shared:
            self._own()
        spo, pos = self.spo, self.pos
        for (s, p, o), _ in list(self.triples(triple_pattern)):
            po = spo[s]
            del po[p][o]
            if not po[p]:
                del po[p]
                if not po:
                    del spo[s]
            by_object = pos[p]
            del by_object[o][s]
            if not by_object[o]:
                del by_object[o]
                if not by_object:
                    del pos[p]
            self._count -= 1

    def triples(self, triple_pattern: Any, context: Any = None) -> Iterator[Any]:
        s, p, o = triple_pattern
        if s is not None:
            po = self.spo.get(s)
            if po is None:
                return
            if p is not None:
                objects = po.get(p)
                if objects is None:
                    return
                if o is not None:
                    if o in objects:
                        yield (s, p, o), _no_contexts()
                    return
                for obj in list(objects):
                    yield (s, p, obj), _no_contexts()
                return
            for pred, objects in list(po.items()):
                if o is not None:
                    if o in objects:
                        yield (s, pred, o), _no_contexts()
                    continue
                for obj in list(objects):
                    yield (s, pred, obj), _no_contexts()
            return
        if p is not None:
            by_object = self.pos.get(p)
            if by_object is None:
                return
            if o is not None:
                for subj in list(by_object.get(o, ())):
                    yield (subj, p, o), _no_contexts()
                return
            for obj, subjects in list(by_object.items()):
                for subj in list(subjects):
                    yield (subj, p, obj), _no_contexts()
            return
        if o is not None:  # no osp index: the predicates are few
            for pred, by_object in list(self.pos.items()):
                for subj in list(by_object.get(o, ())):
                    yield (subj, pred, o), _no_contexts()
            return
        for subj, po in list(self.spo.items()):
            for pred, objects in list(po.items()):
                for obj in list(objects):
                    yield (subj, pred, obj), _no_contexts()

    def __len__(self, context: Any = None) -> int:
        return self._count


def triples_of(graph: Graph) -> Iterator[Triple]:
    """The triples of ``graph``, read straight from an :class:`IndexedMemory` store's index
    (one generator instead of rdflib's three, a third of the time), or through rdflib for any
    other graph. Not for a graph changed while it is read."""
    store = graph.store
    if type(graph) is Graph and isinstance(store, IndexedMemory):
        return (
            (s, p, o) for s, po in store.spo.items() for p, objects in po.items() for o in objects
        )
    return iter(graph)


def graph_of(
    triples: Iterable[Triple], prefixes: Graph | Iterable[tuple[str, Any]] | None = None
) -> Graph:
    """A Graph over a new :class:`IndexedMemory` holding ``triples``, with ``prefixes`` (pairs,
    or the prefixes bound in a graph's store) bound in its store: no namespace manager is made
    until someone asks for one (making one binds some thirty prefixes)."""
    store = IndexedMemory.of(triples)
    pairs = prefixes.store.namespaces() if isinstance(prefixes, Graph) else prefixes or ()
    for prefix, namespace in pairs:
        if prefix and store.namespace(prefix) is None and store.prefix(URIRef(namespace)) is None:
            store.bind(prefix, URIRef(namespace))
    return Graph(store=store)


__all__ = ["IndexedMemory", "graph_of", "triples_of"]
