"""Progress of long work, as one line on a terminal that rewrites itself.

Library functions that take long (``pipeline.trace``, ``Store.add``) accept an
``on_progress(stage, done, total)`` callback and know nothing of terminals: ``stage`` names
what is counted (``"articles read"``, ``"quotes found"``, ``"pairs verified"``), ``done`` how
many so far, ``total`` how many in all, or None when it is not known in advance.
``Progress`` is such a callback: it shows every stage seen so far on one line of stderr,

    articles stored: 1,200/5,000 · quotes found: 9,411

rewritten with a carriage return at most a few times a second, and shows nothing at all
when the stream is not a terminal (a pipe, a file, CI) or when it is disabled.

>>> with Progress() as progress:  # doctest: +SKIP
...     store.add(articles, on_progress=progress)
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import TextIO

OnProgress = Callable[[str, int, int | None], None]
"""``on_progress(stage, done, total)``: ``total`` is None when it is not known in advance."""

# Redrawing a terminal line costs little, but more than a few redraws a second only flickers.
INTERVAL = 0.2


class Progress:
    """An ``on_progress`` callback that draws one line on ``stream`` (stderr by default).

    ``enabled=None`` draws only when the stream is a terminal. ``close`` (or leaving the
    ``with`` block) erases the line, so what the command prints next starts clean.
    """

    def __init__(
        self, stream: TextIO | None = None, *, enabled: bool | None = None, interval: float = INTERVAL
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            isatty = getattr(self.stream, "isatty", None)
            enabled = bool(isatty and isatty())
        self.enabled = enabled
        self.interval = interval
        self.stages: dict[str, tuple[int, int | None]] = {}
        self._drawn = 0  # width of the line on screen
        self._last = float("-inf")

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        if not self.enabled:
            return
        new_stage = stage not in self.stages
        self.stages[stage] = (done, total)
        now = time.monotonic()
        if new_stage or now - self._last >= self.interval:
            self._last = now
            self._draw(self.line())

    def line(self) -> str:
        """The line as it would be drawn now."""
        return " · ".join(
            f"{stage}: {done:,}" + (f"/{total:,}" if total is not None else "")
            for stage, (done, total) in self.stages.items()
        )

    def _draw(self, line: str) -> None:
        # a line wider than the terminal wraps, and a carriage return goes back to the last row only
        width = shutil.get_terminal_size().columns - 1
        if len(line) > width:
            line = line[: max(0, width - 1)] + "…"
        pad = max(0, self._drawn - len(line))
        self.stream.write("\r" + line + " " * pad)
        self.stream.flush()
        self._drawn = len(line)

    def close(self) -> None:
        """Erase the line (when anything was drawn)."""
        if self._drawn:
            self.stream.write("\r" + " " * self._drawn + "\r")
            self.stream.flush()
            self._drawn = 0

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
