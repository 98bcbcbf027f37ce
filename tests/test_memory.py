"""The cycle collector is paused while a story is traced, and left as it was."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

import quotetrace as qt
from quotetrace.memory import collector_paused


def test_the_collector_is_paused_inside_and_as_it_was_after() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():  # an enclosing pause is not undone by an inner one
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("a failed trace")
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # a caller's own pause stays
    finally:
        gc.enable()


def test_a_trace_runs_with_the_collector_paused_and_leaves_it_on(
    seeds_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    link_quotes = qt.pipeline.link_quotes

    def spying(*args: object, **kwargs: object) -> object:
        seen.append(gc.isenabled())
        return link_quotes(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(qt.pipeline, "link_quotes", spying)
    assert qt.trace(seeds_dir).statements
    assert seen == [False] and gc.isenabled()
