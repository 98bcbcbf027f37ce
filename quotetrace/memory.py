"""Memory in a large run: freed memory given back to the system between stages, and Python's cycle
collector paused while a story is traced.

glibc keeps the memory a process frees for the process's own later use, and numpy's arrays
of a few tens of megabytes raise the size below which it does so (glibc's dynamic mmap
threshold, up to 32 MiB): blocking a story of 100,000 articles left over a gigabyte resident
that the run no longer used (2.76 GB resident after blocking, 1.88 GB with the threshold
fixed). ``release`` asks the allocator to return what it holds free (``malloc_trim``) between
linking's stages, a few milliseconds each; where the C library has no such call (macOS, musl)
it does nothing. Its own share of the gains measured with it was not told apart.

Fixing the threshold itself (``mallopt``) was measured and not kept: the command's peak at
100k stayed the same (4.04 GB against 4.03) and it took 16% longer (511 s against 439).

Python's cycle collector runs a full pass over every object the process holds each time the objects
made since the last one reach a quarter of them. Tracing a story holds millions of long-lived ones
(quotes, their words, statements, links), and every full pass goes over all of them to find cycles
that quotetrace hardly makes: 12 full passes took 2.6 s of a 14.5 s incremental trace of 10,000
articles. ``collector_paused`` pauses it for a trace (reference counting still frees all the rest).
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import gc
from collections.abc import Callable, Iterator


def release() -> None:
    """Return the memory the process has freed to the system, where the C library can."""
    trim = _libc("malloc_trim")
    if trim is not None:
        trim(0)


_SIGNATURES = {"malloc_trim": [ctypes.c_size_t]}


@functools.cache
def _libc(name: str) -> Callable[..., int] | None:
    """The C library's function ``name`` (see ``_SIGNATURES``), or None where it has none."""
    try:
        libc = ctypes.CDLL(None)  # the symbols already loaded into the process: the C library's among them
    except OSError:
        return None
    fn = getattr(libc, name, None)
    if fn is None:
        return None
    fn.argtypes = _SIGNATURES[name]
    fn.restype = ctypes.c_int
    return fn  # type: ignore[no-any-return]


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector paused inside the block, and as it was after it (see the module's
    docstring). Cycles made inside are collected by the first pass after it."""
    if not gc.isenabled():  # paused already: by an enclosing block, or by the caller
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
