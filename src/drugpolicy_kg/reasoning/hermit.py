"""HermiT through owlready2: the complete OWL 2 DL engine (needs Java).

Each run loads the sanitised N-Triples bytes of the graph into a fresh, in-memory
``owlready2.World`` (never the default world, never a file or URL), runs HermiT, reads the
realised types back and closes the world. owlready2 is imported here, inside functions only,
so commands that do not reason never pay for it.

HermiT knows only the OWL 2 datatype map; the KG also uses xsd:date, xsd:gYear,
xsd:gYearMonth and xsd:duration, so it runs with ``--ignoreUnsupportedDatatypes`` (values of
those types are treated as opaque, which loses nothing here: no axiom restricts them).
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rdflib import Graph, URIRef

from ..errors import EngineError
from ..vocab import ONTOLOGY_IRI, OWL
from .base import EngineResult
from .prepare import individuals, named_classes, sanitise, to_ntriples

#: Environment variable naming the Java executable. Set it empty (or to ``none``) to hide
#: Java, which forces the OWL 2 RL fallback (how the tests exercise it on a machine with Java).
JAVA_ENV = "DRUGPOLICY_KG_JAVA"


def find_java() -> str | None:
    """The Java executable to run HermiT with, or None when there is none.

    ``$DRUGPOLICY_KG_JAVA`` wins (empty or ``none`` means "no Java"); then ``java`` on PATH;
    then ``$JAVA_HOME/bin/java``.
    """
    env = os.environ.get(JAVA_ENV)
    if env is not None:
        if env.strip().lower() in ("", "none"):
            return None
        return shutil.which(env) or (env if os.access(env, os.X_OK) else None)
    found = shutil.which("java")
    if found:
        return found
    home = os.environ.get("JAVA_HOME")
    if home:
        candidate = os.path.join(home, "bin", "java")
        if os.access(candidate, os.X_OK):
            return candidate
    return None


class HermitEngine:
    """HermiT 1.4 via owlready2 (OWL 2 DL, complete)."""

    name = "hermit"
    label = "HermiT (OWL 2 DL) via owlready2"
    complete = True

    def __init__(self, java: str) -> None:
        self.java = java

    def run(self, graph: Graph) -> EngineResult:
        clean = sanitise(graph)
        wanted = individuals(clean)
        classes = named_classes(clean)
        with self._world(clean) as world:
            if not self._reason(world):
                return EngineResult(consistent=False)
            types: dict[URIRef, frozenset[URIRef]] = {}
            for iri in sorted(wanted):
                entity = world[str(iri)]
                if entity is None:
                    continue
                types[iri] = frozenset(_named_types(entity) & classes)
            unsatisfiable = tuple(
                sorted(
                    URIRef(c.iri)
                    for c in world.inconsistent_classes()
                    if getattr(c, "iri", None) and URIRef(c.iri) != OWL.Nothing
                )
            )
        return EngineResult(consistent=True, types=types, unsatisfiable=unsatisfiable)

    def is_consistent(self, graph: Graph) -> bool:
        with self._world(sanitise(graph)) as world:
            return self._reason(world)

    @contextmanager
    def _world(self, graph: Graph) -> Iterator[Any]:
        """A fresh in-memory World holding ``graph`` (already sanitised), closed afterwards."""
        import owlready2

        world = owlready2.World()
        try:
            onto = world.get_ontology(str(ONTOLOGY_IRI))
            onto.load(fileobj=io.BytesIO(to_ntriples(graph)), format="ntriples", reload=True)
            yield world
        finally:
            world.close()

    def _reason(self, world: Any) -> bool:
        """Run HermiT on ``world``; False when the ontology is inconsistent."""
        import owlready2

        previous = owlready2.JAVA_EXE
        owlready2.JAVA_EXE = self.java
        try:
            owlready2.sync_reasoner_hermit(
                world,
                infer_property_values=False,
                debug=0,
                ignore_unsupported_datatypes=True,
            )
        except owlready2.OwlReadyInconsistentOntologyError:
            return False
        except owlready2.OwlReadyJavaError as exc:
            first = str(exc).strip().splitlines()
            detail = next(
                (line for line in first if "Exception" in line), first[-1] if first else ""
            )
            raise EngineError(f"HermiT failed (Java {self.java}): {detail}") from exc
        except OSError as exc:  # Java vanished or is not executable
            raise EngineError(f"could not start Java for HermiT ({self.java}): {exc}") from exc
        finally:
            owlready2.JAVA_EXE = previous
        return True


def _named_types(entity: Any) -> set[URIRef]:
    """Every named class of an owlready2 individual, through superclasses and equivalents."""
    import owlready2

    out: set[URIRef] = set()
    for cls in entity.INDIRECT_is_a:
        if not isinstance(cls, owlready2.ThingClass):
            continue
        out.add(URIRef(cls.iri))
        for eq in cls.INDIRECT_equivalent_to:
            if isinstance(eq, owlready2.ThingClass):
                out.add(URIRef(eq.iri))
    out.discard(OWL.Thing)
    return out
