"""The JSON contract and atomic writes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import pytest
from _factories import A001, A004, sample_trace
from hypothesis import given, settings
from hypothesis import strategies as st

from quotetrace.errors import OutputError
from quotetrace.export import _utf8_blocks, iter_json, to_dict, to_json, write_atomic
from quotetrace.model import Edit, Link, Quote, Section, Span, Speaker, Statement

ARTICLE_KEYS = ["id", "path", "title", "outlet", "agency", "date", "url", "byline", "sections", "length"]
QUOTE_KEYS = [
    "id",
    "article",
    "start",
    "end",
    "text",
    "kind",
    "speaker",
    "speaker_mention",
    "cue",
    "channel",
    "via",
    "statement",
    "section",
    "truncated",
    "date",
    "speech",
]
LINK_KEYS = ["source", "target", "score", "fidelity", "target_start", "target_end", "conflict", "diff"]
EDIT_KEYS = ["op", "a_start", "a_end", "a_text", "b_start", "b_end", "b_text"]


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(to_json(sample_trace()))
    return loaded


def _date(value: str | None) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(value)


def _span(value: dict[str, Any] | None) -> Span | None:
    return None if value is None else Span(**value)


def test_top_level_keys(data: dict[str, Any]) -> None:
    assert list(data) == ["articles", "quotes", "speakers", "statements", "links", "warnings"]
    assert data["warnings"] == ["003_44ab8f14aca57252.txt: no date found"]


def test_articles(data: dict[str, Any]) -> None:
    trace = sample_trace()
    for item, art in zip(data["articles"], trace.articles, strict=True):
        assert list(item) == ARTICLE_KEYS
        assert item["length"] == len(art.text)
        assert [Section(**s) for s in item["sections"]] == list(art.sections)
    afp = next(a for a in data["articles"] if a["id"] == A001)
    assert afp["agency"] == "AFP" and afp["outlet"] == "The Moscow Times" and afp["date"] == "2025-01-13"
    assert afp["sections"][0]["kind"] == "related"
    undated = data["articles"][2]
    assert undated["date"] is None and undated["url"] is None and undated["sections"] == []
    assert "text" not in afp


def test_quotes_round_trip(data: dict[str, Any]) -> None:
    trace = sample_trace()
    rebuilt = []
    for item in data["quotes"]:
        assert list(item) == QUOTE_KEYS
        fields = dict(item)
        fields.update(
            via=tuple(item["via"]),
            speaker_mention=_span(item["speaker_mention"]),
            cue=_span(item["cue"]),
            date=_date(item["date"]),
        )
        quote = Quote(**fields)
        assert trace.article(quote.article).text[quote.start : quote.end] == quote.text
        rebuilt.append(quote)
    assert tuple(rebuilt) == trace.quotes
    nis = next(q for q in data["quotes"] if q["id"] == "q000-2")
    assert nis["via"] == ["lawmakers", "Yonhap News Agency"] and nis["kind"] == "indirect"
    assert nis["cue"] == {"start": nis["cue"]["start"], "end": nis["cue"]["end"], "text": "told"}


def test_speakers_and_statements_round_trip(data: dict[str, Any]) -> None:
    trace = sample_trace()
    speakers = tuple(Speaker(**{**s, "aliases": tuple(s["aliases"])}) for s in data["speakers"])
    assert speakers == trace.speakers
    assert list(data["speakers"][0]) == ["name", "aliases", "kind", "handle"]
    statements = tuple(
        Statement(
            **{k: v for k, v in s.items() if k != "timeline"} | {"quotes": tuple(s["quotes"]), "date": _date(s["date"])}
        )
        for s in data["statements"]
    )
    assert statements == trace.statements
    assert list(data["statements"][0]) == [
        "id", "speaker", "text", "channel", "date", "origin", "quotes", "conflict", "timeline"
    ]  # fmt: skip
    # the timeline: one entry per article, earliest first, undated last
    for s in data["statements"]:
        entries = s["timeline"]
        assert len({e["article"] for e in entries}) == len(entries)
        dated = [e["date"] for e in entries if e["date"]]
        assert dated == sorted(dated)
        assert all(e["date"] is None for e in entries[len(dated) :])


def test_links(data: dict[str, Any]) -> None:
    trace = sample_trace()
    for item, link in zip(data["links"], trace.links, strict=True):
        assert list(item) == LINK_KEYS
        diff = tuple(Edit(**e) for e in item["diff"])
        assert Link(**{**item, "diff": diff, "score": link.score}) == link
        assert item["score"] == round(link.score, 1)
    variant = next(ln for ln in data["links"] if ln["source"] == "q004-1")
    assert variant["score"] == 97.7 and variant["fidelity"] == "variant"
    [edit] = variant["diff"]
    assert list(edit) == EDIT_KEYS
    assert (edit["op"], edit["a_text"], edit["b_text"]) == ("replace", "organize", "organise")
    quote = trace.quote("q004-1")
    assert quote.text[edit["b_start"] : edit["b_end"]] == "organise"
    assert trace.article(A004).text[quote.start + edit["b_start"] : quote.start + edit["b_end"]] == "organise"


def test_to_json_is_deterministic_utf8_and_ends_in_newline() -> None:
    text = to_json(sample_trace())
    assert text == to_json(sample_trace())
    assert text.endswith("}\n") and "’" in text and "\\u2019" not in text
    assert text.startswith('{\n "articles": [')
    assert text.split("\n")[2].startswith('  {"id":') and text.split("\n")[2].endswith("},")  # a record a line
    indented = to_json(sample_trace(), indent=1)
    assert json.loads(indented) == json.loads(text) and indented.count("\n") > text.count("\n")
    one_line = to_json(sample_trace(), indent=None)
    assert one_line.count("\n") == 1 and json.loads(one_line) == json.loads(text)
    assert sample_trace().to_json() == text
    assert sample_trace().to_dict() == to_dict(sample_trace())
    with pytest.raises(ValueError, match="indent must be"):
        to_json(sample_trace(), indent=-1)
    with pytest.raises(ValueError, match="indent must be"):
        to_json(sample_trace(), indent="lines")  # type: ignore[arg-type]


def test_json_in_pieces_is_the_same_text() -> None:
    trace = sample_trace()
    assert "".join(iter_json(trace)) == to_json(trace)
    empty = dataclasses.replace(trace, quotes=(), speakers=(), statements=(), links=(), warnings=())
    assert "".join(iter_json(empty)) == to_json(empty)
    warned = dataclasses.replace(empty, warnings=("a.txt: empty file; skipped", "b “quoted”"))
    assert "".join(iter_json(warned)) == to_json(warned)


def test_write_atomic_takes_pieces(tmp_path: Path) -> None:
    target = tmp_path / "story.json"
    write_atomic(target, iter_json(sample_trace()))
    assert target.read_text(encoding="utf-8") == to_json(sample_trace())
    with pytest.raises(TypeError, match="pieces of str"):
        write_atomic(target, 42)  # type: ignore[arg-type]


def test_to_dict_is_plain_json_data() -> None:
    data = to_dict(sample_trace())
    assert json.loads(json.dumps(data)) == data


def test_conflict_flags_survive() -> None:
    trace = sample_trace()
    statement = dataclasses.replace(trace.statements[0], conflict=True)
    link = dataclasses.replace(trace.links[0], conflict=True)
    data = to_dict(dataclasses.replace(trace, statements=(statement,), links=(link,)))
    assert data["statements"][0]["conflict"] is True and data["links"][0]["conflict"] is True


def test_write_atomic_text_and_bytes(tmp_path: Path) -> None:
    target = tmp_path / "story.json"
    write_atomic(target, "héllo\n")
    assert target.read_bytes() == "héllo\n".encode()
    write_atomic(str(target), b"\x00bytes")
    assert target.read_bytes() == b"\x00bytes"
    assert os.listdir(tmp_path) == ["story.json"]


def test_write_atomic_respects_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "out.svg", "<svg/>")
    finally:
        os.umask(old)
    if os.name == "posix":
        assert (tmp_path / "out.svg").stat().st_mode & 0o777 == 0o644


def test_write_atomic_missing_directory(tmp_path: Path) -> None:
    target = tmp_path / "nowhere" / "story.svg"
    with pytest.raises(OutputError) as info:
        write_atomic(target, "x")
    message = str(info.value)
    assert "\n" not in message and str(target) in message and "No such file or directory" in message
    assert os.listdir(tmp_path) == []


def test_write_atomic_onto_a_directory_cleans_up(tmp_path: Path) -> None:
    (tmp_path / "story.svg").mkdir()
    with pytest.raises(OutputError, match="cannot write"):
        write_atomic(tmp_path / "story.svg", "x")
    assert os.listdir(tmp_path) == ["story.svg"]


def test_write_atomic_failure_midway_keeps_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "story.json"
    target.write_text("old")

    def fail(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(OutputError, match="No space left on device"):
        write_atomic(target, "new")
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["story.json"]


def test_write_atomic_rejects_other_types(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="str, bytes or pieces of str; got int"):
        write_atomic(tmp_path / "x", 5)  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=40)), st.integers(1, 100))
def test_pieces_are_written_in_blocks_of_the_same_text(pieces: list[str], size: int) -> None:
    blocks = list(_utf8_blocks(iter(pieces), size))
    assert b"".join(blocks) == "".join(pieces).encode("utf-8")
    # each block but the last holds at least ``size`` characters, the last at least one
    assert all(len(b.decode("utf-8")) >= size for b in blocks[:-1])
    assert all(blocks)
