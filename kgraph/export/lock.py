"""One kgraph at a time writes an output folder: ``kgraph build`` and ``kgraph add`` hold a
lock on it, the file ``.kgraph.lock`` in it, which holds their process id.

Two builds writing one folder at once could interleave their renames and leave files from
both; an ``add`` reading the state while a build replaces it could lose papers. The lock is a
POSIX record lock (``fcntl.lockf``): the system releases it when its process ends however it
ends (a SIGKILL, a power cut), so a lock file left by a killed build is taken over, not obeyed;
and, unlike ``flock``, it is not inherited by forked workers, which could outlive a killed
parent and hold it. The file is removed when the lock is released.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from kgraph.errors import KgraphError

LOCK_FILE = ".kgraph.lock"
# Each try can lose only to a holder that removed the file just as it was opened.
_TRIES = 10


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold the lock on ``folder`` (made if need be) for the block.

    Another kgraph holding it is a :class:`KgraphError` naming its process. Folders made here
    are removed again if the block left them empty (a build that found no papers).
    """
    made = _make(folder)
    try:
        fd = _take(folder)
    except BaseException:
        _remove_empty(made)
        raise
    try:
        yield
    finally:
        # removed while still held: whoever opens it now finds, once it has the lock, that the
        # file it locked is gone, and tries again (see _take)
        with contextlib.suppress(OSError):
            (folder / LOCK_FILE).unlink()
        os.close(fd)
        _remove_empty(made)


def _make(folder: Path) -> list[Path]:
    """Make ``folder`` and its missing parents; return those it made, deepest first."""
    missing = [path for path in (folder, *folder.parents) if not path.exists()]
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise KgraphError(f"{folder}: cannot write here ({exc.strerror or exc})") from exc
    return missing


def _remove_empty(folders: list[Path]) -> None:
    for path in folders:
        try:
            path.rmdir()
        except OSError:  # not empty: it holds outputs now, or something of the user's
            return


def _take(folder: Path) -> int:
    """An open descriptor of the lock file, locked, holding this process's id."""
    path = folder / LOCK_FILE
    for _ in range(_TRIES):
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:
            raise KgraphError(f"{folder}: cannot write here ({exc.strerror or exc})") from exc
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EACCES, errno.EAGAIN):
                raise KgraphError(
                    f"{folder}/ is being written by another kgraph{_holder(path)}"
                ) from exc
            raise KgraphError(f"{path}: cannot lock ({exc.strerror or exc})") from exc
        if _is_file_at(fd, path):
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            return fd
        os.close(fd)
    raise KgraphError(f"{path}: cannot lock (it is replaced as soon as it is made)")


def _is_file_at(fd: int, path: Path) -> bool:
    """Whether ``fd`` is still the file at ``path`` (its holder may have removed it)."""
    try:
        there = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (held.st_dev, held.st_ino) == (there.st_dev, there.st_ino)


def _holder(path: Path) -> str:
    """ ", pid N" of the process holding the lock at ``path``, if it has written it yet."""
    try:
        pid = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return ""
    return f", pid {pid}" if pid.isdigit() else ""
