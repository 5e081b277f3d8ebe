"""Candidates that no lexicon knows: names by their shape, method and task noun phrases.

All matching runs as compiled regular expressions over ``doc.text`` (one pass each, in C);
Python only touches the few hits, mapped back to tokens with ``doc.char_span``. This keeps
the component at tokenizer speed, where spaCy token patterns with regex predicates are not.

Spans go to ``doc.spans["kgraph_patterns"]`` labelled ``NAME`` (a name whose type the
context decides later), or with the type their head gives (``method``, ``task``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

from spacy.lang.en.stop_words import STOP_WORDS
from spacy.language import Language
from spacy.tokens import Doc

from kgraph.extract.words import folded_set, word_list, zipf

SPANS_KEY = "kgraph_patterns"
NAME = "NAME"
MAX_MODIFIERS = 3
# A word this common in general English is not a name by its capital alone ("Top-1").
COMMON_WORD_ZIPF = 3.8
# spaCy stop words that do start method names ("full fine-tuning", "top-k sampling").
_STOP_WORDS_KEPT = frozenset({"full", "top", "first", "last", "one", "two", "three", "whole"})

# A word-like token: letters/digits joined by - . / and an optional trailing "+" (StarCoder+).
_TOKEN = re.compile(r"(?<![\w@/.+-])[A-Za-z0-9][\w]*(?:[-./][\w]+)*\+?(?![\w@/-])")
# What may follow a model name as part of it: sizes, versions, release words.
_SIZE = r"\d+(?:\.\d+)?[BMKTbmk]\b"
_VERSION = r"v?\d+(?:\.\d+)*[a-z]?\b"
_VARIANT_WORDS = (
    "Turbo|Sonnet|Opus|Haiku|Pro|Ultra|Flash|Mini|mini|Nano|Instruct|Chat|Base|Large|Small|"
    "Medium|XL|XXL|Omni|Plus|Max|Lite|Vision|Coder|Math"
)
_SIZE_OR_VERSION = re.compile(rf"{_SIZE}|\b[vV]\d")
_VARIANT = re.compile(rf"(?:{_VARIANT_WORDS}|beta|alpha|it|instruct|chat|base|hf)", re.I)
_EXTENSION = re.compile(rf"(?:[ -](?:{_SIZE}|{_VERSION}|(?:{_VARIANT_WORDS})\b))")


# A name made into a modifier: "PPO-based", "GPT-style", "LLM-driven".
DERIVED_SUFFIX = re.compile(
    r"-(?:based|style|like|driven|powered|enhanced|guided|aware|free|specific|generated|"
    r"augmented|assisted|centric|level|scale|only)$",
    re.I,
)


def _part_is_name(part: str) -> bool:
    letters = [ch for ch in part if ch.isalpha()]
    if not letters:
        return False
    if len(letters) >= 2 and all(ch.isupper() for ch in letters):
        return True  # GPT, SCAN, XM3600
    if re.search(r"[a-z][A-Z]", part) or (part[0].islower() and any(ch.isupper() for ch in part)):
        return True  # CamelCase: ExeDec, mBLIP, kGym (not "3D")
    return part[0].isupper() and any(ch.isdigit() for ch in part)  # T5, V2


def is_name_like(token: str) -> bool:
    """Does a token look like the name of a model, benchmark or method by its shape alone?

    Examples
    --------
    >>> [is_name_like(t) for t in ["ExeDec", "GSM8K", "GPT-4", "Llama-3.1-70B", "Meta-DT", "mBLIP"]]
    [True, True, True, True, True, True]
    >>> [is_name_like(t) for t in ["Zero-Shot", "Top-1", "2D", "LLMs", "AI-driven", "k-means"]]
    [False, False, False, False, False, False]
    >>> [is_name_like(t) for t in ["Zephyr-7b-beta", "3D-LLM", "video-3D", "Image-to-3D"]]
    [True, True, False, False]
    """
    core = token.rstrip("+")
    if core.casefold() in folded_set("generic") or _ROMAN.fullmatch(core):
        return False
    parts = [p for p in re.split(r"[-./]", core) if p]
    generic = folded_set("generic")
    specific = [p for p in parts if p.casefold().rstrip("s") not in generic]
    if any(_part_is_name(p) for p in specific):
        if core[0].isdigit():
            return any(_part_is_name(p) and not p[0].isdigit() for p in parts[1:])
        return True
    if len(specific) < len(parts) and any(not p.islower() for p in specific):
        return True  # a generic acronym made specific: "3D-LLM", "Duo-LLM" (not "AI-driven")
    # Letters then a version number: Llama-2, Qwen2, Gemma-7b; not common words (Top-1).
    if core[0].isalpha() and any(ch.isdigit() for ch in core):
        alpha = [p for p in parts if p.isalpha() and not _VARIANT.fullmatch(p)]
        return bool(alpha) and all(zipf(p) < COMMON_WORD_ZIPF for p in alpha)
    return False


_ROMAN = re.compile(r"[IVX]{1,4}")


def name_spans(text: str) -> Iterator[tuple[int, int]]:
    """Character spans of shape-names in ``text``, each extended by its sizes and versions.

    Examples
    --------
    >>> t = "We compare GPT-4 Turbo, Llama 2 7B and Mistral 7B on GSM8K with PPO-based tuning."
    >>> [t[s:e] for s, e in name_spans(t)]
    ['GPT-4 Turbo', 'Llama 2 7B', 'Mistral 7B', 'GSM8K', 'PPO']
    """
    families = frozenset(word_list("model_families"))
    for match in _TOKEN.finditer(text):
        token = match.group()
        start, end = match.span()
        suffix = DERIVED_SUFFIX.search(token)
        if suffix is not None:  # "PPO-based RLHF": the name is PPO
            token = token[: suffix.start()]
            end = start + len(token)
        extended = _extend(text, end)
        if is_name_like(token) or token in families:
            yield start, extended
        elif extended > end and token[:1].isupper() and _SIZE_OR_VERSION.search(text[end:extended]):
            yield (
                start,
                extended,
            )  # "Gopher 280B", "Uni-Perceiver v2": a capitalised word, versioned


def _extend(text: str, end: int) -> int:
    pos = end
    for _ in range(3):
        ext = _EXTENSION.match(text, pos)
        if ext is None or ext.end() == ext.start():
            break
        pos = ext.end()
    return pos


@cache
def np_heads() -> dict[str, tuple[str, bool]]:
    heads = {}
    for row in word_list("np_heads.tsv"):
        head, type_, alone = row.split("\t")
        heads[head.casefold()] = (type_, alone == "yes")
    return heads


@cache
def _np_head_pattern() -> re.Pattern[str]:
    words = sorted(np_heads(), key=len, reverse=True)
    return re.compile(r"(?<![\w-])(" + "|".join(re.escape(w) for w in words) + r")(?![\w-])", re.I)


@cache
def _blocked_modifiers() -> frozenset[str]:
    blocked = (frozenset(STOP_WORDS) - _STOP_WORDS_KEPT) | folded_set("not_modifiers")
    return blocked | folded_set("verbs")


_MODIFIER = re.compile(r"[A-Za-z][A-Za-z-]*[A-Za-z]|[A-Za-z]")
# The word before a position, on the same line (a phrase never spans the title/abstract break).
_WORD_BEFORE = re.compile(r"([A-Za-z][\w-]*)([ \t]+)$")
# After these, the next word is a verb ("we dub ...", "which demand ..."), not a modifier.
_SUBJECT_PRONOUNS = frozenset({"we", "they", "it", "which", "that", "who", "i", "you", "he", "she"})


def is_modifier(word: str) -> bool:
    """Can ``word`` sit inside a method/task noun phrase, before its head?

    Examples
    --------
    >>> [is_modifier(w) for w in ["chain-of-thought", "contrastive", "the", "novel", "quickly"]]
    [True, True, False, False, False]
    """
    folded = word.casefold()
    if not _MODIFIER.fullmatch(word) or folded in _blocked_modifiers():
        return False
    if folded.endswith("ing") and "-" not in folded:
        return False  # "reducing X", "pruning networks": a gerund starts a clause, not a name
    return not folded.endswith("ly")


def phrase_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """Method and task noun phrases: up to three modifiers and a known head.

    Examples
    --------
    >>> t = "We use chain-of-thought prompting and supervised fine-tuning for question answering."
    >>> for s, e, ty in phrase_spans(t):
    ...     print(t[s:e], ty)
    chain-of-thought prompting method
    supervised fine-tuning method
    question answering task
    """
    heads = np_heads()
    for match in _np_head_pattern().finditer(text):
        head = match.group(1)
        type_, alone = heads[head.casefold()]
        start = match.start()
        modifiers = 0
        while modifiers < MAX_MODIFIERS:
            before = _WORD_BEFORE.search(text, 0, start)
            if before is None or not is_modifier(before.group(1)):
                break
            start = before.start()
            modifiers += 1
        if modifiers:
            previous = _WORD_BEFORE.search(text, 0, start)
            if previous is not None and previous.group(1).casefold() in _SUBJECT_PRONOUNS:
                start = _skip_word(text, start)
                modifiers -= 1
        if modifiers or alone:
            yield start, match.end(), type_


def _skip_word(text: str, start: int) -> int:
    """The start of the word after the one at ``start``."""
    end = start
    while end < len(text) and not text[end].isspace():
        end += 1
    while end < len(text) and text[end] in " \t":
        end += 1
    return end


@Language.factory("kgraph_patterns", assigns=["doc.spans"], default_config={"spans_key": SPANS_KEY})
def make_pattern_matcher(nlp: Language, name: str, spans_key: str) -> PatternMatcher:
    return PatternMatcher(nlp, name, spans_key=spans_key)


class PatternMatcher:
    """Adds shape-name and noun-phrase candidates to ``doc.spans[spans_key]``."""

    def __init__(self, nlp: Language, name: str, *, spans_key: str) -> None:
        self.name = name
        self.spans_key = spans_key

    def __call__(self, doc: Doc) -> Doc:
        found = [(start, end, NAME) for start, end in name_spans(doc.text)]
        found += list(phrase_spans(doc.text))
        self.set_annotations(doc, found)
        return doc

    def set_annotations(self, doc: Doc, found: list[tuple[int, int, str]]) -> None:
        spans = []
        for start, end, label in found:
            span = doc.char_span(start, end, label=label)
            if span is not None:
                spans.append(span)
        doc.spans[self.spans_key] = spans
