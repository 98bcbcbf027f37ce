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
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel, Levenshtein

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
    content: frozenset[str]  # stemmed content words, for paraphrase scoring

    @classmethod
    def of(cls, text: str) -> Words:
        folded = _folded(text)
        if folded is not None:  # one pass over the whole text
            found = list(_WORD.finditer(folded))
            norm = tuple(map(sys.intern, [m.group() for m in found]))
        else:
            found = list(_WORD.finditer(text))
            norm = tuple(_fold(m.group()) for m in found)
        starts = array("l", [m.start() for m in found])
        ends = array("l", [m.end() for m in found])
        content = frozenset(_stem(x) for x in norm if x not in STOPWORDS and not x.isdigit())
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
    if not wa.norm or not wb.norm:
        return None
    lo, hi = _window(wa.norm, wb.norm)
    if hi > lo:
        window = wa.norm[lo:hi]
        ops = [op for op in Levenshtein.opcodes(list(window), list(wb.norm)) if op.tag != "equal"]
        if open_end and hi == len(wa) and ops and ops[-1].tag == "insert" and ops[-1].src_start == hi - lo:
            ops = ops[:-1]  # "... from North" then "Korea.": the original was cut, not the quote changed
        score = _score(window, wb.norm)
        if score >= MIN_SCORE:
            fidelity = _label(ops, window, wb.norm, lo, hi, len(wa))
            if fidelity == "altered" and (
                _by_chance(window, _longest_run(len(window), ops), len(wb), paraphrase)
                or (not paraphrase and _mostly_changed(ops, len(wb)))
            ):
                return _reported(wa, wb, weights) if paraphrase else None
            if paraphrase and fidelity == "altered":
                fidelity = "paraphrase"  # reported speech in the reporter's words, not a doctored quotation
            edits = tuple(_edits(wa, wb, lo, ops)) if diff else ()
            return Comparison(round(score, 1), fidelity, edits, wa.starts[lo], wa.ends[hi - 1], (hi - lo) / len(wa))
    if paraphrase:
        return _reported(wa, wb, weights)
    return None


def _reported(wa: Words, wb: Words, weights: Mapping[str, float] | None) -> Comparison | None:
    """Reported speech ``wb`` of ``wa``: quoting ``wa`` whole inside it, else sharing its content words."""
    if QUOTED_MIN_WORDS <= len(wa) < len(wb):
        inside = compare(wb, wa, diff=False)
        if inside is not None and inside.fidelity in ("verbatim", "truncated", "variant"):
            # 'his commanders "told him it was just training"': the report carries the quotation
            return Comparison(inside.score, "paraphrase", (), 0, len(wa.text), 1.0)
    return content_paraphrase(wa, wb, weights)


def _window(a: Sequence[str], b: Sequence[str]) -> tuple[int, int]:
    """The stretch of ``a`` that ``b`` reproduces: the LCS alignment without leading/trailing deletions."""
    blocks = [blk for blk in Indel.opcodes(list(a), list(b)).as_matching_blocks() if blk.size]
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
    return len(wa) == len(wb) and all(
        fuzz.ratio(x.lower(), y.lower()) >= SPELLING_RATIO for x, y in zip(wa, wb, strict=True)
    )


def content_words(w: Words) -> frozenset[str]:
    """Content words, crudely stemmed so "dependent"/"dependence" and "Russia"/"Russian" meet."""
    return w.content


@functools.lru_cache(maxsize=65536)
def _stem(w: str) -> str:
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
    ca, cb = content_words(wa), content_words(wb)
    if not cb:
        return None
    shared = ca & cb
    # weighted Dice: long reported speech that adds context is not penalised for it, and the
    # words every quote of a story shares ("North Korean soldiers") count little
    top = getattr(weights, "default", None) or (max(weights.values(), default=1.0) if weights else 1.0)

    def weight(words: frozenset[str]) -> float:
        return sum(weights.get(x, top) for x in words) if weights else float(len(words))

    total = weight(ca) + weight(cb)
    overlap = 2 * weight(shared) / total if total else 0.0
    if len(shared) < PARAPHRASE_MIN_SHARED or overlap < PARAPHRASE_OVERLAP:
        return None
    return Comparison(round(100 * overlap, 1), "paraphrase", (), 0, len(wa.text), len(shared) / max(len(ca), 1))


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
        for op in Levenshtein.opcodes(list(base.norm[lo:hi]), list(w.norm)):
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
MAX_DF = 1000
FAN_OUT = 40
# the middle word of a gapped 3-gram; never a word, since a word has at least one character
GAP = ""

Gram = tuple[str, ...]
K = TypeVar("K")  # a blocking key: a word gram, a (speaker, word)


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


def short_key_pairs(key: Gram, hosts: Iterable[tuple[int, int]], *, fan_out: int = FAN_OUT) -> list[tuple[int, int]]:
    """The pairs of a short text ("confirmed", "self destruct") found whole inside longer ones.

    ``hosts`` are ``(index, word count)`` of every text holding the run ``key``; those exactly
    ``key`` long are the short texts themselves, and each pairs with at most ``fan_out`` of the
    others, the longest first.
    """
    held = sorted(set(hosts), key=lambda h: (-h[1], h[0]))
    top = held[: fan_out + 1]  # a short text's own entry may be among them
    pairs = []
    for i, n in held:
        if n != len(key):
            continue
        for j, _ in [h for h in top if h[0] != i][:fan_out]:
            pairs.append((i, j) if i < j else (j, i))
    return pairs


def candidate_pairs(
    texts: Sequence[Words],
    *,
    k: int = SHINGLE,
    probes: int = PROBES,
    max_df: int = MAX_DF,
    budget: int = BUDGET,
    fan_out: int = FAN_OUT,
    fresh: Sequence[bool] | None = None,
) -> set[tuple[int, int]]:
    """Index pairs ``(i, j)``, ``i < j``, that may be reproductions of one another.

    Prefix filtering on word k-grams: every shingle of every text is indexed, and each
    text looks up only a few of its rarest (``probe_keys``: one per stretch of text the same
    texts share, gapped 3-grams after word 3-grams, at most ``probes`` and about ``budget``
    texts met). A reproduction shares its statement's distinctive shingles, so it finds the
    texts it was taken from (or that were taken from it) without meeting every text that
    says "one of the". Posting lists longer than ``max_df`` are boilerplate and skipped.
    Texts shorter than ``k`` words are looked up as whole word sequences inside longer
    texts, pairing with at most ``fan_out`` of them (the longest). The work grows linearly
    with the number of texts.

    With ``fresh`` (a flag per text), only the pairs with at least one fresh text are wanted:
    exactly those of the whole set, found by probing from the fresh texts and from the others
    that share a key with one (an incremental run, see ``provenance.PriorLinks``).
    """
    # reprints share one ``Words``: their shingles are made, counted and looked up once
    distinct: dict[int, list[Gram]] = {}
    holders: dict[int, list[int]] = defaultdict(list)
    own: list[list[Gram]] = []
    for i, w in enumerate(texts):
        sh = distinct.get(id(w))
        if sh is None:
            sh = distinct[id(w)] = list(shingles(w, k))
        own.append(sh)
        holders[id(w)].append(i)
    df: Counter[Gram] = Counter()
    for wid, sh in distinct.items():
        n = len(holders[wid])
        if n == 1:
            df.update(sh)
        else:
            for gram in sh:
                df[gram] += n
    probing = fresh_probers(
        own,
        fresh,
        lambda g: 2 <= df[g] <= max_df,
        may_probe=lambda i, held: _may_probe(own[i], df, held, max_df=max_df, budget=budget),
    )
    chosen_for: dict[int, list[Gram]] = {}
    chosen = []
    for i in probing:
        grams = chosen_for.get(id(texts[i]))
        if grams is None:
            keys = zip(map(df.__getitem__, own[i]), own[i], strict=True)
            grams = chosen_for[id(texts[i])] = probe_keys(keys, probes=probes, max_df=max_df, budget=budget)
        chosen.append(grams)
    # posting lists of the keys some text probes, the only ones read
    probed = set(itertools.chain.from_iterable(chosen))
    index: dict[Gram, list[int]] = defaultdict(list)
    for wid, sh in distinct.items():
        for gram in probed.intersection(sh):
            index[gram].extend(holders[wid])
    pairs: set[tuple[int, int]] = set()
    for i, grams in zip(probing, chosen, strict=True):
        # key_pairs((i,), posting) for each probe, inlined: this loop is the hot path
        if fresh is not None and not fresh[i]:  # a settled text pairs only with fresh ones
            for gram in grams:
                pairs.update((i, j) if i < j else (j, i) for j in index[gram] if fresh[j])
            continue
        for gram in grams:
            pairs.update((i, j) if i < j else (j, i) for j in index[gram] if j != i)
    lengths = {len(w.norm) for w in texts if 0 < len(w.norm) < k}
    if lengths:
        wanted = {w.norm for w in texts if 0 < len(w.norm) < k}
        hosts: dict[Gram, list[tuple[int, int]]] = defaultdict(list)
        for j, w in enumerate(texts):
            for key in short_keys(w, lengths) & wanted:
                hosts[key].append((j, len(w.norm)))
        for key, held in hosts.items():
            if fresh is not None and not any(fresh[j] for j, _ in held):
                continue  # a key no fresh text holds makes no pair with one
            pairs.update(short_key_pairs(key, held, fan_out=fan_out))
        if fresh is not None:
            pairs = {(i, j) for i, j in pairs if fresh[i] or fresh[j]}
    return pairs


def _may_probe(
    grams: Sequence[Gram], df: Mapping[Gram, int], held: Collection[Gram], *, max_df: int, budget: int
) -> bool:
    """Whether a text's probes (``probe_keys``) can include a gram of ``held``; False only when they
    cannot, decided without ranking all its grams.

    Above the budget a gram is probed only as the text's first probe, and the first probe is a
    word gram of the text's rarest df whenever that df has a first-of-a-stretch gram (only a text
    that repeats itself, "no, no, no, no", has none).
    """
    shared = [g for g in grams if g in held]
    if any(df[g] <= budget for g in shared):
        return True
    words = [(df[g], g) for g in grams if GAP not in g and 2 <= df[g] <= max_df]
    if not words:
        return True  # the first probe may be a gapped gram
    rarest = min(d for d, _ in words)
    group = [g for d, g in words if d == rarest]
    tails = {h[1:]: h for h in group}
    if all(tails.get(g[:-1], g) != g for g in group):
        return True  # no stretch starts there: the first probe may lie further
    return any(df[g] == rarest and GAP not in g for g in shared)


def fresh_probers(
    keys: Sequence[Collection[K]],
    fresh: Sequence[bool] | None,
    probed: Callable[[K], bool],
    *,
    may_probe: Callable[[int, Collection[K]], bool] | None = None,
) -> list[int]:
    """The texts whose probes can make a pair with a fresh text, from each text's blocking ``keys``:
    every text when all are fresh (``fresh`` is None), else the fresh ones and those holding a key
    some fresh text holds that may be ``probed`` at all. ``may_probe(i, held)``, given those keys,
    narrows the others to the texts whose own probes can include one of them; it must depend on
    ``keys[i]`` alone, since texts sharing one keys object are decided once."""
    if fresh is None:
        return list(range(len(keys)))
    if len(fresh) != len(keys):
        raise ValueError(f"fresh has {len(fresh)} flags for {len(keys)} texts")
    held: set[K] = set()
    for i, flag in enumerate(fresh):
        if flag:
            held.update(g for g in keys[i] if probed(g))
    out = []
    decided: dict[int, bool] = {}  # by the keys' own object: reprints share theirs
    for i, flag in enumerate(fresh):
        if not flag:
            may = decided.get(id(keys[i]))
            if may is None:
                may = decided[id(keys[i])] = not held.isdisjoint(keys[i]) and (may_probe is None or may_probe(i, held))
            if not may:
                continue
        out.append(i)
    return out
