"""Hostile requests get a 4xx, read nothing outside the package, and templates escape data.

Raw requests go over a socket to a real uvicorn server on loopback, so that ``..`` segments
and percent-encoded variants reach the app as a client sent them (HTTP libraries normalise
them away). An audit hook records every file the server process opens while they run.
"""

from __future__ import annotations

import socket
import sys
from pathlib import Path
from typing import Any

import pytest
from rdflib import Literal

import drugpolicy_kg
from drugpolicy_kg.vocab import DPK, SKOS

PACKAGE = Path(drugpolicy_kg.__file__).resolve().parent
_OPENED: list[str] = []
_RECORD = {"on": False}


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _RECORD["on"] and event == "open" and isinstance(args[0], (str, bytes, Path)):
        _OPENED.append(str(args[0]))


sys.addaudithook(_audit)


def raw_get(base: str, target: str, headers: str = "") -> tuple[int, bytes]:
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(
            f"GET {target} HTTP/1.1\r\nHost: {host}\r\n{headers}Connection: close\r\n\r\n".encode()
        )
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    status = int(data.split(b" ", 2)[1])
    return status, data


TRAVERSALS = [
    "/id/../../etc/passwd",
    "/id/..%2f..%2fetc%2fpasswd",
    "/id/%2e%2e/%2e%2e/etc/passwd",
    "/id/%252e%252e/etc/passwd",
    "/static/../app.py",
    "/static/..%2fapp.py",
    "/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/static/vendor/../../templates/base.html",
    "/static/css/..%5c..%5capp.py",
    "//etc/passwd",
    "/id/practice/III.2%00.ttl",
    "/ontology/..",
    "/eli/../../../../etc/passwd",
    "/id/tool/SIS/../../../../etc/passwd.ttl",
]


@pytest.mark.integration
@pytest.mark.allow_loopback
@pytest.mark.parametrize("target", TRAVERSALS)
def test_path_traversal_is_refused_and_reads_nothing_outside(live_server: str, target: str) -> None:
    _OPENED.clear()
    _RECORD["on"] = True
    try:
        status, data = raw_get(live_server, target)
    finally:
        _RECORD["on"] = False
    assert 400 <= status < 500, (target, status)
    assert b"root:" not in data and b"def create_app" not in data
    assert b"Traceback" not in data
    # Python's own lazy imports (the socket above pulls in idna) are not the app's reads.
    allowed = [PACKAGE, Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()]
    outside = [p for p in _OPENED if not any(Path(p).resolve().is_relative_to(a) for a in allowed)]
    assert not outside, outside


@pytest.mark.integration
@pytest.mark.allow_loopback
def test_huge_query_string_is_refused(live_server: str) -> None:
    status, _ = raw_get(live_server, "/id/tool/SIS?" + "a=" + "x" * 6000)
    assert status == 414
    status, _ = raw_get(live_server, "/?" + "q=" + "y" * 12000)
    assert 400 <= status < 500


@pytest.mark.integration
@pytest.mark.allow_loopback
def test_huge_headers_are_refused(live_server: str) -> None:
    status, _ = raw_get(live_server, "/id/tool/SIS", headers=f"Accept: {'a/b,' * 20000}\r\n")
    assert 400 <= status < 500


@pytest.mark.parametrize(
    "accept",
    ["text/html;q=abc", "text/html;q=7", "\u00e9/\u00e8", "nonsense", "a" * 3000, "image/*"],
)
def test_bad_accept_headers_are_4xx(client: Any, accept: str) -> None:
    res = client.get("/id/practice/III.2", headers={"Accept": accept.encode("utf-8")})
    assert res.status_code == 406
    assert "Traceback" not in res.text


def test_security_headers_on_every_kind_of_response(client: Any) -> None:
    for path in [
        "/",
        "/id/tool/SIS",
        "/id/tool/SIS.ttl",
        "/nope",
        "/static/css/site.css",
        "/graph",
    ]:
        res = client.get(path)
        csp = res.headers["content-security-policy"]
        assert (
            "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
        )
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert res.headers["x-content-type-options"] == "nosniff"
        assert res.headers["x-frame-options"] == "DENY"
        assert res.headers["referrer-policy"] == "no-referrer"
        assert "server" not in res.headers


def test_methods_other_than_get_are_refused(client: Any) -> None:
    assert client.post("/id/tool/SIS", content=b"x").status_code == 405
    assert client.delete("/id/tool/SIS").status_code == 405
    assert client.put("/static/css/site.css", content=b"x").status_code == 405


def test_a_script_in_a_label_is_shown_as_text() -> None:
    from rdflib import Graph

    from drugpolicy_kg.kg import cached_kg
    from drugpolicy_kg.web.app import PageCache
    from drugpolicy_kg.web.pages import WebKG

    evil = "<script>alert('x')</script></script><!--"
    kg = Graph()
    for t in cached_kg():
        kg.add(t)
    kg.add((DPK["tool/SIENA"], SKOS.altLabel, Literal(evil, lang="en")))
    kg.set((DPK["tool/SIENA"], SKOS.definition, Literal(evil + " & more", lang="en")))
    cache = PageCache(WebKG(kg))
    for path in ("id/tool/SIENA", "", "id/practice/III.6"):
        html = (cache.html(path) or b"").decode()
        assert "<script>alert" not in html, path
        assert "alert(" not in html or "&lt;script&gt;alert" in html or "\\u003cscript" in html
    page = (cache.html("id/tool/SIENA") or b"").decode()
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    home = (cache.html("") or b"").decode()
    assert "\\u003cscript\\u003ealert" in home  # the search index keeps it as data
    assert home.count("</script>") == home.count("<script")


@pytest.mark.integration
@pytest.mark.allow_loopback
def test_the_audit_hook_sees_what_the_server_reads(live_server: str) -> None:
    # Proves the check above can fail: a static file is read, and recorded, inside the package.
    _OPENED.clear()
    _RECORD["on"] = True
    try:
        status, _ = raw_get(live_server, "/static/js/search.js")
    finally:
        _RECORD["on"] = False
    assert status == 200
    assert any(p.endswith("search.js") for p in _OPENED)


def test_an_internal_error_shows_no_traceback() -> None:
    from starlette.testclient import TestClient

    from drugpolicy_kg.web.app import create_app

    app = create_app(sparql=False)

    @app.get("/boom-for-test")
    def boom() -> None:
        raise RuntimeError("secret internals /etc/passwd")

    # The catch-all resource route was added first; move the test route in front of it.
    app.router.routes.insert(0, app.router.routes.pop())
    res = TestClient(app, raise_server_exceptions=False).get("/boom-for-test")
    assert res.status_code == 500
    assert "Traceback" not in res.text and "secret internals" not in res.text
    assert res.headers["x-content-type-options"] == "nosniff"
