"""Paths, folders, globs and stdin -> ``Article`` objects.

The first stage of the pipeline. It reads ``.txt``, ``.md``, ``.html``/``.htm`` and
``.jsonl`` inputs, takes metadata from a sidecar ``manifest.json`` or sniffs it from
the text, and marks page furniture (related-story lists, ads, share buttons) so later
stages can tell a story's own quotes from those in teasers.

``Article.text`` is the text exactly as read (UTF-8, BOM stripped, universal newlines,
like ``Path.read_text(encoding="utf-8")``): every offset a later stage reports points
into it. Input files are never written.

>>> articles = read_articles(["seeds/"])  # doctest: +SKIP
>>> articles[1].agency, articles[1].date  # doctest: +SKIP
('AFP', datetime.date(2025, 1, 13))
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import glob
import json
import logging
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from quotetrace.errors import InputError, NoArticlesError
from quotetrace.model import Article, Section, SourceDocument

LOGGER = logging.getLogger(__name__)

Warn = Callable[[str], None]

TEXT_SUFFIXES = (".txt", ".md")
HTML_SUFFIXES = (".html", ".htm")
JSONL_SUFFIXES = (".jsonl",)
ACCEPTED_SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES + JSONL_SUFFIXES
MANIFEST_NAME = "manifest.json"
STDIN_ID = "<stdin>"
METADATA_KEYS = ("title", "outlet", "agency", "date", "url", "byline")

# How far down sniff_metadata looks. News pages put title, byline and dateline in the
# first few lines; looking further finds dates and "By ..." inside the story itself.
HEAD_LINES = 40
DATE_LINES = 15

# Canonical wire-service names, keyed by how bylines spell them (lower case).
WIRES = {
    "afp": "AFP",
    "agence france-presse": "AFP",
    "ap": "AP",
    "associated press": "AP",
    "the associated press": "AP",
    "reuters": "Reuters",
    "yonhap": "Yonhap",
    "dpa": "dpa",
    "efe": "EFE",
    "ansa": "ANSA",
    "xinhua": "Xinhua",
    "upi": "UPI",
    "tass": "TASS",
    "bloomberg": "Bloomberg",
}

_GLOB_CHARS = frozenset("*?[")


# --- metadata sniffing -------------------------------------------------------------

_MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_MONTH = (
    r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
# A date counts only at the start of a line (after an optional label), so the dates in
# an embedded post's signature ("— Name (@handle) January 12, 2025") are not taken for
# the article's own date.
_DATE_LABEL = r"[ \t]{0,8}(?:(?:date|published|updated|posted)(?:[ \t]{1,4}on)?[ \t]{0,4}:?[ \t]{1,4})?"
_ISO_DATE_RE = re.compile(_DATE_LABEL + r"(?P<iso>\d{4}-\d{2}-\d{2})\b", re.IGNORECASE)
_MDY_DATE_RE = re.compile(
    _DATE_LABEL + _MONTH + r"[ \t]{1,4}(?P<day>\d{1,2}),?[ \t]{1,4}(?P<year>\d{4})\b", re.IGNORECASE
)
_DMY_DATE_RE = re.compile(
    _DATE_LABEL + r"(?P<day>\d{1,2})[ \t]{1,4}" + _MONTH + r",?[ \t]{1,4}(?P<year>\d{4})\b", re.IGNORECASE
)
_ISO_ONLY_RE = re.compile(r"\d{4}-\d{2}-\d{2}")

_HEADING_RE = re.compile(r"[ \t]{0,3}#{1,6}[ \t]{1,8}")
_BYLINE_RE = re.compile(r"[ \t]{0,4}(?:\*\*|__|\*|_)?by[ \t]{1,4}(?P<who>[^\n]{1,200})", re.IGNORECASE)
_MD_LINK_RE = re.compile(r"\[([^\[\]\n]{0,200})\]\([^()\n]{0,500}\)")
_READ_TIME_RE = re.compile(r"[ \t]{0,4}[·•|]?[ \t]{0,4}\d{1,3}[ \t]{0,2}min(?:ute)?s?[ \t]{1,2}read[ \t]{0,4}", re.I)
_ORIGINAL_URL_RE = re.compile(r"original[ \t]{0,4}url[ \t]{0,4}:\s{0,200}<?(?P<url>https?://[^\s<>]{1,2000})", re.I)
_WIRE_SPLIT_RE = re.compile(r"\s*(?:,|/|\||;|\band\b|\bfor\b|&)\s*", re.IGNORECASE)

# Calibrated on the seed articles and common news layouts: headlines stay well under
# 200 characters and do not end with a full stop, while a lede paragraph does both.
TITLE_MAX = 200
BYLINE_MAX = 80


def sniff_metadata(text: str) -> dict[str, Any]:
    """Metadata the text states about itself: title, date, byline, agency, url.

    Looks at the first lines for a title (markdown ``#`` and a leading
    ``date 2025-01-13`` stripped), a dateline (``January 13, 2025``, ``Jan. 13, 2025``,
    ``13 January 2025``, ``date 2025-01-13``), a byline (``By AFP``, ``By [AFP](#)``,
    or a name above a ``3 min read`` line) and, anywhere, an ``Original url:`` line.
    Keys that are not found are left out. ``agency`` is set when the byline names a
    wire service.

    >>> sniff_metadata("# Minister speaks\\n\\nBy AFP\\n\\nJanuary 13, 2025\\n\\nThe minister said...")
    {'title': 'Minister speaks', 'date': datetime.date(2025, 1, 13), 'byline': 'AFP', 'agency': 'AFP'}
    """
    lines = text.split("\n", HEAD_LINES)[:HEAD_LINES]
    found: dict[str, Any] = {}
    title = _sniff_title(lines)
    if title:
        found["title"] = title
    date = _sniff_date(lines[:DATE_LINES])
    if date:
        found["date"] = date
    byline = _sniff_byline(lines)
    if byline:
        found["byline"] = byline
        agency = wire_agency(byline)
        if agency:
            found["agency"] = agency
    match = _ORIGINAL_URL_RE.search(text)
    if match:
        found["url"] = match.group("url").rstrip(".,;:)>]'\"")
    return found


def wire_agency(byline: str) -> str | None:
    """The wire service a byline names (``"Jane Roe, Reuters"`` -> ``"Reuters"``), else None."""
    for part in _WIRE_SPLIT_RE.split(byline.strip()):
        agency = WIRES.get(part.strip().lower())
        if agency:
            return agency
    return None


def _sniff_title(lines: list[str]) -> str | None:
    for line in lines:
        if not line.strip():
            continue
        heading = _HEADING_RE.match(line)
        candidate = line[heading.end() :] if heading else line
        date = _date_prefix(candidate)
        if date:
            candidate = candidate[date[1] :]
        candidate = candidate.strip().strip("*_").strip()
        if not candidate:
            continue  # a line that is only a date: the title may follow
        if heading:
            return candidate
        if len(candidate) > TITLE_MAX or candidate.endswith(".") or _BYLINE_RE.fullmatch(line):
            return None
        return candidate
    return None


def _sniff_date(lines: list[str]) -> dt.date | None:
    for line in lines:
        date = _date_prefix(line)
        if date:
            return date[0]
    return None


def _date_prefix(line: str) -> tuple[dt.date, int] | None:
    """The date a line starts with and where it ends, else None."""
    match = _ISO_DATE_RE.match(line)
    try:
        if match:
            return dt.date.fromisoformat(match.group("iso")), match.end()
        match = _MDY_DATE_RE.match(line) or _DMY_DATE_RE.match(line)
        if match:
            month = _MONTHS[match.group("month")[:3].lower()]
            return dt.date(int(match.group("year")), month, int(match.group("day"))), match.end()
    except ValueError:  # 2025-13-45, February 30
        return None
    return None


def _sniff_byline(lines: list[str]) -> str | None:
    first = next((i for i, line in enumerate(lines) if line.strip()), 0)
    for i, line in enumerate(lines):
        match = _BYLINE_RE.fullmatch(line)
        if match:
            who = _clean_byline(match.group("who"))
            if who:
                return who
        if i > first and _READ_TIME_RE.fullmatch(line):
            # "Arpan Rai / ·3 min read": aggregators put the author just above the read time
            j = next((j for j in range(i - 1, first, -1) if lines[j].strip()), first)
            who = None if j == first else _clean_byline(lines[j])  # the first line is the title
            if who and not any(ch.isdigit() for ch in who) and len(who.split()) <= 6:
                return who
    return None


def _clean_byline(raw: str) -> str | None:
    who = _MD_LINK_RE.sub(r"\1", raw).strip().strip("*_").strip()
    # "By the time troops arrived, ..." is a sentence, not a byline
    if not who or len(who) > BYLINE_MAX or not who[0].isupper() or who[-1] in ".!?:;,":
        return None
    if len(who.split()) > 10:
        return None
    return who


# --- sections ------------------------------------------------------------------------

_BLOCK_MARKERS = frozenset(
    {"latest stories", "related stories", "more stories", "recommended", "read more", "most read"}
)
_MARKUP_RE = re.compile(r"(?:#{1,6}[ \t]{1,4})?(?:\*\*|__|\*|_)?(?P<label>[^\n]{0,60}?)(?:\*\*|__|\*|_)?[ \t]{0,4}:?")
_RELATED_LINE_RE = re.compile(
    r"(?:\*\*|__|\*|_)?(?P<label>related articles?|related|read more|see also|also read)[ \t]{0,2}:", re.IGNORECASE
)
_AD_LINES = frozenset({"advertisement", "story continues below advertisement"})
_PROMO_LINE_RE = re.compile(
    r"(?P<label>share this (?:article|story)|subscribe to our newsletter|sign up for|follow us on)\b", re.IGNORECASE
)
# Share and sign-up prompts are short; a longer line starting the same way is prose.
PROMO_MAX = 120


def find_sections(text: str) -> tuple[Section, ...]:
    """The page furniture in ``text``, as ``related`` sections sorted by offset.

    A heading line such as ``Latest Stories``, ``Related Stories``, ``More stories``,
    ``Recommended``, ``Read more`` or ``Most read`` starts a block that runs to the end
    of the text. A line starting ``Related article:``, ``Related:``, ``Read more:`` or
    ``See also:``, an ``ADVERTISEMENT`` line and share/subscribe prompts are one-line
    sections. Sections never overlap.

    >>> text = "Story.\\nADVERTISEMENT\\nMore story.\\nLatest Stories\\n  * Teaser"
    >>> [(s.start, s.end, s.label) for s in find_sections(text)]
    [(7, 20, 'ADVERTISEMENT'), (33, 58, 'Latest Stories')]
    """
    sections: list[Section] = []
    offset = 0
    for line in text.split("\n"):
        line_start, offset = offset, offset + len(line) + 1
        stripped = line.strip()
        if not stripped:
            continue
        start = line_start + len(line) - len(line.lstrip())
        end = line_start + len(line.rstrip())
        marker = _MARKUP_RE.fullmatch(stripped)
        if marker and marker.group("label").strip().lower() in _BLOCK_MARKERS:
            sections.append(Section(start, len(text), "related", marker.group("label").strip()))
            break
        label = _line_label(stripped)
        if label:
            sections.append(Section(start, end, "related", label))
    return tuple(sections)


def _line_label(stripped: str) -> str | None:
    match = _RELATED_LINE_RE.match(stripped)
    if match:
        return match.group("label")
    if stripped.lower() in _AD_LINES:
        return stripped
    if len(stripped) <= PROMO_MAX:
        match = _PROMO_LINE_RE.match(stripped)
        if match:
            return match.group("label")
    return None


# --- building articles ---------------------------------------------------------------


def article_from_text(
    text: str, *, id: str, path: str | None = None, metadata: Mapping[str, Any] | None = None
) -> Article:
    """An ``Article`` for ``text``: sniffed metadata, overridden by ``metadata``, plus sections.

    ``metadata`` keys are among ``title, outlet, agency, date, url, byline``; ``date``
    may be a ``datetime.date`` or an ISO ``YYYY-MM-DD`` string. A ``None`` value clears
    what was sniffed. Unknown keys and bad values are logged and ignored.
    ``text`` is kept exactly as given.

    >>> art = article_from_text("Minister speaks\\nBy Reuters\\n...", id="a1", metadata={"date": "2025-01-13"})
    >>> art.title, art.agency, art.date
    ('Minister speaks', 'Reuters', datetime.date(2025, 1, 13))
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    if not isinstance(id, str) or not id:
        raise ValueError(f"id must be a non-empty str, got {id!r}")
    fields = sniff_metadata(text)
    given = _clean_metadata(metadata or {}, where=id, warn=_log_warning)
    fields.update(given)
    if fields.get("byline") and not fields.get("agency") and "agency" not in given:
        agency = wire_agency(fields["byline"])
        if agency:
            fields["agency"] = agency
    return Article(id=id, text=text, path=path, sections=find_sections(text), **fields)


def _clean_metadata(raw: Mapping[str, Any], *, where: str, warn: Warn) -> dict[str, Any]:
    """``raw`` with known keys only, strings stripped and dates as ``datetime.date``.

    Anything unusable is reported through ``warn`` (prefixed with ``where``) and left out.
    """
    clean: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in METADATA_KEYS:
            warn(f"{where}: unknown metadata key {key!r} ignored (expected one of {', '.join(METADATA_KEYS)})")
        elif value is None:
            clean[key] = None
        elif key == "date":
            date = _as_date(value)
            if date is None:
                warn(f"{where}: date {value!r} ignored; write it as YYYY-MM-DD")
            else:
                clean[key] = date
        elif isinstance(value, str):
            clean[key] = value.strip() or None
        else:
            warn(f"{where}: {key} {value!r} ignored; it should be a string")
    return clean


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _ISO_ONLY_RE.fullmatch(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


# --- reading files -------------------------------------------------------------------


def read_article(
    path: str | os.PathLike[str], *, manifest: Mapping[str, Mapping[str, Any]] | None = None
) -> list[Article]:
    """The articles in one file: one for ``.txt``/``.md``/``.html``, one per line for ``.jsonl``.

    ``manifest`` maps file names to metadata (as in a sidecar ``manifest.json``); when
    it is None the file's folder is searched for a ``manifest.json``. The article id is
    the file name. Raises ``InputError`` when the file cannot be read; problems with
    single ``.jsonl`` lines or the manifest are logged and skipped.
    """
    file = Path(path)
    if manifest is None:
        manifest = load_manifest(file.parent, warn=_log_warning)
    return _read_file(file, str(path), file.name, manifest, _log_warning)


def read_articles(
    paths: Iterable[str | os.PathLike[str]],
    *,
    stdin: TextIO | None = None,
    on_warning: Callable[[str], None] | None = None,
) -> tuple[Article, ...]:
    """Every article in ``paths``: files, folders (recursive), glob patterns and ``-`` (stdin).

    Folders yield their ``.txt``, ``.md``, ``.html``, ``.htm`` and ``.jsonl`` files,
    skipping hidden ones and ``manifest.json``. The result is sorted by path, each file
    is read once, and ids are file names (paths relative to the common folder when two
    files share a name). A problem with one input is passed to ``on_warning`` (logged
    when it is None) and the rest are still read; ``NoArticlesError`` is raised only
    when nothing at all could be read.

    >>> arts = read_articles(["seeds/"], on_warning=print)  # doctest: +SKIP
    >>> [a.id for a in arts][:2]  # doctest: +SKIP
    ['000_508fbe3004b92db1.txt', '001_cc758aff9a1f738e.txt']
    """
    if isinstance(paths, str | os.PathLike):
        paths = [paths]  # a single path, not an iterable of one-letter paths
    problems: list[str] = []
    warn_user = on_warning or _log_warning

    def warn(message: str) -> None:
        problems.append(message)
        warn_user(message)

    sources = _collect(paths, warn)
    if not sources and not problems:
        raise NoArticlesError("no article files in the inputs: pass files, folders, glob patterns or '-' for stdin")
    ids = _file_ids(sources)
    manifests: dict[str, dict[str, dict[str, Any]]] = {}
    articles: list[Article] = []
    for source in sources:
        try:
            if source.file is None:
                articles.append(_read_stdin(stdin if stdin is not None else sys.stdin))
                continue
            folder = os.path.dirname(source.key)  # real path: one read per folder however it was spelled
            if folder not in manifests:
                manifests[folder] = load_manifest(folder, warn=warn, shown=os.path.dirname(source.shown))
            articles.extend(_read_file(source.file, source.shown, ids[source.key], manifests[folder], warn))
        except InputError as err:
            warn(str(err))
    if not articles:
        if len(problems) == 1:
            raise NoArticlesError(problems[0])
        n = len(problems)
        first = f" ({n} problems: first one: {problems[0]})" if problems else ""
        raise NoArticlesError(f"no readable articles in the inputs{first}")
    return _unique_ids(articles, warn)


def load_manifest(folder: str | os.PathLike[str], *, warn: Warn, shown: str | None = None) -> dict[str, dict[str, Any]]:
    """The sidecar ``manifest.json`` in ``folder`` (file name -> clean metadata), or ``{}``.

    A broken manifest is reported through ``warn`` and ignored.
    """
    file = Path(folder) / MANIFEST_NAME
    if not file.is_file():
        return {}
    where = os.path.join(shown, MANIFEST_NAME) if shown else str(file)
    try:
        data = json.loads(_decode(file.read_bytes(), where))
    except OSError as err:
        warn(f"{where}: cannot read it ({err.strerror}); check its permissions (manifest ignored)")
        return {}
    except InputError as err:
        warn(f"{err} (manifest ignored)")
        return {}
    except json.JSONDecodeError as err:
        warn(f"{where}: not valid JSON ({err.msg} at line {err.lineno} column {err.colno}); fix it (manifest ignored)")
        return {}
    if not isinstance(data, dict):
        warn(f"{where}: expected a JSON object mapping file names to metadata, got {type(data).__name__} (ignored)")
        return {}
    manifest: dict[str, dict[str, Any]] = {}
    for name, entry in data.items():
        if not isinstance(entry, dict):
            warn(f"{where}: entry {name!r} should be an object of metadata, got {type(entry).__name__} (ignored)")
            continue
        manifest[name] = _clean_metadata(entry, where=f"{where}: {name}", warn=warn)
    return manifest


@dataclass(frozen=True)
class _Source:
    """One file to read (``file`` is None for stdin); ``shown`` is the path as the user sees it."""

    key: str
    shown: str
    file: Path | None


def _collect(paths: Iterable[str | os.PathLike[str]], warn: Warn) -> list[_Source]:
    """Expand inputs into files, deduplicated and sorted by the path as given or found."""
    found: dict[str, _Source] = {}

    def add(shown: str, file: Path | None) -> None:
        key = "-" if file is None else os.path.realpath(file)
        if key not in found:
            found[key] = _Source(key, shown, file)

    for raw in paths:
        shown = os.fspath(raw)
        if shown == "-":
            add(shown, None)
            continue
        file = Path(shown)
        if file.is_dir():
            inside = _walk(shown)
            if not inside:
                warn(f"{shown}: no {', '.join(ACCEPTED_SUFFIXES)} files in this folder; point at the article files")
            for name in inside:
                add(name, Path(name))
        elif file.name == MANIFEST_NAME:
            # `quotetrace seeds/*` expands to the manifest too; it is read as metadata, not as an article
            LOGGER.debug("%s: sidecar manifest, not read as an article", shown)
        elif file.exists():
            add(shown, file)
        elif _GLOB_CHARS & set(shown):
            matches = _glob(shown)
            if not matches:
                warn(f"{shown}: no article files match this pattern; check it (and quote it so the shell leaves it)")
            for name in matches:
                add(name, Path(name))
        else:
            warn(f"no such file or folder: {shown}")
    return sorted(found.values(), key=lambda s: s.shown)


def _walk(folder: str) -> list[str]:
    files: list[str] = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        files.extend(os.path.join(root, n) for n in sorted(names) if _wanted(n))
    return files


def _glob(pattern: str) -> list[str]:
    files: list[str] = []
    for match in sorted(glob.glob(pattern, recursive=True)):
        if os.path.isdir(match):
            files.extend(_walk(match))
        elif _wanted(os.path.basename(match)):
            files.append(match)
    return files


def _wanted(name: str) -> bool:
    return not name.startswith(".") and name != MANIFEST_NAME and name.lower().endswith(ACCEPTED_SUFFIXES)


def _file_ids(sources: list[_Source]) -> dict[str, str]:
    """Article ids by source key: the file name, or the path below the common folder when names clash."""
    by_name: dict[str, list[_Source]] = {}
    for source in sources:
        if source.file is not None:
            by_name.setdefault(source.file.name, []).append(source)
    ids = {"-": STDIN_ID}
    for name, group in by_name.items():
        if len(group) == 1:
            ids[group[0].key] = name
            continue
        common = os.path.commonpath([s.key for s in group])
        for source in group:
            ids[source.key] = Path(os.path.relpath(source.key, common)).as_posix()
    return ids


def _unique_ids(articles: list[Article], warn: Warn) -> tuple[Article, ...]:
    seen: set[str] = set()
    unique: list[Article] = []
    for art in articles:
        new_id, n = art.id, 1
        while new_id in seen:
            n += 1
            new_id = f"{art.id}#{n}"
        if new_id != art.id:
            warn(f"{art.path or art.id}: article id {art.id!r} is already taken; renamed {new_id!r}")
            art = dataclasses.replace(art, id=new_id)
        seen.add(new_id)
        unique.append(art)
    return tuple(unique)


def _read_stdin(stream: TextIO) -> Article:
    text = _normalise(stream.read())
    if not text.strip():
        raise InputError("-: stdin is empty; pipe an article into it")
    if text.lstrip()[:15].lower().startswith(("<!doctype html", "<html")):
        return _article_from_html(text, id=STDIN_ID, path=None, shown="-", manifest_entry={})
    return article_from_text(text, id=STDIN_ID)


def _read_file(
    file: Path, shown: str, article_id: str, manifest: Mapping[str, Mapping[str, Any]], warn: Warn
) -> list[Article]:
    try:
        data = file.read_bytes()
    except OSError as err:
        raise InputError(f"{shown}: cannot read it ({err.strerror}); check that it is a readable file") from err
    text = _decode(data, shown)
    if not text.strip():
        raise InputError(f"{shown}: empty file; skipped (put an article in it or leave it out)")
    entry = manifest.get(file.name, {})
    suffix = file.suffix.lower()
    if suffix in JSONL_SUFFIXES:
        return _read_jsonl(text, article_id, shown, entry, warn)
    if suffix in HTML_SUFFIXES:
        return [_article_from_html(text, id=article_id, path=shown, shown=shown, manifest_entry=entry)]
    return [article_from_text(text, id=article_id, path=shown, metadata=entry)]


def _decode(data: bytes, shown: str) -> str:
    """Bytes -> text as ``Path.read_text(encoding="utf-8")`` gives it, minus a BOM."""
    bom = b"\xef\xbb\xbf"
    skipped = len(bom) if data.startswith(bom) else 0
    nul = data.find(b"\x00")
    if nul >= 0:
        raise InputError(
            f"{shown}: looks like a binary file (NUL byte at offset {nul}); give a text, Markdown, HTML or "
            "JSON Lines file (UTF-16 text must be converted to UTF-8)"
        )
    try:
        text = data[skipped:].decode("utf-8")
    except UnicodeDecodeError as err:
        byte = err.object[err.start]
        raise InputError(
            f"{shown}: not valid UTF-8 (byte 0x{byte:02x} at offset {err.start + skipped}); convert it to UTF-8"
        ) from None
    return _normalise(text)


def _normalise(text: str) -> str:
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _read_jsonl(text: str, name: str, shown: str, defaults: Mapping[str, Any], warn: Warn) -> list[Article]:
    """One article per JSON line; line fields override the manifest entry for the file."""
    articles: list[Article] = []
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        where = f"{shown}:{lineno}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            warn(f"{where}: not valid JSON ({err.msg} at column {err.colno}); fix or remove this line")
            continue
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            warn(f'{where}: expected a JSON object with a "text" string; fix or remove this line')
            continue
        if not record["text"].strip():
            warn(f'{where}: "text" is empty; line skipped')
            continue
        article_id = record.get("id")
        if isinstance(article_id, int) and not isinstance(article_id, bool):
            article_id = str(article_id)
        if article_id is not None and (not isinstance(article_id, str) or not article_id.strip()):
            warn(f'{where}: "id" {article_id!r} is not a non-empty string; using "{name}:{lineno}"')
            article_id = None
        meta = {k: record[k] for k in METADATA_KEYS if k in record}
        meta = {**defaults, **_clean_metadata(meta, where=where, warn=warn)}
        # the JSON string is the text as read: no newline translation inside it
        articles.append(
            article_from_text(record["text"], id=article_id or f"{name}:{lineno}", path=shown, metadata=meta)
        )
    return articles


def _article_from_html(
    html: str, *, id: str, path: str | None, shown: str, manifest_entry: Mapping[str, Any]
) -> Article:
    import trafilatura  # heavy: imported only when there is HTML to read

    text = trafilatura.extract(html, include_comments=False, include_tables=False, favor_recall=True)
    if not text or not text.strip():
        raise InputError(f"{shown}: no article text found in this HTML page; save the article's own page or its text")
    found: dict[str, Any] = {}
    try:
        meta = trafilatura.extract_metadata(html)
    except Exception as err:  # metadata is a bonus: a page trafilatura cannot parse still gave text
        LOGGER.debug("%s: no HTML metadata (%s)", shown, err)
        meta = None
    if meta is not None:
        for key, attr in (
            ("title", "title"),
            ("date", "date"),
            ("url", "url"),
            ("outlet", "sitename"),
            ("byline", "author"),
        ):
            value = getattr(meta, attr, None)
            if isinstance(value, str) and value.strip():
                found[key] = value
    found = _clean_metadata(found, where=shown, warn=lambda message: LOGGER.debug("%s", message))
    return article_from_text(text, id=id, path=path, metadata={**found, **manifest_entry})


def _log_warning(message: str) -> None:
    LOGGER.warning("%s", message)


def read_sources(
    paths: Iterable[str | os.PathLike[str]], *, on_warning: Callable[[str], None] | None = None
) -> tuple[SourceDocument, ...]:
    """Source documents from JSON Lines files: one object per line with ``speaker`` and ``text``,
    and optionally ``id``, ``date`` (YYYY-MM-DD), ``channel`` (X, Telegram...) and ``url``.

    A bad line is reported through ``on_warning`` and skipped; a missing or unreadable
    file raises ``InputError``.
    """
    warn = on_warning or _log_warning
    out: list[SourceDocument] = []
    for path in paths:
        shown = os.fspath(path)
        try:
            lines = Path(path).read_text(encoding="utf-8-sig").splitlines()
        except FileNotFoundError:
            raise InputError(f"no such source file: {shown}") from None
        except (OSError, UnicodeDecodeError) as err:
            raise InputError(
                f"{shown}: cannot read the source file ({err.__class__.__name__}); give UTF-8 JSON Lines"
            ) from None
        for n, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as err:
                warn(f"{shown}:{n}: not valid JSON ({err.msg}); skipped")
                continue
            if (
                not isinstance(row, dict)
                or not isinstance(row.get("text"), str)
                or not isinstance(row.get("speaker"), str)
            ):
                warn(f"{shown}:{n}: a source needs 'speaker' and 'text' strings; skipped")
                continue
            source_id = str(row.get("id") or f"source:{Path(shown).name}:{n}")
            meta = {k: row[k] for k in ("date", "url") if row.get(k)}
            if row.get("channel"):
                meta["outlet"] = row["channel"]
            article = article_from_text(row["text"], id=source_id, path=shown, metadata=meta)
            out.append(SourceDocument(article, row["speaker"], row.get("channel") or None))
    return tuple(out)
