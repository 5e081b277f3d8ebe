"""Opening a built graph: both stores give the same triples; every failure is one clear line."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest
from rdflib import Graph, Literal
from rdflib.compare import isomorphic
from rdflib.namespace import XSD

from kgraph.errors import KgraphError
from kgraph.export.rdf import write_turtle
from kgraph.store import choose_engine, load_graph


@pytest.fixture
def small_ttl(small_graph: nx.MultiDiGraph, tmp_path: Path) -> Path:
    target = tmp_path / "graph.ttl"
    write_turtle(small_graph, target)
    return target


def _plain(graph: Graph) -> Graph:
    """``graph`` with ``"x"^^xsd:string`` written as ``"x"``: RDF 1.1 says they are the same."""
    plain = Graph()
    for s, p, o in graph:
        if isinstance(o, Literal) and o.datatype == XSD.string:
            o = Literal(str(o))
        plain.add((s, p, o))
    return plain


def test_both_engines_load_the_same_graph(small_ttl: Path) -> None:
    by_rdflib = load_graph(small_ttl, "rdflib")
    by_oxigraph = load_graph(small_ttl, "oxigraph")
    assert len(by_rdflib) > 20
    assert isomorphic(by_rdflib, _plain(by_oxigraph))


def test_a_folder_means_its_graph_ttl(small_ttl: Path) -> None:
    assert len(load_graph(small_ttl.parent)) == len(load_graph(small_ttl))


def test_auto_picks_by_size(small_ttl: Path) -> None:
    assert choose_engine(small_ttl) == "rdflib"
    assert choose_engine(small_ttl, "oxigraph") == "oxigraph"
    with pytest.raises(KgraphError, match="unknown engine 'jena'"):
        choose_engine(small_ttl, "jena")


@pytest.mark.parametrize("engine", ["rdflib", "oxigraph"])
def test_broken_turtle_is_one_line(tmp_path: Path, engine: str) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b\n", encoding="utf-8")
    with pytest.raises(KgraphError) as caught:
        load_graph(bad, engine)
    assert str(caught.value).startswith(f"{bad}: not valid RDF:")
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("engine", ["rdflib", "oxigraph"])
def test_turtle_cut_short_anywhere_is_one_line(
    small_ttl: Path, tmp_path: Path, engine: str
) -> None:
    # rdflib's Turtle parser failed with IndexError or AssertionError at about half the cuts
    text = small_ttl.read_bytes()
    errors = {}
    for cut in range(200, len(text), max(1, len(text) // 150)):
        bad = tmp_path / "cut.ttl"
        bad.write_bytes(text[:cut])
        try:
            load_graph(bad, engine)
        except KgraphError as exc:
            errors[cut] = str(exc)
    assert errors, "some cut makes the file invalid"
    assert all(error.startswith(f"{bad}: not valid RDF:") for error in errors.values())


@pytest.mark.parametrize("engine", ["rdflib", "oxigraph"])
def test_turtle_named_nt_is_one_line(small_ttl: Path, tmp_path: Path, engine: str) -> None:
    misnamed = tmp_path / "graph.nt"
    misnamed.write_bytes(small_ttl.read_bytes())
    with pytest.raises(KgraphError, match=r"graph\.nt: not valid RDF: "):
        load_graph(misnamed, engine)


def test_missing_and_unknown_files(tmp_path: Path) -> None:
    with pytest.raises(KgraphError, match="no such graph file"):
        load_graph(tmp_path / "nope.ttl")
    notes = tmp_path / "notes.txt"
    notes.write_text("hello", encoding="utf-8")
    with pytest.raises(KgraphError, match="cannot tell the RDF format"):
        load_graph(notes)
