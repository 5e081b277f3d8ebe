"""Candidates: every span that may be an entity, from every generator, as plain records.

Generators propose; they do not decide. The ``kgraph_candidates`` component runs the
generators that need no lexicon (name shapes, noun phrases, cue words, the title's name) and
publishes their spans in ``doc.spans[spans_key]`` labelled with their source. The entity
component reads them back, with the lexicon's spans and the abbreviation definitions, as
:class:`Candidate` records (:func:`from_doc`), groups the occurrences of one thing
(:func:`group`), and leaves typing to the model.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from spacy.language import Language
from spacy.tokens import Doc

from kgraph.extract import abbreviations as abbr
from kgraph.extract.cues import class_nouns, cue_spans, title_name
from kgraph.extract.doctext import char_span, doc_text, doc_words
from kgraph.extract.phrases import phrase_spans
from kgraph.extract.shapes import name_spans
from kgraph.lexicon import Lexicon, load_lexicon
from kgraph.names import singular_key
from kgraph.text import Words
from kgraph.words import folded_set

SPANS_KEY = "kgraph_candidates"

# Sources, as span labels. A lexicon span's label is its best term's type instead.
NAME = "name"
PHRASE = "phrase"
CUE = "cue"
TITLE = "title"
LEXICON = "lexicon"
LONG_FORM = "long_form"
SHORT_FORM = "short_form"

_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w.-]+\.(?:com|org|io|ai|net|edu)(?:/\S*)?", re.I)
_MAY_HOLD_URL = re.compile(r"://|www\.|\.(?:com|org|io|ai|net|edu)\b")
_ARTICLE = re.compile(r"^(?:the|a|an|our|their|its|this|these|those)\s+", re.I)
_HEAD_AFTER_PAREN = re.compile(r"\)[ \t]+([a-z][\w-]*)\b")


@dataclass(frozen=True, slots=True)
class Candidate:
    """One proposed span: where it is, which generator proposed it, and what that one says.

    ``hint`` is the cue's word for cue candidates (``"introduce"`` or a type), the lexicon
    type for lexicon candidates; ``short`` is the short form of the abbreviation definition
    a long or short form candidate belongs to.
    """

    start: int
    end: int
    source: str
    hint: str = ""
    short: str = ""


@dataclass
class Group:
    """The occurrences in one paper of what is one thing, by the name-identity rule.

    ``name`` is the form a mention will be named by; ``occurrences`` are in text order.
    """

    key: str
    occurrences: list[Candidate] = field(default_factory=list)
    long_form: str = ""  # the long form of an abbreviation definition, if the group has one
    short: str = ""

    @property
    def first(self) -> Candidate:
        return self.occurrences[0]


@lru_cache(maxsize=65536)
def display_name(text: str) -> str:
    """A span as an entity is named: no leading article, no trailing class noun after a name.

    A class noun is stripped only after a name ("the SCAN dataset", "ExeDec framework"); in a
    lower-case phrase it is part of the name ("focal loss", "attention mechanism").

    Examples
    --------
    >>> display_name("the SCAN dataset"), display_name("WildBench evaluation")
    ('SCAN', 'WildBench')
    >>> display_name("focal loss"), display_name("Abstraction and Reasoning Corpus")
    ('focal loss', 'Abstraction and Reasoning Corpus')
    """
    text = _ARTICLE.sub("", " ".join(text.split()))
    words = text.split()
    if len(words) < 2 or not words[-1].islower() or words[-1] not in class_nouns():
        return text
    rest = " ".join(words[:-1])
    if rest.islower() and not any(ch.isdigit() for ch in rest):
        return text
    return rest


@lru_cache(maxsize=65536)
def is_generic(text: str) -> bool:
    """Is ``text`` a class of systems, a field or a generic word rather than one thing?

    Examples
    --------
    >>> [is_generic(t) for t in ["LLMs", "Multimodal large language models", "diffusion models"]]
    [True, True, False]
    >>> is_generic("Holistic Evaluation of Language Models"), is_generic("OpenAI")
    (False, True)
    """
    folded = " ".join(text.casefold().split())
    generic = folded_set("generic")
    if folded in generic or folded.rstrip("s") in generic or len(folded) < 2:
        return True
    if folded in folded_set("organisations"):
        return True  # the guidelines leave organisations out
    words = folded.split()
    if words[-1] in ("model", "models") and all(w in folded_set("class_words") for w in words):
        return True
    return not any(ch.isalpha() for ch in folded)


def generate(text: str, scanned: Words, lexicon: Lexicon) -> Iterator[Candidate]:
    """The candidates of the name, phrase, cue and title generators, in no particular order.

    ``lexicon`` tells the phrase generator which words head names.
    """
    title_end = text.find("\n\n") if "\n\n" in text else len(text)
    for start, end in name_spans(text, scanned):
        yield Candidate(start, end, NAME)
    for start, end in phrase_spans(text, scanned, title_end, lexicon):
        yield Candidate(start, end, PHRASE)
    for start, end, cue in cue_spans(text, scanned):
        yield Candidate(start, end, CUE, cue)
    found = title_name(text, title_end)
    if found is not None:
        yield Candidate(*found, TITLE)


def from_abbreviations(text: str, definitions: Iterable[abbr.Abbreviation]) -> Iterator[Candidate]:
    """The long form and every use of the short form of each definition."""
    for definition in definitions:
        long_form = _ARTICLE.sub("", definition.long)
        start = definition.long_start + len(definition.long) - len(long_form)
        end = start + len(long_form)
        trailing = _HEAD_AFTER_PAREN.match(text, definition.short_end)
        if trailing is not None and trailing.group(1) in folded_set("long_form_heads"):
            # "Chain-of-Thought (CoT) prompting": the head after the parenthesis completes it
            yield Candidate(start, trailing.end(1), LONG_FORM, short=definition.short)
        yield Candidate(start, end, LONG_FORM, short=definition.short)
        for s, e in abbr.short_form_occurrences(text, definition.short):
            yield Candidate(s, e, SHORT_FORM, short=definition.short)


def from_doc(doc: Doc, lexicon_key: str, candidates_key: str) -> list[Candidate]:
    """Every candidate of a Doc, outside URLs, sorted by position (longest first on ties)."""
    text = doc_text(doc)
    found = list(from_abbreviations(text, doc._.kgraph_abbreviations or ()))
    for span in doc.spans.get(lexicon_key, ()):
        found.append(Candidate(span.start_char, span.end_char, LEXICON, span.label_))
    for span in doc.spans.get(candidates_key, ()):
        found.append(Candidate(span.start_char, span.end_char, span.label_, span.kb_id_))
    if _MAY_HOLD_URL.search(text):
        urls = [m.span() for m in _URL.finditer(text)]
        found = [c for c in found if not any(s <= c.start and c.end <= e for s, e in urls)]
    found.sort(key=lambda c: (c.start, -c.end))
    return found


def group(text: str, candidates: Iterable[Candidate]) -> list[Group]:
    """Candidates grouped by what they name: an abbreviation with its long form, and every
    occurrence of one name (by :func:`kgraph.names.singular_key` of its display name).

    Generic spans ("LLMs", "large language models") and every use of an abbreviation defined
    by a generic long form are left out.
    """
    candidates = list(candidates)
    suppressed: set[str] = set()
    alias: dict[str, str] = {}  # a name's key -> the key of the abbreviation group it is in
    for cand in candidates:
        if cand.source != LONG_FORM:
            continue
        short_key = singular_key(cand.short)
        long_form = display_name(text[cand.start : cand.end])
        if is_generic(long_form) or is_generic(cand.short):
            suppressed.add(short_key)
        else:
            alias.setdefault(short_key, f"abbr:{short_key}")
            alias.setdefault(singular_key(long_form), f"abbr:{short_key}")
    groups: dict[str, Group] = {}
    for cand in candidates:
        surface = text[cand.start : cand.end]
        name = cand.short or display_name(surface)
        key = singular_key(name)
        if key in suppressed or (not cand.short and (not name or is_generic(name))):
            continue
        key = alias.get(key, key)
        found = groups.get(key)
        if found is None:
            found = groups[key] = Group(key)
        found.occurrences.append(cand)
        if cand.source == LONG_FORM and len(surface) > len(found.long_form):
            found.long_form, found.short = display_name(surface), cand.short
    out = list(groups.values())
    for found in out:
        found.occurrences.sort(key=lambda c: (c.start, -c.end))
    out.sort(key=lambda g: (g.first.start, -g.first.end))
    return out


@Language.factory(
    "kgraph_candidates",
    assigns=["doc.spans"],
    default_config={"spans_key": SPANS_KEY, "lexicon": ""},
)
def make_candidate_generator(
    nlp: Language, name: str, spans_key: str, lexicon: str
) -> CandidateGenerator:
    return CandidateGenerator(nlp, name, spans_key=spans_key, lexicon=lexicon)


class CandidateGenerator:
    """Publishes the candidates of :func:`generate` in ``doc.spans[spans_key]``.

    ``lexicon`` is a folder of lexicon files ("" for the one shipped).
    """

    def __init__(self, nlp: Language, name: str, *, spans_key: str, lexicon: str) -> None:
        self.name = name
        self.spans_key = spans_key
        self.lexicon = load_lexicon(lexicon)

    def __call__(self, doc: Doc) -> Doc:
        found = list(generate(doc_text(doc), doc_words(doc), self.lexicon))
        self.set_annotations(doc, found)
        return doc

    def set_annotations(self, doc: Doc, found: list[Candidate]) -> None:
        spans = []
        for cand in found:
            span = char_span(doc, cand.start, cand.end, cand.source, cand.hint)
            if span is not None:
                spans.append(span)
        doc.spans[self.spans_key] = spans
