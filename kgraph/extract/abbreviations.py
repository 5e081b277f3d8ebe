"""Abbreviation definitions: "Retrieval-Augmented Generation (RAG)" and "RAG (retrieval ...)".

The algorithm is Schwartz & Hearst (2003), "A simple algorithm for identifying abbreviation
definitions in biomedical text", written here as plain functions over a string (as scispaCy
does) with two small extensions: a digit in the short form may stand for a number word
("C2C" for "Component-to-Composition"), and a plural "s" at the end of the short form need not
be matched ("LLMs"). The spaCy component only publishes what these functions find.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc

from kgraph.extract.doctext import doc_text

MAX_SHORT_CHARS = 12
LONG_FORM_WINDOW = 200  # characters before a parenthesis searched for its long form
MAX_SHORT_WORDS = 2
_PAREN = re.compile(r"\(([^()\n]{1,80})\)")
# "Low-Rank Adaptation, or LoRA," : the same definition without parentheses.
_OR_SHORT = re.compile(r",\s+or\s+([A-Za-z][\w-]{1,11})(?=[\s,.;:)])")
_WORD_SPLIT = re.compile(r"\s+")
# What a digit in a short form may spell in its long form ("2" for "to" in "C2C").
_DIGIT_WORDS = {"2": ("to", "two"), "4": ("for", "four"), "3": ("three",), "1": ("one",)}
_CLAUSE_BREAK = re.compile(r"[.;:!?](?:\s|$)|\)")


@dataclass(frozen=True)
class Abbreviation:
    """A short form and the long form it was defined with, as character offsets into a text."""

    short: str
    short_start: int
    long: str
    long_start: int

    @property
    def short_end(self) -> int:
        return self.short_start + len(self.short)

    @property
    def long_end(self) -> int:
        return self.long_start + len(self.long)


def is_short_form(candidate: str) -> bool:
    """Could ``candidate`` be an abbreviation? (Schwartz-Hearst, plus: it has a capital.)

    Examples
    --------
    >>> [is_short_form(s) for s in ["RAG", "ZS-CAR", "LLMs", "e.g.", "Lake and Baroni, 2018", "x"]]
    [True, True, True, False, False, False]
    """
    words = candidate.split()
    if not 1 <= len(words) <= MAX_SHORT_WORDS or not 2 <= len(candidate) <= MAX_SHORT_CHARS:
        return False
    if not candidate[0].isalnum() or not any(ch.isupper() for ch in candidate):
        return False
    return not candidate.replace(".", "").islower()


def best_long_form(short: str, window: str) -> str | None:
    """The shortest end of ``window`` whose letters spell ``short`` (Schwartz-Hearst).

    Examples
    --------
    >>> best_long_form("RAG", "we use Retrieval-Augmented Generation")
    'Retrieval-Augmented Generation'
    >>> best_long_form("LINC", "called Logical Inference via Neurosymbolic Computation")
    'Logical Inference via Neurosymbolic Computation'
    >>> best_long_form("C2C", "a novel Component-to-Composition")
    'Component-to-Composition'
    >>> best_long_form("XYZ", "nothing matches here") is None
    True
    """
    letters = (
        short[:-1] if len(short) > 2 and short.endswith("s") and short[-2].isupper() else short
    )
    s_index = len(letters) - 1
    l_index = len(window) - 1
    lower = window.lower()
    while s_index >= 0:
        char = letters[s_index].lower()
        if not char.isalnum():
            s_index -= 1
            continue
        if char in _DIGIT_WORDS:
            found = _match_digit(lower, l_index, char)
            if found is not None:
                l_index = found - 1
                s_index -= 1
                continue
        while l_index >= 0 and (
            lower[l_index] != char
            or (s_index == 0 and l_index > 0 and lower[l_index - 1].isalnum())
        ):
            l_index -= 1
        if l_index < 0:
            return None
        l_index -= 1
        s_index -= 1
    start = max(window.rfind(" ", 0, l_index + 1), window.rfind("(", 0, l_index + 1)) + 1
    long_form = window[start:].strip()
    return long_form or None


_SKIPPABLE = frozenset(
    {"and", "of", "for", "the", "to", "in", "on", "with", "via", "a", "an", "by"}
)


def initials_long_form(short: str, window: str) -> str | None:
    """The long form whose word initials spell ``short`` (function words may be skipped).

    Tried before :func:`best_long_form`, whose character matching can stop early inside a
    word: for "ARC-AGI" it would find "Artificial General Intelligence".

    Examples
    --------
    >>> w = "the Abstraction and Reasoning Corpus for Artificial General Intelligence"
    >>> initials_long_form("ARC-AGI", w)
    'Abstraction and Reasoning Corpus for Artificial General Intelligence'
    >>> initials_long_form("RAG", "Retrieval-Augmented Generation")
    'Retrieval-Augmented Generation'
    """
    letters = [ch.lower() for ch in short.rstrip("s") if ch.isalpha()]
    words = list(re.finditer(r"[A-Za-z0-9]+", window))
    index = len(words) - 1
    for letter in reversed(letters):
        while index >= 0 and words[index].group().lower() in _SKIPPABLE:
            index -= 1
        if index < 0 or words[index].group()[0].lower() != letter:
            return None
        index -= 1
    start = words[index + 1].start()
    return window[start:].strip()


def _match_digit(lower: str, l_index: int, digit: str) -> int | None:
    """Start of the nearest number word for ``digit`` ending at or before ``l_index``."""
    best: int | None = None
    for word in _DIGIT_WORDS[digit]:
        at = lower.rfind(word, 0, l_index + 1)
        if at >= 0 and (best is None or at > best):
            best = at
    found = lower.rfind(digit, 0, l_index + 1)
    if found >= 0 and (best is None or found > best):
        best = found
    return best


def _plausible(short: str, long_form: str) -> bool:
    long_words = long_form.split()
    if len(long_form) <= len(short) or short.lower() in long_form.lower().split():
        return False
    if len(long_words) > min(len(short) + 5, 2 * len(short)):
        return False
    return long_form[0].isalnum()


def find_abbreviations(text: str) -> list[Abbreviation]:
    """Every abbreviation defined in ``text``, in order of appearance.

    Examples
    --------
    >>> text = "We build on Retrieval-Augmented Generation (RAG). RAG helps."
    >>> [(a.long, a.short, text[a.short_start:a.short_end]) for a in find_abbreviations(text)]
    [('Retrieval-Augmented Generation', 'RAG', 'RAG')]
    >>> [(a.short, a.long) for a in find_abbreviations("We use CoT (chain-of-thought prompting).")]
    [('CoT', 'chain-of-thought prompting')]
    >>> text = "We propose Low-Rank Adaptation, or LoRA, which"
    >>> [(a.short, a.long) for a in find_abbreviations(text)]
    [('LoRA', 'Low-Rank Adaptation')]
    """
    found: list[Abbreviation] = []
    for match in _PAREN.finditer(text):
        inner = match.group(1).strip()
        inner_start = match.start(1) + (len(match.group(1)) - len(match.group(1).lstrip()))
        before = _before(text, match.start())
        if is_short_form(inner):
            abbreviation = _forward(text, before, inner, inner_start)
        else:
            abbreviation = _reverse(before, inner, inner_start)
        if abbreviation is not None:
            found.append(abbreviation)
    for match in _OR_SHORT.finditer(text):
        short = match.group(1)
        if is_short_form(short):
            abbreviation = _forward(text, _before(text, match.start()), short, match.start(1))
            if abbreviation is not None:
                found.append(abbreviation)
    found.sort(key=lambda a: a.long_start)
    return found


def _before(text: str, end: int) -> str:
    """The text before ``end`` that a long form can come from; offsets stay those of ``text``.

    Long forms are at most a dozen words, so a bounded window is enough; the window is
    padded with spaces so that positions in it are positions in ``text``.
    """
    start = max(0, end - LONG_FORM_WINDOW)
    return (" " * start + text[start:end]).rstrip(" \t\n~")  # "~" is LaTeX's no-break space


def _window_start(before: str) -> int:
    """Where the clause that ends at the end of ``before`` starts."""
    last = 0
    for brk in _CLAUSE_BREAK.finditer(before):
        last = brk.end()
    return last


def _forward(text: str, before: str, short: str, short_start: int) -> Abbreviation | None:
    start = _window_start(before)
    words = _WORD_SPLIT.split(before[start:].strip())
    limit = min(len(short) + 5, 2 * len(short))
    window = " ".join(words[-limit:])
    long_form = initials_long_form(short, window) or best_long_form(short, window)
    if long_form is None or not _plausible(short, long_form):
        return None
    long_start = before.rfind(long_form)
    if long_start < 0:
        return None
    return Abbreviation(short, short_start, long_form, long_start)


def _reverse(before: str, inner: str, inner_start: int) -> Abbreviation | None:
    """``SHORT (long form)``: the word before the parenthesis is the short form."""
    words = before.split()
    if not words:
        return None
    short = words[-1].strip(",;:")
    if not is_short_form(short) or len(inner.split()) > min(len(short) + 5, 2 * len(short)):
        return None
    long_form = best_long_form(short, inner)
    if long_form != inner or not _plausible(short, long_form):
        return None
    return Abbreviation(short, before.rfind(short), inner, inner_start)


def short_form_occurrences(text: str, short: str) -> Iterator[tuple[int, int]]:
    """Offsets of ``short`` used as a whole word in ``text``, singular or plural.

    Examples
    --------
    >>> list(short_form_occurrences("RAG and RAGs, not FRAG", "RAG"))
    [(0, 3), (8, 12)]
    >>> list(short_form_occurrences("DMs and a DM", "DMs"))
    [(0, 3), (10, 12)]
    """
    stem = short[:-1] if len(short) > 2 and short.endswith("s") and short[-2].isupper() else short
    pattern = re.compile(rf"(?<![\w-]){re.escape(stem)}s?(?![\w-])")
    for match in pattern.finditer(text):
        yield match.start(), match.end()


if not Doc.has_extension("kgraph_abbreviations"):
    Doc.set_extension("kgraph_abbreviations", default=None)


@Language.factory("kgraph_abbreviations", assigns=["doc._.kgraph_abbreviations"], default_config={})
def make_abbreviation_detector(nlp: Language, name: str) -> AbbreviationDetector:
    return AbbreviationDetector(nlp, name)


class AbbreviationDetector:
    """Sets ``doc._.kgraph_abbreviations`` to the :class:`Abbreviation` list of the doc."""

    def __init__(self, nlp: Language, name: str) -> None:
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        abbreviations = find_abbreviations(doc_text(doc))
        self.set_annotations(doc, abbreviations)
        return doc

    def set_annotations(self, doc: Doc, abbreviations: list[Abbreviation]) -> None:
        doc._.kgraph_abbreviations = abbreviations
