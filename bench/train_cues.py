"""Learn the attribution-cue lexicon from PolNeAR train; writes quotetrace/data/cues.tsv.

    .venv/bin/python bench/train_cues.py [--split ../shared/data/polnear/train]

For every verb form outside quotation marks in the training texts (quotetrace never looks
for cues inside a quotation) it counts how often the word is part of an annotated cue and
how often it occurs at all. Forms that are cues at least
``--min-precision`` of the time and at least ``--min-count`` times enter the lexicon,
marked ``speech`` when they are verbs of saying (the hand-written list in
``quotetrace.extract.cues``) and ``attitude`` otherwise (criticized, endorsed,
described...). Only counts are written, never PolNeAR text. Dev is not read.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

from quotetrace.extract.cues import CUE_VERBS
from quotetrace.extract.marks import find_quotations
from quotetrace.extract.segment import paragraphs

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "quotetrace" / "data" / "cues.tsv"
WORD = re.compile(r"\w+(?:[’'\-]\w+)*")
# Irregular past forms that carry attitude or speech; regular forms are recognised by ending.
IRREGULAR = frozenset("thought felt saw knew meant sought gave spoke held took wrote said told found chose".split())
# Adverbs and raising verbs that PolNeAR puts inside cues but that cannot head a frame.
NOT_CUES = frozenset("also according repeatedly publicly widely known expected seemed seems appeared appears".split())


def verb_form(w: str) -> bool:
    return w in IRREGULAR or w in CUE_VERBS or (len(w) > 4 and w.endswith(("ed", "es", "ing", "s")))


def spans(ann: Path) -> list[tuple[int, int]]:
    """Character spans of every Cue fragment in one brat .ann file."""
    out = []
    for line in ann.read_text(encoding="utf-8").splitlines():
        cols = line.split("\t")
        if len(cols) >= 2 and cols[0].startswith("T") and cols[1].startswith("Cue "):
            for frag in cols[1][4:].split(";"):
                a, b = frag.split()
                out.append((int(a), int(b)))
    return out


def _quoted(text: str) -> set[int]:
    """Offsets of word starts inside quotation marks, found the way extraction finds them."""
    inside: set[int] = set()
    for ps, pe in paragraphs(text):
        for q in find_quotations(text, ps, pe):
            inside.update(m.start() for m in WORD.finditer(text, q.start, q.end))
    return inside


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", default=str(ROOT.parent / "shared" / "data" / "polnear" / "train"))
    ap.add_argument("--min-precision", type=float, default=0.5)
    ap.add_argument("--min-count", type=int, default=6)
    args = ap.parse_args()
    split = Path(args.split)
    occurrences: Counter[str] = Counter()
    as_cue: Counter[str] = Counter()
    for txt in sorted((split / "text").glob("*.txt")):
        anns = sorted((split / "attributions").glob(txt.stem + "_*.ann"))
        if not anns:
            continue
        text = txt.read_text(encoding="utf-8")
        cue_starts = {m.start() for a, b in spans(anns[0]) for m in WORD.finditer(text, a, b)}
        quoted = _quoted(text)
        for m in WORD.finditer(text):
            if m.start() in quoted:
                continue
            w = m.group().lower()
            occurrences[w] += 1
            if m.start() in cue_starts:
                as_cue[w] += 1
    rows = []
    for w, n in as_cue.items():
        p = n / occurrences[w]
        if n >= args.min_count and p >= args.min_precision and verb_form(w) and w not in NOT_CUES:
            rows.append((w, n, occurrences[w], p, "speech" if w in CUE_VERBS else "attitude"))
    rows.sort(key=lambda r: (-r[1], r[0]))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8") as f:
        f.write(
            f"# learned by bench/train_cues.py from PolNeAR train (min precision {args.min_precision}, "
            f"min count {args.min_count}); counts only\n"
        )
        f.write("word\tas_cue\toccurrences\tprecision\tclass\n")
        for w, n, o, p, c in rows:
            f.write(f"{w}\t{n}\t{o}\t{p:.3f}\t{c}\n")
    print(
        f"wrote {OUT.relative_to(ROOT)}: {len(rows)} cue forms "
        f"({sum(r[4] == 'attitude' for r in rows)} attitude, {sum(r[4] == 'speech' for r in rows)} speech)"
    )


if __name__ == "__main__":
    main()
