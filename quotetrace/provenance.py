"""Provenance: quotes -> original statements, each quote with one best parent.

The MemeTracker/NIFTY rule: a reproduction links to the longer quote it was most
plausibly taken from (shorter to longer), so each quote has at most one parent and
the links form a forest; each tree is one original statement. Quotes with the same
words and different speakers are never merged silently: a reproduction is linked to
the best version another speaker is given, flagged as an attribution conflict (one such
link, however many names the words travel under), and both statements are flagged.

The statement's origin is the best primary evidence in the corpus: an embedded post,
else the most complete quotation, earliest first.

A syndicated story repeats one quote's words under one speaker in hundreds of articles. Only
the first of such copies is blocked (``Reprints``); every other copy is paired with it and with
the few quotes that may be a better parent, so linking concludes what pairing every copy with
every other would, in pairs linear in the number of copies.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from itertools import chain, pairwise
from typing import Any, NamedTuple, Protocol, TypeVar, overload

import numpy as np

from quotetrace.compiled import jit
from quotetrace.match import (
    QUOTED_MIN_WORDS,
    Comparison,
    Words,
    compare,
    compared_fields,
    consensus,
    content_paraphrase,
    distinct,
    idf_weights,
    packed_candidate_pairs,
    packed_pairs,
    shared_rows,
    unpack_pairs,
)
from quotetrace.memory import release
from quotetrace.model import FIDELITIES, Fidelity, Link, Quote, Statement
from quotetrace.progress import OnProgress
from quotetrace.semantic import Embedder

_FIDELITY_RANK = {"verbatim": 4, "variant": 3, "truncated": 3, "altered": 2, "paraphrase": 1}
# A quotation this short ("confirmed", "self destruct") says too little to link across
# speakers: it links only to quotes of the same speaker.
SHORT_WORDS = 4
# Above this score a match between different speakers is an attribution conflict, not chance.
CONFLICT_SCORE = 90.0

# A verified pair as a store keeps it: (original id, reproduction id, score, fidelity, a_start, a_end,
# coverage), the fields of its ``Comparison`` without the word diff.
VerdictRow = tuple[str, str, float, Fidelity, int, int, float]
ComparisonFields = tuple[float, Fidelity, int, int, float]  # a VerdictRow without its two ids
T = TypeVar("T")


class Dated(Protocol):
    """What linking reads of an article: its date (an ``Article`` is one). A store's trace links
    without holding the articles' text (see ``pipeline.stored_trace``)."""

    @property
    def date(self) -> dt.date | None: ...


def _fields(cmp: Comparison) -> ComparisonFields:
    return (cmp.score, cmp.fidelity, cmp.a_start, cmp.a_end, cmp.coverage)


@dataclasses.dataclass(frozen=True, slots=True)
class Cluster:
    """Quotes that links join into one connected group, as one linking assembled them.

    Linking is a function of each such group and of the attribution conflicts of its quotes:
    no statement or link between two quotes of one speaker ever spans two groups. A conflict (the
    same words under two speakers) may: the reproduction's conflict link and both statements'
    flags are all it decides, and a conflict joining groups would join every name that syndicated
    words travel under into one group, which an incremental run would assemble again whenever
    any of them is quoted anew. An incremental run (see ``PriorLinks``) takes a group as it was
    unless something it was assembled from changed: a quote or a conflict partner gone or fresh, or
    a new link or conflict of one of its quotes.

    ``statements`` carry the ids the run gave them corpus-wide (see ``link_quotes``), and
    ``statement_links`` name them so. ``verdicts`` are the verified pairs that count
    among the quotes and between one of them and a ``partners`` quote of another group (a conflict,
    kept with both groups) (``VerdictRow``); a group read back from a store (``key``, its row
    there) leaves them there until it must be assembled again.
    """

    quotes: tuple[str, ...]
    statements: tuple[Statement, ...]
    links: tuple[Link, ...]  # from one of its quotes: reproductions and attribution conflicts
    statement_links: tuple[Link, ...]  # each member against its statement
    verdicts: Sequence[VerdictRow] = ()
    key: int | None = None
    partners: tuple[str, ...] = ()  # quotes of other groups its conflicts name


@dataclasses.dataclass(frozen=True, slots=True)
class Provenance:
    """The statements, the links between quotes, and the quotes with their statement ids set.

    When asked to ``record``: ``verdicts`` are the pairs this linking verified that count (those
    taken from ``prior`` left out, and those of two speakers that are no attribution conflict, which
    decide nothing), ``clusters`` every group of linked quotes (those taken whole from
    ``prior`` keep their ``key``), and ``settled`` the speaker of every quote that was linked:
    what the next run's ``PriorLinks`` is made of (``prior()``). ``numbered`` is the highest statement
    number given so far (``S1``, ``S2``, ...), by this run or by those it built on. ``kept`` are the
    clusters taken whole from ``prior`` and left unread (``link_quotes(whole=False)``): their statements
    and links are not in ``statements`` and ``links``, and the quotes are not stamped with them.
    """

    quotes: tuple[Quote, ...]
    statements: tuple[Statement, ...]
    links: tuple[Link, ...]
    verdicts: Sequence[VerdictRow] = ()
    settled: Mapping[str, str] = dataclasses.field(default_factory=dict)
    clusters: tuple[Cluster, ...] = ()
    numbered: int = 0
    kept: tuple[Cluster, ...] = ()

    def prior(self, before: PriorLinks | None = None) -> PriorLinks:
        """What the next run builds on, in memory; ``before`` is the prior this run was given, which
        still holds the verdicts of the clusters taken from it."""
        return PriorLinks(dict(self.settled), self.clusters, _in_memory(before), numbered=self.numbered)


def _in_memory(before: PriorLinks | None) -> Callable[[Sequence[Cluster]], Iterable[ClusterVerdicts]]:
    def verdicts(clusters: Sequence[Cluster]) -> Iterator[ClusterVerdicts]:
        stored = [c for c in clusters if not c.verdicts and c.key is not None]
        if stored and before is not None:
            yield from before.verdicts(stored)
        for c in clusters:
            if c.verdicts:
                yield c, cluster_verdicts(c)

    return verdicts


def cluster_verdicts(c: Cluster) -> Verdicts:
    """The verdicts of ``c`` as columns whose ``orig`` and ``rep`` are positions in ``c.quotes`` followed
    by ``c.partners``: what a store keeps of them, and what ``PriorLinks.verdicts`` gives back."""
    rows = c.verdicts
    if isinstance(rows, VerdictRows) and rows.local is not None:
        where = rows.at()
        orig, rep = rows.local
        return dataclasses.replace(
            rows.columns.take(where), orig=orig[where].astype(np.int64), rep=rep[where].astype(np.int64)
        )
    at = {qid: k for k, qid in enumerate((*c.quotes, *c.partners))}
    listed = list(rows)
    return Verdicts._from(
        [at[r[0]] for r in listed], [at[r[1]] for r in listed], [r[2:] for r in listed], np.arange(len(listed))
    )


def _statement_of(clusters: Iterable[Cluster]) -> dict[str, str]:
    """The id of the statement each quote of ``clusters`` is in, from the statements they hold."""
    return {qid: st.id for c in clusters for st in c.statements for qid in st.quotes}


@dataclasses.dataclass(frozen=True, slots=True)
class PriorLinks:
    """What an earlier linking of the same corpus found, so that linking again after articles
    were added does only the work the new quotes make.

    ``speakers`` maps each quote linked then to the speaker it was linked under, and ``clusters``
    are the groups of quotes that linking assembled (see ``Cluster``). A quote of this run is
    *settled* when it is in a cluster and in ``speakers`` with the same speaker: every candidate
    pair of two settled quotes was verified then. Every other quote is *fresh*: its pairs are found
    and verified as in a full run (a quote whose speaker changed, say because a new article tied two
    names to one person, may now meet reports of that person it never met). A cluster that nothing
    it was assembled from has changed for (see ``Cluster``) is taken as it was; the others are
    assembled again from their verdicts (``verdicts(clusters)`` yields those of the clusters given,
    positions in their quotes and partners) and the new ones.

    ``clusters`` may come without their statements and links (a store reads those only for the
    clusters taken as they were, once the others are assembled): ``assembled(clusters)`` gives
    them whole, in the order given, and ``statement_ids(clusters)`` the id of the statement each of
    their quotes was in. ``numbered`` is the highest statement number given by then: a statement
    keeps its id from run to run (see ``link_quotes``), and a new one is numbered above it.

    So two things can differ from a full run: the word weights (``idf_weights``) reported speech is
    compared with, computed then on a smaller corpus, and the probes of settled quotes
    (``match.probe_keys``), chosen then by rarity in that corpus.
    """

    speakers: Mapping[str, str]
    clusters: Sequence[Cluster]
    verdicts: Callable[[Sequence[Cluster]], Iterable[ClusterVerdicts]]
    assembled: Callable[[Sequence[Cluster]], Sequence[Cluster]] = tuple
    statement_ids: Callable[[Sequence[Cluster]], Mapping[str, str]] = _statement_of
    numbered: int = 0


def link_quotes(
    quotes: Sequence[Quote],
    articles: Mapping[str, Dated],
    *,
    primary: Collection[str] = (),
    semantic: Embedder | None = None,
    engine: PairFinder | None = None,
    on_progress: OnProgress | None = None,
    prior: PriorLinks | None = None,
    record: bool = False,
    stamp: bool = True,
    whole: bool = True,
) -> Provenance:
    """Cluster ``quotes`` into statements and link each reproduction to its parent.

    ``primary`` names articles that are source documents a user supplied (the original
    post's text): their quotes are the origin of any statement they belong to. With a
    ``semantic`` embedder (see ``quotetrace.semantic``), reported speech that shares too few
    words with any quotation is linked by meaning when one statement clearly stands out.
    ``engine`` finds and verifies the candidate pairs (see ``quotetrace.engine``); by
    default, in this process. ``on_progress(stage, done, total)`` hears "pairs verified".
    With ``prior`` (what an earlier run found, see ``PriorLinks``), only the pairs with a
    fresh quote are found and verified, and only the clusters they reach are assembled again.
    ``record=True`` keeps the verdicts and clusters for a store (a large story's run has many
    millions of verdicts, so they are left out otherwise). ``stamp=False`` leaves the quotes as
    they were given (``Provenance.quotes``), without their statement ids, which the statements
    list: a large story's quotes are not copied. ``whole=False`` leaves the clusters taken whole from
    ``prior`` unread (``Provenance.kept``): a store writes their statements and links as it keeps
    them (see ``pipeline.StoredTrace``).

    Statements are numbered ``S1``, ``S2``, ... in reading order of their first quote. On a prior
    run a statement keeps its id: one taken whole keeps it as it was, and one assembled again takes
    the id of the earlier statement it shares the most quotes with (each id once). The others, new,
    are numbered in reading order above the highest number given before, so an id never moves to
    another statement, and once its statement is gone it is not given again. The statements and
    links are what linking everything afresh gives, but for their ids.
    """
    body = [q for q in quotes if q.section == "body" and q.speaker is not None and q.speech]
    known: dict[str, Words] = {}  # a reprinted quote's words are read once
    words = [known.get(q.text) or known.setdefault(q.text, Words.of(q.text)) for q in body]
    order = {q.id: _precedence(q, articles) for q in body}
    inverted: dict[str, str] = {}  # each article's id inverted once, shared by its quotes
    earlier_first = {qid: _neg(key, inverted) for qid, key in order.items()}  # computed once: compared often
    index = {q.id: i for i, q in enumerate(body)}

    idf = idf_weights(words)
    table = LinkTable(
        tuple(words),
        tuple(q.kind == "indirect" for q in body),
        tuple(earlier_first[q.id] for q in body),
        tuple(q.speaker or "" for q in body),
        idf,
    )
    del known, earlier_first  # the table holds what linking reads of them
    copies = reprints(table)
    fresh = None if prior is None else _fresh(body, prior, index, copies)
    if fresh is not None:
        table = dataclasses.replace(table, fresh=fresh)
    if fresh is not None and not any(fresh):
        verdicts = Verdicts.of(())  # nothing new: every pair was verified then, and no blocking finds one
    else:
        verdicts = _verified(table, copies, engine or LOCAL, on_progress)
    del copies
    release()  # blocking's arrays, freed: back to the system before assembly allocates its own
    reused: list[Cluster] = []
    redo: list[Cluster] = []
    among: Sequence[int] = range(len(body))
    if prior is not None and fresh is not None:
        linking, conflict = _counting(verdicts, _named(body, table, verdicts))
        reused, redo = _reusable(prior, index, fresh, verdicts, linking, conflict, redo_all=semantic is not None)
        del linking, conflict
        taken = {index[qid] for c in reused for qid in c.quotes}
        among = [i for i in range(len(body)) if i not in taken]
        verdicts = _with_settled(verdicts, index, fresh, prior.verdicts(redo))
    chosen = [_parents(body, table, verdicts)]
    del verdicts  # millions in a large story: gone before the statements are made
    release()
    # handed over, not kept here: _assemble drops what chose the parents once the links are made
    parts, used = _assemble(body, words, idf, table, chosen.pop(), among, order, articles, primary, semantic)
    earlier = prior.statement_ids(redo) if prior is not None and redo else {}
    parts, numbered = _with_ids(parts, order, earlier, prior.numbered if prior is not None else 0)
    del earlier
    counted = [used]  # handed over: _clusters lets the verdicts go once it has them in rows by group
    del used
    new, verified = _clusters(body, among, parts, counted) if record else ([], None)
    del counted
    if prior is not None and whole:
        reused = list(prior.assembled(reused))  # read only now, after the largest part of the work
    statements, links = _listed(parts, reused if whole else (), order)
    if stamp:
        statement_of = {qid: st.id for st in statements for qid in st.quotes}
        out = tuple(dataclasses.replace(q, statement=statement_of.get(q.id)) for q in quotes)
    else:
        out = tuple(quotes)
    settled = {q.id: q.speaker for q in body if q.speaker is not None}
    computed = _computed(verified, fresh)
    kept = () if whole else tuple(reused)
    return Provenance(out, statements, links, computed, settled, (*new, *reused) if record else (), numbered, kept)


def _computed(verified: VerdictRows | None, fresh: Sequence[bool] | None) -> Sequence[VerdictRow]:
    """What a run verified: every verdict of the clusters it assembled, once (``_clusters``), those with a
    fresh quote when it built on a prior run (the columns the clusters share, never copied as tuples)."""
    if verified is None:
        return ()
    if fresh is None:
        return verified
    flags = np.fromiter(fresh, np.bool_, len(fresh))
    at = verified.at()
    return verified.where(flags[verified.columns.orig[at]] | flags[verified.columns.rep[at]])


def _fresh(body: Sequence[Quote], prior: PriorLinks, index: Mapping[str, int], copies: Reprints) -> tuple[bool, ...]:
    """Whether each quote is fresh (see ``PriorLinks``): new, re-spoken, or in no cluster of ``prior``;
    and every quote of a group of reprints (``Reprints``) that such a quote joined, or that a quote
    left since (gone, or under another speaker now): the group's lead may be another, and only its
    lead's pairs were found then."""
    n = len(body)
    clustered: set[str] = set()
    left = np.zeros(len(copies.codes), np.bool_)  # by group
    for c in prior.clusters:
        clustered.update(c.quotes)
        at = [index.get(qid) for qid in c.quotes]
        if None in at:  # a quote gone: which group it was in is not known, so every group of its cluster
            left[copies.group[[i for i in at if i is not None]]] = True
    own = np.fromiter((prior.speakers.get(q.id) != q.speaker or q.id not in clustered for q in body), np.bool_, n)
    left[copies.group[own]] = True
    for i in np.flatnonzero(own).tolist():
        before = prior.speakers.get(body[i].id)
        if before is not None and body[i].id in clustered:  # re-spoken: the group it left
            g = copies.group_of(i, before)
            if g is not None:
                left[g] = True
    return tuple((own | left[copies.group]).tolist())


def _reusable(
    prior: PriorLinks,
    index: Mapping[str, int],
    fresh: Sequence[bool],
    verdicts: Verdicts,
    linking: np.ndarray,
    conflict: np.ndarray,
    *,
    redo_all: bool,
) -> tuple[list[Cluster], list[Cluster]]:
    """The clusters of ``prior`` taken as they were, and those to assemble again (see ``Cluster``): any
    with a quote or a conflict partner that is gone or fresh now, and any with a quote that a new link
    or conflict (``verdicts`` where ``linking`` or ``conflict``) names. So a cluster keeps every
    conflict of its quotes with its own verdicts. Linking by meaning (``redo_all``) may join any two,
    so then every cluster is assembled again."""
    cluster_of: dict[int, int] = {}
    redo: set[int] = set()
    for n, c in enumerate(prior.clusters):
        for qid in c.quotes:
            i = index.get(qid)
            if i is None or fresh[i]:
                redo.add(n)
            else:
                cluster_of[i] = n
        for qid in c.partners:
            i = index.get(qid)
            if i is None or fresh[i]:
                redo.add(n)
    counts = linking | conflict
    for i in np.concatenate([verdicts.orig[counts], verdicts.rep[counts]]).tolist():
        if i in cluster_of:
            redo.add(cluster_of[i])
    if redo_all:
        redo = set(range(len(prior.clusters)))
    return (
        [c for n, c in enumerate(prior.clusters) if n not in redo],
        [c for n, c in enumerate(prior.clusters) if n in redo],
    )


def _with_settled(
    verdicts: Verdicts,
    index: Mapping[str, int],
    fresh: Sequence[bool],
    prior: Iterable[ClusterVerdicts],
) -> Verdicts:
    """``verdicts`` (the pairs with a fresh quote) and the ``prior`` verdicts of two settled quotes,
    in pair order, as an engine returns them all. A conflict between two clusters comes with both:
    it is taken once."""
    flags = np.fromiter(fresh, np.bool_, len(fresh))
    parts = [verdicts]
    for c, local in prior:
        at = np.fromiter((index.get(qid, -1) for qid in chain(c.quotes, c.partners)), np.int64)
        orig, rep = at[local.orig], at[local.rep]
        keep = (orig >= 0) & (rep >= 0)
        keep[keep] = ~flags[orig[keep]] & ~flags[rep[keep]]
        parts.append(dataclasses.replace(local.take(keep), orig=orig[keep], rep=rep[keep]))
    joined = Verdicts.joined(drained(parts))
    _, first = np.unique((joined.orig << 32) | joined.rep, return_index=True)
    if len(first) < len(joined):
        joined = joined.take(np.sort(first))
    return joined.in_pair_order()


# ---------------------------------------------------------------- reprints
#
# A syndicated statement is quoted in the same words, under the same speaker, by hundreds of
# articles. The best parent of each such copy is the first of them (a verbatim match beats any
# other, and of equals the embedded post, then the earliest: ``_parent_key``), so blocking needs
# only that first copy, its group's lead. Every other copy is paired with its lead, and with the
# quotes that its lead meets in the same words (another speaker's, reported speech of them) or in
# an attribution conflict, the only pairs in which a copy's own verdict can count. Pairing every
# copy with every other made a statement quoted by n articles cost n squared pairs, and past
# ``match.MAX_DF`` copies blocking took its words for boilerplate and its copies fell apart
# (bench/syndication.py).


class Reprints(NamedTuple):
    """The quotes of a ``LinkTable`` grouped by their words (as compared: ``Words.norm``), speaker and
    kind (reported speech or not). ``lead[i]`` is the first quote of ``i``'s group in reading order
    (``i`` itself for a lead; of quotes at one place, the lowest index); ``group[i]`` is its group, the
    place of its ``code`` in ``codes``."""

    lead: np.ndarray
    group: np.ndarray
    codes: np.ndarray  # each group's code, sorted: (norm * speakers + speaker) * 2 + indirect
    norm: np.ndarray  # by quote: a number per distinct sequence of words
    speaker: np.ndarray  # by quote: a number per speaker
    unnamed: np.ndarray  # by speaker number: a description, not a name (``_unnamed``)
    names: Mapping[str, int]  # the speaker numbers
    indirect: np.ndarray  # by quote

    def group_of(self, i: int, speaker: str) -> int | None:
        """The group quote ``i``'s words and kind are in under ``speaker``, if any quote is."""
        who = self.names.get(speaker)
        if who is None:
            return None
        code = (int(self.norm[i]) * len(self.names) + who) * 2 + int(self.indirect[i])
        g = int(np.searchsorted(self.codes, code))
        return g if g < len(self.codes) and self.codes[g] == code else None


def reprints(table: LinkTable) -> Reprints:
    """The groups of reprints of ``table``'s quotes, and their leads (see ``Reprints``)."""
    n = len(table.words)
    owner, rows = shared_rows(table.words)
    numbered: dict[tuple[str, ...], int] = {}
    norm = np.fromiter((numbered.setdefault(w.norm, len(numbered)) for w in rows), np.int64, len(rows))[owner]
    del numbered, rows, owner
    names: dict[str, int] = {}
    speaker = np.fromiter((names.setdefault(s, len(names)) for s in table.speakers), np.int64, n)
    unnamed = np.fromiter(map(_unnamed, names), np.bool_, len(names))
    indirect = np.fromiter(table.indirect, np.bool_, n)
    code = (norm * len(names) + speaker) * 2 + indirect
    order = np.argsort(code, kind="stable")
    opens = np.ones(n, np.bool_)
    opens[1:] = code[order][1:] != code[order][:-1]
    starts = np.flatnonzero(opens)
    size = np.diff(np.append(starts, n))
    group = np.empty(n, np.int64)
    group[order] = np.repeat(np.arange(len(starts)), size)
    lead = np.arange(n)
    members = order[np.repeat(size > 1, size)]  # the quotes of groups of more than one, group by group
    if len(members):
        g = group[members]
        earlier = _earlier_rank([table.earlier_first[i] for i in members.tolist()])  # greater is earlier
        by = np.lexsort((members, -earlier, g))
        first = by[np.append(True, g[by][1:] != g[by][:-1])]
        lead_of = np.empty(len(starts), np.int64)
        lead_of[g[first]] = members[first]
        lead[members] = lead_of[g]
    return Reprints(lead, group, code[order][starts], norm, speaker, unnamed, names, indirect)


def _verified(table: LinkTable, copies: Reprints, engine: PairFinder, on_progress: OnProgress | None) -> Verdicts:
    """Every verified pair of ``table``, in pair order: those of the leads, found and verified by
    ``engine``, then those the copies take part in (``_inherited_pairs``), verified here."""
    n = len(table.words)
    leads = np.flatnonzero(copies.lead == np.arange(n))
    if len(leads) == n:
        return engine.verified_pairs(table, on_progress=on_progress)
    fresh = table.fresh
    sub = table.part(leads.tolist())
    found = engine.verified_pairs(sub, on_progress=on_progress)
    del sub
    # leads are numbered in order, so their pairs keep their order
    found = found.renumbered(leads)
    pairs = _inherited_pairs(table, copies, found)
    if fresh is not None:  # those of two settled quotes were verified then (see ``PriorLinks``)
        flags = np.fromiter(fresh, np.bool_, n)
        pairs = pairs[flags[pairs >> 32] | flags[pairs & 0xFFFFFFFF]]
    inherited = verify_pairs(table, unpack_pairs(pairs))
    return _merged(found, inherited)


def _merged(a: Verdicts, b: Verdicts) -> Verdicts:
    """The verdicts of ``a`` and ``b``, each in pair order and with no pair in common, as one in pair order:
    each column made once (joining, then sorting, held a story's millions of verdicts three times)."""
    at = np.searchsorted(packed_pairs(a.orig, a.rep), packed_pairs(b.orig, b.rep)) + np.arange(len(b))  # b's places
    from_a = np.ones(len(a) + len(b), np.bool_)
    from_a[at] = False
    columns = []
    for name in _COLUMNS:
        x, y = getattr(a, name), getattr(b, name)
        out = np.empty(len(x) + len(y), x.dtype)
        out[from_a] = x
        out[at] = y
        columns.append(out)
    return Verdicts(*columns)


def _inherited_pairs(table: LinkTable, copies: Reprints, found: Verdicts) -> np.ndarray:
    """The pairs of the quotes that are not leads (``Reprints``), packed (``match.pack_pairs``): each with
    its lead; with the leads in the same words that may be a better parent (``_family_pairs``); and with
    the quotes in other words its lead is paired with in a possible attribution conflict (``found``: two
    speakers, not both described, not a paraphrase, a score of at least ``CONFLICT_SCORE``)."""
    n = len(copies.lead)
    copy = np.flatnonzero(copies.lead != np.arange(n))
    by_lead = copy[np.argsort(copies.lead[copy], kind="stable")]
    parts = [packed_pairs(copies.lead[copy], copy), _family_pairs(table, copies, copy)]
    o, r = found.orig, found.rep
    so, sr = copies.speaker[o], copies.speaker[r]
    conflict = np.flatnonzero(
        (copies.norm[o] != copies.norm[r])
        & (so != sr)
        & ~(copies.unnamed[so] & copies.unnamed[sr])
        & (found.fidelity != _FIDELITY_CODE["paraphrase"])
        & (found.score >= CONFLICT_SCORE)
    )
    o, r = o[conflict], r[conflict]
    # a copy of the reproduction reproduces the original as its lead does; a copy of the original is the
    # other's original only when the two are as long, and then which is earlier decides the way round
    long = np.fromiter((len(table.words[i]) for i in o.tolist()), np.int64, len(o))
    same = long == np.fromiter((len(table.words[i]) for i in r.tolist()), np.int64, len(r))
    for of, other in ((r, o), (o[same], r[same])):
        members, leads = _members(by_lead, copies.lead[by_lead], of)
        parts.append(packed_pairs(members, np.repeat(other, leads)))
    return distinct(np.concatenate(parts))


def _members(items: np.ndarray, keys: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The ``items`` whose key (``keys``, sorted) is each of ``wanted`` in turn, and how many each has."""
    lo = np.searchsorted(keys, wanted, side="left")
    count = np.searchsorted(keys, wanted, side="right") - lo
    first = np.cumsum(count) - count
    return items[np.repeat(lo - first, count) + np.arange(int(count.sum()))], count


def _family_pairs(table: LinkTable, copies: Reprints, copy: np.ndarray) -> np.ndarray:
    """The pairs of the ``copy`` quotes with the leads of other groups in the same words (another
    speaker, the other kind) that may be their best parent, packed.

    All such pairs are verbatim, so a copy's best parent of one speaker, or best version under another
    speaker, is the first of those leads that may be its original (of its kind and earlier, or a
    quotation when the copy is reported speech). So, of each kind: for a copy of a named speaker the
    earliest two leads (one of them another speaker's); for a described speaker's ("the soldier") the
    earliest two of named speakers (an attribution conflict) and of described ones (two descriptions may
    be one person); and its own speaker's lead of the other kind. A handful of pairs a copy, however many
    speakers the words travel under.
    """
    n = len(copies.lead)
    leads = np.flatnonzero(copies.lead == np.arange(n))
    held = np.bincount(copies.norm[leads], minlength=n)  # leads per sequence of words
    copy = copy[held[copies.norm[copy]] > 1]
    shared = leads[held[copies.norm[leads]] > 1]
    if not len(copy):
        return np.empty(0, np.int64)
    earlier = _earlier_rank([table.earlier_first[i] for i in shared.tolist()])  # greater is earlier
    described = copies.unnamed[copies.speaker[shared]]
    unnamed = copies.unnamed[copies.speaker[copy]]
    parts = []
    # a named speaker's copy: any other speaker's words conflict; a described speaker's: a named speaker's
    # conflict, another description's may be the same person's
    for among, of in (
        (np.ones(len(shared), np.bool_), copy[~unnamed]),
        (~described, copy[unnamed]),
        (described, copy[unnamed]),
    ):
        x, e = shared[among], earlier[among]
        family, kind = copies.norm[x], copies.indirect[x]
        by = np.lexsort((x, -e, kind, family))  # by words and kind, the earliest first
        x, family, kind = x[by], family[by], kind[by]
        opens = np.ones(len(x), np.bool_)
        opens[1:] = (family[1:] != family[:-1]) | (kind[1:] != kind[:-1])
        starts = np.flatnonzero(opens)
        place = np.arange(len(x)) - np.repeat(starts, np.diff(np.append(starts, len(x))))
        first_two = place < 2
        found, count = _members(x[first_two], family[first_two], copies.norm[of])
        parts.append(packed_pairs(np.repeat(of, count), found))
    # its own speaker's words of the other kind
    flipped = copies.codes[copies.group[copy]] ^ 1
    g = np.minimum(np.searchsorted(copies.codes, flipped), len(copies.codes) - 1)
    has = copies.codes[g] == flipped
    lead_of = np.empty(len(copies.codes), np.int64)
    lead_of[copies.group[leads]] = leads
    parts.append(packed_pairs(copy[has], lead_of[g[has]]))
    return np.concatenate(parts)


class _Part(NamedTuple):
    """One statement as ``_assemble`` builds it: its members (quote indices), the statement with a
    provisional id ("0"), the links of its members to their parents and to it."""

    members: list[int]
    statement: Statement
    links: list[Link]
    statement_links: list[Link]


def _assemble(
    body: Sequence[Quote],
    words: Sequence[Words],
    idf: Mapping[str, float],
    table: LinkTable,
    chosen: _Chosen,
    among: Sequence[int],
    order: Mapping[str, tuple[int, dt.date, str, int]],
    articles: Mapping[str, Dated],
    primary: Collection[str],
    semantic: Embedder | None,
) -> tuple[list[_Part], Counted]:
    """The statements of the quotes ``among`` (indices into ``body``) from what the verdicts say
    (``_parents``): each reproduction under its one best parent, a tree per statement; and the
    verdicts that count (a pair of two speakers that is no attribution conflict does not)."""
    best, conflicts, conflicted, reported, used = chosen
    del chosen  # its parts are dropped as they are done with
    _adopt_reports(best, reported, table)
    _join_reported_statements(best, reported, table)

    by_meaning = _semantic_parents(body, best, semantic) if semantic is not None else {}
    parent = {rep: orig for rep, (_, orig, _) in best.items()}
    members: dict[int, list[int]] = defaultdict(list)
    for i in among:
        members[_root(i, parent)].append(i)
    quote_links: dict[int, list[Link]] = defaultdict(list)
    diffs: dict[tuple[int, int, bool], Comparison | None] = {}
    for rep, (_, orig, cmp) in best.items():
        diffed = _with_diff(words, orig, rep, cmp, body, idf, diffs)
        quote_links[rep].append(_link(body[rep], body[orig], diffed))
    for rep, (_, orig, cmp) in conflicts.items():
        diffed = _with_diff(words, orig, rep, cmp, body, idf, diffs)
        quote_links[rep].append(_link(body[rep], body[orig], diffed, conflict=True))
    # what chose the parents is done with: gone before the statements, the largest part, are made
    del diffs, best, conflicts, reported, parent

    parts = []
    for group in members.values():
        sid = "0"  # provisional: the run numbers every statement once all are made (``_with_ids``)
        # ties (two quotes of one article at one offset, "her" and "her role in it") go by id: the order
        # must not hang on the order of ``group``, which differs between a full and an incremental run
        origin = min(
            group, key=lambda i: (body[i].article not in primary, _origin_key(body[i], words[i], order), body[i].id)
        )
        in_order = sorted(group, key=lambda i: (order[body[i].id], body[i].id))
        qs = [body[i] for i in in_order]
        o = body[origin]
        channels = Counter(q.channel for q in qs if q.channel)
        text = _statement_text(origin, group, body, words)
        statement = Statement(
            id=sid,
            speaker=o.speaker,
            text=text,
            origin=o.id,
            quotes=tuple(q.id for q in qs),
            channel=o.channel or (channels.most_common(1)[0][0] if channels else None),
            date=_statement_date(o, qs, articles),
            conflict=any(q.id in conflicted for q in qs),
        )
        mine = [lk for i in in_order for lk in quote_links.get(i, ())]
        # most statements are their origin's words: those are read already
        said = words[origin] if text == o.text else Words.of(text)
        to_it = _statement_links(sid, said, o, qs, [words[i] for i in in_order], idf, by_meaning)
        parts.append(_Part(in_order, statement, mine, to_it))
    return parts, used


Best = dict[int, tuple[tuple[Any, ...], int, Comparison]]  # by reproduction: (ranking key, parent, comparison)


class Reported(NamedTuple):
    """Pairs of two reports (``_parents``) as columns: each pair's ranking key as a number (equal keys,
    equal numbers: the order of (fidelity, score, the report's length, then the report's and the other's
    reading order)), the report, and the report it paraphrases. A story has millions of such pairs,
    which as tuples of Python objects took a gigabyte at 100,000 articles."""

    key: np.ndarray
    rep: np.ndarray
    orig: np.ndarray

    def rows(self) -> Iterator[tuple[int, int, int]]:
        return zip(self.key.tolist(), self.rep.tolist(), self.orig.tolist(), strict=True)


_Chosen = tuple[Best, Best, set[str], Reported, "Counted"]  # what ``_parents`` returns


def _parents(body: Sequence[Quote], table: LinkTable, verdicts: Verdicts) -> _Chosen:
    """What the ``verdicts`` say, on whole columns: each reproduction's best parent of its own speaker;
    its best version under another speaker, when the words are an attribution conflict; the quotes
    of such conflicts; the pairs of two reports, the other way round (``_adopt_reports``); and the
    verdicts that count (a pair of two speakers that is no attribution conflict does not).

    "Best" is the greatest ``_parent_key``, and of equal keys the first in pair order (every engine
    returns the same order, so ties go the same way everywhere).
    """
    words, earlier_first = table.words, table.earlier_first
    o, r = verdicts.orig, verdicts.rep
    # what is known of each quote the verdicts name, and only of those: an incremental trace's verdicts
    # name its fresh quotes and the clusters they reach, not the whole story
    who = _named(body, table, verdicts)
    involved, size = who.involved, who.size
    n = len(body)
    at = involved.tolist()
    embed = _spread((body[i].kind == "embed" for i in at), np.bool_, involved, n)
    indirect = _spread((body[i].kind == "indirect" for i in at), np.bool_, involved, n)
    # ranks among the quotes named: only their order sorts the verdicts
    earlier = _spread(_earlier_rank([earlier_first[i] for i in at]), np.int32, involved, n)
    del at
    rank = np.array([_FIDELITY_RANK[f] for f in FIDELITIES], np.int8)[verdicts.fidelity]
    # every conflicting pair is kept, but a reproduction names one other speaker's version:
    # words syndicated under hundreds of names would otherwise give each reprint hundreds
    linking, conflict = _counting(verdicts, who)
    del who

    def best_of(mask: np.ndarray) -> Best:
        # in reverse pair order: the sort is stable, so of equal keys the first in pair order comes last
        # in its reproduction's run, where it is taken (no key column of positions to sort on besides)
        at = np.flatnonzero(mask)[::-1]
        oa, ra = o[at], r[at]
        by = np.lexsort((earlier[oa], size[oa], embed[oa], verdicts.score[at], rank[at], ra))
        del oa
        last = np.ones(len(by), np.bool_)
        last[:-1] = ra[by][1:] != ra[by][:-1]
        out: Best = {}
        chosen = at[by[last]]
        for orig, rep, cmp in zip(o[chosen].tolist(), r[chosen].tolist(), verdicts.comparisons(chosen), strict=True):
            out[rep] = (_parent_key(cmp, body[orig], words[orig], earlier_first[orig]), orig, cmp)
        return out

    conflicted = {body[i].id for i in np.concatenate([o[conflict], r[conflict]]).tolist()}
    both = np.flatnonzero(linking & indirect[o] & indirect[r] & (size[r] >= QUOTED_MIN_WORDS))
    ob, rb = o[both], r[both]
    reported = Reported(_dense_rank((earlier[ob], earlier[rb], size[rb], verdicts.score[both], rank[both])), rb, ob)
    del both, ob, rb
    counts = linking | conflict
    used = Counted(verdicts.take(counts), linking[counts])
    return best_of(linking), best_of(conflict), conflicted, reported, used


class _Named(NamedTuple):
    """What pairing the quotes of ``verdicts`` reads of each (``_named``): columns over the whole body,
    set only for the quotes the verdicts name."""

    involved: np.ndarray  # the quotes named, in order
    speaker: np.ndarray  # a number per speaker
    unnamed: np.ndarray  # a description, not a name ("the soldier")
    size: np.ndarray  # words


def _named(body: Sequence[Quote], table: LinkTable, verdicts: Verdicts) -> _Named:
    """The speaker, description flag and length of each quote the ``verdicts`` name (see ``_Named``)."""
    n = len(body)
    named_in = np.zeros(n, np.bool_)
    named_in[verdicts.orig] = True
    named_in[verdicts.rep] = True
    involved = np.flatnonzero(named_in)
    at = involved.tolist()
    speaker_ids: dict[str | None, int] = {}
    speaker = _spread((speaker_ids.setdefault(body[i].speaker, len(speaker_ids)) for i in at), np.int64, involved, n)
    unnamed = _spread((_unnamed(body[i].speaker) for i in at), np.bool_, involved, n)
    # sort keys of millions of verdicts: as narrow as they can be (a story's quotes number under 2**31)
    size = _spread((len(table.words[i]) for i in at), np.int32, involved, n)
    return _Named(involved, speaker, unnamed, size)


def _counting(verdicts: Verdicts, who: _Named) -> tuple[np.ndarray, np.ndarray]:
    """Which ``verdicts`` link (two quotes of one speaker, or two descriptions that may be one person,
    "the soldier") and which are attribution conflicts (the same words, not paraphrased, under two
    speakers); a pair that is neither decides nothing."""
    o, r = verdicts.orig, verdicts.rep
    named = who.speaker[o] == who.speaker[r]
    described = ~named & who.unnamed[o] & who.unnamed[r]
    long_enough = who.size[r] >= SHORT_WORDS
    conflict = (
        ~named
        & ~described
        & (verdicts.fidelity != _FIDELITY_CODE["paraphrase"])
        & (verdicts.score >= CONFLICT_SCORE)
        & long_enough
    )
    return named | (described & long_enough), conflict


class Counted(NamedTuple):
    """The verdicts that count (``_counting``), and which of them link; the others are conflicts."""

    verdicts: Verdicts
    linking: np.ndarray


def _dense_rank(keys: Sequence[np.ndarray]) -> np.ndarray:
    """Each row's place in the order of ``keys`` (``np.lexsort``'s: the last key first) as a number,
    equal rows equal numbers: what comparing the rows as tuples would say, as integers."""
    if not len(keys[0]):
        return np.zeros(0, np.int64)
    by = np.lexsort(keys)
    step = np.zeros(len(by), np.bool_)
    step[0] = True
    for k in keys:
        ordered = k[by]
        step[1:] |= ordered[1:] != ordered[:-1]
    out = np.empty(len(by), np.int64)
    out[by] = np.cumsum(step)
    return out


def _spread(values: Iterable[Any], dtype: type[np.generic], at: np.ndarray, n: int) -> np.ndarray:
    """A column of ``n`` zeros with ``values`` at the positions ``at``, in order."""
    out = np.zeros(n, dtype)
    out[at] = np.fromiter(values, dtype, len(at))
    return out


def _earlier_rank(earlier_first: Sequence[tuple[int, int, str, int]]) -> np.ndarray:
    """Each quote's place in ``earlier_first`` order as a number (equal keys, equal numbers)."""
    kind = np.fromiter((k[0] for k in earlier_first), np.int64, len(earlier_first))
    date = np.fromiter((k[1] for k in earlier_first), np.int64, len(earlier_first))
    start = np.fromiter((k[3] for k in earlier_first), np.int64, len(earlier_first))
    names = sorted({k[2] for k in earlier_first})
    place = {name: n for n, name in enumerate(names)}
    article = np.fromiter((place[k[2]] for k in earlier_first), np.int64, len(earlier_first))
    return _dense_rank((start, article, date, kind))


def _parent_key(cmp: Comparison, orig: Quote, words: Words, earlier: tuple[int, int, str, int]) -> tuple[Any, ...]:
    """How good a parent ``orig`` is: the most faithful; among equals the most primary (an embedded
    post, the longest version), then the earliest."""
    return (_FIDELITY_RANK[cmp.fidelity], cmp.score, orig.kind == "embed", len(words), earlier)


def _clusters(
    body: Sequence[Quote], among: Sequence[int], parts: Sequence[_Part], counted: list[Counted]
) -> tuple[list[Cluster], VerdictRows]:
    """The quotes ``among`` as connected groups (by the verdicts that link, and by statement for a link
    by meaning), each with its statements, links, verdicts and conflict partners (see ``Cluster``);
    and every verdict of those groups once, as rows. ``counted`` holds the verdicts that count, taken
    out of it (a story's millions are let go once they are copied into rows)."""
    used = counted.pop()
    joined = [np.asarray(p.members, np.int64) for p in parts if len(p.members) > 1]
    firsts = np.concatenate([np.repeat(m[0], len(m) - 1) for m in joined] or [np.empty(0, np.int64)])
    others = np.concatenate([m[1:] for m in joined] or [np.empty(0, np.int64)])
    groups = _kernels().components(
        len(body),
        np.concatenate([used.verdicts.orig[used.linking], firsts]),
        np.concatenate([used.verdicts.rep[used.linking], others]),
    )
    verdicts = [used.verdicts]
    del used
    group_of = groups.tolist()
    members: dict[int, list[int]] = defaultdict(list)
    for i in among:
        members[group_of[i]].append(i)
    at = np.asarray(among, np.int64)
    local = _positions(at, groups, len(body))
    of_group: dict[int, list[_Part]] = defaultdict(list)
    for part in parts:
        of_group[group_of[part.members[0]]].append(part)
    made = np.zeros(len(body), np.bool_)
    made[groups[at]] = True
    grouped = _rows_by_group(body, verdicts, groups, local, made)
    out = []
    for root, quotes in members.items():
        statements: list[Statement] = []
        links: list[Link] = []
        statement_links: list[Link] = []
        for part in of_group[root]:
            statements.append(part.statement)
            statement_links.extend(part.statement_links)
            links.extend(part.links)
        out.append(
            Cluster(
                tuple(body[i].id for i in quotes),
                tuple(statements),
                tuple(links),
                tuple(statement_links),
                grouped.rows.get(root, ()),
                partners=grouped.partners.get(root, ()),
            )
        )
    return out, grouped.once


def _positions(among: np.ndarray, groups: np.ndarray, n: int) -> np.ndarray:
    """Each quote's position among the quotes of its group, in ``among``'s order (-1 for a quote not
    in ``among``): the group's quotes as ``_clusters`` lists them. On whole columns: most groups
    are a single quote, and a story has a million."""
    local = np.full(n, -1, np.int64)
    if not len(among):
        return local
    order = np.argsort(groups[among], kind="stable")
    grouped = groups[among][order]
    starts = np.flatnonzero(np.concatenate([[True], grouped[1:] != grouped[:-1]]))
    first = np.repeat(starts, np.diff(np.concatenate([starts, [len(order)]])))
    local[among[order]] = np.arange(len(order)) - first
    return local


class _Grouped(NamedTuple):
    """``_rows_by_group``'s answer: each group's rows and partners, and every row once."""

    rows: dict[int, VerdictRows]
    partners: dict[int, tuple[str, ...]]
    once: VerdictRows


def _rows_by_group(
    body: Sequence[Quote], taken: list[Verdicts], group_of: np.ndarray, local: np.ndarray, made: np.ndarray
) -> _Grouped:
    """The verdicts ``taken`` out of their list as rows (``VerdictRow``) of the groups ``made`` (a flag by
    group): each verdict with the group of its original and, when it is a conflict with another group,
    again with the group of its reproduction, in their order within each group. One copy of the columns
    serves every group: the first rows, sorted by the original's group, then the repeated ones, by the
    reproduction's. Each group's partners are the quotes of other groups its rows name, by index; ``local`` is each
    quote's position in its group's quotes, and a partner's follows them (see ``cluster_verdicts``)."""
    ids = np.array([q.id for q in body], dtype=object)
    verdicts = taken.pop()
    go, gr = group_of[verdicts.orig], group_of[verdicts.rep]
    own = np.flatnonzero(made[go])
    own = own[np.argsort(go[own], kind="stable")]
    again = np.flatnonzero((go != gr) & made[gr])
    again = again[np.argsort(gr[again], kind="stable")]
    order = np.concatenate([own, again])
    columns = {name: getattr(verdicts, name) for name in _COLUMNS}
    del verdicts  # the last reference: each column is let go as soon as it is copied in row order
    rows = Verdicts(**{name: columns.pop(name)[order] for name in _COLUMNS})
    del order
    groups = np.concatenate([go[own], gr[again]])
    split = len(own)
    # a verdict of two groups once: with its original's when that group is made here, else its repeat
    once = np.concatenate([np.ones(split, np.bool_), ~made[go[again]]])
    del go, gr, own, again
    orig_at, rep_at = local[rows.orig].astype(np.int32), local[rows.rep].astype(np.int32)
    # the end of each row in another group: a first row's reproduction, a repeated row's original
    crossing = np.flatnonzero(group_of[rows.orig] != group_of[rows.rep])
    repeated = crossing >= split
    outside = np.where(repeated, rows.orig[crossing], rows.rep[crossing])
    n = len(body)
    partner, which = np.unique(groups[crossing] * n + outside, return_inverse=True)
    of = partner // n
    size = np.bincount(group_of[local >= 0], minlength=n)  # each group's quotes
    start = np.searchsorted(of, of)  # where each group's partners begin
    place = (size[of] + np.arange(len(partner)) - start).astype(np.int32)[which]
    orig_at[crossing[repeated]] = place[repeated]
    rep_at[crossing[~repeated]] = place[~repeated]
    partners = {int(of[lo]): tuple(ids[partner[lo:hi] % n].tolist()) for lo, hi in pairwise(_bounds(of).tolist())}
    positions = (orig_at, rep_at)
    by_group: dict[int, VerdictRows] = {}
    for lo, hi in pairwise(_bounds(groups[:split]).tolist()):
        by_group[int(groups[lo])] = VerdictRows(rows, ids, lo, hi, positions)
    for lo, hi in pairwise((_bounds(groups[split:]) + split).tolist()):
        g = int(groups[lo])
        first = by_group.get(g)
        ahead = (first.lo, first.hi) if first is not None else (lo, lo)
        by_group[g] = VerdictRows(rows, ids, ahead[0], ahead[1], positions, (lo, hi))
    if once[split:].any():  # an incremental run's conflicts with a group taken as it was
        every = VerdictRows(rows, ids, 0, len(rows), positions).where(once)
    else:
        every = VerdictRows(rows, ids, 0, split, positions)
    return _Grouped(by_group, partners, every)


def _bounds(groups: np.ndarray) -> np.ndarray:
    """Where each run of equal values of ``groups`` begins, and its end."""
    if not len(groups):
        return np.zeros(1, np.int64)
    return np.flatnonzero(np.concatenate([[True], groups[1:] != groups[:-1], [True]]))


def _with_ids(
    parts: Sequence[_Part],
    order: Mapping[str, tuple[int, dt.date, str, int]],
    earlier: Mapping[str, str],
    numbered: int,
) -> tuple[list[_Part], int]:
    """``parts`` with their statements' ids (see ``link_quotes``), and the highest number given by then.

    ``earlier`` is the statement each quote of the clusters assembled again was in, ``numbered`` the
    highest number given before. A statement takes the earlier id it shares the most quotes with,
    the pairs with more shared quotes first, then in reading order of the new statement, then by the
    lower number: so an id goes to one statement, and the outcome does not hang on the order of
    ``parts``. The rest are numbered in reading order of their first quote, then by its id (two
    quotes of one article at one offset tie), as a run with nothing before numbers them all."""
    read = [(order[p.statement.quotes[0]], p.statement.quotes[0]) for p in parts]
    ids: list[str | None] = [None] * len(parts)
    if earlier:
        pairs: list[tuple[int, tuple[tuple[int, dt.date, str, int], str], int, int, str]] = []
        for n, part in enumerate(parts):
            shared = Counter(earlier[qid] for qid in part.statement.quotes if qid in earlier)
            pairs.extend((-count, read[n], _number(sid), n, sid) for sid, count in shared.items())
        pairs.sort()
        given: set[str] = set()
        for *_, n, old in pairs:
            if ids[n] is None and old not in given:
                ids[n] = old
                given.add(old)
    for n in sorted((n for n in range(len(parts)) if ids[n] is None), key=read.__getitem__):
        numbered += 1
        ids[n] = f"S{numbered}"
    out = []
    for part, given_id in zip(parts, ids, strict=True):
        sid = given_id or ""  # every part has its id by now
        out.append(
            part._replace(
                statement=_renumbered(part.statement, sid),
                statement_links=[_retargeted(lk, sid) for lk in part.statement_links],
            )
        )
    return out, numbered


def _number(sid: str) -> int:
    """The number of statement id ``sid`` ("S12": 12)."""
    return int(sid[1:])


def _listed(
    parts: Sequence[_Part], reused: Sequence[Cluster], order: Mapping[str, tuple[int, dt.date, str, int]]
) -> tuple[tuple[Statement, ...], tuple[Link, ...]]:
    """Every statement, in reading order of its first quote (then its id: two quotes of one article at
    one offset tie), and every link, in ``(source, target)`` order: those just assembled (``parts``)
    and those taken whole, all with their ids given."""
    # a statement lists its quotes in reading order (``_assemble``), so its first quote is the earliest
    found: list[tuple[tuple[tuple[int, dt.date, str, int], str], Statement]] = []
    links: list[Link] = []
    for part in parts:
        first = part.statement.quotes[0]
        found.append(((order[first], first), part.statement))
        links.extend(part.links)
        links.extend(part.statement_links)
    for c in reused:
        for st in c.statements:
            first = st.quotes[0]
            found.append(((order[first], first), st))
        links.extend(c.links)
        links.extend(c.statement_links)
    found.sort(key=lambda x: x[0])
    links.sort(key=lambda lk: (lk.source, lk.target))
    return tuple(st for _, st in found), tuple(links)


def _renumbered(st: Statement, sid: str) -> Statement:
    """``dataclasses.replace(st, id=sid)``, field by field: a third of the cost, for every statement."""
    return Statement(sid, st.speaker, st.text, st.origin, st.quotes, st.channel, st.date, st.conflict)


def _retargeted(lk: Link, target: str) -> Link:
    """``dataclasses.replace(lk, target=target)``, field by field: a third of the cost, for millions of links."""
    return Link(lk.source, target, lk.score, lk.fidelity, lk.diff, lk.target_start, lk.target_end, lk.conflict)


def _adopt_reports(
    best: dict[int, tuple[tuple[Any, ...], int, Comparison]],
    reported: Reported,
    table: LinkTable,
) -> None:
    """Give a report left without a parent the best of the reports that paraphrase it (in place).

    Two reports of one statement paraphrase each other both ways, and only length orients the
    pair: the longer one stays a root when the shorter finds a better parent elsewhere, cut off
    from the statement both report. Such a root takes the shorter report as its parent instead.
    Only roots adopt, and never a quote of their own tree, so every quote keeps one parent; a
    fragment of a report ("which", "that Trump") is too short to say what it reports, and is
    never adopted.
    """
    parent = {rep: orig for rep, (_, orig, _) in best.items()}
    candidates: dict[int, tuple[int, int]] = {}
    for key, child, orig in reported.rows():
        if orig not in best and (orig not in candidates or key > candidates[orig][0]):
            candidates[orig] = (key, child)
    # the strongest first, as Kruskal would: which root adopts whom must not hang on input order
    for orig, (key, child) in sorted(candidates.items(), key=lambda kv: kv[1][0], reverse=True):
        if _root(child, parent) != orig:
            # the pair was compared with ``orig`` as the original: compare it the way it now points,
            # so that the link's offsets fall in the right quotes
            turned = _verify(table, child, orig)
            if turned is None:
                continue
            best[orig] = ((key,), child, turned)  # no key in ``best`` is compared once parents are chosen
            parent[orig] = child


def _join_reported_statements(
    best: dict[int, tuple[tuple[Any, ...], int, Comparison]],
    reported: Reported,
    table: LinkTable,
) -> None:
    """Join two statements whose reports are each other's closest across statements (in place).

    Reports of one statement in different words fall into groups: those that say "he was told it was
    training" and those that say "he was on a training exercise". Each report keeps its one best parent,
    so two groups stay apart when the pair of reports that bridges them is neither's best. When the
    strongest report pair leaving each of two statements is the same pair, the two are one statement:
    the reports between the bridging report and its root are turned around (a paraphrase reads both
    ways) and the bridging report takes the other as its parent. Only a statement whose reports lead
    up to a report at its root is hung from another; one rooted in a quotation keeps its root. The
    bridging pair must share content words, as ``match.content_paraphrase`` measures them.
    """
    parent = {rep: orig for rep, (_, orig, _) in best.items()}
    root = {i: _root(i, parent) for i in np.unique(np.concatenate([reported.rep, reported.orig])).tolist()}
    top: dict[int, tuple[int, int, int]] = {}
    for key, a, b in reported.rows():
        # joining statements takes more than linking a report: the two share content words, not only
        # a run of the story's words ("two North Korean soldiers")
        if root[a] == root[b] or content_paraphrase(table.words[a], table.words[b], table.idf) is None:
            continue
        for r in (root[a], root[b]):
            if r not in top or key > top[r][0]:
                top[r] = (key, a, b)
    for r, (key, a, b) in sorted(top.items(), key=lambda kv: kv[1][0], reverse=True):
        other = root[b] if root[a] == r else root[a]
        if r > other or top.get(other, (None,))[0] != key:
            continue  # not each other's closest, or already seen from the other side
        if _root(a, parent) == _root(b, parent):
            continue  # joined meanwhile
        for x, y in ((a, b), (b, a)):  # hang x's statement from y
            path = _path_to_root(x, parent)
            if not all(table.indirect[i] for i in path):
                continue
            # each (child, parent) link on the way up, turned around and verified that way
            turned = [
                (old_parent, old_child, _verify(table, old_child, old_parent))
                for old_child, old_parent in pairwise(path)
            ]
            first = _verify(table, y, x)
            if first is None or any(cmp is None for _, _, cmp in turned):
                continue
            for child, new_parent, cmp in turned:
                assert cmp is not None
                best[child] = (best[new_parent][0], new_parent, cmp)
                parent[child] = new_parent
            best[x] = ((key,), y, first)
            parent[x] = y
            break


def _path_to_root(i: int, parent: Mapping[int, int]) -> list[int]:
    path = [i]
    while path[-1] in parent:
        path.append(parent[path[-1]])
    return path


def _verify(table: LinkTable, orig: int, rep: int) -> Comparison | None:
    return compare(table.words[orig], table.words[rep], paraphrase=True, weights=table.idf, diff=False)


def _with_diff(
    words: Sequence[Words],
    orig: int,
    rep: int,
    cmp: Comparison,
    body: Sequence[Quote],
    idf: Mapping[str, float],
    compared: dict[tuple[int, int, bool], Comparison | None],
) -> Comparison:
    """The kept link's comparison again, this time with its word diff (ranking skipped it); each pair
    of texts compared once (``compared``: reprints share their ``Words``)."""
    key = (id(words[orig]), id(words[rep]), body[rep].kind == "indirect")
    if key not in compared:
        compared[key] = compare(words[orig], words[rep], paraphrase=key[2], weights=idf)
    full = compared[key]
    return full if full is not None else cmp


def _statement_text(origin: int, group: Sequence[int], body: Sequence[Quote], words: Sequence[Words]) -> str:
    """What the speaker said: an embedded post as posted, else the longest quotation without the
    words only it carries (see ``match.consensus``)."""
    o = body[origin]
    if o.kind in ("embed", "indirect"):
        return o.text
    others = [words[i] for i in group if i != origin and body[i].kind != "indirect"]
    return consensus(words[origin], others) if len(others) >= 2 else o.text


def _statement_links(
    sid: str,
    sw: Words,
    origin: Quote,
    qs: Sequence[Quote],
    qwords: Sequence[Words],
    idf: Mapping[str, float],
    by_meaning: Mapping[str, float],
) -> list[Link]:
    """Every member (``qs``, whose words are ``qwords``) against the statement itself (its words ``sw``):
    how faithful each reproduction is to the original."""
    out = []
    compared: dict[tuple[int, bool], Comparison | None] = {}  # reprints share their Words: compared once
    for q, qw in zip(qs, qwords, strict=True):
        key = (id(qw), q.kind == "indirect")
        if key not in compared:
            compared[key] = compare(sw, qw, paraphrase=key[1], open_end=origin.truncated, weights=idf)
        cmp = compared[key]
        if cmp is not None:
            out.append(Link(q.id, sid, cmp.score, cmp.fidelity, cmp.diff, cmp.a_start, cmp.a_end))
        elif q.id in by_meaning:  # linked by meaning alone: a paraphrase, scored by similarity
            out.append(Link(q.id, sid, by_meaning[q.id], "paraphrase", (), 0, len(sw.text)))
    return out


# Semantic linking (the optional extra): measured on the seed story's reported speech, cosine
# similarity between sentences of one story is 0.5-0.7 whatever they say; a statement is taken
# only when the best scores at least 0.6 and leads the next statement by 0.05.
SEMANTIC_MIN = 0.6
SEMANTIC_MARGIN = 0.05


def _semantic_parents(
    body: Sequence[Quote], best: dict[int, tuple[tuple[Any, ...], int, Comparison]], embedder: Embedder
) -> dict[str, float]:
    """Give reported speech left without a parent the quote of the statement it means, if one stands out.

    Adds to ``best`` in place; returns the similarity (0-100) of each quote linked this way.
    """
    import numpy as np  # the semantic extra brings it

    orphans = [i for i, q in enumerate(body) if q.kind == "indirect" and i not in best]
    if not orphans:
        return {}
    parent = {rep: orig for rep, (_, orig, _) in best.items()}
    root = [_root(i, parent) for i in range(len(body))]
    vectors = np.asarray(embedder.encode([q.text for q in body]), dtype="float32")
    out: dict[str, float] = {}
    for i in orphans:
        who = body[i].speaker
        same = [
            j
            for j, q in enumerate(body)
            if j != i and root[j] != root[i] and (q.speaker == who or (_unnamed(q.speaker) and _unnamed(who)))
        ]
        if not same:
            continue
        sims = vectors[same] @ vectors[i]
        per_statement: dict[int, tuple[float, int]] = {}
        for j, sim in zip(same, sims.tolist(), strict=True):
            if root[j] not in per_statement or sim > per_statement[root[j]][0]:
                per_statement[root[j]] = (sim, j)
        ranked = sorted(per_statement.values(), reverse=True)
        top, j = ranked[0]
        runner_up = ranked[1][0] if len(ranked) > 1 else 0.0
        if top < SEMANTIC_MIN or top - runner_up < SEMANTIC_MARGIN:
            continue
        score = round(100 * top, 1)
        best[i] = ((1, score), j, Comparison(score, "paraphrase", (), 0, len(body[j].text), 0.0))
        old, new = root[i], root[j]
        root = [new if r == old else r for r in root]  # the statements merged: keep roots current
        out[body[i].id] = score
    return out


def reading_key(q: Quote, articles: Mapping[str, Dated]) -> tuple[tuple[int, dt.date, str, int], str]:
    """The place of a statement whose first quote is ``q`` in the order ``link_quotes`` lists the
    statements: embedded posts first, then by article date, article id and offset, then by quote id."""
    return _precedence(q, articles), q.id


def _precedence(q: Quote, articles: Mapping[str, Dated]) -> tuple[int, dt.date, str, int]:
    """Reading order across the corpus: embedded posts first, then by article date, id, offset."""
    art = articles.get(q.article)
    date = q.date or (art.date if art and art.date else dt.date.max)
    return (0 if q.kind == "embed" else 1, date, q.article, q.start)


def _orient(i: int, j: int, table: LinkTable) -> tuple[int, int]:
    """(original, reproduction): a quotation before reported speech of it; else the longer, then the earlier."""
    if table.indirect[i] != table.indirect[j]:
        return (j, i) if table.indirect[i] else (i, j)
    ki = (len(table.words[i]), table.earlier_first[i])
    kj = (len(table.words[j]), table.earlier_first[j])
    return (i, j) if ki >= kj else (j, i)


def _neg(key: tuple[int, dt.date, str, int], inverted: dict[str, str] | None = None) -> tuple[int, int, str, int]:
    """``key`` inverted for "earlier is greater"; the article id stays a tie-break of last resort.
    ``inverted`` keeps each article id's inversion, for the quotes of one article to share."""
    kind, date, article, start = key
    if inverted is None:
        inverted = {}
    flipped = inverted.get(article)
    if flipped is None:
        flipped = inverted[article] = "".join(chr(0x10FFFF - ord(c)) for c in article)
    return (-kind, -date.toordinal(), flipped, -start)


def _origin_key(
    q: Quote, w: Words, order: Mapping[str, tuple[int, dt.date, str, int]]
) -> tuple[int, int, tuple[int, dt.date, str, int]]:
    kind_rank = {"embed": 0, "direct": 1, "partial": 2, "indirect": 3}[q.kind]
    return (kind_rank, -len(w), order[q.id])


def _statement_date(o: Quote, qs: Sequence[Quote], articles: Mapping[str, Dated]) -> dt.date | None:
    if o.date:
        return o.date
    dates = [d for q in qs if (d := q.date or (articles[q.article].date if q.article in articles else None))]
    return min(dates) if dates else None


_UNNAMED_OPENERS = frozenset("the a an one two some his her their its another other each both".split())


def _unnamed(name: str | None) -> bool:
    """A description, not a name ("one of the men", "The soldier"): two of them may be one person."""
    if not name:
        return True
    first = name.split()[0]
    return first.lower() in _UNNAMED_OPENERS or first[:1].islower()


def _root(i: int, parent: Mapping[int, int]) -> int:
    seen = set()
    while i in parent and i not in seen:
        seen.add(i)
        i = parent[i]
    return i


def _link(rep: Quote, orig: Quote, cmp: Comparison, *, conflict: bool = False) -> Link:
    return Link(rep.id, orig.id, cmp.score, cmp.fidelity, cmp.diff, cmp.a_start, cmp.a_end, conflict)


# Paraphrase blocking: each report probes the speaker's quotes with its rarest content words
# (two reports of one statement share its distinctive words, "exchange", "warriors", not the
# story's common ones) and keeps the candidates that share the most of them.
RARE_KEYS = 10
MAX_POSTING = 300
PARAPHRASE_CANDIDATES = 12

SpeakerWord = tuple[str, str]


def paraphrase_keys(table: LinkTable, i: int) -> list[SpeakerWord]:
    """The keys quote ``i`` is indexed under for paraphrase blocking: (speaker, content word).

    Speakers described rather than named ("one of the men", "The soldier") share one key, as
    linking lets them share a statement: two articles rarely describe a witness the same way.
    """
    who = table.speakers[i]
    speaker = "" if _unnamed(who) else who
    return [(speaker, w) for w in table.words[i].content]


def paraphrase_probes(own: Iterable[tuple[int, SpeakerWord]]) -> tuple[list[SpeakerWord], int]:
    """A report's probes, from its ``(df, key)`` keys: the ``RARE_KEYS`` rarest (posting lists over
    ``MAX_POSTING`` left out), and how many of them a candidate must share."""
    keys = sorted(x for x in own if x[0] <= MAX_POSTING)
    return [key for _, key in keys[:RARE_KEYS]], min(2, len(keys))


def paraphrase_partners(
    i: int, shared: Mapping[int, int], lengths: Mapping[int, int] | Sequence[int], need: int
) -> list[tuple[int, int]]:
    """Report ``i``'s pairs: the ``PARAPHRASE_CANDIDATES`` quotes sharing most of its probes (then the
    longest), each sharing at least ``need``. ``shared`` counts probes per quote, ``lengths`` their words."""
    best = sorted(shared, key=lambda j: (-shared[j], -lengths[j], j))[:PARAPHRASE_CANDIDATES]
    return [(i, j) if i < j else (j, i) for j in best if shared[j] >= need]


def _packed_paraphrase_pairs(table: LinkTable) -> np.ndarray:
    """Pairs of one speaker's quotes, one of them reported speech, sharing rare content words, packed
    (``match.pack_pairs``); with ``table.fresh``, only the pairs with a fresh quote, as
    ``match.candidate_pairs``.

    The pairs of the pure steps an engine runs (``paraphrase_keys``, ``paraphrase_probes``,
    ``paraphrase_partners``), computed on flat arrays: speakers and content words are numbered in
    sorted order, so a key's number ``speaker * words + word`` sorts as its ``(speaker, word)`` does
    and ties go where ``paraphrase_probes`` sends them; choosing probes, counting the probes each
    quote shares and keeping the best candidates is a loop compiled by numba. Reprints that share
    one ``Words`` have their content words numbered once.
    """
    n = len(table.words)
    fresh = table.fresh
    if fresh is not None and len(fresh) != n:
        raise ValueError(f"fresh has {len(fresh)} flags for {n} texts")
    if not n:
        return np.empty(0, np.int64)
    # content words per distinct Words (a row), numbered in sorted order
    owner, rows = shared_rows(table.words)
    contents = [w.content for w in rows]
    vocabulary = sorted(set().union(*contents))
    number = {w: k for k, w in enumerate(vocabulary)}
    row_size = np.fromiter(map(len, contents), np.int64, len(contents))
    row_words = np.fromiter(map(number.__getitem__, chain.from_iterable(contents)), np.int64, int(row_size.sum()))
    lengths = np.fromiter(map(len, rows), np.int64, len(rows))[owner]
    del rows, contents, number
    # speakers: described ones share "", numbered in sorted order
    as_key = {who: "" if _unnamed(who) else who for who in set(table.speakers)}
    named = {name: k for k, name in enumerate(sorted(set(as_key.values())))}
    rank = {who: named[name] for who, name in as_key.items()}
    speaker = np.fromiter(map(rank.__getitem__, table.speakers), np.int64, n)
    # each quote's keys, quote after quote: entries entry_off[i]:entry_off[i + 1]
    size = row_size[owner]
    entry_off = np.zeros(n + 1, np.int64)
    np.cumsum(size, out=entry_off[1:])
    total = int(entry_off[-1])
    row_off = np.cumsum(row_size) - row_size
    entry_quote = np.repeat(np.arange(n, dtype=np.int64), size)
    at = np.repeat(row_off[owner] - entry_off[:-1], size) + np.arange(total, dtype=np.int64)
    key = np.repeat(speaker, size) * len(vocabulary) + row_words[at]
    del size, row_off, at, row_words, speaker
    # keys numbered densely in order, and their posting lists
    order = np.argsort(key, kind="stable")
    step = np.ones(total, np.int64)
    step[1:] = key[order[1:]] != key[order[:-1]]
    del key
    ranked = np.cumsum(step) - 1
    kid = np.empty(total, np.int64)
    kid[order] = ranked
    keys = int(ranked[-1]) + 1 if total else 0
    posting_off = np.zeros(keys + 1, np.int64)
    np.cumsum(np.bincount(ranked, minlength=keys), out=posting_off[1:])
    posting = entry_quote[order]
    del order, step, ranked
    probers = np.fromiter(table.indirect, np.bool_, n)
    flags = np.ones(n, np.bool_) if fresh is None else np.fromiter(fresh, np.bool_, n)
    if fresh is not None:
        # as ``match.fresh_probers``: the fresh quotes, and those holding a probed key a fresh quote holds
        held = np.zeros(keys, np.bool_)
        held[kid[flags[entry_quote]]] = True
        held &= np.diff(posting_off) <= MAX_POSTING
        reach = np.zeros(n, np.bool_)
        reach[entry_quote[held[kid]]] = True
        probers &= flags | reach
    packed: np.ndarray = _kernels().paraphrase_pairs(
        entry_off, kid, posting_off, posting, lengths, probers, flags, fresh is not None,
        RARE_KEYS, MAX_POSTING, PARAPHRASE_CANDIDATES,
    )  # fmt: skip
    return distinct(packed)


def _paraphrase_loop(
    entry_off: np.ndarray, kid: np.ndarray, posting_off: np.ndarray, posting: np.ndarray, lengths: np.ndarray,
    probers: np.ndarray, fresh: np.ndarray, incremental: bool, rare_keys: int, max_posting: int, candidates: int,
) -> np.ndarray:  # fmt: skip
    """Each prober's pairs (``paraphrase_probes``, ``paraphrase_partners``) as ``low << 32 | high``; in an
    incremental run only those with a ``fresh`` quote. A pair may come twice."""
    n = entry_off.shape[0] - 1
    keys = posting_off.shape[0] - 1
    shared = np.zeros(n, np.int64)  # per quote, the prober's probes it holds; reset after each prober
    touched = np.empty(n, np.int64)
    best = np.empty(max(candidates, 1), np.int64)
    out = np.empty(int(probers.sum()) * max(candidates, 0), np.int64)
    k = 0
    for i in range(n):
        if not probers[i]:
            continue
        s, e = entry_off[i], entry_off[i + 1]
        rare = np.empty(e - s, np.int64)
        m = 0
        for x in range(s, e):
            df = posting_off[kid[x] + 1] - posting_off[kid[x]]
            if df <= max_posting:
                rare[m] = df * keys + kid[x]  # sorts as (df, key)
                m += 1
        if m == 0:
            continue
        need = min(2, m)
        rare = np.sort(rare[:m])
        t = 0
        for p in range(min(rare_keys, m)):
            q = rare[p] % keys
            for u in range(posting_off[q], posting_off[q + 1]):
                j = posting[u]
                if j == i:
                    continue
                if shared[j] == 0:
                    touched[t] = j
                    t += 1
                shared[j] += 1
        # the best candidates by (-shared, -length, index): those short of ``need`` sort after
        # every one that has it, so leaving them out first keeps the same ones
        kept = 0
        for a in range(t):
            j = touched[a]
            if shared[j] < need:
                continue
            at = kept
            while at > 0:
                b = best[at - 1]
                if shared[j] > shared[b] or (
                    shared[j] == shared[b] and (lengths[j] > lengths[b] or (lengths[j] == lengths[b] and j < b))
                ):
                    at -= 1
                else:
                    break
            if at >= candidates:
                continue
            for c in range(min(kept, candidates - 1), at, -1):
                best[c] = best[c - 1]
            best[at] = j
            kept = min(kept + 1, candidates)
        for a in range(t):
            shared[touched[a]] = 0
        for a in range(kept):
            j = best[a]
            if incremental and not (fresh[i] or fresh[j]):
                continue
            out[k] = (i << 32) | j if i < j else (j << 32) | i
            k += 1
    return out[:k]


# ---------------------------------------------------------------- pair verification


@dataclasses.dataclass(frozen=True, slots=True)
class LinkTable:
    """What finding and verifying pairs needs to know of the quotes being linked, by index.

    Plain, picklable data: an engine ships it once to each worker.
    """

    words: tuple[Words, ...]
    indirect: tuple[bool, ...]  # reported speech: compared as a paraphrase, never an original of a quotation
    earlier_first: tuple[tuple[int, int, str, int], ...]  # reading order, inverted: greater is earlier
    speakers: tuple[str, ...]  # "" for none
    idf: Mapping[str, float]
    fresh: tuple[bool, ...] | None = None  # None: every quote; else pairs of two settled quotes are known

    def part(self, at: Sequence[int]) -> LinkTable:
        """The quotes at ``at`` (increasing indices), numbered from 0 in that order."""
        return LinkTable(
            tuple(self.words[k] for k in at),
            tuple(self.indirect[k] for k in at),
            tuple(self.earlier_first[k] for k in at),
            tuple(self.speakers[k] for k in at),
            self.idf,
            None if self.fresh is None else tuple(self.fresh[k] for k in at),
        )


class Verdict(NamedTuple):
    """A verified pair: quote ``rep`` reproduces quote ``orig`` as ``comparison`` says (no word diff)."""

    orig: int
    rep: int
    comparison: Comparison


_FIDELITY_CODE = {f: n for n, f in enumerate(FIDELITIES)}


@dataclasses.dataclass(frozen=True, slots=True, eq=False)
class Verdicts:
    """Verified pairs as columns: pair ``k`` says that quote ``rep[k]`` reproduces quote ``orig[k]``
    with ``score[k]``, ``FIDELITIES[fidelity[k]]``, ``a_start[k]``, ``a_end[k]`` and ``coverage[k]``
    (a ``Comparison`` without its word diff).

    A large story verifies millions of pairs: as ``Verdict`` objects they cost some 300 bytes each,
    as columns 41, and they cross between processes as a handful of arrays.
    """

    orig: np.ndarray  # int64
    rep: np.ndarray  # int64
    score: np.ndarray  # float64
    fidelity: np.ndarray  # int8, an index into FIDELITIES
    a_start: np.ndarray  # int64
    a_end: np.ndarray  # int64
    coverage: np.ndarray  # float64

    @classmethod
    def of(cls, rows: Iterable[Verdict]) -> Verdicts:
        rows = list(rows)
        fields = [_fields(v.comparison) for v in rows]
        return cls._from([v.orig for v in rows], [v.rep for v in rows], fields, np.arange(len(rows)))

    @classmethod
    def _from(
        cls,
        orig: Sequence[int] | np.ndarray,
        rep: Sequence[int] | np.ndarray,
        fields: Sequence[ComparisonFields],
        pick: np.ndarray,
    ) -> Verdicts:
        """Pair ``k`` is ``(orig[k], rep[k])`` with the comparison ``fields[pick[k]]``."""
        n = len(fields)
        return cls(
            np.asarray(orig, np.int64).reshape(-1),
            np.asarray(rep, np.int64).reshape(-1),
            np.fromiter((f[0] for f in fields), np.float64, n)[pick],
            np.fromiter((_FIDELITY_CODE[f[1]] for f in fields), np.int8, n)[pick],
            np.fromiter((f[2] for f in fields), np.int64, n)[pick],
            np.fromiter((f[3] for f in fields), np.int64, n)[pick],
            np.fromiter((f[4] for f in fields), np.float64, n)[pick],
        )

    @classmethod
    def joined(cls, parts: Iterable[Verdicts]) -> Verdicts:
        """The verdicts of ``parts``, one after another.

        Only the parts' columns are kept as ``parts`` is read, and each column's pieces are let go
        once joined: a story's millions of verdicts, read from an iterator (``drained``), are not
        held twice over while they are joined.
        """
        pieces: list[list[np.ndarray]] = [[] for _ in _COLUMNS]
        for part in parts:
            for column, name in zip(pieces, _COLUMNS, strict=True):
                column.append(getattr(part, name))
        if not pieces[0]:
            return cls.of(())
        columns = []
        for k in range(len(pieces)):
            columns.append(np.concatenate(pieces[k]))
            pieces[k] = []
        return cls(*columns)

    def renumbered(self, index: np.ndarray) -> Verdicts:
        """These verdicts of a ``LinkTable.part``, with the quotes numbered as in the table it was cut from
        (``index``: each of the part's quotes' index there)."""
        return dataclasses.replace(self, orig=index[self.orig], rep=index[self.rep])

    def take(self, index: np.ndarray) -> Verdicts:
        """The verdicts at ``index`` (positions, or a mask), in its order."""
        return Verdicts(*(getattr(self, f)[index] for f in _COLUMNS))

    def in_pair_order(self) -> Verdicts:
        """Sorted by ``(min(orig, rep), max(orig, rep))``, the order every engine returns; stable."""
        return self.take(np.argsort(packed_pairs(self.orig, self.rep), kind="stable"))

    def comparison(self, k: int) -> Comparison:
        return Comparison(
            float(self.score[k]),
            FIDELITIES[self.fidelity[k]],
            (),
            int(self.a_start[k]),
            int(self.a_end[k]),
            float(self.coverage[k]),
        )

    def comparisons(self, index: np.ndarray) -> list[Comparison]:
        """``[comparison(k) for k in index]``, each column read once (a million: 2.5 s against 3.6 s)."""
        return [
            Comparison(score, FIDELITIES[fidelity], (), a_start, a_end, coverage)
            for score, fidelity, a_start, a_end, coverage in zip(
                self.score[index].tolist(),
                self.fidelity[index].tolist(),
                self.a_start[index].tolist(),
                self.a_end[index].tolist(),
                self.coverage[index].tolist(),
                strict=True,
            )
        ]

    def __len__(self) -> int:
        return len(self.orig)

    def __iter__(self) -> Iterator[Verdict]:
        for k, (orig, rep) in enumerate(zip(self.orig.tolist(), self.rep.tolist(), strict=True)):
            yield Verdict(orig, rep, self.comparison(k))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Verdicts) and all(
            np.array_equal(getattr(self, f), getattr(other, f)) for f in _COLUMNS
        )

    __hash__ = None  # type: ignore[assignment]


_COLUMNS = tuple(f.name for f in dataclasses.fields(Verdicts))
ClusterVerdicts = tuple[Cluster, Verdicts]  # a cluster, and its verdicts as ``cluster_verdicts`` gives them
_FIDELITY_NAMES = np.array(FIDELITIES, dtype=object)


@dataclasses.dataclass(frozen=True, slots=True, eq=False)
class VerdictRows(Sequence[VerdictRow]):
    """Verdicts ``lo`` to ``hi`` of ``columns``, then those of the range ``also``, read as ``VerdictRow``
    tuples, the quotes named by ``ids`` (the run's quote ids, by index). A run's clusters share one copy
    of the columns: a story of 100,000 articles keeps millions of verdicts, which as tuples took about
    a gigabyte. ``local`` gives each row's original and reproduction as positions in its cluster's
    quotes and partners (``cluster_verdicts``)."""

    columns: Verdicts
    ids: np.ndarray  # dtype object
    lo: int
    hi: int
    local: tuple[np.ndarray, np.ndarray] | None = None  # by row of ``columns``
    also: tuple[int, int] = (0, 0)

    def at(self) -> np.ndarray:
        """The rows' places in ``columns``, in order."""
        return np.concatenate([np.arange(self.lo, self.hi), np.arange(*self.also)])

    def __len__(self) -> int:
        return self.hi - self.lo + self.also[1] - self.also[0]

    def __iter__(self) -> Iterator[VerdictRow]:
        return chain(self._read(slice(self.lo, self.hi)), self._read(slice(*self.also)))

    def _read(self, part: slice) -> Iterator[VerdictRow]:
        c = self.columns
        return zip(
            self.ids[c.orig[part]].tolist(),
            self.ids[c.rep[part]].tolist(),
            c.score[part].tolist(),
            _FIDELITY_NAMES[c.fidelity[part]].tolist(),
            c.a_start[part].tolist(),
            c.a_end[part].tolist(),
            c.coverage[part].tolist(),
            strict=True,
        )

    @overload
    def __getitem__(self, k: int) -> VerdictRow: ...

    @overload
    def __getitem__(self, k: slice) -> Sequence[VerdictRow]: ...

    def __getitem__(self, k: int | slice) -> VerdictRow | Sequence[VerdictRow]:
        rows = list(self)
        return rows[k]

    def where(self, keep: np.ndarray) -> VerdictRows:
        """The rows whose ``keep`` flag is set (a flag per row), in their order, as columns of their own."""
        at = self.at()[keep]
        local = None if self.local is None else (self.local[0][at], self.local[1][at])
        part = self.columns.take(at)
        return VerdictRows(part, self.ids, 0, len(part), local)


_COMPARED = 1 << 20  # text pairs remembered by ``verify_pairs`` at once


def verify_pairs(table: LinkTable, pairs: Iterable[tuple[int, int]]) -> Verdicts:
    """Orient and compare each candidate pair; the pairs that reproduce, in the order given.

    A pure function of its arguments, so any chunk of pairs can be verified anywhere.
    Reprinted texts share one ``Words``, and a comparison depends on the two texts alone: each
    pair of texts is compared once (a syndicated quote meets the same versions again and again).
    """
    done: list[Verdicts] = []
    # machine integers, not lists of Python ints (36 bytes a verdict each): a large story verifies
    # millions of pairs between two flushes
    origs, reps, pick = array("q"), array("q"), array("q")  # pick: each verdict's comparison, in ``found``
    found: list[ComparisonFields] = []
    fresh = table.fresh
    words, indirect, idf = table.words, table.indirect, table.idf
    compared: dict[tuple[int, int, bool], int] = {}  # the comparison's place in ``found``; -1: none
    for i, j in pairs:
        if fresh is not None and not (fresh[i] or fresh[j]):
            continue  # verified by an earlier run (see ``PriorLinks``)
        orig, rep = _orient(i, j, table)
        wo, wr, reported = words[orig], words[rep], indirect[rep]
        key = (id(wo), id(wr), reported)
        at = compared.get(key)
        if at is None:
            if len(compared) >= _COMPARED:
                # pairs come sorted, so repeats are mostly near: memory stays bounded
                done.append(_verdicts_of(origs, reps, found, pick))
                origs, reps, pick, found = array("q"), array("q"), array("q"), []
                compared.clear()
            cmp = compared_fields(wo, wr, paraphrase=reported, weights=idf)
            at = compared[key] = -1 if cmp is None else len(found)
            if cmp is not None:
                found.append((cmp[0], cmp[1], cmp[3], cmp[4], cmp[5]))
        if at >= 0:
            origs.append(orig)
            reps.append(rep)
            pick.append(at)
    done.append(_verdicts_of(origs, reps, found, pick))
    del compared, found  # let go before the chunks are joined, the largest moment of a large story's run
    return done[0] if len(done) == 1 else Verdicts.joined(drained(done))


def drained(items: list[T]) -> Iterator[T]:
    """The items of ``items`` in order, each taken out of the list as it is given (the list ends
    empty): what the reader does not keep is freed as it goes."""
    items.reverse()
    while items:
        yield items.pop()


def _verdicts_of(origs: array[int], reps: array[int], found: Sequence[ComparisonFields], pick: array[int]) -> Verdicts:
    """``Verdicts._from`` the arrays ``verify_pairs`` fills (read in place: they are filled no more)."""
    return Verdicts._from(
        np.frombuffer(origs, np.int64), np.frombuffer(reps, np.int64), found, np.frombuffer(pick, np.int64)
    )


def local_pairs(table: LinkTable) -> np.ndarray:
    """Every candidate pair, in order, packed (``match.pack_pairs``): shared rare shingles, and reported
    speech sharing rare content words (with ``table.fresh``, only the pairs with a fresh quote)."""
    shingled = packed_candidate_pairs(table.words, fresh=table.fresh)
    return distinct(np.concatenate([shingled, _packed_paraphrase_pairs(table)]))


class PairFinder(Protocol):
    """Finds the candidate pairs of a ``LinkTable`` and verifies them (see ``quotetrace.engine``)."""

    def verified_pairs(self, table: LinkTable, *, on_progress: OnProgress | None = None) -> Verdicts:
        """Every verified pair, ordered by ``(min(orig, rep), max(orig, rep))``."""
        ...


class _InProcess:
    def verified_pairs(self, table: LinkTable, *, on_progress: OnProgress | None = None) -> Verdicts:
        pairs = local_pairs(table)
        out = verify_pairs(table, unpack_pairs(pairs))
        if on_progress is not None:
            on_progress("pairs verified", len(pairs), len(pairs))
        return out


LOCAL: PairFinder = _InProcess()


@dataclasses.dataclass(frozen=True, slots=True)
class Finding:
    """Where a quote a reader brings comes from: the statement, how the quote differs from it."""

    statement: Statement
    comparison: Comparison
    via_quote: str | None  # the member quote it matched best, when that beat the statement text


def find_origin(
    statements: Sequence[Statement], quotes: Mapping[str, Quote], text: str, *, limit: int = 3
) -> list[Finding]:
    """The statements ``text`` most plausibly reproduces, best first.

    Each statement is tried through its own text and through every quote of it, so a
    cut or respelled version still finds its way home.

    >>> t = qt.trace("seeds/")  # doctest: +SKIP
    >>> find_origin(t.statements, {q.id: q for q in t.quotes}, "organise their exchange")  # doctest: +SKIP
    """
    target = Words.of(text)
    idf = idf_weights(Words.of(q.text) for q in quotes.values())
    found: list[tuple[tuple[Any, ...], Finding]] = []
    for st in statements:
        best: tuple[tuple[Any, ...], Comparison, str | None] | None = None
        for qid, candidate in [(None, st.text), *((q, quotes[q].text) for q in st.quotes if q in quotes)]:
            # a reader's quote is a quotation: align it as one, and only then as a paraphrase
            cmp = compare(Words.of(candidate), target) or compare(
                Words.of(candidate), target, paraphrase=True, weights=idf
            )
            if cmp is None:
                continue
            key = (_FIDELITY_RANK[cmp.fidelity], cmp.score)
            if best is None or key > best[0]:
                best = (key, cmp, qid)
        if best is None:
            continue
        # report the differences against what was said, when the quote aligns with it at all
        own = compare(Words.of(st.text), target) or compare(Words.of(st.text), target, paraphrase=True, weights=idf)
        finding = Finding(st, own, None) if own is not None else Finding(st, best[1], best[2])
        found.append(((*best[0], len(st.quotes)), finding))
    found.sort(key=lambda kv: kv[0], reverse=True)
    return [f for _, f in found[:limit]]


# The links of the last trace asked about, by target: a timeline per statement then costs its own
# links, not a pass over every link of the story (quadratic in a 10,000-article export).
_BY_TARGET: tuple[tuple[Link, ...], dict[str, dict[str, str]]] | None = None


def _fidelity_to(target: str, links: Sequence[Link]) -> Mapping[str, str]:
    """Each quote's fidelity label on its link to ``target``."""
    global _BY_TARGET
    if not isinstance(links, tuple):  # a list may change between calls: no index kept
        return {ln.source: ln.fidelity for ln in links if ln.target == target}
    cached = _BY_TARGET
    if cached is None or cached[0] is not links:
        index: dict[str, dict[str, str]] = defaultdict(dict)
        for ln in links:
            index[ln.target][ln.source] = ln.fidelity
        cached = _BY_TARGET = (links, dict(index))
    return cached[1].get(target, {})


@dataclasses.dataclass(frozen=True, slots=True)
class Appearance:
    """One article's first reproduction of a statement, for a timeline."""

    article: str
    date: dt.date | None
    quote: str
    fidelity: str | None


def timeline(
    statement: Statement, quotes: Mapping[str, Quote], articles: Mapping[str, Dated], links: Sequence[Link]
) -> list[Appearance]:
    """Where a statement appeared, one entry per article, earliest first (undated articles last)."""
    fidelity = _fidelity_to(statement.id, links)
    first: dict[str, Quote] = {}
    for qid in statement.quotes:
        q = quotes.get(qid)
        if q is not None and (q.article not in first or q.start < first[q.article].start):
            first[q.article] = q
    out = []
    for article_id, q in first.items():
        art = articles.get(article_id)
        out.append(Appearance(article_id, art.date if art else None, q.id, fidelity.get(q.id)))
    out.sort(key=lambda a: (a.date or dt.date.max, a.article))
    return out


# ---------------------------------------------------------------- compiled loops


def _components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The connected groups of ``n`` nodes joined by the edges ``(a[k], b[k])``: each node's group,
    named by a member (union-find, halving paths)."""
    parent = np.arange(n)
    for k in range(len(a)):
        x, y = a[k], b[k]
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        while parent[y] != y:
            parent[y] = parent[parent[y]]
            y = parent[y]
        if x < y:
            parent[y] = x
        elif y < x:
            parent[x] = y
    for i in range(n):
        parent[i] = parent[parent[i]]  # roots are below their members: one step reaches each root
    return parent


class _Kernels(NamedTuple):
    paraphrase_pairs: Callable[..., Any]
    components: Callable[..., Any]


@functools.cache
def _kernels() -> _Kernels:
    """The compiled loops of linking (``_paraphrase_loop``, ``_components``), compiled on first use."""
    return _Kernels(jit(_paraphrase_loop), jit(_components))
