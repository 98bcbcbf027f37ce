"""Trace -> citation graph: a networkx ``MultiDiGraph`` of typed nodes and edges.

The graph holds only plain data (str, int, float, bool), so it can be written to
GraphML or GEXF as it is; an absent value is an absent attribute, never ``None``.
Building never draws: ``render.py`` does that.

Nodes, by id prefix and ``kind``:

- ``speaker:{name}``: label, speaker_kind, aliases (joined with ``"; "``), handle.
- ``statement:{id}``: label (the text shortened), text, speaker, channel, date
  (ISO), origin (quote id), n_quotes (quotes of it in the graph), conflict.
- ``intermediary:{name}``: every name in a quote's ``via`` (lawmakers, agencies).
- ``article:{id}``: label, title, outlet, agency, date (ISO), url.

Edges, each with ``kind`` and a key that says what it stands for:

- ``said``: speaker -> statement.
- ``relayed``: statement -> first intermediary -> next ..., one edge per hop and
  statement (key ``relayed:{statement}``) carrying ``count`` and ``statement``.
- ``quoted_in``: statement, or the last intermediary of the quote's ``via``, ->
  article, one per quote (key ``quoted_in:{quote}``): quote, statement, quote_kind,
  text, start, end, fidelity, score, diff, conflict.
- ``copied_from``: article -> article it reproduces quotes of, with ``count``.

Only quotes in an article's body (``section == "body"``) that belong to a statement
are drawn; statements and speakers appear when at least one such quote does, every
article appears. Nodes and edges are added in sorted order, so the same trace
always gives the same graph, and the same DOT and SVG.

>>> graph = build_graph(trace)  # doctest: +SKIP
>>> statements_of(graph, "Volodymyr Zelensky")  # doctest: +SKIP
['statement:s1', 'statement:s3']
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import re
from collections import Counter
from collections.abc import Iterable

import networkx as nx

from quotetrace.model import Edit, Link, Quote, Statement, Trace

__all__ = [
    "build_graph",
    "diff_text",
    "first_appearance",
    "paths_to_article",
    "shorten",
    "statements_of",
]

# Long enough for one clause of a statement, short enough for a node in a drawing.
STATEMENT_LABEL_WIDTH = 90
ARTICLE_LABEL_WIDTH = 70
DIFF_WIDTH = 160

_SPACE = re.compile(r"\s+")

LOGGER = logging.getLogger(__name__)


def shorten(text: str, width: int = STATEMENT_LABEL_WIDTH) -> str:
    """``text`` on one line, cut at a word boundary to at most ``width`` characters with "…".

    >>> shorten("There should be no doubt left in the world", 20)
    'There should be no…'
    """
    flat = _SPACE.sub(" ", text).strip()
    if len(flat) <= width:
        return flat
    cut = flat[: width - 1]
    space = cut.rfind(" ")
    # A single very long word is cut mid-word rather than dropped.
    if space > width // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–—") + "…"


def diff_text(diff: Iterable[Edit], width: int = DIFF_WIDTH) -> str:
    """A short human-readable form of a word diff, such as ``-organize +organise``."""
    parts: list[str] = []
    for edit in diff:
        if edit.op in ("delete", "replace") and edit.a_text:
            parts.append("-" + edit.a_text)
        if edit.op in ("insert", "replace") and edit.b_text:
            parts.append("+" + edit.b_text)
    return shorten(" ".join(parts), width)


def build_graph(trace: Trace) -> nx.MultiDiGraph[str]:
    """The citation graph of a trace: who said what, who relayed it, who quoted it.

    >>> graph = build_graph(trace)  # doctest: +SKIP
    >>> graph.nodes["article:001_cc758aff9a1f738e.txt"]["agency"]  # doctest: +SKIP
    'AFP'
    """
    graph: nx.MultiDiGraph[str] = nx.MultiDiGraph()
    statements = {st.id: st for st in trace.statements}
    quotes = sorted(
        (q for q in trace.quotes if q.section == "body" and q.statement is not None and q.statement in statements),
        key=lambda q: (q.statement or "", q.article, q.start, q.end, q.id),
    )
    unknown = sorted({q.statement for q in trace.quotes if q.statement is not None and q.statement not in statements})
    if unknown:
        LOGGER.warning("quotes name statements the trace does not have, left out of the graph: %s", ", ".join(unknown))
    by_statement: dict[str, list[Quote]] = {}
    for quote in quotes:
        by_statement.setdefault(quote.statement or "", []).append(quote)
    shown = [statements[sid] for sid in sorted(by_statement)]

    _add_speakers(graph, trace, shown)
    for statement in shown:
        graph.add_node(_statement_node(statement), **_statement_attrs(statement, len(by_statement[statement.id])))
    for name in sorted({name for q in quotes for name in q.via}):
        graph.add_node(f"intermediary:{name}", kind="intermediary", label=name)
    _add_articles(graph, trace, quotes)

    for statement in shown:
        if statement.speaker is not None:
            graph.add_edge(f"speaker:{statement.speaker}", _statement_node(statement), key="said", kind="said")
    for statement in shown:
        _add_relays(graph, statement, by_statement[statement.id])
    links = _links_by_source(trace.links)
    for quote in quotes:
        _add_quoted_in(graph, quote, statements[quote.statement or ""], links.get(quote.id, []))
    _add_copies(graph, trace)
    return graph


def _statement_node(statement: Statement) -> str:
    return f"statement:{statement.id}"


def _iso(date: dt.date | None) -> str | None:
    return None if date is None else date.isoformat()


def _plain(**attrs: str | int | float | bool | None) -> dict[str, str | int | float | bool]:
    """Drop absent values: graph attributes are plain data, never ``None``."""
    return {key: value for key, value in attrs.items() if value is not None}


def _add_speakers(graph: nx.MultiDiGraph[str], trace: Trace, shown: list[Statement]) -> None:
    known = {sp.name: sp for sp in trace.speakers}
    for name in sorted({st.speaker for st in shown if st.speaker is not None}):
        speaker = known.get(name)
        if speaker is None:  # a statement may name a speaker the speaker list lacks
            graph.add_node(f"speaker:{name}", kind="speaker", label=name, speaker_kind="unknown", aliases="")
            continue
        graph.add_node(
            f"speaker:{name}",
            **_plain(
                kind="speaker",
                label=name,
                speaker_kind=speaker.kind,
                aliases="; ".join(speaker.aliases),
                handle=speaker.handle,
            ),
        )


def _statement_attrs(statement: Statement, n_quotes: int) -> dict[str, str | int | float | bool]:
    return _plain(
        kind="statement",
        label=shorten(statement.text),
        text=statement.text,
        speaker=statement.speaker,
        channel=statement.channel,
        date=_iso(statement.date),
        origin=statement.origin,
        n_quotes=n_quotes,
        conflict=statement.conflict,
    )


def _add_articles(graph: nx.MultiDiGraph[str], trace: Trace, quotes: list[Quote]) -> None:
    articles = {art.id: art for art in trace.articles}
    dates = {art.id: _iso(art.date) for art in trace.articles}
    ids = set(articles) | {q.article for q in quotes}
    # Dated articles first, oldest first: the order a reader follows the story in.
    for article_id in sorted(ids, key=lambda a: (dates.get(a) is None, dates.get(a) or "", a)):
        art = articles.get(article_id)
        if art is None:  # a quote naming an article the trace lacks still gets a node
            graph.add_node(f"article:{article_id}", kind="article", label=article_id)
            continue
        graph.add_node(
            f"article:{art.id}",
            **_plain(
                kind="article",
                label=shorten(art.title, ARTICLE_LABEL_WIDTH) if art.title else art.id,
                title=art.title,
                outlet=art.outlet,
                agency=art.agency,
                date=_iso(art.date),
                url=art.url,
            ),
        )


def _add_relays(graph: nx.MultiDiGraph[str], statement: Statement, quotes: list[Quote]) -> None:
    hops: Counter[tuple[str, str]] = Counter()
    for quote in quotes:
        chain = [_statement_node(statement), *(f"intermediary:{name}" for name in quote.via)]
        hops.update(pair for pair in itertools.pairwise(chain) if pair[0] != pair[1])
    for (tail, head), count in sorted(hops.items()):
        graph.add_edge(tail, head, key=f"relayed:{statement.id}", kind="relayed", statement=statement.id, count=count)


def _links_by_source(links: Iterable[Link]) -> dict[str, list[Link]]:
    out: dict[str, list[Link]] = {}
    for link in links:
        out.setdefault(link.source, []).append(link)
    return out


def _best_link(quote: Quote, links: list[Link]) -> Link | None:
    """The link that says how faithfully ``quote`` renders its statement.

    A link to the statement itself is the direct evidence; failing that, a link to
    another quote (the copy it was taken from), the closest match first.
    """
    if not links:
        return None
    return min(links, key=lambda ln: (ln.target != quote.statement, -ln.score, ln.target))


def _add_quoted_in(graph: nx.MultiDiGraph[str], quote: Quote, statement: Statement, links: list[Link]) -> None:
    link = _best_link(quote, links)
    fidelity: str
    if link is not None:
        fidelity, score, diff, conflict = link.fidelity, float(link.score), diff_text(link.diff), link.conflict
    elif quote.id == statement.origin:
        fidelity, score, diff, conflict = "verbatim", 100.0, "", False
    elif quote.kind == "indirect":
        fidelity, score, diff, conflict = "paraphrase", 0.0, "", False
    else:
        fidelity, score, diff, conflict = "unknown", 0.0, "", False
    tail = f"intermediary:{quote.via[-1]}" if quote.via else _statement_node(statement)
    graph.add_edge(
        tail,
        f"article:{quote.article}",
        key=f"quoted_in:{quote.id}",
        kind="quoted_in",
        quote=quote.id,
        statement=statement.id,
        quote_kind=quote.kind,
        text=quote.text,
        start=quote.start,
        end=quote.end,
        fidelity=fidelity,
        score=score,
        diff=diff,
        conflict=conflict or statement.conflict,
    )


def _add_copies(graph: nx.MultiDiGraph[str], trace: Trace) -> None:
    quotes = {q.id: q for q in trace.quotes if q.section == "body"}
    pairs: Counter[tuple[str, str]] = Counter()
    for link in trace.links:
        source, target = quotes.get(link.source), quotes.get(link.target)
        if source is not None and target is not None and source.article != target.article:
            pairs[(source.article, target.article)] += 1
    for (copy, original), count in sorted(pairs.items()):
        for article_id in (copy, original):
            if f"article:{article_id}" not in graph:
                graph.add_node(f"article:{article_id}", kind="article", label=article_id)
        graph.add_edge(f"article:{copy}", f"article:{original}", key="copied_from", kind="copied_from", count=count)


def _resolve(graph: nx.MultiDiGraph[str], ref: str, kind: str) -> str:
    """``ref`` as a node id of ``kind``; a bare id (``s1``) is accepted for ``statement:s1``."""
    node = ref if ref in graph else f"{kind}:{ref}"
    if node not in graph:
        raise ValueError(f"expected a {kind} node of the graph (such as '{kind}:…'), got {ref!r}")
    if graph.nodes[node].get("kind") != kind:
        raise ValueError(f"expected a {kind} node, got {ref!r}, a {graph.nodes[node].get('kind')} node")
    return node


def statements_of(graph: nx.MultiDiGraph[str], speaker_name: str) -> list[str]:
    """Statement node ids said by the speaker with this name or alias (sorted; empty if none).

    >>> statements_of(graph, "NIS")  # doctest: +SKIP
    ['statement:s2', 'statement:s4']
    """
    node = f"speaker:{speaker_name}"
    if node not in graph:
        wanted = speaker_name.casefold()
        node = next(
            (
                n
                for n, data in graph.nodes(data=True)
                if data.get("kind") == "speaker"
                and wanted in {a.casefold() for a in str(data.get("aliases", "")).split("; ")}
            ),
            "",
        )
        if not node:
            return []
    return sorted(
        head
        for _, head, data in graph.out_edges(node, data=True)
        if data.get("kind") == "said" and graph.nodes[head].get("kind") == "statement"
    )


def _statement_subgraph(graph: nx.MultiDiGraph[str], statement: str) -> nx.DiGraph[str]:
    """The hops one statement's words took: its relays and the articles quoting it."""
    statement_id = statement.removeprefix("statement:")
    hops: nx.DiGraph[str] = nx.DiGraph()
    for tail, head, data in graph.edges(data=True):
        if data.get("kind") in ("relayed", "quoted_in") and data.get("statement") == statement_id:
            hops.add_edge(tail, head)
    return hops


def paths_to_article(graph: nx.MultiDiGraph[str], statement_node: str, article_node: str) -> list[list[str]]:
    """Every route a statement's words took to an article, as lists of node ids (sorted).

    >>> paths_to_article(graph, "statement:s2", "article:000_508fbe3004b92db1.txt")  # doctest: +SKIP
    [['statement:s2', 'intermediary:lawmakers', 'intermediary:Yonhap News Agency', 'article:000_…']]
    """
    statement = _resolve(graph, statement_node, "statement")
    article = _resolve(graph, article_node, "article")
    hops = _statement_subgraph(graph, statement)
    if statement not in hops or article not in hops:
        return []
    return sorted([str(n) for n in path] for path in nx.all_simple_paths(hops, statement, article))


def first_appearance(graph: nx.MultiDiGraph[str], statement_node: str) -> tuple[str, str | None] | None:
    """The article that printed a statement first: ``(article node id, ISO date or None)``.

    The earliest dated article quoting the statement wins, ties going to the smaller
    id; undated articles count only when none is dated. ``None`` if nothing quotes it.
    """
    statement = _resolve(graph, statement_node, "statement")
    hops = _statement_subgraph(graph, statement)
    articles = sorted(
        (n for n in hops if graph.nodes[n].get("kind") == "article"),
        key=lambda n: (graph.nodes[n].get("date") is None, str(graph.nodes[n].get("date", "")), n),
    )
    if not articles:
        return None
    date = graph.nodes[articles[0]].get("date")
    return articles[0], None if date is None else str(date)


# ---------------------------------------------------------------- focus

# Without options, a story with more statements than this is drawn with only the statements
# that travelled (reproduced in two articles or more): a 5-article story stays readable and a
# 500-article one renders in seconds. JSON, CSV and text output always keep everything.
AUTO_FOCUS_ABOVE = 15
AUTO_TOP = 60


def statement_reach(graph: nx.MultiDiGraph[str]) -> dict[str, set[str]]:
    """Each statement node's articles (the ``quoted_in`` edges that carry it)."""
    reach: dict[str, set[str]] = {n: set() for n, d in graph.nodes(data=True) if d.get("kind") == "statement"}
    for _, head, data in graph.edges(data=True):
        if data.get("kind") == "quoted_in" and f"statement:{data.get('statement')}" in reach:
            reach[f"statement:{data['statement']}"].add(head)
    return reach


def focus(
    graph: nx.MultiDiGraph[str],
    *,
    speakers: Iterable[str] = (),
    statements: Iterable[str] = (),
    min_articles: int = 1,
    top: int | None = None,
    since: str | None = None,
    until: str | None = None,
) -> nx.MultiDiGraph[str]:
    """The part of the graph a reader asked for: some speakers' or statements' provenance, the
    statements that reached at least ``min_articles`` articles, the ``top`` most reproduced,
    quotes in articles dated from ``since`` to ``until`` (ISO dates; undated articles stay).

    >>> small = focus(graph, speakers=["Zelensky"], min_articles=2)  # doctest: +SKIP
    """
    in_range = {
        n
        for n, d in graph.nodes(data=True)
        if d.get("kind") == "article"
        and (since is None or not d.get("date") or str(d["date"]) >= since)
        and (until is None or not d.get("date") or str(d["date"]) <= until)
    }
    reach = {s: arts & in_range for s, arts in statement_reach(graph).items()}
    wanted = set(reach)
    names = [s.casefold() for s in speakers]
    if names:
        wanted = {
            s
            for s in wanted
            if any(
                n in str(graph.nodes[s].get("speaker", "")).casefold()
                or any(n in a.casefold() for a in _aliases(graph, str(graph.nodes[s].get("speaker", ""))))
                for n in names
            )
        }
    ids = {s if s.startswith("statement:") else f"statement:{s}" for s in statements}
    if ids:
        wanted &= ids
    wanted = {s for s in wanted if len(reach[s]) >= max(1, min_articles)}
    if top is not None:
        wanted = set(sorted(wanted, key=lambda s: (-len(reach[s]), s))[:top])
    kept: nx.MultiDiGraph[str] = nx.MultiDiGraph()
    keep_ids = {s.removeprefix("statement:") for s in wanted}
    for tail, head, key, data in graph.edges(keys=True, data=True):
        kind = data.get("kind")
        if kind == "said" and head in wanted:
            pass
        elif kind in ("relayed", "quoted_in") and str(data.get("statement")) in keep_ids:
            if kind == "quoted_in" and head not in in_range:
                continue
        else:
            continue
        for node in (tail, head):
            if node not in kept:
                kept.add_node(node, **graph.nodes[node])
        kept.add_edge(tail, head, key=key, **data)
    for node in sorted(wanted):
        if node not in kept:
            kept.add_node(node, **graph.nodes[node])
    for tail, head, key, data in graph.edges(keys=True, data=True):
        if data.get("kind") == "copied_from" and tail in kept and head in kept:
            kept.add_edge(tail, head, key=key, **data)
    return kept


def auto_focus(graph: nx.MultiDiGraph[str]) -> tuple[nx.MultiDiGraph[str], str | None]:
    """The default view: everything for a small story, the statements that travelled for a large one.

    Returns the graph to draw and, when something was left out, a one-line note saying what.
    """
    reach = statement_reach(graph)
    if len(reach) <= AUTO_FOCUS_ABOVE:
        return graph, None
    focused = focus(graph, min_articles=2, top=AUTO_TOP)
    shown = sum(1 for _, d in focused.nodes(data=True) if d.get("kind") == "statement")
    if shown == 0:
        focused = focus(graph, top=AUTO_TOP)
        shown = sum(1 for _, d in focused.nodes(data=True) if d.get("kind") == "statement")
        return focused, f"drawing the {shown} most quoted of {len(reach)} statements; --all draws every one"
    return focused, (
        f"drawing {shown} of {len(reach)} statements (those reproduced in 2 or more articles); --all draws every one"
    )


def _aliases(graph: nx.MultiDiGraph[str], speaker: str) -> list[str]:
    node = graph.nodes.get(f"speaker:{speaker}") if f"speaker:{speaker}" in graph else None
    return [a for a in str(node.get("aliases", "")).split("; ") if a] if node else []
