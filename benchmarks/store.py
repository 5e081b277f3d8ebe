"""Time to first answer and `kgraph serve` latency on a build folder: the store's targets.

Every figure is a fresh process running the command line, as a user would:

- start-up: ``kgraph --help``, best and median of ``--runs``;
- first answer: ``kgraph query --name shared-benchmarks --graph GRAPH`` from start to exit
  (start-up, opening or parsing the graph, the query, printing), with the peak RSS;
- serve: ``kgraph serve --graph GRAPH`` until it says it is serving, then ``--queries``
  sequential shared-benchmarks queries over HTTP (SPARQL JSON), p50, p99 and the slowest.

GRAPH is the build folder (its store) and, with ``--turtle``, its graph.ttl parsed as before
the store. ``--src`` runs another checkout's kgraph (its folder goes first on PYTHONPATH), for
a before/after comparison on the same build.

    python benchmarks/store.py /tmp/q20k --turtle
    python benchmarks/store.py /tmp/q20k --src /tmp/kgraph-before --label before
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"first answer": 2.0, "serve p50": 1.0, "serve p99": 2.0}


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_mb: float


def _env(src: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src), env.get("PYTHONPATH")]))
    return env


def timed(argv: list[str], env: dict[str, str]) -> Run:
    """Wall time and peak RSS of one process running ``argv``."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if status != 0:
        assert process.stderr is not None
        raise SystemExit(f"{' '.join(argv)} failed: {process.stderr.read().decode()[-500:]}")
    return Run(seconds, usage.ru_maxrss / 1024)  # (KiB on Linux)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def serve_latency(
    kgraph: list[str], graph: str, queries: int, env: dict[str, str]
) -> dict[str, float]:
    """Start `kgraph serve`, time ``queries`` sequential shared-benchmarks queries, stop it."""
    text = (ROOT / "kgraph" / "data" / "queries" / "shared-benchmarks.rq").read_text()
    started = time.perf_counter()
    process = subprocess.Popen(
        [*kgraph, "serve", "--graph", graph, "--port", "0", "--timeout", "120"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.startswith("serving "):
            assert process.stderr is not None
            raise SystemExit(f"serve did not start: {line}{process.stderr.read()[-500:]}")
        ready = time.perf_counter() - started
        url = line.split(" at ")[1].split(";")[0] + "?" + urlencode({"query": text})
        request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
        latencies = []
        for _ in range(queries):
            sent = time.perf_counter()
            with urllib.request.urlopen(request, timeout=300) as response:
                response.read()
            latencies.append(time.perf_counter() - sent)
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=60)
    return {
        "ready": ready,
        "p50": percentile(latencies, 0.50),
        "p99": percentile(latencies, 0.99),
        "max": max(latencies),
    }


def measure(graph: str, args: argparse.Namespace, label: str) -> list[str]:
    env = _env(args.src)
    kgraph = [sys.executable, "-m", "kgraph"]
    # untimed: a build folder from before the store gets its store here; the page cache is warm
    timed([*kgraph, "query", "--graph", graph, "ASK {}"], env)
    helps = [timed([*kgraph, "--help"], env) for _ in range(args.runs)]
    first = [
        timed([*kgraph, "query", "--name", "shared-benchmarks", "--graph", graph], env)
        for _ in range(args.runs)
    ]
    served = serve_latency(kgraph, graph, args.queries, env)
    best = min(first, key=lambda r: r.seconds)
    cells = [
        label,
        f"`{graph}`",
        f"{min(r.seconds for r in helps):.2f} / {statistics.median(r.seconds for r in helps):.2f}",
        f"{best.seconds:.2f} / {statistics.median(r.seconds for r in first):.2f}",
        f"{max(r.peak_mb for r in first):,.0f}",
        f"{served['ready']:.1f}",
        *(f"{served[k]:.3f}" for k in ("p50", "p99", "max")),
    ]
    return ["| " + " | ".join(cells) + " |"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build", type=Path, help="a build folder (kgraph build --out DIR)")
    parser.add_argument("--turtle", action="store_true", help="also measure DIR/graph.ttl parsed")
    parser.add_argument("--runs", type=int, default=3, help="fresh processes per start-up figure")
    parser.add_argument("--queries", type=int, default=200, help="sequential queries to serve")
    parser.add_argument("--src", type=Path, help="run the kgraph in this checkout instead")
    parser.add_argument("--label", default="this checkout", help="the row's name")
    args = parser.parse_args(argv)
    graphs = [str(args.build)] + ([str(args.build / "graph.ttl")] if args.turtle else [])
    size = sum(f.stat().st_size for f in args.build.rglob("*") if f.is_file()) / 1e6
    print(f"build {args.build}: {size:,.0f} MB on disk; load average {os.getloadavg()[0]:.1f}")
    print(f"targets: {', '.join(f'{k} < {v:g} s' for k, v in TARGETS.items())}\n")
    print(
        "| kgraph | --graph | `--help` s (best / median) | first answer s (best / median) "
        "| peak RSS MB | serve ready s | serve p50 s | p99 s | max s |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for graph in graphs:
        for line in measure(graph, args, args.label):
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
