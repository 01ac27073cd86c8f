"""``drugpolicy-kg graph``: dependencies, impact, rankings, paths, clusters, exports, pictures.

Thin: each subcommand parses its options, builds the projection (:mod:`drugpolicy_kg.graph`),
calls one analysis and picks a writer. Only click is imported at module level; networkx,
matplotlib and rdflib load when a subcommand runs, so ``drugpolicy-kg --help`` stays fast.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from ..graph.projection import Projection

F = TypeVar("F", bound=Callable[..., Any])

OUTPUT_FORMATS = ("table", "json")


def _plans_option(f: F) -> F:
    return click.option(
        "--plans",
        multiple=True,
        type=click.Path(exists=True),
        metavar="PATH",
        help="Action plan file or folder (repeatable): adds states, plans and "
        "state -> practice edges for adopted and planned practices.",
    )(f)


def _format_option(f: F) -> F:
    return click.option(
        "-f",
        "--format",
        "fmt",
        type=click.Choice(OUTPUT_FORMATS),
        default="table",
        show_default=True,
        help="table for people, json for programs.",
    )(f)


def _projection(plans: tuple[str, ...]) -> Projection:
    from ..graph.projection import project, read_plans
    from ..kg import cached_kg

    return project(cached_kg(), read_plans(plans) if plans else ())


def _emit(result: Any, fmt: str, render: Callable[[Any], str]) -> None:
    from ..graph.report import to_json
    from ..textsafe import for_terminal

    # names and labels can come from plans: control characters are shown, not run
    click.echo(to_json(result) if fmt == "json" else for_terminal(render(result)))


@click.group(
    epilog="""\b
Examples:
  drugpolicy-kg graph deps III.3
  drugpolicy-kg graph deps SIS --format json
  drugpolicy-kg graph impact SIENA --plans examples/plans/
  drugpolicy-kg graph rank --kind tool --category EUInformationSystem
  drugpolicy-kg graph path III.3 "Regulation (EU) 2016/794"
  drugpolicy-kg graph clusters
  drugpolicy-kg graph similar NLD --plans examples/plans/
  drugpolicy-kg graph export --format graphml -o dpkg.graphml
  drugpolicy-kg graph draw network -o network.svg
  drugpolicy-kg graph draw html -o view.html --plans examples/plans/

\b
NODE names: a notation (III.3, IV, IV.a), a key (SIS, customs, europol, reg/2016/794,
NLD), a label ("Europol Regulation", "national databases"), a CURIE (dpk:tool/SIS) or an IRI.
Exit codes: 0 ok; 2 could not run (unknown name, unreadable plan, bad option).
"""
)
def graph() -> None:
    """Explore the KG as a network: what practices rely on, what breaks without a system.

    The network is projected from the KG each time (practices, blocks, themes, actors, tools,
    legal instruments; with --plans also states and plans), so answers follow the data.
    """


@graph.command(
    epilog="""\b
Examples:
  drugpolicy-kg graph deps III.3              # tools, actors, acts III.3 relies on
  drugpolicy-kg graph deps SIS                # practices that rely on SIS, and SIS's bases
  drugpolicy-kg graph deps europol -f json
"""
)
@click.argument("node")
@_format_option
@_plans_option
def deps(node: str, fmt: str, plans: tuple[str, ...]) -> None:
    """What NODE relies on, and what relies on NODE, with every chain and its evidence.

    For a practice: its tools, actors and legal bases, then theirs (a tool's legal basis and
    operator). For a tool, actor or act: every practice (and tool) that relies on it.
    """
    from ..graph.analysis import deps as run
    from ..graph.report import render_deps
    from ..graph.resolve import resolve

    proj = _projection(plans)
    _emit(run(proj, resolve(proj, node, ("practice", "tool", "actor", "legal"))), fmt, render_deps)


@graph.command(
    epilog="""\b
Examples:
  drugpolicy-kg graph impact SIENA
  drugpolicy-kg graph impact SIS --plans examples/plans/
  drugpolicy-kg graph impact "Europol Regulation" -f json
"""
)
@click.argument("node")
@_format_option
@_plans_option
def impact(node: str, fmt: str, plans: tuple[str, ...]) -> None:
    """Practices that lose NODE (a tool, actor or act) if it is unavailable, by block.

    Counts indirect loss too: without Regulation (EU) 2016/794 there is no Europol, EIS or
    SIENA, so every practice relying on them is hit. With --plans, also lists for each state
    the adopted and planned practices of its plan that are affected.
    """
    from ..graph.analysis import impact as run
    from ..graph.report import render_impact
    from ..graph.resolve import resolve

    proj = _projection(plans)
    _emit(run(proj, resolve(proj, node, ("tool", "actor", "legal"))), fmt, render_impact)


@graph.command(
    epilog="""\b
Examples:
  drugpolicy-kg graph rank
  drugpolicy-kg graph rank --kind tool --category EUInformationSystem --by degree
  drugpolicy-kg graph rank --kind legal --top 5 -f json
"""
)
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    type=click.Choice(["tool", "actor", "legal"]),
    help="Rank only these kinds (repeatable; default all three).",
)
@click.option("--category", help="Only this class, e.g. EUInformationSystem, EUAgency, Regulation.")
@click.option(
    "--by",
    type=click.Choice(["pagerank", "degree", "betweenness", "practices"]),
    default="pagerank",
    show_default=True,
    help="Measure to order by.",
)
@click.option("--top", type=click.IntRange(min=1), help="Show only the first N rows.")
@_format_option
@_plans_option
def rank(
    kinds: tuple[str, ...],
    category: str | None,
    by: str,
    top: int | None,
    fmt: str,
    plans: tuple[str, ...],
) -> None:
    """Centrality of tools, actors and legal instruments in the dependency network.

    Prints degree, betweenness and PageRank with a one-line meaning of each, and how many
    practices rely on each entry.
    """
    from ..graph.analysis import TARGET_KINDS
    from ..graph.analysis import rank as run
    from ..graph.report import render_rank

    proj = _projection(plans)
    result = run(proj, kinds or TARGET_KINDS, by=by, category=category, top=top)
    _emit(result, fmt, render_rank)


@graph.command(
    epilog="""\b
Examples:
  drugpolicy-kg graph path III.3 SIS
  drugpolicy-kg graph path I.1 TFEU --dependencies-only
  drugpolicy-kg graph path NLD SIENA --plans examples/plans/
"""
)
@click.argument("a")
@click.argument("b")
@click.option(
    "--dependencies-only",
    is_flag=True,
    help="Follow only dependency links (uses, involves, legal basis, operator), not "
    "block, theme or plan links.",
)
@_format_option
@_plans_option
def path(a: str, b: str, dependencies_only: bool, fmt: str, plans: tuple[str, ...]) -> None:
    """The shortest chain connecting A and B, explained in words, with evidence."""
    from ..graph.analysis import path as run
    from ..graph.report import render_path
    from ..graph.resolve import resolve

    proj = _projection(plans)
    result = run(proj, resolve(proj, a), resolve(proj, b), dependencies_only=dependencies_only)
    _emit(result, fmt, render_path)


@graph.command(
    epilog="""\b
Examples:
  drugpolicy-kg graph clusters
  drugpolicy-kg graph clusters --seed 11 --resolution 1.2 -f json
"""
)
@click.option("--seed", type=int, default=7, show_default=True, help="Seed of the Louvain method.")
@click.option(
    "--resolution",
    type=click.FloatRange(min=0.0, min_open=True),
    default=1.0,
    show_default=True,
    help="Above 1: more, smaller clusters; below 1: fewer, larger.",
)
@_format_option
@_plans_option
def clusters(seed: int, resolution: float, fmt: str, plans: tuple[str, ...]) -> None:
    """Communities of practices that share tools, actors or legal bases (Louvain).

    Each cluster is labelled by the dependencies most of its members share.
    """
    from ..graph.analysis import clusters as run
    from ..graph.report import render_clusters

    _emit(run(_projection(plans), seed=seed, resolution=resolution), fmt, render_clusters)


@graph.command(
    epilog="""\b
Examples:
  drugpolicy-kg graph similar NLD --plans examples/plans/
  drugpolicy-kg graph similar Belgium --plans examples/plans/ --top 3 -f json
"""
)
@click.argument("state")
@click.option("--top", type=click.IntRange(min=1), help="Show only the N most similar states.")
@_format_option
@_plans_option
def similar(state: str, top: int | None, fmt: str, plans: tuple[str, ...]) -> None:
    """States whose action plans are most alike STATE's (needs --plans).

    Similarity is the Jaccard index of the practices each state adopted or planned; the
    table also shows the index for adopted practices alone and how often statuses agree.
    """
    from ..graph.analysis import similar as run
    from ..graph.report import render_similar
    from ..graph.resolve import resolve

    proj = _projection(plans)
    _emit(run(proj, resolve(proj, state, ("state",)), top=top), fmt, render_similar)


@graph.command(
    epilog="""\b
Examples:
  drugpolicy-kg graph export --format graphml -o drugpolicy-kg.graphml   # Gephi, Cytoscape
  drugpolicy-kg graph export --format gexf -o drugpolicy-kg.gexf         # Gephi
  drugpolicy-kg graph export --format json > drugpolicy-kg.json          # networkx node-link
  drugpolicy-kg graph export --format dot -o kg.dot && dot -Tsvg kg.dot -o kg.svg
"""
)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["graphml", "gexf", "json", "dot"]),
    default="graphml",
    show_default=True,
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    default="-",
    help="Write to FILE atomically (default: stdout).",
)
@_plans_option
def export(fmt: str, output: str, plans: tuple[str, ...]) -> None:
    """Write the whole projection for Gephi, Cytoscape, Graphviz or networkx.

    Node ids are IRIs; nodes carry kind, label, name and code; edges carry the relation and,
    where the KG has it, the evidence from the Decision's text.
    """
    from ..graph.export import export as write
    from ..graph.export import export_bytes

    proj = _projection(plans)
    if output == "-":
        click.echo(export_bytes(proj.graph, fmt).decode("utf-8"), nl=False)
    else:
        click.echo(f"wrote {write(proj.graph, fmt, output)}", err=True)


@graph.command(
    epilog="""\b
Examples:
  drugpolicy-kg graph draw network -o network.png
  drugpolicy-kg graph draw network -o network.svg
  drugpolicy-kg graph draw heatmap -o adoption.png --plans examples/plans/
  drugpolicy-kg graph draw html -o view.html --plans examples/plans/

\b
network: practices | tools | legal instruments, coloured by type, with a legend.
heatmap: states x practices, coloured by plan status (needs --plans).
html:    one self-contained page (pan, zoom, search, click for text and evidence);
         opens offline from a file, fetches nothing.
"""
)
@click.argument("what", type=click.Choice(["network", "heatmap", "html"]))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    required=True,
    help="File to write (.png or .svg for pictures, .html for the page), atomically.",
)
@click.option(
    "--image-format",
    type=click.Choice(["png", "svg"]),
    help="Picture format, when the file name's suffix does not say.",
)
@click.option(
    "--seed", type=int, default=7, show_default=True, help="Layout seed of the HTML view."
)
@_plans_option
def draw(
    what: str, output: str, image_format: str | None, seed: int, plans: tuple[str, ...]
) -> None:
    """Draw the network, the adoption heatmap, or the interactive HTML view."""
    proj = _projection(plans)
    if what == "html":
        from ..graph.html import write_html

        path = write_html(proj, output, seed=seed)
    else:
        from ..graph.draw import draw as run

        path = run(proj, what, output, image_format)
    click.echo(f"wrote {path}", err=True)
