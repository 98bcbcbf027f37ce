"""Citation graph -> DOT, SVG, PNG, PDF, through the ``graphviz`` package.

The drawing reads left to right, the way the words travelled: speakers (each in a
box with their statements), statements, intermediaries, then articles, a column per
publication date, oldest first. The style of a ``quoted_in`` edge says how
faithfully the article reproduced the words (see the legend drawn with the graph);
hovering over an edge shows the quote and what changed, over a statement its full
text; article boxes link to the article's URL.

DOT needs nothing but Python. SVG, PNG and PDF need Graphviz's ``dot`` program and
raise ``GraphvizMissingError`` without it. Every piece of text from the articles is
escaped here (backslashes, ``&``, quotes, ``<...>``) and stripped of control
characters, so hostile quote text cannot break the DOT or inject markup into SVG.

>>> svg = to_svg(build_graph(trace))  # doctest: +SKIP
"""

from __future__ import annotations

import html
import itertools
import re
import shutil
import textwrap
from typing import Any

import graphviz
import networkx as nx

from quotetrace.errors import GraphvizMissingError, OutputError
from quotetrace.model import Trace

__all__ = ["FORMATS", "mimebundle", "render", "to_dot", "to_html", "to_svg"]

FORMATS = ("svg", "png", "pdf", "dot")

FONT = "Helvetica,Arial,sans-serif"  # generic families only: the SVG must not need a font file

# Wrap widths in characters, chosen so a node stays about as wide as a short headline.
STATEMENT_WRAP = 34
TITLE_WRAP = 30

GREY = "#333333"
CONFLICT = "#d7191c"

# How a quoted_in edge is drawn for each fidelity: line style tells the kind of cut,
# colour marks changed words, so the drawing stays readable in greyscale.
FIDELITY_STYLE: dict[str, dict[str, str]] = {
    "verbatim": {"style": "solid", "color": GREY},
    "truncated": {"style": "dashed", "color": GREY},
    "paraphrase": {"style": "dotted", "color": GREY},
    "variant": {"style": "solid", "color": "#2c7bb6", "penwidth": "1.6"},
    "altered": {"style": "bold", "color": "#e66101"},
    "unknown": {"style": "solid", "color": "#999999"},
}
COPY_STYLE = {"style": "dashed", "color": "#6a3d9a", "fontcolor": "#6a3d9a", "constraint": "false"}
RELAY_STYLE = {"color": "#666666", "arrowsize": "0.7"}
SAID_STYLE = {"color": "#999999", "arrowsize": "0.6"}

LEGEND: tuple[tuple[str, dict[str, str]], ...] = (
    ("verbatim", FIDELITY_STYLE["verbatim"]),
    ("truncated", FIDELITY_STYLE["truncated"]),
    ("paraphrase", FIDELITY_STYLE["paraphrase"]),
    ("variant (small wording changes)", FIDELITY_STYLE["variant"]),
    ("altered (meaning may differ)", FIDELITY_STYLE["altered"]),
    ("conflicting attribution", {"style": "solid", "color": CONFLICT, "penwidth": "2"}),
    ("relayed by", RELAY_STYLE),
    ("copied from", {k: v for k, v in COPY_STYLE.items() if k != "constraint"}),
)

# XML 1.0 forbids most control characters, surrogates and U+FFFE/U+FFFF; dot passes
# them through to the SVG, which a browser then refuses to display.
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_SPACE = re.compile(r"\s+")
_LEADING = re.compile(r"\A.*?(?=<svg\b)", re.DOTALL)


def _clean(text: str) -> str:
    return _UNSAFE.sub("", _SPACE.sub(" ", text)).strip()


def _esc(text: str) -> str:
    """One line of article text made literal for a DOT escString.

    Backslashes would start escapes (``\\N``, ``\\l``) and ``&amp;``-style entities
    would be decoded by dot, so both are escaped; ``graphviz`` quotes the ``"``.
    """
    return _clean(text).replace("\\", "\\\\").replace("&", "&amp;")


def _text(*lines: str) -> str:
    """Lines joined with DOT line breaks, never read as an HTML-like ``<...>`` label."""
    text: str = graphviz.nohtml("\\n".join(_esc(line) for line in lines if _clean(line)))
    return text


def _node_tip(*lines: str) -> str:
    """A node tooltip: Graphviz 2.4x expands escapes in node tooltips twice, turning an
    escaped ``\\N`` back into the node's name, so backslashes are shown as a look-alike."""
    return _text(*(line.replace("\\", "\u29f5") for line in lines))


def _wrap(text: str, width: int, max_lines: int = 4) -> list[str]:
    lines = textwrap.wrap(_clean(text), width, break_long_words=True) or [""]
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], textwrap.shorten(" ".join(lines[max_lines - 1 :]), width, placeholder="…")]
    return lines


def _is_web_url(url: str) -> bool:
    # Only http(s): a javascript: or data: URL in an article's metadata must not become a link.
    return re.match(r"https?://[^\s\"<>\\\x00-\x1f\x7f]+\Z", url, re.IGNORECASE) is not None


def to_dot(graph: nx.MultiDiGraph[str]) -> str:
    """The graph as Graphviz DOT source (no ``dot`` binary needed).

    >>> to_dot(build_graph(trace)).splitlines()[0]  # doctest: +SKIP
    'digraph quotetrace {'
    """
    return str(_digraph(graph).source)


def _attrs(data: dict[str, Any], key: str, default: str = "") -> str:
    value = data.get(key)
    return default if value is None else str(value)


def _digraph(graph: nx.MultiDiGraph[str]) -> Any:
    dot = graphviz.Digraph(
        name="quotetrace",
        graph_attr={
            "rankdir": "LR",
            "bgcolor": "white",
            "fontname": FONT,
            "fontsize": "11",
            "nodesep": "0.25",
            "ranksep": "0.55",
            "newrank": "true",
        },
        node_attr={"fontname": FONT, "fontsize": "10", "margin": "0.12,0.06"},
        edge_attr={"fontname": FONT, "fontsize": "9"},
    )
    names = {node: f"n{i}" for i, node in enumerate(graph.nodes)}
    nodes: dict[str, dict[str, Any]] = {node: dict(data) for node, data in graph.nodes(data=True)}
    by_kind: dict[str, list[str]] = {}
    for node, data in nodes.items():
        by_kind.setdefault(_attrs(data, "kind", "unknown"), []).append(node)

    placed: set[str] = set()
    for i, speaker in enumerate(by_kind.get("speaker", [])):
        said = [
            head
            for _, head, data in graph.out_edges(speaker, data=True)
            if data.get("kind") == "said" and head not in placed
        ]
        with dot.subgraph(name=f"cluster_speaker{i}") as cluster:
            cluster.attr(style="rounded,filled", fillcolor="#f6f6f6", color="#dddddd", label="")
            cluster.attr(tooltip=_text(f"{_attrs(nodes[speaker], 'label')}: {len(said)} statement(s)"))
            _node(cluster, names[speaker], nodes[speaker])
            for statement in dict.fromkeys(said):
                _node(cluster, names[statement], nodes[statement])
                placed.add(statement)
        placed.add(speaker)
    for node in nodes:
        if node not in placed and nodes[node].get("kind") != "article":
            _node(dot, names[node], nodes[node])
    _articles(dot, names, nodes, by_kind.get("article", []))

    for tail, head, data in graph.edges(data=True):
        dot.edge(names[tail], names[head], **_edge(data, nodes[tail], nodes[head]))
    _legend(dot)
    return dot


def _articles(dot: Any, names: dict[str, str], nodes: dict[str, dict[str, Any]], articles: list[str]) -> None:
    """Articles in columns by date, oldest on the left; undated ones where the layout puts them."""
    dated = sorted((_attrs(nodes[a], "date"), a) for a in articles if nodes[a].get("date") is not None)
    for article in articles:
        if nodes[article].get("date") is None:
            _node(dot, names[article], nodes[article])
    firsts: list[str] = []
    for _, group in itertools.groupby(dated, key=lambda pair: pair[0]):
        members = [a for _, a in group]
        with dot.subgraph() as column:
            column.attr(rank="same")
            for article in members:
                _node(column, names[article], nodes[article])
        firsts.append(names[members[0]])
    for earlier, later in itertools.pairwise(firsts):
        dot.edge(earlier, later, style="invis", weight="0")


def _node(dot: Any, name: str, data: dict[str, Any]) -> None:
    kind = _attrs(data, "kind")
    label = _attrs(data, "label", name)
    if kind == "speaker":
        handle = _attrs(data, "handle")
        aliases = _attrs(data, "aliases")
        tooltip = label + (f" (also: {aliases})" if aliases else "")
        dot.node(
            name,
            label=_text(label, handle),
            tooltip=_node_tip(tooltip),
            shape="ellipse",
            style="bold,filled",
            fillcolor="#fff4d6",
        )
    elif kind == "statement":
        when = " · ".join(filter(None, (_attrs(data, "channel"), _attrs(data, "date"))))
        n_quotes = int(data.get("n_quotes", 0))
        attrs = {"shape": "note", "style": "filled", "fillcolor": "white", "color": GREY}
        conflict = bool(data.get("conflict", False))
        if conflict:
            attrs.update(color=CONFLICT, penwidth="2", fontcolor=CONFLICT)
        notes = [when, f"quoted {n_quotes}×" if n_quotes != 1 else "quoted once"]
        if conflict:
            notes.append("conflicting attribution")
        lines = _wrap(f"“{label}”", STATEMENT_WRAP)
        dot.node(
            name,
            label=_text(*lines, " · ".join(filter(None, notes))),
            tooltip=_node_tip(_attrs(data, "text", label)),
            **attrs,
        )
    elif kind == "intermediary":
        dot.node(
            name,
            label=_text(*_wrap(label, 20, 3)),
            tooltip=_node_tip(f"relayed by {label}"),
            shape="hexagon",
            style="filled",
            fillcolor="#eeeeee",
            color="#666666",
        )
    elif kind == "article":
        outlet = _attrs(data, "outlet")
        agency = _attrs(data, "agency")
        source = f"{outlet} ({agency})" if outlet and agency and agency != outlet else outlet or agency
        byline = " · ".join(filter(None, (source, _attrs(data, "date", "undated"))))
        attrs = {"shape": "box", "style": "rounded,filled", "fillcolor": "#eaf2fb", "color": "#4a6f9c"}
        url = _attrs(data, "url")
        if url and _is_web_url(url):
            # The pattern above admits no backslash, quote or space, so the URL goes in as it is.
            attrs.update(URL=graphviz.nohtml(url), target="_blank")
        title = _attrs(data, "title") or label
        dot.node(
            name,
            label=_text(*_wrap(label, TITLE_WRAP, 3), byline),
            tooltip=_node_tip(title, url),
            **attrs,
        )
    else:  # a node kind this renderer does not know: draw it plainly rather than fail
        dot.node(name, label=_text(label), shape="box", style="dashed")


def _edge(data: dict[str, Any], tail: dict[str, Any], head: dict[str, Any]) -> dict[str, str]:
    kind = _attrs(data, "kind")
    if kind == "quoted_in":
        fidelity = _attrs(data, "fidelity", "unknown")
        attrs = dict(FIDELITY_STYLE.get(fidelity, FIDELITY_STYLE["unknown"]))
        if data.get("conflict"):
            attrs.update(color=CONFLICT, penwidth="2")
        verdict = f"{fidelity}, score {float(data.get('score', 0.0)):.1f}"
        if data.get("conflict"):
            verdict += ", conflicting attribution"
        diff = _attrs(data, "diff")
        attrs["tooltip"] = _text(f"“{_attrs(data, 'text')}”", verdict, f"changes: {diff}" if diff else "")
        return attrs
    if kind == "relayed":
        count = int(data.get("count", 1))
        attrs = dict(RELAY_STYLE, penwidth=f"{min(1.0 + 0.5 * (count - 1), 4.0):.1f}")
        if count > 1:
            attrs["label"] = f"×{count}"
        attrs["tooltip"] = _text(f"relayed to {_attrs(head, 'label')}: {count} quote(s)")
        return attrs
    if kind == "copied_from":
        count = int(data.get("count", 1))
        attrs = dict(COPY_STYLE, label=f"copied ×{count}" if count > 1 else "copied")
        attrs["tooltip"] = _text(f"{_attrs(tail, 'label')} reproduces {count} quote(s) of {_attrs(head, 'label')}")
        return attrs
    if kind == "said":
        return dict(SAID_STYLE, tooltip=_text(f"{_attrs(tail, 'label')} said"))
    return {"style": "dashed", "color": "#bbbbbb"}


def _legend(dot: Any) -> None:
    with dot.subgraph(name="cluster_legend") as legend:
        legend.attr(label="Edges", style="rounded", color="#bbbbbb", fontsize="10", tooltip="Legend")
        legend.attr("node", shape="point", width="0.04", color="#999999", label="")
        for i, (name, style) in enumerate(LEGEND):
            legend.node(f"legend{i}a")
            legend.node(f"legend{i}b")
            legend.edge(f"legend{i}a", f"legend{i}b", label=_text(name), tooltip=_text(name), **style)


def _pipe(graph: nx.MultiDiGraph[str], fmt: str) -> bytes:
    if shutil.which("dot") is None:
        raise GraphvizMissingError(fmt)
    try:
        data: bytes = _digraph(graph).pipe(format=fmt, quiet=True)
    except graphviz.ExecutableNotFound as exc:
        raise GraphvizMissingError(fmt) from exc
    except graphviz.CalledProcessError as exc:
        stderr = exc.stderr.decode("utf-8", "replace") if isinstance(exc.stderr, bytes) else str(exc.stderr or "")
        reason = next((line for line in stderr.splitlines() if line.strip()), f"exit status {exc.returncode}")
        raise OutputError(f"Graphviz 'dot' could not render {fmt.upper()}: {reason}") from exc
    return data


def to_svg(graph: nx.MultiDiGraph[str]) -> str:
    """The graph as self-contained SVG text, starting at ``<svg`` (needs Graphviz's ``dot``).

    Deterministic: the same graph gives byte-identical SVG. The XML prolog, DOCTYPE
    (which points at the W3C's DTD) and the comments naming the Graphviz version are
    left out, so the text can be inlined in HTML as it is; the only links are article URLs.
    """
    svg = _pipe(graph, "svg").decode("utf-8")
    return _LEADING.sub("", svg, count=1)


def render(graph: nx.MultiDiGraph[str], fmt: str) -> bytes:
    """The graph as ``svg``, ``png``, ``pdf`` or ``dot`` bytes (all but ``dot`` need Graphviz)."""
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(FORMATS)}; got {fmt!r}")
    if fmt == "dot":
        return to_dot(graph).encode("utf-8")
    if fmt == "svg":
        return to_svg(graph).encode("utf-8")
    return _pipe(graph, fmt)


def mimebundle(graph: nx.MultiDiGraph[str], *, summary: str) -> dict[str, str]:
    """What a notebook shows for a trace: the summary, and the drawing as SVG and as HTML
    (the SVG inline under the summary: front ends that prefer HTML show both).

    Without Graphviz, an HTML note saying how to install it replaces the drawing.
    """
    try:
        svg = to_svg(graph)
        page = f"<div><p>{html.escape(summary)}</p>{svg}</div>"
        return {"text/plain": summary, "image/svg+xml": svg, "text/html": page}
    except (GraphvizMissingError, OutputError) as exc:
        return {"text/plain": summary, "text/html": _html_note(summary, exc)}


def _html_note(summary: str, exc: Exception) -> str:
    return f"<pre>{html.escape(summary)}</pre>\n<p><em>No drawing:</em> {html.escape(str(exc))}</p>"


# ---------------------------------------------------------------- the HTML report

_REPORT_CSS = """
body{font-family:Helvetica,Arial,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;color:#222;
line-height:1.45}h1{font-size:1.6rem}h3{font-size:1rem;color:#555}
h2{font-size:1.2rem;margin-top:2.2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
figure{margin:1rem 0;overflow:auto;border:1px solid #eee;padding:.5rem}figure svg{max-width:100%;height:auto}
blockquote{margin:.6rem 0;padding:.4rem .8rem;border-left:4px solid #888;background:#f7f7f7}
table{border-collapse:collapse;width:100%;font-size:.92rem}th{background:#fafafa}
td,th{border-bottom:1px solid #eee;padding:.35rem;text-align:left;vertical-align:top}
mark.rep,mark.ins{background:#ffe08a}del{color:#b00020}.fid{font-weight:bold;white-space:nowrap}
.verbatim{color:#1b5e20}.truncated{color:#33691e}.variant{color:#0d47a1}.altered{color:#e65100}
.paraphrase{color:#6a1b9a}.origin{font-size:.8rem;color:#555}.note{color:#666;font-size:.9rem}
"""


def to_html(trace: Trace, graph: nx.MultiDiGraph[str] | None = None) -> str:
    """One self-contained HTML report: the graph inline, then every statement with its origin,
    each reproduction (outlet, date, fidelity, the changed words marked) and its timeline.

    ``graph`` is the graph to draw (a ``graph.focus`` of ``trace.graph``); the statements
    listed below it are always all of them. Every piece of article text is escaped: a
    ``<script>`` in an article stays text.
    """
    from quotetrace.provenance import timeline

    articles = {a.id: a for a in trace.articles}
    quotes = {q.id: q for q in trace.quotes}
    to_statement = {(ln.source, ln.target): ln for ln in trace.links}
    try:
        figure = to_svg(trace.graph if graph is None else graph)
    except GraphvizMissingError as err:
        figure = f'<p class="note">{html.escape(str(err))}</p>'
    title = f"Quote provenance: {len(trace.articles)} articles, {len(trace.statements)} statements"
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title><style>{_REPORT_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="note">{len(trace.quotes)} quotes by {len(trace.speakers)} speakers. Made by quotetrace.</p>',
        f"<figure>{figure}</figure>",
    ]
    shown = sorted(trace.statements, key=lambda s: (-len(s.quotes), s.id))
    for st in shown:
        head = " · ".join(x for x in (st.channel, st.date.isoformat() if st.date else None) if x)
        where = f" · {html.escape(head)}" if head else ""
        parts.append(
            f'<h2 id="{html.escape(st.id)}">{html.escape(st.speaker or "Unknown speaker")}{where} '
            f'<span class="origin">({html.escape(st.id)})</span></h2>'
        )  # fmt: skip
        parts.append(f"<blockquote>{html.escape(st.text)}</blockquote>")
        origin = quotes.get(st.origin)
        if origin is not None:
            parts.append(f'<p class="origin">Origin: {html.escape(origin.kind)} in '
                         f"{html.escape(_article_label(articles, origin.article))}</p>")  # fmt: skip
        parts.append("<table><tr><th>Article</th><th>Date</th><th>Kind</th><th>Fidelity</th><th>Words</th></tr>")
        for qid in st.quotes:
            q = quotes[qid]
            art = articles.get(q.article)
            link = to_statement.get((q.id, st.id))
            fidelity = link.fidelity if link else "linked"
            via = f"<br><span class='note'>via {html.escape(' → '.join(q.via))}</span>" if q.via else ""
            parts.append(
                f"<tr><td>{html.escape(_article_label(articles, q.article))}{via}</td>"
                f"<td>{html.escape(art.date.isoformat() if art and art.date else '')}</td>"
                f"<td>{html.escape(q.kind)}</td><td class='fid {html.escape(fidelity)}'>{html.escape(fidelity)}</td>"
                f"<td>{_marked(q.text, link.diff if link else ())}</td></tr>"
            )
        parts.append("</table>")
        appearances = timeline(st, quotes, articles, trace.links)
        if len(appearances) > 1:
            parts.append("<h3>Timeline</h3><ol>")
            for a in appearances:
                when = a.date.isoformat() if a.date else "undated"
                parts.append(f"<li>{html.escape(when)}: {html.escape(_article_label(articles, a.article))}"
                             f" ({html.escape(a.fidelity or 'linked')})</li>")  # fmt: skip
            parts.append("</ol>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _article_label(articles: dict[str, Any], article_id: str) -> str:
    art = articles.get(article_id)
    if art is None:
        return article_id
    name = art.outlet or art.title or article_id
    return name if name == article_id else f"{name} ({article_id})"


def _marked(text: str, diff: Any) -> str:
    """The quote's text, escaped, with the words that differ from the statement marked."""
    out: list[str] = []
    pos = 0
    for e in sorted(diff, key=lambda e: (e.b_start, e.b_end)):
        if e.b_start < pos:
            continue
        out.append(html.escape(text[pos : e.b_start]))
        if e.op == "delete":
            out.append(f'<del title="left out">{html.escape(e.a_text)}</del>')
        else:
            tip = f"was: {e.a_text}" if e.op == "replace" else "added"
            out.append(f'<mark class="{"rep" if e.op == "replace" else "ins"}" title="{html.escape(tip)}">'
                       f"{html.escape(text[e.b_start : e.b_end])}</mark>")  # fmt: skip
        pos = max(pos, e.b_end)
    out.append(html.escape(text[pos:]))
    return "".join(out)
