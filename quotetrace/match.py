"""Matching: does one quote reproduce another, how faithfully, and which words changed?

``compare(original, reproduction)`` aligns two texts word by word with rapidfuzz's
edit-distance primitives and labels the reproduction:

- ``verbatim``: the same words, up to case, punctuation and quotation style;
- ``truncated``: a contiguous part of the original ("undoubtedly be more");
- ``variant``: only respellings or typos ("organise" for "organize");
- ``altered``: words added, dropped or changed ("in Korean language");
- ``paraphrase``: reported speech of the same content (scored on content words).

``candidate_pairs`` finds which quotes to compare without trying all pairs: an
inverted index on word n-grams (shingles), so the work grows with the number of
shared shingles, not with the square of the number of quotes.

>>> compare("we will organize it", "we will organise it").fidelity
'variant'
"""

from __future__ import annotations

import bisect
import functools
import itertools
import math
import re
import sys
import unicodedata
from array import array
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import Indel, Levenshtein

from quotetrace.compiled import jit
from quotetrace.model import Edit, Fidelity

_WORD = re.compile(r"\w+(?:['’]\w+)*")

# Calibrated on the seed story and hand-written variants (tests/test_match.py): a
# respelling keeps at least 75% of its characters ("organise"/"organize" is 87.5,
# "leder"/"leader" 90.9); reproductions below 60 are different statements.
SPELLING_RATIO = 75.0
MIN_SCORE = 60.0
# An altered reproduction shares a run of at least this many words with its original
# (MemeTracker's rule), or half of its own words, never fewer than three, when it is shorter:
# "did not respond to" and "did not need to" share a two-word run by chance.
MIN_RUN = 4
# Paraphrase: IDF-weighted Dice of the content words of both texts. Chosen for precision on
# the seed story (the only annotated links we have): 0.30 links more (seed linking F1 0.85)
# but merges distinct statements of one speaker (P 0.89); 0.35 keeps P 0.98 (F1 0.81). A
# false link misleads a fact-checker more than a missing one. To be recalibrated on the
# reprint-chain generator planned for linking (issue 4), not on the seeds.
PARAPHRASE_OVERLAP = 0.35
PARAPHRASE_MIN_SHARED = 3
# Reported speech that quotes a quotation whole inside it ('he said his commanders "told him it was
# just training"') reports that quotation, whatever else it adds. Below four words a quotation
# ("confirmed", "self destruct") is too common a phrase to say which statement a report is of.
QUOTED_MIN_WORDS = 4
# Reported speech aligned word by word: a run shorter than MIN_RUN (allowed for a short report) must
# carry this many content words ("Scalia may have been murdered" / "he may have been sabotaged").
REPORTED_RUN_CONTENT = 2

STOPWORDS = frozenset(
    """a an the and or but if of to in on at by for with from as is are was were be been being it its this that
    these those he she they we i you his her their our my your him them us me who whom which what there here
    will would could can may might shall should must do does did has have had not no so than then too very just
    also about into over after before up out said says say told tell that's it's""".split()
)


@dataclass(frozen=True, slots=True, eq=False)
class Words:
    """A text's words, normalised for comparison, with their offsets in the text.

    Word ``i`` is ``text[starts[i]:ends[i]]``. A story's linking holds one of these per distinct
    quote, so they are compact: offsets in arrays of machine integers (a tuple of pairs costs
    about 15 times as much), and each normalised word shared with every text that has it.
    """

    text: str
    norm: tuple[str, ...]
    starts: array[int]
    ends: array[int]
    content: tuple[str, ...]  # stemmed content words, distinct and sorted, for paraphrase scoring

    @classmethod
    def of(cls, text: str) -> Words:
        folded = _folded(text)
        if folded is not None:  # one pass over the whole text
            found = list(_WORD.finditer(folded))
            norm = tuple(map(sys.intern, [m.group() for m in found]))
        else:
            found = list(_WORD.finditer(text))
            norm = tuple(_fold(m.group()) for m in found)
        # offsets as 4-byte integers, content words as a sorted tuple (a fifth of a frozenset's
        # size): a story of 100,000 articles holds half a million of these
        starts = array("i", [m.start() for m in found])
        ends = array("i", [m.end() for m in found])
        content = tuple(sorted({_stem(x) for x in norm if x not in STOPWORDS and not x.isdigit()}))
        return cls(text, norm, starts, ends, content)

    def __len__(self) -> int:
        return len(self.norm)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Words) and self.text == other.text

    def __hash__(self) -> int:
        return hash(self.text)


def _folded(text: str) -> str | None:
    """``text`` folded whole, as ``_fold`` folds each word, when that keeps every character where it
    was: an ASCII text, or one already in NFKC whose lower case is as long (each character folds to
    one). None otherwise ("ﬁ", "İ"): the words are folded one by one."""
    if text.isascii():
        return text.lower()
    low = text.lower()
    if len(low) != len(text) or not unicodedata.is_normalized("NFKC", text):
        return None
    return low.replace("’", "'")


def _fold(w: str) -> str:
    if w.isascii():  # NFKC leaves ASCII as it is, and it holds no curly apostrophe
        return sys.intern(w.lower())
    return sys.intern(unicodedata.normalize("NFKC", w).lower().replace("’", "'"))


@dataclass(frozen=True, slots=True)
class Comparison:
    """How ``b`` (the reproduction) reproduces ``a`` (the original).

    ``a_start``/``a_end`` locate the reproduced part of ``a``'s text; ``diff`` lists the
    word changes inside it.
    """

    score: float
    fidelity: Fidelity
    diff: tuple[Edit, ...]
    a_start: int
    a_end: int
    coverage: float  # share of a's words that b reproduces


def compare(
    a: str | Words,
    b: str | Words,
    *,
    paraphrase: bool = False,
    open_end: bool = False,
    weights: Mapping[str, float] | None = None,
    diff: bool = True,
) -> Comparison | None:
    """Align ``b`` against ``a``; None when ``b`` does not reproduce ``a``.

    With ``paraphrase=True`` (reported speech) a failed verbatim alignment is retried
    on content words and labelled ``paraphrase``; ``weights`` (see ``idf_weights``) make
    the words every quote of a story shares count less. With ``open_end=True`` ``a`` is known
    to be cut off (an embedded post ending in "…"), so words ``b`` carries past its end
    are not a change. ``diff=False`` leaves the word diff out (same score and label),
    for ranking many candidates quickly.
    """
    wa = a if isinstance(a, Words) else Words.of(a)
    wb = b if isinstance(b, Words) else Words.of(b)
    found = _compared(wa, wb, paraphrase, open_end, weights, diff)
    return None if found is None else Comparison(*found)


# A Comparison's fields, in its order: what ``_compared`` gives, and what verifying millions of pairs keeps
# (a frozen dataclass takes a microsecond to make).
ComparisonTuple = tuple[float, Fidelity, tuple[Edit, ...], int, int, float]


def compared_fields(
    wa: Words, wb: Words, *, paraphrase: bool, weights: Mapping[str, float] | None
) -> ComparisonTuple | None:
    """``compare(wa, wb, paraphrase=..., weights=..., diff=False)`` as a tuple of its fields."""
    return _compared(wa, wb, paraphrase, False, weights, False)


def _compared(
    wa: Words, wb: Words, paraphrase: bool, open_end: bool, weights: Mapping[str, float] | None, diff: bool
) -> ComparisonTuple | None:
    """``compare``'s work. The words go to rapidfuzz as the tuples they are: it compares a sequence's
    items for equality, whatever the sequence, and copying them to lists cost a tenth of the time."""
    sa, sb = wa.norm, wb.norm
    if not sa or not sb:
        return None
    if sa == sb:  # the same words (a statement and its origin, a reprint): what aligning them gives
        return (100.0, "verbatim", (), wa.starts[0], wa.ends[-1], 1.0)
    lo, hi = _window(sa, sb)
    if hi > lo:
        window = sa[lo:hi]
        ops = [op for op in Levenshtein.opcodes(window, sb) if op.tag != "equal"]
        if open_end and hi == len(sa) and ops and ops[-1].tag == "insert" and ops[-1].src_start == hi - lo:
            ops = ops[:-1]  # "... from North" then "Korea.": the original was cut, not the quote changed
        score = _score(window, sb)
        if score >= MIN_SCORE:
            fidelity = _label(ops, window, sb, lo, hi, len(sa))
            if fidelity == "altered" and (
                _by_chance(window, _longest_run(len(window), ops), len(sb), paraphrase)
                or (not paraphrase and _mostly_changed(ops, len(sb)))
            ):
                return _reported(wa, wb, weights) if paraphrase else None
            if paraphrase and fidelity == "altered":
                fidelity = "paraphrase"  # reported speech in the reporter's words, not a doctored quotation
            edits = tuple(_edits(wa, wb, lo, ops)) if diff else ()
            return (round(score, 1), fidelity, edits, wa.starts[lo], wa.ends[hi - 1], (hi - lo) / len(sa))
    if paraphrase:
        return _reported(wa, wb, weights)
    return None


def _reported(wa: Words, wb: Words, weights: Mapping[str, float] | None) -> ComparisonTuple | None:
    """Reported speech ``wb`` of ``wa``: quoting ``wa`` whole inside it, else sharing its content words."""
    if QUOTED_MIN_WORDS <= len(wa) < len(wb):
        inside = _compared(wb, wa, False, False, None, False)
        if inside is not None and inside[1] in ("verbatim", "truncated", "variant"):
            # 'his commanders "told him it was just training"': the report carries the quotation
            return (inside[0], "paraphrase", (), 0, len(wa.text), 1.0)
    return _content_paraphrase(wa, wb, weights)


def _window(a: Sequence[str], b: Sequence[str]) -> tuple[int, int]:
    """The stretch of ``a`` that ``b`` reproduces: the LCS alignment without leading/trailing deletions."""
    blocks = [blk for blk in Indel.opcodes(a, b).as_matching_blocks() if blk.size]
    if not blocks:
        return 0, 0
    # a word or two matched far away from the rest ("there" ten words before "There should
    # be...") is a chance match, not where the reproduction starts or ends
    while len(blocks) > 1 and blocks[0].size <= 2 and _gap(blocks[0], blocks[1]) >= 2 * blocks[0].size:
        blocks.pop(0)
    while len(blocks) > 1 and blocks[-1].size <= 2 and _gap(blocks[-2], blocks[-1]) >= 2 * blocks[-1].size:
        blocks.pop()
    first, last = blocks[0], blocks[-1]
    # b's words left unmatched at either end face as many of a's words next to the window:
    # a respelled first word is a replacement ("Sohukair" for "Shoukair"), not an insertion
    lo = max(0, first.a - first.b)
    hi = min(len(a), last.a + last.size + (len(b) - last.b - last.size))
    return lo, hi


def _longest_run(n: int, changes: Sequence[Any]) -> tuple[int, int]:
    """The longest stretch of the window's ``n`` words that no change touches, as ``(start, end)``."""
    best, pos = (0, 0), 0
    for op in changes:
        if op.src_start - pos > best[1] - best[0]:
            best = (pos, op.src_start)
        pos = op.src_end
    return (pos, n) if n - pos > best[1] - best[0] else best


def _by_chance(window: Sequence[str], run: tuple[int, int], n: int, reported: bool) -> bool:
    """Whether the longest ``run`` that ``window`` shares with a text of ``n`` words is too weak to link on."""
    start, end = run
    if end - start < min(MIN_RUN, max(3, (n + 1) // 2)):
        return True  # "did not respond to" / "did not need to": a few shared words apart are chance
    # a short report shares "he may have been" with any other: a short run must carry content
    content = sum(w not in STOPWORDS for w in window[start:end])
    return reported and end - start < MIN_RUN and content < REPORTED_RUN_CONTENT


def _mostly_changed(changes: Sequence[Any], n: int) -> bool:
    """Whether ``changes`` replace or insert more than half of the ``n`` words of a quotation: "She said
    she is headed to Philadelphia next week for the Democratic National Convention" shares a run of five
    words with another sentence, and nothing else. (Reported speech changes most words by nature.)"""
    return 2 * sum(int(op.dest_end - op.dest_start) for op in changes) > n


def _gap(x: Any, y: Any) -> int:
    """Words of ``a`` skipped between two matching blocks, beyond those ``b`` also skips."""
    return int((y.a - x.a - x.size) - (y.b - x.b - x.size))


def _score(window: Sequence[str], b: Sequence[str]) -> float:
    return float(fuzz.ratio(" ".join(window), " ".join(b)))


def _edits(wa: Words, wb: Words, lo: int, ops: Iterable[object]) -> Iterable[Edit]:
    for op in ops:
        tag = op.tag  # type: ignore[attr-defined]
        if tag == "equal":
            continue
        i1, i2 = lo + op.src_start, lo + op.src_end  # type: ignore[attr-defined]
        j1, j2 = op.dest_start, op.dest_end  # type: ignore[attr-defined]
        a_s, a_e = _char_span(wa, i1, i2)
        b_s, b_e = _char_span(wb, j1, j2)
        kind = {"replace": "replace", "delete": "delete", "insert": "insert"}[tag]
        yield Edit(kind, a_s, a_e, wa.text[a_s:a_e], b_s, b_e, wb.text[b_s:b_e])  # type: ignore[arg-type]


def _char_span(w: Words, i: int, j: int) -> tuple[int, int]:
    if i < j:
        return w.starts[i], w.ends[j - 1]
    # an empty range: the position between words i-1 and i
    pos = w.starts[i] if i < len(w.starts) else (w.ends[-1] if w.ends else 0)
    return pos, pos


def _label(ops: Sequence[Any], window: Sequence[str], b: Sequence[str], lo: int, hi: int, n: int) -> Fidelity:
    if not ops:
        return "verbatim" if (lo == 0 and hi == n) else "truncated"
    if all(
        op.tag == "replace" and _respelling(window[op.src_start : op.src_end], b[op.dest_start : op.dest_end])
        for op in ops
    ):
        return "variant"
    return "altered"


def _respelling(wa: Sequence[str], wb: Sequence[str]) -> bool:
    """Whether each word of ``wa`` is respelled as the word of ``wb`` in its place (words are folded)."""
    return len(wa) == len(wb) and all(fuzz.ratio(x, y) >= SPELLING_RATIO for x, y in zip(wa, wb, strict=True))


@functools.lru_cache(maxsize=65536)
def _stem(w: str) -> str:
    """A content word crudely stemmed, so "dependent"/"dependence" and "Russia"/"Russian" meet."""
    w = w.replace("'s", "").replace("'", "")
    if w.endswith(("ian", "ians")):  # "Russian" meets "Russia"
        return w[: w.rindex("ian") + 2]
    for suffix in (
        "ations",
        "ation",
        "ments",
        "ment",
        "ences",
        "ence",
        "ents",
        "ent",
        "ing",
        "ies",
        "ied",
        "ed",
        "es",
        "s",
    ):
        if w.endswith(suffix) and len(w) - len(suffix) >= 4:
            return w[: -len(suffix)]
    return w


class Weights(dict[str, float]):
    """Word weights with a default for words never seen (as rare as the rarest seen)."""

    default: float = 1.0


def idf_weights(texts: Iterable[Words]) -> Weights:
    """Inverse document frequency of each content word over ``texts`` (the quotes of one corpus)."""
    df: Counter[str] = Counter()
    n = 0
    for w in texts:
        df.update(w.content)
        n += 1
    out = Weights((word, math.log((n + 1) / (count + 0.5))) for word, count in df.items())
    out.default = max(out.values(), default=1.0)
    return out


def content_paraphrase(wa: Words, wb: Words, weights: Mapping[str, float] | None = None) -> Comparison | None:
    """``wb`` as reported speech of ``wa`` on content words alone, whatever their order; None below the threshold."""
    found = _content_paraphrase(wa, wb, weights)
    return None if found is None else Comparison(*found)


def _content_paraphrase(wa: Words, wb: Words, weights: Mapping[str, float] | None) -> ComparisonTuple | None:
    ca, cb = wa.content, wb.content  # sorted: every sum below adds in one order, in every process
    if not cb:
        return None
    in_a = frozenset(ca)
    shared = [x for x in cb if x in in_a]
    if len(shared) < PARAPHRASE_MIN_SHARED:
        return None  # decided before weighing: most candidate reports share a word or two at most
    # weighted Dice: long reported speech that adds context is not penalised for it, and the
    # words every quote of a story shares ("North Korean soldiers") count little
    top = getattr(weights, "default", None) or (max(weights.values(), default=1.0) if weights else 1.0)

    def weight(words: Sequence[str]) -> float:
        return sum(weights.get(x, top) for x in words) if weights else float(len(words))

    total = weight(ca) + weight(cb)
    overlap = 2 * weight(shared) / total if total else 0.0
    if overlap < PARAPHRASE_OVERLAP:
        return None
    return (round(100 * overlap, 1), "paraphrase", (), 0, len(wa.text), len(shared) / max(len(ca), 1))


def consensus(base: Words, others: Sequence[Words]) -> str:
    """``base``'s text without the words only it carries.

    A word of the longest version that the other versions covering that stretch leave
    out (at least two of them, and more than keep it) is an insertion of that version,
    not the speaker's: "in Korean language" against two "in Korean".
    """
    keep = [0] * len(base)
    drop = [0] * len(base)
    for w in others:
        lo, hi = _window(base.norm, w.norm)
        if hi <= lo:
            continue
        for op in Levenshtein.opcodes(base.norm[lo:hi], w.norm):
            votes = keep if op.tag == "equal" else drop if op.tag == "delete" else None
            if votes is not None:
                for k in range(lo + op.src_start, lo + op.src_end):
                    votes[k] += 1
    kept = [k for k in range(len(base)) if not (drop[k] >= 2 and drop[k] > keep[k])]
    if len(kept) == len(base) or not kept:
        return base.text
    runs: list[list[int]] = [[kept[0]]]
    for k in kept[1:]:
        if k == runs[-1][-1] + 1:
            runs[-1].append(k)
        else:
            runs.append([k])
    text = " ".join(base.text[base.starts[r[0]] : base.ends[r[-1]]] for r in runs)
    end = base.ends[kept[-1]]
    return text + base.text[end:].rstrip() if kept[-1] == len(base) - 1 else text


# ---------------------------------------------------------------- blocking
#
# Blocking is written as three pure steps so that an engine can run each anywhere (see
# ``quotetrace.engine``): every text emits its keys (``shingles``, ``short_keys``); each key's
# posting list, once gathered, tells each text how rare that key is, and each text keeps its
# rarest keys as probes (``probe_keys``); a key then pairs its probers with the texts holding it
# (``key_pairs``, ``short_key_pairs``). ``candidate_pairs`` strings the steps together in memory.

SHINGLE = 3
# Calibrated on bench/reprints.py (300 statements, seeds 1, 2, 3 and 7, against every pair compare()
# links): 6 probes within a budget of 50 find them all (so do 5; 4 miss up to 0.1%). The budget binds:
# 30 misses up to 0.9%, 20 up to 1.3%. A larger one finds no more there and, at 100k quotes, proposes
# 1.0 M pairs to verify with 100, 1.5 M with 200 and 2.6 M with none, against 0.7 M with 50.
PROBES = 6
BUDGET = 50
# A gram held by more texts than this is boilerplate ("one of the"). Linking blocks only the first of the
# quotes that repeat the same words under one speaker (``provenance.Reprints``), so a statement syndicated
# to thousands of articles counts once here, not once per copy.
MAX_DF = 1000
FAN_OUT = 40
# the middle word of a gapped 3-gram; never a word, since a word has at least one character
GAP = ""

Gram = tuple[str, ...]


def shingles(w: Words, k: int = SHINGLE) -> set[Gram]:
    """Word k-grams, and for k = 3 the gapped ones (middle word left out, as ``GAP``); a text shorter
    than k yields its whole word tuple.

    A respelled or replaced word breaks the three 3-grams that hold it; the gapped 3-gram around it
    survives, so a short quote with a typo in every 3-gram ("is unlikley to survive") still shares a
    key with the quotes it reproduces.
    """
    n = w.norm
    if len(n) < k:
        return {n} if n else set()
    if k != 3:
        return {n[i : i + k] for i in range(len(n) - k + 1)}
    out: set[Gram] = set(zip(n, n[1:], n[2:], strict=False))
    out.update(zip(n, itertools.repeat(GAP), n[2:]))
    return out


def probe_keys(
    own: Iterable[tuple[int, Gram]], *, probes: int = PROBES, max_df: int = MAX_DF, budget: int = BUDGET
) -> list[Gram]:
    """A text's probes, chosen from its ``(df, gram)`` keys (``df`` the number of texts holding the key).

    Rarest first, word grams before gapped grams; a key no other text holds (df 1) or over ``max_df``
    is left out. Overlapping word grams of one df are a stretch of the text that the same texts hold
    ("will organise their", "organise their exchange"), so only the first of the stretch is probed,
    and the probes reach further along the text instead of spending themselves on the three grams
    around one changed word. At most ``probes`` keys, stopping before one would take the texts met
    past ``budget`` (the first probe is always taken): a text made only of common grams proposes few
    pairs, and the work stays linear in the number of texts. Ties go to the smaller gram, so every
    engine picks the same probes.
    """
    keys = sorted(own)
    keys = keys[bisect.bisect_left(keys, (2,)) : bisect.bisect_left(keys, (max_df + 1,))]
    out: list[Gram] = []
    spent = 0
    gapped: list[tuple[int, Gram]] = []
    group, tails = 0, {}  # the df of the grams whose ends are known, and those ends
    for df, g in keys:
        if GAP in g:
            gapped.append((df, g))
            continue
        if df != group:
            # the first word gram of each stretch: no other gram of its df ends with the words it
            # starts with (a gapped gram's ends hold GAP, so it never continues a stretch)
            lo, hi = bisect.bisect_left(keys, (df,)), bisect.bisect_left(keys, (df + 1,))
            group, tails = df, {h[1:]: h for _, h in keys[lo:hi]}
        if tails.get(g[:-1], g) != g:
            continue
        if len(out) == probes or (out and spent + df > budget):
            return out
        out.append(g)
        spent += df
    for df, g in gapped:
        if len(out) == probes or (out and spent + df > budget):
            break
        out.append(g)
        spent += df
    return out


def key_pairs(probers: Iterable[int], posting: Sequence[int]) -> list[tuple[int, int]]:
    """The pairs one key makes: each text probing it with every other text holding it, ``(low, high)``."""
    return [(i, j) if i < j else (j, i) for i in probers for j in posting if i != j]


def short_keys(w: Words, lengths: Collection[int]) -> set[Gram]:
    """The word runs of ``w`` that a text shorter than a shingle could be (runs of each of ``lengths`` words)."""
    return {w.norm[s : s + n] for n in lengths for s in range(len(w.norm) - n + 1)}


def short_key_pairs(size: int, hosts: Iterable[tuple[int, int]], *, fan_out: int = FAN_OUT) -> list[tuple[int, int]]:
    """The pairs of a short text ("confirmed", "self destruct") found whole inside longer ones.

    ``hosts`` are ``(index, word count)`` of every text holding one run of ``size`` words (a key of
    ``short_keys``); those exactly ``size`` long are the short texts themselves, and each pairs
    with at most ``fan_out`` of the others, the longest first.
    """
    held = sorted(set(hosts), key=lambda h: (-h[1], h[0]))
    top = held[: fan_out + 1]  # a short text's own entry may be among them
    pairs = []
    for i, n in held:
        if n != size:
            continue
        for j, _ in [h for h in top if h[0] != i][:fan_out]:
            pairs.append((i, j) if i < j else (j, i))
    return pairs


def candidate_pairs(
    texts: Sequence[Words],
    *,
    probes: int = PROBES,
    max_df: int = MAX_DF,
    budget: int = BUDGET,
    fan_out: int = FAN_OUT,
    fresh: Sequence[bool] | None = None,
) -> set[tuple[int, int]]:
    """Index pairs ``(i, j)``, ``i < j``, that may be reproductions of one another.

    Prefix filtering on word 3-grams (``shingles``): every shingle of every text is indexed,
    and each text looks up only a few of its rarest (``probe_keys``: one per stretch of text
    the same texts share, gapped 3-grams after word 3-grams, at most ``probes`` and about
    ``budget`` texts met). A reproduction shares its statement's distinctive shingles, so it
    finds the texts it was taken from (or that were taken from it) without meeting every text
    that says "one of the". Posting lists longer than ``max_df`` are boilerplate and skipped.
    Texts shorter than a shingle are looked up as whole word sequences inside longer texts,
    pairing with at most ``fan_out`` of them (the longest). The work grows linearly with the
    number of texts.

    The pairs are exactly those of the three steps an engine runs (``shingles``, ``probe_keys``,
    ``key_pairs``), computed here on flat arrays of machine integers: each word is numbered in
    sorted order, so a gram's number sorts as its words do and ties go where ``probe_keys``
    sends them; counting, choosing probes and pairing are loops compiled by numba. Reprints
    that share one ``Words`` have their grams made, counted and ranked once.

    With ``fresh`` (a flag per text), only the pairs with at least one fresh text are wanted:
    exactly those of the whole set (an incremental run, see ``provenance.PriorLinks``).
    """
    packed = packed_candidate_pairs(texts, probes=probes, max_df=max_df, budget=budget, fan_out=fan_out, fresh=fresh)
    return set(unpack_pairs(packed))


def packed_candidate_pairs(
    texts: Sequence[Words],
    *,
    probes: int = PROBES,
    max_df: int = MAX_DF,
    budget: int = BUDGET,
    fan_out: int = FAN_OUT,
    fresh: Sequence[bool] | None = None,
) -> np.ndarray:
    """``candidate_pairs`` as a sorted array of ``pack_pairs`` numbers: 8 bytes a pair, where a set
    of tuples takes about 150 (a story of 100,000 articles has some 14 million candidate pairs)."""
    if fresh is not None and len(fresh) != len(texts):
        raise ValueError(f"fresh has {len(fresh)} flags for {len(texts)} texts")
    if not texts:
        return np.empty(0, np.int64)
    rows = _rows(texts)
    flags = np.ones(len(texts), np.bool_) if fresh is None else np.fromiter(fresh, np.bool_, len(texts))
    # each part made distinct at once: a story of 100,000 articles finds 25 million shingle pairs, 14 million distinct
    pairs = distinct(
        _shingle_pairs(rows, flags, incremental=fresh is not None, probes=probes, max_df=max_df, budget=budget)
    )
    short = _short_pairs(rows, flags, incremental=fresh is not None, fan_out=fan_out)
    return distinct(np.concatenate([pairs, short]))


def pack_pairs(pairs: Iterable[tuple[int, int]]) -> np.ndarray:
    """Index pairs ``(i, j)`` as sorted unique numbers ``i << 32 | j``, which sort as the pairs do."""
    flat = np.fromiter(itertools.chain.from_iterable(pairs), np.int64)
    return distinct((flat[0::2] << 32) | flat[1::2])


def packed_pairs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The index pairs ``(a[k], b[k])`` as ``pack_pairs`` numbers them (low index first), in their order."""
    out: np.ndarray = (np.minimum(a, b) << 32) | np.maximum(a, b)
    return out


def unpack_pairs(packed: np.ndarray) -> Iterator[tuple[int, int]]:
    """The pairs ``pack_pairs`` numbered, in their order, made a slice at a time (a pair as a tuple
    of Python ints costs some 100 bytes, and a story has millions)."""
    for k in range(0, len(packed), _UNPACKED):
        part = packed[k : k + _UNPACKED]
        yield from zip((part >> 32).tolist(), (part & 0xFFFFFFFF).tolist(), strict=True)


_UNPACKED = 1 << 16


def distinct(x: np.ndarray) -> np.ndarray:
    """The distinct values of ``x``, sorted. By a sort: numpy 2's ``np.unique``, ``np.union1d`` and
    ``np.isin`` hash every value, 100 times slower on a story's millions of pairs; a stable sort
    (radix) is as quick as any on mixed values and merges sorted runs at once."""
    x = np.sort(x, kind="stable")
    keep = np.ones(len(x), np.bool_)
    keep[1:] = x[1:] != x[:-1]
    out: np.ndarray = x[keep]
    return out


class _Rows(NamedTuple):
    """The texts of a blocking run as rows: reprints share one ``Words``, and each distinct one is a
    row, held by the quotes that share it. Words are numbered in sorted order from 1 (0 is GAP)."""

    owner: np.ndarray  # each text's row
    held_off: np.ndarray  # the texts of row r are held_by[held_off[r]:held_off[r + 1]]
    held_by: np.ndarray
    words: np.ndarray  # the word numbers of every row, row after row
    lengths: np.ndarray  # words per row


def shared_rows(texts: Sequence[Words]) -> tuple[np.ndarray, list[Words]]:
    """Each text's row, and the rows: reprints share one ``Words``, and each distinct one is a row."""
    row_of: dict[int, int] = {}
    distinct: list[Words] = []
    owner = np.empty(len(texts), np.int64)
    for i, w in enumerate(texts):
        r = row_of.setdefault(id(w), len(distinct))
        if r == len(distinct):
            distinct.append(w)
        owner[i] = r
    return owner, distinct


def _rows(texts: Sequence[Words]) -> _Rows:
    owner, distinct = shared_rows(texts)
    held_off = np.zeros(len(distinct) + 1, np.int64)
    np.cumsum(np.bincount(owner, minlength=len(distinct)), out=held_off[1:])
    number = {w: k for k, w in enumerate(sorted({w for t in distinct for w in t.norm}), start=1)}
    lengths = np.fromiter((len(t.norm) for t in distinct), np.int64, len(distinct))
    words = np.fromiter((number[w] for t in distinct for w in t.norm), np.int64, int(lengths.sum()))
    return _Rows(owner, held_off, np.argsort(owner, kind="stable"), words, lengths)


# Word numbers are packed three to a 63-bit gram number while they fit in this many bits (two
# million distinct words); past that, grams are numbered by rank instead (slower, same order).
_PACK_BITS = 21


def _shingle_pairs(
    rows: _Rows, fresh: np.ndarray, *, incremental: bool, probes: int, max_df: int, budget: int
) -> np.ndarray:
    """The pairs of the texts' shingles (``shingles``, ``probe_keys``, ``key_pairs``), packed, maybe twice."""
    kernels = _kernels()
    grams = _grams(rows)
    # the story's entries sorted by gram (stable: each gram's entries stay in row order), so that each
    # distinct gram is a run of them, runs[g] to runs[g + 1]; its df is how many texts its run's rows
    # stand for (a row's grams count once for each text holding it)
    order = np.argsort(grams.key, kind="stable")
    ranked = grams.key[order]
    starts = np.empty(len(ranked), np.bool_)
    starts[:1] = True
    np.not_equal(ranked[1:], ranked[:-1], out=starts[1:])
    del ranked
    runs = np.append(np.flatnonzero(starts), len(order))
    del starts
    row_of = np.repeat(np.arange(len(rows.lengths), dtype=np.int32), np.diff(grams.off))  # each entry's row
    held = np.diff(rows.held_off).astype(np.int32)[row_of][order]
    counts = np.add.reduceat(held, runs[:-1]) if len(held) else held
    del held
    df = np.empty(len(order), np.int32)
    df[order] = np.repeat(counts, np.diff(runs))
    del counts
    probe_off, probe_key = kernels.choose_probes(
        grams.off, grams.key, grams.first, grams.last, grams.bits, df, probes, max_df, budget
    )
    del df
    # posting lists of the grams some text probes, the only ones read: their runs of entries
    probe_gram = np.searchsorted(grams.key[order[runs[:-1]]], probe_key)
    probed = distinct(probe_gram)
    size = runs[probed + 1] - runs[probed]
    posting_off = np.zeros(len(probed) + 1, np.int64)
    np.cumsum(size, out=posting_off[1:])
    at = np.repeat(runs[probed] - posting_off[:-1], size) + np.arange(posting_off[-1])
    posting = row_of[order[at]].astype(np.int64)  # the rows holding them
    del grams, order, runs, row_of, at
    packed: np.ndarray = kernels.pairs(
        rows.owner, rows.held_off, rows.held_by, probe_off, np.searchsorted(probed, probe_gram), posting_off,
        posting, fresh, incremental,
    )  # fmt: skip
    return packed


class _Grams(NamedTuple):
    """Each row's shingles, distinct and in order, as numbers that sort as their words do: the grams
    of row r are key[off[r]:off[r + 1]]. With ``bits``, a gram's word numbers are packed in its key
    (``bits`` each); without (a vocabulary too large to pack), ``first`` and ``last`` hold its first
    two and last two word numbers (``a << 32 | b``, ``b << 32 | c``) and the key is its rank."""

    off: np.ndarray
    key: np.ndarray
    first: np.ndarray
    last: np.ndarray
    bits: int


def _grams(rows: _Rows) -> _Grams:
    kernels = _kernels()
    if int(rows.words.max(initial=0)) < 1 << _PACK_BITS:
        off, key = kernels.packed_grams(rows.words, rows.lengths, _PACK_BITS)
        none = np.empty(0, np.int64)
        return _Grams(off, key, none, none, _PACK_BITS)
    row, a, b, c = kernels.gram_words(rows.words, rows.lengths)
    order = np.lexsort((c, b, a))
    sa, sb, sc = a[order], b[order], c[order]
    step = np.ones(len(order), np.int64)
    step[1:] = (sa[1:] != sa[:-1]) | (sb[1:] != sb[:-1]) | (sc[1:] != sc[:-1])
    del sa, sb, sc
    key = np.empty(len(order), np.int64)
    key[order] = np.cumsum(step)
    off, key, first, last = kernels.distinct_sorted(row, key, (a << 32) | b, (b << 32) | c, len(rows.lengths))
    return _Grams(off, key, first, last, 0)


def _short_pairs(rows: _Rows, fresh: np.ndarray, *, incremental: bool, fan_out: int) -> np.ndarray:
    """The pairs of texts shorter than a shingle with the texts that hold them whole (``short_keys``,
    ``short_key_pairs``), packed. A run of words is numbered ``first << 32 | second`` (0 for none)."""
    words, lengths = rows.words, rows.lengths
    first = np.cumsum(lengths) - lengths  # each row's first word
    one, two = first[lengths == 1], first[lengths == 2]
    wanted = np.concatenate([words[one] << 32, (words[two] << 32) | words[two + 1]])
    if not len(wanted):
        return np.empty(0, np.int64)
    wanted = distinct(wanted)
    row_at = np.repeat(np.arange(len(lengths)), lengths)
    # membership by word: a table of the words that are a text alone or open a two-word one, then a
    # binary search among the few runs that pass it (np.isin hashes every run: seconds at 100k articles)
    alone = np.zeros(len(words) and int(words.max()) + 1, np.bool_)
    alone[words[one]] = True
    opens = np.zeros_like(alone)
    opens[words[two]] = True
    at = np.flatnonzero(alone[words])
    pair_at = np.flatnonzero((row_at[1:] == row_at[:-1]) & opens[words[:-1]])
    two_runs = (words[pair_at] << 32) | words[pair_at + 1]
    found = np.searchsorted(wanted, two_runs)
    hit = wanted[np.minimum(found, len(wanted) - 1)] == two_runs
    runs = np.concatenate([words[at] << 32, two_runs[hit]])
    run_row = np.concatenate([row_at[at], row_at[pair_at[hit]]])
    # arrays the size of the story's every word, gone before the runs are sorted: at 100,000 articles
    # the words that are some quote alone occur 3.7 million times
    del row_at, alone, opens, at, pair_at, two_runs, found, hit
    if not len(runs):
        return np.empty(0, np.int64)
    first_word, second_word, run_row = _sorted_together(runs >> 32, runs & 0xFFFFFFFF, run_row)
    runs = (first_word << 32) | second_word
    del first_word, second_word
    new = np.ones(len(runs), np.bool_)
    new[1:] = (runs[1:] != runs[:-1]) | (run_row[1:] != run_row[:-1])
    runs, run_row = runs[new], run_row[new]
    del new
    # every text holding each run, as ``short_key_pairs`` reads its hosts: the longest first, then by index
    opening = np.concatenate([[True], runs[1:] != runs[:-1]])
    group = np.cumsum(opening) - 1
    size = np.where(runs[opening] & 0xFFFFFFFF == 0, 1, 2)  # of each run's group
    count = rows.held_off[run_row + 1] - rows.held_off[run_row]
    entry_run = np.repeat(np.arange(len(runs)), count)
    first_entry = np.cumsum(count) - count
    text = rows.held_by[np.repeat(rows.held_off[run_row] - first_entry, count) + np.arange(len(entry_run))]
    length = lengths[run_row][entry_run]
    entry_group = group[entry_run]
    del count, entry_run, first_entry, runs, run_row, opening, group
    longest = int(length.max(initial=0))
    entry_group, shorter, text = _sorted_together(entry_group, longest - length, text)
    length = longest - shorter
    del shorter
    starts = np.flatnonzero(np.concatenate([[True], entry_group[1:] != entry_group[:-1]]))
    held = np.diff(np.concatenate([starts, [len(text)]]))
    rank = np.arange(len(text)) - np.repeat(starts, held)
    # each short text (as long as its run) meets the first ``fan_out + 1`` hosts of its run, itself left
    # out, and at most ``fan_out`` of them: the last of those only when it was among them itself
    top = np.minimum(held, fan_out + 1)
    short = np.flatnonzero(length == size[entry_group])
    g = entry_group[short]
    met = top[g]
    src = np.repeat(short, met)
    k = np.arange(len(src)) - np.repeat(np.cumsum(met) - met, met)
    dst = starts[np.repeat(g, met)] + k
    keep = (dst != src) & ((rank[src] <= fan_out) | (k < fan_out))
    a, b = text[src[keep]], text[dst[keep]]
    if incremental:
        wanted = fresh[a] | fresh[b]
        a, b = a[wanted], b[wanted]
    return distinct(packed_pairs(a, b))


def _sorted_together(*columns: np.ndarray) -> list[np.ndarray]:
    """``columns`` (non-negative integers, one value per row) with their rows sorted by the first
    column, then the second, and so on: what ``np.lexsort(columns[::-1])`` orders. Where the columns
    fit in 63 bits together, they are packed into one number a row and sorted as plain numbers (a
    sort many times quicker than a lexsort, at a story's millions of rows), and read back out."""
    widths = [int(c.max(initial=0)).bit_length() for c in columns]
    if sum(widths) > 63:
        order = np.lexsort(columns[::-1])
        return [c[order] for c in columns]
    packed = np.zeros(len(columns[0]), np.int64)
    for column, width in zip(columns, widths, strict=True):
        packed <<= width
        packed |= column
    packed.sort()
    out = []
    for width in reversed(widths):
        out.append(packed & ((1 << width) - 1))
        packed >>= width
    out.reverse()
    return out


# The compiled loops of blocking, over flat arrays: rows (distinct texts) own consecutive
# entries, ``off[r]`` to ``off[r + 1]``.


def _packed_grams(words: np.ndarray, lengths: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Each row's shingles as ``a << 2 bits | b << bits | c``, distinct and sorted: word 3-grams,
    gapped ones (``b`` is GAP, 0) and a text shorter than three words whole (padded with 0)."""
    rows = lengths.shape[0]
    total = 0
    for n in lengths:  # a word 3-gram and a gapped one at each start, or the words whole
        total += 2 * (n - 2) if n >= 3 else min(n, 1)
    key = np.empty(total, np.int64)
    off = np.zeros(rows + 1, np.int64)
    k = 0
    pos = 0
    for r in range(rows):
        n = lengths[r]
        s = k
        if n >= 3:
            for i in range(pos, pos + n - 2):
                key[k] = (words[i] << (2 * bits)) | (words[i + 1] << bits) | words[i + 2]
                key[k + 1] = (words[i] << (2 * bits)) | words[i + 2]
                k += 2
        elif n > 0:
            key[k] = (words[pos] << (2 * bits)) | ((words[pos + 1] << bits) if n == 2 else 0)
            k += 1
        pos += n
        key[s:k] = key[s:k][np.argsort(key[s:k], kind="mergesort")]  # the sort _choose_probes compiles too
        kept = s
        for t in range(s, k):  # the row's distinct grams, compacted in place
            if t == s or key[t] != key[kept - 1]:
                key[kept] = key[t]
                kept += 1
        k = kept
        off[r + 1] = k
    return off, key[:k]


def _gram_words(words: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``_packed_grams``' grams as their row and word numbers ``(a, b, c)``, in row order, not yet distinct."""
    total = 0
    for n in lengths:
        total += 2 * (n - 2) if n >= 3 else min(n, 1)
    row = np.empty(total, np.int64)
    a = np.empty(total, np.int64)
    b = np.empty(total, np.int64)
    c = np.empty(total, np.int64)
    k = 0
    pos = 0
    for r in range(lengths.shape[0]):
        n = lengths[r]
        if n >= 3:
            for i in range(pos, pos + n - 2):
                row[k], a[k], b[k], c[k] = r, words[i], words[i + 1], words[i + 2]
                row[k + 1], a[k + 1], b[k + 1], c[k + 1] = r, words[i], 0, words[i + 2]
                k += 2
        elif n > 0:
            row[k], a[k], b[k], c[k] = r, words[pos], words[pos + 1] if n == 2 else 0, 0
            k += 1
        pos += n
    return row, a, b, c


def _distinct_sorted(
    row: np.ndarray, key: np.ndarray, first: np.ndarray, last: np.ndarray, rows: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each row's grams once, in key order (``shingles`` is a set; ``probe_keys`` sorts)."""
    off = np.zeros(rows + 1, np.int64)
    keep = np.empty(key.shape[0], np.int64)
    k = 0
    s = 0
    for r in range(rows):
        e = s
        while e < row.shape[0] and row[e] == r:
            e += 1
        order = np.argsort(key[s:e], kind="mergesort")
        for t in range(order.shape[0]):
            x = s + order[t]
            if t == 0 or key[x] != key[keep[k - 1]]:
                keep[k] = x
                k += 1
        off[r + 1] = k
        s = e
    keep = keep[:k]
    return off, key[keep], first[keep], last[keep]


def _choose_probes(
    off: np.ndarray, key: np.ndarray, first: np.ndarray, last: np.ndarray, bits: int, df: np.ndarray,
    probes: int, max_df: int, budget: int,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """``probe_keys`` for every row (see ``_Grams``): the keys of its probes."""
    rows = off.shape[0] - 1
    probe_off = np.zeros(rows + 1, np.int64)
    out = np.empty(rows * probes, np.int64)
    k = 0
    for r in range(rows):
        s, e = off[r], off[r + 1]
        # the word numbers (a, b, c) of the row's grams, by entry - s
        a = np.empty(e - s, np.int64)
        b = np.empty(e - s, np.int64)
        c = np.empty(e - s, np.int64)
        for x in range(s, e):
            if bits > 0:
                a[x - s] = key[x] >> (2 * bits)
                b[x - s] = (key[x] >> bits) & ((1 << bits) - 1)
                c[x - s] = key[x] & ((1 << bits) - 1)
            else:
                a[x - s] = first[x] >> 32
                b[x - s] = first[x] & 0xFFFFFFFF
                c[x - s] = last[x] & 0xFFFFFFFF
        sel = np.empty(e - s, np.int64)
        m = 0
        for x in range(s, e):
            if 2 <= df[x] <= max_df:
                sel[m] = x
                m += 1
        sel = sel[:m]
        order = sel[np.argsort(df[sel], kind="mergesort")]  # by (df, gram): entries are in gram order
        taken = 0
        spent = 0
        full = False
        g0 = 0
        while g0 < m and not full:
            g1 = g0
            while g1 < m and df[order[g1]] == df[order[g0]]:
                g1 += 1
            # the ends of the group's word 3-grams: a gram that continues one is not the first of its stretch
            ends = np.empty(g1 - g0, np.int64)
            at = np.empty(g1 - g0, np.int64)
            n_ends = 0
            for t in range(g0, g1):
                x = order[t]
                if b[x - s] != 0 and c[x - s] != 0:
                    ends[n_ends] = (b[x - s] << 32) | c[x - s]
                    at[n_ends] = t
                    n_ends += 1
            by_end = np.argsort(ends[:n_ends], kind="mergesort")
            sorted_ends = ends[:n_ends][by_end]
            for t in range(g0, g1):
                x = order[t]
                if b[x - s] == 0 and c[x - s] != 0:
                    continue  # gapped: after every word gram
                if c[x - s] != 0:
                    j = np.searchsorted(sorted_ends, (a[x - s] << 32) | b[x - s], side="right") - 1
                    if j >= 0 and sorted_ends[j] == ((a[x - s] << 32) | b[x - s]) and at[by_end[j]] != t:
                        continue  # the last gram ending with its first two words is another
                if taken == probes or (taken > 0 and spent + df[x] > budget):
                    full = True
                    break
                out[k] = key[x]
                k += 1
                taken += 1
                spent += df[x]
            g0 = g1
        if not full:
            for t in range(m):
                x = order[t]
                if not (b[x - s] == 0 and c[x - s] != 0):
                    continue
                if taken == probes or (taken > 0 and spent + df[x] > budget):
                    break
                out[k] = key[x]
                k += 1
                taken += 1
                spent += df[x]
        probe_off[r + 1] = k
    return probe_off, out[:k]


def _pairs(
    owner: np.ndarray, held_off: np.ndarray, held_by: np.ndarray, probe_off: np.ndarray, probe_posting: np.ndarray,
    posting_off: np.ndarray, posting_row: np.ndarray, fresh: np.ndarray, incremental: bool,
) -> np.ndarray:  # fmt: skip
    """``key_pairs`` of every quote's probes, as ``low << 32 | high``; a settled quote (not ``fresh``,
    in an incremental run) pairs with fresh quotes only. A pair may come twice."""
    total = 0
    for i in range(owner.shape[0]):
        r = owner[i]
        for p in range(probe_off[r], probe_off[r + 1]):
            q = probe_posting[p]
            for u in range(posting_off[q], posting_off[q + 1]):
                total += held_off[posting_row[u] + 1] - held_off[posting_row[u]]
    out = np.empty(total, np.int64)
    k = 0
    for i in range(owner.shape[0]):
        r = owner[i]
        settled = incremental and not fresh[i]
        for p in range(probe_off[r], probe_off[r + 1]):
            q = probe_posting[p]
            for u in range(posting_off[q], posting_off[q + 1]):
                h = posting_row[u]
                for v in range(held_off[h], held_off[h + 1]):
                    j = held_by[v]
                    if j == i or (settled and not fresh[j]):
                        continue
                    out[k] = (i << 32) | j if i < j else (j << 32) | i
                    k += 1
    return out[:k]


class _Kernels(NamedTuple):
    packed_grams: Callable[..., Any]
    gram_words: Callable[..., Any]
    distinct_sorted: Callable[..., Any]
    choose_probes: Callable[..., Any]
    pairs: Callable[..., Any]


@functools.cache
def _kernels() -> _Kernels:
    """The loops above, compiled on first use."""
    loops: tuple[Callable[..., Any], ...] = (
        _packed_grams, _gram_words, _distinct_sorted, _choose_probes, _pairs,
    )  # fmt: skip
    return _Kernels(*(jit(loop) for loop in loops))
