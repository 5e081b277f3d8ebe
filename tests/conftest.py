"""Shared fixtures: the repository's real data and one extraction of the seeds per session."""

from __future__ import annotations

import logging
import signal
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import pytest

from kgraph.extract import extract
from kgraph.model import Extraction, Paper
from kgraph.sources import read_papers

ROOT = Path(__file__).resolve().parent.parent


def pytest_configure(config: pytest.Config) -> None:
    # Ctrl-C is part of what the tests check. A shell that starts pytest in the background
    # starts it with SIGINT ignored, and every process a test starts would inherit that.
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


DATA = Path(__file__).resolve().parent / "data"
SEEDS = ROOT / "seeds"


@pytest.fixture(autouse=True)
def _restore_kgraph_logger() -> Iterator[None]:
    """cli.main configures the "kgraph" logger (``-q`` raises its level to ERROR); undo that,
    so a test's outcome does not depend on which test called main before it."""
    logger = logging.getLogger("kgraph")
    saved = (logger.level, list(logger.handlers), logger.propagate)
    yield
    logger.setLevel(saved[0])
    logger.handlers[:] = saved[1]
    logger.propagate = saved[2]


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


MARKUP_TITLE = '<script>alert(1)</script> and <img src=x onerror="window.__pwned=1">\u2028!'


@pytest.fixture
def small_graph() -> nx.MultiDiGraph:
    """Three papers (one titled with markup), a benchmark with an alias, a model, a task."""
    from kgraph.graph import build_graph
    from kgraph.model import EntityType, Mention
    from kgraph.resolve import resolve

    scan = "We evaluate on the SCAN benchmark. It is hard."
    papers = [
        Extraction(
            Paper("Compositional Generalisation", scan, date="Oct 28"),
            (
                Mention(
                    "SCAN",
                    EntityType.BENCHMARK,
                    aliases=("Simplified CommAI Navigation",),
                    sentence=scan.split(". ")[0] + ".",
                ),
                Mention("GPT-4", EntityType.MODEL, sentence="We evaluate on the SCAN benchmark."),
            ),
        ),
        Extraction(
            Paper(MARKUP_TITLE, "Ends </script><!-- here\u2028and there. Second sentence."),
            (Mention("SCAN", EntityType.BENCHMARK, sentence="Ends </script><!-- here"),),
        ),
        Extraction(
            Paper("A New Task", "We introduce program repair. It matters."),
            (
                Mention(
                    "program repair",
                    EntityType.TASK,
                    introduced=True,
                    sentence="We introduce program repair.",
                ),
            ),
        ),
    ]
    return build_graph(papers, resolve(papers))
