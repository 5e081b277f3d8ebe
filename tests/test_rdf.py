"""The RDF export: declared vocabulary, provenance per link, round trips, determinism, CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest
import spacy
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

import kgraph
from kgraph.cli import main
from kgraph.export.rdf import RDF_FORMATS, node_iri, to_rdf, triples, write_rdf, write_turtle
from kgraph.graph import build_graph
from kgraph.model import EntityType, Extraction, Mention, Paper
from kgraph.resolve import resolve
from kgraph.vocab import DEFAULT_BASE, KG, OA, SCHEMA, USES_PROPERTY, VOCAB_IRI

ROOT = Path(__file__).resolve().parent.parent
TRICKY = ROOT / "tests/data/bad/tricky_names.txt"
JSONL = ROOT / "tests/data/formats/papers.jsonl"
RDFLIB_FORMAT = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld"}
OTHER_BASE = "http://example.org/kg/"

# rdflib's own JSON-LD parser still builds a ConjunctiveGraph internally
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")


@pytest.fixture(scope="module")
def seed_graph(seed_extractions: list[Extraction]) -> nx.MultiDiGraph:
    return build_graph(seed_extractions, resolve(seed_extractions))


@pytest.fixture(scope="module")
def seed_files(seed_graph: nx.MultiDiGraph, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeds' graph written in every RDF format."""
    folder = tmp_path_factory.mktemp("seed-rdf")
    for name, output in RDF_FORMATS.items():
        write_rdf(seed_graph, folder / output.name, DEFAULT_BASE, name)
    return folder


@pytest.fixture(scope="module")
def seed_reference(seed_graph: nx.MultiDiGraph) -> Graph:
    """The seeds' graph as :func:`to_rdf` gives it."""
    return to_rdf(seed_graph)


@pytest.fixture(scope="module")
def seed_rdf(seed_files: Path) -> Graph:
    """The seeds' Turtle as rdflib reads it back."""
    return Graph().parse(seed_files / "graph.ttl", format="turtle")


@pytest.fixture(scope="module")
def seed_store(seed_files: Path) -> ox.Store:
    """The seeds' Turtle in Oxigraph, for the queries that rdflib answers slowly."""
    store = ox.Store()
    store.bulk_load(path=seed_files / "graph.ttl", format=ox.RdfFormat.TURTLE)
    return store


PREFIXES = f"""PREFIX oa: <{OA}> PREFIX prov: <{PROV}> PREFIX kg: <{VOCAB_IRI}>
PREFIX rdfs: <{RDFS}> PREFIX schema: <{SCHEMA}>
"""


def _select(store: ox.Store, query: str) -> list[dict[str, str]]:
    solutions = store.query(PREFIXES + query)
    assert isinstance(solutions, ox.QuerySolutions)
    names = [v.value for v in solutions.variables]
    return [{name: row[name].value for name in names} for row in solutions]


def _graph(*extractions: Extraction) -> nx.MultiDiGraph:
    return build_graph(list(extractions), resolve(list(extractions)))


# --- vocabulary ----------------------------------------------------------------------------


def test_every_kg_term_in_the_file_is_declared(seed_rdf: Graph) -> None:
    used = {
        term
        for triple in seed_rdf
        for term in triple
        if isinstance(term, URIRef) and str(term).startswith(VOCAB_IRI)
    }
    assert {KG.introduces, KG.usesDataset, KG.usesModel, KG.linkProperty, KG.Task} <= used
    for term in used:
        assert (term, RDF.type, None) in seed_rdf, term
        assert seed_rdf.value(term, RDFS.label) is not None, term
        assert seed_rdf.value(term, RDFS.comment) is not None, term


def test_link_properties_reach_schema_mentions(
    seed_rdf: Graph, seed_store: ox.Store, seed_graph: nx.MultiDiGraph
) -> None:
    for prop in [KG.introduces, KG.uses, *USES_PROPERTY.values()]:
        assert (prop, RDF.type, RDF.Property) in seed_rdf
        assert SCHEMA.mentions in set(seed_rdf.transitive_objects(prop, RDFS.subPropertyOf)), prop
    # so a generic query over schema:mentions finds every link, in an engine without kgraph
    generic = """SELECT (COUNT(*) AS ?n) WHERE {
        ?p rdfs:subPropertyOf+ schema:mentions . ?paper ?p ?entity }"""
    (row,) = _select(seed_store, generic)
    assert int(row["n"]) == seed_graph.number_of_edges()


def test_papers_and_entities_keep_their_terms(seed_rdf: Graph, seed_graph: nx.MultiDiGraph) -> None:
    papers = set(seed_rdf.subjects(RDF.type, SCHEMA.ScholarlyArticle))
    assert len(papers) == sum(1 for _, kind in seed_graph.nodes(data="kind") if kind == "paper")
    for paper in papers:
        assert seed_rdf.value(paper, DCTERMS.title) is not None
        assert seed_rdf.value(paper, KG.paperId) is not None
        assert seed_rdf.value(paper, DCTERMS.source) is not None
    datasets = set(seed_rdf.subjects(RDF.type, SCHEMA.Dataset))
    assert datasets == set(seed_rdf.subjects(RDF.type, URIRef("http://www.w3.org/ns/dcat#Dataset")))
    assert all(seed_rdf.value(d, SKOS.prefLabel) is not None for d in datasets)
    assert len(datasets) == sum(1 for _, k in seed_graph.nodes(data="kind") if k == "benchmark")


def test_dates_are_typed_only_with_a_year(seed_rdf: Graph) -> None:
    typed = dict(seed_rdf.subject_objects(DCTERMS.date))
    shown = dict(seed_rdf.subject_objects(KG.dateText))
    assert typed, "the seeds have dates with a year"
    assert set(typed) < set(shown), "some seed dates have no year: those get no typed date"
    for paper, text in shown.items():
        has_year = str(text)[-4:].isdigit()
        assert (paper in typed) == has_year, text
        if has_year:
            assert typed[paper].datatype == XSD.date
            assert typed[paper].toPython().year == int(str(text)[-4:])


# --- provenance ----------------------------------------------------------------------------

ANNOTATIONS = """
SELECT ?annotation ?paper ?prop ?entity ?exact ?sentence ?start ?end WHERE {
    ?annotation a oa:Annotation, prov:Entity ;
        oa:hasBody ?entity ; oa:hasTarget ?target ; kg:linkProperty ?prop ;
        oa:motivatedBy oa:identifying ; prov:wasGeneratedBy ?activity .
    ?target a oa:SpecificResource ; oa:hasSource ?paper ; oa:hasSelector ?quote, ?position .
    ?quote a oa:TextQuoteSelector ; oa:exact ?exact .
    OPTIONAL { ?quote oa:prefix ?prefix }
    OPTIONAL { ?quote oa:suffix ?suffix }
    BIND(CONCAT(COALESCE(?prefix, ""), ?exact, COALESCE(?suffix, "")) AS ?sentence)
    ?position a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end .
    ?activity a prov:Activity .
}"""


def test_one_annotation_per_link_with_its_sentence(
    seed_store: ox.Store, seed_graph: nx.MultiDiGraph, seed_papers: list[Paper]
) -> None:
    rows = _select(seed_store, ANNOTATIONS)
    assert len(rows) == seed_graph.number_of_edges()
    assert len({row["annotation"] for row in rows}) == len(rows), "one annotation per link"
    linked = _select(
        seed_store,
        "SELECT ?paper ?prop ?entity WHERE { ?paper ?prop ?entity . ?prop rdfs:subPropertyOf+ schema:mentions }",
    )
    assert sorted((r["paper"], r["prop"], r["entity"]) for r in rows) == sorted(
        (r["paper"], r["prop"], r["entity"]) for r in linked
    )
    expected = {
        (
            str(node_iri(DEFAULT_BASE, u)),
            str(node_iri(DEFAULT_BASE, v)),
            d["sentence"],
            d["start"],
            d["end"],
        )
        for u, v, d in seed_graph.edges(data=True)
    }
    # prefix + exact + suffix is the sentence
    assert {
        (r["paper"], r["entity"], r["sentence"], int(r["start"]), int(r["end"])) for r in rows
    } == expected
    # both selectors select the mention: the offsets index the paper's title + two newlines +
    # abstract, and the quote's exact text is what they select
    texts = {str(node_iri(DEFAULT_BASE, f"paper:{p.id}")): p.text for p in seed_papers}
    for row in rows:
        mention = texts[row["paper"]][int(row["start"]) : int(row["end"])]
        assert mention, row
        assert mention == row["exact"], row


def test_each_annotation_part_has_exactly_its_shape(seed_rdf: Graph) -> None:
    shapes = {
        OA.Annotation: {
            RDF.type: 2,
            OA.hasBody: 1,
            OA.hasTarget: 1,
            OA.motivatedBy: 1,
            KG.linkProperty: 1,
            PROV.wasGeneratedBy: 1,
        },
        OA.SpecificResource: {RDF.type: 1, OA.hasSource: 1, OA.hasSelector: 2},
        # prefix and suffix: where the sentence goes on before and after the mention
        OA.TextQuoteSelector: {RDF.type: 1, OA.prefix: 1, OA.exact: 1, OA.suffix: 1},
        OA.TextPositionSelector: {RDF.type: 1, OA.start: 1, OA.end: 1},
    }
    for cls, shape in shapes.items():
        subjects = list(seed_rdf.subjects(RDF.type, cls))
        assert subjects
        for subject in subjects:
            found = Counter(p for p, _ in seed_rdf.predicate_objects(subject))
            if cls == OA.TextQuoteSelector:  # a mention can start or end its sentence
                found.update({p: 1 for p in (OA.prefix, OA.suffix) if p not in found})
            assert found == shape, subject
            kind = {OA.Annotation: "annotation", OA.SpecificResource: "target"}.get(cls)
            if kind:
                assert str(subject).startswith(f"{DEFAULT_BASE}{kind}/")


def test_one_build_activity_names_kgraph_and_spacy(seed_rdf: Graph) -> None:
    (activity,) = seed_rdf.subjects(RDF.type, PROV.Activity)
    assert set(seed_rdf.objects(None, PROV.wasGeneratedBy)) == {activity}
    label = str(seed_rdf.value(activity, RDFS.label))
    assert f"kgraph {kgraph.__version__}" in label
    assert f"spaCy {spacy.__version__}" in label
    agents = set(seed_rdf.objects(activity, PROV.wasAssociatedWith))
    assert {str(seed_rdf.value(a, RDFS.label)) for a in agents} == {
        f"kgraph {kgraph.__version__}",
        f"spaCy {spacy.__version__}",
    }
    assert all((a, RDF.type, PROV.SoftwareAgent) in seed_rdf for a in agents)


# --- well-formed RDF ------------------------------------------------------------------------


def test_no_blank_nodes_and_every_iri_valid(seed_rdf: Graph) -> None:
    iris = set()
    for triple in seed_rdf:
        assert not any(isinstance(term, BNode) for term in triple), triple
        iris.update(term for term in triple if isinstance(term, URIRef))
    for iri in iris:
        assert not any(ch in iri for ch in ' <>"{}|\\^`\n\t'), iri
        assert iri.split(":", 1)[0] in {"http", "https"}, iri
        ox.NamedNode(iri)  # Oxigraph's RFC 3987 parser raises ValueError on an invalid IRI


def test_rdflib_reads_back_what_to_rdf_gives(seed_rdf: Graph, seed_reference: Graph) -> None:
    assert isomorphic(seed_rdf, seed_reference)


def test_rdflib_reads_the_json_ld_alike(seed_files: Path, seed_rdf: Graph) -> None:
    parsed = Graph().parse(seed_files / "graph.jsonld", format="json-ld")
    assert set(parsed) == set(seed_rdf), "no blank nodes: isomorphic means equal"


@pytest.mark.parametrize("name", list(RDF_FORMATS))
def test_oxigraph_parses_every_format_to_the_same_triples(
    seed_reference: Graph, seed_files: Path, name: str
) -> None:
    output = RDF_FORMATS[name]
    parsed = list(ox.parse(path=seed_files / output.name, format=output.format))
    reference = set(ox.parse(path=seed_files / "graph.nt", format=ox.RdfFormat.N_TRIPLES))
    assert len(parsed) == len(set(parsed)) == len(seed_reference) > 40_000
    assert set(parsed) == reference


def test_markup_quotes_newlines_and_separators_survive(tmp_path: Path) -> None:
    title = "A \"quoted\" \\ back</script><!-- title\nwith\ttabs\u2028and\u2029 \U0001f680 'end'"
    sentence = 'We use "GPT-4" <b>here</b>.\u2028Really.'
    graph = _graph(
        Extraction(
            Paper(
                title,
                sentence + " More.",
                date="Feb 29, 2024",
                url="https://arxiv.org/abs/1?a=1&b=<2>",
            ),
            (
                Mention(
                    "GPT-4",
                    EntityType.MODEL,
                    aliases=('G"4\n',),
                    sentence=sentence,
                    start=len(title) + 10,
                    end=len(title) + 15,
                ),
            ),
        )
    )
    paper = node_iri(OTHER_BASE, next(n for n in graph if n.startswith("paper:")))
    for name, output in RDF_FORMATS.items():
        target = tmp_path / output.name
        write_rdf(graph, target, OTHER_BASE, name)
        back = Graph().parse(target, format=RDFLIB_FORMAT[name])
        assert isomorphic(back, to_rdf(graph, OTHER_BASE)), name
        assert back.value(paper, DCTERMS.title) == Literal(title)
        (quote,) = back.subjects(RDF.type, OA.TextQuoteSelector)
        assert back.value(quote, OA.exact) == Literal("GPT-4")
        parts = (back.value(quote, part) for part in (OA.prefix, OA.exact, OA.suffix))
        assert "".join(map(str, parts)) == sentence
        assert Literal('G"4\n') in set(back.objects(None, SKOS.altLabel))
        assert back.value(paper, DCTERMS.date) == Literal("2024-02-29", datatype=XSD.date)
        assert back.value(paper, SCHEMA.url) is None, "not a valid IRI: left out"
        by_oxigraph = {t.object for t in ox.parse(path=target, format=output.format)}
        assert ox.Literal(title) in by_oxigraph


def test_entities_keep_labels_aliases_and_links(small_graph: nx.MultiDiGraph) -> None:
    rdf = to_rdf(small_graph)
    scan = node_iri(DEFAULT_BASE, "benchmark:scan")
    assert rdf.value(scan, SKOS.prefLabel) == Literal("SCAN")
    assert set(rdf.objects(scan, SKOS.altLabel)) == {Literal("Simplified CommAI Navigation")}
    assert rdf.value(scan, KG.paperCount) == Literal(2)
    assert len(set(rdf.subjects(KG.usesDataset, scan))) == 2
    task = next(n for n in small_graph if n.startswith("task:"))
    assert len(set(rdf.subjects(KG.introduces, node_iri(DEFAULT_BASE, task)))) == 1
    assert (node_iri(DEFAULT_BASE, task), RDF.type, KG.Task) in rdf
    # "Oct 28" has no year: kept as shown, no typed date
    assert len(set(rdf.objects(None, KG.dateText))) == 1
    assert not set(rdf.objects(None, DCTERMS.date))


# --- determinism and the base IRI -----------------------------------------------------------


def test_triples_come_in_one_sorted_order(seed_graph: nx.MultiDiGraph) -> None:
    """Vocabulary first, then subjects by IRI, each once; in a subject rdf:type first, then
    predicates by IRI, then objects by their N-Triples text."""
    order = [
        (
            not str(t.subject).startswith(f"<{VOCAB_IRI}"),
            t.subject.value,
            t.predicate != ox.NamedNode(str(RDF.type)),
            t.predicate.value,
            str(t.object),
        )
        for t in triples(seed_graph)
    ]
    assert order == sorted(order)
    assert len(order) == len(set(order))


def test_insertion_order_does_not_change_the_bytes(
    seed_graph: nx.MultiDiGraph, seed_files: Path, tmp_path: Path
) -> None:
    reversed_graph = nx.MultiDiGraph()
    reversed_graph.add_nodes_from(reversed(list(seed_graph.nodes(data=True))))
    reversed_graph.add_edges_from(reversed(list(seed_graph.edges(keys=True, data=True))))
    for name, output in RDF_FORMATS.items():
        write_rdf(reversed_graph, tmp_path / output.name, DEFAULT_BASE, name)
        assert (tmp_path / output.name).read_bytes() == (seed_files / output.name).read_bytes(), (
            name
        )


def test_same_input_same_bytes_across_hash_seeds(tmp_path: Path) -> None:
    outputs = []
    for seed in ("1", "2"):
        out = tmp_path / f"out-{seed}"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        argv = [sys.executable, "-m", "kgraph", "-q", "build", str(TRICKY), str(JSONL)]
        argv += ["--out", str(out), "--rdf-format", "nt,jsonld"]
        subprocess.run(argv, env=env, check=True, cwd=tmp_path, timeout=300)
        outputs.append({name: (out / o.name).read_bytes() for name, o in RDF_FORMATS.items()})
    assert outputs[0] == outputs[1]
    assert all(len(content) > 10_000 for content in outputs[0].values())


def test_base_is_honoured(small_graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    target = tmp_path / "graph.ttl"
    write_turtle(small_graph, target, OTHER_BASE)
    assert DEFAULT_BASE not in target.read_text(encoding="utf-8")
    rdf = Graph().parse(target, format="turtle")
    standard = ("http://www.w3.org/", "https://schema.org/", "http://purl.org/", VOCAB_IRI)
    elsewhere = set(rdf.objects(None, SKOS.exactMatch))  # Papers with Code pages
    ours = {
        term
        for triple in rdf
        for term in triple
        if isinstance(term, URIRef) and not str(term).startswith(standard) and term not in elsewhere
    }
    assert len(ours) > 20
    assert {term for term in ours if not str(term).startswith(OTHER_BASE)} == set()


# --- the command line -----------------------------------------------------------------------


def test_cli_writes_the_rdf_formats_asked_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    argv = ["build", str(TRICKY), "--out", str(out), "--base", OTHER_BASE]
    assert main([*argv, "--rdf-format", "nt", "--rdf-format", "jsonld"]) == 0
    printed = capsys.readouterr().out
    for name in ("graph.ttl", "graph.nt", "graph.jsonld"):
        assert f"wrote     {out / name}" in printed
    counts = {
        name: len(Graph().parse(out / o.name, format=RDFLIB_FORMAT[name]))
        for name, o in RDF_FORMATS.items()
    }
    assert len(set(counts.values())) == 1
    assert counts["ttl"] > 30
    assert DEFAULT_BASE.encode() not in (out / "graph.nt").read_bytes()
    assert OTHER_BASE.encode() in (out / "graph.nt").read_bytes()


def test_cli_comma_list_and_a_later_add_keeps_every_format_current(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["-q", "build", str(TRICKY), "--out", str(out), "--rdf-format", "jsonld,nt"]) == 0
    before = len(Graph().parse(out / "graph.nt", format="nt"))
    assert main(["-q", "add", str(JSONL), "--out", str(out)]) == 0
    after = {
        name: len(Graph().parse(out / o.name, format=RDFLIB_FORMAT[name]))
        for name, o in RDF_FORMATS.items()
    }
    assert after["nt"] > before, "graph.nt follows graph.ttl"
    assert len(set(after.values())) == 1
    urls = set(Graph().parse(out / "graph.nt", format="nt").objects(None, SCHEMA.url))
    assert URIRef("https://arxiv.org/abs/2307.13883") in urls


def test_cli_without_the_option_writes_turtle_only(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["-q", "build", str(TRICKY), "--out", str(out)]) == 0
    assert not (out / "graph.nt").exists()
    assert not (out / "graph.jsonld").exists()
    assert (out / "graph.ttl").stat().st_size > 0


def test_a_graph_nt_that_no_build_left_is_not_overwritten(tmp_path: Path) -> None:
    # a folder with the user's graph.nt and no earlier build: it was overwritten
    out = tmp_path / "out"
    out.mkdir()
    (out / "graph.nt").write_text("my notes")
    assert main(["-q", "build", str(TRICKY), "--out", str(out)]) == 0
    assert (out / "graph.nt").read_text() == "my notes"
    assert not (out / "graph.jsonld").exists()


@pytest.mark.parametrize("value", ["xml", "nt,rdfxml", "turtle"])
def test_cli_rejects_an_unknown_format_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    out = tmp_path / "out"
    assert main(["build", str(TRICKY), "--out", str(out), "--rdf-format", value]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("kgraph: error: --rdf-format '")
    assert "unknown RDF format" in lines[0]
    assert not out.exists(), "nothing is extracted or written"
