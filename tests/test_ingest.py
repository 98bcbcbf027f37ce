"""Tests for quotetrace.ingest: real seed articles, plus small texts written here in tmp_path."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quotetrace.errors import NoArticlesError
from quotetrace.ingest import (
    article_from_text,
    find_sections,
    iter_articles,
    read_article,
    read_articles,
    sniff_metadata,
)
from quotetrace.model import Article

SEEDS = Path(__file__).parent.parent / "seeds"
SEED_IDS = [
    "000_508fbe3004b92db1.txt",
    "001_cc758aff9a1f738e.txt",
    "002_e14b13b26ce68424.txt",
    "003_44ab8f14aca57252.txt",
    "004_acdc65f3d0f33f33.txt",
]
AFP = "001_cc758aff9a1f738e.txt"
YAHOO = "004_acdc65f3d0f33f33.txt"

STORY = (
    "Minister promises bridge will reopen\n"
    "\n"
    'The minister said on Sunday that the bridge would reopen "as soon as the inspectors are satisfied".\n'
    "Engineers have examined the structure for three weeks.\n"
)


def seed_text(name: str) -> str:
    return (SEEDS / name).read_text(encoding="utf-8")


def by_id(articles: tuple[Article, ...]) -> dict[str, Article]:
    return {a.id: a for a in articles}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --- seeds -----------------------------------------------------------------------------


def test_seed_folder_gives_every_article_in_order_with_text_as_read() -> None:
    warnings: list[str] = []
    articles = read_articles([SEEDS], on_warning=warnings.append)
    assert [a.id for a in articles] == SEED_IDS  # manifest.json is not an article
    assert warnings == []
    for art in articles:
        assert art.text == seed_text(art.id)
        assert art.path is not None and Path(art.path).name == art.id


def test_seed_manifest_supplies_what_the_text_states() -> None:
    arts = by_id(read_articles([SEEDS]))
    afp = arts[AFP]
    assert afp.outlet == "The Moscow Times"
    assert (afp.agency, afp.byline, afp.date) == ("AFP", "AFP", dt.date(2025, 1, 13))
    assert (
        afp.url
        == "https://www.themoscowtimes.com/2025/01/13/zelensky-ready-to-hand-north-korean-pows-to-pyongyang-a87579"
    )
    assert (arts[YAHOO].byline, arts[YAHOO].date) == ("Arpan Rai", dt.date(2025, 1, 13))
    assert arts["003_44ab8f14aca57252.txt"].title is None


def test_sniffs_afp_byline_agency_date_and_url_from_seed_001() -> None:
    found = sniff_metadata(seed_text(AFP))
    assert found["byline"] == "AFP"
    assert found["agency"] == "AFP"
    assert found["date"] == dt.date(2025, 1, 13)
    assert found["url"].startswith("https://www.themoscowtimes.com/2025/01/13/zelensky-ready-to-hand")
    assert found["title"] == "Zelensky 'Ready' to Hand North Korean POWs to Pyongyang"


def test_sniffs_date_prefix_and_title_from_seed_004() -> None:
    found = sniff_metadata(seed_text(YAHOO))
    assert found["date"] == dt.date(2025, 1, 13)
    assert found["title"] == "Zelensky ready to exchange North Korean soldiers for Ukrainian prisoners of war"
    assert found["byline"] == "Arpan Rai"  # the name above "·3 min read"
    assert "agency" not in found


@pytest.mark.parametrize("name", ["002_e14b13b26ce68424.txt", "003_44ab8f14aca57252.txt"])
def test_embedded_post_signature_date_is_not_the_article_date(name: str) -> None:
    assert "January 12, 2025" in seed_text(name)
    assert "date" not in sniff_metadata(seed_text(name))


def test_lede_paragraph_is_not_a_title() -> None:
    assert "title" not in sniff_metadata(seed_text("003_44ab8f14aca57252.txt"))


def test_seed_004_latest_stories_block_is_related() -> None:
    art = read_article(SEEDS / YAHOO)[0]
    text = art.text
    assert art.section_at(text.index("Mike Pence")) == "related"
    assert art.section_at(text.index("Volodymyr Zelensky said Kyiv was ready")) == "body"
    block = art.sections[-1]
    assert (block.start, block.end, block.label) == (text.index("Latest Stories"), len(text), "Latest Stories")
    ads = [s for s in art.sections if s.label == "ADVERTISEMENT"]
    assert len(ads) == 3
    assert all(text[s.start : s.end] == "ADVERTISEMENT" for s in ads)


def test_seed_001_related_article_line_is_related() -> None:
    art = read_article(SEEDS / AFP)[0]
    start = art.text.index("**Related article:**")
    line_end = art.text.index("\n", start)
    assert art.section_at(start) == "related"
    assert art.section_at(line_end - 1) == "related"
    assert art.section_at(line_end + 2) == "body"
    assert [s.label for s in art.sections] == ["Related article"]


# --- sections and sniffing on small texts -----------------------------------------


def test_find_sections_marks_furniture_lines_and_blocks() -> None:
    text = (
        "Story starts here.\n"
        "Read more: Another story\n"
        "Body again.\n"
        "Share this article\n"
        "Sign up for our morning briefing\n"
        "Follow us on X\n"
        "See also: an explainer\n"
        "Advertisement\n"
        "Sign up for the draft was slow, officials said, as the number of volunteers fell again in every "
        "region for a third year running.\n"
        "  More stories:  \n"
        "Teaser one\n"
    )
    sections = find_sections(text)
    assert [s.label for s in sections] == [
        "Read more",
        "Share this article",
        "Sign up for",
        "Follow us on",
        "See also",
        "Advertisement",
        "More stories",
    ]
    assert text[sections[0].start : sections[0].end] == "Read more: Another story"
    assert text[sections[-1].start :].startswith("More stories:")
    assert sections[-1].end == len(text)


def test_find_sections_leaves_prose_alone() -> None:
    text = "The report recommended changes.\nShe said to read more carefully.\nRelated news was scarce.\n"
    assert find_sections(text) == ()


def test_sniff_metadata_date_forms_and_bylines() -> None:
    assert sniff_metadata("Title\nJan. 13, 2025\nBody.")["date"] == dt.date(2025, 1, 13)
    assert sniff_metadata("Title\n13 January 2025\nBody.")["date"] == dt.date(2025, 1, 13)
    assert sniff_metadata("Title\nPublished: 2025-01-13\nBody.")["date"] == dt.date(2025, 1, 13)
    assert "date" not in sniff_metadata("Title\nFebruary 30, 2025\nBody.")
    found = sniff_metadata("Title\nBy Jane Roe, Associated Press\nBody.")
    assert (found["byline"], found["agency"]) == ("Jane Roe, Associated Press", "AP")
    assert "byline" not in sniff_metadata("Title\nBy the time they arrived, the bridge was shut.\n")
    assert sniff_metadata("Title\n\nOriginal url: https://example.org/a.\n")["url"] == "https://example.org/a"


def test_article_from_text_merges_metadata_and_normalises_dates(caplog: pytest.LogCaptureFixture) -> None:
    art = article_from_text(STORY, id="a1", metadata={"date": "2025-01-13", "byline": "Reuters"})
    assert (art.date, art.agency) == (dt.date(2025, 1, 13), "Reuters")
    assert art.title == "Minister promises bridge will reopen"
    art = article_from_text(STORY, id="a2", metadata={"date": dt.datetime(2025, 1, 13, 9, 30)})
    assert art.date == dt.date(2025, 1, 13)
    with caplog.at_level(logging.WARNING, logger="quotetrace.ingest"):
        art = article_from_text(STORY, id="a3", metadata={"date": "13/01/2025", "title": None})
    assert art.date is None
    assert art.title is None  # an explicit None clears the sniffed title
    assert "a3: date '13/01/2025' ignored" in caplog.text


# --- inputs ------------------------------------------------------------------------------


def test_folder_is_read_recursively_sorted_skipping_hidden_and_other_files(tmp_path: Path) -> None:
    write(tmp_path / "b.txt", STORY)
    write(tmp_path / "a.md", "# Markdown title\n\n" + STORY)
    write(tmp_path / "sub" / "c.txt", STORY)
    write(tmp_path / ".hidden.txt", STORY)
    write(tmp_path / ".git" / "d.txt", STORY)
    write(tmp_path / "notes.csv", "x,y\n")
    articles = read_articles([tmp_path])
    assert [a.id for a in articles] == ["a.md", "b.txt", "c.txt"]
    assert articles[0].title == "Markdown title"


def test_same_file_name_in_two_folders_gets_relative_ids(tmp_path: Path) -> None:
    write(tmp_path / "x" / "story.txt", STORY)
    write(tmp_path / "y" / "story.txt", STORY)
    write(tmp_path / "y" / "other.txt", STORY)
    ids = [a.id for a in read_articles([tmp_path])]
    assert ids == ["x/story.txt", "other.txt", "y/story.txt"]  # only clashing names get folders


def test_duplicate_paths_are_read_once(tmp_path: Path) -> None:
    story = write(tmp_path / "story.txt", STORY)
    articles = read_articles([tmp_path, story, str(story), tmp_path / "." / "story.txt"])
    assert [a.id for a in articles] == ["story.txt"]


def test_glob_patterns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "news" / "a.txt", STORY)
    write(tmp_path / "news" / "b.md", STORY)
    write(tmp_path / "news" / "deep" / "c.txt", STORY)
    write(tmp_path / "news" / "manifest.json", "{}")
    monkeypatch.chdir(tmp_path)
    assert [a.id for a in read_articles(["news/*.txt"])] == ["a.txt"]
    assert [a.id for a in read_articles(["news/**/*.txt"])] == ["a.txt", "c.txt"]
    assert [a.path for a in read_articles(["news/*"])] == ["news/a.txt", "news/b.md", "news/deep/c.txt"]
    with pytest.raises(NoArticlesError) as err:
        read_articles(["nothing/*.txt"])
    assert str(err.value).startswith("nothing/*.txt: no article files match this pattern")


def test_stdin(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", STORY)
    articles = read_articles(["-", tmp_path / "a.txt"], stdin=io.StringIO("By AFP\r\nSomeone said something.\n"))
    assert [a.id for a in articles] == ["<stdin>", "a.txt"]
    assert articles[0].text == "By AFP\nSomeone said something.\n"
    assert articles[0].path is None
    assert articles[0].agency == "AFP"


def test_single_path_string_is_one_input(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", STORY)
    assert [a.id for a in read_articles(str(tmp_path))] == ["a.txt"]


def test_html_main_text_and_metadata(tmp_path: Path) -> None:
    page = """<!DOCTYPE html>
<html><head><title>Minister speaks | Daily Example</title>
<meta property="og:site_name" content="Daily Example">
<meta name="author" content="Jane Roe">
<meta property="article:published_time" content="2025-01-13">
<link rel="canonical" href="https://example.org/news/minister-speaks"></head>
<body>
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a> Navigation menu</nav>
<article><h1>Minister speaks</h1>
<p>The minister said on Sunday that the bridge would reopen "as soon as the inspectors are satisfied".</p>
<p>Engineers have been examining the structure for three weeks after a barge struck one of its piers.</p>
<p>"We will not take risks with people's lives," she told reporters outside the ministry.</p>
</article>
<footer>Copyright 2025 Daily Example. All rights reserved. Privacy policy and cookie settings.</footer>
</body></html>
"""
    art = read_article(write(tmp_path / "page.html", page))[0]
    assert "the bridge would reopen" in art.text
    assert "We will not take risks" in art.text
    assert "Navigation menu" not in art.text
    assert "Privacy policy" not in art.text
    assert (art.title, art.outlet, art.byline) == ("Minister speaks", "Daily Example", "Jane Roe")
    assert art.date == dt.date(2025, 1, 13)
    assert art.url == "https://example.org/news/minister-speaks"
    start = art.text.index("as soon as")
    assert art.text[start : start + 10] == "as soon as"


def test_jsonl_lines_with_and_without_ids_and_a_bad_line(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "wire-1", "text": "First story.\r\nSecond line.", "agency": "AP", "date": "2025-01-12"}),
        json.dumps({"text": "Untitled story text.", "outlet": "The Example"}),
        "{not json",
        "",
        json.dumps({"title": "no text here"}),
        json.dumps({"text": "Third story.", "date": "yesterday"}),
    ]
    write(tmp_path / "batch.jsonl", "\n".join(lines) + "\n")
    warnings: list[str] = []
    articles = read_articles([tmp_path], on_warning=warnings.append)
    assert [a.id for a in articles] == ["wire-1", "batch.jsonl:2", "batch.jsonl:6"]
    assert articles[0].text == "First story.\r\nSecond line."  # the JSON string, exactly
    assert (articles[0].agency, articles[0].date) == ("AP", dt.date(2025, 1, 12))
    assert articles[1].outlet == "The Example"
    assert articles[2].date is None
    assert len(warnings) == 3
    assert warnings[0].startswith(f"{tmp_path / 'batch.jsonl'}:3: not valid JSON")
    assert warnings[1].startswith(f'{tmp_path / "batch.jsonl"}:5: expected a JSON object with a "text" string')
    assert "date 'yesterday' ignored" in warnings[2]


def test_manifest_overrides_sniffed_metadata(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "Sniffed title\nBy AFP\nJanuary 13, 2025\n\nBody text.\n")
    write(tmp_path / "b.txt", "Other title\n\nBody.\n")
    manifest = {"a.txt": {"title": "Manifest title", "outlet": "The Example", "date": "2025-01-14"}}
    write(tmp_path / "manifest.json", json.dumps(manifest))
    a, b = read_articles([tmp_path])
    assert (a.title, a.outlet, a.date) == ("Manifest title", "The Example", dt.date(2025, 1, 14))
    assert (a.byline, a.agency) == ("AFP", "AFP")  # not in the manifest: still sniffed
    assert b.title == "Other title"
    assert read_article(tmp_path / "a.txt", manifest={})[0].title == "Sniffed title"


def test_broken_manifest_is_a_warning(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", STORY)
    write(tmp_path / "manifest.json", "{broken")
    warnings: list[str] = []
    articles = read_articles([tmp_path], on_warning=warnings.append)
    assert [a.id for a in articles] == ["a.txt"]
    assert len(warnings) == 1
    assert "manifest.json: not valid JSON" in warnings[0]
    assert "manifest ignored" in warnings[0]


def test_manifest_with_unknown_key_and_bad_date_warns(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", STORY)
    write(tmp_path / "manifest.json", json.dumps({"a.txt": {"titel": "x", "date": "Jan 2025", "outlet": "O"}}))
    warnings: list[str] = []
    (art,) = read_articles([tmp_path], on_warning=warnings.append)
    assert art.outlet == "O"
    assert art.date is None
    assert len(warnings) == 2
    assert "unknown metadata key 'titel'" in warnings[0]


# --- text as read -----------------------------------------------------------------------


def test_crlf_and_cr_give_the_same_text_as_lf(tmp_path: Path) -> None:
    (tmp_path / "lf.txt").write_bytes(STORY.encode())
    (tmp_path / "crlf.txt").write_bytes(STORY.replace("\n", "\r\n").encode())
    (tmp_path / "cr.txt").write_bytes(STORY.replace("\n", "\r").encode())
    arts = by_id(read_articles([tmp_path]))
    assert arts["crlf.txt"].text == arts["lf.txt"].text == arts["cr.txt"].text == STORY
    assert arts["crlf.txt"].text == (tmp_path / "crlf.txt").read_text(encoding="utf-8")


def test_bom_is_stripped_and_input_is_not_rewritten(tmp_path: Path) -> None:
    raw = b"\xef\xbb\xbf" + STORY.encode()
    path = tmp_path / "bom.txt"
    path.write_bytes(raw)
    (art,) = read_articles([path])
    assert art.text == STORY
    assert art.title == "Minister promises bridge will reopen"
    assert path.read_bytes() == raw


# --- problems ---------------------------------------------------------------------------


def test_missing_path_alone_raises_one_line_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(NoArticlesError) as err:
        read_articles(["nope/"], on_warning=lambda message: None)
    assert str(err.value) == "no such file or folder: nope/"


def test_several_problems_and_nothing_read_are_summarised(tmp_path: Path) -> None:
    write(tmp_path / "empty.txt", "  \n")
    with pytest.raises(NoArticlesError) as err:
        read_articles([tmp_path / "missing.txt", tmp_path / "empty.txt"], on_warning=lambda message: None)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith("no readable articles in the inputs (2 problems: first one: ")
    assert "first one: no such file or folder: " in message


def test_no_inputs_at_all_is_an_error() -> None:
    with pytest.raises(NoArticlesError, match="no article files in the inputs"):
        read_articles([])


def test_missing_path_next_to_good_file_is_a_warning(tmp_path: Path) -> None:
    good = write(tmp_path / "good.txt", STORY)
    warnings: list[str] = []
    articles = read_articles([tmp_path / "missing.txt", good], on_warning=warnings.append)
    assert [a.id for a in articles] == ["good.txt"]
    assert warnings == [f"no such file or folder: {tmp_path / 'missing.txt'}"]


def test_problems_are_logged_when_no_callback(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    good = write(tmp_path / "good.txt", STORY)
    with caplog.at_level(logging.WARNING, logger="quotetrace.ingest"):
        read_articles([good, tmp_path / "missing.txt"])
    assert [r.getMessage() for r in caplog.records] == [f"no such file or folder: {tmp_path / 'missing.txt'}"]


def test_other_encodings_and_binary_files_are_warnings_naming_the_file(tmp_path: Path) -> None:
    write(tmp_path / "good.txt", STORY)
    (tmp_path / "latin1.txt").write_bytes(b"Caf\xe9 owner said hello.\n")
    (tmp_path / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (tmp_path / "blob.txt").write_bytes(b"abc\x00\x01\x02")
    warnings: list[str] = []
    articles = read_articles([tmp_path], on_warning=warnings.append)
    assert [a.id for a in articles] == ["good.txt", "latin1.txt"]
    assert articles[1].text == "Café owner said hello.\n"
    assert len(warnings) == 3
    blob, image, latin1 = warnings
    assert blob.startswith(f"{tmp_path / 'blob.txt'}: looks like a binary file (NUL byte at offset 3); skipped")
    assert image.startswith(f"{tmp_path / 'image.txt'}: looks like a PNG image, not text")
    assert (
        latin1 == f"{tmp_path / 'latin1.txt'}: not UTF-8 (byte 0xe9 at offset 3); read as cp1252, the encoding detected"
    )


def test_undecodable_offset_counts_the_bom(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_bytes(b"\xef\xbb\xbfab \xe2\x80\x9cc\xff")
    warnings: list[str] = []
    (art,) = read_articles([tmp_path / "x.txt"], on_warning=warnings.append)
    assert art.text == "ab \u201cc\ufffd"
    assert warnings == [
        f"{tmp_path / 'x.txt'}: not valid UTF-8 (1 bad byte sequence(s), the first byte 0xff at offset 10); "
        "read as UTF-8 with U+FFFD in their place"
    ]


def test_empty_html_extraction_is_a_warning(tmp_path: Path) -> None:
    write(tmp_path / "blank.html", "<html><head><title>x</title></head><body><img src='a.png'></body></html>")
    write(tmp_path / "good.txt", STORY)
    warnings: list[str] = []
    articles = read_articles([tmp_path], on_warning=warnings.append)
    assert [a.id for a in articles] == ["good.txt"]
    assert len(warnings) == 1
    assert "blank.html: no article text found" in warnings[0]


# --- properties -------------------------------------------------------------------------

FURNITURE = st.sampled_from(
    [
        "Latest Stories",
        " Related Stories: ",
        "**Related article:** [x](#)",
        "ADVERTISEMENT",
        "Read more",
        "Read more: y",
        "Share this article",
        "By [AFP](#)",
        "January 13, 2025",
        " date 2025-01-13 Title",
        "Original url:",
        "<https://example.org/a>",
        "# Heading",
        "·3 min read",
    ]
)
LINES = st.lists(st.one_of(FURNITURE, st.text(max_size=40)), max_size=30).map("\n".join)
TEXTS = st.one_of(st.text(), LINES)


@given(TEXTS)
def test_find_sections_is_sorted_in_bounds_and_non_overlapping(text: str) -> None:
    sections = find_sections(text)
    previous_end = 0
    for section in sections:
        assert previous_end <= section.start < section.end <= len(text)
        assert section.kind == "related"
        previous_end = section.end


@given(TEXTS)
def test_article_from_text_keeps_text_exactly(text: str) -> None:
    art = article_from_text(text, id="x")
    assert art.text == text
    assert isinstance(sniff_metadata(text), dict)


def test_iter_articles_streams_what_read_articles_reads(tmp_path: Path) -> None:
    """One file at a time, the same articles and ids (a taken id renamed as it comes), the same warnings;
    a line too long to be prose is reported as its file is read rather than at the end."""
    write(tmp_path / "a" / "x.txt", "First.\n")
    write(tmp_path / "b" / "x.txt", "Second.\n")
    write(tmp_path / "c.jsonl", json.dumps({"id": "a/x.txt", "text": "Third."}) + "\n{broken\n")
    write(tmp_path / "d.txt", "")
    write(tmp_path / "e.txt", "Long. " + "y" * 200_000 + "\n")
    whole: list[str] = []
    streamed: list[str] = []
    articles = read_articles([tmp_path], on_warning=whole.append)
    stream = iter_articles([tmp_path], on_warning=streamed.append)
    first = next(stream)
    assert first == articles[0] and streamed == []  # nothing past the first file was read
    assert (first, *stream) == articles
    assert [a.id for a in articles] == ["a/x.txt", "b/x.txt", "a/x.txt#2", "e.txt"]
    assert sorted(streamed) == sorted(whole)
    assert any("not prose" in w for w in whole) and "not prose" in whole[-1]


def test_iter_articles_raises_only_when_nothing_was_read(tmp_path: Path) -> None:
    write(tmp_path / "empty.txt", "")
    stream = iter_articles([tmp_path], on_warning=lambda m: None)
    with pytest.raises(NoArticlesError, match="empty"):
        next(stream)
