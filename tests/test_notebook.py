"""The example notebook runs from start to end (nbclient, a real kernel)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_the_seed_story_notebook_runs() -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    if shutil.which("dot") is None:
        pytest.skip("the notebook draws the graph: Graphviz's dot is needed")
    nb = nbformat.read(EXAMPLES / "seed_story.ipynb", as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(EXAMPLES)}}
    )
    client.execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    shown = [o for o in outputs if o.get("output_type") in ("display_data", "execute_result")]
    assert any("image/svg+xml" in o.get("data", {}) for o in shown)  # the trace displays its graph
    printed = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    assert "variant" in printed and "organise" in printed
    assert "Yonhap News Agency" in printed
