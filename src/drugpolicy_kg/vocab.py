"""The one home for IRIs (namespaces and named terms).

No raw IRI string appears anywhere else in the Python code: import from here.
The namespaces are the public contract (see ``docs/CONTRACT.md``).
"""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SH, SKOS, XSD

__all__ = [
    "COUNTRY",
    "CELEX",
    "CORPORATE_BODY",
    "CV",
    "DCTERMS",
    "DECISION",
    "DPK",
    "DPO",
    "ELI",
    "ELI_BASE",
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
    "country_iri",
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

#: The four implementation statuses of an action-plan entry (contract).
STATUSES = (DPO.Adopted, DPO.Planned, DPO.UnderAssessment, DPO.NotPlanned)

#: Prefixes bound in every graph the project writes, in this order.
PREFIXES: dict[str, Namespace] = {
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
