"""The ``quotetrace`` command: a thin click layer over the library.

Library errors become ``Error: ...`` and exit code 1; warnings go to stderr as
``Warning: ...`` lines; data goes to stdout or, atomically, to the ``-o`` file.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import json
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO, NoReturn, TypeVar

import click
import networkx as nx

from quotetrace import __version__
from quotetrace.engine import ENGINES, Engine, EngineError, check_options, make_engine
from quotetrace.errors import NoArticlesError, QuotetraceError
from quotetrace.export import iter_json, to_csv, to_dict, to_gexf, to_graphml, to_node_link, write_atomic
from quotetrace.extract import TAGGERS, TaggerName, extract_quotes
from quotetrace.graph import auto_focus, focus
from quotetrace.ingest import MAX_BYTES, input_files, iter_articles, read_articles
from quotetrace.match import Comparison
from quotetrace.match import compare as compare_texts
from quotetrace.memory import collector_paused
from quotetrace.model import Quote, Trace
from quotetrace.pipeline import StoredTrace, stored_trace, trace_store
from quotetrace.pipeline import trace as run_trace
from quotetrace.progress import Progress
from quotetrace.provenance import find_origin
from quotetrace.render import render, to_html
from quotetrace.store import BATCH_SIZE, AddResult, Store, open_store, pack_extraction

F = TypeVar("F", bound=Callable[..., Any])

GRAPH_FORMATS = ("svg", "png", "pdf", "dot")
# Measured with bench/bench_render.py: dot lays out 60 statements in about 2 s, 518 in over 5 minutes.
LARGE_DRAWING = 150
EXPORT_FORMATS = ("graphml", "gexf", "node-link", "csv", "html")
TRACE_FORMATS = ("text", "json", *GRAPH_FORMATS, *EXPORT_FORMATS)


def _library_errors(func: F) -> F:
    """Turn the library's own errors into one-line ``Error: ...`` messages."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except QuotetraceError as err:
            raise click.ClickException(str(err)) from None

    return wrapper  # type: ignore[return-value]


class _Warnings:
    """Collects input warnings; printed once the inputs are read, unless they are the error itself."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.messages: list[str] = []

    def __call__(self, message: str) -> None:
        self.messages.append(message)

    def flush(self) -> None:
        if not self.quiet:
            for m in self.messages:
                click.echo(f"Warning: {m}", err=True)
        self.messages.clear()

    def fail(self, err: NoArticlesError) -> NoReturn:
        if len(self.messages) > 1:  # the error names only the first: list them all
            self.flush()
        raise click.ClickException(str(err)) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="quotetrace")
def cli() -> None:
    """Trace quotes in news articles back to who really said them.

    Extract every attributed quote (direct, partial, reported speech, embedded posts),
    link each reproduction to the original statement with a fidelity label and the
    words that changed, and draw the citation graph.

    \b
    Examples:
      quotetrace trace seeds/ -o story.svg        provenance graph as SVG
      quotetrace trace seeds/ --format json       the whole trace as JSON
      quotetrace quotes seeds/004_*.txt           the quotes of one article
      quotetrace compare "we will organize it" "we will organise it"
      quotetrace find "organise their exchange" seeds/   where does a quote come from?
    """


def _source_option(func: F) -> F:
    func = click.option(
        "--semantic",
        is_flag=True,
        help="Also link reported speech by meaning (sentence embeddings; needs "
        "'pip install quotetrace[semantic]', see README).",
    )(func)
    return click.option(
        "--source",
        "sources",
        multiple=True,
        type=click.Path(dir_okay=False),
        help="JSON Lines of original statements ({speaker, text, date, channel, url} a line), e.g. the "
        "original post's text: each becomes the origin of the statement it matches. Repeatable.",
    )(func)


def _engine_options(func: F) -> F:
    """Where the work runs: --engine local (--jobs N processes) or --engine dask (--scheduler, --workers)."""
    func = click.option(
        "--workers",
        type=click.IntRange(min=1),
        help="With --engine dask and no --scheduler: start a local Dask cluster of N worker processes "
        "[default: one per core].",
    )(func)
    func = click.option(
        "--scheduler",
        metavar="ADDRESS",
        help="With --engine dask: the Dask scheduler to use, e.g. tcp://HOST:8786 (its workers need quotetrace).",
    )(func)
    func = click.option(
        "-j", "--jobs", type=click.IntRange(min=1), help="With --engine local: extract and verify in N processes."
    )(func)
    return click.option(
        "--engine",
        "engine_name",
        type=click.Choice(ENGINES),
        default="local",
        show_default=True,
        help="Run on this machine, or on Dask (needs 'pip install quotetrace[dask]'). The output is the same.",
    )(func)


@contextlib.contextmanager
def _engine(name: str, jobs: int | None, scheduler: str | None, workers: int | None) -> Iterator[Engine]:
    """The engine the options ask for, closed (its cluster shut down) when the work is done."""
    try:
        check_options(name, jobs=jobs, scheduler=scheduler, workers=workers)
    except EngineError as err:
        raise click.UsageError(str(err)) from None
    engine = make_engine(name, jobs=jobs, scheduler=scheduler, workers=workers)
    try:
        yield engine
    finally:
        engine.close()


_SIZE_UNITS = {"": 1, "b": 1, "k": 10**3, "kb": 10**3, "m": 10**6, "mb": 10**6, "g": 10**9, "gb": 10**9}


def _size(ctx: click.Context, param: click.Parameter, value: str) -> int | None:
    """``--max-bytes``: bytes, or a number with a unit (50MB, 2GB, 500kB); 0 for no limit (None)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*", value, re.IGNORECASE)
    unit = _SIZE_UNITS.get(match.group(2).lower()) if match else None
    if match is None or unit is None:
        raise click.BadParameter(f"{value!r} is not a size: give bytes (50000000) or a size such as 50MB or 2GB")
    return int(float(match.group(1)) * unit) or None


def _paths_argument(func: F, *, required: bool = True) -> F:
    func = click.option(
        "--max-bytes",
        metavar="SIZE",
        default=f"{MAX_BYTES // 10**6}MB",
        show_default=True,
        callback=_size,
        help="Skip input files larger than this (e.g. 200MB, 2GB; 0 for no limit).",
    )(func)
    func = click.option(
        "--tagger",
        type=click.Choice(TAGGERS),
        default="fast",
        show_default=True,
        callback=_tagger_choice,
        help="The learned tagger stacked on the rules. contextual: MiniLM reads each sentence "
        "(more attributions found, about half a second an article; needs the semantic extra). "
        "rules: none, the rules alone.",
    )(func)
    func = click.option(
        "--rules-only",
        is_flag=True,
        is_eager=True,
        expose_value=False,
        callback=_rules_only,
        help="The same as --tagger rules: about three times faster than the fast tagger, "
        "and blind to attributions no rule describes (attitudes, nominal cues).",
    )(func)
    return click.argument("paths", nargs=-1, required=required, metavar="PATH...")(func)


def _rules_only(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    ctx.meta["quotetrace.rules_only"] = value


def _tagger_choice(ctx: click.Context, param: click.Parameter, value: TaggerName) -> TaggerName:
    """``--tagger``, ``rules`` with ``--rules-only``; the contextual tagger's extra and model are
    checked here, so that a missing one is one error before any work rather than one in every worker."""
    if ctx.meta.get("quotetrace.rules_only"):
        if ctx.get_parameter_source("tagger") is click.core.ParameterSource.COMMANDLINE and value != "rules":
            raise click.BadParameter(f"--rules-only and --tagger {value} contradict each other", ctx, param)
        return "rules"
    if value == "contextual":
        from quotetrace.extract.contextual import check_contextual

        try:
            check_contextual()
        except (QuotetraceError, FileNotFoundError) as err:
            raise click.ClickException(str(err)) from None
    return value


def _optional_paths_argument(func: F) -> F:
    """``_paths_argument`` for a command that also works without paths (``trace --db``)."""
    return _paths_argument(func, required=False)


@cli.command()
@_optional_paths_argument
@click.option(
    "--db",
    type=click.Path(dir_okay=False),
    help="Trace the corpus store FILE (see 'quotetrace add'); PATH... given too are added to it first.",
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write here (format from the extension)."
)
@click.option(
    "-f", "--format", "fmt", type=click.Choice(TRACE_FORMATS), help="Output format [default: from -o, else text]."
)
@click.option("-q", "--quiet", is_flag=True, help="Do not print warnings about skipped inputs, nor progress.")
@click.option("--strict", is_flag=True, help="Fail (exit 1) when any input had to be skipped.")
@click.option(
    "--speaker", "focus_speakers", multiple=True, help="Draw only statements by this speaker (name or alias)."
)
@click.option("--statement", "focus_statements", multiple=True, help="Draw only this statement (S1...). Repeatable.")
@click.option("--min-articles", type=click.IntRange(min=1), help="Draw statements reproduced in at least N articles.")
@click.option("--top", type=click.IntRange(min=1), help="Draw the N most reproduced statements.")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), help="Draw quotes in articles dated from this day.")
@click.option(
    "--until", type=click.DateTime(formats=["%Y-%m-%d"]), help="Draw quotes in articles dated up to this day."
)
@click.option("--all", "draw_all", is_flag=True, help="Draw every statement (a large story is otherwise focused).")
@click.option(
    "--relink",
    is_flag=True,
    help="With --db: link every quote afresh, not only those new since the last trace of the store.",
)
@_source_option
@_engine_options
@_library_errors
def trace(
    paths: Sequence[str],
    db: str | None,
    output: str | None,
    fmt: str | None,
    quiet: bool,
    strict: bool,
    max_bytes: int | None,
    tagger: TaggerName,
    sources: Sequence[str],
    semantic: bool,
    focus_speakers: Sequence[str],
    focus_statements: Sequence[str],
    min_articles: int | None,
    top: int | None,
    since: dt.datetime | None,
    until: dt.datetime | None,
    draw_all: bool,
    relink: bool,
    engine_name: str,
    jobs: int | None,
    scheduler: str | None,
    workers: int | None,
) -> None:
    """Trace the quotes in PATH... (files, folders, globs, '-' for stdin), or in a store (--db).

    Reads .txt, .md, .html and .jsonl articles (a manifest.json beside them adds
    metadata), and prints a summary, or writes the provenance graph as SVG, PNG, PDF
    or DOT, the whole trace as JSON, the graph for Gephi or yEd (GraphML, GEXF,
    networkx node-link JSON: name the file x.node-link.json), a CSV row per quote, or
    an HTML report (-o report.html) with the graph and every statement's reproductions.

    A story of many statements is drawn with those reproduced in two or more articles;
    --speaker, --statement, --min-articles, --top, --since and --until choose what to
    draw, --all draws everything. JSON, CSV and the text summary always hold everything.
    """
    if not paths and db is None:
        raise click.UsageError("Missing argument 'PATH...' (or give --db FILE to trace a store).")
    if relink and db is None:
        raise click.UsageError("--relink goes with --db: tracing files always links them afresh.")
    fmt = _format_for(output, fmt)
    if output is not None and output != "-":
        _refuse_to_overwrite_inputs(output, [*paths, *sources])
        if db is not None and os.path.realpath(output) == os.path.realpath(db):
            raise click.ClickException(f"refusing to overwrite the store {db}: choose another -o")
    with _engine(engine_name, jobs, scheduler, workers) as engine:
        if db is not None and fmt in ("json", "csv"):
            # a store's story may be too large to hold whole: its JSON or CSV is written from the store
            _write_stored(
                db,
                paths,
                output,
                fmt,
                quiet=quiet,
                strict=strict,
                sources=sources,
                semantic=semantic,
                max_bytes=max_bytes,
                tagger=tagger,
                engine=engine,
                relink=relink,
            )
            return
        if db is None:
            t = _traced(
                paths,
                quiet=quiet,
                sources=sources,
                semantic=semantic,
                max_bytes=max_bytes,
                tagger=tagger,
                engine=engine,
            )
        else:
            t = _traced_store(
                db,
                paths,
                quiet=quiet,
                sources=sources,
                semantic=semantic,
                max_bytes=max_bytes,
                tagger=tagger,
                engine=engine,
                relink=relink,
            )
    if strict and t.warnings:
        raise click.ClickException(f"{len(t.warnings)} input problem(s) and --strict: {t.warnings[0]}")
    focused = any((focus_speakers, focus_statements, min_articles, top, since, until))
    note = None
    if fmt in _TABLE_FORMATS:
        _emit(_table_output(t, fmt), output)  # no graph to build: a large trace is written as it is read
        return
    if draw_all:
        graph = t.graph
        if len(t.statements) > LARGE_DRAWING and fmt in ("svg", "png", "pdf", "html") and not quiet:
            click.echo(f"Note: drawing all {len(t.statements)} statements may take Graphviz minutes", err=True)
    elif focused:
        graph = focus(
            t.graph,
            speakers=focus_speakers,
            statements=focus_statements,
            min_articles=min_articles or 1,
            top=top,
            since=since.date().isoformat() if since else None,
            until=until.date().isoformat() if until else None,
        )
    else:
        graph, note = auto_focus(t.graph)
    data = _trace_output(t, fmt, graph)
    _emit(data, output)
    if note and fmt not in ("json", "csv", "text") and not quiet:
        click.echo(f"Note: {note}", err=True)


R = TypeVar("R")


def _reading(quiet: bool, load: Callable[[Callable[[str], None]], R], progress: Progress | None = None) -> R:
    """Run ``load`` with a warning callback; print the warnings once the inputs are read (or fail with them)."""
    warnings = _Warnings(quiet)
    try:
        result = load(warnings)
    except NoArticlesError as err:
        if progress is not None:
            progress.close()
        warnings.fail(err)
    if progress is not None:
        progress.close()  # the warnings start on a clean line
    warnings.flush()
    return result


def _progress(quiet: bool) -> Progress:
    """Progress on stderr: shown on a terminal, never with --quiet."""
    return Progress(enabled=False if quiet else None)


def _traced(
    paths: Sequence[str],
    *,
    quiet: bool,
    sources: Sequence[str],
    semantic: bool,
    max_bytes: int | None,
    tagger: TaggerName,
    engine: Engine | None = None,
) -> Trace:
    """The pipeline on ``paths``, input warnings reported the CLI's way."""
    progress = _progress(quiet)
    return _reading(
        quiet,
        lambda warn: run_trace(
            list(paths),
            on_warning=warn,
            sources=list(sources),
            semantic=semantic,
            max_bytes=max_bytes,
            tagger=tagger,
            on_progress=progress,
            engine=engine,
        ),
        progress,
    )


def _traced_store(
    db: str,
    paths: Sequence[str],
    *,
    quiet: bool,
    sources: Sequence[str],
    semantic: bool,
    max_bytes: int | None,
    tagger: TaggerName,
    engine: Engine | None = None,
    relink: bool = False,
) -> Trace:
    """``trace --db``: add ``paths`` to the store, then trace every article it holds."""
    with _in_store(
        trace_store, db, paths, quiet=quiet, engine=engine, sources=sources, semantic=semantic,
        max_bytes=max_bytes, tagger=tagger, relink=relink,
    ) as t:  # fmt: skip
        return t


def _write_stored(
    db: str,
    paths: Sequence[str],
    output: str | None,
    fmt: str,
    *,
    quiet: bool,
    strict: bool,
    sources: Sequence[str],
    semantic: bool,
    max_bytes: int | None,
    tagger: TaggerName,
    engine: Engine | None,
    relink: bool,
) -> None:
    """``trace --db --format json`` (or ``csv``): add ``paths`` to the store, trace it (``stored_trace``),
    and write the JSON or CSV a record at a time, the articles' text and the quotes read back from
    the store."""
    with _in_store(
        stored_trace, db, paths, quiet=quiet, engine=engine, sources=sources, semantic=semantic,
        max_bytes=max_bytes, tagger=tagger, relink=relink,
    ) as t:  # fmt: skip
        if strict and t.warnings:
            raise click.ClickException(f"{len(t.warnings)} input problem(s) and --strict: {t.warnings[0]}")
        _emit(t.iter_json() if fmt == "json" else t.iter_csv(), output)


_Traced = TypeVar("_Traced", Trace, StoredTrace)


@contextlib.contextmanager
def _in_store(
    tracer: Callable[..., _Traced],
    db: str,
    paths: Sequence[str],
    *,
    quiet: bool,
    engine: Engine | None,
    sources: Sequence[str],
    semantic: bool,
    max_bytes: int | None,
    tagger: TaggerName,
    relink: bool,
) -> Iterator[_Traced]:
    """The store ``db`` with ``paths`` added, traced by ``tracer`` (``trace_store`` or ``stored_trace``),
    the input warnings reported the CLI's way; the store stays open inside the block."""
    if not paths and not os.path.exists(db):  # tracing never leaves an empty store behind
        raise click.ClickException(f"there is no store {db}: make one with 'quotetrace add PATH... --db {db}'")
    with open_store(db) as store:
        problems: tuple[str, ...] = ()
        if paths:
            _, problems = _added(store, paths, quiet=quiet, max_bytes=max_bytes, tagger=tagger, engine=engine)
        progress = _progress(quiet)
        t: _Traced = _reading(
            quiet,
            lambda warn: tracer(
                store,
                on_warning=warn,
                sources=list(sources),
                semantic=semantic,
                max_bytes=max_bytes,
                tagger=tagger,
                on_progress=progress,
                engine=engine,
                relink=relink,
            ),
            progress,
        )
        yield dataclasses.replace(t, warnings=(*problems, *t.warnings)) if problems else t


def _added(
    store: Store,
    paths: Sequence[str],
    *,
    quiet: bool,
    max_bytes: int | None,
    tagger: TaggerName,
    verbose: bool = False,
    batch_size: int = BATCH_SIZE,
    engine: Engine | None = None,
) -> tuple[AddResult, tuple[str, ...]]:
    """Read ``paths`` the way ``trace`` does and add them to ``store``, extracting on ``engine``
    (in this process by default); what was done, and the input warnings.

    The files are read as the store takes them, a batch at a time (``iter_articles``): a corpus
    larger than memory streams through, and with an engine the next batch is read while the
    workers extract this one. The warnings are printed at the end (a line each, after the progress).
    """
    progress = _progress(quiet)
    problems: list[str] = []

    def report(stage: str, done: int, total: int | None) -> None:
        progress(stage, done, total)
        if verbose and stage == "articles stored":
            progress.close()
            click.echo(f"stored {done} articles", err=True)

    def load(warn: Callable[[str], None]) -> AddResult:
        def both(message: str) -> None:
            problems.append(message)
            warn(message)

        articles = iter_articles(list(paths), on_warning=both, max_bytes=max_bytes, on_progress=progress)
        with progress:
            # each article's rows made in the worker: objects cost the writing process ten times more to receive
            extract = (
                None if engine is None else functools.partial(engine.extract, tagger=tagger, encode=pack_extraction)
            )
            return store.add(articles, tagger=tagger, extract=extract, batch_size=batch_size, on_progress=report)

    return _reading(quiet, load, progress), tuple(problems)


def _refuse_to_overwrite_inputs(output: str, inputs: Sequence[str]) -> None:
    """Fail, before any work, when ``output`` is an input file or a manifest beside one
    (however it is spelled: through a symbolic link, or a hard link)."""
    files = input_files(inputs)
    target = os.path.realpath(output)
    clash = target in files
    if not clash and os.path.exists(target):
        here = os.stat(target)
        for file in files:
            try:
                there = os.stat(file)
            except OSError:
                continue
            if (there.st_dev, there.st_ino) == (here.st_dev, here.st_ino):
                clash = True
                break
    if clash:
        raise click.ClickException(f"refusing to overwrite the input file {output}: choose another -o")


def _format_for(output: str | None, fmt: str | None) -> str:
    if fmt is not None:
        return fmt
    if output is None:
        return "text"
    name = Path(output).name.lower()
    if name.endswith((".node-link.json", ".nodelink.json")):
        return "node-link"
    ext = Path(output).suffix.lower().lstrip(".")
    if ext in ("gv",):
        return "dot"
    if ext in ("txt",):
        return "text"
    if ext not in TRACE_FORMATS:
        raise click.BadParameter(
            f"cannot tell the format from '{output}': use a name ending in .{', .'.join(TRACE_FORMATS[1:])} "
            "or give --format",
            param_hint="'-o'",
        )
    return ext


# Formats that hold every quote and need no graph.
_TABLE_FORMATS = ("json", "csv", "text")


def _table_output(t: Trace, fmt: str) -> str | Iterator[str]:
    if fmt == "json":
        return iter_json(t)
    return _summary(t) if fmt == "text" else to_csv(t)


def _trace_output(t: Trace, fmt: str, graph: nx.MultiDiGraph[str]) -> str | bytes:
    if fmt == "html":
        return to_html(t, graph)
    if fmt == "node-link":
        return to_node_link(graph)
    if fmt in ("graphml", "gexf"):
        return (to_graphml if fmt == "graphml" else to_gexf)(graph).decode("utf-8")
    data = render(graph, fmt)
    return data.decode("utf-8") if fmt in ("svg", "dot") else data


def _emit(data: str | bytes | Iterator[str], output: str | None) -> None:
    """``data`` (or its pieces) to stdout, or atomically to ``output`` (a temporary file renamed over it)."""
    if output is None or output == "-":
        if not isinstance(data, str | bytes):
            for piece in data:
                click.echo(piece, nl=False)
            return
        if isinstance(data, bytes):
            if sys.stdout.isatty():
                raise click.ClickException("binary output (PNG/PDF) needs -o FILE")
            sys.stdout.buffer.write(data)
        else:
            click.echo(data, nl=not data.endswith("\n"))
        return
    write_atomic(output, data)
    click.echo(f"Wrote {output}", err=True)


def _summary(t: Trace) -> str:
    """A plain-text reading of the trace: statements, their reproductions and fidelity."""
    # each quote's fidelity to its statement (a link to the parent quote when there is none)
    fidelity = {ln.source: ln for ln in t.links if not ln.conflict and not ln.target.startswith("S")}
    fidelity |= {ln.source: ln for ln in t.links if not ln.conflict and ln.target.startswith("S")}
    quotes = {q.id: q for q in t.quotes}
    lines = [repr(t), ""]
    for st in t.statements:
        head = ", ".join(x for x in (st.channel, st.date.isoformat() if st.date else None) if x)
        lines.append(
            f"{st.id}  {st.speaker or 'unknown speaker'}{f' ({head})' if head else ''}"
            f"{'  [conflict]' if st.conflict else ''}"
        )
        lines.append(f"    “{_short(st.text, 110)}”")
        for qid in st.quotes:
            q = quotes[qid]
            ln = fidelity.get(qid)
            label = (ln.fidelity if ln else "linked") + ("*" if qid == st.origin else "")
            via = f" via {' > '.join(q.via)}" if q.via else ""
            lines.append(f"    {label:<10} {q.article} {q.kind:<8}{via}: “{_short(q.text, 70)}”")
        lines.append("")
    lines.append("* the statement's origin: the best primary evidence of what was said")
    related = [q for q in t.quotes if q.section == "related"]
    if related:
        lines.append(f"({len(related)} quotes in related-story blocks left out)")
    return "\n".join(lines)


def _short(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1].rsplit(" ", 1)[0] + "…"


@cli.command()
@_paths_argument
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(("text", "json", "jsonl")),
    default="text",
    show_default=True,
    help="text: a line per quote; jsonl: a JSON object per quote.",
)
@click.option("-q", "--quiet", is_flag=True, help="Do not print warnings about skipped inputs.")
@_library_errors
def quotes(paths: Sequence[str], max_bytes: int | None, tagger: TaggerName, fmt: str, quiet: bool) -> None:
    """List the attributed quotes in PATH..., article by article (no linking).

    Each quote with its kind, speaker, reporting cue, channel and relay chain, and
    its character offsets in the article.
    """
    articles = _reading(quiet, lambda warn: read_articles(list(paths), on_warning=warn, max_bytes=max_bytes))
    found: list[Quote] = []
    for art in articles:
        found.extend(extract_quotes(art, tagger=tagger).quotes)
    if fmt == "text":
        for q in found:
            via = f" via {' > '.join(q.via)}" if q.via else ""
            chan = f" on {q.channel}" if q.channel else ""
            rel = " [related]" if q.section == "related" else ""
            click.echo(
                f"{q.article}:{q.start}-{q.end} {q.kind:<8} {q.speaker or '?'}{chan}{via}{rel}: “{_short(q.text, 90)}”"
            )
        return
    t = Trace(articles, tuple(found), (), (), ())
    rows = to_dict(t)["quotes"]
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
    else:
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))


@cli.command()
@click.argument("original", required=False)
@click.argument("reproduction", required=False)
@click.option(
    "--pairs",
    type=click.File("rb"),
    help="Compare every line 'id<TAB>text_a<TAB>text_b' of this file ('-' for stdin); one JSON object per line out.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def compare(original: str | None, reproduction: str | None, pairs: BinaryIO | None, as_json: bool) -> None:
    """How faithfully REPRODUCTION reproduces ORIGINAL: score, fidelity and the changed words.

    Reported speech is scored as a paraphrase when the words differ too much to align.
    With --pairs, each output line says whether text_b would be linked to text_a as the
    same statement ("linked"), with its score and fidelity.
    """
    if pairs is not None:
        if original is not None or reproduction is not None:
            raise click.UsageError("give ORIGINAL and REPRODUCTION, or --pairs FILE, not both")
        _compare_pairs(pairs)
        return
    if original is None or reproduction is None:
        raise click.UsageError("give ORIGINAL and REPRODUCTION (or --pairs FILE)")
    cmp = compare_texts(original, reproduction, paraphrase=True)
    if as_json:
        click.echo(json.dumps(_comparison_json(cmp), ensure_ascii=False))
        return
    if cmp is None:
        click.echo("not linked: REPRODUCTION does not reproduce ORIGINAL")
        sys.exit(1)
    click.echo(f"score {cmp.score:.1f}  fidelity {cmp.fidelity}  covers {cmp.coverage:.0%} of the original")
    _print_diff(cmp)


def _comparison_json(cmp: Comparison | None) -> dict[str, Any]:
    out: dict[str, Any] = {"linked": cmp is not None, "score": cmp.score if cmp else 0.0}
    out["fidelity"] = cmp.fidelity if cmp else None
    if cmp is not None:
        out["diff"] = [{"op": e.op, "original": e.a_text, "reproduction": e.b_text} for e in cmp.diff]
    return out


def _compare_pairs(pairs: BinaryIO) -> None:
    for n, raw in enumerate(pairs, start=1):
        try:
            line = raw.decode("utf-8-sig" if n == 1 else "utf-8")
        except UnicodeDecodeError as err:
            bad = raw[err.start]
            click.echo(f"Warning: line {n}: not UTF-8 (byte {bad:#04x}); read with U+FFFD in its place", err=True)
            line = raw.decode("utf-8", "replace")
        line = line.rstrip("\n").rstrip("\r")
        if not line.strip():
            continue
        cols = line.split("\t")
        if len(cols) != 3:
            click.echo(f"Warning: line {n}: expected 'id<TAB>text_a<TAB>text_b', got {len(cols)} column(s)", err=True)
            continue
        pair_id, a, b = cols
        out = {"id": pair_id} | _comparison_json(compare_texts(a, b, paraphrase=True))
        out.pop("diff", None)
        click.echo(json.dumps(out, ensure_ascii=False))


def _print_diff(cmp: Comparison) -> None:
    for e in cmp.diff:
        if e.op == "replace":
            click.echo(f"  ~ {e.a_text!r} -> {e.b_text!r}")
        elif e.op == "delete":
            click.echo(f"  - {e.a_text!r}")
        else:
            click.echo(f"  + {e.b_text!r}")


@cli.command()
@click.argument("quote")
@_paths_argument
@click.option("-n", "--limit", default=3, show_default=True, help="How many candidate statements to show.")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@click.option("-q", "--quiet", is_flag=True, help="Do not print warnings about skipped inputs.")
@_source_option
@_engine_options
@_library_errors
def find(
    quote: str,
    paths: Sequence[str],
    max_bytes: int | None,
    tagger: TaggerName,
    limit: int,
    as_json: bool,
    quiet: bool,
    sources: Sequence[str],
    semantic: bool,
    engine_name: str,
    jobs: int | None,
    scheduler: str | None,
    workers: int | None,
) -> None:
    """Where does QUOTE come from? Trace PATH... and show who said it, where it first
    appeared, and how QUOTE differs from what was said.
    """
    with _engine(engine_name, jobs, scheduler, workers) as engine:
        t = _traced(
            paths,
            quiet=quiet,
            sources=sources,
            semantic=semantic,
            max_bytes=max_bytes,
            tagger=tagger,
            engine=engine,
        )
    quotes = {q.id: q for q in t.quotes}
    findings = find_origin(t.statements, quotes, quote, limit=limit)
    if as_json:
        rows = []
        for f in findings:
            row: dict[str, Any] = {"statement": f.statement.id, "speaker": f.statement.speaker}
            row["text"] = f.statement.text
            row |= {"origin": f.statement.origin, "date": f.statement.date.isoformat() if f.statement.date else None}
            row |= {"appears_in": sorted({quotes[q].article for q in f.statement.quotes})}
            rows.append(row | _comparison_json(f.comparison))
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    if not findings:
        click.echo("not found: no statement in these articles matches the quote")
        sys.exit(1)
    for f in findings:
        st = f.statement
        origin = quotes[st.origin]
        art = t.article(origin.article)
        when = st.date.isoformat() if st.date else "undated"
        click.echo(f"{st.speaker or 'unknown speaker'}{f' on {st.channel}' if st.channel else ''}, {when}  ({st.id})")
        click.echo(f"  said: “{_short(st.text, 150)}”")
        click.echo(f"  best evidence: {origin.kind} in {origin.article}{f' ({art.outlet})' if art.outlet else ''}")
        first = min((t.article(quotes[q].article) for q in st.quotes), key=lambda a: (a.date or dt.date.max, a.id))
        click.echo(f"  first seen: {first.id}{f', {first.date.isoformat()}' if first.date else ' (undated)'}")
        click.echo(f"  your quote: {f.comparison.fidelity}, score {f.comparison.score:.1f}")
        _print_diff(f.comparison)
        click.echo(
            f"  reproduced in {len({quotes[q].article for q in st.quotes})} article(s), {len(st.quotes)} quote(s)"
        )
        click.echo("")


@cli.command()
@_paths_argument
@click.option(
    "--db", required=True, type=click.Path(dir_okay=False), help="The corpus store FILE (created when missing)."
)
@click.option("-q", "--quiet", is_flag=True, help="Do not print warnings about skipped inputs, nor progress.")
@click.option("-v", "--verbose", is_flag=True, help="Print a line on stderr as each batch is committed.")
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=BATCH_SIZE,
    show_default=True,
    help="Articles per transaction: a run that is interrupted loses at most the batch it was writing.",
)
@_engine_options
@_library_errors
def add(
    paths: Sequence[str],
    db: str,
    max_bytes: int | None,
    tagger: TaggerName,
    quiet: bool,
    verbose: bool,
    batch_size: int,
    engine_name: str,
    jobs: int | None,
    scheduler: str | None,
    workers: int | None,
) -> None:
    """Add the articles in PATH... to the corpus store --db, extracting their quotes.

    Reads inputs as 'trace' does. An article already in the store with the same text and
    metadata is skipped; one with the same id and new text replaces the old. Then
    'quotetrace trace --db FILE' traces the whole store without extracting again.
    """
    with _engine(engine_name, jobs, scheduler, workers) as engine, open_store(db) as store:
        result, _ = _added(
            store,
            paths,
            quiet=quiet,
            max_bytes=max_bytes,
            tagger=tagger,
            verbose=verbose,
            batch_size=batch_size,
            engine=engine,
        )
        total = store.count()
    again = f", re-extracted {result.reextracted}" if result.reextracted else ""
    click.echo(
        f"added {result.added}, unchanged {result.unchanged}, updated {result.updated}{again} (store: {total} articles)"
    )


def main() -> None:
    """Entry point of the ``quotetrace`` console script: Python's cycle collector is paused for the
    command (``memory.collector_paused``), the JSON written included."""
    with collector_paused():
        cli(prog_name="quotetrace")
