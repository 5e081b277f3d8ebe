"""``graph.html``: an interactive view of the graph (pyvis / vis-network), working offline."""

from __future__ import annotations

import re
from pathlib import Path

import networkx as nx
from pyvis.network import Network

from kgraph.export.atomic import write_text
from kgraph.graph import PAPER

COLOURS = {
    PAPER: "#9e9e9e",
    "benchmark": "#e6550d",
    "model": "#3182bd",
    "method": "#31a354",
    "task": "#756bb1",
    "metric": "#c51b8a",
}
_CDN_TAG = re.compile(
    r"<(?:link|script)\b[^>]*(?:href|src)=\"https?://[^\"]*\"[^>]*>(?:\s*</script>)?"
)


def render(graph: nx.MultiDiGraph) -> str:
    """The page for ``graph``, with vis-network inlined and no link to any CDN."""
    net = Network(height="800px", width="100%", directed=True, cdn_resources="in_line")
    for node, data in graph.nodes(data=True):
        kind = data["kind"]
        net.add_node(
            node, label=data["label"][:40], title=f"{kind}: {data['label']}", color=COLOURS[kind]
        )
    for source, target, relation in graph.edges(keys=True):
        net.add_edge(source, target, title=relation, dashes=relation != "introduces")
    return _CDN_TAG.sub("", net.generate_html())


def write_html(graph: nx.MultiDiGraph, target: Path) -> None:
    write_text(target, render(graph))
