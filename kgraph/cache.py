"""A disk cache for what kgraph builds the same way on every start (the lexicon and its matchers).

Building them takes a few seconds per process; loading them back takes a tenth of that. An
entry is keyed by a fingerprint of everything it is built from (the kgraph, spaCy and Python
versions, the data files and the modules that build it), so a changed input never loads a
stale entry. The cache lives in ``$KGRAPH_CACHE_DIR``, else ``$XDG_CACHE_HOME/kgraph``, else
``~/.cache/kgraph``; ``KGRAPH_CACHE_DIR=`` (empty) turns it off. A cache that cannot be read
or written is simply not used: it never changes a result and never stops a run.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import pickle
import platform
import tempfile
from collections.abc import Callable, Iterable
from importlib import resources
from pathlib import Path
from typing import TypeVar

import kgraph

log = logging.getLogger(__name__)

T = TypeVar("T")
CACHE_ENV = "KGRAPH_CACHE_DIR"


def cache_dir() -> Path | None:
    """Where cache entries go, or None when caching is off."""
    configured = os.environ.get(CACHE_ENV)
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kgraph"


def fingerprint(*parts: str, files: Iterable[str] = ()) -> str:
    """A digest of ``parts``, of the package files ``files`` (paths under ``kgraph/``), and of
    the kgraph and Python versions."""
    digest = hashlib.sha256()
    for part in (kgraph.__version__, platform.python_version(), *parts):
        digest.update(part.encode("utf-8") + b"\0")
    package = resources.files("kgraph")
    for name in sorted(files):
        digest.update(name.encode("utf-8") + b"\0" + package.joinpath(name).read_bytes())
    return digest.hexdigest()[:20]


def package_files(*folders: str) -> list[str]:
    """Every file under the package ``folders`` (e.g. ``data/words``), as package paths."""
    root = Path(str(resources.files("kgraph")))
    return [
        path.relative_to(root).as_posix()
        for folder in folders
        for path in sorted((root / folder).rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    ]


def cached(name: str, key: str, build: Callable[[], T]) -> T:
    """The value cached under ``name``/``key``, built (and stored) when there is none."""
    folder = cache_dir()
    if folder is None:
        return build()
    path = folder / f"{name}-{key}.pickle"
    try:
        with path.open("rb") as handle:
            value: T = pickle.load(handle)
        return value
    except FileNotFoundError:
        pass
    except Exception as exc:  # a damaged entry is rebuilt, whatever is wrong with it
        log.debug("cache entry %s unusable (%s); rebuilding", path, exc)
    value = build()
    _store(folder, name, path, value)
    return value


def _store(folder: Path, name: str, path: Path, value: object) -> None:
    tmp: str | None = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
        with os.fdopen(handle, "wb") as out:
            pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError as exc:
        log.debug("cannot write cache entry %s (%s)", path, exc)
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        return
    for old in folder.glob(f"{name}-*.pickle"):  # entries of older fingerprints
        if old != path:
            with contextlib.suppress(OSError):
                old.unlink()
