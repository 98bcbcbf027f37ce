"""Reporting cues, channels and relays: the words that frame speech.

The verb lexicon was assembled from the cues most often annotated in PolNeAR train
(said, says, told, according to, wrote, added, ...) and from news style guides'
lists of attribution verbs; nouns and verbs of attitude ("believe", "hope") are left
out on purpose: they make claims about minds, not about speech.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

from quotetrace.extract.segment import Token

_VERBS = """
say says said saying
tell tells told telling
stated stating
write writes wrote written writing
add adds added adding
claim claims claimed claiming
allege alleges alleged alleging
estimate estimates estimated estimating
warn warns warned warning
announce announces announced announcing
indicate indicates indicated indicating
assert asserts asserted asserting
argue argues argued arguing
note notes noted noting
explain explains explained explaining
suggest suggests suggested suggesting
insist insists insisted insisting
report reports reported reporting
continue continues continued
tweet tweets tweeted tweeting
post posts posted
declare declares declared declaring
acknowledge acknowledges acknowledged acknowledging
admit admits admitted admitting
confirm confirms confirmed confirming
deny denies denied denying
observe observes observed observing
emphasize emphasizes emphasized emphasizing emphasise emphasises emphasised emphasising
stress stresses stressed stressing
propose proposes proposed proposing
reveal reveals revealed revealing
reply replies replied replying
respond responds responded responding
predict predicts predicted predicting
promise promises promised promising
vow vows vowed vowing
pledge pledges pledged pledging
urge urges urged urging
concede concedes conceded conceding
recall recalls recalled recalling
remarked remarking
maintain maintains maintained maintaining
contend contends contended contending
complain complains complained complaining
testify testifies testified testifying
inform informs informed informing
disclose discloses disclosed disclosing
boast boasts boasted boasting
joke jokes joked joking
quip quips quipped quipping
conclude concludes concluded concluding
ask asks asked asking
answer answers answered answering
agree agrees agreed agreeing
caution cautions cautioned cautioning
charge charges charged charging
counter counters countered countering
recount recounts recounted recounting
exclaim exclaims exclaimed exclaiming
shout shouts shouted shouting
mention mentions mentioned mentioning
assure assures assured assuring
affirm affirms affirmed affirming
reiterate reiterates reiterated reiterating
specify specifies specified specifying
elaborate elaborates elaborated elaborating
retort retorts retorted
proclaim proclaims proclaimed proclaiming
interject interjects interjected
plead pleads pleaded
implore implores implored
lament laments lamented
"""
# How the words were spoken ("“Go back,” Trump barked"): speech only beside a quotation (see POSTPOSED_ONLY).
_MANNER = """
bark barks barked yell yells yelled scream screams screamed shout shouts shouted chant chants chanted
sing sings sang snap snaps snapped muse muses mused cry cries cried whisper whispers whispered
mutter mutters muttered wonder wonders wondered gush gushes gushed laugh laughs laughed sigh sighs sighed
thunder thunders thundered scoff scoffs scoffed fume fumes fumed marvel marvels marveled marvelled
beam beams beamed
"""
CUE_VERBS = frozenset(_VERBS.split() + _MANNER.split())


def _learned(kind: str) -> frozenset[str]:
    """Cue forms learned from PolNeAR train by ``bench/train_cues.py`` (counts only, no text)."""
    rows = resources.files("quotetrace").joinpath("data/cues.tsv").read_text(encoding="utf-8").splitlines()
    return frozenset(r.split("\t")[0] for r in rows[2:] if r.endswith("\t" + kind))


# Attitude cues (criticized, endorsed, described...): attributions, not speech. They are
# extracted (PolNeAR counts them) and marked ``speech=False``; statements are built from speech only.
ATTITUDE_VERBS = _learned("attitude") - CUE_VERBS
ALL_CUE_VERBS = CUE_VERBS | ATTITUDE_VERBS
_LETTERS = re.compile(r"[a-z]+")
_CUE_WORDS = ALL_CUE_VERBS | {"according"}


def may_hold_cue(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` contains any cue word: most sentences do not, and skip the frame search."""
    return not _CUE_WORDS.isdisjoint(_LETTERS.findall(text[start:end].lower()))


# Verbs that take the hearer before the content: "told lawmakers that ...".
AUDIENCE_VERBS = frozenset(
    "tell tells told telling inform informs informed informing assure assures assured assuring".split()
)
# Verbs that only introduce speech after a quotation or a colon ("he continued"),
# or only with a clause ("confirmed that"): never the frame of a bare noun phrase.
POSTPOSED_ONLY = frozenset("continue continues continued answer answers answered".split() + _MANNER.split())
NEEDS_CLAUSE = frozenset(
    """continue continues continued report reports reported reporting post posts posted agree agrees agreed agreeing
    charge charges charged charging counter counters countered countering answer answers answered answering""".split()
)

PRONOUNS = {
    "he": "person",
    "she": "person",
    "him": "person",
    "her": "person",
    "they": "group",
    "it": "organization",
    "we": "group",
    "i": "person",
}

NEWS_ORGS = (
    "AFP",
    "Agence France-Presse",
    "AP",
    "Associated Press",
    "Reuters",
    "Yonhap",
    "Yonhap News Agency",
    "dpa",
    "EFE",
    "ANSA",
    "Xinhua",
    "UPI",
    "TASS",
    "RIA Novosti",
    "Interfax",
    "Bloomberg",
    "Kyodo",
    "KCNA",
    "BBC",
    "CNN",
    "Fox News",
    "NBC",
    "CBS",
    "ABC",
    "MSNBC",
    "NPR",
    "The New York Times",
    "The Washington Post",
    "Politico",
)
_NEWS_WORDS = re.compile(r"\b(?:news agency|news service|newspaper|broadcaster|news|times|post|journal|tv)\b", re.I)


_NEWS_ORG_RE = re.compile(
    r"^(?:the\s+)?(?:" + "|".join(re.escape(o.lower().removeprefix("the ")) for o in NEWS_ORGS) + r")(?:\s|$)"
)


def is_news_org(name: str) -> bool:
    """True for wire services and outlets: they relay speech rather than originate it."""
    n = name.strip()
    return bool(_NEWS_ORG_RE.match(n.lower())) or bool(_NEWS_WORDS.search(n) and n[:1].isupper())


@dataclass(frozen=True, slots=True)
class Cue:
    """A reporting verb or phrase in the text (``according to`` counts as one cue)."""

    start: int
    end: int
    text: str
    lemma: str
    speech: bool = True

    @property
    def is_according(self) -> bool:
        return self.lemma == "according to"

    @property
    def is_participle(self) -> bool:
        return self.text.lower().endswith("ing")


def cue_at(toks: Sequence[Token], i: int) -> Cue | None:
    """The cue that starts at token ``i``, if any."""
    t = toks[i]
    low = t.lower
    if low == "according" and i + 1 < len(toks) and toks[i + 1].lower == "to":
        return Cue(t.start, toks[i + 1].end, f"{t.text} {toks[i + 1].text}", "according to")
    if low in ALL_CUE_VERBS and (not t.is_cap or i == 0 or not toks[i - 1].is_word):
        # a capitalised verb inside a sentence is headline case ("Zelenskyy Proposes ..."), not a cue
        return Cue(t.start, t.end, t.text, low, low in CUE_VERBS)
    return None


# ---------------------------------------------------------------- channels

_PLATFORMS = {
    "x": "X",
    "twitter": "X",
    "telegram": "Telegram",
    "facebook": "Facebook",
    "instagram": "Instagram",
    "tiktok": "TikTok",
    "youtube": "YouTube",
    "truth social": "Truth Social",
    "threads": "Threads",
    "bluesky": "Bluesky",
    "linkedin": "LinkedIn",
    "weibo": "Weibo",
    "vk": "VK",
    "social media": "social media",
}
_PLATFORM_RE = re.compile(
    r"\b(?:on|via|in a (?:\w+ ){0,3}?(?:post|statement|message|video) on)\s+"
    r"(?:(?:the\s+)?social(?:[- ]media)?\s+(?:platform|network|site)\s+)?"
    r"(X|Twitter|Telegram|Facebook|Instagram|TikTok|YouTube|Truth Social|Threads|Bluesky|LinkedIn|Weibo|VK|"
    r"social media)\b"
)
_VENUE_RE = re.compile(
    r"\bin an?\s+((?:(?:televised|video|written|joint|short|brief|separate|online|nightly|evening|recorded|"
    r"radio|television|TV|exclusive|lengthy)\s+){0,2}"
    r"(?:statement|address|interview|speech|briefing|press conference|news conference|post|message|op-ed|"
    r"letter|memo|email|tweet|podcast|broadcast))\b",
    re.I,
)
_TOLD_RE = re.compile(
    r"\b(told|telling|tells|tell|informed|informing)\s+((?:the\s+)?[A-Z][\w.&’'-]*(?:\s+[A-Z][\w.&’'-]*){0,3}|"
    r"(?:\w+\s+){0,2}?(?:lawmakers|legislators|parliament|reporters|journalists|interrogators|"
    r"investigators|officials|the committee|a committee|a press conference|a news conference))\b"
)
_TWEETED = re.compile(r"\b(tweet(?:ed|s|ing)?)\b", re.I)


def find_channel(text: str, start: int, end: int) -> str | None:
    """The channel named in ``text[start:end]``: ``X``, ``Telegram``, ``televised statement``, ``told AFP``..."""
    chunk = text[start:end]
    m = _PLATFORM_RE.search(chunk)
    if m:
        return _PLATFORMS.get(m.group(1).lower(), m.group(1))
    if _TWEETED.search(chunk):
        return "X"
    m = _VENUE_RE.search(chunk)
    if m:
        return " ".join(m.group(1).split()).lower()
    m = _TOLD_RE.search(chunk)
    if m:
        return f"told {m.group(2)}"
    return None


# Hearers who pass speech on: they belong in a quote's relay chain.
_RELAY_AUDIENCE = re.compile(
    r"^(?:(?:the|two|three|several|some|a group of|\w+)\s+)?(?:lawmakers|legislators|parliament|parliamentarians|"
    r"MPs|senators|congressmen|committee|the committee|members of parliament)\b",
    re.I,
)


def audience_relays(audience: str) -> bool:
    """True when the hearer is an intermediary (lawmakers, a wire service), not the reader's reporter."""
    return bool(_RELAY_AUDIENCE.match(audience.strip())) or is_news_org(audience)
