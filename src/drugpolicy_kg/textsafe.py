"""Text from untrusted input, made safe to show on a terminal (issue #11, item 9).

A plan's literal or a file name can carry ESC, OSC or CR sequences: printed raw they change
the window title, erase lines or hide the rest of a report. :func:`for_terminal` shows every
control character visibly, as a Python-style escape (``\\x1b``, ``\\r``, ``\\u202e``), so the
reader sees that something odd is there and the terminal interprets nothing.

Only human-facing output goes through it (text reports, tables, warnings, error messages).
JSON, RDF, CSV and the other machine formats keep the exact data: their own escaping
applies, and altering values there would corrupt them.
"""

from __future__ import annotations

import logging
import re

__all__ = ["TerminalFormatter", "for_terminal", "use_for_logging"]

# C0 controls except TAB and LF, DEL, C1 controls (CSI is U+009B), and the Unicode format
# characters that reorder or hide text (bidirectional overrides and isolates, the line and
# paragraph separators that some terminals honour).
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escape(m: re.Match[str]) -> str:
    code = ord(m.group(0))
    if code == 0x0D:
        return "\\r"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def for_terminal(text: str, *, keep_newlines: bool = True) -> str:
    """``text`` with control characters shown as escapes (``\\x1b``) instead of acting.

    Tabs stay; newlines stay unless ``keep_newlines`` is false (a value that should fit on
    one line, such as a table cell or a file name, shows them as ``\\n``). A backslash is
    left as it is: the output is for reading, not for parsing back.
    """
    out = _UNSAFE.sub(_escape, text)
    if not keep_newlines:
        out = out.replace("\n", "\\n")
    return out


class TerminalFormatter(logging.Formatter):
    """A log formatter whose lines show control characters as escapes.

    Warnings quote the input (a plan's file name, state or status, as in ``graph``'s
    "unknown status ... ignored"), so they are neutralised like every other message.
    """

    def format(self, record: logging.LogRecord) -> str:
        return for_terminal(super().format(record))


def use_for_logging(fmt: str = "%(levelname)s: %(message)s") -> None:
    """Give the root logger's stream handlers a :class:`TerminalFormatter` (the CLI calls
    this after ``logging.basicConfig``); other handlers (a test's log capture) are left."""
    for handler in logging.getLogger().handlers:
        if type(handler) is logging.StreamHandler:
            handler.setFormatter(TerminalFormatter(fmt))
