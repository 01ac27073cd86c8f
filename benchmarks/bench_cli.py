"""CLI cold start: fresh processes, as a user at a terminal or a script in CI meets them.

Why subprocesses: an in-process timing hides what a user pays first, which is importing
Python, click and (unless imports are lazy) rdflib, pySHACL and owlready2. The interpreter's own
start (``python -c pass``) and a bare ``import rdflib`` are timed beside, so the figures read
as "what the project adds" and "what lazy imports save".
"""

from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from .harness import Section, Timing, measure_command, progress, ratio

TARGET_HELP_S = 0.3
TARGET_VALIDATE_27_S = 2.0
#: A catalogue query over the KG alone (no plans needed).
QUERY = "addressees"


def _cli() -> list[str]:
    """The installed console script beside this interpreter, else ``python -m drugpolicy_kg``."""
    script = Path(sys.executable).parent / "drugpolicy-kg"
    return [str(script)] if script.exists() else [sys.executable, "-m", "drugpolicy_kg"]


def _has_command(module: str) -> bool:
    try:
        return importlib.util.find_spec(f"drugpolicy_kg.commands.{module}") is not None
    except ModuleNotFoundError:
        return False


def run(quick: bool = False) -> dict[str, Any]:
    """Time the CLI's cold starts; return a report section (harness schema)."""
    section = Section(title="CLI cold start (fresh process each run)")
    repeats = 2 if quick else 7
    cli = _cli()
    with tempfile.TemporaryDirectory() as tmp:
        # A private cache folder: the first query fills it (timed as such), the rest reuse it.
        env = {**os.environ, "DRUGPOLICY_KG_CACHE": str(Path(tmp) / "cache")}
        timings: dict[str, Timing] = {}

        def timed(name: str, argv: list[str], reps: int = repeats, warmup: int = 1) -> Timing:
            with progress(f"cli: {name}"):
                timings[name] = measure_command(argv, repeats=reps, warmup=warmup, env=env)
            return timings[name]

        floor = timed("python -c pass", [sys.executable, "-c", "pass"])
        timed("python -c 'import rdflib'", [sys.executable, "-c", "import rdflib"])
        helped = timed("drugpolicy-kg --help", [*cli, "--help"])
        section.target(
            "`drugpolicy-kg --help`",
            f"≤ {TARGET_HELP_S} s",
            helped.median,
            helped.median <= TARGET_HELP_S,
            f"{helped.median:.3f} s median of {len(helped.runs)}; the interpreter alone "
            f"takes {floor.median:.3f} s",
        )
        if _has_command("query"):
            if not quick:
                timed(f"query {QUERY} (empty cache)", [*cli, "query", QUERY], reps=1, warmup=0)
            timed(f"query {QUERY}", [*cli, "query", QUERY])
        else:
            section.notes.append("`drugpolicy-kg query` not available: not timed.")
        if quick:
            section.notes.append("Quick run: the validate command is not timed.")
        elif _has_command("validate"):
            from drugpolicy_kg import synth

            plans = synth.generate(synth.SynthConfig())
            files = [str(f) for f in synth.write_corpus(plans, Path(tmp) / "plans")]
            timed("validate 1 plan", [*cli, "validate", files[0]])
            v27 = timed("validate 27 plans", [*cli, "validate", *files], reps=max(1, repeats // 2))
            section.target(
                "`drugpolicy-kg validate` 27 plans (validation issue)",
                f"≤ {TARGET_VALIDATE_27_S} s",
                v27.median,
                v27.median <= TARGET_VALIDATE_27_S,
                f"{v27.median:.2f} s median of {len(v27.runs)}, fresh process",
            )
        else:
            section.notes.append("`drugpolicy-kg validate` not available: not timed.")
    for name, timing in timings.items():
        section.rows.append(
            timing.row(
                "cli",
                name,
                ratio=round(ratio(timing.median, floor.median), 2),
                ratio_to="python -c pass",
            )
        )
    return section.as_dict()
