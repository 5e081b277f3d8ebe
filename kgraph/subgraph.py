"""Parts of the graph worth showing on their own: one entity's neighbourhood, the papers that
share benchmarks, and the most connected part of a graph too big to draw whole.

Plain functions that take the graph first and return a new graph (or a node); none mutates.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass

import networkx as nx

from kgraph.graph import ALIAS_SEPARATOR, PAPER
from kgraph.lookup import Candidate, find_entity
from kgraph.model import EntityType

BENCHMARK = EntityType.BENCHMARK.value
NEIGHBOURHOOD_RADIUS = 2
# at most 1/ENTITY_SHARE of a capped view's nodes are entities; the rest are their papers
ENTITY_SHARE = 3


@dataclass(frozen=True)
class Selection:
    """A part of a graph, and how much of the whole it is.

    ``total`` and ``shown`` count nodes per kind (``paper``, ``benchmark``, ...) in the whole
    graph and in :attr:`graph`; ``min_papers`` is the fewest papers any shown entity is in.
    """

    graph: nx.MultiDiGraph
    total: Counter[str]
    shown: Counter[str]
    min_papers: int = 0

    @property
    def left_out(self) -> Counter[str]:
        return self.total - self.shown


def kinds(graph: nx.MultiDiGraph) -> Counter[str]:
    """How many nodes of each kind ``graph`` has."""
    return Counter(kind for _, kind in graph.nodes(data="kind"))


def papers_of(graph: nx.MultiDiGraph, node: str) -> list[str]:
    """The papers linked to ``node`` (in either direction), sorted."""
    return sorted(n for n in nx.all_neighbors(graph, node) if graph.nodes[n]["kind"] == PAPER)


def find_node(graph: nx.MultiDiGraph, name: str) -> str:
    """The node that ``name`` means, by the rules of ``kgraph show`` (:mod:`kgraph.lookup`):
    its id, else its label, else one of its aliases, else a variant of them, ignoring case.

    A name that means several nodes equally is an error that lists them, with their ids.

    Examples
    --------
    >>> g = nx.MultiDiGraph()
    >>> g.add_node("benchmark:scan", kind="benchmark", label="SCAN", aliases="SCAN dataset")
    >>> find_node(g, "scan"), find_node(g, "Benchmark:SCAN"), find_node(g, "scan DATASET")
    ('benchmark:scan', 'benchmark:scan', 'benchmark:scan')
    """
    candidates = [
        Candidate(
            node,
            (node,),
            str(data.get("label", node)),
            str(data.get("kind", "")),
            tuple(a for a in str(data.get("aliases", "")).split(ALIAS_SEPARATOR) if a),
        )
        for node, data in graph.nodes(data=True)
    ]
    kinds = [kind.value for kind in EntityType]
    return find_entity(candidates, name, [*kinds, PAPER], type_option=False).key


def neighbourhood(
    graph: nx.MultiDiGraph, node: str, radius: int = NEIGHBOURHOOD_RADIUS
) -> nx.MultiDiGraph:
    """``node``, its papers and what those papers use: everything ``radius`` hops away.

    Examples
    --------
    >>> g = nx.MultiDiGraph([("paper:a", "task:x"), ("paper:a", "model:y"), ("paper:b", "model:y")])
    >>> sorted(neighbourhood(g, "task:x"))
    ['model:y', 'paper:a', 'task:x']
    """
    near = nx.single_source_shortest_path_length(graph.to_undirected(as_view=True), node, radius)
    view: nx.MultiDiGraph = graph.subgraph(near).copy()
    return view


def shared_benchmarks(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """The benchmarks that two or more papers use, those papers, and the edges between them.

    Examples
    --------
    >>> g = nx.MultiDiGraph()
    >>> g.add_nodes_from(["paper:a", "paper:b"], kind="paper")
    >>> g.add_nodes_from(["benchmark:x", "benchmark:y"], kind="benchmark")
    >>> g.add_node("task:t", kind="task")
    >>> _ = g.add_edges_from([("paper:a", "benchmark:x"), ("paper:b", "benchmark:x")])
    >>> _ = g.add_edges_from([("paper:a", "benchmark:y"), ("paper:a", "task:t")])
    >>> sorted(shared_benchmarks(g))
    ['benchmark:x', 'paper:a', 'paper:b']
    """
    keep: set[str] = set()
    for node, kind in graph.nodes(data="kind"):
        if kind == BENCHMARK:
            papers = papers_of(graph, node)
            if len(papers) >= 2:
                keep.add(node)
                keep.update(papers)
    view = nx.MultiDiGraph()
    view.add_nodes_from((n, graph.nodes[n]) for n in graph if n in keep)
    view.add_edges_from(
        (u, v, k, d)
        for u, v, k, d in graph.edges(keys=True, data=True)
        if u in keep and v in keep and BENCHMARK in (graph.nodes[u]["kind"], graph.nodes[v]["kind"])
    )
    return view


def most_connected(
    graph: nx.MultiDiGraph, max_nodes: int | None, keep: Collection[str] = ()
) -> Selection:
    """At most ``max_nodes`` nodes of ``graph``: the entities in most papers, and their papers.

    Up to a third of ``max_nodes`` entities are candidates, those in most papers (ties by
    id). Papers come in order of how many candidates they mention (then how high the best
    one ranks), each with its candidates, while they fit; so every entity shown has a paper
    shown, and one entity in half of all papers cannot fill the page alone. Nodes in
    ``keep`` come first (a kept paper with its entities). ``max_nodes=None`` keeps all.

    Examples
    --------
    >>> g = nx.MultiDiGraph()
    >>> g.add_nodes_from(["paper:a", "paper:b", "paper:c"], kind="paper")
    >>> g.add_nodes_from(["task:big", "task:small"], kind="task")
    >>> _ = g.add_edges_from([("paper:a", "task:big"), ("paper:b", "task:big")])
    >>> _ = g.add_edge("paper:c", "task:small")
    >>> part = most_connected(g, 3)
    >>> sorted(part.graph), part.left_out["paper"], part.left_out["task"], part.min_papers
    (['paper:a', 'paper:b', 'task:big'], 1, 1, 2)
    """
    total = kinds(graph)
    if max_nodes is None or len(graph) <= max_nodes:
        return Selection(graph, total, total, _min_papers(graph, graph))
    chosen: dict[str, None] = {}
    for node in sorted(n for n in keep if n in graph):
        chosen[node] = None
        if graph.nodes[node]["kind"] == PAPER:
            chosen.update(dict.fromkeys(sorted(nx.all_neighbors(graph, node))))
    entities = [n for n, kind in graph.nodes(data="kind") if kind != PAPER]
    count = {n: len(papers_of(graph, n)) for n in entities}
    entities.sort(key=lambda n: (-count[n], n))
    rank = {n: i for i, n in enumerate(entities[: max(1, max_nodes // ENTITY_SHARE)])}
    rank.update({n: -1 for n in chosen if n in count})
    near: dict[str, list[str]] = {}
    for paper, kind in graph.nodes(data="kind"):
        if kind == PAPER:
            linked = sorted(
                {n for n in nx.all_neighbors(graph, paper) if n in rank}, key=rank.__getitem__
            )
            if linked:
                near[paper] = linked
    pinned = set(keep)
    papers = sorted(
        near,
        key=lambda p: (pinned.isdisjoint(near[p]), -len(near[p]), rank[near[p][0]], p),
    )
    for paper in papers:
        new = [n for n in (paper, *near[paper]) if n not in chosen]
        if len(chosen) + len(new) <= max_nodes:
            chosen.update(dict.fromkeys(new))
    view: nx.MultiDiGraph = graph.subgraph(chosen).copy()
    return Selection(view, total, kinds(view), _min_papers(graph, view))


def _min_papers(graph: nx.MultiDiGraph, view: nx.MultiDiGraph) -> int:
    counts = [len(papers_of(graph, n)) for n, kind in view.nodes(data="kind") if kind != PAPER]
    return min(counts, default=0)
