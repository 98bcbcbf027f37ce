"""Embedded social posts: a post's text followed by its author line.

Twitter/X embeds flatten to ``POST TEXT pic.twitter.com/…`` and a line
``— Name / Other Name (@handle) January 12, 2025``; Telegram and Bluesky embeds
follow the same shape with their own handles.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_AUTHOR_LINE = re.compile(
    r"^[ \t]*[—–-]{1,2}[ \t]*(?P<names>[^\n(]{1,150}?)[ \t]*\((?P<handle>@[\w.]{1,40})\)[ \t]*"
    r"(?P<date>[A-Z][a-z]{2,8}\.? \d{1,2}, \d{4}|\d{1,2} [A-Z][a-z]{2,8} \d{4})?[ \t]*$",
    re.M,
)
_TRAILER = re.compile(r"(?:\s+(?:pic\.twitter\.com/\w+|https?://\S+|t\.co/\w+))+\s*$")
_MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1)}


@dataclass(frozen=True, slots=True)
class Embed:
    """One embedded post: the post's words and its author line."""

    start: int
    end: int
    truncated: bool
    names: tuple[str, ...]
    handle: str
    date: dt.date | None
    author_start: int
    author_end: int
    para_start: int


def find_embeds(text: str, paragraphs: list[tuple[int, int]]) -> list[Embed]:
    """Embedded posts: each author line and the paragraph just before it."""
    out: list[Embed] = []
    starts = {s: k for k, (s, _) in enumerate(paragraphs)}
    for m in _AUTHOR_LINE.finditer(text):
        line_start = m.start()
        while text[line_start] in " \t":
            line_start += 1
        k = starts.get(line_start)
        if k is None or k == 0:
            continue
        ps, pe = paragraphs[k - 1]
        end = pe
        trailer = _TRAILER.search(text, ps, pe)
        if trailer:
            end = trailer.start()
        truncated = False
        while end > ps and text[end - 1] in " …":
            truncated = truncated or text[end - 1] == "…"
            end -= 1
        if end - ps < 2:
            continue
        names = tuple(n.strip() for n in m.group("names").split(" / ") if n.strip())
        out.append(Embed(ps, end, truncated, names, m.group("handle"), _date(m.group("date")), line_start, m.end(), ps))
    return out


def _date(s: str | None) -> dt.date | None:
    if not s:
        return None
    m = re.match(r"([A-Z][a-z]+)\.? (\d{1,2}), (\d{4})", s) or None
    if m:
        mon, day, year = m.group(1), int(m.group(2)), int(m.group(3))
    else:
        m2 = re.match(r"(\d{1,2}) ([A-Z][a-z]+) (\d{4})", s)
        if not m2:
            return None
        day, mon, year = int(m2.group(1)), m2.group(2), int(m2.group(3))
    month = _MONTHS.get(mon[:3].lower())
    if month is None:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None
