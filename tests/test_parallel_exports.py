"""A large build writes its outputs in worker processes: the same files, the same errors."""

from __future__ import annotations

import os
import time
from functools import partial
from pathlib import Path

import pytest

from kgraph import build
from kgraph.build import BuildOptions, run_writers, write_outputs
from kgraph.errors import KgraphError
from kgraph.export.atomic import atomic_path, write_text
from kgraph.model import Extraction


def test_outputs_written_in_workers_equal_those_written_in_turn(
    seed_extractions: list[Extraction], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_turn = write_outputs(seed_extractions, BuildOptions(out=tmp_path / "a", progress=False))
    monkeypatch.setattr(build, "PARALLEL_EXPORT_MIN_PAPERS", 1)
    forked = write_outputs(seed_extractions, BuildOptions(out=tmp_path / "b", progress=False))
    assert [p.name for p in in_turn.files] == [p.name for p in forked.files]
    for a, b in zip(in_turn.files, forked.files, strict=True):
        if a.is_dir():  # the store (graph.oxigraph): a database, loaded from the same graph.ttl
            continue
        assert a.read_bytes() == b.read_bytes(), a.name
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == sorted(
        p.name for p in in_turn.files
    )


def _fail() -> None:
    raise KgraphError("graph.ttl: cannot write (No space left on device)")


def test_a_writer_failing_in_a_worker_fails_the_build_with_its_message(tmp_path: Path) -> None:
    done = tmp_path / "done.txt"
    writers = [_fail, partial(write_text, done, "written\n")]
    with pytest.raises(KgraphError, match="No space left on device"):
        run_writers(writers, parallel=True)
    assert build._WRITERS == []


def _fail_soon() -> None:
    time.sleep(1.0)  # the other writer has its temporary file open by then
    raise KgraphError("graph.ttl: cannot write (No space left on device)")


def _write_slowly(target: Path) -> None:
    with atomic_path(target) as tmp:
        tmp.write_text("partial")
        time.sleep(60)


def test_writers_stopped_mid_write_leave_no_temporary_files(tmp_path: Path) -> None:
    target = tmp_path / "graph.graphml"
    target.write_text("the old graph")
    writers = [_fail_soon, partial(_write_slowly, target)]
    with pytest.raises(KgraphError, match="No space left on device"):
        run_writers(writers, parallel=True, targets=[target])
    assert [p.name for p in tmp_path.iterdir()] == ["graph.graphml"]
    assert target.read_text() == "the old graph"


def _record_frozen(path: Path) -> None:
    import gc

    path.write_text(str(gc.get_freeze_count()))


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="writes in turn on one core")
def test_workers_garbage_collector_leaves_the_inherited_objects_alone(tmp_path: Path) -> None:
    """Objects inherited from the parent are frozen in the workers (a worker's collector
    scanning them would copy the parent's whole graph into it); the parent thaws after."""
    import gc

    marks = [tmp_path / "a.txt", tmp_path / "b.txt"]
    run_writers([partial(_record_frozen, mark) for mark in marks], parallel=True)
    assert all(int(mark.read_text()) > 10_000 for mark in marks)
    assert gc.get_freeze_count() == 0


def _write_own_name(target: Path) -> None:
    with atomic_path(target) as tmp:
        tmp.write_text(tmp.name)


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="writes in turn on one core")
def test_a_workers_files_wait_for_their_rename_under_the_parents_pid(tmp_path: Path) -> None:
    # under the worker's pid, a file whose worker had exited was "stale" until the parent
    # renamed it: another kgraph writing the same target could remove it in between
    target = tmp_path / "graph.ttl"
    writers = [partial(_write_own_name, target), partial(write_text, tmp_path / "b.txt", "b")]
    run_writers(writers, parallel=True)
    assert target.read_text().startswith(f".graph.ttl.kgraph-{os.getpid()}-")
