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

from kgraph.extract.doctext import doc_text, doc_words
from kgraph.extract.shapes import DERIVED_SUFFIX
from kgraph.lexicon import Lexicon, Mode, Term, load_lexicon
from kgraph.text import Words, words

SPANS_KEY = "kgraph_lexicon"


@dataclass(frozen=True)
class Index:
    """For each first word of a lexicon form: the most words a form starting with it has."""

    exact: dict[str, int]
    folded: dict[str, int]


@cache
def index(lexicon: Lexicon) -> Index:
    firsts: dict[Mode, dict[str, int]] = {Mode.EXACT: {}, Mode.FOLDED: {}}
    for mode, table in lexicon.tables.items():
        for form in table:
            found = words(form)
            if not found:
                continue
            first = found[0][2]
            firsts[mode][first] = max(firsts[mode].get(first, 0), len(found))
    return Index(firsts[Mode.EXACT], firsts[Mode.FOLDED])


def _core(word: str) -> str:
    """``word`` without a derived suffix ("PPO-based") or an acronym's plural ("RNNs")."""
    suffix = DERIVED_SUFFIX.search(word)
    if suffix is not None:
        return word[: suffix.start()]
    if len(word) > 3 and word.endswith("s") and word[:-1].isupper():
        return word[:-1]
    return word


def lexicon_spans(
    text: str, scanned: Words, lexicon: Lexicon
) -> Iterator[tuple[int, int, list[Term]]]:
    """Every stretch of ``text`` that is a lexicon form, longest first at each word.

    Examples
    --------
    >>> t = "We fine-tune BERT-based models with knowledge distillation on SQuAD and RNNs."
    >>> [t[s:e] for s, e, _ in lexicon_spans(t, words(t), default_lexicon())]
    ['BERT', 'knowledge distillation', 'SQuAD', 'RNNs']
    """
    firsts = index(lexicon)
    exact, folded = lexicon.tables[Mode.EXACT], lexicon.tables[Mode.FOLDED]
    count = len(scanned)
    i = 0
    while i < count:
        start, end, word = scanned[i]
        longest = max(firsts.exact.get(word, 0), firsts.folded.get(word.casefold(), 0))
        matched = 0
        for n in range(min(longest, count - i), 1, -1):
            surface = text[start : scanned[i + n - 1][1]]
            if "\n" in surface:
                continue
            surface = " ".join(surface.split())
            terms = exact.get(surface, []) + folded.get(surface.casefold(), [])
            if terms:
                yield start, scanned[i + n - 1][1], sorted(terms, key=lambda t: t.rank)
                matched = n
                break
        if not matched:
            core = _core(word)
            terms = exact.get(core, []) + folded.get(core.casefold(), [])
            if terms:
                plural = core != word and not DERIVED_SUFFIX.search(word)
                stop = end if core == word or plural else start + len(core)
                yield start, stop, sorted(terms, key=lambda t: t.rank)
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
            span = doc.char_span(start, end, label=terms[0].type.value, kb_id=url)
            if span is not None:
                spans.append(span)
        doc.spans[self.spans_key] = spans
