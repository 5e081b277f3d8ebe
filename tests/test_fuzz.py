"""Fuzzing (issue 9): what feeding kgraph random and mutated pages found, and now holds."""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

import pytest

from kgraph.sources import MAX_TITLE_CHARS, read_file, read_papers


@pytest.fixture(scope="module")
def folder() -> Path:
    """A folder for the examples (hypothesis runs many examples per function-scoped fixture)."""
    return Path(tempfile.mkdtemp(prefix="kgraph-fuzz-"))


_runs = itertools.count()


def page_file(folder: Path, data: bytes) -> Path:
    path = folder / f"page-{next(_runs)}.txt"
    path.write_bytes(data)
    return path


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
