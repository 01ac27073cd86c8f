"""The benchmark command must never rot: a tiny smoke run in the test suite (issue #7).

No test asserts a time: the machine is shared and noisy. These check that the one command runs,
writes its JSON, Markdown and figure, and that the report is a pure function of the JSON.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # ``benchmarks`` is a top-level folder, not part of the wheel
    sys.path.insert(0, str(ROOT))


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bench")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks",
            "--quick",
            "--only",
            "cli,build,scale",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return out


def test_quick_run_writes_json_markdown_and_figure(quick_run: Path) -> None:
    data = json.loads((quick_run / "latest.json").read_text(encoding="utf-8"))
    assert data["quick"] is True
    assert data["machine"]["cores"] and data["machine"]["python"]
    assert set(data["sections"]) == {"cli", "build", "scale"}
    for key, section in data["sections"].items():
        assert section["status"] in ("ok", "not available"), (key, section["reason"])
    build = data["sections"]["build"]
    assert build["status"] == "ok"
    assert all(r["median_s"] > 0 and r["repeats"] >= 1 for r in build["rows"])
    assert any(points for points in build["scaling"].values())
    md = (quick_run / "benchmarks.md").read_text(encoding="utf-8")
    assert "## Targets" in md and "## Machine" in md
    assert (quick_run / "scaling.png").read_bytes().startswith(b"\x89PNG")


def test_quick_run_does_not_publish(quick_run: Path) -> None:
    data = json.loads((quick_run / "latest.json").read_text(encoding="utf-8"))
    published = ROOT / "docs" / "benchmarks.json"
    if published.exists():
        assert (
            json.loads(published.read_text(encoding="utf-8"))["started_utc"] != data["started_utc"]
        )


def test_report_and_plot_are_deterministic(quick_run: Path) -> None:
    from benchmarks import plot, report

    data = json.loads((quick_run / "latest.json").read_text(encoding="utf-8"))
    assert report.markdown(data) == report.markdown(data)
    assert plot.render(data) == plot.render(data)


def test_missing_section_is_reported_not_fatal(tmp_path: Path) -> None:
    from benchmarks.__main__ import _call

    section = _call("bench_does_not_exist", "Nothing", quick=True, workdir=tmp_path)
    assert section["status"] == "not available"
    assert "does not exist" in section["reason"]


def test_harness_statistics() -> None:
    from benchmarks import harness

    assert harness.Timing([3.0, 1.0, 2.0]).median == 2.0
    assert harness.geomean([1.0, 100.0]) == pytest.approx(10.0)
    timing = harness.measure(lambda: None, repeats=3, warmup=0)
    assert len(timing.runs) == 3
