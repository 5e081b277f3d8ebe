"""The tokenizer kgraph runs: spaCy's English rules plus one suffix rule."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import compile_suffix_regex

from kgraph.extract.doctext import remember_text

# spaCy keeps "GSM8K." whole (a capital after a digit looks like an abbreviation's end);
# names end sentences often enough that the full stop must come off.
SENTENCE_FINAL_AFTER_DIGIT_CAPITAL = r"(?<=[0-9][A-Z])\."


def blank_english() -> Language:
    """``spacy.blank("en")`` with kgraph's suffix rule, and no components.

    Examples
    --------
    >>> [t.text for t in blank_english()("We evaluate on GSM8K.")][-2:]
    ['K', '.']
    """
    nlp = spacy.blank("en")
    suffixes = [*list(nlp.Defaults.suffixes or ()), SENTENCE_FINAL_AFTER_DIGIT_CAPITAL]
    tokenizer: Any = nlp.tokenizer  # a spacy.tokenizer.Tokenizer (a Cython class, no stubs)
    tokenizer.suffix_search = compile_suffix_regex(suffixes).search
    return nlp


class TextKeepingTokenizer:
    """spaCy's tokenizer, whose Docs keep the text they were made from.

    Rebuilding ``doc.text`` from the tokens costs about as much as tokenising; every
    component needs the text, so the tokenizer hands it on (see :mod:`kgraph.extract.doctext`).

    Examples
    --------
    >>> from kgraph.extract.doctext import doc_text
    >>> nlp = blank_english()
    >>> nlp.tokenizer = TextKeepingTokenizer(nlp.tokenizer)
    >>> doc = nlp("We use  GPT-4.")
    >>> doc_text(doc) == doc.text == "We use  GPT-4."
    True
    """

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer

    def __call__(self, text: str) -> Doc:
        return remember_text(self.tokenizer(text), text)

    def pipe(self, texts: Iterable[str], batch_size: int = 1000) -> Iterator[Doc]:
        for text in texts:
            yield self(text)

    def to_bytes(self, **kwargs: Any) -> bytes:
        return bytes(self.tokenizer.to_bytes(**kwargs))

    def from_bytes(self, data: bytes, **kwargs: Any) -> TextKeepingTokenizer:
        self.tokenizer.from_bytes(data, **kwargs)
        return self

    def to_disk(self, path: str | Path, **kwargs: Any) -> None:
        self.tokenizer.to_disk(path, **kwargs)

    def from_disk(self, path: str | Path, **kwargs: Any) -> TextKeepingTokenizer:
        self.tokenizer.from_disk(path, **kwargs)
        return self
