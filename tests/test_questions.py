"""`kgraph shared`, `related`, `stats` and `show` on the seeds' build and a hand-made graph.

Answers are checked against what they claim, computed independently: the papers' own text,
and the networkx graph of the same build.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from kgraph.build import BuildOptions, write_outputs
from kgraph.cli import main
from kgraph.export.graphml import read_graphml
from kgraph.graph import PAPER
from kgraph.model import Extraction, Paper

ENGINES = ["rdflib", "oxigraph"]
# The engine that answers on the seeds' 3 MB graph by default ("auto": Oxigraph above 1 MB);
# test_engines_give_the_same_answers holds rdflib to the same answers.
SEEDS_ENGINE = "oxigraph"
ANNOTATED = Path(__file__).resolve().parent / "data" / "questions" / "annotated.ttl"
USES = {
    "benchmark": "usesDataset",
    "model": "usesModel",
    "method": "usesMethod",
    "task": "usesTask",
    "metric": "usesMetric",
}


@pytest.fixture(scope="module")
def seeds_build(
    seed_extractions: list[Extraction], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    out = tmp_path_factory.mktemp("questions") / "output"
    write_outputs(seed_extractions, BuildOptions(out=out, progress=False))
    return out


@pytest.fixture(scope="module")
def nx_graph(seeds_build: Path) -> nx.MultiDiGraph:
    return read_graphml(seeds_build / "graph.graphml")


@pytest.fixture(scope="module")
def texts(seed_papers: list[Paper]) -> dict[str, str]:
    return {p.id: f"{p.title} {p.abstract}".casefold() for p in seed_papers}


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    status, out, err = _run(capsys, *argv, "--format", "json")
    assert (status, err) == (0, "")
    return json.loads(out)


def _ask(capsys: pytest.CaptureFixture[str], build: Path, engine: str, *argv: str) -> Any:
    return _json(capsys, *argv, "--graph", str(build / "graph.ttl"), "--engine", engine)


def _papers_of(graph: nx.MultiDiGraph) -> dict[tuple[str, str], set[str]]:
    """(label, type) of each entity -> ids of the papers linked to it, from networkx."""
    return {
        (data["label"], data["kind"]): {
            graph.nodes[p]["paper_id"] for p in graph.predecessors(node)
        }
        for node, data in graph.nodes(data=True)
        if data["kind"] != PAPER
    }


def _entities_of(graph: nx.MultiDiGraph) -> dict[str, set[tuple[str, str]]]:
    """Paper id -> (label, type) of its entities, from networkx."""
    return {
        data["paper_id"]: {
            (graph.nodes[e]["label"], graph.nodes[e]["kind"]) for e in graph.successors(node)
        }
        for node, data in graph.nodes(data=True)
        if data["kind"] == PAPER
    }


# --- shared ------------------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_shared_benchmarks_are_really_in_the_papers(
    seeds_build: Path,
    texts: dict[str, str],
    engine: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    answer = _ask(capsys, seeds_build, engine, "shared", "--type", "benchmark")
    by_name = {item["name"]: item for item in answer}
    assert len(by_name["SCAN"]["papers"]) >= 5
    assert len(by_name["HumanEval"]["papers"]) >= 4
    assert {item["type"] for item in answer} == {"benchmark"}
    for item in answer:
        names = [n.casefold() for n in (item["name"], *item["aliases"])]
        for paper in item["papers"]:
            text = texts[paper["id"]]
            assert any(n in text for n in names), (item["name"], paper["title"])
    counts = [len(item["papers"]) for item in answer]
    assert min(counts) >= 2
    ranking = [(-len(i["papers"]), i["name"].casefold(), i["name"]) for i in answer]
    assert ranking == sorted(ranking), "most shared first, then by name"


def test_shared_json_schema(seeds_build: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answer = _ask(capsys, seeds_build, SEEDS_ENGINE, "shared")
    assert {item["type"] for item in answer} >= {"benchmark", "model", "method", "task"}
    for item in answer:
        assert set(item) == {"name", "type", "aliases", "url", "papers"}
        assert isinstance(item["name"], str)
        assert item["name"]
        assert all(isinstance(a, str) and a for a in item["aliases"])
        assert item["url"] is None or item["url"].startswith("https://paperswithcode.com/")
        for paper in item["papers"]:
            assert set(paper) == {"title", "id", "introduced"}
            assert isinstance(paper["introduced"], bool)
        ids = [p["id"] for p in item["papers"]]
        assert len(ids) == len(set(ids)), "each paper once"
    assert any(p["introduced"] for item in answer for p in item["papers"])
    assert any(item["url"] for item in answer)


def test_shared_counts_agree_with_networkx(
    seeds_build: Path, nx_graph: nx.MultiDiGraph, capsys: pytest.CaptureFixture[str]
) -> None:
    answer = _ask(capsys, seeds_build, SEEDS_ENGINE, "shared", "--min-papers", "1")
    expected = _papers_of(nx_graph)
    assert {(i["name"], i["type"]) for i in answer} == set(expected)
    for item in answer:
        assert {p["id"] for p in item["papers"]} == expected[item["name"], item["type"]]
    introducers = {
        (nx_graph.nodes[e]["label"], nx_graph.nodes[e]["kind"], nx_graph.nodes[p]["paper_id"])
        for p, e, key in nx_graph.edges(keys=True)
        if key == "introduces"
    }
    assert {
        (i["name"], i["type"], p["id"]) for i in answer for p in i["papers"] if p["introduced"]
    } == introducers


def test_min_papers_and_top(seeds_build: Path, capsys: pytest.CaptureFixture[str]) -> None:
    two = _ask(capsys, seeds_build, SEEDS_ENGINE, "shared", "--type", "model")
    three = _ask(
        capsys, seeds_build, SEEDS_ENGINE, "shared", "--type", "model", "--min-papers", "3"
    )
    assert all(len(i["papers"]) >= 3 for i in three)
    assert three == [i for i in two if len(i["papers"]) >= 3]
    assert len(three) < len(two)
    top = _ask(capsys, seeds_build, SEEDS_ENGINE, "shared", "--type", "model", "--top", "4")
    assert top == two[:4]


def test_shared_csv_and_table(seeds_build: Path, capsys: pytest.CaptureFixture[str]) -> None:
    graph = str(seeds_build / "graph.ttl")
    answer = _ask(capsys, seeds_build, SEEDS_ENGINE, "shared", "--type", "benchmark")
    status, out, _ = _run(
        capsys, "shared", "--type", "benchmark", "--format", "csv", "--graph", graph
    )
    assert status == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == sum(len(i["papers"]) for i in answer)
    assert {(r["name"], r["paper_id"]) for r in rows} == {
        (i["name"], p["id"]) for i in answer for p in i["papers"]
    }
    status, out, _ = _run(capsys, "shared", "--type", "benchmark", "--graph", graph)
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["ENTITY", "TYPE", "PAPERS"]
    assert len(lines) == len(answer) + 1
    scan = next(line for line in lines if line.startswith("SCAN "))
    assert scan.split()[1:3] == ["benchmark", str(len(answer[0]["papers"]))]


# --- related -----------------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_related_papers_truly_share_entities(
    seeds_build: Path,
    nx_graph: nx.MultiDiGraph,
    engine: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    entities = _entities_of(nx_graph)
    # the paper with the most entities shared with any other, found here from networkx
    paper = max(
        sorted(entities),
        key=lambda p: max(len(entities[p] & entities[q]) for q in entities if q != p),
    )
    answer = _ask(capsys, seeds_build, engine, "related", paper, "--top", "50")
    assert answer["paper"]["id"] == paper
    related = answer["related"]
    assert related
    sizes = {q: len(entities[paper] & entities[q]) for q in entities if q != paper}
    for item in related:
        shared = {(e["name"], e["type"]) for e in item["shared"]}
        assert shared == entities[paper] & entities[item["id"]]
    counts = [len(item["shared"]) for item in related]
    assert counts == sorted(counts, reverse=True)
    assert counts[0] == max(sizes.values()) >= 2
    sharing = sum(1 for size in sizes.values() if size)
    assert len(related) == min(50, sharing)


def test_related_finds_a_paper_by_title_or_part(
    seeds_build: Path, seed_papers: list[Paper], capsys: pytest.CaptureFixture[str]
) -> None:
    paper = next(p for p in seed_papers if p.title.startswith("Generalization without system"))
    for wanted in (paper.title.upper(), paper.id, "without systematicity: on the compos"):
        answer = _ask(capsys, seeds_build, SEEDS_ENGINE, "related", wanted, "--top", "3")
        assert answer["paper"] == {"title": paper.title, "id": paper.id}
        assert "SCAN" in {e["name"] for e in answer["related"][0]["shared"]}


# --- stats -------------------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_stats_agree_with_networkx(
    seeds_build: Path,
    nx_graph: nx.MultiDiGraph,
    engine: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    answer = _ask(capsys, seeds_build, engine, "stats")
    kinds = Counter(kind for _, kind in nx_graph.nodes(data="kind"))
    assert answer["papers"] == kinds.pop(PAPER) == 400
    assert answer["entities"] == {**kinds, "total": sum(kinds.values())}
    links = Counter(
        "introduces" if key == "introduces" else USES[nx_graph.nodes[e]["kind"]]
        for _, e, key in nx_graph.edges(keys=True)
    )
    assert answer["links"] == {**links, "total": nx_graph.number_of_edges()}
    largest = max(nx.connected_components(nx_graph.to_undirected()), key=len)
    assert answer["largest_component"] == len(largest)
    assert answer["largest_component_papers"] == sum(
        1 for n in largest if nx_graph.nodes[n]["kind"] == PAPER
    )
    assert answer["papers_without_entities"] == sum(
        1 for n, kind in nx_graph.nodes(data="kind") if kind == PAPER and not nx_graph.degree(n)
    )
    degree = {
        (nx_graph.nodes[n]["label"], kind): len(set(nx_graph.predecessors(n)))
        for n, kind in nx_graph.nodes(data="kind")
        if kind != PAPER
    }
    most = answer["most_connected"]
    assert len(most) == 10
    for item in most:
        assert item["papers"] == degree[item["name"], item["type"]]
    assert most[0]["papers"] == max(degree.values())
    assert most[-1]["papers"] == sorted(degree.values(), reverse=True)[9]


# --- show --------------------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_show_gives_the_evidence_sentences(engine: str, capsys: pytest.CaptureFixture[str]) -> None:
    graph = ["--graph", str(ANNOTATED), "--engine", engine]
    answer = _json(capsys, "show", "Simplified CommAI Navigation", *graph)
    assert answer["iri"] == "https://w3id.org/kgraph/id/benchmark/scan"
    assert answer["url"] == "https://paperswithcode.com/dataset/scan"
    assert answer["aliases"] == ["Simplified CommAI Navigation"]
    assert answer["papers"] == [
        {
            "title": "Generalization without systematicity",
            "id": "aaaaaaaaaaa1",
            "relation": "introduces",
            "property": "introduces",
            "sentences": [
                "We introduce the SCAN domain, consisting of a set of simple "
                "compositional navigation commands."
            ],
        },
        {
            "title": "Compositional generalization with large language models",
            "id": "aaaaaaaaaaa2",
            "relation": "uses",
            "property": "usesDataset",
            "sentences": ["We evaluate on SCAN and COGS."],
        },
        {
            "title": "Generalization without systematicity",
            "id": "aaaaaaaaaaa1",
            "relation": "uses",
            "property": "usesDataset",
            "sentences": [],
        },
    ]
    status, out, _ = _run(capsys, "show", "scan", "--type", "benchmark", *graph)
    assert status == 0
    assert '"We evaluate on SCAN and COGS."' in out
    assert "wrong link" not in out


@pytest.mark.parametrize("engine", ENGINES)
def test_show_by_iri_or_variant(engine: str, capsys: pytest.CaptureFixture[str]) -> None:
    graph = ["--graph", str(ANNOTATED), "--engine", engine]
    iri = "https://w3id.org/kgraph/id/method/scan"
    assert _json(capsys, "show", iri, *graph)["name"] == "SCAN"
    assert _json(capsys, "show", f"<{iri}>", *graph)["type"] == "method"
    gpt4 = _json(capsys, "show", "gpt4", *graph)
    assert (gpt4["name"], gpt4["papers"][0]["sentences"]) == ("GPT-4", [])


def test_show_on_the_seeds_lists_every_paper(
    seeds_build: Path, nx_graph: nx.MultiDiGraph, capsys: pytest.CaptureFixture[str]
) -> None:
    answer = _ask(capsys, seeds_build, SEEDS_ENGINE, "show", "humaneval")
    assert answer["name"] == "HumanEval"
    assert {p["id"] for p in answer["papers"]} == _papers_of(nx_graph)["HumanEval", "benchmark"]


def test_engines_give_the_same_answers(
    seeds_build: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    questions = [
        ["shared", "--min-papers", "1"],
        ["related", "compositional generalization for natural language interfaces"],
        ["stats", "--top", "25"],
        ["show", "GPT-4"],
    ]
    for argv in questions:
        assert _ask(capsys, seeds_build, "oxigraph", *argv) == _ask(
            capsys, seeds_build, "rdflib", *argv
        )


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["stats", "--graph", "nope/graph.ttl"], "no such graph file"),
        (["show", "scan", "--graph", str(ANNOTATED)], "give --type benchmark|method"),
        (
            ["show", "transformer", "--graph", str(ANNOTATED)],
            "no entity 'transformer' in the graph",
        ),
        (["show", "GPT-4", "--type", "method", "--graph", str(ANNOTATED)], "of type method"),
        (["show", "https://example.org/x", "--graph", str(ANNOTATED)], "no entity <https"),
        (["related", "generalization", "--graph", str(ANNOTATED)], "matches 2 papers"),
        (["related", "quantum chemistry", "--graph", str(ANNOTATED)], "no paper matches"),
    ],
)
def test_errors_are_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = _run(capsys, *argv)
    assert status == 2
    assert out == ""
    assert err.startswith("kgraph: error: ")
    assert err.count("\n") == 1
    assert message in err


@pytest.mark.parametrize("engine", ENGINES)
def test_a_paper_that_introduces_and_uses_is_counted_once(
    engine: str, capsys: pytest.CaptureFixture[str]
) -> None:
    graph = ["--graph", str(ANNOTATED), "--engine", engine]
    answer = _json(capsys, "shared", "--min-papers", "1", *graph)
    assert [(i["name"], i["type"], len(i["papers"])) for i in answer] == [
        ("SCAN", "benchmark", 2),
        ("GPT-4", "model", 1),
        ("SCAN", "method", 1),
    ]
    assert answer[0]["papers"] == [
        {"title": "Generalization without systematicity", "id": "aaaaaaaaaaa1", "introduced": True},
        {
            "title": "Compositional generalization with large language models",
            "id": "aaaaaaaaaaa2",
            "introduced": False,
        },
    ]
    stats = _json(capsys, "stats", *graph)
    assert stats["links"]["introduces"] == stats["links"]["usesDataset"] == 2
    assert stats["most_connected"][0] == {"name": "SCAN", "type": "benchmark", "papers": 2}
    assert (stats["papers_without_entities"], stats["largest_component"]) == (1, 4)


def test_a_paper_that_shares_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _run(capsys, "related", "images", "--graph", str(ANNOTATED))
    assert status == 0
    assert out.splitlines() == [
        "Learning to classify images without labels (aaaaaaaaaaa3)",
        "no other paper shares an entity with it",
    ]


def test_no_match_lists_candidates(seeds_build: Path, capsys: pytest.CaptureFixture[str]) -> None:
    graph = ["--graph", str(seeds_build)]
    status, _, err = _run(capsys, "related", "compositional", *graph)
    assert status == 2
    assert "matches" in err
    assert err.count('" (') == 5, "five candidates, then how many more"
    assert err.count("\n") == 1
    status, _, err = _run(capsys, "related", "systematicity of the humaneval zebra", *graph)
    assert status == 2
    assert "closest: " in err
    assert "Generalization without systematicity" in err
    status, _, err = _run(capsys, "show", "humaneva", *graph)
    assert (status, err.count("\n")) == (2, 1)
    assert "similar: HumanEval (benchmark)" in err
