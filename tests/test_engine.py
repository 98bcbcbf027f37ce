"""Execution engines: the same trace, byte for byte, in process, in processes and on a real Dask cluster.

One ``LocalCluster`` of two worker processes serves the whole module; the command-line tests
reach it through ``--scheduler``.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import gc
import pickle
import socket
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from _factories import named_by_quotes
from click.testing import CliRunner, Result

import quotetrace
from quotetrace.cli import cli
from quotetrace.engine import (
    PAIRS_PER_CHUNK,
    SHIPPED_PAIRS,
    DaskEngine,
    EngineError,
    LocalEngine,
    _install_table,
    _named_part,
    _pool_context,
    extract_chunk,
    make_engine,
)
from quotetrace.export import to_json
from quotetrace.ingest import article_from_text, read_articles
from quotetrace.match import Words, idf_weights, unpack_pairs
from quotetrace.model import Article
from quotetrace.pipeline import trace_store
from quotetrace.provenance import LOCAL, LinkTable, local_pairs
from quotetrace.store import open_store, pack_extraction

pytest.importorskip("distributed")  # the dask extra, which dev installs

OFFER = "Ukraine is ready to hand over Kim Jong Un's soldiers to him if he can organize their exchange"
PARADE = "We will organize a grand parade for our brave soldiers when they come home next spring"


def generated() -> list[Article]:
    """A small story of its own: reprints cut, respelled and reported, one quote given to the wrong
    speaker, and quotations too short to shingle (they are blocked as whole word runs)."""
    texts = {
        "g1": f"Seoul, Jan 14\nKim Jong Un said on state television: “{PARADE}.” “Confirmed,” the ministry said.",
        "g2": f"By Reuters\nKim Jong Un told officers: “{PARADE.replace('organize', 'organise')}.”\n"
        "“Self destruct,” Kim Jong Un said of the drones.",
        "g3": "Kim Jong Un said that they would organise a grand parade for the brave soldiers next spring. "
        f"“Confirmed,” a ministry spokesman said.\nZelensky wrote: “{OFFER}.”",
        "g4": f"Lee Seong-kweun told reporters: “{PARADE}.” Zelensky said: “{OFFER[:60]}.”",
        "g5": "“Self destruct,” one of the soldiers said. Kim Jong Un said: “a grand parade for our brave soldiers.”",
    }
    return [
        article_from_text(text, id=f"{key}.txt", metadata={"date": f"2025-01-1{n}"})
        for n, (key, text) in enumerate(texts.items())
    ]


@pytest.fixture(scope="module")
def cluster() -> Iterator[DaskEngine]:
    """A real LocalCluster: two single-threaded worker processes, started once for the module."""
    with DaskEngine(workers=2) as engine:
        yield engine


@pytest.fixture(scope="module")
def corpora(seeds_dir: Path) -> dict[str, tuple[Article, ...]]:
    seeds = read_articles([seeds_dir])
    return {"seeds": seeds, "seeds and generated": (*seeds, *generated())}


def traced(articles: Sequence[Article], engine: object) -> str:
    return to_json(quotetrace.trace(list(articles), engine=engine))  # type: ignore[arg-type]


def test_every_engine_gives_the_same_json(cluster: DaskEngine, corpora: dict[str, tuple[Article, ...]]) -> None:
    for name, articles in corpora.items():
        expected = traced(articles, None)
        assert traced(articles, LocalEngine(jobs=1)) == expected, name
        assert traced(articles, LocalEngine(jobs=2)) == expected, name
        assert traced(articles, cluster) == expected, name
        assert '"links": [' in expected and expected.count('"fidelity"') > 10, name


def test_the_generated_story_exercises_every_kind_of_pair(corpora: dict[str, tuple[Article, ...]]) -> None:
    t = quotetrace.trace(list(corpora["seeds and generated"]))
    ours = [q for q in t.quotes if q.article.startswith("g")]
    assert {q.kind for q in ours} >= {"direct", "indirect"}
    assert any(len(Words.of(q.text)) < 3 for q in ours), "no quotation short enough for the whole-run blocking"
    assert any(ln.conflict for ln in t.links), "no attribution conflict"
    assert {ln.fidelity for ln in t.links if ln.source in {q.id for q in ours}} >= {"verbatim", "variant"}


def reprint_table(seeds_dir: Path, n: int = 1500) -> LinkTable:
    """Sentences of the seed articles, cut and reproduced by a few speakers, some reported, some
    only one or two words long."""
    text = " ".join(p.read_text(encoding="utf-8") for p in sorted(seeds_dir.glob("*.txt")))
    base = [" ".join(s.split()) for s in text.replace("“", " ").replace("”", " ").split(".")]
    base = sorted({s for s in base if 5 <= len(s.split()) <= 40})[:150]
    texts: list[str] = []
    for k in range(n):
        words = base[k % len(base)].split()
        cut = words[k % 3 : len(words) - (k % 2)]
        texts.append(" ".join(cut) if k % 7 else "confirmed" if k % 2 else "self destruct")
    words_of = tuple(Words.of(t) for t in texts)
    return LinkTable(
        words_of,
        tuple(k % 5 == 0 for k in range(n)),
        tuple((0, -(k % 11), f"a{k % 13}", -k) for k in range(n)),
        tuple(("Kim Jong Un", "Zelensky", "")[k % 3] for k in range(n)),
        idf_weights(words_of),
    )


def test_blocking_on_the_cluster_finds_exactly_the_local_pairs(cluster: DaskEngine, seeds_dir: Path) -> None:
    table = reprint_table(seeds_dir)
    expected = list(unpack_pairs(local_pairs(table)))
    assert len(expected) > 1000
    assert cluster.candidate_pairs(table) == expected
    assert cluster.verified_pairs(table) == LOCAL.verified_pairs(table)


def test_each_pair_of_texts_is_compared_once_and_means_the_same(
    seeds_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reprints share their ``Words``: verification compares each pair of texts once, and every
    pair of quotes gets the verdict comparing them alone gives, however few pairs it remembers."""
    from quotetrace import provenance
    from quotetrace.match import compare, compared_fields
    from quotetrace.provenance import Verdict, verify_pairs

    table = reprint_table(seeds_dir, 600)
    shared: dict[str, Words] = {}
    table = dataclasses.replace(table, words=tuple(shared.setdefault(w.text, w) for w in table.words))
    pairs = list(unpack_pairs(local_pairs(table)))
    alone = []
    for i, j in pairs:
        orig, rep = provenance._orient(i, j, table)
        cmp = compare(
            table.words[orig], table.words[rep], paraphrase=table.indirect[rep], weights=table.idf, diff=False
        )
        if cmp is not None:
            alone.append(Verdict(orig, rep, cmp))
    calls = 0

    def counted(*args: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        return compared_fields(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(provenance, "compared_fields", counted)
    assert list(verify_pairs(table, pairs)) == alone
    assert len(shared) < 600 and 0 < calls < len(pairs)
    monkeypatch.setattr(provenance, "_COMPARED", 3)
    assert list(verify_pairs(table, pairs)) == alone


def test_local_processes_verify_the_same_pairs(seeds_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    table = reprint_table(seeds_dir, 3000)
    assert LocalEngine(jobs=2).verified_pairs(table) == LOCAL.verified_pairs(table)
    # an incremental run: the workers would get only the quotes the fresh pairs name, numbered afresh
    fresh = dataclasses.replace(table, fresh=tuple(k < 100 for k in range(3000)))
    pairs = local_pairs(fresh)
    part, local, named = _named_part(fresh, pairs)
    assert named is not None and len(part.words) < 3000 and len(local) == len(pairs)
    assert [part.words[k] is fresh.words[i] for k, i in enumerate(named.tolist())] == [True] * len(named)
    assert (named[local >> 32] == pairs >> 32).all() and (named[local & 0xFFFFFFFF] == pairs & 0xFFFFFFFF).all()
    expected = LOCAL.verified_pairs(fresh)
    assert 2 * PAIRS_PER_CHUNK < len(pairs) < SHIPPED_PAIRS * len(part.words)

    def no_pool(*args: object, **kwargs: object) -> None:
        raise AssertionError("a pool was started")

    with monkeypatch.context() as mp:  # too few pairs for each quote the workers would be sent: verified here
        mp.setattr(concurrent.futures, "ProcessPoolExecutor", no_pool)
        assert LocalEngine(jobs=2).verified_pairs(fresh) == expected
    monkeypatch.setattr("quotetrace.engine.SHIPPED_PAIRS", 0)  # sent anyway: the same verdicts
    assert LocalEngine(jobs=2).verified_pairs(fresh) == expected


class _CollectorState:
    """Read back (unpickled) as whether the cycle collector is running as it is read."""

    def __reduce__(self) -> tuple[object, tuple[()]]:
        return gc.isenabled, ()


def _worker_table() -> object:
    import quotetrace.engine

    return quotetrace.engine._TABLE


def test_a_verification_worker_reads_its_table_with_the_cycle_collector_paused() -> None:
    # the table is millions of objects at scale: at 100,000 articles, full passes of the collector
    # were 5 of the 12 s a worker took to read it (docs/benchmarks.md, session 29)
    with concurrent.futures.ProcessPoolExecutor(
        1, mp_context=_pool_context(), initializer=_install_table, initargs=(pickle.dumps(_CollectorState()),)
    ) as pool:
        assert pool.submit(_worker_table).result() is False  # the "table": whether it ran as the table was read
        assert pool.submit(gc.isenabled).result() is False  # nor after


def test_extraction_comes_back_in_input_order(cluster: DaskEngine, corpora: dict[str, tuple[Article, ...]]) -> None:
    articles = list(reversed(corpora["seeds and generated"]))
    expected = extract_chunk(articles)
    assert [ex.article for ex in expected] == [a.id for a in articles]
    assert LocalEngine(jobs=2).extract(articles) == expected
    assert cluster.extract(articles) == expected
    assert cluster.extract([]) == [] and LocalEngine(jobs=2).extract([]) == []
    # encoded where they are made (a store's rows): the same, in the same order
    packed = [pack_extraction(ex) for ex in expected]
    for engine in (LocalEngine(), LocalEngine(jobs=2), cluster):
        assert engine.extract(articles, encode=pack_extraction) == packed


def test_progress_counts_pairs_verified(cluster: DaskEngine, corpora: dict[str, tuple[Article, ...]]) -> None:
    articles = list(corpora["seeds and generated"])
    for engine in (LocalEngine(), LocalEngine(jobs=2), cluster):
        heard: list[tuple[str, int, int | None]] = []

        def hear(stage: str, done: int, total: int | None, heard: list[tuple[str, int, int | None]] = heard) -> None:
            heard.append((stage, done, total))

        quotetrace.trace(articles, engine=engine, on_progress=hear)
        stages = {stage for stage, _, _ in heard}
        assert {"articles extracted", "quotes found", "pairs verified"} <= stages, engine
        assert [e for e in heard if e[0] == "articles extracted"][-1][1:] == (len(articles), len(articles))
        verified = [done for stage, done, _ in heard if stage == "pairs verified"]
        assert verified == sorted(verified) and verified[-1] > 0, engine


# --- the command line -------------------------------------------------------------------


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def one_error(result: Result, exit_code: int = 1) -> str:
    assert result.exit_code == exit_code, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.stderr
    return errors[0]


def test_engine_options_give_the_same_json(cluster: DaskEngine, seeds_dir: Path) -> None:
    expected = run("trace", str(seeds_dir), "--format", "json")
    assert expected.exit_code == 0, expected.output
    address = cluster.scheduler_address
    for options in (["--jobs", "2"], ["--engine", "local", "-j", "1"], ["--engine", "dask", "--scheduler", address]):
        got = run("trace", str(seeds_dir), "--format", "json", *options)
        assert got.exit_code == 0, (options, got.output)
        assert got.stdout == expected.stdout, options


def test_find_takes_the_engine_options(cluster: DaskEngine, seeds_dir: Path) -> None:
    args = ["find", "if he can organise their exchange", str(seeds_dir), "--json"]
    expected = run(*args)
    assert expected.exit_code == 0 and '"statement"' in expected.stdout
    assert run(*args, "--jobs", "2").stdout == expected.stdout
    assert run(*args, "--engine", "dask", "--scheduler", cluster.scheduler_address).stdout == expected.stdout


@pytest.mark.parametrize(
    ("options", "says"),
    [
        (["--jobs", "2", "--engine", "dask"], "--jobs is for --engine local"),
        (["--workers", "2"], "--scheduler and --workers are for --engine dask"),
        (["--scheduler", "tcp://127.0.0.1:8786"], "--scheduler and --workers are for --engine dask"),
        (["--engine", "dask", "--workers", "2", "--scheduler", "tcp://127.0.0.1:8786"], "--workers starts a local"),
        (["--jobs", "0"], "0 is not in the range x>=1"),
        (["--engine", "spark"], "'spark' is not one of 'local', 'dask'"),
    ],
)
def test_options_of_the_other_engine_are_refused(seeds_dir: Path, options: list[str], says: str) -> None:
    assert says in one_error(run("trace", str(seeds_dir), *options), exit_code=2)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize(
    ("address", "says"),
    [
        (None, "cannot reach the Dask scheduler at tcp://127.0.0.1:{port}: Connection refused"),
        ("nonsense", "'nonsense' is not a Dask scheduler address"),
        ("http://127.0.0.1:8786", "expected tcp://HOST:PORT"),
    ],
)
def test_an_unreachable_scheduler_is_one_line(seeds_dir: Path, address: str | None, says: str) -> None:
    port = free_port()
    address = address or f"tcp://127.0.0.1:{port}"
    error = one_error(run("trace", str(seeds_dir), "--engine", "dask", "--scheduler", address))
    assert says.format(port=port) in error


def test_a_missing_dask_install_says_what_to_install(seeds_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for module in ("dask", "dask.bag", "distributed"):
        monkeypatch.setitem(sys.modules, module, None)  # import now raises ImportError
    error = one_error(run("trace", str(seeds_dir), "--engine", "dask"))
    assert error == "Error: the dask engine needs pip install 'quotetrace[dask]'"
    with pytest.raises(EngineError, match=r"pip install 'quotetrace\[dask\]'"):
        make_engine("dask")


def test_bad_counts_are_refused_in_the_library() -> None:
    for bad in (0, -1, True, 1.5):
        with pytest.raises(EngineError, match="whole number"):
            LocalEngine(jobs=bad)  # type: ignore[arg-type]
        with pytest.raises(EngineError, match="whole number"):
            DaskEngine(workers=bad)  # type: ignore[arg-type]
    with pytest.raises(EngineError, match="unknown engine"):
        make_engine("spark")


def test_an_incremental_trace_on_the_cluster_is_the_local_one(
    cluster: DaskEngine, corpora: dict[str, tuple[Article, ...]], tmp_path: Path
) -> None:
    """A store traced again after new articles: the cluster blocks everything and verifies only the
    pairs with a new quote, and the result is the local engine's; linking afresh differs only in the
    scores of links taken as they were (weighed by the words of the smaller corpus)."""
    articles = corpora["seeds and generated"]
    outputs = []
    for name, engine in (("local", LocalEngine(jobs=1)), ("dask", cluster)):
        with open_store(tmp_path / f"{name}.db") as store:
            store.add(articles[:5])
            trace_store(store, engine=engine)
            store.add(articles)
            prior = store.prior_links()
            assert prior is not None and len(prior.speakers) > 20
            outputs.append(trace_store(store, engine=engine).to_json())
            outputs.append(trace_store(store, engine=engine, relink=True).to_json())
    incremental, relinked = outputs[0::2], outputs[1::2]
    assert len(set(incremental)) == 1 and len(set(relinked)) == 1 and '"fidelity"' in outputs[0]
    unscored = [named_by_quotes(out) for out in outputs[:2]]
    for data in unscored:
        for link in data["links"]:
            del link["score"]
    assert unscored[0] == unscored[1]
