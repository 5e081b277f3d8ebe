"""Writing output files so that a crash or Ctrl-C never leaves a half-written file.

Every writer goes through :func:`atomic_path`: the content goes to a temporary file in the
same folder, which replaces the target only once it is complete and on disk. The temporary
file is named ``.<target name>.kgraph-<pid>-<random>.tmp``; a process killed before it could
remove its own (SIGKILL, a power cut) leaves one behind, and the next write of the same target
removes it once that process is gone. No other file is ever removed.

The outputs of a build are one set: inside :func:`renames_deferred` each completed file stays
under its temporary name, and :func:`rename_all` renames them all at the end, so that a build
failing part-way (a full disk) leaves the old set, not a mix of old and new files.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from kgraph.errors import KgraphError
from kgraph.interrupts import deferred_interrupts

_DEFAULT_MODE = 0o666
_TEMP_MARK = ".kgraph-"
_TEMP_SUFFIX = ".tmp"
# mkstemp's random part: eight characters of [a-z0-9_]
_TEMP_NAME = re.compile(
    rf"\.(?P<target>.+){re.escape(_TEMP_MARK)}(?P<pid>\d+)-[a-z0-9_]+{re.escape(_TEMP_SUFFIX)}"
)


Rename = tuple[Path, Path]  # (temporary file, target)

# While renames are deferred: those still to make, and the process that will make them (a
# writer in a forked worker names its temporary files after it, so that they are not taken
# for a dead process's once the worker has exited).
_deferred: list[Rename] | None = None
_renamer = 0


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def temp_prefix(target: Path) -> str:
    """The start of the name of this process's temporary files for ``target``.

    Examples
    --------
    >>> import os, pathlib
    >>> temp_prefix(pathlib.Path("out/graph.ttl")) == f".graph.ttl.kgraph-{os.getpid()}-"
    True
    """
    return f".{target.name}{_TEMP_MARK}{os.getpid() if _deferred is None else _renamer}-"


def temp_owner(name: str, target: Path) -> int | None:
    """The process id in ``name`` if it is a temporary file of ``target``, else None.

    Examples
    --------
    >>> import pathlib
    >>> temp_owner(".graph.ttl.kgraph-4242-a1b2_c3d.tmp", pathlib.Path("out/graph.ttl"))
    4242
    >>> temp_owner(".graph.ttl.kgraph-4242-a1b2_c3d.tmp", pathlib.Path("out/graph.html"))
    >>> temp_owner("graph.ttl.bak", pathlib.Path("out/graph.ttl"))
    """
    match = _TEMP_NAME.fullmatch(name)
    if match is None or match["target"] != target.name:
        return None
    return int(match["pid"])


def _running(pid: int, mine: bool) -> bool:
    """Whether process ``pid`` may still be running (and writing its temporary file); this
    process's files count as a running one's unless ``mine``."""
    if pid == os.getpid():
        return not mine
    if os.name != "posix":  # no harmless probe (os.kill terminates on Windows): keep the file
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it exists, under another user
        return True
    return True


def remove_stale(target: Path, *, mine: bool = False) -> list[Path]:
    """Remove the temporary files of ``target`` left by kgraph processes that are gone, and
    with ``mine`` those of this process (of its writers in workers that were stopped).

    Only files named as :func:`atomic_path` names them, for this target, are considered; a
    file whose process is still running (a concurrent build) is left alone.
    Returns the paths removed.
    """
    removed = []
    with contextlib.suppress(OSError):
        for path in target.parent.iterdir():
            pid = temp_owner(path.name, target)
            if pid is None or _running(pid, mine):
                continue
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed.append(path)
    return removed


def _sync(path: Path) -> None:
    """Push ``path``'s content to disk, so that a rename after a power cut cannot point at an
    empty file."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def is_stream(path: Path) -> bool:
    """Whether ``path`` is a FIFO or a device (``/dev/stdout``): written through, in order."""
    return path.exists() and not path.is_file() and not path.is_dir()


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success it is renamed to ``target`` (inside
    :func:`renames_deferred`, later, with the rest of the set).

    A symbolic link is replaced like a file: the file it pointed at, which may be anywhere,
    is left as it was. A FIFO or a device (``/dev/stdout``) is not replaced: it is yielded
    itself, to write through.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> with atomic_path(folder / "out.txt") as tmp:
    ...     _ = tmp.write_text("done")
    >>> (folder / "out.txt").read_text(), sorted(p.name for p in folder.iterdir())
    ('done', ['out.txt'])
    """
    if is_stream(target):  # replacing it would swap the user's pipe or device for a file
        try:
            yield target
        except OSError as exc:
            raise KgraphError(f"{target}: cannot write ({exc.strerror or exc})") from exc
        return
    folder = target.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        remove_stale(target)
    except OSError as exc:
        raise KgraphError(f"{folder}: cannot write here ({exc.strerror or exc})") from exc
    tmp = None
    try:
        # a Ctrl-C between creating the file and knowing its name would leave it behind
        with deferred_interrupts():
            tmp = _new_temp(target)
        yield tmp
        # mkstemp creates the file private (0600); give it the mode a plain open() would.
        os.chmod(tmp, _DEFAULT_MODE & ~_umask())
        _sync(tmp)
        if _deferred is None:
            os.replace(tmp, target)
        else:
            _deferred.append((tmp, target))
            tmp = None  # renamed with the rest of the set
    except OSError as exc:
        raise KgraphError(f"{target}: cannot write ({exc.strerror or exc})") from exc
    finally:
        if tmp is not None:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()


@contextlib.contextmanager
def renames_deferred() -> Iterator[list[Rename]]:
    """Leave each file :func:`atomic_path` completes in the block under its temporary name,
    and yield the list of renames still to make, for :func:`rename_all`.

    If the block fails, the temporary files are removed: every target is as it was. Nested
    (a writer in a forked worker), the list is the block's own, for its caller to hand on.
    """
    global _deferred, _renamer
    outer = _deferred, _renamer
    renames: list[Rename] = []
    _deferred, _renamer = renames, os.getpid() if outer[0] is None else outer[1]
    try:
        yield renames
    except BaseException:
        _discard(renames)
        raise
    finally:
        _deferred, _renamer = outer


def rename_all(renames: Sequence[Rename]) -> None:
    """Rename every temporary file onto its target, one after the other at the very end, so
    that a reader sees the old set of files or the new one (as near as POSIX allows: each
    rename is atomic, the set is not). Ctrl-C waits until they are done.

    Each target is checked first: a folder in a target's place would fail its rename, after
    the renames before it were made.
    """
    for _, target in renames:
        if target.is_dir() and not target.is_symlink():
            _discard(renames)
            raise KgraphError(f"{target}: cannot write (a folder is there)")
    with deferred_interrupts():
        for done, (tmp, target) in enumerate(renames):
            try:
                os.replace(tmp, target)
            except OSError as exc:
                _discard(renames[done:])
                raise KgraphError(f"{target}: cannot write ({exc.strerror or exc})") from exc


def _discard(renames: Sequence[Rename]) -> None:
    for tmp, _ in renames:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _new_temp(target: Path) -> Path:
    """A new empty temporary file next to ``target``, named for :func:`remove_stale`."""
    try:
        handle, name = tempfile.mkstemp(
            prefix=temp_prefix(target), suffix=_TEMP_SUFFIX, dir=target.parent
        )
        os.close(handle)
    except OSError as exc:
        raise KgraphError(f"{target.parent}: cannot write here ({exc.strerror or exc})") from exc
    return Path(name)


def write_text(target: Path, text: str) -> None:
    """Write ``text`` (UTF-8, ``\\n`` line ends) to ``target`` atomically."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")
