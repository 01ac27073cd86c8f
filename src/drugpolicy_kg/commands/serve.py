"""``drugpolicy-kg serve`` and ``drugpolicy-kg publish``: the KG on real SPARQL servers."""

from __future__ import annotations

import click


@click.command(
    epilog="""\b
Examples:
  drugpolicy-kg serve
  drugpolicy-kg serve --plans examples/plans/ --port 8000
  drugpolicy-kg serve --location ./store --timeout 60

\b
Then open http://127.0.0.1:7878/ (YASGUI), or query it:
  drugpolicy-kg query eu-systems-ranked --endpoint http://127.0.0.1:7878/query
"""
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=7878, show_default=True, type=int)
@click.option("--plans", multiple=True, type=click.Path(exists=True), help="Plans to load too.")
@click.option(
    "--location",
    type=click.Path(file_okay=False),
    help="Keep the store in this folder (default: a temporary folder removed on exit).",
)
@click.option(
    "--timeout", default=30.0, show_default=True, type=float, help="Query time limit in seconds."
)
@click.option("--cors", is_flag=True, help="Allow cross-origin requests (browser clients).")
def serve(
    host: str, port: int, plans: tuple[str, ...], location: str | None, timeout: float, cors: bool
) -> None:
    """Serve the KG (and plans) on a read-only Oxigraph SPARQL server until Ctrl-C.

    The server answers the SPARQL 1.1 Protocol at /query and shows YASGUI at /. It is
    read-only: nothing a client sends can change the data.
    """
    import contextlib
    import signal
    import sys
    import tempfile
    from pathlib import Path

    from ..server import OxigraphServer, load_store

    # SIGTERM (a service manager, `kill`) must stop the server child too: turn it into a
    # normal exit so the `with` blocks below stop the process and remove the temporary store.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

    with tempfile.TemporaryDirectory(prefix="drugpolicy-kg-store-") as tmp:
        store = Path(location) if location else Path(tmp)
        reuse = location is not None and store.is_dir() and any(store.iterdir())
        if reuse:
            click.echo(f"serving the existing store in {store}", err=True)
        else:
            n = load_store(store, plans)
            click.echo(f"loaded the KG and {n - 1} plan file(s) into {store}", err=True)
        server = OxigraphServer(store, host=host, port=port, timeout_s=timeout, cors=cors)
        with server:
            click.echo(f"SPARQL endpoint: {server.query_url}", err=True)
            click.echo(f"YASGUI:          {server.url}/", err=True)
            click.echo("Press Ctrl-C to stop.", err=True)
            with contextlib.suppress(KeyboardInterrupt):
                server.supervise()  # a query that crashes the server gets it restarted


@click.command(
    epilog="""\b
Examples:
  drugpolicy-kg publish --endpoint http://localhost:3030/ds/data          # Fuseki
  drugpolicy-kg publish --endpoint http://localhost:7878/store --plans examples/plans/
  drugpolicy-kg publish --endpoint http://localhost:7878/store --plans more/ --append
  drugpolicy-kg publish --endpoint http://localhost:7200/repositories/kg/rdf-graphs/service \\
      --graph https://w3id.org/drugpolicy-kg/id/graph/kg                  # GraphDB
"""
)
@click.option(
    "--endpoint",
    required=True,
    metavar="URL",
    help="The store's SPARQL 1.1 Graph Store Protocol URL.",
)
@click.option("--plans", multiple=True, type=click.Path(exists=True), help="Plans to publish too.")
@click.option(
    "--graph", metavar="IRI", help="Load into this named graph (default: the default graph)."
)
@click.option(
    "--append",
    is_flag=True,
    help="Add to the graph (HTTP POST) instead of replacing it (HTTP PUT, the default).",
)
@click.option(
    "--no-verify",
    is_flag=True,
    help="Do not read the graph back to check that it holds the triples sent.",
)
def publish(
    endpoint: str, plans: tuple[str, ...], graph: str | None, append: bool, no_verify: bool
) -> None:
    """Load the KG and plans into a SPARQL store through the Graph Store Protocol.

    Replaces the graph (HTTP PUT), so publishing twice leaves the same store; --append adds
    (HTTP POST). Follows no redirect, and reads the graph back to check the triple count.
    """
    from ..catalogue import check_iri
    from ..server import publish as do_publish

    if graph:
        check_iri(graph, "--graph")
    n = do_publish(endpoint, plans, graph=graph, append=append, verify=not no_verify)
    verb = "added" if append else "published"
    checked = "" if no_verify else f" (the {'graph' if graph else 'default graph'} holds {n})"
    click.echo(f"{verb} the KG to {endpoint}{checked}", err=True)
