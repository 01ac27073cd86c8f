"""The web application of ``drugpolicy-kg serve``: pages, dereferenceable IRIs, SPARQL, validator.

:func:`create_app` builds one FastAPI app:

- ``/`` home (search, blocks, EU systems ranked), ``/graph`` the graph view, ``/sparql`` the
  query page (YASGUI on ``/query``, with the catalogue as examples);
- every resource path (``/id/...``, ``/ontology``, ``/shapes``, ``/eli/...``,
  ``/country/...``) by content negotiation: HTML for browsers, Turtle, N-Triples, JSON-LD or
  RDF/XML by Accept or by extension (``.ttl``, ``.nt``, ``.jsonld``, ``.rdf``, ``.html``);
- ``/query``, the SPARQL 1.1 Protocol endpoint (:mod:`.sparql`);
- the validator's router (:mod:`.validator`), ``/static/...`` and ``/api/openapi.json``.

Every response carries a strict Content-Security-Policy and the other security headers; no
error ever shows a traceback (a plain 404/4xx page or message instead). Pages and RDF are
rendered once and kept: the KG does not change while the app runs.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.staticfiles import StaticFiles

from ..errors import EngineCrash, EngineError, InputError
from ..vocab import ONTOLOGY_IRI
from . import iris
from .pages import KIND_TITLES, Page, WebKG
from .rdf import NotAcceptable, media_type, negotiate, serialise
from .templating import Linker, json_island, render

log = logging.getLogger(__name__)

#: Longest query string accepted on any page (the SPARQL endpoint has its own limit).
MAX_QUERY_STRING = 4096
#: Longest POST body of /query.
MAX_BODY = 1_000_000

#: Cytoscape.js injects one fixed <style> element (its container rule); only that one is allowed,
#: by hash. The browser test (tests/web/test_web_browser.py) fails if the library changes it.
CYTOSCAPE_STYLE_HASH = "'sha256-pgvDUBa4IjFA2yuSJ2cqcyxmNYJMborsd0ORcRv9vw8='"
_CSP = (
    "default-src 'self'; script-src 'self'; "
    f"style-src 'self' {CYTOSCAPE_STYLE_HASH}; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
#: YASGUI sets inline styles (CodeMirror, its tables), so the query page allows them.
_CSP_YASGUI = _CSP.replace(
    f"style-src 'self' {CYTOSCAPE_STYLE_HASH}", "style-src 'self' 'unsafe-inline'"
)
_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGI = Callable[
    [Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]
]


class SecurityHeaders:
    """Pure ASGI middleware: security headers on every response, long query strings refused."""

    def __init__(self, app: ASGI) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        csp = (_CSP_YASGUI if path.endswith("/sparql") else _CSP).encode()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"server"]
                headers.append((b"content-security-policy", csp))
                headers.extend(_HEADERS)
                message["headers"] = headers
            await send(message)

        if len(scope.get("query_string", b"")) > MAX_QUERY_STRING and not path.endswith("/query"):
            response = PlainTextResponse(
                f"the query string is longer than {MAX_QUERY_STRING} bytes\n", status_code=414
            )
            await response(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)


def static_dir() -> str:
    """The folder of the vendored JS and CSS (inside the package)."""
    return str(resources.files("drugpolicy_kg.web").joinpath("static"))


class PageCache:
    """Rendered pages and RDF of a :class:`WebKG`, by (path, format); built on first use."""

    def __init__(self, web: WebKG, *, app: bool = True, ext: str = "") -> None:
        self.web = web
        self.app = app
        self.ext = ext
        self._cache: dict[tuple[str, str], bytes] = {}

    def page_context(self, page: Page) -> dict[str, Any]:
        ctx: dict[str, Any] = {
            "graph": None,
            "texts": [],
            "facts": [],
            "inbound": [],
            "types": [],
            "alt_labels": [],
        }
        ctx.update(page.context)
        ctx.update(
            title=page.title,
            iri=page.iri,
            kind=page.kind,
            kind_title=KIND_TITLES.get(page.kind, page.kind),
            link=Linker(page.path, ext=self.ext, app=self.app),
            formats=[(e, m) for e, (_, m) in iris.RDF_FORMATS.items()] if page.rdf else [],
            rdf=page.rdf,
            jsonld=None,
        )
        if page.kind == "resource" and ctx["types"]:  # the Decision, the evaluation, a visit
            ctx["kind_title"] = ctx["types"][0].label
        if page.rdf and page.iri is not None:
            import json

            if page.template == "ontology.html":  # the header, not the whole vocabulary
                from .rdf import cbd, new_graph

                head = cbd(self.web.ontology_graph, ONTOLOGY_IRI, new_graph())
                doc = json.loads(serialise(head, "jsonld"))
            else:
                doc = json.loads(self.rdf(page.path, "jsonld"))
            ctx["jsonld"] = json_island(doc)
        return ctx

    def html(self, path: str) -> bytes | None:
        key = (path, "html")
        if key not in self._cache:
            page = self.page_for(path)
            if page is None:
                return None
            self._cache[key] = render(page.template, self.page_context(page)).encode("utf-8")
        return self._cache[key]

    def page_for(self, path: str) -> Page | None:
        if path == "":
            return self.web.home_page()
        if path == "graph":
            return self.graph_page()
        return self.web.page(path)

    def graph_page(self) -> Page:
        from ..graph.projection import KIND_NAMES

        return Page(
            "graph.html",
            "graph",
            "Graph",
            None,
            "graph",
            {
                "graph": self.web.graph_elements(),
                "kinds": [(k, KIND_NAMES[k]) for k in ("practice", "tool", "actor", "legal")],
            },
            rdf=False,
        )

    def rdf(self, path: str, ext: str) -> bytes:
        key = (path, ext)
        if key not in self._cache:
            iri = self.web.known(path)
            assert iri is not None
            self._cache[key] = serialise(self.web.description(iri), ext)
        return self._cache[key]


def _error_page(request: Request, status: int, reason: str, message: str) -> Response:
    path = request.url.path.removeprefix(request.scope.get("root_path", ""))
    depth = max(path.count("/") - 1, 0)
    link = Linker("/".join(["x"] * (depth + 1)))  # relative links from any depth
    wants_html = "html" in request.headers.get("accept", "html") or "*/*" in request.headers.get(
        "accept", ""
    )
    if not wants_html:
        return PlainTextResponse(f"{status} {reason}: {message}\n", status_code=status)
    body = render(
        "error.html", {"status": status, "reason": reason, "message": message, "link": link}
    )
    return HTMLResponse(body, status_code=status)


def create_app(
    web: WebKG | None = None,
    *,
    plans: Sequence[str] = (),
    timeout: float = 30.0,
    sparql: bool = True,
    cors: bool = False,
) -> FastAPI:
    """The application. ``web`` defaults to the packaged KG with ``plans`` (action plan files
    or folders, read through the safe loader); ``sparql=False`` leaves out ``/query``;
    ``cors=True`` lets browser clients on other origins query ``/query``."""
    from ..graph.projection import read_plans

    if web is None:
        web = WebKG(plans=read_plans(plans) if plans else ())
    cache = PageCache(web)
    endpoint = None
    if sparql:
        from ..engines import open_engine
        from .sparql import Endpoint

        endpoint = Endpoint(open_engine("oxigraph", plans=list(plans)), timeout)

    app = FastAPI(
        title="drugpolicy-kg",
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.web = web
    app.state.cache = cache
    # the plans as the monitoring features read them: the validator page shows an uploaded
    # plan's peers among them (Recital 12), as `validate FILE --plans DIR` does
    if plans:
        from ..monitoring.revisions import load_plans

        app.state.peer_plans = load_plans(list(plans))
    else:
        app.state.peer_plans = []
    app.state.endpoint = endpoint
    app.add_middleware(SecurityHeaders)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        reasons = {404: "Not found", 405: "Method not allowed", 406: "Not acceptable"}
        reason = reasons.get(exc.status_code, "Error")
        message = (
            str(exc.detail)
            if exc.status_code != 404
            else "Nothing lives at this address in the knowledge graph."
        )
        return _error_page(request, exc.status_code, reason, message)

    @app.exception_handler(Exception)
    async def any_error(request: Request, exc: Exception) -> Response:
        log.error("internal error on %s: %r", request.url.path, exc)
        res = _error_page(request, 500, "Internal error", "The server could not answer this.")
        # This answer leaves through Starlette's outermost error middleware, around ours.
        res.headers["content-security-policy"] = _CSP
        for key, value in _HEADERS:
            res.headers[key.decode()] = value.decode()
        return res

    app.mount("/static", StaticFiles(directory=static_dir()), name="static")

    from . import validator

    app.include_router(validator.router)

    # Page routes are async: after the first render every answer is a dictionary hit, which
    # costs less than the thread-pool hop a sync route pays on every request.
    @app.get("/", include_in_schema=False)
    async def home() -> Response:
        return HTMLResponse(cache.html(""))

    @app.get("/graph", include_in_schema=False)
    async def graph() -> Response:
        return HTMLResponse(cache.html("graph"))

    if endpoint is not None:
        from .sparql import NotAcceptableResults

        sparql_page_html = render_sparql_page(web, endpoint.engine)

        @app.get("/sparql", include_in_schema=False)
        async def sparql_page() -> Response:
            return HTMLResponse(sparql_page_html)

        async def run_query(request: Request) -> Response:
            text: str | None
            if request.method == "GET":
                if "update" in request.query_params:
                    return _plain(400, "this endpoint is read-only: updates are refused")
                text = request.query_params.get("query")
            else:
                ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
                size = int(request.headers.get("content-length") or 0)
                if size > MAX_BODY:
                    return _plain(413, f"the request body is larger than {MAX_BODY} bytes")
                body = await request.body()
                if len(body) > MAX_BODY:
                    return _plain(413, f"the request body is larger than {MAX_BODY} bytes")
                if ctype == "application/sparql-query":
                    text = body.decode("utf-8", "replace")
                elif ctype == "application/x-www-form-urlencoded":
                    from urllib.parse import parse_qs

                    form = parse_qs(body.decode("utf-8", "replace"), max_num_fields=50)
                    if "update" in form:
                        return _plain(400, "this endpoint is read-only: updates are refused")
                    text = form["query"][0] if form.get("query") else None
                elif ctype == "application/sparql-update":
                    return _plain(415, "this endpoint is read-only: updates are refused")
                else:
                    return _plain(
                        415,
                        "send the query as application/sparql-query or "
                        "application/x-www-form-urlencoded (query=...)",
                    )
            for name in ("default-graph-uri", "named-graph-uri"):
                if request.query_params.get(name):
                    return _plain(400, f"{name} is not supported: the KG is one default graph")
            if text is None:
                return _plain(400, "no query: send ?query=... (SPARQL 1.1 Protocol)")
            from starlette.concurrency import run_in_threadpool

            try:
                ans = await run_in_threadpool(endpoint.answer, text, request.headers.get("accept"))
            except NotAcceptableResults as exc:
                return _plain(406, str(exc))
            except (InputError, EngineCrash) as exc:  # the query is at fault
                return _plain(400, str(exc))
            except EngineError as exc:  # time limit, saturation
                return _plain(503, str(exc))
            return Response(ans.body, media_type=ans.media_type, headers={"vary": "Accept"})

        async def answer_query(request: Request) -> Response:
            if request.method == "OPTIONS":
                res: Response = Response(status_code=204 if cors else 405)
            else:
                res = await run_query(request)
            if cors:
                res.headers["access-control-allow-origin"] = "*"
                res.headers["access-control-allow-methods"] = "GET, POST, OPTIONS"
                res.headers["access-control-allow-headers"] = "Content-Type, Accept"
            return res

        app.add_api_route(
            "/query",
            answer_query,
            methods=["GET", "POST", "OPTIONS"],
            summary="SPARQL 1.1 Protocol query endpoint (read-only)",
        )

    @app.api_route("/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
    async def resource(path: str, request: Request) -> Response:
        stem, ext = iris.split_extension(path)
        if web.known(stem) is None:
            raise StarletteHTTPException(404)
        if ext is None:
            try:
                fmt = negotiate(request.headers.get("accept"))
            except NotAcceptable as exc:
                offered = ", ".join(["text/html", *(m for _, m in iris.RDF_FORMATS.values())])
                return _plain(406, f"{exc}; this resource is served as {offered}")
        else:
            fmt = ext
        headers = {"vary": "Accept", "link": alternates(stem)}
        if fmt == "html":
            body = cache.html(stem)
            if body is None:
                raise StarletteHTTPException(404)
        else:
            body = cache.rdf(stem, fmt)
        return Response(body, media_type=media_type(fmt), headers=headers)

    return app


@functools.lru_cache(maxsize=4096)
def alternates(stem: str) -> str:
    """The ``Link`` header of a resource: its RDF files, relative to its path."""
    return ", ".join(
        f'<{Linker(stem).rdf(e)}>; rel="alternate"; type="{m}"'
        for e, (_, m) in iris.RDF_FORMATS.items()
    )


def _plain(status: int, text: str) -> Response:
    return PlainTextResponse(text.rstrip() + "\n", status_code=status)


def render_sparql_page(web: WebKG, engine: Any) -> str:
    """The query page: YASGUI on ``query``, the project's prefixes and the catalogue."""
    from .queries import examples, prefixes

    link = Linker("sparql")
    return render(
        "sparql.html",
        {
            "link": link,
            "examples": examples(engine),
            "config": json_island(
                {"endpoint": "query", "prefixes": prefixes(), "examples": examples(engine)}
            ),
        },
    )
