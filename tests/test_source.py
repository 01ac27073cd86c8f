"""The Decision's text is read correctly: blocks, practices, themes, recitals, furniture."""

from __future__ import annotations

import re

import pytest

from drugpolicy_kg import source
from drugpolicy_kg.errors import ModelError


@pytest.fixture(scope="module")
def text() -> source.DecisionText:
    return source.load()


def test_block_sizes_follow_the_annex(text: source.DecisionText) -> None:
    assert [(b.numeral, len(b.practices)) for b in text.blocks] == [
        ("I", 8),
        ("II", 5),
        ("III", 10),
        ("IV", 21),
    ]


def test_block_headings_are_verbatim(text: source.DecisionText) -> None:
    assert [b.heading for b in text.blocks] == [
        "Providing strategic means to the Schengen area to fight against drug trafficking",
        "Mapping illicit drug flows",
        "Disrupting criminal networks upstream and downstream",
        "Creating barriers and increasing the resilience of the logistical hubs",
    ]


def test_themes_of_block_iv(text: source.DecisionText) -> None:
    by_theme: dict[str | None, list[int]] = {}
    for p in text.blocks[3].practices:
        by_theme.setdefault(p.theme, []).append(p.number)
    assert list(by_theme.values()) == [list(range(1, 8)), list(range(8, 13)), list(range(13, 22))]
    assert text.themes[1] == "Effective public-private partnership"
    assert all(p.theme is None for b in text.blocks[:3] for p in b.practices)


def test_iii_3_is_restored(text: source.DecisionText) -> None:
    p = text.practice("III.3")
    assert p.number_restored
    assert p.text.startswith("Providing direct and decentralised access to Europol's Secured")
    assert p.text.endswith("at local, national, and regional levels.")
    assert [q.notation for q in text.practices if q.number_restored] == ["III.3"]


def test_no_page_furniture_or_markup_in_texts(text: source.DecisionText) -> None:
    for p in text.practices:
        assert "7301/24" not in p.text, p.notation
        assert "JAI.B" not in p.text, p.notation
        assert "*" not in p.text, p.notation
        assert "  " not in p.text and p.text == p.text.strip(), p.notation
        assert p.text.endswith("."), p.notation


def test_italics_are_dropped_but_words_kept(text: source.DecisionText) -> None:
    assert "comprising, inter alia, judicial, police, customs" in text.practice("I.4").text


def test_recitals_are_numbered_1_to_14_with_6_restored(text: source.DecisionText) -> None:
    assert [r.number for r in text.recitals] == list(range(1, 15))
    assert [r.number for r in text.recitals if r.number_restored] == [6]
    assert text.recitals[11].text.startswith("Given that the primary aim")
    assert "within three months after this Decision enters into force" in text.recitals[11].text
    # The footnote text (OJ reference) is not part of any recital.
    assert not any("OJ L 160" in r.text for r in text.recitals)


def test_every_practice_is_a_line_of_the_source(text: source.DecisionText) -> None:
    """Independent check: the source, with furniture and whitespace normalised, contains each text."""
    raw = source.read_text("sources", source.SOURCE_FILE)
    flat = re.sub(r"\s+", " ", raw.replace("*", ""))
    for p in text.practices:
        assert p.text in flat, p.notation


def test_a_skipped_number_is_an_error() -> None:
    broken = source.read_text("sources", source.SOURCE_FILE).replace(
        "- 5. Implementation of integrated", "- 6. Implementation of integrated"
    )
    with pytest.raises(ModelError, match="expected number 5, found 6"):
        source.parse(broken)
