"""The data model: frozen, slotted dataclasses that every stage passes along.

Every object that makes a claim about an article carries character offsets into
``Article.text`` (the text exactly as read), so a reader can audit each claim:
``article.text[quote.start:quote.end] == quote.text`` always holds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:  # the graph stage is imported lazily: a stage never imports a later one
    import networkx as nx

QuoteKind = Literal["direct", "partial", "indirect", "embed"]
SectionKind = Literal["body", "related", "overlong"]
SpeakerKind = Literal["person", "organization", "group", "unknown"]
Fidelity = Literal["verbatim", "truncated", "variant", "altered", "paraphrase"]
EditOp = Literal["insert", "delete", "replace"]

QUOTE_KINDS: tuple[QuoteKind, ...] = ("direct", "partial", "indirect", "embed")
FIDELITIES: tuple[Fidelity, ...] = ("verbatim", "truncated", "variant", "altered", "paraphrase")


@dataclass(frozen=True, slots=True)
class Span:
    """A stretch of an article's text: ``text == article.text[start:end]``."""

    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Section:
    """A region of an article that is not the story itself (teasers, link lists, ads; an overlong line)."""

    start: int
    end: int
    kind: SectionKind
    label: str


@dataclass(frozen=True, slots=True)
class Article:
    """One news article as read from a file, a JSON line or stdin.

    ``id`` is the file name for files (``000_x.txt``), so ids are stable across runs
    and machines. Metadata comes from a sidecar manifest or is sniffed from the text.
    """

    id: str
    text: str
    path: str | None = None
    title: str | None = None
    outlet: str | None = None
    agency: str | None = None
    date: dt.date | None = None
    url: str | None = None
    byline: str | None = None
    sections: tuple[Section, ...] = ()

    def section_at(self, offset: int) -> SectionKind:
        """``related`` when ``offset`` falls in page furniture, ``overlong`` in a line too long to be
        prose (``ingest.MAX_LINE``), else ``body``."""
        for sec in self.sections:
            if sec.start <= offset < sec.end:
                return sec.kind
        return "body"


@dataclass(frozen=True, slots=True)
class SourceDocument:
    """Primary evidence a user supplies: the words as the speaker published them.

    The original post's text, a transcript, a press release. It becomes the origin of the
    statement it matches, and every quote in the articles is measured against it.
    """

    article: Article
    speaker: str
    channel: str | None = None


@dataclass(frozen=True, slots=True)
class Quote:
    """One attributed piece of speech in one article.

    ``kind`` is ``direct`` (a whole quotation in marks), ``partial`` (quoted words
    inside reported speech), ``indirect`` (reported speech: the reported clause) or
    ``embed`` (an embedded social post). ``via`` lists the intermediaries the words
    passed through on their way to this article, nearest to the speaker first.
    ``speech`` is False for attributions of attitude rather than words ("Trump
    criticized the deal"): they are extracted but never become statements.
    """

    id: str
    article: str
    start: int
    end: int
    text: str
    kind: QuoteKind
    speaker: str | None = None
    speaker_mention: Span | None = None
    cue: Span | None = None
    channel: str | None = None
    via: tuple[str, ...] = ()
    section: SectionKind = "body"
    statement: str | None = None
    truncated: bool = False
    date: dt.date | None = None
    speech: bool = True


def with_linking(q: Quote, speaker: str | None, via: tuple[str, ...], statement: str | None) -> Quote:
    """``q`` with the speaker, intermediaries and statement that linking gave it: what
    ``dataclasses.replace`` makes, at a tenth of its cost (a large story renames half a million quotes)."""
    return Quote(
        q.id, q.article, q.start, q.end, q.text, q.kind, speaker, q.speaker_mention, q.cue, q.channel,
        via, q.section, statement, q.truncated, q.date, q.speech,
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Speaker:
    """A person or organisation that speaks, with every name it goes by in the corpus."""

    name: str
    aliases: tuple[str, ...] = ()
    kind: SpeakerKind = "unknown"
    handle: str | None = None


@dataclass(frozen=True, slots=True)
class Edit:
    """One word-level change from a statement's words (``a``) to a quote's words (``b``).

    Offsets are character offsets into each side's text, so a report can highlight
    exactly the words that changed.
    """

    op: EditOp
    a_start: int
    a_end: int
    a_text: str
    b_start: int
    b_end: int
    b_text: str


@dataclass(frozen=True, slots=True)
class Link:
    """``source`` (a quote id) reproduces ``target`` (a quote or statement id).

    ``score`` is in [0, 100]; ``fidelity`` says how faithfully; ``diff`` shows the words
    that changed, with ``target_start``/``target_end`` locating the reproduced part of
    the target's text.
    """

    source: str
    target: str
    score: float
    fidelity: Fidelity
    diff: tuple[Edit, ...] = ()
    target_start: int = 0
    target_end: int = 0
    conflict: bool = False


@dataclass(frozen=True, slots=True)
class Statement:
    """An original utterance, reconstructed from the quotes that reproduce it.

    ``origin`` is the id of the quote taken as the best primary evidence (an embedded
    post, else the most complete and earliest quote); ``quotes`` lists every member.
    """

    id: str
    speaker: str | None
    text: str
    origin: str
    quotes: tuple[str, ...]
    channel: str | None = None
    date: dt.date | None = None
    conflict: bool = False


@dataclass(frozen=True)
class Trace:
    """Everything quotetrace found in a set of articles.

    In a notebook, evaluating a ``Trace`` draws its provenance graph.
    """

    articles: tuple[Article, ...]
    quotes: tuple[Quote, ...]
    speakers: tuple[Speaker, ...]
    statements: tuple[Statement, ...]
    links: tuple[Link, ...]
    warnings: tuple[str, ...] = field(default=(), compare=False)

    @cached_property
    def graph(self) -> nx.MultiDiGraph[str]:
        """The citation graph (networkx ``MultiDiGraph``) of speakers, statements, intermediaries and articles."""
        from quotetrace.graph import build_graph

        return build_graph(self)

    def article(self, article_id: str) -> Article:
        """The article with this id (``KeyError`` if there is none)."""
        for art in self.articles:
            if art.id == article_id:
                return art
        raise KeyError(article_id)

    def quote(self, quote_id: str) -> Quote:
        """The quote with this id (``KeyError`` if there is none)."""
        return self._quotes_by_id[quote_id]

    @cached_property
    def _quotes_by_id(self) -> dict[str, Quote]:
        return {q.id: q for q in self.quotes}

    def to_dot(self) -> str:
        """The graph in Graphviz DOT (works without the ``dot`` binary)."""
        from quotetrace.render import to_dot

        return to_dot(self.graph)

    def to_svg(self) -> str:
        """The graph as self-contained SVG text (needs Graphviz's ``dot``)."""
        from quotetrace.render import to_svg

        return to_svg(self.graph)

    def to_html(self) -> str:
        """A self-contained HTML report: the graph, every statement, its reproductions and timeline."""
        from quotetrace.render import to_html

        return to_html(self)

    def to_json(self, *, indent: int | Literal["records"] | None = "records") -> str:
        """The whole trace as JSON (the ``--format json`` contract): a record a line, or see ``export.to_json``."""
        from quotetrace.export import to_json

        return to_json(self, indent=indent)

    def quotes_frame(self) -> Any:
        """The quotes as a pandas DataFrame (needs pandas), a row per quote."""
        from quotetrace.export import quotes_frame

        return quotes_frame(self)

    def to_dict(self) -> dict[str, Any]:
        """The whole trace as plain data (what ``to_json`` serialises)."""
        from quotetrace.export import to_dict

        return to_dict(self)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        from quotetrace.graph import auto_focus
        from quotetrace.render import mimebundle

        graph, _ = auto_focus(self.graph)  # a large story shows the statements that travelled
        return mimebundle(graph, summary=repr(self))

    def __repr__(self) -> str:
        return (
            f"<Trace: {len(self.articles)} articles, {len(self.quotes)} quotes, "
            f"{len(self.speakers)} speakers, {len(self.statements)} statements, {len(self.links)} links>"
        )
