"""The questions users ask of a built graph: shared entities, related papers, stats, one entity.

Each question is a shipped query (``kgraph/data/queries/*.rq``: standard SPARQL 1.1, so a
user gets the same rows from Jena or GraphDB) and a renderer (:mod:`kgraph.render`). The
functions here find what the user named (:mod:`kgraph.lookup`), run the query with its
parameters bound, and hand over its rows, each a dict of variable -> value, in the query's
order. ``stats`` adds what SPARQL cannot say: the largest connected component.

Adding a question is adding its ``.rq`` file, a function here that runs it, and a renderer.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from kgraph.errors import KgraphError
from kgraph.lookup import Candidate
from kgraph.lookup import find_entity as _find_entity
from kgraph.lookup import find_paper as _find_paper
from kgraph.query import Source, Term, named_query, run_query
from kgraph.unionfind import UnionFind
from kgraph.vocab import ENTITY_CLASSES

# The entity types, in the order they are listed (the queries' ?kind values).
TYPES = tuple(ENTITY_CLASSES)
PAPER = "paper"
Record = dict[str, str]


def records(graph: Source, name: str, **params: str | int) -> list[Record]:
    """The rows of the shipped query ``name`` with its parameters bound to ``params``."""
    named = named_query(name)
    given = {p.variable for p in named.parameters}
    bindings: dict[str, Term] = {}
    for variable, value in params.items():
        if variable not in given:
            raise ValueError(f"{name} has no parameter ?{variable}")
        parameter = next(p for p in named.parameters if p.variable == variable)
        bindings[variable] = parameter.bind(str(value))
    return list(run_query(graph, named.text, bindings).records())


def _groups(rows: Iterable[Record], key: str) -> Iterator[list[Record]]:
    """Runs of consecutive rows with the same ``key`` value (the queries order them so)."""
    run: list[Record] = []
    for row in rows:
        if run and row[key] != run[0][key]:
            yield run
            run = []
        run.append(row)
    if run:
        yield run


def _first(rows: Sequence[Record], key: str, top: int | None) -> list[Record]:
    """The rows of the first ``top`` groups of ``key`` (all when ``top`` is None)."""
    if top is None:
        return list(rows)
    return [row for group in list(_groups(rows, key))[:top] for row in group]


def _check_type(kind: str | None) -> str | None:
    if kind in (None, "all"):
        return None
    if kind not in TYPES:
        raise KgraphError(f"unknown entity type {kind!r}: expected one of {', '.join(TYPES)}")
    return kind


# --- shared ------------------------------------------------------------------------------------


def shared(
    graph: Source, kind: str | None = None, min_papers: int = 2, top: int | None = None
) -> list[Record]:
    """``shared-entities``: the entities of type ``kind`` (all when ``None``) that at least
    ``min_papers`` papers introduce or use, most shared first, one row per entity and paper;
    the rows of the first ``top`` entities."""
    if min_papers < 1:
        raise KgraphError(f"--min-papers {min_papers}: expected 1 or more")
    chosen = _check_type(kind)
    params: dict[str, str | int] = {"min_papers": min_papers}
    if chosen is not None:
        params["kind"] = chosen
    return _first(records(graph, "shared-entities", **params), "entity", top)


# --- finding an entity or a paper ----------------------------------------------------------


def entities(graph: Source) -> list[Candidate]:
    """Every entity of ``graph`` as a lookup candidate (``entity-names``)."""
    found: dict[str, Candidate] = {}
    aliases: dict[str, list[str]] = defaultdict(list)
    for row in records(graph, "entity-names"):
        iri = row["entity"]
        found.setdefault(iri, Candidate(iri, (iri,), row["label"], row["kind"]))
        if row["is_alias"] == "true":
            aliases[iri].append(row["name"])
    return [Candidate(c.key, c.ids, c.name, c.kind, tuple(aliases[c.key])) for c in found.values()]


def find_entity(graph: Source, wanted: str, kind: str | None = None) -> Candidate:
    """The entity ``wanted`` names (see :func:`kgraph.lookup.find_entity`)."""
    return _find_entity(entities(graph), wanted, TYPES, kind=_check_type(kind))


def find_paper(graph: Source, wanted: str) -> Candidate:
    """The paper ``wanted`` names (``paper-titles``; see :func:`kgraph.lookup.find_paper`)."""
    papers = [
        Candidate(row["paper"], (row["id"], row["paper"]), row["title"], PAPER)
        for row in records(graph, "paper-titles")
    ]
    return _find_paper(papers, wanted)


# --- related, show -----------------------------------------------------------------------------


def related(graph: Source, wanted: str, top: int | None = 10) -> tuple[Candidate, list[Record]]:
    """The paper ``wanted`` names and ``related-papers``: the papers sharing the most entities
    with it, one row per paper and entity; the rows of the first ``top`` papers."""
    paper = find_paper(graph, wanted)
    return paper, _first(records(graph, "related-papers", paper=paper.key), "other", top)


def show(graph: Source, wanted: str, kind: str | None = None) -> list[Record]:
    """``entity-evidence`` for the entity ``wanted`` names: its names and link, and every
    paper with its relation and the sentences that say so."""
    entity = find_entity(graph, wanted, kind)
    rows = records(graph, "entity-evidence", entity=entity.key)
    # an entity of two kinds (not in kgraph's graphs) is shown as the one it was found as
    return [row for row in rows if row["kind"] == entity.kind]


# --- stats -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Connected:
    """An entity and how many papers link to it."""

    name: str
    type: str
    papers: int


@dataclass(frozen=True)
class Stats:
    """The size and shape of a graph."""

    papers: int
    entities: dict[str, int]
    links: dict[str, int]
    most_connected: tuple[Connected, ...]
    largest_component: int
    largest_component_papers: int
    papers_without_entities: int


# link properties in the order `stats` lists them
LINKS = ("introduces", "usesDataset", "usesModel", "usesMethod", "usesTask", "usesMetric")


def stats(graph: Source, top: int = 10) -> Stats:
    """``graph-counts``, the ``top`` most connected entities (``shared-entities`` with one
    paper or more), and the largest connected component of the paper-entity graph."""
    counts: dict[tuple[str, str], int] = {
        (row["measure"], row.get("key", "")): int(row["count"])
        for row in records(graph, "graph-counts")
    }
    links = records(graph, "shared-entities", min_papers=1)
    components = UnionFind[str]()
    for row in links:
        components.union(row["paper"], row["entity"])
    largest = max(components.groups(), key=len, default=set())
    papers = {row["paper"] for row in links}
    total_papers = counts.get(("papers", ""), 0)
    return Stats(
        papers=total_papers,
        entities={t: counts.get(("entities", t), 0) for t in TYPES},
        links={name: counts.get(("links", name), 0) for name in LINKS},
        most_connected=tuple(
            Connected(group[0]["name"], group[0]["kind"], int(group[0]["papers"]))
            for group in list(_groups(links, "entity"))[:top]
        ),
        largest_component=len(largest) or min(total_papers, 1),
        largest_component_papers=len(largest & papers) or min(total_papers, 1),
        papers_without_entities=counts.get(("papers without entities", ""), 0),
    )
