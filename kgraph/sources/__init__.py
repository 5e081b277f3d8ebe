"""Input readers: files and folders in, :class:`~kgraph.model.Paper` records out.

One module per input format (listing pages, JSON and JSON Lines, CSV/TSV, arXiv Atom,
OpenAlex, Semantic Scholar), each parsing the text that :func:`read_text` decoded.
:func:`read_papers` expands folders, picks the reader, skips what cannot be read (with a
one-line warning each) and merges listings of the same paper.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from kgraph.errors import KgraphError
from kgraph.model import Paper
from kgraph.sources.arxiv import parse_feed
from kgraph.sources.delimited import parse_csv, parse_tsv
from kgraph.sources.jsonfile import parse_json, parse_jsonl, parse_openalex, parse_semanticscholar
from kgraph.sources.listing import parse_listing
from kgraph.sources.textio import SkipFile, display_path, drop_controls, file_kind, read_text

log = logging.getLogger(__name__)

# Real titles are a few hundred characters and abstracts a few thousand; past these limits a
# "paper" is a scraping accident, and is cut rather than fed whole to every later stage.
MAX_TITLE_CHARS = 1_000
MAX_ABSTRACT_CHARS = 50_000

_TEXT_FIELDS = ("title", "abstract", "date", "organisation", "url", "metadata")

Parser = Callable[[str, str], list[Paper]]

# Every format is parsed from the text read_text decoded: the same decoding, limits and
# warnings for all of them.
READERS: dict[str, Parser] = {
    "listing": parse_listing,
    "json": parse_json,
    "jsonl": parse_jsonl,
    "csv": parse_csv,
    "tsv": parse_tsv,
    "arxiv": parse_feed,
    "openalex": parse_openalex,
    "semanticscholar": parse_semanticscholar,
}
DEFAULT_FORMAT = "listing"
# ``.json`` tells plain records, OpenAlex works and Semantic Scholar papers apart by content.
EXTENSIONS: dict[str, str] = {
    ".txt": "listing",
    ".text": "listing",
    ".md": "listing",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".xml": "arxiv",
    ".atom": "arxiv",
}


def iter_files(paths: Sequence[Path], skip: Path | None = None) -> Iterator[Path]:
    """Every file named or under a named folder, folders walked in sorted order.

    Hidden files are skipped inside folders; symlinked folders are not followed (no loops).
    The folder ``skip`` (the build's output folder) is not read, with a warning: a build
    into a folder inside its input would otherwise read its own outputs back as papers,
    and grow with every run. A path that does not exist is an error. Inside a folder only
    regular files are inputs, and a link only when its target is inside that folder too
    (the others are warned about, as find and rsync do); a path named is read as named.
    """
    return (path for path, _ in _input_files(paths, skip))


def _input_files(paths: Sequence[Path], skip: Path | None) -> Iterator[tuple[Path, bool]]:
    """(path, whether it was found in a folder) for :func:`iter_files`."""
    skipped = skip.resolve() if skip is not None and skip.is_dir() else None
    for path in paths:
        if not path.exists() and not path.is_symlink():
            raise KgraphError(f"{path}: no such file or directory")
        if path.is_dir():
            yield from ((found, True) for found in _walk(path, skipped))
        else:
            yield path, False


def _walk(folder: Path, skipped: Path | None) -> Iterator[Path]:
    top = Path(os.path.realpath(folder))
    for root, dirs, files in os.walk(folder, followlinks=False, onerror=_walk_error):
        if skipped is not None and Path(root).resolve() == skipped:
            log.warning("%s: the output folder, not read as input", root)
            dirs.clear()
            continue
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            path = Path(root, name)
            if not name.startswith(".") and _is_input(path, folder, top):
                yield path


def _is_input(path: Path, folder: Path, top: Path) -> bool:
    """Whether ``path``, found in ``folder`` (really ``top``), is read; if not, say why.

    Checked without opening it: opening a FIFO waits for a writer.
    """
    try:
        if path.is_symlink():
            target = Path(os.path.realpath(path))
            if not target.is_relative_to(top):
                log.warning(
                    "%s: a link to %s, outside %s; not followed",
                    display_path(path),
                    display_path(target),
                    display_path(folder),
                )
                return False
        kind = file_kind(path.stat().st_mode)
    except OSError as exc:
        log.warning("%s: cannot read (%s)", display_path(path), exc.strerror or exc)
        return False
    if kind is not None:
        log.warning("%s: %s, not a regular file; skipped", display_path(path), kind)
        return False
    return True


def _walk_error(exc: OSError) -> None:
    log.warning("%s: cannot list folder (%s)", exc.filename, exc.strerror)


def format_for(path: Path, forced: str | None = None) -> str:
    """The reader for ``path``: ``forced`` if given, else by extension, else the listing reader."""
    if forced is not None:
        if forced not in READERS:
            raise KgraphError(f"unknown input format {forced!r} (known: {', '.join(READERS)})")
        return forced
    return EXTENSIONS.get(path.suffix.lower(), DEFAULT_FORMAT)


def read_file(path: Path, fmt: str | None = None, *, found: bool = False) -> list[Paper]:
    """Papers in one file; a file that yields none gives a warning and an empty list.

    ``found``: the file was found in a folder, and is read only if it is a regular file.
    """
    source = display_path(path)
    try:
        papers = READERS[format_for(path, fmt)](read_text(path, regular_only=found), source)
    except SkipFile as exc:
        log.warning("%s", exc)
        return []
    kept = []
    for paper in _one_paper_per_id(map(_bounded, map(_cleaned, papers))):
        if paper.key:
            kept.append(paper)
        else:  # nothing to tell it from other papers by (and no id): "???", emoji only
            log.warning(
                "%s: title with no letter or digit, skipped: %.60r", _where(paper), paper.title
            )
    if not kept:
        log.warning("%s: no papers found", source)
    return kept


def _one_paper_per_id(papers: Iterable[Paper]) -> Iterator[Paper]:
    """A file's papers, a record giving an earlier record's ``id`` under another title made
    a listing of that paper (with its title), with a warning: it is then merged with it as
    two listings of one title are.

    Only within one file: ids of different files may come from different numberings.
    """
    first: dict[str, Paper] = {}
    for paper in papers:
        record_id = paper.metadata.get("id")
        if isinstance(record_id, str):
            seen = first.setdefault(record_id, paper)
            if seen.key != paper.key:
                title = seen.title if len(seen.title) <= 40 else seen.title[:40] + "…"
                log.warning(
                    "%s: id %r is that of %r (%s): read as another listing of it",
                    _where(paper),
                    record_id,
                    title,
                    _where(seen),
                )
                paper = replace(paper, title=seen.title)
        yield paper


def _cleaned(paper: Paper) -> Paper:
    """``paper`` without the characters :func:`drop_controls` drops, in any text field.

    The file's text went through :func:`decode` already, but a JSON escape ("\\u0000",
    "\\ud800") makes them again, and no output can hold them.
    """
    dropped = 0

    def clean(value: Any) -> Any:
        nonlocal dropped
        if isinstance(value, str):
            text, count = drop_controls(value)
            dropped += count
            return text
        if isinstance(value, list):
            return [clean(item) for item in value]
        if isinstance(value, dict):
            return {clean(key): clean(item) for key, item in value.items()}
        return value

    fields = {name: clean(getattr(paper, name)) for name in _TEXT_FIELDS}
    if not dropped:
        return paper
    log.warning("%s: dropped %d control or invisible characters", _where(paper), dropped)
    fields["title"] = " ".join(fields["title"].split())
    fields["abstract"] = fields["abstract"].strip()
    return replace(paper, **fields)


def _where(paper: Paper) -> str:
    return f"{paper.sources[0].path}:{paper.sources[0].line}" if paper.sources else "input"


def _bounded(paper: Paper) -> Paper:
    """A paper whose title and abstract fit the limits, cut with a warning if they did not."""
    if len(paper.title) <= MAX_TITLE_CHARS and len(paper.abstract) <= MAX_ABSTRACT_CHARS:
        return paper
    log.warning(
        "%s: %s of %d characters cut to %d",
        _where(paper),
        "title" if len(paper.title) > MAX_TITLE_CHARS else "abstract",
        max(len(paper.title), len(paper.abstract)),
        MAX_TITLE_CHARS if len(paper.title) > MAX_TITLE_CHARS else MAX_ABSTRACT_CHARS,
    )
    # A cut can end on a space; no title or abstract ends with one.
    return replace(
        paper,
        title=paper.title[:MAX_TITLE_CHARS].rstrip(),
        abstract=paper.abstract[:MAX_ABSTRACT_CHARS].rstrip(),
    )


def merge_papers(papers: Iterable[Paper]) -> list[Paper]:
    """One record per paper (key: normalised title), remembering every source, in first-seen order.

    Metadata missing in the first listing is taken from later ones; when two listings give the
    same title different abstracts, the first is kept and a warning says so.
    """
    merged: dict[str, Paper] = {}
    for paper in papers:
        key = paper.key
        if not key:
            continue
        seen = merged.get(key)
        if seen is None:
            merged[key] = paper
            continue
        if paper.abstract and seen.abstract and paper.abstract != seen.abstract:
            where = paper.sources[0] if paper.sources else None
            log.warning(
                "%s: %r listed again with a different abstract; kept the first",
                f"{where.path}:{where.line}" if where else "input",
                paper.title[:60],
            )
        merged[key] = replace(
            seen,
            abstract=seen.abstract or paper.abstract,
            sources=tuple(dict.fromkeys(seen.sources + paper.sources)),
            date=seen.date or paper.date,
            authors=seen.authors if seen.authors is not None else paper.authors,
            upvotes=seen.upvotes if seen.upvotes is not None else paper.upvotes,
            organisation=seen.organisation or paper.organisation,
            url=seen.url or paper.url,
            metadata={**paper.metadata, **seen.metadata},
        )
    return list(merged.values())


def iter_papers(
    paths: Sequence[Path], fmt: str | None = None, *, skip: Path | None = None
) -> Iterator[Paper]:
    """Every listing in ``paths``, file by file, not merged (one file in memory at a time).

    The paths are checked before the first paper is read: a missing one, or no input file
    at all, is a :class:`KgraphError` before any work.
    """
    files = list(_input_files(paths, skip))
    if not files:
        raise KgraphError(f"no input files in {', '.join(str(p) for p in paths)}")
    return (paper for path, found in files for paper in read_file(path, fmt, found=found))


def read_papers(
    paths: Sequence[Path], fmt: str | None = None, *, skip: Path | None = None
) -> list[Paper]:
    """All distinct papers in ``paths`` (not reading the folder ``skip``);
    :class:`KgraphError` when there is none at all."""
    merged = merge_papers(iter_papers(paths, fmt, skip=skip))
    if not merged:
        raise no_papers(paths)
    return merged


def no_papers(paths: Sequence[Path]) -> KgraphError:
    """The error for inputs that hold files but not one paper."""
    return KgraphError(f"no papers found in {', '.join(str(p) for p in paths)}")
