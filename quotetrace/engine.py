"""Execution engines: where extraction and the parallel parts of linking run.

Both engines run the same stage functions and give the same ``Trace``, byte for byte:

- ``LocalEngine(jobs=1)`` runs everything in this process; with ``jobs=N`` it extracts in
  N processes (chunks of articles, a ``ProcessPoolExecutor``) and verifies pairs in N
  processes too. Blocking stays in memory here: it is the fast path.
- ``DaskEngine(scheduler=None, workers=None)`` connects to a Dask scheduler
  (``tcp://HOST:8786``), or starts a ``LocalCluster`` of ``workers`` single-threaded worker
  processes and closes it when done. Extraction maps over partitions of the articles. For
  linking, every quote emits its blocking keys, the keys are shuffled across the workers
  (``dask.bag`` groupby), and each key's posting list is turned into candidate pairs where it
  lands, so no single machine holds the whole candidate index. Pairs are verified where they
  are, and only the pairs that reproduce come back, for clustering.

>>> import quotetrace as qt
>>> with DaskEngine(workers=2) as engine:  # doctest: +SKIP
...     t = qt.trace("seeds/", engine=engine)

Everything that comes back is put in input order (extractions) or pair order (verdicts), so
the number of jobs, workers or partitions never changes the result.
"""

from __future__ import annotations

import concurrent.futures
import gc
import importlib
import logging
import math
import multiprocessing
import operator
import os
import pickle
import socket
import sys
import threading
import uuid
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence, Sized
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar, overload

import numpy as np

from quotetrace.errors import QuotetraceError
from quotetrace.extract import Extraction, TaggerName, extract_quotes
from quotetrace.match import (
    MAX_DF,
    SHINGLE,
    distinct,
    key_pairs,
    packed_pairs,
    probe_keys,
    shingles,
    short_key_pairs,
    short_keys,
    unpack_pairs,
)
from quotetrace.model import Article
from quotetrace.progress import OnProgress
from quotetrace.provenance import (
    MAX_POSTING,
    LinkTable,
    Verdicts,
    local_pairs,
    paraphrase_keys,
    paraphrase_partners,
    paraphrase_probes,
    verify_pairs,
)

LOGGER = logging.getLogger(__name__)

ENGINES = ("local", "dask")
# Work is cut into a few chunks per worker, so a slow chunk (a long article) does not leave the
# other workers idle at the end; more chunks cost more scheduling than they save.
CHUNKS_PER_WORKER = 4
# Pairs verified per task: a few milliseconds of work each at the seed story's quote lengths.
PAIRS_PER_CHUNK = 2000
# Verification goes to worker processes only with at least this many pairs for each quote they must be
# sent. Measured on a 100,000-article story (docs/benchmarks.md, session 28): a quote's words cost about
# 32 µs to pickle and unpickle, a pair about 15 µs to verify, so two workers save 7.5 µs a pair. A full
# trace verifies 18 pairs a quote (two processes: 60 s saved of 420); an incremental one far fewer
# (6 s lost of 144).
SHIPPED_PAIRS = 5


class EngineError(QuotetraceError):
    """An engine cannot start, or cannot reach its scheduler."""


T = TypeVar("T")


class Engine(Protocol):
    """Where the pipeline's parallel work runs: extraction, and finding and verifying pairs."""

    @overload
    def extract(
        self, articles: Sequence[Article], *, tagger: TaggerName = "fast", on_progress: OnProgress | None = None
    ) -> list[Extraction]: ...

    @overload
    def extract(
        self,
        articles: Sequence[Article],
        *,
        tagger: TaggerName = "fast",
        on_progress: OnProgress | None = None,
        encode: Callable[[Extraction], T],
    ) -> list[T]: ...

    def extract(
        self,
        articles: Sequence[Article],
        *,
        tagger: TaggerName = "fast",
        on_progress: OnProgress | None = None,
        encode: Callable[[Extraction], Any] | None = None,
    ) -> list[Any]:
        """The extraction of each article, in input order; ``on_progress`` hears "articles extracted"
        and "quotes found" as chunks finish. ``encode`` (a module-level function) is applied to each
        where it is made, in the worker: what crosses back is its result (a store's rows, say, which
        cost a tenth of the objects to send)."""
        ...

    def verified_pairs(self, table: LinkTable, *, on_progress: OnProgress | None = None) -> Verdicts:
        """Every candidate pair of ``table`` that reproduces, ordered by pair (lower index, higher index);
        ``on_progress`` hears "pairs verified"."""
        ...

    def close(self) -> None:
        """Release what the engine started (processes, a cluster)."""
        ...


def check_options(
    name: str = "local", *, jobs: int | None = None, scheduler: str | None = None, workers: int | None = None
) -> None:
    """Refuse options of the other engine, or an unknown engine, with a one-line ``EngineError``."""
    if name not in ENGINES:
        raise EngineError(f"unknown engine {name!r}: expected one of {', '.join(ENGINES)}")
    if name == "local" and (scheduler is not None or workers is not None):
        raise EngineError("--scheduler and --workers are for --engine dask")
    if name == "dask" and jobs is not None:
        raise EngineError("--jobs is for --engine local; with --engine dask give --workers N or --scheduler ADDRESS")
    if scheduler is not None and workers is not None:
        raise EngineError("--workers starts a local cluster; with --scheduler the cluster's own workers are used")


def make_engine(
    name: str = "local", *, jobs: int | None = None, scheduler: str | None = None, workers: int | None = None
) -> Engine:
    """The engine ``name`` ("local" or "dask") with its options (see ``check_options``)."""
    check_options(name, jobs=jobs, scheduler=scheduler, workers=workers)
    if name == "local":
        return LocalEngine(jobs=1 if jobs is None else jobs)
    return DaskEngine(scheduler=scheduler, workers=workers)


def extract_chunk(articles: Sequence[Article], tagger: TaggerName = "fast") -> list[Extraction]:
    """Extract each article of a chunk, in order (the unit of work both engines hand out)."""
    return [extract_quotes(a, tagger=tagger) for a in articles]


def _extract_chunk(
    articles: Sequence[Article], tagger: TaggerName = "fast", encode: Callable[[Extraction], Any] | None = None
) -> list[tuple[Any, int]]:
    """``extract_chunk``, each extraction encoded (when ``encode`` is given) and with its number of quotes."""
    return [(ex if encode is None else encode(ex), len(ex.quotes)) for ex in extract_chunk(articles, tagger)]


_Sliceable = TypeVar("_Sliceable", Sequence[Any], np.ndarray)


def _chunks(items: _Sliceable, n: int) -> list[_Sliceable]:
    size = max(1, math.ceil(len(items) / max(1, n)))
    return [items[k : k + size] for k in range(0, len(items), size)]


def _extracted(chunks: Iterable[list[tuple[Any, int]]], total: int, on_progress: OnProgress | None) -> list[Any]:
    """The chunks' extractions (``_extract_chunk``) joined, in the order the chunks come; progress
    told as each arrives."""
    out: list[Any] = []
    found = 0
    for chunk in chunks:
        out.extend(item for item, _ in chunk)
        if on_progress is not None:
            found += sum(n for _, n in chunk)
            on_progress("articles extracted", len(out), total)
            on_progress("quotes found", found, None)
    return out


# ---------------------------------------------------------------- local


_TABLE: LinkTable | None = None  # a pool worker's copy of the table, sent once when it starts


def _install_table(pickled: bytes) -> None:
    """A verification worker's start: the table it is sent, and its cycle collector paused for the
    rest of its life, as the trace's is in the process that started it (``memory.collector_paused``).
    The table is millions of objects, and each full pass of the collector went over all of them."""
    global _TABLE
    gc.disable()
    _TABLE = pickle.loads(pickled)


def _verified(chunks: Iterable[tuple[Sized, Verdicts]], total: int | None, on_progress: OnProgress | None) -> Verdicts:
    """Each chunk's verdicts joined, in the order the chunks come; "pairs verified" told as each arrives."""

    def arriving() -> Iterator[Verdicts]:
        done = 0
        for pairs, verdicts in chunks:
            done += len(pairs)
            if on_progress is not None:
                on_progress("pairs verified", done, total)
            yield verdicts

    return Verdicts.joined(arriving())  # only the columns are kept, not a chunk's object each


def _verify_chunk(pairs: np.ndarray) -> Verdicts:
    """Verify a chunk of packed pairs (``match.pack_pairs``) against the table the pool was given."""
    assert _TABLE is not None, "the pool was started without its table"
    return verify_pairs(_TABLE, unpack_pairs(pairs))


def _named(pairs: np.ndarray) -> np.ndarray:
    """The quotes ``pairs`` (packed) name, in order."""
    return distinct(np.concatenate([pairs >> 32, pairs & 0xFFFFFFFF]))


def _named_part(
    table: LinkTable, pairs: np.ndarray, named: np.ndarray | None = None
) -> tuple[LinkTable, np.ndarray, np.ndarray | None]:
    """The part of ``table`` that ``pairs`` (packed) name (``named``, when known already), the pairs
    numbered in it, and the index in ``table`` of each of its quotes (None: the part is the whole table).

    Workers are sent the part: an incremental run verifies the pairs of a few fresh quotes, and
    pickling a large story's whole table to each worker took longer than verifying them. Numbered
    in the table's order, the part's pairs sort as the table's did."""
    if named is None:
        named = _named(pairs)
    if len(named) == len(table.words):
        return table, pairs, None
    part = table.part(named.tolist())
    local = packed_pairs(np.searchsorted(named, pairs >> 32), np.searchsorted(named, pairs & 0xFFFFFFFF))
    return part, local, named


def _pool_context() -> multiprocessing.context.BaseContext:
    # Not "fork": the parent may run threads (a Dask client, a progress bar), and a forked child
    # inherits their locks. A fork server started once is nearly as quick to hand out workers.
    if sys.platform.startswith("linux"):
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["quotetrace.engine"])
        return ctx
    return multiprocessing.get_context("spawn")


def _share_cores(workers: int) -> None:
    """A worker process's share of the cores, for the libraries that would each take them all
    (torch, under the contextual tagger: two workers with two threads each on two cores extracted
    at half the speed of one process). Set before they are imported, which a worker does late."""
    share = str(max(1, (os.cpu_count() or 1) // workers))
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(name, share)


class LocalEngine:
    """Everything on this machine: in this process for ``jobs=1``, else in ``jobs`` processes.

    >>> LocalEngine(jobs=2).extract(articles)  # doctest: +SKIP
    """

    def __init__(self, jobs: int = 1) -> None:
        if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
            raise EngineError(f"jobs must be a whole number of processes, 1 or more; got {jobs!r}")
        self.jobs = jobs
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None

    def extract(
        self,
        articles: Sequence[Article],
        *,
        tagger: TaggerName = "fast",
        on_progress: OnProgress | None = None,
        encode: Callable[[Extraction], Any] | None = None,
    ) -> list[Any]:
        """The extraction of each article, in input order, each ``encode``-d where it is made (see
        ``Engine.extract``).

        With ``jobs`` > 1 the worker processes start at the first call and serve every later one
        (the store extracts a batch at a time) until ``close``.
        """
        if self.jobs == 1 or len(articles) < 2:
            return _extracted((_extract_chunk([a], tagger, encode) for a in articles), len(articles), on_progress)
        if self._pool is None:
            self._pool = concurrent.futures.ProcessPoolExecutor(
                self.jobs, mp_context=_pool_context(), initializer=_share_cores, initargs=(self.jobs,)
            )
        chunks = _chunks(articles, self.jobs * CHUNKS_PER_WORKER)
        done = self._pool.map(_extract_chunk, chunks, [tagger] * len(chunks), [encode] * len(chunks))
        return _extracted(done, len(articles), on_progress)

    def verified_pairs(self, table: LinkTable, *, on_progress: OnProgress | None = None) -> Verdicts:
        """Blocking in memory (the fast path), then verification here, or in ``jobs`` processes when
        the pairs are many enough for what sending the workers their quotes costs."""
        pairs = local_pairs(table)
        named = _named(pairs) if self.jobs > 1 else None
        if named is None or len(pairs) < max(2 * PAIRS_PER_CHUNK, SHIPPED_PAIRS * len(named)):
            chunks = _chunks(pairs, math.ceil(len(pairs) / PAIRS_PER_CHUNK))
            return _verified(((c, verify_pairs(table, unpack_pairs(c))) for c in chunks), len(pairs), on_progress)
        # the part is cut only when it is sent: the threshold needs no more than how many quotes it holds
        part, local, index = _named_part(table, pairs, named)
        chunks = _chunks(local, max(self.jobs * CHUNKS_PER_WORKER, len(local) // (4 * PAIRS_PER_CHUNK)))
        # pickled once here, not once a worker as it starts: a large story's table takes seconds to pickle
        pickled = pickle.dumps(part, protocol=pickle.HIGHEST_PROTOCOL)
        del part
        with concurrent.futures.ProcessPoolExecutor(
            self.jobs, mp_context=_pool_context(), initializer=_install_table, initargs=(pickled,)
        ) as pool:
            found = _verified(zip(chunks, pool.map(_verify_chunk, chunks), strict=True), len(pairs), on_progress)
        return found if index is None else found.renumbered(index)

    def close(self) -> None:
        """Stop the extraction processes, if any were started (verification's end with each call)."""
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"LocalEngine(jobs={self.jobs})"


# ---------------------------------------------------------------- dask
#
# Linking on Dask, as a chain of shuffles over (key, value) records; each step is a pure
# function of one partition, so it runs on any worker:
#
#   1. each quote emits its keys: its shingles ("g"), its (speaker, content word) pairs ("p"),
#      and the word runs a short quote could be ("s");                       shuffle by key
#   2. each key's posting list tells its holders how rare it is (df), and a run held by a
#      short quote gives that quote's pairs at once;                         shuffle by quote
#   3. each quote picks its rarest keys as probes;                           shuffle by key
#   4. each key joins its probers to its posting list: shingle pairs, and for reported
#      speech the quotes sharing each probe;                                 shuffle by quote
#   5. each report keeps the quotes sharing most of its probes;              shuffle by low index
#   6. the pairs of each low index are deduplicated and verified against the table.
#
# Only step 6 reads the table (each worker fetches it once); steps 1-5 move keys and indices.

Record = tuple[Any, Any]  # (key, value); keys are plain tuples, strings and ints


def _bucket(key: Any, buckets: int) -> int:
    """A key's bucket, the same in every process (``hash`` of a string is not: it is salted per process)."""
    if type(key) is int:  # a quote's index: most records of the later steps
        return key % buckets
    return zlib.crc32(repr(key).encode("utf-8", "backslashreplace")) % buckets


def _bucketed(records: Iterable[Record], buckets: int) -> list[tuple[int, list[Record]]]:
    """A partition's records by bucket: the shuffle then moves one record per bucket and partition,
    and Dask hashes bucket numbers instead of every key."""
    out: dict[int, list[Record]] = defaultdict(list)
    for record in records:
        out[_bucket(record[0], buckets)].append(record)
    return list(out.items())


def _unbucketed(groups: Iterable[tuple[int, list[tuple[int, list[Record]]]]]) -> list[tuple[Any, list[Any]]]:
    """The buckets a partition received, as (key, values) with each key's values from every partition, sorted."""
    out: dict[Any, list[Any]] = defaultdict(list)
    for _, parts in groups:
        for _, records in parts:
            for key, value in records:
                out[key].append(value)
    return [(key, sorted(values)) for key, values in out.items()]


def _emit_keys(indices: Iterable[int], table: LinkTable, wanted: frozenset[tuple[str, ...]]) -> list[Record]:
    lengths = {len(run) for run in wanted}
    out: list[Record] = []
    for i in indices:
        w = table.words[i]
        n = len(w.norm)
        out.extend((("g", gram), i) for gram in shingles(w, SHINGLE))
        out.extend((("p", *key), (i, table.indirect[i], n)) for key in paraphrase_keys(table, i))
        if lengths:
            out.extend((("s", run), (i, n)) for run in short_keys(w, lengths) & wanted)
    return out


def _rarity(postings: Iterable[tuple[Any, list[Any]]], max_df: int, max_posting: int) -> list[Record]:
    """Step 2: (quote, (kind, df, key)) for each key a quote may probe; short quotes' pairs as ("pair", pair)."""
    out: list[Record] = []
    for key, posting in postings:
        tag, *rest = key
        df = len(posting)
        if tag == "g" and df <= max_df:
            out.extend((i, ("g", df, rest[0])) for i in posting)
        elif tag == "p" and df <= max_posting:
            out.extend((i, ("p", df, tuple(rest))) for i, indirect, _ in posting if indirect)
        elif tag == "s":
            out.extend(("pair", pair) for pair in short_key_pairs(len(rest[0]), posting))
    return out


def _probes(notes: Iterable[tuple[Any, list[Any]]]) -> list[Record]:
    """Step 3: each quote's probe requests, (key, (i, need)); need is 0 for shingles."""
    out: list[Record] = []
    for i, kinds in notes:
        grams = [(df, key) for tag, df, key in kinds if tag == "g"]
        out.extend((("g", gram), (i, 0)) for gram in probe_keys(grams))
        words = [(df, key) for tag, df, key in kinds if tag == "p"]
        if words:
            probes, need = paraphrase_probes(words)
            out.extend((("p", *key), (i, need)) for key in probes)
    return out


def _is_pair(record: Record) -> bool:
    return bool(record[0] == "pair")


def _is_short(record: Record) -> bool:
    return bool(record[0][0] == "s")


def _tagged(records: Iterable[tuple[Any, Any]], tag: str) -> list[Record]:
    return [(key, (tag, value)) for key, value in records]


def _join(groups: Iterable[tuple[Any, list[Any]]]) -> list[Record]:
    """Step 4: a key's probers against its posting list: shingle pairs, and shared reported-speech probes."""
    out: list[Record] = []
    for key, values in groups:
        posting = next((v for tag, v in values if tag == "post"), None)
        probers = [v for tag, v in values if tag == "probe"]
        if posting is None or not probers:
            continue
        if key[0] == "g":
            out.extend((i, ("pair", j)) for i, j in key_pairs([i for i, _ in probers], posting))
        else:
            for i, need in probers:
                out.extend((i, ("shared", j, n, need)) for j, _, n in posting if j != i)
    return out


def _partners(groups: Iterable[tuple[Any, list[Any]]]) -> list[Record]:
    """Step 5: each low index with its high partners: shingle pairs as they are, reports' best candidates."""
    out: list[Record] = []
    for i, values in groups:
        shared: Counter[int] = Counter()
        lengths: dict[int, int] = {}
        need = 0
        for tag, *rest in values:
            if tag == "pair":
                out.append((i, rest[0]))
            else:
                j, n, need = rest
                shared[j] += 1
                lengths[j] = n
        if shared:
            out.extend(paraphrase_partners(i, shared, lengths, need))
    return out


def _verify_groups(groups: Iterable[tuple[Any, list[Any]]], table: LinkTable) -> list[tuple[int, Verdicts]]:
    """Step 6: a partition's pairs, deduplicated, verified in pair order: [(pairs verified, verdicts)]."""
    pairs = sorted({(lo, hi) for lo, his in groups for hi in his})
    return [(len(pairs), verify_pairs(table, pairs))]


def _ignore(_: object) -> None:
    pass


def _optional(module: str) -> Any:
    """A module of the ``dask`` extra (untyped to us: its API is not annotated), or a one-line error."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise EngineError("the dask engine needs pip install 'quotetrace[dask]'") from None


SCHEMES = ("tcp", "tls", "ws", "wss")


def _probe(address: str, timeout: float) -> None:
    """Fail fast, in one line, on an address that is malformed or where nothing listens.

    A ``distributed.Client`` that cannot connect keeps retrying until its timeout, and the
    half-made client then blocks the interpreter's exit for as long again.
    """
    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        scheme, location = parse_address(address, strict=False)
        if scheme not in SCHEMES:
            raise ValueError(f"expected tcp://HOST:PORT, got the scheme {scheme}://")
        host, port = parse_host_port(location)
        if not 0 < int(port) < 65536:
            raise ValueError(f"{port} is not a port number")
    except (ValueError, TypeError) as err:
        raise EngineError(f"{address!r} is not a Dask scheduler address: {err} (e.g. tcp://HOST:8786)") from None
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except OSError as err:
        reason = err.strerror or str(err) or type(err).__name__
        raise EngineError(f"cannot reach the Dask scheduler at {address}: {reason}") from None


def _first_line(err: BaseException) -> str:
    return str(err).splitlines()[0] if str(err).strip() else type(err).__name__


def _connect(distributed: Any, address: str, timeout: float) -> Any:
    """A client of the scheduler at ``address``, or a one-line ``EngineError`` within about ``timeout``.

    The client is made in a thread of its own: a server on that port that accepts the connection
    but never answers as a Dask scheduler would otherwise hold the client's start for ever.
    """
    _probe(address, timeout)
    made: dict[str, Any] = {}

    def connect() -> None:
        try:
            made["client"] = distributed.Client(address, timeout=timeout, set_as_default=False)
        except Exception as err:  # reported below, in one line; keeping only the text frees the half-made client
            made["error"] = _first_line(err)

    thread = threading.Thread(target=connect, name="quotetrace-dask-connect", daemon=True)
    thread.start()
    thread.join(timeout + 5)
    if thread.is_alive():
        raise EngineError(f"no Dask scheduler answered at {address} within {timeout + 5:.0f} s")
    if "error" in made:
        gc.collect()  # the half-made client closes now, while its event loop runs, not at exit
        raise EngineError(f"cannot reach the Dask scheduler at {address}: {made['error']}")
    return made["client"]


class DaskEngine:
    """Extraction and linking on a Dask cluster: ``scheduler`` (``tcp://HOST:8786``), or a
    ``LocalCluster`` of ``workers`` processes started here (one per core when None).

    Needs the ``dask`` extra (``pip install 'quotetrace[dask]'``). Use it in a ``with`` block, or
    call ``close()``: a cluster it started is shut down then.
    """

    def __init__(self, scheduler: str | None = None, workers: int | None = None, *, timeout: float = 10.0) -> None:
        distributed = _optional("distributed")
        _optional("dask.bag")
        if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
            raise EngineError(f"workers must be a whole number of processes, 1 or more; got {workers!r}")
        check_options("dask", scheduler=scheduler, workers=workers)
        self.scheduler = scheduler
        self._cluster: Any = None
        self._client: Any = None
        if scheduler is not None:
            self._client = _connect(distributed, scheduler, timeout)
            return
        try:
            self._cluster = distributed.LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            self._client = distributed.Client(self._cluster, set_as_default=False)
        except (OSError, TimeoutError, ValueError, TypeError) as err:
            reason = _first_line(err)
        else:
            return
        self.close()
        raise EngineError(f"cannot start a local Dask cluster: {reason}")

    @property
    def scheduler_address(self) -> str:
        """The scheduler's address (``tcp://HOST:PORT``): another client, or ``--scheduler``, can use it."""
        return str(self._client.scheduler.address)

    @property
    def workers(self) -> int:
        """How many worker threads the cluster has now."""
        return max(1, int(sum(self._client.nthreads().values())))

    def extract(
        self,
        articles: Sequence[Article],
        *,
        tagger: TaggerName = "fast",
        on_progress: OnProgress | None = None,
        encode: Callable[[Extraction], Any] | None = None,
    ) -> list[Any]:
        """The extraction of each article, in input order: one task per partition of the articles,
        each extraction ``encode``-d on its worker (see ``Engine.extract``)."""
        db = _optional("dask.bag")
        if not articles:
            return []
        parts = min(len(articles), self.workers * CHUNKS_PER_WORKER)
        bag = db.from_sequence(list(articles), npartitions=parts).map_partitions(_extract_chunk, tagger, encode)
        done = found = 0

        def tell(chunk: list[tuple[Any, int]]) -> None:
            nonlocal done, found
            done += len(chunk)
            found += sum(n for _, n in chunk)
            if on_progress is not None:
                on_progress("articles extracted", done, len(articles))
                on_progress("quotes found", found, None)

        return [item for chunk in self._partitions(bag, tell) for item, _ in chunk]

    def verified_pairs(self, table: LinkTable, *, on_progress: OnProgress | None = None) -> Verdicts:
        """Blocking keys shuffled across the workers, pairs verified where they land (see the module notes)."""
        if len(table.words) < 2:
            return Verdicts.of(())
        groups, shared = self._candidates(table)
        verified = groups.map_partitions(_verify_groups, shared)
        done = 0

        def tell(part: list[tuple[int, Verdicts]]) -> None:
            nonlocal done
            done += sum(count for count, _ in part)
            if on_progress is not None:
                on_progress("pairs verified", done, None)  # the total is known only at the end

        found = (verdicts for part in self._partitions(verified, tell) for _, verdicts in part)
        return Verdicts.joined(found).in_pair_order()

    def candidate_pairs(self, table: LinkTable) -> list[tuple[int, int]]:
        """The candidate pairs alone, in order, found on the cluster: the same as ``provenance.local_pairs``."""
        if len(table.words) < 2:
            return []
        groups, _ = self._candidates(table)
        return sorted({(lo, hi) for part in self._partitions(groups, _ignore) for lo, his in part for hi in his})

    def _candidates(self, table: LinkTable) -> tuple[Any, Any]:
        """Steps 1-5 of the module notes, as a bag of (low index, [high indices]), and the table as a Dask value."""
        dask, db = _optional("dask"), _optional("dask.bag")
        n = len(table.words)
        parts = max(2, min(self.workers * CHUNKS_PER_WORKER, math.ceil(n / 500)))
        # the table travels once to each worker that needs it, not once per task
        shared = dask.delayed(table, name=f"link-table-{uuid.uuid4().hex}", traverse=False)
        wanted = frozenset(w.norm for w in table.words if 0 < len(w.norm) < SHINGLE)

        def shuffle(bag: Any) -> Any:
            """(key, value) records -> (key, [values]), each key whole in one partition."""
            grouped = bag.map_partitions(_bucketed, parts).groupby(operator.itemgetter(0), shuffle="tasks")
            return grouped.map_partitions(_unbucketed)

        postings = shuffle(db.range(n, npartitions=parts).map_partitions(_emit_keys, shared, wanted))
        notes = postings.map_partitions(_rarity, MAX_DF, MAX_POSTING)
        short = notes.filter(_is_pair).map(operator.itemgetter(1))
        probes = shuffle(notes.remove(_is_pair)).map_partitions(_probes)
        keyed = postings.remove(_is_short).map_partitions(_tagged, "post")
        joined = shuffle(db.concat([keyed, probes.map_partitions(_tagged, "probe")])).map_partitions(_join)
        partners = shuffle(joined).map_partitions(_partners)
        return shuffle(db.concat([short, partners])), shared

    def _partitions(self, bag: Any, arrived: Callable[[Any], object]) -> list[Any]:
        """Each partition of ``bag``, computed on the cluster, in partition order; ``arrived`` sees each
        as it finishes."""
        distributed = _optional("distributed")
        futures = self._client.compute(bag.to_delayed())
        index = {f.key: k for k, f in enumerate(futures)}
        parts: list[Any] = [None] * len(futures)
        for future, part in distributed.as_completed(futures, with_results=True, loop=self._client.loop):
            parts[index[future.key]] = part
            arrived(part)
        return parts

    def close(self) -> None:
        """Close the client, and the cluster when this engine started it."""
        for thing in (self._client, self._cluster):
            if thing is not None:
                try:
                    thing.close()
                except Exception:  # closing is best effort: a scheduler already gone is closed enough
                    LOGGER.debug("closing %r failed", thing, exc_info=True)
        self._client = self._cluster = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        where = self.scheduler or "LocalCluster"
        return f"DaskEngine({where!r})"


__all__ = [
    "ENGINES",
    "DaskEngine",
    "Engine",
    "EngineError",
    "LocalEngine",
    "check_options",
    "extract_chunk",
    "make_engine",
]
