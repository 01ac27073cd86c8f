"""A network backstop: refuse connections while untrusted input is being read.

The loaders in :mod:`drugpolicy_kg.rdfio` never ask for the network on purpose (JSON-LD
contexts come from a vendored registry, XML DTDs are refused). This module catches what
they might miss: a library that quietly fetches a URL. It uses :func:`sys.addaudithook`
(PEP 578), which sees every ``socket.connect``, ``socket.getaddrinfo`` and
``urllib.Request`` in the process, whichever library makes them.

Audit hooks cannot be removed, so the hook is installed once and consults a
:class:`contextvars.ContextVar` holding the current :class:`Policy`. Outside any
:func:`no_network` block the policy is the process default (``ALLOW`` unless
:func:`set_default_policy` changed it, e.g. in a test suite's ``conftest.py``).

Limits, on purpose: a thread started inside :func:`no_network` does not inherit the
context variable (Python threads start with an empty context), so it falls back to the
process default; a child process started with ``fork`` inherits it. Raw system calls
made by C extensions without going through :mod:`socket` are not seen.
"""

from __future__ import annotations

import contextvars
import enum
import ipaddress
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from drugpolicy_kg.errors import NetworkBlockedError

__all__ = [
    "Policy",
    "allow_network",
    "check_endpoint_url",
    "current_policy",
    "explicitly_allowed",
    "install",
    "no_network",
    "set_default_policy",
]


class Policy(enum.Enum):
    """What the audit hook lets through."""

    ALLOW = "allow"
    """Everything (the normal state of a Python process)."""
    LOOPBACK = "loopback"
    """Only loopback addresses and local (``AF_UNIX``) sockets: a test server, ``serve``."""
    DENY = "deny"
    """Nothing, not even loopback or a DNS lookup."""


#: The audit events that reach the network (or resolve names, which leaks data via DNS).
_EVENTS = frozenset(
    {
        "socket.connect",
        "socket.getaddrinfo",
        "socket.gethostbyname",
        "socket.gethostbyaddr",
        "socket.sendto",
        "socket.sendmsg",
        "urllib.Request",
        "http.client.connect",
    }
)

_policy: contextvars.ContextVar[Policy | None] = contextvars.ContextVar(
    "drugpolicy_kg_network_policy", default=None
)
#: Attempts blocked in the current ``no_network`` block, so that an error swallowed by a
#: library (``except Exception: pass``) is still reported when the block ends.
_blocked: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "drugpolicy_kg_network_blocked", default=None
)
_default_policy = Policy.ALLOW
_install_lock = threading.Lock()
_installed = False


def install() -> None:
    """Install the audit hook once per process (idempotent, thread-safe)."""
    global _installed
    with _install_lock:
        if not _installed:
            sys.addaudithook(_hook)
            _installed = True


def set_default_policy(policy: Policy) -> None:
    """Set the policy used outside any :func:`no_network`/:func:`allow_network` block.

    For a test suite: ``set_default_policy(Policy.DENY)`` in ``conftest.py`` blocks the
    network everywhere, and a test that starts its own server wraps its client calls in
    ``allow_network(loopback_only=True)``.
    """
    global _default_policy
    install()
    _default_policy = policy


def current_policy() -> Policy:
    """The policy in force in the calling context."""
    return _policy.get() or _default_policy


def check_endpoint_url(url: str, *, what: str = "--endpoint") -> str:
    """``url`` if it is an absolute ``http(s)`` URL with a host; else an InputError (exit 2).

    A SPARQL endpoint is an HTTP service. urllib would also open ``file:`` and ``ftp:`` URLs
    (``--endpoint file:///etc/passwd`` read the file) and raises ValueError on a bare path
    or a broken IPv6 literal (``http://[::1``); each is refused here with a message.
    """
    from drugpolicy_kg.errors import InputError

    try:
        parts = urlsplit(url)
        host = parts.hostname
        _ = parts.port  # raises ValueError for a port that is not a number
    except ValueError as exc:
        raise InputError(f"{what} {url!r} is not a valid URL: {exc}") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise InputError(
            f"{what} {url!r} is not an http:// or https:// URL "
            "(a SPARQL endpoint is an HTTP service, e.g. http://localhost:7878/query)"
        )
    if not host:
        raise InputError(f"{what} {url!r} has no host name")
    return url


def explicitly_allowed() -> bool:
    """Whether the caller is inside :func:`allow_network` (not merely outside any block).

    A child process that evaluates an untrusted query (:mod:`drugpolicy_kg.engines.sandbox`)
    gets network access only then: by default it has none, whatever the process default is.
    """
    return _policy.get() in (Policy.ALLOW, Policy.LOOPBACK)


@contextmanager
def no_network(*, strict: bool = True) -> Iterator[None]:
    """Block every network access (loopback included) inside the ``with`` block.

    A blocked attempt raises :class:`~drugpolicy_kg.errors.NetworkBlockedError` where it
    happens. If some library catches that error and carries on, the block raises it again
    on exit (``strict``, the default), because its result may silently lack what the fetch
    would have given. Code that expects and handles the error passes ``strict=False``.
    """
    install()
    token = _policy.set(Policy.DENY)
    blocked_token = _blocked.set([] if strict else None)
    try:
        try:
            yield
        except NetworkBlockedError:
            raise
        except BaseException as exc:
            attempts = _blocked.get() or []
            if attempts:  # a library wrapped our error in its own: say what really happened
                raise _swallowed(attempts) from exc
            raise
        attempts = _blocked.get() or []
        if attempts:
            raise _swallowed(attempts)
    finally:
        _blocked.reset(blocked_token)
        _policy.reset(token)


@contextmanager
def allow_network(*, loopback_only: bool = False) -> Iterator[None]:
    """Re-allow the network inside the block (``serve``, ``query --endpoint``).

    ``loopback_only=True`` allows only loopback addresses and local sockets: loopback is
    never allowed implicitly inside :func:`no_network`.
    """
    install()
    token = _policy.set(Policy.LOOPBACK if loopback_only else Policy.ALLOW)
    blocked_token = _blocked.set(None)
    try:
        yield
    finally:
        _blocked.reset(blocked_token)
        _policy.reset(token)


def _swallowed(attempts: list[str]) -> NetworkBlockedError:
    return NetworkBlockedError(
        f"NETWORK BLOCKED: {attempts[0]} was refused while reading untrusted input "
        "(a library caught the error and carried on)"
    )


def _is_loopback_host(host: object) -> bool:
    if host is None or host in ("", b""):
        return True  # getaddrinfo(None, port): the local host
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    name = host.strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def _is_local_address(address: object) -> bool:
    """Whether a socket address is loopback or a local (``AF_UNIX``) socket."""
    if isinstance(address, str | bytes):
        return True  # AF_UNIX path or abstract socket
    if isinstance(address, tuple) and address:
        return _is_loopback_host(address[0])
    return False


def _describe(event: str, args: tuple[Any, ...]) -> tuple[str, bool]:
    """A readable target for the message, and whether it is local."""
    if event in ("socket.connect", "socket.sendto"):
        address = args[1] if len(args) > 1 else None
        return repr(address), _is_local_address(address)
    if event == "socket.sendmsg":
        address = args[1] if len(args) > 1 else None
        return repr(address), address is None or _is_local_address(address)
    if event in ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr"):
        host = args[0] if args else None
        return repr(host), _is_loopback_host(host)
    if event == "http.client.connect":
        host = args[1] if len(args) > 1 else None
        return f"{host}:{args[2] if len(args) > 2 else ''}", _is_loopback_host(host)
    # urllib.Request: (fullurl, data, headers, method)
    url = str(args[0]) if args else ""
    parts = urlsplit(url)
    local = parts.scheme in ("http", "https") and _is_loopback_host(parts.hostname)
    return url, local


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if event not in _EVENTS:  # the hook sees every audit event: keep this path cheap
        return
    policy = _policy.get() or _default_policy
    if policy is Policy.ALLOW:
        return
    target, local = _describe(event, args)
    if policy is Policy.LOOPBACK and local:
        return
    what = "non-loopback network access" if policy is Policy.LOOPBACK else "network access"
    message = (
        f"NETWORK BLOCKED: {what} is not allowed here ({event} to {target}). "
        "drugpolicy-kg never fetches anything while reading input: JSON-LD contexts must be "
        "vendored or inlined, and XML DTDs/entities are refused."
    )
    attempts = _blocked.get()
    if attempts is not None:
        attempts.append(f"{event} to {target}")
    raise NetworkBlockedError(message)
