"""Graph and table exports on the seed story: each one reads back."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

import quotetrace as qt
from quotetrace.cli import cli
from quotetrace.export import CSV_COLUMNS, to_csv, to_gexf, to_graphml, to_node_link

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="module")
def story() -> qt.Trace:
    return qt.trace(SEEDS)


def test_graphml_and_gexf_read_back_with_networkx(story: qt.Trace, tmp_path: Path) -> None:
    for name, data in (("g.graphml", to_graphml(story.graph)), ("g.gexf", to_gexf(story.graph))):
        path = tmp_path / name
        path.write_bytes(data)
        back = nx.read_graphml(path) if name.endswith("graphml") else nx.read_gexf(path)
        assert back.number_of_nodes() == story.graph.number_of_nodes()
        assert back.number_of_edges() == story.graph.number_of_edges()
        kinds = {d.get("kind") for _, d in back.nodes(data=True)}
        assert {"speaker", "statement", "article", "intermediary"} <= kinds


def test_node_link_json_reads_back(story: qt.Trace) -> None:
    back = nx.node_link_graph(json.loads(to_node_link(story.graph)), edges="edges")
    assert sorted(back.nodes) == sorted(story.graph.nodes)
    assert back.number_of_edges() == story.graph.number_of_edges()


def test_csv_has_a_row_per_quote_and_no_formulas(story: qt.Trace) -> None:
    rows = list(csv.DictReader(io.StringIO(to_csv(story))))
    assert len(rows) == len(story.quotes)
    assert tuple(rows[0]) == CSV_COLUMNS
    variant = next(r for r in rows if "organise" in r["text"] and r["kind"] == "direct")
    assert variant["fidelity"] == "variant"
    hostile = qt.Trace(
        (),
        (qt.Quote("q", "a.txt", 0, 9, "=HYPERLINK", "direct", "+Mallory", via=("@evil", "-x")),),
        (),
        (),
        (),
    )
    row = next(csv.DictReader(io.StringIO(to_csv(hostile))))
    assert row["text"] == "'=HYPERLINK" and row["speaker"] == "'+Mallory" and row["via"] == "'@evil > -x"


@pytest.mark.parametrize(("name", "check"), [
    ("story.graphml", b"<graphml"), ("story.gexf", b"<gexf"), ("story.node-link.json", b'"edges"'),
    ("story.csv", b"id,article,outlet"),
])  # fmt: skip
def test_the_cli_picks_the_export_from_the_file_name(tmp_path: Path, name: str, check: bytes) -> None:
    out = tmp_path / name
    result = CliRunner().invoke(cli, ["trace", str(SEEDS), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert check in out.read_bytes()
