"""Compile the knowledge graph of Decision 7301/24 from its reviewed sources.

Sources (all inside the wheel, under ``assets/``):

- ``ontology/*.ttl``: the OWL ontology (TBox), hand-written;
- ``data/*.ttl``: hand-curated instance data (actors, tools, legal acts, states, the
  Decision's metadata, the evaluation);
- ``data/practices.toml``: short titles and grounded links of the 44 practices;
- ``data/structure.toml``: short names of blocks, keys of themes and the actors their headings
  name;
- ``data/provenance.toml``: the kind (stated, implied, curated) and grounds of the curated
  statements that are not the Decision's verbatim text (docs/knowledge.md);
- ``sources/council-7301-24.txt``: the Decision's text, from which practice, block, theme and
  recital texts are read verbatim (:mod:`drugpolicy_kg.source`).

Every practice link carries an ``owl:Axiom`` annotation with the words of the text that ground
it (``dpo:evidence``) and, where the target's label is not in the text, a ``dpo:justification``.
Every annotated statement also carries its kind (``dpo:statementKind``: ``dpo:Stated``,
``dpo:Implied`` or ``dpo:Curated``) and ``dcterms:source``; curated ones a ``dpo:confidence``.
A broken source raises :class:`~drugpolicy_kg.errors.ModelError` naming the file and line.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from importlib.abc import Traversable
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.term import Node

from . import source as source_mod
from .errors import ModelError
from .resources import iter_assets, read_text
from .vocab import (
    DCTERMS,
    DECISION,
    DPK,
    DPO,
    ELI_BASE,
    EVALUATION,
    OWL,
    PREFIXES,
    PROV,
    RDF,
    RDFS,
    SKOS,
    XSD,
    block_iri,
    practice_iri,
)

PRACTICES_FILE = "practices.toml"
STRUCTURE_FILE = "structure.toml"
PROVENANCE_FILE = "provenance.toml"
KINDS = {"stated": DPO.Stated, "implied": DPO.Implied, "curated": DPO.Curated}
ELI_TYPES = ("reg/", "reg_impl/", "dir/", "dec/", "dec_impl/", "reco/")
LINKS = {
    "actors": (DPO.involvesActor, "actor", DPO.Actor),
    "tools": (DPO.usesTool, "tool", DPO.Tool),
    "legal": (DPO.hasLegalBasis, "legal", DPO.LegalInstrument),
}
BLOCK_SCHEME = DPK["scheme/building-blocks"]
THEME_SCHEME = DPK["scheme/themes"]
PRACTICE_SCHEME = DPK["scheme/best-practices"]


def new_graph() -> Graph:
    """An empty graph with the project's prefixes bound."""
    g = Graph(bind_namespaces="none")
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    return g


def parse_turtle(text: str, name: str, into: Graph | None = None) -> Graph:
    """Parse trusted project Turtle; a syntax error names the file and line.

    Blank nodes get stable labels (file name and order of appearance) instead of rdflib's
    random ones, so the compiled KG is the same in every process without the cost of full
    canonicalisation (about 1.5 s); ``build`` still canonicalises its output.
    """
    g = into if into is not None else new_graph()
    parsed = Graph(bind_namespaces="none")
    try:
        parsed.parse(data=text, format="turtle", publicID=str(DPK))
    except Exception as exc:  # rdflib raises BadSyntax and a few others
        line = getattr(exc, "lines", None)
        msg = getattr(exc, "message", None) or str(exc).strip().splitlines()[-1]
        where = f"{name}:{line + 1}" if isinstance(line, int) else name
        raise ModelError(f"{where}: Turtle syntax error: {msg}") from exc
    stem = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-")
    if any(isinstance(t, BNode) for triple in parsed for t in triple):
        # Canonical labels (hashes of each blank node's neighbourhood), shortened per file.
        parsed = to_canonical_graph(parsed)

    def stable(term: Node) -> Node:
        return BNode(f"{stem}-{str(term)[:16]}") if isinstance(term, BNode) else term

    for s, p, o in parsed:
        g.add((stable(s), p, stable(o)))
    return g


def load_ontology(root: Traversable | None = None) -> Graph:
    """The ontology: all ``assets/ontology/*.ttl`` merged."""
    g = new_graph()
    for res in iter_assets("ontology", ".ttl", root):
        parse_turtle(res.read_text(encoding="utf-8"), f"ontology/{res.name}", g)
    return g


def load_curated(root: Traversable | None = None) -> Graph:
    """The hand-curated instance data: all ``assets/data/*.ttl`` merged."""
    g = new_graph()
    for res in iter_assets("data", ".ttl", root):
        parse_turtle(res.read_text(encoding="utf-8"), f"data/{res.name}", g)
    return g


def _load_toml(name: str, root: Traversable | None = None) -> tuple[dict[str, Any], str]:
    text = read_text("data", name, root=root)
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        where = f"data/{name}:{m.group(1)}" if m else f"data/{name}"
        raise ModelError(f"{where}: TOML syntax error: {exc}") from exc


def _theme_line(text: str, theme: str, key: str) -> int:
    """The line of actor ``key`` under theme ``theme`` in structure.toml (else the theme's)."""
    lines = text.splitlines()
    start = next((i for i, ln in enumerate(lines) if ln.strip() == f'key = "{theme}"'), 0)
    for i in range(start + 1, len(lines)):
        stripped = lines[i].strip()
        if stripped == "[[themes]]":
            break
        if re.match(rf'^"?{re.escape(key)}"?\s*=', stripped):
            return i + 1
    return start + 1


def _line_of(text: str, section: str, key: str | None = None) -> int | None:
    """Best-effort line of ``key`` inside the TOML section of practice ``section``."""
    lines = text.splitlines()
    start = None
    for i, line in enumerate(lines):
        if line.strip().startswith(f'["{section}"'):
            start = i
            if key is None:
                return i + 1
            break
    if start is None:
        return None
    for i in range(start, len(lines)):
        stripped = lines[i].strip()
        if i > start and stripped.startswith("[") and not stripped.startswith(f'["{section}"'):
            break
        if key is not None and re.match(rf'^"?{re.escape(key)}"?\s*=', stripped):
            return i + 1
    return start + 1


def legal_iri(key: str) -> URIRef:
    """The IRI of a legal instrument key: an ELI for ``reg/2022/922``, else a project IRI."""
    if key.startswith(ELI_TYPES):
        return URIRef(f"{ELI_BASE}{key}/oj")
    return DPK[f"legal/{key}"]


def target_iri(kind: str, key: str) -> URIRef:
    """The IRI a link key names, for a ``kind`` of ``practices.toml`` (actors, tools, legal)."""
    segment = LINKS[kind][1]
    if segment == "legal":
        return legal_iri(key)
    return DPK[f"{segment}/{key}"]


def _instances_of(graph: Graph, ontology: Graph, cls: URIRef) -> set[Node]:
    classes = set(ontology.transitive_subjects(RDFS.subClassOf, cls))
    return {s for c in classes for s in graph.subjects(RDF.type, c)}


@dataclass(frozen=True)
class Link:
    """One grounded practice link, as compiled into an axiom annotation."""

    practice: str
    prop: URIRef
    target: URIRef
    evidence: str
    justification: str | None
    kind: str = "stated"


def _link_value(value: object, where: str, what: str) -> tuple[str, str | None, str]:
    """Evidence, justification and kind of one link entry of a TOML table."""
    if isinstance(value, str):
        return value, None, "stated"
    if isinstance(value, dict) and isinstance(value.get("evidence"), str):
        kind = value.get("kind", "stated")
        justification = value.get("justification")
        if kind not in ("stated", "implied"):
            raise ModelError(
                f"{where}: {what}: kind must be 'stated' or 'implied' (curated background "
                f"belongs in data/{PROVENANCE_FILE}), not {kind!r}"
            )
        if kind == "implied" and not justification:
            raise ModelError(f"{where}: {what}: an implied link needs a justification")
        return value["evidence"], justification, kind
    raise ModelError(
        f"{where}: {what}: give the evidence as a string or as "
        f'{{ evidence = "...", justification = "...", kind = "stated" | "implied" }}'
    )


def _annotate(
    g: Graph,
    ax: Node,
    kind: str,
    *,
    evidence: str | None = None,
    justification: str | None = None,
    source: URIRef = DECISION,
    confidence: str | None = None,
) -> None:
    """Add the provenance annotations of one statement to its axiom node."""
    g.add((ax, DPO.statementKind, KINDS[kind]))
    g.add((ax, DCTERMS.source, source))
    if evidence:
        g.add((ax, DPO.evidence, Literal(evidence, lang="en")))
    if justification:
        g.add((ax, DPO.justification, Literal(justification, lang="en")))
    if confidence:
        g.add((ax, DPO.confidence, Literal(confidence)))


def _axiom(g: Graph, ax: Node, s: Node, p: Node, o: Node) -> None:
    g.add((ax, RDF.type, OWL.Axiom))
    g.add((ax, OWL.annotatedSource, s))
    g.add((ax, OWL.annotatedProperty, p))
    g.add((ax, OWL.annotatedTarget, o))


def link_axiom_node(practice: str, prop: URIRef, target: Node) -> BNode:
    """A stable blank node for the axiom that annotates one link (deterministic output)."""
    local = str(prop).rsplit("#", 1)[-1]
    # Short and alphanumeric: some stores' loaders refuse long or punctuated labels (Virtuoso).
    digest = hashlib.sha256(f"{practice}\n{local}\n{target}".encode()).hexdigest()[:24]
    return BNode(f"link{digest}")


def compile_practices(
    text: source_mod.DecisionText,
    curated: Graph,
    ontology: Graph,
    root: Traversable | None = None,
) -> tuple[Graph, list[Link]]:
    """Blocks, themes, practices, recitals and grounded links, as RDF."""
    data, raw = _load_toml(PRACTICES_FILE, root)
    structure, structure_raw = _load_toml(STRUCTURE_FILE, root)
    g = new_graph()
    links: list[Link] = []

    notations = [p.notation for p in text.practices]
    unknown = sorted(set(data) - set(notations))
    if unknown:
        line = _line_of(raw, unknown[0])
        raise ModelError(
            f"data/{PRACTICES_FILE}:{line}: practice {unknown[0]} is not in the Decision's annex"
        )
    missing = [n for n in notations if n not in data]
    if missing:
        raise ModelError(f"data/{PRACTICES_FILE}: no entry for practice(s) {', '.join(missing)}")

    # Blocks (SKOS concept scheme).
    g.add((BLOCK_SCHEME, RDF.type, SKOS.ConceptScheme))
    g.add((BLOCK_SCHEME, RDFS.label, Literal("Building blocks of Decision 7301/24", lang="en")))
    g.add((BLOCK_SCHEME, SKOS.prefLabel, Literal("Building blocks of Decision 7301/24", lang="en")))
    g.add((BLOCK_SCHEME, DCTERMS.source, DECISION))
    for order, block in enumerate(text.blocks, start=1):
        b = block_iri(block.numeral)
        short = structure.get("blocks", {}).get(block.numeral, {}).get("short")
        g.add((b, RDF.type, DPO.BuildingBlock))
        g.add((b, RDF.type, SKOS.Concept))
        g.add((b, SKOS.notation, Literal(block.numeral)))
        g.add((b, SKOS.prefLabel, Literal(block.heading, lang="en")))
        g.add((b, RDFS.label, Literal(block.heading, lang="en")))
        if short:
            g.add((b, SKOS.altLabel, Literal(short, lang="en")))
        g.add((b, DPO.blockNumber, Literal(order, datatype=XSD.positiveInteger)))
        g.add((b, SKOS.inScheme, BLOCK_SCHEME))
        g.add((b, SKOS.topConceptOf, BLOCK_SCHEME))
        g.add((BLOCK_SCHEME, SKOS.hasTopConcept, b))
        g.add((b, DCTERMS.source, DECISION))

    # Themes (block IV), in the order of their headings.
    theme_defs = structure.get("themes", [])
    if len(theme_defs) != len(text.themes):
        raise ModelError(
            f"data/{STRUCTURE_FILE}: {len(theme_defs)} themes defined, "
            f"but the Decision has {len(text.themes)} theme headings"
        )
    theme_iris: dict[str, URIRef] = {}
    g.add((THEME_SCHEME, RDF.type, SKOS.ConceptScheme))
    g.add((THEME_SCHEME, RDFS.label, Literal("Themes of building block IV", lang="en")))
    g.add((THEME_SCHEME, SKOS.prefLabel, Literal("Themes of building block IV", lang="en")))
    for heading, tdef in zip(text.themes, theme_defs, strict=True):
        t = DPK[f"theme/{tdef['key']}"]
        theme_iris[heading] = t
        block_of = next(p.block for p in text.practices if p.theme == heading)
        g.add((t, RDF.type, DPO.Theme))
        g.add((t, RDF.type, SKOS.Concept))
        g.add((t, SKOS.prefLabel, Literal(heading, lang="en")))
        g.add((t, RDFS.label, Literal(heading, lang="en")))
        g.add((t, SKOS.altLabel, Literal(tdef["short"], lang="en")))
        g.add((t, SKOS.notation, Literal(tdef["notation"])))
        g.add((t, SKOS.inScheme, THEME_SCHEME))
        g.add((t, SKOS.broader, block_iri(block_of)))
        g.add((t, DPO.buildingBlock, block_iri(block_of)))
        g.add((t, DCTERMS.source, DECISION))
        actors = tdef.get("actors", {})
        if not isinstance(actors, dict):
            raise ModelError(
                f"data/{STRUCTURE_FILE}: actors of theme {tdef['key']} must be a table"
            )
        for key, value in sorted(actors.items()):
            where = f"data/{STRUCTURE_FILE}:{_theme_line(structure_raw, tdef['key'], key)}"
            what = f"theme {tdef['key']} → {key}"
            evidence, justification, kind = _link_value(value, where, what)
            target = DPK[f"actor/{key}"]
            if target not in _instances_of(curated, ontology, DPO.Actor):
                raise ModelError(f"{where}: {what}: no actor '{key}' in the curated data")
            if evidence not in heading:
                raise ModelError(
                    f"{where}: {what}: the evidence {evidence!r} does not occur in the heading"
                )
            g.add((t, DPO.themeInvolvesActor, target))
            ax = link_axiom_node(tdef["key"], DPO.themeInvolvesActor, target)
            _axiom(g, ax, t, DPO.themeInvolvesActor, target)
            _annotate(g, ax, kind, evidence=evidence, justification=justification)

    # Practices.
    known = {kind: _instances_of(curated, ontology, cls) for kind, (_, _, cls) in LINKS.items()}
    g.add((PRACTICE_SCHEME, RDF.type, SKOS.ConceptScheme))
    g.add((PRACTICE_SCHEME, RDFS.label, Literal("Best practices of Decision 7301/24", lang="en")))
    for p in text.practices:
        entry = data[p.notation]
        iri = practice_iri(p.notation)
        title = entry.get("title")
        if not isinstance(title, str) or not title.strip():
            line = _line_of(raw, p.notation)
            raise ModelError(f"data/{PRACTICES_FILE}:{line}: practice {p.notation} has no title")
        g.add((DECISION, DPO.recommends, iri))
        g.add((iri, RDF.type, DPO.BestPractice))
        g.add((iri, SKOS.notation, Literal(p.notation)))
        g.add((iri, SKOS.prefLabel, Literal(title.strip(), lang="en")))
        g.add((iri, RDFS.label, Literal(title.strip(), lang="en")))
        g.add((iri, DCTERMS.description, Literal(p.text, lang="en")))
        g.add((iri, DPO.buildingBlock, block_iri(p.block)))
        g.add((iri, DPO.practiceNumber, Literal(p.number, datatype=XSD.positiveInteger)))
        g.add((iri, DCTERMS.source, DECISION))
        # The annex: "best practices were identified in the framework of the 2023 thematic
        # Schengen evaluation".
        g.add((iri, PROV.wasGeneratedBy, EVALUATION))
        g.add((iri, SKOS.inScheme, PRACTICE_SCHEME))
        if p.theme:
            g.add((iri, DPO.theme, theme_iris[p.theme]))
        if p.number_restored:
            g.add(
                (
                    iri,
                    SKOS.editorialNote,
                    Literal(
                        f"The plain-text extraction of the Decision lost the number of this "
                        f"practice; it is restored as {p.notation} from its place between "
                        f"{p.block}.{p.number - 1} and {p.block}.{p.number + 1}.",
                        lang="en",
                    ),
                )
            )
        related = entry.get("themes", {})
        if not isinstance(related, dict):
            line = _line_of(raw, p.notation, "themes")
            raise ModelError(
                f"data/{PRACTICES_FILE}:{line}: themes of {p.notation} must be a table"
            )
        keys = {str(t).rsplit("/", 1)[-1]: t for t in theme_iris.values()}
        for key, value in sorted(related.items()):
            where = f"data/{PRACTICES_FILE}:{_line_of(raw, p.notation, key)}"
            what = f"{p.notation} → theme {key}"
            evidence, justification, lkind = _link_value(value, where, what)
            if key not in keys:
                raise ModelError(f"{where}: {what}: no theme '{key}' (one of {sorted(keys)})")
            if keys[key] == theme_iris.get(p.theme or ""):
                raise ModelError(f"{where}: {what}: the practice already stands under that theme")
            if evidence not in p.text:
                raise ModelError(
                    f"{where}: {what}: the evidence {evidence!r} does not occur in the practice's text"
                )
            g.add((iri, DPO.relatedTheme, keys[key]))
            ax = link_axiom_node(p.notation, DPO.relatedTheme, keys[key])
            _axiom(g, ax, iri, DPO.relatedTheme, keys[key])
            _annotate(g, ax, lkind, evidence=evidence, justification=justification)
        for kind, (prop, _, _) in LINKS.items():
            table = entry.get(kind, {})
            if not isinstance(table, dict):
                line = _line_of(raw, p.notation, kind)
                raise ModelError(
                    f"data/{PRACTICES_FILE}:{line}: {kind} of {p.notation} must be a table"
                )
            for key, value in sorted(table.items()):
                line = _line_of(raw, p.notation, key)
                where = f"data/{PRACTICES_FILE}:{line}"
                target = target_iri(kind, key)
                if target not in known[kind]:
                    raise ModelError(
                        f"{where}: {p.notation} links to {kind} '{key}' ({target}), "
                        f"which is not defined in the curated data"
                    )
                evidence, justification, lkind = _link_value(value, where, f"{p.notation} → {key}")
                if evidence not in p.text:
                    raise ModelError(
                        f"{where}: {p.notation} → {key}: the evidence {evidence!r} "
                        f"does not occur in the practice's text"
                    )
                links.append(Link(p.notation, prop, target, evidence, justification, lkind))
                g.add((iri, prop, target))
                ax = link_axiom_node(p.notation, prop, target)
                _axiom(g, ax, iri, prop, target)
                _annotate(g, ax, lkind, evidence=evidence, justification=justification)

    # Recitals, verbatim.
    for r in text.recitals:
        rec = DPK[f"decision/7301-24/recital/{r.number}"]
        g.add((DECISION, DPO.hasRecital, rec))
        g.add((rec, RDF.type, DPO.Recital))
        g.add((rec, RDFS.label, Literal(f"Recital {r.number} of Decision 7301/24", lang="en")))
        g.add((rec, DPO.recitalNumber, Literal(r.number, datatype=XSD.positiveInteger)))
        g.add((rec, DCTERMS.description, Literal(r.text, lang="en")))
        g.add((rec, DCTERMS.source, DECISION))
        if r.number_restored:
            g.add(
                (
                    rec,
                    SKOS.editorialNote,
                    Literal(
                        "The plain-text extraction lost this recital's number; "
                        "it is restored from the sequence.",
                        lang="en",
                    ),
                )
            )
    return g, links


def _term(value: str, where: str) -> URIRef:
    """A subject, property, class or object key of provenance.toml as an IRI.

    ``dpo:hasLegalBasis`` (a known prefix), ``reg/2018/1860`` (an ELI key), or a project key
    such as ``tool/SIS`` or ``legal/TFEU``.
    """
    prefix, sep, local = value.partition(":")
    if sep and prefix in PREFIXES and "/" not in prefix:
        return URIRef(f"{PREFIXES[prefix]}{local}")
    if value.startswith(ELI_TYPES):
        return legal_iri(value)
    if re.fullmatch(r"[a-z-]+/[^\s]+", value):
        return DPK[value]
    raise ModelError(f"{where}: {value!r} is neither a prefixed name nor a key like tool/SIS")


def compile_provenance(
    text: source_mod.DecisionText, curated: Graph, root: Traversable | None = None
) -> Graph:
    """Axiom annotations for curated statements: their kind, evidence or source, confidence.

    Each ``[[statement]]`` of ``data/provenance.toml`` names a subject, one or more properties
    and optionally an object; without an object it annotates every object the curated data
    gives that subject and property. An entry that matches no curated statement, a stated
    entry whose evidence is not in the Decision's text, an implied one without a
    justification or a curated one without a known source and a confidence is an error.
    """
    data, raw = _load_toml(PROVENANCE_FILE, root)
    g = new_graph()
    starts = [i + 1 for i, line in enumerate(raw.splitlines()) if line.strip() == "[[statement]]"]
    sources: dict[str, URIRef] = {}
    for key, sdef in sorted(data.get("sources", {}).items()):
        iri = DPK[f"source/{key}"]
        sources[key] = iri
        g.add((iri, RDF.type, DPO.ReferenceSource))
        g.add((iri, RDFS.label, Literal(sdef["label"], lang="en")))
        if sdef.get("description"):
            g.add((iri, DCTERMS.description, Literal(sdef["description"], lang="en")))
    entries = data.get("statement", [])
    for n, entry in enumerate(entries):
        where = f"data/{PROVENANCE_FILE}:{starts[n] if n < len(starts) else '?'}"
        try:
            subject = _term(entry["subject"], where)
            props = entry["property"]
            kind = entry["kind"]
        except KeyError as exc:
            raise ModelError(f"{where}: a statement needs {exc.args[0]!r}") from exc
        props = [props] if isinstance(props, str) else props
        if kind not in KINDS:
            raise ModelError(f"{where}: kind must be one of {sorted(KINDS)}, not {kind!r}")
        evidence, justification = entry.get("evidence"), entry.get("justification")
        confidence, source = entry.get("confidence"), DECISION
        if kind == "stated" and not evidence:
            raise ModelError(f"{where}: a stated statement needs the Decision's words (evidence)")
        if evidence and evidence not in text.full:
            raise ModelError(f"{where}: the evidence {evidence!r} does not occur in the Decision")
        if kind == "implied" and not justification:
            raise ModelError(f"{where}: an implied statement needs a justification")
        if kind == "curated":
            if entry.get("source") not in sources or not confidence:
                raise ModelError(
                    f"{where}: a curated statement needs a source (one of {sorted(sources)}) "
                    f"and a confidence"
                )
            source = sources[entry["source"]]
        for prop_name in props:
            prop = _term(prop_name, where)
            objects: list[Node]
            if "object" in entry:
                obj = entry["object"]
                objects = [_term(obj, where)] if isinstance(obj, str) else []
            else:
                objects = sorted(curated.objects(subject, prop), key=str)
            objects = [o for o in objects if (subject, prop, o) in curated]
            if not objects:
                raise ModelError(
                    f"{where}: no curated statement {entry['subject']} {prop_name} "
                    f"{entry.get('object', '*')} to annotate"
                )
            for obj_term in objects:
                ax = next(
                    (
                        a
                        for a in curated.subjects(OWL.annotatedSource, subject)
                        if (a, OWL.annotatedProperty, prop) in curated
                        and (a, OWL.annotatedTarget, obj_term) in curated
                    ),
                    None,
                )
                if ax is None:
                    ax = link_axiom_node(str(subject), prop, obj_term)
                    if isinstance(obj_term, Literal):
                        digest = hashlib.sha256(str(obj_term).encode()).hexdigest()[:12]
                        ax = BNode(f"{ax}{digest}")
                    _axiom(g, ax, subject, prop, obj_term)
                _annotate(
                    g,
                    ax,
                    kind,
                    evidence=evidence,
                    justification=justification,
                    source=source,
                    confidence=confidence,
                )
    return g


def compile_kg(root: Traversable | None = None) -> Graph:
    """The whole KG: ontology, curated data and the compiled practices, in one graph.

    ``root`` is a folder laid out like ``assets/`` (ontology/, data/, sources/); by default the
    sources shipped in the package.
    """
    ontology = load_ontology(root)
    curated = load_curated(root)
    text = source_mod.load(root)
    practices, _ = compile_practices(text, curated, ontology, root)
    provenance = compile_provenance(text, curated, root)
    kg = new_graph()
    for part in (ontology, curated, practices, provenance):
        for triple in part:
            kg.add(triple)
    return kg


_CACHE: dict[str, Graph] = {}


def cached_kg() -> Graph:
    """The compiled KG, built once per process and shared. Callers must not modify it."""
    if "kg" not in _CACHE:
        _CACHE["kg"] = compile_kg()
    return _CACHE["kg"]
