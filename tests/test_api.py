"""The notebook API: ``import quotetrace as qt`` and each stage used on its own."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_contract import A000

import quotetrace as qt

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")


def test_trace_returns_tuples_of_model_objects(seed_trace: qt.Trace) -> None:
    assert isinstance(seed_trace, qt.Trace)
    expected = {
        "articles": qt.Article,
        "quotes": qt.Quote,
        "speakers": qt.Speaker,
        "statements": qt.Statement,
        "links": qt.Link,
    }
    for name, cls in expected.items():
        items = getattr(seed_trace, name)
        assert isinstance(items, tuple), name
        assert items, name
        assert all(isinstance(item, cls) for item in items), name


def test_graph_is_a_typed_multidigraph(seed_trace: qt.Trace) -> None:
    graph = seed_trace.graph
    assert isinstance(graph, nx.MultiDiGraph)
    kinds = {data.get("kind") for _, data in graph.nodes(data=True)}
    assert kinds == {"speaker", "statement", "article", "intermediary"}
    assert seed_trace.graph is graph  # built once


@needs_dot
def test_to_svg(seed_trace: qt.Trace) -> None:
    svg = seed_trace.to_svg()
    assert isinstance(svg, str)
    assert svg.startswith("<svg")


@needs_dot
def test_notebook_display(seed_trace: qt.Trace) -> None:
    bundle = seed_trace._repr_mimebundle_()
    assert bundle["image/svg+xml"].startswith("<svg")
    assert bundle["text/plain"] == repr(seed_trace)


def test_repr_mentions_counts(seed_trace: qt.Trace) -> None:
    text = repr(seed_trace)
    assert f"{len(seed_trace.articles)} articles" in text
    assert f"{len(seed_trace.quotes)} quotes" in text
    assert f"{len(seed_trace.speakers)} speakers" in text
    assert f"{len(seed_trace.statements)} statements" in text
    assert f"{len(seed_trace.links)} links" in text


def test_trace_takes_a_list_of_paths(seeds_dir: Path) -> None:
    t = qt.trace([str(seeds_dir / A000)])
    assert [a.id for a in t.articles] == [A000]
    assert t.quotes
    assert all(q.article == A000 for q in t.quotes)


def test_trace_takes_articles_already_read(seeds_dir: Path, seed_trace: qt.Trace) -> None:
    articles = qt.read_articles([seeds_dir])
    assert all(isinstance(a, qt.Article) for a in articles)
    t = qt.trace(list(articles))
    assert t == seed_trace


def test_version_and_exports() -> None:
    assert isinstance(qt.__version__, str) and qt.__version__
    missing = [name for name in qt.__all__ if not hasattr(qt, name)]
    assert missing == []
    assert len(qt.__all__) == len(set(qt.__all__))


def test_compare() -> None:
    cmp = qt.compare("we will organize it", "we will organise it")
    assert cmp is not None
    assert cmp.fidelity == "variant"
    assert [(e.op, e.a_text, e.b_text) for e in cmp.diff] == [("replace", "organize", "organise")]
    assert qt.compare("we will organize it", "we will organize it").fidelity == "verbatim"  # type: ignore[union-attr]
    assert qt.compare("we will organize it", "bananas are yellow and taste sweet") is None


def _samples() -> list[object]:
    span = qt.Span(0, 3, "abc")
    return [
        span,
        qt.Section(0, 3, "related", "Latest Stories"),
        qt.Article(id="a", text="abc"),
        qt.Quote(id="q", article="a", start=0, end=3, text="abc", kind="direct", speaker_mention=span),
        qt.Speaker(name="Someone"),
        qt.Edit("replace", 0, 1, "a", 0, 1, "b"),
        qt.Link(source="q", target="S1", score=100.0, fidelity="verbatim"),
        qt.Statement(id="S1", speaker=None, text="abc", origin="q", quotes=("q",), date=dt.date(2025, 1, 12)),
        qt.Trace((), (), (), (), ()),
    ]


@pytest.mark.parametrize("obj", _samples(), ids=lambda obj: type(obj).__name__)
def test_model_is_frozen(obj: object) -> None:
    field = dataclasses.fields(obj)[0].name  # type: ignore[arg-type]
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(obj, field, None)


def test_seed_objects_are_frozen(seed_trace: qt.Trace) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        seed_trace.quotes[0].text = "something else"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        seed_trace.quotes = ()  # type: ignore[misc]


# --- properties ------------------------------------------------------------------

_SEEDS = Path(__file__).resolve().parent.parent / "seeds"
PARAGRAPHS = sorted(
    {line for file in sorted(_SEEDS.glob("*.txt")) for line in file.read_text(encoding="utf-8").split("\n") if line}
)
# Characters the extractors key on, so random text often looks half like a quotation.
MARKS = "\"“”'‘’«»„:;,.—–-…()[]@#\n\r\t \u00a0\u200b\ufeff"
TRICKY = st.sampled_from([*MARKS, "said", " told ", "X", "According to"])
NOISE = st.lists(st.one_of(TRICKY, st.text(max_size=20)), max_size=8).map("".join)
TEXTS = st.lists(st.one_of(st.sampled_from(PARAGRAPHS), st.text(max_size=60), NOISE), max_size=8).map("\n".join)


@settings(max_examples=150, deadline=None)
@given(TEXTS)
def test_extraction_offsets_hold_and_are_deterministic(text: str) -> None:
    article = qt.article_from_text(text, id="x")
    assert article.text == text
    first = qt.extract_quotes(article)
    for q in first.quotes:
        assert q.article == "x"
        assert 0 <= q.start <= q.end <= len(text)
        assert text[q.start : q.end] == q.text
        for span in (q.speaker_mention, q.cue):
            if span is not None:
                assert 0 <= span.start <= span.end <= len(text)
                assert text[span.start : span.end] == span.text
    assert len({q.id for q in first.quotes}) == len(first.quotes)
    again = qt.extract_quotes(qt.article_from_text(text, id="x"))
    assert again == first


def test_with_linking_is_replace(seed_trace: qt.Trace) -> None:
    """``model.with_linking`` builds a ``Quote`` field by field: it must stay what ``dataclasses.replace`` makes."""
    from quotetrace.model import with_linking

    for q in seed_trace.quotes:
        via = (*q.via, "Yonhap")
        expected = dataclasses.replace(q, speaker="Someone", via=via, statement="S99")
        assert with_linking(q, "Someone", via, "S99") == expected
