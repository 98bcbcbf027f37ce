"""Train the learned attribution tagger on PolNeAR train; writes quotetrace/data/tagger-v4.npz.

    .venv/bin/python bench/train_tagger.py [--split ../shared/data/polnear/train] [--hold-out DIR]

(``pip install -e '.[train]'`` for CRFsuite, which trains it.)

Each training article is read and extracted by the rules exactly as ``quotetrace`` reads it;
every sentence the extractor visits is recorded with its tokens, quotation mask and
the rules' own labels (the tagger is stacked on them), and labelled from the brat
annotation: content, source and cue spans as BIO tags. A linear-chain CRF (CRFsuite,
L-BFGS with L1 and L2 regularisation) is trained on the sentences and written as the
arrays ``quotetrace.extract.tagger.Tagger`` decodes (``export``). The model file holds
feature weights only, never PolNeAR text. Dev is not read; ``--hold-out DIR`` leaves the
articles of a folder out of training so that they can be scored while developing.
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pycrfsuite

from quotetrace.extract import extract_quotes
from quotetrace.extract.segment import Token
from quotetrace.extract.tagger import MODEL, Label, features, roles_of
from quotetrace.ingest import read_article

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "quotetrace" / MODEL
COUNTED = ("Attribution", "Attribution-no-source")  # as qtscore counts them; Discuss and Discard are not


def gold_spans(ann: Path) -> list[tuple[str, int, int]]:
    """``(role, start, end)`` for the content, source and cue fragments of every counted attribution."""
    frags: dict[str, tuple[str, list[tuple[int, int]]]] = {}
    events = []
    for line in ann.read_text(encoding="utf-8").splitlines():
        cols = line.split("\t")
        if len(cols) < 2:
            continue
        if cols[0].startswith("T"):
            label, _, where = cols[1].partition(" ")
            try:
                frags[cols[0]] = (label, [(int(a), int(b)) for a, b in (f.split() for f in where.split(";"))])
            except ValueError:
                continue
        elif cols[0].startswith("E"):
            events.append(dict(r.split(":", 1) for r in cols[1].split() if ":" in r))
    role_of = {"Content": "C", "Source": "S", "Cue": "K"}
    out = []
    for ev in events:
        if not any(k in ev for k in COUNTED) or "Content" not in ev:
            continue
        for name, role in role_of.items():
            if ev.get(name) in frags:
                out += [(role, s, e) for s, e in frags[ev[name]][1]]
    return out


class Recorder:
    """A tagger that tags nothing and keeps what the extractor showed it."""

    def __init__(self) -> None:
        self.seen: list[tuple[list[Token], list[bool], list[Label]]] = []

    def tag(self, toks: Sequence[Token], in_quote: Sequence[bool], rule: Sequence[Label]) -> list[Label]:
        self.seen.append((list(toks), list(in_quote), list(rule)))
        return ["O"] * len(toks)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", type=Path, default=ROOT.parent / "shared" / "data" / "polnear" / "train")
    ap.add_argument("--hold-out", type=Path, help="a folder whose text/*.txt articles are left out of training")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--c1", type=float, default=0.5)
    ap.add_argument("--c2", type=float, default=0.01)
    ap.add_argument("--iterations", type=int, default=250)
    ap.add_argument("--min-freq", type=float, default=3)
    ap.add_argument("--keep-crfsuite", type=Path, help="also keep CRFsuite's own model file here")
    args = ap.parse_args()

    if not any((args.split / "text").glob("*.txt")):
        # a model trained on nothing decodes every sentence as "O": refuse rather than write one
        raise SystemExit(f"Error: no articles in {args.split / 'text'}: give --split, a PolNeAR split folder")
    held = {p.name for p in (args.hold_out / "text").glob("*.txt")} if args.hold_out else set()
    trainer = pycrfsuite.Trainer(verbose=False)
    counts: Counter[str] = Counter()
    t0 = time.perf_counter()
    for txt in sorted((args.split / "text").glob("*.txt")):
        anns = sorted((args.split / "attributions").glob(txt.stem + "_*.ann"))
        if txt.name in held or not anns:
            continue
        gold = gold_spans(anns[0])  # the first annotator, as qtscore scores
        rec = Recorder()
        for article in read_article(txt):
            extract_quotes(article, tagger=rec)
        for toks, in_quote, rule in rec.seen:
            lo, hi = toks[0].start, toks[-1].end
            labels = roles_of(toks, [g for g in gold if g[1] < hi and g[2] > lo])
            trainer.append(features(toks, in_quote, rule), labels)
            counts.update(labels)
        counts["articles"] += 1
    if not counts["articles"]:
        raise SystemExit(f"Error: every article of {args.split} is held out or unannotated: nothing to train on")
    print(f"{counts['articles']} articles, {sum(v for k, v in counts.items() if k != 'articles')} tokens "
          f"read in {time.perf_counter() - t0:.0f} s; labels {dict(sorted(counts.items()))}")  # fmt: skip
    trainer.set_params(
        {
            "c1": args.c1,
            "c2": args.c2,
            "max_iterations": args.iterations,
            "feature.possible_transitions": True,
            "feature.minfreq": args.min_freq,
        }
    )
    t0 = time.perf_counter()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        crf = args.keep_crfsuite or Path(tmp) / "model.crfsuite"
        trainer.train(str(crf))
        n_feats = export(crf, args.out)
    print(f"trained in {time.perf_counter() - t0:.0f} s: {n_feats} state features, "
          f"{args.out.stat().st_size / 1e6:.1f} MB -> {args.out}")  # fmt: skip


def export(crf: Path, out: Path) -> int:
    """Write CRFsuite's model ``crf`` as the arrays ``quotetrace.extract.tagger.Tagger`` reads; the
    number of state features. CRFsuite's dump gives each weight to six decimals: those are the model."""
    tagger = pycrfsuite.Tagger()
    tagger.open(str(crf))
    info = tagger.info()
    labels = list(tagger.labels())
    index = {lab: i for i, lab in enumerate(labels)}
    attributes: dict[str, int] = {}
    for attr, _ in info.state_features:
        attributes.setdefault(attr, len(attributes))
    if any("\n" in a for a in [*attributes, *labels]):
        raise ValueError("an attribute or label holds a newline: the model file joins them by lines")
    state = np.zeros((len(attributes), len(labels)))
    for (attr, lab), weight in info.state_features.items():
        state[attributes[attr], index[lab]] = weight
    trans = np.zeros((len(labels), len(labels)))
    for (a, b), weight in info.transitions.items():
        trans[index[a], index[b]] = weight
    buf = io.BytesIO()
    np.savez_compressed(
        buf,
        attributes=np.frombuffer("\n".join(attributes).encode("utf-8"), dtype=np.uint8),
        labels=np.frombuffer("\n".join(labels).encode("utf-8"), dtype=np.uint8),
        state=state,
        transitions=trans,
    )
    out.write_bytes(buf.getvalue())
    return len(info.state_features)


if __name__ == "__main__":
    main()
