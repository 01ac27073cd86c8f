"""Run the atheris harness for a few seconds when an interpreter with atheris is available.

atheris is not a project dependency. The test uses this interpreter if it imports atheris,
else ``$ATHERIS_PYTHON`` (e.g. a throwaway venv: ``python -m venv /tmp/atheris-venv &&
/tmp/atheris-venv/bin/pip install atheris``), and skips otherwise.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HARNESS = Path(__file__).with_name("atheris_validate.py")


def _atheris_python() -> str | None:
    if importlib.util.find_spec("atheris") is not None:
        return sys.executable
    candidate = os.environ.get("ATHERIS_PYTHON")
    if candidate and Path(candidate).exists():
        probe = subprocess.run([candidate, "-c", "import atheris"], capture_output=True)
        if probe.returncode == 0:
            return candidate
    return None


def test_atheris_harness_runs_clean(tmp_path: Path) -> None:
    python = _atheris_python()
    if python is None:
        pytest.skip("atheris is not installed (set ATHERIS_PYTHON to an interpreter that has it)")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for plan in sorted((ROOT / "examples" / "plans").glob("*.ttl")):
        (corpus / plan.name).write_bytes(b"\x00" + plan.read_bytes())
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT / "src"), sysconfig.get_paths()["purelib"], env.get("PYTHONPATH", "")]
    )
    done = subprocess.run(
        [python, str(HARNESS), "-max_total_time=5", "-rss_limit_mb=4096", str(corpus)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    assert "Done" in done.stderr
