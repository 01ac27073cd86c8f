"""A short human summary of the KG: practices per block and the EU systems they rely on.

This is what ``drugpolicy-kg build`` prints after writing, so a new user sees at once what the
graph holds.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph

from .vocab import DPO, SKOS

_BLOCKS = """
SELECT ?notation ?heading (COUNT(?p) AS ?n) WHERE {
  ?b a dpo:BuildingBlock ; skos:notation ?notation ; skos:prefLabel ?heading ; dpo:blockNumber ?order .
  OPTIONAL { ?p dpo:buildingBlock ?b ; a dpo:BestPractice }
} GROUP BY ?notation ?heading ?order ORDER BY ?order
"""

_SYSTEMS = """
SELECT ?label ?acronym (COUNT(DISTINCT ?p) AS ?n) (GROUP_CONCAT(DISTINCT ?pn; separator=" ") AS ?practices)
WHERE {
  ?t a dpo:EUInformationSystem ; rdfs:label ?label .
  OPTIONAL { ?t skos:altLabel ?acronym FILTER(UCASE(STR(?acronym)) = STR(?acronym)) }
  OPTIONAL { ?p dpo:usesTool ?t ; skos:notation ?pn }
} GROUP BY ?label ?acronym ORDER BY DESC(?n) ?label
"""


@dataclass
class Summary:
    blocks: list[tuple[str, str, int]]
    systems: list[tuple[str, int, list[str]]]
    triples: int

    def render(self) -> str:
        lines = [f"Knowledge graph: {self.triples} triples", "", "Practices per building block:"]
        for notation, heading, n in self.blocks:
            lines.append(f"  {notation:>4}  {n:>3}  {heading}")
        lines.append(f"  {'':>4}  {sum(n for *_, n in self.blocks):>3}  in all")
        lines += ["", "EU information systems and the practices that use them:"]
        for name, n, practices in self.systems:
            lines.append(f"  {name:<52} {n:>2}  {', '.join(practices)}")
        return "\n".join(lines)


def _practice_key(notation: str) -> tuple[int, int]:
    numerals = {"I": 1, "II": 2, "III": 3, "IV": 4}
    block, _, number = notation.partition(".")
    return numerals.get(block, 9), int(number) if number.isdigit() else 0


def summarise(graph: Graph) -> Summary:
    ns = {"dpo": DPO, "skos": SKOS, "rdfs": __import__("rdflib").RDFS}
    blocks = [(str(r[0]), str(r[1]), int(r[2])) for r in graph.query(_BLOCKS, initNs=ns)]  # type: ignore[index,arg-type]
    systems = []
    for r in graph.query(_SYSTEMS, initNs=ns):
        label, acronym, n, practices = r  # type: ignore[misc]
        name = f"{label} ({acronym})" if acronym else str(label)
        systems.append((name, int(n), sorted(str(practices).split(), key=_practice_key)))
    return Summary(blocks, systems, len(graph))
