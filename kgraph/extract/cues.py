"""Cue words and the candidates they propose: "we present Okapi, ...", "the board game, Othello",
and the name before a title's colon ("ExeDec: Execution Decomposition ...").

The cue words are data (``cues.tsv``, ``heads.tsv``); this module compiles them once and
proposes the spans that follow them. Plain functions over the text; no spaCy.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

from kgraph.extract.shapes import is_name_like
from kgraph.model import EntityType
from kgraph.text import Words
from kgraph.words import alternation, folded_set, mapping, word_list

MAX_TITLE_NAME_WORDS = 4
# Words that head a name and are part of it when lower-case after an abbreviation
# ("Chain-of-Thought (CoT) prompting") are the method heads of np_heads.tsv.


@cache
def class_nouns() -> dict[str, EntityType]:
    """Nouns that say what a name is ("the SCAN dataset", "X, a framework"): ``heads.tsv``."""
    return {k: EntityType(v) for k, v in mapping("heads.tsv").items()}


@cache
def cue_list(role: str) -> tuple[str, ...]:
    """The cue words of ``role`` in ``cues.tsv``, in file order (regular-expression fragments)."""
    rows = (row.split("\t", 1) for row in word_list("cues.tsv"))
    return tuple(word for kind, word in rows if kind == role)


@cache
def cue_words(*roles: str) -> frozenset[str]:
    """The one-word cues of ``roles``, lower-cased."""
    return frozenset(w.casefold() for role in roles for w in cue_list(role) if w.isalpha())


@cache
def cased(words: frozenset[str]) -> frozenset[str]:
    """Lower-case words with their capitalised and upper-case spellings, for exact lookups."""
    return words | {w.capitalize() for w in words} | {w.upper() for w in words}


@cache
def class_noun_pattern() -> str:
    """The class nouns as a regex fragment, longest match first ("test set" before "test")."""
    return alternation(class_nouns())


# After an intro verb: a capitalised name, before a comma or parenthesis ("we present
# Okapi, a new dataset").
_NAME_AFTER_VERB = re.compile(
    r"\s+(?:(?:a|an|the)\s+(?:new\s+|novel\s+)?)?"
    r"([A-Z][\w.+-]*[\w+](?:\s[A-Z][\w.+-]*[\w+]){0,3}(?:\s[vV]?\d+(?:\.\d+)*)?)"
    r"(?=\s*[,(:]|\s*$|\s+(?:to|for|which|that)\b)"
)
# After a lower-case class noun: a capitalised name ("the board game, Othello").
_NAME_AFTER_CLASS = re.compile(
    r",?[ \t]+(?:(?:called|named|dubbed|termed)[ \t]+)?"
    r"([A-Z][\w.+-]*[\w+](?:[ \t][A-Z][\w.+-]*[\w+]){0,2})"
    r"(?=\s*[,.;:()]|\s+(?:and|or|to|for|with|which|that|is|was)\b)"
)


def cue_spans(text: str, scanned: Words) -> Iterator[tuple[int, int, str]]:
    """Names right after an intro verb or a class noun, as (start, end, cue).

    ``cue`` is ``"introduce"`` after an intro verb, else the type the class noun gives.

    Examples
    --------
    >>> from kgraph.text import words
    >>> t = "We present Okapi, a new board game, Othello, to test them."
    >>> [(t[s:e], cue) for s, e, cue in cue_spans(t, words(t))]
    [('Okapi', 'introduce'), ('Othello', 'benchmark')]
    """
    nouns = class_nouns()
    verbs = cased(cue_words("introduce", "name"))
    for _, end, word in scanned:
        if word in nouns:  # lower-case as written: a class noun, not part of a name
            match = _NAME_AFTER_CLASS.match(text, end)
            if match is not None:
                yield match.start(1), match.end(1), nouns[word].value
        elif word in verbs:
            match = _NAME_AFTER_VERB.match(text, end)
            if match is not None:
                name = match.group(1)
                if is_name_like(name.split()[0]) or len(name.split()) == 1:
                    yield match.start(1), match.end(1), "introduce"


def title_name(text: str, title_end: int) -> tuple[int, int] | None:
    """The name before a title's colon ("ExeDec: Execution Decomposition ..."), if it is one.

    Examples
    --------
    >>> t = "ExeDec: Execution Decomposition\\n\\nWe propose ExeDec."
    >>> s, e = title_name(t, t.index("\\n\\n")); t[s:e]
    'ExeDec'
    >>> title_name("How Do Models Learn?: A Study\\n\\nText.", 29) is None
    True
    """
    title = text[:title_end]
    head, colon, _ = title.partition(":")
    name = head.strip()
    if not colon or not name or len(name.split()) > MAX_TITLE_NAME_WORDS:
        return None
    if name.casefold() in folded_set("generic") or not _looks_like_a_name(name):
        return None
    abstract = text[title_end:]
    if len(name.split()) == 1 and not is_name_like(name):
        # A plain capitalised word ("Grokking") is a name only if the abstract capitalises
        # it where a sentence does not start.
        if not re.search(rf"[^.!?\s]\s+{re.escape(name)}\b", abstract):
            return None
    elif len(name.split()) > 1 and name.casefold() not in abstract.casefold():
        return None
    start = title.find(name)
    return start, start + len(name)


_VERSION_WORD = re.compile(r"[vV]?\d+(?:\.\d+)*[a-z]?")
_NAME_INNER_WORDS = frozenset({"of", "for", "and", "the", "in", "on", "with", "to", "a", "via"})


def _looks_like_a_name(phrase: str) -> bool:
    """A title's pre-colon part names something ("Decomposed Prompting"), not a question."""
    words = phrase.split()
    first = words[0].casefold()
    if first in _NAME_INNER_WORDS or first in folded_set("not_modifiers"):
        return False
    for word in words:
        folded = word.casefold()
        if folded in folded_set("verbs") or folded in folded_set("question_words"):
            return False
        if not (
            word[:1].isupper()
            or is_name_like(word)
            or folded in _NAME_INNER_WORDS
            or _VERSION_WORD.fullmatch(word)
        ):
            return False
    return True
