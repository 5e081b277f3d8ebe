"""Reading input files as text, whatever a scraper left in them.

Every reader goes through :func:`read_text`, so decoding rules and the warnings about them
are the same for every format.
"""

from __future__ import annotations

import codecs
import logging
import os
import re
import stat
from pathlib import Path

from kgraph.errors import KgraphError

log = logging.getLogger(__name__)

# Control characters other than tab, newline, carriage return and form feed.
_CONTROL = frozenset(range(0x20)) - {0x09, 0x0A, 0x0C, 0x0D}
BINARY_SAMPLE = 8192
BINARY_CONTROL_SHARE = 0.10


class SkipFile(KgraphError):
    """This file yields nothing; the message says why. The run goes on with other files."""


def looks_binary(data: bytes) -> bool:
    """True when the start of ``data`` is mostly control bytes (an image, an archive ...).

    Examples
    --------
    >>> looks_binary(b"A title\\nAn abstract.\\n")
    False
    >>> looks_binary(bytes(range(256)) * 4)
    True
    """
    sample = data[:BINARY_SAMPLE]
    if not sample:
        return False
    controls = sum(1 for byte in sample if byte in _CONTROL)
    return controls / len(sample) > BINARY_CONTROL_SHARE


# Characters no output can hold (XML 1.0 forbids them) or that only hide or reorder text: C0
# and C1 controls but tab and line feed, zero-width space and word joiner, a BOM inside the
# text, bidirectional embeddings, overrides and isolates ("Trojan source"), non-characters,
# and unpaired surrogates (no UTF-8 holds them; a JSON escape such as "\\ud800" makes one).
_CONTROL_CHARS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u2060\ufeff\u202a-\u202e\u2066-\u2069\ufffe\uffff"
    "\ud800-\udfff]"
)


def drop_controls(text: str) -> tuple[str, int]:
    """``text`` without the characters :func:`decode` drops, and how many there were.

    Applied again to every text field of every paper read (see
    :func:`kgraph.sources.read_file`): in JSON an escape ("\\u0000") makes after decoding
    what decoding removed.

    Examples
    --------
    >>> drop_controls("a\\x00b\\ud800c\\u202ed")
    ('abcd', 3)
    """
    return _CONTROL_CHARS.subn("", text)


def display_path(path: Path) -> str:
    """``path`` as text any output can hold: bytes that are not UTF-8 and control characters
    in a file name become U+FFFD.

    Examples
    --------
    >>> display_path(Path(os.fsdecode(b"in/bad\\xffname\\x1b.txt")))
    'in/bad\ufffdname\ufffd.txt'
    """
    text = os.fsencode(path.as_posix()).decode("utf-8", "replace")
    return _CONTROL_CHARS.sub("\ufffd", text)


def decode(data: bytes, name: str) -> str:
    """Decode bytes as UTF-8 (BOM allowed), line by line, a line that is not UTF-8 as
    Windows-1252 (else Latin-1), warning once about those lines.

    CR/CRLF line ends become LF. Control characters other than tab and line feed (NUL, escape,
    form feed, C1 controls ...), invisible ones (zero-width space, bidirectional overrides) and
    the non-characters U+FFFE/U+FFFF are dropped, with a warning: no output format can hold
    the first (XML 1.0 forbids them), the others only hide or reorder text, and no title needs
    them.

    Examples
    --------
    >>> decode("café\\r\\n".encode("utf-8"), "x")
    'café\\n'
    >>> decode("café".encode("cp1252"), "x")
    'café'
    >>> decode("café\\n".encode("utf-8") + "café".encode("cp1252"), "x")
    'café\\ncafé'
    >>> decode(b"a\\x00b\\x1bc", "x")
    'abc'
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # One line pasted from elsewhere must not turn every other line into mojibake.
        text = _decode_by_line(data, name)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    cleaned, dropped = drop_controls(text)
    if dropped:
        log.warning("%s: dropped %d control or invisible characters", name, dropped)
    return cleaned


_LINE_END = re.compile(rb"\r\n|\r|\n")  # the same bytes in UTF-8, Windows-1252 and Latin-1
_FALLBACKS = (("cp1252", "Windows-1252"), ("latin-1", "Latin-1"))


def _decode_by_line(data: bytes, name: str) -> str:
    """``data`` decoded line by line, as :func:`decode` describes; lines joined by LF."""
    lines = []
    fallen_back: dict[str, list[int]] = {}
    for number, line in enumerate(_LINE_END.split(data.removeprefix(codecs.BOM_UTF8)), 1):
        try:
            lines.append(line.decode("utf-8"))
            continue
        except UnicodeDecodeError:
            pass
        for encoding, label in _FALLBACKS:
            try:
                lines.append(line.decode(encoding))
            except UnicodeDecodeError:  # Windows-1252 leaves five bytes undefined
                continue
            fallen_back.setdefault(label, []).append(number)
            break
    said = [f"{line_ranges(numbers)} as {label}" for label, numbers in fallen_back.items()]
    said[0] = said[0].replace(" as ", " not UTF-8, read as ", 1)
    log.warning("%s: %s", name, "; ".join(said))
    return "\n".join(lines)


def line_ranges(numbers: list[int], most: int = 10) -> str:
    """Ascending line numbers, compactly: runs as ranges, past ``most`` ranges a count.

    Examples
    --------
    >>> line_ranges([3]), line_ranges([2, 5, 6, 7, 9])
    ('line 3', 'lines 2, 5-7, 9')
    >>> line_ranges(list(range(1, 100, 2)), most=3)
    'lines 1, 3, 5 and 47 more'
    """
    runs: list[list[int]] = []
    for number in numbers:
        if runs and runs[-1][1] == number - 1:
            runs[-1][1] = number
        else:
            runs.append([number, number])
    shown = ", ".join(
        f"{first}-{last}" if last > first else f"{first}" for first, last in runs[:most]
    )
    more = sum(last - first + 1 for first, last in runs[most:])
    return (
        ("line " if len(numbers) == 1 else "lines ")
        + shown
        + (f" and {more:,} more" if more else "")
    )


# UTF-32's byte order marks first: UTF-32LE's starts with UTF-16LE's
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _from_utf16_or_32(data: bytes, path: Path) -> bytes:
    """``data`` as UTF-8 if a byte order mark says it is UTF-16 or UTF-32 (Excel's "Unicode
    text", Windows' Notepad), else as it is: without this, its NUL bytes made it "binary".

    Examples
    --------
    >>> _from_utf16_or_32("A title\\n".encode("utf-16"), Path("x.txt"))
    b'A title\\n'
    """
    for bom, encoding in _WIDE_BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding).encode("utf-8")
            except UnicodeDecodeError as exc:
                raise SkipFile(f"{path}: not valid {encoding.upper()} ({exc.reason})") from exc
    return data


# No input is read past this: a real page, export or dump of abstracts is far smaller, and a
# device (/dev/zero) or an endless pipe would otherwise be read until memory runs out.
MAX_INPUT_BYTES = 512 * 2**20
_READ_CHUNK = 2**20

_NOT_REGULAR = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a directory"),
)


def file_kind(mode: int) -> str | None:
    """What a file of ``mode`` (``st_mode``) is when it is not a regular file, else None.

    Examples
    --------
    >>> file_kind(os.stat(".").st_mode), file_kind(os.stat(__file__).st_mode)
    ('a directory', None)
    """
    return next((kind for test, kind in _NOT_REGULAR if test(mode)), None)


def _size(count: int) -> str:
    """``count`` bytes, as a person reads a limit.

    Examples
    --------
    >>> _size(512 * 2**20), _size(1000)
    ('512 MB', '1,000 bytes')
    """
    return f"{count // 2**20:,} MB" if count % 2**20 == 0 else f"{count:,} bytes"


def _too_large(path: Path) -> SkipFile:
    return SkipFile(
        f"{path}: larger than {_size(MAX_INPUT_BYTES)}, not read (the limit for one input file)"
    )


def _read_bounded(fd: int, path: Path, expected: int) -> bytes:
    """All of ``fd``, or :class:`SkipFile` once it holds more than :data:`MAX_INPUT_BYTES`.

    ``expected`` (a regular file's size) lets the whole file come in one read.
    """
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = os.read(fd, min(max(expected + 1, _READ_CHUNK), MAX_INPUT_BYTES + 1 - total))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > MAX_INPUT_BYTES:
            raise _too_large(path)


def _read_bytes(path: Path, regular_only: bool) -> bytes:
    """The bytes of ``path``, at most :data:`MAX_INPUT_BYTES` of them.

    With ``regular_only`` (a file found in a folder) anything but a regular file is skipped,
    and the file is opened without blocking: opening a FIFO waits for a writer, maybe forever.
    """
    flags = os.O_RDONLY | os.O_NOCTTY | (os.O_NONBLOCK if regular_only else 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        kind = file_kind(info.st_mode)
        if kind is not None and (regular_only or stat.S_ISDIR(info.st_mode)):
            raise SkipFile(f"{path}: {kind}, not a regular file; skipped")
        if kind is None and info.st_size > MAX_INPUT_BYTES:
            raise _too_large(path)
        return _read_bounded(fd, path, info.st_size if kind is None else 0)
    finally:
        os.close(fd)


def read_text(path: Path, *, regular_only: bool = False) -> str:
    """The text of ``path``, or :class:`SkipFile` saying why it has none.

    A path named by the user may be a FIFO or a device, read as a stream; with
    ``regular_only`` (a file found in a folder) only a regular file is read.
    """
    try:
        data = _read_bytes(path, regular_only)
    except PermissionError as exc:
        raise SkipFile(f"{path}: permission denied") from exc
    except OSError as exc:
        raise SkipFile(f"{path}: cannot read ({exc.strerror or exc})") from exc
    data = _from_utf16_or_32(data, path)
    if not data.strip():
        raise SkipFile(f"{path}: empty file")
    if looks_binary(data):
        raise SkipFile(f"{path}: binary file, not text")
    return decode(data, str(path))
