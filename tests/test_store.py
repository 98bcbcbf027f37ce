"""The corpus store (``quotetrace.store``), ``quotetrace add`` and ``trace --db``, and progress.

The store is the user's project file, so besides the round trip these tests kill
``quotetrace add`` at random points and run two of them at once, and check that the file
stays consistent and keeps every batch reported as stored.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import datetime as dt
import io
import json
import random
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from _factories import named_by_quotes
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import quotetrace as qt
import quotetrace.store as store_module
from quotetrace import cli as cli_module
from quotetrace.cli import cli
from quotetrace.errors import StoreError
from quotetrace.export import to_csv
from quotetrace.extract import Extraction, extract_quotes
from quotetrace.ingest import article_from_text
from quotetrace.model import QUOTE_KINDS, Article, Quote, Section, Span, Speaker
from quotetrace.pipeline import stored_trace, trace_store
from quotetrace.progress import Progress
from quotetrace.provenance import link_quotes
from quotetrace.store import (
    SCHEMA_VERSION,
    AddResult,
    Store,
    article_from_row,
    article_to_row,
    cluster_from_records,
    extractor_version,
    open_store,
    pack_extraction,
    quote_from_row,
    quote_to_row,
    speaker_from_row,
    speaker_to_row,
)

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def assert_one_error(result: Result) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.stderr
    return errors[0]


# --- rows: the model's dataclasses and back, exactly -------------------------------------------

# any text, lone surrogates (JSON input can hold them) and NUL included
TEXT = st.text() | st.text(st.characters(categories=["Cs", "Cc", "Lu", "Ll", "Zs", "Po", "Pi", "Pf"]))
MAYBE = st.none() | TEXT
DATES = st.none() | st.dates()
SPANS = st.none() | st.builds(Span, st.integers(0, 10**7), st.integers(0, 10**7), TEXT)
SECTIONS = st.builds(Section, st.integers(0, 10**6), st.integers(0, 10**6), st.sampled_from(["body", "related"]), TEXT)

QUOTES = st.builds(
    Quote,
    id=TEXT,
    article=TEXT,
    start=st.integers(0, 10**7),
    end=st.integers(0, 10**7),
    text=TEXT,
    kind=st.sampled_from(QUOTE_KINDS),
    speaker=MAYBE,
    speaker_mention=SPANS,
    cue=SPANS,
    channel=MAYBE,
    via=st.lists(TEXT, max_size=3).map(tuple),
    section=st.sampled_from(["body", "related"]),
    statement=MAYBE,
    truncated=st.booleans(),
    date=DATES,
    speech=st.booleans(),
)
SPEAKERS = st.builds(
    Speaker,
    TEXT,
    st.lists(TEXT, max_size=3).map(tuple),
    st.sampled_from(["person", "organization", "group", "unknown"]),
    MAYBE,
)
ARTICLES = st.builds(
    Article,
    id=TEXT,
    text=TEXT,
    path=MAYBE,
    title=MAYBE,
    outlet=MAYBE,
    agency=MAYBE,
    date=DATES,
    url=MAYBE,
    byline=MAYBE,
    sections=st.lists(SECTIONS, max_size=3).map(tuple),
)


def _through_json(row: object) -> object:
    return json.loads(json.dumps(row, ensure_ascii=False))


@given(QUOTES, SPEAKERS, ARTICLES)
def test_rows_rebuild_the_dataclasses_exactly(quote: Quote, speaker: Speaker, article: Article) -> None:
    assert quote_from_row(_through_json(quote_to_row(quote))) == quote  # type: ignore[arg-type]
    assert speaker_from_row(_through_json(speaker_to_row(speaker))) == speaker  # type: ignore[arg-type]
    assert article_from_row(_through_json(article_to_row(article))) == article  # type: ignore[arg-type]


@given(QUOTES)
def test_a_quote_read_for_linking_is_the_quote_without_what_linking_never_reads(quote: Quote) -> None:
    """``link_quote_from_row`` makes its quote field by field in order: every field lands in its place."""
    row = _through_json(quote_to_row(quote))
    lean = store_module.link_quote_from_row(row, quote.article, store_module._Dates())  # type: ignore[arg-type]
    assert lean == dataclasses.replace(quote, speaker_mention=None, cue=None, via=(), statement=None)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ARTICLES, st.lists(QUOTES, max_size=4), st.lists(SPEAKERS, max_size=3))
def test_the_store_gives_back_what_was_added(article: Article, quotes: list[Quote], speakers: list[Speaker]) -> None:
    extraction = Extraction(article.id, tuple(quotes), tuple(speakers))

    def extract(batch: Sequence[Article]) -> list[Extraction]:
        assert list(batch) == [article]
        return [extraction]

    with tempfile.TemporaryDirectory() as tmp, open_store(Path(tmp) / "s.db") as store:
        assert store.add([article], extract=extract) == AddResult(added=1)
        articles, extractions = store.corpus()
    assert articles == (article,)
    assert extractions == (extraction,)


# --- adding: new, unchanged, updated ---------------------------------------------------------


def _never(batch: Sequence[Article]) -> list[Extraction]:
    raise AssertionError(f"extracted {[a.id for a in batch]} again")


def test_re_adding_unchanged_articles_does_nothing(tmp_path: Path, seeds_dir: Path) -> None:
    articles = qt.read_articles(seeds_dir)
    db = tmp_path / "story.db"
    with open_store(db) as store:
        assert store.add(articles) == AddResult(added=5)
        changes = store._conn.total_changes
        assert store.add(articles, extract=_never) == AddResult(unchanged=5)
        assert store._conn.total_changes == changes  # not one row written
        assert store.count() == 5
        assert store.articles() == articles


def test_an_article_with_new_text_or_metadata_is_updated_in_place(tmp_path: Path, seeds_dir: Path) -> None:
    articles = qt.read_articles(seeds_dir)
    edited = Article(articles[1].id, articles[1].text + "\n\n“We are ready,” Mr Lee said.", path=articles[1].path)
    retitled = Article(**{**_fields(articles[2]), "title": "Another title"})
    moved = Article(**{**_fields(articles[3]), "path": "elsewhere/" + articles[3].id})
    with open_store(tmp_path / "story.db") as store:
        store.add(articles)
        result = store.add([edited, retitled, moved])
        assert result == AddResult(updated=2, unchanged=1)  # a new path alone is not a change
        stored = {a.id: a for a in store.articles()}
        assert stored[edited.id] == edited and stored[retitled.id] == retitled and stored[moved.id] == moved
        assert store.count() == 5
        ex = {e.article: e for e in store.extractions()}[edited.id]
        assert [q.text for q in ex.quotes][-1] == "We are ready,"


def _fields(article: Article) -> dict[str, object]:
    return {name: getattr(article, name) for name in Article.__slots__}


def test_with_an_engine_the_next_batch_is_read_while_one_is_extracted(tmp_path: Path, seeds_dir: Path) -> None:
    articles = qt.read_articles(seeds_dir)
    pulled: list[str] = []
    third_read = threading.Event()

    def stream() -> Iterator[Article]:
        for a in articles:
            pulled.append(a.id)
            if len(pulled) == 3:
                third_read.set()
            yield a

    def extract(batch: Sequence[Article]) -> list[Extraction]:
        if batch[0].id == articles[0].id:  # the first batch waits for the second to be read
            assert third_read.wait(10), "the next batch was not read while this one was extracted"
        return [extract_quotes(a) for a in batch]

    with open_store(tmp_path / "a.db") as streamed, open_store(tmp_path / "b.db") as plain:
        assert streamed.add(stream(), extract=extract, batch_size=2) == AddResult(added=5)
        assert plain.add(articles, batch_size=2) == AddResult(added=5)
        assert streamed.corpus() == plain.corpus()


def test_extractions_packed_where_they_are_made_are_stored_the_same(tmp_path: Path, seeds_dir: Path) -> None:
    """An engine's workers may send each article's rows (``pack_extraction``) instead of objects."""
    articles = qt.read_articles(seeds_dir)
    heard: list[tuple[str, int, int | None]] = []
    with open_store(tmp_path / "a.db") as packed, open_store(tmp_path / "b.db") as plain:
        added = packed.add(
            articles,
            extract=lambda batch: [pack_extraction(extract_quotes(a)) for a in batch],
            batch_size=2,
            on_progress=lambda *told: heard.append(told),
        )
        assert added == plain.add(articles, batch_size=2) == AddResult(added=5)
        assert packed.corpus() == plain.corpus()
        found = sum(len(ex.quotes) for ex in plain.extractions())
        assert ("quotes found", found, None) in heard


def test_a_failure_reading_keeps_the_batches_read_before_it(tmp_path: Path, seeds_dir: Path) -> None:
    articles = qt.read_articles(seeds_dir)

    def stream() -> Iterator[Article]:
        yield from articles[:3]
        raise OSError("the disk went away")

    for extract in (None, lambda batch: [extract_quotes(a) for a in batch]):
        with open_store(tmp_path / f"{extract is None}.db") as store:
            with pytest.raises(OSError, match="went away"):
                store.add(stream(), extract=extract, batch_size=2)
            assert [a.id for a in store.articles()] == [a.id for a in articles[:2]]  # the whole first batch


def test_a_failing_extraction_commits_nothing_of_its_batch(tmp_path: Path, seeds_dir: Path) -> None:
    articles = qt.read_articles(seeds_dir)

    def extract(batch: Sequence[Article]) -> list[Extraction]:
        if any(a.id == articles[3].id for a in batch):
            raise RuntimeError("worker died")
        return [extract_quotes(a) for a in batch]

    with open_store(tmp_path / "s.db") as store:
        with pytest.raises(RuntimeError, match="worker died"):
            store.add(articles, extract=extract, batch_size=2)
        assert [a.id for a in store.articles()] == [a.id for a in articles[:2]]


def test_the_same_text_under_two_ids_is_two_articles(tmp_path: Path) -> None:
    text = "“We are ready,” Mr Lee said on Sunday."
    with open_store(tmp_path / "s.db") as store:
        assert store.add([Article("a.txt", text), Article("b.txt", text)]) == AddResult(added=2)
        assert [a.id for a in store.articles()] == ["a.txt", "b.txt"]


def test_the_extractor_changes_with_the_extraction_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil
    from importlib import resources

    package = resources.files("quotetrace")
    copy = tmp_path / "quotetrace"
    for folder in ("extract", "data"):
        shutil.copytree(str(package.joinpath(folder)), copy / folder)
    monkeypatch.setattr(store_module.resources, "files", lambda name: copy)
    store_module._extraction_digest.cache_clear()
    before = extractor_version()
    with (copy / "extract" / "cues.py").open("a", encoding="utf-8") as fh:
        fh.write("\n# a changed rule\n")
    store_module._extraction_digest.cache_clear()
    after = extractor_version()
    store_module._extraction_digest.cache_clear()
    assert before != after


def test_another_extractor_s_results_are_extracted_again(tmp_path: Path, seeds_dir: Path) -> None:
    assert extractor_version(tagger="rules") != extractor_version(tagger="fast")
    articles = qt.read_articles(seeds_dir)
    with open_store(tmp_path / "s.db") as store:
        store.add(articles, tagger="rules")
        assert store.add(articles, tagger="rules", extract=_never) == AddResult(unchanged=5)
        tagged = store.extractions()  # asks for the tagger: extracted again, and stored
        assert tagged == tuple(qt.extract_quotes(a) for a in articles)
        assert store.add(articles, extract=_never) == AddResult(unchanged=5)
        assert store.add(articles, tagger="rules") == AddResult(reextracted=5)


# --- the file: schema version, migrations, errors -----------------------------------------------


def test_a_new_store_has_the_current_schema_in_wal_mode(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    open_store(db).close()
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (str(SCHEMA_VERSION),)
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert conn.execute("PRAGMA application_id").fetchone() == (store_module.APPLICATION_ID,)
    with open_store(db) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store._conn.execute("PRAGMA foreign_keys").fetchone() == (1,)


def test_an_older_store_is_migrated_in_order_keeping_its_articles(
    tmp_path: Path, seeds_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "s.db"
    with open_store(db) as store:
        store.add(qt.read_articles(seeds_dir))
    current = list(store_module.MIGRATIONS)

    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE articles ADD COLUMN added_at TEXT")
        conn.execute("SELECT * FROM no_such_table")

    monkeypatch.setattr(store_module, "MIGRATIONS", [*current, broken])
    with pytest.raises(StoreError, match="no such table"):
        open_store(db)
    with sqlite3.connect(db) as conn:  # rolled back whole: no column, still the version it was
        assert "added_at" not in [row[1] for row in conn.execute("PRAGMA table_info(articles)")]
        assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (str(SCHEMA_VERSION),)

    def add_column(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE articles ADD COLUMN added_at TEXT")

    def fill_it(conn: sqlite3.Connection) -> None:
        conn.execute("UPDATE articles SET added_at = 'before v3'")

    monkeypatch.setattr(store_module, "MIGRATIONS", [*current, add_column, fill_it])
    with open_store(db) as store:
        assert store.schema_version == SCHEMA_VERSION + 2
        assert store.count() == 5
        assert {r[0] for r in store._conn.execute("SELECT added_at FROM articles")} == {"before v3"}


@contextlib.contextmanager
def _store_of_schema(db: Path, version: int, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """A store opened by a quotetrace whose migrations end at schema ``version``."""
    with monkeypatch.context() as patch:
        patch.setattr(store_module, "MIGRATIONS", store_module.MIGRATIONS[:version])
        with open_store(db) as store:
            yield store


def test_a_version_1_store_gains_the_link_tables_and_traces_as_before(
    tmp_path: Path, seeds_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "s.db"
    with _store_of_schema(db, 1, monkeypatch) as store:
        store.add(qt.read_articles(seeds_dir))
        assert store.schema_version == 1
    with open_store(db) as store:
        assert store.schema_version == 6 == SCHEMA_VERSION
        assert store.prior_links() is None  # never linked: the first trace links everything
        assert trace_store(store).to_json() == qt.trace(seeds_dir).to_json()
        assert store.prior_links() is not None


def test_a_version_2_store_drops_its_verdicts_and_links_afresh(
    tmp_path: Path, seeds_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Schema 2 kept verdicts by generation, which cannot be split into clusters: the next trace links anew."""
    db = tmp_path / "s.db"
    with _store_of_schema(db, 2, monkeypatch) as store:
        store.add(qt.read_articles(seeds_dir))
        store._conn.execute("INSERT INTO linked VALUES ('x.txt', 'v', '{\"x.txt#0-9d\": [\"Lee\", 1]}')")
        store._conn.execute("INSERT INTO verdicts VALUES (1, 0, x'00')")
        store._set_meta("linker", store_module.linker_version())
    with open_store(db) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.prior_links() is None
        assert store._conn.execute("SELECT COUNT(*) FROM linked").fetchone() == (0,)
        assert trace_store(store).to_json() == qt.trace(seeds_dir).to_json()
        prior = store.prior_links()
        assert prior is not None and prior.clusters


@pytest.mark.parametrize(
    ("version", "verdicts"),
    [
        (3, "x'00'"),  # verdicts as JSON rows; schema 4 reads packed records
        (4, "NULL"),  # clusters joined by attribution conflicts; schema 5's are not
        (5, "NULL"),  # clusters without their records; schema 6 writes those out as they are
    ],
)
def test_a_version_3_to_5_store_drops_its_clusters_and_links_afresh(
    tmp_path: Path, seeds_dir: Path, monkeypatch: pytest.MonkeyPatch, version: int, verdicts: str
) -> None:
    """Clusters a later schema reads otherwise are dropped: the next trace links anew."""
    db = tmp_path / "s.db"
    with _store_of_schema(db, version, monkeypatch) as store:
        store.add(qt.read_articles(seeds_dir))
        store._conn.execute("INSERT INTO linked VALUES ('x.txt', 'v', '{\"x.txt#0-9d\": \"Lee\"}')")
        store._conn.execute(
            f"INSERT INTO clusters(quotes, assembled, verdicts) VALUES ('[\"x.txt#0-9d\"]', '{{}}', {verdicts})"
        )
        store._set_meta("linker", store_module.linker_version())
    with open_store(db) as store:
        assert store.schema_version == 6 == SCHEMA_VERSION
        assert store.prior_links() is None
        assert store._conn.execute("SELECT COUNT(*) FROM clusters").fetchone() == (0,)
        assert trace_store(store).to_json() == qt.trace(seeds_dir).to_json()
        prior = store.prior_links()
        assert prior is not None and prior.clusters


def test_a_clusters_verdicts_come_back_as_they_were_verified(tmp_path: Path, seeds_dir: Path) -> None:
    """What a store keeps of each cluster's verdicts is what linking verified: the same pairs and fields."""
    with open_store(tmp_path / "s.db") as store:
        store.add(qt.read_articles(seeds_dir))
        articles, extractions = store.corpus()
        prov = link_quotes([q for ex in extractions for q in ex.quotes], {a.id: a for a in articles}, record=True)
        store.save_links(prov)
        prior = store.prior_links()
        assert prior is not None
        back = []
        for c, local in prior.verdicts(prior.clusters):
            for k in range(len(local)):
                cmp = local.comparison(k)
                named = (*c.quotes, *c.partners)  # a conflict with another cluster names one of its quotes
                orig, rep = named[local.orig[k]], named[local.rep[k]]
                back.append((orig, rep, cmp.score, cmp.fidelity, cmp.a_start, cmp.a_end, cmp.coverage))
        verified = sorted(row for c in prov.clusters for row in c.verdicts)
        assert verified and sorted(back) == verified
        # each quote id is one string however many clusters, partners and links name it (millions at 100k)
        one = {qid: qid for c in prior.clusters for qid in c.quotes}
        assert any(c.partners for c in prior.clusters)
        assert all(qid is one[qid] for c in prior.clusters for qid in c.partners)
        whole = prior.assembled(prior.clusters)
        assert all(lk.source is one[lk.source] for c in whole for lk in (*c.links, *c.statement_links))
        assert all(qid is one[qid] for c in whole for st in c.statements for qid in st.quotes)
        # and the words a diff changed, which syndicated copies repeat
        edits = [e for c in whole for lk in (*c.links, *c.statement_links) for e in lk.diff]
        said: dict[str, str] = {}
        assert len(edits) > len({e.b_text for e in edits})
        assert all(said.setdefault(e.b_text, e.b_text) is e.b_text for e in edits)


def test_a_stores_clusters_are_read_whole_only_when_asked(tmp_path: Path, seeds_dir: Path) -> None:
    """An incremental trace reads what linking made of a cluster only for those it takes as they
    were; a store linked again meanwhile is a clear error, not a mixed trace."""
    with open_store(tmp_path / "s.db") as store:
        store.add(qt.read_articles(seeds_dir))
        linked = trace_store(store)
        prior = store.prior_links()
        assert prior is not None and prior.clusters
        assert all(not c.statements and not c.links and c.key is not None for c in prior.clusters)
        whole = prior.assembled(prior.clusters[::-1])
        assert [c.key for c in whole] == [c.key for c in prior.clusters[::-1]]
        assert {st.text for c in whole for st in c.statements} == {st.text for st in linked.statements}
        trace_store(store, relink=True)  # the rows are written anew
        with pytest.raises(StoreError, match="linked again while it was traced"):
            prior.assembled(prior.clusters)
        with pytest.raises(StoreError, match="linked again while it was traced"):
            list(prior.verdicts(prior.clusters))
        with pytest.raises(StoreError, match="linked again while it was traced"):
            store.cluster_records(prior.clusters)


def test_a_stores_clusters_keep_their_statements_and_links_as_the_json_writes_them(
    tmp_path: Path, seeds_dir: Path
) -> None:
    """The records a store keeps of each cluster are the trace's own JSON records, placed by the
    statements' ids and quotes and the links' ends: a trace that takes the cluster copies them."""
    with open_store(tmp_path / "s.db") as store:
        store.add(qt.read_articles(seeds_dir))
        written = trace_store(store).to_json().splitlines()
        prior = store.prior_links()
        assert prior is not None
        kept = store.cluster_records(prior.clusters[::-1])
        whole = prior.assembled(prior.clusters[::-1])
        for records, c in zip(kept, whole, strict=True):
            assert records.statements == [(st.id, list(st.quotes)) for st in c.statements]
            links = (*c.links, *c.statement_links)
            assert records.links == [(lk.source, lk.target) for lk in links]
            assert len(records.texts) == len(c.statements) + len(links)
        texts = [text for records in kept for text in records.texts]
        assert sorted(texts) == sorted(
            line.strip().rstrip(",")
            for line in written
            if line.startswith('  {"id":"S') or line.startswith('  {"source"')
        )


def test_a_store_from_a_newer_quotetrace_is_a_clear_error(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    open_store(db).close()
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match=rf"schema version 99, newer than this quotetrace reads \({SCHEMA_VERSION}\)"):
        open_store(db)
    error = assert_one_error(run("trace", "--db", str(db)))
    assert "newer" in error and str(db) in error


def test_files_that_are_not_stores_are_clear_errors(tmp_path: Path, seeds_dir: Path) -> None:
    text = tmp_path / "notes.db"
    text.write_text("not a database at all, just some words that go on for a while " * 5)
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    before = (text.read_bytes(), other.read_bytes())
    assert "not a quotetrace store (not an SQLite database" in assert_one_error(run("trace", "--db", str(text)))
    assert "an SQLite database but not a quotetrace store" in assert_one_error(
        run("add", str(seeds_dir), "--db", str(other))
    )
    folder = run("add", str(seeds_dir), "--db", str(tmp_path))
    assert folder.exit_code == 2 and "is a directory" in folder.stderr
    with pytest.raises(StoreError, match="is a folder: give the store's file"):
        open_store(tmp_path)
    missing = tmp_path / "no" / "such" / "s.db"
    assert "does not exist" in assert_one_error(run("add", str(seeds_dir), "--db", str(missing)))
    assert (text.read_bytes(), other.read_bytes()) == before  # never touched


def test_a_store_locked_too_long_is_a_clear_error(
    tmp_path: Path, seeds_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "s.db"
    open_store(db).close()
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process in the middle of a batch
    try:
        with open_store(db, timeout=0.2) as store, pytest.raises(StoreError, match=r"locked by another process"):
            store.add(qt.read_articles(seeds_dir))
        monkeypatch.setattr(cli_module, "open_store", lambda path: open_store(path, timeout=0.2))
        assert "locked by another process (waited 0.2 s)" in assert_one_error(
            run("add", str(seeds_dir), "--db", str(db))
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with open_store(db) as store:
        assert store.count() == 0


# --- the command ------------------------------------------------------------------------------


def test_add_then_trace_db_gives_the_json_of_tracing_the_files(tmp_path: Path, seeds_dir: Path) -> None:
    db = str(tmp_path / "story.db")
    files = sorted(str(p) for p in seeds_dir.glob("*.txt"))
    first = run("add", *files[:2], "--db", db)
    assert first.exit_code == 0, first.output
    assert first.stdout == "added 2, unchanged 0, updated 0 (store: 2 articles)\n"
    assert first.stderr == ""  # no progress when stderr is not a terminal
    # trace --db PATH... adds the paths first; the rest of the story arrives later
    partial = run("trace", "--db", db, *files[2:4], "--format", "json")
    assert partial.exit_code == 0, partial.output
    assert partial.stdout == run("trace", *files[:4], "--format", "json").stdout
    again = run("add", str(seeds_dir), "--db", db)
    assert again.stdout == "added 1, unchanged 4, updated 0 (store: 5 articles)\n"
    stored = run("trace", "--db", db, "--format", "json")
    assert stored.exit_code == 0, stored.output
    assert json.loads(stored.stdout)["articles"]
    # the same trace, but that a statement keeps the id it had in the trace before
    whole = run("trace", str(seeds_dir), "--format", "json").stdout
    assert stored.stdout != whole
    assert named_by_quotes(stored.stdout) == named_by_quotes(whole)
    before = {tuple(st["quotes"]): st["id"] for st in json.loads(partial.stdout)["statements"]}
    after = json.loads(stored.stdout)["statements"]
    assert [st["id"] for st in after if tuple(st["quotes"]) in before] == [
        before[tuple(st["quotes"])] for st in after if tuple(st["quotes"]) in before
    ]
    # the store remembers the highest number it gave: an id it gave is never given to a new statement
    given = {int(sid[1:]) for sid in before.values()}
    new = [int(st["id"][1:]) for st in after if st["id"] not in before.values()]
    assert new and min(new) > max(given)
    assert run("trace", "--db", db, "--relink", "--format", "json").stdout == whole


def test_add_extracts_in_processes_with_jobs(tmp_path: Path, seeds_dir: Path) -> None:
    db = str(tmp_path / "story.db")
    added = run("add", str(seeds_dir), "--db", db, "--jobs", "2", "--batch-size", "2")
    assert added.exit_code == 0, added.output
    assert added.stdout == "added 5, unchanged 0, updated 0 (store: 5 articles)\n"
    stored = run("trace", "--db", db, "--format", "json")
    assert stored.stdout == run("trace", str(seeds_dir), "--format", "json").stdout
    bad = run("add", str(seeds_dir), "--db", db, "--jobs", "2", "--engine", "dask", "--workers", "1")
    assert bad.exit_code == 2  # --jobs belongs to the local engine, as for trace


def test_clusters_go_to_records_and_back(seeds_dir: Path) -> None:
    """A cluster kept as its JSON records (``records`` rows) is read back equal, but for its verdicts,
    which are kept beside it: nothing the records leave out or round (scores) is lost."""
    articles = qt.read_articles(seeds_dir)
    extractions = [extract_quotes(a) for a in articles]
    prov = link_quotes([q for ex in extractions for q in ex.quotes], {a.id: a for a in articles}, record=True)
    assert any(c.links and c.statement_links for c in prov.clusters) and any(c.partners for c in prov.clusters)
    quotes, dated = {q.id: q for q in prov.quotes}, {a.id: a for a in articles}
    for c in prov.clusters:
        row = store_module.records_to_row(store_module.cluster_records(c, quotes, dated))
        back = cluster_from_records(store_module.records_from_row(*row), quotes=c.quotes, key=7, partners=c.partners)
        assert back == dataclasses.replace(c, verdicts=(), key=7)


def _clusters(store: Store) -> dict[int, set[tuple[str, str]]]:
    """Each stored cluster's id with the pairs verified in it."""
    found = {}
    for key, quotes, data in store._conn.execute("SELECT id, quotes, verdicts FROM clusters"):
        ids = json.loads(quotes)
        local = store_module.verdicts_from_blob(data) if data else None
        found[key] = set() if local is None else {(ids[o], ids[r]) for o, r in zip(local.orig, local.rep, strict=True)}
    return found


def test_tracing_a_store_again_verifies_only_what_is_new(tmp_path: Path, seeds_dir: Path) -> None:
    articles = qt.read_articles(seeds_dir)
    with open_store(tmp_path / "s.db") as store:
        store.add(articles[:3])
        assert trace_store(store).to_json() == qt.trace(list(articles[:3])).to_json()
        first = _clusters(store)
        assert any(first.values())

        class NoPairs:  # nothing new: no blocking, nothing to verify, nothing written
            def verified_pairs(self, table: object, **_: object) -> object:
                raise AssertionError("an engine was asked for pairs with no fresh quote")

        assert trace_store(store, engine=NoPairs()).to_json() == qt.trace(list(articles[:3])).to_json()  # type: ignore[arg-type]
        assert _clusters(store) == first
        store.add(articles)
        prior = store.prior_links()
        assert prior is not None
        assert {qid.rpartition("#")[0] for qid in prior.speakers} == {a.id for a in articles[:3]}
        # the statements keep the ids they had (see ``link_quotes``): the rest is the files' trace
        assert named_by_quotes(trace_store(store).to_json()) == named_by_quotes(qt.trace(list(articles)).to_json())
        second = _clusters(store)
        kept, made = second.keys() & first.keys(), second.keys() - first.keys()
        assert kept and made  # clusters no new article reaches stay as they were
        fresh = {a.id for a in articles[3:]}
        old_pairs = set().union(*first.values())
        new_pairs = set().union(*(second[k] for k in made)) - old_pairs
        assert new_pairs and all({o.rpartition("#")[0], r.rpartition("#")[0]} & fresh for o, r in new_pairs)
        # an article given another date is linked afresh (the date orders its quotes)
        moved = dataclasses.replace(articles[0], date=dt.date(2024, 1, 1))
        store.add([moved])
        prior = store.prior_links()
        assert prior is not None and not any(qid.startswith(moved.id + "#") for qid in prior.speakers)
        expected = qt.trace([moved, *articles[1:]]).to_json()
        assert named_by_quotes(trace_store(store).to_json()) == named_by_quotes(expected)
        assert max(_clusters(store)) > len(_clusters(store))  # clusters were replaced
        before = max(_clusters(store))
        assert trace_store(store, relink=True).to_json() == expected
        assert min(_clusters(store)) > before  # relinked: every cluster anew, under ids never used before


def _stored_json(store: Store, **options: Any) -> str:
    return "".join(stored_trace(store, **options).iter_json())


def test_a_stored_trace_writes_the_json_of_trace_store(tmp_path: Path, seeds_dir: Path) -> None:
    first, *others = qt.read_articles(seeds_dir)
    articles = [dataclasses.replace(first, outlet="Reuters"), *others]  # an outlet, which CSV rows name
    sources = tmp_path / "posts.jsonl"
    sources.write_text(json.dumps({"speaker": "Volodymyr Zelensky", "text": "There will undoubtedly be more."}) + "\n")
    with open_store(tmp_path / "lean.db") as lean, open_store(tmp_path / "whole.db") as whole:
        for store in (lean, whole):
            store.add(articles[:3])
        assert _stored_json(lean) == trace_store(whole).to_json() == qt.trace(list(articles[:3])).to_json()
        t = stored_trace(lean)  # what it holds: the quotes without their spans
        assert t.stored == len(t.quotes) and all(q.speaker_mention is None and q.cue is None for q in t.quotes)
        for store in (lean, whole):
            store.add(articles)
        # built on the links kept by the first trace, the same way
        assert _stored_json(lean) == trace_store(whole).to_json()
        assert named_by_quotes(_stored_json(lean)) == named_by_quotes(qt.trace(list(articles)).to_json())
        # nothing new since: every cluster is taken as it was, its records copied into the JSON, its links
        # read whole for the CSV
        again = stored_trace(lean)
        assert again.kept and not again.statements
        assert "".join(again.iter_json()) == trace_store(whole).to_json()
        assert "".join(stored_trace(lean).iter_csv()) == to_csv(trace_store(whole))
        with_post = _stored_json(lean, sources=[sources], relink=True)
        assert with_post == trace_store(whole, sources=[sources], relink=True).to_json()
        assert with_post == qt.trace(list(articles), sources=[sources]).to_json()
        assert json.loads(with_post)["articles"][-1]["id"] == json.loads(with_post)["quotes"][-1]["article"]
        csv_post = "".join(stored_trace(lean, sources=[sources], relink=True).iter_csv())
        assert csv_post == to_csv(qt.trace(list(articles), sources=[sources]))
        rows = list(csv.reader(io.StringIO(csv_post)))
        assert len(rows) == len(json.loads(with_post)["quotes"]) + 1 and rows[1][2] == "Reuters"


def test_a_store_changed_while_its_trace_is_written_is_a_clear_error(tmp_path: Path, seeds_dir: Path) -> None:
    articles = qt.read_articles(seeds_dir)
    with open_store(tmp_path / "s.db") as store:
        store.add(articles)
        t = stored_trace(store)
        store.add([dataclasses.replace(articles[1], text=articles[1].text + "\nA new paragraph.")])
        with pytest.raises(StoreError, match="changed while it was traced"):
            "".join(t.iter_json())
    db = str(tmp_path / "s.db")
    with open_store(db) as store:
        store._conn.execute("DELETE FROM articles WHERE id = ?", (articles[2].id,))
        t = stored_trace(store)
        store._conn.execute("DELETE FROM articles WHERE id = ?", (articles[3].id,))
        with pytest.raises(StoreError, match=f"article {articles[3].id}"):
            "".join(t.iter_json())


def test_an_article_whose_extraction_changes_while_read_is_extracted_in_memory(
    tmp_path: Path, seeds_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    articles = qt.read_articles(seeds_dir)
    with open_store(tmp_path / "s.db") as store:
        store.add(articles)
        # another process stores another extractor's rows between the stale check and the read
        monkeypatch.setattr(Store, "_extract_stale", lambda self, **_: extractor_version())
        store._conn.execute("UPDATE extractions SET extractor = 'another' WHERE article = ?", (articles[0].id,))
        t = stored_trace(store, relink=True)
        assert list(t.corpus.in_memory) == [articles[0].id]
        assert "".join(t.iter_json()) == qt.trace(list(articles)).to_json()


def _unscored(trace_json: str) -> dict[str, Any]:
    """A trace's JSON without the links' scores, its statements named by their quotes."""
    data = named_by_quotes(trace_json)
    for link in data["links"]:
        del link["score"]
    return data


def test_trace_db_takes_the_same_options_as_trace(tmp_path: Path, seeds_dir: Path) -> None:
    db = str(tmp_path / "story.db")
    assert run("add", str(seeds_dir), "--db", db, "--rules-only").exit_code == 0
    rules = run("trace", "--db", db, "--rules-only", "--format", "json")
    assert rules.stdout == run("trace", str(seeds_dir), "--rules-only", "--format", "json").stdout
    sources = tmp_path / "posts.jsonl"
    sources.write_text(json.dumps({"speaker": "Volodymyr Zelensky", "text": "There will undoubtedly be more."}) + "\n")
    with_source = run("trace", "--db", db, "--source", str(sources), "--format", "json", "--rules-only")
    from_files = run("trace", str(seeds_dir), "--source", str(sources), "--format", "json", "--rules-only").stdout
    # the clusters the post does not reach are taken as linked before, scored with the word weights of then
    assert _unscored(with_source.stdout) == _unscored(from_files) and with_source.stdout != from_files
    relinked = run("trace", "--db", db, "--source", str(sources), "--format", "json", "--rules-only", "--relink")
    assert relinked.stdout == from_files
    focused = run("trace", "--db", db, "--rules-only", "--format", "dot", "--speaker", "Zelensky")
    assert focused.exit_code == 0 and "digraph" in focused.stdout
    assert "refusing to overwrite the store" in assert_one_error(run("trace", "--db", db, "-o", db, "-f", "json"))
    with open_store(db) as store:
        assert _unscored(trace_store(store, tagger="rules").to_json()) == _unscored(rules.stdout)
        assert trace_store(store, tagger="rules", relink=True).to_json() == rules.stdout


def test_add_reports_skipped_inputs_like_trace(tmp_path: Path, seeds_dir: Path) -> None:
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "one.txt").write_text("“We are ready,” Mr Lee said on Sunday.")
    db = str(tmp_path / "s.db")
    result = run("add", str(tmp_path / "empty.txt"), str(tmp_path / "one.txt"), "--db", db)
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("Warning: ") and "empty.txt" in result.stderr
    assert result.stdout == "added 1, unchanged 0, updated 0 (store: 1 articles)\n"
    quiet = run("add", str(tmp_path / "empty.txt"), str(tmp_path / "one.txt"), "--db", db, "-q")
    assert quiet.stderr == "" and quiet.stdout == "added 0, unchanged 1, updated 0 (store: 1 articles)\n"
    assert "empty" in assert_one_error(run("add", str(tmp_path / "empty.txt"), "--db", db))
    assert "there is no store" in assert_one_error(run("trace", "--db", str(tmp_path / "new.db")))
    assert not (tmp_path / "new.db").exists()
    open_store(tmp_path / "empty.db").close()
    assert "holds no articles" in assert_one_error(run("trace", "--db", str(tmp_path / "empty.db")))
    missing = run("trace")
    assert missing.exit_code == 2 and "Missing argument 'PATH...'" in missing.stderr
    assert run("add", str(seeds_dir)).exit_code == 2  # --db is required


def test_verbose_add_reports_each_committed_batch(tmp_path: Path, seeds_dir: Path) -> None:
    result = run("add", str(seeds_dir), "--db", str(tmp_path / "s.db"), "--batch-size", "2", "-v")
    assert result.stderr.splitlines() == [f"stored {n} articles" for n in (2, 4, 5)]


# --- progress ---------------------------------------------------------------------------------


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_draws_one_line_on_a_terminal_only() -> None:
    pipe = io.StringIO()
    progress = Progress(pipe)
    for n in range(1000):
        progress("articles stored", n, 1000)
    progress.close()
    assert pipe.getvalue() == ""
    assert Progress(_Terminal(), enabled=False).enabled is False  # --quiet

    term = _Terminal()
    with Progress(term, interval=3600) as progress:
        for n in range(1, 1001):
            progress("articles stored", n, 1000)
            progress("quotes found", 7 * n, None)
        assert progress.line() == "articles stored: 1,000/1,000 · quotes found: 7,000"
    drawn = term.getvalue()
    assert "\n" not in drawn
    assert drawn.count("\r") == 4  # once per new stage, then throttled; then the line is blanked
    assert drawn.endswith("\r") and drawn.split("\r")[-2].strip() == ""


def test_the_pipeline_and_the_store_report_progress(tmp_path: Path, seeds_dir: Path) -> None:
    heard: list[tuple[str, int, int | None]] = []
    t = qt.trace(seeds_dir, on_progress=lambda *event: heard.append(event))
    assert ("files read", 5, 5) in heard and ("articles extracted", 5, 5) in heard
    assert ("quotes found", len(t.quotes), None) in heard
    heard.clear()
    with open_store(tmp_path / "s.db") as store:
        store.add(qt.read_articles(seeds_dir), batch_size=3, on_progress=lambda *event: heard.append(event))
    assert [e for e in heard if e[0] == "articles stored"] == [("articles stored", 3, 5), ("articles stored", 5, 5)]


def test_progress_is_silent_when_stderr_is_not_a_terminal(tmp_path: Path, seeds_dir: Path) -> None:
    # a real process whose stderr is a pipe: nothing but the result
    proc = subprocess.run(
        [sys.executable, "-m", "quotetrace", "add", str(seeds_dir), "--db", str(tmp_path / "s.db")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert proc.stdout == "added 5, unchanged 0, updated 0 (store: 5 articles)\n"


# --- kill-safety and two writers (issue 7, part 4) ------------------------------------------

NAMES = ("Lee", "Kim", "Park", "Smith", "Jones", "Garcia", "Okafor", "Novak")
WORDS = (
    "the ministry will review plans for a new bridge across the river after talks with officials "
    "on sunday and monday about the budget that voters rejected in march"
).split()


def _corpus(folder: Path, n: int = 300, seed: int = 7) -> list[Path]:
    """``n`` small articles of quotes and reported speech, the same for a seed."""
    rng = random.Random(seed)
    folder.mkdir()
    files = []
    for i in range(n):
        paras = []
        for _ in range(5):
            said = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14)))
            paras.append(f"“{said.capitalize()},” Mr {rng.choice(NAMES)} said on {rng.choice(('Monday', 'Friday'))}.")
            paras.append(f"{rng.choice(NAMES)} told reporters that {' '.join(rng.sample(WORDS, 8))}.")
        file = folder / f"a{i:03d}.txt"
        file.write_text(f"Story {i}\n\n" + "\n\n".join(paras) + "\n", encoding="utf-8")
        files.append(file)
    return files


def _add(db: Path, paths: Sequence[Path | str], *extra: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "quotetrace", "add", *map(str, paths), "--db", str(db), *extra]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)


def _check_consistent(db: Path) -> set[str]:
    """The file passes SQLite's checks, and every article has its extraction; the stored ids."""
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        orphans = conn.execute(
            "SELECT a.id FROM articles a LEFT JOIN extractions e ON e.article = a.id WHERE e.article IS NULL"
        ).fetchall()
        assert orphans == []
        return {row[0] for row in conn.execute("SELECT id FROM articles")}


def test_a_killed_add_keeps_every_reported_batch_and_a_rerun_finishes(tmp_path: Path) -> None:
    files = _corpus(tmp_path / "story")
    ids = [f.name for f in files]  # the order add reads them in: by path
    db = tmp_path / "story.db"
    rng = random.Random(20261122)
    killed = 0
    for _ in range(5):
        present = _check_consistent(db) if db.exists() else set()
        # let it store up to a random batch past what the store holds, then kill it within the next batch:
        # while it extracts, while it writes, or while it commits
        target = len(present) + rng.randrange(0, 50, 10)
        proc = _add(db, [tmp_path / "story"], "--batch-size", "10", "-v")
        assert proc.stderr is not None
        reported = 0
        for line in proc.stderr:
            if m := re.fullmatch(r"stored (\d+) articles\n", line):
                reported = int(m[1])
            if reported >= target:
                break
        time.sleep(rng.uniform(0, 0.08))  # a batch of 10 takes about 50 ms
        if proc.poll() is None:
            killed += 1
        proc.send_signal(signal.SIGKILL)
        _, rest = proc.communicate(timeout=60)
        reported = max([reported, *map(int, re.findall(r"^stored (\d+) articles$", rest, re.MULTILINE))])
        present = _check_consistent(db)
        assert set(ids[:reported]) <= present, f"reported {reported} stored, {len(present)} present"
    assert killed >= 3
    finish = _add(db, [tmp_path / "story"])
    out, err = finish.communicate(timeout=120)
    assert finish.returncode == 0, err
    assert out.endswith("(store: 300 articles)\n")
    assert _check_consistent(db) == set(ids)
    with open_store(db) as store:
        articles, extractions = store.corpus()
    assert articles == qt.read_articles([tmp_path / "story"])
    assert extractions == tuple(qt.extract_quotes(a) for a in articles)


def test_stores_opened_while_another_creates_them_are_never_taken_for_other_files(tmp_path: Path) -> None:
    """Opening reads the file's header and its tables in one transaction: read apart, a store created
    between the two reads looked like someone else's SQLite file (about 1 in 20 rounds here)."""
    errors: list[str] = []

    def open_it(db: Path) -> None:
        try:
            with open_store(db):
                pass
        except StoreError as err:
            errors.append(str(err))

    for k in range(200):
        threads = [threading.Thread(target=open_it, args=(tmp_path / f"s{k}.db",)) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not [e for e in errors if "not a quotetrace store" in e]


def test_two_processes_adding_overlapping_articles_at_once(tmp_path: Path) -> None:
    files = _corpus(tmp_path / "story", n=240, seed=11)
    db = tmp_path / "story.db"  # created by both at once, too
    first, second = _add(db, files[:160], "--batch-size", "10"), _add(db, files[80:], "--batch-size", "10")
    results = []
    for proc, n in ((first, 160), (second, 160)):
        out, err = proc.communicate(timeout=120)
        if proc.returncode != 0:  # allowed: a clear one-line error, and nothing lost
            assert re.fullmatch(r"Error: .*locked.*\n", err), err
            continue
        counts = re.fullmatch(r"added (\d+), unchanged (\d+), updated (\d+) \(store: \d+ articles\)\n", out)
        assert counts, out
        added, unchanged, updated = map(int, counts.groups())
        assert (added + unchanged, updated) == (n, 0)
        results.append(added)
    assert results, "both processes failed"
    present = _check_consistent(db)
    if len(results) == 2:
        assert sum(results) == 240  # each overlapping article added by exactly one of them
        assert present == {f.name for f in files}
    with open_store(db) as store:
        assert store.count() == len(present)


def test_a_read_only_store_still_traces_with_a_warning(tmp_path: Path, seeds_dir: Path) -> None:
    db = tmp_path / "s.db"
    with open_store(db) as store:
        store.add(qt.read_articles(seeds_dir))
    heard: list[str] = []
    with open_store(db) as store:
        store._conn.execute("PRAGMA query_only = ON")  # as a file the user may read but not write
        assert trace_store(store, on_warning=heard.append).to_json() == qt.trace(seeds_dir).to_json()
    assert len(heard) == 1 and "the links were not kept" in heard[0] and str(db) in heard[0]


def test_links_of_articles_named_with_odd_bytes_are_kept(tmp_path: Path) -> None:
    """A file name that is not UTF-8 becomes an id with lone surrogates: its verdicts are kept all the same."""
    said = "“We will organise the exchange of prisoners next week,” Mr Lee said on Sunday."
    first = article_from_text(said, id="caf\udce9.txt")
    second = article_from_text("In Seoul, " + said, id="b.txt")
    with open_store(tmp_path / "s.db") as store:
        store.add([first])
        trace_store(store)
        store.add([second])
        prior = store.prior_links()
        assert prior is not None and all(qid.startswith("caf\udce9.txt#") for qid in prior.speakers)
        again = trace_store(store)
        assert again.to_json() == qt.trace([first, second]).to_json()
        assert len(again.statements) == 1
        kept = store.prior_links()
        assert kept is not None and any(
            "caf\udce9.txt#1-54d" in (c.quotes[o], c.quotes[r])
            for c, local in kept.verdicts(kept.clusters)
            for o, r in zip(local.orig, local.rep, strict=True)
        )
