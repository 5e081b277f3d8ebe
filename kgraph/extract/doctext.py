"""The text of a Doc, computed once per Doc.

``Doc.text`` rebuilds the string from every token on each access (about as long as
tokenising it); the components read it through :func:`doc_text`, which caches it in
``doc.user_data``. kgraph's tokenizer stores the input text there as it makes the Doc
(:func:`remember_text`; spaCy's tokenizer is non-destructive, so it equals ``doc.text``).
"""

from __future__ import annotations

from spacy.tokens import Doc, Span

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


_OFFSETS_KEY = "kgraph_offsets"


def token_offsets(doc: Doc) -> tuple[dict[int, int], dict[int, int]]:
    """Token start offset -> token index, and token end offset -> index after it (cached).

    ``Doc.char_span`` builds Token objects to find a span's tokens; a component that makes
    a hundred spans per Doc looks them up here instead (two arrays read once, in C).
    """
    found = doc.user_data.get(_OFFSETS_KEY)
    if not isinstance(found, tuple):
        from spacy.attrs import IDX, LENGTH  # type: ignore[import-not-found]  # Cython, no stubs

        array = doc.to_array([IDX, LENGTH]).tolist()
        starts = {idx: i for i, (idx, _) in enumerate(array)}
        ends = {idx + length: i + 1 for i, (idx, length) in enumerate(array)}
        found = (starts, ends)
        doc.user_data[_OFFSETS_KEY] = found
    return found


def char_span(doc: Doc, start: int, end: int, label: str, kb_id: str = "") -> Span | None:
    """The Span of the characters ``start:end`` when they are whole tokens, else None
    (``Doc.char_span`` with its default, strict alignment).

    Examples
    --------
    >>> import spacy
    >>> doc = spacy.blank("en")("We use GPT-4 here.")
    >>> char_span(doc, 7, 12, "NAME").text, char_span(doc, 8, 12, "NAME")
    ('GPT-4', None)
    """
    starts, ends = token_offsets(doc)
    first, after = starts.get(start), ends.get(end)
    if first is None or after is None or after <= first:
        return None
    return Span(doc, first, after, label=label, kb_id=kb_id)
