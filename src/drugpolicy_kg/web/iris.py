"""Where each resource of the KG lives on the web: IRI <-> path, in one place.

The project's own IRIs dereference under their own path (``https://w3id.org/drugpolicy-kg``
is the site root): ``dpk:practice/III.2`` is ``/id/practice/III.2`` and every ``dpo:`` term
is a fragment of ``/ontology``. Resources of the KG with an outside IRI (ELI legal acts, EU
country authority IRIs) get a page under a fixed prefix (``/eli/...``, ``/country/NLD``), so
that every node a person meets has a page; their IRIs themselves resolve elsewhere.

Paths are checked against a fixed grammar before anything is looked up, so no request path
ever reaches the file system.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from rdflib import URIRef

from ..vocab import COUNTRY, DPK, DPO, DPS, ELI_BASE, ONTOLOGY_IRI

#: The w3id base every project IRI starts with.
BASE = str(ONTOLOGY_IRI).removesuffix("ontology")
#: The shapes document (its shapes are ``dps:`` hash IRIs).
SHAPES_IRI = str(DPS).removesuffix("#")

#: Outside namespaces whose resources in the KG get a page, and the path prefix they get.
OUTSIDE: tuple[tuple[str, str], ...] = (
    (ELI_BASE, "eli/"),
    (str(COUNTRY), "country/"),
)

#: RDF serialisations: extension -> (rdflib format, media type).
RDF_FORMATS: dict[str, tuple[str, str]] = {
    "ttl": ("turtle", "text/turtle"),
    "nt": ("nt", "application/n-triples"),
    "jsonld": ("json-ld", "application/ld+json"),
    "rdf": ("xml", "application/rdf+xml"),
}
#: Every extension a resource path may carry (``html`` for the page itself).
EXTENSIONS = ("html", *RDF_FORMATS)

# A resource path: segments of letters, digits and -._~ (no empty, "." or ".." segment).
_SEGMENT = r"(?!\.\.?(?:/|$))[A-Za-z0-9][A-Za-z0-9._~-]*"
_PATH_RE = re.compile(rf"{_SEGMENT}(?:/{_SEGMENT})*")


def path_of(iri: str) -> str | None:
    """The site path of ``iri`` without a leading slash or extension; None if it has none.

    ``dpo:`` terms share the ontology's path (their fragment is an anchor on its page).
    """
    s = str(iri)
    if s == str(ONTOLOGY_IRI) or s.startswith(str(DPO)):
        return "ontology"
    if s.startswith(str(ONTOLOGY_IRI) + "/"):
        rest = s[len(str(ONTOLOGY_IRI)) + 1 :]
        return "ontology/" + rest if _PATH_RE.fullmatch(rest) else None
    if s == SHAPES_IRI or s.startswith(SHAPES_IRI + "#"):
        return "shapes"
    for base, prefix in ((str(DPK), "id/"), *OUTSIDE):
        if s.startswith(base):
            rest = s[len(base) :]
            return prefix + rest if _PATH_RE.fullmatch(rest) else None
    return None


def fragment_of(iri: str) -> str | None:
    """The anchor of a hash IRI on its page (``dpo:usesTool`` -> ``usesTool``)."""
    s = str(iri)
    if "#" in s and path_of(s) in ("ontology", "shapes"):
        return s.split("#", 1)[1]
    return None


def iri_of(path: str) -> URIRef | None:
    """The IRI a site path (no leading slash, no extension) names, or None if none can."""
    if not _PATH_RE.fullmatch(path):
        return None
    if path == "ontology":
        return ONTOLOGY_IRI
    if path.startswith("ontology/"):
        return URIRef(str(ONTOLOGY_IRI) + path[len("ontology") :])
    if path == "shapes":
        return URIRef(SHAPES_IRI)
    if path.startswith("id/"):
        return DPK[path[3:]]
    for base, prefix in OUTSIDE:
        if path.startswith(prefix):
            return URIRef(base + path[len(prefix) :])
    return None


def split_extension(path: str) -> tuple[str, str | None]:
    """``("id/tool/SIS", "ttl")`` for ``id/tool/SIS.ttl``; the extension is None if absent.

    Notations hold dots (``practice/III.2``), so only the known extensions count.
    """
    stem, dot, ext = path.rpartition(".")
    if dot and ext in EXTENSIONS and stem:
        return stem, ext
    return path, None


def url_path(path: str) -> str:
    """A site path percent-encoded for an href (it is already restricted to safe characters)."""
    return quote(path, safe="/._~-")
