"""The JSON contract (``export.py``'s docstring) checked on the trace of the real seed story."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

import quotetrace as qt
from quotetrace.model import Trace

A000 = "000_508fbe3004b92db1.txt"
A001 = "001_cc758aff9a1f738e.txt"
A002 = "002_e14b13b26ce68424.txt"
A003 = "003_44ab8f14aca57252.txt"
A004 = "004_acdc65f3d0f33f33.txt"

TOP_KEYS = {"articles", "quotes", "speakers", "statements", "links"}
QUOTE_KINDS = {"direct", "partial", "indirect", "embed"}
SECTIONS = {"body", "related"}
FIDELITIES = {"verbatim", "truncated", "variant", "altered", "paraphrase"}


def seed_texts(seeds_dir: Path, data: Mapping[str, Any]) -> dict[str, str]:
    """Article id -> the seed file's text as ``Path.read_text`` gives it (ids are file names)."""
    return {a["id"]: (seeds_dir / a["id"]).read_text(encoding="utf-8") for a in data["articles"]}


def assert_span(span: Any, text: str, where: str) -> None:
    if span is None:
        return
    assert isinstance(span, dict), where
    assert set(span) == {"start", "end", "text"}, where
    assert isinstance(span["start"], int) and isinstance(span["end"], int), where
    assert 0 <= span["start"] <= span["end"] <= len(text), where
    assert text[span["start"] : span["end"]] == span["text"], where


def assert_quote(q: Mapping[str, Any], texts: Mapping[str, str]) -> None:
    """One quote row of the contract, its offsets checked against its article's text."""
    where = f"quote {q.get('id')!r}"
    for key in ("id", "article", "start", "end", "text", "kind", "speaker", "speaker_mention", "cue"):
        assert key in q, f"{where}: no {key!r}"
    for key in ("channel", "via", "statement", "section"):
        assert key in q, f"{where}: no {key!r}"
    assert isinstance(q["id"], str) and q["id"], where
    assert q["article"] in texts, where
    text = texts[q["article"]]
    assert isinstance(q["start"], int) and isinstance(q["end"], int), where
    assert 0 <= q["start"] <= q["end"] <= len(text), where
    assert text[q["start"] : q["end"]] == q["text"], where
    assert q["kind"] in QUOTE_KINDS, where
    assert q["speaker"] is None or isinstance(q["speaker"], str), where
    assert_span(q["speaker_mention"], text, f"{where} speaker_mention")
    assert_span(q["cue"], text, f"{where} cue")
    assert q["channel"] is None or isinstance(q["channel"], str), where
    assert isinstance(q["via"], list) and all(isinstance(v, str) for v in q["via"]), where
    assert q["statement"] is None or isinstance(q["statement"], str), where
    assert q["section"] in SECTIONS, where


def assert_contract(data: Mapping[str, Any], texts: Mapping[str, str]) -> None:
    """The whole JSON contract: keys, types, offsets, and that every id refers to something."""
    assert isinstance(data, dict)
    assert set(data) >= TOP_KEYS
    for q in data["quotes"]:
        assert_quote(q, texts)
    quote_ids = [q["id"] for q in data["quotes"]]
    assert len(quote_ids) == len(set(quote_ids)), "quote ids are not unique"
    statement_ids = [s["id"] for s in data["statements"]]
    assert len(statement_ids) == len(set(statement_ids)), "statement ids are not unique"
    known_quotes, known_statements = set(quote_ids), set(statement_ids)
    for q in data["quotes"]:
        assert q["statement"] is None or q["statement"] in known_statements, q["id"]
    for st in data["statements"]:
        assert st["quotes"], st["id"]
        assert set(st["quotes"]) <= known_quotes, st["id"]
        assert st["origin"] in st["quotes"], st["id"]
    for ln in data["links"]:
        assert {"source", "target", "score", "fidelity"} <= set(ln)
        assert ln["source"] in known_quotes, ln
        assert ln["target"] in known_quotes | known_statements, ln
        assert isinstance(ln["score"], int | float) and 0 <= ln["score"] <= 100, ln
        assert ln["fidelity"] in FIDELITIES, ln


@pytest.fixture(scope="module")
def data(seed_trace: Trace) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(seed_trace.to_json())
    return loaded


@pytest.fixture(scope="module")
def texts(seeds_dir: Path, data: dict[str, Any]) -> dict[str, str]:
    return seed_texts(seeds_dir, data)


def _quotes(data: Mapping[str, Any], article: str) -> list[dict[str, Any]]:
    return [q for q in data["quotes"] if q["article"] == article]


def test_seed_trace_satisfies_the_contract(data: dict[str, Any], texts: dict[str, str]) -> None:
    assert sorted(texts) == [A000, A001, A002, A003, A004]
    assert data["quotes"] and data["statements"] and data["links"]
    assert_contract(data, texts)


def test_every_quote_text_is_its_article_slice(data: dict[str, Any], texts: dict[str, str]) -> None:
    wrong = [q["id"] for q in data["quotes"] if texts[q["article"]][q["start"] : q["end"]] != q["text"]]
    assert wrong == []


def test_json_is_deterministic(seeds_dir: Path, seed_trace: Trace) -> None:
    first = qt.trace(seeds_dir).to_json()
    second = qt.trace(seeds_dir).to_json()
    assert first == second
    assert first == seed_trace.to_json()


def test_zelensky_post_is_embedded_in_002_and_003(data: dict[str, Any]) -> None:
    for article in (A002, A003):
        embeds = [
            q
            for q in _quotes(data, article)
            if q["kind"] == "embed" and "Zelensk" in (q["speaker"] or "") and q["channel"] == "X"
        ]
        assert embeds, f"no embedded X post by Zelensky in {article}"


def test_related_stories_block_of_004(data: dict[str, Any], texts: dict[str, str]) -> None:
    cut = texts[A004].index("Latest Stories")
    after = [q for q in _quotes(data, A004) if q["start"] >= cut]
    assert after, "expected teaser quotes after 'Latest Stories'"
    assert {q["section"] for q in after} == {"related"}
    assert any(q["section"] == "body" for q in _quotes(data, A004) if q["end"] <= cut)


def test_nis_briefing_reaches_000_via_yonhap(data: dict[str, Any]) -> None:
    assert any(
        q["speaker"] == "National Intelligence Service" and "Yonhap News Agency" in q["via"]
        for q in _quotes(data, A000)
    )


def test_afp_story_is_relayed_by_afp(data: dict[str, Any]) -> None:
    quotes = _quotes(data, A001)
    assert quotes
    assert all("AFP" in q["via"] for q in quotes), [q["id"] for q in quotes if "AFP" not in q["via"]]
