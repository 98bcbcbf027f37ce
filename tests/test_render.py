"""DOT, SVG and the other renderings: escaping, determinism, self-containment, no Graphviz."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import graphviz
import networkx as nx
import pytest
from _factories import A001, sample_trace, tiny_trace
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quotetrace import render as render_module
from quotetrace.errors import GraphvizMissingError
from quotetrace.graph import build_graph
from quotetrace.render import mimebundle, render, to_dot, to_svg

HAS_DOT = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(not HAS_DOT, reason="Graphviz's dot is not installed")

HOSTILE = 'He said "x" {y} | \\ <b>bold</b> & &amp; \\N \\l \\" end\\ </text><script>alert(1)</script>\x00\x1b'

SVG_NS = "{http://www.w3.org/2000/svg}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"


def _hostile_graph() -> nx.MultiDiGraph[str]:
    trace = tiny_trace(
        HOSTILE,
        speaker='<Evil> "Speaker" \\',
        title="<<b>T</b>> {x}",
        outlet="A & B",
        url="javascript:alert(1)",
        via=('agency "<i>"', "\\wire"),
    )
    return build_graph(trace)


def test_dot_shape() -> None:
    dot = to_dot(build_graph(sample_trace()))
    assert dot.startswith("digraph quotetrace {")
    assert "rankdir=LR" in dot
    assert dot.count("subgraph cluster_speaker") == 2
    assert "subgraph cluster_legend" in dot
    for shape in ("ellipse", "note", "hexagon", "box"):
        assert f"shape={shape}" in dot
    assert "Helvetica,Arial,sans-serif" in dot
    # one URL: the only article with a url; outlet, agency and date are in its label
    assert dot.count("URL=") == 1
    assert "The Moscow Times (AFP) · 2025-01-13" in dot
    # edge styles by fidelity
    assert "style=dashed" in dot and "style=dotted" in dot and 'color="#2c7bb6"' in dot
    assert "-organize +organise" in dot  # the diff, in the tooltip


def test_dot_is_deterministic() -> None:
    assert to_dot(build_graph(sample_trace())) == to_dot(build_graph(sample_trace()))


def test_dot_escapes_hostile_text() -> None:
    dot = to_dot(_hostile_graph())
    assert "\x00" not in dot and "\x1b" not in dot
    # backslashes doubled (no \N or \l escapes), & as an entity, " escaped, never an HTML-like label
    assert 'label="“He said \\"x\\" {y} | \\\\ <b>bold</b> &amp;' in dot
    assert '&amp;amp; \\\\N \\\\l \\\\\\" end\\\\' in dot
    assert 'label="<<b>T</b>> {x}' in dot and "label=<" not in dot
    assert "javascript:" not in re.sub(r'tooltip="[^"]*(?:\\.[^"]*)*"', "", dot)  # not a link anywhere
    for line in dot.splitlines():  # every quoted string closes on its line
        assert len(re.findall(r'(?<!\\)(?:\\\\)*"', line)) % 2 == 0, line


@needs_dot
def test_hostile_text_renders_safely() -> None:
    svg = to_svg(_hostile_graph())
    root = ET.fromstring(svg)  # well-formed XML
    assert root.tag == SVG_NS + "svg"
    assert "<script" not in svg and "<b>" not in svg and "<i>" not in svg
    assert "&lt;/text&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    texts = ["".join(t.itertext()) for t in root.iter(SVG_NS + "text")]
    assert any('\\N \\l \\" end\\' in t for t in texts)  # shown literally, not expanded
    assert any("&amp;" in t for t in texts)  # an entity in the quote stays as typed
    assert not [a for a in root.iter(SVG_NS + "a") if a.get(XLINK_HREF)]  # javascript: is no link


@needs_dot
def test_svg_is_deterministic_and_self_contained() -> None:
    trace = sample_trace()
    one = to_svg(build_graph(trace))
    two = to_svg(build_graph(sample_trace()))
    assert one.encode() == two.encode()
    assert one.startswith("<svg")
    assert "<!DOCTYPE" not in one and "<?xml" not in one and "graphviz version" not in one
    assert "<script" not in one and "<image" not in one and "@import" not in one
    hrefs = re.findall(r'xlink:href="(http[^"]*)"', one)
    assert hrefs == [trace.article(A001).url]
    assert one.count('href="') == 1
    ET.fromstring(one)


@needs_dot
def test_svg_tooltips() -> None:
    svg = to_svg(build_graph(sample_trace()))
    assert "changes: &#45;organize +organise" in svg  # the diff on the edge tooltip
    assert "dependent on military assistance from North Korea." in svg  # full statement text


@needs_dot
def test_render_formats() -> None:
    graph = build_graph(sample_trace())
    assert render(graph, "png").startswith(b"\x89PNG\r\n\x1a\n")
    assert render(graph, "pdf").startswith(b"%PDF")
    assert render(graph, "svg") == to_svg(graph).encode("utf-8")
    assert render(graph, "dot") == to_dot(graph).encode("utf-8")
    with pytest.raises(ValueError, match="fmt must be one of svg, png, pdf, dot; got 'gif'"):
        render(graph, "gif")


@needs_dot
def test_mimebundle_with_dot() -> None:
    trace = sample_trace()
    bundle = mimebundle(trace.graph, summary=repr(trace))
    assert set(bundle) == {"text/plain", "image/svg+xml", "text/html"}
    assert bundle["text/plain"].startswith("<Trace: 5 articles")
    assert bundle["image/svg+xml"] in bundle["text/html"]
    assert trace._repr_mimebundle_() == bundle
    assert trace.to_svg() == bundle["image/svg+xml"]


@needs_dot
def test_empty_graph_renders() -> None:
    from quotetrace.model import Trace

    svg = to_svg(build_graph(Trace((), (), (), (), ())))
    assert svg.startswith("<svg")


def test_missing_dot(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda *args, **kwargs: None)
    trace = sample_trace()
    graph = build_graph(trace)
    with pytest.raises(GraphvizMissingError, match="SVG needs Graphviz"):
        to_svg(graph)
    with pytest.raises(GraphvizMissingError, match="PNG needs Graphviz"):
        render(graph, "png")
    assert to_dot(graph).startswith("digraph")
    assert render(graph, "dot").startswith(b"digraph")
    assert trace.to_dot() == to_dot(graph)

    bundle = mimebundle(graph, summary="<Trace: 5 articles>")
    assert set(bundle) == {"text/plain", "text/html"}
    assert bundle["text/plain"] == "<Trace: 5 articles>"
    assert "&lt;Trace: 5 articles&gt;" in bundle["text/html"]
    assert "install" in bundle["text/html"] and "graphviz" in bundle["text/html"].lower()


def test_dot_not_on_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(GraphvizMissingError):
        to_svg(build_graph(tiny_trace()))


def test_executable_not_found_becomes_graphviz_missing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # `which` says yes, but running dot fails: graphviz raises ExecutableNotFound
    monkeypatch.setattr(shutil, "which", lambda *args, **kwargs: "/usr/bin/dot")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(GraphvizMissingError) as info:
        to_svg(build_graph(tiny_trace()))
    assert isinstance(info.value.__cause__, graphviz.ExecutableNotFound)


def test_only_web_urls_become_links() -> None:
    ok = to_dot(build_graph(tiny_trace(url="https://example.org/a?b=1&c=2")))
    assert 'URL="https://example.org/a?b=1&c=2"' in ok
    for url in ("javascript:alert(1)", "data:text/html,<script>", "file:///etc/passwd", "https://x.org/\\N"):
        assert "URL=" not in to_dot(build_graph(tiny_trace(url=url))), url
    assert "URL=" not in to_dot(build_graph(tiny_trace(url=None)))


def test_unknown_fidelity_and_conflict_styles() -> None:
    dot = to_dot(build_graph(tiny_trace(conflict=True)))
    assert dot.count('color="#d7191c"') >= 3  # statement border, edge, legend
    assert "conflicting attribution" in dot
    assert render_module.FIDELITY_STYLE["altered"]["style"] == "bold"


_TEXT = st.text(max_size=200)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    quote=_TEXT, speaker=st.text(max_size=30), title=st.none() | _TEXT, via=st.lists(st.text(max_size=20), max_size=3)
)
def test_to_dot_never_raises(quote: str, speaker: str, title: str | None, via: list[str]) -> None:
    dot = to_dot(build_graph(tiny_trace(quote, speaker=speaker, title=title, via=tuple(via))))
    assert dot.startswith("digraph quotetrace {") and dot.endswith("}\n")
    assert "\x00" not in dot


@needs_dot
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(quote=_TEXT, speaker=st.text(max_size=30))
def test_any_text_renders_to_well_formed_svg(quote: str, speaker: str) -> None:
    svg = to_svg(build_graph(tiny_trace(quote, speaker=speaker)))
    ET.fromstring(svg)
    assert "<script" not in svg
