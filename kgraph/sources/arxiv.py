"""arXiv API results (an Atom feed of ``<entry>`` elements) -> papers.

The feed is parsed with defusedxml: an input file is untrusted, and a document that declares
entities (the "billion laughs" expansion) or points at external ones is refused rather than
expanded. Titles and summaries come hard-wrapped, with newlines and runs of spaces, and are
unwrapped (a blank line in a summary still starts a paragraph).
"""

from __future__ import annotations

import re
from typing import Any
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from kgraph.model import Paper, SourceRef
from kgraph.sources.records import clean_abstract, clean_title, finish, iso_date, skip
from kgraph.sources.textio import SkipFile

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
# The API answers a bad query with a feed whose one entry is the error message.
ERROR_ID_PREFIX = "http://arxiv.org/api/errors"
_POSITION = re.compile(r": line \d+, column \d+$")


class _LineBuilder(TreeBuilder):
    """A tree builder that remembers the line each entry and title starts on."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: dict[Element, int] = {}
        self.parser: DefusedXMLParser | None = None

    def start(self, tag: Any, attrs: dict[Any, Any], /) -> Element:
        element = super().start(tag, attrs)
        if tag in (f"{ATOM}entry", f"{ATOM}title") and self.parser is not None:
            self.lines[element] = self.parser.parser.CurrentLineNumber
        return element


def _text(element: Element, tag: str) -> str:
    child = element.find(tag)
    return "".join(child.itertext()) if child is not None else ""


def entry_paper(entry: Element, source: str, lines: dict[Element, int]) -> Paper | None:
    """The paper of one ``<entry>``, or None (with a warning) for an error or a titleless one."""
    line = lines.get(entry, 0)
    where = f"{source}:{line}"
    entry_id = _text(entry, f"{ATOM}id").strip()
    if entry_id.startswith(ERROR_ID_PREFIX):
        skip(where, f"arXiv API error: {clean_title(_text(entry, f'{ATOM}summary'))}")
        return None
    title_element = entry.find(f"{ATOM}title")
    title = clean_title(_text(entry, f"{ATOM}title"))
    if not title:
        skip(where, "entry with no title")
        return None
    names = [clean_title(_text(a, f"{ATOM}name")) for a in entry.iterfind(f"{ATOM}author")]
    names = [name for name in names if name]
    metadata: dict[str, Any] = {}
    if entry_id:
        metadata["id"] = entry_id
    if names:
        metadata["authors"] = names
    doi = _text(entry, f"{ARXIV}doi").strip()
    if doi:
        metadata["doi"] = doi
    categories = [c.get("term", "") for c in entry.iterfind(f"{ATOM}category") if c.get("term")]
    if categories:
        metadata["categories"] = categories
    alternate = next(
        (
            link.get("href")
            for link in entry.iterfind(f"{ATOM}link")
            if link.get("rel", "alternate") == "alternate" and link.get("href")
        ),
        None,
    )
    published = _text(entry, f"{ATOM}published").strip()
    title_line = lines.get(title_element, line) if title_element is not None else line
    return finish(
        Paper(
            title=title,
            abstract=clean_abstract(_text(entry, f"{ATOM}summary"), wrapped=True),
            sources=(SourceRef(source, title_line),),
            date=iso_date(published) if published else None,
            authors=len(names) if names else None,
            url=alternate or entry_id or None,
            metadata=metadata,
        ),
        where,
    )


def parse_feed(text: str, source: str) -> list[Paper]:
    """Papers in an arXiv API Atom feed (or a lone Atom entry), in feed order."""
    builder = _LineBuilder()
    parser = DefusedXMLParser(target=builder)
    builder.parser = parser
    try:
        parser.feed(text)
        root = parser.close()
    except ParseError as exc:
        line, column = exc.position
        reason = _POSITION.sub("", str(exc))
        raise SkipFile(f"{source}:{line}:{column}: not well-formed XML ({reason})") from exc
    except DefusedXmlException as exc:
        raise SkipFile(f"{source}: XML that declares entities is refused ({exc})") from exc
    if root.tag == f"{ATOM}entry":
        entries = [root]
    elif root.tag == f"{ATOM}feed":
        entries = root.findall(f"{ATOM}entry")
    else:
        raise SkipFile(f"{source}: not an Atom feed (root element <{root.tag}>)")
    papers = [entry_paper(entry, source, builder.lines) for entry in entries]
    return [paper for paper in papers if paper is not None]
