"""Reader for text dumps of paper-listing pages (the seeds' format).

A dump is a sequence of lines: page chrome, paper titles, abstract paragraphs and, in some
layouts, a metadata block after each paper ("• 7 authors", an organisation, "·", a date with
an optional upvote count). Blank lines may or may not separate anything.

Which text line is a title and which is an abstract is decided for the whole page at once
(a small Viterbi decoder over the states title / abstract / continuation): each line gets a
title-likeness score from several cues (length, sentence count, capitalisation, final
punctuation, a colon), and the page structure (a title is followed by an abstract, metadata
ends a paper) settles the lines the cues alone leave open. No single length threshold decides.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from importlib import resources
from itertools import islice

from kgraph.model import Paper, SourceRef
from kgraph.sources.textio import SkipFile

log = logging.getLogger(__name__)

# A saved web page rather than a text dump of one.
_HTML_START = re.compile(
    r"\s*(?:<!doctype\s+html|<html[\s>]|<head[\s>]|<\?xml[^>]*>\s*<html)", re.I
)
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
DATE_LINE = re.compile(rf"^(?P<date>{_MONTH} \d{{1,2}}(?:, \d{{4}})?)(?: (?P<upvotes>\d+))?$")
AUTHORS_LINE = re.compile(r"^[•·*-]?\s*(?P<n>\d+) authors?$")
SEPARATOR = "·"
ORGANISATION_MAX_CHARS = 60
# A line scoring this low is abstract text, even where the page structure made it a title.
ABSTRACT_LIKE = -3.0


@dataclass(frozen=True)
class Chrome:
    lines: frozenset[str]
    glued: tuple[str, ...]


@cache
def page_chrome() -> Chrome:
    """The chrome phrases shipped in ``kgraph/data/page_chrome.txt``."""
    text = resources.files("kgraph").joinpath("data/page_chrome.txt").read_text("utf-8")
    lines: set[str] = set()
    glued: list[str] = []
    for row in text.splitlines():
        if not row.strip() or row.startswith("#"):
            continue
        phrase, _, flag = row.partition("\t")
        lines.add(phrase.strip().casefold())
        if flag.strip() == "glued":
            glued.append(phrase.strip().casefold())
    # Longest first, so "get trending ... once a day!" wins over its prefix.
    return Chrome(frozenset(lines), tuple(sorted(glued, key=len, reverse=True)))


def strip_glued_chrome(line: str) -> str:
    """Remove chrome that a dump glued to the start of a title.

    Examples
    --------
    >>> strip_glued_chrome("SubscribeExeDec: Execution Decomposition")
    'ExeDec: Execution Decomposition'
    >>> strip_glued_chrome("Subscription Models for News")
    'Subscription Models for News'
    """
    folded = line.casefold()
    for phrase in page_chrome().glued:
        if folded.startswith(phrase) and len(line) > len(phrase):
            rest = line[len(phrase) :]
            # Only when the remainder starts a new word: "SubscribeExeDec", not "Subscribers".
            if rest[0].isupper() or rest[0].isdigit() or rest[0] in " \t\"'(":
                return rest.strip()
    return line


class Kind(Enum):
    BLANK = "blank"
    CHROME = "chrome"
    TEXT = "text"
    AUTHORS = "authors"
    ORGANISATION = "organisation"
    SEPARATOR = "separator"
    DATE = "date"


@dataclass
class Line:
    number: int
    kind: Kind
    text: str


def classify(lines: list[str]) -> list[Line]:
    """Tag each line of a page with what it is, before titles and abstracts are told apart."""
    chrome = page_chrome()
    out: list[Line] = []
    for number, raw in enumerate(lines, start=1):
        text = raw.strip()
        if not text:
            out.append(Line(number, Kind.BLANK, ""))
        elif text == SEPARATOR:
            out.append(Line(number, Kind.SEPARATOR, text))
        elif text.casefold() in chrome.lines:
            out.append(Line(number, Kind.CHROME, text))
        elif AUTHORS_LINE.match(text):
            out.append(Line(number, Kind.AUTHORS, text))
        elif DATE_LINE.match(text):
            out.append(Line(number, Kind.DATE, text))
        else:
            out.append(Line(number, Kind.TEXT, strip_glued_chrome(text)))
    # An organisation ("apple Apple") is the short text line just before a "·".
    for i, line in enumerate(out):
        if line.kind is not Kind.SEPARATOR:
            continue
        j = i - 1
        while j >= 0 and out[j].kind is Kind.BLANK:
            j -= 1
        if j >= 0 and out[j].kind is Kind.TEXT and len(out[j].text) <= ORGANISATION_MAX_CHARS:
            out[j].kind = Kind.ORGANISATION
    return out


_SENTENCE_BREAK = re.compile(r"[.!?][\"')\]]?\s+[A-Z(]")
# A word of four or more characters gives its first letter; a shorter word gives "" (one
# C-speed pass instead of a Python loop over the words of a long abstract line).
_LONG_WORD_INITIAL = re.compile(r"([A-Za-z])[A-Za-z'-]{3,}|[A-Za-z][A-Za-z'-]{0,2}")
_UPPER = re.compile(r"[A-Z]")
_FIRST_PERSON = re.compile(r"\b(?:we|our|us)\b", re.IGNORECASE)


def title_score(text: str) -> float:
    """Log-odds-like evidence that a line is a title rather than abstract text.

    Positive means title. Each cue adds or subtracts a little; none decides alone.

    Examples
    --------
    >>> title_score("ExeDec: Execution Decomposition for Program Synthesis") > 0
    True
    >>> title_score("We propose a method. It works well on three benchmarks. We release code.") < 0
    True
    """
    score = 0.0
    length = len(text)
    if length <= 120:
        score += 2.5
    elif length <= 200:
        score += 1.0
    elif length <= 320:
        score -= 0.5
    elif length <= 600:
        score -= 2.5
    else:
        score -= 5.0
    score -= 1.5 * sum(1 for _ in islice(_SENTENCE_BREAK.finditer(text), 4))
    if text.endswith("."):
        score -= 1.5
    initials = "".join(_LONG_WORD_INITIAL.findall(text))
    if initials:
        capitalised = len(_UPPER.findall(initials)) / len(initials)
        score += 2.0 * (capitalised - 0.4)
    if ":" in text[: max(1, int(length * 0.7))] and length <= 250:
        score += 1.0
    if _FIRST_PERSON.search(text):
        score -= 1.0
    return score


class State(Enum):
    TITLE = 0
    ABSTRACT = 1
    CONTINUATION = 2


# Log-penalties of the page structure. A title is followed by its abstract; an abstract by
# the next title. The rest happens (a title without abstract, an abstract in two paragraphs)
# but needs evidence.
_TRANSITION: dict[tuple[State | None, State], float] = {
    (None, State.TITLE): 0.0,
    (None, State.ABSTRACT): -6.0,
    (State.TITLE, State.ABSTRACT): 0.0,
    (State.TITLE, State.TITLE): -5.0,
    (State.ABSTRACT, State.TITLE): 0.0,
    (State.ABSTRACT, State.CONTINUATION): -4.0,
    (State.CONTINUATION, State.TITLE): 0.0,
    (State.CONTINUATION, State.CONTINUATION): -4.0,
}


def label_text_lines(texts: list[str]) -> list[State]:
    """Most likely title/abstract labelling of one run of text lines (Viterbi).

    A run is the text between two metadata blocks (or the whole page when it has none), so
    it starts with a title.

    Examples
    --------
    >>> label_text_lines(["A Title: Short", "We do things. They work. " * 5, "Another Title"])
    [<State.TITLE: 0>, <State.ABSTRACT: 1>, <State.TITLE: 0>]
    """
    if not texts:
        return []
    scores = [title_score(t) for t in texts]
    # Plain lists indexed by State.value: this runs once per line of every page.
    best: list[float | None] = [
        None if start is None else start + _emission(state, scores[0])
        for state, start in zip(_STATES, _START, strict=True)
    ]
    back: list[list[int]] = []
    for score in scores[1:]:
        row: list[float | None] = []
        origins: list[int] = []
        for state, into in zip(_STATES, _INTO, strict=True):
            top: float | None = None
            origin = -1
            for prev, penalty in into:  # in State order: ties go to the first, as max() does
                value = best[prev]
                if value is not None and (top is None or value + penalty > top):
                    top, origin = value + penalty, prev
            row.append(None if top is None else top + _emission(state, score))
            origins.append(origin)
        best = row
        back.append(origins)
    last = max((i for i, v in enumerate(best) if v is not None), key=lambda i: best[i] or 0.0)
    path = [last]
    for origins in reversed(back):
        path.append(origins[path[-1]])
    return [_STATES[i] for i in reversed(path)]


def _emission(state: State, score: float) -> float:
    return score / 2 if state is State.TITLE else -score / 2


_STATES = tuple(State)
_START = [_TRANSITION.get((None, state)) for state in _STATES]
# For each state: the states it can follow, in State order, with the transition's log-penalty.
_INTO = [
    [(prev.value, _TRANSITION[(prev, state)]) for prev in _STATES if (prev, state) in _TRANSITION]
    for state in _STATES
]


@dataclass
class _Entry:
    title: str
    line: int
    paragraphs: list[str] = field(default_factory=list)
    date: str | None = None
    authors: int | None = None
    upvotes: int | None = None
    organisation: str | None = None

    def paper(self, source: str) -> Paper:
        return Paper(
            title=self.title,
            abstract="\n".join(self.paragraphs),
            sources=(SourceRef(source, self.line),),
            date=self.date,
            authors=self.authors,
            upvotes=self.upvotes,
            organisation=self.organisation,
        )


def _runs(lines: list[Line]) -> Iterator[list[Line]]:
    """Group the page into runs: text lines, with each metadata block closing a run."""
    run: list[Line] = []
    for line in lines:
        if line.kind is Kind.BLANK:
            continue
        run.append(line)
        if line.kind is Kind.DATE:
            yield run
            run = []
    if run:
        yield run


def parse_listing(text: str, source: str) -> list[Paper]:
    """Parse one listing-page dump into papers, in page order.

    ``source`` names the file in each paper's :class:`~kgraph.model.SourceRef`.

    Examples
    --------
    >>> page = "Subscribe\\nMy Title: Short\\nWe study X. We find Y.\\n"
    >>> page += "  • 3 authors\\n·\\nMay 26 2\\n"
    >>> [(p.title, p.authors, p.date, p.upvotes) for p in parse_listing(page, "page.txt")]
    [('My Title: Short', 3, 'May 26', 2)]
    """
    if _HTML_START.match(text):
        raise SkipFile(f"{source}: an HTML page, not a text dump (save the page as text)")
    lines = classify(text.split("\n"))
    entries: list[_Entry] = []
    for run in _runs(lines):
        texts = [line for line in run if line.kind is Kind.TEXT]
        labels = dict(
            zip((id(t) for t in texts), label_text_lines([t.text for t in texts]), strict=True)
        )
        current: _Entry | None = None
        for line in run:
            if line.kind is Kind.TEXT:
                state = labels[id(line)]
                if state is State.TITLE:
                    current = _Entry(line.text, line.number)
                    entries.append(current)
                elif current is None:
                    log.warning("%s:%d: abstract text with no title, skipped", source, line.number)
                else:
                    current.paragraphs.append(line.text)
            elif current is None:
                continue  # header chrome and the page's own date
            elif line.kind is Kind.AUTHORS:
                match = AUTHORS_LINE.match(line.text)
                assert match is not None
                current.authors = int(match["n"])
            elif line.kind is Kind.ORGANISATION:
                handle, _, name = line.text.partition(" ")
                current.organisation = name.strip() or handle
            elif line.kind is Kind.DATE:
                match = DATE_LINE.match(line.text)
                assert match is not None
                current.date = match["date"]
                current.upvotes = int(match["upvotes"]) if match["upvotes"] else None
    papers = []
    for entry in entries:
        if not entry.paragraphs and title_score(entry.title) <= ABSTRACT_LIKE:
            # A lone paragraph of several sentences is an abstract whose title is missing.
            log.warning("%s:%d: abstract text with no title, skipped", source, entry.line)
            continue
        if not entry.paragraphs:
            log.warning("%s:%d: title with no abstract: %.60s", source, entry.line, entry.title)
        papers.append(entry.paper(source))
    return papers
