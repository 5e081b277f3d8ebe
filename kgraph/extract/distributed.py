"""Extraction on a Dask cluster: ``kgraph extract --engine dask``.

Extraction is embarrassingly parallel per paper, so the papers (read and merged on the
client, exactly as for a local run) are cut into shards of ``shard_size``; each shard's texts
go to a worker as one task, which runs the worker's one pipeline over them and sends back
plain :class:`~kgraph.model.Mention` tuples. The client collects the shards in input order
and pairs them with its papers, so the output is that of :func:`kgraph.extract.extract`, byte
for byte. Resolution and graph assembly do not run here: they read the extracted JSON Lines
afterwards (``kgraph build EXTRACTED.jsonl``).

Dask is an optional dependency (``pip install kgraph[dask]``), imported only when used.
``docs/scaling.md`` has the design, the measurements behind it, and how to point this at a
real cluster.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import threading
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import kgraph
from kgraph.errors import KgraphError
from kgraph.extract import Settings, chunks, cpu_cores, mentions_of
from kgraph.model import Extraction, Mention, Paper

if TYPE_CHECKING:
    from distributed import Client

DEFAULT_SHARD_SIZE = 500
SHARDS_IN_FLIGHT_PER_WORKER = 3
# How long to try reaching a scheduler, and to wait for its first worker, before giving up.
CONNECT_TIMEOUT_SECONDS = 5.0
WORKERS_TIMEOUT_SECONDS = 30.0
INSTALL_HINT = "install kgraph[dask] to use --engine dask (pip install 'kgraph[dask]')"

# A worker may run several threads; they share the process's one pipeline, one shard at a
# time (extraction holds the GIL, so threads would not run it faster anyway).
_PIPELINE_LOCK = threading.Lock()


class Engine(Protocol):
    """Where :func:`kgraph.build.extract_all` runs the pipeline, when not in this process."""

    def extract(self, papers: Iterable[Paper], settings: Settings) -> Iterator[Extraction]:
        """One :class:`Extraction` per paper, in input order (``papers`` may be a stream)."""
        ...


@dataclass(frozen=True)
class DaskEngine:
    """Where and how to run extraction on Dask; :meth:`connect` makes it an :class:`Engine`.

    ``scheduler`` is the address of a running scheduler (``tcp://host:8786``); without one, a
    :class:`~distributed.LocalCluster` of ``workers`` processes (default: one per CPU core,
    one thread each) is started by :meth:`connect` and closed when it ends.
    """

    scheduler: str | None = None
    shard_size: int = DEFAULT_SHARD_SIZE
    workers: int | None = None

    @contextlib.contextmanager
    def connect(self) -> Iterator[DaskSession]:
        """A session on the cluster, its workers checked; :class:`KgraphError` if there is none.

        Connect before reading the inputs: a wrong address then fails in seconds, not after
        reading a million papers.
        """
        _import_dask()
        with self._client() as client:
            _check_workers(client)
            yield DaskSession(client, self.shard_size)

    @contextlib.contextmanager
    def _client(self) -> Iterator[Client]:
        from distributed import Client, LocalCluster

        if self.scheduler is not None:
            failure = None
            try:
                client = Client(self.scheduler, timeout=CONNECT_TIMEOUT_SECONDS)
            except (OSError, ValueError, TypeError) as exc:
                failure = f"dask: cannot reach the scheduler at {self.scheduler} ({_one_line(exc)})"
            if failure is not None:
                # The half-made Client closes its event loop when it is collected. Collect it
                # now: collected later, during another cluster's start, it deadlocks there.
                gc.collect()
                raise KgraphError(failure)
            with client:
                yield client
            return
        try:
            cluster = LocalCluster(
                n_workers=min(self.workers or cpu_cores(), cpu_cores()),
                threads_per_worker=1,
                processes=True,
                # The scheduler always serves HTTP; a random local port cannot clash.
                dashboard_address="127.0.0.1:0",
                silence_logs=logging.ERROR,
            )
        except Exception as exc:  # whatever stopped the workers from starting, on one line
            raise KgraphError(f"dask: cannot start a local cluster ({_one_line(exc)})") from exc
        with cluster, Client(cluster) as client:
            yield client


@dataclass(frozen=True)
class DaskSession:
    """Extraction over a connected Dask client (an :class:`Engine`)."""

    client: Client
    shard_size: int = DEFAULT_SHARD_SIZE

    def extract(self, papers: Iterable[Paper], settings: Settings) -> Iterator[Extraction]:
        """The papers' extractions, in input order, as the shards come back.

        Shards are submitted as futures, at most ``SHARDS_IN_FLIGHT_PER_WORKER`` per worker
        ahead of the shard being collected: the scheduler and the workers hold a few shards
        at any time, however long the input (a bag built over the whole input would send
        every text to the scheduler at once: see docs/scaling.md).
        """
        workers = max(1, len(self.client.scheduler_info()["workers"]))
        limit = workers * SHARDS_IN_FLIGHT_PER_WORKER
        pending: deque[_Shard] = deque()
        start = 0
        for shard in chunks(papers, self.shard_size):
            texts = [paper.text for paper in shard]
            future = self.client.submit(shard_mentions, texts, settings.batch_size, pure=False)
            pending.append(_Shard(start, shard, future))
            start += len(shard)
            if len(pending) >= limit:
                yield from pending.popleft().collect()
        while pending:
            yield from pending.popleft().collect()


@dataclass(frozen=True)
class _Shard:
    start: int
    papers: Sequence[Paper]
    future: Any

    def collect(self) -> Iterator[Extraction]:
        try:
            found: list[tuple[Mention, ...]] = self.future.result()
        except Exception as exc:  # a worker's exception, or KilledWorker: one line either way
            raise KgraphError(
                f"dask: papers {self.start + 1}-{self.start + len(self.papers)} failed on a "
                f"worker: {_one_line(exc)}"
            ) from exc
        for paper, mentions in zip(self.papers, found, strict=True):
            yield Extraction(paper, mentions)


def shard_mentions(texts: Sequence[str], batch_size: int) -> list[tuple[Mention, ...]]:
    """The mentions of each text of one shard (a worker's task).

    The pipeline is built once per worker process, on its first shard, and kept (the
    module-level cache of :func:`kgraph.extract.default_nlp`).
    """
    with _PIPELINE_LOCK:
        return mentions_of(list(texts), batch_size)


def worker_version() -> str:
    """The kgraph version a worker runs (asked of every worker before any shard is sent)."""
    return kgraph.__version__


def _import_dask() -> None:
    try:
        import distributed  # noqa: F401
    except ImportError as exc:
        raise KgraphError(INSTALL_HINT) from exc


def _check_workers(client: Client) -> None:
    """At least one worker, and every worker on this client's kgraph version.

    A worker on another version would extract differently; one without kgraph could not
    unpickle a shard. Both are found here, before any work is sent.
    """
    try:
        client.wait_for_workers(1, timeout=WORKERS_TIMEOUT_SECONDS)
    except TimeoutError as exc:
        raise KgraphError(
            f"dask: the scheduler has no workers after {WORKERS_TIMEOUT_SECONDS:.0f} s; "
            "start some with 'dask worker ADDRESS'"
        ) from exc
    try:
        versions: dict[str, str] = client.run(worker_version)
    except Exception as exc:  # whatever a worker raised, reported on one line
        raise KgraphError(
            f"dask: a worker cannot run kgraph ({_one_line(exc)}); "
            f"install kgraph[dask]=={kgraph.__version__} on every worker"
        ) from exc
    for address, version in sorted(versions.items()):
        if version != kgraph.__version__:
            raise KgraphError(
                f"dask: worker {address} runs kgraph {version}, this client "
                f"{kgraph.__version__}; install the same version everywhere"
            )


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
