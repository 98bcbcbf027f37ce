"""Trace -> JSON, and writing any output file atomically.

The JSON contract (``quotetrace trace --format json``, ``Trace.to_json()``) is one
object; names and meanings below are stable, new fields may be added::

    {
      "articles": [{
        "id": str,            # the file name for files: stable across runs and machines
        "path": str | null, "title": str | null, "outlet": str | null,
        "agency": str | null,  # wire service the story came from (AFP, Reuters...)
        "date": "YYYY-MM-DD" | null, "url": str | null, "byline": str | null,
        "sections": [{"start": int, "end": int, "kind": "related" | "overlong", "label": str}],
        "length": int         # len(text); the text itself is left out
      }],
      "quotes": [{
        "id": str, "article": str,   # article id
        "start": int, "end": int,    # article.text[start:end] == text
        "text": str,
        "kind": "direct" | "partial" | "indirect" | "embed",
        "speaker": str | null,       # speaker name
        "speaker_mention": {"start": int, "end": int, "text": str} | null,
        "cue": {"start": int, "end": int, "text": str} | null,  # "said", "wrote on X"
        "channel": str | null,       # X, Telegram, a televised statement...
        "via": [str],                # intermediaries, nearest to the speaker first
        "statement": str | null,     # statement id
        "section": "body" | "related",
        "truncated": bool,
        "date": "YYYY-MM-DD" | null, # when the words were said, if the article says
        "speech": bool               # false for attributions of attitude ("criticized the deal")
      }],
      "speakers": [{"name": str, "aliases": [str], "kind": "person" | "organization" | "group" | "unknown",
                    "handle": str | null}],
      "statements": [{
        "id": str, "speaker": str | null, "text": str, "channel": str | null,
        "date": "YYYY-MM-DD" | null,
        "origin": str,               # id of the quote taken as primary evidence
        "quotes": [str],             # ids of every quote reproducing it
        "conflict": bool,            # the words are attributed to more than one speaker
        "timeline": [{"article": str, "date": "YYYY-MM-DD" | null,  # first appearance per article,
                      "quote": str, "fidelity": str | null}]        # earliest first, undated last
      }],
      "links": [{
        "source": str,               # quote id
        "target": str,               # quote or statement id
        "score": float,              # 0-100, one decimal
        "fidelity": "verbatim" | "truncated" | "variant" | "altered" | "paraphrase",
        "target_start": int, "target_end": int,  # reproduced part of the target's text
        "conflict": bool,
        "diff": [{"op": "insert" | "delete" | "replace",
                  "a_start": int, "a_end": int, "a_text": str,   # in the target's text
                  "b_start": int, "b_end": int, "b_text": str}]  # in the source quote's text
      }],
      "warnings": [str]
    }

Lists keep the trace's order; keys keep the order above. The same trace always
gives byte-identical JSON.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import os
import re
import secrets
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Literal, NamedTuple, Protocol

import networkx as nx

from quotetrace import fastjson
from quotetrace.errors import OutputError
from quotetrace.model import Article, Edit, Link, Quote, Span, Speaker, Statement, Trace
from quotetrace.provenance import Dated, timeline

__all__ = [
    "Written",
    "iter_csv_parts",
    "iter_json",
    "iter_json_parts",
    "link_record",
    "quote_record",
    "quote_record_of",
    "quotes_frame",
    "statement_record",
    "to_csv",
    "to_dict",
    "to_gexf",
    "to_graphml",
    "to_json",
    "to_node_link",
    "write_atomic",
]


class Written(NamedTuple):
    """A record as its JSON text already (``fastjson.dumps`` of it). A store keeps the records of
    each group of linked quotes, and a trace that takes the group as it was writes them back as
    they are (see ``pipeline.StoredTrace``)."""

    text: str


def _date(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def _span(span: Span | None) -> dict[str, Any] | None:
    return None if span is None else {"start": span.start, "end": span.end, "text": span.text}


def _article(art: Article) -> dict[str, Any]:
    return {
        "id": art.id,
        "path": art.path,
        "title": art.title,
        "outlet": art.outlet,
        "agency": art.agency,
        "date": _date(art.date),
        "url": art.url,
        "byline": art.byline,
        "sections": [{"start": s.start, "end": s.end, "kind": s.kind, "label": s.label} for s in art.sections],
        "length": len(art.text),
    }


def quote_record_of(q: Quote) -> dict[str, Any]:
    """``q``'s JSON record."""
    return quote_record(
        q.id, q.article, q.start, q.end, q.text, q.kind, q.speaker, _span(q.speaker_mention), _span(q.cue),
        q.channel, list(q.via), q.statement, q.section, q.truncated, _date(q.date), q.speech,
    )  # fmt: skip


def quote_record(
    qid: str, article: str, start: int, end: int, text: str, kind: str, speaker: str | None,
    speaker_mention: dict[str, Any] | None, cue: dict[str, Any] | None, channel: str | None, via: list[str],
    statement: str | None, section: str, truncated: bool, date: str | None, speech: bool,
) -> dict[str, Any]:  # fmt: skip
    """A quote's JSON record from its fields as JSON values (a span as ``{"start", "end", "text"}``,
    the date as ISO text): what a store writes from its rows without making a ``Quote`` of each."""
    return {
        "id": qid,
        "article": article,
        "start": start,
        "end": end,
        "text": text,
        "kind": kind,
        "speaker": speaker,
        "speaker_mention": speaker_mention,
        "cue": cue,
        "channel": channel,
        "via": via,
        "statement": statement,
        "section": section,
        "truncated": truncated,
        "date": date,
        "speech": speech,
    }


def _speaker(sp: Speaker) -> dict[str, Any]:
    return {"name": sp.name, "aliases": list(sp.aliases), "kind": sp.kind, "handle": sp.handle}


def statement_record(
    st: Statement, quotes: Mapping[str, Quote], articles: Mapping[str, Dated], links: Sequence[Link]
) -> dict[str, Any]:
    """``st``'s JSON record. Its timeline looks its quotes up in ``quotes`` (their article and offset
    are all it reads), their articles' dates in ``articles``, and their fidelity in ``links`` (those
    to ``st`` are all it reads)."""
    return {
        "id": st.id,
        "speaker": st.speaker,
        "text": st.text,
        "channel": st.channel,
        "date": _date(st.date),
        "origin": st.origin,
        "quotes": list(st.quotes),
        "conflict": st.conflict,
        "timeline": [
            {"article": a.article, "date": _date(a.date), "quote": a.quote, "fidelity": a.fidelity}
            for a in timeline(st, quotes, articles, links)
        ],
    }


def _edit(e: Edit) -> dict[str, Any]:
    return {
        "op": e.op,
        "a_start": e.a_start,
        "a_end": e.a_end,
        "a_text": e.a_text,
        "b_start": e.b_start,
        "b_end": e.b_end,
        "b_text": e.b_text,
    }


def link_record(ln: Link) -> dict[str, Any]:
    """``ln``'s JSON record."""
    return {
        "source": ln.source,
        "target": ln.target,
        # One decimal is all a rapidfuzz score means; more only makes diffs noisy.
        "score": round(float(ln.score), 1),
        "fidelity": ln.fidelity,
        "target_start": ln.target_start,
        "target_end": ln.target_end,
        "conflict": ln.conflict,
        "diff": [_edit(e) for e in ln.diff],
    }


def to_dict(trace: Trace) -> dict[str, Any]:
    """The whole trace as plain data: the JSON contract described in this module's docstring.

    >>> data = to_dict(trace)  # doctest: +SKIP
    >>> data["links"][0]["fidelity"]  # doctest: +SKIP
    'truncated'
    """
    return {key: list(records) for key, records in _records(trace)}


def _records(trace: Trace) -> list[tuple[str, Iterator[Any]]]:
    """Each top-level key of the JSON contract and its records, made one at a time."""
    return _sections(
        trace.articles,
        trace.quotes,
        trace.speakers,
        trace.statements,
        trace.links,
        trace.warnings,
        quote_index={q.id: q for q in trace.quotes},
        article_index={a.id: a for a in trace.articles},
        timeline_links=trace.links,
    )


def _sections(
    articles: Iterable[Article],
    quotes: Iterable[Quote | dict[str, Any]],
    speakers: Iterable[Speaker],
    statements: Iterable[Statement | Written],
    links: Iterable[Link | Written],
    warnings: Iterable[str],
    *,
    quote_index: Mapping[str, Quote],
    article_index: Mapping[str, Dated],
    timeline_links: Sequence[Link],
) -> list[tuple[str, Iterator[Any]]]:
    """The records of each top-level key; statements' timelines look their quotes, articles and
    links up in the indexes (a quote's article and offset, an article's date, the links to the
    statement are all they read). A quote may come as its record already (``quote_record``), a
    statement or a link as its text (``Written``), which only ``iter_json_parts`` writes."""
    return [
        ("articles", (_article(a) for a in articles)),
        ("quotes", (q if isinstance(q, dict) else quote_record_of(q) for q in quotes)),
        ("speakers", (_speaker(s) for s in speakers)),
        (
            "statements",
            (
                s if isinstance(s, Written) else statement_record(s, quote_index, article_index, timeline_links)
                for s in statements
            ),
        ),
        ("links", (ln if isinstance(ln, Written) else link_record(ln) for ln in links)),
        ("warnings", iter(warnings)),
    ]


JsonLayout = int | Literal["records"] | None


def to_json(trace: Trace, *, indent: JsonLayout = "records") -> str:
    """The trace as JSON text (UTF-8 characters kept as they are), ending in a newline.

    By default each article, quote, speaker, statement, link and warning is one line (``grep``
    finds a quote, a diff shows which records changed; see ``iter_json``). ``indent=N`` indents
    every level by N spaces; ``indent=None`` gives one line, for JSON Lines.
    """
    if indent == "records":
        return "".join(iter_json(trace))
    if indent is not None and (not isinstance(indent, int) or isinstance(indent, bool) or indent < 0):
        raise ValueError(f"indent must be a non-negative int, None or 'records'; got {indent!r}")
    return json.dumps(to_dict(trace), ensure_ascii=False, indent=indent) + "\n"


def iter_json(trace: Trace) -> Iterator[str]:
    """``to_json(trace)`` in pieces, one article, quote, speaker, statement, link or warning at a time.

    A large trace is written while only one of its records exists as plain data::

        {
         "articles": [
          {"id":"000_x.txt","title":...},
          ...
         ],
         "quotes": [
          ...
    """
    return _written(_records(trace))


def iter_json_parts(
    articles: Iterable[Article],
    quotes: Iterable[Quote | dict[str, Any]],
    speakers: Iterable[Speaker],
    statements: Iterable[Statement | Written],
    links: Iterable[Link | Written],
    warnings: Iterable[str],
    *,
    quote_index: Mapping[str, Quote],
    article_index: Mapping[str, Dated],
    timeline_links: Sequence[Link],
) -> Iterator[str]:
    """``iter_json`` of a trace given in parts, the articles and quotes read one at a time (from a
    store, see ``pipeline.stored_trace``): the same bytes as ``iter_json`` of the ``Trace`` they
    make. A quote may come as its record (``quote_record``), a statement or a link as its JSON text
    (``Written``). ``quote_index``, ``article_index`` and ``timeline_links`` are what the timelines
    of the statements given as ``Statement`` look up: a quote's article and offset, an article's
    date, and the links to each of those statements."""
    return _written(
        _sections(
            articles, quotes, speakers, statements, links, warnings,
            quote_index=quote_index, article_index=article_index, timeline_links=timeline_links,
        )
    )  # fmt: skip


def _written(sections: Sequence[tuple[str, Iterator[Any]]]) -> Iterator[str]:
    yield "{\n"
    for n, (key, records) in enumerate(sections):
        yield f" {json.dumps(key)}: "
        empty = True
        for record in records:
            text = record.text if isinstance(record, Written) else fastjson.dumps(record)
            yield ("[\n  " if empty else ",\n  ") + text
            empty = False
        yield "[]" if empty else "\n ]"
        yield ",\n" if n + 1 < len(sections) else "\n"
    yield "}\n"


def write_atomic(path: str | os.PathLike[str], data: str | bytes | Iterable[str]) -> None:
    """Write ``data`` (str as UTF-8, or pieces of str such as ``iter_json``'s) to ``path`` so readers
    see the old file or the new one, never half.

    The data goes to a hidden temporary file beside ``path``, is flushed to disk and
    renamed over ``path``. Raises ``OutputError`` if it cannot be written.
    """
    target = os.fspath(path)
    if isinstance(data, str | bytes | bytearray | memoryview):
        pieces: Iterable[bytes] = [data.encode("utf-8") if isinstance(data, str) else bytes(data)]
    elif isinstance(data, Iterable):
        pieces = _utf8_blocks(data)
    else:
        raise TypeError(f"data must be str, bytes or pieces of str; got {type(data).__name__}")
    directory, name = os.path.split(os.path.abspath(target))
    tmp = os.path.join(directory, f".{name}.{secrets.token_hex(4)}.tmp")
    try:
        # O_EXCL: never write through someone else's file or link; mode 0o666 lets the umask decide.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            for piece in pieces:
                fh.write(piece)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from exc
        raise
    _sync_directory(directory)


def _utf8_blocks(pieces: Iterable[str], size: int = 1 << 20) -> Iterator[bytes]:
    """``pieces`` as UTF-8, joined into blocks of about ``size`` characters: a large trace's JSON is
    millions of records, and encoding and writing each alone took longer than the bytes need."""
    block: list[str] = []
    held = 0
    for piece in pieces:
        block.append(piece)
        held += len(piece)
        if held >= size:
            yield "".join(block).encode("utf-8")
            block.clear()
            held = 0
    if held:
        yield "".join(block).encode("utf-8")


def _sync_directory(directory: str) -> None:
    """Make the rename itself durable; not possible (nor needed) everywhere, e.g. Windows."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# ---------------------------------------------------------------- graph and table exports

# Spreadsheet programs run a cell that starts with one of these as a formula; a quote is
# never a formula, so such a cell is written with a leading apostrophe (OWASP's advice).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = (
    "id", "article", "outlet", "article_date", "start", "end", "kind", "speaker", "speaker_mention", "cue",
    "channel", "via", "statement", "fidelity", "score", "section", "speech", "text",
)  # fmt: skip


def to_csv(trace: Trace) -> str:
    """One row per quote, with its fidelity to its statement; safe to open in a spreadsheet."""
    return "".join(iter_csv_parts(trace.quotes, trace.links, {a.id: a for a in trace.articles}))


class Published(Protocol):
    """What a CSV row reads of a quote's article: its outlet and date (an ``Article`` is one)."""

    @property
    def outlet(self) -> str | None: ...

    @property
    def date(self) -> dt.date | None: ...


def iter_csv_parts(quotes: Iterable[Quote], links: Sequence[Link], articles: Mapping[str, Published]) -> Iterator[str]:
    """``to_csv`` a row at a time, the quotes read one at a time (from a store, see
    ``pipeline.stored_trace``): the same text as ``to_csv`` of the ``Trace`` they make."""
    to_statement = {(ln.source, ln.target): ln for ln in links}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for q in quotes:
        art = articles.get(q.article)
        link = to_statement.get((q.id, q.statement or ""))
        row = (
            q.id, q.article, art.outlet if art else None, _date(art.date) if art else None, q.start, q.end, q.kind,
            q.speaker, q.speaker_mention.text if q.speaker_mention else None, q.cue.text if q.cue else None,
            q.channel, " > ".join(q.via), q.statement, link.fidelity if link else None,
            link.score if link else None, q.section, q.speech, q.text,
        )  # fmt: skip
        writer.writerow(_cell(v) for v in row)
        if buffer.tell() >= 1 << 16:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _cell(value: object) -> str:
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


# What XML 1.0 cannot hold: most control characters, lone surrogates, U+FFFE and U+FFFF.
# Article text may carry them; lxml refuses to write them into GraphML and GEXF readers
# refuse to read them, so they become U+FFFD (one character for one: offsets still hold).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(value: Any) -> Any:
    return _NOT_XML.sub("\ufffd", value) if isinstance(value, str) else value


def _plain_graph(graph: nx.MultiDiGraph[str]) -> nx.MultiDiGraph[str]:
    """A copy whose attributes GraphML and GEXF readers accept: no None, lists as JSON strings,
    one type per attribute name (floats stay floats even when whole), and only characters
    XML can hold."""
    clean: nx.MultiDiGraph[str] = nx.MultiDiGraph()
    float_keys = {"score"}

    def plain(attrs: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in attrs.items():
            if value is None:
                continue
            if isinstance(value, list | tuple | set | dict):
                value = json.dumps(sorted(value) if isinstance(value, set) else value, ensure_ascii=False)
            elif isinstance(value, dt.date):
                value = value.isoformat()
            elif key in float_keys:
                value = float(value)
            out[key] = _xml_text(value)
        return out

    for node, attrs in graph.nodes(data=True):
        clean.add_node(_xml_text(node), **plain(attrs))
    for tail, head, key, attrs in graph.edges(keys=True, data=True):
        clean.add_edge(_xml_text(tail), _xml_text(head), key=_xml_text(key), **plain(attrs))
    return clean


def to_graphml(graph: nx.MultiDiGraph[str]) -> bytes:
    """GraphML for yEd, Gephi and networkx (``nx.read_graphml`` reads it back)."""
    buffer = io.BytesIO()
    nx.write_graphml(_plain_graph(graph), buffer, encoding="utf-8")
    return buffer.getvalue()


def to_gexf(graph: nx.MultiDiGraph[str]) -> bytes:
    """GEXF for Gephi (``nx.read_gexf`` reads it back)."""
    buffer = io.BytesIO()
    nx.write_gexf(_plain_graph(graph), buffer, encoding="utf-8")
    return buffer.getvalue()


def to_node_link(graph: nx.MultiDiGraph[str]) -> str:
    """networkx node-link JSON (``nx.node_link_graph(data, edges="edges")`` reads it back)."""
    data = nx.node_link_data(_plain_graph(graph), edges="edges")
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def quotes_frame(trace: Trace) -> Any:
    """The quotes as a pandas ``DataFrame``, a row per quote (the CSV's columns, typed).

    Needs pandas (``pip install 'quotetrace[notebook]'``); without it, a clear error.
    """
    try:
        import pandas as pd
    except ImportError:
        raise OutputError("quotes_frame() needs pandas: pip install pandas (or 'quotetrace[notebook]')") from None
    frame = pd.read_csv(io.StringIO(to_csv(trace)), dtype=str, keep_default_na=False)
    for column in ("start", "end"):
        frame[column] = frame[column].astype(int)
    frame["score"] = pd.to_numeric(frame["score"], errors="coerce")
    frame["speech"] = frame["speech"] == "True"
    # the CSV guards cells against spreadsheet formulas; a DataFrame holds the text as it is
    for column in frame.columns:
        if frame[column].dtype == object:
            frame[column] = frame[column].map(lambda v: v[1:] if isinstance(v, str) and v[:2] in _GUARDED else v)
    return frame.replace({"": None})


_GUARDED = {"'" + c for c in _FORMULA_START}
