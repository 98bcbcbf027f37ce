"""Paths, folders, globs and stdin -> ``Article`` objects.

The first stage of the pipeline. It reads ``.txt``, ``.md``, ``.html``/``.htm`` and
``.jsonl`` inputs, takes metadata from a sidecar ``manifest.json`` or sniffs it from
the text, and marks page furniture (related-story lists, ads, share buttons) so later
stages can tell a story's own quotes from those in teasers.

``Article.text`` is the text exactly as read (UTF-8, BOM stripped, universal newlines,
like ``Path.read_text(encoding="utf-8")``): every offset a later stage reports points
into it. A file that is not UTF-8 is read in the encoding it declares with a byte-order
mark (UTF-16, UTF-32) or the one charset-normalizer detects, with a warning saying which.
Input files are never written.

>>> articles = read_articles(["seeds/"])  # doctest: +SKIP
>>> articles[1].agency, articles[1].date  # doctest: +SKIP
('AFP', datetime.date(2025, 1, 13))
"""

from __future__ import annotations

import codecs
import dataclasses
import datetime as dt
import errno
import glob
import json
import logging
import os
import re
import stat
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

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

# The largest input file read unless the caller raises it (max_bytes, --max-bytes): the
# longest news article is under 1 MB of text, and a 50 MB file is a dump or a mistake.
MAX_BYTES = 50_000_000
# The longest line read as prose. The longest paragraph in about a thousand real news articles
# (PolNeAR) is 2,573 characters; a line 40 times longer is a dump, minified markup or an attack
# (a megabyte of quotation marks), and reading it as prose costs time for nothing. Such a line is
# kept in the text, marked as an ``overlong`` section and reported, and no quote is taken from it.
MAX_LINE = 100_000


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


def find_sections(text: str, *, max_line: int | None = MAX_LINE) -> tuple[Section, ...]:
    """The page furniture in ``text``, as ``related`` sections sorted by offset.

    A heading line such as ``Latest Stories``, ``Related Stories``, ``More stories``,
    ``Recommended``, ``Read more`` or ``Most read`` starts a block that runs to the end
    of the text. A line starting ``Related article:``, ``Related:``, ``Read more:`` or
    ``See also:``, an ``ADVERTISEMENT`` line and share/subscribe prompts are one-line
    sections. A line longer than ``max_line`` characters (None: no limit) is an
    ``overlong`` section: not prose. Sections never overlap.

    >>> text = "Story.\\nADVERTISEMENT\\nMore story.\\nLatest Stories\\n  * Teaser"
    >>> [(s.start, s.end, s.label) for s in find_sections(text)]
    [(7, 20, 'ADVERTISEMENT'), (33, 58, 'Latest Stories')]
    """
    sections: list[Section] = []
    offset = 0
    for line in text.split("\n"):
        line_start, offset = offset, offset + len(line) + 1
        if max_line is not None and len(line) > max_line:
            sections.append(Section(line_start, offset - 1, "overlong", f"a line of {len(line):,} characters"))
            continue
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
    text: str,
    *,
    id: str,
    path: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    max_line: int | None = MAX_LINE,
) -> Article:
    """An ``Article`` for ``text``: sniffed metadata, overridden by ``metadata``, plus sections.

    ``metadata`` keys are among ``title, outlet, agency, date, url, byline``; ``date``
    may be a ``datetime.date`` or an ISO ``YYYY-MM-DD`` string. A ``None`` value clears
    what was sniffed. Unknown keys and bad values are logged and ignored.
    ``text`` is kept exactly as given; a line longer than ``max_line`` is marked ``overlong``
    and no quote is taken from it (see ``find_sections``; None reads every line as prose).

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
    return Article(id=id, text=text, path=path, sections=find_sections(text, max_line=max_line), **fields)


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
            clean[key] = _unicode(value)[0].strip() or None
        else:
            warn(f"{where}: {key} {value!r} ignored; it should be a string")
    return clean


_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def _unicode(text: str) -> tuple[str, int]:
    """``text`` with each lone surrogate (JSON allows ``"\\ud800"``; no UTF-8 output
    does) replaced by U+FFFD, which keeps every offset, and how many there were."""
    return _SURROGATE_RE.subn("\ufffd", text)


def _printable(path: str) -> str:
    """A path as shown and used as an id: bytes of a file name that are not UTF-8
    (which Python keeps as lone surrogates) become U+FFFD."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(path).decode("utf-8", errors="replace")
    return path


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
    path: str | os.PathLike[str],
    *,
    manifest: Mapping[str, Mapping[str, Any]] | None = None,
    max_bytes: int | None = MAX_BYTES,
) -> list[Article]:
    """The articles in one file: one for ``.txt``/``.md``/``.html``, one per line for ``.jsonl``.

    ``manifest`` maps file names to metadata (as in a sidecar ``manifest.json``); when
    it is None the file's folder is searched for a ``manifest.json``. The article id is
    the file name. Raises ``InputError`` when the file cannot be read (missing, binary,
    empty, larger than ``max_bytes``...); problems with single ``.jsonl`` lines, the
    manifest or the encoding are logged.
    """
    file = Path(path)
    if manifest is None:
        manifest = load_manifest(file.parent, warn=_log_warning)
    return _read_file(file, str(path), file.name, manifest, _log_warning, max_bytes)


def read_articles(
    paths: Iterable[str | os.PathLike[str]],
    *,
    stdin: IO[str] | IO[bytes] | None = None,
    on_warning: Callable[[str], None] | None = None,
    max_bytes: int | None = MAX_BYTES,
    on_progress: Callable[[str, int, int | None], None] | None = None,
) -> tuple[Article, ...]:
    """Every article in ``paths``: files, folders (recursive), glob patterns and ``-`` (stdin).

    Folders yield their ``.txt``, ``.md``, ``.html``, ``.htm`` and ``.jsonl`` files,
    skipping hidden ones and ``manifest.json``; symbolic links to folders are followed,
    each folder once. The result is sorted by path, each file is read once, and ids are
    file names (paths relative to the common folder when two files share a name).

    A problem with one input (missing, empty, binary, unreadable, larger than
    ``max_bytes``, a broken link) is passed to ``on_warning`` (logged when it is None)
    and the rest are still read; so is the encoding used for a file that is not UTF-8.
    ``NoArticlesError`` is raised only when nothing at all could be read.
    ``max_bytes=None`` reads files of any size. ``on_progress`` hears ``("files read", done, total)``
    (see ``quotetrace.progress``). ``iter_articles`` gives the same articles one at a time.

    >>> arts = read_articles(["seeds/"], on_warning=print)  # doctest: +SKIP
    >>> [a.id for a in arts][:2]  # doctest: +SKIP
    ['000_508fbe3004b92db1.txt', '001_cc758aff9a1f738e.txt']
    """
    warn = on_warning or _log_warning
    overlong: list[str] = []  # reported after everything else is read, as they always were
    articles = tuple(
        _articles(paths, stdin=stdin, warn=warn, max_bytes=max_bytes, on_progress=on_progress, overlong=overlong.append)
    )
    for message in overlong:
        warn(message)
    return articles


def iter_articles(
    paths: Iterable[str | os.PathLike[str]],
    *,
    stdin: IO[str] | IO[bytes] | None = None,
    on_warning: Callable[[str], None] | None = None,
    max_bytes: int | None = MAX_BYTES,
    on_progress: Callable[[str, int, int | None], None] | None = None,
) -> Iterator[Article]:
    """``read_articles``, each article as its file is read: a corpus too large to hold whole
    streams through (``quotetrace add``). Warnings come as each input is read, and
    ``NoArticlesError`` once every input has been tried without one article."""
    warn = on_warning or _log_warning
    return _articles(paths, stdin=stdin, warn=warn, max_bytes=max_bytes, on_progress=on_progress, overlong=warn)


def _articles(
    paths: Iterable[str | os.PathLike[str]],
    *,
    stdin: IO[str] | IO[bytes] | None,
    warn: Callable[[str], None],
    max_bytes: int | None,
    on_progress: Callable[[str, int, int | None], None] | None,
    overlong: Callable[[str], None],
) -> Iterator[Article]:
    if isinstance(paths, str | os.PathLike):
        paths = [paths]  # a single path, not an iterable of one-letter paths
    problems: list[str] = []

    def warn_and_count(message: str) -> None:
        problems.append(message)
        warn(message)

    sources = _collect(paths, warn_and_count)
    if not sources and not problems:
        raise NoArticlesError("no article files in the inputs: pass files, folders, glob patterns or '-' for stdin")
    ids = _file_ids(sources)
    manifests: dict[str, dict[str, dict[str, Any]]] = {}
    seen: set[str] = set()  # ids given so far: a later article with one of them is renamed
    for n, source in enumerate(sources):
        if on_progress is not None:
            on_progress("files read", n, len(sources))
        try:
            if source.file is None:
                read = [_read_stdin(stdin if stdin is not None else sys.stdin, max_bytes, warn_and_count)]
            else:
                folder = os.path.dirname(source.key)  # real path: one read per folder however it was spelled
                if folder not in manifests:
                    manifests[folder] = load_manifest(folder, warn=warn_and_count, shown=os.path.dirname(source.shown))
                key = ids[source.key]
                read = _read_file(source.file, source.shown, key, manifests[folder], warn_and_count, max_bytes)
        except InputError as err:
            warn_and_count(str(err))
            continue
        for art in read:
            art = _unique_id(art, seen, warn)
            for message in _overlong(art):
                overlong(message)
            yield art
    if on_progress is not None:
        on_progress("files read", len(sources), len(sources))
    if not seen:
        if len(problems) == 1:
            raise NoArticlesError(problems[0])
        n = len(problems)
        first = f" ({n} problems: first one: {problems[0]})" if problems else ""
        raise NoArticlesError(f"no readable articles in the inputs{first}")


def input_files(paths: Iterable[str | os.PathLike[str]]) -> tuple[str, ...]:
    """The real paths of the files ``read_articles(paths)`` would read, and of the
    ``manifest.json`` beside each of them (stdin left out, problems not reported).

    ``quotetrace trace -o`` checks its output against them, so that it never writes over an input.
    """
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    found: set[str] = set()
    for source in _collect(paths, lambda message: None):
        if source.file is not None:
            found.add(source.key)
            found.add(os.path.join(os.path.dirname(source.key), MANIFEST_NAME))
    for raw in paths:  # a manifest given by name is read as metadata
        if Path(raw).name == MANIFEST_NAME:
            found.add(os.path.realpath(raw))
    return tuple(sorted(found))


def load_manifest(folder: str | os.PathLike[str], *, warn: Warn, shown: str | None = None) -> dict[str, dict[str, Any]]:
    """The sidecar ``manifest.json`` in ``folder`` (file name -> clean metadata), or ``{}``.

    A broken manifest is reported through ``warn`` and ignored.
    """
    file = Path(folder) / MANIFEST_NAME
    if not file.is_file():
        return {}
    where = os.path.join(shown, MANIFEST_NAME) if shown else str(file)
    try:
        data = json.loads(_decode(_read_bytes(file, where, MAX_BYTES), where, warn))
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
            found[key] = _Source(key, _printable(shown), file)

    for raw in paths:
        shown = os.fspath(raw)
        if shown == "-":
            add(shown, None)
            continue
        file = Path(shown)
        if os.path.isdir(shown):
            try:
                inside, others = _walk(shown, warn)
            except InputError as err:
                warn(str(err))
                continue
            if not inside:
                warn(_no_articles_in(_printable(shown), others))
            for name in inside:
                add(name, Path(name))
        elif file.name == MANIFEST_NAME:
            # `quotetrace seeds/*` expands to the manifest too; it is read as metadata, not as an article
            LOGGER.debug("%s: sidecar manifest, not read as an article", shown)
        elif os.path.lexists(shown):
            add(shown, file)  # reading it says what is wrong with a broken link, a device...
        elif _GLOB_CHARS & set(shown):
            matches = _glob(shown, warn)
            if not matches:
                warn(f"{shown}: no article files match this pattern; check it (and quote it so the shell leaves it)")
            for name in matches:
                add(name, Path(name))
        else:
            warn(f"no such file or folder: {shown}")
    return sorted(found.values(), key=lambda s: s.shown)


def _no_articles_in(folder: str, others: list[str]) -> str:
    kinds = ", ".join(ACCEPTED_SUFFIXES)
    if not others:
        return f"{folder}: no {kinds} files in this folder; point at the article files"
    return (
        f"{folder}: no {kinds} files in this folder (only {len(others)} other file(s), such as {others[0]}); "
        "point at the article files"
    )


def _walk(folder: str, warn: Warn) -> tuple[list[str], list[str]]:
    """The article files below ``folder``, and the names of the other files there.

    A broken symbolic link that may have been an article or a folder is reported.
    """
    files: list[str] = []
    others: list[str] = []
    for _, children in _folders(folder, warn):
        for path, entry in children:
            if _wanted(entry.name):
                files.append(path)  # reading it reports a broken link
            elif entry.is_symlink() and not os.path.exists(path):
                if not os.path.splitext(entry.name)[1]:
                    warn(_cannot_read(Path(path), _printable(path), FileNotFoundError(errno.ENOENT, "")))
            elif entry.name != MANIFEST_NAME:
                others.append(_printable(entry.name))
    return files, others


def _folders(top: str, warn: Warn) -> Iterator[tuple[str, list[tuple[str, os.DirEntry[str]]]]]:
    """``top`` and every folder below it, each with its other entries; hidden ones left out.

    Symbolic links to folders are followed, each real folder once, so a link back up the
    tree is reported through ``warn`` and not followed (``os.walk`` and ``glob`` would
    loop or repeat). A folder that cannot be listed is reported and skipped, or raises
    ``InputError`` when it is ``top`` itself.
    """
    seen = {os.path.realpath(top or os.curdir)}
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder or os.curdir) as scan:
                entries = sorted(scan, key=lambda e: e.name)
        except OSError as err:
            message = f"{_printable(folder or os.curdir)}: cannot read this folder ({err.strerror}); skipped"
            if folder == top:
                raise InputError(message) from None
            warn(message)
            continue
        children: list[tuple[str, os.DirEntry[str]]] = []
        below: list[str] = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = os.path.join(folder, entry.name)
            if not _is_dir(entry):
                children.append((path, entry))
                continue
            real = os.path.realpath(path)
            if entry.is_symlink() and _within(os.path.realpath(folder or os.curdir), real):
                target = _printable(_link_target(path))
                warn(f"{_printable(path)}: symbolic link loop (it points back to {target}); not followed")
            elif real not in seen:  # a second link to a folder already read adds nothing
                seen.add(real)
                below.append(path)
        yield folder, children
        stack.extend(reversed(below))


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()  # follows symbolic links
    except OSError:  # a link loop
        return False


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _link_target(path: str | os.PathLike[str]) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return "?"


# `**` as a whole path component: any depth of folders
_RECURSIVE_RE = re.compile(r"(?:^|/)\*\*(?:/|$)")


def _glob(pattern: str, warn: Warn) -> list[str]:
    files: list[str] = []
    for match in _glob_paths(pattern, warn):
        if os.path.isdir(match):
            try:
                files.extend(_walk(match, warn)[0])
            except InputError as err:
                warn(str(err))
        elif _wanted(os.path.basename(match)):
            files.append(match)
    return files


def _glob_paths(pattern: str, warn: Warn) -> list[str]:
    """The paths ``pattern`` matches, ``**`` matching any depth of folders as in ``glob.glob(recursive=True)``.

    ``**`` is expanded with ``_folders``, which visits each folder once: ``glob`` itself
    follows symbolic link loops, and two of them make it run for ever.
    """
    found = _RECURSIVE_RE.search(pattern)
    if found is None:
        return sorted(glob.glob(pattern))
    head = pattern[: found.start() + 1] if found.group().startswith("/") else ""
    rest = pattern[found.end() :]
    roots = sorted(glob.glob(head)) if head else [""]
    matches: set[str] = set()
    for root in roots:
        if root and not os.path.isdir(root):
            continue
        if not rest:
            matches.add(root or os.curdir)  # every file below it
            continue
        try:
            for folder, _ in _folders(root, warn):
                matches.update(_glob_paths(os.path.join(glob.escape(folder), rest) if folder else rest, warn))
        except InputError as err:
            warn(str(err))
    return sorted(matches)


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
            ids[group[0].key] = _printable(name)
            continue
        common = os.path.commonpath([s.key for s in group])
        for source in group:
            ids[source.key] = _printable(Path(os.path.relpath(source.key, common)).as_posix())
    return ids


def _unique_id(art: Article, seen: set[str], warn: Warn) -> Article:
    """``art``, renamed ``ID#2`` (``#3``, ...) when an earlier article took its id; its id joins ``seen``."""
    new_id, n = art.id, 1
    while new_id in seen:
        n += 1
        new_id = f"{art.id}#{n}"
    if new_id != art.id:
        warn(f"{art.path or art.id}: article id {art.id!r} is already taken; renamed {new_id!r}")
        art = dataclasses.replace(art, id=new_id)
    seen.add(new_id)
    return art


def _overlong(art: Article) -> list[str]:
    return [
        f"{art.path or art.id}: {sec.label} at offset {sec.start} is not prose (the limit is "
        f"{MAX_LINE:,}); it is kept but no quote is taken from it (break it into paragraphs to read it)"
        for sec in art.sections
        if sec.kind == "overlong"
    ]


def _read_stdin(stream: IO[str] | IO[bytes], max_bytes: int | None, warn: Warn) -> Article:
    raw = getattr(stream, "buffer", None)  # the bytes under sys.stdin: decoded like a file's
    limit = -1 if max_bytes is None else max_bytes + 1
    data: str | bytes = (raw if raw is not None else stream).read(limit)
    if max_bytes is not None and len(data) > max_bytes:
        raise InputError(f"-: stdin holds more than {_size(max_bytes)}, the limit; skipped {_RAISE_LIMIT}")
    text = _normalise(data) if isinstance(data, str) else _decode(data, "-", warn)
    if not text.strip():
        raise InputError("-: stdin is empty; pipe an article into it")
    if text.lstrip()[:15].lower().startswith(("<!doctype html", "<html")):
        return _article_from_html(text, id=STDIN_ID, path=None, shown="-", manifest_entry={})
    return article_from_text(text, id=STDIN_ID)


def _read_file(
    file: Path,
    shown: str,
    article_id: str,
    manifest: Mapping[str, Mapping[str, Any]],
    warn: Warn,
    max_bytes: int | None = MAX_BYTES,
) -> list[Article]:
    text = _decode(_read_bytes(file, shown, max_bytes), shown, warn)
    if not text.strip():
        raise InputError(f"{shown}: empty file; skipped (put an article in it or leave it out)")
    entry = manifest.get(file.name, {})
    suffix = file.suffix.lower()
    if suffix in JSONL_SUFFIXES:
        return _read_jsonl(text, article_id, shown, entry, warn)
    if suffix in HTML_SUFFIXES:
        return [_article_from_html(text, id=article_id, path=shown, shown=shown, manifest_entry=entry)]
    return [article_from_text(text, id=article_id, path=shown, metadata=entry)]


_RAISE_LIMIT = "(raise the limit with --max-bytes, or max_bytes= in Python)"


def _read_bytes(file: Path, shown: str, max_bytes: int | None) -> bytes:
    """The bytes of ``file``; ``InputError`` naming ``shown`` when it cannot be read or is too large.

    The size is checked before reading, so a huge file costs nothing, and a pipe or device
    is never opened (reading it could block for ever). A file is read as large as it said it
    was, and one byte more: asked for ``max_bytes + 1`` at once, Python allocated that much for
    every file (50 MB by default) before reading a few kilobytes. A file that grew since is read
    on, up to the limit.
    """
    try:
        info = file.stat()
        if not stat.S_ISREG(info.st_mode):
            raise InputError(f"{shown}: not a regular file (a pipe, socket or device); skipped")
        _check_size(shown, info.st_size, max_bytes)
        with file.open("rb") as fh:
            want = info.st_size + 1
            data = fh.read(want)
            if len(data) == want:  # it grew while we looked: read on, to one byte past the limit
                data += fh.read(-1 if max_bytes is None else max_bytes + 1 - len(data))
    except OSError as err:
        raise InputError(_cannot_read(file, shown, err)) from None
    _check_size(shown, len(data), max_bytes)  # it grew while we looked
    return data


def _check_size(shown: str, size: int, max_bytes: int | None) -> None:
    if max_bytes is not None and size > max_bytes:
        size_, limit = _size(size), _size(max_bytes)
        if size_ == limit:  # 50,000,001 bytes is 50.0 MB too
            size_, limit = f"{size:,} bytes", f"{max_bytes:,} bytes"
        raise InputError(f"{shown}: too large ({size_}, the limit is {limit}); skipped {_RAISE_LIMIT}")


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1_000_000 else f"{n:,} bytes"


def _cannot_read(file: Path, shown: str, err: OSError) -> str:
    if err.errno == errno.ELOOP:
        target = _printable(_link_target(file))
        return f"{shown}: symbolic link loop (it points to {target}, which leads back to it); skipped"
    if isinstance(err, FileNotFoundError) and file.is_symlink():
        target = _printable(_link_target(file))
        return f"{shown}: broken symbolic link (its target {target} does not exist); skipped"
    if isinstance(err, PermissionError):
        return f"{shown}: cannot read it (permission denied); skipped (check its permissions)"
    return f"{shown}: cannot read it ({err.strerror or err}); skipped"


# Signatures of the binary files most often mistaken for articles (a PDF or an image saved
# as .txt, a Word document renamed): named in the warning, so the user knows what to convert.
_MAGIC = (
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"RIFF", "a RIFF file (WebP image, WAV or AVI)"),
    (b"PK\x03\x04", "a ZIP archive (.docx, .odt and .epub documents are ZIP archives)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a Microsoft Office document (.doc, .xls)"),
    (b"{\\rtf", "an RTF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"BZh91AY&SY", "a bzip2 archive"),
    (b"\xfd7zXZ\x00", "an xz archive"),
    (b"(\xb5/\xfd", "a zstd archive"),
    (b"7z\xbc\xaf'\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\x7fELF", "a program (ELF)"),
    (b"SQLite format 3\x00", "an SQLite database"),
)
# BOMs and their codecs; UTF-32 first, since its little-endian BOM starts like UTF-16's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)
# The encodings news files come in, for charset-normalizer to choose from. Left out: DOS
# and Mac code pages (cp437, cp775, cp850, mac_*...), which it picks for short English
# text with curly quotes (“ and ” in cp1252 are ō and ö in cp775).
NEWS_ENCODINGS = (
    "cp1252", "latin_1", "iso8859_15", "cp1250", "iso8859_2", "cp1251", "iso8859_5", "koi8_r", "koi8_u",
    "cp1253", "iso8859_7", "cp1254", "iso8859_9", "cp1255", "cp1256", "cp1257", "cp1258", "cp874", "tis_620",
    "shift_jis", "cp932", "euc_jp", "iso2022_jp", "gb18030", "gb2312", "big5", "euc_kr", "cp949",
)  # fmt: skip
# When several encodings fit equally well (cp1250 and cp1252 read most French text alike,
# and it is a tie), the one most news files use, checked on French, Spanish, German,
# Czech, Polish, Turkish, Greek, Russian, Hebrew and Arabic sentences.
_USUAL_ENCODINGS = ("cp1252", "latin_1", "iso8859_15", "cp1251", "cp1250")
# Control characters no article holds (tab, newlines and form feed are not among them).
_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
# How much of a decoded file is checked for them, and how many make it binary: 1%.
CONTROL_SAMPLE = 65_536
CONTROL_SHARE = 0.01


def _decode(data: bytes, shown: str, warn: Warn) -> str:
    """Bytes -> text as read: ``InputError`` for a binary file, and a warning through
    ``warn`` naming the encoding when it is not UTF-8.

    UTF-8 (a BOM stripped) is read as ``Path.read_text(encoding="utf-8")`` reads it:
    newlines become ``\\n``. A UTF-16 or UTF-32 BOM is obeyed; UTF-16 without a BOM is
    recognised by its zero bytes. Mostly UTF-8 with a few bad bytes (a download cut in
    the middle of a character) is read with U+FFFD in their place; anything else in the
    encoding charset-normalizer detects.
    """
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise InputError(f"{shown}: looks like {what}, not text; skipped (give the article as text)")
    text = _decode_text(data, shown, warn)
    sample = text[:CONTROL_SAMPLE]
    controls = len(_CONTROL_RE.findall(sample))
    if controls > max(8, CONTROL_SHARE * len(sample)):
        raise InputError(
            f"{shown}: looks like a binary file ({controls} control characters in the first {len(sample):,}); "
            "skipped (give the article as text)"
        )
    return _normalise(text)


def _decode_text(data: bytes, shown: str, warn: Warn) -> str:
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(codec)
            except UnicodeDecodeError as err:
                raise InputError(
                    f"{shown}: starts with a {name} byte-order mark but is not {name} (bad bytes at offset "
                    f"{err.start + len(bom)}); convert it to UTF-8"
                ) from None
            warn(f"{shown}: not UTF-8; read as {name} (it starts with a {name} byte-order mark)")
            return text
    skipped = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    nul = data.find(b"\x00")
    if nul >= 0:
        utf16 = _utf16_without_bom(data)
        if utf16 is None:
            raise InputError(
                f"{shown}: looks like a binary file (NUL byte at offset {nul}); skipped (give the article as text)"
            )
        codec, text = utf16
        warn(f"{shown}: not UTF-8; read as {codec.upper()} (no byte-order mark, but every other byte is zero)")
        return text
    try:
        return data[skipped:].decode("utf-8")
    except UnicodeDecodeError as err:
        first = f"byte 0x{err.object[err.start]:02x} at offset {err.start + skipped}"
    text = data[skipped:].decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = len(text) - len(text.encode("ascii", errors="ignore")) - bad  # characters beyond ASCII read as UTF-8
    if good >= bad:
        warn(
            f"{shown}: not valid UTF-8 ({bad} bad byte sequence(s), the first {first}); "
            "read as UTF-8 with U+FFFD in their place"
        )
        return text
    import charset_normalizer  # imported only when a file needs it

    results = charset_normalizer.from_bytes(data, cp_isolation=list(NEWS_ENCODINGS))
    match = results.best()
    if match is not None:
        ties = [r for r in results if (r.chaos, r.coherence) == (match.chaos, match.coherence)]
        fits = {e for r in ties for e in (r.encoding, *r.could_be_from_charset)}
        encoding = next((e for e in _USUAL_ENCODINGS if e in fits), match.encoding)
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            pass
        else:
            warn(f"{shown}: not UTF-8 ({first}); read as {encoding}, the encoding detected")
            return text
    raise InputError(f"{shown}: not UTF-8 ({first}), and no other text encoding fits; convert it to UTF-8")


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """``(codec, text)`` when ``data`` is UTF-16 without a BOM: text in the Latin range has
    a zero byte in every other place, on one side only; else None."""
    if len(data) % 2 or len(data) < 4:
        return None
    even, odd = data[0::2], data[1::2]
    for codec, zeros, letters in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if zeros.count(0) * 2 >= len(zeros) and letters.count(0) == 0:
            try:
                return codec, data.decode(codec)
            except UnicodeDecodeError:
                return None
    return None


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
        except RecursionError:
            warn(f"{where}: JSON nested too deeply to read; fix or remove this line")
            continue
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            warn(f'{where}: expected a JSON object with a "text" string; fix or remove this line')
            continue
        if not record["text"].strip():
            warn(f'{where}: "text" is empty; line skipped')
            continue
        text, lone = _unicode(record["text"])
        if lone:
            warn(f'{where}: "text" holds {lone} lone surrogate escape(s) (not Unicode); read as U+FFFD')
        article_id = record.get("id")
        if isinstance(article_id, int) and not isinstance(article_id, bool):
            article_id = str(article_id)
        if article_id is not None and (not isinstance(article_id, str) or not article_id.strip()):
            warn(f'{where}: "id" {article_id!r} is not a non-empty string; using "{name}:{lineno}"')
            article_id = None
        if article_id is not None:
            article_id = _unicode(article_id)[0]
        meta = {k: record[k] for k in METADATA_KEYS if k in record}
        meta = {**defaults, **_clean_metadata(meta, where=where, warn=warn)}
        # the JSON string is the text as read: no newline translation inside it
        articles.append(article_from_text(text, id=article_id or f"{name}:{lineno}", path=shown, metadata=meta))
    return articles


# lxml, under trafilatura, stops reading a page this many levels of tags deep.
HTML_MAX_DEPTH = 255


def _article_from_html(
    html: str, *, id: str, path: str | None, shown: str, manifest_entry: Mapping[str, Any]
) -> Article:
    import trafilatura  # heavy: imported only when there is HTML to read

    try:
        text = trafilatura.extract(html, include_comments=False, include_tables=False, favor_recall=True)
    except Exception as err:  # hostile HTML must cost one file, never the run (RecursionError, parser errors)
        detail = " ".join(str(err).split())[:120]
        raise InputError(
            f"{shown}: trafilatura cannot read this HTML page ({type(err).__name__}{': ' if detail else ''}{detail}); "
            "skipped"
        ) from None
    if not text or not text.strip():
        if _too_deep(html):
            raise InputError(
                f"{shown}: no article text found: tags are nested more than {HTML_MAX_DEPTH} deep, and only "
                f"{HTML_MAX_DEPTH} levels can be read; skipped (save the article's text instead)"
            )
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


def _too_deep(html: str) -> bool:
    """Whether lxml gave up on ``html`` for nesting deeper than it reads."""
    import lxml.html  # type: ignore[import-untyped]  # trafilatura's parser

    parser = lxml.html.HTMLParser()
    try:
        lxml.html.document_fromstring(html, parser=parser)
    except Exception:  # an empty or unparsable document: not a question of depth
        return False
    return any("depth" in entry.message.lower() for entry in parser.error_log)


def _log_warning(message: str) -> None:
    LOGGER.warning("%s", message)


def read_sources(
    paths: Iterable[str | os.PathLike[str]],
    *,
    on_warning: Callable[[str], None] | None = None,
    max_bytes: int | None = MAX_BYTES,
) -> tuple[SourceDocument, ...]:
    """Source documents from JSON Lines files: one object per line with ``speaker`` and ``text``,
    and optionally ``id``, ``date`` (YYYY-MM-DD), ``channel`` (X, Telegram...) and ``url``.

    A bad line, or the encoding of a file that is not UTF-8, is reported through
    ``on_warning``; a missing, unreadable, binary or too large file raises ``InputError``.
    """
    warn = on_warning or _log_warning
    out: list[SourceDocument] = []
    for path in paths:
        shown = _printable(os.fspath(path))
        if not os.path.lexists(path):
            raise InputError(f"no such source file: {shown}")
        lines = _decode(_read_bytes(Path(path), shown, max_bytes), shown, warn).splitlines()
        for n, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except (json.JSONDecodeError, RecursionError) as err:
                reason = err.msg if isinstance(err, json.JSONDecodeError) else "nested too deeply"
                warn(f"{shown}:{n}: not valid JSON ({reason}); skipped")
                continue
            if (
                not isinstance(row, dict)
                or not isinstance(row.get("text"), str)
                or not isinstance(row.get("speaker"), str)
            ):
                warn(f"{shown}:{n}: a source needs 'speaker' and 'text' strings; skipped")
                continue
            source_id = _unicode(str(row.get("id") or f"source:{Path(shown).name}:{n}"))[0]
            meta = {k: row[k] for k in ("date", "url") if row.get(k)}
            if row.get("channel"):
                meta["outlet"] = row["channel"]
            text, lone = _unicode(row["text"])
            if lone:
                warn(f"{shown}:{n}: 'text' holds {lone} lone surrogate escape(s) (not Unicode); read as U+FFFD")
            article = article_from_text(text, id=source_id, path=shown, metadata=meta)
            channel = _unicode(row["channel"])[0] if isinstance(row.get("channel"), str) else None
            out.append(SourceDocument(article, _unicode(row["speaker"])[0], channel or None))
    return tuple(out)
