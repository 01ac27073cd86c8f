"""``drugpolicy-kg site``: the KG's web pages as a static site."""

from __future__ import annotations

import click


@click.command(
    epilog="""\b
Examples:
  drugpolicy-kg site --out site
  drugpolicy-kg site --out site --plans examples/plans/
  drugpolicy-kg site --out site --base-url https://example.org/drugpolicy-kg

\b
Open site/index.html from disk, or publish the folder on any static host. On Apache the
site's .htaccess serves id/practice/III.2 as HTML or RDF by Accept; with --base-url,
site/w3id/.htaccess holds the rules for https://w3id.org/drugpolicy-kg/.
"""
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, writable=True),
    default="site",
    show_default=True,
    help="Folder to write the site into (replaced whole if written by an earlier run).",
)
@click.option("--plans", multiple=True, type=click.Path(exists=True), help="Plans to show too.")
@click.option(
    "--base-url",
    metavar="URL",
    help="Where the site will be hosted; writes w3id/.htaccess redirecting the IRIs there.",
)
def site(out_dir: str, plans: tuple[str, ...], base_url: str | None) -> None:
    """Write a page for every resource of the KG, with its RDF (ttl, nt, jsonld, rdf) beside
    it, the ontology documentation, the graph view and the search, as a static site.

    Links are relative: the site works from disk and under any sub-path. The same KG and
    plans give the same bytes.
    """
    from ..graph.projection import read_plans
    from ..web.pages import WebKG
    from ..web.site import write_site

    web = WebKG(plans=read_plans(plans) if plans else ())
    result = write_site(out_dir, web, base_url=base_url, progress=lambda m: click.echo(m, err=True))
    click.echo(
        f"wrote {result.pages} pages and {result.rdf_files} RDF files into {result.out}", err=True
    )
