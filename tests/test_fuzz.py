"""Fuzzing (issue 9): random and mutated listing pages through the reader and the whole build.

Pages start from real seed excerpts and are mutated the way scrapers damage them: lines
deleted, duplicated, swapped, split and joined; control, invisible and other Unicode
characters, markup and very long lines inserted; page chrome glued to titles; CRLF line ends
and stray bytes. Properties: nothing but :class:`KgraphError` escapes, every paper has a
title, every IRI in the Turtle is valid, and the Turtle parses in rdflib and Oxigraph and
reads back as the graph kgraph built.

The ``kgraph-ci`` profile (the default) is derandomized: CI runs the same examples every
time, and no example database is kept (hypothesis still caches Unicode tables in the
git-ignored ``.hypothesis/``). ``HYPOTHESIS_PROFILE=kgraph-explore`` draws new, more numerous
examples for a longer local hunt; ``benchmarks/soak.py inputs`` draws from these strategies
through ``kgraph build`` and ``kgraph add`` for a set time.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import networkx as nx
import pyoxigraph
import pytest
import rdflib
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib.compare import isomorphic
from spacy.language import Language

from kgraph.build import ENTITIES_FILE, GRAPHML_FILE, TURTLE_FILE, BuildOptions, write_outputs
from kgraph.errors import KgraphError
from kgraph.export.rdf import to_rdf
from kgraph.extract import Settings, default_nlp, extract
from kgraph.graph import build_graph
from kgraph.resolve import resolve
from kgraph.sources import MAX_TITLE_CHARS, read_file, read_papers
from kgraph.sources.listing import page_chrome

settings.register_profile(
    "kgraph-ci",
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=50,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "kgraph-explore",
    derandomize=False,
    database=None,
    deadline=None,
    max_examples=1000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "kgraph-ci"))

ROOT = Path(__file__).resolve().parent.parent
SEED_LINES = [
    path.read_text("utf-8").split("\n") for path in sorted((ROOT / "seeds").glob("*.txt"))
]
EXCERPT_LINES = 40
# What the readers must never let through into a title: controls (tab and line feed aside),
# invisible and bidirectional-override characters, non-characters.
UNWANTED = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u2060\ufeff\u202a-\u202e\u2066-\u2069\ufffe\uffff]"
)
IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\\x7f-\x9f]')
IRI_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")

CONTROLS = [chr(c) for c in (*range(0x20), *range(0x7F, 0xA0))] + [
    "\u200b", "\u2060", "\ufeff", "\u202e", "\u2066", "\u2028", "\u2029", "\ufffe", "\uffff",
    "\u00a0", "\u0301", "\u05e9", "\u0645", "\U0001f600",
]  # fmt: skip
MARKUP = [
    "<script>alert(1)</script>", "</script><!--", "<img src=x onerror=alert(1)>", "]]>",
    "<![CDATA[", "&amp;", "&#0;", '"', "'", "\\", "{}|^`", "#?", " | ", "\"\"\"", "@prefix x: <",
    "<http://example.org/a b>", "_:b0", "%00", "%zz", "\\u0000",
]  # fmt: skip

Lines = list[str]
Mutation = Callable[[st.DrawFn, Lines], Lines]


def _index(draw: st.DrawFn, lines: Lines) -> int:
    return draw(st.integers(0, len(lines) - 1))


def _insert(draw: st.DrawFn, lines: Lines, piece: str) -> Lines:
    i = _index(draw, lines)
    at = draw(st.integers(0, len(lines[i])))
    return [*lines[:i], lines[i][:at] + piece + lines[i][at:], *lines[i + 1 :]]


def delete(draw: st.DrawFn, lines: Lines) -> Lines:
    i = _index(draw, lines)
    return lines[:i] + lines[i + 1 :]


def duplicate(draw: st.DrawFn, lines: Lines) -> Lines:
    i = _index(draw, lines)
    return [*lines[: i + 1], lines[i], *lines[i + 1 :]]


def swap(draw: st.DrawFn, lines: Lines) -> Lines:
    i, j = _index(draw, lines), _index(draw, lines)
    out = list(lines)
    out[i], out[j] = out[j], out[i]
    return out


def split(draw: st.DrawFn, lines: Lines) -> Lines:
    return _insert(draw, lines, "\n")


def join(draw: st.DrawFn, lines: Lines) -> Lines:
    i = _index(draw, lines)
    if i + 1 >= len(lines):
        return lines
    return [*lines[:i], lines[i] + draw(st.sampled_from(["", " "])) + lines[i + 1], *lines[i + 2 :]]


def control(draw: st.DrawFn, lines: Lines) -> Lines:
    return _insert(draw, lines, draw(st.sampled_from(CONTROLS)))


def unicode(draw: st.DrawFn, lines: Lines) -> Lines:
    return _insert(draw, lines, draw(st.text(max_size=12)))


def markup(draw: st.DrawFn, lines: Lines) -> Lines:
    return _insert(draw, lines, draw(st.sampled_from(MARKUP)))


def long_line(draw: st.DrawFn, lines: Lines) -> Lines:
    i = _index(draw, lines)
    piece = draw(st.sampled_from([lines[i] + " ", "x", "Word", "A: "]))
    return [*lines[:i], piece * draw(st.integers(50, 3000)), *lines[i + 1 :]]


def glued_chrome(draw: st.DrawFn, lines: Lines) -> Lines:
    i = _index(draw, lines)
    phrase = draw(st.sampled_from(sorted(page_chrome().lines)))
    return [*lines[:i], phrase.title() + lines[i], *lines[i + 1 :]]


# First letters of alphabets that have no ASCII letter: Cyrillic, Greek, Arabic, Hebrew,
# Devanagari, Hiragana, CJK ideographs, Hangul.
SCRIPTS = [0x0430, 0x03B1, 0x0628, 0x05D0, 0x0915, 0x3042, 0x4E00, 0xAC00]


def foreign(draw: st.DrawFn, lines: Lines) -> Lines:
    """A line written in another script: each ASCII letter becomes a letter of it."""
    i = _index(draw, lines)
    base = draw(st.sampled_from(SCRIPTS))
    line = "".join(
        chr(base + ord(c.lower()) - ord("a")) if c.isascii() and c.isalpha() else c
        for c in lines[i]
    )
    return [*lines[:i], line, *lines[i + 1 :]]


def blank(draw: st.DrawFn, lines: Lines) -> Lines:
    i = draw(st.integers(0, len(lines)))
    return [*lines[:i], draw(st.sampled_from(["", " ", "\t", "·", "•"])), *lines[i:]]


MUTATIONS: list[Mutation] = [
    delete, duplicate, swap, split, join, control, unicode, markup, long_line, glued_chrome,
    foreign, blank,
]  # fmt: skip


@st.composite
def mutated_excerpt(draw: st.DrawFn) -> str:
    page = draw(st.sampled_from(SEED_LINES))
    start = draw(st.integers(0, len(page) - 1))
    lines = page[start : start + draw(st.integers(1, EXCERPT_LINES))]
    for _ in range(draw(st.integers(0, 8))):
        if not lines:
            break
        lines = draw(st.sampled_from(MUTATIONS))(draw, lines)
    return "\n".join(lines)


@st.composite
def page_bytes(draw: st.DrawFn) -> bytes:
    text = draw(st.one_of(mutated_excerpt(), mutated_excerpt(), st.text(max_size=400)))
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    data = text.encode("utf-8")
    if draw(st.integers(0, 4)) == 0:  # a stray byte: not UTF-8 any more
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=3)) + data[at:]
    return data


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder for the examples (hypothesis runs many examples per function-scoped fixture)."""
    return tmp_path_factory.mktemp("fuzz")


@pytest.fixture(scope="module")
def nlp() -> Language:
    """The extraction pipeline, built once for the module."""
    return default_nlp()


_runs = itertools.count()


def page_file(folder: Path, data: bytes) -> Path:
    path = folder / f"page-{next(_runs)}.txt"
    path.write_bytes(data)
    return path


def check_titles(titles: list[str]) -> None:
    for title in titles:
        assert title.strip(), "a paper without a title"
        assert title == title.strip()
        assert "\n" not in title
        assert not UNWANTED.search(title), ascii(title)
        assert len(title) <= MAX_TITLE_CHARS


@settings(max_examples=settings().max_examples * 3)  # the reader alone is fast
@given(data=page_bytes())
def test_the_listing_reader_reads_anything(folder: Path, data: bytes) -> None:
    path = page_file(folder, data)
    try:
        papers = read_file(path, "listing")
    except KgraphError:
        return
    check_titles([paper.title for paper in papers])
    assert all(paper.key for paper in papers), "a paper with no key is lost in the merge"
    for paper in papers:
        assert not UNWANTED.search(paper.abstract), ascii(paper.abstract)


def check_iris(rdf: rdflib.Graph) -> None:
    terms = {term for triple in rdf for term in triple if isinstance(term, rdflib.URIRef)}
    terms |= {t.datatype for t in rdf.objects() if isinstance(t, rdflib.Literal) and t.datatype}
    bad = sorted(str(t) for t in terms if IRI_FORBIDDEN.search(t) or not IRI_SCHEME.match(t))
    assert not bad


def check_build(folder: Path, nlp: Language, path: Path, fmt: str) -> None:
    """Build ``path`` into a folder of its own and check every output; then remove it."""
    read = read_file(path, fmt)
    try:
        papers = read_papers([path], fmt)
    except KgraphError:
        assert not read
        return
    assert {p.key for p in papers} == {p.key for p in read}, "every paper read is built"
    extractions = list(extract(papers, Settings(), nlp))
    out = folder / f"out-{path.stem}"
    write_outputs(extractions, BuildOptions(out=out, progress=False))

    # JSON Lines: lines end at "\n" only (str.splitlines would also cut at a U+2028 in a title)
    lines = (out / ENTITIES_FILE).read_text("utf-8").split("\n")
    assert lines.pop() == ""
    records = [json.loads(line) for line in lines]
    assert [r["title"] for r in records] == [p.title for p in papers]
    check_titles([str(r["title"]) for r in records])

    turtle = (out / TURTLE_FILE).read_bytes()
    parsed = rdflib.Graph().parse(data=turtle, format="turtle")
    oxigraph = list(pyoxigraph.parse(turtle, format=pyoxigraph.RdfFormat.TURTLE))
    assert len(oxigraph) == len(parsed)
    check_iris(parsed)
    graph = build_graph(extractions, resolve(extractions))
    assert isomorphic(parsed, to_rdf(graph)), "graph.ttl reads back as the graph kgraph built"
    again = rdflib.Graph().parse(data=parsed.serialize(format="turtle"), format="turtle")
    assert isomorphic(parsed, again)

    loaded = nx.read_graphml(out / GRAPHML_FILE)
    assert set(loaded) == set(graph)
    shutil.rmtree(out)


@given(data=page_bytes())
def test_the_whole_build_writes_valid_outputs_from_anything(
    folder: Path, nlp: Language, data: bytes
) -> None:
    check_build(folder, nlp, page_file(folder, data), "listing")


# Any code point, unpaired surrogates included: JSON escapes can make every one of them.
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=30)
SEED_TITLES = sorted({line for page in SEED_LINES for line in page if 20 < len(line) < 120})


@st.composite
def field_text(draw: st.DrawFn) -> str:
    """A seed line with odd characters inserted, or any text at all."""
    if draw(st.booleans()):
        return draw(ANY_TEXT)
    lines = [draw(st.sampled_from(SEED_TITLES))]
    for _ in range(draw(st.integers(0, 3))):
        lines = draw(st.sampled_from([control, unicode, markup, foreign]))(draw, lines)
    return lines[0]


RECORDS = st.lists(
    st.fixed_dictionaries(
        {"title": field_text(), "abstract": field_text()},
        optional={
            "id": field_text(),
            "url": field_text(),
            "date": field_text(),
            "authors": st.one_of(st.lists(field_text(), max_size=3), st.integers(-2, 9)),
        },
    ),
    min_size=1,
    max_size=4,
)


@given(records=RECORDS)
def test_the_whole_build_writes_valid_outputs_from_any_json_records(
    folder: Path, nlp: Language, records: list[dict[str, object]]
) -> None:
    # ensure_ascii: every character, surrogates too, written as an escape
    data = json.dumps(records, ensure_ascii=True).encode("ascii")
    check_build(folder, nlp, page_file(folder, data), "json")


# --- what fuzzing found -----------------------------------------------------------------------


def test_a_title_cut_to_the_limit_does_not_end_with_a_space(folder: Path) -> None:
    word = "Models: "
    title = word * (MAX_TITLE_CHARS // len(word) + 5)
    assert title[:MAX_TITLE_CHARS].endswith(" ")
    path = page_file(folder, f"{title}\nWe study things. They work well.\n".encode())
    (paper,) = read_file(path)
    assert paper.title == title[:MAX_TITLE_CHARS].rstrip()


def test_a_title_without_letters_or_digits_is_skipped_with_a_warning(
    folder: Path, caplog: pytest.LogCaptureFixture
) -> None:
    page = "\U0001f680\U0001f680 ???\nWe study rockets. They fly.\nA Real Title\nWe do it.\n"
    path = page_file(folder, page.encode())
    assert [p.title for p in read_papers([path])] == ["A Real Title"]
    assert f"{path}:1: title with no letter or digit, skipped: '\U0001f680\U0001f680 ???'" in (
        caplog.text
    )


def test_titles_in_any_script_are_papers_of_their_own(folder: Path) -> None:
    titles = [
        "Нейронные сети для машинного перевода",
        "深度学习的组合泛化",
        "Μοντέλα Γλώσσας",
        "モデル A",
        "データ A",
    ]
    page = "".join(f"{title}\nWe study it. It works on three benchmarks.\n" for title in titles)
    path = page_file(folder, page.encode())
    papers = read_papers([path])
    assert [p.title for p in papers] == titles
    assert len({p.id for p in papers}) == len(titles)
