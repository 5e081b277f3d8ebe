"""Writing output files so that a crash or Ctrl-C never leaves a half-written file.

Every writer goes through :func:`atomic_path`: the content goes to a temporary file in the
same folder, which replaces the target only once it is complete and on disk. The temporary
file is named ``.<target name>.kgraph-<pid>-<random>.tmp``; a process killed before it could
remove its own (SIGKILL, a power cut) leaves one behind, and the next write of the same target
removes it once that process is gone. No other file is ever removed.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator
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
    return f".{target.name}{_TEMP_MARK}{os.getpid()}-"


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


def _running(pid: int) -> bool:
    """Whether process ``pid`` may still be running (and writing its temporary file)."""
    if pid == os.getpid():
        return True
    if os.name != "posix":  # no harmless probe (os.kill terminates on Windows): keep the file
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it exists, under another user
        return True
    return True


def remove_stale(target: Path) -> list[Path]:
    """Remove the temporary files of ``target`` left by kgraph processes that are gone.

    Only files named as :func:`atomic_path` names them, for this target, are considered; a
    file whose process is still running (a concurrent build) is left alone.
    Returns the paths removed.
    """
    removed = []
    with contextlib.suppress(OSError):
        for path in target.parent.iterdir():
            pid = temp_owner(path.name, target)
            if pid is None or _running(pid):
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
    """Yield a temporary path to write; on success it is renamed to ``target``.

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
        os.replace(tmp, target)
    except OSError as exc:
        raise KgraphError(f"{target}: cannot write ({exc.strerror or exc})") from exc
    finally:
        if tmp is not None:
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
