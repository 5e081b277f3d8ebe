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
from functools import cache, lru_cache

from spacy.lang.en.stop_words import STOP_WORDS
from spacy.language import Language
from spacy.tokens import Doc

from kgraph.extract.doctext import doc_text, doc_words
from kgraph.words import folded_set, word_list, zipf

SPANS_KEY = "kgraph_patterns"
NAME = "NAME"
MAX_MODIFIERS = 3
# A word this common in general English is not a name by its capital alone ("Top-1").
COMMON_WORD_ZIPF = 3.8
# spaCy stop words that do start method names ("full fine-tuning", "top-k sampling").
_STOP_WORDS_KEPT = frozenset({"full", "top"})

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


_CAMEL = re.compile(r"[a-z][A-Z]")
_PART_SPLIT = re.compile(r"[-./]")
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
    if _CAMEL.search(part) or (part[0].islower() and any(ch.isupper() for ch in part)):
        return True  # CamelCase: ExeDec, mBLIP, kGym (not "3D")
    return part[0].isupper() and any(ch.isdigit() for ch in part)  # T5, V2


@lru_cache(maxsize=65536)
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
    parts = [p for p in _PART_SPLIT.split(core) if p]
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


# A hub id: an organisation, a slash, a model name ("meta-llama/Llama-3.1-70B-Instruct").
ORG_PREFIXED = re.compile(r"[A-Za-z][A-Za-z0-9-]{2,}/[A-Za-z][\w.-]*$")
# A word: letters and digits, joined by - . / into compounds ("chain-of-thought", "GPT-3.5",
# "Qwen/Qwen2-7B-Instruct"), with an optional trailing "+" ("StarCoder+").
_WORD = re.compile(r"[A-Za-z0-9]\w*(?:[-./]\w+)*\+?")


def words(text: str) -> list[tuple[int, int, str]]:
    """Every word of ``text`` with its offsets: one C-speed pass the patterns share.

    Slashed words are split ("L1/L2", "encoder/decoder") unless they are a hub id with an
    organisation prefix ("Qwen/Qwen2-7B-Instruct").

    Examples
    --------
    >>> [w for _, _, w in words("We use chain-of-thought on GPT-3.5, L1/L2 and google/gemma-2b.")]
    ['We', 'use', 'chain-of-thought', 'on', 'GPT-3.5', 'L1', 'L2', 'and', 'google/gemma-2b']
    """
    found = [(*match.span(), match.group()) for match in _WORD.finditer(text)]
    if "/" not in text:
        return found
    out = []
    for start, end, word in found:
        if "/" in word and not ORG_PREFIXED.match(word):
            offset = start
            for part in word.split("/"):
                if part:
                    out.append((offset, offset + len(part), part))
                offset += len(part) + 1
        else:
            out.append((start, end, word))
    return out


@lru_cache(maxsize=65536)
def _could_be_name(word: str) -> bool:
    """A cheap filter before :func:`is_name_like`: ordinary words fail it (cached: words repeat)."""
    rest = word[1:]
    return word in model_families() or rest != rest.lower() or not word.replace("-", "").isalpha()


def name_spans(
    text: str, scanned: list[tuple[int, int, str]] | None = None
) -> Iterator[tuple[int, int]]:
    """Character spans of shape-names in ``text``, each extended by its sizes and versions.

    Examples
    --------
    >>> t = "We compare GPT-4 Turbo, Llama 2 7B and Mistral 7B on GSM8K with PPO-based tuning."
    >>> [t[s:e] for s, e in name_spans(t)]
    ['GPT-4 Turbo', 'Llama 2 7B', 'Mistral 7B', 'GSM8K', 'PPO']
    """
    families = model_families()
    for start, end, token in scanned if scanned is not None else words(text):
        could = _could_be_name(token)
        if not could and not token[:1].isupper():
            continue  # an ordinary lower-case word (most words: tested first)
        if start and text[start - 1] in "@/.+-_":
            continue  # inside an e-mail address, a path or a compound
        versioned = token[:1].isupper() and _VERSION_AHEAD.match(text, end) is not None
        if not (versioned or could):
            continue
        suffix = DERIVED_SUFFIX.search(token)
        if suffix is not None:  # "PPO-based RLHF": the name is PPO
            token = token[: suffix.start()]
            end = start + len(token)
        extended = _extend(text, end)
        if is_name_like(token) or token in families:
            yield start, extended
        elif extended > end and versioned:
            yield (
                start,
                extended,
            )  # "Gopher 280B", "Uni-Perceiver v2": a capitalised name, versioned


@cache
def model_families() -> frozenset[str]:
    """Model family names (``model_families.txt``): "Llama", "Qwen", "GPT"."""
    return frozenset(word_list("model_families"))


_VERSION_AHEAD = re.compile(r"[ -](?:\d|[vV]\d)")


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
    """Noun-phrase heads (``np_heads.tsv``): head -> (type, whether it stands alone)."""
    heads = {}
    for row in word_list("np_heads.tsv"):
        head, type_, alone = row.split("\t")
        heads[head.casefold()] = (type_, alone == "yes")
    return heads


@cache
def _blocked_modifiers() -> frozenset[str]:
    blocked = (frozenset(STOP_WORDS) - _STOP_WORDS_KEPT) | folded_set("not_modifiers")
    return blocked | folded_set("verbs")


_MODIFIER = re.compile(r"[A-Za-z][A-Za-z-]*[A-Za-z]|[A-Za-z]")
# The word before a position, on the same line (a phrase never spans the title/abstract break).
_WORD_BEFORE = re.compile(r"([A-Za-z][\w-]*)([ \t]+)$")
# After these, the next word is a verb ("we dub ...", "which demand ..."), not a modifier.
_LOOK_BACK = 64  # characters searched for the word before a position
_SUBJECT_PRONOUNS = frozenset({"we", "they", "it", "which", "that", "who", "i", "you", "he", "she"})


@lru_cache(maxsize=65536)
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


def phrase_spans(
    text: str, scanned: list[tuple[int, int, str]] | None = None
) -> Iterator[tuple[int, int, str]]:
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
    scanned = scanned if scanned is not None else words(text)
    for index, (_, head_end, head) in enumerate(scanned):
        found = heads.get(head.casefold())
        if found is None:
            continue
        type_, alone = found
        first = index
        while index - first < MAX_MODIFIERS and first > 0:
            _, prev_end, prev = scanned[first - 1]
            if text[prev_end : scanned[first][0]].strip(" \t") or not is_modifier(prev):
                break  # punctuation or a line break between, or not a modifier
            first -= 1
        if first < index and first > 0:
            _, before_end, before = scanned[first - 1]
            adjacent = not text[before_end : scanned[first][0]].strip(" \t")
            if adjacent and before.casefold() in _SUBJECT_PRONOUNS:
                first += 1  # "we dub retrieval heads": the verb after a pronoun is no modifier
        if first < index or alone:
            yield scanned[first][0], head_end, type_


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
        text = doc_text(doc)
        scanned = doc_words(doc)
        found = [(start, end, NAME) for start, end in name_spans(text, scanned)]
        found += list(phrase_spans(text, scanned))
        self.set_annotations(doc, found)
        return doc

    def set_annotations(self, doc: Doc, found: list[tuple[int, int, str]]) -> None:
        spans = []
        for start, end, label in found:
            span = doc.char_span(start, end, label=label)
            if span is not None:
                spans.append(span)
        doc.spans[self.spans_key] = spans
