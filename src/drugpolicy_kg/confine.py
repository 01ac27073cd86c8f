"""Confining a child process that handles hostile input: no network, bounded memory, no orphan.

Each function applies to the calling process only and is meant to run first thing in a
freshly forked child (:mod:`drugpolicy_kg.engines.sandbox`, :mod:`drugpolicy_kg.limits`) or
in a ``preexec_fn`` (the ``serve`` command's oxigraph server). They are Linux facilities
reached through ``ctypes``; elsewhere they report that they could not apply, and the
callers' other guards remain (the SPARQL check, the Python audit hook of
:mod:`drugpolicy_kg.netguard`).

Why not the audit hook alone: pyoxigraph evaluates ``SERVICE`` in Rust, which opens its
sockets without passing through Python, so only the kernel can stop it.
"""

from __future__ import annotations

import ctypes
import os
import platform
import resource
import signal
import struct
import sys

__all__ = ["block_network", "die_with_parent", "limit_memory"]

_PR_SET_PDEATHSIG = 1
_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2
_CLONE_NEWNET = 0x40000000
_CLONE_NEWUSER = 0x10000000

# seccomp BPF, from linux/filter.h and linux/seccomp.h
_BPF_LD_W_ABS = 0x20
_BPF_JEQ_K = 0x15
_BPF_JGE_K = 0x35
_BPF_RET_K = 0x06
_SECCOMP_RET_ALLOW = 0x7FFF0000
_SECCOMP_RET_ERRNO = 0x00050000
_EACCES = 13
_AF_INET = 2
_AF_INET6 = 10
#: (audit architecture, socket syscall number) per machine.
_ARCHES = {
    "x86_64": (0xC000003E, 41),
    "aarch64": (0xC00000B7, 198),
}
_X32_SYSCALL_BIT = 0x40000000


def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def die_with_parent(sig: int = signal.SIGKILL) -> bool:
    """Ask the kernel to send ``sig`` to this process when its parent dies (even by SIGKILL).

    Returns whether it applied. A child started by a process that is killed outright would
    otherwise keep running, orphaned (issue #11: ``serve``'s oxigraph after a SIGKILL).
    """
    libc = _libc()
    if libc is None:
        return False
    if libc.prctl(_PR_SET_PDEATHSIG, sig, 0, 0, 0) != 0:
        return False
    # The parent may have died between fork and prctl: then nobody would send the signal.
    if os.getppid() == 1:
        os.kill(os.getpid(), sig)
    return True


def _filter_program(audit_arch: int, socket_nr: int) -> list[tuple[int, int, int, int]]:
    """A BPF program: ``socket(AF_INET | AF_INET6, ...)`` fails with EACCES, all else runs.

    Unix sockets and pipes stay usable (the child talks to its parent through a pipe).
    A syscall of another architecture (32-bit compatibility calls) is refused outright,
    since its numbers differ; so is the x32 ABI on x86_64.
    """
    deny = _SECCOMP_RET_ERRNO | _EACCES
    return [
        (_BPF_LD_W_ABS, 0, 0, 4),  # 0: A = arch
        (_BPF_JEQ_K, 1, 0, audit_arch),  # 1: native? skip the next
        (_BPF_RET_K, 0, 0, deny),  # 2: foreign arch: refuse
        (_BPF_LD_W_ABS, 0, 0, 0),  # 3: A = syscall number
        (_BPF_JGE_K, 5, 0, _X32_SYSCALL_BIT),  # 4: x32 -> 10 (deny)
        (_BPF_JEQ_K, 0, 3, socket_nr),  # 5: socket? else -> 9 (allow)
        (_BPF_LD_W_ABS, 0, 0, 16),  # 6: A = low word of args[0] (the address family)
        (_BPF_JEQ_K, 2, 0, _AF_INET),  # 7: -> 10 (deny)
        (_BPF_JEQ_K, 1, 0, _AF_INET6),  # 8: -> 10 (deny)
        (_BPF_RET_K, 0, 0, _SECCOMP_RET_ALLOW),  # 9
        (_BPF_RET_K, 0, 0, deny),  # 10
    ]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def _seccomp_no_inet(libc: ctypes.CDLL) -> bool:
    arch = _ARCHES.get(platform.machine())
    if arch is None or sys.byteorder != "little":
        return False
    program = _filter_program(*arch)
    raw = b"".join(struct.pack("<HBBI", *insn) for insn in program)
    buffer = ctypes.create_string_buffer(raw, len(raw))
    fprog = _SockFprog(len(program), ctypes.cast(buffer, ctypes.c_void_p))
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return False
    return bool(libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) == 0)


def block_network() -> str | None:
    """Make every later IPv4/IPv6 socket of this process fail; returns how, or ``None``.

    First a seccomp filter (unprivileged, permanent for this process and its children),
    else a new, empty network namespace (root, or where unprivileged user namespaces are
    allowed). Must run in a single-threaded process for the namespace fallback.
    """
    libc = _libc()
    if libc is None:
        return None
    try:
        if _seccomp_no_inet(libc):
            return "seccomp"
    except (OSError, AttributeError):
        pass
    for flags in (_CLONE_NEWNET, _CLONE_NEWUSER | _CLONE_NEWNET):
        if libc.unshare(flags) == 0:
            return "netns"
    return None


def current_address_space() -> int:
    """This process's virtual memory size in bytes (0 where ``/proc`` is missing)."""
    try:
        with open("/proc/self/statm", "rb") as fh:
            pages = int(fh.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE")


def limit_memory(extra_bytes: int) -> bool:
    """Cap this process's address space at its current size plus ``extra_bytes``.

    A forked child starts with its parent's mappings, so the cap counts from there.
    Allocation beyond it fails: ``MemoryError`` in Python, an abort in Rust code.
    """
    if extra_bytes <= 0:
        return False
    limit = current_address_space() + extra_bytes
    try:
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (OSError, ValueError):
        return False
    return True
