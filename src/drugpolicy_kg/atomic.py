"""Atomic, deterministic file output (the ODK ``$@.tmp && mv`` habit).

A writer never leaves a half-written file: content goes to a temporary file in the same
folder, is flushed to disk, and replaces the target with one ``os.replace``. A process killed
halfway leaves the previous file intact.

Issue #11, item 11:

* a target that is not a regular file (``/dev/null``, ``/dev/stdout``, a FIFO, a terminal) is
  written directly: replacing it would swap a device for a regular file (as root, for all);
* a replaced file keeps its mode; a new file gets ``0o666`` minus the umask, as ``open`` would;
* the temporary file is anonymous where the kernel allows it (Linux ``O_TMPFILE``): it has no
  name until its content is complete and synced, so a SIGKILL leaves nothing behind. Elsewhere
  a named ``.NAME.*.tmp`` is used, and such leftovers older than an hour are removed.

A failure to write (read-only file system, no space, a folder where the file should be) is an
:class:`~drugpolicy_kg.errors.InputError` naming the output file (exit 2).
"""

from __future__ import annotations

import os
import stat
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any

from .errors import InputError


class OutputError(InputError, OSError):
    """An output file could not be written (exit 2 through the CLI's error mapping).

    Also an ``OSError``, so callers that treat a failed write as optional (a cache) keep
    catching it as before.
    """

    def __init__(self, message: str, source: str | None = None) -> None:
        InputError.__init__(self, message, source)


#: Leftover named temporary files older than this (seconds) are removed by the next write.
STALE_AFTER = 3600.0


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "wb") -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; on success it replaces ``path`` atomically."""
    target = Path(path)
    encoding = None if "b" in mode else "utf-8"
    newline = None if encoding is None else ""
    try:
        existing = os.stat(target)
    except OSError:
        existing = None
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        if stat.S_ISDIR(existing.st_mode):
            raise OutputError("is a directory; name a file to write", str(target))
        # a device, FIFO or terminal: write to it as it is (nothing to replace)
        try:
            fh = open(target, mode, encoding=encoding, newline=newline)  # noqa: SIM115
        except OSError as exc:
            raise _write_error(exc, target) from None
        with fh:
            yield fh
        return
    perms = stat.S_IMODE(existing.st_mode) if existing is not None else 0o666 & ~_umask()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale(target)
        fd, tmp = _temporary(target)
    except OSError as exc:
        raise _write_error(exc, target) from None
    try:
        with os.fdopen(fd, mode, encoding=encoding, newline=newline) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
            os.fchmod(fh.fileno(), perms)
            if tmp is None:  # anonymous: give it a name only now, complete and synced
                tmp = _name_anonymous(fh.fileno(), target, perms)
        os.replace(tmp, target)
    except OSError as exc:
        if tmp is not None:
            with suppress(OSError):
                os.unlink(tmp)
        raise _write_error(exc, target) from None
    except BaseException:
        if tmp is not None:
            with suppress(OSError):
                os.unlink(tmp)
        raise


#: Devices (``st_dev``) where an O_TMPFILE file could not be given a name (overlayfs).
_NO_TMPFILE: set[int] = set()


def _temporary(target: Path) -> tuple[int, str | None]:
    """An anonymous file in the target's folder (O_TMPFILE), else a named one."""
    flag = getattr(os, "O_TMPFILE", 0)
    if flag and os.stat(target.parent).st_dev not in _NO_TMPFILE:
        try:
            return os.open(target.parent, flag | os.O_RDWR | os.O_CLOEXEC, 0o600), None
        except OSError:
            pass  # the file system or kernel lacks O_TMPFILE
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    return fd, tmp


def _name_anonymous(fd: int, target: Path, perms: int) -> str:
    """Link an O_TMPFILE file into the folder under a fresh temporary name.

    Where the file system refuses (overlayfs answers EXDEV), the content is copied to a
    named temporary file instead, and O_TMPFILE is not tried again on that device.
    """
    for attempt in range(100):
        name = str(target.parent / f".{target.name}.{os.getpid()}.{attempt}.tmp")
        try:
            os.link(f"/proc/self/fd/{fd}", name, follow_symlinks=True)
            return name
        except FileExistsError:
            continue
        except OSError:
            break
    _NO_TMPFILE.add(os.fstat(fd).st_dev)
    out, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        while chunk := os.read(fd, 1 << 20):
            os.write(out, chunk)
        os.fsync(out)
        os.fchmod(out, perms)
    except BaseException:
        os.close(out)
        with suppress(OSError):
            os.unlink(tmp)
        raise
    os.close(out)
    return tmp


def _remove_stale(target: Path) -> None:
    """Remove ``.NAME.*.tmp`` leftovers of killed writers, once they are an hour old."""
    now = time.time()
    with suppress(OSError):
        for entry in os.scandir(target.parent):
            name = entry.name
            if name.startswith(f".{target.name}.") and name.endswith(".tmp"):
                with suppress(OSError):
                    info = entry.stat(follow_symlinks=False)
                    if stat.S_ISREG(info.st_mode) and now - info.st_mtime > STALE_AFTER:
                        os.unlink(entry.path)


def _write_error(exc: OSError, target: Path) -> OutputError:
    reason = exc.strerror or str(exc)
    return OutputError(f"cannot write the output: {reason}", str(target))


def write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_open(path, "wb") as fh:
        fh.write(data)


def write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write UTF-8 ``text`` to ``path`` atomically, with ``\\n`` line endings."""
    write_bytes(path, text.encode("utf-8"))
