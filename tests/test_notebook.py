"""The researchers' notebook (docs/notebooks/researcher.ipynb) runs clean and says what it should.

It is executed with nbclient in a fresh kernel from the repository's root, with this
checkout's sources first on the path, so that the notebook cannot rot.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "docs" / "notebooks" / "researcher.ipynb"

pytestmark = pytest.mark.integration


def _text(cell: dict) -> str:  # type: ignore[type-arg]
    parts = []
    for out in cell.get("outputs", []):
        if "text" in out:
            parts.append(out["text"])
        data = out.get("data", {})
        parts.append(data.get("text/plain", ""))
        parts.append(data.get("text/html", ""))
    return "\n".join(parts)


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:  # type: ignore[type-arg]
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("pandas")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    env_before = dict(os.environ)
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT / "src"), *filter(None, [env_before.get("PYTHONPATH")])]
    )
    os.environ["DRUGPOLICY_KG_CACHE"] = str(tmp_path_factory.mktemp("cache"))
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    try:
        client = nbclient.NotebookClient(
            nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
        )
        client.execute()
    finally:
        os.environ.clear()
        os.environ.update(env_before)
    return [c for c in nb.cells if c.cell_type == "code"]


def test_no_cell_fails(executed: list[dict]) -> None:  # type: ignore[type-arg]
    for cell in executed:
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", cell["source"]
            assert "Traceback" not in out.get("text", ""), cell["source"]


def _cell(executed: list[dict], needle: str) -> dict:  # type: ignore[type-arg]
    found = [c for c in executed if needle in c["source"]]
    assert len(found) == 1, needle
    return found[0]


def test_outputs_say_what_the_data_say(executed: list[dict]) -> None:  # type: ignore[type-arg]
    assert "oxigraph" in _text(_cell(executed, "KG.load("))
    assert "Schengen Information System" in _text(_cell(executed, "eu-systems-ranked"))
    port = _text(_cell(executed, "port authorities"))
    assert "practices involving port authorities:" in port and "IV." in port
    assert "Netherlands" in _text(_cell(executed, "coverage-by-block"))
    heat = _cell(executed, "adoption-matrix")
    assert any("image/png" in o.get("data", {}) for o in heat["outputs"]), "no heatmap drawn"
    assert "states: ['Belgium', 'France', 'Netherlands']" in _text(heat)
    assert "III.10" in _text(_cell(executed, "m.to_pandas()"))
    impact = _text(_cell(executed, 'kg.impact("SIENA")'))
    assert "practices hit, by block:" in impact and "III.3" in impact
    practice = _text(_cell(executed, 'kg.practice("III.3")'))
    assert "III.3 Direct and decentralised access to SIENA and EIS" in practice
    validated = _text(_cell(executed, "kg.validate(draft)"))
    assert "conforms: False" in validated and "Violation" in validated
    # the unfilled template lacks every entry's status, starting with I.1
    assert "Entry for practice I.1" in _text(_cell(executed, 'results["severity"] == "Violation"'))
