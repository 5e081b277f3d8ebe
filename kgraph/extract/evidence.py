"""Evidence: what the text and the lexicon say about a group of candidates, as plain records.

Each :class:`~kgraph.model.Evidence` is a feature, its value and the rule that produced it
("after=benchmark",
"a class noun follows the name"). The rules are the ones kgraph always had (the lexicon entry
and its rank, the head noun, cue words before and after, the name's shape, how common its
words are, the title, an abbreviation definition); they no longer add hand-set scores but
are features whose weights :mod:`kgraph.extract.classifier` learned from annotated abstracts.

Everything here is a pure function of the text, the candidates and the lexicon. Evidence of
a name alone (lexicon, shape, head, word frequency) is cached per name: names recur.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from functools import cache, lru_cache

from kgraph.extract.candidates import (
    CUE,
    LEXICON,
    LONG_FORM,
    NAME,
    SHORT_FORM,
    TITLE,
    Candidate,
    Group,
    display_name,
)
from kgraph.extract.cues import cased, class_noun_pattern, class_nouns, cue_list, cue_words
from kgraph.extract.phrases import head_types, known_heads, term_words
from kgraph.extract.shapes import is_name_like, model_families
from kgraph.lexicon import Lexicon, Term, title_phrases
from kgraph.model import EntityType, Evidence
from kgraph.text import ORG_PREFIXED, Words
from kgraph.words import alternation, folded_set, zipf

CONTEXT_CHARS = 160
INTRO_GAP_WORDS = 6
# Words allowed between a class noun and a list cue ("benchmarks for X (e.g., ...").
MAX_LIST_GAP = 6
# A modifier rarer than this in general English makes a noun phrase specific.
SPECIFIC_MODIFIER_ZIPF = 4.3
# How much of the lexicon's names with a head must be of one type for the head to say so.
HEAD_TYPE_SHARE = 0.6
# A word is a word of the field's names when this many lexicon names hold it.
TERM_WORD_NAMES = 5


@lru_cache(maxsize=4096)
def ev(feature: str, value: str, rule: str) -> Evidence:
    """An :class:`Evidence`, shared: most features take a few values and recur in every doc."""
    return Evidence(feature, value, rule)


# -- the name alone ---------------------------------------------------------------------------

# A parameter count as a name's part ("Llama 2 7B", "Pythia-1.4b"), not "GSM8K" or "1K".
_MODEL_SIZE = re.compile(r"(?<![A-Za-z0-9])\d+(?:\.\d+)?[BMTbm]\b")
_MODEL_VERSION = re.compile(r"[A-Za-z]{2,}[-.]?\d+(?:\.\d+)*[a-z]?$")
_DATA_VERSION = re.compile(r"[-\s]?[vV]\d+(?:\.\d+)*$")
_YEAR = re.compile(r"(?:19|20)\d\d\b")
# What a benchmark's name may carry after its base name: a size, a split, a year, a version
# ("ImageNet-1K", "LibriSpeech test-other", "AIME24", "SQuAD v1.1", "GSM8K+").
_SUFFIX = re.compile(
    r"(?:[-\s]?(?:\d+(?:\.\d+)?[KkMm]?|[vV]\d+(?:\.\d+)*|\d{2,4})"
    r"|\s+(?:test|dev|val|train)[-\w]*|[-\s](?:hard|easy|lite|mini|full|verified|pro|plus)|\+)$",
    re.I,
)
# Endings that tell a first word's part of speech: "Enhancing", "adaptive", "meticulous".
_ENDING = re.compile(r"(?:ing|ed|ive|al|ous|ful|able|ible|ic|ly|ar|ent|ant|er|or|ion|s)$")
_CHAR_CLASS = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
    "X" * 26 + "x" * 26 + "d" * 10,
)
_REPEATS = re.compile(r"(.)\1+")


def word_shape(word: str) -> str:
    """A word's letters as X, x and d, runs collapsed: "ImageNet-1K" -> "XxXx-dX".

    Examples
    --------
    >>> [word_shape(w) for w in ["GPT-4", "ImageNet-1K", "chain-of-thought", "LLaMA"]]
    ['X-d', 'XxXx-dX', 'x-x-x', 'XxX']
    """
    return _REPEATS.sub(r"\1", word.translate(_CHAR_CLASS))[:8]


def shape(name: str) -> str:
    """The shape of a name of up to three words; longer names keep their first and last.

    Examples
    --------
    >>> shape("Llama 2 7B"), shape("adverse drug event extraction")
    ('Xx d dX', 'x .. x')
    """
    words = name.split()
    if len(words) > 3:
        words = [words[0], "..", words[-1]]
        return " ".join(w if w == ".." else word_shape(w) for w in words)
    return " ".join(word_shape(w) for w in words)


def _bucket(value: float) -> str:
    """A word frequency (Zipf) as a coarse bucket."""
    return (
        "<2"
        if value < 2
        else "<3"
        if value < 3
        else "<4"
        if value < 4
        else "<5"
        if value < 5
        else "5+"
    )


def _lookup(lexicon: Lexicon, name: str) -> list[Term]:
    """The lexicon's terms for ``name``, else for its singular ("Hopfield networks", "RNNs"),
    else with hyphens as spaces ("nearest-neighbor search")."""
    terms = lexicon.lookup(name)
    if terms:
        return terms
    singular = _singular(name)
    if singular != name:
        terms = lexicon.lookup(singular)
    if not terms and "-" in name:
        terms = lexicon.lookup(singular.replace("-", " "))
    return terms


_PLURAL_ES = re.compile(r"(?:sh|ch|x|ss)es$")


def _singular(name: str) -> str:
    """``name`` with its last word singular: "RNNs" -> "RNN", "processes" -> "process".

    Examples
    --------
    >>> names = ["RNNs", "neural processes", "Hopfield networks", "loss", "strategies"]
    >>> [_singular(n) for n in names]
    ['RNN', 'neural process', 'Hopfield network', 'loss', 'strategy']
    """
    head, _, last = name.rpartition(" ")
    if len(last) < 4 or not last.endswith("s") or last.endswith("ss"):
        return name
    if last[:-1].isupper():
        single = last[:-1]
    elif last.endswith("ies"):
        single = last[:-3] + "y"
    elif _PLURAL_ES.search(last):
        single = last[:-2]
    else:
        single = last[:-1]
    return f"{head} {single}" if head else single


@lru_cache(maxsize=1 << 16)
def name_evidence(name: str, lexicon: Lexicon) -> tuple[Evidence, ...]:
    """What the name itself says: its lexicon entries, shape, head and how common its words are.

    Examples
    --------
    >>> from kgraph.lexicon import default_lexicon
    >>> keys = {e.key for e in name_evidence("ImageNet-1K", default_lexicon())}
    >>> sorted(k for k in keys if k.startswith(("lex=", "lexbase", "shape")))
    ['lex=none', 'lexbase=benchmark', 'shape=XxXx-dX']
    """
    out: list[Evidence] = []
    terms = _lookup(lexicon, name)
    types: list[str] = []
    if terms:
        best = terms[0]
        types.append(best.type.value)
        out.append(ev("lex", best.type.value, f"lexicon entry {best.name!r}"))
        out.append(ev("lexrank", f"{best.rank.name.lower()}:{best.type.value}", "its source"))
        for other in dict.fromkeys(t.type.value for t in terms[1:]):
            if other != best.type.value:
                out.append(ev("lex2", other, "a second lexicon entry"))
    else:
        out.append(ev("lex", "none", "no lexicon entry"))
        base = _SUFFIX.sub("", name).strip(" -")
        if base == name and " " in name:
            base = name.split()[0]  # "SQuAD v1.1", "LibriSpeech test-other"
        if base and base != name:
            base_terms = _lookup(lexicon, base)
            if base_terms:
                types.append(base_terms[0].type.value)
                rule = f"lexicon entry {base_terms[0].name!r} without the suffix"
                out.append(ev("lexbase", base_terms[0].type.value, rule))
    words = name.split()
    has_digit = any(ch.isdigit() for ch in name)
    name_like = any(is_name_like(w) for w in words)
    lower = name.islower()
    flags = {
        "namelike": name_like,
        "lower": lower,
        "capwords": all(w[:1].isupper() for w in words),
        "digit": has_digit,
        "hyphen": "-" in name,
        "family": _family(name),
        "org": bool(ORG_PREFIXED.match(name)),
        "size": bool(_MODEL_SIZE.search(name)),
        "version": bool(_MODEL_VERSION.search(name)) and not _DATA_VERSION.search(name),
        "dataversion": bool(_DATA_VERSION.search(name)),
        "year": bool(_YEAR.search(name)),
        "plus": name.endswith("+"),
        "acronym": any(len(w) > 1 and w.isupper() and w.isalpha() for w in words),
        "classwords": all(w.casefold() in folded_set("class_words") for w in words),
        "language": name.casefold() in folded_set("programming_languages"),
    }
    out.append(ev("shape", shape(name), "the name's shape"))
    out.append(ev("words", str(min(len(words), 4)), "how many words"))
    for flag, on in flags.items():
        if on:
            out.append(ev("is", flag, "the name's shape"))
    for type_ in types:  # the lexicon's word, with the shape that may overrule it
        for flag in ("digit", "lower", "namelike", "size", "family"):
            if flags[flag]:
                out.append(ev(f"lex&{flag}", type_, "lexicon entry and shape"))
    out.extend(_head_evidence(words, lexicon))
    for start in range(1, len(words)):  # the longest lexicon name the name ends with
        suffix_terms = _lookup(lexicon, " ".join(words[start:]))
        if suffix_terms:
            rule = f"ends with the lexicon entry {suffix_terms[0].name!r}"
            out.append(ev("lexsuffix", suffix_terms[0].type.value, rule))
            break
    titles = title_phrases(lexicon.folder).get(" ".join(w.casefold() for w in words), 0)
    out.append(ev("titles", _count_bucket(titles), "in how many ML paper titles it is"))
    return tuple(out)


def _count_bucket(count: int) -> str:
    return "0" if count == 0 else "1" if count == 1 else "2-4" if count < 5 else "5+"


def _family(name: str) -> bool:
    families = model_families()
    first = re.split(r"[-\s/]", name)[0].rstrip("+")
    stem = re.match(r"[A-Za-z]+", name)
    return first in families or (stem is not None and stem.group() in families)


def _head_evidence(words: Sequence[str], lexicon: Lexicon) -> list[Evidence]:
    out = []
    last = words[-1].casefold()
    singular = last[:-1] if last.endswith("s") and len(last) > 3 else last
    nouns = class_nouns()
    if last in nouns:
        out.append(ev("classnoun", nouns[last].value, f"ends with the class noun {last!r}"))
    heads = known_heads(lexicon)
    head = last if last in heads else singular if singular in heads else ""
    if head:
        out.append(ev("head", head, "its head word"))
        counts = head_types(lexicon).get(head)
        if counts:
            total = sum(counts.values())
            bucket = "<10" if total < 10 else "<100" if total < 100 else "100+"
            out.append(ev("headnames", bucket, "how many lexicon names end with its head"))
            type_, count = counts.most_common(1)[0]
            if count >= HEAD_TYPE_SHARE * sum(counts.values()):
                rule = f"{count} lexicon names of this type end with {head!r}"
                out.append(ev("headtype", type_.value, rule))
    else:
        out.append(ev("head", "other", "an uncommon head word"))
    if words[-1].islower() and words[-1].endswith("s") and not words[-1].endswith("ss"):
        out.append(ev("is", "plural", "a plural head"))
    named = term_words(lexicon)
    share = sum(1 for w in words if named.get(w.casefold(), 0) >= TERM_WORD_NAMES) / len(words)
    value = "all" if share == 1 else "most" if share >= 0.5 else "some" if share else "none"
    out.append(ev("termwords", value, "its words are words of lexicon names"))
    if len(words) == 1:
        out.append(ev("zipf", _bucket(zipf(words[0])), "how common the word is"))
    else:
        modifiers = words[:-1]
        out.append(ev("modzipf", _bucket(min(zipf(m) for m in modifiers)), "rarest modifier"))
        out.append(ev("headzipf", _bucket(zipf(words[-1])), "how common the head is"))
        if any(is_specific_modifier(m) for m in modifiers):
            out.append(ev("is", "specific", "a rare, hyphenated or named modifier"))
        if modifiers[0].casefold() in folded_set("not_modifiers"):
            out.append(ev("is", "vague", "starts with an evaluative word"))
        first = modifiers[0]
        out.append(ev("firstzipf", _bucket(zipf(first)), "how common its first word is"))
        ending = _ENDING.search(first.casefold())
        out.append(ev("firstend", ending.group() if ending else "-", "its first word's ending"))
    return out


@lru_cache(maxsize=65536)
def is_specific_modifier(word: str) -> bool:
    """A modifier that narrows a head to a technique: rare, hyphenated, capitalised.

    Examples
    --------
    >>> [is_specific_modifier(w) for w in ["contrastive", "chain-of-thought", "LoRA", "perfect"]]
    [True, True, True, False]
    """
    if "-" in word or not word.islower():
        return True
    return zipf(word) < SPECIFIC_MODIFIER_ZIPF


# -- the context of an occurrence ----------------------------------------------------------


@cache
def _function_words() -> frozenset[str]:
    """Words whose identity before or after a name is a feature (the rest are just "word")."""
    from spacy.lang.en.stop_words import STOP_WORDS

    cues = cue_words("introduce", "name", "evaluate", "compare", "list")
    return frozenset(STOP_WORDS) | cues | frozenset(class_nouns()) | folded_set("not_modifiers")


@cache
def _head_after() -> re.Pattern[str]:
    """A class noun right after a name, or after the list the name starts ("the GSM8K+ and
    MATH+ benchmarks")."""
    between = r"(?:[ \t]*,[ \t]*(?:and[ \t]+)?|[ \t]+(?:and|or)[ \t]+|[ \t]*/[ \t]*)"
    listed = rf"(?:{between}[A-Z0-9][\w.+-]*){{0,5}}"
    return re.compile(rf"^{listed}[ \t]*(?:-[ \t]*)?({class_noun_pattern()})\b")


@cache
def _appositive() -> re.Pattern[str]:
    return re.compile(
        rf"^\s*(?:\([^()]*\)\s*)?(?:,\s*|\s+(?:is|as|was)\s+)(?:a|an|the|our)\s+"
        rf"(?:(?:suite|family|set|series|collection|kind|type|class)\s+of\s+)?"
        rf"(?:[\w-]+\s+){{0,5}}?({class_noun_pattern()})\b",
        re.I,
    )


@cache
def _class_noun_anywhere() -> re.Pattern[str]:
    return re.compile(rf"\b({class_noun_pattern()})\b", re.I)


@cache
def _list_cue() -> re.Pattern[str]:
    return re.compile(rf"\b(?:{'|'.join(cue_list('list'))})|[:(]", re.I)


@cache
def _intro_verb() -> re.Pattern[str]:
    return re.compile(rf"\b(?:{alternation(cue_list('introduce'))})\b", re.I)


@cache
def _naming() -> re.Pattern[str]:
    return re.compile(rf"\b(?:{'|'.join(cue_list('name'))})\s*[\"'“]?$", re.I)


@cache
def _evaluation() -> re.Pattern[str]:
    return re.compile(rf"\b(?:{'|'.join(cue_list('evaluate'))})\b", re.I)


_EVAL_ON = re.compile(
    r"\b(?:on|across|over)\s+(?:the\s+)?(?:[\w./+-]+\s*(?:,|\band\b)\s*){0,6}(?:and\s+)?$", re.I
)
_CLAUSE_SPLIT = re.compile(r"[.!?;]\s|\n")
_SUBJECT = re.compile(r"\b(?:we|this (?:paper|work|study|article))\b", re.I)
_INTRO_BLOCKERS = re.compile(
    r"\b(?:based|using|with|via|from|on|upon|leverag\w*|built|of|for|to|by|and|than|into|in)\b",
    re.I,
)
# "our (new) X", "the proposed X": at most two modifiers between, none a function word.
_OUR = re.compile(
    r"\b(?:our|the proposed|our proposed|this new)\s+"
    r"(?:(?!(?:to|of|for|on|in|with|by|from|and|or|the|a|an)\b)[\w-]+\s+){0,2}$",
    re.I,
)
_LOWER_WORD = re.compile(r"(?:^|\s)[^A-Z\s]")
_CAPITALISED = ev("is", "capitalised", "capitalised inside a sentence")
_NESTED = ev("in", "longer", "inside a longer candidate")
_EVALUATION = ev("in", "evaluation", "'on X' in an evaluation sentence")
_NEW = re.compile(r"^\s*(?:\([^()]*\)\s*)?,\s*(?:a|an)\s+(?:new|novel|first)\b", re.I)
_LIST_ITEM = re.compile(r"[^\s,;()]+")
# What may stand between two members of a list: a comma, "and", "or", a slash, each possibly
# after a parenthesis ("GSM8K (+17.9%), SVAMP (+11.0%) and AQuA").
_COORDINATION = re.compile(
    r"\s*(?:\([^()]{0,40}\)\s*)?(?:,\s*(?:and\s+|or\s+)?|\s*and\s+|\s*or\s+|\s*/\s*)$"
)
_BETWEEN_LIST_WORDS = frozenset({"and", "or", "the", "a", "an", "as", "well", "also"})
_OWNERSHIP_CUES = frozenset({"our", "proposed", "new"})


@cache
def _intro_cues() -> frozenset[str]:
    """The words (as written) after which a name may be the paper's own."""
    return cased(cue_words("introduce", "name") | _OWNERSHIP_CUES)


class Context:
    """What the evidence of a doc's occurrences is computed from, prepared once per doc."""

    def __init__(self, text: str, scanned: Words, candidates: Sequence[Candidate]) -> None:
        self.text = text
        self.title_end = text.find("\n\n") if "\n\n" in text else len(text)
        self.title_folded = text[: self.title_end].casefold()
        self.words = scanned
        self.word_starts = [start for start, _, _ in scanned]
        intro = _intro_cues()
        self.cue_ends = [end for _, end, word in scanned if word in intro]
        self.nested = _nested(candidates)
        # Found once per doc, looked up by position for each occurrence:
        self.clause_starts = [0, *(m.end() for m in _CLAUSE_SPLIT.finditer(text))]
        nouns = class_nouns()
        found = [(m.end(), m.group(1)) for m in _class_noun_anywhere().finditer(text)]
        self.noun_ends = [end for end, _ in found]
        self.nouns = [(noun, nouns[noun.casefold()].value) for _, noun in found]
        self.evaluation_ends = [m.end() for m in _evaluation().finditer(text)]

    def word_before(self, offset: int) -> str:
        """The word or punctuation right before ``offset`` on its line, as a feature value."""
        text = self.text
        pos = offset
        while pos > 0 and text[pos - 1] in " \t":
            pos -= 1
        if pos == 0 or text[pos - 1] == "\n":
            return "^"
        if not text[pos - 1].isalnum():
            return text[pos - 1]
        index = bisect.bisect_right(self.word_starts, pos - 1) - 1
        return _word_value(self.words[index][2]) if index >= 0 else "^"

    def word_after(self, offset: int) -> str:
        text = self.text
        pos = offset
        while pos < len(text) and text[pos] in " \t":
            pos += 1
        if pos == len(text) or text[pos] == "\n":
            return "$"
        if not text[pos].isalnum():
            return text[pos]
        index = bisect.bisect_left(self.word_starts, pos)
        if index < len(self.words) and self.words[index][0] == pos:
            return _word_value(self.words[index][2])
        return "word"

    def in_title(self, name: str) -> bool:
        """Does the title hold ``name`` as whole words, in any case?"""
        title = self.title_folded
        at = title.find(name.casefold())
        if at < 0:
            return False
        end = at + len(name)
        return (at == 0 or not title[at - 1].isalnum()) and (
            end == len(title) or not title[end].isalnum()
        )

    def clause_start(self, start: int) -> int:
        """Where the clause ending at ``start`` begins (at most ``CONTEXT_CHARS`` back)."""
        index = bisect.bisect_right(self.clause_starts, start) - 1
        return max(self.clause_starts[index], start - CONTEXT_CHARS)

    def clause_before(self, start: int) -> str:
        return self.text[self.clause_start(start) : start]

    def class_noun_before(self, start: int) -> tuple[str, str] | None:
        """The last class noun of the clause before ``start`` (as written, and its type)."""
        index = bisect.bisect_right(self.noun_ends, start) - 1
        if index < 0 or self.noun_ends[index] - len(self.nouns[index][0]) < self.clause_start(
            start
        ):
            return None
        return self.nouns[index]

    def evaluation_before(self, start: int) -> bool:
        """Is there an evaluation cue in the clause before ``start``?"""
        index = bisect.bisect_right(self.evaluation_ends, start) - 1
        return index >= 0 and self.evaluation_ends[index] > self.clause_start(start)

    def cue_before(self, start: int) -> bool:
        """Is there an intro cue in the ``CONTEXT_CHARS`` before ``start``?"""
        index = bisect.bisect_right(self.cue_ends, start)
        return index > 0 and self.cue_ends[index - 1] >= start - CONTEXT_CHARS


def _word_value(word: str) -> str:
    folded = word.casefold()
    if folded in _function_words():
        return folded
    if is_name_like(word):
        return "Name"
    return "Word" if word[:1].isupper() else "word"


def _nested(candidates: Sequence[Candidate]) -> frozenset[tuple[int, int]]:
    """Spans that lie inside a longer candidate span."""
    spans = sorted({(c.start, c.end) for c in candidates}, key=lambda s: (s[0], -s[1]))
    out = set()
    reach = -1
    for start, end in spans:
        if reach >= end:
            out.add((start, end))
        reach = max(reach, end)
    return frozenset(out)


def occurrence_evidence(context: Context, cand: Candidate, previous_end: int) -> list[Evidence]:
    """What the text around one occurrence says: its source, the words before and after,
    a class noun or appositive after it, a class it is listed under, an evaluation context,
    and whether the clause before it introduces it.

    ``previous_end`` is where the occurrence before this one (of any group) ends: "we present
    QLoRA, an efficient finetuning approach" introduces QLoRA, the first name after the verb.
    """
    text = context.text
    out = []
    if cand.start < context.title_end:
        out.append(ev("in", "title", "it is in the title"))
    before = context.word_before(cand.start)
    after = context.word_after(cand.end)
    out.append(ev("prev", before, "the word before it"))
    out.append(ev("next", after, "the word after it"))
    surface = text[cand.start : cand.end]
    if (
        cand.start >= context.title_end
        and before not in ("^", ".")
        and not _LOWER_WORD.search(surface)
    ):
        out.append(_CAPITALISED)
    if (cand.start, cand.end) in context.nested:
        out.append(_NESTED)
    rest = text[cand.end : cand.end + CONTEXT_CHARS]
    if not surface.islower() or any(ch.isdigit() for ch in surface):
        match = _head_after().match(rest) or _appositive().match(rest)
        if match is not None:
            type_ = class_nouns()[match.group(1).casefold()].value
            out.append(ev("after", type_, f"the class noun {match.group(1)!r} after it"))
        listed = listed_under(context.clause_before(cand.start))
        if listed is not None:
            out.append(ev("listed", listed.value, "listed under a class noun"))
    noun = context.class_noun_before(cand.start)
    if noun is not None:
        out.append(ev("clausenoun", noun[1], f"the class noun {noun[0]!r} before it"))
    if context.evaluation_before(cand.start) and _EVAL_ON.search(context.clause_before(cand.start)):
        out.append(_EVALUATION)
    if previous_end and _COORDINATION.match(text, previous_end, cand.start):
        out.append(ev("in", "list", "coordinated with the candidate before it"))
    if _NEW.match(rest):
        out.append(ev("intro", "new", "'X, a new ...'"))
    if context.cue_before(cand.start):
        found = introduced_by(context.clause_before(cand.start), cand, previous_end)
        if found:
            out.append(ev("intro", found, "the clause before introduces it"))
    return out


def listed_under(clause: str) -> EntityType | None:
    """The class a name is listed under: "datasets such as X, Y and" + name -> benchmark.

    With a list cue ("such as", "e.g.", "(", ":") the class noun may be a few words before
    the cue ("benchmarks for scene understanding (i.e., X and"); without one, the list must
    follow the class noun directly ("two popular datasets, X and").

    Examples
    --------
    >>> listed_under("on two benchmarks for scene understanding (i.e., PASCAL-Context and ")
    <EntityType.BENCHMARK: 'benchmark'>
    >>> listed_under("two popular datasets, RobustFill and ")
    <EntityType.BENCHMARK: 'benchmark'>
    >>> listed_under("datasets that people use with ") is None
    True
    """
    cues = list(_list_cue().finditer(clause))
    if cues:
        items = clause[cues[-1].end() :]
        if ")" in items:
            return None  # "benchmarks (X and Y), Z": the list closed before Z
        heads = list(_class_noun_anywhere().finditer(clause, 0, cues[-1].start()))
        if not heads or len(clause[heads[-1].end() : cues[-1].start()].split()) > MAX_LIST_GAP:
            return None
    else:
        heads = list(_class_noun_anywhere().finditer(clause))
        if not heads:
            return None
        items = clause[heads[-1].end() :]
    for match in _LIST_ITEM.finditer(items):  # lazily: most clauses fail at their first word
        token = match.group()
        if token.casefold() in _BETWEEN_LIST_WORDS:
            continue
        if not (token[:1].isupper() or any(ch.isdigit() for ch in token)):
            return None
    return class_nouns()[heads[-1].group(1).casefold()]


def introduced_by(clause: str, cand: Candidate, previous_end: int) -> str:
    """How the clause before ``cand`` introduces it: "our", "naming", "verb", or "".

    Examples
    --------
    >>> c = Candidate(17, 22, "name")
    >>> introduced_by("In this work we propose ", c, 0), introduced_by("Based on our ", c, 0)
    ('verb', 'our')
    >>> introduced_by("We propose a method based on ", c, 0)
    ''
    """
    if _OUR.search(clause):
        return "our"
    if _naming().search(clause):
        return "naming"
    intros = list(_intro_verb().finditer(clause))
    if not intros or not _SUBJECT.search(clause[: intros[-1].start()]):
        return ""
    verb_end = cand.start - len(clause) + intros[-1].end()
    if previous_end > verb_end:
        return ""  # another name came first after the verb
    gap = clause[intros[-1].end() :]
    if len(gap.split()) <= INTRO_GAP_WORDS and not _INTRO_BLOCKERS.search(gap):
        return "verb"
    return ""


# -- a group ---------------------------------------------------------------------------------


def group_name(text: str, found: Group) -> str:
    """The name a group's mention gets: the long form of its abbreviation, else its most used
    display form (the first on ties)."""
    if found.long_form:
        return found.long_form
    counts: dict[str, int] = {}
    for cand in found.occurrences:
        if cand.source != SHORT_FORM:
            name = display_name(text[cand.start : cand.end])
            counts[name] = counts.get(name, 0) + 1
    if not counts:
        return found.short
    return max(counts, key=lambda n: counts[n])


def name_kind(found: Group) -> str:
    """ "N" for a group a name generator proposed, "P" for a noun phrase only."""
    return "N" if any(c.source in _NAMED_SOURCES for c in found.occurrences) else "P"


_NAMED_SOURCES = frozenset({LEXICON, NAME, LONG_FORM, SHORT_FORM, CUE, TITLE})


def cheap_evidence(found: Group, lexicon: Lexicon) -> tuple[Evidence, ...]:
    """The evidence of a group, besides its name's (:func:`name_evidence`), that needs no
    look at its context: its abbreviation's, its generators' and how often it occurs.
    With the name's evidence, enough to rule most groups out."""
    extra: dict[Evidence, None] = {}
    if found.short:
        extra[ev("abbr", "defined" if found.long_form else "used", "an abbreviation")] = None
        extra.update(dict.fromkeys(_short_evidence(found.short, lexicon)))
    count = len({c.start for c in found.occurrences})
    extra[_COUNT[min(count, 3)]] = None
    for cand in found.occurrences:
        extra[ev("src", cand.source, "the generator that proposed it")] = None
        if cand.source == LEXICON:
            extra[ev("lexlabel", cand.hint, "the lexicon matched it")] = None
        elif cand.source == CUE:
            extra[ev("cue", cand.hint, "the cue word before it")] = None
    return tuple(extra)


_COUNT = {n: ev("count", str(n), "how often it occurs") for n in (1, 2, 3)}


@lru_cache(maxsize=1 << 14)
def _short_evidence(short: str, lexicon: Lexicon) -> tuple[Evidence, ...]:
    return tuple(
        ev(f"short.{item.feature}", item.value, f"its abbreviation: {item.rule}")
        for item in name_evidence(short, lexicon)
        if item.feature.startswith("lex")
    )


def context_evidence(
    context: Context, found: Group, name: str, previous_end: dict[int, int]
) -> tuple[Evidence, ...]:
    """What the text around a group's occurrences says (see :func:`occurrence_evidence`),
    and whether the title holds its name. ``previous_end`` maps an occurrence's start to
    where the candidate before it ends."""
    seen: dict[Evidence, None] = {}
    if context.in_title(name):
        seen[ev("in", "title-text", "the title holds its name")] = None
    for cand in found.occurrences:
        for item in occurrence_evidence(context, cand, previous_end.get(cand.start, 0)):
            seen[item] = None
        if cand.source == LONG_FORM and cand.start >= context.title_end:
            seen[ev("abbr", "long", "defined with an abbreviation")] = None
    return tuple(seen)


def combinations(*parts: Sequence[Evidence]) -> tuple[Evidence, ...]:
    """Pairs of the core evidence in ``parts`` as features of their own (cached: the same
    combinations recur, and come back as the same tuple)."""
    return _conjunctions(frozenset(item for part in parts for item in part if _is_core(item)))


def _is_core(item: Evidence) -> bool:
    values = _CORE.get(item.feature)
    return values is not None and (not values or item.value in values)


@lru_cache(maxsize=1 << 14)
def _conjunctions(core: frozenset[Evidence]) -> tuple[Evidence, ...]:
    ordered = sorted(item.key for item in core)
    return tuple(
        ev("&", f"{first}&{second}", "both")
        for i, first in enumerate(ordered)
        for second in ordered[i + 1 :]
    )


# Evidence whose combinations are features too: a linear model cannot learn that "in the
# title" means a task for a phrase headed by "reasoning" but a method for a name.
# (feature -> the values that count; empty: every value.)
_CORE: dict[str, frozenset[str]] = {
    **dict.fromkeys(
        ("src", "lex", "headtype", "after", "listed", "classnoun", "cue", "count"), frozenset()
    ),
    "is": frozenset({"lower", "namelike", "capitalised", "digit"}),
    "in": frozenset({"title"}),
    "abbr": frozenset({"defined"}),
}
