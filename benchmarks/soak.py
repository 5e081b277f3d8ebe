"""Soak tests: mutated inputs through ``build`` and ``add``; ``serve`` under concurrent clients.

``inputs``: for a bounded time, the hypothesis strategies of ``tests/test_fuzz.py`` (mutated
listing pages, and JSON records written as JSON, JSON Lines or CSV) go through
``kgraph build FOLDER`` and then ``kgraph add FILE`` of a second input, in this process, as
the CLI runs them. Each example checks: the exit status is 0 or 2, stderr is only
"kgraph: ..." lines (never a traceback), a refused command left the output folder as it was
(no folder at all after a build that found no paper), every output of a build parses, no
temporary or lock file is left, ``add`` lost no paper of the build, and build-then-add wrote
what one build of both inputs writes. The hypothesis profile is ``$HYPOTHESIS_PROFILE``
(default ``kgraph-explore``: random, not the suite's fixed examples), run in chunks until the
time is up.

``serve``: builds the seeds, starts ``kgraph serve`` and sends it, from N client threads on
localhost, a mix of good queries (each answer checked against the one it gave first), slow
queries (past ``--timeout``), malformed requests, slow-sending clients and update attempts,
for a bounded time. It reports requests served, answers by kind and HTTP status, latency
percentiles, the peak of the summed PSS of the server's process tree, whether any answer or
the graph changed, and whether the server's stderr shows a traceback.

    HYPOTHESIS_PROFILE=kgraph-explore python benchmarks/soak.py inputs --minutes 30
    python benchmarks/soak.py serve --minutes 10 --clients 8
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import hashlib
import http.client
import importlib.util
import io
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlencode

import networkx as nx
import pyoxigraph

ROOT = Path(__file__).resolve().parent.parent
OUTPUTS = ("entities.jsonl", "graph.ttl", "graph.graphml", "graph.html", "benchmarks.html")
CHUNK_EXAMPLES = 25


# --- inputs: build and add on mutated files ---------------------------------------------------


def _fuzz_module() -> ModuleType:
    """tests/test_fuzz.py, whose strategies the soak draws from (it loads the profile)."""
    os.environ.setdefault("HYPOTHESIS_PROFILE", "kgraph-explore")
    spec = importlib.util.spec_from_file_location("kgraph_test_fuzz", ROOT / "tests/test_fuzz.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _as_csv(records: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["title", "abstract", "id", "date", "authors"])
    for r in records:
        authors = r.get("authors", "")
        if isinstance(authors, list):
            authors = "; ".join(authors)
        writer.writerow([r["title"], r["abstract"], r.get("id", ""), r.get("date", ""), authors])
    return out.getvalue().encode("utf-8", "surrogatepass")


ENCODERS: dict[str, Callable[[Any], bytes]] = {
    "txt": lambda data: data,
    "json": lambda records: json.dumps(records, ensure_ascii=True).encode(),
    "jsonl": lambda records: "".join(json.dumps(r) + "\n" for r in records).encode(),
    "csv": _as_csv,
}


@dataclass
class InputStats:
    examples: int = 0
    formats: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


class Failure(AssertionError):
    """A property of the soak does not hold."""


def _run(*argv: str) -> tuple[int, str]:
    """``kgraph ARGV`` in this process: exit status and stderr; an escaping exception fails."""
    from kgraph.cli import main

    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = main(list(argv))
    except BaseException as exc:
        raise Failure(f"kgraph {' '.join(argv)} raised:\n{traceback.format_exc()}") from exc
    text = err.getvalue()
    if code not in (0, 2):
        raise Failure(f"kgraph {' '.join(argv)}: exit status {code}\n{text}")
    bad = [line for line in text.splitlines() if not line.startswith("kgraph: ")]
    if "Traceback" in text or bad:
        raise Failure(f"kgraph {' '.join(argv)}: stderr not one-line messages:\n{text}")
    return code, text


def _snapshot(folder: Path) -> dict[str, bytes]:
    if not folder.exists():
        return {}
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def _check_outputs(out: Path) -> set[str]:
    """Every output of the build in ``out`` parses, nothing else is there; its paper ids."""
    names = sorted(p.name for p in out.iterdir())
    if names != sorted(OUTPUTS):
        raise Failure(f"{out}: holds {names}")
    lines = (out / "entities.jsonl").read_text("utf-8").split("\n")
    if lines.pop() != "":
        raise Failure("entities.jsonl does not end with a newline")
    ids = {json.loads(line)["id"] for line in lines}
    turtle = (out / "graph.ttl").read_bytes()
    list(pyoxigraph.parse(turtle, format=pyoxigraph.RdfFormat.TURTLE))
    nx.read_graphml(out / "graph.graphml")
    return ids


def _example(work: Path, n: int, first: tuple[str, bytes], second: tuple[str, bytes]) -> str:
    """Build ``first`` (in a folder), add ``second``; check; return the outcome's name."""
    case = work / f"case-{n}"
    inputs = case / "in"
    inputs.mkdir(parents=True)
    (inputs / f"first.{first[0]}").write_bytes(first[1])
    added = case / f"second.{second[0]}"
    added.write_bytes(second[1])
    out, both = case / "out", case / "both"
    try:
        built, _ = _run("build", str(inputs), "--out", str(out))
        if built == 2:
            if out.exists():
                raise Failure("a build that wrote nothing left its --out folder")
            code, _ = _run("add", str(added), "--out", str(out))
            if code != 2 or out.exists():
                raise Failure("add to no build did not fail cleanly")
            return "build refused"
        before_ids = _check_outputs(out)
        before = _snapshot(out)
        code, _ = _run("add", str(added), "--out", str(out))
        if code == 2:
            if _snapshot(out) != before:
                raise Failure("a refused add changed the build")
            return "built, add refused"
        after_ids = _check_outputs(out)
        if not before_ids <= after_ids:
            raise Failure(f"add lost papers: {sorted(before_ids - after_ids)}")
        code, _ = _run("build", str(inputs), str(added), "--out", str(both))
        if code != 0 or _snapshot(both) != _snapshot(out):
            raise Failure("build A, add B differs from build A B")
        return "built and added"
    finally:
        shutil.rmtree(case, ignore_errors=True)


def soak_inputs(minutes: float) -> InputStats:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    fuzz = _fuzz_module()
    profile = settings.get_profile(os.environ["HYPOTHESIS_PROFILE"])
    one_input = st.one_of(
        fuzz.page_bytes().map(lambda data: ("txt", data)),
        st.tuples(st.sampled_from(["json", "jsonl", "csv"]), fuzz.RECORDS),
    ).map(lambda drawn: (drawn[0], ENCODERS[drawn[0]](drawn[1])))
    stats = InputStats()
    deadline = time.monotonic() + minutes * 60
    work = Path(tempfile.mkdtemp(prefix="kgraph-soak-"))

    @settings(parent=profile, max_examples=CHUNK_EXAMPLES)
    @given(first=one_input, second=one_input)
    def example(first: tuple[str, bytes], second: tuple[str, bytes]) -> None:
        if time.monotonic() > deadline:
            return
        stats.examples += 1
        stats.formats.update([first[0], second[0]])
        stats.outcomes[_example(work, stats.examples, first, second)] += 1

    try:
        while time.monotonic() < deadline:
            try:
                example()
            except Exception as exc:  # hypothesis has shrunk it: note it, go on with others
                stats.failures.append("".join(traceback.format_exception(exc))[-6000:])
                print(stats.failures[-1], file=sys.stderr, flush=True)
            print(
                f"{stats.examples} examples, {len(stats.failures)} failures, "
                f"{max(0.0, deadline - time.monotonic()) / 60:.1f} min left",
                file=sys.stderr,
                flush=True,
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return stats


# --- serve: concurrent clients ----------------------------------------------------------------

PREFIXES = (
    "PREFIX schema: <https://schema.org/> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
    "PREFIX dcterms: <http://purl.org/dc/terms/> PREFIX kg: <https://w3id.org/kgraph/vocab#> "
)
GOOD_QUERIES = [
    PREFIXES + "SELECT (COUNT(?p) AS ?n) WHERE { ?p a schema:ScholarlyArticle }",
    PREFIXES + 'SELECT ?e WHERE { ?e skos:prefLabel "SCAN" }',
    PREFIXES + "SELECT ?t WHERE { ?p dcterms:title ?t } ORDER BY ?t LIMIT 20",
    PREFIXES + "ASK { ?e skos:altLabel ?a }",
    PREFIXES + "CONSTRUCT { ?e skos:prefLabel ?l } WHERE { ?e skos:prefLabel ?l } LIMIT 30",
    PREFIXES + "SELECT ?l (COUNT(?p) AS ?n) WHERE { ?p kg:usesDataset ?e . ?e skos:prefLabel ?l } "
    "GROUP BY ?l ORDER BY DESC(?n) ?l LIMIT 10",
]
SLOW_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
UPDATES = [
    ("POST", "/sparql", {"content-type": "application/x-www-form-urlencoded"},
     urlencode({"update": 'INSERT DATA { <urn:x> <urn:y> "z" }'}).encode()),
    ("POST", "/sparql", {"content-type": "application/sparql-update"},
     b"DELETE WHERE { ?s ?p ?o }"),
    ("GET", "/sparql?" + urlencode({"query": "CLEAR ALL"}), {}, b""),
]  # fmt: skip
MALFORMED = [
    ("GET", "/sparql?" + urlencode({"query": "SELECT ?x WHERE { ?x"}), {}, b""),
    ("GET", "/sparql", {}, b""),
    ("GET", "/sparql?" + urlencode([("query", "ASK {}"), ("query", "ASK {}")]), {}, b""),
    ("POST", "/sparql", {"content-type": "application/sparql-query"}, b"SELECT \xff\xfe"),
    ("POST", "/sparql", {"content-type": "image/png"}, b"\x89PNG"),
    ("POST", "/sparql", {"content-type": "application/sparql-query"}, b"ASK {" * 300_000),
    ("GET", "/sparql?" + urlencode({"query": "ASK {}"}), {"accept": "image/png"}, b""),
    ("GET", "/sparql?" + urlencode({"query": "ASK {}"}), {"host": "evil.example"}, b""),
    ("GET", "/nowhere", {}, b""),
]  # fmt: skip


@dataclass
class Answered:
    kind: str
    status: int | str  # an HTTP status, or what happened to the connection
    seconds: float


def _request(
    port: int, method: str, path: str, headers: dict[str, str], body: bytes, timeout: float
) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body or None, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _slow_client(port: int, timeout: float) -> tuple[int, bytes]:
    """A client that sends its request a few bytes at a time over about two seconds."""
    query = GOOD_QUERIES[0].encode()
    head = (
        f"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
        f"Content-Length: {len(query)}\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        data = head + query
        for start in range(0, len(data), 32):
            sock.sendall(data[start : start + 32])
            time.sleep(2.0 / (len(data) / 32))
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    status = int(reply.split(b" ", 2)[1]) if reply.startswith(b"HTTP/") else 0
    return status, reply.partition(b"\r\n\r\n")[2]


def _garbage(port: int, timeout: float) -> tuple[int | str, bytes]:
    """Bytes that are not HTTP at all."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(bytes(random.randrange(256) for _ in range(512)) + b"\r\n\r\n")
        try:
            reply = sock.recv(65536)
        except ConnectionResetError:
            return "reset", b""
    if reply.startswith(b"HTTP/"):
        return int(reply.split(b" ", 2)[1]), reply
    return "closed", reply


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants."""
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{current}/task").iterdir():
                stack.extend(int(c) for c in (task / "children").read_text().split())
    return found


def _pss_kib(pid: int) -> int:
    total = 0
    for member in _tree(pid):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{member}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
    return total


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def soak_serve(minutes: float, clients: int, timeout: float) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="kgraph-serve-soak-"))
    kgraph = [sys.executable, "-m", "kgraph"]
    subprocess.run([*kgraph, "-q", "build", str(ROOT / "seeds"), "--out", str(work)], check=True)
    graph = work / "graph.ttl"
    digest = hashlib.sha256(graph.read_bytes()).hexdigest()
    port = _free_port()
    stderr_path = work / "serve.stderr"
    serve = [*kgraph, "serve", "--graph", str(graph), "--port", str(port)]
    with stderr_path.open("wb") as stderr:
        server = subprocess.Popen(
            [*serve, "--timeout", str(timeout)],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    assert server.stdout is not None
    announced = server.stdout.readline()
    if "serving" not in announced:
        raise SystemExit(f"kgraph serve did not start: {announced}{stderr_path.read_text()}")

    def ask(query: str) -> tuple[int, bytes]:
        return _request(
            port, "GET", "/sparql?" + urlencode({"query": query}),
            {"accept": "application/sparql-results+json, text/turtle;q=0.9"}, b"", 60,
        )  # fmt: skip

    expected = {query: ask(query)[1] for query in GOOD_QUERIES}
    answered: list[Answered] = []
    wrong: list[str] = []
    peak = [0]
    stop = time.monotonic() + minutes * 60
    lock = threading.Lock()

    def sample_memory() -> None:
        while time.monotonic() < stop and server.poll() is None:
            peak[0] = max(peak[0], _pss_kib(server.pid))
            time.sleep(0.5)

    def client(seed: int) -> None:
        rng = random.Random(seed)
        while time.monotonic() < stop:
            roll = rng.random()
            started = time.monotonic()
            status: int | str
            try:
                if roll < 0.60:
                    kind, query = "good", rng.choice(GOOD_QUERIES)
                    status, body = ask(query)
                    if status == 200 and body != expected[query]:
                        with lock:
                            wrong.append(query)
                elif roll < 0.63:
                    kind = "slow query"
                    status, _ = ask(SLOW_QUERY)
                elif roll < 0.80:
                    kind = "malformed"
                    status, _ = _request(port, *rng.choice(MALFORMED), timeout=60)
                elif roll < 0.85:
                    kind = "not HTTP"
                    status, _ = _garbage(port, 60)
                elif roll < 0.90:
                    kind = "slow client"
                    status, _ = _slow_client(port, 60)
                else:
                    kind = "update"
                    status, _ = _request(port, *rng.choice(UPDATES), timeout=60)
            except OSError as exc:
                kind, status = "transport", type(exc).__name__
            with lock:
                answered.append(Answered(kind, status, time.monotonic() - started))

    threads = [threading.Thread(target=sample_memory)]
    threads += [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    after = {query: ask(query)[1] for query in GOOD_QUERIES}
    server.send_signal(signal.SIGINT)  # as Ctrl-C: uvicorn shuts down cleanly
    server.wait(timeout=60)
    server_stderr = stderr_path.read_text(errors="replace")
    graph_changed = hashlib.sha256(graph.read_bytes()).hexdigest() != digest
    if "Traceback" in server_stderr:
        print(f"the server's stderr is kept in {stderr_path}", file=sys.stderr)
    else:
        shutil.rmtree(work, ignore_errors=True)

    def percentiles(kind: str | None) -> dict[str, float]:
        times = sorted(a.seconds for a in answered if kind is None or a.kind == kind)
        if not times:
            return {}
        cut = statistics.quantiles(times, n=100, method="inclusive")
        return {"p50_ms": 1000 * cut[49], "p99_ms": 1000 * cut[98], "max_ms": 1000 * times[-1]}

    by_kind: dict[str, Counter[str]] = {}
    for a in answered:
        by_kind.setdefault(a.kind, Counter())[str(a.status)] += 1
    return {
        "minutes": minutes,
        "clients": clients,
        "timeout_s": timeout,
        "requests": len(answered),
        "by_kind": {kind: dict(sorted(c.items())) for kind, c in sorted(by_kind.items())},
        "latency_all": percentiles(None),
        "latency_good": percentiles("good"),
        "peak_pss_mib": round(peak[0] / 1024, 1),
        "wrong_answers": len(wrong),
        "answers_changed": after != expected,
        "graph_changed": graph_changed,
        "server_traceback": "Traceback" in server_stderr,
        "server_stderr": dict(Counter(line[:100] for line in server_stderr.splitlines())),
        "server_exit": server.returncode,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    inputs = commands.add_parser("inputs", help="mutated inputs through build and add")
    inputs.add_argument("--minutes", type=float, default=30.0)
    serve = commands.add_parser("serve", help="kgraph serve under concurrent clients")
    serve.add_argument("--minutes", type=float, default=10.0)
    serve.add_argument("--clients", type=int, default=8)
    serve.add_argument("--timeout", type=float, default=5.0, help="the server's --timeout")
    args = parser.parse_args(argv)
    started = time.monotonic()
    if args.command == "inputs":
        stats = soak_inputs(args.minutes)
        report: dict[str, Any] = {
            "profile": os.environ["HYPOTHESIS_PROFILE"],
            "minutes": round((time.monotonic() - started) / 60, 1),
            "examples": stats.examples,
            "formats": dict(stats.formats),
            "outcomes": dict(stats.outcomes),
            "failures": len(stats.failures),
        }
    else:
        report = soak_serve(args.minutes, args.clients, args.timeout)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
