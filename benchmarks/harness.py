"""Timing helpers shared by every benchmark: medians of repeats, machine facts, the report.

Why medians of repeats, side by side: the benchmark machine is shared and noisy (2 cores), so
one timing means little and an absolute figure from another day means less. Every figure here is
the median of several runs, taken in the same process run as the alternatives it is compared to,
and the report states ratios beside the absolute figures together with the load average.

The report is one JSON document (schema below), the input of :mod:`benchmarks.report` (Markdown)
and :mod:`benchmarks.plot` (the scaling figure). A section is what one benchmark returns; the
other engineers' ``bench_*.py`` modules are asked for the same shape (see ``__main__``)::

    {"title": str, "status": "ok" | "not available" | "failed", "reason": str,
     "rows": [{"group", "name", "median_s", "runs", "n", "ratio", "ratio_to", "note", ...}],
     "notes": [str], "targets": [{"name", "target", "value", "met", "detail"}],
     "scaling": {"series name": [{"plans", "triples", "median_s", "runs"}]}}
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

#: Libraries whose versions the report records.
LIBRARIES = (
    "drugpolicy-kg",
    "rdflib",
    "pyshacl",
    "pyoxigraph",
    "oxigraph",
    "networkx",
    "owlready2",
    "owlrl",
    "matplotlib",
    "click",
)


@dataclass
class Timing:
    """Wall-clock durations of one measured thing, in seconds."""

    runs: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    def row(self, group: str, name: str, **extra: Any) -> dict[str, Any]:
        """A report row: median, every run, and what else the caller knows (n, triples...)."""
        return {
            "group": group,
            "name": name,
            "median_s": round(self.median, 6),
            "min_s": round(min(self.runs), 6),
            "max_s": round(max(self.runs), 6),
            "repeats": len(self.runs),
            "runs": [round(r, 6) for r in self.runs],
            **extra,
        }


def measure(fn: Callable[[], object], repeats: int = 5, warmup: int = 1) -> Timing:
    """Time ``fn`` ``repeats`` times after ``warmup`` untimed calls; GC is collected between runs.

    The warm-up pays one-off costs (imports, caches) that a steady-state figure should not hold;
    a cold-start figure is measured separately, in a fresh process (:func:`measure_command`).
    """
    for _ in range(warmup):
        fn()
    runs: list[float] = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return Timing(runs)


def measure_command(
    argv: Sequence[str],
    repeats: int = 7,
    warmup: int = 1,
    env: dict[str, str] | None = None,
    cwd: str | Path | None = None,
    timeout: float = 300.0,
) -> Timing:
    """Time a fresh process (cold start as a user sees it); a non-zero exit above 1 fails."""

    def once() -> None:
        done = subprocess.run(
            list(argv), capture_output=True, env=env, cwd=cwd, timeout=timeout, check=False
        )
        if done.returncode not in (0, 1):
            err = done.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            raise RuntimeError(f"{' '.join(argv)} exited {done.returncode}: {' | '.join(err)}")

    return measure(once, repeats=repeats, warmup=warmup)


def geomean(values: Sequence[float]) -> float:
    """Geometric mean: the right mean of ratios (one slow query cannot dominate)."""
    positive = [v for v in values if v > 0]
    if not positive:
        return math.nan
    return math.exp(sum(math.log(v) for v in positive) / len(positive))


def ratio(slow: float, fast: float) -> float:
    return slow / fast if fast > 0 else math.nan


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _git_commit() -> str | None:
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
            cwd=Path(__file__).parent,
        )
        if done.returncode == 0:
            return done.stdout.strip()
    return None


def load_average() -> list[float] | None:
    with contextlib.suppress(OSError, AttributeError):
        return [round(x, 2) for x in os.getloadavg()]
    return None


def machine_info() -> dict[str, Any]:
    """CPU, cores, memory, OS, Python and library versions: what a reader needs to compare."""
    versions = {}
    for lib in LIBRARIES:
        try:
            versions[lib] = metadata.version(lib)
        except metadata.PackageNotFoundError:
            versions[lib] = None
    mem_gb = None
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": affinity,
        "memory_gb": mem_gb,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "libraries": versions,
        "git_commit": _git_commit(),
        "load_average_start": load_average(),
    }


@dataclass
class Section:
    """What one benchmark returns: rows, notes, targets and scaling series (see module doc)."""

    title: str
    status: str = "ok"
    reason: str = ""
    rows: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    targets: list[dict[str, Any]] = field(default_factory=list)
    scaling: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "status": self.status,
            "reason": self.reason,
            "rows": self.rows,
            "notes": self.notes,
            "targets": self.targets,
            "scaling": self.scaling,
        }

    def target(
        self, name: str, target: str, value: float | None, met: bool | None, detail: str = ""
    ) -> None:
        """Record a target as met / not met, with the figure it was judged on."""
        self.targets.append(
            {
                "name": name,
                "target": target,
                "value": None if value is None else round(value, 6),
                "met": met,
                "detail": detail,
            }
        )


def unavailable(title: str, reason: str) -> Section:
    return Section(title=title, status="not available", reason=reason)


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def dump_json(data: Any) -> str:
    """Stable JSON text: sorted keys, two-space indent, final newline."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_json(path: Path, data: Any) -> None:
    from drugpolicy_kg.atomic import write_text

    write_text(path, dump_json(data))


@contextlib.contextmanager
def progress(label: str) -> Iterator[None]:
    """Say on stderr what runs and how long it took (a full run lasts minutes)."""
    start = time.perf_counter()
    print(f"[bench] {label} ...", file=sys.stderr, flush=True)
    try:
        yield
    finally:
        print(f"[bench] {label}: {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)
