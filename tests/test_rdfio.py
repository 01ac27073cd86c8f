"""The untrusted-input loader (issue #8).

Each hostile case is one that plain ``rdflib.Graph().parse`` gets wrong: it fetches, expands,
recurses into ``RecursionError`` or raises an untyped exception. Here the only outcomes are
a Dataset or an :class:`InputError` with file (and line when the parser knows it).
"""

from __future__ import annotations

import io
import json
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import rdflib
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib.compare import isomorphic

from drugpolicy_kg.errors import InputError
from drugpolicy_kg.rdfio import (
    PROJECT_CONTEXT_URL,
    VENDORED_CONTEXTS,
    Limits,
    detect_format,
    expand_paths,
    load_many,
    load_untrusted,
    strip_or_flag_embedded,
    union_graph,
)
from drugpolicy_kg.vocab import DPO, OWL, SH

HOSTILE = Path(__file__).parent / "fixtures" / "hostile"


@pytest.fixture
def no_fetch(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record (and fail) any URL fetch rdflib would make through urllib."""
    calls: list[str] = []

    def urlopen(url: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(str(getattr(url, "full_url", url)))
        raise AssertionError(f"fetched {url}")

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    return calls


def _lower_langs(graph: rdflib.Graph) -> rdflib.Graph:
    """pyoxigraph lower-cases language tags (case-insensitive in RDF 1.1); rdflib keeps them."""
    out = rdflib.Graph()
    for s, p, o in graph:
        if isinstance(o, rdflib.Literal) and o.language:
            o = rdflib.Literal(str(o), lang=o.language.lower())
        out.add((s, p, o))
    return out


# ----------------------------------------------------------------- same triples as rdflib


@pytest.mark.parametrize("fmt", ["turtle", "nt", "nquads", "trig", "xml"])
def test_pyoxigraph_gives_the_same_triples_as_rdflib(fmt: str, tmp_path: Path) -> None:
    reference = rdflib.Dataset()
    reference.parse(HOSTILE / "ok-plan.ttl", format="turtle")
    ext = {"turtle": "ttl", "nt": "nt", "nquads": "nq", "trig": "trig", "xml": "rdf"}[fmt]
    path = tmp_path / f"plan.{ext}"
    path.write_text(reference.serialize(format=fmt), encoding="utf-8")
    expected = rdflib.Dataset()
    expected.parse(path, format=fmt)
    loaded = load_untrusted(path)
    assert isomorphic(_lower_langs(union_graph(expected)), union_graph(loaded))


def test_relative_iris_resolve_like_rdflib() -> None:
    path = HOSTILE / "ok-plan.ttl"
    expected = rdflib.Graph().parse(path, format="turtle")
    assert isomorphic(_lower_langs(expected), union_graph(load_untrusted(path)))


def test_named_graphs_are_kept_and_visible_in_the_union() -> None:
    ds = load_untrusted(HOSTILE / "ok-graphs.trig")
    names = {str(g.identifier) for g in ds.graphs() if len(g)}
    assert "https://example.org/graph/annex" in names
    assert len(list(ds.triples((None, DPO.note, None)))) == 1
    assert len(union_graph(ds)) == 2


def test_blank_nodes_of_two_loads_never_merge() -> None:
    data = b"_:b <https://example.org/p> _:c ."
    a, b = load_untrusted(data, name="a.nt"), load_untrusted(data, name="b.nt")
    assert set(a.subjects()).isdisjoint(set(b.subjects()))


# ----------------------------------------------------------------- 1. JSON-LD contexts


def test_project_context_is_vendored_and_expands_a_plan(no_fetch: list[str]) -> None:
    assert PROJECT_CONTEXT_URL in VENDORED_CONTEXTS
    loaded = union_graph(load_untrusted(HOSTILE / "ok-plan.jsonld"))
    expected = rdflib.Graph().parse(HOSTILE / "ok-plan-jsonld-expected.ttl")
    assert isomorphic(expected, loaded)
    assert no_fetch == []


@pytest.mark.parametrize(
    "fixture",
    [
        "remote-context.jsonld",
        "file-context.jsonld",
        "scoped-context.jsonld",
        "import-context.jsonld",
    ],
)
def test_remote_and_file_contexts_are_refused_not_fetched(
    fixture: str, no_fetch: list[str]
) -> None:
    with pytest.raises(InputError, match="is not fetched") as info:
        load_untrusted(HOSTILE / fixture)
    assert info.value.source is not None and info.value.source.endswith(fixture)
    assert no_fetch == []


@pytest.mark.parametrize(
    "context",
    [["https://evil.example.org/a.jsonld"], "ctx.jsonld", "//evil.example.org/c", 42],
)
def test_relative_listed_and_invalid_contexts_are_refused(context: object) -> None:
    doc = json.dumps({"@context": context, "@id": "https://example.org/x"}).encode()
    with pytest.raises(InputError):
        load_untrusted(doc, name="x.jsonld")


def test_context_list_mixing_vendored_and_inline_works() -> None:
    doc = {
        "@context": [PROJECT_CONTEXT_URL, {"extra": "https://example.org/extra"}],
        "id": "https://example.org/plan/x",
        "type": "ActionPlan",
        "extra": "y",
        "@graph": [
            {
                "@context": {"more": "https://example.org/more"},
                "@id": "https://example.org/z",
                "more": 1,
            }
        ],
    }
    ds = load_untrusted(json.dumps(doc).encode(), name="x.jsonld")
    assert (rdflib.URIRef("https://example.org/plan/x"), rdflib.RDF.type, DPO.ActionPlan) in ds


# ----------------------------------------------------------------- 2. XML DTDs


@pytest.mark.parametrize("fixture", ["billion-laughs.rdf", "xxe.rdf", "xxe.trix"])
def test_xml_dtds_are_refused_before_parsing(fixture: str) -> None:
    with pytest.raises(InputError, match="DOCTYPE") as info:
        load_untrusted(HOSTILE / fixture)
    assert info.value.line == 2


def test_entity_declaration_without_doctype_is_refused() -> None:
    data = b'<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><!ENTITY x "y"></rdf:RDF>'
    with pytest.raises(InputError, match="ENTITY"):
        load_untrusted(data, name="x.rdf")


def test_trix_is_parsed_with_named_graphs() -> None:
    data = (
        b'<?xml version="1.0"?><TriX xmlns="http://www.w3.org/2004/03/trix/trix-1/"><graph>'
        b"<uri>https://example.org/g</uri><triple><uri>https://example.org/a</uri>"
        b"<uri>https://example.org/p</uri><plainLiteral>x</plainLiteral></triple></graph></TriX>"
    )
    ds = load_untrusted(data, name="x.trix")
    assert len(ds) == 1 or len(union_graph(ds)) == 1


# ----------------------------------------------------------------- 3. size limits


def test_file_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.ttl"
    path.write_bytes(b"<https://e/a> <https://e/p> <https://e/o> .\n" * 100)
    with pytest.raises(InputError, match="larger than the limit"):
        load_untrusted(path, limits=Limits(max_bytes=1000))
    with pytest.raises(InputError, match="larger than the limit"):
        load_untrusted(path.read_bytes(), name="big.ttl", limits=Limits(max_bytes=1000))


@pytest.mark.parametrize("ext", ["ttl", "jsonld"])
def test_triple_limit(ext: str) -> None:
    if ext == "ttl":
        data = "".join(f"<https://e/s{i}> <https://e/p> {i} .\n" for i in range(50)).encode()
    else:
        data = json.dumps(
            [{"@id": f"https://e/s{i}", "https://e/p": i} for i in range(50)]
        ).encode()
    with pytest.raises(InputError, match="more than 10 triples"):
        load_untrusted(data, name=f"x.{ext}", limits=Limits(max_triples=10))
    assert len(load_untrusted(data, name=f"x.{ext}", limits=Limits(max_triples=50))) == 50


@pytest.mark.parametrize("ext", ["ttl", "jsonld", "rdf"])
def test_literal_size_limit(ext: str) -> None:
    big = "x" * 5000
    data = {
        "ttl": f'<https://e/a> <https://e/p> "{big}" .',
        "jsonld": json.dumps({"@id": "https://e/a", "https://e/p": big}),
        "rdf": f'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="https://e/">'
        f'<rdf:Description rdf:about="https://e/a"><e:p>{big}</e:p></rdf:Description></rdf:RDF>',
    }[ext].encode()
    with pytest.raises(InputError, match="literal of 5,000 characters"):
        load_untrusted(data, name=f"x.{ext}", limits=Limits(max_literal_chars=1000))


@pytest.mark.parametrize(
    "data",
    [
        # rdflib's Turtle parser recurses once per level: RecursionError on the naive path
        "<https://e/a> <https://e/p> " + "[ <https://e/p> " * 5000 + "1 " + "] " * 5000 + ".",
        "<https://e/a> <https://e/p> " + "( " * 5000 + ") " * 5000 + ".",
    ],
    ids=["blank-nodes", "collections"],
)
def test_deep_turtle_nesting_is_an_input_error(data: str) -> None:
    with pytest.raises(InputError, match="nested more than 100 levels"):
        load_untrusted(data.encode(), name="deep.ttl")


def test_deep_json_nesting_is_an_input_error() -> None:
    for data in (b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 5000 + b"1" + b"}" * 5000):
        with pytest.raises(InputError, match="nested"):
            load_untrusted(data, name="deep.jsonld")


def test_deep_xml_nesting_is_an_input_error() -> None:
    inner = "<e:p><rdf:Description>" * 5000 + "</rdf:Description></e:p>" * 5000
    data = (
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="https://e/">'
        f'<rdf:Description rdf:about="https://e/a">{inner}</rdf:Description></rdf:RDF>'
    ).encode()
    with pytest.raises(InputError, match="nested more than 100 levels"):
        load_untrusted(data, name="deep.rdf")


def test_long_flat_list_is_not_deep() -> None:
    data = "<https://e/a> <https://e/p> ( " + "1 " * 5000 + ") ."
    assert len(load_untrusted(data.encode(), name="list.ttl")) == 1 + 2 * 5000


def test_blank_node_cycle_is_not_infinitely_deep() -> None:
    data = b"_:a <https://e/p> _:b .\n_:b <https://e/p> _:a .\n"
    assert len(load_untrusted(data, name="cycle.nt")) == 2


# ----------------------------------------------------------------- 4. embedded rules


def test_embedded_rules_are_inert_data_and_flagged(no_fetch: list[str]) -> None:
    ds = load_untrusted(HOSTILE / "embedded-rules.ttl")
    assert no_fetch == []  # owl:imports / sh:shapesGraph were not followed
    graph = union_graph(ds)
    messages = strip_or_flag_embedded(graph)
    assert len(messages) == 4
    assert any("sh:sparql" in m for m in messages) and any("owl:imports" in m for m in messages)
    assert strip_or_flag_embedded(graph, strip=True) == messages
    for predicate in (SH.sparql, SH.rule, SH.shapesGraph, OWL.imports):
        assert not list(graph.triples((None, predicate, None)))


# ----------------------------------------------------------------- 5. clear errors


@pytest.mark.parametrize(
    ("data", "name", "line", "column"),
    [
        (None, "syntax-error.ttl", 4, 5),
        (
            b"<https://e/a> <https://e/p> <https://e/o> .\n<https://e/a> <https://e/p> .\n",
            "x.nt",
            2,
            29,
        ),
        (b'{\n  "@id": "https://e/a",\n  "p": [1,\n}', "x.jsonld", 4, 1),
        (
            b'<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n  <oops>\n</rdf:RDF>',
            "x.rdf",
            4,
            3,
        ),
        (
            b'<TriX xmlns="http://www.w3.org/2004/03/trix/trix-1/">\n<graph>\n</TriX>',
            "x.trix",
            3,
            3,
        ),
        (b"<https://e/g> {\n <https://e/a> <https://e/p> \n}", "x.trig", 3, 1),
    ],
)
def test_syntax_errors_name_file_line_and_column(
    data: bytes | None, name: str, line: int, column: int
) -> None:
    source: Path | bytes = HOSTILE / name if data is None else data
    with pytest.raises(InputError) as info:
        load_untrusted(source, name=None if data is None else name)
    err = info.value
    assert err.source is not None and err.source.endswith(name)
    assert (err.line, err.column) == (line, column), str(err)
    assert str(err).startswith(f"{err.source}:{line}:{column}: ")


def test_bom_is_stripped() -> None:
    ds = load_untrusted(HOSTILE / "bom.ttl")
    assert (rdflib.URIRef("https://example.org/plan/x"), rdflib.RDF.type, DPO.ActionPlan) in ds


@pytest.mark.parametrize(
    ("data", "match", "line"),
    [
        (None, "not valid UTF-8", 3),
        (b"", "empty", None),
        (b"  \n\t\n", "empty", None),
        (b"\xef\xbb\xbf", "empty", None),
        (b"<https://e/a> <https://e/p> \x00 .", "NUL byte", 1),
        ("<https://e/a> <https://e/p> 1 .".encode("utf-16"), "UTF-16", 1),
        (b"%PDF-1.7\n%\xe2\xe3", "PDF", None),
        (b"PK\x03\x04\x14\x00", "ZIP", None),
    ],
)
def test_encoding_and_binary_problems_are_clear(
    data: bytes | None, match: str, line: int | None
) -> None:
    source: Path | bytes = HOSTILE / "latin1.ttl" if data is None else data
    with pytest.raises(InputError, match=match) as info:
        load_untrusted(source, name=None if data is None else "x.ttl")
    assert info.value.line == line


def test_empty_file_on_disk(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="empty") as info:
        load_untrusted(HOSTILE / "empty.ttl")
    assert info.value.source == str(HOSTILE / "empty.ttl")


def test_missing_file_and_directory_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        load_untrusted(tmp_path / "nope.ttl")
    with pytest.raises(InputError, match="directory"):
        load_untrusted(tmp_path)


def test_non_utf8_xml_declaration_is_refused() -> None:
    data = b'<?xml version="1.0" encoding="ISO-8859-1"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>'
    with pytest.raises(InputError, match="only UTF-8"):
        load_untrusted(data, name="x.rdf")


def test_rdf_star_is_refused() -> None:
    data = b"<< <https://e/a> <https://e/p> <https://e/o> >> <https://e/q> 1 ."
    with pytest.raises(InputError):
        load_untrusted(data, name="x.ttl")


def test_unknown_format_name_is_an_input_error() -> None:
    with pytest.raises(InputError, match="unknown RDF format"):
        load_untrusted(b"<https://e/a> <https://e/p> 1 .", format="n3")


# ----------------------------------------------------------------- format detection

TTL = (
    b"@prefix dpo: <https://w3id.org/drugpolicy-kg/ontology#> .\n<https://e/a> a dpo:ActionPlan .\n"
)
NT = b"<https://e/a> <https://e/p> <https://e/o> .\n"
NQ = b"<https://e/a> <https://e/p> <https://e/o> <https://e/g> .\n"
JSONLD = b'{"@id": "https://e/a", "https://e/p": 1}'
RDFXML = b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>'
TRIX = b'<?xml version="1.0"?>\n<TriX xmlns="http://www.w3.org/2004/03/trix/trix-1/"/>'


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("a.ttl", TTL, "turtle"),
        ("a.nt", NT, "nt"),
        ("a.nq", NQ, "nquads"),
        ("a.trig", TTL, "trig"),
        ("a.jsonld", JSONLD, "json-ld"),
        ("a.json", JSONLD, "json-ld"),
        ("a.rdf", RDFXML, "xml"),
        ("a.owl", RDFXML, "xml"),
        ("a.trix", TRIX, "trix"),
        # wrong or missing extension: content decides the family
        ("a.json", TTL, "turtle"),
        ("a.ttl", JSONLD, "json-ld"),
        ("a.json", RDFXML, "xml"),
        ("a.xml", TRIX, "trix"),
        ("a.txt", NQ, "nquads"),
        ("-", b"<https://e/g> { <https://e/a> <https://e/p> 1 . }", "trig"),
        ("", b"[] a <https://e/C> .", "turtle"),
        ("", b"[[1]]", "json-ld"),
        ("", b"<urn:x:a> <urn:x:p> <urn:x:o> .", "turtle"),
    ],
)
def test_detect_format(name: str, data: bytes, expected: str) -> None:
    assert detect_format(name, data) == expected


def test_misnamed_turtle_in_a_json_file_is_parsed_as_turtle() -> None:
    ds = load_untrusted(HOSTILE / "misnamed-turtle.json")
    assert (rdflib.URIRef("https://example.org/plan/x"), rdflib.RDF.type, DPO.ActionPlan) in ds


def test_explicit_format_wins_over_detection() -> None:
    with pytest.raises(InputError, match="N-Triples syntax error"):
        load_untrusted(TTL, name="a.ttl", format="nt")


# ----------------------------------------------------------------- stdin and many files


def test_dash_reads_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(TTL)))
    ds = load_untrusted("-")
    assert len(ds) == 1


def test_load_many_expands_directories_sorted_rdf_only(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / ".hidden").mkdir()
    (tmp_path / "b.ttl").write_bytes(TTL)
    (tmp_path / "a.nt").write_bytes(NT)
    (tmp_path / "sub" / "c.jsonld").write_bytes(JSONLD)
    (tmp_path / "notes.txt").write_bytes(b"not rdf")
    (tmp_path / ".hidden" / "d.ttl").write_bytes(b"garbage")
    extra = tmp_path / "explicit.data"
    extra.write_bytes(NT)
    names = [Path(n).name for n in expand_paths([tmp_path, extra])]
    assert names == ["a.nt", "b.ttl", "c.jsonld", "explicit.data"]
    loaded = load_many([tmp_path])
    assert [len(ds) for _, ds in loaded] == [1, 1, 1]
    with pytest.raises(InputError, match="no such file"):
        expand_paths([tmp_path / "missing"])


# ----------------------------------------------------------------- fuzzing

_SEEDS = [
    (HOSTILE / "ok-plan.ttl").read_bytes(),
    (HOSTILE / "ok-plan.jsonld").read_bytes(),
    (HOSTILE / "ok-graphs.trig").read_bytes(),
    b'<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
    b'xmlns:e="https://e/"><rdf:Description rdf:about="https://e/a"><e:p xml:lang="en">x</e:p>'
    b"<e:q><rdf:Description><e:r>1</e:r></rdf:Description></e:q></rdf:Description></rdf:RDF>",
    TRIX,
    NQ,
]
_NAMES = ["x.ttl", "x.jsonld", "x.trig", "x.rdf", "x.trix", "x.nq", "x.json", "x.txt", "-"]


@st.composite
def _mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(_SEEDS)))
    for _ in range(draw(st.integers(1, 8))):
        action = draw(st.sampled_from(["flip", "insert", "delete", "dup"]))
        pos = draw(st.integers(0, max(len(data) - 1, 0)))
        if action == "flip" and data:
            data[pos] = draw(st.integers(0, 255))
        elif action == "insert":
            data[pos:pos] = draw(
                st.sampled_from(
                    [
                        b"[",
                        b"{",
                        b"<",
                        b'"',
                        b"@context",
                        b"\\",
                        b"\xff",
                        b"<!DOCTYPE x>",
                        b"_:b",
                        b"(",
                    ]
                )
            )
        elif action == "delete":
            del data[pos : pos + draw(st.integers(1, 20))]
        else:
            data[pos:pos] = data[pos : pos + draw(st.integers(1, 40))]
    return bytes(data)


def _load_or_input_error(data: bytes, name: str) -> None:
    try:
        result = load_untrusted(data, name=name, limits=Limits(max_triples=10_000))
    except InputError as exc:
        assert exc.source == name
    else:
        assert isinstance(result, rdflib.Dataset)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=400), name=st.sampled_from(_NAMES))
def test_fuzz_random_bytes_give_a_dataset_or_an_input_error(data: bytes, name: str) -> None:
    _load_or_input_error(data, name)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=_mutated(), name=st.sampled_from(_NAMES))
def test_fuzz_mutated_documents_give_a_dataset_or_an_input_error(data: bytes, name: str) -> None:
    _load_or_input_error(data, name)


@pytest.mark.parametrize("name", sorted(p.name for p in HOSTILE.iterdir() if p.is_file()), ids=str)
def test_load_graph_is_the_union_of_load_untrusted(name: str) -> None:
    """Every hostile fixture: the same refusal, or the same triples and prefixes."""
    from drugpolicy_kg.rdfio import load_graph

    path = HOSTILE / name
    for limit in ("0", "30"):  # in this process, and in a time-limited reader child
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("DRUGPOLICY_KG_INPUT_TIMEOUT", limit)
            try:
                expected = union_graph(load_untrusted(path))
            except InputError as exc:
                with pytest.raises(InputError) as ours:
                    load_graph(path)
                assert str(ours.value) == str(exc), (name, limit)
                continue
            loaded = load_graph(path)
        assert isomorphic(loaded, expected), (name, limit)
        assert set(loaded.namespaces()) >= {
            (p, n) for p, n in expected.namespaces() if p in {"dpo", "ex"}
        }


def test_an_rdf_xml_literal_longer_than_its_file_is_still_measured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Literals of a Turtle-family input are never longer than the input, so short inputs skip
    measuring them; RDF/XML is not such a syntax: an ``rdf:parseType="Literal"`` gets every
    namespace in scope copied into each element, and a 10 kB file can hold a 3 MB literal. It
    is refused on every reading path: in a reader child, and in place (a limited worker, the
    web service)."""
    from drugpolicy_kg import limits
    from drugpolicy_kg.rdfio import load_graph

    namespace = "http://example.org/" + "n" * 300 + "/"
    declared = " ".join(f'xmlns:n{i}="{namespace}{i}"' for i in range(10))
    document = tmp_path / "expanding.rdf"
    document.write_text(
        '<?xml version="1.0"?>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        f'xmlns:ex="http://example.org/" {declared}>\n'
        '<rdf:Description rdf:about="http://example.org/s"><ex:p rdf:parseType="Literal">'
        + "<n0:a/>" * 1000
        + "</ex:p></rdf:Description>\n</rdf:RDF>\n",
        encoding="utf-8",
    )
    assert document.stat().st_size < 20_000
    with pytest.raises(InputError, match="exceeds the limit"):
        load_graph(document)
    monkeypatch.setattr(limits, "_LIMITED", [True])  # read in place, as a limited worker does
    with pytest.raises(InputError, match="exceeds the limit"):
        load_graph(document)
