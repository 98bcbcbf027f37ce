"""Loops compiled with numba, where a Python loop is the cost: the tagger's decoder
(``extract.tagger``), blocking (``match.candidate_pairs``), and linking's paraphrase blocking and
linked groups (``provenance``).

numba is imported when a loop is first compiled, never at import time: commands that do
neither (``--help``, a trace of a store already linked) should not wait a quarter of a second
for it. The machine code is cached on disk (``__pycache__``, or numba's user cache where the
package cannot be written); where nothing can be written, each process compiles it again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def jit(fn: Callable[..., Any], **options: Any) -> Callable[..., Any]:
    """``fn`` compiled by numba (nopython, releasing the GIL), cached on disk where it can be.

    ``options`` go to ``numba.njit``: ``error_model="numpy"`` for a loop that divides, whose
    zero-division check would otherwise keep LLVM from vectorising it."""
    import numba

    compiled: Callable[..., Any]
    try:
        compiled = numba.njit(cache=True, nogil=True, **options)(fn)
    except RuntimeError:  # "cannot cache function ...: no locator available"
        compiled = numba.njit(nogil=True, **options)(fn)
    return compiled
