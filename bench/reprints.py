"""A seeded generator of reprint chains, and the linking benchmark built on it.

    .venv/bin/python bench/reprints.py [--statements 300] [--seed 7] [--scale 10000,30000,100000]

Each synthetic statement is a real sentence (from the seed articles, or from PolNeAR when
``../shared`` is beside the project: read at run time, never copied) said by one of a few
speakers. Articles reproduce it in a chain: each reprint copies the original or an
earlier reprint and may change it, the way syndicated copy drifts:

- ``verbatim``: the same words (case and quotation style may change);
- ``truncated``: a contiguous part of at least four words;
- ``variant``: one word respelled (British/American spelling, or a one-letter typo);
- ``altered``: a word inserted, dropped or replaced by another;
- ``paraphrase``: reported speech (the clause "that he was ready ...", pronouns and tenses shifted).

Every reprint knows its statement and its true fidelity to it, so the script prints:
blocking recall against all pairs (of the pairs ``compare`` links, the share
``candidate_pairs`` proposes), origin accuracy (the statement's origin is the original
itself, which every chain includes), fidelity accuracy (the label of each reprint's link to
its statement), statement purity, and the time to link 10k, 30k and 100k quotes, with the
blocking recall of each size's reprints of one statement (all pairs are out of reach there).
"""

from __future__ import annotations

import argparse
import itertools
import random
import re
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from quotetrace.match import Words, candidate_pairs, compare
from quotetrace.model import Quote
from quotetrace.provenance import link_quotes

ROOT = Path(__file__).resolve().parent.parent
POLNEAR = ROOT.parent / "shared" / "data" / "polnear" / "train" / "text"
SPEAKERS = ("Volodymyr Zelensky", "National Intelligence Service", "Kim Jong Un", "Lee Seong-kweun", "Kremlin")
SPELLINGS = (
    ("organize", "organise"),
    ("recognize", "recognise"),
    ("defense", "defence"),
    ("center", "centre"),
    ("program", "programme"),
    ("labor", "labour"),
    ("honor", "honour"),
    ("color", "colour"),
)
FILLERS = ("also", "really", "already", "clearly", "now", "still", "very", "all")
PRONOUNS = {
    "i": "he",
    "we": "they",
    "our": "their",
    "my": "his",
    "us": "them",
    "me": "him",
    "am": "was",
    "are": "were",
    "is": "was",
    "will": "would",
    "can": "could",
}
FIDELITIES = ("verbatim", "truncated", "variant", "altered", "paraphrase")
REWORDINGS = ("said", "noted", "indeed", "matters", "things", "people", "country", "issue", "plan")


@dataclass(frozen=True)
class Reprint:
    text: str
    statement: int
    fidelity: str
    kind: str


def sentences(limit: int, rng: random.Random) -> list[str]:
    """Real sentences of 8 to 40 words, from PolNeAR train when present, else from the seeds."""
    files = sorted(POLNEAR.glob("*.txt")) if POLNEAR.is_dir() else sorted((ROOT / "seeds").glob("*.txt"))
    pool: list[str] = []
    for f in files:
        for s in re.split(r"(?<=[.!?])\s+", f.read_text(encoding="utf-8")):
            s = " ".join(s.replace("“", " ").replace("”", " ").replace('"', " ").split())
            if 8 <= len(s.split()) <= 40 and s[0].isupper():
                pool.append(s)
    pool = sorted(set(pool))
    rng.shuffle(pool)
    return pool[:limit]


def truncate(words: list[str], rng: random.Random) -> list[str]:
    n = rng.randint(4, max(4, len(words) - 2))
    start = rng.randint(0, len(words) - n)
    return words[start : start + n]


def respell(words: list[str], rng: random.Random) -> list[str] | None:
    for i, w in enumerate(words):
        for a, b in SPELLINGS:
            if w.lower().startswith(a):
                return [*words[:i], b + w[len(a) :], *words[i + 1 :]]
    long = [i for i, w in enumerate(words) if len(w) >= 6 and w.isalpha()]
    if not long:
        return None
    i = rng.choice(long)
    w = words[i]
    spots = [k for k in range(1, len(w) - 2) if w[k] != w[k + 1]]
    if not spots:
        return None
    k = rng.choice(spots)
    return [*words[:i], w[:k] + w[k + 1] + w[k] + w[k + 2 :], *words[i + 1 :]]  # swap two letters


def alter(words: list[str], rng: random.Random) -> list[str]:
    i = rng.randint(1, len(words) - 2)
    op = rng.choice(("insert", "delete", "replace"))
    if op == "insert":
        return [*words[:i], rng.choice(FILLERS), *words[i:]]
    if op == "delete":
        return [*words[:i], *words[i + 1 :]]
    return [*words[:i], rng.choice(("many", "several", "certain", "major")), *words[i + 1 :]]


def paraphrase(words: list[str], rng: random.Random) -> str | None:
    """The reported clause, as extraction gives it ("that he was ready ..."): pronouns and tenses
    shifted, a word or two reworded, the end sometimes dropped. None when nothing would change."""
    shifted = [PRONOUNS.get(w.lower(), w) for w in words]
    content = [k for k, w in enumerate(shifted) if len(w) > 3 and w.isalpha() and w.islower()]
    for k in rng.sample(content, min(len(content), rng.randint(1, 2))):
        shifted[k] = rng.choice(REWORDINGS)
    if len(shifted) > 10 and rng.random() < 0.5:
        shifted = shifted[: rng.randint(len(shifted) * 2 // 3, len(shifted) - 1)]
    if [w.lower() for w in shifted] == [w.lower() for w in words]:
        return None
    clause = " ".join(shifted).rstrip(".!?,")
    return rng.choice(("that ", "", "")) + clause[0].lower() + clause[1:]


def generate(n_statements: int, reprints: int, seed: int) -> tuple[list[str], list[Reprint]]:
    """Statements and their reprint chains; reprint 0 of each chain is the original itself."""
    rng = random.Random(seed)
    originals = sentences(n_statements, rng)
    out: list[Reprint] = []
    rank = {f: k for k, f in enumerate(FIDELITIES)}
    for sid, text in enumerate(originals):
        out.append(Reprint(text, sid, "verbatim", "embed"))
        chain: list[tuple[list[str], str]] = [(text.split(), "verbatim")]
        for _ in range(reprints):
            base, base_fid = rng.choice(chain) if rng.random() < 0.3 else chain[0]
            fid = rng.choices(FIDELITIES, weights=(3, 3, 2, 2, 2))[0]
            words = list(base)
            if fid == "paraphrase":
                reported = paraphrase(words, rng)
                if reported is not None:
                    out.append(Reprint(reported, sid, "paraphrase", "indirect"))
                continue
            if fid == "truncated" and len(words) >= 7:
                words = truncate(words, rng)
            elif fid == "variant":
                words = respell(words, rng) or words
            elif fid == "altered":
                words = alter(words, rng)
            if words == base:
                fid = "verbatim"
            # a copy inherits its source's changes: the label is the worse of the two
            # (a cut copy of a respelled copy is a variant, of an altered copy altered)
            fid = max(fid, base_fid, key=rank.__getitem__)
            if fid == "verbatim" and words != chain[0][0]:
                fid = "truncated"
            chain.append((words, fid))
            out.append(Reprint(" ".join(words), sid, fid, "direct"))
    return originals, out


def quotes_of(reprints: list[Reprint]) -> list[Quote]:
    return [
        Quote(
            f"r{i}",
            f"a{i // 7:05d}.txt",
            0,
            len(r.text),
            r.text,
            r.kind,  # type: ignore[arg-type]
            SPEAKERS[r.statement % len(SPEAKERS)],
        )
        for i, r in enumerate(reprints)
    ]


def quality(n_statements: int, reprints: int, seed: int) -> None:
    originals, reps = generate(n_statements, reprints, seed)
    quotes = quotes_of(reps)
    words = [Words.of(r.text) for r in reps]
    direct = [i for i, r in enumerate(reps) if r.kind != "indirect"]
    # blocking recall: of the quotation pairs compare() links when trying every pair, the share blocking
    # proposes; and of those, the pairs the pipeline may link (one speaker, as link_quotes requires)
    t0 = time.perf_counter()
    linked = {
        (i, j)
        for i, j in itertools.combinations(direct, 2)
        if compare(words[i], words[j]) or compare(words[j], words[i])
    }
    all_pairs_s = time.perf_counter() - t0
    proposed = candidate_pairs(words)
    found = sum(1 for p in linked if p in proposed)
    same = {p for p in linked if reps[p[0]].statement == reps[p[1]].statement}
    speaker = {p for p in linked if reps[p[0]].statement % len(SPEAKERS) == reps[p[1]].statement % len(SPEAKERS)}
    found_speaker = sum(1 for p in speaker if p in proposed)
    found_same = sum(1 for p in same if p in proposed)
    print(f"{len(originals)} statements, {len(reps)} quotes ({Counter(r.fidelity for r in reps)})")
    print(
        f"blocking recall against all pairs: {found / len(linked):.4f} ({found}/{len(linked)} pairs compare() links; "
        f"all pairs took {all_pairs_s:.1f} s for {len(direct) * (len(direct) - 1) // 2:,} pairs)"
    )
    print(
        f"  pairs of one speaker (what linking may join): {found_speaker / len(speaker):.4f} "
        f"({found_speaker}/{len(speaker)}); reprints of one statement: {found_same / len(same):.4f} "
        f"({found_same}/{len(same)})"
    )
    prov = link_quotes(quotes, {})
    by_id = {q.id: i for i, q in enumerate(quotes)}
    st_of = {q.id: q.statement for q in prov.quotes}
    origins_right = 0
    for st in prov.statements:
        members = [reps[by_id[q]].statement for q in st.quotes]
        true = Counter(members).most_common(1)[0][0]
        origins_right += reps[by_id[st.origin]].kind == "embed" and reps[by_id[st.origin]].statement == true
    print(
        f"origin accuracy: {origins_right / n_statements:.3f} "
        f"({len(prov.statements)} statements found for {n_statements})"
    )
    to_statement = {ln.source: ln for ln in prov.links if ln.target.startswith("S")}
    right = total = 0
    confusion: Counter[tuple[str, str]] = Counter()
    for i, r in enumerate(reps):
        if r.kind == "embed":
            continue
        total += 1
        ln = to_statement.get(f"r{i}")
        got = ln.fidelity if ln else "unlinked"
        right += got == r.fidelity
        confusion[(r.fidelity, got)] += 1
    print(f"fidelity accuracy: {right / total:.3f} over {total} reprints")
    print(
        "  confusion (true -> found): "
        + ", ".join(f"{a}->{b}: {n}" for (a, b), n in sorted(confusion.items()) if a != b)
    )
    pure = sum(len({reps[by_id[q]].statement for q in st.quotes}) == 1 for st in prov.statements)
    together = sum(
        len({st_of[f"r{i}"] for i, r in enumerate(reps) if r.statement == s}) == 1 for s in range(n_statements)
    )
    print(f"statement purity: {pure / len(prov.statements):.3f}; statements kept whole: {together / n_statements:.3f}")


def statement_recall(reps: list[Reprint]) -> tuple[int, int]:
    """Of the pairs of quotations of one statement that ``compare`` links, how many blocking proposes:
    the all-pairs figure's reprint half, at sizes where trying all pairs is out of reach."""
    words = [Words.of(r.text) for r in reps]
    members: dict[int, list[int]] = {}
    for i, r in enumerate(reps):
        if r.kind != "indirect":
            members.setdefault(r.statement, []).append(i)
    linked = [
        (i, j)
        for group in members.values()
        for i, j in itertools.combinations(group, 2)
        if compare(words[i], words[j]) or compare(words[j], words[i])
    ]
    proposed = candidate_pairs(words)
    return sum(p in proposed for p in linked), len(linked)


def scale(sizes: list[int], seed: int) -> None:
    prev = None
    for n in sizes:
        _, reps = generate(max(1, n // 7), 6, seed)
        quotes = quotes_of(reps)[:n]
        t0 = time.perf_counter()
        prov = link_quotes(quotes, {})
        s = time.perf_counter() - t0
        ratio = f"  (x{s / prev[1]:.1f} for x{len(quotes) / prev[0]:.1f} quotes)" if prev else ""
        print(f"linking {len(quotes):>7,} quotes: {s:6.1f} s, {len(prov.statements):,} statements{ratio}")
        found, linked = statement_recall(reps[:n])
        print(f"  blocking recall within statements: {found / linked:.4f} ({found:,}/{linked:,}; not timed)")
        prev = (len(quotes), s)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--statements", type=int, default=300)
    ap.add_argument("--reprints", type=int, default=6)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--scale", default="10000,30000,100000", help="quote counts to time linking on ('' to skip)")
    args = ap.parse_args()
    quality(args.statements, args.reprints, args.seed)
    if args.scale:
        scale([int(x) for x in args.scale.split(",")], args.seed)


if __name__ == "__main__":
    main()
