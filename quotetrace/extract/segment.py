"""Paragraphs, sentences and word tokens, all as offsets into the article text.

Everything here is a single left-to-right pass with bounded regular expressions, so
segmentation stays linear in the length of the article.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from itertools import islice
from typing import NamedTuple

# A word: letters/digits joined by inner apostrophes or hyphens (O’Malley, Seong-kweun, Un’s).
_TOKEN = re.compile(r"\w+(?:[’'\-]\w+)*|[^\w\s]")
_LINE = re.compile(r"[^\n]+")

# Words after which a full stop does not end a sentence.
ABBREVIATIONS = frozenset(
    """mr mrs ms dr st sen rep gov gen lt col sgt capt cmdr adm maj prof rev jr sr messrs
    jan feb mar apr jun jul aug sep sept oct nov dec no vs etc inc corp co ltd dept est fig
    u.s u.n u.k e.u d.c a.m p.m""".split()
)


class Token(NamedTuple):
    """A word or punctuation mark; ``lower`` is precomputed because every rule asks for it."""

    start: int
    end: int
    text: str
    lower: str

    @property
    def is_word(self) -> bool:
        return self.text[0].isalnum() or self.text[0] == "_"

    @property
    def is_cap(self) -> bool:
        return self.text[0].isupper()


def tokens(text: str, start: int = 0, end: int | None = None, *, limit: int | None = None) -> list[Token]:
    """Word and punctuation tokens of ``text[start:end]``, with offsets into ``text``; the first ``limit`` only."""
    stop = len(text) if end is None else end
    new = tuple.__new__  # skips the NamedTuple's Python-level __new__: tokens are made by the million
    found = _TOKEN.finditer(text, start, stop)
    return [
        new(Token, (m.start(), m.end(), w, w.lower()))
        for m in (found if limit is None else islice(found, limit))
        for w in (m.group(),)
    ]


def paragraphs(text: str) -> list[tuple[int, int]]:
    """Non-blank lines, stripped of surrounding whitespace, as ``(start, end)``."""
    out = []
    for m in _LINE.finditer(text):
        s, e = m.start(), m.end()
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


_SENT_END = re.compile(r"[.!?…]+[\"”’'»)\]]*(?=\s)")


def sentences(text: str, start: int, end: int, protected: Sequence[tuple[int, int]] = ()) -> list[tuple[int, int]]:
    """Split ``text[start:end]`` into sentences, never inside a ``protected`` span.

    Protected spans are quotations: a quotation of several sentences stays inside the
    sentence that attributes it (``“A. B,” he said.`` is one unit), and a sentence that
    leads up to a quotation ends at its closing mark (``... had “no future.” She added``); one
    that opens with a quotation does not (``“Loved it!” Bush said.``).
    """
    out: list[tuple[int, int]] = []
    cur = start
    prot = sorted(protected)
    pi = 0
    for m in _SENT_END.finditer(text, start, end):
        cut = m.end()
        while pi < len(prot) and prot[pi][1] <= cut - 1:
            pi += 1
        if pi < len(prot) and prot[pi][0] < cut - 1 < prot[pi][1] - (prot[pi][0] > cur):
            # inside a quotation; the closing mark of one that a sentence leads up to (... had “no
            # substance.” She) ends it, of one that opens it (“Loved it!” Bush said.) does not
            continue
        if m.group()[0] == "." and _ends_with_abbreviation(text, cur, m.start()):
            continue
        # a sentence starts with a capital, a digit or an opening mark
        nxt = cut
        while nxt < end and text[nxt].isspace():
            nxt += 1
        if nxt < end and not (text[nxt].isupper() or text[nxt].isdigit() or text[nxt] in "“\"‘'«(["):
            continue
        out.append(_strip(text, cur, cut))
        cur = nxt
    if cur < end:
        out.append(_strip(text, cur, end))
    return [piece for s in out if s[1] > s[0] for piece in _bounded(text, s[0], s[1], prot)]


# No sentence of news prose runs this long; a longer run (a 5 MB line, a wall of quotation
# marks) is cut at clause boundaries so that the work per sentence stays bounded and the
# whole pass stays linear in the length of the text.
MAX_SENTENCE = 1500


def _bounded(text: str, s: int, e: int, protected: Sequence[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    while e - s > MAX_SENTENCE:
        cut = max(text.rfind(";", s, s + MAX_SENTENCE), text.rfind(", ", s, s + MAX_SENTENCE))
        if cut <= s + MAX_SENTENCE // 3:
            cut = text.rfind(" ", s, s + MAX_SENTENCE)
        if cut <= s:
            cut = s + MAX_SENTENCE
        cut += 1
        yield _strip(text, s, cut)
        s = cut
    if e > s:
        yield _strip(text, s, e)


def _strip(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


def _ends_with_abbreviation(text: str, lo: int, dot: int) -> bool:
    i = dot
    while i > lo and (text[i - 1].isalpha() or text[i - 1] == "."):
        i -= 1
    word = text[i:dot].lower()
    if not word:
        return False
    if len(word) == 1 and word.isalpha():
        # an initial ("George W. Bush", "J. Smith") follows a name or starts one; "on X." ends a sentence
        j = i - 1
        while j > lo and text[j].isspace():
            j -= 1
        if j <= lo or text[j] == ".":
            return True
        if not text[j].isalpha():
            return False
        while j > lo and text[j - 1].isalpha():
            j -= 1
        return text[j].isupper()
    return word in ABBREVIATIONS


def words(text: str, start: int, end: int) -> Iterator[Token]:
    """Only the word tokens of ``text[start:end]``."""
    for t in tokens(text, start, end):
        if t.is_word:
            yield t
