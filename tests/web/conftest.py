"""Fixtures of the web tests: one app over the packaged KG and the example plans, per session.

``live_server`` runs the same app under uvicorn on a free loopback port (a real server, for
raw HTTP requests and the browser test).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLANS = str(ROOT / "examples" / "plans")


@pytest.fixture(scope="session")
def web() -> Any:
    from drugpolicy_kg.graph.projection import read_plans
    from drugpolicy_kg.web.pages import WebKG

    return WebKG(plans=read_plans([PLANS]))


@pytest.fixture(scope="session")
def app(web: Any) -> Any:
    from drugpolicy_kg.web.app import create_app

    return create_app(web, plans=[PLANS], timeout=10.0)


@pytest.fixture(scope="session")
def client(app: Any) -> Any:
    from starlette.testclient import TestClient

    return TestClient(app, raise_server_exceptions=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def live_server(app: Any) -> Iterator[str]:
    import uvicorn

    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
