"""Quality checks on the KG: every ``queries/qc/*-violation.rq`` returns offending rows.

Zero rows means the rule passes (the ODK convention). The rules are data in the wheel;
this module only finds and runs them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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


def run_rule(graph: Graph, rule: Rule) -> RuleResult:
    result = graph.query(rule.text)
    variables = [str(v) for v in (result.vars or [])]
    rows = [
        {var: ("" if val is None else str(val)) for var, val in zip(variables, row, strict=True)}
        for row in result  # type: ignore[union-attr]
    ]
    return RuleResult(rule, rows)


def run_all(graph: Graph) -> list[RuleResult]:
    """Run every QC rule over ``graph``."""
    return [run_rule(graph, r) for r in rules()]
