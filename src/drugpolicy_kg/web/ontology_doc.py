"""The ontology's documentation page, in the manner of pyLODE and WIDOCO, and the shapes page.

Every ``dpo:`` class, property and individual with its label, definition, super- and
subclasses (or properties), domain and range, and how the KG uses it; then each SHACL shape
of ``assets/shapes/`` with its targets, constraints and message. Read from the ontology and
shapes graphs, so a new term or shape is documented on the next run.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from rdflib import BNode, Graph, URIRef
from rdflib.term import Node

from ..vocab import DCTERMS, DPO, ONTOLOGY_IRI, OWL, RDF, RDFS, SH
from . import iris
from .pages import Page, english

if TYPE_CHECKING:
    from .pages import WebKG


def _path_label(row: dict[str, Any]) -> str:
    return str(row["path"].label) if row["path"] is not None else ""


def term_rows(web: WebKG, g: Graph, kinds: Iterable[Node]) -> list[dict[str, Any]]:
    terms: set[URIRef] = set()
    for k in kinds:
        terms.update(
            t
            for t in g.subjects(RDF.type, k)
            if isinstance(t, URIRef) and str(t).startswith(str(DPO))
        )
    rows = []
    for t in sorted(terms, key=lambda u: str(u).lower()):
        rows.append(
            {
                "ref": web.ref(t),
                "name": str(t)[len(str(DPO)) :],
                "label": web.label(t) if web.has_label(t) else "",
                "texts": web.texts(t),
                "types": [
                    web.ref(o)
                    for o in sorted(g.objects(t, RDF.type), key=str)
                    if isinstance(o, URIRef)
                ],
                "supers": [
                    web.ref(o)
                    for o in sorted(g.objects(t, RDFS.subClassOf), key=str)
                    if isinstance(o, URIRef)
                ]
                + [
                    web.ref(o)
                    for o in sorted(g.objects(t, RDFS.subPropertyOf), key=str)
                    if isinstance(o, URIRef)
                ],
                "subs": [
                    web.ref(s)
                    for s in sorted(g.subjects(RDFS.subClassOf, t), key=str)
                    if isinstance(s, URIRef)
                ]
                + [
                    web.ref(s)
                    for s in sorted(g.subjects(RDFS.subPropertyOf, t), key=str)
                    if isinstance(s, URIRef)
                ],
                "domain": [
                    web.ref(o)
                    for o in sorted(g.objects(t, RDFS.domain), key=str)
                    if isinstance(o, URIRef)
                ],
                "range": [
                    web.ref(o)
                    for o in sorted(g.objects(t, RDFS.range), key=str)
                    if isinstance(o, URIRef)
                ],
                "instances": len(set(web.kg.subjects(RDF.type, t))),
                "uses": sum(1 for _ in web.kg.triples((None, t, None))),
                "used_as_value": len(set(web.kg.subjects(None, t)))
                if (t, RDF.type, OWL.Class) not in g
                else 0,
            }
        )
    return rows


def shape_rows(web: WebKG) -> list[dict[str, Any]]:
    g = web.shapes_graph
    rows = []
    for shape in sorted(
        {s for s in g.subjects(RDF.type, SH.NodeShape) if isinstance(s, URIRef)}, key=str
    ):
        props = []
        for ps in g.objects(shape, SH.property):
            path = g.value(ps, SH.path)
            constraints = []
            for p, o in sorted(g.predicate_objects(ps), key=lambda po: str(po[0])):
                if p in (
                    SH.path,
                    SH.message,
                    SH.name,
                    SH.description,
                    SH.severity,
                ) or isinstance(o, BNode):
                    continue
                constraints.append(f"{web.label(p)} {web.label(o) if isinstance(o, URIRef) else o}")
            props.append(
                {
                    "path": web.ref(path) if isinstance(path, URIRef) else None,
                    "constraints": constraints,
                    "message": next((str(m) for m in english(g.objects(ps, SH.message))), None),
                    "severity": web.label(g.value(ps, SH.severity))  # type: ignore[arg-type]
                    if g.value(ps, SH.severity)
                    else None,
                }
            )
        targets = [
            web.ref(o)
            for p in (SH.targetClass, SH.targetNode)
            for o in sorted(g.objects(shape, p), key=str)
        ]
        rows.append(
            {
                "name": str(shape).split("#", 1)[-1],
                "iri": str(shape),
                "targets": targets,
                "message": next((str(m) for m in english(g.objects(shape, SH.message))), None),
                "texts": [str(c) for c in english(g.objects(shape, RDFS.comment))],
                "severity": web.label(g.value(shape, SH.severity))  # type: ignore[arg-type]
                if g.value(shape, SH.severity)
                else None,
                "properties": sorted(props, key=_path_label),
            }
        )
    return rows


def ontology_page(web: WebKG, path: str = "ontology") -> Page:
    g = web.ontology_graph
    header: dict[str, Any] = {
        "title": str(g.value(ONTOLOGY_IRI, DCTERMS.title) or ""),
        "texts": [
            str(o)
            for p in (DCTERMS.description, RDFS.comment)
            for o in english(g.objects(ONTOLOGY_IRI, p))
        ],
        "facts": [
            f
            for f in web.facts(ONTOLOGY_IRI)
            if f.prop.iri not in (str(DCTERMS.title), str(RDFS.comment))
        ],
    }
    classes = term_rows(web, g, (OWL.Class,))
    props = term_rows(web, g, (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty))
    named = {c["name"] for c in classes} | {p["name"] for p in props}
    others = {
        o
        for s in g.subjects()
        if isinstance(s, URIRef) and str(s).startswith(str(DPO))
        for o in g.objects(s, RDF.type)
    }
    individuals = [r for r in term_rows(web, g, others) if r["name"] not in named]
    return Page(
        "ontology.html",
        path,
        header["title"] or "Ontology",
        str(ONTOLOGY_IRI),
        "ontology",
        {
            "header": header,
            "classes": classes,
            "properties": props,
            "individuals": individuals,
            "shapes": shape_rows(web),
            "namespace": str(DPO),
        },
    )


def shapes_page(web: WebKG) -> Page:
    return Page(
        "shapes.html",
        "shapes",
        "SHACL shapes for action plans",
        iris.SHAPES_IRI,
        "ontology",
        {"shapes": shape_rows(web)},
    )
