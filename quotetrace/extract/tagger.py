"""A learned attribution tagger, stacked on the rules.

The rules find what news style makes regular: quotation marks, ``X said (that) ...``,
``according to X``. PolNeAR shows that most attributions are not regular: attitudes
(``criticized``, ``is expected to``), nominal cues (``support for``), reported clauses far
from their cue. A linear-chain CRF (CRFsuite) reads each sentence token by token and
labels content, source and cue spans (BIO). Its features are the word and its
neighbours, the cue lexicons, quotation marks, and what the rules already decided
about each token, so it learns where the rules are right and what they miss.

The model is trained on PolNeAR train by ``bench/train_tagger.py`` (CRFsuite) and shipped
as arrays of its weights, ``data/tagger-v4.npz``; ``Tagger`` decodes it with a Viterbi
search compiled by numba. ``extract_quotes`` keeps every rule quote and adds the
attributions the tagger finds that no rule quote covers.
"""

from __future__ import annotations

import bisect
import io
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import NamedTuple

import numpy as np

from quotetrace.compiled import jit
from quotetrace.extract.cues import ATTITUDE_VERBS, CUE_VERBS
from quotetrace.extract.segment import Token

# The model file is named after the feature set it was trained on: changing ``features``
# means retraining, and a model for other features is never loaded.
FEATURES = "v4"
MODEL = f"data/tagger-{FEATURES}.npz"

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
    spans = list(spans)
    if not spans:
        return labels
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
    if labels.count("O") == len(labels):  # most sentences: nothing to walk
        return out
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


_RULE_LABELS: tuple[Label, ...] = ("O", "B-C", "I-C", "B-S", "I-S", "B-K", "I-K")
_N_ATTRIBUTES = 19  # the attributes ``features`` gives each token
# A word form's row in ``Tagger``'s table: the ids of its own four attributes (w=, s3=, sh=, lx=),
# of what it gives as the word before and after (w-1=, w+1=, lx-1=, lx+1=) and as the word two
# before and after (w-2=, w+2=), of cl= and cr= at each distance bucket (cue words only), and
# whether it is a cue word. Rows 0 and 1 are the sentence edges "<s>" and "</s>".
_COLUMNS = 19
_CUE = 18


def _attribute_ids(
    rows: np.ndarray, rule: np.ndarray, quoted: np.ndarray, pairs: np.ndarray,
    table: np.ndarray, const: np.ndarray, rule_ids: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """The ids of ``features``' attributes, token by token and in its order (see ``Tagger``).
    Compiled by numba (``_compiled``), as is ``_viterbi``."""
    n = rows.shape[0]
    ids = np.empty((n, _N_ATTRIBUTES), np.int32)
    k = -1  # the nearest cue word on the right
    for i in range(n - 1, -1, -1):
        d = k - i  # distance buckets as _BUCKET_OF: 1, 2 to 3, 4 to 7, 8 and beyond
        ids[i, 8] = table[rows[k], 14 + (0 if d == 1 else 1 if d < 4 else 2 if d < 8 else 3)] if k >= 0 else const[2]
        if table[rows[i], _CUE]:
            k = i
    k = -1  # on the left
    for i in range(n):
        r = rows[i]
        p1 = rows[i - 1] if i > 0 else 0
        n1 = rows[i + 1] if i < n - 1 else 1
        ids[i, 0] = const[0]
        ids[i, 1] = table[r, 0]
        ids[i, 2] = table[r, 1]
        ids[i, 3] = table[r, 2]
        ids[i, 4] = table[r, 3]
        ids[i, 5] = rule_ids[rule[i], 0]
        ids[i, 6] = const[3 + quoted[i]]
        d = i - k
        ids[i, 7] = table[rows[k], 10 + (0 if d == 1 else 1 if d < 4 else 2 if d < 8 else 3)] if k >= 0 else const[1]
        ids[i, 9] = table[p1, 4]
        ids[i, 10] = table[n1, 5]
        ids[i, 11] = table[p1, 6]
        ids[i, 12] = table[n1, 7]
        ids[i, 13] = rule_ids[rule[i - 1] if i > 0 else 7, 1]
        ids[i, 14] = rule_ids[rule[i + 1] if i < n - 1 else 8, 2]
        ids[i, 15] = table[rows[i - 2] if i > 1 else 0, 8]
        ids[i, 16] = table[rows[i + 2] if i < n - 2 else 1, 9]
        ids[i, 17] = pairs[i]
        ids[i, 18] = const[5 + 2 * (1 + quoted[i - 1] if i > 0 else 0) + quoted[i]]
        if table[r, _CUE]:
            k = i
    return ids


def _viterbi(ids: np.ndarray, state: np.ndarray, trans: np.ndarray) -> np.ndarray:
    """The best label sequence for a sentence's attribute ids, scored and searched as CRFsuite does:
    a token's score for a label sums its attributes' weights in their order, and the first of
    equal scores wins."""
    n, m = ids.shape
    labels = state.shape[1]
    score = np.zeros((n, labels))
    for i in range(n):
        for j in range(labels):
            s = 0.0
            for a in range(m):
                s += state[ids[i, a], j]
            score[i, j] = s
    back = np.zeros((n, labels), np.int32)
    for i in range(1, n):
        for j in range(labels):
            best = -np.inf
            arg = 0
            for p in range(labels):
                v = score[i - 1, p] + trans[p, j]
                if v > best:
                    best = v
                    arg = p
            back[i, j] = arg
            score[i, j] += best
    out = np.empty(n, np.int32)
    arg = 0
    for j in range(1, labels):
        if score[n - 1, j] > score[n - 1, arg]:
            arg = j
    out[n - 1] = arg
    for i in range(n - 1, 0, -1):
        arg = back[i, arg]
        out[i - 1] = arg
    return out


@cache
def _compiled() -> tuple[Callable[..., np.ndarray], Callable[..., np.ndarray]]:
    """``_attribute_ids`` and ``_viterbi`` compiled, on first use (``quotetrace.compiled``)."""
    return jit(_attribute_ids), jit(_viterbi)


class Tagger:
    """The trained CRF; ``tag`` labels one sentence.

    The model is CRFsuite's, exported by ``bench/train_tagger.py`` as arrays: the weight of
    every attribute (a ``features`` string) for every label, and of every label transition.
    Decoding is the Viterbi search compiled by numba, on the ids of the strings ``features``
    gives; each word form's ids are looked up once and kept in a table. CRFsuite's own tagger
    took about 300 ns per attribute, most of it turning Python strings into its own; this
    labels a sentence in microseconds, with the same labels. A tagger may be shared by threads.
    """

    max_tokens = MAX_TOKENS  # longer sentences are all "O"

    def __init__(self, model: bytes) -> None:
        try:
            with np.load(io.BytesIO(model), allow_pickle=False) as arrays:
                names = bytes(arrays["attributes"]).decode("utf-8").split("\n")
                labels = tuple(bytes(arrays["labels"]).decode("utf-8").split("\n"))
                state = np.asarray(arrays["state"], dtype=np.float64)
                trans = np.asarray(arrays["transitions"], dtype=np.float64)
        except (OSError, ValueError, KeyError, UnicodeDecodeError) as err:
            raise ValueError(f"not a quotetrace tagger model: {err}") from None
        if state.shape != (len(names), len(labels)) or trans.shape != (len(labels), len(labels)):
            raise ValueError("not a quotetrace tagger model: its arrays do not match its attributes and labels")
        self.labels: tuple[Label, ...] = labels
        self._ids = {name: i for i, name in enumerate(names)}
        self._unknown = len(names)  # an attribute the model has no weight for: a row of zeros
        self._state = np.vstack([state, np.zeros((1, len(labels)))])
        self._trans = np.ascontiguousarray(trans)
        get = self.attribute_id
        self._const = np.array(
            [get("bias"), get("cl=none"), get("cr=none"), *(get(_QUOTED[q]) for q in (False, True)),
             *(get(_QUOTED_PAIR[p, q]) for p in (None, False, True) for q in (False, True))],
            dtype=np.int32,
        )  # fmt: skip
        # r=, r-1= and r+1= of each rule label, "<s>" and "</s>" after them
        self._rule_index = {lab: i for i, lab in enumerate(_RULE_LABELS)}
        self._rule = np.array(
            [[get(_RULE[lab]), get(_RULE_PREV[lab]), get(_RULE_NEXT[lab])] for lab in (*_RULE_LABELS, "<s>", "</s>")],
            dtype=np.int32,
        )
        self._lock = threading.Lock()
        self._forms: dict[str, int] = {}
        self._words: list[str] = []  # each row's normalised word, for the w-1|w= attribute
        self._pairs: dict[int, int] = {}  # the w-1|w= id of two rows, by ``row_before << 20 | row``
        self._table = np.empty((0, _COLUMNS), dtype=np.int32)
        self._clear_forms()

    def attribute_id(self, name: str) -> int:
        """The row of attribute ``name`` in the model; ``len(attributes)`` for one it has no weight for."""
        return self._ids.get(name, self._unknown)

    def _clear_forms(self) -> None:
        self._forms.clear()
        self._pairs.clear()
        self._words.clear()
        self._table = np.empty((1024, _COLUMNS), dtype=np.int32)
        self._add_form(_START)
        self._add_form(_END)

    def _add_form(self, wd: _Word) -> int:
        row = len(self._words)
        if row == len(self._table):
            self._table = np.concatenate([self._table, np.empty_like(self._table)])
        get = self.attribute_id
        no_cue = ("",) * len(_BUCKETS)
        self._table[row] = (
            *(get(f) for f in wd.own), get(wd.prev1), get(wd.next1), get(wd.lex_prev1), get(wd.lex_next1),
            get(wd.prev2), get(wd.next2), *(get(f) for f in wd.left or no_cue), *(get(f) for f in wd.right or no_cue),
            wd.cue,
        )  # fmt: skip
        self._words.append(wd.w)
        return row

    def attribute_ids(self, toks: Sequence[Token], in_quote: Sequence[bool], rule: Sequence[Label]) -> np.ndarray:
        """The model's ids of ``features(toks, in_quote, rule)``, one row per token (an attribute it
        has no weight for is ``len(attributes)``)."""
        with self._lock:
            return self._attribute_ids(toks, in_quote, rule)

    def _attribute_ids(self, toks: Sequence[Token], in_quote: Sequence[bool], rule: Sequence[Label]) -> np.ndarray:
        if len(self._forms) > _MAX_WORDS or len(self._pairs) > 4 * _MAX_WORDS:
            self._clear_forms()
        forms, words, known_pairs = self._forms, self._words, self._pairs
        rows = []
        pairs = []
        prev = 0  # the row of "<s>"
        for t in toks:
            row = forms.get(t.text)
            if row is None:
                row = forms[t.text] = self._add_form(_word(t.text))
            key = prev << 20 | row  # rows stay below 2**20 (_MAX_WORDS)
            pair = known_pairs.get(key)
            if pair is None:
                pair = known_pairs[key] = self.attribute_id("w-1|w=" + words[prev] + "|" + words[row])
            rows.append(row)
            pairs.append(pair)
            prev = row
        index = self._rule_index
        return _compiled()[0](
            np.array(rows, dtype=np.int32),
            np.array([index[lab] for lab in rule], dtype=np.int32),
            np.array(in_quote, dtype=np.int32),
            np.array(pairs, dtype=np.int32),
            self._table,
            self._const,
            self._rule,
        )

    def tag(self, toks: Sequence[Token], in_quote: Sequence[bool], rule: Sequence[Label]) -> list[Label]:
        if not toks or len(toks) > MAX_TOKENS:
            return ["O"] * len(toks)
        with self._lock:
            best = _compiled()[1](self._attribute_ids(toks, in_quote, rule), self._state, self._trans)
        labels = self.labels
        return [labels[i] for i in best.tolist()]


@cache
def load_tagger() -> Tagger | None:
    """The shipped model, or None when the package was built without it."""
    res = resources.files("quotetrace").joinpath(MODEL)
    if not res.is_file():
        return None
    return Tagger(res.read_bytes())
