"""``graph.ttl`` (and ``graph.nt``, ``graph.jsonld``): the knowledge graph as RDF.

The vocabulary is :mod:`kgraph.vocab`'s, and the file declares it. :func:`triples` generates
every triple in one sorted order (the vocabulary first, then subjects by IRI; in a subject,
``rdf:type`` first, then predicates and objects by their N-Triples text) and Oxigraph streams
them into the file, so the same graph always gives the same bytes and a million triples take
seconds, not the minutes rdflib's serializer needs. :func:`to_rdf` gives the same triples as an
:class:`rdflib.Graph` for library users and tests.

Every paper-to-entity link also has its evidence, as a Web Annotation without blank nodes::

    <base>annotation/<key> a oa:Annotation, prov:Entity ;
        oa:hasBody <entity> ; oa:hasTarget <base>target/<key> ;
        kg:linkProperty kg:usesDataset ; prov:wasGeneratedBy <base>activity/build-... .
    <base>target/<key> a oa:SpecificResource ; oa:hasSource <paper> ;
        oa:hasSelector <base>quote/<key>, <base>position/<key> .
    <base>quote/<key> a oa:TextQuoteSelector ;
        oa:prefix "the sentence up to " ; oa:exact "the mention" ; oa:suffix " and after." .
    <base>position/<key> a oa:TextPositionSelector ; oa:start 3 ; oa:end 7 .
    <base>annotation/<key> oa:motivatedBy oa:identifying .

Both selectors select the same text, the mention (as the Web Annotation model asks of the
selectors of one resource); the quote's prefix and suffix are the rest of its sentence, so
prefix + exact + suffix is the sentence that is the evidence.

``<key>`` is ``<paper id>-<relation>-<entity type>-<entity key>``. The positions
(``xsd:integer``, end exclusive) are character offsets (Python ``str`` indices: code points)
of the entity's first mention in the text kgraph extracted from: the paper's
``dcterms:title``, two newlines, then its ``dcterms:abstract`` (:attr:`kgraph.model.Paper.text`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from operator import attrgetter
from pathlib import Path
from typing import Any, NamedTuple

import networkx as nx
import pyoxigraph as ox
import rdflib
from rdflib import URIRef

from kgraph.errors import KgraphError
from kgraph.export.atomic import atomic_path
from kgraph.graph import ALIAS_SEPARATOR, PAPER
from kgraph.model import Paper
from kgraph.vocab import (
    DCTERMS,
    DEFAULT_BASE,
    ENTITY_CLASSES,
    KG,
    OA,
    PREFIXES,
    PROV,
    RDF,
    RDFS,
    SCHEMA,
    SKOS,
    TERMS,
    USES_PROPERTY,
    XSD,
    build_activity,
    mint,
    minter,
)

__all__ = [
    "ENTITY_CLASSES",
    "RDF_FORMATS",
    "USES_PROPERTY",
    "link_key",
    "node_iri",
    "parse_rdf_formats",
    "prefixes",
    "to_rdf",
    "triples",
    "typed_date",
    "write_rdf",
    "write_turtle",
]


@dataclass(frozen=True)
class RdfFile:
    """One RDF output: Oxigraph's format and the file name a build gives it."""

    format: ox.RdfFormat
    name: str


# --rdf-format name -> output; Turtle is always written, the others on request.
RDF_FORMATS: dict[str, RdfFile] = {
    "ttl": RdfFile(ox.RdfFormat.TURTLE, "graph.ttl"),
    "nt": RdfFile(ox.RdfFormat.N_TRIPLES, "graph.nt"),
    "jsonld": RdfFile(ox.RdfFormat.JSON_LD, "graph.jsonld"),
}
# The kinds of resources the export mints IRIs for; each gets a Turtle prefix of its own.
KINDS = (
    PAPER,
    *ENTITY_CLASSES,
    "annotation",
    "target",
    "quote",
    "position",
    "activity",
    "agent",
)

Term = ox.NamedNode | ox.Literal
Pairs = list[tuple[ox.NamedNode, Term]]


def _iri(term: URIRef) -> ox.NamedNode:
    return ox.NamedNode(str(term))


# Oxigraph terms made once: rdflib namespace lookups cost microseconds, millions of times.
_TYPE = _iri(RDF.type)
_LABEL = _iri(RDFS.label)
_COMMENT = _iri(RDFS.comment)
_SUBCLASS = _iri(RDFS.subClassOf)
_SUBPROPERTY = _iri(RDFS.subPropertyOf)
_STRING = _iri(XSD.string)
_INTEGER = _iri(XSD.integer)
_ARTICLE = _iri(SCHEMA.ScholarlyArticle)
_TITLE = _iri(DCTERMS.title)
_ABSTRACT = _iri(DCTERMS.abstract)
_DATE = _iri(DCTERMS.date)
_SOURCE = _iri(DCTERMS.source)
_URL = _iri(SCHEMA.url)
_PAPER_ID = _iri(KG.paperId)
_DATE_TEXT = _iri(KG.dateText)
_AUTHORS = _iri(KG.authorCount)
_UPVOTES = _iri(KG.upvotes)
_ORGANISATION = _iri(KG.organisation)
_PREF_LABEL = _iri(SKOS.prefLabel)
_ALT_LABEL = _iri(SKOS.altLabel)
_EXACT_MATCH = _iri(SKOS.exactMatch)
_PAPER_COUNT = _iri(KG.paperCount)
_INTRODUCES = _iri(KG.introduces)
_LINK_PROPERTY = {kind: _iri(prop) for kind, prop in USES_PROPERTY.items()}
_CLASSES = {kind: [_iri(c) for c in classes] for kind, classes in ENTITY_CLASSES.items()}
_ACTIVITY = _iri(PROV.Activity)
_ASSOCIATED = _iri(PROV.wasAssociatedWith)
_SOFTWARE = _iri(PROV.SoftwareAgent)
_ANNOTATION = _iri(OA.Annotation)
_PROV_ENTITY = _iri(PROV.Entity)
_HAS_BODY = _iri(OA.hasBody)
_HAS_TARGET = _iri(OA.hasTarget)
_GENERATED_BY = _iri(PROV.wasGeneratedBy)
_LINKS = _iri(KG.linkProperty)
_SPECIFIC = _iri(OA.SpecificResource)
_HAS_SELECTOR = _iri(OA.hasSelector)
_HAS_SOURCE = _iri(OA.hasSource)
_QUOTE = _iri(OA.TextQuoteSelector)
_EXACT = _iri(OA.exact)
_PREFIX = _iri(OA.prefix)
_SUFFIX = _iri(OA.suffix)
_MOTIVATED_BY = _iri(OA.motivatedBy)
_IDENTIFYING = _iri(OA.identifying)
_POSITION = _iri(OA.TextPositionSelector)
_START = _iri(OA.start)
_END = _iri(OA.end)


def node_iri(base: str, node: str) -> URIRef:
    """The IRI of a graph node (``paper:<id>`` or ``<type>:<key>``).

    Examples
    --------
    >>> str(node_iri("http://x.org/", "model:gpt-4"))
    'http://x.org/model/gpt-4'
    """
    kind, _, key = node.partition(":")
    return mint(base, kind, key)


def link_key(paper: str, entity: str, relation: str) -> str:
    """The stable key of the link ``paper`` -> ``entity`` (graph node ids) by ``relation``.

    Examples
    --------
    >>> link_key("paper:0123456789ab", "benchmark:gsm8k", "uses")
    '0123456789ab-uses-benchmark-gsm8k'
    """
    kind, _, key = entity.partition(":")
    return f"{paper.partition(':')[2]}-{relation}-{kind}-{key}"


def prefixes(base: str = DEFAULT_BASE) -> dict[str, str]:
    """The Turtle prefixes: the vocabularies, and one per kind of resource under ``base``."""
    return PREFIXES | {kind: str(mint(base, kind, "")) for kind in KINDS}


_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_ISO_DATE = re.compile(r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})")
_MONTH_DAY_YEAR = re.compile(r"(?P<month>[A-Za-z]+)\.? (?P<day>\d{1,2}),? (?P<year>\d{4})")
_DAY_MONTH_YEAR = re.compile(r"(?P<day>\d{1,2}) (?P<month>[A-Za-z]+)\.? (?P<year>\d{4})")
_YEAR = re.compile(r"(?:1[89]|2\d)\d\d")


def typed_date(text: str) -> tuple[str, URIRef] | None:
    """``text`` as a typed date (lexical form, datatype) when it is one without doubt.

    A full date with a year gives ``xsd:date``, a year alone ``xsd:gYear``; a date without
    a year ("Oct 28"), an impossible one, or an all-numeric day/month order that could be
    read both ways gives None.

    Examples
    --------
    >>> [typed_date(t)[0] for t in ("Feb 22, 2024", "2023-07-25", "5 Sept 2023")]
    ['2024-02-22', '2023-07-25', '2023-09-05']
    >>> typed_date("2021") == ("2021", XSD.gYear), typed_date("Oct 28"), typed_date("Feb 30, 2024")
    (True, None, None)
    """
    text = text.strip()
    if _YEAR.fullmatch(text):
        return text, XSD.gYear
    for pattern in (_ISO_DATE, _MONTH_DAY_YEAR, _DAY_MONTH_YEAR):
        match = pattern.fullmatch(text)
        if match is None:
            continue
        month = match["month"]
        number = int(month) if month.isdigit() else _MONTHS.get(month.lower())
        if number is None:
            return None
        try:
            date = dt.date(int(match["year"]), number, int(match["day"]))
        except ValueError:
            return None
        return date.isoformat(), XSD.date
    return None


def _web_iri(value: str) -> ox.NamedNode | None:
    """``value`` as an IRI if it is a valid absolute http(s) one (input URLs are not trusted)."""
    if not value.startswith(("http://", "https://")):
        return None
    try:
        return ox.NamedNode(value)
    except ValueError:
        return None


def _count(value: int | str) -> ox.Literal:
    return ox.Literal(str(int(value)), datatype=_INTEGER)


def quote_parts(text: str, sentence: str, start: int, end: int) -> tuple[str, str, str]:
    """The TextQuoteSelector of the mention at ``text[start:end]``: the rest of its sentence
    before it, the mention, and the rest after.

    Examples
    --------
    >>> text = "T\\n\\nWe use M here. We use M again."
    >>> quote_parts(text, "We use M again.", 25, 26)
    ('We use ', 'M', ' again.')
    >>> quote_parts(text, "not in the text", 10, 11)  # no sentence around it: the mention
    ('', 'M', '')
    """
    exact = text[start:end]
    at = text.find(sentence, max(0, end - len(sentence))) if sentence else -1
    if at == -1 or at > start:
        return "", exact, ""
    return text[at:start], exact, text[end : at + len(sentence)]


class _Link(NamedTuple):
    """One paper -> entity edge, with what its annotation's four resources need."""

    iri: str  # the annotation's IRI, which sorts the links
    key: str  # link_key(...)
    paper: ox.NamedNode
    entity: ox.NamedNode
    prop: ox.NamedNode
    data: dict[str, Any]
    source: str  # the paper's node in the graph


def _order(pair: tuple[ox.NamedNode, Term]) -> tuple[bool, str, str]:
    return (pair[0] != _TYPE, pair[0].value, str(pair[1]))


class _Triples:
    """The triples of one export, as runs: one per kind of resource, each sorted by IRI.

    All IRIs minted under the base are ``base`` + ``kind/`` + key, so the runs in the order of
    their prefixes, each in the order of its keys, are all subjects in IRI order. A subject's
    pairs come ``rdf:type`` first, then by predicate IRI, then by object (tests/test_rdf.py
    checks the result): those of fixed shape are written in that order, the others sorted.
    """

    def __init__(self, graph: nx.MultiDiGraph, base: str) -> None:
        self.graph = graph
        self.activity = build_activity(base)
        self.generated_by = _iri(self.activity.iri)
        self.mint = {kind: minter(base, kind) for kind in KINDS}
        self.nodes: dict[str, ox.NamedNode] = {}

    def node(self, node: str) -> ox.NamedNode:
        iri = self.nodes.get(node)
        if iri is None:
            kind, _, key = node.partition(":")
            iri = self.nodes[node] = ox.NamedNode(self.mint[kind](key))
        return iri

    def link_property(self, entity: str, relation: str) -> ox.NamedNode:
        if relation == "introduces":
            return _INTRODUCES
        return _LINK_PROPERTY[self.graph.nodes[entity]["kind"]]

    def all(self) -> Iterator[ox.Triple]:
        """Every triple: the vocabulary first, for people reading the file; then by IRI."""
        for term in sorted(TERMS, key=str):
            yield from self.described(_iri(term), self.term(term))
        nodes: dict[str, list[str]] = {}
        for node, kind in self.graph.nodes(data="kind"):
            nodes.setdefault(kind, []).append(node)
        links = []
        for paper, entity, relation, data in self.graph.edges(keys=True, data=True):
            key = link_key(paper, entity, relation)
            links.append(
                _Link(
                    self.mint["annotation"](key),
                    key,
                    self.node(paper),
                    self.node(entity),
                    self.link_property(entity, relation),
                    data,
                    paper,
                )
            )
        links.sort(key=attrgetter("iri"))
        runs: dict[str, Callable[[], Iterator[ox.Triple]]] = {
            "activity": self.build,
            "agent": self.agents,
            "annotation": partial(self.annotations, links),
            "target": partial(self.targets, links),
            "quote": partial(self.quotes, links),
            "position": partial(self.positions, links),
        }
        for kind, members in nodes.items():
            runs[kind] = partial(self.described_nodes, kind, members)
        for kind in sorted(runs, key=lambda kind: self.mint[kind]("")):
            yield from runs[kind]()

    @staticmethod
    def described(subject: ox.NamedNode, pairs: Pairs) -> Iterator[ox.Triple]:
        triple = ox.Triple
        for predicate, obj in sorted(pairs, key=_order):
            yield triple(subject, predicate, obj)

    def term(self, term: URIRef) -> Pairs:
        about = TERMS[term]
        parent = _SUBCLASS if RDFS.Class in about.types else _SUBPROPERTY
        pairs: Pairs = [(_TYPE, _iri(t)) for t in about.types]
        pairs.append((_LABEL, ox.Literal(about.label, language="en")))
        pairs.append((_COMMENT, ox.Literal(about.comment, language="en")))
        pairs.extend((parent, _iri(p)) for p in about.parents)
        return pairs

    def build(self) -> Iterator[ox.Triple]:
        pairs: Pairs = [(_TYPE, _ACTIVITY), (_LABEL, ox.Literal(self.activity.label))]
        pairs.extend((_ASSOCIATED, _iri(a)) for a in self.activity.agents)
        return self.described(self.generated_by, pairs)

    def agents(self) -> Iterator[ox.Triple]:
        for agent, label in sorted(self.activity.agents.items()):
            yield from self.described(
                _iri(agent), [(_TYPE, _SOFTWARE), (_LABEL, ox.Literal(label))]
            )

    def described_nodes(self, kind: str, members: list[str]) -> Iterator[ox.Triple]:
        describe = self.paper if kind == PAPER else self.entity
        for node in sorted(members, key=lambda node: self.node(node).value):
            yield from self.described(self.node(node), describe(node))

    def paper(self, node: str) -> Pairs:
        data = self.graph.nodes[node]
        pairs: Pairs = [
            (_TYPE, _ARTICLE),
            (_TITLE, ox.Literal(data["title"])),
            (_PAPER_ID, ox.Literal(data["paper_id"])),
        ]
        if data.get("abstract"):
            pairs.append((_ABSTRACT, ox.Literal(data["abstract"])))
        if "date" in data:
            pairs.append((_DATE_TEXT, ox.Literal(data["date"])))
            typed = typed_date(data["date"])
            if typed is not None:
                pairs.append((_DATE, ox.Literal(typed[0], datatype=_iri(typed[1]))))
        if "authors" in data:
            pairs.append((_AUTHORS, _count(data["authors"])))
        if "upvotes" in data:
            pairs.append((_UPVOTES, _count(data["upvotes"])))
        if "organisation" in data:
            pairs.append((_ORGANISATION, ox.Literal(data["organisation"])))
        url = _web_iri(data.get("url", ""))
        if url is not None:
            pairs.append((_URL, url))
        for source in filter(None, data.get("sources", "").split(ALIAS_SEPARATOR)):
            pairs.append((_SOURCE, ox.Literal(source)))
        for _, entity, relation in self.graph.out_edges(node, keys=True):
            pairs.append((self.link_property(entity, relation), self.node(entity)))
        return pairs

    def entity(self, node: str) -> Pairs:
        data = self.graph.nodes[node]
        pairs: Pairs = [(_TYPE, cls) for cls in _CLASSES[data["kind"]]]
        pairs.append((_PREF_LABEL, ox.Literal(data["label"])))
        for alias in filter(None, data.get("aliases", "").split(ALIAS_SEPARATOR)):
            pairs.append((_ALT_LABEL, ox.Literal(alias)))
        url = _web_iri(data.get("url", ""))
        if url is not None:
            pairs.append((_EXACT_MATCH, url))
        if "papers" in data:
            pairs.append((_PAPER_COUNT, _count(data["papers"])))
        return pairs

    # The four resources of each link's annotation: millions of triples of a fixed shape,
    # written straight in their sorted order.

    def minted(self, kind: str, link: _Link) -> ox.NamedNode:
        return ox.NamedNode(self.mint[kind](link.key))

    def annotations(self, links: list[_Link]) -> Iterator[ox.Triple]:
        triple = ox.Triple
        for link in links:
            subject = ox.NamedNode(link.iri)
            yield triple(subject, _TYPE, _ANNOTATION)
            yield triple(subject, _TYPE, _PROV_ENTITY)
            yield triple(subject, _HAS_BODY, link.entity)
            yield triple(subject, _HAS_TARGET, self.minted("target", link))
            yield triple(subject, _MOTIVATED_BY, _IDENTIFYING)
            yield triple(subject, _GENERATED_BY, self.generated_by)
            yield triple(subject, _LINKS, link.prop)

    def targets(self, links: list[_Link]) -> Iterator[ox.Triple]:
        triple = ox.Triple
        for link in links:
            subject = self.minted("target", link)
            yield triple(subject, _TYPE, _SPECIFIC)
            yield triple(subject, _HAS_SELECTOR, self.minted("position", link))
            yield triple(subject, _HAS_SELECTOR, self.minted("quote", link))
            yield triple(subject, _HAS_SOURCE, link.paper)

    def quotes(self, links: list[_Link]) -> Iterator[ox.Triple]:
        triple = ox.Triple
        source, text = None, ""
        for link in links:
            subject = self.minted("quote", link)
            yield triple(subject, _TYPE, _QUOTE)
            if link.source != source:  # a paper's links are consecutive (sorted by IRI)
                source, paper = link.source, self.graph.nodes[link.source]
                text = Paper(paper.get("title", ""), paper.get("abstract", "")).text
            prefix, exact, suffix = quote_parts(
                text,
                link.data.get("sentence", ""),
                link.data.get("start", 0),
                link.data.get("end", 0),
            )
            yield triple(subject, _EXACT, ox.Literal(exact))
            if prefix:
                yield triple(subject, _PREFIX, ox.Literal(prefix))
            if suffix:
                yield triple(subject, _SUFFIX, ox.Literal(suffix))

    def positions(self, links: list[_Link]) -> Iterator[ox.Triple]:
        # xsd:integer rather than the Web Annotation model's xsd:nonNegativeInteger: oxrdflib
        # reads derived integer types back as xsd:integer, and both stores must agree.
        triple = ox.Triple
        for link in links:
            subject = self.minted("position", link)
            yield triple(subject, _TYPE, _POSITION)
            yield triple(subject, _END, _count(link.data.get("end", 0)))
            yield triple(subject, _START, _count(link.data.get("start", 0)))


def triples(graph: nx.MultiDiGraph, base: str = DEFAULT_BASE) -> Iterator[ox.Triple]:
    """Every triple of the export of ``graph``, in the one order the files are written in.

    Examples
    --------
    >>> g = nx.MultiDiGraph()
    >>> g.add_node("paper:p1", kind="paper", title="T", paper_id="p1", date="Oct 5, 2023")
    >>> g.add_node("model:m", kind="model", label="M")
    >>> _ = g.add_edge("paper:p1", "model:m", key="uses", sentence="We use M.", start=7, end=8)
    >>> [str(t) for t in triples(g, "http://x.org/") if "/p1>" in str(t.subject)][:3]
    ... # doctest: +NORMALIZE_WHITESPACE
    ['<http://x.org/paper/p1> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type>
      <https://schema.org/ScholarlyArticle>',
     '<http://x.org/paper/p1> <http://purl.org/dc/terms/date>
      "2023-10-05"^^<http://www.w3.org/2001/XMLSchema#date>',
     '<http://x.org/paper/p1> <http://purl.org/dc/terms/title> "T"']
    """
    return _Triples(graph, base).all()


def _rdflib_term(term: object) -> rdflib.term.Identifier:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return rdflib.Literal(term.value, lang=term.language)
        if term.datatype == _STRING:
            return rdflib.Literal(term.value)
        return rdflib.Literal(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"kgraph writes no {type(term).__name__}")


def to_rdf(graph: nx.MultiDiGraph, base: str = DEFAULT_BASE) -> rdflib.Graph:
    """The RDF graph of a kgraph graph, as an :class:`rdflib.Graph` (the triples the files hold).

    Plain strings become literals without a datatype, as rdflib reads them back from Turtle.
    """
    rdf = rdflib.Graph()
    for prefix, namespace in prefixes(base).items():
        rdf.bind(prefix, namespace)
    for triple in triples(graph, base):
        s, p, o = (_rdflib_term(term) for term in triple)
        rdf.add((s, p, o))
    return rdf


def parse_rdf_formats(values: Iterable[str]) -> tuple[str, ...]:
    """The RDF formats named in ``values`` (each a name or a comma list), in a fixed order.

    Examples
    --------
    >>> parse_rdf_formats(["nt,jsonld", "nt"])
    ('nt', 'jsonld')
    >>> parse_rdf_formats(["xml"])
    Traceback (most recent call last):
    kgraph.errors.KgraphError: --rdf-format 'xml': unknown RDF format (expected: ttl, nt, jsonld)
    """
    wanted = {name.strip().lower() for value in values for name in value.split(",")}
    wanted.discard("")
    unknown = sorted(wanted - RDF_FORMATS.keys())
    if unknown:
        known = ", ".join(RDF_FORMATS)
        raise KgraphError(f"--rdf-format {unknown[0]!r}: unknown RDF format (expected: {known})")
    return tuple(name for name in RDF_FORMATS if name in wanted)


def write_rdf(
    graph: nx.MultiDiGraph, target: Path, base: str = DEFAULT_BASE, rdf_format: str = "ttl"
) -> None:
    """Write ``graph`` to ``target`` in ``rdf_format`` (a key of :data:`RDF_FORMATS`)."""
    output = RDF_FORMATS[rdf_format].format
    names = prefixes(base) if output == ox.RdfFormat.TURTLE else None
    with atomic_path(target) as tmp:
        ox.serialize(triples(graph, base), tmp, output, prefixes=names)


def write_turtle(graph: nx.MultiDiGraph, target: Path, base: str = DEFAULT_BASE) -> None:
    """Write ``graph`` as Turtle to ``target``."""
    write_rdf(graph, target, base, "ttl")
