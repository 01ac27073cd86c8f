"""``drugpolicy-kg site``: the app's pages as a static site, with the RDF beside each page.

Layout (every path is the resource's IRI path, see :mod:`.iris`)::

    index.html  graph.html  404.html
    id/practice/III.2.html  id/practice/III.2.ttl  .nt  .jsonld  .rdf
    ontology.html  ontology.ttl ...   shapes.html ...   eli/...   country/...
    static/                     the CSS, JS and vendored libraries (with their licences)
    .htaccess                   content negotiation on an Apache host (extension-less paths)
    w3id/.htaccess              with --base-url: the redirect rules for w3id.org/drugpolicy-kg

Every link is relative, so the site works opened from disk and hosted under any sub-path.
The same KG gives the same bytes; the site is built in a temporary folder beside ``out`` and
moved into place at the end, so an interrupted run leaves the previous site intact.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from . import iris
from .app import PageCache, static_dir
from .pages import WebKG
from .templating import Linker, render

#: Marks a folder written by ``site``, which a later run may replace.
MARKER = ".drugpolicy-kg-site"
#: Static files the static site does not need (the query page needs a live endpoint).
LIVE_ONLY = ("vendor/yasgui", "js/sparql.js")
#: Content negotiation of both .htaccess files: (Accept pattern, extension), first match wins.
#: HTML comes first because browsers also accept application/xml; the default is HTML.
CONNEG: tuple[tuple[str, str], ...] = (
    ("text/html", "html"),
    ("application/xhtml\\+xml", "html"),
    ("text/turtle", "ttl"),
    ("application/ld\\+json", "jsonld"),
    ("application/json", "jsonld"),
    ("application/n-triples", "nt"),
    ("application/rdf\\+xml", "rdf"),
)
#: Resource paths the w3id rules negotiate (the rest redirects as it is).
W3ID_RESOURCES = r"^((?:id|eli|country)/.+|ontology(?:/.+)?|shapes)$"


@dataclass
class SiteResult:
    out: Path
    pages: int = 0
    rdf_files: int = 0
    files: list[str] = field(default_factory=list)


def htaccess() -> str:
    """Apache rules for the site's own host: ``id/tool/SIS`` serves ``SIS.html`` or ``SIS.ttl``
    (...) by Accept. Relative rules, so they work in any folder or sub-path."""
    lines = [
        "# drugpolicy-kg static site: dereferenceable IRI paths on Apache 2.4",
        "# (mod_rewrite, mod_mime; mod_headers for Vary). Written by `drugpolicy-kg site`.",
        "Options -MultiViews -Indexes",
        "DirectoryIndex index.html",
        "DirectorySlash Off",
    ]
    for ext, (_, media) in iris.RDF_FORMATS.items():
        lines.append(f"AddType {media} .{ext}")
    lines += [
        "AddCharset utf-8 .html .ttl .nt .jsonld",
        "<IfModule mod_headers.c>",
        '  <FilesMatch "\\.(html|ttl|nt|jsonld|rdf)$">',
        "    Header merge Vary Accept",
        "  </FilesMatch>",
        "</IfModule>",
        "RewriteEngine On",
    ]
    for pattern, ext in CONNEG:
        lines += [
            f"RewriteCond %{{HTTP_ACCEPT}} {pattern} [NC]",
            "RewriteCond %{REQUEST_FILENAME} !-f",
            f"RewriteCond %{{REQUEST_FILENAME}}.{ext} -f",
            f"RewriteRule ^(.+)$ $1.{ext} [L]",
        ]
    lines += [
        "# No Accept, */* or anything else: the page.",
        "RewriteCond %{REQUEST_FILENAME} !-f",
        "RewriteCond %{REQUEST_FILENAME}.html -f",
        "RewriteRule ^(.+)$ $1.html [L]",
        "",
    ]
    return "\n".join(lines)


def w3id_htaccess(base_url: str) -> str:
    """The rules for the w3id.org repository's ``drugpolicy-kg/.htaccess``: each IRI path is
    sent (303 See Other) to the page or RDF file on the host at ``base_url``, by Accept."""
    base = base_url.rstrip("/")
    lines = [
        "# w3id.org/drugpolicy-kg: permanent identifiers of the drugpolicy-kg knowledge graph.",
        f"# Redirects to the static site at {base} (written by `drugpolicy-kg site`).",
        "# Hash IRIs (ontology#Term) arrive as /ontology and land on the ontology page.",
        "Options +FollowSymLinks",
        "<IfModule mod_headers.c>",
        "  Header merge Vary Accept",
        "</IfModule>",
        "RewriteEngine on",
    ]
    for pattern, ext in CONNEG:
        lines += [
            f"RewriteCond %{{HTTP_ACCEPT}} {pattern} [NC]",
            f"RewriteRule {W3ID_RESOURCES} {base}/$1.{ext} [R=303,L]",
        ]
    lines += [
        f"RewriteRule {W3ID_RESOURCES} {base}/$1.html [R=303,L]",
        f"RewriteRule ^$ {base}/index.html [R=302,L]",
        f"RewriteRule ^(.+)$ {base}/$1 [R=302,L]",
        "",
    ]
    return "\n".join(lines)


def _check_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise InputError(f"{out} is a file; give a folder for the site (--out DIR)")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise InputError(
            f"{out} is not empty and was not written by `drugpolicy-kg site`; "
            "give a new or empty folder (--out DIR) so that nothing of yours is replaced"
        )


def _copy_static(dest: Path) -> list[str]:
    src = Path(static_dir())
    written = []
    for root, dirs, files in os.walk(src):
        dirs.sort()
        rel_root = Path(root).relative_to(src)
        for name in sorted(files):
            rel = (rel_root / name).as_posix()
            if any(rel == x or rel.startswith(x + "/") for x in LIVE_ONLY):
                continue
            target = dest / "static" / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes((Path(root) / name).read_bytes())
            written.append(f"static/{rel}")
    return written


def write_site(
    out: str | Path,
    web: WebKG | None = None,
    *,
    base_url: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> SiteResult:
    """Write the static site into ``out`` (see module doc); returns what was written."""
    out = Path(out)
    _check_out(out)
    if base_url is not None:
        from ..catalogue import check_iri

        check_iri(base_url, "--base-url")
        if not base_url.startswith(("https://", "http://")):
            raise InputError(f"--base-url {base_url!r}: give the site's http(s) address")
    web = web if web is not None else WebKG()
    cache = PageCache(web, app=False, ext=".html")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    result = SiteResult(out)
    try:

        def put(rel: str, data: bytes) -> None:
            target = tmp / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            result.files.append(rel)

        for path in ["", "graph", *web.paths()]:
            html = cache.html(path)
            assert html is not None
            put("index.html" if path == "" else f"{path}.html", html)
            result.pages += 1
            if path and web.known(path) is not None:
                for ext in iris.RDF_FORMATS:
                    put(f"{path}.{ext}", cache.rdf(path, ext))
                    result.rdf_files += 1
            if progress is not None and result.pages % 50 == 0:
                progress(f"{result.pages} pages")
        put(
            "404.html",
            render(
                "error.html",
                {
                    "status": 404,
                    "reason": "Not found",
                    "message": "Nothing lives at this address in the knowledge graph.",
                    "link": Linker("404", ext=".html", app=False),
                },
            ).encode("utf-8"),
        )
        result.files.extend(_copy_static(tmp))
        put(".htaccess", htaccess().encode("utf-8"))
        if base_url is not None:
            put("w3id/.htaccess", w3id_htaccess(base_url).encode("utf-8"))
        put(MARKER, b"written by drugpolicy-kg site; the whole folder is replaced on rebuild\n")
        for d in sorted({tmp, *(p for p in tmp.rglob("*") if p.is_dir())}):
            os.chmod(d, 0o755)
        for f in tmp.rglob("*"):
            if f.is_file():
                os.chmod(f, 0o644)
        if out.exists():
            old = out.with_name(f".{out.name}.old")
            if old.exists():
                shutil.rmtree(old)
            os.replace(out, old)
            os.replace(tmp, out)
            shutil.rmtree(old)
        else:
            os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    result.files.sort()
    return result
