"""``kgraph extract --engine dask``: the same bytes as a local run, and one-line failures.

One LocalCluster of two worker processes serves the whole module (starting one costs seconds);
one test starts the CLI's own cluster, as a user without a scheduler would.
"""

from __future__ import annotations

import logging
import shutil
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from distributed import Client, LocalCluster

import kgraph
import kgraph.stream
from kgraph.cli import main
from kgraph.extract import default_nlp
from kgraph.extract import distributed as engine


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address="127.0.0.1:0",
        silence_logs=logging.ERROR,
    ) as running:
        yield running


@pytest.fixture(scope="module")
def local_jsonl(seeds_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """What ``kgraph extract`` writes for the seeds without Dask."""
    out = tmp_path_factory.mktemp("local") / "local.jsonl"
    assert main(["-q", "extract", str(seeds_dir), "--out", str(out)]) == 0
    return out.read_bytes()


@pytest.fixture(scope="module")
def dask_jsonl(
    cluster: LocalCluster, seeds_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """What ``kgraph extract --engine dask --scheduler`` writes for the seeds, in 58 shards."""
    out = tmp_path_factory.mktemp("dask") / "dask.jsonl"
    argv = ["extract", str(seeds_dir), "--out", str(out), "--engine", "dask"]
    assert main(["-q", *argv, "--scheduler", cluster.scheduler_address, "--shard-size", "7"]) == 0
    return out


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith("kgraph: error: ")
    return err


def test_scheduler_gives_the_bytes_of_a_local_run(dask_jsonl: Path, local_jsonl: bytes) -> None:
    assert dask_jsonl.read_bytes() == local_jsonl
    assert local_jsonl.count(b"\n") == 400


def test_each_worker_builds_its_pipeline_once(cluster: LocalCluster, dask_jsonl: Path) -> None:
    # Each of the two workers ran dozens of the 58 shards, and built one pipeline.
    with Client(cluster.scheduler_address) as client:
        builds = client.run(default_nlp.cache_info)
    assert len(builds) == 2
    assert [info.misses for info in builds.values()] == [1, 1]


def test_stdout_and_the_clis_own_local_cluster_give_the_same_bytes(
    seeds_dir: Path, local_jsonl: bytes, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    argv = ["extract", str(seeds_dir), "--engine", "dask", "--workers", "1"]
    assert main([*argv, "--shard-size", "150"]) == 0
    captured = capsysbinary.readouterr()
    assert captured.out == local_jsonl
    assert captured.err == b"", "the cluster's start and stop print nothing"


def test_extracted_jsonl_is_grown_into_a_build_without_extracting_again(
    dask_jsonl: Path,
    seeds_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    shutil.copy(dask_jsonl, out / "entities.jsonl")

    def no_local_extraction(*args: object, **kwargs: object) -> None:
        raise AssertionError("extracted locally")

    monkeypatch.setattr(kgraph.stream, "extract", no_local_extraction)
    assert main(["add", str(seeds_dir), "--out", str(out), "--html-max-nodes", "50"]) == 0
    report = capsys.readouterr().out
    assert "added     0 papers" in report
    assert "known     400 papers already in the build (not extracted again)" in report
    assert "papers    400" in report
    assert (out / "entities.jsonl").read_bytes() == dask_jsonl.read_bytes()
    assert (out / "graph.ttl").stat().st_size > 0


def test_without_dask_says_what_to_install(
    seeds_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    assert main(["extract", str(seeds_dir), "--engine", "dask"]) == 2
    assert "install kgraph[dask]" in one_error_line(capsys)


def _unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.mark.parametrize(
    ("address", "message"),
    [
        (f"tcp://127.0.0.1:{_unused_port()}", "cannot reach the scheduler at tcp://127.0.0.1:"),
        ("nonsense::x", "cannot reach the scheduler at nonsense::x (ValueError"),
    ],
)
def test_unreachable_scheduler_is_one_line(
    address: str,
    message: str,
    seeds_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(engine, "CONNECT_TIMEOUT_SECONDS", 1.0)
    assert main(["extract", str(seeds_dir), "--engine", "dask", "--scheduler", address]) == 2
    assert message in one_error_line(capsys)


def test_scheduler_without_workers_is_one_line(
    seeds_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(engine, "WORKERS_TIMEOUT_SECONDS", 0.5)
    with LocalCluster(
        n_workers=0, dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR
    ) as empty:
        argv = ["extract", str(seeds_dir), "--engine", "dask"]
        assert main([*argv, "--scheduler", empty.scheduler_address]) == 2
    assert "the scheduler has no workers" in one_error_line(capsys)


def test_worker_on_another_kgraph_version_is_one_line(
    cluster: LocalCluster,
    seeds_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(kgraph, "__version__", "0.0.0+client")
    argv = ["extract", str(seeds_dir), "--engine", "dask"]
    assert main([*argv, "--scheduler", cluster.scheduler_address]) == 2
    line = one_error_line(capsys)
    assert "this client 0.0.0+client; install the same version everywhere" in line


def test_failing_shard_is_one_line(
    cluster: LocalCluster,
    seeds_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def broken(texts: list[str], batch_size: int) -> list[object]:
        raise ValueError("no pipeline here\nsecond line")

    # A function local to the test reaches the workers by value (cloudpickle).
    monkeypatch.setattr(engine, "shard_mentions", broken)
    argv = ["extract", str(seeds_dir), "--engine", "dask", "--shard-size", "100"]
    assert main([*argv, "--scheduler", cluster.scheduler_address]) == 2
    line = one_error_line(capsys)
    assert "dask: papers 1-100 failed on a worker: ValueError: no pipeline here" in line


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--scheduler", "tcp://localhost:8786"], "--scheduler needs --engine dask"),
        (["--shard-size", "10"], "--shard-size needs --engine dask"),
        (["--engine", "dask", "--scheduler", "tcp://h:1", "--workers", "2"], "--workers sizes"),
    ],
)
def test_engine_options_out_of_place_are_one_line(
    options: list[str], message: str, seeds_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["extract", str(seeds_dir), *options]) == 2
    assert message in one_error_line(capsys)
