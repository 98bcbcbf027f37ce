"""The HTML report in a real browser: headless Chromium loads it, draws it, runs nothing.

Skipped where Chromium is not installed (``make browser`` installs Debian's package; CI does).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from quotetrace.cli import cli

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
BROWSER = next((b for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)
# A closed network: Chromium must not try to reach anything (see the machine notes).
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
# A screenshot of an empty page is about 5 KB; a drawn report is far more.
BLANK_PNG_BYTES = 30_000

pytestmark = pytest.mark.skipif(BROWSER is None, reason="headless Chromium is not installed (make browser)")


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / f"profile{len(list(tmp_path.iterdir()))}"
    cmd = [str(BROWSER), *FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture
def report(tmp_path: Path) -> Path:
    """The seed story's report, plus an article that tries to run scripts in it."""
    if shutil.which("dot") is None:
        pytest.skip("the report draws the graph: Graphviz's dot is needed")
    articles = tmp_path / "articles"
    shutil.copytree(SEEDS, articles)
    (articles / "zz_hostile.txt").write_text(
        "“<script>document.title='pwned'</script> we will win,” Mr Lee said.\n"
        "“<img src=x onerror=\"document.title='pwned'\"> we will win too,” said Jane Roe.\n",
        encoding="utf-8",
    )
    out = tmp_path / "report.html"
    result = CliRunner().invoke(cli, ["trace", str(articles), "-o", str(out), "--all"])
    assert result.exit_code == 0, result.output
    return out


def test_the_report_loads_without_console_errors_and_runs_no_planted_script(report: Path, tmp_path: Path) -> None:
    run = _chromium(tmp_path, "--enable-logging=stderr", "--v=0", "--virtual-time-budget=3000", "--dump-dom",
                    report.as_uri())  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    console = [line for line in run.stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]
    assert console == []
    title = re.search(r"<title>([^<]*)</title>", run.stdout)
    assert title is not None and "pwned" not in title.group(1)
    assert "<svg" in run.stdout and "&lt;script&gt;" in run.stdout


def test_the_report_is_drawn(report: Path, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    run = _chromium(tmp_path, "--window-size=1280,1600", f"--screenshot={shot}", report.as_uri())
    assert run.returncode == 0, run.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > BLANK_PNG_BYTES
