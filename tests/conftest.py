"""Shared fixtures: the repository's real data and one extraction of the seeds per session."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from kgraph.cache import CACHE_ENV
from kgraph.extract import extract
from kgraph.model import Extraction, Paper
from kgraph.sources import read_papers

ROOT = Path(__file__).resolve().parent.parent


def pytest_configure(config: pytest.Config) -> None:
    # The tests build the lexicon cache fresh, in a folder of their own.
    cache = Path(tempfile.mkdtemp(prefix="kgraph-test-cache-"))
    os.environ.setdefault(CACHE_ENV, str(cache))


DATA = Path(__file__).resolve().parent / "data"
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session")
def seed_papers() -> list[Paper]:
    return read_papers([SEEDS])


@pytest.fixture(scope="session")
def seed_extractions(seed_papers: list[Paper]) -> list[Extraction]:
    return list(extract(seed_papers))
