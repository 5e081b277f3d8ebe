"""Papers, entities and mentions -> one :class:`networkx.MultiDiGraph`.

Nodes are papers (``paper:<id>``) and entities (their key, e.g. ``benchmark:gsm8k``); each
edge goes from a paper to an entity, keyed by its relation (``introduces`` or ``uses``), and
carries the sentence and offsets it was found at. Node and edge attributes are plain values
(str, int, bool), so every networkx writer (GraphML included) can store them.
"""

from __future__ import annotations

from collections.abc import Sequence

import networkx as nx

from kgraph.model import Extraction, Paper
from kgraph.resolve import Resolution

PAPER = "paper"
ALIAS_SEPARATOR = " | "


def paper_node(paper_id: str) -> str:
    """The node id of a paper.

    Examples
    --------
    >>> paper_node("0123456789ab")
    'paper:0123456789ab'
    """
    return f"{PAPER}:{paper_id}"


def _paper_attributes(paper: Paper) -> dict[str, str | int]:
    attrs: dict[str, str | int] = {
        "kind": PAPER,
        "label": paper.title,
        "title": paper.title,
        "abstract": paper.abstract,
        "paper_id": paper.id,
        "sources": ALIAS_SEPARATOR.join(f"{s.path}:{s.line}" for s in paper.sources),
    }
    optional: dict[str, str | int | None] = {
        "date": paper.date,
        "authors": paper.authors,
        "upvotes": paper.upvotes,
        "organisation": paper.organisation,
        "url": paper.url,
    }
    attrs.update({k: v for k, v in optional.items() if v is not None})
    return attrs


def build_graph(extractions: Sequence[Extraction], resolution: Resolution) -> nx.MultiDiGraph:
    """The knowledge graph of ``extractions`` with the entities of ``resolution``.

    Examples
    --------
    >>> from kgraph.model import EntityType, Mention
    >>> from kgraph.resolve import resolve
    >>> ex = [Extraction(Paper("T", "We use SCAN."), (Mention("SCAN", EntityType.BENCHMARK),))]
    >>> g = build_graph(ex, resolve(ex))
    >>> sorted(g.nodes), [k for _, _, k in g.edges(keys=True)]
    (['benchmark:scan', 'paper:8efd86fb78a5'], ['uses'])
    """
    graph = nx.MultiDiGraph()
    for key, entity in resolution.entities.items():
        attrs: dict[str, str | int] = {
            "kind": entity.type.value,
            "label": entity.label,
            "aliases": ALIAS_SEPARATOR.join(entity.aliases),
            "papers": len(entity.papers),
        }
        if entity.url:
            attrs["url"] = entity.url
        graph.add_node(key, **attrs)
    for extraction in extractions:
        paper = extraction.paper
        node = paper_node(paper.id)
        graph.add_node(node, **_paper_attributes(paper))
        keys = resolution.keys.get(paper.id, ())
        for mention, key in zip(extraction.mentions, keys, strict=True):
            relation = mention.relation.value
            if graph.has_edge(node, key, relation):
                continue
            graph.add_edge(
                node,
                key,
                key=relation,
                relation=relation,
                sentence=mention.sentence,
                start=mention.start,
                end=mention.end,
            )
    return graph
