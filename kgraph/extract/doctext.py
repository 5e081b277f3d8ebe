"""The text of a Doc, computed once per Doc.

``Doc.text`` rebuilds the string from every token on each access (about as long as
tokenising it); the components read it through :func:`doc_text`, which caches it in
``doc.user_data``. kgraph's tokenizer stores the input text there as it makes the Doc
(:func:`remember_text`; spaCy's tokenizer is non-destructive, so it equals ``doc.text``).
"""

from __future__ import annotations

from spacy.tokens import Doc

from kgraph.text import Words, words

_KEY = "kgraph_text"
_WORDS_KEY = "kgraph_words"


def doc_text(doc: Doc) -> str:
    """``doc.text``, built on first use and cached on the Doc.

    Examples
    --------
    >>> import spacy
    >>> doc = spacy.blank("en")("A short text.")
    >>> doc_text(doc) == doc.text and doc_text(doc) is doc_text(doc)
    True
    """
    text = doc.user_data.get(_KEY)
    if not isinstance(text, str):
        text = doc.text
        doc.user_data[_KEY] = text
    return text


def remember_text(doc: Doc, text: str) -> Doc:
    """Store ``text``, the string ``doc`` was tokenised from, as its cached text."""
    doc.user_data[_KEY] = text
    return doc


def doc_words(doc: Doc) -> Words:
    """The words of the doc's text (:func:`kgraph.text.words`), cached too."""

    found = doc.user_data.get(_WORDS_KEY)
    if not isinstance(found, list):
        found = words(doc_text(doc))
        doc.user_data[_WORDS_KEY] = found
    return found
