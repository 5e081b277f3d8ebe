"""Size and time-to-render of the HTML view, for the seeds and a synthetic 20k-abstract graph.

    python benchmarks/html_scale.py [--seeds-graph output/graph.graphml] [--runs 3]

Writes the pages into a temporary folder, opens each in headless Chromium (Debian's
/usr/bin/chromium through Playwright) and prints one Markdown table row per page:
nodes drawn, file size, seconds to write the page in Python, and seconds from navigation
until the page says it is ready (first frame drawn; for pages with physics, after it settled).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx
from playwright.sync_api import sync_playwright

from kgraph.export.graphml import read_graphml
from kgraph.export.html import DEFAULT_MAX_NODES, render
from kgraph.graph import build_graph
from kgraph.model import EntityType, Extraction, Mention, Paper
from kgraph.resolve import resolve

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TYPES = [
    (EntityType.METHOD, 0.40),
    (EntityType.TASK, 0.25),
    (EntityType.BENCHMARK, 0.15),
    (EntityType.MODEL, 0.15),
    (EntityType.METRIC, 0.05),
]
WORDS = [
    "graph",
    "neural",
    "sparse",
    "robust",
    "causal",
    "visual",
    "latent",
    "token",
    "prompt",
    "policy",
    "reward",
]


def synthetic(papers: int = 20_000, entities: int = 3_000, seed: int = 0) -> list[Extraction]:
    """Papers mentioning 1-6 entities each, entity popularity following Zipf's law."""
    rng = random.Random(seed)
    kinds = rng.choices([t for t, _ in TYPES], [w for _, w in TYPES], k=entities)
    names = [f"{rng.choice(WORDS).title()}{rng.choice(WORDS).title()}-{i}" for i in range(entities)]
    aliases = [(f"{n[:2].upper()}{i}",) if rng.random() < 0.2 else () for i, n in enumerate(names)]
    weights = [1 / (rank + 1) ** 1.1 for rank in range(entities)]
    out = []
    for p in range(papers):
        title = f"Synthetic study {p}: {' '.join(rng.sample(WORDS, 4))}"
        picked = sorted(set(rng.choices(range(entities), weights, k=rng.randint(1, 6))))
        mentions = []
        for j, e in enumerate(picked):
            introduced = j == 0 and rng.random() < 0.08
            verb = "introduce" if introduced else "use"
            sentence = f"We {verb} {names[e]} for {rng.choice(WORDS)} learning."
            mentions.append(Mention(names[e], kinds[e], introduced, aliases[e], sentence))
        abstract = " ".join(m.sentence for m in mentions) + " Results improve."
        date = f"Oct {1 + p % 28}"
        out.append(Extraction(Paper(title, abstract, date=date), tuple(mentions)))
    return out


def measure(pages: dict[str, tuple[Path, int, float]], runs: int) -> None:
    print("| page | nodes drawn | file size | write (s) | ready in Chromium (s) |")
    print("|---|---:|---:|---:|---:|")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        for name, (path, nodes, seconds) in pages.items():
            times = []
            for _ in range(runs):
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                page.goto(path.as_uri(), timeout=600_000)
                page.wait_for_function(
                    "document.body.dataset.ready === 'true'", timeout=600_000, polling=100
                )
                times.append(page.evaluate("kgraph.readyAt") / 1000)
                page.close()
            size = path.stat().st_size / 1e6
            ready = statistics.median(times)
            print(f"| {name} | {nodes:,} | {size:.1f} MB | {seconds:.1f} | {ready:.1f} |")
        browser.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds-graph", type=Path, default=Path("output/graph.graphml"))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="kgraph-html-"))
    graphs: dict[str, tuple[nx.MultiDiGraph, int | None]] = {}
    if args.seeds_graph.exists():
        graphs["seeds"] = (read_graphml(args.seeds_graph), DEFAULT_MAX_NODES)
    started = time.perf_counter()
    extractions = synthetic()
    big = build_graph(extractions, resolve(extractions))
    print(
        f"synthetic graph: {len(big):,} nodes, {big.number_of_edges():,} edges "
        f"({time.perf_counter() - started:.1f} s to make)",
        file=sys.stderr,
    )
    graphs[f"synthetic 20k, default cap {DEFAULT_MAX_NODES:,}"] = (big, DEFAULT_MAX_NODES)
    graphs["synthetic 20k, no cap"] = (big, None)
    pages = {}
    for i, (name, (graph, cap)) in enumerate(graphs.items()):
        started = time.perf_counter()
        html = render(graph, cap)
        seconds = time.perf_counter() - started
        path = folder / f"page{i}.html"
        path.write_text(html, encoding="utf-8")
        pages[name] = (path, html.count('"group":'), seconds)
    measure(pages, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
