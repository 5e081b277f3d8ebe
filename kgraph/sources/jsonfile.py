"""JSON documents and JSON Lines of paper records: plain, OpenAlex or Semantic Scholar.

A document is one record, a list of records, or an API response that wraps the list
(``{"results": [...]}`` from OpenAlex, ``{"data": [...]}`` from Semantic Scholar). Which kind
each record is, is told by its content unless a format is forced. A record's source line is
the line it starts on, also inside a document, so warnings point at something an editor can
find.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from kgraph.model import Paper, SourceRef
from kgraph.sources.openalex import is_work, work_paper
from kgraph.sources.records import plain_paper, skip
from kgraph.sources.semanticscholar import is_s2_paper, s2_paper
from kgraph.sources.textio import SkipFile

log = logging.getLogger(__name__)

RecordParser = Callable[[Mapping[str, Any], str, SourceRef], Paper | None]

# Keys under which API responses hold their list of records.
CONTAINERS = ("results", "data")
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_JSON_TYPES = {list: "list", str: "string", int: "number", float: "number", bool: "boolean"}


def detect(data: Mapping[str, Any]) -> RecordParser:
    """The parser for a record: OpenAlex work, Semantic Scholar paper or a plain record."""
    if is_work(data):
        return work_paper
    if is_s2_paper(data):
        return s2_paper
    return plain_paper


class _Decoder(json.JSONDecoder):
    """A JSON decoder that notes the keys an object gives twice: json keeps the last value
    without a word, and a record holding two titles is worth a warning."""

    def __init__(self) -> None:
        super().__init__(object_pairs_hook=self._object)
        self.repeated: list[str] = []

    def _object(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        value = dict(pairs)
        if len(value) < len(pairs):
            self.note_repeated(key for key, _ in pairs)
        return value

    def note_repeated(self, keys: Iterable[str]) -> None:
        seen: set[str] = set()
        for key in keys:
            if key in seen and key not in self.repeated:
                self.repeated.append(key)
            seen.add(key)

    def take_repeated(self) -> list[str]:
        """The keys noted since the last call."""
        repeated, self.repeated = self.repeated, []
        return repeated


def warn_repeated(where: str, keys: list[str]) -> None:
    """Warn, on one line, that the record at ``where`` gave ``keys`` more than once."""
    if not keys:
        return
    names = ", ".join(json.dumps(key, ensure_ascii=False)[:40] for key in keys)
    if len(keys) == 1:
        log.warning("%s: duplicate key %s in one record; the last value is used", where, names)
    else:
        log.warning("%s: duplicate keys %s in one record; the last values are used", where, names)


class _Document:
    """Walks one JSON document and keeps the offset each record starts at, and the keys
    each record repeats."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.decoder = _Decoder()
        self.repeated: dict[int, list[str]] = {}

    def value(self, pos: int) -> tuple[Any, int]:
        """The value at ``pos`` and the offset after it, noting the keys it repeats."""
        self.decoder.take_repeated()  # those of what came before belong to no record
        value, end = self.decoder.raw_decode(self.text, pos)
        self._note(pos)
        return value, end

    def _note(self, pos: int) -> None:
        repeated = self.decoder.take_repeated()
        if repeated:
            self.repeated.setdefault(pos, []).extend(repeated)

    def skip(self, pos: int) -> int:
        match = _WHITESPACE.match(self.text, pos)
        assert match is not None  # the pattern matches the empty string
        return match.end()

    def expect(self, pos: int, chars: str, what: str) -> str:
        if pos >= len(self.text) or self.text[pos] not in chars:
            raise json.JSONDecodeError(f"Expecting {what}", self.text, pos)
        return self.text[pos]

    def array(self, pos: int) -> tuple[list[tuple[int, Any]], int]:
        """The elements of the array at ``pos`` with their offsets, and the offset after it."""
        items: list[tuple[int, Any]] = []
        pos = self.skip(pos + 1)
        if self.text.startswith("]", pos):
            return items, pos + 1
        while True:
            value, end = self.value(pos)
            items.append((pos, value))
            pos = self.skip(end)
            if self.expect(pos, ",]", "',' delimiter") == "]":
                return items, pos + 1
            pos = self.skip(pos + 1)

    def records(self, pos: int) -> tuple[list[tuple[int, Any]], int]:
        """The records of the value at ``pos``: a list's items, a response's list, or itself."""
        if self.text.startswith("[", pos):
            return self.array(pos)
        if not self.text.startswith("{", pos):
            value, end = self.value(pos)
            return [(pos, value)], end
        start, members, wrapped = pos, {}, None
        keys = []
        pos = self.skip(pos + 1)
        closed = self.text.startswith("}", pos)
        while not closed:
            self.expect(pos, '"', "property name enclosed in double quotes")
            key, pos = self.decoder.raw_decode(self.text, pos)
            keys.append(key)
            pos = self.skip(pos)
            self.expect(pos, ":", "':' delimiter")
            pos = self.skip(pos + 1)
            if key in CONTAINERS and wrapped is None and self.text.startswith("[", pos):
                wrapped, pos = self.array(pos)
                members[key] = [value for _, value in wrapped]
            else:
                members[key], pos = self.decoder.raw_decode(self.text, pos)
            pos = self.skip(pos)
            closed = self.expect(pos, ",}", "',' delimiter") == "}"
            pos = pos if closed else self.skip(pos + 1)
        if wrapped is not None and "title" not in members:
            return wrapped, pos + 1
        self.decoder.note_repeated(keys)
        self._note(start)
        return [(start, members)], pos + 1


def _line_numbers(text: str, offsets: list[int]) -> list[int]:
    """1-based line numbers of ascending offsets into ``text``."""
    numbers, line, last = [], 1, 0
    for offset in offsets:
        line += text.count("\n", last, offset)
        last = offset
        numbers.append(line)
    return numbers


def is_json_lines(text: str) -> bool:
    """True when ``text`` is JSON Lines: its first line a whole JSON value, more lines after.

    Examples
    --------
    >>> is_json_lines('{"title": "A"}\\n{"title": "B"}\\n'), is_json_lines('[\\n{"title": "A"}\\n]')
    (True, False)
    """
    first, _, rest = text.lstrip().partition("\n")
    if not rest.strip():
        return False
    try:
        json.loads(first)
    except (ValueError, RecursionError):  # ValueError includes json.JSONDecodeError
        return False
    return True


def _unparsable(exc: ValueError | RecursionError) -> str:
    """Why JSON the decoder took apart could not become values (not a syntax error)."""
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    return str(exc).split(";")[0]  # "Exceeds the limit (4300 digits) for integer string ..."


def document_records(text: str, source: str) -> list[tuple[str, int, Any]]:
    """(where, line, value) of each record of a JSON document.

    A document that does not parse is skipped whole (:class:`SkipFile`): it is likely cut
    short, and what it holds cannot be told apart from what it lost.
    """
    walker = _Document(text)
    try:
        found, end = walker.records(walker.skip(0))
        if walker.skip(end) < len(text):
            raise json.JSONDecodeError("Extra data", text, walker.skip(end))
    except json.JSONDecodeError as exc:
        where = f"{source}:{exc.lineno}:{exc.colno}"
        raise SkipFile(f"{where}: not valid JSON ({exc.msg})") from exc
    except (ValueError, RecursionError) as exc:
        raise SkipFile(f"{source}: not readable JSON ({_unparsable(exc)})") from exc
    lines = _line_numbers(text, [offset for offset, _ in found])
    records = []
    for n, (line, (offset, value)) in enumerate(zip(lines, found, strict=True), start=1):
        where = f"{source}:{line} (record {n})"
        warn_repeated(where, walker.repeated.get(offset, []))
        records.append((where, line, value))
    return records


def line_records(text: str, source: str) -> list[tuple[str, int, Any]]:
    """(where, line, value) of each line of JSON Lines; a malformed line is warned about."""
    out = []
    decoder = _Decoder()
    for line, row in enumerate(text.split("\n"), start=1):
        if not row.strip():
            continue
        try:
            value = decoder.decode(row)
        except json.JSONDecodeError as exc:
            skip(f"{source}:{line}:{exc.colno}", f"not valid JSON ({exc.msg})")
        except (ValueError, RecursionError) as exc:
            skip(f"{source}:{line}", f"not readable JSON ({_unparsable(exc)})")
        else:
            out.append((f"{source}:{line}", line, value))
        repeated = decoder.take_repeated()
        if out and out[-1][1] == line:
            warn_repeated(f"{source}:{line}", repeated)
    return out


def papers_of(
    records: list[tuple[str, int, Any]], source: str, parse: RecordParser | None = None
) -> list[Paper]:
    """The papers of JSON records, each parsed by ``parse`` or by the kind its content shows."""
    papers = []
    for where, line, value in records:
        if not isinstance(value, dict):
            kind = "null" if value is None else _JSON_TYPES.get(type(value), "value")
            skip(where, f"a JSON {kind}, not a paper record")
            continue
        paper = (parse or detect(value))(value, where, SourceRef(source, line))
        if paper is not None:
            papers.append(paper)
    return papers


def parse_json(text: str, source: str, parse: RecordParser | None = None) -> list[Paper]:
    """Papers in a JSON document (or in JSON Lines that came with a ``.json`` name)."""
    if is_json_lines(text):
        return papers_of(line_records(text, source), source, parse)
    return papers_of(document_records(text, source), source, parse)


def parse_jsonl(text: str, source: str) -> list[Paper]:
    """Papers in JSON Lines: one record per line, each of the kind its content shows."""
    return papers_of(line_records(text, source), source)


def parse_openalex(text: str, source: str) -> list[Paper]:
    """Papers in OpenAlex works: a work, a list, ``{"results": [...]}`` or JSON Lines."""
    return parse_json(text, source, work_paper)


def parse_semanticscholar(text: str, source: str) -> list[Paper]:
    """Papers in Semantic Scholar records: one, a list, ``{"data": [...]}`` or JSON Lines."""
    return parse_json(text, source, s2_paper)
