"""The network backstop (issue #8): audit-hook blocking, loopback only when asked."""

from __future__ import annotations

import contextlib
import socket
import threading
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import rdflib

from drugpolicy_kg.errors import InputError, NetworkBlockedError
from drugpolicy_kg.netguard import Policy, allow_network, current_policy, no_network

#: The real ``connect``: ``conftest.py`` replaces it in every test with a guard that raises
#: before the audit event fires; these tests exercise the audit hook itself.
_REAL_CONNECT = socket.socket.connect

#: TEST-NET-1 (RFC 5737): never routed, and the hook fires before any packet is sent.
EXTERNAL = ("192.0.2.1", 80)


@pytest.fixture
def loopback_server() -> Iterator[tuple[str, int]]:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    yield server.getsockname()
    server.close()


def _connect(address: tuple[str, int]) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(2)
        _REAL_CONNECT(sock, address)


def _blocked(fn: Callable[..., Any], *args: Any, match: str = "NETWORK BLOCKED") -> None:
    with pytest.raises(NetworkBlockedError, match=match), no_network():
        fn(*args)


def test_no_network_blocks_connect_dns_and_urllib() -> None:
    _blocked(_connect, EXTERNAL)
    _blocked(socket.getaddrinfo, "example.org", 443)
    _blocked(socket.gethostbyname, "example.org")
    _blocked(urllib.request.urlopen, "https://example.org/ctx", match=r"example\.org/ctx")
    _blocked(urllib.request.urlopen, "file:///etc/hostname")
    # the guard's errors are input errors: exit code 2, no traceback
    assert issubclass(NetworkBlockedError, InputError)


@pytest.mark.allow_loopback
def test_loopback_is_blocked_unless_explicitly_allowed(loopback_server: tuple[str, int]) -> None:
    _connect(loopback_server)  # outside any block: the normal process
    _blocked(_connect, loopback_server)
    _blocked(socket.getaddrinfo, "localhost", 80)
    with no_network(), allow_network(loopback_only=True):
        assert current_policy() is Policy.LOOPBACK
        _connect(loopback_server)
        socket.getaddrinfo("localhost", 80)
        with pytest.raises(NetworkBlockedError, match="non-loopback"):
            _connect(EXTERNAL)
        with pytest.raises(NetworkBlockedError):
            urllib.request.urlopen("https://example.org/")
    _connect(loopback_server)


def test_allow_network_reallows_everything_inside_no_network() -> None:
    with no_network():
        assert current_policy() is Policy.DENY
        with allow_network():
            assert current_policy() is Policy.ALLOW
        assert current_policy() is Policy.DENY
    assert current_policy() is Policy.ALLOW


def test_a_swallowed_block_is_raised_again_on_exit() -> None:
    with (
        pytest.raises(NetworkBlockedError, match="caught the error"),
        no_network(),
        contextlib.suppress(Exception),  # what a careless library might do
    ):
        _connect(EXTERNAL)


def test_non_strict_block_lets_the_caller_handle_the_error() -> None:
    with no_network(strict=False):
        with contextlib.suppress(NetworkBlockedError):
            _connect(EXTERNAL)
        assert current_policy() is Policy.DENY


def test_a_wrapped_block_is_reported_as_what_it_was() -> None:
    with pytest.raises(NetworkBlockedError), no_network():
        try:
            _connect(EXTERNAL)
        except Exception as exc:
            raise RuntimeError("library wrapper") from exc


def test_backstop_stops_plain_rdflib_fetching_a_remote_context() -> None:
    """The naive path (rdflib alone) tries to fetch the context; the guard stops it."""
    doc = '{"@context": "https://example.org/remote-context.jsonld", "@id": "https://e/a"}'
    with pytest.raises(NetworkBlockedError), no_network():
        rdflib.Graph().parse(data=doc, format="json-ld")


def test_policy_is_per_thread_context() -> None:
    seen: list[Policy] = []
    with no_network():
        thread = threading.Thread(target=lambda: seen.append(current_policy()))
        thread.start()
        thread.join()
    assert seen == [Policy.ALLOW]  # documented limit: threads start with a fresh context
