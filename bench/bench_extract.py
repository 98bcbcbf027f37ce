"""Extraction speed: articles per second on a folder of articles (PolNeAR dev by default).

    .venv/bin/python bench/bench_extract.py [FOLDER] [--repeat N] [--contextual N]

Prints articles/s and characters/s for extraction alone (ingest excluded), with the
learned tagger and with the rules only, the best of N runs after one warm-up pass (with
``--contextual N``, the contextual tagger on the first N articles, one pass), how
time grows with article length (the same texts concatenated 1x, 4x, 16x: a ratio near 4
per step means linear), and hostile one-line inputs (a wall of quotation marks, one line
with no full stop, nested marks): at 5 MB as quotetrace reads them by default (a line over
``ingest.MAX_LINE`` characters is reported and not read as prose), and read as prose anyway
at two sizes, whose ratio must stay near the size ratio. Figures are for comparing runs on one
machine, not absolute claims.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from quotetrace.extract import extract_quotes
from quotetrace.ingest import article_from_text, read_articles

DEFAULT = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "polnear" / "dev" / "text"


def best_of(fn: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", nargs="?", default=str(DEFAULT))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument(
        "--contextual", type=int, default=0, metavar="N", help="also time the contextual tagger on the first N articles"
    )
    args = ap.parse_args()
    articles = read_articles([args.folder])
    chars = sum(len(a.text) for a in articles)
    quotes = sum(len(extract_quotes(a).quotes) for a in articles)
    print(f"{len(articles)} articles, {chars:,} characters, {quotes} quotes")
    timed = {}
    for mode, tagger in (("with the tagger", None), ("rules only", False)):
        secs = best_of(lambda tagger=tagger: [extract_quotes(a, tagger=tagger) for a in articles], args.repeat)
        timed[mode] = secs
        print(
            f"extraction, {mode:15}: {secs:.3f} s = {len(articles) / secs:,.0f} articles/s, "
            f"{chars / secs / 1e6:.2f} M chars/s, {1000 * secs / len(articles):.2f} ms per article"
        )
    print(f"the tagger costs x{timed['with the tagger'] / timed['rules only']:.1f} the rules' time")
    if args.contextual:
        # MiniLM reads every sentence: one pass (after one article to load it) is enough to time
        sample = articles[: args.contextual]
        extract_quotes(sample[0], tagger="contextual")
        secs = best_of(lambda: [extract_quotes(a, tagger="contextual") for a in sample], 1)
        per_article, fast = secs / len(sample), timed["with the tagger"] / len(articles)
        print(
            f"extraction, contextual tagger: {secs:.2f} s for {len(sample)} articles = "
            f"{1000 * per_article:.0f} ms per article, x{per_article / fast:.0f} the fast tagger's time"
        )
    base = "\n\n".join(a.text for a in articles[:20])
    prev = None
    for k in (1, 4, 16):
        art = article_from_text("\n\n".join([base] * k), id=f"x{k}")
        s = best_of(lambda art=art: extract_quotes(art), args.repeat)
        ratio = f"  x{s / prev:.1f} for 4x the text" if prev else ""
        print(f"one article of {len(art.text):>9,} chars: {s:.3f} s{ratio}")
        prev = s
    hostile = {
        "quotation marks only": '"',
        "one line, no full stop": "He said “we are ready,” and Mr Lee said that the plan works ",
        "nested marks": "“a ‘b “c ‘d ",
    }
    # one line each: by default a line over ingest.MAX_LINE is reported and not read as prose
    # (the first figure, reading included); max_line=None reads it anyway, and its growth must be linear
    for name, unit in hostile.items():
        times = []
        for size in (250_000, 1_000_000, 5_000_000):
            text = (unit * (size // len(unit) + 1))[:size]
            t0 = time.perf_counter()
            extract_quotes(article_from_text(text, id=name))
            skipped = time.perf_counter() - t0
            if size == 5_000_000:
                print(f"{name:24} 5M chars, default (not prose): {skipped:.2f} s read and extracted")
                continue
            art = article_from_text(text, id=name, max_line=None)
            t0 = time.perf_counter()
            extract_quotes(art)
            times.append(time.perf_counter() - t0)
        print(
            f"{name:24} read as prose: 250k chars {times[0]:.2f} s, 1M chars {times[1]:.2f} s"
            f"  (x{times[1] / times[0]:.1f} for 4x)"
        )


if __name__ == "__main__":
    main()
