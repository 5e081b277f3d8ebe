"""Structured records (JSON objects, CSV rows) -> :class:`~kgraph.model.Paper`.

The readers for JSON, JSON Lines and CSV/TSV all meet the same shape: a flat record with
``title`` and ``abstract`` and, optionally, ``id``, ``url``, ``date`` and ``authors``. This
module maps such a record onto a paper and holds the helpers every structured reader shares:
whitespace clean-up and the one-line warning for a record that is skipped.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from kgraph.model import Paper, SourceRef

log = logging.getLogger(__name__)

_BLANK_LINE = re.compile(r"\n[ \t\f\v]*\n")


def clean_title(text: str) -> str:
    """A title on one line, runs of whitespace made one space.

    Examples
    --------
    >>> clean_title("  ExeDec: Execution\\n  Decomposition ")
    'ExeDec: Execution Decomposition'
    """
    return " ".join(text.split())


def clean_abstract(text: str, *, wrapped: bool = False) -> str:
    """An abstract with tidy whitespace, one paragraph per line (as the listing reader gives it).

    With ``wrapped`` (arXiv's hard-wrapped summaries), a single newline is a wrap, not a
    break: only a blank line starts a new paragraph. Otherwise every non-blank line is a
    paragraph.

    Examples
    --------
    >>> clean_abstract("We  propose X.\\n  It works.\\n\\n")
    'We propose X.\\nIt works.'
    >>> clean_abstract("  We propose X\\n  that works.\\n\\n  Code is out.\\n", wrapped=True)
    'We propose X that works.\\nCode is out.'
    """
    parts = _BLANK_LINE.split(text) if wrapped else text.split("\n")
    return "\n".join(p for p in (" ".join(part.split()) for part in parts) if p)


def iso_date(value: str) -> str:
    """The date part of an ISO timestamp; anything else as given.

    Examples
    --------
    >>> iso_date("2023-07-25T17:45:37Z"), iso_date("Jul 12, 2023")
    ('2023-07-25', 'Jul 12, 2023')
    """
    return value[:10] if re.match(r"\d{4}-\d{2}-\d{2}T", value) else value


def skip(where: str, reason: str) -> None:
    """Warn, on one line, that the record at ``where`` (``file:line``) is skipped."""
    log.warning("%s: %s, skipped", where, reason)


def text_field(value: Any) -> str | None:
    """A text field's value, or None when it is missing, null or not text."""
    return value if isinstance(value, str) else None


def author_names(value: Any) -> list[str] | None:
    """Author names from a list of names (or of objects with a ``name``), or one string.

    A string is split at semicolons when it has any ("Shi, K.; Hong, J."), else at commas.

    Examples
    --------
    >>> author_names(["Kensen Shi", {"name": "Joey Hong"}]), author_names("Shi, K.; Hong, J.")
    (['Kensen Shi', 'Joey Hong'], ['Shi, K.', 'Hong, J.'])
    >>> author_names("Kensen Shi, Joey Hong")
    ['Kensen Shi', 'Joey Hong']
    """
    if isinstance(value, str):
        value = value.split(";" if ";" in value else ",")
    if not isinstance(value, list):
        return None
    names = []
    for item in value:
        name = item.get("name") if isinstance(item, Mapping) else item
        if isinstance(name, str) and name.strip():
            names.append(" ".join(name.split()))
    return names


def author_count(value: Any) -> int | None:
    """The number of authors when ``value`` is a count (an int or a string of digits).

    Examples
    --------
    >>> author_count(7), author_count(" 7 "), author_count(["A"]), author_count(True)
    (7, 7, None, None)
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value >= 0:
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def plain_paper(data: Mapping[str, Any], where: str, source: SourceRef) -> Paper | None:
    """The paper of a plain ``{"title", "abstract", ...}`` record, or None (with a warning).

    ``id`` and author names go into the paper's metadata; ``url`` and ``date`` onto its
    fields; ``authors`` may be a list of names or a count. Other fields are not kept.

    Examples
    --------
    >>> rec = {"title": "ExeDec", "abstract": "We propose ExeDec.", "authors": ["A", "B"]}
    >>> paper = plain_paper(rec, "x.jsonl:1", SourceRef("x.jsonl", 1))
    >>> paper.title, paper.authors, paper.metadata
    ('ExeDec', 2, {'authors': ['A', 'B']})
    """
    title = clean_title(text_field(data.get("title")) or "")
    if not title:
        skip(where, "record with no title")
        return None
    abstract = clean_abstract(text_field(data.get("abstract")) or "")
    metadata: dict[str, Any] = {}
    record_id = data.get("id")
    if isinstance(record_id, str | int) and not isinstance(record_id, bool) and str(record_id):
        metadata["id"] = str(record_id)
    authors = author_count(data.get("authors"))
    names = None if authors is not None else author_names(data.get("authors"))
    if names:
        metadata["authors"] = names
        authors = len(names)
    date = data.get("date")
    return finish(
        Paper(
            title=title,
            abstract=abstract,
            sources=(source,),
            date=iso_date(str(date)) if isinstance(date, str | int) and str(date) else None,
            authors=authors,
            url=text_field(data.get("url")) or None,
            metadata=metadata,
        ),
        where,
    )


def finish(paper: Paper, where: str) -> Paper:
    """``paper``, with a warning when it has no abstract (kept: a title alone says something)."""
    if not paper.abstract:
        log.warning("%s: title with no abstract: %.60s", where, paper.title)
    return paper
