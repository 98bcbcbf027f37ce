"""A seeded generator of large news corpora for the scale benchmark (``bench/bench_scale.py``).

    .venv/bin/python bench/corpus.py OUT --articles 10000 [--seed 7] [--truth truth.jsonl]

Writes OUT/NNNNNN_outlet.txt, one article a file, and OUT/manifest.json (file name ->
``outlet`` and ``date``), the sidecar quotetrace reads. The same arguments and the same
sentence source give the same bytes.

Articles are built from real sentences, not whole articles: PolNeAR train's texts
(``../shared/data/polnear/train/text`` beside the project, read at run time and never
copied into the repository), else the seed story. Narrative sentences fill the paragraphs:
those without quotation marks, speech verbs or first and second person (a word list: the
learned tagger still finds beliefs, plans and reports in about ten of them an article). A
pool of *statements* (a sentence said by a named speaker: PolNeAR's quotations first, then
its sentences with speech in them) is syndicated across outlets:

- the first article to carry a statement quotes it whole (``“…,” Name said.``, ``said in
  a statement``, ``wrote on X``, ``told AFP``);
- later articles reuse recent statements, the popular ones more (preferential attachment
  within a window of recent quotes, so a story spreads over a few days and fades), and
  reproduce them ``verbatim`` (a tenth in straight quotes), ``truncated`` (a run of four or
  more words, sometimes inside reported speech), ``variant`` (a British/American respelling,
  else one typo), ``altered`` (a word inserted, dropped or replaced) or ``paraphrase``
  (reported speech: ``Name said that …`` with pronouns and tenses shifted);
- a speaker is named in full at their first quote in an article, by surname afterwards.

Sizes follow news: article length is log-normal around 4.5 KB (median 3.8 KB, from 0.8 to
40 KB), so 100k articles make about 450 MB; quotes per article are Poisson with a mean of
four per 4.5 KB, and a tenth of articles quote nobody. Outlets and speakers are
Zipf-distributed; a quarter of articles carry a wire byline (``By AFP``), a third a
reporter's.

PolNeAR train holds about 13k narrative sentences and 7k statements, far fewer than 100k
articles use, and a sentence repeated verbatim in hundreds of articles would make a story of
its own. So each narrative sentence is used as written once, and *respun* on every later use:
70% of its content words (five letters or more, outside the 300 commonest) swapped for corpus
words of the same shape (capitalisation and last three letters), which keeps the sentence's
skeleton and its cue verbs. Statements past the pool's end are respun the same way.

``--truth FILE`` writes JSON Lines, one planted quote a line: article, start and end of the
quoted words in its text, statement, speaker, fidelity and kind (``direct``/``indirect``).
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import json
import math
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POLNEAR = ROOT.parent / "shared" / "data" / "polnear" / "train" / "text"
# Bumped whenever the output for a given seed changes, so cached corpora are rebuilt.
VERSION = 1

OUTLETS = (
    "Reuters", "The Guardian", "The Moscow Times", "Kyiv Post", "Yonhap", "The Independent", "Newsweek",
    "Al Jazeera", "The Washington Post", "Deutsche Welle", "France 24", "The Times of India", "ABC News",
    "The Irish Times", "CBC News", "The Straits Times", "Euronews", "The Korea Herald", "Politico",
    "Sky News", "The Hill", "NPR", "The Globe and Mail", "South China Morning Post", "The Japan Times",
    "Haaretz", "The Sydney Morning Herald", "Daily Mail", "USA Today", "The Telegraph", "Bloomberg",
    "Radio Free Europe", "The Local", "Hurriyet Daily News", "Balkan Insight", "Meduza",
)  # fmt: skip
AGENCIES = ("AFP", "Reuters", "Associated Press", "AP", "dpa", "Yonhap")
FIRST_MALE = (
    "James", "Oleksandr", "Dmitry", "Hyun-woo", "Ahmed", "Thomas", "Pierre", "Jan", "Marco", "Carlos",
    "Rafael", "Kenji", "David", "Michael", "Andrzej", "Lars", "Mehmet", "Viktor", "Paul", "Omar",
    "Sergei", "Daniel", "Roberto", "Nikolai", "Peter", "Hassan", "Yuri", "Mark", "Ivan", "Tomas",
)  # fmt: skip
FIRST_FEMALE = (
    "Anna", "Olena", "Maria", "Ji-yeon", "Fatima", "Sophie", "Claire", "Katarzyna", "Giulia", "Lucia",
    "Yuki", "Sarah", "Ingrid", "Elif", "Natalia", "Helen", "Amira", "Julia", "Emma", "Irina",
    "Leila", "Laura", "Svetlana", "Margaret", "Ursula", "Mette", "Kaja", "Annalena", "Yulia", "Rachel",
)  # fmt: skip
SURNAMES = (
    "Kovalenko", "Petrov", "Kim", "Park", "Lee", "Smith", "Dubois", "Novak", "Rossi", "Garcia", "Silva",
    "Tanaka", "Cohen", "Levy", "Kowalski", "Nielsen", "Yilmaz", "Orban", "Muller", "Haddad", "Ivanov",
    "Schmidt", "Bianchi", "Sokolov", "Brown", "Mansour", "Volkov", "Walker", "Horvat", "Svoboda",
    "Shevchenko", "Moreau", "Fischer", "Costa", "Sato", "Berg", "Lindqvist", "Kaya", "Demir", "Popescu",
    "Nowak", "Jensen", "Romano", "Lopez", "Martin", "Wagner", "Bondarenko", "Melnyk", "Choi", "Jung",
    "Fernandez", "Hughes", "Okafor", "Mensah", "Rahman", "Chaudhry", "Nakamura", "Watanabe", "Fontaine",
    "Castillo", "Andersson", "Korhonen", "Virtanen", "Papadopoulos", "Georgiou", "Kuznetsov", "Baker",
    "Ortiz", "Reyes", "Hoffmann", "Keller", "Varga", "Toth", "Marinov", "Dimitrov", "Kaminski", "Holm",
)  # fmt: skip
ROLES = (
    "the foreign minister", "the defence minister", "a government spokesperson", "the prime minister",
    "the president's chief of staff", "a senior military official", "the mayor", "the opposition leader",
    "a spokesperson for the ministry", "the head of the central bank", "the interior minister",
    "a senior diplomat", "the party's chairman", "the army's chief of staff", "a member of parliament",
    "the health minister", "the finance minister", "the ambassador", "a senior intelligence official",
    "the energy minister", "the economy minister", "the governor", "a police spokesperson",
)  # fmt: skip
CHANNELS = (
    "said in a statement", "wrote on X", "said in a televised address", "told reporters",
    "said on Telegram", "told a news conference", "said in an interview",
)  # fmt: skip
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
SPELLINGS = (
    ("organize", "organise"), ("recognize", "recognise"), ("criticize", "criticise"), ("realize", "realise"),
    ("apologize", "apologise"), ("emphasize", "emphasise"), ("authorize", "authorise"), ("mobilize", "mobilise"),
    ("stabilize", "stabilise"), ("prioritize", "prioritise"), ("analyze", "analyse"), ("defense", "defence"),
    ("offense", "offence"), ("license", "licence"), ("center", "centre"), ("theater", "theatre"),
    ("program", "programme"), ("labor", "labour"), ("honor", "honour"), ("color", "colour"),
    ("favor", "favour"), ("behavior", "behaviour"), ("neighbor", "neighbour"), ("rumor", "rumour"),
    ("harbor", "harbour"), ("traveled", "travelled"), ("canceled", "cancelled"), ("fulfill", "fulfil"),
    ("gray", "grey"), ("judgment", "judgement"), ("catalog", "catalogue"), ("aging", "ageing"),
)  # fmt: skip
# endings a spelling may carry: "organize" matches "organized", "organizers", never "Colorado" for "color"
SUFFIXES = ("", "s", "d", "ed", "es", "ing", "r", "rs", "al", "ly", "ful", "ment", "ments")
FILLERS = ("also", "really", "already", "clearly", "now", "still", "very", "simply", "certainly", "all")
REPLACEMENTS = ("many", "several", "certain", "major", "serious", "real", "new", "other")
PRONOUNS = {
    "i": "{he}", "we": "they", "our": "their", "ours": "theirs", "my": "{his}", "me": "{him}", "us": "them",
    "am": "was", "are": "were", "is": "was", "will": "would", "can": "could", "won't": "would not",
    "can't": "could not", "i'm": "{he} was", "we're": "they were", "we've": "they had", "i've": "{he} had",
    "have": "had", "has": "had", "do": "did", "don't": "didn't", "myself": "{him}self", "ourselves": "themselves",
}  # fmt: skip
PRONOUN_FORMS = {"he": {"he": "he", "his": "his", "him": "him"}, "she": {"he": "she", "his": "her", "him": "her"}}
REWORDINGS = ("said", "noted", "indeed", "matters", "things", "people", "country", "issue", "plan", "situation")
# speech in a narrative sentence would plant quotes the truth does not know of
SPEECH_RE = re.compile(
    r"[“”\"‘]|\b(?:said|says|say|told|tell|tells|according|asked|added|wrote|writes|stated|declared|announced|"
    r"claimed|argued|insisted|warned|explained|noted|quoted|tweeted|posted|spokes\w+)\b",
    re.IGNORECASE,
)
QUOTED_RE = re.compile(r"“([^“”]{20,400}?)[,.!?]?”")
SPLIT_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z“‘\"])")
# a full stop after these is not a sentence's end ("Mr. Rubio", "U.S. officials")
ABBREVIATION_RE = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|St|Sen|Gov|Rep|Gen|Lt|Col|Jr|Sr|Sgt|Capt|Prof|Rev|No|[A-Z])\.$")
# first and second person, questions: speech without its quotation marks, not narrative
PERSONAL_RE = re.compile(r"\b(?:I|I'm|I’m|me|my|we|we're|we’re|our|us|you|your)\b|\?", re.IGNORECASE)

# Calibration: PolNeAR train's articles average 6.5 KB, news sites 3-5 KB; a log-normal with
# sigma 0.55 and a 4.5 KB mean gives a 3.8 KB median and 6% of articles over 10 KB.
MEAN_BYTES = 4500
# the last paragraph overshoots the drawn length and curly marks take three bytes: draw this much
# shorter (measured: 10k articles of seed 7 average 4.5 KB)
FILL = 0.96
SIGMA = 0.55
QUOTES_PER_MEAN_ARTICLE = 4.0
NEW_STATEMENT = 0.45  # the share of quotes that are a statement's first appearance
WINDOW = 800  # reuse draws from the last WINDOW quotes: a story lives about two hundred articles
COMMON_WORDS = 300  # never respun: function words and the commonest verbs, cues among them
FIDELITY_WEIGHTS = {"verbatim": 38, "truncated": 20, "variant": 10, "altered": 10, "paraphrase": 22}


@dataclass(frozen=True)
class Speaker:
    name: str
    surname: str
    pronoun: str
    role: str


@dataclass(frozen=True)
class Statement:
    id: int
    speaker: int
    words: tuple[str, ...]


@dataclass
class Summary:
    articles: int = 0
    bytes: int = 0
    quotes: int = 0
    statements: int = 0
    speakers: int = 0
    by_fidelity: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass
class Pools:
    narrative: list[str]
    statements: list[tuple[str, ...]]
    lowercase: set[str]  # words seen in lower case inside a sentence
    common: frozenset[str]  # the most frequent words, never respun
    by_shape: dict[str, list[str]]


def read_pools(source: Path, rng: random.Random) -> Pools:
    """Narrative sentences (no speech in them) and statement sentences from ``source``'s .txt files."""
    files = sorted(source.glob("*.txt"))
    if not files:
        raise SystemExit(f"Error: no .txt files in {source}; pass --sentences DIR")
    narrative: set[str] = set()
    said: set[str] = set()
    other: set[str] = set()
    lowercase: set[str] = set()
    counts: Counter[str] = Counter()
    shapes: dict[str, set[str]] = {}
    for f in files:
        text = f.read_text(encoding="utf-8", errors="replace")
        for m in QUOTED_RE.finditer(text):
            q = " ".join(m.group(1).split())
            if 8 <= q.count(" ") + 1 <= 40 and q[0].isupper() and "“" not in q:
                said.add(q.rstrip(",;:") + ("" if q[-1] in ".!?" else "."))
        for para in text.split("\n"):
            for s in _sentences(para):
                n = s.count(" ") + 1
                if n < 6 or n > 60 or not s[0].isupper() or s[-1] not in ".!?":
                    continue
                words = s.split()
                for w in words[1:]:
                    if w.isalpha():
                        if w.islower():
                            lowercase.add(w)
                            counts[w] += 1
                        if len(w) >= 5 and w[1:].islower():
                            shapes.setdefault(_shape(w), set()).add(w)
                if SPEECH_RE.search(s) is None and PERSONAL_RE.search(s) is None:
                    narrative.add(s)
                elif 8 <= n <= 40:
                    other.add(s.replace("“", "").replace("”", "").replace('"', ""))
    # statements come from speech (quotations first) so no narrative sentence is also a statement
    statements = sorted(said)
    rng.shuffle(statements)
    rest = sorted(other - said)
    rng.shuffle(rest)
    pool = [tuple(s.split()) for s in statements + rest]
    narrative_list = sorted(narrative)
    rng.shuffle(narrative_list)
    common = frozenset(w for w, _ in counts.most_common(COMMON_WORDS))
    by_shape = {k: sorted(v - common) for k, v in shapes.items() if len(v - common) >= 8}
    return Pools(narrative_list, pool, lowercase, common, by_shape)


def _sentences(paragraph: str) -> list[str]:
    """The sentences of one paragraph, whitespace normalised, not split after abbreviations."""
    out: list[str] = []
    for piece in SPLIT_RE.split(paragraph.strip()):
        piece = " ".join(piece.split())
        if out and ABBREVIATION_RE.search(out[-1]):
            out[-1] += " " + piece
        elif piece:
            out.append(piece)
    return out


def _shape(word: str) -> str:
    """A word's class for respinning: capitalised or not, and its last three letters."""
    return ("C" if word[0].isupper() else "l") + word[-3:].lower()


def respin(words: Sequence[str], pools: Pools, rng: random.Random, share: float = 0.7) -> list[str]:
    """``words`` with ``share`` of their content words swapped for corpus words of the same shape.

    Function words and the commonest words (cue verbs among them) stay, so the sentence keeps
    its skeleton; the content words change, so two respins of one sentence share few word runs.
    """
    out = list(words)
    for k in range(1, len(out)):
        w = out[k]
        core = w.rstrip(".,;:!?")
        if len(core) < 5 or not core.isalpha() or core.lower() in pools.common or rng.random() >= share:
            continue
        options = pools.by_shape.get(_shape(core))
        if options:
            out[k] = rng.choice(options) + w[len(core) :]
    return out


def poisson(lam: float, rng: random.Random) -> int:
    """Knuth's method: fine for the small means used here."""
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


class Zipf:
    """Draws 0..n-1 with weight 1/(k+1)^s."""

    def __init__(self, n: int, s: float) -> None:
        total, self.cum = 0.0, []
        for k in range(n):
            total += 1.0 / (k + 1) ** s
            self.cum.append(total)

    def draw(self, rng: random.Random) -> int:
        return min(bisect.bisect_left(self.cum, rng.random() * self.cum[-1]), len(self.cum) - 1)


def respell(words: list[str], rng: random.Random) -> list[str]:
    """One British/American respelling, either way; else one typo in a long word."""
    for i, w in enumerate(words):
        low = w.lower()
        for a, b in SPELLINGS:
            for src, dst in ((a, b), (b, a)):
                if low.startswith(src):
                    rest = w[len(src) :]
                    if rest.rstrip(".,;:!?") in SUFFIXES:
                        head = dst[0].upper() + dst[1:] if w[0].isupper() else dst
                        return [*words[:i], head + rest, *words[i + 1 :]]
    long = [i for i, w in enumerate(words) if len(w) >= 6 and w.isalpha()]
    if not long:
        return alter(words, rng)
    i = rng.choice(long)
    w = words[i]
    k = rng.randrange(1, len(w) - 2)
    typo = rng.randrange(3)
    if typo == 0:
        w = w[:k] + w[k + 1] + w[k] + w[k + 2 :]  # two letters swapped
    elif typo == 1:
        w = w[:k] + w[k + 1 :]  # a letter dropped
    else:
        w = w[:k] + w[k] + w[k:]  # a letter doubled
    return [*words[:i], w, *words[i + 1 :]]


def alter(words: list[str], rng: random.Random) -> list[str]:
    i = rng.randint(1, max(1, len(words) - 2))
    op = rng.randrange(3)
    if op == 0:
        return [*words[:i], rng.choice(FILLERS), *words[i:]]
    if op == 1 and len(words) > 5:
        return [*words[:i], *words[i + 1 :]]
    return [*words[:i], rng.choice(REPLACEMENTS), *words[i + 1 :]]


def paraphrase(words: tuple[str, ...], speaker: Speaker, pools: Pools, rng: random.Random) -> str:
    """The statement as reported speech: pronouns and tenses shifted, a word or two reworded."""
    forms = PRONOUN_FORMS[speaker.pronoun]
    out = []
    for w in words:
        core = w.rstrip(".,;:!?")
        swap = PRONOUNS.get(core.lower().replace("’", "'"))
        out.append(swap.format(**forms) + w[len(core) :] if swap else w)
    content = [k for k, w in enumerate(out) if len(w) > 4 and w.isalpha() and w.islower()]
    for k in rng.sample(content, min(len(content), rng.randint(1, 2))):
        options = pools.by_shape.get(_shape(out[k]))
        out[k] = rng.choice(options) if options else rng.choice(REWORDINGS)
    if len(out) > 10 and rng.random() < 0.4:
        out = out[: rng.randint(len(out) * 2 // 3, len(out) - 1)]
    first = out[0]
    if first.rstrip(",").lower() in pools.lowercase or first.lower() in ("the", "a", "an", "it", "there", "they"):
        out[0] = first.lower()
    return " ".join(out).rstrip(".!?,;:")


def _cut(words: list[str], rng: random.Random) -> tuple[int, int] | None:
    """A run of at least four words inside one sentence of ``words``, shorter than that sentence."""
    sentences, begin = [], 0
    for k, w in enumerate(words):
        if w[-1] in ".!?" or k == len(words) - 1:
            if k + 1 - begin >= 7:
                sentences.append((begin, k + 1))
            begin = k + 1
    if not sentences:
        return None
    lo, hi = rng.choice(sentences)
    n = rng.randint(4, hi - lo - 2)
    start = rng.randint(lo, hi - n)
    return start, start + n


def _end_with_comma(text: str) -> str:
    """``“It is done,” she said``: a closing full stop becomes a comma; ? and ! stay."""
    if text.endswith("."):
        return text[:-1] + ","
    if text[-1] in "!?":
        return text
    return text.rstrip(",;:") + ","


class Writer:
    def __init__(self, pools: Pools, n_articles: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.pools = pools
        rng = self.rng
        n_speakers = max(30, n_articles // 20)
        names = [(f, s, "he") for f in FIRST_MALE for s in SURNAMES] + [
            (f, s, "she") for f in FIRST_FEMALE for s in SURNAMES
        ]
        rng.shuffle(names)
        while len(names) < n_speakers:  # more speakers than first x last names: add middle initials
            names += [(f"{f} {chr(65 + len(names) % 26)}.", s, p) for f, s, p in names[: n_speakers - len(names)]]
        self.speakers = [Speaker(f"{f} {s}", s, p, rng.choice(ROLES)) for f, s, p in names[:n_speakers]]
        self.speaker_zipf = Zipf(n_speakers, 0.9)
        self.outlet_zipf = Zipf(len(OUTLETS), 0.8)
        self.narrative_used = bytearray(len(pools.narrative))
        self.statements: list[Statement] = []
        self.uses: list[int] = []
        self.fidelities = list(FIDELITY_WEIGHTS)
        self.fid_cum = list(_cumulative(FIDELITY_WEIGHTS.values()))

    def new_statement(self) -> Statement:
        sid = len(self.statements)
        pool = self.pools.statements
        words = pool[sid] if sid < len(pool) else tuple(respin(pool[sid % len(pool)], self.pools, self.rng))
        st = Statement(sid, self.speaker_zipf.draw(self.rng), words)
        self.statements.append(st)
        return st

    def pick(self) -> tuple[Statement, bool]:
        rng = self.rng
        if not self.uses or rng.random() < NEW_STATEMENT:
            st = self.new_statement()
            fresh = True
        else:
            lo = max(0, len(self.uses) - WINDOW)
            st = self.statements[self.uses[rng.randrange(lo, len(self.uses))]]
            fresh = False
        self.uses.append(st.id)
        return st, fresh

    def narrative(self) -> str:
        """A narrative sentence: as written the first time, respun on every later use."""
        pool = self.pools.narrative
        k = self.rng.randrange(len(pool))
        if not self.narrative_used[k]:
            self.narrative_used[k] = 1
            return pool[k]
        return " ".join(respin(pool[k].split(), self.pools, self.rng))

    def quote(self, st: Statement, fresh: bool, named: set[int]) -> tuple[str, int, int, str, str]:
        """One sentence quoting ``st``: (sentence, start, end of the quoted words, fidelity, kind)."""
        rng = self.rng
        sp = self.speakers[st.speaker]
        first = st.speaker not in named
        named.add(st.speaker)
        who = sp.name if first else sp.surname
        fid = "verbatim" if fresh else self.fidelities[bisect.bisect_left(self.fid_cum, rng.random() * 100)]
        if fid == "paraphrase":
            clause = paraphrase(st.words, sp, self.pools, rng)
            lead = rng.choice((f"{who} said that ", f"{who} said ", f"{who} told reporters that "))
            if first and rng.random() < 0.3:
                lead = f"{who}, {sp.role}, said that "
            return f"{lead}{clause}.", len(lead), len(lead) + len(clause), fid, "indirect"
        words = list(st.words)
        partial = False
        span = _cut(words, rng) if fid == "truncated" else None
        if fid == "truncated" and span is None:
            fid = "verbatim"  # no sentence long enough to cut
        if span is not None:
            start, stop = span
            words = words[start:stop]
            words[-1] = words[-1].rstrip(".,;:!?")
            partial = start > 0 and rng.random() < 0.5
        elif fid == "variant":
            words = respell(words, rng)
        elif fid == "altered":
            words = alter(words, rng)
        text = " ".join(words)
        if fid == "truncated" and not partial:
            text = text[0].upper() + text[1:] + "."
        if partial:  # a cut inside reported speech: the speaker said the war would "..."
            lead = f"{who} said that " if rng.random() < 0.5 else f"According to {who}, it was "
            return f"{lead}“{text}.”", len(lead) + 1, len(lead) + 1 + len(text), fid, "direct"
        open_, close = ("“", "”") if rng.random() < 0.9 else ('"', '"')
        form = rng.random()
        if fresh and form < 0.5:
            channel = rng.choice((*CHANNELS, "told AFP", "told Reuters"))
            body = _end_with_comma(text)
            out = f"{open_}{body}{close} {who} {channel}."
            return out, 1, 1 + len(text.rstrip(".")), fid, "direct"
        if form < 0.6:
            lead = f"{who} said: {open_}"
            return f"{lead}{text}{close}", len(lead), len(lead) + len(text.rstrip(".")), fid, "direct"
        body = _end_with_comma(text)
        if first and rng.random() < 0.3:
            tail = f" said {who}, {sp.role}."
        else:
            tail = f" said {who}." if rng.random() < 0.2 else f" {who} said."
        return f"{open_}{body}{close}{tail}", 1, 1 + len(text.rstrip(".")), fid, "direct"

    def article(self, index: int, n_articles: int) -> tuple[str, str, dict[str, str], list[dict[str, object]]]:
        """(file name, text, manifest entry, planted quotes)."""
        rng = self.rng
        day = dt.date(2025, 1, 1) + dt.timedelta(days=index * 365 // max(1, n_articles))
        outlet = OUTLETS[self.outlet_zipf.draw(rng)]
        mu = math.log(MEAN_BYTES) - SIGMA * SIGMA / 2
        target = min(40_000, max(800, int(FILL * rng.lognormvariate(mu, SIGMA))))
        lam = QUOTES_PER_MEAN_ARTICLE / 0.9 * target / (FILL * MEAN_BYTES)  # a tenth quote nobody
        n_quotes = 0 if rng.random() < 0.1 else poisson(lam, rng)
        named: set[int] = set()
        quotes = [(self.quote(st, fresh, named), st) for st, fresh in (self.pick() for _ in range(n_quotes))]
        head: list[str] = []
        title = self.narrative().rstrip(".!?").split()
        head.append(" ".join(title[: rng.randint(6, 12)]).rstrip(",;:"))
        byline = rng.random()
        if byline < 0.25:
            head.append(f"By {rng.choice(AGENCIES)}")
        elif byline < 0.6:
            sp = self.speakers[rng.randrange(len(self.speakers))]
            head.append(f"By {sp.name.split()[0]} {SURNAMES[rng.randrange(len(SURNAMES))]}")
        if rng.random() < 0.5:
            head.append(f"{MONTHS[day.month - 1]} {day.day}, {day.year}")
        size = sum(len(h) + 2 for h in head) + sum(len(q[0][0]) + 2 for q in quotes)
        paras: list[str] = []
        while size < target or not paras:
            para = " ".join(self.narrative() for _ in range(rng.choice((1, 2, 2, 3))))
            paras.append(para)
            size += len(para) + 2
        # quotes go after the lead paragraph, at random places, in the order they were drawn
        slots = sorted(rng.randint(1, len(paras)) for _ in quotes)
        body: list[tuple[str, tuple[tuple[str, int, int, str, str], Statement] | None]] = [(p, None) for p in paras]
        for shift, (slot, q) in enumerate(zip(slots, quotes, strict=True)):
            body.insert(slot + shift, (q[0][0], q))
        parts = [*head]
        offset = sum(len(h) + 2 for h in head)
        planted: list[dict[str, object]] = []
        name = f"{index:06d}_{_slug(outlet)}.txt"
        for para, planted_quote in body:
            if planted_quote is not None:
                (_, start, end, fid, kind), st = planted_quote
                planted.append(
                    {
                        "article": name,
                        "start": offset + start,
                        "end": offset + end,
                        "statement": st.id,
                        "speaker": self.speakers[st.speaker].name,
                        "fidelity": fid,
                        "kind": kind,
                    }
                )
            parts.append(para)
            offset += len(para) + 2
        return name, "\n\n".join(parts) + "\n", {"outlet": outlet, "date": day.isoformat()}, planted


def _cumulative(weights: Iterable[float]) -> list[float]:
    """Cumulative weights scaled to 0-100, for drawing with ``bisect``."""
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return [x * 100 / total for x in out]


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def generate(
    out: Path,
    articles: int,
    seed: int = 7,
    *,
    sentences: Path = POLNEAR,
    truth: Path | None = None,
    progress: bool = False,
) -> Summary:
    """Write ``articles`` articles and their manifest.json to ``out`` (created; must be empty)."""
    t0 = time.perf_counter()
    if out.exists() and any(out.iterdir()):
        raise SystemExit(f"Error: {out} is not empty; give a new folder")
    out.mkdir(parents=True, exist_ok=True)
    if not sentences.is_dir():
        sentences = ROOT / "seeds"
        print(f"PolNeAR not found; building from the seed story's sentences in {sentences}", file=sys.stderr)
    pools = read_pools(sentences, random.Random(seed))
    writer = Writer(pools, articles, seed)
    summary = Summary(articles=articles, speakers=len(writer.speakers))
    manifest: dict[str, dict[str, str]] = {}
    truth_file = truth.open("w", encoding="utf-8") if truth else None
    try:
        for i in range(articles):
            name, text, meta, planted = writer.article(i, articles)
            data = text.encode("utf-8")
            (out / name).write_bytes(data)
            manifest[name] = meta
            summary.bytes += len(data)
            summary.quotes += len(planted)
            for p in planted:
                fid = str(p["fidelity"])
                summary.by_fidelity[fid] = summary.by_fidelity.get(fid, 0) + 1
                if truth_file:
                    truth_file.write(json.dumps(p, ensure_ascii=False) + "\n")
            if progress and (i + 1) % 10_000 == 0:
                print(f"  {i + 1:,} articles, {summary.bytes / 1e6:.0f} MB", file=sys.stderr)
    finally:
        if truth_file:
            truth_file.close()
    (out / "manifest.json").write_text(json.dumps(manifest, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    summary.statements = len(writer.statements)
    summary.seconds = time.perf_counter() - t0
    return summary


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path, help="folder to create (must be new or empty)")
    ap.add_argument("--articles", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--sentences", type=Path, default=POLNEAR, help="folder of .txt articles to take sentences from")
    ap.add_argument("--truth", type=Path, help="also write the planted quotes here (JSON Lines; not inside OUT)")
    args = ap.parse_args()
    if args.articles < 1:
        ap.error(f"--articles must be at least 1, got {args.articles}")
    if args.truth and args.out.resolve() in args.truth.resolve().parents:
        ap.error("--truth must be outside OUT: quotetrace would read it as articles")
    s = generate(args.out, args.articles, args.seed, sentences=args.sentences, truth=args.truth, progress=True)
    fids = ", ".join(f"{k} {v:,}" for k, v in sorted(s.by_fidelity.items()))
    print(
        f"{s.articles:,} articles, {s.bytes / 1e6:.1f} MB ({s.bytes / s.articles / 1e3:.2f} KB each), "
        f"{s.quotes:,} planted quotes ({fids}) of {s.statements:,} statements by {s.speakers:,} speakers, "
        f"in {s.seconds:.1f} s -> {args.out}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
