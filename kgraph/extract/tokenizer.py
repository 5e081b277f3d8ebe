"""The tokenizer kgraph runs: spaCy's English rules plus one suffix rule."""

from __future__ import annotations

from typing import Any

import spacy
from spacy.language import Language
from spacy.util import compile_suffix_regex

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
