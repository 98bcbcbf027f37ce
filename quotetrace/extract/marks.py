"""Quotation spans: which stretches of a paragraph stand between quotation marks.

One left-to-right pass over the marks of each paragraph, so the cost is linear in
the number of marks whatever their balance. Handles curly, straight, low-9 and
guillemet double marks, single marks used as quotation marks (never apostrophes:
``Jong Un’s``, ``Workers’ Party``, ``don’t``), a missing opening mark at the start
of a paragraph, and a quotation left open at the end of a paragraph (the next
paragraph reopens it: a quotation running over several paragraphs).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Two apostrophes or backticks stand for a double mark in some wire and NYT copy (''like this''):
# a run of apostrophes pairs up from its start, so double and single marks are found by two
# patterns, one kind at a time. Three in a row close a single quotation inside a double one
# (''... 'Fox and Friends,''').
_DOUBLE_MARK = re.compile(r"'''|''|``|[“”„«»\"]")
_SINGLE_MARK = re.compile(r"''|[‘’']")
_DOUBLE_OPEN = "“„«"
_DOUBLE_CLOSE = "”»"
_BEFORE_OPEN = "([{—–-/:"  # characters after which a straight mark opens
_AFTER_CLOSE = ",.;:!?)]}—–-…"


@dataclass(frozen=True, slots=True)
class Quotation:
    """The words between a pair of quotation marks.

    ``start``/``end`` bound the quoted words (marks excluded); ``open_mark``/``close_mark``
    are the marks' offsets, ``None`` where the mark is missing from the text.
    """

    start: int
    end: int
    open_mark: int | None
    close_mark: int | None
    single: bool = False

    @property
    def outer_start(self) -> int:
        return self.open_mark if self.open_mark is not None else self.start

    @property
    def outer_end(self) -> int:
        return self.close_mark + 1 if self.close_mark is not None else self.end


def find_quotations(text: str, para_start: int, para_end: int) -> list[Quotation]:
    """Quotations in one paragraph ``text[para_start:para_end]``, in order, never overlapping."""
    doubles = _doubles(text, para_start, para_end)
    singles = _singles(text, para_start, para_end, doubles)
    return sorted(doubles + singles, key=lambda q: q.start)


# With no quotation open, only a mark that can open one matters, or, before the paragraph's first
# quotation, a closing mark after the end of a sentence (a missing opening mark): a superset of
# both, so that a wall of closing marks is crossed in one search instead of a step per mark.
_MAY_OPEN = re.compile(r"[“„«]|``|(?<=[\s([{—–\-/:])(?:''|\")")
_MAY_OPEN_OR_CLOSE = re.compile(r"[“„«]|``|(?<=[\s([{—–\-/:])(?:''|\")|(?<=[,.?!…])(?:''|[\"”»])")


def _doubles(text: str, lo: int, hi: int) -> list[Quotation]:
    out: list[Quotation] = []
    open_at: int | None = None
    open_len = 1
    open_char = ""
    third_space = _third_space(text, lo, hi)
    pos = lo
    while True:
        if open_at is not None or pos == lo:
            m = _DOUBLE_MARK.search(text, pos, hi)
        else:
            m = (_MAY_OPEN if out else _MAY_OPEN_OR_CLOSE).search(text, pos, hi)
        if m is None:
            break
        i, c = m.start(), m.group()
        pos = m.end()
        width = len(c)
        if c == "'''":  # the first mark closes the inner single quotation, the pair closes the double
            i, c, width = i + 1, "''", 2
        if c == "``":
            c = "“"
        if c == "“" and open_char == "„":  # German „…“
            c = "”"
        elif c == "“" and open_at is not None and text[i - 1] in ",.?!…" and (i + 1 >= hi or text[i + 1].isspace()):
            c = "”"  # a typo for the closing mark: “It's unusual,“ said Larry Noble
        elif c == "”" and i == lo and i + 1 < hi and not text[i + 1].isspace():
            c = "“"  # a typo for the opening mark, at a paragraph's start: ”Fear. I am truly afraid ...”
        if c in ('"', "''"):
            prev = text[i - 1] if i > lo else " "
            nxt = text[i + width] if i + width < hi else " "
            opens = (prev.isspace() or prev in _BEFORE_OPEN or i == lo) and not nxt.isspace()
            c = "“" if (open_at is None and opens) else "”"
        if c in _DOUBLE_OPEN:
            if open_at is not None:  # the previous quotation lost its closing mark
                out.append(_make(text, open_at + open_len, i, open_at, None))
            open_at, open_len, open_char = i, width, c
        elif c in _DOUBLE_CLOSE:
            close = i + width - 1
            if open_at is not None:
                if i > open_at + open_len:
                    out.append(_make(text, open_at + open_len, i, open_at, close))
                open_at, open_char = None, ""
            elif not out and _plausible_missing_open(text, lo, i, third_space):
                out.append(_make(text, lo, i, None, close))
    if open_at is not None and hi > open_at + open_len:
        out.append(_make(text, open_at + open_len, hi, open_at, None))
    return [q for q in out if q.end > q.start]


def _third_space(text: str, lo: int, hi: int) -> int:
    """Offset of the paragraph's third space (``hi`` if it has fewer)."""
    i = lo - 1
    for _ in range(3):
        i = text.find(" ", i + 1, hi)
        if i < 0:
            return hi
    return i


def _plausible_missing_open(text: str, lo: int, close: int, third_space: int) -> bool:
    """A closing mark with no opening one: the paragraph opens a quotation without its mark.

    Only when several words precede it and they end the way quoted speech ends.
    """
    prev = text[close - 1] if close > lo else " "
    return prev in ",.?!…" and third_space < close  # three spaces before it, counted once per paragraph


def _singles(text: str, lo: int, hi: int, doubles: list[Quotation]) -> list[Quotation]:
    """Single-mark quotations outside double ones; apostrophes never open or close one."""
    out: list[Quotation] = []
    inside = [(q.outer_start, q.outer_end) for q in doubles]
    open_at: int | None = None
    di = 0
    last_close = _last_close(text, lo, hi)
    for m in _SINGLE_MARK.finditer(text, lo, hi):
        i, c = m.start(), m.group()
        if c == "''":  # a double mark
            continue
        while di < len(inside) and inside[di][1] <= i:
            di += 1
        if di < len(inside) and inside[di][0] <= i < inside[di][1]:
            continue
        prev = text[i - 1] if i > lo else " "
        nxt = text[i + 1] if i + 1 < hi else " "
        if open_at is None:
            if c in "‘'" and (prev.isspace() or prev in _BEFORE_OPEN or i == lo) and nxt.isalnum():
                open_at = i
            continue
        # a closing mark follows a word and precedes a space, punctuation or the end
        if not (prev.isalnum() or prev in ".,!?…") or not (nxt.isspace() or nxt in _AFTER_CLOSE or i + 1 >= hi):
            continue
        if prev == "s" and nxt == " " and i + 2 < hi and text[i + 2].isupper() and i < last_close:
            continue  # "Workers’ Party": a plural possessive, the real close comes later
        out.append(_make(text, open_at + 1, i, open_at, i, single=True))
        open_at = None
    return [q for q in out if q.end > q.start]


def _last_close(text: str, lo: int, hi: int) -> int:
    """Offset of the paragraph's last mark that could close a single quotation (-1 if none)."""
    i = hi
    while True:
        i = max(text.rfind("’", lo, i), text.rfind("'", lo, i))
        if i < 0:
            return -1
        nxt = text[i + 1] if i + 1 < hi else " "
        if nxt.isspace() or nxt in _AFTER_CLOSE:
            return i


def _make(
    text: str, s: int, e: int, open_mark: int | None, close_mark: int | None, *, single: bool = False
) -> Quotation:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return Quotation(s, e, open_mark, close_mark, single)
