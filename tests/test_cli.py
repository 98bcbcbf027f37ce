"""The ``quotetrace`` command on the real seed articles, through click's ``CliRunner``."""

from __future__ import annotations

import html
import json
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result
from test_contract import A000, A004, QUOTE_KINDS, assert_contract, assert_quote, seed_texts

import quotetrace
from quotetrace.cli import cli
from quotetrace.model import Trace

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def error_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("Error:")]


def assert_clean_failure(result: Result, exit_code: int = 1) -> str:
    """A failure the way the CLI promises: an exit code, one ``Error:`` line, no traceback."""
    assert result.exit_code == exit_code, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    errors = error_lines(result)
    assert len(errors) == 1, result.stderr
    return errors[0]


# --- help and version -----------------------------------------------------------


def test_every_command_and_option_has_help() -> None:
    assert cli.help and cli.help.strip()
    assert isinstance(cli, click.Group)
    assert {"trace", "quotes", "compare"} <= set(cli.commands)
    for name, command in cli.commands.items():
        assert command.help and command.help.strip(), f"command {name!r} has no help text"
        assert command.get_short_help_str(), name
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, f"option {param.opts} of {name!r} has no help text"


@pytest.mark.parametrize("args", [[], ["trace"], ["quotes"], ["compare"]], ids=["group", "trace", "quotes", "compare"])
def test_help_exits_zero(args: list[str]) -> None:
    result = run(*args, "--help")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Usage:")
    assert result.stderr == ""


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert quotetrace.__version__ in result.stdout
    assert "quotetrace" in result.stdout


def test_python_dash_m() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "quotetrace", "--help"], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Usage: quotetrace")
    assert "trace" in proc.stdout


# --- trace -------------------------------------------------------------------


def test_trace_json_is_only_json_and_keeps_the_contract(seeds_dir: Path) -> None:
    result = run("trace", str(seeds_dir), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)  # fails if anything but JSON is on stdout
    assert result.stdout.lstrip().startswith("{")
    assert result.stderr == ""
    texts = seed_texts(seeds_dir, data)
    assert len(texts) == 5
    assert_contract(data, texts)


def test_trace_json_matches_the_library(seeds_dir: Path, seed_trace: Trace) -> None:
    result = run("trace", str(seeds_dir), "--format", "json")
    assert result.exit_code == 0
    assert result.stdout == seed_trace.to_json()


def test_trace_default_text_summary(seeds_dir: Path, seed_trace: Trace) -> None:
    result = run("trace", str(seeds_dir))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(repr(seed_trace))
    assert "Volodymyr Zelensky" in result.stdout
    assert "origin" in result.stdout
    assert result.stderr == ""


@needs_dot
def test_trace_writes_svg(seeds_dir: Path, seed_trace: Trace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("trace", str(seeds_dir), "-o", "story.svg")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert _without_notes(result.stderr) == "Wrote story.svg"
    svg = (tmp_path / "story.svg").read_text(encoding="utf-8")
    assert svg.startswith("<svg")
    assert svg.rstrip().endswith("</svg>")
    text = html.unescape(svg)
    assert "Volodymyr Zelensky" in text
    for art in seed_trace.articles:
        head = " ".join((art.title or "").split()[:3])
        assert art.id in text or (head and head in text), f"article {art.id} is not in the drawing"
    assert run("trace", str(seeds_dir), "-o", "again.svg").exit_code == 0
    assert (tmp_path / "again.svg").read_bytes() == (tmp_path / "story.svg").read_bytes()  # deterministic
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again.svg", "story.svg"]  # no temporary file left


@pytest.fixture
def no_dot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Graphviz made invisible: render.py looks for ``dot`` with ``shutil.which`` on PATH."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert shutil.which("dot") is None
    work = tmp_path / "out"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def test_dot_output_needs_no_graphviz(seeds_dir: Path, no_dot: Path) -> None:
    result = run("trace", str(seeds_dir), "-o", "x.dot")
    assert result.exit_code == 0, result.output
    assert _without_notes(result.stderr) == "Wrote x.dot"
    dot = (no_dot / "x.dot").read_text(encoding="utf-8")
    assert dot.startswith("digraph quotetrace {")
    assert "Zelensky" in dot


@pytest.mark.parametrize("name", ["x.json", "x.graphml", "x.gexf", "x.csv", "x.node-link.json"])
def test_data_formats_need_no_graphviz(seeds_dir: Path, no_dot: Path, name: str) -> None:
    result = run("trace", str(seeds_dir), "-o", name)
    assert result.exit_code == 0, result.output
    assert (no_dot / name).stat().st_size > 1000


def test_svg_without_graphviz_says_how_to_install_it(seeds_dir: Path, no_dot: Path) -> None:
    result = run("trace", str(seeds_dir), "-o", "x.svg")
    error = assert_clean_failure(result)
    assert result.stderr.strip() == error  # a single line
    assert "Graphviz" in error
    assert "install" in error
    assert "apt-get install graphviz" in error or "graphviz.org" in error
    assert not (no_dot / "x.svg").exists()
    assert list(no_dot.iterdir()) == []


# --- bad inputs ----------------------------------------------------------------


def test_missing_path_is_a_clean_error(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-article.txt"
    result = run("trace", str(missing))
    error = assert_clean_failure(result)
    assert str(missing) in error
    assert result.stderr.strip() == error  # not also repeated as a warning
    assert result.stdout == ""


def test_missing_path_beside_a_good_file_warns_and_traces(seeds_dir: Path, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-article.txt"
    result = run("trace", str(missing), str(seeds_dir / A000))
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("Warning:")]
    assert len(warnings) == 1 and str(missing) in warnings[0]
    assert error_lines(result) == []
    assert result.stdout.startswith("<Trace: 1 articles")


def test_quiet_hides_the_warning(seeds_dir: Path, tmp_path: Path) -> None:
    result = run("trace", "-q", str(tmp_path / "nope.txt"), str(seeds_dir / A000))
    assert result.exit_code == 0
    assert result.stderr == ""


def test_strict_turns_the_warning_into_an_error(seeds_dir: Path, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-article.txt"
    result = run("trace", "--strict", str(missing), str(seeds_dir / A000))
    error = assert_clean_failure(result)
    assert "--strict" in error
    assert str(missing) in error
    assert result.stdout == ""


def test_undecodable_file_warns_and_continues(seeds_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe\xfa bad")
    result = run("trace", str(bad), str(seeds_dir / A000))
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("Warning:")]
    assert len(warnings) == 1
    assert str(bad) in warnings[0] and "UTF-8" in warnings[0]
    assert "Traceback" not in result.output
    assert result.stdout.startswith("<Trace: 1 articles")


def test_refuses_to_overwrite_an_input_article(seeds_dir: Path, tmp_path: Path) -> None:
    article = tmp_path / A000
    shutil.copyfile(seeds_dir / A000, article)  # a copy: a regression must never clobber a seed
    before = article.read_bytes()
    result = run("trace", str(article), "-o", str(article))
    error = assert_clean_failure(result)
    assert "refusing" in error and str(article) in error
    assert article.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [A000]


def test_refuses_to_overwrite_the_manifest(seeds_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "seeds"
    shutil.copytree(seeds_dir, folder)
    manifest = folder / "manifest.json"
    before = manifest.read_bytes()
    result = run("trace", str(folder), "-o", str(manifest))
    assert manifest.read_bytes() == before
    assert_clean_failure(result)


def test_unknown_output_extension_is_a_usage_error(
    seeds_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("trace", str(seeds_dir), "-o", "story.foo")
    error = assert_clean_failure(result, exit_code=2)
    assert "Usage:" in result.stderr
    assert "'-o'" in error and "story.foo" in error and "--format" in error
    assert list(tmp_path.iterdir()) == []


# --- quotes --------------------------------------------------------------------


def test_quotes_text(seeds_dir: Path) -> None:
    result = run("quotes", str(seeds_dir / "004_*.txt"))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines
    assert all(line.startswith(f"{A004}:") for line in lines), lines[:3]
    assert any("Volodymyr Zelensky" in line for line in lines)
    assert any("[related]" in line for line in lines)
    assert result.stderr == ""


def test_quotes_jsonl(seeds_dir: Path) -> None:
    result = run("quotes", "--format", "jsonl", str(seeds_dir / "004_*.txt"))
    assert result.exit_code == 0, result.output
    texts = {A004: (seeds_dir / A004).read_text(encoding="utf-8")}
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows
    for row in rows:
        assert row["article"] == A004
        assert row["kind"] in QUOTE_KINDS
        assert_quote(row, texts)
        assert row["statement"] is None  # quotes are not linked by this command
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids))


# --- compare -------------------------------------------------------------------


def test_compare_variant() -> None:
    result = run("compare", "we will organize it", "we will organise it")
    assert result.exit_code == 0, result.output
    assert "fidelity variant" in result.stdout
    assert "organize" in result.stdout and "organise" in result.stdout


def test_compare_json() -> None:
    result = run("compare", "--json", "we will organize it", "we will organise it")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["linked"] is True
    assert data["fidelity"] == "variant"
    assert 0 <= data["score"] <= 100
    assert data["diff"] == [{"op": "replace", "original": "organize", "reproduction": "organise"}]


def test_compare_unrelated_is_not_linked() -> None:
    result = run("compare", "we will organize it", "bananas are yellow and taste sweet")
    assert result.exit_code == 1
    assert "not linked" in result.stdout
    assert "Traceback" not in result.output


def test_compare_pairs_prints_one_json_object_per_line(tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text(
        "p1\twe will organize it\twe will organise it\np2\tThe army is ready\tThe weather is cold today\nbroken\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["compare", "--pairs", str(pairs)])
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows[0] == {"id": "p1", "linked": True, "score": rows[0]["score"], "fidelity": "variant"}
    assert rows[1]["id"] == "p2" and rows[1]["linked"] is False
    assert "line 3" in result.stderr


def test_compare_needs_texts_or_pairs() -> None:
    result = CliRunner().invoke(cli, ["compare", "only one text"])
    assert result.exit_code == 2


def test_find_names_the_speaker_and_the_changed_words(seeds_dir: Path) -> None:
    quote = "Ukraine is ready to hand over Kim Jong Un’s soldiers if he can organise their exchange"
    result = CliRunner().invoke(cli, ["find", quote, str(seeds_dir), "-n", "1"])
    assert result.exit_code == 0, result.output
    assert "Zelensky" in result.stdout
    assert "'organize' -> 'organise'" in result.stdout
    as_json = CliRunner().invoke(cli, ["find", quote, str(seeds_dir), "--json"])
    rows = json.loads(as_json.stdout)
    assert rows[0]["fidelity"] == "altered" and "Zelensky" in rows[0]["speaker"]


def test_find_reports_an_unknown_quote(seeds_dir: Path) -> None:
    result = CliRunner().invoke(cli, ["find", "the moon is made of cheese", str(seeds_dir)])
    assert result.exit_code == 1
    assert "not found" in result.stdout


def _without_notes(stderr: str) -> str:
    """stderr less the "Note: drawing N of M statements" line a focused drawing adds."""
    return "\n".join(line for line in stderr.strip().splitlines() if not line.startswith("Note: "))


def test_a_large_story_is_focused_and_says_so(seeds_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "story.dot"
    result = CliRunner().invoke(cli, ["trace", str(seeds_dir), "-o", str(out)])
    assert result.exit_code == 0
    assert "Note: drawing" in result.stderr and "--all" in result.stderr
    focused = out.read_text(encoding="utf-8")
    everything = tmp_path / "all.dot"
    CliRunner().invoke(cli, ["trace", str(seeds_dir), "-o", str(everything), "--all"])
    assert len(focused) < len(everything.read_text(encoding="utf-8"))
    assert "National Intelligence Service" in focused and "Yonhap" in focused and "lawmakers" in focused


def test_focus_options_choose_what_is_drawn(seeds_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "nis.graphml"
    result = CliRunner().invoke(cli, ["trace", str(seeds_dir), "-o", str(out), "--speaker", "NIS"])
    assert result.exit_code == 0, result.output
    import networkx as nx

    graph = nx.read_graphml(out)
    speakers = {d["label"] for _, d in graph.nodes(data=True) if d.get("kind") == "speaker"}
    assert speakers == {"National Intelligence Service"}
    dated = tmp_path / "top.graphml"
    result = CliRunner().invoke(cli, ["trace", str(seeds_dir), "-o", str(dated), "--min-articles", "3", "--top", "2"])
    assert result.exit_code == 0
    statements = [n for n, d in nx.read_graphml(dated).nodes(data=True) if d.get("kind") == "statement"]
    assert 1 <= len(statements) <= 2


def test_compare_pairs_reads_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.tsv"
    pairs.write_bytes(b"p1\tthe plan works\tthe plan works\np2\tcaf\xe9 au lait today\tcaf\xe9 au lait\n")
    result = CliRunner().invoke(cli, ["compare", "--pairs", str(pairs)])
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["p1", "p2"] and rows[1]["linked"]
    assert "Warning: line 2: not UTF-8 (byte 0xe9)" in result.stderr
