"""How long writing the RDF takes: kgraph's Oxigraph writer against rdflib's serializer.

    python benchmarks/rdf_export.py                    # the seeds
    python benchmarks/rdf_export.py --n 20000          # 20,000 synthetic papers (corpus.py)
    python benchmarks/rdf_export.py --n 20000 --skip-rdflib

Extraction runs first and is not timed; then, on the same graph: the Turtle, N-Triples and
JSON-LD that ``kgraph build`` writes (:func:`kgraph.export.rdf.write_rdf`, which generates
the triples in Python and streams them through pyoxigraph), and for comparison the same
triples as an :class:`rdflib.Graph` (:func:`~kgraph.export.rdf.to_rdf`) serialised as Turtle by
rdflib, which is how kgraph wrote ``graph.ttl`` before.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from corpus import generate  # noqa: E402

from kgraph.export.rdf import RDF_FORMATS, to_rdf, triples, write_rdf  # noqa: E402
from kgraph.extract import extract  # noqa: E402
from kgraph.graph import build_graph  # noqa: E402
from kgraph.model import Paper  # noqa: E402
from kgraph.resolve import resolve  # noqa: E402
from kgraph.sources import read_papers  # noqa: E402


class Timer:
    """Wall and CPU seconds of one step: the machine may be shared, CPU time less so."""

    def __enter__(self) -> Timer:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *_: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu

    def row(self, step: str, path: Path | None = None) -> str:
        size = f"{path.stat().st_size / 1e6:,.1f}" if path else ""
        return f"| {step} | {self.wall:.2f} | {self.cpu:.2f} | {size} |"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=0, help="synthetic papers (default: the seeds)")
    parser.add_argument("--skip-rdflib", action="store_true", help="time kgraph's writer only")
    args = parser.parse_args(argv)

    if args.n:
        papers = [Paper(title, abstract) for title, abstract in generate(args.n)]
    else:
        papers = read_papers([HERE.parent / "seeds"])
    extractions = list(extract(papers))
    graph = build_graph(extractions, resolve(extractions))
    print(f"{len(papers)} papers, {graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges")

    folder = Path(tempfile.mkdtemp(prefix="kgraph-rdf-bench-"))
    rows = ["| step | wall s | CPU s | MB |", "|---|---:|---:|---:|"]
    with Timer() as timer:
        count = sum(1 for _ in triples(graph))
    rows.append(timer.row(f"generate {count:,} triples (no writing)"))
    for name, output in RDF_FORMATS.items():
        target = folder / output.name
        with Timer() as timer:
            write_rdf(graph, target, rdf_format=name)
        rows.append(timer.row(f"kgraph write {output.name}", target))
    if not args.skip_rdflib:
        with Timer() as timer:
            rdf = to_rdf(graph)
        rows.append(timer.row("to_rdf (rdflib.Graph of the same triples)"))
        target = folder / "rdflib.ttl"
        with Timer() as timer:
            rdf.serialize(destination=target, format="turtle", encoding="utf-8")
        rows.append(timer.row("rdflib serialize turtle", target))
    print("\n".join(rows))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:,.0f} MB; files in {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
