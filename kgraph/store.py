"""Opening a built graph: the build's on-disk Oxigraph store, or an RDF file parsed into memory.

A build writes ``graph.ttl`` and, from it, an Oxigraph store beside it (``graph.oxigraph/``,
:func:`write_store`). The commands that ask the graph open that store read-only, so they start
in a fraction of a second whatever the size of the graph, and several processes (``serve``'s
workers, other commands) share it; queries run in Oxigraph itself.

A store is used only if it is whole and current. Its marker file, written last, names the
kgraph and store-format versions that wrote it and the size, modification time and SHA-256 of
the ``graph.ttl`` it was loaded from. A store without a marker (its build was killed), from
another kgraph, or whose ``graph.ttl`` has changed is rebuilt from ``graph.ttl``, said in one
line on stderr; if it cannot be rebuilt (a read-only folder), the Turtle is parsed instead.

A file given as such (Turtle, N-Triples or JSON-LD) is parsed into memory: into Oxigraph's
store, or rdflib's (``engine="rdflib"``, the reference; ``"auto"`` takes it for files up to
:data:`OXIGRAPH_ABOVE_BYTES`). Every engine answers with pyoxigraph's terms
(:class:`kgraph.query.Answer`), so answers are equal whichever answered.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox

from kgraph import __version__
from kgraph.errors import KgraphError
from kgraph.interrupts import deferred_interrupts
from kgraph.query import ASK, CONSTRUCT, XSD_STRING, Answer, Term, one_line
from kgraph.vocab import PREFIXES

log = logging.getLogger("kgraph")

ENGINES = ("auto", "rdflib", "oxigraph")
# Turtle files larger than this (about 130 papers) go to Oxigraph when the engine is "auto"
OXIGRAPH_ABOVE_BYTES = 1_000_000
DEFAULT_GRAPH = Path("output")
TURTLE_FILE = "graph.ttl"
STORE_DIR = "graph.oxigraph"
MARKER_FILE = "kgraph-store.json"
# what the marker and the store's contents mean; a store of another format is rebuilt
STORE_FORMAT = 1
_TEMP_MARK = ".kgraph-"

# suffix -> (Oxigraph's format, rdflib's parser)
_FORMATS = {
    ".ttl": (ox.RdfFormat.TURTLE, "turtle"),
    ".nt": (ox.RdfFormat.N_TRIPLES, "nt"),
    ".jsonld": (ox.RdfFormat.JSON_LD, "json-ld"),
}
_READ_CHUNK = 1 << 20


# --- the engines ---------------------------------------------------------------------------


def _query_prefixes(declared: Mapping[str, str]) -> dict[str, str]:
    """The prefixes a query may use undeclared: kgraph's, and those the graph file declares."""
    return {**PREFIXES, **declared}


class OxigraphGraph:
    """A pyoxigraph store (on disk and read-only, or in memory) answering queries natively."""

    def __init__(self, store: ox.Store, prefixes: Mapping[str, str], triples: int) -> None:
        self.store = store
        self._prefixes = _query_prefixes(prefixes)
        self._triples = triples

    @property
    def prefixes(self) -> Mapping[str, str]:
        return self._prefixes

    def triples(self) -> int:
        return self._triples

    def execute(self, text: str, kind: str, bindings: Mapping[str, Term]) -> Answer:
        result = self.store.query(
            text,
            prefixes=dict(self._prefixes),
            substitutions={ox.Variable(name): term for name, term in bindings.items()},
        )
        shown = tuple(self._prefixes.items())
        if isinstance(result, ox.QueryBoolean):
            return Answer(ASK, boolean=bool(result), prefixes=shown)
        if isinstance(result, ox.QueryTriples):
            return Answer(CONSTRUCT, triples=tuple(result), prefixes=shown)
        variables = tuple(v.value for v in result.variables)
        return Answer(kind, variables, tuple(tuple(row) for row in result), prefixes=shown)


class RdflibGraph:
    """An rdflib graph answering queries with rdflib's own SPARQL engine, the reference."""

    def __init__(self, graph: Any, prefixes: Mapping[str, str]) -> None:
        self.graph = graph
        self._prefixes = _query_prefixes(prefixes)

    @property
    def prefixes(self) -> Mapping[str, str]:
        return self._prefixes

    def triples(self) -> int:
        return len(self.graph)

    def execute(self, text: str, kind: str, bindings: Mapping[str, Term]) -> Answer:
        from rdflib import BNode, Literal, URIRef

        def to_rdflib(term: Term) -> Any:
            if isinstance(term, ox.NamedNode):
                return URIRef(term.value)
            if isinstance(term, ox.BlankNode):
                return BNode(term.value)
            if term.language:
                return Literal(term.value, lang=term.language)
            if term.datatype == XSD_STRING:  # rdflib tells "x" from "x"^^xsd:string (RDF 1.0)
                return Literal(term.value)
            return Literal(term.value, datatype=URIRef(term.datatype.value))

        def to_ox(term: Any) -> Term:
            if isinstance(term, URIRef):
                return ox.NamedNode(str(term))
            if isinstance(term, BNode):
                return ox.BlankNode(str(term))
            if term.language:
                return ox.Literal(str(term), language=term.language)
            if term.datatype is None:
                return ox.Literal(str(term))
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))

        result = self.graph.query(
            text,
            initNs=dict(self._prefixes),
            initBindings={name: to_rdflib(term) for name, term in bindings.items()},
        )
        shown = tuple(self._prefixes.items())
        if kind == ASK:
            return Answer(ASK, boolean=bool(result.askAnswer), prefixes=shown)
        if kind == CONSTRUCT:
            written = result.graph.serialize(format="nt", encoding="utf-8") if result.graph else b""
            triples = tuple(q.triple for q in ox.parse(written, format=ox.RdfFormat.N_TRIPLES))
            return Answer(CONSTRUCT, triples=triples, prefixes=shown)
        rows = tuple(tuple(None if term is None else to_ox(term) for term in row) for row in result)
        return Answer(kind, tuple(str(v) for v in result.vars or ()), rows, prefixes=shown)


Graph = OxigraphGraph | RdflibGraph


# --- parsing a file --------------------------------------------------------------------------


def choose_engine(path: Path, engine: str = "auto") -> str:
    """``"rdflib"`` or ``"oxigraph"``: ``engine`` itself, or by file size when it is ``"auto"``."""
    if engine not in ENGINES:
        raise KgraphError(f"unknown engine {engine!r}: expected one of {', '.join(ENGINES)}")
    if engine != "auto":
        return engine
    return "oxigraph" if path.stat().st_size > OXIGRAPH_ABOVE_BYTES else "rdflib"


def _rdf_format(path: Path) -> tuple[ox.RdfFormat, str]:
    formats = _FORMATS.get(path.suffix.lower())
    if formats is None:
        known = ", ".join(_FORMATS)
        raise KgraphError(f"{path}: cannot tell the RDF format (expected a file ending {known})")
    return formats


def _declared_prefixes(path: Path, rdf_format: ox.RdfFormat) -> dict[str, str]:
    """The prefixes ``path`` declares before its first triple (where kgraph writes them all)."""
    if rdf_format != ox.RdfFormat.TURTLE:
        return {}
    parser = ox.parse(path=path, format=rdf_format)
    with contextlib.suppress(StopIteration):
        next(parser)
    return dict(parser.prefixes)


def _not_rdf(path: Path, exc: Exception) -> KgraphError:
    if isinstance(exc, OSError):
        return KgraphError(f"{path}: cannot read: {exc.strerror or exc}")
    return KgraphError(f"{path}: not valid RDF: {one_line(exc)[:300]}")


def load_graph(path: Path, engine: str = "auto") -> Graph:
    """The RDF graph in the file ``path`` (Turtle, N-Triples or JSON-LD, by suffix), parsed
    into the chosen engine's memory.

    Every failure (missing file, folder, unknown suffix, syntax error) is a one-line
    :class:`~kgraph.errors.KgraphError`.
    """
    if not path.is_file():
        raise KgraphError(f"{path}: no such graph file (run `kgraph build` first, or give --graph)")
    rdf_format, rdflib_format = _rdf_format(path)
    chosen = choose_engine(path, engine)
    try:
        prefixes = _declared_prefixes(path, rdf_format)
        if chosen == "oxigraph":
            store = ox.Store()
            store.bulk_load(path=path, format=rdf_format)
            return OxigraphGraph(store, prefixes, len(store))
        from rdflib import Graph as RdflibStore

        graph = RdflibStore(bind_namespaces="none")
        graph.parse(path, format=rdflib_format)
    except KgraphError:
        raise
    except Exception as exc:  # rdflib's parsers also fail with IndexError, AssertionError...
        raise _not_rdf(path, exc) from exc
    return RdflibGraph(graph, prefixes)


# --- the store beside a build's graph.ttl ----------------------------------------------------


@dataclass(frozen=True)
class Marker:
    """What the marker file of a store says: who wrote it, from which file, what it holds."""

    kgraph: str
    format: int
    source: str
    size: int
    mtime_ns: int
    sha256: str
    triples: int
    prefixes: dict[str, str]


def _marker(store_dir: Path) -> Marker | None:
    try:
        data = json.loads((store_dir / MARKER_FILE).read_text(encoding="utf-8"))
        return Marker(**data)
    except (OSError, ValueError, TypeError):
        return None


def stale_reason(store_dir: Path, turtle: Path) -> str | None:
    """Why the store in ``store_dir`` cannot answer for ``turtle``; None if it can."""
    if not store_dir.is_dir():
        return "there is no store yet"
    marker = _marker(store_dir)
    if marker is None:
        return f"the store is incomplete (no {MARKER_FILE}: it was not finished)"
    if (marker.kgraph, marker.format) != (__version__, STORE_FORMAT):
        return (
            f"the store is from kgraph {marker.kgraph} (store format {marker.format}), "
            f"this is kgraph {__version__} (format {STORE_FORMAT})"
        )
    try:
        stat = turtle.stat()
    except OSError:
        return None  # a store without its Turtle is all there is: use it
    changed = f"{turtle.name} has changed since the store was written"
    if stat.st_size != marker.size:
        return changed
    if stat.st_mtime_ns != marker.mtime_ns and _sha256(turtle) != marker.sha256:
        # (a copied folder keeps the content but not always the times: the digest decides)
        return changed
    return None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_READ_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class _Hashing(io.RawIOBase):
    """A file read through, its SHA-256 computed on the way: the store's loader reads the
    Turtle once for both."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self.handle.readinto(buffer)  # type: ignore[attr-defined]
        if count:
            self.digest.update(memoryview(buffer)[:count])
        return int(count or 0)


def _temp_dir(target: Path) -> Path:
    return Path(
        tempfile.mkdtemp(prefix=f".{target.name}{_TEMP_MARK}{os.getpid()}-", dir=target.parent)
    )


def _remove_stale(target: Path) -> None:
    """Remove the temporary folders of ``target`` that kgraph processes now gone left."""
    prefix = f".{target.name}{_TEMP_MARK}"
    with contextlib.suppress(OSError):
        for path in target.parent.iterdir():
            pid = path.name.removeprefix(prefix).partition("-")[0]
            if path.name.startswith(prefix) and pid.isdigit() and not _running(int(pid)):
                shutil.rmtree(path, ignore_errors=True)


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists, under another user
        return True
    return True


def write_store(turtle: Path, target: Path | None = None) -> Path:
    """Load ``turtle`` (a build's ``graph.ttl``) into an on-disk Oxigraph store at ``target``
    (default: ``graph.oxigraph`` beside it), and return ``target``.

    The store is loaded into a temporary folder beside ``target``, its marker written last,
    and only then renamed into place: until that moment the old store, if any, is what
    readers see; a build killed before leaves a folder with no marker, which no reader uses
    and the next write removes.
    """
    target = target or turtle.parent / STORE_DIR
    _remove_stale(target)
    try:
        stat = turtle.stat()
        with deferred_interrupts():  # a Ctrl-C here would leave a folder nobody names
            tmp = _temp_dir(target)
    except OSError as exc:
        raise KgraphError(f"{target}: cannot write the store ({exc.strerror or exc})") from exc
    try:
        prefixes = _declared_prefixes(turtle, ox.RdfFormat.TURTLE)
        with turtle.open("rb") as handle:
            hashing = _Hashing(handle)
            store = ox.Store(str(tmp))
            store.bulk_load(
                input=io.BufferedReader(hashing, _READ_CHUNK), format=ox.RdfFormat.TURTLE
            )
            store.flush()
            triples = len(store)
            del store  # closes the database: a store is opened read-only only once closed
        marker = Marker(
            __version__,
            STORE_FORMAT,
            turtle.name,
            stat.st_size,
            stat.st_mtime_ns,
            hashing.digest.hexdigest(),
            triples,
            prefixes,
        )
        with (tmp / MARKER_FILE).open("w", encoding="utf-8") as handle:
            json.dump(marker.__dict__, handle, indent=2)
            handle.flush()
            os.fsync(handle.fileno())
        _swap(tmp, target)
    except SyntaxError as exc:
        raise KgraphError(f"{turtle}: not valid RDF: {one_line(exc)[:300]}") from exc
    except OSError as exc:
        raise KgraphError(f"{target}: cannot write the store ({exc.strerror or exc})") from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _swap(new: Path, target: Path) -> None:
    """Put the folder ``new`` at ``target``, the old one out of the way first."""
    with deferred_interrupts():
        if target.is_dir() and not target.is_symlink():
            old = _temp_dir(target)
            os.replace(target, old / "old")
            try:
                os.replace(new, target)
            except OSError:
                os.replace(old / "old", target)
                raise
            finally:
                # readers that opened the old store keep its open files (POSIX); new ones get
                # the new store
                shutil.rmtree(old, ignore_errors=True)
        else:
            if target.is_symlink() or target.exists():
                target.unlink()
            os.replace(new, target)


def open_store(store_dir: Path) -> OxigraphGraph:
    """The store in ``store_dir``, opened read-only (several processes may share it)."""
    marker = _marker(store_dir)
    if marker is None:
        raise KgraphError(f"{store_dir}: not a kgraph store (no {MARKER_FILE})")
    try:
        store = ox.Store.read_only(str(store_dir))
    except OSError as exc:
        raise KgraphError(f"{store_dir}: cannot open the store: {one_line(exc)}") from exc
    return OxigraphGraph(store, marker.prefixes, marker.triples)


@dataclass(frozen=True)
class Located:
    """Where a ``--graph`` argument points: a build's store and Turtle, or one RDF file."""

    store: Path | None
    file: Path


def locate(path: Path) -> Located:
    """What ``path`` names: a build folder (its store and ``graph.ttl``), a store folder, or
    an RDF file.

    Examples
    --------
    >>> locate(Path("output"))
    Located(store=PosixPath('output/graph.oxigraph'), file=PosixPath('output/graph.ttl'))
    >>> locate(Path("output/graph.nt"))
    Located(store=None, file=PosixPath('output/graph.nt'))
    """
    if path.suffix == Path(STORE_DIR).suffix or (path / MARKER_FILE).is_file():
        return Located(path, path.parent / TURTLE_FILE)
    if path.is_dir() or not path.suffix:
        return Located(path / STORE_DIR, path / TURTLE_FILE)
    return Located(None, path)


@dataclass(frozen=True)
class Opening:
    """How to open a graph once its store is known to be current: the store (read-only), or
    else the file, parsed by ``engine``. Plain data, for ``serve`` to hand its workers."""

    store: Path | None
    file: Path
    engine: str = "auto"

    def open(self) -> Graph:
        if self.store is not None:
            return open_store(self.store)
        return load_graph(self.file, self.engine)


def prepare(path: Path = DEFAULT_GRAPH, engine: str = "auto") -> Opening:
    """How to open the graph ``path`` names (see :func:`locate`).

    A build folder or a store folder is answered from the store, rebuilt first when it is
    missing, incomplete or stale (see the module's description); ``engine="rdflib"`` parses
    the folder's ``graph.ttl`` into rdflib instead. A file is parsed (:func:`load_graph`).
    """
    if engine not in ENGINES:
        raise KgraphError(f"unknown engine {engine!r}: expected one of {', '.join(ENGINES)}")
    where = locate(path)
    if where.store is None or engine == "rdflib":
        return Opening(None, where.file, engine)
    reason = stale_reason(where.store, where.file)
    if reason is None:
        return Opening(where.store, where.file)
    if not where.file.is_file():
        if where.store.is_dir():
            raise KgraphError(f"{where.store}: cannot use the store ({reason}) and no {where.file}")
        raise KgraphError(
            f"{path}: no graph there (no {STORE_DIR} or {TURTLE_FILE}; run `kgraph build` "
            "first, or give --graph)"
        )
    log.warning("building %s from %s: %s", where.store, where.file, reason)
    try:
        write_store(where.file, where.store)
    except KgraphError as exc:
        log.warning("%s; parsing %s instead", exc, where.file)
        return Opening(None, where.file, engine)
    return Opening(where.store, where.file)


def open_graph(path: Path = DEFAULT_GRAPH, engine: str = "auto") -> Graph:
    """The graph ``path`` names, ready for queries (see :func:`prepare`)."""
    return prepare(path, engine).open()
