"""A state's page lists the peers to consult (Recital 12): for each practice its plan in force
has not adopted, the states whose plan adopted it, with their measures. Checked against the
``peers`` report of the monitoring library over the same plans (issue 17)."""

from __future__ import annotations

import html
import re
from typing import Any

from conftest import PLANS
from drugpolicy_kg.monitoring.peers import peers_report, recital_12_quote
from drugpolicy_kg.monitoring.revisions import load_plans


def _peers_section(page: str) -> str:
    found = re.search(r'<h3 id="peers">.*?</table>', page, re.S)
    assert found, "no peers section"
    return found.group(0)


def test_state_page_lists_the_peers_the_report_lists(client: Any) -> None:
    report = peers_report(load_plans([str(PLANS)]), "NLD")
    wanted = [n for n in report.needs if n.peers]
    assert wanted, "the examples give the Netherlands peers to consult"
    page = client.get("/country/NLD").text
    section = _peers_section(page)
    assert html.escape(recital_12_quote(), quote=True) in section
    rows = section.split("<tr>")[2:]
    assert len(rows) == len(wanted)
    for need, row in zip(wanted, rows, strict=True):
        assert f">{need.practice} " in row or f">{need.practice}<" in row, (need.practice, row)
        for peer in need.peers:
            assert html.escape(peer.name) in row
            if peer.measures:
                assert html.escape(peer.measures, quote=True) in row


def test_no_peers_section_without_plans() -> None:
    from starlette.testclient import TestClient

    from drugpolicy_kg.web.app import create_app

    page = TestClient(create_app()).get("/country/NLD").text
    assert 'id="peers"' not in page and "No plans loaded" in page
