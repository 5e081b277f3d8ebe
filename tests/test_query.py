"""kgraph query: the named queries answer what they say on a small graph and on the seeds, with
either engine; JSON and CSV are what Oxigraph itself writes; every error is one line."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from itertools import combinations
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

from kgraph.cli import main
from kgraph.export.rdf import write_turtle
from kgraph.graph import ALIAS_SEPARATOR, PAPER, build_graph
from kgraph.model import EntityType, Extraction, Mention, Paper
from kgraph.query import (
    Answer,
    QueryError,
    UpdateRefused,
    check_query,
    named_queries,
    named_query,
    run_query,
    to_table,
)
from kgraph.resolve import resolve
from kgraph.store import load_graph, open_graph, write_store

ENGINES = ("rdflib", "oxigraph")
QUOTED = 'O\'Brien "QA" {set}'
SCAN_PAPER = "https://w3id.org/kgraph/id/paper/5a34093f7e32"
# arguments to run each shipped query with, on the seeds
SEED_ARGS: dict[str, tuple[str, ...]] = {
    "papers-using": ("ScAn",),
    "shared-entities": ("2",),
    "related-papers": (SCAN_PAPER,),
    "entity-evidence": ("https://w3id.org/kgraph/id/benchmark/scan",),
}


def _mention(
    name: str, kind: EntityType, introduced: bool = False, aliases: tuple[str, ...] = ()
) -> Mention:
    return Mention(name, kind, introduced=introduced, aliases=aliases, sentence=f"We study {name}.")


@pytest.fixture(scope="module")
def small_ttl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four papers: two share SCAN and the models GPT-4 and LLaMA, one introduces a model,
    one a task; a benchmark whose name has quotes and braces."""
    b, m, t = EntityType.BENCHMARK, EntityType.MODEL, EntityType.TASK
    extractions = [
        Extraction(
            Paper("Alpha", "We evaluate GPT-4 and LLaMA on SCAN."),
            (
                _mention("SCAN", b, aliases=("Simplified CommAI Navigation",)),
                _mention("GPT-4", m),
                _mention("LLaMA", m),
            ),
        ),
        Extraction(
            Paper("Beta", "We compare GPT-4, LLaMA and T5 on SCAN."),
            (_mention("SCAN", b), _mention("GPT-4", m), _mention("LLaMA", m), _mention("T5", m)),
        ),
        Extraction(
            Paper("Gamma", "We introduce Zeta-LM and compare it with GPT-4 on COGS."),
            (
                _mention("Zeta-LM", m, introduced=True),
                _mention("GPT-4", m),
                _mention("COGS", b),
                _mention(QUOTED, b),
            ),
        ),
        Extraction(
            Paper("Delta", "We introduce program repair."),
            (_mention("program repair", t, introduced=True),),
        ),
    ]
    target = tmp_path_factory.mktemp("small") / "graph.ttl"
    write_turtle(build_graph(extractions, resolve(extractions)), target)
    return target


@pytest.fixture(scope="module")
def seed_graph(seed_extractions: list[Extraction]) -> nx.MultiDiGraph:
    return build_graph(seed_extractions, resolve(seed_extractions))


@pytest.fixture(scope="module")
def seeds_ttl(seed_graph: nx.MultiDiGraph, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("seeds") / "graph.ttl"
    write_turtle(seed_graph, target)
    return target


def _run(path: Path, engine: str, name: str, *args: str) -> Answer:
    named = named_query(name)
    return run_query(load_graph(path, engine), named.text, named.bindings(args))


def _columns(answer: Answer, *names: str) -> list[tuple[str | None, ...]]:
    index = [answer.variables.index(n) for n in names]
    return [tuple(None if row[i] is None else row[i].value for i in index) for row in answer.rows]


# --- the named queries on a small graph, with both engines ---------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_shared_benchmarks_small(small_ttl: Path, engine: str) -> None:
    answer = _run(small_ttl, engine, "shared-benchmarks")
    assert _columns(answer, "benchmark_label", "papers", "titles") == [
        ("SCAN", "2", "Alpha | Beta")
    ]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("text", ["scan", "SIMPLIFIED commai navigation"])
def test_papers_using_matches_name_or_alias_in_any_case(
    small_ttl: Path, engine: str, text: str
) -> None:
    answer = _run(small_ttl, engine, "papers-using", text)
    assert _columns(answer, "entity_label", "relation", "title") == [
        ("SCAN", "uses dataset", "Alpha"),
        ("SCAN", "uses dataset", "Beta"),
    ]


@pytest.mark.parametrize("engine", ENGINES)
def test_papers_using_takes_text_as_data_not_sparql(small_ttl: Path, engine: str) -> None:
    assert _columns(_run(small_ttl, engine, "papers-using", QUOTED.lower()), "title") == [
        ("Gamma",)
    ]
    injected = 'x" ) } } ; DROP ALL ; SELECT * WHERE { ?s ?p ?o FILTER ("'
    assert _run(small_ttl, engine, "papers-using", injected).rows == ()


@pytest.mark.parametrize("engine", ENGINES)
def test_introduced_by_small(small_ttl: Path, engine: str) -> None:
    answer = _run(small_ttl, engine, "introduced-by")
    assert _columns(answer, "kind", "entity_label", "title") == [
        ("model", "Zeta-LM", "Gamma"),
        ("task", "program repair", "Delta"),
    ]


@pytest.mark.parametrize("engine", ENGINES)
def test_co_used_models_small(small_ttl: Path, engine: str) -> None:
    """Zeta-LM is introduced, not used, so it pairs with nothing."""
    answer = _run(small_ttl, engine, "co-used-models")
    assert _columns(answer, "model_label", "other_label", "papers") == [
        ("GPT-4", "LLaMA", "2"),
        ("GPT-4", "T5", "1"),
        ("LLaMA", "T5", "1"),
    ]


@pytest.mark.parametrize("engine", ENGINES)
def test_entity_aliases_small(small_ttl: Path, engine: str) -> None:
    answer = _run(small_ttl, engine, "entity-aliases")
    assert _columns(answer, "entity_label", "alias") == [("SCAN", "Simplified CommAI Navigation")]


# --- on the seeds: what the graph itself says, and both engines agree ----------------------


def _mentions(
    graph: nx.MultiDiGraph, kind: str, relations: Sequence[str] = ("uses", "introduces")
) -> dict[str, set[str]]:
    """entity node -> the papers linking to it with one of ``relations``."""
    found: dict[str, set[str]] = defaultdict(set)
    for paper, entity, relation in graph.edges(keys=True):
        if graph.nodes[entity]["kind"] == kind and relation in relations:
            found[entity].add(paper)
    return found


def _expected_shared(graph: nx.MultiDiGraph) -> set[tuple[str, int, str]]:
    nodes = graph.nodes
    return {
        (nodes[b]["label"], len(papers), " | ".join(sorted(nodes[p]["title"] for p in papers)))
        for b, papers in _mentions(graph, "benchmark").items()
        if len(papers) >= 2
    }


def _expected_co_used(graph: nx.MultiDiGraph) -> Counter[tuple[str, str]]:
    by_paper: dict[str, set[str]] = defaultdict(set)
    for model, papers in _mentions(graph, "model", ("uses",)).items():
        for paper in papers:
            by_paper[paper].add(model)
    pairs: Counter[tuple[str, str]] = Counter()
    for models in by_paper.values():
        # the query orders a pair by IRI, which follows the node key
        pairs.update(combinations(sorted(models, key=lambda n: n.partition(":")[2]), 2))
    labels = graph.nodes
    return Counter({(labels[a]["label"], labels[b]["label"]): n for (a, b), n in pairs.items()})


def test_named_queries_say_what_the_graph_says(
    seeds_ttl: Path, seed_graph: nx.MultiDiGraph
) -> None:
    """Each named query, on the seeds, against the same question asked of the networkx graph."""
    nodes = seed_graph.nodes

    shared = _run(seeds_ttl, "oxigraph", "shared-benchmarks")
    got = [
        (label, int(n), titles)
        for label, n, titles in _columns(shared, "benchmark_label", "papers", "titles")
    ]
    assert set(got) == _expected_shared(seed_graph)
    assert [n for _, n, _ in got] == sorted((n for _, n, _ in got), reverse=True)

    co_used = _run(seeds_ttl, "oxigraph", "co-used-models")
    pairs = Counter(
        {(a, b): int(n) for a, b, n in _columns(co_used, "model_label", "other_label", "papers")}
    )
    assert pairs == _expected_co_used(seed_graph)

    introduced = _run(seeds_ttl, "oxigraph", "introduced-by")
    expected = {
        (nodes[e]["kind"], nodes[e]["label"], nodes[p]["title"])
        for p, e, rel in seed_graph.edges(keys=True)
        if rel == "introduces"
    }
    assert set(_columns(introduced, "kind", "entity_label", "title")) == expected
    assert len(introduced.rows) == len(expected)

    aliases = _run(seeds_ttl, "oxigraph", "entity-aliases")
    expected_aliases = {
        (data["label"], alias)
        for _, data in seed_graph.nodes(data=True)
        if data["kind"] != PAPER
        for alias in filter(None, data.get("aliases", "").split(ALIAS_SEPARATOR))
    }
    assert set(_columns(aliases, "entity_label", "alias")) == expected_aliases


def test_scan_is_shared_by_papers_whose_abstracts_name_it(
    seeds_ttl: Path, seed_graph: nx.MultiDiGraph
) -> None:
    """The claim checked against the abstracts, not against a number copied from the output."""
    answer = _run(seeds_ttl, "rdflib", "shared-benchmarks")
    rows = {
        label: (int(n), titles)
        for label, n, titles in _columns(answer, "benchmark_label", "papers", "titles")
    }
    count, titles = rows["SCAN"]
    abstracts = {
        d["title"]: d["abstract"] for _, d in seed_graph.nodes(data=True) if d["kind"] == PAPER
    }
    listed = titles.split(" | ")
    assert count >= 5
    assert len(listed) == count
    for title in listed:
        assert re.search(r"\bSCAN\b", abstracts[title]), title
    by_name = _run(seeds_ttl, "rdflib", "papers-using", "scan")
    assert {t for (t,) in _columns(by_name, "title")} == set(listed)


def test_every_engine_and_the_store_answer_every_named_query_alike(seeds_ttl: Path) -> None:
    store = open_graph(write_store(seeds_ttl))  # the build's store, on disk, read-only
    for name, named in named_queries().items():
        args = SEED_ARGS.get(name, ())
        answers = [_run(seeds_ttl, engine, name, *args) for engine in ENGINES]
        answers.append(run_query(store, named.text, named.bindings(args)))
        assert answers[0].rows, name
        assert answers[0] == answers[1] == answers[2], name


# --- output formats: what pyoxigraph itself writes -----------------------------------------

_TYPED = """SELECT ?label (COUNT(?p) AS ?n) (LANG(?rel) AS ?l) ?rel WHERE {
  ?b a schema:Dataset ; skos:prefLabel ?label . ?p ?link ?b . ?link rdfs:label ?rel
} GROUP BY ?label ?rel ORDER BY DESC(?n) ?label ?rel LIMIT 20"""


def _oxigraph(
    path: Path,
    text: str,
    fmt: ox.QueryResultsFormat,
    bindings: dict[str, ox.Literal | ox.NamedNode],
) -> bytes:
    store = ox.Store()
    store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE)
    prefixes = {
        "schema": "https://schema.org/",
        "skos": "http://www.w3.org/2004/02/skos/core#",
        "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    }
    substitutions = {ox.Variable(k): v for k, v in bindings.items()}
    result = store.query(text, prefixes=prefixes, substitutions=substitutions)
    return result.serialize(format=fmt)  # type: ignore[union-attr,no-any-return]


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("name", "args"),
    [(name, SEED_ARGS.get(name, ())) for name in sorted(named_queries())],
)
def test_json_is_what_pyoxigraph_writes(
    seeds_ttl: Path,
    capsys: pytest.CaptureFixture[str],
    engine: str,
    name: str,
    args: tuple[str, ...],
) -> None:
    status, out, _ = _cli(
        capsys,
        "query",
        "--graph",
        str(seeds_ttl),
        "--engine",
        engine,
        "--format",
        "json",
        "--name",
        name,
        *args,
    )
    assert status == 0
    bindings = named_query(name).bindings(args)
    expected = json.loads(
        _oxigraph(seeds_ttl, named_query(name).text, ox.QueryResultsFormat.JSON, bindings)
    )
    assert json.loads(out) == expected


@pytest.mark.parametrize("engine", ENGINES)
def test_json_and_csv_of_typed_and_tagged_values(
    seeds_ttl: Path, capsys: pytest.CaptureFixture[str], engine: str
) -> None:
    """Integers keep xsd:integer, labels keep @en, plain strings stay plain; CSV byte for byte."""
    _, out, _ = _cli(
        capsys, "query", "--graph", str(seeds_ttl), "--engine", engine, "--format", "json", _TYPED
    )
    got = json.loads(out)
    assert got == json.loads(_oxigraph(seeds_ttl, _TYPED, ox.QueryResultsFormat.JSON, {}))
    first = got["results"]["bindings"][0]
    assert first["n"]["datatype"] == "http://www.w3.org/2001/XMLSchema#integer"
    assert first["rel"]["xml:lang"] == "en"
    assert "datatype" not in first["label"]
    _, out, _ = _cli(
        capsys, "query", "--graph", str(seeds_ttl), "--engine", engine, "--format", "csv", _TYPED
    )
    assert out.encode("utf-8") == _oxigraph(seeds_ttl, _TYPED, ox.QueryResultsFormat.CSV, {})


def test_ask_and_construct(small_ttl: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for engine in ENGINES:
        assert (
            _cli(
                capsys,
                "query",
                "--graph",
                str(small_ttl),
                "--engine",
                engine,
                "ASK { ?b a schema:Dataset }",
            )[1]
            == "true\n"
        )
        _, out, _ = _cli(
            capsys,
            "query",
            "--graph",
            str(small_ttl),
            "--engine",
            engine,
            "--format",
            "json",
            "ASK { ?b a <urn:x:none> }",
        )
        assert json.loads(out) == {"head": {}, "boolean": False}
    construct = (
        "CONSTRUCT { ?b skos:prefLabel ?l } WHERE { ?b a schema:Dataset ; skos:prefLabel ?l }"
    )
    graphs = []
    for engine in ENGINES:
        status, out, _ = _cli(
            capsys, "query", "--graph", str(small_ttl), "--engine", engine, construct
        )
        assert status == 0
        graphs.append(Graph().parse(data=out, format="turtle"))
    assert {str(o) for o in graphs[0].objects()} == {"SCAN", "COGS", QUOTED}
    assert all(isinstance(o, Literal) and o.datatype is None for o in graphs[1].objects())
    assert isomorphic(graphs[0], graphs[1])
    described = _cli(
        capsys, "query", "--graph", str(small_ttl), "DESCRIBE ?b WHERE { ?b skos:prefLabel 'SCAN' }"
    )[1]
    assert (
        None,
        URIRef("http://www.w3.org/2004/02/skos/core#altLabel"),
        Literal("Simplified CommAI Navigation"),
    ) in Graph().parse(data=described, format="turtle")


def test_table_is_aligned_shortened_and_fits(
    small_ttl: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    graph = load_graph(small_ttl)
    answer = run_query(
        graph,
        "SELECT ?type (COUNT(?s) AS ?n) ?s WHERE { ?s a ?type FILTER (?type != rdf:Property) } GROUP BY ?type ?s ORDER BY ?type ?s",
    )
    lines = to_table(answer, width=60).splitlines()
    assert lines[0].split() == ["type", "n", "s"]
    assert lines[-1] == f"{len(answer.rows)} rows"
    assert all(len(line) <= 60 for line in lines)
    assert any(line.startswith("schema:Dataset ") for line in lines)
    cut = [line.split()[-1] for line in lines[2:-1] if line.split()[-1].startswith("…")]
    iris = [row[2].value for row in answer.rows if row[2] is not None]
    assert cut
    # IRIs (or their prefixed names, "…tion:a29…") keep their end
    assert all(any(iri.endswith(c[1:].rpartition(":")[2]) for iri in iris) for c in cut)
    assert all(line.split()[1] == "1" for line in lines[2:-1])
    counts = {line.index("1") for line in lines[2:-1]}
    assert len(counts) == 1  # right-aligned in one column


# --- the command line: sources and one-line errors -----------------------------------------


def test_list_shows_every_query_with_its_description(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _cli(capsys, "query", "--list")
    assert status == 0
    lines = out.splitlines()
    assert [line.split()[0] for line in lines] == sorted(named_queries())
    assert {
        "shared-benchmarks",
        "papers-using",
        "introduced-by",
        "co-used-models",
        "entity-aliases",
        # the questions' queries
        "shared-entities",
        "related-papers",
        "entity-evidence",
        "graph-counts",
        "entity-names",
        "paper-titles",
    } == set(named_queries())
    assert any(line.startswith("papers-using ENTITY ") for line in lines)
    assert all(len(line.split()) > 3 for line in lines)


def test_file_stdin_and_show(
    small_ttl: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rq = tmp_path / "q.rq"
    rq.write_text(
        "SELECT ?l WHERE { ?b a schema:Dataset ; skos:prefLabel ?l } ORDER BY ?l", encoding="utf-8"
    )
    status, out, _ = _cli(
        capsys, "query", "--graph", str(small_ttl), "--format", "csv", "--file", str(rq)
    )
    assert (status, out) == (
        0,
        f'l\r\nCOGS\r\n"{QUOTED.replace(chr(34), 2 * chr(34))}"\r\nSCAN\r\n',
    )
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO(rq.read_text(encoding="utf-8")))
    assert (
        _cli(capsys, "query", "--graph", str(small_ttl), "--format", "csv", "--file", "-")[1] == out
    )
    assert (
        _cli(capsys, "query", "--name", "entity-aliases", "--show")[1]
        == named_query("entity-aliases").text
    )


ERRORS: list[tuple[list[str], str]] = [
    (["SELEC ?x"], "bad query: Expected"),
    (["SELECT ?x WHERE { ?x nope:p ?y }"], "nope"),
    (["INSERT DATA { <urn:a> <urn:b> <urn:c> }"], "read-only"),
    (["DELETE WHERE { ?s ?p ?o }"], "read-only"),
    (["LOAD <file:///etc/passwd>"], "read-only"),
    (
        ["SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"],
        "SERVICE is not supported",
    ),
    (["SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }"], "FROM and FROM NAMED"),
    (
        ["--name", "nope"],
        "no query named 'nope': the shipped queries are co-used-models, entity-aliases",
    ),
    (["--name", "papers-using"], "query papers-using needs ENTITY"),
    (["--name", "shared-benchmarks", "extra"], "takes 0 argument(s), got 1"),
    (["--file", "missing.rq"], "missing.rq: cannot read the query"),
    ([], "give a query"),
    (
        ["--format", "csv", "CONSTRUCT WHERE { ?s a schema:Dataset }"],
        "--format csv is for SELECT and ASK",
    ),
]


@pytest.mark.parametrize(("argv", "message"), ERRORS)
def test_errors_are_one_line(
    small_ttl: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    before = small_ttl.read_bytes()
    status, out, err = _cli(capsys, "query", "--graph", str(small_ttl), *argv)
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1, err
    assert err.startswith("kgraph: error: ")
    assert message in err
    assert small_ttl.read_bytes() == before


def test_missing_graph_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = _cli(capsys, "query", "--graph", str(tmp_path / "none.ttl"), "ASK {}")
    assert status == 2
    assert err.count("\n") == 1
    assert "no such graph file" in err


def test_an_update_never_reaches_the_store(small_ttl: Path) -> None:
    graph = load_graph(small_ttl, "oxigraph")
    size = graph.triples()
    for text in (
        "DROP ALL",
        "PREFIX x: <urn:x:> INSERT DATA { x:a x:b x:c }",
        "CLEAR DEFAULT ; LOAD <urn:x>",
    ):
        with pytest.raises(UpdateRefused):
            run_query(graph, text)
    assert len(graph.store) == size


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("SELECT * {}", "SELECT"),
        ("ASK {}", "ASK"),
        ("CONSTRUCT {} WHERE {}", "CONSTRUCT"),
        ("DESCRIBE <urn:x>", "CONSTRUCT"),
    ],
)
def test_check_query_kinds(text: str, kind: str) -> None:
    assert check_query(text) == kind


def test_query_error_is_a_kgraph_error() -> None:
    check: Callable[[str], str] = check_query
    with pytest.raises(QueryError, match=r"^bad query: "):
        check("SELECT ?x WHERE {")


@pytest.mark.parametrize("text", ["", "   \n"])
def test_an_empty_query_says_so(
    small_ttl: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    # was "error: : an update, and the graph is read-only"
    assert main(["query", "--graph", str(small_ttl), text]) == 2
    assert capsys.readouterr().err.splitlines() == ["kgraph: error: empty query"]
