"""kgraph serve: the SPARQL protocol over the seeds, started on a free port and stopped; updates
are refused and change nothing; slow queries are stopped; the command's errors are one line."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
import uvicorn
from rdflib import Graph

from kgraph.cli import main
from kgraph.export.rdf import write_turtle
from kgraph.graph import build_graph
from kgraph.model import Extraction
from kgraph.query import named_query, run_query, to_json
from kgraph.resolve import resolve
from kgraph.serve import QueryPool, allowed_hosts, create_app, listen, negotiate
from kgraph.store import load_graph

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
# every triple against every triple against every triple: far longer than any timeout here
ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def seeds_ttl(seed_extractions: list[Extraction], tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("serve") / "graph.ttl"
    write_turtle(build_graph(seed_extractions, resolve(seed_extractions)), target)
    return target


@pytest.fixture(scope="module")
def endpoint(seeds_ttl: Path) -> Iterator[str]:
    """The endpoint's base URL, served by uvicorn in a thread on a free port."""
    sock = listen("127.0.0.1", 0)
    pool = QueryPool(seeds_ttl, "oxigraph", timeout=3.0)
    app = create_app(pool, str(seeds_ttl), allowed_hosts("127.0.0.1"))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join(timeout=10)
    pool.close()
    sock.close()
    assert not thread.is_alive()


def _request(
    url: str, data: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, str, str]:
    """(status, media type, body) of a request; HTTP errors are answers too."""
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            media = response.headers.get_content_type()
            return response.status, media, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get_content_type(), error.read().decode("utf-8")


def _get(endpoint: str, query: str, accept: str = "") -> tuple[int, str, str]:
    url = f"{endpoint}/sparql?{urlencode({'query': query})}"
    return _request(url, headers={"Accept": accept} if accept else {})


def _post_form(endpoint: str, **fields: str) -> tuple[int, str, str]:
    body = urlencode(fields).encode()
    return _request(
        f"{endpoint}/sparql", body, {"Content-Type": "application/x-www-form-urlencoded"}
    )


def _triples(endpoint: str) -> int:
    status, _, body = _get(endpoint, COUNT)
    assert status == 200
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def test_get_post_and_body_give_the_same_json(endpoint: str, seeds_ttl: Path) -> None:
    query = named_query("shared-benchmarks").text
    expected = json.loads(to_json(run_query(load_graph(seeds_ttl, "rdflib"), query)))
    answers = [
        _get(endpoint, query),
        _post_form(endpoint, query=query),
        _request(
            f"{endpoint}/sparql", query.encode(), {"Content-Type": "application/sparql-query"}
        ),
    ]
    for status, media, body in answers:
        assert (status, media) == (200, "application/sparql-results+json")
        assert json.loads(body) == expected
    assert expected["results"]["bindings"][0]["benchmark_label"]["value"] == "SCAN"


def test_csv_and_turtle_by_content_negotiation(endpoint: str) -> None:
    query = "SELECT ?l WHERE { ?b a schema:Dataset ; skos:prefLabel ?l } ORDER BY ?l LIMIT 3"
    status, media, body = _get(endpoint, query, "text/csv;q=0.9, application/xml;q=0.1")
    assert (status, media) == (200, "text/csv")
    assert body.split("\r\n")[0] == "l"
    assert len(body.split("\r\n")) == 5  # header, three rows, the empty end
    construct = "CONSTRUCT { ?b skos:prefLabel ?l } WHERE { ?b skos:prefLabel 'SCAN' , ?l }"
    status, media, body = _get(endpoint, construct, "text/turtle")
    assert (status, media) == (200, "text/turtle")
    assert len(Graph().parse(data=body, format="turtle")) == 1
    assert _get(endpoint, construct)[1] == "text/turtle"
    assert _get(endpoint, construct, "text/csv")[0] == 406
    assert _get(endpoint, "ASK { ?s ?p ?o }")[2] == '{"head": {}, "boolean": true}\n'


UPDATES = [
    {"update": "DROP ALL"},
    {"update": "INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }"},
    {"query": "DELETE WHERE { ?s ?p ?o }"},
    {"query": "CLEAR DEFAULT"},
    {"query": "LOAD <file:///etc/passwd>"},
    {"query": "PREFIX x: <urn:x:> INSERT DATA { x:a x:b x:c }"},
    {"query": "ASK {}", "update": "DROP ALL"},
]


@pytest.mark.parametrize("fields", UPDATES)
def test_updates_are_refused_and_change_nothing(endpoint: str, fields: dict[str, str]) -> None:
    before = _triples(endpoint)
    status, _, body = _post_form(endpoint, **fields)
    assert status == 403
    assert "read-only" in body
    assert _triples(endpoint) == before


def test_update_body_is_refused(endpoint: str) -> None:
    before = _triples(endpoint)
    headers = {"Content-Type": "application/sparql-update"}
    status, _, _ = _request(f"{endpoint}/sparql", b"DROP ALL", headers)
    assert status == 403
    assert _triples(endpoint) == before


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("SELEC ?x", "bad query: Expected"),
        ("SELECT * WHERE { SERVICE <http://example.org/> { ?s ?p ?o } }", "SERVICE"),
        ("SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }", "FROM"),
    ],
)
def test_bad_queries_are_400_with_the_reason(endpoint: str, query: str, message: str) -> None:
    status, media, body = _get(endpoint, query)
    assert (status, media) == (400, "text/plain")
    assert message in body
    assert body.count("\n") == 1


def test_protocol_errors(endpoint: str) -> None:
    assert _request(f"{endpoint}/sparql")[0] == 400
    assert _request(f"{endpoint}/sparql?query=ASK%7B%7D&query=ASK%7B%7D")[0] == 400
    assert _request(f"{endpoint}/sparql", b"x", {"Content-Type": "text/plain"})[0] == 415
    named = f"{endpoint}/sparql?{urlencode({'query': 'ASK {}', 'named-graph-uri': 'urn:g'})}"
    assert _request(named)[0] == 400
    assert _request(f"{endpoint}/sparql", headers={"Host": "evil.example"})[0] == 400


def test_page_has_a_form_and_no_outside_assets(endpoint: str) -> None:
    status, media, body = _request(f"{endpoint}/")
    assert (status, media) == (200, "text/html")
    assert "<textarea" in body
    assert "src=" not in body
    assert "href=" not in body
    assert "shared-benchmarks" in body
    # a query's text is inside a <script>: nothing in it may close the element
    assert body.count("</script>") == 2


def test_a_slow_query_is_stopped_with_503(endpoint: str) -> None:
    started = time.monotonic()
    status, _, body = _get(endpoint, ENDLESS)
    assert status == 503
    assert "longer than 3 s" in body
    assert time.monotonic() - started < 15
    assert _triples(endpoint) > 1000  # a fresh worker answers the next query


def test_negotiate() -> None:
    assert negotiate("*/*", "SELECT") == "application/sparql-results+json"
    assert negotiate("text/*", "SELECT") == "text/csv"
    assert negotiate("application/json", "ASK") == "application/json"
    assert negotiate("text/csv;q=0, */*;q=0.5", "SELECT") == "application/sparql-results+json"
    assert negotiate("application/xml", "SELECT") is None


def test_page_runs_a_query_in_a_browser(endpoint: str) -> None:
    """The page in headless Chromium: the default query fills a table, an update shows the
    refusal, and nothing is fetched from anywhere but the endpoint."""
    chromium = os.environ.get("KGRAPH_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).is_file():
        pytest.skip("no Chromium installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page()
        requested: list[str] = []
        thrown: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        page.on("pageerror", lambda error: thrown.append(str(error)))
        page.goto(f"{endpoint}/")
        page.click("button[type=submit]")
        page.wait_for_selector("#results table")
        headers = page.locator("#results th").all_inner_texts()
        first = page.locator("#results tbody tr").first.locator("td").all_inner_texts()
        page.fill("#query", "DROP ALL")
        page.click("button[type=submit]")
        page.wait_for_selector("#status.error")
        refusal = page.inner_text("#status")
        browser.close()
    assert headers == ["benchmark_label", "papers", "titles", "benchmark"]
    assert first[0] == "SCAN"
    assert refusal.startswith("403: ")
    assert all(url.startswith(endpoint) for url in requested)
    assert thrown == []


# --- the command ---------------------------------------------------------------------------


def test_port_in_use_is_one_line(capsys: pytest.CaptureFixture[str], seeds_ttl: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        status = main(["serve", "--graph", str(seeds_ttl), "--port", str(port)])
    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1
    assert err.startswith(f"kgraph: error: cannot listen on 127.0.0.1:{port}: ")


def test_missing_graph_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status = main(["serve", "--graph", str(tmp_path / "none.ttl"), "--port", "0"])
    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1
    assert "no such graph file" in err


def test_ctrl_c_stops_quietly(seeds_ttl: Path) -> None:
    command = [sys.executable, "-m", "kgraph", "serve", "--graph", str(seeds_ttl), "--port", "0"]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy()
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith(f"serving {seeds_ttl} (")
        url = line.split(" at ")[1].split(";")[0]
        query = urlencode({"query": "ASK { ?s ?p ?o }"})
        status, _, body = _request(f"{url}?{query}")
        assert (status, json.loads(body)["boolean"]) == (200, True)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0
    assert err == ""
    assert out == ""
