"""The command line as a user meets it: entry point, help, lazy imports, exit codes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from drugpolicy_kg.cli import COMMANDS, cli


def test_help_lists_commands_with_examples(runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "build" in result.output and "Examples:" in result.output
    assert "Exit codes: 0 ok, 1 problems found, 2 could not run" in result.output


def test_every_registered_command_has_help_with_examples(runner) -> None:  # type: ignore[no-untyped-def]
    import importlib.util

    for name, (module, _, _) in COMMANDS.items():
        if importlib.util.find_spec(f"drugpolicy_kg.commands.{module}") is None:
            continue
        result = runner.invoke(cli, [name, "--help"])
        assert result.exit_code == 0, (name, result.output)
        assert "Example" in result.output, name


def test_help_does_not_import_heavy_libraries() -> None:
    code = (
        "import sys\n"
        "from drugpolicy_kg.cli import cli\n"
        "try:\n    cli.main(['--help'], standalone_mode=False)\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('rdflib', 'pyshacl', 'networkx', 'owlready2', 'matplotlib', 'pyoxigraph') if m in sys.modules]\n"
        "print('HEAVY:' + ','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "HEAVY:", out.stdout


def test_installed_entry_point_works_from_any_directory(tmp_path: Path) -> None:
    """The console script finds its ontology and data inside the package, wherever it runs."""
    exe = shutil.which("drugpolicy-kg", path=str(Path(sys.executable).parent))
    assert exe, "the drugpolicy-kg console script is not installed"
    result = subprocess.run(
        [exe, "build", "--out", "out"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "drugpolicy-kg.ttl").exists()
    assert "44  in all" in result.stdout


def test_unknown_command_is_a_usage_error(runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(cli, ["no-such-verb"])
    assert result.exit_code == 2
