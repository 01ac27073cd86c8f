"""rdfio.load_untrusted_into_store: the fast path gives the same quads and the same refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import graph_diff, to_isomorphic

from drugpolicy_kg.errors import InputError
from drugpolicy_kg.rdfio import Limits, load_many, load_untrusted_into_store, union_graph

HERE = Path(__file__).parent
HOSTILE = HERE / "fixtures" / "hostile"
PLANS = HERE.parent / "examples" / "plans"


def _graph(store: ox.Store, graph: object = None) -> rdflib.Graph:
    """The triples of ``graph`` in ``store`` (every graph when None) as an rdflib Graph."""
    from drugpolicy_kg.engines.oxigraph_engine import from_ox

    out = rdflib.Graph()
    for q in store.quads_for_pattern(None, None, None, graph):  # type: ignore[arg-type]
        out.add((from_ox(q.subject), from_ox(q.predicate), from_ox(q.object)))  # type: ignore[arg-type]
    return out


def _same(a: rdflib.Graph, b: rdflib.Graph) -> bool:
    """Equal up to blank-node labels (canonical labelling; rdflib's ``isomorphic`` hash
    misjudges the fixture's self-referencing blank node)."""
    _, only_a, only_b = graph_diff(to_isomorphic(a), to_isomorphic(b))
    return len(a) == len(b) and not only_a and not only_b


def _same_formats(tmp_path: Path) -> list[Path]:
    """ok-plan.ttl written in every format the loader reads, plus the named-graph TriG."""
    reference = rdflib.Dataset()
    reference.parse(HOSTILE / "ok-plan.ttl", format="turtle")
    files = [HOSTILE / "ok-plan.ttl", HOSTILE / "ok-graphs.trig", HOSTILE / "ok-plan.jsonld"]
    for fmt, ext in [("nt", "nt"), ("nquads", "nq"), ("trig", "trig"), ("xml", "rdf")]:
        path = tmp_path / f"plan.{ext}"
        path.write_text(reference.serialize(format=fmt), encoding="utf-8")
        files.append(path)
    trix = tmp_path / "plan.trix"
    trix.write_text(reference.serialize(format="trix"), encoding="utf-8")
    return [*files, trix]


def test_same_quads_as_the_rdflib_path_per_file(tmp_path: Path) -> None:
    """Each file's named graph holds exactly what load_untrusted reads (blank nodes aside)."""
    files = _same_formats(tmp_path)
    store = ox.Store()
    loaded = load_untrusted_into_store(files, store)
    assert [p for p, _, _ in loaded] == [str(f) for f in files]
    for (path, graph, count), (_, dataset) in zip(loaded, load_many(files), strict=True):
        assert graph == ox.NamedNode(Path(path).absolute().as_uri())
        expected = union_graph(dataset)
        got = _graph(store, graph)
        assert count >= len(got) == len(expected) > 0, path
        assert _same(got, expected), path


def test_same_quads_as_the_rdflib_path_in_the_default_graph() -> None:
    """The engine's view: every plan of a folder in the default graph, as union_graph gives."""
    store = ox.Store()
    load_untrusted_into_store([PLANS], store, default_graph=True)
    expected = rdflib.Graph()
    for _, dataset in load_many([PLANS]):
        expected += union_graph(dataset)
    assert len(store) == len(expected) > 900
    assert _same(_graph(store, ox.DefaultGraph()), expected)


def test_blank_nodes_of_two_files_never_merge(tmp_path: Path) -> None:
    for name in ("a.nt", "b.nt"):
        (tmp_path / name).write_bytes(b"_:b <https://example.org/p> _:c .\n")
    store = ox.Store()
    load_untrusted_into_store([tmp_path], store, default_graph=True)
    assert len({q.subject for q in store}) == 2


@pytest.mark.parametrize(
    ("name", "data", "limits", "match"),
    [
        ("big.ttl", b"<https://e/a> <https://e/p> <https://e/o> .\n" * 100, Limits(max_bytes=1000), "larger than the limit"),
        ("many.ttl", "".join(f"<https://e/s{i}> <https://e/p> {i} .\n" for i in range(50)).encode(), Limits(max_triples=10), "more than 10 triples"),
        ("long.ttl", b'<https://e/a> <https://e/p> "' + b"x" * 5000 + b'" .', Limits(max_literal_chars=1000), "literal of 5,000 characters"),
        ("long.jsonld", json.dumps({"@id": "https://e/a", "https://e/p": "x" * 5000}).encode(), Limits(max_literal_chars=1000), "literal of 5,000 characters"),
        ("deep.ttl", ("<https://e/a> <https://e/p> " + "[ <https://e/p> " * 500 + "1 " + "] " * 500 + ".").encode(), Limits(), "nested more than 100 levels"),
        ("star.ttl", b"<< <https://e/a> <https://e/p> <https://e/o> >> <https://e/q> 1 .", Limits(), "RDF-star"),
        ("nul.ttl", b"<https://e/a> <https://e/p> \x00 .", Limits(), "NUL byte"),
        ("empty.ttl", b"  \n", Limits(), "empty"),
        ("ctx.jsonld", b'{"@context": "https://example.org/ctx", "@id": "https://e/a"}', Limits(), "not fetched"),
    ],
)  # fmt: skip
def test_same_refusals_as_load_untrusted(
    tmp_path: Path, name: str, data: bytes, limits: Limits, match: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(InputError, match=match):
        load_many([path], limits=limits)
    store = ox.Store()
    with pytest.raises(InputError, match=match) as info:
        load_untrusted_into_store([path], store, limits=limits)
    assert info.value.source == str(path)
    assert len(store) == 0, "a refused file leaves nothing in the store"


@pytest.mark.parametrize("fixture", ["billion-laughs.rdf", "xxe.rdf", "xxe.trix"])
def test_xml_dtds_are_refused(fixture: str) -> None:
    store = ox.Store()
    with pytest.raises(InputError, match=r"DOCTYPE|ENTITY") as info:
        load_untrusted_into_store([HOSTILE / fixture], store)
    assert info.value.line is not None and len(store) == 0


def test_syntax_errors_name_file_line_and_column(tmp_path: Path) -> None:
    good = tmp_path / "a-good.ttl"
    good.write_bytes(b"<https://e/a> <https://e/p> 1 .\n")
    bad = tmp_path / "b-bad.trig"
    bad.write_bytes(b"<https://e/g> {\n <https://e/a> <https://e/p> \n}")
    store = ox.Store()
    with pytest.raises(InputError) as info:
        load_untrusted_into_store([tmp_path], store)
    err = info.value
    assert err.source == str(bad) and (err.line, err.column) == (3, 1), str(err)
    assert len(store) == 1, "files before the bad one stay loaded; nothing of the bad one"
