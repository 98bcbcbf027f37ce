"""Library errors: each one line, saying what went wrong and what to do.

``cli.py`` turns them into ``Error: ...`` and a non-zero exit; notebook users see
the same message in the exception.
"""

from __future__ import annotations


class QuotetraceError(Exception):
    """Base class for every error quotetrace raises on purpose."""


class InputError(QuotetraceError):
    """An input path or document cannot be read."""


class NoArticlesError(InputError):
    """Nothing readable was found in the inputs."""


class GraphvizMissingError(QuotetraceError):
    """Graphviz's ``dot`` binary is needed for this output and is not installed."""

    def __init__(self, fmt: str = "svg") -> None:
        super().__init__(
            f"rendering {fmt.upper()} needs Graphviz's 'dot' program, which is not installed: "
            "install it with 'sudo apt-get install graphviz' (Debian/Ubuntu), 'brew install graphviz' (macOS) "
            "or from https://graphviz.org/download/; DOT, JSON output work without it"
        )


class OutputError(QuotetraceError):
    """An output cannot be written where it was asked."""


class StoreError(QuotetraceError):
    """A corpus store cannot be opened or written: not a store, locked, or from a newer quotetrace."""
