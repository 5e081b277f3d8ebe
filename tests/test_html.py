"""The HTML views, read as text: self-contained, safe, styled, deterministic, capped."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from typing import Any

import networkx as nx
import pytest

from kgraph.errors import KgraphError
from kgraph.export.html import (
    EDGE_STYLES,
    PHYSICS_MAX_NODES,
    STYLES,
    render,
    render_benchmarks,
    render_neighbourhood,
)
from kgraph.export.layout import layout
from kgraph.subgraph import find_node, most_connected, shared_benchmarks

_DATA_BLOCK = re.compile(
    r'<script type="application/json" id="kgraph-data">(.*?)</script>', re.DOTALL
)


def page_data(html: str) -> dict[str, Any]:
    match = _DATA_BLOCK.search(html)
    assert match, "the page embeds its data"
    data: dict[str, Any] = json.loads(match.group(1))
    return data


class _References(HTMLParser):
    """Every URL a tag points to, and the text of every <style> element."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.tags: list[str] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self._in_style = tag == "style"
        self.urls.extend(v or "" for k, v in attrs if k in {"src", "href", "srcset", "data"})

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False


def star_forest(entities: int, papers_each: int = 3) -> nx.MultiDiGraph:
    """``entities`` tasks; task i is used by ``papers_each + i`` papers of its own."""
    graph = nx.MultiDiGraph()
    for i in range(entities):
        task = f"task:t{i:04d}"
        graph.add_node(task, kind="task", label=f"Task {i}", aliases="", papers=papers_each + i)
        for j in range(papers_each + i):
            paper = f"paper:{i:04d}{j:04d}"
            graph.add_node(paper, kind="paper", label=f"Paper {i}.{j}", title=f"Paper {i}.{j}")
            graph.add_edge(paper, task, key="uses", relation="uses", sentence="We use it.")
    return graph


def test_the_page_loads_nothing_from_the_network(small_graph: nx.MultiDiGraph) -> None:
    html = render(small_graph)
    refs = _References()
    refs.feed(html)
    assert refs.urls == [], "no src/href at all: everything is inline"
    assert "link" not in refs.tags
    assert refs.styles
    for css in refs.styles:
        assert "url(" not in css
        assert "@import" not in css
        assert "@font-face" not in css
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html)
    assert "bootstrap" not in html.lower()
    assert "vis-network" in html
    assert "new vis.Network(" in html


def test_markup_in_titles_and_abstracts_stays_data(small_graph: nx.MultiDiGraph) -> None:
    html = render(small_graph)
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    block = _DATA_BLOCK.search(html)
    assert block
    raw = block.group(1)
    for unsafe in ("</", "<!--", "\u2028", "\u2029", "<"):
        assert unsafe not in raw
    titles = [n["title"] for n in page_data(html)["nodes"]]
    assert any(t.startswith("<script>alert(1)</script> and <img src=x") for t in titles)
    assert any(t.endswith("\u2028!\npaper\nEnds </script><!-- here and there.") for t in titles)


def test_a_heading_with_markup_is_escaped(small_graph: nx.MultiDiGraph) -> None:
    title = next(t for _, t in small_graph.nodes(data="label") if t.startswith("<script>"))
    html = render_neighbourhood(small_graph, title)
    assert "<title>&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert" not in html


def test_tooltips_are_plain_text_with_the_facts(small_graph: nx.MultiDiGraph) -> None:
    data = page_data(render(small_graph))
    nodes = {n["id"]: n for n in data["nodes"]}
    scan = nodes["benchmark:scan"]
    assert scan["title"].splitlines() == [
        "SCAN",
        "benchmark, in 2 papers",
        "also: Simplified CommAI Navigation",
    ]
    assert scan["aliases"] == ["Simplified CommAI Navigation"]
    paper = next(n for n in data["nodes"] if n["label"] == "Compositional Generalisation")
    assert paper["title"].splitlines() == [
        "Compositional Generalisation",
        "paper, Oct 28",
        "We evaluate on the SCAN benchmark.",
    ]
    edge = next(e for e in data["edges"] if e["to"] == "task:programrepair")
    assert edge["relation"] == "introduces"
    assert edge["title"] == "introduces: We introduce program repair."


def test_every_type_has_its_colour_and_shape_and_a_legend(small_graph: nx.MultiDiGraph) -> None:
    html = render(small_graph)
    groups = page_data(html)["options"]["groups"]
    assert set(groups) == {"paper", "benchmark", "model", "method", "task", "metric"}
    assert len({s.colour for s in STYLES}) == len({s.shape for s in STYLES}) == len(STYLES)
    for style in STYLES:
        assert groups[style.kind]["shape"] == style.shape
        assert f'value="{style.kind}"' in html, "a legend checkbox per type"
    assert EDGE_STYLES["introduces"] != EDGE_STYLES["uses"]
    assert 'class="line introduces"' in html
    assert 'class="line uses"' in html


def test_node_size_grows_with_the_number_of_papers() -> None:
    data = page_data(render(star_forest(4)))
    sizes = {n["id"]: n["size"] for n in data["nodes"] if n["group"] == "task"}
    ordered = [sizes[f"task:t{i:04d}"] for i in range(4)]
    assert ordered == sorted(ordered)
    assert len(set(ordered)) == 4


def test_same_graph_same_bytes_whatever_the_insertion_order() -> None:
    graph = star_forest(30)
    backwards = nx.MultiDiGraph()
    backwards.add_nodes_from(reversed(list(graph.nodes(data=True))))
    backwards.add_edges_from(reversed(list(graph.edges(keys=True, data=True))))
    assert render(graph) == render(graph) == render(backwards)


def test_big_graphs_get_positions_and_no_physics() -> None:
    big = star_forest(45)  # 45 tasks and 3 + 4 + ... + 47 = 1,125 papers
    assert len(big) > PHYSICS_MAX_NODES
    data = page_data(render(big))
    options = data["options"]
    assert options["physics"]["enabled"] is False
    assert options["edges"]["smooth"] is False
    assert options["layout"]["improvedLayout"] is False
    assert all(math.isfinite(n["x"]) and math.isfinite(n["y"]) for n in data["nodes"])
    assert len({(n["x"], n["y"]) for n in data["nodes"]}) == len(big), "no two nodes overlap"
    small = page_data(render(star_forest(3)))["options"]
    assert small["physics"]["enabled"] is True


def test_layout_places_every_node_deterministically() -> None:
    graph = star_forest(12)
    graph.add_node("paper:alone", kind="paper", label="Alone")
    graph.add_edge("paper:x", "model:y")  # a component of its own
    pos = layout(graph)
    assert set(pos) == set(graph)
    assert pos == layout(graph)
    assert len(set(pos.values())) == len(graph)


def test_a_capped_page_shows_the_best_connected_and_says_what_it_left_out() -> None:
    graph = star_forest(20)  # 20 tasks, 3 + 4 + ... + 22 = 250 papers
    html = render(graph, max_nodes=60)
    data = page_data(html)
    shown = {n["id"] for n in data["nodes"]}
    assert len(shown) <= 60
    assert "task:t0019" in shown, "most papers first"
    assert "task:t0000" not in shown
    assert f'data-nodes="{len(shown)}"' in html
    kept = len(shown)
    assert f"Showing {kept} of 270 nodes" in html
    left_tasks = 20 - sum(i.startswith("task:") for i in shown)
    left_papers = 250 - sum(i.startswith("paper:") for i in shown)
    assert f"Left out: {left_papers} papers and {left_tasks} entities." in html
    assert "Raise <code>--html-max-nodes</code> to show more." in html
    assert "kgraph-left-out" not in render(graph, max_nodes=None)


def test_most_connected_keeps_the_pinned_node_and_edges_between_kept_nodes() -> None:
    graph = star_forest(10)
    part = most_connected(graph, 5, keep=["task:t0000"])
    assert set(part.graph) == {"task:t0000", *graph.predecessors("task:t0000")}
    assert part.left_out.total() == len(graph) - 4
    for u, v in graph.edges():
        assert (u in part.graph and v in part.graph) == part.graph.has_edge(u, v)


def test_one_entity_in_most_papers_does_not_fill_a_capped_page_alone() -> None:
    graph = star_forest(3, papers_each=500)
    for i in range(40):  # forty small tasks, each shared by two papers of the big one
        task = f"task:s{i:02d}"
        graph.add_node(task, kind="task", label=f"Small {i}", papers=2)
        for j in (2 * i, 2 * i + 1):
            graph.add_edge(f"paper:0002{j:04d}", task, key="uses", relation="uses")
    part = most_connected(graph, 90)
    assert len(part.graph) <= 90
    assert 20 <= part.shown["task"] <= 30, "up to a third of the page, not one hub"
    assert all(part.graph.in_degree(n) for n, k in part.graph.nodes(data="kind") if k == "task")


def test_benchmarks_view_has_only_shared_benchmarks_and_their_papers(
    small_graph: nx.MultiDiGraph,
) -> None:
    view = shared_benchmarks(small_graph)
    assert {kind for _, kind in view.nodes(data="kind")} == {"benchmark", "paper"}
    assert [n for n, k in view.nodes(data="kind") if k == "benchmark"] == ["benchmark:scan"]
    assert len(view) == 3
    assert view.number_of_edges() == 2
    data = page_data(render_benchmarks(small_graph))
    assert {n["id"] for n in data["nodes"]} == set(view)


def test_find_node_by_id_label_or_alias_ignoring_case(small_graph: nx.MultiDiGraph) -> None:
    for name in ("benchmark:scan", "BENCHMARK:SCAN", "scan", "simplified commai navigation"):
        assert find_node(small_graph, name) == "benchmark:scan"
    with pytest.raises(KgraphError, match="no entity 'MNIST' in the graph"):
        find_node(small_graph, "MNIST")
    twice = nx.MultiDiGraph()
    twice.add_node("benchmark:scan", kind="benchmark", label="SCAN")
    twice.add_node("method:scan", kind="method", label="SCAN")
    with pytest.raises(KgraphError, match=r"give the id: benchmark:scan, method:scan$"):
        find_node(twice, "scan")


def test_neighbourhood_page_is_the_entity_its_papers_and_what_they_use(
    small_graph: nx.MultiDiGraph,
) -> None:
    html = render_neighbourhood(small_graph, "Simplified CommAI Navigation")
    ids = {n["id"] for n in page_data(html)["nodes"]}
    assert "benchmark:scan" in ids
    assert "model:gpt4" in ids
    assert "task:programrepair" not in ids
    assert "<title>SCAN (benchmark)</title>" in html


def test_an_empty_view_says_so_and_needs_no_physics() -> None:
    html = render_benchmarks(nx.MultiDiGraph())
    assert 'id="kgraph-empty"' in html
    assert page_data(html)["options"]["physics"]["enabled"] is False


def test_same_bytes_under_any_hash_seed() -> None:
    """Set and dict order must not leak into the page: render in processes with other seeds."""
    script = (
        "import sys, networkx as nx\n"
        "from kgraph.export.html import render\n"
        "g = nx.MultiDiGraph()\n"
        "def add(paper, node, kind):\n"
        "    g.add_node(node, kind=kind, label=node.upper(), aliases=f'{node} | x', papers=2)\n"
        "    g.add_edge(paper, node, key='uses', relation='uses', sentence='s')\n"
        "for i in range(700):\n"
        "    g.add_node(f'paper:{i}', kind='paper', label=f'P {i}', abstract='A. B.')\n"
        "    add(f'paper:{i}', f'task:t{i % 37}', 'task')\n"
        "    if i % 3:\n"
        "        add(f'paper:{i}', f'model:m{i % 11}', 'model')\n"
        "    if i % 2:\n"
        "        add(f'paper:{i}', f'method:own{i}', 'method')\n"
        "sys.stdout.write(render(g, max_nodes=1000))\n"
    )
    pages = [
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    ]
    assert pages[0] == pages[1]
    assert "Showing " in pages[0]
