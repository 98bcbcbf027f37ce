"""Extraction: ``Article`` -> the attributed speech in it, as ``Quote`` objects.

>>> from quotetrace.ingest import article_from_text
>>> art = article_from_text('“We are ready,” Mr Lee said on Sunday.', id="a")
>>> [(q.kind, q.text, q.speaker) for q in extract_quotes(art).quotes]
[('direct', 'We are ready,', 'Lee')]

The stage reads an article paragraph by paragraph and sentence by sentence, in
order, because who "he" is depends on who spoke before. Submodules do one thing
each: ``marks`` (quotation spans), ``cues`` (reporting verbs, channels, relays),
``indirect`` (frames of reported speech), ``speakers`` (mentions and coreference),
``embeds`` (social posts), ``segment`` (paragraphs, sentences, tokens).
"""

from __future__ import annotations

import bisect
import dataclasses
import operator
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from quotetrace.extract.cues import CUE_VERBS, audience_relays, find_channel, is_news_org, may_hold_cue
from quotetrace.extract.embeds import Embed, SignOff, find_embeds, find_sign_offs
from quotetrace.extract.indirect import Frame, find_frames
from quotetrace.extract.marks import Quotation, find_quotations
from quotetrace.extract.segment import Token, paragraphs, sentences, tokens
from quotetrace.extract.speakers import SpeakerResolver, clause_subject, mention_span, merge_speakers, subject_before
from quotetrace.extract.tagger import MAX_TOKENS, Label, Tagged, attributions, load_tagger, roles_of
from quotetrace.model import Article, Quote, QuoteKind, SourceDocument, Span, Speaker, SpeakerKind

__all__ = ["TAGGERS", "Extraction", "TaggerName", "extract_quotes", "extract_source", "merge_speakers", "named_tagger"]

# A quotation this short with no reporting cue of its own is a scare quote or a title,
# not speech ("the so-called 'special operation'"), unless a speaker is in context.
_MIN_FLOATING_WORDS = 3
_CITING = re.compile(r"\b(?:citing|who cited|cited)\s+((?:the\s+)?[\w’'\-]+(?:\s+[\w’'\-]+){0,6}?)(?=\s*(?:[.,;]|$))")
_POSSESSOR = re.compile(r"^(.*?)(?:’s|'s)\s+\w+$")
_OPEN_LEAD = re.compile(r"^\s*(?:that\s*)?[:,—–]?\s*$")
_PROSE_END = frozenset(".!?…:;\"”’')»")
_CLOSE_TAIL = re.compile(r"^[\s.,;!?…”\"’'—–)]*$")


@dataclass(frozen=True, slots=True)
class Extraction:
    """What one article yields: its quotes and the speakers named in it."""

    article: str
    quotes: tuple[Quote, ...]
    speakers: tuple[Speaker, ...]


@dataclass
class _Attribution:
    speaker: str | None
    mention: Span | None
    cue: Span | None
    channel: str | None
    via: list[str] = field(default_factory=list)
    speech: bool = True


@dataclass
class _State:
    """What reading an article so far has established."""

    text: str
    article: Article
    resolver: SpeakerResolver = field(default_factory=SpeakerResolver)
    quotes: list[Quote] = field(default_factory=list)
    last: _Attribution | None = None  # the latest attributed speech
    last_para: int = -10  # body-paragraph index of ``last``
    block: _Attribution | None = None  # "He said on X:" waiting for its quotation
    pending_open: list[int] = field(default_factory=list)  # quotes left open at a paragraph's end
    tagger: SentenceTagger | None = None


class SentenceTagger(Protocol):
    """Labels one sentence's tokens (see ``quotetrace.extract.tagger``). A tagger may also have a
    ``reading(sentences)`` method: ``extract_quotes`` then gives it every sentence of an article (as
    token texts) before reading it, and tags with the tagger it returns (the contextual tagger runs
    MiniLM over them all at once)."""

    def tag(self, toks: Sequence[Token], in_quote: Sequence[bool], rule: Sequence[Label]) -> list[Label]: ...


# The taggers a caller can name: the shipped fast one, the contextual one (``extract.contextual``,
# the ``semantic`` extra), or none (the rules alone).
TaggerName = Literal["fast", "contextual", "rules"]
TAGGERS: tuple[TaggerName, ...] = ("fast", "contextual", "rules")


def named_tagger(name: TaggerName) -> SentenceTagger | None:
    """The tagger called ``name``: None for ``rules``; the contextual one is loaded on first use
    (``SemanticUnavailableError`` without the ``semantic`` extra)."""
    if name == "rules":
        return None
    if name == "contextual":
        from quotetrace.extract.contextual import load_contextual_tagger

        return load_contextual_tagger()
    if name == "fast":
        return load_tagger()
    raise ValueError(f"no tagger called {name!r}: choose one of {', '.join(TAGGERS)}")


def extract_quotes(
    article: Article, *, tagger: SentenceTagger | TaggerName | Literal[False] | None = None
) -> Extraction:
    """Every attributed quote in ``article``, in reading order.

    Quotes in page furniture (``Latest Stories`` blocks, related links) are kept with
    ``section="related"`` so they never mix with the story. ``tagger`` is the learned
    tagger stacked on the rules: the shipped fast model by default, a name of ``TAGGERS``
    (``"contextual"``: see ``extract.contextual``), a tagger object, or ``False`` for the
    rules alone.
    """
    text = article.text
    chosen = named_tagger(tagger) if isinstance(tagger, str) else load_tagger() if tagger is None else tagger
    # a line too long to be prose (a dump, a wall of quotation marks) is kept in the text, never read
    paras = [p for p in paragraphs(text) if not article.sections or article.section_at(p[0]) != "overlong"]
    reading = getattr(chosen, "reading", None)
    if reading is not None:  # a tagger that reads the whole article first (the contextual one)
        chosen = reading(_sentence_words(text, paras))
    st = _State(text, article, tagger=chosen or None)
    embeds = {e.para_start: e for e in find_embeds(text, paras)}
    author_lines = {e.author_start for e in embeds.values()}
    signed = {s.para_start: s for s in find_sign_offs(text, paras) if s.para_start not in embeds}
    author_lines.update(s.line_start for s in signed.values() if s.line_start is not None)
    body_index = 0
    for ps, pe in paras:
        if ps in author_lines:
            continue
        if article.section_at(ps) == "related" and article.section_at(max(ps, pe - 1)) == "related":
            _related_paragraph(st, ps, pe)
            continue
        body_index += 1
        if ps in embeds:
            _embed(st, embeds[ps])
            continue
        _paragraph(st, ps, pe, body_index, signed.get(ps))
    # quotations left open with no speaker found anywhere are not attributed speech
    # quotations with no attribution at all are not speech; a mention whose referent is unknown
    # ("it said" with nothing before it) is kept, with speaker null
    quotes = _dedupe(
        [
            _renamed(q, st.resolver)
            for q in st.quotes
            if q.speaker is not None or q.speaker_mention is not None or q.section == "related"
        ]
    )
    spoken = {q.speaker for q in quotes if q.speaker}
    speakers = tuple(s for s in st.resolver.speakers() if s.name in spoken)
    return Extraction(article.id, tuple(quotes), speakers)


def _sentence_words(text: str, paras: Sequence[tuple[int, int]]) -> Iterator[list[str]]:
    """The token texts of every sentence of ``paras``, as ``_paragraph`` cuts them (a superset of
    those it tags: headlines, related links and embedded posts are cut too, and never tagged)."""
    for ps, pe in paras:
        protected = [(q.outer_start, q.outer_end) for q in find_quotations(text, ps, pe)]
        for s, e in sentences(text, ps, pe, protected):
            found = tokens(text, s, e, limit=MAX_TOKENS + 1)
            if len(found) <= MAX_TOKENS:
                yield [t.text for t in found]


def extract_source(doc: SourceDocument) -> Extraction:
    """A source document is one statement in the speaker's own words: a single ``embed`` quote."""
    art = doc.article
    start, end = 0, len(art.text)
    while start < end and art.text[start].isspace():
        start += 1
    while end > start and art.text[end - 1].isspace():
        end -= 1
    quote = Quote(f"{art.id}#{start}-{end}s", art.id, start, end, art.text[start:end], "embed", doc.speaker,
                  channel=doc.channel, date=art.date)  # fmt: skip
    kind: SpeakerKind = "organization" if _ORG_HINT.search(doc.speaker) else "person"
    return Extraction(art.id, (quote,), (Speaker(doc.speaker, (), kind),))


_ORG_HINT = re.compile(r"\b(?:Service|Agency|Ministry|Office|Forces|Kremlin|Pentagon|Party|Committee|Government)\b")


# ---------------------------------------------------------------- paragraphs


def _paragraph(st: _State, ps: int, pe: int, para: int, sign_off: SignOff | None = None) -> None:
    text = st.text
    quotations = find_quotations(text, ps, pe)
    protected = [(q.outer_start, q.outer_end) for q in quotations]
    block, st.block = st.block, None
    if sign_off is not None:
        block = _signed(st, sign_off)  # the quotation's own signature beats "He said:" before it
    open_before = st.pending_open
    st.pending_open = []
    qi = 0
    # headlines, bylines and captions (no closing punctuation) are not prose the tagger was trained on
    learn = st.tagger is not None and para > 0 and text[pe - 1] in _PROSE_END
    for s, e in sentences(text, ps, pe, protected):
        while qi < len(quotations) and quotations[qi].outer_start < s:
            qi += 1
        qj = qi
        while qj < len(quotations) and quotations[qj].outer_start < e:
            qj += 1
        in_sent = quotations[qi:qj]
        before = len(st.quotes)
        if (
            not in_sent
            and not may_hold_cue(text, s, e)
            and text.find(":", s, min(e, s + 80)) < 0
            and text[e - 1] != ":"  # "X issued the following statement:" introduces the next paragraph
        ):
            if learn:
                # a tagger that leaves long sentences to the rules needs no more than one token past its limit
                limit = getattr(st.tagger, "max_tokens", None)
                toks = tokens(text, s, e, limit=None if limit is None else limit + 1)
                _learned(st, toks, [False] * len(toks), before)
            st.resolver.mention_names(text[s:e])  # no speech here, but names a later "he" may need
            continue
        toks = tokens(text, s, e)
        if not toks:
            continue
        in_quote = _quote_mask(toks, in_sent)
        frames = find_frames(text, toks, in_quote, e)
        frame_attr = [_attribute(st, toks, f, s, e, relay=_is_relay(frames, fi)) for fi, f in enumerate(frames)]
        used: set[int] = set()
        for q in in_sent:
            at, kind, fi = _quotation_attribution(st, toks, frames, frame_attr, q, s, e, ps, para, block)
            if fi is not None and kind == "direct":
                used.add(fi)
            if at is None:
                if q.close_mark is None:
                    st.pending_open.append(len(st.quotes))
                    st.quotes.append(_quote(st, q.start, q.end, "direct", None))
                continue
            block = None
            st.quotes.append(_quote(st, q.start, q.end, kind, at))
            st.last, st.last_para = at, para
            if q.close_mark is None:
                st.pending_open.append(len(st.quotes) - 1)
            if open_before and q.open_mark is not None and q.outer_start == ps:
                _close_pending(st, open_before, at)
                open_before = []
        for fi, (f, at) in enumerate(zip(frames, frame_attr, strict=True)):
            if fi in used or at is None or _is_relay(frames, fi):
                continue
            cs, ce = f.content_start, f.content_end
            if ce - cs < 2:
                if e == ps or (text[e - 1] == ":" and f.content_start >= e - 1):
                    st.block = at  # "He said on X:" introduces the next paragraph
                continue
            if _mostly_quoted(text, in_sent, cs, ce) or len(text[cs:ce].split()) < 2:
                continue
            st.quotes.append(_quote(st, cs, ce, "indirect", at))
            st.last, st.last_para = at, para
        if learn:
            _learned(st, toks, in_quote, before)
        st.resolver.mention_names(text[s:e])


def _learned(st: _State, toks: Sequence[Token], in_quote: Sequence[bool], before: int) -> None:
    """Add the attributions the learned tagger finds in a sentence that no rule quote already has.

    The rules' quotes of the sentence are the tagger's inputs. They are kept, with two
    exceptions: a reported clause the tagger reads no part of is dropped (``_untagged_clause``),
    and one whose end the tagger reads elsewhere is re-bounded (``_rebound``). A tagged span with
    no source is not attributed speech and is left out.
    """
    assert st.tagger is not None
    if not toks:
        return
    ruled = st.quotes[before:]
    labels = st.tagger.tag(toks, in_quote, roles_of(toks, _rule_spans(ruled)))
    starts = [t.start for t in toks]
    limit = getattr(st.tagger, "max_tokens", None)
    if ruled and (limit is None or len(toks) <= limit):  # a sentence the tagger left to the rules keeps them
        kept = [q for q in ruled if not _untagged_clause(q, starts, labels)]
        if len(kept) < len(ruled):
            # reported clauses come after the sentence's quotations, so no index in st.pending_open moves
            ruled = st.quotes[before:] = kept
    tagged = attributions(labels)
    if not tagged:
        return
    if ruled:
        ruled = st.quotes[before:] = _rebound(st, toks, starts, tagged, ruled)
    taken = [(bisect.bisect_left(starts, q.start), bisect.bisect_left(starts, q.end), q.kind) for q in ruled]
    text = st.text
    for found in tagged:
        cs, ce = found.content
        if found.source is None or _known(toks, found, taken):
            continue
        start, end = toks[cs].start, toks[ce - 1].end
        if end - start < 2:
            continue
        mention = _token_span(text, toks, found.source)
        cue = _token_span(text, toks, found.cue) if found.cue else None
        # a guess must not rename anyone nor become the "he" of the next sentence
        name = st.resolver.resolve(_clean_mention(mention.text), is_speaker=False, grow=False)
        speech = cue is not None and not _SPEECH_WORDS.isdisjoint(cue.text.lower().split())
        channel = find_channel(text, toks[0].start, start) or find_channel(text, end, toks[-1].end)
        at = _Attribution(name, mention, cue, channel, _with_agency(st, []), speech)
        st.quotes.append(_quote(st, start, end, "indirect", at))


def _untagged_clause(q: Quote, starts: Sequence[int], labels: Sequence[Label]) -> bool:
    """Whether ``q`` is a rule's reported clause of which the tagger reads no part: no word of its
    content, speaker or cue.

    The rules take the words around a cue-like frame as a clause ("[Since last November], the
    senator has warned"; "In her address, Stein, [a physician from Massachusetts], ..."). The
    tagger reads the rules' labels among its inputs and the whole sentence besides; where it
    keeps none of them, the rules were most likely wrong. On a held-out quarter of PolNeAR train
    (docs/benchmarks.md, session 22) the contextual tagger reads nothing of 78 rule clauses, and
    62 of them overlap no gold attribution's content by half or more. A clause whose speaker or
    cue it reads is kept ("According to the Kremlin, the report is false": the fast tagger keeps
    the source and cue and drops the content)."""
    if q.kind != "indirect":
        return False
    for role, span in (("C", q), ("S", q.speaker_mention), ("K", q.cue)):
        if span is None:
            continue
        a, b = bisect.bisect_left(starts, span.start), bisect.bisect_left(starts, span.end)
        if any(lab[-1] == role for lab in labels[a:b]):  # "B-C", "I-S", ...; "O" is no role
            return False
    return True


def _rebound(
    st: _State, toks: Sequence[Token], starts: Sequence[int], tagged: Sequence[Tagged], ruled: Sequence[Quote]
) -> list[Quote]:
    """The rules' quotes of a sentence, each reported clause with the bounds the tagger reads for it.

    The rules end a reported clause where the sentence or the clause seems to end; the tagger,
    trained on where PolNeAR's annotators end them, knows better ("that he spent $45 million
    [, supplemented by contributions from supporters]"; "warned [of] the risk"). A clause takes the
    bounds of the tagged content that starts inside it and overlaps it most, of those the tagger
    gives to the clause's speaker or to no one (content it gives another source is an attribution of
    its own, added as one), unless the new bounds reach the clause's own cue or speaker or another
    quote's, hold a single word, end where a clause cannot ("alleged [that the soldiers] were
    ordered"), or leave out a quote the rules found inside the clause: "he was unaware of being
    deployed ... as his commanders told him that he was sent to Russia for training" stays whole,
    since the report inside it is what links it to the other accounts of the captive's words. A
    clause never starts earlier: there the tagger takes in audiences and adjuncts ("told [lawmakers
    in Seoul] it believes", "[during interrogation] he had been told").
    """
    out = []
    for q in ruled:
        bounds = _tagged_bounds(q, toks, starts, tagged, ruled) if q.kind == "indirect" else None
        if bounds is not None:
            start, end = bounds
            qid = _quote_id(q.article, start, end, q.kind)
            q = dataclasses.replace(q, id=qid, start=start, end=end, text=st.text[start:end])
        out.append(q)
    return out


def _tagged_bounds(
    q: Quote, toks: Sequence[Token], starts: Sequence[int], tagged: Sequence[Tagged], ruled: Sequence[Quote]
) -> tuple[int, int] | None:
    """The character bounds ``_rebound`` gives reported clause ``q``, or None where it keeps its own."""
    if q.speaker_mention is None:
        return None
    a, b = bisect.bisect_left(starts, q.start), bisect.bisect_left(starts, q.end)
    m0, m1 = bisect.bisect_left(starts, q.speaker_mention.start), bisect.bisect_left(starts, q.speaker_mention.end)
    content = [t.content for t in tagged if t.source is None or (t.source[0] < m1 and m0 < t.source[1])]
    if not content:
        return None
    s, e = max(content, key=lambda se: min(se[1], b) - max(se[0], a))
    while s < e and toks[s].text in _CLAUSE_PUNCT:
        s += 1
    while e > s and toks[e - 1].text in _CLAUSE_PUNCT:
        e -= 1
    if (s, e) == (a, b) or not a <= s < b or sum(t.is_word for t in toks[s:e]) < 2:
        return None
    if e < b and not _clause_may_end_before(toks[e]):
        return None
    start, end = toks[s].start, toks[e - 1].end
    if any(start < sp.end and sp.start < end for o in ruled for sp in (o.cue, o.speaker_mention) if sp is not None):
        return None  # the clause's own cue or speaker, or another quote's
    if any(o is not q and q.start <= o.start < q.end and not start <= o.start < end for o in ruled):
        return None  # a quote nested in the clause
    return start, end


_CLAUSE_PUNCT = frozenset(",;:—–-")
_SAME_TOKENS = 0.5
_SPEECH_WORDS = CUE_VERBS | {"according"}


def _known(toks: Sequence[Token], found: Tagged, taken: Sequence[tuple[int, int, str]]) -> bool:
    """Whether a tagged attribution (token ranges) is a rule quote already: the same tokens
    (IoU >= 0.5), a clause around reported speech the rules attributed to someone else
    ("X put out a video in which the captive said he would stay"), the head of a reported
    clause the rules have whole, cut before its verb ("The agency alleged [that North Korean
    soldiers] were ordered ..."), or words of a quotation given to a source outside it (the
    quotation's own speaker; a source inside it is someone the speaker quotes). A piece that ends
    where a clause may end ("mocked [Trump for calling himself the “king of debt,”] noting
    that ...") is kept: the rules' clause often runs on."""
    (cs, ce), cue, source = found.content, found.cue, found.source
    ws, we = cs, ce  # its words, without the marks around them
    while ws < we and not toks[ws].is_word:
        ws += 1
    while we > ws and not toks[we - 1].is_word:
        we -= 1
    for s, e, kind in taken:
        if kind != "indirect" and s <= ws and we <= e and source is not None and not s <= source[0] < e:
            return True
        inter = min(ce, e) - max(cs, s)
        if inter > 0 and inter / (max(ce, e) - min(cs, s)) >= _SAME_TOKENS:
            return True
        if kind == "indirect" and cs <= s and e <= ce:
            return True
        if (
            kind == "indirect"
            and s <= cs
            and ce < e
            and (cue is None or not s <= cue[0] < e)
            and not _clause_may_end_before(toks[ce])
        ):
            return True
    return False


def _clause_may_end_before(tok: Token) -> bool:
    """Whether a reported clause may end before ``tok``: punctuation, a capital, a participle or a word
    that links clauses may follow its end; any other word is most likely its verb or its object."""
    return not tok.is_word or tok.is_cap or tok.lower.endswith("ing") or tok.lower in _CLAUSE_LINKS


_CLAUSE_LINKS = frozenset("and but or while as because since although though when after before".split())


def _token_span(text: str, toks: Sequence[Token], rng: tuple[int, int]) -> Span:
    s, e = toks[rng[0]].start, toks[rng[1] - 1].end
    return Span(s, e, text[s:e])


def _rule_spans(quotes: Sequence[Quote]) -> list[tuple[str, int, int]]:
    out = []
    for q in quotes:
        out.append(("C", q.start, q.end))
        if q.speaker_mention is not None:
            out.append(("S", q.speaker_mention.start, q.speaker_mention.end))
        if q.cue is not None:
            out.append(("K", q.cue.start, q.cue.end))
    return out


def _close_pending(st: _State, pending: list[int], at: _Attribution) -> None:
    for i in pending:
        q = st.quotes[i]
        if q.speaker is None:
            st.quotes[i] = _quote(st, q.start, q.end, q.kind, at)


def _related_paragraph(st: _State, ps: int, pe: int) -> None:
    """Quotes in furniture are kept (marked related) so nothing is lost, with their speakers when stated."""
    saved = st.resolver, st.last, st.last_para, st.block, st.pending_open
    st.resolver, st.last, st.block, st.pending_open = SpeakerResolver(), None, None, []
    before = len(st.quotes)
    _paragraph(st, ps, pe, -100)
    for i in range(before, len(st.quotes)):
        st.quotes[i] = dataclasses.replace(st.quotes[i], section="related")
    # furniture interrupts the story without changing who was speaking in it
    st.resolver, st.last, st.last_para, st.block, st.pending_open = saved


def _signed(st: _State, sign: SignOff) -> _Attribution:
    """The speaker a signature names (``“...” ― Jane Doe``), its dash the cue."""
    text = st.text
    mention = Span(sign.name[0], sign.name[1], text[sign.name[0] : sign.name[1]])
    cue = Span(sign.dash[0], sign.dash[1], text[sign.dash[0] : sign.dash[1]])
    return _Attribution(st.resolver.resolve(mention.text), mention, cue, None, _with_agency(st, []))


def _embed(st: _State, emb: Embed) -> None:
    names = emb.names or (emb.handle,)
    name = st.resolver.add_known(names[0], aliases=(*names[1:], emb.handle), handle=emb.handle)
    line = Span(emb.author_start, emb.author_end, st.text[emb.author_start : emb.author_end])
    at = _Attribution(name, line, None, "X", _with_agency(st, []))
    q = _quote(st, emb.start, emb.end, "embed", at)
    st.quotes.append(dataclasses.replace(q, truncated=emb.truncated, date=emb.date))
    st.last = at


# ---------------------------------------------------------------- quotations


def _quote_mask(toks: Sequence[Token], quotations: Sequence[Quotation]) -> list[bool]:
    """Whether each token starts inside a quotation's marks (``quotations`` in order, never overlapping)."""
    mask = [False] * len(toks)
    lo = 0
    for q in quotations:
        lo = bisect.bisect_left(toks, q.outer_start, lo, key=_token_start)
        hi = bisect.bisect_left(toks, q.outer_end, lo, key=_token_start)
        mask[lo:hi] = [True] * (hi - lo)
        lo = hi
    return mask


_token_start = operator.itemgetter(0)


def _quotation_attribution(
    st: _State,
    toks: Sequence[Token],
    frames: Sequence[Frame],
    attrs: Sequence[_Attribution | None],
    q: Quotation,
    s: int,
    e: int,
    ps: int,
    para: int,
    block: _Attribution | None,
) -> tuple[_Attribution | None, QuoteKind, int | None]:
    """Who speaks a quotation, whether it is direct or partial, and the frame that says so."""
    text = st.text
    lead = text[s : q.outer_start]
    tail = text[q.outer_end : e]
    # 1. a cue after the quotation: "“...,” he said." / "For “...,” said Zelensky."
    for fi, f in enumerate(frames):
        at = attrs[fi]
        if at is None or not f.inverted or f.cue.start < q.outer_end:
            continue
        if f.content_start <= q.outer_start and f.content_end >= q.start:
            between = text[q.outer_end : f.cue.start]
            subject_between = f.subject is not None and toks[f.subject[0]].start >= q.outer_end
            if len(between.split()) > (20 if subject_between else 8):
                continue
            # "“We are horrified” by the shooting, Nefzi said.": words of the reporter's own between the
            # quotation and the cue make the quotation part of the reported clause, which is kept too
            own_words = not _CLOSE_TAIL.match(text[q.outer_end : max(q.outer_end, f.content_end)])
            kind: QuoteKind = "direct" if not lead.strip() and not own_words else "partial"
            return at, kind, fi
    # 1b. the quotation resumes after the cue: "“...,” Smith said, “for all of us.”"
    for fi, f in enumerate(frames):
        at = attrs[fi]
        if at is None or not f.inverted or f.cue.end > q.outer_start:
            continue
        after = max(f.cue.end, toks[f.subject[1]].end) if f.subject is not None else f.cue.end
        if after <= q.outer_start and text[after : q.outer_start].strip() in ("", ",", ":", "—"):
            return at, ("direct" if _CLOSE_TAIL.match(tail) else "partial"), fi
    # 2. a cue before it: "Zelensky said: “...”" / "Zelensky said Putin could not “manage ...”"
    best: int | None = None
    for fi, f in enumerate(frames):
        if attrs[fi] is None or f.inverted or f.cue.end > q.outer_start:
            continue
        if f.content_start <= q.outer_start <= max(f.content_end, f.content_start + 1) or f.content_start >= e - 1:
            best = fi
    if best is not None:
        f = frames[best]
        direct = bool(_OPEN_LEAD.match(text[f.cue.end : q.outer_start])) or f.content_start == q.outer_start
        direct = direct and bool(_CLOSE_TAIL.match(tail)) and _lead_is_frame(text, s, f)
        at = attrs[best]
        return at, ("direct" if direct else "partial"), best
    # 3. "According to X, “...”" or "“...”, according to X."
    for fi, f in enumerate(frames):
        if attrs[fi] is not None and f.according and f.content_start <= q.outer_start < f.content_end + 2:
            return attrs[fi], ("direct" if _CLOSE_TAIL.match(tail) and not lead.strip() else "partial"), fi
    # 4. no cue in the sentence: a block quotation after "He said on X:", or a floating
    # quotation continuing the speaker before it
    only_quote = not lead.strip() and bool(_CLOSE_TAIL.match(tail))
    if block is not None and q.outer_start == ps:
        return block, "direct", None
    words = len(text[q.start : q.end].split())
    if not only_quote and _titled(text[q.start : q.end]):
        return None, "direct", None  # with no cue of its own, "Meet the Press" is a title, not words said
    # 5. no cue at all, but the sentence's subject is a named person or a known speaker:
    # "Rubio bemoaned a climate in which people “literally hate each other”"
    subject = None if only_quote else _subject_of_sentence(st, toks, q)
    if subject is not None and words >= 2:
        return subject, "partial", None
    if st.last is not None and para - st.last_para <= 1 and (only_quote or words >= _MIN_FLOATING_WORDS + 2):
        inherited = _Attribution(st.last.speaker, st.last.mention, None, st.last.channel, list(st.last.via))
        return inherited, ("direct" if only_quote else "partial"), None
    return None, "direct", None


_TITLE_WORD = re.compile(r"[^\W\d_][\w’'\-]*")
_TITLE_SMALL = frozenset("a an and as at but by for from in into nor of on or the to vs with".split())
_TITLE_MAX_WORDS = 8


def _titled(quoted: str) -> bool:
    """Whether ``quoted`` is written as titles are ("Meet the Press", "Tough Choices", "The Nightly Show
    with Larry Wilmore"): a few words, each capitalised but the small ones, the first too. Words shouted in
    capitals ("LOCK HER UP") are not a title."""
    found = _TITLE_WORD.findall(quoted)
    if not 2 <= len(found) <= _TITLE_MAX_WORDS or not found[0][0].isupper() or quoted.isupper():
        return False
    return all(w[0].isupper() or w in _TITLE_SMALL for w in found)


def _subject_of_sentence(st: _State, toks: Sequence[Token], q: Quotation) -> _Attribution | None:
    last = bisect.bisect_right([t.end for t in toks[:64]], q.outer_start) - 1  # a subject opens a sentence
    if last < 1:
        return None
    rng = clause_subject(toks, 0, last + 1)
    if rng is None or rng[1] >= last or toks[rng[1] + 1].lower in ("who", "that", "which", "whose"):
        return None  # "North Koreans who want “...”": the quotation is in the subject's own clause
    first = toks[rng[0]]
    mention = mention_span(st.text, toks, rng)
    low = mention.text.lower()
    if low in ("he", "she", "they") or (first.is_cap and _is_named(mention.text)):
        name = st.resolver.resolve(mention.text)
        if name is not None:
            return _Attribution(name, mention, None, None, _with_agency(st, []))
    return None


def _is_named(mention: str) -> bool:
    """A proper name, not a capitalised description ("The film", "Crows and ravens")."""
    words = mention.split()
    return all(w[:1].isupper() for w in words) and words[0].lower() not in ("the", "a", "an", "this", "these", "that")


def _lead_is_frame(text: str, s: int, f: Frame) -> bool:
    """Nothing but the frame's subject and adjuncts stands before the cue."""
    lead = text[s : f.cue.start]
    return len(lead.split()) <= 14


def _mostly_quoted(text: str, quotations: Sequence[Quotation], cs: int, ce: int) -> bool:
    """Reported speech that is almost all quotation is that quotation, not a paraphrase of it.

    The 0.85 share was set on PolNeAR train, where reported clauses are annotated whole
    ("that Mr. Clinton would be “in charge of ...”"): below it, both are kept.
    """
    total = len(text[cs:ce].split())
    quoted = sum(
        len(text[max(q.start, cs) : min(q.end, ce)].split()) for q in quotations if q.start < ce and q.end > cs
    )
    return quoted >= total * 0.85


def _is_relay(frames: Sequence[Frame], fi: int) -> bool:
    """An outer frame (``..., Yonhap reported``) whose content holds another frame is a relay, not a quote."""
    f = frames[fi]
    if not f.inverted:
        return False
    return any(
        j != fi and f.content_start <= g.cue.start < f.content_end and not g.inverted for j, g in enumerate(frames)
    )


# ---------------------------------------------------------------- attribution


def _attribute(st: _State, toks: Sequence[Token], f: Frame, s: int, e: int, *, relay: bool) -> _Attribution | None:
    text = st.text
    if f.subject is None:
        return None
    mspan = mention_span(text, toks, f.subject)
    subject_text = _clean_mention(mspan.text)
    if not subject_text:
        return None
    if subject_text.lower() in ("who", "which") and f.subject[0] > 0:
        # "Bob Mulholland, a superdelegate who accused ...": PolNeAR marks "who"; the speaker is its antecedent
        k = f.subject[0] - 1 if toks[f.subject[0] - 1].text != "," else f.subject[0] - 2
        antecedent = subject_before(toks, 0, k + 1) if k >= 0 else None
        if antecedent and antecedent[0] > 1 and toks[antecedent[0] - 1].text == ",":
            named = subject_before(toks, 0, antecedent[0] - 1)  # "Bob Mulholland, a superdelegate who"
            if named and toks[named[0]].is_cap:
                antecedent = named
        subject_text = _clean_mention(mention_span(text, toks, antecedent).text) if antecedent else ""
        if not subject_text:
            return None
    name = st.resolver.resolve(subject_text, is_speaker=not relay)
    via: list[str] = []
    if f.audience is not None:
        aspan = mention_span(text, toks, f.audience)
        if audience_relays(aspan.text):
            via.append(_strip_det(aspan.text))
    # "Yonhap reported, citing NIS": the agency relays, NIS speaks
    outside = (
        text[s : f.content_start] + " " + text[f.content_end : e] if f.content_end > f.content_start else text[s:e]
    )
    cited = _CITING.search(outside)
    if cited:
        who = cited.group(1)
        owner = _POSSESSOR.match(who)  # "citing the intelligence agency’s findings"
        cited_name = st.resolver.resolve(_clean_mention(owner.group(1) if owner else who), is_speaker=False)
        if cited_name:
            if name and is_news_org(name):
                via, name = [name, *via], cited_name
            else:
                via.append(cited_name)
    # an outer relay frame in the same sentence: "..., Yonhap News Agency reported" / "..., according to two lawmakers"
    channel = find_channel(text, s, f.content_start) if f.content_start > s else None
    channel = channel or (find_channel(text, f.content_end, e) if f.content_end < e else None)
    at = _Attribution(name, mspan, _cue_span(text, toks, f), channel, via, f.cue.speech)
    _add_outer_relays(st, toks, f, at, s, e)
    at.via = _with_agency(st, at.via)
    return at


# Auxiliaries and adverbs right before a cue belong to it ("has said", "also said"), as PolNeAR
# annotates them; the subject never includes them.
_CUE_AUX = frozenset("has have had also does did is was were are been has also".split())


def _cue_span(text: str, toks: Sequence[Token], f: Frame) -> Span:
    start = f.cue.start
    k = f.cue_index - 1
    subject_end = f.subject[1] if f.subject is not None else -1
    while k > subject_end and k >= 0 and toks[k].lower in _CUE_AUX and f.cue_index - k <= 2:
        start = toks[k].start
        k -= 1
    return Span(start, f.cue.end, text[start : f.cue.end])


def _add_outer_relays(st: _State, toks: Sequence[Token], f: Frame, at: _Attribution, s: int, e: int) -> None:
    text = st.text
    tail = text[f.content_end : e]
    m = _OUTER_REPORTER.search(tail)
    if m and not f.inverted:
        who = m.group(1).strip()
        if who.lower() not in ("he", "she", "it", "they") and who not in at.via:
            at.via.append(_strip_det(who))
    m2 = _OUTER_ACCORDING.search(tail)
    if m2 and not f.according:
        who = m2.group(1).strip()
        if who[:1].isupper() or _UNNAMED_SOURCES.match(who):
            at.via.append(_strip_det(who) if who[:1].isupper() else who)


# ", Yonhap reported" / ", according to two officials" after a reported clause: a relay of the report
_OUTER_REPORTER = re.compile(
    r",\s*((?:[A-Z][\w’'\-.]*\s+){1,4}|(?:the\s+)?[a-z]+\s+(?:[a-z]+\s+)?)(?:reported|reports|said|says|wrote)\b"
)
_OUTER_ACCORDING = re.compile(r",\s*according to\s+((?:[\w’'\-]+\s*){1,8}?)(?=\s*(?:,|\.|$|who\b))")
_UNNAMED_SOURCES = re.compile(r"(?:two|three|several|some|the)?\s*(?:lawmakers|officials|sources)")
_LEADING_THE = re.compile(r"^(?:the|The)\s+")


def _with_agency(st: _State, via: list[str]) -> list[str]:
    """A wire byline (``By AFP``) puts the agency on every quote's path in the article."""
    agency = st.article.agency
    if agency and agency not in via:
        return [*via, agency]
    return via


def _clean_mention(s: str) -> str:
    s = s.strip(" ,;:—–-\n\t")
    return s


def _strip_det(s: str) -> str:
    return _LEADING_THE.sub("", s.strip())


_KIND_SUFFIX: dict[QuoteKind, str] = {"direct": "d", "partial": "p", "indirect": "i", "embed": "e"}


def _quote_id(article: str, start: int, end: int, kind: QuoteKind) -> str:
    """A quote's id: its article, its offsets and its kind (``a.txt#10-42d``)."""
    return f"{article}#{start}-{end}{_KIND_SUFFIX[kind]}"


def _quote(st: _State, start: int, end: int, kind: QuoteKind, at: _Attribution | None) -> Quote:
    art = st.article
    text = st.text[start:end]
    section = art.section_at(start)
    qid = _quote_id(art.id, start, end, kind)
    if at is None:
        return Quote(qid, art.id, start, end, text, kind, section=section)
    return Quote(
        qid,
        art.id,
        start,
        end,
        text,
        kind,
        at.speaker,
        at.mention,
        at.cue,
        at.channel,
        tuple(at.via),
        section,
        speech=at.speech or kind != "indirect",
    )


def _renamed(q: Quote, resolver: SpeakerResolver) -> Quote:
    if q.speaker is None:
        return q
    name = resolver.final_name(q.speaker)
    via = tuple(resolver.final_name(v) for v in q.via)
    if name == q.speaker and via == q.via:
        return q
    return dataclasses.replace(q, speaker=name, via=via)


def _dedupe(quotes: list[Quote]) -> list[Quote]:
    """One quote per span (a quotation beats the reported clause that is exactly it); reading order."""
    rank = {"embed": 0, "direct": 1, "partial": 2, "indirect": 3}
    best: dict[tuple[int, int], Quote] = {}
    for q in quotes:
        k = (q.start, q.end)
        if k not in best or rank[q.kind] < rank[best[k].kind]:
            best[k] = q
    return sorted(best.values(), key=lambda q: (q.start, q.end))
