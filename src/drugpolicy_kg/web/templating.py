"""The Jinja2 environment of the web layer (autoescaping on), and relative links.

``templates`` (a Starlette :class:`~starlette.templating.Jinja2Templates`) is what other
routers reuse, e.g. the validator: ``templates.TemplateResponse(request, "validator/x.html",
{...})`` with a template that ``{% extends "base.html" %}`` and fills ``{% block content %}``
(and optionally ``{% block title %}``, ``{% block head %}``, ``{% block scripts %}``). A
context processor gives such templates the ``link`` helper for the request's path.

Every link a page makes is relative (:class:`Linker`), so the same pages work from the app,
from a static host under any sub-path and from disk (``site`` writes ``.html`` files).
"""

from __future__ import annotations

import json
import posixpath
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, Undefined, select_autoescape
from starlette.requests import Request
from starlette.templating import Jinja2Templates

from .iris import url_path


class Linker:
    """Relative hrefs from the page at site path ``here`` (no extension).

    ``ext`` is ``""`` in the app (``/id/tool/SIS``) and ``".html"`` in the static site
    (``id/tool/SIS.html``), where the home page is ``index.html``. ``app`` tells whether
    the live-only pages (query, validator) exist.
    """

    def __init__(self, here: str, *, ext: str = "", app: bool = True) -> None:
        self.here = here.strip("/")
        self.ext = ext
        self.app = app
        self._dir = posixpath.dirname(self.here) if self.here else ""

    def _rel(self, target: str) -> str:
        rel = posixpath.relpath(target or ".", self._dir or ".")
        return url_path(rel)

    def path(self, path: str | None, fragment: str | None = None) -> str:
        """The href of a site path (``""`` is the home page)."""
        frag = f"#{fragment}" if fragment else ""
        if path is None:
            return frag or "#"
        if not path:
            if self.ext:
                return self._rel("index.html") + frag
            rel = self._rel(".")
            return ("./" if rel == "." else rel + "/") + frag
        if path == self.here and fragment:
            return frag
        return self._rel(path + self.ext) + frag

    def to(self, ref: Any) -> str:
        """The href of a :class:`~.pages.Ref` (outside IRIs link to themselves)."""
        if getattr(ref, "path", None) is None:
            return str(ref.iri)
        return self.path(ref.path, ref.fragment)

    @property
    def root(self) -> str:
        """The prefix that turns a site path into a relative href (``""`` or ``../../``)."""
        return "" if not self._dir else "../" * (self._dir.count("/") + 1)

    def static(self, name: str) -> str:
        return self._rel("static/" + name)

    def rdf(self, ext: str) -> str:
        """The href of this page's own RDF file (``SIS.ttl`` beside ``SIS``)."""
        return self._rel(f"{self.here}.{ext}")


def json_island(data: Any) -> str:
    """JSON safe inside ``<script type="application/json">`` (no ``</script>``, no ``<!--``)."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def make_environment(*, strict: bool = True) -> Environment:
    """The environment: autoescaping always; ``strict`` makes an undefined variable an error
    (the app's own pages, so a typo fails the tests instead of printing nothing)."""
    env = Environment(
        loader=PackageLoader("drugpolicy_kg.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined if strict else Undefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters["json_island"] = json_island
    return env


env = make_environment()


def _link_for(request: Request) -> dict[str, Any]:
    root = request.scope.get("root_path", "")
    path = request.url.path.removeprefix(root)
    return {"link": Linker(path, app=True)}


#: Shared with other routers (the validator): ``templates.TemplateResponse(request, ...)``.
#: Same templates and autoescaping; undefined variables render empty, as Jinja's default.
templates = Jinja2Templates(env=make_environment(strict=False), context_processors=[_link_for])


def render(template: str, context: dict[str, Any]) -> str:
    return env.get_template(template).render(**context)
