"""quotetrace: who really said this, where, and how the words changed on the way.

>>> import quotetrace as qt
>>> t = qt.trace("seeds/")            # doctest: +SKIP
>>> t.quotes[0].speaker, t.graph      # doctest: +SKIP
>>> t.to_svg()                        # doctest: +SKIP

Stages, each usable alone: ``read_articles`` (ingest; ``iter_articles`` streams), ``extract_quotes``,
``link_quotes`` (statements and links), ``build_graph``, ``to_svg``/``to_dot``.
"""

from __future__ import annotations

import logging
from importlib.metadata import PackageNotFoundError, version

from quotetrace.errors import GraphvizMissingError, InputError, NoArticlesError, OutputError, QuotetraceError
from quotetrace.extract import Extraction, extract_quotes
from quotetrace.graph import build_graph
from quotetrace.ingest import article_from_text, iter_articles, read_articles, read_sources
from quotetrace.match import compare
from quotetrace.model import Article, Edit, Link, Quote, Section, SourceDocument, Span, Speaker, Statement, Trace
from quotetrace.pipeline import trace
from quotetrace.provenance import link_quotes
from quotetrace.render import to_dot, to_svg

try:
    __version__ = version("quotetrace")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "Article",
    "Edit",
    "Extraction",
    "GraphvizMissingError",
    "InputError",
    "Link",
    "NoArticlesError",
    "OutputError",
    "Quote",
    "QuotetraceError",
    "Section",
    "SourceDocument",
    "Span",
    "Speaker",
    "Statement",
    "Trace",
    "__version__",
    "article_from_text",
    "build_graph",
    "compare",
    "extract_quotes",
    "iter_articles",
    "link_quotes",
    "read_articles",
    "read_sources",
    "to_dot",
    "to_svg",
    "trace",
]
