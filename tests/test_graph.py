"""build_graph and the query helpers, on the seed story built by hand."""

from __future__ import annotations

import dataclasses
from typing import Any

import networkx as nx
import pytest
from _factories import A000, A001, A002, A003, A004, NIS, ZELENSKY, sample_trace, tiny_trace

from quotetrace.graph import build_graph, diff_text, first_appearance, paths_to_article, shorten, statements_of
from quotetrace.model import Edit, Quote, Trace

PLAIN = (str, int, float, bool)


@pytest.fixture(scope="module")
def graph() -> nx.MultiDiGraph[str]:
    return build_graph(sample_trace())


def _edges(graph: nx.MultiDiGraph[str], kind: str) -> list[tuple[str, str, dict[str, Any]]]:
    return [(u, v, d) for u, v, d in graph.edges(data=True) if d["kind"] == kind]


def _quoted_in(graph: nx.MultiDiGraph[str]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """quoted_in edges by quote id."""
    return {d["quote"]: (u, v, d) for u, v, d in _edges(graph, "quoted_in")}


def test_nodes_have_kinds_matching_their_ids(graph: nx.MultiDiGraph[str]) -> None:
    kinds = {node: data["kind"] for node, data in graph.nodes(data=True)}
    assert all(node.startswith(kind + ":") for node, kind in kinds.items())
    assert sorted(n for n, k in kinds.items() if k == "speaker") == [f"speaker:{NIS}", f"speaker:{ZELENSKY}"]
    assert sorted(n for n, k in kinds.items() if k == "statement") == [f"statement:s{i}" for i in (1, 2, 3, 4)]
    assert sorted(n for n, k in kinds.items() if k == "intermediary") == [
        "intermediary:Yonhap News Agency",
        "intermediary:lawmakers",
    ]
    assert sorted(n for n, k in kinds.items() if k == "article") == [
        f"article:{a}" for a in (A000, A001, A002, A003, A004)
    ]


def test_attributes_are_plain_data_never_none(graph: nx.MultiDiGraph[str]) -> None:
    for node, data in graph.nodes(data=True):
        for key, value in data.items():
            assert isinstance(value, PLAIN), (node, key, value)
    for u, v, k, data in graph.edges(keys=True, data=True):
        assert data["kind"] in {"said", "relayed", "quoted_in", "copied_from"}
        for key, value in data.items():
            assert isinstance(value, PLAIN), (u, v, k, key, value)
    # the graph can be written as GraphML as it is: the point of plain data
    assert "<graphml" in "\n".join(nx.generate_graphml(graph))


def test_node_attributes(graph: nx.MultiDiGraph[str]) -> None:
    speaker = graph.nodes[f"speaker:{ZELENSKY}"]
    assert speaker == {
        "kind": "speaker",
        "label": ZELENSKY,
        "speaker_kind": "person",
        "aliases": "Zelensky; Zelenskyy; Volodymyr Zelenskyy; Mr Zelensky",
        "handle": "@ZelenskyyUa",
    }
    assert "handle" not in graph.nodes[f"speaker:{NIS}"]

    s1 = graph.nodes["statement:s1"]
    assert s1["speaker"] == ZELENSKY and s1["channel"] == "X" and s1["date"] == "2025-01-12"
    assert s1["origin"] == "q003-1" and s1["n_quotes"] == 6 and s1["conflict"] is False
    assert s1["text"].endswith("military assistance from North Korea.")
    assert len(s1["label"]) <= 90 and s1["label"].endswith("…") and s1["text"].startswith(s1["label"][:-1])
    assert "date" not in graph.nodes["statement:s4"] and "channel" not in graph.nodes["statement:s4"]

    afp = graph.nodes[f"article:{A001}"]
    assert afp["outlet"] == "The Moscow Times" and afp["agency"] == "AFP" and afp["date"] == "2025-01-13"
    assert afp["url"].startswith("https://www.themoscowtimes.com/")
    undated = graph.nodes[f"article:{A003}"]
    assert undated == {"kind": "article", "label": A003}


def test_only_body_quotes_with_a_statement_are_drawn(graph: nx.MultiDiGraph[str]) -> None:
    quoted = {d["quote"] for _, _, d in graph.edges(data=True) if d["kind"] == "quoted_in"}
    assert "q004-4" not in quoted  # in the related-stories list
    assert "q001-3" not in quoted  # no statement
    assert "statement:s5" not in graph and "speaker:SBU" not in graph
    assert len(quoted) == 13


def test_said_edges(graph: nx.MultiDiGraph[str]) -> None:
    said = [(u, v) for u, v, _ in _edges(graph, "said")]
    assert said == [
        (f"speaker:{NIS}", "statement:s2"),
        (f"speaker:{NIS}", "statement:s4"),
        (f"speaker:{ZELENSKY}", "statement:s1"),
        (f"speaker:{ZELENSKY}", "statement:s3"),
    ]


def test_relayed_chain_of_two_hops(graph: nx.MultiDiGraph[str]) -> None:
    hops = [(u, v, d["statement"], d["count"]) for u, v, d in graph.edges(data=True) if d["kind"] == "relayed"]
    assert sorted(hops) == [
        ("intermediary:lawmakers", "intermediary:Yonhap News Agency", "s2", 1),
        ("intermediary:lawmakers", "intermediary:Yonhap News Agency", "s4", 1),
        ("statement:s2", "intermediary:lawmakers", "s2", 2),  # quoted via lawmakers in 000 and 002
        ("statement:s4", "intermediary:lawmakers", "s4", 1),
    ]
    # the quote leaves the chain at its last intermediary
    quoted = _quoted_in(graph)
    assert quoted["q000-2"][:2] == ("intermediary:Yonhap News Agency", f"article:{A000}")
    assert quoted["q002-4"][:2] == ("intermediary:lawmakers", f"article:{A002}")


def test_quoted_in_attributes_and_fidelity(graph: nx.MultiDiGraph[str]) -> None:
    quoted = {quote: data for quote, (_, _, data) in _quoted_in(graph).items()}
    variant = quoted["q004-1"]
    assert variant["fidelity"] == "variant" and variant["diff"] == "-organize +organise"
    assert variant["score"] == pytest.approx(97.73) and isinstance(variant["score"], float)
    assert variant["quote_kind"] == "direct" and variant["statement"] == "s3" and variant["conflict"] is False
    trace = sample_trace()
    article = trace.article(A004)
    assert article.text[variant["start"] : variant["end"]] == variant["text"]

    assert quoted["q003-1"]["fidelity"] == "verbatim"  # the statement's origin
    assert quoted["q003-2"]["fidelity"] == "paraphrase"  # indirect, no link
    assert quoted["q002-1"]["fidelity"] == "verbatim"
    # a link to the statement beats a link to the copy it was taken from
    assert quoted["q002-2"]["fidelity"] == "truncated"
    assert quoted["q000-2"]["fidelity"] == "verbatim"


def test_fidelity_unknown_without_link(graph: nx.MultiDiGraph[str]) -> None:
    trace = tiny_trace("Just words")
    trace = dataclasses.replace(trace, links=(), statements=(dataclasses.replace(trace.statements[0], origin="q0"),))
    [(_, _, data)] = _edges(build_graph(trace), "quoted_in")
    assert data["fidelity"] == "unknown" and data["diff"] == "" and data["score"] == 0.0


def test_copied_from(graph: nx.MultiDiGraph[str]) -> None:
    copies = [(u, v, d["count"]) for u, v, d in _edges(graph, "copied_from")]
    assert copies == [(f"article:{A002}", f"article:{A001}", 2)]


def test_conflicts_are_marked() -> None:
    graph = build_graph(tiny_trace(conflict=True))
    assert graph.nodes["statement:s1"]["conflict"] is True
    [(_, _, data)] = _edges(graph, "quoted_in")
    assert data["conflict"] is True and data["fidelity"] == "altered"


def test_graph_is_deterministic_whatever_the_input_order() -> None:
    trace = sample_trace()
    shuffled = Trace(
        tuple(reversed(trace.articles)),
        tuple(reversed(trace.quotes)),
        tuple(reversed(trace.speakers)),
        tuple(reversed(trace.statements)),
        tuple(reversed(trace.links)),
    )
    one, two = build_graph(trace), build_graph(shuffled)
    assert list(one.nodes(data=True)) == list(two.nodes(data=True))
    assert list(one.edges(keys=True, data=True)) == list(two.edges(keys=True, data=True))


def test_articles_come_oldest_first(graph: nx.MultiDiGraph[str]) -> None:
    articles = [n for n, d in graph.nodes(data=True) if d["kind"] == "article"]
    assert articles == [f"article:{a}" for a in (A001, A004, A000, A002, A003)]


def test_trace_graph_property_and_empty_trace() -> None:
    trace = sample_trace()
    assert trace.graph is trace.graph
    assert trace.graph.number_of_nodes() == 13
    empty = build_graph(Trace((), (), (), (), ()))
    assert empty.number_of_nodes() == 0 and empty.number_of_edges() == 0


def test_missing_speaker_and_article_records_still_give_nodes() -> None:
    trace = tiny_trace()
    quote = dataclasses.replace(trace.quotes[0], article="elsewhere")
    graph = build_graph(dataclasses.replace(trace, speakers=(), quotes=(quote,)))
    assert graph.nodes["speaker:A. Speaker"]["speaker_kind"] == "unknown"
    assert graph.nodes["article:elsewhere"] == {"kind": "article", "label": "elsewhere"}


def test_shorten() -> None:
    assert shorten("short") == "short"
    assert shorten("  many\n spaces  ") == "many spaces"
    assert shorten("There should be no doubt left in the world", 20) == "There should be no…"
    assert shorten("x" * 100, 10) == "x" * 9 + "…"


def test_diff_text() -> None:
    edits = (
        Edit("replace", 0, 8, "organize", 0, 8, "organise"),
        Edit("delete", 9, 14, "their", 9, 9, ""),
        Edit("insert", 20, 20, "", 15, 19, "very"),
    )
    assert diff_text(edits) == "-organize +organise -their +very"
    assert diff_text(()) == ""


def test_statements_of(graph: nx.MultiDiGraph[str]) -> None:
    assert statements_of(graph, ZELENSKY) == ["statement:s1", "statement:s3"]
    assert statements_of(graph, "NIS") == ["statement:s2", "statement:s4"]  # an alias
    assert statements_of(graph, "zelenskyy") == ["statement:s1", "statement:s3"]
    assert statements_of(graph, "Nobody") == []


def test_paths_to_article(graph: nx.MultiDiGraph[str]) -> None:
    assert paths_to_article(graph, "statement:s2", f"article:{A000}") == [
        ["statement:s2", "intermediary:lawmakers", "intermediary:Yonhap News Agency", f"article:{A000}"]
    ]
    assert paths_to_article(graph, "s2", A002) == [["statement:s2", "intermediary:lawmakers", f"article:{A002}"]]
    assert paths_to_article(graph, "statement:s3", f"article:{A004}") == [["statement:s3", f"article:{A004}"]]
    # s4's relay through the same intermediaries does not lead s2 into article 004
    assert paths_to_article(graph, "statement:s2", f"article:{A004}") == []
    with pytest.raises(ValueError, match="expected a statement node"):
        paths_to_article(graph, f"speaker:{NIS}", f"article:{A000}")
    with pytest.raises(ValueError, match="got 'nope'"):
        paths_to_article(graph, "statement:s2", "nope")


def test_first_appearance(graph: nx.MultiDiGraph[str]) -> None:
    # 001 and 004 both ran it on 2025-01-13: the smaller id wins the tie
    assert first_appearance(graph, "statement:s1") == (f"article:{A001}", "2025-01-13")
    assert first_appearance(graph, "statement:s2") == (f"article:{A000}", "2025-01-14")
    assert first_appearance(graph, "s4") == (f"article:{A004}", "2025-01-13")


def test_first_appearance_undated_and_unquoted() -> None:
    trace = tiny_trace()
    trace = dataclasses.replace(trace, articles=(dataclasses.replace(trace.articles[0], date=None),))
    graph = build_graph(trace)
    assert first_appearance(graph, "statement:s1") == ("article:a1", None)
    graph.remove_edges_from([(u, v, k) for u, v, k, d in graph.edges(keys=True, data=True) if d["kind"] == "quoted_in"])
    assert first_appearance(graph, "statement:s1") is None


def test_quote_ids_are_unique_edge_keys() -> None:
    trace = sample_trace()
    extra = Quote("q000-9", A000, 0, 4, trace.article(A000).text[:4], "partial", speaker=ZELENSKY, statement="s1")
    graph = build_graph(dataclasses.replace(trace, quotes=(*trace.quotes, extra)))
    assert graph.has_edge("statement:s1", f"article:{A000}", key="quoted_in:q000-9")
    assert graph.has_edge("statement:s1", f"article:{A000}", key="quoted_in:q000-1")


def test_quotes_of_unknown_statements_are_left_out_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    trace = tiny_trace()
    graph = build_graph(dataclasses.replace(trace, statements=()))
    assert [d["kind"] for _, d in graph.nodes(data=True)] == ["article"]
    assert "s1" in caplog.text and "left out of the graph" in caplog.text
