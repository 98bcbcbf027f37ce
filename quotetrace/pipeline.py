"""The whole pipeline in one call: paths -> articles -> quotes -> statements -> ``Trace``.

Each stage is a plain function a notebook user can also call alone; ``trace`` only
strings them together and collects the warnings of each.
"""

from __future__ import annotations

import dataclasses
import heapq
import logging
import os
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from itertools import chain
from typing import IO, Any, TypeVar

from quotetrace.engine import Engine, LocalEngine
from quotetrace.errors import NoArticlesError, StoreError
from quotetrace.export import Written, iter_csv_parts, iter_json_parts
from quotetrace.extract import Extraction, TaggerName, extract_source
from quotetrace.extract.speakers import merge_speakers
from quotetrace.ingest import MAX_BYTES, read_articles, read_sources
from quotetrace.memory import collector_paused, release
from quotetrace.model import Article, Link, Quote, SourceDocument, Speaker, Statement, Trace, with_linking
from quotetrace.progress import OnProgress
from quotetrace.provenance import Cluster, Dated, PriorLinks, Provenance, link_quotes, reading_key
from quotetrace.semantic import Embedder, load_embedder
from quotetrace.store import LinkCorpus, Store, StoredArticle, open_store

LOGGER = logging.getLogger(__name__)

PathLike = str | os.PathLike[str]


@collector_paused()
def trace(
    inputs: PathLike | Iterable[PathLike] | Sequence[Article],
    *,
    stdin: IO[str] | IO[bytes] | None = None,
    on_warning: Callable[[str], None] | None = None,
    sources: Iterable[PathLike] | Sequence[SourceDocument] = (),
    semantic: bool | Embedder = False,
    max_bytes: int | None = MAX_BYTES,
    tagger: TaggerName = "fast",
    on_progress: OnProgress | None = None,
    engine: Engine | None = None,
) -> Trace:
    """Trace the quotes in ``inputs`` back to the statements they reproduce.

    ``inputs`` is a path, a list of paths (files, folders, glob patterns, ``-`` for
    stdin) or a list of ``Article`` objects already read. ``sources`` are JSON Lines
    files of primary evidence (the original post's text, see ``ingest.read_sources``) or
    ``SourceDocument`` objects: each becomes the origin of the statement it matches.
    ``semantic=True`` links reported speech by meaning too (needs the ``semantic`` extra;
    see ``quotetrace.semantic``); an ``Embedder`` object may be given instead. Input files
    larger than ``max_bytes`` (50 MB; None for no limit) are skipped with a warning.
    ``tagger`` is the learned tagger stacked on the rules: ``"fast"`` (the default),
    ``"contextual"`` (MiniLM reads each sentence: more attributions found, about half a second
    an article; the ``semantic`` extra, see ``extract.contextual``) or ``"rules"`` (the rules
    alone: about three times faster, and blind to the attributions no rule describes).
    ``on_progress(stage, done, total)`` hears how far the work is: files read, articles
    extracted, quotes found, pairs verified (see ``quotetrace.progress``). ``engine`` runs
    extraction and linking: ``LocalEngine(jobs=N)`` (the default, in this process) or
    ``DaskEngine`` (see ``quotetrace.engine``); the result is the same on every engine.

    >>> import quotetrace as qt
    >>> t = qt.trace("seeds/")  # doctest: +SKIP
    >>> t.statements[0].origin  # doctest: +SKIP
    """
    warnings, warn = _collector(on_warning)

    if isinstance(inputs, str | os.PathLike):
        articles = read_articles([inputs], stdin=stdin, on_warning=warn, max_bytes=max_bytes, on_progress=on_progress)
    else:
        items = list(inputs)
        if items and all(isinstance(a, Article) for a in items):
            articles = tuple(a for a in items if isinstance(a, Article))
        else:
            paths = [p for p in items if not isinstance(p, Article)]
            articles = read_articles(paths, stdin=stdin, on_warning=warn, max_bytes=max_bytes, on_progress=on_progress)
    engine = engine or LocalEngine()
    extractions = engine.extract(articles, tagger=tagger, on_progress=on_progress)
    docs = _source_documents(sources, warn, max_bytes)
    if docs:
        articles = (*articles, *(d.article for d in docs))
        extractions = [*extractions, *(extract_source(d) for d in docs)]
    embedder = (load_embedder() if semantic is True else semantic) or None
    return assemble(
        articles,
        extractions,
        warnings=warnings,
        primary={d.article.id for d in docs},
        semantic=embedder,
        engine=engine,
        on_progress=on_progress,
    )


def _source_documents(
    sources: Iterable[PathLike] | Sequence[SourceDocument], warn: Callable[[str], None], max_bytes: int | None
) -> list[SourceDocument]:
    given = list(sources)
    docs = [d for d in given if isinstance(d, SourceDocument)]
    source_paths = [p for p in given if not isinstance(p, SourceDocument)]
    if source_paths:
        docs.extend(read_sources(source_paths, on_warning=warn, max_bytes=max_bytes))
    return docs


def _collector(on_warning: Callable[[str], None] | None) -> tuple[list[str], Callable[[str], None]]:
    """A list of warnings, and the callback that adds to it and passes each on (to ``on_warning``,
    else to the log)."""
    warnings: list[str] = []

    def warn(message: str) -> None:
        warnings.append(message)
        if on_warning is not None:
            on_warning(message)
        else:
            LOGGER.warning("%s", message)

    return warnings, warn


def _keep_links(
    store: Store, prov: Provenance, tagger: TaggerName, prior: PriorLinks | None, warn: Callable[[str], None]
) -> None:
    """Keep what linking found in ``store`` for the next trace; a read-only store still traces."""
    try:
        store.save_links(prov, tagger=tagger, prior=prior)
    except StoreError as err:  # the next trace of the store links everything again
        warn(f"{err}: the links were not kept, and the next trace of the store will link everything again")


@collector_paused()
def trace_store(
    store: Store | PathLike,
    *,
    on_warning: Callable[[str], None] | None = None,
    sources: Iterable[PathLike] | Sequence[SourceDocument] = (),
    semantic: bool | Embedder = False,
    max_bytes: int | None = MAX_BYTES,
    tagger: TaggerName = "fast",
    on_progress: OnProgress | None = None,
    engine: Engine | None = None,
    relink: bool = False,
) -> Trace:
    """Trace every article in a corpus store (``quotetrace.store``): the ``Trace`` that ``trace``
    gives on the same articles, without extracting them again, and linking incrementally.

    ``store`` is an open ``Store`` or the path of one. Articles the store holds from another
    extractor (another quotetrace version, or another ``tagger``)
    are extracted again, and stored. ``sources``, ``semantic`` and ``max_bytes`` (for the
    source files) are as for ``trace``; ``engine`` finds and verifies the candidate pairs.

    The store keeps each group of linked quotes as linking assembled it, and the next
    ``trace_store`` verifies only the pairs of quotes that are new since (or whose speaker
    changed) and assembles again only the groups they reach. A group taken whole keeps the scores
    it was given, and old quotes keep the probes of the smaller corpus, so the result can differ
    from a full linking (see ``provenance.PriorLinks``), and each statement keeps the id it had (see
    ``provenance.link_quotes``); ``relink=True`` links everything afresh, numbers the statements
    from ``S1``, and its result is exactly ``trace``'s.

    >>> from quotetrace.store import open_store
    >>> with open_store("story.db") as store:  # doctest: +SKIP
    ...     store.add(qt.read_articles("seeds/"))
    ...     t = trace_store(store)
    """
    warnings, warn = _collector(on_warning)

    if not isinstance(store, Store):
        with open_store(store) as opened:
            return trace_store(
                opened,
                on_warning=on_warning,
                sources=sources,
                semantic=semantic,
                max_bytes=max_bytes,
                tagger=tagger,
                on_progress=on_progress,
                engine=engine,
                relink=relink,
            )
    articles, extractions = store.corpus(tagger=tagger, on_progress=on_progress)
    if not articles:
        raise NoArticlesError(f"the store {store.path} holds no articles: add some with 'quotetrace add PATH... --db'")
    docs = _source_documents(sources, warn, max_bytes)
    all_articles = (*articles, *(d.article for d in docs))
    all_extractions = (*extractions, *(extract_source(d) for d in docs))
    embedder = (load_embedder() if semantic is True else semantic) or None
    prior = None if relink else store.prior_links(tagger=tagger)
    result, prov = _assembled(
        all_articles,
        all_extractions,
        warnings=warnings,
        primary={d.article.id for d in docs},
        semantic=embedder,
        engine=engine,
        on_progress=on_progress,
        prior=prior,
        record=True,
    )
    _keep_links(store, prov, tagger, prior, warn)
    return result


def assemble(
    articles: Sequence[Article],
    extractions: Sequence[Extraction],
    *,
    warnings: Sequence[str] = (),
    primary: Collection[str] = (),
    semantic: Embedder | None = None,
    engine: Engine | None = None,
    on_progress: OnProgress | None = None,
) -> Trace:
    """Join per-article extractions into one ``Trace``: corpus-wide speakers, statements, links.

    ``primary`` names the articles that are user-supplied source documents; ``engine`` finds and
    verifies the candidate pairs (in this process by default), telling ``on_progress`` of them.
    """
    return _assembled(
        articles,
        extractions,
        warnings=warnings,
        primary=primary,
        semantic=semantic,
        engine=engine,
        on_progress=on_progress,
    )[0]


def _assembled(
    articles: Sequence[Article],
    extractions: Sequence[Extraction],
    *,
    warnings: Sequence[str] = (),
    primary: Collection[str] = (),
    semantic: Embedder | None = None,
    engine: Engine | None = None,
    on_progress: OnProgress | None = None,
    prior: PriorLinks | None = None,
    record: bool = False,
) -> tuple[Trace, Provenance]:
    """``assemble``, building on what an earlier linking found (``prior``), with the linking's
    own record (``Provenance``; its verdicts and clusters when ``record``, what a store keeps for
    the next run)."""
    speakers, _, prov = _linked(
        {a.id: a for a in articles},
        list(extractions),
        primary=primary,
        semantic=semantic,
        engine=engine,
        on_progress=on_progress,
        prior=prior,
        record=record,
    )
    trace = Trace(tuple(articles), prov.quotes, tuple(speakers), prov.statements, prov.links, tuple(warnings))
    return trace, prov


def _linked(
    articles: Mapping[str, Dated],
    extractions: list[Extraction],
    *,
    primary: Collection[str],
    semantic: Embedder | None,
    engine: Engine | None,
    on_progress: OnProgress | None,
    prior: PriorLinks | None,
    record: bool,
    stamp: bool = True,
    whole: bool = True,
) -> tuple[list[Speaker], dict[str, str], Provenance]:
    """Corpus-wide speakers (and how each name was renamed), then the quotes, under those names,
    linked (``link_quotes``). ``extractions`` is emptied once read: a large story's speakers
    are not held while it is linked."""
    speakers, rename = merge_speakers([ex.speakers for ex in extractions])
    quotes: list[Quote] = []
    for ex in extractions:
        for q in ex.quotes:
            name = rename.get(q.speaker, q.speaker) if q.speaker else None
            via = tuple(rename.get(v, v) for v in q.via)
            quotes.append(q if (name == q.speaker and via == q.via) else with_linking(q, name, via, q.statement))
    extractions.clear()
    release()  # a large story's speakers, read and merged
    prov = link_quotes(
        quotes,
        articles,
        primary=primary,
        semantic=semantic,
        engine=engine,
        on_progress=on_progress,
        prior=prior,
        record=record,
        stamp=stamp,
        whole=whole,
    )
    return speakers, rename, prov


@dataclasses.dataclass(frozen=True, slots=True)
class StoredTrace:
    """A store's trace (``stored_trace``), held lean: linking's result (statements, links,
    speakers, each quote's speaker and statement), while the articles' text and the quotes' spans
    stay in the store. ``iter_json`` reads them back a record at a time; the store must still be
    open. ``documents`` are the source documents given besides (``trace(sources=...)``).

    ``statements`` and ``links`` are those linking assembled; the groups it took as they were
    (``kept``) stay in the store too, and are read back as their JSON records (``iter_json``) or
    whole (``iter_csv``)."""

    store: Store
    corpus: LinkCorpus  # without its extractions
    documents: tuple[Article, ...]
    quotes: tuple[Quote, ...]  # every quote, the store's lean (no spans), under its corpus-wide speaker
    speakers: tuple[Speaker, ...]
    statements: tuple[Statement, ...]
    links: tuple[Link, ...]
    rename: Mapping[str, str]
    warnings: tuple[str, ...]
    stored: int  # the first ``stored`` quotes are the store's, the others the documents'
    kept: tuple[Cluster, ...] = ()

    def iter_json(self) -> Iterator[str]:
        """The trace's JSON (``export.iter_json``), byte for byte what ``trace_store`` gives, made a
        record at a time from the store; the statements and links of the groups taken as they were
        are copied from their records there."""
        kept = self.store.cluster_records(self.kept)
        statement_of = self._statement_of()
        statement_of.update((qid, sid) for r in kept for sid, quotes in r.statements for qid in quotes)
        records: Iterator[Quote | dict[str, Any]] = chain(
            self.store.full_quote_records(self.corpus, self.quotes[: self.stored], statement_of, self.rename),
            self._document_quotes(statement_of),
        )
        quote_index = {q.id: q for q in self.quotes}
        articles = self._articles()

        def first_read(quotes: Sequence[str]) -> tuple[Any, ...]:
            return reading_key(quote_index[quotes[0]], articles)

        statements: Iterator[Statement | Written] = _merged(
            ((first_read(st.quotes), st) for st in self.statements),
            sorted(
                ((first_read(quotes), Written(r.texts[n])) for r in kept for n, (_, quotes) in enumerate(r.statements)),
                key=_first,
            ),
        )
        links: Iterator[Link | Written] = _merged(
            (((lk.source, lk.target), lk) for lk in self.links),
            sorted(
                ((ends, Written(r.texts[len(r.statements) + n])) for r in kept for n, ends in enumerate(r.links)),
                key=_first,
            ),
        )
        del kept
        return iter_json_parts(
            chain(self.store.full_articles(self.corpus), self.documents),
            records,
            self.speakers,
            statements,
            links,
            self.warnings,
            quote_index=quote_index,
            article_index=articles,
            timeline_links=self.links,
        )

    def iter_csv(self) -> Iterator[str]:
        """The trace's CSV (``export.to_csv``), what ``trace_store`` gives, made a row at a time from the store."""
        kept = self.store.read_clusters(self.kept)
        statement_of = self._statement_of()
        statement_of.update((qid, st.id) for c in kept for st in c.statements for qid in st.quotes)
        links = (*self.links, *(lk for c in kept for lk in (*c.links, *c.statement_links)))
        del kept
        quotes = chain(
            self.store.full_quotes(self.corpus, self.quotes[: self.stored], statement_of, self.rename),
            self._document_quotes(statement_of),
        )
        return iter_csv_parts(quotes, links, self._articles())

    def _statement_of(self) -> dict[str, str]:
        return {qid: st.id for st in self.statements for qid in st.quotes}

    def _document_quotes(self, statement_of: Mapping[str, str]) -> Iterator[Quote]:
        """The quotes of the source documents given besides the store, with their statements."""
        return (dataclasses.replace(q, statement=statement_of.get(q.id)) for q in self.quotes[self.stored :])

    def _articles(self) -> dict[str, StoredArticle | Article]:
        found: dict[str, StoredArticle | Article] = {a.id: a for a in self.corpus.articles}
        found.update((a.id, a) for a in self.documents)
        return found


_T = TypeVar("_T")


def _first(pair: tuple[Any, Any]) -> Any:
    return pair[0]


def _merged(*runs: Iterable[tuple[Any, _T]]) -> Iterator[_T]:
    """The items of ``runs``, each a run of ``(key, item)`` sorted by key, as one run in key order."""
    return (item for _, item in heapq.merge(*runs, key=_first))


@collector_paused()
def stored_trace(
    store: Store,
    *,
    on_warning: Callable[[str], None] | None = None,
    sources: Iterable[PathLike] | Sequence[SourceDocument] = (),
    semantic: bool | Embedder = False,
    max_bytes: int | None = MAX_BYTES,
    tagger: TaggerName = "fast",
    on_progress: OnProgress | None = None,
    engine: Engine | None = None,
    relink: bool = False,
) -> StoredTrace:
    """``trace_store`` for a story too large to hold whole: the same linking, kept in the store the
    same way, but the articles' text and the quotes' spans are never all in memory at once
    (``StoredTrace.iter_json`` and ``iter_csv`` write the same JSON and CSV, reading them back).
    ``quotetrace trace --db --format json`` (or ``csv``) runs this.

    >>> with open_store("story.db") as store:  # doctest: +SKIP
    ...     write_atomic("story.json", stored_trace(store).iter_json())
    """
    warnings, warn = _collector(on_warning)

    corpus = store.link_corpus(tagger=tagger, on_progress=on_progress)
    if not corpus.articles:
        raise NoArticlesError(f"the store {store.path} holds no articles: add some with 'quotetrace add PATH... --db'")
    docs = tuple(_source_documents(sources, warn, max_bytes))
    dated: dict[str, Dated] = {a.id: a for a in corpus.articles}
    dated.update((d.article.id, d.article) for d in docs)
    embedder = (load_embedder() if semantic is True else semantic) or None
    prior = None if relink else store.prior_links(tagger=tagger)
    extractions = [*corpus.extractions, *(extract_source(d) for d in docs)]
    stored = sum(len(ex.quotes) for ex in corpus.extractions)
    corpus = dataclasses.replace(corpus, extractions=())  # the quotes live on in the linking's own list
    speakers, rename, prov = _linked(
        dated,
        extractions,
        primary={d.article.id for d in docs},
        semantic=embedder,
        engine=engine,
        on_progress=on_progress,
        prior=prior,
        record=True,
        stamp=False,
        whole=False,
    )
    result = StoredTrace(
        store,
        corpus,
        tuple(d.article for d in docs),
        prov.quotes,
        tuple(speakers),
        prov.statements,
        prov.links,
        rename,
        tuple(warnings),
        stored,
        prov.kept,
    )
    _keep_links(store, prov, tagger, prior, warn)
    return result
