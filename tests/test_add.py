"""``kgraph add``: growing a build gives what a build over all the inputs gives."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

import kgraph.stream
from kgraph.cli import main
from kgraph.extract import Settings
from kgraph.model import Extraction, Paper

A_TITLE_WITHOUT_ABSTRACT = "A Title Left Without Its Abstract"


@pytest.fixture(autouse=True)
def _restore_kgraph_logger() -> Iterator[None]:
    """main() sets the level of the 'kgraph' logger (-q: errors only); later tests need warnings."""
    logger = logging.getLogger("kgraph")
    level = logger.level
    yield
    logger.setLevel(level)


@pytest.fixture
def extracted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The titles of the papers extraction runs on, in order (extraction itself still runs)."""
    titles: list[str] = []
    real = kgraph.stream.extract

    def counting(papers: Iterable[Paper], settings: Settings) -> Iterator[Extraction]:
        papers = list(papers)
        titles.extend(p.title for p in papers)
        return real(papers, settings)

    monkeypatch.setattr(kgraph.stream, "extract", counting)
    return titles


def records(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / "entities.jsonl").read_text().splitlines()]


def turtle(out: Path) -> Graph:
    return Graph().parse(out / "graph.ttl", format="turtle")


def run(*argv: str | Path) -> int:
    return main(["-q", *(str(a) for a in argv)])


@pytest.fixture
def inputs(data_dir: Path, tmp_path: Path) -> tuple[list[Path], list[Path]]:
    """A: listing pages; B: new papers, known ones in other formats, an abstract filled in."""
    late = tmp_path / "late.jsonl"
    late.write_text(
        json.dumps(
            {
                "title": A_TITLE_WITHOUT_ABSTRACT,
                "abstract": "We evaluate GPT-4 on SCAN and report accuracy.",
                "url": "https://example.org/late",
            }
        )
        + "\n"
    )
    formats = data_dir / "formats"
    a = [data_dir / "layouts/mixed.txt", formats / "papers.txt"]
    b = [
        data_dir / "layouts/glued.txt",
        formats / "papers.jsonl",
        formats / "openalex.json",
        late,
    ]
    return a, b


def test_build_a_then_add_b_equals_build_a_and_b(
    inputs: tuple[list[Path], list[Path]], tmp_path: Path
) -> None:
    a, b = inputs
    grown, full = tmp_path / "grown", tmp_path / "full"
    assert run("build", *a, "--out", grown) == 0
    assert run("add", *b, "--out", grown) == 0
    assert run("build", *a, *b, "--out", full) == 0
    assert (grown / "entities.jsonl").read_bytes() == (full / "entities.jsonl").read_bytes()
    assert isomorphic(turtle(grown), turtle(full))
    titles = [r["title"] for r in records(grown)]
    assert len(titles) == 4 + 3 + 2 + 1, "mixed, papers.txt, glued (less ExeDec), OpenAlex's extra"
    exedec = next(r for r in records(grown) if r["title"].startswith("ExeDec"))
    assert [s["path"] for s in exedec["sources"]] == [str(p) for p in (a[1], b[0], b[1], b[2])], (
        "a known paper gains the sources of its new listings"
    )
    late = next(r for r in records(grown) if r["title"] == A_TITLE_WITHOUT_ABSTRACT)
    assert late["abstract"].startswith("We evaluate GPT-4")
    assert late["entities"], "the paper that gained an abstract was extracted again"


def test_add_extracts_only_new_papers(
    inputs: tuple[list[Path], list[Path]],
    tmp_path: Path,
    extracted: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    a, b = inputs
    out = tmp_path / "out"
    assert run("build", *a, "--out", out) == 0
    extracted.clear()
    assert main(["add", *map(str, b), "--out", str(out)]) == 0
    assert len(extracted) == 2 + 1 + 1, "glued's 2 new, OpenAlex's extra work, the late abstract"
    assert A_TITLE_WITHOUT_ABSTRACT in extracted
    assert not any(t.startswith(("ExeDec", "GraphGPT", "MaskSearch")) for t in extracted)
    report = capsys.readouterr().out
    assert "added     3 papers" in report
    assert "updated   1 paper (text changed" in report
    assert "known     3 papers already in the build" in report
    assert "papers    10" in report


def test_adding_the_same_input_again_changes_nothing(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    page = data_dir / "layouts/metadata.txt"
    assert run("build", page, "--out", out) == 0
    before = (out / "entities.jsonl").read_bytes()
    assert run("add", page, "--out", out) == 0
    assert (out / "entities.jsonl").read_bytes() == before


def test_changed_abstract_is_kept_without_update_and_replaced_with_it(
    tmp_path: Path, extracted: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    first = tmp_path / "first.jsonl"
    first.write_text(
        '{"title": "Alpha: A Model", "abstract": "We propose Alpha. We use SCAN."}\n'
        '{"title": "Beta", "abstract": "We use COGS."}\n'
    )
    revised = tmp_path / "revised.csv"
    revised.write_text('title,abstract\nALPHA - a model,"We propose Alpha, tested on GSM8K."\n')
    out = tmp_path / "out"
    assert run("build", first, "--out", out) == 0
    extracted.clear()
    capsys.readouterr()
    assert main(["add", str(revised), "--out", str(out)]) == 0
    assert extracted == []
    printed = capsys.readouterr()
    assert "listed again with a different abstract; kept the first" in printed.err
    assert "kept      1 old abstract(s) that differ" in printed.out
    assert records(out)[0]["abstract"] == "We propose Alpha. We use SCAN."

    assert run("add", revised, "--out", out, "--update") == 0
    assert extracted == ["ALPHA - a model"]
    alpha, beta = records(out)
    assert (alpha["title"], alpha["abstract"]) == (
        "ALPHA - a model",
        "We propose Alpha, tested on GSM8K.",
    )
    assert [s["path"] for s in alpha["sources"]] == [str(first), str(revised)]
    assert beta["title"] == "Beta", "an updated paper keeps its place"


def test_add_without_a_build_is_one_line_error(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["add", str(data_dir / "layouts/glued.txt"), "--out", str(tmp_path / "none")])
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("kgraph: error: ")
    assert "no build to add to" in err
    assert "kgraph build" in err


def test_add_to_a_damaged_state_is_one_line_error(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "entities.jsonl").write_text('{"title": "A", "entities": []}\n{"title": "B", "ent\n')
    assert main(["add", str(data_dir / "layouts/glued.txt"), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "entities.jsonl:2: not an extraction record" in err
    assert "Traceback" not in err


def test_add_help_lists_the_input_formats(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["add", "--help"]) == 0
    help_text = capsys.readouterr().out
    assert "--update" in help_text
    assert "semanticscholar" in help_text


@pytest.mark.parametrize(
    ("record", "says"),
    [
        ('{"title": 5}', "'title' is a number, not text"),
        ('{"title": "A", "date": 5}', "'date' is a number, not text"),
        ('{"title": "A", "authors": "many"}', "'authors' is text, not a whole number"),
        ('{"title": "A", "url": [1]}', "'url' is a list, not text"),
        ('{"title": "A", "sources": [{"path": "x", "line": 1.5}]}', "'line' is a number, not a"),
        ('{"title": "A", "entities": [{"name": "X", "type": "model", "start": "3"}]}', "'start'"),
        ("[1]", "a list where an object with 'title' belongs"),
    ],
)
def test_a_damaged_state_record_is_one_line_and_changes_nothing(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], record: str, says: str
) -> None:
    # fields of the wrong type failed later with AttributeError or ValueError tracebacks
    out = tmp_path / "out"
    assert main(["-q", "build", str(data_dir / "layouts/glued.txt"), "--out", str(out)]) == 0
    state = out / "entities.jsonl"
    with state.open("a", encoding="utf-8") as handle:
        handle.write(record + "\n")
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert main(["-q", "add", str(data_dir / "layouts/mixed.txt"), "--out", str(out)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1
    assert "entities.jsonl:" in err[0]
    assert says in err[0]
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
