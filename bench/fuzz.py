"""Coverage-guided fuzzing (atheris, libFuzzer underneath) of ingest, extraction and the whole pipeline.

    .venv/bin/pip install -e '.[fuzz]'                                  # or: make fuzz
    .venv/bin/python bench/fuzz.py --seconds 600 --target extract      # files -> articles -> quotes
    .venv/bin/python bench/fuzz.py --seconds 180 --target pipeline     # 2-3 articles -> trace -> JSON, DOT
    .venv/bin/python bench/fuzz.py --target extract crash-1a2b3c...    # replay inputs it saved

``extract``: the input's first byte picks how the rest is read (a ``.txt``, ``.html``, ``.md``
or ``.jsonl`` file, or stdin), ``read_articles`` reads it and ``extract_quotes`` runs on every
article. ``pipeline``: the input, read as UTF-8 and cut at ``\\x1e`` (or in half) into 2-3
articles, goes through ``trace`` twice, then ``to_json`` and ``to_dot``.

Each input must keep the invariants below, and raise nothing but ``InputError`` (which
``read_articles`` raises only when nothing could be read):

- every quote's ``text == article.text[start:end]``, and so its ``speaker_mention`` and ``cue``;
- quote ids are unique, kinds and sections are the documented ones, text is valid Unicode;
- a ``.txt``/``.md`` file in plain UTF-8 (no BOM, CR or NUL) is read exactly as its bytes say;
- (pipeline) the JSON parses, every link and statement names quotes that exist, every diff's
  offsets point at its words, and running the same articles again gives the same JSON and DOT.

The corpus starts from the files in ``seeds/`` (copied into a temporary folder; ``seeds/`` is
never written). libFuzzer runs with ``-max_total_time``, ``-rss_limit_mb=4096`` and
``-timeout=10``: one input taking over 10 s is a finding. Crashing, slow and memory-hungry
inputs are saved in ``--artifacts`` (a folder under the system's temporary folder by default)
and the command exits non-zero; the last lines say how many inputs ran, the coverage reached
and what was found.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
# How the extract target reads the bytes after its first one: as a file with one of these
# suffixes, or ("-") from stdin.
MODES = (".txt", ".html", ".md", ".jsonl", "-")
# Cuts the pipeline target's input into articles: ASCII's record separator, which no news
# text holds, so the fuzzer has to put it there.
ARTICLE_SEPARATOR = "\x1e"
LIBFUZZER_FLAGS = ("-rss_limit_mb=4096", "-timeout=10", "-print_final_stats=1")


# --- the targets (run in the worker process) ----------------------------------------


def _check_spans(text: str, article_id: str, quotes: Sequence[object]) -> None:
    from quotetrace.model import QUOTE_KINDS, Quote

    seen: set[str] = set()
    for q in quotes:
        assert isinstance(q, Quote), q
        assert q.id not in seen, f"quote id {q.id!r} twice"
        seen.add(q.id)
        assert q.article == article_id, (q.article, article_id)
        assert q.kind in QUOTE_KINDS, q.kind
        assert q.section in ("body", "related"), q.section
        assert 0 <= q.start <= q.end <= len(text), (q.start, q.end, len(text))
        assert text[q.start : q.end] == q.text, (q.start, q.end, q.text, text[q.start : q.end])
        for span in (q.speaker_mention, q.cue):
            if span is not None:
                assert 0 <= span.start <= span.end <= len(text), (span, len(text))
                assert text[span.start : span.end] == span.text, (span, text[span.start : span.end])
        for name in (q.speaker, q.channel, *q.via):
            if name is not None:
                name.encode("utf-8")  # no lone surrogates: every output is UTF-8


def extract_target(workdir: Path) -> Callable[[bytes], None]:
    from quotetrace.errors import InputError
    from quotetrace.extract import extract_quotes
    from quotetrace.ingest import read_articles

    def one_input(data: bytes) -> None:
        if not data:
            return
        mode, body = MODES[data[0] % len(MODES)], data[1:]
        warnings: list[str] = []
        try:
            if mode == "-":
                articles = read_articles(["-"], stdin=io.BytesIO(body), on_warning=warnings.append)
            else:
                path = workdir / f"article{mode}"
                path.write_bytes(body)
                articles = read_articles([str(path)], on_warning=warnings.append)
        except InputError:
            return  # documented: nothing readable in the input
        assert articles, "read_articles returned nothing without raising NoArticlesError"
        assert len({a.id for a in articles}) == len(articles), [a.id for a in articles]
        for art in articles:
            assert isinstance(art.text, str) and art.text.strip(), art.id
            art.text.encode("utf-8")
            previous = 0
            for sec in art.sections:
                assert previous <= sec.start < sec.end <= len(art.text), (sec, len(art.text))
                previous = sec.end
            if mode in (".txt", ".md") and _plain_utf8(body):
                assert art.text == body.decode("utf-8"), "text not as read"
            _check_spans(art.text, art.id, extract_quotes(art).quotes)

    return one_input


def _plain_utf8(data: bytes) -> bool:
    """Whether ``data`` is UTF-8 that ingest must read unchanged: no BOM, CR or NUL."""
    if data.startswith(b"\xef\xbb\xbf") or b"\r" in data or b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def split_articles(data: bytes) -> list[str]:
    """The pipeline target's 2-3 article texts from one input."""
    text = data.decode("utf-8", errors="replace")
    parts = text.split(ARTICLE_SEPARATOR)
    if len(parts) < 2:
        half = len(text) // 2
        parts = [text[:half], text[half:]]
    return parts[:3]


def pipeline_target() -> Callable[[bytes], None]:
    from quotetrace.ingest import article_from_text
    from quotetrace.pipeline import trace

    def run(texts: list[str]) -> tuple[object, str, str]:
        articles = [article_from_text(t, id=f"a{i}.txt") for i, t in enumerate(texts)]
        result = trace(articles, on_warning=lambda message: None)
        return result, result.to_json(), result.to_dot()

    def one_input(data: bytes) -> None:
        from quotetrace.model import Trace

        texts = split_articles(data)
        result, doc, dot = run(texts)
        assert isinstance(result, Trace)
        parsed = json.loads(doc)
        assert len(parsed["quotes"]) == len(result.quotes), "JSON lost quotes"
        statements = {s.id: s for s in result.statements}
        for art in result.articles:
            _check_spans(art.text, art.id, [q for q in result.quotes if q.article == art.id])
        for q in result.quotes:
            assert q.statement is None or q.statement in statements, q.statement
        for s in result.statements:
            assert s.origin in s.quotes, (s.id, s.origin)
            for qid in s.quotes:
                result.quote(qid)
        for link in result.links:
            source = result.quote(link.source)
            target = statements[link.target].text if link.target in statements else result.quote(link.target).text
            assert 0 <= link.score <= 100, link.score
            assert 0 <= link.target_start <= link.target_end <= len(target), link
            for e in link.diff:
                assert target[e.a_start : e.a_end] == e.a_text, (link, e)
                assert source.text[e.b_start : e.b_end] == e.b_text, (link, e)
        assert dot.startswith("digraph") and dot.endswith("}\n"), dot[-40:]
        _, doc2, dot2 = run(texts)
        assert doc2 == doc, "JSON differs on the same articles"
        assert dot2 == dot, "DOT differs on the same articles"

    return one_input


def worker(target: str, workdir: Path, libfuzzer_args: list[str]) -> None:
    """Set atheris up in this process and fuzz; libFuzzer exits the process when it is done."""
    import atheris

    logging.disable(logging.CRITICAL)  # warnings about bad inputs are expected, by the million
    with atheris.instrument_imports(include=["quotetrace"]):
        import quotetrace.extract
        import quotetrace.ingest
        import quotetrace.pipeline  # noqa: F401
    one_input = extract_target(workdir) if target == "extract" else pipeline_target()
    atheris.Setup([sys.argv[0], *libfuzzer_args], one_input)
    atheris.Fuzz()


# --- the corpus and the run (parent process) -----------------------------------------


def seed_corpus(target: str, corpus: Path) -> int:
    """Write the starting inputs into ``corpus``: the seed articles in each input format, and
    small pieces of them (a few paragraphs each), which run faster and mutate into more shapes."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    pieces = [_pieces(t) for t in texts]
    inputs: list[bytes] = []
    if target == "extract":

        def as_input(mode: str, text: str) -> bytes:
            return bytes([MODES.index(mode)]) + text.encode("utf-8")

        for text in texts:
            inputs += [as_input(m, text) for m in (".txt", ".md", "-")]
            html = "".join(f"<p>{_html_escape(p)}</p>" for p in text.split("\n\n"))
            inputs.append(as_input(".html", f"<html><body><article>{html}</article></body></html>"))
        inputs += [as_input(".txt", piece) for group in pieces for piece in group]
        lines = [json.dumps({"id": f"seed{i}", "text": t}, ensure_ascii=False) for i, t in enumerate(texts)]
        inputs.append(as_input(".jsonl", "\n".join(lines)))
        inputs.append(as_input(".jsonl", (SEEDS / "manifest.json").read_text(encoding="utf-8")))
    else:
        # pieces of two or three different articles, as the pipeline target cuts them apart
        n = len(texts)
        for i in range(n):
            for j, piece in enumerate(pieces[i]):
                others = [pieces[(i + k) % n][j % len(pieces[(i + k) % n])] for k in (1, 2)[: 1 + j % 2]]
                inputs.append(ARTICLE_SEPARATOR.join([piece, *others]).encode("utf-8"))
    for i, data in enumerate(inputs):
        (corpus / f"seed-{i:03d}").write_bytes(data)
    return len(inputs)


def _pieces(text: str, size: int = 1500) -> list[str]:
    """``text`` cut at paragraph ends into pieces of about ``size`` characters."""
    pieces, current = [], ""
    for para in text.split("\n\n"):
        current = f"{current}\n\n{para}" if current else para
        if len(current) >= size:
            pieces.append(current)
            current = ""
    return [*pieces, current] if current else pieces


def _html_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_STAT_RE = re.compile(r"^stat::(\w+):\s*(\S+)", re.M)
_DONE_RE = re.compile(r"^#(\d+)\s+DONE\s+cov: (\d+) ft: (\d+) corp: (\d+)/(\S+)", re.M)
_LAST_RE = re.compile(r"^#(\d+)\s+\w+\s+cov: (\d+) ft: (\d+) corp: (\d+)/(\S+)", re.M)
_ARTIFACT_RE = re.compile(r"Test unit written to (\S+)")
_SUMMARY_RE = re.compile(r"^SUMMARY: libFuzzer: (.+)$", re.M)
_EXCEPTION_RE = re.compile(r"=== Uncaught Python exception: ===\n(.+)")


def summarise(target: str, log: str, seconds: float, code: int) -> str:
    """One paragraph from libFuzzer's output: runs, speed, coverage, corpus and findings."""
    stats = dict(_STAT_RE.findall(log))
    done = _DONE_RE.findall(log) or _LAST_RE.findall(log)
    lines = [f"fuzz {target}: exit code {code}, {seconds:.0f} s of wall time"]
    if done:
        runs, cov, ft, corp, size = done[-1]
        lines.append(f"  {int(runs):,} inputs run; coverage {cov} edges, {ft} features; corpus {corp} inputs ({size})")
    if stats:
        lines.append(
            "  "
            + ", ".join(
                f"{k.replace('_', ' ')} {stats[k]}"
                for k in (
                    "number_of_executed_units",
                    "average_exec_per_sec",
                    "new_units_added",
                    "slowest_unit_time_sec",
                    "peak_rss_mb",
                )
                if k in stats
            )
        )
    findings = [*_SUMMARY_RE.findall(log), *_EXCEPTION_RE.findall(log)]
    artifacts = _ARTIFACT_RE.findall(log)
    if findings or artifacts or code:
        lines.append(
            f"  FINDINGS: {', '.join(findings) or 'non-zero exit'}; inputs saved: {', '.join(artifacts) or 'none'}"
        )
    else:
        lines.append("  no crash, no timeout, no out-of-memory")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--target", choices=("extract", "pipeline"), default="extract")
    ap.add_argument("--seconds", type=int, default=60, help="total fuzzing time (libFuzzer's -max_total_time)")
    ap.add_argument("--artifacts", default=os.path.join(tempfile.gettempdir(), "quotetrace-fuzz-findings"))
    ap.add_argument("inputs", nargs="*", help="inputs to replay once each, instead of fuzzing")
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--worker"]:  # fuzz.py --worker TARGET WORKDIR LIBFUZZER_ARGS...: the process being fuzzed
        worker(argv[1], Path(argv[2]), argv[3:])
        return 0  # not reached: libFuzzer exits the process
    args, extra = ap.parse_known_args(argv)  # unknown flags (-runs=N, -jobs=N...) go to libFuzzer
    artifacts = Path(args.artifacts)
    artifacts.mkdir(parents=True, exist_ok=True)
    flags = [*LIBFUZZER_FLAGS, f"-artifact_prefix={artifacts}{os.sep}"]
    tmp = Path(tempfile.mkdtemp(prefix="quotetrace-fuzz-"))
    try:
        if args.inputs:
            run_args = [*flags, *extra, *args.inputs]
        else:
            corpus = tmp / "corpus"
            corpus.mkdir()
            n = seed_corpus(args.target, corpus)
            print(f"fuzz {args.target}: {args.seconds} s, {n} seed inputs from {SEEDS}", file=sys.stderr)
            # longer inputs add little coverage and slow every run: the pipeline traces each one twice
            max_len = ["-max_len=8192"] if args.target == "pipeline" else []
            run_args = [f"-max_total_time={args.seconds}", *flags, *max_len, *extra, str(corpus)]
        workdir = tmp / "input"  # where the extract target writes each input as a file
        workdir.mkdir()
        cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", args.target, str(workdir), *run_args]
        log: list[str] = []
        start = time.monotonic()
        with subprocess.Popen(cmd, stderr=subprocess.STDOUT, stdout=subprocess.PIPE, text=True, errors="replace") as p:
            assert p.stdout is not None
            for line in p.stdout:
                sys.stderr.write(line)
                log.append(line)
        code = p.returncode
        print(summarise(args.target, "".join(log), time.monotonic() - start, code))
        return 1 if code else 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
