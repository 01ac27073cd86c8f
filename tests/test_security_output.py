"""Issue #11, items 8, 9 and 11: clear errors instead of tracebacks, escapes shown not run,
and outputs that respect devices, modes and the umask."""

from __future__ import annotations

import http.server
import json
import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from drugpolicy_kg.atomic import OutputError, write_text
from drugpolicy_kg.cli import cli
from drugpolicy_kg.textsafe import for_terminal

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "examples" / "plans" / "nld-2024.ttl"

# --- item 9: terminal escapes --------------------------------------------------------------

HOSTILE = "x\x1b]0;pwned\x07\x1b[2K\rhidden\u202eevil\x9b31m"


def test_for_terminal_shows_every_control_character() -> None:
    shown = for_terminal(HOSTILE)
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in shown)
    assert "\\x1b]0;pwned\\x07" in shown and "\\r" in shown and "\\u202e" in shown
    assert for_terminal("a\tb\nc") == "a\tb\nc"
    assert for_terminal("a\nb", keep_newlines=False) == "a\\nb"


@pytest.fixture
def endpoint() -> Iterator[str]:
    """A SPARQL endpoint answering one column (the query projects more) with a hostile value."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", 0)))
            body = json.dumps(
                {
                    "head": {"vars": ["x\x1b[31m"]},
                    "results": {
                        "bindings": [
                            {"x\x1b[31m": {"type": "literal", "value": HOSTILE}},
                            {"other": {"type": "literal", "value": "q"}},
                        ]
                    },
                }
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST

        def log_message(self, *_a: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/query"
    server.shutdown()
    server.server_close()


@pytest.mark.allow_loopback
@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_query_table_shows_escapes_from_a_remote_endpoint(runner, endpoint: str, fmt: str) -> None:
    from drugpolicy_kg import netguard

    with netguard.allow_network(loopback_only=True):
        result = runner.invoke(
            cli, ["query", "eu-systems-ranked", "--endpoint", endpoint, "-f", fmt]
        )
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\r" not in result.output
    assert "\\x1b]0;pwned" in result.output


@pytest.mark.allow_loopback
def test_machine_formats_keep_the_exact_value(runner, endpoint: str) -> None:
    from drugpolicy_kg import netguard

    with netguard.allow_network(loopback_only=True):
        result = runner.invoke(
            cli, ["query", "eu-systems-ranked", "--endpoint", endpoint, "-f", "json"]
        )
    assert result.exit_code == 0
    assert json.loads(result.output)["results"]["bindings"][0]["x\x1b[31m"]["value"] == HOSTILE


def test_error_messages_show_escapes_of_file_names(runner, tmp_path: Path) -> None:
    bad = tmp_path / "evil\x1b]0;title\x07.ttl"
    bad.write_bytes(b"this is not turtle {")
    result = runner.invoke(cli, ["query", "adoption-matrix", "--plans", str(bad), "--no-cache"])
    assert result.exit_code == 2
    assert "\x1b" not in result.output and "evil\\x1b]0;title\\x07.ttl" in result.output


def test_validate_text_report_shows_escapes(runner, tmp_path: Path) -> None:
    plan = tmp_path / "p\x1b[2J.ttl"
    text = PLAN.read_text(encoding="utf-8")
    plan.write_text(text, encoding="utf-8")
    result = runner.invoke(cli, ["validate", str(plan)])
    assert "\x1b" not in result.output, result.output
    assert "p\\x1b[2J.ttl" in result.output


def test_log_warnings_show_escapes(runner, tmp_path: Path) -> None:
    import logging

    from drugpolicy_kg.textsafe import TerminalFormatter

    record = logging.LogRecord("x", logging.WARNING, "f", 1, "%s: unknown", (HOSTILE,), None)
    line = TerminalFormatter("%(levelname)s: %(message)s").format(record)
    assert "\x1b" not in line and "WARNING: x\\x1b]0;pwned" in line


# --- item 8: clear messages, exit 2 ---------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "words"),
    [
        ("/etc/passwd", "is not an http:// or https:// URL"),
        ("file:///etc/passwd", "is not an http:// or https:// URL"),
        ("http://[::1", "is not a valid URL"),
        ("http://host:port/", "is not a valid URL"),
        ("http:///query", "has no host name"),
    ],
)
def test_bad_endpoints_are_exit_2_with_a_message(runner, endpoint: str, words: str) -> None:
    result = runner.invoke(cli, ["query", "eu-systems-ranked", "--endpoint", endpoint])
    assert result.exit_code == 2, result.output
    assert words in result.output and "Traceback" not in result.output
    assert "root:" not in result.output


@pytest.mark.allow_loopback
def test_fewer_columns_than_projected_is_not_a_traceback(runner, endpoint: str) -> None:
    from drugpolicy_kg import netguard

    for fmt in ("table", "csv", "tsv", "json", "markdown"):
        with netguard.allow_network(loopback_only=True):
            result = runner.invoke(
                cli, ["query", "eu-systems-ranked", "--endpoint", endpoint, "-f", fmt]
            )
        assert result.exit_code == 0, (fmt, result.output)


def unwritable_outputs(tmp_path: Path) -> list[Path]:
    """Output paths that cannot be written, whoever runs the tests (root included)."""
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    return [blocker / "out.txt", tmp_path / "a-folder"]


OUTPUT_COMMANDS = [
    ["query", "eu-systems-ranked", "-o", "{out}"],
    ["validate", str(PLAN), "-o", "{out}"],
    ["graph", "export", "-f", "graphml", "-o", "{out}"],
    ["graph", "draw", "html", "-o", "{out}.html"],
    ["build", "--out", "{out}"],
    ["plan", "template", "--state", "NLD", "-o", "{out}"],
    ["plan", "export", str(PLAN), "-o", "{out}.csv"],
]


@pytest.mark.parametrize("args", OUTPUT_COMMANDS)
def test_unwritable_output_is_exit_2_with_the_file_named(runner, tmp_path: Path, args) -> None:
    for suffix in ("", ".html", ".csv"):
        (tmp_path / f"a-folder{suffix}").mkdir()
    for out in unwritable_outputs(tmp_path):
        if args[0] == "build" and out.name == "a-folder":
            continue  # build writes into a folder
        argv = [a.replace("{out}", str(out)) for a in args]
        result = runner.invoke(cli, argv)
        assert result.exit_code == 2, (argv, result.output, result.exception)
        assert "Traceback" not in result.output
        # our message names the file; click's own check of -o says "Invalid value"
        assert "drugpolicy-kg: error:" in result.output or "Invalid value" in result.output


def test_read_only_file_system(tmp_path: Path) -> None:
    """A real read-only mount, where the test may create one (root in a Linux container)."""
    import subprocess

    ro = tmp_path / "ro"
    ro.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(ro)], capture_output=True
    )
    if made.returncode != 0:
        pytest.skip("cannot mount a read-only file system here")
    try:
        with pytest.raises(OutputError, match="Read-only file system"):
            write_text(ro / "x.txt", "x")
    finally:
        subprocess.run(["umount", str(ro)], check=False)


# --- item 11: devices, modes, umask, leftovers ------------------------------------------------


def test_writing_to_a_device_writes_to_it(tmp_path: Path) -> None:
    before = os.stat("/dev/null")
    write_text("/dev/null", "nothing")
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino


def test_writing_to_a_fifo_writes_through_it(tmp_path: Path) -> None:
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    write_text(fifo, "through the pipe\n")
    reader.join(10)
    assert got == [b"through the pipe\n"] and stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_replaced_file_keeps_its_mode_and_new_files_follow_the_umask(tmp_path: Path) -> None:
    old = tmp_path / "old.txt"
    old.write_text("old", encoding="utf-8")
    os.chmod(old, 0o600)
    write_text(old, "new")
    assert stat.S_IMODE(os.stat(old).st_mode) == 0o600 and old.read_text() == "new"
    mask = os.umask(0o077)
    try:
        write_text(tmp_path / "new.txt", "x")
    finally:
        os.umask(mask)
    assert stat.S_IMODE(os.stat(tmp_path / "new.txt").st_mode) == 0o600


def test_no_temporary_file_is_left_by_a_killed_writer(tmp_path: Path) -> None:
    """SIGKILL in the middle of a write leaves the old file and nothing else (or, where the
    file system lacks anonymous files, a leftover that the next write removes once stale)."""
    import signal
    import subprocess
    import sys
    import time

    target = tmp_path / "out.txt"
    target.write_text("old", encoding="utf-8")
    code = (
        "import sys, time; sys.path.insert(0, sys.argv[2])\n"
        "from drugpolicy_kg.atomic import atomic_open\n"
        "with atomic_open(sys.argv[1], 'w') as fh:\n"
        "    fh.write('partial'); fh.flush(); print('writing', flush=True); time.sleep(60)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(target), str(ROOT / "src")], stdout=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stdout.readline() == b"writing\n"
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    assert target.read_text() == "old"
    leftovers = [p for p in tmp_path.iterdir() if p.name != "out.txt"]
    if leftovers:  # no O_TMPFILE here: the next write cleans a stale leftover
        stale = time.time() - 7200
        for p in leftovers:
            os.utime(p, (stale, stale))
        write_text(target, "new")
        assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]
