"""Local scaling of ``kgraph extract``: one process, local default, Dask with 1 and 2 workers.

    python benchmarks/scaling.py --n 20000

Generates N synthetic abstracts (``corpus.py``, page-dump layout) and times, each in its own
process, end to end as a user would see it (start-up, reading, extraction, writing):

- ``local, 1 process``: ``kgraph extract --processes 1``
- ``local, default``: ``kgraph extract`` (one process per core from 2,000 papers on)
- ``dask, N worker(s)``: ``kgraph extract --engine dask --workers N`` (a LocalCluster the
  command starts and closes)

It prints seconds, docs/s, the speed-up over one local process, the CPU time of the whole
run (all its processes), the peak RSS of its largest process, and checks that every run
wrote the same bytes. With ``--startup`` it
also times each configuration on a 10-paper corpus: the fixed cost of starting it, so
that ``docs/s after start-up`` = N / (seconds - start-up seconds).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from corpus import generate, write_listing  # noqa: E402

STARTUP_PAPERS = 10


@dataclass(frozen=True)
class Config:
    name: str
    options: tuple[str, ...]


CONFIGS = (
    Config("local, 1 process", ("--processes", "1")),
    Config("local, default", ()),
    Config("dask, 1 worker", ("--engine", "dask", "--workers", "1")),
    Config("dask, 2 workers", ("--engine", "dask", "--workers", "2")),
)


@dataclass(frozen=True)
class Run:
    seconds: float
    cpu_seconds: float
    peak_rss_mb: float


def run(corpus: Path, out: Path, config: Config, shard_size: int) -> Run:
    """``kgraph extract`` over ``corpus`` in a child process: wall time, CPU time, peak RSS.

    The rusage of a waited-for child covers it and its own waited-for children (the Dask
    workers are the LocalCluster's): CPU time is their sum, ru_maxrss the largest one's (KiB
    on Linux). CPU time per paper shows each configuration's overhead even when other jobs
    share the cores and stretch the wall time.
    """
    argv = [sys.executable, "-m", "kgraph", "-q", "extract", str(corpus), "--out", str(out)]
    argv += config.options
    if "dask" in config.options:
        argv += ["--shard-size", str(shard_size)]
    start = time.perf_counter()
    process = subprocess.Popen(argv, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    err = process.stderr.read() if process.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{config.name} failed:\n{err}")
    return Run(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000, help="number of abstracts")
    parser.add_argument("--shard-size", type=int, default=500, help="papers per Dask task")
    parser.add_argument(
        "--startup", action="store_true", help=f"also time each on {STARTUP_PAPERS} papers"
    )
    parser.add_argument("--keep", type=Path, help="use (or create) this folder for the corpus")
    args = parser.parse_args(argv)

    work = args.keep or Path(tempfile.mkdtemp(prefix="kgraph-scaling-"))
    sizes = [args.n, STARTUP_PAPERS] if args.startup else [args.n]
    corpora = {}
    for n in sizes:
        corpora[n] = work / f"corpus-{n}"
        if not corpora[n].exists():
            write_listing(generate(n), corpora[n])
    # One unmeasured run fills the lexicon cache, so that no configuration pays for it.
    run(corpora[sizes[-1]], work / "warm.jsonl", CONFIGS[0], args.shard_size)

    rows = [
        "| configuration | seconds | docs/s | speed-up | CPU s | CPU ms/doc | peak RSS (MB) |"
        + (" start-up (s) | docs/s after start-up |" if args.startup else ""),
        "|---|---:|---:|---:|---:|---:|---:|" + ("---:|---:|" if args.startup else ""),
    ]
    outputs = []
    base = None
    for i, config in enumerate(CONFIGS):
        out = work / f"out-{i}.jsonl"
        result = run(corpora[args.n], out, config, args.shard_size)
        outputs.append(out.read_bytes())
        base = base or result.seconds
        row = (
            f"| {config.name} | {result.seconds:.1f} | {args.n / result.seconds:,.0f} | "
            f"{base / result.seconds:.2f}x | {result.cpu_seconds:.1f} | "
            f"{1000 * result.cpu_seconds / args.n:.2f} | {result.peak_rss_mb:,.0f} |"
        )
        if args.startup:
            fixed = run(corpora[STARTUP_PAPERS], work / "startup.jsonl", config, args.shard_size)
            working = result.seconds - fixed.seconds
            rate = f"{args.n / working:,.0f}" if working > 1 else "-"
            row += f" {fixed.seconds:.1f} | {rate} |"
        rows.append(row)
        print(rows[-1] if i else "\n".join(rows), flush=True)
    same = all(output == outputs[0] for output in outputs)
    print(f"\n{args.n:,} abstracts, {os.cpu_count()} cores; outputs identical: {same}")
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
