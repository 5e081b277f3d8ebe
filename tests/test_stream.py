"""``kgraph extract`` streams: one file at a time, later listings merged in at the end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kgraph.build import BuildOptions, extract_all
from kgraph.cli import main
from kgraph.export.jsonl import lines
from kgraph.extract import Settings
from kgraph.model import Extraction
from kgraph.sources import iter_papers, read_papers
from kgraph.stream import FirstListings, NoPapers, extract_stream

ONE = Settings(n_process=1)


def test_stream_of_the_seeds_equals_the_extraction_of_the_merged_papers(
    seeds_dir: Path, seed_extractions: list[Extraction], tmp_path: Path
) -> None:
    # The seeds list 24 papers twice (424 entries, 400 papers): their sources are merged in.
    out = tmp_path / "x.jsonl"
    count = extract_stream(iter_papers([seeds_dir]), out, ONE)
    assert count == 400
    assert out.read_text(encoding="utf-8") == "".join(lines(seed_extractions))
    twice = [r for r in map(json.loads, out.open(encoding="utf-8")) if len(r["sources"]) > 1]
    assert len(twice) == 24


def test_every_paper_taken_for_a_repeat_still_comes_out_right(
    seeds_dir: Path,
    seed_extractions: list[Extraction],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # All keys collide: every paper after the first is set aside as a "later listing". The
    # final pass must tell them apart again by their real keys and extract them (after the
    # first paper, which stays first): the same lines, merged the same way.
    monkeypatch.setattr(FirstListings, "digest", staticmethod(lambda key: 0))
    out = tmp_path / "x.jsonl"
    assert extract_stream(iter_papers([seeds_dir]), out, ONE) == 400
    got = out.read_text(encoding="utf-8").splitlines(keepends=True)
    assert got[0] == next(lines(seed_extractions[:1]))
    assert sorted(got) == sorted(lines(seed_extractions))


def test_a_later_listing_with_the_abstract_is_extracted_again(tmp_path: Path) -> None:
    first = tmp_path / "a.jsonl"
    later = tmp_path / "b.jsonl"
    first.write_text(json.dumps({"title": "FooNet: Fast Nets", "abstract": ""}) + "\n")
    later.write_text(
        json.dumps(
            {
                "title": "FooNet: fast nets",
                "abstract": "We propose FooNet and evaluate it on ImageNet and CIFAR-10.",
                "url": "https://example.org/foonet",
            }
        )
        + "\n"
    )
    out = tmp_path / "x.jsonl"
    assert extract_stream(iter_papers([first, later]), out, ONE) == 1
    (got,) = map(json.loads, out.read_text(encoding="utf-8").splitlines())
    assert got["title"] == "FooNet: Fast Nets"
    assert got["url"] == "https://example.org/foonet"
    assert [s["path"].rsplit("/", 1)[-1] for s in got["sources"]] == ["a.jsonl", "b.jsonl"]
    names = {e["name"] for e in got["entities"]}
    assert {"ImageNet", "CIFAR-10"} <= names
    expected = read_papers([first, later])
    assert got["abstract"] == expected[0].abstract


def test_no_papers_writes_nothing_and_keeps_the_old_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n")
    out = tmp_path / "x.jsonl"
    out.write_text("what the user had\n")
    with pytest.raises(NoPapers):
        extract_stream(iter_papers([empty]), out, ONE)
    assert main(["extract", str(empty), "--out", str(out)]) == 2
    assert "no papers found in" in capsys.readouterr().err
    assert out.read_text() == "what the user had\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.jsonl", "x.jsonl"]


def test_a_missing_input_fails_before_any_paper_is_read(tmp_path: Path) -> None:
    good = tmp_path / "a.jsonl"
    good.write_text(json.dumps({"title": "A Paper", "abstract": "Text."}) + "\n")
    with pytest.raises(Exception, match="no such file"):
        iter_papers([good, tmp_path / "missing.txt"])


def test_a_build_merges_repeated_papers_as_read_papers_does(
    seeds_dir: Path,
    seed_extractions: list[Extraction],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    options = BuildOptions(progress=False, settings=ONE)
    assert extract_all(iter_papers([seeds_dir]), options) == seed_extractions
    # Every key colliding: the in-memory merge must still tell the papers apart.
    monkeypatch.setattr(FirstListings, "digest", staticmethod(lambda key: 0))
    collided = extract_all(iter_papers([seeds_dir]), options)
    assert collided[0] == seed_extractions[0]
    assert sorted(map(repr, collided)) == sorted(map(repr, seed_extractions))
