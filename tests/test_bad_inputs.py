"""Bad inputs and hostile outputs (issue 7, parts 1 and 3), on a corpus the tests write themselves.

Every bad input gives one line naming the file, the same through the library
(``read_articles(..., on_warning=...)``) and the command (``quotetrace trace ... --format json``);
the other files are still traced, and the command fails only when nothing could be traced or
with ``--strict``. Every output format is written atomically, never over an input, and keeps
hostile names and quote text inert.
"""

from __future__ import annotations

import codecs
import csv
import errno
import io
import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from click.testing import CliRunner, Result

from quotetrace import ingest
from quotetrace.cli import TRACE_FORMATS, cli
from quotetrace.errors import NoArticlesError
from quotetrace.ingest import MAX_BYTES, read_articles
from quotetrace.model import Article

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
as_root = pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads files and folders whatever their permissions"
)

GOOD = "“We will rebuild the bridge before the winter,” the minister said on Sunday.\n"
# Non-ASCII beyond Latin-1's reach of cp1252 bytes: curly quotes, an accent, a dash.
WESTERN = "Café owner Jean Dupont said: “we are open every day of the week” — and he meant it.\n"
RUSSIAN = "«Мы восстановим мост до зимы», — заявил министр в воскресенье журналистам в Москве.\n"


# --- helpers -------------------------------------------------------------------------


def library(*paths: Path | str, **options: Any) -> tuple[tuple[Article, ...], list[str]]:
    """``read_articles`` with the warnings collected."""
    warnings: list[str] = []
    articles = read_articles([str(p) for p in paths], on_warning=warnings.append, **options)
    return articles, warnings


def trace_json(*args: str, input: bytes | None = None) -> Result:
    return CliRunner().invoke(cli, ["trace", *args, "--format", "json"], input=input)


def warnings_of(result: Result) -> list[str]:
    return [line.removeprefix("Warning: ") for line in result.stderr.splitlines() if line.startswith("Warning: ")]


def error_of(result: Result) -> str:
    """The one ``Error:`` line of a clean failure (exit 1, no traceback)."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, result.stderr
    return errors[0].removeprefix("Error: ")


def traced(result: Result) -> dict[str, Any]:
    """The JSON a successful ``trace --format json`` printed (and nothing else on stdout)."""
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def ids(data: dict[str, Any]) -> list[str]:
    return [a["id"] for a in data["articles"]]


def folder_with_good(tmp_path: Path) -> Path:
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "good.txt").write_text(GOOD, encoding="utf-8")
    return folder


# --- the corpus: files that are skipped -------------------------------------------------


@dataclass(frozen=True)
class Bad:
    """A file that cannot be traced: how to make it, and the warning it gives (``{path}`` is its path)."""

    name: str
    make: Callable[[Path], None]
    message: str

    def __str__(self) -> str:
        return self.name


def _bytes(data: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(data)


def _link(target: str) -> Callable[[Path], None]:
    return lambda path: path.symlink_to(target)


def _fifo(path: Path) -> None:
    os.mkfifo(path)


NESTED_HTML = "<html><body>" + "<div>" * 100_000 + f"<p>{GOOD}</p>" + "</div>" * 100_000 + "</body></html>"
SKIPPED = [
    Bad("empty.txt", _bytes(b""), "{path}: empty file; skipped (put an article in it or leave it out)"),
    Bad("blank.md", _bytes(b" \r\n\t\n"), "{path}: empty file; skipped (put an article in it or leave it out)"),
    Bad(
        "paper.txt",
        _bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"),
        "{path}: looks like a PDF document, not text; skipped (give the article as text)",
    ),
    Bad(
        "photo.txt",
        _bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10"),
        "{path}: looks like a PNG image, not text; skipped (give the article as text)",
    ),
    Bad(
        "letter.md",
        _bytes(b"PK\x03\x04\x14\x00\x06\x00\x08\x00word/document.xml"),
        "{path}: looks like a ZIP archive (.docx, .odt and .epub documents are ZIP archives), not text; "
        "skipped (give the article as text)",
    ),
    Bad(
        "blob.txt",
        _bytes(b"data\x00\x01\x02\x03\xff\xfe binary"),
        "{path}: looks like a binary file (NUL byte at offset 4); skipped (give the article as text)",
    ),
    Bad(
        "controls.txt",
        _bytes(bytes(range(1, 9)) * 20 + b" some words"),
        "{path}: looks like a binary file (160 control characters in the first 171); "
        "skipped (give the article as text)",
    ),
    Bad(
        "torn16.txt",
        _bytes(codecs.BOM_UTF16_LE + "We".encode("utf-16-le") + b"\x00"),
        "{path}: starts with a UTF-16 byte-order mark but is not UTF-16 (bad bytes at offset 6); convert it to UTF-8",
    ),
    Bad(
        "nested.html",
        lambda path: path.write_text(NESTED_HTML, encoding="utf-8"),
        "{path}: no article text found: tags are nested more than 255 deep, and only 255 levels can be read; "
        "skipped (save the article's text instead)",
    ),
    Bad(
        "furniture.html",
        lambda path: path.write_text("<html><head><title>x</title></head><body><img src=x></body>", encoding="utf-8"),
        "{path}: no article text found in this HTML page; save the article's own page or its text",
    ),
    Bad(
        "dangling.txt",
        _link("gone/missing.txt"),
        "{path}: broken symbolic link (its target gone/missing.txt does not exist); skipped",
    ),
    Bad(
        "self.txt",
        _link("self.txt"),
        "{path}: symbolic link loop (it points to self.txt, which leads back to it); skipped",
    ),
    Bad("pipe.txt", _fifo, "{path}: not a regular file (a pipe, socket or device); skipped"),
]


@pytest.mark.parametrize("bad", SKIPPED, ids=str)
def test_a_bad_file_is_one_warning_through_the_library_and_the_rest_is_read(tmp_path: Path, bad: Bad) -> None:
    folder = folder_with_good(tmp_path)
    bad.make(folder / bad.name)
    message = bad.message.format(path=folder / bad.name)
    articles, warnings = library(folder)
    assert [a.id for a in articles] == ["good.txt"]
    assert warnings == [message]
    with pytest.raises(NoArticlesError) as err:  # alone, it is the error
        library(folder / bad.name)
    assert str(err.value) == message


@pytest.mark.parametrize("bad", SKIPPED, ids=str)
def test_a_bad_file_is_one_warning_through_the_command_and_the_rest_is_traced(tmp_path: Path, bad: Bad) -> None:
    folder = folder_with_good(tmp_path)
    bad.make(folder / bad.name)
    message = bad.message.format(path=folder / bad.name)
    result = trace_json(str(folder))
    data = traced(result)
    assert ids(data) == ["good.txt"]
    assert data["quotes"], "the good article is traced"
    assert warnings_of(result) == [message]
    assert error_of(trace_json(str(folder), "--strict")) == f"1 input problem(s) and --strict: {message}"
    alone = trace_json(str(folder / bad.name))
    assert error_of(alone) == message
    assert alone.stderr == f"Error: {message}\n"  # not repeated as a warning
    assert alone.stdout == ""


# --- the corpus: files read in another encoding, with a warning -------------------------


@dataclass(frozen=True)
class Encoded:
    """A file that is read, and the warning naming the encoding used."""

    name: str
    data: bytes
    text: str  # the text as read
    message: str

    def __str__(self) -> str:
        return self.name


def _first_bad_byte(data: bytes) -> str:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as err:
        return f"byte 0x{data[err.start]:02x} at offset {err.start}"
    raise AssertionError("valid UTF-8")


_CP1252 = WESTERN.encode("cp1252")
_CP1251 = (RUSSIAN * 3).encode("cp1251")
_TORN = GOOD.encode() + "Он сказал: «Мы".encode()[:-1]  # a download cut inside a character
ENCODED = [
    Encoded(
        "windows.txt",
        _CP1252,
        WESTERN,
        f"{{path}}: not UTF-8 ({_first_bad_byte(_CP1252)}); read as cp1252, the encoding detected",
    ),
    Encoded(
        "cyrillic.txt",
        _CP1251,
        RUSSIAN * 3,
        f"{{path}}: not UTF-8 ({_first_bad_byte(_CP1251)}); read as cp1251, the encoding detected",
    ),
    Encoded(
        "windows-crlf.md",
        WESTERN.replace("\n", "\r\n").encode("cp1252"),
        WESTERN,
        f"{{path}}: not UTF-8 ({_first_bad_byte(_CP1252)}); read as cp1252, the encoding detected",
    ),
    Encoded(
        "notepad.txt",
        codecs.BOM_UTF16_LE + GOOD.replace("\n", "\r\n").encode("utf-16-le"),
        GOOD,
        "{path}: not UTF-8; read as UTF-16 (it starts with a UTF-16 byte-order mark)",
    ),
    Encoded(
        "bigendian.txt",
        codecs.BOM_UTF16_BE + WESTERN.encode("utf-16-be"),
        WESTERN,
        "{path}: not UTF-8; read as UTF-16 (it starts with a UTF-16 byte-order mark)",
    ),
    Encoded(
        "wide.txt",
        codecs.BOM_UTF32_LE + GOOD.encode("utf-32-le"),
        GOOD,
        "{path}: not UTF-8; read as UTF-32 (it starts with a UTF-32 byte-order mark)",
    ),
    Encoded(
        "nobom.txt",
        GOOD.encode("utf-16-le"),
        GOOD,
        "{path}: not UTF-8; read as UTF-16-LE (no byte-order mark, but every other byte is zero)",
    ),
    Encoded(
        "torn.txt",
        _TORN,
        GOOD + "Он сказал: «М\ufffd",
        f"{{path}}: not valid UTF-8 (1 bad byte sequence(s), the first {_first_bad_byte(_TORN)}); "
        "read as UTF-8 with U+FFFD in their place",
    ),
]


@pytest.mark.parametrize("case", ENCODED, ids=str)
def test_another_encoding_is_read_and_named(tmp_path: Path, case: Encoded) -> None:
    folder = folder_with_good(tmp_path)
    (folder / case.name).write_bytes(case.data)
    message = case.message.format(path=folder / case.name)
    articles, warnings = library(folder)
    assert warnings == [message]
    assert {a.id: a.text for a in articles} == {"good.txt": GOOD, case.name: case.text}
    assert (folder / case.name).read_bytes() == case.data  # never rewritten
    result = trace_json(str(folder))
    data = traced(result)
    assert ids(data) == sorted(["good.txt", case.name])
    assert warnings_of(result) == [message]
    assert error_of(trace_json(str(folder), "--strict")) == f"1 input problem(s) and --strict: {message}"
    _assert_offsets(data, {case.name: case.text, "good.txt": GOOD})


def _assert_offsets(data: dict[str, Any], texts: dict[str, str]) -> None:
    """Every offset the JSON reports points into the text as read."""
    for art in data["articles"]:
        assert art["length"] == len(texts[art["id"]])
    for q in data["quotes"]:
        text = texts[q["article"]]
        assert text[q["start"] : q["end"]] == q["text"]
        for span in (q["cue"], q["speaker_mention"]):
            if span:
                assert text[span["start"] : span["end"]] == span["text"]


def test_the_encoding_of_a_western_file_reads_its_quotes(tmp_path: Path) -> None:
    """cp1252 curly quotes are quotation marks, not the letters other code pages make of them."""
    path = tmp_path / "short.txt"
    path.write_bytes("The minister said “we will win” on Sunday.\n".encode("cp1252"))
    (art,), warnings = library(path)
    assert "“we will win”" in art.text
    assert warnings == [f"{path}: not UTF-8 (byte 0x93 at offset 18); read as cp1252, the encoding detected"]


# --- line ends: offsets stay exact against the text as read --------------------------------


def test_crlf_and_cr_line_ends_keep_offsets_exact(tmp_path: Path) -> None:
    story = (
        "Bridge to reopen\n\n"
        "“We will rebuild the bridge before the winter,” the minister said on Sunday.\n"
        "“It will cost more than we hoped,” she told reporters.\n"
    )
    (tmp_path / "crlf.txt").write_bytes(story.replace("\n", "\r\n").encode("utf-8"))
    (tmp_path / "cr.txt").write_bytes(story.replace("\n", "\r").encode("utf-8"))
    lines = story.split("\n")  # "Bridge to reopen", "", "“We...", "“It...", ""
    mixed = lines[0] + "\r\n" + lines[1] + "\r" + lines[2] + "\n" + lines[3] + "\r\n"
    (tmp_path / "mixed.txt").write_bytes(mixed.encode("utf-8"))
    articles, warnings = library(tmp_path)
    assert warnings == []
    for art in articles:
        # the text as read is what Python's universal newlines give
        assert art.text == story == (tmp_path / art.id).read_text(encoding="utf-8")
    data = traced(trace_json(str(tmp_path)))
    assert len(data["quotes"]) >= 6
    _assert_offsets(data, {art.id: art.text for art in articles})


def test_crlf_inside_a_json_lines_text_is_kept_as_written(tmp_path: Path) -> None:
    text = "“We will rebuild the bridge,”\r\nthe minister said on Sunday."
    (tmp_path / "wire.jsonl").write_bytes((json.dumps({"id": "w1", "text": text}) + "\r\n").encode("utf-8"))
    (art,), warnings = library(tmp_path)
    assert (art.text, warnings) == (text, [])
    _assert_offsets(traced(trace_json(str(tmp_path))), {"w1": text})


def test_lone_surrogates_in_json_lines_become_replacement_characters(tmp_path: Path) -> None:
    path = tmp_path / "wire.jsonl"
    line = (
        '{"id": "w\\udc00", "title": "T\\ud800", "text": "\\u201cWe will \\ud800 win the vote,\\u201d Jane Roe said."}'
    )
    path.write_text(line + "\n", encoding="utf-8")
    (art,), warnings = library(path)
    assert art.text == "“We will \ufffd win the vote,” Jane Roe said."
    assert (art.id, art.title) == ("w\ufffd", "T\ufffd")
    assert warnings == [f'{path}:1: "text" holds 1 lone surrogate escape(s) (not Unicode); read as U+FFFD']
    data = traced(trace_json(str(path)))  # encodable: no traceback on output
    assert ids(data) == ["w\ufffd"]


def test_a_file_name_that_is_not_utf8_is_shown_with_a_replacement_character(tmp_path: Path) -> None:
    raw = os.fsencode(tmp_path) + b"/caf\xe9.txt"
    with open(raw, "wb") as fh:
        fh.write(GOOD.encode("utf-8"))
    (art,), warnings = library(tmp_path)
    assert (art.id, warnings) == ("caf\ufffd.txt", [])
    assert art.path == f"{tmp_path}/caf\ufffd.txt"
    out = tmp_path / "quotes.csv"
    result = CliRunner().invoke(cli, ["trace", str(tmp_path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "caf\ufffd.txt" in out.read_text(encoding="utf-8")


# --- size -------------------------------------------------------------------------------


def test_a_file_over_the_default_limit_is_skipped_without_being_read(tmp_path: Path) -> None:
    folder = folder_with_good(tmp_path)
    huge = folder / "dump.txt"
    with huge.open("wb") as fh:
        fh.truncate(MAX_BYTES + 1)  # sparse: costs no disk and is never read
    message = (
        f"{huge}: too large (50,000,001 bytes, the limit is 50,000,000 bytes); skipped "
        "(raise the limit with --max-bytes, or max_bytes= in Python)"
    )
    articles, warnings = library(folder)
    assert ([a.id for a in articles], warnings) == (["good.txt"], [message])
    result = trace_json(str(folder))
    assert ids(traced(result)) == ["good.txt"]
    assert warnings_of(result) == [message]


def test_the_size_limit_can_be_raised_or_lifted(tmp_path: Path) -> None:
    folder = folder_with_good(tmp_path)
    long = folder / "long.txt"
    long.write_text(GOOD * 40, encoding="utf-8")  # about 3 kB
    size = long.stat().st_size
    message = (
        f"{long}: too large ({size:,} bytes, the limit is 1,000 bytes); skipped "
        "(raise the limit with --max-bytes, or max_bytes= in Python)"
    )
    articles, warnings = library(folder, max_bytes=1000)
    assert ([a.id for a in articles], warnings) == (["good.txt"], [message])
    assert [a.id for a in library(folder, max_bytes=None)[0]] == ["good.txt", "long.txt"]
    result = trace_json(str(folder), "--max-bytes", "1kB")
    assert (ids(traced(result)), warnings_of(result)) == (["good.txt"], [message])
    for limit in ("1MB", "0", str(size)):
        result = trace_json(str(folder), "--max-bytes", limit)
        assert (ids(traced(result)), warnings_of(result)) == (["good.txt", "long.txt"], [])
    assert error_of(trace_json(str(long), "--max-bytes", "1000")) == message


@pytest.mark.parametrize(
    ("name", "line"),
    [
        ("quotes.txt", '"' * 1_000_000),  # a megabyte of quotation marks
        ("oneline.txt", ("“We are ready,” he said, and Mr Lee said that the plan works. " * 80_000)[:5_000_000]),
    ],
)
def test_a_line_too_long_to_be_prose_is_kept_reported_and_not_read(tmp_path: Path, name: str, line: str) -> None:
    folder = folder_with_good(tmp_path)
    path = folder / name
    path.write_text("“The bridge is open,” the mayor said.\n" + line + "\n", encoding="utf-8")
    message = (
        f"{path}: a line of {len(line):,} characters at offset 38 is not prose (the limit is 100,000); "
        "it is kept but no quote is taken from it (break it into paragraphs to read it)"
    )
    articles, warnings = library(folder)
    assert warnings == [message]
    art = next(a for a in articles if a.id == name)
    assert art.text.endswith(line + "\n") and art.section_at(38 + len(line) // 2) == "overlong"
    result = trace_json(str(folder))
    assert warnings_of(result) == [message]
    quotes = [q for q in traced(result)["quotes"] if q["article"] == name]
    assert [q["text"] for q in quotes] == ["The bridge is open,"]  # the paragraph before it is read


def test_a_long_line_is_prose_up_to_the_limit_and_beyond_it_on_request() -> None:
    line = "“We are ready,” he said. " * 4_000  # 100,000 characters exactly
    assert ingest.article_from_text(line, id="a").sections == ()
    assert ingest.article_from_text(line + "x", id="a").sections[0].kind == "overlong"
    assert ingest.article_from_text(line + "x", id="a", max_line=None).sections == ()


def test_max_bytes_must_be_a_size() -> None:
    result = CliRunner().invoke(cli, ["trace", "x.txt", "--max-bytes", "lots"])
    assert result.exit_code == 2
    assert "'lots' is not a size: give bytes (50000000) or a size such as 50MB or 2GB" in result.stderr


def test_every_reading_command_has_max_bytes() -> None:
    for name in ("trace", "quotes", "find"):
        assert "--max-bytes" in CliRunner().invoke(cli, [name, "--help"]).stdout, name


# --- stdin ------------------------------------------------------------------------------


def test_stdin_is_decoded_like_a_file(tmp_path: Path) -> None:
    result = trace_json("-", input=WESTERN.replace("\n", "\r\n").encode("cp1252"))
    data = traced(result)
    assert ids(data) == ["<stdin>"]
    assert warnings_of(result) == [f"-: not UTF-8 ({_first_bad_byte(_CP1252)}); read as cp1252, the encoding detected"]
    _assert_offsets(data, {"<stdin>": WESTERN})
    articles, warnings = library("-", stdin=io.BytesIO(_CP1252))
    assert (articles[0].text, len(warnings)) == (WESTERN, 1)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "-: stdin is empty; pipe an article into it"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "-: looks like a PNG image, not text; skipped (give the article as text)"),
        (
            GOOD.encode() * 100,
            "-: stdin holds more than 1,000 bytes, the limit; skipped "
            "(raise the limit with --max-bytes, or max_bytes= in Python)",
        ),
    ],
    ids=["empty", "binary", "too-large"],
)
def test_bad_stdin_is_a_clean_error(data: bytes, message: str) -> None:
    assert error_of(trace_json("-", "--max-bytes", "1000", input=data)) == message
    with pytest.raises(NoArticlesError) as err:
        library("-", stdin=io.BytesIO(data), max_bytes=1000)
    assert str(err.value) == message


# --- HTML that breaks the parser ----------------------------------------------------------


def test_a_parser_crash_on_one_page_skips_that_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import trafilatura

    def explode(html: str, **options: Any) -> str:
        if "explode" in html:
            raise RecursionError("maximum recursion depth exceeded")
        return GOOD

    monkeypatch.setattr(trafilatura, "extract", explode)
    folder = folder_with_good(tmp_path)
    (folder / "page.html").write_text("<html><body><p>ok</p></body></html>", encoding="utf-8")
    (folder / "hostile.html").write_text("<html><body><p>explode</p></body></html>", encoding="utf-8")
    message = (
        f"{folder / 'hostile.html'}: trafilatura cannot read this HTML page "
        "(RecursionError: maximum recursion depth exceeded); skipped"
    )
    articles, warnings = library(folder)
    assert ([a.id for a in articles], warnings) == (["good.txt", "page.html"], [message])
    result = trace_json(str(folder))
    assert (ids(traced(result)), warnings_of(result)) == (["good.txt", "page.html"], [message])


def test_malformed_html_is_read_or_skipped_one_line_each(tmp_path: Path) -> None:
    pages = {
        "unclosed.html": "<html><body>" + "<div><b><i>" * 30_000 + f"<p>{GOOD}",
        "anchors.html": "<html><body>" + "<a href=x>" * 20_000 + f"<p>{GOOD}</p>",
        "garbage.html": "<<<>>><html<body>>" + "</div>" * 1000 + "<p" * 10_000 + f"<p>{GOOD}</p>",
        "attributes.html": "<html><body><div " + "a=b " * 100_000 + f"><p>{GOOD}</p></div>",
        "comment.html": "<html><body><!--" + "-" * 100_000 + f"<p>{GOOD}</p>",
    }
    for name, page in pages.items():
        (tmp_path / name).write_text(page, encoding="utf-8")
    articles, warnings = library(tmp_path)
    assert len(articles) + len(warnings) == len(pages)
    assert all(re.match(rf"{re.escape(str(tmp_path))}/\w+\.html: ", w) for w in warnings), warnings
    assert all("\n" not in w for w in warnings)


# --- permissions ------------------------------------------------------------------------


@as_root
def test_an_unreadable_file_and_folder_are_warnings(tmp_path: Path) -> None:
    folder = folder_with_good(tmp_path)
    locked = folder / "locked.txt"
    locked.write_text(GOOD, encoding="utf-8")
    closed = folder / "closed"
    closed.mkdir()
    (closed / "inside.txt").write_text(GOOD, encoding="utf-8")
    locked.chmod(0)
    closed.chmod(0)
    try:
        articles, warnings = library(folder)
        result = trace_json(str(folder))
    finally:
        locked.chmod(0o644)
        closed.chmod(0o755)
    assert [a.id for a in articles] == ["good.txt"]
    assert warnings == [
        f"{closed}: cannot read this folder (Permission denied); skipped",
        f"{locked}: cannot read it (permission denied); skipped (check its permissions)",
    ]
    assert warnings_of(result) == warnings


def test_permission_denied_is_a_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same as above, for root too: the operating system refuses, whoever we are."""
    folder = folder_with_good(tmp_path)
    locked = folder / "locked.txt"
    locked.write_text(GOOD, encoding="utf-8")
    closed = folder / "closed"
    closed.mkdir()
    (closed / "inside.txt").write_text(GOOD, encoding="utf-8")
    real_open, real_scandir = Path.open, os.scandir

    def refusing_open(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self.name == "locked.txt":
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    def refusing_scandir(path: Any = ".") -> Any:
        if os.fspath(path) == str(closed):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(Path, "open", refusing_open)
    monkeypatch.setattr(ingest.os, "scandir", refusing_scandir)
    expected = [
        f"{closed}: cannot read this folder (Permission denied); skipped",
        f"{locked}: cannot read it (permission denied); skipped (check its permissions)",
    ]
    articles, warnings = library(folder)
    assert ([a.id for a in articles], warnings) == (["good.txt"], expected)
    result = trace_json(str(folder))
    assert (ids(traced(result)), warnings_of(result)) == (["good.txt"], expected)
    assert error_of(trace_json(str(closed))) == expected[0]


# --- symbolic links and folders -------------------------------------------------------------


def test_symlink_loops_in_a_folder_are_not_followed(tmp_path: Path) -> None:
    folder = folder_with_good(tmp_path)
    (folder / "sub").mkdir()
    (folder / "sub" / "deep.txt").write_text(GOOD, encoding="utf-8")
    (folder / "loop").symlink_to(".")
    (folder / "sub" / "up").symlink_to("..")
    expected = [
        f"{folder / 'loop'}: symbolic link loop (it points back to .); not followed",
        f"{folder / 'sub' / 'up'}: symbolic link loop (it points back to ..); not followed",
    ]
    articles, warnings = library(folder)
    assert ([a.path for a in articles], warnings) == ([f"{folder}/good.txt", f"{folder}/sub/deep.txt"], expected)
    result = trace_json(str(folder))
    assert (sorted(ids(traced(result))), warnings_of(result)) == (["deep.txt", "good.txt"], expected)


def test_recursive_glob_through_symlink_loops_ends(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``glob.glob("news/**", recursive=True)`` follows two such links for ever; ours visits each folder once."""
    folder = folder_with_good(tmp_path)
    (folder / "loop").symlink_to(".")
    (folder / "up").symlink_to("..")
    monkeypatch.chdir(tmp_path)
    articles, warnings = library("news/**/*.txt")
    assert [a.path for a in articles] == ["news/good.txt"]
    assert warnings == [
        "news/loop: symbolic link loop (it points back to .); not followed",
        "news/up: symbolic link loop (it points back to ..); not followed",
    ]
    assert ids(traced(trace_json("news/**"))) == ["good.txt"]


def test_a_symlink_to_a_folder_elsewhere_is_followed_once(tmp_path: Path) -> None:
    folder = folder_with_good(tmp_path)
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "old.txt").write_text(GOOD, encoding="utf-8")
    (folder / "archive").symlink_to(archive)
    (folder / "same-archive").symlink_to(archive)
    articles, warnings = library(folder)
    assert ([a.id for a in articles], warnings) == (["old.txt", "good.txt"], [])


def test_a_dangling_link_to_a_folder_is_a_warning(tmp_path: Path) -> None:
    folder = folder_with_good(tmp_path)
    (folder / "photos.jpg").symlink_to("nowhere.jpg")  # not an article: left alone
    (folder / "archive").symlink_to(tmp_path / "unmounted")
    message = (
        f"{folder / 'archive'}: broken symbolic link (its target {tmp_path / 'unmounted'} does not exist); skipped"
    )
    articles, warnings = library(folder)
    assert ([a.id for a in articles], warnings) == (["good.txt"], [message])
    assert warnings_of(trace_json(str(folder))) == [message]


def test_a_dangling_link_given_by_name_is_a_clean_error(tmp_path: Path) -> None:
    link = tmp_path / "story.txt"
    link.symlink_to("moved.txt")
    message = f"{link}: broken symbolic link (its target moved.txt does not exist); skipped"
    assert error_of(trace_json(str(link))) == message


def test_an_empty_folder_is_a_clean_error(tmp_path: Path) -> None:
    message = f"{tmp_path}: no .txt, .md, .html, .htm, .jsonl files in this folder; point at the article files"
    assert error_of(trace_json(str(tmp_path))) == message
    with pytest.raises(NoArticlesError) as err:
        library(tmp_path)
    assert str(err.value) == message


def test_a_folder_of_other_files_says_what_it_holds(tmp_path: Path) -> None:
    (tmp_path / "report.pdf").write_bytes(b"%PDF-1.7\n")
    (tmp_path / "notes.docx").write_bytes(b"PK\x03\x04")
    (tmp_path / ".hidden.txt").write_text(GOOD, encoding="utf-8")
    message = (
        f"{tmp_path}: no .txt, .md, .html, .htm, .jsonl files in this folder (only 2 other file(s), such as "
        "notes.docx); point at the article files"
    )
    assert error_of(trace_json(str(tmp_path))) == message


def test_a_folder_with_nothing_readable_lists_every_problem_then_fails(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"")
    (tmp_path / "b.txt").write_bytes(b"%PDF-1.4\n")
    (tmp_path / "c.html").write_text("<html><body></body></html>", encoding="utf-8")
    problems = [
        f"{tmp_path / 'a.txt'}: empty file; skipped (put an article in it or leave it out)",
        f"{tmp_path / 'b.txt'}: looks like a PDF document, not text; skipped (give the article as text)",
        f"{tmp_path / 'c.html'}: no article text found in this HTML page; save the article's own page or its text",
    ]
    error = f"no readable articles in the inputs (3 problems: first one: {problems[0]})"
    result = trace_json(str(tmp_path))
    assert error_of(result) == error
    assert warnings_of(result) == problems
    assert result.stdout == ""
    warnings: list[str] = []
    with pytest.raises(NoArticlesError) as err:
        read_articles([tmp_path], on_warning=warnings.append)
    assert (str(err.value), warnings) == (error, problems)


# --- outputs: atomic, never over an input, inert ---------------------------------------------

NEEDS_DOT = {"svg", "png", "pdf"}
BINARY = {"png", "pdf"}


def _format_param(fmt: str) -> Any:
    return pytest.param(fmt, marks=needs_dot) if fmt in NEEDS_DOT else fmt


ALL_FORMATS = [_format_param(f) for f in TRACE_FORMATS]


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_every_format_refuses_to_overwrite_an_input(tmp_path: Path, fmt: str) -> None:
    folder = folder_with_good(tmp_path)
    good = folder / "good.txt"
    (folder / "empty.txt").write_bytes(b"")  # skipped, but still an input
    (folder / "manifest.json").write_text("{}", encoding="utf-8")
    (tmp_path / "alias.txt").symlink_to(good)
    os.link(good, tmp_path / "hard.txt")
    source = tmp_path / "posts.jsonl"
    source.write_text(json.dumps({"speaker": "the minister", "text": GOOD}) + "\n", encoding="utf-8")
    before = {p: p.read_bytes() for p in (good, folder / "empty.txt", folder / "manifest.json", source)}
    for target in (
        good,
        folder / "empty.txt",
        folder / "manifest.json",
        tmp_path / "alias.txt",
        tmp_path / "hard.txt",
        source,
    ):
        result = CliRunner().invoke(
            cli, ["trace", str(folder), "--source", str(source), "--format", fmt, "-o", str(target)]
        )
        assert error_of(result) == f"refusing to overwrite the input file {target}: choose another -o"
        assert result.stdout == ""
    assert {p: p.read_bytes() for p in before} == before
    assert sorted(p.name for p in folder.iterdir()) == ["empty.txt", "good.txt", "manifest.json"]  # no temporary file


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_every_format_is_written_atomically_and_deterministically(
    tmp_path: Path, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = folder_with_good(tmp_path)
    out = tmp_path / "out" / f"story.{fmt}"
    out.parent.mkdir()
    out.write_text("the previous version", encoding="utf-8")
    old_inode = out.stat().st_ino
    renames: list[tuple[str, str]] = []
    real_replace = os.replace

    def spy(src: Any, dst: Any) -> None:
        renames.append((os.fspath(src), os.fspath(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    result = CliRunner().invoke(cli, ["trace", str(folder), "--format", fmt, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert len(renames) == 1
    tmp, final = renames[0]
    assert final == str(out)
    assert os.path.dirname(tmp) == str(out.parent) and os.path.basename(tmp).startswith(".story.")
    assert out.stat().st_ino != old_inode  # renamed over, never rewritten in place
    assert os.listdir(out.parent) == [out.name]  # no temporary file left
    first = out.read_bytes()
    assert first and first != b"the previous version"
    if fmt not in BINARY:  # PNG and PDF carry Graphviz's own metadata
        assert CliRunner().invoke(cli, ["trace", str(folder), "--format", fmt, "-o", str(out)]).exit_code == 0
        assert out.read_bytes() == first


# A corpus that attacks each format: a file name with quotes, braces, a backslash and a
# tag; metadata with markup and a javascript: link; quotes that start like spreadsheet
# formulas and carry DOT escapes, braces and a script.
HOSTILE_NAME = '=cmd|\' "x" {y} \\ <script>.txt'
HOSTILE_TEXT = (
    "“=SUM(A1:A9) {x} \\N \\l <script>alert(1)</script> we will win the vote,” Jane Roe said on Sunday.\n\n"
    "“+1 we will not stop until the bridge is rebuilt,” said John Smith, the mayor.\n\n"
    "“@evil -2 the vote was stolen from the people of this city,” Jane Roe told AFP.\n\n"
    "“-5 is the number of days we have left {here} \\\\ now,” John Smith said.\n\n"
    "“We will \x01win\x0b the \x0cvote\x1b[31m again,” Jane Roe said.\n"
)
HOSTILE_META = {"title": '<b>T</b> "{x}" \\N -1', "outlet": "=A&B <i>", "url": "javascript:alert(1)"}


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / HOSTILE_NAME).write_text(HOSTILE_TEXT, encoding="utf-8")
    (folder / "manifest.json").write_text(json.dumps({HOSTILE_NAME: HOSTILE_META}), encoding="utf-8")
    return folder


def _write(folder: Path, fmt: str) -> Path:
    out = folder.parent / f"out.{fmt}"
    result = CliRunner().invoke(cli, ["trace", str(folder), "--all", "--format", fmt, "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_hostile_csv_has_no_formulas(hostile: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(_write(hostile, "csv").read_text(encoding="utf-8"))))
    assert len(rows) == 5
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), row
    assert {r["text"][:6] for r in rows} >= {"'=SUM(", "'+1 we", "'@evil", "'-5 is"}
    assert rows[0]["article"] == "'" + HOSTILE_NAME and rows[0]["outlet"] == "'=A&B <i>"


def test_hostile_dot_keeps_every_string_closed(hostile: Path) -> None:
    dot = _write(hostile, "dot").read_text(encoding="utf-8")
    assert "label=<" not in dot  # never an HTML-like label
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", dot)
    for line in dot.splitlines():
        assert len(re.findall(r'(?<!\\)(?:\\\\)*"', line)) % 2 == 0, line  # every quoted string closes
    assert "{x} \\\\N \\\\l <script>" in dot  # backslashes doubled: shown, not expanded
    if shutil.which("dot"):
        svg = subprocess.run(["dot", "-Tsvg"], input=dot, capture_output=True, text=True, check=True).stdout
        texts = list(ET.fromstring(svg).itertext())
        assert "“=SUM(A1:A9) {x} \\N \\l" in texts  # drawn as typed, over two lines
        assert "<script>alert(1)</script> we will" in texts


@needs_dot
def test_hostile_svg_is_inert(hostile: Path) -> None:
    svg = _write(hostile, "svg").read_text(encoding="utf-8")
    root = ET.fromstring(svg)
    for element in root.iter():
        assert not element.tag.endswith(("}script", "}foreignObject")), element.tag
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), name
            assert not value.strip().lower().startswith("javascript:"), value
    assert "<script>alert(1)</script>" in "".join(root.itertext())  # the words, shown as text
    assert "<script" not in svg


def test_hostile_html_report_is_inert(hostile: Path) -> None:
    page = _write(hostile, "html").read_text(encoding="utf-8")
    assert not re.search(r"<script|<b>T|<i>|(?:href|src)=[\"']?javascript:", page, re.IGNORECASE)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "=cmd|&#x27; &quot;x&quot; {y} \\ &lt;script&gt;.txt" in page


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_hostile_graph_exports_are_well_formed_xml(hostile: Path, fmt: str) -> None:
    out = _write(hostile, fmt)
    ET.parse(out)
    graph = nx.read_graphml(out) if fmt == "graphml" else nx.read_gexf(out)
    values = [*(d for _, d in graph.nodes(data=True)), *(d for _, _, d in graph.edges(data=True))]
    texts = " ".join(str(v) for data in values for v in data.values())
    assert "<script>alert(1)</script>" in texts
    assert "We will \ufffdwin\ufffd the \ufffdvote\ufffd[31m again" in texts  # what XML cannot hold


def test_hostile_json_keeps_the_text_exactly(hostile: Path) -> None:
    data = json.loads(_write(hostile, "json").read_text(encoding="utf-8"))
    assert ids(data) == [HOSTILE_NAME]
    assert data["articles"][0]["title"] == HOSTILE_META["title"]
    _assert_offsets(data, {HOSTILE_NAME: HOSTILE_TEXT})
    assert any("\x01win\x0b" in q["text"] for q in data["quotes"])


def _said_smaller(monkeypatch: pytest.MonkeyPatch, file: Path, by: int) -> None:
    """``file`` says it is ``by`` bytes smaller than it is, as a file does that grows after it is looked at."""
    real = Path.stat

    def stat(self: Path, *args: Any, **kwargs: Any) -> os.stat_result:
        info = real(self, *args, **kwargs)
        if self != file:
            return info
        fields = list(info)
        fields[6] -= by  # st_size
        return os.stat_result(fields)

    monkeypatch.setattr(Path, "stat", stat)


def test_a_file_that_grows_as_it_is_read_is_read_whole_or_refused_past_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = folder_with_good(tmp_path)
    growing = folder / "growing.txt"
    growing.write_text(GOOD * 40, encoding="utf-8")  # about 3 kB
    size = growing.stat().st_size
    whole = {a.id: a.text for a in library(folder)[0]}
    _said_smaller(monkeypatch, growing, 1000)
    articles, warnings = library(folder)
    assert warnings == [] and {a.id: a.text for a in articles} == whole
    # it said it was under the limit, and is over it by the time it is read
    articles, warnings = library(folder, max_bytes=size - 500)
    assert [a.id for a in articles] == ["good.txt"]
    assert warnings == [
        f"{growing}: too large ({size - 499:,} bytes, the limit is {size - 500:,} bytes); skipped "
        "(raise the limit with --max-bytes, or max_bytes= in Python)"
    ]
