"""JSON in and out, fast: orjson where it can, the standard library where it cannot.

A large story's store and trace are millions of small records, and the standard library's
encoder and decoder were a quarter of an incremental trace. orjson is strict UTF-8, so a
value holding a lone surrogate (text read from JSON input, or given by a library caller)
goes through ``json`` instead, with the same compact separators: the two give the same text
for every value quotetrace writes (they differ only in how they spell exponents, ``1e-7``).
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def dumps(data: Any) -> str:
    """``data`` as compact JSON (``,`` and ``:``, characters kept as they are)."""
    try:
        return orjson.dumps(data).decode("utf-8")
    except orjson.JSONEncodeError:
        return _ENCODE(data)


def dump_bytes(data: Any) -> bytes:
    """``dumps(data)`` as UTF-8, a lone surrogate encoded with ``surrogatepass`` (what ``loads`` reads)."""
    try:
        return orjson.dumps(data)
    except orjson.JSONEncodeError:
        return _ENCODE(data).encode("utf-8", "surrogatepass")


def loads(text: str | bytes) -> Any:
    """The data of one JSON text; ``bytes`` may hold surrogates encoded with ``surrogatepass``."""
    try:
        return orjson.loads(text)
    except (orjson.JSONDecodeError, UnicodeEncodeError):  # a str holding a lone surrogate
        if isinstance(text, bytes):
            text = text.decode("utf-8", "surrogatepass")
        return json.loads(text)
