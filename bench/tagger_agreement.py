"""Check the shipped decoder against CRFsuite's own: the labels of every sentence the extractor tags.

    .venv/bin/python bench/train_tagger.py --keep-crfsuite /tmp/tagger.crfsuite
    .venv/bin/python bench/tagger_agreement.py /tmp/tagger.crfsuite [FOLDER...]

``quotetrace.extract.tagger.Tagger`` decodes the arrays ``bench/train_tagger.py`` exports from
CRFsuite's model (weights to six decimals, as CRFsuite's dump gives them) with its own compiled
Viterbi search. This runs extraction over the folders (PolNeAR dev and train and the seeds by
default) with both taggers side by side, keeps CRFsuite's labels, and prints how many sentences
and tokens the two label differently, and what each took per article. Needs ``.[train]``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path

import pycrfsuite

from quotetrace.extract import extract_quotes
from quotetrace.extract.segment import Token
from quotetrace.extract.tagger import MAX_TOKENS, MODEL, Label, Tagger, features
from quotetrace.ingest import read_articles

ROOT = Path(__file__).resolve().parent.parent
POLNEAR = ROOT.parent / "shared" / "data" / "polnear"


class Both:
    """Tags with CRFsuite, and counts where the shipped decoder would label otherwise."""

    max_tokens = MAX_TOKENS

    def __init__(self, crf: pycrfsuite.Tagger, mine: Tagger) -> None:
        self.crf, self.mine = crf, mine
        self.sentences = self.tokens = self.differ = self.differ_tokens = 0
        self.crf_s = self.mine_s = 0.0

    def tag(self, toks: Sequence[Token], in_quote: Sequence[bool], rule: Sequence[Label]) -> list[Label]:
        if not toks or len(toks) > MAX_TOKENS:
            return ["O"] * len(toks)
        t0 = time.perf_counter()
        theirs = list(self.crf.tag(features(toks, in_quote, rule)))
        t1 = time.perf_counter()
        ours = self.mine.tag(toks, in_quote, rule)
        self.crf_s += t1 - t0
        self.mine_s += time.perf_counter() - t1
        self.sentences += 1
        self.tokens += len(toks)
        self.differ += theirs != ours
        self.differ_tokens += sum(a != b for a, b in zip(theirs, ours, strict=True))
        return theirs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("crfsuite", type=Path, help="CRFsuite's model file (train_tagger.py --keep-crfsuite)")
    ap.add_argument("folders", nargs="*", type=Path)
    ap.add_argument("--model", type=Path, default=ROOT / "quotetrace" / MODEL, help="the exported arrays")
    args = ap.parse_args()
    folders = args.folders or [POLNEAR / "dev" / "text", POLNEAR / "train" / "text", ROOT / "seeds"]
    crf = pycrfsuite.Tagger()
    crf.open(str(args.crfsuite))
    both = Both(crf, Tagger(args.model.read_bytes()))
    both.mine.tag([Token(0, 4, "warm", "warm")], [False], ["O"])  # numba compiles (or loads) before timing
    n = 0
    for folder in folders:
        for article in read_articles(folder):
            extract_quotes(article, tagger=both)
            n += 1
    per = 1e3 / max(n, 1)
    print(f"{n} articles, {both.sentences} sentences, {both.tokens} tokens: {both.differ} sentences and "
          f"{both.differ_tokens} tokens labelled otherwise; per article CRFsuite (with its feature strings) "
          f"{both.crf_s * per:.2f} ms, the shipped decoder {both.mine_s * per:.2f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
