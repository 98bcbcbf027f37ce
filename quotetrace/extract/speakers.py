"""Speakers: the words that name who speaks, and which entity they refer to.

Two jobs. ``subject_before``/``subject_after``/``clause_subject`` find the noun phrase
that a reporting cue attributes speech to, by shallow rules over tokens (no tagger:
extraction must stay fast). ``SpeakerResolver`` then maps every mention in one
article to one entity (titles, surnames, spelling variants, descriptions such as
"the Ukrainian leader", acronyms introduced in parentheses, pronouns), and
``merge_speakers`` joins the entities of all articles into corpus-wide speakers.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process

from quotetrace.extract.cues import ALL_CUE_VERBS as CUE_VERBS
from quotetrace.extract.cues import PRONOUNS, is_news_org
from quotetrace.extract.segment import Token
from quotetrace.model import Span, Speaker, SpeakerKind

AUX = frozenset(
    """has have had is was were are be been being would will could can may might shall should must did does do
    also further then later reportedly purportedly allegedly publicly repeatedly previously once again already
    still just now earlier recently subsequently initially first finally not never n’t n't privately separately
    flatly openly quickly simply don’t don't doesn’t doesn't didn’t didn't won’t won't wouldn’t wouldn't can’t can't
    couldn’t couldn't isn’t isn't wasn’t wasn't aren’t aren't weren’t weren't hasn’t hasn't haven’t haven't hadn’t
    hadn't""".split()
)
_BOUNDARY = frozenset(
    """that because while when after before as if though although whereas since so but or where wherein whereby
    which who whom whose until unless""".split()
)
_PARTY_TAG = re.compile(r"\s*\((?:[DRI]|Dem|Rep|Ind)\s*[-–,]\s*[A-Z][\w. ]{0,12}\)")
_RELATIVE = frozenset("that which who whom whose".split())
_LEADING = frozenset(
    """meanwhile however but and also still now then so yet instead earlier later separately moreover furthermore
    additionally indeed meantime wherein where which who whom while when thus hence nonetheless nevertheless
    overall""".split()
)


def _is_adjunct(part: str) -> bool:
    """A comma-separated part of a subject that modifies it rather than names it: an adverb, a
    prepositional or infinitive phrase, a participle ("funded by", "speaking on"), "like ..."."""
    words = part.split()
    first, low = words[0], words[0].lower()
    if low in _LEADING or low in _PREPOSITIONS or low in _ADJUNCT_OPENERS:
        return True
    if not low.endswith(("ing", "ed")) or low == "red":
        return False
    # "Facing mounting criticism": capitalised at a sentence's start, but not a name ("Manning")
    return first[:1].islower() or (len(words) >= 3 and words[1][:1].islower())


_ADJUNCT_OPENERS = frozenset("to like albeit long once even across".split())


_PREPOSITIONS = frozenset(
    "over in on at during after before since with for from by under within throughout despite amid amidst following"
    " last this early late".split()
)
_TIME = frozenset(
    """monday tuesday wednesday thursday friday saturday sunday january february march april may june july august
    september october november december jan feb mar apr jun jul aug sep sept oct nov dec weekend morning afternoon
    evening night week month year today yesterday tonight day days weeks months years time past recent""".split()
)
_DETERMINERS = frozenset(
    "the a an his her their its our this that these those one two three four five six seven eight nine ten some many"
    " several each both every all any no another other most few more less fewer half nearly almost about roughly only"
    " just".split()
)
TITLES = frozenset(
    """president prime minister mr mr. mrs mrs. ms ms. dr dr. sen sen. senator rep rep. representative gov gov.
    governor secretary general gen gen. spokeswoman spokesman spokesperson chancellor king queen pope leader chairman
    chairwoman chair chief director ambassador foreign defense defence deputy vice former state supreme commander
    lt lt. col col. sgt sgt. capt capt. adm adm. maj maj. judge justice mayor attorney candidate nominee
    president-elect vice-president presumptive republican democratic democrat independent minority majority whip
    speaker house senate lawmaker official analyst adviser advisor counsel premier sir lady lord dame prince princess
    first ex""".split()
)
PERSON_HEADS = (
    "leader",
    "president",
    "premier",
    "minister",
    "chancellor",
    "official",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "senator",
    "lawmaker",
    "governor",
    "mayor",
    "secretary",
    "ambassador",
    "commander",
    "general",
    "chief",
    "head",
    "candidate",
    "nominee",
    "businessman",
    "mogul",
    "billionaire",
    "congressman",
    "congresswoman",
)
ORG_HEADS = (
    "agency",
    "service",
    "ministry",
    "department",
    "office",
    "government",
    "company",
    "campaign",
    "committee",
    "army",
    "military",
    "forces",
    "intelligence",
    "kremlin",
    "pentagon",
    "administration",
    "party",
    "council",
    "commission",
    "court",
    "police",
    "group",
    "organization",
    "organisation",
    "union",
    "bureau",
    "network",
)
_ORG_WORDS = re.compile(
    r"\b(?:Service|Agency|Ministry|Department|Office|Forces|Force|Army|Navy|Kremlin|Pentagon|Party|Committee|"
    r"Council|Commission|Court|Police|Government|Administration|Bureau|Institute|University|Foundation|Association|"
    r"Union|Group|Inc|Corp|Company|News|Times|Post|Journal|Network|Center|Centre|Campaign|Parliament|Congress|"
    r"Senate|House|Assembly|Command|Guard|Intelligence|Organization|Organisation|Agency|Staff|Headquarters)\b"
)
_NATIONALITY = re.compile(r"^(?:[A-Z][a-z]+(?:an|ian|ese|ish|ic|i)|American|British|French|Dutch|Swiss|Greek|Thai)$")
_ACRONYM = re.compile(r"^[A-Z][A-Z0-9&.]{1,7}$")


# ---------------------------------------------------------------- finding the mention


def _is_adverb(t: Token) -> bool:
    # "has since said", "has long argued": adverbs between an auxiliary and its verb
    return (
        t.lower in AUX
        or t.lower in ("since", "long", "ever")
        or (t.lower.endswith("ly") and not t.is_cap and len(t.text) > 4)
    )


def subject_before(toks: Sequence[Token], lo: int, cue: int) -> tuple[int, int] | None:
    """Token range ``[i, j]`` of the subject that precedes the cue at ``toks[cue]``, or None.

    ``lo`` is the first token of the sentence (or clause) the subject may start at.
    """
    i = cue - 1
    while i >= lo and _is_adverb(toks[i]):
        i -= 1
    if i - 2 >= lo and toks[i].lower in _TIME and toks[i - 1].lower in ("on", "last", "this", "late", "early"):
        i -= 2  # "Gov. Mike Pence on Thursday blamed": the time is no part of the subject
    if i < lo:
        return None
    if toks[i].text == ",":  # "X, a lawmaker on the committee, said" / "the agency, the NIS, said"
        return _appositive_subject(toks, lo, i)
    if toks[i].lower in PRONOUNS or toks[i].lower in ("who", "which"):
        return (i, i)
    if toks[i].lower == "there":
        return None
    end = i
    if toks[i].text == ")":  # "Dick Durbin (D-Ill.) said", "Service (NIS) told"
        k = i
        while k > lo and toks[k].text != "(":
            k -= 1
        if k <= lo:
            return None
        i = k - 1
    if not toks[i].is_word:
        return None
    j = i
    while j - 1 >= lo:
        t = toks[j - 1]
        if not t.is_word and t.text not in "’'.&-":
            break
        if t.lower in _BOUNDARY or t.lower in CUE_VERBS:
            break
        if t.lower == "and" and not (toks[j].is_cap or toks[j].lower == "the"):
            break
        j -= 1
    stripped = _strip_leading(toks, j, i)
    if stripped is None:
        return None
    j = stripped
    listed = _coordinated_list(toks, lo, j)
    if listed is not None:
        j = listed
    if toks[j].lower in _SUBJECT_PRONOUNS and j < i:
        return None  # "she issued a statement calling on": a clause, not a subject
    if i - j + 1 > 12:  # a long clause, not a subject: keep the noun phrase next to the verb
        j = _trailing_np(toks, j, i)
    if not _looks_like_np(toks, j, i):
        return None
    return (j, end)


def _appositive_subject(toks: Sequence[Token], lo: int, comma: int) -> tuple[int, int] | None:
    """``Michael Demastus, pastor of the church, said`` / ``the agency, the NIS, said``: the subject
    runs from the leftmost noun phrase of the comma-separated chunks to the last comma."""
    chunks: list[tuple[int, int]] = []  # (first, last) token of each chunk, right to left
    end = comma - 1
    k = end
    while k >= lo and len(chunks) < 6:
        # a relative clause belongs to its chunk ("a union that has broken away", "who was among those polled")
        while (
            k >= lo
            and toks[k].text != ","
            and (toks[k].lower not in _BOUNDARY or toks[k].lower in _RELATIVE)
            and toks[k].lower not in CUE_VERBS
        ):
            k -= 1
        while k - 1 >= lo and toks[k].lower in CUE_VERBS and toks[k - 1].lower in _RELATIVE:
            # "Barkley, who said he typically votes democratic, said": the relative clause is one chunk
            k -= 2
            while k >= lo and toks[k].text != "," and toks[k].lower not in CUE_VERBS:
                k -= 1
        if k - 1 >= lo and toks[k].lower.endswith("ing") and toks[k].lower in CUE_VERBS and toks[k - 1].text == ",":
            k -= 1  # ", noting the size of his following,": a participle's phrase is one chunk
        chunks.append((k + 1, end))
        if k < lo or toks[k].text != ",":
            break
        end = k - 1
        k = end
    best: tuple[int, int] | None = None
    stop = comma - 1
    for n, (first, last) in enumerate(chunks):
        if first > last:
            break
        if toks[first].lower in _PREPOSITIONS or (toks[first].lower.endswith("ing") and not toks[first].is_cap):
            # an adjunct between the subject and its cue: "Vance, on Fox News Sunday, said",
            # "Durbin, noting the size of Sanders's following, said"
            if best is None:
                stop = first - 2
            continue
        if first == last and toks[first].text.isdigit():
            continue  # an age: "Harry Bond, 30, said"
        if toks[first].is_cap and n + 1 < len(chunks) and _ends_in_place(toks, *chunks[n + 1]) and last - first < 4:
            continue  # the rest of a place: "of Raleigh, N.C.", "a representative in Allentown, Pa."
        j = _strip_leading(toks, first, last)
        if j is None or not _looks_like_np(toks, j, last) or toks[j].lower in ("who", "which", "whose"):
            continue
        if last - j > 12:
            break
        best = (j, stop)
        # a name ("Tina Tchen"), not a capitalised description ("Mrs. Obama's chief of staff")
        if (toks[j].is_cap and toks[last].is_cap) or toks[j].lower in PRONOUNS:
            # a name or a pronoun: the appositives after it describe it, and so does a role before
            # it ("Her campaign manager, Robby Mook, said")
            if toks[j].is_cap and n + 1 < len(chunks) and _is_role(toks, *chunks[n + 1]):
                best = (chunks[n + 1][0], stop)
            break
    return best


def _ends_in_place(toks: Sequence[Token], first: int, last: int) -> bool:
    """``of Raleigh`` / ``a representative in Allentown``: a chunk ending in "in/of/from" and a name."""
    k = last
    while k > first and toks[k].is_cap:
        k -= 1
    return k < last and toks[k].lower in ("of", "from", "in")


def _is_role(toks: Sequence[Token], first: int, last: int) -> bool:
    """``Her campaign manager`` / ``Dow's chief executive``: a short noun phrase headed by a role."""
    if first > last or last - first > 7 or toks[first].lower in _PREPOSITIONS:
        return False
    head = toks[last].lower
    return (head in _ROLE_WORDS or head.rstrip("s") in _HEAD_SET) and not any(
        t.lower in AUX for t in toks[first : last + 1]
    )


def _coordinated_list(toks: Sequence[Token], lo: int, j: int) -> int | None:
    """Extend ``A and B`` back over ``X, `` items: "Ukraine, South Korea and the US"."""
    if not any(toks[x].lower == "and" for x in range(j, min(j + 8, len(toks)))):
        return None
    k = j
    while k - 2 >= lo and toks[k - 1].text == "," and toks[k - 2].is_cap and toks[k - 2].is_word:
        m = k - 2
        while m - 1 >= lo and toks[m - 1].is_cap and toks[m - 1].is_word:
            m -= 1
        k = m
    return k if k != j else None


def _strip_leading(toks: Sequence[Token], j: int, i: int) -> int | None:
    while j <= i and (toks[j].lower in _LEADING or not toks[j].is_word):
        j += 1
    if j < i and toks[j].lower in _PREPOSITIONS:
        # "Over the weekend Zelensky announced": drop the adverbial phrase
        k = j + 1
        while k <= i and (toks[k].lower in _TIME or toks[k].text.isdigit() or not toks[k].is_cap):
            k += 1
        if k <= i:
            j = k
    return j if j <= i else None


def _trailing_np(toks: Sequence[Token], j: int, i: int) -> int:
    k = i
    while k - 1 >= j and (toks[k - 1].is_cap or toks[k - 1].lower in ("of", "the", "’s", "'s", "-")) and k > i - 8:
        k -= 1
    return k


def _looks_like_np(toks: Sequence[Token], j: int, i: int) -> bool:
    words = [t for t in toks[j : i + 1] if t.is_word]
    if not words:
        return False
    if any(t.lower in AUX and t.lower not in ("first", "former") for t in words[1:]):
        return False
    first = words[0]
    return (
        first.is_cap
        or first.lower in _DETERMINERS
        or first.lower in PRONOUNS
        or first.text[0].isdigit()
        or (len(words) <= 3 and words[-1].lower.rstrip("s") in _HEAD_SET)
        # a part of a group: "three-quarters of the voters", "most of the delegates"
        or (len(words) <= 5 and words[-1].lower.rstrip("s") in _HEAD_SET and any(w.lower == "of" for w in words))
        # a lower-case title before a name: "former presidential candidate Herman Cain", "co-host Mika Brzezinski"
        or (len(words) <= 6 and words[-1].is_cap and (len(words) == 2 or words[-2].is_cap))
        or (first.lower in _NAME_PARTICLES and len(words) > 1 and words[1].is_cap)  # "de Blasio"
    )


_SUBJECT_PRONOUNS = frozenset(("he", "she", "they", "it", "we", "i", "you"))
_HEAD_SET = frozenset(h.rstrip("s") for h in (*PERSON_HEADS, *ORG_HEADS)) | {
    "lawmaker",
    "official",
    "analyst",
    "expert",
    # people polled and quoted in numbers: "three-quarters of the voters said"
    "voter",
    "resident",
    "respondent",
    "supporter",
    "critic",
    "economist",
    "delegate",
    "protester",
    "activist",
    "people",
}


def subject_after(toks: Sequence[Token], cue: int, hi: int) -> tuple[int, int] | None:
    """The subject of an inverted cue: ``..., said Zelensky.`` / ``said the Ukrainian leader``."""
    k = cue + 1
    if k >= hi:
        return None
    first = toks[k]
    if first.lower in _TIME or first.lower in ("that", "this", "it", "there"):
        return None
    if not (first.is_cap or first.lower in _DETERMINERS or first.lower in PRONOUNS):
        # "said former Vermont governor Howard Dean", "said conservative activist Bob Klaus"
        ahead = toks[k : min(hi, k + 5)]
        if not any(t.is_cap for t in ahead if t.is_word) or any(
            not t.is_word and t.text not in "’'-." for t in ahead[:2]
        ):
            return None
    m = k
    while m + 1 < hi and m - k < 9:
        t = toks[m + 1]
        if not t.is_word and t.text not in "’'.&-()":
            break
        if t.lower in ("on", "in", "at", "during", "who", "which", "after", "before", "to", "as", "when", "while"):
            break
        if t.lower in CUE_VERBS or (t.lower in _TIME and t.is_cap) or t.lower in AUX:
            break
        m += 1
    while m > k and not toks[m].is_word:
        m -= 1
    return (k, m)


def clause_subject(toks: Sequence[Token], lo: int, hi: int) -> tuple[int, int] | None:
    """The noun phrase a sentence opens with: the subject of a participle (``..., saying``)."""
    caps = lo
    while caps < hi and toks[caps].text.isupper() and len(toks[caps].text) > 1:
        caps += 1
    if caps > lo and caps < hi and toks[caps].text == ",":
        # a dateline: "WASHINGTON, Dec. 8 (UPI) — In response to ..., Clinton's aide rallied supporters"
        dash = next((k for k in range(lo, min(hi - 1, lo + 15)) if toks[k].text in ("—", "–", "-")), None)
        if dash is not None:
            lo = dash + 1
    if lo < hi and (toks[lo].lower in _PREPOSITIONS or toks[lo].lower in _BOUNDARY):
        # "In an interview with the Journal, Trump ...", "As if addressing him directly, the board ..."
        # the opening adjunct runs to the comma before a name, a pronoun or a determiner
        comma = next(
            (
                k
                for k in range(lo, min(hi - 1, lo + 25))
                if toks[k].text == ","
                and (toks[k + 1].is_cap or toks[k + 1].lower in PRONOUNS or toks[k + 1].lower in _DETERMINERS)
            ),
            None,
        )
        if comma is not None:
            lo = comma + 1
    j = _strip_leading(toks, lo, hi - 1)
    if j is None:
        return None
    if toks[j].lower in PRONOUNS:
        return (j, j)
    k = j
    while k + 1 < hi and k - j < 8:
        t = toks[k + 1]
        if t.text == "." and (toks[k].lower in TITLES or len(toks[k].text) == 1):
            k += 1  # "Gov. Mike Pence", "Richard J. Durbin": an abbreviation's full stop
            continue
        if t.lower in ("on", "last", "this") and k + 2 < hi and toks[k + 2].lower in _TIME:
            break  # "Gov. Mike Pence on Thursday blamed ..."
        if not t.is_word and t.text not in "’'-":
            break
        if t.lower in AUX or t.lower in CUE_VERBS or (t.lower.endswith("ed") and not t.is_cap) or t.lower in _BOUNDARY:
            break
        k += 1
    if not _looks_like_np(toks, j, k):
        return None
    # "Peter Orszag, Obama’s former budget director, writing ...": the appositive belongs to the mention
    if toks[j].is_cap and k + 2 < hi and toks[k + 1].text == ",":
        m = k + 2
        while m < hi and m - k < 14 and toks[m].text != ",":
            if toks[m].lower in AUX or toks[m].lower in CUE_VERBS:
                break
            m += 1
        if m < hi and toks[m].text == "," and m > k + 2:
            return (j, m - 1)
    return (j, k)


# ---------------------------------------------------------------- who the mention is


@dataclass
class _Entity:
    name: str
    kind: SpeakerKind
    aliases: list[str] = field(default_factory=list)
    descriptors: set[str] = field(default_factory=set)
    acronym: str | None = None
    handle: str | None = None
    proper: bool = True


_WORD = re.compile(r"\w+(?:[’'\-]\w+)*")
_PAREN_ACRONYM = re.compile(r"\(([A-Z][A-Z0-9&.]{1,7})\)")


def _words(s: str) -> list[str]:
    return _WORD.findall(s)


def _is_list(mention: str) -> bool:
    """``Ukraine, South Korea and the US``: names joined by commas and "and", not a name with appositives."""
    return " and " in mention and all(
        w[:1].isupper() or w in ("and", "the", "of") for w in mention.replace(",", " ").split()
    )


def _strip_possessive(w: str) -> str:
    for suffix in ("’s", "'s", "’", "'"):
        if w.endswith(suffix):
            return w[: -len(suffix)]
    return w


class _Recency:
    """Entities in the order of their last mention, each once: a scan costs the number of
    entities, not of mentions (a 5 MB paragraph mentions the same few people thousands of times)."""

    def __init__(self) -> None:
        self._order: dict[int, _Entity] = {}

    def add(self, e: _Entity) -> None:
        self._order.pop(id(e), None)
        self._order[id(e)] = e

    def latest_first(self) -> Iterator[_Entity]:
        return reversed(self._order.values())


class SpeakerResolver:
    """Resolves the speaker mentions of one article, in reading order, to entities."""

    def __init__(self) -> None:
        self.entities: list[_Entity] = []
        self._recent = _Recency()  # speakers, by when they last spoke
        self._mentioned = _Recency()  # every resolved mention, by when it was last mentioned
        self.renamed: dict[str, str] = {}  # names handed out earlier that a fuller name replaced
        self._names_seen: dict[str, _Entity | None] = {}  # mention_names cache: a run resolves once
        self._by_core: dict[tuple[str, str, str | None], _Entity] = {}
        # named entities by what ``_match_proper`` compares (name, acronym, initials), as positions in
        # ``entities``: a new name is checked against the few that may match, not against all of them
        self._keys: dict[str, list[int]] = defaultdict(list)
        self._surnames: dict[str, tuple[list[int], list[str]]] = {}  # by initial: positions and surnames
        self._position: dict[int, int] = {}
        self._grow = True

    def resolve(self, mention: str, *, is_speaker: bool = True, grow: bool = True) -> str | None:
        """The article-level name of the entity ``mention`` refers to (None for an unknown pronoun).

        ``grow=False`` never lets the mention rename a known entity: for mentions that
        are only guesses (the learned tagger's), a headline must not become a name.
        """
        self._grow = grow
        try:
            ent = self._resolve(mention.strip())
        finally:
            self._grow = True
        if ent is None:
            return None
        if mention.strip() not in ent.aliases:
            ent.aliases.append(mention.strip())
        self._mentioned.add(ent)
        if is_speaker:
            self._recent.add(ent)
        return ent.name

    def add_known(self, name: str, *, aliases: Iterable[str] = (), handle: str | None = None) -> str:
        """Register a speaker named outside running text (an embedded post's author line)."""
        ent = self._resolve(name)
        assert ent is not None
        for a in aliases:
            if a not in ent.aliases:
                ent.aliases.append(a)
        ent.handle = ent.handle or handle
        self._recent.add(ent)
        return ent.name

    def mention_names(self, text: str) -> None:
        """Note the full names of people in a sentence, so a later "the Ukrainian leader" can find them."""
        for m in _PROPER_RUN.finditer(text):
            run = m.group()
            if run in self._names_seen:
                ent = self._names_seen[run]
            else:
                ent = None
                if not _ORG_WORDS.search(run):
                    core, _ = _core_name(_words(run))
                    if len(core.split()) >= 2:
                        ent = self._resolve(run)
                self._names_seen[run] = ent
            if ent is not None:
                self._mentioned.add(ent)

    def final_name(self, name: str) -> str:
        """The name an entity ended up with (names grow as fuller mentions appear)."""
        seen = set()
        while name in self.renamed and name not in seen:
            seen.add(name)
            name = self.renamed[name]
        return name

    def speakers(self) -> list[Speaker]:
        return [
            Speaker(
                e.name,
                tuple(dict.fromkeys(a for a in (*e.aliases, e.acronym or "") if a and a != e.name)),
                e.kind,
                e.handle,
            )
            for e in self.entities
        ]

    # -- internals

    def _resolve(self, mention: str) -> _Entity | None:
        if ", " in mention and not _is_list(mention):
            # "South Korea’s spy agency, the National Intelligence Service": the name part decides
            parts = [p for p in mention.split(", ") if p.strip()]
            named = [p for p in parts if _core_name(_words(p))[0]]
            if named:
                ent = self._resolve(named[0])
                if ent is not None:
                    for p in parts:
                        ent.descriptors |= {w.lower() for w in _words(p)} - _DETERMINERS
                return ent
            # "One Club for Growth ad, which is currently airing": a relative clause names no one, and
            # neither does an adjunct around the head ("The Future45 group, funded by major GOP donors";
            # "Across the Atlantic, international climate negotiators"): the head is the first part left
            plain = [p for p in parts if p.split()[0].lower() not in _RELATIVE]
            heads = [p for p in plain if not _is_adjunct(p)]
            mention = heads[0] if heads else plain[-1] if plain else parts[-1] if parts else mention
        low = mention.lower()
        if ", " in mention and " and " in mention:  # "Ukraine, South Korea and the US": a group as named
            for e in self.entities:
                if e.name == mention:
                    return e
            return self._new(mention, "group", set(), proper=False)
        if low in PRONOUNS:
            return self._pronoun(PRONOUNS[low])
        if low in _RELATIVE:
            return None  # "who" with no antecedent found: someone, but no one to name
        ws = _words(mention)
        if not ws:
            return None
        if len(ws) == 1 and _ACRONYM.match(ws[0]):
            for e in self.entities:
                if e.acronym == ws[0] or e.name == ws[0] or (e.kind == "organization" and _initials(e.name) == ws[0]):
                    e.acronym = e.acronym or ws[0]
                    self._register(e)
                    return e
            return self._new(ws[0], "organization", set(), acronym=ws[0])
        acronym = None
        party = _PARTY_TAG.search(mention)  # "Sen. Richard J. Durbin (D-Ill.)": the party and state are no name
        if party:
            mention = (mention[: party.start()] + mention[party.end() :]).strip()
            ws = _words(mention)
        paren = _PAREN_ACRONYM.search(mention)
        if paren:
            acronym = paren.group(1)
            mention = (mention[: paren.start()] + mention[paren.end() :]).strip()
            ws = _words(mention)
        core, descriptors = _core_name(ws)
        if core:
            kind: SpeakerKind = "organization" if (_ORG_WORDS.search(core) or is_news_org(core)) else "person"
            if kind == "person" and len(core.split()) == 1 and descriptors & {"the"}:
                kind = "organization"  # "the Kremlin"
            return self._proper(core, kind, descriptors, acronym)
        return self._description(ws)

    def _pronoun(self, kind: str) -> _Entity | None:
        want: tuple[SpeakerKind, ...] = (
            ("person",)
            if kind == "person"
            else (("organization",) if kind == "organization" else ("organization", "group", "person"))
        )
        for pool in (self._recent, self._mentioned):
            for e in pool.latest_first():
                if e.kind in want:
                    return e
        return None

    def _proper(self, core: str, kind: SpeakerKind, descriptors: set[str], acronym: str | None) -> _Entity:
        known = self._by_core.get((core, kind, acronym))
        if known is not None:  # the same name again: no scan
            known.descriptors |= descriptors
            return known
        e = self._match_proper(core, kind, acronym)
        if e is None:
            e = self._new(core, kind, descriptors, acronym=acronym)
        else:
            e.descriptors |= descriptors
            e.acronym = e.acronym or acronym
            if not self._grow:
                self._register(e)
                return e
            if len(core.split()) > len(e.name.split()) and kind == "person":
                self.renamed[e.name] = core  # "Zelensky" first, "Volodymyr Zelensky" later: keep the fuller name
                e.name = core
            self._register(e)
        self._by_core[(core, kind, acronym)] = e
        return e

    def _match_proper(self, core: str, kind: SpeakerKind, acronym: str | None) -> _Entity | None:
        """The most recent named entity ``core`` names: same organisation name or acronym, or same person."""
        keys = ["n:" + core.lower(), "a:" + core]
        if acronym:
            keys.append("a:" + acronym)
        found = {i for k in keys for i in self._keys.get(k, ())}
        if kind != "organization":
            words = core.split()
            found.update(i for k in ("w0:" + words[0], "wl:" + words[-1]) for i in self._keys.get(k, ()))
            # spelling variants ("Zelensky" / "Zelenskyy"): surnames at least 85 alike, among the names
            # that share the surname's or the first name's initial, as _same_person requires
            for k in _initial_keys(core):
                positions, surnames = self._surnames.get(k, ((), ()))
                for _, _, at in process.extract(
                    words[-1].lower(), surnames, scorer=fuzz.ratio, score_cutoff=85, limit=None
                ):
                    found.add(positions[at])
        for at in sorted(found, reverse=True):
            if _names(self.entities[at], core, kind, acronym):
                return self.entities[at]
        return None

    def _description(self, ws: list[str]) -> _Entity:
        low = [w.lower() for w in ws]
        head = _strip_possessive(low[-1])
        mods = {_strip_possessive(w) for w in low[:-1]} - _DETERMINERS - {"of"}
        person_head = _head_match(head, PERSON_HEADS)
        org_head = _head_match(head, ORG_HEADS)
        plural = head.endswith("s") and not head.endswith("ss") and (person_head or "") != head
        if low[0] in _POSSESSIVE_DETERMINERS or low[0] in ("one", "two", "three", "several", "some", "many"):
            person_head = org_head = None  # "his commanders", "two lawmakers": new people, not a named one
        if plural and person_head:
            person_head = None
        if person_head or org_head:
            kind: SpeakerKind = "person" if person_head else "organization"
            for e in itertools.chain(
                self._recent.latest_first(), self._mentioned.latest_first(), reversed(self.entities)
            ):
                if not e.proper or e.kind != kind:
                    continue
                if mods and not mods & e.descriptors and not any(m in e.name.lower() for m in mods):
                    continue
                if (
                    kind == "organization"
                    and org_head is not None
                    and org_head not in ("agency", "service")
                    and org_head not in e.name.lower()
                    and org_head not in e.descriptors
                ):
                    continue
                e.descriptors.add(person_head or org_head or head)
                return e
            if person_head in _SALIENT_ROLES:
                # "the Ukrainian leader" with no earlier "Ukrainian": the story's main speaker is meant
                for e in self._recent.latest_first():
                    if e.proper and e.kind == "person":
                        e.descriptors |= mods
                        return e
        name = " ".join(ws)
        for e in self.entities:
            if not e.proper and e.name.lower() == name.lower():
                return e
        kind2: SpeakerKind = "organization" if org_head else ("person" if low[0] == "one" or not plural else "group")
        return self._new(name, kind2, mods, proper=False)

    def _new(
        self, name: str, kind: SpeakerKind, descriptors: set[str], *, acronym: str | None = None, proper: bool = True
    ) -> _Entity:
        e = _Entity(name, kind, [], set(descriptors), acronym, None, proper)
        self._position[id(e)] = len(self.entities)
        self.entities.append(e)
        self._register(e)
        return e

    def _register(self, e: _Entity) -> None:
        """File a named entity under its current name, acronym and initials (old keys stay: a stale
        key only adds a candidate that ``_match_proper`` then rejects)."""
        if not e.proper:
            return
        at = self._position[id(e)]
        words = e.name.split()
        keys = ["n:" + e.name.lower(), "w0:" + words[0], "wl:" + words[-1]]
        for key in keys + (["a:" + e.acronym] if e.acronym else []):
            bucket = self._keys[key]
            if not bucket or bucket[-1] != at:
                bucket.append(at)
        for key in _initial_keys(e.name):
            positions, surnames = self._surnames.setdefault(key, ([], []))
            positions.append(at)
            surnames.append(words[-1].lower())


_POSSESSIVE_DETERMINERS = frozenset("his her their its our my your".split())
_SALIENT_ROLES = frozenset(("leader", "president", "premier", "minister", "chancellor"))
_PROPER_RUN = re.compile(r"\b[A-Z][\w’'\-]+(?:\s+[A-Z][\w’'\-]+)+")


def _initials(name: str) -> str:
    return "".join(w[0] for w in name.split() if w[:1].isupper())


def _head_match(head: str, heads: Sequence[str]) -> str | None:
    """The lexicon head ``head`` stands for, tolerating plurals and typos ("leder")."""
    h = head.rstrip("s") if head.endswith("s") and head.rstrip("s") in heads else head
    if h in heads:
        return h
    if len(h) >= 5:
        hit = process.extractOne(h, heads, scorer=fuzz.ratio, score_cutoff=80)
        if hit:
            return str(hit[0])
    return None


def _core_name(ws: list[str]) -> tuple[str, set[str]]:
    core, desc = _core_name_cached(tuple(ws))
    return core, set(desc)


@functools.lru_cache(maxsize=8192)
def _core_name_cached(ws_tuple: tuple[str, ...]) -> tuple[str, frozenset[str]]:
    core, desc = _split_name(list(ws_tuple))
    return core, frozenset(desc)


def _split_name(ws: list[str]) -> tuple[str, set[str]]:
    """Split a mention into its proper name and the descriptive words before it.

    ``Ukrainian President Volodymyr Zelenskyy`` -> ("Volodymyr Zelenskyy", {"ukrainian", "president"});
    ``South Korea’s National Intelligence Service`` -> ("National Intelligence Service", {"south", "korea"}).
    """
    desc: set[str] = set()
    i = 0
    last_poss = -1
    for k, w in enumerate(ws):
        if k < len(ws) - 1 and w.endswith(("’s", "'s", "’", "'")):
            last_poss = k
    if last_poss >= 0:
        desc |= {x.lower() for x in (_strip_possessive(w) for w in ws[: last_poss + 1])}
        i = last_poss + 1
    while (
        i < len(ws)
        and (
            ws[i].lower() in TITLES
            or ws[i].lower() in _DETERMINERS
            or _is_demonym_before(ws, i)
            or (ws[i] in ("North", "South", "East", "West") and _is_demonym_before(ws, i + 1))
            # lower-case words before a name describe it: "former presidential candidate Herman Cain"
            or (ws[i][:1].islower() and ws[i].lower() not in _NAME_PARTICLES and _full_name_after(ws, i))
        )
    ):
        desc.add(ws[i].lower())
        i += 1
    rest = ws[i:]
    # an organisation, a role, then the person: "Republican National Committee spokesman Sean Spicer"
    role = max((k for k, w in enumerate(rest) if w.lower() in _ROLE_WORDS or w.lower() in TITLES), default=-1)
    if role >= 1 and _full_name_after(rest, role) and len(rest) - role - 1 >= 2:
        desc |= {w.lower() for w in rest[: role + 1]}
        rest = rest[role + 1 :]
    if (
        not rest
        or not all(w[0].isupper() or w.lower() in _NAME_PARTICLES for w in rest)
        # "de Blasio", never "of Tennessee" ("Democrat of Tennessee") nor "for Fiorina" ("a spokeswoman for Fiorina")
        or not (rest[0][0].isupper() or (len(rest) > 1 and rest[0] in _NAME_PARTICLES and rest[0] not in _JOINERS))
    ):
        return "", desc
    # drop a trailing title word left over ("Zelensky spokesman"): keep proper words only
    while rest and rest[-1].lower() in ("of", "for", "and"):
        rest.pop()
    return " ".join(_strip_possessive(w) for w in rest), desc


_ROLE_WORDS = frozenset(h.lower() for h in PERSON_HEADS) | frozenset(
    """chairman chairwoman chair director adviser advisor manager executive executives aide strategist founder ceo
    editor economist attorney lawyer professor analyst pollster organizer organiser member head correspondent
    reporter commentator author researcher scholar consultant operative activist""".split()
)


def _full_name_after(ws: list[str], i: int) -> bool:
    """A person's name ends the mention after ``ws[i]``: two capitalised words, or one that is not an acronym."""
    tail = ws[i + 1 :]
    if len(tail) == 1:  # "warm-and-fuzzy Trump", not "intelligence agency SBU"
        return tail[0][:1].isupper() and not _ACRONYM.match(tail[0])
    return len(tail) >= 2 and all(w[:1].isupper() for w in tail[-2:])


def _is_demonym_before(ws: list[str], i: int) -> bool:
    """``Ukrainian`` in ``Ukrainian President ...`` or ``Ukrainian officials``; not ``Herman`` in
    ``Herman Cain`` nor ``Pelosi`` alone: a word shaped like a nationality describes only a title,
    a common noun or another nationality after it."""
    if i + 1 >= len(ws) or not _NATIONALITY.match(ws[i]):
        return False
    nxt = ws[i + 1]
    return nxt.lower() in TITLES or nxt[:1].islower() or bool(_NATIONALITY.match(nxt))


_JOINERS = frozenset(("of", "for", "and"))  # inside a name ("Bank of America"), never its first word
_NAME_PARTICLES = frozenset(("of", "for", "and", "de", "van", "von", "al", "bin", "la", "le", "di", "da", "du"))


def _surname(name: str) -> str:
    parts = name.split()
    return parts[-1] if parts else name


def _initial_keys(name: str) -> list[str]:
    """The keys of a person's name that ``_same_person`` needs to share: the initial of the
    surname (in any case) or of the first word."""
    words = name.split()
    return ["s:" + words[-1][:1].lower(), "f:" + words[0][:1]] if words else []


def _names(e: _Entity, core: str, kind: str, acronym: str | None) -> bool:
    """Whether the name ``core`` (of ``kind``, introducing ``acronym``) is named entity ``e``: the same
    organisation name or acronym, or the same person."""
    if not e.proper:
        return False
    if kind == "organization" or e.kind == "organization":
        return (
            e.name.lower() == core.lower()
            or bool(acronym and e.acronym == acronym)
            or bool(e.acronym and core == e.acronym)
        )
    return _same_person(e.name, core)


def _same_person(a: str, b: str) -> bool:
    """``Zelensky`` / ``Volodymyr Zelenskyy`` / ``Mr Zelensky``: one surname (spelling-tolerant), same first name."""
    pa, pb = a.split(), b.split()
    if pa[-1][:1].lower() != pb[-1][:1].lower() and pa[0][:1] != pb[0][:1]:
        return False  # neither the surnames nor the first names start alike
    if (len(pa) == 1 or len(pb) == 1) and (pa[0] == pb[0] or pa[-1] == pb[-1]) and pa[0][:1].isupper():
        return True  # "Lee" / "Lee Seong-kweun" (family name first), "Zelensky" / "Volodymyr Zelensky"
    if fuzz.ratio(_surname(a).lower(), _surname(b).lower()) < 85:
        return False
    fa, fb = a.split()[:-1], b.split()[:-1]
    if not fa or not fb:
        return True
    return fuzz.ratio(fa[0].lower(), fb[0].lower()) >= 80


# ---------------------------------------------------------------- across the corpus


def merge_speakers(per_article: Sequence[Sequence[Speaker]]) -> tuple[list[Speaker], dict[str, str]]:
    """Join the speakers of every article into corpus-wide ones.

    Returns the merged speakers and a map from each article-level name to its
    canonical corpus name (the most frequent full form, ties broken alphabetically).
    The result depends on the set of speakers only, never on the order of the articles:
    full names join when they name one person (``Volodymyr Zelensky`` / ``Volodymyr
    Zelenskyy``), organisations when they share a name or acronym, and a bare surname
    joins the one full name it can mean; when it could mean two people (``Biden`` with
    ``Joe Biden`` and ``Hunter Biden`` in the corpus) it stays on its own.
    """
    by_name: dict[str, list[Speaker]] = defaultdict(list)
    for speakers in per_article:
        for sp in speakers:
            by_name[sp.name].append(sp)
    names = sorted(by_name)
    parent = {n: n for n in names}

    def find(n: str) -> str:
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    def union(x: str, y: str) -> None:
        rx, ry = find(x), find(y)
        if rx != ry:
            parent[max(rx, ry)] = min(rx, ry)

    kind = {n: _most_common_kind(by_name[n]) for n in names}
    people = [n for n in names if kind[n] == "person" and n[:1].isupper()]
    full = [n for n in people if len(n.split()) > 1]
    by_initial: dict[str, list[str]] = defaultdict(list)  # full names by their surname's initial
    by_first: dict[str, list[str]] = defaultdict(list)  # and by their first word ("Lee Seong-kweun")
    for n in full:
        by_initial[_surname(n)[:1].lower()].append(n)
        by_first[n.split()[0]].append(n)
    for block in by_initial.values():
        for i, j in _same_full_names(block):
            union(block[i], block[j])
    lone: dict[str, list[str]] = defaultdict(list)  # one-word names, by initial
    for n in people:
        if len(n.split()) == 1:
            lone[n[:1].lower()].append(n)
    for initial, alone in lone.items():
        # the full names a lone name is: those it starts ("Lee Seong-kweun"), and those whose
        # surname is at least 85 like it (``_same_person`` for a one-word name, at C speed), each
        # surname scored once however many full names carry it
        with_surname: dict[str, list[str]] = defaultdict(list)
        for f in by_initial.get(initial, ()):
            with_surname[_surname(f).lower()].append(f)
        surnames = list(with_surname)
        alike: dict[int, list[int]] = defaultdict(list)
        for i, j in _alike([n.lower() for n in alone], surnames):
            alike[i].append(j)
        for i, n in enumerate(alone):
            meant = {find(f) for f in by_first.get(n, ())}
            meant.update(find(f) for j in alike[i] for f in with_surname[surnames[j]])
            if len(meant) == 1:
                union(n, meant.pop())
    org_key: dict[str, str] = {}
    for n in names:
        if kind[n] != "organization":
            continue
        keys = {n.lower()} | {a.lower() for s in by_name[n] for a in s.aliases if _ACRONYM.match(a)}
        for k in sorted(keys):
            if k in org_key:
                union(n, org_key[k])
            else:
                org_key[k] = n
    # "South Korean intelligence": a description joins the one organisation of the corpus whose
    # name holds its head word and whose mentions name its place (South Korea's National Intelligence Service)
    named_orgs: dict[str, list[str]] = defaultdict(list)  # by each word of their name
    for n in names:
        if kind[n] == "organization" and n.split()[-1][:1].isupper():
            for w in dict.fromkeys(n.split()):
                named_orgs[w].append(n)
    for n in names:
        words = n.split()
        if kind[n] != "organization" or len(words) < 2 or not words[-1].islower():
            continue
        if not all(w[:1].isupper() and w.lower() not in _DETERMINERS for w in words[:-1]):
            continue  # the place is a proper adjective ("South Korean"), not "A major climate group"
        head, place = words[-1].capitalize(), [w.lower() for w in words[:-1]]
        meant = {
            find(o)
            for o in named_orgs.get(head, ())
            if _names_place(place, [o, *(a for sp in by_name[o] for a in sp.aliases)])
        }
        if len(meant) == 1:
            union(n, meant.pop())
    groups: dict[str, list[Speaker]] = defaultdict(list)
    for n in names:
        groups[find(n)].extend(by_name[n])
    merged: list[Speaker] = []
    rename: dict[str, str] = {}
    for g in groups.values():
        kinds = Counter(s.kind for s in g)
        if len({s.name for s in g}) == 1:  # most groups: one name, however many articles give it
            best = g[0].name
        else:
            counts = Counter(s.name for s in g)
            person = kinds.most_common(1)[0][0] == "person"
            best = sorted(counts, key=lambda n: (-len(n.split()) if person else 0, -counts[n], n))[0]
        aliases = {a for s in g for a in (s.name, *s.aliases) if a != best}
        handle = min((s.handle for s in g if s.handle), default=None)
        merged.append(Speaker(best, tuple(sorted(aliases)), max(kinds, key=lambda k: (kinds[k], k)), handle))
        for s in g:
            rename[s.name] = best
    merged.sort(key=lambda s: s.name)
    return merged, rename


def _most_common_kind(speakers: Sequence[Speaker]) -> SpeakerKind:
    """``Counter(s.kind for s in speakers).most_common(1)[0][0]``: of equally common kinds the first
    given. Most names have one kind in every article, and a story has a hundred thousand names."""
    first = speakers[0].kind
    if all(s.kind == first for s in speakers):
        return first
    return Counter(s.kind for s in speakers).most_common(1)[0][0]


def _same_full_names(names: Sequence[str]) -> list[tuple[int, int]]:
    """Pairs ``(i, j)`` of ``names`` (full names whose surnames share an initial) that join them into
    the groups ``_same_person`` makes: one person has surnames at least 85 alike and first names at
    least 80 alike. Not every such pair, but as many as make the same groups.

    Each distinct surname and each distinct first name is scored once, at C speed: a large story has
    thousands of full names with one surname ("Smith", or "by" from a byline read as a name), and
    the pairs of those names, made one by one, were quadratic in time and memory (8,000 names with
    one surname: 34 s and 8 GB)."""
    surnames = [_surname(n).lower() for n in names]
    firsts = [n.split()[0].lower() for n in names]
    pairs: list[tuple[int, int]] = []
    # names with one surname and one first name are one person: joined to the first of them
    key_of: dict[tuple[str, str], int] = {}
    firsts_of: dict[str, list[str]] = defaultdict(list)  # each surname's distinct first names
    for i, key in enumerate(zip(surnames, firsts, strict=True)):
        j = key_of.setdefault(key, i)
        if j != i:
            pairs.append((j, i))
        else:
            firsts_of[key[0]].append(key[1])
    distinct = list(firsts_of)
    # each pair of alike surnames, (u, v) with u <= v, once: their first names scored against each other
    alike_to: dict[int, list[int]] = defaultdict(list)
    for u, v in _alike(distinct, distinct):
        if u <= v:
            alike_to[u].append(v)
    for u, others in alike_to.items():
        mine = firsts_of[distinct[u]]
        theirs = [(v, f) for v in others for f in firsts_of[distinct[v]]]
        for x, y in _alike(mine, [f for _, f in theirs], cutoff=80):
            v, f = theirs[y]
            a, b = key_of[distinct[u], mine[x]], key_of[distinct[v], f]
            if a != b:
                pairs.append((min(a, b), max(a, b)))
    return pairs


# Rows of names scored at once by ``_alike``: a block of 1,000 by the 10,000 surnames of one initial
# is 40 MB of scores.
_ALIKE_ROWS = 1000
# Below this many scores a ``cdist`` call runs in the calling thread: starting threads costs more.
_ALIKE_CELLS = 100_000


def _alike(names: Sequence[str], choices: Sequence[str], *, cutoff: float = 85) -> Iterator[tuple[int, int]]:
    """Every ``(i, j)`` with ``fuzz.ratio(names[i], choices[j]) >= cutoff``, ``i`` ascending: rapidfuzz's
    ``cdist`` scores a block of rows at a time, on every core when the block is large (a 100,000-article
    story has some 100,000 names, and one ``process.extract`` call per name cost half a minute)."""
    if not names or not choices:
        return
    for lo in range(0, len(names), _ALIKE_ROWS):
        rows = names[lo : lo + _ALIKE_ROWS]
        scores = process.cdist(rows, choices, scorer=fuzz.ratio, score_cutoff=cutoff, dtype=np.float32,
                               workers=-1 if len(rows) * len(choices) > _ALIKE_CELLS else 1)  # fmt: skip
        found, cols = np.nonzero(scores)
        yield from zip((found + lo).tolist(), cols.tolist(), strict=True)


def _names_place(place: Sequence[str], mentions: Sequence[str]) -> bool:
    """Whether one mention names every word of ``place`` (``south korean``: "South Korea's ..."),
    a demonym meeting its country through the same first five letters."""
    for m in mentions:
        words = [w.lower() for w in _words(m)]
        if all(any(w.startswith(p[:5]) for w in words) for p in place):
            return True
    return False


def mention_span(text: str, toks: Sequence[Token], rng: tuple[int, int]) -> Span:
    """The ``Span`` covering tokens ``rng`` (inclusive)."""
    s, e = toks[rng[0]].start, toks[rng[1]].end
    return Span(s, e, text[s:e])
