"""Rendering a large story: a seeded 500-article synthetic story drawn to SVG.

    .venv/bin/python bench/bench_render.py [--articles 500] [--seed 7]

The story comes from ``bench/reprints.py``'s generator: real sentences said by a few
speakers, reproduced across articles (verbatim, cut, respelled, altered, reported),
spread over three weeks of publication dates. Prints the time to build the graph, to
draw the default (focused) view and its SVG's size; ``--whole`` also draws every
statement, which takes Graphviz minutes at this size: that is what the default focus is for.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

from reprints import SPEAKERS, generate

from quotetrace.graph import auto_focus, build_graph
from quotetrace.model import Article, Quote, Trace
from quotetrace.provenance import link_quotes
from quotetrace.render import to_svg

OUTLETS = ("The Moscow Times", "Kyiv Post", "Yonhap", "AFP", "Reuters", "The Independent", "Newsweek")


def story(n_articles: int, seed: int) -> Trace:
    """``n_articles`` articles, each carrying about seven reproductions from the generator."""
    _, reps = generate(max(1, n_articles), 6, seed)
    start = dt.date(2025, 1, 10)
    texts: dict[str, list[str]] = {}
    quotes: list[Quote] = []
    for i, r in enumerate(reps):
        article = f"a{i % n_articles:04d}.txt"
        parts = texts.setdefault(article, [])
        offset = sum(len(p) + 2 for p in parts)
        parts.append(r.text)
        speaker = SPEAKERS[r.statement % len(SPEAKERS)]
        quotes.append(Quote(f"q{i}", article, offset, offset + len(r.text), r.text, r.kind, speaker))  # type: ignore[arg-type]
    articles = tuple(
        Article(
            aid,
            "\n\n".join(parts),
            title=f"Story {aid}",
            outlet=OUTLETS[k % len(OUTLETS)],
            date=start + dt.timedelta(days=k % 21),
        )
        for k, (aid, parts) in enumerate(sorted(texts.items()))
    )
    prov = link_quotes(quotes, {a.id: a for a in articles})
    return Trace(articles, prov.quotes, (), prov.statements, prov.links)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=500)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--whole", action="store_true", help="also draw every statement (minutes: dot's layout is superlinear)"
    )
    args = ap.parse_args()
    t0 = time.perf_counter()
    t = story(args.articles, args.seed)
    t1 = time.perf_counter()
    graph = build_graph(t)
    t2 = time.perf_counter()
    focused, note = auto_focus(graph)
    svg = to_svg(focused)
    t3 = time.perf_counter()
    print(
        f"{len(t.articles)} articles, {len(t.quotes):,} quotes, {len(t.statements):,} statements "
        f"(trace built in {t1 - t0:.1f} s, graph in {t2 - t1:.1f} s)"
    )
    print(f"default view: {note or 'everything'}")
    print(f"  SVG in {t3 - t2:.1f} s, {len(svg.encode()) / 1e6:.2f} MB")
    if args.whole:
        t4 = time.perf_counter()
        whole = to_svg(graph)
        print(f"whole graph: SVG in {time.perf_counter() - t4:.1f} s, {len(whole.encode()) / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
