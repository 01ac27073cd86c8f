"""Read the practices, blocks, themes and recitals out of the Decision's text.

The text is the plain-text extraction of the Council's PDF (``assets/sources``). It mixes in
page furniture (``7301/24 EN/II 10 JAI.B``), marks italics with asterisks, and lost the number
of one practice (III.3) and one recital (6). This module removes the furniture, drops the
italic markers, normalises whitespace and restores lost numbers from the sequence, so that
every practice text in the KG is the Decision's own words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib.abc import Traversable

from .errors import ModelError
from .resources import read_text

SOURCE_FILE = "council-7301-24.txt"

_FURNITURE = re.compile(r"^(7301/24\s+EN/II\s+\d+(\s+JAI\.B)?(\s+EN)?|JAI\.B(\s+EN)?|_)$")
_FOOTNOTE = re.compile(r"^(OJ L \d+|Commission Recommendation C\(2023\) 6790 of)")
_BLOCK = re.compile(r"^(I|II|III|IV)\.\s+(\S.*)$")
_NUMBERED = re.compile(r"^-\s+(\d+)\.\s+(\S.*)$")
_BULLET = re.compile(r"^-\s+(\S.*)$")
_RECITAL = re.compile(r"^-?\s*\((\d+)\)\s+(\S.*)$")
_ANNEX_START = "The following best practices were identified"
_RECITALS_START = "Whereas:"
_RECITALS_END = "RECOMMENDS"


def normalise(text: str) -> str:
    """Collapse whitespace and drop the extraction's italic markers (``*inter alia*``)."""
    return re.sub(r"\s+", " ", text.replace("*", "").replace("¹", "")).strip()


@dataclass
class Practice:
    block: str
    number: int
    text: str
    theme: str | None = None
    line: int = 0
    number_restored: bool = False

    @property
    def notation(self) -> str:
        return f"{self.block}.{self.number}"


@dataclass
class Block:
    numeral: str
    heading: str
    practices: list[Practice] = field(default_factory=list)


@dataclass
class Recital:
    number: int
    text: str
    number_restored: bool = False


@dataclass
class DecisionText:
    blocks: list[Block]
    themes: list[str]
    recitals: list[Recital]
    annex_intro: str
    #: The whole text, page furniture removed and whitespace normalised: where the evidence of
    #: a statement about the Decision itself (its citations, its legal bases) must occur.
    full: str = ""

    @property
    def practices(self) -> list[Practice]:
        return [p for b in self.blocks for p in b.practices]

    def practice(self, notation: str) -> Practice:
        for p in self.practices:
            if p.notation == notation:
                return p
        raise KeyError(notation)


def _clean_lines(text: str) -> list[tuple[int, str]]:
    """Lines with their 1-based numbers, furniture replaced by blanks."""
    out = []
    for i, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if _FURNITURE.match(line):
            line = ""
        out.append((i, line))
    return out


def _paragraphs(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Join continuation lines: a paragraph starts after a blank line or at a bullet."""
    paras: list[tuple[int, list[str]]] = []
    blank = True
    for no, line in lines:
        if not line:
            blank = True
            continue
        if blank or line.startswith("- ") or _BLOCK.match(line):
            paras.append((no, [line]))
        else:
            paras[-1][1].append(line)
        blank = False
    return [(no, " ".join(parts)) for no, parts in paras]


def _restore(numbers: list[int | None], what: str) -> list[tuple[int, bool]]:
    """Fill lost numbers from the sequence; a gap of any other size is an error."""
    out: list[tuple[int, bool]] = []
    for i, n in enumerate(numbers):
        if n is not None:
            expected = out[-1][0] + 1 if out else 1
            if n != expected:
                raise ModelError(f"{what}: expected number {expected}, found {n}")
            out.append((n, False))
        else:
            out.append((out[-1][0] + 1 if out else 1, True))
        del i
    return out


def parse(text: str) -> DecisionText:
    """Parse the Decision's text. Raises :class:`ModelError` if the structure is not found."""
    lines = _clean_lines(text)
    paras = _paragraphs(lines)
    try:
        annex_at = next(i for i, (_, p) in enumerate(paras) if p.startswith(_ANNEX_START))
        rec_start = next(i for i, (_, p) in enumerate(paras) if p == _RECITALS_START)
        rec_end = next(i for i, (_, p) in enumerate(paras) if p == _RECITALS_END)
    except StopIteration as exc:  # pragma: no cover - the shipped text has all three
        raise ModelError(f"{SOURCE_FILE}: the annex or the recitals were not found") from exc

    # Recitals: "(n) text", or a bare bullet whose number the extraction lost.
    raw_recitals: list[tuple[int | None, str]] = []
    for _, p in paras[rec_start + 1 : rec_end]:
        if _FOOTNOTE.match(p):
            continue
        m = _RECITAL.match(p)
        if m:
            raw_recitals.append((int(m.group(1)), m.group(2)))
        elif p.startswith("- "):
            raw_recitals.append((None, p[2:]))
        elif raw_recitals:
            raw_recitals[-1] = (raw_recitals[-1][0], raw_recitals[-1][1] + " " + p)
    numbers = _restore([n for n, _ in raw_recitals], "recitals")
    recitals = [
        Recital(number=n, text=normalise(t), number_restored=r)
        for (n, r), (_, t) in zip(numbers, raw_recitals, strict=True)
    ]

    blocks: list[Block] = []
    themes: list[str] = []
    theme: str | None = None
    pending: list[tuple[int | None, str, int, str | None]] = []

    def close_block() -> None:
        if not blocks:
            return
        restored = _restore([n for n, *_ in pending], f"block {blocks[-1].numeral}")
        for (n, r), (_, t, line, th) in zip(restored, pending, strict=True):
            blocks[-1].practices.append(
                Practice(blocks[-1].numeral, n, normalise(t), th, line, number_restored=r)
            )
        pending.clear()

    for no, p in paras[annex_at + 1 :]:
        if m := _BLOCK.match(p):
            close_block()
            blocks.append(Block(m.group(1), normalise(m.group(2))))
            theme = None
        elif m := _NUMBERED.match(p):
            pending.append((int(m.group(1)), m.group(2), no, theme))
        elif (m := _BULLET.match(p)) and not p.rstrip().endswith("."):
            # An unnumbered heading without a full stop is a theme heading (block IV).
            theme = normalise(m.group(1))
            themes.append(theme)
        elif blocks:
            # An unnumbered sentence: a practice whose number the extraction lost (III.3).
            text = m.group(1) if m else p
            pending.append((None, text, no, theme))
    close_block()
    if not blocks:  # pragma: no cover
        raise ModelError(f"{SOURCE_FILE}: no building block headings found in the annex")
    full = normalise(" ".join(line for _, line in lines))
    return DecisionText(blocks, themes, recitals, normalise(paras[annex_at][1]), full)


def load(root: Traversable | None = None) -> DecisionText:
    """The shipped Decision text (or the one under ``root/sources``), parsed."""
    return parse(read_text("sources", SOURCE_FILE, root=root))
