"""Deciding the entities of a paper from the candidates the other components found.

Candidates come from abbreviation definitions, the lexicon, name shapes, noun-phrase heads,
intro cues ("we present Okapi, ...") and the title. The decider

1. drops candidates inside URLs, generic ones ("LLMs", "large language models") and every
   use of an abbreviation whose long form is generic;
2. keeps non-overlapping spans, longest first, then by how trusted their source is;
3. types each kept span by weighing evidence: its lexicon entry, its head noun or shape,
   and for names the context: a head noun after it ("the SCAN dataset"), an appositive
   ("ExeDec, a novel strategy"), a class it is listed under ("datasets such as X and Y"),
   evaluation context ("results on X"); untyped members of a coordination ("on X, Y and Z")
   take the type of the others;
4. groups the occurrences of one thing (a long form and its abbreviation, case and plural
   variants) and flags what the paper introduces ("we propose X", "our X", "dubbed X", the
   name before the title's colon).

The result is plain :class:`~kgraph.model.Mention` objects in ``doc._.kgraph_mentions``.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache, lru_cache

from spacy.language import Language
from spacy.tokens import Doc

from kgraph.extract import abbreviations as abbr
from kgraph.extract.doctext import doc_text, doc_words
from kgraph.extract.lexicon import SPANS_KEY as LEXICON_KEY
from kgraph.extract.patterns import (
    NAME,
    ORG_PREFIXED,
    is_name_like,
    model_families,
    np_heads,
)
from kgraph.extract.patterns import SPANS_KEY as PATTERNS_KEY
from kgraph.lexicon import Rank, Term, default_lexicon
from kgraph.model import EntityType, Mention
from kgraph.words import alternation, folded_set, mapping, word_list, zipf

# How much each source is trusted when candidates overlap (higher wins on equal length).
PRIORITY = {"abbreviation": 6, "title": 5, "cue": 4, "lexicon": 3, "name": 2, "phrase": 1}
# Sources whose span is a name, so that the context around it may type it.
PROPER = frozenset({"abbreviation", "title", "cue", "lexicon", "name"})
# Evidence weights.
W_CONTEXT = 3.0  # the text says what it is: a head noun, an appositive, a class it is listed under
W_CURATED = 3.0  # kgraph's curated lists
W_LEXICON = 2.0  # the best-ranked Papers with Code entry
W_SHAPE = 1.0  # a head word or a name's shape, evaluation context
W_WEAK = 0.5  # a second lexicon entry, a default
# A candidate whose best type has less evidence than this is dropped.
MIN_TYPE_SCORE = 1.0
CONTEXT_CHARS = 160
# A modifier rarer than this in general English makes a noun phrase specific.
SPECIFIC_MODIFIER_ZIPF = 4.3
INTRO_GAP_WORDS = 6
# Words allowed between a class noun and a list cue ("benchmarks for X (e.g., ...").
MAX_LIST_GAP = 6
MAX_TITLE_NAME_WORDS = 4

_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w.-]+\.(?:com|org|io|ai|net|edu)(?:/\S*)?", re.I)
# A full stop, ! or ? (and any closing quotes or parenthesis after it) before a capital, or a
# line break: a sentence may end there, unless the full stop ends one of these ("e.g. BERT",
# "Fig. 2", "J. Smith").
_SENTENCE_END = re.compile(
    r"(?:\.(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\bet al\.)(?<!\bvs\.)(?<!\bFig\.)(?<!\bEq\.)(?<!\b[A-Z]\.)"
    r"|[!?])[\"'\u201d\u2019)]*"  # closing double and single quotes
    r"(?=\s+[A-Z(\"'\u201c\u2018])|\n+"  # opening double and single quotes
)
_ARTICLE = re.compile(r"^(?:the|a|an|our|their|its|this|these|those)\s+", re.I)
_MAY_HOLD_URL = re.compile(r"://|www\.|\.(?:com|org|io|ai|net|edu)\b")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_NAME_PART_SPLIT = re.compile(r"[-\s/]")
_LETTERS = re.compile(r"[A-Za-z]+")
_MODEL_SIZE = re.compile(r"\d+(?:\.\d+)?[BMKbmk]\b")
_LIST_ITEM = re.compile(r"[^\s,;()]+")
_CLAUSE_SPLIT = re.compile(r"[.!?;]\s|\n")
# What may stand between two members of a list: a comma, "and", "or", a slash, each possibly
# after a parenthesis ("GSM8K (+17.9%), SVAMP (+11.0%) and AQuA").
_COORDINATION = re.compile(
    r"^\s*(?:\([^()]{0,40}\)\s*)?(?:,\s*(?:and\s+|or\s+)?|\s*and\s+|\s*or\s+|\s*/\s*)$"
)
_BETWEEN_LIST_WORDS = frozenset({"and", "or", "the", "a", "an", "as", "well", "also"})
_SUBJECT = re.compile(r"\b(?:we|this (?:paper|work|study|article))\b", re.I)
_INTRO_BLOCKERS = re.compile(
    r"\b(?:based|using|with|via|from|on|upon|leverag\w*|built|of|for|to|by|and|than|into|in)\b",
    re.I,
)
# A version number ending a name ("Llama-2", "GPT3", "BLIP-2"), not a data version ("NYUD-v2").
_MODEL_VERSION = re.compile(r"[A-Za-z]{2,}[-.]?\d+(?:\.\d+)*[a-z]?$")
_DATA_VERSION = re.compile(r"[-\s]?[vV]\d+(?:\.\d+)*$")
_HEAD_AFTER_PAREN = re.compile(r"\)[ \t]+([a-z][\w-]*)\b")
_ARCHITECTURE_HEADS = frozenset({"model", "models", "network", "networks"})
# "our (new) X", "the proposed X": at most two modifiers between, none a function word.
_OUR = re.compile(
    r"\b(?:our|the proposed|our proposed|this new)\s+"
    r"(?:(?!(?:to|of|for|on|in|with|by|from|and|or|the|a|an)\b)[\w-]+\s+){0,2}$",
    re.I,
)


@dataclass
class Candidate:
    """A span that may be an entity, with the evidence gathered for it."""

    start: int
    end: int
    text: str
    source: str
    scores: dict[EntityType, float] = field(default_factory=dict)
    url: str | None = None
    introduced: bool = False
    group: str | None = None  # shared by a long form and its abbreviation
    is_short: bool = False  # the abbreviation side of a definition

    def add(self, type_: EntityType, weight: float) -> None:
        self.scores[type_] = self.scores.get(type_, 0.0) + weight

    def best(self) -> float:
        return max(self.scores.values(), default=0.0)

    @property
    def length(self) -> int:
        return self.end - self.start


@cache
def _heads() -> dict[str, EntityType]:
    return {k: EntityType(v) for k, v in mapping("heads.tsv").items()}


@cache
def _cue(role: str) -> str:
    """The alternation of the cue words of ``role`` in ``cues.tsv`` (a regex fragment)."""
    return "|".join(_cue_list(role))


@cache
def _cue_list(role: str) -> tuple[str, ...]:
    """The cue words of ``role`` in ``cues.tsv``, in file order."""
    rows = (row.split("\t", 1) for row in word_list("cues.tsv"))
    return tuple(word for kind, word in rows if kind == role)


@cache
def _head_words() -> str:
    """The class nouns as a regex fragment, longest match first ("test set" before "test")."""
    return alternation(_heads())


@cache
def _head_after() -> re.Pattern[str]:
    return re.compile(rf"^[ \t]*(?:-[ \t]*)?({_head_words()})\b")


@cache
def _appositive() -> re.Pattern[str]:
    return re.compile(
        rf"^\s*(?:\([^()]*\)\s*)?(?:,\s*|\s+(?:is|as|was)\s+)(?:a|an|the|our)\s+"
        rf"(?:(?:suite|family|set|series|collection|kind|type|class)\s+of\s+)?"
        rf"(?:[\w-]+\s+){{0,5}}?({_head_words()})\b",
        re.I,
    )


@cache
def _head_anywhere() -> re.Pattern[str]:
    return re.compile(rf"\b({_head_words()})\b", re.I)


@cache
def _list_cue() -> re.Pattern[str]:
    return re.compile(rf"\b(?:{_cue('list')})|[:(]", re.I)


@cache
def _intro_verb() -> re.Pattern[str]:
    # The cues are plain words, none a prefix of another: a trie matches as their alternation.
    return re.compile(rf"\b(?:{alternation(_cue_list('introduce'))})\b", re.I)


@cache
def _naming() -> re.Pattern[str]:
    return re.compile(rf"\b(?:{_cue('name')})\s*[\"'“]?$", re.I)


@cache
def _evaluation() -> re.Pattern[str]:
    return re.compile(rf"\b(?:{_cue('evaluate')})\b", re.I)


_EVAL_ON = re.compile(
    r"\b(?:on|across|over)\s+(?:the\s+)?(?:[\w./+-]+\s*(?:,|\band\b)\s*){0,6}(?:and\s+)?$", re.I
)


# After an intro verb: a capitalised name, before a comma or parenthesis ("we present
# Okapi, a new dataset"). Matched only where the word scan found an intro verb.
_NAME_AFTER_VERB = re.compile(
    r"\s+(?:(?:a|an|the)\s+(?:new\s+|novel\s+)?)?"
    r"([A-Z][\w.+-]*[\w+](?:\s[A-Z][\w.+-]*[\w+]){0,3}(?:\s[vV]?\d+(?:\.\d+)*)?)"
    r"(?=\s*[,(:]|\s*$|\s+(?:to|for|which|that)\b)"
)
# After a lower-case class noun: a capitalised name ("the board game, Othello").
_NAME_AFTER_HEAD = re.compile(
    r",?[ \t]+(?:(?:called|named|dubbed|termed)[ \t]+)?"
    r"([A-Z][\w.+-]*[\w+](?:[ \t][A-Z][\w.+-]*[\w+]){0,2})"
    r"(?=\s*[,.;:()]|\s+(?:and|or|to|for|with|which|that|is|was)\b)"
)


@cache
def _cased(words: frozenset[str]) -> frozenset[str]:
    """Lower-case words with their capitalised and upper-case spellings, for exact lookups."""
    return words | {w.capitalize() for w in words} | {w.upper() for w in words}


@cache
def _cue_words(*roles: str) -> frozenset[str]:
    """The one-word cues of ``roles`` (``cues.tsv``), lower-cased."""
    rows = (row.split("\t", 1) for row in word_list("cues.tsv"))
    return frozenset(word.casefold() for kind, word in rows if kind in roles and word.isalpha())


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence boundaries as character ranges; the title is a sentence of its own.

    Examples
    --------
    >>> t = "A Title\\n\\nWe use e.g. BERT. It works (see Fig. 2)! Done."
    >>> [t[s:e] for s, e in sentences(t)]
    ['A Title', 'We use e.g. BERT.', 'It works (see Fig. 2)!', 'Done.']
    >>> t = 'They ask "Who loves pie?" Prior work says "no." It (mostly) holds.'
    >>> [t[s:e] for s, e in sentences(t)]
    ['They ask "Who loves pie?"', 'Prior work says "no."', 'It (mostly) holds.']
    """
    out = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        end = match.end() if match.group().strip() else match.start()
        if text[start:end].strip():
            out.append(_trim(text, start, end))
        start = match.end()
    if text[start:].strip():
        out.append(_trim(text, start, len(text)))
    return out


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


@lru_cache(maxsize=65536)
def strip_name(text: str) -> str:
    """Drop a leading article and a trailing lower-case generic head that are not the name.

    Examples
    --------
    >>> strip_name("the human-guided tool manipulation framework")
    'human-guided tool manipulation'
    >>> strip_name("Abstraction and Reasoning Corpus")
    'Abstraction and Reasoning Corpus'
    >>> strip_name("the SCAN dataset"), strip_name("diffusion models")
    ('SCAN', 'diffusion models')
    """
    text = _ARTICLE.sub("", " ".join(text.split()))
    words = text.split()
    if len(words) < 2 or words[-1] not in _heads() or not words[-1].islower():
        return text
    if words[-1] in _ARCHITECTURE_HEADS and " ".join(words[:-1]).islower():
        return text  # "diffusion models": the head is part of the name of a family
    return " ".join(words[:-1])


@lru_cache(maxsize=65536)
def is_generic(text: str) -> bool:
    """Is ``text`` a class of systems, a field or a generic word rather than one thing?

    Examples
    --------
    >>> [is_generic(t) for t in ["LLMs", "Multimodal large language models", "diffusion models"]]
    [True, True, False]
    >>> is_generic("Holistic Evaluation of Language Models")
    False
    """
    folded = " ".join(text.casefold().split())
    generic = folded_set("generic")
    if folded in generic or folded.rstrip("s") in generic or len(folded) < 2:
        return True
    words = folded.split()
    if words[-1] in ("model", "models") and all(w in folded_set("class_words") for w in words):
        return True
    return not any(ch.isalpha() for ch in folded)


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """The within-paper identity of a surface form: letters and digits, no plural "s".

    Examples
    --------
    >>> fold("Transformers") == fold("transformer"), fold("GPT-4") == fold("gpt4")
    (True, True)
    >>> fold("RMs") == fold("RM")
    True
    """
    if len(text) > 2 and text.endswith("s") and text[-2].isupper():
        text = text[:-1]  # "RMs", "LLMs": an acronym's plural
    folded = _NON_ALNUM.sub("", text.casefold())
    return folded[:-1] if len(folded) > 3 and folded.endswith("s") else folded


class Decider:
    """Turns the candidate spans of a Doc into mentions (see the module docstring)."""

    def __call__(self, doc: Doc) -> list[Mention]:
        text = doc_text(doc)
        title_end = text.find("\n\n") if "\n\n" in text else len(text)
        suppressed: set[str] = set()
        candidates = list(self._candidates(doc, title_end, suppressed))
        urls = [m.span() for m in _URL.finditer(text)] if _MAY_HOLD_URL.search(text) else []
        candidates = [
            c
            for c in candidates
            if not _inside(c, urls) and not is_generic(c.text) and fold(c.text) not in suppressed
        ]
        kept = _select(candidates)
        intro_cues = _intro_cues()
        cues = [end for _, end, word in doc_words(doc) if word in intro_cues]
        previous_end = 0
        for cand in kept:
            proper = cand.source in PROPER
            cued = _cue_before(cues, cand.start)
            if proper or cued:
                clause = _clause_before(text, cand.start)
                if proper:
                    _type_by_context(text, cand, clause)
                if cued:
                    _flag_introduced(cand, clause, previous_end)
            previous_end = cand.end
        _propagate_coordination(text, kept)
        return _group(text, kept, sentences(text))

    def _candidates(self, doc: Doc, title_end: int, suppressed: set[str]) -> Iterator[Candidate]:
        text = doc_text(doc)
        for definition in doc._.kgraph_abbreviations or ():
            yield from _abbreviation(text, definition, suppressed)
        lookup = _lookup
        for span in doc.spans.get(LEXICON_KEY, ()):
            surface = text[span.start_char : span.end_char]
            cand = Candidate(span.start_char, span.end_char, surface, "lexicon")
            _type_by_lexicon(cand, lookup(surface))
            yield cand
        for span in doc.spans.get(PATTERNS_KEY, ()):
            surface = text[span.start_char : span.end_char]
            if span.label_ == NAME:
                cand = Candidate(span.start_char, span.end_char, surface, "name")
                _type_by_shape(cand)
                base = surface.split()[0]
                if base != surface:  # "SQuAD v1.1" is typed like "SQuAD"
                    _type_by_lexicon(cand, lookup(base))
            else:
                start = span.start_char + _leading_vague_chars(surface)
                cand = Candidate(start, span.end_char, text[start : span.end_char], "phrase")
                cand.add(EntityType(span.label_), _phrase_weight(cand.text))
            yield cand
        title = _title_name(text, title_end)
        if title is not None:
            yield title
        class_nouns = _heads()
        intro_verbs = _cased(_cue_words("introduce", "name"))
        for _, end, word in doc_words(doc):
            if word in class_nouns:  # lower-case as written: a class noun, not part of a name
                match = _NAME_AFTER_HEAD.match(text, end)
                if match is not None:
                    cand = Candidate(match.start(1), match.end(1), match.group(1), "cue")
                    cand.add(class_nouns[word], _head_weight(class_nouns[word]))
                    yield cand
            elif word in intro_verbs:
                match = _NAME_AFTER_VERB.match(text, end)
                if match is None:
                    continue
                name = match.group(1)
                if is_name_like(name.split()[0]) or len(name.split()) == 1:
                    cand = Candidate(match.start(1), match.end(1), name, "cue")
                    _type_by_lexicon(cand, lookup(name))
                    yield cand


@lru_cache(maxsize=65536)
def _lookup(surface: str) -> tuple[Term, ...]:
    return tuple(default_lexicon().lookup(surface))


def _abbreviation(
    text: str, definition: abbr.Abbreviation, suppressed: set[str]
) -> Iterator[Candidate]:
    """The long form and every use of the short form, as one group; generic ones suppressed."""
    long_form = strip_name(definition.long)
    generic = is_generic(definition.long) or is_generic(long_form) or is_generic(definition.short)
    if not long_form or generic:
        suppressed.add(fold(definition.short))
        return
    if not _has_entity_evidence(long_form, definition):
        suppressed.add(fold(definition.short))
        return
    start = definition.long_start + max(definition.long.find(long_form), 0)
    group = f"abbr:{fold(definition.short)}"
    end = start + len(long_form)
    trailing = _HEAD_AFTER_PAREN.match(text, definition.short_end)
    if (
        trailing is not None
        and np_heads().get(trailing.group(1).casefold(), ("", False))[0] == "method"
    ):
        # "Chain-of-Thought (CoT) prompting": the head after the parenthesis completes the name.
        long_form = f"{long_form} {trailing.group(1)}"
    long_cand = Candidate(start, end, long_form, "abbreviation", group=group)
    _type_long_form(long_cand, definition)
    yield long_cand
    for s, e in abbr.short_form_occurrences(text, definition.short):
        short = Candidate(s, e, text[s:e], "abbreviation", group=group, is_short=True)
        short.scores = long_cand.scores
        yield short


def _has_entity_evidence(long_form: str, definition: abbr.Abbreviation) -> bool:
    """Does an abbreviation name a thing rather than a property ("out-of-distribution")?"""
    words = long_form.split()
    last = words[-1].casefold()
    if last in np_heads() or last in _heads():
        return True
    if default_lexicon().lookup(long_form) or default_lexicon().lookup(definition.short):
        return True
    if sum(1 for w in words if w[:1].isupper()) >= 2:
        return True  # a proper name: "Zero-Shot Compositional Action Recognition"
    return is_name_like(definition.short) and any(ch.islower() for ch in definition.short)


def _type_by_lexicon(cand: Candidate, terms: Iterable[Term]) -> None:
    for rank, term in enumerate(terms):
        if rank == 0:
            cand.add(term.type, W_CURATED if term.rank is Rank.CURATED else W_LEXICON)
        else:
            cand.add(term.type, W_WEAK)
        cand.url = cand.url or term.url


@lru_cache(maxsize=65536)
def _phrase_weight(text: str) -> float:
    """How much a noun phrase's head says about its type.

    A method head with a specific modifier ("contrastive learning", "chain-of-thought
    prompting") is strong evidence; with only everyday modifiers ("limited training",
    "perfect pruning") it is too weak to keep the phrase unless something else supports it
    (a repeat, the title, an intro cue).
    """
    *modifiers, head = text.split()
    type_, alone = np_heads().get(head.casefold(), ("task", False))
    if not modifiers:
        return W_CONTEXT if alone else W_WEAK
    if not any(is_specific_modifier(m) for m in modifiers):
        return W_WEAK
    return W_CONTEXT if type_ == "method" else W_SHAPE


@lru_cache(maxsize=65536)
def _leading_vague_chars(phrase: str) -> int:
    """How many characters of everyday modifiers to cut before a specific one.

    "stable multi-task learning" -> "multi-task learning"; "full fine-tuning" stays whole
    (no specific modifier follows "full").
    """
    words = phrase.split(" ")
    modifiers = words[:-1]
    cut = 0
    for index, word in enumerate(modifiers):
        if is_specific_modifier(word):
            break
        if any(is_specific_modifier(w) for w in modifiers[index + 1 :]):
            cut += len(word) + 1
    return cut


@lru_cache(maxsize=65536)
def is_specific_modifier(word: str) -> bool:
    """A modifier that narrows a head to a technique: rare, hyphenated, capitalised, or a term.

    Examples
    --------
    >>> [is_specific_modifier(w) for w in ["contrastive", "chain-of-thought", "LoRA", "perfect"]]
    [True, True, True, False]
    """
    if "-" in word or not word.islower():
        return True
    return zipf(word) < SPECIFIC_MODIFIER_ZIPF or bool(default_lexicon().lookup(word))


def _type_by_shape(cand: Candidate) -> None:
    text = cand.text
    families = model_families()
    first = _NAME_PART_SPLIT.split(text)[0].rstrip("+")
    stem = _LETTERS.match(text)
    family = first in families or (stem is not None and stem.group() in families)
    if family or ORG_PREFIXED.match(text) or _MODEL_SIZE.search(text):
        cand.add(EntityType.MODEL, W_CONTEXT)
    elif _MODEL_VERSION.search(text) and not _DATA_VERSION.search(text):
        cand.add(EntityType.MODEL, W_SHAPE)


def _type_long_form(cand: Candidate, definition: abbr.Abbreviation) -> None:
    _type_by_lexicon(cand, _lookup(cand.text))
    _type_by_lexicon(cand, _lookup(definition.short))
    heads = _heads()
    raw_last = definition.long.split()[-1].casefold()
    last = cand.text.split()[-1].casefold()
    if raw_last in _ARCHITECTURE_HEADS and definition.long.islower():
        cand.add(EntityType.METHOD, W_CONTEXT)  # "diffusion models (DMs)": a family of methods
    elif raw_last in heads:
        cand.add(heads[raw_last], W_CONTEXT)
    elif last in np_heads():
        cand.add(
            EntityType(np_heads()[last][0]),
            W_CONTEXT if np_heads()[last][0] == "method" else W_SHAPE,
        )
    elif last in heads:
        cand.add(heads[last], W_SHAPE)
    cand.add(EntityType.METHOD, W_WEAK)


def _title_name(text: str, title_end: int) -> Candidate | None:
    """The name before a title's colon ("ExeDec: Execution Decomposition ..."), if it is one."""
    title = text[:title_end]
    head, colon, rest = title.partition(":")
    name = head.strip()
    if not colon or not name or len(name.split()) > MAX_TITLE_NAME_WORDS or is_generic(name):
        return None
    if not _looks_like_a_name(name):
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
    cand = Candidate(start, start + len(name), name, "title", introduced=True)
    match = _subtitle_head().match(rest)
    if match is not None:
        type_ = _heads()[match.group(1).casefold()]
        cand.add(type_, _head_weight(type_))
    cand.add(EntityType.METHOD, W_SHAPE)
    return cand


_VERSION_WORD = re.compile(r"[vV]?\d+(?:\.\d+)*[a-z]?")
_NAME_INNER_WORDS = frozenset({"of", "for", "and", "the", "in", "on", "with", "to", "a", "via"})


def _looks_like_a_name(phrase: str) -> bool:
    """A title's pre-colon part names something ("Decomposed Prompting"), not a question."""
    words = phrase.split()
    if words[0].casefold() in _NAME_INNER_WORDS or words[0].casefold() in folded_set(
        "not_modifiers"
    ):
        return False
    for word in words:
        folded = word.casefold()
        if folded in folded_set("verbs") or folded in _QUESTION_WORDS:
            return False
        if not (
            word[:1].isupper()
            or is_name_like(word)
            or folded in _NAME_INNER_WORDS
            or _VERSION_WORD.fullmatch(word)
        ):
            return False
    return True


_QUESTION_WORDS = frozenset(
    {
        "how",
        "what",
        "why",
        "when",
        "where",
        "which",
        "who",
        "can",
        "do",
        "does",
        "is",
        "are",
        "should",
        "will",
        "towards",
        "toward",
        "beyond",
    }
)


@cache
def _subtitle_head() -> re.Pattern[str]:
    """The head of a subtitle's first noun phrase: "A Constrained Text Generation Challenge"."""
    return re.compile(rf"^\s*(?:an?\s+|the\s+)?(?:[\w-]+\s+){{0,3}}?({_head_words()})\b", re.I)


def _clause_before(text: str, start: int) -> str:
    before = text[max(0, start - CONTEXT_CHARS) : start]
    return _CLAUSE_SPLIT.split(before)[-1]


def _head_weight(type_: EntityType) -> float:
    """How much a class noun says about a name.

    "X models" often means models built with method X, and "tasks such as X" often lists
    datasets, so model and task nouns are weaker evidence than the others.
    """
    return W_SHAPE + W_WEAK if type_ in (EntityType.MODEL, EntityType.TASK) else W_CONTEXT


def _type_by_context(text: str, cand: Candidate, clause: str) -> None:
    """Add the types the text around ``cand`` gives it; ``clause`` is the clause before it."""
    if cand.text.islower() and not any(ch.isdigit() for ch in cand.text):
        return  # a lower-case term ("semantic parsing datasets"): its lexicon entry types it
    heads = _heads()
    after = text[cand.end : cand.end + CONTEXT_CHARS]
    for pattern in (_head_after(), _appositive()):
        match = pattern.match(after)
        if match is not None:
            type_ = heads[match.group(1).casefold()]
            cand.add(type_, _head_weight(type_))
            break
    listed = _listed_under(clause)
    if listed is not None:
        cand.add(listed, _head_weight(listed))
    has_model_shape = cand.scores.get(EntityType.MODEL, 0.0) >= W_SHAPE
    if not has_model_shape and _EVAL_ON.search(clause) and _evaluation().search(clause):
        cand.add(EntityType.BENCHMARK, W_SHAPE)


def _listed_under(clause: str) -> EntityType | None:
    """The class a name is listed under: "datasets such as X, Y and" + name -> benchmark.

    With a list cue ("such as", "e.g.", "(", ":") the class noun may be a few words before
    the cue ("benchmarks for scene understanding (i.e., X and"); without one, the list must
    follow the class noun directly ("two popular datasets, X and").

    Examples
    --------
    >>> _listed_under("on two benchmarks for scene understanding (i.e., PASCAL-Context and ")
    <EntityType.BENCHMARK: 'benchmark'>
    >>> _listed_under("two popular datasets, RobustFill and ")
    <EntityType.BENCHMARK: 'benchmark'>
    >>> _listed_under("datasets that people use with ") is None
    True
    """
    cues = list(_list_cue().finditer(clause))
    if cues:
        items = clause[cues[-1].end() :]
        if ")" in items:
            return None  # "benchmarks (X and Y), Z": the list closed before Z
        heads = list(_head_anywhere().finditer(clause, 0, cues[-1].start()))
        if not heads or len(clause[heads[-1].end() : cues[-1].start()].split()) > MAX_LIST_GAP:
            return None
    else:
        heads = list(_head_anywhere().finditer(clause))
        if not heads:
            return None
        items = clause[heads[-1].end() :]
    for match in _LIST_ITEM.finditer(items):  # lazily: most clauses fail at their first word
        token = match.group()
        if token.casefold() in _BETWEEN_LIST_WORDS:
            continue
        if not (token[:1].isupper() or any(ch.isdigit() for ch in token)):
            return None
    return _heads()[heads[-1].group(1).casefold()]


# Words that, besides the intro and naming verbs, can make a following name the paper's own.
_OWNERSHIP_CUES = frozenset({"our", "proposed", "new"})


@cache
def _intro_cues() -> frozenset[str]:
    """The words (as written) after which a name may be the paper's own."""
    return _cased(_cue_words("introduce", "name") | _OWNERSHIP_CUES)


def _cue_before(cue_ends: list[int], start: int) -> bool:
    """Is there an intro cue in the ``CONTEXT_CHARS`` before ``start``?"""
    index = bisect.bisect_right(cue_ends, start)
    return index > 0 and cue_ends[index - 1] >= start - CONTEXT_CHARS


def _flag_introduced(cand: Candidate, clause: str, previous_end: int) -> None:
    """Flag ``cand`` if the clause before it introduces it ("we propose X", "our X", "dubbed X").

    ``previous_end`` is where the kept candidate before this one ends: "we present QLoRA, an
    efficient finetuning approach" introduces QLoRA, the first name after the verb, not
    finetuning.
    """
    if cand.introduced or cand.is_short:
        return  # an abbreviation is introduced where its long form is
    if _OUR.search(clause) or _naming().search(clause):
        cand.introduced = True
        return
    intros = list(_intro_verb().finditer(clause))
    if not intros or not _SUBJECT.search(clause[: intros[-1].start()]):
        return
    verb_end = cand.start - len(clause) + intros[-1].end()
    if previous_end > verb_end:
        return  # another name came first after the verb
    gap = clause[intros[-1].end() :]
    if len(gap.split()) <= INTRO_GAP_WORDS and not _INTRO_BLOCKERS.search(gap):
        cand.introduced = True


def _propagate_coordination(text: str, kept: list[Candidate]) -> None:
    """Untyped names in "X, Y and Z" take the type the other members agree on."""
    runs: list[list[Candidate]] = []
    proper = [c for c in kept if c.source in PROPER]
    for cand in proper:
        if runs and _COORDINATION.match(text[runs[-1][-1].end : cand.start]):
            runs[-1].append(cand)
        else:
            runs.append([cand])
    for run in runs:
        if len(run) < 2:
            continue
        totals: Counter[EntityType] = Counter()
        for member in run:
            if member.best() >= MIN_TYPE_SCORE:
                type_ = max(member.scores, key=lambda t: member.scores[t])
                totals[type_] += 1
        if not totals:
            continue
        shared = totals.most_common(1)[0][0]
        for member in run:
            if member.best() < MIN_TYPE_SCORE:
                member.add(shared, W_SHAPE)


def _inside(cand: Candidate, ranges: list[tuple[int, int]]) -> bool:
    return any(s <= cand.start and cand.end <= e for s, e in ranges)


def _select(candidates: list[Candidate]) -> list[Candidate]:
    """Non-overlapping candidates: longest first, then the most trusted source.

    Candidates with exactly the same span are merged, pooling their evidence.
    """
    by_span: dict[tuple[int, int], Candidate] = {}
    for cand in candidates:
        seen = by_span.get((cand.start, cand.end))
        if seen is None:
            by_span[(cand.start, cand.end)] = cand
            continue
        winner, other = (
            (cand, seen) if PRIORITY[cand.source] > PRIORITY[seen.source] else (seen, cand)
        )
        if winner.group is None:
            winner.scores = dict(winner.scores)
            for type_, score in other.scores.items():
                winner.add(type_, score)
        winner.url = winner.url or other.url
        winner.introduced = winner.introduced or other.introduced
        by_span[(cand.start, cand.end)] = winner
    ordered = sorted(by_span.values(), key=lambda c: (-c.length, -PRIORITY[c.source], c.start))
    taken: list[Candidate] = []
    occupied: list[tuple[int, int]] = []
    for cand in ordered:
        if any(cand.start < e and s < cand.end for s, e in occupied):
            continue
        taken.append(cand)
        occupied.append((cand.start, cand.end))
    return sorted(taken, key=lambda c: c.start)


def _group(text: str, kept: list[Candidate], sents: list[tuple[int, int]]) -> list[Mention]:
    short_to_group = {fold(c.text): c.group for c in kept if c.group is not None}
    groups: dict[str, list[Candidate]] = defaultdict(list)
    for cand in kept:
        key = cand.group or short_to_group.get(fold(cand.text)) or fold(strip_name(cand.text))
        groups[key].append(cand)
    mentions = []
    for members in groups.values():
        scores: dict[EntityType, float] = defaultdict(float)
        for member in members:
            if member.is_short:
                continue  # shares its long form's evidence; counted once
            for type_, score in member.scores.items():
                scores[type_] += score
        if len(members) > 1 or any(m.introduced for m in members):
            # Said twice, or introduced: the paper cares about it.
            for type_ in list(scores):
                scores[type_] += W_WEAK
        if not scores or max(scores.values()) < MIN_TYPE_SCORE:
            continue
        type_ = max(scores, key=lambda t: (scores[t], -_TYPE_ORDER[t]))
        name = _preferred_name(members)
        aliases = _aliases(name, (strip_name(m.text) for m in members))
        first = min(members, key=lambda m: m.start)
        mentions.append(
            Mention(
                name=name,
                type=type_,
                introduced=any(m.introduced for m in members),
                aliases=tuple(aliases),
                sentence=_sentence_of(text, sents, first.start),
                start=first.start,
                end=first.end,
            )
        )
    mentions.sort(key=lambda m: m.start)
    return mentions


_TYPE_ORDER = {type_: index for index, type_ in enumerate(EntityType)}


def _preferred_name(members: list[Candidate]) -> str:
    """The long form of an abbreviation, else the most used surface form (first on ties)."""
    longs = [strip_name(m.text) for m in members if m.group is not None and not m.is_short]
    if longs:
        return max(longs, key=len)
    counts = Counter(strip_name(m.text) for m in members)
    return max(
        counts, key=lambda n: (counts[n], -min(m.start for m in members if strip_name(m.text) == n))
    )


def _aliases(name: str, forms: Iterable[str]) -> list[str]:
    seen = {fold(name)}
    out = []
    for form in sorted(set(forms), key=lambda f: (f.casefold(), f)):
        if fold(form) not in seen:
            seen.add(fold(form))
            out.append(form)
    return out


def _sentence_of(text: str, sents: list[tuple[int, int]], offset: int) -> str:
    for start, end in sents:
        if start <= offset < end:
            return text[start:end]
    return ""


if not Doc.has_extension("kgraph_mentions"):
    Doc.set_extension("kgraph_mentions", default=None)


@Language.factory("kgraph_entities", assigns=["doc._.kgraph_mentions"], default_config={})
def make_entity_decider(nlp: Language, name: str) -> EntityDecider:
    return EntityDecider(nlp, name)


class EntityDecider:
    """Publishes the :class:`Decider`'s mentions as ``doc._.kgraph_mentions``."""

    def __init__(self, nlp: Language, name: str) -> None:
        self.name = name
        self.decider = Decider()

    def __call__(self, doc: Doc) -> Doc:
        mentions = self.decider(doc)
        self.set_annotations(doc, mentions)
        return doc

    def set_annotations(self, doc: Doc, mentions: list[Mention]) -> None:
        doc._.kgraph_mentions = mentions
