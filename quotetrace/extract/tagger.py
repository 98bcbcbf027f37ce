"""A learned attribution tagger, stacked on the rules.

The rules find what news style makes regular: quotation marks, ``X said (that) ...``,
``according to X``. PolNeAR shows that most attributions are not regular: attitudes
(``criticized``, ``is expected to``), nominal cues (``support for``), reported clauses far
from their cue. A bidirectional LSTM with a CRF layer reads each sentence and labels
content, source and cue spans (BIO). Each token comes in as its word vector (MiniLM's
embedding of the word alone, reduced to 64 dimensions), a learned vector for frequent
words and one for its last three letters, and flags: what the rules already decided about
it, whether it is inside quotation marks, whether a cue lexicon holds it, and its shape.
So it learns where the rules are right, what they miss, and words it never saw in training
that mean what the cues it saw mean.

The model is trained on PolNeAR train by ``bench/train_tagger.py`` (PyTorch) and shipped as
arrays, ``data/tagger-lstm1.npz``; ``Tagger`` runs it with numpy and a recurrence and Viterbi
search compiled by numba. ``extract_quotes`` keeps every rule quote and adds the
attributions the tagger finds that no rule quote covers.

A linear-chain CRF on word and lexicon features (CRFsuite, this module's model until
session 13) scored content F1 0.60 on a held-out quarter of PolNeAR train, and no feature
added to it moved that by more than 0.01; this model scores 0.636 there (docs/benchmarks.md).
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

# The model file is named after the inputs it reads: changing ``Encoder`` means retraining,
# and a model for other inputs is never loaded.
FEATURES = "lstm1"
MODEL = f"data/tagger-{FEATURES}.npz"

# Sentences longer than this (a wall of quotation marks, a 5 MB line cut into pieces) keep
# the rule output only: the tagger's cost per token is the largest in extraction.
MAX_TOKENS = 400

ROLES = ("C", "S", "K")  # content, source, cue
Label = str  # "O", "B-C", "I-C", "B-S", ...

# Contextual word vectors of a sentence given as its token texts: float32 (n, width), a row a token
# (``extract.contextual``). A tagger model trained on them reads them as its last input.
Context = Callable[[Sequence[str]], np.ndarray]


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


# The labels the model gives, in the order of its output rows; the rules' labels it reads are the same.
LABELS: tuple[Label, ...] = ("O", "B-C", "I-C", "B-S", "I-S", "B-K", "I-K")
_LABEL_INDEX = {lab: i for i, lab in enumerate(LABELS)}

_MARKS = {"“": '"', "”": '"', "‘": "'", "’": "'", "«": '"', "»": '"', "„": '"', "``": '"', "''": '"'}


def normal(text: str) -> str:
    """A token as the model reads it: lower case, every quotation mark and apostrophe in its plain form."""
    low = text.lower()
    return _MARKS.get(low, low).replace("’", "'")


def shape(text: str) -> int:
    """0 capitalised, 1 all capitals, 2 a digit first, 3 lower case, 4 anything else (punctuation)."""
    c = text[0]
    if c.isupper():
        return 1 if len(text) > 1 and text.isupper() else 0
    if c.isdigit():
        return 2
    return 3 if c.isalpha() else 4


def lexicon(word: str) -> int:
    """0 a speech verb of the cue lexicon, 1 an attitude verb, 2 neither."""
    return 0 if word in CUE_VERBS else 1 if word in ATTITUDE_VERBS else 2


# A token's flags: its rule label (one of seven), inside quotation marks, its lexicon (one of
# three) and its shape (one of five), as ones in a row of zeros.
N_FLAGS = len(LABELS) + 1 + 3 + 5
_QUOTED, _LEXICON, _SHAPE = len(LABELS), len(LABELS) + 1, len(LABELS) + 4


class Encoded(NamedTuple):
    """A sentence as the model's inputs: rows of its three vector tables (0: a form it has no row
    for) and its flags."""

    words: np.ndarray  # int64 (n,)
    frequent: np.ndarray  # int64 (n,)
    suffixes: np.ndarray  # int64 (n,)
    flags: np.ndarray  # float32 (n, N_FLAGS)


class Encoder:
    """Turns a sentence into ``Encoded`` inputs: the one place that decides what the model reads,
    used by training and by ``Tagger`` alike (which keeps what it makes of each word form)."""

    def __init__(self, words: Sequence[str], frequent: Sequence[str], suffixes: Sequence[str]) -> None:
        self._word = {w: i + 1 for i, w in enumerate(words)}
        self._frequent = {w: i + 1 for i, w in enumerate(frequent)}
        self._suffix = {s: i + 1 for i, s in enumerate(suffixes)}

    def form(self, text: str) -> tuple[int, int, int, int, int]:
        """``text``'s rows in the word, frequent-word and suffix tables, and its lexicon and shape flags."""
        w = normal(text)
        return (
            self._word.get(w, 0), self._frequent.get(w, 0), self._suffix.get(w[-3:], 0),
            _LEXICON + lexicon(w), _SHAPE + shape(text),
        )  # fmt: skip

    def encode(self, texts: Sequence[str], in_quote: Sequence[bool], rule: Sequence[Label]) -> Encoded:
        n = len(texts)
        rows = np.array([self.form(t) for t in texts], dtype=np.int64).reshape(n, 5)
        flags = np.zeros((n, N_FLAGS), dtype=np.float32)
        at = np.arange(n)
        flags[at, [_LABEL_INDEX[lab] for lab in rule]] = 1.0
        flags[:, _QUOTED] = np.asarray(in_quote, dtype=np.float32)
        flags[at, rows[:, 3]] = 1.0
        flags[at, rows[:, 4]] = 1.0
        return Encoded(rows[:, 0], rows[:, 1], rows[:, 2], flags)


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


def _tanh(x: np.float32) -> np.float32:
    """tanh in float32 by Eigen's rational approximation (``ptanh_float``): within 3e-7 of the true
    value, and arithmetic alone, so the loops that call it are vectorised."""
    bound = np.float32(7.90531110763549805)
    if x > bound:
        x = bound
    elif x < -bound:
        x = -bound
    x2 = x * x
    p = np.float32(-2.76076847742355e-16)
    p = p * x2 + np.float32(2.00018790482477e-13)
    p = p * x2 + np.float32(-8.60467152213735e-11)
    p = p * x2 + np.float32(5.12229709037114e-08)
    p = p * x2 + np.float32(1.48572235717979e-05)
    p = p * x2 + np.float32(6.37261928875436e-04)
    p = p * x2 + np.float32(4.89352455891786e-03)
    q = np.float32(1.19825839466702e-06)
    q = q * x2 + np.float32(1.18534705686654e-04)
    q = q * x2 + np.float32(2.26843463243900e-03)
    q = q * x2 + np.float32(4.89352518554385e-03)
    return x * p / q


def _recur(gates: np.ndarray, w_hh: np.ndarray, backward: bool, out: np.ndarray, row: int) -> None:
    """One direction of the LSTM over a sentence: ``gates`` (n, 4H) are the input's share of each
    token's gates (PyTorch's order: input, forget, cell, output), ``w_hh`` (H, 4H) the recurrent
    weights; each step's hidden state goes to ``out[row:row + H, t]`` (a column a token).

    The recurrent product adds four rows of weights per pass over the gates, each still one
    after the other in the order a row at a time would: the same float32 sums, a quarter of the
    gates' loads and stores (3.8 -> 3.0 µs a token for the whole decoder on PolNeAR dev)."""
    n, h4 = gates.shape
    hidden = h4 // 4
    whole = hidden - hidden % 4
    h = np.zeros(hidden, np.float32)
    c = np.zeros(hidden, np.float32)
    g = np.empty(h4, np.float32)
    half = np.float32(0.5)
    for step in range(n):
        t = n - 1 - step if backward else step
        for r in range(h4):
            g[r] = gates[t, r]
        for k in range(0, whole, 4):
            h0, h1, h2, h3 = h[k], h[k + 1], h[k + 2], h[k + 3]
            w0, w1, w2, w3 = w_hh[k], w_hh[k + 1], w_hh[k + 2], w_hh[k + 3]
            for r in range(h4):
                g[r] = (((g[r] + w0[r] * h0) + w1[r] * h1) + w2[r] * h2) + w3[r] * h3
        for k in range(whole, hidden):
            hk = h[k]
            for r in range(h4):
                g[r] += w_hh[k, r] * hk
        for k in range(hidden):
            i = half + half * _tanh(half * g[k])
            f = half + half * _tanh(half * g[hidden + k])
            o = half + half * _tanh(half * g[3 * hidden + k])
            c[k] = f * c[k] + i * _tanh(g[2 * hidden + k])
            h[k] = o * _tanh(c[k])
        for k in range(hidden):
            out[row + k, t] = h[k]


def _decode(
    gates: np.ndarray, w_hh: np.ndarray, w_out: np.ndarray, b_out: np.ndarray, trans: np.ndarray, start: np.ndarray
) -> np.ndarray:
    """The best label sequence of a sentence: both LSTM directions over ``gates`` (n, 8H: forward
    then backward), each token's label scores from their hidden states, and the Viterbi search
    over those and the label transitions; the first of equal scores wins. Compiled by numba
    (``_compiled``).

    The hidden states are kept a row per unit, so a label's scores for the whole sentence are
    one running sum over rows, vectorised across tokens, where a sum per token waited on each
    addition in turn (the same sums, in the same order)."""
    n = gates.shape[0]
    hidden = w_hh.shape[1]
    states = np.empty((2 * hidden, n), np.float32)
    _recur(gates[:, : 4 * hidden], w_hh[0], False, states, 0)
    _recur(gates[:, 4 * hidden :], w_hh[1], True, states, hidden)
    labels = w_out.shape[0]
    emit = np.empty((labels, n), np.float32)
    for j in range(labels):
        scores = emit[j]
        for t in range(n):
            scores[t] = b_out[j]
        for k in range(2 * hidden):
            w, unit = w_out[j, k], states[k]
            for t in range(n):
                scores[t] += w * unit[t]
    score = np.empty(labels, np.float32)
    nxt = np.empty(labels, np.float32)
    back = np.zeros((n, labels), np.int32)
    for j in range(labels):
        score[j] = start[j] + emit[j, 0]
    for t in range(1, n):
        for j in range(labels):
            best = score[0] + trans[0, j]
            arg = 0
            for p in range(1, labels):
                v = score[p] + trans[p, j]
                if v > best:
                    best = v
                    arg = p
            back[t, j] = arg
            nxt[j] = best + emit[j, t]
        score[:] = nxt
    out = np.empty(n, np.int32)
    arg = 0
    for j in range(1, labels):
        if score[j] > score[arg]:
            arg = j
    out[n - 1] = arg
    for t in range(n - 1, 0, -1):
        arg = back[t, arg]
        out[t - 1] = arg
    return out


def _gates(
    table: np.ndarray, rows: np.ndarray, rule: np.ndarray, quoted: np.ndarray, w_flags: np.ndarray
) -> np.ndarray:
    """A sentence's gate inputs (n, 8H): each token's word form's row of ``table`` (its vectors,
    lexicon and shape already through the input weights, and the bias), plus the input weights
    of its rule label and of being quoted."""
    n, width = rows.shape[0], table.shape[1]
    gates = np.empty((n, width), np.float32)
    for t in range(n):
        form, lab = table[rows[t]], w_flags[rule[t]]
        for r in range(width):
            gates[t, r] = form[r] + lab[r]
        if quoted[t]:
            q = w_flags[_QUOTED]
            for r in range(width):
                gates[t, r] += q[r]
    return gates


def _tag(
    table: np.ndarray, rows: np.ndarray, rule: np.ndarray, quoted: np.ndarray, w_flags: np.ndarray,
    w_hh: np.ndarray, w_out: np.ndarray, b_out: np.ndarray, trans: np.ndarray, start: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """``_decode`` of ``_gates``: a sentence's labels from its rows, in one compiled call."""
    return _decode(_gates(table, rows, rule, quoted, w_flags), w_hh, w_out, b_out, trans, start)


@cache
def _compiled() -> tuple[Callable[..., np.ndarray], Callable[..., np.ndarray], Callable[..., np.ndarray]]:
    """``_tag``, ``_decode`` and ``_gates`` compiled, on first use (``quotetrace.compiled``), with the functions
    they call. numba's default zero-division check would keep LLVM from vectorising ``_tanh``'s
    division (its divisor is never below 0.0049): numpy's error model leaves it out, and halves
    the decoder's time."""
    global _tanh, _recur, _gates, _decode
    _tanh = jit(_tanh, error_model="numpy", inline="always")
    _recur = jit(_recur, error_model="numpy")
    _gates = jit(_gates)
    _decode = jit(_decode, error_model="numpy")
    return jit(_tag), _decode, _gates


def _lines(arrays: np.lib.npyio.NpzFile, name: str) -> list[str]:
    text = bytes(arrays[name]).decode("utf-8")
    return text.split("\n") if text else []


class Tagger:
    """The trained BiLSTM-CRF; ``tag`` labels one sentence.

    The model is PyTorch's, exported by ``bench/train_tagger.py`` as arrays: three tables of
    vectors (words, frequent words, suffixes), the LSTM's weights for each direction, the
    output layer, and the label transitions. Each vector's share of the LSTM's gate inputs
    (the vector times its input weights) is computed once and kept, and so is each word form's
    (its vectors', lexicon's and shape's, summed); a sentence's gates, the recurrence, the label
    scores and the Viterbi search are then one compiled call. A tagger may be shared by threads.
    """

    max_tokens = MAX_TOKENS  # longer sentences are all "O"

    def __init__(self, model: bytes, context: Context | None = None) -> None:
        try:
            with np.load(io.BytesIO(model), allow_pickle=False) as arrays:
                words, frequent, suffixes = (_lines(arrays, k) for k in ("words", "frequent", "suffixes"))
                labels = tuple(_lines(arrays, "labels"))
                vectors = np.asarray(arrays["vectors"], dtype=np.float32)
                frequent_vectors = np.asarray(arrays["frequent_vectors"], dtype=np.float32)
                suffix_vectors = np.asarray(arrays["suffix_vectors"], dtype=np.float32)
                w_ih = np.asarray(arrays["w_ih"], dtype=np.float32)
                w_hh = np.asarray(arrays["w_hh"], dtype=np.float32)
                bias = np.asarray(arrays["bias"], dtype=np.float32)
                w_out = np.asarray(arrays["w_out"], dtype=np.float32)
                b_out = np.asarray(arrays["b_out"], dtype=np.float32)
                trans = np.asarray(arrays["transitions"], dtype=np.float32)
                start = np.asarray(arrays["start"], dtype=np.float32)
                # a contextual model's projection of each token's contextual vector, its last input
                context_w = np.asarray(arrays["context_weights"], np.float32) if "context_weights" in arrays else None
                context_b = np.asarray(arrays["context_bias"], np.float32) if "context_bias" in arrays else None
        except (OSError, ValueError, KeyError, UnicodeDecodeError) as err:
            raise ValueError(f"not a quotetrace tagger model: {err}") from None
        hidden = w_hh.shape[-1] if w_hh.ndim == 3 else 0
        projected = 0 if context_w is None or context_w.ndim != 2 else context_w.shape[0]
        width = vectors.shape[-1] + frequent_vectors.shape[-1] + suffix_vectors.shape[-1] + N_FLAGS + projected
        if (context_w is None) != (context_b is None) or (
            context_w is not None and (context_w.ndim != 2 or context_b is None or context_b.shape != (projected,))
        ):
            raise ValueError("not a quotetrace tagger model: its contextual projection is incomplete")
        if context_w is not None and context is None:
            raise ValueError("this tagger model reads contextual word vectors: load it with load_contextual_tagger()")
        if (
            labels != LABELS
            or vectors.shape[0] != len(words)
            or frequent_vectors.shape[0] != len(frequent) + 1
            or suffix_vectors.shape[0] != len(suffixes) + 1
            or w_ih.shape != (2, 4 * hidden, width)
            or w_hh.shape != (2, 4 * hidden, hidden)
            or bias.shape != (2, 4 * hidden)
            or w_out.shape != (len(LABELS), 2 * hidden)
            or b_out.shape != (len(LABELS),)
            or trans.shape != (len(LABELS), len(LABELS))
            or start.shape != (len(LABELS),)
        ):
            raise ValueError("not a quotetrace tagger model: its arrays do not fit together")
        self.labels = labels
        self.encoder = Encoder(words, frequent, suffixes)
        # row 0 of each table is the form it has no vector for: zeros for words, learned for the others
        self._vectors = np.vstack([np.zeros((1, vectors.shape[1]), np.float32), vectors])
        self._frequent = frequent_vectors
        self._suffixes = suffix_vectors
        # both directions' input weights side by side, cut by input: a token's gates are a sum of rows
        self._w_in = np.ascontiguousarray(np.concatenate([w_ih[0], w_ih[1]]).T)  # (width, 8H)
        self._b_in = np.concatenate([bias[0], bias[1]])
        cuts = np.cumsum([vectors.shape[1], frequent_vectors.shape[1], suffix_vectors.shape[1], N_FLAGS])
        self._w_word, self._w_frequent, self._w_suffix, self._w_flags, w_context = np.split(self._w_in, cuts)
        # a contextual vector's share of the gates: its projection and those inputs' weights in one matrix
        self._context = context if context_w is not None else None
        self.context_width = 0 if context_w is None else context_w.shape[1]
        self._context_w, self._context_b = context_w, context_b
        self._context_in = None if context_w is None else np.ascontiguousarray(context_w.T @ w_context)
        self._context_bias = None if context_b is None else context_b @ w_context
        self._w_hh = np.ascontiguousarray(w_hh.transpose(0, 2, 1))  # (2, H, 4H): a step adds rows
        self._w_out, self._b_out = np.ascontiguousarray(w_out), b_out
        self._trans, self._start = np.ascontiguousarray(trans), start
        self._lock = threading.Lock()
        self._word_in = _Products(self._vectors, self._w_word)
        self._frequent_in = _Products(self._frequent, self._w_frequent)
        self._suffix_in = _Products(self._suffixes, self._w_suffix)
        self._rows: dict[str, int] = {}
        self._table = np.empty((0, 8 * hidden), np.float32)
        self._clear_rows()

    # Word forms whose gate inputs are kept: 2 KB each, so 32 MB at most; a text of more distinct
    # forms empties the table now and then (a form's row is a sum of five rows: cheap to make again).
    # Most tokens are of a few thousand forms.
    MAX_ROWS = 16_384

    def _clear_rows(self) -> None:
        self._rows.clear()
        self._table = np.empty((1024, self._table.shape[1]), np.float32)

    def _row(self, text: str) -> int:
        """The row of ``self._table`` holding word form ``text``'s share of its gate inputs."""
        row = self._rows.get(text)
        if row is None:
            row = self._rows[text] = len(self._rows)
            if row == len(self._table):
                self._table = np.concatenate([self._table, np.empty_like(self._table)])
            word, frequent, suffix, lex, shape = self.encoder.form(text)
            self._table[row] = (
                self._word_in[word] + self._frequent_in[frequent] + self._suffix_in[suffix]
                + self._w_flags[lex] + self._w_flags[shape] + self._b_in
            )  # fmt: skip
        return row

    def inputs(self, toks: Sequence[Token], in_quote: Sequence[bool], rule: Sequence[Label]) -> np.ndarray:
        """Each token's input row, as the model was trained on it: its three vectors and its flags,
        and a contextual model's projected contextual vector."""
        texts = [t.text for t in toks]
        enc = self.encoder.encode(texts, in_quote, rule)
        parts = [self._vectors[enc.words], self._frequent[enc.frequent], self._suffixes[enc.suffixes], enc.flags]
        if self._context is not None and self._context_w is not None and self._context_b is not None:
            parts.append(self._context(texts) @ self._context_w.T + self._context_b)
        return np.hstack(parts)

    def reading(self, sentences: Iterable[Sequence[str]]) -> Tagger | _Reading:
        """The tagger for one article whose sentences (as token texts) are ``sentences``: a contextual
        model runs MiniLM over them all at once, in batches (twice as fast as a sentence at a time),
        and tags with those vectors; any other model is itself. Batched vectors can differ from a
        sentence's alone in float16's last place, so an article is always read this way."""
        if self._context is None:
            return self
        unique = list(dict.fromkeys(tuple(s) for s in sentences if 0 < len(s) <= self.max_tokens))
        many = getattr(self._context, "many", None)
        vectors = many(unique) if many is not None else [self._context(s) for s in unique]
        return _Reading(self, dict(zip(unique, vectors, strict=True)))

    def tag(
        self,
        toks: Sequence[Token],
        in_quote: Sequence[bool],
        rule: Sequence[Label],
        context: np.ndarray | None = None,
    ) -> list[Label]:
        """The sentence's labels; ``context`` is its contextual vectors, made here when not given."""
        if not toks or len(toks) > MAX_TOKENS:
            return ["O"] * len(toks)
        index = _LABEL_INDEX
        # contextual vectors first, outside the lock: they are the slow part, and need no table
        vectors = None
        if self._context is not None:  # a model without contextual inputs ignores any given
            vectors = self._context([t.text for t in toks]) if context is None else context
        with self._lock:
            if len(self._rows) + len(toks) > self.MAX_ROWS:
                self._clear_rows()  # between sentences: a sentence's rows must all stay where they are
            known = self._rows.get
            ids = [known(t.text, -1) for t in toks]
            if -1 in ids:  # forms this table has no row for yet (a dict lookup each is the common case)
                ids = [self._row(t.text) if i < 0 else i for t, i in zip(toks, ids, strict=True)]
            rows = np.array(ids, dtype=np.int64)
            rule_ids = np.array([index[lab] for lab in rule], dtype=np.int64)
            quoted = np.array(in_quote, dtype=np.bool_)
            tag, decode, gates = _compiled()
            if vectors is None:
                best = tag(
                    self._table, rows, rule_ids, quoted, self._w_flags,
                    self._w_hh, self._w_out, self._b_out, self._trans, self._start,
                )  # fmt: skip
            else:
                assert self._context_in is not None and self._context_bias is not None
                inputs = gates(self._table, rows, rule_ids, quoted, self._w_flags)
                inputs += vectors @ self._context_in + self._context_bias
                best = decode(inputs, self._w_hh, self._w_out, self._b_out, self._trans, self._start)
        labels = self.labels
        return [labels[i] for i in best.tolist()]


class _Reading:
    """A contextual tagger with the contextual vectors of one article's sentences made already."""

    max_tokens = MAX_TOKENS

    def __init__(self, tagger: Tagger, vectors: dict[tuple[str, ...], np.ndarray]) -> None:
        self._tagger, self._vectors = tagger, vectors

    def tag(self, toks: Sequence[Token], in_quote: Sequence[bool], rule: Sequence[Label]) -> list[Label]:
        return self._tagger.tag(toks, in_quote, rule, self._vectors.get(tuple(t.text for t in toks)))


class _Products:
    """A table of vectors times input weights, each row made on its first use: one vector at a time,
    as the exporter checked them, and only those a text needs (the words' are 72 MB, of memory never
    touched until a row is made; a process that tags one article makes a few hundred)."""

    def __init__(self, vectors: np.ndarray, weights: np.ndarray) -> None:
        self._vectors, self._weights = vectors, weights
        self._rows = np.empty((len(vectors), weights.shape[1]), np.float32)
        self._done = np.zeros(len(vectors), np.bool_)

    def __getitem__(self, i: int) -> np.ndarray:
        if not self._done[i]:
            self._rows[i] = self._vectors[i] @ self._weights
            self._done[i] = True
        row: np.ndarray = self._rows[i]
        return row


@cache
def load_tagger() -> Tagger | None:
    """The shipped model, or None when the package was built without it."""
    res = resources.files("quotetrace").joinpath(MODEL)
    if not res.is_file():
        return None
    return Tagger(res.read_bytes())
