"""``graph.html`` and the other views: one self-contained page per view, working offline.

The page is kgraph's own small template (``kgraph/data/html/``) with pyvis' bundled copy of
vis-network inlined. pyvis' ``Network`` and its template are not used: the template links
Bootstrap from a CDN, writes the heading and node ids into the page unescaped, and switches to
``innerHTML`` tooltips as soon as one title contains "href" (an abstract with
``<img src=x onerror=...>`` then runs its script on hover); ``add_node``/``from_nx`` are also
far too slow for 20,000 nodes. Nodes and edges are plain dicts built here, in sorted order,
with positions from :mod:`kgraph.export.layout`, so the same graph gives the same bytes.
"""

from __future__ import annotations

import importlib.util
import json
import math
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import networkx as nx

from kgraph import __version__
from kgraph.errors import KgraphError
from kgraph.export.atomic import write_text
from kgraph.export.layout import layout
from kgraph.graph import ALIAS_SEPARATOR, PAPER
from kgraph.model import EntityType, Relation
from kgraph.subgraph import (
    Selection,
    find_node,
    most_connected,
    neighbourhood,
    papers_of,
    shared_benchmarks,
)

DEFAULT_MAX_NODES = 3000
# above this many nodes the browser does no physics: positions are final, edges straight
PHYSICS_MAX_NODES = 1000
VIS_VERSION = "9.1.2"
LABEL_CHARS = 40
PAPER_LABEL_CHARS = 28
SENTENCE_CHARS = 300
PAPER_SIZE = 7
MAX_SIZE = 45


@dataclass(frozen=True)
class Style:
    """How one kind of node looks, on the canvas and in the legend."""

    kind: str
    name: str
    colour: str
    shape: str
    glyph: str


STYLES = (
    Style(PAPER, "papers", "#9e9e9e", "dot", "\u25cf"),
    Style(EntityType.BENCHMARK.value, "benchmarks", "#e6550d", "square", "\u25a0"),
    Style(EntityType.MODEL.value, "models", "#3182bd", "diamond", "\u25c6"),
    Style(EntityType.METHOD.value, "methods", "#31a354", "triangle", "\u25b2"),
    Style(EntityType.TASK.value, "tasks", "#756bb1", "star", "\u2605"),
    Style(EntityType.METRIC.value, "metrics", "#c51b8a", "hexagon", "\u2b22"),
)
EDGE_STYLES: dict[str, dict[str, Any]] = {
    Relation.INTRODUCES.value: {"width": 2.5, "dashes": False, "color": "#555555"},
    Relation.USES.value: {"width": 1, "dashes": [4, 4], "color": "#aaaaaa"},
}

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9])")
_SCRIPT_UNSAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028"}
_SCRIPT_UNSAFE["\u2029"] = "\\u2029"
_SCRIPT_UNSAFE_RE = re.compile("[<>&\u2028\u2029]")
_DATA = resources.files("kgraph") / "data" / "html"


def script_json(value: Any) -> str:
    """``value`` as JSON that can sit inside a ``<script>`` element.

    ``json.dumps`` leaves ``</script>`` and ``<!--`` as they are, which would end or
    derail the element; every ``<``, ``>``, ``&`` and the JavaScript line separators
    U+2028/U+2029 become ``\\u`` escapes, which JSON reads back unchanged.

    Examples
    --------
    >>> script_json({"title": "</script><!--"})
    '{"title":"\\\\u003c/script\\\\u003e\\\\u003c!--"}'
    >>> json.loads(script_json(["a\\u2028b</"])) == ["a\\u2028b</"]
    True
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return _SCRIPT_UNSAFE_RE.sub(lambda m: _SCRIPT_UNSAFE[m.group()], text)


def first_sentence(text: str, limit: int = SENTENCE_CHARS) -> str:
    """The first sentence of ``text``, cut to ``limit`` characters.

    Examples
    --------
    >>> first_sentence("We study X. Then Y.")
    'We study X.'
    >>> first_sentence("word " * 100, limit=12)
    'word word w\u2026'
    """
    sentence = _SENTENCE_END.split(text.strip(), maxsplit=1)[0]
    return _cut(" ".join(sentence.split()), limit)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def tooltip(data: dict[str, Any]) -> str:
    """The plain-text tooltip of a node: title, type, aliases, papers; for a paper its date
    and first sentence.

    Examples
    --------
    >>> print(tooltip({"kind": "benchmark", "label": "SCAN", "aliases": "S | scan", "papers": 3}))
    SCAN
    benchmark, in 3 papers
    also: S, scan
    """
    kind = data["kind"]
    if kind == PAPER:
        head = "paper" + (f", {data['date']}" if data.get("date") else "")
        lines = [data["label"], head, first_sentence(str(data.get("abstract", "")))]
    else:
        lines = [data["label"], f"{kind}, in {_plural(int(data.get('papers', 0)), 'paper')}"]
        aliases = [a for a in str(data.get("aliases", "")).split(ALIAS_SEPARATOR) if a]
        if aliases:
            lines.append("also: " + ", ".join(aliases))
    return "\n".join(line for line in lines if line)


def edge_tooltip(data: dict[str, Any]) -> str:
    """The plain-text tooltip of an edge: its relation and the sentence it was found in.

    Examples
    --------
    >>> edge_tooltip({"relation": "uses", "sentence": "We evaluate on SCAN."})
    'uses: We evaluate on SCAN.'
    """
    sentence = _cut(" ".join(str(data.get("sentence", "")).split()), SENTENCE_CHARS * 2)
    return f"{data['relation']}: {sentence}" if sentence else str(data["relation"])


def _size(data: dict[str, Any]) -> float:
    if data["kind"] == PAPER:
        return PAPER_SIZE
    return round(min(6 + 6 * math.sqrt(int(data.get("papers", 1))), MAX_SIZE), 1)


def vis_data(graph: nx.MultiDiGraph, centre: str | None = None) -> dict[str, Any]:
    """The nodes, edges and options vis-network needs, in a stable order; the page selects
    ``centre`` and highlights its neighbours once drawn."""
    pos = layout(graph)
    nodes = []
    for node in sorted(graph):
        data = graph.nodes[node]
        name = str(data["label"])
        limit = PAPER_LABEL_CHARS if data["kind"] == PAPER else LABEL_CHARS
        item: dict[str, Any] = {"id": node, "label": _cut(name, limit)}
        if item["label"] != name:
            item["name"] = name
        item["group"] = data["kind"]
        item["title"] = tooltip(data)
        item["size"] = _size(data)
        item["x"], item["y"] = pos[node]
        if data["kind"] != PAPER:
            item["papers"] = int(data.get("papers", 0))
            aliases = [a for a in str(data.get("aliases", "")).split(ALIAS_SEPARATOR) if a]
            if aliases:
                item["aliases"] = aliases
        nodes.append(item)
    ordered = sorted(graph.edges(keys=True, data=True), key=lambda e: e[:3])
    edges = [
        {"id": i, "from": u, "to": v, "relation": k, "title": edge_tooltip({"relation": k, **d})}
        for i, (u, v, k, d) in enumerate(ordered)
    ]
    return {
        "nodes": nodes,
        "edges": edges,
        "edgeStyles": EDGE_STYLES,
        "options": _options(len(nodes)),
        "centre": centre,
    }


def _options(n_nodes: int) -> dict[str, Any]:
    physics = 0 < n_nodes <= PHYSICS_MAX_NODES  # vis-network never "stabilizes" no nodes
    groups = {
        s.kind: {"shape": s.shape, "color": {"background": s.colour, "border": s.colour}}
        for s in STYLES
    }
    groups[PAPER]["font"] = {"size": 10, "color": "#555555"}
    return {
        "groups": groups,
        "nodes": {"borderWidth": 1, "font": {"size": 14}},
        "edges": {
            "smooth": False,
            "arrows": {"to": {"enabled": True, "scaleFactor": 0.4}},
            "color": {"inherit": False},
        },
        "layout": {"improvedLayout": False},
        "physics": {
            "enabled": physics,
            "solver": "barnesHut",
            "barnesHut": {"gravitationalConstant": -3000, "springLength": 80},
            "stabilization": {"enabled": physics, "iterations": 300, "fit": True},
        },
        "interaction": {
            "hover": True,
            "tooltipDelay": 150,
            "hideEdgesOnDrag": not physics,
            "hideEdgesOnZoom": not physics,
        },
    }


def left_out_note(selection: Selection) -> str | None:
    """What a capped view leaves out, in a sentence for the page (None when nothing is)."""
    left = selection.left_out
    if not left:
        return None
    shown, total = selection.shown.total(), selection.total.total()
    papers = selection.shown[PAPER]
    entities = shown - papers
    left_papers = left[PAPER]
    left_entities = left.total() - left_papers
    entity_word = "entity" if entities == 1 else "entities"
    left_word = "entity" if left_entities == 1 else "entities"
    return (
        f"Showing {shown:,} of {total:,} nodes: the {entities:,} {entity_word} in most papers "
        f"(each in {selection.min_papers:,} or more) and {papers:,} of their papers, those that "
        "mention most of them. "
        f"Left out: {_plural(left_papers, 'paper')} and {left_entities:,} {left_word}."
    )


def _asset(name: str) -> str:
    return (_DATA / name).read_text(encoding="utf-8")


def _vis_js() -> str:
    # pyvis' folder, found without importing pyvis where it is one: its import pulls in
    # IPython and YAML (0.1 s, and compiled modules that a Ctrl-C during their import can lose)
    spec = importlib.util.find_spec("pyvis")
    if spec is None:
        raise KgraphError("pyvis is not installed (it ships the vis-network the pages use)")
    folder = Path(spec.origin).parent if spec.origin else None
    package = folder if folder is not None and folder.is_dir() else resources.files("pyvis")
    path = package / "templates" / "lib" / f"vis-{VIS_VERSION}"
    try:
        text = (path / "vis-network.min.js").read_text(encoding="utf-8")
    except OSError as exc:
        raise KgraphError(f"pyvis does not ship vis-network {VIS_VERSION} ({exc})") from exc
    if "</script" in text.lower():
        raise KgraphError(f"pyvis' vis-network {VIS_VERSION} cannot be inlined in a page")
    return text


def page(
    selection: Selection,
    heading: str,
    description: str | None = None,
    centre: str | None = None,
) -> str:
    """The whole HTML page for ``selection``: markup, styles, scripts and data inline."""
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    template = env.from_string(_asset("view.html"))
    graph = selection.graph
    return template.render(
        version=__version__,
        vis_version=VIS_VERSION,
        heading=heading,
        description=description,
        left_out=left_out_note(selection),
        nodes=graph.number_of_nodes(),
        edges=graph.number_of_edges(),
        styles=STYLES,
        counts=selection.shown,
        relations=[{"name": r} for r in EDGE_STYLES],
        css=_asset("view.css"),
        data=script_json(vis_data(graph, centre)),
        vis_js=_vis_js(),
        view_js=_asset("view.js"),
    )


def render(graph: nx.MultiDiGraph, max_nodes: int | None = DEFAULT_MAX_NODES) -> str:
    """The page of the whole graph (at most ``max_nodes`` nodes of it)."""
    return page(most_connected(graph, max_nodes), "kgraph: papers and what they use")


def render_benchmarks(graph: nx.MultiDiGraph, max_nodes: int | None = DEFAULT_MAX_NODES) -> str:
    """The shared-benchmarks map: benchmarks two or more papers use, and those papers."""
    description = "Benchmarks used by two or more papers, and those papers; benchmarks that "
    description += "only one paper uses, and everything else, are left out."
    return page(
        most_connected(shared_benchmarks(graph), max_nodes), "Shared benchmarks", description
    )


def render_neighbourhood(
    graph: nx.MultiDiGraph, name: str, max_nodes: int | None = DEFAULT_MAX_NODES
) -> str:
    """The page of one node (found by id, label or alias), its papers and what they use."""
    node = find_node(graph, name)
    data = graph.nodes[node]
    kind, label = data["kind"], data["label"]
    if kind == PAPER:
        description = f"The paper \u201c{label}\u201d, what it uses and the other papers using it."
    else:
        n = len(papers_of(graph, node))
        description = (
            f"The {kind} \u201c{label}\u201d, its {_plural(n, 'paper')} and what those use."
        )
    selection = most_connected(neighbourhood(graph, node), max_nodes, keep=[node])
    return page(selection, f"{label} ({kind})", description, centre=node)


def write_html(
    graph: nx.MultiDiGraph, target: Path, max_nodes: int | None = DEFAULT_MAX_NODES
) -> None:
    write_text(target, render(graph, max_nodes))


def write_benchmarks_html(
    graph: nx.MultiDiGraph, target: Path, max_nodes: int | None = DEFAULT_MAX_NODES
) -> None:
    write_text(target, render_benchmarks(graph, max_nodes))
