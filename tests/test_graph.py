"""The graph assembled from the seeds: nodes, edges and their attributes."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import networkx as nx
import pytest

from kgraph.export.graphml import read_graphml, write_graphml
from kgraph.graph import build_graph
from kgraph.model import EntityType, Extraction, Mention, Paper
from kgraph.resolve import resolve


@pytest.fixture(scope="module")
def seed_graph(seed_extractions: list[Extraction]) -> nx.MultiDiGraph:
    return build_graph(seed_extractions, resolve(seed_extractions))


def test_a_node_per_paper_and_entity_with_plain_attributes(seed_graph: nx.MultiDiGraph) -> None:
    papers = [n for n, kind in seed_graph.nodes(data="kind") if kind == "paper"]
    assert len(papers) == 400
    assert all(n.startswith("paper:") for n in papers)
    for node, data in seed_graph.nodes(data=True):
        assert data["kind"] in {"paper", *(t.value for t in EntityType)}
        if data["kind"] != "paper":
            assert node.startswith(data["kind"] + ":")
        assert all(isinstance(v, str | int | float | bool) for v in data.values())


def test_edges_go_from_papers_to_entities_with_relation_and_sentence(
    seed_graph: nx.MultiDiGraph,
) -> None:
    assert seed_graph.number_of_edges() > 400
    for source, target, key, data in seed_graph.edges(keys=True, data=True):
        assert seed_graph.nodes[source]["kind"] == "paper"
        assert seed_graph.nodes[target]["kind"] != "paper"
        assert key == data["relation"] in {"introduces", "uses"}
        assert data["sentence"]
        assert data["sentence"] in (
            seed_graph.nodes[source]["title"] + "\n\n" + seed_graph.nodes[source]["abstract"]
        )


def test_scan_benchmark_links_the_papers_that_evaluate_on_it(seed_graph: nx.MultiDiGraph) -> None:
    papers = list(seed_graph.predecessors("benchmark:scan"))
    assert len(papers) >= 5
    for paper in papers:
        assert "SCAN" in seed_graph.nodes[paper]["abstract"] + seed_graph.nodes[paper]["title"]


def test_one_edge_per_paper_entity_and_relation() -> None:
    paper = Paper("T", "We use SCAN. SCAN again.")
    mentions = (Mention("SCAN", EntityType.BENCHMARK), Mention("SCAN", EntityType.BENCHMARK))
    extractions = [Extraction(paper, mentions)]
    graph = build_graph(extractions, resolve(extractions))
    assert graph.number_of_edges() == 1


def test_graphml_is_streamed_to_the_file_not_built_in_memory(
    seed_graph: nx.MultiDiGraph, tmp_path: Path
) -> None:
    """The standard library's writer built the whole document first: 8x the file in Python
    objects on the seeds, 1.8 GB more than the graph at 100,000 papers."""
    target = tmp_path / "graph.graphml"
    tracemalloc.start()
    try:
        write_graphml(seed_graph, target)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < target.stat().st_size
    again = read_graphml(target)
    assert sorted(again.nodes(data=True)) == sorted(seed_graph.nodes(data=True))
    assert sorted(again.edges(keys=True, data=True)) == sorted(
        seed_graph.edges(keys=True, data=True)
    )
