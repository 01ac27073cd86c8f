"""A skeleton action plan: the four sections of Recital 12 with all 44 practices as entries.

Recital 12 asks plans to "follow the structure of the four building blocks and indicate for
each of those blocks the best practices" adopted or intended. The template lays that structure
out, so a state only fills in each entry's status and measures. An unfilled template does not
validate (every entry lacks its status), on purpose: nothing passes until it is answered.
"""

from __future__ import annotations

import datetime as dt

from rdflib import Graph, Literal, URIRef

from ..errors import InputError
from ..validation.context import KGContext, cached_context
from ..vocab import (
    BLOCK_NUMERALS,
    DCTERMS,
    DECISION,
    DPO,
    EXAMPLE_PLANS,
    PREFIXES,
    RDF,
    RDFS,
    XSD,
    block_iri,
    country_iri,
)


def plan_iri(state: str, year: int) -> URIRef:
    """The default IRI of a state's plan, e.g. ``.../plans/nld-2024`` (replace it with your own)."""
    return EXAMPLE_PLANS[f"{state.lower()}-{year}"]


def plan_template(
    state: str,
    *,
    issued: dt.date | None = None,
    iri: str | None = None,
    context: KGContext | None = None,
) -> Graph:
    """The skeleton plan of ``state`` (ISO 3166 alpha-3, one of the 27 addressees)."""
    ctx = context or cached_context()
    country = country_iri(state)
    if country not in ctx.addressees:
        raise InputError(
            f"{state!r} is not one of the 27 addressees of Decision 7301/24 (e.g. NLD, BEL, FRA)"
        )
    issued = issued or dt.date.today()
    plan = URIRef(iri) if iri else plan_iri(state, issued.year)
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    name = ctx.states.get(country, state.upper())
    graph.add((plan, RDF.type, DPO.ActionPlan))
    graph.add((plan, RDFS.label, Literal(f"Action plan of {name} on Decision 7301/24", lang="en")))
    graph.add((plan, DPO.submittedBy, country))
    graph.add((plan, DPO.respondsTo, DECISION))
    graph.add((plan, DCTERMS.issued, Literal(issued.isoformat(), datatype=XSD.date)))
    for numeral in BLOCK_NUMERALS:
        block = ctx.blocks[block_iri(numeral)]
        section = URIRef(f"{plan}/section-{numeral}")
        graph.add((plan, DPO.hasSection, section))
        graph.add((section, RDF.type, DPO.ActionPlanSection))
        graph.add((section, RDFS.label, Literal(f"Block {numeral}: {block.heading}", lang="en")))
        graph.add((section, DPO.buildingBlock, block.iri))
        for practice in ctx.practices_of(block.iri):
            entry = URIRef(f"{plan}/entry-{practice.notation}")
            graph.add((section, DPO.hasEntry, entry))
            graph.add((entry, RDF.type, DPO.ActionPlanEntry))
            graph.add(
                (entry, RDFS.label, Literal(f"{practice.notation} {practice.title}", lang="en"))
            )
            graph.add((entry, DPO.practice, practice.iri))
    return graph


HEADER = """\
# Action plan template: Council Implementing Decision 7301/24, Recital 12.
# For each entry: add dpo:status (dpo:Adopted, dpo:Planned, dpo:UnderAssessment or
# dpo:NotPlanned); for Adopted and Planned, dpo:implementationMeasures (how, in your national
# legal and operational framework); optionally dpo:reason, dpo:responsibleAuthority,
# dpo:targetDate, dpo:consultedState, dpo:indicator, dpo:earmarkedFunds (practice I.7).
# Replace the plan IRI with your own. Check with: drugpolicy-kg validate THIS_FILE
"""
