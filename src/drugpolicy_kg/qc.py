"""Quality checks on the KG: every ``queries/qc/*-violation.rq`` returns offending rows.

Zero rows means the rule passes (the ODK convention). The rules are data in the wheel;
this module only finds and runs them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rdflib import Graph

from .resources import iter_assets

QC_FOLDER = "queries/qc"
SUFFIX = "-violation.rq"


@dataclass(frozen=True)
class Rule:
    name: str
    title: str
    description: str
    text: str


@dataclass
class RuleResult:
    rule: Rule
    rows: list[dict[str, str]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.rows


def header(text: str) -> dict[str, str]:
    """The ``# key: value`` comment header of a query file (continuation lines indented)."""
    meta: dict[str, str] = {}
    key = None
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        body = line[1:]
        if body.startswith("   ") and key:
            meta[key] += " " + body.strip()
            continue
        name, sep, value = body.strip().partition(":")
        if sep and name and " " not in name.strip():
            key = name.strip().lower()
            meta[key] = value.strip()
    return meta


def rules() -> list[Rule]:
    """All QC rules shipped with the package, sorted by name."""
    out = []
    for res in iter_assets(QC_FOLDER, SUFFIX):
        text = res.read_text(encoding="utf-8")
        meta = header(text)
        out.append(
            Rule(
                name=res.name[: -len(SUFFIX)],
                title=meta.get("title", res.name),
                description=meta.get("description", ""),
                text=text,
            )
        )
    return out


def to_store(graph: Graph) -> Any:
    """Load an rdflib graph into an in-memory pyoxigraph store.

    The QC rules scan every triple with string filters; rdflib took about 9 s for the slowest
    rule on the core KG, pyoxigraph 0.04 s (see ``benchmarks/``), so QC runs on pyoxigraph.
    """
    import pyoxigraph as ox

    store = ox.Store()
    store.bulk_load(graph.serialize(format="nt", encoding="utf-8"), ox.RdfFormat.N_TRIPLES)
    return store


def run_rule(graph: Graph | Any, rule: Rule) -> RuleResult:
    """Run one rule over an rdflib graph or a pyoxigraph store."""
    store = to_store(graph) if isinstance(graph, Graph) else graph
    solutions = store.query(rule.text)
    names = [v.value for v in solutions.variables]
    rows = [
        {name: "" if sol[name] is None else sol[name].value for name in names} for sol in solutions
    ]
    return RuleResult(rule, rows)


def run_all(graph: Graph) -> list[RuleResult]:
    """Run every QC rule over ``graph`` (loaded once)."""
    store = to_store(graph)
    return [run_rule(store, r) for r in rules()]
