"""The interactive HTML view in a real browser: headless Chromium driven over DevTools.

Proves what a unit test of the HTML text cannot: the page opens from a file:// URL, runs,
renders every node, logs no console error, fetches nothing, and shows a practice's text
after a search and after a real (synthesised) mouse click.

Chromium speaks the DevTools protocol on a loopback port (``--remote-debugging-port=0``;
the port is read from ``DevToolsActivePort``). The client is ``tests/browser_client.py`` (a
minimal RFC 6455 WebSocket, so the test needs no extra Python package). Skips when
/usr/bin/chromium is missing (Debian: ``apt-get install chromium``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser_client import CHROMIUM, DevTools, launched

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"{CHROMIUM} is missing: install Debian's chromium package to run the browser test",
    ),
]


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[DevTools]:
    yield from launched(tmp_path)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    from drugpolicy_kg.graph.html import view_data, write_html
    from drugpolicy_kg.graph.projection import project, read_plans
    from drugpolicy_kg.kg import cached_kg

    proj = project(cached_kg(), read_plans([Path(__file__).parent / "fixtures/graph/plans"]))
    out = tmp_path_factory.mktemp("html") / "view.html"
    write_html(proj, out)
    return out, view_data(proj)


def _open(browser: DevTools, url: str) -> None:
    browser.call("Page.navigate", url=url)
    browser.wait_event("Page.loadEventFired")
    browser.wait_js("document.documentElement.getAttribute('data-ready')")


@pytest.mark.allow_loopback
def test_view_renders_offline_and_search_shows_practice_text(
    browser: DevTools, page: tuple[Path, dict[str, Any]], kg_graph: Any
) -> None:
    from drugpolicy_kg.vocab import DCTERMS, practice_iri

    path, data = page
    _open(browser, path.as_uri() + "#search=III.3")

    assert browser.js("document.querySelectorAll('#view .node').length") == len(data["nodes"])
    assert browser.js("document.querySelectorAll('#view line.edge').length") == len(data["edges"])
    visible = browser.js(
        "Array.from(document.querySelectorAll('#view .node circle')).filter(c => {"
        " const r = c.getBoundingClientRect(); return r.width > 1 && r.height > 1 &&"
        " r.right > 0 && r.bottom > 0 && r.left < innerWidth && r.top < innerHeight; }).length"
    )
    assert visible == len(data["nodes"]), "every node is drawn inside the window"
    legend = browser.js("document.getElementById('legend').textContent")
    assert "best practice" in legend and "tool" in legend and "legal instrument" in legend

    text = str(kg_graph.value(practice_iri("III.3"), DCTERMS.description))
    assert browser.js("document.getElementById('node-text').textContent") == text
    assert browser.js("document.documentElement.getAttribute('data-selected')") == str(
        practice_iri("III.3")
    )
    links = browser.js("document.querySelector('#details ul.links').textContent")
    assert "SIENA" in links and "Secured Information Exchange Network Application" in links

    # The search box, as a user types into it.
    browser.js("document.getElementById('search').focus()")
    browser.js("document.getElementById('search').value = ''")
    browser.call("Input.insertText", text="IV.16")
    browser.js("document.getElementById('search-form').requestSubmit()")
    text16 = str(kg_graph.value(practice_iri("IV.16"), DCTERMS.description))
    assert browser.wait_js(
        f"document.getElementById('node-text')?.textContent === {json.dumps(text16)}"
    )

    assert browser.errors() == []
    outside = [u for u in browser.requests() if not u.startswith(("file:", "data:", "about:"))]
    assert outside == [], f"the page fetched {outside}"


@pytest.mark.allow_loopback
def test_clicking_a_practice_shows_its_text(
    browser: DevTools, page: tuple[Path, dict[str, Any]], kg_graph: Any
) -> None:
    from drugpolicy_kg.vocab import DCTERMS

    path, _data = page
    _open(browser, path.as_uri())
    assert browser.js("document.getElementById('node-text')") is None
    # The first practice whose circle is on top at its own centre (not under another node).
    target = browser.js(
        "(() => { for (const g of document.querySelectorAll('#view .node.kind-practice')) {"
        " const r = g.querySelector('circle').getBoundingClientRect();"
        " const x = r.left + r.width / 2, y = r.top + r.height / 2;"
        " const hit = document.elementFromPoint(x, y);"
        " if (hit && hit.closest('.node') === g) return {id: g.dataset.id, x, y}; }"
        " return null; })()"
    )
    assert target, "some practice can be clicked"
    browser.click_at(target["x"], target["y"])
    from rdflib import URIRef

    text = str(kg_graph.value(URIRef(target["id"]), DCTERMS.description))
    assert browser.wait_js(
        f"document.getElementById('node-text')?.textContent === {json.dumps(text)}"
    )
    assert browser.js("document.documentElement.getAttribute('data-selected')") == target["id"]
    assert browser.errors() == []
