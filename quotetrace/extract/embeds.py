"""Words followed by their author line: embedded social posts and signed quotations.

Twitter/X embeds flatten to ``POST TEXT pic.twitter.com/…`` and a line
``— Name / Other Name (@handle) January 12, 2025``; Telegram and Bluesky embeds
follow the same shape with their own handles.

A quotation can be signed the same way, with no handle: a paragraph that is all
quotation ends ``” ― Sonya Herridge`` (readers' voices, pull quotes, epigraphs), or is
followed by a paragraph ``- Bernie Sanders.`` (fact-checks that quote, then name). PolNeAR
annotates the dash as the cue and the name as the source.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from quotetrace.extract.marks import Quotation, find_quotations

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


# A signature: a dash, a name of one to six words (initials, particles), and perhaps a short
# description after a comma ("― Jane Doe, 34, of Phoenix."), to the end of the paragraph.
_UPPER = "A-ZÀ-ÖØ-Þ"
_NAME_WORD = rf"[{_UPPER}][\w’'.\-]*"
_NAME = rf"{_NAME_WORD}(?:[ \t]+(?:{_NAME_WORD}|(?:de|da|del|der|van|von|bin|al|la|le|y)(?=[ \t]+[{_UPPER}]))){{0,5}}"
_SIGNATURE = rf"(?P<dash>[―—–]{{1,2}}|--?)[ \t]*(?P<name>{_NAME})(?:[ \t]*,[ \t]*[^\n@]{{1,80}}?)?[ \t]*\.?"
_SIGNED_END = re.compile(rf"[ \t]*[,.]?[ \t]*{_SIGNATURE}[ \t]*$", re.M)
_SIGN_LINE = re.compile(rf"[ \t]*{_SIGNATURE}[ \t]*$", re.M)
_MAY_SIGN = re.compile(rf"[―—–-][ \t]*[{_UPPER}]")
_MAX_SIGN_LINE = 120


@dataclass(frozen=True, slots=True)
class SignOff:
    """A quotation paragraph signed with its speaker's name.

    ``para_start`` is the paragraph that holds the quotation; ``dash`` and ``name`` are
    character spans of the signature, which is either at that paragraph's end or the whole
    next paragraph, starting at ``line_start``.
    """

    para_start: int
    dash: tuple[int, int]
    name: tuple[int, int]
    line_start: int | None = None


def find_sign_offs(text: str, paragraphs: Sequence[tuple[int, int]]) -> list[SignOff]:
    """Signed quotations: a paragraph that is all quotation, signed at its end or by the next paragraph."""
    out: list[SignOff] = []
    for k, (ps, pe) in enumerate(paragraphs):
        dash = _MAY_SIGN.search(text, ps, pe)
        if dash is None:
            continue
        if dash.start() == ps and pe - ps <= _MAX_SIGN_LINE and k > 0:
            line = _SIGN_LINE.match(text, ps, pe)
            qs, qe = paragraphs[k - 1]
            if line is not None and _all_quotation(text, qs, qe, find_quotations(text, qs, qe)):
                out.append(SignOff(qs, line.span("dash"), _name_span(text, line), ps))
                continue
        if text[ps] in _QUOTE_OPENERS:
            quotations = find_quotations(text, ps, pe)
            if not quotations:
                continue
            signed = _SIGNED_END.match(text, quotations[-1].outer_end, pe)
            if signed is not None and _all_quotation(text, ps, quotations[-1].outer_end, quotations):
                out.append(SignOff(ps, signed.span("dash"), _name_span(text, signed)))
    return out


def _name_span(text: str, m: re.Match[str]) -> tuple[int, int]:
    """The name without the full stop that ends the sentence ("Sanders."); an initial keeps its own."""
    s, e = m.span("name")
    last = text[s:e].rsplit(None, 1)[-1]
    return (s, e - 1) if last.endswith(".") and len(last) > 2 else (s, e)


_QUOTE_OPENERS = "“”\"„«'‘`"


def _all_quotation(text: str, ps: int, end: int, quotations: Sequence[Quotation]) -> bool:
    """``text[ps:end]`` is ``quotations`` (its paragraph's) and the punctuation between them, nothing
    of the reporter's own."""
    if not quotations or quotations[0].outer_start != ps or quotations[-1].outer_end < end - 1:
        return False
    at = ps
    for q in quotations:
        if text[at : q.outer_start].strip(" \t,.;:…"):
            return False
        at = q.outer_end
    return not text[at:end].strip(" \t,.;:…")
