"""Engine throughput: extraction on the local engine (1 and 2 processes) and on Dask (1 and 2 workers).

    .venv/bin/python bench/bench_engine.py [FOLDER] [--repeat 3] [--rules-only] [--link 10000]

Reads FOLDER once (PolNeAR train by default: 840 articles), then times extraction alone on
``LocalEngine(jobs=1)``, ``LocalEngine(jobs=2)`` and a ``LocalCluster`` of 1 and of 2 worker
processes (``DaskEngine(workers=N)``), best of ``--repeat`` runs after one warm-up run, and checks
that every engine gives the same extractions. A local run with jobs=2 starts its processes on
each call, and that start is counted; a cluster's start is not (it is printed apart).
The ratios compare figures of this one run. With ``--link N`` it also times finding and
verifying the candidate pairs of N quotes from ``bench/reprints.py`` on each engine.

The load average is printed before and after: on a 2-core machine, anything else running
takes a worker's core, and two workers then cannot double one.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from quotetrace.engine import DaskEngine, Engine, LocalEngine
from quotetrace.extract import TaggerName
from quotetrace.ingest import read_articles
from quotetrace.match import Words, idf_weights
from quotetrace.provenance import LinkTable

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT.parent / "shared" / "data" / "polnear" / "train" / "text"


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    fn()  # warm-up: worker processes import quotetrace and load the tagger once
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def link_table(n: int) -> LinkTable:
    sys.path.insert(0, str(ROOT / "bench"))
    import reprints  # the seeded reprint-chain generator

    _, reps = reprints.generate(max(1, n // 7), 6, 7)
    quotes = reprints.quotes_of(reps)[:n]
    words = tuple(Words.of(q.text) for q in quotes)
    return LinkTable(
        words,
        tuple(q.kind == "indirect" for q in quotes),
        tuple((0, 0, q.article, -q.start) for q in quotes),
        tuple(q.speaker or "" for q in quotes),
        idf_weights(words),
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", nargs="?", default=str(DEFAULT))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--rules-only", action="store_true", help="extract without the learned tagger")
    ap.add_argument("--link", type=int, default=0, metavar="N", help="also time linking N reprint quotes")
    ap.add_argument("--engines", default="local,dask", help="which engines to time: local, dask or both")
    args = ap.parse_args()
    articles = read_articles([args.folder])
    print(f"{len(articles)} articles from {args.folder}; {load()}")
    mode = "rules only" if args.rules_only else "with the tagger"
    rates: dict[str, float] = {}
    reference = None
    table = link_table(args.link) if args.link else None
    linked: dict[str, float] = {}
    reference_links = None

    def measure(name: str, engine: Engine) -> None:
        nonlocal reference, reference_links
        tagger: TaggerName = "rules" if args.rules_only else "fast"
        secs, out = best_of(lambda: engine.extract(articles, tagger=tagger), args.repeat)
        rates[name] = len(articles) / secs
        same = "" if reference is None else ("  same output" if out == reference else "  OUTPUT DIFFERS")
        reference = reference if reference is not None else out
        print(f"extraction ({mode}), {name:22}: {secs:6.2f} s = {rates[name]:6.1f} articles/s{same}")
        if table is not None:
            secs, found = best_of(lambda: engine.verified_pairs(table), 1)
            linked[name] = secs
            same = "" if reference_links is None else ("  same" if found == reference_links else "  DIFFERS")
            reference_links = reference_links if reference_links is not None else found
            print(f"  pairs of {args.link:,} quotes found and verified: {secs:6.2f} s ({len(found):,} verdicts){same}")

    engines = args.engines.split(",")
    if "local" in engines:
        measure("local, jobs=1", LocalEngine(jobs=1))
        measure("local, jobs=2", LocalEngine(jobs=2))
    if "dask" in engines:
        for workers in (1, 2):
            t0 = time.perf_counter()
            with DaskEngine(workers=workers) as engine:
                print(f"LocalCluster of {workers} worker(s) started in {time.perf_counter() - t0:.1f} s")
                measure(f"dask, {workers} worker(s)", engine)
        print(f"dask 2 workers / 1 worker: x{rates['dask, 2 worker(s)'] / rates['dask, 1 worker(s)']:.2f}")
    if "local" in engines:
        print(f"local jobs=2 / jobs=1:     x{rates['local, jobs=2'] / rates['local, jobs=1']:.2f}")
    if len(engines) == 2:
        print(f"dask 1 worker / local jobs=1: x{rates['dask, 1 worker(s)'] / rates['local, jobs=1']:.2f}")
    print(load())


if __name__ == "__main__":  # worker processes import this module: start nothing then
    main()
