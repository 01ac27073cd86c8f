"""``drugpolicy-kg serve`` (the web application) and ``drugpolicy-kg publish``."""

from __future__ import annotations

import click


@click.command(
    epilog="""\b
Examples:
  drugpolicy-kg serve
  drugpolicy-kg serve --plans examples/plans/ --port 8000
  drugpolicy-kg serve --timeout 60

\b
Then open http://127.0.0.1:7878/ (pages), /sparql (query page), /validate, or query it:
  drugpolicy-kg query eu-systems-ranked --endpoint http://127.0.0.1:7878/query
  curl -H 'Accept: text/turtle' http://127.0.0.1:7878/id/practice/III.2
"""
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to bind; only loopback unless you give another one explicitly.",
)
@click.option("--port", default=7878, show_default=True, type=click.IntRange(0, 65535))
@click.option("--plans", multiple=True, type=click.Path(exists=True), help="Plans to load too.")
@click.option(
    "--timeout", default=30.0, show_default=True, type=float, help="Query time limit in seconds."
)
@click.option("--cors", is_flag=True, help="Let browser clients on other origins use /query.")
def serve(host: str, port: int, plans: tuple[str, ...], timeout: float, cors: bool) -> None:
    """Serve the KG's pages, its SPARQL endpoint and the validator until Ctrl-C.

    One web application: a page for every resource, whose IRI path also returns RDF by
    content negotiation (/id/practice/III.2, /ontology), the read-only SPARQL 1.1 endpoint
    at /query (pyoxigraph in-process, with a time limit) and its query page at /sparql.
    """
    import ipaddress
    import signal
    import sys

    import uvicorn

    from ..web.app import create_app

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        click.echo(
            f"warning: --host {host} makes the server reachable from other machines; "
            "it has no authentication (pages and the SPARQL endpoint are read-only)",
            err=True,
        )
    app = create_app(plans=plans, timeout=timeout, cors=cors)
    shown = f"[{host}]" if ":" in host else host
    base = f"http://{shown}:{port}"
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        server_header=False,
        h11_max_incomplete_event_size=16 * 1024,
        limit_concurrency=256,
        timeout_keep_alive=5,
    )
    server = uvicorn.Server(config)

    original = server.startup

    async def startup(sockets: object = None) -> None:
        await original(sockets)  # type: ignore[arg-type]
        if server.started:
            click.echo(f"pages:           {base}/", err=True)
            click.echo(f"SPARQL endpoint: {base}/query", err=True)
            click.echo(f"query page:      {base}/sparql", err=True)
            click.echo("Press Ctrl-C to stop.", err=True)

    server.startup = startup  # type: ignore[method-assign]
    server.run()


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
