"""The spaCy component that matches the lexicon (:mod:`kgraph.lexicon`) in a Doc."""

from __future__ import annotations

from spacy.about import __version__ as spacy_version
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from kgraph.cache import cached, fingerprint, package_files
from kgraph.extract.doctext import doc_text
from kgraph.extract.patterns import DERIVED_SUFFIX
from kgraph.extract.tokenizer import blank_english
from kgraph.lexicon import Lexicon, Mode, Term, default_lexicon

SPANS_KEY = "kgraph_lexicon"


def cached_matchers(nlp: Language) -> dict[Mode, PhraseMatcher]:
    """The default lexicon's matchers, from the disk cache when it has them (see kgraph.cache).

    Matches compare attribute hashes, so matchers unpickled with their own copy of a vocab
    match the pipeline's Docs all the same.
    """
    modules = ["lexicon.py", "words.py", "extract/lexicon.py", "extract/tokenizer.py"]
    data = package_files("data/lexicon", "data/words")
    key = fingerprint(spacy_version, files=[*data, *modules])
    return cached("matchers", key, lambda: build_matchers(default_lexicon(), nlp))


def build_matchers(lexicon: Lexicon, nlp: Language) -> dict[Mode, PhraseMatcher]:
    """An ORTH matcher for the exact forms and a LOWER matcher for the folded ones.

    The ~25k patterns are tokenised by a separate tokenizer with the same rules: feeding
    them through the pipeline's own tokenizer makes it several times slower afterwards
    (measured here: 3,900 -> 600 docs/s), and the attribute hashes match either way.
    """
    patterns = blank_english()
    out = {}
    for mode, attr in ((Mode.EXACT, "ORTH"), (Mode.FOLDED, "LOWER")):
        matcher = PhraseMatcher(nlp.vocab, attr=attr)
        forms = sorted(lexicon.tables[mode])
        matcher.add(mode.value, [patterns.make_doc(form) for form in forms])
        out[mode] = matcher
    return out


def _glued(doc: Doc, start: int, end: int) -> bool:
    """True when tokens start..end are only part of a larger hyphenated or slashed word.

    A name made into a modifier ("PPO-based", "GPT-style") still counts as the name.
    """
    if start > 0 and not doc[start - 1].whitespace_ and doc[start - 1].text in "-/":
        return True
    if end < len(doc) and not doc[end - 1].whitespace_ and doc[end].text in "-/":
        rest = doc[end : end + 2].text
        return DERIVED_SUFFIX.match(rest) is None
    return False


@Language.factory("kgraph_lexicon", assigns=["doc.spans"], default_config={"spans_key": SPANS_KEY})
def make_lexicon_matcher(nlp: Language, name: str, spans_key: str) -> LexiconMatcher:
    return LexiconMatcher(nlp, name, spans_key=spans_key)


class LexiconMatcher:
    """A candidate span for every lexicon match, labelled with its best-ranked term's type.

    ``kb_id`` holds the Papers with Code URL when that term has one; the spans are in
    ``doc.spans[spans_key]``, one per matched stretch of text (:meth:`Lexicon.lookup` gives
    every term of a surface form).
    """

    def __init__(self, nlp: Language, name: str, *, spans_key: str) -> None:
        self.name = name
        self.spans_key = spans_key
        self.lexicon = default_lexicon()
        self.matchers = cached_matchers(nlp)

    def __call__(self, doc: Doc) -> Doc:
        found: dict[tuple[int, int], Term] = {}
        text = doc_text(doc)
        for mode, matcher in self.matchers.items():
            table = self.lexicon.tables[mode]
            for _, start, end in matcher(doc):
                if _glued(doc, start, end):
                    continue
                span = doc[start:end]
                surface = " ".join(text[span.start_char : span.end_char].split())
                terms = table.get(surface if mode is Mode.EXACT else surface.casefold())
                if terms:
                    best = found.get((start, end))
                    if best is None or terms[0].rank < best.rank:
                        found[(start, end)] = terms[0]
        self.set_annotations(doc, [(start, end, term) for (start, end), term in found.items()])
        return doc

    def set_annotations(self, doc: Doc, found: list[tuple[int, int, Term]]) -> None:
        doc.spans[self.spans_key] = [
            Span(doc, start, end, label=term.type.value, kb_id=term.url or "")
            for start, end, term in found
        ]
