"""Semantic Scholar Graph API papers (``/paper/...``, search and batch results) -> papers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kgraph.model import Paper, SourceRef
from kgraph.sources.records import author_names, clean_abstract, clean_title, finish, skip


def is_s2_paper(data: Mapping[str, Any]) -> bool:
    """True when a JSON object looks like a Semantic Scholar paper.

    Examples
    --------
    >>> is_s2_paper({"paperId": "0f4f8a2c", "title": "ExeDec"}), is_s2_paper({"title": "ExeDec"})
    (True, False)
    """
    return "paperId" in data or "externalIds" in data


def s2_paper(data: Mapping[str, Any], where: str, source: SourceRef) -> Paper | None:
    """The paper of a Semantic Scholar record, or None (with a warning) when it has no title."""
    title = clean_title(data["title"]) if isinstance(data.get("title"), str) else ""
    if not title:
        skip(where, "Semantic Scholar paper with no title")
        return None
    abstract = data.get("abstract")
    metadata: dict[str, Any] = {}
    if isinstance(data.get("paperId"), str):
        metadata["id"] = data["paperId"]
    external = data.get("externalIds")
    if isinstance(external, Mapping) and external:
        metadata["external_ids"] = dict(external)
    authors = data.get("authors")
    names = author_names(authors)
    if names:
        metadata["authors"] = names
    date = data.get("publicationDate") or data.get("year")
    url = data.get("url")
    return finish(
        Paper(
            title=title,
            abstract=clean_abstract(abstract) if isinstance(abstract, str) else "",
            sources=(source,),
            date=str(date) if isinstance(date, str | int) and date else None,
            authors=(len(authors) or None) if isinstance(authors, list) else None,
            url=url if isinstance(url, str) and url else None,
            metadata=metadata,
        ),
        where,
    )
