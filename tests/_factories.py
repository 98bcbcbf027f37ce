"""Hand-built traces for the graph, render and export tests.

``sample_trace()`` is what the pipeline should find in the seed story (``seeds/*.txt``):
Zelensky's X post, embedded in one article and quoted whole or cut in others; his
offer to hand over Kim Jong Un's soldiers, quoted verbatim, with ``organise`` for
``organize`` and as a paraphrase; a National Intelligence Service briefing that
reaches the articles via lawmakers, then Yonhap News Agency. Offsets are found in
the real seed texts, so ``article.text[q.start:q.end] == q.text`` holds as it must.
``write_brat_split`` writes a PolNeAR-like split; ``named_by_quotes`` compares two traces'
JSON whatever their statements' numbers (a store's later traces keep the ids they gave).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from quotetrace.model import (
    Article,
    Edit,
    EditOp,
    Fidelity,
    Link,
    Quote,
    Section,
    Span,
    Speaker,
    Statement,
    Trace,
)

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

A000 = "000_508fbe3004b92db1.txt"
A001 = "001_cc758aff9a1f738e.txt"
A002 = "002_e14b13b26ce68424.txt"
A003 = "003_44ab8f14aca57252.txt"
A004 = "004_acdc65f3d0f33f33.txt"

ZELENSKY = "Volodymyr Zelensky"
NIS = "National Intelligence Service"

POST = (
    "In addition to the first captured soldiers from North Korea, there will undoubtedly be more. "
    "It’s only a matter of time before our troops manage to capture others. There should be no doubt left "
    "in the world that the Russian army is dependent on military assistance from North Korea."
)
OFFER = (
    "Ukraine is ready to hand over Kim Jong Un's soldiers to him if he can organize their exchange "
    "for our warriors who are being held captive in Russia."
)
CASUALTIES = (
    "at least 300 North Korean soldiers sent to support Russia in the Ukraine war are believed to have been "
    "killed and 2,700 others injured"
)
DEFECTION = (
    "Captured North Korean soldiers had not shown an intention to come to South Korea, though South Korea "
    "would cooperate with Ukraine if there was a request"
)


def _text(article_id: str) -> str:
    return (SEEDS / article_id).read_text(encoding="utf-8")


def _find(text: str, snippet: str, after: str = "") -> tuple[int, int]:
    """Offsets of ``snippet`` (the first one following ``after``); ValueError if the seed changed."""
    start = text.index(snippet, text.index(after) if after else 0)
    return start, start + len(snippet)


def _quote(quote_id: str, article: Article, snippet: str, *, after: str = "", **fields: Any) -> Quote:
    start, end = _find(article.text, snippet, after)
    return Quote(id=quote_id, article=article.id, start=start, end=end, text=snippet, **fields)


def _span(article: Article, snippet: str, after: str = "") -> Span:
    start, end = _find(article.text, snippet, after)
    return Span(start, end, snippet)


def _edit(op: EditOp, a: str, a_old: str, b: str, b_new: str) -> Edit:
    a_start, a_end = _find(a, a_old)
    b_start, b_end = _find(b, b_new)
    return Edit(op, a_start, a_end, a_old, b_start, b_end, b_new)


def sample_trace() -> Trace:
    """A small, complete trace of the seed story (see the module docstring)."""
    t001, t004 = _text(A001), _text(A004)
    related_001 = _find(t001, "**Related article:** [Seoul Confirms Ukraine Captured 2 North Korean Soldiers](#)")
    related_004 = (t004.index("  • "), len(t004))
    articles = (
        Article(
            id=A000,
            text=_text(A000),
            path=f"seeds/{A000}",
            title="Zelenskyy Proposes Prisoner Exchange: North Korean Soldiers for Ukrainian POWs Held in Russia",
            date=dt.date(2025, 1, 14),
        ),
        Article(
            id=A001,
            text=t001,
            path=f"seeds/{A001}",
            title="Zelensky 'Ready' to Hand North Korean POWs to Pyongyang",
            outlet="The Moscow Times",
            agency="AFP",
            date=dt.date(2025, 1, 13),
            url="https://www.themoscowtimes.com/2025/01/13/zelensky-ready-to-hand-north-korean-pows-to-pyongyang-a87579",
            byline="AFP",
            sections=(Section(*related_001, "related", "Related article"),),
        ),
        Article(
            id=A002,
            text=_text(A002),
            path=f"seeds/{A002}",
            title="Zelensky 'Ready' To Hand North Korean POWs To Kim Jong Un",
        ),
        Article(id=A003, text=_text(A003), path=f"seeds/{A003}"),
        Article(
            id=A004,
            text=t004,
            path=f"seeds/{A004}",
            title="Zelensky ready to exchange North Korean soldiers for Ukrainian prisoners of war",
            outlet="The Independent",
            date=dt.date(2025, 1, 13),
            byline="Arpan Rai",
            sections=(Section(*related_004, "related", "More stories"),),
        ),
    )
    a000, a001, a002, a003, a004 = articles
    post_cut = POST.removesuffix(" Korea.") + "…"
    post_head = POST[: POST.index(" There should")]
    offer_004 = OFFER.replace("Un's", "Un’s").replace("organize", "organise").removesuffix(".")
    quotes = (
        _quote(
            "q000-1",
            a000,
            post_head.removesuffix("."),
            kind="direct",
            speaker=ZELENSKY,
            speaker_mention=_span(a000, "he stated"),
            cue=_span(a000, "stated"),
            statement="s1",
            truncated=True,
        ),
        _quote(
            "q000-2",
            a000,
            CASUALTIES,
            kind="indirect",
            speaker=NIS,
            speaker_mention=_span(a000, "South Korea’s National Intelligence Service (NIS)"),
            cue=_span(a000, "told"),
            via=("lawmakers", "Yonhap News Agency"),
            statement="s2",
        ),
        _quote(
            "q001-1",
            a001,
            OFFER.removesuffix("."),
            kind="direct",
            speaker=ZELENSKY,
            speaker_mention=_span(a001, "Zelensky", after="captive in Russia"),
            cue=_span(a001, "wrote", after="captive in Russia"),
            channel="X",
            statement="s3",
            date=dt.date(2025, 1, 12),
        ),
        _quote(
            "q001-2",
            a001,
            "undoubtedly be more",
            kind="partial",
            speaker=ZELENSKY,
            cue=_span(a001, "added"),
            statement="s1",
            truncated=True,
        ),
        _quote("q001-3", a001, "confirmed", kind="partial", speaker=NIS),
        _quote("q002-1", a002, OFFER, kind="direct", speaker=ZELENSKY, channel="X", statement="s3"),
        _quote("q002-2", a002, "undoubtedly be more", kind="partial", speaker=ZELENSKY, statement="s1", truncated=True),
        _quote(
            "q002-3",
            a002,
            post_cut,
            kind="embed",
            speaker=ZELENSKY,
            channel="X",
            statement="s1",
            truncated=True,
            date=dt.date(2025, 1, 12),
        ),
        _quote(
            "q002-4",
            a002,
            "some 300 North Korean soldiers have been killed",
            kind="indirect",
            speaker=NIS,
            via=("lawmakers",),
            statement="s2",
        ),
        _quote(
            "q003-1",
            a003,
            post_cut,
            kind="embed",
            speaker=ZELENSKY,
            channel="X",
            statement="s1",
            truncated=True,
            date=dt.date(2025, 1, 12),
        ),
        _quote(
            "q003-2",
            a003,
            "returning the captured North Korean soldiers to their leader, Kim Jong Un, in exchange "
            "for Ukrainian prisoners of war held by Russia",
            kind="indirect",
            speaker=ZELENSKY,
            statement="s3",
        ),
        _quote(
            "q004-1",
            a004,
            offer_004,
            kind="direct",
            speaker=ZELENSKY,
            cue=_span(a004, "said on Sunday"),
            statement="s3",
        ),
        _quote("q004-2", a004, post_head, kind="direct", speaker=ZELENSKY, statement="s1", truncated=True),
        _quote(
            "q004-3",
            a004,
            DEFECTION,
            kind="indirect",
            speaker=NIS,
            via=("lawmakers", "Yonhap News Agency"),
            statement="s4",
        ),
        _quote(
            "q004-4",
            a004,
            "training",
            kind="partial",
            speaker="SBU",
            after="Zelensky offers exchange",
            section="related",
            statement="s5",
        ),
    )
    speakers = (
        Speaker(NIS, aliases=("NIS", "South Korea’s National Intelligence Service"), kind="organization"),
        Speaker("SBU", aliases=("Kyiv's security service",), kind="organization"),
        Speaker(
            ZELENSKY,
            aliases=("Zelensky", "Zelenskyy", "Volodymyr Zelenskyy", "Mr Zelensky"),
            kind="person",
            handle="@ZelenskyyUa",
        ),
    )
    statements = (
        Statement(
            "s1",
            ZELENSKY,
            POST,
            origin="q003-1",
            quotes=("q000-1", "q001-2", "q002-2", "q002-3", "q003-1", "q004-2"),
            channel="X",
            date=dt.date(2025, 1, 12),
        ),
        Statement(
            "s2",
            NIS,
            CASUALTIES,
            origin="q000-2",
            quotes=("q000-2", "q002-4"),
            channel="briefing",
            date=dt.date(2025, 1, 13),
        ),
        Statement(
            "s3",
            ZELENSKY,
            OFFER,
            origin="q001-1",
            quotes=("q001-1", "q002-1", "q003-2", "q004-1"),
            channel="X",
            date=dt.date(2025, 1, 12),
        ),
        Statement("s4", NIS, DEFECTION, origin="q004-3", quotes=("q004-3",)),
        Statement("s5", "SBU", "training", origin="q004-4", quotes=("q004-4",)),
    )
    links = (
        Link("q000-1", "s1", 100.0, "truncated", target_end=len(post_head) - 1),
        Link(
            "q001-2",
            "s1",
            100.0,
            "truncated",
            target_start=POST.index("undoubtedly"),
            target_end=POST.index("undoubtedly") + len("undoubtedly be more"),
        ),
        Link("q002-1", "s3", 100.0, "verbatim", target_end=len(OFFER)),
        Link("q002-1", "q001-1", 100.0, "verbatim", target_end=len(OFFER) - 1),
        Link(
            "q002-2",
            "s1",
            100.0,
            "truncated",
            target_start=POST.index("undoubtedly"),
            target_end=POST.index("undoubtedly") + len("undoubtedly be more"),
        ),
        Link("q002-2", "q001-2", 100.0, "verbatim", target_end=len("undoubtedly be more")),
        Link("q002-3", "s1", 99.2, "truncated", target_end=len(POST)),
        Link(
            "q004-1",
            "s3",
            97.73,
            "variant",
            target_end=len(OFFER) - 1,
            diff=(_edit("replace", OFFER, "organize", offer_004, "organise"),),
        ),
        Link("q004-2", "s1", 100.0, "truncated", target_end=len(post_head)),
    )
    return Trace(articles, quotes, speakers, statements, links, warnings=("003_44ab8f14aca57252.txt: no date found",))


def tiny_trace(
    quote_text: str = "We will organise it.",
    *,
    speaker: str = "A. Speaker",
    title: str | None = "A title",
    outlet: str | None = "The Outlet",
    url: str | None = "https://example.org/story",
    via: tuple[str, ...] = (),
    fidelity: Fidelity = "altered",
    conflict: bool = False,
) -> Trace:
    """One article quoting one statement once: for hostile or arbitrary text."""
    prefix = "She said: “"
    text = prefix + quote_text + "”."
    article = Article(id="a1", text=text, title=title, outlet=outlet, url=url, date=dt.date(2025, 1, 13))
    quote = Quote(
        id="q1",
        article="a1",
        start=len(prefix),
        end=len(prefix) + len(quote_text),
        text=quote_text,
        kind="direct",
        speaker=speaker,
        via=via,
        statement="s1",
    )
    statement = Statement("s1", speaker, quote_text, origin="q1", quotes=("q1",), conflict=conflict)
    edit = Edit("replace", 0, len(quote_text), quote_text, 0, len(quote_text), quote_text + " <&>")
    link = Link("q1", "s1", 50.0, fidelity, diff=(edit,), conflict=conflict)
    return Trace(
        (article,), (quote,), (Speaker(speaker, aliases=(speaker[:3],), kind="person"),), (statement,), (link,)
    )


def write_brat_split(split: Path) -> Path:
    """A two-article PolNeAR-style split at ``split`` (``text/`` and brat ``attributions/``): one
    attribution each, source, cue and content, for training a tagger end to end."""
    (split / "text").mkdir(parents=True)
    (split / "attributions").mkdir()
    texts = {
        "a": "The mayor said the bridge would reopen in May.\n",
        "b": "Officials warned that the storm would hit the coast.\n",
    }
    anns = {
        "a": [("Source", "The mayor"), ("Cue", "said"), ("Content", "the bridge would reopen in May")],
        "b": [("Source", "Officials"), ("Cue", "warned"), ("Content", "the storm would hit the coast")],
    }
    for stem, text in texts.items():
        (split / "text" / f"{stem}.txt").write_text(text, encoding="utf-8")
        lines = []
        for i, (label, words) in enumerate(anns[stem], 1):
            at = text.index(words)
            lines.append(f"T{i}\t{label} {at} {at + len(words)}\t{words}")
        lines.append("E1\tAttribution:T2 Content:T3 Cue:T2 Source:T1")
        (split / "attributions" / f"{stem}_x.ann").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return split


def named_by_quotes(trace_json: str) -> dict[str, Any]:
    """A trace's JSON with each statement id replaced by the statement's quotes: two traces of one
    story that differ only in how their statements are numbered (a store keeps the ids it gave) compare
    equal."""
    trace: dict[str, Any] = json.loads(trace_json)
    named = {st["id"]: st["quotes"] for st in trace["statements"]}
    for st in trace["statements"]:
        st["id"] = st["quotes"]
    for q in trace["quotes"]:
        q["statement"] = named.get(q["statement"])
    for lk in trace["links"]:
        lk["target"] = named.get(lk["target"], lk["target"])
    return trace
