"""The HTML report: self-contained, complete, and inert whatever the articles say."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

import quotetrace as qt
from quotetrace.cli import cli

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="module")
def report() -> str:
    return qt.trace(SEEDS).to_html()


def test_the_report_holds_the_graph_and_every_statement(report: str) -> None:
    t = qt.trace(SEEDS)
    assert report.startswith("<!doctype html>")
    if "<svg" not in report:
        pytest.skip("Graphviz is not installed: the report says so instead of drawing")
    for st in t.statements:
        assert f'id="{st.id}"' in report
    assert "organise" in report and '<mark class="rep" title="was: organize">organise</mark>' in report
    assert '<mark class="ins" title="added">language</mark>' in report


def test_the_report_is_self_contained(report: str) -> None:
    assert not re.search(r"<(script|link|img|iframe)\b", report, re.I)
    assert not re.search(r"""(src|href)=["']https?://""", re.sub(r'<a [^>]*xlink:href="https?://[^"]*"', "", report))


def test_a_planted_script_stays_text(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(
        "“<script>alert('pwned')</script> we will win,” Mr Lee said.\n"
        "“<img src=x onerror=alert(1)> we will win,” said Jane Roe.\n",
        encoding="utf-8",
    )
    page = qt.trace(tmp_path).to_html()
    assert "<script>" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#x27;pwned&#x27;)&lt;/script&gt;" in page


def test_the_cli_writes_the_report(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = CliRunner().invoke(cli, ["trace", str(SEEDS), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("<!doctype html>")
