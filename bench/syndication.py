"""One statement reprinted by many articles: does it stay one statement?

    .venv/bin/python bench/syndication.py                       # 500, 1000, 1100, 1500 and 2000 copies
    .venv/bin/python bench/syndication.py --copies 1000,4000 --seed 3

Each article quotes Zelensky's X post of the seed story once: whole in half of them, cut short in
three in ten, with one word respelled in the rest, dated over a month. Prints, for each number of
copies, the statements the copies fall into (one story, so ideally a handful: the whole post and its
cuts) and the links between them, and the seconds linking took (extraction excluded).

Blocking skips a word 3-gram held by more than ``match.MAX_DF`` quotes as boilerplate. Until session 27 it
counted each copy of a reprinted quote, so a statement quoted by more than about that many articles lost
every probe it had and its copies stopped meeting (1,284 statements for 1,500 copies); now the copies of
one quote under one speaker are blocked as their first copy (``provenance.Reprints``), and stay one
statement however many there are (docs/benchmarks.md, sessions 26 and 27).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time

from quotetrace.extract import extract_quotes
from quotetrace.model import Article
from quotetrace.pipeline import assemble

POST = (
    "Ukraine is ready to hand over Kim Jong Un's soldiers to him if he can organize their exchange "
    "for our warriors who are being held captive in Russia"
)


def articles(copies: int, seed: int) -> list[Article]:
    """``copies`` articles, each quoting ``POST`` once: whole, cut short or with one word respelled."""
    rnd = random.Random(seed)
    words = POST.split()
    out = []
    for i in range(copies):
        quoted = list(words)
        draw = rnd.random()
        if draw < 0.3:
            quoted = quoted[: rnd.randint(8, len(quoted))]
        elif draw < 0.5:
            k = rnd.randrange(len(quoted))
            quoted[k] = quoted[k][:-1] + "e"
        text = (
            f"Prisoner exchange, day {i}\n\n\u201c{' '.join(quoted)},\u201d Volodymyr Zelensky said on X.\n\n"
            f"Fighting went on near Kursk on day {i}.\n"
        )
        out.append(Article(id=f"{i:06d}.txt", text=text, date=dt.date(2025, 1, 1) + dt.timedelta(days=i % 30)))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--copies", default="500,1000,1100,1500,2000", help="numbers of copies, comma-separated")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    warm = articles(3, args.seed)
    assemble(warm, [extract_quotes(a) for a in warm])  # numba compiles linking's loops once, untimed
    for copies in (int(c) for c in args.copies.split(",")):
        arts = articles(copies, args.seed)
        extractions = [extract_quotes(a) for a in arts]
        start = time.perf_counter()
        trace = assemble(arts, extractions)
        secs = time.perf_counter() - start
        quotes = sum(len(ex.quotes) for ex in extractions)
        print(
            f"{copies:6,} copies: {quotes:6,} quotes in {len(trace.statements):6,} statements, "
            f"{len(trace.links):6,} links; linking {secs:.2f} s"
        )


if __name__ == "__main__":
    main()
