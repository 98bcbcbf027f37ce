"""Provenance on the real seed story: statements, origins and the fidelity of every reproduction."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import quotetrace as qt
from quotetrace import provenance
from quotetrace.match import Comparison, Words, idf_weights, unpack_pairs
from quotetrace.model import Edit, Link, Statement
from quotetrace.provenance import LinkTable, SpeakerWord, paraphrase_keys, paraphrase_partners, paraphrase_probes

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="module")
def story() -> qt.Trace:
    return qt.trace(SEEDS)


def _fidelity_to_statement(t: qt.Trace, needle: str, article: str) -> str:
    q = next(q for q in t.quotes if needle in q.text and q.article.startswith(article) and q.kind != "indirect")
    (link,) = [ln for ln in t.links if ln.source == q.id and ln.target == q.statement]
    return link.fidelity


def test_every_reproduction_of_the_posts_carries_its_fidelity(story: qt.Trace) -> None:
    assert _fidelity_to_statement(story, "organise", "004") == "variant"
    assert _fidelity_to_statement(story, "in Korean language", "004") == "altered"
    assert _fidelity_to_statement(story, "undoubtedly be more", "001") == "truncated"
    assert _fidelity_to_statement(story, "There should be no doubt", "000") == "truncated"


def test_the_embedded_post_is_the_origin_and_joins_its_fragments(story: qt.Trace) -> None:
    embeds = [q for q in story.quotes if q.kind == "embed"]
    statement = next(s for s in story.statements if s.id == embeds[0].statement)
    assert statement.origin in {q.id for q in embeds}
    assert {q.statement for q in embeds} == {statement.id}
    members = [story.quote(i) for i in statement.quotes]
    assert {m.article[:3] for m in members} >= {"000", "001", "002", "003", "004"}
    assert statement.date is not None and statement.date.isoformat() == "2025-01-12"


def test_the_statement_text_is_what_most_versions_say(story: qt.Trace) -> None:
    q = next(q for q in story.quotes if "in Korean language" in q.text)
    statement = next(s for s in story.statements if s.id == q.statement)
    assert "in Korean will be given" in statement.text
    assert "language" not in statement.text


def test_diff_offsets_point_into_both_texts(story: qt.Trace) -> None:
    texts = {s.id: s.text for s in story.statements} | {q.id: q.text for q in story.quotes}
    for ln in story.links:
        for e in ln.diff:
            assert texts[ln.target][e.a_start : e.a_end] == e.a_text
            assert texts[ln.source][e.b_start : e.b_end] == e.b_text


POST = (
    "In addition to the first captured soldiers from North Korea, there will undoubtedly be more. It’s only a "
    "matter of time before our troops manage to capture others. There should be no doubt left in the world that "
    "the Russian army is dependent on military assistance from North Korea."
)


def test_a_supplied_source_document_is_the_origin(tmp_path: Path) -> None:
    source = tmp_path / "posts.jsonl"
    row = {"speaker": "Volodymyr Zelensky", "channel": "X", "date": "2025-01-12", "text": POST}
    source.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    t = qt.trace(SEEDS, sources=[source])
    origin = next(q for q in t.quotes if q.article.startswith("source:"))
    statement = next(s for s in t.statements if s.id == origin.statement)
    assert statement.origin == origin.id
    assert statement.text == POST
    # the embedded posts stop at "North…": against the full post they are cut, not the original
    for q in t.quotes:
        if q.kind == "embed" and q.id != origin.id:
            (link,) = [ln for ln in t.links if ln.source == q.id and ln.target == statement.id]
            assert link.fidelity == "truncated"


def test_bad_source_lines_are_warnings_and_a_missing_file_an_error(tmp_path: Path) -> None:
    source = tmp_path / "posts.jsonl"
    source.write_text(
        '{"text": "no speaker"}\nnot json\n' + json.dumps({"speaker": "A B", "text": "Hi there all."}) + "\n"
    )
    warnings: list[str] = []
    docs = qt.read_sources([source], on_warning=warnings.append)
    assert [d.speaker for d in docs] == ["A B"]
    assert len(warnings) == 2 and all("posts.jsonl:" in w for w in warnings)
    with pytest.raises(qt.InputError, match="no such source file"):
        qt.read_sources([tmp_path / "missing.jsonl"])


def test_reports_of_one_statement_in_different_words_are_one_statement(story: qt.Trace) -> None:
    def statement_of(needle: str) -> str | None:
        return next(q.statement for q in story.quotes if needle in q.text and q.kind == "indirect")

    # the captured soldier, reported by four outlets: "just training", "a training exercise", "unaware"
    assert statement_of("told him it was just training") == statement_of("he believed he was on a training exercise")
    assert statement_of("he was unaware of being deployed") == statement_of("he had been told he was on a training")
    # the offer, reported as an exchange in one article and quoted in another
    offer = next(q for q in story.quotes if q.text.startswith("Ukraine is ready to hand over") and q.kind == "direct")
    assert statement_of("his nation is willing to exchange") == offer.statement
    # the casualty figures are not his offer
    assert statement_of("300 North Korean soldiers") != offer.statement


def _paraphrase_pairs_by_steps(table: LinkTable) -> set[tuple[int, int]]:
    """Paraphrase blocking as an engine runs it, one pure step at a time (``quotetrace.engine``): the
    reference. The limits are read from the module, so a test may shrink them."""
    keys = [paraphrase_keys(table, i) for i in range(len(table.words))]
    index: dict[SpeakerWord, list[int]] = defaultdict(list)
    for i, own in enumerate(keys):
        for key in own:
            index[key].append(i)
    pairs: set[tuple[int, int]] = set()
    lengths = [len(w) for w in table.words]
    # a posting list longer than MAX_POSTING is never probed; with fresh quotes, only the fresh ones
    # and those holding a key a fresh one holds can make a pair with a fresh quote
    probers: Sequence[int] = range(len(keys))
    if table.fresh is not None:
        held = {
            k for i, own in enumerate(keys) if table.fresh[i] for k in own if len(index[k]) <= provenance.MAX_POSTING
        }
        probers = [i for i, own in enumerate(keys) if table.fresh[i] or not held.isdisjoint(own)]
    for i in probers:
        if not table.indirect[i]:
            continue
        probes, need = paraphrase_probes((len(index[key]), key) for key in keys[i])
        shared: Counter[int] = Counter()
        for key in probes:
            shared.update(j for j in index[key] if j != i)
        pairs.update(paraphrase_partners(i, shared, lengths, need))
    fresh = table.fresh
    if fresh is not None:
        return {(i, j) for i, j in pairs if fresh[i] or fresh[j]}
    return pairs


# a few content words (and function words, which only lengthen a text), so that posting lists grow
# long and quotes tie on shared probes and on length; described speakers all share one key
VOCABULARY = "exchange warriors soldiers Korea prisoners training captured we will the of".split()
SPEAKERS = ["Volodymyr Zelensky", "Kim Jong Un", "the soldier", "The soldier", "one of the men", "", "a witness"]
# (RARE_KEYS, MAX_POSTING, PARAPHRASE_CANDIDATES): the real ones, and small ones that bind
LIMITS = [
    (10, 300, 12),
    (10, 300, 1),
    (1, 2, 1),
    (2, 3, 2),
    (3, 4, 1),
    (2, 6, 3),
    (3, 8, 2),
    (10, 10, 3),
    (0, 5, 2),
    (4, 1, 4),
]


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(VOCABULARY), max_size=8), min_size=1, max_size=8),
    # each quote: its text, speaker, whether reported, fresh, and a copy of its Words rather than a share
    st.lists(
        st.tuples(st.integers(0, 7), st.sampled_from(SPEAKERS), st.booleans(), st.booleans(), st.booleans()),
        min_size=1,
        max_size=24,
    ),
    st.booleans(),
    st.sampled_from(LIMITS),
)
@example(  # ties on shared probes and length: the lower index goes first
    [["exchange", "warriors"]],
    [(0, "Kim Jong Un", True, True, False)] * 4,
    False,
    (10, 300, 2),
)
@example(  # ties on shared probes: the longer quote goes first
    [["exchange", "warriors"], ["exchange", "warriors", "the"]],
    [
        (0, "Kim Jong Un", True, True, False),
        (0, "Kim Jong Un", False, True, False),
        (1, "Kim Jong Un", False, True, False),
    ],
    False,
    (10, 300, 1),
)
@example(  # one probed key: a candidate needs to share just that one
    [["exchange", "Korea"], ["exchange"]],
    [(0, "Kim Jong Un", True, True, False), *[(1, "Kim Jong Un", False, True, False)] * 3],
    False,
    (10, 2, 12),
)
def test_paraphrase_blocking_on_arrays_finds_the_pairs_of_the_engine_steps(
    texts: list[list[str]],
    quotes: list[tuple[int, str, bool, bool, bool]],
    incremental: bool,
    limits: tuple[int, int, int],
) -> None:
    """The paraphrase pairs ``local_pairs`` takes are those of the pure steps, with ties in posting
    length, shared probes and length, probes cut by every limit, and only the fresh quotes' pairs."""
    distinct = [Words.of(" ".join(t)) for t in texts]
    words = tuple(
        Words.of(distinct[k % len(distinct)].text) if copy else distinct[k % len(distinct)] for k, *_, copy in quotes
    )
    table = LinkTable(
        words,
        tuple(indirect for _, _, indirect, _, _ in quotes),
        tuple((0, 0, "", -k) for k in range(len(quotes))),
        tuple(who for _, who, _, _, _ in quotes),
        idf_weights(words),
        tuple(fresh for *_, fresh, _ in quotes) if incremental else None,
    )
    rare_keys, max_posting, candidates = limits
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(provenance, "RARE_KEYS", rare_keys)
        mp.setattr(provenance, "MAX_POSTING", max_posting)
        mp.setattr(provenance, "PARAPHRASE_CANDIDATES", candidates)
        found = provenance._packed_paraphrase_pairs(table)
        expected = _paraphrase_pairs_by_steps(table)
    assert found.dtype == np.int64 and bool(np.all(np.diff(found) > 0))
    assert list(unpack_pairs(found)) == sorted(expected)


def test_verdict_rows_read_their_slice_of_the_columns_as_store_rows() -> None:
    columns = provenance.Verdicts(
        np.array([0, 2, 1]), np.array([1, 0, 2]), np.array([97.5, 80.0, 100.0]),
        np.array([provenance.FIDELITIES.index("truncated"), 0, provenance.FIDELITIES.index("verbatim")], np.int8),
        np.array([0, 3, 0]), np.array([12, 9, 40]), np.array([1.0, 0.5, 1.0]),
    )  # fmt: skip
    ids = np.array(["a#1", "b#2", "c#3"], dtype=object)
    rows = provenance.VerdictRows(columns, ids, 1, 3)
    first = provenance.FIDELITIES[0]
    expected = [("c#3", "a#1", 80.0, first, 3, 9, 0.5), ("b#2", "c#3", 100.0, "verbatim", 0, 40, 1.0)]
    assert list(rows) == expected and len(rows) == 2 and rows[1] == expected[1] and list(rows[::-1]) == expected[::-1]
    assert [type(x) for x in rows[0]] == [str, str, float, str, int, int, float]  # as JSON writes and reads them
    assert list(rows.where(np.array([False, True]))) == expected[1:]
    assert not provenance.VerdictRows(columns, ids, 2, 2)


def test_a_runs_clusters_share_one_copy_of_its_verdicts(seeds_dir: Path) -> None:
    articles = qt.read_articles(seeds_dir)
    quotes = [q for a in articles for q in qt.extract_quotes(a).quotes]
    prov = provenance.link_quotes(quotes, {a.id: a for a in articles}, record=True)
    kept = [c.verdicts for c in prov.clusters if c.verdicts]
    assert kept and all(isinstance(v, provenance.VerdictRows) and v.columns is kept[0].columns for v in kept)
    rows = [row for rows in kept for row in rows]
    assert sorted(prov.verdicts) == sorted(set(rows))
    # a conflict between two groups is kept with both (the seeds have some), any other verdict with its one
    group = {qid: n for n, c in enumerate(prov.clusters) for qid in c.quotes}
    between = {row for row in rows if group[row[0]] != group[row[1]]}
    assert between and Counter(rows) == {row: 1 + (row in between) for row in rows}
    assert all(row[1] in prov.clusters[group[row[0]]].partners for row in between)


def test_renumbering_keeps_every_other_field() -> None:
    """Statements and links are renumbered field by field (quicker than ``dataclasses.replace``): a
    field added to either must be carried too."""
    edit = Edit("replace", 3, 11, "organize", 3, 11, "organise")
    link = Link("q1", "0", 87.5, "variant", (edit,), 3, 40, True)
    stmt = Statement("0", "Zelensky", "text", "q0", ("q0", "q1"), "X", dt.date(2025, 1, 12), True)
    assert provenance._retargeted(link, "S7") == dataclasses.replace(link, target="S7")
    assert provenance._renumbered(stmt, "S7") == dataclasses.replace(stmt, id="S7")
    assert [f.name for f in dataclasses.fields(Link)][-1] == "conflict" and len(dataclasses.fields(Link)) == 8
    assert [f.name for f in dataclasses.fields(Statement)][-1] == "conflict" and len(dataclasses.fields(Statement)) == 8


@given(st.lists(st.integers(0, 6), max_size=40), st.randoms(use_true_random=False))
def test_a_quotes_position_in_its_group_is_its_place_among_the_groups_quotes(groups: list[int], rnd: Any) -> None:
    """``_positions``, on whole columns, is what listing each group's quotes in order says."""
    n = len(groups)
    among = [i for i in range(n) if rnd.random() < 0.7]
    rnd.shuffle(among)
    members: dict[int, list[int]] = defaultdict(list)
    for i in among:
        members[groups[i]].append(i)
    expected = [-1] * n
    for quotes in members.values():
        for k, i in enumerate(quotes):
            expected[i] = k
    got = provenance._positions(np.asarray(among, np.int64), np.asarray(groups, np.int64), n)
    assert got.tolist() == expected


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["direct", "embed"]), st.sampled_from([3, 5]), st.integers(0, 2), st.sampled_from("YZ")
        ),
        min_size=2,
        max_size=7,
    ),
    st.lists(
        st.tuples(
            st.integers(0, 6),
            st.integers(0, 6),
            st.sampled_from(["verbatim", "truncated"]),
            st.sampled_from([90.0, 100.0]),
        ),
        max_size=25,
    ),
)
def test_parents_choose_by_key_and_equal_keys_by_pair_order(
    quotes: list[tuple[str, int, int, str]], pairs: list[tuple[int, int, str, float]]
) -> None:
    """Each reproduction's parent is its verdict of the same speaker with the greatest key (fidelity,
    score, an embedded post, length, earliest); of equal keys the first in pair order, whatever narrowing
    of the sort keys ``_parents`` does, and whichever quotes the verdicts leave out. Few values, so that
    keys tie often."""
    n = len(quotes)
    body = [
        qt.Quote(f"q{i}", f"{day}.txt", 0, size, " ".join(["w"] * size), kind, who)  # type: ignore[arg-type]
        for i, (kind, size, day, who) in enumerate(quotes)
    ]
    words = tuple(Words.of(q.text) for q in body)
    order = {q.id: provenance._precedence(q, {}) for q in body}
    earlier_first = tuple(provenance._neg(order[q.id]) for q in body)
    table = LinkTable(words, (False,) * n, earlier_first, tuple(q.speaker or "" for q in body), {})
    kept = [(o, r, f, s) for o, r, f, s in pairs if o < n and r < n and o != r]
    rows = [provenance.Verdict(o, r, Comparison(s, f, (), 0, 1, 1.0)) for o, r, f, s in kept]  # type: ignore[arg-type]
    best = provenance._parents(body, table, provenance.Verdicts.of(rows))[0]
    expected: dict[int, tuple[tuple[Any, ...], int]] = {}
    for v in rows:  # in pair order: a later verdict takes over only with a greater key
        if body[v.orig].speaker != body[v.rep].speaker:
            continue  # an attribution conflict at most, never a parent
        key = provenance._parent_key(v.comparison, body[v.orig], words[v.orig], earlier_first[v.orig])
        if v.rep not in expected or key > expected[v.rep][0]:
            expected[v.rep] = (key, v.orig)
    assert {rep: orig for rep, (_, orig, _) in best.items()} == {rep: orig for rep, (_, orig) in expected.items()}


@given(st.lists(st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9), st.sampled_from([50.0, 100.0])), max_size=5)))
def test_joined_verdicts_are_the_parts_one_after_another_whether_listed_or_drained(
    parts: list[list[tuple[int, int, float]]],
) -> None:
    """``Verdicts.joined`` reads a list or an iterator alike; ``drained`` gives a list's items in order
    and leaves it empty."""
    chunks = [
        provenance.Verdicts.of(provenance.Verdict(o, r, Comparison(s, "verbatim", (), 0, 1, 1.0)) for o, r, s in part)
        for part in parts
    ]
    expected = provenance.Verdicts.of(
        provenance.Verdict(o, r, Comparison(s, "verbatim", (), 0, 1, 1.0)) for part in parts for o, r, s in part
    )
    assert provenance.Verdicts.joined(chunks) == expected
    listed = list(chunks)
    assert provenance.Verdicts.joined(provenance.drained(listed)) == expected
    assert listed == []


@given(st.lists(st.tuples(st.integers(0, 3), st.sampled_from([40.5, 61.0, 100.0]), st.integers(-2, 2)), max_size=30))
def test_dense_ranks_order_rows_as_their_tuples_do(rows: list[tuple[int, float, int]]) -> None:
    """``_dense_rank`` numbers rows so that comparing numbers says what comparing the rows as tuples says
    (``np.lexsort``'s order: the last key first), equal rows included."""
    keys = [
        np.array([row[2] for row in rows], np.int64),
        np.array([row[1] for row in rows], np.float64),
        np.array([row[0] for row in rows], np.int8),
    ]
    rank = provenance._dense_rank(keys).tolist()
    for i, x in enumerate(rows):
        for j, y in enumerate(rows):
            assert (rank[i] < rank[j]) == (x < y)
            assert (rank[i] == rank[j]) == (x == y)


_POST = (
    "In addition to the first captured soldiers from North Korea, there will undoubtedly be more. It’s only a "
    "matter of time before our troops manage to capture others."
)
_OFFER = "Ukraine is ready to hand over Kim Jong Un's soldiers to him if he can organize their exchange."
# reprints, cuts, re-spellings and a longer saying that shares a cut: links, two statements in one group,
# and (under two speakers) attribution conflicts between groups
_TEXTS = (
    _POST,
    _POST.split(".")[0] + ".",
    _POST.replace("organize", "organise").replace("It’s", "It is"),
    "there will undoubtedly be more",
    "Soon there will undoubtedly be more prisoners of war to exchange for our people",
    _OFFER,
    _OFFER.replace("organize", "organise"),
    "hand over Kim Jong Un's soldiers to him",
)
_SPEAKERS = ("Volodymyr Zelensky", "Kim Jong Un", "the soldier", "a soldier")
_KINDS = ("direct", "direct", "indirect", "embed")
_RUN = st.lists(
    st.tuples(
        st.integers(0, len(_TEXTS) - 1),
        st.sampled_from(_SPEAKERS),
        st.integers(0, 4),  # the article
        st.sampled_from(("first", "both", "later", "respoken")),
        st.sampled_from(_KINDS),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=150, deadline=None)
@given(_RUN, st.booleans())
def test_linking_on_a_prior_run_gives_the_full_result_whatever_changed(
    quotes: list[tuple[int, str, int, str, str]], again: bool
) -> None:
    """Quotes added, gone and given another speaker between two runs, attribution conflicts within and
    between linked groups, reprints whose first copy comes, goes or changes speaker: linking on the first
    run's groups gives what linking everything gives (and so does a third run on the second's)."""
    made = [
        qt.Quote(f"q{k}", f"{article}.txt", k, k + len(_TEXTS[t]), _TEXTS[t], kind, who)  # type: ignore[arg-type]
        for k, (t, who, article, _, kind) in enumerate(quotes)
    ]
    other = {_SPEAKERS[0]: _SPEAKERS[1], _SPEAKERS[1]: _SPEAKERS[0], _SPEAKERS[2]: _SPEAKERS[0]}
    first = [q for q, (*_, when, _) in zip(made, quotes, strict=True) if when in ("first", "both", "respoken")]
    later = [
        dataclasses.replace(q, speaker=other.get(q.speaker or "", _SPEAKERS[2])) if when == "respoken" else q
        for q, (*_, when, _) in zip(made, quotes, strict=True)
        if when != "first"
    ]
    before = provenance.link_quotes(first, {}, record=True)
    prior = before.prior()
    step = provenance.link_quotes(later, {}, prior=prior, record=True)
    full = provenance.link_quotes(later, {}, record=True)
    assert _unnamed(step) == _unnamed(full)
    _assert_ids_kept(before, step)
    # the same groups, each keeping the same verdicts (a conflict between two groups with both), once each
    assert sorted(map(_kept, step.clusters)) == sorted(map(_kept, full.clusters))
    if again:  # nothing new: every group is taken as it was, partners and all, ids too
        third = provenance.link_quotes(later, {}, prior=step.prior(prior), record=True)
        assert (third.statements, third.links, third.numbered) == (step.statements, step.links, step.numbered)


# the same words in another case and with other quotation marks: reprints of the texts above
_REPRINTS = (*_TEXTS, _TEXTS[0].upper(), _OFFER.replace("'", "’").rstrip("."))


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, len(_REPRINTS) - 1),
            st.sampled_from(_SPEAKERS),
            st.integers(0, 4),
            st.sampled_from(_KINDS),
        ),
        min_size=1,
        max_size=16,
    )
)
def test_reprints_paired_through_their_first_copy_link_as_every_pair_would(
    quotes: list[tuple[int, str, int, str]],
) -> None:
    """A quote in the same words as another, under its speaker and of its kind, is paired with the first
    of them and with what that first copy meets in the same words or in an attribution conflict, not with
    every other copy (``provenance.Reprints``): the statements and links are those of pairing all copies."""
    made = [
        qt.Quote(f"q{k}", f"{article}.txt", k, k + len(_REPRINTS[t]), _REPRINTS[t], kind, who)  # type: ignore[arg-type]
        for k, (t, who, article, kind) in enumerate(quotes)
    ]
    through_leads = provenance.link_quotes(made, {})
    alone = provenance.reprints

    def every_quote_a_lead(table: LinkTable) -> provenance.Reprints:
        return alone(table)._replace(lead=np.arange(len(table.words)))

    with mock.patch.object(provenance, "reprints", every_quote_a_lead):
        every_pair = provenance.link_quotes(made, {})
    assert (through_leads.statements, through_leads.links) == (every_pair.statements, every_pair.links)


def test_a_statement_quoted_by_more_articles_than_blocking_counts_stays_one() -> None:
    """Blocking leaves out words more than ``match.MAX_DF`` quotes hold, as boilerplate: the copies of a
    post reprinted by 1,500 articles count once (bench/syndication.py), and stay one statement."""
    cut = " ".join(_OFFER.split()[:9])
    made = [
        qt.Quote(f"q{k}", f"{k:04d}.txt", 0, 90, _OFFER if k % 3 else cut, "direct", "Volodymyr Zelensky")
        for k in range(1500)
    ]
    prov = provenance.link_quotes(made, {})
    assert len(prov.statements) == 1
    assert prov.statements[0].text == _OFFER and prov.statements[0].origin == "q1"
    parents = {lk.source: lk for lk in prov.links if not lk.target.startswith("S")}
    assert len(parents) == 1499
    # each copy under the first copy of its words, the first cut under the first whole post
    assert parents.pop("q0").target == "q1"
    assert {(made[int(src[1:])].text, lk.target, lk.fidelity) for src, lk in parents.items()} == {
        (_OFFER, "q1", "verbatim"),
        (cut, "q0", "verbatim"),
    }


def _unnamed(prov: provenance.Provenance) -> tuple[list[Any], list[Any]]:
    """The statements and links of ``prov`` with each statement id replaced by its quotes, in order."""
    named = {st.id: st.quotes for st in prov.statements}
    statements = [dataclasses.replace(st, id="") for st in prov.statements]
    links = [(lk.source, named.get(lk.target, lk.target), dataclasses.replace(lk, target="")) for lk in prov.links]
    return statements, links


def _assert_ids_kept(before: provenance.Provenance, after: provenance.Provenance) -> None:
    """Statement ids are stable: a statement with the same quotes keeps its id, an id of ``before`` in
    ``after`` names a statement with a quote of the one it named then, and new ones are numbered above."""
    then = {st.id: set(st.quotes) for st in before.statements}
    same = {st.quotes: st.id for st in before.statements}
    ids = [st.id for st in after.statements]
    assert len(set(ids)) == len(ids)
    assert after.numbered >= before.numbered and all(1 <= int(sid[1:]) <= after.numbered for sid in ids)
    for stmt in after.statements:
        if stmt.quotes in same:
            assert stmt.id == same[stmt.quotes]
        if stmt.id in then:
            assert then[stmt.id] & set(stmt.quotes)
        else:
            assert int(stmt.id[1:]) > before.numbered


def _kept(c: provenance.Cluster) -> tuple[tuple[str, ...], tuple[str, ...], list[Any]]:
    return tuple(sorted(c.quotes)), tuple(sorted(c.partners)), sorted(c.verdicts)
