"""The command line, called in-process as ``main([...])``."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import pytest

import kgraph.cli
import kgraph.extract
from kgraph import __version__
from kgraph.cli import main
from kgraph.export.rdf import write_turtle
from kgraph.extract import Settings, extract
from kgraph.model import Extraction, Paper


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
        "benchmarks.html",
        "entities.jsonl",
        "graph.graphml",
        "graph.html",
        "graph.oxigraph",
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


def test_more_processes_than_cores_uses_the_cores_and_says_so(
    data_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # --processes 99999999999999999999 forked until the machine ran out of memory
    monkeypatch.setattr(kgraph.extract, "cpu_cores", lambda: 1)
    target = tmp_path / "x.jsonl"
    argv = ["extract", str(data_dir / "layouts/glued.txt"), "--out", str(target)]
    assert main([*argv, "--processes", "99999999999999999999"]) == 0
    assert capsys.readouterr().err.splitlines() == [
        "kgraph: warning: --processes 99999999999999999999: this machine has 1 CPU cores; using 1"
    ]
    assert len(target.read_text().splitlines()) == 3


def test_extract_never_starts_more_processes_than_cores(
    seed_papers: list[Paper], monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[int] = []

    def parallel(papers: object, settings: Settings, workers: int) -> Iterator[Extraction]:
        started.append(workers)
        return iter(())

    monkeypatch.setattr(kgraph.extract, "cpu_cores", lambda: 2)
    monkeypatch.setattr(kgraph.extract, "_extract_parallel", parallel)
    list(extract(seed_papers[:10], Settings(n_process=10**20)))
    assert started == [2]


@pytest.mark.parametrize("option", ["--processes", "--batch-size"])
def test_process_and_batch_counts_must_be_counts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str
) -> None:
    assert main(["extract", str(tmp_path), option, "-1"]) == 2
    assert f"{option}: not a " in capsys.readouterr().err


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


def _graphml(graph: nx.MultiDiGraph, folder: Path) -> Path:
    from kgraph.export.graphml import write_graphml

    target = folder / "graph.graphml"
    write_graphml(graph, target)
    return target


def test_view_writes_one_entitys_neighbourhood_from_the_graphml(
    small_graph: nx.MultiDiGraph, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _graphml(small_graph, tmp_path)
    page = tmp_path / "scan.html"
    assert (
        main(["view", "Simplified CommAI Navigation", "--graph", str(source), "--out", str(page)])
        == 0
    )
    assert capsys.readouterr().out == f"wrote {page}\n"
    html = page.read_text()
    assert "<title>SCAN (benchmark)</title>" in html
    assert '"id":"benchmark:scan"' in html
    assert "task:programrepair" not in html


def test_view_reads_output_graphml_by_default(
    small_graph: nx.MultiDiGraph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "output").mkdir()
    _graphml(small_graph, tmp_path / "output")
    monkeypatch.chdir(tmp_path)
    assert main(["-q", "view", "benchmark:SCAN", "--out", "scan.html"]) == 0
    assert (tmp_path / "scan.html").stat().st_size > 0


@pytest.mark.parametrize(
    ("entity", "graph", "message"),
    [
        ("MNIST", "graph.graphml", "kgraph: error: no entity 'MNIST' in the graph"),
        ("SCAN", "missing.graphml", "missing.graphml: no such file (run `kgraph build` first)"),
        ("SCAN", "junk.graphml", "junk.graphml: not a kgraph GraphML file"),
    ],
)
def test_view_failures_exit_2_with_one_line(
    small_graph: nx.MultiDiGraph,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    entity: str,
    graph: str,
    message: str,
) -> None:
    _graphml(small_graph, tmp_path)
    (tmp_path / "junk.graphml").write_text("<graphml><oops")
    out = tmp_path / "page.html"
    assert main(["view", entity, "--graph", str(tmp_path / graph), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert message in err
    assert not out.exists()


def test_html_max_nodes_caps_the_build_and_says_so(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["-q", "build", str(data_dir / "layouts/metadata.txt"), "--out", str(out)]
    assert main([*args, "--html-max-nodes", "5"]) == 0
    html = (out / "graph.html").read_text()
    match = re.search(r'data-nodes="(\d+)"', html)
    assert match
    assert 0 < int(match.group(1)) <= 5
    assert f"Showing {match.group(1)} of " in html
    assert "Raise <code>--html-max-nodes</code> to show more." in html
    assert (out / "benchmarks.html").exists()


def test_html_max_nodes_must_be_a_count(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["view", "x", "--out", str(tmp_path / "p.html"), "--html-max-nodes", "-1"]) == 2
    assert "--html-max-nodes: not a number of nodes: '-1'" in capsys.readouterr().err


def test_serve_port_out_of_range_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    # was an OverflowError traceback from bind()
    assert main(["serve", "--port", "70000"]) == 2
    assert "--port: not a TCP port (0 to 65535): '70000'" in capsys.readouterr().err


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("command", [["extract", "LAYOUT"], ["stats", "--graph", "TTL"]])
def test_standard_output_on_a_full_disk_is_one_line(
    data_dir: Path, small_graph: nx.MultiDiGraph, tmp_path: Path, command: list[str]
) -> None:
    # was an OSError traceback (and another as Python flushed stdout at exit)
    write_turtle(small_graph, tmp_path / "graph.ttl")
    paths = {"LAYOUT": str(data_dir / "layouts/glued.txt"), "TTL": str(tmp_path / "graph.ttl")}
    argv = [sys.executable, "-m", "kgraph", *(paths.get(part, part) for part in command)]
    with open("/dev/full", "w") as full:
        done = subprocess.run(argv, stdout=full, stderr=subprocess.PIPE, text=True, check=False)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "kgraph: error: cannot write the output: No space left on device"
    ]


@pytest.mark.parametrize(
    "argv", [["extract", ""], ["build", "INPUT", "--out", ""], ["view", "x", "--out", " "]]
)
def test_an_empty_path_is_a_usage_error_not_the_current_folder(
    data_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
) -> None:
    # Path("") is ".": `extract ""` read the whole current folder, `--out ""` wrote into it
    monkeypatch.chdir(tmp_path)  # (so that, were it back, it would write there)
    argv = [str(data_dir / "layouts/glued.txt") if part == "INPUT" else part for part in argv]
    assert main(argv) == 2
    assert "empty path" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
