"""Shared test fixtures.

- ``kg_graph``: the compiled KG (rdflib Graph), built once per session; do not modify it.
- ``built_kg``: a folder holding the output of ``build`` (drugpolicy-kg.ttl etc.).
- ``runner``: a click CliRunner for in-process CLI tests.

The network is blocked in every test (LinkML-style guard): a test that needs a server starts
its own on loopback and marks itself with ``@pytest.mark.allow_loopback``.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

_real_connect = socket.socket.connect


def _is_loopback(address: object) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    return isinstance(host, str) and (host.startswith("127.") or host in ("::1", "localhost"))


@pytest.fixture(autouse=True)
def _block_network(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    allow_loopback = request.node.get_closest_marker("allow_loopback") is not None

    def guarded_connect(self: socket.socket, address: object) -> object:
        if self.family == socket.AF_UNIX or (allow_loopback and _is_loopback(address)):
            return _real_connect(self, address)  # type: ignore[arg-type]
        raise RuntimeError(f"network access blocked in tests: {address!r}")

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "allow_loopback: the test talks to its own loopback server")


@pytest.fixture(scope="session")
def kg_graph():  # type: ignore[no-untyped-def]
    from drugpolicy_kg.kg import cached_kg

    return cached_kg()


@pytest.fixture(scope="session")
def built_kg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from drugpolicy_kg.build import build

    out = tmp_path_factory.mktemp("built")
    build(out)
    return out


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


FIXTURES = Path(__file__).parent / "fixtures"
