"""The command line, called in-process as ``main([...])``."""

from __future__ import annotations

import json
import os
from pathlib import Path

import networkx as nx
import pytest

from kgraph import __version__
from kgraph.cli import main


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"kgraph {__version__}"


def test_no_command_prints_help_and_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage: kgraph" in capsys.readouterr().err


def test_build_on_the_seeds_writes_every_output(
    seeds_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["-q", "build", str(seeds_dir), "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "entities.jsonl",
        "graph.graphml",
        "graph.html",
        "graph.ttl",
    ]
    records = [json.loads(line) for line in (out / "entities.jsonl").read_text().splitlines()]
    assert len(records) == 400
    graph = nx.read_graphml(out / "graph.graphml")
    assert sum(1 for _, kind in graph.nodes(data="kind") if kind == "paper") == 400
    assert capsys.readouterr().out == "", "-q prints nothing on success"


def test_build_defaults_to_seeds_and_output(
    seeds_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "seeds").symlink_to(seeds_dir)
    monkeypatch.chdir(tmp_path)
    assert main(["build"]) == 0
    out = capsys.readouterr().out
    assert "papers    400" in out
    assert "wrote     output/graph.ttl" in out
    assert (tmp_path / "output" / "graph.html").stat().st_size > 0
    mode = (tmp_path / "output" / "graph.ttl").stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask, "outputs get the mode a plain open() gives, not 0600"


def test_extract_prints_one_json_line_per_paper(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["extract", str(data_dir / "layouts/metadata.txt")]) == 0
    lines = capsys.readouterr().out.splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == 7
    first = records[0]
    assert first["title"].startswith("SynthWorlds")
    assert (first["authors"], first["date"]) == (7, "Oct 28")
    assert {"id", "abstract", "sources", "entities"} <= first.keys()
    for entity in first["entities"]:
        assert {
            "name",
            "type",
            "introduced",
            "aliases",
            "sentence",
            "start",
            "end",
        } <= entity.keys()
        text = first["title"] + "\n\n" + first["abstract"]
        assert entity["sentence"] in text


def test_extract_writes_a_file_with_out(data_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "x.jsonl"
    assert main(["-q", "extract", str(data_dir / "layouts/glued.txt"), "--out", str(target)]) == 0
    assert len(target.read_text().splitlines()) == 3


def test_missing_input_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["build", str(tmp_path / "missing"), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "missing: no such file or directory" in err
    assert "Traceback" not in err


def test_folder_without_papers_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "empty.txt").write_text("\n\n")
    assert main(["build", str(tmp_path / "in"), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[-1].startswith("kgraph: error: no papers found")
    assert any("empty.txt: empty file" in line for line in err)


def test_unwritable_output_exits_2(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("I am a file, not a folder")
    code = main(["build", str(data_dir / "layouts/glued.txt"), "--out", str(blocker / "out")])
    assert code == 2
    assert "cannot write" in capsys.readouterr().err
    assert blocker.read_text() == "I am a file, not a folder"


def test_bad_base_iri_exits_2(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "build",
            str(data_dir / "layouts/glued.txt"),
            "--out",
            str(tmp_path),
            "--base",
            "not an iri",
        ]
    )
    assert code == 2
    assert "--base" in capsys.readouterr().err
