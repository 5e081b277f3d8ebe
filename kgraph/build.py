"""The build: inputs -> extraction -> resolution -> graph -> every output file.

Each stage is a function of the previous one's plain data; the CLI only wires them together
and reports.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
from tqdm import tqdm

from kgraph.export.atomic import atomic_path
from kgraph.export.graphml import write_graphml
from kgraph.export.html import write_html
from kgraph.export.jsonl import lines
from kgraph.export.rdf import write_turtle
from kgraph.extract import Settings, extract
from kgraph.graph import PAPER, build_graph
from kgraph.model import Extraction, Paper
from kgraph.resolve import resolve
from kgraph.vocab import DEFAULT_BASE

ENTITIES_FILE = "entities.jsonl"
TURTLE_FILE = "graph.ttl"
GRAPHML_FILE = "graph.graphml"
HTML_FILE = "graph.html"


@dataclass(frozen=True)
class BuildOptions:
    out: Path = Path("output")
    base: str = DEFAULT_BASE
    settings: Settings = field(default_factory=Settings)
    progress: bool = True


@dataclass
class Summary:
    """What a build did, for the one-screen report."""

    papers: int = 0
    entities: Counter[str] = field(default_factory=Counter)
    edges: int = 0
    files: list[Path] = field(default_factory=list)
    seconds: float = 0.0

    def lines(self) -> list[str]:
        out = [f"papers    {self.papers}"]
        total = sum(self.entities.values())
        per_type = ", ".join(f"{t} {n}" for t, n in sorted(self.entities.items()))
        out.append(f"entities  {total} ({per_type})" if total else "entities  0")
        out.append(f"edges     {self.edges}")
        out.extend(f"wrote     {path}" for path in self.files)
        out.append(f"seconds   {self.seconds:.1f}")
        return out


def extract_all(papers: Sequence[Paper], options: BuildOptions) -> list[Extraction]:
    """Extract every paper, with a progress bar on stderr when asked for."""
    stream: Iterable[Paper] = papers
    bar = tqdm(
        total=len(papers), desc="extract", unit="paper", disable=not options.progress or None
    )
    with bar:
        out = []
        for extraction in extract(stream, options.settings):
            out.append(extraction)
            bar.update()
    return out


def write_jsonl(extractions: Iterable[Extraction], target: Path) -> None:
    with atomic_path(target) as tmp, tmp.open("w", encoding="utf-8", newline="\n") as handle:
        handle.writelines(lines(extractions))


def summarise(graph: nx.MultiDiGraph) -> Summary:
    summary = Summary()
    for _, kind in graph.nodes(data="kind"):
        if kind == PAPER:
            summary.papers += 1
        else:
            summary.entities[kind] += 1
    summary.edges = graph.number_of_edges()
    return summary


def write_outputs(extractions: Sequence[Extraction], options: BuildOptions) -> Summary:
    """Resolve, assemble the graph and write every output into ``options.out``."""
    started = time.perf_counter()
    graph = build_graph(extractions, resolve(extractions))
    out = options.out
    write_jsonl(extractions, out / ENTITIES_FILE)
    write_turtle(graph, out / TURTLE_FILE, options.base)
    write_graphml(graph, out / GRAPHML_FILE)
    write_html(graph, out / HTML_FILE)
    summary = summarise(graph)
    summary.files = [out / name for name in (ENTITIES_FILE, TURTLE_FILE, GRAPHML_FILE, HTML_FILE)]
    summary.seconds = time.perf_counter() - started
    return summary
