"""Exports, pictures, the HTML page and the ``drugpolicy-kg graph`` CLI (in-process)."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from click.testing import CliRunner
from rdflib import Graph

from drugpolicy_kg.cli import cli
from drugpolicy_kg.graph.export import export_bytes
from drugpolicy_kg.graph.projection import Projection, project, read_plans

PLANS = str(Path(__file__).parent / "fixtures" / "graph" / "plans")


@pytest.fixture(scope="module")
def proj(kg_graph: Graph) -> Projection:
    return project(kg_graph, read_plans([PLANS]))


def _edges(g: nx.MultiDiGraph, drop: tuple[str, ...] = ()) -> list[tuple[str, str, dict[str, Any]]]:
    return sorted(
        ((u, v, {k: x for k, x in d.items() if k not in drop}) for u, v, d in g.edges(data=True)),
        key=lambda e: (e[0], e[1], e[2]["relation"]),
    )


# --- exports ------------------------------------------------------------------------------------


def test_graphml_reads_back_equal(proj: Projection) -> None:
    back = nx.read_graphml(io.BytesIO(export_bytes(proj.graph, "graphml")), force_multigraph=True)
    assert list(back.nodes(data=True)) == list(proj.graph.nodes(data=True))
    assert sorted(back.edges(keys=True, data=True)) == sorted(
        proj.graph.edges(keys=True, data=True)
    )


def test_gexf_reads_back_equal(proj: Projection) -> None:
    back = nx.read_gexf(io.BytesIO(export_bytes(proj.graph, "gexf")))
    assert dict(back.nodes(data=True)) == dict(proj.graph.nodes(data=True))
    # GEXF adds its own edge id; networkx stores the multigraph key as an attribute.
    assert _edges(back, ("id", "key", "networkx_key")) == _edges(proj.graph)


def test_json_reads_back_equal(proj: Projection) -> None:
    data = json.loads(export_bytes(proj.graph, "json"))
    back = nx.node_link_graph(data, edges="edges")
    assert list(back.nodes(data=True)) == list(proj.graph.nodes(data=True))
    assert list(back.edges(keys=True, data=True)) == list(proj.graph.edges(keys=True, data=True))


def test_dot_holds_every_node_and_edge(proj: Projection) -> None:
    text = export_bytes(proj.graph, "dot").decode()
    assert text.startswith("digraph drugpolicy_kg {") and text.rstrip().endswith("}")
    string = r'"(?:[^"\\]|\\.)*"'
    nodes = re.findall(rf"^  ({string}) \[", text, flags=re.M)
    edges = re.findall(rf"^  ({string}) -> ({string}) \[", text, flags=re.M)

    def unq(s: str) -> str:
        return s[1:-1].replace('\\"', '"').replace("\\\\", "\\")

    assert [unq(n) for n in nodes] == list(proj.graph.nodes)
    assert sorted((unq(a), unq(b)) for a, b in edges) == sorted(proj.graph.edges())
    # Quotes inside practice texts are escaped (I.1 quotes 'offensive'; labels with ").
    assert all(line.count('"') % 2 == 0 for line in text.splitlines() if '\\"' not in line)


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "json", "dot"])
def test_exports_are_byte_identical(kg_graph: Graph, fmt: str) -> None:
    a = export_bytes(project(kg_graph).graph, fmt)
    b = export_bytes(project(kg_graph).graph, fmt)
    assert a == b
    assert b"lastmodifieddate" not in a


# --- pictures -----------------------------------------------------------------------------------


def test_network_png_and_svg(proj: Projection, tmp_path: Path) -> None:
    from drugpolicy_kg.graph.draw import draw, network_layout

    png = draw(proj, "network", tmp_path / "n.png")
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000
    svg1 = draw(proj, "network", tmp_path / "n.svg").read_bytes()
    svg2 = draw(proj, "network", tmp_path / "n2.svg").read_bytes()
    assert svg1 == svg2, "SVG output is reproducible"
    assert b"<dc:date>" not in svg1
    pos, edges = network_layout(proj)
    kinds = {proj.kind(n) for n in pos}
    assert kinds == {"practice", "tool", "legal"}
    # 56 practice -> tool links, 9 legal bases (SIS 3, EIS 1, SIENA 2, EUROSUR 1, III.6 and
    # IV.16; EMPACT has none), 1 act -> act (Reco 2022/915 on the TFEU).
    assert len(edges) == 56 + 9 + 1


def test_heatmap_needs_plans(kg_graph: Graph, proj: Projection, tmp_path: Path) -> None:
    from drugpolicy_kg.errors import InputError
    from drugpolicy_kg.graph.draw import draw

    with pytest.raises(InputError, match="needs action plans"):
        draw(project(kg_graph), "heatmap", tmp_path / "h.png")
    data = draw(proj, "heatmap", tmp_path / "h.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


def test_picture_format_from_suffix(proj: Projection, tmp_path: Path) -> None:
    from drugpolicy_kg.errors import InputError
    from drugpolicy_kg.graph.draw import draw

    with pytest.raises(InputError, match="PNG or SVG"):
        draw(proj, "network", tmp_path / "n.jpg")


# --- HTML ---------------------------------------------------------------------------------------


def test_html_is_self_contained_and_reproducible(proj: Projection) -> None:
    from drugpolicy_kg.graph.html import render, view_data

    page = render(proj)
    assert page == render(proj)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "default-src 'none'" in page
    island = re.search(
        r'<script type="application/json" id="graph-data">(.*?)</script>', page, re.S
    )
    assert island is not None
    data = json.loads(island.group(1))
    assert data == json.loads(json.dumps(view_data(proj)))
    assert "__DATA__" not in page and "__JS__" not in page
    # Nodes with no link at all (states without plans) are not drawn.
    drawn = {n["id"] for n in data["nodes"]}
    assert drawn == {n for n in proj.graph.nodes if proj.graph.degree(n) > 0}
    assert all(0 <= n["x"] <= 1200 and 0 <= n["y"] <= 800 for n in data["nodes"])


def test_html_island_cannot_close_the_script(kg_graph: Graph) -> None:
    from drugpolicy_kg.graph.html import _json_island

    text = _json_island({"evil": "</script><script>alert(1)</script>"})
    assert "</script>" not in text and json.loads(text)["evil"].startswith("</script>")


# --- CLI ----------------------------------------------------------------------------------------


def run(runner: CliRunner, *args: str) -> Any:
    return runner.invoke(cli, ["graph", *args], catch_exceptions=False)


def test_cli_help_has_examples(runner: CliRunner) -> None:
    res = run(runner, "--help")
    assert res.exit_code == 0
    for cmd in ("deps", "impact", "rank", "path", "clusters", "similar", "export", "draw"):
        assert cmd in res.output
    assert "drugpolicy-kg graph impact SIENA" in res.output
    for cmd in ("deps", "impact", "rank", "path", "clusters", "similar", "export", "draw"):
        sub = run(runner, cmd, "--help")
        assert sub.exit_code == 0 and f"drugpolicy-kg graph {cmd}" in sub.output


def test_cli_impact_table_and_json(runner: CliRunner) -> None:
    res = run(runner, "impact", "SIENA", "--plans", PLANS)
    assert res.exit_code == 0, res.output
    assert "1 practice(s) lose it" in res.output and "III.3" in res.output
    assert "Netherlands" in res.output
    res = run(runner, "impact", "SIENA", "--format", "json")
    data = json.loads(res.output)
    assert [p["node"]["label"] for p in data["practices"]] == ["III.3"]
    assert data["states"] is None


def test_cli_deps(runner: CliRunner) -> None:
    res = run(runner, "deps", "SIS", "-f", "json")
    data = json.loads(res.output)
    assert [d["node"]["label"] for d in data["dependents"]] == ["II.5", "III.1", "III.2", "IV.1"]
    res = run(runner, "deps", "III.3")
    assert "III.3 uses SIENA, which has the legal basis Directive (EU) 2023/977." in res.output


def test_cli_rank(runner: CliRunner) -> None:
    res = run(
        runner, "rank", "--kind", "tool", "--category", "EUInformationSystem", "--by", "degree"
    )
    assert res.exit_code == 0
    names = [line.split()[1] for line in res.output.splitlines()[2:6]]
    assert names == ["SIS", "EIS", "SIENA", "EUROSUR"]
    assert "betweenness:" in res.output and "pagerank:" in res.output
    data = json.loads(run(runner, "rank", "--top", "2", "-f", "json").output)
    assert len(data["rows"]) == 2 and data["by"] == "pagerank"


def test_cli_path_clusters_similar(runner: CliRunner) -> None:
    res = run(runner, "path", "III.3", "Europol Regulation")
    assert res.output.startswith(
        "III.3 involves Europol, which is governed by Regulation (EU) 2016/794."
    )
    res = run(runner, "clusters", "-f", "json")
    assert json.loads(res.output)["seed"] == 7
    res = run(runner, "similar", "NLD", "--plans", PLANS, "--top", "1")
    assert res.exit_code == 0 and "Belgium" in res.output and "France" not in res.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["impact", "SEINA"], "did you mean: SIENA"),
        (["impact", "III.3"], "is a best practice"),
        (["deps", "nothing-like-this"], "is called 'nothing-like-this'"),
        (["similar", "NLD"], "needs action plans"),
        (["draw", "heatmap", "-o", "h.png"], "needs action plans"),
        (["path", "III.3", "NLD"], "no chain connects"),
    ],
)
def test_cli_errors_exit_2(
    runner: CliRunner,
    args: list[str],
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    res = run(runner, *args)
    assert res.exit_code == 2
    assert message in res.output
    assert "Traceback" not in res.output


def test_cli_bad_plan_exit_2(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "plan.ttl"
    bad.write_text("@prefix : <urn:x#> .\n:a :b \n")
    res = run(runner, "impact", "SIS", "--plans", str(bad))
    assert res.exit_code == 2 and "plan.ttl" in res.output


def test_cli_export_and_draw(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "kg.graphml"
    res = run(runner, "export", "--format", "graphml", "-o", str(out))
    assert res.exit_code == 0
    assert nx.read_graphml(out, force_multigraph=True).number_of_nodes() > 100
    res = run(runner, "export", "--format", "json")
    assert json.loads(res.output)["directed"] is True
    for what, name in (("network", "n.svg"), ("heatmap", "h.png"), ("html", "v.html")):
        target = tmp_path / name
        res = run(runner, "draw", what, "-o", str(target), "--plans", PLANS)
        assert res.exit_code == 0, res.output
        assert target.stat().st_size > 5_000
    assert not list(tmp_path.glob(".*.tmp")), "atomic writes leave no temp file"


def test_cli_start_up_does_not_import_networkx() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from drugpolicy_kg.cli import cli; import drugpolicy_kg.commands.graph;"
        "print('networkx' in sys.modules, 'matplotlib' in sys.modules, 'rdflib' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False", "False"]
