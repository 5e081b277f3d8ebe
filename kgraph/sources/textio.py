"""Reading input files as text, whatever a scraper left in them.

Every reader goes through :func:`read_text`, so decoding rules and the warnings about them
are the same for every format.
"""

from __future__ import annotations

import codecs
import logging
import os
import re
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
    """Decode bytes as UTF-8 (BOM allowed), else Windows-1252, else Latin-1, warning on fallback.

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
    >>> decode(b"a\\x00b\\x1bc", "x")
    'abc'
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        try:
            text = data.decode("cp1252")
            encoding = "Windows-1252"
        except UnicodeDecodeError:
            text = data.decode("latin-1")
            encoding = "Latin-1"
        log.warning("%s: not UTF-8 (byte %d), read as %s", name, exc.start, encoding)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    cleaned, dropped = drop_controls(text)
    if dropped:
        log.warning("%s: dropped %d control or invisible characters", name, dropped)
    return cleaned


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


def read_text(path: Path) -> str:
    """The text of ``path``, or :class:`SkipFile` saying why it has none."""
    try:
        data = path.read_bytes()
    except IsADirectoryError as exc:
        raise SkipFile(f"{path}: is a directory") from exc
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
