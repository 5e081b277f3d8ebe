"""The listing-page reader on the four seed layouts, small files and the real seeds."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from kgraph.errors import KgraphError
from kgraph.model import Paper, paper_id
from kgraph.sources import iter_files, merge_papers, read_file, read_papers
from kgraph.sources.listing import parse_listing


def titles(papers: list[Paper]) -> list[str]:
    return [p.title for p in papers]


def test_glued_layout_strips_chrome_glued_to_the_first_title(data_dir: Path) -> None:
    papers = read_file(data_dir / "layouts/glued.txt")
    assert titles(papers) == [
        "ExeDec: Execution Decomposition for Compositional Generalization in Neural Program "
        "Synthesis",
        "Measuring Compositional Generalization: A Comprehensive Method on Realistic Data",
        "Data Factors for Better Compositional Generalization",
    ]
    assert papers[0].abstract.startswith("When writing programs, people have the ability")
    assert papers[0].sources[0].line == 3


def test_blank_line_layout_skips_header_chrome_and_date(data_dir: Path) -> None:
    papers = read_file(data_dir / "layouts/blank_lines.txt")
    assert titles(papers) == [
        "LLM as Dataset Analyst: Subpopulation Structure Discovery with Large Language Model",
        "GraphGPT: Graph Instruction Tuning for Large Language Models",
    ]
    assert all(p.date is None for p in papers), "the page's header date is not a paper's date"
    assert papers[1].abstract.startswith("Graph Neural Networks (GNNs) have advanced")


def test_metadata_layout_reads_authors_date_upvotes_organisation(data_dir: Path) -> None:
    papers = {p.title.split(":")[0]: p for p in read_file(data_dir / "layouts/metadata.txt")}
    assert len(papers) == 7
    synth = papers["SynthWorlds"]
    assert (synth.authors, synth.date, synth.upvotes) == (7, "Oct 28", None)
    assert papers["Online Information Acquisition"].date == "Jul 12, 2023"
    rad = papers["RAD"]
    assert (rad.authors, rad.date) == (None, None), "a paper with no metadata block gets none"
    lineas = papers["LinEAS"]
    assert (lineas.organisation, lineas.date, lineas.upvotes) == ("Apple", "Mar 11", 1)


def test_mixed_layout_long_title_short_abstract_paragraphs_and_missing_abstract(
    data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        papers = read_file(data_dir / "layouts/mixed.txt")
    assert [len(p.title) > 100 for p in papers] == [True, False, False, False]
    assert papers[1].abstract == "A short one."
    assert papers[2].abstract.count("\n") == 1, "two paragraphs stay one abstract"
    assert papers[3].abstract == ""
    assert "title with no abstract" in caplog.text
    assert "mixed.txt:10" in caplog.text


def test_seeds_hold_424_entries_and_400_unique_papers(seeds_dir: Path) -> None:
    entries = [p for f in iter_files([seeds_dir]) for p in read_file(f)]
    assert len(entries) == 424
    papers = merge_papers(entries)
    assert len(papers) == 400
    twice = [p for p in papers if len(p.sources) == 2]
    assert len(twice) == 24
    assert all(len({s.path for s in p.sources}) == 2 for p in twice), "both pages are kept"


def test_known_seed_papers_have_their_page_metadata(seed_papers: list[Paper]) -> None:
    by_title = {p.title.split(":")[0]: p for p in seed_papers}
    mask = by_title["MaskSearch"]
    assert (mask.authors, mask.date, mask.upvotes) == (9, "May 26", 2)
    meta = by_title["Reinforcement Learning Improves Traversal of Hierarchical Knowledge in LLMs"]
    assert (meta.organisation, meta.date, meta.upvotes) == ("Meta AI", "Nov 8", 2)
    assert by_title["One-dimensional Adapter to Rule Them All"].upvotes == 1


def test_no_seed_title_carries_chrome_or_metadata(seed_papers: list[Paper]) -> None:
    for paper in seed_papers:
        assert not paper.title.startswith(("Subscribe", "Get trending", "byAK", "Daily Papers"))
        assert "authors" not in paper.title.split()[-1:]
        assert paper.title != "·"
        assert len(paper.abstract) > 200


def test_paper_id_is_stable_and_ignores_case_and_punctuation() -> None:
    assert paper_id("ExeDec: Execution Decomposition") == paper_id(
        "exedec  execution-decomposition"
    )
    assert paper_id("ExeDec") != paper_id("ExeDecs")
    assert paper_id("ExeDec: Execution Decomposition") == "59c63ba98bef", (
        "ids must not change between versions"
    )


def test_duplicate_listing_merges_metadata_and_sources() -> None:
    page_a = "A Paper: Title\nWe study things. It works.\n"
    page_b = "A paper - title\nWe study things. It works.\n  • 4 authors\n·\nJan 2, 2024 3\n"
    merged = merge_papers(parse_listing(page_a, "a.txt") + parse_listing(page_b, "b.txt"))
    assert len(merged) == 1
    paper = merged[0]
    assert paper.title == "A Paper: Title"
    assert (paper.authors, paper.date, paper.upvotes) == (4, "Jan 2, 2024", 3)
    assert [s.path for s in paper.sources] == ["a.txt", "b.txt"]


def test_missing_input_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(KgraphError, match="no such file"):
        read_papers([tmp_path / "nope.txt"])


def test_unreadable_inputs_warn_and_a_run_with_nothing_fails(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "binary.txt").write_bytes(bytes(range(256)) * 8)
    with caplog.at_level(logging.WARNING), pytest.raises(KgraphError, match="no papers found"):
        read_papers([tmp_path])
    assert "empty.txt: empty file" in caplog.text
    assert "binary.txt: binary file" in caplog.text


def test_non_utf8_file_is_read_as_cp1252_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    page = "Café Models: A Study\nWe study café-style models. They work well on “SCAN”.\n"
    (tmp_path / "cp1252.txt").write_bytes(page.encode("cp1252"))
    with caplog.at_level(logging.WARNING):
        papers = read_papers([tmp_path])
    assert papers[0].title == "Café Models: A Study"
    assert "“SCAN”" in papers[0].abstract
    assert "not UTF-8" in caplog.text
    assert "Windows-1252" in caplog.text
