"""Shared fixtures: the repository's real data and one extraction of the seeds per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from kgraph.extract import extract
from kgraph.model import Extraction, Paper
from kgraph.sources import read_papers

ROOT = Path(__file__).resolve().parent.parent
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
