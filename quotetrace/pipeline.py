"""The whole pipeline in one call: paths -> articles -> quotes -> statements -> ``Trace``.

Each stage is a plain function a notebook user can also call alone; ``trace`` only
strings them together and collects the warnings of each.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import IO

from quotetrace.extract import Extraction, extract_quotes, extract_source
from quotetrace.extract.speakers import merge_speakers
from quotetrace.ingest import MAX_BYTES, read_articles, read_sources
from quotetrace.model import Article, Quote, SourceDocument, Trace
from quotetrace.provenance import link_quotes
from quotetrace.semantic import Embedder, load_embedder

LOGGER = logging.getLogger(__name__)

PathLike = str | os.PathLike[str]


def trace(
    inputs: PathLike | Iterable[PathLike] | Sequence[Article],
    *,
    stdin: IO[str] | IO[bytes] | None = None,
    on_warning: Callable[[str], None] | None = None,
    sources: Iterable[PathLike] | Sequence[SourceDocument] = (),
    semantic: bool | Embedder = False,
    max_bytes: int | None = MAX_BYTES,
    rules_only: bool = False,
) -> Trace:
    """Trace the quotes in ``inputs`` back to the statements they reproduce.

    ``inputs`` is a path, a list of paths (files, folders, glob patterns, ``-`` for
    stdin) or a list of ``Article`` objects already read. ``sources`` are JSON Lines
    files of primary evidence (the original post's text, see ``ingest.read_sources``) or
    ``SourceDocument`` objects: each becomes the origin of the statement it matches.
    ``semantic=True`` links reported speech by meaning too (needs the ``semantic`` extra;
    see ``quotetrace.semantic``); an ``Embedder`` object may be given instead. Input files
    larger than ``max_bytes`` (50 MB; None for no limit) are skipped with a warning.
    ``rules_only=True`` extracts with the rules alone, without the learned tagger: about
    three times faster, and blind to the attributions no rule describes (see ``extract.tagger``).

    >>> import quotetrace as qt
    >>> t = qt.trace("seeds/")  # doctest: +SKIP
    >>> t.statements[0].origin  # doctest: +SKIP
    """
    warnings: list[str] = []

    def warn(message: str) -> None:
        warnings.append(message)
        if on_warning is not None:
            on_warning(message)
        else:
            LOGGER.warning("%s", message)

    if isinstance(inputs, str | os.PathLike):
        articles = read_articles([inputs], stdin=stdin, on_warning=warn, max_bytes=max_bytes)
    else:
        items = list(inputs)
        if items and all(isinstance(a, Article) for a in items):
            articles = tuple(a for a in items if isinstance(a, Article))
        else:
            paths = [p for p in items if not isinstance(p, Article)]
            articles = read_articles(paths, stdin=stdin, on_warning=warn, max_bytes=max_bytes)
    extractions = [extract_quotes(a, tagger=False if rules_only else None) for a in articles]
    given = list(sources)
    docs = [d for d in given if isinstance(d, SourceDocument)]
    source_paths = [p for p in given if not isinstance(p, SourceDocument)]
    if source_paths:
        docs.extend(read_sources(source_paths, on_warning=warn, max_bytes=max_bytes))
    if docs:
        articles = (*articles, *(d.article for d in docs))
        extractions = [*extractions, *(extract_source(d) for d in docs)]
    embedder = (load_embedder() if semantic is True else semantic) or None
    return assemble(articles, extractions, warnings=warnings, primary={d.article.id for d in docs}, semantic=embedder)


def assemble(
    articles: Sequence[Article],
    extractions: Sequence[Extraction],
    *,
    warnings: Sequence[str] = (),
    primary: Collection[str] = (),
    semantic: Embedder | None = None,
) -> Trace:
    """Join per-article extractions into one ``Trace``: corpus-wide speakers, statements, links.

    ``primary`` names the articles that are user-supplied source documents.
    """
    speakers, rename = merge_speakers([ex.speakers for ex in extractions])
    quotes: list[Quote] = []
    for ex in extractions:
        for q in ex.quotes:
            name = rename.get(q.speaker, q.speaker) if q.speaker else None
            via = tuple(rename.get(v, v) for v in q.via)
            quotes.append(q if (name == q.speaker and via == q.via) else dataclasses.replace(q, speaker=name, via=via))
    prov = link_quotes(quotes, {a.id: a for a in articles}, primary=primary, semantic=semantic)
    return Trace(tuple(articles), prov.quotes, tuple(speakers), prov.statements, prov.links, tuple(warnings))
