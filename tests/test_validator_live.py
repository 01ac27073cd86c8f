"""The validation service under uvicorn on loopback, called as programs call it (issue 14):
curl (a subprocess), Python's urllib and requests, for every syntax and Accept header."""

from __future__ import annotations

import concurrent.futures
import json
import shutil
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from validator_helpers import (
    ACCEPTS,
    EXAMPLES,
    FIXTURES,
    RDF_SYNTAXES,
    XLSX,
    Server,
    billion_laughs,
    deep_jsonld,
    live_server,
    plan_in,
)

pytestmark = [pytest.mark.integration, pytest.mark.allow_loopback]

NLD = EXAMPLES / "nld-2024.ttl"
VIOLATING = FIXTURES / "plans" / "adopted-without-measures.ttl"
CURL = shutil.which("curl")

#: (syntax, Content-Type, body) for every syntax the service reads
BODIES = [
    *((key, ctype, NLD) for key, (_s, ctype, _suffix) in RDF_SYNTAXES.items()),
    ("xlsx", XLSX, NLD),
    ("csv", "text/csv", NLD),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with live_server(tmp_path_factory.mktemp("live"), DRUGPOLICY_KG_WORKERS="2") as running:
        yield running
    log = running.log.read_text()
    assert "Traceback" not in log, log[-3000:]


@pytest.fixture(scope="module")
def bodies() -> dict[str, tuple[str, bytes, bytes]]:
    """syntax -> (Content-Type, conforming plan, violating plan)"""
    return {key: (ctype, plan_in(NLD, key), plan_in(VIOLATING, key)) for key, ctype, _p in BODIES}


def _check(status: int, content_type: str, body: bytes, accept: str, conforms: bool) -> None:
    assert status == 200, body[:500]
    assert content_type.split(";")[0] == accept
    if accept == "application/json":
        assert json.loads(body)["conforms"] is conforms
    elif accept == "text/turtle":
        assert f"sh:conforms {str(conforms).lower()}".encode() in body
    elif accept == "text/csv":
        # The CLI's CSV (validate --format csv): one row per result.
        assert body.startswith(b"file,severity,block,practice,where,message")
        assert (b",Violation," in body) != conforms
    else:
        assert (b'class="ok">conforms' in body) is conforms


def test_requests_every_syntax_and_accept(server: Server, bodies: dict) -> None:
    with requests.Session() as session:
        for key, (ctype, good, bad) in bodies.items():
            for accept in ACCEPTS:
                for data, conforms in ((good, True), (bad, False)):
                    reply = session.post(
                        server.url + "/api/validate",
                        data=data,
                        headers={"Content-Type": ctype, "Accept": accept},
                        timeout=60,
                    )
                    _check(
                        reply.status_code,
                        reply.headers["Content-Type"],
                        reply.content,
                        accept,
                        conforms,
                    )
                    assert reply.headers["Cache-Control"] == "no-store", key
                    assert reply.headers["X-Content-Type-Options"] == "nosniff"


def test_urllib_every_syntax_and_accept(server: Server, bodies: dict) -> None:
    for _key, (ctype, good, bad) in bodies.items():
        for accept in ACCEPTS:
            for data, conforms in ((good, True), (bad, False)):
                request = urllib.request.Request(
                    server.url + "/api/validate",
                    data=data,
                    headers={"Content-Type": ctype, "Accept": accept},
                    method="POST",
                )
                with urllib.request.urlopen(request, timeout=60) as reply:
                    _check(
                        reply.status,
                        reply.headers["Content-Type"],
                        reply.read(),
                        accept,
                        conforms,
                    )


def _curl(*args: str) -> tuple[int, dict[str, str], bytes]:
    done = subprocess.run(
        [CURL or "curl", "-sS", "-D", "-", "--max-time", "60", *args],
        capture_output=True,
        check=True,
        timeout=90,
    )
    head, _, body = done.stdout.partition(b"\r\n\r\n")
    while head.startswith(b"HTTP/1.1 100"):  # Expect: 100-continue
        head, _, body = body.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
    return status, headers, body


@pytest.mark.skipif(CURL is None, reason="curl is not installed")
def test_curl_every_syntax_and_accept(server: Server, bodies: dict, tmp_path: Path) -> None:
    for key, (ctype, good, bad) in bodies.items():
        for name, data, conforms in (("good", good, True), ("bad", bad, False)):
            path = tmp_path / f"{name}-{key}"
            path.write_bytes(data)
            for accept in ACCEPTS:
                status, headers, body = _curl(
                    "-H",
                    f"Content-Type: {ctype}",
                    "-H",
                    f"Accept: {accept}",
                    "--data-binary",
                    f"@{path}",
                    server.url + "/api/validate",
                )
                _check(status, headers["content-type"], body, accept, conforms)
            # multipart, as `curl -F file=@plan` sends it
            suffix = {"xlsx": ".xlsx", "csv": ".csv"}.get(key) or RDF_SYNTAXES[key][2]
            named = path.with_suffix(suffix)
            path.rename(named)
            status, headers, body = _curl("-F", f"file=@{named}", server.url + "/api/validate")
            _check(status, headers["content-type"], body, "application/json", conforms)


@pytest.mark.skipif(CURL is None, reason="curl is not installed")
def test_curl_hostile_uploads_get_4xx(server: Server, tmp_path: Path) -> None:
    big = tmp_path / "big.ttl"
    with big.open("wb") as fh:  # 50 MB, generated here
        for _ in range(50):
            fh.write(b"#" * (1024 * 1024))
    status, _headers, body = _curl(
        "-H", "Content-Type: text/turtle", "--data-binary", f"@{big}", server.url + "/api/validate"
    )
    assert status == 413, body[:300]
    assert "limit" in json.loads(body)["error"]
    laughs = tmp_path / "laughs.rdf"
    laughs.write_bytes(billion_laughs())
    status, _h, body = _curl(
        "-H",
        "Content-Type: application/rdf+xml",
        "--data-binary",
        f"@{laughs}",
        server.url + "/api/validate",
    )
    assert status == 400 and b"DOCTYPE" in body
    status, _h, body = _curl(
        "-H", "Content-Type: application/pdf", "--data-binary", "x", server.url + "/api/validate"
    )
    assert status == 415


def test_requests_hostile_uploads_get_4xx_while_valid_ones_succeed(server: Server) -> None:
    valid = NLD.read_bytes()
    hostile = [
        (billion_laughs(), "application/rdf+xml", 400),
        (deep_jsonld(), "application/ld+json", 400),
        (b"@prefix : <x> .\n:a :b", "text/turtle", 400),
        (b"#" * (50 * 1024 * 1024), "text/turtle", 413),
    ]

    def post(data: bytes, ctype: str) -> int:
        with requests.post(
            server.url + "/api/validate", data=data, headers={"Content-Type": ctype}, timeout=60
        ) as reply:
            return reply.status_code

    with concurrent.futures.ThreadPoolExecutor(6) as ex:
        bad = [ex.submit(post, data, ctype) for data, ctype, _ in hostile]
        good = [ex.submit(post, valid, "text/turtle") for _ in range(6)]
        assert [f.result() for f in bad] == [expected for _d, _c, expected in hostile]
        assert [f.result() for f in good] == [200] * 6


def test_requests_multipart_page_and_template(server: Server) -> None:
    reply = requests.post(
        server.url + "/validate",
        files={"file": ("plan.xlsx", plan_in(VIOLATING, "xlsx"))},
        data={"syntax": "auto", "format": "html"},
        timeout=60,
    )
    assert reply.status_code == 200 and 'data-conforms="false"' in reply.text
    assert "script-src 'self'" in reply.headers["Content-Security-Policy"]
    book = requests.get(server.url + "/api/template?state=BEL&format=xlsx", timeout=60)
    assert book.status_code == 200 and book.content.startswith(b"PK")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(server.url + "/api/template?state=XYZ", timeout=30)
    assert caught.value.code == 400


def test_saturated_server_answers_503_with_retry_after(tmp_path: Path) -> None:
    """One worker, no waiting line: while a large plan is validated, the next request is
    refused at once with 503 and Retry-After, and served once the worker is free."""
    import time

    with live_server(tmp_path, DRUGPOLICY_KG_WORKERS="1", DRUGPOLICY_KG_QUEUE="0") as running:
        url = running.url + "/api/validate"
        # A valid but heavy document: many triples to parse before validation.
        heavy = NLD.read_bytes() + b"".join(
            b"<https://example.org/x/%d> <https://example.org/p> %d .\n" % (i, i)
            for i in range(20_000)
        )
        small = NLD.read_bytes()

        def post_heavy() -> requests.Response:
            while True:  # until admitted (a small request may hold the worker)
                reply = requests.post(
                    url, data=heavy, headers={"Content-Type": "text/turtle"}, timeout=120
                )
                if reply.status_code != 503:
                    return reply

        with concurrent.futures.ThreadPoolExecutor(1) as ex:
            slow = ex.submit(post_heavy)
            refused = None
            for _ in range(2000):
                reply = requests.post(
                    url, data=small, headers={"Content-Type": "text/turtle"}, timeout=60
                )
                if reply.status_code == 503:
                    refused = reply
                    break
                if slow.done():
                    break
                time.sleep(0.01)
            heavy_reply = slow.result()
            assert heavy_reply.status_code == 200, heavy_reply.text[:500]
        assert refused is not None, "no request was refused while the only worker was busy"
        assert refused.headers["Retry-After"] == "1"
        assert "busy" in refused.json()["error"]
        after = requests.post(url, data=small, headers={"Content-Type": "text/turtle"}, timeout=60)
        assert after.status_code == 200
