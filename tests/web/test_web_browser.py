"""The web app in a real browser: headless Chromium driven over the DevTools protocol.

home -> search "SIENA" -> the tool page -> a practice that uses it -> a legal act it rests
on, with real key presses and mouse clicks; then the graph view. Every page must render with
no console error and no request outside the app, and the graph's node boxes (which hold the
labels) must not overlap, asserted from Cytoscape's rendered bounding boxes. Screenshots go to
``$DRUGPOLICY_KG_SCREENSHOTS`` (default: the test's temporary folder) and are listed on stdout.

The DevTools client is ``tests/browser_client.py`` (a minimal RFC 6455 WebSocket), shared with
the other browser tests. Skips when /usr/bin/chromium is missing.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from browser_client import CHROMIUM, DevTools, launched

pytestmark = [
    pytest.mark.integration,
    pytest.mark.allow_loopback,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"{CHROMIUM} is missing: install Debian's chromium package to run the browser test",
    ),
]


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[DevTools]:
    yield from launched(tmp_path, window="1400,1000", wait_timeout=30.0)


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    out = Path(os.environ.get("DRUGPOLICY_KG_SCREENSHOTS") or tmp_path / "screenshots")
    out.mkdir(parents=True, exist_ok=True)
    return out


def wait_page(browser: DevTools, path_end: str) -> None:
    browser.wait_js(
        f"location.pathname.endsWith({json.dumps(path_end)}) && document.readyState === 'complete'"
    )


OVERLAPS = """(() => {
  const c = document.querySelector(%s);
  const cy = c._cy;
  const boxes = cy.nodes().filter(n => !n.data('compound') && n.visible())
    .map(n => ({id: n.id(), b: n.renderedBoundingBox({includeLabels: true})}));
  const hits = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i].b, b = boxes[j].b;
    if (a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2) hits.push([boxes[i].id, boxes[j].id]);
  }
  return {n: boxes.length, hits, zoom: cy.zoom(), faded: cy.nodes('.faded').length,
          font: parseFloat(cy.nodes().filter(n => !n.data('compound'))[0].style('font-size'))};
})()"""


def assert_readable_graph(browser: DevTools, selector: str, at_least: int) -> None:
    browser.wait_js(f"document.querySelector({json.dumps(selector)})?.getAttribute('data-ready')")
    res = browser.js(OVERLAPS % json.dumps(selector))
    assert res["n"] >= at_least
    assert res["hits"] == [], f"overlapping labels: {res['hits'][:10]}"
    assert res["font"] * res["zoom"] >= 10, f"labels of {res['font'] * res['zoom']:.1f} px"
    if selector == "#cy-neighbourhood":  # every node shown is a neighbour, linked by an edge
        assert res["faded"] == 0


def test_home_search_tool_practice_act(browser: DevTools, live_server: str, shots: Path) -> None:
    browser.call("Page.navigate", url=live_server + "/")
    wait_page(browser, "/")
    browser.screenshot(shots / "1-home.png")
    browser.click("#search-box")
    browser.call("Input.insertText", text="SIENA")
    first = browser.wait_js("document.querySelector('#search-results a.hit')?.getAttribute('href')")
    assert first == "id/tool/SIENA"
    browser.screenshot(shots / "2-search.png")
    browser.click("#search-results a.hit")
    wait_page(browser, "/id/tool/SIENA")
    assert "Secure Information Exchange Network Application" in browser.js("document.title")
    assert_readable_graph(browser, "#cy-neighbourhood", 4)
    browser.screenshot(shots / "3-tool.png")

    practice = browser.js(
        "document.querySelector('.card ul.links a.kind-practice').getAttribute('href')"
    )
    assert practice.startswith("../practice/")
    browser.click(".card ul.links a.kind-practice")
    wait_page(browser, practice.removeprefix(".."))
    marks = browser.js(
        "[...document.querySelectorAll('.evidence-mark')].map(e => e.getAttribute('href'))"
    )
    assert "../tool/SIENA" in marks, marks  # the words that ground the link are highlighted
    assert_readable_graph(browser, "#cy-neighbourhood", 3)
    browser.screenshot(shots / "4-practice.png")

    act = "main a.kind-legal"
    href = browser.wait_js(f"document.querySelector({json.dumps(act)})?.getAttribute('href')")
    browser.click(act)
    wait_page(browser, href.rsplit("/", 1)[-1])
    assert browser.js("document.querySelector('.badge').textContent") == "legal instrument"
    tag = browser.js("document.querySelector('.tag-cited, .tag-muted')?.textContent")
    assert tag in ("cited by the Decision", "background")
    assert_readable_graph(browser, "#cy-neighbourhood", 2)
    browser.screenshot(shots / "5-act.png")

    errors = browser.errors()
    assert errors == [], "\n".join(errors)
    outside = [u for u in browser.requests() if not u.startswith((live_server, "data:", "about:"))]
    assert outside == [], f"requests outside the app: {outside}"


def test_graph_view_is_readable(browser: DevTools, live_server: str, shots: Path) -> None:
    browser.call("Page.navigate", url=live_server + "/graph")
    wait_page(browser, "/graph")
    assert_readable_graph(browser, "#cy-main", 50)
    browser.screenshot(shots / "6-graph.png")
    # Focus on a node through the Find box, then filter to block II only.
    browser.click("#g-find")
    browser.call("Input.insertText", text="SIENA")
    browser.js("document.getElementById('g-find').dispatchEvent(new Event('change'))")
    assert browser.wait_js("document.getElementById('g-open')?.getAttribute('href')") == (
        "id/tool/SIENA"
    )
    browser.js(
        "(() => { const s = document.getElementById('g-block'); s.value = 'II';"
        " s.dispatchEvent(new Event('change')); })()"
    )
    shown_js = (
        "document.getElementById('cy-main')._cy.nodes()"
        ".filter(n => n.visible() && n.data('kind') === 'practice').map(n => n.data('label'))"
    )
    # Poll: on a loaded machine the renderer may still be busy with the Find animation.
    with contextlib.suppress(TimeoutError):
        browser.wait_js(
            f"(() => {{ const s = {shown_js}; return s.length > 0 && s.every(l => l.startsWith('II.')); }})()",
            timeout=20,
        )
    shown = browser.js(shown_js)
    state = browser.js("document.getElementById('g-block').value")
    assert shown and all(label.startswith("II.") for label in shown), (
        state,
        shown,
        browser.errors(),
    )
    browser.screenshot(shots / "7-graph-block-II.png")
    errors = browser.errors()
    assert errors == [], "\n".join(errors)
    outside = [u for u in browser.requests() if not u.startswith((live_server, "data:", "about:"))]
    assert outside == []


@pytest.mark.parametrize("path", ["/sparql", "/ontology", "/id/decision/7301-24", "/nope"])
def test_other_pages_load_cleanly(browser: DevTools, live_server: str, path: str) -> None:
    browser.call("Page.navigate", url=live_server + path)
    wait_page(browser, path)
    if path == "/sparql":
        browser.wait_js("document.querySelector('.CodeMirror') !== null")
        browser.click("button.example[data-name='practices-using-tool']")
        browser.wait_js(
            "document.querySelector('.CodeMirror').CodeMirror.getValue().includes('VALUES')"
        )
    errors = browser.errors()
    if path == "/nope":  # the 404 itself is logged by the browser; nothing else may be
        errors = [e for e in errors if "404" not in e]
    assert errors == []
    outside = [u for u in browser.requests() if not u.startswith((live_server, "data:", "about:"))]
    assert outside == []


@pytest.fixture(scope="module")
def static_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from drugpolicy_kg.web.site import write_site

    out = tmp_path_factory.mktemp("site") / "site"
    write_site(out)
    return out


def test_static_site_works_from_disk(browser: DevTools, static_site: Path, shots: Path) -> None:
    browser.call("Page.navigate", url=(static_site / "index.html").as_uri())
    browser.wait_js("document.readyState === 'complete'")
    browser.click("#search-box")
    browser.call("Input.insertText", text="SIENA")
    href = browser.wait_js("document.querySelector('#search-results a.hit')?.getAttribute('href')")
    assert href == "id/tool/SIENA.html"
    browser.click("#search-results a.hit")
    browser.wait_js("location.pathname.endsWith('/id/tool/SIENA.html')")
    assert_readable_graph(browser, "#cy-neighbourhood", 4)
    browser.click("a.kind-practice")
    browser.wait_js("location.pathname.includes('/id/practice/')")
    browser.call("Page.navigate", url=(static_site / "graph.html").as_uri())
    browser.wait_js("document.readyState === 'complete'")
    assert_readable_graph(browser, "#cy-main", 50)
    browser.screenshot(shots / "8-static-graph.png")
    assert browser.errors() == []
    outside = [u for u in browser.requests() if not u.startswith(("file:", "data:", "about:"))]
    assert outside == []
