"""Opening a built graph: every engine gives the same triples; the build's store is used only
when whole and current, and rebuilt otherwise; every failure is one clear line."""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path

import networkx as nx
import pytest

import kgraph.store
from kgraph.cli import main
from kgraph.errors import KgraphError
from kgraph.export.rdf import write_turtle
from kgraph.query import Answer, Source, run_query
from kgraph.store import (
    MARKER_FILE,
    STORE_DIR,
    TURTLE_FILE,
    OxigraphGraph,
    RdflibGraph,
    choose_engine,
    load_graph,
    open_graph,
    open_store,
    stale_reason,
    write_store,
)


@pytest.fixture
def small_ttl(small_graph: nx.MultiDiGraph, tmp_path: Path) -> Path:
    target = tmp_path / "graph.ttl"
    write_turtle(small_graph, target)
    return target


EVERYTHING = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o"


def _everything(graph: Source) -> Answer:
    return run_query(graph, EVERYTHING)


def test_both_engines_load_the_same_graph(small_ttl: Path) -> None:
    by_rdflib = _everything(load_graph(small_ttl, "rdflib"))
    by_oxigraph = _everything(load_graph(small_ttl, "oxigraph"))
    assert len(by_rdflib.rows) > 20
    assert by_rdflib.rows == by_oxigraph.rows


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


# --- the store a build writes beside graph.ttl ----------------------------------------------


@pytest.fixture
def build(small_ttl: Path) -> Path:
    """A build folder: graph.ttl and the store written from it."""
    write_store(small_ttl)
    return small_ttl.parent


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def test_a_build_folder_and_its_store_folder_are_answered_from_the_store(
    build: Path, caplog: pytest.LogCaptureFixture
) -> None:
    expected = _everything(load_graph(build / TURTLE_FILE, "rdflib"))
    for path in (build, build / STORE_DIR):
        graph = open_graph(path)
        assert isinstance(graph, OxigraphGraph)
        assert _everything(graph).rows == expected.rows
        assert graph.triples() == len(expected.rows)
    assert _warnings(caplog) == []
    marker = json.loads((build / STORE_DIR / MARKER_FILE).read_text())
    assert marker["size"] == (build / TURTLE_FILE).stat().st_size
    assert marker["prefixes"]["benchmark"] == "https://w3id.org/kgraph/id/benchmark/"


def test_a_file_given_is_parsed_even_beside_a_store(build: Path) -> None:
    assert isinstance(open_graph(build / TURTLE_FILE, "oxigraph"), OxigraphGraph)
    assert isinstance(open_graph(build / TURTLE_FILE), RdflibGraph)  # small: rdflib
    assert isinstance(open_graph(build, "rdflib"), RdflibGraph)


def _stale(build: Path, how: str) -> None:
    marker = build / STORE_DIR / MARKER_FILE
    if how == "no marker":  # a build killed while loading the store
        marker.unlink()
    elif how == "other kgraph":
        data = json.loads(marker.read_text())
        marker.write_text(json.dumps({**data, "kgraph": "0.0.1"}))
    elif how == "new graph.ttl":
        with (build / TURTLE_FILE).open("a") as handle:
            handle.write("<urn:x:a> <urn:x:b> <urn:x:c> .\n")


@pytest.mark.parametrize(
    ("how", "says"),
    [
        ("no marker", "the store is incomplete"),
        ("other kgraph", "the store is from kgraph 0.0.1"),
        ("new graph.ttl", "graph.ttl has changed since the store was written"),
    ],
)
def test_a_stale_store_is_rebuilt_from_graph_ttl_and_says_so(
    build: Path, caplog: pytest.LogCaptureFixture, how: str, says: str
) -> None:
    _stale(build, how)
    graph = open_graph(build)
    assert isinstance(graph, OxigraphGraph)
    assert _everything(graph).rows == _everything(load_graph(build / TURTLE_FILE, "rdflib")).rows
    (warning,) = _warnings(caplog)
    assert warning.startswith(f"building {build / STORE_DIR} from {build / TURTLE_FILE}: ")
    assert says in warning
    assert stale_reason(build / STORE_DIR, build / TURTLE_FILE) is None


def test_a_copied_folder_keeps_its_store(build: Path, caplog: pytest.LogCaptureFixture) -> None:
    turtle = build / TURTLE_FILE
    os.utime(turtle, ns=(0, 0))  # cp without -p: the same bytes, another time
    assert stale_reason(build / STORE_DIR, turtle) is None
    assert isinstance(open_graph(build), OxigraphGraph)
    assert _warnings(caplog) == []
    turtle.write_bytes(turtle.read_bytes().replace(b"SCAN", b"SCAM"))  # same size, new text
    assert (
        stale_reason(build / STORE_DIR, turtle)
        == f"{TURTLE_FILE} has changed since the store was written"
    )


def test_a_store_that_cannot_be_rebuilt_falls_back_to_the_turtle(
    build: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    _stale(build, "no marker")

    def full(turtle: Path, target: Path | None = None) -> Path:
        raise KgraphError(f"{target}: cannot write the store (No space left on device)")

    monkeypatch.setattr(kgraph.store, "write_store", full)
    graph = open_graph(build)
    assert _everything(graph).rows == _everything(load_graph(build / TURTLE_FILE, "rdflib")).rows
    assert _warnings(caplog)[1] == (
        f"{build / STORE_DIR}: cannot write the store (No space left on device); "
        f"parsing {build / TURTLE_FILE} instead"
    )


def test_the_old_store_stays_until_the_new_one_is_whole(build: Path, tmp_path: Path) -> None:
    before = _everything(open_graph(build))
    broken = build / TURTLE_FILE
    broken.write_text(broken.read_text()[:-200])
    with pytest.raises(KgraphError, match="not valid RDF"):
        write_store(broken, build / STORE_DIR)
    assert _everything(open_store(build / STORE_DIR)) == before
    assert sorted(p.name for p in build.iterdir()) == [STORE_DIR, TURTLE_FILE]


def test_a_killed_writers_folder_is_removed_by_the_next_write(build: Path) -> None:
    dead = build / f".{STORE_DIR}.kgraph-999999999-abcdefgh"  # no such process
    alive = build / f".{STORE_DIR}.kgraph-1-abcdefgh"  # pid 1 is running
    for folder in (dead, alive):
        folder.mkdir()
        (folder / "000004.log").write_text("half a database")
    write_store(build / TURTLE_FILE)
    assert not dead.exists()
    assert alive.exists()


def test_cli_errors_about_the_store_are_one_line(
    build: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for path, says in [
        (tmp_path / "nothing", "no graph there"),
        (tmp_path / "nothing" / STORE_DIR, "no graph there"),
    ]:
        assert main(["query", "--graph", str(path), "ASK {}"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1
        assert says in err
    # a marker, but the database itself is gone
    for entry in (build / STORE_DIR).iterdir():
        if entry.name != MARKER_FILE:
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    assert main(["query", "--graph", str(build), "ASK {}"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "cannot open the store" in err
