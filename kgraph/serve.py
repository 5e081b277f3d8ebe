"""``kgraph serve``: a read-only SPARQL 1.1 Protocol endpoint over the built graph.

Starlette speaks the protocol at ``/sparql`` (GET ``query=``, POST a form or an
``application/sparql-query`` body) and serves a page at ``/`` to type a query; uvicorn runs it.

Queries are answered by worker processes, each with the graph open: the build's store,
read-only (the server checks it is current, or rebuilds it, once before starting them), or
the RDF file given, parsed. A query that runs past the timeout is stopped by ending its worker
(a thread running rdflib or Oxigraph cannot be interrupted), and a fresh worker takes its
place: for a store that is a matter of milliseconds. The workers only ever call
:func:`kgraph.query.run_query`, which refuses updates, so nothing can change the graph.
"""

from __future__ import annotations

import html
import json
import multiprocessing
import queue
import signal
import socket
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.resources import files
from multiprocessing.connection import Connection
from pathlib import Path
from string import Template
from typing import Any
from urllib.parse import parse_qs

import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from kgraph.errors import KgraphError
from kgraph.query import (
    CONSTRUCT,
    SELECT,
    QueryError,
    UpdateRefused,
    check_query,
    named_queries,
    run_query,
    to_csv,
    to_json,
    to_turtle,
)
from kgraph.store import Graph, Opening, prepare

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_TIMEOUT = 30.0
WORKERS = 2
# a query larger than this is not a query someone typed
MAX_BODY = 1_000_000

SPARQL_JSON = "application/sparql-results+json"
CSV = "text/csv"
TURTLE = "text/turtle"
# what each kind of answer can be written as, the default first
_OFFERS = {
    SELECT: (SPARQL_JSON, "application/json", CSV),
    "ASK": (SPARQL_JSON, "application/json"),
    CONSTRUCT: (TURTLE,),
}
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


# --- content negotiation -----------------------------------------------------------------


def _accepted(header: str) -> list[tuple[float, int, str]]:
    """The media ranges of an Accept header as (-q, position, range), best first."""
    ranges = []
    for position, part in enumerate(header.split(",")):
        media, *params = (piece.strip() for piece in part.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if media and q > 0:
            ranges.append((-q, position, media.lower()))
    return sorted(ranges)


def negotiate(accept: str, kind: str) -> str | None:
    """The media type to answer a ``kind`` query with, given an Accept header; None if the
    client accepts none that kgraph writes.

    Examples
    --------
    >>> negotiate("text/csv, */*;q=0.1", "SELECT")
    'text/csv'
    >>> negotiate("", "CONSTRUCT")
    'text/turtle'
    >>> negotiate("text/csv", "CONSTRUCT") is None
    True
    """
    offers = _OFFERS[kind]
    if not accept.strip():
        return offers[0]
    for _, _, media in _accepted(accept):
        for offer in offers:
            kind_, _, sub = media.partition("/")
            if media in (offer, "*/*") or (sub == "*" and offer.startswith(kind_ + "/")):
                return offer
    return None


# --- the worker processes ----------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """What a worker answers: an HTTP status, a media type and the body."""

    status: int
    media_type: str
    body: bytes


def _text(status: int, message: str) -> Reply:
    return Reply(status, "text/plain", (message + "\n").encode("utf-8"))


def answer(graph: Graph, text: str, accept: str) -> Reply:
    """The endpoint's reply to ``text`` on ``graph``, in a media type ``accept`` allows."""
    try:
        kind = check_query(text, graph.prefixes)
    except UpdateRefused as exc:
        return _text(403, str(exc))
    except QueryError as exc:
        return _text(400, str(exc))
    media = negotiate(accept, kind)
    if media is None:
        return _text(406, f"a {kind} query can be answered as {', '.join(_OFFERS[kind])}")
    try:
        found = run_query(graph, text)
    except QueryError as exc:
        return _text(400, str(exc))
    if media == TURTLE:
        body = to_turtle(found)
    elif media == CSV:
        body = to_csv(found)
    else:
        body = to_json(found, indent=None)
    return Reply(200, media, body.encode("utf-8"))


def _work(conn: Connection, opening: Opening) -> None:
    """A worker process: open the graph, say so, then answer (text, accept) requests."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the server, which ends us
    try:
        graph = opening.open()
    except KgraphError as exc:
        conn.send(("failed", str(exc)))
        return
    conn.send(("ready", graph.triples()))
    while True:
        try:
            text, accept = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(answer(graph, text, accept))


class QueryTimeout(KgraphError):
    """A query ran past the timeout."""


class _Worker:
    def __init__(self, context: Any, opening: Opening) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=_work, args=(child, opening), name="kgraph-query", daemon=True
        )
        self.process.start()
        child.close()
        self.ready: tuple[Any, ...] | None = None

    def wait_ready(self, timeout: float) -> tuple[Any, ...]:
        if self.ready is None:
            if not self.conn.poll(timeout):
                raise QueryTimeout(f"the graph did not load within {timeout:g} s")
            message = self.conn.recv()
            if message[0] != "ready":
                raise KgraphError(message[1])
            self.ready = message
        return self.ready

    def ask(self, text: str, accept: str, timeout: float) -> Reply:
        deadline = time.monotonic() + timeout
        self.wait_ready(timeout)
        self.conn.send((text, accept))
        if not self.conn.poll(max(0.0, deadline - time.monotonic())):
            raise QueryTimeout(f"the query ran longer than {timeout:g} s and was stopped")
        reply: Reply = self.conn.recv()
        return reply

    def stop(self) -> None:
        self.process.kill()
        self.process.join()
        self.conn.close()


class QueryPool:
    """Worker processes that hold the graph and answer queries, one query each at a time."""

    def __init__(self, path: Path, engine: str, timeout: float, size: int = WORKERS) -> None:
        self.opening, self.timeout = prepare(path, engine), timeout
        # spawn, not fork: the server has threads, and a fresh process is safe with any of them
        self._context = multiprocessing.get_context("spawn")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: list[_Worker] = []
        try:
            for _ in range(size):
                self._idle.put(self._start())
            first = self._all[0].wait_ready(max(timeout, 120.0))
            for worker in self._all[1:]:
                worker.wait_ready(max(timeout, 120.0))
        except BaseException:
            self.close()
            raise
        self.triples: int = first[1]

    def _start(self) -> _Worker:
        worker = _Worker(self._context, self.opening)
        self._all.append(worker)
        return worker

    def ask(self, text: str, accept: str) -> Reply:
        """Answer on an idle worker; 503 when none is free in time or the query times out."""
        try:
            worker = self._idle.get(timeout=self.timeout)
        except queue.Empty:
            return _text(503, "busy: every worker is answering a query; try again")
        try:
            reply = worker.ask(text, accept, self.timeout)
        except QueryTimeout as exc:
            worker.stop()
            self._all.remove(worker)
            self._idle.put(self._start())
            return _text(503, str(exc))
        except (EOFError, OSError):  # the worker died (out of memory, killed)
            worker.stop()
            self._all.remove(worker)
            self._idle.put(self._start())
            return _text(500, "the query's worker process ended; try again")
        self._idle.put(worker)
        return reply

    def close(self) -> None:
        for worker in self._all:
            worker.stop()
        self._all.clear()


# --- the web application -----------------------------------------------------------------


def _page(pool: QueryPool, graph_name: str) -> str:
    shipped = [
        {"name": q.name, "description": q.description, "text": q.text}
        for q in named_queries().values()
    ]
    # inside <script>, "<" must not appear raw, or a query could close the element
    queries = json.dumps(shipped, ensure_ascii=False).replace("<", "\\u003c")
    template = Template((files("kgraph") / "data" / "serve.html").read_text(encoding="utf-8"))
    return template.substitute(
        graph=html.escape(graph_name), triples=f"{pool.triples:,}", queries=queries
    )


def _one(params: Mapping[str, list[str]], name: str) -> str | None:
    values = params.get(name, [])
    if len(values) > 1:
        raise ValueError(f"give one {name}= parameter, not {len(values)}")
    return values[0] if values else None


async def _params(request: Request) -> tuple[dict[str, list[str]], str | None]:
    """The protocol parameters of a request, and the query if the body is the query."""
    params: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        params.setdefault(key, []).append(value)
    if request.method != "POST":
        return params, None
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    if len(body) > MAX_BODY:
        raise ValueError(f"the request body is larger than {MAX_BODY:,} bytes")
    if media == "application/sparql-update":
        params.setdefault("update", []).append("")
        return params, None
    text = body.decode("utf-8")
    if media == "application/sparql-query":
        return params, text
    if media == "application/x-www-form-urlencoded":
        for key, values in parse_qs(text, keep_blank_values=True).items():
            params.setdefault(key, []).extend(values)
        return params, None
    raise LookupError(media or "no Content-Type")


def create_app(pool: QueryPool, graph_name: str, hosts: list[str]) -> Starlette:
    """The endpoint: ``/sparql`` answered by ``pool``, the query page at ``/``.

    ``hosts`` are the Host headers to accept (["*"] for any): a server on localhost
    answers only requests addressed to localhost, against DNS rebinding.
    """
    page = _page(pool, graph_name)

    async def index(request: Request) -> Response:
        return HTMLResponse(page, headers={"Content-Security-Policy": _CSP})

    async def sparql(request: Request) -> Response:
        try:
            params, body_query = await _params(request)
            if "update" in params:
                return PlainTextResponse(
                    "updates are refused: this endpoint is read-only\n", status_code=403
                )
            if params.get("default-graph-uri") or params.get("named-graph-uri"):
                return PlainTextResponse(
                    "default-graph-uri and named-graph-uri are not supported: "
                    "this endpoint serves one graph\n",
                    status_code=400,
                )
            text = body_query if body_query is not None else _one(params, "query")
        except UnicodeDecodeError:
            return PlainTextResponse("the request is not UTF-8\n", status_code=400)
        except LookupError as exc:
            return PlainTextResponse(
                f"unsupported Content-Type {exc.args[0]}: send application/sparql-query "
                "or a form\n",
                status_code=415,
            )
        except ValueError as exc:
            return PlainTextResponse(f"{exc}\n", status_code=400)
        if text is None:
            return PlainTextResponse(
                "give a SPARQL query: GET /sparql?query=... or POST it\n", status_code=400
            )
        accept = request.headers.get("accept", "")
        reply = await run_in_threadpool(pool.ask, text, accept)
        return Response(reply.body, status_code=reply.status, media_type=reply.media_type)

    routes = [Route("/", index), Route("/sparql", sparql, methods=["GET", "POST"])]
    return Starlette(
        routes=routes, middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=hosts)]
    )


_CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'"
)


def allowed_hosts(host: str) -> list[str]:
    """The Host headers a server bound to ``host`` accepts."""
    if host in LOCAL_HOSTS:
        return ["127.0.0.1", "localhost", "[::1]", "::1"]
    return ["*"]


def listen(host: str, port: int) -> socket.socket:
    """A socket listening on ``host``:``port``; a one-line error if that is not possible."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        return socket.create_server((host, port), family=family)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise KgraphError(f"cannot listen on {host}:{port}: {reason}") from exc


@contextmanager
def running_pool(path: Path, engine: str, timeout: float) -> Iterator[QueryPool]:
    """A :class:`QueryPool` that is closed on leaving, however that happens."""
    pool = QueryPool(path, engine, timeout)
    try:
        yield pool
    finally:
        pool.close()


def serve(
    path: Path,
    engine: str = "auto",
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    timeout: float = DEFAULT_TIMEOUT,
    announce: Callable[[str], None] = lambda line: print(line, flush=True),
) -> None:
    """Serve ``path`` at http://``host``:``port``/sparql until Ctrl-C (which uvicorn turns
    into a clean shutdown and then passes on as :class:`KeyboardInterrupt`)."""
    sock = listen(host, port)
    try:
        with running_pool(path, engine, timeout) as pool:
            app = create_app(pool, str(path), allowed_hosts(host))
            config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
            where = f"[{host}]" if ":" in host else host
            announce(
                f"serving {path} ({pool.triples:,} triples) at "
                f"http://{where}:{sock.getsockname()[1]}/sparql; Ctrl-C stops"
            )
            uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
