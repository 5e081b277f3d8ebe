"""Readers of structured inputs: JSON, JSON Lines, CSV/TSV, arXiv Atom, OpenAlex, S2.

The fixtures in tests/data/formats/ are described in tests/data/formats.md.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from kgraph.cli import main
from kgraph.errors import KgraphError
from kgraph.extract import extract
from kgraph.model import Paper
from kgraph.sources import READERS, format_for, read_file, read_papers

EXEDEC = (
    "ExeDec: Execution Decomposition for Compositional Generalization in Neural Program Synthesis"
)
TITLES = [
    EXEDEC,
    "GraphGPT: Graph Instruction Tuning for Large Language Models",
    "MaskSearch: A Universal Pre-Training Framework to Enhance Agentic Search Capability",
]
SAME_PAPERS = [
    "papers.txt",
    "papers.jsonl",
    "papers.json",
    "papers.csv",
    "papers.tsv",
    "arxiv.xml",
    "openalex.json",
    "semanticscholar.json",
]


@pytest.fixture(scope="module")
def formats(data_dir: Path) -> Path:
    return data_dir / "formats"


def read(path: Path, fmt: str | None = None) -> list[Paper]:
    return read_file(path, fmt)


def test_every_fixture_yields_the_three_papers_with_the_same_text(formats: Path) -> None:
    listing = {p.key: p.text for p in read(formats / "papers.txt")}
    assert [p.title for p in read(formats / "papers.txt")] == TITLES
    for name in SAME_PAPERS:
        papers = [p for p in read(formats / name) if p.abstract]
        assert [p.title for p in papers] == TITLES, name
        assert [p.text for p in papers] == [listing[p.key] for p in papers], name


def test_the_same_paper_in_every_format_extracts_to_the_same_entities(formats: Path) -> None:
    by_format = {
        name: {p.key: p for p in read(formats / name) if p.abstract} for name in SAME_PAPERS
    }
    papers = [paper for papers in by_format.values() for paper in papers.values()]
    mentions = {(e.paper.sources[0].path, e.paper.key): e.mentions for e in extract(papers)}
    reference = {
        key: mentions[(str(formats / "papers.txt"), key)] for key in by_format["papers.txt"]
    }
    assert all(reference.values()), "the papers have entities to compare"
    for name, papers_of in by_format.items():
        for key in papers_of:
            assert mentions[(str(formats / name), key)] == reference[key], (name, key)


def test_extensions_pick_the_reader_and_format_forces_one() -> None:
    assert format_for(Path("a.jsonl")) == format_for(Path("a.ndjson")) == "jsonl"
    assert format_for(Path("a.JSON")) == "json"
    assert format_for(Path("a.csv")) == "csv"
    assert format_for(Path("a.tsv")) == "tsv"
    assert format_for(Path("a.xml")) == format_for(Path("a.atom")) == "arxiv"
    assert format_for(Path("a.txt")) == format_for(Path("a.unknown")) == "listing"
    assert format_for(Path("a.txt"), "openalex") == "openalex"
    with pytest.raises(KgraphError, match="unknown input format 'bibtex'"):
        format_for(Path("a.bib"), "bibtex")
    assert {"json", "jsonl", "csv", "tsv", "arxiv", "openalex", "semanticscholar"} <= set(READERS)


def test_json_lines_map_url_date_authors_and_keep_the_id(formats: Path) -> None:
    paper = read(formats / "papers.jsonl")[0]
    assert (paper.url, paper.date, paper.authors) == (
        "https://arxiv.org/abs/2307.13883",
        "2023-07-25",
        6,
    )
    assert paper.metadata["id"] == "2307.13883"
    assert paper.metadata["authors"][:2] == ["Kensen Shi", "Joey Hong"]
    assert [p.sources[0].line for p in read(formats / "papers.jsonl")] == [1, 2, 3]


def test_json_array_normalises_a_broken_title_and_reads_a_count_of_authors(formats: Path) -> None:
    papers = read(formats / "papers.json")
    assert papers[0].title == EXEDEC
    assert [p.authors for p in papers] == [6, 8, 9]
    assert "authors" not in papers[0].metadata
    assert [p.sources[0].line for p in papers] == [2, 9, 16], "the line each record starts on"


def test_csv_header_is_matched_without_case_and_authors_split_at_semicolons(
    formats: Path,
) -> None:
    paper = read(formats / "papers.csv")[1]
    assert (paper.date, paper.authors, paper.url) == (
        "2023-10-19",
        8,
        "https://arxiv.org/abs/2310.13023",
    )
    assert paper.metadata["authors"][-1] == "Chao Huang"
    assert paper.sources[0].line == 3


def test_tsv_as_pandas_writes_it(formats: Path) -> None:
    papers = read(formats / "papers.tsv")
    assert [(p.metadata["id"], p.authors) for p in papers] == [
        ("2307.13883", 6),
        ("2310.13023", 8),
        ("2505.15216", 9),
    ]


def test_arxiv_feed_unwraps_titles_and_summaries(formats: Path) -> None:
    papers = read(formats / "arxiv.xml")
    exedec = papers[0]
    assert exedec.title == EXEDEC, "the title was wrapped over two lines in the feed"
    assert "\n" not in exedec.abstract
    assert "  " not in exedec.abstract
    assert exedec.date == "2023-07-25"
    assert exedec.url == "http://arxiv.org/abs/2307.13883v2"
    assert exedec.authors == 6
    assert exedec.metadata["id"] == "http://arxiv.org/abs/2307.13883v2"
    assert exedec.metadata["categories"] == ["cs.LG", "cs.PL"]
    lines = (formats / "arxiv.xml").read_text().splitlines()
    for paper in papers:
        assert "<title>" in lines[paper.sources[0].line - 1], "source line is the title's"


def test_openalex_abstract_is_rebuilt_and_a_work_without_one_warns(
    formats: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        papers = read(formats / "openalex.json")
    assert len(papers) == 4
    graphgpt = papers[1]
    assert graphgpt.abstract.startswith("Graph Neural Networks (GNNs) have advanced graph")
    assert graphgpt.url == "https://doi.org/10.48550/arxiv.2310.13023"
    assert graphgpt.metadata["id"] == "https://openalex.org/W4387835179"
    assert (graphgpt.date, graphgpt.authors) == ("2023-10-19", 8)
    assert papers[3].title == "Attention Is All You Need"
    assert (papers[3].abstract, papers[3].authors) == ("", None)
    assert "openalex.json:1897 (record 4): title with no abstract" in caplog.text


def test_semantic_scholar_batch_skips_null_and_keeps_a_withheld_abstract(
    formats: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        papers = read(formats / "semanticscholar_batch.json")
    assert [p.title for p in papers] == TITLES[:2]
    assert papers[1].abstract == ""
    assert papers[0].metadata["external_ids"]["ArXiv"] == "2307.13883"
    assert papers[0].url is not None
    assert papers[0].url.startswith("https://www.semanticscholar.org/paper/")
    assert "semanticscholar_batch.json:1 (record 2): a JSON null, not a paper record" in caplog.text


def test_single_objects_and_json_lines_of_api_records_are_detected(tmp_path: Path) -> None:
    work = (
        '{"id": "https://openalex.org/W1", "display_name": "A  Work", '
        '"abstract_inverted_index": {"We": [0], "use": [1], "SCAN.": [2]}}'
    )
    (tmp_path / "work.json").write_text(work)
    (tmp_path / "s2.json").write_text('{"paperId": "ab12", "title": "A\\nPaper", "abstract": "X."}')
    (tmp_path / "works.json").write_text(work + "\n" + work.replace("W1", "W2") + "\n")
    assert [(p.title, p.abstract) for p in read(tmp_path / "work.json")] == [
        ("A Work", "We use SCAN.")
    ]
    assert [(p.title, p.metadata) for p in read(tmp_path / "s2.json")] == [
        ("A Paper", {"id": "ab12"})
    ]
    works = read(tmp_path / "works.json")
    assert [p.metadata["id"] for p in works] == [
        "https://openalex.org/W1",
        "https://openalex.org/W2",
    ]
    assert [p.sources[0].line for p in works] == [1, 2]


def test_forced_format_reads_records_as_that_source(tmp_path: Path) -> None:
    (tmp_path / "export.txt").write_text(
        '{"results": [{"title": "Forced", "abstract_inverted_index": {"Hi.": [0]}}]}'
    )
    assert [(p.title, p.abstract) for p in read(tmp_path / "export.txt", "openalex")] == [
        ("Forced", "Hi.")
    ]


def test_bad_json_lines_are_warned_about_one_line_each_and_skipped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_text(
        '{"title": "Good One", "abstract": "We use SCAN."}\n'
        '{"title": "Cut short", "abstr\n'
        "\n"
        '["not", "an", "object"]\n'
        '{"abstract": "No title here."}\n'
        '{"title": "   ", "abstract": "Blank title."}\n'
        '{"title": "Good Two", "abstract": "We use COGS.", "authors": "n/a"}\n'
    )
    with caplog.at_level(logging.WARNING):
        papers = read(path)
    assert [p.title for p in papers] == ["Good One", "Good Two"]
    warnings = [r.getMessage() for r in caplog.records]
    assert warnings == [
        f"{path}:2:24: not valid JSON (Unterminated string starting at), skipped",
        f"{path}:4: a JSON list, not a paper record, skipped",
        f"{path}:5: record with no title, skipped",
        f"{path}:6: record with no title, skipped",
    ]
    assert all("\n" not in w for w in warnings)


def test_broken_json_document_is_skipped_with_its_position(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "broken.json"
    path.write_text('[\n  {"title": "A", "abstract": "B"},\n  {"title": "C",\n')
    with caplog.at_level(logging.WARNING):
        assert read(path) == []
    assert f"{path}:4:1: not valid JSON" in caplog.text


def test_json_written_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes('[{"title": "Café", "abstract": "Ünïcode."}]'.encode("utf-8-sig"))
    assert [p.title for p in read(path)] == ["Café"]


def test_openalex_index_that_is_not_positions_warns_and_keeps_the_title(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "w.json"
    path.write_text('{"title": "T", "abstract_inverted_index": {"a": "zero"}}')
    with caplog.at_level(logging.WARNING):
        papers = read(path)
    assert [(p.title, p.abstract) for p in papers] == [("T", "")]
    assert "abstract_inverted_index is not words -> positions" in caplog.text


def test_csv_without_the_columns_or_with_a_ragged_row_warns(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "nohead.csv").write_text("name,text\nA,B\n")
    (tmp_path / "ragged.csv").write_text(
        'title,abstract\nGood,"We use SCAN, COGS."\nBad,too,many\n,No title.\nAlso Good,Yes.\n'
    )
    with caplog.at_level(logging.WARNING):
        assert read(tmp_path / "nohead.csv") == []
        papers = read(tmp_path / "ragged.csv")
    assert [p.title for p in papers] == ["Good", "Also Good"]
    assert "nohead.csv:1: header has no title or abstract column (found: name, text)" in caplog.text
    assert "ragged.csv:3: row has 3 fields, the header 2, skipped" in caplog.text
    assert "ragged.csv:4: record with no title, skipped" in caplog.text


def test_arxiv_error_feed_and_titleless_entry_warn(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "error.xml"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom">\n'
        "  <entry>\n"
        "    <id>http://arxiv.org/api/errors#incorrect_id_format_for_1234</id>\n"
        "    <title>Error</title>\n"
        "    <summary>incorrect id format for 1234</summary>\n"
        "  </entry>\n"
        "  <entry>\n    <id>http://arxiv.org/abs/1</id>\n    <summary>x</summary>\n  </entry>\n"
        "</feed>\n"
    )
    with caplog.at_level(logging.WARNING):
        assert read(path) == []
    assert f"{path}:3: arXiv API error: incorrect id format for 1234, skipped" in caplog.text
    assert f"{path}:8: entry with no title, skipped" in caplog.text
    assert f"{path}: no papers found" in caplog.text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            '<?xml version="1.0"?>\n<!DOCTYPE feed [\n <!ENTITY a "aaaaaaaaaa">\n'
            ' <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">\n]>\n'
            '<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>&b;</title></entry></feed>',
            "XML that declares entities is refused",
        ),
        (
            '<!DOCTYPE feed [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
            '<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>&x;</title></entry></feed>',
            "XML that declares entities is refused",
        ),
        ('<feed xmlns="http://www.w3.org/2005/Atom">\n<entry>\n</feed>', "3:2: not well-formed"),
        ("<html><body>Not a feed</body></html>", "not an Atom feed (root element <html>)"),
    ],
)
def test_unsafe_or_wrong_xml_is_skipped_with_one_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, content: str, message: str
) -> None:
    path = tmp_path / "feed.xml"
    path.write_text(content)
    with caplog.at_level(logging.WARNING):
        assert read(path) == []
    assert message in caplog.text
    assert "aaaaaaaaaa" * 10 not in caplog.text, "no entity was expanded"
    assert all("\n" not in r.getMessage() for r in caplog.records)


def test_a_folder_of_every_format_merges_into_the_distinct_papers(formats: Path) -> None:
    papers = read_papers([formats])
    assert [p.title for p in papers] == [*TITLES, "Attention Is All You Need"]
    exedec = papers[0]
    assert len(exedec.sources) == 9, "every file that lists it is a source"


def test_build_reads_structured_inputs_and_format_option_lists_them(
    formats: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["build", str(formats / "arxiv.xml"), "--out", str(out)]) == 0
    assert len((out / "entities.jsonl").read_text().splitlines()) == 3
    assert main(["build", "--help"]) == 0
    assert "openalex" in capsys.readouterr().out
