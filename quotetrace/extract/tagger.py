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


def _bucket(d: int) -> str:
    return "1" if d == 1 else "2" if d <= 3 else "4" if d <= 7 else "8"


def features(toks: Sequence[Token], in_quote: Sequence[bool], rule: Sequence[Label]) -> list[list[str]]:
    """The feature strings of every token of one sentence."""
    n = len(toks)
    words = [_MARKS.get(t.lower, t.lower) for t in toks]
    lex = ["sp" if w in CUE_VERBS else "at" if w in ATTITUDE_VERBS else "-" for w in words]
    shapes = [_shape(t.text) for t in toks]
    quoted = ["1" if q else "0" for q in in_quote]
    # the nearest cue word on each side, with its distance: content sits on one side of its cue
    left: list[str] = []
    k = -1
    for i in range(n):
        left.append(f"{words[k]}@{_bucket(i - k)}" if k >= 0 else "none")
        if lex[i] != "-":
            k = i
    right: list[str] = [""] * n
    k = -1
    for i in range(n - 1, -1, -1):
        right[i] = f"{words[k]}@{_bucket(k - i)}" if k >= 0 else "none"
        if lex[i] != "-":
            k = i
    w1 = ["<s>", *words, "</s>"]  # words[i - 1] is w1[i], words[i + 1] is w1[i + 2]
    r1 = ["<s>", *rule, "</s>"]
    l1 = ["<s>", *lex, "</s>"]
    out = []
    for i in range(n):
        w = words[i]
        out.append(
            [
                "bias",
                "w=" + w,
                "s3=" + w[-3:],
                "sh=" + shapes[i],
                "lx=" + lex[i],
                "r=" + rule[i],
                "q=" + quoted[i],
                "cl=" + left[i],
                "cr=" + right[i],
                "w-1=" + w1[i],
                "w+1=" + w1[i + 2],
                "lx-1=" + l1[i],
                "lx+1=" + l1[i + 2],
                "r-1=" + r1[i],
                "r+1=" + r1[i + 2],
                "w-2=" + (words[i - 2] if i > 1 else "<s>"),
                "w+2=" + (words[i + 2] if i + 2 < n else "</s>"),
                "w-1|w=" + w1[i] + "|" + w,
                "q-1|q=" + (quoted[i - 1] if i else "-") + quoted[i],
            ]
        )
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
