"""What validation needs from the KG and the shapes, compiled once per installed version.

Compiling the KG takes ~0.5-0.9 s and parsing the shapes ~40 ms; validation needs only a few
hundred triples of the KG (:class:`~.context.KGContext`), the default deadline and the shapes'
triples. These are written once to the user cache folder (the query engine's,
:func:`drugpolicy_kg.engines.cache_dir`) as one JSON file named by a key over the package
version, the KG's sources (:func:`~drugpolicy_kg.engines.sources_hash`), the shapes' bytes and
rdflib's version; later processes read that file (a few ms) instead of compiling.

Safe by construction:

- the file is written atomically (:func:`drugpolicy_kg.atomic.write_bytes`: temporary file, fsync,
  rename), so concurrent writers each publish a whole file and a reader never sees half of one;
- it is JSON (never pickle): a corrupt, truncated, foreign or hand-edited file cannot run code; it
  is checked (format number, key, types) and, when anything is wrong, ignored: validation compiles
  from the sources as before and rewrites the file;
- a read-only or missing cache folder is no error: the result is simply not stored.

``DRUGPOLICY_KG_NO_CACHE=1`` turns the disk cache off (compile every time).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from ..vocab import canonical
from .context import Block, KGContext, Practice, Triple, build_context
from .deadline import Deadline, default_deadline

#: Bumped whenever the file's layout or the meaning of its content changes.
FORMAT = 1


@dataclass(frozen=True)
class Compiled:
    """The KG context, the default deadline and the shapes' triples (with their prefixes)."""

    context: KGContext
    deadline: Deadline
    shapes: tuple[Triple, ...]
    prefixes: tuple[tuple[str, str], ...]

    def shapes_graph(self) -> Graph:
        """A new rdflib graph holding the shapes (parsed from the package's Turtle)."""
        graph = Graph()
        for prefix, namespace in self.prefixes:
            graph.bind(prefix, namespace, override=True)
        for triple in self.shapes:
            graph.add(triple)
        return graph


def _shapes_bytes() -> list[tuple[str, bytes]]:
    from ..resources import iter_assets

    return [(a.name, a.read_bytes()) for a in iter_assets("shapes", ".ttl")]


def cache_key() -> str:
    """The key of the cached file: everything its content is derived from."""
    import rdflib

    from ..engines import sources_hash

    h = hashlib.sha256(f"validation-{FORMAT}\n{sources_hash()}\n{rdflib.__version__}\n".encode())
    for name, data in _shapes_bytes():
        h.update(name.encode())
        h.update(hashlib.sha256(data).digest())
    return h.hexdigest()[:24]


def cache_path() -> Path:
    from ..engines import cache_dir

    return cache_dir() / f"validation-{cache_key()}.json"


# --- compiling ---------------------------------------------------------------------------------


def compile_now() -> Compiled:
    """Compile from the sources: the KG (the slow part), the context, the deadline, the shapes."""
    from ..kg import cached_kg

    kg = cached_kg()
    shapes = Graph()
    for name, data in _shapes_bytes():
        shapes.parse(data=data.decode("utf-8"), format="turtle", publicID=name)
    return Compiled(
        context=build_context(kg),
        deadline=default_deadline(kg),
        shapes=tuple(sorted(shapes, key=_triple_key)),
        prefixes=tuple(sorted((str(p), str(n)) for p, n in shapes.namespaces())),
    )


def _triple_key(triple: Triple) -> tuple[str, str, str]:
    return (triple[0].n3(), triple[1].n3(), triple[2].n3())


# --- the JSON form -----------------------------------------------------------------------------


def _term(node: Node) -> list[str]:
    if isinstance(node, URIRef):
        return ["u", str(node)]
    if isinstance(node, BNode):
        return ["b", str(node)]
    if isinstance(node, Literal):
        if node.language:
            return ["l", str(node), "", node.language]
        return ["l", str(node), str(node.datatype or "")]
    raise TypeError(f"unexpected term {node!r}")


def _node(data: Any) -> Node:
    if not isinstance(data, list) or not data or not all(isinstance(x, str) for x in data):
        raise ValueError("bad term")
    kind = data[0]
    if kind == "u" and len(data) == 2:
        return canonical(data[1])
    if kind == "b" and len(data) == 2:
        return BNode(data[1])
    if kind == "l" and len(data) == 3:
        return Literal(data[1], datatype=canonical(data[2]) if data[2] else None)
    if kind == "l" and len(data) == 4:
        return Literal(data[1], lang=data[3])
    raise ValueError("bad term")


def _iri(data: Any) -> URIRef:
    if not isinstance(data, str):
        raise ValueError("bad IRI")
    return canonical(data)


def _triples(data: Any) -> list[Triple]:
    if not isinstance(data, list):
        raise ValueError("bad triples")
    out: list[Triple] = []
    for item in data:
        if not isinstance(item, list) or len(item) != 3:
            raise ValueError("bad triple")
        out.append((_node(item[0]), _node(item[1]), _node(item[2])))
    return out


def _text(data: Any) -> str:
    if not isinstance(data, str):
        raise ValueError("bad text")
    return data


def to_json(compiled: Compiled, key: str) -> bytes:
    ctx = compiled.context
    doc = {
        "format": FORMAT,
        "key": key,
        "deadline": {
            "date": compiled.deadline.date.isoformat(),
            "assumption": compiled.deadline.assumption,
        },
        "practices": [
            [str(p.iri), p.notation, p.title, str(p.block)] for p in ctx.practices.values()
        ],
        "blocks": [[str(b.iri), b.numeral, b.heading] for b in ctx.blocks.values()],
        "states": [[str(iri), label] for iri, label in ctx.states.items()],
        "addressees": sorted(str(a) for a in ctx.addressees),
        "base_triples": [[_term(t) for t in triple] for triple in ctx.base_triples],
        "state_triples": [
            [str(state), [[_term(t) for t in triple] for triple in triples]]
            for state, triples in ctx.state_triples.items()
        ],
        "kg_subjects": sorted((_term(s) for s in ctx.kg_subjects), key=json.dumps),
        "shapes": [[_term(t) for t in triple] for triple in compiled.shapes],
        "prefixes": [list(p) for p in compiled.prefixes],
    }
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def from_json(data: bytes, key: str) -> Compiled:
    """The compiled form read back; ``ValueError`` if anything is not as written."""
    doc = json.loads(data.decode("utf-8"))
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or doc.get("key") != key:
        raise ValueError("another version's cache")
    deadline = doc["deadline"]
    practices: dict[URIRef, Practice] = {}
    for item in doc["practices"]:
        iri, notation, title, block = (_text(x) for x in item)
        practices[canonical(iri)] = Practice(canonical(iri), notation, title, canonical(block))
    blocks: dict[URIRef, Block] = {}
    for item in doc["blocks"]:
        iri, numeral, heading = (_text(x) for x in item)
        blocks[canonical(iri)] = Block(canonical(iri), numeral, heading)
    states = {_iri(iri): _text(label) for iri, label in doc["states"]}
    state_triples = {_iri(state): _triples(triples) for state, triples in doc["state_triples"]}
    context = KGContext(
        practices=practices,
        blocks=blocks,
        states=states,
        addressees=frozenset(_iri(a) for a in doc["addressees"]),
        base_triples=_triples(doc["base_triples"]),
        state_triples=state_triples,
        kg_subjects=frozenset(_node(s) for s in doc["kg_subjects"]),
    )
    if not practices or len(blocks) != 4 or not states:
        raise ValueError("incomplete cache")
    prefixes = tuple((_text(p), _text(n)) for p, n in doc["prefixes"])
    return Compiled(
        context=context,
        deadline=Deadline(dt.date.fromisoformat(_text(deadline["date"])), deadline["assumption"]),
        shapes=tuple(_triples(doc["shapes"])),
        prefixes=prefixes,
    )


# --- the cache ---------------------------------------------------------------------------------


def load(*, use_cache: bool = True) -> Compiled:
    """The compiled context: read from the disk cache, else compiled (and stored)."""
    if not use_cache or os.environ.get("DRUGPOLICY_KG_NO_CACHE"):
        return _as_read(compile_now(), "uncached")
    try:
        key = cache_key()
        path = cache_path()
    except OSError:  # pragma: no cover - the package's own assets unreadable
        return _as_read(compile_now(), "uncached")
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError, UnicodeDecodeError):
        return from_json(path.read_bytes(), key)
    data = to_json(compile_now(), key)
    with contextlib.suppress(OSError):  # a read-only home is no reason to fail validation
        from ..atomic import write_bytes

        write_bytes(path, data)
    return from_json(data, key)


def _as_read(compiled: Compiled, key: str) -> Compiled:
    """``compiled`` as the cache gives it back: the same values, its IRIs the package's
    canonical objects (:func:`drugpolicy_kg.vocab.canonical`), whether or not a cache is used."""
    return from_json(to_json(compiled, key), key)


@lru_cache(maxsize=1)
def cached() -> Compiled:
    """The compiled context, loaded once per process (see :func:`load`)."""
    return load()
