"""``drugpolicy-kg site``: a page for every IRI, no broken link, same bytes, Apache conneg.

The Apache test serves the site under a sub-path of a real Debian ``apache2`` on loopback,
with the site's own ``.htaccess`` (extension-less IRI paths by Accept) and the w3id rules
(``w3id/.htaccess``, 303 to the host), as w3id.org would. It skips when apache2 is absent.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from click.testing import CliRunner
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

from drugpolicy_kg.cli import cli
from drugpolicy_kg.kg import cached_kg
from drugpolicy_kg.vocab import DPK, DPO
from drugpolicy_kg.web import iris

APACHE = Path(os.environ.get("DRUGPOLICY_KG_APACHE", "/usr/sbin/apache2"))
MODULES = Path("/usr/lib/apache2/modules")
ROOT = Path(__file__).resolve().parents[2]
PLANS = str(ROOT / "examples" / "plans")


@pytest.fixture(scope="module")
def site_dir() -> Iterator[Path]:
    # World-readable, so that Apache's www-data user can serve it in the Apache test.
    base = Path(tempfile.mkdtemp(prefix="dpk-site-", dir="/tmp"))
    os.chmod(base, 0o755)
    out = base / "www" / "sub" / "site"
    res = CliRunner().invoke(
        cli,
        ["site", "--out", str(out), "--plans", PLANS, "--base-url", "http://127.0.0.1:1/sub/site"],
    )
    assert res.exit_code == 0, res.output
    try:
        yield out
    finally:
        shutil.rmtree(base, ignore_errors=True)


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"] or "")
        for key in ("href", "src"):
            if a.get(key):
                self.links.append(a[key] or "")


def parse_html(path: Path) -> Links:
    p = Links()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def test_every_project_iri_of_the_kg_has_a_page(site_dir: Path) -> None:
    ontology_ids = parse_html(site_dir / "ontology.html").ids
    seen = 0
    for triple in cached_kg():
        for t in triple:
            if not isinstance(t, URIRef):
                continue
            s = str(t)
            if s.startswith(str(DPK)):
                path = iris.path_of(s)
                assert path and (site_dir / f"{path}.html").is_file(), s
                for ext in ("ttl", "nt", "jsonld", "rdf"):
                    assert (site_dir / f"{path}.{ext}").is_file(), (s, ext)
                seen += 1
            elif s.startswith(str(DPO)):
                assert s.split("#", 1)[1] in ontology_ids, s
                seen += 1
    assert seen > 1000


def test_no_broken_link_anywhere(site_dir: Path) -> None:
    pages = sorted(site_dir.rglob("*.html"))
    assert len(pages) > 190
    ids = {p: parse_html(p).ids for p in pages}
    checked = 0
    for page in pages:
        for link in parse_html(page).links:
            parts = urlsplit(link)
            if parts.scheme in ("http", "https", "mailto"):
                continue
            assert not link.startswith("/"), f"{page}: {link} is not relative"
            assert not parts.scheme, f"{page}: {link}"
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            assert target.is_relative_to(site_dir.resolve()), f"{page}: {link} leaves the site"
            assert target.is_file(), f"{page.relative_to(site_dir)}: broken link {link}"
            if parts.fragment and target.suffix == ".html":
                assert parts.fragment in ids[target], (page, link)
            checked += 1
    assert checked > 5000


def test_rdf_beside_each_page_equals_the_app(site_dir: Path, client: Any) -> None:
    for path in ("id/practice/III.2", "id/tool/SIENA", "eli/reg/2016/794/oj", "ontology"):
        for ext, fmt in (("ttl", "turtle"), ("jsonld", "json-ld"), ("rdf", "xml"), ("nt", "nt")):
            body = (site_dir / f"{path}.{ext}").read_bytes()
            assert body == client.get(f"/{path}.{ext}").content
            Graph().parse(data=body, format=fmt)


def test_same_bytes_in_another_process(site_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "again"
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(ROOT / "src")}
    cmd = [sys.executable, "-m", "drugpolicy_kg", "site", "--out", str(out), "--plans", PLANS]
    cmd += ["--base-url", "http://127.0.0.1:1/sub/site"]
    subprocess.run(cmd, check=True, env=env, capture_output=True, timeout=300)
    a = {p.relative_to(site_dir): p.read_bytes() for p in site_dir.rglob("*") if p.is_file()}
    b = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert a.keys() == b.keys()
    assert [k for k in a if a[k] != b[k]] == []


def test_site_refuses_a_foreign_folder_and_replaces_its_own(tmp_path: Path) -> None:
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "thesis.docx").write_bytes(b"x")
    res = CliRunner().invoke(cli, ["site", "--out", str(foreign)])
    assert res.exit_code == 2 and "not written by" in res.output
    assert (foreign / "thesis.docx").is_file()
    res = CliRunner().invoke(cli, ["site", "--out", str(tmp_path / "s"), "--base-url", "ftp://x"])
    assert res.exit_code == 2 and "--base-url" in res.output


# --- Apache ----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def fetch(url: str, accept: str | None) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(req, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


@pytest.fixture(scope="module")
def apache(site_dir: Path) -> Iterator[str]:
    if not APACHE.exists() or not (MODULES / "mod_rewrite.so").exists():
        pytest.skip(f"{APACHE} is missing: install Debian's apache2 package to run this test")
    port = _free_port()
    www = site_dir.parents[1]
    base = f"http://127.0.0.1:{port}"
    w3id = www / "drugpolicy-kg"
    w3id.mkdir()
    rules = (site_dir / "w3id" / ".htaccess").read_text(encoding="utf-8")
    (w3id / ".htaccess").write_text(rules.replace("http://127.0.0.1:1", base), encoding="utf-8")
    run = www.parent / "apache"
    run.mkdir()
    for p in [www, *www.rglob("*")]:
        os.chmod(p, 0o755 if p.is_dir() else 0o644)
    mods = ["mpm_event", "authz_core", "mime", "rewrite", "dir", "headers"]
    conf = run / "httpd.conf"
    conf.write_text(
        "\n".join(
            [f"LoadModule {m}_module {MODULES}/mod_{m}.so" for m in mods]
            + [
                f'ServerRoot "{run}"',
                f"Listen 127.0.0.1:{port}",
                "ServerName 127.0.0.1",
                f'PidFile "{run}/httpd.pid"',
                f'ErrorLog "{run}/error.log"',
                "LogLevel warn",
                "User www-data",
                "Group www-data",
                "TypesConfig /etc/mime.types",
                f'DocumentRoot "{www}"',
                f'<Directory "{www}">',
                "  AllowOverride All",
                "  Require all granted",
                "</Directory>",
                "",
            ]
        ),
        encoding="utf-8",
    )
    proc = subprocess.Popen(
        [str(APACHE), "-f", str(conf), "-DFOREGROUND"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "APACHE_RUN_DIR": str(run), "APACHE_LOG_DIR": str(run)},
    )
    try:
        for _ in range(100):
            if proc.poll() is not None:
                err = proc.stderr.read().decode() if proc.stderr else ""
                pytest.fail(f"apache2 exited: {err}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        if proc.stderr:
            proc.stderr.close()


RDF = {"ttl": "text/turtle", "nt": "application/n-triples", "jsonld": "application/ld+json"}
RDF["rdf"] = "application/rdf+xml"
FMT = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "rdf": "xml"}


@pytest.mark.integration
@pytest.mark.allow_loopback
@pytest.mark.parametrize("path", ["id/practice/III.2", "id/tool/SIENA", "ontology", "country/NLD"])
def test_apache_serves_the_site_by_content_negotiation(
    apache: str, site_dir: Path, path: str
) -> None:
    url = f"{apache}/sub/site/{path}"
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    for accept in (browser, None, "*/*"):
        status, headers, body = fetch(url, accept)
        assert status == 200 and headers["Content-Type"].startswith("text/html"), accept
        assert body == (site_dir / f"{path}.html").read_bytes()
    for ext, media in RDF.items():
        status, headers, body = fetch(url, media)
        assert status == 200, (path, media)
        assert headers["Content-Type"].startswith(media)
        assert "Accept" in headers.get("Vary", "")
        assert body == (site_dir / f"{path}.{ext}").read_bytes()
        iri = iris.iri_of(path)
        assert iri is not None
        Graph().parse(data=body, format=FMT[ext])
    status, _, _ = fetch(f"{apache}/sub/site/id/practice/IX.99", "text/turtle")
    assert status == 404


@pytest.mark.integration
@pytest.mark.allow_loopback
def test_w3id_rules_redirect_each_iri_to_the_host(apache: str, site_dir: Path) -> None:
    host = f"{apache}/sub/site"
    cases = [
        ("id/practice/III.2", "text/turtle", "id/practice/III.2.ttl"),
        ("id/practice/III.2", "application/ld+json", "id/practice/III.2.jsonld"),
        ("id/practice/III.2", "application/n-triples", "id/practice/III.2.nt"),
        ("id/practice/III.2", "application/rdf+xml", "id/practice/III.2.rdf"),
        ("id/practice/III.2", "text/html,application/xml;q=0.9", "id/practice/III.2.html"),
        ("id/practice/III.2", None, "id/practice/III.2.html"),
        ("ontology", "text/turtle", "ontology.ttl"),
        ("eli/reg/2016/794/oj", "text/turtle", "eli/reg/2016/794/oj.ttl"),
    ]
    for path, accept, target in cases:
        status, headers, _ = fetch(f"{apache}/drugpolicy-kg/{path}", accept)
        assert status == 303, (path, accept, status)
        assert headers["Location"] == f"{host}/{target}"
        status, _, body = fetch(headers["Location"], accept)
        assert status == 200 and body == (site_dir / target).read_bytes()
    status, headers, _ = fetch(f"{apache}/drugpolicy-kg/", None)
    assert status == 302 and headers["Location"] == f"{host}/index.html"
    # The whole round trip gives the KG's own description.
    status, headers, _ = fetch(f"{apache}/drugpolicy-kg/id/tool/SIENA", "text/turtle")
    _, _, body = fetch(headers["Location"], "text/turtle")
    from drugpolicy_kg.web.rdf import description

    # Its CBD plus the annotations of its statements (a tool's legal bases are curated, with
    # their source: issue 15), as the app serves it.
    want = description(cached_kg(), DPK["tool/SIENA"])
    assert cached_kg().cbd(DPK["tool/SIENA"]).__len__() < len(want)
    assert isomorphic(Graph().parse(data=body, format="turtle"), want)
