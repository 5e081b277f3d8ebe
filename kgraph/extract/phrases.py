"""Noun-phrase candidates: "chain-of-thought prompting", "question answering", "rerankers".

Without a tagger (the pipeline is ``spacy.blank("en")``), a noun phrase is approximated as a
*chunk*: a run of words with only spaces between them and no function word, verb or
evaluative adjective among them ("we propose a novel [tree-search self-refinement] method").
Every head-final stretch of a chunk is a candidate: it ends at the chunk's last word, or at a
word that heads technique or task names in the lexicon ("[in-context learning] abilities").
Which candidates are entities, and of what type, the learned model decides from evidence;
this module only proposes, and proposes generously.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from functools import cache

from kgraph.lexicon import Lexicon
from kgraph.model import EntityType
from kgraph.text import Words
from kgraph.words import folded_set, mapping

# The longest stretch proposed, in words ("adverse drug event extraction" has four).
MAX_PHRASE_WORDS = 5
# A word heads technique/task/metric names when at least this many lexicon names end with it.
MIN_HEAD_NAMES = 3
_TERM_TYPES = (EntityType.METHOD, EntityType.TASK, EntityType.METRIC)


@cache
def _stop_words() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS  # a plain set; no pipeline is loaded

    kept = folded_set("stop_words_kept")
    return frozenset(STOP_WORDS) - kept - folded_set("noun_or_verb") | folded_set("chunk_breakers")


_SUBJECTS = frozenset({"we", "they", "i", "you", "he", "she", "it"})
# After these a word that is a noun and a verb ("use", "design") is the verb.
_VERB_CONTEXT = frozenset(
    {"we", "they", "it", "i", "you", "to", "can", "may", "will", "would", "could", "should"}
    | {"must", "which", "that", "who", "also", "then", "further", "first", "not"}
)


@cache
def head_types(lexicon: Lexicon) -> dict[str, Counter[EntityType]]:
    """Last words of the lexicon's technique, task and metric names -> how many, by type.

    Derived from the lexicon (Papers with Code and kgraph's curated lists), not from any
    annotated text: "learning" heads hundreds of method names, "detection" hundreds of tasks.
    """
    counts: dict[str, Counter[EntityType]] = {}
    for table in lexicon.tables.values():
        for form, terms in table.items():
            last = form.rsplit(" ", 1)[-1].casefold()
            if not last.replace("-", "").isalpha():
                continue
            for type_ in {t.type for t in terms if t.type in _TERM_TYPES}:
                counts.setdefault(last, Counter())[type_] += 1
    for head, row in mapping("np_heads.tsv").items():
        counts.setdefault(head, Counter())[EntityType(row.split("\t")[0])] += MIN_HEAD_NAMES
    return counts


@cache
def known_heads(lexicon: Lexicon) -> frozenset[str]:
    """Words that head enough lexicon names to end a candidate inside a chunk."""
    counts = head_types(lexicon).items()
    return frozenset(h for h, c in counts if sum(c.values()) >= MIN_HEAD_NAMES)


def is_breaker(word: str, previous: str, in_title: bool, heads: frozenset[str]) -> bool:
    """Does ``word`` (after ``previous``) end a chunk? Function words, verbs and evaluative
    adjectives do; a word that is a noun and a verb ("use") does after "we", "to", ...

    In a title every word is capitalised, so case says nothing there; in the abstract a
    capitalised function word starts a sentence ("The", "We") and ends nothing else.
    ``heads`` are words that head names (:func:`known_heads`): "learning" is never a verb here.

    Examples
    --------
    >>> words = ["the", "novel", "propose", "learning", "BERT", "The"]
    >>> [is_breaker(w, "x", False, frozenset({"learning"})) for w in words]
    [True, True, True, False, False, True]
    >>> is_breaker("use", "tool", False, frozenset()), is_breaker("use", "we", False, frozenset())
    (False, True)
    """
    folded = word.lower()
    kind = _word_kinds().get(folded, 0)
    if kind == _STOP:
        return in_title or word.islower() or word[1:].islower()
    if kind == _NOUN_OR_VERB:
        return previous.lower() in _VERB_CONTEXT
    if word.islower() and previous.lower() in _SUBJECTS:
        return True  # "we dub X": the word after a personal pronoun is its verb
    return kind == _VERB and word.islower() and folded not in heads


_STOP, _NOUN_OR_VERB, _VERB = 1, 2, 3


@cache
def _word_kinds() -> dict[str, int]:
    """Lower-cased words -> which of the breaker rules of :func:`is_breaker` they fall under."""
    kinds = dict.fromkeys(folded_set("verbs"), _VERB)
    kinds.update(dict.fromkeys(folded_set("noun_or_verb"), _NOUN_OR_VERB))
    kinds.update(dict.fromkeys(_stop_words(), _STOP))
    return kinds


def chunks(
    text: str, scanned: Words, title_end: int, heads: frozenset[str] = frozenset()
) -> Iterator[list[tuple[int, int, str]]]:
    """Runs of words with only spaces between them and no breaker among them.

    Examples
    --------
    >>> from kgraph.text import words
    >>> t = "We propose tree-search self-refinement, a method for question answering."
    >>> [" ".join(w for _, _, w in run) for run in chunks(t, words(t), 0)]
    ['tree-search self-refinement', 'method', 'question answering']
    """
    run: list[tuple[int, int, str]] = []
    previous = ""
    for item in scanned:
        start, _, word = item
        breaks = is_breaker(word, previous, start < title_end, heads)
        previous = word
        if breaks:
            if run:
                yield run
                run = []
            continue
        if run and text[run[-1][1] : start].strip(" \t"):
            yield run
            run = []
        run.append(item)
    if run:
        yield run


def phrase_spans(
    text: str, scanned: Words, title_end: int, lexicon: Lexicon
) -> Iterator[tuple[int, int]]:
    """Character spans of the head-final stretches of every chunk (see the module docstring).

    A stretch whose last word heads no lexicon name ("retrievers", "abilities") is proposed
    only where the text singles it out: capitalised in the abstract, in the title, or said
    twice. In the training gold such stretches are entities 1 time in 75 otherwise, and
    they were two thirds of all candidates.

    Examples
    --------
    >>> from kgraph.lexicon import default_lexicon
    >>> from kgraph.text import words
    >>> t = "Its in-context learning abilities. Associative Memory helps."
    >>> sorted(t[s:e] for s, e in phrase_spans(t, words(t), 0, default_lexicon()))
    ['Associative Memory', 'Memory', 'in-context learning', 'learning']
    """
    heads = known_heads(lexicon)
    found: list[tuple[int, int]] = []
    unheaded: list[tuple[int, int]] = []
    for run in chunks(text, scanned, title_end, heads):
        starts = [start for start, _, _ in run]
        last = len(run) - 1
        for end_index, (_, end, word) in enumerate(run):
            folded = word.lower()
            headed = folded in heads or (folded[-1:] == "s" and folded[:-1] in heads)
            if not headed and end_index != last:
                continue
            low = end_index - MAX_PHRASE_WORDS + 1
            firsts = starts[low if low > 0 else 0 : end_index + 1]
            (found if headed else unheaded).extend((start, end) for start in firsts)
    yield from found
    if not unheaded:
        return
    said = Counter(text[start:end].casefold() for start, end in unheaded)
    for start, end in unheaded:
        stretch = text[start:end]
        if (
            start < title_end
            or said[stretch.casefold()] > 1
            or all(w[:1].isupper() for w in stretch.split())
        ):
            yield start, end


@cache
def term_words(lexicon: Lexicon) -> dict[str, int]:
    """Words of the lexicon's names -> in how many names they are ("retrieval", "attention").

    How much a word is a word of the field's names, against how common it is in English.
    """
    counts: dict[str, int] = {}
    for table in lexicon.tables.values():
        for form in table:
            for word in set(form.casefold().split()):
                counts[word] = counts.get(word, 0) + 1
    return counts
