"""The scripts in examples/ run as their docstrings say."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_markdown_report_embeds_the_svg(tmp_path: Path) -> None:
    if shutil.which("dot") is None:
        pytest.skip("the report embeds a drawing: Graphviz's dot is needed")
    out = tmp_path / "report.md"
    run = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "markdown_report.py"), str(ROOT / "seeds"), "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    text = out.read_text(encoding="utf-8")
    assert "![provenance graph](report.svg)" in text
    assert (tmp_path / "report.svg").read_text(encoding="utf-8").startswith("<svg")
    assert "**variant**" in text and "organize → organise" in text
