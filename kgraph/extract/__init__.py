"""Extraction: a spaCy pipeline over title + abstract, plain mentions out.

The pipeline is ``spacy.blank("en")`` plus kgraph's components, in order:

- ``kgraph_abbreviations`` (abbreviation definitions, Schwartz-Hearst),
- ``kgraph_lexicon`` (Papers with Code gazetteer, PhraseMatcher),
- ``kgraph_patterns`` (name shapes, method/task noun phrases),
- ``kgraph_entities`` (choose, type, group, flag introduced).

Nothing is downloaded. spaCy objects stay inside this package: :func:`extract` yields
:class:`~kgraph.model.Extraction` records only.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import spacy
from spacy.language import Language
from spacy.util import compile_suffix_regex

# Importing the component modules registers their factories with spaCy.
from kgraph.extract import abbreviations, entities, lexicon, patterns  # noqa: F401
from kgraph.model import Extraction, Paper

SENTENCE_FINAL_AFTER_DIGIT_CAPITAL = r"(?<=[0-9][A-Z])\."
COMPONENTS = ("kgraph_abbreviations", "kgraph_lexicon", "kgraph_patterns", "kgraph_entities")


@dataclass(frozen=True)
class Settings:
    """How the extraction pipeline runs."""

    batch_size: int = 64
    n_process: int = 1


def build_nlp() -> Language:
    """A fresh pipeline: ``spacy.blank("en")`` with kgraph's components.

    Examples
    --------
    >>> build_nlp().pipe_names
    ['kgraph_abbreviations', 'kgraph_lexicon', 'kgraph_patterns', 'kgraph_entities']
    """
    nlp = spacy.blank("en")
    # spaCy keeps "GSM8K." whole (a capital after a digit looks like an abbreviation's end);
    # names end sentences often enough that the full stop must come off.
    suffixes = [*list(nlp.Defaults.suffixes or ()), SENTENCE_FINAL_AFTER_DIGIT_CAPITAL]
    tokenizer: Any = nlp.tokenizer  # a spacy.tokenizer.Tokenizer (a Cython class, no stubs)
    tokenizer.suffix_search = compile_suffix_regex(suffixes).search
    for name in COMPONENTS:
        nlp.add_pipe(name)
    return nlp


@cache
def default_nlp() -> Language:
    """The pipeline shared by all extractions of this process (built on first use)."""
    return build_nlp()


def extract(
    papers: Iterable[Paper], settings: Settings = Settings(), nlp: Language | None = None
) -> Iterator[Extraction]:
    """Run the pipeline over papers, in order, yielding one :class:`Extraction` each.

    Examples
    --------
    >>> paper = Paper("ExeDec: Program Synthesis", "We propose ExeDec, a novel strategy.")
    >>> mentions = next(extract([paper])).mentions
    >>> [(m.name, m.type.value, m.introduced) for m in mentions if m.name == "ExeDec"]
    [('ExeDec', 'method', True)]
    """
    nlp = nlp or default_nlp()
    pairs = ((paper.text, paper) for paper in papers)
    for doc, paper in nlp.pipe(
        pairs, as_tuples=True, batch_size=settings.batch_size, n_process=settings.n_process
    ):
        yield Extraction(paper, tuple(doc._.kgraph_mentions or ()))
