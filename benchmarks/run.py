"""Benchmark harness: tokenizer alone vs ``kgraph extract`` vs ``kgraph build``, on one corpus.

    python benchmarks/run.py --n 20000            # print the table
    python benchmarks/run.py --n 20000 --record   # and append it to benchmarks/RESULTS.md
    python benchmarks/run.py --n 20000 --floors   # and extract without some components

The corpus (page-dump layout, built from the seeds by ``corpus.py``) is generated once into a
temporary folder; each measured step runs in its own process so that its seconds and peak
RSS are its own. Docs/s counts abstracts; the ratios divide by the tokenizer-alone time
(``spacy.blank("en").tokenizer.pipe`` over the same title + abstract texts, one process).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from corpus import generate, write_listing  # noqa: E402

RESULTS = HERE / "RESULTS.md"

TOKENIZE = """
import sys, spacy
from pathlib import Path
from kgraph.sources import read_papers
texts = [p.text for p in read_papers([Path(sys.argv[1])])]
tokenizer = spacy.blank("en").tokenizer
import time
start = time.perf_counter()
for _ in tokenizer.pipe(texts, batch_size=256):
    pass
print(time.perf_counter() - start)
"""

# `kgraph extract` with only some of kgraph's components in its pipeline (--floors): what the
# command costs around them (reading, worker processes, writing), and what each one adds.
PARTIAL_EXTRACT = """
import sys
import kgraph.extract
keep = [name for name in sys.argv[1].split(",") if name]
full = kgraph.extract.build_nlp
def build_nlp():
    nlp = full()
    for name in nlp.pipe_names:
        if name not in keep:
            nlp.remove_pipe(name)
    return nlp
kgraph.extract.build_nlp = build_nlp
from kgraph.cli import main
sys.exit(main(sys.argv[2:]))
"""
FLOORS = {
    "extract, tokenizer only": [],
    "extract, + abbreviations, lexicon": ["kgraph_abbreviations", "kgraph_lexicon"],
    "extract, + candidates": ["kgraph_abbreviations", "kgraph_lexicon", "kgraph_candidates"],
}


@dataclass
class Step:
    name: str
    seconds: float
    peak_rss_mb: float


def run_step(name: str, argv: list[str]) -> Step:
    """Run ``argv`` as a child process; its wall time and peak RSS (ru_maxrss, in KiB on Linux)."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    out = process.stdout.read() if process.stdout else ""
    err = process.stderr.read() if process.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{name} failed:\n{err}")
    if name == "tokenizer alone":
        seconds = float(out.strip().splitlines()[-1])
    return Step(name, seconds, usage.ru_maxrss / 1024)


def machine() -> str:
    cpus = os.cpu_count()
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{platform.machine()}, {cpus} cores, {memory:.0f} GiB, Python {platform.python_version()}"
    )


def table(n: int, steps: list[Step]) -> str:
    base = steps[0].seconds
    rows = [
        "| step | seconds | docs/s | peak RSS (MB) | x tokenizer |",
        "|---|---:|---:|---:|---:|",
    ]
    for step in steps:
        rows.append(
            f"| {step.name} | {step.seconds:.1f} | {n / step.seconds:,.0f} | "
            f"{step.peak_rss_mb:,.0f} | {step.seconds / base:.2f} |"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000, help="number of abstracts")
    parser.add_argument("--record", action="store_true", help=f"append the table to {RESULTS}")
    parser.add_argument("--keep", type=Path, help="use (or create) this folder for the corpus")
    parser.add_argument("--skip-build", action="store_true", help="measure extract only")
    parser.add_argument(
        "--floors",
        action="store_true",
        help="also run extract with the components left out one by one (what each one costs)",
    )
    args = parser.parse_args(argv)

    work = args.keep or Path(tempfile.mkdtemp(prefix="kgraph-bench-"))
    corpus = work / f"corpus-{args.n}"
    if not corpus.exists():
        started = time.perf_counter()
        written = write_listing(generate(args.n), corpus)
        print(f"corpus: {written} abstracts in {time.perf_counter() - started:.1f} s -> {corpus}")
    kgraph = [sys.executable, "-m", "kgraph", "-q"]
    steps = [run_step("tokenizer alone", [sys.executable, "-c", TOKENIZE, str(corpus)])]
    if args.floors:
        for name, keep in FLOORS.items():
            script = [sys.executable, "-c", PARTIAL_EXTRACT, ",".join(keep)]
            out = str(work / "partial.jsonl")
            steps.append(run_step(name, [*script, "-q", "extract", str(corpus), "--out", out]))
    steps.append(
        run_step(
            "kgraph extract", [*kgraph, "extract", str(corpus), "--out", str(work / "x.jsonl")]
        )
    )
    if not args.skip_build:
        steps.append(
            run_step("kgraph build", [*kgraph, "build", str(corpus), "--out", str(work / "out")])
        )
    report = table(args.n, steps)
    print(report)
    if args.record:
        stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
        with RESULTS.open("a", encoding="utf-8") as handle:
            handle.write(
                f"\n## {args.n:,} abstracts, {stamp}\n\nMachine: {machine()}\n\n{report}\n"
            )
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
