"""The locator of results (:mod:`drugpolicy_kg.validation.locate`): lines found in the text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from drugpolicy_kg.validation.locate import _BASE, _PREFIX, Locator, _directives

PIECES = [
    "@prefix ex: <https://example.org/> .",
    "PREFIX ex2: <https://example.org/2/>",
    "prefix\n  ex3: <https://example.org/3/>",
    "@base <https://example.org/base/> .",
    "BASE <https://example.org/b2/>",
    "ex:a ex:p ex:b .",
    '<https://example.org/c> ex:p "a database of prefix words" .',
    "  ex:d ex:p [ ex:q ex:e ] .",
    "İstanbul prefix",
    "@prefıx dotless: <https://example.org/dotless/> .",
    "@baſe <https://example.org/long-s/> .",
    "\t@Prefix up: <https://example.org/up/> .",
    "",
    " ",
    "\r",
]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=12), st.sampled_from(["\n", " ", "\r\n"]))
def test_directives_are_found_as_a_full_scan_finds_them(pieces: list[str], sep: str) -> None:
    text = sep.join(pieces)
    for pattern, keyword in ((_PREFIX, "prefix"), (_BASE, "base")):
        assert [m.groups() for m in _directives(pattern, text, keyword)] == [
            m.groups() for m in pattern.finditer(text)
        ]


def test_lines_of_subjects_prefixed_relative_and_anywhere() -> None:
    text = "\n".join(
        [
            "@prefix ex: <https://example.org/> .",  # 1
            "@base <https://example.org/base/> .",  # 2
            "",  # 3
            "ex:a ex:p ex:b .",  # 4
            "<rel> ex:p ex:a .",  # 5
            "<https://example.org/full> ex:p [ ex:q ex:only-inside ] .",  # 6
        ]
    )
    locator = Locator(text, "turtle")
    assert locator.line_of("https://example.org/a") == 4
    assert locator.line_of("https://example.org/base/rel") == 5
    assert locator.line_of("https://example.org/full") == 6
    assert locator.line_of("https://example.org/b") == 4  # not a subject: where it appears
    assert locator.line_of("https://example.org/only-inside") == 6
    assert locator.line_of("https://example.org/missing") is None
    assert locator.line_of("_:b0") is None


def test_a_resource_written_nowhere_has_no_line_and_a_longer_name_is_not_it() -> None:
    text = "@prefix p: <https://example.org/p/> .\n<https://example.org/e> p:q p:I.80 .\n"
    locator = Locator(text, "turtle")
    assert locator.line_of("https://example.org/p/I.8") is None  # only p:I.80 is written
    assert locator.line_of("https://example.org/p/I.80") == 2
    assert locator.line_of("https://example.org/p/IV.1") is None
