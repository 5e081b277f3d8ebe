"""``kgraph extract`` as a stream: inputs -> extraction -> JSON Lines, in flat memory.

A build needs every extraction at once (resolution compares them all); ``kgraph extract``
does not, so it reads one input file at a time, extracts papers as they come and writes each
line as soon as its paper is done. Memory stays flat however many papers there are, but for
one 64-bit hash per distinct paper (to notice a paper listed again).

A later listing of a paper already written is kept aside; when the stream ends, the output
is rewritten once, line by line, with those listings merged in exactly as
:func:`~kgraph.sources.merge_papers` merges them for a build (sources add up, the first
abstract wins). The result equals the extraction of ``read_papers`` (tested on the seeds,
which list 24 papers twice).
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO

from tqdm import tqdm

from kgraph.errors import KgraphError
from kgraph.export.atomic import atomic_path, is_stream
from kgraph.export.jsonl import dumps, from_record
from kgraph.extract import Settings, closed_after, extract
from kgraph.extract.distributed import Engine
from kgraph.model import Extraction, Paper
from kgraph.sources import merge_papers

# How every line of entities.jsonl starts (kgraph.export.jsonl.dumps): the paper id comes first.
_ID_FIRST = '{"id": "'


@dataclass
class FirstListings:
    """Filters a stream of listings down to the first listing of each paper.

    Later listings are kept in :attr:`later` (by paper key) to be merged at the end. Papers
    are told apart by a hash of their key; two papers whose keys collide are told apart again
    when the output is rewritten (:func:`merge_later`), so a collision costs time, not data.
    """

    seen: set[int] = field(default_factory=set)
    later: dict[str, list[Paper]] = field(default_factory=dict)

    @staticmethod
    def digest(key: str) -> int:
        return hash(key)

    def __call__(self, papers: Iterable[Paper]) -> Iterator[Paper]:
        for paper in papers:
            key = paper.key
            if not key:
                continue
            digest = self.digest(key)
            if digest in self.seen:
                self.later.setdefault(key, []).append(paper)
            else:
                self.seen.add(digest)
                yield paper


def extract_first_listings(
    papers: Iterable[Paper], settings: Settings, engine: Engine | None = None
) -> tuple[FirstListings, Iterator[Extraction]]:
    """The extractions of the first listing of each paper (lazily), and the filter that
    keeps the later listings for :func:`merge_later`; ``engine`` runs the pipeline
    elsewhere (a Dask cluster), by default this process and its children do."""
    firsts = FirstListings()
    if engine is None:
        return firsts, extract(firsts(papers), settings)
    return firsts, engine.extract(firsts(papers), settings)


def extract_stream(
    papers: Iterable[Paper],
    out: Path | None,
    settings: Settings,
    *,
    engine: Engine | None = None,
    progress: bool = False,
) -> int:
    """Extract ``papers`` into JSON Lines at ``out`` (stdout when None); the paper count.

    :class:`NoPapers` when there is none.

    The file is written under a temporary name and renamed when complete, so an interrupted
    run leaves any earlier ``out`` as it was. On stdout or a pipe, lines are spooled to a
    temporary file first (they may still change when a paper is listed again later).
    """
    firsts, found = extract_first_listings(papers, settings, engine)
    bar = tqdm(desc="extract", unit="paper", disable=not progress or None)
    with bar, closed_after(found):

        def counted(extractions: Iterable[Extraction]) -> Iterator[str]:
            for extraction in extractions:
                bar.update()
                yield dumps(extraction) + "\n"

        if out is None or is_stream(out):  # a pipe cannot be read back to merge into
            with tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n") as spool:
                count = _write(counted(found), firsts, spool, settings)
                spool.seek(0)
                if out is None:
                    shutil.copyfileobj(spool, sys.stdout)
                    return count
                with atomic_path(out) as stream, stream.open("w", encoding="utf-8") as handle:
                    shutil.copyfileobj(spool, handle)
            return count
        with atomic_path(out) as tmp, tmp.open("w+", encoding="utf-8", newline="\n") as handle:
            count = _write(counted(found), firsts, handle, settings)
    return count


class NoPapers(KgraphError):
    """The stream held no paper: nothing is written (an earlier output stays as it was)."""


def _write(lines: Iterator[str], firsts: FirstListings, handle: IO[str], settings: Settings) -> int:
    """Write ``lines``, then merge the later listings in; the handle ends holding the result."""
    count = 0
    for line in lines:
        handle.write(line)
        count += 1
    if not count:
        raise NoPapers("no papers found")
    if not firsts.later:
        return count
    with tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n") as merged:
        handle.seek(0)
        count = _merge_later_lines(handle, merged, firsts.later, settings)
        merged.seek(0)
        handle.seek(0)
        handle.truncate()
        shutil.copyfileobj(merged, handle)
    return count


def merge_later(
    extractions: list[Extraction], later: dict[str, list[Paper]], settings: Settings
) -> list[Extraction]:
    """The extractions held in memory (a build's) with the later listings merged in: a new
    list (see :func:`_merge_later_lines` for the same on a file)."""
    out = list(extractions)
    where = {extraction.paper.key: i for i, extraction in enumerate(out)}
    one_process = replace(settings, n_process=1)
    for key, listings in later.items():
        i = where.get(key)
        if i is None:  # a hash collision: a paper of its own, not a repeat
            out.append(_merged(None, listings, one_process))
        else:
            out[i] = _merged(out[i], listings, one_process)
    return out


def _merge_later_lines(
    source: IO[str], target: IO[str], later: dict[str, list[Paper]], settings: Settings
) -> int:
    """Copy the JSON Lines of ``source`` to ``target``, merging each paper with its later
    listings; the number of lines written."""
    one_process = replace(settings, n_process=1)
    # Only lines whose paper id is one of these are parsed; the rest are copied as they are.
    ids = {listings[0].id for listings in later.values()}
    count = 0
    for line in source:
        count += 1
        if line.startswith(_ID_FIRST) and line[len(_ID_FIRST) : len(_ID_FIRST) + 12] not in ids:
            target.write(line)
            continue
        extraction = from_record(json.loads(line))
        listings = later.pop(extraction.paper.key, None)
        if listings is None:  # another paper with an id in ``ids``: copied as it is
            target.write(line)
        else:
            target.write(dumps(_merged(extraction, listings, one_process)) + "\n")
    for listings in later.values():  # hash collisions: papers of their own
        target.write(dumps(_merged(None, listings, one_process)) + "\n")
        count += 1
    return count


def _merged(first: Extraction | None, listings: list[Paper], settings: Settings) -> Extraction:
    """``first`` with the later ``listings`` of its paper merged in, as :func:`merge_papers`
    merges them; extracted again only if the text changed (the first listing had no
    abstract). With no ``first`` (its listings were taken for a repeat by a hash collision),
    the listings are a paper of their own, extracted now."""
    (paper,) = merge_papers([first.paper, *listings] if first is not None else listings)
    if first is not None and paper.text == first.paper.text:
        return Extraction(paper, first.mentions)
    return next(extract([paper], settings))
