"""The validation service in-process (Starlette's TestClient and httpx over ASGI): issue 14.

The validation itself runs in the service's worker processes, as in production; only the HTTP
layer is in-process here. ``test_validator_live.py`` calls a real uvicorn server.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from drugpolicy_kg.cli import cli
from drugpolicy_kg.web import validator
from drugpolicy_kg.web.validator_pool import Saturated, TaskTimeout, ValidationPool
from validator_helpers import (
    ACCEPTS,
    EXAMPLES,
    FIXTURES,
    RDF_SYNTAXES,
    XLSX,
    billion_laughs,
    deep_jsonld,
    plan_in,
)

NLD = EXAMPLES / "nld-2024.ttl"
VIOLATING = FIXTURES / "plans" / "adopted-without-measures.ttl"


def _app() -> FastAPI:
    app = FastAPI(openapi_url="/api/openapi.json", docs_url=None, redoc_url=None)
    app.include_router(validator.router)
    return app


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    validator.configure(workers=2, queue=8)
    with TestClient(_app()) as c:
        yield c
    validator.configure()  # a fresh default pool for other modules
    validator.pool().close()


def _post(client: TestClient, data: bytes, content_type: str, accept: str = "application/json"):
    return client.post(
        "/api/validate", content=data, headers={"Content-Type": content_type, "Accept": accept}
    )


def _assert_secure(response: Any, *, report: bool = True) -> None:
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    if report:
        assert response.headers["cache-control"] == "no-store"


# ------------------------------------------------------------------ syntaxes and formats


@pytest.mark.parametrize("fmt", [*RDF_SYNTAXES, "xlsx", "csv"])
def test_every_syntax_gives_the_same_verdict(client: TestClient, fmt: str) -> None:
    content_type = XLSX if fmt == "xlsx" else "text/csv" if fmt == "csv" else RDF_SYNTAXES[fmt][1]
    good = _post(client, plan_in(NLD, fmt), content_type)
    assert good.status_code == 200, good.text
    assert good.json() == {"conforms": True, "results": []}
    assert good.headers["x-conforms"] == "true"
    bad = _post(client, plan_in(VIOLATING, fmt), content_type)
    assert bad.status_code == 200, bad.text
    assert bad.json()["conforms"] is False
    assert any(
        r["severity"] == "Violation" and r["practice"] == "I.1" for r in bad.json()["results"]
    )
    _assert_secure(bad)


def test_every_accept_header(client: TestClient) -> None:
    data = VIOLATING.read_bytes()
    as_json = _post(client, data, "text/turtle").json()
    for accept in ACCEPTS:
        reply = _post(client, data, "text/turtle", accept)
        assert reply.status_code == 200
        assert reply.headers["content-type"].split(";")[0] == accept
        _assert_secure(reply)
    turtle = _post(client, data, "text/turtle", "text/turtle").text
    from rdflib import Graph, Literal

    from drugpolicy_kg.vocab import SH

    report = Graph().parse(data=turtle, format="turtle")
    assert (None, SH.conforms, Literal(False)) in report
    messages = {str(m) for m in report.objects(None, SH.resultMessage)}
    assert {r["message"] for r in as_json["results"]} <= messages
    rows = list(csv.DictReader(io.StringIO(_post(client, data, "text/turtle", "text/csv").text)))
    # The CLI's CSV (validate --format csv): one row per result, the message in plain words
    # (the JSON message names the entry first).
    assert len(rows) == len(as_json["results"])
    assert all(r["message"] in j["message"] for r, j in zip(rows, as_json["results"], strict=True))
    html_reply = _post(client, data, "text/turtle", "text/html")
    assert (
        "<style>" in html_reply.text
        and "style-src 'sha256-" in (html_reply.headers["content-security-policy"])
    )
    # q-values and wildcards
    reply = _post(client, data, "text/turtle", "text/csv;q=0.5, text/turtle;q=0.9")
    assert reply.headers["content-type"].startswith("text/turtle")
    reply = _post(client, data, "text/turtle", "*/*")
    assert reply.headers["content-type"].startswith("application/json")
    reply = _post(client, data, "text/turtle", "image/png")
    assert reply.status_code == 406


def test_multipart_file_and_text(client: TestClient) -> None:
    data = NLD.read_bytes()
    by_file = client.post("/api/validate", files={"file": ("nld-2024.ttl", data)})
    assert by_file.status_code == 200 and by_file.json()["conforms"] is True
    by_text = client.post(
        "/api/validate", files={"text": (None, data.decode()), "syntax": (None, "turtle")}
    )
    assert by_text.status_code == 200 and by_text.json()["conforms"] is True
    workbook = client.post("/api/validate", files={"file": ("plan.xlsx", plan_in(NLD, "xlsx"))})
    assert workbook.status_code == 200 and workbook.json()["conforms"] is True
    nothing = client.post("/api/validate", files={"syntax": (None, "turtle")})
    assert nothing.status_code == 400 and "no plan given" in nothing.json()["error"]


def test_octet_stream_is_detected_like_stdin(client: TestClient) -> None:
    reply = _post(client, plan_in(NLD, "json-ld"), "application/octet-stream")
    assert reply.status_code == 200 and reply.json()["conforms"] is True


def test_deadline_option(client: TestClient) -> None:
    late = client.post(
        "/api/validate?deadline=2024-01-01",
        content=NLD.read_bytes(),
        headers={"Content-Type": "text/turtle"},
    )
    assert late.status_code == 200
    assert any("1 January 2024" in r["message"] for r in late.json()["results"])
    bad = client.post(
        "/api/validate?deadline=soon",
        content=NLD.read_bytes(),
        headers={"Content-Type": "text/turtle"},
    )
    assert bad.status_code == 400 and "not a date" in bad.json()["error"]


# ------------------------------------------------------------------ the CLI's reports


def _rdf_inputs() -> list[Path]:
    files = sorted(EXAMPLES.glob("*.ttl")) + sorted((FIXTURES / "plans").glob("*.ttl"))
    files += [
        p
        for p in sorted((FIXTURES / "hostile").iterdir())
        if p.name.startswith(("ok-", "embedded", "bom", "misnamed"))
    ]
    return files


def test_cli_and_api_give_identical_json(client: TestClient, runner: Any) -> None:
    files = _rdf_inputs()
    assert len(files) >= 40, "the glob found the examples and the fixtures"
    import os

    here = os.getcwd()
    for path in files:
        os.chdir(path.parent)  # the report names the file as given: path.name on both sides
        try:
            cli_run = runner.invoke(cli, ["validate", path.name, "--format", "json"])
        finally:
            os.chdir(here)
        assert cli_run.exit_code in (0, 1), cli_run.output
        reply = client.post(
            f"/api/validate?name={path.name}",
            content=path.read_bytes(),
            headers={"Content-Type": "application/octet-stream"},
        )
        assert reply.status_code == 200, (path, reply.text)
        assert reply.text == cli_run.stdout, path


def test_cli_and_api_give_the_same_error(client: TestClient, runner: Any) -> None:
    for path in (FIXTURES / "hostile" / "syntax-error.ttl", FIXTURES / "hostile" / "latin1.ttl"):
        cli_run = runner.invoke(cli, ["validate", str(path)])
        assert cli_run.exit_code == 2
        cli_error = cli_run.stderr.strip().removeprefix("drugpolicy-kg: error: ")
        assert cli_error.startswith(str(path))
        reply = client.post(
            f"/api/validate?name={path.name}",
            content=path.read_bytes(),
            headers={"Content-Type": "text/turtle"},
        )
        assert reply.status_code == 400
        body = reply.json()
        assert body["error"] == path.name + cli_error.removeprefix(str(path))
        assert body["line"] is not None and f":{body['line']}:" in cli_error


# ------------------------------------------------------------------ hostile input


def test_hostile_uploads_are_refused_with_4xx(client: TestClient) -> None:
    laughs = _post(client, billion_laughs(), "application/rdf+xml")
    assert laughs.status_code == 400 and "DOCTYPE" in laughs.text
    deep = _post(client, deep_jsonld(), "application/ld+json")
    assert deep.status_code == 400 and "nest" in deep.json()["error"]
    for name in ("xxe.rdf", "remote-context.jsonld", "file-context.jsonld", "empty.ttl"):
        reply = client.post(
            "/api/validate",
            content=(FIXTURES / "hostile" / name).read_bytes(),
            headers={"Content-Type": "application/octet-stream"},
        )
        assert reply.status_code == 400, (name, reply.text)
        assert "Traceback" not in reply.text
    pdf = _post(client, b"%PDF-1.4 ...", "application/octet-stream")
    assert pdf.status_code == 400 and "PDF" in pdf.json()["error"]
    broken_book = _post(client, b"PK\x03\x04 not really a zip", XLSX)
    assert broken_book.status_code == 400 and ".xlsx" in broken_book.json()["error"]


def test_workbook_zip_bomb_is_refused_before_expansion(client: TestClient) -> None:
    import zipfile

    book = io.BytesIO(plan_in(NLD, "xlsx"))
    with zipfile.ZipFile(book, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", b"\0" * (120 * 1024 * 1024))
    data = book.getvalue()
    assert len(data) < 1024 * 1024  # small on the wire
    reply = _post(client, data, XLSX)
    assert reply.status_code == 400 and "too large once unpacked" in reply.json()["error"]


def test_too_large_is_413_before_reading_it_all(client: TestClient) -> None:
    big = b"#" * (50 * 1024 * 1024)  # 50 MB, generated here
    reply = _post(client, big, "text/turtle")
    assert reply.status_code == 413 and "limit" in reply.json()["error"]
    chunks_sent = 0

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
        nonlocal chunks_sent
        for _ in range(64):
            chunks_sent += 1
            yield b"#" * (1024 * 1024)

    streamed = client.post(
        "/api/validate", content=chunks(), headers={"Content-Type": "text/turtle"}
    )
    assert streamed.status_code == 413
    multipart = client.post("/api/validate", files={"file": ("big.ttl", big)})
    assert multipart.status_code == 413


def test_unknown_syntax_is_415(client: TestClient) -> None:
    assert _post(client, b"x", "application/pdf").status_code == 415
    assert _post(client, b"x", "application/x-www-form-urlencoded").status_code == 415
    reply = client.post(
        "/api/validate?syntax=yaml", content=b"x", headers={"Content-Type": "text/turtle"}
    )
    assert reply.status_code == 415 and "turtle" in reply.json()["error"]


def test_uploads_are_not_written_to_disk_nor_logged(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import tempfile

    def refuse(*_a: object, **_k: object) -> None:
        raise AssertionError("an upload touched the disk")

    for name in ("SpooledTemporaryFile", "TemporaryFile", "NamedTemporaryFile", "mkstemp"):
        monkeypatch.setattr(tempfile, name, refuse)
    marker = "SECRET-MARKER-5d1f"
    data = NLD.read_bytes().replace(b"ANPR", marker.encode()) + b"\n# " + b"x" * 3_000_000
    with caplog.at_level(logging.DEBUG):
        reply = client.post("/api/validate", files={"file": ("plan-" + marker + ".ttl", data)})
    assert reply.status_code == 200
    assert marker not in caplog.text
    assert re.search(r"validated \d+ bytes", caplog.text)


# ------------------------------------------------------------------ back-pressure and limits


def test_saturation_gives_503_with_retry_after() -> None:
    validator.configure(workers=1, queue=1)
    try:

        async def burst() -> list[httpx.Response]:
            transport = httpx.ASGITransport(app=_app())
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as ac:
                data = NLD.read_bytes()
                return await asyncio.gather(
                    *(
                        ac.post(
                            "/api/validate", content=data, headers={"Content-Type": "text/turtle"}
                        )
                        for _ in range(8)
                    )
                )

        replies = asyncio.run(burst())
        statuses = sorted(r.status_code for r in replies)
        assert statuses.count(200) == 2, statuses  # one running, one waiting
        assert statuses.count(503) == 6, statuses
        busy = next(r for r in replies if r.status_code == 503)
        assert busy.headers["retry-after"] == "1"
        assert "busy" in busy.json()["error"]
    finally:
        validator.configure(workers=2, queue=8)


def _sleep(seconds: float) -> str:
    import time

    time.sleep(seconds)
    return "slept"


def _crash() -> None:
    import os

    os._exit(3)


def test_pool_time_limit_kills_and_replaces_the_worker() -> None:
    import time

    # time.sleep itself as the task: a fresh worker imports nothing before running it
    pool = ValidationPool(time.sleep, workers=1, queue=0, timeout=2)

    async def scenario() -> None:
        with pytest.raises(TaskTimeout):
            await pool.run(120)
        assert pool.size == 0  # the worker was killed
        assert await pool.run(0) is None  # a fresh worker answers
        assert pool.stats.timeouts == 1 and pool.size == 1

    try:
        asyncio.run(scenario())
    finally:
        pool.close()


def test_pool_bounds_admission() -> None:
    pool = ValidationPool(_sleep, workers=1, queue=0, timeout=30)

    async def scenario() -> None:
        first = asyncio.ensure_future(pool.run(0.5))
        await asyncio.sleep(0)  # the first is admitted
        with pytest.raises(Saturated):
            await pool.run(0)
        assert await first == "slept"
        assert await pool.run(0) == "slept"

    try:
        asyncio.run(scenario())
    finally:
        pool.close()


def test_pool_never_starts_more_workers_than_asked() -> None:
    """Regression: concurrent first requests each started a worker (20 on 2 cores)."""
    pool = ValidationPool(_sleep, workers=2, queue=20, timeout=30)

    async def scenario() -> list[str]:
        return await asyncio.gather(*(pool.run(0.05) for _ in range(12)))

    try:
        assert asyncio.run(scenario()) == ["slept"] * 12
        assert pool.size == 2, pool.stats  # both started, none more
    finally:
        pool.close()


def test_a_crashed_worker_gives_500_without_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    from drugpolicy_kg.web.validator_pool import WorkerFailed

    pool = ValidationPool(_crash, workers=1, queue=0, timeout=10)

    async def scenario() -> None:
        with pytest.raises(WorkerFailed):
            await pool.run()

    try:
        asyncio.run(scenario())
    finally:
        pool.close()
    monkeypatch.setattr(validator, "_pool", ValidationPool(_crash, workers=1, queue=0))
    with TestClient(_app()) as c:
        reply = _post(c, NLD.read_bytes(), "text/turtle")
    assert reply.status_code == 500
    assert "Traceback" not in reply.text and "report it" in reply.json()["error"]
    monkeypatch.setattr(validator, "_pool", None)


# ------------------------------------------------------------------ the page


def test_page_is_a_plain_accessible_form(client: TestClient) -> None:
    page = client.get("/validate")
    assert page.status_code == 200
    _assert_secure(page)
    html = page.text
    for control in ("file", "text", "syntax", "deadline", "format"):
        assert f'<label for="{control}">' in html and f'id="{control}"' in html
    assert 'enctype="multipart/form-data"' in html and 'method="post"' in html
    assert "<script src=" in html and "<script>" not in html and " style=" not in html


def test_page_shows_the_cli_report(client: TestClient) -> None:
    reply = client.post(
        "/validate",
        files={"file": ("adopted-without-measures.ttl", VIOLATING.read_bytes())},
        data={"syntax": "auto", "format": "html"},
    )
    assert reply.status_code == 200
    _assert_secure(reply)
    assert 'data-conforms="false"' in reply.text
    assert "does not conform" in reply.text
    api = _post(client, VIOLATING.read_bytes(), "text/turtle").json()
    import html as html_lib

    for result in api["results"]:
        if result["severity"] != "Info":  # the page says where in words, then what is wrong
            assert html_lib.escape(result["message"].rsplit("): ", 1)[-1]) in reply.text
    # the downloads carry the API's bytes
    uri = re.search(r'href="data:application/json;charset=utf-8;base64,([^"]+)"', reply.text)
    assert uri is not None
    import base64

    def unnamed(report: dict[str, Any]) -> dict[str, Any]:  # the upload's name aside
        for result in report["results"]:
            if result.get("location"):
                result["location"].pop("file", None)
        return report

    assert unnamed(json.loads(base64.b64decode(uri.group(1)))) == unnamed(api)


def test_page_download_and_paste(client: TestClient) -> None:
    text = VIOLATING.read_text()
    download = client.post("/validate", data={"text": text, "syntax": "turtle", "format": "csv"})
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    bad = client.post("/validate", data={"text": "@prefix x: <y> .\n x:a x:b", "syntax": "turtle"})
    assert bad.status_code == 400
    assert "could not be read" in bad.text and "line 2" in bad.text
    assert "x:a x:b" in bad.text  # the pasted text is kept to fix it
    assert "Traceback" not in bad.text


def test_page_escapes_what_the_user_sent(client: TestClient) -> None:
    evil = "<img src=x onerror=alert(1)>.ttl"
    reply = client.post("/validate", files={"file": (evil, b"@prefix : <x> . :a :b")})
    assert reply.status_code == 400
    assert "<img src=x" not in reply.text and "&lt;img src=x" in reply.text


# ------------------------------------------------------------------ shapes, template, docs


def test_shapes_and_template(client: TestClient) -> None:
    shapes = client.get("/api/shapes")
    assert shapes.status_code == 200 and shapes.headers["content-type"].startswith("text/turtle")
    from rdflib import Graph

    from drugpolicy_kg.validation.engine import shapes_source

    assert len(Graph().parse(data=shapes.text, format="turtle")) == len(shapes_source())
    turtle = client.get("/api/template?state=NLD", headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200 and "dpo:ActionPlan" in turtle.text
    book = client.get("/api/template?state=nld", headers={"Accept": XLSX})
    assert book.headers["content-type"] == XLSX and book.content.startswith(b"PK")
    # the template round-trips through the validator: an unfilled template does not conform
    checked = _post(client, book.content, XLSX)
    assert checked.status_code == 200 and checked.json()["conforms"] is False
    assert client.get("/api/template?state=USA").status_code == 400
    missing = client.get("/api/template")
    assert missing.status_code == 400 and "state" in missing.json()["error"]
    _assert_secure(missing)
    assert client.get("/api/template?state=NLD&format=pdf").status_code == 400
    assert client.get("/api/template?state=NLD&format=csv").text.startswith("plan,")


def test_openapi_and_offline_docs(client: TestClient) -> None:
    spec = client.get("/api/openapi.json").json()
    assert {"/api/validate", "/api/shapes", "/api/template"} <= set(spec["paths"])
    body = spec["paths"]["/api/validate"]["post"]["requestBody"]["content"]
    assert "text/turtle" in body and "multipart/form-data" in body
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    scripts = re.findall(r'<script src="([^"]+)"', docs.text)
    assert scripts and all(s.startswith("/static/validator/") for s in scripts)
    for src in [*scripts, *re.findall(r'href="(/static/[^"]+)"', docs.text)]:
        assert client.get(src).status_code == 200, src
    assert client.get("/static/validator/swagger-ui/LICENSE.txt").status_code == 200
    assert client.get("/static/validator/../validator.py").status_code == 404


def test_the_page_shows_the_peers_of_the_uploaded_plan_among_the_servers_plans(
    client: TestClient,
) -> None:
    """``serve --plans DIR``: the page's report is followed by the peers to consult of the
    uploaded plan's state among the server's plans (Recital 12), as ``validate FILE --plans
    DIR`` gives them; the same report, section for section, and none without loaded plans."""
    from drugpolicy_kg.monitoring import render_peers
    from drugpolicy_kg.monitoring.peers import peers_for_files
    from drugpolicy_kg.monitoring.revisions import load_plans

    plans = FIXTURES.parent.parent / "examples" / "plans"
    loaded = [str(plans / "bel-2024.ttl"), str(plans / "nld-2024.ttl")]
    upload = plans / "fra-2024.ttl"
    without = client.post("/validate", files={"file": (upload.name, upload.read_bytes())})
    assert without.status_code == 200 and "Peers to consult" not in without.text

    app = _app()
    app.state.peer_plans = load_plans(loaded)
    with TestClient(app) as with_plans:
        reply = with_plans.post("/validate", files={"file": (upload.name, upload.read_bytes())})
    assert reply.status_code == 200
    _assert_secure(reply)
    assert "Peers to consult for France (FRA)" in reply.text
    assert "Recital 12:" in reply.text
    (expected,) = peers_for_files([str(upload)], loaded)
    for need in expected.needs:
        for peer in need.peers:
            assert f"{peer.state} {peer.name}" in reply.text
    assert any(need.peers for need in expected.needs)
    groups = render_peers.render_html_body(expected, heading="h3").count("<h4>")
    assert reply.text.count("<h4>") >= groups > 0
    # the server holding the same plan (same IRI) from another file: the upload stands for it
    app.state.peer_plans = load_plans([*loaded, str(upload)])
    with TestClient(app) as with_plans:
        again = with_plans.post("/validate", files={"file": ("my-fra.ttl", upload.read_bytes())})
    assert "(my-fra.ttl)" in again.text and f"({upload})" not in again.text


def test_peers_of_an_upload_of_many_plans_with_made_up_states_cost_little(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The peers are computed in the server process from the upload's records: an upload of
    5,000 plans with made-up states (or many plans of real ones) is cut to plans of states the
    KG knows, no more of them than there are states, before any peers are computed (not
    states x plans x practices)."""
    from drugpolicy_kg.monitoring import peers
    from drugpolicy_kg.monitoring.revisions import PlanRecord, load_plans, state_names

    loaded = load_plans([str(FIXTURES.parent.parent / "examples" / "plans")])
    made_up = [
        PlanRecord(f"https://example.org/p{i}", "many.ttl", f"X{i:04d}", None) for i in range(5000)
    ]
    real = [PlanRecord(f"https://example.org/q{i}", "many.ttl", "FRA", None) for i in range(5000)]
    calls: list[int] = []
    real_report = peers.peers_report

    def counting(plans, state):  # type: ignore[no-untyped-def]
        calls.append(len(plans))
        return real_report(plans, state)

    monkeypatch.setattr(peers, "peers_report", counting)
    assert validator._peers_html(made_up, loaded) == "" and calls == []
    validator._peers_html(real, loaded)
    known = len(state_names())
    assert len(calls) == 1 and calls[0] <= known + len(loaded)
