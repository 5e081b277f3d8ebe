"""``graph.ttl``: the knowledge graph as RDF (Turtle), in the vocabulary of :mod:`kgraph.vocab`."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD

from kgraph.export.atomic import atomic_path
from kgraph.graph import ALIAS_SEPARATOR, PAPER
from kgraph.vocab import DCAT, DEFAULT_BASE, KG, MLS, OA, SCHEMA, mint

ENTITY_CLASSES: dict[str, tuple[URIRef, ...]] = {
    "benchmark": (SCHEMA.Dataset, DCAT.Dataset),
    "model": (MLS.Model,),
    "method": (MLS.Algorithm, SKOS.Concept),
    "task": (KG.Task, MLS.Task),
    "metric": (KG.Metric, MLS.EvaluationMeasure),
}
USES_PROPERTY: dict[str, URIRef] = {
    "benchmark": KG.usesDataset,
    "model": KG.usesModel,
    "method": KG.usesMethod,
    "task": KG.usesTask,
    "metric": KG.usesMetric,
}


def node_iri(base: str, node: str) -> URIRef:
    """The IRI of a graph node (``paper:<id>`` or ``<type>:<name>``)."""
    kind, _, key = node.partition(":")
    return mint(base, kind, key)


def _declare_vocabulary(rdf: Graph) -> None:
    """State in the file what kgraph's properties mean, so generic queries work anywhere."""
    labels = {
        KG.introduces: "introduces",
        KG.uses: "uses",
        KG.usesDataset: "uses dataset",
        KG.usesModel: "uses model",
        KG.usesMethod: "uses method",
        KG.usesTask: "addresses task",
        KG.usesMetric: "reports metric",
    }
    for prop, label in labels.items():
        rdf.add((prop, RDF.type, RDF.Property))
        rdf.add((prop, RDFS.label, Literal(label, lang="en")))
        parent = KG.uses if prop in USES_PROPERTY.values() else SCHEMA.mentions
        rdf.add((prop, RDFS.subPropertyOf, parent))
    rdf.add((KG.uses, RDFS.subPropertyOf, SCHEMA.mentions))


def to_rdf(graph: nx.MultiDiGraph, base: str = DEFAULT_BASE) -> Graph:
    """The RDF graph of a kgraph graph."""
    rdf = Graph()
    for prefix, ns in (
        ("kg", KG),
        ("schema", SCHEMA),
        ("dcterms", DCTERMS),
        ("skos", SKOS),
        ("dcat", DCAT),
        ("mls", MLS),
        ("oa", OA),
    ):
        rdf.bind(prefix, ns)
    _declare_vocabulary(rdf)
    for node, data in graph.nodes(data=True):
        iri = node_iri(base, node)
        if data["kind"] == PAPER:
            rdf.add((iri, RDF.type, SCHEMA.ScholarlyArticle))
            rdf.add((iri, DCTERMS.title, Literal(data["title"])))
            rdf.add((iri, KG.paperId, Literal(data["paper_id"])))
            if data.get("abstract"):
                rdf.add((iri, DCTERMS.abstract, Literal(data["abstract"])))
            if "date" in data:
                rdf.add((iri, KG.dateText, Literal(data["date"])))
            if "authors" in data:
                rdf.add((iri, KG.authorCount, Literal(int(data["authors"]), datatype=XSD.integer)))
            if "upvotes" in data:
                rdf.add((iri, KG.upvotes, Literal(int(data["upvotes"]), datatype=XSD.integer)))
            if "organisation" in data:
                rdf.add((iri, KG.organisation, Literal(data["organisation"])))
            for source in filter(None, data.get("sources", "").split(ALIAS_SEPARATOR)):
                rdf.add((iri, DCTERMS.source, Literal(source)))
        else:
            for cls in ENTITY_CLASSES[data["kind"]]:
                rdf.add((iri, RDF.type, cls))
            rdf.add((iri, SKOS.prefLabel, Literal(data["label"])))
            for alias in filter(None, data.get("aliases", "").split(ALIAS_SEPARATOR)):
                rdf.add((iri, SKOS.altLabel, Literal(alias)))
            if data.get("url"):
                rdf.add((iri, SKOS.exactMatch, URIRef(data["url"])))
    for source, target, relation in graph.edges(keys=True):
        kind = graph.nodes[target]["kind"]
        prop = KG.introduces if relation == "introduces" else USES_PROPERTY[kind]
        rdf.add((node_iri(base, source), prop, node_iri(base, target)))
    return rdf


def write_turtle(graph: nx.MultiDiGraph, target: Path, base: str = DEFAULT_BASE) -> None:
    """Write ``graph`` as Turtle to ``target``."""
    rdf = to_rdf(graph, base)
    with atomic_path(target) as tmp:
        rdf.serialize(destination=tmp, format="turtle", encoding="utf-8")
