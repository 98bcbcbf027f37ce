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

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel, Levenshtein

from quotetrace.model import Edit, Fidelity

_WORD = re.compile(r"\w+(?:['’]\w+)*")

# Calibrated on the seed story and hand-written variants (tests/test_match.py): a
# respelling keeps at least 75% of its characters ("organise"/"organize" is 87.5,
# "leder"/"leader" 90.9); reproductions below 60 are different statements.
SPELLING_RATIO = 75.0
MIN_SCORE = 60.0
# Paraphrase: share of the reproduction's content words found in the original.
PARAPHRASE_OVERLAP = 0.5
PARAPHRASE_MIN_SHARED = 3

STOPWORDS = frozenset(
    """a an the and or but if of to in on at by for with from as is are was were be been being it its this that
    these those he she they we i you his her their our my your him them us me who whom which what there here
    will would could can may might shall should must do does did has have had not no so than then too very just
    also about into over after before up out said says say told tell that's it's""".split()
)


@dataclass(frozen=True, slots=True)
class Words:
    """A text's words, normalised for comparison, with their offsets in the text."""

    text: str
    norm: tuple[str, ...]
    spans: tuple[tuple[int, int], ...]

    @classmethod
    def of(cls, text: str) -> Words:
        norm, spans = [], []
        for m in _WORD.finditer(text):
            norm.append(_fold(m.group()))
            spans.append((m.start(), m.end()))
        return cls(text, tuple(norm), tuple(spans))

    def __len__(self) -> int:
        return len(self.norm)


def _fold(w: str) -> str:
    w = unicodedata.normalize("NFKC", w).lower().replace("’", "'")
    return w


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


def compare(a: str | Words, b: str | Words, *, paraphrase: bool = False) -> Comparison | None:
    """Align ``b`` against ``a``; None when ``b`` does not reproduce ``a``.

    With ``paraphrase=True`` (reported speech) a failed verbatim alignment is retried
    on content words and labelled ``paraphrase``.
    """
    wa = a if isinstance(a, Words) else Words.of(a)
    wb = b if isinstance(b, Words) else Words.of(b)
    if not wa.norm or not wb.norm:
        return None
    lo, hi = _window(wa.norm, wb.norm)
    if hi > lo:
        window = wa.norm[lo:hi]
        ops = Levenshtein.opcodes(list(window), list(wb.norm))
        diff = tuple(_edits(wa, wb, lo, ops))
        score = _score(window, wb.norm)
        if score >= MIN_SCORE:
            fidelity = _label(diff, lo, hi, len(wa))
            return Comparison(
                round(score, 1), fidelity, diff, wa.spans[lo][0], wa.spans[hi - 1][1], (hi - lo) / len(wa)
            )
    if paraphrase:
        return _paraphrase(wa, wb)
    return None


def _window(a: Sequence[str], b: Sequence[str]) -> tuple[int, int]:
    """The stretch of ``a`` that ``b`` reproduces: the LCS alignment without leading/trailing deletions."""
    blocks = [blk for blk in Indel.opcodes(list(a), list(b)).as_matching_blocks() if blk.size]
    if not blocks:
        return 0, 0
    return blocks[0].a, blocks[-1].a + blocks[-1].size


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
        return w.spans[i][0], w.spans[j - 1][1]
    # an empty range: the position between words i-1 and i
    pos = w.spans[i][0] if i < len(w.spans) else (w.spans[-1][1] if w.spans else 0)
    return pos, pos


def _label(diff: Sequence[Edit], lo: int, hi: int, n: int) -> Fidelity:
    if not diff:
        return "verbatim" if (lo == 0 and hi == n) else "truncated"
    if all(e.op == "replace" and _respelling(e.a_text, e.b_text) for e in diff):
        return "variant"
    return "altered"


def _respelling(a: str, b: str) -> bool:
    wa, wb = a.split(), b.split()
    return len(wa) == len(wb) and all(
        fuzz.ratio(x.lower(), y.lower()) >= SPELLING_RATIO for x, y in zip(wa, wb, strict=True)
    )


def content_words(w: Words) -> set[str]:
    """Content words, crudely stemmed so "dependent"/"dependence" and "Russia"/"Russian" meet."""
    return {_stem(x) for x in w.norm if x not in STOPWORDS and not x.isdigit()}


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


def _paraphrase(wa: Words, wb: Words) -> Comparison | None:
    ca, cb = content_words(wa), content_words(wb)
    if not cb:
        return None
    shared = ca & cb
    overlap = len(shared) / len(cb)
    if len(shared) < PARAPHRASE_MIN_SHARED or overlap < PARAPHRASE_OVERLAP:
        return None
    return Comparison(round(100 * overlap, 1), "paraphrase", (), 0, len(wa.text), len(shared) / max(len(ca), 1))


# ---------------------------------------------------------------- blocking

SHINGLE = 3


def shingles(w: Words, k: int = SHINGLE) -> set[tuple[str, ...]]:
    """Word k-grams; a text shorter than k yields its whole word tuple."""
    if len(w.norm) < k:
        return {w.norm} if w.norm else set()
    return {w.norm[i : i + k] for i in range(len(w.norm) - k + 1)}


def candidate_pairs(texts: Sequence[Words], *, k: int = SHINGLE, max_df: int = 500) -> set[tuple[int, int]]:
    """Index pairs ``(i, j)``, ``i < j``, that share at least one word k-gram.

    Texts shorter than ``k`` words are matched on their whole word sequence appearing
    inside longer texts. Shingles shared by more than ``max_df`` texts (boilerplate)
    are skipped, which keeps the cost near-linear on large corpora.
    """
    index: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i, w in enumerate(texts):
        for sh in shingles(w, k):
            index[sh].append(i)
    short: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i, w in enumerate(texts):
        if 0 < len(w.norm) < k:
            short[w.norm].append(i)
    pairs: set[tuple[int, int]] = set()
    for members in index.values():
        if len(members) > max_df:
            continue
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                pairs.add((members[x], members[y]))
    if short:
        lengths = {len(key) for key in short}
        for j, w in enumerate(texts):
            for n in lengths:
                for s in range(len(w.norm) - n + 1):
                    for i in short.get(w.norm[s : s + n], ()):
                        if i != j:
                            pairs.add((min(i, j), max(i, j)))
    return pairs
