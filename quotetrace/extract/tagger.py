"""A learned attribution tagger, stacked on the rules.

The rules find what news style makes regular: quotation marks, ``X said (that) ...``,
``according to X``. PolNeAR shows that most attributions are not regular: attitudes
(``criticized``, ``is expected to``), nominal cues (``support for``), reported clauses far
from their cue. A linear-chain CRF (CRFsuite) reads each sentence token by token and
labels content, source and cue spans (BIO). Its features are the word and its
neighbours, the cue lexicons, quotation marks, and what the rules already decided
about each token, so it learns where the rules are right and what they miss.

The model is trained on PolNeAR train by ``bench/train_tagger.py`` and shipped as
``data/tagger.crfsuite``. ``extract_quotes`` keeps every rule quote and adds the
attributions the tagger finds that no rule quote covers.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import NamedTuple

import pycrfsuite

from quotetrace.extract.cues import ATTITUDE_VERBS, CUE_VERBS
from quotetrace.extract.segment import Token

# The model file is named after the feature set it was trained on: changing ``features``
# means retraining, and a model for other features is never loaded.
FEATURES = "v4"
MODEL = f"data/tagger-{FEATURES}.crfsuite"

# Sentences longer than this (a wall of quotation marks, a 5 MB line cut into pieces) keep
# the rule output only: the tagger's cost per token is the largest in extraction.
MAX_TOKENS = 400

ROLES = ("C", "S", "K")  # content, source, cue
Label = str  # "O", "B-C", "I-C", "B-S", ...


@dataclass(frozen=True, slots=True)
class Tagged:
    """One attribution the tagger found, as token index ranges ``[start, end)`` into the sentence."""

    content: tuple[int, int]
    source: tuple[int, int] | None
    cue: tuple[int, int] | None


def roles_of(toks: Sequence[Token], spans: Iterable[tuple[str, int, int]]) -> list[Label]:
    """BIO labels for ``toks`` from character spans ``(role, start, end)``; cue beats source beats content."""
    labels: list[Label] = ["O"] * len(toks)
    rank = {"O": 0, "C": 1, "S": 2, "K": 3}
    for role, s, e in spans:
        i = _first_token(toks, s)
        first = True
        while i < len(toks) and toks[i].start < e:
            if toks[i].end > s and rank[role] > rank[labels[i][-1]]:
                labels[i] = ("B-" if first else "I-") + role
            first = False
            i += 1
    # a span cut by a higher-ranked one restarts after it
    for i in range(1, len(labels)):
        if labels[i].startswith("I-") and labels[i - 1][-1] != labels[i][-1]:
            labels[i] = "B-" + labels[i][2:]
    return labels


def _first_token(toks: Sequence[Token], pos: int) -> int:
    """The first token that ends after ``pos``."""
    i = bisect.bisect_left(toks, pos, key=lambda t: t.start)
    return i - 1 if i and toks[i - 1].end > pos else i


def _shape(w: str) -> str:
    if w[0].isupper():
        return "U" if w.isupper() and len(w) > 1 else "C"
    if w[0].isdigit():
        return "D"
    if w[0].isalpha():
        return "l"
    return w  # punctuation stands for itself


_MARKS = {"“": '"', "”": '"', "‘": "'", "’": "'", "«": '"', "»": '"', "„": '"', "``": '"', "''": '"'}


class _Word(NamedTuple):
    """The feature strings a token contributes as itself and as a neighbour, built once per word form."""

    w: str  # the normalised word
    cue: bool  # in a cue lexicon: the anchor of the ``cl``/``cr`` features
    left: tuple[str, ...]  # cl= for each distance bucket, when it is the nearest cue on the left (cue words only)
    right: tuple[str, ...]  # cr=
    own: tuple[str, str, str, str]  # w=, s3=, sh=, lx=
    prev1: str  # w-1=, when it is the previous word
    next1: str  # w+1=
    lex_prev1: str  # lx-1=
    lex_next1: str  # lx+1=
    prev2: str  # w-2=
    next2: str  # w+2=


def _word(text: str) -> _Word:
    low = text.lower()
    w = _MARKS.get(low, low)
    lex = "sp" if w in CUE_VERBS else "at" if w in ATTITUDE_VERBS else "-"
    own = ("w=" + w, "s3=" + w[-3:], "sh=" + _shape(text), "lx=" + lex)
    cue = lex != "-"
    left = tuple(f"cl={w}@{b}" for b in _BUCKETS) if cue else ()
    right = tuple(f"cr={w}@{b}" for b in _BUCKETS) if cue else ()
    return _Word(w, cue, left, right, own, "w-1=" + w, "w+1=" + w, "lx-1=" + lex, "lx+1=" + lex, "w-2=" + w, "w+2=" + w)


_BUCKETS = ("1", "2", "4", "8")
_BUCKET_OF = (0, 0, 1, 1, 2, 2, 2, 2)  # index into _BUCKETS for distances 1 to 7 (as ``_bucket``); 3 beyond

# Sentence edges stand in for the missing neighbours.
_START = _Word("<s>", False, (), (), ("", "", "", ""), "w-1=<s>", "", "lx-1=<s>", "", "w-2=<s>", "")
_END = _Word("</s>", False, (), (), ("", "", "", ""), "", "w+1=</s>", "", "lx+1=</s>", "", "w+2=</s>")

# Word forms seen so far; a text of millions of distinct forms empties it now and then, so memory stays bounded.
_WORDS: dict[str, _Word] = {}
_MAX_WORDS = 200_000


class _Prefixed(dict[str, str]):
    """``prefix + value`` for each value asked for, built once."""

    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix

    def __missing__(self, value: str) -> str:
        self[value] = out = self.prefix + value
        return out


_RULE, _RULE_PREV, _RULE_NEXT = _Prefixed("r="), _Prefixed("r-1="), _Prefixed("r+1=")
_QUOTED = {False: "q=0", True: "q=1"}
_QUOTED_PAIR = {
    (None, False): "q-1|q=-0", (None, True): "q-1|q=-1", (False, False): "q-1|q=00",
    (False, True): "q-1|q=01", (True, False): "q-1|q=10", (True, True): "q-1|q=11",
}  # fmt: skip


def features(toks: Sequence[Token], in_quote: Sequence[bool], rule: Sequence[Label]) -> list[list[str]]:
    """The feature strings of every token of one sentence.

    Every string a word gives is built once per word form and looked up after that:
    building them afresh for each token was a third of the tagger's time.
    """
    n = len(toks)
    if len(_WORDS) > _MAX_WORDS:
        _WORDS.clear()
    ws = []
    for t in toks:
        wd = _WORDS.get(t.text)
        if wd is None:
            wd = _WORDS[t.text] = _word(t.text)
        ws.append(wd)
    # the nearest cue word on each side, with its distance: content sits on one side of its cue
    left: list[str] = []
    k = -1
    for i in range(n):
        left.append(ws[k].left[_BUCKET_OF[i - k] if i - k < 8 else 3] if k >= 0 else "cl=none")
        if ws[i].cue:
            k = i
    right: list[str] = [""] * n
    k = -1
    for i in range(n - 1, -1, -1):
        right[i] = ws[k].right[_BUCKET_OF[k - i] if k - i < 8 else 3] if k >= 0 else "cr=none"
        if ws[i].cue:
            k = i
    pad = [_START, _START, *ws, _END, _END]  # token i is pad[i + 2]
    r1 = ["<s>", *rule, "</s>"]  # rule[i - 1] is r1[i], rule[i + 1] is r1[i + 2]
    out = []
    prev_q: bool | None = None
    for i in range(n):
        w = pad[i + 2]
        p1, n1 = pad[i + 1], pad[i + 3]
        q = bool(in_quote[i])
        out.append(
            [
                "bias",
                *w.own,
                _RULE[rule[i]],
                _QUOTED[q],
                left[i],
                right[i],
                p1.prev1,
                n1.next1,
                p1.lex_prev1,
                n1.lex_next1,
                _RULE_PREV[r1[i]],
                _RULE_NEXT[r1[i + 2]],
                pad[i].prev2,
                pad[i + 4].next2,
                "w-1|w=" + p1.w + "|" + w.w,
                _QUOTED_PAIR[prev_q, q],
            ]
        )
        prev_q = q
    return out


def spans(labels: Sequence[Label]) -> list[tuple[str, int, int]]:
    """``(role, start, end)`` token ranges from BIO labels (an ``I-`` after anything else starts a span)."""
    out: list[tuple[str, int, int]] = []
    for i, lab in enumerate(labels):
        if lab == "O":
            continue
        role = lab[2:]
        if lab[0] == "I" and out and out[-1][0] == role and out[-1][2] == i:
            out[-1] = (role, out[-1][1], i + 1)
        else:
            out.append((role, i, i + 1))
    return out


def attributions(labels: Sequence[Label]) -> list[Tagged]:
    """Content spans, each with the cue nearest to it and the source nearest to that cue."""
    found = spans(labels)
    by_role: dict[str, list[tuple[int, int]]] = {r: [] for r in ROLES}
    for role, s, e in found:
        by_role[role].append((s, e))
    out = []
    for cs, ce in by_role["C"]:
        cue = _nearest(by_role["K"], cs, ce)
        anchor = cue or (cs, ce)
        source = _nearest(by_role["S"], *anchor)
        out.append(Tagged((cs, ce), source, cue))
    return out


def _nearest(cands: Sequence[tuple[int, int]], s: int, e: int) -> tuple[int, int] | None:
    best, dist = None, 1 << 30
    for cs, ce in cands:
        d = s - ce if ce <= s else cs - e if cs >= e else 0
        if d < dist:
            best, dist = (cs, ce), d
    return best


class Tagger:
    """The trained CRF; ``tag`` labels one sentence."""

    max_tokens = MAX_TOKENS  # longer sentences are all "O"

    def __init__(self, model: bytes) -> None:
        self._model = model  # CRFsuite reads the model in place: the bytes must outlive the tagger
        self._crf = pycrfsuite.Tagger()
        self._crf.open_inmemory(model)

    def tag(self, toks: Sequence[Token], in_quote: Sequence[bool], rule: Sequence[Label]) -> list[Label]:
        if not toks or len(toks) > MAX_TOKENS:
            return ["O"] * len(toks)
        feats = features(toks, in_quote, rule)
        try:
            return list(self._crf.tag(feats))
        except (SystemError, UnicodeError):  # lone surrogates (from JSON or a library caller) cannot be UTF-8
            return list(self._crf.tag([[f.encode("utf-8", "replace").decode("utf-8") for f in fs] for fs in feats]))


@cache
def load_tagger() -> Tagger | None:
    """The shipped model, or None when the package was built without it."""
    res = resources.files("quotetrace").joinpath(MODEL)
    if not res.is_file():
        return None
    return Tagger(res.read_bytes())
