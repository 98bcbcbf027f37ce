"""Shared fixtures: the seed story on disk and its trace, computed once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

import quotetrace
from quotetrace.model import Trace

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    """The folder of real seed articles (``seeds/``) with its ``manifest.json``."""
    return SEEDS


@pytest.fixture(scope="session")
def seed_trace(seeds_dir: Path) -> Trace:
    """``quotetrace.trace(seeds_dir)``: shared, so never mutate it (it is frozen anyway)."""
    return quotetrace.trace(seeds_dir)
