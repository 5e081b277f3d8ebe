"""Opening a built graph for questions and queries: rdflib's API over one of two stores.

rdflib is the API everywhere. Its own in-memory store is the reference; for large files the
Oxigraph store (through oxrdflib) parses and answers an order of magnitude faster with the same
answers, so ``engine="auto"`` picks it above :data:`OXIGRAPH_ABOVE_BYTES`.
"""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph

from kgraph.errors import KgraphError

ENGINES = ("auto", "rdflib", "oxigraph")
# Turtle files larger than this (about 130 papers) go to Oxigraph when the engine is "auto"
OXIGRAPH_ABOVE_BYTES = 1_000_000
DEFAULT_GRAPH = Path("output/graph.ttl")

# suffix -> (rdflib parser, oxrdflib parser)
_FORMATS = {
    ".ttl": ("turtle", "ox-turtle"),
    ".nt": ("nt", "ox-nt"),
    ".jsonld": ("json-ld", "ox-json-ld"),
}


def choose_engine(path: Path, engine: str = "auto") -> str:
    """``"rdflib"`` or ``"oxigraph"``: ``engine`` itself, or by file size when it is ``"auto"``."""
    if engine not in ENGINES:
        raise KgraphError(f"unknown engine {engine!r}: expected one of {', '.join(ENGINES)}")
    if engine != "auto":
        return engine
    return "oxigraph" if path.stat().st_size > OXIGRAPH_ABOVE_BYTES else "rdflib"


def load_graph(path: Path, engine: str = "auto") -> Graph:
    """The RDF graph in ``path`` (Turtle, N-Triples or JSON-LD, by suffix), in the chosen store.

    Every failure (missing file, folder, unknown suffix, syntax error) is a one-line
    :class:`~kgraph.errors.KgraphError`.
    """
    if path.is_dir():
        path = path / DEFAULT_GRAPH.name
    if not path.is_file():
        raise KgraphError(f"{path}: no such graph file (run `kgraph build` first, or give --graph)")
    formats = _FORMATS.get(path.suffix.lower())
    if formats is None:
        known = ", ".join(_FORMATS)
        raise KgraphError(f"{path}: cannot tell the RDF format (expected a file ending {known})")
    chosen = choose_engine(path, engine)
    graph = Graph(store="Oxigraph") if chosen == "oxigraph" else Graph()
    try:
        graph.parse(path, format=formats[chosen == "oxigraph"])
    except OSError as exc:
        raise KgraphError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except Exception as exc:  # rdflib's parsers also fail with IndexError, AssertionError...
        message = " ".join(str(exc).split())[:300] or type(exc).__name__
        raise KgraphError(f"{path}: not valid RDF: {message}") from exc
    return graph
