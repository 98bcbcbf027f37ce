"""Incremental tracing of a growing story: add an hour's articles to a large store, trace again.

    .venv/bin/python bench/bench_incremental.py                        # 10,000 + 100 articles, seed 7
    .venv/bin/python bench/bench_incremental.py --size 100000 --new 1000 --jobs 2

A seeded corpus of ``size + new`` articles (``bench/corpus.py``, cached like ``bench_scale.py``'s)
is split in time order: the first ``size`` articles are the story so far, the last ``new`` the
articles that arrive next (they reuse the statements of the days before, as news does). Each
step is the command a user types, as a subprocess on HEAD's ``quotetrace/`` (exported, so work
in the tree does not change the code halfway), timed with its peak memory:

1. ``quotetrace add BASE --db S`` then ``quotetrace trace --db S -f json``: the store built and
   linked whole (the first trace of a store links everything: the full run's linking);
2. ``quotetrace add NEW --db S`` then ``quotetrace trace --db S -f json``: the increment;
3. ``quotetrace trace --db S --relink -f json``: the same store linked afresh, to compare with.

Printed: each step's wall and CPU time and peak memory; the increment (add + trace) as a share of
the full run (add + trace of step 1, scaled to the same articles); and how the incremental trace
agrees with the fresh one: quotes in the same statements, links between the same quotes with the
same fidelity, and how many of those have the same score too.

``--keep DIR`` works in DIR and leaves it, with two copies of the store made between timed steps:
``added.db``, the story so far added but never traced, and ``grown.db``, traced once and with the new
articles added. A 100,000-article store takes ten minutes to add: to time a change to linking, copy
``added.db``, trace it, add ``DIR/new`` and trace again (``grown.db`` was linked by the code of its
run, and a store linked by another linker is linked afresh, not incrementally).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import bench_scale

ROOT = Path(__file__).resolve().parent.parent
# the copies ``--keep`` makes of the store, after the step of each label
KEPT = {"add the story so far": "added.db", "add the new articles": "grown.db"}
QUOTETRACE = ROOT / ".venv" / "bin" / "quotetrace"


def split(folder: Path, size: int, new: int, into: Path) -> tuple[Path, Path]:
    """Two folders of symbolic links: the first ``size`` articles and the ``new`` after them."""
    names = sorted(e.name for e in os.scandir(folder) if e.name.endswith(".txt"))
    if len(names) < size + new:
        raise SystemExit(f"{folder} holds {len(names)} articles, not {size + new}")
    parts = (into / "base", names[:size]), (into / "new", names[size : size + new])
    for part, chosen in parts:
        part.mkdir(parents=True)
        for name in chosen:
            (part / name).symlink_to(folder / name)
        shutil.copy(folder / "manifest.json", part / "manifest.json")
    return parts[0][0], parts[1][0]


def records(path: Path, key: str) -> Iterator[dict[str, Any]]:
    """The records of one section of a trace's JSON, read a line at a time (a record a line)."""
    inside = False
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.startswith(f' "{key}": ['):
                inside = not line.rstrip().endswith("[]")
            elif inside and line.startswith(" ]"):
                return
            elif inside:
                yield json.loads(line.strip().rstrip(","))


def view(path: Path) -> tuple[set[frozenset[str]], set[tuple[str, Any, str, float]]]:
    """Statements as sets of quote ids, and links with statement targets named by their members."""
    members = {s["id"]: frozenset(s["quotes"]) for s in records(path, "statements")}
    links = {
        (lk["source"], members.get(lk["target"], lk["target"]), lk["fidelity"], lk["score"])
        for lk in records(path, "links")
    }
    return set(members.values()), links


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=10_000, help="articles in the story so far [10000]")
    ap.add_argument("--new", type=int, default=100, help="articles that arrive next [100]")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--jobs", type=int, default=1, help="processes for add's extraction and for the traces' verification [1]"
    )
    ap.add_argument("--rules-only", action="store_true", help="extract with the rules alone")
    ap.add_argument("--keep", type=Path, metavar="DIR", help="work in DIR (new or empty) and keep it, with copies")
    args = ap.parse_args()
    if args.keep is not None and args.keep.exists() and any(args.keep.iterdir()):
        raise SystemExit(f"--keep {args.keep}: not empty")

    sha, code = bench_scale.snapshot()
    env = {**os.environ, "PYTHONPATH": str(code)}
    folder, _ = bench_scale.corpus_dir(args.size + args.new, args.seed)
    extract = ["--jobs", str(args.jobs)] + (["--rules-only"] if args.rules_only else [])
    print(f"machine: {os.cpu_count()} cores, load average now {os.getloadavg()[0]:.1f}; code {sha}")
    print(f"corpus: {folder.name}, {args.size:,} articles then {args.new:,} more\n")
    print("| step | wall s | CPU s | peak MB |\n|---|---:|---:|---:|")
    with contextlib.ExitStack() as stack:
        if args.keep is None:
            work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="qt-incremental-")))
        else:
            work = args.keep
            work.mkdir(parents=True, exist_ok=True)
        base, new = split(folder, args.size, args.new, work)
        db = str(work / "story.db")
        runs = {}
        steps = [
            ("add the story so far", [str(QUOTETRACE), "add", str(base), "--db", db, "-q", *extract], None),
            ("trace it (links everything)", [str(QUOTETRACE), "trace", "--db", db, "-q"], work / "first.json"),
            ("add the new articles", [str(QUOTETRACE), "add", str(new), "--db", db, "-q", *extract], None),
            ("trace again (incremental)", [str(QUOTETRACE), "trace", "--db", db, "-q"], work / "again.json"),
            ("trace --relink (afresh)", [str(QUOTETRACE), "trace", "--db", db, "--relink", "-q"], work / "fresh.json"),
        ]
        for label, cmd, out in steps:
            if cmd[1] == "trace":
                # a trace verifies in processes when its pairs are many for the quotes it would send them
                cmd += ["--jobs", str(args.jobs)] + (["--rules-only"] if args.rules_only else [])
            if out is not None:
                cmd += ["-f", "json", "-o", str(out)]
            run = bench_scale.measure(cmd, args.size, label, out=None, env=env)
            if run.code != 0:
                raise SystemExit(f"{label} failed: {run.error}")
            runs[label] = run
            print(f"| {label} | {run.wall:.1f} | {run.cpu:.1f} | {run.tree_mb:,.0f} |", flush=True)
            if args.keep is not None and label in KEPT:  # between timed steps: no step's figures include it
                shutil.copyfile(db, work / KEPT[label])
        full = runs["add the story so far"].cpu + runs["trace it (links everything)"].cpu
        full_wall = runs["add the story so far"].wall + runs["trace it (links everything)"].wall
        step = runs["add the new articles"].cpu + runs["trace again (incremental)"].cpu
        step_wall = runs["add the new articles"].wall + runs["trace again (incremental)"].wall
        scale = (args.size + args.new) / args.size
        print(
            f"\nincrement (add + trace) against the full run (add + trace of the story so far, x{scale:.3f} for the "
            f"same articles): CPU {step:.1f} / {full * scale:.1f} s = {step / (full * scale):.1%}; "
            f"wall {step_wall:.1f} / {full_wall * scale:.1f} s = {step_wall / (full_wall * scale):.1%}"
        )
        relink, again = runs["trace --relink (afresh)"], runs["trace again (incremental)"]
        print(f"incremental trace against trace --relink: CPU {again.cpu / relink.cpu:.1%}")
        (s_inc, l_inc), (s_fresh, l_fresh) = view(work / "again.json"), view(work / "fresh.json")
        # links of groups taken whole keep the scores of then: count them apart from the links themselves
        u_inc, u_fresh = {lk[:3] for lk in l_inc}, {lk[:3] for lk in l_fresh}
        print(
            f"agreement: {len(s_inc & s_fresh):,} of {len(s_fresh):,} statements with the same quotes; links "
            f"{len(u_inc & u_fresh):,} of {len(u_fresh):,} the same ({len(u_inc - u_fresh):,} only incremental, "
            f"{len(u_fresh - u_inc):,} only afresh), {len(l_inc & l_fresh):,} of them with the same score"
        )


if __name__ == "__main__":
    main()
