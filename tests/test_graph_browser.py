"""The interactive HTML view in a real browser: headless Chromium driven over DevTools.

Proves what a unit test of the HTML text cannot: the page opens from a file:// URL, runs,
renders every node, logs no console error, fetches nothing, and shows a practice's text
after a search and after a real (synthesised) mouse click.

Chromium speaks the DevTools protocol on a loopback port (``--remote-debugging-port=0``;
the port is read from ``DevToolsActivePort``). The WebSocket client below is a minimal
RFC 6455 client, so the test needs no extra Python package. Skips when /usr/bin/chromium
is missing (Debian: ``apt-get install chromium``).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import struct
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("DRUGPOLICY_KG_CHROMIUM", "/usr/bin/chromium"))

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"{CHROMIUM} is missing: install Debian's chromium package to run the browser test",
    ),
]


class WebSocket:
    """Just enough RFC 6455 for DevTools: masked text frames out, text frames in."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        assert url.startswith("ws://")
        hostport, _, path = url[5:].partition("/")
        host, _, port = hostport.partition(":")
        self.sock = socket.create_connection((host, int(port)), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            (
                f"GET /{path} HTTP/1.1\r\nHost: {hostport}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                "Sec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        self.reader = self.sock.makefile("rb")
        status = self.reader.readline()
        assert b" 101 " in status, status
        while self.reader.readline() not in (b"\r\n", b""):
            pass

    def send(self, text: str) -> None:
        payload = text.encode()
        head = bytearray([0x81])
        n = len(payload)
        if n < 126:
            head.append(0x80 | n)
        elif n < 1 << 16:
            head += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)
        head += mask
        self.sock.sendall(bytes(head) + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def _exact(self, n: int) -> bytes:
        data = self.reader.read(n)
        if data is None or len(data) < n:
            raise ConnectionError("DevTools closed the connection")
        return data

    def recv(self) -> str:
        parts: list[bytes] = []
        while True:
            b0, b1 = self._exact(2)
            opcode, n = b0 & 0x0F, b1 & 0x7F
            if n == 126:
                (n,) = struct.unpack(">H", self._exact(2))
            elif n == 127:
                (n,) = struct.unpack(">Q", self._exact(8))
            mask = self._exact(4) if b1 & 0x80 else b""
            payload = self._exact(n)
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            if opcode == 0x8:
                raise ConnectionError("DevTools closed the connection")
            if opcode == 0x9:  # ping: answer, keep reading
                continue
            if opcode in (0x0, 0x1):
                parts.append(payload)
                if b0 & 0x80:
                    return b"".join(parts).decode()

    def close(self) -> None:
        self.sock.close()


class DevTools:
    """A page session over the browser's WebSocket, with every event recorded."""

    def __init__(self, ws_url: str) -> None:
        self.ws = WebSocket(ws_url)
        self.next_id = 0
        self.events: list[dict[str, Any]] = []
        target = self.call("Target.createTarget", url="about:blank", session=False)["targetId"]
        self.session = self.call(
            "Target.attachToTarget", targetId=target, flatten=True, session=False
        )["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable")

    def call(self, method: str, session: bool = True, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        msg: dict[str, Any] = {"id": self.next_id, "method": method, "params": params}
        if session:
            msg["sessionId"] = self.session
        self.ws.send(json.dumps(msg))
        while True:
            reply = json.loads(self.ws.recv())
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def wait_event(self, method: str, timeout: float = 20.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        seen = len(self.events)
        while time.monotonic() < deadline:
            for ev in self.events[seen:]:
                if ev["method"] == method:
                    return ev
            seen = len(self.events)
            self.events.append(json.loads(self.ws.recv()))
        raise TimeoutError(method)

    def js(self, expression: str) -> Any:
        res = self.call(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in res:
            raise RuntimeError(f"{expression}: {res['exceptionDetails']}")
        return res["result"].get("value")

    def wait_js(self, expression: str, timeout: float = 20.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.js(expression)
            if value:
                return value
            time.sleep(0.05)
        raise TimeoutError(expression)

    def errors(self) -> list[str]:
        out = []
        for ev in self.events:
            p = ev.get("params", {})
            if ev["method"] == "Runtime.exceptionThrown":
                out.append(json.dumps(p.get("exceptionDetails", {}))[:400])
            elif ev["method"] == "Runtime.consoleAPICalled" and p.get("type") in (
                "error",
                "assert",
            ):
                out.append(json.dumps(p.get("args", []))[:400])
            elif ev["method"] == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                out.append(p["entry"].get("text", ""))
        return out

    def requests(self) -> list[str]:
        return [
            ev["params"]["request"]["url"]
            for ev in self.events
            if ev["method"] == "Network.requestWillBeSent"
        ]


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[DevTools]:
    profile = tmp_path / "profile"
    profile.mkdir()
    proc = subprocess.Popen(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--window-size=1400,900",
            f"--user-data-dir={profile}",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (
            port_file.exists() and len(port_file.read_text().splitlines()) >= 2
        ):
            if proc.poll() is not None:
                pytest.fail(f"chromium exited with {proc.returncode} before DevTools started")
            time.sleep(0.05)
        port, path = port_file.read_text().splitlines()[:2]
        tools = DevTools(f"ws://127.0.0.1:{port}{path}")
        yield tools
        tools.ws.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(profile, ignore_errors=True)


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
    for kind in ("mousePressed", "mouseReleased"):
        browser.call(
            "Input.dispatchMouseEvent",
            type=kind,
            x=target["x"],
            y=target["y"],
            button="left",
            buttons=1 if kind == "mousePressed" else 0,
            clickCount=1,
        )
    from rdflib import URIRef

    text = str(kg_graph.value(URIRef(target["id"]), DCTERMS.description))
    assert browser.wait_js(
        f"document.getElementById('node-text')?.textContent === {json.dumps(text)}"
    )
    assert browser.js("document.documentElement.getAttribute('data-selected')") == target["id"]
    assert browser.errors() == []
