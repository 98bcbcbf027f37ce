"""Reported speech: the frames ``X said (that) ...``, ``..., X said``, ``according to X, ...``.

A ``Frame`` ties a cue to its subject (the speaker mention), its content (the reported
clause: the quote text of an indirect quote) and its relays. Frames are found per
sentence from the cues outside quotation marks; quotations use the same frames to
find their speaker (``“...,” he said``).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass

from quotetrace.extract.cues import ALL_CUE_VERBS as CUE_VERBS
from quotetrace.extract.cues import AUDIENCE_VERBS, NEEDS_CLAUSE, POSTPOSED_ONLY, Cue, cue_at
from quotetrace.extract.segment import Token
from quotetrace.extract.speakers import (
    _DETERMINERS,
    _PREPOSITIONS,
    _TIME,
    clause_subject,
    subject_after,
    subject_before,
)

_CLAUSE_START = frozenset(
    "he she they it we i you there this these those his her their its our the a an some any no one two many".split()
)
_NEGATIONS = frozenset(
    "not never n't n’t didn't didn’t doesn't doesn’t don't don’t hasn't hasn’t haven't haven’t hadn't hadn’t".split()
)
_CUE_PREPOSITIONS = frozenset(("to", "on", "at", "about", "of", "for", "with", "as", "against", "into"))
_NOT_VERB_BEFORE = frozenset(("be", "is", "was", "were", "are", "been", "being", "to", "of", "and", "or", "as", "for"))


@dataclass(frozen=True, slots=True)
class Frame:
    """A cue with its subject tokens and content offsets (content may be empty for quotations)."""

    cue: Cue
    cue_index: int
    subject: tuple[int, int] | None  # token range, inclusive
    content_start: int
    content_end: int
    audience: tuple[int, int] | None = None  # token range of "told AUDIENCE"
    inverted: bool = False  # "..., said X": content precedes the cue
    according: bool = False


def find_frames(text: str, toks: Sequence[Token], in_quote: Sequence[bool], sent_end: int) -> list[Frame]:
    """Every reporting frame of one sentence, in order of their cues."""
    frames: list[Frame] = []
    n = len(toks)
    colon = _colon_frame(text, toks, in_quote, sent_end)
    if colon is not None:
        frames.append(colon)
    statement = _statement_frame(text, toks, in_quote, sent_end)
    if statement is not None:
        frames.append(statement)
    for i in range(n):
        if in_quote[i]:
            continue
        cue = cue_at(toks, i)
        if cue is None:
            continue
        if cue.is_according:
            f = _according(text, toks, in_quote, i, cue, sent_end)
        else:
            f = _verb_frame(text, toks, in_quote, i, cue, sent_end)
        if f is not None and f.subject is not None and in_quote[f.subject[0]]:
            # "“He stands for us,” Anderson said, adding that ...": the subject of "adding" is the
            # speaker of the frame before it, never a word of the quotation
            f = dataclasses.replace(f, subject=frames[-1].subject) if frames else None
        if f is not None:
            frames.append(f)
    return frames


# Labels that end in a colon without naming a speaker.
_NOT_SPEAKER_LABELS = frozenset(
    "related read watch update updated correction note editor photo video source sources disclosure q a live more"
    " breaking exclusive opinion analysis transcript".split()
)


def _colon_frame(text: str, toks: Sequence[Token], in_quote: Sequence[bool], sent_end: int) -> Frame | None:
    """``Insiders: Trump will rebound`` / ``Cecile Richards: “...”``: a name, a colon, the words."""
    for c in range(1, min(7, len(toks) - 2)):
        if toks[c].text == ":":
            break
        if in_quote[c] or not (toks[c].is_cap or toks[c].text in ("’s", "'s", "-", ".")):
            return None
    else:
        return None
    head = toks[:c]
    if not head[0].is_cap or head[0].lower in _NOT_SPEAKER_LABELS or head[0].lower in ("the", "a", "an"):
        return None
    content = c + 1
    words = [t for t in toks[content:] if t.is_word]
    if not words or sum(t.is_cap for t in words) > 0.5 * len(words):
        return None  # "Zelenskyy Proposes Prisoner Exchange: Soldiers for POWs": a headline
    cue = Cue(toks[c].start, toks[c].end, ":", ":")
    return Frame(cue, c, (0, c - 1), toks[content].start, _rstrip(text, toks[content].start, sent_end))


# "X issued the following statement:", "X released a message:": a verb of giving out and a noun of
# speech introduce the quotation after the colon, in the sentence or as the next paragraph.
_STATEMENT_VERBS = frozenset(
    """issue issues issued release releases released put puts post posts posted publish publishes published
    share shares shared send sends sent give gives gave make makes made deliver delivers delivered offer offers
    offered read reads""".split()
)
_STATEMENT_NOUNS = frozenset(
    "statement statements message remarks comment comments response reply note letter tweet post words".split()
)


def _statement_frame(text: str, toks: Sequence[Token], in_quote: Sequence[bool], sent_end: int) -> Frame | None:
    """``X issued the following statement: “...”``: the subject of a statement verb speaks what follows the colon."""
    n = len(toks)
    for c in range(2, n):
        if toks[c].text != ":" or in_quote[c] or not (c + 1 == n or in_quote[c + 1]):
            continue
        k = c - 1
        while k > 0 and not (toks[k].lower in _STATEMENT_NOUNS and not in_quote[k]) and c - k <= 4:
            k -= 1
        if toks[k].lower not in _STATEMENT_NOUNS or in_quote[k]:
            continue
        v = k - 1
        while v > 0 and c - v <= 8 and toks[v].lower not in _STATEMENT_VERBS and not in_quote[v]:
            v -= 1
        if toks[v].lower not in _STATEMENT_VERBS or in_quote[v] or v == 0:
            continue
        subject = subject_before(toks, _clause_floor(toks, v), v)
        if subject is None:
            continue
        cue = Cue(toks[v].start, toks[k].end, text[toks[v].start : toks[k].end], toks[k].lower)
        return Frame(cue, v, subject, sent_end, sent_end)
    return None


def _according(
    text: str, toks: Sequence[Token], in_quote: Sequence[bool], i: int, cue: Cue, sent_end: int
) -> Frame | None:
    k = i + 2
    if k >= len(toks):
        return None
    m = k
    while m + 1 < len(toks) and m - k < 14 and toks[m + 1].text not in ",.;:" and not in_quote[m + 1]:
        if toks[m + 1].lower in ("who", "which"):
            break
        m += 1
    while m > k and not toks[m].is_word:
        m -= 1
    subject = (k, m)
    if i == 0 or (i > 0 and toks[i - 1].text in ("(", "—")) or _only_adverbs_before(toks, i):
        # "According to X, CONTENT."
        c = m + 1
        while c < len(toks) and toks[c].text in ",:":
            c += 1
        if c >= len(toks):
            return None
        return Frame(cue, i, subject, toks[c].start, _content_end(text, toks, len(toks), sent_end), according=True)
    if toks[i - 1].text == ",":
        # "CONTENT, according to X."
        start = toks[0].start
        return Frame(cue, i, subject, start, _rstrip(text, start, toks[i - 1].start), inverted=True, according=True)
    return None


def _only_adverbs_before(toks: Sequence[Token], i: int) -> bool:
    return all(not t.is_word or t.lower in ("but", "and", "yet", "also", "however") for t in toks[:i])


def _verb_frame(
    text: str, toks: Sequence[Token], in_quote: Sequence[bool], i: int, cue: Cue, sent_end: int
) -> Frame | None:
    prev = toks[i - 1] if i > 0 else None
    if prev is not None and prev.lower in _NEGATIONS:
        return None  # "had not asked to defect": a denial of speech, not speech
    if prev is not None and (
        (prev.lower in _NOT_VERB_BEFORE and not (prev.lower in ("and", "or") and _finite(cue)))
        or prev.lower in ("the", "a", "an")
        or prev.text.endswith(("’s", "'s"))
    ):
        return None  # "the reported involvement", "was reported", "North Korea’s stated goal", "lies and claims"
    n = len(toks)
    # inverted or postposed: "..., X said." / "..., said X." / "“...,” he said"
    if (
        prev is not None
        and not cue.is_participle
        and (
            prev.text == ","
            or in_quote[i - 1]
            or _after_quote_subject(toks, in_quote, i)
            or _only_adjuncts(toks, in_quote, i + 1)
        )
        and not _named_subject_opens(toks, in_quote, i)
    ):
        f = _postposed(text, toks, in_quote, i, cue)
        if f is not None:
            return f
    if cue.lemma in POSTPOSED_ONLY and not _quotation_follows(toks, in_quote, i + 1):
        return None
    # participle after a comma: "..., saying that ..." takes the clause's subject
    subject: tuple[int, int] | None
    if cue.is_participle and prev is not None and prev.text in (",", "—"):
        subject = clause_subject(toks, 0, i)
    else:
        conjoined = prev is not None and prev.lower in ("and", "but", "or")
        subject = None if conjoined else subject_before(toks, _clause_floor(toks, i), i)
        if subject is None and (cue.is_participle or conjoined):
            subject = clause_subject(toks, 0, i)  # "She greeted them and told them that ..."
    if subject is None:
        return None
    c = i + 1
    if c < n and toks[c].lower == "out" and not in_quote[c]:
        cue = Cue(cue.start, toks[c].end, f"{cue.text} {toks[c].text}", cue.lemma, cue.speech)
        c += 1  # "pointed out that ...", "called out his rival": the particle belongs to the verb
    if not cue.speech and c < n and toks[c].lower in _CUE_PREPOSITIONS and not in_quote[c]:
        cue = Cue(cue.start, toks[c].end, f"{cue.text} {toks[c].text}", cue.lemma, speech=False)
        c += 1  # "referring to", "reflecting on": PolNeAR counts the preposition in the cue
    audience = None
    if cue.lemma in AUDIENCE_VERBS and c < n and not in_quote[c]:
        a_end = _audience_end(toks, in_quote, c)
        if a_end is not None:
            audience = (c, a_end)
            c = a_end + 1
    c = _skip_adjuncts(toks, in_quote, c)
    if c >= n or (cue.speech and _adjuncts_to_the_end(toks, in_quote, c)) or toks[c].lower in _NOT_CONTENT:
        # "Ross said in an interview.": nothing reported after the cue (a quotation may still be its)
        return Frame(cue, i, subject, sent_end, sent_end, audience)
    if toks[c].lower == "that" or toks[c].text == ":":
        pass  # PolNeAR keeps "that" inside the content
    elif cue.lemma in NEEDS_CLAUSE and not in_quote[c]:
        return None
    start = toks[c].start
    end = _content_end(text, toks, n, sent_end, after=c)
    return Frame(cue, i, subject, start, end, audience)


def _named_subject_opens(toks: Sequence[Token], in_quote: Sequence[bool], i: int) -> bool:
    """``Marlon Marshall, Clinton's director of campaigns, said the campaign ...``: everything before the
    cue is a name and its appositives, so the cue is not inverted ("..., said X") and what follows is content."""
    if i < 3 or toks[i - 1].text != "," or any(in_quote[:i]):
        return False
    subject = subject_before(toks, 0, i)
    if subject is None or not toks[subject[0]].is_cap:
        return False
    first = next((k for k in range(i) if toks[k].is_word), i)
    return subject[0] == first and (toks[subject[0] + 1].is_cap or toks[subject[0] + 1].text == ",")


def _finite(cue: Cue) -> bool:
    """A verb form that is never a noun: "and said", "and warned", not "lies and claims"."""
    return cue.lemma in ("said", "says", "told", "tells", "wrote", "writes") or cue.lemma.endswith("ed")


def _quotation_follows(toks: Sequence[Token], in_quote: Sequence[bool], k: int) -> bool:
    """``asks at the school, “Any questions?”``: a quotation after a few adjunct words, or a colon
    that ends the sentence (``Cruz continued:``, the quotation is the next paragraph)."""
    n = len(toks)
    stop = min(n, k + 8)
    while k < stop and not in_quote[k]:
        if toks[k].text in (".", ";"):
            return False
        if toks[k].text == ":" and k == n - 1:
            return True
        k += 1
    return k < stop


def _after_quotation(toks: Sequence[Token], in_quote: Sequence[bool], i: int) -> bool:
    """The cue at ``i`` closes a quotation: ``“...,” said X`` / ``"...", said X`` / ``“...,” X said``."""
    return (
        in_quote[i - 1]
        or (toks[i - 1].text == "," and i >= 2 and in_quote[i - 2])
        or _after_quote_subject(toks, in_quote, i)
    )


def _bare_subject(toks: Sequence[Token], in_quote: Sequence[bool], q: int, i: int) -> tuple[int, int] | None:
    """``“...,” federal prosecutors wrote``: a few plain words between a quotation and its cue are its speaker."""
    if q < 0 or not in_quote[q] or not 1 <= i - q - 1 <= 5:
        return None
    words = toks[q + 1 : i]
    if not all(t.is_word for t in words) or any(t.lower in CUE_VERBS or t.lower in _NOT_SUBJECT for t in words):
        return None
    return (q + 1, i - 1)


_NOT_SUBJECT = (
    frozenset(
        "is was were are be been being has have had do does did will would can could should may might must not".split()
    )
    | _PREPOSITIONS
    | _CUE_PREPOSITIONS
)


_NOT_SUBJECT_START = _PREPOSITIONS | _CUE_PREPOSITIONS


def _after_quote_subject(toks: Sequence[Token], in_quote: Sequence[bool], i: int) -> bool:
    """``“...,” he said`` / ``“...” Mr Zelensky said`` / ``“...,” Amy Pope, a deputy adviser, said``:
    a subject (with its appositives) right after a quotation."""
    if i > 0 and toks[i - 1].lower in ("and", "but", "or"):
        return False  # "“...” and said it was another step": a coordinated verb, not a postposed subject
    k = i - 1
    while (
        k >= 0
        and i - k <= 20
        and not in_quote[k]
        and (toks[k].text not in ".;:" or _abbreviation_stop(toks, k))
        and toks[k].lower not in CUE_VERBS
    ):
        k -= 1
    if k < 0 or not in_quote[k] or (k + 1 < i and toks[k + 1].lower in _NOT_SUBJECT_START):
        return False  # "“We’re happy” about the decision, said X": an adjunct, not a subject
    if all(t.text != "," for t in toks[k + 1 : i]):
        return i - k <= 8
    # past commas only when the quotation closes a clause of its own ("“...,” Amy Pope, an adviser, said"),
    # not inside one ("There will “be more” soldiers captured by Kyiv, he added")
    q = k  # the closing mark may be two tokens: ''
    while q > 0 and in_quote[q - 1] and toks[q - 1].text in _MARK_TOKENS:
        q -= 1
    return (q > 0 and toks[q - 1].text in ",?!…—") or (k + 1 < len(toks) and toks[k + 1].text == ",")


_MARK_TOKENS = frozenset("\"“”„«»‘’'`")


def _abbreviation_stop(toks: Sequence[Token], k: int) -> bool:
    """The full stop of an initial or an abbreviation ("N.C.", "Mr.", "Pa."), not the end of a clause."""
    if toks[k].text != "." or k == 0 or not toks[k - 1].is_cap:
        return False
    prev = toks[k - 1].text
    return len(prev) == 1 or prev.lower() in _ABBREVIATIONS


_ABBREVIATIONS = frozenset(
    """mr mrs ms dr sen gov rep reps jr sr st gen col lt capt sgt rev prof ft mt ala ariz ark calif colo conn del fla
    ga ill ind kan ky la md mass mich minn miss mo mont neb nev okla ore pa tenn tex va vt wash wis wyo""".split()
)


def _postposed(text: str, toks: Sequence[Token], in_quote: Sequence[bool], i: int, cue: Cue) -> Frame | None:
    n = len(toks)
    prev = toks[i - 1]
    appositive = prev.text == "," and i >= 2 and not in_quote[i - 2] and _after_quote_subject(toks, in_quote, i - 1)
    if (prev.text == "," or in_quote[i - 1]) and cue.lemma not in AUDIENCE_VERBS and not appositive:
        # inverted "..., said X"; never "told X": X is the hearer
        subject = subject_after(toks, i, n)
        if subject is not None:
            subject = (subject[0], _appositive_end(toks, in_quote, subject[1]))
        inverted_subject = True
        comma = i - 1
    else:
        k = i - 1
        while k >= 0 and not in_quote[k] and toks[k].text not in ",":
            k -= 1
        if k >= 0 and not in_quote[k] and (_after_quote_subject(toks, in_quote, i) or appositive):
            # "“...,” Google's executive, Laszlo Bock, told the Times" / "“...,” the bespectacled, 71-year-old
            # diplomat said": the subject runs from the quotation to the cue, appositives and all
            while k >= 0 and not in_quote[k]:
                k -= 1
        subject = subject_before(toks, k + 1, i) or _bare_subject(toks, in_quote, k, i)
        if subject is not None and toks[subject[0]].lower in ("who", "which", "that"):
            return None  # "..., said O'Donnell, who wrote about the visit": a relative clause, not a frame
        inverted_subject = False
        comma = k
    if subject is None:
        return None
    # the rest of the sentence after the cue (and an inverted subject) must be adjuncts only
    tail = (subject[1] + 1) if inverted_subject else i + 1
    if not inverted_subject and cue.lemma in AUDIENCE_VERBS and tail < n and not in_quote[tail]:
        heard = _audience_end(toks, in_quote, tail)  # "“...,” Obama told reporters."
        if heard is not None:
            tail = heard + 1
    # after a quotation the cue's clause is the attribution whatever follows it ("“...,” Trump said
    # 30 minutes into the debate", "“...,” said Leslie Feldman, a plaintiff who waited ..."); elsewhere
    # only adjuncts may follow, or the words after the cue are its content
    if (
        not _only_adjuncts(toks, in_quote, tail)
        and not (_after_quotation(toks, in_quote, i) and (tail >= n or toks[tail].lower not in ("that", ":")))
        and not (inverted_subject and tail < n and toks[tail].text == ",")  # "..., said X, a union that ..."
    ):
        return None
    while comma > 0 and not toks[comma].is_word and not in_quote[comma]:
        comma -= 1
    if comma < 0:
        return None
    start = toks[0].start
    end = toks[comma].end
    if in_quote[comma]:
        end = toks[comma].end
    return Frame(cue, i, subject, start, _rstrip(text, start, end), inverted=True)


_ADJUNCT_START = frozenset(
    "on in at during to via through after before from with about while when last this earlier later today yesterday"
    " citing adding according over outside inside near without under by as recently afterward afterwards again"
    " also then separately privately publicly repeatedly once".split()
)


def _only_adjuncts(toks: Sequence[Token], in_quote: Sequence[bool], k: int) -> bool:
    """After a postposed cue only time, place, channel and "citing X" may follow, up to the sentence's end.

    ``..., he said on Friday.`` qualifies; ``he said on Friday that ...`` does not.
    """
    n = len(toks)
    if k >= n:
        return True
    t = toks[k]
    if t.text in ".!?…":
        return True
    if t.text == ",":
        return k + 1 < n and (
            toks[k + 1].lower in _ADJUNCT_START
            or (in_quote[k + 1] and any(in_quote[:k]))  # the quotation resumes: “A,” he said, “B.”
            or toks[k + 1].lower.endswith("ing")
        )
    if in_quote[k] or not (t.lower in _ADJUNCT_START or t.lower in _TIME):
        return False
    for j in range(k, n):
        if toks[j].text == "," or j - k > 10:
            return toks[j].text == "," and _only_adjuncts(toks, in_quote, j)
        if in_quote[j] or toks[j].lower == "that" or toks[j].lower in CUE_VERBS or toks[j].lower in _SUBJECT_PRONOUNS:
            return False
    return True


_SUBJECT_PRONOUNS = frozenset(("he", "she", "they", "it", "we", "i", "there"))


def _appositive_end(toks: Sequence[Token], in_quote: Sequence[bool], m: int) -> int:
    """``said Stuart Stevens, who was Romney's adviser.``: the mention runs to the sentence's end,
    or to the comma before the quotation resumes (``said X, an analyst, “but ...”``)."""
    n = len(toks)
    if m + 2 >= n or toks[m + 1].text != ",":
        return m
    k = m + 2
    last = m
    while k < n:
        if toks[k].text == "," and k + 1 < n and in_quote[k + 1]:
            break
        if (toks[k].lower in CUE_VERBS and not in_quote[k]) or toks[k].text in (";", ":"):
            return m
        if toks[k].is_word and not in_quote[k]:
            last = k
        k += 1
    return last if last - m <= 30 else m


def _clause_floor(toks: Sequence[Token], i: int) -> int:
    """The first token a subject of ``toks[i]`` may start at: after the last semicolon or colon."""
    k = i - 1
    while k >= 0:
        if toks[k].text in (";", ":") or (toks[k].text in ("”", '"') and k < i - 1):
            return k + 1
        k -= 1
    return 0


def _audience_end(toks: Sequence[Token], in_quote: Sequence[bool], c: int) -> int | None:
    """``told lawmakers on Monday that``: the hearer's last token."""
    n = len(toks)
    if toks[c].lower in ("that", "him", "her", "them", "me", "us", "you", "reporters", "journalists"):
        return c if toks[c].lower != "that" else None
    m = c
    while m + 1 < n and m - c < 7 and toks[m + 1].is_word and not in_quote[m + 1]:
        nxt = toks[m + 1].lower
        if nxt in ("that", "on", "in", "at", "during", "last", "this", "it", "he", "she", "they", "about", "after"):
            break
        m += 1
    if not (toks[c].is_cap or toks[c].lower in _DETERMINERS or toks[c].lower.endswith("s")):
        return None
    return m


# A cue followed by these starts no reported clause: "which he has denied and which ...", "they complain - and if".
_NOT_CONTENT = frozenset(("and", "but", "or", "nor", "-", "—", "–", ")", "]"))


_ADJUNCT_PREPOSITIONS = _PREPOSITIONS | {"to", "via", "through"}


def _adjuncts_to_the_end(toks: Sequence[Token], in_quote: Sequence[bool], c: int) -> bool:
    """``in an interview``, ``on Monday``, ``in a note to investors``: a short prepositional phrase
    ends the sentence, with no clause and no quotation in it."""
    rest = toks[c:]
    if not rest or rest[0].lower not in _ADJUNCT_PREPOSITIONS or len(rest) > 12:
        return False
    if rest[0].lower == "to" and len(rest) > 1 and not rest[1].is_cap and rest[1].lower not in _DETERMINERS:
        return False  # "claimed to have hid in a shelter": an infinitive is reported content
    if rest[0].lower == "at" and len(rest) > 1 and rest[1].lower in ("least", "most"):
        return False  # "reported at least six planes filled the skies": a number, not a place
    return not any(
        in_quote[c + k] or t.lower == "that" or t.lower in _SUBJECT_PRONOUNS or t.lower in CUE_VERBS
        for k, t in enumerate(rest)
    )


def _skip_adjuncts(toks: Sequence[Token], in_quote: Sequence[bool], c: int) -> int:
    """Skip ``on Sunday``, ``in a statement``, ``during interrogation`` between a cue and its content."""
    n = len(toks)
    guard = 0
    while c < n and guard < 4 and not in_quote[c]:
        guard += 1
        t = toks[c]
        if t.lower in _TIME and t.lower not in ("the", "a", "an", "its"):
            c += 1
            continue
        if t.text == ",":
            c += 1
            continue
        if (
            t.lower == "to"
            and c + 1 < n
            and toks[c + 1].is_word
            and not toks[c + 1].is_cap
            and (toks[c + 1].lower not in _DETERMINERS)
        ):
            break  # "claimed to have hid": an infinitive is the content itself
        if t.lower in _PREPOSITIONS or t.lower in ("to", "through", "via", "about"):
            # find the next clause start within a few tokens
            k = c + 1
            while k < n and k - c <= 12 and not in_quote[k]:
                if toks[k].lower == "that" or toks[k].lower in ("he", "she", "they", "it", "we", "i"):
                    break
                if toks[k].text in (",", ":"):
                    break
                k += 1
            if k < n and toks[k].text == ":":
                return k  # "said on X:" introduces a quotation
            if (
                k < n
                and k - c <= 7
                and (toks[k].text == "," or toks[k].lower in _CLAUSE_START or toks[k].lower == "that")
            ):
                c = k + 1 if toks[k].text == "," else k
                continue
            break
        break
    return c


# The comma may stand inside the closing mark of a quotation that ends the clause, as American
# punctuation puts it: "... the system was “corrupt,” noting that ...".
_TRAILING_FRAME = re.compile(
    r"(,[”\"’']*)\s*"
    r"(?:according to|citing|adding|saying|stating|noting|which|while|said|says|told|added|wrote|asked)\b",
    re.I,
)
# A comma inside a closing mark before a capitalised word ends the reported clause: a new clause
# starts there ("said the system was “corrupt,” Trump told ..."). Before a lower-case word the clause
# often goes on ("was “futile,” because ...", "that, thanks to his “method,” he was ...").
_CLOSED_CLAUSE = re.compile(r"(,[”\"])\s+(?=[A-Z])")
# "defended the route and said the police ...": a second cue in a coordinated verb phrase
_COORDINATED_CUE = re.compile(r",?\s+(?:and|but)\s+(?:also\s+|then\s+|later\s+)?([a-z]+)\b")


def _content_end(text: str, toks: Sequence[Token], n: int, sent_end: int, *, after: int = 0) -> int:
    """Where reported content stops: before a trailing frame (``, according to X``) or the final stop."""
    lo = toks[after].start if after < n else sent_end
    m = _TRAILING_FRAME.search(text, lo, sent_end)
    end = m.end(1) if m else sent_end
    m = _CLOSED_CLAUSE.search(text, lo, end)
    if m:
        end = m.end(1)
    for c in _COORDINATED_CUE.finditer(text, lo, end):
        if c.group(1) in CUE_VERBS:
            end = c.start()
            break
    post = _postposed_cue_at(text, lo, end)
    if post is not None:
        end = post
    return _rstrip(text, lo, end)


_POSTPOSED_TAIL = re.compile(
    r",\s*(?:(?:[A-Z][\w’'\-.]*\s+){1,4}|(?:the\s+|a\s+)?\w+\s+){1,2}"
    r"(?:said|says|reported|reports|added|wrote|told|claimed|noted|stated|announced|confirmed)\b[^,]{0,60}$"
)


def _postposed_cue_at(text: str, lo: int, hi: int) -> int | None:
    m = _POSTPOSED_TAIL.search(text, lo, hi)
    return m.start() if m else None


def _rstrip(text: str, lo: int, hi: int) -> int:
    while hi > lo and (text[hi - 1].isspace() or text[hi - 1] in ".,;:!?…—–"):
        hi -= 1
    return hi
