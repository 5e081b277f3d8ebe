"""The spaCy component that finds lexicon names (:mod:`kgraph.lexicon`) in a Doc.

Matching is word by word over :func:`kgraph.text.words`, with two hash lookups per word: is
it the first word of a lexicon form (as written, or lower-cased), and if so, which of the
longest forms starting there the text spells out. A name made into a modifier ("PPO-based",
"BERT-style") still counts as the name; an acronym's plural ("RNNs") as the acronym.
The tables are built when the lexicon loads; nothing is cached on disk.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from spacy.language import Language
from spacy.tokens import Doc

from kgraph.extract.doctext import char_span, doc_text, doc_words
from kgraph.extract.shapes import DERIVED_SUFFIX
from kgraph.lexicon import Lexicon, Mode, Term, load_lexicon
from kgraph.text import Words, words

SPANS_KEY = "kgraph_lexicon"


@dataclass(frozen=True)
class Index:
    """Lower-cased first words of lexicon forms -> the most words a form starting so has."""

    firsts: dict[str, int]


@cache
def index(lexicon: Lexicon) -> Index:
    firsts: dict[str, int] = {}
    for table in lexicon.tables.values():
        for form in table:
            found = words(form)
            if found:
                first = found[0][2].lower()
                firsts[first] = max(firsts.get(first, 0), len(found))
    return Index(firsts)


def _core(word: str) -> str:
    """``word`` without a derived suffix ("PPO-based") or an acronym's plural ("RNNs")."""
    if "-" in word:
        suffix = DERIVED_SUFFIX.search(word)
        if suffix is not None:
            return word[: suffix.start()]
    elif len(word) > 3 and word[-1] == "s" and word[:-1].isupper():
        return word[:-1]
    return word


def lexicon_spans(
    text: str, scanned: Words, lexicon: Lexicon
) -> Iterator[tuple[int, int, list[Term]]]:
    """Every stretch of ``text`` that is a lexicon form, longest first at each word.

    Examples
    --------
    >>> from kgraph.lexicon import default_lexicon
    >>> t = "We fine-tune BERT-based models with knowledge distillation on SQuAD and RNNs."
    >>> [t[s:e] for s, e, _ in lexicon_spans(t, words(t), default_lexicon())]
    ['BERT', 'knowledge distillation', 'SQuAD', 'RNNs']
    """
    firsts = index(lexicon).firsts
    exact, folded = lexicon.tables[Mode.EXACT], lexicon.tables[Mode.FOLDED]
    count = len(scanned)
    i = 0
    while i < count:
        start, end, word = scanned[i]
        core = _core(word)
        longest = firsts.get(core.lower(), 0)
        if not longest:
            i += 1
            continue
        matched = 0
        for n in range(min(longest, count - i), 1, -1):
            stop = scanned[i + n - 1][1]
            surface = text[start:stop]
            if "\n" in surface:
                continue
            surface = " ".join(surface.split())
            terms = exact.get(surface, []) + folded.get(surface.casefold(), [])
            if terms:
                yield start, stop, sorted(terms, key=lambda t: t.rank)
                matched = n
                break
        if not matched:
            terms = exact.get(core, []) + folded.get(core.casefold(), [])
            if terms:
                derived = core != word and "-" in word
                yield (
                    start,
                    start + len(core) if derived else end,
                    sorted(terms, key=lambda t: t.rank),
                )
        i += max(matched, 1)


@Language.factory(
    "kgraph_lexicon", assigns=["doc.spans"], default_config={"spans_key": SPANS_KEY, "lexicon": ""}
)
def make_lexicon_matcher(nlp: Language, name: str, spans_key: str, lexicon: str) -> LexiconMatcher:
    return LexiconMatcher(nlp, name, spans_key=spans_key, lexicon=lexicon)


class LexiconMatcher:
    """A span for every lexicon match, labelled with its best-ranked term's type.

    ``kb_id`` holds the Papers with Code URL when that term has one; :meth:`Lexicon.lookup`
    gives every term of a surface form. ``lexicon`` is a folder of lexicon files ("" for the
    one shipped).
    """

    def __init__(self, nlp: Language, name: str, *, spans_key: str, lexicon: str) -> None:
        self.name = name
        self.spans_key = spans_key
        self.lexicon = load_lexicon(lexicon)

    def __call__(self, doc: Doc) -> Doc:
        found = list(lexicon_spans(doc_text(doc), doc_words(doc), self.lexicon))
        self.set_annotations(doc, found)
        return doc

    def set_annotations(self, doc: Doc, found: list[tuple[int, int, list[Term]]]) -> None:
        spans = []
        for start, end, terms in found:
            url = next((t.url for t in terms if t.url), "")
            span = char_span(doc, start, end, terms[0].type.value, url)
            if span is not None:
                spans.append(span)
        doc.spans[self.spans_key] = spans
