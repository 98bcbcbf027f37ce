"""Provenance on the real seed story: statements, origins and the fidelity of every reproduction."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import quotetrace as qt

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="module")
def story() -> qt.Trace:
    return qt.trace(SEEDS)


def _fidelity_to_statement(t: qt.Trace, needle: str, article: str) -> str:
    q = next(q for q in t.quotes if needle in q.text and q.article.startswith(article) and q.kind != "indirect")
    (link,) = [ln for ln in t.links if ln.source == q.id and ln.target == q.statement]
    return link.fidelity


def test_every_reproduction_of_the_posts_carries_its_fidelity(story: qt.Trace) -> None:
    assert _fidelity_to_statement(story, "organise", "004") == "variant"
    assert _fidelity_to_statement(story, "in Korean language", "004") == "altered"
    assert _fidelity_to_statement(story, "undoubtedly be more", "001") == "truncated"
    assert _fidelity_to_statement(story, "There should be no doubt", "000") == "truncated"


def test_the_embedded_post_is_the_origin_and_joins_its_fragments(story: qt.Trace) -> None:
    embeds = [q for q in story.quotes if q.kind == "embed"]
    statement = next(s for s in story.statements if s.id == embeds[0].statement)
    assert statement.origin in {q.id for q in embeds}
    assert {q.statement for q in embeds} == {statement.id}
    members = [story.quote(i) for i in statement.quotes]
    assert {m.article[:3] for m in members} >= {"000", "001", "002", "003", "004"}
    assert statement.date is not None and statement.date.isoformat() == "2025-01-12"


def test_the_statement_text_is_what_most_versions_say(story: qt.Trace) -> None:
    q = next(q for q in story.quotes if "in Korean language" in q.text)
    statement = next(s for s in story.statements if s.id == q.statement)
    assert "in Korean will be given" in statement.text
    assert "language" not in statement.text


def test_diff_offsets_point_into_both_texts(story: qt.Trace) -> None:
    texts = {s.id: s.text for s in story.statements} | {q.id: q.text for q in story.quotes}
    for ln in story.links:
        for e in ln.diff:
            assert texts[ln.target][e.a_start : e.a_end] == e.a_text
            assert texts[ln.source][e.b_start : e.b_end] == e.b_text


POST = (
    "In addition to the first captured soldiers from North Korea, there will undoubtedly be more. It’s only a "
    "matter of time before our troops manage to capture others. There should be no doubt left in the world that "
    "the Russian army is dependent on military assistance from North Korea."
)


def test_a_supplied_source_document_is_the_origin(tmp_path: Path) -> None:
    source = tmp_path / "posts.jsonl"
    row = {"speaker": "Volodymyr Zelensky", "channel": "X", "date": "2025-01-12", "text": POST}
    source.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    t = qt.trace(SEEDS, sources=[source])
    origin = next(q for q in t.quotes if q.article.startswith("source:"))
    statement = next(s for s in t.statements if s.id == origin.statement)
    assert statement.origin == origin.id
    assert statement.text == POST
    # the embedded posts stop at "North…": against the full post they are cut, not the original
    for q in t.quotes:
        if q.kind == "embed" and q.id != origin.id:
            (link,) = [ln for ln in t.links if ln.source == q.id and ln.target == statement.id]
            assert link.fidelity == "truncated"


def test_bad_source_lines_are_warnings_and_a_missing_file_an_error(tmp_path: Path) -> None:
    source = tmp_path / "posts.jsonl"
    source.write_text(
        '{"text": "no speaker"}\nnot json\n' + json.dumps({"speaker": "A B", "text": "Hi there all."}) + "\n"
    )
    warnings: list[str] = []
    docs = qt.read_sources([source], on_warning=warnings.append)
    assert [d.speaker for d in docs] == ["A B"]
    assert len(warnings) == 2 and all("posts.jsonl:" in w for w in warnings)
    with pytest.raises(qt.InputError, match="no such source file"):
        qt.read_sources([tmp_path / "missing.jsonl"])


def test_reports_of_one_statement_in_different_words_are_one_statement(story: qt.Trace) -> None:
    def statement_of(needle: str) -> str | None:
        return next(q.statement for q in story.quotes if needle in q.text and q.kind == "indirect")

    # the captured soldier, reported by four outlets: "just training", "a training exercise", "unaware"
    assert statement_of("told him it was just training") == statement_of("he believed he was on a training exercise")
    assert statement_of("he was unaware of being deployed") == statement_of("he had been told he was on a training")
    # the offer, reported as an exchange in one article and quoted in another
    offer = next(q for q in story.quotes if q.text.startswith("Ukraine is ready to hand over") and q.kind == "direct")
    assert statement_of("his nation is willing to exchange") == offer.statement
    # the casualty figures are not his offer
    assert statement_of("300 North Korean soldiers") != offer.statement
