"""Names by their shape: "GPT-4 Turbo", "Llama 2 7B", "GSM8K", "ExeDec", "Qwen/Qwen2-7B".

Plain functions over a string and its words (:func:`kgraph.text.words`); no spaCy. A name's
shape is evidence, not a decision: :mod:`kgraph.extract.evidence` turns it into features and
the learned model weighs them against the lexicon and the context.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache, lru_cache

from kgraph.text import Words, words
from kgraph.words import folded_set, word_list, zipf

# A word this common in general English is not a name by its capital alone ("Top-1").
COMMON_WORD_ZIPF = 3.8

# What may follow a model name as part of it: sizes, versions, release words.
_SIZE = r"\d+(?:\.\d+)?[BMKTbmk]\b"
_VERSION = r"v?\d+(?:\.\d+)*[a-z]?\b"
_VARIANT_WORDS = (
    "Turbo|Sonnet|Opus|Haiku|Pro|Ultra|Flash|Mini|mini|Nano|Instruct|Chat|Base|Large|Small|"
    "Medium|XL|XXL|Omni|Plus|Max|Lite|Vision|Coder|Math"
)
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


@lru_cache(maxsize=65536)
def _could_be_name(word: str) -> bool:
    """A cheap filter before :func:`is_name_like`: ordinary words fail it (cached: words repeat)."""
    rest = word[1:]
    return word in model_families() or rest != rest.lower() or not word.replace("-", "").isalpha()


def name_spans(text: str, scanned: Words | None = None) -> Iterator[tuple[int, int]]:
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
