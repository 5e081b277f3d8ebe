"""How much faster ``kgraph add`` is than a rebuild, and where the time goes.

Makes a synthetic corpus from the seeds (each of the 400 papers again and again under a
distinct title, written as JSON Lines), builds it, adds a few new papers to that build, and
rebuilds everything from scratch for comparison; then checks that both ends have the same
``entities.jsonl``. Each stage is timed by wrapping the functions the CLI calls, so what is
measured is the real ``kgraph build`` / ``kgraph add`` code path, each step in a fresh
process as from the shell (start-up: interpreter, imports and anything outside the stages;
the extraction pipeline is built inside the first ``extract`` call).

    python benchmarks/incremental.py                 # 20,000 papers + 20 (several minutes)
    python benchmarks/incremental.py --papers 2000   # a quick look
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import kgraph.build
import kgraph.cli
from kgraph.sources import read_papers

ROOT = Path(__file__).resolve().parent.parent

# (module, function name, stage): each call of the function counts towards the stage.
# `kgraph build` reads its inputs as extraction pulls them (iter_papers), so its reading
# counts towards "extract"; "read inputs" is `kgraph add`'s read_papers. Builds of 2,000
# papers or more write their outputs in worker processes, which these timers do not see.
STAGES = [
    (kgraph.cli, "read_papers", "read inputs"),
    (kgraph.cli, "read_state", "read state"),
    (kgraph.cli, "extract_all", "extract"),
    (kgraph.build, "extract_all", "extract"),
    (kgraph.build, "resolve", "resolve"),
    (kgraph.build, "build_graph", "graph"),
    (kgraph.build, "write_jsonl", "write jsonl"),
    (kgraph.build, "write_turtle", "write turtle"),
    (kgraph.build, "write_graphml", "write graphml"),
    (kgraph.build, "write_html", "write html"),
]


@contextmanager
def timed_stages() -> Iterator[dict[str, float]]:
    """Time the stages of whatever runs inside; extract_all called by grow is not counted twice."""
    seconds: dict[str, float] = defaultdict(float)
    saved = [(module, name, getattr(module, name)) for module, name, _ in STAGES]
    active: set[str] = set()

    def wrap(func: Callable[..., Any], stage: str) -> Callable[..., Any]:
        @functools.wraps(func)
        def timed(*args: Any, **kwargs: Any) -> Any:
            if stage in active:
                return func(*args, **kwargs)
            active.add(stage)
            started = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                seconds[stage] += time.perf_counter() - started
                active.discard(stage)

        return timed

    for (module, name, stage), (_, _, func) in zip(STAGES, saved, strict=True):
        setattr(module, name, wrap(func, stage))
    try:
        yield seconds
    finally:
        for module, name, func in saved:
            setattr(module, name, func)


def write_corpus(target: Path, copies: range, count: int | None = None) -> int:
    """Seed papers under titles suffixed with each number in ``copies``, as JSON Lines."""
    seeds = read_papers([ROOT / "seeds"])
    written = 0
    with target.open("w", encoding="utf-8") as handle:
        for copy in copies:
            for paper in seeds:
                if count is not None and written == count:
                    return written
                record = {"title": f"{paper.title} (copy {copy})", "abstract": paper.abstract}
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
                written += 1
    return written


def run_kgraph(argv: list[str]) -> None:
    """Child process: run kgraph with ``argv`` and print its stage times as one JSON line."""
    with timed_stages() as stages:
        started = time.perf_counter()
        code = kgraph.cli.main(["-q", *argv])
        total = time.perf_counter() - started
    print(json.dumps({"code": code, "total": total, "stages": stages}))


def run(label: str, argv: list[str]) -> float:
    """Run kgraph in a fresh process (so nothing is warm from a previous step); wall seconds."""
    # One hash seed for every step: extraction currently breaks some ties in set order
    # (aliases that differ only in case), so two processes with random seeds can disagree.
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    started = time.perf_counter()
    child = subprocess.run(
        [sys.executable, __file__, "--child", "--", *argv],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    wall = time.perf_counter() - started
    if child.returncode != 0 or not child.stdout.strip():
        sys.exit(f"{label}: failed\n{child.stderr}")
    result = json.loads(child.stdout.splitlines()[-1])
    if result["code"] != 0:
        sys.exit(f"{label}: kgraph exited with {result['code']}\n{child.stderr}")
    stages = result["stages"]
    setup = wall - result["total"]
    breakdown = ", ".join(f"{stage} {s:.1f}" for stage, s in stages.items())
    print(f"{label:<30} {wall:7.1f} s  (start-up {setup:.1f}, {breakdown})", flush=True)
    return wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=20_000, help="size of the first build")
    parser.add_argument("--new", type=int, default=20, help="papers added to it")
    parser.add_argument("--processes", type=int, default=1, help="extraction processes")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("argv", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_kgraph(args.argv)
        return

    with tempfile.TemporaryDirectory() as scratch:
        work = args.keep or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        seeds = len(read_papers([ROOT / "seeds"]))
        copies = -(-args.papers // seeds)
        base, new = work / "base.jsonl", work / "new.jsonl"
        n_base = write_corpus(base, range(copies), args.papers)
        n_new = write_corpus(new, range(copies, copies + 1), args.new)
        grown, full = work / "grown", work / "full"
        procs = ["--processes", str(args.processes)]
        print(f"corpus: {n_base} papers + {n_new} new ({seeds} seed abstracts, retitled)")
        run(f"build {n_base}", ["build", str(base), "--out", str(grown), *procs])
        add = run(f"add {n_new} to {n_base}", ["add", str(new), "--out", str(grown), *procs])
        rebuild = run(
            f"build {n_base + n_new} from scratch",
            ["build", str(base), str(new), "--out", str(full), *procs],
        )
        same = (grown / "entities.jsonl").read_bytes() == (full / "entities.jsonl").read_bytes()
        print(f"add is {rebuild / add:.1f}x faster; entities.jsonl identical: {same}")
        if not same:
            sys.exit(1)


if __name__ == "__main__":
    main()
