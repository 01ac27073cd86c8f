"""The Python API: the first way in for analysts (``from drugpolicy_kg import KG``).

>>> from drugpolicy_kg import KG
>>> kg = KG.load(plans="examples/plans/")                       # doctest: +SKIP
>>> kg.query("practices-using-tool", tool="SIS").to_pandas()    # doctest: +SKIP

:class:`KG` holds one query engine over the KG and the action plans given, and answers:

- :meth:`KG.query` runs a catalogue question (or a ``.rq`` file) with friendly parameters
  and returns an :class:`Answer` (``.rows``, ``.to_pandas()``, ``.to_json()``, ``.matrix()``);
- :meth:`KG.sparql` runs your own SPARQL text the same way;
- :meth:`KG.resolve` and :meth:`KG.list` find names (the resolver of ``query -p``);
- :meth:`KG.validate` checks plan files against the Recital 12 shapes (:class:`Validation`);
- :meth:`KG.graph` and :meth:`KG.impact` give the network view (networkx);
- :meth:`KG.practice` gives one practice with its text, links and evidence.

The command line is built on this module: ``query`` and ``list`` call :class:`KG`.
pandas is optional (``pip install 'drugpolicy-kg[notebook]'``) and imported only by the
``to_pandas`` methods.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from .errors import InputError

if TYPE_CHECKING:
    import networkx as nx
    import pandas as pd

    from .catalogue import CatalogueQuery
    from .engines.base import QueryEngine, QueryResult
    from .graph.analysis import ImpactResult
    from .graph.projection import Projection
    from .graph.resolve import Entity, NameIndex
    from .labels import Label
    from .results import Cells, Matrix
    from .validation.report import PlanReport

__all__ = [
    "KG",
    "LIST_KINDS",
    "Answer",
    "Link",
    "Listed",
    "Practice",
    "Validation",
]

PathLike = str | os.PathLike[str]

#: ``list`` and :meth:`KG.list`: the plural a person types -> the kind of entity.
LIST_KINDS: dict[str, str] = {
    "practices": "practice",
    "actors": "actor",
    "tools": "tool",
    "acts": "legal",
    "states": "state",
    "themes": "theme",
    "blocks": "block",
    "statuses": "status",
}

#: What :meth:`KG.list` counts for each kind, and the query that counts it per entity.
_COUNTS: dict[str, tuple[str, str]] = {
    "practice": ("links", "?x dpo:usesTool|dpo:involvesActor|dpo:hasLegalBasis|dpo:theme ?c ."),
    "actor": ("practices", "?c dpo:involvesActor ?x ."),
    "tool": ("practices", "?c dpo:usesTool ?x ."),
    "legal": (
        "practices",
        "?c a dpo:BestPractice ; dpo:hasLegalBasis|dpo:usesTool/dpo:hasLegalBasis ?x .",
    ),
    "state": ("plans", "?c a dpo:ActionPlan ; dpo:submittedBy ?x ."),
    "theme": ("practices", "?c dpo:theme ?x ."),
    "block": ("practices", "?c a dpo:BestPractice ; dpo:buildingBlock ?x ."),
    "status": ("entries", "?c dpo:status ?x ."),
}


def _as_list(paths: PathLike | Sequence[PathLike] | None) -> list[str]:
    if paths is None:
        return []
    if isinstance(paths, (str, os.PathLike)):
        return [os.fspath(paths)]
    return [os.fspath(p) for p in paths]


class Answer:
    """The answer to one query: readable rows, the raw SPARQL result, and exports.

    ``rows`` and ``to_pandas()`` show labels (``III.2 ANPR query checks…``, ``Netherlands``,
    ``adopted``) instead of IRIs, leaving out the columns that only label another; pass
    ``iris=True`` to :meth:`records` or :meth:`to_pandas` for every column as the query
    returned it. :meth:`to_json` is SPARQL 1.1 Query Results JSON, with IRIs.
    """

    def __init__(self, query: CatalogueQuery, result: QueryResult, engine: QueryEngine) -> None:
        self.query = query
        self.result = result
        self._engine = engine

    # --- what the answer holds --------------------------------------------------------------

    @property
    def name(self) -> str:
        """The query's name (``practices-using-tool``) or file stem."""
        return self.query.name

    @property
    def vars(self) -> list[str]:
        """The columns the query returns (SPARQL variables, in order)."""
        return list(self.result.vars)

    def __len__(self) -> int:
        return len(self.result.rows) if self.result.kind == "SELECT" else 1

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.rows)

    def __repr__(self) -> str:
        return f"<Answer {self.name}: {len(self)} rows x {len(self.vars)} columns>"

    @cached_property
    def labels(self) -> dict[str, Label]:
        """The label of every IRI in the answer that the data label."""
        from .labels import lookup

        iris = {t[1] for row in self.result.terms for t in row if t is not None and t[0] == "iri"}
        return lookup(self._engine, iris) if iris else {}

    def cells(self, *, iris: bool = False) -> Cells:
        """Header and rows of strings, as the table shows them."""
        from .results import _cells, readable

        if iris:
            return _cells(self.result)
        return readable(self.result, self.labels, self.query.label_columns)

    @property
    def rows(self) -> list[dict[str, Any]]:
        """Readable rows: ``{column: value}``, IRIs as labels, numbers as numbers."""
        return self.records()

    def records(self, *, iris: bool = False) -> list[dict[str, Any]]:
        """Rows as dicts; ``iris=True`` keeps every column, IRIs as strings."""
        if self.result.kind == "ASK":
            return [{"boolean": bool(self.result.boolean)}]
        head, body = self.cells(iris=iris)
        index = {v: i for i, v in enumerate(self.result.vars)}
        out = []
        for raw, shown in zip(self.result.rows, body, strict=True):
            rec: dict[str, Any] = {}
            for col, text in zip(head, shown, strict=True):
                term = raw[index[col]]
                rec[col] = _python(term, text, iris=iris)
            out.append(rec)
        return out

    # --- exports ------------------------------------------------------------------------------

    def to_pandas(self, *, iris: bool = False) -> pd.DataFrame:
        """The rows as a pandas DataFrame (needs ``pip install 'drugpolicy-kg[notebook]'``),
        in long form; for a pivot query's matrix use ``matrix().to_pandas()``."""
        pd = _pandas()
        head, _ = self.cells(iris=iris) if self.result.kind == "SELECT" else (["boolean"], [])
        return pd.DataFrame.from_records(self.records(iris=iris), columns=head)

    def to_json(self) -> str:
        """SPARQL 1.1 Query Results JSON (IRIs, as the standard says)."""
        from .results import to_json

        return to_json(self.result)

    def render(self, fmt: str = "table", *, iris: bool = False, transpose: bool = False) -> str:
        """The answer as text: ``table``, ``markdown``, ``csv`` (labels unless ``iris``),
        ``tsv`` and ``json`` (SPARQL formats, IRIs). A query whose header declares a pivot
        renders as its matrix in ``table``, ``markdown`` and ``csv``, unless ``iris``."""
        from .results import csv_text, markdown_text, matrix_text, render, table_text

        if self.result.kind != "SELECT" or fmt in ("json", "tsv"):
            return render(self.result, fmt)
        if iris:
            return render(self.result, fmt)
        if self.query.pivot is not None:
            m = self.matrix(transpose=transpose)
            assert m is not None
            return matrix_text(m, fmt)
        if transpose:
            raise InputError(f"--transpose: {self.name} declares no pivot (# pivot: in its header)")
        cells = self.cells()
        if fmt == "table":
            return table_text(cells)
        if fmt == "markdown":
            return markdown_text(cells)
        if fmt == "csv":
            return csv_text(cells)
        raise InputError(f"unknown format {fmt!r}")

    def matrix(self, *, transpose: bool = False) -> Matrix | None:
        """The pivoted answer, for a query whose header declares ``# pivot:`` (else None)."""
        spec = self.query.pivot
        if spec is None:
            return None
        from .labels import lookup
        from .results import pivot

        groups: dict[str, str] | None = None
        title = ""
        if spec.group:
            links = _objects(self._engine, self.result, spec.columns, spec.group)
            group_labels = lookup(self._engine, set(links.values()))
            groups = {k: _group_name(v, group_labels.get(v)) for k, v in links.items()}
            title = spec.group.rsplit(":", 1)[-1].rsplit("/", 1)[-1]
            title = {"buildingBlock": "block"}.get(title, title)
        m = pivot(
            self.result,
            spec.rows,
            spec.columns,
            spec.values,
            self.labels,
            groups,
            group_title=title,
        )
        return m.transposed() if transpose else m

    def to_xlsx(self, path: PathLike, *, transpose: bool = False, iris: bool = False) -> None:
        """Write the answer as an xlsx workbook: the matrix for a pivot query, else the table.
        Text cells are always strings, never formulas."""
        from .results import matrix_xlsx

        m = None if iris else self.matrix(transpose=transpose)
        if m is None:
            head, body = self.cells(iris=iris)
            _plain_xlsx(head, body, os.fspath(path))
        else:
            matrix_xlsx(m, os.fspath(path))

    def _repr_html_(self) -> str:  # Jupyter shows the readable table
        import html

        head, body = self.cells()
        th = "".join(f"<th>{html.escape(h)}</th>" for h in head)
        trs = "".join(
            "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
            for row in body[:200]
        )
        return f"<table><thead><tr>{th}</tr></thead><tbody>{trs}</tbody></table>"


def _plain_xlsx(head: list[str], body: list[list[str]], path: str) -> None:
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    from .atomic import write_bytes
    from .results import _put

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for j, h in enumerate(head):
        _put(ws, 1, j + 1, h).font = Font(bold=True)
    for i, row in enumerate(body):
        for j, value in enumerate(row):
            _put(ws, i + 2, j + 1, value)
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    write_bytes(path, buf.getvalue())


def _python(term: Any, text: str, *, iris: bool) -> Any:
    """A cell as a Python value: numbers and dates as such, IRIs as labels (or IRIs)."""
    from decimal import Decimal

    from rdflib import Literal, URIRef

    if term is None:
        return None
    if isinstance(term, URIRef):
        return str(term) if iris else text
    if isinstance(term, Literal) and term.datatype is not None:
        value = term.toPython()
        if isinstance(value, bool | int | float):
            return value
        if isinstance(value, Decimal):
            return float(value)
        import datetime as dt

        if isinstance(value, dt.date):
            return value
    return text if not iris else str(term)


def _objects(engine: QueryEngine, result: QueryResult, column: str, prop: str) -> dict[str, str]:
    """``column``'s IRI -> the object of ``prop`` (a CURIE of the project's prefixes)."""
    from rdflib import URIRef

    from .graph.resolve import _expand
    from .sparql_safety import term_to_sparql

    prop_iri = _expand(prop)
    if prop_iri is None:
        raise InputError(f"pivot group {prop!r} is not a CURIE of a known prefix or an IRI")
    i = result.vars.index(column)
    iris = sorted({t[1] for row in result.terms if (t := row[i]) is not None and t[0] == "iri"})
    if not iris:
        return {}
    values = " ".join(term_to_sparql(URIRef(x)) for x in iris)
    text = (
        f"SELECT ?x ?g WHERE {{ VALUES ?x {{ {values} }} "
        f"?x {term_to_sparql(URIRef(prop_iri))} ?g . FILTER(isIRI(?g)) }}"
    )
    return {str(x): str(g) for x, g in engine.query(text).rows}


def _group_name(iri: str, label: Label | None) -> str:
    if label is None:
        return iri.rsplit("/", 1)[-1]
    if label.notation and label.short:
        return f"{label.notation} {label.short}"
    return label.notation or label.display


def _pandas() -> Any:
    try:
        import pandas as pd
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise InputError("pandas is not installed: pip install 'drugpolicy-kg[notebook]'") from exc
    return pd


@dataclass(frozen=True)
class Listed:
    """One entry of :meth:`KG.list`: key, label, alternative labels, codes and a count."""

    key: str
    label: str
    alt_labels: tuple[str, ...]
    count: int
    counts: str
    iri: str
    notation: str | None = None
    codes: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        """The JSON object of ``list --format json``."""
        return {
            "key": self.key,
            "label": self.label,
            "altLabels": list(self.alt_labels),
            "notation": self.notation,
            "codes": list(self.codes),
            self.counts: self.count,
            "iri": self.iri,
        }


@dataclass(frozen=True)
class Link:
    """One link of a practice (a tool, actor, legal basis, theme) with its grounding."""

    property: str
    target: str
    target_label: str
    evidence: str | None
    justification: str | None


@dataclass(frozen=True)
class Practice:
    """A best practice: notation, title, the Decision's text, its block and its links."""

    iri: str
    notation: str
    title: str
    text: str
    block: str
    links: tuple[Link, ...] = ()

    @property
    def evidence(self) -> list[str]:
        """The words of the text that ground the links."""
        return [lk.evidence for lk in self.links if lk.evidence]

    def to_pandas(self) -> pd.DataFrame:
        """The links as a DataFrame (property, target, label, evidence, justification)."""
        pd = _pandas()
        return pd.DataFrame(
            [vars(lk) for lk in self.links],
            columns=["property", "target", "target_label", "evidence", "justification"],
        )

    def __str__(self) -> str:
        return f"{self.notation} {self.title}\n\n{self.text}"


@dataclass
class Validation:
    """The outcome of :meth:`KG.validate` over one or more plan files."""

    reports: list[PlanReport] = field(default_factory=list)

    @property
    def conforms(self) -> bool:
        """True when no file has a Violation (warnings and infos do not stop a plan)."""
        return all(r.conforms for r in self.reports)

    @property
    def results(self) -> list[dict[str, Any]]:
        """Every result of every file, as dicts (file, severity, practice, message, ...)."""
        return [{"file": rep.file, **r.as_json()} for rep in self.reports for r in rep.results]

    def to_pandas(self) -> pd.DataFrame:
        """The results as a DataFrame, one row per result."""
        pd = _pandas()
        cols = [
            "file",
            "severity",
            "practice",
            "block",
            "message",
            "focusNode",
            "path",
            "shape",
            "value",
        ]
        return pd.DataFrame([{c: r.get(c) for c in cols} for r in self.results], columns=cols)

    def __repr__(self) -> str:
        n = len(self.results)
        return f"<Validation of {len(self.reports)} file(s): conforms={self.conforms}, {n} results>"


class KG:
    """The knowledge graph of Decision 7301/24, with any action plans, ready to ask.

    Build one with :meth:`load`; it keeps one query engine (and, when asked, one network
    projection) for every call.
    """

    def __init__(
        self, engine: QueryEngine, *, plans: Sequence[str] = (), endpoint: str | None = None
    ) -> None:
        self.engine = engine
        self.plans = tuple(plans)
        self.endpoint = endpoint

    @classmethod
    def load(
        cls,
        plans: PathLike | Sequence[PathLike] | None = None,
        *,
        engine: str = "oxigraph",
        endpoint: str | None = None,
        use_cache: bool = False,
    ) -> KG:
        """The KG plus the action plans in ``plans`` (files or folders), on ``engine``
        (``oxigraph``, the default, or ``rdflib``), or a remote SPARQL ``endpoint`` that
        already holds them (``drugpolicy-kg publish``). Plans are untrusted input: read with
        every limit of :mod:`drugpolicy_kg.rdfio`, never the network."""
        from .engines import open_engine

        paths = _as_list(plans)
        if endpoint and paths:
            raise InputError(
                "plans cannot be sent to a remote endpoint; load them into the store first "
                "(drugpolicy-kg publish --plans ...)"
            )
        eng = open_engine(engine, plans=paths, endpoint=endpoint, use_cache=use_cache)
        return cls(eng, plans=paths, endpoint=endpoint)

    # --- questions --------------------------------------------------------------------------

    def query(
        self,
        name: str,
        /,
        params: Mapping[str, str] | None = None,
        *,
        timeout: float | None = 30.0,
        allow_remote: bool = False,
        **kwargs: str,
    ) -> Answer:
        """Run the catalogue query ``name`` (see :meth:`queries`) or a ``.rq`` file.

        Parameters come as keywords (``tool="SIS"``) or a mapping, with friendly values
        resolved as ``query -p`` does (:meth:`resolve`). Raises
        :class:`~drugpolicy_kg.errors.InputError` for an unknown query or value.
        """
        from .catalogue import get

        return self._run(get(name), {**(params or {}), **kwargs}, timeout, allow_remote)

    def sparql(
        self,
        text: str,
        /,
        *,
        timeout: float | None = 30.0,
        allow_remote: bool = False,
        **params: str,
    ) -> Answer:
        """Run your own SPARQL ``text`` (it may carry a catalogue header). Keyword parameters
        bind variables of the same name (for a header-less query: ``<IRI>``, ``"text"@en``
        or plain text). SERVICE and FROM of outside IRIs are refused unless ``allow_remote``."""
        from .catalogue import parse_query_file

        return self._run(parse_query_file(text, "<sparql>"), params, timeout, allow_remote)

    def _run(
        self,
        q: CatalogueQuery,
        params: Mapping[str, str],
        timeout: float | None,
        allow_remote: bool,
    ) -> Answer:
        from .catalogue import run_query

        if q.needs_plans and not self.plans and not self.endpoint:
            import logging

            logging.getLogger("drugpolicy_kg").warning(
                "%s reads action plans; none were given (--plans PATH, KG.load(plans=...))",
                q.name,
            )
        result = run_query(
            q,
            {k: str(v) for k, v in params.items()},
            engine=self.engine,
            endpoint=self.endpoint,
            timeout=timeout,
            allow_remote=allow_remote,
        )
        return Answer(q, result, self.engine)

    @staticmethod
    def queries() -> list[CatalogueQuery]:
        """The catalogue's questions, by name."""
        from .catalogue import catalogue

        return [q for _, q in sorted(catalogue().items())]

    # --- names --------------------------------------------------------------------------------

    @property
    def names(self) -> NameIndex:
        """The resolver over the names this KG holds (:class:`~.graph.resolve.NameIndex`)."""
        from .graph.resolve import engine_index

        return engine_index(self.engine)

    def resolve(self, value: str, kind: str | None = None) -> Entity:
        """The entity ``value`` names (``NL``, ``SIS``, ``III.2``, ``port auth``), within
        ``kind`` (``practice``, ``actor``, ``tool``, ``legal``, ``state``, ``theme``,
        ``block``, ``status``) if given."""
        kinds = None if kind is None else (LIST_KINDS.get(kind, kind),)
        return self.names.resolve(value, kinds)

    def list(self, kind: str) -> list[Listed]:
        """Every entity of ``kind`` (``practices``, ``actors``, ``tools``, ``acts``,
        ``states``, ``themes``, ``blocks``, ``statuses``) with a count: the practices linked
        to it (links of a practice, plans of a state, entries of a status)."""
        what = LIST_KINDS.get(kind, kind)
        if what not in _COUNTS:
            raise InputError(f"cannot list {kind!r}; choose one of {', '.join(LIST_KINDS)}")
        entities = self.names.entities(what)
        if what == "actor":  # states are actors too, listed on their own (list states)
            states = {e.iri for e in self.names.entities("state")}
            entities = [e for e in entities if e.iri not in states]
        counted, pattern = _COUNTS[what]
        from rdflib import URIRef

        from .graph.resolve import KIND_CLASSES
        from .vocab import DPO

        text = f"""PREFIX dpo: <{DPO}>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?x (COUNT(DISTINCT ?c) AS ?n) WHERE {{
  ?x rdf:type/rdfs:subClassOf* ?cls .
  {pattern}
}} GROUP BY ?x"""
        from .sparql_safety import trust

        # One constant text per kind, built by the package: it runs in-process.
        rows = self.engine.query(
            trust(text), bindings={"cls": URIRef(DPO[KIND_CLASSES[what]])}
        ).rows
        counts = {str(x): int(str(n)) for x, n in rows}
        return [
            Listed(
                e.key,
                e.label,
                e.alt_labels,
                counts.get(e.iri, 0),
                counted,
                e.iri,
                e.notation,
                e.codes,
            )
            for e in entities
        ]

    # --- validation -------------------------------------------------------------------------

    def validate(
        self, path: PathLike | Sequence[PathLike], *, timeout: float | None = 60.0
    ) -> Validation:
        """Validate plan files (or folders of them) against the Recital 12 shapes."""
        from .rdfio import expand_paths
        from .validation.engine import validate_files

        files = expand_paths(_as_list(path))
        if not files:
            raise InputError(f"no plan file found in {path}")
        return Validation(validate_files(files, timeout=timeout))

    # --- the network view -------------------------------------------------------------------

    @cached_property
    def projection(self) -> Projection:
        """The typed network of the KG and the plans (:mod:`drugpolicy_kg.graph`)."""
        from .graph.projection import project, read_plans
        from .kg import cached_kg

        return project(cached_kg(), read_plans(self.plans) if self.plans else ())

    def graph(self) -> nx.MultiDiGraph:
        """The KG as a networkx MultiDiGraph: nodes are IRIs with ``kind`` and ``label``."""
        return self.projection.graph

    def impact(self, name: str) -> ImpactResult:
        """The practices that lose the tool, actor or act ``name`` (``SIENA``), by block,
        with the chains that explain why; with plans, each state's adopted and planned ones."""
        from .graph.analysis import impact
        from .graph.resolve import resolve

        proj = self.projection
        return impact(proj, resolve(proj, name, ("tool", "actor", "legal")))

    def practice(self, name: str) -> Practice:
        """One best practice (``III.2``, or any name the resolver knows) with the Decision's
        text, its block and every link with the words that ground it."""
        entity = self.resolve(name, "practice")
        info = self.sparql(
            """PREFIX dpo: <https://w3id.org/drugpolicy-kg/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?text ?block WHERE {
  ?p dcterms:description ?text ; dpo:buildingBlock/skos:notation ?block .
}""",
            p=f"<{entity.iri}>",
        )
        links = self.query("practice-links", practice=entity.iri)
        first = info.result.rows[0] if info.result.rows else (None, None)
        return Practice(
            iri=entity.iri,
            notation=entity.notation or entity.key,
            title=entity.label,
            text=str(first[0] or ""),
            block=str(first[1] or ""),
            links=tuple(
                Link(
                    property=r["property"],
                    target=r["target"],
                    target_label=r.get("targetLabel") or "",
                    evidence=r.get("evidence"),
                    justification=r.get("justification"),
                )
                for r in links.records(iris=True)
            ),
        )

    def close(self) -> None:
        """Release the engine."""
        self.engine.close()

    def __enter__(self) -> KG:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        where = self.endpoint or self.engine.name
        return f"<KG on {where}, {len(self.plans)} plan path(s)>"


def load(plans: PathLike | Sequence[PathLike] | None = None, **kwargs: Any) -> KG:
    """Shorthand for :meth:`KG.load`."""
    return KG.load(plans, **kwargs)
