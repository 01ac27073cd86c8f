"""Query files the catalogue does not ship, with parameters projected or not: every engine
must bind them and agree (tests/test_readable.py for the embedded engines,
tests/test_publish.py for a remote endpoint)."""

from __future__ import annotations

#: (query text, parameters, the first column's readable values or None)
UNSEEN: list[tuple[str, dict[str, str], set[str] | None]] = [
    # the parameter is not projected
    (
        "# param: b (practice): a practice\n"
        "PREFIX dpo: <https://w3id.org/drugpolicy-kg/ontology#>\n"
        "SELECT ?state WHERE { ?plan dpo:submittedBy ?state ; dpo:hasSection/dpo:hasEntry ?e .\n"
        "  ?e dpo:practice ?b ; dpo:status dpo:Adopted }\n",
        {"b": "III.2"},
        {"Belgium", "Netherlands"},
    ),
    # projected, and used in a FILTER too
    (
        "# param: t (tool): a tool\n"
        "PREFIX dpo: <https://w3id.org/drugpolicy-kg/ontology#>\n"
        "SELECT ?p ?t WHERE { ?p dpo:usesTool ?t FILTER(isIRI(?t)) }\n",
        {"t": "SIENA"},
        None,
    ),
    # no header: the value binds ?label as a plain literal, not projected
    (
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        "SELECT ?x WHERE { ?x rdfs:label ?label }\n",
        {"label": '"Port of Hamburg"@en'},
        None,
    ),
    # used only inside a sub-SELECT that does not project it
    (
        "# param: tool (tool): a tool\n"
        "PREFIX dpo: <https://w3id.org/drugpolicy-kg/ontology#>\n"
        "SELECT (COUNT(*) AS ?n) WHERE { { SELECT ?p WHERE { ?p dpo:usesTool ?tool } } }\n",
        {"tool": "SIS"},
        {4},
    ),
    # used only inside FILTER EXISTS
    (
        "# param: tool (tool): a tool\n"
        "PREFIX dpo: <https://w3id.org/drugpolicy-kg/ontology#>\n"
        "SELECT ?p WHERE { ?p a dpo:BestPractice FILTER EXISTS { ?p dpo:usesTool ?tool } }\n",
        {"tool": "SIS"},
        None,
    ),
]
