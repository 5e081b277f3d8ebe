"""``graph.graphml``: the graph as GraphML, for Gephi, Cytoscape, yEd or networkx."""

from __future__ import annotations

from pathlib import Path

import networkx as nx

from kgraph.export.atomic import atomic_path


def write_graphml(graph: nx.MultiDiGraph, target: Path) -> None:
    """Write ``graph`` to ``target``; attributes are plain values, so every one is kept."""
    with atomic_path(target) as tmp:
        nx.write_graphml(graph, tmp, encoding="utf-8", prettyprint=True)
