"""The questions users ask of a built graph: shared entities, related papers, stats, one entity.

Every question is answered from the RDF graph (``graph.ttl``) with a few SPARQL queries over
kgraph's vocabulary, never one query per entity, so the same code answers on rdflib's store
for small graphs and on Oxigraph's for large ones. The functions return plain dataclasses;
the ``*_table``, ``*_json`` and ``*_csv`` functions render them.

An entity's type comes from its ``rdf:type`` (:data:`TYPE_CLASSES`); a paper is linked to an
entity by ``kg:introduces`` or one of the ``kg:uses*`` properties (:data:`LINK_PROPERTIES`).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.query import ResultRow
from rdflib.term import Identifier

from kgraph.errors import KgraphError
from kgraph.resolve import normalise_name
from kgraph.vocab import ENTITY_CLASSES, KG, PREFIXES, USES_PROPERTY, VOCAB_IRI

# The class that tells each entity type, in the order types are listed.
TYPE_CLASSES: dict[str, URIRef] = {kind: classes[0] for kind, classes in ENTITY_CLASSES.items()}
TYPES = tuple(TYPE_CLASSES)
# Paper -> entity properties, by their local name (the name printed in `stats`).
LINK_PROPERTIES: dict[str, URIRef] = {
    str(prop).removeprefix(VOCAB_IRI): prop for prop in (KG.introduces, *USES_PROPERTY.values())
}
INTRODUCES = "introduces"
USES = "uses"

# How many candidates a "no match" or "ambiguous" message lists.
CANDIDATES = 5
# Widths of the shortened titles in tables, and how many titles a `shared` row shows.
TITLE_WIDTH = 40
TITLES_PER_ROW = 3
INTRODUCERS_PER_ROW = 1
SENTENCE_WIDTH = 200

_PREFIXES = "\n".join(f"PREFIX {prefix}: <{namespace}>" for prefix, namespace in PREFIXES.items())
_IRI_START = ("http://", "https://", "urn:")


# --- the answers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PaperRef:
    """A paper: its kgraph id and title."""

    id: str
    title: str


@dataclass(frozen=True)
class EntityRef:
    """An entity: IRI, preferred label and type."""

    iri: str
    name: str
    type: str


@dataclass(frozen=True)
class PaperLink:
    """A paper that uses an entity, and whether it introduces it."""

    id: str
    title: str
    introduced: bool


@dataclass(frozen=True)
class SharedEntity:
    """An entity and the papers that link to it."""

    entity: EntityRef
    aliases: tuple[str, ...]
    url: str | None
    papers: tuple[PaperLink, ...]


@dataclass(frozen=True)
class RelatedPaper:
    """A paper and the entities it shares with the paper asked about."""

    paper: PaperRef
    shared: tuple[EntityRef, ...]


@dataclass(frozen=True)
class Connected:
    """An entity and how many papers link to it."""

    entity: EntityRef
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


@dataclass(frozen=True)
class Evidence:
    """One link of an entity: the paper, the relation, the sentences it was found in."""

    paper: PaperRef
    relation: str
    property: str
    sentences: tuple[str, ...]


@dataclass(frozen=True)
class EntityDetail:
    """Everything the graph says about one entity."""

    entity: EntityRef
    aliases: tuple[str, ...]
    url: str | None
    links: tuple[Evidence, ...]


# --- queries -----------------------------------------------------------------------------------


Row = Mapping[str, Identifier]


def _select(graph: Graph, query: str) -> list[Row]:
    """The rows of a SELECT query, each a dict of its bound variables."""
    result = graph.query(f"{_PREFIXES}\n{query}")
    return [row.asdict() for row in result if isinstance(row, ResultRow)]


def _text(row: Row, name: str) -> str:
    return str(row[name])


def _values(var: str, terms: Iterable[str]) -> str:
    """A VALUES clause binding ``?var`` to each IRI of ``terms``: for a few IRIs only, and
    followed by one block of triple patterns, as rdflib joins anything more row by row."""
    return f"VALUES ?{var} {{ " + " ".join(URIRef(t).n3() for t in terms) + " }"


def _in(var: str, terms: Iterable[URIRef]) -> str:
    """A FILTER keeping the rows whose ``?var`` is one of ``terms``.

    A filter rather than VALUES: rdflib evaluates the rest of a pattern once per row of a
    VALUES table, which took minutes on the seeds.
    """
    return f"FILTER (?{var} IN (" + ", ".join(t.n3() for t in terms) + "))"


def _is_link(var: str = "prop") -> str:
    return _in(var, LINK_PROPERTIES.values())


def _is_entity(types: Iterable[str]) -> str:
    return _in("class", (TYPE_CLASSES[t] for t in types))


_CLASS_TYPE = {str(cls): kind for kind, cls in TYPE_CLASSES.items()}
_PROPERTY_NAME = {str(prop): name for name, prop in LINK_PROPERTIES.items()}


def _type(row: Row) -> str:
    return _CLASS_TYPE[_text(row, "class")]


def _by_type(rows: Iterable[Row]) -> list[Row]:
    """``rows`` in the order of :data:`TYPES`, so that the first row of an entity gives the
    type it is shown with, should it have several."""
    return sorted(rows, key=lambda row: TYPES.index(_type(row)))


def _types(kind: str | None) -> tuple[str, ...]:
    if kind in (None, "all"):
        return TYPES
    if kind not in TYPE_CLASSES:
        raise KgraphError(f"unknown entity type {kind!r}: expected one of {', '.join(TYPES)}")
    return (kind,)


def _name_key(name: str) -> tuple[str, str]:
    return (name.casefold(), name)


def _entities(graph: Graph, iris: Iterable[str]) -> dict[str, EntityRef]:
    """The label and type of each entity in ``iris`` (one query)."""
    iris = sorted(set(iris))
    if not iris:
        return {}
    rows = _select(
        graph,
        f"""SELECT ?entity ?class ?label WHERE {{
            {_values("entity", iris)}
            ?entity a ?class ; skos:prefLabel ?label .
            {_is_entity(TYPES)}
        }}""",
    )
    found: dict[str, EntityRef] = {}
    for row in _by_type(rows):
        iri = _text(row, "entity")
        found.setdefault(iri, EntityRef(iri, _text(row, "label"), _type(row)))
    return found


def _aliases_and_urls(
    graph: Graph, iri: str | None = None
) -> tuple[dict[str, list[str]], dict[str, str]]:
    """The alternative labels and the exact-match link of the entity ``iri``, or of all."""
    subject = URIRef(iri).n3() if iri else "?entity"
    bind = f"BIND ({subject} AS ?entity)" if iri else ""
    rows = _select(
        graph,
        f"""SELECT ?entity ?alias ?url WHERE {{
            {{ {subject} skos:altLabel ?alias }} UNION {{ {subject} skos:exactMatch ?url }}
            {bind}
        }}""",
    )
    aliases: dict[str, list[str]] = defaultdict(list)
    urls: dict[str, str] = {}
    for row in rows:
        entity = _text(row, "entity")
        if "alias" in row:
            aliases[entity].append(_text(row, "alias"))
        elif "url" in row:
            urls[entity] = min(urls.get(entity, _text(row, "url")), _text(row, "url"))
    for names in aliases.values():
        names.sort(key=_name_key)
    return aliases, urls


def _papers(graph: Graph) -> dict[str, PaperRef]:
    """Every paper of the graph by IRI."""
    rows = _select(
        graph,
        """SELECT ?paper ?id ?title WHERE {
            ?paper a schema:ScholarlyArticle ; kg:paperId ?id ; dcterms:title ?title .
        }""",
    )
    return {_text(r, "paper"): PaperRef(_text(r, "id"), _text(r, "title")) for r in rows}


def _links(graph: Graph, types: Iterable[str]) -> dict[EntityRef, list[tuple[str, str]]]:
    """Each entity of ``types`` that papers link to, with its links: (property name, paper IRI).

    One row per entity, its links concatenated: both stores spend far longer turning result
    rows into Python terms than finding them (Oxigraph: 7 s for 120,000 rows, one per link).
    """
    vocab = Literal(VOCAB_IRI).n3()
    rows = _select(
        graph,
        f"""SELECT ?entity ?class ?label (GROUP_CONCAT(?link; separator=" ") AS ?links) WHERE {{
            ?entity a ?class ; skos:prefLabel ?label .
            ?paper ?prop ?entity .
            {_is_entity(types)}
            {_is_link()}
            BIND (CONCAT(STRAFTER(STR(?prop), {vocab}), "=", STR(?paper)) AS ?link)
        }}
        GROUP BY ?entity ?class ?label""",
    )
    found: dict[EntityRef, list[tuple[str, str]]] = {}
    seen: set[str] = set()
    for row in _by_type(rows):
        iri = _text(row, "entity")
        if iri in seen:  # an entity of two types is shown as the first
            continue
        seen.add(iri)
        links = [link.partition("=") for link in _text(row, "links").split()]
        found[EntityRef(iri, _text(row, "label"), _type(row))] = [
            (prop, paper) for prop, _, paper in links
        ]
    return found


# --- shared ------------------------------------------------------------------------------------


def shared(
    graph: Graph, kind: str | None = None, min_papers: int = 2, top: int | None = None
) -> list[SharedEntity]:
    """The entities of type ``kind`` (all when ``None``) that at least ``min_papers`` papers
    introduce or use, most shared first, then by name; at most ``top`` of them."""
    if min_papers < 1:
        raise KgraphError(f"--min-papers {min_papers}: expected 1 or more")
    papers = _papers(graph)
    introduced: dict[EntityRef, dict[PaperRef, bool]] = {}
    for entity, links in _links(graph, _types(kind)).items():
        flags: dict[PaperRef, bool] = {}
        for prop, iri in links:
            paper = papers.get(iri)
            if paper is not None:
                flags[paper] = flags.get(paper, False) or prop == INTRODUCES
        introduced[entity] = flags
    ranked = sorted(
        (ref for ref, linked in introduced.items() if len(linked) >= min_papers),
        key=lambda ref: (-len(introduced[ref]), *_name_key(ref.name), ref.iri),
    )[:top]
    aliases, urls = _aliases_and_urls(graph)
    return [
        SharedEntity(
            ref,
            tuple(aliases.get(ref.iri, ())),
            urls.get(ref.iri),
            tuple(
                sorted(
                    (PaperLink(p.id, p.title, i) for p, i in introduced[ref].items()),
                    key=lambda p: (not p.introduced, *_name_key(p.title), p.id),
                )
            ),
        )
        for ref in ranked
    ]


def shared_json(answer: Sequence[SharedEntity]) -> str:
    """``[{"name", "type", "aliases", "url", "papers": [{"title", "id", "introduced"}]}]``."""
    return _dumps(
        [
            {
                "name": item.entity.name,
                "type": item.entity.type,
                "aliases": list(item.aliases),
                "url": item.url,
                "papers": [
                    {"title": p.title, "id": p.id, "introduced": p.introduced} for p in item.papers
                ],
            }
            for item in answer
        ]
    )


def shared_csv(answer: Sequence[SharedEntity]) -> str:
    """One row per entity and paper (entity columns repeated), for spreadsheets and pandas."""
    header = ["name", "type", "papers", "aliases", "url", "paper_id", "paper_title", "introduced"]
    rows = [
        [
            item.entity.name,
            item.entity.type,
            len(item.papers),
            " | ".join(item.aliases),
            item.url or "",
            paper.id,
            paper.title,
            str(paper.introduced).lower(),
        ]
        for item in answer
        for paper in item.papers
    ]
    return _csv(header, rows)


def shared_table(answer: Sequence[SharedEntity]) -> str:
    """One line per entity: name, type, papers, who introduced it, the first titles."""
    if not answer:
        return "no entity is shared by that many papers"
    rows = []
    for item in answer:
        introducers = [p.title for p in item.papers if p.introduced]
        rows.append(
            [
                item.entity.name,
                item.entity.type,
                str(len(item.papers)),
                _titles(introducers, INTRODUCERS_PER_ROW) or "-",
                _titles([p.title for p in item.papers], TITLES_PER_ROW),
            ]
        )
    return _table(["ENTITY", "TYPE", "PAPERS", "INTRODUCED BY", "PAPER TITLES"], rows)


def _titles(titles: Sequence[str], limit: int) -> str:
    """The first ``limit`` titles, shortened, and how many more there are."""
    shown = [_shorten(title, TITLE_WIDTH) for title in titles[:limit]]
    if len(titles) > limit:
        shown.append(f"+{len(titles) - limit} more")
    return "; ".join(shown)


# --- related -----------------------------------------------------------------------------------


def _squash(text: str) -> str:
    return " ".join(text.split()).casefold()


def find_paper(graph: Graph, wanted: str) -> tuple[str, PaperRef]:
    """The IRI and reference of the paper ``wanted`` names: its id, its title (case-insensitive),
    or a part of exactly one title. Otherwise a one-line error listing candidates."""
    papers = sorted(
        _papers(graph).items(), key=lambda item: (*_name_key(item[1].title), item[1].id)
    )
    key = _squash(wanted)
    if not key:
        raise KgraphError("give a paper title, part of a title, or a paper id")
    for test in (
        lambda ref: ref.id.casefold() == key,
        lambda ref: _squash(ref.title) == key,
        lambda ref: key in _squash(ref.title),
    ):
        matches = [item for item in papers if test(item[1])]
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise KgraphError(
                f"{wanted!r} matches {len(matches)} papers: "
                + _paper_list([ref for _, ref in matches], len(matches))
                + "; give more of the title or a paper id"
            )
    closest = _closest_titles([ref for _, ref in papers], key)
    hint = f"; closest: {_paper_list(closest, len(closest))}" if closest else ""
    raise KgraphError(f"no paper matches {wanted!r}{hint}")


def _closest_titles(papers: Sequence[PaperRef], key: str) -> list[PaperRef]:
    """Up to :data:`CANDIDATES` papers whose titles share the most words with ``key``."""
    words = set(re.findall(r"\w{3,}", key))
    scored = [(len(words & set(re.findall(r"\w{3,}", _squash(p.title)))), p) for p in papers]
    best = sorted((item for item in scored if item[0]), key=lambda item: -item[0])
    return [paper for _, paper in best[:CANDIDATES]]


def _paper_list(papers: Sequence[PaperRef], total: int) -> str:
    shown = ", ".join(f'"{_shorten(p.title, 60)}" ({p.id})' for p in papers[:CANDIDATES])
    return shown + (f" and {total - CANDIDATES} more" if total > CANDIDATES else "")


def related(graph: Graph, wanted: str, top: int | None = 10) -> tuple[PaperRef, list[RelatedPaper]]:
    """The paper ``wanted`` names (see :func:`find_paper`) and the papers sharing the most
    entities with it, with those entities; ties by title."""
    iri, paper = find_paper(graph, wanted)
    rows = _select(
        graph,
        f"""SELECT DISTINCT ?other ?id ?title ?entity WHERE {{
            {URIRef(iri).n3()} ?prop ?entity .
            ?other ?prop2 ?entity ; kg:paperId ?id ; dcterms:title ?title .
            {_is_link()}
            {_is_link("prop2")}
            FILTER (?other != {URIRef(iri).n3()})
        }}""",
    )
    refs = _entities(graph, {_text(r, "entity") for r in rows})
    sharing: dict[PaperRef, set[EntityRef]] = defaultdict(set)
    for row in rows:
        entity = refs.get(_text(row, "entity"))
        if entity is not None:
            sharing[PaperRef(_text(row, "id"), _text(row, "title"))].add(entity)
    ranked = sorted(
        sharing.items(), key=lambda item: (-len(item[1]), *_name_key(item[0].title), item[0].id)
    )[:top]
    return paper, [
        RelatedPaper(other, tuple(sorted(entities, key=lambda e: (*_name_key(e.name), e.type))))
        for other, entities in ranked
    ]


def related_json(paper: PaperRef, answer: Sequence[RelatedPaper]) -> str:
    """``{"paper": {"title", "id"}, "related": [{"title", "id", "shared": [{"name", "type"}]}]}``
    (related papers most sharing first)."""
    return _dumps(
        {
            "paper": {"title": paper.title, "id": paper.id},
            "related": [
                {
                    "title": item.paper.title,
                    "id": item.paper.id,
                    "shared": [{"name": e.name, "type": e.type} for e in item.shared],
                }
                for item in answer
            ],
        }
    )


def related_csv(paper: PaperRef, answer: Sequence[RelatedPaper]) -> str:
    """One row per related paper: id, title, how many entities it shares, their names."""
    rows = [
        [r.paper.id, r.paper.title, len(r.shared), " | ".join(e.name for e in r.shared)]
        for r in answer
    ]
    return _csv(["id", "title", "shared", "entities"], rows)


def related_table(paper: PaperRef, answer: Sequence[RelatedPaper]) -> str:
    """The paper asked about, then one line per related paper."""
    head = f"{paper.title} ({paper.id})"
    if not answer:
        return f"{head}\nno other paper shares an entity with it"
    rows = [
        [str(len(r.shared)), _shorten(r.paper.title, 60), ", ".join(e.name for e in r.shared)]
        for r in answer
    ]
    return head + "\n\n" + _table(["SHARED", "PAPER", "ENTITIES"], rows)


# --- stats -------------------------------------------------------------------------------------


def stats(graph: Graph, top: int = 10) -> Stats:
    """Papers, entities per type, links per property, the ``top`` most connected entities,
    the largest connected component of the paper-entity graph, papers with no entity."""
    papers = {
        _text(r, "paper")
        for r in _select(graph, "SELECT ?paper WHERE { ?paper a schema:ScholarlyArticle }")
    }
    entities = _select(
        graph,
        f"""SELECT ?entity ?class ?label WHERE {{
            ?entity a ?class ; skos:prefLabel ?label .
            {_is_entity(TYPES)}
        }}""",
    )
    refs: dict[str, EntityRef] = {}
    for row in _by_type(entities):
        iri = _text(row, "entity")
        refs.setdefault(iri, EntityRef(iri, _text(row, "label"), _type(row)))
    per_property: Counter[str] = Counter()
    degree: dict[str, set[str]] = defaultdict(set)
    components = _UnionFind()
    for entity, links in _links(graph, TYPES).items():
        for prop, paper in links:
            if paper in papers:
                per_property[prop] += 1
                degree[entity.iri].add(paper)
                components.union(paper, entity.iri)
    most = sorted(
        (Connected(refs[iri], len(linked)) for iri, linked in degree.items()),
        key=lambda c: (-c.papers, *_name_key(c.entity.name), c.entity.type, c.entity.iri),
    )[:top]
    largest = components.largest()
    linked_papers = {p for linked in degree.values() for p in linked}
    return Stats(
        papers=len(papers),
        entities={t: sum(1 for ref in refs.values() if ref.type == t) for t in TYPES},
        links={name: per_property[name] for name in LINK_PROPERTIES},
        most_connected=tuple(most),
        largest_component=len(largest) if largest else min(len(papers), 1),
        largest_component_papers=len(largest & papers) if largest else min(len(papers), 1),
        papers_without_entities=len(papers - linked_papers),
    )


class _UnionFind:
    """Connected components of an undirected graph given edge by edge."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, node: str) -> str:
        root = self.parent.setdefault(node, node)
        while root != self.parent[root]:
            root = self.parent[root]
        while node != root:
            self.parent[node], node = root, self.parent[node]
        return root

    def union(self, a: str, b: str) -> None:
        self.parent[self.find(a)] = self.find(b)

    def largest(self) -> set[str]:
        groups: dict[str, set[str]] = defaultdict(set)
        for node in self.parent:
            groups[self.find(node)].add(node)
        return max(groups.values(), key=len, default=set())


def stats_json(answer: Stats) -> str:
    """The numbers of :class:`Stats` as one JSON object."""
    data: dict[str, Any] = asdict(answer)
    data["entities"]["total"] = sum(answer.entities.values())
    data["links"]["total"] = sum(answer.links.values())
    data["most_connected"] = [
        {"name": c.entity.name, "type": c.entity.type, "papers": c.papers}
        for c in answer.most_connected
    ]
    return _dumps(data)


def stats_table(answer: Stats) -> str:
    """The numbers of :class:`Stats`, one per line, then the most connected entities."""
    entities = ", ".join(f"{t} {n}" for t, n in answer.entities.items())
    links = ", ".join(f"{p} {n}" for p, n in answer.links.items())
    lines = [
        f"papers              {answer.papers}",
        f"entities            {sum(answer.entities.values())} ({entities})",
        f"links               {sum(answer.links.values())} ({links})",
        f"largest component   {answer.largest_component} nodes "
        f"({answer.largest_component_papers} papers)",
        f"papers, no entity   {answer.papers_without_entities}",
    ]
    if answer.most_connected:
        rows = [[c.entity.name, c.entity.type, str(c.papers)] for c in answer.most_connected]
        lines += ["", "most connected entities:", _table(["ENTITY", "TYPE", "PAPERS"], rows)]
    return "\n".join(lines)


# --- show --------------------------------------------------------------------------------------


def find_entity(graph: Graph, wanted: str, kind: str | None = None) -> EntityRef:
    """The entity ``wanted`` names: its IRI, else its preferred label, else an alternative label
    (case-insensitive), of type ``kind`` if given. Otherwise a one-line error."""
    types = _types(kind)
    name = wanted.strip()
    if name.startswith("<") and name.endswith(">"):
        name = name[1:-1]
    if name.startswith(_IRI_START):
        ref = _entities(graph, [name]).get(name)
        if ref is None or ref.type not in types:
            raise KgraphError(f"no entity <{name}> in the graph" + _of_type(kind))
        return ref
    if not name:
        raise KgraphError("give an entity name, alias or IRI")
    literal = Literal(name.lower()).n3()
    rows = _select(
        graph,
        f"""SELECT ?entity ?class ?label ?how WHERE {{
            {{
                ?entity skos:prefLabel ?name BIND ("pref" AS ?how)
                FILTER (LCASE(STR(?name)) = {literal})
            }} UNION {{
                ?entity skos:altLabel ?name BIND ("alt" AS ?how)
                FILTER (LCASE(STR(?name)) = {literal})
            }}
            ?entity a ?class ; skos:prefLabel ?label .
            {_is_entity(types)}
        }}""",
    )
    matches = _best_matches(rows, ("pref", "alt"))
    if not matches:
        # the resolver's own variants: "gpt4" and "GPT 4" name GPT-4
        key = normalise_name(name)
        rows = _select(
            graph,
            """SELECT ?entity ?name WHERE {
                { ?entity skos:prefLabel ?name } UNION { ?entity skos:altLabel ?name }
            }""",
        )
        refs = _entities(
            graph, {_text(r, "entity") for r in rows if normalise_name(_text(r, "name")) == key}
        )
        matches = sorted(
            (ref for ref in refs.values() if ref.type in types),
            key=lambda e: (TYPES.index(e.type), *_name_key(e.name), e.iri),
        )
    if len(matches) == 1:
        return matches[0]
    if matches:
        listed = ", ".join(f"{e.name} ({e.type})" for e in matches[:CANDIDATES])
        kinds = sorted({e.type for e in matches}, key=TYPES.index)
        if len(kinds) > 1:
            hint = f"give --type {'|'.join(kinds)}"
        else:
            hint = "give the IRI: " + ", ".join(e.iri for e in matches[:CANDIDATES])
        raise KgraphError(f"{wanted!r} names {len(matches)} entities: {listed}; {hint}")
    similar = _similar_labels(graph, name, types)
    hint = f"; similar: {', '.join(similar)}" if similar else ""
    raise KgraphError(f"no entity named {wanted!r}{_of_type(kind)}{hint}")


def _best_matches(rows: Sequence[Row], tiers: Sequence[str]) -> list[EntityRef]:
    """The entities of ``rows`` in the first tier (their ``?how``) that has any, in order."""
    for tier in tiers:
        found: dict[str, EntityRef] = {}
        for row in _by_type(rows):
            if _text(row, "how") == tier:
                iri = _text(row, "entity")
                found.setdefault(iri, EntityRef(iri, _text(row, "label"), _type(row)))
        if found:
            return sorted(
                found.values(), key=lambda e: (TYPES.index(e.type), *_name_key(e.name), e.iri)
            )
    return []


def _of_type(kind: str | None) -> str:
    return f" of type {kind}" if kind not in (None, "all") else ""


def _similar_labels(graph: Graph, name: str, types: Sequence[str]) -> list[str]:
    """Up to :data:`CANDIDATES` labels containing ``name``, shortest first."""
    rows = _select(
        graph,
        f"""SELECT DISTINCT ?label ?class WHERE {{
            {{
                ?entity skos:prefLabel ?label .
                FILTER (CONTAINS(LCASE(STR(?label)), {Literal(name.lower()).n3()}))
            }}
            ?entity a ?class .
            {_is_entity(types)}
        }}""",
    )
    found = sorted({(_text(r, "label"), _type(r)) for r in rows})
    found.sort(key=lambda item: (len(item[0]), *_name_key(item[0])))
    return [f"{label} ({kind})" for label, kind in found[:CANDIDATES]]


def show(graph: Graph, wanted: str, kind: str | None = None) -> EntityDetail:
    """The entity ``wanted`` names (see :func:`find_entity`): aliases, link, and every paper
    with its relation and the sentences that say so (when the graph has Web Annotations)."""
    entity = find_entity(graph, wanted, kind)
    aliases, urls = _aliases_and_urls(graph, entity.iri)
    iri = URIRef(entity.iri).n3()
    rows = _select(
        graph,
        f"""SELECT ?paper ?id ?title ?prop ?sentence WHERE {{
            ?paper ?prop {iri} ; kg:paperId ?id ; dcterms:title ?title .
            {_is_link()}
            OPTIONAL {{
                ?annotation oa:hasBody {iri} ; kg:linkProperty ?prop ; oa:hasTarget ?target .
                ?target oa:hasSource ?paper ; oa:hasSelector ?quote .
                ?quote oa:exact ?exact .
                OPTIONAL {{ ?quote oa:prefix ?prefix }}
                OPTIONAL {{ ?quote oa:suffix ?suffix }}
                BIND(CONCAT(COALESCE(?prefix, ""), ?exact, COALESCE(?suffix, "")) AS ?sentence)
            }}
        }}""",
    )
    sentences: dict[tuple[PaperRef, str], set[str]] = defaultdict(set)
    for row in rows:
        link = (PaperRef(_text(row, "id"), _text(row, "title")), _PROPERTY_NAME[_text(row, "prop")])
        sentences[link].update([_text(row, "sentence")] if "sentence" in row else [])
    links = sorted(
        (
            Evidence(paper, INTRODUCES if prop == INTRODUCES else USES, prop, tuple(sorted(found)))
            for (paper, prop), found in sentences.items()
        ),
        key=lambda e: (e.relation != INTRODUCES, *_name_key(e.paper.title), e.paper.id, e.property),
    )
    return EntityDetail(
        entity, tuple(aliases.get(entity.iri, ())), urls.get(entity.iri), tuple(links)
    )


def show_json(answer: EntityDetail) -> str:
    """``{"name", "type", "iri", "aliases", "url", "papers": [{"title", "id", "relation",
    "property", "sentences"}]}``."""
    return _dumps(
        {
            "name": answer.entity.name,
            "type": answer.entity.type,
            "iri": answer.entity.iri,
            "aliases": list(answer.aliases),
            "url": answer.url,
            "papers": [
                {
                    "title": link.paper.title,
                    "id": link.paper.id,
                    "relation": link.relation,
                    "property": link.property,
                    "sentences": list(link.sentences),
                }
                for link in answer.links
            ],
        }
    )


def show_table(answer: EntityDetail) -> str:
    """The entity, then each paper with its relation and evidence sentences."""
    entity = answer.entity
    lines = [
        f"{entity.name} ({entity.type})",
        f"iri       {entity.iri}",
        f"aliases   {', '.join(answer.aliases) or '-'}",
        f"link      {answer.url or '-'}",
        f"papers    {len({link.paper for link in answer.links})}",
    ]
    if answer.links:
        lines.append("")
    for link in answer.links:
        lines.append(f"{link.relation:<10}  {link.paper.title} ({link.paper.id})")
        lines.extend(f'            "{_shorten(s, SENTENCE_WIDTH)}"' for s in link.sentences)
    return "\n".join(lines)


# --- rendering helpers -------------------------------------------------------------------------


def _shorten(text: str, width: int) -> str:
    """``text`` on one line, cut to ``width`` characters with an ellipsis.

    Examples
    --------
    >>> _shorten("Attention  is all\\nyou need", 12)
    'Attention i…'
    """
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns aligned with two spaces between them; the last column is not padded."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    return "\n".join(
        "  ".join([*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)), row[-1]])
        for row in [header, *rows]
    )


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().rstrip("\n")


def _dumps(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
