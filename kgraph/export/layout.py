"""Node positions for the HTML view, computed in Python so that big pages need no physics.

networkx' ``spring_layout`` is quadratic per iteration and, above 500 nodes, needs scipy and
takes minutes (measured: 16 s for 2,600 nodes, 125 s for 5 iterations on 20,000). A paper
graph has a shape we can use instead: a few hundred well-connected *landmarks* (the entities in
most papers, the papers using most of them) and a long tail hanging off them. So:

1. the landmarks of the largest component are laid out by ``spring_layout`` on a small
   weighted graph (two landmarks are close when they share neighbours); below 500 nodes it
   runs on numpy alone;
2. every other node goes, round by round, to the middle of its already placed neighbours; the
   nodes that share the same neighbours spread around that point on a sunflower spiral;
3. the other components (small ones, papers with no entity) are laid out on their own the
   same way around their best-connected node, and packed in rows under the map.

Linear in the graph's size after step 1, and deterministic: nodes are taken in sorted order
and the only randomness is ``spring_layout``'s, with a fixed seed.
"""

from __future__ import annotations

import itertools
import math
import zlib
from collections import defaultdict
from collections.abc import Iterable

import networkx as nx

SEED = 7
LANDMARKS = 400
# canvas units between two nodes spread around the same point (vis-network draws a dot ~10 wide)
SPACING = 26.0
# how far apart the landmarks are, relative to the space their graph needs if packed evenly
SPREAD = 2.5
_MAX_PAIRS_FROM = 20
_GOLDEN_ANGLE = math.pi * (3.0 - math.sqrt(5.0))

Position = tuple[float, float]


def layout(graph: nx.Graph, seed: int = SEED) -> dict[str, Position]:
    """A position for every node of ``graph``, in vis-network canvas units (y grows down).

    Examples
    --------
    >>> g = nx.Graph([("paper:a", "task:x"), ("paper:b", "task:x"), ("paper:c", "model:y")])
    >>> g.add_node("paper:alone")
    >>> pos = layout(g)
    >>> sorted(pos) == sorted(g), pos == layout(g)
    (True, True)
    """
    simple = nx.Graph()
    simple.add_nodes_from(sorted(graph))
    simple.add_edges_from(sorted((min(u, v), max(u, v)) for u, v in graph.edges() if u != v))
    degree = dict(simple.degree())
    rank = {n: i for i, n in enumerate(sorted(simple, key=lambda n: (-degree[n], n)))}

    placed = _landmarks(simple, rank, seed)
    _grow(simple, placed, rank)
    placed.update(_pack_rest(simple, placed, rank))
    return {n: (round(placed[n][0], 1), round(placed[n][1], 1)) for n in simple}


def _landmarks(simple: nx.Graph, rank: dict[str, int], seed: int) -> dict[str, Position]:
    """Spring-layout positions of the best-connected nodes, spread to fit the whole graph."""
    if not len(simple):
        return {}
    main = min(nx.connected_components(simple), key=lambda c: (-len(c), min(rank[n] for n in c)))
    best = sorted(main, key=rank.__getitem__)[:LANDMARKS]
    chosen = sorted(n for n in best if simple.degree(n) >= 2)
    if not chosen:
        return {}
    members = set(chosen)
    weights: dict[tuple[str, str], int] = defaultdict(int)
    for u, v in simple.edges():
        if u in members and v in members:
            weights[min(u, v), max(u, v)] += 1
    for node in simple:
        if node in members:
            continue
        near = sorted((n for n in simple[node] if n in members), key=rank.__getitem__)
        for u, v in itertools.combinations(sorted(near[:_MAX_PAIRS_FROM]), 2):
            weights[u, v] += 1
    small = nx.Graph()
    small.add_nodes_from(chosen)
    small.add_weighted_edges_from((u, v, w) for (u, v), w in sorted(weights.items()))
    # landmarks tied only through other nodes are placed by _grow, like those
    core = min(nx.connected_components(small), key=lambda c: (-len(c), min(c)))
    small = small.subgraph(sorted(core))
    if len(small) == 1:
        return {next(iter(small)): (0.0, 0.0)}
    radius = SPREAD * SPACING * math.sqrt(len(main))
    spring = nx.spring_layout(small, seed=seed, iterations=200, weight="weight")
    return {n: (float(x) * radius, float(y) * radius) for n, (x, y) in spring.items()}


def _grow(simple: nx.Graph, placed: dict[str, Position], rank: dict[str, int]) -> None:
    """Place, round by round, every node reachable from ``placed`` (which it extends)."""
    frontier = sorted(
        {m for n in placed for m in simple[n] if m not in placed}, key=rank.__getitem__
    )
    while frontier:
        groups: dict[tuple[str, ...], list[str]] = defaultdict(list)
        for node in frontier:
            anchors = tuple(sorted(m for m in simple[node] if m in placed))
            groups[anchors].append(node)
        for anchors, members in groups.items():
            xs, ys = zip(*(placed[a] for a in anchors), strict=True)
            centre = (sum(xs) / len(xs), sum(ys) / len(ys))
            # around one anchor, start a ring out so the members do not cover it
            first = 1 if len(anchors) == 1 else 0
            placed.update(_spiral(members, centre, first, "|".join(anchors)))
        frontier = sorted(
            {m for n in frontier for m in simple[n] if m not in placed}, key=rank.__getitem__
        )


def _spiral(members: Iterable[str], centre: Position, first: int, name: str) -> dict[str, Position]:
    """``members`` on a sunflower spiral around ``centre``, turned by a hash of ``name``."""
    turn = zlib.crc32(name.encode("utf-8")) / 2**32 * 2 * math.pi
    out = {}
    for i, node in enumerate(members, start=first):
        r = SPACING * math.sqrt(i)
        angle = turn + i * _GOLDEN_ANGLE
        out[node] = (centre[0] + r * math.cos(angle), centre[1] + r * math.sin(angle))
    return out


def _pack_rest(
    simple: nx.Graph, placed: dict[str, Position], rank: dict[str, int]
) -> dict[str, Position]:
    """Lay out each component with no landmark on its own and pack them in rows below."""
    rest = simple.subgraph(n for n in simple if n not in placed)
    parts = sorted(
        (sorted(c, key=rank.__getitem__) for c in nx.connected_components(rest)),
        key=lambda c: (-len(c), rank[c[0]]),
    )
    if placed:
        xs = [x for x, _ in placed.values()]
        left, width = min(xs), max(max(xs) - min(xs), SPACING * 10)
        top = max(y for _, y in placed.values()) + 3 * SPACING
    else:
        width = SPACING * math.sqrt(len(simple)) * 2
        left, top = -width / 2, 0.0
    out: dict[str, Position] = {}
    x = y = row_height = 0.0
    for part in parts:
        local = {part[0]: (0.0, 0.0)}
        _grow(rest.subgraph(part), local, rank)
        reach = max(math.hypot(px, py) for px, py in local.values()) + SPACING
        if x and x + 2 * reach > width:
            x, y, row_height = 0.0, y + row_height, 0.0
        cx, cy = left + x + reach, top + y + reach
        out.update({n: (cx + px, cy + py) for n, (px, py) in local.items()})
        x += 2 * reach
        row_height = max(row_height, 2 * reach)
    return out
