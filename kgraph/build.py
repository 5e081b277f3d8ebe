"""The build: inputs -> extraction -> resolution -> graph -> every output file.

Each stage is a function of the previous one's plain data; the CLI only wires them together
and reports.
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

import networkx as nx
from tqdm import tqdm

from kgraph.errors import KgraphError
from kgraph.export.atomic import Rename, atomic_path, remove_stale, rename_all, renames_deferred
from kgraph.export.graphml import write_graphml
from kgraph.export.html import DEFAULT_MAX_NODES, write_benchmarks_html, write_html
from kgraph.export.jsonl import from_record, lines
from kgraph.export.rdf import RDF_FORMATS, write_rdf, write_turtle
from kgraph.extract import Settings, closed_after, cpu_cores
from kgraph.extract.distributed import Engine
from kgraph.graph import PAPER, build_graph
from kgraph.interrupts import quiet_pool
from kgraph.model import Extraction, Paper
from kgraph.resolve import resolve
from kgraph.sources import merge_papers
from kgraph.store import STORE_DIR, write_store
from kgraph.stream import extract_first_listings, merge_later
from kgraph.vocab import DEFAULT_BASE

ENTITIES_FILE = "entities.jsonl"
TURTLE_FILE = "graph.ttl"
GRAPHML_FILE = "graph.graphml"
HTML_FILE = "graph.html"
BENCHMARKS_HTML_FILE = "benchmarks.html"


@dataclass(frozen=True)
class BuildOptions:
    out: Path = Path("output")
    base: str = DEFAULT_BASE
    settings: Settings = field(default_factory=Settings)
    progress: bool = True
    html_max_nodes: int | None = DEFAULT_MAX_NODES
    # RDF formats written besides graph.ttl (keys of kgraph.export.rdf.RDF_FORMATS)
    rdf_formats: tuple[str, ...] = ()


@dataclass
class Summary:
    """What a build did, for the one-screen report."""

    papers: int = 0
    entities: Counter[str] = field(default_factory=Counter)
    edges: int = 0
    files: list[Path] = field(default_factory=list)
    seconds: float = 0.0

    def lines(self) -> list[str]:
        out = [f"papers    {self.papers}"]
        total = sum(self.entities.values())
        per_type = ", ".join(f"{t} {n}" for t, n in sorted(self.entities.items()))
        out.append(f"entities  {total} ({per_type})" if total else "entities  0")
        out.append(f"edges     {self.edges}")
        out.extend(f"wrote     {path}" for path in self.files)
        out.append(f"seconds   {self.seconds:.1f}")
        return out


def check_out(out: Path) -> Path:
    """``out`` if it can be the output folder: a folder, or a path where one can be made.

    Checked before any work, so that ``--out`` naming a file fails at once, and the file is
    left as it is.
    """
    for path in (out, *out.parents):
        if path.is_dir():
            return out
        if path.exists() or path.is_symlink():
            what = "a file" if path.is_file() else "not a folder"
            which = "it" if path == out else str(path)
            raise KgraphError(f"--out {out}: cannot write there, {which} is {what}; give a folder")
    return out


def extract_all(
    papers: Iterable[Paper], options: BuildOptions, engine: Engine | None = None
) -> list[Extraction]:
    """Extract every paper, with a progress bar on stderr when asked for.

    ``papers`` may be a stream of listings that repeats a paper (``iter_papers`` over several
    files): each paper is extracted once, as it first comes, and its later listings are
    merged in at the end exactly as :func:`merge_papers` merges them, so the result is that
    of extracting ``read_papers``. ``engine`` runs the pipeline elsewhere (a Dask cluster:
    :mod:`kgraph.extract.distributed`); by default it runs in this process and its children.
    """
    total = len(papers) if isinstance(papers, Sequence) else None
    bar = tqdm(total=total, desc="extract", unit="paper", disable=not options.progress or None)
    out = []
    firsts, found = extract_first_listings(papers, options.settings, engine)
    with bar, closed_after(found):
        for extraction in found:
            out.append(extraction)
            bar.update()
    if firsts.later:
        out = merge_later(out, firsts.later, options.settings)
    return out


def write_jsonl(extractions: Iterable[Extraction], target: Path) -> None:
    with atomic_path(target) as tmp, tmp.open("w", encoding="utf-8", newline="\n") as handle:
        handle.writelines(lines(extractions))


def summarise(graph: nx.MultiDiGraph) -> Summary:
    summary = Summary()
    for _, kind in graph.nodes(data="kind"):
        if kind == PAPER:
            summary.papers += 1
        else:
            summary.entities[kind] += 1
    summary.edges = graph.number_of_edges()
    return summary


def extra_rdf_formats(options: BuildOptions) -> list[str]:
    """The RDF formats to write besides Turtle: those asked for, and those an earlier build
    left in the output folder (so that its graph.nt never disagrees with graph.ttl).

    A folder without the earlier build's entities.jsonl holds no earlier build: a graph.nt
    there is somebody else's, and left alone.
    """
    earlier = (options.out / ENTITIES_FILE).is_file()
    return [
        name
        for name, output in RDF_FORMATS.items()
        if name != "ttl"
        and (name in options.rdf_formats or (earlier and (options.out / output.name).is_file()))
    ]


# Below this many papers the outputs are written one after the other: starting a worker
# process costs more than it saves.
PARALLEL_EXPORT_MIN_PAPERS = 2000


def write_outputs(extractions: Sequence[Extraction], options: BuildOptions) -> Summary:
    """Resolve, assemble the graph and write every output into ``options.out``.

    The outputs are independent of each other: on a large build they are written by one
    worker process per core (forked, so the graph is shared rather than copied), the
    slowest first.
    """
    started = time.perf_counter()
    graph = build_graph(extractions, resolve(extractions))
    out = options.out
    extra = extra_rdf_formats(options)
    # file name -> its writer, in the order they start (the slowest first)
    writers: dict[str, Callable[[Path], None]] = {
        TURTLE_FILE: partial(write_turtle, graph, base=options.base),
        **{
            RDF_FORMATS[name].name: partial(write_rdf, graph, base=options.base, rdf_format=name)
            for name in extra
        },
        GRAPHML_FILE: partial(write_graphml, graph),
        HTML_FILE: partial(write_html, graph, max_nodes=options.html_max_nodes),
        BENCHMARKS_HTML_FILE: partial(
            write_benchmarks_html, graph, max_nodes=options.html_max_nodes
        ),
        ENTITIES_FILE: partial(write_jsonl, extractions),
    }
    targets = {name: out / name for name in writers}
    run_writers(
        [partial(writer, targets[name]) for name, writer in writers.items()],
        parallel=len(extractions) >= PARALLEL_EXPORT_MIN_PAPERS,
        targets=list(targets.values()),
    )
    # the queryable store, loaded from the Turtle just written (kgraph.store)
    targets[STORE_DIR] = write_store(targets[TURTLE_FILE])
    summary = summarise(graph)
    # reported with entities.jsonl first: the state a build grows from
    summary.files = sorted(targets.values(), key=lambda path: path.name != ENTITIES_FILE)
    summary.seconds = time.perf_counter() - started
    return summary


# The writers of the running build, for forked workers to find by index (inherited, never
# pickled: pickling the graph would cost more than writing it).
_WRITERS: list[Callable[[], None]] = []


def run_writers(
    writers: list[Callable[[], None]], *, parallel: bool, targets: Sequence[Path] = ()
) -> None:
    """Call every writer; in worker processes when ``parallel`` and this system can fork.

    A writer's :class:`KgraphError` is raised here, whichever process it happened in. Every
    file is written under a temporary name, and all are renamed into place together once
    every writer is done: a failed writer (a full disk) leaves every file as it was, not
    some new and some old. Workers stopped mid-write (Ctrl-C, or another writer failed)
    cannot remove their temporary files: the temporary files of ``targets`` whose writer is
    gone are removed here.
    """
    workers = min(len(writers), cpu_cores())
    with renames_deferred() as renames:
        if not parallel or workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
            for writer in writers:
                writer()
        else:
            _in_workers(writers, workers, targets, renames)
    rename_all(renames)


def _in_workers(
    writers: list[Callable[[], None]],
    workers: int,
    targets: Sequence[Path],
    renames: list[Rename],
) -> None:
    """Run ``writers`` in ``workers`` forked processes, adding the renames each leaves to
    ``renames`` as it finishes (to be removed if a later one fails)."""
    _WRITERS[:] = writers
    # The workers share the parent's memory until they write to it. Their garbage collector
    # would write to every object it scans (copying the whole graph into each worker):
    # frozen objects are left out of its scans.
    gc.freeze()
    try:
        with quiet_pool(multiprocessing.get_context("fork"), workers) as pool:
            for done in pool.imap_unordered(_run_writer, range(len(writers))):
                renames.extend(done)
    except BaseException:
        for target in targets:  # leaving the pool terminated and joined its workers
            remove_stale(target, mine=True)
        raise
    finally:
        gc.unfreeze()
        _WRITERS.clear()


def _run_writer(index: int) -> list[Rename]:
    with renames_deferred() as renames:  # made by the parent, with the other writers' renames
        _WRITERS[index]()
    return renames


def read_state(out: Path) -> list[Extraction]:
    """The extractions of the build in ``out``, read back from its ``entities.jsonl``.

    That file is the state a build grows from: no other output is read back.
    """
    path = out / ENTITIES_FILE
    if not path.is_file():
        raise KgraphError(
            f"{out}: no build to add to (no {ENTITIES_FILE}); "
            f"run 'kgraph build INPUT ... --out {out}' first"
        )
    extractions = []
    try:
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    extractions.append(from_record(json.loads(line)))
                except (ValueError, KeyError, TypeError, AttributeError) as exc:
                    raise KgraphError(
                        f"{path}:{number}: not an extraction record ({type(exc).__name__}: "
                        f"{exc}); rebuild with 'kgraph build'"
                    ) from exc
                except RecursionError as exc:
                    raise KgraphError(
                        f"{path}:{number}: not an extraction record (nested too deeply); "
                        "rebuild with 'kgraph build'"
                    ) from exc
    except UnicodeDecodeError as exc:
        raise KgraphError(f"{path}: not UTF-8; rebuild with 'kgraph build'") from exc
    except OSError as exc:
        raise KgraphError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    return extractions


def check_not_state(inputs: Sequence[Path], out: Path) -> None:
    """Refuse the state of the build in ``out`` as an input to add to it: its papers are
    all known, and the user most likely meant another file."""
    state = out / ENTITIES_FILE
    for path in inputs:
        if path.is_file() and state.is_file() and path.samefile(state):
            raise KgraphError(f"{path}: the state of the build in {out}, not an input to add to it")


@dataclass
class Growth:
    """What adding papers to a build did, for the report."""

    added: int = 0
    updated: int = 0
    known: int = 0
    resourced: int = 0
    kept_abstracts: int = 0

    def lines(self) -> list[str]:
        out = [f"added     {_papers(self.added)}"]
        if self.updated:
            out.append(f"updated   {_papers(self.updated)} (text changed: extracted again)")
        known = f"known     {_papers(self.known)} already in the build (not extracted again"
        out.append(known + (f"; {self.resourced} with a new source)" if self.resourced else ")"))
        if self.kept_abstracts:
            out.append(
                f"kept      {self.kept_abstracts} old abstract(s) that differ from the new "
                "listing (--update replaces them)"
            )
        return out


def _papers(count: int) -> str:
    return f"{count} paper" if count == 1 else f"{count} papers"


def _replacing(old: Paper, new: Paper) -> Paper:
    """``new`` in the place of ``old`` (``--update``): new values first, then old ones."""
    return replace(
        new,
        sources=tuple(dict.fromkeys(old.sources + new.sources)),
        date=new.date or old.date,
        authors=new.authors if new.authors is not None else old.authors,
        upvotes=new.upvotes if new.upvotes is not None else old.upvotes,
        organisation=new.organisation or old.organisation,
        url=new.url or old.url,
        metadata={**old.metadata, **new.metadata},
    )


def grow(
    state: Sequence[Extraction],
    papers: Iterable[Paper],
    options: BuildOptions,
    *,
    update: bool = False,
) -> tuple[list[Extraction], Growth]:
    """The extractions of a build grown by ``papers``, extracting only what is new.

    A paper already in ``state`` (same normalised title) is merged with its new listing
    exactly as a build over all the inputs merges two listings (:func:`merge_papers`: the
    first abstract wins, sources add up), so that the result equals that build's. It is
    extracted again only when its text changed: when it had no abstract before, or, with
    ``update``, when the new listing's abstract differs (which then replaces the old one,
    in the same place). New papers follow the old ones in input order.
    """
    growth = Growth()
    result = list(state)
    where = {extraction.paper.key: i for i, extraction in enumerate(result)}
    pending: dict[int, Paper] = {}
    for paper in papers:
        i = where.get(paper.key)
        if i is None:
            where[paper.key] = len(result)
            pending[len(result)] = paper
            result.append(Extraction(paper))
            growth.added += 1
            continue
        old = result[i].paper
        changed = bool(paper.abstract) and paper.abstract != old.abstract
        if update and changed:
            merged = _replacing(old, paper)
        else:
            (merged,) = merge_papers([old, paper])
            if changed and old.abstract:
                growth.kept_abstracts += 1
        if merged.text != old.text:
            pending[i] = merged
            growth.updated += 1
        else:
            growth.known += 1
            if merged.sources != old.sources:
                growth.resourced += 1
        result[i] = Extraction(merged, result[i].mentions)
    if pending:
        fresh = extract_all(list(pending.values()), options)
        for i, extraction in zip(pending, fresh, strict=True):
            result[i] = extraction
    return result, growth
