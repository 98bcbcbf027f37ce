"""fastjson: orjson's speed, the standard library's text, and lone surrogates kept."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from quotetrace import fastjson

# what records hold: text of any code point (lone surrogates too), ids, offsets, scores of one decimal
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.integers(min_value=0, max_value=1000).map(lambda n: n / 10)
    | st.text(st.characters(codec=None, exclude_categories=()))
)
data = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
)


@given(data)
def test_the_standard_librarys_text_and_back(value: Any) -> None:
    text = fastjson.dumps(value)
    assert text == json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    assert fastjson.loads(text) == value
    assert fastjson.loads(text.encode("utf-8", "surrogatepass")) == value


def test_a_lone_surrogate_goes_through_the_standard_library() -> None:
    value = {"id": "w\udc00", "text": "\u201cWe will \ud800 win\u201d"}
    text = fastjson.dumps(value)
    assert text == '{"id":"w\udc00","text":"\u201cWe will \ud800 win\u201d"}'
    assert fastjson.loads(text) == value == fastjson.loads(text.encode("utf-8", "surrogatepass"))
