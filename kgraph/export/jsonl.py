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
    """The :class:`Extraction` a JSON object was written from (inverse of :func:`record`)."""
    paper = Paper(
        title=data["title"],
        abstract=data.get("abstract", ""),
        sources=tuple(SourceRef(s["path"], int(s["line"])) for s in data.get("sources", ())),
        date=data.get("date"),
        authors=data.get("authors"),
        upvotes=data.get("upvotes"),
        organisation=data.get("organisation"),
        url=data.get("url"),
        metadata=data.get("metadata", {}),
    )
    mentions = tuple(
        Mention(
            name=e["name"],
            type=EntityType(e["type"]),
            introduced=bool(e.get("introduced", False)),
            aliases=tuple(e.get("aliases", ())),
            sentence=e.get("sentence", ""),
            start=int(e.get("start", 0)),
            end=int(e.get("end", 0)),
        )
        for e in data.get("entities", ())
    )
    return Extraction(paper, mentions)


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
