"""The validation page in a real browser (headless Chromium over DevTools): issue 14.

A person uploads a plan through the page with JavaScript off (a plain form post) and on
(no reload), and a workbook; the page shows the CLI's report; axe-core finds no serious or
critical accessibility violation; the Swagger UI documentation works offline under the
page's strict Content-Security-Policy. The DevTools client is the graph-view test's. Set
``DRUGPOLICY_KG_SCREENSHOTS=DIR`` to keep screenshots of each step.
"""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser_client import CHROMIUM, DevTools, launched
from validator_helpers import EXAMPLES, FIXTURES, Server, live_server, plan_in

pytestmark = [
    pytest.mark.integration,
    pytest.mark.allow_loopback,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing"),
]

NLD = EXAMPLES / "nld-2024.ttl"
VIOLATING = FIXTURES / "plans" / "adopted-without-measures.ttl"
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[DevTools]:
    yield from launched(tmp_path)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with live_server(tmp_path_factory.mktemp("browser")) as running:
        yield running


def _wait_for(b: DevTools, method: str, since: int, timeout: float = 30.0) -> dict[str, Any]:
    """An event recorded after index ``since`` (events that came during a call count too)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for event in b.events[since:]:
            if event["method"] == method:
                return event
        b.events.append(json.loads(b.ws.recv()))
    raise TimeoutError(method)


def _navigate(b: DevTools, url: str) -> None:
    since = len(b.events)
    b.call("Page.navigate", url=url)
    _wait_for(b, "Page.loadEventFired", since)


def _node(b: DevTools, selector: str) -> int:
    root = b.call("DOM.getDocument", depth=0)["root"]["nodeId"]
    node = b.call("DOM.querySelector", nodeId=root, selector=selector)["nodeId"]
    assert node, f"no element matches {selector}"
    return int(node)


def _click(b: DevTools, selector: str) -> None:
    """A real mouse click at the element's centre (works with JavaScript off)."""
    node = _node(b, selector)
    b.call("DOM.scrollIntoViewIfNeeded", nodeId=node)
    quad = b.call("DOM.getContentQuads", nodeId=node)["quads"][0]
    b.click_at((quad[0] + quad[4]) / 2, (quad[1] + quad[5]) / 2)


def _choose_file(b: DevTools, path: Path) -> None:
    b.call("DOM.setFileInputFiles", files=[str(path)], nodeId=_node(b, "#file"))


def _attribute(b: DevTools, selector: str, name: str) -> str | None:
    attrs = b.call("DOM.getAttributes", nodeId=_node(b, selector))["attributes"]
    return dict(zip(attrs[::2], attrs[1::2], strict=True)).get(name)


def _text(b: DevTools, selector: str) -> str:
    return str(b.call("DOM.getOuterHTML", nodeId=_node(b, selector))["outerHTML"])


def _screenshot(b: DevTools, name: str) -> None:
    folder = os.environ.get("DRUGPOLICY_KG_SCREENSHOTS")
    if folder:
        shot = b.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        Path(folder, f"{name}.png").write_bytes(base64.b64decode(shot["data"]))


def _outside(b: DevTools, server: Server) -> list[str]:
    return [
        u
        for u in b.requests()
        if not u.startswith((server.url, "data:", "about:", "blob:", "chrome-error:"))
    ]


def test_upload_without_javascript(browser: DevTools, server: Server) -> None:
    browser.call("DOM.enable")
    browser.call("Emulation.setScriptExecutionDisabled", value=True)
    _navigate(browser, server.url + "/validate")
    _choose_file(browser, VIOLATING)
    since = len(browser.events)
    _click(browser, "#submit")  # a plain form post: the page is replaced by the report page
    _wait_for(browser, "Page.loadEventFired", since)
    assert _attribute(browser, "#report", "data-conforms") == "false"
    report = _text(browser, "#report")
    assert "does not conform" in report and "Block I" in report
    assert "Download this report" in report
    _screenshot(browser, "1-no-js-report")
    # A syntax error: the message with its line, no traceback.
    _navigate(browser, server.url + "/validate")
    broken = FIXTURES / "hostile" / "syntax-error.ttl"
    _choose_file(browser, broken)
    since = len(browser.events)
    _click(browser, "#submit")
    _wait_for(browser, "Page.loadEventFired", since)
    error = _text(browser, "#error")
    assert "syntax-error.ttl:4:5" in error and "Look at line 4" in error
    assert "Traceback" not in error
    _screenshot(browser, "2-no-js-error")
    assert _outside(browser, server) == []


def test_upload_with_javascript_needs_no_reload(browser: DevTools, server: Server) -> None:
    browser.call("DOM.enable")
    _navigate(browser, server.url + "/validate")
    assert browser.js("document.documentElement.classList.contains('js')")
    browser.js("window.__sameDocument = 1")
    _choose_file(browser, NLD)
    assert browser.wait_js(
        "document.getElementById('file-chosen').textContent.includes('nld-2024.ttl')"
    )
    _click(browser, "#submit")
    assert browser.wait_js("document.querySelector('#result #report') !== null")
    assert browser.js("window.__sameDocument") == 1, "the page was not reloaded"
    assert browser.js("document.querySelector('#report').dataset.conforms") == "true"
    assert browser.js("document.activeElement.id") == "result"  # focus moves to the report
    _screenshot(browser, "3-js-report-conforms")

    # A workbook (.xlsx), as the coordinator's route writes it
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        book = Path(folder, "plan.xlsx")
        book.write_bytes(plan_in(VIOLATING, "xlsx"))
        _choose_file(browser, book)
        _click(browser, "#submit")
        assert browser.wait_js("document.querySelector('#report')?.dataset.conforms === 'false'")
    text = browser.js("document.querySelector('#report').textContent")
    assert "plan.xlsx: does not conform" in text and "I.1" in text
    json_link = browser.js("document.querySelector('.downloads a').getAttribute('download')")
    assert json_link == "plan-report.json"
    _screenshot(browser, "4-js-report-workbook")

    # Drag and drop onto the file field
    browser.js("document.getElementById('file').value = ''")
    drop = browser.js(
        "(() => { const r = document.getElementById('drop-zone').getBoundingClientRect();"
        " return {x: r.left + r.width / 2, y: r.top + r.height / 2}; })()"
    )
    browser.js("document.getElementById('drop-zone').scrollIntoView()")
    drop = browser.js(
        "(() => { const r = document.getElementById('drop-zone').getBoundingClientRect();"
        " return {x: r.left + r.width / 2, y: r.top + r.height / 2}; })()"
    )
    data = {"items": [], "files": [str(NLD)], "dragOperationsMask": 1}
    for kind in ("dragEnter", "dragOver", "drop"):
        browser.call("Input.dispatchDragEvent", type=kind, x=drop["x"], y=drop["y"], data=data)
    assert browser.wait_js(
        "document.getElementById('file').files.length === 1 &&"
        " document.getElementById('file-chosen').textContent.includes('nld-2024.ttl')"
    )
    assert browser.errors() == []
    assert _outside(browser, server) == []


def test_page_has_no_serious_accessibility_violation(browser: DevTools, server: Server) -> None:
    """axe-core (vendored from npm) on the empty form, a report and an error."""
    browser.call("DOM.enable")
    browser.call("Page.setBypassCSP", enabled=True)  # to inject axe; the page is unchanged
    axe = AXE.read_text(encoding="utf-8")
    run = (
        "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v =>"
        " ({id: v.id, impact: v.impact, help: v.help,"
        "   nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})))"
    )

    def audit(label: str) -> None:
        browser.js(axe)
        found = browser.js(run)
        serious = [v for v in found if v["impact"] in ("serious", "critical")]
        assert serious == [], f"{label}: {serious}"

    _navigate(browser, server.url + "/validate")
    audit("empty form")
    _choose_file(browser, VIOLATING)
    _click(browser, "#submit")
    assert browser.wait_js("document.querySelector('#result #report') !== null")
    audit("report")
    browser.js("document.getElementById('text').value = '@prefix : <x> .\\n:a :b'")
    browser.js("document.getElementById('file').value = ''")
    _click(browser, "#submit")
    assert browser.wait_js("document.querySelector('#result #error') !== null")
    audit("error")
    _screenshot(browser, "5-js-error")


def test_api_docs_work_offline(browser: DevTools, server: Server) -> None:
    _navigate(browser, server.url + "/api/docs")
    assert browser.wait_js("document.querySelectorAll('.opblock').length >= 3", timeout=30)
    summaries = browser.js(
        "Array.from(document.querySelectorAll('.opblock-summary-path')).map(e => e.textContent)"
    )
    assert {"/api/validate", "/api/shapes", "/api/template"} <= {
        s.replace("\u200b", "") for s in summaries
    }
    _screenshot(browser, "6-api-docs")
    assert browser.errors() == [], browser.errors()
    assert _outside(browser, server) == []
