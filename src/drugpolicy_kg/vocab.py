"""The one home for IRIs (namespaces and named terms).

No raw IRI string appears anywhere else in the Python code: import from here.
The namespaces are the public contract (see ``docs/CONTRACT.md``).
"""

from __future__ import annotations

from typing import Any

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SH, SKOS, XSD

__all__ = [
    "CELEX",
    "CORPORATE_BODY",
    "COUNTRY",
    "CV",
    "DCTERMS",
    "DECISION",
    "DPK",
    "DPO",
    "ELI",
    "ELI_BASE",
    "EVALUATION",
    "LANGUAGE",
    "ONTOLOGY_IRI",
    "ORG",
    "OWL",
    "PREFIXES",
    "PROV",
    "RDF",
    "RDFS",
    "RESOURCE_TYPE",
    "SH",
    "SKOS",
    "STATUSES",
    "VANN",
    "WIKIDATA",
    "XSD",
    "block_iri",
    "canonical",
    "country_iri",
    "known_iri",
    "practice_iri",
]

ONTOLOGY_IRI = URIRef("https://w3id.org/drugpolicy-kg/ontology")
DPO = Namespace("https://w3id.org/drugpolicy-kg/ontology#")
DPK = Namespace("https://w3id.org/drugpolicy-kg/id/")
COUNTRY = Namespace("http://publications.europa.eu/resource/authority/country/")
CORPORATE_BODY = Namespace("http://publications.europa.eu/resource/authority/corporate-body/")
LANGUAGE = Namespace("http://publications.europa.eu/resource/authority/language/")
RESOURCE_TYPE = Namespace("http://publications.europa.eu/resource/authority/resource-type/")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
ELI_BASE = "http://data.europa.eu/eli/"
ORG = Namespace("http://www.w3.org/ns/org#")
CV = Namespace("http://data.europa.eu/m8g/")
WIKIDATA = Namespace("http://www.wikidata.org/entity/")
CELEX = Namespace("http://publications.europa.eu/resource/celex/")
VANN = Namespace("http://purl.org/vocab/vann/")

DECISION = DPK["decision/7301-24"]
EVALUATION = DPK["evaluation/2023-drug-trafficking"]

#: The four implementation statuses of an action-plan entry (contract).
STATUSES = (DPO.Adopted, DPO.Planned, DPO.UnderAssessment, DPO.NotPlanned)

#: Prefixes bound in every graph the project writes, in this order.
PREFIXES: dict[str, Any] = {
    "dpo": DPO,
    "dpk": DPK,
    "country": COUNTRY,
    "corporate-body": CORPORATE_BODY,
    "eli": ELI,
    "org": ORG,
    "cv": CV,
    "wd": WIKIDATA,
    "celex": CELEX,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "prov": PROV,
    "owl": OWL,
    "rdf": RDF,
    "rdfs": RDFS,
    "vann": VANN,
    "xsd": XSD,
    "sh": SH,
}


def practice_iri(notation: str) -> URIRef:
    """IRI of a practice from its notation, e.g. ``III.2``."""
    return DPK[f"practice/{notation}"]


def block_iri(numeral: str) -> URIRef:
    """IRI of a building block from its Roman numeral, e.g. ``IV``."""
    return DPK[f"block/{numeral}"]


def country_iri(code: str) -> URIRef:
    """EU country authority IRI from an ISO 3166 alpha-3 code, e.g. ``NLD``."""
    return COUNTRY[code.upper()]


# --- validation ---
#: Namespace of the action-plan SHACL shapes (``assets/shapes/``); shape IRIs are ``dps:...Shape``.
DPS = Namespace("https://w3id.org/drugpolicy-kg/shapes#")
#: The action-plan requirement of Recital 12 (carries ``dpo:reportingPeriod`` "P3M").
ACTION_PLAN_REQUIREMENT = DPK["decision/7301-24/action-plans"]
#: Recital 12 of the Decision, which the action-plan shapes cite.
RECITAL_12 = DPK["decision/7301-24/recital/12"]
#: Base IRI of the illustrative and template plans written by ``drugpolicy-kg plan``.
EXAMPLE_PLANS = Namespace("https://example.org/drugpolicy-kg/plans/")
#: The numerals of the four building blocks, in the Decision's order.
BLOCK_NUMERALS = ("I", "II", "III", "IV")


# --- reasoning ---
#: owlready2's own annotation namespace. ``python_module`` there makes owlready2 import a
#: Python module when it loads an ontology, so every triple in it is stripped before loading.
OWLREADY = Namespace("http://www.lesfleursdunormal.fr/static/_downloads/owlready_ontology.owl#")
#: The defined practice classes of ``ontology/defined-classes.ttl`` (issue #6), in the order
#: the reasoning report prints them. Membership is inferred by the reasoner, never asserted.
DEFINED_PRACTICE_CLASSES = (
    DPO.EUSystemPractice,
    DPO.PublicPrivatePractice,
    DPO.AntiCorruptionPractice,
    DPO.InternationalCooperationPractice,
    DPO.TechnologyPractice,
    DPO.LegallyAnchoredPractice,
)
#: The block IV theme that defines dpo:AntiCorruptionPractice by value.
THEME_CORRUPTION = DPK["theme/corruption"]


# --- synthetic ---
#: Base of the synthetic action plans of :mod:`drugpolicy_kg.synth` (benchmarks and tests):
#: ``https://example.org/plan/{STATE}/{cycle}``. Not a real submission namespace.
SYNTH_PLANS = Namespace("https://example.org/plan/")


# --- one object per vocabulary IRI ---
#: The IRIs of the package's own shapes and KG context, one ``URIRef`` object each
#: (:func:`canonical`). A dictionary look-up finds a key by identity before comparing strings,
#: and rdflib compares terms in Python: when a plan's predicates and classes are the very
#: objects the compiled shapes hold, the validation's look-ups skip that comparison. Filled only
#: by the package's own code (:mod:`drugpolicy_kg.validation.compiled`), never with user input.
_CANONICAL: dict[str, URIRef] = {}


def canonical(iri: str) -> URIRef:
    """The one ``URIRef`` object of a vocabulary IRI of the package (made on first use)."""
    found = _CANONICAL.get(iri)
    if found is None:
        found = _CANONICAL[iri] = URIRef(iri)
    return found


def known_iri(iri: str) -> URIRef | None:
    """The canonical object of ``iri`` if the package's vocabulary has it (a reader's
    look-up: it never adds the IRIs of untrusted input)."""
    return _CANONICAL.get(iri)
