"""Matching and provenance: fidelity labels, diffs with offsets, blocking, one parent per quote."""

from __future__ import annotations

import dataclasses
import itertools
import random
from collections import Counter, defaultdict
from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from quotetrace import match
from quotetrace.match import (
    GAP,
    Words,
    candidate_pairs,
    compare,
    key_pairs,
    probe_keys,
    shingles,
    short_key_pairs,
    short_keys,
)
from quotetrace.model import Quote
from quotetrace.provenance import link_quotes

POST = (
    "In addition to the first captured soldiers from North Korea, there will undoubtedly be more. It’s only a "
    "matter of time before our troops manage to capture others."
)
OFFER = "Ukraine is ready to hand over Kim Jong Un's soldiers to him if he can organize their exchange."


def test_verbatim_ignores_case_punctuation_and_quote_style() -> None:
    c = compare(OFFER, "ukraine is ready to hand over Kim Jong Un’s soldiers to him, if he can organize their exchange")
    assert c is not None and c.fidelity == "verbatim" and c.score == 100.0


def test_truncated_locates_the_reproduced_part() -> None:
    c = compare(POST, "undoubtedly be more")
    assert c is not None and c.fidelity == "truncated"
    assert POST[c.a_start : c.a_end] == "undoubtedly be more"
    assert c.diff == ()


def test_respelling_is_a_variant_with_a_word_diff() -> None:
    rep = OFFER.replace("organize", "organise")
    c = compare(OFFER, rep)
    assert c is not None and c.fidelity == "variant"
    (edit,) = c.diff
    assert edit.op == "replace"
    assert (edit.a_text, edit.b_text) == ("organize", "organise")
    assert OFFER[edit.a_start : edit.a_end] == "organize"
    assert rep[edit.b_start : edit.b_end] == "organise"


def test_consensus_drops_the_words_only_the_longest_version_has() -> None:
    from quotetrace.match import consensus

    long = Words.of("who spread the truth about this war in Korean language will be given that opportunity")
    others = [
        Words.of("spread the truth about this war in Korean will be given that opportunity"),
        Words.of("the truth about this war in Korean will be given that opportunity."),
        Words.of("who spread the truth about this war in Korean."),
    ]
    assert consensus(long, others) == "who spread the truth about this war in Korean will be given that opportunity"
    assert consensus(long, others[:1]) == long.text  # one witness is not a majority


def test_a_cut_original_is_extended_not_altered() -> None:
    post = "There should be no doubt that the army depends on help from North"
    quote = "There should be no doubt that the army depends on help from North Korea."
    c = compare(post, quote, open_end=True)
    assert c is not None and c.fidelity == "verbatim"
    c2 = compare(post, quote)
    assert c2 is not None and c2.fidelity == "altered"


def test_inserted_word_is_altered() -> None:
    a = "who spread the truth about this war in Korean will be given that opportunity"
    b = "who spread the truth about this war in Korean language will be given that opportunity"
    c = compare(a, b)
    assert c is not None and c.fidelity == "altered"
    (edit,) = c.diff
    assert edit.op == "insert" and edit.b_text == "language"


def test_reported_speech_that_changes_words_is_a_paraphrase_not_an_alteration() -> None:
    c = compare(
        OFFER,
        "Ukraine is ready to hand over the soldiers of Kim Jong Un if he can organize an exchange",
        paraphrase=True,
    )
    assert c is not None and c.fidelity == "paraphrase"
    assert c.diff  # the changed words are still shown


def test_sentences_sharing_one_run_and_nothing_else_do_not_link() -> None:
    """A run of six words in common, every other word of the quotation replaced or added: chance, not an alteration."""
    a = "The committee raising money for the new county library fund is two thousand dollars short, the treasurer said."
    b = "She said she will travel to Boston next month for the new county library fund, which opens on Monday."
    assert compare(a, b) is None
    assert (
        compare(a, "The committee raising money for the county library fund is two thousand dollars short.") is not None
    )


def test_unrelated_texts_do_not_link() -> None:
    assert compare(POST, "The weather in Kyiv was cold on Monday.") is None


def test_reported_speech_links_as_paraphrase() -> None:
    a = "There should be no doubt left that the Russian army is dependent on military assistance from North Korea."
    b = "North Korea’s involvement underscores Russia’s increasing dependence on foreign military assistance"
    c = compare(a, b, paraphrase=True)
    assert c is not None and c.fidelity == "paraphrase"
    assert compare(a, b) is None


def test_blocking_finds_every_pair_that_shares_a_shingle() -> None:
    texts = [Words.of(t) for t in (POST, "undoubtedly be more", OFFER, "hand over Kim Jong Un's soldiers", "x y")]
    pairs = candidate_pairs(texts)
    assert (0, 1) in pairs and (2, 3) in pairs
    assert (0, 2) not in pairs


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(POST.split() + OFFER.split()), min_size=1, max_size=25), st.integers(0, 10))
def test_blocking_recall_against_all_pairs(words: list[str], cut: int) -> None:
    """Every pair that compare() would link shares a shingle or is a short containment."""
    a = " ".join(words)
    b = " ".join(words[cut : cut + 5]) or a
    texts = [Words.of(a), Words.of(b)]
    if compare(texts[0], texts[1]) is not None and compare(texts[0], texts[1]).fidelity in ("verbatim", "truncated"):  # type: ignore[union-attr]
        assert (0, 1) in candidate_pairs(texts)


def test_a_short_quote_with_a_typo_in_every_shingle_finds_its_original() -> None:
    """Both 3-grams of "is unlikley to resign" hold the typo; the gapped 3-gram ("is _ to") does not."""
    texts = [
        Words.of("Aides said on Tuesday that the minister is unlikely to resign before the budget vote."),
        Words.of("is unlikley to resign"),
        Words.of("The harbour was closed for a week after the storm."),
    ]
    assert compare(texts[0], texts[1]) is not None
    assert (0, 1) in candidate_pairs(texts)


def test_copies_changed_in_different_places_find_each_other() -> None:
    """Each copy's rarest 3-grams are the ones around its own changes, held by no other text; the
    probes skip those and take one 3-gram per stretch shared with other texts."""
    original = "The council agreed late on Thursday to rebuild the old railway bridge over the river before next winter"
    words = original.split()
    early = " ".join([*words[:2], "agred", *words[3:6], "Thrusday", *words[7:]])  # two typos near the start
    late = " ".join([*words[:13], "rivre", *words[14:]])  # one near the end
    texts = [Words.of(t) for t in (original, early, late, "The old bridge reopened to traffic in the spring")]
    assert compare(texts[1], texts[2]) is not None or compare(texts[2], texts[1]) is not None
    assert (1, 2) in candidate_pairs(texts)


def test_probes_skip_lonely_keys_and_take_one_gram_per_stretch() -> None:
    keys = [
        (1, ("a", "b", "c")),  # held by this text alone: pairs with nothing
        (3, ("b", "c", "d")),  # a stretch of three 3-grams, all held by the same 3 texts
        (3, ("c", "d", "e")),
        (3, ("d", "e", "f")),
        (5, ("e", "f", "g")),
        (2, ("a", GAP, "c")),  # gapped: only after every word stretch
    ]
    assert probe_keys(keys) == [("b", "c", "d"), ("e", "f", "g"), ("a", GAP, "c")]
    assert probe_keys(keys, probes=1) == [("b", "c", "d")]
    assert probe_keys(keys, budget=7) == [("b", "c", "d")]  # 3 + 5 texts would pass the budget
    assert probe_keys([(900, ("x", "y", "z"))], budget=7) == [("x", "y", "z")]  # the first is always taken


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.sampled_from(POST.split() + OFFER.split()), min_size=4, max_size=25),
    st.integers(0, 24),
    st.integers(0, 24),
    st.integers(4, 12),
)
def test_blocking_finds_a_cut_copy_with_one_word_respelled(words: list[str], cut: int, at: int, n: int) -> None:
    """A copy of four words or more, cut anywhere and with any one word respelled, shares a key with its source."""
    part = words[cut % len(words) :][:n]
    if len(part) < 4:
        return
    k = at % len(part)
    part[k] = part[k] + "x"
    texts = [Words.of(" ".join(words)), Words.of(" ".join(part))]
    if compare(texts[0], texts[1]) is not None:
        assert (0, 1) in candidate_pairs(texts)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=80), st.text(max_size=80))
def test_compare_never_raises_and_offsets_stay_in_bounds(a: str, b: str) -> None:
    c = compare(a, b, paraphrase=True)
    if c is not None:
        assert 0 <= c.a_start <= c.a_end <= len(a)
        for e in c.diff:
            assert a[e.a_start : e.a_end] == e.a_text
            assert b[e.b_start : e.b_end] == e.b_text


def _q(qid: str, article: str, text: str, kind: str = "direct", speaker: str | None = "Z") -> Quote:
    return Quote(qid, article, 0, len(text), text, kind, speaker)  # type: ignore[arg-type]


def test_one_parent_shorter_to_longer_and_one_statement() -> None:
    qs = [
        _q("a", "1.txt", POST, "embed"),
        _q("b", "2.txt", "undoubtedly be more", "partial"),
        _q("c", "3.txt", POST.split(".")[0] + "."),
    ]
    prov = link_quotes(qs, {})
    assert {q.statement for q in prov.quotes} == {"S1"}
    (st_,) = prov.statements
    assert st_.origin == "a"
    parents = [ln for ln in prov.links if not ln.target.startswith("S")]
    targets = {ln.source: ln.target for ln in parents}
    assert targets == {"b": "a", "c": "a"}
    assert len(parents) == len(targets)  # one parent each
    # and every member is also measured against the statement itself
    assert {ln.source for ln in prov.links if ln.target == "S1"} == {"a", "b", "c"}


def test_same_words_different_speakers_is_a_conflict_not_a_merge() -> None:
    qs = [_q("a", "1.txt", OFFER, speaker="Zelensky"), _q("b", "2.txt", OFFER, speaker="Putin")]
    prov = link_quotes(qs, {})
    assert len({q.statement for q in prov.quotes}) == 2
    assert [(ln.source, ln.target) for ln in prov.links if ln.conflict] == [("b", "a")]
    assert [s.conflict for s in prov.statements] == [True, True]  # both sides: the words have two speakers


def test_words_given_to_many_speakers_give_each_reprint_one_conflict() -> None:
    """Each reproduction names the best version another speaker is given (the most faithful, then
    the most primary), not every one: syndicated words under n names would give n squared links."""
    qs = [
        _q("a", "1.txt", OFFER, "embed", speaker="Zelensky"),
        _q("b", "2.txt", OFFER, speaker="Putin"),
        _q("c", "3.txt", OFFER, speaker="Lavrov"),
        _q("d", "4.txt", OFFER.replace("organize", "organise"), speaker="Peskov"),
        _q("e", "5.txt", OFFER.replace("organize", "organise"), speaker="Shoigu"),
    ]
    prov = link_quotes(qs, {})
    conflicts = sorted((ln.source, ln.target, ln.fidelity) for ln in prov.links if ln.conflict)
    assert conflicts == [
        ("b", "a", "verbatim"),
        ("c", "a", "verbatim"),
        ("d", "a", "variant"),
        ("e", "d", "verbatim"),  # the same spelling beats the embedded post
    ]
    assert len(prov.statements) == 5 and all(s.conflict for s in prov.statements)


def test_linking_is_deterministic_whatever_the_input_order() -> None:
    qs = [
        _q("a", "1.txt", POST, "embed"),
        _q("b", "2.txt", "undoubtedly be more", "partial"),
        _q("c", "3.txt", OFFER),
        _q("d", "4.txt", OFFER.replace("organize", "organise")),
    ]
    results = set()
    for perm in itertools.permutations(qs):
        prov = link_quotes(list(perm), {})
        results.add(tuple(sorted((ln.source, ln.target, ln.fidelity) for ln in prov.links)))
    assert len(results) == 1


SENTENCES = (POST, OFFER, "Those who express a desire to bring peace closer will be given that opportunity.")


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 2), st.integers(0, 12), st.integers(4, 30), st.sampled_from(("Z", "N"))),
        min_size=2,
        max_size=8,
    ),
    st.randoms(use_true_random=False),
)
def test_linking_is_the_same_whatever_the_order_of_the_quotes(
    cuts: list[tuple[int, int, int, str]], rng: random.Random
) -> None:
    """Statements (as sets of quote ids) and links do not depend on the order quotes come in."""
    quotes = []
    for n, (s, start, length, speaker) in enumerate(cuts):
        words = SENTENCES[s].split()
        text = " ".join(words[start : start + length]) or words[0]
        quotes.append(_q(f"q{n}", f"{n}.txt", text, speaker=speaker))

    def view(qs: list[Quote]) -> tuple[frozenset[frozenset[str]], frozenset[tuple[str, str, str]]]:
        prov = link_quotes(qs, {})
        members = {s.id: frozenset(s.quotes) for s in prov.statements}
        links = frozenset((ln.source, ln.target, ln.fidelity) for ln in prov.links if not ln.target.startswith("S"))
        return frozenset(members.values()), links

    shuffled = list(quotes)
    rng.shuffle(shuffled)
    assert view(quotes) == view(shuffled)


def test_a_report_that_quotes_a_quotation_whole_reports_it() -> None:
    quoted = "the bridge would stay closed all winter"
    report = (
        'that repairs had not started, that the council had run out of money and that the bridge "would stay '
        'closed all winter"'
    )
    c = compare(quoted, report, paraphrase=True)
    assert c is not None and c.fidelity == "paraphrase" and c.score == 100.0
    # a quotation of a few words is too common a phrase to say what a report reports
    assert compare("stay closed", "that the bridge would stay closed until May", paraphrase=True) is None


def test_a_short_report_sharing_only_function_words_is_not_a_paraphrase() -> None:
    assert compare("the mayor may have been misled by his aides", "he may have been lying", paraphrase=True) is None
    # a short run that carries content words still links
    c = compare("the mayor said the bridge closure was temporary", "the bridge closure was temporary", paraphrase=True)
    assert c is not None


def test_a_longer_report_joins_the_statement_its_shorter_paraphrase_belongs_to() -> None:
    qs = [
        _q("quote", "1.txt", "We will reopen the Dunmore bridge in March."),
        _q(
            "short",
            "2.txt",
            "they would reopen the Dunmore bridge in March, after engineers signed off the repairs",
            "indirect",
        ),
        # says too little of the quotation to be linked to it, but paraphrases the shorter report
        _q(
            "long",
            "3.txt",
            "engineers would have to sign off the repairs to the Dunmore span before the bridge could carry traffic",
            "indirect",
        ),
    ]
    prov = link_quotes(qs, {})
    parents = {ln.source: ln.target for ln in prov.links if not ln.target.startswith("S")}
    assert parents == {"short": "quote", "long": "short"}
    assert len({q.statement for q in prov.quotes}) == 1


def test_described_speakers_share_reported_speech_but_not_fragments() -> None:
    qs = [
        _q(
            "a", "1.txt", "he had been ordered to guard the depot and never saw the front", "indirect", "One of the men"
        ),
        _q("b", "2.txt", "he was ordered to guard a depot and never saw the front line", "indirect", "the prisoner"),
        _q("c", "3.txt", "their support", "indirect", "most of whom"),
        _q("d", "4.txt", "a survey that found the support of voters slipping", "indirect", "the pollster"),
    ]
    prov = link_quotes(qs, {})
    st_of = {q.id: q.statement for q in prov.quotes}
    assert st_of["a"] == st_of["b"]
    assert st_of["c"] != st_of["d"]


def test_two_groups_of_reports_bridged_by_their_closest_pair_are_one_statement() -> None:
    def report(qid: str, text: str) -> Quote:
        return _q(qid, f"{qid}.txt", text, "indirect", "Mara Quist")

    qs = [
        _q("quote", "0.txt", "It was only a drill.", speaker="Mara Quist"),
        report(
            "told",
            "that his officers had told him it was only a drill, so he never knew he would face enemy troops at dawn",
        ),
        report("knew", "she never knew she would face enemy troops at dawn, as she was on a routine night exercise"),
        report(
            "fight", "she never knew she would fight, as she was on a routine night exercise far behind the front lines"
        ),
        # the same speaker on something else, sharing the story's words
        report("river", "the enemy troops had crossed the river at dawn with two tanks and a field gun"),
    ]
    prov = link_quotes(qs, {})
    st_of = {q.id: q.statement for q in prov.quotes}
    assert st_of["quote"] == st_of["told"] == st_of["knew"] == st_of["fight"] != st_of["river"]
    parents = {ln.source: ln.target for ln in prov.links if not ln.target.startswith("S")}
    # "fight" was the root of its group: the group is turned around to hang from the bridging pair
    assert parents == {"told": "quote", "knew": "told", "fight": "knew"}


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 2), st.integers(0, 12), st.integers(1, 30), st.integers(-1, 30), st.booleans()),
        min_size=2,
        max_size=14,
    ),
    st.lists(st.booleans(), min_size=14, max_size=14),
    st.sampled_from([(6, 50), (1, 1), (2, 2), (3, 4), (6, 3)]),
)
def test_blocking_for_fresh_texts_is_the_whole_blocking_seen_from_them(
    cuts: list[tuple[int, int, int, int, bool]], flags: list[bool], limits: tuple[int, int]
) -> None:
    """An incremental run's candidates (``fresh``) are exactly the pairs of a full run with a fresh text,
    whatever the probes and budget (small ones make common grams probed only as a text's first probe)."""
    texts = []
    for s, start, length, typo, twice in cuts:
        words = SENTENCES[s].split()[start : start + length] or ["Ukraine"]
        if 0 <= typo < len(words):
            words[typo] = words[typo][::-1]  # a respelled word breaks the shingles around it
        if twice:
            words = words[:3] * 3  # a text that repeats itself: a stretch of grams with no first
        texts.append(Words.of(" ".join(words)))
    fresh = flags[: len(texts)]
    probes, budget = limits
    whole = candidate_pairs(texts, probes=probes, budget=budget)
    seen = candidate_pairs(texts, fresh=fresh, probes=probes, budget=budget)
    assert seen == {(i, j) for i, j in whole if fresh[i] or fresh[j]}
    assert candidate_pairs(texts, fresh=[True] * len(texts), probes=probes, budget=budget) == whole


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 2), st.integers(0, 8), st.integers(1, 20)), min_size=1, max_size=6),
    st.lists(st.integers(0, 5), min_size=2, max_size=16),
    st.lists(st.booleans(), min_size=16, max_size=16),
    st.sampled_from([(6, 50), (1, 1), (2, 2), (6, 3)]),
)
def test_reprints_sharing_one_words_block_as_separate_copies(
    cuts: list[tuple[int, int, int]], picks: list[int], flags: list[bool], limits: tuple[int, int]
) -> None:
    """Blocking makes, counts and probes the shingles of one ``Words`` once, however many quotes share
    it (syndicated reprints): the pairs are those of a copy per quote, for a full and a fresh run."""
    distinct = [Words.of(" ".join(SENTENCES[s].split()[a : a + n]) or "Ukraine") for s, a, n in cuts]
    shared = [distinct[k % len(distinct)] for k in picks]
    copies = [Words.of(w.text) for w in shared]
    probes, budget = limits
    fresh = flags[: len(shared)]
    assert candidate_pairs(shared, probes=probes, budget=budget) == candidate_pairs(
        copies, probes=probes, budget=budget
    )
    assert candidate_pairs(shared, fresh=fresh, probes=probes, budget=budget) == candidate_pairs(
        copies, fresh=fresh, probes=probes, budget=budget
    )


def test_a_text_that_repeats_itself_may_probe_a_common_gram_first() -> None:
    """A repeated phrase ("a b a b") makes a stretch of grams with no first, so a settled text's first
    probe can be a gram over the budget; the fresh text it meets probes elsewhere and never finds it."""
    texts = [Words.of(t) for t in ("a b a b a b c d", "a b a b", "a b c d", "a b c d z", "p q r a b c d", "p q r")]
    fresh = [False, False, False, False, True, False]
    whole = candidate_pairs(texts, budget=1)
    assert (0, 4) in whole
    assert candidate_pairs(texts, fresh=fresh, budget=1) == {(i, j) for i, j in whole if fresh[i] or fresh[j]}


def test_linking_on_a_prior_run_verifies_only_fresh_pairs_and_gives_the_full_result() -> None:
    first = [
        _q("a", "1.txt", POST, "embed"),
        _q("b", "2.txt", "undoubtedly be more", "partial"),
        _q("c", "3.txt", OFFER),
    ]
    later = [
        _q("d", "4.txt", OFFER.replace("organize", "organise")),
        _q("e", "5.txt", "there will undoubtedly be more"),
    ]
    before = link_quotes(first, {}, record=True)
    assert before.verdicts and not link_quotes(first, {}).verdicts  # kept only when asked
    prior = before.prior()
    again = link_quotes(first + later, {}, prior=prior, record=True)
    full = link_quotes(first + later, {}, record=True)
    assert (again.statements, again.links) == (full.statements, full.links)
    assert {(o, r) for o, r, *_ in again.verdicts} == {(o, r) for o, r, *_ in full.verdicts if {o, r} & {"d", "e"}}
    assert all({o, r} & {"d", "e"} for o, r, *_ in again.verdicts)
    # a quote whose speaker changed is fresh again: its pairs are verified anew
    renamed = [*first[:2], dataclasses.replace(first[2], speaker="Volodymyr Zelensky"), *later]
    moved = link_quotes(renamed, {}, prior=again.prior(prior), record=True)
    assert any("c" in (o, r) for o, r, *_ in moved.verdicts)
    assert moved.links == link_quotes(renamed, {}).links


def test_statements_whose_first_quotes_tie_are_numbered_alike_on_a_prior_run() -> None:
    """Two quotes of one article can start at one offset ("her" and "her role in it"). Statements are
    numbered in reading order of their first quote, then by its id: a run that takes the linked groups
    from a prior run (where a group's statements come together) numbers them as a full run does."""
    qs = [
        _q("a", "1.txt", POST),
        _q("b", "1.txt", "there will undoubtedly be more"),
        # b's words again, and more: b takes a as its parent, and c stays a statement of its own
        _q("c", "1.txt", "Soon there will undoubtedly be more prisoners of war to exchange for our people"),
        _q("d", "1.txt", POST, speaker="K"),  # the same words under another name: a conflict, its own group
    ]
    full = link_quotes(qs, {}, record=True)
    assert [len(c.statements) for c in full.clusters] == [2, 1]
    again = link_quotes(qs, {}, prior=full.prior(), record=True)
    assert (again.statements, again.links, again.quotes) == (full.statements, full.links, full.quotes)
    assert [st.origin for st in full.statements] == ["a", "c", "d"]
    assert [st.conflict for st in full.statements] == [True, False, True]


@settings(max_examples=400, deadline=None)
@given(
    st.text(
        st.sampled_from(list("abcXYZ ’'-.,\u00e9\u0130\ufb01\u00df\u0301\u1e9e\u03a3\u2163")) | st.characters(),
        max_size=40,
    )
)
def test_words_fold_a_whole_text_as_they_fold_each_word(text: str) -> None:
    """The one-pass folding of a whole text gives the words and offsets of folding word by word."""
    w = Words.of(text)
    slow = [(m.start(), m.end(), match._fold(m.group())) for m in match._WORD.finditer(text)]
    assert list(zip(w.starts, w.ends, w.norm, strict=True)) == slow


def _pairs_by_steps(texts: Sequence[Words], probes: int, budget: int, fan_out: int) -> set[tuple[int, int]]:
    """Blocking as an engine runs it, one pure step at a time (``quotetrace.engine``): the reference."""
    own = [shingles(w) for w in texts]
    df: Counter[tuple[str, ...]] = Counter(g for grams in own for g in grams)
    posting: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i, grams in enumerate(own):
        for g in grams:
            posting[g].append(i)
    pairs: set[tuple[int, int]] = set()
    for i, grams in enumerate(own):
        for g in probe_keys(((df[g], g) for g in grams), probes=probes, budget=budget):
            pairs.update(key_pairs((i,), posting[g]))
    lengths = {len(w.norm) for w in texts if 0 < len(w.norm) < 3}
    hosts: dict[tuple[str, ...], list[tuple[int, int]]] = defaultdict(list)
    for j, w in enumerate(texts):
        for key in short_keys(w, lengths) & {w.norm for w in texts}:
            hosts[key].append((j, len(w.norm)))
    for key, held in hosts.items():
        pairs.update(short_key_pairs(len(key), held, fan_out=fan_out))
    return pairs


WORDS = "we will win the vote a b no peace Korea Korean soldiers exchange organise organize".split()


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(WORDS), max_size=14), min_size=1, max_size=16),
    st.lists(st.integers(0, 15), max_size=8),
    st.sampled_from([(6, 50, 40), (1, 1, 1), (2, 2, 2), (3, 4, 3), (6, 3, 40)]),
    st.booleans(),
)
@example([["no", "no", "no"], ["no", "a", "no"], ["no", "no", "no", "b"]], [], (1, 1, 1), False)
@example(  # a word gram over the budget ends the probes: no gapped gram after it
    [list("abcd"), list("abc"), list("pqraxc"), list("bcd"), list("bcd"), list("bcde"), *[list("pqr")] * 3],
    [], (6, 5, 40), False,
)  # fmt: skip
def test_blocking_on_arrays_finds_the_pairs_of_the_engine_steps(
    texts: list[list[str]], reprints: list[int], limits: tuple[int, int, int], by_rank: bool
) -> None:
    """``candidate_pairs`` numbers words and grams and runs compiled loops; its pairs are those of
    the pure steps, ties and repeated words ("no no no") included, with grams packed or ranked."""
    words = [Words.of(" ".join(t)) for t in texts]
    words += [words[k % len(words)] for k in reprints]  # reprints share one Words
    probes, budget, fan_out = limits
    with pytest.MonkeyPatch.context() as mp:
        if by_rank:
            mp.setattr(match, "_PACK_BITS", 1)  # every vocabulary is too large to pack
        found = candidate_pairs(words, probes=probes, budget=budget, fan_out=fan_out)
    assert found == _pairs_by_steps(words, probes, budget, fan_out)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(["no", "No", "peace", "Korea", "will", "organise", "a", "b", "it's"]), min_size=1, max_size=12
    ),
    st.lists(st.sampled_from([" ", ", ", " — ", '. "', "\n"]), min_size=12, max_size=12),
    st.booleans(),
    st.booleans(),
)
def test_texts_of_the_same_words_compare_as_aligning_them_does(
    words: list[str], gaps: list[str], upper: bool, paraphrase: bool
) -> None:
    """``compare`` answers two texts of the same words (a statement and its origin, reprints that differ
    in punctuation or case) without aligning them: what the alignment gives, verbatim over all of ``a``."""
    a = Words.of("".join(w + g for w, g in zip(words, gaps, strict=False)))
    b = Words.of(" ".join(w.upper() if upper else w for w in words))
    assert a.norm == b.norm
    lo, hi = match._window(a.norm, b.norm)
    window = a.norm[lo:hi]
    ops = [op for op in match.Levenshtein.opcodes(list(window), list(b.norm)) if op.tag != "equal"]
    expected = match.Comparison(
        round(match._score(window, b.norm), 1),
        match._label(ops, window, b.norm, lo, hi, len(a)),
        tuple(match._edits(a, b, lo, ops)),
        a.starts[lo],
        a.ends[hi - 1],
        (hi - lo) / len(a),
    )
    assert compare(a, b, paraphrase=paraphrase, open_end=paraphrase) == expected


_TIES = ["no", "peace", "Korea", "will", "organise", "organize", "a", "the", "it's", "soldiers"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_TIES), min_size=0, max_size=14), min_size=2, max_size=6), st.booleans())
def test_verification_fields_are_compare_with_words_aligned_as_lists(texts: list[list[str]], paraphrase: bool) -> None:
    """Verification takes ``compare``'s fields without a ``Comparison`` (``compared_fields``), and both hand
    rapidfuzz the words as tuples: the same alignments as lists of them give, with many equal words to tie."""
    words = [Words.of(" ".join(t)) for t in texts]
    weights = match.idf_weights(words)
    for a, b in itertools.permutations(words, 2):
        want = compare(a, b, paraphrase=paraphrase, weights=weights, diff=False)
        assert match.compared_fields(a, b, paraphrase=paraphrase, weights=weights) == (
            None if want is None else dataclasses.astuple(want)
        )
        if a.norm and b.norm:
            as_lists = [tuple(x) for x in match.Indel.opcodes(list(a.norm), list(b.norm)).as_matching_blocks()]
            assert [tuple(x) for x in match.Indel.opcodes(a.norm, b.norm).as_matching_blocks()] == as_lists
            lists = [tuple(x) for x in match.Levenshtein.opcodes(list(a.norm), list(b.norm))]
            assert [tuple(x) for x in match.Levenshtein.opcodes(a.norm, b.norm)] == lists


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 6), st.integers(0, 3), st.integers(0, 2**40)), max_size=40),
    st.integers(0, 22),
)
def test_columns_sorted_together_are_ordered_as_a_lexsort_orders_them(
    rows: list[tuple[int, int, int]], shift: int
) -> None:
    """Blocking sorts rows of several integer columns packed into one number when they fit in 63 bits,
    by a lexsort when they do not (``shift`` widens the last column past the limit): the same rows in
    the same order either way, ties and repeated rows included."""
    columns = [np.array([r[k] for r in rows], np.int64) for k in range(3)]
    columns[2] <<= shift
    order = np.lexsort(columns[::-1])
    got = match._sorted_together(*columns)
    assert [c.tolist() for c in got] == [c[order].tolist() for c in columns]
