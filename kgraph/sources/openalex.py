"""OpenAlex works (``/works`` API results and snapshot records) -> papers.

OpenAlex does not ship abstracts as text: ``abstract_inverted_index`` maps each word to the
positions it takes, and the text is rebuilt by putting the words back in position order.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from kgraph.model import Paper, SourceRef
from kgraph.sources.records import author_names, clean_abstract, clean_title, finish, skip

log = logging.getLogger(__name__)

OPENALEX_ID_PREFIX = "https://openalex.org/"


def is_work(data: Mapping[str, Any]) -> bool:
    """True when a JSON object looks like an OpenAlex work.

    Examples
    --------
    >>> is_work({"id": "https://openalex.org/W4385474054", "title": "ExeDec"})
    True
    >>> is_work({"title": "ExeDec", "abstract": "..."})
    False
    """
    record_id = data.get("id")
    return "abstract_inverted_index" in data or (
        isinstance(record_id, str) and record_id.startswith(OPENALEX_ID_PREFIX)
    )


def rebuild_abstract(index: Mapping[str, Any]) -> str | None:
    """The abstract text of an inverted index, or None when the index is not one.

    Examples
    --------
    >>> rebuild_abstract({"We": [0], "propose": [1], "ExeDec,": [2], "a": [3], "method.": [4]})
    'We propose ExeDec, a method.'
    >>> rebuild_abstract({"the": [0, 2], "of": [1]})
    'the of the'
    """
    placed: list[tuple[int, str]] = []
    for word, positions in index.items():
        if not isinstance(positions, list) or not all(
            isinstance(p, int) and not isinstance(p, bool) for p in positions
        ):
            return None
        placed.extend((position, word) for position in positions)
    placed.sort()
    return " ".join(word for _, word in placed)


def work_paper(data: Mapping[str, Any], where: str, source: SourceRef) -> Paper | None:
    """The paper of an OpenAlex work, or None (with a warning) when it has no title."""
    title = data.get("title") or data.get("display_name")
    title = clean_title(title) if isinstance(title, str) else ""
    if not title:
        skip(where, "OpenAlex work with no title")
        return None
    abstract = ""
    index = data.get("abstract_inverted_index")
    if isinstance(index, Mapping):
        rebuilt = rebuild_abstract(index)
        if rebuilt is None:
            log.warning("%s: abstract_inverted_index is not words -> positions, ignored", where)
        abstract = clean_abstract(rebuilt or "")
    metadata: dict[str, Any] = {}
    for key in ("id", "doi"):
        if isinstance(data.get(key), str):
            metadata[key] = data[key]
    authorships = data.get("authorships")
    if isinstance(authorships, list):
        authors = [a.get("author") for a in authorships if isinstance(a, Mapping)]
        names = author_names([a.get("display_name") for a in authors if isinstance(a, Mapping)])
        if names:
            metadata["authors"] = names
    location = data.get("primary_location")
    landing = location.get("landing_page_url") if isinstance(location, Mapping) else None
    url = next(
        (u for u in (data.get("doi"), landing, data.get("id")) if isinstance(u, str) and u), None
    )
    date = data.get("publication_date") or data.get("publication_year")
    return finish(
        Paper(
            title=title,
            abstract=abstract,
            sources=(source,),
            date=str(date) if isinstance(date, str | int) and date else None,
            authors=(len(authorships) or None) if isinstance(authorships, list) else None,
            url=url,
            metadata=metadata,
        ),
        where,
    )
