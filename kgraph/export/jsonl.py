"""``entities.jsonl``: one JSON object per paper, the extraction in the guidelines' schema.

Each line holds the paper (``id``, ``title``, ``abstract``, metadata, ``sources``) and its
``entities`` (``name``, ``type``, ``introduced``, ``aliases`` and the evidence: ``sentence``,
``start``, ``end``, character offsets into ``title + "\\n\\n" + abstract``). The file is the
extraction state a build can be grown from, so it reads back into the same records.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from kgraph.model import EntityType, Extraction, Mention, Paper, SourceRef


def record(extraction: Extraction) -> dict[str, Any]:
    """The JSON object of one paper.

    Examples
    --------
    >>> ex = Extraction(Paper("T", "A."), (Mention("SCAN", EntityType.BENCHMARK),))
    >>> record(ex)["entities"][0]["name"], record(ex)["id"]
    ('SCAN', '8efd86fb78a5')
    """
    paper = extraction.paper
    out: dict[str, Any] = {"id": paper.id, "title": paper.title, "abstract": paper.abstract}
    for key in ("date", "authors", "upvotes", "organisation", "url"):
        value = getattr(paper, key)
        if value is not None:
            out[key] = value
    if paper.metadata:
        out["metadata"] = paper.metadata
    out["sources"] = [{"path": s.path, "line": s.line} for s in paper.sources]
    out["entities"] = [
        {
            "name": m.name,
            "type": m.type.value,
            "introduced": m.introduced,
            "aliases": list(m.aliases),
            "sentence": m.sentence,
            "start": m.start,
            "end": m.end,
        }
        for m in extraction.mentions
    ]
    return out


def from_record(data: dict[str, Any]) -> Extraction:
    """The :class:`Extraction` a JSON object was written from (inverse of :func:`record`).

    A field of the wrong type is a :class:`TypeError` naming it (a hand-edited or damaged
    file), not a failure later, far from the line it came from.

    Examples
    --------
    >>> from_record({"title": 5})
    Traceback (most recent call last):
    TypeError: 'title' is a number, not text
    """
    paper = Paper(
        title=_field(data, "title", str),
        abstract=_field(data, "abstract", str, ""),
        sources=tuple(
            SourceRef(_field(s, "path", str), _field(s, "line", int))
            for s in _field(data, "sources", list, [])
        ),
        date=_field(data, "date", str, None),
        authors=_field(data, "authors", int, None),
        upvotes=_field(data, "upvotes", int, None),
        organisation=_field(data, "organisation", str, None),
        url=_field(data, "url", str, None),
        metadata=_field(data, "metadata", dict, {}),
    )
    mentions = tuple(
        Mention(
            name=_field(e, "name", str),
            type=EntityType(e["type"]),
            introduced=_field(e, "introduced", bool, False),
            aliases=tuple(_field(e, "aliases", list, [])),
            sentence=_field(e, "sentence", str, ""),
            start=_field(e, "start", int, 0),
            end=_field(e, "end", int, 0),
        )
        for e in _field(data, "entities", list, [])
    )
    if not all(isinstance(alias, str) for m in mentions for alias in m.aliases):
        raise TypeError("'aliases' holds something other than text")
    return Extraction(paper, mentions)


_MISSING = object()
_KIND_NAMES = {
    str: "text",
    int: "a whole number",
    bool: "true or false",
    list: "a list",
    dict: "an object",
}


def _field(data: Any, key: str, kind: type, default: Any = _MISSING) -> Any:
    """``data[key]`` if it is of ``kind`` (or None where the default is None), else TypeError."""
    if not isinstance(data, dict):
        raise TypeError(f"{_kind_name(data)} where an object with {key!r} belongs")
    if key not in data:
        if default is _MISSING:
            raise KeyError(key)
        return default
    value = data[key]
    if value is None and default is None:
        return None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise TypeError(f"{key!r} is {_kind_name(value)}, not {_KIND_NAMES[kind]}")
    return value


def _kind_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    return _KIND_NAMES.get(type(value), type(value).__name__)


def dumps(extraction: Extraction) -> str:
    r"""One line of ``entities.jsonl`` (stable key order, UTF-8 kept as is).

    U+2028 and U+2029 are escaped: valid raw in JSON, but line readers that also break at them
    (Python's ``str.splitlines``, some editors) would cut the line in two.

    Examples
    --------
    >>> from kgraph.model import Paper
    >>> line = dumps(Extraction(Paper("A\u2028B", "")))
    >>> "\u2028" in line, len(line.splitlines()), json.loads(line)["title"] == "A\u2028B"
    (False, 1, True)
    """
    text = json.dumps(record(extraction), ensure_ascii=False)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def lines(extractions: Iterable[Extraction]) -> Iterator[str]:
    for extraction in extractions:
        yield dumps(extraction) + "\n"
