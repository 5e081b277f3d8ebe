"""Extraction: a spaCy pipeline over title + abstract, plain mentions out.

The pipeline is ``spacy.blank("en")`` (with one extra tokenizer suffix rule, see
:mod:`kgraph.extract.tokenizer`) plus kgraph's components, in order:

- ``kgraph_abbreviations`` (abbreviation definitions, Schwartz-Hearst),
- ``kgraph_lexicon`` (Papers with Code gazetteer),
- ``kgraph_candidates`` (name shapes, noun phrases, cue words, the title's name),
- ``kgraph_entities`` (evidence for each candidate, and the learned model's decision:
  entity or not, which type, introduced or not).

Nothing is downloaded. spaCy objects stay inside this package: :func:`extract` yields
:class:`~kgraph.model.Extraction` records only.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import chain, islice
from multiprocessing.pool import AsyncResult
from typing import TYPE_CHECKING, TypeVar

from kgraph.interrupts import quiet_pool
from kgraph.model import Extraction, Mention, Paper

if TYPE_CHECKING:
    from spacy.language import Language

T = TypeVar("T")

COMPONENTS = ("kgraph_abbreviations", "kgraph_lexicon", "kgraph_candidates", "kgraph_entities")
# Components that read the lexicon, and take its folder from their config.
_LEXICON_USERS = ("kgraph_lexicon", "kgraph_candidates", "kgraph_entities")


@dataclass(frozen=True)
class Settings:
    """How the extraction pipeline runs.

    ``n_process`` 0 means: one process per CPU core, once there are at least
    ``PARALLEL_MIN_PAPERS`` papers (below that, starting workers costs more than it saves).
    """

    batch_size: int = 64
    n_process: int = 0


# Papers per task sent to a worker, and how many tasks per worker may be in flight: enough to
# keep the workers busy, few enough that memory stays flat however long the input is.
CHUNK_PAPERS = 256
TASKS_IN_FLIGHT_PER_WORKER = 3
PARALLEL_MIN_PAPERS = 2000


def cpu_cores() -> int:
    """The CPU cores this process may run on (its affinity mask, where the system has one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def build_nlp(lexicon: str = "", model: str = "", explain: bool = False) -> Language:
    """A fresh pipeline: ``spacy.blank("en")`` with kgraph's components.

    ``lexicon`` is a folder of lexicon files and ``model`` a trained model file ("" for the
    ones shipped); ``explain`` keeps the evidence and score of every decision on the mentions.

    Examples
    --------
    >>> build_nlp().pipe_names
    ['kgraph_abbreviations', 'kgraph_lexicon', 'kgraph_candidates', 'kgraph_entities']
    """
    # Imported here, not at the top: importing spaCy takes seconds, and the commands that do
    # not extract (query, stats, view, serve) should not pay for it. Importing the component
    # modules registers their factories with spaCy.
    from kgraph.extract import abbreviations, candidates, entities  # noqa: F401
    from kgraph.extract import lexicon as lexicon_component  # noqa: F401
    from kgraph.extract.tokenizer import TextKeepingTokenizer, blank_english

    nlp = blank_english()
    nlp.tokenizer = TextKeepingTokenizer(nlp.tokenizer)
    for name in COMPONENTS:
        config: dict[str, object] = {"lexicon": lexicon} if name in _LEXICON_USERS else {}
        if name == "kgraph_entities":
            config.update(model=model, explain=explain)
        nlp.add_pipe(name, config=config)
    return nlp


@cache
def default_nlp() -> Language:
    """The pipeline shared by all extractions of this process (built on first use)."""
    return build_nlp()


def extract(
    papers: Iterable[Paper], settings: Settings = Settings(), nlp: Language | None = None
) -> Iterator[Extraction]:
    """Run the pipeline over papers, in order, yielding one :class:`Extraction` each.

    Examples
    --------
    >>> paper = Paper("ExeDec: Program Synthesis", "We propose ExeDec, a novel strategy.")
    >>> mentions = next(extract([paper])).mentions
    >>> [(m.name, m.type.value, m.introduced) for m in mentions if m.name == "ExeDec"]
    [('ExeDec', 'method', True)]
    """
    # more processes than cores only costs memory: each holds a pipeline
    workers = min(settings.n_process, cpu_cores())
    if workers == 0:
        if isinstance(papers, Sequence):
            count = len(papers)
        else:  # a stream: look ahead (not reading it to its end) to see if it is long
            stream = iter(papers)
            ahead = list(islice(stream, PARALLEL_MIN_PAPERS))
            count = len(ahead)
            papers = chain(ahead, stream)
        workers = cpu_cores() if count >= PARALLEL_MIN_PAPERS else 1
    if workers > 1 and nlp is None:
        yield from _extract_parallel(papers, settings, workers)
        return
    nlp = nlp or default_nlp()
    pairs = ((paper.text, paper) for paper in papers)
    for doc, paper in nlp.pipe(pairs, as_tuples=True, batch_size=settings.batch_size):
        yield Extraction(paper, tuple(doc._.kgraph_mentions or ()))


def mentions_of(texts: list[str], batch_size: int = 64) -> list[tuple[Mention, ...]]:
    """The mentions of each text, with this process's pipeline (a worker's task)."""
    nlp = default_nlp()
    return [tuple(doc._.kgraph_mentions or ()) for doc in nlp.pipe(texts, batch_size=batch_size)]


def _extract_parallel(
    papers: Iterable[Paper], settings: Settings, workers: int
) -> Iterator[Extraction]:
    """:func:`extract` over ``workers`` processes, in input order, with bounded memory.

    Workers receive texts and send back plain mentions (not Docs, whose serialisation costs
    more than the extraction). On Linux they are forked after the pipeline is built, so they
    start at once and share its memory.
    """
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    if "fork" in methods:
        default_nlp()  # build once, before forking: the workers inherit it
    with quiet_pool(context, workers) as pool:
        pending: deque[tuple[list[Paper], AsyncResult[list[tuple[Mention, ...]]]]] = deque()
        for chunk in chunks(papers, CHUNK_PAPERS):
            texts = [paper.text for paper in chunk]
            pending.append((chunk, pool.apply_async(mentions_of, (texts, settings.batch_size))))
            if len(pending) >= workers * TASKS_IN_FLIGHT_PER_WORKER:
                yield from _collect(pending.popleft())
        while pending:
            yield from _collect(pending.popleft())


def _collect(
    task: tuple[list[Paper], AsyncResult[list[tuple[Mention, ...]]]],
) -> Iterator[Extraction]:
    chunk, result = task
    for paper, found in zip(chunk, result.get(), strict=True):
        yield Extraction(paper, found)


@contextlib.contextmanager
def closed_after(stream: Iterator[T]) -> Iterator[Iterator[T]]:
    """Close the generator ``stream`` when the block ends, however it ends.

    An exception in the code that consumes :func:`extract` (Ctrl-C while a line is being
    written) does not reach the generator, which would keep its worker pool until garbage
    collection, or until the interpreter exits, when a pool cannot be shut down cleanly
    (its workers were left behind, orphaned). Closing it leaves the pool's ``with`` block.
    """
    try:
        yield stream
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()


def chunks(papers: Iterable[Paper], size: int) -> Iterator[list[Paper]]:
    """``papers`` in lists of ``size`` (the last one shorter), read lazily."""
    chunk: list[Paper] = []
    for paper in papers:
        chunk.append(paper)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
